# The free of an object is recorded at the step where its finalizer's
# output first appears: weakref.finalize runs exactly when the object dies.
import weakref


class Thing:
    pass


obj = Thing()
weakref.finalize(obj, print, "freed")
print("before")
obj = None
print("after")
