#!/usr/bin/env bash
# Set memview up on a fresh Debian machine (as root): install what is
# missing, build for the default interpreter (Python 3.11), install
# `memview` on PATH, and run it on an example program.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pythons.sh

need=()
for cmd in cc cmake make; do
    command -v "$cmd" >/dev/null 2>&1 || need+=(build-essential cmake)
done
if [ -z "$(mv_pythons)" ]; then
    need+=(python3.11 python3.11-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u)
fi

py=$(mv_pythons | sed -n 1p)
echo "memview: building for $py"
cmake -S . -B build -DMEMVIEW_PYTHON="$py" >/dev/null
cmake --build build -j"$(nproc)"
cmake --install build --prefix /usr/local >/dev/null
echo "memview: installed $(command -v memview)"
memview run examples/aliasing.py
