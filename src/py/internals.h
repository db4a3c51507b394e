/* Version-specific reads of CPython internals, behind a plain interface.
 * Everything here is read-only, runs no user code, allocates nothing and
 * takes no references: all PyObject * results are borrowed from the object
 * read. The implementation (internals.c) is the only file compiled with
 * Py_BUILD_CORE; it switches on PY_VERSION_HEX for 3.11, 3.12 and 3.13. */
#ifndef MV_PY_INTERNALS_H
#define MV_PY_INTERNALS_H

#include <Python.h>
#include <frameobject.h>
#include <stdbool.h>

/* One slot of a frame's fast locals. */
typedef struct mv_pyi_local {
    PyObject *name;  /* borrowed from the code object */
    PyObject *value; /* borrowed; cells already dereferenced; never NULL */
} mv_pyi_local;

/* The code object running in f (borrowed). */
PyCodeObject *mv_pyi_frame_code(PyFrameObject *f);
/* The frame's locals mapping for non-optimized frames (module: its globals;
 * class body: its namespace), else NULL. Borrowed. */
PyObject *mv_pyi_frame_locals_dict(PyFrameObject *f);
/* Fill out[0..cap) with the bound fast locals of an optimized frame, in
 * co_localsplusnames order (hidden comprehension slots skipped). Returns the
 * number of bound slots found (may exceed cap: only cap are written). */
Py_ssize_t mv_pyi_fast_locals(PyFrameObject *f, mv_pyi_local *out, Py_ssize_t cap);

/* Instance attributes kept outside a real __dict__ (3.11/3.12 values array,
 * 3.13 inline values), or the __dict__ if one exists. Calls fn for each
 * (name, value) without creating a dict; stops when fn returns false.
 * Returns false if the object has none of these. */
typedef bool (*mv_pyi_attr_fn)(void *ctx, PyObject *name, PyObject *value);
bool mv_pyi_instance_attrs(PyObject *o, mv_pyi_attr_fn fn, void *ctx);

/* Next element of a set/frozenset (subclasses too); like _PySet_NextEntry. */
int mv_pyi_set_next(PyObject *set, Py_ssize_t *pos, PyObject **key);

/* Bytes the allocator places before the object (GC header, managed dict). */
size_t mv_pyi_preheader(PyTypeObject *tp);
/* What sys.getsizeof adds to __sizeof__ for o (the pre-header, except for
 * static type objects from 3.13 on). */
size_t mv_pyi_getsizeof_extra(PyObject *o);

/* Immortal (3.12+) or statically allocated inside libpython (3.11). */
bool mv_pyi_is_immortal(PyObject *o);

/* Decimal text of an int, ignoring the int_max_str_digits limit (no user
 * code runs; int subclasses are formatted as their int value). New
 * reference to a str, or NULL with an exception set. */
PyObject *mv_pyi_long_decimal(PyObject *o);
/* Digits (of 30 bits) an int uses: what its size depends on. */
size_t mv_pyi_long_ndigits(PyObject *o);
/* The value of an int of at most two digits (compact in 3.12+), read from
 * the object; false for bigger ones. */
bool mv_pyi_long_small(PyObject *o, long long *v);



/* Next (key, value) of a dict (subclasses too), like PyDict_Next, reading
 * a combined table with str keys directly (the usual layout of module and
 * class namespaces); other layouts go through PyDict_Next. */
int mv_pyi_dict_next(PyObject *d, Py_ssize_t *pos, PyObject **key, PyObject **value);
/* For a combined str-keyed table: the table and how many entry positions it
 * has used. While both stay the same no key was added: entries are only
 * appended, a deletion empties its entry, a resize makes a new table.
 * False for other layouts. */
typedef struct mv_pyi_kv {
    PyObject *key, *value; /* both NULL in an emptied entry */
} mv_pyi_kv;
bool mv_pyi_dict_table(PyObject *d, const void **table, Py_ssize_t *nentries,
                       const mv_pyi_kv **entries);

/* The dict locals() left on an optimized frame (3.11/3.12 keep it on the
 * frame and refresh it at each locals() call); NULL if none, and always NULL
 * on 3.13 (PEP 667: locals() makes a new dict each time). Borrowed. */
PyObject *mv_pyi_frame_cached_locals(PyFrameObject *f);
/* p points into f's own storage (its locals and value stack): a C function
 * called from f's bytecode gets its arguments there. */
bool mv_pyi_frame_holds(PyFrameObject *f, const void *p);

/* Stop line events for a frame (non-user code): f_trace_lines = 0. */
void mv_pyi_frame_no_lines(PyFrameObject *f);

/* Where the current interpreter keeps the list of callbacks its collector
 * calls (the object gc.callbacks also is): the slot itself, so that the
 * list can be swapped (gcwatch.c). */
PyObject **mv_pyi_gc_callbacks_slot(void);
#endif
