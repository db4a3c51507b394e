/* Terminal renderer: the memory picture of one step as text, for a learner
 * asking "is this a copy or an alias?". Contract in render.h; the model it
 * reads is core/trace.h (mv_state).
 *
 * The picture. A header (step, event, place, Python version) and the source
 * line about to run; the frames, outermost first, each name drawn as
 * `name ──→ #ref summary`, so two names holding one object show the same
 * #ref; then every object once, by ref: `#ref type [value]  refs N  S B`,
 * a line saying which references of the picture hold it ("held by x, #3[0]
 * + 1 reference outside the picture"), and, for containers, one line per
 * element, entry or attribute.
 *
 * Program text is hostile. Values, names, type names, file names and source
 * lines all come from the program, and may hold ESC, CR, bidi overrides, lone
 * surrogates or invalid UTF-8. Every such string passes through mv_vis_unit(), which
 * lets a code point through only when it is printable and otherwise writes a
 * Python-style escape (\x1b, \r, \u202e, \udc80), so the only control bytes
 * in the output are our own newlines and, with colour on, our own SGR codes.
 *
 * Width. Lines are built in place at the end of `out`; put() counts display
 * columns as it goes (a code point is one column, East Asian wide and emoji
 * two) and remembers the last offset that still fits in width - 1 columns.
 * If the line overflows, line_end() cuts it there and appends "…", so no
 * line is ever wider than the width, whatever the program held. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "../core/vis.h"

#define DEFAULT_WIDTH 80u
#define MIN_WIDTH 20u
#define PREVIEW_COLS 24u /* columns of a value shown inside a summary */
#define NAME_PAD_MAX 16u /* names are aligned on their arrows up to this width */
#define NAME_MAX_COLS 32u /* a longer name (or attribute name) is cut */
#define TYPE_MAX_COLS 40u /* a longer type name is cut */

/* SGR parameters: subtle, and never the only carrier of meaning. */
#define C_RESET "0"
#define C_BOLD "1"
#define C_META "2"
#define C_TYPE "32"
#define C_NAME "33"
#define C_REF "36"

typedef struct tw {
    mv_buf *out;
    const mv_state *st;
    unsigned width;
    bool color, address;
    size_t fit;    /* end of the line's content that fits in width - 1 columns */
    unsigned cols; /* display columns written on the current line */
    bool over;     /* the current line overflowed: cut at fit on line_end() */
    /* who holds each object (objects[i]'s holders: hold[hfirst[i] .. hfirst[i + 1])),
     * or NULL when the index could not be built */
    struct holder *hold;
    uint32_t *hfirst;
} tw;

/* One reference to an object found in the state itself. */
enum { H_NAME, H_ITEM, H_KEY, H_VALUE, H_ATTR, H_MEMBER };
typedef struct holder {
    uint8_t kind;
    uint32_t a; /* NAME: frame index; else the holder's ref */
    uint32_t b; /* NAME/ATTR: the name's string id; ITEM: index; VALUE: the key's ref */
} holder;

/* How program text is escaped. */
typedef mv_vis_mode esc_mode;

/* ------------------------------------------------------------------ */
/* UTF-8 */

/* Decode one code point, accepting WTF-8 surrogates (ED A0..BF xx). Returns
 * the bytes used (>= 1 when n >= 1); *cp = -1 for an invalid byte. */
/* Display columns of program text once escaped. */
static size_t
text_cols(const char *s, size_t n, esc_mode mode, char quote)
{
    size_t cols = 0, i = 0;
    while (i < n) {
        char u[16];
        size_t used;
        unsigned w;
        mv_vis_unit(s + i, n - i, mode, quote, u, &used, &w);
        cols += w;
        i += used;
    }
    return cols;
}

/* Python's choice of quote for a str repr. */
static char
pick_quote(const char *s, size_t n)
{
    return memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
}

/* ------------------------------------------------------------------ */
/* lines */

static void
line_begin(tw *w)
{
    w->fit = w->out->len;
    w->cols = 0;
    w->over = false;
}

/* Append text that is safe to print (ours, or escaped program text),
 * counting its columns. */
