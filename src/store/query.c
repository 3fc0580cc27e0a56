/*
 * query — reads: GetItem, TransactGetItems' snapshot, Query and Scan pages.  Layer: store.
 *
 * A Query on a hash key is a range of LMDB keys: [tid][iid][enc(hash)] followed by the range
 * condition turned into byte bounds (key_encode is order-preserving and self-delimiting, so
 * "all keys whose range component is v" is the byte prefix P+enc(v), and the first key past
 * them is the prefix successor of P+enc(v)).  BEGINS_WITH s is the value range
 * [s, succ(s)).  Every item read is re-checked against the hash value and the range
 * condition (this also makes over-long keys, stored truncated, safe).  Scan is the whole
 * [tid][iid] range; a segment keeps the items whose encoded hash key hashes to it, so an
 * item's segment never changes.
 * Pages stop at `limit` items (LastEvaluatedKey is returned even when nothing follows —
 * DynamoDB Local does the same for Query with Limit equal to the remaining count) or after
 * the item that brings the page to max_bytes (DynamoDB's 1 MB rule).  In stored mode with a
 * store_visit, each item goes to the caller while the read transaction is open (no copy) and
 * the caller reads its size and key on the same walk; the LastEvaluatedKey is copied out.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "store/store_text.h"
#include "value/keycodec.h"

int store_get(store_t *s, const store_table *t, const av_t *key, arena_t *a, av_t *out_item,
              bool *found, err_t *e)
{
    const store_table *tp[1] = {t};
    const av_t *kp[1] = {key};
    return store_get_many(s, tp, kp, 1, a, out_item, found, e);
}

/* The key buffer of the item reads (store_get_stored, store_get_many_capped), one per thread,
 * reset and not freed between reads (a malloc and a free less a GetItem); freed when the
 * thread ends.  Neither read runs inside the other on one thread. */
static pthread_key_t st_kb_key;
static pthread_once_t st_kb_once = PTHREAD_ONCE_INIT;
static bool st_kb_ok;

static void st_kb_free(void *p)
{
    buf_fini(p);
    free(p);
}

static void st_kb_init(void)
{
    st_kb_ok = pthread_key_create(&st_kb_key, st_kb_free) == 0;
}

/* The thread's key buffer, or own (initialised here) when there is none: st_kb_done after. */
static buf_t *st_kb_take(buf_t *own)
{
    buf_init(own, 0);
    pthread_once(&st_kb_once, st_kb_init);
    if (!st_kb_ok)
        return own;
    buf_t *b = pthread_getspecific(st_kb_key);
    if (!b) {
        if (!(b = malloc(sizeof *b)))
            return own;
        buf_init(b, 0);
        if (pthread_setspecific(st_kb_key, b) != 0) {
            free(b);
            return own;
        }
    }
    return b;
}

static void st_kb_done(buf_t *b, buf_t *own)
{
    if (b == own)
        buf_fini(own);
}

/* store_query_run's bounds buffers and its cursor on the data DB, one set per thread, taken
 * for a run and given back after it (a Query or Scan page paid a malloc and a free for each
 * of its three key buffers and for its cursor).  A read-only cursor outlives its transaction
 * and is renewed on the next one (mdb_cursor_renew; LMDB frees nothing of the transaction
 * when it is closed); it belongs to the store and DB it was opened for, and another store's
 * run opens its own in its place.  busy: a run on this thread holds the set (a nested run,
 * should one ever happen, uses its own buffers and cursor).  Freed when the thread ends. */
typedef struct st_qtls {
    buf_t b[3];
    MDB_cursor *cur;
    const store_t *cur_store;
    MDB_dbi cur_dbi;
    bool busy;
} st_qtls;

static pthread_key_t st_qt_key;
static pthread_once_t st_qt_once = PTHREAD_ONCE_INIT;
static bool st_qt_ok;

static void st_qt_free(void *p)
{
    st_qtls *q = p;
    for (int i = 0; i < 3; i++)
        buf_fini(&q->b[i]);
    if (q->cur)
        mdb_cursor_close(q->cur);
    free(q);
}

static void st_qt_init(void)
{
    st_qt_ok = pthread_key_create(&st_qt_key, st_qt_free) == 0;
}

/* The thread's set, marked busy, or NULL (none could be made, or it is in use). */
static st_qtls *st_qt_take(void)
{
    pthread_once(&st_qt_once, st_qt_init);
    if (!st_qt_ok)
        return NULL;
    st_qtls *q = pthread_getspecific(st_qt_key);
    if (!q) {
        if (!(q = calloc(1, sizeof *q)))
            return NULL;
        for (int i = 0; i < 3; i++)
            buf_init(&q->b[i], 0);
        if (pthread_setspecific(st_qt_key, q) != 0) {
            free(q);
            return NULL;
        }
    }
    if (q->busy)
        return NULL;
    q->busy = true;
    return q;
}

/* A cursor on s's data DB in txn: the thread's, renewed, when qt holds one for it; else a new
 * one, kept in qt when qt is given (it then stays open for the next run). */
static int st_qt_cursor(st_qtls *qt, store_t *s, MDB_txn *txn, MDB_cursor **out)
{
    if (qt && qt->cur && qt->cur_store == s && qt->cur_dbi == s->db_data &&
        mdb_cursor_renew(txn, qt->cur) == 0) {
        *out = qt->cur;
        return 0;
    }
    int rc = mdb_cursor_open(txn, s->db_data, out);
    if (rc == 0 && qt) {
        if (qt->cur)
            mdb_cursor_close(qt->cur);
        qt->cur = *out;
        qt->cur_store = s;
        qt->cur_dbi = s->db_data;
    }
    return rc;
}

/* The stored bytes of table t's item with key `key`, in txn: 0 with *v set (valid until the
 * txn ends), MDB_NOTFOUND, or a negative ERR_* with e set. */
