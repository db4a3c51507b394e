/* Layout of the memory picture, computed incrementally over the steps. The
 * contract, the stability rules and the invariants are in layout.h; the JSON
 * form the HTML viewer reads is in docs/layout-format.md.
 *
 * One step (mv_layout_step) runs in passes:
 *   1. frames: stacked at the left, rebuilt every step (they are few);
 *   2. reach: breadth-first from the frames' names over the rows that draw
 *      an arrow. Every object reached is "in the picture"; its rows and
 *      header text are rebuilt only when its content hash changed;
 *   3. gone: objects no longer reached free their spot in their column;
 *   4. grow: each column is swept top to bottom, every box takes its new
 *      height and pushes the boxes below it down just enough to keep VGAP;
 *   5. place: objects new to the picture, in breadth-first order (so the
 *      row that first refers to one is already placed), get the column after
 *      that row's box (capped at COL_CAP - 1, then they stay in the parent's
 *      column) and the free spot nearest to that row; a spot up to SPREAD
 *      columns further right wins if it is COL_COST px per column nearer to
 *      the row (objects of names stay in column 0); a column taller than the
 *      soft limit hmax is skipped for the next one;
 *   6. edges: each arrow is routed (see route()) and compared with the
 *      previous step's arrow from the same row.
 * A column is a sorted array of [y0, y1) intervals, one per box; boxes of
 * one column never overlap and are VGAP apart, and a box is never wider
 * than its column, so no two boxes overlap anywhere. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

#define COL_CAP 6      /* columns by depth; deeper objects stay in their parent's */
#define HMAX_MIN 1600  /* the soft column height limit is at least this */
#define SPREAD 2       /* a new box may go this many columns right of its own... */
#define COL_COST 160   /* ...when that brings it this much (px) nearer its referrer */
#define NAME_COLS 14   /* a local, attribute or key text is cut past this */
#define TYPE_COLS 20   /* a type name is cut past this */
#define ARROW_COLS 2   /* room kept at the end of a row for its arrow's anchor */
#define NLANES 6       /* vertical lanes in a channel, chosen by target ref */
#define LANE0 14       /* first lane, from the column's right side */
#define LANE_STEP 8
#define CLEAR 3        /* a horizontal lane keeps this far from boxes */

/* columns of text that fit in a box of width w */
#define TEXT_COLS(w) ((size_t)(((w)-2 * MV_LAYOUT_PAD_X) * 10 / MV_LAYOUT_CHAR_W10))
#define BOX_COLS TEXT_COLS(MV_LAYOUT_COL_W)
#define FRAME_COLS TEXT_COLS(MV_LAYOUT_FRAME_W)

/* ------------------------------------------------------------------ */
/* visible text */

/* Decode one code point, accepting WTF-8 surrogates (ED A0..BF xx). Returns
 * the bytes used (>= 1 when n >= 1); *cp = -1 for an invalid byte. */
int32_t
mv_layout_px(size_t cols)
{
    return (int32_t)((cols * MV_LAYOUT_CHAR_W10 + 9) / 10);
}

/* ------------------------------------------------------------------ */
/* the layout */

typedef struct col_iv {
    int32_t y0, y1; /* [y0, y1): the box */
    uint32_t ref;
} col_iv;

typedef struct column {
    col_iv *iv; /* sorted by y0 */
    uint32_t n, cap;
    uint32_t ver; /* bumped whenever an interval comes, goes or moves */
} column;

/* free_y() results, valid while the columns they crossed are unchanged */
typedef struct fy_memo {
    int32_t c_lo, c_hi, sy, ty, y;
    uint64_t vh; /* hash of the crossed columns' versions; 0 = empty slot */
} fy_memo;
#define MEMO_SIZE 4096

/* An object in the picture, kept from step to step. */
typedef struct pobj {
    mv_lbox box;     /* public view; text and rows point at the fields below */
    uint32_t stamp;  /* l->stamp when last reached */
    bool placed;     /* has a column and a y */
    bool built;      /* rows and text reflect chash */
    uint64_t chash;  /* hash of the content the rows were built from */
    int64_t refcount;
    int32_t px, py, pw, ph; /* geometry at the previous step (placed only) */
    mv_buf text;
    mv_lrow *rows;
    uint32_t rows_cap;
} pobj;

/* An edge of the previous step, for change detection. */
typedef struct pedge {
    bool ff;
    uint32_t from, row, to;
    uint64_t h; /* hash of the path */
} pedge;

struct mv_layout {
    mv_layout_opts o;
    uint32_t steps, stamp;
    const mv_state *st; /* during a step */

    mv_map index; /* ref -> slot in objs + 1 */
    pobj **objs;
    uint32_t nobjs, objs_cap;
    column *cols;
    uint32_t ncols;
    int32_t hmax;
    fy_memo *memo; /* MEMO_SIZE entries, or NULL */

    /* frames of this step */
    mv_lbox *frames;
    uint32_t nframes, frames_cap;
    mv_lrow *frows;
    uint32_t nfrows, frows_cap;
    mv_buf ftext;
    uint64_t fhash;
    bool frames_changed;

    /* boxes of this step (copies of their pobj's box) */
    mv_lbox *boxes;
    uint32_t nboxes, boxes_cap;
    uint32_t *gone;
    uint32_t ngone, gone_cap;

    /* edges of this step; previous step's for comparison */
    mv_ledge *edges;
    uint32_t nedges, edges_cap;
    int32_t *pts;
    size_t npts, pts_cap;
    pedge *pe, *pe_next;
    uint32_t npe, pe_cap, pe_next_cap;
    mv_ledge *egone;
    uint32_t negone, egone_cap;

    int32_t W, H;
    bool size_changed;

    /* per-step scratch, indexed like st->objects */
    uint32_t *depth;  /* 0: not reached */
    uint32_t *parent; /* index of the object whose row first reached it + 1,
                         or 0 when a frame's name did */
    uint32_t *prow;   /* that row (frames: frame index << 16 | row) */
    uint32_t *order;  /* breadth-first order */
    uint32_t scratch_cap;
    bool failed;
};