static void
put_n(tw *w, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !w->over) {
        int32_t cp;
        size_t k = mv_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        unsigned cw = cp < 0 ? 1 : mv_vis_cp_width(cp);
        if (w->cols + cw > w->width) {
            w->over = true;
            break;
        }
        mv_buf_append(w->out, s + i, k);
        w->cols += cw;
        if (w->cols < w->width)
            w->fit = w->out->len;
        i += k;
    }
}

static void
put(tw *w, const char *s)
{
    put_n(w, s, strlen(s));
}

static void MV_PRINTF(2, 3)
putf(tw *w, const char *fmt, ...)
{
    char tmp[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void
spaces(tw *w, size_t n)
{
    while (n-- > 0)
        put_n(w, " ", 1);
}

/* Start an SGR colour (zero columns). */
static void
sgr(tw *w, const char *code)
{
    if (!w->color || w->over)
        return;
    mv_buf_puts(w->out, "\x1b[");
    mv_buf_puts(w->out, code);
    mv_buf_putc(w->out, 'm');
}

static void
line_end(tw *w)
{
    mv_buf *b = w->out;
    if (w->over) {
        if (!b->failed && w->fit <= b->len) {
            b->len = w->fit;
            if (b->data)
                b->data[b->len] = '\0';
        }
        mv_buf_puts(b, "…");
        if (w->color)
            mv_buf_puts(b, "\x1b[" C_RESET "m");
    }
    mv_buf_putc(b, '\n');
    w->over = false;
}

/* Append program text, escaped. At most max columns of it are written;
 * returns true if it did not all fit (nothing marks the cut: the caller
 * does). */
static bool
put_prog(tw *w, const char *s, size_t n, esc_mode mode, char quote, size_t max)
{
    size_t cols = 0, i = 0;
    while (i < n) {
        char u[16];
        size_t used;
        unsigned uw;
        if (w->over)
            return true; /* the line is cut anyway: skip the rest */
        size_t len = mv_vis_unit(s + i, n - i, mode, quote, u, &used, &uw);
        if (cols + uw > max)
            return true;
        put_n(w, u, len);
        cols += uw;
        i += used;
    }
    return false;
}

/* Program text escaped, cut to max columns with a trailing "…". */
static void
put_prog_cut(tw *w, const char *s, size_t n, esc_mode mode, size_t max)
{
    if (text_cols(s, n, mode, 0) <= max) {
        put_prog(w, s, n, mode, 0, SIZE_MAX);
        return;
    }
    put_prog(w, s, n, mode, 0, max ? max - 1 : 0);
    put(w, "…");
}

static const char *
str_of(const tw *w, uint32_t id, size_t *len)
{
    const char *s = mv_trace_str(w->st->trace, id, len);
    if (!s) {
        *len = 0;
        return "";
    }
    return s;
}

/* ------------------------------------------------------------------ */
/* pieces of the picture */

static void
put_ref(tw *w, uint32_t ref)
{
    sgr(w, C_REF);
    putf(w, "#%" PRIu32, ref);
    sgr(w, C_RESET);
}

static void
put_name(tw *w, uint32_t id, size_t pad)
{
    size_t len;
    const char *s = str_of(w, id, &len);
    size_t cols = text_cols(s, len, MV_VIS_PLAIN, 0);
    sgr(w, C_NAME);
    put_prog_cut(w, s, len, MV_VIS_PLAIN, NAME_MAX_COLS);
    sgr(w, C_RESET);
    if (cols < pad)
        spaces(w, pad - cols);
}

static size_t
name_cols(const tw *w, uint32_t id)
{
    size_t len;
    const char *s = str_of(w, id, &len);
    size_t cols = text_cols(s, len, MV_VIS_PLAIN, 0);
    return cols < NAME_PAD_MAX ? cols : NAME_PAD_MAX;
}

static void
put_type(tw *w, const mv_object *o)
{
    size_t len;
    const char *s = str_of(w, o->type, &len);
    sgr(w, C_TYPE);
    if (len)
        put_prog_cut(w, s, len, MV_VIS_PLAIN, TYPE_MAX_COLS);
    else
        put(w, mv_kind_name((mv_kind)o->kind));
    sgr(w, C_RESET);
}

/* Does the object show a value after its type? */
static bool
shows_value(const mv_object *o)
{
    mv_kind k = (mv_kind)o->kind;
    return o->value && k != MV_K_NONE && k != MV_K_OPAQUE && k != MV_K_INSTANCE &&
           !mv_kind_is_seq(k) && k != MV_K_DICT;
}

/* Columns of the value as put_value(…, SIZE_MAX) writes it. */
static size_t
value_cols(const mv_object *o)
{
    size_t cols;
    if (o->kind == MV_K_STR) {
        char q = pick_quote(o->value, o->value_len);
        cols = 2 + text_cols(o->value, o->value_len, MV_VIS_STR, q);
    } else {
        cols = text_cols(o->value, o->value_len, MV_VIS_PLAIN, 0);
    }
    return cols + ((o->flags & MV_OF_CUT) ? 1 : 0);
}

/* The value, escaped (str quoted), in at most max columns: a value cut by
 * the recorder or by max ends in "…" (after the closing quote for a str). */
static void
put_value(tw *w, const mv_object *o, size_t max)
{
    bool str = o->kind == MV_K_STR;
    bool fits = value_cols(o) <= max;
    size_t marks = str ? 3 : 1; /* quotes and "…" when it does not fit */
    size_t room = fits ? SIZE_MAX : max > marks ? max - marks : 0;
    char q[2] = {str ? pick_quote(o->value, o->value_len) : 0, 0};
    if (str)
        put(w, q);
    put_prog(w, o->value, o->value_len, str ? MV_VIS_STR : MV_VIS_PLAIN, q[0], room);
    if (str)
        put(w, q);
    if (!fits || (o->flags & MV_OF_CUT))
        put(w, "…");
}

static uint64_t
count_of(const mv_object *o)
{
    uint64_t n = o->kind == MV_K_DICT ? o->nitems / 2 : o->nitems;
    return n + o->hidden;
}

/* What an object is, as one phrase: "int 1", "list len 2", "Node object",
 * "function f(a, b)", "None". maxval bounds the value's columns. */
static void
put_desc(tw *w, const mv_object *o, size_t maxval)
{
    mv_kind k = (mv_kind)o->kind;
    if (k == MV_K_NONE) {
        put(w, "None");
        return;
    }
    put_type(w, o);
    if (mv_kind_is_seq(k) || k == MV_K_DICT) {
        putf(w, " len %" PRIu64, count_of(o));
    } else if (k == MV_K_INSTANCE || k == MV_K_OPAQUE) {
        put(w, " object");
    } else if (shows_value(o)) {
        put(w, " ");
        put_value(w, o, maxval);
    }
}

/* "#4 int 1": where a name, element or entry points. */
static void
put_target(tw *w, uint32_t ref)
{
    put_ref(w, ref);
    put(w, " ");
    const mv_object *o = mv_state_find(w->st, ref);
    if (!o) {
        sgr(w, C_META);
        put(w, "(not recorded)");
        sgr(w, C_RESET);
        return;
    }
    put_desc(w, o, PREVIEW_COLS);
}

/* Characters of a str value: code points, a WTF-8 surrogate counting one. */
static uint64_t
str_chars(const mv_object *o)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < o->value_len; i++)
        n += ((unsigned char)o->value[i] & 0xc0) != 0x80;
    return n;
}

