/* Unit test of the trace model (src/core/trace.c, map.c, buf.c) without
 * Python: traces are recorded by hand through mv_rec_* with fake addresses,
 * the test keeps its own copy of what each step should show, and every step
 * is rebuilt (mv_trace_state) and replayed (mv_trace_iter) and compared with
 * it field by field. Identity rules, limits and allocation failures are
 * exercised one by one. */
#define _DEFAULT_SOURCE 1 /* setrlimit */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/trace.h"
#include "harness.h"

/* ------------------------------------------------------------------ */
/* helpers */

/* A check whose message is printed only for the first failures, for checks
 * made in bulk (every step, every allocation failure). */
static int soft_printed;

static bool soft_check(bool ok, const char *fmt, ...) MV_PRINTF(2, 3);

static bool
soft_check(bool ok, const char *fmt, ...)
{
    harness_checks++;
    if (ok)
        return true;
    harness_failed++;
    if (soft_printed++ < 25) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "FAILED: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    } else if (soft_printed == 26) {
        fprintf(stderr, "(further failures not printed)\n");
    }
    return false;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test_trace: out of memory\n");
        exit(2);
    }
    return p;
}

static size_t
blocks_now(void)
{
    mv_alloc_stats s;
    mv_alloc_get_stats(&s);
    return s.blocks;
}

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 16) % n);
}

/* ---- owned copies of states (the test's expectations) ---- */

static void
obj_copy(mv_object *dst, const mv_object *src)
{
    *dst = *src;
    if (src->value) {
        char *v = xmalloc((size_t)src->value_len + 1);
        memcpy(v, src->value, src->value_len);
        v[src->value_len] = '\0';
        dst->value = v;
    }
    dst->items = NULL;
    if (src->nitems) {
        uint32_t *it = xmalloc(src->nitems * sizeof *it);
        memcpy(it, src->items, src->nitems * sizeof *it);
        dst->items = it;
    }
}

static void
obj_clear(mv_object *o)
{
    free((void *)o->value);
    free((void *)o->items);
    memset(o, 0, sizeof *o);
}

static mv_frame *
frames_copy(const mv_frame *src, uint32_t n)
{
    mv_frame *f = xmalloc(n * sizeof *f);
    for (uint32_t i = 0; i < n; i++) {
        f[i] = src[i];
        mv_local *l = xmalloc(src[i].nlocals * sizeof *l);
        if (src[i].nlocals)
            memcpy(l, src[i].locals, src[i].nlocals * sizeof *l);
        f[i].locals = l;
    }
    return f;
}

static void
frames_free(mv_frame *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free((void *)f[i].locals);
    free(f);
}

/* A state built by the test (malloc'd, not the library's). */
static void
xstate_free(mv_state *x)
{
    frames_free(x->frames, x->nframes);
    for (uint32_t i = 0; i < x->nobjects; i++)
        obj_clear(&x->objects[i]);
    free(x->objects);
    memset(x, 0, sizeof *x);
}

static int
cmp_ref(const void *a, const void *b)
{
    uint32_t x = ((const mv_object *)a)->ref, y = ((const mv_object *)b)->ref;
    return x < y ? -1 : x > y;
}

/* ---- field-by-field comparison; the first difference goes to `why` ---- */

static char why[512];

