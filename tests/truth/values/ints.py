# Truth program for values: ints at every boundary of the ways memview reads
# them (one or two 30-bit digits, 64-bit, bigger; groups of eight decimal
# digits; signs), each written by the program with repr() for the driver to
# compare with the value memview recorded.
import json
import sys

vals = []
for k in (0, 1, 7, 8, 9, 15, 16, 17, 18, 19, 20, 25):
    p = 10 ** k
    vals += [p, p - 1, -p, 1 - p]
for e in (29, 30, 31, 59, 60, 61, 62, 63, 64, 90):
    p = 2 ** e
    vals += [p - 1, p, -p, -p - 1]
vals.append(-(2 ** 63))
vals.append(int("1" * 40))
vals.append(-int("9" * 30))
sys.stdout.write("VALUES " + json.dumps([repr(v) for v in vals]) + "\n")
done = len(vals)
