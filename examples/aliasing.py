# Aliasing: a name is a label on an object, not a box that holds a copy.
#
# `y = x` does not copy the list. It puts a second label on the same list,
# so a change made through `y` is visible through `x` too.

x = [1, 2, 3]
y = x               # a second name for the SAME list: no copy is made

print("x is y:", x is y)          # True: one object, two names
print("same id:", id(x) == id(y))

y.append(4)         # mutate the list through the name y ...
print("x:", x)      # ... and x sees it, because x names the same list
print("y:", y)

# A real copy is a different object with equal contents.
z = list(x)
print("z == x:", z == x, " z is x:", z is x)   # True, False
z.append(5)
print("x after z.append(5):", x)               # unchanged
