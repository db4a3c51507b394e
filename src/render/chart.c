/* Memory over time as a standalone SVG chart: live blocks (or objects) and
 * live bytes per step, stacked by type (the biggest types each with a
 * series, the rest as "other"). Contract in render.h; what the chart means:
 * docs/charts.md.
 *
 * Two sources. A trace recorded with memory events carries, at every step,
 * the allocator's totals of the program's live blocks by type (mv_delta's
 * mem, live_blocks, live_bytes: docs/events-format.md), named or not; the
 * chart draws those. A trace without them (MEMVIEW_EVENTS=0, an older
 * memview) falls back to the objects in the picture (reachable from the
 * frames), counted from the objects each step shows. The title, the caption,
 * the <desc> and the root's data-source say which one is drawn. The source
 * is decided by the trace itself: the first step with an allocation or a
 * free event or a change of the totals switches to the allocator's totals (and stops the
 * picture bookkeeping), so a trace without events costs what the fallback
 * costs and one with events costs almost nothing past its first steps.
 *
 * Sampling. One pass with the delta iterator; the steps are cut into at most
 * one bucket per pixel column of the plot, and each bucket shows its step
 * with the most live bytes (its types as at that step), so a peak is never
 * lost between two columns, however long the run: 3 million steps cost one
 * pass and a chart of bounded size. Each column is also written as an
 * invisible <rect> with data-step / data-blocks (or data-objects) /
 * data-bytes and a <title>: the figures drawn, for tests and hover.
 *
 * Reading the chart without colour: every series has its own fill pattern
 * (hatching, dots, grid) as well as a colour, the legend repeats both, and
 * the <desc> gives the peak figures in words. Type names come from the
 * program: they are cut to visible text and XML-escaped (mv_vis_xml). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "svgkit.h"

#define CHART_TOP 8           /* types with a series of their own */
#define CHART_MAX_TYPES 4096  /* distinct types tracked; later ones count as "other" */
#define TYPE_COLS 18          /* a type name in the legend is cut past this */
#define GC_LABEL_GAP 24       /* pixels between two "gc" labels */

#define C_GC "#374151"

/* a pattern for each colour of mv_svg_palette (docs/charts.md); the last is "other" */
static const char *const patterns[CHART_TOP + 1] = {
    "", "M0 8L8 0", "dots", "M0 4H8", "M0 8L8 0M0 0L8 8", "M4 0V8", "M0 0L8 8", "M0 4H8M4 0V8", "dots"};

typedef struct sample_entry {
    uint32_t type; /* type index */
    uint64_t count;
    uint64_t bytes;
} sample_entry;

/* The chosen step of every bucket, with its figures by type. */
typedef struct sampler {
    size_t *off;           /* nsamples + 1: entries of sample k */
    sample_entry *entries;
    size_t nentries, capentries;
    uint32_t *step;        /* nsamples: the step drawn for the bucket */
    uint64_t *count;       /* nsamples: live blocks (objects) at that step */
    uint64_t *bytes;       /* nsamples: live bytes at that step */
    uint64_t *lo_count;    /* nsamples: the least live blocks (objects) of the bucket */
    uint64_t *lo_bytes;    /* nsamples: the least live bytes of the bucket */
} sampler;

/* The best step of the current bucket so far. `type` of a row is a string
 * id (allocator totals) or a type index (objects in the picture). */
typedef struct cand {
    bool have;
    uint32_t step;
    uint64_t count, bytes;
    uint64_t lo_count, lo_bytes; /* the least of the bucket's steps */
    mv_memtype *rows;
    uint32_t nrows, caprows;
} cand;

typedef struct chart {
    const mv_trace *tr;
    uint32_t nsteps, nsamples;
    bool alloc;              /* the trace has the allocator's totals */
    /* type table, shared by both sources */
    uint32_t ntypes;
    uint32_t *type_str;      /* type index -> string id */
    uint64_t *cnt;           /* picture: running totals per type index */
    uint64_t *byt;
    mv_map type_index;       /* string id + 1 -> index + 1 */
    /* objects in the picture (until the allocator's totals show up) */
    mv_map live;             /* ref -> (index << 40) | min(size, 2^40 - 1) */
    uint64_t pic_count, pic_bytes;
    sampler mem, pic;
    cand mem_c, pic_c;
    /* collections: columns that hold one, and how many */
    uint32_t *gc_col, *gc_n;
    uint32_t ngc;
    /* the series */
    uint32_t nseries;        /* own types + 1 if "other" */
    uint32_t top[CHART_TOP];
    uint32_t ntop;
    bool other;
    double *scnt, *sbyt;     /* nseries x nsamples */
    double peak_cnt, peak_byt;
    uint32_t peak_cnt_step, peak_byt_step;
    bool has_lo;             /* some column's least differs from what it draws */
} chart;

