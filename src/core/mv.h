/* Internal foundation shared by every module: the counted allocator, growable
 * byte buffers, varints. No Python.h here or anywhere under src/core/.
 *
 * Allocation: all of memview's own memory goes through mv_malloc & co. They
 * count bytes, blocks and the peak, and can be told to fail (a cap on total
 * bytes, or "fail the Nth allocation") so tests can exercise every ENOMEM
 * path. They never call PyMem_*, so allocator hooks can tell memview's memory
 * from the program's. The counters are plain globals: memview records from
 * the thread that holds the GIL, and the counters are only ever touched from
 * there (the CLI and the extension never allocate from other threads). */
#ifndef MV_CORE_MV_H
#define MV_CORE_MV_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "memview/memview.h"

#if defined(__GNUC__)
#define MV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MV_UNUSED __attribute__((unused))
#else
#define MV_PRINTF(f, a)
#define MV_UNUSED
#endif

/* ---- counted allocator (alloc.c) ---- */

typedef struct mv_alloc_stats {
    size_t bytes;      /* currently allocated */
    size_t blocks;     /* currently allocated blocks */
    size_t peak;       /* highest value of bytes */
    size_t total;      /* number of successful allocations so far */
} mv_alloc_stats;

void *mv_malloc(size_t n);
void *mv_calloc(size_t count, size_t n);
void *mv_realloc(void *p, size_t n);
void mv_free(void *p);
char *mv_strdup(const char *s);
char *mv_strndup(const char *s, size_t n);

void mv_alloc_get_stats(mv_alloc_stats *out);
/* Fail every allocation once `bytes` would exceed cap (0 = no cap). */
void mv_alloc_set_cap(size_t cap);
/* Make the nth allocation from now fail (1 = the next one; 0 = never). */
void mv_alloc_fail_nth(size_t nth);

/* ---- growable byte buffer (buf.c) ----
 * A buffer starts zeroed ({0}) or via mv_buf_init, owns its memory, and is
 * always NUL-terminated when len > 0 so it can be used as a C string. Once an
 * append fails the buffer remembers it (`failed`) and later appends are
 * no-ops, so a writer can append freely and check once at the end. */
typedef mv_status (*mv_sink_fn)(void *ctx, const char *p, size_t n);

typedef struct mv_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;     /* 0 = unbounded; else appends past max set `failed` */
    bool failed;
    /* Optional sink: when set, content is handed to it in chunks of about
     * MV_BUF_CHUNK bytes as the buffer fills (call mv_buf_flush at the end),
     * so a large output never sits in memory whole. A writer using a sink
     * must not read back what it appended. */
    mv_sink_fn sink;
    void *sink_ctx;
} mv_buf;

#define MV_BUF_CHUNK (1u << 20)

void mv_buf_init(mv_buf *b);
void mv_buf_release(mv_buf *b);
void mv_buf_reset(mv_buf *b);               /* len = 0, keep memory */
bool mv_buf_reserve(mv_buf *b, size_t extra);
void mv_buf_append_slow(mv_buf *b, const void *p, size_t n);
static inline void
mv_buf_append(mv_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 <= b->cap && !b->failed && !b->max && !b->sink) {
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    mv_buf_append_slow(b, p, n);
}
void mv_buf_puts(mv_buf *b, const char *s);
void mv_buf_putc_slow(mv_buf *b, char c);
static inline void
mv_buf_putc(mv_buf *b, char c)
{
    if (b->len + 2 <= b->cap && !b->failed && (!b->max || b->len < b->max)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    mv_buf_putc_slow(b, c);
}
void mv_buf_printf(mv_buf *b, const char *fmt, ...) MV_PRINTF(2, 3);
void mv_buf_vprintf(mv_buf *b, const char *fmt, va_list ap) MV_PRINTF(2, 0);
/* Pass what the buffer holds to its sink (no-op without one). */
mv_status mv_buf_flush(mv_buf *b);
/* Hand the data to the caller (who frees it with mv_free); b is reset. */
char *mv_buf_take(mv_buf *b, size_t *len);

/* unsigned LEB128 varints and zigzag for signed values */
void mv_buf_uv_slow(mv_buf *b, uint64_t v);
static inline void
mv_buf_uv(mv_buf *b, uint64_t v)
{
    if (v < 0x80 && b->len + 2 <= b->cap && !b->failed && (!b->max || b->len < b->max)) {
        b->data[b->len++] = (char)v;
        b->data[b->len] = '\0';
        return;
    }
    mv_buf_uv_slow(b, v);
}
static inline uint64_t mv_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t mv_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }
static inline void mv_buf_sv(mv_buf *b, int64_t v) { mv_buf_uv(b, mv_zigzag(v)); }

