# The address chart (-f addresses) against the program's own word: every "ID"
# line gives id() of an object, which must be the address (data-id) of the bar
# of that object's life; the list `tmp` is freed at refcount 0 and the cycle
# p <-> q by the collector, after some steps spent unreachable.
import gc

gc.disable()


class Box:
    pass


a = [1, 2, 3]
b = Box()
c = "some text " * 3
print("ID a", id(a))
print("ID b", id(b))
print("ID c", id(c))
tmp = [a, b]
print("ID tmp", id(tmp))
del tmp                         # freed: its count reaches 0
p = Box()
q = Box()
p.other = q
q.other = p
print("ID p", id(p))
print("ID q", id(q))
del p, q                        # a cycle nobody names: unreachable
pad = 1
pad = 2
gc.collect()                    # the collector frees it
print("done")