static void
sampler_release(sampler *s)
{
    mv_free(s->off);
    mv_free(s->entries);
    mv_free(s->step);
    mv_free(s->count);
    mv_free(s->bytes);
    mv_free(s->lo_count);
    mv_free(s->lo_bytes);
    memset(s, 0, sizeof *s);
}

static mv_status
sampler_init(sampler *s, uint32_t n)
{
    size_t k = n ? n : 1;
    s->off = mv_calloc(k + 1, sizeof *s->off);
    s->step = mv_calloc(k, sizeof *s->step);
    s->count = mv_calloc(k, sizeof *s->count);
    s->bytes = mv_calloc(k, sizeof *s->bytes);
    s->lo_count = mv_calloc(k, sizeof *s->lo_count);
    s->lo_bytes = mv_calloc(k, sizeof *s->lo_bytes);
    return s->off && s->step && s->count && s->bytes && s->lo_count && s->lo_bytes ? MV_OK
                                                                                  : MV_ENOMEM;
}

static void
chart_release(chart *c)
{
    sampler_release(&c->mem);
    sampler_release(&c->pic);
    mv_free(c->mem_c.rows);
    mv_free(c->pic_c.rows);
    mv_free(c->type_str);
    mv_free(c->cnt);
    mv_free(c->byt);
    mv_free(c->gc_col);
    mv_free(c->gc_n);
    mv_free(c->scnt);
    mv_free(c->sbyt);
    mv_map_release(&c->type_index);
    mv_map_release(&c->live);
}

/* First step of bucket k (k == nsamples: the end). */
static uint32_t
bucket_start(const chart *c, uint32_t k)
{
    return c->nsamples ? (uint32_t)((uint64_t)k * c->nsteps / c->nsamples) : 0;
}

/* The index of type string id t; CHART_MAX_TYPES - 1 once the table is
 * full. MV_ENOMEM. */
static mv_status
type_idx(chart *c, uint32_t t, uint32_t *out)
{
    uint64_t *v = mv_map_get(&c->type_index, (uint64_t)t + 1);
    if (v) {
        *out = (uint32_t)(*v - 1);
        return MV_OK;
    }
    if (c->ntypes >= CHART_MAX_TYPES) {
        *out = CHART_MAX_TYPES - 1;
        return MV_OK;
    }
    if (c->ntypes == 0 || (c->ntypes & (c->ntypes - 1)) == 0) {
        size_t cap = c->ntypes ? 2 * (size_t)c->ntypes : 16;
        uint32_t *ts = mv_realloc(c->type_str, cap * sizeof *ts);
        if (!ts)
            return MV_ENOMEM;
        c->type_str = ts;
        uint64_t *cn = mv_realloc(c->cnt, cap * sizeof *cn);
        if (!cn)
            return MV_ENOMEM;
        c->cnt = cn;
        uint64_t *by = mv_realloc(c->byt, cap * sizeof *by);
        if (!by)
            return MV_ENOMEM;
        c->byt = by;
    }
    uint32_t k = c->ntypes++;
    c->type_str[k] = t;
    c->cnt[k] = 0;
    c->byt[k] = 0;
    if (mv_map_put(&c->type_index, (uint64_t)t + 1, (uint64_t)k + 1) != MV_OK)
        return MV_ENOMEM;
    *out = k;
    return MV_OK;
}

static bool
cand_room(cand *b, uint32_t n)
{
    if (n <= b->caprows)
        return true;
    uint32_t cap = b->caprows ? b->caprows : 16;
    while (cap < n)
        cap *= 2;
    mv_memtype *r = mv_realloc(b->rows, (size_t)cap * sizeof *r);
    if (!r)
        return false;
    b->rows = r;
    b->caprows = cap;
    return true;
}

/* A step's totals: the bucket's least so far; true when they beat its most
 * bytes (then the caller copies the step's rows into b). */
static bool
cand_take(cand *b, uint32_t step, uint64_t count, uint64_t bytes)
{
    if (!b->have || count < b->lo_count)
        b->lo_count = count;
    if (!b->have || bytes < b->lo_bytes)
        b->lo_bytes = bytes;
    if (b->have && bytes <= b->bytes)
        return false;
    b->have = true;
    b->step = step;
    b->count = count;
    b->bytes = bytes;
    b->nrows = 0;
    return true;
}

