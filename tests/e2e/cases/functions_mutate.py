# A function that mutates its argument: the parameter and the caller's name are
# two references to one list.
# mv: at-here
# mv: frames <module> mutate
# mv: same mutate:items lst
# mv: refcount lst 2
# mv: nitems lst 4
# mv: value lst[3] 4
# mv: absent result


def mutate(items):
    items.append(4)
    done = True  # @here
    return done


lst = [1, 2, 3]
result = mutate(lst)
print(lst, result)
