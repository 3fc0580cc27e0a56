/*
 * catalog — tables and indexes: the LMDB catalog, its in-memory cache, and every change of a
 * table's definition (store_table_alter).  Layer: store (above store.c).
 *
 * Each table is one record in the "catalog" DB: a version byte (STORE_CAT_VERSION) then
 * av_encode of an M describing it (catalog_rec.c encodes and decodes it).  The cache is an array sorted by name, swapped under
 * catlock when the generation in meta ("gen", bumped by every catalog change in any process)
 * differs from the one loaded.  A record whose bytes did not change keeps its cat_ent, so
 * descriptors stay stable.  Entries are reference counted: the cache holds one reference
 * while an entry is current, each pin one more; a replaced or removed entry loses the cache's
 * reference and is freed when its last pin goes (store.h: pinned descriptors).
 *
 * Changes: store_table_alter reads the committed record inside one write txn, lets the
 * caller's function decide the new one, derives the index changes from the difference
 * (removed ids get a pending-removal marker, new ones an id and the backfilling flag) and
 * writes it all in that txn; removals and backfills then run in batches of their own.  Table
 * ids come from meta "next_tid" and are never reused; index ids from the table's counter.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "store/store_int.h"
#include "store/store_text.h"
#include "value/keycodec.h"

/* Whether a key definition is well formed: several attributes only in a GSI's key. */
static bool st_keydef_ok(const store_keydef *k, bool gsi)
{
    if (k->n_xhash > STORE_KEY_PARTS - 1 || k->n_xrange > STORE_KEY_PARTS - 1 ||
        (k->n_xrange && !k->range[0]))
        return false;
    return gsi || !store_key_multi(k);
}

/* ---- cache ------------------------------------------------------------------------ */

static int st_ent_cmp(const void *a, const void *b)
{
    return strcmp((*(cat_ent *const *)a)->t.name, (*(cat_ent *const *)b)->t.name);
}

/* Caller holds catlock (any mode). */
static cat_ent *st_find_locked(store_t *s, const char *name)
{
    size_t lo = 0, hi = s->n_tabs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->tabs[mid]->t.name, name);
        if (c == 0)
            return s->tabs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int st_cat_refresh(store_t *s, MDB_txn *txn, err_t *e)
{
    uint64_t gen;
    int rc = st_meta_get_u64(s, txn, "gen", &gen);
    if (rc)
        return st_mdb_err(rc, e);
    pthread_rwlock_rdlock(&s->catlock);
    uint64_t have = s->cat_gen;
    pthread_rwlock_unlock(&s->catlock);
    if (gen == have)
        return 0;

    /* load every record; match against the current cache under the write lock */
    cat_ent **nt = NULL;
    size_t n = 0, cap = 0;
    MDB_cursor *cur = NULL;
    rc = mdb_cursor_open(txn, s->db_cat, &cur);
    if (rc)
        return st_mdb_err(rc, e);
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            cat_ent **g = realloc(nt, cap * sizeof *nt);
            if (!g) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                goto fail;
            }
            nt = g;
        }
        rc = st_cat_decode(s, v.mv_data, v.mv_size, &nt[n], e);
        if (rc)
            goto fail;
        n++;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (mrc != MDB_NOTFOUND) {
        rc = st_mdb_err(mrc, e);
        goto fail;
    }
    if (n)
        qsort(nt, n, sizeof *nt, st_ent_cmp);

    pthread_rwlock_wrlock(&s->catlock);
    if (gen <= s->cat_gen && s->cat_gen != 0 && gen != 0) {
        /* someone installed this or a newer generation meanwhile */
        pthread_rwlock_unlock(&s->catlock);
        for (size_t i = 0; i < n; i++)
            st_ent_free(s, nt[i]);
        free(nt);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        cat_ent *old = st_find_locked(s, nt[i]->t.name);
        if (old && old->raw_len == nt[i]->raw_len &&
            memcmp(old->raw, nt[i]->raw, old->raw_len) == 0) {
            st_ent_free(s, nt[i]);
            nt[i] = old; /* keeps the cache's reference */
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!nt[i]->counted) { /* a new or changed table: its descriptor is live from now */
            nt[i]->counted = true;
            atomic_fetch_add(&s->live_ents, 1);
        }
    /* entries that are not in the new set lose the cache's reference */
    for (size_t i = 0; i < s->n_tabs; i++) {
        bool kept = false;
        for (size_t j = 0; j < n && !kept; j++)
            kept = nt[j] == s->tabs[i];
        if (!kept)
            st_ent_unref(s, s->tabs[i]);
    }
    free(s->tabs);
    s->tabs = nt;
    s->n_tabs = n;
    s->cap_tabs = cap;
    s->cat_gen = gen;
    pthread_rwlock_unlock(&s->catlock);
    return 0;
fail:
    if (cur)
        mdb_cursor_close(cur);
    for (size_t i = 0; i < n; i++)
        st_ent_free(s, nt[i]);
    free(nt);
    return rc;
}

int st_cat_check(store_t *s, err_t *e)
{
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc) {
        rc = st_mdb_err(rc, e);
    } else {
        rc = st_cat_refresh(s, txn, e);
        st_rtxn_end(s, txn);
    }
    /* a failed reload (out of memory) is retried by the next lookup, not a few ms later */
    atomic_store(&s->cat_checked_ms, rc ? 0 : base_mono_ms());
    return rc;
}

static void st_cat_maybe_check(store_t *s)
{
    int64_t now = base_mono_ms();
    int64_t last = atomic_load(&s->cat_checked_ms);
    if (now - last < ST_CAT_CHECK_MS)
        return;
    if (!atomic_compare_exchange_strong(&s->cat_checked_ms, &last, now))
        return; /* another thread is checking */
    st_cat_check(s, NULL);
}

int st_cat_init(store_t *s, err_t *e)
{
    return st_cat_check(s, e);
}

