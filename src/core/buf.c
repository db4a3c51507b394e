/* Growable byte buffers and varints; contract in mv.h. */
#include <stdio.h>
#include <string.h>

#include "mv.h"

void
mv_buf_init(mv_buf *b)
{
    memset(b, 0, sizeof *b);
}

void
mv_buf_release(mv_buf *b)
{
    mv_free(b->data);
    size_t max = b->max;
    memset(b, 0, sizeof *b);
    b->max = max;
}

void
mv_buf_reset(mv_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

mv_status
mv_buf_flush(mv_buf *b)
{
    if (b->failed)
        return MV_EIO;
    if (!b->sink || !b->len)
        return MV_OK;
    mv_status st = b->sink(b->sink_ctx, b->data, b->len);
    if (st != MV_OK) {
        b->failed = true;
        return st;
    }
    b->len = 0;
    b->data[0] = '\0';
    return MV_OK;
}

bool
mv_buf_reserve(mv_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->sink && b->len && b->len + extra >= MV_BUF_CHUNK && mv_buf_flush(b) != MV_OK)
        return false;
    if (extra > SIZE_MAX - b->len - 1 || (b->max && b->len + extra > b->max)) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *d = mv_realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void
mv_buf_append_slow(mv_buf *b, const void *p, size_t n)
{
    if (!mv_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
mv_buf_puts(mv_buf *b, const char *s)
{
    mv_buf_append(b, s, strlen(s));
}

void
mv_buf_putc_slow(mv_buf *b, char c)
{
    if (!mv_buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void
mv_buf_vprintf(mv_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        b->failed = true;
    } else if ((size_t)n < sizeof small) {
        mv_buf_append(b, small, (size_t)n);
    } else if (mv_buf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void
mv_buf_printf(mv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mv_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *
mv_buf_take(mv_buf *b, size_t *len)
{
    char *d = b->data;
    if (len)
        *len = b->len;
    if (!d)
        d = mv_calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return d;
}

void
mv_buf_uv_slow(mv_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        tmp[n++] = c | (v ? 0x80 : 0);
    } while (v);
    mv_buf_append(b, tmp, n);
}

unsigned char *
mv_buf_room_slow(mv_buf *b, size_t max)
{
    /* a sink would have to be flushed mid-record: cursor writers do not use one */
    if (b->sink || !mv_buf_reserve(b, max)) {
        b->failed = true;
        return NULL;
    }
    return (unsigned char *)b->data + b->len;
}
