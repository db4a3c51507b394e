/* memview command line: argument parsing, messages and exit codes live here
 * and only here (docs/cli.md is the contract). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/mv.h"
#include "../core/layout.h"
#include "../core/trace.h"
#include "../py/pyrun.h"
#include "../render/render.h"

enum {
    EXIT_USAGE = 2,
    EXIT_INTERNAL = 70,
    EXIT_IO = 74,
    EXIT_LIMIT = 124,
    EXIT_INTERRUPT = 130
};

typedef enum {
    FMT_DEFAULT, FMT_TEXT, FMT_STATE, FMT_TRACE, FMT_HTML, FMT_SVG, FMT_PNG, FMT_DOT, FMT_CHART,
    FMT_POOLS, FMT_REFCOUNT, FMT_ADDRESSES
} fmt;

typedef struct opts {
    fmt format;
    const char *output;
    long long step;   /* -1 = last */
    long long at;     /* 0 = not given */
    long long ref;    /* --ref: the object of -f refcount; 0 = not given */
    const char *name; /* --name: the same, by the name that refers to it */
    int color;        /* -1 auto, 0 never, 1 always */
    bool address;
    bool inline_values;
    bool stats;
    mv_limits lim;
    int prog_index;   /* argv index of the program */
} opts;

static const char *prog_name = "memview";

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: %s run [OPTIONS] PROGRAM.py [ARGS...]\n"
            "\n"
            "Run PROGRAM.py under Python as python3 would, recording how its names and\n"
            "objects live in memory at every step.\n"
            "\n"
            "options:\n"
            "  -f, --format FMT     html (default: a step-by-step viewer written to\n"
            "                       PROGRAM.html here) | text | state | trace |\n"
            "                       chart (memory over time; .svg, or .png with -o) |\n"
            "                       pools (pymalloc at one step: JSON, or a picture\n"
            "                       with -o FILE.svg or FILE.png) |\n"
            "                       refcount (one object's refcount over the steps;\n"
            "                       .svg, or .png with -o; needs --ref or --name) |\n"
            "                       addresses (where the objects sit in memory, one\n"
            "                       bar per object life; .svg, or .png with -o)\n"
            "  -o, --output FILE    write the output there ('-' = stdout)\n"
            "  --step N|last        step shown by text/state (0-based; default last)\n"
            "  --at LINE            first step where LINE of the program is about to run\n"
            "  --ref N              refcount: the object #N (its id in text and viewer)\n"
            "  --name NAME          refcount: the object NAME refers to in the innermost\n"
            "                       frame at --step/--at, else where NAME is first bound\n"
            "  --max-steps N        stop after N steps (default %u)\n"
            "  --max-items N        container elements recorded (default %u)\n"
            "  --max-value N        characters of a value recorded (default %u)\n"
            "  --max-objects N      objects walked per step (default %u)\n"
            "  --max-frames N       frames recorded per step: the outermost and the\n"
            "                       innermost N-1 (default %u)\n"
            "  --color WHEN         auto | always | never (text)\n"
            "  --address            show real addresses (text, svg, png, dot)\n"
            "  --inline             values inside their slots (svg, png, dot)\n"
            "  --stats              print recording statistics on stderr\n"
            "  -h, --help           this help;  --version  the version\n"
            "\n"
            "exit codes: the program's own; 1 uncaught exception; 2 usage or unreadable\n"
            "program; 74 output not written; 124 step limit; 130 interrupted.\n",
            prog_name, MV_DEFAULT_MAX_STEPS, MV_DEFAULT_MAX_ITEMS, MV_DEFAULT_MAX_VALUE,
            MV_DEFAULT_MAX_OBJECTS, MV_DEFAULT_MAX_FRAMES);
}

static int
die_usage2(const char *what, const char *arg, const char *tail)
{
    fprintf(stderr, "%s: %s%s%s\nTry '%s --help'.\n", prog_name, what, arg, tail, prog_name);
    return EXIT_USAGE;
}

