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

/* ---- chart.c: memory over time (docs/charts.md) ---- */

typedef struct mv_chart_opts {
    int width;            /* pixels; 0 (or less than 320) = 800 */
    bool marker;          /* draw a vertical line at marker_step */
    uint32_t marker_step;
} mv_chart_opts;

/* Live blocks (or objects) and live bytes over every step of the run,
 * stacked by type (the eight biggest types by peak bytes each get a series,
 * the rest are "other"), as a standalone SVG 1.1 document appended to out.
 * What is counted: the allocator's totals of the program's live blocks by
 * type (mv_delta mem/live_blocks/live_bytes) when the trace has them, else
 * the objects in the picture (reachable from the program's names); the
 * title, the caption and the root's data-source ("allocator", "picture")
 * say which. One column per pixel of the plot at most, each drawing its
 * step with the most bytes (and a line for its least), so peaks survive
 * any run length; every column is also a transparent <rect> with
 * data-first/data-step/data-blocks (data-objects)/data-bytes. Each series
 * has a colour and a fill pattern, the legend repeats both; type names are
 * visible text, XML-escaped. One pass over the trace with the delta
 * iterator, memory bounded by the width. opts may be NULL. Returns
 * MV_EINVAL for NULL tr/out, MV_ENOMEM (out stays valid; the caller
 * releases it), or the trace iterator's failure. PNG: mv_render_png on the
 * result. */
mv_status mv_render_chart_svg(const mv_trace *tr, const mv_chart_opts *opts, mv_buf *out);

/* ---- objcharts.c: one object's refcount, and where the objects sit ---- */

#define MV_ADDR_MAX_LIVES 120 /* bars of the address chart, at most */

typedef struct mv_objchart_opts {
    int width;            /* pixels; 0 (or too small) = 800 (refcount), 960 (addresses) */
    bool marker;          /* draw a vertical line at marker_step */
    uint32_t marker_step;
    uint32_t ref;         /* refcount: the object charted (its memview id, "#3") */
    uint32_t max_lives;   /* addresses: bars drawn; 0 (or more) = MV_ADDR_MAX_LIVES */
} mv_objchart_opts;

/* The reference count of object opts->ref (mv_object.refcount: references
 * held by the program) at every step it is in the picture, as a standalone
 * SVG 1.1 document appended to out: a step line over the steps from its
 * first appearance (or the marker, if earlier) to its last, its free, or
 * the marker; a gap where it is out of the picture; its steps spent
 * unreachable dashed over a hatched band; a "✕" with the reason at the
 * step of its free event. At most one column per pixel: a longer life is
 * drawn one column per 2, 4, 8... steps, each from its least to its most
 * count. The group mv-points holds one transparent <rect> per segment (a
 * run of steps with one count) or column, with data-first, data-last and
 * data-refcount, or data-min and data-max, and data-unreachable (steps)
 * where it applies; mv-freed carries data-freed (refcount, gc, reused) and
 * data-freed-step. An immortal object has no count: the picture says so
 * in words (root data-immortal="true") and draws no line. One pass over
 * the trace, memory bounded by the width. Returns MV_EINVAL for NULL
 * tr/out/opts, ref 0, or an object no step shows (out untouched then);
 * MV_ENOMEM (out stays valid, the caller releases it); or the trace
 * iterator's failure. PNG: mv_render_png on the result. */
mv_status mv_render_refcount_svg(const mv_trace *tr, const mv_objchart_opts *opts, mv_buf *out);

/* Where the objects sit in memory, as a standalone SVG 1.1 document
 * appended to out: one row per object life (from the step it entered the
 * picture to the step before it left, or the last step), rows in address
 * order (id(), lowest at the top; not to scale), a dashed line between two
 * rows more than 1 MiB apart; each row labelled with its address, type,
 * #ref and up to 3 frame names that referred to it while it lived; the
 * unreachable end of a life hatched; a "✕" after a life whose object was
 * freed. At most opts->max_lives rows (the longest lives; the caption says
 * how many were left out). The group mv-lives holds a <g> per row with
 * data-ref, data-id (the address, decimal), data-from, data-to, data-type,
 * and data-freed (cause) / data-freed-step, data-unreachable-from,
 * data-immortal where they apply. One pass over the trace; memory bounded
 * by the lives open at one step and max_lives. opts may be NULL. Returns
 * MV_EINVAL for NULL tr/out, MV_ENOMEM (out stays valid; the caller
 * releases it), or the trace iterator's failure. */
