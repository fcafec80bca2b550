#!/usr/bin/env bash
# Regenerates the golden outputs (tests/golden/<folder>/<scenario>.json) of every shipped scenario, on
# purpose: run it when a change moves a number, review `git diff tests/golden`, and say in the commit why
# the numbers moved. The test `golden.*` compares each scenario against its file.
#   scripts/golden.sh            regenerate all (builds first)
#   scripts/golden.sh --check    compare only, like the tests
set -euo pipefail
cd "$(dirname "$0")/.."
mode=--update
[ "${1:-}" = "--check" ] && mode=""
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target wattsim >/dev/null
for dir in examples suite validation; do
  mkdir -p "tests/golden/$dir"
  for scenario in scenarios/$dir/*.yaml; do
    stem=$(basename "$scenario" .yaml)
    echo "tests/golden/$dir/$stem.json"
  done
done | xargs -P "$(nproc)" -I{} sh -c \
  'f={}; d=$(basename $(dirname $f)); s=$(basename $f .json); /usr/bin/python3 tests/python/golden.py build/sim/wattsim scenarios/$d/$s.yaml $f '"$mode"
