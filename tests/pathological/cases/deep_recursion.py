# 3,000 nested calls: every frame is on memview's stack picture.
import sys
sys.setrecursionlimit(10000)

def down(n):
    if n == 0:
        return 0
    return down(n - 1) + 1

print(down(3000))
