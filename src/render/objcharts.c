/* Two charts of objects over the steps, as standalone SVG documents: the
 * reference count of one object (mv_render_refcount_svg) and where the
 * objects sit in memory (mv_render_addresses_svg). Contracts in render.h;
 * what they draw and the data they carry: docs/charts.md. The viewer's
 * panels of the same names (web/viewer.js) draw the same figures.
 *
 * One pass each with the delta iterator, and memory bounded by the picture,
 * not by the run:
 *
 * - The refcount chart keeps one column per step from the first step of
 *   interest (the object entering the picture, or the marker), as long as
 *   the steps fit the plot's pixels; when they no longer do, neighbouring
 *   columns are merged pairwise and a column stands for twice as many steps
 *   (1, 2, 4, ...), so the plot ends with at most one column per pixel and
 *   each column keeps the least and the most count of its steps. Unmerged
 *   columns (one step each) are drawn as an exact step line, runs of equal
 *   counts as one segment; merged ones as the band between their least and
 *   most count.
 * - The address chart follows the lives open at the current step (objects
 *   in the picture: bounded by the per-step object cap) and keeps only the
 *   longest closed lives, as many as it draws (MV_ADDR_MAX_LIVES); the rest
 *   are counted for the caption.
 *
 * Never by colour alone: the unreachable part of a life is dashed and
 * hatched, a free is a "✕" with its reason in words, and every figure is
 * also in the file as data-* attributes (mv-points, mv-lives) and in the
 * <desc>. Type names and names come from the program: visible text, cut,
 * XML-escaped (svgkit.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "svgkit.h"

#define NAMES_MAX 3  /* frame names kept per object (or life) */
#define NAME_COLS 12 /* a name in a label is cut past this */
#define TYPE_COLS 16 /* a type name in a label is cut past this */
#define CAPTION_H 56
#define GAP_BYTES 1048576u /* rows further apart than this get a dashed separator */

#define C_LINE "#0072b2"    /* mv_svg_palette[0]: reachable */
#define C_UNREACH "#d55e00" /* mv_svg_palette[5]: unreachable */
#define C_BAND "#fbe3d3"

static const char *const cause_names[] = {"refcount", "gc", "reused"};

/* ---- shared by both charts ---- */

/* The frame names that referred to an object (string ids), first seen first. */
typedef struct names {
    uint32_t id[NAMES_MAX];
    uint8_t n;
} names;

/* A free event of a shown object. */
typedef struct freed {
    bool yes;
    uint8_t cause, generation;
    uint32_t step, by, last;
} freed;

static void
names_add(names *nm, uint32_t id)
{
    for (uint8_t i = 0; i < nm->n; i++)
        if (nm->id[i] == id)
            return;
    if (nm->n < NAMES_MAX)
        nm->id[nm->n++] = id;
}

static void
freed_take(freed *f, const mv_mevent *e, uint32_t step)
{
    *f = (freed){.yes = true,
                 .cause = e->cause <= MV_FREE_REUSED ? e->cause : MV_FREE_REFCOUNT,
                 .generation = e->generation,
                 .step = step,
                 .by = e->by,
                 .last = e->last};
}

/* Program text of string id `id`, cut to maxcols, into sc->vis (unescaped);
 * returns its columns. */
static size_t
vis_str(mv_svg_scratch *sc, const mv_trace *tr, uint32_t id, size_t maxcols)
{
    size_t n = 0;
    const char *s = mv_trace_str(tr, id, &n);
    return mv_svg_vis(sc, s ? s : "?", s ? n : 1, maxcols);
}

/* "list #3", then sep and the names ", "-joined, all in at most maxcols
 * columns (0: no names), into sc->vis. True when names were written. */
static bool
vis_label(mv_svg_scratch *sc, const mv_trace *tr, uint32_t type, uint32_t ref, const names *nm,
          const char *sep, size_t maxcols)
{
    size_t used = vis_str(sc, tr, type, TYPE_COLS);
    char num[16];
    int k = snprintf(num, sizeof num, " #%" PRIu32, ref);
    mv_buf_puts(&sc->vis, num);
    used += (size_t)k + strlen(sep);
    if (!nm->n || maxcols < used + 4)
        return false;
    mv_buf_puts(&sc->vis, sep);
    for (uint8_t i = 0; i < nm->n && used + 4 <= maxcols; i++) {
        if (i) {
            mv_buf_puts(&sc->vis, ", ");
            used += 2;
        }
        /* the last name may take what is left */
        size_t room = maxcols - used < NAME_COLS || i + 1 == nm->n ? maxcols - used : NAME_COLS;
        used += vis_str(sc, tr, nm->id[i], room);
    }
    return true;
}

/* Why an object was freed, in words, into sc->vis. */
static void
vis_freed(mv_svg_scratch *sc, const mv_trace *tr, const freed *f)
{
    mv_buf *v = &sc->vis;
    if (f->cause == MV_FREE_GC) {
        mv_buf_printf(v, "freed by the cycle collector (generation %u)", f->generation);
    } else if (f->cause == MV_FREE_REUSED) {
        mv_buf_puts(v, "freed: its address was reused");
        if (f->by)
            mv_buf_printf(v, " by #%" PRIu32, f->by);
    } else {
        mv_buf_puts(v, "freed: refcount 0");
        if (f->last != UINT32_MAX) {
            mv_buf_puts(v, " (last reference ");
            vis_str(sc, tr, f->last, NAME_COLS);
            mv_buf_putc(v, ')');
        }
    }
}

/* data-freed="cause" data-freed-step="N" [data-generation] [data-by] */
static void
freed_attrs(mv_buf *o, const freed *f)
{
    mv_buf_printf(o, " data-freed=\"%s\" data-freed-step=\"%" PRIu32 "\"", cause_names[f->cause],
                  f->step);
    if (f->cause == MV_FREE_GC)
        mv_buf_printf(o, " data-generation=\"%u\"", f->generation);
    if (f->cause == MV_FREE_REUSED && f->by)
        mv_buf_printf(o, " data-by=\"%" PRIu32 "\"", f->by);
}

