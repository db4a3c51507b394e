/* memview inside a running interpreter; contract in session.h.
 *
 * References memview's own call holds. A C function called from Python
 * bytecode (CALL) receives its arguments in the caller's value stack: each
 * argument slot is one reference that exists only for the call. They are
 * subtracted (mv_capture_adjust) when the argument array lies inside the
 * caller's frame; otherwise (called through functools.partial, map, *args of
 * a tuple the program owns...) memview cannot tell who holds what and says
 * so in a note. A dict passed as a namespace is a temporary of the call when
 * nothing but the call holds it (`show(dict(a=a))`, `show(locals())` on
 * 3.13): its references to its values are subtracted too. On 3.11/3.12,
 * locals() in a function returns a dict cached on the frame and refreshed at
 * every locals() call; it is the interpreter's, made for memview's call, and
 * its references are subtracted, with a note.
 *
 * Recording. The tracer is the one `memview run` uses, told which files are
 * user code; a `with` block's frame is adopted as the outermost user frame.
 * The trace function in place before (a debugger's, coverage's) is saved
 * and restored at stop. While recording, an OBJ-domain allocator hook tells
 * the trace about freed blocks so a reused address gets a new ref, as in
 * `memview run`; it is removed at stop unless another tool hooked above it
 * meanwhile, in which case it stays as a pass-through. */
#include <Python.h>
#include <frameobject.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/mv.h"
#include "../render/render.h"
#include "internals.h"
#include "session.h"
#include "tracer.h"

#define MV_SESSION_MAX_FRAMES 256
#define MV_SESSION_MAX_SOURCE (4u << 20)

/* ---- notes ---- */

void
mv_notes_add(mv_notes *ns, const char *fmt, ...)
{
    if (ns->n == ns->cap) {
        uint32_t cap = ns->cap ? ns->cap * 2 : 4;
        char **v = mv_realloc(ns->v, cap * sizeof *v);
        if (!v)
            return;
        ns->v = v;
        ns->cap = cap;
    }
    mv_buf b;
    mv_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    mv_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.failed || !b.data) {
        mv_buf_release(&b);
        return;
    }
    for (uint32_t i = 0; i < ns->n; i++) {
        if (strcmp(ns->v[i], b.data) == 0) { /* said once is enough */
            mv_buf_release(&b);
            return;
        }
    }
    ns->v[ns->n++] = mv_buf_take(&b, NULL);
}

void
mv_notes_release(mv_notes *ns)
{
    for (uint32_t i = 0; i < ns->n; i++)
        mv_free(ns->v[i]);
    mv_free(ns->v);
    memset(ns, 0, sizeof *ns);
}

mv_status
mv_notes_copy(mv_notes *dst, const mv_notes *src)
{
    for (uint32_t i = 0; i < src->n; i++)
        mv_notes_add(dst, "%s", src->v[i]);
    return MV_OK;
}

void
mv_notes_json(const mv_notes *ns, mv_buf *out)
{
    mv_buf_puts(out, "\"notes\":[");
    for (uint32_t i = 0; i < ns->n; i++) {
        if (i)
            mv_buf_putc(out, ',');
        mv_json_str(out, ns->v[i], strlen(ns->v[i]));
    }
    mv_buf_putc(out, ']');
}

mv_status
mv_notes_splice_json(const mv_notes *ns, mv_buf *doc)
{
    if (doc->failed)
        return MV_ENOMEM;
    size_t end = doc->len;
    while (end > 0 && doc->data[end - 1] != '}')
        end--;
    if (end == 0 || end > doc->len)
        return MV_EFORMAT;
    /* insert `,"notes":[...]` before the final '}' */
    mv_buf ins;
    mv_buf_init(&ins);
    mv_buf_putc(&ins, ',');
    mv_notes_json(ns, &ins);
    size_t off = end - 1;
    bool ok = !ins.failed && mv_buf_reserve(doc, ins.len);
    if (ok) {
        memmove(doc->data + off + ins.len, doc->data + off, doc->len - off + 1);
        memcpy(doc->data + off, ins.data, ins.len);
        doc->len += ins.len;
    }
    mv_buf_release(&ins);
    return ok ? MV_OK : MV_ENOMEM;
}

