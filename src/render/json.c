/* The JSON forms of the model: `state` (one step) and `trace` (the whole
 * run), documented in docs/state-format.md and docs/trace-format.md. Both
 * write objects the same way (write_object) so readers handle one shape. */
#include <string.h>

#include "render.h"
#include "../core/layout.h"

#define STATE_VERSION 1
#define TRACE_VERSION 1

static bool
starts_markup(const unsigned char *p, const unsigned char *end)
{
    static const char script[] = "script";
    if (p < end && *p == '!')
        return true;
    if (end - p < 6)
        return false;
    for (int i = 0; i < 6; i++)
        if ((p[i] | 0x20) != (unsigned char)script[i])
            return false;
    return true;
}

void
mv_json_str(mv_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    mv_buf_putc(out, '"');
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                mv_buf_putc(out, '\\');
                mv_buf_putc(out, (char)c);
            } else if (c == '\n') {
                mv_buf_puts(out, "\\n");
            } else if (c == '\t') {
                mv_buf_puts(out, "\\t");
            } else if (c == '\r') {
                mv_buf_puts(out, "\\r");
            } else if (c < 0x20 || c == 0x7f) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                mv_buf_append(out, e, 6);
            } else if (c == '<' && starts_markup(p + 1, end)) {
                /* "<!--" and "<script" change how an HTML script element
                 * ends; "</" is handled at its "/" */
                mv_buf_puts(out, "\\u003c");
            } else if (c == '/' && p > (const unsigned char *)s && p[-1] == '<') {
                mv_buf_puts(out, "\\/");
            } else {
                mv_buf_putc(out, (char)c);
            }
            p++;
            continue;
        }
        /* decode one UTF-8 sequence, accepting encoded surrogates */
        unsigned need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        uint32_t cp = need == 3 ? c & 7 : need == 2 ? c & 15 : c & 31;
        bool ok = need > 0 && c < 0xF5 && (size_t)(end - p) > need;
        for (unsigned k = 1; ok && k <= need; k++) {
            if ((p[k] & 0xC0) != 0x80)
                ok = false;
            else
                cp = (cp << 6) | (p[k] & 0x3F);
        }
        if (ok && ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
                   (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))))
            ok = false;
        if (!ok) {
            mv_buf_puts(out, "\\ufffd");
            p++;
            continue;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2028 || cp == 0x2029) {
            char e[6] = {'\\', 'u', hex[cp >> 12], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                         hex[cp & 15]};
            mv_buf_append(out, e, 6);
        } else {
            mv_buf_append(out, p, need + 1);
        }
        p += need + 1;
    }
    mv_buf_putc(out, '"');
}

static void
str_id(mv_buf *out, const mv_trace *tr, uint32_t id)
{
    size_t n;
    const char *s = mv_trace_str(tr, id, &n);
    mv_json_str(out, s, n);
}

static void
write_value(mv_buf *out, const mv_object *o)
{
    const char *v = o->value ? o->value : "";
    size_t n = o->value_len;
    mv_kind k = (mv_kind)o->kind;
    bool repr = (o->flags & (MV_OF_REPR | MV_OF_CUT)) != 0;
    mv_buf_puts(out, ",\"value\":");
    if (k == MV_K_NONE) {
        mv_buf_puts(out, "null");
    } else if (k == MV_K_BOOL) {
        mv_buf_puts(out, n == 4 && memcmp(v, "True", 4) == 0 ? "true" : "false");
    } else if ((k == MV_K_INT || k == MV_K_FLOAT) && !repr && n) {
        mv_buf_append(out, v, n);
    } else {
        mv_json_str(out, v, n);
    }
    if (repr && k != MV_K_STR)
        mv_buf_puts(out, ",\"repr\":true");
    if (o->flags & MV_OF_CUT)
        mv_buf_printf(out, ",\"length\":%llu", (unsigned long long)o->length);
}

