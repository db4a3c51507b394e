# Copies: which copy shares the inner objects, and which does not.
#
# A slice and copy.copy make a NEW outer list whose elements are the SAME
# inner lists ("shallow copy"). copy.deepcopy copies the inner lists too.

import copy

grid = [[1, 2], [3, 4]]

sliced = grid[:]               # shallow: new outer list, shared rows
shallow = copy.copy(grid)      # shallow as well
deep = copy.deepcopy(grid)     # deep: new outer list AND new rows

print("sliced is grid:", sliced is grid)              # False: new outer list
print("sliced[0] is grid[0]:", sliced[0] is grid[0])  # True: shared row
print("shallow[0] is grid[0]:", shallow[0] is grid[0])  # True
print("deep[0] is grid[0]:", deep[0] is grid[0])      # False: row copied

grid[0].append(99)   # mutate a row through the original
print("grid:", grid)
print("sliced:", sliced)     # sees 99: same row object
print("shallow:", shallow)   # sees 99
print("deep:", deep)         # unchanged: it has its own rows
