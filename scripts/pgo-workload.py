# Training workload of the profile-guided build (scripts/pgo-train.sh): the
# kinds of code people step through, at a size where recording each step is
# what the profile sees: calls and recursion, lists and dicts growing and
# shrinking, instances linked to each other, strings, floats, tuples, sets,
# an exception caught, a generator. Not a benchmark (see bench/).


class Node:
    def __init__(self, value, next=None):
        self.value = value
        self.next = next


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def words(text):
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts


def squares(n):
    for i in range(n):
        yield i * i


def average(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def build_list(n):
    head = None
    for i in range(n):
        head = Node(i, head)
    return head


def rounds(n):
    seen = set()
    pairs = []
    text = "the quick brown fox jumps over the lazy dog the end"
    for r in range(n):
        nums = [r, r + 1, r + 2]
        nums.append(r * 3)
        copy = nums[:]
        copy.pop()
        point = (r, r * 0.5)
        seen.add(point[0] % 7)
        name = "item-" + str(r)
        pairs.append((name, copy))
        if len(pairs) > 5:
            pairs.pop(0)
        try:
            ratio = 10 / (r % 4)
        except ZeroDivisionError:
            ratio = 0.0
        counts = words(text)
        label = name.upper() if counts["the"] > 2 else name
    return seen, pairs, ratio, label


print(fib(16))
print(sum(squares(300)))
print(average([x * 0.25 for x in range(200)]))
node = build_list(300)
print(node.value)
print(rounds(400)[0])