static void
write_object(mv_buf *out, const mv_trace *tr, const mv_object *o)
{
    mv_kind k = (mv_kind)o->kind;
    mv_buf_printf(out, "{\"ref\":%u,\"id\":%llu,\"type\":", o->ref, (unsigned long long)o->addr);
    str_id(out, tr, o->type);
    if (o->flags & MV_OF_IMMORTAL)
        mv_buf_puts(out, ",\"refcount\":null,\"immortal\":true");
    else
        mv_buf_printf(out, ",\"refcount\":%lld", (long long)o->refcount);
    mv_buf_printf(out, ",\"size\":%llu", (unsigned long long)o->size);
    if (mv_kind_is_scalar(k) || k == MV_K_FUNCTION || k == MV_K_MODULE || k == MV_K_CLASS)
        write_value(out, o);
    if (mv_kind_is_seq(k)) {
        mv_buf_puts(out, ",\"items\":[");
        for (uint32_t i = 0; i < o->nitems; i++)
            mv_buf_printf(out, i ? ",%u" : "%u", o->items[i]);
        mv_buf_putc(out, ']');
    } else if (k == MV_K_DICT) {
        mv_buf_puts(out, ",\"entries\":[");
        for (uint32_t i = 0; i + 1 < o->nitems; i += 2)
            mv_buf_printf(out, i ? ",[%u,%u]" : "[%u,%u]", o->items[i], o->items[i + 1]);
        mv_buf_putc(out, ']');
    } else if (mv_kind_has_attrs(k)) {
        mv_buf_puts(out, ",\"attrs\":[");
        for (uint32_t i = 0; i + 1 < o->nitems; i += 2) {
            mv_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
            str_id(out, tr, o->items[i]);
            mv_buf_printf(out, ",\"ref\":%u}", o->items[i + 1]);
        }
        mv_buf_putc(out, ']');
    }
    if (o->hidden)
        mv_buf_printf(out, ",\"hidden\":%llu", (unsigned long long)o->hidden);
    if (o->block.kind == MV_BLOCK_POOL)
        mv_buf_printf(out, ",\"block\":{\"size_class\":%u,\"pool\":\"0x%llx\",\"index\":%u,"
                           "\"arena\":%u}",
                      o->block.size, (unsigned long long)o->block.pool, o->block.index,
                      o->block.arena);
    else if (o->block.kind == MV_BLOCK_MALLOC)
        mv_buf_printf(out, ",\"block\":{\"malloc\":true,\"size\":%u}", o->block.size);
    if (o->flags & MV_OF_UNREACHABLE)
        mv_buf_puts(out, ",\"reachable\":false");
    mv_buf_putc(out, '}');
}

/* ---- memory events and totals (docs/events-format.md) ---- */

static const char *
cause_name(uint8_t c)
{
    return c == MV_FREE_GC ? "gc" : c == MV_FREE_REUSED ? "reused" : "refcount";
}

static void
write_event(mv_buf *out, const mv_trace *tr, const mv_mevent *e)
{
    if (e->kind == MV_MEV_GC) {
        mv_buf_printf(out,
                      "{\"kind\":\"gc\",\"generation\":%u,\"collected\":%llu,"
                      "\"uncollectable\":%llu,\"duration_ms\":%.3f,\"freed\":[",
                      e->generation, (unsigned long long)e->collected,
                      (unsigned long long)e->uncollectable, (double)e->duration_ns / 1e6);
        for (uint32_t i = 0; i < e->nfreed; i++)
            mv_buf_printf(out, i ? ",%u" : "%u", e->freed[i]);
        mv_buf_printf(out, "],\"automatic\":%s}", e->automatic ? "true" : "false");
        return;
    }
    bool alloc = e->kind == MV_MEV_ALLOC;
    mv_buf_printf(out, "{\"kind\":\"%s\"", alloc ? "alloc" : "free");
    if (e->ref)
        mv_buf_printf(out, ",\"ref\":%u", e->ref);
    mv_buf_puts(out, ",\"type\":");
    str_id(out, tr, e->type);
    if (!e->ref) {
        mv_buf_printf(out, ",\"count\":%u,\"bytes\":%llu}", e->count,
                      (unsigned long long)e->bytes);
        return;
    }
    if (alloc) {
        mv_buf_printf(out, ",\"size\":%llu", (unsigned long long)e->size);
        if (e->bytes)
            mv_buf_printf(out, ",\"block\":%llu", (unsigned long long)e->bytes);
        mv_buf_putc(out, '}');
        return;
    }
    mv_buf_printf(out, ",\"cause\":\"%s\"", cause_name(e->cause));
    if (e->cause == MV_FREE_GC)
        mv_buf_printf(out, ",\"generation\":%u", e->generation);
    if (e->cause == MV_FREE_REUSED)
        mv_buf_printf(out, ",\"by\":%u", e->by);
    if (e->cause == MV_FREE_REFCOUNT && e->last != UINT32_MAX) {
        mv_buf_puts(out, ",\"last\":");
        str_id(out, tr, e->last);
    }
    if (e->bytes)
        mv_buf_printf(out, ",\"block\":%llu", (unsigned long long)e->bytes);
    mv_buf_putc(out, '}');
}