static int st_get_raw(store_t *s, MDB_txn *txn, const store_table *t, const av_t *key, buf_t *kb,
                      MDB_val *v, err_t *e)
{
    buf_reset(kb);
    int rc = st_key_base(s, t, key, kb);
    if (rc) /* out of memory is not the caller's mistake */
        return rc == ERR_NOMEM ? err_set(e, ERR_NOMEM, "out of memory")
                               : err_set(e, ERR_VALIDATION, STXT_KEY_MISSING);
    MDB_val k = {kb->len, kb->data};
    int g = mdb_get(txn, s->db_data, &k, v);
    return g == MDB_NOTFOUND ? MDB_NOTFOUND : g ? st_mdb_err(g, e) : 0;
}

int store_get_many(store_t *s, const store_table *const *tables, const av_t *const *keys, size_t n,
                   arena_t *a, av_t *out_items, bool *out_found, err_t *e)
{
    bool over;
    return store_get_many_capped(s, tables, keys, n, a, out_items, out_found, UINT64_MAX, &over,
                                 e);
}

/* Reads keys[0..n) (tables[i]'s) in one read transaction, calling fn for each item found with
 * LMDB's bytes (valid only during the call) until it fails or sets *stop. */
typedef int (*st_each_fn)(void *ctx, size_t i, MDB_val *v, bool *stop);

static int st_get_each(store_t *s, const store_table *const *tables, const av_t *const *keys,
                       size_t n, st_each_fn fn, void *ctx, err_t *e)
{
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    buf_t own, *kb = st_kb_take(&own);
    bool stop = false;
    for (size_t i = 0; i < n && rc == 0 && !stop; i++) {
        MDB_val v;
        int g = st_get_raw(s, txn, tables[i], keys[i], kb, &v, e);
        if (g == MDB_NOTFOUND)
            continue;
        rc = g ? g : fn(ctx, i, &v, &stop);
    }
    st_kb_done(kb, &own);
    st_rtxn_end(s, txn);
    return rc;
}

typedef struct {
    arena_t *a;
    av_t *items;
    bool *found;
    uint64_t max_bytes, total;
    bool *over;
    err_t *e;
} st_decoded;

static int st_keep_decoded(void *ctx, size_t i, MDB_val *v, bool *stop)
{
    st_decoded *d = ctx;
    int rc = st_decode(d->a, v, &d->items[i], d->e);
    if (rc)
        return rc;
    d->found[i] = true;
    if (d->max_bytes != UINT64_MAX && (d->total += av_item_size(&d->items[i])) > d->max_bytes)
        *d->over = *stop = true;
    return 0;
}

int store_get_many_capped(store_t *s, const store_table *const *tables, const av_t *const *keys,
                          size_t n, arena_t *a, av_t *out_items, bool *out_found,
                          uint64_t max_bytes, bool *over, err_t *e)
{
    *over = false;
    for (size_t i = 0; i < n; i++) { /* the keys after a stop are not found */
        out_found[i] = false;
        out_items[i].type = AV_NONE;
    }
    st_decoded d = {a, out_items, out_found, max_bytes, 0, over, e};
    return st_get_each(s, tables, keys, n, st_keep_decoded, &d, e);
}

typedef struct {
    arena_t *a;
    store_bytes *out;
    bool *found;
    err_t *e;
    size_t max_bytes, total, read;
} st_stored;

static int st_keep_stored(void *ctx, size_t i, MDB_val *v, bool *stop)
{
    st_stored *d = ctx;
    /* LMDB's memory dies with the txn: the arena keeps a copy */
    void *copy = arena_memdup(d->a, v->mv_data, v->mv_size ? v->mv_size : 1);
    if (!copy)
        return err_set(d->e, ERR_NOMEM, "out of memory");
    d->out[i].data = copy;
    d->out[i].len = v->mv_size;
    d->found[i] = true;
    d->read = i + 1;
    if ((d->total += v->mv_size) > d->max_bytes)
        *stop = true;
    return 0;
}

int store_get_many_stored_capped(store_t *s, const store_table *const *tables,
                                 const av_t *const *keys, size_t n, arena_t *a, store_bytes *out,
                                 bool *out_found, size_t max_bytes, size_t *out_read, err_t *e)
{
    for (size_t i = 0; i < n; i++) {
        out_found[i] = false;
        out[i].data = NULL;
        out[i].len = 0;
    }
    st_stored d = {a, out, out_found, e, max_bytes, 0, 0};
    int rc = st_get_each(s, tables, keys, n, st_keep_stored, &d, e);
    *out_read = d.total > max_bytes ? d.read : n;
    return rc;
}

int store_get_many_stored(store_t *s, const store_table *const *tables, const av_t *const *keys,
                          size_t n, arena_t *a, store_bytes *out, bool *out_found, err_t *e)
{
    size_t read;
    return store_get_many_stored_capped(s, tables, keys, n, a, out, out_found, SIZE_MAX, &read, e);
}

int store_get_stored(store_t *s, const store_table *t, const av_t *key, arena_t *a,
                     store_bytes *out, bool *found, err_t *e)
{
    *found = false;
    out->data = NULL;
    out->len = 0;
    MDB_txn *txn;
    int rc = st_rtxn_begin(s, &txn);
    if (rc)
        return st_mdb_err(rc, e);
    buf_t own, *kb = st_kb_take(&own);
    MDB_val v;
    int g = st_get_raw(s, txn, t, key, kb, &v, e);
    if (g == 0) { /* LMDB's memory dies with the txn: the arena keeps a copy */
        void *copy = arena_memdup(a, v.mv_data, v.mv_size ? v.mv_size : 1);
        if (!copy) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
        } else {
            out->data = copy;
            out->len = v.mv_size;
            *found = true;
        }
    } else if (g != MDB_NOTFOUND) {
        rc = g;
    }
    st_kb_done(kb, &own);
    st_rtxn_end(s, txn);
    return rc;
}

/* ---- query / scan ----------------------------------------------------------------- */

static int st_cmp_val(const av_t *a, const av_t *b)
{
    return av_compare_scalar(a, b);
}