/* The hatching of unreachable parts. */
static void
hatch_defs(mv_buf *o)
{
    mv_buf_puts(o, "<defs><pattern id=\"mvo-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" "
                   "height=\"6\"><rect width=\"6\" height=\"6\" fill=\"" C_BAND "\"/><path "
                   "d=\"M0 6L6 0M-1 1L1 -1M5 7L7 5\" stroke=\"#000000\" stroke-opacity=\"0.55\" "
                   "stroke-width=\"1\"/></pattern></defs>\n");
}

/* A legend item: its key (SVG at x, y) then its words (escaped). Returns
 * the next item's x. */
static int
legend_item(mv_buf *o, int x, int y, const char *key, const char *words)
{
    mv_buf_printf(o, "<g transform=\"translate(%d %d)\">%s<text x=\"26\" y=\"11\">%s</text></g>\n",
                  x, y, key, words);
    return x + 26 + (int)(strlen(words) * 6.4) + 24;
}

#define KEY_LINE "<path d=\"M0 6.5h20\" stroke=\"" C_LINE "\" stroke-width=\"2.5\"/>"
#define KEY_UNREACH                                                                                \
    "<rect x=\".5\" y=\".5\" width=\"20\" height=\"12\" fill=\"url(#mvo-hatch)\" "                 \
    "stroke=\"" C_UNREACH "\" stroke-dasharray=\"3 2\"/>"
#define KEY_FREED "<text x=\"10\" y=\"11\" text-anchor=\"middle\" font-weight=\"bold\">✕</text>"

/* The document head with a label made of `what` and the program's name. */
static void
head(mv_buf *out, mv_svg_scratch *sc, const mv_trace *tr, int width, int height, const char *attrs,
     const char *what)
{
    mv_buf label = {0};
    mv_buf_puts(&label, what);
    mv_svg_program(&label, sc, tr);
    mv_svg_head(out, width, height, attrs, label.data ? label.data : "", label.len);
    if (label.failed)
        out->failed = true;
    mv_buf_release(&label);
}

/* ================================================================ */
/* The reference count of one object                                 */

/* Steps base + (k << shift) ... of the chart: the present steps among
 * them, and their least, most, first and last count. */
typedef struct rc_col {
    uint32_t first, last; /* present steps within; first > last: none */
    int64_t lo, hi;
    int64_t first_rc, last_rc;
    uint32_t nunreach; /* present steps spent unreachable */
} rc_col;

typedef struct rc_chart {
    const mv_trace *tr;
    uint32_t ref, nsteps;
    /* the object as the pass goes */
    bool present, unreach, seen, immortal;
    int64_t rc;
    uint32_t type;
    names nm;
    freed fr;
    /* what it did over the run */
    uint32_t first_seen, last_seen;
    uint64_t npresent, nunreach;
    uint32_t first_unreach;
    int64_t lo, hi;
    /* columns */
    bool based;
    uint32_t base, end; /* steps base .. end - 1 are drawn */
    unsigned shift;
    rc_col *cols;
    uint32_t ncols, capcols;
} rc_chart;

#define RC_EMPTY ((rc_col){UINT32_MAX, 0, 0, 0, 0, 0, 0})

static void
rc_merge(rc_col *a, const rc_col *b)
{
    if (b->first > b->last)
        return;
    if (a->first > a->last) {
        *a = *b;
        return;
    }
    a->last = b->last;
    a->lo = b->lo < a->lo ? b->lo : a->lo;
    a->hi = b->hi > a->hi ? b->hi : a->hi;
    a->last_rc = b->last_rc;
    a->nunreach += b->nunreach;
}

/* The column of step t, made (and the columns halved) as needed. */
static rc_col *
rc_touch(rc_chart *c, uint32_t t)
{
    if (!c->based) {
        c->based = true;
        c->base = t;
    }
    uint32_t k;
    while ((k = (t - c->base) >> c->shift) >= c->capcols) {
        for (uint32_t j = 0; j < (c->ncols + 1) / 2; j++) {
            rc_col m = c->cols[2 * j];
            if (2 * j + 1 < c->ncols)
                rc_merge(&m, &c->cols[2 * j + 1]);
            c->cols[j] = m;
        }
        c->ncols = (c->ncols + 1) / 2;
        c->shift++;
    }
    while (c->ncols <= k)
        c->cols[c->ncols++] = RC_EMPTY;
    if (t + 1 > c->end)
        c->end = t + 1;
    return &c->cols[k];
}

static void
rc_point(rc_chart *c, uint32_t t)
{
    rc_col one = {t, t, c->rc, c->rc, c->rc, c->rc, c->unreach};
    rc_merge(rc_touch(c, t), &one);
    if (!c->npresent++)
        c->lo = c->hi = c->rc;
    c->lo = c->rc < c->lo ? c->rc : c->lo;
    c->hi = c->rc > c->hi ? c->rc : c->hi;
    if (c->unreach && !c->nunreach++)
        c->first_unreach = t;
}

/* The object at this step: its records, whether it is in the picture, its
 * names, its free. */
static void
rc_step(rc_chart *c, const mv_delta *d)
{
    bool was = c->present;
    for (uint32_t i = 0; i < d->nobjects; i++) {
        const mv_object *o = &d->objects[i];
        if (o->ref != c->ref)
            continue;
        if (!c->seen)
            c->first_seen = d->step;
        c->present = c->seen = true;
        c->rc = o->refcount;
        c->type = o->type;
        c->unreach = (o->flags & MV_OF_UNREACHABLE) != 0;
        if ((o->flags & MV_OF_IMMORTAL) || o->refcount < 0)
            c->immortal = true;
    }
    for (uint32_t i = 0; i < d->nrc; i++)
        if (d->rc_refs[i] == c->ref)
            c->rc = d->rc_vals[i];
    for (uint32_t i = 0; i < d->ndrops; i++)
        if (d->drops[i] == c->ref)
            c->present = false;
    for (uint32_t i = 0; i < d->nevents; i++)
        if (d->events[i].kind == MV_MEV_FREE && d->events[i].ref == c->ref && c->seen) {
            freed_take(&c->fr, &d->events[i], d->step);
            rc_touch(c, d->step);
        }
    if (c->present && (d->frames_changed || !was))
        for (uint32_t f = d->nframes; f-- > 0;)
            for (uint32_t l = 0; l < d->frames[f].nlocals; l++)
                if (d->frames[f].locals[l].ref == c->ref)
                    names_add(&c->nm, d->frames[f].locals[l].name);
    if (c->present)
        c->last_seen = d->step;
    if (c->present && !c->immortal)
        rc_point(c, d->step);
}

