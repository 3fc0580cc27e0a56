/*
 * catalog_rec — a table's catalog record: its encoding (st_cat_encode: a version byte, then
 * av_encode of an M describing the table and its indexes), its decoding into a cache entry
 * (st_cat_decode), and the entry's free.  Layer: store (private; below catalog.c, which keeps
 * the cache, the changes and the backfills, and calls it; it calls nothing of catalog.c).
 * The record's layout and versions: store_int.h (STORE_CAT_VERSION, _MULTIKEY).
 * Tests: tests/unit/store/test_catalog.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* A number attribute; *oom set when it cannot be allocated (the record is then not written). */
static av_t st_n(arena_t *a, uint64_t v, bool *oom)
{
    char *p = arena_printf(a, "%" PRIu64, v);
    if (!p)
        *oom = true;
    return av_make_n_canonical(p ? p : "0", p ? strlen(p) : 1);
}

static av_t st_s(const char *p)
{
    return av_make_s(p, strlen(p));
}

static int st_kv(av_kv *kv, size_t *n, const char *name, av_t v)
{
    kv[*n].name = name;
    kv[*n].name_len = strlen(name);
    kv[*n].val = v;
    (*n)++;
    return 0;
}

/* An index key's further attributes (store_keydef.xhash / xrange) as two lists: names, types. */
static int st_kv_parts(arena_t *a, av_kv *kv, size_t *n, const char *nname, const char *tname,
                       char *const *names, const av_type *types, size_t np, bool *oom)
{
    av_t *nl = arena_zalloc(a, sizeof *nl * (np ? np : 1));
    av_t *tl = arena_zalloc(a, sizeof *tl * (np ? np : 1));
    if (!nl || !tl)
        return ERR_NOMEM;
    for (size_t j = 0; j < np; j++) {
        nl[j] = st_s(names[j]);
        tl[j] = st_n(a, (uint64_t)types[j], oom);
    }
    av_t l = {.type = AV_L};
    l.u.list.items = nl;
    l.u.list.n = np;
    st_kv(kv, n, nname, l);
    l.u.list.items = tl;
    st_kv(kv, n, tname, l);
    return 0;
}

/* One index as an M of the catalog record. */
static int st_ix_encode(arena_t *a, const store_index *x, av_t *out, bool *multi, bool *oom)
{
    av_kv *ik = arena_zalloc(a, sizeof *ik * 16);
    av_t *inc = arena_zalloc(a, sizeof *inc * (x->n_include ? x->n_include : 1));
    if (!ik || !inc)
        return ERR_NOMEM;
    size_t m = 0;
    st_kv(ik, &m, "name", st_s(x->name));
    st_kv(ik, &m, "g", av_make_bool(x->global));
    st_kv(ik, &m, "id", st_n(a, x->id, oom));
    st_kv(ik, &m, "h", st_s(x->key.hash));
    st_kv(ik, &m, "ht", st_n(a, (uint64_t)x->key.hash_type, oom));
    st_kv(ik, &m, "r", st_s(x->key.range));
    st_kv(ik, &m, "rt", st_n(a, (uint64_t)x->key.range_type, oom));
    st_kv(ik, &m, "p", st_n(a, (uint64_t)x->proj, oom));
    st_kv(ik, &m, "bf", av_make_bool(x->backfilling));
    if (x->allocating) /* absent = false */
        st_kv(ik, &m, "al", av_make_bool(true));
    for (size_t j = 0; j < x->n_include; j++)
        inc[j] = st_s(x->include[j]);
    av_t l = {.type = AV_L};
    l.u.list.items = inc;
    l.u.list.n = x->n_include;
    st_kv(ik, &m, "inc", l);
    if (store_key_multi(&x->key)) { /* absent = a single-attribute key */
        *multi = true;
        if (st_kv_parts(a, ik, &m, "hx", "hxt", x->key.xhash, x->key.xhash_type, x->key.n_xhash,
                        oom) ||
            st_kv_parts(a, ik, &m, "rx", "rxt", x->key.xrange, x->key.xrange_type,
                        x->key.n_xrange, oom))
            return ERR_NOMEM;
    }
    out->type = AV_M;
    out->u.map.kv = ik;
    out->u.map.n = m;
    return 0;
}

