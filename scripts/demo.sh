#!/usr/bin/env bash
# Installs what is missing, builds wattsim, and runs the main example: a GPT-style 1.3B model trained
# data-parallel on 8 H100s, static allocation against pass-level DVFS. Writes out/gpt-1.3b-8xh100.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target wattsim
mkdir -p out
./build/sim/wattsim run "${1:-scenarios/examples/gpt-1.3b-8xh100.yaml}" -o "out/$(basename "${1:-gpt-1.3b-8xh100.yaml}" .yaml).h5"
