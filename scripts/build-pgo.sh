#!/usr/bin/env bash
# A profile-guided build of memview (GCC): build with MEMVIEW_PGO=generate,
# record the teaching programs with it (scripts/pgo-train.sh), rebuild the
# same folder with MEMVIEW_PGO=use. scripts/setup.sh builds the installed
# memview this way; the benchmarks of other interpreters use it too.
#   scripts/build-pgo.sh PYTHON DIR
# Exit status 1 when a part failed (DIR then holds no usable build).
set -uo pipefail
cd "$(dirname "$0")/.."
py=${1:?usage: scripts/build-pgo.sh PYTHON DIR}
dir=${2:?usage: scripts/build-pgo.sh PYTHON DIR}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -DMEMVIEW_PYTHON="$py" -DMEMVIEW_PGO=generate >/dev/null &&
    cmake --build "$dir" --clean-first -j"$jobs" >/dev/null &&
    rm -rf "$dir/pgo-profile" &&
    bash scripts/pgo-train.sh "$dir/memview" &&
    cmake -S . -B "$dir" -DMEMVIEW_PGO=use >/dev/null &&
    cmake --build "$dir" --clean-first -j"$jobs"
