#!/usr/bin/env python3
"""Truth test of values: each element of the list `vals` that PROGRAM.py builds
must be recorded with the value the program itself prints for it with repr().

    check_values.py MEMVIEW PYTHON PROGRAM.py

The program prints one line `VALUES <JSON list of repr strings>`, in the order
of `vals`. This driver runs `memview run -f state --step last --max-items 1000`,
finds the list bound to `vals` in the module frame, and compares the recorded
value of each item with the printed repr: a JSON number as its decimal text, a
string (big ints carry "repr": true) as it is. Exit status 0 pass, 1 fail.
"""

import json
import os
import subprocess
import sys
import tempfile


def main():
    memview, python, program = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "state.json")
        run = subprocess.run([memview, "run", "-f", "state", "--step", "last",
                              "--max-items", "1000", "-o", out, program],
                             capture_output=True, timeout=120)
        if run.returncode != 0:
            print("FAIL: memview exited %d: %s" % (run.returncode, run.stderr.decode()[-2000:]))
            return 1
        with open(out, encoding="utf-8") as f:
            state = json.load(f)
    printed = None
    for line in run.stdout.decode("utf-8").splitlines():
        if line.startswith("VALUES "):
            printed = json.loads(line[len("VALUES "):])
    if printed is None:
        print("FAIL: the program printed no VALUES line")
        return 1
    plain = subprocess.run([python, program], capture_output=True, timeout=120)
    if plain.stdout != run.stdout:
        print("FAIL: the program's output differs under memview")
        return 1
    objs = {o["ref"]: o for o in state["objects"]}
    module = state["frames"][0]
    refs = [l["ref"] for l in module["locals"] if l["name"] == "vals"]
    if len(refs) != 1 or objs[refs[0]].get("type") != "list":
        print("FAIL: no list named vals in the module frame")
        return 1
    items = objs[refs[0]]["items"]
    failures = 0
    if len(items) != len(printed):
        print("FAIL: %d items recorded, the program printed %d" % (len(items), len(printed)))
        failures += 1
    for i, (ref, want) in enumerate(zip(items, printed)):
        o = objs[ref]
        got = o.get("value")
        text = got if isinstance(got, str) else json.dumps(got)
        if text != want:
            print("FAIL: vals[%d]: memview recorded %r, the program prints %s" % (i, got, want))
            failures += 1
        elif isinstance(got, str) and not o.get("repr"):
            print("FAIL: vals[%d] = %s is a string without \"repr\": true" % (i, want))
            failures += 1
    print("%d values checked, %d wrong" % (len(printed), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