/* "  len 5000  refs 2  72 B  unreachable  id 0x7f…" (ASCII, so bytes = columns). The
 * length shows for a value the recorder cut (its full length) and, when
 * with_len, for a str (whose line may be cut at the width). */
static size_t
meta_text(const tw *w, const mv_object *o, bool with_len, char *buf, size_t cap)
{
    size_t n = 0;
    int r;
    if (o->flags & MV_OF_CUT) {
        r = o->kind == MV_K_INT ? snprintf(buf, cap, "  %" PRIu64 " digits", o->length)
                                : snprintf(buf, cap, "  len %" PRIu64, o->length);
        n += r > 0 ? (size_t)r : 0;
    } else if (with_len && o->kind == MV_K_STR) {
        r = snprintf(buf, cap, "  len %" PRIu64, str_chars(o));
        n += r > 0 ? (size_t)r : 0;
    }
    if (o->flags & MV_OF_IMMORTAL)
        r = snprintf(buf + n, cap - n, "  immortal");
    else
        r = snprintf(buf + n, cap - n, "  refs %" PRId64, o->refcount);
    n += r > 0 ? (size_t)r : 0;
    r = snprintf(buf + n, cap - n, "  %" PRIu64 " B", o->size);
    n += r > 0 ? (size_t)r : 0;
    if (o->flags & MV_OF_UNREACHABLE) {
        r = snprintf(buf + n, cap - n, "  unreachable");
        n += r > 0 ? (size_t)r : 0;
    }
    if (w->address) {
        r = snprintf(buf + n, cap - n, "  id 0x%" PRIx64, o->addr);
        n += r > 0 ? (size_t)r : 0;
    }
    return n < cap ? n : cap - 1;
}

