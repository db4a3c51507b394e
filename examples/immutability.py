# Immutability: str and tuple objects never change after they are made.
#
# A "change" to an immutable value really builds a NEW object; the old one
# is still there, unchanged, for every name that refers to it.

s = "hello"
t = s                 # two names, one str
u = s.upper()         # upper() returns a new str; s is untouched

print("s:", s, "u:", u)
print("u is s:", u is s)      # False: a new object
print("t is s:", t is s)      # True: t still names the original

s = s + "!"           # rebinds s to a new str; t keeps the old one
print("s:", s, "t:", t)

point = (1, 2)
try:
    point[0] = 10     # tuples do not support item assignment
except TypeError as err:
    print("TypeError:", err)

moved = (10,) + point[1:]     # build a new tuple instead
print("point:", point, "moved:", moved)
