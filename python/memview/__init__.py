"""memview from inside Python: the memory of a running program, as memview
records it, without leaving the program.

    import memview
    a = [1, 2]; b = a
    memview.show()                 # the diagram of the caller's frames
    snap = memview.snapshot()      # the same as data: snap["a"]["refcount"] == 2
    with memview.trace() as t:     # record a block step by step
        b.append(3)
    t.save("steps.html")           # the step-by-step viewer

The work is done by the C module `_memview` (the same library as the memview
program). Contract: docs/python-api.md.
"""
import os as _os
import sysconfig as _sysconfig

import _memview
from _memview import (  # noqa: F401  (re-exported)
    Snapshot,
    Trace,
    png_available,
    python_version,
    render,
    show,
    snapshot,
    trace,
    trace_call,
)

__version__ = _memview.__version__
__all__ = ["snapshot", "show", "render", "trace", "trace_call", "Snapshot", "Trace",
           "png_available", "load_ipython_extension"]


def _library_paths():
    """Folders whose code is the interpreter's or installed packages', not the
    program's: a snapshot's walk outward from the caller stops there."""
    paths = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = _sysconfig.get_paths().get(key)
        if p:
            paths.add(_os.path.realpath(p) + _os.sep)
            paths.add(p + _os.sep)
    try:
        import site
        for p in site.getsitepackages() + [site.getusersitepackages()]:
            paths.add(p + _os.sep)
    except Exception:  # pragma: no cover - embedded interpreters without site
        pass
    for p in ("/usr/lib/python3/dist-packages/",):
        paths.add(p)
    return sorted(paths)


_here = _os.path.dirname(_os.path.abspath(__file__)) + _os.sep
_memview._configure(library=_library_paths(), own=[_here, _os.path.realpath(_here) + _os.sep])


def load_ipython_extension(ipython):
    """`%load_ext memview`: the %memview and %%memview magics."""
    from ._ipython import load
    load(ipython)
