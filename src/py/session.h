/* memview inside a running interpreter: the engine of the extension module
 * (src/pyext/), over the same capture and tracer as `memview run`.
 *
 *   snapshot   one step: the caller's frames, one namespace, or given
 *              objects, recorded into a new one-step trace.
 *   recording  a block of code (a `with` block's frame, or one call) traced
 *              step by step into a trace, as `memview run` does.
 *
 * What memview's own call holds must not show (docs/python-api.md):
 * memview's frames are skipped, and the references its call holds (the
 * arguments on the caller's stack, a locals() dict made for it) are
 * subtracted from the counts. Where memview cannot know something from
 * inside a running program (it started late, another tool is tracing or
 * hooking the allocator, it was called indirectly) it adds a note saying so
 * instead of guessing. Everything here runs with the GIL held. */
#ifndef MV_PY_SESSION_H
#define MV_PY_SESSION_H

#include <Python.h>
#include <frameobject.h>

#include "../core/trace.h"
#include "capture.h"

/* ---- notes: plain sentences about the limits of one result ---- */

typedef struct mv_notes {
    char **v;
    uint32_t n, cap;
} mv_notes;

void mv_notes_add(mv_notes *ns, const char *fmt, ...) MV_PRINTF(2, 3);
void mv_notes_release(mv_notes *ns);
/* Copy of src appended to dst. MV_ENOMEM. */
mv_status mv_notes_copy(mv_notes *dst, const mv_notes *src);
/* `"notes":[...]` (no leading comma) appended to out. */
void mv_notes_json(const mv_notes *ns, mv_buf *out);
/* A JSON document (an object) with `"notes":[...]` added as its last member. */
mv_status mv_notes_splice_json(const mv_notes *ns, mv_buf *doc);

/* ---- configuration from the Python package ---- */

/* Files whose path starts with one of `library` are library code (the
 * standard library, site-packages): the walk outward from the caller stops
 * at the first such frame. Frames of files starting with one of `own`
 * (memview's package) are skipped. Lists of str; copied. MV_ENOMEM,
 * MV_EINVAL (not lists of str, Python error set). */
mv_status mv_session_configure(PyObject *library, PyObject *own);

/* ---- snapshots ---- */

typedef struct mv_snap_req {
    PyFrameObject *caller;        /* borrowed: the frame that called memview; required */
    PyObject *const *call_args;   /* everything memview's call received (positional and
                                     keyword values), as received: their references
                                     are subtracted when they sit on caller's stack */
    size_t ncall_args;
    PyObject *const *objs;        /* objects to show (as names), or none */
    size_t nobjs;
    PyObject *labels;             /* list of str naming objs, or NULL: each is named
                                     after a name of the caller bound to it */
    PyObject *ns;                 /* a namespace dict to show as one frame, or NULL */
    mv_capture_opts copts;        /* names to hide (IPython's own) */
} mv_snap_req;

/* Record one step of what rq asks into a new trace (*out, freed by the
 * caller with mv_trace_free), with notes on its limits appended to notes.
 * Without objs or ns: the caller's frame and its callers outward up to the
 * first library frame (memview's own skipped). A namespace that is the
 * caller's own locals()/globals() shows the caller's frame itself.
 * MV_ENOMEM, MV_EPYTHON (a Python error is set). */
mv_status mv_session_snapshot(const mv_snap_req *rq, const mv_limits *lim, mv_trace **out,
                              mv_notes *notes);

/* d is f's own namespace: its globals(), or what locals() returned in it
 * (held: references the call holds to d, used to recognise the new dict
 * locals() makes on 3.13). */
bool mv_session_is_namespace_of(PyFrameObject *f, PyObject *d, int64_t held);

/* args (what a C function received) lies in caller's value stack: the
 * function was called from caller's bytecode, each slot one reference. */
bool mv_session_args_on_stack(PyFrameObject *caller, PyObject *const *args);

/* ---- recordings ---- */

typedef struct mv_rec_opts {
    PyFrameObject *root;              /* borrowed: a running frame to adopt (a `with`
                                         block's), or NULL (a call made after start) */
    const char *const *user_files;    /* user code: these files ... */
    uint32_t nuser_files;
    const char *const *user_prefixes; /* ... and files starting with these */
    uint32_t nuser_prefixes;
    bool no_tee;                      /* do not capture sys.stdout */
    mv_capture_opts copts;            /* hidden names and values */
    PyObject *const *held;            /* objects memview's call holds one more reference
                                         to while recording (trace_call's arguments) */
    size_t nheld;
} mv_rec_opts;

typedef struct mv_recording mv_recording;

/* Start recording in this thread. Saves the trace function in place (a
 * debugger's, coverage's) and restores it at stop. MV_EINVAL when memview
 * is already recording (Python error set), MV_ENOMEM, MV_EPYTHON. */
mv_status mv_recording_start(const mv_rec_opts *o, const mv_limits *lim, mv_recording **out);
/* Stop (idempotent): remove the tracer, restore what was there, fill the
 * sources of the files seen, record how it ended. */
void mv_recording_stop(mv_recording *r, mv_end end, int exit_code, const char *message);
bool mv_recording_running(const mv_recording *r);
/* The trace (owned by r) and the notes gathered at start and stop. */
const mv_trace *mv_recording_trace(const mv_recording *r);
const mv_notes *mv_recording_notes(const mv_recording *r);
/* Frees r, stopping it first if needed. NULL is fine. */
void mv_recording_free(mv_recording *r);

/* ---- helpers shared with the extension ---- */

/* Add the text of every file a frame of tr names (from disk or, for code
 * without a file such as notebook cells, from linecache) that tr lacks.
 * Runs Python code (linecache): call it after recording. */
void mv_session_add_sources(mv_trace *tr);

#endif