/* Commit the bucket's best step as sample k; ids: rows hold string ids. */
static mv_status
commit(chart *c, sampler *s, cand *b, uint32_t k, bool ids)
{
    s->off[k] = s->nentries;
    for (uint32_t i = 0; i < b->nrows; i++) {
        uint32_t t = b->rows[i].type;
        if (ids) {
            mv_status st = type_idx(c, t, &t);
            if (st != MV_OK)
                return st;
        }
        if (s->nentries == s->capentries) {
            size_t cap = s->capentries ? 2 * s->capentries : 256;
            sample_entry *e = mv_realloc(s->entries, cap * sizeof *e);
            if (!e)
                return MV_ENOMEM;
            s->entries = e;
            s->capentries = cap;
        }
        s->entries[s->nentries++] = (sample_entry){t, b->rows[i].blocks, b->rows[i].bytes};
    }
    s->off[k + 1] = s->nentries;
    s->step[k] = b->step;
    s->count[k] = b->count;
    s->bytes[k] = b->bytes;
    s->lo_count[k] = b->lo_count;
    s->lo_bytes[k] = b->lo_bytes;
    return MV_OK;
}

#define SIZE_MASK ((1ull << 40) - 1)

static void
account(chart *c, uint64_t packed, int sign)
{
    uint32_t k = (uint32_t)(packed >> 40);
    uint64_t size = packed & SIZE_MASK;
    if (sign > 0) {
        c->cnt[k]++;
        c->byt[k] += size;
        c->pic_count++;
        c->pic_bytes += size;
    } else {
        c->cnt[k]--;
        c->byt[k] -= size;
        c->pic_count--;
        c->pic_bytes -= size;
    }
}

/* The objects that appeared or left the picture at this step. */
static mv_status
picture_step(chart *c, const mv_delta *d)
{
    mv_status st = MV_OK;
    for (uint32_t i = 0; st == MV_OK && i < d->nobjects; i++) {
        const mv_object *o = &d->objects[i];
        uint64_t *old = mv_map_get(&c->live, o->ref);
        if (old)
            account(c, *old, -1);
        uint32_t t;
        if ((st = type_idx(c, o->type, &t)) != MV_OK)
            break;
        uint64_t packed = ((uint64_t)t << 40) | (o->size < SIZE_MASK ? o->size : SIZE_MASK);
        if ((st = mv_map_put(&c->live, o->ref, packed)) != MV_OK)
            break;
        account(c, packed, 1);
    }
    for (uint32_t i = 0; st == MV_OK && i < d->ndrops; i++) {
        uint64_t *old = mv_map_get(&c->live, d->drops[i]);
        if (old) {
            account(c, *old, -1);
            mv_map_del(&c->live, d->drops[i]);
        }
    }
    cand *b = &c->pic_c;
    if (st != MV_OK || !cand_take(b, d->step, c->pic_count, c->pic_bytes))
        return st;
    if (!cand_room(b, c->ntypes))
        return MV_ENOMEM;
    for (uint32_t t = 0; t < c->ntypes; t++)
        if (c->cnt[t])
            b->rows[b->nrows++] = (mv_memtype){t, c->cnt[t], c->byt[t]};
    return MV_OK;
}

/* The allocator's totals at this step, when they beat the bucket's best. */
static mv_status
memory_step(chart *c, const mv_delta *d)
{
    cand *b = &c->mem_c;
    if (!cand_take(b, d->step, d->live_blocks, d->live_bytes))
        return MV_OK;
    if (!cand_room(b, d->nmem))
        return MV_ENOMEM;
    for (uint32_t i = 0; i < d->nmem; i++)
        if (d->mem[i].blocks || d->mem[i].bytes)
            b->rows[b->nrows++] = d->mem[i];
    return MV_OK;
}

/* A collection at this step: a mark in column k. */
static mv_status
note_gc(chart *c, uint32_t k)
{
    if (c->ngc && c->gc_col[c->ngc - 1] == k) {
        c->gc_n[c->ngc - 1]++;
        return MV_OK;
    }
    if (!c->gc_col) {
        c->gc_col = mv_calloc(c->nsamples, sizeof *c->gc_col);
        c->gc_n = mv_calloc(c->nsamples, sizeof *c->gc_n);
        if (!c->gc_col || !c->gc_n)
            return MV_ENOMEM;
    }
    if (c->ngc < c->nsamples) {
        c->gc_col[c->ngc] = k;
        c->gc_n[c->ngc++] = 1;
    }
    return MV_OK;
}

/* Close bucket k: its best steps become sample k. */
static mv_status
close_bucket(chart *c, uint32_t k)
{
    mv_status st = commit(c, &c->mem, &c->mem_c, k, true);
    if (st == MV_OK && !c->alloc)
        st = commit(c, &c->pic, &c->pic_c, k, false);
    c->mem_c.have = false;
    c->pic_c.have = false;
    return st;
}

/* The allocator's totals appeared: the picture's bookkeeping stops. */
static void
switch_to_alloc(chart *c)
{
    c->alloc = true;
    mv_map_release(&c->live);
    mv_map_init(&c->live);
    sampler_release(&c->pic);
}

/* The step carries the allocator's totals: they changed, or blocks were
 * allocated or freed (collections are recorded without them too). */