/* One line "memview: <what> <arg>" plus a hint. */
static int
die_usage(const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s%s\nTry '%s --help'.\n", prog_name, what, arg, prog_name);
    return EXIT_USAGE;
}

static bool
parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Split "--opt=value" or take the next argument. */
static const char *
opt_value(int argc, char **argv, int *i, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (arg[1] == '-' && eq)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool
opt_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* The over-time pictures named by their file: x.chart.svg, x.pools.png,
 * x.refcount.svg, x.addresses.png...; FMT_DEFAULT for any other name. */
static fmt
named_picture(const char *path)
{
    static const struct {
        const char *infix;
        fmt f;
    } names[] = {{".chart", FMT_CHART},
                 {".pools", FMT_POOLS},
                 {".refcount", FMT_REFCOUNT},
                 {".addresses", FMT_ADDRESSES}};
    const char *ext = strrchr(path, '.');
    if (!ext || (strcmp(ext, ".svg") != 0 && strcmp(ext, ".png") != 0))
        return FMT_DEFAULT;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t n = strlen(names[k].infix);
        if ((size_t)(ext - path) > n && strncmp(ext - n, names[k].infix, n) == 0)
            return names[k].f;
    }
    return FMT_DEFAULT;
}

static int
parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->step = -1;
    o->color = -1;
    mv_limits_default(&o->lim);
    int i = 2; /* after "run" */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0)
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        const char *v = NULL;
        long long n;
        if (strcmp(a, "-f") == 0 || opt_is(a, "--format")) {
            if (!(v = opt_value(argc, argv, &i, a)))
                return die_usage2("", a, " needs a value");
            if (strcmp(v, "text") == 0)
                o->format = FMT_TEXT;
            else if (strcmp(v, "state") == 0)
                o->format = FMT_STATE;
            else if (strcmp(v, "trace") == 0)
                o->format = FMT_TRACE;
            else if (strcmp(v, "html") == 0)
                o->format = FMT_HTML;
            else if (strcmp(v, "svg") == 0)
                o->format = FMT_SVG;
            else if (strcmp(v, "png") == 0)
                o->format = FMT_PNG;
            else if (strcmp(v, "dot") == 0)
                o->format = FMT_DOT;
            else if (strcmp(v, "chart") == 0)
                o->format = FMT_CHART;
            else if (strcmp(v, "pools") == 0)
                o->format = FMT_POOLS;
            else if (strcmp(v, "refcount") == 0)
                o->format = FMT_REFCOUNT;
            else if (strcmp(v, "addresses") == 0)
                o->format = FMT_ADDRESSES;
            else
                return die_usage2("unknown format '", v,
                                  "' (html, text, state, trace, svg, png, dot, chart, pools, "
                                  "refcount, addresses)");
        } else if (strcmp(a, "-o") == 0 || opt_is(a, "--output")) {
            if (!(v = opt_value(argc, argv, &i, a)) || !*v)
                return die_usage2("", a, " needs a file name");
            o->output = v;
        } else if (opt_is(a, "--step")) {
            if (!(v = opt_value(argc, argv, &i, a)))
                return die_usage2("", a, " needs a value");
            if (strcmp(v, "last") == 0)
                o->step = -1;
            else if (parse_num(v, 0, UINT32_MAX - 1, &n))
                o->step = n;
            else
                return die_usage2("--step takes a step number or 'last', not '", v, "'");
        } else if (opt_is(a, "--at")) {
            if (!(v = opt_value(argc, argv, &i, a)) || !parse_num(v, 1, UINT32_MAX - 1, &n))
                return die_usage2("--at takes a line number, not '", v ? v : "", "'");
            o->at = n;
        } else if (opt_is(a, "--ref")) {
            if (!(v = opt_value(argc, argv, &i, a)) || !parse_num(v, 1, UINT32_MAX - 1, &n))
                return die_usage2("--ref takes an object's number (#N: N), not '", v ? v : "",
                                  "'");
            o->ref = n;
        } else if (opt_is(a, "--name")) {
            if (!(v = opt_value(argc, argv, &i, a)) || !*v)
                return die_usage2("", a, " needs a name");
            o->name = v;
        } else if (opt_is(a, "--max-steps") || opt_is(a, "--max-items") ||
                   opt_is(a, "--max-value") || opt_is(a, "--max-objects") ||
                   opt_is(a, "--max-frames")) {
            if (!(v = opt_value(argc, argv, &i, a)) || !parse_num(v, 1, UINT32_MAX - 1, &n))
                return die_usage2("", a, " takes a positive number");
            if (opt_is(a, "--max-steps"))
                o->lim.max_steps = (uint64_t)n;
            else if (opt_is(a, "--max-items"))
                o->lim.max_items = (uint32_t)n;
            else if (opt_is(a, "--max-value"))
                o->lim.max_value = (uint32_t)n;
            else if (opt_is(a, "--max-frames"))
                o->lim.max_frames = (uint32_t)(n < 2 ? 2 : n);
            else
                o->lim.max_objects = (uint32_t)n;
        } else if (opt_is(a, "--color") || opt_is(a, "--colour")) {
            if (!(v = opt_value(argc, argv, &i, a)))
                return die_usage2("", a, " needs a value");
            if (strcmp(v, "auto") == 0)
                o->color = -1;
            else if (strcmp(v, "always") == 0)
                o->color = 1;
            else if (strcmp(v, "never") == 0)
                o->color = 0;
            else
                return die_usage2("--color takes auto, always or never, not '", v, "'");
        } else if (strcmp(a, "--address") == 0) {
            o->address = true;
        } else if (strcmp(a, "--inline") == 0) {
            o->inline_values = true;
        } else if (strcmp(a, "--stats") == 0) {
            o->stats = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else {
            return die_usage2("unknown option '", a, "'");
        }
    }
    if (i >= argc)
        return die_usage("", "run needs a program to run");
    o->prog_index = i;
    if (o->format == FMT_DEFAULT && o->output) {
        const char *dot = strrchr(o->output, '.');
        fmt named = named_picture(o->output);
        if (named != FMT_DEFAULT)
            o->format = named;
        else if (dot && strcmp(dot, ".json") == 0)
            o->format = FMT_TRACE;
        else if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
            o->format = FMT_HTML;
        else if (dot && strcmp(dot, ".svg") == 0)
            o->format = FMT_SVG;
        else if (dot && strcmp(dot, ".png") == 0)
            o->format = FMT_PNG;
        else if (dot && (strcmp(dot, ".dot") == 0 || strcmp(dot, ".gv") == 0))
            o->format = FMT_DOT;
        else if (dot && strcmp(dot, ".txt") == 0)
            o->format = FMT_TEXT;
        else if (strcmp(o->output, "-") == 0)
            o->format = FMT_TEXT;
        else
            return die_usage2("cannot tell the format of '", o->output,
                              "': use -f html|text|state|trace|svg|png|dot");
    }
    /* --ref and --name choose the object of -f refcount, and only that */
    if (o->format == FMT_REFCOUNT && !o->ref && !o->name)
        return die_usage("", "-f refcount needs the object to chart: --ref N or --name NAME");
    if (o->format == FMT_REFCOUNT && o->ref && o->name)
        return die_usage("", "give --ref or --name, not both");
    if (o->format != FMT_REFCOUNT && (o->ref || o->name))
        return die_usage2("", o->ref ? "--ref" : "--name",
                          " chooses the object of -f refcount; use it with -f refcount");
    return 0;
}

