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

/* Install / remove the trace function and the stdout tee (GIL held). */
mv_status mv_tracer_start(mv_tracer *t);
void mv_tracer_stop(mv_tracer *t);

/* The exception type raised into the program when the step limit is hit. */
PyObject *mv_tracer_limit_exc(mv_tracer *t);
bool mv_tracer_hit_limit(const mv_tracer *t);
/* First recording failure (MV_ENOMEM ...), MV_OK otherwise. */
mv_status mv_tracer_error(const mv_tracer *t);

#endif
