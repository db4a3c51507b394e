/* Visible text: program text (names, values, source lines) turned into
 * what can be shown safely in a terminal, SVG, DOT or HTML: valid UTF-8 with
 * every control, invisible/bidi format character, surrogate and
 * noncharacter written as a Python-style escape, measured in display
 * columns. Shared by every renderer and the layout; contract in vis.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vis.h"

size_t
mv_utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    if (n < len) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff) {
        *cp = -1;
        return 1;
    }
    *cp = (int32_t)v;
    return len;
}

/* Columns of a printable code point: East Asian wide and emoji two. */
unsigned
mv_vis_cp_width(int32_t cp)
{
    if (cp < 0x1100)
        return 1;
    if ((cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
        (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
        (cp >= 0xa000 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
        (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
        (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
        (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* Never written raw: C0/C1 controls and DEL, invisible format characters
 * (bidi embeddings, overrides, isolates, marks, zero-width characters,
 * line/paragraph separators, BOM, tags), surrogates and noncharacters (XML
 * 1.0 forbids several of these; the rest could reorder or hide text). */
static bool
must_escape(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xad || cp == 0x061c ||
           cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x206f) || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfeff ||
           (cp >= 0xfdd0 && cp <= 0xfdef) || (cp >= 0xfff9 && cp <= 0xfffb) ||
           (cp & 0xfffe) == 0xfffe || (cp >= 0xe0000 && cp <= 0xe007f);
}

/* One visible unit of program text at s: the code point itself when safe,
 * else an escape. Writes it to u (16 bytes), returns its length; *used the
 * input bytes consumed, *cols its width. */
size_t
mv_vis_unit(const char *s, size_t n, mv_vis_mode mode, char quote, char u[16], size_t *used,
            unsigned *cols)
{
    int32_t cp;
    size_t k = mv_utf8_decode((const unsigned char *)s, n, &cp);
    *used = k;
    if (cp < 0) {
        memcpy(u, "\xef\xbf\xbd", 3);
        *cols = 1;
        return 3;
    }
    if (mode == MV_VIS_STR && (cp == '\\' || (quote && cp == quote))) {
        u[0] = '\\';
        u[1] = (char)cp;
        *cols = 2;
        return 2;
    }
    if (!must_escape(cp)) {
        memcpy(u, s, k);
        *cols = mv_vis_cp_width(cp);
        return k;
    }
    int len;
    if (mode == MV_VIS_SOURCE && cp == '\t') {
        u[0] = ' ';
        *cols = 1;
        return 1;
    }
    if (mode == MV_VIS_STR && (cp == '\n' || cp == '\r' || cp == '\t'))
        len = snprintf(u, 16, "\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
    else if (cp < 0x100)
        len = snprintf(u, 16, "\\x%02" PRIx32, (uint32_t)cp);
    else if (cp < 0x10000)
        len = snprintf(u, 16, "\\u%04" PRIx32, (uint32_t)cp);
    else
        len = snprintf(u, 16, "\\U%08" PRIx32, (uint32_t)cp);
    if (len < 0 || len > 15)
        len = 0; /* cannot happen: at most "\\U0010ffff" */
    *cols = (unsigned)len;
    return (size_t)len;
}

size_t
mv_vis_text(mv_buf *out, const char *s, size_t n, mv_vis_mode mode, char quote,
            size_t maxcols, bool *cut)
{
    size_t total = 0, i = 0, cols = 0;
    char u[16];
    size_t used, len;
    unsigned w;
    if (!s)
        n = 0;
    while (i < n && total <= maxcols) {
        mv_vis_unit(s + i, n - i, mode, quote, u, &used, &w);
        total += w;
        i += used;
    }
    bool fits = i >= n && total <= maxcols;
    if (cut)
        *cut = !fits;
    size_t room = fits ? maxcols : maxcols ? maxcols - 1 : 0;
    for (i = 0; i < n;) {
        len = mv_vis_unit(s + i, n - i, mode, quote, u, &used, &w);
        if (cols + w > room)
            break;
        mv_buf_append(out, u, len < sizeof u ? len : sizeof u - 1);
        cols += w;
        i += used;
    }
    if (!fits && maxcols) {
        mv_buf_puts(out, "…");
        cols++;
    }
    return cols;
}

size_t
mv_vis_cols(const char *s, size_t n)
{
    size_t cols = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += mv_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        cols += cp < 0 ? 1 : mv_vis_cp_width(cp);
    }
    return cols;
}

void
mv_vis_xml(mv_buf *out, mv_buf *tmp, const char *s, size_t n)
{
    mv_buf_reset(tmp);
    mv_vis_text(tmp, s, n, MV_VIS_PLAIN, 0, SIZE_MAX, NULL);
    const char *p = tmp->data ? tmp->data : "";
    for (size_t i = 0; i < tmp->len; i++) {
        switch (p[i]) {
        case '&':
            mv_buf_puts(out, "&amp;");
            break;
        case '<':
            mv_buf_puts(out, "&lt;");
            break;
        case '>':
            mv_buf_puts(out, "&gt;");
            break;
        case '"':
            mv_buf_puts(out, "&quot;");
            break;
        case '\'':
            mv_buf_puts(out, "&#39;");
            break;
        default:
            mv_buf_putc(out, p[i]);
        }
    }
}