/* Grow *p (an array of cap elements of size sz) to hold need. */
static bool
grow(void **p, uint32_t *cap, uint32_t need, size_t sz)
{
    if (need <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 8;
    while (c < need)
        c = c > UINT32_MAX / 2 ? need : c * 2;
    void *q = mv_realloc(*p, (size_t)c * sz);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

#define GROW(l, arr, cap, need)                                                             \
    do {                                                                                    \
        void *p_ = (void *)(arr);                                                           \
        if (!grow(&p_, &(cap), (need), sizeof *(arr)))                                      \
            (l)->failed = true;                                                             \
        else                                                                                \
            (arr) = p_;                                                                     \
    } while (0)

static void
pobj_free(pobj *p)
{
    if (!p)
        return;
    mv_buf_release(&p->text);
    mv_free(p->rows);
    mv_free(p);
}

/* Drop every object and column: the next step lays out from scratch. */
static void
reset(mv_layout *l)
{
    for (uint32_t i = 0; i < l->nobjs; i++)
        pobj_free(l->objs[i]);
    l->nobjs = 0;
    mv_map_clear(&l->index);
    for (uint32_t c = 0; c < l->ncols; c++)
        mv_free(l->cols[c].iv);
    mv_free(l->cols);
    l->cols = NULL;
    l->ncols = 0;
    if (l->memo)
        memset(l->memo, 0, MEMO_SIZE * sizeof *l->memo);
    l->npe = 0;
    l->steps = 0;
    l->fhash = 0;
    l->W = l->H = 0;
}

mv_status
mv_layout_new(mv_layout **out, const mv_layout_opts *opts)
{
    if (!out)
        return MV_EINVAL;
    mv_layout *l = mv_calloc(1, sizeof *l);
    if (!l)
        return MV_ENOMEM;
    if (opts)
        l->o = *opts;
    if (!l->o.max_rows)
        l->o.max_rows = MV_LAYOUT_MAX_ROWS;
    mv_map_init(&l->index);
    mv_buf_init(&l->ftext);
    *out = l;
    return MV_OK;
}

void
mv_layout_free(mv_layout *l)
{
    if (!l)
        return;
    reset(l);
    mv_map_release(&l->index);
    mv_free(l->objs);
    mv_free(l->frames);
    mv_free(l->frows);
    mv_buf_release(&l->ftext);
    mv_free(l->boxes);
    mv_free(l->gone);
    mv_free(l->edges);
    mv_free(l->pts);
    mv_free(l->pe);
    mv_free(l->pe_next);
    mv_free(l->egone);
    mv_free(l->depth);
    mv_free(l->parent);
    mv_free(l->prow);
    mv_free(l->order);
    mv_free(l->memo);
    mv_free(l);
}

const mv_layout_opts *
mv_layout_get_opts(const mv_layout *l)
{
    return &l->o;
}

static pobj *
lookup(const mv_layout *l, uint32_t ref)
{
    uint64_t *v = mv_map_get(&l->index, ref);
    return v ? l->objs[*v - 1] : NULL;
}

/* Index of ref in st->objects, or UINT32_MAX. */
static uint32_t
find_index(const mv_state *st, uint32_t ref)
{
    uint32_t lo = 0, hi = st->nobjects;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (st->objects[mid].ref < ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->nobjects && st->objects[lo].ref == ref ? lo : UINT32_MAX;
}

static bool
is_immutable(const mv_object *o)
{
    mv_kind k = (mv_kind)o->kind;
    return (o->flags & MV_OF_IMMUTABLE) || k == MV_K_NONE || k == MV_K_BOOL || k == MV_K_INT ||
           k == MV_K_FLOAT || k == MV_K_COMPLEX || k == MV_K_STR || k == MV_K_BYTES ||
           k == MV_K_TUPLE || k == MV_K_FROZENSET;
}

/* Does an object referred to by a row get its own box (and the row an arrow)? */
static bool
boxed(const mv_layout *l, const mv_object *o)
{
    return o && !(l->o.inline_scalars && mv_kind_is_scalar((mv_kind)o->kind));
}

static const char *
str_of(const mv_state *st, uint32_t id, size_t *len)
{
    const char *s = mv_trace_str(st->trace, id, len);
    if (!s) {
        *len = 0;
        return "";
    }
    return s;
}

/* Python's choice of quote for a str repr. */
static char
pick_quote(const char *s, size_t n)
{
    return s && memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
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

/* The value of a scalar (or a function's signature, a module's name) as
 * visible text in at most maxcols columns: str quoted; a value the recorder
 * cut ends in "…". Returns the columns; *cut: the text had to be cut here. */
static size_t
vis_value(mv_buf *out, const mv_object *o, size_t maxcols, bool *cut)
{
    mv_kind k = (mv_kind)o->kind;
    bool rcut = (o->flags & MV_OF_CUT) != 0;
    *cut = false;
    if (k == MV_K_NONE || (!o->value && k != MV_K_STR))
        return mv_vis_text(out, k == MV_K_NONE ? "None" : "", k == MV_K_NONE ? 4 : 0,
                           MV_VIS_PLAIN, 0, maxcols, cut);
    if (k == MV_K_STR) {
        char q = pick_quote(o->value, o->value_len);
        if (maxcols < 4)
            return mv_vis_text(out, "…", 3, MV_VIS_PLAIN, 0, maxcols, cut);
        mv_buf_putc(out, q);
        size_t c = mv_vis_text(out, o->value, o->value_len, MV_VIS_STR, q,
                               maxcols - 2 - (rcut ? 1 : 0), cut);
        if (*cut) {
            /* the inner "…" moves after the closing quote, as text.c shows it */
            if (!out->failed)
                out->len -= 3;
            mv_buf_putc(out, q);
            mv_buf_puts(out, "…");
            return c + 2;
        }
        mv_buf_putc(out, q);
        if (rcut)
            mv_buf_puts(out, "…");
        return c + 2 + (rcut ? 1 : 0);
    }
    size_t c = mv_vis_text(out, o->value, o->value_len, MV_VIS_PLAIN, 0,
                           maxcols - (rcut && maxcols ? 1 : 0), cut);
    if (rcut && !*cut) {
        mv_buf_puts(out, "…");
        c++;
    }
    return c;
}

/* ---- building a box's text and rows ---- */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define FNV0 0xcbf29ce484222325ull
#define FNV_VAL(h, v) ((h) = fnv((h), &(v), sizeof(v)))

/* Hash of everything an object's box shows except its reference count. */
static uint64_t
content_hash(const mv_layout *l, const mv_object *o)
{
    uint64_t h = FNV0;
    FNV_VAL(h, o->type);
    FNV_VAL(h, o->kind);
    FNV_VAL(h, o->flags);
    FNV_VAL(h, o->size);
    FNV_VAL(h, o->length);
    FNV_VAL(h, o->hidden);
    FNV_VAL(h, o->nitems);
    if (l->o.address)
        FNV_VAL(h, o->addr);
    if (o->value)
        h = fnv(h, o->value, o->value_len);
    for (uint32_t i = 0; i < o->nitems; i++) {
        /* a target's ref fixes its box or inline text (scalars are immutable),
         * except whether the state holds it at all */
        uint32_t r = o->items[i];
        FNV_VAL(h, r);
        bool present = find_index(l->st, r) != UINT32_MAX;
        FNV_VAL(h, present);
    }
    return h;
}

typedef struct bld {
    mv_layout *l;
    mv_buf *text;
    mv_lrow **rows;
    uint32_t *nrows, *cap;
    size_t maxcols; /* text columns of the widest box */
    size_t width;   /* widest row so far, in columns */
} bld;

static mv_lrow *
add_row(bld *b, mv_lrow_kind kind, uint32_t index, uint32_t target)
{
    void *p = *b->rows;
    if (!grow(&p, b->cap, *b->nrows + 1, sizeof **b->rows)) {
        b->l->failed = true;
        return NULL;
    }
    *b->rows = p;
    mv_lrow *r = &(*b->rows)[(*b->nrows)++];
    memset(r, 0, sizeof *r);
    r->kind = (uint8_t)kind;
    r->index = index;
    r->target = target;
    r->label = r->value = (uint32_t)b->text->len;
    return r;
}

/* Label text (visible) of row r. */
static void
row_label(bld *b, mv_lrow *r, const char *s, size_t n, mv_vis_mode mode, size_t maxcols)
{
    r->label = (uint32_t)b->text->len;
    r->label_cols = (uint16_t)mv_vis_text(b->text, s, n, mode, 0, maxcols, NULL);
    r->label_len = (uint32_t)(b->text->len - r->label);
}

static void
row_done(bld *b, mv_lrow *r)
{
    size_t w = r->label_cols;
    if (r->value_cols)
        w += (w ? 1 : 0) + r->value_cols;
    if (r->arrow)
        w += ARROW_COLS;
    if (w > b->width)
        b->width = w;
}

/* The part of a row after its label: an arrow to the target's box, its
 * value inline, or "#ref ?" when the state does not hold it. */
static void
row_target(bld *b, mv_lrow *r)
{
    const mv_state *st = b->l->st;
    uint32_t idx = find_index(st, r->target);
    r->value = (uint32_t)b->text->len;
    if (idx == UINT32_MAX) {
        r->missing = true;
        mv_buf_printf(b->text, "#%" PRIu32 " ?", r->target);
        r->value_len = (uint32_t)(b->text->len - r->value);
        r->value_cols = (uint16_t)r->value_len;
    } else if (boxed(b->l, &st->objects[idx])) {
        r->arrow = true;
    } else {
        bool cut;
        size_t room = b->maxcols > (size_t)r->label_cols + 1 ? b->maxcols - r->label_cols - 1 : 1;
        r->value_cols = (uint16_t)vis_value(b->text, &st->objects[idx], room, &cut);
        r->value_len = (uint32_t)(b->text->len - r->value);
    }
    row_done(b, r);
}

/* A row holding only a value (note, more, empty, address): ASCII or "…". */
static void
row_note(bld *b, mv_lrow_kind kind, const char *s)
{
    mv_lrow *r = add_row(b, kind, 0, 0);
    if (!r)
        return;
    r->value = (uint32_t)b->text->len;
    mv_buf_puts(b->text, s);
    r->value_len = (uint32_t)(b->text->len - r->value);
    r->value_cols = (uint16_t)mv_vis_cols(b->text->data + r->value, r->value_len);
    row_done(b, r);
}

static unsigned
digits(uint64_t v)
{
    unsigned d = 1;
    for (; v >= 10; v /= 10)
        d++;
    return d;
}

/* (Re)build an object's header text and rows, and its size. */
static void
build_object(mv_layout *l, pobj *p, const mv_object *o)
{
    const mv_state *st = l->st;
    mv_kind k = (mv_kind)o->kind;
    mv_buf_reset(&p->text);
    p->box.nrows = 0;
    bld b = {.l = l, .text = &p->text, .rows = &p->rows, .nrows = &p->box.nrows,
             .cap = &p->rows_cap, .maxcols = BOX_COLS};

    /* header: "#12 list ........ 88 B (refs 2)" */
    mv_lbox *x = &p->box;
    x->meta = (uint32_t)p->text.len;
    mv_buf_printf(&p->text, "%" PRIu64 " B", o->size);
    x->meta_len = (uint32_t)(p->text.len - x->meta);
    x->meta_cols = (uint16_t)x->meta_len;
    x->badge = (uint32_t)p->text.len;
    if (o->flags & MV_OF_IMMORTAL)
        mv_buf_puts(&p->text, "immortal");
    else
        mv_buf_printf(&p->text, "refs %" PRId64, o->refcount);
    x->badge_len = (uint32_t)(p->text.len - x->badge);
    x->badge_cols = (uint16_t)x->badge_len;
    size_t fixed = 1 + digits(o->ref) + 1 + 2 + x->meta_cols + 1 + x->badge_cols + 2;
    size_t tmax = BOX_COLS > fixed + 4 ? BOX_COLS - fixed : 4;
    if (tmax > TYPE_COLS)
        tmax = TYPE_COLS;
    size_t tlen;
    const char *t = str_of(st, o->type, &tlen);
    if (!tlen) {
        t = mv_kind_name(k);
        tlen = strlen(t);
    }
    x->title = (uint32_t)p->text.len;
    x->title_cols = (uint16_t)mv_vis_text(&p->text, t, tlen, MV_VIS_PLAIN, 0, tmax, NULL);
    x->title_len = (uint32_t)(p->text.len - x->title);
    b.width = fixed + x->title_cols;

    if (l->o.address) {
        char t0[32];
        snprintf(t0, sizeof t0, "id 0x%" PRIx64, o->addr);
        row_note(&b, MV_LR_ADDR, t0);
    }

    uint32_t max = l->o.max_rows;
    if (mv_kind_is_scalar(k) || k == MV_K_FUNCTION || k == MV_K_MODULE || k == MV_K_CLASS) {
        mv_lrow *r = add_row(&b, MV_LR_VALUE, 0, 0);
        if (r) {
            bool cut;
            r->value = (uint32_t)p->text.len;
            r->value_cols = (uint16_t)vis_value(&p->text, o, BOX_COLS, &cut);
            r->value_len = (uint32_t)(p->text.len - r->value);
            row_done(&b, r);
            char t0[40];
            if (o->flags & MV_OF_CUT) {
                if (k == MV_K_INT)
                    snprintf(t0, sizeof t0, "%" PRIu64 " digits", o->length);
                else
                    snprintf(t0, sizeof t0, "len %" PRIu64, o->length);
                row_note(&b, MV_LR_NOTE, t0);
            } else if (cut && k == MV_K_STR) {
                snprintf(t0, sizeof t0, "len %" PRIu64, str_chars(o));
                row_note(&b, MV_LR_NOTE, t0);
            }
        }
    }
    uint64_t shown = 0, total = 0;
    if (mv_kind_is_seq(k)) {
        total = o->nitems;
        for (uint32_t i = 0; i < o->nitems && shown < max; i++, shown++) {
            mv_lrow *r = add_row(&b, MV_LR_ITEM, i, o->items[i]);
            if (!r)
                break;
            char lab[16];
            int n = snprintf(lab, sizeof lab, "[%" PRIu32 "]", i);
            row_label(&b, r, lab, (size_t)n, MV_VIS_PLAIN, NAME_COLS);
            row_target(&b, r);
        }
    } else if (k == MV_K_DICT) {
        total = o->nitems / 2;
        for (uint32_t i = 0; i + 1 < o->nitems && shown < max; i += 2, shown++) {
            uint32_t kidx = find_index(st, o->items[i]);
            const mv_object *ko = kidx == UINT32_MAX ? NULL : &st->objects[kidx];
            mv_lrow *r;
            if (ko && !mv_kind_is_scalar((mv_kind)ko->kind)) {
                r = add_row(&b, MV_LR_KEY, i / 2, o->items[i]);
                if (!r)
                    break;
                row_label(&b, r, "key:", 4, MV_VIS_PLAIN, NAME_COLS);
                row_target(&b, r);
                r = add_row(&b, MV_LR_ENTRY, i / 2, o->items[i + 1]);
                if (!r)
                    break;
                row_label(&b, r, "value:", 6, MV_VIS_PLAIN, NAME_COLS);
            } else {
                r = add_row(&b, MV_LR_ENTRY, i / 2, o->items[i + 1]);
                if (!r)
                    break;
                r->label = (uint32_t)p->text.len;
                size_t c;
                if (ko) {
                    bool cut;
                    c = vis_value(&p->text, ko, NAME_COLS, &cut);
                } else {
                    mv_buf_printf(&p->text, "#%" PRIu32 " ?", o->items[i]);
                    c = p->text.len - r->label;
                }
                mv_buf_putc(&p->text, ':');
                r->label_cols = (uint16_t)(c + 1);
                r->label_len = (uint32_t)(p->text.len - r->label);
            }
            row_target(&b, r);
        }
    } else if (mv_kind_has_attrs(k)) {
        total = o->nitems / 2;
        for (uint32_t i = 0; i + 1 < o->nitems && shown < max; i += 2, shown++) {
            mv_lrow *r = add_row(&b, MV_LR_ATTR, i / 2, o->items[i + 1]);
            if (!r)
                break;
            size_t nlen;
            const char *name = str_of(st, o->items[i], &nlen);
            row_label(&b, r, name, nlen, MV_VIS_PLAIN, NAME_COLS);
            row_target(&b, r);
        }
    }
    uint64_t more = total - shown + o->hidden;
    if (more) {
        char t0[40];
        snprintf(t0, sizeof t0, "… %" PRIu64 " more", more);
        row_note(&b, MV_LR_MORE, t0);
    } else if (!total && (mv_kind_is_seq(k) || k == MV_K_DICT)) {
        row_note(&b, MV_LR_EMPTY, "(empty)");
    }

    size_t cols = b.width > BOX_COLS ? BOX_COLS : b.width;
    int32_t w = mv_layout_px(cols) + 2 * MV_LAYOUT_PAD_X;
    if (w < MV_LAYOUT_MIN_W)
        w = MV_LAYOUT_MIN_W;
    if (w > MV_LAYOUT_COL_W)
        w = MV_LAYOUT_COL_W;
    x->w = w;
    x->h = MV_LAYOUT_HEADER_H + (int32_t)x->nrows * MV_LAYOUT_ROW_H + MV_LAYOUT_BOTTOM;
    x->ref = o->ref;
    x->frame = 0;
    x->flags = is_immutable(o) ? MV_LB_IMMUTABLE : 0;
}

/* ---- frames ---- */

/* Geometry of a box (what the viewer must redraw when it changes). */
static uint64_t
hash_box(uint64_t h, const mv_lbox *x)
{
    FNV_VAL(h, x->x);
    FNV_VAL(h, x->y);
    FNV_VAL(h, x->w);
    FNV_VAL(h, x->h);
    return h;
}

static void
layout_frames(mv_layout *l)
{
    const mv_state *st = l->st;
    mv_buf_reset(&l->ftext);
    l->nfrows = 0;
    l->nframes = 0;
    GROW(l, l->frames, l->frames_cap, st->nframes);
    if (l->failed)
        return;
    /* row offsets first, pointers once the row array stops moving */
    uint32_t *first = NULL, fcap = 0;
    if (!grow((void **)&first, &fcap, st->nframes + 1, sizeof *first)) {
        l->failed = true;
        return;
    }
    int32_t y = MV_LAYOUT_MARGIN;
    for (uint32_t i = 0; i < st->nframes; i++) {
        const mv_frame *f = &st->frames[i];
        mv_lbox *x = &l->frames[l->nframes++];
        memset(x, 0, sizeof *x);
        bool current = i + 1 == st->nframes;
        x->frame = i;
        x->col = -1;
        x->flags = current ? MV_LB_CURRENT : 0;
        x->x = MV_LAYOUT_MARGIN;
        x->y = y;
        x->w = MV_LAYOUT_FRAME_W;
        first[i] = l->nfrows;

        /* header: "▶ modify ...... prog.py:2" */
        size_t len;
        const char *s = str_of(st, f->function, &len);
        x->title = (uint32_t)l->ftext.len;
        size_t tc = 0;
        if (current) {
            mv_buf_puts(&l->ftext, "▶ ");
            tc = 2;
        }
        tc += mv_vis_text(&l->ftext, s, len, MV_VIS_PLAIN, 0, FRAME_COLS - 8 - tc, NULL);
        x->title_len = (uint32_t)(l->ftext.len - x->title);
        x->title_cols = (uint16_t)tc;
        s = str_of(st, f->file, &len);
        for (size_t k = len; k > 0; k--) {
            if (s[k - 1] == '/' || s[k - 1] == '\\') {
                len -= k;
                s += k;
                break;
            }
        }
        char num[16];
        int nn = snprintf(num, sizeof num, ":%" PRIu32, f->line);
        size_t room = FRAME_COLS - tc - 2;
        x->meta = (uint32_t)l->ftext.len;
        size_t fc = mv_vis_cols(s, len) + (size_t)nn; /* an estimate: escapes are longer */
        if (fc <= room) {
            size_t c = mv_vis_text(&l->ftext, s, len, MV_VIS_PLAIN, 0, room - (size_t)nn, NULL);
            mv_buf_append(&l->ftext, num, (size_t)nn);
            x->meta_cols = (uint16_t)(c + (size_t)nn);
        } else {
            nn = snprintf(num, sizeof num, "line %" PRIu32, f->line);
            if ((size_t)nn <= room) {
                mv_buf_append(&l->ftext, num, (size_t)nn);
                x->meta_cols = (uint16_t)nn;
            }
        }
        x->meta_len = (uint32_t)(l->ftext.len - x->meta);
        x->badge = (uint32_t)l->ftext.len;

        uint32_t nrows = 0;
        bld b = {.l = l, .text = &l->ftext, .rows = &l->frows, .nrows = &l->nfrows,
                 .cap = &l->frows_cap, .maxcols = FRAME_COLS};
        for (uint32_t j = 0; j < f->nlocals; j++) {
            mv_lrow *r = add_row(&b, MV_LR_LOCAL, j, f->locals[j].ref);
            if (!r)
                break;
            s = str_of(st, f->locals[j].name, &len);
            row_label(&b, r, s, len, MV_VIS_PLAIN, NAME_COLS);
            row_target(&b, r);
            nrows++;
        }
        if (!f->nlocals) {
            row_note(&b, MV_LR_EMPTY, "(no names)");
            nrows++;
        }
        x->nrows = nrows;
        x->h = MV_LAYOUT_HEADER_H + (int32_t)nrows * MV_LAYOUT_ROW_H + MV_LAYOUT_BOTTOM;
        y += x->h + MV_LAYOUT_VGAP;
        if (l->failed)
            break;
    }
    uint64_t h = FNV0;
    for (uint32_t i = 0; i < l->nframes && !l->failed; i++) {
        l->frames[i].text = l->ftext.data ? l->ftext.data : "";
        l->frames[i].rows = l->frows + first[i];
        h = hash_box(h, &l->frames[i]);
    }
    FNV_VAL(h, l->nframes);
    mv_free(first);
    l->frames_changed = l->steps == 0 || h != l->fhash;
    l->fhash = h;
}

/* ---- columns ---- */

static column *
get_col(mv_layout *l, int32_t c)
{
    if ((uint32_t)c >= l->ncols) {
        column *n = mv_realloc(l->cols, ((size_t)c + 1) * sizeof *n);
        if (!n) {
            l->failed = true;
            return NULL;
        }
        memset(n + l->ncols, 0, ((size_t)c + 1 - l->ncols) * sizeof *n);
        l->cols = n;
        l->ncols = (uint32_t)c + 1;
    }
    return &l->cols[c];
}

/* First interval whose y1 + margin > y. */
static uint32_t
col_search(const column *c, int32_t y, int32_t margin)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->iv[mid].y1 + margin <= y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Can a box [y, y + h) go in column c, VGAP from the others? */
static bool
col_fits(const column *c, int32_t y, int32_t h)
{
    uint32_t k = col_search(c, y, MV_LAYOUT_VGAP);
    return k == c->n || c->iv[k].y0 >= y + h + MV_LAYOUT_VGAP;
}

static void
col_remove(column *c, uint32_t ref, int32_t y0)
{
    uint32_t k = col_search(c, y0, 0);
    for (; k < c->n && c->iv[k].ref != ref; k++)
        ;
    if (k == c->n) { /* not where expected: look everywhere */
        for (k = 0; k < c->n && c->iv[k].ref != ref; k++)
            ;
        if (k == c->n)
            return;
    }
    memmove(&c->iv[k], &c->iv[k + 1], (c->n - k - 1) * sizeof *c->iv);
    c->n--;
    c->ver++;
}

static void
col_insert(mv_layout *l, column *c, uint32_t ref, int32_t y, int32_t h)
{
    GROW(l, c->iv, c->cap, c->n + 1);
    if (l->failed)
        return;
    uint32_t k = col_search(c, y, 0);
    while (k < c->n && c->iv[k].y0 < y)
        k++;
    memmove(&c->iv[k + 1], &c->iv[k], (c->n - k) * sizeof *c->iv);
    c->iv[k] = (col_iv){y, y + h, ref};
    c->n++;
    c->ver++;
}

/* The y nearest to pref where a box of height h fits in column c, or -1. */
static int32_t
col_place(const column *c, int32_t pref, int32_t h, int32_t hmax)
{
    const int32_t top = MV_LAYOUT_MARGIN;
    if (pref < top)
        pref = top;
    if (c->n == 0)
        return pref;
    int32_t best = -1;
    int64_t best_d = INT64_MAX;
#define TRY(yy)                                                                             \
    do {                                                                                    \
        int32_t y_ = (yy);                                                                  \
        if (y_ >= top && y_ + h <= hmax && col_fits(c, y_, h)) {                            \
            int64_t d_ = y_ > pref ? (int64_t)y_ - pref : (int64_t)pref - y_;               \
            if (d_ < best_d || (d_ == best_d && y_ < best)) {                               \
                best = y_;                                                                  \
                best_d = d_;                                                                \
            }                                                                               \
        }                                                                                   \
    } while (0)
    TRY(pref);
    TRY(top);
    for (uint32_t k = 0; k < c->n; k++) {
        TRY(c->iv[k].y1 + MV_LAYOUT_VGAP);
        TRY(c->iv[k].y0 - MV_LAYOUT_VGAP - h);
    }
#undef TRY
    return best;
}

/* ---- routing ---- */

static int32_t
col_right(int32_t c)
{
    return c < 0 ? MV_LAYOUT_MARGIN + MV_LAYOUT_FRAME_W : MV_LAYOUT_COL_X(c) + MV_LAYOUT_COL_W;
}

static int32_t
lane(int32_t c, uint32_t target)
{
    return col_right(c) + LANE0 + LANE_STEP * (int32_t)(target % NLANES);
}

static bool
y_free(const mv_layout *l, int32_t c_lo, int32_t c_hi, int32_t y)
{
    for (int32_t c = c_lo; c <= c_hi; c++) {
        if (c < 0 || (uint32_t)c >= l->ncols)
            continue;
        const column *col = &l->cols[c];
        uint32_t k = col_search(col, y, CLEAR + 1);
        if (k < col->n && col->iv[k].y0 - CLEAR <= y)
            return false;
    }
    return true;
}

/* A y where a horizontal segment crosses columns c_lo..c_hi without
 * touching a box: near sy and ty, else between two boxes, else above all. */
static int32_t free_y_search(const mv_layout *l, int32_t c_lo, int32_t c_hi, int32_t sy,
                             int32_t ty);

/* free_y_search, remembered: a picture that changes little between steps
 * asks the same questions of the same columns again and again. */
static int32_t
free_y(mv_layout *l, int32_t c_lo, int32_t c_hi, int32_t sy, int32_t ty)
{
    if (!l->memo) {
        l->memo = mv_calloc(MEMO_SIZE, sizeof *l->memo);
        if (!l->memo)
            return free_y_search(l, c_lo, c_hi, sy, ty);
    }
    uint64_t vh = FNV0;
    for (int32_t c = c_lo; c <= c_hi; c++) {
        uint32_t v = c >= 0 && (uint32_t)c < l->ncols ? l->cols[c].ver : 0;
        uint32_t n = c >= 0 && (uint32_t)c < l->ncols ? l->cols[c].n : 0;
        FNV_VAL(vh, v);
        FNV_VAL(vh, n);
    }
    vh |= 1; /* never 0 */
    uint64_t k = FNV0;
    FNV_VAL(k, c_lo);
    FNV_VAL(k, c_hi);
    FNV_VAL(k, sy);
    FNV_VAL(k, ty);
    fy_memo *m = &l->memo[k % MEMO_SIZE];
    if (m->vh == vh && m->c_lo == c_lo && m->c_hi == c_hi && m->sy == sy && m->ty == ty)
        return m->y;
    int32_t y = free_y_search(l, c_lo, c_hi, sy, ty);
    *m = (fy_memo){c_lo, c_hi, sy, ty, y, vh};
    return y;
}

static int32_t
free_y_search(const mv_layout *l, int32_t c_lo, int32_t c_hi, int32_t sy, int32_t ty)
{
    int32_t best = MV_LAYOUT_MARGIN / 2;
    int64_t best_d = INT64_MAX;
#define CAND(yy)                                                                            \
    do {                                                                                    \
        int32_t y_ = (yy);                                                                  \
        int64_t d_ = llabs((long long)y_ - ty) + llabs((long long)y_ - sy);                 \
        if (d_ < best_d && y_free(l, c_lo, c_hi, y_)) {                                     \
            best = y_;                                                                      \
            best_d = d_;                                                                    \
        }                                                                                   \
    } while (0)
    /* any y between sy and ty costs the least possible: take ty or sy if free */
    if (y_free(l, c_lo, c_hi, ty))
        return ty;
    if (y_free(l, c_lo, c_hi, sy))
        return sy;
    CAND(MV_LAYOUT_MARGIN / 2);
    for (int32_t c = c_lo; c <= c_hi; c++) {
        if (c < 0 || (uint32_t)c >= l->ncols)
            continue;
        const column *col = &l->cols[c];
        for (uint32_t k = 0; k < col->n; k++) {
            CAND(col->iv[k].y0 - MV_LAYOUT_VGAP / 2);
            CAND(col->iv[k].y1 + MV_LAYOUT_VGAP / 2);
        }
    }
#undef CAND
    return best;
}

/* Append the route of an edge from (sx, sy) in column cs to box t. */
static void
route(mv_layout *l, mv_ledge *e, int32_t cs, int32_t sx, int32_t sy, const mv_lbox *t)
{
    int32_t p[12], n = 0;
    int32_t ct = t->col, ty = t->y + MV_LAYOUT_HEADER_H / 2;
    int32_t l1 = lane(cs, t->ref);
    p[n++] = sx, p[n++] = sy;
    p[n++] = l1, p[n++] = sy;
    if (ct > cs) {
        e->to_right = false;
        if (ct > cs + 1) {
            int32_t yf = free_y(l, cs + 1, ct - 1, sy, ty);
            int32_t l2 = lane(ct - 1, t->ref);
            p[n++] = l1, p[n++] = yf;
            p[n++] = l2, p[n++] = yf;
            p[n++] = l2, p[n++] = ty;
        } else {
            p[n++] = l1, p[n++] = ty;
        }
        p[n++] = t->x, p[n++] = ty;
    } else {
        e->to_right = true;
        if (ct < cs) {
            int32_t yf = free_y(l, ct + 1, cs, sy, ty);
            int32_t l2 = lane(ct, t->ref);
            p[n++] = l1, p[n++] = yf;
            p[n++] = l2, p[n++] = yf;
            p[n++] = l2, p[n++] = ty;
        } else {
            p[n++] = l1, p[n++] = ty;
        }
        p[n++] = t->x + t->w, p[n++] = ty;
    }
    /* drop repeated points and middle points of straight runs */
    int32_t q[12], m = 0;
    for (int32_t i = 0; i < n; i += 2) {
        if (m >= 2 && q[m - 2] == p[i] && q[m - 1] == p[i + 1])
            continue;
        if (m >= 4 && ((q[m - 4] == q[m - 2] && q[m - 2] == p[i]) ||
                       (q[m - 3] == q[m - 1] && q[m - 1] == p[i + 1]))) {
            q[m - 2] = p[i];
            q[m - 1] = p[i + 1];
            continue;
        }
        q[m++] = p[i];
        q[m++] = p[i + 1];
    }
    if (l->npts + (size_t)m > l->pts_cap) {
        size_t cap = l->pts_cap ? l->pts_cap * 2 : 256;
        while (cap < l->npts + (size_t)m)
            cap *= 2;
        int32_t *np = mv_realloc(l->pts, cap * sizeof *np);
        if (!np) {
            l->failed = true;
            return;
        }
        l->pts = np;
        l->pts_cap = cap;
    }
    memcpy(l->pts + l->npts, q, (size_t)m * sizeof *q);
    e->pts = NULL; /* set once pts stops moving */
    e->npts = (uint32_t)m / 2;
    l->npts += (size_t)m;
}

static void
add_edges(mv_layout *l, const mv_lbox *src, bool ff, uint32_t from)
{
    for (uint32_t r = 0; r < src->nrows && !l->failed; r++) {
        const mv_lrow *row = &src->rows[r];
        if (!row->arrow)
            continue;
        const mv_lbox *t = mv_layout_find(l, row->target);
        if (!t)
            continue;
        GROW(l, l->edges, l->edges_cap, l->nedges + 1);
        if (l->failed)
            return;
        mv_ledge *e = &l->edges[l->nedges++];
        memset(e, 0, sizeof *e);
        e->from_frame = ff;
        e->from = from;
        e->row = r;
        e->to = row->target;
        int32_t sx = src->x + src->w - MV_LAYOUT_ANCHOR_IN;
        int32_t sy = MV_LAYOUT_ROW_Y(src->y, r) + MV_LAYOUT_ROW_H / 2;
        route(l, e, src->col, sx, sy, t);
    }
}

static int
key_cmp(bool aff, uint32_t afrom, uint32_t arow, bool bff, uint32_t bfrom, uint32_t brow)
{
    if (aff != bff)
        return aff ? -1 : 1;
    if (afrom != bfrom)
        return afrom < bfrom ? -1 : 1;
    if (arow != brow)
        return arow < brow ? -1 : 1;
    return 0;
}

/* Fill edges from this step's frames and boxes; flag them against the
 * previous step's; list the previous step's edges that are gone. */
static void
layout_edges(mv_layout *l)
{
    l->nedges = 0;
    l->npts = 0;
    l->negone = 0;
    for (uint32_t i = 0; i < l->nframes; i++)
        add_edges(l, &l->frames[i], true, i);
    for (uint32_t i = 0; i < l->nboxes; i++)
        add_edges(l, &l->boxes[i], false, l->boxes[i].ref);
    if (l->failed)
        return;
    size_t off = 0;
    for (uint32_t i = 0; i < l->nedges; i++) {
        l->edges[i].pts = l->pts + off;
        off += 2 * (size_t)l->edges[i].npts;
    }
    GROW(l, l->pe_next, l->pe_next_cap, l->nedges);
    if (l->failed)
        return;
    uint32_t j = 0;
    for (uint32_t i = 0; i < l->nedges; i++) {
        mv_ledge *e = &l->edges[i];
        uint64_t h = fnv(FNV0, e->pts, 2 * (size_t)e->npts * sizeof *e->pts);
        FNV_VAL(h, e->to);
        l->pe_next[i] = (pedge){e->from_frame, e->from, e->row, e->to, h};
        for (; j < l->npe; j++) {
            const pedge *q = &l->pe[j];
            if (key_cmp(q->ff, q->from, q->row, e->from_frame, e->from, e->row) >= 0)
                break;
            GROW(l, l->egone, l->egone_cap, l->negone + 1);
            if (l->failed)
                return;
            l->egone[l->negone++] = (mv_ledge){.from_frame = q->ff, .from = q->from,
                                               .row = q->row, .to = q->to};
        }
        if (j < l->npe && key_cmp(l->pe[j].ff, l->pe[j].from, l->pe[j].row, e->from_frame,
                                  e->from, e->row) == 0) {
            if (l->pe[j].h != h)
                e->flags = MV_LE_CHANGED;
            j++;
        } else {
            e->flags = MV_LE_NEW;
        }
    }
    for (; j < l->npe; j++) {
        const pedge *q = &l->pe[j];
        GROW(l, l->egone, l->egone_cap, l->negone + 1);
        if (l->failed)
            return;
        l->egone[l->negone++] =
            (mv_ledge){.from_frame = q->ff, .from = q->from, .row = q->row, .to = q->to};
    }
    pedge *t = l->pe;
    uint32_t tc = l->pe_cap;
    l->pe = l->pe_next;
    l->pe_cap = l->pe_next_cap;
    l->pe_next = t;
    l->pe_next_cap = tc;
    l->npe = l->nedges;
}

/* ---- one step ---- */

static pobj *
get_pobj(mv_layout *l, uint32_t ref)
{
    pobj *p = lookup(l, ref);
    if (p)
        return p;
    GROW(l, l->objs, l->objs_cap, l->nobjs + 1);
    if (l->failed)
        return NULL;
    p = mv_calloc(1, sizeof *p);
    if (!p) {
        l->failed = true;
        return NULL;
    }
    mv_buf_init(&p->text);
    p->box.ref = ref;
    if (mv_map_put(&l->index, ref, (uint64_t)l->nobjs + 1) != MV_OK) {
        pobj_free(p);
        l->failed = true;
        return NULL;
    }
    l->objs[l->nobjs++] = p;
    return p;
}

static void
drop_pobj(mv_layout *l, uint32_t slot)
{
    pobj *p = l->objs[slot];
    mv_map_del(&l->index, p->box.ref);
    l->nobjs--;
    if (slot != l->nobjs) {
        l->objs[slot] = l->objs[l->nobjs];
        mv_map_put(&l->index, l->objs[slot]->box.ref, (uint64_t)slot + 1); /* no growth */
    }
    pobj_free(p);
}

/* Pass 2: breadth-first from the frames; (re)build reached objects. */
static void
reach(mv_layout *l, uint32_t *norder)
{
    const mv_state *st = l->st;
    uint32_t n = 0;
    memset(l->depth, 0, st->nobjects * sizeof *l->depth);
    for (uint32_t i = 0; i < l->nframes; i++) {
        const mv_lbox *f = &l->frames[i];
        for (uint32_t r = 0; r < f->nrows; r++) {
            if (!f->rows[r].arrow)
                continue;
            uint32_t idx = find_index(st, f->rows[r].target);
            if (idx == UINT32_MAX || l->depth[idx])
                continue;
            l->depth[idx] = 1;
            l->parent[idx] = 0;
            l->prow[idx] = (i << 16) | (r & 0xffff);
            l->order[n++] = idx;
        }
    }
    for (uint32_t q = 0; q < n && !l->failed; q++) {
        uint32_t idx = l->order[q];
        const mv_object *o = &st->objects[idx];
        pobj *p = get_pobj(l, o->ref);
        if (!p)
            return;
        p->stamp = l->stamp;
        uint64_t h = content_hash(l, o);
        uint32_t flags = 0;
        if (!p->built || h != p->chash || o->refcount != p->refcount) {
            if (p->built && h != p->chash)
                flags |= MV_LB_CONTENT;
            if (p->built && o->refcount != p->refcount)
                flags |= MV_LB_REFCOUNT;
            build_object(l, p, o);
            p->chash = h;
            p->refcount = o->refcount;
            p->built = true;
        }
        p->box.flags = (p->box.flags & MV_LB_IMMUTABLE) | flags;
        for (uint32_t r = 0; r < p->box.nrows; r++) {
            const mv_lrow *row = &p->rows[r];
            if (!row->arrow)
                continue;
            uint32_t t = find_index(st, row->target);
            if (t == UINT32_MAX || l->depth[t])
                continue;
            l->depth[t] = l->depth[idx] + 1;
            l->parent[t] = idx + 1;
            l->prow[t] = r;
            l->order[n++] = t;
        }
    }
    *norder = n;
}

/* Pass 3: free the spots of objects no longer reached. */
static void
drop_gone(mv_layout *l)
{
    l->ngone = 0;
    for (uint32_t s = l->nobjs; s-- > 0;) {
        pobj *p = l->objs[s];
        if (p->stamp == l->stamp)
            continue;
        if (p->placed) {
            col_remove(&l->cols[p->box.col], p->box.ref, p->box.y);
            GROW(l, l->gone, l->gone_cap, l->ngone + 1);
            if (l->failed)
                return;
            l->gone[l->ngone++] = p->box.ref;
        }
        drop_pobj(l, s);
    }
    /* sorted, as promised */
    for (uint32_t i = 1; i < l->ngone; i++) {
        uint32_t v = l->gone[i], j = i;
        for (; j > 0 && l->gone[j - 1] > v; j--)
            l->gone[j] = l->gone[j - 1];
        l->gone[j] = v;
    }
}

/* Pass 4: boxes take their new heights; a box pushes the ones below it
 * down just enough. */
static void
grow_columns(mv_layout *l)
{
    for (uint32_t c = 0; c < l->ncols; c++) {
        column *col = &l->cols[c];
        for (uint32_t k = 0; k < col->n; k++) {
            col_iv *iv = &col->iv[k];
            pobj *p = lookup(l, iv->ref);
            if (!p)
                continue;
            int32_t y0 = iv->y0, y1 = iv->y1;
            if (k > 0 && iv->y0 < col->iv[k - 1].y1 + MV_LAYOUT_VGAP)
                iv->y0 = col->iv[k - 1].y1 + MV_LAYOUT_VGAP;
            iv->y1 = iv->y0 + p->box.h;
            if (iv->y0 != y0 || iv->y1 != y1)
                col->ver++;
            p->box.y = iv->y0;
        }
    }
}

/* Pass 5: place the objects new to the picture. */
static void
place_new(mv_layout *l, uint32_t norder)
{
    const mv_state *st = l->st;
    double area = 0;
    for (uint32_t q = 0; q < norder; q++) {
        const pobj *p = lookup(l, st->objects[l->order[q]].ref);
        if (p)
            area += (double)(MV_LAYOUT_COL_W + MV_LAYOUT_GAP) * (p->box.h + MV_LAYOUT_VGAP);
    }
    double hm = 0.75 * sqrt(area);
    l->hmax = hm > HMAX_MIN ? (int32_t)hm : HMAX_MIN;

    for (uint32_t q = 0; q < norder && !l->failed; q++) {
        uint32_t idx = l->order[q];
        pobj *p = lookup(l, st->objects[idx].ref);
        if (!p || p->placed)
            continue;
        int32_t pref, want;
        if (l->parent[idx] == 0) {
            uint32_t fi = l->prow[idx] >> 16, r = l->prow[idx] & 0xffff;
            const mv_lbox *f = &l->frames[fi];
            pref = MV_LAYOUT_ROW_Y(f->y, r) + MV_LAYOUT_ROW_H / 2 - MV_LAYOUT_HEADER_H / 2;
            want = 0;
        } else {
            const pobj *pp = lookup(l, st->objects[l->parent[idx] - 1].ref);
            if (!pp || !pp->placed) { /* cannot happen: parents come first */
                pref = MV_LAYOUT_MARGIN;
                want = 0;
            } else {
                pref = MV_LAYOUT_ROW_Y(pp->box.y, l->prow[idx]) + MV_LAYOUT_ROW_H / 2 -
                       MV_LAYOUT_HEADER_H / 2;
                want = pp->box.col + 1 < COL_CAP ? pp->box.col + 1 : pp->box.col;
            }
        }
        /* the spot nearest to pref in this column or the next SPREAD ones,
         * a column further costing COL_COST; past those, the first spot */
        int32_t best_c = -1, best_y = 0;
        int64_t best_cost = INT64_MAX;
        int32_t spread = l->parent[idx] ? SPREAD : 0; /* names' objects stay in column 0 */
        for (int32_t c = want; best_c < 0 || c <= want + spread; c++) {
            column *col = get_col(l, c);
            if (!col)
                return;
            int32_t y = col_place(col, pref, p->box.h, l->hmax);
            if (y < 0)
                continue;
            int64_t cost = llabs((long long)y - pref) + (int64_t)COL_COST * (c - want);
            if (cost < best_cost) {
                best_cost = cost;
                best_c = c;
                best_y = y;
            }
        }
        col_insert(l, &l->cols[best_c], p->box.ref, best_y, p->box.h);
        p->box.col = best_c;
        p->box.y = best_y;
        p->placed = true;
        p->box.flags |= MV_LB_NEW;
    }
}

/* Pass 6: the public box list (by ref), with moved/resized flags. */
static void
collect_boxes(mv_layout *l, uint32_t norder)
{
    const mv_state *st = l->st;
    l->nboxes = 0;
    GROW(l, l->boxes, l->boxes_cap, norder);
    if (l->failed)
        return;
    for (uint32_t i = 0; i < st->nobjects; i++) {
        if (!l->depth[i])
            continue;
        pobj *p = lookup(l, st->objects[i].ref);
        if (!p || !p->placed)
            continue;
        mv_lbox *x = &p->box;
        x->x = MV_LAYOUT_COL_X(x->col);
        if (!(x->flags & MV_LB_NEW)) {
            if (x->x != p->px || x->y != p->py)
                x->flags |= MV_LB_MOVED;
            if (x->w != p->pw || x->h != p->ph)
                x->flags |= MV_LB_RESIZED;
        }
        p->px = x->x, p->py = x->y, p->pw = x->w, p->ph = x->h;
        x->text = p->text.data ? p->text.data : "";
        x->rows = p->rows;
        l->boxes[l->nboxes++] = *x;
    }
}

static void
measure(mv_layout *l)
{
    int32_t w = 0, h = 0;
    for (uint32_t i = 0; i < l->nframes; i++) {
        if (l->frames[i].x + l->frames[i].w > w)
            w = l->frames[i].x + l->frames[i].w;
        if (l->frames[i].y + l->frames[i].h > h)
            h = l->frames[i].y + l->frames[i].h;
    }
    for (uint32_t i = 0; i < l->nboxes; i++) {
        if (l->boxes[i].x + l->boxes[i].w > w)
            w = l->boxes[i].x + l->boxes[i].w;
        if (l->boxes[i].y + l->boxes[i].h > h)
            h = l->boxes[i].y + l->boxes[i].h;
    }
    for (size_t i = 0; i + 1 < l->npts; i += 2) {
        if (l->pts[i] > w)
            w = l->pts[i];
        if (l->pts[i + 1] > h)
            h = l->pts[i + 1];
    }
    w += MV_LAYOUT_MARGIN;
    h += MV_LAYOUT_MARGIN;
    l->size_changed = l->steps == 0 || w != l->W || h != l->H;
    l->W = w;
    l->H = h;
}

mv_status
mv_layout_step(mv_layout *l, const mv_state *st)
{
    if (!l || !st || !st->trace)
        return MV_EINVAL;
    l->st = st;
    l->failed = false;
    l->stamp++;
    if (st->nobjects > l->scratch_cap) {
        uint32_t cap = st->nobjects;
        mv_free(l->depth);
        mv_free(l->parent);
        mv_free(l->prow);
        mv_free(l->order);
        l->depth = mv_malloc(cap * sizeof *l->depth);
        l->parent = mv_malloc(cap * sizeof *l->parent);
        l->prow = mv_malloc(cap * sizeof *l->prow);
        l->order = mv_malloc(cap * sizeof *l->order);
        l->scratch_cap = l->depth && l->parent && l->prow && l->order ? cap : 0;
        if (!l->scratch_cap)
            l->failed = true;
    }
    uint32_t norder = 0;
    if (!l->failed)
        layout_frames(l);
    if (!l->failed)
        reach(l, &norder);
    if (!l->failed)
        drop_gone(l);
    if (!l->failed)
        grow_columns(l);
    if (!l->failed)
        place_new(l, norder);
    if (!l->failed)
        collect_boxes(l, norder);
    if (!l->failed)
        layout_edges(l);
    if (l->failed) {
        reset(l);
        l->nframes = l->nboxes = l->nedges = l->ngone = l->negone = 0;
        l->st = NULL;
        return MV_ENOMEM;
    }
    measure(l);
    l->steps++;
    l->st = NULL;
    return MV_OK;
}

/* ---- queries ---- */

uint32_t
mv_layout_steps(const mv_layout *l)
{
    return l->steps;
}

void
mv_layout_size(const mv_layout *l, int32_t *w, int32_t *h)
{
    if (w)
        *w = l->W;
    if (h)
        *h = l->H;
}

bool
mv_layout_size_changed(const mv_layout *l)
{
    return l->size_changed;
}

size_t
mv_layout_nframes(const mv_layout *l)
{
    return l->nframes;
}

const mv_lbox *
mv_layout_frame(const mv_layout *l, size_t i)
{
    return i < l->nframes ? &l->frames[i] : NULL;
}

bool
mv_layout_frames_changed(const mv_layout *l)
{
    return l->frames_changed;
}

size_t
mv_layout_nboxes(const mv_layout *l)
{
    return l->nboxes;
}

const mv_lbox *
mv_layout_box(const mv_layout *l, size_t i)
{
    return i < l->nboxes ? &l->boxes[i] : NULL;
}

const mv_lbox *
mv_layout_find(const mv_layout *l, uint32_t ref)
{
    uint32_t lo = 0, hi = l->nboxes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->boxes[mid].ref < ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->nboxes && l->boxes[lo].ref == ref ? &l->boxes[lo] : NULL;
}

size_t
mv_layout_ngone(const mv_layout *l)
{
    return l->ngone;
}

uint32_t
mv_layout_gone(const mv_layout *l, size_t i)
{
    return i < l->ngone ? l->gone[i] : 0;
}

size_t
mv_layout_nedges(const mv_layout *l)
{
    return l->nedges;
}

const mv_ledge *
mv_layout_edge(const mv_layout *l, size_t i)
{
    return i < l->nedges ? &l->edges[i] : NULL;
}

size_t
mv_layout_nedges_gone(const mv_layout *l)
{
    return l->negone;
}

const mv_ledge *
mv_layout_edge_gone(const mv_layout *l, size_t i)
{
    return i < l->negone ? &l->egone[i] : NULL;
}

bool
mv_layout_changed(const mv_layout *l)
{
    if (l->size_changed || l->frames_changed || l->ngone || l->negone)
        return true;
    for (uint32_t i = 0; i < l->nboxes; i++)
        if (l->boxes[i].flags & (MV_LB_NEW | MV_LB_MOVED | MV_LB_RESIZED))
            return true;
    for (uint32_t i = 0; i < l->nedges; i++)
        if (l->edges[i].flags)
            return true;
    return false;
}