/* ---- configuration ---- */

/* Set by mv_session_configure; the GIL protects them. */
static char **lib_prefixes, **own_prefixes;
static uint32_t nlib, nown;

static void
free_strings(char **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        mv_free(v[i]);
    mv_free(v);
}

static mv_status
copy_str_list(PyObject *list, char ***out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    if (!list || list == Py_None)
        return MV_OK;
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "expected a list of str");
        return MV_EINVAL;
    }
    Py_ssize_t len = PyList_GET_SIZE(list);
    char **v = mv_calloc((size_t)len + 1, sizeof *v);
    if (!v)
        return MV_ENOMEM;
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *s = PyList_GET_ITEM(list, i);
        const char *u = PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
        if (!u || !(v[i] = mv_strdup(u))) {
            if (!u && !PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "expected a list of str");
            free_strings(v, (uint32_t)i);
            return u ? MV_ENOMEM : MV_EINVAL;
        }
    }
    *out = v;
    *n = (uint32_t)len;
    return MV_OK;
}

mv_status
mv_session_configure(PyObject *library, PyObject *own)
{
    char **l, **o;
    uint32_t nl, no;
    mv_status st = copy_str_list(library, &l, &nl);
    if (st != MV_OK)
        return st;
    if ((st = copy_str_list(own, &o, &no)) != MV_OK) {
        free_strings(l, nl);
        return st;
    }
    free_strings(lib_prefixes, nlib);
    free_strings(own_prefixes, nown);
    lib_prefixes = l;
    nlib = nl;
    own_prefixes = o;
    nown = no;
    return MV_OK;
}

static bool
starts_with_any(const char *s, char *const *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i][0] && strncmp(s, v[i], strlen(v[i])) == 0)
            return true;
    return false;
}

enum { FR_USER, FR_OWN, FR_LIBRARY };

static int
frame_class(PyCodeObject *co)
{
    const char *file = PyUnicode_Check(co->co_filename) ? PyUnicode_AsUTF8(co->co_filename) : NULL;
    if (!file) {
        PyErr_Clear();
        return FR_LIBRARY;
    }
    if (starts_with_any(file, own_prefixes, nown))
        return FR_OWN;
    if (strncmp(file, "<frozen", 7) == 0 || starts_with_any(file, lib_prefixes, nlib))
        return FR_LIBRARY;
    return FR_USER;
}

/* ---- snapshots ---- */

typedef struct snapwork {
    mv_trace *tr;
    mv_capture *cap;
    PyFrameObject *frames[MV_SESSION_MAX_FRAMES]; /* strong refs, released at the end */
    uint32_t nframes;
    mv_cframe cf[MV_SESSION_MAX_FRAMES];
    uint32_t ncf;
    PyObject **tmp; /* strong refs to labels memview made, released at the end */
    size_t ntmp;
} snapwork;

static mv_status
frame_entry(snapwork *w, PyFrameObject *f, mv_cframe *out)
{
    PyCodeObject *co = PyFrame_GetCode(f); /* new ref */
    int line = PyFrame_GetLineNumber(f);
    memset(out, 0, sizeof *out);
    out->frame = f;
    out->serial = (uint64_t)w->ncf + 1;
    out->function = mv_capture_str_id(w->cap, co->co_qualname);
    out->file = mv_capture_str_id(w->cap, co->co_filename);
    out->line = (uint32_t)(line > 0 ? line : 0);
    out->is_module = !(co->co_flags & CO_OPTIMIZED);
    Py_DECREF(co);
    return out->function == UINT32_MAX || out->file == UINT32_MAX ? MV_ENOMEM : MV_OK;
}