void st_cat_fini(store_t *s)
{
    for (size_t i = 0; i < s->n_tabs; i++)
        st_ent_unref(s, s->tabs[i]);
    free(s->tabs);
    s->tabs = NULL;
    s->n_tabs = 0;
    size_t left = atomic_load(&s->live_ents);
    if (left)
        log_warn("store: %zu table descriptor(s) still pinned at close (never freed)", left);
}

/* Pins the cache's entry named `name`; caller holds catlock (any mode).  Safe under the read
 * lock: an entry in the cache holds the cache's reference until it is removed, which takes the
 * write lock. */
static cat_ent *st_pin_locked(store_t *s, const char *name)
{
    cat_ent *c = st_find_locked(s, name);
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

static cat_ent *st_pin_name(store_t *s, const char *name)
{
    pthread_rwlock_rdlock(&s->catlock);
    cat_ent *c = st_pin_locked(s, name);
    pthread_rwlock_unlock(&s->catlock);
    return c;
}

const cat_ent *st_cat_pin_id(store_t *s, uint32_t id)
{
    cat_ent *r = NULL;
    pthread_rwlock_rdlock(&s->catlock);
    for (size_t i = 0; i < s->n_tabs && !r; i++)
        if (s->tabs[i]->t.id == id) {
            r = s->tabs[i];
            atomic_fetch_add(&r->refs, 1);
        }
    pthread_rwlock_unlock(&s->catlock);
    return r;
}

size_t st_cat_pin_all(store_t *s, bool (*want)(const store_table *t), const store_table ***out)
{
    *out = NULL;
    pthread_rwlock_rdlock(&s->catlock);
    size_t n = 0;
    const store_table **v = malloc(sizeof *v * (s->n_tabs ? s->n_tabs : 1));
    for (size_t i = 0; v && i < s->n_tabs; i++)
        if (!want || want(&s->tabs[i]->t)) {
            atomic_fetch_add(&s->tabs[i]->refs, 1);
            v[n++] = &s->tabs[i]->t;
        }
    pthread_rwlock_unlock(&s->catlock);
    if (!v)
        return SIZE_MAX;
    *out = v;
    return n;
}

const store_table *store_table_pin(store_t *s, const char *name)
{
    st_cat_maybe_check(s);
    cat_ent *c = st_pin_name(s, name);
    if (!c) {
        /* a miss may be a table another process created in the last few ms: look now */
        st_cat_check(s, NULL);
        c = st_pin_name(s, name);
    }
    return c ? &c->t : NULL;
}

const store_table *store_table_pin_fresh(store_t *s, const char *name)
{
    st_cat_check(s, NULL);
    cat_ent *c = st_pin_name(s, name);
    return c ? &c->t : NULL;
}

void store_table_unpin(store_t *s, const store_table *t)
{
    st_ent_unref(s, (cat_ent *)t);
}

const store_table *store_table_repin(store_t *s, const store_table *t)
{
    (void)s;
    atomic_fetch_add(&((cat_ent *)t)->refs, 1);
    return t;
}

size_t store_live_tables(store_t *s)
{
    return atomic_load(&s->live_ents);
}

store_memo *store_table_memo(const store_table *t)
{
    return t && t->self == t ? atomic_load_explicit(&((cat_ent *)t)->memo, memory_order_acquire)
                             : NULL;
}

store_memo *store_table_memo_set(const store_table *t, store_memo *m)
{
    if (!t || t->self != t)
        return NULL;
    store_memo *want = NULL;
    if (atomic_compare_exchange_strong_explicit(&((cat_ent *)t)->memo, &want, m,
                                                memory_order_acq_rel, memory_order_acquire))
        return m;
    return want; /* another thread's, set first */
}

uint8_t store_table_mark(const store_table *t)
{
    return t && t->self == t ? atomic_load_explicit(&((cat_ent *)t)->mark, memory_order_acquire)
                             : 0;
}

void store_table_mark_set(const store_table *t, uint8_t bits)
{
    if (t && t->self == t)
        atomic_fetch_or_explicit(&((cat_ent *)t)->mark, bits, memory_order_acq_rel);
}

int store_table_list(store_t *s, arena_t *a, char ***out_names, size_t *out_n, err_t *e)
{
    st_cat_maybe_check(s);
    int rc = 0;
    pthread_rwlock_rdlock(&s->catlock);
    char **names = arena_alloc(a, sizeof *names * (s->n_tabs ? s->n_tabs : 1));
    if (!names) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->n_tabs; i++) {
        names[i] = arena_strdup(a, s->tabs[i]->t.name);
        if (!names[i]) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    *out_names = names;
    *out_n = s->n_tabs;
done:
    pthread_rwlock_unlock(&s->catlock);
    return rc;
}

/* ---- changes ---------------------------------------------------------------------- */

static int st_bump_gen(store_t *s, MDB_txn *txn)
{
    uint64_t g;
    int rc = st_meta_get_u64(s, txn, "gen", &g);
    if (rc == 0)
        rc = st_meta_put_u64(s, txn, "gen", g + 1);
    return rc;
}

/* Writes the record of t (already encoded in b) and bumps the generation. */
static int st_put_encoded(store_t *s, MDB_txn *txn, const char *name, const buf_t *b)
{
    MDB_val k = {strlen(name), (void *)name}, v = {b->len, b->data};
    int rc = mdb_put(txn, s->db_cat, &k, &v, 0);
    if (rc == 0)
        rc = st_bump_gen(s, txn);
    return rc;
}

static int st_put_record(store_t *s, MDB_txn *txn, const store_table *t, uint8_t next_iid)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = st_cat_encode(t, next_iid, &b);
    if (rc == 0)
        rc = st_put_encoded(s, txn, t->name, &b);
    buf_fini(&b);
    return rc;
}

static int st_pending_key(unsigned char *kb, char kind, uint32_t tid, uint8_t iid)
{
    kb[0] = (unsigned char)kind;
    st_prefix5(kb + 1, tid, iid);
    return kind == 'd' ? 5 : 6;
}

