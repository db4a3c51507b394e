/* Unit test of the object charts (src/render/objcharts.c): the refcount of
 * one object and where the objects sit in memory. Traces are written by
 * hand from tables of steps (no Python), and the figures each chart
 * carries (mv-points, mv-freed, mv-lives) are held to what the tables say:
 *   - a short life: segments with their exact counts, a gap out of the
 *     picture, the unreachable steps, the free and its cause, the names;
 *   - hostile type names and names: the document stays well-formed and
 *     every dangerous character is a visible escape;
 *   - an immortal object (no count: words instead of a line), an unknown
 *     ref, an empty trace;
 *   - a long life (5,000 steps): at most one column per pixel, each
 *     column's least and most count as the steps say, a bounded file;
 *   - the address chart: lives in address order, a separator past 1 MiB,
 *     freed and unreachable lives, the longest lives kept when there are
 *     too many, and the name lookup behind --name.
 * MV_PNG_OUT=dir writes the pictures as PNGs to look at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "render/render.h"
#include "harness.h"

#define HOSTILE                                                                                    \
    "<b>&\"'\x1b[31m\xe2\x80\xae"                                                                  \
    "evil"
#define PRE 16 /* allocator pre-header of every object here: block = addr - PRE */

static mv_trace *tr;

static uint32_t
sid(const char *s)
{
    return mv_trace_intern(tr, s, strlen(s));
}

/* One object reached at a step: its address, type, count, flags, and the
 * name of the module frame that refers to it (NULL: none). */
typedef struct spec {
    uint64_t addr;
    const char *type;
    int64_t rc;
    uint8_t flags;
    const char *name;
} spec;

/* A new empty trace of /home/ann/objs.py in tr (the last one freed). */
static void
fresh(void)
{
    mv_trace *t = NULL;
    if (mv_trace_new(&t, NULL) != MV_OK)
        exit(2);
    mv_trace_free(tr);
    tr = t;
    mv_trace_set_program(tr, "/home/ann/objs.py");
}

/* Record one step holding the objects of objs[0..n); returns the ref of
 * objs[0] (0 when n is 0). */
static uint32_t
step(const spec *objs, size_t n)
{
    uint32_t line = mv_trace_nsteps(tr) + 1, first = 0;
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, sid("objs.py"), line), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, sid("<module>"), sid("objs.py"), line), MV_OK);
    for (size_t i = 0; i < n; i++) {
        mv_recref r;
        mv_object o = {0};
        CHECK_INT_EQ(mv_rec_ref(tr, objs[i].addr, sid(objs[i].type), PRE, 0, &r), MV_OK);
        o.type = sid(objs[i].type);
        o.refcount = objs[i].rc;
        o.flags = objs[i].flags;
        o.size = 56;
        CHECK_INT_EQ(mv_rec_object(tr, &r, &o), MV_OK);
        if (objs[i].name)
            CHECK_INT_EQ(mv_rec_local(tr, sid(objs[i].name), r.ref), MV_OK);
        if (!i)
            first = r.ref;
    }
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);
    return first;
}

/* ------------------------------------------------------------------ */
/* reading the documents back */

/* Well-formed enough for these documents: tags close in order, attribute
 * values are quoted and hold no '<', every '&' is one of the five
 * entities, no control character but '\n', one root. NULL or the fault. */
static const char *
wellformed(const char *doc)
{
    static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    const char *open[64];
    size_t depth = 0, roots = 0;
    const char *p = strstr(doc, "?>");
    for (p = p ? p + 2 : doc; *p; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\n')
            return "control character";
        if (*p == '&') {
            size_t k = 0;
            while (k < 5 && strncmp(p, ents[k], strlen(ents[k])))
                k++;
            if (k == 5)
                return "bad entity";
        } else if (*p == '<' && p[1] == '/') {
            size_t len = strcspn(p + 2, ">");
            if (!depth || strncmp(open[depth - 1], p + 2, len) ||
                !strchr(" />", open[depth - 1][len]))
                return "mismatched end tag";
            depth--;
            p += 2 + len;
        } else if (*p == '<') {
            const char *name = p + 1;
            bool quoted = false;
            for (p++; *p && (quoted || *p != '>'); p++) {
                if (*p == '"')
                    quoted = !quoted;
                else if (quoted && *p == '<')
                    return "'<' in an attribute";
            }
            if (!*p)
                return "unterminated tag";
            roots += depth == 0;
            if (p[-1] != '/') {
                if (depth == 64)
                    return "too deep";
                open[depth++] = name;
            }
        } else if (*p == '>') {
            return "stray '>'";
        }
    }
    return depth ? "unclosed element" : roots != 1 ? "not one root" : NULL;
}

