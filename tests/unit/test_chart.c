/* Unit test of the memory charts (src/render/chart.c) and the pool view
 * (src/render/pools_svg.c). Traces are recorded by hand (no Python):
 *   - goldens: a three-step run's chart and a two-arena pool view, compared
 *     with tests/golden/chart_tiny.svg and pools_tiny.svg (MEMVIEW_UPDATE=1
 *     rewrites them: then look at the diff and at the pictures, MV_PNG_OUT=dir
 *     writes PNGs);
 *   - hostile type names and labels: the SVG stays well-formed XML and every
 *     dangerous character is a visible escape;
 *   - many types (eight series and "other"), a long run (bounded output), an
 *     empty run, and the no-pymalloc message;
 *   - the allocator's totals (recorded as memory events): the chart draws
 *     them instead of the objects in the picture, column by column as the
 *     trace says, and a one-step spike in a long run survives the sampling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "render/render.h"
#include "harness.h"

#ifndef MV_GOLDEN_DIR
#define MV_GOLDEN_DIR "tests/golden"
#endif

static mv_trace *tr;

static uint32_t
S(const char *s)
{
    return mv_trace_intern(tr, s, strlen(s));
}

static void
new_trace(void)
{
    mv_trace_free(tr);
    tr = NULL;
    if (mv_trace_new(&tr, NULL) != MV_OK) {
        fprintf(stderr, "mv_trace_new failed\n");
        exit(2);
    }
    mv_trace_set_python(tr, "3.12.1");
    mv_trace_set_program(tr, "/home/ann/mem.py");
}

static void
begin(uint32_t line)
{
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, S("mem.py"), line), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, S("<module>"), S("mem.py"), line), MV_OK);
}

/* Reach the object at addr (type, size) and record it; returns its ref. */
static uint32_t
object(uint64_t addr, const char *type, uint64_t size)
{
    mv_recref r;
    CHECK_INT_EQ(mv_rec_ref(tr, addr, S(type), 16, 0, &r), MV_OK);
    mv_object o;
    memset(&o, 0, sizeof o);
    o.type = S(type);
    o.kind = MV_K_OPAQUE;
    o.refcount = 1;
    o.size = size;
    CHECK_INT_EQ(mv_rec_object(tr, &r, &o), MV_OK);
    return r.ref;
}

static void
local(const char *name, uint32_t ref)
{
    CHECK_INT_EQ(mv_rec_local(tr, S(name), ref), MV_OK);
}

static void
end(void)
{
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);
}

/* ------------------------------------------------------------------ */
/* a small XML checker (as in test_svg.c): one root, tags balanced,
 * attributes quoted and hold no '<', every '&' starts a known entity, the text
 * is valid UTF-8 with no control character but \n and \t, no surrogate, no
 * U+FFFE/FFFF and no bidi control. Returns NULL or what is wrong. */

static const char *
check_entity(const char **p)
{
    static const char *ok[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strncmp(*p, ok[i], strlen(ok[i])) == 0) {
            *p += strlen(ok[i]);
            return NULL;
        }
    return "bad entity";
}

static const char *
check_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x20 && c != '\n' && c != '\t')
            return "control character";
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (!n || c > 0xf4)
            return "invalid UTF-8 lead byte";
        uint32_t cp = c & (0x3f >> (n - 1));
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return "invalid UTF-8 continuation";
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
            return "surrogate";
        if ((cp & 0xfffe) == 0xfffe)
            return "noncharacter";
        if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
            (cp >= 0x80 && cp < 0xa0))
            return "bidi or C1 control";
        p += n;
    }
    return NULL;
}

