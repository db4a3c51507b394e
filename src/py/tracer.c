/* The tracer: interpreter events -> recorded steps; contract in tracer.h.
 *
 * Events (PyEval_SetTrace, the same on 3.11-3.13):
 *   call       user frame: push on the shadow stack, record a `call` step;
 *              other frames: switch their line events off.
 *   line       record a `line` step for the top user frame.
 *   exception  record an `exception` step.
 *   return     with a value: record a `return` step, then pop; when the
 *              frame is left by an exception (arg NULL), pop only: the
 *              exception step already showed that moment.
 * The stdout tee is a small C object put in sys.stdout: print() and
 * sys.stdout.write() pass through it to the real stream unchanged, and the
 * text is appended to the trace so each step knows what was printed. */
#include <Python.h>
#include <pthread.h>
#include <frameobject.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "hooks.h"
#include "internals.h"
#include "tracer.h"

typedef struct codeinfo {
    PyCodeObject *code; /* address only, validated with the fields below */
    PyObject *filename, *qualname;
    int firstlineno;
    bool user, module;
    uint32_t function, file;
    bool gen; /* generator, coroutine: its "return" events are yields too */
} codeinfo;

typedef struct sframe {
    PyFrameObject *frame; /* borrowed: alive between its call and return */
    codeinfo ci;
    uint64_t serial;
    uint32_t line;
    bool raised; /* last event here was an exception (no line since) */
} sframe;

struct mv_tracer {
    mv_trace *tr;
    mv_capture *cap;
    char *userdir;      /* realpath of the program's folder, with a final '/' */
    char *program;      /* absolute path of the program */
    sframe *stack;
    uint32_t nstack, capstack;
    mv_cframe *cframes;
    uint32_t capcframes;
    uint64_t next_serial;
    mv_map codes;       /* code address -> index in infos + 1 */
    codeinfo *infos;
    uint32_t ninfos, capinfos;
    mv_map userfiles;   /* file string id + 1 -> 1 user / 2 not */
    PyObject *limit_exc;/* strong ref, released in free */
    PyObject *tee;      /* strong ref while installed */
    PyObject *orig_stdout; /* strong ref while installed */
    bool limit;
    mv_status error;
    /* in-process use (mv_tracer_new_ex): explicit user files, owned copies */
    char **ufiles, **uprefixes;
    uint32_t nufiles, nuprefixes;
    bool no_tee, keep_running;
    PyFrameObject *root; /* borrowed: the adopted frame, running while traced */
    int skip_line;
};

/* The active tracer; the GIL protects it. */
static mv_tracer *active;

/* Set in the child of a fork(): the recording belongs to the parent (it
 * shares the parent's spill file); the child runs on untraced. */
static volatile bool forked_child;

static void
on_fork_child(void)
{
    forked_child = true;
}

bool
mv_tracer_forked_child(void)
{
    return forked_child;
}

/* ---- stdout tee ---- */

typedef struct {
    PyObject_HEAD
    PyObject *target; /* strong */
} Tee;