#define DIFF(what, a, b)                                                                           \
    do {                                                                                           \
        if ((a) != (b)) {                                                                          \
            snprintf(why, sizeof why, "%s: %s: got %lld, want %lld", ctx, what, (long long)(a),    \
                     (long long)(b));                                                              \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

static bool
same_object(const mv_object *a, const mv_object *b, const char *where)
{
    char ctx[128];
    snprintf(ctx, sizeof ctx, "%s object #%u", where, b->ref);
    DIFF("ref", a->ref, b->ref);
    DIFF("addr", a->addr, b->addr);
    DIFF("type", a->type, b->type);
    DIFF("kind", a->kind, b->kind);
    DIFF("flags", a->flags, b->flags);
    DIFF("refcount", a->refcount, b->refcount);
    DIFF("size", a->size, b->size);
    DIFF("value is NULL", a->value == NULL, b->value == NULL);
    DIFF("value_len", a->value_len, b->value_len);
    if (a->value && memcmp(a->value, b->value, a->value_len) != 0) {
        snprintf(why, sizeof why, "%s: value '%.*s' != '%.*s'", ctx, (int)a->value_len, a->value,
                 (int)b->value_len, b->value);
        return false;
    }
    DIFF("length", a->length, b->length);
    DIFF("nitems", a->nitems, b->nitems);
    for (uint32_t k = 0; k < a->nitems; k++)
        DIFF("item", a->items[k], b->items[k]);
    DIFF("hidden", a->hidden, b->hidden);
    return true;
}

static bool
same_frames(const mv_frame *a, uint32_t na, const mv_frame *b, uint32_t nb, const char *ctx)
{
    DIFF("nframes", na, nb);
    for (uint32_t i = 0; i < na; i++) {
        DIFF("frame function", a[i].function, b[i].function);
        DIFF("frame file", a[i].file, b[i].file);
        DIFF("frame line", a[i].line, b[i].line);
        DIFF("frame nlocals", a[i].nlocals, b[i].nlocals);
        for (uint32_t k = 0; k < a[i].nlocals; k++) {
            DIFF("local name", a[i].locals[k].name, b[i].locals[k].name);
            DIFF("local ref", a[i].locals[k].ref, b[i].locals[k].ref);
        }
    }
    return true;
}

static bool
same_state(const mv_state *a, const mv_state *b, const char *ctx)
{
    DIFF("step", a->step, b->step);
    DIFF("event", a->event, b->event);
    DIFF("file", a->file, b->file);
    DIFF("line", a->line, b->line);
    DIFF("stdout_len", a->stdout_len, b->stdout_len);
    DIFF("truncated", a->truncated, b->truncated);
    if (!same_frames(a->frames, a->nframes, b->frames, b->nframes, ctx))
        return false;
    DIFF("nobjects", a->nobjects, b->nobjects);
    for (uint32_t i = 0; i < a->nobjects; i++)
        if (!same_object(&a->objects[i], &b->objects[i], ctx))
            return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* A scripted "program": a world of objects at fake addresses, a call stack,
 * and a recorder that walks it the way src/py/capture.c walks Python (reach
 * the locals, then breadth-first the objects; known immutables get only
 * their refcount). The world also models memview's identity rules, so every
 * ref the trace hands out is checked against the ref the test expects. */

#define NW 40   /* object slots; each has its own address */
#define NPERM 4 /* slots 0..3: None, True, 1, 2 (immortal, never change) */
#define MAXKIDS 8
#define MAXLOC 8
#define MAXFR 6

typedef struct wobj {
    bool exists;
    uint64_t addr;
    uint8_t pre;
    uint32_t gen; /* a new object at this slot bumps it */
    mv_kind kind;
    uint8_t flags;
    int64_t refcount;
    uint64_t size;
    bool has_value;
    char value[64];
    uint64_t length;
    uint32_t nkids;
    int kids[MAXKIDS];       /* slots; dict: key,value pairs */
    uint32_t names[MAXKIDS]; /* instance: attribute name of each kid */
    uint64_t hidden;
    /* the model of memview's identity */
    uint32_t ref;     /* ref of the current object; 0 until first reached */
    bool recorded;    /* its content was recorded (mv_rec_object) */
    uint32_t reached; /* step + 1 when last reached */
    uint32_t mslot;   /* the model's slot handle from the last mv_rec_ref */
} wobj;

typedef struct wframe {
    uint64_t serial;
    uint32_t function, file, line;
    uint32_t nlocals;
    uint32_t names[MAXLOC];
    int slots[MAXLOC];
} wframe;

typedef struct qent {
    int w;
    mv_recref r;
} qent;

static struct world {
    mv_trace *tr;
    wobj o[NW];
    wframe fr[MAXFR];
    uint32_t nfr;
    uint64_t next_serial;
    uint64_t next_addr;
    uint32_t next_ref; /* the ref memview should give next */
    uint32_t step;     /* steps recorded */
    size_t stdout_len;
    bool pending_pop;
    uint32_t types[MV_K__COUNT];
    uint32_t names[16], funcs[3], files[2], mod;
    qent q[NW];
    uint32_t nq;
    mv_status err; /* first failure returned by the recording API */
    mv_state *exp; /* what each committed step should show */
    uint32_t nexp;
} W;

static bool
kind_immutable(mv_kind k)
{
    return k == MV_K_NONE || k == MV_K_BOOL || k == MV_K_INT || k == MV_K_FLOAT || k == MV_K_STR ||
           k == MV_K_BYTES || k == MV_K_TUPLE;
}

static uint64_t
ident_of(int i)
{
    const wobj *o = &W.o[i];
    if (!kind_immutable(o->kind))
        return 0;
    /* odd multiplier: distinct (gen, slot) give distinct nonzero hashes */
    return (((uint64_t)o->gen + 1) << 16 | (uint64_t)i) * 0x9E3779B97F4A7C15ull;
}

static uint32_t
intern(const char *s)
{
    uint32_t id = mv_trace_intern(W.tr, s, strlen(s));
    if (id == UINT32_MAX && W.err == MV_OK)
        W.err = MV_ENOMEM;
    return id;
}

static int
random_existing(bool any)
{
    for (int tries = 0; tries < 200; tries++) {
        int i = (int)rnd(NW);
        if (W.o[i].exists && (any || i >= NPERM))
            return i;
    }
    return 0;
}

static void set_value(wobj *o, const char *fmt, ...) MV_PRINTF(2, 3);

static void
set_value(wobj *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->value, sizeof o->value, fmt, ap);
    va_end(ap);
    o->has_value = true;
}

/* Give slot i fresh content of kind k (a new object unless only mutable
 * content changes: the caller bumps gen when it is a new object). */
static void
fill(int i, mv_kind k)
{
    wobj *o = &W.o[i];
    o->kind = k;
    o->flags = kind_immutable(k) ? MV_OF_IMMUTABLE : 0;
    o->refcount = 1 + rnd(4);
    o->size = 16 + 8 * rnd(20);
    o->has_value = false;
    o->value[0] = '\0';
    o->length = 0;
    o->nkids = 0;
    o->hidden = 0;
    switch (k) {
    case MV_K_INT:
        if (rnd(5) == 0) {
            set_value(o, "12345678901234567%u", rnd(1000));
            o->flags |= MV_OF_REPR;
        } else if (rnd(8) == 0) {
            set_value(o, "9999999999");
            o->flags |= MV_OF_REPR | MV_OF_CUT;
            o->length = 5000 + rnd(100);
        } else {
            set_value(o, "%d", (int)rnd(100000) - 500);
        }
        break;
    case MV_K_FLOAT:
        set_value(o, "%u.%u", rnd(100), rnd(1000));
        break;
    case MV_K_STR:
        if (rnd(6) == 0) {
            set_value(o, "%s", ""); /* empty, but a value (not NULL) */
        } else if (rnd(6) == 0) {
            set_value(o, "cut \"%u\"", rnd(100));
            o->flags |= MV_OF_CUT;
            o->length = 1000 + rnd(50);
        } else {
            set_value(o, "s%u\\\n\xc3\xa9", rnd(10000));
        }
        break;
    case MV_K_BYTES:
        set_value(o, "b'\\x%02x'", rnd(256));
        o->flags |= MV_OF_REPR;
        break;
    case MV_K_TUPLE:
        o->nkids = rnd(4);
        for (uint32_t k2 = 0; k2 < o->nkids; k2++)
            o->kids[k2] = (int)rnd(NPERM); /* immutable: only never-changing items */
        break;
    case MV_K_LIST:
        o->nkids = rnd(5);
        for (uint32_t k2 = 0; k2 < o->nkids; k2++)
            o->kids[k2] = rnd(6) == 0 ? i : random_existing(true); /* may hold itself */
        if (rnd(4) == 0)
            o->hidden = 1 + rnd(1000);
        break;
    case MV_K_DICT:
        o->nkids = 2 * rnd(4);
        for (uint32_t k2 = 0; k2 < o->nkids; k2++)
            o->kids[k2] = random_existing(true);
        break;
    case MV_K_INSTANCE:
        o->nkids = rnd(4);
        for (uint32_t k2 = 0; k2 < o->nkids; k2++) {
            o->kids[k2] = random_existing(true);
            o->names[k2] = W.names[8 + k2];
        }
        break;
    default: /* MV_K_OPAQUE */
        break;
    }
}

static mv_kind
random_kind(void)
{
    static const mv_kind kinds[] = {MV_K_INT,  MV_K_FLOAT, MV_K_STR,      MV_K_BYTES, MV_K_TUPLE,
                                    MV_K_LIST, MV_K_DICT,  MV_K_INSTANCE, MV_K_OPAQUE};
    return kinds[rnd(sizeof kinds / sizeof *kinds)];
}

/* Remove every reference to slot i (it is being freed). */
static void
unlink_slot(int i)
{
    for (uint32_t f = 0; f < W.nfr; f++) {
        wframe *fr = &W.fr[f];
        for (uint32_t k = 0; k < fr->nlocals;) {
            if (fr->slots[k] == i) {
                memmove(&fr->slots[k], &fr->slots[k + 1], (fr->nlocals - k - 1) * sizeof(int));
                memmove(&fr->names[k], &fr->names[k + 1], (fr->nlocals - k - 1) * sizeof(uint32_t));
                fr->nlocals--;
            } else {
                k++;
            }
        }
    }
    for (int j = 0; j < NW; j++) {
        wobj *o = &W.o[j];
        if (!o->exists || kind_immutable(o->kind))
            continue;
        uint32_t step = o->kind == MV_K_DICT ? 2 : 1;
        for (uint32_t k = 0; k < o->nkids;) {
            bool hit = o->kids[k] == i || (step == 2 && o->kids[k + 1] == i);
            if (hit) {
                memmove(&o->kids[k], &o->kids[k + step], (o->nkids - k - step) * sizeof(int));
                memmove(&o->names[k], &o->names[k + step],
                        (o->nkids - k - step) * sizeof(uint32_t));
                o->nkids -= step;
            } else {
                k += step;
            }
        }
    }
}

static void
add_local(wframe *fr, int slot)
{
    if (fr->nlocals >= MAXLOC)
        return;
    for (int tries = 0; tries < 20; tries++) {
        uint32_t name = W.names[rnd(8)];
        bool used = false;
        for (uint32_t k = 0; k < fr->nlocals; k++)
            used |= fr->names[k] == name;
        if (!used) {
            fr->names[fr->nlocals] = name;
            fr->slots[fr->nlocals++] = slot;
            return;
        }
    }
}

/* Bind a new object somewhere reachable. */
static void
bind_new(int i)
{
    if (rnd(3) == 0) {
        for (int j = NPERM; j < NW; j++) {
            wobj *o = &W.o[j];
            if (o->exists && o->kind == MV_K_LIST && o->nkids < MAXKIDS && j != i) {
                o->kids[o->nkids++] = i;
                return;
            }
        }
    }
    add_local(&W.fr[W.nfr - 1], i);
}

static size_t spill_chunk; /* 0: the trace's default */

static bool
world_init(uint64_t seed, const mv_limits *lim)
{
    memset(&W, 0, sizeof W);
    rng = seed;
    W.next_ref = 1;
    W.next_serial = 1;
    W.next_addr = 0x7f0000100000ull;
    W.err = mv_trace_new(&W.tr, lim);
    if (W.err != MV_OK) {
        W.tr = NULL;
        return false;
    }
    if (spill_chunk)
        mv_trace_set_spill_bytes(W.tr, spill_chunk);
    mv_trace_set_python(W.tr, "3.12.1");
    mv_trace_set_program(W.tr, "prog.py");
    static const char *tn[MV_K__COUNT] = {
        "code",  "NoneType", "bool",      "int",  "float", "complex", "str",      "bytes", "list",
        "tuple", "set",      "frozenset", "dict", "Node",  "type",    "function", "module"};
    for (int k = 0; k < MV_K__COUNT; k++)
        W.types[k] = intern(tn[k]);
    static const char *nn[16] = {"a",   "b",    "c",    "d",     "e", "f", "g", "h",
                                 "val", "next", "left", "right", "x", "y", "z", "w"};
    for (int k = 0; k < 16; k++)
        W.names[k] = intern(nn[k]);
    W.funcs[0] = intern("f");
    W.funcs[1] = intern("Tree.insert");
    W.funcs[2] = intern("<lambda>");
    W.files[0] = intern("prog.py");
    W.files[1] = intern("lib/helper.py");
    W.mod = intern("<module>");
    if (W.err != MV_OK)
        return false;
    for (int i = 0; i < NW; i++) {
        W.o[i].addr = 0x7f0000000000ull + (uint64_t)i * 0x40 + 0x10;
        W.o[i].pre = (i % 3 == 1) ? 16 : 0;
    }
    static const mv_kind pk[NPERM] = {MV_K_NONE, MV_K_BOOL, MV_K_INT, MV_K_INT};
    static const char *pv[NPERM] = {"None", "True", "1", "2"};
    for (int i = 0; i < NPERM; i++) {
        wobj *o = &W.o[i];
        o->exists = true;
        o->kind = pk[i];
        o->flags = MV_OF_IMMORTAL | MV_OF_IMMUTABLE;
        o->refcount = -1;
        o->size = 28;
        set_value(o, "%s", pv[i]);
    }
    for (int i = NPERM; i < NW / 2; i++) {
        W.o[i].exists = true;
        fill(i, random_kind());
    }
    W.nfr = 1;
    W.fr[0] = (wframe){.serial = W.next_serial++, .function = W.mod, .file = W.files[0], .line = 1};
    for (int k = 0; k < 4; k++)
        add_local(&W.fr[0], random_existing(true));
    return true;
}

static void
world_free(void)
{
    for (uint32_t s = 0; s < W.nexp; s++)
        xstate_free(&W.exp[s]);
    free(W.exp);
    mv_trace_free(W.tr);
    memset(&W, 0, sizeof W);
}

/* The program runs between two steps: change the world. */
static mv_event
world_run(void)
{
    mv_event ev = MV_EV_LINE;
    if (W.pending_pop) {
        W.nfr--;
        W.pending_pop = false;
    }
    wframe *top = &W.fr[W.nfr - 1];
    uint32_t nops = rnd(4);
    for (uint32_t n = 0; n < nops; n++) {
        int i;
        switch (rnd(13)) {
        case 0: /* rebind a local */
        case 1: {
            wframe *fr = &W.fr[rnd(W.nfr)];
            if (fr->nlocals)
                fr->slots[rnd(fr->nlocals)] = random_existing(true);
            break;
        }
        case 2: /* a new name (may bring an object back into the picture) */
            add_local(&W.fr[rnd(W.nfr)], random_existing(true));
            break;
        case 3: { /* del name */
            wframe *fr = &W.fr[rnd(W.nfr)];
            if (fr->nlocals) {
                uint32_t k = rnd(fr->nlocals);
                memmove(&fr->slots[k], &fr->slots[k + 1], (fr->nlocals - k - 1) * sizeof(int));
                memmove(&fr->names[k], &fr->names[k + 1], (fr->nlocals - k - 1) * sizeof(uint32_t));
                fr->nlocals--;
            }
            break;
        }
        case 4: /* mutable content changes (same object) */
        case 5:
            i = random_existing(false);
            if (!kind_immutable(W.o[i].kind)) {
                uint32_t gen = W.o[i].gen;
                int64_t rc = W.o[i].refcount;
                fill(i, W.o[i].kind);
                W.o[i].gen = gen;
                W.o[i].refcount = rc;
            }
            break;
        case 6: /* refcount alone changes */
        case 7:
            i = random_existing(false);
            if (i >= NPERM) {
                W.o[i].refcount += (int64_t)rnd(5) - 2;
                if (W.o[i].refcount < 1)
                    W.o[i].refcount = 1;
            }
            break;
        case 8: /* free: the allocator hook reports the block */
            i = random_existing(false);
            if (i >= NPERM) {
                mv_trace_forget(W.tr, W.o[i].addr - W.o[i].pre);
                unlink_slot(i);
                W.o[i].exists = false;
                W.o[i].ref = 0;
            }
            break;
        case 9: /* allocate: usually at a freed address (reuse), else a new one */
            for (int tries = 0; tries < 10; tries++) {
                i = NPERM + (int)rnd(NW - NPERM);
                if (W.o[i].exists)
                    continue;
                if (rnd(4) == 0) {
                    W.o[i].addr = W.next_addr + W.o[i].pre;
                    W.next_addr += 0x40;
                }
                W.o[i].exists = true;
                W.o[i].gen++;
                W.o[i].ref = 0;
                W.o[i].recorded = false;
                fill(i, random_kind());
                bind_new(i);
                break;
            }
            break;
        case 10: /* another object at the same address without a free call
                  * (free lists): caught by type or immutable content */
            i = random_existing(false);
            if (i >= NPERM && W.o[i].ref) {
                mv_kind k = W.o[i].kind;
                mv_kind nk = random_kind();
                if (!(kind_immutable(k) && rnd(2) == 0))
                    while (nk == k)
                        nk = random_kind();
                else
                    nk = k; /* same type, new immutable content */
                W.o[i].gen++;
                W.o[i].ref = 0;
                W.o[i].recorded = false;
                fill(i, nk);
            }
            break;
        case 11: /* call */
            if (W.nfr < MAXFR) {
                wframe *fr = &W.fr[W.nfr++];
                memset(fr, 0, sizeof *fr);
                fr->serial = W.next_serial++;
                fr->function = W.funcs[rnd(3)];
                fr->file = W.files[rnd(2)];
                fr->line = 1 + rnd(30);
                uint32_t nargs = rnd(3);
                for (uint32_t k = 0; k < nargs; k++)
                    add_local(fr, random_existing(true));
                return MV_EV_CALL;
            }
            break;
        default: /* return (the frame is popped after the step) */
            if (W.nfr > 1) {
                W.pending_pop = true;
                return MV_EV_RETURN;
            }
            break;
        }
    }
    /* frees the hook reports for memory memview never saw, and a free of
     * the address itself where the object has a 16-byte pre-header: both
     * must leave every ref alone */
    if (rnd(5) == 0)
        mv_trace_forget(W.tr, 0x1000 + 8 * (uint64_t)rnd(1000));
    if (rnd(5) == 0) {
        int i = random_existing(false);
        if (W.o[i].pre == 16)
            mv_trace_forget(W.tr, W.o[i].addr);
    }
    top->line = 1 + rnd(30);
    if (rnd(15) == 0)
        ev = MV_EV_EXCEPTION;
    return ev;
}

/* mv_rec_ref for slot i, checked against the model. */
static mv_status
reach(int i, uint32_t *ref)
{
    wobj *o = &W.o[i];
    mv_recref r;
    mv_status st = mv_rec_ref(W.tr, o->addr, W.types[o->kind], o->pre, ident_of(i), &r);
    if (st != MV_OK)
        return st;
    bool fresh = false;
    if (!o->ref) {
        o->ref = W.next_ref++;
        o->recorded = false;
        fresh = true;
    }
    bool seen = o->reached == W.step + 1;
    bool known = o->recorded && kind_immutable(o->kind);
    soft_check(r.ref == o->ref, "step %u slot %d: ref %u, want %u", W.step, i, r.ref, o->ref);
    soft_check(r.fresh == fresh, "step %u slot %d: fresh %d, want %d", W.step, i, r.fresh, fresh);
    soft_check(r.seen == seen, "step %u slot %d: seen %d, want %d", W.step, i, r.seen, seen);
    soft_check(r.known == known, "step %u slot %d: known %d, want %d", W.step, i, r.known, known);
    *ref = o->ref;
    o->mslot = r.slot;
    if (!r.seen) {
        o->reached = W.step + 1;
        W.q[W.nq++] = (qent){i, r};
    }
    return MV_OK;
}

/* The items of slot i as refs (string ids for instance names). */
static uint32_t
items_of(int i, uint32_t *items)
{
    const wobj *o = &W.o[i];
    uint32_t n = 0;
    for (uint32_t k = 0; k < o->nkids; k++) {
        if (o->kind == MV_K_INSTANCE)
            items[n++] = o->names[k];
        items[n++] = W.o[o->kids[k]].ref;
    }
    return n;
}

static mv_object
content_of(int i, uint32_t *items)
{
    const wobj *o = &W.o[i];
    mv_object ob;
    memset(&ob, 0, sizeof ob);
    ob.ref = o->ref;
    ob.addr = o->addr;
    ob.type = W.types[o->kind];
    ob.kind = (uint8_t)o->kind;
    ob.flags = o->flags;
    ob.refcount = (o->flags & MV_OF_IMMORTAL) ? -1 : o->refcount;
    ob.size = o->size;
    if (o->has_value) {
        ob.value = o->value;
        ob.value_len = (uint32_t)strlen(o->value);
    }
    ob.length = o->length;
    ob.nitems = items_of(i, items);
    ob.items = items;
    ob.hidden = o->hidden;
    return ob;
}

static mv_status
record_object(const qent *q)
{
    wobj *o = &W.o[q->w];
    uint32_t ref;
    mv_status st;
    if (q->r.known) {
        st = mv_rec_refcount(W.tr, &q->r, (o->flags & MV_OF_IMMORTAL) ? -1 : o->refcount);
        for (uint32_t k = 0; k < o->nkids && st == MV_OK; k++)
            st = reach(o->kids[k], &ref); /* a tuple still reaches its items */
        return st;
    }
    for (uint32_t k = 0; k < o->nkids; k++)
        if ((st = reach(o->kids[k], &ref)) != MV_OK)
            return st;
    uint32_t items[2 * MAXKIDS];
    mv_object ob = content_of(q->w, items);
    st = mv_rec_object(W.tr, &q->r, &ob);
    if (st == MV_OK)
        o->recorded = true;
    return st;
}

/* What the step just recorded should show. */
static void
expect_step(mv_event ev, bool truncated)
{
    if (W.nexp % 64 == 0) {
        mv_state *e = realloc(W.exp, (W.nexp + 64) * sizeof *e);
        if (!e)
            exit(2);
        W.exp = e;
    }
    mv_state *x = &W.exp[W.nexp++];
    memset(x, 0, sizeof *x);
    const wframe *top = &W.fr[W.nfr - 1];
    x->step = W.step;
    x->event = ev;
    x->file = top->file;
    x->line = top->line;
    x->stdout_len = W.stdout_len;
    x->truncated = truncated;
    x->nframes = W.nfr;
    x->frames = xmalloc(W.nfr * sizeof *x->frames);
    for (uint32_t f = 0; f < W.nfr; f++) {
        const wframe *fr = &W.fr[f];
        mv_local *l = xmalloc(fr->nlocals * sizeof *l);
        for (uint32_t k = 0; k < fr->nlocals; k++)
            l[k] = (mv_local){fr->names[k], W.o[fr->slots[k]].ref};
        x->frames[f] = (mv_frame){fr->function, fr->file, fr->line, fr->nlocals, l};
    }
    x->objects = xmalloc(NW * sizeof *x->objects);
    for (int i = 0; i < NW; i++) {
        if (W.o[i].reached != W.step + 1)
            continue;
        uint32_t items[2 * MAXKIDS];
        mv_object ob = content_of(i, items);
        obj_copy(&x->objects[x->nobjects++], &ob);
    }
    qsort(x->objects, x->nobjects, sizeof *x->objects, cmp_ref);
}

/* Half the time, a local holding a recorded immutable object without
 * items goes through mv_rec_touch_local first, as capture's fast path
 * does: true when that did the whole work (checked against the model). */
static bool
touch_local(int i, uint32_t name)
{
    wobj *o = &W.o[i];
    if (rnd(2) || !o->ref || !o->recorded || !kind_immutable(o->kind) || o->nkids)
        return false;
    int64_t rc = (o->flags & MV_OF_IMMORTAL) ? -1 : o->refcount;
    int r = mv_rec_touch_local(W.tr, o->mslot, o->ref, ident_of(i), rc, name, false);
    bool seen = o->reached == W.step + 1;
    if (r == 1)
        soft_check(seen, "step %u slot %d: touch_local says reached, it was not", W.step, i);
    if (r == 2) {
        soft_check(!seen, "step %u slot %d: touch_local says first reach, it was not", W.step,
                   i);
        soft_check(o->reached == W.step, "step %u slot %d: touch_local took an object "
                   "not in the previous step", W.step, i);
        o->reached = W.step + 1;
    }
    return r != 0;
}

/* Record one step of the world. False when recording stopped. */
static bool
record_step(mv_event ev)
{
    const wframe *top = &W.fr[W.nfr - 1];
    bool truncated = rnd(12) == 0;
    if (rnd(6) == 0) {
        uint32_t n = 1 + rnd(12);
        mv_trace_stdout_append(W.tr, "hello world\n", n);
        W.stdout_len += n;
    }
    W.nq = 0;
    mv_status st = mv_rec_begin(W.tr, ev, top->file, top->line);
    for (uint32_t f = 0; f < W.nfr && st == MV_OK; f++) {
        const wframe *fr = &W.fr[f];
        st = mv_rec_frame(W.tr, fr->serial, fr->function, fr->file, fr->line);
        for (uint32_t k = 0; k < fr->nlocals && st == MV_OK; k++) {
            uint32_t ref;
            if (touch_local(fr->slots[k], fr->names[k]))
                continue;
            st = reach(fr->slots[k], &ref);
            if (st == MV_OK)
                st = mv_rec_local(W.tr, fr->names[k], ref);
        }
    }
    for (uint32_t k = 0; k < W.nq && st == MV_OK; k++) {
        qent q = W.q[k];
        st = record_object(&q);
    }
    if (st != MV_OK) {
        if (W.err == MV_OK)
            W.err = st;
        mv_rec_abort(W.tr, st);
        return false;
    }
    if (truncated)
        mv_rec_set_truncated(W.tr);
    uint32_t before = mv_trace_nsteps(W.tr);
    st = mv_rec_end(W.tr, W.stdout_len);
    if (mv_trace_nsteps(W.tr) == before + 1) {
        expect_step(ev, truncated);
        W.step++;
    }
    if (st != MV_OK) {
        if (W.err == MV_OK)
            W.err = st;
        return false;
    }
    return true;
}

/* Record a whole run of nsteps steps (fewer if recording fails). */
static void
run_script(uint64_t seed, uint32_t nsteps, const mv_limits *lim)
{
    if (!world_init(seed, lim))
        return;
    mv_event ev = MV_EV_CALL;
    for (uint32_t s = 0; s < nsteps; s++) {
        if (!record_step(ev))
            return;
        ev = world_run();
    }
}

/* ---- checking a recorded trace against the expectations ---- */

typedef struct replay {
    mv_object *objs;
    uint32_t n, cap;
    mv_frame *frames;
    uint32_t nframes;
} replay;

static mv_object *
replay_find(replay *rp, uint32_t ref)
{
    for (uint32_t i = 0; i < rp->n; i++)
        if (rp->objs[i].ref == ref)
            return &rp->objs[i];
    return NULL;
}

static void
replay_free(replay *rp)
{
    for (uint32_t i = 0; i < rp->n; i++)
        obj_clear(&rp->objs[i]);
    free(rp->objs);
    frames_free(rp->frames, rp->nframes);
    memset(rp, 0, sizeof *rp);
}

/* Walk tr with mv_trace_iter and replay the deltas as the trace format
 * says (objects replace, refcounts set, drops remove, frames when changed);
 * every replayed state must equal exp. */
static void
check_iter(const mv_trace *tr, const mv_state *exp, uint32_t nexp, const char *name)
{
    mv_trace_iter *it = NULL;
    if (!soft_check(mv_trace_iter_new(tr, &it) == MV_OK, "%s: iter_new", name))
        return;
    replay rp = {0};
    mv_delta d;
    uint32_t count = 0;
    bool ok = true;
    while (ok && mv_trace_iter_next(it, &d)) {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "%s iter step %u", name, count);
        ok = soft_check(d.step == count, "%s: delta step %u", ctx, d.step);
        if (!ok || !soft_check(count < nexp, "%s: more deltas than steps", ctx))
            break;
        for (uint32_t k = 0; k < d.ndrops && ok; k++) {
            mv_object *o = replay_find(&rp, d.drops[k]);
            ok = soft_check(o != NULL, "%s: drop of #%u, not in the state", ctx, d.drops[k]);
            if (o) {
                obj_clear(o);
                *o = rp.objs[--rp.n];
            }
        }
        for (uint32_t k = 0; k < d.nobjects && ok; k++) {
            mv_object *o = replay_find(&rp, d.objects[k].ref);
            if (o) {
                obj_clear(o);
            } else {
                if (rp.n == rp.cap) {
                    rp.cap = rp.cap ? 2 * rp.cap : 64;
                    rp.objs = realloc(rp.objs, rp.cap * sizeof *rp.objs);
                    if (!rp.objs)
                        exit(2);
                }
                o = &rp.objs[rp.n++];
            }
            obj_copy(o, &d.objects[k]);
        }
        for (uint32_t k = 0; k < d.nrc && ok; k++) {
            mv_object *o = replay_find(&rp, d.rc_refs[k]);
            ok = soft_check(o != NULL, "%s: refcount of #%u, not in the state", ctx, d.rc_refs[k]);
            if (o)
                o->refcount = d.rc_vals[k];
        }
        /* the full stack is always there; the flag says when it changed,
         * except for the innermost line, which is the step's own */
        ok = ok && soft_check(
                       same_frames(d.frames, d.nframes, exp[count].frames, exp[count].nframes, ctx),
                       "%s", why);
        if (d.frames_changed || count == 0) {
            frames_free(rp.frames, rp.nframes);
            rp.frames = frames_copy(d.frames, d.nframes);
            rp.nframes = d.nframes;
        }
        if (rp.nframes)
            rp.frames[rp.nframes - 1].line = d.line;
        qsort(rp.objs, rp.n, sizeof *rp.objs, cmp_ref);
        mv_state v;
        memset(&v, 0, sizeof v);
        v.step = d.step;
        v.event = d.event;
        v.file = d.file;
        v.line = d.line;
        v.stdout_len = d.stdout_len;
        v.truncated = d.truncated;
        v.nframes = rp.nframes;
        v.frames = rp.frames;
        v.nobjects = rp.n;
        v.objects = rp.objs;
        ok = ok && soft_check(same_state(&v, &exp[count], ctx), "%s", why);
        count++;
    }
    if (ok) {
        soft_check(mv_trace_iter_status(it) == MV_OK, "%s: iter status %d", name,
                   mv_trace_iter_status(it));
        soft_check(count == nexp, "%s: iter gave %u steps, want %u", name, count, nexp);
        soft_check(!mv_trace_iter_next(it, &d), "%s: iter goes past the end", name);
    }
    replay_free(&rp);
    mv_trace_iter_free(it);
}

/* Every step rebuilt with mv_trace_state equals exp; step_info agrees;
 * out-of-range steps are MV_EINVAL. */
static void
check_trace(const mv_trace *tr, const mv_state *exp, uint32_t nexp, const char *name)
{
    soft_check(mv_trace_nsteps(tr) == nexp, "%s: %u steps, want %u", name, mv_trace_nsteps(tr),
               nexp);
    for (uint32_t s = 0; s < nexp; s++) {
        mv_state got;
        mv_status st = mv_trace_state(tr, s, &got);
        if (!soft_check(st == MV_OK, "%s: mv_trace_state(%u) = %s", name, s, mv_strerror(st)))
            continue;
        char ctx[64];
        snprintf(ctx, sizeof ctx, "%s step %u", name, s);
        soft_check(got.trace == tr, "%s: state.trace", ctx);
        soft_check(same_state(&got, &exp[s], ctx), "%s", why);
        for (uint32_t k = 0; k < got.nobjects; k++)
            soft_check(mv_state_find(&got, got.objects[k].ref) == &got.objects[k],
                       "%s: mv_state_find(#%u)", ctx, got.objects[k].ref);
        soft_check(mv_state_find(&got, 0) == NULL, "%s: mv_state_find(0)", ctx);
        mv_state_release(&got);
        mv_event ev;
        uint32_t file, line;
        st = mv_trace_step_info(tr, s, &ev, &file, &line);
        soft_check(st == MV_OK && ev == exp[s].event && file == exp[s].file && line == exp[s].line,
                   "%s: step_info %s", ctx, mv_strerror(st));
    }
    mv_state none;
    soft_check(mv_trace_state(tr, nexp, &none) == MV_EINVAL, "%s: state past the end", name);
    soft_check(mv_trace_state(tr, UINT32_MAX, &none) == MV_EINVAL, "%s: state UINT32_MAX", name);
    mv_event ev;
    uint32_t file, line;
    soft_check(mv_trace_step_info(tr, nexp, &ev, &file, &line) == MV_EINVAL,
               "%s: step_info past the end", name);
    check_iter(tr, exp, nexp, name);
}

/* ------------------------------------------------------------------ */

/* ~600 steps (several keyframes: at most 256 steps apart) of objects
 * appearing, changing, changing refcount only, freed, replaced at the same
 * address, frames pushed and popped, names rebound. */
static void
test_roundtrip(void)
{
    size_t base = blocks_now();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        int failed_before = harness_failed;
        run_script(0x9e3779b97f4a7c15ull * seed, 600, NULL);
        CHECK_INT_EQ(W.err, MV_OK);
        CHECK_INT_EQ(mv_trace_status(W.tr), MV_OK);
        CHECK_INT_EQ(mv_trace_nsteps(W.tr), 600);
        CHECK_INT_EQ(W.nexp, 600);
        check_trace(W.tr, W.exp, W.nexp, "roundtrip");

        /* find_line: the first LINE step at that line of the program file */
        uint32_t prog = W.files[0];
        for (uint32_t line = 1; line <= 31; line++) {
            uint32_t want = UINT32_MAX;
            for (uint32_t s = 0; s < W.nexp && want == UINT32_MAX; s++)
                if (W.exp[s].event == MV_EV_LINE && W.exp[s].line == line && W.exp[s].file == prog)
                    want = s;
            soft_check(mv_trace_find_line(W.tr, line) == want, "find_line(%u) = %u, want %u", line,
                       mv_trace_find_line(W.tr, line), want);
        }
        /* the sizes the run produced, for whoever reads the log */
        if (seed == 1)
            fprintf(stderr, "roundtrip: 600 steps, %u refs, %zu stream bytes\n", W.next_ref - 1,
                    mv_trace_stream_bytes(W.tr));
        world_free();
        if (harness_failed != failed_before)
            fprintf(stderr, "roundtrip: seed %llu failed\n", (unsigned long long)seed);
    }
    CHECK_INT_EQ(blocks_now(), base);
}

