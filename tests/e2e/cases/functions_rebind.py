# A function that rebinds its parameter: the local name moves to a new list, the
# caller's list is untouched.
# mv: at-here
# mv: frames <module> rebind
# mv: differ rebind:items lst
# mv: nitems rebind:items 1
# mv: value rebind:items[0] 0
# mv: refcount rebind:items 1
# mv: refcount lst 1
# mv: nitems lst 3


def rebind(items):
    items = [0]
    items.append(1)  # @here
    return items


lst = [1, 2, 3]
out = rebind(lst)
print(lst, out)