/* Read the program as python would refuse it: missing, unreadable, folder. */
static int
read_program(const char *path, mv_buf *src)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "%s: can't open file '%s': [Errno %d] %s\n", prog_name, path, e,
                strerror(e));
        return EXIT_USAGE;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        fprintf(stderr, "%s: can't run '%s': it is a directory, not a Python program\n",
                prog_name, path);
        return EXIT_USAGE;
    }
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            fprintf(stderr, "%s: can't read file '%s': [Errno %d] %s\n", prog_name, path, e,
                    strerror(e));
            return EXIT_USAGE;
        }
        if (n == 0)
            break;
        mv_buf_append(src, chunk, (size_t)n);
    }
    close(fd);
    if (src->failed) {
        fprintf(stderr, "%s: out of memory reading '%s'\n", prog_name, path);
        return EXIT_INTERNAL;
    }
    if (!src->data)
        mv_buf_puts(src, "");
    return 0;
}

/* Fail before running when the output folder cannot take the file. */
static int
check_output(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return 0;
    char *dir = mv_strdup(path);
    if (!dir)
        return EXIT_INTERNAL;
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash == dir)
        d = "/";
    else if (slash) {
        *slash = '\0';
        d = dir;
    }
    struct stat sb;
    int rc = 0;
    if (stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "%s: cannot write '%s': folder '%s' does not exist\n", prog_name, path, d);
        rc = EXIT_IO;
    } else if (access(d, W_OK) != 0) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", prog_name, path, strerror(errno));
        rc = EXIT_IO;
    }
    mv_free(dir);
    return rc;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pick the step shown by text/state; UINT32_MAX with a message if none. */