static const char *
xml_check(const char *doc)
{
    const char *err = check_chars(doc);
    if (err)
        return err;
    const char *p = doc;
    if (strncmp(p, "<?xml", 5) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return "unterminated declaration";
        p += 2;
    }
    const char *stack[64];
    size_t lens[64], depth = 0, roots = 0;
    while (*p) {
        if (*p == '&') {
            if ((err = check_entity(&p)))
                return err;
            continue;
        }
        if (*p != '<') {
            if (!depth && *p != '\n' && *p != ' ')
                return "text outside the root";
            p++;
            continue;
        }
        p++;
        if (*p == '/') {
            p++;
            const char *name = p;
            while (*p && *p != '>' && *p != ' ')
                p++;
            if (!depth || (size_t)(p - name) != lens[depth - 1] ||
                strncmp(name, stack[depth - 1], lens[depth - 1]))
                return "mismatched end tag";
            depth--;
            if (*p != '>')
                return "bad end tag";
            p++;
            continue;
        }
        const char *name = p;
        while (*p && (('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || *p == '-' ||
                      *p == ':' || ('0' <= *p && *p <= '9')))
            p++;
        if (p == name)
            return "bad tag name";
        size_t nlen = (size_t)(p - name);
        for (;;) {
            while (*p == ' ' || *p == '\n')
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            const char *an = p;
            while (*p && *p != '=' && *p != ' ' && *p != '>')
                p++;
            if (p == an || *p != '=' || p[1] != '"')
                return "bad attribute";
            p += 2;
            while (*p && *p != '"') {
                if (*p == '<')
                    return "'<' in an attribute";
                if (*p == '&') {
                    if ((err = check_entity(&p)))
                        return err;
                } else {
                    p++;
                }
            }
            if (*p != '"')
                return "unterminated attribute";
            p++;
        }
        if (*p == '/') {
            p += 2;
            if (!depth)
                roots++;
            continue;
        }
        p++;
        if (depth == 64)
            return "too deep";
        if (!depth)
            roots++;
        stack[depth] = name;
        lens[depth++] = nlen;
    }
    if (depth)
        return "unclosed element";
    if (roots != 1)
        return "not exactly one root element";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* goldens */

static char *
slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

static void
golden(const char *name, const char *ext, const mv_buf *got)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s", MV_GOLDEN_DIR, name, ext);
    const char *upd = getenv("MEMVIEW_UPDATE");
    if (upd && *upd && strcmp(upd, "0") != 0) {
        CHECK_INT_EQ(mv_write_file(path, got->data, got->len), MV_OK);
        fprintf(stderr, "wrote %s\n", path);
        return;
    }
    size_t n;
    char *want = slurp(path, &n);
    if (!want) {
        harness_fail(__FILE__, __LINE__, "golden file missing (MEMVIEW_UPDATE=1 makes it)");
        fprintf(stderr, "    %s\n", path);
        return;
    }
    harness_str_eq(__FILE__, __LINE__, path, got->data ? got->data : "", want);
    free(want);
}

static void
png_out(const char *name, const mv_buf *svg)
{
    if (!mv_render_png_available()) {
        fprintf(stderr, "PNG: not built with librsvg, skipped\n");
        return;
    }
    mv_buf png = {0};
    CHECK_INT_EQ(mv_render_png(svg->data, svg->len, &png), MV_OK);
    CHECK(png.len > 8 && memcmp(png.data, "\x89PNG\r\n\x1a\n", 8) == 0);
    const char *dir = getenv("MV_PNG_OUT");
    if (dir && *dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.png", dir, name);
        mv_buf big = {0};
        CHECK_INT_EQ(mv_render_png_scaled(svg->data, svg->len, 2.0, &big), MV_OK);
        mv_write_file(path, big.data, big.len);
        fprintf(stderr, "wrote %s\n", path);
        mv_buf_release(&big);
    }
    mv_buf_release(&png);
}

/* ------------------------------------------------------------------ */

#define HOSTILE "<b>&\"'\x1b[31m\xe2\x80\xae" "evil"

/* x = [] (56 B); y = a 28-byte int and z a hostile type; del x */
static void
tiny_trace(void)
{
    new_trace();
    begin(1);
    uint32_t x = object(0x7f0000001000, "list", 56);
    local("x", x);
    end();
    begin(2);
    object(0x7f0000001000, "list", 56);
    uint32_t y = object(0x7f0000002000, "int", 28);
    uint32_t z = object(0x7f0000003000, HOSTILE, 100);
    local("x", x);
    local("y", y);
    local("z", z);
    end();
    begin(3);
    object(0x7f0000002000, "int", 28);
    object(0x7f0000003000, HOSTILE, 100);
    local("y", y);
    local("z", z);
    end();
}

static void
test_chart_tiny(void)
{
    tiny_trace();
    mv_buf out = {0};
    mv_chart_opts o = {.marker = true, .marker_step = 1};
    CHECK_INT_EQ(mv_render_chart_svg(tr, &o, &out), MV_OK);
    const char *err = xml_check(out.data);
    if (err)
        fprintf(stderr, "xml: %s\n", err);
    CHECK(err == NULL);
    golden("chart_tiny", "svg", &out);
    CHECK_HAS(out.data, "3 steps. Objects in the picture");
    CHECK_HAS(out.data, "data-source=\"picture\"");
    CHECK_HAS(out.data, "no allocator totals in this trace");
    CHECK_HAS(out.data, "data-first=\"1\" data-step=\"1\" data-objects=\"3\" data-bytes=\"184\"");
    CHECK_HAS(out.data, "Peak: 3 objects at step 1; 184 B at step 1");
    /* the legend cuts a type name at 18 columns, escapes included */
    CHECK_HAS(out.data, ">&lt;b&gt;&amp;&quot;&#39;\\x1b[31m…</text>");
    CHECK_LACKS(out.data, "<b>");
    CHECK_LACKS(out.data, "\x1b");
    CHECK_LACKS(out.data, "\xe2\x80\xae");
    CHECK_HAS(out.data, "id=\"mv-marker\"");
    CHECK_HAS(out.data, ">step 1</text>");
    png_out("chart_tiny", &out);
    mv_buf_release(&out);
}

/* twelve types: the eight biggest by peak bytes get series, four are "other" */
static void
test_chart_many_types(void)
{
    new_trace();
    char name[16];
    uint32_t refs[12];
    begin(1);
    for (int t = 0; t < 12; t++) {
        snprintf(name, sizeof name, "T%02d", t);
        refs[t] = object(0x7f0000100000 + 0x100 * (uint64_t)t, name, 100 + 10 * (uint64_t)t);
        local(name, refs[t]);
    }
    end();
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_chart_svg(tr, NULL, &out), MV_OK);
    CHECK(xml_check(out.data) == NULL);
    CHECK_HAS(out.data, ">T11</text>");
    CHECK_HAS(out.data, ">T04</text>");
    CHECK_LACKS(out.data, ">T03</text>");
    CHECK_HAS(out.data, ">other types</text>");
    CHECK_HAS(out.data, "url(#mvc-8)");
    CHECK_LACKS(out.data, "id=\"mv-marker\"");
    mv_buf_release(&out);
}

