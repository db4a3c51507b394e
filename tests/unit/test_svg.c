/* Unit test of the picture renderers (src/render/svg.c, dot.c, png.c,
 * layout_json.c). States are built by hand (no recorder, no Python):
 *   - goldens: two small programs' pictures, as SVG and DOT, compared with
 *     tests/golden/<name>.svg|.dot (MEMVIEW_UPDATE=1 rewrites them: then
 *     look at every diff, and at the pictures: MV_PNG_OUT=dir writes PNGs);
 *   - hostile text everywhere the program can put it: the SVG stays
 *     well-formed XML (a small checker below), every dangerous character is
 *     a visible escape, and the DOT stays within its quoting rules;
 *   - the PNG is a PNG; the layout JSON fragment has the documented shape. */
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
new_trace(uint32_t nsteps, const char *file, const char *source)
{
    mv_trace_free(tr);
    tr = NULL;
    if (mv_trace_new(&tr, NULL) != MV_OK) {
        fprintf(stderr, "mv_trace_new failed\n");
        exit(2);
    }
    mv_trace_set_python(tr, "3.12.1");
    uint32_t f = S(file);
    if (source)
        mv_trace_add_source(tr, f, source, strlen(source));
    for (uint32_t i = 0; i < nsteps; i++) {
        mv_rec_begin(tr, MV_EV_LINE, f, 1);
        mv_rec_end(tr, 0);
    }
}

static mv_object
obj(uint32_t ref, const char *type, mv_kind kind, int64_t rc, uint64_t size)
{
    mv_object o;
    memset(&o, 0, sizeof o);
    o.ref = ref;
    o.type = S(type);
    o.kind = (uint8_t)kind;
    o.refcount = rc;
    o.size = size;
    o.addr = 0x7f0000000000ull + (uint64_t)ref * 0x40;
    if (rc < 0)
        o.flags |= MV_OF_IMMORTAL;
    return o;
}

static mv_object
scalar(uint32_t ref, const char *type, mv_kind kind, const char *value, int64_t rc,
       uint64_t size)
{
    mv_object o = obj(ref, type, kind, rc, size);
    o.value = value;
    o.value_len = (uint32_t)strlen(value);
    return o;
}

static void
init_state(mv_state *st, uint32_t step, const char *file, uint32_t line)
{
    memset(st, 0, sizeof *st);
    st->trace = tr;
    st->step = step;
    st->event = MV_EV_LINE;
    st->file = S(file);
    st->line = line;
}

/* ------------------------------------------------------------------ */
/* a small XML well-formedness checker: elements nest and match, attributes
 * are quoted and hold no '<', every '&' starts a known entity, the text is
 * valid UTF-8 with no control character but \n and \t, no surrogate, no
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

/* Lay out prev (if any) then st, render SVG and DOT, compare, check. */
static void
picture(const char *name, const mv_state *prev, const mv_state *st, bool inl)
{
    mv_layout_opts lo = {.inline_scalars = inl};
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, &lo), MV_OK);
    if (prev)
        CHECK_INT_EQ(mv_layout_step(l, prev), MV_OK);
    CHECK_INT_EQ(mv_layout_step(l, st), MV_OK);
    mv_svg_opts so = {.prev = prev};
    mv_buf svg = {0}, dot = {0};
    CHECK_INT_EQ(mv_render_svg(st, l, &so, &svg), MV_OK);
    CHECK_INT_EQ(mv_render_dot(st, l, &dot), MV_OK);
    const char *err = xml_check(svg.data);
    if (err) {
        harness_fail(__FILE__, __LINE__, name);
        fprintf(stderr, "    SVG not well-formed: %s\n", err);
    }
    golden(name, "svg", &svg);
    golden(name, "dot", &dot);
    png_out(name, &svg);
    mv_buf_release(&svg);
    mv_buf_release(&dot);
    mv_layout_free(l);
}

/* a = [1, 2]; b = a; modify(b) where modify appends 3: inside modify,
 * three names, one list; the list changed and 3 is new since the step
 * before. Every object its own box. */