static bool
has_totals(const mv_delta *d)
{
    if (d->memory_changed)
        return true;
    for (uint32_t i = 0; i < d->nevents; i++)
        if (d->events[i].kind != MV_MEV_GC)
            return true;
    return false;
}

/* One pass over the trace: the sampled totals per type, from both sources
 * until the allocator's totals show up. */
static mv_status
gather(chart *c, uint32_t columns)
{
    mv_trace_iter *it = NULL;
    mv_status st = MV_OK;
    uint32_t n = c->nsteps;
    c->nsamples = n < columns ? n : columns;
    if (!c->nsamples)
        return MV_OK;
    if ((st = sampler_init(&c->mem, c->nsamples)) != MV_OK ||
        (st = sampler_init(&c->pic, c->nsamples)) != MV_OK)
        return st;
    if ((st = mv_trace_iter_new(c->tr, &it)) != MV_OK)
        return st;
    mv_delta d;
    uint32_t k = 0, next = bucket_start(c, 1);
    bool any = false;
    while (st == MV_OK && mv_trace_iter_next(it, &d)) {
        while (d.step >= next && k + 1 < c->nsamples && st == MV_OK) {
            if (any)
                st = close_bucket(c, k);
            k++;
            next = bucket_start(c, k + 1);
        }
        if (st != MV_OK)
            break;
        any = true;
        if (!c->alloc && has_totals(&d))
            switch_to_alloc(c);
        if (!c->alloc)
            st = picture_step(c, &d);
        if (st == MV_OK)
            st = memory_step(c, &d);
        for (uint32_t i = 0; st == MV_OK && i < d.nevents; i++)
            if (d.events[i].kind == MV_MEV_GC)
                st = note_gc(c, k);
    }
    if (st == MV_OK)
        st = mv_trace_iter_status(it);
    mv_trace_iter_free(it);
    /* the last bucket; a trace shorter than it said repeats its last step */
    for (; st == MV_OK && k < c->nsamples; k++) {
        c->mem_c.have = c->pic_c.have = any;
        st = close_bucket(c, k);
    }
    return st;
}

/* The biggest types get a series of their own: by peak bytes, then peak
 * count, then the type name. */
static mv_status
series(chart *c)
{
    const sampler *s = c->alloc ? &c->mem : &c->pic;
    size_t nentries = c->nsamples ? s->off[c->nsamples] : 0;
    double *pb = mv_calloc(c->ntypes ? c->ntypes : 1, sizeof *pb);
    double *pc = mv_calloc(c->ntypes ? c->ntypes : 1, sizeof *pc);
    mv_status st = MV_OK;
    if (!pb || !pc) {
        st = MV_ENOMEM;
        goto out;
    }
    for (size_t e = 0; e < nentries; e++) {
        const sample_entry *x = &s->entries[e];
        if (x->bytes > pb[x->type])
            pb[x->type] = (double)x->bytes;
        if (x->count > pc[x->type])
            pc[x->type] = (double)x->count;
    }
    uint32_t used = 0;
    for (uint32_t t = 0; t < c->ntypes; t++)
        used += pb[t] > 0 || pc[t] > 0;
    uint32_t want = used < CHART_TOP ? used : CHART_TOP;
    for (c->ntop = 0; c->ntop < want; c->ntop++) {
        int best = -1;
        for (uint32_t t = 0; t < c->ntypes; t++) {
            if (pb[t] <= 0 && pc[t] <= 0)
                continue;
            bool taken = false;
            for (uint32_t j = 0; j < c->ntop; j++)
                taken |= c->top[j] == t;
            if (taken)
                continue;
            if (best < 0 || pb[t] > pb[best] || (pb[t] == pb[best] && pc[t] > pc[best])) {
                best = (int)t;
            } else if (pb[t] == pb[best] && pc[t] == pc[best]) {
                size_t la, lb;
                const char *a = mv_trace_str(c->tr, c->type_str[t], &la);
                const char *b = mv_trace_str(c->tr, c->type_str[best], &lb);
                if (a && b && strcmp(a, b) < 0)
                    best = (int)t;
            }
        }
        c->top[c->ntop] = (uint32_t)best;
    }
    c->other = used > c->ntop;
    c->nseries = c->ntop + (c->other ? 1 : 0);
    size_t cells = (size_t)(c->nseries ? c->nseries : 1) * (c->nsamples ? c->nsamples : 1);
    c->scnt = mv_calloc(cells, sizeof *c->scnt);
    c->sbyt = mv_calloc(cells, sizeof *c->sbyt);
    if (!c->scnt || !c->sbyt) {
        st = MV_ENOMEM;
        goto out;
    }
    int32_t slot[CHART_MAX_TYPES];
    for (uint32_t t = 0; t < c->ntypes; t++)
        slot[t] = (int32_t)c->ntop;
    for (uint32_t j = 0; j < c->ntop; j++)
        slot[c->top[j]] = (int32_t)j;
    for (uint32_t k = 0; k < c->nsamples; k++) {
        for (size_t e = s->off[k]; e < s->off[k + 1]; e++) {
            const sample_entry *x = &s->entries[e];
            uint32_t q = (uint32_t)slot[x->type];
            if (q >= c->nseries)
                continue;
            c->scnt[(size_t)q * c->nsamples + k] += (double)x->count;
            c->sbyt[(size_t)q * c->nsamples + k] += (double)x->bytes;
        }
        c->has_lo |= s->lo_count[k] < s->count[k] || s->lo_bytes[k] < s->bytes[k];
        if ((double)s->count[k] > c->peak_cnt) {
            c->peak_cnt = (double)s->count[k];
            c->peak_cnt_step = s->step[k];
        }
        if ((double)s->bytes[k] > c->peak_byt) {
            c->peak_byt = (double)s->bytes[k];
            c->peak_byt_step = s->step[k];
        }
    }
out:
    mv_free(pb);
    mv_free(pc);
    return st;
}

