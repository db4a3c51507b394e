/* Counted allocator: every byte memview allocates for itself passes here.
 * See mv.h for the contract (counters, caps, fault injection). */
#include <stdlib.h>
#include <string.h>

#include "mv.h"

/* Each block carries its size in a 16-byte header so frees can be counted
 * without malloc_usable_size (which is not portable). */
#define HDR 16

/* Protected by the GIL in every caller (see mv.h). */
static mv_alloc_stats stats;
static size_t cap_bytes;
static size_t fail_countdown;

static bool
should_fail(size_t n)
{
    if (fail_countdown && --fail_countdown == 0)
        return true;
    if (cap_bytes && stats.bytes + n > cap_bytes)
        return true;
    return n > SIZE_MAX - HDR;
}

void *
mv_malloc(size_t n)
{
    if (should_fail(n))
        return NULL;
    unsigned char *p = malloc(n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    stats.bytes += n;
    stats.blocks++;
    stats.total++;
    if (stats.bytes > stats.peak)
        stats.peak = stats.bytes;
    return p + HDR;
}

void *
mv_calloc(size_t count, size_t n)
{
    if (n && count > SIZE_MAX / n)
        return NULL;
    void *p = mv_malloc(count * n);
    if (p)
        memset(p, 0, count * n);
    return p;
}

void *
mv_realloc(void *p, size_t n)
{
    if (!p)
        return mv_malloc(n);
    unsigned char *h = (unsigned char *)p - HDR;
    size_t old;
    memcpy(&old, h, sizeof old);
    if (n > old && should_fail(n - old))
        return NULL;
    unsigned char *q = realloc(h, n + HDR);
    if (!q)
        return NULL;
    memcpy(q, &n, sizeof n);
    stats.bytes = stats.bytes - old + n;
    stats.total++;
    if (stats.bytes > stats.peak)
        stats.peak = stats.bytes;
    return q + HDR;
}

void
mv_free(void *p)
{
    if (!p)
        return;
    unsigned char *h = (unsigned char *)p - HDR;
    size_t n;
    memcpy(&n, h, sizeof n);
    stats.bytes -= n;
    stats.blocks--;
    free(h);
}

char *
mv_strndup(const char *s, size_t n)
{
    char *d = mv_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *
mv_strdup(const char *s)
{
    return mv_strndup(s, strlen(s));
}

void
mv_alloc_get_stats(mv_alloc_stats *out)
{
    *out = stats;
}

void
mv_alloc_set_cap(size_t cap)
{
    cap_bytes = cap;
}

void
mv_alloc_fail_nth(size_t nth)
{
    fail_countdown = nth;
}

const char *
mv_strerror(mv_status st)
{
    switch (st) {
    case MV_OK: return "success";
    case MV_ENOMEM: return "out of memory";
    case MV_EIO: return "input/output error";
    case MV_EPYTHON: return "Python error";
    case MV_EINVAL: return "invalid argument";
    case MV_ELIMIT: return "limit reached";
    case MV_EFORMAT: return "bad format";
    }
    return "unknown error";
}