static void
write_events(mv_buf *out, const mv_trace *tr, const mv_mevent *evs, uint32_t n, bool nl)
{
    mv_buf_puts(out, "\"events\":[");
    for (uint32_t i = 0; i < n; i++) {
        mv_buf_puts(out, i ? (nl ? ",\n " : ",") : (nl ? "\n " : ""));
        write_event(out, tr, &evs[i]);
    }
    mv_buf_putc(out, ']');
}

static void
write_memory(mv_buf *out, const mv_trace *tr, uint64_t blocks, uint64_t bytes,
             const mv_memtype *mem, uint32_t n)
{
    const char *alloc = mv_trace_allocator(tr);
    mv_buf_puts(out, "\"memory\":{\"allocator\":");
    mv_json_str(out, alloc, strlen(alloc));
    mv_buf_printf(out, ",\"live_blocks\":%llu,\"live_bytes\":%llu,\"by_type\":[",
                  (unsigned long long)blocks, (unsigned long long)bytes);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!mem[i].blocks && !mem[i].bytes)
            continue;
        mv_buf_puts(out, k++ ? ",[" : "[");
        str_id(out, tr, mem[i].type);
        mv_buf_printf(out, ",%llu,%llu]", (unsigned long long)mem[i].blocks,
                      (unsigned long long)mem[i].bytes);
    }
    mv_buf_puts(out, "]}");
}

/* "pools":[[pool, arena index, arena address, size class, used, free, never],
 * ...]: the pools that changed at this step (docs/events-format.md). */
static void
write_pool_mark(mv_buf *out, const mv_pool_mark *m, const mv_pool_change *ch)
{
    mv_buf_puts(out, ",\"pools\":[");
    for (uint32_t i = 0; i < m->n; i++) {
        const mv_pool_change *c = &ch[m->first + i];
        mv_buf_printf(out, "%s[\"0x%llx\",%u,\"0x%llx\",%u,%u,%u,%u]", i ? "," : "",
                      (unsigned long long)c->addr, c->arena, (unsigned long long)c->arena_addr,
                      c->size_class, c->used, c->free, c->never);
    }
    mv_buf_putc(out, ']');
}

static void
write_frame(mv_buf *out, const mv_trace *tr, const mv_frame *f)
{
    mv_buf_puts(out, "{\"function\":");
    str_id(out, tr, f->function);
    mv_buf_puts(out, ",\"file\":");
    str_id(out, tr, f->file);
    mv_buf_printf(out, ",\"line\":%u,\"locals\":[", f->line);
    for (uint32_t i = 0; i < f->nlocals; i++) {
        mv_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        str_id(out, tr, f->locals[i].name);
        mv_buf_printf(out, ",\"ref\":%u}", f->locals[i].ref);
    }
    mv_buf_puts(out, "]}");
}

mv_status
mv_render_state_json(const mv_state *st, mv_buf *out)
{
    const mv_trace *tr = st->trace;
    mv_buf_printf(out, "{\"memview\":\"state\",\"version\":%d,\"python\":", STATE_VERSION);
    const char *py = mv_trace_python(tr);
    mv_json_str(out, py, strlen(py));
    mv_buf_printf(out, ",\"step\":%u,\"steps\":%u,\"event\":\"%s\",\"file\":", st->step,
                  mv_trace_nsteps(tr), mv_event_name(st->event));
    str_id(out, tr, st->file);
    mv_buf_printf(out, ",\"line\":%u,\n\"frames\":[", st->line);
    for (uint32_t i = 0; i < st->nframes; i++) {
        mv_buf_puts(out, i ? ",\n " : "\n ");
        write_frame(out, tr, &st->frames[i]);
    }
    mv_buf_puts(out, "],\n\"objects\":[");
    for (uint32_t i = 0; i < st->nobjects; i++) {
        mv_buf_puts(out, i ? ",\n " : "\n ");
        write_object(out, tr, &st->objects[i]);
    }
    mv_buf_puts(out, "],\n\"stdout\":");
    size_t n;
    const char *text = mv_trace_stdout(tr, &n);
    mv_json_str(out, text, st->stdout_len < n ? st->stdout_len : n);
    if (st->truncated)
        mv_buf_puts(out, ",\"truncated\":true");
    if (st->frames_hidden)
        mv_buf_printf(out, ",\"frames_hidden\":%u", st->frames_hidden);
    mv_buf_puts(out, ",\n");
    write_events(out, tr, st->events, st->nevents, true);
    mv_buf_puts(out, ",\n");
    write_memory(out, tr, st->live_blocks, st->live_bytes, st->mem, st->nmem);
    mv_buf_puts(out, "}\n");
    return out->failed ? MV_ENOMEM : MV_OK;
}

