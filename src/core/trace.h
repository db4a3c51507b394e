/* The trace model: everything memview recorded about one run, as plain C data
 * (no PyObject *, no Python.h). Capture (src/py/) writes it through the
 * mv_rec_* calls; renderers (src/render/) read it through mv_state.
 *
 * Identity. An object gets a memview id ("ref", 1, 2, ...) the first time it
 * is seen, keyed by its address. The ref holds while the object lives: the
 * allocator hook calls mv_trace_forget() when the block is freed, so a later
 * object at the same address gets a new ref. Where no free call happens
 * (objects parked on CPython's free lists), two rules still catch most reuse:
 * a different type at the address is a new object, and an immutable object
 * (int, float, str, bytes, tuple, ...) whose identity hash (its raw content)
 * changed is a new object.
 *
 * Storage. One append-only byte stream of varint records:
 *   STEP   header (event, file, line, stdout growth), the frames (only what
 *          changed since the previous step), then object records, then drops.
 *   NEW    an object seen for the first time: full content.
 *   FULL   a known object whose content changed: full content.
 *   RC     a known object whose reference count alone changed.
 *   BACK   a known object reachable again after steps out of the picture,
 *          content unchanged: where its last content record is.
 *   KEY    after some steps, the full state (frames + every reachable object
 *          with the offset of its current content), so any step is rebuilt
 *          from the nearest keyframe plus a few deltas.
 * A version of an object's content is therefore stored exactly once, at the
 * step where it appeared, and a step costs what changed in it.
 *
 * Reading. mv_trace_state() rebuilds the state of any step into an mv_state
 * whose arrays belong to the state (mv_state_release) and whose strings point
 * into the trace (valid while the trace lives and is not recorded into). */
#ifndef MV_CORE_TRACE_H
#define MV_CORE_TRACE_H

#include "mv.h"

/* ---- what a step shows ---- */

typedef enum mv_event {
    MV_EV_LINE = 0,      /* a line is about to run */
    MV_EV_CALL = 1,      /* a user function was entered */
    MV_EV_RETURN = 2,    /* a user function is returning (value still in frame) */
    MV_EV_EXCEPTION = 3, /* an exception was raised in a user frame */
    MV_EV__COUNT
} mv_event;

const char *mv_event_name(mv_event ev);

typedef enum mv_kind {
    MV_K_OPAQUE = 0, /* shown by type name only */
    MV_K_NONE,
    MV_K_BOOL,
    MV_K_INT,
    MV_K_FLOAT,
    MV_K_COMPLEX,
    MV_K_STR,
    MV_K_BYTES,
    MV_K_LIST,
    MV_K_TUPLE,
    MV_K_SET,
    MV_K_FROZENSET,
    MV_K_DICT,
    MV_K_INSTANCE,   /* attrs */
    MV_K_CLASS,      /* value = class name, attrs */
    MV_K_FUNCTION,   /* value = "name(a, b=…, *args)" */
    MV_K_MODULE,     /* value = module name */
    MV_K__COUNT
} mv_kind;

const char *mv_kind_name(mv_kind k);
/* True for kinds whose items are a sequence of refs (list/tuple/set/frozenset). */
bool mv_kind_is_seq(mv_kind k);
/* True for kinds whose items are (name string id, ref) pairs. */
bool mv_kind_has_attrs(mv_kind k);
/* True for kinds whose value is a scalar (None .. bytes). */
bool mv_kind_is_scalar(mv_kind k);

enum mv_obj_flags {
    MV_OF_IMMORTAL = 1u << 0, /* 3.12+ immortal or 3.11 statically allocated */
    MV_OF_REPR = 1u << 1,     /* value is display text, not a JSON-native value */
    MV_OF_CUT = 1u << 2,      /* value was truncated; `length` is the full length */
    MV_OF_IMMUTABLE = 1u << 3, /* the object's content cannot change */
    MV_OF_UNREACHABLE = 1u << 4 /* still in memory, but no frame's name reaches
                                   it (an abandoned cycle): `"reachable": false` */
};

