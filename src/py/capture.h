/* Capture: at one step, walk the user frames and every object reachable from
 * their names, and record them into the trace model.
 *
 * Rules (DESIGN.md, "Observation does not perturb"): no user code runs (no
 * repr/eq/hash/getattr/sizeof of anything that is not an exact builtin
 * implementation), no __dict__ or f_locals is created, and no reference is
 * held once mv_capture_step returns. Objects are read structurally through
 * their C layout; the few CPython calls made (sizeof of builtins, int and
 * float formatting) allocate only temporary objects, which are released
 * before the step ends. */
#ifndef MV_PY_CAPTURE_H
#define MV_PY_CAPTURE_H

#include <Python.h>
#include <frameobject.h>

#include "../core/trace.h"

typedef struct mv_capture mv_capture;

/* A user frame as the tracer sees it (outermost first). */
typedef struct mv_cframe {
    PyFrameObject *frame; /* borrowed: alive while the call is active */
    uint64_t serial;      /* distinct per call */
    uint32_t function;    /* string id of the qualified name */
    uint32_t file;        /* string id of co_filename */
    uint32_t line;        /* line about to run / of the call in progress */
    int is_module;        /* module-level frame: filter interpreter dunders */
} mv_cframe;

mv_status mv_capture_new(mv_trace *tr, mv_capture **out);
void mv_capture_free(mv_capture *c);

/* Record one step. MV_ELIMIT when the trace's step limit is reached (nothing
 * recorded), MV_ENOMEM. Must be called with the GIL held and with no Python
 * exception pending (the tracer saves and restores any). */
mv_status mv_capture_step(mv_capture *c, mv_event ev, const mv_cframe *frames, uint32_t n,
                          size_t stdout_len);

/* String id for a Python str (its text, lone surrogates as WTF-8). */
uint32_t mv_capture_str_id(mv_capture *c, PyObject *s);

#endif
