#!/usr/bin/env bash
# Installs everything wattsim needs from Debian/Ubuntu packages. Idempotent: packages already present are
# skipped, so running it twice costs only a dpkg query.
set -euo pipefail

packages=(
  build-essential cmake
  libboost-graph-dev libboost-program-options-dev
  libeigen3-dev libhdf5-dev libyaml-cpp-dev
  libgtest-dev libbenchmark-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
