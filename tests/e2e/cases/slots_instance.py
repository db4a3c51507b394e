# Instances of a class with __slots__: attributes come from the slots, an unset
# slot is not an attribute, no __dict__ is created.
# mv: type p Point
# mv: attrnames p x y
# mv: value p.x 1
# mv: same p.y q.y
# mv: refcount p.y 2
# mv: attrnames partial x
# mv: value partial.x 7
# mv: refcount p 1


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


p = Point(1, [2])
q = Point(3, p.y)
partial = Point.__new__(Point)
partial.x = 7
print(hasattr(partial, "y"), hasattr(p, "__dict__"))