/* index of a file string id in the trace's "files" list */
static uint32_t
file_index(const mv_trace *tr, uint32_t file, uint32_t *extra, uint32_t *nextra)
{
    uint32_t ns = mv_trace_nsources(tr);
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t f;
        mv_trace_source(tr, i, &f, NULL);
        if (f == file)
            return i;
    }
    for (uint32_t i = 0; i < *nextra; i++)
        if (extra[i] == file)
            return ns + i;
    if (*nextra < 64) {
        extra[*nextra] = file;
        return ns + (*nextra)++;
    }
    return UINT32_MAX;
}

mv_status
mv_render_trace_json(const mv_trace *tr, mv_buf *out)
{
    return mv_render_trace_json_ex(tr, false, out);
}

mv_status
mv_render_trace_json_ex(const mv_trace *tr, bool with_layout, mv_buf *out)
{
    mv_trace_iter *it = NULL;
    mv_layout *lay = NULL;
    mv_status st = mv_trace_iter_new(tr, &it);
    if (st != MV_OK)
        return st;
    if (with_layout) {
        mv_layout_opts lo;
        memset(&lo, 0, sizeof lo);
        if ((st = mv_layout_new(&lay, &lo)) != MV_OK) {
            mv_trace_iter_free(it);
            return st;
        }
    }
    uint32_t extra[64], nextra = 0;
    const mv_limits *lim = mv_trace_limits(tr);
    mv_buf_printf(out, "{\"memview\":\"trace\",\"version\":%d,\"python\":", TRACE_VERSION);
    const char *py = mv_trace_python(tr);
    mv_json_str(out, py, strlen(py));
    mv_buf_puts(out, ",\"program\":");
    const char *prog = mv_trace_program(tr);
    mv_json_str(out, prog, strlen(prog));
    const char *allocator = mv_trace_allocator(tr);
    mv_buf_puts(out, ",\"allocator\":");
    mv_json_str(out, allocator, strlen(allocator));
    mv_buf_printf(out,
                  ",\n\"limits\":{\"max_steps\":%llu,\"max_items\":%u,\"max_value\":%u,"
                  "\"max_objects\":%u},\n\"steps\":[",
                  (unsigned long long)lim->max_steps, lim->max_items, lim->max_value,
                  lim->max_objects);
    uint32_t npm, pcut, pm = 0;
    const mv_pool_change *pch;
    const mv_pool_mark *pmarks = mv_trace_pool_marks(tr, &npm, &pch, &pcut);
    mv_delta d;
    while (mv_trace_iter_next(it, &d)) {
        mv_buf_puts(out, d.step ? ",\n{" : "\n{");
        uint32_t fi = file_index(tr, d.file, extra, &nextra);
        mv_buf_printf(out, "\"event\":\"%s\",\"file\":%d,\"line\":%u,\"stdout\":%zu",
                      mv_event_name(d.event), fi == UINT32_MAX ? -1 : (int)fi, d.line,
                      d.stdout_len);
        if (d.frames_changed) {
            mv_buf_puts(out, ",\"frames\":[");
            for (uint32_t i = 0; i < d.nframes; i++) {
                const mv_frame *f = &d.frames[i];
                uint32_t ffi = file_index(tr, f->file, extra, &nextra);
                mv_buf_puts(out, i ? ",{\"function\":" : "{\"function\":");
                str_id(out, tr, f->function);
                mv_buf_printf(out, ",\"file\":%d,\"line\":%u,\"locals\":[",
                              ffi == UINT32_MAX ? -1 : (int)ffi, f->line);
                for (uint32_t k = 0; k < f->nlocals; k++) {
                    mv_buf_puts(out, k ? ",[" : "[");
                    str_id(out, tr, f->locals[k].name);
                    mv_buf_printf(out, ",%u]", f->locals[k].ref);
                }
                mv_buf_puts(out, "]}");
            }
            mv_buf_putc(out, ']');
        }
        if (d.nobjects) {
            mv_buf_puts(out, ",\"objects\":[");
            for (uint32_t i = 0; i < d.nobjects; i++) {
                if (i)
                    mv_buf_putc(out, ',');
                write_object(out, tr, &d.objects[i]);
            }
            mv_buf_putc(out, ']');
        }
        if (d.nrc) {
            mv_buf_puts(out, ",\"refcounts\":[");
            for (uint32_t i = 0; i < d.nrc; i++)
                mv_buf_printf(out, i ? ",[%u,%lld]" : "[%u,%lld]", d.rc_refs[i],
                              (long long)d.rc_vals[i]);
            mv_buf_putc(out, ']');
        }
        if (d.ndrops) {
            mv_buf_puts(out, ",\"drops\":[");
            for (uint32_t i = 0; i < d.ndrops; i++)
                mv_buf_printf(out, i ? ",%u" : "%u", d.drops[i]);
            mv_buf_putc(out, ']');
        }
        if (d.truncated)
            mv_buf_puts(out, ",\"truncated\":true");
        if (d.frames_hidden)
            mv_buf_printf(out, ",\"frames_hidden\":%u", d.frames_hidden);
        if (d.nevents) {
            mv_buf_putc(out, ',');
            write_events(out, tr, d.events, d.nevents, false);
        }
        if (d.memory_changed) {
            mv_buf_putc(out, ',');
            write_memory(out, tr, d.live_blocks, d.live_bytes, d.mem, d.nmem);
        }
        while (pm < npm && pmarks[pm].step < d.step)
            pm++;
        if (pm < npm && pmarks[pm].step == d.step)
            write_pool_mark(out, &pmarks[pm], pch);
        if (pcut == d.step)
            mv_buf_puts(out, ",\"pools_cut\":true");
        if (lay) {
            mv_state s;
            if ((st = mv_trace_iter_state(it, &s)) != MV_OK)
                break;
            st = mv_layout_step(lay, &s);
            mv_state_release(&s);
            if (st != MV_OK)
                break;
            if (d.step == 0 || mv_layout_changed(lay)) {
                mv_buf_putc(out, ',');
                if ((st = mv_render_layout_json(lay, out)) != MV_OK)
                    break;
            }
        }
        mv_buf_putc(out, '}');
        if (out->failed)
            break;
    }
    if (st == MV_OK)
        st = mv_trace_iter_status(it);
    mv_trace_iter_free(it);
    mv_layout_free(lay);
    mv_buf_puts(out, "],\n\"files\":[");
    uint32_t ns = mv_trace_nsources(tr);
    for (uint32_t i = 0; i < ns + nextra; i++) {
        uint32_t f;
        size_t n = 0;
        const char *src = NULL;
        if (i < ns)
            src = mv_trace_source(tr, i, &f, &n);
        else
            f = extra[i - ns];
        mv_buf_puts(out, i ? ",\n{\"path\":" : "\n{\"path\":");
        str_id(out, tr, f);
        mv_buf_puts(out, ",\"source\":");
        if (src)
            mv_json_str(out, src, n);
        else
            mv_buf_puts(out, "null");
        mv_buf_putc(out, '}');
    }
    mv_end e = mv_trace_end(tr);
    mv_buf_printf(out, "],\n\"end\":{\"reason\":\"%s\",\"exit_code\":%d,\"message\":",
                  mv_end_name(e), mv_trace_exit_code(tr));
    const char *msg = mv_trace_end_message(tr);
    mv_json_str(out, msg, strlen(msg));
    uint32_t xs = mv_trace_exception_step(tr);
    if (xs != UINT32_MAX)
        mv_buf_printf(out, ",\"step\":%u", xs);
    mv_buf_puts(out, "},\n\"stdout\":");
    size_t n;
    const char *text = mv_trace_stdout(tr, &n);
    mv_json_str(out, text, n);
    mv_buf_puts(out, "}\n");
    if (out->failed)
        return MV_ENOMEM;
    return st;
}
