/* Capture: the read-only walk from frames to objects; contract in capture.h.
 *
 * Order of work in a step: every local is "reached" (mv_rec_ref gives its
 * ref and tells whether its content must be read); objects whose content
 * must be read go on a queue; the queue is drained breadth-first, each
 * object's children being reached as its items are read. Immutable objects
 * already recorded are not read again: only their refcount is, and their
 * children (tuple items) are reached so they stay in the picture. */
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>

#include <math.h>
#include <string.h>

#include "capture.h"
#include "hooks.h"
#include "internals.h"

#define MV_T_OBJECT 6
#define MV_T_OBJECT_EX 16
#define MV_READONLY 1

typedef struct qitem {
    PyObject *o; /* borrowed: reachable from a frame for the whole step */
    mv_recref r;
    uint8_t kind;
    uint32_t type;
} qitem;

typedef struct tcache {
    PyTypeObject *tp; /* address only: never dereferenced unless live */
    PyObject *qualname; /* address of ht_qualname when cached (heap types) */
    uint32_t id;
    uint8_t kind;       /* mv_kind: depends on the type alone */
    uint8_t pre;        /* allocator pre-header */
} tcache;

/* One binding of a frame as seen at an earlier step: when the same name
 * holds the same object again, its slot, ref, type and kind are reused
 * (mv_rec_touch re-checks that the object was not freed meanwhile). */
typedef struct binding {
    PyObject *name, *value; /* addresses only */
    PyTypeObject *tp;
    PyObject *qualname;     /* heap types: ht_qualname then (a renamed class misses) */
    uint64_t ident;
    Py_ssize_t epos;        /* its entry in the namespace dict, or -1 */
    uint32_t nid, slot, ref, type;
    uint8_t kind;
    bool fast; /* add_local's fast path applies (see there) */
} binding;

struct bcache {
    uint64_t serial;
    binding *b;
    uint32_t n, cap;
    uint32_t at; /* next binding position while walking the frame */
    /* a namespace dict's table as it was when its shown names (the first
     * nvis bindings) were found: while the table and its used entries are
     * the same, no name was added and only those entries need reading */
    const void *table;
    Py_ssize_t nentries;
    uint32_t nvis;
};

/* Direct-mapped cache of str object -> string id; an entry is trusted only
 * when the text still matches (the address may hold another str now). */
#define NAME_CACHE 512
typedef struct ncache {
    PyObject *s; /* address only */
    uint32_t id;
    uint32_t len;
} ncache;

/* The name object a heap type is shown by (NULL for static types): a
 * cache entry made under another name is stale. */
