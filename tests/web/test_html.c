/* Test of the HTML renderer (src/render/html.c) without a browser: a run is
 * recorded by hand with hostile text everywhere the program controls it
 * (path, source, names, types, attribute names, values, stdout, the end
 * message), rendered, and the page checked for its structure: one style, two
 * script elements, a CSP that allows no network, and trace data in which no
 * "<" survives. With a path argument the page is also written there, so the
 * browser tests (viewer.test.mjs) can load what html.c itself produced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "render/render.h"
#include "../unit/harness.h"

static mv_trace *tr;

static uint32_t
S(const char *s)
{
    return mv_trace_intern(tr, s, strlen(s));
}

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0, m = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += m)
        n++;
    return n;
}

#define EVIL_NAME "<img src=x onerror=alert(1)>"
#define EVIL_STR "a</script><script>alert(2)</script><!-- \"'\x00\xe2\x80\xae\xed\xa0\x80\xff\xf0\x9f\x98\x80\xe2\x80\xa8"

static void
record(void)
{
    if (mv_trace_new(&tr, NULL) != MV_OK) {
        fprintf(stderr, "mv_trace_new failed\n");
        exit(2);
    }
    mv_trace_set_python(tr, "3.11.7</script>");
    mv_trace_set_program(tr, "/tmp/<img src=x onerror=alert(3)>.py");
    uint32_t prog = S("/tmp/<img src=x onerror=alert(3)>.py");
    uint32_t mod = S("<module>"), fn = S("</script><b>f</b>");
    static const char source[] = "s = \"</script><script>alert(4)</script>\"\n"
                                 "o = Evil()  # <!-- \xe2\x80\xae \xe2\x80\xa8\n"
                                 "f(s)\n";
    CHECK_INT_EQ(mv_trace_add_source(tr, prog, source, strlen(source)), MV_OK);

    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_CALL, prog, 1), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 1), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);

    /* line 2: s = "<hostile>" */
    mv_recref rs, ro;
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, prog, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("str"), 0, 7, &rs), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S(EVIL_NAME), rs.ref), MV_OK);
    mv_object s;
    memset(&s, 0, sizeof s);
    s.type = S("str");
    s.kind = MV_K_STR;
    s.flags = MV_OF_IMMUTABLE;
    s.refcount = 1;
    s.size = 99;
    s.value = EVIL_STR;
    s.value_len = sizeof EVIL_STR - 1;
    CHECK_INT_EQ(mv_rec_object(tr, &rs, &s), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);

    /* line 3: o = Evil() with a hostile type name and attribute name */
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_LINE, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("str"), 0, 7, &rs), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S(EVIL_NAME), rs.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x2000, S("<svg onload=alert(5)>"), 0, 0, &ro), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S("o"), ro.ref), MV_OK);
    uint32_t attrs[] = {S("<script>alert(6)</script>"), rs.ref};
    mv_object o;
    memset(&o, 0, sizeof o);
    o.type = S("<svg onload=alert(5)>");
    o.kind = MV_K_INSTANCE;
    o.refcount = 1;
    o.size = 48;
    o.items = attrs;
    o.nitems = 2;
    CHECK_INT_EQ(mv_rec_object(tr, &ro, &o), MV_OK);
    CHECK_INT_EQ(mv_rec_refcount(tr, &rs, 2), MV_OK);
    CHECK_INT_EQ(mv_rec_end(tr, 0), MV_OK);

    /* a call with a hostile function name */
    CHECK_INT_EQ(mv_rec_begin(tr, MV_EV_CALL, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 1, mod, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("str"), 0, 7, &rs), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S(EVIL_NAME), rs.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x2000, S("<svg onload=alert(5)>"), 0, 0, &ro), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S("o"), ro.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_frame(tr, 2, fn, prog, 3), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x1000, S("str"), 0, 7, &rs), MV_OK);
    CHECK_INT_EQ(mv_rec_local(tr, S("x"), rs.ref), MV_OK);
    CHECK_INT_EQ(mv_rec_ref(tr, 0x2000, S("<svg onload=alert(5)>"), 0, 0, &ro), MV_OK);
    CHECK_INT_EQ(mv_rec_object(tr, &ro, &o), MV_OK);
    CHECK_INT_EQ(mv_rec_refcount(tr, &rs, 3), MV_OK);
    static const char out[] = "<img src=x onerror=alert(7)>\n" EVIL_STR "\n";
    mv_trace_stdout_append(tr, out, sizeof out - 1);
    CHECK_INT_EQ(mv_rec_end(tr, sizeof out - 1), MV_OK);
    mv_trace_set_end(tr, MV_END_EXCEPTION, 1, "ValueError: </script><script>alert(8)</script>");
}