static mv_status
rc_gather(rc_chart *c, const mv_objchart_opts *op)
{
    mv_trace_iter *it = NULL;
    mv_status st = mv_trace_iter_new(c->tr, &it);
    if (st != MV_OK)
        return st;
    mv_delta d;
    while (mv_trace_iter_next(it, &d)) {
        /* the chart reaches the marker's step, before or after the object */
        if (op->marker && op->marker_step == d.step)
            rc_touch(c, d.step);
        rc_step(c, &d);
    }
    st = mv_trace_iter_status(it);
    mv_trace_iter_free(it);
    return st;
}

/* ---- drawing ---- */

typedef struct rc_draw {
    mv_buf *out;
    mv_svg_scratch sc;
    const rc_chart *c;
    int width, left, plot_w, top, plot_h;
    uint32_t span;
    double ymax;
} rc_draw;

/* Left edge of step t. */
static double
rc_x(const rc_draw *w, uint32_t t)
{
    return w->left + (double)(t - w->c->base) * w->plot_w / w->span;
}

static double
rc_y(const rc_draw *w, int64_t v)
{
    return w->top + w->plot_h - (double)v * w->plot_h / w->ymax;
}

/* The next element drawn from column *k on: a column, or (one step per
 * column) a run of steps with the same count and reachability. */
static bool
rc_next(const rc_chart *c, uint32_t *k, rc_col *e)
{
    while (*k < c->ncols && c->cols[*k].first > c->cols[*k].last)
        (*k)++;
    if (*k >= c->ncols)
        return false;
    *e = c->cols[(*k)++];
    if (c->shift)
        return true;
    while (*k < c->ncols) {
        const rc_col *n = &c->cols[*k];
        if (n->first > n->last || n->first != e->last + 1 || n->lo != e->lo ||
            (n->nunreach > 0) != (e->nunreach > 0))
            break;
        rc_merge(e, n);
        (*k)++;
    }
    return true;
}

/* Hatched bands behind the steps spent unreachable. */
static void
rc_bands(rc_draw *w)
{
    mv_buf *o = w->out;
    rc_col e;
    if (!w->c->nunreach)
        return;
    mv_buf_puts(o, "<g id=\"mv-unreachable\">\n");
    for (uint32_t k = 0; rc_next(w->c, &k, &e);) {
        if (!e.nunreach)
            continue;
        double x0 = rc_x(w, e.first), x1 = rc_x(w, e.last + 1);
        mv_buf_printf(o,
                      "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                      "fill=\"url(#mvo-hatch)\"/>\n",
                      x0, w->top, x1 - x0, w->plot_h);
    }
    mv_buf_puts(o, "</g>\n");
}

/* The step line of the reachable (unreach false) or unreachable steps. One
 * step per column: a segment per run, joined to the run before it. Merged
 * columns: the band from each column's least to its most count (at least
 * 2 pixels high), joined to the column before. */
static void
rc_line(rc_draw *w, bool unreach)
{
    const rc_chart *c = w->c;
    mv_buf *o = w->out;
    const char *colour = unreach ? C_UNREACH : C_LINE;
    bool any = false, have_prev = false;
    rc_col e, prev = RC_EMPTY;
    for (uint32_t k = 0; rc_next(c, &k, &e); prev = e, have_prev = true) {
        if ((e.nunreach > 0) != unreach)
            continue;
        if (!any) {
            if (c->shift)
                mv_buf_printf(o, "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"1\" d=\"", colour,
                              colour);
            else
                mv_buf_printf(o, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s d=\"",
                              colour, unreach ? " stroke-dasharray=\"6 4\"" : "");
            any = true;
        }
        double x0 = mv_svg_tenth(rc_x(w, e.first)), x1 = mv_svg_tenth(rc_x(w, e.last + 1));
        bool joined = have_prev && prev.last + 1 == e.first;
        if (c->shift) {
            double top = rc_y(w, e.hi), bottom = rc_y(w, e.lo);
            if (bottom - top < 2)
                top = bottom - 2;
            if (joined) {
                double a = rc_y(w, prev.last_rc), b = rc_y(w, e.first_rc);
                mv_buf_printf(o, "M%.1f %.1fV%.1f", x0, a < b ? a : b, a < b ? b : a);
            }
            mv_buf_printf(o, "M%.1f %.1fH%.1fV%.1fH%.1fZ", x0, mv_svg_tenth(top), x1,
                          mv_svg_tenth(bottom), x0);
        } else {
            double y = mv_svg_tenth(rc_y(w, e.lo));
            if (joined)
                mv_buf_printf(o, "M%.1f %.1fV%.1f", x0, mv_svg_tenth(rc_y(w, prev.lo)), y);
            else
                mv_buf_printf(o, "M%.1f %.1f", x0, y);
            mv_buf_printf(o, "H%.1f", x1);
        }
    }
    if (any)
        mv_buf_puts(o, "\"/>\n");
}

/* One transparent rect per element, with the figures drawn. */
static void
rc_points(rc_draw *w)
{
    mv_buf *o = w->out;
    rc_col e;
    mv_buf_puts(o, "<g id=\"mv-points\" fill=\"#ffffff\" fill-opacity=\"0\">\n");
    for (uint32_t k = 0; rc_next(w->c, &k, &e);) {
        double x0 = rc_x(w, e.first), x1 = rc_x(w, e.last + 1);
        mv_buf_printf(o,
                      "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" data-first=\"%" PRIu32
                      "\" data-last=\"%" PRIu32 "\"",
                      x0, w->top, x1 - x0, w->plot_h, e.first, e.last);
        if (e.lo == e.hi)
            mv_buf_printf(o, " data-refcount=\"%" PRId64 "\"", e.lo);
        else
            mv_buf_printf(o, " data-min=\"%" PRId64 "\" data-max=\"%" PRId64 "\"", e.lo, e.hi);
        if (e.nunreach)
            mv_buf_printf(o, " data-unreachable=\"%" PRIu32 "\"", e.nunreach);
        if (e.first == e.last)
            mv_buf_printf(o, "><title>step %" PRIu32 ": refcount ", e.first);
        else
            mv_buf_printf(o, "><title>steps %" PRIu32 "–%" PRIu32 ": refcount ", e.first, e.last);
        if (e.lo == e.hi)
            mv_buf_printf(o, "%" PRId64, e.lo);
        else
            mv_buf_printf(o, "%" PRId64 " to %" PRId64, e.lo, e.hi);
        mv_buf_puts(o, e.nunreach ? ", unreachable</title></rect>\n" : "</title></rect>\n");
    }
    mv_buf_puts(o, "</g>\n");
}

