/*
 * doctor — consistency checks of the engine's LMDB data, index rebuilds.  Layer: store.
 * See doctor.h.  Above catalog.c in the module order (it pins descriptors).
 * Tests: tests/unit/store/test_doctor.c (damage made by hand in each kind is found, and
 * repaired), tests/e2e/test_doctor.py.
 */
#include "store/doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define DR_MAX_PREFIXES 4096 /* distinct (table id, index id) prefixes tallied */

typedef struct dr_prefix {
    uint32_t tid;
    uint8_t iid;
    uint64_t n;
} dr_prefix;

typedef struct dr {
    store_t *s;
    MDB_txn *txn;
    store_problem_fn fn;
    void *ctx;
    store_doctor_result *out;
    arena_t a;
    buf_t kb, vb;
} dr;

static void dr_report(dr *d, const char *where, const char *table, const char *index,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void dr_report(dr *d, const char *where, const char *table, const char *index,
                      const char *fmt, ...)
{
    d->out->problems++;
    if (d->out->problems > STORE_DOCTOR_MAX_REPORTS || !d->fn)
        return;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    d->fn(d->ctx, where, what, table, index);
}

/* The counter record of (tid, iid): *found false when absent. */
static int dr_counter(store_t *s, MDB_txn *txn, uint32_t tid, uint8_t iid, uint64_t *cnt,
                      uint64_t *bytes, bool *found)
{
    int rc = st_cnt_get(s, txn, tid, iid, cnt, bytes);
    *found = rc == 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- LMDB integrity and key ownership --------------------------------------------------------- */

/* Reads every record of db; an LMDB error is a finding (returned as 1). */
static int dr_walk(dr *d, MDB_dbi dbi, const char *dbname, uint64_t *out_n)
{
    MDB_cursor *c = NULL;
    int rc = mdb_cursor_open(d->txn, dbi, &c);
    if (rc) {
        dr_report(d, "LMDB", NULL, NULL, "cannot open a cursor on %s: %s", dbname,
                  mdb_strerror(rc));
        return 1;
    }
    MDB_val k, v;
    uint64_t n = 0;
    while ((rc = mdb_cursor_get(c, &k, &v, n ? MDB_NEXT : MDB_FIRST)) == 0)
        n++;
    mdb_cursor_close(c);
    *out_n = n;
    if (rc != MDB_NOTFOUND) {
        dr_report(d, "LMDB", NULL, NULL, "database %s unreadable after %llu records: %s", dbname,
                  (unsigned long long)n, mdb_strerror(rc));
        return 1;
    }
    return 0;
}

static bool dr_pending(dr *d, char kind, uint32_t tid, uint8_t iid)
{
    unsigned char k[6] = {(unsigned char)kind};
    st_prefix5(k + 1, tid, iid);
    MDB_val kv = {kind == 'd' ? 5u : 6u, k}, v;
    return mdb_get(d->txn, d->s->db_meta, &kv, &v) == 0;
}

/* Every data key's (table id, index id) prefix belongs to a live table or index, or to a
 * removal still pending. */
static void dr_ownership(dr *d, const store_table *const *tabs, size_t nt)
{
    dr_prefix *pv = calloc(DR_MAX_PREFIXES, sizeof *pv);
    if (!pv)
        return;
    size_t np = 0;
    MDB_cursor *c = NULL;
    if (mdb_cursor_open(d->txn, d->s->db_data, &c) != 0) {
        free(pv);
        return;
    }
    MDB_val k, v;
    int rc;
    bool first = true;
    while ((rc = mdb_cursor_get(c, &k, &v, first ? MDB_FIRST : MDB_NEXT)) == 0) {
        first = false;
        if (k.mv_size < 5) {
            dr_report(d, "LMDB", NULL, NULL, "a data key of %zu bytes (too short)", k.mv_size);
            continue;
        }
        const unsigned char *p = k.mv_data;
        uint32_t tid = st_prefix5_tid(p);
        uint8_t iid = p[4];
        if (np && pv[np - 1].tid == tid && pv[np - 1].iid == iid) {
            pv[np - 1].n++;
            continue;
        }
        if (np == DR_MAX_PREFIXES)
            break;
        pv[np++] = (dr_prefix){tid, iid, 1};
    }
    mdb_cursor_close(c);
    for (size_t i = 0; i < np; i++) {
        const store_table *t = NULL;
        for (size_t j = 0; j < nt && !t; j++)
            if (tabs[j]->id == pv[i].tid)
                t = tabs[j];
        bool known = false;
        if (t && pv[i].iid == 0)
            known = true;
        for (size_t j = 0; t && !known && j < t->n_idx; j++)
            known = t->idx[j].id == pv[i].iid;
        if (known || dr_pending(d, 'd', pv[i].tid, 0) ||
            (pv[i].iid && dr_pending(d, 'i', pv[i].tid, pv[i].iid)))
            continue;
        if (!t)
            dr_report(d, "data", NULL, NULL,
                      "%llu records of table id %u, which is in no catalog record and has no "
                      "pending removal",
                      (unsigned long long)pv[i].n, pv[i].tid);
        else
            dr_report(d, "data", t->name, NULL,
                      "%llu entries of index id %u of table %s, which has no such index",
                      (unsigned long long)pv[i].n, pv[i].iid, t->name);
    }
    free(pv);
}

/* ---- point-in-time recovery records (pitr.h) ------------------------------------------------ */

/* The meta DB's "p" (recovery state) and "h" (history) records are well formed: lengths,
 * versions, a history record's data key in its own table, its before-image decodable.  A
 * history or state of a table that is gone or disabled is not a problem: the store's pass
 * removes it. */
static void dr_pitr(dr *d)
{
    MDB_cursor *c = NULL;
    if (mdb_cursor_open(d->txn, d->s->db_meta, &c) != 0)
        return;
    for (int pass = 0; pass < 2; pass++) {
        unsigned char pre = pass ? 'h' : 'p';
        MDB_val k = {1, &pre}, v;
        uint64_t bad = 0, n = 0;
        int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        for (; rc == 0 && k.mv_size >= 1 && ((unsigned char *)k.mv_data)[0] == pre;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            const unsigned char *kp = k.mv_data, *vp = v.mv_data;
            if (k.mv_size != 5 && k.mv_size != 25)
                continue; /* another meta record sharing the first letter */
            n++;
            if (!pass) {
                if (k.mv_size != 5 || v.mv_size != 21 || vp[0] != 1)
                    bad++;
                continue;
            }
            if (k.mv_size != 25 || v.mv_size < 6 || vp[0] != 1 || vp[1] > 1) {
                bad++;
                continue;
            }
            uint32_t kl = (uint32_t)base_le_get(vp + 2, 4);
            if (kl > v.mv_size - 6 || kl < 5 || memcmp(vp + 6, kp + 1, 4) != 0 || vp[10] != 0) {
                bad++;
                continue;
            }
            if (vp[1] == 1) {
                MDB_val iv = {v.mv_size - 6 - kl, (void *)(vp + 6 + kl)};
                av_t item;
                err_t e = {0};
                if (st_decode(&d->a, &iv, &item, &e) != 0)
                    bad++;
                arena_reset(&d->a);
            }
        }
        if (bad)
            dr_report(d, "meta", NULL, NULL,
                      "%llu of %llu point-in-time recovery %s records are damaged",
                      (unsigned long long)bad, (unsigned long long)n, pass ? "history" : "state");
    }
    mdb_cursor_close(c);
}

/* ---- the catalog --------------------------------------------------------------------------- */

static void dr_catalog(dr *d, const store_table *const *tabs, size_t nt)
{
    MDB_cursor *c = NULL;
    if (mdb_cursor_open(d->txn, d->s->db_cat, &c) != 0)
        return;
    MDB_val k, v;
    bool first = true;
    size_t n = 0;
    while (mdb_cursor_get(c, &k, &v, first ? MDB_FIRST : MDB_NEXT) == 0) {
        first = false;
        n++;
        av_t rec;
        arena_reset(&d->a);
        const unsigned char *p = v.mv_data;
        err_t ie = {0};
        MDB_val body = {v.mv_size ? v.mv_size - 1 : 0, (void *)(p + 1)};
        if (v.mv_size < 2 || p[0] != STORE_CAT_VERSION || st_decode(&d->a, &body, &rec, &ie) ||
            rec.type != AV_M)
            dr_report(d, "catalog", NULL, NULL, "the record of table \"%.*s\" does not decode",
                      (int)(k.mv_size < 200 ? k.mv_size : 200), (const char *)k.mv_data);
    }
    mdb_cursor_close(c);
    if (n != nt)
        dr_report(d, "catalog", NULL, NULL, "%zu catalog records but %zu tables loaded", n, nt);
    uint64_t next_tid = 0;
    st_meta_get_u64(d->s, d->txn, "next_tid", &next_tid);
    for (size_t i = 0; i < nt; i++) {
        if (tabs[i]->id >= next_tid)
            dr_report(d, "catalog", NULL, NULL, "table %s has id %u, not below next_tid %llu",
                      tabs[i]->name, tabs[i]->id, (unsigned long long)next_tid);
        for (size_t j = 0; j < i; j++)
            if (tabs[j]->id == tabs[i]->id)
                dr_report(d, "catalog", NULL, NULL, "tables %s and %s share id %u",
                          tabs[j]->name, tabs[i]->name, tabs[i]->id);
    }
}

/* ---- a table and its indexes --------------------------------------------------------------- */

typedef struct dr_ix {
    const store_index *ix;
    uint64_t expect_n, expect_bytes;
    uint64_t missing, differ;
} dr_ix;

static void dr_table(dr *d, const store_table *t)
{
    char where[STORE_NAME_MAX + 16];
    snprintf(where, sizeof where, "table %s", t->name);
    /* an index named twice (an older build's restore made such tables, which stayed CREATING
     * for good: every later change of the definition is refused) */
    for (size_t i = 0; i < t->n_idx; i++) {
        if (!st_index_named_before(t, i))
            continue;
        char iw[2 * STORE_NAME_MAX + 16];
        snprintf(iw, sizeof iw, "table %s index %s", t->name, t->idx[i].name);
        dr_report(d, iw, t->name, t->idx[i].name,
                  "the definition names the index more than once (the table's definition "
                  "cannot change: a restore stays in progress, DeleteTable is refused)");
    }
    dr_ix ixs[STORE_MAX_INDEXES];
    size_t nix = 0;
    for (size_t i = 0; i < t->n_idx; i++)
        if (!t->idx[i].backfilling)
            ixs[nix++] = (dr_ix){.ix = &t->idx[i]};
    d->out->indexes += t->n_idx;

    /* the items: their count and size, and what each index should hold */
    unsigned char pre[ST_PREFIX_LEN];
    st_prefix5(pre, t->id, 0);
    MDB_cursor *c = NULL;
    if (mdb_cursor_open(d->txn, d->s->db_data, &c) != 0)
        return;
    MDB_val k = {sizeof pre, pre}, v;
    uint64_t n = 0, bytes = 0, undecodable = 0;
    int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= 5 && memcmp(k.mv_data, pre, 5) == 0) {
        av_t item;
        err_t ie = {0};
        arena_reset(&d->a);
        if (st_decode(&d->a, &v, &item, &ie) || item.type != AV_M) {
            undecodable++;
        } else {
            n++;
            bytes += av_item_size(&item);
            for (size_t i = 0; i < nix; i++) {
                bool present = false;
                buf_reset(&d->kb);
                if (st_key_index(d->s, t, ixs[i].ix, &item, &d->kb, &present) || !present)
                    continue;
                av_t proj;
                if (st_project(t, ixs[i].ix, &item, &d->a, &proj))
                    continue;
                ixs[i].expect_n++;
                ixs[i].expect_bytes += av_item_size(&proj);
                MDB_val ik = {d->kb.len, d->kb.data}, iv;
                if (mdb_get(d->txn, d->s->db_data, &ik, &iv) != 0) {
                    ixs[i].missing++;
                    continue;
                }
                av_t got;
                if (st_decode(&d->a, &iv, &got, &ie) || !av_equal(&got, &proj))
                    ixs[i].differ++;
            }
        }
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    d->out->items += n;
    if (undecodable)
        dr_report(d, where, NULL, NULL, "%llu items do not decode",
                  (unsigned long long)undecodable);
    uint64_t cn, cb;
    bool found;
    if (dr_counter(d->s, d->txn, t->id, 0, &cn, &cb, &found) == 0 &&
        (cn != n || cb != bytes) && (found || n))
        dr_report(d, where, t->name, NULL,
                  "item counter says %llu items / %llu bytes, the table holds %llu / %llu",
                  (unsigned long long)cn, (unsigned long long)cb, (unsigned long long)n,
                  (unsigned long long)bytes);

    /* each index: its entries against the items */
    for (size_t i = 0; i < nix; i++) {
        const store_index *ix = ixs[i].ix;
        char iwhere[2 * STORE_NAME_MAX + 16];
        snprintf(iwhere, sizeof iwhere, "table %s index %s", t->name, ix->name);
        unsigned char ipre[ST_PREFIX_LEN];
        st_prefix5(ipre, t->id, ix->id);
        MDB_val ik = {sizeof ipre, ipre}, iv;
        uint64_t have = 0, stale = 0;
        int r2 = mdb_cursor_get(c, &ik, &iv, MDB_SET_RANGE);
        while (r2 == 0 && ik.mv_size >= 5 && memcmp(ik.mv_data, ipre, 5) == 0) {
            have++;
            arena_reset(&d->a);
            av_t proj, item;
            err_t ie = {0};
            bool ok = st_decode(&d->a, &iv, &proj, &ie) == 0 && proj.type == AV_M;
            buf_reset(&d->vb);
            ok = ok && st_key_base(d->s, t, &proj, &d->vb) == 0;
            MDB_val bk = {d->vb.len, d->vb.data}, bv;
            ok = ok && mdb_get(d->txn, d->s->db_data, &bk, &bv) == 0 &&
                 st_decode(&d->a, &bv, &item, &ie) == 0;
            bool present = false;
            buf_reset(&d->kb);
            ok = ok && st_key_index(d->s, t, ix, &item, &d->kb, &present) == 0 && present &&
                 d->kb.len == ik.mv_size && memcmp(d->kb.data, ik.mv_data, ik.mv_size) == 0;
            if (!ok)
                stale++;
            r2 = mdb_cursor_get(c, &ik, &iv, MDB_NEXT);
        }
        d->out->index_entries += have;
        if (ixs[i].missing)
            dr_report(d, iwhere, t->name, ix->name, "%llu items are missing from the index",
                      (unsigned long long)ixs[i].missing);
        if (ixs[i].differ)
            dr_report(d, iwhere, t->name, ix->name,
                      "%llu entries differ from their item's projection",
                      (unsigned long long)ixs[i].differ);
        if (stale)
            dr_report(d, iwhere, t->name, ix->name,
                      "%llu entries belong to no item (or to another index key)",
                      (unsigned long long)stale);
        if (dr_counter(d->s, d->txn, t->id, ix->id, &cn, &cb, &found) == 0 &&
            (cn != ixs[i].expect_n || cb != ixs[i].expect_bytes) && (found || ixs[i].expect_n))
            dr_report(d, iwhere, t->name, ix->name,
                      "counter says %llu entries / %llu bytes, the table implies %llu / %llu",
                      (unsigned long long)cn, (unsigned long long)cb,
                      (unsigned long long)ixs[i].expect_n,
                      (unsigned long long)ixs[i].expect_bytes);
    }
    mdb_cursor_close(c);
}

int store_doctor_check(store_t *s, store_problem_fn fn, void *ctx, store_doctor_result *out,
                       err_t *e)
{
    memset(out, 0, sizeof *out);
    dr d = {.s = s, .fn = fn, .ctx = ctx, .out = out};
    arena_init(&d.a);
    buf_init(&d.kb, 0);
    buf_init(&d.vb, 0);
    const store_table **tabs = NULL;
    size_t nt = 0;
    int rc = st_cat_check(s, e);
    if (rc)
        goto done;
    nt = st_cat_pin_all(s, NULL, &tabs);
    if (nt == SIZE_MAX) {
        nt = 0;
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    out->tables = nt;
    if ((rc = st_rtxn_begin(s, &d.txn))) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    MDB_val vk = {7, "version"}, vv;
    if (mdb_get(d.txn, s->db_meta, &vk, &vv) == 0 && vv.mv_size == 1)
        out->format_version = *(unsigned char *)vv.mv_data;
    /* older formats are read (and upgraded by the next writable open): not a problem */
    if (out->format_version == 0 || out->format_version > STORE_FORMAT_VERSION)
        dr_report(&d, "format", NULL, NULL, "format version %u, this build reads 1 to %u",
                  out->format_version, STORE_FORMAT_VERSION);
    MDB_val fk = {6, "format"}, fv;
    if (out->format_version >= 2 &&
        (mdb_get(d.txn, s->db_meta, &fk, &fv) != 0 || fv.mv_size != 7 ||
         memcmp(fv.mv_data, "ddbchat", 7) != 0))
        dr_report(&d, "format", NULL, NULL, "the meta record \"format\" does not say ddbchat");
    uint64_t nm = 0, nc = 0, nd = 0;
    int bad = dr_walk(&d, s->db_meta, "meta", &nm) | dr_walk(&d, s->db_cat, "catalog", &nc) |
              dr_walk(&d, s->db_data, "data", &nd);
    if (!bad) { /* the content checks need readable pages */
        dr_catalog(&d, tabs, nt);
        dr_ownership(&d, tabs, nt);
        dr_pitr(&d);
        for (size_t i = 0; i < nt; i++)
            dr_table(&d, tabs[i]);
    }
done:
    st_rtxn_end(s, d.txn);
    for (size_t i = 0; i < nt; i++)
        store_table_unpin(s, tabs[i]);
    free(tabs);
    buf_fini(&d.kb);
    buf_fini(&d.vb);
    arena_fini(&d.a);
    return rc;
}

/* ---- repair ------------------------------------------------------------------------------ */

typedef struct dr_fix {
    const store_table *t;
    const store_index *ix; /* NULL: the item counter */
    uint64_t gen;          /* the catalog generation t was pinned at */
    bool stale;            /* the catalog changed since: nothing written */
    uint64_t written;
} dr_fix;

static int dr_fix_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    dr_fix *f = vctx;
    const store_table *t = f->t;
    f->written = 0;
    /* The descriptor was pinned before this txn began, and another process (the `serve` a
     * doctor runs beside) may have changed the catalog in between: a rebuild from it could
     * write an index that process just dropped (test_doctor.c
     * test_repair_after_another_process_dropped_the_index) */
    uint64_t gen = 0;
    int grc = st_meta_get_u64(s, txn, "gen", &gen);
    if (grc)
        return grc;
    if (gen != f->gen) {
        f->stale = true;
        return 0;
    }
    MDB_cursor *c = NULL;
    int rc = mdb_cursor_open(txn, s->db_data, &c);
    if (rc)
        return rc;
    unsigned char ipre[ST_PREFIX_LEN], pre[ST_PREFIX_LEN];
    st_prefix5(pre, t->id, 0);
    MDB_val k, v;
    if (f->ix) { /* every entry of the index goes */
        st_prefix5(ipre, t->id, f->ix->id);
        for (;;) {
            k.mv_size = sizeof ipre;
            k.mv_data = ipre;
            rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
            if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < 5 || memcmp(k.mv_data, ipre, 5))))
                break;
            if (rc || (rc = mdb_cursor_del(c, 0)))
                goto done;
        }
    }
    arena_t a;
    arena_init(&a);
    buf_t kb, vb;
    buf_init(&kb, 0);
    buf_init(&vb, 0);
    uint64_t n = 0, bytes = 0;
    k.mv_size = sizeof pre;
    k.mv_data = pre;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= 5 && memcmp(k.mv_data, pre, 5) == 0) {
        av_t item, proj;
        arena_reset(&a);
        if ((rc = st_decode(&a, &v, &item, e)))
            break;
        if (!f->ix) {
            n++;
            bytes += av_item_size(&item);
        } else {
            bool present = false;
            buf_reset(&kb);
            if ((rc = st_key_index(s, t, f->ix, &item, &kb, &present)))
                break;
            if (present) {
                buf_reset(&vb);
                if ((rc = st_project(t, f->ix, &item, &a, &proj)) || (rc = av_encode(&proj, &vb)))
                    break;
                MDB_val ik = {kb.len, kb.data}, iv = {vb.len, vb.data};
                if ((rc = mdb_put(txn, s->db_data, &ik, &iv, 0)))
                    break;
                n++;
                bytes += av_item_size(&proj);
            }
        }
        /* the put may have moved the cursor's page: find our place again */
        MDB_val again = k;
        buf_reset(&vb);
        if ((rc = buf_append(&vb, k.mv_data, k.mv_size)))
            break;
        again.mv_data = vb.data;
        again.mv_size = vb.len;
        rc = mdb_cursor_get(c, &again, &v, MDB_SET_KEY);
        if (rc == 0)
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = st_cnt_put(s, txn, t->id, f->ix ? f->ix->id : 0, n, bytes);
    f->written = n;
    buf_fini(&kb);
    buf_fini(&vb);
    arena_fini(&a);
done:
    mdb_cursor_close(c);
    return rc;
}

