#!/usr/bin/env python3
"""End-to-end driver: run one program under memview and compare with expectations.

    run_case.py MEMVIEW PYTHON CASE.py [--expected-dir DIR] [--update] [--update-version]

What it does, in order (every check is reported; the first failing one fails the case):

1. Runs CASE.py under plain PYTHON (the interpreter memview was built against) and under
   `memview run -f state --step last -o OUT.json CASE.py` (or `--at LINE` when the case
   marks a line with `# @here` and says `# mv: at-here`). Exit code, stdout and stderr of
   the program must be the same (memview may add its own lines to stderr only).
2. Checks the state against docs/state-format.md: the contract fields, refs that resolve,
   objects sorted by ref, immortal <=> refcount null, `stdout` equal to what python
   printed (for `--step last`), the `python` field equal to PYTHON's version, the file is
   strict UTF-8 JSON.
3. Runs the case's own semantic assertions (`# mv: ...` lines in the case, see
   `check_directives`), which say what the program means (aliases share a ref, small
   ints are immortal, `hidden` is 900, ...). These hold whatever the expected file says.
4. Normalises the state (drops `id` and `python`, renumbers refs in a canonical walk
   order, module refcounts -> "*") and compares it with the expected file beside the case:
   CASE.X.Y.expected for the running CPython minor version if it exists, else
   CASE.expected. A mismatch prints a unified diff.
5. Runs `memview run -f text --color never -o OUT.txt` and checks the terminal text: same
   program behaviour, strict UTF-8, no control characters but newline, no bidi
   overrides, every local name shown; compares it with CASE.text.expected (or
   CASE.X.Y.text.expected) when that file exists.

--update (or MEMVIEW_UPDATE=1) rewrites the expected files instead of comparing (checks 1-3
still run and still fail the case). --update-version writes the version-specific files,
--update-text only the text expectations. Check every rewritten line by hand: some
expected files hold hand corrections where memview is known wrong (see git log).
Exit status: 0 pass, 1 fail, 77 skipped.
"""

import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

TIMEOUT = 25

# Names memview must not show at module level (docs/state-format.md: "without the
# interpreter's own").
INTERPRETER_GLOBALS = {"__name__", "__doc__", "__builtins__", "__loader__", "__spec__",
                       "__package__", "__file__", "__cached__", "__annotations__"}

BIDI = set(chr(c) for c in list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A)))


class CaseFailure(Exception):
    pass


failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def env_for_runs():
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"          # set iteration order of str elements
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # keep the source tree clean
    env["NO_COLOR"] = "1"
    env.pop("PYTHONSTARTUP", None)
    return env