/* ------------------------------------------------------------------ */
/* sections */

static void
put_header(tw *w)
{
    const mv_state *st = w->st;
    uint32_t total = mv_trace_nsteps(st->trace);
    size_t flen;
    const char *file = str_of(w, st->file, &flen);

    line_begin(w);
    sgr(w, C_BOLD);
    if (total > st->step)
        putf(w, "step %" PRIu32 "/%" PRIu32, st->step, total);
    else
        putf(w, "step %" PRIu32, st->step);
    sgr(w, C_RESET);
    put(w, " · ");
    put(w, mv_event_name(st->event));
    put(w, " · ");
    put_prog(w, file, flen, MV_VIS_PLAIN, 0, SIZE_MAX);
    putf(w, ":%" PRIu32, st->line);
    const char *py = mv_trace_python(st->trace);
    if (py && *py) {
        put(w, " · Python ");
        put_prog(w, py, strlen(py), MV_VIS_PLAIN, 0, SIZE_MAX);
    }
    line_end(w);

    /* the source line about to run */
    uint32_t nsrc = mv_trace_nsources(st->trace);
    for (uint32_t i = 0; i < nsrc; i++) {
        uint32_t fid;
        size_t len;
        const char *text = mv_trace_source(st->trace, i, &fid, &len);
        if (!text || fid != st->file)
            continue;
        const char *p = text, *end = text + len;
        for (uint32_t l = 1; l < st->line && p < end; l++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        if (st->line == 0 || p >= end)
            break;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        line_begin(w);
        sgr(w, C_META);
        putf(w, "  %" PRIu32 " │", st->line);
        sgr(w, C_RESET);
        put(w, " ");
        put_prog(w, p, (size_t)(e - p), MV_VIS_SOURCE, 0, SIZE_MAX);
        line_end(w);
        break;
    }
}

static void
put_frames(tw *w)
{
    const mv_state *st = w->st;
    line_begin(w);
    sgr(w, C_BOLD);
    put(w, "Frames (outermost first)");
    sgr(w, C_RESET);
    line_end(w);
    if (!st->nframes) {
        line_begin(w);
        put(w, "  (no frames)");
        line_end(w);
    }
    for (uint32_t i = 0; i < st->nframes; i++) {
        const mv_frame *f = &st->frames[i];
        bool current = i + 1 == st->nframes;
        size_t len;
        const char *s;
        if (i == 1 && st->frames_hidden) {
            line_begin(w);
            putf(w, "  … %" PRIu32 " more frames (--max-frames) …", st->frames_hidden);
            line_end(w);
        }
        line_begin(w);
        put(w, current ? "▶ " : "  ");
        sgr(w, C_BOLD);
        s = str_of(w, f->function, &len);
        put_prog(w, s, len, MV_VIS_PLAIN, 0, SIZE_MAX);
        sgr(w, C_RESET);
        put(w, "  ");
        s = str_of(w, f->file, &len);
        /* the file's own name: the header already says where the step is */
        for (size_t k = len; k > 0; k--) {
            if (s[k - 1] == '/') {
                len -= k;
                s += k;
                break;
            }
        }
        put_prog(w, s, len, MV_VIS_PLAIN, 0, SIZE_MAX);
        putf(w, ":%" PRIu32, f->line);
        if (current)
            put(w, "  (current)");
        line_end(w);

        size_t pad = 0;
        for (uint32_t j = 0; j < f->nlocals; j++) {
            size_t c = name_cols(w, f->locals[j].name);
            if (c > pad)
                pad = c;
        }
        if (!f->nlocals) {
            line_begin(w);
            put(w, "      (no names)");
            line_end(w);
        }
        for (uint32_t j = 0; j < f->nlocals; j++) {
            line_begin(w);
            put(w, "      ");
            put_name(w, f->locals[j].name, pad);
            put(w, " ──→ ");
            put_target(w, f->locals[j].ref);
            line_end(w);
        }
    }
}

static unsigned
digits(uint64_t v)
{
    unsigned d = 1;
    for (; v >= 10; v /= 10)
        d++;
    return d;
}

/* The head line of an object and, for a value too long for it, a second
 * line holding the value alone (cut at the width). */
static void
put_object_head(tw *w, const mv_object *o)
{
    char meta[128];
    size_t mlen = meta_text(w, o, false, meta, sizeof meta);
    bool two_lines = false;
    if (shows_value(o)) {
        size_t tlen;
        const char *t = str_of(w, o->type, &tlen);
        size_t tcols = tlen ? text_cols(t, tlen, MV_VIS_PLAIN, 0)
                            : strlen(mv_kind_name((mv_kind)o->kind));
        if (tcols > TYPE_MAX_COLS)
            tcols = TYPE_MAX_COLS;
        size_t head = 2 + 1 + digits(o->ref) + 1 + tcols + 1 + value_cols(o) + mlen;
        two_lines = head > w->width;
        if (two_lines)
            mlen = meta_text(w, o, true, meta, sizeof meta);
    }
    line_begin(w);
    put(w, "  ");
    put_ref(w, o->ref);
    put(w, " ");
    if (two_lines)
        put_type(w, o);
    else
        put_desc(w, o, SIZE_MAX);
    sgr(w, C_META);
    put_n(w, meta, mlen);
    sgr(w, C_RESET);
    line_end(w);
    if (two_lines) {
        line_begin(w);
        put(w, "      ");
        put_value(w, o, SIZE_MAX);
        line_end(w);
    }
}

/* ---- who holds an object ---- */

/* Index every reference the state shows (frame names, container slots,
 * attributes) by the object it points to. Leaves w->hold NULL when out of
 * memory: the picture is then drawn without its "held by" lines. */
static void
index_holders(tw *w)
{
    const mv_state *st = w->st;
    uint32_t n = st->nobjects, total = 0;
    uint32_t *first = mv_calloc((size_t)n + 1, sizeof *first);
    if (!first)
        return;
    /* two passes over the same references: count, then place */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = pass ? mv_calloc(n ? n : 1, sizeof *fill) : NULL;
        if (pass && !fill)
            goto fail;
#define ADD(ref, k, x, y)                                                                          \
    do {                                                                                           \
        const mv_object *t_ = mv_state_find(st, (ref));                                            \
        if (!t_)                                                                                   \
            break;                                                                                 \
        uint32_t ti_ = (uint32_t)(t_ - st->objects);                                               \
        if (pass)                                                                                  \
            w->hold[first[ti_] + fill[ti_]++] = (holder){(k), (x), (y)};                           \
        else                                                                                       \
            first[ti_ + 1]++;                                                                      \
    } while (0)
        for (uint32_t f = 0; f < st->nframes; f++)
            for (uint32_t j = 0; j < st->frames[f].nlocals; j++)
                ADD(st->frames[f].locals[j].ref, H_NAME, f, st->frames[f].locals[j].name);
        for (uint32_t i = 0; i < n; i++) {
            const mv_object *o = &st->objects[i];
            mv_kind k = (mv_kind)o->kind;
            if (mv_kind_is_seq(k)) {
                bool set = k == MV_K_SET || k == MV_K_FROZENSET;
                for (uint32_t j = 0; j < o->nitems; j++)
                    ADD(o->items[j], set ? H_MEMBER : H_ITEM, o->ref, j);
            } else if (k == MV_K_DICT) {
                for (uint32_t j = 0; j + 1 < o->nitems; j += 2) {
                    ADD(o->items[j], H_KEY, o->ref, 0);
                    ADD(o->items[j + 1], H_VALUE, o->ref, o->items[j]);
                }
            } else if (mv_kind_has_attrs(k)) {
                for (uint32_t j = 0; j + 1 < o->nitems; j += 2)
                    ADD(o->items[j + 1], H_ATTR, o->ref, o->items[j]);
            }
        }
#undef ADD
        if (!pass) {
            for (uint32_t i = 0; i < n; i++)
                first[i + 1] += first[i];
            total = first[n];
            w->hold = mv_malloc((total ? total : 1) * sizeof *w->hold);
            if (!w->hold)
                goto fail;
        }
        mv_free(fill);
    }
    w->hfirst = first;
    return;
fail:
    mv_free(w->hold);
    w->hold = NULL;
    mv_free(first);
}

