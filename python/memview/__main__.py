"""`python -m memview run PROGRAM.py [ARGS...]`: the memview program itself.

It runs the memview executable with the same arguments (os.execv: same
stdout, stderr and exit code as running `memview` directly). Which one:
$MEMVIEW_EXE if set; else the one built beside this module (a build tree);
else `memview` on PATH; else the path it was built at.
"""
import os
import shutil
import sys

import _memview


def find_exe():
    env = os.environ.get("MEMVIEW_EXE")
    if env:
        return env
    built = _memview.build_exe
    mod_dir = os.path.dirname(os.path.realpath(_memview.__file__))
    if built and os.path.dirname(os.path.realpath(built)) == os.path.dirname(mod_dir) \
            and os.access(built, os.X_OK):
        return built  # this module was loaded from the build tree of that program
    on_path = shutil.which("memview")
    if on_path:
        return on_path
    if built and os.access(built, os.X_OK):
        return built
    return None


def main():
    exe = find_exe()
    if not exe:
        sys.stderr.write("memview: the memview program was not found (build it, put it on "
                         "PATH, or set MEMVIEW_EXE)\n")
        return 2
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [exe] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
