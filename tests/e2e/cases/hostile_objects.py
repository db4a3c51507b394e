# Objects whose special methods print a marker and raise once ARMED is set.
# memview must never call them (DESIGN.md decision 2): nothing is printed, the
# program's output and exit code are unchanged, and the state still shows the
# objects from their C layout.
# mv: never-printed HOSTILE-CALLED
# mv: type h Hostile
# mv: attrnames h data
# mv: nitems h.data 2
# mv: type hl HList
# mv: nitems hl 2
# mv: same hl[0] h
# mv: type hd HDict
# mv: nentries hd 1
# mv: type d dict
# mv: nentries d 1
# mv: type m Meta
# mv: type mi WithMeta
# mv: refcount h 4
import sys

ARMED = False


def alarm(what):
    if ARMED:
        print("HOSTILE-CALLED " + what)
        print("HOSTILE-CALLED " + what, file=sys.stderr)
        raise RuntimeError("memview called " + what)


class Hostile:
    def __init__(self):
        self.data = [1, 2]
    def __repr__(self): alarm("__repr__"); return "Hostile()"
    def __str__(self): alarm("__str__"); return "Hostile"
    def __eq__(self, other): alarm("__eq__"); return self is other
    def __hash__(self): alarm("__hash__"); return 42
    def __len__(self): alarm("__len__"); return 0
    def __iter__(self): alarm("__iter__"); return iter(())
    def __bool__(self): alarm("__bool__"); return True
    def __sizeof__(self): alarm("__sizeof__"); return 10 ** 6
    def __dir__(self): alarm("__dir__"); return []
    def __getattr__(self, name): alarm("__getattr__ " + name); raise AttributeError(name)
    def __getattribute__(self, name):
        alarm("__getattribute__ " + name)
        return object.__getattribute__(self, name)
    @property
    def prop(self): alarm("property"); return 1
    @property
    def __class__(self): alarm("__class__"); return Hostile


class HList(list):
    def __repr__(self): alarm("HList.__repr__"); return "[]"
    def __len__(self): alarm("HList.__len__"); return 0
    def __iter__(self): alarm("HList.__iter__"); return iter(())
    def __getitem__(self, i): alarm("HList.__getitem__"); return None


class HDict(dict):
    def __iter__(self): alarm("HDict.__iter__"); return iter(())
    def keys(self): alarm("HDict.keys"); return []
    def items(self): alarm("HDict.items"); return []
    def __getitem__(self, k): alarm("HDict.__getitem__"); return None


class Meta(type):
    def __getattribute__(cls, name):
        alarm("Meta.__getattribute__ " + name)
        return type.__getattribute__(cls, name)
    def __repr__(cls): alarm("Meta.__repr__"); return "Meta"


class WithMeta(metaclass=Meta):
    x = 1


h = Hostile()
hl = HList([h, 2])
hd = HDict(k=h)
d = {h: "value"}      # __hash__ runs here, before ARMED
m = WithMeta
mi = WithMeta()
ARMED = True
n = 0
n += 1
n += 2
print("end", n)