/* The caller's frame and its callers, outermost first. */
static mv_status
walk_frames(snapwork *w, PyFrameObject *caller)
{
    PyFrameObject *stack[MV_SESSION_MAX_FRAMES];
    uint32_t n = 0;
    Py_INCREF(caller);
    PyFrameObject *f = caller;
    while (f) {
        PyCodeObject *co = PyFrame_GetCode(f);
        int cls = frame_class(co);
        Py_DECREF(co);
        if (cls == FR_LIBRARY && n > 0) {
            Py_DECREF(f);
            break;
        }
        if (cls != FR_OWN) {
            if (n == MV_SESSION_MAX_FRAMES) {
                Py_DECREF(f);
                break;
            }
            stack[n++] = f; /* the strong ref moves to stack */
        }
        PyFrameObject *back = PyFrame_GetBack(f); /* new ref or NULL */
        if (cls == FR_OWN)
            Py_DECREF(f);
        f = back;
    }
    mv_status st = MV_OK;
    for (uint32_t i = 0; i < n; i++) {
        PyFrameObject *fr = stack[n - 1 - i];
        w->frames[w->nframes++] = fr;
        if (st == MV_OK)
            st = frame_entry(w, fr, &w->cf[w->ncf]);
        if (st == MV_OK)
            w->ncf++;
    }
    return st;
}

/* How many of the call's argument slots hold o (0 if they are not on the
 * caller's stack). */
static int64_t
held_by_call(const mv_snap_req *rq, bool on_stack, PyObject *o)
{
    int64_t n = 0;
    if (!on_stack)
        return 0;
    for (size_t i = 0; i < rq->ncall_args; i++)
        n += rq->call_args[i] == o;
    return n;
}

static mv_status
adjust_values(mv_capture *c, PyObject *d)
{
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (mv_pyi_dict_next(d, &pos, &k, &v)) {
        mv_status st = mv_capture_adjust(c, v, 1);
        if (st != MV_OK)
            return st;
    }
    return MV_OK;
}

/* d holds exactly the caller's bound fast locals, in order (what locals()
 * returns on 3.13). Pointer comparisons only: no user code. */
static bool
same_as_fast_locals(PyFrameObject *f, PyObject *d)
{
    mv_pyi_local small[64];
    Py_ssize_t n = mv_pyi_fast_locals(f, small, 64);
    if (n > 64 || n != PyDict_GET_SIZE(d))
        return false;
    Py_ssize_t pos = 0, i = 0;
    PyObject *k, *v;
    while (mv_pyi_dict_next(d, &pos, &k, &v)) {
        if (i >= n || k != small[i].name || v != small[i].value)
            return false;
        i++;
    }
    return i == n;
}

bool
mv_session_is_namespace_of(PyFrameObject *f, PyObject *d, int64_t held)
{
    if (!PyDict_Check(d))
        return false;
    PyObject *g = PyFrame_GetGlobals(f); /* new ref */
    bool yes = d == g || d == mv_pyi_frame_locals_dict(f) || d == mv_pyi_frame_cached_locals(f);
    Py_XDECREF(g);
    if (!yes && !mv_pyi_frame_locals_dict(f) && Py_REFCNT(d) <= held)
        yes = same_as_fast_locals(f, d);
    return yes;
}

bool
mv_session_args_on_stack(PyFrameObject *caller, PyObject *const *args)
{
    return args && mv_pyi_frame_holds(caller, args);
}

static const char *
frame_name(PyFrameObject *f)
{
    PyCodeObject *co = PyFrame_GetCode(f);
    const char *s = PyUnicode_AsUTF8(co->co_qualname);
    Py_DECREF(co); /* the code object lives on in the frame, and its name with it */
    if (!s)
        PyErr_Clear();
    return s ? s : "?";
}