static int st_put_pending(store_t *s, MDB_txn *txn, char kind, uint32_t tid, uint8_t iid)
{
    unsigned char pk[6];
    MDB_val pkv = {(size_t)st_pending_key(pk, kind, tid, iid), pk};
    MDB_val pv = {0, ""};
    return mdb_put(txn, s->db_meta, &pkv, &pv, 0);
}

typedef struct create_ctx {
    const store_table *def;
    uint32_t id;
    uint32_t stream_id; /* the stream this create made (0: none) and its label */
    int64_t stream_ms;
} create_ctx;

static int st_create_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    create_ctx *c = vctx;
    MDB_val k = {strlen(c->def->name), (void *)c->def->name}, v;
    int rc = mdb_get(txn, s->db_cat, &k, &v);
    if (rc == 0)
        return err_set(e, ERR_RESOURCE_IN_USE, STXT_TABLE_EXISTS);
    if (rc != MDB_NOTFOUND)
        return rc;
    uint64_t tid;
    rc = st_meta_get_u64(s, txn, "next_tid", &tid);
    if (rc)
        return rc;
    if (tid == 0)
        tid = 1;
    if (tid > UINT32_MAX - 1)
        return err_set(e, ERR_LIMIT_EXCEEDED, "table ids exhausted");
    rc = st_meta_put_u64(s, txn, "next_tid", tid + 1);
    if (rc)
        return rc;
    store_table t = *c->def;
    bool ok = st_keydef_ok(&t.key, false);
    for (size_t i = 0; ok && i < t.n_idx; i++)
        ok = st_keydef_ok(&t.idx[i].key, t.idx[i].global);
    if (!ok)
        return err_set(e, ERR_INTERNAL, "bad key definition");
    t.id = (uint32_t)tid;
    if (t.created_ms <= 0) /* the caller's time when given: its other stamps (PprSince) match */
        t.created_ms = base_wall_ms();
    for (size_t i = 0; i < t.n_idx; i++) {
        t.idx[i].id = (uint8_t)(i + 1);
        t.idx[i].backfilling = false;
        t.idx[i].allocating = false;
    }
    t.dropping = NULL; /* a new table has nothing to remove */
    t.n_dropping = 0;
    c->id = t.id;
    t.stream_id = 0;
    t.stream_ms = 0;
    if (t.stream_view && (rc = st_stream_create(s, txn, &t, 0, e)))
        return rc;
    c->stream_id = t.stream_id;
    c->stream_ms = t.stream_ms;
    return st_put_record(s, txn, &t, (uint8_t)(t.n_idx + 1));
}

/* The current descriptor of `name`, pinned, if it is still table `tid`; else NULL. */
static const store_table *st_pin_if(store_t *s, const char *name, uint32_t tid)
{
    cat_ent *c = st_pin_name(s, name);
    if (c && c->t.id != tid) {
        st_ent_unref(s, c);
        c = NULL;
    }
    return c ? &c->t : NULL;
}

int store_table_create(store_t *s, const store_table *def, const store_table **out,
                       store_table_made *out_made, err_t *e)
{
    if (out)
        *out = NULL;
    if (out_made)
        *out_made = (store_table_made){0};
    if (!def->name[0] || !def->key.hash[0] || def->n_idx > STORE_MAX_INDEXES)
        return err_set(e, ERR_VALIDATION, "invalid table definition");
    /* an index named twice: a table whose every later change fails (an older build's restore
     * made one, which stayed CREATING for good: review13 F2; doctor --repair mends it) */
    for (size_t i = 0; i < def->n_idx; i++)
        if (st_index_named_before(def, i))
            return err_set(e, ERR_VALIDATION, STXT_INDEX_EXISTS);
    create_ctx c = {.def = def};
    int rc = st_write_txn(s, st_create_fn, &c, e);
    if (rc)
        return rc;
    /* committed: the table exists whatever the cache's reload says.  A reload that ran out
     * of memory is tried once more; when that fails too, *out is NULL and the caller's next
     * lookup (store_table_pin) reloads.  Failing the
     * create here answered a create that happened as failed (a point-in-time restore then
     * removed the dump its table waits for: test_restore_alloc) */
    if (st_cat_check(s, NULL))
        st_cat_check(s, NULL);
    if (out_made)
        *out_made = (store_table_made){.id = c.id, .stream_id = c.stream_id,
                                       .stream_ms = c.stream_ms};
    if (out)
        *out = st_pin_if(s, def->name, c.id);
    return 0;
}

/* Reads and parses the record of `name` inside txn (a heap entry the caller frees). */
static int st_read_record(store_t *s, MDB_txn *txn, const char *name, cat_ent **out, err_t *e)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, s->db_cat, &k, &v);
    if (rc == MDB_NOTFOUND)
        return err_set(e, ERR_RESOURCE_NOT_FOUND, STXT_TABLE_NOT_FOUND);
    if (rc)
        return rc;
    return st_cat_decode(s, v.mv_data, v.mv_size, out, e);
}
/* Deletes up to ST_DELETE_BATCH keys of `db` starting with prefix; *more when some remain. */
typedef struct purge_ctx {
    MDB_dbi db;
    const unsigned char *prefix;
    size_t plen;
    const unsigned char *pending; /* meta key to delete once the prefix is empty */
    size_t pending_len;
    uint32_t tid; /* counters to remove at the end */
    int iid;      /* -1: all of the table's counters */
    bool bare;    /* only the prefix: no counters or pending marker at the end */
    bool more;
} purge_ctx;