/* The stream spilled to its file in small chunks (written by the
 * background writer), then the same when the file stops taking bytes part
 * way (a file size limit stands in for a full disk): every step must still
 * read back whole. */
static void
test_spill(void)
{
    size_t base = blocks_now();
    spill_chunk = 2048;
    run_script(0x51ed270b27a1f1a3ull, 1500, NULL);
    CHECK_INT_EQ(W.err, MV_OK);
    CHECK_INT_EQ(mv_trace_status(W.tr), MV_OK);
    CHECK(mv_trace_stream_bytes(W.tr) > 20 * spill_chunk);
    check_trace(W.tr, W.exp, W.nexp, "spill");
    world_free();

    struct rlimit old, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim = old;
    lim.rlim_cur = 16384;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    run_script(0x2545f4914f6cdd1dull, 1500, NULL);
    CHECK_INT_EQ(W.err, MV_OK);
    CHECK_INT_EQ(mv_trace_status(W.tr), MV_OK);
    CHECK(mv_trace_stream_bytes(W.tr) > 20 * spill_chunk);
    check_trace(W.tr, W.exp, W.nexp, "spill, file full");
    world_free();
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_DFL);
    spill_chunk = 0;
    CHECK_INT_EQ(blocks_now(), base);
}

/* ---- a small trace written step by step ---- */

