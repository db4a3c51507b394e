/* Unit test of the layout (src/core/layout.c). States are built by hand from
 * a tiny synthetic heap (no recorder, no Python): stability (an object keeps
 * its place while nothing above it grows), no overlap in any step of a
 * 600-step random trace, arrows that start at their row and end on their
 * target, bounded pictures for a 500-node chain and for cycles, the
 * "… N more" row, and the visible-text escaper every renderer relies on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "harness.h"

static mv_trace *tr;

static uint32_t
S(const char *s)
{
    return mv_trace_intern(tr, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* a synthetic heap */

#define MAXOBJ 4096
#define MAXITEMS 16
#define NNAMES 8

typedef struct hobj {
    bool alive;
    uint8_t kind;
    uint32_t type;
    char val[24];
    uint32_t items[MAXITEMS * 2];
    uint32_t nitems; /* entries in items (pairs for attrs and dicts) */
    uint64_t hidden;
} hobj;

typedef struct heap {
    hobj *o; /* by ref; 0 unused */
    uint32_t next;
    uint32_t names[2][NNAMES]; /* two frames' locals: refs, 0 = unbound */
    uint32_t nframes;
    /* the built state */
    mv_object objs[MAXOBJ];
    mv_local locals[2][NNAMES];
    mv_frame frames[2];
    mv_state st;
    bool mark[MAXOBJ];
} heap;

static heap *
heap_new(void)
{
    heap *h = calloc(1, sizeof *h);
    h->o = calloc(MAXOBJ, sizeof *h->o);
    h->next = 1;
    h->nframes = 1;
    return h;
}

static void
heap_free(heap *h)
{
    free(h->o);
    free(h);
}

static uint32_t
new_obj(heap *h, mv_kind kind, const char *type, const char *val)
{
    if (h->next >= MAXOBJ)
        return 0;
    uint32_t r = h->next++;
    hobj *o = &h->o[r];
    memset(o, 0, sizeof *o);
    o->alive = true;
    o->kind = (uint8_t)kind;
    o->type = S(type);
    if (val)
        snprintf(o->val, sizeof o->val, "%s", val);
    return r;
}

static void
push_item(heap *h, uint32_t r, uint32_t item)
{
    hobj *o = &h->o[r];
    if (o->nitems < MAXITEMS)
        o->items[o->nitems++] = item;
}

static void
set_attr(heap *h, uint32_t r, const char *name, uint32_t target)
{
    hobj *o = &h->o[r];
    uint32_t n = S(name);
    for (uint32_t i = 0; i + 1 < o->nitems; i += 2)
        if (o->items[i] == n) {
            o->items[i + 1] = target;
            return;
        }
    if (o->nitems + 2 <= 2 * MAXITEMS) {
        o->items[o->nitems++] = n;
        o->items[o->nitems++] = target;
    }
}

static const char *names[NNAMES] = {"a", "b", "c", "d", "e", "f", "g", "h"};