static uint32_t
choose_step(const opts *o, const mv_trace *tr)
{
    uint32_t n = mv_trace_nsteps(tr);
    if (!n) {
        fprintf(stderr, "%s: no step was recorded\n", prog_name);
        return UINT32_MAX;
    }
    if (o->at) {
        uint32_t s = mv_trace_find_line(tr, (uint32_t)o->at);
        if (s == UINT32_MAX)
            fprintf(stderr, "%s: line %lld of the program never ran\n", prog_name, o->at);
        return s;
    }
    if (o->step < 0)
        return n - 1;
    if ((uint64_t)o->step >= n) {
        fprintf(stderr, "%s: --step %lld is past the last step (%u)\n", prog_name, o->step, n - 1);
        return UINT32_MAX;
    }
    return (uint32_t)o->step;
}

/* A picture of one step (svg, png, dot). The layout is fed every step up
 * to it, so objects sit where the viewer shows them at that step. */
static mv_status
render_picture(const opts *o, fmt f, const mv_trace *tr, uint32_t step, mv_buf *out)
{
    mv_layout_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.inline_scalars = o->inline_values;
    lo.address = o->address;
    mv_layout *lay = NULL;
    mv_state st, prev;
    bool have_st = false, have_prev = false;
    mv_buf svg;
    mv_buf_init(&svg);
    mv_status rc = mv_layout_new(&lay, &lo);
    for (uint32_t i = 0; rc == MV_OK && i <= step; i++) {
        if (have_prev)
            mv_state_release(&prev);
        prev = st;
        have_prev = have_st;
        have_st = false;
        rc = mv_trace_state(tr, i, &st);
        if (rc == MV_OK) {
            have_st = true;
            rc = mv_layout_step(lay, &st);
        }
    }
    if (rc == MV_OK && f == FMT_DOT) {
        rc = mv_render_dot(&st, lay, out);
    } else if (rc == MV_OK) {
        mv_svg_opts so;
        memset(&so, 0, sizeof so);
        so.prev = have_prev ? &prev : NULL;
        if (f == FMT_PNG && !mv_render_png_available()) {
            rc = MV_EINVAL; /* reported by the caller as "built without librsvg" */
        } else if (f == FMT_PNG) {
            rc = mv_render_svg(&st, lay, &so, &svg);
            if (rc == MV_OK)
                rc = mv_render_png_scaled(svg.data, svg.len, 2.0, out);
        } else {
            rc = mv_render_svg(&st, lay, &so, out);
        }
    }
    mv_buf_release(&svg);
    if (have_st)
        mv_state_release(&st);
    if (have_prev)
        mv_state_release(&prev);
    mv_layout_free(lay);
    return rc;
}

/* The picture a file name asks for by its extension: FMT_SVG for ".svg",
 * FMT_PNG for ".png", else FMT_DEFAULT (chart and pools choose with it). */
