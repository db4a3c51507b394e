# A function's return step shows the value it returns under the pseudo-name
# "<return>": the very object the caller then holds. Generators yield through
# the same event, so their frames show no "<return>".
def make(n):
    out = [n] * 3
    return out


def nothing():
    x = 1


def gen():
    yield [7]


r = make(5)
print("RET", id(r))
nothing()
list(gen())
