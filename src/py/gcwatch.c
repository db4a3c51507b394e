/* The collector watch: a C function the collector calls at the start and
 * the end of every collection, which turns each one into a GC event of the
 * trace (docs/events-format.md).
 *
 * Unseen by the program. The collector calls the callbacks of one list,
 * which the gc module also shows as gc.callbacks. While memview watches, the
 * interpreter's slot holds a private list with memview's callback alone, and
 * gc.callbacks stays the program's own list, untouched: the program sees
 * what it appended, and nothing else. memview's callback then calls the
 * program's callbacks itself, in order, with the same (phase, info), as the
 * collector would (an exception in one is reported as the collector reports
 * it, PyErr_WriteUnraisable, and the others still run). They run outside
 * memview's own work: their allocations are the program's, and being user
 * code they are traced like any call.
 *
 * memview's part runs no Python code: it reads the info dict (an exact dict
 * with str keys), asks the gc module for its counts at "start" (to tell an
 * automatic collection from gc.collect()), and tells the hooks and the
 * trace. The interpreter builds the callback's arguments for memview; those
 * objects are disowned so they are not the program's.
 *
 * Automatic or not: CPython does not say. A collection starts automatically
 * when the count of its generation has passed the threshold; gc.collect()
 * starts one whatever the counts. So "automatic" is: count[gen] > threshold[gen]
 * at start. A gc.collect() made right when a collection was due reads as
 * automatic. */
#include <Python.h>

#include <time.h>

#include "gcwatch.h"
#include "hooks.h"
#include "internals.h"

/* The GIL protects all of these. */
static mv_trace *gtrace;
static PyObject *callback; /* strong ref while registered */
static PyObject *gcmod;    /* strong ref while registered */
static PyObject *mine;     /* strong ref: [callback], in the interpreter's slot while registered */
static PyObject *visible;  /* strong ref: the program's gc.callbacks, out of the slot meanwhile */
static uint64_t t_start;
static bool automatic;

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static Py_ssize_t
info_int(PyObject *info, const char *key)
{
    if (!info || !PyDict_CheckExact(info))
        return 0;
    PyObject *v = PyDict_GetItemString(info, key); /* borrowed */
    if (!v || !PyLong_CheckExact(v))
        return 0;
    Py_ssize_t n = PyLong_AsSsize_t(v);
    if (n == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return n;
}

/* count[gen] > threshold[gen]: the collection was due (see the top). */
static bool
was_due(int gen)
{
    bool due = false;
    PyObject *c = PyObject_CallMethod(gcmod, "get_count", NULL);
    PyObject *t = PyObject_CallMethod(gcmod, "get_threshold", NULL);
    if (c && t && PyTuple_CheckExact(c) && PyTuple_CheckExact(t) && gen >= 0 &&
        gen < PyTuple_GET_SIZE(c) && gen < PyTuple_GET_SIZE(t)) {
        long cn = PyLong_AsLong(PyTuple_GET_ITEM(c, gen));
        long th = PyLong_AsLong(PyTuple_GET_ITEM(t, gen));
        due = th > 0 && cn > th;
    }
    Py_XDECREF(c);
    Py_XDECREF(t);
    PyErr_Clear();
    return due;
}

static PyObject *
gc_cb(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2 || !gtrace || !PyUnicode_Check(args[0]))
        Py_RETURN_NONE;
    mv_hooks_tool_enter();
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *info = args[1];
    mv_hooks_disown(args[0]);
    mv_hooks_disown(info);
    if (info && PyDict_CheckExact(info)) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(info, &pos, &k, &v))
            mv_hooks_disown(k);
    }
    int gen = (int)info_int(info, "generation");
    if (PyUnicode_CompareWithASCIIString(args[0], "start") == 0) {
        automatic = was_due(gen);
        mv_hooks_gc(true, gen);
        mv_trace_gc_begin(gtrace, (uint8_t)gen);
        t_start = now_ns();
    } else if (PyUnicode_CompareWithASCIIString(args[0], "stop") == 0) {
        uint64_t dur = now_ns() - t_start;
        mv_hooks_gc(false, 0);
        mv_trace_gc_end(gtrace, (uint64_t)info_int(info, "collected"),
                        (uint64_t)info_int(info, "uncollectable"), dur, automatic);
    }
    PyErr_Clear();
    mv_hooks_tool_leave();
    /* the program's callbacks, as the collector calls them (see the top) */
    for (Py_ssize_t i = 0; visible && i < PyList_GET_SIZE(visible); i++) {
        PyObject *cb = PyList_GET_ITEM(visible, i);
        Py_INCREF(cb);
        PyObject *r = PyObject_Vectorcall(cb, args, 2, NULL);
        if (r)
            Py_DECREF(r);
        else
            PyErr_WriteUnraisable(cb);
        Py_DECREF(cb);
    }
    PyErr_Restore(et, ev, tb);
    Py_RETURN_NONE;
}

static PyMethodDef gc_cb_def = {"memview_gc_watch", (PyCFunction)(void (*)(void))gc_cb,
                                METH_FASTCALL, NULL};

mv_status
mv_gcwatch_start(mv_trace *tr)
{
    if (callback)
        return MV_OK;
    mv_hooks_tool_enter();
    mv_status st = MV_EPYTHON;
    gcmod = PyImport_ImportModule("gc");
    PyObject **slot = mv_pyi_gc_callbacks_slot();
    callback = PyCFunction_New(&gc_cb_def, NULL);
    mine = callback ? PyList_New(0) : NULL;
    if (gcmod && *slot && PyList_CheckExact(*slot) && mine && PyList_Append(mine, callback) == 0) {
        visible = *slot; /* the slot's reference is ours now */
        *slot = mine;
        Py_INCREF(mine);
        gtrace = tr;
        st = MV_OK;
    } else {
        Py_CLEAR(mine);
        Py_CLEAR(callback);
        Py_CLEAR(gcmod);
    }
    PyErr_Clear();
    mv_hooks_tool_leave();
    return st;
}

void
mv_gcwatch_stop(void)
{
    if (!callback)
        return;
    mv_hooks_tool_enter();
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject **slot = mv_pyi_gc_callbacks_slot();
    if (*slot == mine) {
        *slot = visible; /* the slot owns the program's list again */
        Py_DECREF(mine);
        visible = NULL;
    }
    Py_CLEAR(visible);
    Py_CLEAR(mine);
    PyErr_Clear();
    PyErr_Restore(et, ev, tb);
    gtrace = NULL;
    mv_hooks_gc(false, 0);
    Py_CLEAR(callback);
    Py_CLEAR(gcmod);
    mv_hooks_tool_leave();
}
