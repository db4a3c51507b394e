# Memory pools: where small objects live.
#
# CPython's allocator (pymalloc) serves objects of up to 512 bytes from
# 16-byte size classes. Blocks of one size class share a 16 KiB pool, and
# pools sit inside 1 MiB arenas. Freed blocks are reused by later objects.

import sys

blocks_before = sys.getallocatedblocks()

# Many small objects: 2000 tiny lists of one int each.
small = [[i] for i in range(2000)]
blocks_with_lists = sys.getallocatedblocks()
print("created 2000 small lists:", blocks_with_lists > blocks_before)
print("size of one small list:", sys.getsizeof(small[0]), "bytes")

del small                      # drop them all: their blocks become free
blocks_after_del = sys.getallocatedblocks()
print("blocks released:", blocks_after_del < blocks_with_lists)

# New objects of the same size class reuse the freed blocks.
again = [[i] for i in range(2000)]
print("created them again:", len(again))
keep = again[:3]
del again
print("kept:", keep)
# The block counts depend on the interpreter's state: drop them now.
del blocks_before, blocks_with_lists, blocks_after_del
