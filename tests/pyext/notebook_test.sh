#!/usr/bin/env bash
# pyext.notebook: memview in a Jupyter notebook, run headless.
#
#   notebook_test.sh SOURCE_DIR WORK_DIR
#
# Debian's Jupyter (jupyter-nbconvert, python3-ipykernel, python3-nbformat,
# python3-nbclient) runs kernels with /usr/bin/python3.11, so the module is
# built again for that interpreter (its flags from /usr/bin/python3.11-config,
# package python3.11-dev) in WORK_DIR/build, and the kernel reaches it through
# PYTHONPATH. Exit 77 (skip) when any of that is missing.
set -uo pipefail
src=$1
work=$2
py=/usr/bin/python3.11
skip() { echo "skip: $*"; exit 77; }
[ -x "$py" ] && [ -x /usr/bin/python3.11-config ] || skip "no $py with python3.11-dev"
command -v jupyter-nbconvert >/dev/null 2>&1 || skip "no jupyter-nbconvert (apt-get install jupyter-nbconvert)"
"$py" -c 'import ipykernel, nbformat, nbclient' 2>/dev/null ||
    skip "no python3-ipykernel / python3-nbformat / python3-nbclient"
[ -f /usr/share/jupyter/kernels/python3/kernel.json ] || skip "no python3 kernel spec"
kpy=$(sed -n 's/^ *"\(\/[^"]*python[^"]*\)",$/\1/p' /usr/share/jupyter/kernels/python3/kernel.json | head -n 1)
[ "$("${kpy:-/usr/bin/python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = 3.11 ] ||
    skip "the python3 kernel is not Python 3.11"

mkdir -p "$work"
if ! cmake -S "$src" -B "$work/build" -DMEMVIEW_PYTHON="$py" >"$work/cmake.log" 2>&1 ||
   ! cmake --build "$work/build" -j2 --target memview_pyext >>"$work/cmake.log" 2>&1; then
    tail -40 "$work/cmake.log"
    echo "FAIL: cannot build the module for $py"
    exit 1
fi

export PYTHONPATH="$work/build/python:$src/python"
export JUPYTER_RUNTIME_DIR="$work/runtime" IPYTHONDIR="$work/ipython"
export PYDEVD_DISABLE_FILE_VALIDATION=1
"$py" - "$work/memview.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.v4.new_notebook()
cells = [
    "%load_ext memview",
    "a = [1, 2]\nb = a",
    "%memview",
    "import memview\nmemview.show()",
    "%%memview\nc = a + [3]\nd = c\nprint('cell ran')",
    "memview.snapshot(a)",
]
nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
nbformat.write(nb, sys.argv[1])
PY
rm -f "$work/out.ipynb"
if ! jupyter-nbconvert --to notebook --execute "$work/memview.ipynb" --output out.ipynb \
        --output-dir "$work" --ExecutePreprocessor.timeout=180 \
        --ExecutePreprocessor.kernel_name=python3 >"$work/nbconvert.log" 2>&1; then
    tail -60 "$work/nbconvert.log"
    echo "FAIL: the notebook did not run"
    exit 1
fi
"$py" - "$work/out.ipynb" <<'PY'
import sys, nbformat
import xml.etree.ElementTree as ET
nb = nbformat.read(sys.argv[1], as_version=4)
def outputs(i):
    return nb.cells[i].get("outputs", [])
def data(i, mime):
    return [o["data"][mime] for o in outputs(i) if "data" in o and mime in o["data"]]
for i, c in enumerate(nb.cells):
    for o in c.get("outputs", []):
        assert o.get("output_type") != "error", (i, o)
for i in (2, 3, 5):
    svgs = data(i, "image/svg+xml")
    assert svgs, ("no picture", i, outputs(i))
    text = " ".join(ET.fromstring(svgs[0]).itertext())
    assert "a" in text.split() or " a " in " %s " % text, (i, text[:300])
svg = data(2, "image/svg+xml")[0]
assert ">In<" not in svg and "get_ipython" not in svg and "_i1" not in svg, "IPython's names shown"
assert "refs 2" in svg, "the list has two names"
html = data(4, "text/html")
assert html and "<iframe srcdoc=" in html[0], outputs(4)
assert any("cell ran" in o.get("text", "") for o in outputs(4)), outputs(4)
print("notebook ok: %d cells" % len(nb.cells))
PY