/* Keeps the first index of each name; the others are dropped as UpdateTable drops a GSI (their
 * entries removed afterwards by the maintenance work). */
static int dr_dedupe_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)e;
    unsigned *dropped = ctx;
    *dropped = 0;
    store_table *n = &al->next;
    for (size_t i = 0; i < n->n_idx;) {
        if (!st_index_named_before(n, i)) {
            i++;
            continue;
        }
        memmove(&n->idx[i], &n->idx[i + 1], (n->n_idx - i - 1) * sizeof n->idx[0]);
        n->n_idx--;
        (*dropped)++;
    }
    return 0;
}

/* The catalog generation this process's descriptors are at. */
static uint64_t dr_cat_gen(store_t *s)
{
    pthread_rwlock_rdlock(&s->catlock);
    uint64_t g = s->cat_gen;
    pthread_rwlock_unlock(&s->catlock);
    return g;
}

#define DR_REPAIR_TRIES 8 /* the catalog changed under a repair: looked at again this often */

static int dr_repair_once(store_t *s, const char *table, const char *index,
                          uint64_t *out_entries, unsigned *out_dropped, bool *stale, err_t *e);

int store_doctor_repair(store_t *s, const char *table, const char *index, uint64_t *out_entries,
                        unsigned *out_dropped, err_t *e)
{
    for (int i = 0; i < DR_REPAIR_TRIES; i++) {
        bool stale = false;
        int rc = dr_repair_once(s, table, index, out_entries, out_dropped, &stale, e);
        if (rc || !stale)
            return rc;
        if ((rc = st_cat_check(s, e))) /* another process changed it: read it again */
            return rc;
    }
    return err_set(e, ERR_RESOURCE_IN_USE,
                   "table %s keeps changing while it is repaired: run the repair again", table);
}