/* The caller's name bound to o (borrowed from the code or the globals). */
static PyObject *
name_of(PyFrameObject *f, PyObject *o)
{
    PyObject *d = mv_pyi_frame_locals_dict(f);
    if (!d) {
        mv_pyi_local small[64];
        Py_ssize_t n = mv_pyi_fast_locals(f, small, 64);
        for (Py_ssize_t i = 0; i < n && i < 64; i++)
            if (small[i].value == o)
                return small[i].name;
        return NULL;
    }
    if (!PyDict_Check(d))
        return NULL;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (mv_pyi_dict_next(d, &pos, &k, &v))
        if (v == o && PyUnicode_Check(k))
            return k;
    return NULL;
}

static mv_status
explicit_frame(snapwork *w, const mv_snap_req *rq, PyObject **names, mv_cframe *out)
{
    mv_status st = frame_entry(w, rq->caller, out);
    if (st != MV_OK)
        return st;
    for (size_t i = 0; i < rq->nobjs; i++) {
        PyObject *label = rq->labels ? PyList_GET_ITEM(rq->labels, i) : name_of(rq->caller, rq->objs[i]);
        if (!label) {
            label = PyUnicode_FromFormat("arg%zu", i);
            if (!label)
                return MV_EPYTHON;
            w->tmp[w->ntmp++] = label;
        }
        names[i] = label;
    }
    out->frame = NULL;
    out->names = names;
    out->values = rq->objs;
    out->nnames = (uint32_t)rq->nobjs;
    out->is_module = 0;
    return MV_OK;
}

static mv_status
namespace_frames(snapwork *w, const mv_snap_req *rq, bool on_stack, mv_notes *notes)
{
    PyFrameObject *f = rq->caller;
    PyObject *ns = rq->ns;
    PyObject *own_dict = mv_pyi_frame_locals_dict(f);   /* module / class frame */
    PyObject *cached = mv_pyi_frame_cached_locals(f);   /* 3.11/3.12 function */
    bool temp = Py_REFCNT(ns) <= held_by_call(rq, on_stack, ns);
    mv_status st;
    if (ns == own_dict || ns == cached || (!own_dict && temp && same_as_fast_locals(f, ns))) {
        /* the caller's own names: show its frame itself */
        Py_INCREF(f);
        w->frames[w->nframes++] = f;
        if ((st = frame_entry(w, f, &w->cf[w->ncf])) != MV_OK)
            return st;
        w->ncf++;
        if (ns == cached) {
            mv_notes_add(notes,
                         "locals() in Python 3.11 and 3.12 leaves a dict on the frame of %s() "
                         "holding one more reference to each of its objects; the counts shown "
                         "leave it out (memview.show() with no argument reads the frame without "
                         "making it)",
                         frame_name(f));
            return adjust_values(w->cap, ns);
        }
        return ns == own_dict ? MV_OK : adjust_values(w->cap, ns);
    }
    /* another namespace (globals(), a module's __dict__, IPython's user_ns,
     * a dict made for the call): one frame named after it */
    mv_cframe *cf = &w->cf[w->ncf];
    memset(cf, 0, sizeof *cf);
    cf->serial = (uint64_t)w->ncf + 1;
    PyObject *g = PyFrame_GetGlobals(f); /* new ref */
    bool module = ns == g;
    Py_XDECREF(g);
    if (!module) {
        PyObject *name = PyDict_GetItemString(ns, "__name__"); /* borrowed; str keys only */
        module = name && PyUnicode_CheckExact(name);
    }
    const char *label = module ? "<module>" : "<namespace>";
    cf->function = mv_trace_intern(w->tr, label, strlen(label));
    /* where the snapshot was taken: the caller (unless it is memview's own) */
    PyCodeObject *co = PyFrame_GetCode(f);
    bool own = frame_class(co) == FR_OWN;
    cf->file = own ? mv_trace_intern(w->tr, "<namespace>", 11)
                   : mv_capture_str_id(w->cap, co->co_filename);
    Py_DECREF(co);
    int line = own ? 0 : PyFrame_GetLineNumber(f);
    cf->line = (uint32_t)(line > 0 ? line : 0);
    cf->ns = ns;
    cf->is_module = 1;
    if (cf->function == UINT32_MAX || cf->file == UINT32_MAX)
        return MV_ENOMEM;
    w->ncf++;
    return temp ? adjust_values(w->cap, ns) : MV_OK;
}

