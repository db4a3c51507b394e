/* SVG renderer: the memory picture of one step as a standalone SVG 1.1
 * document, clean enough for slides. Contract in render.h; geometry comes
 * from core/layout.h (every box, row and arrow is where the layout says, so
 * the SVG, the PNG and the HTML viewer agree).
 *
 * Meaning never rests on colour alone: immutable objects have a double
 * border, mutable ones a single border; an object new or changed at this
 * step has a thick border and a text tag ("new", "changed"); the current
 * frame has a thick border and "▶"; a legend says so. Colours pass WCAG AA
 * contrast against their backgrounds.
 *
 * Text. Strings stored by the layout are already visible text (no controls,
 * bidi controls, surrogates or noncharacters); everything this file takes
 * from the program itself (file names, the source line, function names)
 * goes through mv_vis_text first. xml() then escapes & < > " ' and, as a
 * second line of defence, re-runs the visible-text filter, so no byte from
 * the program can end an element or an attribute. Styles are presentation
 * attributes, not CSS, so tools that ignore <style> (slide software) still
 * draw the picture right. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

#define CAPTION_H 30
#define LEGEND_H 30
#define DESC_MAX_OBJECTS 40 /* objects named in <desc> */
#define CAPTION_COLS 110    /* the caption is cut past this */

/* colours (contrast on white: text 17:1, muted 7.6:1, tag 7.1:1) */
#define C_TEXT "#111827"
#define C_MUTED "#4b5563"
#define C_BORDER "#1f2937"
#define C_FRAME_FILL "#f3f4f6"
#define C_FRAME_BORDER "#6b7280"
#define C_HEADER "#e5e7eb"
#define C_SEP "#e5e7eb"
#define C_EDGE "#374151"
#define C_PILL "#dbeafe"
#define C_PILL_BORDER "#1e40af"
#define C_PILL_TEXT "#1e3a8a"
#define C_HOT "#b45309"
#define C_HOT_TEXT "#92400e"
#define C_HOT_FILL "#fef3c7"

typedef struct sw {
    mv_buf *out;
    mv_buf tmp;
    const mv_state *st;
    const mv_layout *l;
    const mv_svg_opts *o;
} sw;

/* Append text as XML character data or attribute value: visible text first
 * (a no-op on text the layout made), then & < > " ' as entities. */
static void
xml(sw *w, const char *s, size_t n)
{
    mv_vis_xml(w->out, &w->tmp, s, n);
}

static void
xmls(sw *w, const char *s)
{
    xml(w, s, strlen(s));
}