/* The ✕ of the free on the zero line; its reason is in the legend. */
static void
rc_free_mark(rc_draw *w)
{
    const rc_chart *c = w->c;
    mv_buf *o = w->out;
    double x = (rc_x(w, c->fr.step) + rc_x(w, c->fr.step + 1)) / 2;
    mv_buf_puts(o, "<g id=\"mv-freed\"");
    freed_attrs(o, &c->fr);
    mv_buf_printf(o,
                  "><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"15\" "
                  "font-weight=\"bold\">✕<title>step %" PRIu32 ": ",
                  x, rc_y(w, 0) + 5, c->fr.step);
    vis_freed(&w->sc, c->tr, &c->fr);
    mv_svg_flush(o, &w->sc);
    mv_buf_puts(o, "</title></text></g>\n");
}

/* The object's label (vis_label: its names after sep, then close),
 * escaped, appended to o. */
static void
rc_label(rc_draw *w, mv_buf *o, const char *sep, const char *close, size_t maxcols)
{
    const rc_chart *c = w->c;
    if (vis_label(&w->sc, c->tr, c->type, c->ref, &c->nm, sep, maxcols))
        mv_buf_puts(&w->sc.vis, close);
    mv_svg_flush(o, &w->sc);
}

static void
rc_description(rc_draw *w)
{
    const rc_chart *c = w->c;
    mv_buf *o = w->out;
    rc_label(w, o, ", named ", "", 60);
    if (c->immortal) {
        mv_buf_printf(o,
                      ": immortal, so CPython does not count its references and there is "
                      "no count to chart. In the picture from step %" PRIu32 " to step %" PRIu32
                      " of ",
                      c->first_seen, c->last_seen);
        mv_svg_num(o, c->nsteps);
        mv_buf_puts(o, " steps.");
        return;
    }
    mv_buf_puts(o, ": in the picture at ");
    mv_svg_num(o, (double)c->npresent);
    mv_buf_printf(o, " step%s from step %" PRIu32 " to step %" PRIu32 " (of ",
                  c->npresent == 1 ? "" : "s", c->first_seen, c->last_seen);
    mv_svg_num(o, c->nsteps);
    mv_buf_printf(o, " steps); refcount from %" PRId64 " to %" PRId64 ".", c->lo, c->hi);
    if (c->shift)
        mv_buf_printf(o, " One column per %u steps, each with its least and most count.",
                      1u << c->shift);
    if (c->nunreach) {
        mv_buf_puts(o, " Unreachable (still in memory, no name reaches it) at ");
        mv_svg_num(o, (double)c->nunreach);
        mv_buf_printf(o, " step%s from step %" PRIu32 ".", c->nunreach == 1 ? "" : "s",
                      c->first_unreach);
    }
    if (c->fr.yes) {
        mv_buf_printf(o, " Step %" PRIu32 ": ", c->fr.step);
        vis_freed(&w->sc, c->tr, &c->fr);
        mv_svg_flush(o, &w->sc);
        mv_buf_putc(o, '.');
    }
}

static void
rc_caption(rc_draw *w)
{
    const rc_chart *c = w->c;
    mv_buf *o = w->out;
    mv_svg_caption_head(o, &w->sc, c->tr, w->left);
    mv_buf_puts(o, " · refcount of ");
    rc_label(w, o, " (", ")", 40);
    mv_buf_puts(o, "</text>\n");
    mv_buf_printf(o, "<text x=\"%d\" y=\"36\" fill=\"" MV_SVG_MUTED "\">", w->left);
    if (c->immortal) {
        mv_buf_puts(o, "immortal: CPython does not count its references</text>\n");
        return;
    }
    mv_buf_printf(o,
                  "references the program holds (sys.getrefcount(x) - 1), steps %" PRIu32
                  "–%" PRIu32 " of ",
                  c->base, c->end - 1);
    mv_svg_num(o, c->nsteps);
    mv_buf_puts(o, "; a gap: not in the picture</text>\n");
    mv_buf_printf(o, "<text x=\"%d\" y=\"52\" fill=\"" MV_SVG_MUTED "\">", w->left);
    if (c->shift)
        mv_buf_printf(o, "one column per %u steps: its least to most count", 1u << c->shift);
    else
        mv_buf_puts(o, "one step per column: the exact count");
    mv_buf_printf(o, "; from %" PRId64 " to %" PRId64, c->lo, c->hi);
    if (c->nunreach)
        mv_buf_printf(o, "; unreachable from step %" PRIu32, c->first_unreach);
    if (c->fr.yes)
        mv_buf_printf(o, "; freed at step %" PRIu32 " (%s)", c->fr.step,
                      c->fr.cause == MV_FREE_GC       ? "by the collector"
                      : c->fr.cause == MV_FREE_REUSED ? "address reused"
                                                      : "refcount 0");
    mv_buf_puts(o, "</text>\n");
}

static void
rc_legend(rc_draw *w, int y)
{
    mv_buf *o = w->out;
    int x = w->left;
    mv_buf_puts(o, "<g id=\"mv-legend\">\n");
    x = legend_item(o, x, y, KEY_LINE, "refcount");
    if (w->c->nunreach)
        x = legend_item(o, x, y,
                        KEY_UNREACH "<path d=\"M0 6.5h20\" stroke=\"" C_UNREACH
                                    "\" stroke-width=\"2.5\" stroke-dasharray=\"6 4\"/>",
                        "unreachable (still in memory)");
    if (w->c->fr.yes) {
        /* the free's reason: "step 13: freed: refcount 0 (last reference x)" */
        mv_buf words = {0};
        mv_buf_printf(&w->sc.vis, "step %" PRIu32 ": ", w->c->fr.step);
        vis_freed(&w->sc, w->c->tr, &w->c->fr);
        mv_svg_flush(&words, &w->sc);
        legend_item(o, x, y, KEY_FREED, words.data ? words.data : "");
        if (words.failed)
            o->failed = true;
        mv_buf_release(&words);
    }
    mv_buf_puts(o, "</g>\n");
}

