/* The extension module `_memview`: argument parsing and conversion only.
 * The work is done by src/py/session.c (snapshots, recordings) and the
 * renderers; the contract for Python users is docs/python-api.md, and the
 * package python/memview/ re-exports what is here.
 *
 * The functions that look at the program (snapshot, show, render,
 * trace_call) are METH_FASTCALL: called from Python code they receive their
 * arguments in the caller's value stack, which is how session.c tells the
 * references the call holds from the program's own. Nothing here keeps a
 * reference to a program object: Snapshot and Trace hold plain C data. */
#include <Python.h>
#include <frameobject.h>

#include <errno.h>
#include <string.h>

#include "../core/layout.h"
#include "../core/mv.h"
#include "../py/session.h"
#include "../render/render.h"

#ifndef MV_BUILD_EXE
#define MV_BUILD_EXE ""
#endif

static PyTypeObject SnapshotType;
static PyTypeObject TraceType;

/* ---- errors ---- */

static PyObject *
raise_status(mv_status st, const char *path)
{
    if (PyErr_Occurred())
        return NULL;
    switch (st) {
    case MV_ENOMEM:
        return PyErr_NoMemory();
    case MV_EIO:
        return path ? PyErr_SetFromErrnoWithFilename(PyExc_OSError, path)
                    : PyErr_SetFromErrno(PyExc_OSError);
    case MV_EINVAL:
        PyErr_SetString(PyExc_ValueError, "memview: invalid argument");
        return NULL;
    default:
        PyErr_Format(PyExc_RuntimeError, "memview: %s", mv_strerror(st));
        return NULL;
    }
}

/* ---- keyword arguments ---- */

typedef struct kwspec {
    const char *name;
    PyObject **dst; /* borrowed from the call */
} kwspec;

/* Match kwnames against spec; values are args[nargs + i]. -1 with TypeError. */
static int
parse_kw(const char *fn, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
         kwspec *spec)
{
    if (!kwnames)
        return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
        PyObject *k = PyTuple_GET_ITEM(kwnames, i);
        const char *name = PyUnicode_AsUTF8(k);
        if (!name)
            return -1;
        kwspec *s = spec;
        while (s->name && strcmp(s->name, name) != 0)
            s++;
        if (!s->name) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%s'", fn,
                         name);
            return -1;
        }
        *s->dst = args[nargs + i];
    }
    return 0;
}

static int
opt_bool(PyObject *v, bool *out)
{
    if (!v || v == Py_None)
        return 0;
    int r = PyObject_IsTrue(v);
    if (r < 0)
        return -1;
    *out = r;
    return 0;
}

static int
opt_count(PyObject *v, const char *name, uint64_t max, uint64_t *out)
{
    if (!v || v == Py_None)
        return 0;
    long long n = PyLong_Check(v) ? PyLong_AsLongLong(v) : -1;
    if (n == -1 && PyErr_Occurred())
        return -1;
    if (n < 1 || (uint64_t)n > max) {
        PyErr_Format(PyExc_ValueError, "%s must be a positive int", name);
        return -1;
    }
    *out = (uint64_t)n;
    return 0;
}

typedef struct limit_args {
    PyObject *max_steps, *max_items, *max_value, *max_objects;
} limit_args;

static int
limits_from(const limit_args *a, mv_limits *lim)
{
    mv_limits_default(lim);
    uint64_t v;
    v = lim->max_steps;
    if (opt_count(a->max_steps, "max_steps", UINT32_MAX - 1, &v) < 0)
        return -1;
    lim->max_steps = v;
    v = lim->max_items;
    if (opt_count(a->max_items, "max_items", UINT32_MAX - 1, &v) < 0)
        return -1;
    lim->max_items = (uint32_t)v;
    v = lim->max_value;
    if (opt_count(a->max_value, "max_value", UINT32_MAX - 1, &v) < 0)
        return -1;
    lim->max_value = (uint32_t)v;
    v = lim->max_objects;
    if (opt_count(a->max_objects, "max_objects", UINT32_MAX - 1, &v) < 0)
        return -1;
    lim->max_objects = (uint32_t)v;
    return 0;
}

/* A list of str from None, a str or an iterable of str (new ref), or NULL. */
static PyObject *
str_list(PyObject *v, const char *name)
{
    if (!v || v == Py_None)
        return PyList_New(0);
    if (PyUnicode_Check(v))
        return Py_BuildValue("[O]", v);
    PyObject *l = PySequence_List(v);
    if (!l)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(l); i++) {
        PyObject *s = PyList_GET_ITEM(l, i);
        if (!PyUnicode_Check(s)) {
            /* os.PathLike for file names */
            PyObject *p = PyOS_FSPath(s);
            if (!p || !PyUnicode_Check(p)) {
                Py_XDECREF(p);
                Py_DECREF(l);
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "%s must be a str or a list of str", name);
                return NULL;
            }
            PyList_SetItem(l, i, p);
        }
    }
    return l;
}

/* ---- rendering one step ---- */

typedef enum { OUT_TEXT, OUT_STATE, OUT_TRACE, OUT_HTML, OUT_SVG, OUT_PNG, OUT_DOT } outfmt;

typedef struct render_opts {
    bool color, address, inline_values;
    unsigned width;
} render_opts;

/* The picture of `step`: the layout is fed every step up to it, so objects
 * sit where the viewer shows them. */
static mv_status
render_picture(const mv_trace *tr, uint32_t step, outfmt f, const render_opts *ro, mv_buf *out)
{
    mv_layout_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.inline_scalars = ro->inline_values;
    lo.address = ro->address;
    mv_layout *lay = NULL;
    mv_state st, prev;
    bool have_st = false, have_prev = false;
    mv_buf svg;
    mv_buf_init(&svg);
    mv_status rc = mv_layout_new(&lay, &lo);
    for (uint32_t i = 0; rc == MV_OK && i <= step; i++) {
        if (have_prev)
            mv_state_release(&prev);
        prev = st;
        have_prev = have_st;
        have_st = false;
        rc = mv_trace_state(tr, i, &st);
        if (rc == MV_OK) {
            have_st = true;
            rc = mv_layout_step(lay, &st);
        }
    }
    if (rc == MV_OK && f == OUT_DOT) {
        rc = mv_render_dot(&st, lay, out);
    } else if (rc == MV_OK) {
        mv_svg_opts so;
        memset(&so, 0, sizeof so);
        so.prev = have_prev ? &prev : NULL;
        if (f == OUT_PNG) {
            rc = mv_render_png_available() ? mv_render_svg(&st, lay, &so, &svg) : MV_EINVAL;
            if (rc == MV_OK)
                rc = mv_render_png_scaled(svg.data, svg.len, 2.0, out);
        } else {
            rc = mv_render_svg(&st, lay, &so, out);
        }
    }
    mv_buf_release(&svg);
    if (have_st)
        mv_state_release(&st);
    if (have_prev)
        mv_state_release(&prev);
    mv_layout_free(lay);
    return rc;
}

