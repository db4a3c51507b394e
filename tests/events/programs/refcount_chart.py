# The refcount chart (-f refcount --name x) against the program's own word: at
# each "# @rc" line the program prints sys.getrefcount(x) - 1 and id(x), which
# the chart must show for the step where that line is about to run. x also
# leaves the picture for a while (only a module attribute holds it), comes
# back, becomes unreachable in a cycle, and the collector frees it.
import gc
import sys

gc.disable()


class Node:
    pass


x = Node()
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
y = x
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
box = [x, x, x]
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
del y
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
sys.modules[__name__].__dict__.setdefault("unused", None)
gc.hidden = x                   # held where no name of the program reaches
box.clear()
del x
pad = 1
pad = 2
x = gc.hidden                   # back in the picture
del gc.hidden
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
x.me = x                        # a cycle: x refers to itself
print("RC", sys.getrefcount(x) - 1, id(x))  # @rc
del x                           # unreachable: only the cycle holds it
pad = 3
pad = 4
gc.collect()                    # frees it
print("done")