int st_cat_encode(const store_table *t, uint8_t next_iid, buf_t *out)
{
    arena_t a;
    arena_init(&a);
    int rc = ERR_NOMEM;
    bool oom = false;
    av_kv *kv = arena_zalloc(&a, sizeof *kv * 16);
    av_t *ixs = arena_zalloc(&a, sizeof *ixs * (t->n_idx ? t->n_idx : 1));
    bool multi = false;
    if (!kv || !ixs)
        goto done;
    size_t n = 0;
    st_kv(kv, &n, "name", st_s(t->name));
    st_kv(kv, &n, "id", st_n(&a, t->id, &oom));
    st_kv(kv, &n, "h", st_s(t->key.hash));
    st_kv(kv, &n, "ht", st_n(&a, (uint64_t)t->key.hash_type, &oom));
    st_kv(kv, &n, "r", st_s(t->key.range));
    st_kv(kv, &n, "rt", st_n(&a, (uint64_t)t->key.range_type, &oom));
    st_kv(kv, &n, "ttl", st_s(t->ttl_attr));
    st_kv(kv, &n, "ct", st_n(&a, (uint64_t)t->created_ms, &oom));
    st_kv(kv, &n, "niid", st_n(&a, next_iid, &oom));
    if (t->meta)
        st_kv(kv, &n, "meta", av_make_b(t->meta, t->meta_len));
    if (t->stream_id) { /* format 3; absent = never had a stream */
        st_kv(kv, &n, "sv", st_n(&a, t->stream_view, &oom));
        st_kv(kv, &n, "sid", st_n(&a, t->stream_id, &oom));
        st_kv(kv, &n, "sms", st_n(&a, (uint64_t)t->stream_ms, &oom));
    }
    for (size_t i = 0; i < t->n_idx; i++)
        if (st_ix_encode(&a, &t->idx[i], &ixs[i], &multi, &oom))
            goto done;
    av_t l = {.type = AV_L};
    l.u.list.items = ixs;
    l.u.list.n = t->n_idx;
    st_kv(kv, &n, "idx", l);
    if (t->n_dropping) { /* absent = none */
        av_t *dxs = arena_zalloc(&a, sizeof *dxs * t->n_dropping);
        if (!dxs)
            goto done;
        for (size_t i = 0; i < t->n_dropping; i++)
            if (st_ix_encode(&a, &t->dropping[i], &dxs[i], &multi, &oom))
                goto done;
        av_t dl = {.type = AV_L};
        dl.u.list.items = dxs;
        dl.u.list.n = t->n_dropping;
        st_kv(kv, &n, "dx", dl);
    }
    av_t m = {.type = AV_M};
    m.u.map.kv = kv;
    m.u.map.n = n;
    if (oom)
        goto done;
    buf_reset(out);
    rc = buf_putc(out, multi ? STORE_CAT_VERSION_MULTIKEY : STORE_CAT_VERSION);
    if (rc == 0)
        rc = av_encode(&m, out);
done:
    arena_fini(&a);
    return rc;
}

/* The value of an N holding a plain non-negative integer (0 for anything else). */
static uint64_t st_n_of(const av_t *v)
{
    uint64_t x = 0;
    if (!v || v->type != AV_N)
        return 0;
    for (size_t i = 0; i < v->u.str.len; i++) {
        char c = v->u.str.ptr[i];
        if (c < '0' || c > '9')
            break;
        x = x * 10 + (uint64_t)(c - '0');
    }
    return x;
}

static uint64_t st_get_n(const av_t *m, const char *name)
{
    return st_n_of(av_map_gets(m, name));
}

