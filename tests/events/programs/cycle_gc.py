# A cycle left unreachable by `del` stays in memory (reachable: false) until
# gc.collect() frees it; the collection's numbers are the ones the program's
# own gc.callbacks function is told.
import gc

gc.disable()  # no automatic collection may take the cycle early


def mine(phase, info):
    if phase == "stop":
        print("CALLBACK", info["generation"], info["collected"], info["uncollectable"])


gc.callbacks.append(mine)


class Box:
    pass


a = Box()
b = Box()
a.other = b
b.other = a
del a, b
x = 1
y = 2
gc.collect()
gc.callbacks.remove(mine)
print("done")
