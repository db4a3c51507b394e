# Truth program: module-level objects of many kinds measure themselves.
# Every FACTS entry is computed inline, so "rc" is the program's references + 1.
import json
import sys


class Plain:
    def __init__(self):
        self.attr = [10, 20]


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = {"k": 1}
        self.y = 2.5


def fn(a, b=1):
    return a


lst = [1, 2, 3]
dct = {"a": 1, "b": [2]}
s = "hello world"
u = "h\u00e9llo w\u00f6rld \u4e16\u754c"
big = 10 ** 30
flt = 3.25
flt2 = float("2.5")
tup = (1, [2])
ctup = (1, 2)
st = {1, 2, 3}
fst = frozenset(st)
by = b"some bytes"
emp = ()
none = None
tru = True
small = 5
inst = Plain()
slotted = Slotted()
cls = Plain
inttype = int
nested = [[1, 2], {"k": lst}]
shared = [0]
holders = [shared, shared]
dref = {"a": shared}
alias = shared
print("FACTS mod", json.dumps({"frame": "<module>", "objs": {
    "lst": {"id": id(lst), "rc": sys.getrefcount(lst), "size": sys.getsizeof(lst), "type": type(lst).__qualname__},
    "dct": {"id": id(dct), "rc": sys.getrefcount(dct), "size": sys.getsizeof(dct), "type": type(dct).__qualname__},
    'dct["b"]': {"id": id(dct["b"]), "rc": sys.getrefcount(dct["b"]), "size": sys.getsizeof(dct["b"]), "type": type(dct["b"]).__qualname__},
    "s": {"id": id(s), "rc": sys.getrefcount(s), "size": sys.getsizeof(s), "type": type(s).__qualname__},
    "u": {"id": id(u), "rc": sys.getrefcount(u), "size": sys.getsizeof(u), "type": type(u).__qualname__},
    "big": {"id": id(big), "rc": sys.getrefcount(big), "size": sys.getsizeof(big), "type": type(big).__qualname__},
    "flt": {"id": id(flt), "rc": sys.getrefcount(flt), "size": sys.getsizeof(flt), "type": type(flt).__qualname__},
    "flt2": {"id": id(flt2), "rc": sys.getrefcount(flt2), "size": sys.getsizeof(flt2), "type": type(flt2).__qualname__},
    "tup": {"id": id(tup), "rc": sys.getrefcount(tup), "size": sys.getsizeof(tup), "type": type(tup).__qualname__},
    "tup[1]": {"id": id(tup[1]), "rc": sys.getrefcount(tup[1]), "size": sys.getsizeof(tup[1]), "type": type(tup[1]).__qualname__},
    "ctup": {"id": id(ctup), "rc": sys.getrefcount(ctup), "size": sys.getsizeof(ctup), "type": type(ctup).__qualname__},
    "st": {"id": id(st), "rc": sys.getrefcount(st), "size": sys.getsizeof(st), "type": type(st).__qualname__},
    "fst": {"id": id(fst), "rc": sys.getrefcount(fst), "size": sys.getsizeof(fst), "type": type(fst).__qualname__},
    "by": {"id": id(by), "rc": sys.getrefcount(by), "size": sys.getsizeof(by), "type": type(by).__qualname__},
    "emp": {"id": id(emp), "rc": sys.getrefcount(emp), "size": sys.getsizeof(emp), "type": type(emp).__qualname__, "static": True},
    "none": {"id": id(none), "rc": sys.getrefcount(none), "size": sys.getsizeof(none), "type": type(none).__qualname__, "static": True},
    "tru": {"id": id(tru), "rc": sys.getrefcount(tru), "size": sys.getsizeof(tru), "type": type(tru).__qualname__, "static": True},
    "small": {"id": id(small), "rc": sys.getrefcount(small), "size": sys.getsizeof(small), "type": type(small).__qualname__, "static": True},
    "inst": {"id": id(inst), "rc": sys.getrefcount(inst), "size": sys.getsizeof(inst), "type": type(inst).__qualname__},
    "inst.attr": {"id": id(inst.attr), "rc": sys.getrefcount(inst.attr), "size": sys.getsizeof(inst.attr), "type": type(inst.attr).__qualname__},
    "slotted": {"id": id(slotted), "rc": sys.getrefcount(slotted), "size": sys.getsizeof(slotted), "type": type(slotted).__qualname__},
    "slotted.x": {"id": id(slotted.x), "rc": sys.getrefcount(slotted.x), "size": sys.getsizeof(slotted.x), "type": type(slotted.x).__qualname__},
    "slotted.y": {"id": id(slotted.y), "rc": sys.getrefcount(slotted.y), "size": sys.getsizeof(slotted.y), "type": type(slotted.y).__qualname__},
    "cls": {"id": id(cls), "rc": sys.getrefcount(cls), "size": sys.getsizeof(cls), "type": type(cls).__qualname__},
    "inttype": {"id": id(inttype), "rc": sys.getrefcount(inttype), "size": sys.getsizeof(inttype), "type": type(inttype).__qualname__, "static": True},
    "fn": {"id": id(fn), "rc": sys.getrefcount(fn), "size": sys.getsizeof(fn), "type": type(fn).__qualname__},
    "nested": {"id": id(nested), "rc": sys.getrefcount(nested), "size": sys.getsizeof(nested), "type": type(nested).__qualname__},
    "nested[0]": {"id": id(nested[0]), "rc": sys.getrefcount(nested[0]), "size": sys.getsizeof(nested[0]), "type": type(nested[0]).__qualname__},
    "nested[1]": {"id": id(nested[1]), "rc": sys.getrefcount(nested[1]), "size": sys.getsizeof(nested[1]), "type": type(nested[1]).__qualname__},
    'nested[1]["k"]': {"id": id(nested[1]["k"]), "rc": sys.getrefcount(nested[1]["k"]), "size": sys.getsizeof(nested[1]["k"]), "type": type(nested[1]["k"]).__qualname__},
    "shared": {"id": id(shared), "rc": sys.getrefcount(shared), "size": sys.getsizeof(shared), "type": type(shared).__qualname__},
    "holders[1]": {"id": id(holders[1]), "rc": sys.getrefcount(holders[1]), "size": sys.getsizeof(holders[1]), "type": type(holders[1]).__qualname__},
    'dref["a"]': {"id": id(dref["a"]), "rc": sys.getrefcount(dref["a"]), "size": sys.getsizeof(dref["a"]), "type": type(dref["a"]).__qualname__},
    "alias": {"id": id(alias), "rc": sys.getrefcount(alias), "size": sys.getsizeof(alias), "type": type(alias).__qualname__},
}}))
mark = 1  # @check mod
print("done")