/* 20,000 steps: the series are sampled, the output stays small */
static void
test_chart_long(void)
{
    new_trace();
    uint32_t keep = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        begin(1 + i % 5);
        if (!keep)
            keep = object(0x7f0000200000, "dict", 232);
        else
            object(0x7f0000200000, "dict", 232);
        local("d", keep);
        if (i % 100 < 50) {
            uint32_t r = object(0x7f0000300000 + 0x40 * (uint64_t)(i % 100), "float", 24);
            local("f", r);
        }
        end();
    }
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_chart_svg(tr, &(mv_chart_opts){.marker = true, .marker_step = 19999}, &out),
                 MV_OK);
    CHECK(xml_check(out.data) == NULL);
    CHECK(out.len < 200000);
    CHECK_HAS(out.data, "20,000 steps.");
    CHECK_HAS(out.data, ">step 19999</text>");
    mv_buf_release(&out);
}

static void
test_chart_empty(void)
{
    new_trace();
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_chart_svg(tr, NULL, &out), MV_OK);
    CHECK(xml_check(out.data) == NULL);
    CHECK_HAS(out.data, "no step was recorded");
    CHECK_INT_EQ(mv_render_chart_svg(NULL, NULL, &out), MV_EINVAL);
    CHECK_INT_EQ(mv_render_chart_svg(tr, NULL, NULL), MV_EINVAL);
    mv_buf_release(&out);
}

/* ---- the allocator's totals ---- */

/* The figures a chart column carries (chart.c: the mv-columns group). */
typedef struct column {
    unsigned long long first, step, count, bytes, lo_count, lo_bytes;
} column;

/* The value of attribute `name` in the tag that starts at p (0 if absent). */
static unsigned long long
attr(const char *p, const char *name, unsigned long long dflt)
{
    const char *end = strchr(p, '>');
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *q = strstr(p, key);
    if (!q || !end || q > end)
        return dflt;
    return strtoull(q + strlen(key), NULL, 10);
}

/* Every column of the chart in doc (what: "blocks" or "objects"); at most
 * cap; returns how many. */
static size_t
columns_of(const char *doc, const char *what, column *out, size_t cap)
{
    char cnt[32], lo[48];
    snprintf(cnt, sizeof cnt, "data-%s", what);
    snprintf(lo, sizeof lo, "data-least-%s", what);
    size_t n = 0;
    for (const char *p = strstr(doc, "<rect x="); p && n < cap; p = strstr(p + 1, "<rect x=")) {
        if (!strstr(p, "data-first=") || strstr(p, "data-first=") > strchr(p, '>'))
            continue;
        column c;
        c.first = attr(p, "data-first", 0);
        c.step = attr(p, "data-step", 0);
        c.count = attr(p, cnt, ~0ull);
        c.bytes = attr(p, "data-bytes", ~0ull);
        c.lo_count = attr(p, lo, c.count);
        c.lo_bytes = attr(p, "data-least-bytes", c.bytes);
        out[n++] = c;
    }
    return n;
}