static mv_trace *T;

static uint32_t
sid(const char *s)
{
    return mv_trace_intern(T, s, strlen(s));
}

static void
fresh_trace(void)
{
    mv_trace_free(T);
    T = NULL;
    if (mv_trace_new(&T, NULL) != MV_OK) {
        fprintf(stderr, "mv_trace_new failed\n");
        exit(2);
    }
}

static void
begin(uint32_t line)
{
    CHECK_INT_EQ(mv_rec_begin(T, MV_EV_LINE, sid("prog.py"), line), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(T, 1, sid("<module>"), sid("prog.py"), line), MV_OK);
}

static void
end(void)
{
    CHECK_INT_EQ(mv_rec_end(T, 0), MV_OK);
}

static mv_recref
see(uint64_t addr, const char *type, uint8_t pre, uint64_t ident)
{
    mv_recref r;
    CHECK_INT_EQ(mv_rec_ref(T, addr, sid(type), pre, ident, &r), MV_OK);
    return r;
}

static void
put(const mv_recref *r, const char *type, mv_kind kind, uint8_t flags, int64_t rc,
    const char *value)
{
    mv_object o;
    memset(&o, 0, sizeof o);
    o.type = sid(type);
    o.kind = (uint8_t)kind;
    o.flags = flags;
    o.refcount = rc;
    o.size = 56;
    o.value = value;
    o.value_len = value ? (uint32_t)strlen(value) : 0;
    CHECK_INT_EQ(mv_rec_object(T, r, &o), MV_OK);
}