/* Program text, cut to maxcols, escaped. */
static void
xml_prog(sw *w, const char *s, size_t n, size_t maxcols)
{
    mv_buf t = {0};
    mv_vis_text(&t, s, n, MV_VIS_PLAIN, 0, maxcols, NULL);
    xml(w, t.data ? t.data : "", t.len);
    mv_buf_release(&t);
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

static const char *
base_name(const char *s, size_t *len)
{
    for (size_t k = *len; k > 0; k--) {
        if (s[k - 1] == '/' || s[k - 1] == '\\') {
            *len -= k;
            return s + k;
        }
    }
    return s;
}

/* The source line `line` of the step's file, trimmed; NULL if unknown. */
static const char *
source_line(const mv_state *st, size_t *len)
{
    uint32_t nsrc = mv_trace_nsources(st->trace);
    for (uint32_t i = 0; i < nsrc; i++) {
        uint32_t fid;
        size_t n;
        const char *text = mv_trace_source(st->trace, i, &fid, &n);
        if (!text || fid != st->file || st->line == 0)
            continue;
        const char *p = text, *end = text + n;
        for (uint32_t k = 1; k < st->line && p < end; k++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        if (p >= end)
            return NULL;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        *len = (size_t)(e - p);
        return p;
    }
    return NULL;
}

/* ---- highlights ---- */

static bool
same_content(const mv_object *a, const mv_object *b)
{
    if (a->type != b->type || a->kind != b->kind || a->nitems != b->nitems ||
        a->hidden != b->hidden || a->value_len != b->value_len ||
        (a->flags & MV_OF_CUT) != (b->flags & MV_OF_CUT))
        return false;
    if (a->value_len && (!a->value || !b->value || memcmp(a->value, b->value, a->value_len)))
        return false;
    if (a->nitems && memcmp(a->items, b->items, a->nitems * sizeof *a->items))
        return false;
    return true;
}

/* "new", "changed" or NULL for object o. */
static const char *
tag_of(const sw *w, const mv_object *o)
{
    const mv_svg_opts *op = w->o;
    const mv_object *p = op->prev ? mv_state_find(op->prev, o->ref) : NULL;
    if (op->prev && !p)
        return "new";
    if (p && !same_content(p, o))
        return "changed";
    for (size_t i = 0; i < op->nchanged; i++)
        if (op->changed[i] == o->ref)
            return "changed";
    return NULL;
}

/* What a row referred to at the previous step; 0 if it did not exist. */
static uint32_t
prev_target(const mv_object *p, const mv_lrow *r)
{
    if (!p)
        return 0;
    switch ((mv_lrow_kind)r->kind) {
    case MV_LR_ITEM:
        return mv_kind_is_seq((mv_kind)p->kind) && r->index < p->nitems ? p->items[r->index]
                                                                         : 0;
    case MV_LR_ENTRY:
    case MV_LR_ATTR:
        return 2 * (uint64_t)r->index + 1 < p->nitems ? p->items[2 * r->index + 1] : 0;
    case MV_LR_KEY:
        return 2 * (uint64_t)r->index + 1 < p->nitems ? p->items[2 * r->index] : 0;
    default:
        return r->target;
    }
}

/* Should frame i's row r be shaded: its name is new or now refers to
 * another object than at the previous step. */
static bool
frame_row_hot(const sw *w, uint32_t i, const mv_lrow *r)
{
    const mv_state *pv = w->o->prev;
    if (!pv || r->kind != MV_LR_LOCAL || i >= pv->nframes || i >= w->st->nframes)
        return false;
    const mv_frame *f = &w->st->frames[i], *pf = &pv->frames[i];
    if (f->function != pf->function)
        return false;
    uint32_t name = f->locals[r->index].name;
    for (uint32_t j = 0; j < pf->nlocals; j++)
        if (pf->locals[j].name == name)
            return pf->locals[j].ref != r->target;
    return true;
}

/* ---- drawing ---- */

static void
text_at(sw *w, int32_t x, int32_t y, const char *attrs, const char *s, size_t n)
{
    mv_buf_printf(w->out, "<text x=\"%" PRId32 "\" y=\"%" PRId32 "\"%s>", x, y, attrs);
    xml(w, s, n);
    mv_buf_puts(w->out, "</text>\n");
}

static void
rows(sw *w, const mv_lbox *x, const mv_object *o, const mv_object *po, bool frame)
{
    int32_t left = x->x + MV_LAYOUT_PAD_X;
    for (uint32_t i = 0; i < x->nrows; i++) {
        const mv_lrow *r = &x->rows[i];
        int32_t top = MV_LAYOUT_ROW_Y(x->y, i);
        int32_t base = top + 14;
        bool hot = frame ? frame_row_hot(w, x->frame, r)
                         : (po && r->target && prev_target(po, r) != r->target);
        if (hot)
            mv_buf_printf(w->out,
                          "<rect x=\"%" PRId32 "\" y=\"%" PRId32 "\" width=\"%" PRId32
                          "\" height=\"%d\" fill=\"" C_HOT_FILL "\"/>\n",
                          x->x + 1, top, x->w - 2, MV_LAYOUT_ROW_H);
        if (i > 0)
            mv_buf_printf(w->out,
                          "<path d=\"M%" PRId32 " %" PRId32 ".5h%" PRId32
                          "\" stroke=\"" C_SEP "\"/>\n",
                          x->x + 1, top, x->w - 2);
        bool note = r->kind == MV_LR_NOTE || r->kind == MV_LR_MORE ||
                    r->kind == MV_LR_EMPTY || r->kind == MV_LR_ADDR;
        if (r->label_len)
            text_at(w, left, base, frame ? "" : " fill=\"" C_MUTED "\"", x->text + r->label,
                    r->label_len);
        if (r->value_len) {
            int32_t vx = left + (r->label_cols ? mv_layout_px((size_t)r->label_cols + 1) : 0);
            text_at(w, vx, base,
                    note || r->missing ? " fill=\"" C_MUTED "\" font-style=\"italic\"" : "",
                    x->text + r->value, r->value_len);
        }
        if (r->arrow)
            mv_buf_printf(w->out,
                          "<circle cx=\"%" PRId32 "\" cy=\"%" PRId32
                          "\" r=\"3\" fill=\"" C_EDGE "\"/>\n",
                          x->x + x->w - MV_LAYOUT_ANCHOR_IN, top + MV_LAYOUT_ROW_H / 2);
    }
    (void)o;
}

static void
frame_box(sw *w, const mv_lbox *x)
{
    bool cur = (x->flags & MV_LB_CURRENT) != 0;
    mv_buf_printf(w->out, "<g id=\"mv-f%" PRIu32 "\">\n", x->frame);
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 "\" y=\"%" PRId32 "\" width=\"%" PRId32
                  "\" height=\"%" PRId32 "\" fill=\"" C_FRAME_FILL "\"/>\n"
                  "<rect x=\"%" PRId32 "\" y=\"%" PRId32 "\" width=\"%" PRId32
                  "\" height=\"%d\" fill=\"" C_HEADER "\"/>\n",
                  x->x, x->y, x->w, x->h, x->x, x->y, x->w, MV_LAYOUT_HEADER_H);
    text_at(w, x->x + MV_LAYOUT_PAD_X, x->y + 16, " font-weight=\"bold\"", x->text + x->title,
            x->title_len);
    if (x->meta_len)
        text_at(w, x->x + x->w - MV_LAYOUT_PAD_X - mv_layout_px(x->meta_cols), x->y + 16,
                " fill=\"" C_MUTED "\"", x->text + x->meta, x->meta_len);
    rows(w, x, NULL, NULL, true);
    if (cur)
        mv_buf_printf(w->out,
                      "<rect x=\"%" PRId32 ".25\" y=\"%" PRId32 ".25\" width=\"%" PRId32
                      ".5\" height=\"%" PRId32 ".5\" fill=\"none\" stroke=\"" C_TEXT
                      "\" stroke-width=\"2.5\"/>\n",
                      x->x, x->y, x->w - 1, x->h - 1);
    else
        mv_buf_printf(w->out,
                      "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"%" PRId32
                      "\" height=\"%" PRId32 "\" fill=\"none\" stroke=\"" C_FRAME_BORDER
                      "\"/>\n",
                      x->x, x->y, x->w - 1, x->h - 1);
    mv_buf_puts(w->out, "</g>\n");
}

static void
object_box(sw *w, const mv_lbox *x)
{
    const mv_object *o = mv_state_find(w->st, x->ref);
    const mv_object *po = w->o->prev ? mv_state_find(w->o->prev, x->ref) : NULL;
    const char *tag = o ? tag_of(w, o) : NULL;
    bool imm = (x->flags & MV_LB_IMMUTABLE) != 0;
    bool rc_hot = o && po && o->refcount != po->refcount;
    mv_buf_printf(w->out, "<g id=\"mv-o%" PRIu32 "\">\n", x->ref);
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 "\" y=\"%" PRId32 "\" width=\"%" PRId32
                  "\" height=\"%" PRId32 "\" fill=\"#ffffff\"/>\n"
                  "<rect x=\"%" PRId32 "\" y=\"%" PRId32 "\" width=\"%" PRId32
                  "\" height=\"%d\" fill=\"" C_HEADER "\"/>\n",
                  x->x, x->y, x->w, x->h, x->x, x->y, x->w, MV_LAYOUT_HEADER_H);
    /* header: "#12 list" ... "88 B" (refs 2) */
    int32_t hx = x->x + MV_LAYOUT_PAD_X, base = x->y + 16;
    char ref[16];
    int rn = snprintf(ref, sizeof ref, "#%" PRIu32, x->ref);
    text_at(w, hx, base, " font-weight=\"bold\"", ref, (size_t)rn);
    text_at(w, hx + mv_layout_px((size_t)rn + 1), base, "", x->text + x->title, x->title_len);
    int32_t pill_w = mv_layout_px(x->badge_cols) + 8;
    int32_t pill_x = x->x + x->w - 9 - pill_w;
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"%" PRId32
                  "\" height=\"15\" rx=\"7.5\" fill=\"" C_PILL "\" stroke=\"" C_PILL_BORDER
                  "\" stroke-width=\"%s\"/>\n",
                  pill_x, x->y + 4, pill_w, rc_hot ? "2" : "0.8");
    text_at(w, pill_x + 4, base - 1, " fill=\"" C_PILL_TEXT "\"", x->text + x->badge,
            x->badge_len);
    text_at(w, pill_x - 5 - mv_layout_px(x->meta_cols), base, " fill=\"" C_MUTED "\"",
            x->text + x->meta, x->meta_len);
    mv_buf_printf(w->out,
                  "<path d=\"M%" PRId32 " %" PRId32 ".5h%" PRId32 "\" stroke=\"" C_BORDER
                  "\" stroke-width=\"0.8\"/>\n",
                  x->x, x->y + MV_LAYOUT_HEADER_H, x->w);
    rows(w, x, o, po, false);
    /* borders last, over the bands */
    if (tag)
        mv_buf_printf(w->out,
                      "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"%" PRId32
                      "\" height=\"%" PRId32 "\" fill=\"none\" stroke=\"" C_HOT
                      "\" stroke-width=\"3\"/>\n",
                      x->x, x->y, x->w - 1, x->h - 1);
    else
        mv_buf_printf(w->out,
                      "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"%" PRId32
                      "\" height=\"%" PRId32 "\" fill=\"none\" stroke=\"" C_BORDER "\"/>\n",
                      x->x, x->y, x->w - 1, x->h - 1);
    if (imm)
        mv_buf_printf(w->out,
                      "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"%" PRId32
                      "\" height=\"%" PRId32 "\" fill=\"none\" stroke=\"" C_BORDER "\"/>\n",
                      x->x + 3, x->y + 3, x->w - 7, x->h - 7);
    if (tag) {
        mv_buf_printf(w->out,
                      "<text x=\"%" PRId32 "\" y=\"%" PRId32
                      "\" font-size=\"10\" font-weight=\"bold\" fill=\"" C_HOT_TEXT "\">",
                      x->x, x->y - 4);
        xmls(w, tag);
        mv_buf_puts(w->out, "</text>\n");
    }
    mv_buf_puts(w->out, "</g>\n");
}

