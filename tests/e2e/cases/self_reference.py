# Containers that contain themselves: the walk must terminate and show the loop.
# mv: type a list
# mv: nitems a 2
# mv: immortal a[0]
# mv: same a[1] a
# mv: same a[1][1] a
# mv: refcount a 2
# mv: same d["self"] d
# mv: refcount d 2
# mv: same pair[0][0] pair
# mv: same pair[1] pair[0]

a = [1]
a.append(a)
d = {}
d["self"] = d
inner = []
pair = [inner, inner]
inner.append(pair)
del inner
print(a, d, pair)
