/*
 * test_coll — item collection sizes of tables with a local secondary index: what a write
 * reports (store_write.coll / coll_bytes), the limit (ERR_ITEM_COLLECTION_SIZE_LIMIT, nothing
 * written), a counter recomputed by a scan when missing, counters removed with their table.
 * Module: src/store/coll.c (called by commit.c).
 */
#include "st_test.h"

#include <errno.h>

#include "store/store_int.h"
#include "store/store_text.h"

/* pk/sk table, LSI "lsi" on lk (KEYS_ONLY: pk, sk, lk), GSI "gsi" on g (not counted) */
static const store_table *mk_table(st_fix *f, const char *name)
{
    store_index ix[2];
    ix[0] = st_ix("lsi", false, st_kd("pk", AV_S, "lk", AV_S), STORE_PROJ_KEYS_ONLY);
    ix[1] = st_ix("gsi", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    return st_create(f->s, name, st_kd("pk", AV_S, "sk", AV_S), ix, 2);
}

/* Writes `item` (put) or deletes key `del`; returns the write (rc, coll, coll_bytes). */
static store_write wr(st_fix *f, const store_table *t, const char *item, const char *del)
{
    av_t *v = J(&f->a, item ? item : del);
    store_write w = {.table = t, .key = v, .apply = item ? st_apply_put : st_apply_del,
                     .ctx = item ? v : NULL, .arena = &f->a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    return w;
}

/* The size an item adds: itself plus its LSI entry (pk, sk, lk) when it has lk. */
static uint64_t contrib(st_fix *f, const char *item)
{
    av_t *v = J(&f->a, item);
    uint64_t n = av_item_size(v);
    if (av_map_gets(v, "lk")) {
        const char *names[] = {"pk", "sk", "lk"};
        for (int i = 0; i < 3; i++)
            n += strlen(names[i]) + av_value_size(av_map_gets(v, names[i]));
    }
    return n;
}

#define A1 "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"},\"lk\":{\"S\":\"x\"},\"d\":{\"S\":\"0123456789\"}}"
#define A1B "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"},\"lk\":{\"S\":\"yy\"},\"g\":{\"S\":\"gg\"}}"
#define A2 "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"2\"},\"d\":{\"S\":\"sparse: not in the LSI\"}}"
#define B1 "{\"pk\":{\"S\":\"b\"},\"sk\":{\"S\":\"1\"},\"lk\":{\"S\":\"x\"}}"
#define K(p, s) "{\"pk\":{\"S\":\"" p "\"},\"sk\":{\"S\":\"" s "\"}}"

/* every write reports the size of its collection after it: items plus LSI entries */
static void test_sizes(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f, "tbl");
    store_write w = wr(f, t, A1, NULL);
    assert_int_equal(w.rc, 0);
    assert_true(w.coll);
    uint64_t a1 = contrib(f, A1), a1b = contrib(f, A1B), a2 = contrib(f, A2);
    assert_int_equal(w.coll_bytes, a1);
    w = wr(f, t, A2, NULL); /* no lk: no LSI entry */
    assert_int_equal(w.coll_bytes, a1 + a2);
    w = wr(f, t, B1, NULL); /* another collection */
    assert_int_equal(w.coll_bytes, contrib(f, B1));
    w = wr(f, t, A1B, NULL); /* overwrite: the old item and entry go, the new come */
    assert_int_equal(w.coll_bytes, a1b + a2);
    w = wr(f, t, NULL, K("a", "9")); /* deleting an absent item: the collection as it is */
    assert_int_equal(w.rc, 0);
    assert_true(w.coll);
    assert_int_equal(w.coll_bytes, a1b + a2);
    w = wr(f, t, NULL, K("a", "1"));
    assert_int_equal(w.coll_bytes, a2);
    w = wr(f, t, NULL, K("a", "2"));
    assert_int_equal(w.coll_bytes, 0);
    /* a table without an LSI has no collections to count */
    store_index g = st_ix("gsi", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    const store_table *t2 = st_create(f->s, "nolsi", st_kd("pk", AV_S, "sk", AV_S), &g, 1);
    w = wr(f, t2, A1, NULL);
    assert_int_equal(w.rc, 0);
    assert_false(w.coll);
}

/* the limit: a write that would grow the collection past it fails and writes nothing; one
 * that shrinks it, a delete, and other collections go through */
static void test_limit(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    /* limit = A1 + A2 exactly: the second fits, one byte more does not */
    uint64_t a1 = contrib(f, A1), a2 = contrib(f, A2);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.item_collection_limit = a1 + a2;
    err_t e;
    err_clear(&e);
    int orc = store_open(f->dir, &o, &f->s, &e);
    if (orc)
        fprintf(stderr, "store_open: %s\n", e.msg);
    assert_int_equal(orc, 0);
    const store_table *t = mk_table(f, "lim");
    assert_int_equal(wr(f, t, A1, NULL).rc, 0);
    store_write w = wr(f, t, A2, NULL);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.coll_bytes, a1 + a2); /* == the limit: allowed */
    const char *a3 = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"3\"}}";
    w = wr(f, t, a3, NULL);
    assert_int_equal(w.rc, ERR_ITEM_COLLECTION_SIZE_LIMIT);
    assert_string_equal(w.err.msg, STXT_COLL_TOO_BIG);
    av_t item;
    bool found = true;
    assert_int_equal(store_get(f->s, t, J(&f->a, a3), &f->a, &item, &found, &e), 0);
    assert_false(found);
    /* growing an item of the full collection fails too; the stored one stays */
    const char *a1big =
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"},\"lk\":{\"S\":\"x\"},\"d\":{\"S\":\"0123456789X\"}}";
    assert_int_equal(wr(f, t, a1big, NULL).rc, ERR_ITEM_COLLECTION_SIZE_LIMIT);
    /* another collection has its own size */
    assert_int_equal(wr(f, t, B1, NULL).rc, 0);
    /* shrinking is allowed; then the freed room takes a new item */
    const char *a1small = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"}}";
    w = wr(f, t, a1small, NULL);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.coll_bytes, contrib(f, a1small) + a2);
    assert_int_equal(wr(f, t, a3, NULL).rc, 0);
    /* a transaction with a write past the limit is cancelled as a whole */
    av_t *k1 = J(&f->a, B1), *k2 = J(&f->a, a1big);
    store_write tw[2] = {
        {.table = t, .key = k1, .apply = st_apply_del, .arena = &f->a},
        {.table = t, .key = k2, .apply = st_apply_put, .ctx = k2, .arena = &f->a},
    };
    assert_int_equal(store_write_atomic(f->s, tw, 2, &e), ERR_TRANSACTION_CANCELED);
    assert_int_equal(tw[0].rc, 0);
    assert_int_equal(tw[1].rc, ERR_ITEM_COLLECTION_SIZE_LIMIT);
    assert_int_equal(store_get(f->s, t, k1, &f->a, &item, &found, &e), 0);
    assert_true(found); /* the delete was taken back */
}

