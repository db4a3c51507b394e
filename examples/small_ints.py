# Sharing of immutable values: what CPython really shares.
#
# CPython keeps one object for each int from -5 to 256 ("small ints"), so
# every 5 in the program is the same object. Two equal literals compiled in
# the same file are merged into one constant, so the two 257s below are one
# object too. Ints built at run time, like int("257"), are new objects.
# Never rely on this in real code: compare numbers with ==, not with `is`.

x = 5
y = 5
print("x is y (5):", x is y)          # True: the cached small int

a = 257
b = 257
print("a is b (257 literals):", a is b)  # True: one merged constant

c = int("257")
d = int("257")
print("c is d (int('257') twice):", c is d)  # False: two objects
print("c == d:", c == d)                     # True: equal values
print("a is c:", a is c)                     # False
