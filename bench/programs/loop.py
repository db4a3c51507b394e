# bench workload "loop": a tight loop over a few locals, about 3 recorded steps per
# iteration (the `for` line and the two body lines). Measures memview's cost per step.
# The iteration count is argv[1] (default 1,000,000); bench/run.py --quick passes 100000.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
total = 0
for i in range(n):
    x = i * 2
    total += x
print(total)
