/*
 * commit — writes: the group committer, validation, index maintenance.  Layer: store.
 *
 * Group commit, leader/follower (no committer thread): a caller queues its batch; if no
 * round is running it becomes the leader at once and commits in its own thread (a lone writer
 * pays no thread hop), else it sleeps (a futex, st_wq_post).  The leader takes everything
 * queued, opens one LMDB write txn, runs each caller's batch (each write alone for _each, all
 * together for _atomic), takes in and runs whoever queued meanwhile until the queue is empty,
 * and commits once.  As soon as LMDB's write lock is free it promotes the head of the queue
 * (everything queued during the commit) to lead the next round.
 * Durability, one fsync per round under load (issue 13.3): the env is MDB_NOMETASYNC, so a
 * commit that changed anything syncs the data file before writing its meta page, and that
 * sync also puts every earlier meta page on disk.  A round followed by another is therefore
 * durable once the next round has committed; only a round with no (changing) successor syncs
 * its meta page itself (mdb_env_sync, outside LMDB's write lock).  Callers are answered only
 * after the sync that covers their round (st_lead).  Batches grow with load, without any
 * sleep.  On MDB_MAP_FULL the whole round is aborted, the map grown, and the round
 * run again (apply callbacks are pure functions of the old item, so re-running is safe).
 *
 * Each write of an _each caller runs straight in the round's txn (st_each_direct: its reads
 * and checks, then its writes), in a nested txn of its own only on a table with an LSI; an
 * _atomic caller's writes run without one when they cannot see one another
 * (st_atomic_direct: all reads and checks first, then all writes), else together in one
 * nested txn.
 * Per write: copy the old item into the caller's arena, call apply, validate the new item
 * against the schema (DynamoDB's texts, store_text.h), replace the base record, remove the
 * old index entries and add the new ones (sparse: an item without an index's key attributes
 * is not in it), and adjust the per-table and per-index counters and, for a table with an LSI,
 * the size of the item's collection (coll.c: the 10 GB limit), all in the same txn.
 * The table descriptor used is the committer's current one for the write's table id, so a
 * GSI added by another process is maintained as soon as its catalog record is committed.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/defer.h"
#include "base/log.h"
#include "store/store_int.h"
#include "store/store_text.h"

/* ---- validation ------------------------------------------------------------------- */

/* A key attribute of item: 0 with its value in *out, or the validation error. */
static int st_check_key_attr(const av_t *item, const char *name, av_type want,
                             const av_t **out, err_t *e)
{
    const av_t *v = *out = av_map_gets(item, name);
    if (!v)
        return err_set(e, ERR_VALIDATION, STXT_KEY_MISSING);
    if (v->type != want)
        return err_set(e, ERR_VALIDATION, STXT_KEY_TYPE);
    if ((v->type == AV_S || v->type == AV_B) && v->u.str.len == 0)
        return err_set(e, ERR_VALIDATION, v->type == AV_S ? STXT_KEY_EMPTY_S : STXT_KEY_EMPTY_B,
                       name);
    return 0;
}

/* The checks of a new item; 0 with its size (av_item_size) in *out_size.  size: that size
 * when apply measured it, else UINT64_MAX.  kh, kr: the write's key's hash and range values
 * (st_write_read looked them up; kr NULL without a range key). */
static int st_check_new(const store_table *t, const store_write *w, const av_t *kh,
                        const av_t *kr, const av_t *nw, uint64_t size, uint64_t *out_size,
                        err_t *e)
{
    if (nw->type != AV_M)
        return err_set(e, ERR_INTERNAL, "apply returned a non-map item");
    const av_t *nh = NULL, *nr = NULL;
    int rc = st_check_key_attr(nw, t->key.hash, t->key.hash_type, &nh, e);
    if (rc == 0 && t->key.range[0])
        rc = st_check_key_attr(nw, t->key.range, t->key.range_type, &nr, e);
    if (rc)
        return rc;
    /* the item's key must be the write's key */
    if (!kh || !av_equal(kh, nh))
        return err_set(e, ERR_VALIDATION, STXT_KEY_CHANGED, t->key.hash);
    if (t->key.range[0] && (!kr || !av_equal(kr, nr)))
        return err_set(e, ERR_VALIDATION, STXT_KEY_CHANGED, t->key.range);
    /* a restore keeps an index key violation (an item written before the index existed):
     * st_key_index leaves it out of the index (test_review13
     * test_f1_restore_keeps_items_that_violate_a_gsi_key) */
    for (size_t i = 0; !w->restore && i < t->n_idx; i++) {
        const store_index *x = &t->idx[i];
        const char *names[STORE_KEY_ATTRS];
        av_type types[STORE_KEY_ATTRS];
        size_t nk = store_key_attrs(&x->key, names, types, NULL);
        for (size_t part = 0; part < nk; part++) {
            const char *an = names[part];
            av_type at = types[part];
            const av_t *v = av_map_gets(nw, an);
            if (!v)
                continue;
            if (v->type != at)
                return err_set(e, ERR_VALIDATION, STXT_IDX_TYPE);
            if ((v->type == AV_S || v->type == AV_B) && v->u.str.len == 0) {
                if (w->is_update)
                    return err_set(e, ERR_VALIDATION,
                                   v->type == AV_S ? STXT_IDX_EMPTY_S_UPDATE
                                                   : STXT_IDX_EMPTY_B_UPDATE);
                return err_set(e, ERR_VALIDATION,
                               v->type == AV_S ? STXT_IDX_EMPTY_S : STXT_IDX_EMPTY_B, x->name, an);
            }
        }
    }
    if (size == UINT64_MAX)
        size = av_item_size(nw);
    if (size > AV_MAX_ITEM_SIZE)
        return err_set(e, ERR_VALIDATION,
                       w->is_update ? STXT_ITEM_TOO_BIG_UPDATE : STXT_ITEM_TOO_BIG);
    *out_size = size;
    return 0;
}

/* ---- before the round ---------------------------------------------------------------- */

/* What the round would work out from the request alone, worked out by the submitting thread
 * before its writes are queued: a round runs in LMDB's write lock, whose time caps the durable
 * write rate (issue 13; BENCHMARKS.md, "Session 25: perf25").  Per write: the key's checks,
 * its base key and partition version slot, and for a write naming its item
 * (store_write.item) the item's encoding and the new item's checks, all with the descriptor
 * w->table.  The round uses them only when the descriptor it pins is that one (w->pre.t) and
 * apply returns that very item; a check that failed here the round runs itself, so errors and
 * their order are the round's.  The bytes go in b (the wreq's, freed once the caller is
 * answered).  0, or ERR_NOMEM (the submit fails: nothing queued). */
static int st_prep(store_t *s, store_write *w, size_t n, buf_t *b)
{
    err_t e; /* a check's text, not kept: the round's own check words the error */
    buf_t kb;
    buf_init(&kb, 0);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        memset(&w[i].pre, 0, sizeof w[i].pre);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        store_write *x = &w[i];
        const store_table *t = x->table;
        if (!t || !x->key || x->key->type != AV_M)
            continue;
        const av_t *kh = NULL, *kr = NULL;
        err_clear(&e); /* err_set keeps a first error: each check starts clear */
        if (st_check_key_attr(x->key, t->key.hash, t->key.hash_type, &kh, &e) ||
            (t->key.range[0] &&
             st_check_key_attr(x->key, t->key.range, t->key.range_type, &kr, &e)))
            continue;
        size_t hash_end = 0;
        buf_reset(&kb);
        if ((rc = st_key_base_of_n(s, t, kh, kr, &kb, &hash_end)) == 0)
            rc = buf_append(b, kb.data, kb.len);
        if (rc) {
            rc = rc == ERR_NOMEM ? rc : 0; /* else the round's own check fails it */
            continue;
        }
        x->pre.t = t;
        x->pre.kh = kh;
        x->pre.kr = kr;
        x->pre.key_at = b->len - kb.len;
        x->pre.key_len = kb.len;
        x->pre.pslot = st_pv_slot(s, kb.data, hash_end);
        if (!x->item)
            continue;
        size_t at = b->len;
        if ((rc = av_encode(x->item, b))) {
            rc = rc == ERR_NOMEM ? rc : 0; /* not encodable: the round's error */
            continue;
        }
        x->pre.encoded = true;
        x->pre.enc_at = at;
        x->pre.enc_len = b->len - at;
        x->pre.checked = st_check_new(t, x, kh, kr, x->item, UINT64_MAX, &x->pre.size, &e) == 0;
    }
    for (size_t i = 0; i < n; i++)
        w[i].pre.bytes = b->data; /* final: b grows no more */
    buf_fini(&kb);
    return rc;
}