static void
tee_dealloc(PyObject *self)
{
    Py_XDECREF(((Tee *)self)->target);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *
tee_write(PyObject *self, PyObject *arg)
{
    Tee *t = (Tee *)self;
    PyObject *r = PyObject_CallMethod(t->target, "write", "O", arg);
    if (r && active && PyUnicode_Check(arg)) {
        mv_hooks_tool_enter(); /* memview's copy: not the program's memory */
        PyObject *b = PyUnicode_AsEncodedString(arg, "utf-8", "surrogatepass");
        if (b) {
            mv_trace_stdout_append(active->tr, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
            Py_DECREF(b);
        } else {
            PyErr_Clear();
        }
        mv_hooks_tool_leave();
    }
    return r;
}

static PyObject *
tee_getattro(PyObject *self, PyObject *name)
{
    PyObject *r = PyObject_GenericGetAttr(self, name);
    if (r || !PyErr_ExceptionMatches(PyExc_AttributeError))
        return r;
    PyErr_Clear();
    return PyObject_GetAttr(((Tee *)self)->target, name);
}

static int
tee_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    return PyObject_SetAttr(((Tee *)self)->target, name, value);
}

static PyMethodDef tee_methods[] = {
    {"write", tee_write, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TeeType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "memview.StdoutTee",
    .tp_basicsize = sizeof(Tee),
    .tp_dealloc = tee_dealloc,
    .tp_getattro = tee_getattro,
    .tp_setattro = tee_setattro,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = tee_methods,
};

/* ---- user code ---- */

static bool
path_is_user(mv_tracer *t, const char *path)
{
    if (!t->userdir) {
        for (uint32_t i = 0; i < t->nufiles; i++)
            if (strcmp(path, t->ufiles[i]) == 0)
                return true;
        for (uint32_t i = 0; i < t->nuprefixes; i++)
            if (strncmp(path, t->uprefixes[i], strlen(t->uprefixes[i])) == 0)
                return true;
        return false;
    }
    if (!path[0] || path[0] == '<')
        return false;
    char *real = realpath(path, NULL);
    if (!real)
        return false;
    size_t n = strlen(t->userdir);
    bool user = strncmp(real, t->userdir, n) == 0 && !strstr(real + n, "site-packages/") &&
                !strstr(real + n, "dist-packages/") && !strstr(real + n, "__pycache__/");
    free(real);
    return user;
}

static void
add_source(mv_tracer *t, uint32_t file, const char *path)
{
    if (mv_trace_has_source(t->tr, file))
        return;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return;
    mv_buf b;
    mv_buf_init(&b);
    b.max = 4u << 20;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && !b.failed)
        mv_buf_append(&b, chunk, n);
    fclose(fp);
    if (!b.failed)
        mv_trace_add_source(t->tr, file, b.data ? b.data : "", b.len);
    mv_buf_release(&b);
}

static const codeinfo *
code_info(mv_tracer *t, PyCodeObject *co)
{
    uint64_t *v = mv_map_get(&t->codes, (uint64_t)(uintptr_t)co);
    if (v) {
        const codeinfo *ci = &t->infos[*v - 1];
        if (ci->filename == co->co_filename && ci->qualname == co->co_qualname &&
            ci->firstlineno == co->co_firstlineno)
            return ci;
    }
    codeinfo ci = {co, co->co_filename, co->co_qualname, co->co_firstlineno, false, false, 0, 0};
    ci.file = mv_capture_str_id(t->cap, co->co_filename);
    ci.function = mv_capture_str_id(t->cap, co->co_qualname);
    if (ci.file == UINT32_MAX || ci.function == UINT32_MAX)
        return NULL;
    uint64_t *u = mv_map_get(&t->userfiles, (uint64_t)ci.file + 1);
    if (u) {
        ci.user = *u == 1;
    } else {
        const char *path = mv_trace_str(t->tr, ci.file, NULL);
        ci.user = path_is_user(t, path);
        if (mv_map_put(&t->userfiles, (uint64_t)ci.file + 1, ci.user ? 1 : 2) != MV_OK)
            return NULL;
        if (ci.user)
            add_source(t, ci.file, path);
    }
    ci.module = !(co->co_flags & CO_OPTIMIZED);
    ci.gen = (co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) != 0;
    if (v) {
        t->infos[*v - 1] = ci;
        return &t->infos[*v - 1];
    }
    if (t->ninfos == t->capinfos) {
        uint32_t cap = t->capinfos ? t->capinfos * 2 : 64;
        codeinfo *p = mv_realloc(t->infos, cap * sizeof *p);
        if (!p)
            return NULL;
        t->infos = p;
        t->capinfos = cap;
    }
    if (mv_map_put(&t->codes, (uint64_t)(uintptr_t)co, (uint64_t)t->ninfos + 1) != MV_OK)
        return NULL;
    t->infos[t->ninfos] = ci;
    return &t->infos[t->ninfos++];
}

/* ---- steps ---- */

/* Record a step. retval: what the innermost frame returns (its return
 * step), or NULL. */
static mv_status
record(mv_tracer *t, mv_event ev, PyObject *retval)
{
    if (t->nstack > t->capcframes) {
        mv_cframe *p = mv_realloc(t->cframes, t->nstack * sizeof *p);
        if (!p)
            return MV_ENOMEM;
        t->cframes = p;
        t->capcframes = t->nstack;
    }
    /* a deep stack keeps its outermost frame and the innermost max - 1:
     * what a learner follows; the frames between are counted, not walked */
    uint32_t max = mv_trace_limits(t->tr)->max_frames;
    uint32_t n = t->nstack, skip = 0;
    if (max >= 2 && n > max)
        skip = n - max;
    for (uint32_t i = 0, j = 0; i < n; i++) {
        if (i >= 1 && i < 1 + skip)
            continue;
        const sframe *s = &t->stack[i];
        t->cframes[j++] = (mv_cframe){s->frame, s->serial, s->ci.function, s->ci.file, s->line,
                                      s->ci.module};
    }
    if (retval && n && !t->stack[n - 1].ci.module && !t->stack[n - 1].ci.gen)
        t->cframes[n - skip - 1].retval = retval;
    mv_capture_set_frames_hidden(t->cap, skip);
    size_t out_len;
    mv_trace_stdout(t->tr, &out_len);
    /* an exception being raised stays as it is (capture clears its own) */
    PyObject *et = NULL, *ev_ = NULL, *tb = NULL;
    bool pending = PyErr_Occurred() != NULL;
    if (pending)
        PyErr_Fetch(&et, &ev_, &tb);
    mv_status st = mv_capture_step(t->cap, ev, t->cframes, n - skip, out_len);
    if (pending)
        PyErr_Restore(et, ev_, tb);
    return st;
}

static int
stop_program(mv_tracer *t)
{
    t->limit = true;
    PyErr_SetString(t->limit_exc, "memview: step limit reached");
    return -1;
}

static int
fail_recording(mv_tracer *t, mv_status st)
{
    if (st == MV_ELIMIT && t->keep_running) {
        /* in-process: the recording ends here, the program goes on */
        t->limit = true;
        PyEval_SetTrace(NULL, NULL);
        return 0;
    }
    if (st == MV_ELIMIT)
        return stop_program(t);
    /* recording failed (out of memory): keep running the program untraced,
     * the trace keeps every step completed so far */
    if (t->error == MV_OK)
        t->error = st;
    PyEval_SetTrace(NULL, NULL);
    return 0;
}

static sframe *
top_for(mv_tracer *t, PyFrameObject *f)
{
    if (t->nstack && t->stack[t->nstack - 1].frame == f)
        return &t->stack[t->nstack - 1];
    return NULL;
}

static int
trace_cb(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    (void)obj;
    mv_tracer *t = active;
    if (!t)
        return 0;
    if (forked_child) {
        PyEval_SetTrace(NULL, NULL);
        return 0;
    }
    if (t->limit && t->keep_running)
        return 0;
    if (t->limit) {
        /* past the limit: refuse to go on in user code */
        if (what == PyTrace_LINE || what == PyTrace_CALL) {
            PyErr_SetString(t->limit_exc, "memview: step limit reached");
            return -1;
        }
        return 0;
    }
    mv_status st;
    switch (what) {
    case PyTrace_CALL: {
        const codeinfo *ci = code_info(t, mv_pyi_frame_code(frame));
        if (!ci)
            return fail_recording(t, MV_ENOMEM);
        if (!ci->user) {
            mv_pyi_frame_no_lines(frame);
            return 0;
        }
        if (t->nstack == t->capstack) {
            uint32_t cap = t->capstack ? t->capstack * 2 : 64;
            sframe *p = mv_realloc(t->stack, cap * sizeof *p);
            if (!p)
                return fail_recording(t, MV_ENOMEM);
            t->stack = p;
            t->capstack = cap;
        }
        int line = PyFrame_GetLineNumber(frame);
        if (line <= 0)
            line = ci->firstlineno;
        t->stack[t->nstack++] =
            (sframe){frame, *ci, t->next_serial++, (uint32_t)(line > 0 ? line : 0), false};
        st = record(t, MV_EV_CALL, NULL);
        return st == MV_OK ? 0 : fail_recording(t, st);
    }
    case PyTrace_LINE: {
        sframe *s = top_for(t, frame);
        if (!s)
            return 0;
        int line = PyFrame_GetLineNumber(frame);
        if (t->skip_line && frame == t->root && line == t->skip_line)
            return 0;
        s->line = (uint32_t)(line > 0 ? line : 0);
        s->raised = false;
        st = record(t, MV_EV_LINE, NULL);
        return st == MV_OK ? 0 : fail_recording(t, st);
    }
    case PyTrace_EXCEPTION: {
        sframe *s = top_for(t, frame);
        if (!s)
            return 0;
        int line = PyFrame_GetLineNumber(frame);
        s->line = (uint32_t)(line > 0 ? line : 0);
        s->raised = true;
        st = record(t, MV_EV_EXCEPTION, NULL);
        return st == MV_OK ? 0 : fail_recording(t, st);
    }
    case PyTrace_RETURN: {
        sframe *s = top_for(t, frame);
        if (!s)
            return 0;
        st = MV_OK;
        /* left by an exception: arg is NULL (3.11); 3.12+ legacy events
         * give no sign, but the frame's last event was the exception */
        if (arg && !s->raised && !PyErr_Occurred())
            st = record(t, MV_EV_RETURN, arg);
        t->nstack--;
        return st == MV_OK ? 0 : fail_recording(t, st);
    }
    default:
        return 0;
    }
}

/* ---- lifetime ---- */

mv_status
mv_tracer_new(mv_trace *tr, const char *program_abs, mv_tracer **out)
{
    mv_status st = MV_ENOMEM;
    mv_tracer *t = mv_calloc(1, sizeof *t);
    if (!t)
        return MV_ENOMEM;
    t->tr = tr;
    t->next_serial = 1;
    t->program = mv_strdup(program_abs);
    char *real = realpath(program_abs, NULL);
    if (!t->program || !real)
        goto fail;
    char *slash = strrchr(real, '/');
    if (slash)
        slash[1] = '\0';
    t->userdir = mv_strdup(real);
    free(real);
    if (!t->userdir)
        goto fail;
    if ((st = mv_capture_new(tr, &t->cap)) != MV_OK)
        goto fail;
    t->limit_exc = PyErr_NewException("memview.StepLimit", PyExc_BaseException, NULL);
    if (!t->limit_exc || PyType_Ready(&TeeType) < 0) {
        PyErr_Clear();
        st = MV_EPYTHON;
        goto fail;
    }
    *out = t;
    return MV_OK;
fail:
    mv_tracer_free(t);
    return st;
}

void
mv_tracer_free(mv_tracer *t)
{
    if (!t)
        return;
    if (active == t)
        mv_tracer_stop(t);
    mv_capture_free(t->cap);
    Py_XDECREF(t->limit_exc);
    mv_free(t->userdir);
    mv_free(t->program);
    for (uint32_t i = 0; i < t->nufiles; i++)
        mv_free(t->ufiles[i]);
    for (uint32_t i = 0; i < t->nuprefixes; i++)
        mv_free(t->uprefixes[i]);
    mv_free(t->ufiles);
    mv_free(t->uprefixes);
    mv_free(t->stack);
    mv_free(t->cframes);
    mv_map_release(&t->codes);
    mv_map_release(&t->userfiles);
    mv_free(t->infos);
    mv_free(t);
}

static char **
copy_strings(const char *const *v, uint32_t n)
{
    char **p = mv_calloc(n ? n : 1, sizeof *p);
    if (!p)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!(p[i] = mv_strdup(v[i]))) {
            while (i--)
                mv_free(p[i]);
            mv_free(p);
            return NULL;
        }
    }
    return p;
}

