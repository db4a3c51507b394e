/* Allocator hooks; contract in hooks.h, JSON in docs/events-format.md.
 *
 * What is counted. A block is the program's when it was allocated through
 * the OBJ or MEM domain while a trace is attached, after the first step
 * began, outside memview's own work (mv_hooks_tool_enter: capture, the
 * stdout tee's copy, the gc callback), and it is not a frame object (the
 * tracer makes one per traced call: research 1.2). Blocks that existed
 * before (the interpreter's startup, the program's compiled code) are not,
 * and neither are their frees.
 *
 * The live map. Every program block is in `live`, keyed by its address:
 *   PENDING | i     allocated since the last step boundary, log entry i
 *                   (its memory is not an initialised object yet when the
 *                   hook runs: research 3.2);
 *   type << 36 | n  classified at a boundary: type index, block bytes n.
 * A free looks the block up: pending -> it lived within one step (its type
 * is read at the free, while its memory is intact), typed -> it is counted
 * out under its type. Either way the trace is told (mv_trace_free_block),
 * which retires a shown object and records a FREE event with its ref.
 *
 * Types. A block's type is read from the object header at offset 0, 16 or
 * 32 (the pre-header: none, GC head, GC head + managed dict) and accepted
 * only if that pointer is a type memview already knows (builtins seeded at
 * attach, plus every type capture meets) and its pre-header is that offset.
 * Memory is never read through an unknown pointer. MEM-domain blocks are not
 * objects ("(buffer)": list item arrays, set tables, ...); OBJ blocks whose
 * type is not known are "(unidentified)".
 *
 * Bytes are block bytes: pymalloc rounds a request up to 16 (<= 512 bytes);
 * bigger requests, and every request under another allocator, count as
 * requested. Pools are read only inside arenas the arena hook saw, and only
 * when the allocator named itself "pymalloc" before the hooks went in. */
#include <Python.h>
#include <frameobject.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hooks.h"
#include "internals.h"

#define POOL_SIZE 16384u
#define POOL_OVERHEAD 48u
#define ARENA_SIZE (1u << 20)
#define SMALL_REQUEST 512u

#define V_PENDING (1ULL << 63)
#define V_BYTES_MASK ((1ULL << 36) - 1)
#define V_TYPE_SHIFT 36
#define MAX_TYPES ((1u << 20) - 1)
/* cap on the per-step log; allocations past it count as "(unidentified)" */
#define MAX_LOG (1u << 18)

enum { DOM_OBJ = 0, DOM_MEM = 1 };
enum { T_UNIDENT = 0, T_BUFFER = 1 };
enum { L_LIVE = 0, L_FREED = 1, L_GONE = 2 };

typedef struct logent {
    uint64_t ptr;
    uint32_t bytes;
    uint8_t dom;
    uint8_t state;
} logent;

typedef struct survivor {
    uint64_t ptr;
    uint32_t type;
    uint32_t bytes;
    bool claimed;
} survivor;

typedef struct htype {
    PyTypeObject *tp; /* address; NULL for the pseudo types */
    const char *name; /* pseudo types only */
    uint32_t name_id; /* string id in the attached trace, UINT32_MAX until asked */
    uint8_t pre;
    bool exclude;     /* memview's own (frame objects) */
    /* this step's aggregate */
    uint32_t acount, fcount;
    uint64_t abytes, fbytes;
    bool touched;
} htype;

typedef struct arena {
    uint64_t base;
    size_t size;
} arena;

typedef struct dom {
    PyMemAllocatorEx saved;
    int id;
} dom;

/* All state below is protected by the GIL (OBJ/MEM calls and arena calls
 * are made with it held). */
static dom d_obj = {{0}, DOM_OBJ}, d_mem = {{0}, DOM_MEM};
static PyObjectArenaAllocator saved_arena;
static char allocator[32];
static bool pymalloc;
static bool installed;

static mv_trace *trace;  /* attached trace */
static bool recording;   /* program events are being recorded */
static bool first_step;  /* the next step boundary forgets what came before */
static int tool_depth;   /* > 0: memview's own work */
static bool gc_running;
static uint8_t gc_gen;
/* blocks of the gc callback's arguments: freed during the collection window
 * but by their count, not by the collector */
static uint64_t exempt[16];
static uint32_t nexempt;

static mv_map live;      /* block -> PENDING|log index, or type/bytes */
static logent *lg;
static uint32_t nlog, caplog;
static survivor *surv;
static uint32_t nsurv, capsurv;
static mv_map survmap;   /* ptr -> survivor index + 1, when many */
static bool survmap_used;