/* Where an object's memory block is (docs/events-format.md). */
typedef enum mv_block_kind {
    MV_BLOCK_NONE = 0,   /* unknown: static/immortal, or not pymalloc */
    MV_BLOCK_POOL = 1,   /* a pymalloc block */
    MV_BLOCK_MALLOC = 2  /* a request > 512 bytes, served by malloc */
} mv_block_kind;

typedef struct mv_block {
    uint8_t kind;       /* mv_block_kind */
    uint32_t size;      /* POOL: the size class; MALLOC: bytes requested */
    uint64_t pool;      /* POOL: the pool's address */
    uint32_t index;     /* POOL: block index in the pool */
    uint32_t arena;     /* POOL: pymalloc's arena index */
} mv_block;

/* One object as seen at one step. */
typedef struct mv_object {
    uint32_t ref;       /* memview id */
    uint32_t type;      /* string id of the type name */
    uint64_t addr;      /* what id() returns */
    uint8_t kind;       /* mv_kind */
    uint8_t flags;      /* mv_obj_flags */
    int64_t refcount;   /* references held by the program; -1 when immortal */
    uint64_t size;      /* sys.getsizeof() */
    const char *value;  /* scalar text (UTF-8, WTF-8 for lone surrogates), or NULL */
    uint32_t value_len; /* bytes in value */
    uint64_t length;    /* full length in characters (str) / bytes (bytes) /
                           digits (int) when MV_OF_CUT; else 0 */
    uint32_t nitems;    /* entries in items (refs, or pairs: see below) */
    const uint32_t *items; /* seq: refs; dict: k0,v0,k1,v1...; attrs: name0,ref0,... */
    uint64_t hidden;    /* container elements not shown (past the limit) */
    mv_block block;     /* its memory block, where known (kind NONE otherwise) */
} mv_object;

typedef struct mv_local {
    uint32_t name; /* string id */
    uint32_t ref;  /* object ref */
} mv_local;

typedef struct mv_frame {
    uint32_t function; /* string id: "<module>", "f", "Class.method" */
    uint32_t file;     /* string id: the path as the program named it */
    uint32_t line;     /* line about to run (or being left) in this frame */
    uint32_t nlocals;
    const mv_local *locals;
} mv_frame;

typedef enum mv_end {
    MV_END_RUNNING = 0, /* still recording (or killed: the trace is what it is) */
    MV_END_OK,          /* the program finished */
    MV_END_EXCEPTION,   /* it raised an uncaught exception */
    MV_END_EXIT,        /* sys.exit(n) */
    MV_END_LIMIT,       /* memview's step limit stopped it */
    MV_END_INTERRUPT    /* KeyboardInterrupt / Ctrl-C */
} mv_end;

const char *mv_end_name(mv_end e);

/* ---- memory events: allocations, frees, collections ----
 * What the allocator and collector hooks saw between the previous step and
 * this one (docs/events-format.md). An event either names a shown object
 * (ref != 0) or aggregates blocks of one type nobody was shown (ref 0,
 * count blocks). `bytes` are block bytes; they move the memory totals. */

typedef enum mv_mev_kind { MV_MEV_ALLOC = 0, MV_MEV_FREE = 1, MV_MEV_GC = 2 } mv_mev_kind;
typedef enum mv_free_cause {
    MV_FREE_REFCOUNT = 0, /* its count reached zero */
    MV_FREE_GC = 1,       /* the cycle collector freed it */
    MV_FREE_REUSED = 2    /* parked on a free list; the address holds `by` now */
} mv_free_cause;

