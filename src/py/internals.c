/* Version-specific reads of CPython internals; see internals.h.
 *
 * This file alone defines Py_BUILD_CORE so it can see the interpreter's
 * private structures (_PyInterpreterFrame, dict keys/values, the object
 * pre-header). Layouts differ per minor version, which is why memview is
 * built against one exact interpreter and checks its version at start. */
#define Py_BUILD_CORE 1
#include <Python.h>
/* the private headers are not written for -Wextra */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wpedantic"
#include "internal/pycore_frame.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"
#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_long.h"
#endif
#if PY_VERSION_HEX >= 0x030D0000
#include "internal/pycore_setobject.h"
#endif
#pragma GCC diagnostic pop

#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "internals.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "memview supports CPython 3.11, 3.12 and 3.13"
#endif

static _PyInterpreterFrame *
iframe_of(PyFrameObject *f)
{
    return f->f_frame;
}

PyCodeObject *
mv_pyi_frame_code(PyFrameObject *f)
{
#if PY_VERSION_HEX >= 0x030D0000
    return (PyCodeObject *)iframe_of(f)->f_executable;
#else
    return iframe_of(f)->f_code;
#endif
}

PyObject *
mv_pyi_frame_locals_dict(PyFrameObject *f)
{
    PyCodeObject *co = mv_pyi_frame_code(f);
    if (co->co_flags & CO_OPTIMIZED)
        return NULL;
    return iframe_of(f)->f_locals;
}

PyObject *
mv_pyi_frame_cached_locals(PyFrameObject *f)
{
#if PY_VERSION_HEX >= 0x030D0000
    (void)f;
    return NULL;
#else
    PyCodeObject *co = mv_pyi_frame_code(f);
    if (!(co->co_flags & CO_OPTIMIZED))
        return NULL;
    return iframe_of(f)->f_locals;
#endif
}

bool
mv_pyi_frame_holds(PyFrameObject *f, const void *p)
{
    _PyInterpreterFrame *fr = iframe_of(f);
    PyCodeObject *co = mv_pyi_frame_code(f);
    const char *lo = (const char *)fr->localsplus;
    const char *hi = lo + (size_t)(co->co_nlocalsplus + co->co_stacksize) * sizeof(PyObject *);
    return (const char *)p >= lo && (const char *)p < hi;
}

Py_ssize_t
mv_pyi_fast_locals(PyFrameObject *f, mv_pyi_local *out, Py_ssize_t cap)
{
    _PyInterpreterFrame *fr = iframe_of(f);
    PyCodeObject *co = mv_pyi_frame_code(f);
    Py_ssize_t n = 0;
    for (int i = 0; i < co->co_nlocalsplus; i++) {
        _PyLocals_Kind kind = _PyLocals_GetKind(co->co_localspluskinds, i);
#ifdef CO_FAST_HIDDEN
        if (kind & CO_FAST_HIDDEN)
            continue;
#endif
        PyObject *v = fr->localsplus[i];
        if (!v)
            continue;
        if ((kind & (CO_FAST_CELL | CO_FAST_FREE)) && PyCell_Check(v)) {
            v = PyCell_GET(v);
            if (!v)
                continue;
        }
        if (n < cap) {
            out[n].name = PyTuple_GET_ITEM(co->co_localsplusnames, i);
            out[n].value = v;
        }
        n++;
    }
    return n;
}

/* ---- instance attributes ---- */

static bool
walk_values(PyTypeObject *tp, PyDictValues *values, mv_pyi_attr_fn fn, void *ctx)
{
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (!keys)
        return false;
    PyDictUnicodeEntry *ep = DK_UNICODE_ENTRIES(keys);
    for (Py_ssize_t i = 0; i < keys->dk_nentries; i++) {
        PyObject *v = values->values[i];
        if (v && ep[i].me_key && !fn(ctx, ep[i].me_key, v))
            break;
    }
    return true;
}