static htype *types;
static uint32_t ntypes, captypes;
static mv_map known;     /* type address -> index + 1 */
static uint32_t *touched;
static uint32_t ntouched, captouched;

static arena *arenas;    /* sorted by base */
static uint32_t narenas, caparenas;

/* the pool timeline (timeline_step) */
#define TL_DIRTY_MAX 4096u
static mv_map tl_state;        /* pool -> packed counts as last recorded */
static uint64_t tl_dirty[TL_DIRTY_MAX];
static uint32_t tl_ndirty;
static bool tl_overflow;       /* more pools touched than tl_dirty holds: read them all */
#define TL_FILTER 1024u
static uint64_t tl_filter[TL_FILTER]; /* pools listed since the last walk */
static uint64_t *tl_gone;      /* pools of arenas given back since the last walk */
static uint32_t tl_ngone, tl_capgone;
static mv_pool_change *tl_diff;
static uint32_t tl_capdiff;
static uint32_t tl_walks, tl_last_step;
static bool tl_off;
static void timeline_reset(void);

/* A block at p was allocated or freed: its pool (if p is in one) may have
 * changed. A small filter keeps a pool from being listed twice between two
 * walks (the walk clears what it listed); a collision in the filter only
 * lists a pool again, which the walk then finds unchanged. */
static inline void
tl_touch(uint64_t p)
{
    uint64_t pool = p & ~(uint64_t)(POOL_SIZE - 1);
    uint64_t *f = &tl_filter[(pool >> 14) & (TL_FILTER - 1)];
    if (*f == pool)
        return;
    *f = pool;
    if (tl_ndirty < TL_DIRTY_MAX)
        tl_dirty[tl_ndirty++] = pool;
    else
        tl_overflow = true;
}

static int64_t want_step = -1;
static uint32_t want_line;
static bool pools_taken;

/* ---- small helpers ---- */

