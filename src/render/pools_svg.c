/* The pool view of one step as a standalone SVG: pymalloc's arenas (rows),
 * their pools (a bar each: used, free and never-used blocks) and the blocks
 * the program can name. Contract in render.h (mv_pools_view); the data comes
 * from `memview run -f pools` (docs/events-format.md), the picture is
 * described in docs/charts.md.
 *
 * Never by colour alone: used blocks are solid, free blocks hatched, never
 * used blocks an empty outline, and the legend says so; named blocks get a
 * triangle above the bar and a line of text under the arena. Labels are
 * program text: cut to visible text and XML-escaped (mv_vis_xml). The
 * totals are also data-* attributes of the caption's group (mv-totals),
 * named as in the JSON, so a test can hold the picture to the JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/vis.h"
#include "render.h"

#define C_TEXT "#111827"
#define C_MUTED "#4b5563"
#define C_USED "#0b5394"
#define C_FREE "#9fc5e8"
#define C_BORDER "#374151"
#define C_MARK "#b45309"

#define MARGIN 16
#define PER_ROW 8           /* pools per line of an arena */
#define CELL_W 100          /* one pool: bar and its size class ("16 B · 1021/1021") */
#define BAR_W 86
#define BAR_H 14
#define CELL_H 40
#define LABEL_H 16          /* a line of named blocks */
#define MAX_LABEL_LINES 12  /* named blocks listed per arena */
#define MESSAGE_COLS 110    /* the no-pymalloc message is wrapped at this */
#define MESSAGE_LINES 4     /* and cut after this many lines */
#define LABEL_COLS 24       /* a label is cut past this */
#define WIDTH (2 * MARGIN + PER_ROW * CELL_W)

typedef struct pw {
    mv_buf *out;
    mv_buf tmp, vis;
} pw;

static void
prog_text(pw *w, const char *s, size_t n, size_t maxcols)
{
    mv_buf_reset(&w->vis);
    mv_vis_text(&w->vis, s ? s : "", s ? n : 0, MV_VIS_PLAIN, 0, maxcols, NULL);
    mv_vis_xml(w->out, &w->tmp, w->vis.data ? w->vis.data : "", w->vis.len);
}

static void
put_num(mv_buf *b, uint64_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%" PRIu64, v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            mv_buf_putc(b, ',');
        mv_buf_putc(b, d[i]);
    }
}

/* The message wrapped at spaces into lines of at most MESSAGE_COLS bytes
 * (never inside a UTF-8 sequence; the last line cut); draws them from
 * baseline y when draw is set. Returns the number of lines. */
static int
message_lines(pw *w, const char *msg, int y, bool draw)
{
    size_t n = strlen(msg), at = 0;
    int lines = 0;
    while (at < n && lines < MESSAGE_LINES) {
        size_t len = n - at;
        if (len > MESSAGE_COLS && lines + 1 < MESSAGE_LINES) {
            len = MESSAGE_COLS;
            while (len > MESSAGE_COLS / 2 && msg[at + len] != ' ')
                len--;
            if (msg[at + len] != ' ')
                for (len = MESSAGE_COLS; len > 1 && ((unsigned char)msg[at + len] & 0xc0) == 0x80;)
                    len--;
        }
        if (draw) {
            mv_buf_printf(w->out, "<text x=\"%d\" y=\"%d\" fill=\"" C_MUTED "\">", MARGIN,
                          y + 18 * lines);
            prog_text(w, msg + at, len, MESSAGE_COLS);
            mv_buf_puts(w->out, "</text>\n");
        }
        lines++;
        at += len;
        while (at < n && msg[at] == ' ')
            at++;
    }
    return lines;
}

static uint32_t
labels_of(const mv_arena_info *a)
{
    uint32_t n = 0;
    for (uint32_t p = 0; p < a->npools; p++)
        n += a->pools[p].nlabels;
    return n;
}

static int
arena_height(const mv_arena_info *a)
{
    uint32_t lines = (a->npools + PER_ROW - 1) / PER_ROW;
    uint32_t labels = labels_of(a);
    if (labels > MAX_LABEL_LINES)
        labels = MAX_LABEL_LINES + 1;
    return 22 + (int)(lines ? lines : 1) * CELL_H + (int)labels * LABEL_H + (labels ? 18 : 12);
}

