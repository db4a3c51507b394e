/* The layout of one step as a fragment of the trace JSON, for the HTML
 * viewer: only what changed since the previous step (boxes that appeared,
 * moved or resized; boxes gone; arrows added, rerouted or gone; the frames
 * and the size when they changed). Contract in render.h, format in
 * docs/layout-format.md. Every number is an integer pixel but the metrics'
 * character width. */
#include <inttypes.h>

#include "render.h"

static void
edge_from(mv_buf *out, const mv_ledge *e)
{
    if (e->from_frame)
        mv_buf_printf(out, "\"f%" PRIu32 "\"", e->from);
    else
        mv_buf_printf(out, "%" PRIu32, e->from);
}

mv_status
mv_render_layout_json(const mv_layout *l, mv_buf *out)
{
    if (!l || !out)
        return MV_EINVAL;
    const char *sep = "";
    mv_buf_puts(out, "\"layout\":{");
    if (mv_layout_steps(l) == 1) {
        mv_buf_printf(out,
                      "\"metrics\":{\"font\":%d,\"char\":%d.%d,\"header\":%d,\"row\":%d,"
                      "\"bottom\":%d,\"pad\":%d,\"anchor\":%d%s}",
                      MV_LAYOUT_FONT_PX, MV_LAYOUT_CHAR_W10 / 10, MV_LAYOUT_CHAR_W10 % 10,
                      MV_LAYOUT_HEADER_H, MV_LAYOUT_ROW_H, MV_LAYOUT_BOTTOM, MV_LAYOUT_PAD_X,
                      MV_LAYOUT_ANCHOR_IN,
                      mv_layout_get_opts(l)->inline_scalars ? ",\"inline\":true" : "");
        sep = ",";
    }
    if (mv_layout_size_changed(l)) {
        int32_t w, h;
        mv_layout_size(l, &w, &h);
        mv_buf_printf(out, "%s\"size\":[%" PRId32 ",%" PRId32 "]", sep, w, h);
        sep = ",";
    }
    if (mv_layout_frames_changed(l)) {
        mv_buf_printf(out, "%s\"frames\":[", sep);
        for (size_t i = 0; i < mv_layout_nframes(l); i++) {
            const mv_lbox *f = mv_layout_frame(l, i);
            mv_buf_printf(out, "%s[%" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRId32 "]",
                          i ? "," : "", f->x, f->y, f->w, f->h);
        }
        mv_buf_putc(out, ']');
        sep = ",";
    }
    bool any = false;
    for (size_t i = 0; i < mv_layout_nboxes(l); i++) {
        const mv_lbox *x = mv_layout_box(l, i);
        if (!(x->flags & (MV_LB_NEW | MV_LB_MOVED | MV_LB_RESIZED)))
            continue;
        mv_buf_printf(out, "%s%s[%" PRIu32 ",%" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRId32 "]",
                      any ? "," : sep, any ? "" : "\"boxes\":[", x->ref, x->x, x->y, x->w,
                      x->h);
        any = true;
    }
    if (any) {
        mv_buf_putc(out, ']');
        sep = ",";
    }
    if (mv_layout_ngone(l)) {
        mv_buf_printf(out, "%s\"gone\":[", sep);
        for (size_t i = 0; i < mv_layout_ngone(l); i++)
            mv_buf_printf(out, "%s%" PRIu32, i ? "," : "", mv_layout_gone(l, i));
        mv_buf_putc(out, ']');
        sep = ",";
    }
    any = false;
    for (size_t i = 0; i < mv_layout_nedges(l); i++) {
        const mv_ledge *e = mv_layout_edge(l, i);
        if (!e->flags)
            continue;
        mv_buf_printf(out, "%s%s[", any ? "," : sep, any ? "" : "\"edges\":[");
        edge_from(out, e);
        mv_buf_printf(out, ",%" PRIu32 ",%" PRIu32 ",[", e->row, e->to);
        for (uint32_t k = 0; k < e->npts; k++)
            mv_buf_printf(out, "%s%" PRId32 ",%" PRId32, k ? "," : "", e->pts[2 * k],
                          e->pts[2 * k + 1]);
        mv_buf_puts(out, "]]");
        any = true;
    }
    if (any) {
        mv_buf_putc(out, ']');
        sep = ",";
    }
    if (mv_layout_nedges_gone(l)) {
        mv_buf_printf(out, "%s\"edges_gone\":[", sep);
        for (size_t i = 0; i < mv_layout_nedges_gone(l); i++) {
            const mv_ledge *e = mv_layout_edge_gone(l, i);
            mv_buf_puts(out, i ? ",[" : "[");
            edge_from(out, e);
            mv_buf_printf(out, ",%" PRIu32 "]", e->row);
        }
        mv_buf_putc(out, ']');
    }
    mv_buf_putc(out, '}');
    return out->failed ? MV_ENOMEM : MV_OK;
}