def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env_for_runs(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CaseFailure("timed out after %ds: %s" % (TIMEOUT, " ".join(cmd)))
    return p.returncode, p.stdout, p.stderr


# ----------------------------------------------------------------------------- directives

def read_directives(case_path):
    """`# mv: VERB ARGS...` lines of the case (or of a NAME.mv file beside the expected
    file), and the line marked `# @here`."""
    directives, here = [], None
    with open(case_path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = re.search(r"#\s*mv:\s*(.*?)\s*$", line)
            if m:
                directives.append((lineno, m.group(1)))
            if re.search(r"#\s*@here\b", line):
                here = lineno
    return directives, here


def frame_for(state, fname):
    frames = state.get("frames", [])
    if fname is None:
        if not frames:
            raise CaseFailure("state has no frames")
        return frames[0]
    for fr in reversed(frames):
        # state-format.md does not say name or __qualname__: accept both.
        if fr.get("function") == fname or str(fr.get("function")).endswith("." + fname):
            return fr
    raise CaseFailure("no frame for function %r (frames: %s)"
                      % (fname, [f.get("function") for f in frames]))


def obj_by_ref(state):
    return {o["ref"]: o for o in state.get("objects", [])}


PATH_TOKEN = re.compile(r'\[(\d+)\]|\.([A-Za-z_][A-Za-z_0-9]*)|\["([^"]*)"\]')


def resolve(state, expr):
    """Ref of a path: `name`, `func:name`, then `[i]` (items), `.attr`, `["key"]`."""
    fname = None
    if ":" in expr.split("[")[0].split(".")[0]:
        fname, expr = expr.split(":", 1)
    m = re.match(r"[A-Za-z_][A-Za-z_0-9]*", expr)
    if not m:
        raise CaseFailure("bad path %r" % expr)
    name, rest = m.group(0), expr[m.end():]
    frame = frame_for(state, fname)
    refs = [l["ref"] for l in frame.get("locals", []) if l.get("name") == name]
    if not refs:
        raise CaseFailure("name %r not among the locals of frame %r: %s"
                          % (name, frame.get("function"),
                             [l.get("name") for l in frame.get("locals", [])]))
    ref = refs[0]
    objs = obj_by_ref(state)
    while rest:
        t = PATH_TOKEN.match(rest)
        if not t:
            raise CaseFailure("bad path %r" % expr)
        rest = rest[t.end():]
        o = objs.get(ref)
        if o is None:
            raise CaseFailure("%s: ref %r is not among the objects" % (expr, ref))
        if t.group(1) is not None:
            items = o.get("items")
            i = int(t.group(1))
            if items is None or i >= len(items):
                raise CaseFailure("%s: object %s has no item %d" % (expr, brief(o), i))
            ref = items[i]
        elif t.group(2) is not None:
            hits = [a["ref"] for a in o.get("attrs", []) if a.get("name") == t.group(2)]
            if not hits:
                raise CaseFailure("%s: object %s has no attr %r" % (expr, brief(o), t.group(2)))
            ref = hits[0]
        else:
            key = json.loads('"%s"' % t.group(3))   # JSON escapes allowed: ["\u2028"]
            hits = [v for k, v in o.get("entries", [])
                    if objs.get(k, {}).get("value") == key]
            if not hits:
                raise CaseFailure("%s: object %s has no entry %r" % (expr, brief(o), key))
            ref = hits[0]
    return ref


def brief(o):
    return json.dumps({k: o[k] for k in ("ref", "type", "value") if k in o})


def obj_at(state, expr):
    ref = resolve(state, expr)
    o = obj_by_ref(state).get(ref)
    if o is None:
        raise CaseFailure("%s: ref %r is not among the objects" % (expr, ref))
    return o


def check_directives(state, directives, outputs):
    """Semantic assertions. Verbs:
    same A B / differ A B        A and B refer to the same / different objects
    immortal A / mortal A        immortal true and refcount null / a number
    refcount A N                 refcount (references held by the program) is N
    type A T / value A JSON      the type name / the `value` field (a JSON literal)
    hidden A N / nitems A N      the `hidden` field (0 = absent) / number of `items`
    length A N                   the `length` field (full length of a cut value)
    nentries A N                 number of dict `entries` listed
    startswith A JSONSTR         the `value` is a string starting with JSONSTR
    repr A                       the object has "repr": true
    attrnames A n1 n2 ...        the attribute names, in order
    absent NAME / absent f:NAME  no such local in that frame
    frames f1 f2 ...             the functions on the stack, outermost first
    event E                      the step's event
    never-printed TEXT           TEXT appears in no output of either run nor the state
    str-value A PYLITERAL        a str value equal to the literal (or its repr, if
                                 "repr": true), the JSON text carrying it exactly
    stdout JSON                  the `stdout` field at this step (a JSON string)
    at-here / at LINE / args ... how to run: --at the line marked `# @here` / --at LINE /
                                 extra options (handled by main)
    """
    for lineno, d in directives:
        parts = d.split()
        if not parts:
            continue
        verb, args = parts[0], parts[1:]
        where = "line %d `# mv: %s`" % (lineno, d)
        try:
            if verb in ("at-here", "at", "args"):
                continue
            elif verb == "stdout":
                want = json.loads(" ".join(args))
                if state.get("stdout") != want:
                    raise CaseFailure("stdout at this step should be %r, memview says %r"
                                      % (want, state.get("stdout")))
            elif verb == "same":
                a, b = resolve(state, args[0]), resolve(state, args[1])
                if a != b:
                    raise CaseFailure("%s and %s should be the same object, refs %s and %s"
                                      % (args[0], args[1], a, b))
            elif verb == "differ":
                a, b = resolve(state, args[0]), resolve(state, args[1])
                if a == b:
                    raise CaseFailure("%s and %s should be different objects, both ref %s"
                                      % (args[0], args[1], a))
            elif verb == "immortal":
                o = obj_at(state, args[0])
                if o.get("immortal") is not True or o.get("refcount") is not None:
                    raise CaseFailure("%s should be immortal with refcount null: %s"
                                      % (args[0], json.dumps(o)))
            elif verb == "mortal":
                o = obj_at(state, args[0])
                if o.get("immortal") or not isinstance(o.get("refcount"), int):
                    raise CaseFailure("%s should be mortal with a refcount: %s"
                                      % (args[0], json.dumps(o)))
            elif verb == "refcount":
                o = obj_at(state, args[0])
                if o.get("refcount") != int(args[1]):
                    raise CaseFailure("%s refcount should be %s, memview says %r"
                                      % (args[0], args[1], o.get("refcount")))
            elif verb == "type":
                o = obj_at(state, args[0])
                if o.get("type") != args[1]:
                    raise CaseFailure("%s type should be %s, memview says %r"
                                      % (args[0], args[1], o.get("type")))
            elif verb == "value":
                o = obj_at(state, args[0])
                want = json.loads(" ".join(args[1:]))
                if o.get("value") != want or type(o.get("value")) is not type(want):
                    raise CaseFailure("%s value should be %r, memview says %r"
                                      % (args[0], want, o.get("value")))
            elif verb == "str-value":
                o = obj_at(state, args[0])
                import ast
                want = ast.literal_eval(" ".join(args[1:]))
                got = o.get("value")
                ok = got == want or (o.get("repr") is True and got == repr(want))
                if not ok:
                    raise CaseFailure("%s value should be %r (or its repr with repr: true), "
                                      "memview says %r" % (args[0], want, got))
            elif verb == "hidden":
                o = obj_at(state, args[0])
                if o.get("hidden", 0) != int(args[1]):
                    raise CaseFailure("%s hidden should be %s, memview says %r"
                                      % (args[0], args[1], o.get("hidden")))
            elif verb == "nitems":
                o = obj_at(state, args[0])
                if len(o.get("items", [])) != int(args[1]):
                    raise CaseFailure("%s should list %s items, memview lists %d"
                                      % (args[0], args[1], len(o.get("items", []))))
            elif verb == "nentries":
                o = obj_at(state, args[0])
                if len(o.get("entries", [])) != int(args[1]):
                    raise CaseFailure("%s should list %s entries, memview lists %d"
                                      % (args[0], args[1], len(o.get("entries", []))))
            elif verb == "startswith":
                o = obj_at(state, args[0])
                want = json.loads(" ".join(args[1:]))
                if not isinstance(o.get("value"), str) or not o["value"].startswith(want):
                    raise CaseFailure("%s value should start with %r, memview says %r"
                                      % (args[0], want, o.get("value")))
            elif verb == "repr":
                o = obj_at(state, args[0])
                if o.get("repr") is not True:
                    raise CaseFailure("%s should carry \"repr\": true: %s"
                                      % (args[0], json.dumps(o)[:300]))
            elif verb == "length":
                o = obj_at(state, args[0])
                if o.get("length") != int(args[1]):
                    raise CaseFailure("%s length should be %s, memview says %r"
                                      % (args[0], args[1], o.get("length")))
            elif verb == "attrnames":
                o = obj_at(state, args[0])
                names = [a.get("name") for a in o.get("attrs", [])]
                if names != args[1:]:
                    raise CaseFailure("%s attrs should be %s, memview says %s"
                                      % (args[0], args[1:], names))
            elif verb == "absent":
                fname, name = (args[0].split(":", 1) if ":" in args[0] else (None, args[0]))
                fr = frame_for(state, fname)
                if any(l.get("name") == name for l in fr.get("locals", [])):
                    raise CaseFailure("%s should not be a local of %r"
                                      % (name, fr.get("function")))
            elif verb == "frames":
                got = [f.get("function") for f in state.get("frames", [])]
                if len(got) != len(args) or not all(
                        g == a or str(g).endswith("." + a) for g, a in zip(got, args)):
                    raise CaseFailure("frames should be %s, memview says %s" % (args, got))
            elif verb == "event":
                if state.get("event") != args[0]:
                    raise CaseFailure("event should be %s, memview says %r"
                                      % (args[0], state.get("event")))
            elif verb == "never-printed":
                text = " ".join(args)
                for label, data in outputs.items():
                    if text.encode() in data:
                        raise CaseFailure("%r appears in %s: memview ran user code" % (text, label))
            else:
                raise CaseFailure("unknown directive verb %r" % verb)
        except CaseFailure as e:
            fail("%s: %s" % (where, e))


# ----------------------------------------------------------------------------- contract

def check_contract(state, step_last, py_stdout, py_version):
    """Generic checks every state must pass (docs/state-format.md)."""
    for key in ("memview", "version", "python", "step", "steps", "event", "file", "line",
                "frames", "objects", "stdout"):
        if key not in state:
            fail("state lacks the field %r" % key)
    if state.get("memview") != "state" or state.get("version") != 1:
        fail("state header should be memview=state version=1: %r %r"
             % (state.get("memview"), state.get("version")))
    if state.get("python") != py_version:
        fail("state says python %r, but memview was built against %r (MEMVIEW_PYTHON)"
             % (state.get("python"), py_version))
    if state.get("event") not in ("line", "call", "return", "exception"):
        fail("unknown event %r" % state.get("event"))
    steps, step = state.get("steps"), state.get("step")
    if isinstance(steps, int) and isinstance(step, int):
        if not 0 <= step < steps:
            fail("step %d out of range of steps %d" % (step, steps))
        if step_last and step != steps - 1:
            fail("--step last gave step %d of %d" % (step, steps))
    objs = state.get("objects", [])
    refs = [o.get("ref") for o in objs]
    if refs != sorted(refs) or len(set(refs)) != len(refs):
        fail("objects should be sorted by ref and unique: %s" % refs)
    known = set(refs)
    truncated = state.get("truncated") is True
    ids = {}
    for o in objs:
        for key in ("ref", "id", "type", "refcount", "size"):
            if key not in o:
                fail("object %s lacks %r" % (brief(o), key))
        if o.get("immortal") is True:
            if o.get("refcount") is not None:
                fail("immortal object with a refcount: %s" % json.dumps(o))
        elif "immortal" in o:
            fail("`immortal` must be absent or true: %s" % json.dumps(o))
        elif not isinstance(o.get("refcount"), int) or o["refcount"] < 0:
            fail("mortal object without a refcount >= 0: %s" % json.dumps(o))
        if o.get("id") in ids:
            fail("two objects share id %r: refs %s and %s" % (o["id"], ids[o["id"]], o["ref"]))
        ids[o.get("id")] = o.get("ref")
        if not truncated:
            children = list(o.get("items", []))
            for kv in o.get("entries", []):
                children += kv
            children += [a.get("ref") for a in o.get("attrs", [])]
            for c in children:
                if c not in known:
                    fail("object %s refers to ref %r, which is not listed" % (brief(o), c))
    frames = state.get("frames", [])
    if frames:
        if frames[0].get("function") != "<module>":
            fail("outermost frame should be <module>, is %r" % frames[0].get("function"))
        for name in (l.get("name") for l in frames[0].get("locals", [])):
            if name in INTERPRETER_GLOBALS:
                fail("module frame shows the interpreter's own global %r" % name)
        if frames[-1].get("line") != state.get("line"):
            fail("innermost frame line %r differs from the step line %r"
                 % (frames[-1].get("line"), state.get("line")))
    for fr in frames:
        for l in fr.get("locals", []):
            if l.get("ref") not in known and not truncated:
                fail("local %r of %r refers to ref %r, which is not listed"
                     % (l.get("name"), fr.get("function"), l.get("ref")))
    if step_last and state.get("stdout") != py_stdout.decode("utf-8", "replace"):
        fail("state stdout at the last step differs from what python printed:\n"
             "  state:  %r\n  python: %r" % (state.get("stdout"), py_stdout))


# ----------------------------------------------------------------------------- normalise

def normalise(state, case_dir):
    """Drop what varies between runs; renumber refs canonically."""
    objs = obj_by_ref(state)
    order = {}

    def visit(ref):
        stack = [ref]
        while stack:
            r = stack.pop()
            if r in order:
                continue
            order[r] = len(order) + 1
            o = objs.get(r)
            if o is None:
                continue
            children = list(o.get("items", []))
            for kv in o.get("entries", []):
                children += kv
            children += [a.get("ref") for a in o.get("attrs", [])]
            stack.extend(reversed(children))

    for fr in state.get("frames", []):
        for l in fr.get("locals", []):
            visit(l.get("ref"))
    for r in sorted(objs, key=lambda x: (str(type(x)), x)):
        visit(r)

    def ren(r):
        return order.get(r, "?%s" % r)

    def relfile(p):
        if isinstance(p, str) and os.path.isabs(p):
            try:
                return os.path.relpath(p, case_dir)
            except ValueError:
                return p
        return p

    # events, memory and block positions (docs/events-format.md) depend on the allocator's
    # state and the interpreter build: tests/events checks them against the interpreter.
    out = {k: v for k, v in state.items()
           if k not in ("python", "frames", "objects", "events", "memory")}
    out["file"] = relfile(out.get("file"))
    out["frames"] = []
    for fr in state.get("frames", []):
        f2 = dict(fr)
        f2["file"] = relfile(f2.get("file"))
        f2["locals"] = [dict(l, ref=ren(l.get("ref"))) for l in fr.get("locals", [])]
        out["frames"].append(f2)
    new_objs = []
    for o in state.get("objects", []):
        o2 = {k: v for k, v in o.items() if k not in ("id", "block")}
        o2["ref"] = ren(o["ref"])
        if "items" in o2:
            o2["items"] = [ren(r) for r in o2["items"]]
        if "entries" in o2:
            o2["entries"] = [[ren(k), ren(v)] for k, v in o2["entries"]]
        if "attrs" in o2:
            o2["attrs"] = [dict(a, ref=ren(a.get("ref"))) for a in o2["attrs"]]
        # A module's count depends on who else imported it (site, .pth files), not on
        # the program: not part of the expectation.
        if o2.get("type") == "module" and isinstance(o2.get("refcount"), int):
            o2["refcount"] = "*"
        new_objs.append(o2)
    new_objs.sort(key=lambda o: (isinstance(o["ref"], str), o["ref"]))
    out["objects"] = new_objs
    return out


def dump(norm):
    """Valid JSON, sorted keys, one frame / object per line (readable diffs)."""
    lines = ["{"]
    keys = sorted(norm)
    for i, k in enumerate(keys):
        comma = "," if i + 1 < len(keys) else ""
        v = norm[k]
        if k in ("frames", "objects") and v:
            lines.append(" %s: [" % json.dumps(k))
            for j, item in enumerate(v):
                c2 = "," if j + 1 < len(v) else ""
                lines.append("  " + json.dumps(item, sort_keys=True, ensure_ascii=True) + c2)
            lines.append(" ]" + comma)
        else:
            lines.append(" %s: %s%s" % (json.dumps(k), json.dumps(v, sort_keys=True,
                                                                   ensure_ascii=True), comma))
    lines.append("}")
    return "\n".join(lines) + "\n"


def compare_or_update(actual, base, version, update, update_version, what):
    specific = "%s.%s.%s" % (base, version, what)
    generic = "%s.%s" % (base, what)
    path = specific if (os.path.exists(specific) or update_version) else generic
    if update:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(actual)
        print("updated %s" % path)
        return
    if not os.path.exists(path):
        fail("no expected file %s (run with --update, then check it by hand)" % path)
        return
    with open(path, encoding="utf-8") as f:
        expected = f.read()
    if expected != actual:
        diff = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                    path, "actual")
        sys.stdout.write("".join(diff))
        fail("%s differs from %s (diff above)" % (what, path))


# ----------------------------------------------------------------------------- text

def check_text(data, state):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("text output is not strict UTF-8: %s" % e)
        return None
    bad = sorted({repr(c) for c in text
                  if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0 or c in BIDI
                  or c in "\u2028\u2029"})
    if bad:
        fail("text output (--color never) contains raw control/bidi characters: %s"
             % ", ".join(bad))
    if not text.strip():
        fail("text output is empty")
    for fr in state.get("frames", []):
        for l in fr.get("locals", []):
            if l.get("name") and l["name"] not in text:
                fail("text output does not show the local %r of %r"
                     % (l["name"], fr.get("function")))
    return text


# ----------------------------------------------------------------------------- main

def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = [a for a in argv[1:] if a.startswith("--")]
    exp_dir = None
    if "--expected-dir" in argv:
        i = argv.index("--expected-dir")
        exp_dir = argv[i + 1]
        args.remove(exp_dir)
    if len(args) != 3:
        print(__doc__)
        return 2
    memview, python, case = os.path.abspath(args[0]), args[1], os.path.abspath(args[2])
    update = "--update" in flags or "--update-version" in flags or \
        os.environ.get("MEMVIEW_UPDATE") == "1"
    update_version = "--update-version" in flags
    update_text = "--update-text" in flags      # rewrite only CASE.text.expected
    case_dir = os.path.dirname(case)
    name = os.path.splitext(os.path.basename(case))[0]
    base = os.path.join(os.path.abspath(exp_dir) if exp_dir else case_dir, name)

    if not os.path.exists(memview):
        print("memview binary %s does not exist" % memview)
        return 1
    directives, here = read_directives(case)
    if os.path.exists(base + ".mv"):
        # Assertions kept beside the expectation (for programs, like examples/, that
        # should not carry test comments).
        more, _ = read_directives(base + ".mv")
        directives += more
    extra = []
    where = ["--step", "last"]
    for _, d in directives:
        if d.split()[:1] == ["args"]:
            extra += d.split()[1:]
        if d.split()[:1] == ["at"]:
            where = ["--at", d.split()[1]]
        if d.strip() == "at-here":
            if here is None:
                print("case says at-here but marks no line with # @here")
                return 1
            where = ["--at", str(here)]
    step_last = where[0] == "--step"

    try:
        rc, py_ver, _ = run([python, "-c", "import platform; print(platform.python_version())"],
                            case_dir)
        py_version = py_ver.decode().strip()
        minor = ".".join(py_version.split(".")[:2])
        py_rc, py_out, py_err = run([python, case], case_dir)

        with tempfile.TemporaryDirectory(prefix="mv-e2e-") as tmp:
            out_json = os.path.join(tmp, "out.json")
            cmd = [memview, "run", "-f", "state"] + where + extra + ["-o", out_json, case]
            print("$ " + " ".join(cmd))
            mv_rc, mv_out, mv_err = run(cmd, case_dir)
            compare_runs("state run", py_rc, py_out, py_err, mv_rc, mv_out, mv_err)
            if not os.path.exists(out_json):
                raise CaseFailure("memview wrote no %s (stderr: %r)" % (out_json, mv_err[-2000:]))
            with open(out_json, "rb") as f:
                raw = f.read()
            try:
                state = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise CaseFailure("state output is not strict UTF-8 JSON: %s" % e)

            out_txt = os.path.join(tmp, "out.txt")
            tcmd = [memview, "run", "-f", "text", "--color", "never"] + where + extra + \
                ["-o", out_txt, case]
            print("$ " + " ".join(tcmd))
            t_rc, t_out, t_err = run(tcmd, case_dir)
            compare_runs("text run", py_rc, py_out, py_err, t_rc, t_out, t_err)
            text_raw = b""
            if os.path.exists(out_txt):
                with open(out_txt, "rb") as f:
                    text_raw = f.read()
            else:
                fail("memview wrote no text file %s" % out_txt)

        check_contract(state, step_last, py_out, py_version)
        outputs = {"python stdout": py_out, "python stderr": py_err,
                   "memview stdout": mv_out + t_out, "memview stderr": mv_err + t_err,
                   "state file": raw, "text file": text_raw}
        check_directives(state, directives, outputs)
        compare_or_update(dump(normalise(state, case_dir)), base, minor, update,
                          update_version, "expected")
        if text_raw:
            text = check_text(text_raw, state)
            if text is not None:
                # The header names the program by the path given: make it machine-neutral.
                text = text.replace(case_dir + os.sep, "")
                # The first line (step, event, place, Python version) is cut to the
                # terminal width after the path: its facts are checked in the state.
                # A module's count is not the program's (see normalise).
                text = re.sub(r"(module \S+ +refs )\d+", r"\1*", text)
                text = re.sub(r"(module \S+ +refs \*[^\n]*\n +held [^\n]*?)\d+( references? outside)",
                              r"\1*\2", text)
                if text.startswith("step "):
                    text = "<header>\n" + text.split("\n", 1)[-1]
                # The memory events under the diagram depend on the allocator's state:
                # tests/events checks them.
                text = text.split("\n\nEvents\n", 1)[0] + ("\n" if "\n\nEvents\n" in text else "")
                if update or update_text or os.path.exists(base + ".text.expected") or \
                        os.path.exists("%s.%s.text.expected" % (base, minor)):
                    compare_or_update(text, base, minor, update or update_text,
                                      update_version, "text.expected")
    except CaseFailure as e:
        fail(str(e))

    if failures:
        print("%d check(s) failed for %s" % (len(failures), case))
        return 1
    print("ok %s" % case)
    return 0


def compare_runs(label, py_rc, py_out, py_err, mv_rc, mv_out, mv_err):
    if mv_rc != py_rc:
        fail("%s: exit code %d under memview, %d under python; memview stderr:\n%s"
             % (label, mv_rc, py_rc, mv_err.decode("utf-8", "replace")[-3000:]))
    if mv_out != py_out:
        diff = difflib.unified_diff(py_out.decode("utf-8", "replace").splitlines(True),
                                    mv_out.decode("utf-8", "replace").splitlines(True),
                                    "python stdout", "memview stdout")
        sys.stdout.write("".join(diff))
        fail("%s: the program's stdout differs under memview (diff above)" % label)
    if py_err and py_err not in mv_err:
        fail("%s: python's stderr %r is not found unchanged in memview's stderr %r"
             % (label, py_err[-1000:], mv_err[-2000:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