/* Build h->st: frames with the bound names, every object reachable. */
static const mv_state *
build(heap *h, uint32_t step)
{
    memset(h->mark, 0, sizeof h->mark);
    uint32_t stack[MAXOBJ], sp = 0;
    for (uint32_t f = 0; f < h->nframes; f++) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < NNAMES; i++) {
            uint32_t r = h->names[f][i];
            if (!r)
                continue;
            h->locals[f][n++] = (mv_local){S(names[i]), r};
            if (!h->mark[r]) {
                h->mark[r] = true;
                stack[sp++] = r;
            }
        }
        h->frames[f] = (mv_frame){S(f ? "work" : "<module>"), S("prog.py"), 3 + f, n,
                                  h->locals[f]};
    }
    while (sp) {
        hobj *o = &h->o[stack[--sp]];
        bool pairs = o->kind == MV_K_DICT || mv_kind_has_attrs((mv_kind)o->kind);
        for (uint32_t i = 0; i < o->nitems; i++) {
            if (pairs && o->kind != MV_K_DICT && i % 2 == 0)
                continue; /* attribute names are strings, not refs */
            uint32_t r = o->items[i];
            if (r && !h->mark[r]) {
                h->mark[r] = true;
                stack[sp++] = r;
            }
        }
    }
    uint32_t n = 0;
    for (uint32_t r = 1; r < h->next; r++) {
        if (!h->mark[r])
            continue;
        hobj *o = &h->o[r];
        mv_object *x = &h->objs[n++];
        memset(x, 0, sizeof *x);
        x->ref = r;
        x->type = o->type;
        x->kind = o->kind;
        x->addr = 0x7f0000000000ull + r * 64;
        x->refcount = 1;
        x->size = 56 + 8 * o->nitems;
        if (o->val[0]) {
            x->value = o->val;
            x->value_len = (uint32_t)strlen(o->val);
        }
        x->nitems = o->nitems;
        x->items = o->items;
        x->hidden = o->hidden;
    }
    memset(&h->st, 0, sizeof h->st);
    h->st.trace = tr;
    h->st.step = step;
    h->st.file = S("prog.py");
    h->st.line = 3;
    h->st.nframes = h->nframes;
    h->st.frames = h->frames;
    h->st.nobjects = n;
    h->st.objects = h->objs;
    return &h->st;
}

/* ------------------------------------------------------------------ */
/* property checks */

static bool
overlap(const mv_lbox *a, const mv_lbox *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
           b->y < a->y + a->h;
}

/* No two boxes (frames included) overlap; every box is inside the picture;
 * every edge starts on its row and ends on its target's side. Returns the
 * number of problems (each also counted as a failed check). */
static int
check_geometry(const mv_layout *l, const char *what, uint32_t step)
{
    int bad = 0;
    int32_t W, H;
    mv_layout_size(l, &W, &H);
    size_t nf = mv_layout_nframes(l), nb = mv_layout_nboxes(l);
    size_t n = nf + nb;
    const mv_lbox **all = malloc((n ? n : 1) * sizeof *all);
    for (size_t i = 0; i < nf; i++)
        all[i] = mv_layout_frame(l, i);
    for (size_t i = 0; i < nb; i++)
        all[nf + i] = mv_layout_box(l, i);
    for (size_t i = 0; i < n; i++) {
        const mv_lbox *a = all[i];
        if (a->x < 0 || a->y < 0 || a->x + a->w > W || a->y + a->h > H || a->w <= 0 ||
            a->h <= 0) {
            bad++;
            fprintf(stderr, "%s step %u: box #%u outside the picture\n", what, step, a->ref);
        }
        if (a->ref && a->w > MV_LAYOUT_COL_W) {
            bad++;
            fprintf(stderr, "%s step %u: box #%u wider than a column\n", what, step, a->ref);
        }
        for (size_t j = i + 1; j < n; j++)
            if (overlap(a, all[j])) {
                bad++;
                fprintf(stderr, "%s step %u: #%u overlaps #%u\n", what, step, a->ref,
                        all[j]->ref);
            }
    }
    for (size_t i = 0; i < mv_layout_nedges(l); i++) {
        const mv_ledge *e = mv_layout_edge(l, i);
        const mv_lbox *s = e->from_frame ? mv_layout_frame(l, e->from)
                                         : mv_layout_find(l, e->from);
        const mv_lbox *t = mv_layout_find(l, e->to);
        if (!s || !t || e->npts < 2 || e->row >= s->nrows || !s->rows[e->row].arrow ||
            s->rows[e->row].target != e->to) {
            bad++;
            fprintf(stderr, "%s step %u: edge %zu has no source row or target\n", what, step,
                    i);
            continue;
        }
        const int32_t *p = e->pts;
        int32_t ex = p[2 * e->npts - 2], ey = p[2 * e->npts - 1];
        bool start_ok = p[0] == s->x + s->w - MV_LAYOUT_ANCHOR_IN &&
                        p[1] == MV_LAYOUT_ROW_Y(s->y, e->row) + MV_LAYOUT_ROW_H / 2;
        bool end_ok = ey == t->y + MV_LAYOUT_HEADER_H / 2 &&
                      ex == (e->to_right ? t->x + t->w : t->x);
        if (!start_ok || !end_ok) {
            bad++;
            fprintf(stderr, "%s step %u: edge %zu from #%u row %u to #%u misplaced\n", what,
                    step, i, e->from, e->row, e->to);
        }
        /* orthogonal, and no segment through a box but its own ends' */
        for (uint32_t k = 0; k + 1 < e->npts; k++) {
            int32_t x0 = p[2 * k], y0 = p[2 * k + 1], x1 = p[2 * k + 2], y1 = p[2 * k + 3];
            if (x0 != x1 && y0 != y1) {
                bad++;
                fprintf(stderr, "%s step %u: edge %zu not orthogonal\n", what, step, i);
            }
            int32_t lx = x0 < x1 ? x0 : x1, hx = x0 < x1 ? x1 : x0;
            int32_t ly = y0 < y1 ? y0 : y1, hy = y0 < y1 ? y1 : y0;
            for (size_t j = 0; j < n; j++) {
                const mv_lbox *b = all[j];
                if (b == s || b == t)
                    continue;
                if (lx < b->x + b->w && b->x < hx + 1 && ly < b->y + b->h && b->y < hy + 1) {
                    bad++;
                    fprintf(stderr, "%s step %u: edge #%u:%u -> #%u crosses box #%u\n", what,
                            step, e->from, e->row, e->to, b->ref);
                }
            }
        }
    }
    free(all);
    harness_checks++;
    if (bad)
        harness_fail(__FILE__, __LINE__, what);
    return bad;
}