mv_status mv_render_addresses_svg(const mv_trace *tr, const mv_objchart_opts *opts,
                                  mv_buf *out);

/* The object that `name` (a NUL-terminated name, compared byte for byte)
 * refers to: in the innermost frame at `step`, or, when step is UINT32_MAX,
 * in any frame (innermost first) at the first step where it is bound.
 * Sets *ref, and *at (may be NULL) to the step it was found at. MV_EINVAL
 * when no such name (or step out of range), MV_ENOMEM. */
mv_status mv_objchart_find_name(const mv_trace *tr, const char *name, uint32_t step,
                                uint32_t *ref, uint32_t *at);

/* ---- pools_svg.c: pymalloc's arenas, pools and blocks at one step ---- */

typedef struct mv_pool_label {
    uint32_t index;       /* block index in the pool */
    const char *text;     /* the names that refer to the block's object (program text) */
    size_t len;
} mv_pool_label;

typedef struct mv_pool_info {
    uint64_t address;
    uint32_t size_class;  /* bytes per block: 16, 32, ... 512 */
    uint32_t blocks;      /* blocks in the pool */
    uint32_t used, free, never; /* used + free + never == blocks */
    const mv_pool_label *labels;
    uint32_t nlabels;
} mv_pool_info;

typedef struct mv_arena_info {
    uint32_t index;
    uint64_t address;
    const mv_pool_info *pools;
    uint32_t npools;
} mv_arena_info;

typedef struct mv_pools_view {
    uint32_t step;
    const char *allocator;   /* "pymalloc", "malloc", "mimalloc", "debug"...; NULL = pymalloc */
    const char *message;     /* when not pymalloc: why there is no pool view (shown as is) */
    const mv_arena_info *arenas;
    uint32_t narenas;
    /* totals for the caption (as the `-f pools` JSON "totals") */
    uint64_t blocks_used, bytes_used, pools_used, pools_empty;
    uint64_t waste_headers, waste_rounding, waste_alignment;
} mv_pools_view;

/* The pool view of one step as a standalone SVG 1.1 document appended to
 * out: one row per arena, a bar per pool split into used (solid), free
 * (hatched) and never-used (empty) blocks with its size class, a mark above
 * every labelled block and the labels listed under the arena, a legend, and
 * the totals and waste in a caption whose group (id mv-totals) carries the
 * `pools` JSON totals as data-* attributes. When the allocator is not
 * pymalloc the picture holds only the message. Labels are program text:
 * visible text, XML-escaped. MV_EINVAL for NULL v/out, MV_ENOMEM; out stays
 * valid. */
mv_status mv_render_pools_svg(const mv_pools_view *v, mv_buf *out);

/* ---- pools_json.c: the pool view of one step, from the trace ---- */

/* Build the pool view of step st->step (st: that step's state, for the
 * labels: the names that reach each block's object). When the allocator was
 * not pymalloc the view has only allocator and message. MV_EINVAL when the
 * run recorded no pool view for that step (the pool view is taken during
 * the run, at the step asked for: mv_run_opts.pools), MV_ENOMEM. Free with
 * mv_pools_view_free. */
mv_status mv_pools_view_new(const mv_trace *tr, const mv_state *st, mv_pools_view **out);
void mv_pools_view_free(mv_pools_view *v);
/* The `pools` JSON format (docs/events-format.md) of that view, appended to
 * out. Errors as mv_pools_view_new. */
mv_status mv_render_pools_json(const mv_trace *tr, const mv_state *st, mv_buf *out);

#endif
