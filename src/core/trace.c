/* The trace model: recording (mv_rec_*) into a varint stream with keyframes,
 * and reading it back (mv_trace_state, mv_trace_iter). The stream format and
 * the identity rules are described at the top of trace.h. */
#define _DEFAULT_SOURCE 1 /* madvise, pwrite, mkstemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bgwrite.h"
#include "trace.h"

/* record tags */
enum { T_STEP = 1, T_NEW, T_FULL, T_RC, T_FRAMES, T_KEY, T_BACK, T_EVENTS };

/* Spilling: once the in-memory part of the stream passes SPILL_BYTES it is
 * appended to an unlinked temporary file (at a step boundary), so memory
 * stays bounded however long the run; readers map the file read-only. */
#define SPILL_BYTES (4u << 20)
#define MAX_MAPS 16

/* keyframe policy: at least every KEY_MAX_STEPS steps, earlier when the
 * deltas since the last keyframe outweigh a keyframe several times. */
#define KEY_MAX_STEPS 256u
#define KEY_MIN_STEPS 16u

typedef struct live {
    uint64_t addr;
    uint64_t ident;     /* identity hash of immutable content, 0 for mutable */
    uint64_t tkey;      /* the type's identity (capture: the type object's address) */
    uint64_t chash;     /* hash of the last recorded content (if hashed) */
    uint64_t ckey;      /* capture's cheap content key (mv_rec_same_key) */
    uint64_t ver_off;   /* stream offset of the last content record */
    int64_t refcount;
    uint32_t ref;
    uint32_t type;
    uint32_t seen;      /* step + 1 when last reached */
    uint8_t pre;
    uint8_t dead;       /* freed; kept until the step that drops it */
    uint8_t in_prev;    /* reachable at the previous step */
    uint8_t recorded;   /* content recorded at least once */
    uint8_t immutable;
    uint8_t unreach;    /* last content recorded with MV_OF_UNREACHABLE */
    uint8_t hashed;     /* chash is set (a new immutable object is not hashed:
                           capture does not read it again while it is known) */
    mv_block block;     /* where its block is (given once, at first sight) */
} live;

typedef struct rframe {
    uint64_t serial;
    uint32_t function, file, line;
    uint32_t nlocals, caplocals;
    mv_local *locals;
} rframe;

typedef struct keyframe {
    uint32_t step;
    uint64_t off;  /* offset of the T_KEY record */
} keyframe;

typedef struct source {
    uint32_t file;
    char *text;
    size_t len;
} source;

struct mv_trace {
    mv_limits lim;
    mv_status status;

    /* strings: offsets into strdata; lookup by hash in strmap */
    mv_buf strdata;
    uint64_t *stroff; /* id -> offset; length at offset-? stored in strlen_ */
    uint32_t *strlen_;
    uint32_t nstr, capstr;
    mv_map strmap; /* hash -> id + 1 (collisions: probe hash + k) */

    char *python;
    char *program;
    source *sources;
    uint32_t nsources, capsources;

    mv_end end;
    int exit_code;
    char *end_message;
    uint32_t exc_step;

    mv_buf out;        /* the program's stdout */
    bool out_cut;

    /* the stream: bytes [0, spilled) are in spill_fd, the rest in `stream`;
     * the last spilled chunk may still be on its way to the file, written
     * by a background thread from `fly` (settle() waits for it) */
    mv_buf stream;
    int spill_fd;          /* -1: not spilled (yet) */
    uint64_t spilled;
    bool spill_failed;     /* no temporary file: keep everything in memory */
    size_t spill_bytes;    /* spill once the in-memory part is this long */
    mv_bgwrite *bg;        /* the writer thread, once there is one */
    bool bg_off;           /* write synchronously (no thread, or forked) */
    char *fly;             /* the chunk being written / the spare buffer */
    size_t fly_len, fly_cap;
    bool fly_busy;
    /* read-only mappings of the spilled stream; the newest is used, older
     * ones stay valid for readers created before (released with the trace) */
    void *maps[MAX_MAPS];
    size_t maplens[MAX_MAPS];
    int nmaps;
    uint32_t nsteps;
    keyframe *keys;
    uint32_t nkeys, capkeys;
    size_t bytes_since_key;
    size_t last_key_bytes;
    uint32_t steps_since_key;

    /* recording state */
    bool in_step;
    size_t step_start;
    uint32_t cur;          /* step being recorded */
    uint8_t cur_ev;
    uint32_t cur_file, cur_line;
    uint32_t prog_file;
    live *slots;
    uint32_t nslots, capslots;
    uint32_t *freeslots;
    uint32_t nfree, capfree;
    mv_map addrmap;        /* addr -> slot + 1 */
    uint32_t *prev, *reach; /* slots reachable at the previous / this step */
    uint32_t nprev, capprev, nreach, capreach;
    /* this step so far: how many of prev were reached again; the slots
     * reached that were not in prev; whether a slot reached was then freed
     * (rec_end then walks prev instead of trusting the two) */
    uint32_t nkept;
    uint32_t nprev_dead; /* slots of prev freed (and not reached this step) */
    uint32_t *fresh;
    uint32_t nfresh, capfresh;
    uint32_t *drops; /* rec_end: the slots of prev dropped at this step */
    uint32_t capdrops;
    uint32_t *chg;   /* rec_end: a frame's local positions whose object changed */
    uint32_t capchg;
    bool step_dead;
    uint32_t next_ref;
    uint32_t last_new_ref;  /* NEW records code ref and address as deltas */
    uint64_t last_new_addr;
    rframe *pframes, *cframes; /* previous / current step's frames */
    uint32_t npframes, ncframes, capp, capc;
    size_t stdout_prev;
    bool truncated;
    uint32_t frames_hidden; /* frames left out of this step (max_frames) */
    mv_buf scratch;

    /* memory events waiting for the step that completes next; a GC event's
     * `freed` holds an offset into evrefs until it is written */
    mv_mevent *evs;
    uint32_t nevs, capevs;
    uint32_t *evrefs;
    uint32_t nevrefs, capevrefs;
    bool gc_on;
    uint8_t gc_gen;
    uint32_t gc_first; /* evrefs index where the running collection's frees start */
    bool phase_unreach;
    /* live program memory by type (string id + 1 -> index + 1 in mt) */
    mv_memtype *mt;
    uint32_t nmt, capmt, mthint;
    mv_map mtmap;
    char *allocator;
    mv_pool_snap pools;
    bool has_pools;
    /* the pool timeline */
    mv_pool_mark *pmarks;
    uint32_t npmarks, cappmarks;
    mv_pool_change *pchanges;
    uint32_t npchanges, cappchanges;
    uint32_t pcut; /* step from which the timeline was no longer kept, or UINT32_MAX */
};

/* ------------------------------------------------------------------ */
/* small helpers */

/* A word at a time: content records are hashed at every step an object is
 * read, so this is on the hot path. Not stored anywhere. */
static uint64_t
hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
    }
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    return h ? h : 1;
}

static bool
grow_slow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    uint32_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = mv_realloc(*p, (size_t)c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static inline bool
grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    return need <= *cap || grow_slow(p, cap, need, elem);
}

static mv_status
fail(mv_trace *tr, mv_status st)
{
    if (tr->status == MV_OK)
        tr->status = st;
    return st;
}

const char *
mv_event_name(mv_event ev)
{
    static const char *names[] = {"line", "call", "return", "exception"};
    return (unsigned)ev < MV_EV__COUNT ? names[ev] : "?";
}

const char *
mv_kind_name(mv_kind k)
{
    static const char *names[] = {"opaque", "none", "bool", "int", "float", "complex",
                                  "str", "bytes", "list", "tuple", "set", "frozenset",
                                  "dict", "instance", "class", "function", "module"};
    return (unsigned)k < MV_K__COUNT ? names[k] : "?";
}

bool
mv_kind_is_seq(mv_kind k)
{
    return k == MV_K_LIST || k == MV_K_TUPLE || k == MV_K_SET || k == MV_K_FROZENSET;
}

bool
mv_kind_has_attrs(mv_kind k)
{
    return k == MV_K_INSTANCE || k == MV_K_CLASS;
}

bool
mv_kind_is_scalar(mv_kind k)
{
    return k >= MV_K_NONE && k <= MV_K_BYTES;
}

const char *
mv_end_name(mv_end e)
{
    static const char *names[] = {"running", "end", "exception", "exit", "limit", "interrupt"};
    return (unsigned)e <= MV_END_INTERRUPT ? names[e] : "?";
}

void
mv_limits_default(mv_limits *lim)
{
    lim->max_steps = MV_DEFAULT_MAX_STEPS;
    lim->max_items = MV_DEFAULT_MAX_ITEMS;
    lim->max_value = MV_DEFAULT_MAX_VALUE;
    lim->max_objects = MV_DEFAULT_MAX_OBJECTS;
    lim->max_frames = MV_DEFAULT_MAX_FRAMES;
    lim->max_stdout = MV_DEFAULT_MAX_STDOUT;
}

/* ------------------------------------------------------------------ */
/* lifetime, strings, metadata */

mv_status
mv_trace_new(mv_trace **out, const mv_limits *lim)
{
    mv_trace *tr = mv_calloc(1, sizeof *tr);
    if (!tr)
        return MV_ENOMEM;
    if (lim)
        tr->lim = *lim;
    else
        mv_limits_default(&tr->lim);
    tr->exc_step = UINT32_MAX;
    tr->pcut = UINT32_MAX;
    tr->next_ref = 1;
    tr->spill_fd = -1;
    tr->spill_bytes = SPILL_BYTES;
    if (mv_trace_intern(tr, "", 0) != 0) {
        mv_trace_free(tr);
        return MV_ENOMEM;
    }
    *out = tr;
    return MV_OK;
}

static void
free_frames(rframe *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        mv_free(f[i].locals);
}

void
mv_trace_free(mv_trace *tr)
{
    if (!tr)
        return;
    mv_buf_release(&tr->strdata);
    mv_free(tr->stroff);
    mv_free(tr->strlen_);
    mv_map_release(&tr->strmap);
    mv_free(tr->python);
    mv_free(tr->program);
    for (uint32_t i = 0; i < tr->nsources; i++)
        mv_free(tr->sources[i].text);
    mv_free(tr->sources);
    mv_free(tr->end_message);
    mv_buf_release(&tr->out);
    mv_buf_release(&tr->stream);
    mv_bgwrite_free(tr->bg);
    mv_free(tr->fly);
    for (int i = 0; i < tr->nmaps; i++)
        munmap(tr->maps[i], tr->maplens[i]);
    if (tr->spill_fd >= 0)
        close(tr->spill_fd);
    mv_free(tr->keys);
    mv_free(tr->slots);
    mv_free(tr->freeslots);
    mv_map_release(&tr->addrmap);
    mv_free(tr->prev);
    mv_free(tr->reach);
    mv_free(tr->fresh);
    mv_free(tr->drops);
    mv_free(tr->chg);
    free_frames(tr->pframes, tr->capp);
    free_frames(tr->cframes, tr->capc);
    mv_free(tr->pframes);
    mv_free(tr->cframes);
    mv_buf_release(&tr->scratch);
    mv_free(tr->evs);
    mv_free(tr->evrefs);
    mv_free(tr->mt);
    mv_map_release(&tr->mtmap);
    mv_free(tr->allocator);
    mv_free(tr->pools.arenas);
    mv_free(tr->pools.pools);
    mv_free(tr->pools.stats);
    mv_free(tr->pmarks);
    mv_free(tr->pchanges);
    mv_free(tr);
}

const mv_limits *
mv_trace_limits(const mv_trace *tr)
{
    return &tr->lim;
}

uint32_t
mv_trace_intern(mv_trace *tr, const char *s, size_t n)
{
    uint64_t h = hash_bytes(s, n);
    for (uint64_t k = h;; k = k + 1 ? k + 1 : 1) {
        uint64_t *v = mv_map_get(&tr->strmap, k);
        if (!v)
            break;
        uint32_t id = (uint32_t)(*v - 1);
        if (tr->strlen_[id] == n && memcmp(tr->strdata.data + tr->stroff[id], s, n) == 0)
            return id;
        h = k + 1 ? k + 1 : 1;
    }
    if (n > UINT32_MAX || !grow((void **)&tr->stroff, &tr->capstr, tr->nstr + 1, sizeof *tr->stroff))
        goto nomem;
    uint32_t cap2 = tr->nstr; /* strlen_ grows in step with stroff */
    void *q = mv_realloc(tr->strlen_, (size_t)tr->capstr * sizeof *tr->strlen_);
    (void)cap2;
    if (!q)
        goto nomem;
    tr->strlen_ = q;
    size_t off = tr->strdata.len;
    mv_buf_append(&tr->strdata, s, n);
    mv_buf_putc(&tr->strdata, '\0');
    if (tr->strdata.failed)
        goto nomem;
    uint32_t id = tr->nstr;
    if (mv_map_put(&tr->strmap, h, (uint64_t)id + 1) != MV_OK)
        goto nomem;
    tr->stroff[id] = off;
    tr->strlen_[id] = (uint32_t)n;
    tr->nstr++;
    return id;
nomem:
    fail(tr, MV_ENOMEM);
    return UINT32_MAX;
}