/* ---- drawing ---- */

typedef struct cw {
    mv_buf *out;
    mv_svg_scratch sc;
    const chart *c;
    int width, left, plot_w;
} cw;

static void
type_name(cw *w, uint32_t q, size_t maxcols)
{
    if (q >= w->c->ntop) {
        mv_buf_puts(w->out, "other types");
        return;
    }
    size_t n;
    const char *s = mv_trace_str(w->c->tr, w->c->type_str[w->c->top[q]], &n);
    mv_svg_text(w->out, &w->sc, s ? s : "?", s ? n : 1, maxcols);
}

static double
x_of(const cw *w, double step)
{
    uint32_t n = w->c->nsteps ? w->c->nsteps : 1;
    return w->left + step * w->plot_w / n;
}

/* Left edge of column k (k == nsamples: the right edge of the last). */
static double
col_x(const cw *w, uint32_t k)
{
    return x_of(w, bucket_start(w->c, k));
}

#define PANEL_H 150
#define PANEL_GAP 46
#define CAPTION_H 56

/* One stacked series as a closed path: its top edge left to right, then its
 * base right to left, as horizontal runs joined by vertical steps in
 * relative moves (a column costs bytes only where its value changes). */
static void
band(cw *w, const double *top, const double *base, int y0, double ymax)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    uint32_t n = c->nsamples;
    double cx = mv_svg_tenth(col_x(w, 0));
    double cy = mv_svg_tenth(y0 + PANEL_H - top[0] * PANEL_H / ymax);
    mv_buf_printf(o, "M%.1f %.1f", cx, cy);
    for (uint32_t k = 1; k < n; k++) {
        double y = mv_svg_tenth(y0 + PANEL_H - top[k] * PANEL_H / ymax);
        if (y == cy)
            continue;
        double x = mv_svg_tenth(col_x(w, k));
        mv_buf_putc(o, 'h');
        mv_svg_coord(o, x - cx);
        mv_buf_putc(o, 'v');
        mv_svg_coord(o, y - cy);
        cx = x;
        cy = y;
    }
    cx = mv_svg_tenth(col_x(w, n));
    mv_buf_printf(o, "H%.1f", cx);
    for (uint32_t k = n; k-- > 0;) {
        double y = mv_svg_tenth(y0 + PANEL_H - base[k] * PANEL_H / ymax);
        if (y == cy)
            continue;
        double x = mv_svg_tenth(col_x(w, k + 1));
        if (x != cx) {
            mv_buf_putc(o, 'h');
            mv_svg_coord(o, x - cx);
        }
        mv_buf_putc(o, 'v');
        mv_svg_coord(o, y - cy);
        cx = x;
        cy = y;
    }
    mv_buf_printf(o, "H%.1fZ", mv_svg_tenth(col_x(w, 0)));
}

/* The least total of each column, where a column holds several steps: a
 * line under the stack's top edge that dips where memory fell and rose
 * again within the column. */
static void
low_line(cw *w, const uint64_t *lo, int y0, double ymax)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    double cx = mv_svg_tenth(col_x(w, 0));
    double cy = mv_svg_tenth(y0 + PANEL_H - (double)lo[0] * PANEL_H / ymax);
    mv_buf_printf(o, "<path fill=\"none\" stroke=\"" MV_SVG_TEXT "\" stroke-width=\"1.2\" "
                     "stroke-opacity=\"0.8\" d=\"M%.1f %.1f", cx, cy);
    for (uint32_t k = 1; k < c->nsamples; k++) {
        double y = mv_svg_tenth(y0 + PANEL_H - (double)lo[k] * PANEL_H / ymax);
        if (y == cy)
            continue;
        double x = mv_svg_tenth(col_x(w, k));
        mv_buf_putc(o, 'h');
        mv_svg_coord(o, x - cx);
        mv_buf_putc(o, 'v');
        mv_svg_coord(o, y - cy);
        cx = x;
        cy = y;
    }
    mv_buf_printf(o, "H%.1f\"><title>the least in each column</title></path>\n",
                  mv_svg_tenth(col_x(w, c->nsamples)));
}