/* ---- counter deltas ---------------------------------------------------------------- */

/* Counter changes are collected per write and folded into the round once the write's nested
 * txn commits; the round writes each touched counter once, just before its own commit. */
typedef struct st_delta {
    uint32_t tid;
    uint8_t iid;
    int64_t dc, db;
} st_delta;

typedef struct st_deltas {
    st_delta *v;
    size_t n, cap;
} st_deltas;

static int st_delta_add(st_deltas *d, uint32_t tid, uint8_t iid, int64_t dc, int64_t db)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].tid == tid && d->v[i].iid == iid) {
            d->v[i].dc += dc;
            d->v[i].db += db;
            return 0;
        }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 8;
        st_delta *g = realloc(d->v, nc * sizeof *g);
        if (!g)
            return ERR_NOMEM;
        d->v = g;
        d->cap = nc;
    }
    d->v[d->n++] = (st_delta){tid, iid, dc, db};
    return 0;
}

static int st_delta_merge(st_deltas *into, const st_deltas *from)
{
    for (size_t i = 0; i < from->n; i++) {
        int rc = st_delta_add(into, from->v[i].tid, from->v[i].iid, from->v[i].dc, from->v[i].db);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- one write -------------------------------------------------------------------- */

/* --gsi-lag: notes an index entry about to be removed with its current value; *noted and,
 * in keep, its key (for the entry the write then puts back under the same key).  0, an MDB
 * error or ERR_NOMEM. */
static int st_lag_old(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, MDB_val *ik,
                      buf_t *keep, bool *noted)
{
    MDB_val cv;
    int g = mdb_get(txn, s->db_data, ik, &cv);
    if (g == MDB_NOTFOUND)
        return 0;
    if (g)
        return g;
    int rc = st_lag_note(s, tid, iid, ik->mv_data, ik->mv_size, cv.mv_data, cv.mv_size);
    if (rc == 0) {
        buf_reset(keep);
        rc = buf_append(keep, ik->mv_data, ik->mv_size);
    }
    if (rc == 0)
        *noted = true;
    return rc;
}

/* A write runs in two halves: st_write_read reads (the table, the key, the stored item, apply,
 * the checks of the new item) and writes nothing; st_write_store writes (the point-in-time
 * record, the index entries, the item collection's size, the base record, the stream record,
 * the counters).  st_apply_one runs both back to back.  An atomic caller whose writes cannot
 * see each other (st_atomic_direct) runs every read half first and then the write halves
 * straight into the round's txn, without a nested txn. */
typedef struct st_wst {
    const cat_ent *ce; /* the table as the committer knows it, pinned (st_wst_fini) */
    MDB_val k;         /* the base record's key (w->arena: no malloc and free a write) */
    av_t old;          /* the stored item (w->arena), when has_old */
    MDB_val raw;       /* its stored bytes (an arena copy, for the point-in-time record) */
    const av_t *nw;    /* what apply returned */
    const av_t *kh;    /* the write's key's hash attribute (w->key's) */
    uint64_t coll0;    /* the item collection's size before this write (coll) */
    size_t pslot;      /* its partition's version slot (st_pv_slot) */
    bool has_old, coll;
    bool store;        /* the write half has work: read half succeeded, nw is not STORE_KEEP
                          and not the delete of an absent item */
    store_write *w;    /* the write */
    size_t refused;    /* its arena's refusals when its read half began (arena_refused:
                          exact for a write whose halves run back to back, not an atomic
                          caller's, whose read halves all run first) */
} st_wst;

static void st_wst_fini(store_t *s, st_wst *ws)
{
    if (ws->ce)
        store_table_unpin(s, &ws->ce->t);
    ws->ce = NULL;
    if (ws->w)
        ws->w->arena_refused = ws->w->arena->refused != ws->refused;
}

/* A half's end: a failure that is not the round's (an MDB error) is this write's. */
static int st_write_end(store_write *w, int rc)
{
    if (rc && !st_is_mdb_err(rc) && !w->rc) {
        w->rc = rc;
        err_set(&w->err, rc, "write failed");
    }
    return rc;
}

/* The read half: 0 (ws->store says whether the write half has work), a negative ERR_* (this
 * write failed: w->rc/w->err set), or an MDB error (the round must be aborted).  ws is set
 * up here and released by st_wst_fini, whatever the result. */
static int st_write_read(store_t *s, MDB_txn *txn, store_write *w, st_wst *ws)
{
    int rc;
    memset(ws, 0, sizeof *ws);
    ws->w = w;
    ws->refused = w->arena->refused;
    ws->old.type = AV_NONE;
    w->old.type = AV_NONE;
    w->new_item = NULL;
    w->rc = 0;
    w->old_size = w->new_size = 0;
    w->coll = false;
    w->coll_bytes = 0;
    err_clear(&w->err);

    const cat_ent *ce = ws->ce = w->table ? st_cat_pin_id(s, w->table->id) : NULL;
    if (!ce) {
        rc = err_set(&w->err, ERR_RESOURCE_NOT_FOUND, STXT_TABLE_NOT_FOUND);
        goto fail;
    }
    const store_table *t = &ce->t;
    ws->coll = st_coll_on(t);
    if (!w->key || w->key->type != AV_M) {
        rc = err_set(&w->err, ERR_VALIDATION, STXT_KEY_MISSING);
        goto fail;
    }
    /* the key's attributes, looked up once for the checks here, the base key, the new
     * item's checks and the item collection */
    const av_t *kr = NULL;
    const bool pre = w->pre.t == t; /* worked out before the round with this descriptor */
    if (pre) {
        ws->kh = w->pre.kh;
        kr = w->pre.kr;
        ws->k.mv_data = (void *)(w->pre.bytes + w->pre.key_at); /* LMDB only reads it */
        ws->k.mv_size = w->pre.key_len;
        ws->pslot = w->pre.pslot;
    } else {
        rc = st_check_key_attr(w->key, t->key.hash, t->key.hash_type, &ws->kh, &w->err);
        if (rc == 0 && t->key.range[0])
            rc = st_check_key_attr(w->key, t->key.range, t->key.range_type, &kr, &w->err);
        if (rc)
            goto fail;
        /* built in the round's scratch buffer (the write halves' index keys use it later, one
         * write at a time), kept in the write's arena until the write half */
        buf_reset(&s->wb_ikey);
        size_t hash_end = 0;
        rc = st_key_base_of_n(s, t, ws->kh, kr, &s->wb_ikey, &hash_end);
        if (rc == 0)
            ws->pslot = st_pv_slot(s, s->wb_ikey.data, hash_end);
        if (rc == 0 &&
            !(ws->k.mv_data = arena_memdup(w->arena, s->wb_ikey.data, s->wb_ikey.len)))
            rc = ERR_NOMEM;
        if (rc) {
            rc = err_set(&w->err, rc, rc == ERR_NOMEM ? "out of memory" : STXT_KEY_MISSING);
            goto fail;
        }
        ws->k.mv_size = s->wb_ikey.len;
    }
    MDB_val k = ws->k, v;
    int g = mdb_get(txn, s->db_data, &k, &v);
    if (g == 0) {
        if (w->peek && (rc = w->peek(w->ctx, v.mv_data, v.mv_size, &w->err))) {
            if (!w->err.code)
                err_set(&w->err, rc, "write failed");
            goto fail;
        }
        rc = w->in_place ? st_decode_here(w->arena, &v, &ws->old, &w->err)
                         : st_decode_kept(w->arena, &v, &ws->old, &ws->raw, &w->err);
        if (rc)
            goto fail;
        ws->has_old = true;
        w->old_size = av_item_size(&ws->old);
        if (w->want_old && !w->in_place)
            w->old = ws->old;
    } else if (g != MDB_NOTFOUND) {
        return st_write_end(w, g);
    }
    const av_t *nw = NULL;
    uint64_t nsize = UINT64_MAX;
    rc = w->apply(w->ctx, ws->has_old ? &ws->old : NULL, w->arena, &nw, &nsize, &w->err);
    w->new_item = ws->nw = nw;
    if (rc == 0 && w->in_place && nw != STORE_KEEP)
        rc = err_set(&w->err, ERR_INTERNAL, "an in-place write changed its item");
    if (rc) {
        if (!w->err.code)
            err_set(&w->err, rc, "write failed");
        goto fail;
    }
    if (nw == STORE_KEEP)
        return 0;
    if (ws->coll) {
        if ((rc = st_coll_size(s, txn, t, ws->kh, &ws->coll0)))
            return st_write_end(w, rc);
    }
    if (nw == NULL && !ws->has_old) { /* nothing to delete: the collection as it is */
        w->coll = ws->coll;
        w->coll_bytes = ws->coll0;
        return 0;
    }
    if (nw && pre && w->pre.checked && nw == w->item &&
        (nsize == UINT64_MAX || nsize == w->pre.size)) {
        w->new_size = w->pre.size; /* checked before the round (st_prep) */
    } else if (nw) {
        rc = st_check_new(t, w, ws->kh, kr, nw, nsize, &w->new_size, &w->err);
        if (rc)
            goto fail;
    }
    ws->store = true;
    return 0;
fail:
    w->rc = rc;
    return st_write_end(w, rc);
}

#define ST_WBUF_KEEP (64u * 1024) /* a write half's buffer above this is released after it */

static void st_wbuf_done(buf_t *b)
{
    if (b->cap > ST_WBUF_KEEP) {
        buf_fini(b);
        buf_init(b, 0);
    }
}

/* A write half's failure to build what it stores (an encoding, a projection, an index key or
 * a size delta): recorded as the write's own (w->err, w->rc).  Returns rc. */
static int st_store_fail(store_write *w, int rc)
{
    rc = err_set(&w->err, rc, "cannot encode item");
    w->rc = rc;
    return rc;
}

/* st_write_store: the entry of the old item old (key k) taken from index x (its key built in
 * s->wb_ikey), its projection's size taken off the index's count (cnt) and, for a local
 * index, added to *lsi_old.  lag: the index lags (--gsi-lag), and the entry's old value is
 * noted with its key in lb (*noted).  0, a write's own error (st_store_fail), or an MDB
 * error. */
static int st_index_del(store_t *s, MDB_txn *txn, store_write *w, const store_table *t,
                        const store_index *x, const av_t *old, const MDB_val *k, bool lag,
                        buf_t *lb, bool *noted, st_deltas *cnt, int64_t *lsi_old)
{
    buf_t *ib = &s->wb_ikey;
    bool present;
    buf_reset(ib);
    int rc = st_key_index_of(s, t, x, old, k, ib, &present);
    if (rc)
        return st_store_fail(w, rc);
    bool legacy = false; /* an older build's entry of a key-violating item */
    if (!present) {
        buf_reset(ib);
        rc = st_key_index_stored(s, t, x, old, ib, &legacy);
        if (rc)
            return st_store_fail(w, rc);
    }
    if (!present && !legacy)
        return 0;
    MDB_val ik = {ib->len, ib->data};
    if (present && lag && (rc = st_lag_old(s, txn, t->id, x->id, &ik, lb, noted)))
        return rc;
    int gg = mdb_del(txn, s->db_data, &ik, NULL);
    if (gg == MDB_NOTFOUND)
        return 0;
    if (gg)
        return gg;
    /* the stored entry is the projection of the old item */
    int64_t psize = (int64_t)w->old_size;
    if (x->proj != STORE_PROJ_ALL) {
        av_t po;
        rc = st_project(t, x, old, w->arena, &po);
        if (rc)
            return st_store_fail(w, rc);
        psize = (int64_t)av_item_size(&po);
    }
    rc = st_delta_add(cnt, t->id, x->id, -1, -psize);
    if (rc)
        return st_store_fail(w, rc);
    if (!x->global)
        *lsi_old += psize;
    return 0;
}

/* st_write_store's entry of the new item nw (key k) in index x (its key built in s->wb_ikey; a
 * projection's encoding in s->wb_ival, an index projecting ALL stores the item's encoding
 * enc), its size added to the index's count (cnt) and, for a local index, to *lsi_new.  lag:
 * the index lags, and a new key is noted (one the old entry's, lb when noted, kept its note).
 * 0, a write's own error (st_store_fail), or an MDB error. */
static int st_index_put(store_t *s, MDB_txn *txn, store_write *w, const store_table *t,
                        const store_index *x, const av_t *nw, const MDB_val *k, MDB_val enc,
                        bool lag, bool noted, const buf_t *lb, st_deltas *cnt,
                        int64_t *lsi_new)
{
    buf_t *ib = &s->wb_ikey, *vb = &s->wb_ival;
    bool present;
    buf_reset(ib);
    int rc = st_key_index_of(s, t, x, nw, k, ib, &present);
    if (rc)
        return st_store_fail(w, rc);
    if (!present)
        return 0;
    const void *pd = enc.mv_data; /* ALL: the item's own encoding */
    size_t pl = enc.mv_size;
    int64_t psize = (int64_t)w->new_size;
    if (x->proj != STORE_PROJ_ALL) {
        av_t pn;
        rc = st_project(t, x, nw, w->arena, &pn);
        buf_reset(vb);
        if (rc == 0)
            rc = av_encode(&pn, vb);
        if (rc)
            return st_store_fail(w, rc);
        pd = vb->data;
        pl = vb->len;
        psize = (int64_t)av_item_size(&pn);
    }
    MDB_val ik = {ib->len, ib->data}, iv = {pl, (void *)pd};
    /* a new key (the old entry's key was noted with its value above) */
    bool same = noted && lb->len == ib->len && memcmp(lb->data, ib->data, ib->len) == 0;
    if (lag && !same && (rc = st_lag_note(s, t->id, x->id, ib->data, ib->len, NULL, 0)))
        return st_store_fail(w, rc);
    rc = mdb_put(txn, s->db_data, &ik, &iv, 0);
    if (rc)
        return rc;
    rc = st_delta_add(cnt, t->id, x->id, 1, psize);
    if (rc)
        return st_store_fail(w, rc);
    if (!x->global)
        *lsi_new += psize;
    return 0;
}

/* The write half of a write whose read half left ws->store set.  Same results as
 * st_write_read.  The new item is encoded once: the base record and every index projecting
 * ALL store those bytes, and such an entry's size is the item's (w->old_size, w->new_size).
 * The steps: the partition's version marked, the new item's encoding, the point-in-time
 * record, the index entries (st_index_del, st_index_put), the item collection's size, the
 * base record, the stream record, the table's counts. */
static int st_write_store(store_t *s, MDB_txn *txn, store_write *w, st_wst *ws,
                          st_deltas *cnt, uint64_t *sseq, bool *changed)
{
    int rc;
    buf_t lb;
    buf_init(&lb, 0);
    buf_t *nb = &s->wb_item, *ib = &s->wb_ikey, *vb = &s->wb_ival;
    buf_reset(nb);
    const store_table *t = &ws->ce->t;
    const av_t *nw = ws->nw, *old = ws->has_old ? &ws->old : NULL;
    MDB_val k = ws->k;
    /* the partition's version: busy from before the commit until the round settles */
    if ((rc = st_pv_mark(s, ws->pslot))) {
        rc = err_set(&w->err, rc, "out of memory");
        goto fail;
    }
    /* the new item's encoding: the submit's (st_prep) when apply returned its item */
    const void *nd = NULL;
    size_t nl = 0;
    if (nw && nw == w->item && w->pre.encoded) {
        nd = w->pre.bytes + w->pre.enc_at;
        nl = w->pre.enc_len;
    } else if (nw) {
        if ((rc = av_encode(nw, nb)))
            goto mdbfail;
        nd = nb->data;
        nl = nb->len;
    }
    /* point-in-time recovery: the item's state before this change, in the same txn (pitr.h) */
    rc = st_pitr_put(s, txn, t->id, &k, old ? &ws->raw : NULL);
    if (rc)
        goto out;

    /* index entries: remove the old ones, add the new ones (LSI entries' sizes: the item
     * collection's, coll.c) */
    int64_t lsi_old = 0, lsi_new = 0;
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *x = &t->idx[i];
        bool lag = s->opts.gsi_lag_ms > 0 && x->global, noted = false;
        if (old && (rc = st_index_del(s, txn, w, t, x, old, &k, lag, &lb, &noted, cnt,
                                      &lsi_old)))
            goto out;
        if (nw && (rc = st_index_put(s, txn, w, t, x, nw, &k, (MDB_val){nl, (void *)nd}, lag,
                                     noted, &lb, cnt, &lsi_new)))
            goto out;
    }
    /* the item collection's size (tables with an LSI), before anything the failure of its
     * limit could not take back (the stream record's sequence number) */
    if (ws->coll) {
        int64_t d = ((int64_t)w->new_size + lsi_new) - ((int64_t)w->old_size + lsi_old);
        rc = st_coll_add(s, txn, t, ws->kh, ws->coll0, d, &w->coll_bytes);
        if (rc == ERR_ITEM_COLLECTION_SIZE_LIMIT) {
            rc = err_set(&w->err, rc, STXT_COLL_TOO_BIG);
            goto fail;
        }
        if (rc)
            goto out;
        w->coll = true;
    }
    /* the base record */
    if (nw) {
        MDB_val dv = {nl, (void *)nd};
        rc = mdb_put(txn, s->db_data, &k, &dv, 0);
    } else {
        rc = mdb_del(txn, s->db_data, &k, NULL);
    }
    if (rc == 0)
        *changed = true; /* (txn) now has a dirty page: its commit will sync */
    /* the stream record, in the same txn: committed with the change or not at all */
    if (rc == 0)
        rc = st_stream_put(s, txn, t, w, old, nw, sseq);
    if (rc)
        goto out;
    rc = st_delta_add(cnt, t->id, 0, (old ? -1 : 0) + (nw ? 1 : 0),
                      (int64_t)w->new_size - (int64_t)w->old_size);
    if (rc)
        goto mdbfail;
    goto out;
mdbfail:
    rc = err_set(&w->err, rc, "cannot encode item");
fail:
    w->rc = rc;
out:
    buf_fini(&lb);
    st_wbuf_done(nb);
    st_wbuf_done(ib);
    st_wbuf_done(vb);
    return st_write_end(w, rc);
}

/* One write, both halves: 0, a negative ERR_* (this write failed: w->rc/w->err set), or an
 * MDB error (the whole round must be aborted). */
static int st_apply_one(store_t *s, MDB_txn *txn, store_write *w, st_deltas *cnt,
                        uint64_t *sseq, bool *changed)
{
    st_wst ws;
    int rc = st_write_read(s, txn, w, &ws);
    if (rc == 0 && ws.store)
        rc = st_write_store(s, txn, w, &ws, cnt, sseq, changed);
    st_wst_fini(s, &ws);
    return rc;
}

/* ---- waking a waiter ------------------------------------------------------------- */

/* A waiter sleeps on its wreq's state word (a futex), not on a condition variable tied to
 * qmu: woken, it goes on with its answer without taking qmu, so the leader waking a round's
 * 60 callers one after another (qmu held) no longer makes each of them sleep again on qmu
 * (issue 13.3: ~1 of the ~6 context switches per durable PutItem at 64 connections). */
enum { WQ_WAIT = 0, WQ_LEAD = 1, WQ_DONE = 2 };

static void st_futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
    /* returns at once if *addr != val; spurious wake-ups and EINTR are fine (callers loop) */
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

/* The callers queued between two takes of the queue are a batch (s->qbatch), answered
 * together by one round.  The first of a batch sleeps on its own state word (it alone can
 * be promoted to lead); the others sleep on their batch's shared word, so the leader wakes a
 * whole batch with one FUTEX_WAKE instead of one per caller: a woken caller tends to preempt
 * the leader, once per wake-up (issue 13.3: ~0.5 of ~4 context switches per durable PutItem
 * at 64 connections were the leader's, in its wake loop).  Two live batches sharing a slot
 * only cost spurious wake-ups: each caller loops on its own state.  All seq_cst: a caller
 * that reads its state as WQ_WAIT read the word before the leader bumped it, so its
 * FUTEX_WAIT either sees the bump and returns or is woken by the wake after it. */
static void st_wq_sleep(store_t *s, wreq *q)
{
    _Atomic uint32_t *word = &s->wake[q->batch % ST_WAKE_SLOTS];
    for (;;) {
        uint32_t seen = atomic_load(word);
        if (atomic_load(&q->state) != WQ_WAIT)
            return;
        st_futex_wait(word, seen);
    }
}

/* A caller that is not first in its batch reads its batch's word (in the store) after its
 * answer may already be final: on the way into its sleep (it queued under qmu and sleeps
 * without it) and after each wake-up.  So st_commit_stop cannot free the store once the
 * rounds are answered (inflight == 0); it also waits until s->sleepers, the count of such
 * callers, is down to its own ST_SLEEPERS_CLOSING bit.  The count is taken under qmu when
 * the caller queues (before stopping is set, so the count only falls once it is) and given
 * back by one atomic RMW as the caller's last touch of the store: a flag in a second word
 * would have to be read after it (review5 1.1).  The closer's bit in the same word tells the
 * last caller to wake it, so no wake is made while the store is open. */
#define ST_SLEEPERS_CLOSING 0x80000000u

static void st_sleeper_gone(store_t *s)
{
    if (atomic_fetch_sub(&s->sleepers, 1) == (ST_SLEEPERS_CLOSING | 1))
        /* the store may be gone by now: a wake of a dead address is harmless (st_wq_post) */
        syscall(SYS_futex, &s->sleepers, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wakes the callers of batches [lo, hi] whose state was set (the round holds inflight, so
 * the store is alive; the callers' own later reads of the word are covered by s->sleepers). */
static void st_wake_batches(store_t *s, uint64_t lo, uint64_t hi)
{
    for (uint64_t b = lo; b <= hi && b - lo < ST_WAKE_SLOTS; b++) {
        _Atomic uint32_t *word = &s->wake[b % ST_WAKE_SLOTS];
        atomic_fetch_add(word, 1);
        syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
}

/* Sets q's state (results written before it are seen by the waiter: release) and wakes it.
 * Once WQ_DONE is stored q may be gone (its caller returns without qmu), so the wake is
 * the last use: a futex wake-up of an address that is no longer a waiter's wakes nobody, or
 * makes a spurious wake-up, which every futex user (glibc's included) tolerates. */
static void st_wq_post(wreq *q, uint32_t st)
{
    atomic_store_explicit(&q->state, st, memory_order_release);
    syscall(SYS_futex, &q->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- a round ---------------------------------------------------------------------- */

#define ST_ROUND_MAX 1024 /* callers taken into one round at most */

typedef struct round {
    wreq *head, *tail;
    uint64_t batch_lo, batch_hi; /* the batches taken (s->qbatch) */
    size_t calls;       /* callers in the round (head..tail) */
    st_deltas all, one; /* counters of the committed writes; of the write(s) in flight */
    uint64_t sseq;      /* stream sequence counter (stream.c), stored before the commit */
    uint64_t txnid;     /* the round's LMDB txn id (of its last run, after a map growth) */
    bool changed;       /* a write of the round was committed into the txn (it is dirty) */
    bool nested;        /* every caller in a nested txn (the run after a rerun) */
    bool rerun;         /* abort this run and run the round again with nested set */
} round;

/* The write halves of n writes whose read halves succeeded (those with work: ws[i].store)
 * straight into the round's txn, then their counters folded into the round's.  A write half
 * failing other than by an MDB error (out of memory) has left the earlier ones in the txn:
 * r->rerun is set, for the round to be run again with nested txns.  0, or the first failure
 * (an MDB error, or with r->rerun ERR_*). */
static int st_store_half(store_t *s, MDB_txn *txn, round *r, store_write *w, st_wst *ws, size_t n)
{
    bool changed = false;
    r->one.n = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ws[i].store)
            continue;
        int wr = st_write_store(s, txn, &w[i], &ws[i], &r->one, &r->sseq, &changed);
        if (wr) {
            if (!st_is_mdb_err(wr))
                r->rerun = true;
            return wr;
        }
    }
    int rc = st_delta_merge(&r->all, &r->one);
    r->changed |= changed;
    return rc;
}

/* An atomic caller without a nested txn: the read halves of all its writes, then (none
 * failed) the write halves straight into the round's txn.  Only when its writes cannot see
 * one another: no two share a base key (the store's contract, store_write_atomic, checked
 * here all the same) and no table keeps item-collection sizes (an LSI: two writes to one
 * collection add up); else *out_nested, nothing written: the caller runs in a nested txn.  The
 * answers are the nested txn's: each read half sees what it would have seen there.  A write
 * half failing other than by an MDB error (out of memory) has left the caller's earlier
 * writes in txn: r->rerun is set and the round's txn aborted (a negative ERR_*), to be run
 * again with nested txns.  Else 0 or an MDB error, as st_round_body.  Saves the nested txn's
 * own cost: LMDB mallocs 3 MB of lists for each (mmap + munmap with our malloc settings)
 * and copies every page the caller touches that the round had already dirtied. */
static int st_atomic_direct(store_t *s, MDB_txn *txn, round *r, wreq *q, bool *out_nested)
{
    st_wst *ws = malloc(sizeof *ws * q->n);
    *out_nested = !ws;
    if (!ws)
        return 0;
    size_t done = 0;
    int rc = 0;
    bool failed = false;
    for (size_t i = 0; i < q->n; i++) {
        int wr = st_write_read(s, txn, &q->w[i], &ws[i]);
        done = i + 1;
        if (wr && st_is_mdb_err(wr)) {
            rc = wr;
            goto out;
        }
        failed |= wr != 0;
        bool shared = ws[i].coll;
        for (size_t j = 0; j < i && !shared; j++)
            shared = ws[i].k.mv_size && ws[i].k.mv_size == ws[j].k.mv_size &&
                     memcmp(ws[i].k.mv_data, ws[j].k.mv_data, ws[i].k.mv_size) == 0;
        if (shared) {
            *out_nested = true;
            goto out;
        }
    }
    if (failed) {
        q->rc = err_set(&q->err, ERR_TRANSACTION_CANCELED, "Transaction cancelled");
        for (size_t i = 0; i < q->n; i++)
            if (q->w[i].rc == 0)
                q->w[i].new_item = NULL;
        goto out;
    }
    rc = st_store_half(s, txn, r, q->w, ws, q->n);
out:
    for (size_t i = 0; i < done; i++)
        st_wst_fini(s, &ws[i]);
    free(ws);
    return rc;
}

/* One write of an _each caller without a nested txn (issue 13.3: LMDB mallocs a nested txn's
 * dirty and free page lists anew, 2 MB + 1 MB mapped and unmapped per write): its read half,
 * then its write half straight into the round's txn.  A failed read half wrote nothing: the
 * write failed alone, as in its nested txn.  A table keeping item-collection sizes (an LSI)
 * can fail a write half after its index entries (the 10 GB limit): *out_nested, nothing
 * written (the caller runs the write nested).  A write half failing other than by an MDB
 * error (out of memory): r->rerun, as st_atomic_direct.  Else 0 or an MDB error. */
static int st_each_direct(store_t *s, MDB_txn *txn, round *r, store_write *w, bool *out_nested)
{
    st_wst ws;
    int rc = 0, wr = st_write_read(s, txn, w, &ws);
    if (wr) {
        if (st_is_mdb_err(wr))
            rc = wr;
        goto out;
    }
    if (ws.coll) {
        *out_nested = true;
        goto out;
    }
    rc = st_store_half(s, txn, r, w, &ws, 1);
out:
    st_wst_fini(s, &ws);
    return rc;
}

/* Commits a caller's nested txn into the round's: its counters (r->one) folded into the
 * round's, its dirty pages counted (changed).  0 or an MDB error / ERR_NOMEM (the round must
 * be aborted). */
static int st_sub_commit(MDB_txn *sub, round *r, bool changed)
{
    int rc = mdb_txn_commit(sub);
    if (rc == 0)
        rc = st_delta_merge(&r->all, &r->one);
    if (rc)
        return rc;
    r->changed |= changed;
    return 0;
}

/* An atomic caller in a nested txn: all its writes, or (one failed) none of them and the
 * caller's TransactionCanceled.  0 or an MDB error, as st_round_body. */
static int st_atomic_nested(store_t *s, MDB_txn *txn, round *r, wreq *q)
{
    MDB_txn *sub;
    int rc = mdb_txn_begin(s->env, txn, 0, &sub);
    if (rc)
        return rc;
    bool failed = false, changed = false;
    r->one.n = 0;
    for (size_t i = 0; i < q->n; i++) {
        int wr = st_apply_one(s, sub, &q->w[i], &r->one, &r->sseq, &changed);
        if (wr && st_is_mdb_err(wr)) {
            mdb_txn_abort(sub);
            return wr;
        }
        if (wr)
            failed = true;
    }
    if (!failed)
        return st_sub_commit(sub, r, changed);
    mdb_txn_abort(sub);
    q->rc = err_set(&q->err, ERR_TRANSACTION_CANCELED, "Transaction cancelled");
    for (size_t i = 0; i < q->n; i++)
        if (q->w[i].rc == 0)
            q->w[i].new_item = NULL;
    return 0;
}

/* One write of an _each caller in a nested txn of its own: kept, or (it failed alone: w->rc)
 * taken back.  0 or an MDB error, as st_round_body. */
static int st_each_nested(store_t *s, MDB_txn *txn, round *r, store_write *w)
{
    MDB_txn *sub;
    int rc = mdb_txn_begin(s->env, txn, 0, &sub);
    if (rc)
        return rc;
    r->one.n = 0;
    bool changed = false;
    int wr = st_apply_one(s, sub, w, &r->one, &r->sseq, &changed);
    if (wr) {
        mdb_txn_abort(sub);
        return st_is_mdb_err(wr) ? wr : 0;
    }
    return st_sub_commit(sub, r, changed);
}

/* Runs the callers from `from` to the end of the round's list in txn: each straight into it
 * where it can (st_atomic_direct, st_each_direct), else in nested txns. */
static int st_round_body(store_t *s, MDB_txn *txn, round *r, wreq *from)
{
    int rc;
    int64_t now = 0;
    for (wreq *q = from; q; q = q->next) {
        q->rc = 0;
        err_clear(&q->err);
        if (q->queued_ms) { /* a later caller: refused, not run, past its wait (--queue-timeout) */
            if (!now)
                now = base_mono_ms();
            if (now - q->queued_ms > (int64_t)s->opts.later_wait_ms) {
                q->rc = err_set(&q->err, ERR_THROTTLING, STXT_BUSY);
                continue;
            }
        }
        bool nested = r->nested;
        if (q->atomic && !nested && (rc = st_atomic_direct(s, txn, r, q, &nested)))
            return rc;
        if (q->atomic && nested && (rc = st_atomic_nested(s, txn, r, q)))
            return rc;
        for (size_t i = 0; !q->atomic && i < q->n; i++) {
            bool each_nested = r->nested;
            if (!each_nested && (rc = st_each_direct(s, txn, r, &q->w[i], &each_nested)))
                return rc;
            if (each_nested && (rc = st_each_nested(s, txn, r, &q->w[i])))
                return rc;
        }
    }
    return 0;
}

/* ---- data file preallocation ---------------------------------------------------------- */

/* A commit that writes pages past the end of data.mdb grows the file, so its fdatasync also
 * writes the inode (the new size, the new blocks).  A durable round therefore first makes
 * sure the file holds written zeros ST_PREALLOC_LOW bytes or more past LMDB's last used page,
 * extending it to ST_PREALLOC_BYTES past it (store_int.h); the commits then overwrite blocks that exist,
 * and only the sync after an extension writes the inode (issue 13.3).  Real zeros, not
 * fallocate: a write into an fallocated (unwritten) extent still changes the extent tree, so
 * its sync still writes metadata.  Safe because it runs at the start of the round's txn,
 * under LMDB's write lock (no other process writes either), before this txn wrote or spilled
 * any page: nothing past the committed last page is in use, and LMDB never reads what lies
 * past it.  Best effort: a failed write (a full disk, RLIMIT_FSIZE) leaves the file as LMDB
 * would and is not tried again for ST_PREALLOC_PAUSE rounds. */

static void st_prealloc(store_t *s)
{
    MDB_envinfo info;
    MDB_stat ms;
    int fd;
    struct stat sb;
    if (!s->opts.durable || ++s->prealloc_rounds < s->prealloc_retry)
        return;
    if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &ms) || mdb_env_get_fd(s->env, &fd))
        return;
    uint64_t used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
    if (s->prealloc_end >= used + ST_PREALLOC_LOW)
        return;
    if (fstat(fd, &sb) != 0)
        return;
    uint64_t end = (uint64_t)sb.st_size, want = used + ST_PREALLOC_BYTES;
    if (want > info.me_mapsize)
        want = info.me_mapsize;
    /* not const: a const array of zeros is 64 KB of ddbchat's read-only data (file pages,
     * mapped with their neighbours at start: idle RSS); in .bss it is never written, and
     * pwrite reading it maps the shared zero page */
    static unsigned char zeros[64 * 1024];
    /* One LMDB page a write: the page cache (ext4 with large folios, Linux 6.16+) sizes a
     * new folio by the write that creates it, and LMDB's later one-page pwrite into a 64 KB
     * folio and its writeback in fdatasync walk all of the folio's 16 blocks (ext4's
     * block_write_begin, bio_write_folio): per dirty page ~20 % more kernel CPU than in a
     * one-page folio (BENCHMARKS.md, "Session 15: perf15").  The extension is rare (every
     * ST_PREALLOC_LOW bytes of growth), its extra syscalls cheap. */
    size_t step = ms.ms_psize && ms.ms_psize < sizeof zeros ? ms.ms_psize : sizeof zeros;
    while (end < want) {
        size_t n = want - end < step ? (size_t)(want - end) : step;
        ssize_t w = pwrite(fd, zeros, n, (off_t)end);
        if (w <= 0) {
            s->prealloc_retry = s->prealloc_rounds + ST_PREALLOC_PAUSE;
            break;
        }
        end += (uint64_t)w;
    }
    s->prealloc_end = end;
}

static int st_round_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    round *r = vctx;
    st_prealloc(s);
    r->all.n = 0; /* a re-run after the map grew starts over */
    r->changed = false;
    r->txnid = (uint64_t)mdb_txn_id(txn);
    uint64_t sseq0;
    int rc = st_stream_seq_load(s, txn, &sseq0);
    if (rc)
        return rc;
    r->sseq = sseq0;
    st_pitr_round_begin(s);
    rc = st_cat_refresh(s, txn, e);
    if (rc == 0)
        rc = st_round_body(s, txn, r, r->head);
    /* Callers queued while the round ran (or while the previous round synced) join it
     * before its commit, so its one sync covers them too (issue 13.3): before, they waited
     * for the next round, whose commit also had to make this one durable.  The queue holds
     * only callers that are waiting, each thread at most once, so this ends; ST_ROUND_MAX
     * bounds a round all the same.  A re-run after the map grew keeps them. */
    while (rc == 0 && r->calls < ST_ROUND_MAX) {
        pthread_mutex_lock(&s->qmu); /* a leaf lock: taking it inside the txn is in order */
        wreq *more = s->qhead;
        if (more) {
            r->tail->next = more;
            r->tail = s->qtail;
            for (wreq *q = more; q; q = q->next)
                r->calls++;
            s->qhead = s->qtail = NULL;
            r->batch_hi = s->qbatch++;
        }
        pthread_mutex_unlock(&s->qmu);
        if (!more)
            break;
        rc = st_round_body(s, txn, r, more);
    }
    if (rc == 0 && r->sseq != sseq0)
        rc = st_stream_seq_store(s, txn, r->sseq);
    for (size_t i = 0; rc == 0 && i < r->all.n; i++) {
        const st_delta *d = &r->all.v[i];
        rc = st_count_add(s, txn, d->tid, d->iid, d->dc, d->db);
    }
    return rc;
}


/* Hands the lead of the next round to the head of the queue (qmu held, s->qhead set): a
 * waiting caller's thread, or a committer thread for a later caller (none waits for it).
 * True when someone will lead it at once; false when the round waits for a committer that is
 * busy now (the caller must then not wait for that round: st_lead syncs itself).
 * *out_signal: an idle committer is to be woken (pthread_cond_signal(&s->ccv)), which the
 * caller does once it has let go of qmu: woken while qmu is held, the committer would only go
 * back to sleep on qmu (a futex wait and a wake more per round, ~5 % of the server's CPU in
 * durable PutItem at 64 connections: BENCHMARKS.md, "Session 10: writes").  The flags it
 * waits on are set here, under qmu, so the later signal loses nothing; the round holds the
 * store open (leader_active) until a committer has run it. */
static bool st_promote(store_t *s, bool *out_signal)
{
    s->leader_active = true;
    *out_signal = false;
    if (!s->qhead->done) {
        st_wq_post(s->qhead, WQ_LEAD);
        return true;
    }
    s->clead = true;
    if (!s->cidle)
        return false;
    *out_signal = true;
    return true;
}

/* A round after its txn, what its answers wait for: st_lead_end. */
typedef struct st_tail {
    wreq *head;                  /* its callers */
    uint64_t batch_lo, batch_hi; /* their batches */
    uint64_t seq;                /* its round_seq */
    uint64_t need;               /* the txn its answers depend on (durable up to it) */
    int rc;                      /* the round's result, and its error */
    err_t e;
    bool next;                   /* a next round was handed its lead */
    bool durable;                /* it waits for a sync */
    struct st_tail *nx;          /* s->tails */
} st_tail;

static void st_lead_end(store_t *s, st_tail *t);

/* Runs one round as the leader: takes everything queued, runs it in one LMDB write txn,
 * hands leadership to the next queued caller (if any) as soon as LMDB's write lock is free,
 * then waits until the round is durable and answers the round's callers (st_lead_end).
 * A committer thread (committer) whose next round is headed by a later caller leads that
 * round itself at once when a committer is idle, and hands this round's end to it
 * (s->tails): the LMDB write lock then goes from round to round without waiting for a
 * thread to wake (BENCHMARKS.md, "Session 25: perf25").
 *
 * One fsync per round under load.  With MDB_NOMETASYNC a commit that changed anything syncs
 * the data file before it writes its own meta page; that sync comes after every earlier
 * txn's meta page was written, so it makes every earlier txn durable (LMDB's integrity rule
 * stays: a meta page is only ever written after the pages it points to are on disk).  So when
 * a next round follows, this round waits for that round's commit instead of syncing its own
 * meta page (s->dur_txnid: every txn up to it is known durable); when no round follows, or
 * the next one changed nothing or failed, the leader syncs (mdb_env_sync) itself.  Either
 * way a caller is answered only after a sync that began after its round's meta page was
 * written.  Called and returns with qmu held; `self` is answered like the others. */
static void st_lead(store_t *s, bool committer)
{
    for (;;) {
        round r = {.head = s->qhead, .tail = s->qtail};
        for (wreq *q = r.head; q; q = q->next)
            r.calls++;
        s->qhead = s->qtail = NULL;
        r.batch_lo = r.batch_hi = s->qbatch++;
        s->inflight++;
        uint64_t seq = ++s->round_seq;
        pthread_mutex_unlock(&s->qmu);

        st_tail own, *t = &own;
        err_clear(&own.e);
        int rc = st_round_txn(s, st_round_fn, &r, &own.e);
        if (r.rerun) { /* a direct write failed half-written: again, nested (its cost only) */
            r.rerun = false;
            r.nested = true;
            err_clear(&own.e);
            rc = st_round_txn(s, st_round_fn, &r, &own.e);
        }
        free(r.all.v);
        free(r.one.v);
        /* what the answers depend on: the snapshot the round read and, if it changed
         * anything, its own commit; covers: what the commit's data sync made durable */
        uint64_t need = r.txnid ? r.txnid - 1 : 0, covers = 0;
        bool committed = false;
        if (rc == 0 && r.changed && st_last_txnid(s) >= r.txnid) {
            need = r.txnid;
            covers = r.txnid - 1;
            committed = true;
        }
        st_pv_settle(s, committed ? r.txnid : 0); /* before any answer: what it wrote moved on */
        /* and before the commit notification: a waiter woken by it (the messaging hub) that
         * takes a partition version gets the settled one, not the commit id this round's
         * commit left until here (every such pass saw a version move: test_events.c
         * test_commits_read_the_log_only_when_it_moved, 15 of 20 under load) */
        if (rc == 0)
            st_change_notify(s);

        pthread_mutex_lock(&s->qmu);
        if (covers > s->dur_txnid)
            s->dur_txnid = covers;
        s->round_done = seq;
        s->leader_active = false;
        bool next = false, wake_committer = false, pass = false;
        if (s->qhead && committer && s->qhead->done && s->cidle > s->n_tails) {
            /* this thread leads the next round now; an idle committer ends this one */
            if ((t = malloc(sizeof *t))) {
                t->e = own.e;
                s->leader_active = next = pass = wake_committer = true;
            } else {
                t = &own;
            }
        }
        if (s->qhead && !pass) /* everything queued meanwhile goes in the next round */
            next = st_promote(s, &wake_committer);
        *t = (st_tail){.head = r.head, .batch_lo = r.batch_lo, .batch_hi = r.batch_hi,
                       .seq = seq, .need = need, .rc = rc, .e = t->e, .next = next,
                       .durable = rc == 0 && s->opts.durable && s->dur_txnid < need};
        if (pass) {
            s->cstats.chained++;
            t->nx = s->tails;
            s->tails = t;
            s->n_tails++;
        }
        pthread_mutex_unlock(&s->qmu);
        /* after qmu is let go (st_promote): the waiters re-check what they wait for under it */
        pthread_cond_broadcast(&s->durcv);
        if (wake_committer)
            pthread_cond_signal(&s->ccv);
        if (!pass) {
            st_lead_end(s, t);
            return;
        }
        pthread_mutex_lock(&s->qmu); /* the next round: its callers stay queued (leader_active) */
    }
}

/* The end of a round whose txn is done (st_lead's, or a committer's from s->tails): waits
 * until it is durable, counts it, answers its callers.  Called without qmu, returns with it. */
static void st_lead_end(store_t *s, st_tail *t)
{
    int rc = t->rc;
    int64_t sync_us = -1; /* /metrics: how long this round's own durability sync took */
    if (t->durable) {
        pthread_mutex_lock(&s->qmu);
        while (t->next && s->dur_txnid < t->need && s->round_done <= t->seq)
            pthread_cond_wait(&s->durcv, &s->qmu);
        bool own = s->dur_txnid < t->need;
        pthread_mutex_unlock(&s->qmu);
        if (own) {
            uint64_t upto = st_last_txnid(s); /* every meta page up to it is written */
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            rc = st_sync_meta(s, &t->e);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            sync_us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
            pthread_mutex_lock(&s->qmu);
            if (rc == 0 && upto > s->dur_txnid) {
                s->dur_txnid = upto;
                pthread_cond_broadcast(&s->durcv);
            }
            pthread_mutex_unlock(&s->qmu);
        }
    }
    /* a failing commit (a full disk) is logged when commits start failing, and the number
     * of rounds that failed once one commits again: not once a round (a line for every
     * burst of writes, thousands a second under load, while the disk stayed full: store
     * test_faults test_commit_failures_logged_once) */
    if (rc) {
        if (atomic_fetch_add_explicit(&s->commit_failed, 1, memory_order_relaxed) == 0)
            log_error("store: commit failed: %s (until a commit succeeds, further failures are "
                      "counted, not logged)", t->e.msg);
    } else if (atomic_load_explicit(&s->commit_failed, memory_order_relaxed)) {
        uint64_t n = atomic_exchange_explicit(&s->commit_failed, 0, memory_order_relaxed);
        if (n)
            log_info("store: commits succeed again (%llu rounds failed)", (unsigned long long)n);
    }

    pthread_mutex_lock(&s->qmu);
    s->cstats.rounds++;
    uint64_t round_writes = 0;
    for (wreq *q = t->head; q; q = q->next) {
        s->cstats.calls++;
        s->cstats.writes += q->n;
        round_writes += q->n;
    }
    st_stats_note_round(&s->cstats, round_writes, sync_us);
    wreq *later = NULL, **lt = &later;
    /* whether a caller of the round sleeps on its batch's word: none does in a round of
     * writes answered later only (the endpoint's PutItem ... TransactWriteItems), so its
     * batches' wakes, a futex syscall each that woke nobody, are left out */
    bool batch_sleepers = false;
    for (wreq *q = t->head, *nx; q; q = nx) {
        nx = q->next; /* q may be gone once it is done */
        if (rc) {
            q->rc = rc;
            q->err = t->e;
        }
        if (q->done) { /* answered below, without qmu */
            q->lnext = NULL;
            *lt = q;
            lt = &q->lnext;
        } else if (q->first) {
            st_wq_post(q, WQ_DONE);
        } else {
            atomic_store(&q->state, WQ_DONE); /* woken with its batch below */
            batch_sleepers = true;
        }
    }
    if (batch_sleepers)
        st_wake_batches(s, t->batch_lo, t->batch_hi);
    if (later) {
        /* still in flight (store_close waits): done may unpin tables, and its callers may
         * want to answer before the store goes */
        pthread_mutex_unlock(&s->qmu);
        /* what the answers defer (the HTTP layer's resume of each connection, a wake-up of
         * a polling thread) comes together after the last one (base/defer.h) */
        defer_scope_begin();
        for (wreq *q = later, *nx; q; q = nx) {
            nx = q->lnext;
            q->done(q->done_ctx, q->rc, &q->err);
            buf_fini(&q->pre);
            free(q);
        }
        defer_scope_end();
        pthread_mutex_lock(&s->qmu);
    }
    if (--s->inflight == 0 && s->stopping)
        pthread_cond_broadcast(&s->qcv);
}

/* A committer thread: leads the rounds whose head is a later caller (st_promote), and ends
 * the rounds another committer handed over (s->tails, st_lead).  Several (ST_COMMITTERS), so
 * that one can lead the next round while another waits for the commit that makes its own
 * round durable (st_lead_end); when none is idle, st_lead syncs itself instead of waiting. */
static void *st_committer_main(void *arg)
{
    store_t *s = arg;
    /* its own name (it would inherit its creator's: a polling thread's "MHD-worker"), so
     * that per-thread CPU (/proc/PID/task/TID/comm) and profiles tell the committers apart */
    pthread_setname_np(pthread_self(), "ddb-commit");
    pthread_mutex_lock(&s->qmu);
    for (;;) {
        while (!s->clead && !s->tails && !s->cstop) {
            s->cidle++;
            pthread_cond_wait(&s->ccv, &s->qmu);
            s->cidle--;
        }
        if (s->clead) {
            s->clead = false;
            st_lead(s, true);
        } else if (s->tails) {
            st_tail *t = s->tails;
            s->tails = t->nx;
            s->n_tails--;
            pthread_mutex_unlock(&s->qmu);
            st_lead_end(s, t);
            free(t);
        } else { /* stopping, and the queue is empty (st_commit_stop) */
            break;
        }
    }
    pthread_mutex_unlock(&s->qmu);
    return NULL;
}

/* Starts the committer threads (qmu held): 0, or ERR_INTERNAL when none could be. */
static int st_committers_start(store_t *s)
{
    while (s->n_cthr < ST_COMMITTERS &&
           pthread_create(&s->cthr[s->n_cthr], NULL, st_committer_main, s) == 0)
        s->n_cthr++;
    return s->n_cthr ? 0 : ERR_INTERNAL;
}

int st_commit_start(store_t *s, err_t *e)
{
    (void)e;
    s->committer_running = true;
    return 0;
}

void st_commit_stop(store_t *s)
{
    if (!s->committer_running)
        return;
    pthread_mutex_lock(&s->qmu);
    s->stopping = true;
    while (s->inflight > 0 || s->qhead || s->leader_active)
        pthread_cond_wait(&s->qcv, &s->qmu);
    s->cstop = true; /* the queue is empty and stays so: the committers end */
    pthread_cond_broadcast(&s->ccv);
    unsigned nc = s->n_cthr;
    pthread_mutex_unlock(&s->qmu);
    for (unsigned i = 0; i < nc; i++)
        pthread_join(s->cthr[i], NULL);
    /* every round is answered; wait out the callers still reading their batch's word */
    atomic_fetch_or(&s->sleepers, ST_SLEEPERS_CLOSING);
    uint32_t v;
    while ((v = atomic_load(&s->sleepers)) != ST_SLEEPERS_CLOSING)
        st_futex_wait(&s->sleepers, v);
    s->committer_running = false;
}

static int st_submit(store_t *s, store_write *w, size_t n, bool atomic, err_t *e)
{
    if (n == 0)
        return 0;
    if (!s->committer_running)
        return err_set(e, ERR_IO, "store opened read-only");
    if (st_map_held(s)) /* from an apply callback: would wait for itself */
        return err_set(e, ERR_INTERNAL, "store write from inside a store transaction");
    for (size_t i = 0; i < n; i++) {
        w[i].rc = 0;
        w[i].old.type = AV_NONE;
        w[i].new_item = NULL;
        err_clear(&w[i].err);
    }
    wreq q = {.w = w, .n = n, .atomic = atomic, .state = WQ_WAIT};
    buf_init(&q.pre, 0);
    if (st_prep(s, w, n, &q.pre)) {
        buf_fini(&q.pre);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    pthread_mutex_lock(&s->qmu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->qmu);
        buf_fini(&q.pre);
        return err_set(e, ERR_SERVICE_UNAVAILABLE, "store is closing");
    }
    q.batch = s->qbatch;
    q.first = !s->qhead;
    unsigned gap_us = 0;
    if (!q.first) {
        atomic_fetch_add(&s->sleepers, 1); /* given back by st_sleeper_gone below */
        gap_us = s->test_gap_us;
    }
    if (s->qtail)
        s->qtail->next = &q;
    else
        s->qhead = &q;
    s->qtail = &q;
    bool lead = !s->leader_active; /* nobody is committing: lead this round in this thread */
    if (lead)
        s->leader_active = true;
    /* A follower sleeps (without qmu) until its round is answered, or until it is promoted
     * to lead the next round (then it takes qmu, as st_lead wants it). */
    for (;;) {
        if (lead) {
            st_lead(s, false); /* its round holds q: q is done when it returns */
            lead = false;
        }
        bool done = atomic_load_explicit(&q.state, memory_order_acquire) == WQ_DONE;
        pthread_mutex_unlock(&s->qmu);
        if (done)
            break;
        uint32_t st;
        if (!q.first) {
            if (gap_us)
                usleep(gap_us);
            st_wq_sleep(s, &q); /* only ever WQ_DONE: it is not promotable */
            break;
        }
        while ((st = atomic_load_explicit(&q.state, memory_order_acquire)) == WQ_WAIT)
            st_futex_wait(&q.state, WQ_WAIT);
        if (st == WQ_DONE)
            break;
        atomic_store_explicit(&q.state, WQ_WAIT, memory_order_relaxed); /* WQ_LEAD */
        pthread_mutex_lock(&s->qmu);
        lead = true;
    }
    if (!q.first)
        st_sleeper_gone(s); /* its last touch of the store */
    buf_fini(&q.pre);
    if (q.rc) {
        err_set(e, q.rc, "%s", q.err.msg);
        return q.rc;
    }
    return 0;
}

void store_commit_stats_get(store_t *s, store_commit_stats *out)
{
    pthread_mutex_lock(&s->qmu);
    *out = s->cstats;
    pthread_mutex_unlock(&s->qmu);
    /* not under qmu: st_txn_run adds to it atomically, without the lock */
    out->other_txns = __atomic_load_n(&s->other_txns, __ATOMIC_RELAXED);
}

int store_write_each(store_t *s, store_write *w, size_t n, err_t *e)
{
    return st_submit(s, w, n, false, e);
}

/* store_write_each_later and store_write_atomic_later: queues a caller that does not wait. */
static int st_submit_later(store_t *s, store_write *w, size_t n, bool atomic, store_done_fn done,
                           void *ctx, err_t *e)
{
    if (n == 0 || !done)
        return err_set(e, ERR_INTERNAL, "nothing to write");
    if (!s->committer_running)
        return err_set(e, ERR_IO, "store opened read-only");
    if (st_map_held(s)) /* from an apply callback */
        return err_set(e, ERR_INTERNAL, "store write from inside a store transaction");
    for (size_t i = 0; i < n; i++) {
        w[i].rc = 0;
        w[i].old.type = AV_NONE;
        w[i].new_item = NULL;
        err_clear(&w[i].err);
    }
    wreq *q = calloc(1, sizeof *q);
    if (!q)
        return err_set(e, ERR_NOMEM, "out of memory");
    q->w = w;
    q->n = n;
    q->atomic = atomic;
    q->done = done;
    q->done_ctx = ctx;
    buf_init(&q->pre, 0);
    if (st_prep(s, w, n, &q->pre)) {
        buf_fini(&q->pre);
        free(q);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if (s->opts.later_wait_ms)
        q->queued_ms = base_mono_ms();
    pthread_mutex_lock(&s->qmu);
    int rc = 0;
    if (s->stopping)
        rc = err_set(e, ERR_SERVICE_UNAVAILABLE, "store is closing");
    else if (!s->n_cthr && st_committers_start(s))
        rc = err_set(e, ERR_INTERNAL, "cannot start a committer thread");
    if (rc) {
        pthread_mutex_unlock(&s->qmu);
        buf_fini(&q->pre);
        free(q);
        return rc;
    }
    q->batch = s->qbatch;
    q->first = !s->qhead;
    if (s->qtail)
        s->qtail->next = q;
    else
        s->qhead = q;
    s->qtail = q;
    bool wake_committer = false;
    if (!s->leader_active) /* the queue was empty and nobody commits: a committer leads */
        st_promote(s, &wake_committer);
    pthread_mutex_unlock(&s->qmu);
    if (wake_committer)
        pthread_cond_signal(&s->ccv);
    return 0;
}

int store_write_atomic(store_t *s, store_write *w, size_t n, err_t *e)
{
    if (n > STORE_MAX_TXN_ITEMS)
        return err_set(e, ERR_VALIDATION, "too many items in one transaction");
    return st_submit(s, w, n, true, e);
}

int store_write_each_later(store_t *s, store_write *w, size_t n, store_done_fn done, void *ctx,
                           err_t *e)
{
    return st_submit_later(s, w, n, false, done, ctx, e);
}

store_write *store_writes_new(arena_t *a, size_t n)
{
    if (n > SIZE_MAX / sizeof(store_write))
        return NULL;
    store_write *w = arena_alloc(a, sizeof *w * n);
    if (!w)
        return NULL;
    const size_t at = offsetof(store_write, err), past = at + sizeof(err_t);
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = (unsigned char *)&w[i];
        memset(p, 0, at);
        err_clear(&w[i].err);
        memset(p + past, 0, sizeof *w - past);
    }
    return w;
}

int store_write_atomic_later(store_t *s, store_write *w, size_t n, store_done_fn done, void *ctx,
                             err_t *e)
{
    if (n > STORE_MAX_TXN_ITEMS)
        return err_set(e, ERR_VALIDATION, "too many items in one transaction");
    return st_submit_later(s, w, n, true, done, ctx, e);
}