static bool
grow_arr(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = mv_realloc(*p, (size_t)c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static uint32_t
block_bytes(size_t n)
{
    uint64_t b = (pymalloc && n && n <= SMALL_REQUEST) ? ((n + 15) & ~(size_t)15) : n;
    return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

static uint32_t
add_type(PyTypeObject *tp, const char *pseudo, uint8_t pre, bool exclude)
{
    if (ntypes >= MAX_TYPES || !grow_arr((void **)&types, &captypes, ntypes + 1, sizeof *types))
        return T_UNIDENT;
    types[ntypes] = (htype){tp, pseudo, UINT32_MAX, pre, exclude, 0, 0, 0, 0, false};
    if (tp && mv_map_put(&known, (uint64_t)(uintptr_t)tp, (uint64_t)ntypes + 1) != MV_OK)
        return T_UNIDENT;
    return ntypes++;
}

void
mv_hooks_note_type(PyTypeObject *tp)
{
    if (!tp || mv_map_get(&known, (uint64_t)(uintptr_t)tp))
        return;
    add_type(tp, NULL, (uint8_t)mv_pyi_preheader(tp), tp == &PyFrame_Type);
}

/* The type index of the object in a live block, or T_UNIDENT / T_BUFFER. */
static uint32_t
classify(uint64_t p, uint32_t bytes, uint8_t d)
{
    if (d == DOM_MEM)
        return T_BUFFER;
    static const uint8_t pres[] = {0, 16, 32};
    for (int k = 0; k < 3; k++) {
        uint32_t pre = pres[k];
        if (pre + 16 > bytes)
            break;
        uint64_t tp;
        memcpy(&tp, (const char *)(uintptr_t)p + pre + 8, sizeof tp);
        uint64_t *v = tp ? mv_map_get(&known, tp) : NULL; /* 0 is the map's empty key */
        if (v && types[*v - 1].pre == pre)
            return (uint32_t)(*v - 1);
    }
    return T_UNIDENT;
}

static void
agg(uint32_t t, bool alloc, uint64_t bytes)
{
    htype *h = &types[t];
    if (!h->touched) {
        if (!grow_arr((void **)&touched, &captouched, ntouched + 1, sizeof *touched))
            return;
        touched[ntouched++] = t;
        h->touched = true;
    }
    if (alloc) {
        h->acount++;
        h->abytes += bytes;
    } else {
        h->fcount++;
        h->fbytes += bytes;
    }
}

/* ---- the hooks ---- */

static void
note_alloc(void *p, size_t n, int d)
{
    uint64_t a = (uint64_t)(uintptr_t)p;
    uint32_t b = block_bytes(n);
    if (nlog >= MAX_LOG || !grow_arr((void **)&lg, &caplog, nlog + 1, sizeof *lg)) {
        /* past the cap: counted, but its type is not read */
        uint32_t t = d == DOM_MEM ? T_BUFFER : T_UNIDENT;
        if (mv_map_put(&live, a, ((uint64_t)t << V_TYPE_SHIFT) | b) == MV_OK)
            agg(t, true, b);
        return;
    }
    if (mv_map_put(&live, a, V_PENDING | nlog) != MV_OK)
        return;
    lg[nlog++] = (logent){a, b, (uint8_t)d, L_LIVE};
}

/* A block is about to be freed (its memory is still intact). */
static void
note_free(void *p, bool tell_trace)
{
    uint64_t a = (uint64_t)(uintptr_t)p;
    uint64_t bytes = 0;
    uint32_t t = UINT32_MAX;
    uint64_t *v = live.count ? mv_map_get(&live, a) : NULL;
    if (v) {
        uint64_t val = *v;
        mv_map_del(&live, a);
        if (val & V_PENDING) {
            /* born and gone within one step */
            logent *e = &lg[(uint32_t)val];
            uint32_t tt = classify(a, e->bytes, e->dom);
            e->state = L_FREED;
            if (!types[tt].exclude) {
                agg(tt, true, e->bytes);
                agg(tt, false, e->bytes);
            }
        } else {
            t = (uint32_t)(val >> V_TYPE_SHIFT) & MAX_TYPES;
            bytes = val & V_BYTES_MASK;
        }
    }
    if (!tell_trace || !trace)
        return;
    if (!recording) {
        mv_trace_forget(trace, a);
        return;
    }
    bool by_gc = gc_running;
    for (uint32_t i = 0; by_gc && i < nexempt; i++)
        by_gc = exempt[i] != a;
    uint32_t ref = mv_trace_free_block(trace, a, by_gc ? MV_FREE_GC : MV_FREE_REFCOUNT, gc_gen,
                                       t != UINT32_MAX ? bytes : 0);
    if (!ref && t != UINT32_MAX)
        agg(t, false, bytes);
}

static void *
h_malloc(void *ctx, size_t n)
{
    dom *d = ctx;
    void *p = d->saved.malloc(d->saved.ctx, n);
    if (p && recording) {
        tl_touch((uint64_t)(uintptr_t)p);
        if (!tool_depth)
            note_alloc(p, n, d->id);
    }
    return p;
}

static void *
h_calloc(void *ctx, size_t count, size_t n)
{
    dom *d = ctx;
    void *p = d->saved.calloc(d->saved.ctx, count, n);
    if (p && recording) {
        tl_touch((uint64_t)(uintptr_t)p);
        if (!tool_depth)
            note_alloc(p, count * n, d->id);
    }
    return p;
}

static void *
h_realloc(void *ctx, void *p, size_t n)
{
    dom *d = ctx;
    if (!p || !recording) {
        void *q = d->saved.realloc(d->saved.ctx, p, n);
        if (q && recording)
            tl_touch((uint64_t)(uintptr_t)q);
        if (q && p && q != p && trace)
            mv_trace_forget(trace, (uint64_t)(uintptr_t)p);
        if (q && !p && recording && !tool_depth)
            note_alloc(q, n, d->id);
        return q;
    }
    /* what the old block was, before realloc may release it */
    uint64_t a = (uint64_t)(uintptr_t)p;
    uint64_t *v = mv_map_get(&live, a);
    uint64_t val = v ? *v : 0;
    void *q = d->saved.realloc(d->saved.ctx, p, n);
    if (!q)
        return NULL;
    tl_touch(a);
    tl_touch((uint64_t)(uintptr_t)q);
    if (v) {
        mv_map_del(&live, a);
        if (val & V_PENDING) {
            lg[(uint32_t)val].state = L_GONE; /* replaced by the new block */
        } else {
            agg((uint32_t)(val >> V_TYPE_SHIFT) & MAX_TYPES, false, val & V_BYTES_MASK);
        }
        note_alloc(q, n, d->id);
    } else if (!tool_depth) {
        /* a block from before the first step, resized by the program: from
         * now on it is the program's */
        note_alloc(q, n, d->id);
    }
    if (q != p && trace)
        mv_trace_forget(trace, a);
    return q;
}

static void
h_free(void *ctx, void *p)
{
    dom *d = ctx;
    if (p && trace) {
        if (recording)
            tl_touch((uint64_t)(uintptr_t)p);
        note_free(p, true);
    }
    d->saved.free(d->saved.ctx, p);
}

/* arenas */

static void *
a_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = saved_arena.alloc(saved_arena.ctx, size);
    /* the interpreter's frame stack chunks come from this allocator too
     * (16 KiB and up): only 1 MiB requests are pymalloc's arenas */
    if (p && size == ARENA_SIZE && grow_arr((void **)&arenas, &caparenas, narenas + 1, sizeof *arenas)) {
        uint64_t b = (uint64_t)(uintptr_t)p;
        uint32_t i = narenas;
        while (i > 0 && arenas[i - 1].base > b) {
            arenas[i] = arenas[i - 1];
            i--;
        }
        arenas[i] = (arena){b, size};
        narenas++;
    }
    return p;
}

static void
a_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    uint64_t b = (uint64_t)(uintptr_t)p;
    /* the pools the timeline knows in this arena: no longer there to read */
    for (uint64_t pool = (b + POOL_SIZE - 1) & ~(uint64_t)(POOL_SIZE - 1);
         tl_state.count && pool + POOL_SIZE <= b + size; pool += POOL_SIZE)
        if (mv_map_get(&tl_state, pool) &&
            grow_arr((void **)&tl_gone, &tl_capgone, tl_ngone + 1, sizeof *tl_gone))
            tl_gone[tl_ngone++] = pool;
    for (uint32_t i = 0; i < narenas; i++) {
        if (arenas[i].base == b) {
            memmove(arenas + i, arenas + i + 1, (narenas - i - 1) * sizeof *arenas);
            narenas--;
            break;
        }
    }
    saved_arena.free(saved_arena.ctx, p, size);
}

static const arena *
arena_of(uint64_t addr)
{
    uint32_t lo = 0, hi = narenas;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (arenas[mid].base + arenas[mid].size <= addr)
            lo = mid + 1;
        else if (arenas[mid].base > addr)
            hi = mid;
        else
            return &arenas[mid];
    }
    return NULL;
}

