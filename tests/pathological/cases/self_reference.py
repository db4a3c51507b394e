# Containers that contain themselves, directly and through each other.
a = []
a.append(a)
d = {}
d["me"] = d
t = ([],)
t[0].append(t)
x = [d, a, t]
print(len(a), len(d), len(t))
