# Truth program: a class renamed while its instances live. The instances are
# the same objects (same id) and their type is now called by the new name,
# whether a name holds them (the binding seen at the last step), a list does,
# or they were out of the picture (held by a function default) at the rename.
import json
import sys


class Point:
    pass


class Label(str):
    pass


def stash(x, box=[]):
    box.append(x)


p = Point()
q = Point()
points = [q, p]
tag = Label("north")
hidden = Point()
stash(hidden)
del hidden
step = 1
Point.__qualname__ = "Vector"
Label.__qualname__ = "Tag"
step = 2
back = stash.__defaults__[0][0]
print("FACTS renamed", json.dumps({"frame": "<module>", "objs": {
    "back": {"id": id(back), "rc": sys.getrefcount(back), "size": sys.getsizeof(back), "type": type(back).__qualname__},
    "p": {"id": id(p), "rc": sys.getrefcount(p), "size": sys.getsizeof(p), "type": type(p).__qualname__},
    "points[0]": {"id": id(points[0]), "rc": sys.getrefcount(points[0]), "size": sys.getsizeof(points[0]), "type": type(points[0]).__qualname__},
    "tag": {"id": id(tag), "rc": sys.getrefcount(tag), "size": sys.getsizeof(tag), "type": type(tag).__qualname__},
}}))
mark = 1  # @check renamed