/* exported by libpython 3.11-3.13, declared in internal headers only */
PyAPI_FUNC(const char *) _PyMem_GetCurrentAllocatorName(void);

void
mv_hooks_install(void)
{
    if (installed)
        return;
    installed = true;
    const char *name = _PyMem_GetCurrentAllocatorName();
    snprintf(allocator, sizeof allocator, "%s", name ? name : "");
    pymalloc = name && strcmp(name, "pymalloc") == 0;
    if (pymalloc) {
        PyObjectArenaAllocator a = {NULL, a_alloc, a_free};
        PyObject_GetArenaAllocator(&saved_arena);
        PyObject_SetArenaAllocator(&a);
    }
    PyMemAllocatorEx h = {NULL, h_malloc, h_calloc, h_realloc, h_free};
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &d_obj.saved);
    h.ctx = &d_obj;
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &h);
    PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &d_mem.saved);
    h.ctx = &d_mem;
    PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &h);
}

const char *
mv_hooks_allocator(void)
{
    return allocator;
}

bool
mv_hooks_pymalloc(void)
{
    return pymalloc;
}

static void
seed_types(void)
{
    if (ntypes)
        return;
    add_type(NULL, "(unidentified)", 0, false);
    add_type(NULL, "(buffer)", 0, false);
    PyTypeObject *builtin[] = {
        &PyLong_Type, &PyFloat_Type, &PyUnicode_Type, &PyBytes_Type, &PyByteArray_Type,
        &PyList_Type, &PyTuple_Type, &PyDict_Type, &PySet_Type, &PyFrozenSet_Type,
        &PyComplex_Type, &PyBool_Type, &PyRange_Type, &PySlice_Type, &PyFunction_Type,
        &PyMethod_Type, &PyCell_Type, &PyCode_Type, &PyFrame_Type, &PyGen_Type,
        &PyCoro_Type, &PyProperty_Type, &PyStaticMethod_Type, &PyClassMethod_Type,
        &PySuper_Type, &PyMemoryView_Type, &PyModule_Type, &PyType_Type,
        &PyBaseObject_Type, &PyEnum_Type, &PyReversed_Type, &PyFilter_Type, &PyMap_Type,
        &PyZip_Type, &PyListIter_Type, &PyTupleIter_Type, &PySetIter_Type,
        &PyRangeIter_Type, &PyLongRangeIter_Type, &PyDictIterKey_Type,
        &PyDictIterValue_Type, &PyDictIterItem_Type, &PyDictKeys_Type, &PyDictValues_Type,
        &PyDictItems_Type, &PySeqIter_Type, &PyCallIter_Type, &PyCFunction_Type,
        &PyMethodDescr_Type, &PyWrapperDescr_Type, &PyGetSetDescr_Type,
        &PyMemberDescr_Type, &PyDictProxy_Type, &_PyWeakref_RefType,
        &_PyWeakref_ProxyType, &_PyWeakref_CallableProxyType, &PyCapsule_Type,
        &PyTraceBack_Type, &PyInstanceMethod_Type,
    };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        mv_hooks_note_type(builtin[i]);
    /* exceptions are objects programs make a lot */
    PyTypeObject *exc[] = {(PyTypeObject *)PyExc_BaseException, (PyTypeObject *)PyExc_Exception,
                           (PyTypeObject *)PyExc_ValueError, (PyTypeObject *)PyExc_TypeError,
                           (PyTypeObject *)PyExc_KeyError, (PyTypeObject *)PyExc_IndexError,
                           (PyTypeObject *)PyExc_StopIteration,
                           (PyTypeObject *)PyExc_AttributeError,
                           (PyTypeObject *)PyExc_RuntimeError};
    for (size_t i = 0; i < sizeof exc / sizeof exc[0]; i++)
        mv_hooks_note_type(exc[i]);
}

