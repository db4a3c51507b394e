# bench workload "dict_of_lists": grow a dict to 2,000 keys that map to small lists, then
# run 1,000 more iterations (2,000 steps) over it: about 6,000 steps in all, each with a
# large reachable heap. Measures the cost of a big heap that changes a little per step.
d = {}
for k in range(2000):
    d[k] = [k, k + 1]
n = 0
for k in range(1000):
    n += d[k][1]
print(len(d), n)
