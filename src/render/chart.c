/* Memory over time as a standalone SVG chart: live objects and live bytes per
 * step, stacked by type (the biggest types each with a series, the rest as
 * "other"). Contract in render.h; what the chart means: docs/charts.md.
 *
 * Data. One pass over the trace with the delta iterator keeps, for every
 * object in the picture, its type and size (a map ref -> packed type index
 * and size) and the running totals per type; the totals are sampled at no
 * more than CHART_MAX_SAMPLES steps, so a 100,000-step run costs one pass and
 * a chart of bounded size. The model does not hold the allocator's totals
 * (every object the program has, named or not), so the chart counts the
 * objects in the picture, and says so in its caption.
 *
 * Reading the chart without colour: every series has its own fill pattern
 * (hatching, dots, grid) as well as a colour, the legend repeats both, and
 * the <desc> gives the peak figures in words. Type names come from the
 * program: they are cut to visible text and XML-escaped (mv_vis_xml). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/vis.h"
#include "render.h"

#define CHART_MAX_SAMPLES 800 /* points of a series */
#define CHART_TOP 8           /* types with a series of their own */
#define CHART_MAX_TYPES 4096  /* distinct types tracked; later ones count as "other" */
#define TYPE_COLS 18          /* a type name in the legend is cut past this */

#define C_TEXT "#111827"
#define C_MUTED "#4b5563"
#define C_GRID "#e5e7eb"
#define C_AXIS "#6b7280"
#define C_MARK "#b45309"

/* Okabe-Ito colours and a pattern each (docs/charts.md); the last is "other" */
static const char *const colours[CHART_TOP + 1] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                                   "#56b4e9", "#d55e00", "#f0e442", "#8c6bb1",
                                                   "#9a9a9a"};
static const char *const patterns[CHART_TOP + 1] = {
    "", "M0 8L8 0", "dots", "M0 4H8", "M0 8L8 0M0 0L8 8", "M4 0V8", "M0 0L8 8", "M0 4H8M4 0V8", "dots"};

typedef struct sample_entry {
    uint32_t type; /* type index */
    uint32_t count;
    uint64_t bytes;
} sample_entry;

typedef struct chart {
    const mv_trace *tr;
    uint32_t nsteps, nsamples;
    uint32_t *sample_step;   /* nsamples */
    size_t *sample_off;      /* nsamples + 1: entries of sample k */
    sample_entry *entries;
    size_t nentries, capentries;
    uint32_t ntypes;
    uint64_t total_bytes;    /* running, over every type */
    uint32_t *type_str;      /* type index -> string id */
    uint32_t *cnt;           /* running totals per type index */
    uint64_t *byt;
    mv_map type_index;       /* string id -> index + 1 */
    mv_map live;             /* ref -> (index << 40) | min(size, 2^40 - 1) */
    /* the series */
    uint32_t nseries;        /* own types + 1 if "other" */
    uint32_t top[CHART_TOP];
    uint32_t ntop;
    bool other;
    double *scnt, *sbyt;     /* nseries x nsamples */
    double max_cnt, max_byt;
    double peak_cnt, peak_byt;
    uint32_t peak_cnt_step, peak_byt_step;
} chart;

static void
chart_release(chart *c)
{
    mv_free(c->sample_step);
    mv_free(c->sample_off);
    mv_free(c->entries);
    mv_free(c->type_str);
    mv_free(c->cnt);
    mv_free(c->byt);
    mv_free(c->scnt);
    mv_free(c->sbyt);
    mv_map_release(&c->type_index);
    mv_map_release(&c->live);
}

/* The index of type string id t; CHART_MAX_TYPES - 1 once the table is
 * full. MV_ENOMEM. */
static mv_status
type_idx(chart *c, uint32_t t, uint32_t *out)
{
    uint64_t *v = mv_map_get(&c->type_index, t);
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
        uint32_t *cn = mv_realloc(c->cnt, cap * sizeof *cn);
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
    if (mv_map_put(&c->type_index, t, (uint64_t)k + 1) != MV_OK)
        return MV_ENOMEM;
    *out = k;
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
        c->total_bytes += size;
    } else {
        c->cnt[k]--;
        c->byt[k] -= size;
        c->total_bytes -= size;
    }
}