static void
drop_log(void)
{
    for (uint32_t i = 0; i < nlog; i++) {
        if (lg[i].state != L_LIVE)
            continue;
        uint64_t *v = mv_map_get(&live, lg[i].ptr);
        if (v && *v == (V_PENDING | i))
            mv_map_del(&live, lg[i].ptr);
    }
    nlog = 0;
}

static void
reset_aggregates(void)
{
    for (uint32_t i = 0; i < ntouched; i++) {
        htype *h = &types[touched[i]];
        h->acount = h->fcount = 0;
        h->abytes = h->fbytes = 0;
        h->touched = false;
    }
    ntouched = 0;
}

void
mv_hooks_attach(mv_trace *tr)
{
    trace = tr;
    if (tr) {
        seed_types();
        for (uint32_t i = 0; i < ntypes; i++)
            types[i].name_id = UINT32_MAX;
        mv_trace_set_allocator(tr, allocator);
        /* MEMVIEW_EVENTS=0: identity only, no memory events (for measuring
         * what recording them costs: bench/README.md) */
        const char *env = getenv("MEMVIEW_EVENTS");
        recording = !(env && strcmp(env, "0") == 0);
        first_step = true;
        pools_taken = false;
        timeline_reset();
    } else {
        recording = false;
        drop_log();
        nsurv = 0;
        reset_aggregates();
        mv_map_clear(&live);
        gc_running = false;
    }
}

bool
mv_hooks_recording(void)
{
    return recording;
}

void
mv_hooks_tool_enter(void)
{
    tool_depth++;
}

void
mv_hooks_tool_leave(void)
{
    if (tool_depth > 0)
        tool_depth--;
}

/* ---- step boundary ---- */

void
mv_hooks_step_begin(void)
{
    nsurv = 0;
    if (survmap_used) {
        mv_map_clear(&survmap);
        survmap_used = false;
    }
    if (!recording)
        return;
    if (first_step) {
        /* what happened before the first step is the interpreter's and the
         * program's compilation: not counted */
        first_step = false;
        drop_log();
        reset_aggregates();
        return;
    }
    for (uint32_t i = 0; i < nlog; i++) {
        logent *e = &lg[i];
        if (e->state != L_LIVE)
            continue;
        uint64_t *v = mv_map_get(&live, e->ptr);
        if (!v || *v != (V_PENDING | i))
            continue;
        uint32_t t = classify(e->ptr, e->bytes, e->dom);
        if (types[t].exclude) {
            mv_map_del(&live, e->ptr);
            continue;
        }
        *v = ((uint64_t)t << V_TYPE_SHIFT) | e->bytes;
        if (!grow_arr((void **)&surv, &capsurv, nsurv + 1, sizeof *surv)) {
            agg(t, true, e->bytes);
            continue;
        }
        surv[nsurv++] = (survivor){e->ptr, t, e->bytes, false};
    }
    nlog = 0;
    if (nsurv > 16) {
        for (uint32_t i = 0; i < nsurv; i++)
            mv_map_put(&survmap, surv[i].ptr, (uint64_t)i + 1);
        survmap_used = true;
    }
}