typedef struct mv_mevent {
    uint8_t kind;        /* mv_mev_kind */
    uint8_t cause;       /* FREE: mv_free_cause */
    uint8_t generation;  /* FREE by GC, GC */
    uint8_t automatic;   /* GC: not asked for by gc.collect() */
    uint32_t ref;        /* ALLOC/FREE of a shown object; 0 = aggregated */
    uint32_t type;       /* ALLOC/FREE: string id of the type name */
    uint32_t count;      /* ALLOC/FREE: blocks (1 for a shown object) */
    uint64_t bytes;      /* ALLOC/FREE: block bytes counted in the totals (0: not counted) */
    uint64_t size;       /* ALLOC of a shown object: sys.getsizeof */
    uint32_t by;         /* FREE reused: the new object's ref */
    uint32_t last;       /* FREE refcount: string id of the name that held the last
                            reference at the previous step, UINT32_MAX if unknown */
    uint64_t collected, uncollectable; /* GC */
    uint64_t duration_ns;              /* GC */
    uint32_t nfreed;                   /* GC: shown objects it freed */
    const uint32_t *freed;
} mv_mevent;

/* Live blocks and bytes of one type, allocated by the program. */
typedef struct mv_memtype {
    uint32_t type;  /* string id */
    uint64_t blocks, bytes;
} mv_memtype;

/* The state of one step, rebuilt from the trace. */
typedef struct mv_state {
    const struct mv_trace *trace;
    uint32_t step;
    mv_event event;
    uint32_t file, line;    /* where the step is (innermost frame) */
    uint32_t nframes;       /* outermost first */
    mv_frame *frames;
    uint32_t nobjects;      /* every reachable object, sorted by ref */
    mv_object *objects;
    size_t stdout_len;      /* bytes of the program's stdout up to this step */
    bool truncated;         /* the per-step object cap cut the walk */
    uint32_t frames_hidden; /* frames left out between the outermost and the
                               innermost ones (max_frames) */
    /* private storage */
    mv_local *locals_mem;
    uint32_t *items_mem;
    /* memory (docs/events-format.md) */
    uint32_t nevents;       /* what happened since the previous step, in order */
    mv_mevent *events;
    uint32_t nmem;          /* live program blocks by type, bytes descending */
    mv_memtype *mem;
    uint64_t live_blocks, live_bytes;
    uint32_t *evrefs_mem;
} mv_state;

void mv_state_release(mv_state *s);
/* Binary search by ref; NULL if the object is not in this state. */
const mv_object *mv_state_find(const mv_state *s, uint32_t ref);

/* ---- limits ---- */

typedef struct mv_limits {
    uint64_t max_steps;   /* recording stops after this many steps */
    uint32_t max_items;   /* container elements recorded per object */
    uint32_t max_value;   /* characters of a str/bytes/int value recorded */
    uint32_t max_objects; /* objects walked per step */
    uint32_t max_frames;  /* frames recorded per step: the outermost and the
                             innermost max_frames - 1 */
    size_t max_stdout;    /* bytes of stdout kept */
} mv_limits;

#define MV_DEFAULT_MAX_STEPS 100000u
#define MV_DEFAULT_MAX_ITEMS 100u
#define MV_DEFAULT_MAX_VALUE 200u
#define MV_DEFAULT_MAX_OBJECTS 5000u
#define MV_DEFAULT_MAX_FRAMES 100u
#define MV_DEFAULT_MAX_STDOUT (8u << 20)

void mv_limits_default(mv_limits *lim);

/* ---- the trace ---- */

typedef struct mv_trace mv_trace;

/* New empty trace. MV_ENOMEM. Free with mv_trace_free (NULL is fine). */
mv_status mv_trace_new(mv_trace **out, const mv_limits *lim);
void mv_trace_free(mv_trace *tr);
const mv_limits *mv_trace_limits(const mv_trace *tr);

/* Interned strings. Id 0 is the empty string. Returns UINT32_MAX when out of
 * memory (then the trace is marked failed: see mv_trace_status). */
uint32_t mv_trace_intern(mv_trace *tr, const char *s, size_t n);
const char *mv_trace_str(const mv_trace *tr, uint32_t id, size_t *len);
uint32_t mv_trace_nstrings(const mv_trace *tr);

