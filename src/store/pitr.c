/*
 * pitr — point-in-time recovery: history records written with each change, the table as of
 * a moment, trimming.  Layer: store.  Design and record layout: pitr.h.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/pitr.h"
#include "store/store_int.h"

#define PT_STATE_VERSION 1
#define PT_REC_VERSION 1
#define PT_STATE_LEN 21 /* u8 version, i64 since, i64 retention, u32 days */
#define PT_KEY_LEN 25   /* 'h', tid, ms, txnid, n */
#define PT_REC_HDR 6    /* u8 version, u8 kind, u32 key length */
#define PT_ITEM_KEY_MAX 511 /* an item key is an LMDB key (mdb_env_get_maxkeysize) */
#define PT_PASS_BATCH 5000 /* records removed per write txn by the pass */

/* ---- encoding ------------------------------------------------------------------------------ */

static void pt_state_key(unsigned char k[5], uint32_t tid)
{
    k[0] = 'p';
    base_be32_put(k + 1, tid);
}

/* The state record of tid in txn (enabled false when absent).  0 or an MDB error. */
static int pt_state_read(store_t *s, MDB_txn *txn, uint32_t tid, store_pitr *out)
{
    memset(out, 0, sizeof *out);
    unsigned char kb[5];
    pt_state_key(kb, tid);
    MDB_val k = {sizeof kb, kb}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    const unsigned char *p = v.mv_data;
    if (v.mv_size != PT_STATE_LEN || p[0] != PT_STATE_VERSION)
        return MDB_CORRUPTED;
    out->enabled = true;
    out->since_ms = (int64_t)base_le_get(p + 1, 8);
    out->retention_ms = (int64_t)base_le_get(p + 9, 8);
    out->days = (uint32_t)base_le_get(p + 17, 4);
    return 0;
}

/* The first moment of the window as of now_ms: the retention's start, or since_ms. */
static int64_t pt_window_start(const store_pitr *p, int64_t now_ms)
{
    int64_t w = now_ms - p->retention_ms;
    return w > p->since_ms ? w : p->since_ms;
}

/* Writes tid's state record p (enabled). */
static int pt_state_write(store_t *s, MDB_txn *txn, uint32_t tid, const store_pitr *p)
{
    unsigned char kb[5], vb[PT_STATE_LEN];
    pt_state_key(kb, tid);
    vb[0] = PT_STATE_VERSION;
    base_le_put(vb + 1, (uint64_t)p->since_ms, 8);
    base_le_put(vb + 9, (uint64_t)p->retention_ms, 8);
    base_le_put(vb + 17, p->days, 4);
    MDB_val k = {sizeof kb, kb}, v = {sizeof vb, vb};
    return mdb_put(txn, s->db_meta, &k, &v, 0);
}

/* ---- the write path (commit.c) ------------------------------------------------------------- */

/* The history's clock as of now, in microseconds (mono, wall: the clocks read under clkmu):
 * the wall clock, or, when that is behind, the clock's last reading (clk_us at the monotonic
 * clk_mono_us) moved on at half the monotonic time since.  So the clock never goes back
 * within a process, changes at least 2 ms apart keep their own times while the wall clock is
 * behind (closer ones may share a millisecond, ordered by txnid and n), and once the wall
 * clock is back from a step ahead of D the clock meets it again within 2D, at any rate of
 * rounds.  (A bump to the next millisecond once a monotonic one had passed ran the clock at
 * full speed with a round every 1-2 ms, the rate of a busy server's fsyncs, and it never
 * caught up: test_clock_catches_up_with_a_round_every_millisecond.)
 * Kept in microseconds: in whole milliseconds of the two clocks, each truncated on its own,
 * a round a monotonic millisecond after the last read a millisecond past the wall clock with
 * no step at all, and a restore to the caller's "now" missed the change just acknowledged
 * (test_clock_is_the_wall_clock_without_a_step).
 * Before, it went on at the full monotonic speed: a wall clock briefly ahead by D left the
 * history D ahead for good, and a restore to a wall-clock moment lost the last D of changes
 * (review29a F1, test_pitr.py test_clock_returns_after_a_forward_step); and before that it
 * stood still at the last stamp, every change after a backward step got the same millisecond
 * (test_pitr.py test_restore_between_changes_after_a_backward_step). */
