/* The pool view of one step: pymalloc's arenas, pools and blocks as the
 * allocator hooks read them at that step (mv_trace_pools), with the blocks
 * of named objects labelled. Built once as an mv_pools_view (render.h),
 * which pools_svg.c draws and mv_render_pools_json writes in the `pools`
 * JSON format (docs/events-format.md). */
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define POOL_SIZE 16384u
#define POOL_OVERHEAD 48u
#define MAX_LABEL 60

typedef struct built {
    mv_pools_view v;          /* first: the handle given out */
    mv_arena_info *arenas;
    mv_pool_info *pools;
    mv_pool_label *labels;
    mv_buf text;              /* label texts, NUL-separated */
    uint64_t unused_pools;
} built;

typedef struct named {
    uint32_t ref;
    size_t off, len; /* in text */
} named;

/* Append text[off, off+len) to text itself (it may move while growing). */
static void
append_self(mv_buf *text, size_t off, size_t len)
{
    char tmp[MAX_LABEL + 8];
    if (len > MAX_LABEL)
        len = MAX_LABEL;
    memcpy(tmp, text->data + off, len);
    mv_buf_append(text, tmp, len);
}

static void
append_key(mv_buf *b, const mv_state *st, uint32_t ref)
{
    const mv_object *k = mv_state_find(st, ref);
    if (k && k->kind == MV_K_STR && k->value) {
        mv_buf_putc(b, '\'');
        mv_buf_append(b, k->value, k->value_len < 20 ? k->value_len : 20);
        mv_buf_putc(b, '\'');
    } else if (k && (k->kind == MV_K_INT || k->kind == MV_K_BOOL) && k->value) {
        mv_buf_append(b, k->value, k->value_len < 20 ? k->value_len : 20);
    } else {
        mv_buf_printf(b, "#%u", ref);
    }
}

/* A name for every object of the state: the frames' names that refer to it
 * ("x, y"), else the first path found from them ("d['k']", "a.next[0]"). */
static mv_status
name_objects(const mv_state *st, mv_buf *text, named **out, uint32_t *nout)
{
    named *nm = mv_calloc(st->nobjects ? st->nobjects : 1, sizeof *nm);
    uint32_t *queue = mv_calloc(st->nobjects ? st->nobjects : 1, sizeof *queue);
    if (!nm || !queue) {
        mv_free(nm);
        mv_free(queue);
        return MV_ENOMEM;
    }
    for (uint32_t i = 0; i < st->nobjects; i++)
        nm[i].ref = st->objects[i].ref; /* same order as objects (sorted by ref) */
    uint32_t nq = 0;
    /* direct names, innermost frame last (its names win the order) */
    for (uint32_t f = 0; f < st->nframes; f++) {
        const mv_frame *fr = &st->frames[f];
        for (uint32_t k = 0; k < fr->nlocals; k++) {
            const mv_object *o = mv_state_find(st, fr->locals[k].ref);
            if (!o)
                continue;
            named *n = &nm[o - st->objects];
            size_t len;
            const char *s = mv_trace_str(st->trace, fr->locals[k].name, &len);
            if (n->len) {
                if (n->len + len + 2 > MAX_LABEL)
                    continue;
                /* names are appended in one run per object: copy it forward */
                size_t off = text->len;
                append_self(text, n->off, n->len);
                mv_buf_puts(text, ", ");
                mv_buf_append(text, s, len);
                n->off = off;
                n->len = text->len - off;
            } else {
                n->off = text->len;
                mv_buf_append(text, s, len);
                n->len = len;
                queue[nq++] = (uint32_t)(o - st->objects);
            }
        }
    }
    /* paths, breadth first */
    for (uint32_t qi = 0; qi < nq; qi++) {
        const mv_object *o = &st->objects[queue[qi]];
        const named *parent = &nm[queue[qi]];
        mv_kind k = (mv_kind)o->kind;
        uint32_t step = (k == MV_K_DICT || mv_kind_has_attrs(k)) ? 2 : 1;
        if (!mv_kind_is_seq(k) && step == 1)
            continue;
        for (uint32_t i = 0; i + step - 1 < o->nitems; i += step) {
            uint32_t child = step == 2 ? o->items[i + 1] : o->items[i];
            const mv_object *c = mv_state_find(st, child);
            if (!c || nm[c - st->objects].len)
                continue;
            size_t off = text->len;
            append_self(text, parent->off, parent->len);
            if (mv_kind_has_attrs(k)) {
                size_t len;
                const char *s = mv_trace_str(st->trace, o->items[i], &len);
                mv_buf_putc(text, '.');
                mv_buf_append(text, s, len);
            } else {
                mv_buf_putc(text, '[');
                if (k == MV_K_DICT)
                    append_key(text, st, o->items[i]);
                else if (k == MV_K_LIST || k == MV_K_TUPLE)
                    mv_buf_printf(text, "%u", i);
                else
                    mv_buf_putc(text, '?');
                mv_buf_putc(text, ']');
            }
            named *n = &nm[c - st->objects];
            n->off = off;
            n->len = text->len - off > MAX_LABEL ? MAX_LABEL : text->len - off;
            queue[nq++] = (uint32_t)(c - st->objects);
        }
    }
    mv_free(queue);
    if (text->failed) {
        mv_free(nm);
        return MV_ENOMEM;
    }
    *out = nm;
    *nout = st->nobjects;
    return MV_OK;
}