static void
panel(cw *w, const double *data, double max, int y0, const char *id, const char *title, bool bytes,
      const uint64_t *lo)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    /* byte ticks are round in the unit they are written in */
    double unit = bytes && max >= 10.0 * 1048576 ? 1048576 : bytes && max >= 10240 ? 1024 : 1;
    double stp = mv_svg_tick_step(max / unit, 4) * unit;
    double ymax = stp * ceil(max / stp);
    if (ymax <= 0)
        ymax = stp;
    mv_buf_printf(o, "<g id=\"mv-%s\">\n", id);
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", w->left, y0 - 8,
                  title);
    mv_svg_grid(o, w->left, w->plot_w, y0, PANEL_H, ymax, stp, unit, bytes);
    double *base = mv_calloc(c->nsamples ? 2 * (size_t)c->nsamples : 1, sizeof *base);
    if (!base) {
        o->failed = true;
        return;
    }
    double *top = base + c->nsamples;
    for (uint32_t q = 0; q < c->nseries; q++) {
        const double *s = data + (size_t)q * c->nsamples;
        uint32_t pat = q < c->ntop ? q : CHART_TOP;
        for (uint32_t k = 0; k < c->nsamples; k++)
            top[k] = base[k] + s[k];
        mv_buf_printf(o, "<path fill=\"url(#mvc-%" PRIu32 ")\" stroke=\"#ffffff\" stroke-width=\"0.6\" d=\"",
                      pat);
        band(w, top, base, y0, ymax);
        mv_buf_puts(o, "\"/>\n");
        memcpy(base, top, c->nsamples * sizeof *base);
    }
    mv_free(base);
    if (c->has_lo)
        low_line(w, lo, y0, ymax);
    mv_buf_puts(o, "</g>\n");
}

/* Collections: a dashed line across both panels in each column that had
 * one, labelled "gc" above the top panel where there is room (clear of the
 * panel's title, of the step marker's label and of the previous "gc"). */
static void
gc_marks(cw *w, int y_top, int y_bottom, double marker_x)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    if (!c->ngc)
        return;
    mv_buf_puts(o, "<g id=\"mv-gc\" font-size=\"10\" fill=\"" C_GC "\">\n");
    double last_label = -1e9;
    for (uint32_t i = 0; i < c->ngc; i++) {
        double x = (col_x(w, c->gc_col[i]) + col_x(w, c->gc_col[i] + 1)) / 2;
        mv_buf_printf(o,
                      "<path d=\"M%.1f %dV%d\" stroke=\"" C_GC "\" stroke-width=\"1\" "
                      "stroke-dasharray=\"3 3\" stroke-opacity=\"0.7\"><title>%" PRIu32
                      " collection%s</title></path>",
                      x, y_top, y_bottom, c->gc_n[i], c->gc_n[i] == 1 ? "" : "s");
        if (x - last_label >= GC_LABEL_GAP && x > w->left + 100 &&
            (marker_x < 0 || fabs(x - marker_x) > 70)) {
            mv_buf_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">gc</text>", x,
                          y_top - 2);
            last_label = x;
        }
        mv_buf_putc(o, '\n');
    }
    mv_buf_puts(o, "</g>\n");
}

/* One transparent column per sample with the figures it draws. */
static void
columns(cw *w, int y_top, int y_bottom)
{
    const chart *c = w->c;
    const sampler *s = c->alloc ? &c->mem : &c->pic;
    mv_buf *o = w->out;
    const char *what = c->alloc ? "blocks" : "objects";
    mv_buf_puts(o, "<g id=\"mv-columns\" fill=\"#ffffff\" fill-opacity=\"0\">\n");
    for (uint32_t k = 0; k < c->nsamples; k++) {
        double a = col_x(w, k), b = col_x(w, k + 1);
        mv_buf_printf(o,
                      "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" data-first=\"%" PRIu32
                      "\" data-step=\"%" PRIu32 "\" data-%s=\"%" PRIu64 "\" data-bytes=\"%" PRIu64 "\"",
                      a, y_top, b - a, y_bottom - y_top, bucket_start(c, k), s->step[k], what,
                      s->count[k], s->bytes[k]);
        if (s->lo_count[k] != s->count[k] || s->lo_bytes[k] != s->bytes[k])
            mv_buf_printf(o, " data-least-%s=\"%" PRIu64 "\" data-least-bytes=\"%" PRIu64 "\"", what,
                          s->lo_count[k], s->lo_bytes[k]);
        mv_buf_printf(o, "><title>step %" PRIu32 ": ", s->step[k]);
        mv_svg_num(o, (double)s->count[k]);
        mv_buf_printf(o, " %s, ", what);
        mv_svg_bytes(o, (double)s->bytes[k]);
        mv_buf_puts(o, "</title></rect>\n");
    }
    mv_buf_puts(o, "</g>\n");
}

