/* The collector watch: every collection becomes a GC event of the trace.
 * How it works and what the program can see of it: the top of gcwatch.c. */
#ifndef MV_PY_GCWATCH_H
#define MV_PY_GCWATCH_H

#include <Python.h>

#include "../core/trace.h"

/* Put memview's callback in gc.callbacks (GIL held). MV_EPYTHON if the gc
 * module or its list cannot be had (then no collection is reported). */
mv_status mv_gcwatch_start(mv_trace *tr);
/* Take it out again (whatever the program did to the list meanwhile). */
void mv_gcwatch_stop(void);

#endif
