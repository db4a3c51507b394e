# Run with PYTHONMALLOC=malloc: memview must say the allocator is malloc and
# show no pool, never a wrong picture.
values = [1000, 2000, "text" * 3]
t = (1.5, 2.5)
done = True