static bool st_range_ok(const store_query *q, const av_t *v, av_type want)
{
    if (q->rop == STORE_R_NONE)
        return true;
    if (!v || v->type != want)
        return false;
    switch (q->rop) {
    case STORE_R_EQ:
        return st_cmp_val(v, &q->r1) == 0;
    case STORE_R_LT:
        return st_cmp_val(v, &q->r1) < 0;
    case STORE_R_LE:
        return st_cmp_val(v, &q->r1) <= 0;
    case STORE_R_GT:
        return st_cmp_val(v, &q->r1) > 0;
    case STORE_R_GE:
        return st_cmp_val(v, &q->r1) >= 0;
    case STORE_R_BETWEEN:
        return st_cmp_val(v, &q->r1) >= 0 && st_cmp_val(v, &q->r2) <= 0;
    case STORE_R_BEGINS_WITH:
        if (v->type != AV_S && v->type != AV_B)
            return false;
        return v->u.str.len >= q->r1.u.str.len &&
               memcmp(v->u.str.ptr, q->r1.u.str.ptr, q->r1.u.str.len) == 0;
    default:
        return false;
    }
}

static bool st_has_name(const char *const *names, size_t n, const char *x)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], x) == 0)
            return true;
    return false;
}

#define ST_PAGE_KEY_MAX (STORE_KEY_ATTRS + 2) /* an index's key attributes + the table's */

/* The key attributes a page's LastEvaluatedKey / ExclusiveStartKey holds: the index's then
 * the table's, without duplicates. */
static size_t st_key_names(const store_table *t, const store_index *ix, const char **names,
                           av_type *types)
{
    size_t n = 0;
    const store_keydef *kds[2] = {ix ? &ix->key : NULL, &t->key};
    for (int d = 0; d < 2; d++) {
        const store_keydef *kd = kds[d];
        if (!kd)
            continue;
        const char *kn[STORE_KEY_ATTRS];
        av_type kt[STORE_KEY_ATTRS];
        size_t m = store_key_attrs(kd, kn, kt, NULL);
        for (size_t i = 0; i < m; i++)
            if (!st_has_name(names, n, kn[i])) {
                names[n] = kn[i];
                types[n++] = kt[i];
            }
    }
    return n;
}

/* Whether item's key attributes match the query's equalities and its range condition, given
 * the queried key's attribute names and types (store_key_attrs). */
/* lens[i]: strlen(names[i]), measured once per query rather than per item. */
static bool st_key_match_with(const store_query *q, const av_t *item, const char *const *names,
                              const size_t *lens, const av_type *types, size_t n)
{
    for (size_t i = 0; i < q->n_eq && i < n; i++)
        if (!av_equal(av_map_get(item, names[i], lens[i]), &q->eq[i]))
            return false;
    if (q->rop == STORE_R_NONE)
        return true;
    return q->n_eq < n &&
           st_range_ok(q, av_map_get(item, names[q->n_eq], lens[q->n_eq]), types[q->n_eq]);
}

/* st_key_match_with on stored mode's values: vals[i] (AV_NONE when absent) is the item's
 * attribute names[i] of st_key_names, whose first n names are the queried key's attributes
 * in store_key_attrs order (the index's, or the table's, come first). */
static bool st_key_match_vals(const store_query *q, const av_t *vals, const av_type *types,
                              size_t n)
{
    for (size_t i = 0; i < q->n_eq && i < n; i++)
        if (!av_equal(&vals[i], &q->eq[i]))
            return false;
    if (q->rop == STORE_R_NONE)
        return true;
    return q->n_eq < n &&
           st_range_ok(q, vals[q->n_eq].type == AV_NONE ? NULL : &vals[q->n_eq], types[q->n_eq]);
}

/* A Query's start key outside its key condition, in the service's order (dynalite's tests,
 * run against AWS): with a condition on the sort key, a start key that fails it first, then
 * one of another partition ("at most one row"); with none, another partition.  DynamoDB
 * Local answers STXT_ESK_PREDICATE to all three. */
static int st_check_esk_bounds(const store_query *q, const av_t *sk, err_t *e)
{
    const store_keydef *kd = q->index ? &q->index->key : &q->table->key;
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t nhash, n = store_key_attrs(kd, names, types, &nhash), lens[STORE_KEY_ATTRS];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(names[i]);
    bool hash_ok = true;
    for (size_t i = 0; i < nhash && i < q->n_eq; i++)
        if (!av_equal(av_map_get(sk, names[i], lens[i]), &q->eq[i]))
            hash_ok = false;
    if (q->rop == STORE_R_NONE && q->n_eq <= nhash)
        return hash_ok ? 0 : err_set(e, ERR_VALIDATION, STXT_ESK_OUTSIDE);
    bool range_ok = true;
    for (size_t i = nhash; i < q->n_eq && i < n; i++)
        if (!av_equal(av_map_get(sk, names[i], lens[i]), &q->eq[i]))
            range_ok = false;
    if (range_ok && q->rop != STORE_R_NONE)
        range_ok = q->n_eq < n &&
                   st_range_ok(q, av_map_get(sk, names[q->n_eq], lens[q->n_eq]), types[q->n_eq]);
    if (!range_ok)
        return err_set(e, ERR_VALIDATION, STXT_ESK_PREDICATE);
    return hash_ok ? 0 : err_set(e, ERR_VALIDATION, STXT_ESK_ONE_ROW);
}

/* A partition key value over 2048 bytes or a sort key value over 1024 (S, B). */
static bool st_key_too_long(const av_t *v, bool hash)
{
    return v && (v->type == AV_S || v->type == AV_B) &&
           v->u.str.len > (hash ? AV_MAX_HASH_KEY_LEN : AV_MAX_RANGE_KEY_LEN);
}

int store_query_start_key_index_check(const store_query *q, err_t *e)
{
    const av_t *sk = q->start_key;
    const char *names[ST_PAGE_KEY_MAX];
    av_type types[ST_PAGE_KEY_MAX];
    size_t n = st_key_names(q->table, q->index, names, types);
    /* names[0..nix) are the index's key attributes, checked first (the service's order) */
    const char *ixn[STORE_KEY_ATTRS];
    av_type ixt[STORE_KEY_ATTRS];
    size_t ixh = 0, nix = q->index ? store_key_attrs(&q->index->key, ixn, ixt, &ixh) : 0;
    if (sk->type != AV_M)
        return err_set(e, ERR_VALIDATION, STXT_ESK_INVALID);
    if (sk->u.map.n != n)
        return err_set(e, ERR_VALIDATION, q->index ? STXT_ESK_INVALID : STXT_ESK_SCHEMA);
    /* the index's key attributes, each its type then its size (at its place in the index's
     * key), the texts bare; then the table's, the texts after the start-key prefix (dynalite's
     * Scan and index Query, checked against AWS; a table Query's prefix inferred: README) */
    for (size_t i = 0; i < nix; i++) {
        const av_t *v = av_map_gets(sk, names[i]);
        if (!v)
            return err_set(e, ERR_VALIDATION, STXT_ESK_INVALID);
        if (v->type != types[i])
            return err_set(e, ERR_VALIDATION, STXT_ESK_TYPE);
        if (st_key_too_long(v, i < ixh))
            return err_set(e, ERR_VALIDATION, "%s",
                           i < ixh ? STXT_KEY_HASH_LONG : STXT_KEY_RANGE_LONG);
    }
    return 0;
}

