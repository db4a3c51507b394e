# Observing an instance must not create its __dict__: the referents the program
# sees at the end are the same as under plain python (stdout is compared).
# mv: type c C
# mv: attrnames c a b
# mv: value c.a 1
# mv: nitems c.b 1
import gc


class C:
    def __init__(self):
        self.a = 1
        self.b = [2]


c = C()
step1 = 1
step2 = 2
print(sorted(type(r).__name__ for r in gc.get_referents(c)))