bool
mv_hooks_claim(uint64_t block, uint64_t *bytes)
{
    survivor *s = NULL;
    if (survmap_used) {
        uint64_t *v = mv_map_get(&survmap, block);
        if (v)
            s = &surv[*v - 1];
    } else {
        for (uint32_t i = 0; i < nsurv; i++)
            if (surv[i].ptr == block) {
                s = &surv[i];
                break;
            }
    }
    if (!s || s->claimed)
        return false;
    s->claimed = true;
    *bytes = s->bytes;
    return true;
}

static uint32_t
type_name_id(uint32_t t)
{
    htype *h = &types[t];
    if (h->name_id != UINT32_MAX)
        return h->name_id;
    const char *name = h->name;
    size_t n = name ? strlen(name) : 0;
    if (h->tp) {
        PyTypeObject *tp = h->tp;
        PyObject *qn = (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ? ((PyHeapTypeObject *)tp)->ht_qualname
                                                            : NULL;
        if (qn && PyUnicode_Check(qn) && PyUnicode_IS_ASCII(qn)) {
            name = (const char *)PyUnicode_DATA(qn);
            n = (size_t)PyUnicode_GET_LENGTH(qn);
        } else {
            name = tp->tp_name;
            n = strlen(name);
        }
    }
    uint32_t id = mv_trace_intern(trace, name ? name : "?", name ? n : 1);
    h->name_id = id == UINT32_MAX ? 0 : id;
    return h->name_id;
}

void
mv_hooks_step_end(void)
{
    if (!trace)
        return;
    for (uint32_t i = 0; i < nsurv; i++)
        if (!surv[i].claimed)
            agg(surv[i].type, true, surv[i].bytes);
    nsurv = 0;
    for (uint32_t i = 0; i < ntouched; i++) {
        uint32_t t = touched[i];
        htype *h = &types[t];
        uint32_t id = type_name_id(t);
        mv_rec_mem_agg(trace, MV_MEV_ALLOC, id, h->acount, h->abytes);
        mv_rec_mem_agg(trace, MV_MEV_FREE, id, h->fcount, h->fbytes);
    }
    reset_aggregates();
}

/* ---- blocks and pools ---- */

typedef struct pool_hdr {
    uint32_t count, szidx, arenaindex, nextoffset;
} pool_hdr;

static void
read_pool(uint64_t pool, pool_hdr *h)
{
    const char *p = (const char *)(uintptr_t)pool;
    memcpy(&h->count, p, 4);
    memcpy(&h->arenaindex, p + 32, 4);
    memcpy(&h->szidx, p + 36, 4);
    memcpy(&h->nextoffset, p + 40, 4);
}

void
mv_hooks_block(uint64_t block, mv_block *out)
{
    memset(out, 0, sizeof *out);
    if (pymalloc && arena_of(block)) {
        /* a block inside an arena lies in one of its pools */
        uint64_t pool = block & ~(uint64_t)(POOL_SIZE - 1);
        pool_hdr h;
        read_pool(pool, &h);
        uint32_t size = (h.szidx + 1) * 16;
        if (h.count == 0 || h.szidx >= SMALL_REQUEST / 16 || block < pool + POOL_OVERHEAD ||
            (block - pool - POOL_OVERHEAD) % size)
            return;
        out->kind = MV_BLOCK_POOL;
        out->size = size;
        out->pool = pool;
        out->index = (uint32_t)((block - pool - POOL_OVERHEAD) / size);
        out->arena = h.arenaindex;
        return;
    }
    uint64_t *v = mv_map_get(&live, block);
    if (!v)
        return;
    uint64_t bytes = (*v & V_PENDING) ? lg[(uint32_t)*v].bytes : (*v & V_BYTES_MASK);
    if (!pymalloc || bytes > SMALL_REQUEST) {
        out->kind = MV_BLOCK_MALLOC;
        out->size = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    }
}

/* exported by libpython 3.11-3.13, declared in internal headers only */
PyAPI_FUNC(int) _PyObject_DebugMallocStats(FILE *out);

/* What sys._debugmallocstats() prints about pymalloc, now. CPython prints
 * it only while pymalloc is the OBJ allocator itself, so memview's hook is
 * taken out for the call (which allocates nothing through it). malloc'd
 * text (free()), or NULL. */
static char *
interpreter_stats(void)
{
    char *text = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&text, &n);
    if (!fp)
        return NULL;
    PyMemAllocatorEx mine;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &mine);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &d_obj.saved);
    _PyObject_DebugMallocStats(fp);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &mine);
    fclose(fp);
    return text;
}

/* The counts of the pool at p, from its header; false for a pool that holds
 * no block (unused, or never set up). */