static void
test_golden_alias(void)
{
    new_trace(12, "prog.py",
              "def modify(lst):\n    lst.append(3)\n\na = [1, 2]\nb = a\nmodify(b)\n");
    mv_local mod_locals[] = {{S("modify"), 1}, {S("a"), 2}, {S("b"), 2}};
    mv_local fn_locals[] = {{S("lst"), 2}};
    mv_frame frames[] = {
        {S("<module>"), S("prog.py"), 6, 3, mod_locals},
        {S("modify"), S("prog.py"), 2, 1, fn_locals},
    };
    static const uint32_t before[] = {3, 4}, after[] = {3, 4, 5};
    mv_object prev_objs[] = {
        scalar(1, "function", MV_K_FUNCTION, "modify(lst)", 2, 152),
        obj(2, "list", MV_K_LIST, 3, 72),
        scalar(3, "int", MV_K_INT, "1", -1, 28),
        scalar(4, "int", MV_K_INT, "2", -1, 28),
    };
    prev_objs[1].items = before;
    prev_objs[1].nitems = 2;
    mv_object objs[] = {
        scalar(1, "function", MV_K_FUNCTION, "modify(lst)", 2, 152),
        obj(2, "list", MV_K_LIST, 3, 88),
        scalar(3, "int", MV_K_INT, "1", -1, 28),
        scalar(4, "int", MV_K_INT, "2", -1, 28),
        scalar(5, "int", MV_K_INT, "3", -1, 28),
    };
    objs[1].items = after;
    objs[1].nitems = 3;
    mv_state prev, st;
    init_state(&prev, 7, "prog.py", 2);
    prev.frames = frames;
    prev.nframes = 2;
    prev.objects = prev_objs;
    prev.nobjects = 4;
    init_state(&st, 8, "prog.py", 2);
    st.event = MV_EV_RETURN;
    st.frames = frames;
    st.nframes = 2;
    st.objects = objs;
    st.nobjects = 5;
    picture("alias", &prev, &st, false);
}

/* Scalars inline: a two-node cycle, a dict with str keys, a tuple, a list
 * of 1000 with 3 recorded, a str the recorder cut. */
static void
test_golden_nodes(void)
{
    new_trace(30, "nodes.py", NULL);
    mv_local locals[] = {{S("a"), 1}, {S("info"), 3}, {S("big"), 8}, {S("name"), 5},
                         {S("pair"), 9}, {S("text"), 11}};
    mv_frame frames[] = {{S("<module>"), S("nodes.py"), 12, 6, locals}};
    static uint32_t a_attrs[4], b_attrs[4], info[6];
    static const uint32_t bigl[3] = {6, 6, 6}, pair[2] = {6, 5};
    uint32_t *aa = a_attrs, *ba = b_attrs, *in = info;
    aa[0] = S("value"), aa[1] = 6, aa[2] = S("next"), aa[3] = 2;
    ba[0] = S("value"), ba[1] = 7, ba[2] = S("next"), ba[3] = 1;
    in[0] = 4, in[1] = 5, in[2] = 10, in[3] = 8, in[4] = 12, in[5] = 3;
    static const char cut[] = "It was the best of times, it was the worst of times, it was";
    mv_object objs[] = {
        obj(1, "Node", MV_K_INSTANCE, 2, 56),
        obj(2, "Node", MV_K_INSTANCE, 1, 56),
        obj(3, "dict", MV_K_DICT, 2, 232),
        scalar(4, "str", MV_K_STR, "name", -1, 53),
        scalar(5, "str", MV_K_STR, "Ada", 3, 52),
        scalar(6, "int", MV_K_INT, "1", -1, 28),
        scalar(7, "int", MV_K_INT, "2", -1, 28),
        obj(8, "list", MV_K_LIST, 2, 8056),
        obj(9, "tuple", MV_K_TUPLE, 1, 56),
        scalar(10, "str", MV_K_STR, "big", -1, 52),
        scalar(11, "str", MV_K_STR, cut, 1, 10049),
        scalar(12, "str", MV_K_STR, "self", -1, 53),
    };
    objs[0].items = a_attrs, objs[0].nitems = 4;
    objs[1].items = b_attrs, objs[1].nitems = 4;
    objs[2].items = info, objs[2].nitems = 6;
    objs[7].items = bigl, objs[7].nitems = 3, objs[7].hidden = 997;
    objs[8].items = pair, objs[8].nitems = 2;
    objs[10].flags |= MV_OF_CUT;
    objs[10].length = 10000;
    mv_state st;
    init_state(&st, 21, "nodes.py", 12);
    st.frames = frames;
    st.nframes = 1;
    st.objects = objs;
    st.nobjects = 12;
    picture("nodes", NULL, &st, true);
}

/* ------------------------------------------------------------------ */

/* Hostile text wherever a program can put it: str values (each short
 * enough to be shown whole), names, attribute names, a type name, the
 * function, the file name and the source line. */
