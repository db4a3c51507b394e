# The pool timeline agrees with the interpreter's own count of blocks in use:
# sys.getallocatedblocks() sums the same pool headers (plus the blocks too big
# for a pool). Built by builtins only, so each line is one step.
import sys

b0 = sys.getallocatedblocks()
keep = list(map(list, zip(range(1000, 4000))))   # 3,000 lists, their items, 3,000 ints
b1 = sys.getallocatedblocks()
del keep
b2 = sys.getallocatedblocks()
print(b0, b1, b2)