static void
local(const char *name, uint32_t ref)
{
    CHECK_INT_EQ(mv_rec_local(T, sid(name), ref), MV_OK);
}

/* The object #ref as shown at `step`, copied into *out; false if absent. */
static bool
shown(uint32_t step, uint32_t ref, mv_object *out)
{
    mv_state st;
    if (mv_trace_state(T, step, &st) != MV_OK)
        return false;
    const mv_object *o = mv_state_find(&st, ref);
    if (o && out)
        obj_copy(out, o);
    mv_state_release(&st);
    return o != NULL;
}

static uint32_t
nobjects_at(uint32_t step)
{
    mv_state st;
    if (mv_trace_state(T, step, &st) != MV_OK)
        return UINT32_MAX;
    uint32_t n = st.nobjects;
    mv_state_release(&st);
    return n;
}

#define A1 0x7f0000001000ull
#define A2 0x7f0000002000ull
#define A3 0x7f0000003000ull

static void
test_identity(void)
{
    /* same address, same type: same ref; seen on the second reach in a step */
    fresh_trace();
    begin(1);
    mv_recref a = see(A1, "list", 0, 0);
    CHECK(a.fresh && !a.seen && !a.known);
    CHECK_INT_EQ(a.ref, 1);
    mv_recref again = see(A1, "list", 0, 0);
    CHECK(again.seen && !again.fresh);
    CHECK_INT_EQ(again.ref, a.ref);
    put(&a, "list", MV_K_LIST, 0, 1, NULL);
    local("x", a.ref);
    local("y", again.ref);
    end();
    begin(2);
    mv_recref a1 = see(A1, "list", 0, 0);
    CHECK(!a1.fresh && !a1.seen && !a1.known);
    CHECK_INT_EQ(a1.ref, a.ref);
    put(&a1, "list", MV_K_LIST, 0, 1, NULL);
    local("x", a1.ref);
    end();

    /* another type at the address: a new object; the old one leaves */
    begin(3);
    mv_recref d = see(A1, "dict", 0, 0);
    CHECK(d.fresh);
    CHECK(d.ref != a.ref);
    put(&d, "dict", MV_K_DICT, 0, 1, NULL);
    local("x", d.ref);
    end();
    CHECK(shown(1, a.ref, NULL));
    CHECK(!shown(2, a.ref, NULL));
    CHECK(shown(2, d.ref, NULL));
    CHECK_INT_EQ(nobjects_at(2), 1);

    /* immutable: same ident keeps the ref (and it is known), another ident
     * at the same address is a new object */
    fresh_trace();
    begin(1);
    mv_recref s = see(A2, "str", 0, 111);
    CHECK(s.fresh && !s.known);
    put(&s, "str", MV_K_STR, MV_OF_IMMUTABLE, 2, "hello");
    local("s", s.ref);
    end();
    begin(2);
    mv_recref s1 = see(A2, "str", 0, 111);
    CHECK(!s1.fresh && s1.known);
    CHECK_INT_EQ(s1.ref, s.ref);
    CHECK_INT_EQ(mv_rec_refcount(T, &s1, 2), MV_OK);
    local("s", s1.ref);
    end();
    begin(3);
    mv_recref s2 = see(A2, "str", 0, 222);
    CHECK(s2.fresh && !s2.known);
    CHECK(s2.ref != s.ref);
    put(&s2, "str", MV_K_STR, MV_OF_IMMUTABLE, 1, "world");
    local("s", s2.ref);
    end();
    mv_object o;
    CHECK(shown(2, s2.ref, &o));
    CHECK(o.value && o.value_len == 5 && memcmp(o.value, "world", 5) == 0);
    obj_clear(&o);
    CHECK(!shown(2, s.ref, NULL));
    /* a mutable object is never "known" */
    begin(4);
    mv_recref m = see(A3, "list", 0, 0);
    put(&m, "list", MV_K_LIST, 0, 1, NULL);
    local("m", m.ref);
    end();
    begin(5);
    m = see(A3, "list", 0, 0);
    CHECK(!m.known);
    put(&m, "list", MV_K_LIST, 0, 1, NULL);
    local("m", m.ref);
    end();
}

static void
test_forget(void)
{
    /* freed between steps: the next object at the address is new, the
     * freed one is gone from the next step */
    fresh_trace();
    begin(1);
    mv_recref a = see(A1, "list", 0, 0);
    mv_recref b = see(A2, "list", 0, 0);
    put(&a, "list", MV_K_LIST, 0, 1, NULL);
    put(&b, "list", MV_K_LIST, 0, 1, NULL);
    local("a", a.ref);
    local("b", b.ref);
    end();
    mv_trace_forget(T, A1);
    mv_trace_forget(T, A1 + 8); /* nothing there */
    mv_trace_forget(T, 0x10);   /* never seen */
    begin(2);
    mv_recref a2 = see(A1, "list", 0, 0);
    CHECK(a2.fresh);
    CHECK(a2.ref != a.ref);
    mv_recref b2 = see(A2, "list", 0, 0);
    CHECK(!b2.fresh);
    CHECK_INT_EQ(b2.ref, b.ref);
    put(&a2, "list", MV_K_LIST, 0, 1, NULL);
    put(&b2, "list", MV_K_LIST, 0, 1, NULL);
    local("a", a2.ref);
    local("b", b2.ref);
    end();
    CHECK(shown(0, a.ref, NULL));
    CHECK(!shown(1, a.ref, NULL));
    CHECK(shown(1, a2.ref, NULL));
    CHECK_INT_EQ(nobjects_at(1), 2);

    /* freed and the address not reached again: dropped all the same */
    mv_trace_forget(T, A2);
    begin(3);
    local("a", a2.ref);
    mv_recref a3 = see(A1, "list", 0, 0);
    CHECK_INT_EQ(a3.ref, a2.ref);
    put(&a3, "list", MV_K_LIST, 0, 1, NULL);
    end();
    CHECK(!shown(2, b.ref, NULL));
    CHECK_INT_EQ(nobjects_at(2), 1);

    /* a freed object that was not in the previous step, then reused */
    begin(4);
    mv_recref a4 = see(A1, "list", 0, 0);
    put(&a4, "list", MV_K_LIST, 0, 1, NULL);
    local("a", a4.ref);
    end();
    mv_trace_forget(T, A2); /* already forgotten: harmless */

    /* the pre-header: blocks start 16 (or 32) bytes before the object */
    fresh_trace();
    const uint64_t P = 0x7f0000005010ull, Q = 0x7f0000006020ull;
    begin(1);
    mv_recref p = see(P, "Node", 16, 0);
    mv_recref qq = see(Q, "Node", 32, 0);
    put(&p, "Node", MV_K_INSTANCE, 0, 1, NULL);
    put(&qq, "Node", MV_K_INSTANCE, 0, 1, NULL);
    local("p", p.ref);
    local("q", qq.ref);
    end();
    mv_trace_forget(T, P);      /* the object's address is not its block */
    mv_trace_forget(T, Q - 16); /* nor is a 16-byte pre-header for this one */
    begin(2);
    mv_recref p1 = see(P, "Node", 16, 0);
    mv_recref q1 = see(Q, "Node", 32, 0);
    CHECK(!p1.fresh && !q1.fresh);
    CHECK_INT_EQ(p1.ref, p.ref);
    CHECK_INT_EQ(q1.ref, qq.ref);
    put(&p1, "Node", MV_K_INSTANCE, 0, 1, NULL);
    put(&q1, "Node", MV_K_INSTANCE, 0, 1, NULL);
    local("p", p1.ref);
    local("q", q1.ref);
    end();
    mv_trace_forget(T, P - 16);
    mv_trace_forget(T, Q - 32);
    begin(3);
    mv_recref p2 = see(P, "Node", 16, 0);
    mv_recref q2 = see(Q, "Node", 32, 0);
    CHECK(p2.fresh && q2.fresh);
    CHECK(p2.ref != p.ref && q2.ref != qq.ref);
    put(&p2, "Node", MV_K_INSTANCE, 0, 1, NULL);
    put(&q2, "Node", MV_K_INSTANCE, 0, 1, NULL);
    local("p", p2.ref);
    local("q", q2.ref);
    end();
    CHECK(!shown(2, p.ref, NULL));
    CHECK(!shown(2, qq.ref, NULL));
    CHECK_INT_EQ(nobjects_at(2), 2);
}

/* The iterator's view of one step of T. */
static bool
delta_at(uint32_t step, mv_delta *out, mv_trace_iter **it)
{
    if (mv_trace_iter_new(T, it) != MV_OK)
        return false;
    while (mv_trace_iter_next(*it, out))
        if (out->step == step)
            return true;
    return false;
}