void
mv_pools_view_free(mv_pools_view *v)
{
    built *b = (built *)v;
    if (!b)
        return;
    mv_free(b->arenas);
    mv_free(b->pools);
    mv_free(b->labels);
    mv_buf_release(&b->text);
    mv_free(b);
}

mv_status
mv_pools_view_new(const mv_trace *tr, const mv_state *st, mv_pools_view **out)
{
    built *b = mv_calloc(1, sizeof *b);
    if (!b)
        return MV_ENOMEM;
    const char *alloc = mv_trace_allocator(tr);
    b->v.step = st ? st->step : 0;
    b->v.allocator = alloc;
    if (strcmp(alloc, "pymalloc") != 0) {
        b->v.message = "memview shows pools only for pymalloc, CPython's default allocator; "
                       "this run used another one (PYTHONMALLOC, -X dev, or a build "
                       "option), so there are no arenas or pools to show";
        *out = &b->v;
        return MV_OK;
    }
    const mv_pool_snap *s = mv_trace_pools(tr);
    if (!s || !st || s->step != st->step) {
        mv_free(b);
        return MV_EINVAL;
    }
    named *nm = NULL;
    uint32_t nnm = 0;
    mv_status rc = name_objects(st, &b->text, &nm, &nnm);
    if (rc != MV_OK) {
        mv_free(b);
        return rc;
    }
    /* labels: objects with a pool block, grouped by pool (sorted by pool, index) */
    uint32_t nl = 0;
    for (uint32_t i = 0; i < st->nobjects; i++)
        nl += st->objects[i].block.kind == MV_BLOCK_POOL && nm[i].len;
    b->arenas = mv_calloc(s->narenas ? s->narenas : 1, sizeof *b->arenas);
    b->pools = mv_calloc(s->npools ? s->npools : 1, sizeof *b->pools);
    b->labels = mv_calloc(nl ? nl : 1, sizeof *b->labels);
    if (!b->arenas || !b->pools || !b->labels) {
        mv_free(nm);
        mv_pools_view_free(&b->v);
        return MV_ENOMEM;
    }
    uint32_t at = 0;
    for (uint32_t p = 0; p < s->npools; p++) {
        const mv_pool_rec *r = &s->pools[p];
        mv_pool_info *pi = &b->pools[p];
        *pi = (mv_pool_info){r->addr, r->size_class, r->blocks, r->used, r->free, r->never,
                             b->labels + at, 0};
        for (uint32_t i = 0; i < st->nobjects; i++) {
            const mv_object *o = &st->objects[i];
            if (o->block.kind != MV_BLOCK_POOL || o->block.pool != r->addr || !nm[i].len)
                continue;
            b->labels[at++] = (mv_pool_label){o->block.index, b->text.data + nm[i].off,
                                              nm[i].len};
            pi->nlabels++;
        }
        b->v.blocks_used += r->used;
        b->v.bytes_used += (uint64_t)r->used * r->size_class;
        b->v.waste_rounding += (POOL_SIZE - POOL_OVERHEAD) % r->size_class;
    }
    mv_free(nm);
    for (uint32_t a = 0; a < s->narenas; a++) {
        const mv_arena_rec *r = &s->arenas[a];
        b->arenas[a] = (mv_arena_info){r->index, r->addr, b->pools + r->first, r->npools};
        if (r->addr % POOL_SIZE)
            b->v.waste_alignment += POOL_SIZE;
        b->unused_pools += r->total_pools - r->npools;
    }
    b->v.arenas = b->arenas;
    b->v.narenas = s->narenas;
    b->v.pools_used = s->npools;
    b->v.pools_empty = b->unused_pools;
    b->v.waste_headers = (uint64_t)s->npools * POOL_OVERHEAD;
    *out = &b->v;
    return MV_OK;
}