static void
pool_bar(pw *w, const mv_pool_info *p, int x, int y)
{
    mv_buf *o = w->out;
    uint32_t n = p->blocks ? p->blocks : 1;
    /* a pool with any used (free) block shows at least a sliver of it */
    double uw = (double)BAR_W * p->used / n, fw = (double)BAR_W * p->free / n;
    if (p->used && uw < 2)
        uw = 2;
    if (p->free && fw < 2)
        fw = 2;
    mv_buf_printf(o, "<g><title>pool 0x%" PRIx64 ": %" PRIu32 "-byte blocks, %" PRIu32 " used, %" PRIu32
                     " free, %" PRIu32 " never used</title>\n",
                  p->address, p->size_class, p->used, p->free, p->never);
    mv_buf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", x, y,
                  BAR_W, BAR_H);
    if (p->used)
        mv_buf_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"" C_USED "\"/>",
                      x, y, uw, BAR_H);
    if (p->free)
        mv_buf_printf(o, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"url(#mv-free)\"/>",
                      x + uw, y, fw, BAR_H);
    mv_buf_printf(o, "<rect x=\"%d.5\" y=\"%d.5\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"" C_BORDER "\"/>\n",
                  x, y, BAR_W - 1, BAR_H - 1);
    for (uint32_t k = 0; k < p->nlabels; k++) {
        double lx = x + (p->labels[k].index + 0.5) * BAR_W / n;
        mv_buf_printf(o, "<path d=\"M%.1f %dl-3.5 -5h7z\" fill=\"" C_MARK "\"><title>block %" PRIu32 ": ",
                      lx, y - 1, p->labels[k].index);
        prog_text(w, p->labels[k].text, p->labels[k].len, LABEL_COLS);
        mv_buf_puts(o, "</title></path>");
    }
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"" C_MUTED "\">%" PRIu32
                     " B · %" PRIu32 "/%" PRIu32 "</text>\n</g>\n",
                  x, y + BAR_H + 12, p->size_class, p->used, p->blocks);
}

static int
arena_row(pw *w, const mv_arena_info *a, int y)
{
    mv_buf *o = w->out;
    mv_buf_printf(o, "<g id=\"mv-arena%" PRIu32 "\">\n", a->index);
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">arena %" PRIu32
                     "</text><text x=\"%d\" y=\"%d\" fill=\"" C_MUTED "\">0x%" PRIx64 " · %" PRIu32
                     " pool%s</text>\n",
                  MARGIN, y + 14, a->index, MARGIN + 80, y + 14, a->address, a->npools,
                  a->npools == 1 ? "" : "s");
    int top = y + 22;
    for (uint32_t p = 0; p < a->npools; p++) {
        int x = MARGIN + (int)(p % PER_ROW) * CELL_W;
        int yy = top + (int)(p / PER_ROW) * CELL_H + 8;
        pool_bar(w, &a->pools[p], x, yy);
    }
    uint32_t lines = (a->npools + PER_ROW - 1) / PER_ROW;
    int ly = top + (int)(lines ? lines : 1) * CELL_H + 16;
    uint32_t shown = 0, total = labels_of(a);
    for (uint32_t p = 0; p < a->npools && shown < MAX_LABEL_LINES; p++) {
        const mv_pool_info *q = &a->pools[p];
        for (uint32_t k = 0; k < q->nlabels && shown < MAX_LABEL_LINES; k++, shown++) {
            mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\"><tspan fill=\"" C_MARK "\">▼</tspan> ",
                          MARGIN, ly);
            prog_text(w, q->labels[k].text, q->labels[k].len, LABEL_COLS);
            mv_buf_printf(o, " <tspan fill=\"" C_MUTED "\">→ pool 0x%" PRIx64 ", block %" PRIu32
                             " (%" PRIu32 "-byte)</tspan></text>\n",
                          q->address, q->labels[k].index, q->size_class);
            ly += LABEL_H;
        }
    }
    if (total > shown)
        mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"" C_MUTED "\">… and %" PRIu32
                         " more named blocks</text>\n",
                      MARGIN, ly, total - shown);
    mv_buf_puts(o, "</g>\n");
    return arena_height(a);
}