const char *
mv_trace_str(const mv_trace *tr, uint32_t id, size_t *len)
{
    if (id >= tr->nstr) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = tr->strlen_[id];
    return tr->strdata.data + tr->stroff[id];
}

uint32_t
mv_trace_nstrings(const mv_trace *tr)
{
    return tr->nstr;
}

static void
set_str(mv_trace *tr, char **dst, const char *s)
{
    char *d = mv_strdup(s ? s : "");
    if (!d) {
        fail(tr, MV_ENOMEM);
        return;
    }
    mv_free(*dst);
    *dst = d;
}

void
mv_trace_set_python(mv_trace *tr, const char *version)
{
    set_str(tr, &tr->python, version);
}

const char *
mv_trace_python(const mv_trace *tr)
{
    return tr->python ? tr->python : "";
}

void
mv_trace_set_program(mv_trace *tr, const char *path)
{
    set_str(tr, &tr->program, path);
    uint32_t id = mv_trace_intern(tr, path, strlen(path));
    tr->prog_file = id == UINT32_MAX ? 0 : id;
}

const char *
mv_trace_program(const mv_trace *tr)
{
    return tr->program ? tr->program : "";
}

mv_status
mv_trace_add_source(mv_trace *tr, uint32_t file, const char *text, size_t n)
{
    if (mv_trace_has_source(tr, file))
        return MV_OK;
    if (!grow((void **)&tr->sources, &tr->capsources, tr->nsources + 1, sizeof *tr->sources))
        return fail(tr, MV_ENOMEM);
    char *t = mv_strndup(text, n);
    if (!t)
        return fail(tr, MV_ENOMEM);
    tr->sources[tr->nsources++] = (source){file, t, n};
    return MV_OK;
}

uint32_t
mv_trace_nsources(const mv_trace *tr)
{
    return tr->nsources;
}

const char *
mv_trace_source(const mv_trace *tr, uint32_t i, uint32_t *file, size_t *len)
{
    if (i >= tr->nsources)
        return NULL;
    if (file)
        *file = tr->sources[i].file;
    if (len)
        *len = tr->sources[i].len;
    return tr->sources[i].text;
}

bool
mv_trace_has_source(const mv_trace *tr, uint32_t file)
{
    for (uint32_t i = 0; i < tr->nsources; i++)
        if (tr->sources[i].file == file)
            return true;
    return false;
}

void
mv_trace_set_end(mv_trace *tr, mv_end end, int exit_code, const char *message)
{
    tr->end = end;
    tr->exit_code = exit_code;
    set_str(tr, &tr->end_message, message);
    tr->exc_step = end == MV_END_EXCEPTION && tr->nsteps ? tr->nsteps - 1 : UINT32_MAX;
}

mv_end
mv_trace_end(const mv_trace *tr)
{
    return tr->end;
}

int
mv_trace_exit_code(const mv_trace *tr)
{
    return tr->exit_code;
}

const char *
mv_trace_end_message(const mv_trace *tr)
{
    return tr->end_message ? tr->end_message : "";
}

uint32_t
mv_trace_exception_step(const mv_trace *tr)
{
    return tr->exc_step;
}

void
mv_trace_stdout_append(mv_trace *tr, const char *s, size_t n)
{
    if (tr->out_cut)
        return;
    if (tr->out.len + n > tr->lim.max_stdout) {
        n = tr->lim.max_stdout - tr->out.len;
        tr->out_cut = true;
    }
    mv_buf_append(&tr->out, s, n);
    if (tr->out.failed) {
        tr->out.failed = false;
        tr->out_cut = true;
    }
}

const char *
mv_trace_stdout(const mv_trace *tr, size_t *len)
{
    if (len)
        *len = tr->out.len;
    return tr->out.data ? tr->out.data : "";
}

uint32_t
mv_trace_nsteps(const mv_trace *tr)
{
    return tr->nsteps;
}

mv_status
mv_trace_status(const mv_trace *tr)
{
    return tr->status;
}

size_t
mv_trace_stream_bytes(const mv_trace *tr)
{
    return (size_t)tr->spilled + tr->stream.len;
}

/* ------------------------------------------------------------------ */
/* recording */

static bool
write_at(int fd, const char *p, size_t n, uint64_t off)
{
    return mv_pwrite_all(fd, p, n, off);
}

/* The file cannot take more (disk full): bring the whole stream back into
 * memory, [0, spilled) from the file, then `mid` (a chunk that was not
 * written), then the in-memory tail, and stop spilling. Mappings made
 * before stay valid for their readers. */
static void
unspill(mv_trace *tr, const char *mid, size_t nmid)
{
    mv_buf *s = &tr->stream;
    size_t head = (size_t)tr->spilled, n = head + nmid + s->len;
    char *m = mv_malloc(n + 1);
    if (!m) {
        fail(tr, MV_ENOMEM);
        return;
    }
    size_t got = 0;
    while (got < head) {
        ssize_t r = pread(tr->spill_fd, m + got, head - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            mv_free(m);
            fail(tr, MV_EIO);
            return;
        }
        got += (size_t)r;
    }
    if (nmid)
        memcpy(m + head, mid, nmid);
    if (s->len)
        memcpy(m + head + nmid, s->data, s->len);
    m[n] = '\0';
    mv_free(s->data);
    s->data = m;
    s->len = n;
    s->cap = n + 1;
    tr->spilled = 0;
    tr->spill_failed = true;
}

/* Make sure the chunk handed to the writer thread is in the file. If the
 * thread could not write it, write it here; if that fails too (disk full),
 * put it back in front of the in-memory stream and stop spilling, so no
 * byte is lost. False when spilling stopped. */
static bool
settle(mv_trace *tr)
{
    if (!tr->fly_busy)
        return !tr->spill_failed;
    tr->fly_busy = false;
    uint64_t off = tr->spilled - tr->fly_len;
    if (mv_bgwrite_wait(tr->bg))
        return true;
    if (!mv_bgwrite_usable(tr->bg))
        tr->bg_off = true; /* a forked child: from now on write here */
    if (write_at(tr->spill_fd, tr->fly, tr->fly_len, off))
        return true;
    tr->spilled = off;
    unspill(tr, tr->fly, tr->fly_len);
    return false;
}

/* Move the in-memory stream to the temporary file (between steps): handed
 * to the writer thread, which writes it while recording goes on into the
 * spare buffer. */
static void
spill(mv_trace *tr)
{
    if (tr->spill_failed || !settle(tr))
        return;
    if (tr->spill_fd < 0) {
        const char *dir = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof path, "%s/memview-trace-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0) {
            tr->spill_failed = true;
            return;
        }
        unlink(path);
        tr->spill_fd = fd;
    }
    if (!tr->bg && !tr->bg_off && !(tr->bg = mv_bgwrite_new()))
        tr->bg_off = true;
    if (!tr->bg_off) {
        mv_buf *s = &tr->stream;
        char *full = s->data;
        size_t len = s->len, cap = s->cap;
        s->data = tr->fly;
        s->cap = tr->fly_cap;
        s->len = 0;
        if (s->data)
            s->data[0] = '\0';
        tr->fly = full;
        tr->fly_cap = cap;
        tr->fly_len = len;
        tr->fly_busy = true;
        mv_bgwrite_submit(tr->bg, tr->spill_fd, full, len, tr->spilled);
        tr->spilled += len;
        return;
    }
    if (!write_at(tr->spill_fd, tr->stream.data, tr->stream.len, tr->spilled)) {
        /* disk full: everything back in memory, no more spilling */
        unspill(tr, NULL, 0);
        return;
    }
    tr->spilled += tr->stream.len;
    tr->stream.len = 0;
}

/* The whole stream as one readable range. Not spilled: the buffer itself.
 * Spilled: the in-memory tail is written after the spilled part (the same
 * bytes a later spill would write) and the file is mapped read-only. */
static bool
view(const mv_trace *ctr, const unsigned char **base, size_t *len)
{
    mv_trace *tr = (mv_trace *)ctr; /* the mapping is a cache */
    settle(tr);
    if (tr->spilled == 0) {
        *base = (const unsigned char *)tr->stream.data;
        *len = tr->stream.len;
        return true;
    }
    size_t total = (size_t)tr->spilled + tr->stream.len;
    if (tr->nmaps && tr->maplens[tr->nmaps - 1] == total) {
        *base = tr->maps[tr->nmaps - 1];
        *len = total;
        return true;
    }
    void *m = MAP_FAILED;
    if (tr->nmaps < MAX_MAPS &&
        write_at(tr->spill_fd, tr->stream.data, tr->stream.len, tr->spilled))
        m = mmap(NULL, total, PROT_READ, MAP_SHARED, tr->spill_fd, 0);
    if (m == MAP_FAILED) {
        /* the file cannot show it all: read it back into memory */
        unspill(tr, NULL, 0);
        if (tr->spilled)
            return false;
        *base = (const unsigned char *)tr->stream.data;
        *len = tr->stream.len;
        return true;
    }
    tr->maps[tr->nmaps] = m;
    tr->maplens[tr->nmaps++] = total;
    *base = m;
    *len = total;
    return true;
}

/* Let the kernel drop mapped pages of the stream below `upto` (they are
 * read back from the file if needed again): keeps a long sequential read
 * from holding the whole stream in memory. */
static void
view_release_below(const unsigned char *base, size_t upto, const mv_trace *tr)
{
    if (!tr->spilled || upto < (16u << 20))
        return;
    long pg = sysconf(_SC_PAGESIZE);
    size_t n = (upto - (8u << 20)) & ~((size_t)pg - 1);
    madvise((void *)base, n, MADV_DONTNEED);
}

void
mv_trace_set_spill_bytes(mv_trace *tr, size_t n)
{
    tr->spill_bytes = n ? n : 1;
}

mv_status
mv_rec_begin(mv_trace *tr, mv_event ev, uint32_t file, uint32_t line)
{
    if (tr->status != MV_OK)
        return tr->status;
    if (tr->nsteps >= tr->lim.max_steps)
        return MV_ELIMIT;
    tr->in_step = true;
    tr->cur = tr->nsteps;
    if (tr->stream.len >= tr->spill_bytes)
        spill(tr);
    tr->step_start = tr->spilled + tr->stream.len;
    tr->ncframes = 0;
    tr->nreach = 0;
    tr->nkept = 0;
    tr->nfresh = 0;
    tr->step_dead = false;
    tr->truncated = false;
    tr->frames_hidden = 0;
    tr->cur_ev = (uint8_t)ev;
    tr->cur_file = file;
    tr->cur_line = line;
    mv_buf *s = &tr->stream;
    unsigned char *p = mv_buf_room(s, 2 + 2 * MV_UV_MAX);
    if (!p)
        return fail(tr, MV_ENOMEM);
    *p++ = T_STEP;
    *p++ = (unsigned char)ev;
    p = mv_put_uv(p, file);
    p = mv_put_uv(p, line);
    mv_buf_commit(s, p);
    return MV_OK;
}

mv_status
mv_rec_frame(mv_trace *tr, uint64_t serial, uint32_t function, uint32_t file, uint32_t line)
{
    uint32_t old = tr->capc;
    if (!grow((void **)&tr->cframes, &tr->capc, tr->ncframes + 1, sizeof *tr->cframes))
        return fail(tr, MV_ENOMEM);
    if (tr->capc > old)
        memset(tr->cframes + old, 0, (tr->capc - old) * sizeof *tr->cframes);
    rframe *f = &tr->cframes[tr->ncframes++];
    f->serial = serial;
    f->function = function;
    f->file = file;
    f->line = line;
    f->nlocals = 0;
    return MV_OK;
}