/* Writing through a cursor, for hot encoders: mv_buf_room() makes room for up
 * to `max` bytes and returns where they go (NULL, and `failed` set, when it
 * cannot: out of memory, a cap, a sink); write with mv_put_*, then
 * mv_buf_commit() with the advanced cursor. Nothing else may touch the
 * buffer in between. One capacity check per record instead of per byte. */
unsigned char *mv_buf_room_slow(mv_buf *b, size_t max);
static inline unsigned char *
mv_buf_room(mv_buf *b, size_t max)
{
    if (b->len + max + 1 <= b->cap && !b->failed && !b->max && !b->sink)
        return (unsigned char *)b->data + b->len;
    return mv_buf_room_slow(b, max);
}
static inline void
mv_buf_commit(mv_buf *b, unsigned char *end)
{
    b->len = (size_t)(end - (unsigned char *)b->data);
    b->data[b->len] = '\0';
}
#define MV_UV_MAX 10 /* bytes of the longest varint */
static inline unsigned char *
mv_put_uv(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}
static inline unsigned char *mv_put_sv(unsigned char *p, int64_t v) { return mv_put_uv(p, mv_zigzag(v)); }
static inline unsigned char *
mv_put_bytes(unsigned char *p, const void *src, size_t n)
{
    if (n)
        memcpy(p, src, n);
    return p + n;
}

/* Read a varint at *p (bounded by end). Returns false on truncated input. */
static inline bool
mv_read_uv(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (*p < end && shift < 64) {
        unsigned char c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
        shift += 7;
    }
    return false;
}

/* ---- open-addressing hash map u64 -> u64 (map.c) ----
 * Keys are nonzero (0 marks an empty slot). Used for address -> object and
 * ref -> version lookups; deletions use backward-shift so no tombstones. */
typedef struct mv_map {
    uint64_t *keys;
    uint64_t *vals;
    size_t cap;    /* power of two */
    size_t count;
} mv_map;

void mv_map_init(mv_map *m);
void mv_map_release(mv_map *m);
void mv_map_clear(mv_map *m);
static inline size_t
mv_map_slot_(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}
/* Pointer to the value for key, or NULL. Valid until the next insert. */
static inline uint64_t *
mv_map_get(const mv_map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = mv_map_slot_(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return &m->vals[i];
        if (!m->keys[i])
            return NULL;
    }
}
/* Insert or overwrite. MV_ENOMEM if growing failed (map unchanged). */
mv_status mv_map_put(mv_map *m, uint64_t key, uint64_t val);
bool mv_map_del(mv_map *m, uint64_t key);

/* ---- whole-or-nothing file output (atomicfile.c) ----
 * Writes data to a temporary file beside path, then renames it over path.
 * On any failure the temporary is removed and path is untouched. "-" means
 * stdout. Returns MV_EIO with errno preserved. */
mv_status mv_write_file(const char *path, const void *data, size_t len);

/* The same, streamed: open a temporary beside path ("-" = stdout), write
 * any number of times (mv_outfile_write is an mv_sink_fn), then commit
 * (rename over path) or abort (remove the temporary). MV_EIO, errno kept. */
typedef struct mv_outfile {
    char *path;
    char *tmp;  /* NULL for stdout */
    int fd;
} mv_outfile;

mv_status mv_outfile_open(mv_outfile *f, const char *path);
mv_status mv_outfile_write(void *f, const char *p, size_t n);
mv_status mv_outfile_commit(mv_outfile *f);
void mv_outfile_abort(mv_outfile *f);

#endif
