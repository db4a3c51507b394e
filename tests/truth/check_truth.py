#!/usr/bin/env python3
"""Truth test: what memview records must be what the program itself measures.

    check_truth.py MEMVIEW PYTHON PROGRAM.py

A truth program prints, for some of its own objects, one machine-readable line

    FACTS <checkpoint> {"frame": "<module>" | FUNCTION,
                        "objs": {PATH: {"id": id(x), "rc": sys.getrefcount(x),
                                        "size": sys.getsizeof(x),
                                        "type": type(x).__qualname__,
                                        "static": true (optional)}}}

computed inline (no helper function, so `rc` is exactly the program's references + 1),
and marks the statement right after that print with `# @check <checkpoint>`. PATH is a
name of that frame, optionally followed by `[i]`, `.attr` or `["key"]`.

For every checkpoint this driver runs `memview run -f state --at LINE -o OUT PROGRAM.py`
and checks, against the FACTS the program printed in that same run:

* memview lists an object whose `id` is exactly the printed id, and PATH leads to it;
* its `type` is the printed type;
* `size` == sys.getsizeof;
* immortal objects (getrefcount >= 2**30: 3.11 static objects and 3.12+ immortals, or
  flagged "static": None/True/False/builtin types, which docs/state-format.md calls
  immortal on 3.11 too) have "immortal": true and "refcount": null; every other object
  has refcount == getrefcount - 1;
* two paths name the same memview ref exactly when the program's ids are equal
  (small-int sharing, merged constants, int("257") twice being two objects...);
* the FACTS line is in the state's `stdout` field; the step is a `line` event at LINE.

It also runs PROGRAM.py under plain PYTHON and checks that the facts other than ids (the
refcounts and sizes of mortal objects, types) and all other output are the same as under
memview: observation must not perturb. Exit status 0 pass, 1 fail.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import run_case  # noqa: E402  (path resolution and run helpers)

IMMORTAL_THRESHOLD = 2 ** 30
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def facts_of(stdout):
    out = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("FACTS "):
            _, cp, payload = line.split(" ", 2)
            out[cp] = json.loads(payload)
    return out


def masked(stdout):
    """The output with FACTS lines reduced to their non-id parts."""
    lines = []
    for line in stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("FACTS "):
            _, cp, payload = line.split(" ", 2)
            data = json.loads(payload)
            objs = {}
            for path, f in data["objs"].items():
                f = dict(f)
                f.pop("id")
                if f["rc"] >= IMMORTAL_THRESHOLD or f.get("static"):
                    f.pop("rc")          # the counts of shared statics move freely
                objs[path] = f
            line = "FACTS %s %s" % (cp, json.dumps({"frame": data["frame"], "objs": objs},
                                                   sort_keys=True))
        lines.append(line)
    return lines


def check_checkpoint(cp, line, facts, state):
    where = "checkpoint %s (--at %d)" % (cp, line)
    if state.get("event") != "line" or state.get("line") != line:
        fail("%s: state is event %r at line %r, expected a line event at %d"
             % (where, state.get("event"), state.get("line"), line))
    by_id = {}
    for o in state.get("objects", []):
        by_id.setdefault(o.get("id"), []).append(o)
    frame = facts["frame"]
    ref_of = {}
    for path, f in facts["objs"].items():
        label = "%s: %s (%s, id %d)" % (where, path, f["type"], f["id"])
        hits = by_id.get(f["id"], [])
        if not hits:
            fail("%s: memview lists no object with this id" % label)
            continue
        o = hits[0]
        expr = path if frame == "<module>" else "%s:%s" % (frame, path)
        try:
            ref = run_case.resolve(state, expr)
            ref_of[path] = ref
            if ref != o.get("ref"):
                fail("%s: the path leads to ref %r, but the object with this id is ref %r"
                     % (label, ref, o.get("ref")))
        except run_case.CaseFailure as e:
            fail("%s: %s" % (label, e))
        if o.get("type") != f["type"]:
            fail("%s: type %r, memview says %r" % (label, f["type"], o.get("type")))
        if o.get("size") != f["size"]:
            fail("%s: sys.getsizeof says %d, memview size %r" % (label, f["size"], o.get("size")))
        immortal = f["rc"] >= IMMORTAL_THRESHOLD or f.get("static") is True
        if immortal:
            if o.get("immortal") is not True or o.get("refcount") is not None:
                fail("%s: immortal (getrefcount %d), memview says immortal=%r refcount=%r"
                     % (label, f["rc"], o.get("immortal"), o.get("refcount")))
        else:
            if o.get("immortal"):
                fail("%s: mortal (getrefcount %d), memview says immortal" % (label, f["rc"]))
            if o.get("refcount") != f["rc"] - 1:
                fail("%s: getrefcount %d -> %d references, memview refcount %r"
                     % (label, f["rc"], f["rc"] - 1, o.get("refcount")))
    paths = sorted(ref_of)
    for i, p in enumerate(paths):
        for q in paths[i + 1:]:
            same_id = facts["objs"][p]["id"] == facts["objs"][q]["id"]
            same_ref = ref_of[p] == ref_of[q]
            if same_id != same_ref:
                fail("%s: id(%s) %s id(%s) in the program, but memview refs are %r and %r"
                     % (where, p, "==" if same_id else "!=", q, ref_of[p], ref_of[q]))


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    memview, python, prog = os.path.abspath(argv[1]), argv[2], os.path.abspath(argv[3])
    cwd = os.path.dirname(prog)
    checkpoints = {}
    with open(prog, encoding="utf-8") as f:
        for lineno, text in enumerate(f, 1):
            m = re.search(r"#\s*@check\s+(\S+)", text)
            if m:
                checkpoints[m.group(1)] = lineno
    if not checkpoints:
        print("%s marks no `# @check NAME` line" % prog)
        return 1

    try:
        py_rc, py_out, py_err = run_case.run([python, prog], cwd)
        if py_rc != 0:
            print("the program fails under plain python (%d): %s" % (py_rc, py_err.decode()))
            return 1
        py_facts = facts_of(py_out)
        for cp in checkpoints:
            if cp not in py_facts:
                fail("checkpoint %s: the program printed no FACTS %s line" % (cp, cp))

        for cp, line in sorted(checkpoints.items(), key=lambda kv: kv[1]):
            with tempfile.TemporaryDirectory(prefix="mv-truth-") as tmp:
                out = os.path.join(tmp, "state.json")
                cmd = [memview, "run", "-f", "state", "--at", str(line), "-o", out, prog]
                print("$ " + " ".join(cmd))
                rc, mv_out, mv_err = run_case.run(cmd, cwd)
                if rc != 0:
                    fail("checkpoint %s: memview exit code %d (python: 0); stderr:\n%s"
                         % (cp, rc, mv_err.decode("utf-8", "replace")[-3000:]))
                if masked(mv_out) != masked(py_out):
                    import difflib
                    sys.stdout.write("\n".join(difflib.unified_diff(
                        masked(py_out), masked(mv_out), "python (ids removed)",
                        "memview (ids removed)", lineterm="")) + "\n")
                    fail("checkpoint %s: the program's output (refcounts/sizes/types it "
                         "measured) differs under memview: observation perturbed it" % cp)
                mv_facts = facts_of(mv_out)
                if cp not in mv_facts:
                    fail("checkpoint %s: no FACTS line under memview" % cp)
                    continue
                if not os.path.exists(out):
                    fail("checkpoint %s: memview wrote no state file" % cp)
                    continue
                with open(out, "rb") as f:
                    state = json.loads(f.read().decode("utf-8"))
                fact_line = [l for l in mv_out.decode().splitlines()
                             if l.startswith("FACTS %s " % cp)][0]
                if fact_line not in (state.get("stdout") or ""):
                    fail("checkpoint %s: the FACTS line is not in the state's stdout field"
                         % cp)
                check_checkpoint(cp, line, mv_facts[cp], state)
    except run_case.CaseFailure as e:
        fail(str(e))

    if failures:
        print("%d check(s) failed for %s" % (len(failures), prog))
        return 1
    print("ok %s (%d checkpoints)" % (prog, len(checkpoints)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