static int dr_repair_once(store_t *s, const char *table, const char *index,
                          uint64_t *out_entries, unsigned *out_dropped, bool *stale, err_t *e)
{
    *out_entries = 0;
    if (out_dropped)
        *out_dropped = 0;
    uint64_t gen = dr_cat_gen(s);
    const store_table *t = store_table_pin(s, table);
    if (!t)
        return err_set(e, ERR_RESOURCE_NOT_FOUND, "no table %s", table);
    dr_fix f = {.t = t, .gen = gen};
    int rc = 0;
    bool twice = false;
    for (size_t i = 0; index && i < t->n_idx && !twice; i++)
        twice = strcmp(t->idx[i].name, index) == 0 && st_index_named_before(t, i);
    if (twice) {
        store_table_unpin(s, t);
        unsigned n = 0;
        rc = store_table_alter(s, table, dr_dedupe_fn, &n, NULL, e);
        if (rc == 0 && out_dropped)
            *out_dropped = n;
        return rc;
    }
    if (index) {
        for (size_t i = 0; i < t->n_idx && !f.ix; i++)
            if (strcmp(t->idx[i].name, index) == 0)
                f.ix = &t->idx[i];
        if (!f.ix)
            rc = err_set(e, ERR_RESOURCE_NOT_FOUND, "table %s has no index %s", table, index);
        else if (f.ix->backfilling)
            rc = err_set(e, ERR_RESOURCE_IN_USE, "index %s of %s is being backfilled", index,
                         table);
    }
    if (rc == 0 && gen != dr_cat_gen(s))
        f.stale = true; /* refreshed by the pin: pinned at a later generation */
    else if (rc == 0)
        rc = st_write_txn(s, dr_fix_fn, &f, e);
    *stale = f.stale;
    *out_entries = f.written;
    store_table_unpin(s, t);
    return rc;
}
