/* Embedding: start one interpreter configured as `python3 PROGRAM ARGS...`
 * would be, run the program under the tracer, report how it ended, and
 * finalise. Contract in pyrun.h.
 *
 * The allocator hooks (hooks.c) are installed after pre-initialisation and
 * before initialisation, so every arena and every block the program frees
 * is seen: memview's identity table forgets the object at that address (a
 * later object there gets a new ref), and the step's memory events are
 * recorded. The collector watch (gcwatch.c) is in gc.callbacks while the
 * program runs. */
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcwatch.h"
#include "hooks.h"
#include "pyrun.h"
#include "tracer.h"

#ifndef MV_PYTHON_EXE
#define MV_PYTHON_EXE ""
#endif

/* ---- helpers ---- */

const char *
mv_py_build_version(void)
{
    return PY_VERSION;
}

static void
set_error(mv_run_result *res, const char *what, PyStatus *ps)
{
    snprintf(res->error, sizeof res->error, "%s%s%s", what, ps && ps->err_msg ? ": " : "",
             ps && ps->err_msg ? ps->err_msg : "");
}

/* Absolute form of path, as python makes __file__ (no symlink resolution). */
static char *
abs_path(const char *path)
{
    if (path[0] == '/')
        return mv_strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return mv_strdup(path);
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *s = mv_malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", cwd, path);
    return s;
}

/* The folder python puts at sys.path[0]: the script's real folder. */
static char *
script_dir(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return NULL;
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    char *d = mv_strdup(real);
    free(real);
    return d;
}

static int
exit_code_of_systemexit(PyObject *value)
{
    /* as python's handling of SystemExit: None -> 0, int -> it, else print */
    PyObject *code = NULL;
    if (value && PyExceptionInstance_Check(value))
        code = PyObject_GetAttrString(value, "code");
    else if (value) {
        Py_INCREF(value);
        code = value;
    }
    if (!code) {
        PyErr_Clear();
        return 0;
    }
    int rc = 0;
    if (code == Py_None) {
        rc = 0;
    } else if (PyLong_Check(code)) {
        rc = (int)PyLong_AsLong(code);
        if (rc == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            rc = 1;
        }
    } else {
        PyObject *err = PySys_GetObject("stderr");
        if (err && err != Py_None) {
            if (PyFile_WriteObject(code, err, Py_PRINT_RAW) == 0)
                PyFile_WriteString("\n", err);
        }
        PyErr_Clear();
        rc = 1;
    }
    Py_DECREF(code);
    return rc;
}

/* "ValueError: bad value" for the trace; runs the exception's __str__ only
 * after the program has ended, as printing its traceback does anyway. */
static void
exception_message(PyObject *type, PyObject *value, char *buf, size_t n)
{
    const char *tname = type && PyType_Check(type) ? ((PyTypeObject *)type)->tp_name : "Exception";
    const char *dot = strrchr(tname, '.');
    if (dot)
        tname = dot + 1;
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    if (text && text[0])
        snprintf(buf, n, "%s: %s", tname, text);
    else
        snprintf(buf, n, "%s", tname);
    Py_XDECREF(s);
    PyErr_Clear();
}

/* ---- run ---- */

