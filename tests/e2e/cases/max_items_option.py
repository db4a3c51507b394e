# --max-items 5 cuts a 20-element list to 5 recorded items, 15 hidden.
# mv: args --max-items 5
# mv: nitems lst 5
# mv: hidden lst 15
# mv: value lst[4] 4
# mv: nitems short 5
# mv: hidden short 0

lst = list(range(20))
short = [0, 1, 2, 3, 4]
print(len(lst))
