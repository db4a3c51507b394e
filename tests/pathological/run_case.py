"""Pathological inputs: memview must finish within the time limit, exit as python
does, and leave a valid state, trace and viewer. Run as
    run_case.py MEMVIEW PYTHON CASE.py
"""
import json
import os
import subprocess
import sys
import tempfile

LIMIT = 120  # seconds, per memview run


def main():
    memview, python, case = sys.argv[1:4]
    with tempfile.TemporaryDirectory(prefix="mv-path-") as tmp:
        py = subprocess.run([python, case], capture_output=True, timeout=LIMIT)
        outs = {}
        for fmt in ("state", "trace", "html"):
            out = os.path.join(tmp, "out." + fmt)
            mv = subprocess.run([memview, "run", "-f", fmt, "-o", out, case],
                                capture_output=True, timeout=LIMIT)
            if mv.returncode != py.returncode:
                sys.exit("FAIL %s: exit %d under memview, %d under python\n%s"
                         % (fmt, mv.returncode, py.returncode, mv.stderr.decode()[-2000:]))
            if mv.stdout != py.stdout:
                sys.exit("FAIL %s: stdout differs from python's" % fmt)
            if not os.path.exists(out):
                sys.exit("FAIL %s: no output written" % fmt)
            outs[fmt] = out
        with open(outs["state"], encoding="utf-8") as f:
            state = json.load(f)
        with open(outs["trace"], encoding="utf-8") as f:
            trace = json.load(f)
        refs = {o["ref"] for o in state["objects"]}
        for fr in state["frames"]:
            for loc in fr["locals"]:
                if loc["ref"] not in refs and not state.get("truncated"):
                    sys.exit("FAIL: local %s refers to an object not in the state" % loc["name"])
        if len(trace["steps"]) != state["steps"]:
            sys.exit("FAIL: trace has %d steps, state says %d" % (len(trace["steps"]), state["steps"]))
        if py.returncode != 0 and trace["end"]["reason"] != "exception":
            sys.exit("FAIL: end reason %r for a program that raised" % trace["end"]["reason"])
        with open(outs["html"], "rb") as f:
            page = f.read()
        if b"memview-trace" not in page:
            sys.exit("FAIL: the viewer page has no trace")
        # cut values say how long they are
        for o in state["objects"]:
            if o.get("type") == "str" and len(o.get("value", "")) > 1000:
                sys.exit("FAIL: a str value of %d characters was not cut" % len(o["value"]))
            if "items" in o and len(o["items"]) > 100:
                sys.exit("FAIL: %d items recorded, more than --max-items" % len(o["items"]))
        print("ok: %d steps, %d objects in the last state" % (state["steps"], len(state["objects"])))


if __name__ == "__main__":
    main()