typedef struct geo {
    uint32_t ref;
    int32_t x, y, w, h, col;
} geo;

static size_t
snapshot(const mv_layout *l, geo *g)
{
    size_t n = mv_layout_nboxes(l);
    for (size_t i = 0; i < n; i++) {
        const mv_lbox *b = mv_layout_box(l, i);
        g[i] = (geo){b->ref, b->x, b->y, b->w, b->h, b->col};
    }
    return n;
}

static const geo *
find_geo(const geo *g, size_t n, uint32_t ref)
{
    for (size_t i = 0; i < n; i++)
        if (g[i].ref == ref)
            return &g[i];
    return NULL;
}

/* ------------------------------------------------------------------ */

/* New names and new objects appear step by step; nothing grows, so every
 * object keeps exactly its x and y, and the flags say so. */
static void
test_stable(void)
{
    heap *h = heap_new();
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, NULL), MV_OK);
    static geo prev[MAXOBJ], cur[MAXOBJ];
    size_t nprev = 0;
    for (uint32_t step = 0; step < NNAMES; step++) {
        uint32_t lst = new_obj(h, MV_K_LIST, "list", NULL);
        push_item(h, lst, new_obj(h, MV_K_INT, "int", "1"));
        push_item(h, lst, new_obj(h, MV_K_STR, "str", "two"));
        h->names[0][step] = lst;
        CHECK_INT_EQ(mv_layout_step(l, build(h, step)), MV_OK);
        check_geometry(l, "stable", step);
        size_t n = snapshot(l, cur);
        CHECK_INT_EQ(n, 3 * (step + 1));
        for (size_t i = 0; i < n; i++) {
            const geo *p = find_geo(prev, nprev, cur[i].ref);
            const mv_lbox *b = mv_layout_find(l, cur[i].ref);
            if (p) {
                CHECK_INT_EQ(cur[i].x, p->x);
                CHECK_INT_EQ(cur[i].y, p->y);
                CHECK(!(b->flags & (MV_LB_NEW | MV_LB_MOVED)));
            } else {
                CHECK(b->flags & MV_LB_NEW);
            }
        }
        memcpy(prev, cur, n * sizeof *cur);
        nprev = n;
    }
    CHECK_INT_EQ(mv_layout_steps(l), NNAMES);
    /* a name is deleted: its objects leave, the others stay put */
    uint32_t gone_list = h->names[0][2];
    h->names[0][2] = 0;
    CHECK_INT_EQ(mv_layout_step(l, build(h, NNAMES)), MV_OK);
    CHECK_INT_EQ(mv_layout_ngone(l), 3);
    CHECK_INT_EQ(mv_layout_gone(l, 0), gone_list);
    CHECK(mv_layout_find(l, gone_list) == NULL);
    CHECK(mv_layout_nedges_gone(l) >= 3);
    size_t n = snapshot(l, cur);
    for (size_t i = 0; i < n; i++) {
        const geo *p = find_geo(prev, nprev, cur[i].ref);
        CHECK(p && p->x == cur[i].x && p->y == cur[i].y);
    }
    /* the same state again: nothing changed at all */
    CHECK_INT_EQ(mv_layout_step(l, build(h, NNAMES + 1)), MV_OK);
    CHECK(!mv_layout_changed(l));
    /* a list grows: it may push the boxes below it in its column down,
     * never up, never sideways */
    memcpy(prev, cur, n * sizeof *cur);
    nprev = n;
    uint32_t grown = h->names[0][0];
    for (int k = 0; k < 5; k++)
        push_item(h, grown, new_obj(h, MV_K_INT, "int", "7"));
    CHECK_INT_EQ(mv_layout_step(l, build(h, NNAMES + 2)), MV_OK);
    check_geometry(l, "stable-grow", NNAMES + 2);
    CHECK(mv_layout_find(l, grown)->flags & MV_LB_RESIZED);
    CHECK(mv_layout_find(l, grown)->flags & MV_LB_CONTENT);
    n = snapshot(l, cur);
    for (size_t i = 0; i < n; i++) {
        const geo *p = find_geo(prev, nprev, cur[i].ref);
        if (p) {
            CHECK_INT_EQ(cur[i].x, p->x);
            CHECK(cur[i].y >= p->y);
        }
    }
    mv_layout_free(l);
    heap_free(h);
}