static int
legend(cw *w, int y)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    int x = w->left, item_w = 150, row = 0;
    mv_buf_puts(o, "<g id=\"mv-legend\" font-size=\"12\">\n");
    for (uint32_t q = 0; q < c->nseries + 2; q++) {
        if ((q == c->nseries && !c->has_lo) || (q == c->nseries + 1 && !c->ngc))
            continue;
        if (x + item_w > w->width) {
            x = w->left;
            row++;
        }
        int yy = y + row * 22;
        if (q == c->nseries) {
            mv_buf_printf(o,
                          "<path d=\"M%d %d.5h18\" stroke=\"" MV_SVG_TEXT "\" stroke-width=\"1.2\"/>"
                          "<text x=\"%d\" y=\"%d\">least in a column</text>\n",
                          x, yy + 6, x + 24, yy + 11);
            x += item_w;
            continue;
        }
        if (q == c->nseries + 1) {
            mv_buf_printf(o,
                          "<path d=\"M%d.5 %dv13\" stroke=\"" C_GC "\" stroke-dasharray=\"3 3\"/>"
                          "<text x=\"%d\" y=\"%d\">gc: a collection</text>\n",
                          x + 9, yy, x + 24, yy + 11);
            x += item_w;
            continue;
        }
        uint32_t pat = q < c->ntop ? q : CHART_TOP;
        mv_buf_printf(o, "<rect x=\"%d.5\" y=\"%d.5\" width=\"18\" height=\"13\" fill=\"url(#mvc-%" PRIu32
                         ")\" stroke=\"" MV_SVG_AXIS "\"/>",
                      x, yy, pat);
        mv_buf_printf(o, "<text x=\"%d\" y=\"%d\">", x + 24, yy + 11);
        type_name(w, q, TYPE_COLS);
        mv_buf_puts(o, "</text>\n");
        x += item_w;
    }
    mv_buf_puts(o, "</g>\n");
    return (row + 1) * 22;
}

static void
defs(cw *w)
{
    mv_buf *o = w->out;
    mv_buf_puts(o, "<defs>\n");
    for (int k = 0; k <= CHART_TOP; k++) {
        mv_buf_printf(o,
                      "<pattern id=\"mvc-%d\" patternUnits=\"userSpaceOnUse\" width=\"8\" "
                      "height=\"8\"><rect width=\"8\" height=\"8\" fill=\"%s\"/>",
                      k, mv_svg_palette[k]);
        if (strcmp(patterns[k], "dots") == 0)
            mv_buf_puts(o, "<circle cx=\"4\" cy=\"4\" r=\"1.4\" fill=\"#000000\" fill-opacity=\"0.45\"/>");
        else if (patterns[k][0])
            mv_buf_printf(o, "<path d=\"%s\" stroke=\"#000000\" stroke-opacity=\"0.45\" stroke-width=\"1.3\"/>",
                          patterns[k]);
        mv_buf_puts(o, "</pattern>\n");
    }
    mv_buf_puts(o, "</defs>\n");
}

static void
description(cw *w)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    mv_svg_num(o, c->nsteps);
    if (c->alloc)
        mv_buf_puts(o, " steps. Live blocks of the program by type, as the allocator counts "
                       "them (named or not). Peak: ");
    else
        mv_buf_puts(o, " steps. Objects in the picture (reachable from the program's names), "
                       "by type; the trace has no allocator totals. Peak: ");
    mv_svg_num(o, c->peak_cnt);
    mv_buf_printf(o, " %s at step %" PRIu32 "; ", c->alloc ? "blocks" : "objects",
                  c->peak_cnt_step);
    mv_svg_bytes(o, c->peak_byt);
    mv_buf_printf(o, " at step %" PRIu32 ". Types: ", c->peak_byt_step);
    for (uint32_t q = 0; q < c->nseries; q++) {
        if (q)
            mv_buf_puts(o, ", ");
        type_name(w, q, TYPE_COLS);
    }
    mv_buf_puts(o, ".");
    if (c->ngc) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < c->ngc; i++)
            n += c->gc_n[i];
        mv_buf_printf(o, " %" PRIu64 " collection%s.", n, n == 1 ? "" : "s");
    }
}