static mv_status
render(const mv_trace *tr, uint32_t step, outfmt f, const render_opts *ro, const mv_notes *notes,
       mv_buf *out)
{
    mv_status st;
    switch (f) {
    case OUT_TRACE:
        st = mv_render_trace_json(tr, out);
        return st == MV_OK ? mv_notes_splice_json(notes, out) : st;
    case OUT_HTML: {
        st = mv_render_html(tr, out);
        if (st != MV_OK)
            return st;
        /* the notes go into the page's trace JSON (the viewer ignores what it
         * does not know; the file keeps them) */
        const char *marker = "id=\"memview-trace\">";
        char *at = out->data ? strstr(out->data, marker) : NULL;
        if (at) {
            at = strchr(at, '{');
            if (at) {
                size_t off = (size_t)(at + 1 - out->data);
                mv_buf ins;
                mv_buf_init(&ins);
                mv_notes_json(notes, &ins);
                mv_buf_putc(&ins, ',');
                bool ok = !ins.failed && mv_buf_reserve(out, ins.len);
                if (ok) {
                    memmove(out->data + off + ins.len, out->data + off, out->len - off + 1);
                    memcpy(out->data + off, ins.data, ins.len);
                    out->len += ins.len;
                }
                mv_buf_release(&ins);
                if (!ok)
                    return MV_ENOMEM;
            }
        }
        return out->failed ? MV_ENOMEM : MV_OK;
    }
    case OUT_SVG:
    case OUT_PNG:
    case OUT_DOT:
        return render_picture(tr, step, f, ro, out);
    case OUT_TEXT:
    case OUT_STATE: {
        mv_state s;
        if ((st = mv_trace_state(tr, step, &s)) != MV_OK)
            return st;
        if (f == OUT_STATE) {
            st = mv_render_state_json(&s, out);
            if (st == MV_OK)
                st = mv_notes_splice_json(notes, out);
        } else {
            mv_text_opts to = {ro->color, ro->address, ro->width ? ro->width : 80};
            st = mv_render_text(&s, &to, out);
            for (uint32_t i = 0; st == MV_OK && notes && i < notes->n; i++)
                mv_buf_printf(out, "note: %s\n", notes->v[i]);
            if (out->failed)
                st = MV_ENOMEM;
        }
        mv_state_release(&s);
        return st;
    }
    }
    return MV_EINVAL;
}

static PyObject *
buf_to_str(mv_buf *b)
{
    PyObject *r = PyUnicode_DecodeUTF8(b->data ? b->data : "", (Py_ssize_t)b->len, "replace");
    mv_buf_release(b);
    return r;
}

/* Format from a file name's extension; -1 (ValueError) if unknown. */
static int
format_of(const char *path, bool trace)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        if (strcmp(dot, ".svg") == 0)
            return OUT_SVG;
        if (strcmp(dot, ".png") == 0)
            return OUT_PNG;
        if (strcmp(dot, ".dot") == 0 || strcmp(dot, ".gv") == 0)
            return OUT_DOT;
        if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
            return OUT_HTML;
        if (strcmp(dot, ".json") == 0)
            return trace ? OUT_TRACE : OUT_STATE;
        if (strcmp(dot, ".txt") == 0)
            return OUT_TEXT;
    }
    PyErr_Format(PyExc_ValueError,
                 "cannot tell the format of '%s': use .svg .png .dot .html .json or .txt", path);
    return -1;
}

static PyObject *
save_to(const mv_trace *tr, uint32_t step, const mv_notes *notes, PyObject *pathobj,
        const render_opts *ro, bool trace)
{
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(pathobj, &bytes))
        return NULL;
    const char *path = PyBytes_AS_STRING(bytes);
    int f = format_of(path, trace);
    if (f < 0) {
        Py_DECREF(bytes);
        return NULL;
    }
    if (f == OUT_PNG && !mv_render_png_available()) {
        Py_DECREF(bytes);
        PyErr_SetString(PyExc_RuntimeError,
                        "this memview was built without librsvg: PNG output is not available "
                        "(use .svg)");
        return NULL;
    }
    mv_buf out;
    mv_buf_init(&out);
    mv_status st = render(tr, step, (outfmt)f, ro, notes, &out);
    if (st == MV_OK)
        st = mv_write_file(path, out.data ? out.data : "", out.len);
    mv_buf_release(&out);
    PyObject *r = st == MV_OK ? Py_NewRef(Py_None) : raise_status(st, path);
    Py_DECREF(bytes);
    return r;
}

static PyObject *
notes_list(const mv_notes *ns)
{
    PyObject *l = PyList_New(ns->n);
    for (uint32_t i = 0; l && i < ns->n; i++) {
        PyObject *s = PyUnicode_FromString(ns->v[i]);
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, s);
    }
    return l;
}

/* ================= Snapshot ================= */

typedef struct {
    PyObject_HEAD
    PyObject *owner;  /* strong ref to the Trace this is a step of, or NULL */
    mv_trace *tr;     /* owned when owner is NULL, else the owner's */
    uint32_t step;
    mv_notes notes;
    PyObject *parsed; /* the state JSON as Python data, made on first use */
} Snapshot;

static PyObject *
snapshot_wrap(PyObject *owner, mv_trace *tr, uint32_t step, const mv_notes *notes)
{
    Snapshot *s = PyObject_New(Snapshot, &SnapshotType);
    if (!s) {
        if (!owner)
            mv_trace_free(tr);
        return NULL;
    }
    s->owner = Py_XNewRef(owner);
    s->tr = tr;
    s->step = step;
    memset(&s->notes, 0, sizeof s->notes);
    mv_notes_copy(&s->notes, notes);
    s->parsed = NULL;
    return (PyObject *)s;
}

static void
snapshot_dealloc(PyObject *self)
{
    Snapshot *s = (Snapshot *)self;
    if (!s->owner)
        mv_trace_free(s->tr);
    Py_XDECREF(s->owner);
    Py_XDECREF(s->parsed);
    mv_notes_release(&s->notes);
    PyObject_Free(self);
}

static PyObject *
snapshot_to_json(PyObject *self, PyObject *unused)
{
    Snapshot *s = (Snapshot *)self;
    mv_buf b;
    mv_buf_init(&b);
    mv_status st = render(s->tr, s->step, OUT_STATE, NULL, &s->notes, &b);
    if (st != MV_OK) {
        mv_buf_release(&b);
        return raise_status(st, NULL);
    }
    return buf_to_str(&b);
}

static PyObject *
snapshot_parsed(Snapshot *s)
{
    if (s->parsed)
        return s->parsed;
    PyObject *text = snapshot_to_json((PyObject *)s, NULL);
    if (!text)
        return NULL;
    PyObject *json = PyImport_ImportModule("json");
    s->parsed = json ? PyObject_CallMethod(json, "loads", "O", text) : NULL;
    Py_XDECREF(json);
    Py_DECREF(text);
    return s->parsed;
}

static PyObject *
snapshot_member(PyObject *self, const char *key)
{
    PyObject *d = snapshot_parsed((Snapshot *)self);
    if (!d)
        return NULL;
    PyObject *v = PyDict_GetItemString(d, key);
    if (!v) {
        PyErr_Format(PyExc_AttributeError, "no '%s' in this state", key);
        return NULL;
    }
    return Py_NewRef(v);
}

static PyObject *
snapshot_get_state(PyObject *self, void *c)
{
    PyObject *d = snapshot_parsed((Snapshot *)self);
    return Py_XNewRef(d);
}

