# Block sizes: an object whose sys.getsizeof is its whole allocation (ints,
# floats, strs, bytes, tuples) sits in a block of getsizeof rounded up to 16.
import sys

values = [10 ** 20, 2.5, "hello world", "é" * 7, b"bytes!", (1, 2, 3), 12345678]
sizes = [sys.getsizeof(v) for v in values]
print("SIZES", sizes)
done = True