mv_status
mv_rec_local(mv_trace *tr, uint32_t name, uint32_t ref)
{
    if (!tr->ncframes)
        return MV_EINVAL;
    rframe *f = &tr->cframes[tr->ncframes - 1];
    if (!grow((void **)&f->locals, &f->caplocals, f->nlocals + 1, sizeof *f->locals))
        return fail(tr, MV_ENOMEM);
    f->locals[f->nlocals++] = (mv_local){name, ref};
    return MV_OK;
}

static uint32_t
new_slot(mv_trace *tr)
{
    if (tr->nfree)
        return tr->freeslots[--tr->nfree];
    if (!grow((void **)&tr->slots, &tr->capslots, tr->nslots + 1, sizeof *tr->slots))
        return UINT32_MAX;
    return tr->nslots++;
}

static void
release_slot(mv_trace *tr, uint32_t i)
{
    /* capfree never needs more than capslots entries */
    if (grow((void **)&tr->freeslots, &tr->capfree, tr->nfree + 1, sizeof *tr->freeslots))
        tr->freeslots[tr->nfree++] = i;
    memset(&tr->slots[i], 0, sizeof tr->slots[i]);
    tr->slots[i].dead = 2; /* unused */
}

/* Detach the slot from its address: the object there is gone (or replaced).
 * A slot that is still reachable-at-the-previous-step stays until rec_end
 * has recorded its drop. */
static inline void
retire(mv_trace *tr, uint32_t i)
{
    live *l = &tr->slots[i];
    mv_map_del(&tr->addrmap, l->addr);
    if (tr->in_step && l->seen == tr->cur + 1)
        tr->step_dead = true;
    else if (l->in_prev)
        tr->nprev_dead++;
    if (l->in_prev || l->seen == tr->cur + 1)
        l->dead = 1;
    else
        release_slot(tr, i);
}

static inline mv_status reached(mv_trace *tr, uint32_t i, mv_recref *out);
static void free_event(mv_trace *tr, const live *l, mv_free_cause cause, uint8_t gen,
                       uint64_t bytes, uint32_t by);
static void encode_events(mv_trace *tr, mv_buf *s);

mv_status
mv_rec_ref(mv_trace *tr, uint64_t addr, uint32_t type, uint8_t pre, uint64_t ident_hash,
           mv_recref *out)
{
    return mv_rec_ref_keyed(tr, addr, type, type, pre, ident_hash, out);
}

mv_status
mv_rec_ref_keyed(mv_trace *tr, uint64_t addr, uint32_t type, uint64_t tkey, uint8_t pre,
                 uint64_t ident_hash, mv_recref *out)
{
    memset(out, 0, sizeof *out);
    uint64_t *v = mv_map_get(&tr->addrmap, addr);
    uint32_t i, reuse_slot = UINT32_MAX;
    if (v) {
        i = (uint32_t)(*v - 1);
        live *l = &tr->slots[i];
        bool same = l->tkey == tkey && l->ident == ident_hash;
        if (same && l->type != type && l->seen != tr->cur + 1) {
            /* the same object, its class renamed: read it again, so that
             * its content (which names the type) is recorded anew */
            l->type = type;
            l->immutable = 0;
        }
        if (!same) {
            if (l->seen == tr->cur + 1) {
                /* another object at this address within one step cannot
                 * happen; keep the first so the step stays consistent */
                same = true;
            } else {
                /* no free was seen: the old object was parked on a free
                 * list and its address reused */
                reuse_slot = i;
                v = NULL;
            }
        }
    }
    if (!v) {
        if (reuse_slot != UINT32_MAX) {
            live *o = &tr->slots[reuse_slot];
            if (o->recorded)
                free_event(tr, o, MV_FREE_REUSED, 0, 0, tr->next_ref);
            retire(tr, reuse_slot);
        }
        i = new_slot(tr);
        if (i == UINT32_MAX || mv_map_put(&tr->addrmap, addr, (uint64_t)i + 1) != MV_OK)
            return fail(tr, MV_ENOMEM);
        live *l = &tr->slots[i];
        memset(l, 0, sizeof *l);
        l->addr = addr;
        l->ident = ident_hash;
        l->tkey = tkey;
        l->type = type;
        l->pre = pre;
        l->ref = tr->next_ref++;
        out->fresh = true;
    }
    return reached(tr, i, out);
}

static mv_status apply_refcount(mv_trace *tr, live *l, int64_t refcount);

bool
mv_rec_touch(mv_trace *tr, uint32_t slot, uint32_t ref, uint64_t ident_hash, int64_t scalar_rc,
             mv_recref *out)
{
    if (slot >= tr->nslots)
        return false;
    live *l = &tr->slots[slot];
    if (l->ref != ref || l->dead || l->ident != ident_hash)
        return false;
    memset(out, 0, sizeof *out);
    if (reached(tr, slot, out) != MV_OK)
        return false;
    if (!out->seen && out->known && scalar_rc != INT64_MIN) {
        out->counted = true;
        return apply_refcount(tr, l, scalar_rc) == MV_OK;
    }
    return true;
}

static void write_rc(mv_trace *tr, live *l, int64_t rc);

int
mv_rec_touch_local(mv_trace *tr, uint32_t slot, uint32_t ref, uint64_t ident_hash, int64_t rc,
                   uint32_t name, bool fixed)
{
    if (slot >= tr->nslots || !tr->ncframes)
        return 0;
    live *l = &tr->slots[slot];
    rframe *f = &tr->cframes[tr->ncframes - 1];
    if (l->ref != ref || l->dead || l->ident != ident_hash || !l->recorded ||
        !(l->immutable || fixed) ||
        l->unreach != tr->phase_unreach || f->nlocals >= f->caplocals)
        return 0;
    int r = 1;
    if (l->seen != tr->cur + 1) {
        /* back in the picture after an absence: the general path says so */
        if (!l->in_prev || tr->nreach >= tr->capreach)
            return 0;
        l->seen = tr->cur + 1;
        tr->reach[tr->nreach++] = slot;
        tr->nkept++;
        if (l->refcount >= 0 && rc != l->refcount) {
            write_rc(tr, l, rc);
            if (tr->stream.failed) {
                fail(tr, MV_ENOMEM);
                return 0;
            }
        }
        r = 2;
    }
    f->locals[f->nlocals++] = (mv_local){name, ref};
    return r;
}

static inline mv_status
reached(mv_trace *tr, uint32_t i, mv_recref *out)
{
    live *l = &tr->slots[i];
    out->ref = l->ref;
    out->slot = i;
    out->known = l->recorded && l->immutable && l->unreach == tr->phase_unreach;
    out->immortal = l->recorded && l->refcount < 0;
    out->mortal = l->recorded && l->refcount >= 0;
    if (l->seen == tr->cur + 1) {
        out->seen = true;
    } else {
        l->seen = tr->cur + 1;
        if (!grow((void **)&tr->reach, &tr->capreach, tr->nreach + 1, sizeof *tr->reach))
            return fail(tr, MV_ENOMEM);
        tr->reach[tr->nreach++] = i;
        if (l->in_prev) {
            tr->nkept++;
        } else {
            if (!grow((void **)&tr->fresh, &tr->capfresh, tr->nfresh + 1, sizeof *tr->fresh))
                return fail(tr, MV_ENOMEM);
            tr->fresh[tr->nfresh++] = i;
        }
    }
    return MV_OK;
}

/* The most bytes put_content writes for o. */
static inline size_t
content_room(const mv_object *o)
{
    return 4 + 8 * MV_UV_MAX + (size_t)o->value_len + (size_t)o->nitems * MV_UV_MAX;
}

static unsigned char *
put_content(unsigned char *p, const mv_object *o)
{
    p = mv_put_uv(p, o->type);
    *p++ = o->kind;
    *p++ = o->flags;
    p = mv_put_uv(p, o->size);
    if (o->value) {
        p = mv_put_uv(p, (uint64_t)o->value_len + 1);
        p = mv_put_bytes(p, o->value, o->value_len);
    } else {
        *p++ = 0;
    }
    if (o->flags & MV_OF_CUT)
        p = mv_put_uv(p, o->length);
    p = mv_put_uv(p, o->nitems);
    for (uint32_t k = 0; k < o->nitems; k++)
        p = mv_put_uv(p, o->items[k]);
    p = mv_put_uv(p, o->hidden);
    /* the pool is the object's address rounded down to 16 KiB: not stored */
    if (o->block.kind == MV_BLOCK_POOL) {
        *p++ = (unsigned char)(MV_BLOCK_POOL | (o->block.size / 16) << 2);
        p = mv_put_uv(p, o->block.index);
        p = mv_put_uv(p, o->block.arena);
    } else {
        *p++ = o->block.kind;
        if (o->block.kind == MV_BLOCK_MALLOC)
            p = mv_put_uv(p, o->block.size);
    }
    return p;
}

static void
encode_content(mv_buf *b, const mv_object *o)
{
    unsigned char *p = mv_buf_room(b, content_room(o));
    if (p)
        mv_buf_commit(b, put_content(p, o));
}

/* An object out of the picture at the previous step comes back with the
 * content it had: tell readers where that content is. */
static void
write_back(mv_trace *tr, live *l, int64_t rc)
{
    unsigned char *p = mv_buf_room(&tr->stream, 1 + 4 * MV_UV_MAX);
    if (!p)
        return;
    *p++ = T_BACK;
    p = mv_put_uv(p, l->ref);
    p = mv_put_uv(p, l->addr);
    p = mv_put_uv(p, l->ver_off);
    p = mv_put_sv(p, rc);
    mv_buf_commit(&tr->stream, p);
    l->refcount = rc;
}

static void
write_rc(mv_trace *tr, live *l, int64_t rc)
{
    unsigned char *p = mv_buf_room(&tr->stream, 1 + 2 * MV_UV_MAX);
    if (!p)
        return;
    *p++ = T_RC;
    p = mv_put_uv(p, l->ref);
    p = mv_put_sv(p, rc);
    mv_buf_commit(&tr->stream, p);
    l->refcount = rc;
}

mv_status
mv_rec_object(mv_trace *tr, const mv_recref *r, const mv_object *obj)
{
    live *l = &tr->slots[r->slot];
    mv_buf *sc = &tr->scratch;
    mv_buf_reset(sc);
    /* the block does not move while the object lives: capture gives it at
     * first sight only */
    mv_object with_block;
    if (obj->block.kind != MV_BLOCK_NONE) {
        l->block = obj->block;
    } else if (l->block.kind != MV_BLOCK_NONE) {
        with_block = *obj;
        with_block.block = l->block;
        obj = &with_block;
    }
    int64_t rc = (obj->flags & MV_OF_IMMORTAL) ? -1 : obj->refcount;
    mv_buf *s = &tr->stream;
    if (!l->recorded && (obj->flags & MV_OF_IMMUTABLE)) {
        /* first sight of an immutable object (the loop's new int): its
         * content goes straight into the stream, unhashed */
        unsigned char *p = mv_buf_room(s, 1 + 3 * MV_UV_MAX + content_room(obj));
        if (!p)
            return fail(tr, MV_ENOMEM);
        l->ver_off = tr->spilled + s->len;
        *p++ = T_NEW;
        p = mv_put_sv(p, (int64_t)l->ref - (int64_t)tr->last_new_ref);
        p = mv_put_sv(p, (int64_t)(l->addr - tr->last_new_addr));
        tr->last_new_ref = l->ref;
        tr->last_new_addr = l->addr;
        p = mv_put_sv(p, rc);
        mv_buf_commit(s, put_content(p, obj));
        l->hashed = 0;
        l->recorded = 1;
        l->immutable = 1;
        l->unreach = (obj->flags & MV_OF_UNREACHABLE) != 0;
        l->refcount = rc;
        return s->failed ? fail(tr, MV_ENOMEM) : MV_OK;
    }
    encode_content(sc, obj);
    if (sc->failed)
        return fail(tr, MV_ENOMEM);
    uint64_t h = hash_bytes(sc->data, sc->len);
    if (!l->recorded || !l->hashed || h != l->chash) {
        unsigned char *p = mv_buf_room(s, 1 + 3 * MV_UV_MAX + sc->len);
        if (!p)
            return fail(tr, MV_ENOMEM);
        l->ver_off = tr->spilled + s->len;
        if (l->recorded && l->in_prev) {
            *p++ = T_FULL;
            p = mv_put_uv(p, l->ref);
        } else {
            *p++ = T_NEW;
            p = mv_put_sv(p, (int64_t)l->ref - (int64_t)tr->last_new_ref);
            p = mv_put_sv(p, (int64_t)(l->addr - tr->last_new_addr));
            tr->last_new_ref = l->ref;
            tr->last_new_addr = l->addr;
        }
        p = mv_put_sv(p, rc);
        p = mv_put_bytes(p, sc->data, sc->len);
        mv_buf_commit(s, p);
        l->chash = h;
        l->hashed = 1;
        l->recorded = 1;
        l->immutable = (obj->flags & MV_OF_IMMUTABLE) != 0;
        l->unreach = (obj->flags & MV_OF_UNREACHABLE) != 0;
        l->refcount = rc;
    } else if (!l->in_prev) {
        write_back(tr, l, rc);
    } else if (rc != l->refcount) {
        write_rc(tr, l, rc);
    }
    return s->failed ? fail(tr, MV_ENOMEM) : MV_OK;
}