static bool st_get_bool(const av_t *m, const char *name)
{
    const av_t *v = av_map_gets(m, name);
    return v && v->type == AV_BOOL && v->u.b;
}

/* Reads an index key's further attributes (st_kv_parts) into heap names. */
static int st_get_parts(const av_t *xm, const char *nname, const char *tname, char **names,
                        av_type *types, uint8_t *out_n)
{
    const av_t *nl = av_map_gets(xm, nname), *tl = av_map_gets(xm, tname);
    *out_n = 0;
    if (!nl)
        return 0;
    if (nl->type != AV_L || !tl || tl->type != AV_L || tl->u.list.n != nl->u.list.n ||
        nl->u.list.n > STORE_KEY_PARTS - 1)
        return ERR_IO;
    for (size_t j = 0; j < nl->u.list.n; j++) {
        const av_t *sv = &nl->u.list.items[j], *tv = &tl->u.list.items[j];
        if (sv->type != AV_S || sv->u.str.len == 0 || sv->u.str.len >= STORE_NAME_MAX ||
            tv->type != AV_N)
            return ERR_IO;
        names[j] = strndup(sv->u.str.ptr, sv->u.str.len);
        if (!names[j])
            return ERR_NOMEM;
        *out_n = (uint8_t)(j + 1);
        types[j] = (av_type)st_n_of(tv);
    }
    return 0;
}

/* Frees what st_ix_decode allocated for one index. */
static void st_ix_free(store_index *x)
{
    for (size_t j = 0; j < x->n_include; j++)
        free(x->include[j]);
    free(x->include);
    for (size_t j = 0; j < x->key.n_xhash; j++)
        free(x->key.xhash[j]);
    for (size_t j = 0; j < x->key.n_xrange; j++)
        free(x->key.xrange[j]);
}

/* One index from its M of the catalog record (heap strings: st_ix_free).  0, ERR_NOMEM or
 * ERR_IO (corrupt); what was allocated before a failure is recorded in x for st_ix_free. */
static int st_ix_decode(const av_t *xm, store_index *x)
{
    st_get_name(xm, "name", x->name);
    x->global = st_get_bool(xm, "g");
    x->id = (uint8_t)st_get_n(xm, "id");
    st_get_name(xm, "h", x->key.hash);
    x->key.hash_type = (av_type)st_get_n(xm, "ht");
    st_get_name(xm, "r", x->key.range);
    x->key.range_type = (av_type)st_get_n(xm, "rt");
    x->proj = (store_proj)st_get_n(xm, "p");
    x->backfilling = st_get_bool(xm, "bf");
    x->allocating = x->backfilling && st_get_bool(xm, "al");
    int rc = st_get_parts(xm, "hx", "hxt", x->key.xhash, x->key.xhash_type, &x->key.n_xhash);
    if (rc == 0)
        rc = st_get_parts(xm, "rx", "rxt", x->key.xrange, x->key.xrange_type, &x->key.n_xrange);
    if (rc)
        return rc;
    const av_t *inc = av_map_gets(xm, "inc");
    if (inc && inc->type == AV_L && inc->u.list.n) {
        x->include = calloc(inc->u.list.n, sizeof *x->include);
        if (!x->include)
            return ERR_NOMEM;
        for (size_t j = 0; j < inc->u.list.n; j++) {
            const av_t *sv = &inc->u.list.items[j];
            x->include[j] = strndup(sv->u.str.ptr, sv->u.str.len);
            if (!x->include[j])
                return ERR_NOMEM;
            x->n_include = j + 1;
        }
    }
    return 0;
}

void st_ent_free(store_t *s, cat_ent *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->t.n_idx; i++)
        st_ix_free(&c->t.idx[i]);
    for (size_t i = 0; i < c->t.n_dropping; i++)
        st_ix_free(&c->t.dropping[i]);
    free(c->t.dropping);
    free(c->t.meta);
    free(c->raw);
    store_memo *m = atomic_load(&c->memo);
    if (m)
        m->free(m);
    if (c->counted)
        atomic_fetch_sub(&s->live_ents, 1);
    free(c);
}