/* The value of attribute name in the element that starts at el, or dflt. */
static long long
num_attr(const char *el, const char *name, long long dflt)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(el, '>'), *q = strstr(el, key);
    return q && end && q < end ? strtoll(q + strlen(key), NULL, 10) : dflt;
}

/* The elements of group id (its direct children that carry data-first or
 * data-ref), as pointers into doc; returns how many (at most cap). */
static size_t
children(const char *doc, const char *id, const char *which, const char **out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "<g id=\"%s\"", id);
    const char *g = strstr(doc, key);
    size_t n = 0;
    if (!g)
        return 0;
    const char *end = strstr(g, "\n</g>");
    for (const char *p = strstr(g + 1, which); p && p < end && n < cap; p = strstr(p + 1, which))
        out[n++] = p;
    return n;
}

/* The elements el[0..n) carry the attributes attrs[0..nattrs) with the
 * values of the rows of want (nattrs a row; -1: absent), one row each. */
static void
expect_rows(const char *const *el, size_t n, const char *const *attrs, size_t nattrs,
            const long long *want, size_t rows)
{
    CHECK_INT_EQ(n, rows);
    for (size_t k = 0; k < n && k < rows; k++)
        for (size_t a = 0; a < nattrs; a++) {
            long long got = num_attr(el[k], attrs[a], -1);
            if (got != want[k * nattrs + a])
                fprintf(stderr, "element %zu, %s:\n", k, attrs[a]);
            CHECK_INT_EQ(got, want[k * nattrs + a]);
        }
}

static void
png_out(const char *name, const mv_buf *svg)
{
    const char *dir = getenv("MV_PNG_OUT");
    if (!dir || !*dir || !mv_render_png_available())
        return;
    char path[512];
    mv_buf png = {0};
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    CHECK_INT_EQ(mv_render_png_scaled(svg->data, svg->len, 2.0, &png), MV_OK);
    mv_write_file(path, png.data, png.len);
    fprintf(stderr, "wrote %s\n", path);
    mv_buf_release(&png);
}

/* Every document: well-formed, and no program text in it unescaped (the
 * raw markup, escape and bidi control of HOSTILE). */
static void
doc_ok(const mv_buf *out, const char *png_name)
{
    const char *err = out->data ? wellformed(out->data) : "empty";
    if (err)
        fprintf(stderr, "%s: not well-formed: %s\n", png_name, err);
    CHECK(err == NULL);
    CHECK(!out->data || !strstr(out->data, "<b>"));
    CHECK(!out->data || !strchr(out->data, '\x1b'));
    CHECK(!out->data || !strstr(out->data, "\xe2\x80\xae"));
    png_out(png_name, out);
}

/* ------------------------------------------------------------------ */
/* the refcount chart */

#define A 0x7f0000001000ull
#define B 0x7f0000002000ull

/* x (a list) over ten steps: counts 1 1 2 2, out of the picture at step 4,
 * back with 3, unreachable with 1 at steps 6-7 (a cycle), freed by the
 * collector before step 8; another object beside it all along. */