static void
caption(cw *w)
{
    mv_buf *o = w->out;
    const chart *c = w->c;
    mv_svg_caption_head(o, &w->sc, c->tr, w->left);
    mv_buf_puts(o, " · memory over ");
    mv_svg_num(o, c->nsteps);
    mv_buf_printf(o, " step%s · %s</text>\n", c->nsteps == 1 ? "" : "s",
                  c->alloc ? "allocator totals" : "objects in the picture");
    mv_buf_printf(o, "<text id=\"mv-source\" x=\"%d\" y=\"36\" fill=\"" MV_SVG_MUTED "\">", w->left);
    if (c->alloc) {
        const char *a = mv_trace_allocator(c->tr);
        mv_buf_puts(o, "every live block the program allocated, named or not, as the allocator "
                       "counts it (");
        mv_svg_text(o, &w->sc, a && *a ? a : "unknown allocator", a && *a ? strlen(a) : 17, 20);
        mv_buf_puts(o, "), stacked by type</text>\n");
        mv_buf_printf(o, "<text x=\"%d\" y=\"52\" fill=\"" MV_SVG_MUTED "\">blocks and block bytes "
                         "since the first step; each column shows its step with the most bytes%s"
                         "</text>\n",
                      w->left, c->has_lo ? ", the line the least" : "");
    } else {
        mv_buf_puts(o, "objects in the picture (reachable from the program's names), stacked by "
                       "type</text>\n");
        mv_buf_printf(o, "<text x=\"%d\" y=\"52\" fill=\"" MV_SVG_MUTED "\">no allocator totals in "
                         "this trace (recorded without memory events, MEMVIEW_EVENTS=0)</text>\n",
                      w->left);
    }
}

mv_status
mv_render_chart_svg(const mv_trace *tr, const mv_chart_opts *opts, mv_buf *out)
{
    if (!tr || !out)
        return MV_EINVAL;
    static const mv_chart_opts none;
    const mv_chart_opts *op = opts ? opts : &none;
    chart c;
    memset(&c, 0, sizeof c);
    c.tr = tr;
    c.nsteps = mv_trace_nsteps(tr);
    mv_map_init(&c.type_index);
    mv_map_init(&c.live);
    cw w = {.out = out, .c = &c};
    w.width = op->width >= 320 ? op->width : 800;
    w.left = 78;
    w.plot_w = w.width - w.left - 20;
    mv_status st = gather(&c, (uint32_t)w.plot_w);
    if (st == MV_OK)
        st = series(&c);
    if (st != MV_OK)
        goto out;
    int y_obj = CAPTION_H + 24;
    int y_byt = y_obj + PANEL_H + PANEL_GAP;
    int y_axis = y_byt + PANEL_H;
    int y_leg = y_axis + 44;
    uint32_t per_row = (uint32_t)((w.width - w.left) / 150);
    uint32_t items = c.nseries + (c.ngc ? 1 : 0) + (c.has_lo ? 1 : 0);
    int rows = (int)((items + per_row - 1) / per_row);
    int height = y_leg + (rows ? rows : 1) * 22 + 10;
    const char *source = c.alloc ? "allocator totals" : "objects in the picture";

    mv_buf label = {0};
    mv_buf_printf(&label, "Memory over time (%s): ", source);
    mv_svg_program(&label, &w.sc, tr);
    mv_svg_head(out, w.width, height,
                c.alloc ? " data-source=\"allocator\"" : " data-source=\"picture\"",
                label.data ? label.data : "", label.len);
    if (label.failed)
        out->failed = true;
    mv_buf_release(&label);
    description(&w);
    mv_buf_puts(out, "</desc>\n");
    defs(&w);
    mv_buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w.width, height);
    caption(&w);
    if (c.nsamples) {
        const sampler *sm = c.alloc ? &c.mem : &c.pic;
        panel(&w, c.scnt, c.peak_cnt, y_obj, c.alloc ? "blocks" : "objects",
              c.alloc ? "live blocks" : "live objects", false, sm->lo_count);
        panel(&w, c.sbyt, c.peak_byt, y_byt, "bytes", "live bytes", true, sm->lo_bytes);
        mv_svg_step_axis(out, w.left, w.plot_w, y_axis, 0, c.nsteps);
        bool mark = op->marker && op->marker_step < c.nsteps;
        double x = mark ? x_of(&w, op->marker_step + 0.5) : -1;
        gc_marks(&w, y_obj, y_axis, x);
        if (mark) {
            bool right = x > w.left + 0.75 * w.plot_w;
            mv_svg_marker(out, x, y_obj, y_axis, right, op->marker_step);
        }
        columns(&w, y_obj, y_axis);
        legend(&w, y_leg);
    } else {
        mv_buf_printf(out, "<text x=\"%d\" y=\"%d\" fill=\"" MV_SVG_MUTED "\">no step was recorded</text>\n",
                      w.left, y_obj + 20);
    }
    mv_buf_puts(out, "</svg>\n");
out:
    mv_svg_scratch_release(&w.sc);
    chart_release(&c);
    if (st == MV_OK && out->failed)
        st = MV_ENOMEM;
    return st;
}