mv_status
mv_render_pools_json(const mv_trace *tr, const mv_state *st, mv_buf *out)
{
    mv_pools_view *v = NULL;
    mv_status rc = mv_pools_view_new(tr, st, &v);
    if (rc != MV_OK)
        return rc;
    mv_buf_printf(out, "{\"memview\":\"pools\",\"version\":1,\"step\":%u,\"allocator\":", v->step);
    mv_json_str(out, v->allocator, strlen(v->allocator));
    if (v->message) {
        mv_buf_puts(out, ",\"message\":");
        mv_json_str(out, v->message, strlen(v->message));
        mv_buf_puts(out, "}\n");
        mv_pools_view_free(v);
        return out->failed ? MV_ENOMEM : MV_OK;
    }
    uint64_t free_bytes = 0;
    mv_buf_puts(out, ",\n\"arenas\":[");
    for (uint32_t a = 0; a < v->narenas; a++) {
        const mv_arena_info *ar = &v->arenas[a];
        mv_buf_printf(out, "%s{\"index\":%u,\"address\":\"0x%llx\",\"pools\":[", a ? ",\n " : "\n ",
                      ar->index, (unsigned long long)ar->address);
        for (uint32_t p = 0; p < ar->npools; p++) {
            const mv_pool_info *pi = &ar->pools[p];
            free_bytes += (uint64_t)(pi->free + pi->never) * pi->size_class;
            mv_buf_printf(out,
                          "%s{\"address\":\"0x%llx\",\"size_class\":%u,\"blocks\":%u,\"used\":%u,"
                          "\"free\":%u,\"never\":%u,\"labels\":[",
                          p ? ",\n  " : "\n  ", (unsigned long long)pi->address, pi->size_class,
                          pi->blocks, pi->used, pi->free, pi->never);
            for (uint32_t l = 0; l < pi->nlabels; l++) {
                mv_buf_printf(out, "%s[%u,", l ? "," : "", pi->labels[l].index);
                mv_json_str(out, pi->labels[l].text, pi->labels[l].len);
                mv_buf_putc(out, ']');
            }
            mv_buf_puts(out, "]}");
        }
        mv_buf_puts(out, "]}");
    }
    mv_buf_printf(out,
                  "],\n\"totals\":{\"arenas\":%u,\"pools\":%llu,\"unused_pools\":%llu,"
                  "\"used_blocks\":%llu,\"used_bytes\":%llu,\"free_bytes\":%llu,"
                  "\"waste\":{\"pool_headers\":%llu,\"rounding\":%llu,\"alignment\":%llu}}",
                  v->narenas, (unsigned long long)v->pools_used,
                  (unsigned long long)v->pools_empty, (unsigned long long)v->blocks_used,
                  (unsigned long long)v->bytes_used, (unsigned long long)free_bytes,
                  (unsigned long long)v->waste_headers, (unsigned long long)v->waste_rounding,
                  (unsigned long long)v->waste_alignment);
    const mv_pool_snap *snap = mv_trace_pools(tr);
    if (snap && snap->stats) {
        mv_buf_puts(out, ",\n\"interpreter_stats\":");
        mv_json_str(out, snap->stats, strlen(snap->stats));
    }
    mv_buf_puts(out, "}\n");
    mv_pools_view_free(v);
    return out->failed ? MV_ENOMEM : MV_OK;
}