static bool
walk_dict(PyObject *d, mv_pyi_attr_fn fn, void *ctx)
{
    if (!d || !PyDict_Check(d))
        return false;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v))
        if (!fn(ctx, k, v))
            break;
    return true;
}

bool
mv_pyi_instance_attrs(PyObject *o, mv_pyi_attr_fn fn, void *ctx)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
#if PY_VERSION_HEX >= 0x030D0000
        PyDictObject *d = _PyObject_GetManagedDict(o);
        if (d)
            return walk_dict((PyObject *)d, fn, ctx);
        if (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) {
            PyDictValues *values = _PyObject_InlineValues(o);
            if (values->valid)
                return walk_values(tp, values, fn, ctx);
        }
        return false;
#elif PY_VERSION_HEX >= 0x030C0000
        PyDictOrValues dorv = *_PyObject_DictOrValuesPointer(o);
        if (_PyDictOrValues_IsValues(dorv))
            return walk_values(tp, _PyDictOrValues_GetValues(dorv), fn, ctx);
        return walk_dict(_PyDictOrValues_GetDict(dorv), fn, ctx);
#else
        PyObject *d = *_PyObject_ManagedDictPointer(o);
        if (d)
            return walk_dict(d, fn, ctx);
        PyDictValues *values = *_PyObject_ValuesPointer(o);
        if (values)
            return walk_values(tp, values, fn, ctx);
        return false;
#endif
    }
    if (tp->tp_dictoffset > 0) {
        PyObject **dp = (PyObject **)((char *)o + tp->tp_dictoffset);
        return walk_dict(*dp, fn, ctx);
    }
    return false;
}

int
mv_pyi_dict_next(PyObject *d, Py_ssize_t *pos, PyObject **key, PyObject **value)
{
    PyDictObject *mp = (PyDictObject *)d;
    PyDictKeysObject *k = mp->ma_keys;
    if (mp->ma_values || k->dk_kind == DICT_KEYS_GENERAL)
        return PyDict_Next(d, pos, key, value);
    PyDictUnicodeEntry *ep = DK_UNICODE_ENTRIES(k);
    for (Py_ssize_t i = *pos; i < k->dk_nentries; i++) {
        if (ep[i].me_value) {
            *key = ep[i].me_key;
            *value = ep[i].me_value;
            *pos = i + 1;
            return 1;
        }
    }
    *pos = k->dk_nentries;
    return 0;
}

_Static_assert(sizeof(PyDictUnicodeEntry) == sizeof(mv_pyi_kv) &&
                   offsetof(PyDictUnicodeEntry, me_key) == offsetof(mv_pyi_kv, key) &&
                   offsetof(PyDictUnicodeEntry, me_value) == offsetof(mv_pyi_kv, value),
               "a str-keyed dict entry is a (key, value) pair");

bool
mv_pyi_dict_table(PyObject *d, const void **table, Py_ssize_t *nentries,
                  const mv_pyi_kv **entries)
{
    PyDictObject *mp = (PyDictObject *)d;
    PyDictKeysObject *k = mp->ma_keys;
    if (mp->ma_values || k->dk_kind == DICT_KEYS_GENERAL)
        return false;
    *table = k;
    *nentries = k->dk_nentries;
    *entries = (const mv_pyi_kv *)DK_UNICODE_ENTRIES(k);
    return true;
}

int
mv_pyi_set_next(PyObject *set, Py_ssize_t *pos, PyObject **key)
{
    Py_hash_t h;
    return _PySet_NextEntry(set, pos, key, &h);
}

size_t
mv_pyi_preheader(PyTypeObject *tp)
{
    return _PyType_PreHeaderSize(tp);
}

size_t
mv_pyi_getsizeof_extra(PyObject *o)
{
#if PY_VERSION_HEX >= 0x030D0000
    if (Py_IS_TYPE(o, &PyType_Type) && !PyType_HasFeature((PyTypeObject *)o, Py_TPFLAGS_HEAPTYPE))
        return 0;
#endif
    return _PyType_PreHeaderSize(Py_TYPE(o));
}