static inline PyObject *
heap_qualname(PyTypeObject *tp)
{
    return (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ? ((PyHeapTypeObject *)tp)->ht_qualname : NULL;
}

/* A cache entry made for type tp when heap_qualname(tp) was qn is still
 * named right (a static type, qn NULL, cannot be renamed). */
static inline bool
same_name(PyTypeObject *tp, PyObject *qn)
{
    return !qn || ((PyHeapTypeObject *)tp)->ht_qualname == qn;
}

/* Direct-mapped cache of objects reached before: what reach_full worked
 * out for the object at that address (type id, kind, identity hash, the
 * model's slot and ref). Used only while the address holds an object of the
 * same type (and, for classes, the same qualified name), and the model
 * confirms that slot still holds that ref with that identity (mv_rec_touch):
 * a block freed in between retired the slot. As for bindings, floats and
 * tuples have their identity recomputed (free lists). */
#define OBJ_CACHE 1024
typedef struct ocache {
    PyObject *o;        /* address only */
    PyTypeObject *tp;   /* address only */
    PyObject *qualname; /* heap types: ht_qualname when cached */
    uint64_t ident;
    uint32_t slot, ref, type;
    uint8_t kind, pre;
} ocache;

/* names the interpreter puts in module and class namespaces: not shown */
static const char *const hidden_names[] = {"__name__", "__doc__", "__package__", "__loader__",
                                        "__spec__", "__annotations__", "__builtins__",
                                        "__file__", "__cached__", "__module__", "__qualname__",
                                        "__firstlineno__", "__static_attributes__",
                                        "__classcell__", NULL};

struct mv_capture {
    uint32_t frames_hidden; /* for the next step: frames the caller left out */
    mv_trace *tr;
    const mv_limits *lim;
    PyObject *s_sizeof; /* strong ref to the interned "__sizeof__", released in free */
    PyObject *s_return; /* strong ref to "<return>" (no Python name can be it), released in free */
    qitem *q;
    size_t nq, capq;
    uint32_t *items;
    size_t nitems, capitems;
    mv_buf val;
    mv_buf tmp;
    uint32_t nreached;
    bool full; /* the per-step object cap was reached */
    mv_map types; /* type address -> tcache index + 1 */
    PyObject *hide[16]; /* strong refs to the interned names hidden in module
                           and class frames, released in free */
    int nhide;
    PyObject *hidetab[64]; /* the same, by address: a direct-mapped test */
    tcache *tc;
    uint32_t ntc, captc;
    ncache names[NAME_CACHE];
    ocache objs[OBJ_CACHE];
    /* per stack position, the bindings seen at the last step (fast path) */
    struct bcache *frames;
    uint32_t nframes_c;
    bool unreach_phase; /* reading objects no frame reaches (see unreachable_walk) */
    struct ugroup *ug;  /* during that phase: the group, to tell garbage from held */
    /* in-process use only (session.c): see mv_capture_opts */
    mv_capture_opts opts;
    mv_map adjust; /* object address -> references memview's call holds */
    uint64_t int_size[64]; /* see size_of */
    uint64_t float_size;
};

static bool is_garbage(const mv_capture *c, PyObject *o);

/* In the unreachable phase only (rare): tell the model whether o is garbage,
 * so that its "known" content is compared with the right mark. Kept out of
 * line so that the per-object fast path stays small. */
static __attribute__((noinline)) void
unreach_mark(mv_capture *c, PyObject *o)
{
    mv_rec_set_unreachable_phase(c->tr, is_garbage(c, o));
}

mv_status
mv_capture_new(mv_trace *tr, mv_capture **out)
{
    mv_capture *c = mv_calloc(1, sizeof *c);
    if (!c)
        return MV_ENOMEM;
    c->tr = tr;
    c->lim = mv_trace_limits(tr);
    c->s_sizeof = PyUnicode_InternFromString("__sizeof__");
    c->s_return = PyUnicode_InternFromString("<return>");
    for (int i = 0; hidden_names[i] && c->nhide < 16; i++) {
        PyObject *n = PyUnicode_InternFromString(hidden_names[i]);
        if (n) {
            c->hide[c->nhide++] = n;
            c->hidetab[((uintptr_t)n >> 4) & 63] = n;
        }
        else
            PyErr_Clear();
    }
    if (!c->s_sizeof || !c->s_return) {
        PyErr_Clear();
        Py_XDECREF(c->s_sizeof);
        Py_XDECREF(c->s_return);
        mv_free(c);
        return MV_EPYTHON;
    }
    *out = c;
    return MV_OK;
}

void
mv_capture_free(mv_capture *c)
{
    if (!c)
        return;
    Py_XDECREF(c->s_sizeof);
    Py_XDECREF(c->s_return);
    for (int i = 0; i < c->nhide; i++)
        Py_DECREF(c->hide[i]);
    mv_free(c->q);
    mv_free(c->items);
    mv_buf_release(&c->val);
    mv_buf_release(&c->tmp);
    mv_map_release(&c->types);
    mv_map_release(&c->adjust);
    for (uint32_t i = 0; i < c->nframes_c; i++)
        mv_free(c->frames[i].b);
    mv_free(c->frames);
    mv_free(c->tc);
    mv_free(c);
}

/* ---- text ---- */

static void
put_utf8(mv_buf *b, Py_UCS4 ch)
{
    char u[4];
    size_t n;
    if (ch < 0x80) {
        u[0] = (char)ch;
        n = 1;
    } else if (ch < 0x800) {
        u[0] = (char)(0xC0 | (ch >> 6));
        u[1] = (char)(0x80 | (ch & 0x3F));
        n = 2;
    } else if (ch < 0x10000) { /* lone surrogates too (WTF-8) */
        u[0] = (char)(0xE0 | (ch >> 12));
        u[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
        u[2] = (char)(0x80 | (ch & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (ch >> 18));
        u[1] = (char)(0x80 | ((ch >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((ch >> 6) & 0x3F));
        u[3] = (char)(0x80 | (ch & 0x3F));
        n = 4;
    }
    mv_buf_append(b, u, n);
}

/* Append at most maxch characters of s; returns its length in characters.
 * Reads the canonical buffer (no UTF-8 cache is created in the object). */
static Py_ssize_t
str_text(mv_buf *b, PyObject *s, Py_ssize_t maxch)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    Py_ssize_t m = n < maxch ? n : maxch;
    if (PyUnicode_IS_ASCII(s)) {
        mv_buf_append(b, PyUnicode_DATA(s), (size_t)m);
        return n;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t i = 0; i < m; i++)
        put_utf8(b, PyUnicode_READ(kind, data, i));
    return n;
}

uint32_t
mv_capture_str_id(mv_capture *c, PyObject *s)
{
    if (!PyUnicode_Check(s))
        return 0;
    if (PyUnicode_IS_ASCII(s)) {
        size_t n = (size_t)PyUnicode_GET_LENGTH(s);
        const char *data = PyUnicode_DATA(s);
        ncache *e = &c->names[((uintptr_t)s >> 4) % NAME_CACHE];
        if (e->s == s && e->len == n && memcmp(mv_trace_str(c->tr, e->id, NULL), data, n) == 0)
            return e->id;
        uint32_t id = mv_trace_intern(c->tr, data, n);
        if (id != UINT32_MAX && n <= UINT32_MAX)
            *e = (ncache){s, id, (uint32_t)n};
        return id;
    }
    mv_buf_reset(&c->tmp);
    str_text(&c->tmp, s, PY_SSIZE_T_MAX);
    return mv_trace_intern(c->tr, c->tmp.data ? c->tmp.data : "", c->tmp.len);
}

/* ---- types ---- */

static mv_kind kind_of(PyObject *o);

/* String id of o's type name, its kind and pre-header (cached per type). */
static uint32_t
type_info(mv_capture *c, PyObject *o, mv_kind *kind, uint8_t *pre)
{
    PyTypeObject *tp = Py_TYPE(o);
    PyObject *qn = (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ? ((PyHeapTypeObject *)tp)->ht_qualname
                                                        : NULL;
    uint64_t *v = mv_map_get(&c->types, (uint64_t)(uintptr_t)tp);
    if (v && c->tc[*v - 1].qualname == qn) {
        *kind = (mv_kind)c->tc[*v - 1].kind;
        *pre = c->tc[*v - 1].pre;
        return c->tc[*v - 1].id;
    }
    *kind = kind_of(o);
    *pre = (uint8_t)mv_pyi_preheader(tp);
    uint32_t id;
    if (qn && PyUnicode_Check(qn)) {
        id = mv_capture_str_id(c, qn);
    } else {
        /* static types: tp_name may carry a module prefix ("collections.deque") */
        const char *name = tp->tp_name;
        id = mv_trace_intern(c->tr, name, strlen(name));
    }
    if (id == UINT32_MAX)
        return 0;
    if (!v) {
        if (c->ntc == c->captc) {
            uint32_t cap = c->captc ? c->captc * 2 : 64;
            tcache *t = mv_realloc(c->tc, cap * sizeof *t);
            if (!t)
                return id;
            c->tc = t;
            c->captc = cap;
        }
        if (mv_map_put(&c->types, (uint64_t)(uintptr_t)tp, (uint64_t)c->ntc + 1) != MV_OK)
            return id;
        c->tc[c->ntc++] = (tcache){tp, qn, id, (uint8_t)*kind, *pre};
        mv_hooks_note_type(tp); /* its blocks can be counted by name */
    } else {
        c->tc[*v - 1] = (tcache){tp, qn, id, (uint8_t)*kind, *pre};
    }
    return id;
}

static mv_kind
kind_of(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (o == Py_None)
        return MV_K_NONE;
    if (PyBool_Check(o))
        return MV_K_BOOL;
    if (PyLong_Check(o))
        return MV_K_INT;
    if (PyFloat_Check(o))
        return MV_K_FLOAT;
    if (PyComplex_Check(o))
        return MV_K_COMPLEX;
    if (PyUnicode_Check(o))
        return MV_K_STR;
    if (PyBytes_Check(o) || PyByteArray_Check(o))
        return MV_K_BYTES;
    if (PyList_Check(o))
        return MV_K_LIST;
    if (PyTuple_Check(o))
        return MV_K_TUPLE;
    if (PyFrozenSet_Check(o))
        return MV_K_FROZENSET;
    if (PyAnySet_Check(o))
        return MV_K_SET;
    if (PyDict_Check(o))
        return MV_K_DICT;
    if (PyType_Check(o))
        return MV_K_CLASS;
    if (PyFunction_Check(o))
        return MV_K_FUNCTION;
    if (PyModule_Check(o))
        return MV_K_MODULE;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        return MV_K_INSTANCE;
    return MV_K_OPAQUE;
}

static bool
kind_immutable(mv_kind k, PyObject *o)
{
    switch (k) {
    case MV_K_NONE:
    case MV_K_BOOL:
    case MV_K_INT:
    case MV_K_FLOAT:
    case MV_K_COMPLEX:
    case MV_K_STR:
    case MV_K_TUPLE:
    case MV_K_FROZENSET:
        return true;
    case MV_K_BYTES:
        return PyBytes_Check(o);
    default:
        return false;
    }
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

/* Identity hash of an immutable object's content (0 for mutable ones). */
static uint64_t
ident_of(mv_capture *c, PyObject *o, mv_kind k)
{
    uint64_t h = 0x51ed270b27a1f1a3ULL ^ (uint64_t)k;
    switch (k) {
    case MV_K_INT: {
        int ovf = 0;
        long long v;
        bool small = mv_pyi_long_small(o, &v);
        if (!small)
            v = PyLong_AsLongLongAndOverflow(o, &ovf);
        if (small || (!ovf && !(v == -1 && PyErr_Occurred()))) {
            h = mix(h, (uint64_t)v);
        } else {
            PyErr_Clear();
            h = mix(h, (uint64_t)PyLong_Type.tp_hash(o));
            h = mix(h, (uint64_t)Py_SIZE(o));
        }
        break;
    }
    case MV_K_FLOAT: {
        double d = PyFloat_AS_DOUBLE(o);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        h = mix(h, bits);
        break;
    }
    case MV_K_COMPLEX: {
        Py_complex z = ((PyComplexObject *)o)->cval;
        uint64_t a, b;
        memcpy(&a, &z.real, sizeof a);
        memcpy(&b, &z.imag, sizeof b);
        h = mix(mix(h, a), b);
        break;
    }
    case MV_K_STR:
        h = mix(mix(h, (uint64_t)PyUnicode_Type.tp_hash(o)), (uint64_t)PyUnicode_GET_LENGTH(o));
        break;
    case MV_K_BYTES:
        h = mix(mix(h, (uint64_t)PyBytes_Type.tp_hash(o)), (uint64_t)PyBytes_GET_SIZE(o));
        break;
    case MV_K_TUPLE: {
        Py_ssize_t n = PyTuple_GET_SIZE(o);
        h = mix(h, (uint64_t)n);
        Py_ssize_t m = n < (Py_ssize_t)c->lim->max_items ? n : (Py_ssize_t)c->lim->max_items;
        for (Py_ssize_t i = 0; i < m; i++)
            h = mix(h, (uint64_t)(uintptr_t)PyTuple_GET_ITEM(o, i));
        break;
    }
    case MV_K_FROZENSET: {
        Py_ssize_t pos = 0;
        PyObject *key;
        uint32_t i = 0;
        h = mix(h, (uint64_t)PySet_GET_SIZE(o));
        while (i++ < c->lim->max_items && mv_pyi_set_next(o, &pos, &key))
            h = mix(h, (uint64_t)(uintptr_t)key);
        break;
    }
    case MV_K_NONE:
    case MV_K_BOOL:
        h = mix(h, (uint64_t)(uintptr_t)o);
        break;
    default:
        return 0;
    }
    return h ? h : 1;
}

/* sys.getsizeof without running user code: the type's __sizeof__ if it is a
 * C method (builtins, and user classes that do not override it), else the
 * C layout; plus the allocator pre-header, as getsizeof adds it. */
static uint64_t size_of_slow(mv_capture *c, PyObject *o);

/* The sizes of exact ints (by digit count) and floats, as their own
 * __sizeof__ gave them the first time: a program makes many. */
#define INT_SIZES 64
static uint64_t
size_of(mv_capture *c, PyObject *o)
{
    if (PyLong_CheckExact(o)) {
        size_t n = mv_pyi_long_ndigits(o);
        if (n >= INT_SIZES)
            return size_of_slow(c, o);
        if (!c->int_size[n])
            c->int_size[n] = size_of_slow(c, o);
        return c->int_size[n];
    }
    if (PyFloat_CheckExact(o)) {
        if (!c->float_size)
            c->float_size = size_of_slow(c, o);
        return c->float_size;
    }
    return size_of_slow(c, o);
}

static uint64_t
size_of_slow(mv_capture *c, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    Py_ssize_t size = -1;
    PyObject *m = _PyType_Lookup(tp, c->s_sizeof); /* borrowed */
    if (m && Py_IS_TYPE(m, &PyMethodDescr_Type)) {
        PyMethodDef *def = ((PyMethodDescrObject *)m)->d_method;
        if ((def->ml_flags & (METH_NOARGS | METH_VARARGS | METH_KEYWORDS | METH_O)) == METH_NOARGS) {
            PyObject *r = def->ml_meth(o, NULL);
            if (r) {
                size = PyLong_AsSsize_t(r);
                Py_DECREF(r);
            }
            if (size < 0) {
                PyErr_Clear();
                size = -1;
            }
        }
    }
    if (size < 0) {
        Py_ssize_t items = tp->tp_itemsize ? Py_SIZE(o) : 0;
        if (items < 0)
            items = -items;
        size = tp->tp_basicsize + items * tp->tp_itemsize;
    }
    return (uint64_t)size + mv_pyi_getsizeof_extra(o);
}

/* ---- reaching objects ---- */

static inline mv_status
enqueue(mv_capture *c, PyObject *o, const mv_recref *r, mv_kind k, uint32_t t)
{
    if (c->nq == c->capq) {
        size_t cap = c->capq ? c->capq * 2 : 256;
        qitem *q = mv_realloc(c->q, cap * sizeof *q);
        if (!q)
            return MV_ENOMEM;
        c->q = q;
        c->capq = cap;
    }
    c->q[c->nq++] = (qitem){o, *r, (uint8_t)k, t};
    return MV_OK;
}

/* The count the program holds: memview's own references (in-process
 * calls) taken off; -1 for immortal objects. */
static inline int64_t
program_refcount(mv_capture *c, PyObject *o, bool immortal)
{
    if (immortal)
        return -1;
    int64_t n = (int64_t)Py_REFCNT(o);
    if (c->adjust.count) {
        uint64_t *adj = mv_map_get(&c->adjust, (uint64_t)(uintptr_t)o);
        if (adj)
            n -= (int64_t)*adj;
    }
    return n;
}

/* First reached in this step: an immutable scalar recorded before needs
 * only its count (read_object would do the same), anything else is queued
 * for reading. */
static inline mv_status
reached_now(mv_capture *c, PyObject *o, const mv_recref *r, mv_kind k, uint32_t t)
{
    c->nreached++;
    if (r->known && k != MV_K_TUPLE && k != MV_K_FROZENSET)
        return mv_rec_refcount(c->tr, r, program_refcount(c, o, r->immortal));
    return enqueue(c, o, r, k, t);
}

/* Find or assign o's ref; queue it for reading if first reached now. */
static mv_status
reach_full(mv_capture *c, PyObject *o, mv_recref *r, mv_kind *kind, uint32_t *type,
           uint64_t *identp)
{
    PyTypeObject *tp = Py_TYPE(o);
    ocache *e = &c->objs[((uintptr_t)o >> 4) & (OBJ_CACHE - 1)];
    if (e->o == o && e->tp == tp && !c->unreach_phase && same_name(tp, e->qualname)) {
        mv_kind k = (mv_kind)e->kind;
        uint64_t ident = (k == MV_K_FLOAT || k == MV_K_TUPLE) ? ident_of(c, o, k) : e->ident;
        if (mv_rec_touch(c->tr, e->slot, e->ref, ident, INT64_MIN, r)) {
            *kind = k;
            *type = e->type;
            *identp = ident;
            if (r->seen)
                return MV_OK;
            return reached_now(c, o, r, k, e->type);
        }
    }
    uint8_t pre;
    uint32_t t = type_info(c, o, kind, &pre);
    uint64_t ident = kind_immutable(*kind, o) ? ident_of(c, o, *kind) : 0;
    *type = t;
    *identp = ident;
    if (__builtin_expect(c->unreach_phase, 0))
        unreach_mark(c, o);
    mv_status st =
        mv_rec_ref_keyed(c->tr, (uint64_t)(uintptr_t)o, t, (uint64_t)(uintptr_t)tp, pre, ident, r);
    if (st != MV_OK)
        return st;
    *e = (ocache){o, tp, heap_qualname(tp), ident, r->slot, r->ref, t, (uint8_t)*kind, pre};
    if (r->seen)
        return MV_OK;
    return reached_now(c, o, r, *kind, t);
}

static mv_status
reach(mv_capture *c, PyObject *o, uint32_t *ref)
{
    mv_recref r;
    mv_kind k;
    uint32_t t;
    uint64_t ident;
    mv_status st = reach_full(c, o, &r, &k, &t, &ident);
    *ref = r.ref;
    return st;
}

static bool
cap_reached(mv_capture *c)
{
    if (c->nreached < c->lim->max_objects)
        return false;
    c->full = true;
    return true;
}

static mv_status
add_item(mv_capture *c, uint32_t v)
{
    if (c->nitems == c->capitems) {
        size_t cap = c->capitems ? c->capitems * 2 : 256;
        uint32_t *p = mv_realloc(c->items, cap * sizeof *p);
        if (!p)
            return MV_ENOMEM;
        c->items = p;
        c->capitems = cap;
    }
    c->items[c->nitems++] = v;
    return MV_OK;
}

static mv_status
add_ref(mv_capture *c, PyObject *o)
{
    uint32_t ref;
    mv_status st = reach(c, o, &ref);
    return st == MV_OK ? add_item(c, ref) : st;
}

/* ---- values ---- */

/* Write u in decimal ending at end; returns where it starts. Two digits per
 * division, and eight-digit groups whose divisions do not wait on each
 * other: the chain of divisions is what converting costs. */
static char *
decimal(char *end, unsigned long long u)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    while (u >= 100000000) {
        uint32_t lo = (uint32_t)(u % 100000000);
        u /= 100000000;
        for (int k = 0; k < 4; k++) {
            uint32_t r = lo % 100;
            lo /= 100;
            end -= 2;
            memcpy(end, pairs + 2 * r, 2);
        }
    }
    uint32_t w = (uint32_t)u;
    while (w >= 100) {
        uint32_t r = w % 100;
        w /= 100;
        end -= 2;
        memcpy(end, pairs + 2 * r, 2);
    }
    if (w >= 10) {
        end -= 2;
        memcpy(end, pairs + 2 * w, 2);
    } else {
        *--end = (char)('0' + w);
    }
    return end;
}

static void
value_int(mv_capture *c, PyObject *o, mv_object *ob)
{
    mv_buf *b = &c->val;
    int ovf = 0;
    long long v;
    if (mv_pyi_long_small(o, &v) ||
        (v = PyLong_AsLongLongAndOverflow(o, &ovf), !ovf && !(v == -1 && PyErr_Occurred()))) {
        char digits[24];
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        int n = (int)(decimal(digits + 24, u) - digits);
        if (v < 0)
            digits[--n] = '-';
        mv_buf_append(b, digits + n, (size_t)(24 - n));
        if (v > 9007199254740992LL || v < -9007199254740992LL)
            ob->flags |= MV_OF_REPR;
        return;
    }
    PyErr_Clear();
    ob->flags |= MV_OF_REPR;
    size_t bits = _PyLong_NumBits(o);
    if (bits == (size_t)-1) {
        PyErr_Clear();
        bits = 0;
    }
    if (bits > 70000) {
        /* decimal conversion is quadratic: state the magnitude instead */
        mv_buf_printf(b, "<int of %zu digits>", (size_t)((double)bits * 0.30102999566398) + 1);
        return;
    }
    PyObject *s = mv_pyi_long_decimal(o);
    if (!s) {
        PyErr_Clear();
        mv_buf_puts(b, "<int>");
        return;
    }
    Py_ssize_t n = str_text(b, s, c->lim->max_value);
    if (n > (Py_ssize_t)c->lim->max_value) {
        ob->flags |= MV_OF_CUT;
        ob->length = (uint64_t)n - (PyUnicode_READ_CHAR(s, 0) == '-');
    }
    Py_DECREF(s);
}

static void
put_double(mv_buf *b, double d, int flags)
{
    char *s = PyOS_double_to_string(d, 'r', 0, flags, NULL);
    if (!s) {
        PyErr_Clear();
        mv_buf_puts(b, "?");
        return;
    }
    mv_buf_puts(b, s);
    PyMem_Free(s);
}

static void
value_bytes(mv_capture *c, PyObject *o, mv_object *ob)
{
    mv_buf *b = &c->val;
    const unsigned char *p;
    Py_ssize_t n;
    if (PyBytes_Check(o)) {
        p = (const unsigned char *)PyBytes_AS_STRING(o);
        n = PyBytes_GET_SIZE(o);
        mv_buf_puts(b, "b'");
    } else {
        p = (const unsigned char *)PyByteArray_AS_STRING(o);
        n = PyByteArray_GET_SIZE(o);
        mv_buf_puts(b, "bytearray(b'");
    }
    Py_ssize_t m = n < (Py_ssize_t)c->lim->max_value ? n : (Py_ssize_t)c->lim->max_value;
    for (Py_ssize_t i = 0; i < m; i++) {
        unsigned ch = p[i];
        if (ch == '\\' || ch == '\'')
            mv_buf_printf(b, "\\%c", ch);
        else if (ch == '\n')
            mv_buf_puts(b, "\\n");
        else if (ch == '\r')
            mv_buf_puts(b, "\\r");
        else if (ch == '\t')
            mv_buf_puts(b, "\\t");
        else if (ch < 0x20 || ch >= 0x7f)
            mv_buf_printf(b, "\\x%02x", ch);
        else
            mv_buf_putc(b, (char)ch);
    }
    mv_buf_puts(b, PyBytes_Check(o) ? "'" : "')");
    ob->flags |= MV_OF_REPR;
    if (n > m) {
        ob->flags |= MV_OF_CUT;
        ob->length = (uint64_t)n;
    }
}

static void
value_function(mv_capture *c, PyObject *o)
{
    mv_buf *b = &c->val;
    PyFunctionObject *fn = (PyFunctionObject *)o;
    if (fn->func_name && PyUnicode_Check(fn->func_name))
        str_text(b, fn->func_name, 200);
    mv_buf_putc(b, '(');
    PyObject *code = fn->func_code;
    if (code && PyCode_Check(code)) {
        PyCodeObject *co = (PyCodeObject *)code;
        int na = co->co_argcount, npos = co->co_posonlyargcount, nk = co->co_kwonlyargcount;
        int at = 0;
        bool first = true;
#define SEP()                         \
    do {                              \
        if (!first)                   \
            mv_buf_puts(b, ", ");     \
        first = false;                \
    } while (0)
        for (int i = 0; i < na; i++, at++) {
            SEP();
            str_text(b, PyTuple_GET_ITEM(co->co_localsplusnames, at), 100);
            if (npos && i == npos - 1) {
                mv_buf_puts(b, ", /");
            }
        }
        int kw_at = at;
        int var_at = na + nk;
        if (co->co_flags & CO_VARARGS) {
            SEP();
            mv_buf_putc(b, '*');
            str_text(b, PyTuple_GET_ITEM(co->co_localsplusnames, var_at), 100);
        } else if (nk) {
            SEP();
            mv_buf_putc(b, '*');
        }
        for (int i = 0; i < nk; i++) {
            SEP();
            str_text(b, PyTuple_GET_ITEM(co->co_localsplusnames, kw_at + i), 100);
        }
        if (co->co_flags & CO_VARKEYWORDS) {
            SEP();
            mv_buf_puts(b, "**");
            str_text(b, PyTuple_GET_ITEM(co->co_localsplusnames,
                                         var_at + ((co->co_flags & CO_VARARGS) ? 1 : 0)),
                     100);
        }
#undef SEP
    }
    mv_buf_putc(b, ')');
}

/* ---- contents ---- */

typedef struct attr_ctx {
    mv_capture *c;
    mv_status st;
    uint64_t hidden;
} attr_ctx;

static bool
attr_cb(void *ctx, PyObject *name, PyObject *value)
{
    attr_ctx *a = ctx;
    mv_capture *c = a->c;
    if ((c->nitems / 2) >= c->lim->max_items || cap_reached(c)) {
        a->hidden++;
        return true;
    }
    uint32_t nid = mv_capture_str_id(c, name);
    if (nid == UINT32_MAX) {
        a->st = MV_ENOMEM;
        return false;
    }
    if ((a->st = add_item(c, nid)) != MV_OK || (a->st = add_ref(c, value)) != MV_OK)
        return false;
    return true;
}

static bool
is_dunder(PyObject *name)
{
    if (!PyUnicode_Check(name) || !PyUnicode_IS_ASCII(name))
        return false;
    Py_ssize_t n = PyUnicode_GET_LENGTH(name);
    const char *s = PyUnicode_DATA(name);
    return n > 4 && s[0] == '_' && s[1] == '_' && s[n - 1] == '_' && s[n - 2] == '_';
}

static bool
class_attr_cb(void *ctx, PyObject *name, PyObject *value)
{
    if (is_dunder(name) && !PyFunction_Check(value))
        return true;
    return attr_cb(ctx, name, value);
}

static mv_status
slots_attrs(attr_ctx *a, PyObject *o)
{
    PyObject *mro = Py_TYPE(o)->tp_mro;
    if (!mro || !PyTuple_Check(mro))
        return MV_OK;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE) || !t->tp_members)
            continue;
        for (PyMemberDef *m = t->tp_members; m->name; m++) {
            if ((m->type != MV_T_OBJECT_EX && m->type != MV_T_OBJECT) || (m->flags & MV_READONLY))
                continue;
            PyObject *v = *(PyObject **)((char *)o + m->offset);
            if (!v)
                continue;
            if ((a->c->nitems / 2) >= a->c->lim->max_items || cap_reached(a->c)) {
                a->hidden++;
                continue;
            }
            uint32_t nid = mv_trace_intern(a->c->tr, m->name, strlen(m->name));
            if (nid == UINT32_MAX)
                return MV_ENOMEM;
            mv_status st = add_item(a->c, nid);
            if (st == MV_OK)
                st = add_ref(a->c, v);
            if (st != MV_OK)
                return st;
        }
    }
    return MV_OK;
}

static mv_status
read_seq(mv_capture *c, PyObject **items, Py_ssize_t n, mv_object *ob)
{
    Py_ssize_t lim = (Py_ssize_t)c->lim->max_items;
    Py_ssize_t i = 0;
    for (; i < n && i < lim && !cap_reached(c); i++) {
        mv_status st = add_ref(c, items[i]);
        if (st != MV_OK)
            return st;
    }
    ob->hidden = (uint64_t)(n - i);
    return MV_OK;
}

/* Read the content of q (kind, value, items) into ob and record it. */
static mv_status
read_object(mv_capture *c, const qitem *q)
{
    PyObject *o = q->o;
    mv_kind k = (mv_kind)q->kind;
    bool immortal = q->r.immortal;
#if PY_VERSION_HEX < 0x030C0000
    if (!immortal && !q->r.known && !q->r.mortal)
        immortal = mv_pyi_is_immortal(o);
#else
    if (!immortal && !q->r.known)
        immortal = mv_pyi_is_immortal(o);
#endif
    int64_t refcount = program_refcount(c, o, immortal);
    if (q->r.known && k != MV_K_TUPLE && k != MV_K_FROZENSET)
        return mv_rec_refcount(c->tr, &q->r, refcount);

    mv_object ob;
    memset(&ob, 0, sizeof ob);
    ob.type = q->type;
    ob.kind = (uint8_t)k;
    if (immortal)
        ob.flags |= MV_OF_IMMORTAL;
    if (kind_immutable(k, o))
        ob.flags |= MV_OF_IMMUTABLE;
    ob.refcount = refcount;
    bool garbage = c->unreach_phase && is_garbage(c, o);
    if (garbage)
        ob.flags |= MV_OF_UNREACHABLE;

    if (q->r.known) {
        /* content unchanged; tuples/frozensets still reach their items */
        mv_status st = mv_rec_refcount(c->tr, &q->r, ob.refcount);
        if (st != MV_OK || (k != MV_K_TUPLE && k != MV_K_FROZENSET))
            return st;
        c->nitems = 0;
        if (k == MV_K_TUPLE)
            return read_seq(c, ((PyTupleObject *)o)->ob_item, PyTuple_GET_SIZE(o), &ob);
        Py_ssize_t pos = 0;
        PyObject *key;
        uint32_t i = 0;
        while (i++ < c->lim->max_items && !cap_reached(c) && mv_pyi_set_next(o, &pos, &key))
            if ((st = add_ref(c, key)) != MV_OK)
                return st;
        return MV_OK;
    }

    if (k == MV_K_MODULE || k == MV_K_FUNCTION) {
        /* shown by name (and parameters) only: unchanged while these are */
        uint64_t key = mix((uint64_t)(uintptr_t)Py_TYPE(o), 0);
        if (k == MV_K_MODULE) {
            key = mix(key, (uint64_t)(uintptr_t)PyModule_GetDict(o));
        } else {
            PyFunctionObject *fn = (PyFunctionObject *)o;
            key = mix(mix(key, (uint64_t)(uintptr_t)fn->func_name),
                      (uint64_t)(uintptr_t)fn->func_code);
        }
        if (mv_rec_same_key(c->tr, &q->r, key) &&
            mv_rec_was_unreachable(c->tr, q->r.slot) == garbage)
            return mv_rec_refcount(c->tr, &q->r, ob.refcount);
    }
    ob.size = size_of(c, o);
    mv_buf_reset(&c->val);
    c->nitems = 0;
    mv_status st = MV_OK;
    switch (k) {
    case MV_K_NONE:
        mv_buf_puts(&c->val, "None");
        break;
    case MV_K_BOOL:
        mv_buf_puts(&c->val, o == Py_True ? "True" : "False");
        break;
    case MV_K_INT:
        value_int(c, o, &ob);
        break;
    case MV_K_FLOAT: {
        double d = PyFloat_AS_DOUBLE(o);
        put_double(&c->val, d, Py_DTSF_ADD_DOT_0);
        if (!isfinite(d))
            ob.flags |= MV_OF_REPR;
        break;
    }
    case MV_K_COMPLEX: {
        Py_complex z = ((PyComplexObject *)o)->cval;
        if (z.real == 0.0 && copysign(1.0, z.real) == 1.0) {
            put_double(&c->val, z.imag, 0);
            mv_buf_putc(&c->val, 'j');
        } else {
            mv_buf_putc(&c->val, '(');
            put_double(&c->val, z.real, 0);
            if (!(z.imag < 0 || (z.imag == 0 && copysign(1.0, z.imag) < 0) ||
                  isnan(z.imag)))
                mv_buf_putc(&c->val, '+');
            put_double(&c->val, z.imag, 0);
            mv_buf_puts(&c->val, "j)");
        }
        ob.flags |= MV_OF_REPR;
        break;
    }
    case MV_K_STR: {
        Py_ssize_t n = str_text(&c->val, o, c->lim->max_value);
        if (n > (Py_ssize_t)c->lim->max_value) {
            ob.flags |= MV_OF_CUT;
            ob.length = (uint64_t)n;
        }
        break;
    }
    case MV_K_BYTES:
        value_bytes(c, o, &ob);
        break;
    case MV_K_LIST:
        st = read_seq(c, ((PyListObject *)o)->ob_item, PyList_GET_SIZE(o), &ob);
        break;
    case MV_K_TUPLE:
        st = read_seq(c, ((PyTupleObject *)o)->ob_item, PyTuple_GET_SIZE(o), &ob);
        break;
    case MV_K_SET:
    case MV_K_FROZENSET: {
        Py_ssize_t pos = 0, n = PySet_GET_SIZE(o), i = 0;
        PyObject *key;
        while (i < (Py_ssize_t)c->lim->max_items && !cap_reached(c) &&
               mv_pyi_set_next(o, &pos, &key)) {
            if ((st = add_ref(c, key)) != MV_OK)
                break;
            i++;
        }
        ob.hidden = (uint64_t)(n - i);
        break;
    }
    case MV_K_DICT: {
        Py_ssize_t pos = 0, n = PyDict_GET_SIZE(o), i = 0;
        PyObject *key, *value;
        while (i < (Py_ssize_t)c->lim->max_items && !cap_reached(c) &&
               mv_pyi_dict_next(o, &pos, &key, &value)) {
            if ((st = add_ref(c, key)) != MV_OK || (st = add_ref(c, value)) != MV_OK)
                break;
            i++;
        }
        ob.hidden = (uint64_t)(n - i);
        break;
    }
    case MV_K_INSTANCE: {
        attr_ctx a = {c, MV_OK, 0};
        mv_pyi_instance_attrs(o, attr_cb, &a);
        if (a.st == MV_OK)
            a.st = slots_attrs(&a, o);
        st = a.st;
        ob.hidden = a.hidden;
        break;
    }
    case MV_K_CLASS: {
        PyTypeObject *t = (PyTypeObject *)o;
        mv_hooks_note_type(t);
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            PyObject *qn = ((PyHeapTypeObject *)t)->ht_qualname;
            if (qn && PyUnicode_Check(qn))
                str_text(&c->val, qn, 200);
            attr_ctx a = {c, MV_OK, 0};
            if (t->tp_dict && PyDict_Check(t->tp_dict)) {
                Py_ssize_t pos = 0;
                PyObject *key, *value;
                while (mv_pyi_dict_next(t->tp_dict, &pos, &key, &value))
                    if (!class_attr_cb(&a, key, value))
                        break;
            }
            st = a.st;
            ob.hidden = a.hidden;
        } else {
            mv_buf_puts(&c->val, t->tp_name);
        }
        break;
    }
    case MV_K_FUNCTION:
        value_function(c, o);
        break;
    case MV_K_MODULE: {
        PyObject *name = PyModule_GetNameObject(o);
        if (name) {
            str_text(&c->val, name, 200);
            Py_DECREF(name);
        } else {
            PyErr_Clear();
            mv_buf_puts(&c->val, "?");
        }
        break;
    }
    case MV_K_OPAQUE:
    default:
        break;
    }
    if (st != MV_OK)
        return st;
    if (c->val.failed)
        return MV_ENOMEM;
    if (k != MV_K_OPAQUE && !mv_kind_is_seq(k) && k != MV_K_DICT && k != MV_K_INSTANCE) {
        ob.value = c->val.data ? c->val.data : "";
        ob.value_len = (uint32_t)c->val.len;
    }
    ob.items = c->items;
    ob.nitems = (uint32_t)c->nitems;
    if (q->r.fresh && !immortal && mv_hooks_recording()) {
        /* first sight: where its block is, and whether it was allocated
         * since the previous step (an ALLOC event with its ref) */
        uint64_t block = (uint64_t)(uintptr_t)o - mv_pyi_preheader(Py_TYPE(o)), bytes;
        mv_hooks_block(block, &ob.block);
        if (mv_hooks_claim(block, &bytes) &&
            (st = mv_rec_alloc_ref(c->tr, q->r.ref, q->type, ob.size, bytes)) != MV_OK)
            return st;
    }
    return mv_rec_object(c->tr, &q->r, &ob);
}

/* ---- frames ---- */



static bool
module_dunder(mv_capture *c, PyObject *name)
{
    /* only "__x__"-shaped names can be hidden */
    if (!PyUnicode_IS_ASCII(name) || PyUnicode_GET_LENGTH(name) < 7 ||
        ((const char *)PyUnicode_DATA(name))[0] != '_')
        return false;
    /* the interpreter's own keys are the interned objects: pointer test */
    if (c->hidetab[((uintptr_t)name >> 4) & 63] == name)
        return true;
    for (int i = 0; i < c->nhide; i++)
        if (name == c->hide[i])
            return true;
    const char *const *names = hidden_names;
    if (!PyUnicode_Check(name) || !PyUnicode_IS_ASCII(name) || PyUnicode_GET_LENGTH(name) < 7)
        return false;
    const char *s = PyUnicode_DATA(name);
    if (s[0] != '_' || s[1] != '_')
        return false;
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

/* ---- in-process options (session.c) ---- */

void
mv_capture_set_opts(mv_capture *c, const mv_capture_opts *opts)
{
    if (opts)
        c->opts = *opts;
    else
        memset(&c->opts, 0, sizeof c->opts);
}

mv_status
mv_capture_adjust(mv_capture *c, PyObject *o, int64_t n)
{
    uint64_t key = (uint64_t)(uintptr_t)o;
    uint64_t *v = mv_map_get(&c->adjust, key);
    return mv_map_put(&c->adjust, key, (uint64_t)((v ? (int64_t)*v : 0) + n));
}

void
mv_capture_clear_adjust(mv_capture *c)
{
    mv_map_clear(&c->adjust);
}

static bool
hidden_value(const mv_capture *c, PyObject *v)
{
    for (uint32_t i = 0; i < c->opts.nhide_values; i++)
        if (c->opts.hide_values[i] == v)
            return true;
    return false;
}

/* A module-level name the in-process options hide. Names are exact strs
 * here (checked by the caller's PyUnicode_Check and the dict lookup below
 * only hashes and compares str), so no user code runs. */
static bool
hidden_by_opts(mv_capture *c, PyObject *name, PyObject *value)
{
    if (c->opts.nhide_values && hidden_value(c, value))
        return true;
    if (c->opts.hide_private && PyUnicode_GET_LENGTH(name) > 0 &&
        PyUnicode_READ_CHAR(name, 0) == '_')
        return true;
    if (c->opts.hide_names && PyUnicode_CheckExact(name)) {
        int r = PyDict_Check(c->opts.hide_names) ? PyDict_Contains(c->opts.hide_names, name)
                                                  : PySet_Contains(c->opts.hide_names, name);
        if (r < 0)
            PyErr_Clear();
        return r > 0;
    }
    return false;
}

static mv_status add_local_slow(mv_capture *c, struct bcache *bc, PyObject *name,
                                PyObject *value, Py_ssize_t epos);

/* A binding as it was at the last step, holding an immutable scalar whose
 * content cannot change unseen (floats can: free lists) or a module (shown
 * by name: read_object keys it by its dict, which a module keeps for life),
 * costs one check here; everything else takes add_local_slow. */
static inline mv_status
add_local(mv_capture *c, struct bcache *bc, PyObject *name, PyObject *value, Py_ssize_t epos)
{
    if (bc->at < bc->n) {
        binding *b = &bc->b[bc->at];
        if (b->name == name && b->value == value && b->tp == Py_TYPE(value) && b->epos == epos &&
            b->fast && same_name(b->tp, b->qualname)) {
            int r = mv_rec_touch_local(c->tr, b->slot, b->ref, b->ident,
                                       program_refcount(c, value, false), b->nid,
                                       b->kind == MV_K_MODULE);
            if (r) {
                bc->at++;
                c->nreached += r == 2;
                return MV_OK;
            }
        }
    }
    return add_local_slow(c, bc, name, value, epos);
}

static __attribute__((noinline)) mv_status
add_local_slow(mv_capture *c, struct bcache *bc, PyObject *name, PyObject *value,
               Py_ssize_t epos)
{
    binding *b = bc->at < bc->n ? &bc->b[bc->at] : NULL;
    PyTypeObject *tp = Py_TYPE(value);
    if (b && b->name == name && b->value == value && b->tp == tp && b->epos == epos &&
        same_name(tp, b->qualname)) {
        mv_kind k = (mv_kind)b->kind;
        /* only floats and tuples come back from free lists without a free
         * (which the allocator hook would have reported): re-check those */
        uint64_t ident = (k == MV_K_FLOAT || k == MV_K_TUPLE) ? ident_of(c, value, k) : b->ident;
        mv_recref r;
        int64_t rc = mv_kind_is_scalar(k) ? program_refcount(c, value, false) : INT64_MIN;
        if (mv_rec_touch(c->tr, b->slot, b->ref, ident, rc, &r)) {
            bc->at++;
            if (r.counted) {
                c->nreached++;
            } else if (!r.seen) {
                mv_status st = reached_now(c, value, &r, k, b->type);
                if (st != MV_OK)
                    return st;
            }
            return mv_rec_local(c->tr, b->nid, b->ref);
        }
    }
    uint32_t nid = mv_capture_str_id(c, name);
    if (nid == UINT32_MAX)
        return MV_ENOMEM;
    uint32_t ref;
    mv_recref r;
    mv_kind k;
    uint32_t type;
    uint64_t ident;
    mv_status st = reach_full(c, value, &r, &k, &type, &ident);
    if (st != MV_OK)
        return st;
    ref = r.ref;
    /* remember the binding at this position */
    if (bc->at >= bc->cap) {
        uint32_t cap = bc->cap ? bc->cap * 2 : 16;
        binding *nb = mv_realloc(bc->b, cap * sizeof *nb);
        if (!nb)
            return MV_ENOMEM;
        bc->b = nb;
        bc->cap = cap;
    }
    bool fast = (mv_kind_is_scalar(k) && k != MV_K_FLOAT) || k == MV_K_MODULE;
    bc->b[bc->at] = (binding){name, value, tp,   heap_qualname(tp), ident,      epos,
                              nid,  r.slot, ref, type, (uint8_t)k, fast};
    bc->at++;
    if (bc->at > bc->n)
        bc->n = bc->at;
    return mv_rec_local(c->tr, nid, ref);
}

static mv_status
frame_locals(mv_capture *c, const mv_cframe *f, uint32_t depth)
{
    if (depth >= c->nframes_c) {
        uint32_t n = depth + 16;
        struct bcache *nf = mv_realloc(c->frames, n * sizeof *nf);
        if (!nf)
            return MV_ENOMEM;
        memset(nf + c->nframes_c, 0, (n - c->nframes_c) * sizeof *nf);
        c->frames = nf;
        c->nframes_c = n;
    }
    struct bcache *bc = &c->frames[depth];
    if (bc->serial != f->serial) {
        bc->serial = f->serial;
        bc->n = 0;
        bc->table = NULL;
    }
    bc->at = 0;
    if (!f->frame && !f->ns) {
        /* explicit names (a snapshot of given objects) */
        for (uint32_t i = 0; i < f->nnames; i++) {
            mv_status st = add_local(c, bc, f->names[i], f->values[i], -1);
            if (st != MV_OK)
                return st;
        }
        return MV_OK;
    }
    PyObject *d = f->frame ? mv_pyi_frame_locals_dict(f->frame) : f->ns;
    if (d) {
        if (!PyDict_Check(d))
            return MV_OK; /* a custom namespace mapping: reading it runs code */
        PyObject *k, *v;
        const void *table;
        const mv_pyi_kv *ent;
        Py_ssize_t nent;
        bool opts = c->opts.nhide_values || c->opts.hide_private || c->opts.hide_names;
        bool shaped = !opts && mv_pyi_dict_table(d, &table, &nent, &ent);
        if (shaped && bc->table == table && bc->nentries == nent && bc->nvis <= bc->n) {
            /* no name added since: the shown names are where they were
             * (positions below nent), unless one was deleted (its entry
             * is empty now) */
            uint32_t j = 0;
            while (j < bc->nvis && ent[bc->b[j].epos].key == bc->b[j].name &&
                   ent[bc->b[j].epos].value)
                j++;
            if (j == bc->nvis) {
                for (j = 0; j < bc->nvis; j++) {
                    const mv_pyi_kv *e = &ent[bc->b[j].epos];
                    mv_status st = add_local(c, bc, e->key, e->value, bc->b[j].epos);
                    if (st != MV_OK)
                        return st;
                }
                return MV_OK;
            }
        }
        bc->table = NULL;
        Py_ssize_t pos = 0;
        while (mv_pyi_dict_next(d, &pos, &k, &v)) {
            if (!PyUnicode_Check(k) || (f->is_module && module_dunder(c, k)))
                continue;
            if (f->is_module && hidden_by_opts(c, k, v))
                continue;
            mv_status st = add_local(c, bc, k, v, shaped ? pos - 1 : -1);
            if (st != MV_OK)
                return st;
        }
        if (shaped) {
            bc->table = table;
            bc->nentries = nent;
            bc->nvis = bc->at;
        }
        return MV_OK;
    }
    mv_pyi_local small[64];
    Py_ssize_t n = mv_pyi_fast_locals(f->frame, small, 64);
    mv_pyi_local *loc = small;
    if (n > 64) {
        loc = mv_malloc((size_t)n * sizeof *loc);
        if (!loc)
            return MV_ENOMEM;
        n = mv_pyi_fast_locals(f->frame, loc, n);
    }
    mv_status st = MV_OK;
    for (Py_ssize_t i = 0; i < n && st == MV_OK; i++) {
        if (c->opts.nhide_values && hidden_value(c, loc[i].value))
            continue;
        st = add_local(c, bc, loc[i].name, loc[i].value, -1);
    }
    if (loc != small)
        mv_free(loc);
    if (st == MV_OK && f->retval)
        st = add_local(c, bc, c->s_return, f->retval, -1);
    return st;
}

/* ---- objects no frame reaches any more ----
 *
 * An object of the previous step that this step's walk did not reach, and
 * whose block the allocator hook did not see freed, is still in memory (its
 * memory can be read: a freed block would have retired it). Three cases:
 *   - its count is 0: it was parked on a free list (research 3.4): it is
 *     gone, a FREE event without a free call;
 *   - something memview does not walk holds it (a closure cell, another
 *     module, a C extension): it simply leaves the picture;
 *   - nothing outside a group of such objects holds it: an abandoned cycle,
 *     garbage only the collector can free. These stay in the picture with
 *     "reachable": false, with what they refer to.
 * The last two are told apart as the collector does, on a small scale: for
 * the GC-tracked dropped objects and the containers they reach (types,
 * modules, functions and code are not followed; at most MAX_UNREACH
 * objects), subtract the references they hold to each other from their
 * counts; any object left with a reference from outside, and all it
 * reaches, is held. What remains is the cycle. tp_traverse runs C code of
 * the types only (no user code, no allocation). */

#define MAX_UNREACH 1024

typedef struct ugroup {
    PyObject **o;
    Py_ssize_t *gcrefs;
    uint32_t n, cap;
    mv_map index; /* address -> position + 1 */
    mv_map ext;   /* an object outside the group -> references garbage holds to it */
    bool full;
    uint32_t *work; /* held objects still to traverse */
    uint32_t nwork;
} ugroup;

static bool
followable(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    return PyObject_IS_GC(o) && PyObject_GC_IsTracked(o) && !PyType_Check(o) &&
           !PyModule_Check(o) && !PyFunction_Check(o) && !PyCode_Check(o) &&
           tp != &PyFrame_Type && !mv_pyi_is_immortal(o);
}

static bool
ug_add(ugroup *g, PyObject *o)
{
    if (mv_map_get(&g->index, (uint64_t)(uintptr_t)o))
        return true;
    if (g->n >= MAX_UNREACH) {
        g->full = true;
        return false;
    }
    if (g->n == g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 64;
        PyObject **no = mv_realloc(g->o, cap * sizeof *no);
        if (!no)
            return false;
        g->o = no;
        Py_ssize_t *nr = mv_realloc(g->gcrefs, cap * sizeof *nr);
        if (!nr)
            return false;
        g->gcrefs = nr;
        g->cap = cap;
    }
    if (mv_map_put(&g->index, (uint64_t)(uintptr_t)o, (uint64_t)g->n + 1) != MV_OK)
        return false;
    g->o[g->n] = o;
    g->gcrefs[g->n] = Py_REFCNT(o);
    g->n++;
    return true;
}

static int
visit_add(PyObject *o, void *arg)
{
    if (o && followable(o))
        ug_add(arg, o);
    return 0;
}

static int
visit_sub(PyObject *o, void *arg)
{
    ugroup *g = arg;
    uint64_t *v = o ? mv_map_get(&g->index, (uint64_t)(uintptr_t)o) : NULL;
    if (v)
        g->gcrefs[*v - 1]--;
    return 0;
}

/* Garbage refers to o, an object outside the group: count the reference. */
static int
visit_ext(PyObject *o, void *arg)
{
    ugroup *g = arg;
    if (!o || mv_map_get(&g->index, (uint64_t)(uintptr_t)o))
        return 0;
    uint64_t *v = mv_map_get(&g->ext, (uint64_t)(uintptr_t)o);
    if (v)
        (*v)++;
    else
        mv_map_put(&g->ext, (uint64_t)(uintptr_t)o, 1);
    return 0;
}

/* Would the collector free o with the cycle? A group member left with no
 * reference from outside, or an object outside the group (a str, an int: not
 * followed) that only garbage refers to. What garbage refers to and something
 * else holds stays in the picture, but not as unreachable. */
static bool
is_garbage(const mv_capture *c, PyObject *o)
{
    const ugroup *g = c->ug;
    if (!g)
        return true;
    uint64_t *v = mv_map_get(&g->index, (uint64_t)(uintptr_t)o);
    if (v)
        return g->gcrefs[*v - 1] == 0;
    uint64_t *e = mv_map_get(&g->ext, (uint64_t)(uintptr_t)o);
    return e && !mv_pyi_is_immortal(o) && (uint64_t)Py_REFCNT(o) <= *e;
}

/* A held object reaches o: o is held too (gcrefs -1, queued in `work`). */
static int
visit_hold(PyObject *o, void *arg)
{
    ugroup *g = arg;
    uint64_t *v = o ? mv_map_get(&g->index, (uint64_t)(uintptr_t)o) : NULL;
    if (v && g->gcrefs[*v - 1] >= 0) {
        g->gcrefs[*v - 1] = -1;
        g->work[g->nwork++] = (uint32_t)(*v - 1);
    }
    return 0;
}

static mv_status
unreachable_walk(mv_capture *c)
{
    enum { MAXD = 256 };
    mv_dropped d[MAXD];
    uint32_t n = mv_rec_dropped(c->tr, d, MAXD);
    if (n > MAXD)
        n = MAXD;
    if (!n)
        return MV_OK;
    ugroup g;
    memset(&g, 0, sizeof g);
    mv_status st = MV_OK;
    uint32_t nroots = 0;
    for (uint32_t i = 0; i < n && st == MV_OK; i++) {
        if (d[i].immortal)
            continue;
        /* safe to read: no free of its block was seen (see above) */
        PyObject *o = (PyObject *)(uintptr_t)d[i].addr;
        if (Py_REFCNT(o) <= 0) {
            st = mv_rec_gone(c->tr, d[i].slot,
                             d[i].unreachable ? MV_FREE_GC : MV_FREE_REFCOUNT);
            continue;
        }
        mv_kind k;
        uint8_t pre;
        if (!followable(o) || type_info(c, o, &k, &pre) != d[i].type)
            continue;
        if (g.n == nroots && ug_add(&g, o))
            nroots = g.n;
    }
    /* the group: what the roots reach */
    for (uint32_t i = 0; i < g.n && !g.full; i++) {
        traverseproc tr = Py_TYPE(g.o[i])->tp_traverse;
        if (tr)
            tr(g.o[i], visit_add, &g);
    }
    if (st != MV_OK || g.full || !nroots)
        goto out;
    for (uint32_t i = 0; i < g.n; i++) {
        traverseproc tr = Py_TYPE(g.o[i])->tp_traverse;
        if (tr)
            tr(g.o[i], visit_sub, &g);
    }
    /* held from outside (a count left over): it, and all it reaches */
    g.work = mv_malloc(g.n * sizeof *g.work);
    if (!g.work) {
        st = MV_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < g.n; i++) {
        if (g.gcrefs[i] > 0) {
            g.gcrefs[i] = -1;
            g.work[g.nwork++] = i;
        }
    }
    while (g.nwork) {
        PyObject *o = g.o[g.work[--g.nwork]];
        traverseproc tr = Py_TYPE(o)->tp_traverse;
        if (tr)
            tr(o, visit_hold, &g);
    }
    /* what the garbage holds outside the group, counted */
    for (uint32_t i = 0; i < g.n; i++) {
        traverseproc tr = Py_TYPE(g.o[i])->tp_traverse;
        if (g.gcrefs[i] == 0 && tr)
            tr(g.o[i], visit_ext, &g);
    }
    mv_rec_set_unreachable_phase(c->tr, true);
    c->unreach_phase = true;
    c->ug = &g;
    size_t q0 = c->nq;
    for (uint32_t r = 0; r < nroots && st == MV_OK; r++) {
        PyObject *o = g.o[r];
        if (g.gcrefs[r] < 0)
            continue; /* held by something memview does not walk */
        mv_recref rr;
        mv_kind k;
        uint32_t t;
        uint64_t ident;
        st = reach_full(c, o, &rr, &k, &t, &ident);
    }
    for (size_t i = q0; i < c->nq && st == MV_OK; i++) {
        qitem q = c->q[i];
        st = read_object(c, &q);
    }
    c->unreach_phase = false;
    c->ug = NULL;
    mv_rec_set_unreachable_phase(c->tr, false);
out:
    mv_free(g.work);
    mv_free(g.o);
    mv_free(g.gcrefs);
    mv_map_release(&g.index);
    mv_map_release(&g.ext);
    return st;
}

static mv_status capture_step(mv_capture *c, mv_event ev, const mv_cframe *frames, uint32_t n,
                              size_t stdout_len);

mv_status
mv_capture_step(mv_capture *c, mv_event ev, const mv_cframe *frames, uint32_t n,
                size_t stdout_len)
{
    /* memview's own allocations from here on are not the program's */
    mv_hooks_tool_enter();
    mv_status st = capture_step(c, ev, frames, n, stdout_len);
    mv_hooks_tool_leave();
    return st;
}

static mv_status
capture_step(mv_capture *c, mv_event ev, const mv_cframe *frames, uint32_t n,
             size_t stdout_len)
{
    const mv_cframe *top = n ? &frames[n - 1] : NULL;
    mv_hooks_step_begin();
    /* the pool view is taken before capture allocates anything */
    mv_hooks_pools_at_step(mv_trace_nsteps(c->tr), ev, top ? top->file : 0, top ? top->line : 0);
    mv_status st = mv_rec_begin(c->tr, ev, top ? top->file : 0, top ? top->line : 0);
    if (st != MV_OK)
        return st;
    mv_rec_set_frames_hidden(c->tr, c->frames_hidden);
    c->frames_hidden = 0;
    c->nq = 0;
    c->nreached = 0;
    c->full = false;
    for (uint32_t i = 0; i < n && st == MV_OK; i++) {
        st = mv_rec_frame(c->tr, frames[i].serial, frames[i].function, frames[i].file,
                          frames[i].line);
        if (st == MV_OK)
            st = frame_locals(c, &frames[i], i);
    }
    for (size_t i = 0; i < c->nq && st == MV_OK; i++) {
        qitem q = c->q[i];
        st = read_object(c, &q);
    }
    if (st == MV_OK && !c->full && mv_hooks_recording())
        st = unreachable_walk(c);
    mv_hooks_step_end();
    if (st == MV_OK && c->full)
        mv_rec_set_truncated(c->tr);
    if (PyErr_Occurred())
        PyErr_Clear();
    if (st != MV_OK) {
        mv_rec_abort(c->tr, st);
        return st;
    }
    return mv_rec_end(c->tr, stdout_len);
}

void
mv_capture_set_frames_hidden(mv_capture *c, uint32_t n)
{
    c->frames_hidden = n;
}