static void
put_holder(tw *w, const holder *h)
{
    const mv_state *st = w->st;
    switch (h->kind) {
    case H_NAME:
        put_name(w, h->b, 0);
        if (h->a + 1 != st->nframes) {
            size_t len;
            const char *fn = str_of(w, st->frames[h->a].function, &len);
            put(w, " in ");
            put_prog_cut(w, fn, len, MV_VIS_PLAIN, NAME_MAX_COLS);
        }
        break;
    case H_ITEM:
        put_ref(w, h->a);
        putf(w, "[%" PRIu32 "]", h->b);
        break;
    case H_KEY:
        put(w, "a key of ");
        put_ref(w, h->a);
        break;
    case H_MEMBER:
        put(w, "member of ");
        put_ref(w, h->a);
        break;
    case H_ATTR:
        put_ref(w, h->a);
        put(w, ".");
        put_name(w, h->b, 0);
        break;
    case H_VALUE: {
        put_ref(w, h->a);
        put(w, "[");
        const mv_object *k = mv_state_find(st, h->b);
        if (k && k->value && (k->kind == MV_K_STR || k->kind == MV_K_INT || k->kind == MV_K_BOOL))
            put_value(w, k, PREVIEW_COLS);
        else
            put_ref(w, h->b);
        put(w, "]");
        break;
    }
    }
}