static PyObject *
snapshot_get_objects(PyObject *self, void *c)
{
    return snapshot_member(self, "objects");
}

static PyObject *
snapshot_get_frames(PyObject *self, void *c)
{
    return snapshot_member(self, "frames");
}

static PyObject *
snapshot_get_notes(PyObject *self, void *c)
{
    return notes_list(&((Snapshot *)self)->notes);
}

static PyObject *
snapshot_get_step(PyObject *self, void *c)
{
    return PyLong_FromUnsignedLong(((Snapshot *)self)->step);
}

/* The object record a name refers to (innermost frame first), borrowed;
 * NULL without an exception when there is none. */
static PyObject *
snapshot_lookup(Snapshot *s, PyObject *name)
{
    PyObject *d = snapshot_parsed(s);
    if (!d)
        return NULL;
    PyObject *frames = PyDict_GetItemString(d, "frames");
    PyObject *objects = PyDict_GetItemString(d, "objects");
    if (!frames || !objects || !PyList_Check(frames) || !PyList_Check(objects))
        return NULL;
    for (Py_ssize_t i = PyList_GET_SIZE(frames) - 1; i >= 0; i--) {
        PyObject *locals = PyDict_GetItemString(PyList_GET_ITEM(frames, i), "locals");
        for (Py_ssize_t j = 0; locals && j < PyList_GET_SIZE(locals); j++) {
            PyObject *l = PyList_GET_ITEM(locals, j);
            PyObject *n = PyDict_GetItemString(l, "name");
            int eq = n ? PyUnicode_Compare(n, name) : -1;
            if (eq == -1 && PyErr_Occurred())
                return NULL;
            if (eq != 0)
                continue;
            PyObject *ref = PyDict_GetItemString(l, "ref");
            for (Py_ssize_t k = 0; ref && k < PyList_GET_SIZE(objects); k++) {
                PyObject *o = PyList_GET_ITEM(objects, k);
                PyObject *r = PyDict_GetItemString(o, "ref");
                if (r && PyObject_RichCompareBool(r, ref, Py_EQ) == 1)
                    return o;
            }
            return NULL;
        }
    }
    return NULL;
}

static PyObject *
snapshot_getitem(PyObject *self, PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "a snapshot is indexed by a name (str)");
        return NULL;
    }
    PyObject *o = snapshot_lookup((Snapshot *)self, name);
    if (!o && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, name);
    return Py_XNewRef(o);
}

static int
snapshot_contains(PyObject *self, PyObject *name)
{
    if (!PyUnicode_Check(name))
        return 0;
    PyObject *o = snapshot_lookup((Snapshot *)self, name);
    return o ? 1 : PyErr_Occurred() ? -1 : 0;
}

static PyObject *
snapshot_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "get(name, default=None)");
        return NULL;
    }
    PyObject *o = snapshot_lookup((Snapshot *)self, args[0]);
    if (!o && PyErr_Occurred())
        return NULL;
    return Py_NewRef(o ? o : nargs == 2 ? args[1] : Py_None);
}

static int
parse_render_opts(const char *fn, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  render_opts *ro, PyObject **extra_name, PyObject **extra)
{
    PyObject *color = NULL, *address = NULL, *inl = NULL, *width = NULL;
    kwspec spec[] = {{"color", &color},   {"address", &address},
                     {"inline", &inl},    {"width", &width},
                     {"step", extra},     {NULL, NULL}};
    if (!extra_name)
        spec[4].name = NULL; /* no step option here */
    if (parse_kw(fn, args, nargs, kwnames, spec) < 0)
        return -1;
    memset(ro, 0, sizeof *ro);
    uint64_t w = 80;
    if (opt_bool(color, &ro->color) < 0 || opt_bool(address, &ro->address) < 0 ||
        opt_bool(inl, &ro->inline_values) < 0 || opt_count(width, "width", 100000, &w) < 0)
        return -1;
    ro->width = (unsigned)w;
    return 0;
}

static PyObject *
snapshot_text(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Snapshot *s = (Snapshot *)self;
    render_opts ro;
    if (nargs || parse_render_opts("text", args, nargs, kwnames, &ro, NULL, NULL) < 0) {
        if (nargs)
            PyErr_SetString(PyExc_TypeError, "text() takes keyword arguments only");
        return NULL;
    }
    mv_buf b;
    mv_buf_init(&b);
    mv_status st = render(s->tr, s->step, OUT_TEXT, &ro, &s->notes, &b);
    if (st != MV_OK) {
        mv_buf_release(&b);
        return raise_status(st, NULL);
    }
    return buf_to_str(&b);
}

static PyObject *
snapshot_str(PyObject *self)
{
    return snapshot_text(self, NULL, 0, NULL);
}

static PyObject *
snapshot_picture(Snapshot *s, outfmt f, PyObject *const *args, Py_ssize_t nargs,
                 PyObject *kwnames)
{
    render_opts ro;
    if (nargs) {
        PyErr_SetString(PyExc_TypeError, "takes keyword arguments only");
        return NULL;
    }
    if (parse_render_opts("svg", args, nargs, kwnames, &ro, NULL, NULL) < 0)
        return NULL;
    mv_buf b;
    mv_buf_init(&b);
    mv_status st = render(s->tr, s->step, f, &ro, &s->notes, &b);
    if (st != MV_OK) {
        mv_buf_release(&b);
        return raise_status(st, NULL);
    }
    return buf_to_str(&b);
}

static PyObject *
snapshot_svg(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return snapshot_picture((Snapshot *)self, OUT_SVG, args, nargs, kwnames);
}

static PyObject *
snapshot_dot(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return snapshot_picture((Snapshot *)self, OUT_DOT, args, nargs, kwnames);
}

static PyObject *
snapshot_repr_svg(PyObject *self, PyObject *unused)
{
    return snapshot_picture((Snapshot *)self, OUT_SVG, NULL, 0, NULL);
}

/* The picture, with the notes under it (Jupyter shows HTML first). */
static PyObject *
snapshot_repr_html(PyObject *self, PyObject *unused)
{
    Snapshot *s = (Snapshot *)self;
    PyObject *svg = snapshot_picture(s, OUT_SVG, NULL, 0, NULL);
    if (!svg || !s->notes.n)
        return svg;
    PyObject *html = PyImport_ImportModule("html");
    PyObject *items = PyUnicode_FromString("");
    for (uint32_t i = 0; html && items && i < s->notes.n; i++) {
        PyObject *e = PyObject_CallMethod(html, "escape", "s", s->notes.v[i]);
        Py_SETREF(items, e ? PyUnicode_FromFormat("%U<li>%U</li>", items, e) : NULL);
        Py_XDECREF(e);
    }
    Py_XDECREF(html);
    PyObject *r = items ? PyUnicode_FromFormat("<div class=\"memview-snapshot\">%U"
                                               "<ul class=\"memview-notes\">%U</ul></div>",
                                               svg, items)
                        : NULL;
    Py_XDECREF(items);
    Py_DECREF(svg);
    return r;
}

static PyObject *
snapshot_add_note(PyObject *self, PyObject *arg)
{
    Snapshot *s = (Snapshot *)self;
    const char *t = PyUnicode_AsUTF8(arg);
    if (!t)
        return NULL;
    mv_notes_add(&s->notes, "%s", t);
    Py_CLEAR(s->parsed);
    Py_RETURN_NONE;
}

