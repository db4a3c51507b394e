/* The pieces every standalone SVG chart of memview shares (chart.c,
 * objcharts.c): the colours, number formats, tick steps, short path
 * coordinates, program text made visible and XML-escaped, the document's
 * head, the caption's program name, a value grid, the step axis and the
 * step marker. Internal to src/render/; what the charts draw is in
 * docs/charts.md. Everything appends to an mv_buf and never fails on its
 * own: a failed buffer stays failed (the caller checks out->failed once). */
#ifndef MV_RENDER_SVGKIT_H
#define MV_RENDER_SVGKIT_H

#include "../core/trace.h"

#define MV_SVG_TEXT "#111827"
#define MV_SVG_MUTED "#4b5563"
#define MV_SVG_GRID "#e5e7eb"
#define MV_SVG_AXIS "#6b7280"
#define MV_SVG_MARK "#b45309"

/* Okabe-Ito colours (told apart by colour-blind readers) and a grey for
 * "other"; a chart never tells things apart by colour alone. */
#define MV_SVG_NCOLOURS 9
extern const char *const mv_svg_palette[MV_SVG_NCOLOURS];

/* 1234567 -> "1,234,567" (negative values are written 0). */
void mv_svg_num(mv_buf *b, double v);
/* "812 B", "12.3 KiB", "45.6 MiB". */
void mv_svg_bytes(mv_buf *b, double v);
/* A round step (1, 2 or 5 times a power of ten, at least 1) for about n
 * ticks from 0 to max. */
double mv_svg_tick_step(double max, int n);
/* A path coordinate to 0.1, short: "12", "-.5", "3.2". */
void mv_svg_coord(mv_buf *o, double v);
/* v rounded to 0.1. */
double mv_svg_tenth(double v);

/* Scratch space for program text: start it zeroed ({0}), release it with
 * mv_svg_scratch_release. */
typedef struct mv_svg_scratch {
    mv_buf vis, tmp;
} mv_svg_scratch;

void mv_svg_scratch_release(mv_svg_scratch *sc);
/* Program text s (n bytes) as visible text cut to maxcols columns
 * (core/vis.h), appended to sc->vis unescaped: a label is built from
 * several pieces, then written with mv_svg_flush. Returns the columns. */
size_t mv_svg_vis(mv_svg_scratch *sc, const char *s, size_t n, size_t maxcols);
/* What sc->vis holds, XML-escaped, appended to out; sc->vis is emptied. */
void mv_svg_flush(mv_buf *out, mv_svg_scratch *sc);
/* Both at once: program text, cut to maxcols, escaped, appended to out. */
void mv_svg_text(mv_buf *out, mv_svg_scratch *sc, const char *s, size_t n, size_t maxcols);
/* The base name of the traced program (cut to 60 columns), or "program". */
void mv_svg_program(mv_buf *out, mv_svg_scratch *sc, const mv_trace *tr);

/* The document up to its <desc>: the XML declaration, the <svg> element
 * (SVG 1.1, width x height, role="img", the extra attributes `attrs` as
 * given, aria-label `label`, the font family and the text colour) and the
 * <title> `label`. label must already be escaped for XML; the caller then
 * writes the description and "</desc>\n". */
void mv_svg_head(mv_buf *o, int width, int height, const char *attrs, const char *label,
                 size_t label_len);
/* The caption's first line up to its program name: opens a <text> at x
 * (y 20, 14 px) with the program's base name in bold; the caller goes on
 * with " · ..." and closes the element. */
void mv_svg_caption_head(mv_buf *o, mv_svg_scratch *sc, const mv_trace *tr, int x);

/* Horizontal grid lines of a plot `h` pixels high whose top is y0, one per
 * `stp` from 0 to ymax, each labelled at its left: a count (unit 1), or
 * bytes (bytes: "812 B", or whole KiB / MiB when unit is 1024 or 1048576). */
void mv_svg_grid(mv_buf *o, int left, int plot_w, int y0, int h, double ymax, double stp,
                 double unit, bool bytes);

/* The step axis under a plot at y: steps first .. first + n - 1 drawn over
 * plot_w pixels (step s from left + (s - first) * plot_w / n), round
 * ticks labelled, "step" at the right end; a group with id mv-steps. */
void mv_svg_step_axis(mv_buf *o, int left, int plot_w, int y, uint32_t first, uint32_t n);
/* x of the middle of step s on that axis. */
double mv_svg_step_x(int left, int plot_w, uint32_t first, uint32_t n, double s);

/* The marker of one step: a vertical line at x from y_top to y_bottom and
 * "step N" above it, to its left when right (near the plot's right end);
 * a group with id mv-marker. */
void mv_svg_marker(mv_buf *o, double x, int y_top, int y_bottom, bool right, uint32_t step);

#endif
