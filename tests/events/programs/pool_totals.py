# The pool view agrees with CPython's own statistics. Under memview,
# sys._debugmallocstats() cannot print pymalloc's part (CPython prints it
# only while pymalloc itself is the object allocator, and memview's hook is
# in place), so memview takes the same statistics at the moment of the pool
# view (MEMVIEW_POOLS_STATS=1) and the driver compares the two.
keep = [[i] * 3 for i in range(200)]   # lists, ints, pools to show
text = "-".join(["x"] * 20)  # built at run time: not interned (immortal on 3.12+)
names = {"k": keep[5], "t": text}
small = (1.5, 2.5)  # @pools
print(len(keep), len(names))