static int st_purge_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    (void)e;
    purge_ctx *p = vctx;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, p->db, &cur);
    if (rc)
        return rc;
    MDB_val k = {p->plen, (void *)p->prefix}, v;
    size_t n = 0;
    p->more = false;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= p->plen && memcmp(k.mv_data, p->prefix, p->plen) == 0) {
        if (n == ST_DELETE_BATCH) {
            p->more = true;
            break;
        }
        rc = mdb_cursor_del(cur, 0);
        if (rc)
            break;
        n++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL || rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (p->more || p->bare)
        return 0;
    /* done: counters and the pending marker */
    unsigned char ck[6];
    size_t cl = st_pending_key(ck, 'c', p->tid, p->iid < 0 ? 0 : (uint8_t)p->iid);
    if (p->iid < 0) {
        /* every counter of the table: 'c' tid * */
        MDB_cursor *mc;
        rc = mdb_cursor_open(txn, s->db_meta, &mc);
        if (rc)
            return rc;
        MDB_val mk = {5, ck}, mv;
        rc = mdb_cursor_get(mc, &mk, &mv, MDB_SET_RANGE);
        while (rc == 0 && mk.mv_size >= 5 && memcmp(mk.mv_data, ck, 5) == 0) {
            rc = mdb_cursor_del(mc, 0);
            if (rc == 0)
                rc = mdb_cursor_get(mc, &mk, &mv, MDB_GET_CURRENT);
            if (rc == EINVAL || rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(mc, &mk, &mv, MDB_NEXT);
        }
        mdb_cursor_close(mc);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    } else {
        MDB_val mk = {cl, ck};
        rc = mdb_del(txn, s->db_meta, &mk, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if (p->pending) {
        MDB_val pk = {p->pending_len, (void *)p->pending};
        rc = mdb_del(txn, s->db_meta, &pk, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

/* Waits ms (the backfill_delay_ms test aid) unless the store is closing: true when it is.
 * Only table work of the maintenance thread pauses, between its batches: where it also
 * frees the reader slots of exited processes, which its idle polls cannot do while a round
 * runs (store test_open test_stale_reader_freed_during_backfill; before, a slot stayed
 * until the round ended). */
static bool st_work_pause(store_t *s, int ms)
{
    st_readers_poll(s);
    pthread_mutex_lock(&s->work.mu);
    if (ms > 0 && !s->work.stop) {
        struct timespec ts = base_deadline(CLOCK_MONOTONIC, ms);
        while (!s->work.stop && pthread_cond_timedwait(&s->work.cv, &s->work.mu, &ts) != ETIMEDOUT)
            ;
    }
    bool stop = s->work.stop;
    pthread_mutex_unlock(&s->work.mu);
    return stop;
}

/* Removes the entries of table tid (iid < 0) or of its index iid, in batches, then the
 * counters and the pending marker.  stopped (NULL for a table's removal, which runs in the
 * request): the batches are paced by the test aid's delay and stop early, *stopped set,
 * when the store closes. */
static int st_purge(store_t *s, uint32_t tid, int iid, bool *stopped, err_t *e)
{
    unsigned char prefix[ST_PREFIX_LEN];
    st_prefix5(prefix, tid, 0);
    unsigned char pend[6];
    size_t pl = st_pending_key(pend, iid < 0 ? 'd' : 'i', tid, iid < 0 ? 0 : (uint8_t)iid);
    purge_ctx p = {.db = s->db_data,
                   .prefix = prefix,
                   .plen = iid < 0 ? 4 : 5,
                   .pending = pend,
                   .pending_len = pl,
                   .tid = tid,
                   .iid = iid};
    if (iid >= 0)
        prefix[4] = (uint8_t)iid;
    if (iid < 0) { /* the table's item collection sizes (coll.c) first: the marker goes last */
        unsigned char kp[5] = {'k', prefix[0], prefix[1], prefix[2], prefix[3]};
        purge_ctx q = {.db = s->db_meta, .prefix = kp, .plen = sizeof kp, .bare = true};
        do {
            int rc = st_write_txn(s, st_purge_fn, &q, e);
            if (rc)
                return rc;
        } while (q.more);
    }
    do {
        if (stopped && (*stopped = st_work_pause(s, s->opts.backfill_delay_ms)))
            return 0;
        int rc = st_write_txn(s, st_purge_fn, &p, e);
        if (rc)
            return rc;
    } while (p.more);
    return 0;
}

/* ---- backfill --------------------------------------------------------------------- */

typedef struct fill_ctx {
    uint32_t tid;
    uint8_t iid;
    buf_t resume; /* base key to continue after; empty = start */
    bool more;
    bool gone; /* table or index vanished */
} fill_ctx;

static int st_fill_fn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    fill_ctx *f = vctx;
    int rc = st_cat_refresh(s, txn, e);
    if (rc)
        return rc;
    const cat_ent *c = st_cat_pin_id(s, f->tid);
    const store_index *ix = NULL;
    for (size_t i = 0; c && i < c->t.n_idx; i++)
        if (c->t.idx[i].id == f->iid)
            ix = &c->t.idx[i];
    f->more = false;
    if (!ix) {
        f->gone = true;
        store_table_unpin(s, c ? &c->t : NULL);
        return 0;
    }
    arena_t a;
    arena_init(&a);
    buf_t kb;
    buf_init(&kb, 0);
    MDB_cursor *cur = NULL;
    rc = mdb_cursor_open(txn, s->db_data, &cur);
    if (rc)
        goto done;
    unsigned char pre[ST_PREFIX_LEN];
    st_prefix5(pre, f->tid, 0);
    MDB_val k, v;
    if (f->resume.len) {
        k.mv_size = f->resume.len;
        k.mv_data = f->resume.data;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == f->resume.len &&
            memcmp(k.mv_data, f->resume.data, k.mv_size) == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    } else {
        k.mv_size = 5;
        k.mv_data = pre;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    size_t n = 0;
    while (rc == 0 && k.mv_size >= 5 && memcmp(k.mv_data, pre, 5) == 0) {
        if (n == ST_BACKFILL_BATCH) {
            f->more = true;
            break;
        }
        buf_reset(&f->resume);
        rc = buf_append(&f->resume, k.mv_data, k.mv_size);
        if (rc)
            goto done;
        av_t item, proj;
        rc = st_decode(&a, &v, &item, e);
        if (rc)
            goto done;
        bool present;
        buf_reset(&kb);
        rc = st_key_index(s, &c->t, ix, &item, &kb, &present);
        if (rc)
            goto done;
        if (present) {
            MDB_val ik = {kb.len, kb.data}, iv;
            int g = mdb_get(txn, s->db_data, &ik, &iv);
            if (g == MDB_NOTFOUND) {
                buf_t vb;
                buf_init(&vb, 0);
                rc = st_project(&c->t, ix, &item, &a, &proj);
                if (rc == 0)
                    rc = av_encode(&proj, &vb);
                if (rc == 0) {
                    MDB_val dv = {vb.len, vb.data};
                    rc = mdb_put(txn, s->db_data, &ik, &dv, 0);
                }
                buf_fini(&vb);
                if (rc == 0)
                    rc = st_count_add(s, txn, f->tid, f->iid, 1, (int64_t)av_item_size(&proj));
                if (rc)
                    goto done;
            } else if (g) {
                rc = g;
                goto done;
            }
        }
        n++;
        arena_reset(&a);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
done:
    if (cur)
        mdb_cursor_close(cur);
    buf_fini(&kb);
    arena_fini(&a);
    store_table_unpin(s, &c->t);
    return rc;
}

/* ---- store_table_alter ------------------------------------------------------------ */

typedef struct alter_ctx {
    const char *name;
    store_alter_fn fn;
    void *ctx;
    bool internal; /* the store's own change: may clear backfilling / allocating flags */
    uint8_t undrop; /* internal: the dropping GSI (by id) whose entries are gone, 0 = none */
    arena_t arena;
    /* what the committed change did */
    uint32_t tid;
    bool dropped_table;
    size_t n_dropped, n_added;
    uint8_t dropped[STORE_MAX_INDEXES], added[STORE_MAX_INDEXES];
} alter_ctx;

static bool st_keydef_eq(const store_keydef *a, const store_keydef *b)
{
    const char *an[STORE_KEY_ATTRS], *bn[STORE_KEY_ATTRS];
    av_type at[STORE_KEY_ATTRS], bt[STORE_KEY_ATTRS];
    size_t ah, bh, na = store_key_attrs(a, an, at, &ah), nb = store_key_attrs(b, bn, bt, &bh);
    if (na != nb || ah != bh)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(an[i], bn[i]) != 0 || at[i] != bt[i])
            return false;
    return true;
}

/* Copies a definition's further key attribute names into the arena. */
static int st_keydef_copy_parts(arena_t *a, store_keydef *k)
{
    for (size_t j = 0; j < k->n_xhash; j++)
        if (!(k->xhash[j] = arena_strdup(a, k->xhash[j])))
            return ERR_NOMEM;
    for (size_t j = 0; j < k->n_xrange; j++)
        if (!(k->xrange[j] = arena_strdup(a, k->xrange[j])))
            return ERR_NOMEM;
    return 0;
}

bool st_index_named_before(const store_table *t, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(t->idx[j].name, t->idx[i].name) == 0)
            return true;
    return false;
}

static store_index *st_idx_by_id(store_table *t, uint8_t id)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (t->idx[i].id == id)
            return &t->idx[i];
    return NULL;
}

int store_alter_add_index(store_alter *al, const store_index *def, err_t *e)
{
    store_table *n = &al->next;
    size_t ng = 0, nl = 0;
    for (size_t i = 0; i < n->n_idx; i++) {
        if (strcmp(n->idx[i].name, def->name) == 0)
            return err_set(e, ERR_VALIDATION, STXT_INDEX_EXISTS);
        if (n->idx[i].global)
            ng++;
        else
            nl++;
    }
    if (n->n_idx >= STORE_MAX_INDEXES || (def->global && ng >= STORE_MAX_GSI) ||
        (!def->global && nl >= STORE_MAX_LSI))
        return err_set(e, ERR_LIMIT_EXCEEDED, "too many indexes on table %s", n->name);
    store_index x = *def;
    x.id = 0; /* new: st_alter_txn assigns the id */
    x.backfilling = false;
    x.include = NULL;
    x.n_include = 0;
    if (!st_keydef_ok(&x.key, x.global))
        return err_set(e, ERR_INTERNAL, "bad index key definition");
    int rc = st_keydef_copy_parts(al->arena, &x.key);
    if (rc)
        return err_set(e, rc, rc == ERR_NOMEM ? "out of memory" : "bad index key definition");
    if (def->n_include) {
        x.include = arena_alloc(al->arena, sizeof *x.include * def->n_include);
        if (!x.include)
            return err_set(e, ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < def->n_include; j++) {
            x.include[j] = arena_strdup(al->arena, def->include[j]);
            if (!x.include[j])
                return err_set(e, ERR_NOMEM, "out of memory");
        }
        x.n_include = def->n_include;
    }
    n->idx[n->n_idx++] = x;
    return 0;
}

int store_alter_drop_index(store_alter *al, const char *name, err_t *e)
{
    store_table *n = &al->next;
    for (size_t i = 0; i < n->n_idx; i++) {
        if (strcmp(n->idx[i].name, name) != 0)
            continue;
        memmove(&n->idx[i], &n->idx[i + 1], (n->n_idx - i - 1) * sizeof n->idx[0]);
        n->n_idx--;
        return 0;
    }
    return err_set(e, ERR_RESOURCE_NOT_FOUND, STXT_INDEX_NOT_FOUND);
}

/* Checks `next` against the committed entry c and derives the index changes: retained
 * indexes keep their committed definition (only the store's own changes touch backfilling),
 * removed ones get a pending-removal marker, new ones (id 0) an id and the backfilling flag. */
static int st_alter_indexes(store_t *s, MDB_txn *txn, alter_ctx *x, const cat_ent *c,
                            store_table *n, uint8_t *niid, err_t *e)
{
    /* the GSIs being deleted: the committed ones (less the one whose removal finished), then
     * those this change drops; the function cannot change them */
    store_index *drop = arena_alloc(&x->arena, sizeof *drop * (c->t.n_dropping + c->t.n_idx + 1));
    size_t nd = 0;
    if (!drop)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->t.n_dropping; i++)
        if (!(x->internal && x->undrop && c->t.dropping[i].id == x->undrop))
            drop[nd++] = c->t.dropping[i];
    for (size_t i = 0; i < c->t.n_idx; i++) {
        const store_index *o = &c->t.idx[i];
        store_index *k = st_idx_by_id(n, o->id);
        if (k) {
            bool bf = x->internal ? k->backfilling : o->backfilling;
            bool al = x->internal ? k->allocating : o->allocating;
            *k = *o;
            k->backfilling = bf;
            k->allocating = bf && al;
            continue;
        }
        x->dropped[x->n_dropped++] = o->id;
        int rc = st_put_pending(s, txn, 'i', c->t.id, o->id);
        if (rc)
            return rc;
        if (o->global && nd < STORE_MAX_GSI) { /* listed as DELETING until removed */
            drop[nd] = *o;
            drop[nd].backfilling = drop[nd].allocating = false;
            nd++;
        }
    }
    n->dropping = nd ? drop : NULL;
    n->n_dropping = nd;
    size_t ng = 0, nl = 0;
    for (size_t i = 0; i < n->n_idx; i++) {
        store_index *k = &n->idx[i];
        if (k->id == 0) {
            if (*niid == 0)
                return err_set(e, ERR_LIMIT_EXCEEDED, "index ids of table %s exhausted",
                               n->name);
            for (size_t j = 0; j < nd; j++)
                if (strcmp(drop[j].name, k->name) == 0)
                    return err_set(e, ERR_VALIDATION, STXT_INDEX_EXISTS);
            k->id = (*niid)++;
            k->backfilling = true;
            k->allocating = true;
            x->added[x->n_added++] = k->id;
        } else if (!st_idx_by_id((store_table *)&c->t, k->id)) {
            return err_set(e, ERR_INTERNAL, "unknown index id %u in a table change", k->id);
        }
        if (st_index_named_before(n, i))
            return err_set(e, ERR_VALIDATION, STXT_INDEX_EXISTS);
        if (k->global)
            ng++;
        else
            nl++;
    }
    if (ng > STORE_MAX_GSI || nl > STORE_MAX_LSI)
        return err_set(e, ERR_LIMIT_EXCEEDED, "too many indexes on table %s", n->name);
    return 0;
}

static int st_alter_txn(store_t *s, MDB_txn *txn, void *vctx, err_t *e)
{
    alter_ctx *x = vctx;
    x->n_dropped = x->n_added = 0; /* a re-run after the map grew starts over */
    x->dropped_table = false;
    arena_reset(&x->arena);
    cat_ent *c = NULL;
    buf_t b;
    buf_init(&b, 0);
    int rc = st_read_record(s, txn, x->name, &c, e);
    if (rc)
        return rc;
    x->tid = c->t.id;
    store_alter al = {.cur = &c->t, .next = c->t, .arena = &x->arena};
    rc = x->fn(x->ctx, &al, e);
    if (rc)
        goto done;
    if (al.drop) {
        MDB_val k = {strlen(x->name), (void *)x->name};
        rc = mdb_del(txn, s->db_cat, &k, NULL);
        /* a deleted table's stream stays readable, disabled, until it expires */
        if (rc == 0 && c->t.stream_view)
            rc = st_stream_disable(s, txn, c->t.stream_id, e);
        if (rc == 0)
            rc = st_put_pending(s, txn, 'd', c->t.id, 0);
        if (rc == 0)
            rc = st_bump_gen(s, txn);
        x->dropped_table = rc == 0;
        goto done;
    }
    store_table *n = &al.next;
    if (strcmp(n->name, c->t.name) != 0 || n->id != c->t.id ||
        n->created_ms != c->t.created_ms || !st_keydef_eq(&n->key, &c->t.key) ||
        n->n_idx > STORE_MAX_INDEXES || strnlen(n->ttl_attr, STORE_NAME_MAX) == STORE_NAME_MAX) {
        rc = err_set(e, ERR_INTERNAL, "a table change altered the table's identity or key");
        goto done;
    }
    uint8_t niid = c->next_iid;
    rc = st_alter_indexes(s, txn, x, c, n, &niid, e);
    if (rc)
        goto done;
    /* other table state with side effects (streams, continuous backups) goes here */
    /* streams: the function sets stream_view only; enabling creates a new stream (new id
     * and label), disabling keeps the old one readable; a view type cannot change while a
     * stream is enabled (api/ refuses that with DynamoDB's text) */
    n->stream_id = c->t.stream_id;
    n->stream_ms = c->t.stream_ms;
    if (n->stream_view > STORE_SV_NEW_AND_OLD_IMAGES ||
        (n->stream_view && c->t.stream_view && n->stream_view != c->t.stream_view)) {
        rc = err_set(e, ERR_INTERNAL, "a table change altered an enabled stream's view type");
        goto done;
    }
    if (n->stream_view && !c->t.stream_view)
        rc = st_stream_create(s, txn, n, c->t.stream_ms, e);
    else if (!n->stream_view && c->t.stream_view)
        rc = st_stream_disable(s, txn, c->t.stream_id, e);
    if (rc)
        goto done;
    rc = st_cat_encode(n, niid, &b);
    if (rc)
        goto done;
    if (b.len == c->raw_len && memcmp(b.data, c->raw, b.len) == 0)
        goto done; /* nothing changed: no write, no new generation */
    rc = st_put_encoded(s, txn, n->name, &b);
done:
    buf_fini(&b);
    st_ent_free(s, c);
    return rc;
}

/* Runs one change: the store's own (internal) or the caller's. */
static int st_alter_run(store_t *s, alter_ctx *x, err_t *e)
{
    arena_init(&x->arena);
    int rc = st_write_txn(s, st_alter_txn, x, e);
    arena_fini(&x->arena);
    if (rc == 0)
        rc = st_cat_check(s, e);
    return rc;
}

typedef struct done_ctx {
    uint32_t tid;
    uint8_t iid;
    bool started; /* the fill starts (allocating ends); false: the fill finished */
} done_ctx;

/* A change of the store's own for table tid (ERR_RESOURCE_NOT_FOUND: it was replaced). */
static int st_own_check(const store_alter *al, const done_ctx *d, err_t *e)
{
    return al->cur->id == d->tid ? 0 : err_set(e, ERR_RESOURCE_NOT_FOUND, "table replaced");
}

static int st_backfill_done_fn(void *ctx, store_alter *al, err_t *e)
{
    done_ctx *d = ctx;
    int rc = st_own_check(al, d, e);
    store_index *k = rc ? NULL : st_idx_by_id(&al->next, d->iid);
    if (k) {
        k->allocating = false;
        if (!d->started)
            k->backfilling = false;
    }
    return rc;
}

static int st_undrop_fn(void *ctx, store_alter *al, err_t *e)
{
    return st_own_check(al, ctx, e); /* st_alter_indexes unlists x->undrop */
}

/* Runs one change of the store's own on table `name`; a table gone or replaced meanwhile
 * is not an error (there is nothing left to do). */
static int st_own_change(store_t *s, const char *name, store_alter_fn fn, done_ctx *d,
                         uint8_t undrop, err_t *e)
{
    err_t sub;
    err_clear(&sub);
    alter_ctx x = {.name = name, .fn = fn, .ctx = d, .internal = true, .undrop = undrop};
    int rc = st_alter_run(s, &x, &sub);
    if (rc == ERR_RESOURCE_NOT_FOUND)
        return 0;
    if (rc)
        err_set(e, rc, "%s", sub.msg);
    return rc;
}

/* Fills index ix of table tid (named name) from the table's items: ends its allocation phase
 * (after the test aid's pause), fills it in batches of their own write txns (writers go
 * between them), then clears its backfilling flag.  Stops quietly when the table or index is
 * gone, and early (the index stays backfilling, for the next open) when the store closes. */
static int st_backfill(store_t *s, const char *name, uint32_t tid, const store_index *ix,
                       err_t *e)
{
    int delay = s->opts.backfill_delay_ms;
    done_ctx d = {.tid = tid, .iid = ix->id, .started = true};
    int rc = 0;
    if (ix->allocating) {
        if (st_work_pause(s, delay))
            return 0;
        if ((rc = st_own_change(s, name, st_backfill_done_fn, &d, 0, e)))
            return rc;
    }
    fill_ctx f = {.tid = tid, .iid = ix->id};
    buf_init(&f.resume, 0);
    bool stop = false;
    do {
        if ((stop = st_work_pause(s, delay)))
            break;
        rc = st_write_txn(s, st_fill_fn, &f, e);
    } while (rc == 0 && f.more && !f.gone);
    buf_fini(&f.resume);
    if (rc || f.gone || stop)
        return rc;
    d.started = false;
    return st_own_change(s, name, st_backfill_done_fn, &d, 0, e);
}

/* Removes the entries of GSI iid of table tid, dropped by a table change, then unlists it
 * from the table's dropping list (its IndexStatus DELETING ends). */
static int st_drop_index_finish(store_t *s, uint32_t tid, uint8_t iid, err_t *e)
{
    bool stop = false;
    int rc = st_purge(s, tid, iid, &stop, e);
    if (rc || stop || (rc = st_cat_check(s, e)))
        return rc;
    const cat_ent *c = st_cat_pin_id(s, tid);
    char name[STORE_NAME_MAX];
    bool listed = false;
    for (size_t i = 0; c && i < c->t.n_dropping; i++)
        listed |= c->t.dropping[i].id == iid;
    if (c)
        memcpy(name, c->t.name, sizeof name);
    store_table_unpin(s, c ? &c->t : NULL);
    if (!listed)
        return 0;
    done_ctx d = {.tid = tid, .iid = iid};
    return st_own_change(s, name, st_undrop_fn, &d, iid, e);
}

/* What a committed table drop leaves: its data, removed in batches in the request (a
 * failure leaves the pending-removal marker: the maintenance thread, or the next open,
 * finishes it). */
static int st_alter_finish(store_t *s, const alter_ctx *x, err_t *e)
{
    return x->dropped_table ? st_purge(s, x->tid, -1, NULL, e) : 0;
}

/* Counts the alters between their commit and their pin (store_int.h: s->alters); the
 * maintenance thread waits for none before it starts a round of table work. */
static void st_alters_add(store_t *s, int d)
{
    pthread_mutex_lock(&s->work.mu);
    s->alters += (unsigned)d;
    if (!s->alters && s->work_waits_alters) /* only then: a wake of the idle thread polls */
        pthread_cond_broadcast(&s->work.cv);
    pthread_mutex_unlock(&s->work.mu);
}

int store_table_alter(store_t *s, const char *name, store_alter_fn fn, void *ctx,
                      const store_table **out, err_t *e)
{
    if (out)
        *out = NULL;
    alter_ctx x = {.name = name, .fn = fn, .ctx = ctx};
    arena_init(&x.arena);
    st_alters_add(s, 1);
    int rc = st_write_txn(s, st_alter_txn, &x, e);
    arena_fini(&x.arena);
    if (rc) {
        st_alters_add(s, -1);
        return rc;
    }
    /* committed: a failure to reload the cache (out of memory) is reported, the change and
     * its index work stand */
    rc = st_cat_check(s, e);
    const store_table *t = rc || x.dropped_table ? NULL : st_pin_if(s, name, x.tid);
    st_alters_add(s, -1);
    err_t sub;
    err_clear(&sub);
    if (st_alter_finish(s, &x, &sub)) {
        log_warn("store: table %s dropped; removing its data failed and is retried: %s", name,
                 sub.msg);
        st_work_kick(s);
    }
    if (x.n_added || x.n_dropped)
        st_work_start(s); /* the backfill or the removal, in the maintenance thread */
    if (out)
        *out = t;
    else
        store_table_unpin(s, t);
    return rc;
}

static int st_drop_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)ctx;
    (void)e;
    al->drop = true;
    return 0;
}

int store_table_delete(store_t *s, const char *name, err_t *e)
{
    return store_table_alter(s, name, st_drop_fn, NULL, NULL, e);
}

/* Whether table t has index work left: a GSI to remove or to fill. */
static bool st_has_index_work(const store_table *t)
{
    bool busy = t->n_dropping > 0;
    for (size_t j = 0; j < t->n_idx && !busy; j++)
        busy = t->idx[j].backfilling;
    return busy;
}

bool st_cat_busy(store_t *s)
{
    bool busy = false;
    pthread_rwlock_rdlock(&s->catlock);
    for (size_t i = 0; i < s->n_tabs && !busy; i++)
        busy = st_has_index_work(&s->tabs[i]->t);
    pthread_rwlock_unlock(&s->catlock);
    return busy;
}

/* Index work of every table: removals of dropped GSIs (also those whose pending marker a
 * crash left behind) and backfills, in catalog order; stops early when the store closes.
 * A table whose work fails does not hold up the others': they go on, and the first error
 * is returned (the round is retried with back-off).  Before, the first failure ended the
 * round: one table whose backfill could never finish (an item that cannot be read) kept
 * every table after it from its index work for good (store test_faults
 * test_failing_backfill_does_not_block_other_tables).
 * Pins only the tables that have such work: a pin held for the round on a table without
 * any kept that table's replaced descriptors alive (and counted) for as long as another
 * table's backfill ran (store test_alter test_work_pins_only_its_tables). */
/* --table-delay (opts.index_phase_ms): the ms left of the phase of index `key` of table tid
 * (an allocation phase: the index id; a removal: 256 + its id), timed from the first round
 * that saw it; 0 when it has passed (its entry is then dropped) or the switch is off.  Each
 * index is timed on its own, so that indexes of several tables pass their phases together
 * (review19 R3: one thread sleeping each phase in turn made the third of three tables' new
 * GSIs ACTIVE after three phases). */
static int64_t st_phase_left(store_t *s, uint32_t tid, int key)
{
    int64_t ms = s->opts.index_phase_ms, now = base_mono_ms();
    if (ms <= 0)
        return 0;
    size_t i = 0;
    while (i < s->n_phases && !(s->phases[i].tid == tid && s->phases[i].key == key))
        i++;
    if (i == s->n_phases) {
        if (i == ST_PHASE_MAX) { /* full: forget the phases long past (an index gone since) */
            size_t k = 0;
            for (size_t j = 0; j < s->n_phases; j++)
                if (now - s->phases[j].since < ms)
                    s->phases[k++] = s->phases[j];
            s->n_phases = i = k;
            if (i == ST_PHASE_MAX)
                return 0;
        }
        s->phases[i] = (struct st_phase){.tid = tid, .key = key, .since = now};
        s->n_phases++;
    }
    int64_t left = s->phases[i].since + ms - now;
    if (left > 0)
        return left;
    s->phases[i] = s->phases[--s->n_phases];
    return 0;
}

/* Notes a phase that has time left: the earliest end is the round's wait. */
static bool st_phase_skip(store_t *s, int64_t left)
{
    if (left <= 0)
        return false;
    if (!s->phase_wait_ms || left < s->phase_wait_ms)
        s->phase_wait_ms = left;
    return true;
}

static int st_cat_resume_index_work(store_t *s, err_t *e)
{
    const store_table **v;
    size_t n = st_cat_pin_all(s, st_has_index_work, &v);
    if (n == SIZE_MAX)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int trc = 0; /* this table's (e keeps the first failure's message) */
        for (size_t j = 0; trc == 0 && j < v[i]->n_dropping && !st_work_pause(s, 0); j++) {
            uint8_t iid = v[i]->dropping[j].id;
            if (!st_phase_skip(s, st_phase_left(s, v[i]->id, 256 + iid)))
                trc = st_drop_index_finish(s, v[i]->id, iid, e);
        }
        for (size_t j = 0; trc == 0 && j < v[i]->n_idx && !st_work_pause(s, 0); j++)
            if (v[i]->idx[j].backfilling &&
                !(v[i]->idx[j].allocating &&
                  st_phase_skip(s, st_phase_left(s, v[i]->id, v[i]->idx[j].id))))
                trc = st_backfill(s, v[i]->name, v[i]->id, &v[i]->idx[j], e);
        if (trc && !rc)
            rc = trc;
        store_table_unpin(s, v[i]);
    }
    free(v);
    return rc;
}

