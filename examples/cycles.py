# Cycles and the garbage collector.
#
# Reference counting frees an object as soon as nothing refers to it. Two
# objects that refer to each other keep each other's count above zero, so
# after `del` they stay in memory, unreachable, until the cycle collector
# runs and finds them.

import gc


class Person:
    def __init__(self, name):
        self.name = name
        self.friend = None


gc.disable()               # so that no automatic collection happens early
alice = Person("alice")
bob = Person("bob")
alice.friend = bob         # alice -> bob
bob.friend = alice         # bob -> alice: a cycle

del alice, bob             # no names left, but the cycle keeps both alive
found = gc.collect()       # the collector finds and frees the cycle
print("collector found unreachable objects:", found > 0)
gc.enable()
print("done")
