# A float parked on the float free list and its address taken by the next
# float within one step: the old object's free is reported as "reused".
k = 3.0
a = k * 1.5
a = None; b = k * 2.5
print(id(b))
done = True
