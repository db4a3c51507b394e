#!/usr/bin/env python3
"""Tests of memview used from inside Python (the extension module and the package).

    test_pyext.py CASE      run one case (exit 0 pass, 1 fail, 77 skip)
    test_pyext.py --all     run every case

Run by the interpreter the module was built for, with PYTHONPATH reaching the
build's module (build/python) and the package (python/); MEMVIEW_EXE is the
memview program of the same build. Each `case_<name>` is one ctest entry
(tests/pyext/CMakeLists.txt finds them with a regex). Contract:
docs/python-api.md.
"""

import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import weakref
import xml.etree.ElementTree as ET

import memview

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
EXE = os.environ.get("MEMVIEW_EXE", "")
V = sys.version_info[:2]


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(cmd, **kw):
    env = dict(os.environ)
    env.update(kw.pop("env", {}))
    env["NO_COLOR"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, **kw)


def write(tmp, name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p


# ---------------------------------------------------------------- truth

class Thing:
    def __init__(self):
        self.value = [1, 2]


def case_snapshot_truth():
    """A snapshot of x has id(x), the count the program measures, getsizeof(x)."""
    x = [1, 2, 3]
    d = {"k": x}
    s = "hello world " * 3
    big = 10 ** 30
    inst = Thing()
    tup = (x, "a")
    objs = {"x": x, "d": d, "s": s, "big": big, "inst": inst, "tup": tup}
    before = {}
    before["x"] = sys.getrefcount(x) - 1
    before["d"] = sys.getrefcount(d) - 1
    before["s"] = sys.getrefcount(s) - 1
    before["big"] = sys.getrefcount(big) - 1
    before["inst"] = sys.getrefcount(inst) - 1
    before["tup"] = sys.getrefcount(tup) - 1
    snap = memview.snapshot()
    for name, obj in objs.items():
        rec = snap[name]
        check(rec["id"] == id(obj), "%s: id %r != %r" % (name, rec["id"], id(obj)))
        check(rec["refcount"] == before[name],
              "%s: refcount %r, the program measured %r" % (name, rec["refcount"], before[name]))
        check(rec["size"] == sys.getsizeof(obj),
              "%s: size %r != getsizeof %r" % (name, rec["size"], sys.getsizeof(obj)))
    check(snap["x"]["type"] == "list" and snap["inst"]["type"] == "Thing", "types")
    # memview's own frames are not there
    for f in snap.frames:
        check("memview" not in f["file"].split(os.sep)[-2:-1], "memview frame shown: %r" % f)
    check(snap.frames[-1]["function"] == "case_snapshot_truth", snap.frames[-1])
    check(snap.step == 0 and json.loads(snap.to_json())["memview"] == "state", "state JSON")


def case_snapshot_forms():
    """snapshot(x), snapshot(x, names=...), snapshot(locals()), namespace=..."""
    x = [1, 2, 3]
    y = x
    before = sys.getrefcount(x) - 1
    s1 = memview.snapshot(x)
    check(list(f["function"] for f in s1.frames) == ["case_snapshot_forms"], s1.frames)
    check([l["name"] for l in s1.frames[0]["locals"]] == ["x"], s1.frames)
    check(s1["x"]["refcount"] == before, "snapshot(x): %r != %r" % (s1["x"]["refcount"], before))
    s2 = memview.snapshot(x, x, names=["p", "q"])
    check(s2["p"]["refcount"] == before and s2["q"]["ref"] == s2["p"]["ref"], "names=")
    s3 = memview.snapshot(namespace=dict(alias=x))
    check(s3["alias"]["refcount"] == before, "a dict made for the call is not counted")
    check(s3.frames[0]["function"] == "<namespace>", s3.frames)
    s4 = memview.snapshot([7, 8])
    check(s4["arg0"]["refcount"] == 0, "a temporary argument: no reference but the call's")
    # locals(): on 3.11/3.12 a dict is cached on the frame; memview leaves it out, and says so
    s5 = memview.snapshot(locals())
    check(s5["x"]["refcount"] == before, "locals(): %r != %r" % (s5["x"]["refcount"], before))
    check([f["function"] for f in s5.frames] == ["case_snapshot_forms"], s5.frames)
    if V < (3, 13):
        check(any("locals()" in n for n in s5.notes), s5.notes)
    else:
        check(not s5.notes, s5.notes)
    check("y" in s5 and "nope" not in s5 and s5.get("nope", 5) == 5, "lookup")
    # called indirectly: memview cannot tell, and says so
    import functools
    s6 = functools.partial(memview.snapshot)(x)
    check(any("not called directly" in n for n in s6.notes), s6.notes)


MODULE_PROGRAM = r'''
import sys, memview
a = [1, 2]
b = a
n_a = sys.getrefcount(a) - 1
s = memview.snapshot()
assert s["a"]["refcount"] == n_a == 2, (s["a"], n_a)
assert [f["function"] for f in s.frames] == ["<module>"], s.frames
names = [l["name"] for l in s.frames[0]["locals"]]
assert "__name__" not in names and "a" in names and "b" in names, names
g = memview.snapshot(globals())
assert g["a"]["refcount"] == n_a, g["a"]
one = memview.snapshot(a)
assert one["a"]["refcount"] == n_a, one["a"]
def inner():
    z = {"k": 1}
    return memview.snapshot()
t = inner()
assert [f["function"] for f in t.frames] == ["<module>", "inner"], t.frames
assert t["z"]["type"] == "dict"
assert sys.getrefcount(a) - 1 == n_a
print("ok")
'''


def case_snapshot_module_level():
    """At module level: the module's names, dunders hidden, counts exact."""
    with tempfile.TemporaryDirectory() as tmp:
        r = run([PY, write(tmp, "prog.py", MODULE_PROGRAM)])
        check(r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr)


def case_no_perturbation():
    """A snapshot (and show/render) leaves counts and lifetimes as they were."""
    class Box:
        pass
    freed = []
    obj = Box()
    obj.items = [1, 2]
    weakref.finalize(obj, freed.append, "obj")
    other = [obj]
    before = (sys.getrefcount(obj), sys.getrefcount(other), sys.getrefcount(obj.items))
    snap = memview.snapshot()
    out = io.StringIO()
    memview.show(file=out)
    memview.show(obj, file=out)
    snap.svg()
    snap.text()
    with tempfile.TemporaryDirectory() as tmp:
        memview.render(obj, os.path.join(tmp, "o.svg"))
    after = (sys.getrefcount(obj), sys.getrefcount(other), sys.getrefcount(obj.items))
    check(before == after, "counts changed: %r -> %r" % (before, after))
    check("obj" in out.getvalue(), out.getvalue())
    other.clear()
    del obj
    check(freed == ["obj"], "the object outlived its last reference: %r" % freed)
    # and under a recording: the object dies at the same line
    freed.clear()
    with memview.trace() as t:
        victim = Box()
        weakref.finalize(victim, freed.append, "victim")
        n = sys.getrefcount(victim) - 1
        del victim
        dead_now = list(freed)
    check(dead_now == ["victim"], "a recorded `del` did not free at once: %r" % dead_now)
    steps = [t.state(i) for i in range(len(t))]
    seen = [s["victim"]["refcount"] for s in steps if "victim" in s]
    check(seen and all(c == n for c in seen), "recorded counts %r, program %r" % (seen, n))
    gc.collect()


# ---------------------------------------------------------------- pictures

def case_rich_display():
    """_repr_svg_ is a well-formed SVG naming the names; files by extension."""
    alpha = [1, 2]
    beta = alpha
    snap = memview.snapshot()
    svg = snap._repr_svg_()
    root = ET.fromstring(svg)
    check(root.tag.endswith("svg"), root.tag)
    text = " ".join(t for t in root.itertext())
    check("alpha" in text and "beta" in text, "names missing from the SVG")

    class P:
        out = ""

        def text(self, s):
            P.out += s
    snap._repr_pretty_(P(), False)
    check("alpha" in P.out and "refs 2" in P.out, P.out)
    check("alpha" in str(snap) and repr(snap).startswith("<memview.Snapshot"), repr(snap))
    with memview.trace() as t:
        gamma = {"k": alpha}
        gamma["j"] = "<script>&"
    html = t._repr_html_()
    check(html.startswith('<div class="memview-trace"><iframe srcdoc="'), html[:80])
    check("<script>&" not in html.split("srcdoc=")[1].split('"')[1], "srcdoc not escaped")
    with tempfile.TemporaryDirectory() as tmp:
        exts = [".svg", ".dot", ".json", ".html", ".txt"] + ([".png"] if memview.png_available() else [])
        for ext in exts:
            p = os.path.join(tmp, "snap" + ext)
            memview.render(snap, p)
            check(os.path.getsize(p) > 0, p)
            q = os.path.join(tmp, "trace" + ext)
            t.save(q)
            check(os.path.getsize(q) > 0, q)
        state = json.load(open(os.path.join(tmp, "snap.json")))
        check(state["memview"] == "state" and "notes" in state, state.keys())
        trace = json.load(open(os.path.join(tmp, "trace.json")))
        check(trace["memview"] == "trace" and trace["notes"], trace.get("notes"))
        page = open(os.path.join(tmp, "trace.html")).read()
        check('"notes":[' in page and "memview-trace" in page, "notes in the page")
        ET.parse(os.path.join(tmp, "trace.svg"))
        memview.render(globals(), os.path.join(tmp, "g.svg"))
        try:
            memview.render(snap, os.path.join(tmp, "x.bmp"))
            check(False, "unknown extension accepted")
        except ValueError:
            pass


# ---------------------------------------------------------------- recording

BODY = '''
def body(seed):
    a = [1, 2]
    b = a
    b.append(seed)
    d = {"k": a}
    del b
    t = (a, "x")
    return d
'''


def replay(trace):
    """States of a trace JSON document (docs/trace-format.md)."""
    frames, objects, out = None, {}, []
    for st in trace["steps"]:
        if "frames" in st:
            frames = st["frames"]
        for o in st.get("objects", []):
            objects[o["ref"]] = o
        for ref, rc in st.get("refcounts", []):
            objects[ref] = dict(objects[ref], refcount=rc)
        for ref in st.get("drops", []):
            objects.pop(ref, None)
        out.append({"event": st["event"], "line": st["line"], "frames": frames,
                    "objects": dict(objects)})
    return out


def shape(objects, ref, seen=None):
    """An object and what it reaches, without ids and refs."""
    seen = seen or set()
    o = objects[ref]
    if ref in seen:
        return ("cycle", o["type"])
    seen = seen | {ref}
    kids = tuple(shape(objects, r, seen) for r in o.get("items", []))
    kids += tuple((e, shape(objects, v, seen)) for e, v in o.get("entries", []) and
                  [(objects[k].get("value"), v) for k, v in o.get("entries", [])])
    return (o["type"], o.get("value"), o.get("refcount"), kids)


def case_trace_matches_run():
    """trace_call(body) records what `memview run` records for the same body."""
    if not EXE:
        raise Skip()
    with tempfile.TemporaryDirectory() as tmp:
        prog = write(tmp, "prog.py", BODY + "\nseed = [0]\nbody(seed)\n")
        r = run([EXE, "run", "-f", "trace", "-o", os.path.join(tmp, "run.json"), prog])
        check(r.returncode == 0, r.stderr)
        cli = [s for s in replay(json.load(open(os.path.join(tmp, "run.json"))))
               if s["frames"] and s["frames"][-1]["function"] == "body"]
        ns = {}
        exec(compile(BODY, prog, "exec"), ns)
        seed = [0]  # one name for the argument, as in the program
        t = memview.trace_call(ns["body"], seed)
        mine = replay(json.loads(t.to_json()))
        check(len(mine) == len(cli), "%d steps, memview run %d" % (len(mine), len(cli)))
        for i, (a, b) in enumerate(zip(mine, cli)):
            check((a["event"], a["line"]) == (b["event"], b["line"]), "step %d: %r %r" % (i, a, b))
            la = [(n, shape(a["objects"], r)) for n, r in a["frames"][-1]["locals"]]
            lb = [(n, shape(b["objects"], r)) for n, r in b["frames"][-1]["locals"]]
            check(la == lb, "step %d differs:\n%r\n%r" % (i, la, lb))
        check(t.result == {"k": [1, 2, [0]]}, t.result)


WITH_PROG = '''
def work():
    a = [1, 2]
    b = a
    b.append(3)
    c = {"k": a}
    return c
'''


def case_trace_with_block():
    """`with memview.trace()` records the block's lines and calls from them."""
    with tempfile.TemporaryDirectory() as tmp:
        prog = write(tmp, "prog.py", WITH_PROG + "\nwork()\n")
        r = run([EXE, "run", "-f", "trace", "-o", os.path.join(tmp, "run.json"), prog])
        check(r.returncode == 0, r.stderr)
        cli = [s for s in replay(json.load(open(os.path.join(tmp, "run.json"))))
               if s["frames"] and s["frames"][-1]["function"] == "work" and s["event"] == "line"]
    with memview.trace() as t:
        a = [1, 2]
        b = a
        b.append(3)
        c = {"k": a}
    mine = [s for s in replay(json.loads(t.to_json())) if s["event"] == "line"]
    check(len(mine) == len(cli) - 1, "%d line steps, memview run %d (+ return line)"
          % (len(mine), len(cli)))
    last = mine[-1]
    names = [n for n, _ in last["frames"][-1]["locals"]]
    check(names[-3:] == ["a", "b"] or "t" not in names, "memview's own Trace is hidden: %r" % names)
    check(t.end["reason"] == "end" and len(t) == len(mine), t.end)
    final = t.state(-1)
    check(final["b"]["refcount"] == 2 and final["a"]["ref"] == final["b"]["ref"], final["a"])
    check(sys.gettrace() is None, "trace function left behind")


def case_trace_restores_tracer():
    """Another tool's trace function is put back, and the trace says it was there."""
    calls = []

    def tool(frame, event, arg):
        calls.append(event)
        return None
    sys.settrace(tool)
    try:
        with memview.trace() as t:
            x = [1]
            x.append(2)
        back = sys.gettrace()
    finally:
        sys.settrace(None)
    check(back is tool, "previous tracer not restored: %r" % back)
    check(any("another tool was tracing" in n for n in t.notes), t.notes)
    check(len(t) == 2, len(t))


def case_trace_limit_and_errors():
    """The step limit ends the recording, not the program; exceptions are recorded."""
    with memview.trace(max_steps=5) as t:
        total = 0
        for i in range(100):
            total += i
    check(total == 4950 and len(t) == 5, (total, len(t)))
    check(t.end["reason"] == "limit" and any("step limit" in n for n in t.notes), t.end)
    try:
        with memview.trace() as t2:
            v = [1]
            raise ValueError("bad %d" % len(v))
    except ValueError:
        pass
    check(t2.end == {"reason": "exception", "exit_code": 1, "message": "ValueError: bad 1"}, t2.end)
    with memview.trace():
        try:
            with memview.trace():
                pass
            check(False, "two recordings at once")
        except RuntimeError:
            pass
    try:
        memview.trace_call(lambda: 1 / 0)
        check(False, "exception swallowed")
    except ZeroDivisionError:
        pass
    check(sys.gettrace() is None, "trace function left behind")


# ---------------------------------------------------------------- python -m memview

MAIN_PROGS = {
    "ok.py": "x = [1, 2]\ny = x\nprint('hello', len(y))\n",
    "exit3.py": "import sys\nprint('bye')\nsys.exit(3)\n",
    "boom.py": "a = 1\nraise ValueError('boom')\n",
}


def case_python_m():
    """`python -m memview run` = `memview run`: stdout and exit code."""
    if not EXE:
        raise Skip()
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in MAIN_PROGS.items():
            p = write(tmp, name, text)
            # (-f text: no real addresses, which differ from run to run)
            for args in (["run", "-f", "text", p], ["run", "-f", "text", "--step", "1", p, "arg1"]):
                a = run([EXE] + args, cwd=tmp)
                b = run([PY, "-m", "memview"] + args, cwd=tmp)
                check(a.returncode == b.returncode, "%s: rc %r vs %r" % (name, a.returncode, b.returncode))
                check(a.stdout == b.stdout, "%s: stdout differs:\n%s\n---\n%s" % (name, a.stdout, b.stdout))
        a = run([EXE], cwd=tmp)
        b = run([PY, "-m", "memview"], cwd=tmp)
        check(a.returncode == b.returncode == 2 and a.stderr == b.stderr, (a, b))


# ---------------------------------------------------------------- IPython

def case_magics_shell():
    """%load_ext memview; %memview and %%memview in IPython's InteractiveShell."""
    try:
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        raise Skip()
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "memview")
    ip.run_cell("alpha = [1, 2]\nbeta = alpha\n_hidden = 5\n")
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        ip.run_line_magic("memview", "")
    finally:
        sys.stdout = old
    out = buf.getvalue()
    check("alpha" in out and "beta" in out and "refs 2" in out, out)
    for hidden in ("_hidden", " In ", " Out ", "get_ipython", "_i1"):
        check(hidden not in out, "%r shown:\n%s" % (hidden, out))
    buf = io.StringIO()
    sys.stdout = buf
    try:
        ip.run_cell_magic("memview", "", "def f(v):\n    w = v + [3]\n    return w\ngamma = f(alpha)\n")
    finally:
        sys.stdout = old
    t = ip.user_ns["_memview_trace"]
    check("recorded" in buf.getvalue() and len(t) >= 5, (buf.getvalue(), len(t)))
    fns = {f["function"] for i in range(len(t)) for f in t.state(i).frames}
    check(fns == {"<module>", "f"}, fns)
    check(t.state(-1)["gamma"]["type"] == "list", "gamma")
    check(ip.user_ns["gamma"] == [1, 2, 3], "the cell ran")


def case_notebook():
    """A notebook using %load_ext memview runs headless under Debian's Jupyter."""
    script = os.path.join(HERE, "notebook_test.sh")
    src = os.environ.get("MEMVIEW_SOURCE_DIR", os.path.join(HERE, "..", ".."))
    work = os.environ.get("MEMVIEW_NOTEBOOK_DIR", tempfile.mkdtemp(prefix="memview-nb-"))
    r = subprocess.run(["bash", script, src, work], capture_output=True, text=True, timeout=600)
    sys.stdout.write(r.stdout[-4000:])
    sys.stderr.write(r.stderr[-4000:])
    if r.returncode == SKIP:
        raise Skip()
    check(r.returncode == 0, "notebook test failed (rc %d)" % r.returncode)


# ----------------------------------------------------------------

CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main(argv):
    names = list(CASES) if argv[1:] == ["--all"] else argv[1:]
    if not names:
        print(__doc__)
        return 2
    status = 0
    for name in names:
        try:
            CASES[name]()
            print("ok", name)
        except Skip:
            print("skip", name)
            if len(names) == 1:
                return SKIP
        except Exception:
            import traceback
            traceback.print_exc()
            print("FAIL", name)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
