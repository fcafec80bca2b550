#!/usr/bin/env bash
# The benchmark suite (scenarios/suite): installs what is missing, builds wattsim, runs every suite scenario
# (two at a time), prints the table model | GPUs | policy | energy saving % | time overhead % | E2A
# improvement % | CO2e saving %, and writes it with its explanations to docs/results.md.
# Outputs: out/suite/<scenario>.h5 and .txt. About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_SETUP:-0}" != 1 ]]; then
  scripts/setup.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$(nproc)" --target wattsim
fi
mkdir -p out/suite
rm -f out/suite/*.h5 out/suite/*.txt
ls scenarios/suite/*.yaml | xargs -P "${JOBS:-2}" -I{} sh -c \
  'n=$(basename {} .yaml); ./build/sim/wattsim run {} -o out/suite/$n.h5 > out/suite/$n.txt || { cat out/suite/$n.txt; exit 255; }'
/usr/bin/python3 analysis/suite_report.py out/suite --markdown docs/results.md
echo "wrote docs/results.md"