static bool
pool_counts(uint64_t p, pool_hdr *h, mv_pool_rec *r)
{
    read_pool(p, h);
    if (h->count == 0 || h->szidx >= SMALL_REQUEST / 16)
        return false;
    uint32_t size = (h->szidx + 1) * 16;
    uint32_t nb = (POOL_SIZE - POOL_OVERHEAD) / size;
    uint32_t carved = h->nextoffset > POOL_OVERHEAD ? (h->nextoffset - POOL_OVERHEAD) / size : 0;
    if (carved > nb)
        carved = nb;
    if (carved < h->count)
        carved = h->count;
    *r = (mv_pool_rec){p, size, nb, h->count, carved - h->count, nb - carved};
    return true;
}

static void
take_pools(uint32_t step)
{
    if (!trace || pools_taken || !pymalloc)
        return;
    pools_taken = true;
    mv_pool_snap s;
    memset(&s, 0, sizeof s);
    s.step = step;
    uint32_t cappools = 0, capar = 0;
    mv_pool_rec *pools = NULL;
    mv_arena_rec *ars = NULL;
    if (!grow_arr((void **)&ars, &capar, narenas ? narenas : 1, sizeof *ars))
        return;
    for (uint32_t i = 0; i < narenas; i++) {
        uint64_t base = arenas[i].base, end = base + arenas[i].size;
        uint64_t first = (base + POOL_SIZE - 1) & ~(uint64_t)(POOL_SIZE - 1);
        mv_arena_rec *a = &ars[s.narenas++];
        *a = (mv_arena_rec){base, UINT32_MAX, (uint32_t)((end - first) / POOL_SIZE), s.npools, 0};
        for (uint64_t p = first; p + POOL_SIZE <= end; p += POOL_SIZE) {
            pool_hdr h;
            mv_pool_rec r;
            if (!pool_counts(p, &h, &r))
                continue;
            if (!grow_arr((void **)&pools, &cappools, s.npools + 1, sizeof *pools))
                break;
            pools[s.npools++] = r;
            a->npools++;
            if (a->index == UINT32_MAX)
                a->index = h.arenaindex;
        }
        if (a->index == UINT32_MAX)
            a->index = i;
    }
    s.arenas = ars;
    s.pools = pools;
    s.stats = getenv("MEMVIEW_POOLS_STATS") ? interpreter_stats() : NULL;
    mv_trace_set_pools(trace, &s);
    mv_free(ars);
    mv_free(pools);
    free(s.stats);
}

/* ---- the pool timeline (mv_trace_add_pool_mark) ----
 *
 * Every allocation and free while recording (memview's own included: they
 * move pools too) lists its pool as dirty (tl_touch). At a walk, only the
 * dirty pools are read, and those whose counts differ from what was last
 * recorded become the mark's changes; a pool in an arena that was given
 * back, or with no block left, is recorded as unused. The first walk, and a
 * walk after more than TL_DIRTY_MAX pools were touched, reads every pool of
 * every arena instead.
 *
 * When. The first 1024 walks come at every step, after that walk w waits
 * w / 1024 steps, so a run of N steps makes about sqrt(2048 N) walks: every
 * step of a teaching program, about 80,000 for three million steps (each
 * reads the one or two pools a loop touches; a walk with no dirty pool reads
 * nothing and records an empty mark). The timeline is exact at every
 * marked step. */

