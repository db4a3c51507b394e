/* Unit test of the terminal renderer (src/render/text.c). States are built by
 * hand (no recorder, no Python): the aliasing picture is asserted exactly,
 * the rest by properties (escaping, width, truncation marks, colour). */
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

/* A fresh trace with `nsteps` empty steps recorded, so the header's total
 * is known. */
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

/* Render into a fresh string (caller frees with mv_free). */
static char *
render(const mv_state *st, bool color, bool address, unsigned width)
{
    mv_text_opts o = {.color = color, .address = address, .width = width};
    mv_buf b = {0};
    mv_status rc = mv_render_text(st, &o, &b);
    CHECK_INT_EQ(rc, MV_OK);
    return mv_buf_take(&b, NULL);
}

/* Display columns of one line: code points, wide CJK/fullwidth as two,
 * SGR sequences as none. */
static size_t
line_cols(const char *s, size_t n)
{
    size_t cols = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b && i + 1 < n && s[i + 1] == '[') {
            i += 2;
            while (i < n && s[i] != 'm')
                i++;
            i++;
            continue;
        }
        size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        unsigned cp = 0;
        if (k == 3 && i + 2 < n)
            cp = ((c & 0x0fu) << 12) | (((unsigned char)s[i + 1] & 0x3fu) << 6) |
                 ((unsigned char)s[i + 2] & 0x3fu);
        cols += (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xff00 && cp <= 0xff60) ? 2 : 1;
        i += k;
    }
    return cols;
}

static size_t
max_line_cols(const char *text)
{
    size_t max = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t c = line_cols(p, n);
        if (c > max)
            max = c;
        p += n + (nl ? 1 : 0);
    }
    return max;
}

/* No control byte but newline, no C1 control, no bidi control, no raw
 * surrogate (ED A0..BF) anywhere. */
static bool
terminal_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            return false;
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return false;
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
            return false;
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
            return false;
        if (p[0] == 0xed && p[1] >= 0xa0)
            return false;
    }
    return true;
}