bool
mv_rec_same_key(mv_trace *tr, const mv_recref *r, uint64_t key)
{
    live *l = &tr->slots[r->slot];
    bool same = l->recorded && l->ckey == key;
    l->ckey = key;
    return same;
}

mv_status
mv_rec_refcount(mv_trace *tr, const mv_recref *r, int64_t refcount)
{
    return apply_refcount(tr, &tr->slots[r->slot], refcount);
}

static inline mv_status
apply_refcount(mv_trace *tr, live *l, int64_t refcount)
{
    mv_buf *s = &tr->stream;
    if (!l->in_prev && l->recorded) {
        write_back(tr, l, l->refcount < 0 ? -1 : refcount);
        return s->failed ? fail(tr, MV_ENOMEM) : MV_OK;
    }
    if (refcount == l->refcount || l->refcount < 0)
        return MV_OK;
    write_rc(tr, l, refcount);
    return s->failed ? fail(tr, MV_ENOMEM) : MV_OK;
}

void
mv_rec_set_frames_hidden(mv_trace *tr, uint32_t n)
{
    tr->frames_hidden = n;
}

void
mv_rec_set_truncated(mv_trace *tr)
{
    tr->truncated = true;
}

static void
write_key(mv_trace *tr, const uint32_t *set, uint32_t nset, size_t stdout_len)
{
    mv_buf *s = &tr->stream;
    uint64_t start = tr->spilled + s->len;
    if (!grow((void **)&tr->keys, &tr->capkeys, tr->nkeys + 1, sizeof *tr->keys)) {
        fail(tr, MV_ENOMEM);
        return;
    }
    size_t room = 2 + 12 * MV_UV_MAX + (size_t)nset * 4 * MV_UV_MAX + (size_t)tr->nmt * 3 * MV_UV_MAX;
    for (uint32_t i = 0; i < tr->ncframes; i++)
        room += (5 + 2 * (size_t)tr->cframes[i].nlocals) * MV_UV_MAX;
    unsigned char *p = mv_buf_room(s, room);
    if (!p) {
        fail(tr, MV_ENOMEM);
        return;
    }
    *p++ = T_KEY;
    p = mv_put_uv(p, tr->cur);
    *p++ = tr->cur_ev;
    p = mv_put_uv(p, tr->cur_file);
    p = mv_put_uv(p, tr->cur_line);
    p = mv_put_uv(p, tr->ncframes);
    for (uint32_t i = 0; i < tr->ncframes; i++) {
        const rframe *f = &tr->cframes[i];
        p = mv_put_uv(p, f->serial);
        p = mv_put_uv(p, f->function);
        p = mv_put_uv(p, f->file);
        p = mv_put_uv(p, f->line);
        p = mv_put_uv(p, f->nlocals);
        for (uint32_t k = 0; k < f->nlocals; k++) {
            p = mv_put_uv(p, f->locals[k].name);
            p = mv_put_uv(p, f->locals[k].ref);
        }
    }
    p = mv_put_uv(p, nset);
    for (uint32_t i = 0; i < nset; i++) {
        const live *l = &tr->slots[set[i]];
        p = mv_put_uv(p, l->ref);
        p = mv_put_uv(p, l->addr);
        p = mv_put_uv(p, l->ver_off);
        p = mv_put_sv(p, l->refcount);
    }
    p = mv_put_uv(p, stdout_len);
    p = mv_put_uv(p, ((uint64_t)tr->frames_hidden << 1) | tr->truncated);
    p = mv_put_uv(p, tr->last_new_ref);
    p = mv_put_uv(p, tr->last_new_addr);
    p = mv_put_uv(p, tr->nmt);
    for (uint32_t i = 0; i < tr->nmt; i++) {
        p = mv_put_uv(p, tr->mt[i].type);
        p = mv_put_uv(p, tr->mt[i].blocks);
        p = mv_put_uv(p, tr->mt[i].bytes);
    }
    mv_buf_commit(s, p);
    if (s->failed) {
        fail(tr, MV_ENOMEM);
        return;
    }
    tr->keys[tr->nkeys++] = (keyframe){tr->cur, start};
    tr->last_key_bytes = (size_t)(tr->spilled + s->len - start);
    tr->bytes_since_key = 0;
    tr->steps_since_key = 0;
}

mv_status
mv_rec_end(mv_trace *tr, size_t stdout_len)
{
    mv_buf *s = &tr->stream;
    if (tr->nevs)
        encode_events(tr, s);
    /* frames: how many leading frames are the same calls as before */
    uint32_t kept = 0;
    while (kept < tr->ncframes && kept < tr->npframes &&
           tr->cframes[kept].serial == tr->pframes[kept].serial)
        kept++;
    /* room for the worst case, then one pass of cursor writes */
    /* drops: what was reachable before and is not now (or was freed):
     * none when every slot of prev was reached again, unless one reached
     * in this step was then freed */
    uint32_t ndrop = 0;
    if (tr->nprev != tr->nkept || tr->step_dead) {
        if (!grow((void **)&tr->drops, &tr->capdrops, tr->nprev, sizeof *tr->drops)) {
            mv_rec_abort(tr, MV_ENOMEM);
            return MV_ENOMEM;
        }
        /* without a branch: which slots drop changes from step to step */
        for (uint32_t i = 0; i < tr->nprev; i++) {
            uint32_t si = tr->prev[i];
            const live *l = &tr->slots[si];
            tr->drops[ndrop] = si;
            ndrop += (l->seen != tr->cur + 1) | (l->dead != 0);
        }
    }
    size_t room = 1 + 5 * MV_UV_MAX + (size_t)ndrop * MV_UV_MAX;
    uint32_t maxloc = 0;
    for (uint32_t i = 0; i < tr->ncframes; i++) {
        room += 1 + 5 * MV_UV_MAX + (size_t)tr->cframes[i].nlocals * 2 * MV_UV_MAX;
        if (tr->cframes[i].nlocals > maxloc)
            maxloc = tr->cframes[i].nlocals;
    }
    if (!grow((void **)&tr->chg, &tr->capchg, maxloc, sizeof *tr->chg)) {
        mv_rec_abort(tr, MV_ENOMEM);
        return MV_ENOMEM;
    }
    unsigned char *p = mv_buf_room(s, room);
    if (!p) {
        mv_rec_abort(tr, MV_ENOMEM);
        return MV_ENOMEM;
    }
    *p++ = T_FRAMES;
    p = mv_put_uv(p, tr->ncframes);
    p = mv_put_uv(p, kept);
    for (uint32_t i = kept; i < tr->ncframes; i++) {
        p = mv_put_uv(p, tr->cframes[i].serial);
        p = mv_put_uv(p, tr->cframes[i].function);
        p = mv_put_uv(p, tr->cframes[i].file);
    }
    for (uint32_t i = 0; i < tr->ncframes; i++)
        p = mv_put_uv(p, tr->cframes[i].line);
    for (uint32_t i = 0; i < tr->ncframes; i++) {
        const rframe *c = &tr->cframes[i], *pf = i < kept ? &tr->pframes[i] : NULL;
        /* the same call with the same names: 0 when no name changed its
         * object, else 2 and only the slots that did (one pass, no branch
         * on which slot changed) */
        uint32_t nchg = 0;
        bool names = pf && c->nlocals == pf->nlocals && c->nlocals <= tr->capchg;
        for (uint32_t k = 0; names && k < c->nlocals; k++) {
            names = c->locals[k].name == pf->locals[k].name;
            tr->chg[nchg] = k;
            nchg += c->locals[k].ref != pf->locals[k].ref;
        }
        if (names && !nchg) {
            *p++ = 0;
        } else if (names) {
            *p++ = 2;
            p = mv_put_uv(p, nchg);
            for (uint32_t j = 0; j < nchg; j++) {
                p = mv_put_uv(p, tr->chg[j]);
                p = mv_put_uv(p, c->locals[tr->chg[j]].ref);
            }
        } else {
            *p++ = 1;
            p = mv_put_uv(p, c->nlocals);
            for (uint32_t k = 0; k < c->nlocals; k++) {
                p = mv_put_uv(p, c->locals[k].name);
                p = mv_put_uv(p, c->locals[k].ref);
            }
        }
    }
    /* drops: reachable before, not now (or freed meanwhile) */
    p = mv_put_uv(p, ndrop);
    for (uint32_t i = 0; i < ndrop; i++)
        p = mv_put_uv(p, tr->slots[tr->drops[i]].ref);
    if (stdout_len < tr->stdout_prev)
        stdout_len = tr->stdout_prev;
    p = mv_put_uv(p, stdout_len - tr->stdout_prev);
    p = mv_put_uv(p, ((uint64_t)tr->frames_hidden << 1) | tr->truncated);
    mv_buf_commit(s, p);
    if (s->failed) {
        mv_rec_abort(tr, MV_ENOMEM);
        return MV_ENOMEM;
    }
    /* commit: in_prev becomes "reachable at this step": only the drops
     * and the fresh slots change (all of them when a reached slot died) */
    if (tr->step_dead) {
        for (uint32_t i = 0; i < tr->nprev; i++) {
            uint32_t si = tr->prev[i];
            live *l = &tr->slots[si];
            l->in_prev = 0;
            if (l->dead == 1 && l->seen != tr->cur + 1)
                release_slot(tr, si);
        }
        for (uint32_t i = 0; i < tr->nreach; i++)
            tr->slots[tr->reach[i]].in_prev = 1;
    } else {
        for (uint32_t i = 0; i < ndrop; i++) {
            live *l = &tr->slots[tr->drops[i]];
            l->in_prev = 0;
            if (l->dead == 1)
                release_slot(tr, tr->drops[i]);
        }
        for (uint32_t i = 0; i < tr->nfresh; i++)
            tr->slots[tr->fresh[i]].in_prev = 1;
    }
    uint32_t *t = tr->prev;
    tr->prev = tr->reach;
    tr->reach = t;
    uint32_t c = tr->capprev;
    tr->capprev = tr->capreach;
    tr->capreach = c;
    tr->nprev = tr->nreach;
    tr->nprev_dead = 0;
    /* keyframe decision, then swap frames */
    size_t step_bytes = (size_t)(tr->spilled + s->len - tr->step_start);
    tr->bytes_since_key += step_bytes;
    tr->steps_since_key++;
    tr->stdout_prev = stdout_len;
    bool key = tr->nkeys == 0 || tr->steps_since_key >= KEY_MAX_STEPS ||
               (tr->steps_since_key >= KEY_MIN_STEPS &&
                tr->bytes_since_key > 4 * tr->last_key_bytes);
    if (key)
        write_key(tr, tr->prev, tr->nprev, stdout_len);
    tr->nreach = 0;
    rframe *pf = tr->pframes;
    uint32_t pc = tr->capp;
    tr->pframes = tr->cframes;
    tr->capp = tr->capc;
    tr->npframes = tr->ncframes;
    tr->cframes = pf;
    tr->capc = pc;
    tr->ncframes = 0;
    tr->in_step = false;
    tr->nsteps++;
    tr->nevs = 0;
    if (!tr->gc_on)
        tr->nevrefs = 0;
    return tr->status;
}

void
mv_rec_abort(mv_trace *tr, mv_status why)
{
    if (!tr->in_step)
        return;
    tr->stream.len = (size_t)(tr->step_start - tr->spilled);
    tr->stream.failed = false;
    tr->in_step = false;
    /* the live table may now hold content this step recorded, so the
     * trace stops recording: its status becomes the reason */
    fail(tr, why == MV_OK ? MV_EINVAL : why);
}

void
mv_trace_forget(mv_trace *tr, uint64_t block)
{
    if (!tr->addrmap.count)
        return;
    static const uint8_t pres[] = {0, 16, 32};
    for (int k = 0; k < 3; k++) {
        uint64_t *v = mv_map_get(&tr->addrmap, block + pres[k]);
        if (v && tr->slots[*v - 1].pre == pres[k]) {
            retire(tr, (uint32_t)(*v - 1));
            return;
        }
    }
}

