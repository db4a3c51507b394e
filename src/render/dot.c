/* DOT renderer: the memory picture of one step in Graphviz's language, for
 * users who want to restyle or re-lay it out. Contract in render.h; boxes,
 * rows and positions come from core/layout.h.
 *
 * Shape. One node per frame (f0, f1, ... outermost first) and per object
 * (o<ref>), each with an HTML-like TABLE label: a header row, then one row
 * per layout row whose right cell has PORT="r<i>"; an edge per arrow from
 * that port to the object's node. Immutable objects get a second border (a
 * table inside a table). pos="x,y!" gives the layout's centre of each node
 * in points (y up), so `neato -n2` reproduces memview's picture and `dot`
 * makes its own.
 *
 * Escaping. Text in labels is visible text (core/layout.h: no controls,
 * bidi controls or surrogates) with & < > " ' as XML entities, as DOT's
 * HTML-like labels require; the one quoted string (the graph label) escapes
 * " and \ (so a backslash never starts \n, \l or \N). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

typedef struct dw {
    mv_buf *out;
    mv_buf tmp;
    const mv_state *st;
    const mv_layout *l;
    int32_t H;
} dw;

/* Text inside an HTML-like label. */
static void
html(dw *w, const char *s, size_t n)
{
    mv_vis_xml(w->out, &w->tmp, s, n);
}

/* Text inside a "quoted string", cut to maxcols. */
static void
quoted(dw *w, const char *s, size_t n, size_t maxcols)
{
    mv_buf_reset(&w->tmp);
    mv_vis_text(&w->tmp, s, n, MV_VIS_PLAIN, 0, maxcols, NULL);
    const char *p = w->tmp.data ? w->tmp.data : "";
    for (size_t i = 0; i < w->tmp.len; i++) {
        if (p[i] == '"' || p[i] == '\\')
            mv_buf_putc(w->out, '\\');
        mv_buf_putc(w->out, p[i]);
    }
}

static void
pos(dw *w, const mv_lbox *x)
{
    /* centre, in points, y up */
    mv_buf_printf(w->out, "pos=\"%" PRId32 ",%" PRId32 "!\"", x->x + x->w / 2,
                  w->H - (x->y + x->h / 2));
}

static void
rows(dw *w, const mv_lbox *x)
{
    for (uint32_t i = 0; i < x->nrows; i++) {
        const mv_lrow *r = &x->rows[i];
        bool note = r->kind == MV_LR_NOTE || r->kind == MV_LR_MORE ||
                    r->kind == MV_LR_EMPTY || r->kind == MV_LR_ADDR || r->missing;
        if (r->label_len) {
            mv_buf_puts(w->out, "<TR><TD ALIGN=\"LEFT\">");
            mv_buf_puts(w->out, x->ref ? "<FONT COLOR=\"#4b5563\">" : "");
            html(w, x->text + r->label, r->label_len);
            mv_buf_puts(w->out, x->ref ? "</FONT>" : "");
            mv_buf_printf(w->out, "</TD><TD PORT=\"r%" PRIu32 "\" ALIGN=\"LEFT\">", i);
        } else {
            mv_buf_printf(w->out, "<TR><TD PORT=\"r%" PRIu32 "\" COLSPAN=\"2\" ALIGN=\"LEFT\">",
                          i);
        }
        if (r->value_len) {
            mv_buf_puts(w->out, note ? "<I><FONT COLOR=\"#4b5563\">" : "");
            html(w, x->text + r->value, r->value_len);
            mv_buf_puts(w->out, note ? "</FONT></I>" : "");
        } else if (r->arrow) {
            mv_buf_puts(w->out, "•");
        }
        mv_buf_puts(w->out, "</TD></TR>");
    }
}

static void
frame_node(dw *w, const mv_lbox *x)
{
    bool cur = (x->flags & MV_LB_CURRENT) != 0;
    mv_buf_printf(w->out, "  f%" PRIu32 " [", x->frame);
    pos(w, x);
    mv_buf_printf(w->out,
                  ", label=<<TABLE BORDER=\"%d\" CELLBORDER=\"0\" CELLSPACING=\"0\" "
                  "CELLPADDING=\"3\" BGCOLOR=\"#f3f4f6\" COLOR=\"%s\">"
                  "<TR><TD ALIGN=\"LEFT\" BGCOLOR=\"#e5e7eb\"><B>",
                  cur ? 3 : 1, cur ? "#111827" : "#6b7280");
    html(w, x->text + x->title, x->title_len);
    mv_buf_puts(w->out, "</B></TD><TD ALIGN=\"RIGHT\" BGCOLOR=\"#e5e7eb\"><FONT COLOR=\"#4b5563\">");
    html(w, x->text + x->meta, x->meta_len);
    mv_buf_puts(w->out, "</FONT></TD></TR>");
    rows(w, x);
    mv_buf_puts(w->out, "</TABLE>>];\n");
}