static PyObject *
snapshot_repr_pretty(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "_repr_pretty_(p, cycle)");
        return NULL;
    }
    PyObject *t = snapshot_str(self);
    if (!t)
        return NULL;
    PyObject *r = PyObject_CallMethod(args[0], "text", "O", t);
    Py_DECREF(t);
    return r;
}

static PyObject *
snapshot_save(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Snapshot *s = (Snapshot *)self;
    render_opts ro;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "save(path, *, inline=False, address=False)");
        return NULL;
    }
    if (parse_render_opts("save", args, nargs, kwnames, &ro, NULL, NULL) < 0)
        return NULL;
    return save_to(s->tr, s->step, &s->notes, args[0], &ro, false);
}

static PyObject *
snapshot_repr(PyObject *self)
{
    Snapshot *s = (Snapshot *)self;
    mv_state st;
    if (mv_trace_state(s->tr, s->step, &st) != MV_OK)
        return PyUnicode_FromString("<memview.Snapshot>");
    PyObject *r = PyUnicode_FromFormat("<memview.Snapshot: %u frame%s, %u object%s>", st.nframes,
                                       st.nframes == 1 ? "" : "s", st.nobjects,
                                       st.nobjects == 1 ? "" : "s");
    mv_state_release(&st);
    return r;
}

