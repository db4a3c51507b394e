# The call stack: one frame per active call, each with its own local names.
#
# Arguments are references to the caller's objects: `total` below receives
# the caller's list itself, not a copy. Recursion stacks up frames of the
# same function, each with its own `n`.

def total(numbers):
    result = 0
    for n in numbers:
        result += n
    return result


def report(label, numbers):
    s = total(numbers)          # `numbers` is the caller's list
    print(label, s)
    return s


def countdown(n):
    if n == 0:
        print("bottom of the recursion")   # 4 frames of countdown here
        return 0
    return 1 + countdown(n - 1)


data = [1, 2, 3]
report("sum:", data)
depth = countdown(3)            # countdown(3) -> (2) -> (1) -> (0)
print("depth:", depth)