/* ------------------------------------------------------------------ */
/* memory events */

static mv_mevent *
push_event(mv_trace *tr)
{
    if (!grow((void **)&tr->evs, &tr->capevs, tr->nevs + 1, sizeof *tr->evs)) {
        fail(tr, MV_ENOMEM);
        return NULL;
    }
    mv_mevent *e = &tr->evs[tr->nevs++];
    memset(e, 0, sizeof *e);
    e->last = UINT32_MAX;
    return e;
}

/* Move the live totals of one type by a signed count/bytes. */
static void
mt_apply(mv_memtype **mt, uint32_t *nmt, uint32_t *capmt, mv_map *map, uint32_t *hint,
         uint32_t type, int64_t count, int64_t bytes, bool *nomem)
{
    if (!count && !bytes)
        return;
    uint32_t i;
    uint64_t *v = NULL;
    /* most steps move one type (the loop's ints): try the last one used */
    if (*hint < *nmt && (*mt)[*hint].type == type) {
        i = *hint;
    } else if ((v = mv_map_get(map, (uint64_t)type + 1)) != NULL) {
        i = (uint32_t)(*v - 1);
    } else {
        if (!grow((void **)mt, capmt, *nmt + 1, sizeof **mt) ||
            mv_map_put(map, (uint64_t)type + 1, (uint64_t)*nmt + 1) != MV_OK) {
            *nomem = true;
            return;
        }
        i = (*nmt)++;
        (*mt)[i] = (mv_memtype){type, 0, 0};
    }
    *hint = i;
    mv_memtype *m = &(*mt)[i];
    m->blocks = count < 0 && (uint64_t)-count > m->blocks ? 0 : m->blocks + (uint64_t)count;
    m->bytes = bytes < 0 && (uint64_t)-bytes > m->bytes ? 0 : m->bytes + (uint64_t)bytes;
}

static void
rec_apply(mv_trace *tr, const mv_mevent *e)
{
    if (e->kind == MV_MEV_GC || !e->bytes)
        return;
    bool nomem = false;
    int64_t sign = e->kind == MV_MEV_ALLOC ? 1 : -1;
    mt_apply(&tr->mt, &tr->nmt, &tr->capmt, &tr->mtmap, &tr->mthint, e->type,
             sign * (int64_t)e->count,
             sign * (int64_t)e->bytes, &nomem);
    if (nomem)
        fail(tr, MV_ENOMEM);
}

/* The name of the previous step's frames that referred to ref, if exactly one did. */
static uint32_t
last_name(const mv_trace *tr, uint32_t ref)
{
    uint32_t found = UINT32_MAX;
    for (uint32_t i = 0; i < tr->npframes; i++) {
        const rframe *f = &tr->pframes[i];
        for (uint32_t k = 0; k < f->nlocals; k++) {
            if (f->locals[k].ref != ref)
                continue;
            if (found != UINT32_MAX)
                return UINT32_MAX;
            found = f->locals[k].name;
        }
    }
    return found;
}

static void
free_event(mv_trace *tr, const live *l, mv_free_cause cause, uint8_t gen, uint64_t bytes,
           uint32_t by)
{
    mv_mevent *e = push_event(tr);
    if (!e)
        return;
    e->kind = MV_MEV_FREE;
    e->cause = (uint8_t)cause;
    e->generation = gen;
    e->ref = l->ref;
    e->type = l->type;
    e->count = 1;
    e->bytes = bytes;
    e->by = by;
    if (cause == MV_FREE_REFCOUNT && l->in_prev)
        e->last = last_name(tr, l->ref);
    rec_apply(tr, e);
    if (cause == MV_FREE_GC && tr->gc_on) {
        if (!grow((void **)&tr->evrefs, &tr->capevrefs, tr->nevrefs + 1, sizeof *tr->evrefs))
            fail(tr, MV_ENOMEM);
        else
            tr->evrefs[tr->nevrefs++] = l->ref;
    }
}

uint32_t
mv_trace_free_block(mv_trace *tr, uint64_t block, mv_free_cause cause, uint8_t gen,
                    uint64_t bytes)
{
    if (!tr->addrmap.count)
        return 0;
    static const uint8_t pres[] = {0, 16, 32};
    for (int k = 0; k < 3; k++) {
        uint64_t *v = mv_map_get(&tr->addrmap, block + pres[k]);
        if (v && tr->slots[*v - 1].pre == pres[k]) {
            uint32_t i = (uint32_t)(*v - 1);
            live *l = &tr->slots[i];
            uint32_t ref = l->recorded ? l->ref : 0;
            if (ref)
                free_event(tr, l, cause, gen, bytes, 0);
            retire(tr, i);
            return ref;
        }
    }
    return 0;
}

mv_status
mv_rec_alloc_ref(mv_trace *tr, uint32_t ref, uint32_t type, uint64_t size, uint64_t bytes)
{
    mv_mevent *e = push_event(tr);
    if (!e)
        return MV_ENOMEM;
    e->kind = MV_MEV_ALLOC;
    e->ref = ref;
    e->type = type;
    e->count = 1;
    e->size = size;
    e->bytes = bytes;
    rec_apply(tr, e);
    return tr->status;
}

mv_status
mv_rec_mem_agg(mv_trace *tr, mv_mev_kind kind, uint32_t type, uint32_t count, uint64_t bytes)
{
    if (!count || kind == MV_MEV_GC)
        return MV_OK;
    mv_mevent *e = push_event(tr);
    if (!e)
        return MV_ENOMEM;
    e->kind = (uint8_t)kind;
    e->type = type;
    e->count = count;
    e->bytes = bytes;
    rec_apply(tr, e);
    return tr->status;
}

void
mv_trace_gc_begin(mv_trace *tr, uint8_t generation)
{
    tr->gc_on = true;
    tr->gc_gen = generation;
    tr->gc_first = tr->nevrefs;
}

bool
mv_trace_gc_running(const mv_trace *tr)
{
    return tr->gc_on;
}

mv_status
mv_trace_gc_end(mv_trace *tr, uint64_t collected, uint64_t uncollectable, uint64_t duration_ns,
                bool automatic)
{
    uint32_t first = tr->gc_on ? tr->gc_first : tr->nevrefs;
    tr->gc_on = false;
    mv_mevent *e = push_event(tr);
    if (!e)
        return MV_ENOMEM;
    e->kind = MV_MEV_GC;
    e->generation = tr->gc_gen;
    e->automatic = automatic;
    e->collected = collected;
    e->uncollectable = uncollectable;
    e->duration_ns = duration_ns;
    e->nfreed = tr->nevrefs - first;
    e->freed = (const uint32_t *)(uintptr_t)first; /* an offset until written */
    return tr->status;
}

uint32_t
mv_rec_dropped(mv_trace *tr, mv_dropped *out, uint32_t cap)
{
    uint32_t n = 0;
    if (!tr->step_dead && tr->nkept + tr->nprev_dead == tr->nprev)
        return 0; /* every slot of the previous step was reached again or freed */
    for (uint32_t i = 0; i < tr->nprev; i++) {
        const live *l = &tr->slots[tr->prev[i]];
        if (l->seen == tr->cur + 1 || l->dead || !l->recorded)
            continue;
        if (n < cap)
            out[n] = (mv_dropped){tr->prev[i], l->ref, l->type, l->addr, l->unreach != 0,
                                  l->refcount < 0};
        n++;
    }
    return n;
}

mv_status
mv_rec_gone(mv_trace *tr, uint32_t slot, mv_free_cause cause)
{
    if (slot >= tr->nslots || tr->slots[slot].dead)
        return MV_OK;
    live *l = &tr->slots[slot];
    free_event(tr, l, cause, cause == MV_FREE_GC ? tr->gc_gen : 0, 0, 0);
    retire(tr, slot);
    return tr->status;
}

void
mv_rec_set_unreachable_phase(mv_trace *tr, bool on)
{
    tr->phase_unreach = on;
}

bool
mv_rec_was_unreachable(const mv_trace *tr, uint32_t slot)
{
    return slot < tr->nslots && tr->slots[slot].unreach;
}

void
mv_trace_set_allocator(mv_trace *tr, const char *name)
{
    set_str(tr, &tr->allocator, name);
}

const char *
mv_trace_allocator(const mv_trace *tr)
{
    return tr->allocator ? tr->allocator : "";
}

mv_status
mv_trace_set_pools(mv_trace *tr, const mv_pool_snap *p)
{
    mv_arena_rec *a = mv_malloc((p->narenas ? p->narenas : 1) * sizeof *a);
    mv_pool_rec *q = mv_malloc((p->npools ? p->npools : 1) * sizeof *q);
    if (!a || !q) {
        mv_free(a);
        mv_free(q);
        return MV_ENOMEM;
    }
    if (p->narenas)
        memcpy(a, p->arenas, p->narenas * sizeof *a);
    if (p->npools)
        memcpy(q, p->pools, p->npools * sizeof *q);
    char *stats = p->stats ? mv_strdup(p->stats) : NULL;
    mv_free(tr->pools.arenas);
    mv_free(tr->pools.pools);
    mv_free(tr->pools.stats);
    tr->pools = *p;
    tr->pools.arenas = a;
    tr->pools.pools = q;
    tr->pools.stats = stats;
    tr->has_pools = true;
    return MV_OK;
}

const mv_pool_snap *
mv_trace_pools(const mv_trace *tr)
{
    return tr->has_pools ? &tr->pools : NULL;
}

mv_status
mv_trace_add_pool_mark(mv_trace *tr, uint32_t step, const mv_pool_change *ch, uint32_t n)
{
    if (tr->pcut != UINT32_MAX)
        return MV_ELIMIT;
    if (n > MV_MAX_POOL_CHANGES - tr->npchanges) {
        tr->pcut = step;
        return MV_ELIMIT;
    }
    if ((n && !grow((void **)&tr->pchanges, &tr->cappchanges, tr->npchanges + n, sizeof *ch)) ||
        !grow((void **)&tr->pmarks, &tr->cappmarks, tr->npmarks + 1, sizeof *tr->pmarks))
        return MV_ENOMEM;
    if (n)
        memcpy(tr->pchanges + tr->npchanges, ch, n * sizeof *ch);
    tr->pmarks[tr->npmarks++] = (mv_pool_mark){step, tr->npchanges, n};
    tr->npchanges += n;
    return MV_OK;
}

const mv_pool_mark *
mv_trace_pool_marks(const mv_trace *tr, uint32_t *nmarks, const mv_pool_change **changes,
                    uint32_t *cut_step)
{
    *nmarks = tr->npmarks;
    if (changes)
        *changes = tr->pchanges;
    if (cut_step)
        *cut_step = tr->pcut;
    return tr->pmarks;
}

void
mv_pool_snap_release(mv_pool_snap *s)
{
    if (!s)
        return;
    mv_free(s->arenas);
    mv_free(s->pools);
    mv_free(s->stats);
    memset(s, 0, sizeof *s);
}

