/*
 * ttl — the background reaper for Time to Live.  Layer: store.
 *
 * Every ttl_interval_ms, for each table with a TTL attribute, items whose attribute is a
 * number (epoch seconds) <= now are deleted through the normal write path (store_write_each),
 * so index entries and counters stay consistent; the delete re-checks the item in the
 * committer, so an item updated meanwhile survives.  As DynamoDB: only type N counts, other
 * types are ignored, and an expiry more than five years in the past is ignored too
 * ("the TTL cannot be more than five years in the past to be considered for expiration").
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/backoff.h"
#include "base/log.h"
#include "store/pitr.h"
#include "store/store_int.h"

#define ST_TTL_SCAN_BATCH 500
#define ST_FIVE_YEARS_S ((int64_t)5 * 365 * 24 * 3600 + 24 * 3600)

/* True when v is an N whose value, as epoch seconds, is in [now-5y, now]. */
static bool st_expired(const av_t *v, int64_t now_s)
{
    if (!v || v->type != AV_N)
        return false;
    const char *p = v->u.str.ptr;
    size_t n = v->u.str.len, i = 0;
    if (n == 0 || p[0] == '-')
        return false; /* negative: before 1970, far more than five years ago */
    int64_t x = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i >= 15)
            return false; /* absurdly far in the future */
        x = x * 10 + (p[i] - '0');
    }
    bool frac = i < n && p[i] == '.';
    /* value is x or x.something: expired when value <= now, i.e. x < now or (x == now, no frac) */
    bool le_now = x < now_s || (x == now_s && !frac);
    return le_now && x >= now_s - ST_FIVE_YEARS_S;
}

typedef struct ttl_ctx {
    const char *attr;
    int64_t now_s;
} ttl_ctx;

static int st_ttl_apply(void *vctx, const av_t *old, arena_t *a, const av_t **out_new,
                        uint64_t *out_size, err_t *e)
{
    (void)out_size;
    (void)a;
    (void)e;
    ttl_ctx *c = vctx;
    if (old && st_expired(av_map_gets(old, c->attr), c->now_s))
        *out_new = NULL;
    else
        *out_new = STORE_KEEP;
    return 0;
}

/* The key attributes of item (the table's hash and range) copied into a: what the delete needs.
 * Returns 0, ERR_NOMEM, or ERR_INTERNAL when the item lacks its hash key (corrupt). */
static int st_ttl_key(arena_t *a, const store_table *t, const av_t *item, av_t *out)
{
    av_kv kv[2];
    size_t n = 0;
    for (size_t i = 0; i < item->u.map.n && n < 2; i++) {
        const av_kv *m = &item->u.map.kv[i];
        bool is_hash = m->name_len == strlen(t->key.hash) &&
                       memcmp(m->name, t->key.hash, m->name_len) == 0;
        bool is_range = t->key.range[0] && m->name_len == strlen(t->key.range) &&
                        memcmp(m->name, t->key.range, m->name_len) == 0;
        if (is_hash || is_range)
            kv[n++] = *m;
    }
    if (n == 0)
        return ERR_INTERNAL;
    av_t key = {.type = AV_M, .u.map = {.kv = kv, .n = n}};
    return av_copy(a, &key, out);
}

/* Reaps one table; returns deletions through *n_del.  An item is decoded in place (its bytes in
 * the read transaction's map) into a scratch arena emptied per item, and only an expired item's
 * key attributes are kept for the delete: a pass holds one item's tree and the batch's keys,
 * not the items it reads (review11 F2: a table of 400 KB items cost its size in memory each
 * pass, with nothing expired). */
