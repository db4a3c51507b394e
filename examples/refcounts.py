# Reference counts: how many references point at an object.
#
# sys.getrefcount(x) reports one more than you might expect, because its own
# argument is a temporary reference too.

import sys

data = [1, 2, 3]
print("one name:", sys.getrefcount(data) - 1)        # 1

alias = data
print("two names:", sys.getrefcount(data) - 1)       # 2

holder = [data, data]          # a list holding the same object twice
print("plus a list holding it twice:", sys.getrefcount(data) - 1)   # 4

del alias
print("after del alias:", sys.getrefcount(data) - 1)   # 3

holder.clear()
print("after holder.clear():", sys.getrefcount(data) - 1)   # 1

del data                       # the count reaches 0: the list is freed
print("data deleted")