/* Parses a catalog record into a new heap entry holding one reference. */
int st_cat_decode(store_t *s, const void *p, size_t len, cat_ent **out, err_t *e)
{
    *out = NULL;
    const unsigned char *b = p;
    if (len < 2 || (b[0] != STORE_CAT_VERSION && b[0] != STORE_CAT_VERSION_MULTIKEY))
        return err_set(e, ERR_IO, "unsupported catalog record version %u", len ? b[0] : 0);
    arena_t a;
    arena_init(&a);
    int rc = 0;
    cat_ent *c = calloc(1, sizeof *c);
    av_t m;
    if (!c) {
        arena_fini(&a);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    atomic_init(&c->refs, 1);
    atomic_init(&c->memo, NULL);
    atomic_init(&c->mark, 0);
    c->t.self = &c->t;
    c->raw = malloc(len);
    if (!c->raw) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(c->raw, p, len);
    c->raw_len = len;
    rc = av_decode(c->raw + 1, len - 1, &a, &m);
    if (rc == ERR_NOMEM) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (rc || m.type != AV_M) {
        rc = err_set(e, ERR_IO, "corrupt catalog record");
        goto fail;
    }
    store_table *t = &c->t;
    st_get_name(&m, "name", t->name);
    t->id = (uint32_t)st_get_n(&m, "id");
    st_get_name(&m, "h", t->key.hash);
    t->key.hash_type = (av_type)st_get_n(&m, "ht");
    st_get_name(&m, "r", t->key.range);
    t->key.range_type = (av_type)st_get_n(&m, "rt");
    st_get_name(&m, "ttl", t->ttl_attr);
    t->created_ms = (int64_t)st_get_n(&m, "ct");
    c->next_iid = (uint8_t)st_get_n(&m, "niid");
    t->stream_view = (uint8_t)st_get_n(&m, "sv");
    t->stream_id = (uint32_t)st_get_n(&m, "sid");
    t->stream_ms = (int64_t)st_get_n(&m, "sms");
    const av_t *meta = av_map_gets(&m, "meta");
    if (meta && meta->type == AV_B) {
        t->meta = malloc(meta->u.str.len + 1);
        if (!t->meta) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto fail;
        }
        memcpy(t->meta, meta->u.str.ptr, meta->u.str.len);
        t->meta[meta->u.str.len] = 0;
        t->meta_len = meta->u.str.len;
    }
    const av_t *ixs = av_map_gets(&m, "idx");
    for (size_t i = 0; ixs && ixs->type == AV_L && i < ixs->u.list.n && i < STORE_MAX_INDEXES;
         i++) {
        int xrc = st_ix_decode(&ixs->u.list.items[i], &t->idx[t->n_idx++]);
        if (xrc) {
            rc = xrc == ERR_NOMEM ? err_set(e, ERR_NOMEM, "out of memory")
                                  : err_set(e, ERR_IO, "corrupt catalog record");
            goto fail;
        }
    }
    const av_t *dxs = av_map_gets(&m, "dx");
    if (dxs && dxs->type == AV_L && dxs->u.list.n) {
        size_t nd = dxs->u.list.n < STORE_MAX_GSI ? dxs->u.list.n : STORE_MAX_GSI;
        t->dropping = calloc(nd, sizeof *t->dropping);
        if (!t->dropping) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < nd; i++) {
            int xrc = st_ix_decode(&dxs->u.list.items[i], &t->dropping[t->n_dropping++]);
            if (xrc) {
                rc = xrc == ERR_NOMEM ? err_set(e, ERR_NOMEM, "out of memory")
                                      : err_set(e, ERR_IO, "corrupt catalog record");
                goto fail;
            }
        }
    }
    arena_fini(&a);
    *out = c;
    return 0;
fail:
    arena_fini(&a);
    st_ent_free(s, c);
    return rc;
}
