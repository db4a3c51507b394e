/* Open-addressing u64 -> u64 hash map with linear probing and backward-shift
 * deletion; contract in mv.h. */
#include <string.h>

#include "mv.h"

#define slot_of mv_map_slot_

void
mv_map_init(mv_map *m)
{
    memset(m, 0, sizeof *m);
}

void
mv_map_release(mv_map *m)
{
    mv_free(m->keys);
    mv_free(m->vals);
    memset(m, 0, sizeof *m);
}

void
mv_map_clear(mv_map *m)
{
    if (m->keys)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->count = 0;
}

static void
raw_put(uint64_t *keys, uint64_t *vals, size_t cap, uint64_t key, uint64_t val)
{
    size_t i = slot_of(key, cap);
    while (keys[i] && keys[i] != key)
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    vals[i] = val;
}

mv_status
mv_map_put(mv_map *m, uint64_t key, uint64_t val)
{
    if (m->cap && (m->count + 1) * 4 <= m->cap * 3) {
        /* room for one more: one probe finds the key or where it goes */
        size_t i = slot_of(key, m->cap);
        while (m->keys[i] && m->keys[i] != key)
            i = (i + 1) & (m->cap - 1);
        if (!m->keys[i]) {
            m->keys[i] = key;
            m->count++;
        }
        m->vals[i] = val;
        return MV_OK;
    }
    uint64_t *v = mv_map_get(m, key);
    if (v) {
        *v = val;
        return MV_OK;
    }
    {
        size_t cap = m->cap ? m->cap * 2 : 64;
        uint64_t *keys = mv_calloc(cap, sizeof *keys);
        uint64_t *vals = mv_malloc(cap * sizeof *vals);
        if (!keys || !vals) {
            mv_free(keys);
            mv_free(vals);
            return MV_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                raw_put(keys, vals, cap, m->keys[i], m->vals[i]);
        mv_free(m->keys);
        mv_free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    raw_put(m->keys, m->vals, m->cap, key, val);
    m->count++;
    return MV_OK;
}

bool
mv_map_del(mv_map *m, uint64_t key)
{
    if (!m->cap)
        return false;
    size_t mask = m->cap - 1, i = slot_of(key, m->cap);
    while (m->keys[i] != key) {
        if (!m->keys[i])
            return false;
        i = (i + 1) & mask;
    }
    /* backward-shift: pull later entries of the cluster into the hole */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->keys[j])
            break;
        size_t home = slot_of(m->keys[j], m->cap);
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->count--;
    return true;
}