static uint32_t
rnd(unsigned *seed, uint32_t n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 8) % n;
}

/* 600 random steps: names bound and unbound, lists, dicts and instances
 * created, grown, shrunk, cycles made and broken, a second frame coming and
 * going. Every step: no overlap, arrows in place, and objects that stay
 * keep x, keep y unless pushed down. */
static void
test_random_trace(bool inl)
{
    heap *h = heap_new();
    mv_layout_opts o = {.inline_scalars = inl};
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, &o), MV_OK);
    static geo prev[MAXOBJ], cur[MAXOBJ];
    size_t nprev = 0;
    unsigned seed = 12345;
#define RND(n) rnd(&seed, (n))
    uint32_t ints[16];
    for (int i = 0; i < 16; i++) {
        char v[12];
        snprintf(v, sizeof v, "%d", i);
        ints[i] = new_obj(h, MV_K_INT, "int", v);
    }
    int problems = 0;
    for (uint32_t step = 0; step < 600 && h->next + 8 < MAXOBJ; step++) {
        uint32_t f = RND(h->nframes);
        uint32_t name = RND(NNAMES);
        uint32_t cur_ref = h->names[f][name];
        switch (RND(10)) {
        case 0:
        case 1: { /* x = [...] */
            uint32_t r = new_obj(h, MV_K_LIST, "list", NULL);
            for (uint32_t k = RND(4); k > 0; k--)
                push_item(h, r, ints[RND(16)]);
            h->names[f][name] = r;
            break;
        }
        case 2: { /* x = Node(v, y) */
            uint32_t r = new_obj(h, MV_K_INSTANCE, "Node", NULL);
            set_attr(h, r, "value", ints[RND(16)]);
            uint32_t other = h->names[RND(h->nframes)][RND(NNAMES)];
            if (other)
                set_attr(h, r, "next", other);
            h->names[f][name] = r;
            break;
        }
        case 3: { /* x = {'k': y} */
            uint32_t r = new_obj(h, MV_K_DICT, "dict", NULL);
            uint32_t k = new_obj(h, MV_K_STR, "str", "key");
            uint32_t v = h->names[f][RND(NNAMES)];
            push_item(h, r, k);
            push_item(h, r, v ? v : ints[0]);
            h->names[f][name] = r;
            break;
        }
        case 4: /* x.append(something), maybe x itself */
        case 5:
            if (cur_ref && h->o[cur_ref].kind == MV_K_LIST) {
                uint32_t what = RND(3) == 0 ? cur_ref : h->names[f][RND(NNAMES)];
                push_item(h, cur_ref, what ? what : ints[RND(16)]);
            }
            break;
        case 6: /* x.pop() */
            if (cur_ref && h->o[cur_ref].kind == MV_K_LIST && h->o[cur_ref].nitems)
                h->o[cur_ref].nitems--;
            break;
        case 7: /* del x */
            h->names[f][name] = 0;
            break;
        case 8: /* y = x */
            h->names[f][RND(NNAMES)] = h->names[RND(h->nframes)][RND(NNAMES)];
            break;
        case 9: /* call / return */
            if (h->nframes == 1) {
                h->nframes = 2;
                memset(h->names[1], 0, sizeof h->names[1]);
                h->names[1][0] = h->names[0][RND(NNAMES)];
            } else {
                h->nframes = 1;
            }
            break;
        }
        if (RND(50) == 0) /* a huge list, shown cut */
            if (cur_ref && h->o[cur_ref].kind == MV_K_LIST)
                h->o[cur_ref].hidden = 1000;
        if (mv_layout_step(l, build(h, step)) != MV_OK) {
            CHECK(!"mv_layout_step failed");
            break;
        }
        problems += check_geometry(l, inl ? "random-inline" : "random", step);
        size_t n = snapshot(l, cur);
        for (size_t i = 0; i < n; i++) {
            const geo *p = find_geo(prev, nprev, cur[i].ref);
            const mv_lbox *b = mv_layout_find(l, cur[i].ref);
            if (!p) {
                if (!(b->flags & MV_LB_NEW))
                    problems++;
                continue;
            }
            if (cur[i].x != p->x || cur[i].col != p->col || cur[i].y < p->y) {
                problems++;
                fprintf(stderr, "step %u: #%u moved from %d,%d to %d,%d\n", step, cur[i].ref,
                        p->x, p->y, cur[i].x, cur[i].y);
            }
            if (cur[i].y != p->y && !(b->flags & MV_LB_MOVED))
                problems++;
        }
        memcpy(prev, cur, n * sizeof *cur);
        nprev = n;
        if (problems > 20)
            break; /* enough said */
    }