static int64_t pt_clock_at(const store_t *s, int64_t mono, int64_t wall)
{
    int64_t dt = mono - s->pitr.clk_mono_us, last = s->pitr.clk_us;
    int64_t h = last + (dt > 0 ? dt / 2 : 0);
    return wall > h ? wall : h;
}

/* The clock now, in ms; advance: the reading becomes the one later readings move on from
 * (commit rounds; store_pitr_now only reads, so describing a table does not speed the clock
 * up).  The wall clock is read first: a thread put aside between the two readings keeps a
 * monotonic reading later than its wall clock's, and the clock moving on from them stays at
 * or behind the wall clock; the other way round it kept a later wall clock with an earlier
 * monotonic reading and ran up to half the pause ahead (test_pitr.c
 * test_clock_not_ahead_when_a_round_is_put_aside). */
static int64_t pt_clock(store_t *s, bool advance)
{
    pthread_mutex_lock(&s->pitr.clkmu);
    int64_t wall = base_us_of(CLOCK_REALTIME), mono = base_us_of(CLOCK_MONOTONIC);
    int64_t h = pt_clock_at(s, mono, wall);
    if (advance) {
        s->pitr.clk_us = h;
        s->pitr.clk_mono_us = mono;
    }
    pthread_mutex_unlock(&s->pitr.clkmu);
    return h / 1000;
}

/* The clock reads at least at_ms from now on (write txns only). */
static void pt_clock_raise(store_t *s, int64_t at_ms)
{
    pthread_mutex_lock(&s->pitr.clkmu);
    int64_t wall = base_us_of(CLOCK_REALTIME), mono = base_us_of(CLOCK_MONOTONIC);
    if (at_ms * 1000 > pt_clock_at(s, mono, wall)) {
        s->pitr.clk_us = at_ms * 1000;
        s->pitr.clk_mono_us = mono;
    }
    pthread_mutex_unlock(&s->pitr.clkmu);
}

void st_pitr_round_begin(store_t *s)
{
    int64_t now = pt_clock(s, true);
    s->pitr.round_ms = now;
    s->pitr.last_ms = now;
    s->pitr.n = 0;
    s->pitr.cached = false;
}

void st_pitr_seed(store_t *s, MDB_txn *txn)
{
    MDB_cursor *c;
    if (mdb_cursor_open(txn, s->db_meta, &c))
        return;
    int64_t newest = 0;
    uint32_t tid = 0;
    for (;;) { /* per table with history: its first record, then its last */
        unsigned char seek[5] = {'h'};
        base_be32_put(seek + 1, tid);
        MDB_val k = {sizeof seek, seek}, v;
        if (mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) || k.mv_size != PT_KEY_LEN ||
            ((unsigned char *)k.mv_data)[0] != 'h')
            break;
        tid = base_be32_get((unsigned char *)k.mv_data + 1);
        unsigned char past[5] = {'h' + 1}; /* one past the table's records */
        MDB_val pk = {1, past};
        if (tid != UINT32_MAX) {
            past[0] = 'h';
            base_be32_put(past + 1, tid + 1);
            pk.mv_size = sizeof past;
        }
        int rc = mdb_cursor_get(c, &pk, &v, MDB_SET_RANGE);
        rc = rc == 0 ? mdb_cursor_get(c, &pk, &v, MDB_PREV) : mdb_cursor_get(c, &pk, &v, MDB_LAST);
        if (rc == 0 && pk.mv_size == PT_KEY_LEN && ((unsigned char *)pk.mv_data)[0] == 'h') {
            int64_t ms = (int64_t)base_be64_get((unsigned char *)pk.mv_data + 5);
            if (ms > newest)
                newest = ms;
        }
        if (tid == UINT32_MAX)
            break;
        tid++;
    }
    /* and later than each table's since_ms: a change after enabling is recorded after it
     * even when no record was written before a restart with the clock stepped back (review28b
     * F1) */
    unsigned char ps[1] = {'p'};
    MDB_val k = {sizeof ps, ps}, v;
    int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'p') {
        const unsigned char *p = v.mv_data;
        if (v.mv_size == PT_STATE_LEN && p[0] == PT_STATE_VERSION) {
            int64_t since = (int64_t)base_le_get(p + 1, 8);
            if (since < INT64_MAX && since + 1 > newest)
                newest = since + 1;
        }
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    /* the clock starts after the newest record, at the wall clock when that is later; ahead
     * of the wall clock (a record stamped while it was ahead), it slews back (pt_clock) */
    s->pitr.last_ms = newest;
    pthread_mutex_lock(&s->pitr.clkmu);
    s->pitr.clk_us = (newest + 1) * 1000;
    s->pitr.clk_mono_us = base_us_of(CLOCK_MONOTONIC);
    pthread_mutex_unlock(&s->pitr.clkmu);
}