static int
cmp_change(const void *a, const void *b)
{
    const mv_pool_change *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint64_t
tl_pack(const mv_pool_rec *r)
{
    return (uint64_t)r->size_class << 48 | (uint64_t)r->used << 32 | (uint64_t)r->free << 16 |
           r->never;
}

static bool
tl_emit(uint32_t *ndiff, mv_pool_change ch)
{
    if (!grow_arr((void **)&tl_diff, &tl_capdiff, *ndiff + 1, sizeof *tl_diff))
        return false;
    tl_diff[(*ndiff)++] = ch;
    return true;
}

/* Read the pool at `pool` (in arena ar, or NULL when it is in none) and
 * record it if it differs from its last state. False when out of memory. */
static bool
tl_visit(uint64_t pool, const arena *ar, uint32_t *ndiff)
{
    uint64_t *v = mv_map_get(&tl_state, pool);
    pool_hdr h;
    mv_pool_rec r;
    bool in_use = ar && pool_counts(pool, &h, &r);
    if (!in_use) {
        if (!v)
            return true;
        mv_map_del(&tl_state, pool);
        return tl_emit(ndiff, (mv_pool_change){pool, ar ? ar->base : 0, 0, 0, 0, 0, 0});
    }
    uint64_t packed = tl_pack(&r);
    if (v && *v == packed)
        return true;
    if (mv_map_put(&tl_state, pool, packed) != MV_OK)
        return false;
    return tl_emit(ndiff, (mv_pool_change){pool, ar->base, h.arenaindex, r.size_class, r.used,
                                           r.free, r.never});
}

static void
timeline_reset(void)
{
    mv_map_clear(&tl_state);
    memset(tl_filter, 0, sizeof tl_filter);
    tl_ndirty = 0;
    tl_overflow = false;
    tl_ngone = 0;
    tl_walks = 0;
    tl_last_step = 0;
    tl_off = false;
}

static void
timeline_step(uint32_t step)
{
    if (tl_off || !pymalloc || !recording)
        return;
    bool first = tl_walks == 0;
    /* a mark at every step the schedule allows, empty when nothing was
     * touched: the viewer then knows the pools were exact there */
    if (!first && step - tl_last_step < tl_walks / 1024)
        return;
    uint32_t ndiff = 0;
    bool ok = true;
    for (uint32_t i = 0; i < tl_ngone && ok; i++)
        if (mv_map_get(&tl_state, tl_gone[i]) && !arena_of(tl_gone[i]))
            ok = tl_visit(tl_gone[i], NULL, &ndiff);
    if (first || tl_overflow) {
        for (uint32_t i = 0; i < narenas && ok; i++) {
            uint64_t base = arenas[i].base, end = base + arenas[i].size;
            for (uint64_t p = (base + POOL_SIZE - 1) & ~(uint64_t)(POOL_SIZE - 1);
                 p + POOL_SIZE <= end && ok; p += POOL_SIZE)
                ok = tl_visit(p, &arenas[i], &ndiff);
        }
    } else {
        for (uint32_t i = 0; i < tl_ndirty && ok; i++)
            ok = tl_visit(tl_dirty[i], arena_of(tl_dirty[i]), &ndiff);
    }
    /* a mark lists a pool once, in address order */
    if (ok && ndiff > 1)
        qsort(tl_diff, ndiff, sizeof *tl_diff, cmp_change);
    if (tl_overflow)
        memset(tl_filter, 0, sizeof tl_filter);
    else
        for (uint32_t i = 0; i < tl_ndirty; i++)
            tl_filter[(tl_dirty[i] >> 14) & (TL_FILTER - 1)] = 0;
    tl_ndirty = 0;
    tl_overflow = false;
    tl_ngone = 0;
    if (!ok || mv_trace_add_pool_mark(trace, step, tl_diff, ndiff) != MV_OK) {
        tl_off = true; /* the trace says from which step (MV_ELIMIT), or out of memory */
        return;
    }
    tl_walks++;
    tl_last_step = step;
}

void
mv_hooks_want_pools(int64_t step, uint32_t line)
{
    want_step = step;
    want_line = line;
}

void
mv_hooks_pools_at_step(uint32_t step, mv_event ev, uint32_t file, uint32_t line)
{
    if (!trace)
        return;
    timeline_step(step);
    if (pools_taken)
        return;
    if (want_line) {
        if (ev != MV_EV_LINE || line != want_line)
            return;
        const char *f = mv_trace_str(trace, file, NULL);
        if (strcmp(f, mv_trace_program(trace)) != 0)
            return;
        take_pools(step);
    } else if (want_step >= 0 && (uint64_t)want_step == step) {
        take_pools(step);
    }
}

void
mv_hooks_finish(void)
{
    if (want_step == -2 && !want_line && trace && mv_trace_nsteps(trace))
        take_pools(mv_trace_nsteps(trace) - 1);
}

/* ---- collector ---- */

void
mv_hooks_gc(bool running, int generation)
{
    gc_running = running;
    gc_gen = (uint8_t)(generation < 0 ? 0 : generation);
    if (!running)
        nexempt = 0;
}

void
mv_hooks_disown(PyObject *o)
{
    if (!o || !recording)
        return;
    uint64_t b = (uint64_t)(uintptr_t)o - mv_pyi_preheader(Py_TYPE(o));
    if (nexempt < sizeof exempt / sizeof exempt[0])
        exempt[nexempt++] = b;
    uint64_t *v = mv_map_get(&live, b);
    if (!v)
        return;
    if (*v & V_PENDING)
        lg[(uint32_t)*v].state = L_GONE;
    mv_map_del(&live, b);
}
