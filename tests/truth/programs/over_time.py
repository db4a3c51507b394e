# Truth program: the same objects measured at several steps while they change
# (growth, aliases added and removed, a non-ASCII str observed for many steps).
import json
import sys

lst = []
u = "gr\u00fc\u00dfe \u2603"
print("FACTS empty", json.dumps({"frame": "<module>", "objs": {
    "lst": {"id": id(lst), "rc": sys.getrefcount(lst), "size": sys.getsizeof(lst), "type": type(lst).__qualname__},
    "u": {"id": id(u), "rc": sys.getrefcount(u), "size": sys.getsizeof(u), "type": type(u).__qualname__},
}}))
mark = 1  # @check empty
for i in range(10):
    lst.append([i])
alias = lst
table = {}
for k in range(20):
    table[str(k)] = lst
print("FACTS grown", json.dumps({"frame": "<module>", "objs": {
    "lst": {"id": id(lst), "rc": sys.getrefcount(lst), "size": sys.getsizeof(lst), "type": type(lst).__qualname__},
    "lst[9]": {"id": id(lst[9]), "rc": sys.getrefcount(lst[9]), "size": sys.getsizeof(lst[9]), "type": type(lst[9]).__qualname__},
    "table": {"id": id(table), "rc": sys.getrefcount(table), "size": sys.getsizeof(table), "type": type(table).__qualname__},
    "u": {"id": id(u), "rc": sys.getrefcount(u), "size": sys.getsizeof(u), "type": type(u).__qualname__},
}}))
mark = 2  # @check grown
del alias
table.clear()
lst.clear()
print("FACTS shrunk", json.dumps({"frame": "<module>", "objs": {
    "lst": {"id": id(lst), "rc": sys.getrefcount(lst), "size": sys.getsizeof(lst), "type": type(lst).__qualname__},
    "table": {"id": id(table), "rc": sys.getrefcount(table), "size": sys.getsizeof(table), "type": type(table).__qualname__},
    "u": {"id": id(u), "rc": sys.getrefcount(u), "size": sys.getsizeof(u), "type": type(u).__qualname__},
}}))
mark = 3  # @check shrunk
print("done")