/* Ten steps. The program allocates 100 lists (64 B) and 10 buffers (160 B)
 * before each of steps 1-5, frees 150 lists before each of steps 6-8 and the
 * rest with a collection before step 9. One object is in the picture all
 * along (a big one, to tell the two sources apart). */
static void
test_chart_allocator(void)
{
    new_trace();
    mv_trace_set_allocator(tr, "pymalloc");
    uint64_t blocks[10], bytes[10], lists = 0, bufs = 0;
    uint32_t big = 0;
    for (int i = 0; i < 10; i++) {
        if (i >= 1 && i <= 5) {
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_ALLOC, S("list"), 100, 6400), MV_OK);
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_ALLOC, S("(buffer)"), 10, 1600), MV_OK);
            lists += 100;
            bufs += 10;
        } else if (i >= 6 && i <= 8) {
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_FREE, S("list"), 150, 9600), MV_OK);
            lists -= 150;
        } else if (i == 9) {
            mv_trace_gc_begin(tr, 2);
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_FREE, S("list"), (uint32_t)lists, lists * 64),
                         MV_OK);
            CHECK_INT_EQ(mv_trace_gc_end(tr, lists, 0, 1000, false), MV_OK);
            lists = 0;
        }
        blocks[i] = lists + bufs;
        bytes[i] = lists * 64 + bufs * 160;
        begin(1 + (uint32_t)i);
        uint32_t r = object(0x7f0000400000, "bytes", 100000);
        if (!big)
            big = r;
        local("blob", big);
        end();
    }
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_chart_svg(tr, &(mv_chart_opts){.marker = true, .marker_step = 9}, &out),
                 MV_OK);
    const char *err = xml_check(out.data);
    if (err)
        fprintf(stderr, "xml: %s\n", err);
    CHECK(err == NULL);
    CHECK_HAS(out.data, "data-source=\"allocator\"");
    CHECK_HAS(out.data, "<title>Memory over time (allocator totals): mem.py</title>");
    CHECK_HAS(out.data, "as the allocator counts it (pymalloc)");
    CHECK_HAS(out.data, ">live blocks</text>");
    CHECK_LACKS(out.data, ">live objects</text>");
    CHECK_LACKS(out.data, ">bytes</text>"); /* the picture's object never gets a series */
    CHECK_HAS(out.data, ">list</text>");
    CHECK_HAS(out.data, ">(buffer)</text>");
    CHECK_HAS(out.data, "Peak: 550 blocks at step 5; 39.1 KiB at step 5.");
    CHECK_HAS(out.data, "id=\"mv-gc\"");
    CHECK_HAS(out.data, "1 collection.");
    column cols[16];
    size_t n = columns_of(out.data, "blocks", cols, 16);
    CHECK_INT_EQ(n, 10);
    for (size_t k = 0; k < n && k < 10; k++) {
        CHECK_INT_EQ(cols[k].step, k);
        CHECK_INT_EQ(cols[k].count, blocks[k]);
        CHECK_INT_EQ(cols[k].bytes, bytes[k]);
    }
    png_out("chart_allocator", &out);
    mv_buf_release(&out);
}

/* 5,000 steps at a steady 1,000 bytes, but for one step of 1 MiB: the
 * chart has one column per pixel, and the spike keeps its column. */