static uint32_t
short_life(const char *type, const char *name)
{
    static const struct {
        int64_t rc;
        uint8_t flags;
        bool here;
    } plan[] = {{1, 0, true},
                {1, 0, true},
                {2, 0, true},
                {2, 0, true},
                {0, 0, false},
                {3, 0, true},
                {1, MV_OF_UNREACHABLE, true},
                {1, MV_OF_UNREACHABLE, true},
                {0, 0, false},
                {0, 0, false}};
    fresh();
    uint32_t ref = 0;
    for (size_t i = 0; i < sizeof plan / sizeof *plan; i++) {
        if (i == 8) {
            mv_trace_gc_begin(tr, 2);
            CHECK(mv_trace_free_block(tr, A - PRE, MV_FREE_GC, 2, 64) == ref);
            CHECK_INT_EQ(mv_trace_gc_end(tr, 1, 0, 1000, false), MV_OK);
        }
        spec objs[2] = {{A, type, plan[i].rc, plan[i].flags, plan[i].flags ? NULL : name},
                        {B, "dict", 1, 0, "other"}};
        uint32_t r = plan[i].here ? step(objs, 2) : step(objs + 1, 1);
        if (plan[i].here)
            ref = r;
    }
    return ref;
}

static void
test_refcount_short(void)
{
    uint32_t ref = short_life("list", "x");
    mv_buf out = {0};
    mv_objchart_opts o = {.ref = ref, .marker = true, .marker_step = 2};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &o, &out), MV_OK);
    doc_ok(&out, "refcount_short");
    /* the runs of equal counts, the gap at step 4, the unreachable steps */
    const char *el[16];
    size_t n = children(out.data, "mv-points", "<rect", el, 16);
    static const char *const attrs[] = {"data-first", "data-last", "data-refcount",
                                        "data-unreachable", "data-min"};
    static const long long want[][5] = {
        {0, 1, 1, -1, -1}, {2, 3, 2, -1, -1}, {5, 5, 3, -1, -1}, {6, 7, 1, 2, -1}};
    expect_rows(el, n, attrs, 5, want[0], 4);
    CHECK_HAS(out.data, "<g id=\"mv-freed\" data-freed=\"gc\" data-freed-step=\"8\" "
                        "data-generation=\"2\">");
    CHECK_HAS(out.data, "step 8: freed by the cycle collector (generation 2)");
    CHECK_HAS(out.data, "<title>Reference count of list #1: objs.py</title>");
    CHECK_HAS(out.data, "refcount of list #1 (x)</text>");
    CHECK_HAS(out.data, "list #1, named x: in the picture at 7 steps from step 0 to step 7 "
                        "(of 10 steps); refcount from 1 to 3. Unreachable (still in memory, no "
                        "name reaches it) at 2 steps from step 6. Step 8: freed by the cycle "
                        "collector (generation 2).");
    CHECK_HAS(out.data, "steps 0–8 of 10");
    CHECK_HAS(out.data, "id=\"mv-unreachable\"");
    CHECK_HAS(out.data, "stroke-dasharray=\"6 4\"");
    CHECK_HAS(out.data, ">unreachable (still in memory)</text>");
    CHECK_HAS(out.data, "id=\"mv-marker\"");
    CHECK_HAS(out.data, ">step 2</text>");
    mv_buf_release(&out);

    /* the other object: never unreachable, never freed, no marker asked */
    mv_buf o2 = {0};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = ref + 1}, &o2), MV_OK);
    doc_ok(&o2, "refcount_other");
    n = children(o2.data, "mv-points", "<rect", el, 16);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(num_attr(el[0], "data-first", -1), 0);
    CHECK_INT_EQ(num_attr(el[0], "data-last", -1), 9);
    CHECK_LACKS(o2.data, "mv-freed");
    CHECK_LACKS(o2.data, "mv-unreachable");
    CHECK_LACKS(o2.data, "mv-marker");
    mv_buf_release(&o2);
}

static void
test_refcount_hostile(void)
{
    uint32_t ref = short_life(HOSTILE, HOSTILE);
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = ref}, &out), MV_OK);
    doc_ok(&out, "refcount_hostile");
    CHECK_HAS(out.data, "refcount of &lt;b&gt;&amp;&quot;&#39;\\x1b[31m… #1 (&lt;b&gt;");
    CHECK_HAS(out.data, "\\u202e");
    mv_buf_release(&out);
}