#define HOLDERS_SHOWN 6

/* "      held by x, y[0] and 1 reference outside the picture": the
 * references the picture shows, and how many the count has beyond them.
 * Nothing for immortal objects (no count) or without the index. */
static void
put_holders(tw *w, const mv_object *o)
{
    if (!w->hold || (o->flags & MV_OF_IMMORTAL) || o->refcount < 0)
        return;
    uint32_t i = (uint32_t)(o - w->st->objects);
    uint32_t n = w->hfirst[i + 1] - w->hfirst[i];
    const holder *h = w->hold + w->hfirst[i];
    uint64_t outside = (uint64_t)o->refcount > n ? (uint64_t)o->refcount - n : 0;
    if (!n && !outside)
        return;
    line_begin(w);
    put(w, "      ");
    sgr(w, C_META);
    put(w, n ? "held by " : "held only by ");
    sgr(w, C_RESET);
    for (uint32_t j = 0; j < n && j < HOLDERS_SHOWN; j++) {
        if (j)
            put(w, ", ");
        put_holder(w, &h[j]);
    }
    sgr(w, C_META);
    if (n > HOLDERS_SHOWN)
        putf(w, " and %" PRIu32 " more", n - HOLDERS_SHOWN);
    if (outside)
        putf(w, "%s%" PRIu64 " reference%s outside the picture", n ? " + " : "", outside,
             outside == 1 ? "" : "s");
    sgr(w, C_RESET);
    line_end(w);
}

static void
put_object(tw *w, const mv_object *o)
{
    mv_kind k = (mv_kind)o->kind;
    put_object_head(w, o);
    put_holders(w, o);
    if (mv_kind_is_seq(k)) {
        unsigned iw = o->nitems ? digits(o->nitems - 1) : 1;
        for (uint32_t i = 0; i < o->nitems; i++) {
            line_begin(w);
            spaces(w, 6 + iw - digits(i));
            putf(w, "[%" PRIu32 "] → ", i);
            put_target(w, o->items[i]);
            line_end(w);
        }
    } else if (k == MV_K_DICT) {
        for (uint32_t i = 0; i + 1 < o->nitems; i += 2) {
            line_begin(w);
            put(w, "      ");
            put_target(w, o->items[i]);
            put(w, " → ");
            put_target(w, o->items[i + 1]);
            line_end(w);
        }
    } else if (mv_kind_has_attrs(k)) {
        size_t pad = 0;
        for (uint32_t i = 0; i + 1 < o->nitems; i += 2) {
            size_t c = name_cols(w, o->items[i]);
            if (c > pad)
                pad = c;
        }
        for (uint32_t i = 0; i + 1 < o->nitems; i += 2) {
            line_begin(w);
            put(w, "      .");
            put_name(w, o->items[i], pad);
            put(w, " → ");
            put_target(w, o->items[i + 1]);
            line_end(w);
        }
    }
    if (o->hidden) {
        line_begin(w);
        put(w, "      ");
        sgr(w, C_META);
        putf(w, "… %" PRIu64 " more", o->hidden);
        sgr(w, C_RESET);
        line_end(w);
    }
}