static PyMethodDef snapshot_methods[] = {
    {"to_json", snapshot_to_json, METH_NOARGS,
     "The state JSON (docs/state-format.md) of this step, with its notes."},
    {"get", (PyCFunction)(void (*)(void))snapshot_get, METH_FASTCALL,
     "get(name, default=None): the object record a name refers to."},
    {"text", (PyCFunction)(void (*)(void))snapshot_text, METH_FASTCALL | METH_KEYWORDS,
     "text(*, color=False, address=False, width=80): the terminal diagram."},
    {"svg", (PyCFunction)(void (*)(void))snapshot_svg, METH_FASTCALL | METH_KEYWORDS,
     "svg(*, inline=False, address=False): the diagram as an SVG document."},
    {"dot", (PyCFunction)(void (*)(void))snapshot_dot, METH_FASTCALL | METH_KEYWORDS,
     "dot(*, inline=False, address=False): the diagram in Graphviz DOT."},
    {"save", (PyCFunction)(void (*)(void))snapshot_save, METH_FASTCALL | METH_KEYWORDS,
     "save(path): write .svg .png .dot .json (state) .txt or .html by extension."},
    {"add_note", snapshot_add_note, METH_O, "Add a sentence to notes."},
    {"_repr_svg_", snapshot_repr_svg, METH_NOARGS, NULL},
    {"_repr_html_", snapshot_repr_html, METH_NOARGS, NULL},
    {"_repr_pretty_", (PyCFunction)(void (*)(void))snapshot_repr_pretty, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef snapshot_getset[] = {
    {"state", snapshot_get_state, NULL, "The state as Python data (the to_json() document).",
     NULL},
    {"objects", snapshot_get_objects, NULL, "The object records, sorted by ref.", NULL},
    {"frames", snapshot_get_frames, NULL, "The frames, outermost first.", NULL},
    {"notes", snapshot_get_notes, NULL, "What memview could not know here, in words.", NULL},
    {"step", snapshot_get_step, NULL, "The step this state is (0 for a snapshot).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods snapshot_as_mapping = {NULL, snapshot_getitem, NULL};
static PySequenceMethods snapshot_as_sequence = {.sq_contains = snapshot_contains};

static PyTypeObject SnapshotType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "memview.Snapshot",
    .tp_basicsize = sizeof(Snapshot),
    .tp_dealloc = snapshot_dealloc,
    .tp_repr = snapshot_repr,
    .tp_str = snapshot_str,
    .tp_as_mapping = &snapshot_as_mapping,
    .tp_as_sequence = &snapshot_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The state of a program at one moment, as memview recorded it.\n"
              "snap['x'] is the record of the object x refers to.",
    .tp_methods = snapshot_methods,
    .tp_getset = snapshot_getset,
};

/* ================= taking snapshots ================= */

typedef struct snap_args {
    PyObject *names, *namespace_, *hide, *hide_private;
    limit_args lim;
} snap_args;

static PyFrameObject *
caller_frame(void)
{
    PyFrameObject *f = PyEval_GetFrame(); /* borrowed */
    if (!f)
        PyErr_SetString(PyExc_RuntimeError, "memview: no Python frame is running");
    return f;
}

/* IPython's own names (a dict, new ref) when running in IPython, else NULL. */
static PyObject *
ipython_hidden(void)
{
    PyObject *mods = PyImport_GetModuleDict(); /* borrowed */
    if (!PyDict_GetItemString(mods, "IPython"))
        return NULL;
    PyObject *disp = PyImport_ImportModule("memview._display");
    PyObject *h = disp ? PyObject_CallMethod(disp, "ipython_hidden", NULL) : NULL;
    Py_XDECREF(disp);
    if (!h || !PyDict_Check(h)) {
        PyErr_Clear();
        Py_XDECREF(h);
        return NULL;
    }
    return h;
}

/* The snapshot a call of snapshot()/show()/render() asks for. objs/nobjs:
 * the objects to show (positional arguments). New Snapshot or NULL. */
static PyObject *
take_snapshot(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject *const *objs,
              Py_ssize_t nobjs, const snap_args *a)
{
    PyFrameObject *caller = caller_frame();
    if (!caller)
        return NULL;
    mv_limits lim;
    if (limits_from(&a->lim, &lim) < 0)
        return NULL;
    mv_snap_req rq;
    memset(&rq, 0, sizeof rq);
    rq.caller = caller;
    rq.call_args = args;
    rq.ncall_args = (size_t)nargs + (kwnames ? (size_t)PyTuple_GET_SIZE(kwnames) : 0);
    PyObject *labels = NULL, *hide = NULL;
    PyObject *ns = a->namespace_ && a->namespace_ != Py_None ? a->namespace_ : NULL;
    if (ns && !PyDict_Check(ns)) {
        PyErr_SetString(PyExc_TypeError, "namespace must be a dict");
        return NULL;
    }
    /* show(locals()) / show(globals()): a namespace, not an object */
    if (!ns && nobjs == 1 && PyDict_Check(objs[0])) {
        int64_t held = 0;
        for (size_t i = 0; i < rq.ncall_args; i++)
            held += args[i] == objs[0];
        if (mv_session_is_namespace_of(caller, objs[0], held)) {
            ns = objs[0];
            nobjs = 0;
        }
    }
    if (nobjs && a->names && a->names != Py_None) {
        if (!(labels = str_list(a->names, "names")))
            return NULL;
        if (PyList_GET_SIZE(labels) != nobjs) {
            Py_DECREF(labels);
            PyErr_Format(PyExc_ValueError, "names gives %zd names for %zd objects",
                         PyList_GET_SIZE(labels), nobjs);
            return NULL;
        }
    }
    bool hide_private = false;
    if (opt_bool(a->hide_private, &hide_private) < 0) {
        Py_XDECREF(labels);
        return NULL;
    }
    if (a->hide && a->hide != Py_None) {
        hide = PyDict_Check(a->hide) || PyAnySet_Check(a->hide) ? Py_NewRef(a->hide)
                                                                 : PySet_New(a->hide);
        if (!hide) {
            Py_XDECREF(labels);
            return NULL;
        }
    } else if (!nobjs && (hide = ipython_hidden()) != NULL) {
        hide_private = true;
    }
    bool in_ipython = hide && !(a->hide && a->hide != Py_None);
    rq.objs = objs;
    rq.nobjs = (size_t)nobjs;
    rq.labels = labels;
    rq.ns = ns;
    rq.copts.hide_names = hide;
    rq.copts.hide_private = hide_private;
    mv_trace *tr = NULL;
    mv_notes notes;
    memset(&notes, 0, sizeof notes);
    mv_status st = mv_session_snapshot(&rq, &lim, &tr, &notes);
    if (in_ipython)
        mv_notes_add(&notes, "IPython keeps references to recent results (Out, _, __, ___): "
                             "they count in the reference counts; IPython's own names and "
                             "names starting with _ are not shown");
    Py_XDECREF(labels);
    Py_XDECREF(hide);
    PyObject *r = st == MV_OK ? snapshot_wrap(NULL, tr, 0, &notes) : raise_status(st, NULL);
    mv_notes_release(&notes);
    return r;
}

#define SNAP_KW(a)                                                                          \
    {"names", &(a).names}, {"namespace", &(a).namespace_}, {"hide", &(a).hide},             \
        {"hide_private", &(a).hide_private}, {"max_items", &(a).lim.max_items},             \
        {"max_value", &(a).lim.max_value}, {"max_objects", &(a).lim.max_objects}

static PyObject *
mv_snapshot(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    snap_args a;
    memset(&a, 0, sizeof a);
    kwspec spec[] = {SNAP_KW(a), {NULL, NULL}};
    if (parse_kw("snapshot", args, nargs, kwnames, spec) < 0)
        return NULL;
    return take_snapshot(args, nargs, kwnames, args, nargs, &a);
}

static PyObject *
mv_show(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    snap_args a;
    PyObject *file = NULL, *color = NULL, *width = NULL, *address = NULL;
    memset(&a, 0, sizeof a);
    kwspec spec[] = {SNAP_KW(a),         {"file", &file},       {"color", &color},
                     {"width", &width},  {"address", &address}, {NULL, NULL}};
    if (parse_kw("show", args, nargs, kwnames, spec) < 0)
        return NULL;
    PyObject *snap = take_snapshot(args, nargs, kwnames, args, nargs, &a);
    if (!snap)
        return NULL;
    /* the snapshot is taken: what follows may run any code */
    PyObject *disp = PyImport_ImportModule("memview._display");
    PyObject *r = NULL;
    if (disp) {
        PyObject *kw = Py_BuildValue("{s:O,s:O,s:O,s:O}", "file", file ? file : Py_None, "color",
                                     color ? color : Py_None, "width", width ? width : Py_None,
                                     "address", address ? address : Py_False);
        PyObject *fn = kw ? PyObject_GetAttrString(disp, "show") : NULL;
        PyObject *pa = fn ? PyTuple_Pack(1, snap) : NULL;
        r = pa ? PyObject_Call(fn, pa, kw) : NULL;
        Py_XDECREF(pa);
        Py_XDECREF(fn);
        Py_XDECREF(kw);
        Py_DECREF(disp);
    }
    Py_DECREF(snap);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* ================= Trace ================= */

typedef struct {
    PyObject_HEAD
    mv_recording *rec;
    mv_limits lim;
    PyObject *files;    /* list of str: user files besides the traced code's own */
    PyObject *prefixes; /* list of str */
    PyObject *hide;     /* dict/set of names, or NULL */
    bool hide_private, no_tee;
    PyObject *result;   /* what trace_call's function returned */
    mv_notes extra;     /* notes added from Python (the magics) */
} Trace;

static int
trace_check_done(Trace *t)
{
    if (!t->rec) {
        PyErr_SetString(PyExc_RuntimeError, "this trace has not recorded anything yet");
        return -1;
    }
    if (mv_recording_running(t->rec)) {
        PyErr_SetString(PyExc_RuntimeError, "this trace is still recording");
        return -1;
    }
    return 0;
}

static void
trace_dealloc(PyObject *self)
{
    Trace *t = (Trace *)self;
    mv_recording_free(t->rec);
    Py_XDECREF(t->files);
    Py_XDECREF(t->prefixes);
    Py_XDECREF(t->hide);
    Py_XDECREF(t->result);
    mv_notes_release(&t->extra);
    PyObject_Free(self);
}

static mv_notes *
trace_notes(Trace *t, mv_notes *tmp)
{
    memset(tmp, 0, sizeof *tmp);
    if (t->rec)
        mv_notes_copy(tmp, mv_recording_notes(t->rec));
    mv_notes_copy(tmp, &t->extra);
    return tmp;
}

/* Start recording. root: the running frame to adopt, or NULL. first_file:
 * the file of the code to record (first user file), or NULL. held: objects
 * the call holds one more reference to while recording. */
static int
trace_begin(Trace *t, PyFrameObject *root, PyObject *first_file, PyObject *const *held,
            size_t nheld)
{
    if (t->rec && mv_recording_running(t->rec)) {
        PyErr_SetString(PyExc_RuntimeError, "this trace is already recording");
        return -1;
    }
    if (t->rec) {
        PyErr_SetString(PyExc_RuntimeError, "this trace has already recorded: make a new one");
        return -1;
    }
    Py_ssize_t nf = PyList_GET_SIZE(t->files) + (first_file ? 1 : 0);
    Py_ssize_t np = PyList_GET_SIZE(t->prefixes);
    const char **files = PyMem_Calloc((size_t)nf + 1, sizeof *files);
    const char **prefixes = PyMem_Calloc((size_t)np + 1, sizeof *prefixes);
    int rc = -1;
    if (!files || !prefixes) {
        PyErr_NoMemory();
        goto out;
    }
    Py_ssize_t k = 0;
    if (first_file && !(files[k++] = PyUnicode_AsUTF8(first_file)))
        goto out;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(t->files); i++)
        if (!(files[k++] = PyUnicode_AsUTF8(PyList_GET_ITEM(t->files, i))))
            goto out;
    for (Py_ssize_t i = 0; i < np; i++)
        if (!(prefixes[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(t->prefixes, i))))
            goto out;
    PyObject *self = (PyObject *)t;
    mv_rec_opts o;
    memset(&o, 0, sizeof o);
    o.root = root;
    o.user_files = files;
    o.nuser_files = (uint32_t)nf;
    o.user_prefixes = prefixes;
    o.nuser_prefixes = (uint32_t)np;
    o.no_tee = t->no_tee;
    o.copts.hide_names = t->hide;
    o.copts.hide_private = t->hide_private;
    o.copts.hide_values = &self; /* `with memview.trace() as t`: t is memview's */
    o.copts.nhide_values = 1;
    o.held = held;
    o.nheld = nheld;
    mv_status st = mv_recording_start(&o, &t->lim, &t->rec);
    rc = st == MV_OK ? 0 : (raise_status(st, NULL), -1);
out:
    PyMem_Free(files);
    PyMem_Free(prefixes);
    return rc;
}

/* "ValueError: bad" for the trace's end; runs the exception's __str__,
 * after recording, as printing a traceback would. */
static void
end_with(Trace *t, PyObject *exc)
{
    if (!exc || exc == Py_None) {
        mv_recording_stop(t->rec, MV_END_OK, 0, "");
        return;
    }
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    mv_recording_stop(t->rec, MV_END_EXCEPTION, 1, ""); /* stop first: __str__ is user code */
    const char *tname = Py_TYPE(exc)->tp_name;
    const char *dot = strrchr(tname, '.');
    PyObject *s = PyObject_Str(exc);
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    char msg[512];
    if (text && text[0])
        snprintf(msg, sizeof msg, "%s: %s", dot ? dot + 1 : tname, text);
    else
        snprintf(msg, sizeof msg, "%s", dot ? dot + 1 : tname);
    Py_XDECREF(s);
    PyErr_Clear();
    mv_trace_set_end((mv_trace *)mv_recording_trace(t->rec), MV_END_EXCEPTION, 1, msg);
    PyErr_Restore(et, ev, tb);
}

static PyObject *
code_file_of(PyObject *func)
{
    PyObject *f = func;
    if (PyMethod_Check(f))
        f = PyMethod_GET_FUNCTION(f);
    if (PyFunction_Check(f))
        return ((PyCodeObject *)PyFunction_GET_CODE(f))->co_filename;
    return NULL;
}

static PyObject *
trace_enter(PyObject *self, PyObject *unused)
{
    Trace *t = (Trace *)self;
    PyFrameObject *f = caller_frame();
    if (!f)
        return NULL;
    PyCodeObject *co = PyFrame_GetCode(f);
    int rc = trace_begin(t, f, co->co_filename, NULL, 0);
    Py_DECREF(co);
    return rc < 0 ? NULL : Py_NewRef(self);
}

static PyObject *
trace_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Trace *t = (Trace *)self;
    if (t->rec && mv_recording_running(t->rec))
        end_with(t, nargs >= 2 ? args[1] : NULL);
    Py_RETURN_FALSE;
}

static PyObject *
trace_start(PyObject *self, PyObject *unused)
{
    Trace *t = (Trace *)self;
    PyFrameObject *f = caller_frame();
    if (!f)
        return NULL;
    PyCodeObject *co = PyFrame_GetCode(f);
    /* the files given, or else the caller's: calls made from here on */
    int rc = trace_begin(t, NULL, PyList_GET_SIZE(t->files) || PyList_GET_SIZE(t->prefixes)
                                      ? NULL
                                      : co->co_filename,
                         NULL, 0);
    Py_DECREF(co);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
trace_stop(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Trace *t = (Trace *)self;
    PyObject *exc = NULL;
    kwspec spec[] = {{"exception", &exc}, {NULL, NULL}};
    if (nargs > 1 || parse_kw("stop", args, nargs, kwnames, spec) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "stop(exception=None)");
        return NULL;
    }
    if (nargs == 1)
        exc = args[0];
    if (t->rec && mv_recording_running(t->rec))
        end_with(t, exc);
    Py_RETURN_NONE;
}

/* Run func(*args, **kwargs) recorded; args/kwnames as the call received them
 * (args[0] is func). New ref to its result, or NULL. */
static PyObject *
trace_run_call(Trace *t, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "needs a function to call");
        return NULL;
    }
    PyObject *func = args[0];
    if (!PyCallable_Check(func)) {
        PyErr_SetString(PyExc_TypeError, "the first argument must be callable");
        return NULL;
    }
    PyFrameObject *caller = caller_frame();
    if (!caller)
        return NULL;
    PyObject *file = code_file_of(func);
    PyCodeObject *co = PyFrame_GetCode(caller);
    size_t ncall = (size_t)nargs - 1 + (kwnames ? (size_t)PyTuple_GET_SIZE(kwnames) : 0);
    /* the arguments sit on the caller's stack while func runs: one more
     * reference each than a plain call of func would hold */
    bool on_stack = mv_session_args_on_stack(caller, args);
    int rc = trace_begin(t, NULL, file ? file : co->co_filename, on_stack ? args + 1 : NULL,
                         on_stack ? ncall : 0);
    Py_DECREF(co);
    if (rc < 0)
        return NULL;
    if (!on_stack && ncall)
        mv_notes_add(&t->extra, "trace_call was not called directly from the program's code: "
                                "the counts of its arguments may include references held by "
                                "that call");
    PyObject *r = PyObject_Vectorcall(func, args + 1, (size_t)(nargs - 1), kwnames);
    if (r) {
        end_with(t, NULL);
    } else {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyErr_NormalizeException(&et, &ev, &tb);
        end_with(t, ev);
        PyErr_Restore(et, ev, tb);
    }
    return r;
}