int64_t store_pitr_now(store_t *s)
{
    return pt_clock(s, false);
}

int st_pitr_put(store_t *s, MDB_txn *txn, uint32_t tid, const MDB_val *key, const MDB_val *old)
{
    if (!s->pitr.cached || s->pitr.tid != tid) { /* one look-up per table per round */
        store_pitr st;
        int rc = pt_state_read(s, txn, tid, &st);
        if (rc)
            return rc;
        s->pitr.cached = true;
        s->pitr.tid = tid;
        s->pitr.on = st.enabled;
    }
    if (!s->pitr.on)
        return 0;
    unsigned char kb[PT_KEY_LEN];
    kb[0] = 'h';
    base_be32_put(kb + 1, tid);
    base_be64_put(kb + 5, (uint64_t)s->pitr.round_ms);
    base_be64_put(kb + 13, (uint64_t)mdb_txn_id(txn));
    base_be32_put(kb + 21, s->pitr.n++);
    /* old points into LMDB's pages: copied first, since a put may spill dirty pages */
    unsigned char *copy = NULL;
    if (old && old->mv_size) {
        copy = malloc(old->mv_size);
        if (!copy)
            return ENOMEM;
        memcpy(copy, old->mv_data, old->mv_size);
    }
    size_t len = PT_REC_HDR + key->mv_size + (old ? old->mv_size : 0);
    MDB_val k = {sizeof kb, kb}, v = {len, NULL};
    int rc = mdb_put(txn, s->db_meta, &k, &v, MDB_RESERVE);
    if (rc == 0) {
        unsigned char *p = v.mv_data;
        p[0] = PT_REC_VERSION;
        p[1] = old ? 1 : 0;
        base_le_put(p + 2, key->mv_size, 4);
        memcpy(p + PT_REC_HDR, key->mv_data, key->mv_size);
        if (copy)
            memcpy(p + PT_REC_HDR + key->mv_size, copy, old->mv_size);
    }
    free(copy);
    return rc;
}

/* ---- state ------------------------------------------------------------------------------- */

int store_pitr_get(store_t *s, const store_table *t, store_pitr *out, err_t *e)
{
    MDB_txn *txn = NULL;
    int rc = st_rtxn_begin(s, &txn);
    if (rc == 0)
        rc = pt_state_read(s, txn, t->id, out);
    if (txn)
        st_rtxn_end(s, txn);
    return st_mdb_err(rc, e);
}

typedef struct pt_set {
    uint32_t tid;
    bool enable;
    uint32_t days;
    int64_t retention_ms;
    store_pitr out;
} pt_set;