/* An arrow: the layout's orthogonal polyline with rounded corners. */
static void
edge(sw *w, const mv_ledge *e)
{
    const int32_t *p = e->pts;
    uint32_t n = e->npts;
    if (n < 2)
        return;
    mv_buf_printf(w->out, "<path d=\"M%" PRId32 " %" PRId32, p[0], p[1]);
    for (uint32_t i = 1; i + 1 < n; i++) {
        int32_t px = p[2 * i - 2], py = p[2 * i - 1];
        int32_t cx = p[2 * i], cy = p[2 * i + 1];
        int32_t nx = p[2 * i + 2], ny = p[2 * i + 3];
        int32_t d1 = (cx - px) + (cy - py), d2 = (nx - cx) + (ny - cy);
        int32_t a1 = d1 < 0 ? -d1 : d1, a2 = d2 < 0 ? -d2 : d2;
        int32_t r = 6;
        if (2 * r > a1)
            r = a1 / 2;
        if (2 * r > a2)
            r = a2 / 2;
        int32_t sx = px == cx ? 0 : (cx > px ? 1 : -1), sy = py == cy ? 0 : (cy > py ? 1 : -1);
        int32_t tx = nx == cx ? 0 : (nx > cx ? 1 : -1), ty = ny == cy ? 0 : (ny > cy ? 1 : -1);
        mv_buf_printf(w->out,
                      "L%" PRId32 " %" PRId32 "Q%" PRId32 " %" PRId32 " %" PRId32 " %" PRId32,
                      cx - sx * r, cy - sy * r, cx, cy, cx + tx * r, cy + ty * r);
    }
    mv_buf_printf(w->out, "L%" PRId32 " %" PRId32 "\" marker-end=\"url(#mv-ah)\"/>\n",
                  p[2 * n - 2], p[2 * n - 1]);
}