static PyObject *
trace_call_method(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return trace_run_call((Trace *)self, args, nargs, kwnames);
}

static Py_ssize_t
trace_len(PyObject *self)
{
    Trace *t = (Trace *)self;
    return t->rec ? (Py_ssize_t)mv_trace_nsteps(mv_recording_trace(t->rec)) : 0;
}

static int
step_arg(Trace *t, PyObject *v, uint32_t *step)
{
    uint32_t n = mv_trace_nsteps(mv_recording_trace(t->rec));
    if (!n) {
        PyErr_SetString(PyExc_IndexError, "the trace recorded no step");
        return -1;
    }
    long long s = n - 1;
    if (v && v != Py_None) {
        s = PyLong_AsLongLong(v);
        if (s == -1 && PyErr_Occurred())
            return -1;
        if (s < 0)
            s += n;
    }
    if (s < 0 || s >= (long long)n) {
        PyErr_Format(PyExc_IndexError, "step %lld is out of range (the trace has %u steps)", s, n);
        return -1;
    }
    *step = (uint32_t)s;
    return 0;
}

static PyObject *
trace_state(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Trace *t = (Trace *)self;
    uint32_t step;
    if (trace_check_done(t) < 0 || step_arg(t, nargs ? args[0] : NULL, &step) < 0)
        return NULL;
    mv_notes tmp;
    PyObject *r = snapshot_wrap(self, (mv_trace *)mv_recording_trace(t->rec), step,
                                trace_notes(t, &tmp));
    mv_notes_release(&tmp);
    return r;
}

static PyObject *
trace_render_str(Trace *t, outfmt f)
{
    if (trace_check_done(t) < 0)
        return NULL;
    mv_buf b;
    mv_buf_init(&b);
    mv_notes tmp;
    mv_status st = render(mv_recording_trace(t->rec), 0, f, NULL, trace_notes(t, &tmp), &b);
    mv_notes_release(&tmp);
    if (st != MV_OK) {
        mv_buf_release(&b);
        return raise_status(st, NULL);
    }
    return buf_to_str(&b);
}

static PyObject *
trace_to_json(PyObject *self, PyObject *unused)
{
    return trace_render_str((Trace *)self, OUT_TRACE);
}

static PyObject *
trace_html(PyObject *self, PyObject *unused)
{
    return trace_render_str((Trace *)self, OUT_HTML);
}