int st_cat_finish_pending(store_t *s, err_t *e)
{
    /* collect pending markers first (a read txn), then purge each */
    uint32_t tids[64];
    int iids[64];
    size_t n = 0;
    MDB_txn *txn;
    int rc = st_cat_check(s, e);
    if (rc)
        return rc;
    rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    const char kinds[2] = {'d', 'i'};
    for (int kk = 0; kk < 2; kk++) {
        MDB_cursor *cur;
        rc = mdb_cursor_open(txn, s->db_meta, &cur);
        if (rc)
            break;
        unsigned char pre = (unsigned char)kinds[kk];
        MDB_val k = {1, &pre}, v;
        int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (mrc == 0 && n < 64 && k.mv_size >= 5 && ((unsigned char *)k.mv_data)[0] == pre) {
            const unsigned char *p = k.mv_data;
            uint32_t tid = st_prefix5_tid(p + 1);
            if (pre == 'd' && k.mv_size == 5) {
                tids[n] = tid;
                iids[n++] = -1;
            } else if (pre == 'i' && k.mv_size == 6) {
                tids[n] = tid;
                iids[n++] = p[5];
            }
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    st_rtxn_end(s, txn);
    if (rc)
        return st_mdb_err(rc, e);
    s->phase_wait_ms = 0;
    for (size_t i = 0; i < n && !st_work_pause(s, 0); i++) {
        if (iids[i] >= 0 && st_phase_skip(s, st_phase_left(s, tids[i], 256 + iids[i])))
            continue; /* --table-delay: DELETING a while yet */
        rc = iids[i] < 0 ? st_purge(s, tids[i], -1, NULL, e)
                         : st_drop_index_finish(s, tids[i], (uint8_t)iids[i], e);
        if (rc)
            return rc;
    }
    return st_cat_resume_index_work(s, e);
}