mv_status
mv_session_snapshot(const mv_snap_req *rq, const mv_limits *lim, mv_trace **out,
                    mv_notes *notes)
{
    mv_status st;
    snapwork *w = mv_calloc(1, sizeof *w);
    PyObject **names = NULL;
    if (!w)
        return MV_ENOMEM;
    if ((st = mv_trace_new(&w->tr, lim)) != MV_OK)
        goto out;
    mv_trace_set_python(w->tr, PY_VERSION);
    if ((st = mv_capture_new(w->tr, &w->cap)) != MV_OK)
        goto out;
    mv_capture_set_opts(w->cap, &rq->copts);
    w->tmp = mv_calloc(rq->nobjs + 1, sizeof *w->tmp);
    names = mv_calloc(rq->nobjs + 1, sizeof *names);
    if (!w->tmp || !names) {
        st = MV_ENOMEM;
        goto out;
    }
    {
        PyCodeObject *co = PyFrame_GetCode(rq->caller);
        const char *file = PyUnicode_AsUTF8(co->co_filename);
        mv_trace_set_program(w->tr, file ? file : "");
        Py_DECREF(co);
        if (!file)
            PyErr_Clear();
    }

    /* the references memview's call holds */
    bool on_stack = rq->ncall_args && mv_pyi_frame_holds(rq->caller, rq->call_args);
    if (rq->ncall_args && !on_stack)
        mv_notes_add(notes, "memview was not called directly from the program's code (but "
                            "through another function, or with *args): the counts of the "
                            "objects passed to it may include references held by that call");
    for (size_t i = 0; on_stack && i < rq->ncall_args; i++)
        if ((st = mv_capture_adjust(w->cap, rq->call_args[i], 1)) != MV_OK)
            goto out;

    if (rq->nobjs) {
        st = explicit_frame(w, rq, names, &w->cf[0]);
        if (st == MV_OK)
            w->ncf = 1;
    } else if (rq->ns) {
        st = namespace_frames(w, rq, on_stack, notes);
    } else {
        st = walk_frames(w, rq->caller);
    }
    if (st != MV_OK)
        goto out;
    for (uint32_t i = 0; i < w->ncf; i++) {
        PyFrameObject *f = w->cf[i].frame;
        if (f && mv_pyi_frame_cached_locals(f) && mv_pyi_frame_cached_locals(f) != rq->ns)
            mv_notes_add(notes,
                         "the frame of %s() keeps a locals() dict (made by locals() or by a "
                         "debugger reading frame.f_locals, Python 3.11 and 3.12): it holds one "
                         "more reference to each object named there, counted here",
                         frame_name(f));
    }
    /* the walk itself: read-only, no user code, no reference kept */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    st = mv_capture_step(w->cap, MV_EV_LINE, w->cf, w->ncf, 0);
    PyErr_Restore(et, ev, tb);
    if (st == MV_OK) {
        mv_trace_set_end(w->tr, MV_END_RUNNING, 0, "");
        mv_session_add_sources(w->tr);
        *out = w->tr;
        w->tr = NULL;
    }
out:
    for (uint32_t i = 0; i < w->nframes; i++)
        Py_DECREF(w->frames[i]);
    for (size_t i = 0; i < w->ntmp; i++)
        Py_DECREF(w->tmp[i]);
    mv_free(w->tmp);
    mv_free(names);
    mv_capture_free(w->cap);
    mv_trace_free(w->tr);
    mv_free(w);
    if (st == MV_EPYTHON && !PyErr_Occurred())
        PyErr_SetString(PyExc_RuntimeError, "memview: the snapshot failed");
    return st;
}

