# A cycle left unreachable by `del` stays in memory (reachable: false) until
# gc.collect() frees it; the collection's numbers are the ones the program's
# own gc.callbacks function is told. What the cycle refers to is unreachable
# only when nothing else holds it.
import gc

gc.disable()  # no automatic collection may take the cycle early


def mine(phase, info):
    if phase == "stop":
        print("CALLBACK", info["generation"], info["collected"], info["uncollectable"])


gc.callbacks.append(mine)


class Box:
    pass


keep = [1, 2]
a = Box()
b = Box()
a.other = b
b.other = a
a.tag = "-".join(["t"] * 3)  # built at run time: only the cycle holds it
a.shared = keep  # the cycle and the name `keep` hold it
del a, b
x = 1
y = 2
gc.collect()
gc.callbacks.remove(mine)
print("done")