static mv_status
run_main(const mv_run_opts *o, mv_trace *tr, mv_run_result *res, const char *absprog)
{
    mv_status st = MV_EPYTHON;
    PyObject *result = NULL;
    mv_tracer *tracer = NULL;

    /* sys.path[0] = the script's folder */
    char *dir = script_dir(o->program);
    PyObject *path = PySys_GetObject("path"); /* borrowed */
    if (dir && path && PyList_Check(path)) {
        PyObject *d = PyUnicode_DecodeFSDefault(dir);
        if (!d || PyList_Insert(path, 0, d) < 0)
            PyErr_Clear();
        Py_XDECREF(d);
    }
    mv_free(dir);

    PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
    PyObject *g = main ? PyModule_GetDict(main) : NULL; /* borrowed */
    if (!g) {
        set_error(res, "cannot create __main__", NULL);
        goto out;
    }
    PyObject *file = PyUnicode_DecodeFSDefault(absprog);
    if (!file || PyDict_SetItemString(g, "__file__", file) < 0 ||
        PyDict_SetItemString(g, "__cached__", Py_None) < 0) {
        Py_XDECREF(file);
        set_error(res, "cannot set __file__", NULL);
        goto out;
    }
    Py_DECREF(file);

    /* Run as python's own main does (PyRun_FileExFlags): the parsed tree,
     * which holds a reference to every literal, stays alive while the
     * module runs, so reference counts match `python3 PROGRAM`. */
    FILE *fp = fopen(o->program, "rb");
    if (!fp) {
        set_error(res, "cannot open the program", NULL);
        goto out;
    }
    if ((st = mv_tracer_new(tr, absprog, &tracer)) != MV_OK ||
        (st = mv_tracer_start(tracer)) != MV_OK) {
        fclose(fp);
        set_error(res, "cannot start the tracer", NULL);
        goto out;
    }
    mv_hooks_want_pools(!o->pools ? -1 : o->pools_step < 0 ? -2 : o->pools_step,
                        o->pools ? o->pools_line : 0);
    mv_hooks_attach(tr);
    mv_gcwatch_start(tr);
    result = PyRun_FileExFlags(fp, absprog, Py_file_input, g, g, 1, NULL);
    mv_hooks_finish();
    mv_gcwatch_stop();
    mv_hooks_attach(NULL);
    mv_tracer_stop(tracer);
    res->compiled = true;
    if (!result && mv_trace_nsteps(tr) == 0 && PyErr_ExceptionMatches(PyExc_SyntaxError)) {
        /* the program never started: reported exactly as python reports it */
        PyErr_Print();
        res->compiled = false;
        res->exit_code = 1;
        res->end = MV_END_EXCEPTION;
        mv_trace_set_end(tr, MV_END_EXCEPTION, 1, "SyntaxError");
        st = MV_OK;
        goto out;
    }

    st = MV_OK;
    if (result) {
        res->exit_code = 0;
        res->end = mv_tracer_hit_limit(tracer) ? MV_END_LIMIT : MV_END_OK;
        mv_trace_set_end(tr, res->end, 0, "");
    } else if (mv_tracer_hit_limit(tracer)) {
        PyErr_Clear();
        res->exit_code = 124;
        res->end = MV_END_LIMIT;
        mv_trace_set_end(tr, MV_END_LIMIT, 124, "step limit reached");
    } else if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyErr_NormalizeException(&et, &ev, &tb);
        res->exit_code = exit_code_of_systemexit(ev);
        Py_XDECREF(et);
        Py_XDECREF(ev);
        Py_XDECREF(tb);
        res->end = MV_END_EXIT;
        char msg[64];
        snprintf(msg, sizeof msg, "sys.exit(%d)", res->exit_code);
        mv_trace_set_end(tr, MV_END_EXIT, res->exit_code, msg);
    } else {
        bool interrupt = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyErr_NormalizeException(&et, &ev, &tb);
        char msg[512];
        exception_message(et, ev, msg, sizeof msg);
        if (tb && ev)
            PyException_SetTraceback(ev, tb);
        PyErr_Restore(et, ev, tb);
        PyErr_Print();
        res->exit_code = interrupt ? 130 : 1;
        res->end = interrupt ? MV_END_INTERRUPT : MV_END_EXCEPTION;
        mv_trace_set_end(tr, res->end, res->exit_code, msg);
    }
    if (mv_tracer_error(tracer) != MV_OK) {
        st = mv_tracer_error(tracer);
        set_error(res, "recording stopped early: out of memory", NULL);
    }
out:
    mv_hooks_attach(NULL);
    Py_XDECREF(result);
    mv_tracer_free(tracer);
    return st;
}

mv_status
mv_py_run(const mv_run_opts *o, mv_trace *tr, mv_run_result *res)
{
    memset(res, 0, sizeof *res);
    res->end = MV_END_RUNNING;
    PyStatus ps;
    PyPreConfig pre;
    PyPreConfig_InitPythonConfig(&pre);
    ps = Py_PreInitialize(&pre);
    if (PyStatus_Exception(ps)) {
        set_error(res, "cannot pre-initialise Python", &ps);
        return MV_EPYTHON;
    }
    mv_hooks_install();

    PyConfig cfg;
    PyConfig_InitPythonConfig(&cfg);
    cfg.parse_argv = 0;
    /* sys.executable: the interpreter memview was built against, so that
     * subprocess.run([sys.executable, ...]) in the program works */
    const char *exe = MV_PYTHON_EXE[0] && access(MV_PYTHON_EXE, X_OK) == 0 ? MV_PYTHON_EXE : o->argv0;
    ps = PyConfig_SetBytesString(&cfg, &cfg.program_name, exe);
    if (!PyStatus_Exception(ps))
        ps = PyConfig_SetBytesArgv(&cfg, o->argc, o->argv);
    if (!PyStatus_Exception(ps))
        ps = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(ps)) {
        set_error(res, "cannot initialise Python", &ps);
        return MV_EPYTHON;
    }
    if (Py_Version >> 16 != PY_VERSION_HEX >> 16) {
        snprintf(res->error, sizeof res->error,
                 "built for Python %s but loaded %s", PY_VERSION, Py_GetVersion());
        Py_FinalizeEx();
        return MV_EPYTHON;
    }
    mv_trace_set_python(tr, PY_VERSION);
    char *absprog = abs_path(o->program);
    if (!absprog)
        return MV_ENOMEM;
    mv_trace_set_program(tr, absprog);
    mv_status st = run_main(o, tr, res, absprog);
    mv_free(absprog);
    res->forked_child = mv_tracer_forked_child();
    if (Py_FinalizeEx() < 0 && res->exit_code == 0)
        res->exit_code = 120; /* as python: flushing stdout failed */
    return st;
}
