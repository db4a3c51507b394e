/* Running a program under the embedded interpreter while recording it.
 * This header is free of Python.h so the CLI does not depend on it. */
#ifndef MV_PY_PYRUN_H
#define MV_PY_PYRUN_H

#include "../core/trace.h"

typedef struct mv_run_opts {
    const char *argv0;   /* memview's own argv[0] */
    const char *program; /* the program's path as given */
    const char *source;  /* its bytes (read by the caller), NUL-terminated */
    size_t source_len;
    int argc;            /* the program's argv: argv[0] is the program path */
    char **argv;
    bool pools;          /* record the pool view of one step (-f pools): */
    int64_t pools_step;  /*   this step, or the last one when < 0, */
    uint32_t pools_line; /*   or the first step at this line when not 0 */
} mv_run_opts;

typedef struct mv_run_result {
    int exit_code;  /* the code the program's process would exit with */
    mv_end end;     /* also recorded in the trace */
    bool compiled;  /* false: SyntaxError (reported on stderr by Python) */
    bool forked_child; /* this is a child the program forked: write nothing */
    char error[256];/* why memview itself failed, when the status is not OK */
} mv_run_result;

/* Initialise the interpreter, run the program recording into tr, finalise.
 * Python writes the program's own output and tracebacks (as python would);
 * memview's library prints nothing. Returns MV_OK when the program ran (in
 * whatever way it ended: see res->end), MV_EPYTHON when the interpreter
 * could not start (res->error says why), MV_ENOMEM when recording ran out of
 * memory (the trace keeps what was recorded). */
mv_status mv_py_run(const mv_run_opts *o, mv_trace *tr, mv_run_result *res);

/* Version of the interpreter memview was built against ("3.11.7"). */
const char *mv_py_build_version(void);

#endif
