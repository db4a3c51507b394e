# An exception from deep inside: the trace ends at the exception step.
def f(n):
    if n == 0:
        raise RuntimeError("bottom reached")
    return f(n - 1)

f(200)
