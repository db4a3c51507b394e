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
# PNG output renders the SVG with librsvg (found through pkg-config)
for pkg in librsvg2-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ -z "$(mv_pythons)" ]; then
    need+=(python3.11 python3.11-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u)
fi

# the browser tests of the HTML viewer (tests/web): Debian's Chromium, driven by
# playwright-core from npm (pinned in tests/web/package-lock.json; no browser
# download). Without them those tests are skipped.
web=()
[ -x /usr/bin/chromium ] || web+=(chromium)
command -v npm >/dev/null 2>&1 || web+=(nodejs npm)
if [ ${#web[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${web[@]}"
fi
if [ ! -d tests/web/node_modules/playwright-core ]; then
    (cd tests/web && npm ci --no-audit --no-fund)
fi

# the notebook test of the Python module (tests/pyext, pyext.notebook): Debian's
# Jupyter, whose kernel is /usr/bin/python3.11 (the module is built for it too,
# which needs python3.11-dev). Without them that test is skipped.
nb=()
for pkg in jupyter-nbconvert python3-ipykernel python3-nbformat python3-nbclient python3-ipython \
           python3.11-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || nb+=("$pkg")
done
if [ ${#nb[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${nb[@]}"
fi

py=$(mv_pythons | sed -n 1p)
echo "memview: building for $py"
# profile-guided (scripts/build-pgo.sh: an instrumented build records the
# teaching programs, then the build is redone with that profile; about 20%
# faster per recorded step); a plain build if any part of that fails
if ! bash scripts/build-pgo.sh "$py" build; then
    echo "memview: the profile-guided build failed; building without a profile" >&2
    cmake -S . -B build -DMEMVIEW_PYTHON="$py" -DMEMVIEW_PGO= >/dev/null
    cmake --build build --clean-first -j"$(nproc)"
fi
cmake --install build --prefix /usr/local >/dev/null
echo "memview: installed $(command -v memview)"
# the install also put the Python module into $py's site-packages
"$py" -c 'import memview; print("memview: import memview works for", memview.python_version)'

# the viewer of an example, written into the build folder (not into the sources)
(cd build && memview run ../examples/aliasing.py)
echo "memview: open build/aliasing.html in a browser to step through it"
