# Classes defined inside a class and inside a function: the type shown is the
# __qualname__.
# mv: type o Outer
# mv: type i Outer.Inner
# mv: attrnames i v
# mv: value i.v 1
# mv: type loc make_local.<locals>.Local
# mv: attrnames loc w
# mv: value loc.w "local"


class Outer:
    class Inner:
        def __init__(self):
            self.v = 1

    def make(self):
        return Outer.Inner()


def make_local():
    class Local:
        def __init__(self):
            self.w = "local"
    return Local()


o = Outer()
i = o.make()
loc = make_local()
print(type(i).__qualname__, type(loc).__qualname__)