static void
test_refcount_immortal(void)
{
    fresh();
    spec one = {A, "int", 0, MV_OF_IMMORTAL | MV_OF_IMMUTABLE, "n"};
    uint32_t ref = step(&one, 1);
    step(&one, 1);
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = ref}, &out), MV_OK);
    doc_ok(&out, "refcount_immortal");
    CHECK_HAS(out.data, "data-immortal=\"true\"");
    CHECK_HAS(out.data, "int #1 is immortal: its reference count is not counted");
    CHECK_HAS(out.data, "It was in the picture from step 0 to step 1.");
    CHECK_LACKS(out.data, "mv-points");
    mv_buf_release(&out);
}

static void
test_refcount_unknown(void)
{
    short_life("list", "x");
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = 99}, &out), MV_EINVAL);
    CHECK_INT_EQ(out.len, 0);
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = 0}, &out), MV_EINVAL);
    CHECK_INT_EQ(mv_render_refcount_svg(tr, NULL, &out), MV_EINVAL);
    CHECK_INT_EQ(mv_render_refcount_svg(NULL, &(mv_objchart_opts){.ref = 1}, &out), MV_EINVAL);
    fresh();
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = 1}, &out), MV_EINVAL);
    CHECK_INT_EQ(out.len, 0);
    mv_buf_release(&out);
}

/* 5,000 steps of a count that climbs and falls (i mod 37 + 1), out of the
 * picture at every 1,000th step: one column per 8 steps (5,000 steps over
 * 712 pixels), each with the least and most count of its steps. */
static void
test_refcount_long(void)
{
    enum { N = 5000 };
    fresh();
    static int64_t rc[N];
    uint32_t ref = 0;
    for (uint32_t i = 0; i < N; i++) {
        rc[i] = i % 1000 == 999 ? -1 : (int64_t)(i % 37) + 1;
        spec s = {A, "list", rc[i], 0, "x"};
        uint32_t r = step(&s, rc[i] < 0 ? 0 : 1);
        if (r)
            ref = r;
    }
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_refcount_svg(tr, &(mv_objchart_opts){.ref = ref}, &out), MV_OK);
    doc_ok(&out, "refcount_long");
    CHECK(out.len < 250000);
    static const char *el[2048];
    size_t n = children(out.data, "mv-points", "<rect", el, 2048);
    CHECK(n > 400 && n <= 800 - 64 - 24);
    CHECK_HAS(out.data, "one column per 8 steps");
    long long prev_last = -1, covered = 0;
    bool exact = true;
    for (size_t k = 0; k < n; k++) {
        long long a = num_attr(el[k], "data-first", -1), b = num_attr(el[k], "data-last", -1);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (long long i = a; i >= 0 && i <= b && i < N; i++)
            if (rc[i] >= 0) {
                lo = rc[i] < lo ? rc[i] : lo;
                hi = rc[i] > hi ? rc[i] : hi;
                covered++;
            }
        long long single = num_attr(el[k], "data-refcount", -1);
        exact &= a > prev_last && b >= a && b - a < 8 && rc[a] >= 0 && rc[b] >= 0 &&
                 (single >= 0 ? lo == hi && single == lo
                              : num_attr(el[k], "data-min", -1) == lo &&
                                    num_attr(el[k], "data-max", -1) == hi);
        prev_last = b;
    }
    CHECK(exact);
    CHECK_INT_EQ(covered, N - N / 1000);
    mv_buf_release(&out);
}

/* ------------------------------------------------------------------ */
/* where the objects sit in memory */

#define FAR 0x7f0000800000ull /* more than 1 MiB above A and B */

