# A 10 MB string and a 100,000-digit int: values are cut, lengths stated.
s = "ab" * 5_000_000
n = 7 ** 120_000
print(len(s), n.bit_length())