/* Run metadata (strings are copied). */
void mv_trace_set_python(mv_trace *tr, const char *version);
const char *mv_trace_python(const mv_trace *tr);
void mv_trace_set_program(mv_trace *tr, const char *path);
const char *mv_trace_program(const mv_trace *tr);
/* Source text of a user file, keyed by its file string id. */
mv_status mv_trace_add_source(mv_trace *tr, uint32_t file, const char *text, size_t n);
uint32_t mv_trace_nsources(const mv_trace *tr);
/* i-th source: its file string id and text. */
const char *mv_trace_source(const mv_trace *tr, uint32_t i, uint32_t *file, size_t *len);
bool mv_trace_has_source(const mv_trace *tr, uint32_t file);

void mv_trace_set_end(mv_trace *tr, mv_end end, int exit_code, const char *message);
mv_end mv_trace_end(const mv_trace *tr);
int mv_trace_exit_code(const mv_trace *tr);
const char *mv_trace_end_message(const mv_trace *tr); /* never NULL */
/* Step at which the exception was raised (MV_END_EXCEPTION), else UINT32_MAX. */
uint32_t mv_trace_exception_step(const mv_trace *tr);

/* The program's stdout as recorded (bounded by max_stdout). */
void mv_trace_stdout_append(mv_trace *tr, const char *s, size_t n);
const char *mv_trace_stdout(const mv_trace *tr, size_t *len);

uint32_t mv_trace_nsteps(const mv_trace *tr);
/* First failure seen while recording (MV_ENOMEM...), or MV_OK. A failed trace
 * keeps every step completed before the failure. */
mv_status mv_trace_status(const mv_trace *tr);
/* Bytes used by the encoded stream (for benchmarks and docs). */
size_t mv_trace_stream_bytes(const mv_trace *tr);
/* Spill the stream to its temporary file in chunks of about n bytes
 * (default 4 MiB; tests use small chunks to exercise the file path). */
void mv_trace_set_spill_bytes(mv_trace *tr, size_t n);

/* ---- recording one step ----
 * mv_rec_begin; then mv_rec_frame / mv_rec_local for each frame outermost
 * first; mv_rec_ref for every object reached (gives its ref); mv_rec_object
 * once per reached object with its content; mv_rec_end. A step whose
 * recording fails part-way is dropped whole. */

mv_status mv_rec_begin(mv_trace *tr, mv_event ev, uint32_t file, uint32_t line);
/* serial: distinct for each call (frame identity across steps). */
mv_status mv_rec_frame(mv_trace *tr, uint64_t serial, uint32_t function, uint32_t file,
                       uint32_t line);
mv_status mv_rec_local(mv_trace *tr, uint32_t name, uint32_t ref);

/* What mv_rec_ref tells capture about an object it reached. */
typedef struct mv_recref {
    uint32_t ref;   /* memview id (0 only on failure) */
    uint32_t slot;  /* handle for mv_rec_object / mv_rec_refcount this step */
    bool seen;      /* already reached in this step: do not record it again */
    bool fresh;     /* a new ref (first sight, or the address was reused) */
    bool known;     /* immutable and recorded before: content cannot have
                       changed, mv_rec_refcount is enough */
    bool immortal;  /* recorded as immortal: its count is not tracked */
    bool mortal;    /* recorded as mortal (3.11: static objects stay static,
                       others never become static) */
    bool counted;   /* mv_rec_touch recorded its count: nothing left to do */
} mv_recref;

/* Find or assign the ref of the object at addr. A new ref is assigned when
 * the address is unknown, holds another type, or (ident_hash != 0, immutable
 * objects) holds different content. pre is the allocator pre-header size
 * (block = addr - pre), used by mv_trace_forget. Marks the object reached in
 * this step. MV_ENOMEM. */
mv_status mv_rec_ref(mv_trace *tr, uint64_t addr, uint32_t type, uint8_t pre,
                     uint64_t ident_hash, mv_recref *out);