static void
test_hostile(void)
{
#define FILE_NAME "ev\"il<svg>&\xe2\x80\xae.py"
    new_trace(3, FILE_NAME, "x = '</svg>'\x1b[2J\n");
    static const char *values[] = {"</svg>", "<script>", "&amp;", "a\0b", "\x1b[31m",
                                   "x\xe2\x80\xaey", "\xed\xa0\x80", "\xf0\x9f\x98\x80",
                                   "'\"", "\xef\xbf\xbf", "\xe2\x81\xa6z", "]]>"};
    enum { NV = sizeof values / sizeof *values };
    static uint32_t items[NV], ditems[2], oattrs[2];
    static mv_object objs[NV + 4];
    const char *name = "<s>&\xe2\x80\xae";
    mv_local locals[] = {{S(name), 1}, {S("d"), 2}, {S("o"), 4}};
    mv_frame frames[] = {{S("f\x1b[2J<b>&\""), S(FILE_NAME), 1, 3, locals}};
    ditems[0] = 5, ditems[1] = 3;
    oattrs[0] = S("\"on=\"x"), oattrs[1] = 3;
    objs[0] = obj(1, "list", MV_K_LIST, 1, 100);
    objs[1] = obj(2, "dict", MV_K_DICT, 1, 232);
    objs[2] = scalar(3, "int", MV_K_INT, "5", -1, 28);
    objs[3] = obj(4, "<E & \"t\">\xe2\x80\xae\x01", MV_K_INSTANCE, 1, 48);
    for (uint32_t i = 0; i < NV; i++) {
        items[i] = 5 + i;
        objs[4 + i] = obj(5 + i, "str", MV_K_STR, 1, 50);
        objs[4 + i].value = values[i];
        objs[4 + i].value_len = (uint32_t)(i == 3 ? 3 : strlen(values[i]));
    }
    objs[0].items = items, objs[0].nitems = NV;
    objs[1].items = ditems, objs[1].nitems = 2;
    objs[3].items = oattrs, objs[3].nitems = 2;
    mv_state st;
    init_state(&st, 1, FILE_NAME, 1);
    st.frames = frames;
    st.nframes = 1;
    st.objects = objs;
    st.nobjects = NV + 4;

    for (int inl = 0; inl < 2; inl++) {
        mv_layout_opts lo = {.inline_scalars = inl, .address = true};
        mv_layout *l;
        CHECK_INT_EQ(mv_layout_new(&l, &lo), MV_OK);
        CHECK_INT_EQ(mv_layout_step(l, &st), MV_OK);
        mv_buf svg = {0}, dot = {0}, js = {0};
        CHECK_INT_EQ(mv_render_svg(&st, l, NULL, &svg), MV_OK);
        const char *err = xml_check(svg.data);
        if (err) {
            harness_fail(__FILE__, __LINE__, "hostile SVG is well-formed");
            fprintf(stderr, "    %s\n", err);
        }
        CHECK(strlen(svg.data) == svg.len); /* no NUL inside */
        const char *end = strstr(svg.data, "</svg>");
        CHECK(end && strcmp(end, "</svg>\n") == 0);
        CHECK_LACKS(svg.data, "<script");
        CHECK_LACKS(svg.data, "<x>");
        CHECK_HAS(svg.data, "&lt;/svg&gt;");
        CHECK_HAS(svg.data, "\\x00");
        CHECK_HAS(svg.data, "\\x1b[31m");
        CHECK_HAS(svg.data, "\\u202e");
        CHECK_HAS(svg.data, "\\ud800");
        CHECK_HAS(svg.data, "\\uffff");
        CHECK_HAS(svg.data, "\\u2066");
        CHECK_HAS(svg.data, "\xf0\x9f\x98\x80");
        CHECK_HAS(svg.data, "&lt;E &amp; &quot;t&quot;&gt;…"); /* type names are cut */
        CHECK_HAS(svg.data, "&lt;script&gt;");
        CHECK_HAS(svg.data, "&amp;amp;");
        CHECK_HAS(svg.data, "]]&gt;");
        CHECK_HAS(svg.data, "&lt;s&gt;&amp;\\u202e");
        CHECK_HAS(svg.data, "&quot;on=&quot;x");
        CHECK_HAS(svg.data, "id 0x7f0000000040");
        CHECK_HAS(svg.data, "aria-label=\"Memory diagram: step 1, ev&quot;il&lt;svg&gt;&amp;\\u202e.py line 1\"");
        CHECK_HAS(svg.data, "role=\"img\"");
        CHECK_HAS(svg.data, "<title>");

        CHECK_INT_EQ(mv_render_dot(&st, l, &dot), MV_OK);
        const char *dump = getenv("MV_PNG_OUT");
        if (dump && *dump && inl) { /* for looking at */
            char path[512];
            snprintf(path, sizeof path, "%s/hostile.svg", dump);
            mv_write_file(path, svg.data, svg.len);
            snprintf(path, sizeof path, "%s/hostile.dot", dump);
            mv_write_file(path, dot.data, dot.len);
            png_out("hostile", &svg);
        }
        CHECK(check_chars(dot.data) == NULL);
        CHECK_LACKS(dot.data, "<script");
        CHECK_HAS(dot.data, "&lt;s&gt;&amp;\\u202e");
        CHECK_HAS(dot.data, "&lt;/svg&gt;");
        CHECK_HAS(dot.data, "label=\"step 1/3 · ev\\\"il<svg>&\\\\u202e.py:1\"");
        /* every quoted attribute value closes on its line */
        for (const char *p = dot.data; (p = strstr(p, "=\"")) != NULL;) {
            p += 2;
            while (*p && *p != '"' && *p != '\n')
                p += *p == '\\' ? 2 : 1;
            CHECK(*p == '"');
        }

        CHECK_INT_EQ(mv_render_layout_json(l, &js), MV_OK);
        CHECK(strncmp(js.data, "\"layout\":{\"metrics\":{\"font\":12,\"char\":7.2,", 42) == 0);
        CHECK_HAS(js.data, "\"edges\":[[\"f0\",0,");
        mv_buf_release(&svg);
        mv_buf_release(&dot);
        mv_buf_release(&js);
        mv_layout_free(l);
    }
}