#undef RND
    CHECK_INT_EQ(problems, 0);
    int32_t W, H;
    mv_layout_size(l, &W, &H);
    CHECK(W < 20000 && H < 20000);
    mv_layout_free(l);
    heap_free(h);
}

/* A 500-node chain, built at once and node by node, in both modes: a
 * bounded picture, every node drawn, no crash. */
static void
test_chain(bool inl, bool at_once)
{
    heap *h = heap_new();
    mv_layout_opts o = {.inline_scalars = inl};
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, &o), MV_OK);
    uint32_t one = new_obj(h, MV_K_INT, "int", "1");
    uint32_t none = new_obj(h, MV_K_NONE, "NoneType", NULL);
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < 500; i++) {
        uint32_t r = new_obj(h, MV_K_INSTANCE, "Node", NULL);
        set_attr(h, r, "value", one);
        set_attr(h, r, "next", none);
        if (tail)
            set_attr(h, tail, "next", r);
        else
            head = r;
        tail = r;
        h->names[0][0] = head;
        h->names[0][1] = tail;
        if (!at_once)
            CHECK_INT_EQ(mv_layout_step(l, build(h, i)), MV_OK);
    }
    if (at_once)
        CHECK_INT_EQ(mv_layout_step(l, build(h, 0)), MV_OK);
    check_geometry(l, "chain", 500);
    CHECK_INT_EQ(mv_layout_nboxes(l), inl ? 500 : 502);
    int32_t W, H;
    mv_layout_size(l, &W, &H);
    fprintf(stderr, "chain %s %s: %d x %d\n", inl ? "inline" : "boxes",
            at_once ? "at once" : "grown", W, H);
    CHECK(W < 16000 && H < 16000);
    CHECK((double)W * H < 80e6);
    mv_layout_free(l);
    heap_free(h);
}