int store_query_start_key_check(const store_query *q, err_t *e)
{
    const av_t *sk = q->start_key;
    const char *names[ST_PAGE_KEY_MAX];
    av_type types[ST_PAGE_KEY_MAX];
    size_t n = st_key_names(q->table, q->index, names, types);
    /* names[0..nix) are the index's key attributes: store_query_start_key_index_check's */
    const char *ixn[STORE_KEY_ATTRS];
    av_type ixt[STORE_KEY_ATTRS];
    size_t nix = q->index ? store_key_attrs(&q->index->key, ixn, ixt, NULL) : 0;
    int rc = store_query_start_key_index_check(q, e);
    if (rc)
        return rc;
    for (size_t i = nix; i < n; i++) {
        const av_t *v = av_map_gets(sk, names[i]);
        if (!v || v->type != types[i])
            return err_set(e, ERR_VALIDATION, STXT_ESK_SCHEMA);
    }
    const char *tk[2] = {q->table->key.hash, q->table->key.range};
    for (int k = 0; k < 2 && tk[k][0]; k++)
        if (st_key_too_long(av_map_gets(sk, tk[k]), k == 0))
            return err_set(e, ERR_VALIDATION, "%s: %s", STXT_ESK_INVALID,
                           k == 0 ? STXT_KEY_HASH_LONG : STXT_KEY_RANGE_LONG);
    /* an empty S or B key value: refused (index keys first), before the key condition */
    for (size_t i = 0; i < n; i++) {
        const av_t *v = av_map_gets(sk, names[i]);
        if ((v->type != AV_S && v->type != AV_B) || v->u.str.len)
            continue;
        const char *what = v->type == AV_S ? "string" : "binary";
        if (strcmp(names[i], q->table->key.hash) != 0 && strcmp(names[i], q->table->key.range) != 0)
            return err_set(e, ERR_VALIDATION, STXT_ESK_EMPTY_INDEX_KEY, what, q->index->name,
                           names[i]);
        return err_set(e, ERR_VALIDATION, STXT_ESK_EMPTY_KEY, what, names[i]);
    }
    if (q->total_segments > 1) {
        /* a parallel scan resumes only inside its own segment (DynamoDB Local; found by
         * tests/fuzz --oracle) */
        const store_keydef *kd = q->index ? &q->index->key : &q->table->key;
        const av_t *hv = av_map_gets(sk, kd->hash);
        buf_t hb;
        buf_init(&hb, 0);
        bool in = hv && key_encode(hv, &hb) == 0 &&
                  st_hash64(hb.data, hb.len) % q->total_segments == q->segment;
        buf_fini(&hb);
        if (!in)
            return err_set(e, ERR_VALIDATION, STXT_ESK_SEGMENT, q->total_segments, q->segment);
    }
    return 0;
}

/* Stored key of an item / start key for the query's table or index. */
static int st_item_key(store_t *s, const store_query *q, const av_t *item, buf_t *b)
{
    if (q->index) {
        bool present;
        int rc = st_key_index(s, q->table, q->index, item, b, &present);
        if (rc == 0 && !present)
            rc = ERR_VALIDATION;
        return rc;
    }
    return st_key_base(s, q->table, item, b);
}

/* The conservative form of a lower (inclusive) bound for the long-key rule. */
static void st_fix_lo(store_t *s, buf_t *b)
{
    if (b->len > s->maxkey - 8)
        b->len = s->maxkey - 8;
}

/* hi exclusive; returns false when the bound vanished (no upper limit). */
static bool st_fix_hi(store_t *s, buf_t *b)
{
    if (b->len > s->maxkey - 8) {
        b->len = s->maxkey - 8;
        return st_prefix_succ(b);
    }
    return true;
}