static mv_status
snapshot(chart *c, uint32_t k)
{
    c->nentries = c->sample_off[k]; /* a better step of the same bucket replaces it */
    for (uint32_t t = 0; t < c->ntypes; t++) {
        if (!c->cnt[t])
            continue;
        if (c->nentries == c->capentries) {
            size_t cap = c->capentries ? 2 * c->capentries : 256;
            sample_entry *e = mv_realloc(c->entries, cap * sizeof *e);
            if (!e)
                return MV_ENOMEM;
            c->entries = e;
            c->capentries = cap;
        }
        c->entries[c->nentries++] = (sample_entry){t, c->cnt[t], c->byt[t]};
    }
    c->sample_off[k + 1] = c->nentries;
    return MV_OK;
}

/* One pass over the trace: the sampled totals per type. */
static mv_status
gather(chart *c)
{
    mv_trace_iter *it = NULL;
    mv_status st = MV_OK;
    uint32_t n = c->nsteps;
    c->nsamples = n < CHART_MAX_SAMPLES ? n : CHART_MAX_SAMPLES;
    c->sample_step = mv_calloc(c->nsamples ? c->nsamples : 1, sizeof *c->sample_step);
    c->sample_off = mv_calloc((size_t)c->nsamples + 1, sizeof *c->sample_off);
    if (!c->sample_step || !c->sample_off)
        return MV_ENOMEM;
    for (uint32_t k = 0; k < c->nsamples; k++)
        c->sample_step[k] = c->nsamples == n ? k
                                             : (uint32_t)(((uint64_t)k * (n - 1) +
                                                           (c->nsamples - 1) / 2) /
                                                          (c->nsamples - 1));
    if ((st = mv_trace_iter_new(c->tr, &it)) != MV_OK)
        return st;
    mv_delta d;
    uint32_t k = 0;       /* the bucket of the current step: [sample_step[k], sample_step[k+1]) */
    uint64_t best = 0;    /* the highest total of the bucket so far */
    bool first = true;
    while (st == MV_OK && mv_trace_iter_next(it, &d)) {
        for (uint32_t i = 0; st == MV_OK && i < d.nobjects; i++) {
            const mv_object *o = &d.objects[i];
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
        for (uint32_t i = 0; st == MV_OK && i < d.ndrops; i++) {
            uint64_t *old = mv_map_get(&c->live, d.drops[i]);
            if (old) {
                account(c, *old, -1);
                mv_map_del(&c->live, d.drops[i]);
            }
        }
        /* each bucket of steps shows its step with the most bytes, so that a
           short peak is not lost between two samples */
        while (k + 1 < c->nsamples && c->sample_step[k + 1] <= d.step) {
            k++;
            first = true;
        }
        if (st == MV_OK && k < c->nsamples && (first || c->total_bytes > best)) {
            best = c->total_bytes;
            first = false;
            st = snapshot(c, k);
        }
    }
    if (c->nsamples)
        k++;
    if (st == MV_OK)
        st = mv_trace_iter_status(it);
    mv_trace_iter_free(it);
    while (st == MV_OK && k < c->nsamples) { /* a trace shorter than it said */
        c->sample_off[k] = c->nentries;
        st = snapshot(c, k++);
    }
    return st;
}

/* The biggest types get a series of their own: by peak bytes, then peak
 * count, then the type name. */
static mv_status
series(chart *c)
{
    double *pb = mv_calloc(c->ntypes ? c->ntypes : 1, sizeof *pb);
    double *pc = mv_calloc(c->ntypes ? c->ntypes : 1, sizeof *pc);
    mv_status st = MV_OK;
    if (!pb || !pc) {
        st = MV_ENOMEM;
        goto out;
    }
    for (size_t e = 0; e < c->nentries; e++) {
        const sample_entry *x = &c->entries[e];
        if (x->bytes > pb[x->type])
            pb[x->type] = (double)x->bytes;
        if (x->count > pc[x->type])
            pc[x->type] = x->count;
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
    for (uint32_t k = 0; k < c->nsamples; k++) {
        double tc = 0, tb = 0;
        for (size_t e = c->sample_off[k]; e < c->sample_off[k + 1]; e++) {
            const sample_entry *x = &c->entries[e];
            uint32_t q = c->ntop;
            for (uint32_t j = 0; j < c->ntop; j++)
                if (c->top[j] == x->type)
                    q = j;
            if (q >= c->nseries)
                continue;
            c->scnt[(size_t)q * c->nsamples + k] += x->count;
            c->sbyt[(size_t)q * c->nsamples + k] += (double)x->bytes;
            tc += x->count;
            tb += (double)x->bytes;
        }
        if (tc > c->peak_cnt) {
            c->peak_cnt = tc;
            c->peak_cnt_step = c->sample_step[k];
        }
        if (tb > c->peak_byt) {
            c->peak_byt = tb;
            c->peak_byt_step = c->sample_step[k];
        }
    }
    c->max_cnt = c->peak_cnt;
    c->max_byt = c->peak_byt;
out:
    mv_free(pb);
    mv_free(pc);
    return st;
}

/* ---- drawing ---- */

typedef struct cw {
    mv_buf *out;
    mv_buf tmp, vis;
    const chart *c;
    int width, left, plot_w;
} cw;

/* Program text (a type name), cut to maxcols visible columns, escaped. */
static void
prog_text(cw *w, const char *s, size_t n, size_t maxcols)
{
    mv_buf_reset(&w->vis);
    mv_vis_text(&w->vis, s, n, MV_VIS_PLAIN, 0, maxcols, NULL);
    mv_vis_xml(w->out, &w->tmp, w->vis.data ? w->vis.data : "", w->vis.len);
}

static void
type_name(cw *w, uint32_t q, size_t maxcols)
{
    if (q >= w->c->ntop) {
        mv_buf_puts(w->out, "other types");
        return;
    }
    size_t n;
    const char *s = mv_trace_str(w->c->tr, w->c->type_str[w->c->top[q]], &n);
    prog_text(w, s ? s : "?", s ? n : 1, maxcols);
}

/* 1234567 -> "1,234,567" */
static void
put_num(mv_buf *b, double v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%.0f", v < 0 ? 0 : v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            mv_buf_putc(b, ',');
        mv_buf_putc(b, digits[i]);
    }
}

static void
put_bytes(mv_buf *b, double v)
{
    if (v < 10240) {
        put_num(b, v);
        mv_buf_puts(b, " B");
    } else if (v < 10.0 * 1048576) {
        mv_buf_printf(b, "%.1f KiB", v / 1024);
    } else {
        mv_buf_printf(b, "%.1f MiB", v / 1048576);
    }
}

/* Round tick step for about n ticks up to max (integers only). */
static double
tick_step(double max, int n)
{
    if (max <= 0)
        return 1;
    double raw = max / n, p = pow(10, floor(log10(raw)));
    double s = p;
    if (s < raw)
        s = 2 * p;
    if (s < raw)
        s = 5 * p;
    if (s < raw)
        s = 10 * p;
    return s < 1 ? 1 : round(s);
}

static double
x_of(const cw *w, double step)
{
    uint32_t n = w->c->nsteps ? w->c->nsteps : 1;
    return w->left + step * w->plot_w / n;
}

#define PANEL_H 150
#define PANEL_GAP 46
#define CAPTION_H 40

static void
panel(cw *w, const double *data, double max, int y0, const char *title, bool bytes)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    /* byte ticks are round in the unit they are written in */
    double unit = bytes && max >= 10.0 * 1048576 ? 1048576 : bytes && max >= 10240 ? 1024 : 1;
    double stp = tick_step(max / unit, 4) * unit;
    double ymax = stp * ceil(max / stp);
    if (ymax <= 0)
        ymax = stp;
    mv_buf_printf(o, "<g id=\"mv-%s\">\n", bytes ? "bytes" : "objects");
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", w->left, y0 - 8,
                  title);
    for (double v = 0; v <= ymax + 1e-9; v += stp) {
        double y = y0 + PANEL_H - v * PANEL_H / ymax;
        mv_buf_printf(o, "<path d=\"M%d %.1fh%d\" stroke=\"%s\"/>\n", w->left, y, w->plot_w,
                      v > 0 ? C_GRID : C_AXIS);
        mv_buf_printf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"" C_MUTED "\">",
                      w->left - 6, y + 4);
        if (bytes && unit > 1)
            mv_buf_printf(o, "%.0f %s", v / unit, unit > 1024 ? "MiB" : "KiB");
        else if (bytes)
            put_bytes(o, v);
        else
            put_num(o, v);
        mv_buf_puts(o, "</text>\n");
    }
    double *base = mv_calloc(c->nsamples ? c->nsamples : 1, sizeof *base);
    if (!base) {
        o->failed = true;
        return;
    }
    for (uint32_t q = 0; q < c->nseries; q++) {
        const double *s = data + (size_t)q * c->nsamples;
        uint32_t pat = q < c->ntop ? q : CHART_TOP;
        mv_buf_printf(o, "<path fill=\"url(#mvc-%" PRIu32 ")\" stroke=\"#ffffff\" stroke-width=\"0.6\" d=\"",
                      pat);
        /* the top edge left to right, then the bottom edge back */
        for (uint32_t k = 0; k < c->nsamples; k++) {
            double a = x_of(w, c->sample_step[k]);
            double b = x_of(w, k + 1 < c->nsamples ? c->sample_step[k + 1] : c->nsteps);
            double y = y0 + PANEL_H - (base[k] + s[k]) * PANEL_H / ymax;
            mv_buf_printf(o, "%c%.1f %.1fL%.1f %.1f", k ? 'L' : 'M', a, y, b, y);
        }
        for (uint32_t k = c->nsamples; k-- > 0;) {
            double a = x_of(w, c->sample_step[k]);
            double b = x_of(w, k + 1 < c->nsamples ? c->sample_step[k + 1] : c->nsteps);
            double y = y0 + PANEL_H - base[k] * PANEL_H / ymax;
            mv_buf_printf(o, "L%.1f %.1fL%.1f %.1f", b, y, a, y);
            base[k] += s[k];
        }
        mv_buf_puts(o, "Z\"/>\n");
    }
    mv_free(base);
    mv_buf_puts(o, "</g>\n");
}

