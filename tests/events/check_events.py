#!/usr/bin/env python3
"""Memory events against the interpreter's own word (docs/events-format.md).

    check_events.py MEMVIEW PYTHON PROGRAM.py

Runs PROGRAM.py under memview (`-f trace`, and `-f state` / `-f pools` where the check
needs them) and applies the check named after the program (check_<name> below). Every
check compares what memview recorded with what the program itself printed or with
CPython's own statistics. Exit status 0 pass, 1 fail, 77 skipped.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TIMEOUT = 60
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(memview, prog, fmt, extra=(), env=None, ext=".json"):
    """memview run -f FMT ... -o out.EXT PROG: the output parsed (JSON), or its text
    (any other extension)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out" + ext)
        cmd = [memview, "run", "-f", fmt] + list(extra) + ["-o", out, prog]
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, env=e,
                           cwd=os.path.dirname(prog))
        if p.returncode != 0 or not os.path.exists(out):
            fail("%s: exit %d, stderr %r" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
            return None
        with open(out, encoding="utf-8") as f:
            return json.load(f) if ext == ".json" else f.read()


def line_of(prog, marker, exact=False):
    with open(prog, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if (line.strip() == marker) if exact else (marker in line):
                return n
    raise SystemExit("no %r in %s" % (marker, prog))


def stdout_at(trace, i):
    return trace["stdout"].encode("utf-8")[:trace["steps"][i]["stdout"]].decode("utf-8")


def events(trace):
    for i, s in enumerate(trace["steps"]):
        for e in s.get("events", []):
            yield i, e


def objects_by_step(trace):
    """The state's objects at every step (replaying the trace)."""
    objs = {}
    for s in trace["steps"]:
        for o in s.get("objects", []):
            objs[o["ref"]] = o
        for r in s.get("drops", []):
            objs.pop(r, None)
        yield dict(objs)


def objects_by_step_at(trace, step):
    for i, objs in enumerate(objects_by_step(trace)):
        if i == step:
            return objs
    return {}


def ref_of_local(trace, step, name):
    frames = None
    for s in trace["steps"][:step + 1]:
        frames = s.get("frames", frames)
    for f in frames:
        for n, r in f["locals"]:
            if n == name:
                return r
    return None


def first_step_with_local(trace, name):
    for i in range(len(trace["steps"])):
        if ref_of_local(trace, i, name) is not None:
            return i
    return None


# ---------------------------------------------------------------- the checks

def check_finalize(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    i0 = first_step_with_local(t, "obj")
    ref = ref_of_local(t, i0, "obj")
    frees = [(i, e) for i, e in events(t) if e["kind"] == "free" and e.get("ref") == ref]
    if len(frees) != 1:
        fail("expected one free event of obj (#%s), got %r" % (ref, frees))
        return
    i, e = frees[0]
    if "freed" not in stdout_at(t, i) or "freed" in stdout_at(t, i - 1):
        fail("the free of #%d is at step %d but 'freed' is printed at another step "
             "(stdout then %r, before %r)" % (ref, i, stdout_at(t, i), stdout_at(t, i - 1)))
    if e["cause"] != "refcount" or e.get("last") != "obj" or e["type"] != "Thing":
        fail("free event should say refcount, last 'obj', type Thing: %r" % e)
    allocs = [e for _, e in events(t) if e["kind"] == "alloc" and e.get("ref") == ref]
    if len(allocs) != 1:
        fail("expected one alloc event of obj, got %r" % allocs)


def check_cycle_gc(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    i_a = first_step_with_local(t, "b")
    a, b = ref_of_local(t, i_a + 1, "a"), ref_of_local(t, i_a + 1, "b")
    del_line = line_of(prog, "del a, b")
    collect_line = line_of(prog, "gc.collect()", exact=True)
    del_step = next(i for i, s in enumerate(t["steps"]) if s["line"] == del_line)
    collect_step = next(i for i, s in enumerate(t["steps"]) if s["line"] == collect_line)
    gcs = [(i, e) for i, e in events(t) if e["kind"] == "gc"]
    if len(gcs) != 1:
        fail("expected exactly one collection, got %r" % gcs)
        return
    gi, g = gcs[0]
    if g["automatic"] or g["generation"] != 2:
        fail("gc.collect() is a generation-2 collection asked for by the program: %r" % g)
    m = re.search(r"CALLBACK (\d+) (\d+) (\d+)", t["stdout"])
    if not m:
        fail("the program's callback printed nothing")
    elif (int(m.group(1)), int(m.group(2)), int(m.group(3))) != \
            (g["generation"], g["collected"], g["uncollectable"]):
        fail("collection %r differs from what the program's callback saw: %s" % (g, m.group(0)))
    # the two boxes, and the str only they held (freed with them, not collected itself)
    tag = next((at["ref"] for at in objects_by_step_at(t, del_step)[a].get("attrs", [])
                if at["name"] == "tag"), None)
    if sorted(g["freed"]) != sorted([a, b, tag]):
        fail("the collection should list #%d, #%d and the str #%r as freed: %r" % (a, b, tag, g))
    frees = {e["ref"]: (i, e) for i, e in events(t) if e["kind"] == "free" and e.get("ref")}
    for r in (a, b):
        if r not in frees or frees[r][0] != gi or frees[r][1]["cause"] != "gc" or \
                frees[r][1].get("generation") != 2:
            fail("#%d should be freed by the collection at step %d: %r" % (r, gi, frees.get(r)))
    # unreachable from the step after `del` up to the collection step
    for i, objs in enumerate(objects_by_step(t)):
        s = t["steps"][i]
        after_del = del_step < i < gi
        for r in (a, b):
            o = objs.get(r)
            if after_del and (o is None or o.get("reachable", True)):
                fail("step %d (line %d): #%d should be shown with reachable false: %r"
                     % (i, s["line"], r, o))
            if i <= del_step and o is not None and "reachable" in o:
                fail("step %d: #%d is still named, yet marked unreachable" % (i, r))
            if i >= gi and o is not None:
                fail("step %d: #%d was freed at step %d but is still shown" % (i, r, gi))
    # what the cycle refers to: the str only it holds is garbage with it; the list
    # `keep` also names is not
    keep = ref_of_local(t, del_step, "keep")
    for i, objs in enumerate(objects_by_step(t)):
        if not del_step < i < gi:
            continue
        if tag is None or objs.get(tag, {}).get("reachable", True):
            fail("step %d: the str only the cycle holds should be unreachable: %r"
                 % (i, objs.get(tag)))
        if keep not in objs or "reachable" in objs[keep]:
            fail("step %d: the list `keep` names is held, not unreachable: %r"
                 % (i, objs.get(keep)))
    # recorded at the first step after gc.collect() began: the program's own
    # callback (traced: it is user code) or the next line
    frames = None
    for i, s in enumerate(t["steps"][:gi + 1]):
        frames = s.get("frames", frames)
        if collect_step < i < gi and len(frames) < 2:
            fail("step %d is back in the module, yet the collection is recorded only at "
                 "step %d" % (i, gi))
    if gi <= collect_step:
        fail("the collection is recorded at step %d, before gc.collect() (step %d)"
             % (gi, collect_step))


def check_auto_gc(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    m = re.search(r"COLLECTIONS (\d+)", t["stdout"])
    if not m:
        fail("the program printed no COLLECTIONS line")
        return
    # memview's events up to the step where the program had counted (its print)
    printed = next(i for i in range(len(t["steps"])) if "COLLECTIONS" in stdout_at(t, i))
    remove_line = line_of(prog, "gc.callbacks.remove(count)")
    start = first_step_with_local(t, "keep")
    end = next(i for i, s in enumerate(t["steps"]) if s["line"] == remove_line and i > start)
    gcs = [e for i, e in events(t) if e["kind"] == "gc" and start <= i <= end]
    if len(gcs) != int(m.group(1)):
        fail("memview recorded %d collections while the program's callback was in place, "
             "the program counted %s" % (len(gcs), m.group(1)))
    if not gcs or not all(g["automatic"] for g in gcs):
        fail("the collections were automatic: %r" % gcs[:3])
    del printed


def check_malloc_allocator(memview, python, prog):
    env = {"PYTHONMALLOC": "malloc"}
    st = run(memview, prog, "state", ["--step", "last"], env)
    if not st:
        return
    if st["memory"]["allocator"] != "malloc":
        fail("allocator should be malloc: %r" % st["memory"])
    pooled = [o for o in st["objects"] if "size_class" in o.get("block", {})]
    if pooled:
        fail("no object can be in a pool under malloc: %r" % pooled[:2])
    p = run(memview, prog, "pools", ["--step", "last"], env)
    if p and (p.get("allocator") != "malloc" or "message" not in p or "arenas" in p):
        fail("the pool view under malloc must be a message: %r" % p)


def check_float_reuse(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    line = line_of(prog, "a = None; b =")
    i = next(i for i, s in enumerate(t["steps"]) if s["line"] == line)
    a = ref_of_local(t, i, "a")
    b = ref_of_local(t, i + 1, "b")
    objs = list(objects_by_step(t))
    same_address = objs[i][a]["id"] == objs[i + 1][b]["id"]
    ev = [e for e in t["steps"][i + 1].get("events", []) if e.get("ref") == a]
    if same_address:
        if len(ev) != 1 or ev[0]["cause"] != "reused" or ev[0].get("by") != b:
            fail("b took a's address: a's free should be 'reused' by #%d: %r" % (b, ev))
    else:
        # the free list did not hand back a's block (a build without float free list)
        if len(ev) != 1 or ev[0]["kind"] != "free":
            fail("a (#%d) should be reported freed: %r" % (a, ev))
    if str(objs[i + 1][b]["id"]) not in t["stdout"]:
        fail("b's id differs from what the program printed")


def check_block_sizes(memview, python, prog):
    st = run(memview, prog, "state", ["--step", "last"])
    if not st:
        return
    m = re.search(r"SIZES \[([\d, ]+)\]", st["stdout"])
    sizes = [int(x) for x in m.group(1).split(",")]
    objs = {o["ref"]: o for o in st["objects"]}
    values = next(r for f in st["frames"] for l in f["locals"] if l["name"] == "values"
                  for r in [l["ref"]])
    for ref, size in zip(objs[values]["items"], sizes):
        o = objs[ref]
        if o["size"] != size:
            fail("#%d size %d, getsizeof %d" % (ref, o["size"], size))
        blk = o.get("block")
        if size <= 512:
            if not blk or blk.get("size_class") != (size + 15) // 16 * 16:
                fail("#%d (%s, getsizeof %d) should be in a %d-byte block: %r"
                     % (ref, o["type"], size, (size + 15) // 16 * 16, blk))
            else:
                pool = int(blk["pool"], 16)
                if o["id"] - pool < 48 or o["id"] & ~16383 != pool:
                    fail("#%d: address %#x is not in pool %s" % (ref, o["id"], blk["pool"]))


def check_pool_totals(memview, python, prog):
    line = line_of(prog, "# @pools")
    p = run(memview, prog, "pools", ["--at", str(line)], {"MEMVIEW_POOLS_STATS": "1"})
    if not p:
        return
    if p.get("allocator") != "pymalloc":
        print("skipped: the interpreter's allocator is %s" % p.get("allocator"))
        sys.exit(77)
    stats = p.get("interpreter_stats", "")

    def num(label):
        m = re.search(r"^" + re.escape(label) + r"\s*=\s*([\d,]+)", stats, re.M)
        return int(m.group(1).replace(",", "")) if m else None

    pools = blocks = 0
    for m in re.finditer(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", stats, re.M):
        pools += int(m.group(3))
        blocks += int(m.group(4))
    unused = re.search(r"^(\d+) unused pools \* 16384 bytes", stats, re.M)
    want = {"arenas": num("# arenas allocated current"), "pools": pools,
            "unused_pools": int(unused.group(1)) if unused else None, "used_blocks": blocks,
            "used_bytes": num("# bytes in allocated blocks"),
            "free_bytes": num("# bytes in available blocks")}
    tot = p["totals"]
    for k, v in want.items():
        if tot.get(k) != v:
            fail("totals[%s] = %r, CPython says %r" % (k, tot.get(k), v))
    waste = {"pool_headers": num("# bytes lost to pool headers"),
             "rounding": num("# bytes lost to quantization"),
             "alignment": num("# bytes lost to arena alignment")}
    for k, v in waste.items():
        if tot["waste"].get(k) != v:
            fail("waste[%s] = %r, CPython says %r" % (k, tot["waste"].get(k), v))
    # the per-pool picture adds up, and the named blocks are labelled
    n = sum(len(a["pools"]) for a in p["arenas"])
    if n != tot["pools"]:
        fail("%d pools listed, totals say %d" % (n, tot["pools"]))
    for a in p["arenas"]:
        for pl in a["pools"]:
            if pl["used"] + pl["free"] + pl["never"] != pl["blocks"] or \
                    pl["blocks"] != (16384 - 48) // pl["size_class"]:
                fail("pool %s does not add up: %r" % (pl["address"], pl))
    labels = {t for a in p["arenas"] for pl in a["pools"] for _, t in pl["labels"]}
    for name in ("keep", "text", "keep[0]", "names", "names['k']" if False else "keep[5]"):
        if not any(name == t or t.startswith(name + ",") or (", " + name) in t
                   for t in labels):
            fail("no block labelled %r (labels: %r...)" % (name, sorted(labels)[:10]))


def pools_at(trace, step):
    """The pool timeline applied up to `step`: {pool address: [pool, arena, arena
    address, size class, used, free, never]} for the pools in use, and the step
    of the last mark (the pools were read then)."""
    cur, asof = {}, None
    for i, s in enumerate(trace["steps"][:step + 1]):
        if "pools" in s:
            asof = i
            for c in s["pools"]:
                cur[c[0]] = c
    return {a: c for a, c in cur.items() if c[3]}, asof


def check_pool_timeline(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    if t.get("allocator") != "pymalloc":
        print("skipped: the interpreter's allocator is %s" % t.get("allocator"))
        sys.exit(77)
    b0, b1, b2 = (int(x) for x in t["stdout"].split())
    # the step at which each line is about to run: b0 has run, b1 has run, b2 has run
    after = {}
    for marker, name in (("keep = list(", "b0"), ("b1 = ", "keep"), ("b2 = ", "del")):
        line = line_of(prog, marker)
        after[name] = next(i for i, s in enumerate(t["steps"])
                           if s["event"] == "line" and s["line"] == line and s["file"] == 0)
    line_b1 = after["keep"]
    after["b1"] = next(i for i, s in enumerate(t["steps"])
                       if i > line_b1 and s["event"] == "line")
    used = {}
    for name, step in after.items():
        pools, asof = pools_at(t, step)
        if asof != step:
            fail("no pool mark at step %d (%s), the last is at %r" % (step, name, asof))
        used[name] = sum(c[4] for c in pools.values())
        for c in pools.values():
            if c[4] + c[5] + c[6] != (16384 - 48) // c[3]:
                fail("pool %s does not add up at step %d: %r" % (c[0], step, c))
    # built: about 9,000 blocks (lists, their one-item arrays, ints); the program's
    # count and memview's agree to a few blocks (the ints b0/b1 themselves, and the
    # big item array of `keep`, which is not in a pool)
    grew, fell = used["keep"] - used["b0"], used["del"] - used["b1"]
    if grew < 8000:
        fail("the pools gained only %d blocks while 3,000 lists were built" % grew)
    if abs(grew - (b1 - b0)) > 4:
        fail("the pools gained %d blocks, sys.getallocatedblocks() says %d" % (grew, b1 - b0))
    if abs(fell - (b2 - b1)) > 4:
        fail("after del the pools changed by %d blocks, sys.getallocatedblocks() says %d"
             % (fell, b2 - b1))


def check_returns(memview, python, prog):
    t = run(memview, prog, "trace")
    if not t:
        return
    printed = int(re.search(r"RET (\d+)", t["stdout"]).group(1))
    frames, seen = None, {}
    for i, objs in enumerate(objects_by_step(t)):
        s = t["steps"][i]
        frames = s.get("frames", frames)
        top = frames[-1]
        names = [n for n, _ in top["locals"]]
        if "<return>" in names[:-1]:
            fail("step %d: <return> is not the last name of %s: %r" % (i, top["function"], names))
        if s["event"] != "return":
            if "<return>" in names:
                fail("step %d (%s): <return> outside a return step" % (i, s["event"]))
            continue
        ret = dict(top["locals"]).get("<return>")
        seen[top["function"]] = ret
        if top["function"] == "make":
            if ret is None or objs[ret]["id"] != printed:
                fail("make's <return> #%r is not the list the caller printed (id %d): %r"
                     % (ret, printed, objs.get(ret)))
            if ret != dict(top["locals"]).get("out"):
                fail("make returns `out` itself, not another object: %r" % top["locals"])
        elif top["function"] == "nothing":
            if ret is None or objs[ret]["type"] != "NoneType":
                fail("nothing() returns None: %r" % (objs.get(ret),))
        elif top["function"] == "gen" and ret is not None:
            fail("a generator's yield is shown as <return>: %r" % top["locals"])
        elif top["function"] == "<module>" and ret is not None:
            fail("the module frame has no <return>: %r" % top["locals"])
    for f in ("make", "nothing", "gen"):
        if f not in seen:
            fail("no return step of %s" % f)


def check_refcount_chart(memview, python, prog):
    """-f refcount --name x: at each "# @rc" line the chart shows, for the step where
    the line is about to run, the count and id() the program printed there; every
    segment is the trace's count over its steps, nothing is drawn where x is out of
    the picture, and the unreachable steps and the free are the trace's."""
    t = run(memview, prog, "trace")
    svg = run(memview, prog, "refcount", ["--name", "x"], ext=".svg")
    if not t or not svg:
        return
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        fail("the refcount chart is not well-formed XML: %s" % e)
        return
    ref = ref_of_local(t, first_step_with_local(t, "x"), "x")
    if root.get("data-ref") != str(ref):
        fail("the chart is of #%s, x is #%d" % (root.get("data-ref"), ref))
    # the count and reachability of x at every step it is in the picture
    counts, unreachable, cur = {}, set(), None
    for i, s in enumerate(t["steps"]):
        for o in s.get("objects", []):
            if o["ref"] == ref:
                cur = [o["refcount"], o.get("reachable", True) is False]
        for r, rc in s.get("refcounts", []):
            if r == ref and cur:
                cur[0] = rc
        if ref in s.get("drops", []):
            cur = None
        if cur:
            counts[i] = cur[0]
            if cur[1]:
                unreachable.add(i)
    group = root.find(".//%sg[@id='mv-points']" % SVG)
    points = group.findall(SVG + "rect") if group is not None else []
    drawn = {}
    for r in points:
        first, last = int(r.get("data-first")), int(r.get("data-last"))
        if r.get("data-refcount") is None:
            fail("a short run is drawn step by step, yet steps %d-%d are a column: %r"
                 % (first, last, r.attrib))
            return
        steps = range(first, last + 1)
        if any(counts.get(i) != int(r.get("data-refcount")) for i in steps):
            fail("steps %d-%d are drawn with refcount %s, the trace says %r"
                 % (first, last, r.get("data-refcount"), [counts.get(i) for i in steps]))
        if int(r.get("data-unreachable", 0)) != len(unreachable.intersection(steps)):
            fail("steps %d-%d: %s unreachable steps drawn, the trace has %d"
                 % (first, last, r.get("data-unreachable", 0), len(unreachable.intersection(steps))))
        drawn.update((i, int(r.get("data-refcount"))) for i in steps)
    if drawn != counts:
        fail("the chart draws x at steps %r, the trace has it at %r"
             % (sorted(drawn), sorted(counts)))
    if not unreachable or max(counts) - min(counts) + 1 == len(counts):
        fail("x should be unreachable for a while and out of the picture for a while: "
             "unreachable %r, in the picture %r" % (sorted(unreachable), sorted(counts)))
    # what the program printed at its @rc lines
    printed = [tuple(int(v) for v in m.groups())
               for m in re.finditer(r"^RC (\d+) (\d+)$", t["stdout"], re.M)]
    with open(prog, encoding="utf-8") as f:
        lines = [n for n, text in enumerate(f, 1) if text.rstrip().endswith("# @rc")]
    if len(printed) != len(lines) or not lines:
        fail("%d @rc lines, %d RC lines printed" % (len(lines), len(printed)))
    for line, (rc, ident) in zip(lines, printed):
        i = next(k for k, s in enumerate(t["steps"]) if s["event"] == "line" and s["line"] == line)
        if drawn.get(i) != rc:
            fail("line %d (step %d): the program printed refcount %d, the chart shows %r"
                 % (line, i, rc, drawn.get(i)))
        o = objects_by_step_at(t, i).get(ref)
        if not o or o["id"] != ident:
            fail("line %d: the program printed id %d, the chart's #%d has %r"
                 % (line, ident, ref, o and o["id"]))
    frees = [(i, e) for i, e in events(t) if e["kind"] == "free" and e.get("ref") == ref]
    mark = root.find(".//%sg[@id='mv-freed']" % SVG)
    if len(frees) != 1 or mark is None:
        fail("x is freed once (%r), the chart marks %r" % (frees, mark is not None))
    elif (mark.get("data-freed"), mark.get("data-freed-step")) != (frees[0][1]["cause"],
                                                                  str(frees[0][0])):
        fail("the chart marks the free %r, the trace says step %d %r"
             % (mark.attrib, frees[0][0], frees[0][1]))
    elif frees[0][1]["cause"] != "gc" or frees[0][0] <= max(unreachable):
        fail("the cycle is freed by the collector after its unreachable steps: %r" % (frees,))


def check_addresses_chart(memview, python, prog):
    """-f addresses: a bar per life in the picture, in address order, each with the
    trace's ref and steps; the ids the program printed in the same run are the bars'
    data-id; `tmp` is freed at refcount 0, the cycle p, q unreachable and then freed
    by the collector, the others never freed. (Addresses differ between runs: the
    ids are compared within the chart's own run, the rest with a trace.)"""
    t = run(memview, prog, "trace")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.svg")
        p = subprocess.run([memview, "run", "-f", "addresses", "-o", out, prog],
                           capture_output=True, timeout=TIMEOUT, cwd=os.path.dirname(prog))
        try:
            root = ET.parse(out).getroot() if p.returncode == 0 else None
        except (OSError, ET.ParseError) as e:
            fail("-f addresses wrote no well-formed SVG: %s" % e)
            return
    if not t or root is None:
        fail("-f addresses: exit %d, stderr %r" % (p.returncode, p.stderr[-2000:]))
        return
    stdout = p.stdout.decode("utf-8")
    lives, open_lives = [], {}
    for i, s in enumerate(t["steps"]):
        for o in s.get("objects", []):
            if o["ref"] not in open_lives:
                open_lives[o["ref"]] = [o["id"], i, o["ref"], None]
                lives.append(open_lives[o["ref"]])
        for r in s.get("drops", []):
            if r in open_lives:
                open_lives.pop(r)[3] = i - 1
    for life in open_lives.values():
        life[3] = len(t["steps"]) - 1
    group = root.find(".//%sg[@id='mv-lives']" % SVG)
    bars = group.findall(SVG + "g") if group is not None else []
    got = [[int(g.get("data-" + k)) for k in ("id", "from", "ref", "to")] for g in bars]
    if got != sorted(got) or sorted(b[1:] for b in got) != sorted(life[1:] for life in lives):
        fail("the bars (id, from, ref, to) %r should be in address order and be the trace's "
             "lives (from, ref, to) %r" % (got, sorted(life[1:] for life in lives)))
    count = root.find(".//%stext[@id='mv-count']" % SVG)
    if count is None or count.get("data-lives") != str(len(lives)):
        fail("the caption counts %r lives, the trace has %d"
             % (count is not None and count.get("data-lives"), len(lives)))
    by_ref = {int(g.get("data-ref")): g for g in bars}
    frees = {e["ref"]: (i, e) for i, e in events(t) if e["kind"] == "free" and e.get("ref")}
    printed = list(re.finditer(r"^ID (\w+) (\d+)$", stdout, re.M))
    if len(printed) != 6:
        fail("the program printed %d ids, not 6: %r" % (len(printed), stdout))
    for m in printed:
        name, ident = m.group(1), int(m.group(2))
        line = line_of(prog, 'print("ID %s"' % name)
        i = next(k for k, s in enumerate(t["steps"]) if s["event"] == "line" and s["line"] == line)
        ref = ref_of_local(t, i, name)
        g = by_ref.get(ref)
        if g is None or g.get("data-id") != str(ident):
            fail("%s (#%r) printed id %d; its bar: %r" % (name, ref, ident, g is not None and g.attrib))
            continue
        want = {"tmp": "refcount", "p": "gc", "q": "gc"}.get(name)
        if g.get("data-freed") != want:
            fail("%s: data-freed %r, expected %r" % (name, g.get("data-freed"), want))
        if want and (ref not in frees or g.get("data-freed-step") != str(frees[ref][0])):
            fail("%s: freed at step %r in the chart, the trace says %r"
                 % (name, g.get("data-freed-step"), frees.get(ref)))
        if want == "gc" and not (int(g.get("data-unreachable-from", -1)) > int(g.get("data-from"))):
            fail("%s: the end of its life is unreachable: %r" % (name, g.attrib))


SVG = "{http://www.w3.org/2000/svg}"
CHART_COLUMNS = 800 - 78 - 20   # the chart's plot width: one column per pixel at most


def totals_by_step(trace):
    """(live_blocks, live_bytes) at every step: `memory` is given where it changed."""
    cur, out = (0, 0), []
    for s in trace["steps"]:
        m = s.get("memory")
        if m:
            cur = (m["live_blocks"], m["live_bytes"])
        out.append(cur)
    return out


def chart_columns(svg, what):
    """The chart's columns (its mv-columns group) as dicts, after checking the XML."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        fail("the chart is not well-formed XML: %s" % e)
        return None, []
    group = root.find(".//%sg[@id='mv-columns']" % SVG)
    if group is None:
        fail("the chart has no mv-columns group")
        return root, []
    cols = []
    for r in group.findall(SVG + "rect"):
        c = {k: int(r.get("data-" + k)) for k in ("first", "step", "bytes")}
        c["count"] = int(r.get("data-" + what))
        c["least_count"] = int(r.get("data-least-" + what, c["count"]))
        c["least_bytes"] = int(r.get("data-least-bytes", c["bytes"]))
        cols.append(c)
    return root, cols


def check_columns(cols, per_step, nsteps, label):
    """Every step in exactly one column; each column draws its step with the most
    bytes, with the figures per_step gives, and the least of its steps."""
    if len(cols) != min(nsteps, CHART_COLUMNS):
        fail("%s: %d columns for %d steps (want %d)"
             % (label, len(cols), nsteps, min(nsteps, CHART_COLUMNS)))
        return
    if cols[0]["first"] != 0:
        fail("%s: the first column starts at step %d" % (label, cols[0]["first"]))
    for k, c in enumerate(cols):
        end = cols[k + 1]["first"] if k + 1 < len(cols) else nsteps
        if not c["first"] <= c["step"] < end:
            fail("%s: column %d shows step %d outside its steps %d..%d"
                 % (label, k, c["step"], c["first"], end - 1))
            return
        rng = per_step[c["first"]:end]
        want = (per_step[c["step"]], max(b for _, b in rng),
                min(n for n, _ in rng), min(b for _, b in rng))
        got = ((c["count"], c["bytes"]), c["bytes"], c["least_count"], c["least_bytes"])
        if got != want:
            fail("%s: column %d (steps %d..%d, drawn at %d): (count, bytes), most bytes, "
                 "least count, least bytes %r; the trace says %r"
                 % (label, k, c["first"], end - 1, c["step"], got, want))
            return


def rises_and_falls(values, times):
    """The series climbs to near its peak and falls back to near its floor at least
    `times` times: [(rise step, fall step), ...] or None."""
    peak = max(values)
    floor = min(values)
    hi, lo = floor + 0.8 * (peak - floor), floor + 0.2 * (peak - floor)
    swings, up = [], None
    for i, v in enumerate(values):
        if up is None and v >= hi:
            up = i
        elif up is not None and v <= lo:
            swings.append((up, i))
            up = None
    return swings if peak > floor and len(swings) >= times else None


def check_chart_totals(memview, python, prog):
    """-f chart draws the allocator's totals the trace records (memory per step)."""
    env = {"PYTHONHASHSEED": "0"}
    t = run(memview, prog, "trace", env=env)
    svg = run(memview, prog, "chart", env=env, ext=".svg")
    if not t or not svg:
        return
    per_step = totals_by_step(t)
    if not any(s.get("memory") for s in t["steps"]):
        fail("the trace has no memory totals: was it recorded with events?")
        return
    root, cols = chart_columns(svg, "blocks")
    if root is None:
        return
    if root.get("data-source") != "allocator":
        fail("the chart should draw the allocator's totals: data-source=%r"
             % root.get("data-source"))
    title = root.findtext(SVG + "title") or ""
    if "(allocator totals)" not in title:
        fail("the chart's title does not say what it draws: %r" % title)
    check_columns(cols, per_step, len(t["steps"]), "chart")
    # the three rounds of lists: the trace and the chart both rise and fall three times
    bytes_per_step = [b for _, b in per_step]
    if not rises_and_falls(bytes_per_step, 3):
        fail("the trace's live bytes do not rise and fall three times (peak %d)"
             % max(bytes_per_step))
    drawn = [v for c in cols for v in (c["least_bytes"], c["bytes"])]
    if not rises_and_falls(drawn, 3):
        fail("the chart's columns do not rise and fall three times: %r"
             % [c["bytes"] for c in cols][::20])
    legend = root.find(".//%sg[@id='mv-legend']" % SVG)
    names = [x.text for x in legend.iter(SVG + "text")] if legend is not None else []
    if "list" not in names:
        fail("the legend has no series for the lists: %r" % names)


def check_chart_no_events(memview, python, prog):
    """Without memory events the chart falls back to the objects in the picture,
    says so, and counts exactly the objects the trace shows."""
    env = {"PYTHONHASHSEED": "0", "MEMVIEW_EVENTS": "0"}
    t = run(memview, prog, "trace", env=env)
    svg = run(memview, prog, "chart", env=env, ext=".svg")
    if not t or not svg:
        return
    if any(s.get("memory") for s in t["steps"]):
        fail("MEMVIEW_EVENTS=0 recorded memory totals anyway")
        return
    per_step = [(len(objs), sum(o["size"] for o in objs.values()))
                for objs in objects_by_step(t)]
    root, cols = chart_columns(svg, "objects")
    if root is None:
        return
    if root.get("data-source") != "picture":
        fail("without events the chart should count the objects in the picture: "
             "data-source=%r" % root.get("data-source"))
    title = root.findtext(SVG + "title") or ""
    if "(objects in the picture)" not in title:
        fail("the chart's title does not say what it draws: %r" % title)
    texts = " ".join(x.text or "" for x in root.iter(SVG + "text"))
    if "no allocator totals in this trace" not in texts or "live objects" not in texts:
        fail("the chart does not say it has no allocator totals: %r" % texts[:300])
    check_columns(cols, per_step, len(t["steps"]), "fallback chart")
    if not rises_and_falls([c["count"] for c in cols], 3):
        fail("the objects in the picture should rise and fall three times: %r"
             % [c["count"] for c in cols])


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    memview, python, prog = argv[1], argv[2], os.path.abspath(argv[3])
    name = os.path.splitext(os.path.basename(prog))[0]
    check = globals().get("check_" + name)
    if not check:
        print("no check for %s" % name)
        return 1
    check(memview, python, prog)
    if failures:
        print("%d check(s) failed for %s" % (len(failures), prog))
        return 1
    print("ok %s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
