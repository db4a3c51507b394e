/* Renderers: one file per output format, each turning the model (core/trace.h)
 * into bytes appended to an mv_buf. No Python.h here; renderers never print,
 * they only fill the caller's buffer. */
#ifndef MV_RENDER_RENDER_H
#define MV_RENDER_RENDER_H

#include "../core/trace.h"

/* ---- text.c: terminal memory diagram ---- */

typedef struct mv_text_opts {
    bool color;      /* ANSI colours (the CLI decides: tty and NO_COLOR unset) */
    bool address;    /* show each object's real id() in hex */
    unsigned width;  /* target columns, 80 by default (0 = 80) */
} mv_text_opts;

/* Render one step as a terminal memory diagram into out (appended): a header
 * (step, event, place, Python version, the source line about to run), the
 * frames outermost first with each name's arrow to its object's #ref, then
 * every object once with its refcount, size and contents. Every line fits in
 * opts->width display columns (cut with "…"); text from the program is
 * escaped so it can never carry terminal controls. opts may be NULL
 * (defaults). Returns MV_EINVAL for a NULL st/out, MV_ENOMEM if out failed
 * (now or before); out stays valid either way and the caller releases it. */
mv_status mv_render_text(const mv_state *st, const mv_text_opts *opts, mv_buf *out);

/* ---- json.c: the state and trace JSON formats (docs/) ---- */

/* Append s (UTF-8; WTF-8 surrogates become \udXXX escapes, invalid bytes
 * U+FFFD) as a JSON string literal. "</" is written "<\/", a "<" before
 * "!" or "script" (any case) "\u003c", and U+2028/2029 escaped, so the text
 * can be inlined in an HTML script element. */
void mv_json_str(mv_buf *out, const char *s, size_t n);

/* One step in the `state` format, version 1. MV_ENOMEM if out failed. */
mv_status mv_render_state_json(const mv_state *st, mv_buf *out);

/* The whole run in the `trace` format, version 1. MV_ENOMEM, MV_EFORMAT. */
mv_status mv_render_trace_json(const mv_trace *tr, mv_buf *out);
/* The same, with the layout of every step (docs/layout-format.md) when
 * with_layout: what the HTML viewer draws. Costs a layout pass per step. */
mv_status mv_render_trace_json_ex(const mv_trace *tr, bool with_layout, mv_buf *out);

/* ---- html.c: the step-by-step viewer, one self-contained file ---- */

/* The whole run as one HTML page (docs/viewer.md): web/viewer.html with
 * viewer.css, viewer.js and the trace JSON (mv_render_trace_json) inlined,
 * appended to out. The page works offline from file:// and its
 * Content-Security-Policy forbids network requests; program text in the data
 * cannot end its script element. Returns MV_EINVAL for NULL arguments,
 * MV_ENOMEM if out (or the JSON built on the way) failed, MV_EFORMAT as
 * mv_render_trace_json; out stays valid and the caller releases it. */
mv_status mv_render_html(const mv_trace *tr, mv_buf *out);

/* ---- pictures: svg.c, dot.c, png.c, layout_json.c ----
 * Each draws the layout (core/layout.h) of one step. The layout must have
 * been stepped last with that very state (mv_layout_step(l, st)): boxes and
 * arrows come from the layout, highlights and captions from the state. */

#include "../core/layout.h"

typedef struct mv_svg_opts {
    const mv_state *prev;     /* the previous step's state, or NULL: objects not in it
                                 are tagged "new", objects whose content differs
                                 "changed", rows whose reference differs are shaded */
    const uint32_t *changed;  /* and/or refs to tag "changed" (any order) */
    size_t nchanged;
    bool no_caption;          /* no "step N/M · file:line · source" line on top */
    bool no_legend;           /* no key to the borders and tags at the bottom */
} mv_svg_opts;

/* One step as a standalone SVG 1.1 document, appended to out: frames on the
 * left, object boxes (double border: immutable; single: mutable) with #ref,
 * type, size and a "refs N" badge, arrows with arrowheads from every slot to
 * its object, a caption (step, place, the source line) and a legend. All
 * program text is visible text (core/layout.h) escaped for XML, so no
 * string can end an element, inject markup or reorder the picture; the
 * document has a <title>, role="img" and an aria-label. opts may be NULL.
 * MV_EINVAL for NULL st/l/out, MV_ENOMEM if out failed; out stays valid. */
mv_status mv_render_svg(const mv_state *st, const mv_layout *l, const mv_svg_opts *opts,
                        mv_buf *out);

/* One step in Graphviz's DOT language, appended to out: a node per frame and
 * per object box with an HTML-like table label (a PORT per row: r0, r1, ...),
 * an edge per arrow from its row's port, the layout's positions as pos="x,y!"
 * hints (points, y up; `neato -n` keeps them, `dot` re-lays out), styles in
 * plain attributes so a user can restyle. Escaping follows DOT: XML entities
 * inside HTML-like labels, \" and \\ inside quoted strings. MV_EINVAL,
 * MV_ENOMEM as mv_render_svg. */
mv_status mv_render_dot(const mv_state *st, const mv_layout *l, mv_buf *out);

/* Rasterize an SVG document (n bytes) with librsvg and cairo into PNG bytes
 * appended to out; scale 1 = one pixel per SVG unit (the picture is scaled
 * down to fit MV_PNG_MAX_SIDE pixels a side). MV_EFORMAT if librsvg rejects
 * the SVG, MV_EINVAL if memview was built without librsvg (see
 * mv_render_png_available) or scale <= 0, MV_ENOMEM. */
#define MV_PNG_MAX_SIDE 16384
mv_status mv_render_png(const char *svg, size_t n, mv_buf *out);
mv_status mv_render_png_scaled(const char *svg, size_t n, double scale, mv_buf *out);
bool mv_render_png_available(void);

/* The layout of the current step as a trace-JSON fragment (the member
 * `"layout":{...}` without a leading comma; docs/layout-format.md), holding
 * only what changed since the previous mv_layout_step: size, frames, boxes
 * that appeared, moved or resized, boxes gone, arrows added or rerouted,
 * arrows gone; the first step also carries the metrics. Call it after each
 * mv_layout_step, in step order, only when mv_layout_changed(l) (or always:
 * an unchanged step gives "layout":{}). MV_ENOMEM if out failed. */
mv_status mv_render_layout_json(const mv_layout *l, mv_buf *out);

#endif
