# gc.callbacks is the program's own list under memview too: memview's watch of
# the collector is not in it, the program's callbacks run in order with the
# same (phase, info), and one that raises is reported as the collector reports
# it, without stopping the others.
# mv: frames <module>
# mv: nitems calls 4
# mv: value calls[0] "start"
# mv: value calls[1] "stop"
import gc


class Loud:
    def __repr__(self):
        return "<the failing callback>"

    def __call__(self, phase, info):
        if phase == "stop":
            raise ValueError("a callback that fails")


calls = []


def record(phase, info):
    calls.append(phase)


print("before:", len(gc.callbacks), gc.callbacks == [])
loud = Loud()
gc.callbacks.append(loud)
gc.callbacks.append(record)
gc.collect()
print("during:", len(gc.callbacks), gc.callbacks[1] is record, calls)
gc.callbacks.remove(loud)
gc.collect()
print("after:", len(gc.callbacks), calls)
gc.callbacks.clear()
gc.collect()
print("cleared:", gc.callbacks, calls)
