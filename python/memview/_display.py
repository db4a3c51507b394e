"""How memview.show() presents a snapshot: the terminal diagram on a stream,
the picture in a Jupyter kernel. Called by _memview.show after the snapshot
is taken, so nothing here can change what it shows."""
import os
import shutil
import sys


def _shell():
    ipy = sys.modules.get("IPython")
    if ipy is None:
        return None
    try:
        return ipy.get_ipython()
    except Exception:
        return None


def in_kernel():
    """True inside a Jupyter kernel (not the IPython terminal)."""
    ip = _shell()
    return ip is not None and getattr(ip, "kernel", None) is not None


def ipython_hidden():
    """IPython's own names in the user namespace (In, Out, get_ipython, ...),
    or None outside IPython."""
    ip = _shell()
    if ip is None:
        return None
    return getattr(ip, "user_ns_hidden", None)


def show(snap, file=None, color=None, width=None, address=False):
    if file is None and in_kernel():
        from IPython.display import display
        display(snap)
        return
    if file is None:
        file = sys.stdout
    try:
        tty = file.isatty()
    except Exception:
        tty = False
    if color is None:
        color = tty and not os.environ.get("NO_COLOR")
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns if tty else 80
    file.write(snap.text(color=bool(color), width=max(40, int(width)), address=bool(address)))
    try:
        file.flush()
    except Exception:
        pass