static void
test_refcounts(void)
{
    fresh_trace();
    const uint64_t S = A1, L = A2, N = A3;
    /* step 0: an immutable str, a list, an immortal (refcount given as 7) */
    begin(1);
    mv_recref s = see(S, "str", 0, 42);
    mv_recref l = see(L, "list", 0, 0);
    mv_recref n = see(N, "NoneType", 0, 1);
    put(&s, "str", MV_K_STR, MV_OF_IMMUTABLE, 2, "hello");
    put(&l, "list", MV_K_LIST, 0, 1, NULL);
    put(&n, "NoneType", MV_K_NONE, MV_OF_IMMORTAL | MV_OF_IMMUTABLE, 7, "None");
    local("s", s.ref);
    local("l", l.ref);
    local("n", n.ref);
    end();
    /* step 1: refcounts change, content does not */
    begin(2);
    s = see(S, "str", 0, 42);
    l = see(L, "list", 0, 0);
    n = see(N, "NoneType", 0, 1);
    CHECK(s.known && n.known && !l.known);
    CHECK_INT_EQ(mv_rec_refcount(T, &s, 5), MV_OK);
    put(&l, "list", MV_K_LIST, 0, 3, NULL);
    CHECK_INT_EQ(mv_rec_refcount(T, &n, 9), MV_OK);
    local("s", s.ref);
    local("l", l.ref);
    local("n", n.ref);
    end();
    /* step 2: nothing changes */
    begin(3);
    s = see(S, "str", 0, 42);
    l = see(L, "list", 0, 0);
    n = see(N, "NoneType", 0, 1);
    CHECK_INT_EQ(mv_rec_refcount(T, &s, 5), MV_OK);
    put(&l, "list", MV_K_LIST, 0, 3, NULL);
    CHECK_INT_EQ(mv_rec_refcount(T, &n, -1), MV_OK);
    local("s", s.ref);
    local("l", l.ref);
    local("n", n.ref);
    end();

    mv_object o;
    CHECK(shown(0, s.ref, &o));
    CHECK_INT_EQ(o.refcount, 2);
    obj_clear(&o);
    CHECK(shown(1, s.ref, &o));
    CHECK_INT_EQ(o.refcount, 5);
    CHECK_INT_EQ(o.kind, MV_K_STR);
    CHECK_INT_EQ(o.flags, MV_OF_IMMUTABLE);
    CHECK_INT_EQ(o.addr, S);
    CHECK_INT_EQ(o.size, 56);
    CHECK(o.value && o.value_len == 5 && memcmp(o.value, "hello", 5) == 0);
    obj_clear(&o);
    CHECK(shown(2, l.ref, &o));
    CHECK_INT_EQ(o.refcount, 3);
    obj_clear(&o);
    for (uint32_t step = 0; step < 3; step++) {
        CHECK(shown(step, n.ref, &o));
        CHECK_INT_EQ(o.refcount, -1);
        CHECK_INT_EQ(o.flags, MV_OF_IMMORTAL | MV_OF_IMMUTABLE);
        obj_clear(&o);
    }

    /* the deltas: step 1 has two refcount changes and no content */
    mv_trace_iter *it = NULL;
    mv_delta d;
    CHECK(delta_at(1, &d, &it));
    CHECK_INT_EQ(d.nobjects, 0);
    CHECK_INT_EQ(d.nrc, 2);
    CHECK_INT_EQ(d.ndrops, 0);
    if (d.nrc == 2) {
        bool got_s = false, got_l = false;
        for (uint32_t k = 0; k < 2; k++) {
            got_s |= d.rc_refs[k] == s.ref && d.rc_vals[k] == 5;
            got_l |= d.rc_refs[k] == l.ref && d.rc_vals[k] == 3;
        }
        CHECK(got_s && got_l);
    }
    mv_trace_iter_free(it);
    CHECK(delta_at(2, &d, &it));
    CHECK_INT_EQ(d.nobjects, 0);
    CHECK_INT_EQ(d.nrc, 0);
    mv_trace_iter_free(it);
}

/* An object out of the picture for a step (alive, no name reaches it) that
 * comes back: the state shows it again with its content, whether it is
 * recorded with mv_rec_object (same content) or, known immutable, with
 * mv_rec_refcount (same or other refcount). */
