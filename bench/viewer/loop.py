# A long-running loop for the viewer benchmark: new ints every step, a list
# that grows (up to --max-items shown), a dict that changes, calls and returns.
def step(acc, i):
    acc["total"] += i
    return acc["total"] % 7


acc = {"total": 0}
seen = []
for i in range(10**9):
    r = step(acc, i)
    if r == 0:
        seen.append(i)
    if len(seen) > 150:
        seen = seen[75:]
