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
    /* In-process snapshots (session.c) may give a frame without a frame
     * object: its names then come from ns (a dict, borrowed), or from the
     * nnames explicit (names[i], values[i]) pairs (borrowed). */
    PyObject *ns;
    PyObject *const *names;
    PyObject *const *values;
    uint32_t nnames;
    /* At the return step of a function (not a generator): the value it is
     * returning (borrowed, from the trace hook), shown as the pseudo-local
     * "<return>" after its locals; NULL otherwise. */
    PyObject *retval;
} mv_cframe;

mv_status mv_capture_new(mv_trace *tr, mv_capture **out);
void mv_capture_free(mv_capture *c);

/* Record one step. MV_ELIMIT when the trace's step limit is reached (nothing
 * recorded), MV_ENOMEM. Must be called with the GIL held and with no Python
 * exception pending (the tracer saves and restores any). */
/* The next step's frames leave n frames of the stack out (max_frames). */
void mv_capture_set_frames_hidden(mv_capture *c, uint32_t n);

mv_status mv_capture_step(mv_capture *c, mv_event ev, const mv_cframe *frames, uint32_t n,
                          size_t stdout_len);

/* String id for a Python str (its text, lone surrogates as WTF-8). */
uint32_t mv_capture_str_id(mv_capture *c, PyObject *s);

/* ---- inside a running program (session.c) ----
 * What memview's own call holds must not show: names bound to memview's
 * objects are hidden, and the references held by the call (its arguments on
 * the caller's stack, a locals() dict made for it) are subtracted from the
 * counts. None of this is used by `memview run`. */
typedef struct mv_capture_opts {
    PyObject *hide_names;   /* borrowed dict/set of str, or NULL: names not shown in
                               module frames and namespaces (IPython's own) */
    bool hide_private;      /* module frames and namespaces: no names starting with '_' */
    PyObject *const *hide_values; /* borrowed: locals bound to these objects are not shown */
    uint32_t nhide_values;
} mv_capture_opts;

/* Options in effect for the following steps (copied; the objects they point
 * to must stay alive while they are set). opts NULL = none. */
void mv_capture_set_opts(mv_capture *c, const mv_capture_opts *opts);
/* Subtract n from o's shown reference count from now on (n accumulates per
 * object). o is used as an address only. MV_ENOMEM. */
mv_status mv_capture_adjust(mv_capture *c, PyObject *o, int64_t n);
void mv_capture_clear_adjust(mv_capture *c);

#endif