static int del_counters(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    (void)ctx, (void)e;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, s->db_meta, &c);
    if (rc)
        return rc;
    MDB_val k = {1, "k"}, v;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && ((char *)k.mv_data)[0] == 'k') {
        if ((rc = mdb_cursor_del(c, 0)))
            break;
        rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL || rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static size_t n_counters(store_t *s)
{
    MDB_txn *txn;
    assert_int_equal(st_rtxn_begin(s, &txn), 0);
    MDB_cursor *c;
    assert_int_equal(mdb_cursor_open(txn, s->db_meta, &c), 0);
    MDB_val k = {1, "k"}, v;
    size_t n = 0;
    int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && ((char *)k.mv_data)[0] == 'k') {
        n++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    st_rtxn_end(s, txn);
    return n;
}

/* a collection without a counter (data written before counters existed) is measured by a
 * scan of its items and LSI entries, then counted from there */
static void test_missing_counter(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f, "tbl");
    wr(f, t, A1, NULL);
    wr(f, t, A2, NULL);
    wr(f, t, B1, NULL);
    assert_int_equal(n_counters(f->s), 2);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_write_txn(f->s, del_counters, NULL, &e), 0);
    assert_int_equal(n_counters(f->s), 0);
    store_write w = wr(f, t, NULL, K("a", "2"));
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.coll_bytes, contrib(f, A1));
    w = wr(f, t, NULL, K("b", "9"));
    assert_int_equal(w.coll_bytes, contrib(f, B1));
}

/* deleting the table removes its counters; an emptied collection leaves none */
static void test_counters_removed(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f, "tbl");
    wr(f, t, A1, NULL);
    wr(f, t, B1, NULL);
    assert_int_equal(n_counters(f->s), 2);
    wr(f, t, NULL, K("b", "1"));
    assert_int_equal(n_counters(f->s), 1);
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_delete(f->s, "tbl", &e), 0);
    assert_int_equal(n_counters(f->s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sizes, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_limit, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_missing_counter, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_counters_removed, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