static void
object_node(dw *w, const mv_lbox *x)
{
    bool imm = (x->flags & MV_LB_IMMUTABLE) != 0;
    mv_buf_printf(w->out, "  o%" PRIu32 " [", x->ref);
    pos(w, x);
    mv_buf_puts(w->out, ", label=<");
    if (imm)
        mv_buf_puts(w->out, "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" "
                            "CELLPADDING=\"2\" COLOR=\"#1f2937\"><TR><TD>");
    mv_buf_printf(w->out,
                  "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" "
                  "BGCOLOR=\"#ffffff\" COLOR=\"#1f2937\"><TR><TD ALIGN=\"LEFT\" "
                  "BGCOLOR=\"#e5e7eb\"><B>#%" PRIu32 "</B> ",
                  x->ref);
    html(w, x->text + x->title, x->title_len);
    mv_buf_puts(w->out, "</TD><TD ALIGN=\"RIGHT\" BGCOLOR=\"#e5e7eb\"><FONT COLOR=\"#4b5563\">");
    html(w, x->text + x->meta, x->meta_len);
    mv_buf_puts(w->out, "</FONT> <FONT COLOR=\"#1e3a8a\">");
    html(w, x->text + x->badge, x->badge_len);
    mv_buf_puts(w->out, "</FONT></TD></TR>");
    rows(w, x);
    mv_buf_puts(w->out, "</TABLE>");
    if (imm)
        mv_buf_puts(w->out, "</TD></TR></TABLE>");
    mv_buf_puts(w->out, ">];\n");
}

mv_status
mv_render_dot(const mv_state *st, const mv_layout *l, mv_buf *out)
{
    if (!st || !l || !out || !st->trace)
        return MV_EINVAL;
    dw w = {.out = out, .st = st, .l = l};
    int32_t W;
    mv_layout_size(l, &W, &w.H);

    mv_buf_puts(out, "digraph memview {\n");
    mv_buf_printf(out,
                  "  graph [rankdir=LR, nodesep=0.25, ranksep=0.8, bgcolor=\"#ffffff\", "
                  "fontname=\"DejaVu Sans Mono\", fontsize=12, labelloc=t, labeljust=l, "
                  "bb=\"0,0,%" PRId32 ",%" PRId32 "\", label=\"",
                  W, w.H);
    char head[64];
    uint32_t total = mv_trace_nsteps(st->trace);
    int n = total > st->step
                ? snprintf(head, sizeof head, "step %" PRIu32 "/%" PRIu32 " · ", st->step, total)
                : snprintf(head, sizeof head, "step %" PRIu32 " · ", st->step);
    quoted(&w, head, (size_t)n, SIZE_MAX);
    size_t flen;
    const char *file = mv_trace_str(st->trace, st->file, &flen);
    if (!file)
        file = "", flen = 0;
    for (size_t k = flen; k > 0; k--) {
        if (file[k - 1] == '/' || file[k - 1] == '\\') {
            file += k;
            flen -= k;
            break;
        }
    }
    quoted(&w, file, flen, 60);
    mv_buf_printf(out, ":%" PRIu32 "\"];\n", st->line);
    mv_buf_puts(out, "  node [shape=plain, fontname=\"DejaVu Sans Mono\", fontsize=12];\n"
                     "  edge [color=\"#374151\", arrowsize=0.7];\n");
    for (size_t i = 0; i < mv_layout_nframes(l); i++)
        frame_node(&w, mv_layout_frame(l, i));
    for (size_t i = 0; i < mv_layout_nboxes(l); i++)
        object_node(&w, mv_layout_box(l, i));
    for (size_t i = 0; i < mv_layout_nedges(l); i++) {
        const mv_ledge *e = mv_layout_edge(l, i);
        mv_buf_printf(out, "  %c%" PRIu32 ":r%" PRIu32 ":e -> o%" PRIu32 ";\n",
                      e->from_frame ? 'f' : 'o', e->from, e->row, e->to);
    }
    mv_buf_puts(out, "}\n");
    mv_buf_release(&w.tmp);
    return out->failed ? MV_ENOMEM : MV_OK;
}