static void
rc_write(rc_draw *w, const mv_objchart_opts *op)
{
    const rc_chart *c = w->c;
    mv_buf *o = w->out;
    int y_axis = w->top + w->plot_h;
    int height = c->immortal ? CAPTION_H + 80 : y_axis + 44 + 22 + 10;
    char attrs[64];
    snprintf(attrs, sizeof attrs, " data-ref=\"%" PRIu32 "\"%s", c->ref,
             c->immortal ? " data-immortal=\"true\"" : "");
    mv_buf head_label = {0};
    mv_buf_puts(&head_label, "Reference count of ");
    rc_label(w, &head_label, "", "", 0);
    mv_buf_puts(&head_label, ": ");
    head(o, &w->sc, c->tr, w->width, height, attrs, head_label.data ? head_label.data : "");
    if (head_label.failed)
        o->failed = true;
    mv_buf_release(&head_label);
    rc_description(w);
    mv_buf_puts(o, "</desc>\n");
    hatch_defs(o);
    mv_buf_printf(o, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w->width, height);
    rc_caption(w);
    if (c->immortal) {
        mv_buf_printf(o, "<text id=\"mv-immortal\" x=\"%d\" y=\"%d\" font-size=\"14\">", w->left,
                      CAPTION_H + 30);
        rc_label(w, o, "", "", 0);
        mv_buf_puts(o, " is immortal: its reference count is not counted (refcount -1), so "
                       "there is nothing to draw.</text>\n");
        mv_buf_printf(o,
                      "<text x=\"%d\" y=\"%d\" fill=\"" MV_SVG_MUTED "\">It was in the "
                      "picture from step %" PRIu32 " to step %" PRIu32 ".</text>\n",
                      w->left, CAPTION_H + 52, c->first_seen, c->last_seen);
        return;
    }
    double stp = mv_svg_tick_step((double)(c->hi > 1 ? c->hi : 1), 4);
    w->ymax = stp * ceil((double)(c->hi > 1 ? c->hi : 1) / stp);
    mv_buf_puts(o, "<g id=\"mv-grid\">\n");
    mv_svg_grid(o, w->left, w->plot_w, w->top, w->plot_h, w->ymax, stp, 1, false);
    mv_buf_puts(o, "</g>\n");
    rc_bands(w);
    rc_line(w, false);
    rc_line(w, true);
    mv_svg_step_axis(o, w->left, w->plot_w, y_axis, c->base, w->span);
    if (c->fr.yes)
        rc_free_mark(w);
    if (op->marker && op->marker_step >= c->base && op->marker_step < c->end) {
        double x = mv_svg_step_x(w->left, w->plot_w, c->base, w->span, op->marker_step);
        mv_svg_marker(o, x, w->top, y_axis, x > w->left + 0.75 * w->plot_w, op->marker_step);
    }
    rc_points(w);
    rc_legend(w, y_axis + 44);
}

mv_status
mv_render_refcount_svg(const mv_trace *tr, const mv_objchart_opts *opts, mv_buf *out)
{
    if (!tr || !out || !opts || !opts->ref)
        return MV_EINVAL;
    rc_chart c = {.tr = tr, .ref = opts->ref, .nsteps = mv_trace_nsteps(tr)};
    rc_draw w = {.out = out, .c = &c};
    w.width = opts->width >= 480 ? opts->width : 800;
    w.left = 64;
    w.plot_w = w.width - w.left - 24;
    w.top = CAPTION_H + 28;
    w.plot_h = 200;
    c.capcols = (uint32_t)w.plot_w;
    c.cols = mv_calloc(c.capcols, sizeof *c.cols);
    mv_status st = c.cols ? rc_gather(&c, opts) : MV_ENOMEM;
    if (st == MV_OK && !c.seen)
        st = MV_EINVAL; /* no step shows the object */
    if (st != MV_OK)
        goto out;
    if (!c.immortal)
        w.span = c.end - c.base;
    rc_write(&w, opts);
    mv_buf_puts(out, "</svg>\n");
out:
    mv_svg_scratch_release(&w.sc);
    mv_free(c.cols);
    if (st == MV_OK && out->failed)
        st = MV_ENOMEM;
    return st;
}

/* ================================================================ */
/* Where the objects sit in memory                                   */

/* One object's stay in the picture: from the step it entered to the step
 * before it left (or the last step). */
typedef struct life {
    uint32_t ref, type;
    uint64_t addr;
    uint32_t from, to;
    uint32_t unreach; /* first step of the unreachable stretch it ends in; UINT32_MAX: none */
    bool immortal;
    names nm;
    freed fr;
} life;

typedef struct addr_chart {
    const mv_trace *tr;
    uint32_t nsteps;
    life *open; /* lives open at the current step */
    uint32_t nopen, capopen;
    mv_map open_ix; /* ref -> index in open + 1 */
    life *kept;     /* the longest closed lives, at most maxkept */
    uint32_t nkept, maxkept, worst;
    uint64_t nlives;
} addr_chart;

/* a is a longer life than b (then the earlier, then the smaller ref) */
static bool
longer(const life *a, const life *b)
{
    uint32_t la = a->to - a->from, lb = b->to - b->from;
    if (la != lb)
        return la > lb;
    if (a->from != b->from)
        return a->from < b->from;
    return a->ref < b->ref;
}

static void
keep(addr_chart *c, const life *l)
{
    c->nlives++;
    if (c->nkept < c->maxkept) {
        c->kept[c->nkept] = *l;
        if (!c->nkept || longer(&c->kept[c->worst], l))
            c->worst = c->nkept;
        c->nkept++;
        return;
    }
    if (!longer(l, &c->kept[c->worst]))
        return;
    c->kept[c->worst] = *l;
    for (uint32_t i = 0; i < c->nkept; i++)
        if (longer(&c->kept[c->worst], &c->kept[i]))
            c->worst = i;
}