/* With colour on, every ESC starts one of our SGR sequences. */
static bool
only_our_sgr(const char *s)
{
    static const char *ours[] = {"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[32m", "\x1b[33m",
                                 "\x1b[36m"};
    for (const char *p = strchr(s, 0x1b); p; p = strchr(p + 1, 0x1b)) {
        bool ok = false;
        for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
            if (strncmp(p, ours[i], strlen(ours[i])) == 0)
                ok = true;
        if (!ok)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */

/* def modify(lst):        a = [1, 2]; b = a; modify(b): inside modify,
 *     lst.append(3)       three names, one list. */
static void
test_alias(void)
{
    new_trace(12, "prog.py",
              "def modify(lst):\n    lst.append(3)\n\na = [1, 2]\nb = a\nmodify(b)\n");
    mv_state st;
    init_state(&st, 7, "prog.py", 2);

    mv_local mod_locals[] = {{S("modify"), 1}, {S("a"), 2}, {S("b"), 2}};
    mv_local fn_locals[] = {{S("lst"), 2}};
    mv_frame frames[] = {
        {S("<module>"), S("prog.py"), 6, 3, mod_locals},
        {S("modify"), S("prog.py"), 2, 1, fn_locals},
    };
    static const uint32_t list_items[] = {3, 4};
    mv_object objects[] = {
        scalar(1, "function", MV_K_FUNCTION, "modify(lst)", 2, 152),
        obj(2, "list", MV_K_LIST, 3, 72),
        scalar(3, "int", MV_K_INT, "1", -1, 28),
        scalar(4, "int", MV_K_INT, "2", -1, 28),
    };
    objects[1].items = list_items;
    objects[1].nitems = 2;
    st.frames = frames;
    st.nframes = 2;
    st.objects = objects;
    st.nobjects = 4;

    char *got = render(&st, false, false, 0);
    CHECK_STR_EQ(got, "step 7/12 · line · prog.py:2 · Python 3.12.1\n"
                      "  2 │ lst.append(3)\n"
                      "\n"
                      "Frames (outermost first)\n"
                      "  <module>  prog.py:6\n"
                      "      modify ──→ #1 function modify(lst)\n"
                      "      a      ──→ #2 list len 2\n"
                      "      b      ──→ #2 list len 2\n"
                      "▶ modify  prog.py:2  (current)\n"
                      "      lst ──→ #2 list len 2\n"
                      "\n"
                      "Objects\n"
                      "  #1 function modify(lst)  refs 2  152 B\n"
                      "      held by modify in <module> + 1 reference outside the picture\n"
                      "  #2 list len 2  refs 3  72 B\n"
                      "      held by a in <module>, b in <module>, lst\n"
                      "      [0] → #3 int 1\n"
                      "      [1] → #4 int 2\n"
                      "  #3 int 1  immortal  28 B\n"
                      "  #4 int 2  immortal  28 B\n");
    mv_free(got);

    /* --address adds the real id() in hex */
    got = render(&st, false, true, 0);
    CHECK_HAS(got, "  #2 list len 2  refs 3  72 B  id 0x7f0000000080\n");
    mv_free(got);

    /* colour: the same text once the SGR codes are removed, and only ours */
    got = render(&st, true, false, 0);
    CHECK(strchr(got, 0x1b) != NULL);
    CHECK(only_our_sgr(got));
    CHECK_HAS(got, "\x1b[36m#2\x1b[0m");
    mv_free(got);

    /* opts NULL means the defaults */
    mv_buf b = {0};
    CHECK_INT_EQ(mv_render_text(&st, NULL, &b), MV_OK);
    CHECK(b.data && !strchr(b.data, 0x1b));
    mv_buf_release(&b);

    /* a bounded buffer that fills up reports ENOMEM and stays valid */
    mv_buf small = {0};
    small.max = 100;
    CHECK_INT_EQ(mv_render_text(&st, NULL, &small), MV_ENOMEM);
    CHECK(small.len <= 100);
    mv_buf_release(&small);

    CHECK_INT_EQ(mv_render_text(NULL, NULL, &small), MV_EINVAL);

    /* the first allocation fails: ENOMEM, and the buffer can be released */
    mv_buf fb = {0};
    mv_alloc_fail_nth(1);
    CHECK_INT_EQ(mv_render_text(&st, NULL, &fb), MV_ENOMEM);
    mv_alloc_fail_nth(0);
    mv_buf_release(&fb);
}

/* ages = {'ann': 31, 'bob': 31}; n = Node(1) with .value and .next = None */
static void
test_dict_and_instance(void)
{
    new_trace(3, "prog.py", NULL);
    mv_state st;
    init_state(&st, 2, "prog.py", 9);

    mv_local locals[] = {{S("ages"), 1}, {S("n"), 5}, {S("Node"), 7}, {S("nothing"), 6}};
    mv_frame frames[] = {{S("<module>"), S("prog.py"), 9, 4, locals}};
    static const uint32_t dict_items[] = {2, 3, 4, 3};
    uint32_t node_attrs[] = {S("value"), 8, S("next"), 6};
    uint32_t class_attrs[] = {S("__init__"), 9};
    mv_object objects[] = {
        obj(1, "dict", MV_K_DICT, 1, 184),
        scalar(2, "str", MV_K_STR, "ann", 2, 52),
        scalar(3, "int", MV_K_INT, "31", -1, 28),
        scalar(4, "str", MV_K_STR, "bob", 2, 52),
        obj(5, "Node", MV_K_INSTANCE, 1, 48),
        scalar(6, "NoneType", MV_K_NONE, "None", -1, 16),
        scalar(7, "type", MV_K_CLASS, "Node", 6, 1712),
        scalar(8, "int", MV_K_INT, "1", -1, 28),
        scalar(9, "function", MV_K_FUNCTION, "__init__(self, value)", 1, 152),
    };
    objects[0].items = dict_items;
    objects[0].nitems = 4;
    objects[4].items = node_attrs;
    objects[4].nitems = 4;
    objects[6].items = class_attrs;
    objects[6].nitems = 2;
    st.frames = frames;
    st.nframes = 1;
    st.objects = objects;
    st.nobjects = 9;

    char *got = render(&st, false, false, 0);
    CHECK_HAS(got, "step 2/3 · line · prog.py:9 · Python 3.12.1\n\n");
    CHECK_HAS(got, "      ages    ──→ #1 dict len 2\n");
    CHECK_HAS(got, "      n       ──→ #5 Node object\n");
    CHECK_HAS(got, "      Node    ──→ #7 type Node\n");
    CHECK_HAS(got, "      nothing ──→ #6 None\n");
    CHECK_HAS(got, "  #1 dict len 2  refs 1  184 B\n"
                   "      held by ages\n"
                   "      #2 str 'ann' → #3 int 31\n"
                   "      #4 str 'bob' → #3 int 31\n"
                   "  #2 str 'ann'  refs 2  52 B\n"
                   "      held by a key of #1 + 1 reference outside the picture\n");
    CHECK_HAS(got, "  #5 Node object  refs 1  48 B\n"
                   "      held by n\n"
                   "      .value → #8 int 1\n"
                   "      .next  → #6 None\n"
                   "  #6 None  immortal  16 B\n"
                   "  #7 type Node  refs 6  1712 B\n"
                   "      held by Node + 5 references outside the picture\n"
                   "      .__init__ → #9 function __init__(self, value)\n");
    /* an attribute's holder is named by the object and the attribute */
    CHECK_HAS(got, "  #9 function __init__(self, value)  refs 1  152 B\n"
                   "      held by #7.__init__\n");
    CHECK(terminal_safe(got));
    mv_free(got);
}

/* big = list(range(1000)) recorded with max_items 3; the per-step object
 * cap cut the walk, so #3 is missing. */
static void
test_cut_and_truncated(void)
{
    new_trace(1, "prog.py", NULL);
    mv_state st;
    init_state(&st, 0, "prog.py", 1);
    mv_local locals[] = {{S("big"), 1}};
    mv_frame frames[] = {{S("<module>"), S("prog.py"), 1, 1, locals}};
    static const uint32_t items[] = {2, 3, 2};
    mv_object objects[] = {
        obj(1, "list", MV_K_LIST, 1, 8056),
        scalar(2, "int", MV_K_INT, "0", -1, 28),
    };
    objects[0].items = items;
    objects[0].nitems = 3;
    objects[0].hidden = 997;
    st.frames = frames;
    st.nframes = 1;
    st.objects = objects;
    st.nobjects = 2;
    st.truncated = true;

    char *got = render(&st, false, false, 0);
    CHECK_HAS(got, "      big ──→ #1 list len 1000\n");
    CHECK_HAS(got, "  #1 list len 1000  refs 1  8056 B\n"
                   "      held by big\n"
                   "      [0] → #2 int 0\n"
                   "      [1] → #3 (not recorded)\n"
                   "      [2] → #2 int 0\n"
                   "      … 997 more\n");
    CHECK_HAS(got, "object cap reached");
    mv_free(got);
}

/* A program string built to attack the terminal: ESC sequences, CR, a
 * right-to-left override, a lone surrogate (WTF-8 ED B2 80), BEL; a hostile
 * name, type name and file name too. */
static void
test_hostile(void)
{
    const char *file = "evil\x1b[2Jprog.py";
    new_trace(1, file, "x = 1\n\x1b]0;owned\x07y = '\xe2\x80\xae'\r\n");
    mv_state st;
    init_state(&st, 0, file, 2);
    mv_local locals[] = {{S("s"), 1}, {S("x\x1b[31m\xe2\x80\xae"), 2}};
    mv_frame frames[] = {{S("<module>"), S(file), 2, 2, locals}};
    static const char hostile[] = "A\x1b[31mB\rC\xe2\x80\xae" "D\xed\xb2\x80"
                                  "E\x07\xc2\x9b\xe2\x81\xa6";
    mv_object objects[] = {
        scalar(1, "str", MV_K_STR, hostile, 1, 90),
        obj(2, "Evil\x1b[5m\xe2\x80\xae", MV_K_INSTANCE, 1, 48),
        scalar(3, "str", MV_K_STR, "\xff\xe4\xb8", 1, 60), /* not UTF-8 at all */
    };
    st.frames = frames;
    st.nframes = 1;
    st.objects = objects;
    st.nobjects = 3;

    char *got = render(&st, false, false, 0);
    CHECK(terminal_safe(got));
    CHECK_HAS(got, "  #3 str '\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd'  refs 1  60 B\n");
    CHECK(!strchr(got, 0x1b));
    CHECK(!strchr(got, '\r'));
    CHECK_HAS(got, "'A\\x1b[31mB\\rC\\u202eD\\udc80E\\x07\\x9b\\u2066'");
    CHECK_HAS(got, "  #1 str 'A\\x1b[31mB\\rC\\u202eD\\udc80E\\x07\\x9b\\u2066'  refs 1  90 B\n");
    CHECK_HAS(got, "x\\x1b[31m\\u202e ──→ #2 Evil\\x1b[5m\\u202e object\n");
    CHECK_HAS(got, "evil\\x1b[2Jprog.py:2");
    CHECK_HAS(got, "  2 │ \\x1b]0;owned\\x07y = '\\u202e'\n");
    CHECK(max_line_cols(got) <= 80);
    mv_free(got);

    got = render(&st, true, true, 0);
    CHECK(only_our_sgr(got));
    CHECK(max_line_cols(got) <= 80);
    mv_free(got);
}

/* Strings longer than a line; a value the recorder cut; wide characters. */
static void
test_long(void)
{
    new_trace(1, "prog.py", NULL);
    mv_state st;
    init_state(&st, 0, "prog.py", 1);

    static char longs[301], cut[201], longname[120];
    memset(longs, 'x', 300);
    memset(cut, 'y', 200);
    memset(longname, 'n', 119);
    /* 60 CJK characters: 120 columns */
    static char wide[60 * 3 + 1];
    for (int i = 0; i < 60; i++)
        memcpy(wide + 3 * i, "\xe4\xb8\xad", 3); /* U+4E2D */

    mv_local locals[] = {{S("s"), 1}, {S("t"), 2}, {S(longname), 3}, {S("w"), 4}};
    mv_frame frames[] = {{S("<module>"), S("prog.py"), 1, 4, locals}};
    mv_object objects[] = {
        scalar(1, "str", MV_K_STR, longs, 1, 341),
        scalar(2, "str", MV_K_STR, cut, 1, 5041),
        scalar(3, "int", MV_K_INT, "7", -1, 28),
        scalar(4, "str", MV_K_STR, wide, 1, 194),
    };
    objects[1].flags |= MV_OF_CUT;
    objects[1].length = 5000;
    st.frames = frames;
    st.nframes = 1;
    st.objects = objects;
    st.nobjects = 4;

    char *got = render(&st, false, false, 0);
    CHECK(max_line_cols(got) <= 80);
    /* names align on their arrows, up to 16 columns; a longer name is cut */
    CHECK_HAS(got, "      nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn… ──→ #3 int 7\n");
    /* summaries keep a short preview, cut after the closing quote */
    CHECK_HAS(got, "      s                ──→ #1 str 'xxxxxxxxxxxxxxxxxxxxx'…\n");
    /* a long value gets a line of its own, cut at the width */
    CHECK_HAS(got, "  #1 str  len 300  refs 1  341 B\n      'xxxxx");
    CHECK_HAS(got, "xxx…\n      held by s\n  #2 str  len 5000  refs 1  5041 B\n      'yyyy");
    CHECK_HAS(got, "  #3 int 7  immortal  28 B\n");
    CHECK_HAS(got, "…\n");
    mv_free(got);

    got = render(&st, true, true, 40);
    CHECK(max_line_cols(got) <= 40);
    CHECK(only_our_sgr(got));
    mv_free(got);

    /* the recorder's cut shows even when the value fits */
    objects[1].value_len = 10;
    got = render(&st, false, false, 0);
    CHECK_HAS(got, "  #2 str 'yyyyyyyyyy'…  len 5000  refs 1  5041 B\n");
    mv_free(got);
}

/* del a, b on two instances that refer to each other: both still in the
 * state, unreachable, and the object lines and the events say so. */
static void
test_unreachable(void)
{
    new_trace(2, "prog.py", NULL);
    mv_state st;
    init_state(&st, 1, "prog.py", 7);
    mv_frame frames[] = {{S("<module>"), S("prog.py"), 7, 0, NULL}};
    uint32_t a_attrs[] = {S("friend"), 2};
    uint32_t b_attrs[] = {S("friend"), 1};
    static const uint32_t dict_items[] = {5, 3};
    mv_object objects[] = {
        obj(1, "Box", MV_K_INSTANCE, 1, 56),
        obj(2, "Box", MV_K_INSTANCE, 1, 56),
        obj(3, "list", MV_K_LIST, 2, 56),
        obj(4, "dict", MV_K_DICT, 1, 184),
        scalar(5, "str", MV_K_STR, "k", -1, 50),
    };
    objects[3].items = dict_items;
    objects[3].nitems = 2;
    objects[0].items = a_attrs;
    objects[0].nitems = 2;
    objects[1].items = b_attrs;
    objects[1].nitems = 2;
    objects[0].flags |= MV_OF_UNREACHABLE;
    objects[1].flags |= MV_OF_UNREACHABLE;
    st.frames = frames;
    st.nframes = 1;
    st.objects = objects;
    st.nobjects = 5;

    char *got = render(&st, false, true, 0);
    CHECK_HAS(got, "  #1 Box object  refs 1  56 B  unreachable  id 0x7f0000000040\n"
                   "      held by #2.friend\n"
                   "      .friend → #2 Box object\n"
                   "  #2 Box object  refs 1  56 B  unreachable  id 0x7f0000000080\n"
                   "      held by #1.friend\n");
    CHECK_HAS(got, "  #3 list len 0  refs 2  56 B  id 0x7f00000000c0\n"
                   "      held by #4['k'] + 1 reference outside the picture\n");
    CHECK_HAS(got, "  #4 dict len 1  refs 1  184 B  id 0x7f0000000100\n"
                   "      held only by 1 reference outside the picture\n");
    CHECK_HAS(got, "cycle of 2 Box objects unreachable, still in memory until a collection");
    mv_free(got);
}

/* A step's events: the shown object's free told alone, the blocks not
 * shown summed up per kind, biggest counts first, on a line of their own. */
static void
test_events(void)
{
    new_trace(2, "prog.py", NULL);
    mv_state st;
    init_state(&st, 1, "prog.py", 3);
    mv_frame frames[] = {{S("<module>"), S("prog.py"), 3, 0, NULL}};
    mv_mevent ev[7];
    memset(ev, 0, sizeof ev);
    const char *types[] = {"int", "str", "bytes", "tuple", "dict", "builtin_function_or_method"};
    const uint32_t counts[] = {5, 12, 2, 1, 1, 8};
    for (int i = 0; i < 6; i++)
        ev[i] = (mv_mevent){.kind = MV_MEV_ALLOC, .type = S(types[i]), .count = counts[i],
                            .bytes = 32u * counts[i], .last = UINT32_MAX};
    ev[6] = (mv_mevent){.kind = MV_MEV_FREE, .cause = MV_FREE_REFCOUNT, .ref = 4,
                        .type = S("list"), .count = 1, .bytes = 64, .last = S("tmp")};
    st.frames = frames;
    st.nframes = 1;
    st.events = ev;
    st.nevents = 7;
    char *got = render(&st, false, false, 0);
    CHECK_HAS(got, "Events\n"
                   "  list #4 freed: its last reference `tmp` went away\n"
                   "  allocated 29 blocks (928 B) not shown:\n"
                   "      12 str, 8 builtin_function_or_method, 5 int, 2 bytes and 2 more types\n");
    CHECK(strstr(got, "freed 1") == NULL); /* no frees of blocks not shown */
    mv_free(got);

    /* one type: one line */
    st.nevents = 1;
    got = render(&st, false, false, 0);
    CHECK_HAS(got, "Events\n  allocated 5 int blocks (160 B) not shown\n");
    mv_free(got);
}

int
main(void)
{
    test_alias();
    test_dict_and_instance();
    test_cut_and_truncated();
    test_hostile();
    test_long();
    test_unreachable();
    test_events();
    mv_trace_free(tr);
    return harness_done("test_text");
}