/* The layout fragment: the first step carries everything, an unchanged
 * step nothing, a step that rebinds a name only that arrow. */
static void
test_layout_json(void)
{
    new_trace(3, "p.py", NULL);
    mv_local l1[] = {{S("x"), 1}}, l2[] = {{S("x"), 2}};
    mv_frame f1[] = {{S("<module>"), S("p.py"), 1, 1, l1}}, f2[] = {{S("<module>"), S("p.py"), 2, 1, l2}};
    mv_object objs[] = {scalar(1, "int", MV_K_INT, "1", -1, 28),
                        scalar(2, "int", MV_K_INT, "2", -1, 28)};
    mv_state st;
    init_state(&st, 0, "p.py", 1);
    st.frames = f1, st.nframes = 1, st.objects = objs, st.nobjects = 1;
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, NULL), MV_OK);
    mv_buf js = {0};
    CHECK_INT_EQ(mv_layout_step(l, &st), MV_OK);
    CHECK(mv_layout_changed(l));
    mv_render_layout_json(l, &js);
    /* header 36 + one row 20 + bottom 4 = 60; the edge leaves frame row 0 at
     * 16 + 36 + 10 = 62 and enters the middle of the box's header, 44 + 18 */
    CHECK_STR_EQ(js.data, "\"layout\":{\"metrics\":{\"font\":12,\"char\":7.2,\"header\":36,"
                          "\"row\":20,\"bottom\":4,\"pad\":8,\"anchor\":8},\"size\":[494,120],"
                          "\"frames\":[[16,16,200,60]],\"boxes\":[[1,296,44,182,60]],"
                          "\"edges\":[[\"f0\",0,1,[208,62,296,62]]]}");
    mv_buf_reset(&js);
    st.step = 1;
    CHECK_INT_EQ(mv_layout_step(l, &st), MV_OK);
    CHECK(!mv_layout_changed(l));
    mv_render_layout_json(l, &js);
    CHECK_STR_EQ(js.data, "\"layout\":{}");
    mv_buf_reset(&js);
    st.step = 2, st.frames = f2, st.objects = objs + 1;
    CHECK_INT_EQ(mv_layout_step(l, &st), MV_OK);
    mv_render_layout_json(l, &js);
    CHECK_STR_EQ(js.data, "\"layout\":{\"boxes\":[[2,296,44,182,60]],\"gone\":[1],"
                          "\"edges\":[[\"f0\",0,2,[208,62,296,62]]]}");
    mv_buf_release(&js);
    mv_layout_free(l);
}

static void
test_png_errors(void)
{
    mv_buf b = {0};
    if (mv_render_png_available()) {
        CHECK_INT_EQ(mv_render_png("not svg", 7, &b), MV_EFORMAT);
        CHECK_INT_EQ(mv_render_png_scaled("<svg/>", 6, 0, &b), MV_EINVAL);
    } else {
        CHECK_INT_EQ(mv_render_png("<svg/>", 6, &b), MV_EINVAL);
    }
    mv_buf_release(&b);
}

int
main(void)
{
    test_golden_alias();
    test_golden_nodes();
    test_hostile();
    test_layout_json();
    test_png_errors();
    mv_trace_free(tr);
    return harness_done("test_svg");
}
