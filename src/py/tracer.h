/* The tracer: turns interpreter events into recorded steps.
 *
 * One tracer is active at a time (the trace function has no context
 * argument that survives every version, so `active` is a global protected
 * by the GIL). It keeps a shadow stack of the user frames (program file and
 * modules under its folder); other frames get their line events switched
 * off and are never shown. */
#ifndef MV_PY_TRACER_H
#define MV_PY_TRACER_H

#include <Python.h>

#include "../core/trace.h"

typedef struct mv_tracer mv_tracer;

/* program_abs: absolute path of the program (its co_filename). */
mv_status mv_tracer_new(mv_trace *tr, const char *program_abs, mv_tracer **out);
void mv_tracer_free(mv_tracer *t);

/* Inside a running program (session.c), user code is chosen by the caller
 * instead of "the program's folder". */
typedef struct mv_tracer_opts {
    const char *const *user_files;    /* co_filename equal to one of these ... */
    uint32_t nuser_files;
    const char *const *user_prefixes; /* ... or starting with one of these is user code */
    uint32_t nuser_prefixes;
    bool no_tee;        /* leave sys.stdout alone */
    bool keep_running;  /* at the step limit stop recording, do not stop the program */
} mv_tracer_opts;

/* As mv_tracer_new, with the user code given by o (strings are copied). */
mv_status mv_tracer_new_ex(mv_trace *tr, const mv_tracer_opts *o, mv_tracer **out);
/* Take f, a frame already running (the frame of a `with` block), as the
 * outermost user frame, as if its call had been seen. Its line events at
 * skip_line (the `with` statement's own line, run again when the block
 * exits) are not recorded; 0 = none. Before mv_tracer_start. MV_ENOMEM. */
mv_status mv_tracer_adopt(mv_tracer *t, PyFrameObject *f, int skip_line);
/* The tracer's capture, to set in-process options on it. */
struct mv_capture *mv_tracer_capture(mv_tracer *t);
/* Some tracer is installed in this process (only one can be). */
bool mv_tracer_is_active(void);

/* Install / remove the trace function and the stdout tee (GIL held). */
mv_status mv_tracer_start(mv_tracer *t);
void mv_tracer_stop(mv_tracer *t);

/* The exception type raised into the program when the step limit is hit. */
PyObject *mv_tracer_limit_exc(mv_tracer *t);
bool mv_tracer_hit_limit(const mv_tracer *t);
/* This process is the child of a fork() made while recording: it stopped
 * recording, and must not write the trace (the parent does). */
bool mv_tracer_forked_child(void);
/* First recording failure (MV_ENOMEM ...), MV_OK otherwise. */
mv_status mv_tracer_error(const mv_tracer *t);

#endif