static void
put_objects(tw *w)
{
    const mv_state *st = w->st;
    line_begin(w);
    sgr(w, C_BOLD);
    put(w, "Objects");
    sgr(w, C_RESET);
    line_end(w);
    if (st->truncated) {
        line_begin(w);
        put(w, "  (object cap reached: some objects are not listed)");
        line_end(w);
    }
    if (!st->nobjects) {
        line_begin(w);
        put(w, "  (none)");
        line_end(w);
    }
    for (uint32_t i = 0; i < st->nobjects; i++)
        put_object(w, &st->objects[i]);
}

/* ---- memory events, in words (docs/events-format.md) ---- */

/* "list #3" */
static void
put_tref(tw *w, uint32_t type, uint32_t ref)
{
    size_t len;
    const char *s = str_of(w, type, &len);
    sgr(w, C_TYPE);
    put_prog_cut(w, s, len, MV_VIS_PLAIN, TYPE_MAX_COLS);
    sgr(w, C_RESET);
    put(w, " ");
    put_ref(w, ref);
}

static void
put_tname(tw *w, uint32_t type)
{
    size_t len;
    const char *s = str_of(w, type, &len);
    sgr(w, C_TYPE);
    put_prog_cut(w, s, len, MV_VIS_PLAIN, TYPE_MAX_COLS);
    sgr(w, C_RESET);
}

#define EVENT_LINES 12

#define UNSHOWN_TYPES 4

/* "allocated 28 blocks (1728 B) not shown:" and, on a line of its own,
 * "12 str, 8 builtin_function_or_method, 5 int, 2 bytes and 1 more type":
 * the step's blocks of one kind that no object of the picture is, biggest
 * counts first. A print() alone makes and frees a dozen types; summed up,
 * they do not bury what the step did. */
static void
put_unshown(tw *w, int kind)
{
    const mv_state *st = w->st;
    const mv_mevent *top[UNSHOWN_TYPES];
    uint32_t ntop = 0, ntypes = 0;
    uint64_t count = 0, bytes = 0;
    for (uint32_t i = 0; i < st->nevents; i++) {
        const mv_mevent *e = &st->events[i];
        if (e->kind != kind || e->ref || !e->count)
            continue;
        ntypes++;
        count += e->count;
        bytes += e->bytes;
        /* keep the UNSHOWN_TYPES biggest, in order */
        uint32_t j = ntop < UNSHOWN_TYPES ? ntop++ : UNSHOWN_TYPES;
        while (j > 0 && top[j - 1]->count < e->count) {
            if (j < UNSHOWN_TYPES)
                top[j] = top[j - 1];
            j--;
        }
        if (j < UNSHOWN_TYPES)
            top[j] = e;
    }
    if (!ntypes)
        return;
    line_begin(w);
    putf(w, "  %s ", kind == MV_MEV_ALLOC ? "allocated" : "freed");
    if (ntypes == 1) {
        putf(w, "%" PRIu64 " ", count);
        put_tname(w, top[0]->type);
        putf(w, " block%s (%" PRIu64 " B) not shown", count == 1 ? "" : "s", bytes);
    } else {
        putf(w, "%" PRIu64 " blocks (%" PRIu64 " B) not shown:", count, bytes);
        line_end(w);
        line_begin(w);
        put(w, "      ");
        for (uint32_t j = 0; j < ntop; j++) {
            putf(w, "%s%u ", j ? ", " : "", top[j]->count);
            put_tname(w, top[j]->type);
        }
        if (ntypes > ntop)
            putf(w, " and %u more type%s", ntypes - ntop, ntypes - ntop == 1 ? "" : "s");
    }
    line_end(w);
}

