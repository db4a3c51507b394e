# Truth program: a class renamed while its instances live. The instances are
# the same objects (same id) and their type is now called by the new name,
# whether a name holds them (the binding seen at the last step) or a list does.
import json
import sys


class Point:
    pass


class Label(str):
    pass


p = Point()
q = Point()
points = [q, p]
tag = Label("north")
step = 1
Point.__qualname__ = "Vector"
Label.__qualname__ = "Tag"
step = 2
print("FACTS renamed", json.dumps({"frame": "<module>", "objs": {
    "p": {"id": id(p), "rc": sys.getrefcount(p), "size": sys.getsizeof(p), "type": type(p).__qualname__},
    "points[0]": {"id": id(points[0]), "rc": sys.getrefcount(points[0]), "size": sys.getsizeof(points[0]), "type": type(points[0]).__qualname__},
    "tag": {"id": id(tag), "rc": sys.getrefcount(tag), "size": sys.getsizeof(tag), "type": type(tag).__qualname__},
}}))
mark = 1  # @check renamed
