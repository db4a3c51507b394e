# A million-element list: recorded items are cut at --max-items, the rest counted.
big = list(range(1_000_000))
total = len(big)
print(total)