static int pt_set_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    (void)e;
    pt_set *c = vctx;
    store_pitr cur;
    int rc = pt_state_read(s, txn, c->tid, &cur);
    if (rc)
        return rc;
    unsigned char kb[5];
    pt_state_key(kb, c->tid);
    MDB_val k = {sizeof kb, kb};
    if (!c->enable) {
        memset(&c->out, 0, sizeof c->out);
        rc = mdb_del(txn, s->db_meta, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    c->out.enabled = true;
    /* enabling: every change recorded from now on is later than since_ms (a change in this
     * very millisecond too), so the table as of since_ms is the table as it is now.  Already
     * enabled: the window keeps its start as of now, never an earlier one; history older
     * than the current retention may be trimmed already (the pass), so a longer period
     * grows the window from here on (review13 F6: a jump back to the enable time let a
     * restore to a trimmed moment return a later state) */
    int64_t now = pt_clock(s, false); /* never before the history's newest record */
    if (cur.enabled) {
        c->out.since_ms = pt_window_start(&cur, now);
    } else {
        /* not before a record already in the history either (one of an earlier enabling, not
         * trimmed yet: the restore would undo it); the commit rounds' clock goes on after
         * since_ms, so a change after this is later, even once the wall clock steps back
         * (review28b F1: since_ms came from the wall clock, the round clock stayed below it,
         * and a restore to EarliestRestorableDateTime kept a change made after enabling).
         * Written only in write txns, which are serialised: no round is running. */
        int64_t last = s->pitr.last_ms;
        c->out.since_ms = now - 1 > last ? now - 1 : last;
        pt_clock_raise(s, c->out.since_ms + 1);
    }
    c->out.retention_ms = c->retention_ms;
    c->out.days = c->days;
    return pt_state_write(s, txn, c->tid, &c->out);
}

int store_pitr_set(store_t *s, const store_table *t, bool enable, uint32_t days,
                   int64_t retention_ms, store_pitr *out, err_t *e)
{
    if (enable && retention_ms <= 0)
        return err_set(e, ERR_VALIDATION, "retention must be positive");
    pt_set c = {.tid = t->id, .enable = enable, .days = days, .retention_ms = retention_ms};
    int rc = st_write_txn(s, pt_set_fn, &c, e);
    if (rc == 0 && out)
        *out = c.out;
    return rc;
}

/* ---- the table as of a moment ------------------------------------------------------------- */

typedef struct pt_undo {
    const unsigned char *key; /* the item key's copy in pt_hist's key buffer, not the map's */
    size_t off;               /* of key in that buffer, while it grows */
    size_t klen;
    unsigned char hk[PT_KEY_LEN]; /* the history record's key: its before-image is read again */
    size_t ord; /* commit order: the first change after T wins */
    bool present, used;
} pt_undo;

static int pt_undo_cmp(const void *a, const void *b)
{
    const pt_undo *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static pt_undo *pt_undo_find(pt_undo *v, size_t n, const MDB_val *k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t m = v[mid].klen < k->mv_size ? v[mid].klen : k->mv_size;
        int c = memcmp(v[mid].key, k->mv_data, m);
        if (c == 0 && v[mid].klen != k->mv_size)
            c = v[mid].klen < k->mv_size ? -1 : 1;
        if (c == 0)
            return &v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int pt_emit(store_t *s, arena_t *a, const unsigned char *data, size_t len,
                   store_item_fn fn, void *ctx, err_t *e)
{
    (void)s;
    MDB_val v = {len, (void *)data};
    av_t item;
    int rc = st_decode(a, &v, &item, e);
    if (rc == 0)
        rc = fn(ctx, &item, e);
    arena_reset(a);
    return rc;
}

/* Emits x's before-image, read again from its history record in the snapshot's txn: a
 * record's body is copied nowhere, so what a snapshot holds is bounded by its keys (review
 * r33a F9).  The txn is the one the records were found in (kept across a map growth), so
 * the record is there and the same. */
static int pt_emit_undo(store_t *s, MDB_txn *txn, arena_t *a, const pt_undo *x,
                        const store_table *t, store_item_fn fn, void *ctx, err_t *e)
{
    MDB_val k = {PT_KEY_LEN, (void *)x->hk}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc)
        return st_mdb_err(rc, e);
    const unsigned char *p = v.mv_data;
    size_t kl = v.mv_size < PT_REC_HDR ? 0 : (size_t)base_le_get(p + 2, 4);
    if (v.mv_size < PT_REC_HDR || kl != x->klen || kl > v.mv_size - PT_REC_HDR)
        return err_set(e, ERR_IO, "a damaged history record of table %s", t->name);
    return pt_emit(s, a, p + PT_REC_HDR + kl, v.mv_size - PT_REC_HDR - kl, fn, ctx, e);
}

int store_pitr_snapshot(store_t *s, const store_table *t, int64_t at_ms,
                        store_snap_started_fn started, store_item_fn fn, void *ctx, err_t *e)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    pt_undo *u = NULL;
    size_t n = 0, cap = 0;
    /* the undo records' item keys, copied out of the map: the read lets a map growth in
     * between two steps (st_cursor_next_yielding), after which a pointer into the map is
     * stale (review32 r32c M1; test_backup.c test_pitr_read_lets_the_map_grow).  Only keys
     * (each at most LMDB's 511 bytes) and the history keys are held; each chosen
     * before-image is read again from the map when it is emitted (pt_emit_undo), so a
     * history of large items is never copied whole (review r33a F9;
     * test_pitr.c test_snapshot_holds_keys_only). */
    unsigned char *hb = NULL;
    size_t hlen = 0, hcap = 0;
    arena_t a;
    arena_init(&a);
    int rc = st_rtxn_begin(s, &txn);
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    store_pitr st;
    if ((rc = pt_state_read(s, txn, t->id, &st))) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    /* exact or refused: the history after since_ms is whole (the pass moves since_ms past
     * what it trims); the retention is the caller's policy, checked against its own clock
     * (a second reading here refused a time the caller had just accepted: review13 F8) */
    if (!st.enabled || at_ms < st.since_ms) {
        rc = err_set(e, ERR_VALIDATION, "no history of table %s at that time", t->name);
        goto done;
    }
    /* the changes after at_ms, in commit order */
    if ((rc = mdb_cursor_open(txn, s->db_meta, &cur))) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    unsigned char hk[13];
    hk[0] = 'h';
    base_be32_put(hk + 1, t->id);
    base_be64_put(hk + 5, (uint64_t)at_ms + 1);
    MDB_val k = {sizeof hk, hk}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == PT_KEY_LEN && memcmp(k.mv_data, hk, 5) == 0) {
        const unsigned char *p = v.mv_data;
        if (v.mv_size < PT_REC_HDR || p[0] != PT_REC_VERSION ||
            base_le_get(p + 2, 4) > v.mv_size - PT_REC_HDR) {
            rc = err_set(e, ERR_IO, "a damaged history record of table %s", t->name);
            goto done;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            pt_undo *nu = realloc(u, nc * sizeof *nu);
            if (!nu) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                goto done;
            }
            u = nu;
            cap = nc;
        }
        size_t kl = (size_t)base_le_get(p + 2, 4);
        if (kl > PT_ITEM_KEY_MAX) {
            rc = err_set(e, ERR_IO, "a damaged history record of table %s", t->name);
            goto done;
        }
        if (kl > hcap - hlen) {
            size_t nc = hcap ? hcap : 4096;
            while (nc - hlen < kl)
                nc *= 2;
            unsigned char *nb = realloc(hb, nc);
            if (!nb) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                goto done;
            }
            hb = nb;
            hcap = nc;
        }
        memcpy(hb + hlen, p + PT_REC_HDR, kl);
        u[n] = (pt_undo){.off = hlen, .klen = kl, .ord = n, .present = p[1] == 1};
        memcpy(u[n].hk, k.mv_data, PT_KEY_LEN);
        hlen += kl;
        n++;
        mrc = st_cursor_next_yielding(s, txn, s->db_meta, &cur, &k, &v);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        rc = st_mdb_err(mrc, e);
        goto done;
    }
    for (size_t i = 0; i < n; i++) /* hb moved no more */
        u[i].key = hb + u[i].off;
    /* per item, keep its first change after at_ms: its before-image is its state at at_ms */
    if (n) /* (u is NULL when there is nothing to undo) */
        qsort(u, n, sizeof *u, pt_undo_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || u[m - 1].klen != u[i].klen || memcmp(u[m - 1].key, u[i].key, u[i].klen))
            u[m++] = u[i];
    n = m;
    mdb_cursor_close(cur);
    cur = NULL;

    if (started) {
        uint64_t count, bytes;
        st_cnt_get(s, txn, t->id, 0, &count, &bytes); /* 0, 0 when absent or unreadable */
        started(ctx, count, bytes);
    }
    /* the current items, each replaced by its state at at_ms where it changed since */
    if ((rc = mdb_cursor_open(txn, s->db_data, &cur))) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    unsigned char pre[5];
    base_be32_put(pre, t->id);
    pre[4] = 0;
    k.mv_size = sizeof pre;
    k.mv_data = pre;
    mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size >= sizeof pre && memcmp(k.mv_data, pre, sizeof pre) == 0) {
        pt_undo *x = pt_undo_find(u, n, &k);
        if (x) {
            x->used = true;
            if (x->present)
                rc = pt_emit_undo(s, txn, &a, x, t, fn, ctx, e);
        } else {
            rc = pt_emit(s, &a, v.mv_data, v.mv_size, fn, ctx, e);
        }
        if (rc)
            goto done;
        mrc = st_cursor_next_yielding(s, txn, s->db_data, &cur, &k, &v);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        rc = st_mdb_err(mrc, e);
        goto done;
    }
    /* items deleted since at_ms */
    for (size_t i = 0; i < n; i++)
        if (!u[i].used && u[i].present &&
            (rc = pt_emit_undo(s, txn, &a, &u[i], t, fn, ctx, e)))
            goto done;
