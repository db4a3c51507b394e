/* Unit test of the JSON renderers (src/render/json.c). A state is built by
 * hand and its `state` JSON asserted exactly, the expected text written from
 * docs/state-format.md; mv_json_str is fed hostile input (HTML inlining,
 * control bytes, surrogates, invalid UTF-8); the `trace` JSON of a small
 * hand-recorded run is checked by its parts (docs/trace-format.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "render/render.h"
#include "harness.h"

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
}

/* mv_json_str of n bytes, as a string the caller frees with mv_free. */
static char *
js(const char *s, size_t n)
{
    mv_buf b = {0};
    mv_json_str(&b, s, n);
    CHECK(!b.failed);
    return mv_buf_take(&b, NULL);
}

#define CHECK_JS(in, want)                                                                         \
    do {                                                                                           \
        char *got_ = js(in, sizeof(in) - 1);                                                       \
        CHECK_STR_EQ(got_, want);                                                                  \
        mv_free(got_);                                                                             \
    } while (0)

static void
test_json_str(void)
{
    CHECK_JS("", "\"\"");
    CHECK_JS("plain text", "\"plain text\"");
    /* JSON's own escapes */
    CHECK_JS("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"");
    CHECK_JS("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
    /* other control bytes (and DEL) as \u00XX, NUL included */
    CHECK_JS("a\0b", "\"a\\u0000b\"");
    CHECK_JS("\x1b[31mred", "\"\\u001b[31mred\"");
    CHECK_JS("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    /* inlined in an HTML <script>: "</" never appears */
    CHECK_JS("</script><script>alert(1)</script>",
             "\"<\\/script>\\u003cscript>alert(1)<\\/script>\"");
    CHECK_JS("a/b <b> <</", "\"a/b <b> <<\\/\"");
    CHECK_JS("/start", "\"/start\"");
    /* the other sequences the HTML spec says to escape inside a script
     * ("restrictions for contents of script elements"): after "<!--" and
     * "<script" the page's own </script> no longer ends the element, so
     * the viewer's markup after the data would be swallowed */
    char *h = js("x <!-- <sCrIpt> y", 17);
    CHECK_LACKS(h, "<!--");
    CHECK_LACKS(h, "<sCrIpt");
    mv_free(h);
    /* U+2028, U+2029 end a JavaScript line: escaped */
    CHECK_JS("x\xe2\x80\xa8y\xe2\x80\xa9z", "\"x\\u2028y\\u2029z\"");
    /* a lone surrogate, as Python's surrogatepass writes it (WTF-8) */
    CHECK_JS("\xed\xa0\x80", "\"\\ud800\"");
    CHECK_JS("a\xed\xbf\xbfz", "\"a\\udfffz\"");
    /* invalid UTF-8: each bad byte is U+FFFD, the text around survives */
    CHECK_JS("\xff", "\"\\ufffd\"");
    CHECK_JS("a\xffz\xfey", "\"a\\ufffdz\\ufffdy\"");
    CHECK_JS("\x80", "\"\\ufffd\"");              /* lone continuation */
    CHECK_JS("a\xe2\x82", "\"a\\ufffd\\ufffd\""); /* cut at the end */
    CHECK_JS("\xe2\x82Z", "\"\\ufffd\\ufffdZ\""); /* cut by ASCII */
    CHECK_JS("\xf0\x9f\x98Z", "\"\\ufffd\\ufffd\\ufffdZ\"");
    CHECK_JS("\xc0\x80", "\"\\ufffd\\ufffd\"");            /* overlong NUL */
    CHECK_JS("\xc1\xbf", "\"\\ufffd\\ufffd\"");            /* overlong DEL */
    CHECK_JS("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""); /* overlong '/' */
    CHECK_JS("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    CHECK_JS("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
    CHECK_JS("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* an invalid byte before "</" does not hide the "</" */
    CHECK_JS("\xff</", "\"\\ufffd<\\/\"");
    CHECK_JS("\xc3</", "\"\\ufffd<\\/\"");
    /* valid text passes through as UTF-8 */
    CHECK_JS("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
             "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
    CHECK_JS("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\""); /* U+2027, U+202A */

    /* appends to what is there */
    mv_buf b = {0};
    mv_buf_puts(&b, "[");
    mv_json_str(&b, "x", 1);
    mv_buf_puts(&b, ",");
    mv_json_str(&b, "</", 2);
    mv_buf_puts(&b, "]");
    CHECK_STR_EQ(b.data, "[\"x\",\"<\\/\"]");
    mv_buf_release(&b);
}

/* ------------------------------------------------------------------ */

static mv_object
obj(uint32_t ref, uint64_t id, const char *type, mv_kind kind, int64_t rc, uint64_t size)
{
    mv_object o;
    memset(&o, 0, sizeof o);
    o.ref = ref;
    o.addr = id;
    o.type = S(type);
    o.kind = (uint8_t)kind;
    o.refcount = rc;
    o.size = size;
    if (rc < 0)
        o.flags |= MV_OF_IMMORTAL;
    return o;
}

static mv_object
scalar(uint32_t ref, uint64_t id, const char *type, mv_kind kind, const char *value, uint8_t flags,
       int64_t rc, uint64_t size)
{
    mv_object o = obj(ref, id, type, kind, rc, size);
    o.value = value;
    o.value_len = (uint32_t)strlen(value);
    o.flags |= flags;
    return o;
}

static char *
render_state(const mv_state *st)
{
    mv_buf b = {0};
    CHECK_INT_EQ(mv_render_state_json(st, &b), MV_OK);
    return mv_buf_take(&b, NULL);
}

#define ID(n) (140230129080000ull + 64ull * (n))

static void
test_state_json(void)
{
    new_trace();
    uint32_t prog = S("prog.py");
    for (uint32_t i = 0; i < 3; i++) {
        mv_rec_begin(tr, MV_EV_LINE, prog, 1);
        mv_rec_end(tr, 0);
    }
    mv_trace_stdout_append(tr, "hello\nworld\n", 12);

    mv_state st;
    memset(&st, 0, sizeof st);
    st.trace = tr;
    st.step = 1;
    st.event = MV_EV_LINE;
    st.file = prog;
    st.line = 7;
    st.stdout_len = 6;

    mv_local mod_locals[] = {{S("x"), 3}, {S("y"), 3}};
    mv_local fn_locals[] = {{S("lst"), 3}};
    mv_frame frames[] = {
        {S("<module>"), prog, 9, 2, mod_locals},
        {S("modify"), prog, 7, 1, fn_locals},
    };
    static const uint32_t list_items[] = {1, 2, 4};
    static const uint32_t dict_items[] = {9, 1, 8, 2};
    uint32_t node_attrs[] = {S("value"), 1, S("next"), 7};
    uint32_t class_attrs[] = {S("count"), 1};
    static const char said[] = "say \"hi\"\\\n";
    static const char bytes[] = "b'\\x00ab'";
    mv_object objects[] = {
        scalar(1, ID(1), "int", MV_K_INT, "1", MV_OF_IMMUTABLE, -1, 28),
        scalar(2, ID(2), "int", MV_K_INT, "9007199254740993", MV_OF_REPR | MV_OF_IMMUTABLE, 1, 36),
        obj(3, ID(3), "list", MV_K_LIST, 3, 8056),
        scalar(4, ID(4), "float", MV_K_FLOAT, "0.1", MV_OF_IMMUTABLE, 1, 24),
        scalar(5, ID(5), "float", MV_K_FLOAT, "inf", MV_OF_REPR | MV_OF_IMMUTABLE, 2, 24),
        scalar(6, ID(6), "bool", MV_K_BOOL, "True", MV_OF_IMMUTABLE, -1, 28),
        scalar(7, ID(7), "NoneType", MV_K_NONE, "None", MV_OF_IMMUTABLE, -1, 16),
        scalar(8, ID(8), "str", MV_K_STR, said, MV_OF_IMMUTABLE, 1, 60),
        scalar(9, ID(9), "str", MV_K_STR, "abc", MV_OF_CUT | MV_OF_IMMUTABLE, 1, 1049),
        scalar(10, ID(10), "bytes", MV_K_BYTES, bytes, MV_OF_REPR | MV_OF_IMMUTABLE, 1, 36),
        obj(11, ID(11), "dict", MV_K_DICT, 1, 184),
        obj(12, ID(12), "Node", MV_K_INSTANCE, 1, 48),
        obj(13, ID(13), "code", MV_K_OPAQUE, 2, 120),
        scalar(14, ID(14), "function", MV_K_FUNCTION, "modify(lst)", 0, 2, 152),
        scalar(15, ID(15), "module", MV_K_MODULE, "os", 0, 5, 72),
        scalar(16, ID(16), "type", MV_K_CLASS, "Node", 0, 4, 1072),
        scalar(17, ID(17), "complex", MV_K_COMPLEX, "(1+2j)", MV_OF_REPR | MV_OF_IMMUTABLE, 1, 32),
        obj(18, ID(18), "tuple", MV_K_TUPLE, -1, 40),
        scalar(19, ID(19), "int", MV_K_INT, "-5", MV_OF_IMMUTABLE, -1, 28),
        scalar(20, ID(20), "int", MV_K_INT, "12345678901234567890",
               MV_OF_REPR | MV_OF_CUT | MV_OF_IMMUTABLE, 1, 2240),
        scalar(21, ID(21), "bytes", MV_K_BYTES, "b'zz'", MV_OF_REPR | MV_OF_CUT, 1, 5033),
        scalar(22, ID(22), "str", MV_K_STR, "</script>\xe2\x80\xa8", MV_OF_IMMUTABLE, 1, 80),
        scalar(23, ID(23), "str", MV_K_STR, "", MV_OF_IMMUTABLE, -1, 49),
        scalar(24, ID(24), "float", MV_K_FLOAT, "-0.0", MV_OF_IMMUTABLE, 1, 24),
        scalar(25, ID(25), "bool", MV_K_BOOL, "False", MV_OF_IMMUTABLE, -1, 28),
    };
    objects[2].items = list_items;
    objects[2].nitems = 3;
    objects[2].hidden = 997;
    objects[8].length = 1000;
    objects[10].items = dict_items;
    objects[10].nitems = 4;
    objects[11].items = node_attrs;
    objects[11].nitems = 4;
    objects[15].items = class_attrs;
    objects[15].nitems = 2;
    objects[19].length = 5000;
    objects[20].length = 5000;
    st.frames = frames;
    st.nframes = 2;
    st.objects = objects;
    st.nobjects = sizeof objects / sizeof *objects;

    char *got = render_state(&st);
    CHECK_STR_EQ(
        got,
        "{\"memview\":\"state\",\"version\":1,\"python\":\"3.12.1\",\"step\":1,\"steps\":3,"
        "\"event\":\"line\",\"file\":\"prog.py\",\"line\":7,\n"
        "\"frames\":[\n"
        " {\"function\":\"<module>\",\"file\":\"prog.py\",\"line\":9,"
        "\"locals\":[{\"name\":\"x\",\"ref\":3},{\"name\":\"y\",\"ref\":3}]},\n"
        " {\"function\":\"modify\",\"file\":\"prog.py\",\"line\":7,"
        "\"locals\":[{\"name\":\"lst\",\"ref\":3}]}],\n"
        "\"objects\":[\n"
        " {\"ref\":1,\"id\":140230129080064,\"type\":\"int\",\"refcount\":null,"
        "\"immortal\":true,\"size\":28,\"value\":1},\n"
        " {\"ref\":2,\"id\":140230129080128,\"type\":\"int\",\"refcount\":1,\"size\":36,"
        "\"value\":\"9007199254740993\",\"repr\":true},\n"
        " {\"ref\":3,\"id\":140230129080192,\"type\":\"list\",\"refcount\":3,\"size\":8056,"
        "\"items\":[1,2,4],\"hidden\":997},\n"
        " {\"ref\":4,\"id\":140230129080256,\"type\":\"float\",\"refcount\":1,\"size\":24,"
        "\"value\":0.1},\n"
        " {\"ref\":5,\"id\":140230129080320,\"type\":\"float\",\"refcount\":2,\"size\":24,"
        "\"value\":\"inf\",\"repr\":true},\n"
        " {\"ref\":6,\"id\":140230129080384,\"type\":\"bool\",\"refcount\":null,"
        "\"immortal\":true,\"size\":28,\"value\":true},\n"
        " {\"ref\":7,\"id\":140230129080448,\"type\":\"NoneType\",\"refcount\":null,"
        "\"immortal\":true,\"size\":16,\"value\":null},\n"
        " {\"ref\":8,\"id\":140230129080512,\"type\":\"str\",\"refcount\":1,\"size\":60,"
        "\"value\":\"say \\\"hi\\\"\\\\\\n\"},\n"
        " {\"ref\":9,\"id\":140230129080576,\"type\":\"str\",\"refcount\":1,\"size\":1049,"
        "\"value\":\"abc\",\"length\":1000},\n"
        " {\"ref\":10,\"id\":140230129080640,\"type\":\"bytes\",\"refcount\":1,\"size\":36,"
        "\"value\":\"b'\\\\x00ab'\",\"repr\":true},\n"
        " {\"ref\":11,\"id\":140230129080704,\"type\":\"dict\",\"refcount\":1,\"size\":184,"
        "\"entries\":[[9,1],[8,2]]},\n"
        " {\"ref\":12,\"id\":140230129080768,\"type\":\"Node\",\"refcount\":1,\"size\":48,"
        "\"attrs\":[{\"name\":\"value\",\"ref\":1},{\"name\":\"next\",\"ref\":7}]},\n"
        " {\"ref\":13,\"id\":140230129080832,\"type\":\"code\",\"refcount\":2,\"size\":120},\n"
        " {\"ref\":14,\"id\":140230129080896,\"type\":\"function\",\"refcount\":2,\"size\":152,"
        "\"value\":\"modify(lst)\"},\n"
        " {\"ref\":15,\"id\":140230129080960,\"type\":\"module\",\"refcount\":5,\"size\":72,"
        "\"value\":\"os\"},\n"
        " {\"ref\":16,\"id\":140230129081024,\"type\":\"type\",\"refcount\":4,\"size\":1072,"
        "\"value\":\"Node\",\"attrs\":[{\"name\":\"count\",\"ref\":1}]},\n"
        " {\"ref\":17,\"id\":140230129081088,\"type\":\"complex\",\"refcount\":1,\"size\":32,"
        "\"value\":\"(1+2j)\",\"repr\":true},\n"
        " {\"ref\":18,\"id\":140230129081152,\"type\":\"tuple\",\"refcount\":null,"
        "\"immortal\":true,\"size\":40,\"items\":[]},\n"
        " {\"ref\":19,\"id\":140230129081216,\"type\":\"int\",\"refcount\":null,"
        "\"immortal\":true,\"size\":28,\"value\":-5},\n"
        " {\"ref\":20,\"id\":140230129081280,\"type\":\"int\",\"refcount\":1,\"size\":2240,"
        "\"value\":\"12345678901234567890\",\"repr\":true,\"length\":5000},\n"
        " {\"ref\":21,\"id\":140230129081344,\"type\":\"bytes\",\"refcount\":1,\"size\":5033,"
        "\"value\":\"b'zz'\",\"repr\":true,\"length\":5000},\n"
        " {\"ref\":22,\"id\":140230129081408,\"type\":\"str\",\"refcount\":1,\"size\":80,"
        "\"value\":\"<\\/script>\\u2028\"},\n"
        " {\"ref\":23,\"id\":140230129081472,\"type\":\"str\",\"refcount\":null,"
        "\"immortal\":true,\"size\":49,\"value\":\"\"},\n"
        " {\"ref\":24,\"id\":140230129081536,\"type\":\"float\",\"refcount\":1,\"size\":24,"
        "\"value\":-0.0},\n"
        " {\"ref\":25,\"id\":140230129081600,\"type\":\"bool\",\"refcount\":null,"
        "\"immortal\":true,\"size\":28,\"value\":false}],\n"
        "\"stdout\":\"hello\\n\",\n"
        "\"events\":[],\n"
        "\"memory\":{\"allocator\":\"\",\"live_blocks\":0,\"live_bytes\":0,\"by_type\":[]}}\n");
    mv_free(got);

    /* an immortal object's refcount is null whatever the number says */
    mv_object imm = scalar(1, 4096, "int", MV_K_INT, "7", MV_OF_IMMORTAL, 12345, 28);
    st.objects = &imm;
    st.nobjects = 1;
    st.nframes = 0;
    got = render_state(&st);
    CHECK_HAS(got, "{\"ref\":1,\"id\":4096,\"type\":\"int\",\"refcount\":null,\"immortal\":true,"
                   "\"size\":28,\"value\":7}");
    CHECK_LACKS(got, "12345");
    mv_free(got);

    /* a truncated step with no frames; stdout cut at what was recorded */
    memset(&st, 0, sizeof st);
    st.trace = tr;
    st.step = 2;
    st.event = MV_EV_EXCEPTION;
    st.file = prog;
    st.line = 3;
    st.stdout_len = 100;
    st.truncated = true;
    got = render_state(&st);
    CHECK_STR_EQ(got, "{\"memview\":\"state\",\"version\":1,\"python\":\"3.12.1\",\"step\":2,"
                      "\"steps\":3,\"event\":\"exception\",\"file\":\"prog.py\",\"line\":3,\n"
                      "\"frames\":[],\n"
                      "\"objects\":[],\n"
                      "\"stdout\":\"hello\\nworld\\n\",\"truncated\":true,\n"
        "\"events\":[],\n"
        "\"memory\":{\"allocator\":\"\",\"live_blocks\":0,\"live_bytes\":0,\"by_type\":[]}}\n");
    mv_free(got);

    st.event = MV_EV_CALL;
    got = render_state(&st);
    CHECK_HAS(got, "\"event\":\"call\"");
    mv_free(got);
    st.event = MV_EV_RETURN;
    got = render_state(&st);
    CHECK_HAS(got, "\"event\":\"return\"");
    mv_free(got);

    /* a bounded buffer that fills up: MV_ENOMEM */
    mv_buf small = {0};
    small.max = 40;
    CHECK_INT_EQ(mv_render_state_json(&st, &small), MV_ENOMEM);
    CHECK(small.len <= 40);
    mv_buf_release(&small);
}

/* ------------------------------------------------------------------ */

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *
render_trace(mv_status want)
{
    mv_buf b = {0};
    CHECK_INT_EQ(mv_render_trace_json(tr, &b), want);
    return mv_buf_take(&b, NULL);
}

/* x = [1]; y = x; then 1/0. Plus a step in a file whose source is not
 * kept, and program text that would end an HTML script element. */
static void
test_trace_json(void)
{
    new_trace();
    mv_trace_set_program(tr, "prog.py");
    uint32_t prog = S("prog.py"), lib = S("lib.py"), mod = S("<module>"), fn = S("helper");
    static const char source[] = "x = [1]\ny = x\nz = 1/0  # </script> \xe2\x80\xa8\n";
    CHECK_INT_EQ(mv_trace_add_source(tr, prog, source, strlen(source)), MV_OK);

    /* 0: call, line 1 */
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_CALL, prog, 1), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 1), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);
    /* 1: line 2, x = [1] */
    mv_recref l, one;
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, prog, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("list"), 0, 0, &l), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S("x"), l.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x2000, S("int"), 0, 1, &one), MV_OK);
    mv_object o;
    memset(&o, 0, sizeof o);
    o.type = S("list");
    o.kind = MV_K_LIST;
    o.refcount = 1;
    o.size = 64;
    o.items = &one.ref;
    o.nitems = 1;
    CHECK_INT_EQ(mv_rec_object(tr, &l, &o), MV_OK);
    mv_object i1;
    memset(&i1, 0, sizeof i1);
    i1.type = S("int");
    i1.kind = MV_K_INT;
    i1.flags = MV_OF_IMMORTAL | MV_OF_IMMUTABLE;
    i1.refcount = -1;
    i1.size = 28;
    i1.value = "1";
    i1.value_len = 1;
    CHECK_INT_EQ(mv_rec_object(tr, &one, &i1), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);
    /* 2: line 3, y = x: the list's refcount alone changes */
    mv_recref y;
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("list"), 0, 0, &l), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S("x"), l.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("list"), 0, 0, &y), MV_OK);
    CHECK(y.seen);
    CHECK_INT_EQ(mv_rec_local(tr, S("y"), y.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x2000, S("int"), 0, 1, &one), MV_OK);
    o.refcount = 2;
    o.items = &one.ref;
    CHECK_INT_EQ(mv_rec_object(tr, &l, &o), MV_OK);
    CHECK(one.known);
    CHECK_INT_EQ(mv_rec_refcount(tr, &one, -1), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 4), MV_OK);
    /* 3: a call into lib.py (no source kept); nothing reachable */
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_CALL, lib, 10), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 2, fn, lib, 10), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 4), MV_OK);
    /* 4: the exception */
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_EXCEPTION, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 4), MV_OK);
    mv_trace_stdout_append(tr, "</b>\n", 5);
    mv_trace_set_end(tr, MV_END_EXCEPTION, 1, "ZeroDivisionError: division by zero");

    char *got = render_trace(MV_OK);
    const char *head = "{\"memview\":\"trace\",\"version\":1,";
    CHECK(strncmp(got, head, strlen(head)) == 0);
    CHECK_HAS(got, "\"python\":\"3.12.1\",\"program\":\"prog.py\"");
    CHECK_HAS(got, "\"limits\":{\"max_steps\":100000,\"max_items\":100,\"max_value\":200,"
                   "\"max_objects\":5000}");
    CHECK_INT_EQ(count(got, "\"event\":"), 5);
    CHECK_INT_EQ(count(got, "\"event\":\"call\""), 2);
    CHECK_INT_EQ(count(got, "\"event\":\"exception\""), 1);
    /* step 0 always has its frames; locals are [name, ref] pairs */
    CHECK_HAS(got, "{\"event\":\"call\",\"file\":0,\"line\":1,\"stdout\":0,\"frames\":"
                   "[{\"function\":\"<module>\",\"file\":0,\"line\":1,\"locals\":[]}]}");
    CHECK_HAS(got, "\"locals\":[[\"x\",1]]");
    CHECK_HAS(got, "\"locals\":[[\"x\",1],[\"y\",1]]");
    CHECK_HAS(got, "{\"ref\":1,\"id\":4096,\"type\":\"list\",\"refcount\":1,\"size\":64,"
                   "\"items\":[2]}");
    CHECK_HAS(got, "{\"ref\":2,\"id\":8192,\"type\":\"int\",\"refcount\":null,"
                   "\"immortal\":true,\"size\":28,\"value\":1}");
    CHECK_HAS(got, "\"refcounts\":[[1,2]]");
    CHECK_HAS(got, "\"drops\":[");
    CHECK_INT_EQ(count(got, "\"ref\":1,"), 1); /* each version once */
    /* lib.py gets an index of its own, with no source */
    CHECK_HAS(got, "{\"event\":\"call\",\"file\":1,\"line\":10,\"stdout\":4,");
    CHECK_HAS(got, "{\"function\":\"helper\",\"file\":1,\"line\":10,\"locals\":[]}");
    CHECK_HAS(got, "\"files\":[\n{\"path\":\"prog.py\",\"source\":\"x = [1]\\ny = x\\n"
                   "z = 1/0  # <\\/script> \\u2028\\n\"},\n"
                   "{\"path\":\"lib.py\",\"source\":null}]");
    CHECK_HAS(got, "\"end\":{\"reason\":\"exception\",\"exit_code\":1,"
                   "\"message\":\"ZeroDivisionError: division by zero\",\"step\":4}");
    const char *tail = "\"stdout\":\"<\\/b>\\n\"}\n";
    size_t n = strlen(got);
    CHECK(n > strlen(tail) && strcmp(got + n - strlen(tail), tail) == 0);
    /* safe to inline in HTML */
    CHECK_LACKS(got, "</");
    CHECK_LACKS(got, "\xe2\x80\xa8");
    mv_free(got);

    /* other end reasons */
    mv_trace_set_end(tr, MV_END_OK, 0, "");
    got = render_trace(MV_OK);
    CHECK_HAS(got, "\"end\":{\"reason\":\"end\",\"exit_code\":0,\"message\":\"\"");
    mv_free(got);
    /* trace.h: the exception step exists only for MV_END_EXCEPTION (here an
     * earlier mv_trace_set_end said exception) */
    CHECK_INT_EQ(mv_trace_exception_step(tr), UINT32_MAX);
    mv_trace_set_end(tr, MV_END_EXIT, 3, "sys.exit(3)");
    got = render_trace(MV_OK);
    CHECK_HAS(got, "\"end\":{\"reason\":\"exit\",\"exit_code\":3,\"message\":\"sys.exit(3)\"");
    mv_free(got);
    mv_trace_set_end(tr, MV_END_LIMIT, 0, "");
    got = render_trace(MV_OK);
    CHECK_HAS(got, "\"reason\":\"limit\"");
    mv_free(got);
    mv_trace_set_end(tr, MV_END_INTERRUPT, 130, "KeyboardInterrupt");
    got = render_trace(MV_OK);
    CHECK_HAS(got, "\"reason\":\"interrupt\"");
    mv_free(got);

    /* a bounded buffer: MV_ENOMEM, still released cleanly */
    mv_buf small = {0};
    small.max = 200;
    CHECK_INT_EQ(mv_render_trace_json(tr, &small), MV_ENOMEM);
    mv_buf_release(&small);

    /* an empty trace still gives a whole document */
    new_trace();
    got = render_trace(MV_OK);
    CHECK(strncmp(got, head, strlen(head)) == 0);
    CHECK_HAS(got, "\"steps\":[],");
    CHECK_HAS(got, "\"end\":{\"reason\":\"running\"");
    CHECK_INT_EQ(count(got, "\"event\":"), 0);
    mv_free(got);
}

int
main(void)
{
    test_json_str();
    test_state_json();
    test_trace_json();
    mv_trace_free(tr);
    mv_alloc_stats s;
    mv_alloc_get_stats(&s);
    CHECK_INT_EQ(s.blocks, 0);
    return harness_done("test_json");
}