/* Self-references and cycles: a list holding itself, a dict holding itself,
 * two nodes pointing at each other. */
static void
test_cycles(void)
{
    heap *h = heap_new();
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, NULL), MV_OK);
    uint32_t lst = new_obj(h, MV_K_LIST, "list", NULL);
    push_item(h, lst, lst);
    push_item(h, lst, lst);
    uint32_t d = new_obj(h, MV_K_DICT, "dict", NULL);
    push_item(h, d, new_obj(h, MV_K_STR, "str", "me"));
    push_item(h, d, d);
    uint32_t a = new_obj(h, MV_K_INSTANCE, "Node", NULL), b = new_obj(h, MV_K_INSTANCE, "Node", NULL);
    set_attr(h, a, "next", b);
    set_attr(h, b, "next", a);
    h->names[0][0] = lst;
    h->names[0][1] = d;
    h->names[0][2] = a;
    CHECK_INT_EQ(mv_layout_step(l, build(h, 0)), MV_OK);
    check_geometry(l, "cycles", 0);
    CHECK_INT_EQ(mv_layout_nboxes(l), 4); /* the dict's str key is shown in its row */
    /* the list's two rows both point back at the list, entering from the
     * right */
    size_t self = 0;
    for (size_t i = 0; i < mv_layout_nedges(l); i++) {
        const mv_ledge *e = mv_layout_edge(l, i);
        if (!e->from_frame && e->from == e->to) {
            self++;
            CHECK(e->to_right);
        }
    }
    CHECK_INT_EQ(self, 3);
    int32_t W, H;
    mv_layout_size(l, &W, &H);
    CHECK(W < 2000 && H < 2000);
    mv_layout_free(l);
    heap_free(h);
}

/* Rows: "… N more" for elements not recorded, the cut at max_rows, inline
 * values, dict keys, missing targets, a cut str with its full length. */