done:
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        st_rtxn_end(s, txn);
    free(u);
    free(hb);
    arena_fini(&a);
    return rc;
}

int store_pitr_count(store_t *s, const store_table *t, uint64_t *out, err_t *e)
{
    *out = 0;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = st_rtxn_begin(s, &txn);
    if (rc == 0)
        rc = mdb_cursor_open(txn, s->db_meta, &cur);
    if (rc == 0) {
        unsigned char hk[5] = {'h'};
        base_be32_put(hk + 1, t->id);
        MDB_val k = {sizeof hk, hk}, v;
        int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (mrc == 0 && k.mv_size == PT_KEY_LEN && memcmp(k.mv_data, hk, 5) == 0) {
            (*out)++;
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        if (mrc != MDB_NOTFOUND)
            rc = mrc;
    }
    if (cur)
        mdb_cursor_close(cur);
    if (txn)
        st_rtxn_end(s, txn);
    return st_mdb_err(rc, e);
}

/* ---- trimming ----------------------------------------------------------------------------- */

typedef struct pt_pass {
    int64_t now_ms;
    bool dry;       /* only find out whether there is work */
    size_t removed; /* records (or found work) */
} pt_pass;

/* After mdb_cursor_del: the record the cursor moved to (as catalog.c does). */
static int pt_after_del(MDB_cursor *cur, MDB_val *k, MDB_val *v)
{
    int rc = mdb_cursor_get(cur, k, v, MDB_GET_CURRENT);
    if (rc == EINVAL || rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, k, v, MDB_NEXT);
    return rc;
}

static bool pt_table_live(store_t *s, uint32_t tid)
{
    const cat_ent *ce = st_cat_pin_id(s, tid);
    if (ce)
        store_table_unpin(s, &ce->t);
    return ce != NULL;
}

/* Walks the history table by table: removes (or, dry, counts) records before each table's
 * window, every record of tables without recovery, and the state of tables that are gone. */
static int pt_pass_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    pt_pass *p = vctx;
    p->removed = 0;
    int rc = st_cat_refresh(s, txn, e);
    if (rc)
        return rc;
    MDB_cursor *cur = NULL;
    if ((rc = mdb_cursor_open(txn, s->db_meta, &cur)))
        return rc;
    /* state records of tables that are gone */
    unsigned char sk[5] = {'p', 0, 0, 0, 0};
    MDB_val k = {1, sk}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == 5 && ((unsigned char *)k.mv_data)[0] == 'p' &&
           p->removed < PT_PASS_BATCH) {
        uint32_t tid = base_be32_get((unsigned char *)k.mv_data + 1);
        if (!pt_table_live(s, tid)) {
            p->removed++;
            if (!p->dry && (rc = mdb_cursor_del(cur, 0)))
                goto done;
            if (!p->dry) {
                mrc = pt_after_del(cur, &k, &v);
                continue;
            }
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    /* history, table by table */
    unsigned char hk[PT_KEY_LEN] = {'h'};
    k.mv_size = 1;
    k.mv_data = hk;
    mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && p->removed < PT_PASS_BATCH) {
        const unsigned char *kp = k.mv_data;
        if (k.mv_size != PT_KEY_LEN || kp[0] != 'h')
            break;
        uint32_t tid = base_be32_get(kp + 1);
        store_pitr st;
        if ((rc = pt_state_read(s, txn, tid, &st)))
            goto done;
        int64_t cut = st.enabled ? pt_window_start(&st, p->now_ms) : INT64_MAX;
        int64_t trimmed = INT64_MIN; /* the last (newest) record removed */
        while (mrc == 0 && k.mv_size == PT_KEY_LEN && ((unsigned char *)k.mv_data)[0] == 'h' &&
               base_be32_get((unsigned char *)k.mv_data + 1) == tid &&
               (int64_t)base_be64_get((unsigned char *)k.mv_data + 5) < cut &&
               p->removed < PT_PASS_BATCH) {
            p->removed++;
            if (p->dry) {
                mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
                continue;
            }
            trimmed = (int64_t)base_be64_get((unsigned char *)k.mv_data + 5);
            if ((rc = mdb_cursor_del(cur, 0)))
                goto done;
            mrc = pt_after_del(cur, &k, &v);
        }
        /* the table as of a moment before the last record removed cannot be rebuilt any
         * more: the window starts there at the earliest, whatever the retention becomes
         * (the cursor is positioned again below before it is used) */
        if (st.enabled && trimmed > st.since_ms) {
            st.since_ms = trimmed;
            if ((rc = pt_state_write(s, txn, tid, &st)))
                goto done;
        }
        if (mrc || p->removed >= PT_PASS_BATCH || tid == UINT32_MAX)
            break;
        /* on to the next table's history */
        hk[0] = 'h';
        base_be32_put(hk + 1, tid + 1);
        k.mv_size = 5;
        k.mv_data = hk;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND && mrc != EINVAL)
        rc = mrc;
done:
    mdb_cursor_close(cur);
    return rc;
}

int store_pitr_pass(store_t *s, int64_t now_ms, size_t *out_removed, err_t *e)
{
    if (out_removed)
        *out_removed = 0;
    /* a look first, in a read txn: most passes have nothing to do and write nothing */
    pt_pass p = {.now_ms = now_ms, .dry = true};
    MDB_txn *txn = NULL;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    rc = pt_pass_fn(s, txn, &p, e);
    st_rtxn_end(s, txn);
    if (rc || p.removed == 0)
        return st_mdb_err(rc, e);
    /* as many write txns of at most PT_PASS_BATCH records as the work takes (each short,
     * writers go between them), until it is done or the store closes.  Before, one batch per
     * call, and the TTL thread calls once a pass (every second or more): a table written
     * faster than 5,000 changes a pass grew its history past the window without bound, and
     * a disabled table's history went 5,000 records a pass (test_pitr
     * test_pass_trims_more_than_a_batch). */
    p.dry = false;
    size_t total = 0;
    do {
        rc = st_write_txn(s, pt_pass_fn, &p, e);
        if (rc == 0)
            total += p.removed;
    } while (rc == 0 && p.removed >= PT_PASS_BATCH && !st_ttl_stopping(s));
    if (out_removed)
        *out_removed = total;
    return rc;
}