static void
test_addresses_small(void)
{
    fresh();
    /* steps 0-5: a dict at B, named d all along; a list at A from step 1,
     * freed at refcount 0 before step 3; a Box far away from step 2, named
     * b, unreachable from step 4, freed by the collector before step 5; an
     * int at A again (the address reused) from step 4 */
    spec s0[] = {{B, "dict", 1, 0, "d"}};
    spec s1[] = {{B, "dict", 1, 0, "d"}, {A, "list", 1, 0, HOSTILE}};
    spec s2[] = {{B, "dict", 1, 0, "d"}, {A, "list", 1, 0, "tmp"}, {FAR, "Box", 1, 0, "b"}};
    spec s3[] = {{B, "dict", 1, 0, "d"}, {FAR, "Box", 1, 0, "b"}};
    spec s4[] = {
        {B, "dict", 1, 0, "d"}, {FAR, "Box", 1, MV_OF_UNREACHABLE, NULL}, {A, "int", 1, 0, "n"}};
    spec s5[] = {{B, "dict", 1, 0, "d"}, {A, "int", 1, 0, "n"}};
    step(s0, 1);
    step(s1, 2);
    step(s2, 3);
    CHECK(mv_trace_free_block(tr, A - PRE, MV_FREE_REFCOUNT, 0, 64) == 2);
    step(s3, 2);
    step(s4, 3);
    mv_trace_gc_begin(tr, 2);
    CHECK(mv_trace_free_block(tr, FAR - PRE, MV_FREE_GC, 2, 64) == 3);
    CHECK_INT_EQ(mv_trace_gc_end(tr, 1, 0, 1000, false), MV_OK);
    step(s5, 2);
    mv_buf out = {0};
    CHECK_INT_EQ(
        mv_render_addresses_svg(tr, &(mv_objchart_opts){.marker = true, .marker_step = 3}, &out),
        MV_OK);
    doc_ok(&out, "addresses_small");
    const char *el[8];
    size_t n = children(out.data, "mv-lives", "<g data-ref", el, 8);
    /* in address order, then by the step they entered */
    static const char *const attrs[] = {"data-ref",        "data-id",
                                        "data-from",       "data-to",
                                        "data-freed-step", "data-unreachable-from",
                                        "data-generation"};
    static const long long want[][7] = {{2, (long long)A, 1, 2, 3, -1, -1},
                                        {4, (long long)A, 4, 5, -1, -1, -1},
                                        {1, (long long)B, 0, 5, -1, -1, -1},
                                        {3, (long long)FAR, 2, 4, 5, 4, 2}};
    expect_rows(el, n, attrs, 7, want[0], 4);
    if (n == 4) {
        CHECK(strstr(el[0], "data-freed=\"refcount\"") < strchr(el[0], '>'));
        CHECK(strstr(el[3], "data-freed=\"gc\"") < strchr(el[3], '>'));
    }
    /* one separator: between B and FAR */
    CHECK_HAS(out.data, "data-gap=\"8380416\"");
    CHECK_INT_EQ(children(out.data, "mv-gaps", "<path", el, 8), 1);
    /* labels: type, #ref and the names; hostile text escaped */
    CHECK_HAS(out.data, ">dict #1 · d</text>");
    CHECK_HAS(out.data, ">Box #3 · b</text>");
    CHECK_HAS(out.data,
              ">list #2 · &lt;b&gt;&amp;&quot;&#39;\\x1b[…, tmp</text>"); /* cut: 12 columns */
    CHECK_HAS(out.data, "data-lives=\"4\" data-drawn=\"4\">all 4 lives</text>");
    CHECK_HAS(out.data, "4 object lives in the picture over 6 steps. Addresses from "
                        "0x7f0000001000 to 0x7f0000800000 in 2 regions (more than 1 MiB apart). "
                        "Of those drawn, 2 were freed (1 at refcount 0, 1 by the cycle "
                        "collector, 0 address reused) and 1 ended unreachable.");
    CHECK_HAS(out.data, "id=\"mv-marker\"");
    CHECK_HAS(out.data, "url(#mvo-hatch)");
    CHECK_HAS(out.data, ">✕</text>");
    mv_buf_release(&out);
}