/* The same, where the type's identity (tkey) is told apart from its name id
 * (type): an object keeps its ref when its class is renamed (same tkey, a new
 * name), and is read again. mv_rec_ref uses the name id as tkey. */
mv_status mv_rec_ref_keyed(mv_trace *tr, uint64_t addr, uint32_t type, uint64_t tkey,
                           uint8_t pre, uint64_t ident_hash, mv_recref *out);
/* Fast path for an object capture reached through the same binding at an
 * earlier step: if `slot` still holds `ref` (the object was not freed) with
 * the same identity hash, mark it reached and fill out as mv_rec_ref would;
 * false means "call mv_rec_ref". For an immutable scalar pass its count as
 * scalar_rc (else INT64_MIN): when its content is known, the count is
 * recorded here (mv_rec_refcount) and out->counted says so. */
bool mv_rec_touch(mv_trace *tr, uint32_t slot, uint32_t ref, uint64_t ident_hash,
                  int64_t scalar_rc, mv_recref *out);
/* The common case of mv_rec_touch in one call: a local `name` holds again
 * the object of `slot`, in the picture at the previous step, whose recorded
 * content still holds (an immutable scalar; or `fixed`: the caller knows its
 * content cannot have changed, e.g. a module shown by name), and whose count
 * is now rc (-1 immortal). Marks it reached, records a changed count and
 * adds the local. Returns 2 when this reached it first in the step, 1 when it
 * was reached already, 0 (nothing done) when the general path (mv_rec_touch,
 * mv_rec_ref) must decide. */
int mv_rec_touch_local(mv_trace *tr, uint32_t slot, uint32_t ref, uint64_t ident_hash,
                       int64_t rc, uint32_t name, bool fixed);
/* Record the content of an object reached this step (obj->ref, obj->addr are
 * taken from r; the rest from obj). */
mv_status mv_rec_object(mv_trace *tr, const mv_recref *r, const mv_object *obj);
/* Objects whose shown content depends on a few fields capture can hash
 * cheaply (modules, functions): true if key equals the key stored when the
 * content was last recorded (then mv_rec_refcount is enough); stores key. */
bool mv_rec_same_key(mv_trace *tr, const mv_recref *r, uint64_t key);
/* For r->known objects: record the reference count only. */
mv_status mv_rec_refcount(mv_trace *tr, const mv_recref *r, int64_t refcount);
void mv_rec_set_truncated(mv_trace *tr);
/* This step's stack was cut to max_frames: n frames were left out. */
void mv_rec_set_frames_hidden(mv_trace *tr, uint32_t n);
mv_status mv_rec_end(mv_trace *tr, size_t stdout_len);
/* Abandon a step begun with mv_rec_begin: nothing of it is kept, and the
 * trace records no further step (mv_trace_status becomes why, or MV_EINVAL
 * when why is MV_OK); every step completed before stays readable. */
void mv_rec_abort(mv_trace *tr, mv_status why);

/* The allocator hook reports a freed block: any object whose block started
 * at addr - preheader is gone. Cheap when addr is unknown. */
void mv_trace_forget(mv_trace *tr, uint64_t block_addr);

/* ---- recording memory events (between steps or during one; they belong to
 * the next step completed). Each returns MV_ENOMEM or MV_OK. ---- */

/* As mv_trace_forget, and when a shown object was there: a FREE event with
 * its ref (bytes: its block bytes if counted in the totals, else 0). Returns
 * the ref freed, or 0. */
uint32_t mv_trace_free_block(mv_trace *tr, uint64_t block_addr, mv_free_cause cause,
                             uint8_t generation, uint64_t bytes);
/* An ALLOC event for an object shown at this step for the first time whose
 * block was allocated since the previous step. */
mv_status mv_rec_alloc_ref(mv_trace *tr, uint32_t ref, uint32_t type, uint64_t size,
                           uint64_t bytes);
/* Aggregated ALLOC or FREE of count blocks of one type nobody was shown. */
mv_status mv_rec_mem_agg(mv_trace *tr, mv_mev_kind kind, uint32_t type, uint32_t count,
                         uint64_t bytes);
