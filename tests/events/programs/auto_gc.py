# Automatic collections (not asked for by the program) are recorded: the
# program counts the collections its own gc.callbacks function sees.
import gc

seen = []


def count(phase, info):
    if phase == "stop":
        seen.append(info["generation"])


gc.callbacks.append(count)
keep = []
for i in range(3000):
    keep.append([i])
gc.callbacks.remove(count)
print("COLLECTIONS", len(seen))
done = True