/* ---- sources ---- */

static bool
read_file(const char *path, mv_buf *b)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && !b->failed)
        mv_buf_append(b, chunk, n);
    fclose(fp);
    return !b->failed;
}

/* Notebook cells and other code without a file: the text linecache holds. */
static bool
read_linecache(const char *path, mv_buf *b)
{
    bool ok = false;
    PyObject *lc = PyImport_ImportModule("linecache");
    PyObject *lines = lc ? PyObject_CallMethod(lc, "getlines", "s", path) : NULL;
    if (lines && PyList_Check(lines) && PyList_GET_SIZE(lines) > 0) {
        ok = true;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
            PyObject *l = PyList_GET_ITEM(lines, i);
            Py_ssize_t n;
            const char *u = PyUnicode_Check(l) ? PyUnicode_AsUTF8AndSize(l, &n) : NULL;
            if (!u) {
                ok = false;
                break;
            }
            mv_buf_append(b, u, (size_t)n);
        }
    }
    Py_XDECREF(lines);
    Py_XDECREF(lc);
    PyErr_Clear();
    return ok && !b->failed;
}

void
mv_session_add_sources(mv_trace *tr)
{
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    mv_trace_iter *it = NULL;
    mv_map seen;
    mv_map_init(&seen);
    if (mv_trace_iter_new(tr, &it) == MV_OK) {
        mv_delta d;
        uint32_t files[64];
        uint32_t nfiles = 0;
        while (mv_trace_iter_next(it, &d)) {
            for (uint32_t i = 0; i < d.nframes && nfiles < 64; i++) {
                uint32_t f = d.frames[i].file;
                if (mv_map_get(&seen, (uint64_t)f + 1) || mv_map_put(&seen, (uint64_t)f + 1, 1) != MV_OK)
                    continue;
                files[nfiles++] = f;
            }
        }
        mv_trace_iter_free(it);
        for (uint32_t i = 0; i < nfiles; i++) {
            const char *path = mv_trace_str(tr, files[i], NULL);
            if (!path || !path[0] || mv_trace_has_source(tr, files[i]))
                continue;
            mv_buf b;
            mv_buf_init(&b);
            b.max = MV_SESSION_MAX_SOURCE;
            if ((path[0] != '<' && read_file(path, &b)) || (mv_buf_reset(&b), read_linecache(path, &b)))
                mv_trace_add_source(tr, files[i], b.data ? b.data : "", b.len);
            mv_buf_release(&b);
        }
    }
    mv_map_release(&seen);
    PyErr_Restore(et, ev, tb);
}

/* ---- the allocator hook while recording ---- */

/* Set while a recording runs; the GIL protects them (OBJ-domain calls are
 * made with the GIL held). s_saved stays valid while our hook is installed,
 * which may outlive a recording (see the file comment). */
static PyMemAllocatorEx s_saved;
static bool s_installed;
static mv_trace *s_hook_trace;

static void *
hook_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return s_saved.malloc(s_saved.ctx, n);
}

static void *
hook_calloc(void *ctx, size_t count, size_t n)
{
    (void)ctx;
    return s_saved.calloc(s_saved.ctx, count, n);
}

static void *
hook_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    void *q = s_saved.realloc(s_saved.ctx, p, n);
    if (q && p && q != p && s_hook_trace)
        mv_trace_forget(s_hook_trace, (uint64_t)(uintptr_t)p);
    return q;
}

static void
hook_free(void *ctx, void *p)
{
    (void)ctx;
    if (p && s_hook_trace)
        mv_trace_forget(s_hook_trace, (uint64_t)(uintptr_t)p);
    s_saved.free(s_saved.ctx, p);
}