/* A collection: begin (frees then carry cause GC), end (the GC event, listing
 * the shown objects freed in between). */
void mv_trace_gc_begin(mv_trace *tr, uint8_t generation);
mv_status mv_trace_gc_end(mv_trace *tr, uint64_t collected, uint64_t uncollectable,
                          uint64_t duration_ns, bool automatic);
bool mv_trace_gc_running(const mv_trace *tr);

/* Objects of the previous step not reached (yet) in this one and not known
 * freed: capture decides whether they are still in memory. */
typedef struct mv_dropped {
    uint32_t slot, ref, type;
    uint64_t addr;
    bool unreachable; /* shown with "reachable": false at its last step */
    bool immortal;
} mv_dropped;
/* Fills out[0..cap); returns how many there are (may exceed cap). */
uint32_t mv_rec_dropped(mv_trace *tr, mv_dropped *out, uint32_t cap);
/* A dropped object capture found dead without a free (parked on a free
 * list): a FREE event, and it leaves the picture. */
mv_status mv_rec_gone(mv_trace *tr, uint32_t slot, mv_free_cause cause);
/* While set, objects reached are recorded with MV_OF_UNREACHABLE (capture's
 * second walk, from the dropped objects still in memory). */
void mv_rec_set_unreachable_phase(mv_trace *tr, bool on);
/* True when the object in slot was last recorded unreachable. */
bool mv_rec_was_unreachable(const mv_trace *tr, uint32_t slot);

/* The allocator in use ("pymalloc", "malloc", "pymalloc_debug", "mimalloc"). */
void mv_trace_set_allocator(mv_trace *tr, const char *name);
const char *mv_trace_allocator(const mv_trace *tr); /* "" when unknown */

/* ---- pool view of one step (recorded on request; docs/events-format.md) ---- */

typedef struct mv_pool_rec {
    uint64_t addr;
    uint32_t size_class;  /* block size */
    uint32_t blocks;      /* blocks in the pool */
    uint32_t used, free, never;
} mv_pool_rec;

typedef struct mv_arena_rec {
    uint64_t addr;
    uint32_t index;       /* pymalloc's arena index */
    uint32_t total_pools; /* pools the arena holds (63 or 64) */
    uint32_t first, npools; /* its used pools: pools[first .. first+npools) */
} mv_arena_rec;

typedef struct mv_pool_snap {
    uint32_t step;
    uint32_t narenas;
    mv_arena_rec *arenas;
    uint32_t npools;
    mv_pool_rec *pools;
    char *stats;          /* CPython's own statistics at the same moment, or NULL
                             (MEMVIEW_POOLS_STATS=1: tests/events) */
} mv_pool_snap;

/* Keep a copy of p (replacing any earlier one). MV_ENOMEM. */
mv_status mv_trace_set_pools(mv_trace *tr, const mv_pool_snap *p);
/* The pool view recorded, or NULL. */
const mv_pool_snap *mv_trace_pools(const mv_trace *tr);

/* ---- the pool timeline: pymalloc's pools over the run ----
 *
 * How the pools stood at many steps, so that a pool view can be drawn at any
 * step after the run (docs/events-format.md, "The pool timeline"). Each mark
 * holds the pools that changed since the previous mark: a pool's new counts,
 * or size_class 0 for a pool that no longer holds any block. The view at step
 * N is every change of the marks at steps <= N applied in order. Marks are
 * taken at step boundaries, densely for short runs and further apart as a run
 * grows (the hooks decide); a mark with no change says the pools were read at
 * that step and had not changed. */

typedef struct mv_pool_change {
    uint64_t addr;        /* the pool's address */
    uint64_t arena_addr;  /* the address of the arena holding it */
    uint32_t arena;       /* pymalloc's arena index */
    uint32_t size_class;  /* block size; 0: the pool is unused now */
    uint32_t used, free, never;
} mv_pool_change;

