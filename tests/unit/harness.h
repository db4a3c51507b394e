/* Tiny assert harness shared by the unit tests (cmark's api_test style):
 * CHECK macros print file:line and count failures instead of stopping, and
 * harness_done() gives main its exit status (nonzero if any check failed). */
#ifndef MV_TEST_HARNESS_H
#define MV_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_checks, harness_failed;

static inline void
harness_fail(const char *file, int line, const char *what)
{
    harness_failed++;
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
}

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        harness_checks++;                                                                 \
        if (!(cond))                                                                      \
            harness_fail(__FILE__, __LINE__, #cond);                                      \
    } while (0)

#define CHECK_INT_EQ(got, want)                                                           \
    do {                                                                                  \
        long long g_ = (long long)(got), w_ = (long long)(want);                          \
        harness_checks++;                                                                 \
        if (g_ != w_) {                                                                   \
            harness_fail(__FILE__, __LINE__, #got " == " #want);                          \
            fprintf(stderr, "    got %lld, want %lld\n", g_, w_);                         \
        }                                                                                 \
    } while (0)

/* Exact text comparison; on mismatch prints the first differing line and
 * both texts in full. */
static inline void
harness_str_eq(const char *file, int line, const char *what, const char *got, const char *want)
{
    harness_checks++;
    if (!got)
        got = "(null)";
    if (strcmp(got, want) == 0)
        return;
    harness_fail(file, line, what);
    int ln = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n')
            ln++;
        g++, w++;
    }
    fprintf(stderr, "    first difference at line %d\n", ln);
    fprintf(stderr, "    ---- got ----\n%s\n    ---- want ----\n%s\n    ----\n", got, want);
}

#define CHECK_STR_EQ(got, want) harness_str_eq(__FILE__, __LINE__, #got " == " #want, got, want)

/* Substring presence / absence. */
#define CHECK_HAS(hay, needle)                                                            \
    do {                                                                                  \
        harness_checks++;                                                                 \
        if (!strstr((hay), (needle))) {                                                   \
            harness_fail(__FILE__, __LINE__, "output contains " #needle);                 \
            fprintf(stderr, "    missing: %s\n", (needle));                               \
        }                                                                                 \
    } while (0)

#define CHECK_LACKS(hay, needle)                                                          \
    do {                                                                                  \
        harness_checks++;                                                                 \
        if (strstr((hay), (needle))) {                                                    \
            harness_fail(__FILE__, __LINE__, "output lacks " #needle);                    \
            fprintf(stderr, "    present: %s\n", (needle));                               \
        }                                                                                 \
    } while (0)

static inline int
harness_done(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", name, harness_checks, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif
