# Truth program: objects seen from inside function frames (arguments that are the
# caller's objects, locals, a closure's free variable, recursion).
import json
import sys


def inner(arg, items):
    local_list = [arg, items]
    local_dict = {"x": arg}
    built = "".join(["ab", "cd"])
    print("FACTS inner", json.dumps({"frame": "inner", "objs": {
        "arg": {"id": id(arg), "rc": sys.getrefcount(arg), "size": sys.getsizeof(arg), "type": type(arg).__qualname__},
        "items": {"id": id(items), "rc": sys.getrefcount(items), "size": sys.getsizeof(items), "type": type(items).__qualname__},
        "local_list": {"id": id(local_list), "rc": sys.getrefcount(local_list), "size": sys.getsizeof(local_list), "type": type(local_list).__qualname__},
        "local_list[1]": {"id": id(local_list[1]), "rc": sys.getrefcount(local_list[1]), "size": sys.getsizeof(local_list[1]), "type": type(local_list[1]).__qualname__},
        "local_dict": {"id": id(local_dict), "rc": sys.getrefcount(local_dict), "size": sys.getsizeof(local_dict), "type": type(local_dict).__qualname__},
        "built": {"id": id(built), "rc": sys.getrefcount(built), "size": sys.getsizeof(built), "type": type(built).__qualname__},
    }}))
    mark = 1  # @check inner
    return local_list


def rec(n, acc):
    acc.append(n)
    if n == 0:
        print("FACTS rec", json.dumps({"frame": "rec", "objs": {
            "acc": {"id": id(acc), "rc": sys.getrefcount(acc), "size": sys.getsizeof(acc), "type": type(acc).__qualname__},
            "n": {"id": id(n), "rc": sys.getrefcount(n), "size": sys.getsizeof(n), "type": type(n).__qualname__, "static": True},
        }}))
        mark = 1  # @check rec
        return acc
    return rec(n - 1, acc)


def outer():
    cell_val = [1, 2, 3, 4]

    def clo():
        v = cell_val
        print("FACTS clo", json.dumps({"frame": "clo", "objs": {
            "cell_val": {"id": id(cell_val), "rc": sys.getrefcount(cell_val), "size": sys.getsizeof(cell_val), "type": type(cell_val).__qualname__},
            "v": {"id": id(v), "rc": sys.getrefcount(v), "size": sys.getsizeof(v), "type": type(v).__qualname__},
        }}))
        mark = 1  # @check clo
        return v

    return clo()


data = [1, 2]
name = "module " + "string" * 2
kept = inner(name, data)
acc = rec(3, [])
got = outer()
print("done", len(kept), len(acc), len(got))
