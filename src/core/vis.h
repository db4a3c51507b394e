/* Visible text: program text made safe and measurable for display.
 * Program strings are hostile: every control character, invisible or bidi
 * format character, lone surrogate (WTF-8 in the model) and noncharacter is
 * written as an escape (\x1b, \u202e, \udc80), invalid UTF-8 as U+FFFD, so
 * nothing from the program can drive a terminal or reorder a picture. */
#ifndef MV_CORE_VIS_H
#define MV_CORE_VIS_H

#include "mv.h"

typedef enum mv_vis_mode {
    MV_VIS_PLAIN = 0, /* names, types, files, repr text: controls escaped */
    MV_VIS_STR,       /* str content between quotes: also \\ and the quote, \n \r \t */
    MV_VIS_SOURCE     /* a source line: as PLAIN, with tabs shown as one space */
} mv_vis_mode;

/* Decode one UTF-8 sequence at s (n > 0 bytes), accepting encoded
 * surrogates; returns its length, *cp = the code point or -1 (invalid byte,
 * length 1). */
size_t mv_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);
/* Display columns of a printable code point (wide and emoji two). */
unsigned mv_vis_cp_width(int32_t cp);

/* One visible unit of the text at s (n bytes left): the code point itself
 * when safe, else its escape, written to u (at most 15 bytes + NUL room).
 * Returns the unit's length in bytes; *used gets the input bytes consumed,
 * *cols its display width (East Asian wide and emoji two). */
size_t mv_vis_unit(const char *s, size_t n, mv_vis_mode mode, char quote, char u[16],
                   size_t *used, unsigned *cols);

/* Append program text s to out as visible text in at most maxcols columns:
 * if it does not fit, as much as fits in maxcols - 1 columns and "…". quote
 * is the quote character escaped in MV_VIS_STR mode. Returns the columns
 * written; *cut (may be NULL) tells whether it was cut. */
size_t mv_vis_text(mv_buf *out, const char *s, size_t n, mv_vis_mode mode, char quote,
                   size_t maxcols, bool *cut);

/* Append s as visible text escaped for XML/HTML character data or a quoted
 * attribute (& < > " ' as entities); tmp is scratch space. */
void mv_vis_xml(mv_buf *out, mv_buf *tmp, const char *s, size_t n);

/* Columns of already-visible text (what mv_vis_text wrote). */
size_t mv_vis_cols(const char *s, size_t n);

#endif