static PyObject *
trace_save(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Trace *t = (Trace *)self;
    render_opts ro;
    PyObject *stepv = NULL;
    PyObject *name = NULL;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "save(path, *, step=None, inline=False, address=False)");
        return NULL;
    }
    if (parse_render_opts("save", args, nargs, kwnames, &ro, &name, &stepv) < 0)
        return NULL;
    uint32_t step = 0;
    if (trace_check_done(t) < 0)
        return NULL;
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(args[0], &bytes))
        return NULL;
    int f = format_of(PyBytes_AS_STRING(bytes), true);
    Py_DECREF(bytes);
    if (f < 0)
        return NULL;
    if (f != OUT_HTML && f != OUT_TRACE && step_arg(t, stepv, &step) < 0)
        return NULL;
    mv_notes tmp;
    PyObject *r = save_to(mv_recording_trace(t->rec), step, trace_notes(t, &tmp), args[0], &ro,
                          true);
    mv_notes_release(&tmp);
    return r;
}

static PyObject *
trace_repr_html(PyObject *self, PyObject *unused)
{
    Trace *t = (Trace *)self;
    if (!t->rec || mv_recording_running(t->rec))
        return Py_NewRef(Py_None);
    PyObject *page = trace_html(self, NULL);
    if (!page)
        return NULL;
    PyObject *html = PyImport_ImportModule("html");
    PyObject *esc = html ? PyObject_CallMethod(html, "escape", "Oi", page, 1) : NULL;
    Py_XDECREF(html);
    Py_DECREF(page);
    if (!esc)
        return NULL;
    mv_notes tmp;
    trace_notes(t, &tmp);
    PyObject *notes = PyUnicode_FromString("");
    for (uint32_t i = 0; notes && i < tmp.n; i++) {
        PyObject *n = PyUnicode_FromString(tmp.v[i]);
        PyObject *e = n ? PyObject_CallMethod(PyImport_AddModule("html"), "escape", "O", n) : NULL;
        PyObject *joined = e ? PyUnicode_FromFormat("%U<li>%U</li>", notes, e) : NULL;
        Py_XDECREF(n);
        Py_XDECREF(e);
        Py_SETREF(notes, joined);
    }
    mv_notes_release(&tmp);
    if (!notes) {
        Py_DECREF(esc);
        return NULL;
    }
    PyObject *r = PyUnicode_FromFormat(
        "<div class=\"memview-trace\"><iframe srcdoc=\"%U\" sandbox=\"allow-scripts\" "
        "style=\"width:100%%;height:640px;border:1px solid #ccc\" title=\"memview: %u steps\">"
        "</iframe><details><summary>memview notes</summary><ul>%U</ul></details></div>",
        esc, mv_trace_nsteps(mv_recording_trace(t->rec)), notes);
    Py_DECREF(esc);
    Py_DECREF(notes);
    return r;
}

static PyObject *
trace_add_note(PyObject *self, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    if (!s)
        return NULL;
    mv_notes_add(&((Trace *)self)->extra, "%s", s);
    Py_RETURN_NONE;
}

static PyObject *
trace_get_notes(PyObject *self, void *c)
{
    mv_notes tmp;
    PyObject *r = notes_list(trace_notes((Trace *)self, &tmp));
    mv_notes_release(&tmp);
    return r;
}

static PyObject *
trace_get_result(PyObject *self, void *c)
{
    Trace *t = (Trace *)self;
    return Py_NewRef(t->result ? t->result : Py_None);
}

static PyObject *
trace_get_recording(PyObject *self, void *c)
{
    return PyBool_FromLong(mv_recording_running(((Trace *)self)->rec));
}

static PyObject *
trace_get_end(PyObject *self, void *c)
{
    Trace *t = (Trace *)self;
    if (!t->rec || mv_recording_running(t->rec))
        Py_RETURN_NONE;
    const mv_trace *tr = mv_recording_trace(t->rec);
    return Py_BuildValue("{s:s,s:i,s:s}", "reason", mv_end_name(mv_trace_end(tr)), "exit_code",
                         mv_trace_exit_code(tr), "message", mv_trace_end_message(tr));
}

static PyObject *
trace_repr(PyObject *self)
{
    Trace *t = (Trace *)self;
    if (!t->rec)
        return PyUnicode_FromString("<memview.Trace: not started>");
    if (mv_recording_running(t->rec))
        return PyUnicode_FromString("<memview.Trace: recording>");
    return PyUnicode_FromFormat("<memview.Trace: %u steps>",
                                mv_trace_nsteps(mv_recording_trace(t->rec)));
}