/* The life of ref: open, else the latest kept one; NULL if neither. */
static life *
find_life(addr_chart *c, uint32_t ref)
{
    uint64_t *ix = mv_map_get(&c->open_ix, ref);
    if (ix)
        return &c->open[*ix - 1];
    life *best = NULL;
    for (uint32_t i = 0; i < c->nkept; i++)
        if (c->kept[i].ref == ref && (!best || c->kept[i].from > best->from))
            best = &c->kept[i];
    return best;
}

/* The life of o at step t: opened if new, brought up to date. */
static mv_status
addr_object(addr_chart *c, const mv_object *o, uint32_t t)
{
    uint64_t *ix = mv_map_get(&c->open_ix, o->ref);
    life *l;
    if (ix) {
        l = &c->open[*ix - 1];
    } else {
        if (c->nopen == c->capopen) {
            uint32_t cap = c->capopen ? 2 * c->capopen : 256;
            life *n = mv_realloc(c->open, (size_t)cap * sizeof *n);
            if (!n)
                return MV_ENOMEM;
            c->open = n;
            c->capopen = cap;
        }
        if (mv_map_put(&c->open_ix, o->ref, (uint64_t)c->nopen + 1) != MV_OK)
            return MV_ENOMEM;
        l = &c->open[c->nopen++];
        memset(l, 0, sizeof *l);
        l->ref = o->ref;
        l->addr = o->addr;
        l->from = t;
        l->unreach = UINT32_MAX;
    }
    l->type = o->type;
    l->immortal |= (o->flags & MV_OF_IMMORTAL) || o->refcount < 0;
    if (!(o->flags & MV_OF_UNREACHABLE))
        l->unreach = UINT32_MAX;
    else if (l->unreach == UINT32_MAX)
        l->unreach = t;
    return MV_OK;
}

/* ref left the picture at step t: its life ends at t - 1. */
static void
addr_close(addr_chart *c, uint32_t ref, uint32_t t)
{
    uint64_t *ix = mv_map_get(&c->open_ix, ref);
    if (!ix)
        return;
    uint32_t i = (uint32_t)(*ix - 1);
    mv_map_del(&c->open_ix, ref);
    life l = c->open[i];
    l.to = t ? t - 1 : 0;
    keep(c, &l);
    if (i + 1 < c->nopen) {
        c->open[i] = c->open[c->nopen - 1];
        uint64_t *moved = mv_map_get(&c->open_ix, c->open[i].ref);
        if (moved)
            *moved = (uint64_t)i + 1;
    }
    c->nopen--;
}

static mv_status
addr_step(addr_chart *c, const mv_delta *d)
{
    mv_status st = MV_OK;
    for (uint32_t i = 0; st == MV_OK && i < d->nobjects; i++)
        st = addr_object(c, &d->objects[i], d->step);
    for (uint32_t i = 0; i < d->nevents; i++) {
        const mv_mevent *e = &d->events[i];
        life *l = e->kind == MV_MEV_FREE && e->ref ? find_life(c, e->ref) : NULL;
        if (l)
            freed_take(&l->fr, e, d->step);
    }
    for (uint32_t i = 0; i < d->ndrops; i++)
        addr_close(c, d->drops[i], d->step);
    if (d->frames_changed)
        for (uint32_t f = d->nframes; f-- > 0;)
            for (uint32_t k = 0; k < d->frames[f].nlocals; k++) {
                uint64_t *ix = mv_map_get(&c->open_ix, d->frames[f].locals[k].ref);
                if (ix)
                    names_add(&c->open[*ix - 1].nm, d->frames[f].locals[k].name);
            }
    return st;
}

static mv_status
addr_gather(addr_chart *c)
{
    mv_trace_iter *it = NULL;
    mv_status st = mv_trace_iter_new(c->tr, &it);
    if (st != MV_OK)
        return st;
    mv_delta d;
    while (st == MV_OK && mv_trace_iter_next(it, &d))
        st = addr_step(c, &d);
    if (st == MV_OK)
        st = mv_trace_iter_status(it);
    mv_trace_iter_free(it);
    /* the lives still open at the end last to the last step */
    while (st == MV_OK && c->nopen)
        addr_close(c, c->open[c->nopen - 1].ref, c->nsteps);
    return st;
}