mv_status
mv_tracer_new_ex(mv_trace *tr, const mv_tracer_opts *o, mv_tracer **out)
{
    mv_status st = MV_ENOMEM;
    mv_tracer *t = mv_calloc(1, sizeof *t);
    if (!t)
        return MV_ENOMEM;
    t->tr = tr;
    t->next_serial = 1;
    t->no_tee = o->no_tee;
    t->keep_running = o->keep_running;
    if (!(t->ufiles = copy_strings(o->user_files, o->nuser_files)))
        goto fail;
    t->nufiles = o->nuser_files;
    if (!(t->uprefixes = copy_strings(o->user_prefixes, o->nuser_prefixes)))
        goto fail;
    t->nuprefixes = o->nuser_prefixes;
    t->program = mv_strdup(o->nuser_files ? o->user_files[0] : "");
    if (!t->program)
        goto fail;
    if ((st = mv_capture_new(tr, &t->cap)) != MV_OK)
        goto fail;
    t->limit_exc = PyErr_NewException("memview.StepLimit", PyExc_BaseException, NULL);
    if (!t->limit_exc || PyType_Ready(&TeeType) < 0) {
        PyErr_Clear();
        st = MV_EPYTHON;
        goto fail;
    }
    *out = t;
    return MV_OK;
fail:
    mv_tracer_free(t);
    return st;
}