typedef struct mv_pool_mark {
    uint32_t step;
    uint32_t first, n;    /* its changes: changes[first .. first + n) */
} mv_pool_mark;

/* Bound on the changes kept; past it the timeline stops (mv_trace_pool_marks
 * says where). */
#define MV_MAX_POOL_CHANGES 500000u

/* Append a mark at `step` (>= the last mark's step; the same step replaces
 * nothing, its changes are added after). MV_ELIMIT past MV_MAX_POOL_CHANGES
 * (the timeline is closed from then on), MV_ENOMEM. */
mv_status mv_trace_add_pool_mark(mv_trace *tr, uint32_t step, const mv_pool_change *ch,
                                 uint32_t n);
/* The marks in step order and, through *changes, the changes they index.
 * *cut_step: the step from which changes were no longer kept, or UINT32_MAX. */
const mv_pool_mark *mv_trace_pool_marks(const mv_trace *tr, uint32_t *nmarks,
                                        const mv_pool_change **changes, uint32_t *cut_step);
/* The pool view at `step` rebuilt from the timeline into *out (its arrays are
 * the caller's: mv_pool_snap_release). MV_EINVAL when the run has no
 * timeline (not pymalloc, or recorded without events), MV_ENOMEM. */
mv_status mv_trace_pools_at(const mv_trace *tr, uint32_t step, mv_pool_snap *out);
void mv_pool_snap_release(mv_pool_snap *s);

/* ---- reading ---- */

/* Rebuild step `step` (0-based). MV_EINVAL if out of range, MV_ENOMEM. */
mv_status mv_trace_state(const mv_trace *tr, uint32_t step, mv_state *out);
/* First step whose event is LINE at `line` of the program file; UINT32_MAX
 * if none. */
uint32_t mv_trace_find_line(const mv_trace *tr, uint32_t line);
/* Location of a step without rebuilding it. */
mv_status mv_trace_step_info(const mv_trace *tr, uint32_t step, mv_event *ev, uint32_t *file,
                             uint32_t *line);

/* Sequential reading of every step as a delta, for writers of the whole
 * trace. Everything a delta points to is valid until the next call. */
typedef struct mv_delta {
    uint32_t step;
    mv_event event;
    uint32_t file, line;
    bool frames_changed;       /* the stack, a local, or an outer frame's line
                                  differs from the previous step (the innermost
                                  line is the step's own `line`) */
    uint32_t nframes;          /* the full stack at this step, outermost first */
    const mv_frame *frames;
    uint32_t nobjects;         /* objects whose content appeared at this step */
    const mv_object *objects;  /* full content (refcount included) */
    uint32_t nrc;              /* objects whose refcount alone changed */
    const uint32_t *rc_refs;
    const int64_t *rc_vals;
    uint32_t ndrops;           /* refs no longer reachable from this step on */
    const uint32_t *drops;
    size_t stdout_len;
    bool truncated;
    uint32_t frames_hidden;
    uint32_t nevents;          /* memory events of this step */
    const mv_mevent *events;
    bool memory_changed;       /* the totals below differ from the previous step */
    uint32_t nmem;             /* live program blocks by type, bytes descending */
    const mv_memtype *mem;
    uint64_t live_blocks, live_bytes;
} mv_delta;

typedef struct mv_trace_iter mv_trace_iter;
mv_status mv_trace_iter_new(const mv_trace *tr, mv_trace_iter **out);
/* Fills d with the next step; false at the end or on failure
 * (mv_trace_iter_status tells which). */
bool mv_trace_iter_next(mv_trace_iter *it, mv_delta *d);
mv_status mv_trace_iter_status(const mv_trace_iter *it);
/* The whole state at the iterator's current step (after a successful
 * mv_trace_iter_next), as mv_trace_state gives it; release with
 * mv_state_release. MV_ENOMEM. */
mv_status mv_trace_iter_state(const mv_trace_iter *it, mv_state *out);
void mv_trace_iter_free(mv_trace_iter *it);

#endif
