"""IPython / Jupyter magics (`%load_ext memview`):

    %memview            the diagram of the notebook's names (user names only,
                        as %who lists them: not IPython's own, not _private)
    %%memview           run the cell recorded step by step, then show the viewer

In a Jupyter kernel the results display inline (the picture, the viewer in
an iframe); in the IPython terminal %memview prints the text diagram.
"""
import os

from IPython.core.magic import Magics, line_cell_magic, magics_class

import _memview

from . import _display

_NOTE_OUT = ("IPython keeps references to recent results (Out, _, __, ___): they count "
             "in the reference counts; IPython's own names and names starting with _ are "
             "not shown")


def _cell_prefixes(shell, cell):
    """File names IPython gives cells: code in them is user code."""
    try:
        name = shell.compile.get_code_name(cell, cell, 0)
    except Exception:
        name = "<ipython-input-"
    if name.startswith("<"):
        return ["<ipython-input-"]
    return [os.path.dirname(name) + os.sep]


@magics_class
class MemviewMagics(Magics):
    @line_cell_magic
    def memview(self, line, cell=None):
        """%memview: show the notebook's names. %%memview: record the cell."""
        if cell is None:
            return self._show(line)
        return self._record(line, cell)

    def _show(self, line):
        shell = self.shell
        snap = _memview.snapshot(namespace=shell.user_ns, hide=shell.user_ns_hidden,
                                 hide_private=True)
        snap.add_note(_NOTE_OUT)
        if _display.in_kernel():
            from IPython.display import display
            display(snap)
        else:
            _display.show(snap)
        return None

    def _record(self, line, cell):
        shell = self.shell
        t = _memview.trace(prefixes=_cell_prefixes(shell, cell), hide=shell.user_ns_hidden,
                           hide_private=True)
        t.add_note(_NOTE_OUT)
        t.start()
        try:
            result = shell.run_cell(cell, store_history=False)
        finally:
            t.stop()
        err = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if err is not None:
            t.add_note("the cell raised %s: %s" % (type(err).__name__, err))
        self.last = t
        shell.user_ns_hidden["_memview_trace"] = t
        shell.user_ns["_memview_trace"] = t
        if _display.in_kernel():
            from IPython.display import display
            display(t)
        else:
            print("memview: recorded %d steps; _memview_trace.save('cell.html') writes the viewer"
                  % len(t))
        return None


def load(shell):
    shell.register_magics(MemviewMagics)