static int
by_address(const void *pa, const void *pb)
{
    const life *a = pa, *b = pb;
    if (a->addr != b->addr)
        return a->addr < b->addr ? -1 : 1;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* ---- drawing ---- */

#define ROW_H 20
#define BAR_H 10
#define GUTTER 340 /* the rows' addresses and labels, left of the plot */
#define ADDR_X 10
#define LABEL_X 112
#define LABEL_COLS 34

typedef struct addr_draw {
    mv_buf *out;
    mv_svg_scratch sc;
    const addr_chart *c;
    int width, left, plot_w, top;
    uint32_t nregions;
    uint64_t nfreed[3], nunreach; /* of the lives drawn */
} addr_draw;

static double
addr_x(const addr_draw *w, uint32_t t)
{
    return w->left + (double)t * w->plot_w / (w->c->nsteps ? w->c->nsteps : 1);
}

/* One row: its address and label in the gutter, its bar, the hatched
 * unreachable end, the ✕ of its free; the group carries the figures. */
static void
addr_row(addr_draw *w, const life *l, uint32_t row)
{
    mv_buf *o = w->out;
    const mv_trace *tr = w->c->tr;
    double yc = w->top + row * ROW_H + ROW_H / 2.0;
    mv_buf_printf(o,
                  "<g data-ref=\"%" PRIu32 "\" data-id=\"%" PRIu64 "\" data-from=\"%" PRIu32
                  "\" data-to=\"%" PRIu32 "\" data-type=\"",
                  l->ref, l->addr, l->from, l->to);
    vis_str(&w->sc, tr, l->type, 60);
    mv_svg_flush(o, &w->sc);
    mv_buf_putc(o, '"');
    if (l->fr.yes)
        freed_attrs(o, &l->fr);
    if (l->unreach != UINT32_MAX)
        mv_buf_printf(o, " data-unreachable-from=\"%" PRIu32 "\"", l->unreach);
    if (l->immortal)
        mv_buf_puts(o, " data-immortal=\"true\"");
    mv_buf_puts(o, "><title>");
    vis_label(&w->sc, tr, l->type, l->ref, &l->nm, ", named ", 60);
    mv_svg_flush(o, &w->sc);
    mv_buf_printf(o, " at 0x%" PRIx64 ", steps %" PRIu32 "–%" PRIu32, l->addr, l->from, l->to);
    if (l->unreach != UINT32_MAX)
        mv_buf_printf(o, ", unreachable from step %" PRIu32, l->unreach);
    if (l->fr.yes) {
        mv_buf_printf(o, ", step %" PRIu32 ": ", l->fr.step);
        vis_freed(&w->sc, tr, &l->fr);
        mv_svg_flush(o, &w->sc);
    }
    mv_buf_puts(o, "</title>");
    if (row % 2)
        mv_buf_printf(o, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>",
                      w->top + (int)row * ROW_H, w->width, ROW_H);
    mv_buf_printf(o,
                  "<text x=\"%d\" y=\"%.1f\" font-family=\"DejaVu Sans Mono, monospace\" "
                  "font-size=\"11\" fill=\"" MV_SVG_MUTED "\">0x%" PRIx64 "</text>",
                  ADDR_X, yc + 4, l->addr);
    mv_buf_printf(o, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\">", LABEL_X, yc + 4);
    vis_label(&w->sc, tr, l->type, l->ref, &l->nm, " · ", LABEL_COLS);
    mv_svg_flush(o, &w->sc);
    mv_buf_puts(o, "</text>");
    double x0 = addr_x(w, l->from), x1 = addr_x(w, l->to + 1);
    double xu = l->unreach != UINT32_MAX ? addr_x(w, l->unreach) : x1;
    double y0 = yc - BAR_H / 2.0;
    if (xu > x0 || l->unreach == UINT32_MAX)
        mv_buf_printf(
            o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"" C_LINE "\"/>", x0,
            y0, xu - x0 > 1.5 ? xu - x0 : 1.5, BAR_H);
    if (l->unreach != UINT32_MAX)
        mv_buf_printf(o,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                      "fill=\"url(#mvo-hatch)\" stroke=\"" C_UNREACH
                      "\" stroke-dasharray=\"3 2\"/>",
                      xu, y0 + 0.5, x1 - xu > 1.5 ? x1 - xu : 1.5, BAR_H - 1);
    if (l->fr.yes)
        mv_buf_printf(o,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">✕</text>",
                      x1 + 2, yc + 4.5);
    mv_buf_puts(o, "</g>\n");
}

/* A dashed line between two rows more than GAP_BYTES apart. */
static void
addr_gaps(addr_draw *w)
{
    const addr_chart *c = w->c;
    mv_buf *o = w->out;
    mv_buf_puts(o, "<g id=\"mv-gaps\" stroke=\"" MV_SVG_TEXT "\" stroke-dasharray=\"5 4\">\n");
    for (uint32_t r = 1; r < c->nkept; r++) {
        uint64_t gap = c->kept[r].addr - c->kept[r - 1].addr;
        if (gap <= GAP_BYTES)
            continue;
        mv_buf_printf(o, "<path d=\"M0 %dh%d\" data-gap=\"%" PRIu64 "\"><title>",
                      w->top + (int)r * ROW_H, w->width, gap);
        mv_svg_bytes(o, (double)gap);
        mv_buf_puts(o, " between these rows</title></path>\n");
    }
    mv_buf_puts(o, "</g>\n");
}

static void
addr_description(addr_draw *w)
{
    const addr_chart *c = w->c;
    mv_buf *o = w->out;
    mv_svg_num(o, (double)c->nlives);
    mv_buf_printf(o, " object li%s in the picture over ", c->nlives == 1 ? "fe" : "ves");
    mv_svg_num(o, c->nsteps);
    mv_buf_printf(o, " step%s", c->nsteps == 1 ? "" : "s");
    if (!c->nkept) {
        mv_buf_puts(o, ".");
        return;
    }
    if (c->nlives > c->nkept) {
        mv_buf_printf(o, "; the %" PRIu32 " longest drawn, ", c->nkept);
        mv_svg_num(o, (double)(c->nlives - c->nkept));
        mv_buf_puts(o, " shorter ones left out");
    }
    mv_buf_printf(o,
                  ". Addresses from 0x%" PRIx64 " to 0x%" PRIx64 " in %" PRIu32
                  " region%s (more than 1 MiB apart). Of those drawn, ",
                  c->kept[0].addr, c->kept[c->nkept - 1].addr, w->nregions,
                  w->nregions == 1 ? "" : "s");
    mv_svg_num(o, (double)(w->nfreed[0] + w->nfreed[1] + w->nfreed[2]));
    mv_buf_printf(o,
                  " were freed (%" PRIu64 " at refcount 0, %" PRIu64
                  " by the cycle collector, %" PRIu64 " address reused) and %" PRIu64
                  " ended unreachable.",
                  w->nfreed[0], w->nfreed[1], w->nfreed[2], w->nunreach);
}

static void
addr_caption(addr_draw *w)
{
    const addr_chart *c = w->c;
    mv_buf *o = w->out;
    mv_svg_caption_head(o, &w->sc, c->tr, ADDR_X);
    mv_buf_puts(o, " · where the objects sit in memory · ");
    mv_svg_num(o, c->nsteps);
    mv_buf_printf(o, " step%s</text>\n", c->nsteps == 1 ? "" : "s");
    mv_buf_printf(o,
                  "<text x=\"%d\" y=\"36\" fill=\"" MV_SVG_MUTED "\">one bar per object life "
                  "in the picture; rows in address order, lowest at the top, not to scale</text>\n",
                  ADDR_X);
    mv_buf_printf(o,
                  "<text id=\"mv-count\" x=\"%d\" y=\"52\" fill=\"" MV_SVG_MUTED
                  "\" data-lives=\"%" PRIu64 "\" data-drawn=\"%" PRIu32 "\">",
                  ADDR_X, c->nlives, c->nkept);
    if (c->nlives > c->nkept) {
        mv_buf_printf(o, "the %" PRIu32 " longest of ", c->nkept);
        mv_svg_num(o, (double)c->nlives);
        mv_buf_puts(o, " lives; ");
        mv_svg_num(o, (double)(c->nlives - c->nkept));
        mv_buf_puts(o, " shorter ones left out");
    } else {
        mv_buf_printf(o, "all %" PRIu32 " li%s", c->nkept, c->nkept == 1 ? "fe" : "ves");
    }
    mv_buf_puts(o, "</text>\n");
}

static void
addr_legend(addr_draw *w, int y)
{
    mv_buf *o = w->out;
    int x = ADDR_X;
    mv_buf_puts(o, "<g id=\"mv-legend\">\n");
    x = legend_item(o, x, y,
                    "<rect x=\".5\" y=\"1.5\" width=\"20\" height=\"10\" fill=\"" C_LINE "\"/>",
                    "in the picture");
    x = legend_item(o, x, y, KEY_UNREACH, "unreachable, still in memory");
    x = legend_item(o, x, y, KEY_FREED, "freed");
    legend_item(o, x, y,
                "<path d=\"M0 6.5h20\" stroke=\"" MV_SVG_TEXT "\" stroke-dasharray=\"5 4\"/>",
                "more than 1 MiB apart");
    mv_buf_puts(o, "</g>\n");
}

mv_status
mv_render_addresses_svg(const mv_trace *tr, const mv_objchart_opts *opts, mv_buf *out)
{
    if (!tr || !out)
        return MV_EINVAL;
    mv_objchart_opts op = opts ? *opts : (mv_objchart_opts){0};
    addr_chart c = {.tr = tr, .nsteps = mv_trace_nsteps(tr), .maxkept = MV_ADDR_MAX_LIVES};
    if (op.max_lives && op.max_lives < MV_ADDR_MAX_LIVES)
        c.maxkept = op.max_lives;
    mv_map_init(&c.open_ix);
    addr_draw w = {.out = out, .c = &c};
    w.width = op.width >= 640 ? op.width : 960;
    w.left = GUTTER;
    w.plot_w = w.width - w.left - 30;
    w.top = CAPTION_H + 28;
    c.kept = mv_calloc(c.maxkept, sizeof *c.kept);
    mv_status st = c.kept ? addr_gather(&c) : MV_ENOMEM;
    if (st != MV_OK)
        goto out;
    qsort(c.kept, c.nkept, sizeof *c.kept, by_address);
    w.nregions = c.nkept ? 1 : 0;
    for (uint32_t r = 1; r < c.nkept; r++)
        w.nregions += c.kept[r].addr - c.kept[r - 1].addr > GAP_BYTES;
    /* the freed and unreachable counts of the <desc> come from the rows */
    for (uint32_t r = 0; r < c.nkept; r++) {
        w.nfreed[c.kept[r].fr.cause] += c.kept[r].fr.yes;
        w.nunreach += c.kept[r].unreach != UINT32_MAX;
    }
    int rows_h = (int)c.nkept * ROW_H;
    int y_axis = w.top + (rows_h ? rows_h : 30) + 6;
    int height = y_axis + 44 + 22 + 10;
    head(out, &w.sc, tr, w.width, height, "", "Where the objects sit in memory: ");
    addr_description(&w);
    mv_buf_puts(out, "</desc>\n");
    hatch_defs(out);
    mv_buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w.width, height);
    addr_caption(&w);
    if (!c.nkept) {
        mv_buf_printf(out, "<text x=\"%d\" y=\"%d\" fill=\"" MV_SVG_MUTED "\">%s</text>\n", ADDR_X,
                      w.top + 20,
                      c.nsteps ? "no object was in the picture" : "no step was recorded");
        mv_buf_puts(out, "</svg>\n");
        goto out;
    }
    mv_buf_puts(out, "<g id=\"mv-lives\">\n");
    for (uint32_t r = 0; r < c.nkept; r++)
        addr_row(&w, &c.kept[r], r);
    mv_buf_puts(out, "</g>\n");
    addr_gaps(&w);
    mv_svg_step_axis(out, w.left, w.plot_w, y_axis, 0, c.nsteps);
    if (op.marker && op.marker_step < c.nsteps) {
        double x = mv_svg_step_x(w.left, w.plot_w, 0, c.nsteps, op.marker_step);
        mv_svg_marker(out, x, w.top, y_axis, x > w.left + 0.75 * w.plot_w, op.marker_step);
    }
    addr_legend(&w, y_axis + 44);
    mv_buf_puts(out, "</svg>\n");
out:
    mv_svg_scratch_release(&w.sc);
    mv_map_release(&c.open_ix);
    mv_free(c.open);
    mv_free(c.kept);
    if (st == MV_OK && out->failed)
        st = MV_ENOMEM;
    return st;
}