static int st_ttl_table(store_t *s, const store_table *t, int64_t now_s, size_t *n_del, err_t *e)
{
    arena_t a, scratch;
    arena_init(&a);
    arena_init(&scratch);
    buf_t resume;
    buf_init(&resume, 0);
    int rc = 0;
    bool more = true;
    ttl_ctx ctx = {.attr = t->ttl_attr, .now_s = now_s};
    unsigned char pre[ST_PREFIX_LEN];
    st_prefix5(pre, t->id, 0);
    while (more && rc == 0) {
        arena_reset(&a);
        more = false;
        av_t *keys = arena_alloc(&a, sizeof *keys * ST_TTL_SCAN_BATCH);
        if (!keys) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
        size_t nk = 0, seen = 0;
        MDB_txn *txn;
        MDB_cursor *cur;
        rc = st_rtxn_begin(s, &txn);
        if (rc) {
            rc = st_mdb_err(rc, e);
            break;
        }
        rc = mdb_cursor_open(txn, s->db_data, &cur);
        if (rc) {
            st_rtxn_end(s, txn);
            rc = st_mdb_err(rc, e);
            break;
        }
        MDB_val k, v;
        int mrc;
        if (resume.len) {
            k.mv_size = resume.len;
            k.mv_data = resume.data;
            mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            if (mrc == 0 && k.mv_size == resume.len &&
                memcmp(k.mv_data, resume.data, k.mv_size) == 0)
                mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        } else {
            k.mv_size = 5;
            k.mv_data = pre;
            mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        }
        while (mrc == 0 && k.mv_size >= 5 && memcmp(k.mv_data, pre, 5) == 0) {
            if (seen == ST_TTL_SCAN_BATCH * 4 || nk == ST_TTL_SCAN_BATCH) {
                more = true;
                break;
            }
            seen++;
            buf_reset(&resume);
            if (buf_append(&resume, k.mv_data, k.mv_size)) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            av_t item;
            arena_reset(&scratch);
            int drc = av_decode(v.mv_data, v.mv_size, &scratch, &item);
            if (drc == 0 && item.type == AV_M &&
                st_expired(av_map_gets(&item, t->ttl_attr), now_s)) {
                drc = st_ttl_key(&a, t, &item, &keys[nk]);
                if (drc == 0)
                    nk++;
            }
            if (drc == ERR_NOMEM) { /* this pass stops; the next one retries */
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
        st_rtxn_end(s, txn);
        if (rc == 0 && mrc && mrc != MDB_NOTFOUND)
            rc = st_mdb_err(mrc, e);
        if (rc)
            break;
        if (nk) {
            store_write *w = arena_zalloc(&a, sizeof *w * nk);
            if (!w) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < nk; i++) {
                w[i].table = t;
                w[i].key = &keys[i];
                w[i].apply = st_ttl_apply;
                w[i].ctx = &ctx;
                w[i].arena = &a;
                w[i].by_service = true; /* its stream record names the service */
            }
            rc = store_write_each(s, w, nk, e);
            for (size_t i = 0; rc == 0 && i < nk; i++)
                if (w[i].rc == 0 && w[i].new_item == NULL && w[i].old_size)
                    (*n_del)++;
        }
    }
    buf_fini(&resume);
    arena_fini(&scratch);
    arena_fini(&a);
    return rc;
}

static bool st_ttl_enabled(const store_table *t)
{
    return t->ttl_attr[0] != 0;
}

int st_ttl_pass(store_t *s, int64_t now_s, size_t *out_deleted, err_t *e)
{
    size_t n_del = 0;
    /* the TTL-enabled tables as of now, pinned for the pass */
    st_cat_check(s, NULL);
    const store_table **tabs;
    size_t nt = st_cat_pin_all(s, st_ttl_enabled, &tabs);
    if (nt == SIZE_MAX)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < nt && rc == 0; i++)
        rc = st_ttl_table(s, tabs[i], now_s, &n_del, e);
    for (size_t i = 0; i < nt; i++)
        store_table_unpin(s, tabs[i]);
    free(tabs);
    if (out_deleted)
        *out_deleted = n_del;
    return rc;
}

/* A pass's failure is said when a streak of them starts and once when it ends: a failing
 * disk fails every pass, and the passes run every few seconds. */
static void st_pass_said(backoff *b, int rc, const char *what, const err_t *e)
{
    bool started = false;
    if (rc) {
        backoff_fail(b, &started);
        if (started)
            log_warn("store: %s pass failed: %s (said once until it works again)", what,
                     e->msg);
    } else if (backoff_ok(b)) {
        log_info("store: %s pass works again", what);
    }
}

static void *st_ttl_main(void *arg)
{
    store_t *s = arg;
    int64_t wait_ms = s->opts.ttl_interval_ms;
    backoff b_ttl, b_stream, b_pitr; /* only what was said: the passes keep their interval */
    backoff_init(&b_ttl, 1, 1);
    backoff_init(&b_stream, 1, 1);
    backoff_init(&b_pitr, 1, 1);
    pthread_mutex_lock(&s->ttl.mu);
    while (!s->ttl.stop) {
        struct timespec ts = base_deadline(CLOCK_MONOTONIC, wait_ms);
        pthread_cond_timedwait(&s->ttl.cv, &s->ttl.mu, &ts);
        if (s->ttl.stop)
            break;
        pthread_mutex_unlock(&s->ttl.mu);
        err_t e;
        err_clear(&e);
        size_t n = 0;
        int64_t t0 = base_mono_ms();
        int rc = st_ttl_pass(s, base_wall_ms() / 1000, &n, &e); /* expiry: the epoch's seconds */
        st_pass_said(&b_ttl, rc, "TTL", &e);
        if (rc == 0 && n)
            log_debug("store: TTL deleted %zu items", n);
        err_clear(&e);
        rc = store_stream_pass(s, base_wall_ms(), &e); /* stream trimming and shard rollover */
        st_pass_said(&b_stream, rc, "stream", &e);
        err_clear(&e);
        /* PITR history past its window, on the window's own clock (DescribeContinuousBackups
         * reads it too) */
        rc = store_pitr_pass(s, store_pitr_now(s), NULL, &e);
        st_pass_said(&b_pitr, rc, "PITR history", &e);
        /* a pass reads every item of the TTL tables: on big tables, rest 9x as long as the
         * pass took, so the reaper stays under ~10% of a core (DynamoDB itself deletes
         * expired items within days, not seconds) */
        /* an interval, on the monotonic clock: before, a wall step forward of an hour during
         * a pass made the reaper rest 9 hours (e2e test_ttl_clock.py) */
        int64_t took = base_mono_ms() - t0;
        wait_ms = took * 9 > s->opts.ttl_interval_ms ? took * 9 : s->opts.ttl_interval_ms;
        pthread_mutex_lock(&s->ttl.mu);
    }
    pthread_mutex_unlock(&s->ttl.mu);
    return NULL;
}

int st_ttl_start(store_t *s, err_t *e)
{
    return st_thread_start(&s->ttl, st_ttl_main, s, "TTL", e);
}

void st_ttl_stop(store_t *s)
{
    st_thread_stop(&s->ttl);
}