static void
test_rows(void)
{
    heap *h = heap_new();
    mv_layout_opts o = {.inline_scalars = true, .max_rows = 10};
    mv_layout *l;
    CHECK_INT_EQ(mv_layout_new(&l, &o), MV_OK);
    uint32_t big = new_obj(h, MV_K_LIST, "list", NULL);
    uint32_t seven = new_obj(h, MV_K_INT, "int", "7");
    for (int i = 0; i < 3; i++)
        push_item(h, big, seven);
    h->o[big].hidden = 997;
    uint32_t many = new_obj(h, MV_K_LIST, "list", NULL);
    for (int i = 0; i < 14; i++)
        push_item(h, many, seven);
    uint32_t d = new_obj(h, MV_K_DICT, "dict", NULL);
    push_item(h, d, new_obj(h, MV_K_STR, "str", "name"));
    push_item(h, d, new_obj(h, MV_K_STR, "str", "a rather long string value, cut"));
    push_item(h, d, 4000); /* a key the state does not hold */
    push_item(h, d, seven);
    uint32_t empty = new_obj(h, MV_K_TUPLE, "tuple", NULL);
    h->names[0][0] = big;
    h->names[0][1] = many;
    h->names[0][2] = d;
    h->names[0][3] = empty;
    h->names[0][4] = seven;
    const mv_state *st = build(h, 0);
    CHECK_INT_EQ(mv_layout_step(l, st), MV_OK);
    check_geometry(l, "rows", 0);

    const mv_lbox *b = mv_layout_find(l, big);
    CHECK_INT_EQ(b->nrows, 4);
    const mv_lrow *last = &b->rows[b->nrows - 1];
    CHECK_INT_EQ(last->kind, MV_LR_MORE);
    CHECK(last->value_len == strlen("… 997 more") &&
          memcmp(b->text + last->value, "… 997 more", last->value_len) == 0);
    CHECK_INT_EQ(b->rows[0].kind, MV_LR_ITEM);
    CHECK(!b->rows[0].arrow);
    CHECK(memcmp(b->text + b->rows[0].label, "[0]", 3) == 0);
    CHECK(memcmp(b->text + b->rows[0].value, "7", 1) == 0);
    CHECK_INT_EQ(b->h, MV_LAYOUT_HEADER_H + 4 * MV_LAYOUT_ROW_H + MV_LAYOUT_BOTTOM);
    CHECK(memcmp(b->text + b->badge, "refs 1", 6) == 0);
    CHECK(!(b->flags & MV_LB_IMMUTABLE));

    b = mv_layout_find(l, many);
    CHECK_INT_EQ(b->nrows, 11);
    CHECK(memcmp(b->text + b->rows[10].value, "… 4 more", strlen("… 4 more")) == 0);

    b = mv_layout_find(l, d);
    CHECK_INT_EQ(b->nrows, 2);
    CHECK_INT_EQ(b->rows[0].kind, MV_LR_ENTRY);
    CHECK(memcmp(b->text + b->rows[0].label, "'name':", 7) == 0);
    CHECK(memcmp(b->text + b->rows[0].value, "'a rather long", 14) == 0);
    CHECK(memcmp(b->text + b->rows[1].label, "#4000 ?:", 8) == 0);
    CHECK(b->w <= MV_LAYOUT_COL_W);

    b = mv_layout_find(l, empty);
    CHECK_INT_EQ(b->nrows, 1);
    CHECK_INT_EQ(b->rows[0].kind, MV_LR_EMPTY);
    CHECK(b->flags & MV_LB_IMMUTABLE);

    /* inline: the int has no box, the frame row shows its value */
    CHECK(mv_layout_find(l, seven) == NULL);
    const mv_lbox *f = mv_layout_frame(l, 0);
    CHECK_INT_EQ(f->nrows, 5);
    CHECK(!f->rows[4].arrow && memcmp(f->text + f->rows[4].value, "7", 1) == 0);
    CHECK(f->flags & MV_LB_CURRENT);
    mv_layout_free(l);

    /* boxes mode: a long str value is cut and its length noted */
    o.inline_scalars = false;
    CHECK_INT_EQ(mv_layout_new(&l, &o), MV_OK);
    char longv[24];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    uint32_t s = new_obj(h, MV_K_STR, "str", longv);
    h->names[0][5] = s;
    st = build(h, 1);
    /* make it longer than a box: point the value at a long buffer */
    static char huge[300];
    memset(huge, 'y', sizeof huge);
    for (uint32_t i = 0; i < st->nobjects; i++)
        if (st->objects[i].ref == s) {
            h->objs[i].value = huge;
            h->objs[i].value_len = sizeof huge;
        }
    CHECK_INT_EQ(mv_layout_step(l, st), MV_OK);
    b = mv_layout_find(l, s);
    CHECK(b != NULL);
    if (b) {
        CHECK_INT_EQ(b->nrows, 2);
        CHECK_INT_EQ(b->rows[1].kind, MV_LR_NOTE);
        CHECK(memcmp(b->text + b->rows[1].value, "len 300", 7) == 0);
        CHECK(b->rows[0].value_cols <= (MV_LAYOUT_COL_W - 2 * MV_LAYOUT_PAD_X) * 10 / 72);
        CHECK(b->flags & MV_LB_IMMUTABLE);
    }
    mv_layout_free(l);
    heap_free(h);
}

static void
vis_eq(const char *in, size_t n, mv_vis_mode mode, size_t maxcols, const char *want,
       size_t want_cols)
{
    mv_buf b = {0};
    size_t cols = mv_vis_text(&b, in, n, mode, '\'', maxcols, NULL);
    CHECK_STR_EQ(b.data ? b.data : "", want);
    CHECK_INT_EQ(cols, want_cols);
    mv_buf_release(&b);
}