/* 300 lives, of 1 to 300 steps: the 120 longest are drawn. */
static void
test_addresses_many(void)
{
    enum { LIVES = 300, STEPS = 300 };
    fresh();
    static spec objs[LIVES];
    static char names[LIVES][8];
    for (uint32_t t = 0; t < STEPS; t++) {
        size_t n = 0;
        /* life k is at A + 64 k from step 0 to step k (k + 1 steps) */
        for (uint32_t k = t; k < LIVES; k++) {
            snprintf(names[k], sizeof names[k], "v%u", k);
            objs[n++] = (spec){A + 64ull * k, "float", 1, 0, names[k]};
        }
        step(objs, n);
    }
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_addresses_svg(tr, NULL, &out), MV_OK);
    doc_ok(&out, "addresses_many");
    static const char *el[512];
    size_t n = children(out.data, "mv-lives", "<g data-ref", el, 512);
    CHECK_INT_EQ(n, MV_ADDR_MAX_LIVES);
    bool longest = true;
    for (size_t k = 0; k < n; k++) {
        long long id = num_attr(el[k], "data-id", -1);
        longest &= id == (long long)(A + 64ull * (LIVES - MV_ADDR_MAX_LIVES + k)) &&
                   num_attr(el[k], "data-to", -1) == (long long)(LIVES - MV_ADDR_MAX_LIVES + k) &&
                   num_attr(el[k], "data-from", -1) == 0;
    }
    CHECK(longest);
    CHECK_HAS(out.data, "data-lives=\"300\" data-drawn=\"120\">the 120 longest of 300 lives; "
                        "180 shorter ones left out</text>");
    mv_buf_release(&out);

    /* fewer bars on request */
    mv_buf o2 = {0};
    CHECK_INT_EQ(mv_render_addresses_svg(tr, &(mv_objchart_opts){.max_lives = 5}, &o2), MV_OK);
    CHECK_INT_EQ(children(o2.data, "mv-lives", "<g data-ref", el, 512), 5);
    CHECK_HAS(o2.data, "data-id=\"139637976750784\""); /* A + 64 * 299, the longest */
    mv_buf_release(&o2);
}

static void
test_addresses_empty(void)
{
    fresh();
    mv_buf out = {0};
    CHECK_INT_EQ(mv_render_addresses_svg(tr, NULL, &out), MV_OK);
    doc_ok(&out, "addresses_empty");
    CHECK_HAS(out.data, "no step was recorded");
    CHECK_LACKS(out.data, "mv-lives");
    mv_buf_reset(&out);
    step(NULL, 0);
    CHECK_INT_EQ(mv_render_addresses_svg(tr, NULL, &out), MV_OK);
    doc_ok(&out, "addresses_no_object");
    CHECK_HAS(out.data, "no object was in the picture");
    CHECK_INT_EQ(mv_render_addresses_svg(NULL, NULL, &out), MV_EINVAL);
    CHECK_INT_EQ(mv_render_addresses_svg(tr, NULL, NULL), MV_EINVAL);
    mv_buf_release(&out);
}

/* --name: the innermost frame at a step, or the first step it is bound. */
static void
test_find_name(void)
{
    uint32_t ref = short_life("list", "x"), got = 0, at = 0;
    CHECK_INT_EQ(mv_objchart_find_name(tr, "x", UINT32_MAX, &got, &at), MV_OK);
    CHECK_INT_EQ(got, ref);
    CHECK_INT_EQ(at, 0);
    CHECK_INT_EQ(mv_objchart_find_name(tr, "other", 9, &got, &at), MV_OK);
    CHECK_INT_EQ(got, ref + 1);
    CHECK_INT_EQ(at, 9);
    CHECK_INT_EQ(mv_objchart_find_name(tr, "x", 6, &got, NULL), MV_EINVAL); /* unreachable then */
    CHECK_INT_EQ(mv_objchart_find_name(tr, "nosuch", UINT32_MAX, &got, NULL), MV_EINVAL);
    CHECK_INT_EQ(mv_objchart_find_name(tr, "x", 99, &got, NULL), MV_EINVAL);
}

int
main(void)
{
    test_refcount_short();
    test_refcount_hostile();
    test_refcount_immortal();
    test_refcount_unknown();
    test_refcount_long();
    test_addresses_small();
    test_addresses_many();
    test_addresses_empty();
    test_find_name();
    mv_trace_free(tr);
    return harness_done("test_objcharts");
}