static void
legend(pw *w, int y)
{
    mv_buf_printf(w->out,
                  "<g id=\"mv-legend\" font-size=\"11\" fill=\"" C_MUTED "\">"
                  "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"" C_USED "\"/>"
                  "<text x=\"%d\" y=\"%d\">used block</text>"
                  "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"url(#mv-free)\" stroke=\"" C_BORDER "\"/>"
                  "<text x=\"%d\" y=\"%d\">free (on the pool's free list)</text>"
                  "<rect x=\"%d.5\" y=\"%d.5\" width=\"13\" height=\"11\" fill=\"#ffffff\" stroke=\"" C_BORDER "\"/>"
                  "<text x=\"%d\" y=\"%d\">never used yet</text>"
                  "<path d=\"M%d %dl-4 -6h8z\" fill=\"" C_MARK "\"/>"
                  "<text x=\"%d\" y=\"%d\">a block the program names</text></g>\n",
                  MARGIN, y, MARGIN + 20, y + 10, MARGIN + 110, y, MARGIN + 130, y + 10, MARGIN + 330,
                  y, MARGIN + 350, y + 10, MARGIN + 468, y + 10, MARGIN + 480, y + 10);
}

mv_status
mv_render_pools_svg(const mv_pools_view *v, mv_buf *out)
{
    if (!v || !out)
        return MV_EINVAL;
    pw w = {.out = out};
    bool pymalloc = !v->allocator || strcmp(v->allocator, "pymalloc") == 0;
    int height = 84;
    if (pymalloc)
        for (uint32_t a = 0; a < v->narenas; a++)
            height += arena_height(&v->arenas[a]);
    else
        height = 72 + 18 * (v->message ? message_lines(&w, v->message, 0, false) : 0);
    height += 28;
    mv_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    mv_buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Memory pools at step %" PRIu32
                  "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" "
                  "fill=\"" C_TEXT "\">\n",
                  WIDTH, height, WIDTH, height, v->step);
    mv_buf_printf(out, "<title>Memory pools at step %" PRIu32 "</title>\n<desc>", v->step);
    if (pymalloc) {
        uint64_t pools = 0;
        for (uint32_t a = 0; a < v->narenas; a++)
            pools += v->arenas[a].npools;
        mv_buf_printf(out, "%" PRIu32 " arena%s, %" PRIu64 " pools; ", v->narenas,
                      v->narenas == 1 ? "" : "s", pools);
        put_num(out, v->blocks_used);
        mv_buf_puts(out, " blocks used.");
    } else {
        mv_buf_puts(out, "No pool view: the allocator is ");
        prog_text(&w, v->allocator, strlen(v->allocator), 40);
        mv_buf_puts(out, ".");
    }
    mv_buf_puts(out, "</desc>\n");
    mv_buf_puts(out, "<defs><pattern id=\"mv-free\" patternUnits=\"userSpaceOnUse\" width=\"6\" "
                     "height=\"6\"><rect width=\"6\" height=\"6\" fill=\"" C_FREE "\"/><path d=\"M0 6L6 0\" "
                     "stroke=\"" C_USED "\" stroke-width=\"1\"/></pattern></defs>\n");
    mv_buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, height);
    mv_buf_printf(out, "<text x=\"%d\" y=\"22\" font-size=\"14\"><tspan font-weight=\"bold\">step %" PRIu32
                       "</tspan> · pymalloc arenas, pools and blocks</text>\n",
                  MARGIN, v->step);
    if (!pymalloc) {
        mv_buf_printf(out, "<text x=\"%d\" y=\"52\">pymalloc is not in use (allocator: ", MARGIN);
        prog_text(&w, v->allocator, strlen(v->allocator), 40);
        mv_buf_puts(out, "): there are no pools to show.</text>\n");
        if (v->message)
            message_lines(&w, v->message, 72, true);
    } else {
        /* totals and waste, as the `pools` JSON "totals" (also as data-*) */
        uint64_t free_bytes = 0;
        for (uint32_t a = 0; a < v->narenas; a++)
            for (uint32_t p = 0; p < v->arenas[a].npools; p++) {
                const mv_pool_info *q = &v->arenas[a].pools[p];
                free_bytes += (uint64_t)(q->free + q->never) * q->size_class;
            }
        mv_buf_printf(out,
                      "<g id=\"mv-totals\" data-arenas=\"%" PRIu32 "\" data-pools=\"%" PRIu64
                      "\" data-unused-pools=\"%" PRIu64 "\" data-used-blocks=\"%" PRIu64
                      "\" data-used-bytes=\"%" PRIu64 "\" data-free-bytes=\"%" PRIu64
                      "\" data-waste-pool-headers=\"%" PRIu64 "\" data-waste-rounding=\"%" PRIu64
                      "\" data-waste-alignment=\"%" PRIu64 "\">\n",
                      v->narenas, v->pools_used, v->pools_empty, v->blocks_used, v->bytes_used,
                      free_bytes, v->waste_headers, v->waste_rounding, v->waste_alignment);
        mv_buf_printf(out, "<text x=\"%d\" y=\"42\" fill=\"" C_MUTED "\">", MARGIN);
        put_num(out, v->blocks_used);
        mv_buf_puts(out, " blocks used (");
        put_num(out, v->bytes_used);
        mv_buf_puts(out, " bytes) in ");
        put_num(out, v->pools_used);
        mv_buf_printf(out, " pool%s and ", v->pools_used == 1 ? "" : "s");
        put_num(out, v->narenas);
        mv_buf_printf(out, " arena%s; ", v->narenas == 1 ? "" : "s");
        put_num(out, free_bytes);
        mv_buf_puts(out, " bytes free in those pools; ");
        put_num(out, v->pools_empty);
        mv_buf_printf(out, " empty pool%s</text>\n", v->pools_empty == 1 ? "" : "s");
        mv_buf_printf(out, "<text x=\"%d\" y=\"58\" fill=\"" C_MUTED "\">waste: ", MARGIN);
        put_num(out, v->waste_headers);
        mv_buf_puts(out, " B pool headers, ");
        put_num(out, v->waste_rounding);
        mv_buf_puts(out, " B rounding to size classes, ");
        put_num(out, v->waste_alignment);
        mv_buf_puts(out, " B arena alignment</text>\n</g>\n");
        legend(&w, 66);
        int y = 84;
        for (uint32_t a = 0; a < v->narenas; a++)
            y += arena_row(&w, &v->arenas[a], y);
    }
    mv_buf_puts(out, "</svg>\n");
    mv_buf_release(&w.tmp);
    mv_buf_release(&w.vis);
    return out->failed ? MV_ENOMEM : MV_OK;
}
