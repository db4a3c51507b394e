# Truth program: which equal values are one object. The driver checks that memview
# shows one ref exactly when the program's own id() values are equal.
import json
import sys

x = 5
y = 5
a = 257
b = 257
c = int("257")
d = int("257")
s1 = "hello"
s2 = "hello"
j = "".join(["hel", "lo"])
f1 = 1.5
f2 = 1.5
e1 = ()
e2 = tuple([])
n1 = -5
n2 = int("-5")
m1 = int("-6")
m2 = int("-6")
print("x is y", x is y, "a is b", a is b, "c is d", c is d)
print("FACTS share", json.dumps({"frame": "<module>", "objs": {
    "x": {"id": id(x), "rc": sys.getrefcount(x), "size": sys.getsizeof(x), "type": type(x).__qualname__, "static": True},
    "y": {"id": id(y), "rc": sys.getrefcount(y), "size": sys.getsizeof(y), "type": type(y).__qualname__, "static": True},
    "a": {"id": id(a), "rc": sys.getrefcount(a), "size": sys.getsizeof(a), "type": type(a).__qualname__},
    "b": {"id": id(b), "rc": sys.getrefcount(b), "size": sys.getsizeof(b), "type": type(b).__qualname__},
    "c": {"id": id(c), "rc": sys.getrefcount(c), "size": sys.getsizeof(c), "type": type(c).__qualname__},
    "d": {"id": id(d), "rc": sys.getrefcount(d), "size": sys.getsizeof(d), "type": type(d).__qualname__},
    "s1": {"id": id(s1), "rc": sys.getrefcount(s1), "size": sys.getsizeof(s1), "type": type(s1).__qualname__},
    "s2": {"id": id(s2), "rc": sys.getrefcount(s2), "size": sys.getsizeof(s2), "type": type(s2).__qualname__},
    "j": {"id": id(j), "rc": sys.getrefcount(j), "size": sys.getsizeof(j), "type": type(j).__qualname__},
    "f1": {"id": id(f1), "rc": sys.getrefcount(f1), "size": sys.getsizeof(f1), "type": type(f1).__qualname__},
    "f2": {"id": id(f2), "rc": sys.getrefcount(f2), "size": sys.getsizeof(f2), "type": type(f2).__qualname__},
    "e1": {"id": id(e1), "rc": sys.getrefcount(e1), "size": sys.getsizeof(e1), "type": type(e1).__qualname__, "static": True},
    "e2": {"id": id(e2), "rc": sys.getrefcount(e2), "size": sys.getsizeof(e2), "type": type(e2).__qualname__, "static": True},
    "n1": {"id": id(n1), "rc": sys.getrefcount(n1), "size": sys.getsizeof(n1), "type": type(n1).__qualname__, "static": True},
    "n2": {"id": id(n2), "rc": sys.getrefcount(n2), "size": sys.getsizeof(n2), "type": type(n2).__qualname__, "static": True},
    "m1": {"id": id(m1), "rc": sys.getrefcount(m1), "size": sys.getsizeof(m1), "type": type(m1).__qualname__},
    "m2": {"id": id(m2), "rc": sys.getrefcount(m2), "size": sys.getsizeof(m2), "type": type(m2).__qualname__},
}}))
mark = 1  # @check share
