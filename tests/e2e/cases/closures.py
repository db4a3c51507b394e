# A closure: inc's free variables (count, log) live in cells shared with the
# function that made it; log is the caller's own list.
# mv: at-here
# mv: frames <module> inc
# mv: value inc:count 1
# mv: same inc:log history
# mv: nitems history 1
# mv: value history[0] 1
# mv: type counter function
# mv: value counter "inc()"


def make_counter(log):
    count = 0

    def inc():
        nonlocal count
        count += 1
        log.append(count)
        return count  # @here

    return inc


history = []
counter = make_counter(history)
counter()
counter()
print(history)