static void
x_axis(cw *w, int y)
{
    mv_buf *o = w->out;
    uint32_t n = w->c->nsteps;
    mv_buf_printf(o, "<g id=\"mv-steps\" font-size=\"11\" fill=\"" C_MUTED "\">\n");
    double stp = tick_step(n > 1 ? n - 1 : 1, w->plot_w / 90 > 2 ? w->plot_w / 90 : 2);
    for (double v = 0; v <= (double)(n ? n - 1 : 0) + 1e-9; v += stp) {
        double x = x_of(w, v + 0.5);
        mv_buf_printf(o, "<path d=\"M%.1f %dv4\" stroke=\"" C_AXIS "\"/>", x, y);
        mv_buf_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", x, y + 16, v);
    }
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">step</text>\n", w->left + w->plot_w,
                  y + 32);
    mv_buf_puts(o, "</g>\n");
}

static int
legend(cw *w, int y)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    int x = w->left, item_w = 150, row = 0;
    mv_buf_puts(o, "<g id=\"mv-legend\" font-size=\"12\">\n");
    for (uint32_t q = 0; q < c->nseries; q++) {
        if (x + item_w > w->width) {
            x = w->left;
            row++;
        }
        int yy = y + row * 22;
        uint32_t pat = q < c->ntop ? q : CHART_TOP;
        mv_buf_printf(o, "<rect x=\"%d.5\" y=\"%d.5\" width=\"18\" height=\"13\" fill=\"url(#mvc-%" PRIu32
                         ")\" stroke=\"" C_AXIS "\"/>",
                      x, yy, pat);
        mv_buf_printf(o, "<text x=\"%d\" y=\"%d\">", x + 24, yy + 11);
        type_name(w, q, TYPE_COLS);
        mv_buf_puts(o, "</text>\n");
        x += item_w;
    }
    mv_buf_puts(o, "</g>\n");
    return c->nseries ? (row + 1) * 22 : 0;
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
                      k, colours[k]);
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
program_name(cw *w)
{
    const char *p = mv_trace_program(w->c->tr);
    if (!p || !*p) {
        mv_buf_puts(w->out, "program");
        return;
    }
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    prog_text(w, base, strlen(base), 60);
}