int
main(int argc, char **argv)
{
    record();
    mv_buf b = {0};
    CHECK_INT_EQ(mv_render_html(tr, &b), MV_OK);
    CHECK(!b.failed);
    const char *page = b.data ? b.data : "";

    CHECK(strncmp(page, "<!doctype html>", 15) == 0);
    /* the viewer's own elements, and nothing the data could add */
    CHECK_INT_EQ(count(page, "<script"), 2);
    CHECK_INT_EQ(count(page, "</script"), 2);
    CHECK_INT_EQ(count(page, "<style"), 1);
    CHECK_INT_EQ(count(page, "</style"), 1);
    CHECK_INT_EQ(count(page, "<!--"), 1); /* the template's own comment */
    CHECK_INT_EQ(count(page, "memview:csp"), 0);
    CHECK_INT_EQ(count(page, "href=\"viewer.css\""), 0);
    CHECK_INT_EQ(count(page, "src=\"viewer.js\""), 0);
    /* a CSP that allows no request; the script allowed by its hash */
    CHECK(strstr(page, "http-equiv=\"Content-Security-Policy\"") != NULL);
    CHECK(strstr(page, "default-src 'none'") != NULL);
    CHECK(strstr(page, "connect-src 'none'") != NULL);
    CHECK(strstr(page, "script-src 'sha256-") != NULL);
    CHECK(strstr(page, "unsafe-eval") == NULL);
    /* the data: no "<" between its opening tag and its end */
    const char *open = strstr(page, "<script type=\"application/json\" id=\"memview-trace\">");
    CHECK(open != NULL);
    if (open) {
        const char *data = strchr(open, '>') + 1;
        const char *end = strstr(data, "</script>");
        CHECK(end != NULL);
        CHECK(end && memchr(data, '<', (size_t)(end - data)) == NULL);
        CHECK(end && strncmp(data, "{\"memview\":\"trace\"", 18) == 0);
        /* the program's "<" arrive as \u003c, U+2028 escaped */
        CHECK(strstr(data, "\\u003cimg src=x onerror=alert(1)>") != NULL);
        CHECK(strstr(data, "\\u2028") != NULL);
        CHECK(strstr(data, "\xe2\x80\xa8") == NULL);
    }
    /* the page is ended properly */
    CHECK(strstr(page, "</html>") != NULL);

    /* NULL arguments */
    CHECK_INT_EQ(mv_render_html(NULL, &b), MV_EINVAL);
    CHECK_INT_EQ(mv_render_html(tr, NULL), MV_EINVAL);

    /* out of memory half-way: an error, never a partial success */
    mv_buf small = {0};
    small.max = 4096;
    CHECK_INT_EQ(mv_render_html(tr, &small), MV_ENOMEM);
    mv_buf_release(&small);
    for (size_t nth = 1; nth <= 4; nth++) {
        mv_buf f = {0};
        mv_alloc_fail_nth(nth);
        mv_status st = mv_render_html(tr, &f);
        mv_alloc_fail_nth(0);
        CHECK(st == MV_OK || st == MV_ENOMEM);
        mv_buf_release(&f);
    }

    if (argc > 1 && page[0]) {
        FILE *fp = fopen(argv[1], "wb");
        if (!fp || fwrite(page, 1, b.len, fp) != b.len || fclose(fp) != 0) {
            fprintf(stderr, "cannot write %s\n", argv[1]);
            return 2;
        }
    }
    mv_buf_release(&b);
    mv_trace_free(tr);
    return harness_done("test_html");
}
