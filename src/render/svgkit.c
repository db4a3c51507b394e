/* Shared pieces of the standalone SVG charts; contract in svgkit.h. The
 * output of each function is part of the charts' goldens
 * (tests/golden/chart_tiny.svg): change a byte here and every chart
 * changes. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/vis.h"
#include "svgkit.h"

const char *const mv_svg_palette[MV_SVG_NCOLOURS] = {"#0072b2", "#e69f00", "#009e73",
                                                     "#cc79a7", "#56b4e9", "#d55e00",
                                                     "#f0e442", "#8c6bb1", "#9a9a9a"};

void
mv_svg_num(mv_buf *b, double v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%.0f", v < 0 ? 0 : v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            mv_buf_putc(b, ',');
        mv_buf_putc(b, digits[i]);
    }
}

void
mv_svg_bytes(mv_buf *b, double v)
{
    if (v < 10240) {
        mv_svg_num(b, v);
        mv_buf_puts(b, " B");
    } else if (v < 10.0 * 1048576) {
        mv_buf_printf(b, "%.1f KiB", v / 1024);
    } else {
        mv_buf_printf(b, "%.1f MiB", v / 1048576);
    }
}

double
mv_svg_tick_step(double max, int n)
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

void
mv_svg_coord(mv_buf *o, double v)
{
    char t[32];
    int n = snprintf(t, sizeof t, "%.1f", v);
    if (n >= 2 && t[n - 2] == '.' && t[n - 1] == '0')
        t[n -= 2] = '\0';
    if (strcmp(t, "-0") == 0)
        t[0] = '0', t[1] = '\0';
    const char *p = t;
    if (p[0] == '0' && p[1] == '.')
        p++;
    else if (p[0] == '-' && p[1] == '0' && p[2] == '.') {
        mv_buf_putc(o, '-');
        p += 2;
    }
    mv_buf_puts(o, p);
}

double
mv_svg_tenth(double v)
{
    return round(v * 10) / 10;
}

void
mv_svg_scratch_release(mv_svg_scratch *sc)
{
    mv_buf_release(&sc->vis);
    mv_buf_release(&sc->tmp);
}

size_t
mv_svg_vis(mv_svg_scratch *sc, const char *s, size_t n, size_t maxcols)
{
    return mv_vis_text(&sc->vis, s, n, MV_VIS_PLAIN, 0, maxcols, NULL);
}

void
mv_svg_flush(mv_buf *out, mv_svg_scratch *sc)
{
    mv_vis_xml(out, &sc->tmp, sc->vis.data ? sc->vis.data : "", sc->vis.len);
    mv_buf_reset(&sc->vis);
}

void
mv_svg_text(mv_buf *out, mv_svg_scratch *sc, const char *s, size_t n, size_t maxcols)
{
    mv_buf_reset(&sc->vis);
    mv_svg_vis(sc, s, n, maxcols);
    mv_svg_flush(out, sc);
}

void
mv_svg_program(mv_buf *out, mv_svg_scratch *sc, const mv_trace *tr)
{
    const char *p = mv_trace_program(tr);
    if (!p || !*p) {
        mv_buf_puts(out, "program");
        return;
    }
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    mv_svg_text(out, sc, base, strlen(base), 60);
}

void
mv_svg_head(mv_buf *o, int width, int height, const char *attrs, const char *label,
            size_t label_len)
{
    mv_buf_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    mv_buf_printf(o,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                  "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"%s aria-label=\"",
                  width, height, width, height, attrs);
    mv_buf_append(o, label, label_len);
    mv_buf_puts(o, "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" "
                   "fill=\"" MV_SVG_TEXT "\">\n<title>");
    mv_buf_append(o, label, label_len);
    mv_buf_puts(o, "</title>\n<desc>");
}

void
mv_svg_caption_head(mv_buf *o, mv_svg_scratch *sc, const mv_trace *tr, int x)
{
    mv_buf_printf(o, "<text x=\"%d\" y=\"20\" font-size=\"14\"><tspan font-weight=\"bold\">", x);
    mv_svg_program(o, sc, tr);
    mv_buf_puts(o, "</tspan>");
}

void
mv_svg_grid(mv_buf *o, int left, int plot_w, int y0, int h, double ymax, double stp, double unit,
            bool bytes)
{
    for (double v = 0; v <= ymax + 1e-9; v += stp) {
        double y = y0 + h - v * h / ymax;
        mv_buf_printf(o, "<path d=\"M%d %.1fh%d\" stroke=\"%s\"/>\n", left, y, plot_w,
                      v > 0 ? MV_SVG_GRID : MV_SVG_AXIS);
        mv_buf_printf(
            o,
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"" MV_SVG_MUTED
            "\">",
            left - 6, y + 4);
        if (v <= 0)
            mv_buf_putc(o, '0');
        else if (bytes && unit > 1)
            mv_buf_printf(o, "%.0f %s", v / unit, unit > 1024 ? "MiB" : "KiB");
        else if (bytes)
            mv_svg_bytes(o, v);
        else
            mv_svg_num(o, v);
        mv_buf_puts(o, "</text>\n");
    }
}

double
mv_svg_step_x(int left, int plot_w, uint32_t first, uint32_t n, double s)
{
    return left + (s - first + 0.5) * plot_w / (n ? n : 1);
}

void
mv_svg_step_axis(mv_buf *o, int left, int plot_w, int y, uint32_t first, uint32_t n)
{
    mv_buf_printf(o, "<g id=\"mv-steps\" font-size=\"11\" fill=\"" MV_SVG_MUTED "\">\n");
    double stp = mv_svg_tick_step(n > 1 ? n - 1 : 1, plot_w / 90 > 2 ? plot_w / 90 : 2);
    double last = (double)first + (n ? n - 1 : 0);
    for (double v = ceil(first / stp) * stp; v <= last + 1e-9; v += stp) {
        double x = mv_svg_step_x(left, plot_w, first, n, v);
        mv_buf_printf(o, "<path d=\"M%.1f %dv4\" stroke=\"" MV_SVG_AXIS "\"/>", x, y);
        mv_buf_printf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, y + 16);
        mv_svg_num(o, v);
        mv_buf_puts(o, "</text>\n");
    }
    mv_buf_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">step</text>\n", left + plot_w,
                  y + 32);
    mv_buf_puts(o, "</g>\n");
}

void
mv_svg_marker(mv_buf *o, double x, int y_top, int y_bottom, bool right, uint32_t step)
{
    mv_buf_printf(o,
                  "<g id=\"mv-marker\"><path d=\"M%.1f %dV%d\" stroke=\"" MV_SVG_MARK
                  "\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%d\" fill=\"" MV_SVG_MARK
                  "\" font-weight=\"bold\"%s>step %" PRIu32 "</text></g>\n",
                  x, y_top, y_bottom, x + (right ? -4 : 4), y_top - 8,
                  right ? " text-anchor=\"end\"" : "", step);
}