static void
description(cw *w)
{
    const chart *c = w->c;
    mv_buf *o = w->out;
    mv_buf_printf(o, "%" PRIu32 " steps. Objects in the picture (reachable from the program's names), by type. Peak: ",
                  c->nsteps);
    put_num(o, c->peak_cnt);
    mv_buf_printf(o, " objects at step %" PRIu32 "; ", c->peak_cnt_step);
    put_bytes(o, c->peak_byt);
    mv_buf_printf(o, " at step %" PRIu32 ". Types: ", c->peak_byt_step);
    for (uint32_t q = 0; q < c->nseries; q++) {
        if (q)
            mv_buf_puts(o, ", ");
        type_name(w, q, TYPE_COLS);
    }
    mv_buf_puts(o, ".");
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
    mv_status st = gather(&c);
    if (st == MV_OK)
        st = series(&c);
    if (st != MV_OK)
        goto out;
    w.width = op->width >= 320 ? op->width : 800;
    w.left = 78;
    w.plot_w = w.width - w.left - 20;
    int y_obj = CAPTION_H + 24;
    int y_byt = y_obj + PANEL_H + PANEL_GAP;
    int y_axis = y_byt + PANEL_H;
    int y_leg = y_axis + 44;
    int rows = (int)((c.nseries + (uint32_t)((w.width - w.left) / 150) - 1) /
                     (uint32_t)((w.width - w.left) / 150));
    int height = y_leg + (rows ? rows : 1) * 22 + 10;

    mv_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    mv_buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                  "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Memory over time: ",
                  w.width, height, w.width, height);
    program_name(&w);
    mv_buf_puts(out, "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" "
                     "fill=\"" C_TEXT "\">\n<title>Memory over time: ");
    program_name(&w);
    mv_buf_puts(out, "</title>\n<desc>");
    description(&w);
    mv_buf_puts(out, "</desc>\n");
    defs(&w);
    mv_buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w.width, height);
    mv_buf_printf(out, "<text x=\"%d\" y=\"20\" font-size=\"14\"><tspan font-weight=\"bold\">", w.left);
    program_name(&w);
    mv_buf_printf(out, "</tspan> · memory over %" PRIu32 " step%s</text>\n", c.nsteps,
                  c.nsteps == 1 ? "" : "s");
    mv_buf_printf(out,
                  "<text x=\"%d\" y=\"36\" fill=\"" C_MUTED "\">objects in the picture "
                  "(reachable from the program's names), stacked by type</text>\n",
                  w.left);
    if (c.nsamples) {
        panel(&w, c.scnt, c.max_cnt, y_obj, "live objects", false);
        panel(&w, c.sbyt, c.max_byt, y_byt, "live bytes", true);
        x_axis(&w, y_axis);
        if (op->marker && op->marker_step < c.nsteps) {
            double x = x_of(&w, op->marker_step + 0.5);
            mv_buf_printf(out,
                          "<g id=\"mv-marker\"><path d=\"M%.1f %dV%d\" stroke=\"" C_MARK
                          "\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%d\" fill=\"" C_MARK
                          "\" font-weight=\"bold\"%s>step %" PRIu32 "</text></g>\n",
                          x, y_obj, y_axis, x + (x > w.left + 0.75 * w.plot_w ? -4 : 4), y_obj - 8,
                          x > w.left + 0.75 * w.plot_w ? " text-anchor=\"end\"" : "", op->marker_step);
        }
        legend(&w, y_leg);
    } else {
        mv_buf_printf(out, "<text x=\"%d\" y=\"%d\" fill=\"" C_MUTED "\">no step was recorded</text>\n",
                      w.left, y_obj + 20);
    }
    mv_buf_puts(out, "</svg>\n");
out:
    mv_buf_release(&w.tmp);
    mv_buf_release(&w.vis);
    chart_release(&c);
    if (st == MV_OK && out->failed)
        st = MV_ENOMEM;
    return st;
}