static void
caption(sw *w, int32_t width)
{
    const mv_state *st = w->st;
    char head[96];
    uint32_t total = mv_trace_nsteps(st->trace);
    int n = total > st->step
                ? snprintf(head, sizeof head, "step %" PRIu32 "/%" PRIu32, st->step, total)
                : snprintf(head, sizeof head, "step %" PRIu32, st->step);
    size_t cols = (size_t)n;
    mv_buf_printf(w->out, "<text x=\"%d\" y=\"20\"><tspan font-weight=\"bold\">",
                  MV_LAYOUT_MARGIN);
    xml(w, head, (size_t)n);
    mv_buf_puts(w->out, "</tspan>");
    size_t flen;
    const char *file = str_of(st, st->file, &flen);
    file = base_name(file, &flen);
    mv_buf_puts(w->out, " · ");
    if (st->event != MV_EV_LINE) {
        xmls(w, mv_event_name(st->event));
        mv_buf_puts(w->out, " · ");
        cols += 3 + strlen(mv_event_name(st->event));
    }
    mv_buf_reset(&w->tmp);
    size_t fc = mv_vis_text(&w->tmp, file, flen, MV_VIS_PLAIN, 0, 40, NULL);
    xml_prog(w, file, flen, 40);
    n = snprintf(head, sizeof head, ":%" PRIu32, st->line);
    xml(w, head, (size_t)n);
    cols += 3 + fc + (size_t)n;
    size_t slen;
    const char *src = source_line(st, &slen);
    size_t room = (size_t)(width - 2 * MV_LAYOUT_MARGIN) * 10 / MV_LAYOUT_CHAR_W10;
    if (room > CAPTION_COLS)
        room = CAPTION_COLS;
    if (src && slen && cols + 3 + 8 < room) {
        mv_buf_puts(w->out, " · <tspan fill=\"" C_MUTED "\">");
        xml_prog(w, src, slen, room - cols - 3);
        mv_buf_puts(w->out, "</tspan>");
    }
    mv_buf_puts(w->out, "</text>\n");
    if (st->truncated)
        mv_buf_printf(w->out,
                      "<text x=\"%d\" y=\"20\" text-anchor=\"end\" fill=\"" C_HOT_TEXT
                      "\">object cap reached: some objects are missing</text>\n",
                      width - MV_LAYOUT_MARGIN);
}