static fmt
picture_ext(const char *dest)
{
    const char *ext = strrchr(dest, '.');
    if (ext && strcmp(ext, ".png") == 0)
        return FMT_PNG;
    if (ext && strcmp(ext, ".svg") == 0)
        return FMT_SVG;
    return FMT_DEFAULT;
}

/* -f pools at one step: the `pools` JSON, or its picture (pools_svg.c) as
 * SVG or PNG (pic: FMT_SVG, FMT_PNG). Says on stderr when the run recorded
 * no pool view for that step (MV_EINVAL); MV_EINVAL too for PNG without
 * librsvg (the caller says so). */
static mv_status
render_pools(const mv_trace *tr, uint32_t step, fmt pic, mv_buf *out)
{
    if (pic == FMT_PNG && !mv_render_png_available())
        return MV_EINVAL;
    mv_state s;
    mv_status rc = mv_trace_state(tr, step, &s);
    if (rc != MV_OK)
        return rc;
    mv_pools_view *v = NULL;
    mv_buf svg;
    mv_buf_init(&svg);
    if (pic == FMT_DEFAULT)
        rc = mv_render_pools_json(tr, &s, out);
    else
        rc = mv_pools_view_new(tr, &s, &v);
    if (rc == MV_EINVAL)
        fprintf(stderr, "%s: no pool view was recorded for step %u\n", prog_name, step);
    if (rc == MV_OK && v) {
        rc = mv_render_pools_svg(v, pic == FMT_PNG ? &svg : out);
        if (rc == MV_OK && pic == FMT_PNG)
            rc = mv_render_png_scaled(svg.data, svg.len, 2.0, out);
        if (rc == MV_EINVAL) /* librsvg refused the picture: not the caller's message */
            rc = MV_EFORMAT;
    }
    mv_buf_release(&svg);
    mv_pools_view_free(v);
    mv_state_release(&s);
    return rc;
}

/* The pictures over the steps (chart, refcount, addresses) as SVG, or as
 * PNG for a .png file (pic FMT_PNG). MV_EINVAL for PNG without librsvg
 * (the caller says so), else as the renderer. */
static mv_status
render_over_time(fmt f, fmt pic, const mv_trace *tr, const mv_objchart_opts *oo, mv_buf *out)
{
    if (pic == FMT_PNG && !mv_render_png_available())
        return MV_EINVAL;
    mv_buf svg = {0};
    mv_buf *dst = pic == FMT_PNG ? &svg : out;
    mv_chart_opts co = {oo->width, oo->marker, oo->marker_step};
    mv_status st = f == FMT_CHART      ? mv_render_chart_svg(tr, &co, dst)
                   : f == FMT_REFCOUNT ? mv_render_refcount_svg(tr, oo, dst)
                                       : mv_render_addresses_svg(tr, oo, dst);
    if (st == MV_OK && pic == FMT_PNG)
        st = mv_render_png_scaled(svg.data, svg.len, 2.0, out);
    mv_buf_release(&svg);
    return st;
}

/* The object of -f refcount: --ref as given, or the object --name refers
 * to (in the innermost frame at the step asked for, else where the name is
 * first bound). 0 with a message (and *rc, the exit code) if none. */
static uint32_t
choose_object(const opts *o, const mv_trace *tr, uint32_t step, int *rc)
{
    if (!o->name)
        return (uint32_t)o->ref;
    bool asked = o->step >= 0 || o->at;
    uint32_t ref = 0;
    mv_status st = mv_objchart_find_name(tr, o->name, asked ? step : UINT32_MAX, &ref, NULL);
    if (st == MV_OK)
        return ref;
    if (st != MV_EINVAL) {
        fprintf(stderr, "%s: cannot read the trace: %s\n", prog_name, mv_strerror(st));
        *rc = EXIT_INTERNAL;
    } else if (o->at) {
        fprintf(stderr,
                "%s: --name %s: no name '%s' in the innermost frame at step %u (line %lld)\n",
                prog_name, o->name, o->name, step, o->at);
        *rc = EXIT_USAGE;
    } else if (asked) {
        fprintf(stderr, "%s: --name %s: no name '%s' in the innermost frame at step %u\n",
                prog_name, o->name, o->name, step);
        *rc = EXIT_USAGE;
    } else {
        fprintf(stderr, "%s: --name %s: no frame of the run has a name '%s'\n", prog_name,
                o->name, o->name);
        *rc = EXIT_USAGE;
    }
    return 0;
}

