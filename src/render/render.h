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

#endif