/* LMDB's default key order. */
static int st_cmp_raw(const void *a, size_t al, const void *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

static int st_cmp_mdb(const MDB_val *k, const buf_t *b)
{
    return st_cmp_raw(k->mv_data, k->mv_size, b->data, b->len);
}

/* --gsi-lag: where a read in key order starts in the lag view (sorted by key): the first key
 * at or after lo (after it when lo_excl); reading backwards, the last key before hi (NULL: no
 * upper bound).  n when there is none. */
static size_t st_lag_start(const st_lag_view *lv, size_t n, bool reverse, const buf_t *lo,
                           bool lo_excl, const buf_t *hi)
{
    if (!reverse) {
        for (size_t i = 0; i < n; i++) {
            int c = st_cmp_raw(lv[i].key, lv[i].klen, lo->data, lo->len);
            if (c > 0 || (c == 0 && !lo_excl))
                return i;
        }
        return n;
    }
    for (size_t i = n; i-- > 0;)
        if (!hi || st_cmp_raw(lv[i].key, lv[i].klen, hi->data, hi->len) < 0)
            return i;
    return n;
}

/* Stored mode: the map of an item's key attributes found by its scan (vals[j] of pnames[j],
 * AV_NONE when absent), its members in keys (the caller's, ST_PAGE_KEY_MAX). */
static av_t st_vals_item(const char *const *pnames, const size_t *plens, const av_t *vals,
                         size_t npnames, av_kv *keys)
{
    size_t m = 0;
    for (size_t j = 0; j < npnames; j++)
        if (vals[j].type != AV_NONE)
            keys[m++] = (av_kv){pnames[j], plens[j], vals[j]};
    return av_make_m(keys, m);
}

static int st_make_lek(const store_query *q, const av_t *item, arena_t *a, av_t *out)
{
    const char *names[ST_PAGE_KEY_MAX];
    av_type types[ST_PAGE_KEY_MAX];
    size_t n = st_key_names(q->table, q->index, names, types);
    return av_map_pick(a, item, names, n, out);
}

/* store_query_run's first step: the key range the key condition gives, lo and hi (hi
 * exclusive; *has_hi false: to the end of the table's index), in LMDB's key space (st_fix_lo,
 * st_fix_hi).  tmp is scratch.  Returns 0, 1 when the range is empty (nothing is greater than
 * a GT's bound), or ERR_NOMEM (recorded in e).  Inline: Query's hot path (callgrind: the same
 * instruction count as in one function). */
static inline int st_query_bounds(store_t *s, const store_query *q, arena_t *a, uint8_t iid,
                                  buf_t *lo, buf_t *hi, buf_t *tmp, bool *has_hi, err_t *e)
{
    int rc = st_key_prefix(lo, q->table->id, iid);
    for (size_t i = 0; i < q->n_eq && rc == 0; i++)
        rc = key_encode(&q->eq[i], lo);
    if (rc)
        goto nomem;
    size_t plen = lo->len;
    rc = buf_append(hi, lo->data, lo->len);
    if (rc)
        goto nomem;
    *has_hi = st_prefix_succ(hi);
    if (q->n_eq && q->rop != STORE_R_NONE) {
        buf_reset(tmp);
        rc = buf_append(tmp, lo->data, plen);
        if (rc == 0)
            rc = key_encode(&q->r1, tmp); /* tmp = P + enc(r1) */
        if (rc)
            goto nomem;
        switch (q->rop) {
        case STORE_R_EQ:
        case STORE_R_GE:
        case STORE_R_BETWEEN:
        case STORE_R_BEGINS_WITH:
            buf_reset(lo);
            rc = buf_append(lo, tmp->data, tmp->len);
            break;
        case STORE_R_GT:
            buf_reset(lo);
            rc = buf_append(lo, tmp->data, tmp->len);
            if (rc == 0 && !st_prefix_succ(lo))
                return 1; /* nothing is greater */
            break;
        case STORE_R_LT:
            buf_reset(hi);
            rc = buf_append(hi, tmp->data, tmp->len);
            *has_hi = true;
            break;
        default:
            break;
        }
        if (rc)
            goto nomem;
        if (q->rop == STORE_R_EQ || q->rop == STORE_R_LE || q->rop == STORE_R_BETWEEN) {
            buf_reset(hi);
            rc = buf_append(hi, lo->data, plen);
            if (rc == 0)
                rc = key_encode(q->rop == STORE_R_BETWEEN ? &q->r2 : &q->r1, hi);
            if (rc)
                goto nomem;
            *has_hi = st_prefix_succ(hi);
            if (!*has_hi) { /* cannot happen for a real prefix; fall back to the hash's end */
                buf_reset(hi);
                rc = buf_append(hi, lo->data, plen);
                if (rc)
                    goto nomem;
                *has_hi = st_prefix_succ(hi);
            }
        }
        if (q->rop == STORE_R_BEGINS_WITH) {
            /* [s, succ(s)) in value space */
            char *sv = arena_memdup(a, q->r1.u.str.ptr, q->r1.u.str.len ? q->r1.u.str.len : 1);
            if (!sv)
                goto nomem;
            size_t sl = q->r1.u.str.len;
            while (sl > 0 && (unsigned char)sv[sl - 1] == 0xFF)
                sl--;
            if (sl > 0) {
                sv[sl - 1] = (char)((unsigned char)sv[sl - 1] + 1);
                av_t up = q->r1;
                up.u.str.ptr = sv;
                up.u.str.len = sl;
                buf_reset(hi);
                rc = buf_append(hi, tmp->data, plen);
                if (rc == 0)
                    rc = key_encode(&up, hi);
                if (rc)
                    goto nomem;
                *has_hi = true;
            }
            /* else: no upper bound within the hash key beyond its own end (hi as set) */
        }
    }
    st_fix_lo(s, lo);
    if (*has_hi)
        *has_hi = st_fix_hi(s, hi);
    return 0;
nomem:
    return err_set(e, ERR_NOMEM, "out of memory");
}

/* store_query_run's second step: the range narrowed to what follows ExclusiveStartKey (after
 * lo, *lo_excl, going forward; before hi going back).  Returns 0, ERR_VALIDATION for a start
 * key that is not a key of the table or index, or ERR_NOMEM (recorded in e). */
static inline int st_query_after_esk(store_t *s, const store_query *q, buf_t *lo, buf_t *hi,
                                     buf_t *tmp, bool *has_hi, bool *lo_excl, err_t *e)
{
    buf_reset(tmp);
    int rc = st_item_key(s, q, q->start_key, tmp);
    if (rc == ERR_NOMEM)
        goto nomem;
    if (rc)
        return err_set(e, ERR_VALIDATION, STXT_ESK_INVALID);
    if (!q->reverse) {
        if (st_cmp_mdb(&(MDB_val){tmp->len, tmp->data}, lo) >= 0) {
            buf_reset(lo);
            rc = buf_append(lo, tmp->data, tmp->len);
            *lo_excl = true;
        }
    } else if (!*has_hi || st_cmp_mdb(&(MDB_val){tmp->len, tmp->data}, hi) < 0) {
        buf_reset(hi);
        rc = buf_append(hi, tmp->data, tmp->len);
        *has_hi = true;
    }
    if (rc)
        goto nomem;
    return 0;
nomem:
    return err_set(e, ERR_NOMEM, "out of memory");
}

/* store_query_run's third step: the cursor on the range's first entry in the query's order
 * (the first at or after lo, past lo itself when lo_excl; going back, the last before hi).
 * Returns LMDB's code (MDB_NOTFOUND: no entry there), k and v the entry. */
static inline int st_query_seek(MDB_cursor *cur, const store_query *q, const buf_t *lo,
                                const buf_t *hi, bool has_hi, bool lo_excl, MDB_val *k, MDB_val *v)
{
    int mrc;
    if (!q->reverse) {
        k->mv_size = lo->len;
        k->mv_data = lo->data;
        mrc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
        if (mrc == 0 && lo_excl && st_cmp_mdb(k, lo) == 0)
            mrc = mdb_cursor_get(cur, k, v, MDB_NEXT);
    } else if (has_hi) {
        k->mv_size = hi->len;
        k->mv_data = hi->data;
        mrc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
        if (mrc == 0)
            mrc = mdb_cursor_get(cur, k, v, MDB_PREV);
        else if (mrc == MDB_NOTFOUND)
            mrc = mdb_cursor_get(cur, k, v, MDB_LAST);
    } else {
        mrc = mdb_cursor_get(cur, k, v, MDB_LAST);
    }
    return mrc;
}

/* The key range a page reads (st_query_bounds, st_query_after_esk): from lo (after it when
 * lo_excl) to hi (exclusive; none without has_hi), in LMDB's key space. */
typedef struct st_range {
    const buf_t *lo, *hi;
    bool has_hi, lo_excl;
} st_range;

/* --gsi-lag: the lag view a page merges in (n entries, sorted by key; none without the lag),
 * at its next entry (n: none left). */
typedef struct st_lag_pos {
    const st_lag_view *lv;
    size_t n, at;
} st_lag_pos;

/* store_query_run's next entry in key order (backwards with q->reverse): the cursor's (k, v,
 * while mrc is 0 and the key is in the index's prefix pre5) or the lag view's (lg->lv[at]),
 * whichever comes first; the lag view's when both are the key (its older value).  The entry
 * in *ck, *cv, *absent when it was not in the index as of the lag; the cursor (*mrc) and
 * lg->at moved past it.  false when there is none left in the range rg. */
static inline bool st_page_next(MDB_cursor *cur, const store_query *q, const unsigned char pre5[5],
                                MDB_val *k, MDB_val *v, int *mrc, st_lag_pos *lg,
                                const st_range *rg, MDB_val *ck, MDB_val *cv, bool *absent)
{
    bool has_c = *mrc == 0 && k->mv_size >= 5 && memcmp(k->mv_data, pre5, 5) == 0;
    bool has_l = lg->at < lg->n;
    if (!has_c && !has_l)
        return false;
    *ck = *k;
    *cv = *v;
    bool from_l = false, from_c = true;
    if (has_l) {
        const st_lag_view *e = &lg->lv[lg->at];
        MDB_val lk = {e->klen, (void *)e->key};
        int c = has_c ? st_cmp_raw(lk.mv_data, lk.mv_size, k->mv_data, k->mv_size) : 0;
        from_l = !has_c || c == 0 || (q->reverse ? c > 0 : c < 0);
        from_c = has_c && (c == 0 || !from_l);
        if (from_l) {
            *ck = lk;
            *cv = (MDB_val){e->blen, (void *)e->before};
        }
    }
    if (!q->reverse && rg->has_hi && st_cmp_mdb(ck, rg->hi) >= 0)
        return false;
    if (q->reverse) {
        int c = st_cmp_mdb(ck, rg->lo);
        if (c < 0 || (c == 0 && rg->lo_excl))
            return false;
    }
    *absent = from_l && !lg->lv[lg->at].before;
    if (from_l)
        lg->at = q->reverse ? (lg->at ? lg->at - 1 : lg->n) : lg->at + 1;
    if (from_c)
        *mrc = mdb_cursor_get(cur, k, v, q->reverse ? MDB_PREV : MDB_NEXT);
    return true;
}

/* Stored mode: the attributes read from each item (the page key's: a superset of the key
 * schema's), n of them. */
typedef struct st_page_names {
    const char *names[ST_PAGE_KEY_MAX];
    av_type types[ST_PAGE_KEY_MAX];
    size_t lens[ST_PAGE_KEY_MAX];
    size_t n;
} st_page_names;

/* store_query_run's read of the entry cv.  Stored mode: its attributes pn's values into vals
 * (AV_NONE: absent) and its size, written as it is read by the visitor vis (its values then
 * point into LMDB's page), else from a copy in a (*raw); the item's key attributes as a map
 * (*item, keys its members) only when something reads it (*have_item): a segment's hash
 * (nseg > 1) or the fetch of the entry's item; ~50 instructions an item otherwise spent on
 * every item of a page (perf19).  Else the item decoded into *item.  *isize its size.
 * Returns 0 or the error (recorded in e). */
static inline int st_page_read(const store_query *q, const store_visit *vis,
                               const st_page_names *pn, uint32_t nseg, const MDB_val *cv,
                               arena_t *a, av_t *item, size_t *isize, store_bytes *raw, av_t *vals,
                               av_kv *keys, bool *have_item, err_t *e)
{
    int rc;
    if (!q->stored) {
        rc = st_decode(a, cv, item, e);
        if (rc)
            return rc;
        *isize = item->type == AV_M ? av_item_size(item) : 0;
        return 0;
    }
    if (vis) { /* written as it is read; its values point into LMDB's page */
        if ((rc = vis->item(vis->ctx, cv->mv_data, cv->mv_size, pn->names, pn->lens, pn->n, vals,
                            isize)))
            return rc == ERR_NOMEM ? err_set(e, ERR_NOMEM, "out of memory")
                                   : err_set(e, ERR_INTERNAL, "corrupt stored item");
    } else {
        raw->len = cv->mv_size;
        raw->data = arena_memdup(a, cv->mv_data, cv->mv_size ? cv->mv_size : 1);
        if (!raw->data)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (av_stored_scan(raw->data, raw->len, pn->names, pn->lens, pn->n, vals, isize))
            return err_set(e, ERR_INTERNAL, "corrupt stored item");
    }
    *have_item = nseg > 1 || q->fetch;
    if (*have_item)
        *item = st_vals_item(pn->names, pn->lens, vals, pn->n, keys);
    else
        item->type = AV_M;
    return 0;
}

/* The key schema's attributes (kd's): names, their lengths and types, n of them. */
typedef struct st_key_schema {
    const char *names[STORE_KEY_ATTRS];
    size_t lens[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t n;
} st_key_schema;

/* Whether the item read (item, or vals in stored mode) is on the page: a map, within the key
 * condition, and in a parallel Scan's segment (by the hash key's value, encoded in tmp).
 * Returns 0 with *ok, or ERR_NOMEM. */
static inline int st_page_match(const store_query *q, const store_keydef *kd,
                                const st_key_schema *ks, uint32_t nseg, const av_t *item,
                                const av_t *vals, buf_t *tmp, bool *ok)
{
    *ok = item->type == AV_M;
    if (*ok && q->n_eq)
        *ok = q->stored ? st_key_match_vals(q, vals, ks->types, ks->n)
                        : st_key_match_with(q, item, ks->names, ks->lens, ks->types, ks->n);
    if (*ok && nseg > 1) { /* a parallel Scan's segment: by the hash key's value */
        const av_t *hv = av_map_gets(item, kd->hash);
        buf_reset(tmp);
        *ok = hv != NULL;
        int rc = 0;
        if (*ok && (rc = key_encode(hv, tmp)) == ERR_NOMEM)
            return rc;
        *ok = *ok && rc == 0 && st_hash64(tmp->data, tmp->len) % nseg == q->segment;
    }
    return 0;
}

/* store_query_run's page: room for twice as many entries (16 at first) in out's arrays,
 * *cap their size.  Returns 0, or -1 when the arena is out of memory. */
static inline int st_page_grow(const store_query *q, arena_t *a, store_result *out, size_t *cap)
{
    size_t nc = *cap ? *cap * 2 : 16;
    if (q->stored) {
        store_bytes *g = arena_grow(a, out->stored, *cap, nc, sizeof *g);
        if (!g)
            return -1;
        out->stored = g;
    } else {
        av_t *g = arena_grow(a, out->items, *cap, nc, sizeof *g);
        if (!g)
            return -1;
        out->items = g;
        if (q->fetch) {
            av_t *fg = arena_grow(a, out->fetched, *cap, nc, sizeof *fg);
            if (!fg)
                return -1;
            out->fetched = fg;
        }
    }
    *cap = nc;
    return 0;
}

/* store_query_run's fetch (a local secondary index's entry item): the entry's item, from the
 * table t, in this snapshot (txn), as out->fetched[out->n] (AV_NONE: not there), its size
 * added to out->fetched_bytes.  tmp is scratch.  Returns 0 or the error (recorded in e). */
static inline int st_page_fetch(store_t *s, MDB_txn *txn, const store_table *t, const av_t *item,
                                buf_t *tmp, arena_t *a, store_result *out, err_t *e)
{
    av_t *full = &out->fetched[out->n];
    full->type = AV_NONE;
    MDB_val fv;
    buf_reset(tmp);
    int g = st_get_raw(s, txn, t, item, tmp, &fv, e);
    if (g && g != MDB_NOTFOUND)
        return g;
    if (g == 0) {
        int rc = st_decode(a, &fv, full, e);
        if (rc)
            return rc;
        out->fetched_bytes += full->type == AV_M ? av_item_size(full) : 0;
    }
    return 0;
}

/* The page key's values copied into arena a (they pointed into the stored bytes). */
static int st_lek_own(av_t *lek, arena_t *a)
{
    for (size_t i = 0; i < lek->u.map.n; i++) {
        av_t *v = &lek->u.map.kv[i].val;
        if (v->type != AV_S && v->type != AV_N && v->type != AV_B)
            continue;
        const char *p = arena_memdup(a, v->u.str.ptr, v->u.str.len ? v->u.str.len : 1);
        if (!p)
            return ERR_NOMEM;
        v->u.str.ptr = p;
    }
    return 0;
}

/* store_query_run's checks of q before any read: a fetch only from a local secondary index,
 * the start key's shape and its place within the key condition, the key condition's
 * equalities fitting the queried key's schema (kd), in number and in type.  *ks: that
 * schema's attributes.  0, ERR_VALIDATION (the service's texts), or ERR_INTERNAL for a query
 * the api layer should not have built. */
static int st_query_check(const store_query *q, const store_keydef *kd, st_key_schema *ks,
                          err_t *e)
{
    int rc;
    if (q->fetch && (q->stored || !q->index || q->index->global))
        return err_set(e, ERR_INTERNAL, "a fetch reads a local secondary index's items only");
    if (q->start_key) {
        if (!q->start_key_checked && (rc = store_query_start_key_check(q, e)))
            return rc;
        if (q->n_eq && (rc = st_check_esk_bounds(q, q->start_key, e)))
            return rc;
    }
    size_t nhash;
    ks->n = store_key_attrs(kd, ks->names, ks->types, &nhash);
    for (size_t i = 0; i < ks->n; i++)
        ks->lens[i] = strlen(ks->names[i]);
    if (q->n_eq &&
        (q->n_eq < nhash || q->n_eq > ks->n || (q->rop != STORE_R_NONE && q->n_eq == ks->n)))
        return err_set(e, ERR_INTERNAL, "a query's key condition does not fit the key schema");
    for (size_t i = 0; i < q->n_eq; i++)
        if (q->eq[i].type != ks->types[i])
            return err_set(e, ERR_VALIDATION,
                           "One or more parameter values were invalid: Condition parameter type "
                           "does not match schema type");
    return 0;
}

/* store_query_run's bounds buffers: the thread's set qt's, emptied, or (qt NULL) new ones. */
static inline void st_qt_bufs_take(st_qtls *qt, buf_t *lo, buf_t *hi, buf_t *tmp)
{
    if (qt) {
        *lo = qt->b[0];
        *hi = qt->b[1];
        *tmp = qt->b[2];
        buf_reset(lo);
        buf_reset(hi);
        buf_reset(tmp);
    } else {
        buf_init(lo, 0);
        buf_init(hi, 0);
        buf_init(tmp, 0);
    }
}

/* The buffers st_qt_bufs_take gave, given back to the thread's set qt (then no longer busy),
 * or (qt NULL) freed. */
static inline void st_qt_bufs_give(st_qtls *qt, buf_t *lo, buf_t *hi, buf_t *tmp)
{
    if (qt) {
        qt->b[0] = *lo;
        qt->b[1] = *hi;
        qt->b[2] = *tmp;
        qt->busy = false;
    } else {
        buf_fini(lo);
        buf_fini(hi);
        buf_fini(tmp);
    }
}

/* The full page's last key, of the last item kept (item, or in stored mode without it
 * (have_item false) the key attributes read: pn's vals, keys their room), into out->last_key
 * (arena a); own: its values copied into a (they point into LMDB's page).  0 or ERR_NOMEM. */
static inline int st_page_last_key(const store_query *q, bool have_item, av_t *item,
                                   const st_page_names *pn, const av_t *vals, av_kv *keys,
                                   bool own, arena_t *a, store_result *out)
{
    if (!have_item)
        *item = st_vals_item(pn->names, pn->lens, vals, pn->n, keys);
    int rc = st_make_lek(q, item, a, &out->last_key);
    if (rc == 0 && own)
        rc = st_lek_own(&out->last_key, a);
    return rc;
}

int store_query_run(store_t *s, const store_query *q, arena_t *a, store_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    out->last_key.type = AV_NONE;
    const store_table *t = q->table;
    const store_index *ix = q->index;
    const store_keydef *kd = ix ? &ix->key : &t->key;
    size_t max_bytes = q->max_bytes ? q->max_bytes : STORE_PAGE_BYTES;
    st_key_schema ks;
    int rc = st_query_check(q, kd, &ks, e);
    if (rc)
        return rc;

    buf_t lo, hi, tmp;
    st_qtls *qt = st_qt_take(); /* given back at done */
    st_qt_bufs_take(qt, &lo, &hi, &tmp);
    bool has_hi = true, lo_excl = false;
    uint8_t iid = ix ? ix->id : 0;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;

    rc = st_query_bounds(s, q, a, iid, &lo, &hi, &tmp, &has_hi, e);
    if (rc == 1) {
        rc = 0;
        out->n = 0;
        goto done; /* nothing is greater */
    }
    if (rc == 0 && q->start_key)
        rc = st_query_after_esk(s, q, &lo, &hi, &tmp, &has_hi, &lo_excl, e);
    if (rc)
        goto done;

    rc = st_rtxn_begin(s, &txn);
    if (rc == 0)
        rc = st_qt_cursor(qt, s, txn, &cur);
    if (rc) {
        rc = st_mdb_err(rc, e);
        goto done;
    }
    unsigned char pre5[ST_PREFIX_LEN];
    st_prefix5(pre5, t->id, iid);
    MDB_val k, v;
    int mrc = st_query_seek(cur, q, &lo, &hi, has_hi, lo_excl, &k, &v);
    const st_range rg = {&lo, &hi, has_hi, lo_excl};
    /* --gsi-lag: the keys changed within the lag, merged in with their older values */
    st_lag_pos lg = {NULL, 0, 0};
    if (ix && ix->global && s->opts.gsi_lag_ms > 0) {
        st_lag_view *lv;
        if ((rc = st_lag_view_get(s, t->id, iid, a, &lv, &lg.n)))
            goto nomem;
        lg.lv = lv;
        lg.at = st_lag_start(lv, lg.n, q->reverse, &lo, lo_excl, has_hi ? &hi : NULL);
    }
    size_t cap = 0;
    const store_visit *vis = q->stored ? q->visit : NULL;
    uint32_t nseg = q->total_segments > 1 ? q->total_segments : 1;
    st_page_names pn; /* stored mode: the attributes read from each item */
    pn.n = q->stored ? st_key_names(t, ix, pn.names, pn.types) : 0;
    for (size_t j = 0; j < pn.n; j++)
        pn.lens[j] = strlen(pn.names[j]);
    /* the page: the entries in key order (st_page_next), each read (st_page_read) and, when
     * on the page (st_page_match), kept until the page is full: its last key then kept */
    MDB_val ck, cv;
    bool absent;
    while (st_page_next(cur, q, pre5, &k, &v, &mrc, &lg, &rg, &ck, &cv, &absent)) {
        if (absent)
            continue; /* not in the index as of `lag` ms ago */
        av_t item;
        size_t isize = 0;
        store_bytes raw = {NULL, 0};
        bool have_item = true;       /* stored mode: item holds the key attributes */
        av_kv keys[ST_PAGE_KEY_MAX]; /* stored mode: the item's key attributes only */
        av_t vals[ST_PAGE_KEY_MAX];  /* ... by pn.names[] (AV_NONE: absent) */
        if ((rc = st_page_read(q, vis, &pn, nseg, &cv, a, &item, &isize, &raw, vals, keys,
                               &have_item, e)))
            goto done;
        bool ok;
        if (st_page_match(q, kd, &ks, nseg, &item, vals, &tmp, &ok))
            goto nomem;
        if (!ok && vis) {
            vis->unread(vis->ctx);
        } else if (ok && vis) {
            vis->kept(vis->ctx);
            out->n++;
            out->bytes += isize;
            if ((q->limit && out->n >= q->limit) || out->bytes >= max_bytes) {
                /* the key's values point into LMDB's page: copied, the key outlives it */
                if (st_page_last_key(q, have_item, &item, &pn, vals, keys, true, a, out))
                    goto nomem;
                break;
            }
        } else if (ok) {
            if (out->n == cap && st_page_grow(q, a, out, &cap))
                goto nomem;
            if (q->fetch && (rc = st_page_fetch(s, txn, t, &item, &tmp, a, out, e)))
                goto done;
            if (q->stored)
                out->stored[out->n++] = raw;
            else
                out->items[out->n++] = item;
            out->bytes += isize;
            if ((q->limit && out->n >= q->limit) || out->bytes + out->fetched_bytes >= max_bytes) {
                if (st_page_last_key(q, have_item, &item, &pn, vals, keys, false, a, out))
                    goto nomem;
                break;
            }
        }
    }
    if (mrc && mrc != MDB_NOTFOUND)
        rc = st_mdb_err(mrc, e);
    goto done;
nomem:
    rc = err_set(e, ERR_NOMEM, "out of memory");
done:
    if (cur && !qt)
        mdb_cursor_close(cur);
    if (txn)
        st_rtxn_end(s, txn);
    st_qt_bufs_give(qt, &lo, &hi, &tmp);
    return rc;
}