mv_status
mv_tracer_adopt(mv_tracer *t, PyFrameObject *f, int skip_line)
{
    const codeinfo *ci = code_info(t, mv_pyi_frame_code(f));
    if (!ci)
        return MV_ENOMEM;
    if (t->nstack == t->capstack) {
        uint32_t cap = t->capstack ? t->capstack * 2 : 64;
        sframe *p = mv_realloc(t->stack, cap * sizeof *p);
        if (!p)
            return MV_ENOMEM;
        t->stack = p;
        t->capstack = cap;
    }
    int line = PyFrame_GetLineNumber(f);
    t->stack[t->nstack++] =
        (sframe){f, *ci, t->next_serial++, (uint32_t)(line > 0 ? line : 0), false};
    t->root = f;
    t->skip_line = skip_line;
    return MV_OK;
}

struct mv_capture *
mv_tracer_capture(mv_tracer *t)
{
    return t->cap;
}

bool
mv_tracer_is_active(void)
{
    return active != NULL;
}

mv_status
mv_tracer_start(mv_tracer *t)
{
    PyObject *out = t->no_tee ? NULL : PySys_GetObject("stdout"); /* borrowed */
    if (out && out != Py_None) {
        Tee *tee = PyObject_New(Tee, &TeeType);
        if (!tee) {
            PyErr_Clear();
            return MV_EPYTHON;
        }
        Py_INCREF(out);
        tee->target = out;
        if (PySys_SetObject("stdout", (PyObject *)tee) < 0) {
            PyErr_Clear();
            Py_DECREF(tee);
            return MV_EPYTHON;
        }
        t->tee = (PyObject *)tee;
        Py_INCREF(out);
        t->orig_stdout = out;
    }
    static bool atfork;
    if (!atfork)
        atfork = pthread_atfork(NULL, NULL, on_fork_child) == 0;
    active = t;
    PyEval_SetTrace(trace_cb, NULL);
    return MV_OK;
}

void
mv_tracer_stop(mv_tracer *t)
{
    PyEval_SetTrace(NULL, NULL);
    if (active == t)
        active = NULL;
    if (t->tee) {
        /* give the real stream back if the program left ours in place,
         * keeping the exception the program may be ending with */
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        if (PySys_GetObject("stdout") == t->tee && PySys_SetObject("stdout", t->orig_stdout) < 0)
            PyErr_Clear();
        PyErr_Restore(et, ev, tb);
        Py_CLEAR(t->tee);
        Py_CLEAR(t->orig_stdout);
    }
}

PyObject *
mv_tracer_limit_exc(mv_tracer *t)
{
    return t->limit_exc;
}

bool
mv_tracer_hit_limit(const mv_tracer *t)
{
    return t->limit;
}

mv_status
mv_tracer_error(const mv_tracer *t)
{
    return t->error;
}