static void
test_chart_spike(void)
{
    new_trace();
    mv_trace_set_allocator(tr, "pymalloc");
    const uint32_t steps = 5000, spike = 2345;
    for (uint32_t i = 0; i < steps; i++) {
        if (i == 1)
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_ALLOC, S("int"), 10, 1000), MV_OK);
        if (i == spike)
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_ALLOC, S("(buffer)"), 1, 1048576), MV_OK);
        if (i == spike + 1)
            CHECK_INT_EQ(mv_rec_mem_agg(tr, MV_MEV_FREE, S("(buffer)"), 1, 1048576), MV_OK);
        begin(1 + i % 7);
        end();
    }
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_chart_svg(tr, &(mv_chart_opts){.width = 800}, &out), MV_OK);
    CHECK(xml_check(out.data) == NULL);
    CHECK(out.len < 200000);
    static column cols[1024];
    size_t n = columns_of(out.data, "blocks", cols, 1024);
    CHECK_INT_EQ(n, 800 - 78 - 20); /* one column per pixel of the plot */
    unsigned long long max = 0, at = 0;
    bool ordered = true;
    for (size_t k = 0; k < n; k++) {
        unsigned long long end = k + 1 < n ? cols[k + 1].first : steps;
        ordered &= cols[k].first <= cols[k].step && cols[k].step < end;
        if (cols[k].bytes > max) {
            max = cols[k].bytes;
            at = k;
        }
        if (k && cols[k].first <= spike && spike < end) {
            CHECK_INT_EQ(cols[k].step, spike);
            CHECK_INT_EQ(cols[k].lo_bytes, 1000);
        } else if (k) {
            CHECK_INT_EQ(cols[k].bytes, 1000);
        }
    }
    CHECK(ordered);
    CHECK_INT_EQ(max, 1048576 + 1000);
    CHECK_INT_EQ(cols[at].step, spike);
    CHECK_INT_EQ(cols[0].step, 1); /* the first column's most bytes: step 1 */
    CHECK_INT_EQ(cols[0].lo_bytes, 0);
    mv_buf_release(&out);
}

static void
test_pools_tiny(void)
{
    static const mv_pool_label l64[] = {{12, "x", 1}, {13, "y, z[0]", 7}};
    static const mv_pool_label lbad[] = {{0, HOSTILE, sizeof HOSTILE - 1}};
    static const mv_pool_info a3[] = {
        {0x7f2a4c1b8000, 64, 255, 40, 10, 205, l64, 2},
        {0x7f2a4c1bc000, 32, 510, 510, 0, 0, NULL, 0},
        {0x7f2a4c1c0000, 512, 31, 0, 31, 0, NULL, 0},
    };
    static const mv_pool_info a4[] = {{0x7f2a4c2c0000, 48, 340, 3, 0, 337, lbad, 1}};
    static const mv_arena_info arenas[] = {{3, 0x7f2a4c1b2000, a3, 3}, {4, 0x7f2a4c2b2000, a4, 1}};
    mv_pools_view v = {.step = 7, .allocator = "pymalloc", .arenas = arenas, .narenas = 2,
                       .blocks_used = 553, .bytes_used = 19024, .pools_used = 3, .pools_empty = 1,
                       .waste_headers = 192, .waste_rounding = 1210, .waste_alignment = 8192};
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_pools_svg(&v, &out), MV_OK);
    const char *err = xml_check(out.data);
    if (err)
        fprintf(stderr, "xml: %s\n", err);
    CHECK(err == NULL);
    golden("pools_tiny", "svg", &out);
    CHECK_HAS(out.data, "553 blocks used (19,024 bytes) in 3 pools and 2 arenas; "
                        "45,808 bytes free in those pools; 1 empty pool<");
    CHECK_HAS(out.data, "data-arenas=\"2\" data-pools=\"3\" data-unused-pools=\"1\" "
                        "data-used-blocks=\"553\" data-used-bytes=\"19024\" data-free-bytes=\"45808\"");
    CHECK_HAS(out.data, "waste: 192 B pool headers, 1,210 B rounding to size classes, 8,192 B arena alignment");
    CHECK_HAS(out.data, "→ pool 0x7f2a4c1b8000, block 13 (64-byte)");
    CHECK_HAS(out.data, "&lt;b&gt;&amp;&quot;&#39;\\x1b[31m\\u202eevil");
    CHECK_LACKS(out.data, "<b>");
    png_out("pools_tiny", &out);
    mv_buf_release(&out);

    mv_pools_view m = {.step = 2, .allocator = "malloc",
                       .message = "PYTHONMALLOC=malloc: objects come from the C library's malloc"};
    mv_buf o2 = {0};
    CHECK_INT_EQ(mv_render_pools_svg(&m, &o2), MV_OK);
    CHECK(xml_check(o2.data) == NULL);
    CHECK_HAS(o2.data, "pymalloc is not in use (allocator: malloc)");
    CHECK_HAS(o2.data, "PYTHONMALLOC=malloc");
    CHECK_LACKS(o2.data, "id=\"mv-arena");
    CHECK_INT_EQ(mv_render_pools_svg(NULL, &o2), MV_EINVAL);
    mv_buf_release(&o2);
}

int
main(void)
{
    test_chart_tiny();
    test_chart_many_types();
    test_chart_long();
    test_chart_empty();
    test_chart_allocator();
    test_chart_spike();
    test_pools_tiny();
    mv_trace_free(tr);
    return harness_done("test_chart");
}