static void
hook_install(mv_trace *tr)
{
    if (!s_installed) {
        PyMemAllocatorEx a = {NULL, hook_malloc, hook_calloc, hook_realloc, hook_free};
        PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &s_saved);
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &a);
        s_installed = true;
    }
    s_hook_trace = tr;
}

static void
hook_remove(void)
{
    s_hook_trace = NULL;
    if (!s_installed)
        return;
    PyMemAllocatorEx cur;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &cur);
    if (cur.malloc == hook_malloc && cur.free == hook_free) {
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &s_saved);
        s_installed = false;
    }
}

/* ---- recordings ---- */

struct mv_recording {
    mv_trace *tr;
    mv_tracer *tracer;
    mv_notes notes;
    PyThreadState *ts;
    Py_tracefunc prev_func;
    PyObject *prev_obj;   /* strong ref while recording, released at stop */
    PyObject *hide_names; /* strong ref, released in free */
    PyObject **hide_values; /* addresses only */
    bool running;
};

#if PY_VERSION_HEX >= 0x030D0000
PyAPI_FUNC(const char *) _PyMem_GetCurrentAllocatorName(void);
#endif

static void
start_notes(mv_recording *r, const mv_rec_opts *o)
{
    PyThreadState *ts = r->ts;
    if (o->root) {
        PyCodeObject *co = PyFrame_GetCode(o->root);
        const char *file = PyUnicode_AsUTF8(co->co_filename);
        const char *base = file ? strrchr(file, '/') : NULL;
        mv_notes_add(&r->notes,
                     "recording started inside a running program (%s:%d): objects made before "
                     "then appear as they were found, without the step that made them",
                     base ? base + 1 : file ? file : "?", PyFrame_GetLineNumber(o->root));
        Py_DECREF(co);
        PyErr_Clear();
    } else {
        mv_notes_add(&r->notes,
                     "recording started inside a running program: objects made before the "
                     "call appear as they were found, without the step that made them");
    }
    if (ts->c_tracefunc) {
        const char *what = ts->c_traceobj ? Py_TYPE(ts->c_traceobj)->tp_name : "a C tracer";
        if (ts->c_traceobj && PyFunction_Check(ts->c_traceobj)) {
            const char *q = PyUnicode_AsUTF8(((PyFunctionObject *)ts->c_traceobj)->func_qualname);
            what = q ? q : what;
            PyErr_Clear();
        } else if (ts->c_traceobj && PyMethod_Check(ts->c_traceobj)) {
            PyObject *self = PyMethod_GET_SELF(ts->c_traceobj);
            what = Py_TYPE(self)->tp_name;
        }
        mv_notes_add(&r->notes,
                     "another tool was tracing this thread (sys.settrace: %s, a debugger or "
                     "coverage): memview took its place while recording and gave it back "
                     "after; it saw nothing of the recorded code",
                     what);
    }
    if (ts->c_profilefunc)
        mv_notes_add(&r->notes, "a profiler is active (sys.setprofile): its timings of the "
                                "recorded code include memview's work");
    if (!s_installed && !_PyMem_GetCurrentAllocatorName())
        mv_notes_add(&r->notes,
                     "another tool hooks Python's allocator (tracemalloc or a memory "
                     "profiler): memview's hook runs above it and sees only what passes "
                     "through from now on");
}