static int
cmp_change_addr(const void *a, const void *b)
{
    const mv_pool_change *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

#define PT_POOL_SIZE 16384u
#define PT_POOL_OVERHEAD 48u
#define PT_ARENA_SIZE (1u << 20)

mv_status
mv_trace_pools_at(const mv_trace *tr, uint32_t step, mv_pool_snap *out)
{
    memset(out, 0, sizeof *out);
    if (!tr->npmarks || strcmp(mv_trace_allocator(tr), "pymalloc") != 0)
        return MV_EINVAL;
    mv_status rc = MV_ENOMEM;
    mv_map at;
    mv_map_init(&at);
    mv_pool_change *cur = NULL;
    uint32_t ncur = 0, capcur = 0;
    /* every pool's latest change up to `step`, applied in order */
    for (uint32_t m = 0; m < tr->npmarks && tr->pmarks[m].step <= step; m++) {
        const mv_pool_mark *mk = &tr->pmarks[m];
        for (uint32_t i = mk->first; i < mk->first + mk->n; i++) {
            const mv_pool_change *c = &tr->pchanges[i];
            uint64_t *v = mv_map_get(&at, c->addr);
            if (v) {
                cur[*v - 1] = *c;
                continue;
            }
            if (!grow((void **)&cur, &capcur, ncur + 1, sizeof *cur) ||
                mv_map_put(&at, c->addr, (uint64_t)ncur + 1) != MV_OK)
                goto out;
            cur[ncur++] = *c;
        }
    }
    /* the pools in use, by address: an arena's pools are contiguous */
    uint32_t n = 0;
    for (uint32_t i = 0; i < ncur; i++)
        if (cur[i].size_class)
            cur[n++] = cur[i];
    qsort(cur, n, sizeof *cur, cmp_change_addr);
    uint32_t narenas = 0;
    for (uint32_t i = 0; i < n; i++)
        narenas += !i || cur[i].arena_addr != cur[i - 1].arena_addr;
    out->step = step;
    out->pools = mv_calloc(n ? n : 1, sizeof *out->pools);
    out->arenas = mv_calloc(narenas ? narenas : 1, sizeof *out->arenas);
    if (!out->pools || !out->arenas) {
        mv_pool_snap_release(out);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        const mv_pool_change *c = &cur[i];
        if (!i || c->arena_addr != cur[i - 1].arena_addr) {
            uint64_t first = (c->arena_addr + PT_POOL_SIZE - 1) & ~(uint64_t)(PT_POOL_SIZE - 1);
            uint32_t total = (uint32_t)((c->arena_addr + PT_ARENA_SIZE - first) / PT_POOL_SIZE);
            out->arenas[out->narenas++] = (mv_arena_rec){c->arena_addr, c->arena, total, i, 0};
        }
        out->arenas[out->narenas - 1].npools++;
        uint32_t blocks = (PT_POOL_SIZE - PT_POOL_OVERHEAD) / c->size_class;
        out->pools[out->npools++] =
            (mv_pool_rec){c->addr, c->size_class, blocks, c->used, c->free, c->never};
    }
    rc = MV_OK;
out:
    mv_free(cur);
    mv_map_release(&at);
    return rc;
}

/* Event records. One byte: kind | cause << 2 | REF (a shown object) |
 * LAST (a name) | BY; refs as deltas from the step's last NEW ref (the
 * decoder knows it at this point), which keeps them to a byte or two. */
enum { EV_REF = 1 << 4, EV_LAST = 1 << 5, EV_BY = 1 << 6 };

static void
encode_events(mv_trace *tr, mv_buf *s)
{
    int64_t base = tr->last_new_ref;
    size_t room = 1 + MV_UV_MAX;
    for (uint32_t i = 0; i < tr->nevs; i++)
        room += 2 + 6 * MV_UV_MAX +
                (tr->evs[i].kind == MV_MEV_GC ? (size_t)tr->evs[i].nfreed * MV_UV_MAX : 0);
    unsigned char *p = mv_buf_room(s, room);
    if (!p)
        return;
    *p++ = T_EVENTS;
    p = mv_put_uv(p, tr->nevs);
    for (uint32_t i = 0; i < tr->nevs; i++) {
        const mv_mevent *e = &tr->evs[i];
        if (e->kind == MV_MEV_GC) {
            *p++ = (unsigned char)(MV_MEV_GC | (e->automatic ? EV_REF : 0));
            *p++ = e->generation;
            p = mv_put_uv(p, e->collected);
            p = mv_put_uv(p, e->uncollectable);
            p = mv_put_uv(p, e->duration_ns);
            uint32_t first = (uint32_t)(uintptr_t)e->freed;
            p = mv_put_uv(p, e->nfreed);
            for (uint32_t k = 0; k < e->nfreed; k++)
                p = mv_put_sv(p, (int64_t)tr->evrefs[first + k] - base);
            continue;
        }
        int tag = e->kind | e->cause << 2 | (e->ref ? EV_REF : 0) |
                  (e->last != UINT32_MAX ? EV_LAST : 0) | (e->by ? EV_BY : 0);
        *p++ = (unsigned char)tag;
        p = mv_put_uv(p, e->type);
        p = mv_put_uv(p, e->bytes);
        if (!e->ref) {
            p = mv_put_uv(p, e->count);
            continue;
        }
        p = mv_put_sv(p, (int64_t)e->ref - base);
        if (e->kind == MV_MEV_ALLOC)
            p = mv_put_uv(p, e->size);
        if (e->cause == MV_FREE_GC)
            *p++ = e->generation;
        if (e->by)
            p = mv_put_sv(p, (int64_t)e->by - base);
        if (e->last != UINT32_MAX)
            p = mv_put_uv(p, e->last);
    }
    mv_buf_commit(s, p);
}

/* ------------------------------------------------------------------ */
/* reading */

typedef struct dobj {
    uint32_t ref;
    uint64_t addr;
    uint64_t ver_off;
    int64_t refcount;
} dobj;

typedef struct dec {
    const mv_trace *tr;
    const unsigned char *base, *p, *end;
    uint32_t step; /* last step applied */
    rframe *frames;
    uint32_t nframes, capframes;
    dobj *objs;        /* dense, order arbitrary */
    uint32_t nobjs, capobjs;
    mv_map index;      /* ref -> position in objs + 1 */
    size_t stdout_len;
    bool truncated;
    uint32_t frames_hidden;
    bool ok;
    bool nomem;        /* a failure was out of memory, not bad input */
    uint32_t last_new_ref;
    uint64_t last_new_addr;
    /* per-step change lists, for the iterator */
    uint32_t *changed; /* positions in objs whose content changed */
    uint32_t nchanged, capchanged;
    uint32_t *rcref;
    int64_t *rcval;
    uint32_t nrc, caprc, caprcv;
    uint32_t *drops;
    uint32_t ndrops, capdrops;
    bool frames_changed;
    mv_event ev;
    uint32_t file, line;
    /* memory: this step's events (GC `freed` are offsets into evrefs) and
     * the live totals */
    mv_mevent *evs;
    uint32_t nevs, capevs;
    uint32_t *evrefs;
    uint32_t nevrefs, capevrefs;
    mv_memtype *mt;
    uint32_t nmt, capmt, mthint;
    mv_map mtmap;
    bool mem_changed;
} dec;

static bool
dgrow(dec *d, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (grow(p, cap, need, elem))
        return true;
    d->nomem = true;
    return false;
}

static mv_status
dec_status(const dec *d)
{
    return d->nomem ? MV_ENOMEM : MV_EFORMAT;
}

static bool
rd(dec *d, uint64_t *v)
{
    if (!mv_read_uv(&d->p, d->end, v)) {
        *v = 0;
        return d->ok = false;
    }
    return true;
}

static uint32_t
rd32(dec *d)
{
    uint64_t v = 0;
    rd(d, &v);
    return (uint32_t)v;
}

static int64_t
rds(dec *d)
{
    uint64_t v = 0;
    rd(d, &v);
    return mv_unzigzag(v);
}

static int
rdbyte(dec *d)
{
    if (d->p >= d->end) {
        d->ok = false;
        return 0;
    }
    return *d->p++;
}

static void
dec_release(dec *d)
{
    free_frames(d->frames, d->capframes);
    mv_free(d->frames);
    mv_free(d->objs);
    mv_map_release(&d->index);
    mv_free(d->changed);
    mv_free(d->rcref);
    mv_free(d->rcval);
    mv_free(d->drops);
    mv_free(d->evs);
    mv_free(d->evrefs);
    mv_free(d->mt);
    mv_map_release(&d->mtmap);
}

static bool
dec_frames_reserve(dec *d, uint32_t n)
{
    uint32_t old = d->capframes;
    if (!dgrow(d, (void **)&d->frames, &d->capframes, n, sizeof *d->frames))
        return false;
    if (d->capframes > old)
        memset(d->frames + old, 0, (d->capframes - old) * sizeof *d->frames);
    return true;
}

static bool
dec_read_locals(dec *d, rframe *f)
{
    uint32_t n = rd32(d);
    if (!d->ok || n > (uint32_t)(d->end - d->p))
        return d->ok = false;
    if (!dgrow(d, (void **)&f->locals, &f->caplocals, n, sizeof *f->locals))
        return d->ok = false;
    f->nlocals = n;
    for (uint32_t k = 0; k < n; k++) {
        f->locals[k].name = rd32(d);
        f->locals[k].ref = rd32(d);
    }
    return d->ok;
}

static bool
dec_set_obj(dec *d, uint32_t ref, uint64_t addr, uint64_t off, int64_t rc, bool content)
{
    uint64_t *v = mv_map_get(&d->index, ref);
    uint32_t pos;
    if (v) {
        pos = (uint32_t)(*v - 1);
    } else {
        if (!dgrow(d, (void **)&d->objs, &d->capobjs, d->nobjs + 1, sizeof *d->objs) ||
            mv_map_put(&d->index, ref, (uint64_t)d->nobjs + 1) != MV_OK) {
            d->nomem = true;
            return d->ok = false;
        }
        pos = d->nobjs++;
        d->objs[pos].ref = ref;
        d->objs[pos].addr = addr;
    }
    dobj *o = &d->objs[pos];
    if (addr)
        o->addr = addr;
    if (off != UINT64_MAX)
        o->ver_off = off;
    o->refcount = rc;
    if (content) {
        if (!dgrow(d, (void **)&d->changed, &d->capchanged, d->nchanged + 1, sizeof *d->changed))
            return d->ok = false;
        d->changed[d->nchanged++] = pos;
    }
    return true;
}

static void
dec_drop(dec *d, uint32_t ref)
{
    uint64_t *v = mv_map_get(&d->index, ref);
    if (!v)
        return;
    uint32_t pos = (uint32_t)(*v - 1);
    mv_map_del(&d->index, ref);
    uint32_t last = d->nobjs - 1;
    if (pos != last) {
        d->objs[pos] = d->objs[last];
        uint64_t *w = mv_map_get(&d->index, d->objs[pos].ref);
        if (w)
            *w = (uint64_t)pos + 1;
    }
    d->nobjs--;
}

/* Skip the content of an object record (after its refcount). */
static void
skip_content(dec *d)
{
    uint64_t v;
    rd(d, &v);       /* type */
    rdbyte(d);       /* kind */
    int flags = rdbyte(d);
    rd(d, &v);       /* size */
    rd(d, &v);       /* value length + 1 */
    if (v) {
        if (v - 1 > (uint64_t)(d->end - d->p)) {
            d->ok = false;
            return;
        }
        d->p += v - 1;
    }
    if (flags & MV_OF_CUT)
        rd(d, &v);
    uint64_t n = 0;
    rd(d, &n);
    for (uint64_t k = 0; k < n && d->ok; k++)
        rd(d, &v);
    rd(d, &v);       /* hidden */
    int bk = rdbyte(d) & 3;
    for (int k = bk == MV_BLOCK_POOL ? 2 : bk == MV_BLOCK_MALLOC ? 1 : 0; k > 0; k--)
        rd(d, &v);
}

/* Load the KEY record at off into d (replacing everything). */
static bool
dec_load_key(dec *d, uint64_t off)
{
    d->p = d->base + off;
    if (rdbyte(d) != T_KEY)
        return d->ok = false;
    d->step = rd32(d);
    d->ev = (mv_event)rdbyte(d);
    d->file = rd32(d);
    d->line = rd32(d);
    uint32_t nf = rd32(d);
    if (!d->ok || !dec_frames_reserve(d, nf))
        return d->ok = false;
    d->nframes = nf;
    for (uint32_t i = 0; i < nf && d->ok; i++) {
        rframe *f = &d->frames[i];
        uint64_t serial;
        rd(d, &serial);
        f->serial = serial;
        f->function = rd32(d);
        f->file = rd32(d);
        f->line = rd32(d);
        dec_read_locals(d, f);
    }
    mv_map_clear(&d->index);
    d->nobjs = 0;
    uint32_t n = rd32(d);
    for (uint32_t i = 0; i < n && d->ok; i++) {
        uint32_t ref = rd32(d);
        uint64_t addr, off2;
        rd(d, &addr);
        rd(d, &off2);
        int64_t rc = rds(d);
        dec_set_obj(d, ref, addr, off2, rc, false);
    }
    uint64_t so, lr, la;
    rd(d, &so);
    d->stdout_len = so;
    {
        uint64_t tv;
        rd(d, &tv);
        d->truncated = (tv & 1) != 0;
        d->frames_hidden = (uint32_t)(tv >> 1);
    }
    rd(d, &lr);
    rd(d, &la);
    d->last_new_ref = (uint32_t)lr;
    d->last_new_addr = la;
    uint32_t nm = rd32(d);
    if (!d->ok || nm > (uint32_t)(d->end - d->p) ||
        !dgrow(d, (void **)&d->mt, &d->capmt, nm, sizeof *d->mt))
        return d->ok = false;
    mv_map_clear(&d->mtmap);
    d->nmt = 0;
    for (uint32_t i = 0; i < nm && d->ok; i++) {
        mv_memtype m;
        m.type = rd32(d);
        rd(d, &m.blocks);
        rd(d, &m.bytes);
        if (mv_map_put(&d->mtmap, (uint64_t)m.type + 1, (uint64_t)d->nmt + 1) != MV_OK) {
            d->nomem = true;
            return d->ok = false;
        }
        d->mt[d->nmt++] = m;
    }
    return d->ok;
}

/* Step over a KEY record: it equals the state the decoder already has. */
static bool
skip_key(dec *d)
{
    uint64_t v;
    d->p++;
    rd(d, &v);
    rdbyte(d);
    rd(d, &v);
    rd(d, &v);
    uint32_t nf = rd32(d);
    for (uint32_t i = 0; i < nf && d->ok; i++) {
        for (int k = 0; k < 4; k++)
            rd(d, &v);
        uint32_t nl = rd32(d);
        for (uint32_t k = 0; k < nl && d->ok; k++) {
            rd(d, &v);
            rd(d, &v);
        }
    }
    uint32_t n = rd32(d);
    for (uint32_t i = 0; i < n && d->ok; i++)
        for (int k = 0; k < 4; k++)
            rd(d, &v);
    rd(d, &v);
    rd(d, &v); /* frames hidden << 1 | truncated */
    rd(d, &v);
    rd(d, &v);
    uint32_t nm = rd32(d);
    for (uint32_t i = 0; i < nm && d->ok; i++)
        for (int k = 0; k < 3; k++)
            rd(d, &v);
    return d->ok;
}

/* Read a T_EVENTS record (after its tag) and apply it to the totals. */
static bool
dec_events(dec *d)
{
    uint32_t n = rd32(d);
    if (!d->ok || n > (uint32_t)(d->end - d->p) ||
        !dgrow(d, (void **)&d->evs, &d->capevs, n, sizeof *d->evs))
        return d->ok = false;
    d->nevs = 0;
    d->nevrefs = 0;
    int64_t base = d->last_new_ref;
    /* the totals before this step, of the types it touches: memory_changed
     * only when they differ after it (an int freed, an int allocated: no) */
    enum { MAXT = 32 };
    mv_memtype before[MAXT];
    uint32_t nbefore = 0;
    bool overflow = false;
    for (uint32_t i = 0; i < n && d->ok; i++) {
        mv_mevent *e = &d->evs[d->nevs++];
        memset(e, 0, sizeof *e);
        e->last = UINT32_MAX;
        int tag = rdbyte(d);
        e->kind = (uint8_t)(tag & 3);
        if (e->kind == MV_MEV_GC) {
            e->automatic = (tag & EV_REF) != 0;
            e->generation = (uint8_t)rdbyte(d);
            rd(d, &e->collected);
            rd(d, &e->uncollectable);
            rd(d, &e->duration_ns);
            uint32_t nf = rd32(d);
            if (!d->ok || nf > (uint32_t)(d->end - d->p) ||
                !dgrow(d, (void **)&d->evrefs, &d->capevrefs, d->nevrefs + nf,
                       sizeof *d->evrefs))
                return d->ok = false;
            e->nfreed = nf;
            e->freed = (const uint32_t *)(uintptr_t)d->nevrefs;
            for (uint32_t k = 0; k < nf; k++)
                d->evrefs[d->nevrefs++] = (uint32_t)(base + rds(d));
            continue;
        }
        if (e->kind != MV_MEV_ALLOC && e->kind != MV_MEV_FREE)
            return d->ok = false;
        e->cause = (uint8_t)((tag >> 2) & 3);
        e->type = rd32(d);
        rd(d, &e->bytes);
        if (tag & EV_REF) {
            e->count = 1;
            e->ref = (uint32_t)(base + rds(d));
            if (e->kind == MV_MEV_ALLOC)
                rd(d, &e->size);
            if (e->cause == MV_FREE_GC)
                e->generation = (uint8_t)rdbyte(d);
            if (tag & EV_BY)
                e->by = (uint32_t)(base + rds(d));
            if (tag & EV_LAST)
                e->last = rd32(d);
        } else {
            e->count = rd32(d);
        }
        if (e->bytes) {
            uint64_t *v = mv_map_get(&d->mtmap, (uint64_t)e->type + 1);
            bool seen = false;
            for (uint32_t k = 0; k < nbefore; k++)
                seen |= before[k].type == e->type;
            if (!seen && nbefore < MAXT)
                before[nbefore++] = v ? d->mt[*v - 1] : (mv_memtype){e->type, 0, 0};
            else if (!seen)
                overflow = true;
            int64_t sign = e->kind == MV_MEV_ALLOC ? 1 : -1;
            bool nomem = false;
            mt_apply(&d->mt, &d->nmt, &d->capmt, &d->mtmap, &d->mthint, e->type,
                     sign * (int64_t)e->count,
                     sign * (int64_t)e->bytes, &nomem);
            if (nomem) {
                d->nomem = true;
                return d->ok = false;
            }
        }
    }
    for (uint32_t k = 0; k < nbefore && !overflow; k++) {
        uint64_t *v = mv_map_get(&d->mtmap, (uint64_t)before[k].type + 1);
        const mv_memtype *now = v ? &d->mt[*v - 1] : NULL;
        if (!now || now->blocks != before[k].blocks || now->bytes != before[k].bytes)
            d->mem_changed = true;
    }
    if (overflow)
        d->mem_changed = true;
    return d->ok;
}

/* Apply the next STEP record (skipping KEY records before it). */
static bool
dec_next_step(dec *d)
{
    d->nchanged = d->nrc = d->ndrops = 0;
    d->nevs = d->nevrefs = 0;
    d->mem_changed = false;
    int tag;
    for (;;) {
        if (d->p >= d->end)
            return d->ok = false;
        tag = *d->p;
        if (tag != T_KEY)
            break;
        if (!skip_key(d))
            return false;
    }
    if (rdbyte(d) != T_STEP)
        return d->ok = false;
    d->ev = (mv_event)rdbyte(d);
    d->file = rd32(d);
    d->line = rd32(d);
    d->step = d->step == UINT32_MAX ? 0 : d->step + 1;
    for (;;) {
        tag = rdbyte(d);
        if (!d->ok)
            return false;
        if (tag == T_FRAMES)
            break;
        const unsigned char *rec = d->p - 1;
        if (tag == T_EVENTS) {
            if (!dec_events(d))
                return false;
            continue;
        }
        if (tag == T_NEW) {
            uint32_t ref = (uint32_t)((int64_t)d->last_new_ref + rds(d));
            uint64_t addr = d->last_new_addr + (uint64_t)rds(d);
            d->last_new_ref = ref;
            d->last_new_addr = addr;
            int64_t rc = rds(d);
            dec_set_obj(d, ref, addr, (uint64_t)(rec - d->base), rc, true);
            skip_content(d);
            continue;
        }
        if (tag == T_BACK) {
            uint32_t ref = rd32(d);
            uint64_t addr, off;
            rd(d, &addr);
            rd(d, &off);
            int64_t rc = rds(d);
            if (off >= (uint64_t)(d->end - d->base))
                return d->ok = false;
            dec_set_obj(d, ref, addr, off, rc, true);
            continue;
        }
        uint32_t ref = rd32(d);
        if (tag == T_FULL) {
            int64_t rc = rds(d);
            dec_set_obj(d, ref, 0, (uint64_t)(rec - d->base), rc, true);
            skip_content(d);
        } else if (tag == T_RC) {
            int64_t rc = rds(d);
            dec_set_obj(d, ref, 0, UINT64_MAX, rc, false);
            if (!dgrow(d, (void **)&d->rcref, &d->caprc, d->nrc + 1, sizeof *d->rcref) ||
                !dgrow(d, (void **)&d->rcval, &d->caprcv, d->nrc + 1, sizeof *d->rcval))
                return d->ok = false;
            d->rcref[d->nrc] = ref;
            d->rcval[d->nrc++] = rc;
        } else {
            return d->ok = false;
        }
    }
    uint32_t nf = rd32(d), kept = rd32(d);
    if (!d->ok || kept > nf || kept > d->nframes || !dec_frames_reserve(d, nf))
        return d->ok = false;
    d->frames_changed = nf != d->nframes || kept != nf;
    for (uint32_t i = kept; i < nf; i++) {
        uint64_t serial;
        rd(d, &serial);
        d->frames[i].serial = serial;
        d->frames[i].function = rd32(d);
        d->frames[i].file = rd32(d);
        d->frames[i].nlocals = 0;
    }
    d->nframes = nf;
    for (uint32_t i = 0; i < nf; i++) {
        uint32_t line = rd32(d);
        /* the innermost frame's line is the step's own: not a change */
        if (line != d->frames[i].line && i + 1 < nf)
            d->frames_changed = true;
        d->frames[i].line = line;
    }
    for (uint32_t i = 0; i < nf && d->ok; i++) {
        int how = rdbyte(d);
        if (how == 1) {
            d->frames_changed = true;
            dec_read_locals(d, &d->frames[i]);
        } else if (how == 2) {
            d->frames_changed = true;
            rframe *f = &d->frames[i];
            uint32_t n = rd32(d);
            for (uint32_t k = 0; k < n && d->ok; k++) {
                uint32_t at = rd32(d), ref = rd32(d);
                if (at >= f->nlocals)
                    return d->ok = false;
                f->locals[at].ref = ref;
            }
        }
    }
    uint32_t nd = rd32(d);
    if (!d->ok || nd > (uint32_t)(d->end - d->p))
        return d->ok = false;
    if (!dgrow(d, (void **)&d->drops, &d->capdrops, nd, sizeof *d->drops))
        return d->ok = false;
    for (uint32_t i = 0; i < nd; i++) {
        d->drops[i] = rd32(d);
        dec_drop(d, d->drops[i]);
    }
    d->ndrops = nd;
    uint64_t grow_out;
    rd(d, &grow_out);
    d->stdout_len += grow_out;
    {
        uint64_t tv;
        rd(d, &tv);
        d->truncated = (tv & 1) != 0;
        d->frames_hidden = (uint32_t)(tv >> 1);
    }
    return d->ok;
}

static void
dec_init(dec *d, const mv_trace *tr)
{
    memset(d, 0, sizeof *d);
    d->tr = tr;
    size_t len = 0;
    d->step = UINT32_MAX;
    d->ok = view(tr, &d->base, &len);
    if (!d->ok) {
        d->nomem = true;
        d->base = (const unsigned char *)"";
        len = 0;
    }
    d->p = d->base;
    d->end = d->base + len;
}

/* Decode the content record at off into o; items go to *items (grown). */
static bool
read_version(const mv_trace *tr, uint64_t off, mv_object *o, uint32_t **items, size_t *nitems,
             size_t *capitems)
{
    dec d;
    dec_init(&d, tr);
    d.p = d.base + off;
    int tag = rdbyte(&d);
    if (tag != T_NEW && tag != T_FULL)
        return false;
    rd32(&d); /* ref (a delta for NEW) */
    if (tag == T_NEW)
        rds(&d); /* address delta */
    rds(&d); /* refcount: the current one comes from the decoder */
    o->type = rd32(&d);
    o->kind = (uint8_t)rdbyte(&d);
    o->flags = (uint8_t)rdbyte(&d);
    uint64_t v;
    rd(&d, &v);
    o->size = v;
    rd(&d, &v);
    if (v) {
        if (v - 1 > (uint64_t)(d.end - d.p))
            return false;
        o->value = (const char *)d.p;
        o->value_len = (uint32_t)(v - 1);
        d.p += v - 1;
    } else {
        o->value = NULL;
        o->value_len = 0;
    }
    o->length = 0;
    if (o->flags & MV_OF_CUT)
        rd(&d, &o->length);
    uint64_t n = 0;
    rd(&d, &n);
    if (!d.ok || n > (uint64_t)(d.end - d.p))
        return false;
    if (*nitems + n > *capitems) {
        size_t c = *capitems ? *capitems : 64;
        while (c < *nitems + n)
            c *= 2;
        uint32_t *q = mv_realloc(*items, c * sizeof *q);
        if (!q)
            return false;
        *items = q;
        *capitems = c;
    }
    o->nitems = (uint32_t)n;
    /* store the offset for now; pointers are fixed once items stop moving */
    o->items = (const uint32_t *)(uintptr_t)*nitems;
    for (uint64_t k = 0; k < n; k++)
        (*items)[(*nitems)++] = rd32(&d);
    rd(&d, &o->hidden);
    memset(&o->block, 0, sizeof o->block);
    int bk = rdbyte(&d);
    o->block.kind = (uint8_t)(bk & 3);
    if (o->block.kind == MV_BLOCK_POOL) {
        /* .pool is set from the address by the caller (block_pool) */
        o->block.size = (uint32_t)(bk >> 2) * 16;
        o->block.index = rd32(&d);
        o->block.arena = rd32(&d);
    } else if (o->block.kind == MV_BLOCK_MALLOC) {
        o->block.size = rd32(&d);
    }
    return d.ok;
}

static void
block_pool(mv_object *o)
{
    if (o->block.kind == MV_BLOCK_POOL)
        o->block.pool = o->addr & ~(uint64_t)16383;
}

static int
cmp_mem(const void *a, const void *b)
{
    const mv_memtype *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* Copies of the decoder's events (GC `freed` pointing into *refs) and of the
 * totals sorted by bytes descending; the caller frees the three arrays. */
static mv_status
copy_memory(const dec *d, mv_mevent **evs, uint32_t **refs, mv_memtype **mem,
            uint64_t *blocks, uint64_t *bytes)
{
    *evs = mv_malloc((d->nevs ? d->nevs : 1) * sizeof **evs);
    *refs = mv_malloc((d->nevrefs ? d->nevrefs : 1) * sizeof **refs);
    *mem = mv_malloc((d->nmt ? d->nmt : 1) * sizeof **mem);
    if (!*evs || !*refs || !*mem)
        return MV_ENOMEM;
    if (d->nevrefs)
        memcpy(*refs, d->evrefs, d->nevrefs * sizeof **refs);
    for (uint32_t i = 0; i < d->nevs; i++) {
        (*evs)[i] = d->evs[i];
        if (d->evs[i].kind == MV_MEV_GC)
            (*evs)[i].freed = *refs + (uintptr_t)d->evs[i].freed;
    }
    *blocks = *bytes = 0;
    for (uint32_t i = 0; i < d->nmt; i++) {
        (*mem)[i] = d->mt[i];
        *blocks += d->mt[i].blocks;
        *bytes += d->mt[i].bytes;
    }
    qsort(*mem, d->nmt, sizeof **mem, cmp_mem);
    return MV_OK;
}

static int
cmp_obj(const void *a, const void *b)
{
    uint32_t x = ((const mv_object *)a)->ref, y = ((const mv_object *)b)->ref;
    return x < y ? -1 : x > y;
}

/* Build an mv_state from the decoder's current state. */
static mv_status
materialize(const dec *d, mv_state *out)
{
    const mv_trace *tr = d->tr;
    memset(out, 0, sizeof *out);
    out->trace = tr;
    out->step = d->step;
    out->event = d->ev;
    out->file = d->file;
    out->line = d->line;
    out->stdout_len = d->stdout_len;
    out->truncated = d->truncated;
    out->frames_hidden = d->frames_hidden;
    size_t nloc = 0;
    for (uint32_t i = 0; i < d->nframes; i++)
        nloc += d->frames[i].nlocals;
    out->frames = mv_calloc(d->nframes ? d->nframes : 1, sizeof *out->frames);
    out->locals_mem = mv_calloc(nloc ? nloc : 1, sizeof *out->locals_mem);
    out->objects = mv_calloc(d->nobjs ? d->nobjs : 1, sizeof *out->objects);
    if (!out->frames || !out->locals_mem || !out->objects)
        goto nomem;
    out->nframes = d->nframes;
    size_t at = 0;
    for (uint32_t i = 0; i < d->nframes; i++) {
        const rframe *f = &d->frames[i];
        mv_frame *g = &out->frames[i];
        g->function = f->function;
        g->file = f->file;
        g->line = f->line;
        g->nlocals = f->nlocals;
        g->locals = out->locals_mem + at;
        if (f->nlocals)
            memcpy(out->locals_mem + at, f->locals, f->nlocals * sizeof *f->locals);
        at += f->nlocals;
    }
    size_t nitems = 0, capitems = 0;
    uint32_t *items = NULL;
    for (uint32_t i = 0; i < d->nobjs; i++) {
        mv_object *o = &out->objects[i];
        const dobj *s = &d->objs[i];
        if (!read_version(tr, s->ver_off, o, &items, &nitems, &capitems)) {
            mv_free(items);
            goto nomem;
        }
        o->ref = s->ref;
        o->addr = s->addr;
        o->refcount = s->refcount;
        block_pool(o);
    }
    out->items_mem = items;
    out->nobjects = d->nobjs;
    for (uint32_t i = 0; i < out->nobjects; i++)
        out->objects[i].items = items + (uintptr_t)out->objects[i].items;
    qsort(out->objects, out->nobjects, sizeof *out->objects, cmp_obj);
    if (copy_memory(d, &out->events, &out->evrefs_mem, &out->mem, &out->live_blocks,
                    &out->live_bytes) != MV_OK)
        goto nomem;
    out->nevents = d->nevs;
    out->nmem = d->nmt;
    return MV_OK;
nomem:
    mv_state_release(out);
    return MV_ENOMEM;
}

void
mv_state_release(mv_state *s)
{
    if (!s)
        return;
    mv_free(s->frames);
    mv_free(s->locals_mem);
    mv_free(s->objects);
    mv_free(s->items_mem);
    mv_free(s->events);
    mv_free(s->evrefs_mem);
    mv_free(s->mem);
    memset(s, 0, sizeof *s);
}

const mv_object *
mv_state_find(const mv_state *s, uint32_t ref)
{
    size_t lo = 0, hi = s->nobjects;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t r = s->objects[mid].ref;
        if (r == ref)
            return &s->objects[mid];
        if (r < ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Position d at `step`: load the nearest keyframe at or before it, then
 * apply deltas. */
static bool
dec_seek(dec *d, const mv_trace *tr, uint32_t step)
{
    if (step >= tr->nsteps)
        return false;
    /* a keyframe holds the state after its step, not the step's events: use
     * one strictly before the step */
    if (!tr->nkeys || tr->keys[0].step >= step) {
        /* no keyframe yet (the first one could not be written): replay */
        while (d->step == UINT32_MAX || d->step < step)
            if (!dec_next_step(d))
                return false;
        return true;
    }
    size_t lo = 0, hi = tr->nkeys;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tr->keys[mid].step < step)
            lo = mid;
        else
            hi = mid;
    }
    if (!dec_load_key(d, tr->keys[lo].off))
        return false;
    while (d->step < step)
        if (!dec_next_step(d))
            return false;
    return true;
}

mv_status
mv_trace_state(const mv_trace *tr, uint32_t step, mv_state *out)
{
    if (step >= tr->nsteps)
        return MV_EINVAL;
    dec d;
    dec_init(&d, tr);
    mv_status st = dec_seek(&d, tr, step) ? materialize(&d, out) : dec_status(&d);
    dec_release(&d);
    return st;
}

mv_status
mv_trace_step_info(const mv_trace *tr, uint32_t step, mv_event *ev, uint32_t *file,
                   uint32_t *line)
{
    if (step >= tr->nsteps)
        return MV_EINVAL;
    dec d;
    dec_init(&d, tr);
    mv_status st;
    if (!dec_seek(&d, tr, step)) {
        st = dec_status(&d);
    } else {
        *ev = d.ev;
        *file = d.file;
        *line = d.line;
        st = MV_OK;
    }
    dec_release(&d);
    return st;
}

uint32_t
mv_trace_find_line(const mv_trace *tr, uint32_t line)
{
    uint32_t prog = tr->program ? tr->prog_file : UINT32_MAX;
    dec d;
    dec_init(&d, tr);
    uint32_t found = UINT32_MAX;
    while (dec_next_step(&d)) {
        if (d.ev == MV_EV_LINE && d.line == line && (prog == UINT32_MAX || d.file == prog)) {
            found = d.step;
            break;
        }
    }
    dec_release(&d);
    return found;
}

/* ------------------------------------------------------------------ */
/* iterator */

struct mv_trace_iter {
    dec d;
    size_t released; /* stream position of the last view_release_below */
    mv_status status;
    mv_frame *frames;
    uint32_t capframes;
    mv_object *objs;
    uint32_t capobjs;
    uint32_t *items;
    size_t capitems;
    mv_mevent *evs;
    uint32_t *evrefs;
    mv_memtype *mem;
    uint64_t live_blocks, live_bytes;
};

mv_status
mv_trace_iter_new(const mv_trace *tr, mv_trace_iter **out)
{
    mv_trace_iter *it = mv_calloc(1, sizeof *it);
    if (!it)
        return MV_ENOMEM;
    dec_init(&it->d, tr);
    *out = it;
    return MV_OK;
}

void
mv_trace_iter_free(mv_trace_iter *it)
{
    if (!it)
        return;
    dec_release(&it->d);
    mv_free(it->frames);
    mv_free(it->objs);
    mv_free(it->items);
    mv_free(it->evs);
    mv_free(it->evrefs);
    mv_free(it->mem);
    mv_free(it);
}

mv_status
mv_trace_iter_state(const mv_trace_iter *it, mv_state *out)
{
    if (it->d.step == UINT32_MAX)
        return MV_EINVAL;
    return materialize(&it->d, out);
}

mv_status
mv_trace_iter_status(const mv_trace_iter *it)
{
    return it->status;
}

bool
mv_trace_iter_next(mv_trace_iter *it, mv_delta *out)
{
    dec *d = &it->d;
    uint32_t next = d->step == UINT32_MAX ? 0 : d->step + 1;
    if (it->status != MV_OK || next >= d->tr->nsteps)
        return false;
    if (!dec_next_step(d)) {
        it->status = dec_status(d);
        return false;
    }
    size_t pos = (size_t)(d->p - d->base);
    if (pos - it->released > (8u << 20)) {
        view_release_below(d->base, pos, d->tr);
        it->released = pos;
    }
    memset(out, 0, sizeof *out);
    out->step = d->step;
    out->event = d->ev;
    out->file = d->file;
    out->line = d->line;
    out->frames_changed = d->frames_changed || d->step == 0;
    if (!grow((void **)&it->frames, &it->capframes, d->nframes, sizeof *it->frames) ||
        !grow((void **)&it->objs, &it->capobjs, d->nchanged, sizeof *it->objs))
        goto nomem;
    for (uint32_t i = 0; i < d->nframes; i++) {
        it->frames[i] = (mv_frame){d->frames[i].function, d->frames[i].file, d->frames[i].line,
                                   d->frames[i].nlocals, d->frames[i].locals};
    }
    out->nframes = d->nframes;
    out->frames = it->frames;
    size_t nitems = 0;
    for (uint32_t i = 0; i < d->nchanged; i++) {
        const dobj *s = &d->objs[d->changed[i]];
        mv_object *o = &it->objs[i];
        if (!read_version(d->tr, s->ver_off, o, &it->items, &nitems, &it->capitems))
            goto nomem;
        o->ref = s->ref;
        o->addr = s->addr;
        o->refcount = s->refcount;
        block_pool(o);
    }
    for (uint32_t i = 0; i < d->nchanged; i++)
        it->objs[i].items = it->items + (uintptr_t)it->objs[i].items;
    out->nobjects = d->nchanged;
    out->objects = it->objs;
    out->nrc = d->nrc;
    out->rc_refs = d->rcref;
    out->rc_vals = d->rcval;
    out->ndrops = d->ndrops;
    out->drops = d->drops;
    out->stdout_len = d->stdout_len;
    out->truncated = d->truncated;
    out->frames_hidden = d->frames_hidden;
    if (d->nevs || d->mem_changed || !it->mem) {
        /* copies only when something changed: most steps of a long run have
         * no memory event */
        mv_free(it->evs);
        mv_free(it->evrefs);
        mv_free(it->mem);
        it->evs = NULL;
        it->evrefs = NULL;
        it->mem = NULL;
        if (copy_memory(d, &it->evs, &it->evrefs, &it->mem, &it->live_blocks,
                        &it->live_bytes) != MV_OK)
            goto nomem;
    }
    out->live_blocks = it->live_blocks;
    out->live_bytes = it->live_bytes;
    out->nevents = d->nevs;
    out->events = it->evs;
    out->memory_changed = d->mem_changed;
    out->nmem = d->nmt;
    out->mem = it->mem;
    return true;
nomem:
    it->status = MV_ENOMEM;
    return false;
}
