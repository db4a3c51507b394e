# Huge ints: memview records a cut value and the full digit count, without
# calling repr (which raises beyond 4300 digits in 3.11+).
# mv: type big int
# mv: mortal big
# mv: repr big
# mv: length big 5001
# mv: startswith big "1000000000"
# mv: length neg 5001
# mv: startswith neg "-1000000000"
# mv: repr over
# mv: value over "9007199254740993"
# mv: value small_float 0.1
# mv: repr inf
# mv: value inf "inf"
# mv: value exact_big 4294967296

big = 10 ** 5000
neg = -(10 ** 5000)
over = 2 ** 53 + 1
exact_big = 2 ** 32
small_float = 0.1
inf = float("inf")
print(big.bit_length(), neg.bit_length(), over, exact_big, small_float, inf)