/* ---- immortality ---- */

#if PY_VERSION_HEX < 0x030C0000
/* 3.11: statically allocated objects live in the loaded image of libpython,
 * or of the executable: a statically linked python, or a program whose
 * references to libpython's data were resolved by copy relocations (the
 * object then lives in the executable's own data). */
static uintptr_t img_lo[16], img_hi[16];
static int nimg = -1;

static int
phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    const char *lib = data;
    bool main_exe = !info->dlpi_name || !info->dlpi_name[0];
    if (!main_exe && (!lib || strcmp(info->dlpi_name, lib) != 0))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && nimg < 16; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        img_lo[nimg] = info->dlpi_addr + ph->p_vaddr;
        img_hi[nimg] = img_lo[nimg] + ph->p_memsz;
        nimg++;
    }
    return 0;
}

static void
find_image(void)
{
    nimg = 0;
    Dl_info di;
    const char *lib = NULL;
    /* a function: data symbols may have been copied into the executable */
    if (dladdr((void *)(uintptr_t)&Py_Initialize, &di) && di.dli_fname)
        lib = di.dli_fname;
    dl_iterate_phdr(phdr_cb, (void *)lib);
}
#endif

bool
mv_pyi_is_immortal(PyObject *o)
{
#if PY_VERSION_HEX >= 0x030C0000
    return _Py_IsImmortal(o);
#else
    if (nimg < 0)
        find_image();
    uintptr_t a = (uintptr_t)o;
    for (int i = 0; i < nimg; i++)
        if (a >= img_lo[i] && a < img_hi[i])
            return true;
    /* a statically linked interpreter: static objects start near 1e9 */
    return Py_REFCNT(o) >= 999999999;
#endif
}

size_t
mv_pyi_long_ndigits(PyObject *o)
{
#if PY_VERSION_HEX >= 0x030C0000
    return (size_t)_PyLong_DigitCount((PyLongObject *)o);
#else
    Py_ssize_t n = Py_SIZE(o);
    return (size_t)(n < 0 ? -n : n);
#endif
}

bool
mv_pyi_long_small(PyObject *o, long long *v)
{
#if PY_VERSION_HEX >= 0x030C0000
    const PyLongObject *l = (const PyLongObject *)o;
    if (_PyLong_IsCompact(l)) {
        *v = (long long)_PyLong_CompactValue(l);
        return true;
    }
    if (_PyLong_DigitCount(l) != 2)
        return false;
    long long m = (long long)l->long_value.ob_digit[0] |
                  (long long)l->long_value.ob_digit[1] << PyLong_SHIFT;
    *v = _PyLong_IsNegative(l) ? -m : m;
    return true;
#else
    Py_ssize_t n = Py_SIZE(o);
    const digit *d = ((PyLongObject *)o)->ob_digit;
    long long m;
    if (n == 0)
        m = 0;
    else if (n == 1 || n == -1)
        m = (long long)d[0];
    else if (n == 2 || n == -2)
        m = (long long)d[0] | (long long)d[1] << PyLong_SHIFT;
    else
        return false;
    *v = n < 0 ? -m : m;
    return true;
#endif
}

PyObject *
mv_pyi_long_decimal(PyObject *o)
{
    PyInterpreterState *interp = PyInterpreterState_Get();
#if PY_VERSION_HEX >= 0x030C0000
    int *limit = &interp->long_state.max_str_digits;
#else
    int *limit = &interp->int_max_str_digits;
#endif
    int saved = *limit;
    *limit = 0;
    PyObject *r = PyLong_Type.tp_repr(o);
    *limit = saved;
    return r;
}

void
mv_pyi_frame_no_lines(PyFrameObject *f)
{
    f->f_trace_lines = 0;
}

PyObject **
mv_pyi_gc_callbacks_slot(void)
{
    return &PyInterpreterState_Get()->gc.callbacks;
}