/* Render the chosen output. Files (and stdout with -f) are streamed
 * through a temporary that is renamed over the target only when complete. */
static int
emit(const opts *o, const mv_trace *tr, const char *default_out)
{
    mv_buf out;
    mv_buf_init(&out);
    mv_outfile of;
    fmt f = o->format == FMT_DEFAULT ? FMT_HTML : o->format;
    const char *dest = o->output ? o->output : o->format == FMT_DEFAULT ? default_out : "-";
    uint32_t step = 0;
    if (f != FMT_TRACE && f != FMT_HTML && (step = choose_step(o, tr)) == UINT32_MAX)
        return EXIT_USAGE;
    /* the over-time pictures: a marker only at a step asked for */
    mv_objchart_opts oo = {0, o->step >= 0 || o->at, step, 0, 0};
    if (f == FMT_REFCOUNT) {
        int rc = 0;
        if (!(oo.ref = choose_object(o, tr, step, &rc)))
            return rc;
    }
    {
        if (mv_outfile_open(&of, dest) != MV_OK) {
            fprintf(stderr, "%s: cannot write '%s': %s\n", prog_name, dest, strerror(errno));
            return EXIT_IO;
        }
        out.sink = mv_outfile_write;
        out.sink_ctx = &of;
    }
    mv_status st;
    fmt pic = picture_ext(dest);
    if (f == FMT_TRACE) {
        st = mv_render_trace_json(tr, &out);
    } else if (f == FMT_HTML) {
        st = mv_render_html(tr, &out);
    } else if (f == FMT_SVG || f == FMT_PNG || f == FMT_DOT) {
        st = render_picture(o, f, tr, step, &out);
    } else if (f == FMT_CHART || f == FMT_REFCOUNT || f == FMT_ADDRESSES) {
        st = render_over_time(f, pic, tr, &oo, &out);
    } else if (f == FMT_POOLS) {
        /* JSON, or the picture for a .svg or .png file */
        st = render_pools(tr, step, pic, &out);
    } else {
        mv_state s;
        st = mv_trace_state(tr, step, &s);
        if (st == MV_OK) {
            if (f == FMT_STATE) {
                st = mv_render_state_json(&s, &out);
            } else {
                const char *nc = getenv("NO_COLOR");
                bool tty = strcmp(dest, "-") == 0 && isatty(STDOUT_FILENO);
                mv_text_opts to = {o->color == 1 || (o->color < 0 && tty && !(nc && *nc)),
                                   o->address, 80};
                st = mv_render_text(&s, &to, &out);
            }
            mv_state_release(&s);
        }
    }
    if (st == MV_OK)
        st = mv_buf_flush(&out);
    int rc = 0;
    if (st == MV_OK) {
        st = mv_outfile_commit(&of);
    } else {
        mv_outfile_abort(&of);
    }
    bool over_time = f == FMT_CHART || f == FMT_REFCOUNT || f == FMT_ADDRESSES;
    if (st == MV_EINVAL && (f == FMT_PNG || ((over_time || f == FMT_POOLS) && pic == FMT_PNG)) &&
        !mv_render_png_available()) {
        fprintf(stderr, "%s: this memview was built without librsvg: PNG output is not "
                        "available (%s)\n", prog_name,
                f == FMT_PNG ? "use -f svg" : "write a .svg file instead");
        rc = EXIT_INTERNAL;
    } else if (st == MV_EINVAL && f == FMT_REFCOUNT) {
        /* the renderer found no step showing the object */
        if (o->name)
            fprintf(stderr, "%s: --name %s refers to #%u, which no step shows\n", prog_name,
                    o->name, oo.ref);
        else
            fprintf(stderr, "%s: --ref %u: no object #%u was in the picture in this run\n",
                    prog_name, oo.ref, oo.ref);
        rc = EXIT_USAGE;
    } else if (st == MV_EIO) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", prog_name, dest, strerror(errno));
        rc = EXIT_IO;
    } else if (st != MV_OK) {
        fprintf(stderr, "%s: cannot render the output: %s\n", prog_name, mv_strerror(st));
        rc = EXIT_INTERNAL;
    }
    mv_buf_release(&out);
    return rc;
}

