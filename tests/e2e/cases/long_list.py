# Big containers are cut at --max-items (default 100); the rest is counted in
# `hidden`.
# mv: nitems big 100
# mv: hidden big 900
# mv: value big[0] 0
# mv: value big[99] 99
# mv: immortal big[99]
# mv: nitems tup 100
# mv: hidden tup 50
# mv: value tup[0] 1000
# mv: nentries d 100
# mv: hidden d 200
# mv: nitems small 3
# mv: hidden small 0

big = list(range(1000))
tup = tuple(range(1000, 1150))
d = {i: -i for i in range(300)}
small = [1, 2, 3]
print(len(big), len(tup), len(d))