#define LEGEND_COLS 96

static void
legend(sw *w, int32_t y)
{
    int32_t x = MV_LAYOUT_MARGIN;
    mv_buf_printf(w->out, "<g id=\"mv-legend\" font-size=\"11\" fill=\"" C_MUTED "\">\n");
    /* double border */
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"15\" height=\"13\" "
                  "fill=\"#ffffff\" stroke=\"" C_BORDER "\"/>"
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"9\" height=\"7\" "
                  "fill=\"none\" stroke=\"" C_BORDER "\"/>\n"
                  "<text x=\"%" PRId32 "\" y=\"%" PRId32 "\">immutable</text>\n",
                  x, y + 5, x + 3, y + 8, x + 22, y + 16);
    x += 22 + mv_layout_px(9) + 16;
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"15\" height=\"13\" "
                  "fill=\"#ffffff\" stroke=\"" C_BORDER "\"/>\n"
                  "<text x=\"%" PRId32 "\" y=\"%" PRId32 "\">mutable</text>\n",
                  x, y + 5, x + 22, y + 16);
    x += 22 + mv_layout_px(7) + 16;
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"40\" height=\"15\" "
                  "rx=\"7.5\" fill=\"" C_PILL "\" stroke=\"" C_PILL_BORDER
                  "\" stroke-width=\"0.8\"/>"
                  "<text x=\"%" PRId32 "\" y=\"%" PRId32 "\" fill=\"" C_PILL_TEXT
                  "\">refs</text>\n"
                  "<text x=\"%" PRId32 "\" y=\"%" PRId32
                  "\">references held by the program</text>\n",
                  x, y + 4, x + 5, y + 16, x + 48, y + 16);
    x += 48 + mv_layout_px(31) + 16;
    mv_buf_printf(w->out,
                  "<rect x=\"%" PRId32 ".5\" y=\"%" PRId32 ".5\" width=\"15\" height=\"13\" "
                  "fill=\"#ffffff\" stroke=\"" C_HOT "\" stroke-width=\"3\"/>\n"
                  "<text x=\"%" PRId32 "\" y=\"%" PRId32
                  "\">new / changed at this step</text>\n",
                  x, y + 5, x + 22, y + 16);
    mv_buf_puts(w->out, "</g>\n");
}

static void
title_text(sw *w)
{
    const mv_state *st = w->st;
    size_t flen;
    const char *file = str_of(st, st->file, &flen);
    file = base_name(file, &flen);
    mv_buf_printf(w->out, "Memory diagram: step %" PRIu32 ", ", st->step);
    xml_prog(w, file, flen, 60);
    mv_buf_printf(w->out, " line %" PRIu32, st->line);
}

