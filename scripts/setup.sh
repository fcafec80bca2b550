#!/usr/bin/env bash
# Installs everything wattsim needs from Debian/Ubuntu packages. Idempotent: packages already present are
# skipped, so running it twice costs only a dpkg query.
set -euo pipefail

packages=(
  build-essential cmake
  libboost-graph-dev libboost-program-options-dev
  libeigen3-dev libhdf5-dev libyaml-cpp-dev
  libgtest-dev libbenchmark-dev
  openmpi-bin libopenmpi-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# With --fuzz, also clang and its runtime for libFuzzer: Debian 12 packages it as libclang-rt-14-dev;
# Ubuntu 22.04 ships it inside libclang-common-14-dev, which clang pulls in.
# With --slurm, also a single-node SLURM (slurmctld, slurmd, sbatch) and munge, for the job-array test.
for option in "$@"; do
  case "$option" in
    --fuzz)
      packages+=(clang)
      if ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
        apt-cache show libclang-rt-14-dev >/dev/null 2>&1 || $sudo apt-get update -qq || true
      fi
      if apt-cache show libclang-rt-14-dev >/dev/null 2>&1; then packages+=(libclang-rt-14-dev); fi
      ;;
    --slurm) packages+=(slurmctld slurmd slurm-client munge) ;;
    *) echo "setup: unknown option $option (known: --fuzz, --slurm)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
  echo "setup: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