mv_status
mv_recording_start(const mv_rec_opts *o, const mv_limits *lim, mv_recording **out)
{
    if (mv_tracer_is_active()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "memview is already recording in this thread (one recording at a time)");
        return MV_EINVAL;
    }
    mv_status st = MV_ENOMEM;
    mv_recording *r = mv_calloc(1, sizeof *r);
    if (!r)
        goto nomem;
    r->ts = PyThreadState_Get();
    if ((st = mv_trace_new(&r->tr, lim)) != MV_OK)
        goto fail;
    mv_trace_set_python(r->tr, PY_VERSION);
    if (o->nuser_files)
        mv_trace_set_program(r->tr, o->user_files[0]);
    mv_tracer_opts to = {o->user_files, o->nuser_files, o->user_prefixes, o->nuser_prefixes,
                         o->no_tee, true};
    if ((st = mv_tracer_new_ex(r->tr, &to, &r->tracer)) != MV_OK)
        goto fail;
    mv_capture_opts co = o->copts;
    if (co.nhide_values) {
        r->hide_values = mv_calloc(co.nhide_values, sizeof *r->hide_values);
        if (!r->hide_values)
            goto fail;
        memcpy(r->hide_values, co.hide_values, co.nhide_values * sizeof *r->hide_values);
        co.hide_values = r->hide_values;
    }
    Py_XINCREF(co.hide_names);
    r->hide_names = co.hide_names;
    mv_capture *cap = mv_tracer_capture(r->tracer);
    mv_capture_set_opts(cap, &co);
    for (size_t i = 0; i < o->nheld; i++)
        if ((st = mv_capture_adjust(cap, o->held[i], 1)) != MV_OK)
            goto fail;
    if (o->root && (st = mv_tracer_adopt(r->tracer, o->root, PyFrame_GetLineNumber(o->root))) != MV_OK)
        goto fail;
    start_notes(r, o);
    r->prev_func = r->ts->c_tracefunc;
    r->prev_obj = r->ts->c_traceobj;
    Py_XINCREF(r->prev_obj);
    hook_install(r->tr);
    if ((st = mv_tracer_start(r->tracer)) != MV_OK) {
        hook_remove();
        Py_CLEAR(r->prev_obj);
        goto fail;
    }
    r->running = true;
    *out = r;
    return MV_OK;
fail:
    mv_recording_free(r);
    if (st == MV_EPYTHON) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "memview: cannot start recording");
        return st;
    }
nomem:
    PyErr_NoMemory();
    return MV_ENOMEM;
}

void
mv_recording_stop(mv_recording *r, mv_end end, int exit_code, const char *message)
{
    if (!r || !r->running)
        return;
    r->running = false;
    mv_tracer_stop(r->tracer);
    hook_remove();
    if (r->prev_func)
        PyEval_SetTrace(r->prev_func, r->prev_obj);
    Py_CLEAR(r->prev_obj);
    if (mv_tracer_hit_limit(r->tracer)) {
        mv_notes_add(&r->notes,
                     "the step limit (max_steps=%llu) ended the recording; the code ran on "
                     "unrecorded",
                     (unsigned long long)mv_trace_limits(r->tr)->max_steps);
        if (end == MV_END_OK) {
            end = MV_END_LIMIT;
            message = "step limit reached";
        }
    }
    if (mv_tracer_error(r->tracer) != MV_OK)
        mv_notes_add(&r->notes, "recording stopped early: %s",
                     mv_strerror(mv_tracer_error(r->tracer)));
    mv_trace_set_end(r->tr, end, exit_code, message ? message : "");
    mv_tracer_free(r->tracer);
    r->tracer = NULL;
    mv_session_add_sources(r->tr);
}

bool
mv_recording_running(const mv_recording *r)
{
    return r && r->running;
}

const mv_trace *
mv_recording_trace(const mv_recording *r)
{
    return r->tr;
}

const mv_notes *
mv_recording_notes(const mv_recording *r)
{
    return &r->notes;
}

void
mv_recording_free(mv_recording *r)
{
    if (!r)
        return;
    if (r->running)
        mv_recording_stop(r, MV_END_RUNNING, 0, "");
    mv_tracer_free(r->tracer);
    mv_trace_free(r->tr);
    mv_notes_release(&r->notes);
    Py_XDECREF(r->hide_names);
    Py_XDECREF(r->prev_obj);
    mv_free(r->hide_values);
    mv_free(r);
}
