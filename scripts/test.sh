#!/usr/bin/env bash
# Installs what is missing, builds wattsim (warnings are errors here), and runs every test under ctest.
#   scripts/test.sh          the test suite (about 5 minutes on 2 cores from scratch)
#   scripts/test.sh --full   also a single-node SLURM for the job-array test, the suite under AddressSanitizer + UndefinedBehaviorSanitizer (GCC and
#                            clang) and each libFuzzer target for FUZZ_SECONDS (default 45) — what CI runs
set -euo pipefail
cd "$(dirname "$0")/.."
full=false
[ "${1:-}" = "--full" ] && full=true
if $full; then scripts/setup.sh --fuzz --slurm; else scripts/setup.sh; fi
jobs="$(nproc)"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWATTSIM_WERROR=ON
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
$full || exit 0

echo "== sanitizers: the suite under ASan + UBSan (float-cast-overflow included), with GCC and with clang"
for preset in asan asan-clang; do
  cmake --preset $preset -DWATTSIM_WERROR=ON
  cmake --build build-$preset -j "$jobs"
  ctest --test-dir build-$preset --output-on-failure -j "$jobs" -LE slow
done

echo "== fuzzing: each target ${FUZZ_SECONDS:-45} s from tests/fuzz/corpus, the library instrumented"
cmake --preset fuzz
cmake --build build-fuzz -j "$jobs"
for target in scenario sweep csv gpu node fabric model; do
  work="$(mktemp -d)"
  # Any crash, leak, timeout or sanitizer report makes libFuzzer exit non-zero and the script stop; the
  # failing input is written to build-fuzz/ to become a regression seed.
  ./build-fuzz/tests/fuzz/fuzz_$target -max_total_time="${FUZZ_SECONDS:-45}" -timeout=20 -rss_limit_mb=4096 \
    -dict=build-fuzz/tests/fuzz/$target.dict -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$target- \
    "$work" tests/fuzz/corpus/$target 2>&1 | grep -E "stat::number_of_executed_units|cov: .* DONE|ERROR|SUMMARY" || true
  test "${PIPESTATUS[0]}" -eq 0
  rm -rf "$work"
done
echo "fuzzing: no crash"