/* ================================================================ */

mv_status
mv_objchart_find_name(const mv_trace *tr, const char *name, uint32_t step, uint32_t *ref,
                      uint32_t *at)
{
    if (!tr || !name || !ref)
        return MV_EINVAL;
    size_t n = strlen(name);
    mv_status st = MV_OK;
    uint32_t found = 0, where = 0;
    if (step != UINT32_MAX) {
        mv_state s;
        if ((st = mv_trace_state(tr, step, &s)) != MV_OK)
            return st;
        const mv_frame *f = s.nframes ? &s.frames[s.nframes - 1] : NULL;
        for (uint32_t l = 0; f && l < f->nlocals && !found; l++) {
            size_t len = 0;
            const char *s2 = mv_trace_str(tr, f->locals[l].name, &len);
            if (s2 && len == n && memcmp(s2, name, n) == 0)
                found = f->locals[l].ref;
        }
        where = step;
        mv_state_release(&s);
    } else {
        mv_trace_iter *it = NULL;
        if ((st = mv_trace_iter_new(tr, &it)) != MV_OK)
            return st;
        mv_delta d;
        while (!found && mv_trace_iter_next(it, &d)) {
            if (!d.frames_changed)
                continue;
            for (uint32_t f = d.nframes; f-- > 0 && !found;)
                for (uint32_t l = 0; l < d.frames[f].nlocals && !found; l++) {
                    size_t len = 0;
                    const char *s2 = mv_trace_str(tr, d.frames[f].locals[l].name, &len);
                    if (s2 && len == n && memcmp(s2, name, n) == 0)
                        found = d.frames[f].locals[l].ref;
                }
            where = d.step;
        }
        if (!found)
            st = mv_trace_iter_status(it);
        mv_trace_iter_free(it);
        if (st != MV_OK)
            return st;
    }
    if (!found)
        return MV_EINVAL;
    *ref = found;
    if (at)
        *at = where;
    return MV_OK;
}