static void
test_back(void)
{
    fresh_trace();
    const uint64_t L = A1, S = A2, U = A3;
    begin(1);
    mv_recref l = see(L, "list", 0, 0);
    mv_recref s = see(S, "str", 0, 7);
    mv_recref u = see(U, "str", 0, 8);
    put(&l, "list", MV_K_LIST, 0, 1, NULL);
    put(&s, "str", MV_K_STR, MV_OF_IMMUTABLE, 3, "same rc");
    put(&u, "str", MV_K_STR, MV_OF_IMMUTABLE, 3, "other rc");
    local("l", l.ref);
    local("s", s.ref);
    local("u", u.ref);
    end();
    begin(2); /* nothing reachable */
    end();
    begin(3);
    l = see(L, "list", 0, 0);
    s = see(S, "str", 0, 7);
    u = see(U, "str", 0, 8);
    CHECK(!l.fresh && !s.fresh && !u.fresh);
    CHECK(s.known && u.known);
    put(&l, "list", MV_K_LIST, 0, 1, NULL);
    CHECK_INT_EQ(mv_rec_refcount(T, &s, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_refcount(T, &u, 4), MV_OK);
    local("l", l.ref);
    local("s", s.ref);
    local("u", u.ref);
    end();
    CHECK_INT_EQ(nobjects_at(1), 0);
    CHECK_INT_EQ(nobjects_at(2), 3);
    mv_object o;
    CHECK(shown(2, l.ref, &o));
    CHECK_INT_EQ(o.addr, L);
    CHECK_INT_EQ(o.kind, MV_K_LIST);
    obj_clear(&o);
    CHECK(shown(2, s.ref, &o));
    CHECK_INT_EQ(o.addr, S);
    CHECK_INT_EQ(o.refcount, 3);
    CHECK(o.value && o.value_len == 7 && memcmp(o.value, "same rc", 7) == 0);
    obj_clear(&o);
    CHECK(shown(2, u.ref, &o));
    CHECK_INT_EQ(o.addr, U);
    CHECK_INT_EQ(o.refcount, 4);
    CHECK(o.value && o.value_len == 8 && memcmp(o.value, "other rc", 8) == 0);
    obj_clear(&o);

    /* the iterator: dropped at step 1, back with content at step 2 */
    mv_trace_iter *it = NULL;
    mv_delta d;
    CHECK(delta_at(1, &d, &it));
    CHECK_INT_EQ(d.ndrops, 3);
    mv_trace_iter_free(it);
    CHECK(delta_at(2, &d, &it));
    CHECK_INT_EQ(d.nobjects, 3);
    for (uint32_t k = 0; k < d.nobjects; k++) {
        const mv_object *b = &d.objects[k];
        CHECK(b->addr == L || b->addr == S || b->addr == U);
        if (b->ref == u.ref)
            CHECK_INT_EQ(b->refcount, 4);
    }
    mv_trace_iter_free(it);

    /* mv_rec_same_key: true only for the key stored when content was
     * last recorded */
    fresh_trace();
    begin(1);
    mv_recref f = see(A1, "function", 0, 0);
    CHECK(!mv_rec_same_key(T, &f, 99)); /* nothing recorded yet */
    put(&f, "function", MV_K_FUNCTION, 0, 2, "f(a, b)");
    local("f", f.ref);
    end();
    begin(2);
    f = see(A1, "function", 0, 0);
    CHECK(mv_rec_same_key(T, &f, 99));
    CHECK_INT_EQ(mv_rec_refcount(T, &f, 3), MV_OK);
    local("f", f.ref);
    end();
    begin(3);
    f = see(A1, "function", 0, 0);
    CHECK(!mv_rec_same_key(T, &f, 100));
    put(&f, "function", MV_K_FUNCTION, 0, 3, "f(a, b, c)");
    local("f", f.ref);
    end();
    CHECK(shown(1, f.ref, &o));
    CHECK_INT_EQ(o.refcount, 3);
    CHECK(o.value && o.value_len == 7 && memcmp(o.value, "f(a, b)", 7) == 0);
    obj_clear(&o);
    CHECK(shown(2, f.ref, &o));
    CHECK(o.value && o.value_len == 10 && memcmp(o.value, "f(a, b, c)", 10) == 0);
    obj_clear(&o);
}

static void
test_locations(void)
{
    fresh_trace();
    mv_trace_set_program(T, "prog.py");
    uint32_t prog = sid("prog.py"), lib = sid("lib.py"), fn = sid("f");
    struct {
        mv_event ev;
        uint32_t file, line;
    } steps[] = {
        {MV_EV_CALL, prog, 1}, {MV_EV_LINE, prog, 1},   {MV_EV_LINE, lib, 5},
        {MV_EV_CALL, prog, 5}, {MV_EV_LINE, prog, 5},   {MV_EV_EXCEPTION, prog, 7},
        {MV_EV_LINE, prog, 7}, {MV_EV_RETURN, prog, 8},
    };
    uint32_t n = sizeof steps / sizeof *steps;
    for (uint32_t i = 0; i < n; i++) {
        CHECK_INT_EQ(mv_rec_begin(T, steps[i].ev, steps[i].file, steps[i].line), MV_OK);
        CHECK_INT_EQ(mv_rec_frame(T, 1, fn, steps[i].file, steps[i].line), MV_OK);
        CHECK_INT_EQ(mv_rec_end(T, i), MV_OK);
    }
    CHECK_INT_EQ(mv_trace_nsteps(T), n);
    CHECK_INT_EQ(mv_trace_find_line(T, 1), 1); /* step 0 is a call */
    CHECK_INT_EQ(mv_trace_find_line(T, 5), 4); /* not lib.py's 5, not the call */
    CHECK_INT_EQ(mv_trace_find_line(T, 7), 6);
    CHECK_INT_EQ(mv_trace_find_line(T, 8), UINT32_MAX);
    CHECK_INT_EQ(mv_trace_find_line(T, 99), UINT32_MAX);
    for (uint32_t i = 0; i < n; i++) {
        mv_event ev = MV_EV__COUNT;
        uint32_t file = 0, line = 0;
        CHECK_INT_EQ(mv_trace_step_info(T, i, &ev, &file, &line), MV_OK);
        CHECK_INT_EQ(ev, steps[i].ev);
        CHECK_INT_EQ(file, steps[i].file);
        CHECK_INT_EQ(line, steps[i].line);
        mv_state st;
        CHECK_INT_EQ(mv_trace_state(T, i, &st), MV_OK);
        CHECK_INT_EQ(st.stdout_len, i);
        mv_state_release(&st);
    }
    mv_event ev;
    uint32_t file, line;
    mv_state st;
    CHECK_INT_EQ(mv_trace_step_info(T, n, &ev, &file, &line), MV_EINVAL);
    CHECK_INT_EQ(mv_trace_state(T, n, &st), MV_EINVAL);
    CHECK_INT_EQ(mv_trace_state(T, UINT32_MAX, &st), MV_EINVAL);

    /* an empty trace */
    fresh_trace();
    CHECK_INT_EQ(mv_trace_nsteps(T), 0);
    CHECK_INT_EQ(mv_trace_state(T, 0, &st), MV_EINVAL);
    CHECK_INT_EQ(mv_trace_step_info(T, 0, &ev, &file, &line), MV_EINVAL);
    CHECK_INT_EQ(mv_trace_find_line(T, 1), UINT32_MAX);
    mv_trace_iter *it = NULL;
    mv_delta d;
    CHECK_INT_EQ(mv_trace_iter_new(T, &it), MV_OK);
    CHECK(!mv_trace_iter_next(it, &d));
    CHECK_INT_EQ(mv_trace_iter_status(it), MV_OK);
    mv_trace_iter_free(it);
    mv_trace_iter_free(NULL);
    mv_trace_free(NULL);

    /* a local with no frame is a caller error */
    CHECK_INT_EQ(mv_rec_begin(T, MV_EV_LINE, 0, 1), MV_OK);
    CHECK_INT_EQ(mv_rec_local(T, sid("x"), 1), MV_EINVAL);
    CHECK_INT_EQ(mv_rec_end(T, 0), MV_OK);
    CHECK_INT_EQ(mv_trace_nsteps(T), 1);

    /* abort: the step is not kept, earlier ones stay readable */
    CHECK_INT_EQ(mv_rec_begin(T, MV_EV_LINE, 0, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(T, 1, sid("<module>"), 0, 2), MV_OK);
    mv_recref r = see(A1, "list", 0, 0);
    put(&r, "list", MV_K_LIST, 0, 1, NULL);
    mv_rec_abort(T, MV_EINVAL);
    CHECK_INT_EQ(mv_trace_status(T), MV_EINVAL);
    CHECK_INT_EQ(mv_trace_nsteps(T), 1);
    CHECK_INT_EQ(mv_trace_state(T, 0, &st), MV_OK);
    CHECK_INT_EQ(st.nobjects, 0);
    CHECK_INT_EQ(st.line, 1);
    mv_state_release(&st);
}

static void
test_step_limit(void)
{
    mv_limits lim;
    mv_limits_default(&lim);
    lim.max_steps = 5;
    mv_trace_free(T);
    T = NULL;
    CHECK_INT_EQ(mv_trace_new(&T, &lim), MV_OK);
    CHECK_INT_EQ(mv_trace_limits(T)->max_steps, 5);
    for (uint32_t i = 0; i < 5; i++) {
        begin(i + 1);
        mv_recref r = see(A1 + 64 * i, "list", 0, 0);
        put(&r, "list", MV_K_LIST, 0, 1, NULL);
        local("x", r.ref);
        end();
    }
    CHECK_INT_EQ(mv_rec_begin(T, MV_EV_LINE, 0, 6), MV_ELIMIT);
    CHECK_INT_EQ(mv_rec_begin(T, MV_EV_LINE, 0, 7), MV_ELIMIT);
    CHECK_INT_EQ(mv_trace_nsteps(T), 5);
    for (uint32_t i = 0; i < 5; i++) {
        mv_state st;
        CHECK_INT_EQ(mv_trace_state(T, i, &st), MV_OK);
        CHECK_INT_EQ(st.line, i + 1);
        CHECK_INT_EQ(st.nobjects, 1);
        mv_state_release(&st);
    }
}

/* Fail the n-th allocation from the start of a 50-step recording, for every
 * n until one succeeds: the trace keeps the steps completed before the
 * failure, each equal to what was recorded, reports the failure, and frees
 * everything. */
static void
test_oom_recording(void)
{
    const uint64_t seed = 0x243f6a8885a308d3ull;
    const uint32_t nsteps = 50;
    size_t base = blocks_now();
    mv_alloc_stats before, after;
    mv_alloc_get_stats(&before);
    run_script(seed, nsteps, NULL);
    mv_alloc_get_stats(&after);
    size_t allocs = after.total - before.total;
    CHECK_INT_EQ(W.err, MV_OK);
    CHECK_INT_EQ(W.nexp, nsteps);
    world_free();
    CHECK_INT_EQ(blocks_now(), base);

    /* every n up to one past the allocations of a clean run: some failures
     * are absorbed (stdout is cut), so a complete run does not mean the
     * countdown ran out; the last one must be complete */
    uint32_t failures = 0, partial = 0;
    bool done = false;
    for (size_t n = 1; n <= allocs + 1; n++) {
        char name[64];
        snprintf(name, sizeof name, "oom n=%zu", n);
        mv_alloc_fail_nth(n);
        run_script(seed, nsteps, NULL);
        mv_alloc_fail_nth(0);
        if (!W.tr) {
            soft_check(W.err == MV_ENOMEM, "%s: mv_trace_new gave %s", name, mv_strerror(W.err));
        } else {
            bool complete = W.err == MV_OK && W.nexp == nsteps;
            if (!complete) {
                failures++;
                partial += W.nexp > 0;
                soft_check(mv_trace_status(W.tr) == MV_ENOMEM,
                           "%s: status %s after the recording failed with %s at step %u", name,
                           mv_strerror(mv_trace_status(W.tr)), mv_strerror(W.err), W.nexp);
            } else {
                done = n == allocs + 1;
                soft_check(mv_trace_status(W.tr) == MV_OK, "%s: status %s", name,
                           mv_strerror(mv_trace_status(W.tr)));
            }
            check_trace(W.tr, W.exp, W.nexp, name);
        }
        world_free();
        soft_check(blocks_now() == base, "%s: %zu blocks leaked", name, blocks_now() - base);
    }
    CHECK(done);
    CHECK(failures > 0);
    CHECK(partial > 0);
    fprintf(stderr, "oom recording: %zu allocations, %u failing runs (%u kept some steps)\n",
            allocs, failures, partial);
}

/* Reading under allocation failure: mv_trace_state, mv_trace_iter and
 * mv_trace_step_info fail cleanly (MV_ENOMEM, nothing leaked). */
static void
test_oom_reading(void)
{
    run_script(0x13198a2e03707344ull, 300, NULL);
    CHECK_INT_EQ(W.nexp, 300);
    size_t base = blocks_now();
    uint32_t last = W.nexp - 1;
    bool done = false;
    for (size_t n = 1; n < 100000 && !done; n++) {
        mv_state st;
        mv_alloc_fail_nth(n);
        mv_status rc = mv_trace_state(W.tr, last, &st);
        mv_alloc_fail_nth(0);
        if (rc == MV_OK) {
            done = true;
            soft_check(same_state(&st, &W.exp[last], "oom state"), "%s", why);
            mv_state_release(&st);
        } else {
            soft_check(rc == MV_ENOMEM, "mv_trace_state with allocation %zu failing: %s", n,
                       mv_strerror(rc));
        }
        soft_check(blocks_now() == base, "mv_trace_state n=%zu: %zu blocks leaked", n,
                   blocks_now() - base);
    }
    CHECK(done);

    done = false;
    for (size_t n = 1; n < 100000 && !done; n++) {
        mv_trace_iter *it = NULL;
        mv_delta d;
        uint32_t count = 0;
        mv_alloc_fail_nth(n);
        mv_status rc = mv_trace_iter_new(W.tr, &it);
        if (rc == MV_OK) {
            while (mv_trace_iter_next(it, &d))
                count++;
            rc = mv_trace_iter_status(it);
        }
        mv_alloc_fail_nth(0);
        if (rc == MV_OK) {
            done = true;
            CHECK_INT_EQ(count, W.nexp);
        } else {
            soft_check(rc == MV_ENOMEM, "mv_trace_iter with allocation %zu failing: %s", n,
                       mv_strerror(rc));
        }
        mv_trace_iter_free(it);
        soft_check(blocks_now() == base, "mv_trace_iter n=%zu: %zu blocks leaked", n,
                   blocks_now() - base);
    }
    CHECK(done);

    done = false;
    for (size_t n = 1; n < 100000 && !done; n++) {
        mv_event ev;
        uint32_t file, line;
        mv_alloc_fail_nth(n);
        mv_status rc = mv_trace_step_info(W.tr, last, &ev, &file, &line);
        mv_alloc_fail_nth(0);
        if (rc == MV_OK)
            done = true;
        else
            soft_check(rc == MV_ENOMEM, "mv_trace_step_info with allocation %zu failing: %s", n,
                       mv_strerror(rc));
        soft_check(blocks_now() == base, "mv_trace_step_info n=%zu: leak", n);
    }
    CHECK(done);
    world_free();
}

/* ------------------------------------------------------------------ */
/* mv_map */

/* The map's own slot function (map.c), to build real collisions. */
static size_t
home_slot(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static void
test_map(void)
{
    size_t base = blocks_now();
    mv_map m;
    mv_map_init(&m);
    CHECK(mv_map_get(&m, 1) == NULL);
    CHECK(!mv_map_del(&m, 1));

    /* a cluster that wraps around the end of a 64-slot table: 24 keys whose
     * home is slot 61, and 12 whose home is slot 1 (inside the cluster) */
    uint64_t keys[36];
    uint32_t nk = 0;
    for (uint64_t k = 1; nk < 24; k++)
        if (home_slot(k, 64) == 61)
            keys[nk++] = k;
    for (uint64_t k = 1; nk < 36; k++)
        if (home_slot(k, 64) == 1)
            keys[nk++] = k;
    for (uint32_t i = 0; i < nk; i++)
        CHECK_INT_EQ(mv_map_put(&m, keys[i], 1000 + i), MV_OK);
    CHECK_INT_EQ(m.cap, 64); /* no growth: the collisions are real */
    CHECK_INT_EQ(m.count, nk);
    /* overwrite keeps the count */
    CHECK_INT_EQ(mv_map_put(&m, keys[5], 5555), MV_OK);
    CHECK_INT_EQ(m.count, nk);
    CHECK(mv_map_get(&m, keys[5]) && *mv_map_get(&m, keys[5]) == 5555);
    CHECK_INT_EQ(mv_map_put(&m, keys[5], 1005), MV_OK);
    /* delete every third key, first ones of each run included */
    bool gone[36] = {false};
    for (uint32_t i = 0; i < nk; i += 3) {
        CHECK(mv_map_del(&m, keys[i]));
        CHECK(!mv_map_del(&m, keys[i]));
        gone[i] = true;
        for (uint32_t j = 0; j < nk; j++) {
            uint64_t *v = mv_map_get(&m, keys[j]);
            if (gone[j])
                soft_check(v == NULL, "map: deleted key %u still found", j);
            else
                soft_check(v && *v == 1000 + j, "map: key %u lost after deleting %u", j, i);
        }
    }
    CHECK_INT_EQ(m.count, nk - 12);
    /* a key with the same home that was never inserted is not found */
    uint64_t kmax = 0;
    for (uint32_t i = 0; i < nk; i++)
        kmax = keys[i] > kmax ? keys[i] : kmax;
    for (uint64_t k = kmax + 1;; k++) {
        if (home_slot(k, 64) == 61) {
            CHECK(mv_map_get(&m, k) == NULL);
            CHECK(!mv_map_del(&m, k));
            break;
        }
    }
    mv_map_clear(&m);
    CHECK_INT_EQ(m.count, 0);
    CHECK(mv_map_get(&m, keys[1]) == NULL);

    /* many keys, random inserts and deletes, against a plain array */
    enum { K = 3000 };
    static uint64_t ref[K + 1]; /* 0 = absent, else value */
    memset(ref, 0, sizeof ref);
    rng = 12345;
    size_t count = 0;
    for (uint32_t op = 0; op < 60000; op++) {
        uint64_t k = 1 + rnd(K);
        /* spread keys over the whole u64 range, still unique and nonzero */
        uint64_t key = k * 0x9E3779B97F4A7C15ull;
        if (rnd(3)) {
            uint64_t v = ((uint64_t)op << 20) | k;
            if (mv_map_put(&m, key, v) != MV_OK)
                soft_check(false, "map put failed");
            count += ref[k] == 0;
            ref[k] = v;
        } else {
            bool had = ref[k] != 0;
            soft_check(mv_map_del(&m, key) == had, "map del of key %llu", (unsigned long long)k);
            count -= had;
            ref[k] = 0;
        }
        if (op % 5000 == 4999) {
            for (uint64_t j = 1; j <= K; j++) {
                uint64_t *v = mv_map_get(&m, j * 0x9E3779B97F4A7C15ull);
                soft_check(ref[j] ? v && *v == ref[j] : v == NULL, "map key %llu after %u ops",
                           (unsigned long long)j, op);
            }
            soft_check(m.count == count, "map count %zu, want %zu", m.count, count);
        }
    }

    /* growing fails: ENOMEM, the map unchanged */
    mv_map g;
    mv_map_init(&g);
    uint64_t i = 1;
    for (; (g.count + 1) * 4 <= 64 * 3; i++)
        CHECK_INT_EQ(mv_map_put(&g, i, i), MV_OK);
    size_t cnt = g.count;
    mv_alloc_fail_nth(1);
    CHECK_INT_EQ(mv_map_put(&g, i, i), MV_ENOMEM);
    mv_alloc_fail_nth(0);
    CHECK_INT_EQ(g.count, cnt);
    CHECK(mv_map_get(&g, i) == NULL);
    for (uint64_t j = 1; j < i; j++)
        soft_check(mv_map_get(&g, j) && *mv_map_get(&g, j) == j, "map key %llu after ENOMEM",
                   (unsigned long long)j);
    mv_alloc_fail_nth(2);
    CHECK_INT_EQ(mv_map_put(&g, i, i), MV_ENOMEM);
    mv_alloc_fail_nth(0);
    CHECK_INT_EQ(mv_map_put(&g, i, i), MV_OK);
    CHECK_INT_EQ(g.count, cnt + 1);
    mv_map_release(&g);
    mv_map_release(&m);
    mv_map_release(&m); /* released twice is fine */
    CHECK_INT_EQ(blocks_now(), base);
}

/* ------------------------------------------------------------------ */
/* mv_buf and varints */

static void
test_buf(void)
{
    size_t base = blocks_now();
    mv_buf b;
    mv_buf_init(&b);
    b.max = 16;
    mv_buf_append(&b, "0123456789", 10);
    CHECK(!b.failed);
    CHECK_INT_EQ(b.len, 10);
    CHECK_STR_EQ(b.data, "0123456789");
    mv_buf_append(&b, "abcdefghij", 10); /* past max: fails, nothing appended */
    CHECK(b.failed);
    CHECK_INT_EQ(b.len, 10);
    mv_buf_putc(&b, 'x');
    mv_buf_puts(&b, "y");
    mv_buf_printf(&b, "%d", 7);
    mv_buf_uv(&b, 5);
    mv_buf_sv(&b, -5);
    CHECK(!mv_buf_reserve(&b, 1));
    CHECK_INT_EQ(b.len, 10);
    CHECK_STR_EQ(b.data, "0123456789");
    mv_buf_release(&b);
    CHECK_INT_EQ(b.max, 16); /* release keeps the bound */
    CHECK(b.data == NULL && b.len == 0 && !b.failed);

    /* exactly max fits; one more byte fails (putc's fast path too) */
    mv_buf_append(&b, "0123456789abcdef", 16);
    CHECK(!b.failed);
    CHECK_INT_EQ(b.len, 16);
    mv_buf_putc(&b, 'x');
    CHECK(b.failed);
    CHECK_INT_EQ(b.len, 16);
    mv_buf_reset(&b);
    CHECK(!b.failed);
    CHECK_INT_EQ(b.len, 0);
    CHECK_STR_EQ(b.data, "");
    mv_buf_release(&b);

    /* unbounded: printf longer than its stack buffer; take */
    mv_buf u = {0};
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mv_buf_printf(&u, "<%s>%d", big, 42);
    CHECK_INT_EQ(u.len, 599 + 4);
    CHECK(u.data[0] == '<' && u.data[600] == '>' && strcmp(u.data + 601, "42") == 0);
    size_t len = 0;
    char *t = mv_buf_take(&u, &len);
    CHECK_INT_EQ(len, 603);
    CHECK(u.data == NULL && u.len == 0);
    mv_free(t);
    t = mv_buf_take(&u, &len); /* empty buffer: an allocated "" */
    CHECK(t && t[0] == '\0');
    CHECK_INT_EQ(len, 0);
    mv_free(t);

    /* a failed allocation sets failed */
    mv_buf f = {0};
    mv_alloc_fail_nth(1);
    mv_buf_puts(&f, "abc");
    mv_alloc_fail_nth(0);
    CHECK(f.failed);
    mv_buf_puts(&f, "abc");
    CHECK_INT_EQ(f.len, 0);
    mv_buf_release(&f);

    /* varints */
    static const uint64_t vals[] = {0,
                                    1,
                                    127,
                                    128,
                                    255,
                                    16383,
                                    16384,
                                    0xffffffffull,
                                    0x100000000ull,
                                    0x7fffffffffffffffull,
                                    0x8000000000000000ull,
                                    0xffffffffffffffffull};
    static const size_t lens[] = {1, 1, 1, 2, 2, 2, 3, 5, 5, 9, 10, 10};
    size_t nv = sizeof vals / sizeof *vals;
    mv_buf v = {0};
    for (size_t i = 0; i < nv; i++) {
        size_t at = v.len;
        mv_buf_uv(&v, vals[i]);
        soft_check(v.len - at == lens[i], "varint %llu took %zu bytes, want %zu",
                   (unsigned long long)vals[i], v.len - at, lens[i]);
    }
    CHECK(!v.failed);
    const unsigned char *p = (const unsigned char *)v.data, *e = p + v.len;
    for (size_t i = 0; i < nv; i++) {
        uint64_t x = 12345;
        soft_check(mv_read_uv(&p, e, &x) && x == vals[i], "varint %zu read back as %llu", i,
                   (unsigned long long)x);
    }
    CHECK(p == e);
    uint64_t x;
    CHECK(!mv_read_uv(&p, e, &x));                  /* nothing left */
    p = (const unsigned char *)v.data + v.len - 10; /* 2^64-1, last byte cut */
    CHECK(!mv_read_uv(&p, e - 1, &x));
    static const unsigned char overlong[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                               0x80, 0x80, 0x80, 0x80, 0x00};
    p = overlong;
    CHECK(!mv_read_uv(&p, overlong + 11, &x));
    mv_buf_release(&v);

    /* zigzag */
    CHECK_INT_EQ(mv_zigzag(0), 0);
    CHECK_INT_EQ(mv_zigzag(-1), 1);
    CHECK_INT_EQ(mv_zigzag(1), 2);
    CHECK_INT_EQ(mv_zigzag(-2), 3);
    CHECK_INT_EQ(mv_zigzag(2), 4);
    CHECK(mv_zigzag(INT64_MAX) == UINT64_MAX - 1);
    CHECK(mv_zigzag(INT64_MIN) == UINT64_MAX);
    static const int64_t svals[] = {0,   1,       -1,       63,        -64,       64,
                                    -65, 1000000, -1000000, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    mv_buf s = {0};
    for (size_t i = 0; i < sizeof svals / sizeof *svals; i++) {
        CHECK(mv_unzigzag(mv_zigzag(svals[i])) == svals[i]);
        mv_buf_sv(&s, svals[i]);
    }
    p = (const unsigned char *)s.data;
    e = p + s.len;
    for (size_t i = 0; i < sizeof svals / sizeof *svals; i++) {
        uint64_t z = 0;
        CHECK(mv_read_uv(&p, e, &z) && mv_unzigzag(z) == svals[i]);
    }
    mv_buf_release(&s);
    CHECK_INT_EQ(blocks_now(), base);
}

int
main(void)
{
    /* each test gets its own budget of printed failures */
    static void (*const tests[])(void) = {
        test_buf,       test_map,           test_identity,    test_forget,
        test_refcounts, test_back,          test_locations,   test_step_limit,
        test_roundtrip, test_spill,         test_oom_recording, test_oom_reading,
    };
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        soft_printed = 0;
        tests[i]();
        if (tests[i] == test_step_limit) {
            mv_trace_free(T);
            T = NULL;
        }
    }
    CHECK_INT_EQ(blocks_now(), 0);
    return harness_done("test_trace");
}