static void
desc_text(sw *w)
{
    const mv_state *st = w->st;
    const mv_layout *l = w->l;
    mv_buf_printf(w->out, "%zu frame%s, %zu object%s, %zu arrow%s.", mv_layout_nframes(l),
                  mv_layout_nframes(l) == 1 ? "" : "s", mv_layout_nboxes(l),
                  mv_layout_nboxes(l) == 1 ? "" : "s", mv_layout_nedges(l),
                  mv_layout_nedges(l) == 1 ? "" : "s");
    for (size_t i = 0; i < mv_layout_nframes(l); i++) {
        const mv_lbox *f = mv_layout_frame(l, i);
        mv_buf_puts(w->out, i ? "; " : " Frames: ");
        size_t n;
        const char *fn = str_of(st, st->frames[f->frame].function, &n);
        xml_prog(w, fn, n, 40);
        mv_buf_puts(w->out, " (");
        for (uint32_t r = 0; r < f->nrows; r++) {
            const mv_lrow *row = &f->rows[r];
            if (row->kind != MV_LR_LOCAL)
                continue;
            if (r)
                mv_buf_puts(w->out, ", ");
            xml(w, f->text + row->label, row->label_len);
            if (row->arrow)
                mv_buf_printf(w->out, " → #%" PRIu32, row->target);
            else if (row->value_len) {
                mv_buf_puts(w->out, " = ");
                xml(w, f->text + row->value, row->value_len);
            }
        }
        mv_buf_puts(w->out, ")");
    }
    size_t nb = mv_layout_nboxes(l);
    for (size_t i = 0; i < nb && i < DESC_MAX_OBJECTS; i++) {
        const mv_lbox *x = mv_layout_box(l, i);
        mv_buf_printf(w->out, "%s#%" PRIu32 " ", i ? "; " : ". Objects: ", x->ref);
        xml(w, x->text + x->title, x->title_len);
        mv_buf_puts(w->out, ", ");
        xml(w, x->text + x->badge, x->badge_len);
    }
    if (nb > DESC_MAX_OBJECTS)
        mv_buf_printf(w->out, "; and %zu more", nb - DESC_MAX_OBJECTS);
    mv_buf_puts(w->out, ".");
}

mv_status
mv_render_svg(const mv_state *st, const mv_layout *l, const mv_svg_opts *opts, mv_buf *out)
{
    if (!st || !l || !out || !st->trace)
        return MV_EINVAL;
    static const mv_svg_opts none;
    sw w = {.out = out, .st = st, .l = l, .o = opts ? opts : &none};
    int32_t lw, lh;
    mv_layout_size(l, &lw, &lh);
    int32_t cap = w.o->no_caption ? 0 : CAPTION_H;
    int32_t leg = w.o->no_legend ? 0 : LEGEND_H;
    int32_t width = lw, min_w = 2 * MV_LAYOUT_MARGIN + mv_layout_px(LEGEND_COLS);
    if (!w.o->no_legend && width < min_w)
        width = min_w;
    int32_t height = cap + lh + leg;

    mv_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    mv_buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%" PRId32
                  "\" height=\"%" PRId32 "\" viewBox=\"0 0 %" PRId32 " %" PRId32
                  "\" role=\"img\" aria-label=\"",
                  width, height, width, height);
    title_text(&w);
    mv_buf_printf(out, "\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
                       "font-size=\"%d\" fill=\"" C_TEXT "\" xml:space=\"preserve\">\n",
                  MV_LAYOUT_FONT_PX);
    mv_buf_puts(out, "<title>");
    title_text(&w);
    mv_buf_puts(out, "</title>\n<desc>");
    desc_text(&w);
    mv_buf_puts(out, "</desc>\n");
    mv_buf_puts(out, "<defs><marker id=\"mv-ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                     "markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" "
                     "orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"" C_EDGE
                     "\"/></marker></defs>\n");
    mv_buf_printf(out, "<rect width=\"%" PRId32 "\" height=\"%" PRId32 "\" fill=\"#ffffff\"/>\n",
                  width, height);
    if (cap)
        caption(&w, width);
    mv_buf_printf(out, "<g transform=\"translate(0 %" PRId32 ")\">\n", cap);
    mv_buf_puts(out, "<g id=\"mv-frames\">\n");
    for (size_t i = 0; i < mv_layout_nframes(l); i++)
        frame_box(&w, mv_layout_frame(l, i));
    mv_buf_puts(out, "</g>\n<g id=\"mv-objects\">\n");
    for (size_t i = 0; i < mv_layout_nboxes(l); i++)
        object_box(&w, mv_layout_box(l, i));
    mv_buf_printf(out, "</g>\n<g id=\"mv-arrows\" fill=\"none\" stroke=\"" C_EDGE
                       "\" stroke-width=\"1.3\">\n");
    for (size_t i = 0; i < mv_layout_nedges(l); i++)
        edge(&w, mv_layout_edge(l, i));
    mv_buf_puts(out, "</g>\n</g>\n");
    if (leg)
        legend(&w, cap + lh);
    mv_buf_puts(out, "</svg>\n");
    mv_buf_release(&w.tmp);
    return out->failed ? MV_ENOMEM : MV_OK;
}