static PyMethodDef trace_methods[] = {
    {"__enter__", trace_enter, METH_NOARGS, "Record the block from its next line."},
    {"__exit__", (PyCFunction)(void (*)(void))trace_exit, METH_FASTCALL, NULL},
    {"start", trace_start, METH_NOARGS,
     "Record calls of user code made from here on (the lines of the calling frame itself "
     "are not recorded: use `with`)."},
    {"stop", (PyCFunction)(void (*)(void))trace_stop, METH_FASTCALL | METH_KEYWORDS,
     "stop(exception=None): end the recording."},
    {"call", (PyCFunction)(void (*)(void))trace_call_method, METH_FASTCALL | METH_KEYWORDS,
     "call(func, *args, **kwargs): record the call, return its result."},
    {"state", (PyCFunction)(void (*)(void))trace_state, METH_FASTCALL,
     "state(step=-1): the Snapshot of one step (negative counts from the end)."},
    {"to_json", trace_to_json, METH_NOARGS, "The trace JSON (docs/trace-format.md)."},
    {"html", trace_html, METH_NOARGS, "The step-by-step viewer page (docs/viewer.md)."},
    {"save", (PyCFunction)(void (*)(void))trace_save, METH_FASTCALL | METH_KEYWORDS,
     "save(path, *, step=None): .html viewer, .json trace, or a picture/text of one step."},
    {"add_note", trace_add_note, METH_O, NULL},
    {"_repr_html_", trace_repr_html, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef trace_getset[] = {
    {"notes", trace_get_notes, NULL, "What memview could not know here, in words.", NULL},
    {"result", trace_get_result, NULL, "What the recorded call returned (trace_call).", NULL},
    {"recording", trace_get_recording, NULL, "True while recording.", NULL},
    {"end", trace_get_end, NULL, "How the recording ended: {reason, exit_code, message}.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods trace_as_sequence = {.sq_length = trace_len};

static PyTypeObject TraceType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "memview.Trace",
    .tp_basicsize = sizeof(Trace),
    .tp_dealloc = trace_dealloc,
    .tp_repr = trace_repr,
    .tp_as_sequence = &trace_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A recording of code run step by step (memview.trace()).",
    .tp_methods = trace_methods,
    .tp_getset = trace_getset,
};

typedef struct trace_args {
    PyObject *files, *prefixes, *hide, *hide_private, *stdout_;
    limit_args lim;
} trace_args;

#define TRACE_KW(a)                                                                         \
    {"files", &(a).files}, {"prefixes", &(a).prefixes}, {"hide", &(a).hide},                \
        {"hide_private", &(a).hide_private}, {"stdout", &(a).stdout_},                      \
        {"max_steps", &(a).lim.max_steps}, {"max_items", &(a).lim.max_items},               \
        {"max_value", &(a).lim.max_value}, {"max_objects", &(a).lim.max_objects}

static Trace *
trace_new_from(const trace_args *a)
{
    mv_limits lim;
    if (limits_from(&a->lim, &lim) < 0)
        return NULL;
    bool hide_private = false, tee = true;
    if (opt_bool(a->hide_private, &hide_private) < 0 || opt_bool(a->stdout_, &tee) < 0)
        return NULL;
    PyObject *files = str_list(a->files, "files");
    PyObject *prefixes = files ? str_list(a->prefixes, "prefixes") : NULL;
    PyObject *hide = NULL;
    if (prefixes && a->hide && a->hide != Py_None)
        hide = PyDict_Check(a->hide) || PyAnySet_Check(a->hide) ? Py_NewRef(a->hide)
                                                                 : PySet_New(a->hide);
    Trace *t = prefixes && (hide || !a->hide || a->hide == Py_None)
                   ? PyObject_New(Trace, &TraceType)
                   : NULL;
    if (!t) {
        Py_XDECREF(files);
        Py_XDECREF(prefixes);
        Py_XDECREF(hide);
        return NULL;
    }
    t->rec = NULL;
    t->lim = lim;
    t->files = files;
    t->prefixes = prefixes;
    t->hide = hide;
    t->hide_private = hide_private;
    t->no_tee = !tee;
    t->result = NULL;
    memset(&t->extra, 0, sizeof t->extra);
    return t;
}

static PyObject *
mv_trace_fn(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    trace_args a;
    memset(&a, 0, sizeof a);
    kwspec spec[] = {TRACE_KW(a), {NULL, NULL}};
    if (nargs) {
        PyErr_SetString(PyExc_TypeError, "trace() takes keyword arguments only");
        return NULL;
    }
    if (parse_kw("trace", args, nargs, kwnames, spec) < 0)
        return NULL;
    return (PyObject *)trace_new_from(&a);
}

static PyObject *
mv_trace_call(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    trace_args a;
    memset(&a, 0, sizeof a);
    Trace *t = trace_new_from(&a);
    if (!t)
        return NULL;
    PyObject *r = trace_run_call(t, args, nargs, kwnames);
    if (!r) {
        Py_DECREF(t);
        return NULL;
    }
    t->result = r;
    return (PyObject *)t;
}

/* ================= render ================= */

static PyObject *
mv_render_fn(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "render(target, path, *, step=None, inline=False, address=False)");
        return NULL;
    }
    PyObject *target = args[0];
    if (Py_IS_TYPE(target, &TraceType)) /* path and keywords, as Trace.save takes them */
        return trace_save(target, args + 1, 1, kwnames);
    render_opts ro;
    if (parse_render_opts("render", args, nargs, kwnames, &ro, NULL, NULL) < 0)
        return NULL;
    if (Py_IS_TYPE(target, &SnapshotType)) {
        Snapshot *s = (Snapshot *)target;
        return save_to(s->tr, s->step, &s->notes, args[1], &ro, false);
    }
    /* anything else: a snapshot of it (a namespace dict of the caller, or the object) */
    snap_args sa;
    memset(&sa, 0, sizeof sa);
    PyObject *snap = take_snapshot(args, nargs, kwnames, args, 1, &sa);
    if (!snap)
        return NULL;
    Snapshot *s = (Snapshot *)snap;
    PyObject *r = save_to(s->tr, s->step, &s->notes, args[1], &ro, false);
    Py_DECREF(snap);
    return r;
}

/* ================= module ================= */

static PyObject *
mv_configure(PyObject *mod, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *library = NULL, *own = NULL;
    kwspec spec[] = {{"library", &library}, {"own", &own}, {NULL, NULL}};
    if (nargs || parse_kw("_configure", args, nargs, kwnames, spec) < 0) {
        if (nargs)
            PyErr_SetString(PyExc_TypeError, "_configure(*, library, own)");
        return NULL;
    }
    mv_status st = mv_session_configure(library, own);
    if (st != MV_OK)
        return raise_status(st, NULL);
    Py_RETURN_NONE;
}

static PyObject *
mv_png_available(PyObject *mod, PyObject *unused)
{
    return PyBool_FromLong(mv_render_png_available());
}

static PyMethodDef module_methods[] = {
    {"snapshot", (PyCFunction)(void (*)(void))mv_snapshot, METH_FASTCALL | METH_KEYWORDS,
     "snapshot(*objects, names=None, namespace=None, hide=None, hide_private=False,\n"
     "         max_items=100, max_value=200, max_objects=5000) -> Snapshot\n\n"
     "The state of the caller's frames (no argument), of a namespace (locals(),\n"
     "globals(), namespace=dict) or of the given objects, named after the caller's\n"
     "names for them (or names=[...]). memview's own call is not shown nor counted."},
    {"show", (PyCFunction)(void (*)(void))mv_show, METH_FASTCALL | METH_KEYWORDS,
     "show(*objects, file=None, color=None, width=None, address=False, ...snapshot options)\n\n"
     "Print the memory diagram of a snapshot (in Jupyter: display the picture)."},
    {"render", (PyCFunction)(void (*)(void))mv_render_fn, METH_FASTCALL | METH_KEYWORDS,
     "render(target, path, *, step=None, inline=False, address=False)\n\n"
     "Write a Snapshot, a Trace, or a snapshot of target (an object, locals(), globals())\n"
     "to path: .svg .png .dot .html .json .txt."},
    {"trace", (PyCFunction)(void (*)(void))mv_trace_fn, METH_FASTCALL | METH_KEYWORDS,
     "trace(*, files=None, prefixes=None, hide=None, hide_private=False, stdout=True,\n"
     "      max_steps=100000, ...) -> Trace\n\n"
     "A recorder: `with memview.trace() as t:` records the block step by step."},
    {"trace_call", (PyCFunction)(void (*)(void))mv_trace_call, METH_FASTCALL | METH_KEYWORDS,
     "trace_call(func, *args, **kwargs) -> Trace\n\n"
     "Call func recorded step by step; its result is the Trace's .result. An exception\n"
     "from func propagates (record with `with memview.trace()` inside try to keep it)."},
    {"_configure", (PyCFunction)(void (*)(void))mv_configure, METH_FASTCALL | METH_KEYWORDS,
     NULL},
    {"png_available", mv_png_available, METH_NOARGS,
     "True when PNG output is available (memview was built with librsvg)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_memview",
    "memview's C core, used from inside Python (see the memview package).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__memview(void);

PyMODINIT_FUNC
PyInit__memview(void)
{
    if (Py_Version >> 16 != PY_VERSION_HEX >> 16) {
        PyErr_Format(PyExc_ImportError, "_memview was built for Python %s, not %s", PY_VERSION,
                     Py_GetVersion());
        return NULL;
    }
    if (PyType_Ready(&SnapshotType) < 0 || PyType_Ready(&TraceType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Snapshot", (PyObject *)&SnapshotType) < 0 ||
        PyModule_AddObjectRef(m, "Trace", (PyObject *)&TraceType) < 0 ||
        PyModule_AddStringConstant(m, "__version__", MEMVIEW_VERSION) < 0 ||
        PyModule_AddStringConstant(m, "python_version", PY_VERSION) < 0 ||
        PyModule_AddStringConstant(m, "build_exe", MV_BUILD_EXE) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
