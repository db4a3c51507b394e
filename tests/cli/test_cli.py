#!/usr/bin/env python3
"""CLI tests: transparency (memview behaves like python3) and bad input.

    test_cli.py MEMVIEW PYTHON CASE      run one case (exit 0 pass, 1 fail, 77 skip)
    test_cli.py MEMVIEW PYTHON --all     run every case
    test_cli.py --list                   list the cases

Each `case_<name>` function is one ctest entry (tests/CMakeLists.txt finds them with a
regex over this file, so a new case needs no CMake edit). PYTHON is the interpreter
memview was built against; it is the "plain python3" memview is compared with.
Contract: docs/cli.md (exit codes, output rules) and docs/state-format.md.
"""

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

TIMEOUT = 25
SKIP = 77


class Failure(Exception):
    pass


class Skip(Exception):
    pass


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "rc=%r stdout=%r stderr=%r" % (self.rc, self.out[-1500:], self.err[-1500:])


class T:
    """Per-case context: a scratch folder, the two programs to compare."""

    def __init__(self, memview, python, tmp):
        self.memview, self.python, self.tmp = memview, python, tmp

    def env(self, extra=None):
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["NO_COLOR"] = "1"
        env.pop("PYTHONSTARTUP", None)
        if extra:
            env.update(extra)
        return env

    def write(self, name, text, folder=None):
        path = os.path.join(folder or self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run(self, cmd, stdin=b"", cwd=None, env=None):
        try:
            p = subprocess.run(cmd, input=stdin, cwd=cwd or self.tmp, env=self.env(env),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure("timed out after %ds: %s" % (TIMEOUT, cmd))
        return Result(p.returncode, p.stdout, p.stderr)

    def python_run(self, prog, args=(), **kw):
        return self.run([self.python, prog] + list(args), **kw)

    def mv(self, opts, prog, args=(), **kw):
        return self.run([self.memview, "run"] + list(opts) + [prog] + list(args), **kw)

    def out_path(self, name="out.json"):
        return os.path.join(self.tmp, "mvout", name)

    def same_as_python(self, prog, args=(), stdin=b"", cwd=None, opts=None,
                       stderr_exact=True, env=None):
        """Run PROG under python and under memview with -o; stdout, exit code and
        (by default) stderr must be identical. Returns (python, memview, out path)."""
        out = self.out_path()
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if os.path.exists(out):
            os.unlink(out)
        opts = opts if opts is not None else ["-f", "state", "-o", out]
        py = self.python_run(prog, args, stdin=stdin, cwd=cwd, env=env)
        mv = self.mv(opts, prog, args, stdin=stdin, cwd=cwd, env=env)
        check(mv.rc == py.rc, "exit code %r under memview, %r under python\n  memview: %r"
              % (mv.rc, py.rc, mv))
        check(mv.out == py.out, "stdout differs\n  python:  %r\n  memview: %r"
              % (py.out[-2000:], mv.out[-2000:]))
        if stderr_exact:
            check(mv.err == py.err, "stderr differs\n  python:  %r\n  memview: %r"
                  % (py.err[-2000:], mv.err[-2000:]))
        return py, mv, out


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def load_json(path):
    check(os.path.exists(path), "memview wrote no %s" % path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure("%s is not valid UTF-8 JSON: %s (%d bytes)" % (path, e, len(data)))


def one_line_naming(err, name):
    lines = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip()]
    check(len(lines) == 1, "expected one line of error on stderr, got %r" % lines)
    check(name in lines[0], "the error line %r does not name %r" % (lines[0], name))
    check("Traceback" not in lines[0], "a traceback instead of a message: %r" % lines[0])


# ----------------------------------------------------------------------------- transparency

def case_hello(t):
    prog = t.write("hello.py", 'print("hello")\nprint("w\\u00f6rld \\u2603")\n')
    t.same_as_python(prog)


def case_stdin(t):
    prog = t.write("echo.py", "import sys\n"
                   "name = input()\n"
                   "print('hello', name)\n"
                   "rest = sys.stdin.read()\n"
                   "print(len(rest.splitlines()), 'more lines;', rest.upper(), end='')\n")
    t.same_as_python(prog, stdin="ada\nline 2\nline 3\n\u00e9\n".encode())


def case_stdin_binary(t):
    prog = t.write("bin.py", "import sys\n"
                   "data = sys.stdin.buffer.read()\n"
                   "sys.stdout.buffer.write(data[::-1])\n"
                   "print(len(data))\n")
    t.same_as_python(prog, stdin=bytes(range(256)) * 4)


def case_stderr(t):
    prog = t.write("err.py", "import sys\n"
                   "print('to out 1')\n"
                   "print('to err 1', file=sys.stderr)\n"
                   "sys.stderr.write('raw err\\n')\n"
                   "print('to out 2')\n"
                   "import warnings\n"
                   "warnings.warn('careful')\n")
    t.same_as_python(prog)


def case_argv(t):
    prog = t.write("argv.py", "import sys\nprint(sys.argv)\nprint(len(sys.argv))\n")
    # Options after the program name belong to the program.
    t.same_as_python(prog, ["a b", "-f", "text", "--max-steps", "1", "--", "\u00e9", ""])


def case_argv_relative(t):
    prog = t.write("rel.py", "import sys, os\nprint(sys.argv[0])\nprint(__file__)\n"
                   "print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))\n")
    t.same_as_python("rel.py", ["x"], cwd=t.tmp)


def case_sibling_import(t):
    folder = os.path.join(t.tmp, "proj")
    t.write("helper.py", "VALUE = [1, 2]\ndef twice(x):\n    return x * 2\n", folder)
    t.write("pkg/__init__.py", "NAME = 'pkg'\n", folder)
    prog = t.write("main.py", "import helper\nimport pkg\n"
                   "print(helper.twice(21), helper.VALUE, pkg.NAME)\n"
                   "print(helper.__name__, pkg.__name__)\n", folder)
    elsewhere = os.path.join(t.tmp, "elsewhere")
    os.makedirs(elsewhere)
    t.same_as_python(prog, cwd=elsewhere)


def case_main_dunders(t):
    prog = t.write("dunders.py", "import sys, os\n"
                   "print(__name__)\n"
                   "print(__file__)\n"
                   "print(sys.path[0])\n"
                   "print(sys.argv[0])\n"
                   "if __name__ == '__main__':\n"
                   "    print('guard ran')\n")
    t.same_as_python(prog)


def case_main_module(t):
    prog = t.write("mainmod.py", '"""Module doc."""\n'
                   "import sys, pickle\n"
                   "import __main__\n"
                   "print(__doc__)\n"
                   "print(sorted(k for k in globals() if k.startswith('__')))\n"
                   "print(__package__, __spec__, __cached__)\n"
                   "print(__main__.__dict__ is globals(), sys.modules['__main__'] is __main__)\n"
                   "class Point:\n    pass\n"
                   "p = pickle.loads(pickle.dumps(Point()))\n"
                   "print(type(p).__module__, type(p).__qualname__)\n"
                   "print(type(__builtins__).__name__)\n")
    t.same_as_python(prog)


def case_subprocess_executable(t):
    prog = t.write("child.py", "import subprocess, sys\n"
                   "r = subprocess.run([sys.executable, '-c', 'import sys; print(sys.version_info[:2])'],\n"
                   "                   capture_output=True, text=True)\n"
                   "print(r.returncode, r.stdout.strip())\n")
    t.same_as_python(prog)


def case_large_output(t):
    # 10000 lines of 200 bytes (2 MB), 20001 steps: under the default --max-steps.
    prog = t.write("big.py", "for i in range(10000):\n    print(i, 'x' * 200)\n")
    t.same_as_python(prog)


def case_os_exit(t):
    prog = t.write("osexit.py", "import os, sys\nprint('buffered, lost on a pipe')\n"
                   "sys.stderr.write('err\\n')\nsys.stderr.flush()\nos._exit(5)\n")
    t.same_as_python(prog, stderr_exact=False)


def case_no_o_stdout_is_program_then_json(t):
    """-f state without -o: the program's output, then the JSON, on stdout."""
    prog = t.write("p.py", "print('first')\nx = [1]\nprint('second')\n")
    py = t.python_run(prog)
    mv = t.mv(["-f", "state"], prog)
    check(mv.rc == 0, "exit code %r: %r" % (mv.rc, mv))
    check(mv.out.startswith(py.out), "stdout does not start with the program's output: %r"
          % mv.out[:500])
    rest = mv.out[len(py.out):]
    try:
        state = json.loads(rest.decode("utf-8"))
    except ValueError as e:
        raise Failure("what follows the program's output is not JSON (%s): %r" % (e, rest[:300]))
    check(state.get("memview") == "state", "not a state document: %r" % rest[:300])


def case_no_f_no_o_writes_viewer(t):
    """Neither -f nor -o: stdout is the program's; the step viewer is written to
    PROGRAM.html in the current folder and its name is said on stderr."""
    prog = t.write("p.py", "print('only this on stdout')\nx = [1, 2]\n")
    py = t.python_run(prog)
    html = os.path.join(t.tmp, "p.html")
    if os.path.exists(html):
        os.unlink(html)
    mv = t.run([t.memview, "run", prog], cwd=t.tmp)
    check(mv.rc == 0, "exit code %r: %r" % (mv.rc, mv))
    check(mv.out == py.out, "stdout should be only the program's: %r" % mv.out)
    check(os.path.exists(html), "no p.html written in the current folder")
    check(b"p.html" in mv.err, "stderr does not name the file: %r" % mv.err[:500])
    with open(html, "rb") as f:
        page = f.read()
    check(page.startswith(b"<!DOCTYPE html>") or page.lower().startswith(b"<!doctype html>"),
          "not an HTML document: %r" % page[:80])
    check(b"memview-trace" in page, "the trace is not inlined in the page")


def case_output_to_stdout_dash(t):
    prog = t.write("p.py", "print('out')\ny = 3\n")
    mv = t.mv(["-f", "state", "-o", "-"], prog)
    check(mv.rc == 0, "exit code %r: %r" % (mv.rc, mv))
    check(mv.out.startswith(b"out\n"), "program output first: %r" % mv.out[:200])
    try:
        json.loads(mv.out[4:].decode("utf-8"))
    except ValueError as e:
        raise Failure("-o - did not write the state JSON after the program's output (%s): %r"
                      % (e, mv.out[:300]))


# ----------------------------------------------------------------------------- exit paths

def case_exception_traceback(t):
    folder = os.path.join(t.tmp, "exc")
    t.write("lib.py", "def boom(n):\n    return {}['missing' + str(n)]\n", folder)
    prog = t.write("raiser.py", "import lib\n"
                   "print('before')\n"
                   "def outer():\n"
                   "    try:\n"
                   "        lib.boom(1)\n"
                   "    except KeyError as e:\n"
                   "        raise ValueError('wrapped') from e\n"
                   "outer()\n"
                   "print('never')\n", folder)
    py, mv, out = t.same_as_python(prog)
    check(py.rc == 1, "python exit code %r" % py.rc)
    check(b"Traceback" in mv.err and b"ValueError: wrapped" in mv.err, "no traceback: %r" % mv)
    state = load_json(out)
    check(state.get("event") == "exception",
          "last step's event should be 'exception', is %r (step %r of %r)"
          % (state.get("event"), state.get("step"), state.get("steps")))


def case_exception_trace_format(t):
    prog = t.write("raiser.py", "x = [1]\nraise RuntimeError('bad')\n")
    out = t.out_path("trace.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    py, mv, _ = t.same_as_python(prog, opts=["-f", "trace", "-o", out])
    check(mv.rc == 1, "exit code %r" % mv.rc)
    data = load_json(out)
    check(isinstance(data, dict), "trace is not a JSON object")


def case_syntax_error(t):
    prog = t.write("bad.py", "print('a')\nx = (1,\ny = 2\n")
    py, mv, out = t.same_as_python(prog, stderr_exact=False)
    check(mv.rc == 1, "exit code %r, expected 1" % mv.rc)
    check(py.err in mv.err, "python's SyntaxError message is not in memview's stderr\n"
          "  python:  %r\n  memview: %r" % (py.err, mv.err))
    check(b"SyntaxError" in mv.err and b"bad.py" in mv.err and b"line" in mv.err,
          "stderr lacks file/line/SyntaxError: %r" % mv.err)
    if b"Traceback" not in py.err:
        check(b"Traceback" not in mv.err, "a traceback on stderr: %r" % mv.err)


def case_syntax_error_in_import(t):
    folder = os.path.join(t.tmp, "se")
    t.write("broken.py", "def f(:\n    pass\n", folder)
    prog = t.write("main.py", "print('start')\nimport broken\n", folder)
    t.same_as_python(prog)


def case_sys_exit_3(t):
    prog = t.write("ex.py", "import sys\nprint('bye')\nx = [1]\nsys.exit(3)\n")
    py, mv, out = t.same_as_python(prog)
    check(mv.rc == 3, "exit code %r, expected 3" % mv.rc)
    state = load_json(out)
    check(state.get("memview") == "state", "not a state document")


def case_sys_exit_message(t):
    prog = t.write("ex.py", "import sys\nsys.exit('fatal: no input')\n")
    py, mv, out = t.same_as_python(prog)
    check(mv.rc == 1, "exit code %r" % mv.rc)
    load_json(out)


def case_sys_exit_zero_and_none(t):
    for body in ("raise SystemExit(0)\n", "import sys\nsys.exit()\n", "import sys\nsys.exit(None)\n"):
        prog = t.write("ex.py", "print('x')\n" + body)
        py, mv, out = t.same_as_python(prog)
        check(mv.rc == 0, "%r: exit code %r" % (body, mv.rc))
        load_json(out)


def case_max_steps(t):
    prog = t.write("loop.py", "i = 0\nwhile True:\n    i += 1\n")
    out = t.out_path()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    mv = t.mv(["--max-steps", "50", "-f", "state", "-o", out], prog)
    check(mv.rc == 124, "exit code %r, expected 124: %r" % (mv.rc, mv))
    check(mv.err.strip(), "no message on stderr")
    check(mv.out == b"", "memview wrote to stdout: %r" % mv.out)
    state = load_json(out)
    check(state.get("steps") == 50, "steps should be 50, state says %r" % state.get("steps"))
    check(state.get("step") == 49, "--step last should be 49, is %r" % state.get("step"))


def case_fork(t):
    """A program that forks after its trace has spilled to disk: the child runs on
    untraced and writes nothing of memview's; the parent's trace is whole."""
    prog = t.write("fork.py", "import os, sys\n"
                   "t = 0\n"
                   "for i in range(120000):\n"
                   "    t += i\n"
                   "pid = os.fork()\n"
                   "for i in range(2000):\n"
                   "    t += i\n"
                   "if pid == 0:\n"
                   "    print('child', t, flush=True)\n"
                   "    sys.exit(0)\n"
                   "os.waitpid(pid, 0)\n"
                   "print('parent', t)\n")
    mv = t.mv(["--max-steps", "10000000", "-f", "state", "-o", "-"], prog)
    check(mv.rc == 0, "exit code %r: %r" % (mv.rc, mv))
    text = mv.out.decode("utf-8")
    lines = text.split("\n", 2)
    check(lines[0].startswith("child ") and lines[1].startswith("parent "),
          "the program's lines do not come first: %r" % text[:300])
    try:
        state = json.loads(lines[2])
    except ValueError as e:
        raise Failure("not exactly one JSON document after the output (%s): %r"
                      % (e, lines[2][:300]))
    check(state.get("stdout") == lines[1] + "\n",
          "the trace's stdout should be the parent's alone: %r" % state.get("stdout"))
    # two steps per iteration of each loop (the `for` line and its body)
    check(state.get("steps", 0) > 2 * 122000, "steps: %r" % state.get("steps"))


def case_sigint(t):
    prog = t.write("sleep.py", "import time\nprint('ready', flush=True)\n"
                   "n = 0\nwhile True:\n    n += 1\n    time.sleep(0.02)\n")
    out = t.out_path()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    p = subprocess.Popen([t.memview, "run", "-f", "state", "-o", out, prog], cwd=t.tmp,
                         env=t.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        line = p.stdout.readline()
        check(line == b"ready\n", "the program did not start: %r" % line)
        time.sleep(0.5)
        os.killpg(p.pid, signal.SIGINT)
        try:
            rest, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure("memview did not stop within %ds of SIGINT" % TIMEOUT)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    check(p.returncode == 130, "exit code %r, expected 130; stderr %r" % (p.returncode, err[-1500:]))
    state = load_json(out)
    check(state.get("steps", 0) > 0, "no steps recorded")


# ----------------------------------------------------------------------------- bad input

def case_missing_file(t):
    missing = os.path.join(t.tmp, "no_such_program.py")
    mv = t.mv(["-f", "state", "-o", t.out_path()], missing)
    check(mv.rc == 2, "exit code %r, expected 2: %r" % (mv.rc, mv))
    one_line_naming(mv.err, "no_such_program.py")
    check(mv.out == b"", "stdout: %r" % mv.out)
    check(not os.path.exists(t.out_path()), "an output file was written")


def case_folder(t):
    folder = os.path.join(t.tmp, "a_folder.py")
    os.makedirs(folder)
    mv = t.mv([], folder)
    check(mv.rc == 2, "exit code %r, expected 2: %r" % (mv.rc, mv))
    one_line_naming(mv.err, "a_folder.py")


def case_unreadable(t):
    prog = t.write("secret.py", "print('can you read me')\n")
    os.chmod(prog, 0)
    if os.access(prog, os.R_OK):
        raise Skip("running with privileges that read a mode-000 file (root?)")
    mv = t.mv([], prog)
    check(mv.rc == 2, "exit code %r, expected 2: %r" % (mv.rc, mv))
    one_line_naming(mv.err, "secret.py")


def case_output_dir_missing(t):
    prog = t.write("p.py", "print('program output')\nx = 1\n")
    target = "/nonexistent-dir-memview-test/x.json"
    mv = t.mv(["-f", "state", "-o", target], prog)
    check(mv.rc == 74, "exit code %r, expected 74: %r" % (mv.rc, mv))
    check(b"nonexistent-dir-memview-test" in mv.err, "the error does not name the path: %r" % mv.err)
    # memview may refuse before running the program, or run it and fail to write.
    check(mv.out in (b"", b"program output\n"), "stdout should be the program's only: %r" % mv.out)
    check(not os.path.exists(target), "a file was left")


def case_output_is_a_directory(t):
    """-o naming an existing folder: exit 74, the folder untouched, no temporary left."""
    prog = t.write("p.py", "print('program output')\nx = 1\n")
    target = os.path.join(t.tmp, "outdir")
    os.makedirs(target)
    before = sorted(os.listdir(t.tmp))
    mv = t.mv(["-f", "state", "-o", target], prog)
    check(mv.rc == 74, "exit code %r, expected 74: %r" % (mv.rc, mv))
    check(os.path.isdir(target) and not os.listdir(target), "the folder was changed")
    check(sorted(os.listdir(t.tmp)) == before, "files were left beside the target: %s"
          % sorted(set(os.listdir(t.tmp)) - set(before)))


def case_output_keeps_old_file_on_failure(t):
    """A run that cannot produce output (missing program) leaves an existing -o untouched."""
    target = os.path.join(t.tmp, "keep.json")
    with open(target, "w") as f:
        f.write("old contents\n")
    mv = t.mv(["-f", "state", "-o", target], os.path.join(t.tmp, "missing.py"))
    check(mv.rc == 2, "exit code %r: %r" % (mv.rc, mv))
    with open(target) as f:
        check(f.read() == "old contents\n", "the existing output file was changed")


def case_usage_errors(t):
    prog = t.write("p.py", "print('ran')\n")
    for opts in (["run"], ["run", "--no-such-option", prog], ["frobnicate", prog],
                 ["run", "--step", "abc", prog], ["run", "-f", "nonsense", prog],
                 ["run", "--max-steps", "-3", prog], ["run", "-o"], []):
        r = t.run([t.memview] + opts)
        check(r.rc == 2, "memview %s: exit code %r, expected 2: %r" % (" ".join(opts), r.rc, r))
        check(b"ran" not in r.out, "memview %s ran the program" % " ".join(opts))
        check(r.err.strip(), "memview %s: no message on stderr" % " ".join(opts))
        check(b"Traceback" not in r.err, "memview %s: a traceback" % " ".join(opts))


def case_version_and_help(t):
    for opt in ("--version", "--help"):
        r = t.run([t.memview, opt])
        check(r.rc == 0, "%s: exit code %r" % (opt, r.rc))
        check(b"memview" in (r.out + r.err).lower(), "%s does not say memview: %r" % (opt, r))


def case_state_python_version(t):
    """The state names the interpreter memview runs, which is PYTHON (built against)."""
    prog = t.write("v.py", "import platform\nprint(platform.python_version())\n")
    py, mv, out = t.same_as_python(prog)
    state = load_json(out)
    check(state.get("python") == py.out.decode().strip(),
          "state python %r, interpreter %r" % (state.get("python"), py.out.decode().strip()))


# ----------------------------------------------------------------------------- pool pictures

SVG_NS = "{http://www.w3.org/2000/svg}"
POOLS_PROG = (
    "keep = [[i] * 3 for i in range(200)]\n"
    "names = {'k': keep[5], 'first': keep[0]}\n"
    "pair = (1.5, 2.5)\n"
    "print(len(keep), len(names))  # @pools\n"
)


def pools_run(t, prog, out, fmt=True):
    """memview run [-f pools] --at <the @pools line> -o OUT PROG, with address space
    randomisation off where setarch can do it: the pool view is read from the live
    heap, and where arenas land moves a few blocks between runs."""
    line = next(n for n, l in enumerate(open(prog, encoding="utf-8"), 1) if "@pools" in l)
    cmd = [t.memview, "run"] + (["-f", "pools"] if fmt else []) + \
        ["--at", str(line), "-o", out, prog]
    setarch = shutil.which("setarch")
    if setarch and t.run([setarch, platform.machine(), "-R", "true"]).rc == 0:
        cmd = [setarch, platform.machine(), "-R"] + cmd
    return t.run(cmd)


def pools_json(t, prog):
    """The `-f pools` JSON at the @pools line, taken twice: a run that does not
    repeat itself here cannot be compared with another run (skip)."""
    views = []
    for k in range(2):
        out = t.out_path("pools%d.json" % k)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        r = pools_run(t, prog, out)
        check(r.rc == 0, "-f pools -o %s: %r" % (out, r))
        views.append(load_json(out))
    if views[0].get("allocator") != "pymalloc":
        raise Skip("the interpreter's allocator is %s" % views[0].get("allocator"))
    if views[0]["totals"] != views[1]["totals"]:
        raise Skip("two runs of the same program give different pools here: %r, %r"
                   % (views[0]["totals"], views[1]["totals"]))
    return views[0]


def case_pools_svg(t):
    """-f pools -o x.svg (and -o x.pools.svg without -f) draws the pool view of the
    step: well-formed SVG whose totals, arenas, pools and named blocks are the JSON's."""
    prog = t.write("pools.py", POOLS_PROG)
    want = pools_json(t, prog)
    for name, fmt in (("x.svg", True), ("x.pools.svg", False)):
        out = t.out_path(name)
        r = pools_run(t, prog, out, fmt)
        check(r.rc == 0, "%s: %r" % (name, r))
        check(r.out == b"200 2\n", "the program's output: %r" % r.out)
        with open(out, "rb") as f:
            data = f.read()
        check(data.startswith(b"<?xml"), "%s is not SVG: %r" % (name, data[:80]))
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise Failure("%s is not well-formed XML: %s" % (name, e))
        check(root.tag == SVG_NS + "svg", "%s: root element %r" % (name, root.tag))
        check(root.findtext(SVG_NS + "title") == "Memory pools at step %d" % want["step"],
              "%s: title %r, the JSON's step is %d"
              % (name, root.findtext(SVG_NS + "title"), want["step"]))
        tot = root.find(".//%sg[@id='mv-totals']" % SVG_NS)
        check(tot is not None, "%s has no mv-totals group" % name)
        got = {k: int(tot.get("data-" + k.replace("_", "-"))) for k in
               ("arenas", "pools", "unused_pools", "used_blocks", "used_bytes", "free_bytes")}
        got["waste"] = {k: int(tot.get("data-waste-" + k.replace("_", "-")))
                        for k in ("pool_headers", "rounding", "alignment")}
        check(got == want["totals"], "%s totals %r, the JSON says %r" % (name, got, want["totals"]))
        caption = "".join(tot.itertext())
        check("{:,} blocks used ({:,} bytes)".format(want["totals"]["used_blocks"],
                                                      want["totals"]["used_bytes"]) in caption,
              "%s: the caption does not give the totals: %r" % (name, caption))
        # one group per arena, one bar per pool with its figures, one mark per named block
        arenas = [g.get("id") for g in root.iter(SVG_NS + "g")
                  if (g.get("id") or "").startswith("mv-arena")]
        check(arenas == ["mv-arena%d" % a["index"] for a in want["arenas"]],
              "%s: arenas %r, the JSON has %r" % (name, arenas, [a["index"] for a in want["arenas"]]))
        titles = [x.text for x in root.iter(SVG_NS + "title")]
        bars = sorted(x for x in titles if x and x.startswith("pool 0x"))
        pools = sorted("pool %s: %d-byte blocks, %d used, %d free, %d never used"
                       % (p["address"], p["size_class"], p["used"], p["free"], p["never"])
                       for a in want["arenas"] for p in a["pools"])
        check(bars == pools, "%s: %d pool bars, the JSON has %d pools; first differences %r"
              % (name, len(bars), len(pools), sorted(set(bars) ^ set(pools))[:4]))
        marks = {x for x in titles if x and re.match(r"block \d+: ", x)}
        labels = {"block %d: %s" % (i, text) for a in want["arenas"] for p in a["pools"]
                  for i, text in p["labels"]}
        check(labels and marks == labels, "%s: named blocks %r, the JSON's labels %r"
              % (name, sorted(marks)[:6], sorted(labels)[:6]))
        check(any(x.startswith("block ") and x.endswith(": keep") for x in labels),
              "no block labelled keep: %r" % sorted(labels)[:6])


def case_pools_png(t):
    """-f pools -o x.png (and -o x.pools.png) rasterises the same picture."""
    prog = t.write("pools.py", POOLS_PROG)
    svg = t.out_path("x.svg")
    os.makedirs(os.path.dirname(svg), exist_ok=True)
    r = pools_run(t, prog, svg)
    check(r.rc == 0, "-o x.svg: %r" % r)
    root = ET.parse(svg).getroot()
    w, h = float(root.get("width")), float(root.get("height"))
    for name, fmt in (("x.png", True), ("x.pools.png", False)):
        out = t.out_path(name)
        r = pools_run(t, prog, out, fmt)
        if r.rc == 70 and b"without librsvg" in r.err:
            check(not os.path.exists(out), "a failed PNG left %s behind" % out)
            raise Skip("memview was built without librsvg")
        check(r.rc == 0, "%s: %r" % (name, r))
        with open(out, "rb") as f:
            data = f.read()
        check(data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR",
              "%s is not a PNG: %r" % (name, data[:16]))
        pw, ph = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        # twice the SVG's size (less when that would pass 16384 pixels a side)
        scale = min(2.0, 16384 / max(w, h))
        check(abs(pw - w * scale) <= 1 and abs(ph - h * scale) <= 1,
              "%s is %dx%d, the SVG %gx%g at scale %g" % (name, pw, ph, w, h, scale))


# ----------------------------------------------------------------------------- object charts

OBJ_PROG = (
    "x = [1, 2]\n"
    "y = x\n"
    "def f(arg):\n"
    "    inner = arg\n"
    "    return len(inner)\n"
    "print(f(x))\n"
)


def case_refcount_unknown_object(t):
    """-f refcount with an object the run never shows: --ref N, --name NAME, or a name
    not in the innermost frame at --step/--at: exit 2, one line on stderr naming it,
    the program's own output passed through, no file left."""
    prog = t.write("objs.py", OBJ_PROG)
    out = t.out_path("x.svg")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    for opts, named in ((["--ref", "9999"], "9999"), (["--name", "nosuch"], "nosuch"),
                        (["--name", "y", "--at", "4"], "'y'")):
        r = t.mv(["-f", "refcount"] + opts + ["-o", out], prog)
        check(r.rc == 2, "%s: exit code %r, expected 2: %r" % (opts, r.rc, r))
        check(r.out == b"2\n", "%s: the program's output: %r" % (opts, r.out))
        one_line_naming(r.err, named)
        check(not os.path.exists(out), "%s: an output file was left" % opts)


def case_refcount_usage(t):
    """--ref/--name are the object of -f refcount: -f refcount needs one of them (not
    both), and they go with no other format. Refused before the program runs."""
    prog = t.write("objs.py", OBJ_PROG)
    for opts in (["-f", "refcount"], ["-f", "refcount", "--ref", "1", "--name", "x"],
                 ["-f", "chart", "--ref", "1"], ["-f", "addresses", "--name", "x"],
                 ["--name", "x"], ["-f", "refcount", "--ref", "0"],
                 ["-f", "refcount", "--ref", "abc"], ["-f", "refcount", "--name"],
                 ["-f", "refcount", "--name", ""]):
        r = t.mv(opts, prog)
        check(r.rc == 2, "%s: exit code %r, expected 2: %r" % (opts, r.rc, r))
        check(r.out == b"", "%s ran the program: %r" % (opts, r.out))
        check(r.err.strip() and b"Traceback" not in r.err, "%s: stderr %r" % (opts, r.err))


def case_refcount_and_addresses_files(t):
    """-o x.refcount.svg / x.addresses.svg choose the format by name; --name x charts
    the list x names (refcount 1, then 2 with y, 4 inside f); --at marks that step;
    .png files are PNG twice the SVG's size."""
    prog = t.write("objs.py", OBJ_PROG)
    rc_svg, addr_svg = t.out_path("x.refcount.svg"), t.out_path("x.addresses.svg")
    os.makedirs(os.path.dirname(rc_svg), exist_ok=True)
    r = t.mv(["--name", "x", "--at", "2", "-o", rc_svg], prog)
    check(r.rc == 0 and r.out == b"2\n", "-o x.refcount.svg: %r" % r)
    root = ET.parse(rc_svg).getroot()
    check(root.tag == SVG_NS + "svg", "not SVG: %r" % root.tag)
    check(root.findtext(SVG_NS + "title") == "Reference count of list #1: objs.py",
          "title %r" % root.findtext(SVG_NS + "title"))
    points = root.find(".//%sg[@id='mv-points']" % SVG_NS)
    counts = [int(p.get("data-refcount")) for p in points]
    check(counts[:2] == [1, 2] and max(counts) >= 4,
          "x's counts %r: 1, then 2 (y), then more inside f (arg, inner)" % counts)
    marker = root.find(".//%sg[@id='mv-marker']" % SVG_NS)
    check(marker is not None, "--at 2 draws no marker")
    r = t.mv(["-o", addr_svg], prog)
    check(r.rc == 0, "-o x.addresses.svg: %r" % r)
    root = ET.parse(addr_svg).getroot()
    lives = root.find(".//%sg[@id='mv-lives']" % SVG_NS)
    check(lives is not None and len(lives) >= 2, "no bars: %r" % (lives,))
    labels = " ".join("".join(g.itertext()) for g in lives)
    check("list #1 · x, y" in labels and "arg" in labels,
          "the list's bar is not labelled with its names: %r" % labels[:400])
    for name, opts, svg in (("x.refcount.png", ["--name", "x"], rc_svg),
                            ("x.addresses.png", [], addr_svg)):
        out = t.out_path(name)
        r = t.mv(opts + ["-o", out], prog)
        if b"without librsvg" in r.err:
            check(r.rc == 70 and not os.path.exists(out), "%s without librsvg: %r" % (name, r))
            raise Skip("memview was built without librsvg")
        check(r.rc == 0, "%s: %r" % (name, r))
        with open(out, "rb") as f:
            png = f.read()
        size = [int.from_bytes(png[k:k + 4], "big") for k in (16, 20)]
        want = [2 * float(ET.parse(svg).getroot().get(k)) for k in ("width", "height")]
        check(png.startswith(b"\x89PNG\r\n\x1a\n") and
              all(abs(a - b) <= 1 for a, b in zip(size, want)),
              "%s: a PNG of %r pixels, the SVG at twice its size is %r" % (name, size, want))


# ----------------------------------------------------------------------------- main

def cases():
    return {n[len("case_"):]: f for n, f in globals().items()
            if n.startswith("case_") and callable(f)}


def run_one(memview, python, name):
    fn = cases().get(name)
    if fn is None:
        print("no case %r; cases: %s" % (name, ", ".join(sorted(cases()))))
        return 2
    tmp = tempfile.mkdtemp(prefix="mv-cli-%s-" % name)
    try:
        fn(T(os.path.abspath(memview), python, tmp))
    except Skip as e:
        print("SKIP %s: %s" % (name, e))
        return SKIP
    except Failure as e:
        print("FAIL %s: %s" % (name, e))
        return 1
    except Exception:
        import traceback
        traceback.print_exc()
        print("FAIL %s: the test itself raised (see above)" % name)
        return 1
    finally:
        for root, dirs, files in os.walk(tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok %s" % name)
    return 0


def main(argv):
    if argv[1:] == ["--list"]:
        print("\n".join(sorted(cases())))
        return 0
    if len(argv) != 4:
        print(__doc__)
        return 2
    memview, python, name = argv[1:]
    if not os.path.exists(memview):
        print("memview binary %s does not exist" % memview)
        return 1
    if name == "--all":
        results = {n: run_one(memview, python, n) for n in sorted(cases())}
        bad = [n for n, r in results.items() if r not in (0, SKIP)]
        print("%d passed, %d skipped, %d failed: %s"
              % (sum(r == 0 for r in results.values()),
                 sum(r == SKIP for r in results.values()), len(bad), " ".join(bad)))
        return 1 if bad else 0
    return run_one(memview, python, name)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