static void
test_vis_text(void)
{
    vis_eq("a\0b", 3, MV_VIS_PLAIN, 100, "a\\x00b", 6);
    vis_eq("\x1b[31m", 5, MV_VIS_PLAIN, 100, "\\x1b[31m", 8);
    vis_eq("ab\xe2\x80\xae" "c", 6, MV_VIS_PLAIN, 100, "ab\\u202ec", 9);   /* RLO */
    vis_eq("\xe2\x81\xa6x", 4, MV_VIS_PLAIN, 100, "\\u2066x", 7);       /* LRI */
    vis_eq("\xed\xa0\x80", 3, MV_VIS_PLAIN, 100, "\\ud800", 6);         /* lone surrogate */
    vis_eq("\xef\xbf\xbe", 3, MV_VIS_PLAIN, 100, "\\ufffe", 6);         /* noncharacter */
    vis_eq("\xff", 1, MV_VIS_PLAIN, 100, "\xef\xbf\xbd", 1);            /* invalid: U+FFFD */
    vis_eq("\xf0\x9f\x98\x80", 4, MV_VIS_PLAIN, 100, "\xf0\x9f\x98\x80", 2); /* emoji */
    vis_eq("\xe4\xb8\xad\xe6\x96\x87", 6, MV_VIS_PLAIN, 100, "\xe4\xb8\xad\xe6\x96\x87", 4);
    vis_eq("it's\n", 5, MV_VIS_STR, 100, "it\\'s\\n", 7);
    vis_eq("abcdefgh", 8, MV_VIS_PLAIN, 5, "abcd…", 5);
    vis_eq("abcde", 5, MV_VIS_PLAIN, 5, "abcde", 5);
    vis_eq("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 9, MV_VIS_PLAIN, 4, "\xe4\xb8\xad…", 3);
    CHECK_INT_EQ(mv_vis_cols("a\xe4\xb8\xad", 4), 3);
    CHECK_INT_EQ(mv_layout_px(10), 72);
    CHECK_INT_EQ(mv_layout_px(1), 8);
}

/* Every allocation failing in turn: no crash, no leak, ENOMEM reported,
 * and the layout usable again afterwards. */
static void
test_enomem(void)
{
    heap *h = heap_new();
    uint32_t lst = new_obj(h, MV_K_LIST, "list", NULL);
    push_item(h, lst, new_obj(h, MV_K_INT, "int", "1"));
    push_item(h, lst, lst);
    h->names[0][0] = lst;
    const mv_state *st = build(h, 0);
    mv_alloc_stats before, after;
    mv_alloc_get_stats(&before);
    for (size_t nth = 1; nth < 200; nth++) {
        mv_layout *l = NULL;
        mv_alloc_fail_nth(nth);
        mv_status rc = mv_layout_new(&l, NULL);
        if (rc == MV_OK) {
            rc = mv_layout_step(l, st);
            if (rc != MV_OK) {
                CHECK_INT_EQ(rc, MV_ENOMEM);
                mv_alloc_fail_nth(0);
                CHECK_INT_EQ(mv_layout_step(l, st), MV_OK);
                CHECK_INT_EQ(mv_layout_nboxes(l), 2);
            }
        }
        mv_alloc_fail_nth(0);
        mv_layout_free(l);
    }
    mv_alloc_get_stats(&after);
    CHECK_INT_EQ(after.blocks, before.blocks);
    heap_free(h);
}

int
main(void)
{
    if (mv_trace_new(&tr, NULL) != MV_OK)
        return 2;
    test_vis_text();
    test_stable();
    test_random_trace(false);
    test_random_trace(true);
    test_chain(false, true);
    test_chain(true, true);
    test_chain(false, false);
    test_chain(true, false);
    test_cycles();
    test_rows();
    test_enomem();
    mv_trace_free(tr);
    return harness_done("test_layout");
}