static void
put_events(tw *w)
{
    const mv_state *st = w->st;
    uint32_t nunreach = 0, utype = 0;
    bool onetype = true;
    for (uint32_t i = 0; i < st->nobjects; i++) {
        const mv_object *o = &st->objects[i];
        if (!(o->flags & MV_OF_UNREACHABLE) || mv_kind_is_scalar((mv_kind)o->kind))
            continue;
        if (nunreach++ && o->type != utype)
            onetype = false;
        utype = o->type;
    }
    if (!st->nevents && !nunreach)
        return;
    mv_buf_putc(w->out, '\n');
    line_begin(w);
    put(w, "Events");
    line_end(w);
    uint32_t shown = 0, nshown = 0;
    for (uint32_t i = 0; i < st->nevents; i++)
        nshown += st->events[i].kind == MV_MEV_GC || st->events[i].ref;
    for (uint32_t i = 0; i < st->nevents; i++) {
        const mv_mevent *e = &st->events[i];
        if (e->kind != MV_MEV_GC && !e->ref)
            continue; /* blocks not shown: summed up below */
        if (shown == EVENT_LINES) {
            line_begin(w);
            putf(w, "  … and %u more (see -f state)", nshown - shown);
            line_end(w);
            break;
        }
        line_begin(w);
        put(w, "  ");
        if (e->kind == MV_MEV_GC) {
            putf(w, "collection (generation %u%s) freed ", e->generation,
                 e->automatic ? ", automatic" : "");
            /* the type of what it freed, when all of one type */
            uint32_t ft = UINT32_MAX;
            bool same = true;
            for (uint32_t k = 0; k < st->nevents; k++) {
                const mv_mevent *f = &st->events[k];
                if (f->kind != MV_MEV_FREE || f->cause != MV_FREE_GC || !f->ref)
                    continue;
                if (ft != UINT32_MAX && f->type != ft)
                    same = false;
                ft = f->type;
            }
            putf(w, "%u ", e->nfreed);
            if (e->nfreed && same && ft != UINT32_MAX)
                put_tname(w, ft);
            else
                put(w, "shown");
            putf(w, " object%s (collected %llu", e->nfreed == 1 ? "" : "s",
                 (unsigned long long)e->collected);
            if (e->uncollectable)
                putf(w, ", uncollectable %llu", (unsigned long long)e->uncollectable);
            put(w, ")");
        } else if (e->kind == MV_MEV_ALLOC) {
            put_tref(w, e->type, e->ref);
            putf(w, " created: %llu B", (unsigned long long)e->size);
            if (e->bytes)
                putf(w, " in a %llu-byte block", (unsigned long long)e->bytes);
        } else if (e->cause == MV_FREE_REUSED) {
            const mv_object *n = mv_state_find(st, e->by);
            if (n) {
                put_tref(w, n->type, e->by);
                put(w, " reused the address of ");
            } else {
                put(w, "the address of ");
            }
            put_tref(w, e->type, e->ref);
            put(w, n ? " (it was parked on a free list)" : " was reused");
        } else {
            put_tref(w, e->type, e->ref);
            if (e->cause == MV_FREE_GC) {
                putf(w, " freed by the collector (generation %u)", e->generation);
            } else if (e->last != UINT32_MAX) {
                put(w, " freed: its last reference `");
                put_name(w, e->last, 0);
                put(w, "` went away");
            } else {
                put(w, " freed: its reference count reached zero");
            }
        }
        line_end(w);
        shown++;
    }
    put_unshown(w, MV_MEV_ALLOC);
    put_unshown(w, MV_MEV_FREE);
    if (nunreach) {
        line_begin(w);
        putf(w, "  %s%u ", nunreach > 1 ? "cycle of " : "", nunreach);
        if (onetype)
            put_tname(w, utype);
        putf(w, "%sobject%s unreachable, still in memory until a collection",
             onetype ? " " : "", nunreach == 1 ? "" : "s");
        line_end(w);
    }
}

mv_status
mv_render_text(const mv_state *st, const mv_text_opts *opts, mv_buf *out)
{
    if (!st || !out || !st->trace)
        return MV_EINVAL;
    tw w = {.out = out, .st = st, .width = DEFAULT_WIDTH};
    if (opts) {
        w.color = opts->color;
        w.address = opts->address;
        if (opts->width)
            w.width = opts->width < MIN_WIDTH ? MIN_WIDTH : opts->width;
    }
    put_header(&w);
    mv_buf_putc(out, '\n');
    put_frames(&w);
    mv_buf_putc(out, '\n');
    index_holders(&w);
    put_objects(&w);
    mv_free(w.hold);
    mv_free(w.hfirst);
    put_events(&w);
    return out->failed ? MV_ENOMEM : MV_OK;
}