static int
cmd_run(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    const char *program = argv[o.prog_index];
    mv_buf src;
    mv_buf_init(&src);
    if ((rc = read_program(program, &src)) != 0 || (rc = check_output(o.output)) != 0) {
        mv_buf_release(&src);
        return rc;
    }
    /* the default output: the viewer, named after the program, here */
    char default_out[4096];
    {
        const char *base = strrchr(program, '/');
        base = base ? base + 1 : program;
        size_t n = strlen(base);
        if (n > 3 && strcmp(base + n - 3, ".py") == 0)
            n -= 3;
        snprintf(default_out, sizeof default_out, "%.*s.html", (int)(n < 4000 ? n : 4000), base);
    }
    if (o.format == FMT_DEFAULT && !o.output && (rc = check_output(default_out)) != 0) {
        mv_buf_release(&src);
        return rc;
    }
    mv_trace *tr = NULL;
    if (mv_trace_new(&tr, &o.lim) != MV_OK) {
        fprintf(stderr, "%s: out of memory\n", prog_name);
        mv_buf_release(&src);
        return EXIT_INTERNAL;
    }
    mv_run_opts ro = {argv[0], program, src.data, src.len, argc - o.prog_index,
                      argv + o.prog_index, o.format == FMT_POOLS, o.step,
                      o.at > 0 ? (uint32_t)o.at : 0};
    mv_run_result res;
    double t0 = now();
    mv_status st = mv_py_run(&ro, tr, &res);
    double elapsed = now() - t0;
    mv_buf_release(&src);
    if (st == MV_EPYTHON) {
        fprintf(stderr, "%s: %s\n", prog_name, res.error);
        mv_trace_free(tr);
        return EXIT_INTERNAL;
    }
    int exit_code = res.exit_code;
    if (res.forked_child) {
        /* a process the program forked: the parent writes the trace */
        mv_trace_free(tr);
        return exit_code;
    }
    if (st != MV_OK) {
        fprintf(stderr, "%s: %s; the %u steps recorded before are kept\n", prog_name,
                res.error[0] ? res.error : mv_strerror(st), mv_trace_nsteps(tr));
    }
    if (res.end == MV_END_LIMIT) {
        fprintf(stderr, "%s: stopped the program after %u steps (--max-steps %llu)\n", prog_name,
                mv_trace_nsteps(tr), (unsigned long long)o.lim.max_steps);
        exit_code = EXIT_LIMIT;
    } else if (res.end == MV_END_INTERRUPT) {
        exit_code = EXIT_INTERRUPT;
    }
    if (res.compiled) {
        int erc = emit(&o, tr, default_out);
        if (erc)
            exit_code = erc;
        else if (o.format == FMT_DEFAULT && !o.output)
            fprintf(stderr, "%s: wrote %s (%u steps): open it in a browser\n", prog_name,
                    default_out, mv_trace_nsteps(tr));
    }
    if (o.stats) {
        mv_alloc_stats as;
        mv_alloc_get_stats(&as);
        fprintf(stderr,
                "memview-stats {\"steps\":%u,\"stream_bytes\":%zu,\"record_seconds\":%.6f,"
                "\"peak_bytes\":%zu}\n",
                mv_trace_nsteps(tr), mv_trace_stream_bytes(tr), elapsed, as.peak);
    }
    mv_trace_free(tr);
    return exit_code;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--version") == 0)) {
        printf("memview %s (Python %s)\n", MEMVIEW_VERSION, mv_py_build_version());
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return cmd_run(argc, argv);
}
