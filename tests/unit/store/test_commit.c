/*
 * test_commit — writes: index maintenance, validation texts, counters, group commit,
 * transactions.  Module: src/store/commit.c.
 */
#include "st_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#include "base/defer.h"
#include "store/backup.h"
#include "store/store_int.h"
#include "store/store_text.h"

static const store_table *mk_gsi_table(st_fix *f, store_proj p)
{
    store_index ix[2];
    ix[0] = st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_N), p);
    static char *inc[] = {"extra"};
    if (p == STORE_PROJ_INCLUDE) {
        ix[0].include = inc;
        ix[0].n_include = 1;
    }
    ix[1] = st_ix("lsi", false, st_kd("pk", AV_S, "lr", AV_S), STORE_PROJ_ALL);
    return st_create(f->s, "tbl", st_kd("pk", AV_S, "sk", AV_N), ix, 2);
}

static size_t idx_scan(st_fix *f, const store_table *t, const char *index, av_t **out)
{
    store_query q = {.table = t};
    for (size_t i = 0; index && i < t->n_idx; i++)
        if (strcmp(t->idx[i].name, index) == 0)
            q.index = &t->idx[i];
    return st_query_all(f->s, q, &f->a, out);
}

static void stats(st_fix *f, const store_table *t, const char *index, uint64_t *cnt,
                  uint64_t *bytes)
{
    const store_index *ix = NULL;
    for (size_t i = 0; index && i < t->n_idx; i++)
        if (strcmp(t->idx[i].name, index) == 0)
            ix = &t->idx[i];
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_stats(f->s, t, ix, cnt, bytes, &e), 0);
}

/* insert, overwrite (index key changes), delete: the GSI follows; counters follow */
static void test_index_maintenance(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_ALL);
    av_t *items;
    st_put_ok(
        f->s, t, &f->a,
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g1\"},\"gr\":{\"N\":\"5\"}}");
    assert_int_equal(idx_scan(f, t, "gsi", &items), 1);
    assert_item_json(
        &items[0],
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g1\"},\"gr\":{\"N\":\"5\"}}");
    /* overwrite: index key changes -> old entry removed, new one added */
    st_put_ok(f->s, t, &f->a,
              "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g2\"},\"gr\":{\"N\":"
              "\"6\"},\"x\":{\"S\":\"y\"}}");
    assert_int_equal(idx_scan(f, t, "gsi", &items), 1);
    assert_item_json(&items[0], "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g2\"},"
                                "\"gr\":{\"N\":\"6\"},\"x\":{\"S\":\"y\"}}");
    uint64_t c, b;
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, 1);
    assert_true(b > 0);
    stats(f, t, "gsi", &c, &b);
    assert_int_equal(c, 1);
    /* overwrite without the index attributes: sparse, leaves the index */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g2\"}}");
    assert_int_equal(idx_scan(f, t, "gsi", &items), 0);
    stats(f, t, "gsi", &c, &b);
    assert_int_equal(c, 0);
    assert_int_equal(b, 0);
    /* back in, then delete */
    st_put_ok(f->s, t, &f->a,
              "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g3\"},\"gr\":{\"N\":"
              "\"1\"},\"lr\":{\"S\":\"l\"}}");
    assert_int_equal(idx_scan(f, t, "gsi", &items), 1);
    assert_int_equal(idx_scan(f, t, "lsi", &items), 1);
    assert_int_equal(
        st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}"), &f->a), 0);
    assert_int_equal(idx_scan(f, t, "gsi", &items), 0);
    assert_int_equal(idx_scan(f, t, "lsi", &items), 0);
    assert_int_equal(idx_scan(f, t, NULL, &items), 0);
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, 0);
    assert_int_equal(b, 0);
    stats(f, t, "lsi", &c, &b);
    assert_int_equal(c, 0);
    /* delete of an absent item is fine */
    assert_int_equal(
        st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"zz\"},\"sk\":{\"N\":\"1\"}}"), &f->a), 0);
}

static void test_projections(void **state)
{
    st_fix *f = *state;
    const char *item =
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},\"gr\":{\"N\":\"2\"},"
        "\"extra\":{\"S\":\"e\"},\"other\":{\"S\":\"o\"}}";
    struct {
        store_proj p;
        const char *want;
    } cases[] = {
        {STORE_PROJ_KEYS_ONLY,
         "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},\"gr\":{\"N\":\"2\"}}"},
        {STORE_PROJ_INCLUDE, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},"
                             "\"gr\":{\"N\":\"2\"},\"extra\":{\"S\":\"e\"}}"},
        {STORE_PROJ_ALL, item},
    };
    for (size_t i = 0; i < 3; i++) {
        const store_table *t = mk_gsi_table(f, cases[i].p);
        st_put_ok(f->s, t, &f->a, item);
        av_t *items;
        assert_int_equal(idx_scan(f, t, "gsi", &items), 1);
        assert_item_json(&items[0], cases[i].want);
        err_t e;
        err_clear(&e);
        assert_int_equal(store_table_delete(f->s, "tbl", &e), 0);
    }
}

static void expect_put_err(st_fix *f, const store_table *t, const char *item, int code,
                           const char *msg)
{
    err_t m;
    int rc = st_put(f->s, t, J(&f->a, item), &f->a, &m);
    assert_int_equal(rc, code);
    if (strcmp(m.msg, msg) != 0)
        fprintf(stderr, "got message: %s\nwant:        %s\n", m.msg, msg);
    assert_string_equal(m.msg, msg);
}

/* A write naming its item (store_write.item): the submit encodes and checks it on the
 * submitting thread (commit.c st_prep), and the round stores those bytes (issue 13: LMDB's
 * write lock held for less).  pw: apply returns `ret` and keeps what the round saw of the
 * submit's work; a write's peek keeps the stored bytes. */
typedef struct pw_ctx {
    store_write *w;
    const av_t *ret;
    bool encoded, checked;
    buf_t enc;    /* the submit's encoding, as the round saw it */
    buf_t stored; /* peek: the stored item's bytes */
} pw_ctx;

static int pw_apply(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                    uint64_t *out_size, err_t *e)
{
    (void)old, (void)a, (void)out_size, (void)e;
    pw_ctx *c = ctx;
    c->encoded = c->w->pre.encoded;
    c->checked = c->w->pre.checked;
    buf_reset(&c->enc);
    if (c->encoded)
        assert_int_equal(
            buf_append(&c->enc, c->w->pre.bytes + c->w->pre.enc_at, c->w->pre.enc_len), 0);
    *out_new = c->ret;
    return 0;
}

static int pw_peek(void *ctx, const void *stored, size_t len, err_t *e)
{
    (void)e;
    pw_ctx *c = ctx;
    buf_reset(&c->stored);
    assert_int_equal(buf_append(&c->stored, stored, len), 0);
    return 0;
}

/* Writes `item` (apply returns `ret`) through the table descriptor t; *c as apply and the
 * peek left it. */
static int pw_write(st_fix *f, const store_table *t, av_t *item, const av_t *ret, pw_ctx *c,
                    err_t *m)
{
    store_write w = {.table = t, .key = item, .item = item, .apply = pw_apply, .ctx = c,
                     .peek = pw_peek, .arena = &f->a};
    c->w = &w;
    c->ret = ret;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    *m = w.err;
    return w.rc;
}

static void assert_bytes(const buf_t *b, const av_t *item)
{
    buf_t want;
    buf_init(&want, 0);
    assert_int_equal(av_encode(item, &want), 0);
    assert_int_equal(b->len, want.len);
    assert_memory_equal(b->data, want.data, want.len);
    buf_fini(&want);
}

static void test_item_encoded_before_the_round(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_ALL);
    pw_ctx c = {0};
    buf_init(&c.enc, 0);
    buf_init(&c.stored, 0);
    err_t m;
    av_t *a1 = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},"
                        "\"gr\":{\"N\":\"1\"},\"x\":{\"L\":[{\"N\":\"1.50\"},{\"NULL\":true}]}}");
    /* the round finds the item encoded and checked, and stores exactly av_encode's bytes */
    assert_int_equal(pw_write(f, t, a1, a1, &c, &m), 0);
    assert_true(c.encoded);
    assert_true(c.checked);
    assert_bytes(&c.enc, a1);
    av_t *a2 = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"y\":{\"S\":\"2\"}}");
    assert_int_equal(pw_write(f, t, a2, a2, &c, &m), 0);
    assert_bytes(&c.stored, a1); /* what the first write stored */
    /* apply returning another item than the one named: that item is stored, not the
     * submit's encoding */
    av_t *other = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"z\":{\"S\":\"3\"}}");
    assert_int_equal(pw_write(f, t, a2, other, &c, &m), 0);
    assert_bytes(&c.stored, a2);
    assert_int_equal(pw_write(f, t, a2, a2, &c, &m), 0);
    assert_bytes(&c.stored, other);
    /* a descriptor other than the round's (a GSI added meanwhile: here a copy without the
     * index, same table id): the submit's checks passed without the index, the round checks
     * against its own descriptor and refuses the index key's type */
    store_table bare = *t;
    bare.n_idx = 0;
    av_t *bad = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"N\":\"5\"}}");
    assert_int_equal(pw_write(f, &bare, bad, bad, &c, &m), ERR_VALIDATION);
    assert_string_equal(m.msg,
                        "One or more parameter values were invalid: Type mismatch for Index Key");
    assert_int_equal(pw_write(f, t, a2, a2, &c, &m), 0);
    assert_bytes(&c.stored, a2); /* the refused write wrote nothing */
    /* through the round's own descriptor the same item fails the submit's checks too */
    assert_int_equal(pw_write(f, t, bad, bad, &c, &m), ERR_VALIDATION);
    assert_true(c.encoded);
    assert_false(c.checked);
    assert_string_equal(m.msg,
                        "One or more parameter values were invalid: Type mismatch for Index Key");
    buf_fini(&c.enc);
    buf_fini(&c.stored);
}

/* texts checked against DynamoDB Local 2026-01-16 */
static void test_validation(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_KEYS_ONLY);
    expect_put_err(f, t, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"N\":\"5\"}}",
                   ERR_VALIDATION,
                   "One or more parameter values were invalid: Type mismatch for Index Key");
    expect_put_err(
        f, t,
        "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"x\"},\"gr\":{\"S\":\"5\"}}",
        ERR_VALIDATION, "One or more parameter values were invalid: Type mismatch for Index Key");
    expect_put_err(f, t, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"\"}}",
                   ERR_VALIDATION,
                   "One or more parameter values are not valid. A value specified for a secondary "
                   "index key is "
                   "not supported. The AttributeValue for a key attribute cannot contain an empty "
                   "string value. "
                   "IndexName: gsi, IndexKey: gk");
    expect_put_err(f, t, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"1\"}}", ERR_VALIDATION,
                   "One or more parameter values were invalid: Type mismatch for key");
    expect_put_err(
        f, t, "{\"pk\":{\"S\":\"\"},\"sk\":{\"N\":\"1\"}}", ERR_VALIDATION,
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty string value. Key: pk");
    expect_put_err(f, t, "{\"pk\":{\"S\":\"a\"}}", ERR_VALIDATION,
                   "One of the required keys was not given a value");
    /* too big */
    size_t big = 401 * 1024;
    char *txt = malloc(big + 100);
    int n = snprintf(txt, big + 100, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"x\":{\"S\":\"");
    memset(txt + n, 'a', big);
    memcpy(txt + n + big, "\"}}", 4);
    expect_put_err(f, t, txt, ERR_VALIDATION, "Item size has exceeded the maximum allowed size");
    free(txt);
    /* an overwrite that changes an index key attribute to the wrong type fails and leaves
     * the item and its index entry as they were */
    st_put_ok(
        f->s, t, &f->a,
        "{\"pk\":{\"S\":\"ok\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},\"gr\":{\"N\":\"1\"}}");
    expect_put_err(
        f, t,
        "{\"pk\":{\"S\":\"ok\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},\"gr\":{\"S\":\"1\"}}",
        ERR_VALIDATION, "One or more parameter values were invalid: Type mismatch for Index Key");
    {
        av_t *its;
        assert_int_equal(idx_scan(f, t, "gsi", &its), 1);
        assert_item_json(&its[0], "{\"pk\":{\"S\":\"ok\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"}"
                                  ",\"gr\":{\"N\":\"1\"}}");
        assert_int_equal(
            st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"ok\"},\"sk\":{\"N\":\"1\"}}"), &f->a), 0);
    }
    /* the new item's key must be the write's key */
    av_t *item = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"2\"}}");
    store_write w = {.table = t,
                     .key = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}"),
                     .apply = st_apply_put,
                     .ctx = item,
                     .arena = &f->a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    assert_int_equal(w.rc, ERR_VALIDATION);
    /* nothing was written by any of the failures */
    av_t *items;
    assert_int_equal(idx_scan(f, t, NULL, &items), 0);
    assert_int_equal(idx_scan(f, t, "gsi", &items), 0);
}

/* old item copied into the caller's arena; want_old; KEEP changes nothing */
static void test_old_and_keep(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    av_t *item = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    store_write w = {.table = t,
                     .key = item,
                     .apply = st_apply_put,
                     .ctx = item,
                     .arena = &f->a,
                     .want_old = true};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    assert_int_equal(w.rc, 0);
    assert_item_json(&w.old, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    assert_true(w.old_size > 0 && w.new_size > 0);
    store_write w2 = {
        .table = t, .key = item, .apply = st_apply_fail, .arena = &f->a, .want_old = true};
    assert_int_equal(store_write_each(f->s, &w2, 1, &e), 0);
    assert_int_equal(w2.rc, ERR_CONDITIONAL_CHECK_FAILED);
    assert_item_json(&w2.old, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    av_t got;
    bool found;
    assert_int_equal(store_get(f->s, t, item, &f->a, &got, &found, &e), 0);
    assert_true(found);
    assert_item_json(&got, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
}

/* transactions: all or nothing; the failing write is the one reported */
static void test_atomic(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_ALL);
    store_write w[3];
    memset(w, 0, sizeof w);
    const char *items[3] = {
        "{\"pk\":{\"S\":\"t1\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g\"},\"gr\":{\"N\":\"1\"}}",
        "{\"pk\":{\"S\":\"t2\"},\"sk\":{\"N\":\"1\"}}",
        "{\"pk\":{\"S\":\"t3\"},\"sk\":{\"N\":\"1\"}}"};
    for (int i = 0; i < 3; i++) {
        av_t *it = J(&f->a, items[i]);
        w[i] =
            (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it, .arena = &f->a};
    }
    w[1].apply = st_apply_fail;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_atomic(f->s, w, 3, &e), ERR_TRANSACTION_CANCELED);
    assert_int_equal(w[0].rc, 0);
    assert_int_equal(w[1].rc, ERR_CONDITIONAL_CHECK_FAILED);
    assert_int_equal(w[2].rc, 0);
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), 0);
    assert_int_equal(idx_scan(f, t, "gsi", &all), 0);
    uint64_t c, b;
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, 0);
    /* a validation failure inside the txn also cancels it */
    w[1].apply = st_apply_put;
    av_t *bad = J(&f->a, "{\"pk\":{\"S\":\"t2\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"N\":\"1\"}}");
    w[1].ctx = bad;
    err_clear(&e);
    assert_int_equal(store_write_atomic(f->s, w, 3, &e), ERR_TRANSACTION_CANCELED);
    assert_int_equal(w[1].rc, ERR_VALIDATION);
    assert_int_equal(idx_scan(f, t, NULL, &all), 0);
    /* all good: all applied */
    w[1].ctx = J(&f->a, items[1]);
    err_clear(&e);
    assert_int_equal(store_write_atomic(f->s, w, 3, &e), 0);
    assert_int_equal(idx_scan(f, t, NULL, &all), 3);
    assert_int_equal(idx_scan(f, t, "gsi", &all), 1);
}

/* An apply that records the old item it was given (ctx: a seen_put) and puts ctx->item. */
typedef struct seen_put {
    av_t *item;
    bool had_old;
    av_t old;
} seen_put;

static int apply_seen_put(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                          uint64_t *out_size, err_t *e)
{
    (void)out_size;
    (void)a, (void)e;
    seen_put *sp = ctx;
    sp->had_old = old != NULL;
    if (old)
        sp->old = *old;
    *out_new = sp->item;
    return 0;
}

/* The writes of one transaction see each other as in one nested txn, also when commit.c runs
 * the transaction without one (st_atomic_direct): a second write to the same key (outside
 * the API's contract, allowed by the store's) sees the first's item, and a second write into
 * the same item collection (a table with an LSI) counts the first's bytes.  Both would see
 * the state before the transaction if the direct path took them. */
static void test_atomic_writes_see_each_other(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    seen_put sp[2] = {{.item = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}")},
                      {.item = J(&f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}")}};
    store_write w[2];
    for (int i = 0; i < 2; i++)
        w[i] = (store_write){
            .table = t, .key = sp[i].item, .apply = apply_seen_put, .ctx = &sp[i], .arena = &f->a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_atomic(f->s, w, 2, &e), 0);
    assert_false(sp[0].had_old);
    assert_true(sp[1].had_old);
    assert_item_json(&sp[1].old, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    uint64_t c, b;
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, 1);

    /* item collections: two items of collection "c" in one transaction */
    store_index lx = st_ix("lsi", false, st_kd("pk", AV_S, "lk", AV_S), STORE_PROJ_ALL);
    const store_table *lt = st_create(f->s, "lsi", st_kd("pk", AV_S, "sk", AV_S), &lx, 1);
    av_t *it[2] = {J(&f->a, "{\"pk\":{\"S\":\"c\"},\"sk\":{\"S\":\"1\"},\"lk\":{\"S\":\"x\"}}"),
                   J(&f->a, "{\"pk\":{\"S\":\"c\"},\"sk\":{\"S\":\"2\"},\"d\":{\"S\":\"yy\"}}")};
    for (int i = 0; i < 2; i++)
        w[i] = (store_write){
            .table = lt, .key = it[i], .apply = st_apply_put, .ctx = it[i], .arena = &f->a};
    err_clear(&e);
    assert_int_equal(store_write_atomic(f->s, w, 2, &e), 0);
    assert_true(w[0].coll && w[1].coll);
    /* the second write's collection holds the first item (and its LSI entry) too */
    assert_int_equal(w[1].coll_bytes, w[0].coll_bytes + av_item_size(it[1]));
}

/* group commit: 16 threads x N writes, each batch has failing and succeeding writes */
#define GC_THREADS 16
#define GC_N 200
typedef struct gc_arg {
    store_t *s;
    const store_table *t;
    int id;
    int fails;
} gc_arg;

static void *gc_thread(void *p)
{
    gc_arg *g = p;
    arena_t a;
    arena_init(&a);
    for (int i = 0; i < GC_N; i += 4) {
        store_write w[4];
        memset(w, 0, sizeof w);
        for (int j = 0; j < 4; j++) {
            char txt[128];
            snprintf(txt, sizeof txt,
                     "{\"pk\":{\"S\":\"t%d\"},\"sk\":{\"N\":\"%d\"},\"gk\":{\"S\":\"g%d\"},\"gr\":{"
                     "\"N\":\"%d\"}}",
                     g->id, i + j, (i + j) % 7, i + j);
            av_t *it = J(&a, txt);
            w[j] = (store_write){
                .table = g->t, .key = it, .apply = st_apply_put, .ctx = it, .arena = &a};
        }
        w[3].apply = st_apply_fail; /* every 4th write fails, the others must land */
        err_t e;
        err_clear(&e);
        if (store_write_each(g->s, w, 4, &e) != 0)
            g->fails += 100;
        for (int j = 0; j < 4; j++)
            if (w[j].rc)
                g->fails++;
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static void test_group_commit(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_KEYS_ONLY);
    pthread_t th[GC_THREADS];
    gc_arg args[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        args[i] = (gc_arg){.s = f->s, .t = t, .id = i};
        pthread_create(&th[i], NULL, gc_thread, &args[i]);
    }
    for (int i = 0; i < GC_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].fails, GC_N / 4);
    }
    av_t *all;
    size_t want = GC_THREADS * GC_N * 3 / 4;
    assert_int_equal(idx_scan(f, t, NULL, &all), want);
    assert_int_equal(idx_scan(f, t, "gsi", &all), want);
    uint64_t c, b;
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, want);
    stats(f, t, "gsi", &c, &b);
    assert_int_equal(c, want);
    /* every successful write is readable, every failed one absent */
    for (int i = 0; i < GC_THREADS; i++)
        for (int j = 0; j < GC_N; j++) {
            char txt[96];
            snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"t%d\"},\"sk\":{\"N\":\"%d\"}}", i, j);
            av_t got;
            bool found;
            err_t e;
            err_clear(&e);
            assert_int_equal(store_get(f->s, t, J(&f->a, txt), &f->a, &got, &found, &e), 0);
            assert_int_equal(found, j % 4 != 3);
        }
}

/* durable group commit: concurrent callers share rounds (leader/follower), every write is
 * answered once durable, failures stay per write, and the commit counters add up */
static void test_group_commit_durable(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_KEYS_ONLY);
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    t = st_pin(f->s, "tbl");
    assert_non_null(t);
    store_commit_stats s0, s1;
    store_commit_stats_get(f->s, &s0);
    /* a lone caller: one round per call */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"solo\"},\"sk\":{\"N\":\"1\"}}");
    store_commit_stats_get(f->s, &s1);
    assert_int_equal(s1.rounds - s0.rounds, 1);
    assert_int_equal(s1.calls - s0.calls, 1);
    assert_int_equal(s1.writes - s0.writes, 1);
    s0 = s1;
    pthread_t th[GC_THREADS];
    gc_arg args[GC_THREADS];
    for (int i = 0; i < GC_THREADS; i++) {
        args[i] = (gc_arg){.s = f->s, .t = t, .id = i};
        pthread_create(&th[i], NULL, gc_thread, &args[i]);
    }
    for (int i = 0; i < GC_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].fails, GC_N / 4);
    }
    store_commit_stats_get(f->s, &s1);
    assert_int_equal(s1.calls - s0.calls, GC_THREADS * GC_N / 4);
    assert_int_equal(s1.writes - s0.writes, GC_THREADS * GC_N);
    assert_true(s1.rounds - s0.rounds < s1.calls - s0.calls); /* some rounds were shared */
    /* acknowledged writes are on disk: reopen and count */
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    size_t want = GC_THREADS * GC_N * 3 / 4 + 1;
    assert_int_equal(idx_scan(f, t, NULL, &all), want);
    uint64_t c, b;
    stats(f, t, NULL, &c, &b);
    assert_int_equal(c, want);
}

/* One fsync per round under load (issue 13.3): a round followed by another is made durable
 * by that round's commit (its data sync, MDB_NOMETASYNC) instead of a sync of its own, so
 * with writers queued the explicit syncs are fewer than the rounds (before: one per round);
 * and no caller is answered before a sync that covers its write: when a put returns, the
 * txn it was committed in (newer than the last txn seen before the call) is known durable. */
#define OS_THREADS 8
#define OS_N 60
typedef struct os_arg {
    store_t *s;
    const store_table *t;
    int id;
    int early; /* puts answered before their txn was known durable */
} os_arg;

static uint64_t os_last_txnid(store_t *s)
{
    return st_last_txnid(s); /* not mdb_env_info itself: a round may be growing the map */
}

static void *os_thread(void *p)
{
    os_arg *g = p;
    arena_t a;
    arena_init(&a);
    for (int i = 0; i < OS_N; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"o%d\"},\"sk\":{\"N\":\"%d\"}}", g->id, i);
        uint64_t before = os_last_txnid(g->s);
        st_put_ok(g->s, g->t, &a, txt);
        pthread_mutex_lock(&g->s->qmu);
        if (g->s->dur_txnid < before + 1)
            g->early++;
        pthread_mutex_unlock(&g->s->qmu);
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static void test_group_commit_one_sync_per_round(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    store_commit_stats s0, s1;
    store_commit_stats_get(f->s, &s0);
    pthread_t th[OS_THREADS];
    os_arg args[OS_THREADS];
    for (int i = 0; i < OS_THREADS; i++) {
        args[i] = (os_arg){.s = f->s, .t = t, .id = i};
        pthread_create(&th[i], NULL, os_thread, &args[i]);
    }
    int early = 0;
    for (int i = 0; i < OS_THREADS; i++) {
        pthread_join(th[i], NULL);
        early += args[i].early;
    }
    store_commit_stats_get(f->s, &s1);
    uint64_t rounds = s1.rounds - s0.rounds, syncs = s1.syncs - s0.syncs;
    print_message("%llu writes, %llu rounds, %llu own syncs\n",
                  (unsigned long long)(s1.writes - s0.writes), (unsigned long long)rounds,
                  (unsigned long long)syncs);
    assert_int_equal(s1.writes - s0.writes, OS_THREADS * OS_N);
    assert_true(syncs >= 1); /* the last round has no successor: it syncs itself */
    assert_true(syncs < rounds);
    assert_int_equal(early, 0);
    /* and what was acknowledged is there after a reopen */
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), OS_THREADS * OS_N);
}

/* A caller that queues while a round runs (before its commit) is carried by that round:
 * one commit and one sync cover both (issue 13.3).  Before, it waited for the next round,
 * whose commit also had to make the first durable: 2 rounds here instead of 1. */
typedef struct carry {
    store_t *s;
    const store_table *t;
    av_t *item;
    _Atomic int started; /* the first round's apply is running */
    int saw_queued;      /* ... and saw the second caller queued before it returned */
    int hold_ms;         /* and then kept its round this long */
    arena_t a;
} carry;

static int apply_wait_queued(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                             uint64_t *out_size, err_t *e)
{
    (void)old, (void)out_size, (void)a, (void)e;
    carry *c = ctx;
    atomic_store(&c->started, 1);
    for (int i = 0; i < 10000 && !c->saw_queued; i++) { /* 10 s at most */
        pthread_mutex_lock(&c->s->qmu);
        c->saw_queued = c->s->qhead != NULL;
        pthread_mutex_unlock(&c->s->qmu);
        if (!c->saw_queued)
            usleep(1000);
    }
    if (c->hold_ms)
        usleep((useconds_t)c->hold_ms * 1000);
    *out_new = c->item;
    return 0;
}

static void *carry_first(void *p)
{
    carry *c = p;
    store_write w = {
        .table = c->t, .key = c->item, .apply = apply_wait_queued, .ctx = c, .arena = &c->a};
    err_t e;
    err_clear(&e);
    if (store_write_each(c->s, &w, 1, &e) != 0 || w.rc != 0)
        c->saw_queued = -1;
    return NULL;
}

static void test_group_commit_carries_queued(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    carry c = {.s = f->s, .t = t};
    arena_init(&c.a);
    c.item = J(&c.a, "{\"pk\":{\"S\":\"first\"},\"sk\":{\"N\":\"1\"}}");
    store_commit_stats s0, s1;
    store_commit_stats_get(f->s, &s0);
    pthread_t th;
    pthread_create(&th, NULL, carry_first, &c);
    while (!atomic_load(&c.started))
        usleep(1000);
    uint64_t before = os_last_txnid(f->s);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"second\"},\"sk\":{\"N\":\"2\"}}");
    pthread_join(th, NULL);
    assert_int_equal(c.saw_queued, 1);
    store_commit_stats_get(f->s, &s1);
    assert_int_equal(s1.calls - s0.calls, 2);
    assert_int_equal(s1.rounds - s0.rounds, 1);
    /* answered once durable: the commit that carried the second put is on disk */
    pthread_mutex_lock(&f->s->qmu);
    assert_true(f->s->dur_txnid >= before + 1);
    pthread_mutex_unlock(&f->s->qmu);
    arena_fini(&c.a);
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), 2);
}

/* store_close admits writers still queued ("Finishes queued writes"), so it must also wait
 * out a caller whose round has been answered but who has not yet gone to sleep on its batch's
 * wake word, a word inside the store (review5 1.1).  A leads a round that carries B (first of
 * its batch) and C (not first); C pauses between queuing and its sleep (test_gap_us) while
 * A and B return and another thread closes the store.  Before the sleeper count, the close
 * freed the store under C: ASan reports a heap use-after-free in st_wq_sleep. */
typedef struct late {
    store_t *s;
    const store_table *t;
    const char *text;
    int rc;
} late;

static void *late_put(void *p)
{
    late *l = p;
    arena_t a;
    arena_init(&a);
    err_t m;
    l->rc = st_put(l->s, l->t, J(&a, l->text), &a, &m);
    arena_fini(&a);
    return NULL;
}

static int apply_wait_two_queued(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                                 uint64_t *out_size, err_t *e)
{
    (void)old, (void)out_size, (void)a, (void)e;
    carry *c = ctx;
    atomic_store(&c->started, 1);
    for (int i = 0; i < 10000 && !c->saw_queued; i++) { /* 10 s at most */
        pthread_mutex_lock(&c->s->qmu);
        c->saw_queued = c->s->qhead && c->s->qhead->next;
        pthread_mutex_unlock(&c->s->qmu);
        if (!c->saw_queued)
            usleep(1000);
    }
    if (c->hold_ms)
        usleep((useconds_t)c->hold_ms * 1000);
    *out_new = c->item;
    return 0;
}

static void *lead_two(void *p)
{
    carry *c = p;
    store_write w = {
        .table = c->t, .key = c->item, .apply = apply_wait_two_queued, .ctx = c, .arena = &c->a};
    err_t e;
    err_clear(&e);
    if (store_write_each(c->s, &w, 1, &e) != 0 || w.rc != 0)
        c->saw_queued = -1;
    return NULL;
}

static void *close_store(void *p)
{
    st_close(p);
    return NULL;
}

static void test_group_commit_close_while_answered(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_gsi_table(f, STORE_PROJ_ALL);
    carry c = {.s = f->s, .t = t};
    arena_init(&c.a);
    c.item = J(&c.a, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}");
    f->s->test_gap_us = 200000;
    pthread_t ta, tb, tc, tx;
    pthread_create(&ta, NULL, lead_two, &c);
    while (!atomic_load(&c.started))
        usleep(1000);
    late b = {.s = f->s, .t = t, .text = "{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"}}", .rc = -1};
    late l = {.s = f->s, .t = t, .text = "{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"3\"}}", .rc = -1};
    pthread_create(&tb, NULL, late_put, &b);
    for (bool queued = false; !queued; usleep(1000)) { /* B first in its batch, then C */
        pthread_mutex_lock(&f->s->qmu);
        queued = f->s->qhead != NULL;
        pthread_mutex_unlock(&f->s->qmu);
    }
    pthread_create(&tc, NULL, late_put, &l);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(c.saw_queued, 1);
    assert_int_equal(b.rc, 0);
    /* the round is answered; C is still in its pause: close from a third thread */
    pthread_create(&tx, NULL, close_store, f->s);
    pthread_join(tx, NULL);
    pthread_join(tc, NULL);
    assert_int_equal(l.rc, 0);
    arena_fini(&c.a);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), 3);
}

/* ---- writes whose caller does not wait (store_write_each_later, issue 13.3 design (a)) ---- */

typedef struct lw {
    store_t *s;
    store_write w;
    arena_t a;
    pthread_t queuer;  /* the thread that queued it: done must never run inside that call */
    uint64_t before;   /* LMDB's last txn id before it was queued */
    _Atomic int calls; /* done calls (exactly one) */
    int rc;
    err_t e;
    bool early, inline_call;
    /* test_later_answers_deferred */
    pthread_t done_thread;
    bool deferred, mark_same;
    _Atomic int marks;
} lw;

static _Atomic int lw_answered;

static void lw_done(void *ctx, int rc, const err_t *e)
{
    lw *x = ctx;
    x->rc = rc;
    x->e = *e;
    x->inline_call = pthread_equal(pthread_self(), x->queuer);
    /* qmu is free here (a done callback runs without store locks) */
    pthread_mutex_lock(&x->s->qmu);
    if (x->s->opts.durable && x->s->dur_txnid < x->before + 1)
        x->early = true; /* answered before a sync covering its txn */
    pthread_mutex_unlock(&x->s->qmu);
    atomic_fetch_add(&x->calls, 1);
    atomic_fetch_add(&lw_answered, 1);
}

/* Queues a put of `text` (its own arena: apply runs on another thread); 0 or the error. */
static int lw_queue(store_t *s, const store_table *t, lw *x, const char *text)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    arena_init(&x->a);
    av_t *it = J(&x->a, text);
    x->w = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it, .arena = &x->a};
    x->queuer = pthread_self();
    x->before = os_last_txnid(s);
    err_t e;
    err_clear(&e);
    return store_write_each_later(s, &x->w, 1, lw_done, x, &e);
}

/* Waits (10 s at most) until `n` later writes were answered since lw_answered was zeroed. */
static void lw_wait(int n)
{
    for (int i = 0; i < 10000 && atomic_load(&lw_answered) < n; i++)
        usleep(1000);
    assert_int_equal(atomic_load(&lw_answered), n);
}

static void lw_free(lw *v, int n)
{
    for (int i = 0; i < n; i++)
        arena_fini(&v[i].a);
}

static store_t *open_durable(st_fix *f)
{
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    return f->s;
}

/* A later write is answered once (never from inside the call that queued it), only after a
 * sync that covers its txn, and with waiting callers in the same queue (both kinds share
 * rounds); what was answered is there after a reopen.  Before store_write_each_later: no
 * such entry (the server's pool thread waited for each write). */
#define LW_N 300
static void test_later_answered_after_sync(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    store_commit_stats s0, s1;
    store_commit_stats_get(f->s, &s0);
    pthread_t th[4];
    os_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (os_arg){.s = f->s, .t = t, .id = i};
        pthread_create(&th[i], NULL, os_thread, &args[i]);
    }
    static lw v[LW_N];
    atomic_store(&lw_answered, 0);
    for (int i = 0; i < LW_N; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"later\"},\"sk\":{\"N\":\"%d\"}}", i);
        assert_int_equal(lw_queue(f->s, t, &v[i], txt), 0);
        if (i % 50 == 49)
            usleep(2000);
    }
    lw_wait(LW_N);
    int early = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        early += args[i].early;
    }
    for (int i = 0; i < LW_N; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_int_equal(v[i].rc, 0);
        assert_int_equal(v[i].w.rc, 0);
        assert_false(v[i].inline_call);
        early += v[i].early;
    }
    assert_int_equal(early, 0);
    store_commit_stats_get(f->s, &s1);
    assert_int_equal(s1.calls - s0.calls, LW_N + 4 * OS_N);
    assert_true(s1.rounds - s0.rounds < s1.calls - s0.calls); /* rounds were shared */
    st_close(f->s);
    lw_free(v, LW_N);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), LW_N + 4 * OS_N);
}

/* A committer thread whose round ends with later writes queued leads their round at once and
 * hands its own round's end (the wait for the covering sync, the answers) to an idle
 * committer (commit.c st_lead, store_commit_stats.chained): answered once each, none before
 * a sync covering it, all there after a reopen.  The writes are queued 1 ms apart while
 * rounds commit (each syncs), so some are queued when a round ends.  Before: the next round's
 * lead always went to another thread, woken for it (no chained rounds). */
#define LC_N 300
#define LC_BATCHES 10
static void test_later_chained(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    store_commit_stats s0, s1;
    store_commit_stats_get(f->s, &s0);
    /* batches of LC_N until a round was chained: the committer must be running while the
     * next writes queue, and a loaded machine may not schedule it for a whole batch (the
     * project's CI, ASan beside the e2e suite: "1 rounds, 0 chained") */
    static lw v[LC_BATCHES * LC_N];
    int n = 0;
    atomic_store(&lw_answered, 0);
    for (int b = 0; b < LC_BATCHES; b++) {
        for (int i = 0; i < LC_N; i++, n++) {
            char txt[96];
            snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"chain\"},\"sk\":{\"N\":\"%d\"}}", n);
            assert_int_equal(lw_queue(f->s, t, &v[n], txt), 0);
            usleep(1000); /* rounds of a write or a few, committing (a sync) while the next queue */
        }
        lw_wait(n);
        store_commit_stats_get(f->s, &s1);
        fprintf(stderr, "  batch %d: %llu rounds, %llu chained\n", b,
                (unsigned long long)(s1.rounds - s0.rounds),
                (unsigned long long)(s1.chained - s0.chained));
        if (s1.chained - s0.chained >= 1)
            break;
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_int_equal(v[i].rc, 0);
        assert_int_equal(v[i].w.rc, 0);
        assert_false(v[i].inline_call);
        assert_false(v[i].early);
    }
    assert_int_equal(s1.calls - s0.calls, n);
    assert_true(s1.chained - s0.chained >= 1);
    st_close(f->s);
    lw_free(v, n);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), n);
}

/* The answers of a round's later writes run inside a defer scope (base/defer.h) on the
 * committing thread: what a done callback defers (the HTTP layer's resume of its connection,
 * which wakes a polling thread) runs after the round's last answer, on the same thread, once
 * each; none runs while the store would still count its round in flight.  Before the scope:
 * defer_call in a done callback queued nothing. */
static _Atomic int ld_marked;

static void ld_mark(void *arg)
{
    lw *x = arg;
    x->mark_same = pthread_equal(pthread_self(), x->done_thread);
    atomic_fetch_add(&x->marks, 1);
    atomic_fetch_add(&ld_marked, 1);
}

static void ld_done(void *ctx, int rc, const err_t *e)
{
    lw *x = ctx;
    x->done_thread = pthread_self();
    x->deferred = defer_call(ld_mark, x);
    if (!x->deferred)
        ld_mark(x); /* as a caller outside a scope does */
    lw_done(ctx, rc, e);
}

#define LD_N 120
static void test_later_answers_deferred(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    static lw v[LD_N];
    atomic_store(&lw_answered, 0);
    atomic_store(&ld_marked, 0);
    for (int i = 0; i < LD_N; i++) {
        lw *x = &v[i];
        memset(x, 0, sizeof *x);
        x->s = f->s;
        arena_init(&x->a);
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"d\"},\"sk\":{\"N\":\"%d\"}}", i);
        av_t *it = J(&x->a, txt);
        x->w = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                             .arena = &x->a};
        x->queuer = pthread_self();
        err_t e;
        err_clear(&e);
        assert_int_equal(store_write_each_later(f->s, &x->w, 1, ld_done, x, &e), 0);
    }
    for (int i = 0; i < 10000 && atomic_load(&ld_marked) < LD_N; i++)
        usleep(1000);
    st_close(f->s); /* every round has finished, its deferred calls with it */
    f->s = NULL;
    assert_int_equal(atomic_load(&ld_marked), LD_N);
    for (int i = 0; i < LD_N; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_int_equal(v[i].rc, 0);
        assert_true(v[i].deferred);
        assert_int_equal(atomic_load(&v[i].marks), 1);
        assert_true(v[i].mark_same);
    }
    lw_free(v, LD_N);
    f->s = st_open_dir(f->dir, 0);
}

/* The committer threads are named "ddb-commit" (/proc/self/task/TID/comm), not after the
 * thread that started them (the server's polling threads: "MHD-worker"), so per-thread CPU
 * and profiles tell them apart.  Before: no thread of that name. */
static bool st_thread_named(const char *want)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        char path[300], name[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(name, sizeof name, f))
            name[strcspn(name, "\n")] = '\0';
        fclose(f);
        found = strcmp(name, want) == 0;
    }
    closedir(d);
    return found;
}

static void test_committer_thread_name(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    static lw v[4];
    atomic_store(&lw_answered, 0);
    for (int i = 0; i < 4; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"n\"},\"sk\":{\"N\":\"%d\"}}", i);
        assert_int_equal(lw_queue(f->s, t, &v[i], txt), 0);
    }
    lw_wait(4);
    assert_true(st_thread_named("ddb-commit"));
    st_close(f->s);
    f->s = NULL;
    lw_free(v, 4);
    f->s = st_open_dir(f->dir, 0);
}

/* store_close with later writes queued and in flight answers every one of them (success:
 * the store was open when they were queued) before it returns; they are all on disk. */
static void test_later_close_in_flight(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    static lw v[LW_N];
    atomic_store(&lw_answered, 0);
    for (int i = 0; i < LW_N; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"%d\"}}", i);
        assert_int_equal(lw_queue(f->s, t, &v[i], txt), 0);
    }
    st_close(f->s); /* returns only once every queued write was answered */
    assert_int_equal(atomic_load(&lw_answered), LW_N);
    for (int i = 0; i < LW_N; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_int_equal(v[i].rc, 0);
        assert_false(v[i].early);
    }
    lw_free(v, LW_N);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), LW_N);
}

/* --queue-timeout for the writes answered later (opts.later_wait_ms): one queued while a
 * round runs long (its first write's apply holds it hold_ms after seeing it queued) waited
 * that long; past its limit it is answered ERR_THROTTLING (DynamoDB's busy reply, which the
 * SDKs retry) and not run: nothing written, so a retry applies it once.  With no limit, or
 * within it, it is committed.  Before later_wait_ms: committed however long it waited. */
static void later_wait_case(st_fix *f, unsigned wait_ms, int hold_ms, const char *pk, int want_rc,
                            size_t want_items)
{
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    o.later_wait_ms = wait_ms;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    carry c = {.s = f->s, .t = t, .hold_ms = hold_ms};
    arena_init(&c.a);
    char txt[96];
    snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"%s\"},\"sk\":{\"N\":\"1\"}}", pk);
    c.item = J(&c.a, txt);
    pthread_t th;
    pthread_create(&th, NULL, carry_first, &c);
    while (!atomic_load(&c.started))
        usleep(1000);
    static lw x;
    atomic_store(&lw_answered, 0);
    snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"%s\"},\"sk\":{\"N\":\"2\"}}", pk);
    assert_int_equal(lw_queue(f->s, t, &x, txt), 0);
    pthread_join(th, NULL);
    assert_int_equal(c.saw_queued, 1);
    lw_wait(1);
    assert_int_equal(atomic_load(&x.calls), 1);
    assert_int_equal(x.rc, want_rc);
    assert_int_equal(x.w.rc, 0);
    if (want_rc)
        assert_string_equal(x.e.msg, STXT_BUSY);
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), want_items);
    arena_fini(&c.a);
    lw_free(&x, 1);
}

static void test_later_queue_wait(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    later_wait_case(f, 20, 150, "late", ERR_THROTTLING, 1); /* 150 ms > 20: refused */
    later_wait_case(f, 0, 150, "nolimit", 0, 3);            /* no limit: committed */
    later_wait_case(f, 5000, 0, "intime", 0, 5);            /* within it: committed */
}

/* A round that outgrows the map (MDB_MAP_FULL) is aborted, the map grown and the round run
 * again: its later callers are answered once, after the re-run, and their items are there. */
static void test_later_map_full_rerun(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = st_open_dir(f->dir, 256 * 1024);
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    static lw v[200];
    atomic_store(&lw_answered, 0);
    char *pad = malloc(3001);
    memset(pad, 'x', 3000);
    pad[3000] = '\0';
    for (int i = 0; i < 200; i++) {
        char txt[3200];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"m%03d\"},\"v\":{\"S\":\"%s\"}}", i, pad);
        assert_int_equal(lw_queue(f->s, t, &v[i], txt), 0);
    }
    free(pad);
    lw_wait(200);
    for (int i = 0; i < 200; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_int_equal(v[i].rc, 0);
        assert_int_equal(v[i].w.rc, 0);
    }
    av_t *items;
    store_query q = {.table = t};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 200);
    st_close(f->s);
    lw_free(v, 200);
    f->s = st_open_dir(f->dir, 0);
}

/* A transaction whose caller does not wait (store_write_atomic_later): all of its writes or
 * none, answered once (never from inside the queuing call) after a sync covering its txn,
 * with ERR_TRANSACTION_CANCELED and each write's own rc when an apply failed; transactions of
 * every fourth caller fail their middle write.  After a reopen exactly the others' items are
 * there (and their index entries).  Queued as each-writes (atomic ignored), the failing ones
 * would keep two of their three items. */
#define LA_N 60
typedef struct la {
    store_t *s;
    store_write w[3];
    arena_t a;
    pthread_t queuer;
    uint64_t before;
    _Atomic int calls;
    int rc;
    bool early, inline_call;
} la;

static void la_done(void *ctx, int rc, const err_t *e)
{
    la *x = ctx;
    (void)e;
    x->rc = rc;
    x->inline_call = pthread_equal(pthread_self(), x->queuer);
    /* only a committed transaction waits for its sync: a cancelled one wrote nothing, and
     * when its round held nothing else there is no transaction to sync (under load that round
     * was answered at once and this test called it early, 2 runs in 15) */
    pthread_mutex_lock(&x->s->qmu);
    if (rc == 0 && x->s->dur_txnid < x->before + 1)
        x->early = true;
    pthread_mutex_unlock(&x->s->qmu);
    atomic_fetch_add(&x->calls, 1);
    atomic_fetch_add(&lw_answered, 1);
}

static void test_later_atomic(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    open_durable(f);
    const store_table *t = st_pin(f->s, "tbl");
    assert_non_null(t);
    static la v[LA_N];
    atomic_store(&lw_answered, 0);
    for (int i = 0; i < LA_N; i++) {
        la *x = &v[i];
        memset(x, 0, sizeof *x);
        x->s = f->s;
        arena_init(&x->a);
        for (int j = 0; j < 3; j++) {
            av_t *it = J(&x->a, arena_printf(&x->a,
                                             "{\"pk\":{\"S\":\"x%d\"},\"sk\":{\"N\":\"%d\"},"
                                             "\"gk\":{\"S\":\"g\"},\"gr\":{\"N\":\"%d\"}}",
                                             i, j, i * 3 + j));
            x->w[j] = (store_write){
                .table = t, .key = it, .apply = st_apply_put, .ctx = it, .arena = &x->a};
        }
        if (i % 4 == 3)
            x->w[1].apply = st_apply_fail;
        x->queuer = pthread_self();
        x->before = os_last_txnid(f->s);
        err_t e;
        err_clear(&e);
        assert_int_equal(store_write_atomic_later(f->s, x->w, 3, la_done, x, &e), 0);
        if (i % 20 == 19)
            usleep(2000);
    }
    lw_wait(LA_N);
    int good = 0;
    for (int i = 0; i < LA_N; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        assert_false(v[i].inline_call);
        assert_false(v[i].early);
        if (i % 4 == 3) {
            assert_int_equal(v[i].rc, ERR_TRANSACTION_CANCELED);
            assert_int_equal(v[i].w[0].rc, 0);
            assert_int_equal(v[i].w[1].rc, ERR_CONDITIONAL_CHECK_FAILED);
            assert_int_equal(v[i].w[2].rc, 0);
        } else {
            assert_int_equal(v[i].rc, 0);
            for (int j = 0; j < 3; j++)
                assert_int_equal(v[i].w[j].rc, 0);
            good++;
        }
    }
    st_close(f->s);
    for (int i = 0; i < LA_N; i++)
        arena_fini(&v[i].a);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), 3 * good);
    assert_int_equal(idx_scan(f, t, "gsi", &all), 3 * good);
    /* more than STORE_MAX_TXN_ITEMS writes: refused at once, done never called */
    err_t e;
    err_clear(&e);
    store_write many[STORE_MAX_TXN_ITEMS + 1];
    memset(many, 0, sizeof many);
    assert_int_equal(store_write_atomic_later(f->s, many, STORE_MAX_TXN_ITEMS + 1, la_done,
                                              NULL, &e),
                     ERR_VALIDATION);
}

/* --queue-timeout (opts.later_wait_ms) for a transaction answered later: queued behind a
 * round held 150 ms with a 20 ms limit it is answered ERR_THROTTLING (the busy reply, not a
 * cancellation: every write's rc 0) and none of its writes is run. */
static void test_later_atomic_queue_wait(void **state)
{
    st_fix *f = *state;
    mk_gsi_table(f, STORE_PROJ_ALL);
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false;
    o.later_wait_ms = 20;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_pin(f->s, "tbl");
    carry c = {.s = f->s, .t = t, .hold_ms = 150};
    arena_init(&c.a);
    c.item = J(&c.a, "{\"pk\":{\"S\":\"held\"},\"sk\":{\"N\":\"1\"}}");
    pthread_t th;
    pthread_create(&th, NULL, carry_first, &c);
    while (!atomic_load(&c.started))
        usleep(1000);
    static la x;
    memset(&x, 0, sizeof x);
    x.s = f->s;
    arena_init(&x.a);
    for (int j = 0; j < 3; j++) {
        av_t *it = J(&x.a, arena_printf(&x.a, "{\"pk\":{\"S\":\"late\"},\"sk\":{\"N\":\"%d\"}}", j));
        x.w[j] = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                               .arena = &x.a};
    }
    x.queuer = pthread_self();
    x.before = os_last_txnid(f->s);
    atomic_store(&lw_answered, 0);
    assert_int_equal(store_write_atomic_later(f->s, x.w, 3, la_done, &x, &e), 0);
    pthread_join(th, NULL);
    assert_int_equal(c.saw_queued, 1);
    lw_wait(1);
    assert_int_equal(atomic_load(&x.calls), 1);
    assert_int_equal(x.rc, ERR_THROTTLING);
    for (int j = 0; j < 3; j++)
        assert_int_equal(x.w[j].rc, 0);
    av_t *all;
    assert_int_equal(idx_scan(f, t, NULL, &all), 1); /* the held round's item only */
    arena_fini(&c.a);
    arena_fini(&x.a);
}

/* A durable store keeps data.mdb written ahead of LMDB's last page (zeros, ST_PREALLOC_LOW at
 * least), so a commit overwrites blocks that exist and its fdatasync need not write the inode
 * (issue 13.3); LMDB ignores what lies past its last page: the items read back after a reopen.
 * A store that never syncs (durable = false) does not preallocate.  Before: the file ended at
 * the last page (file_bytes == used_bytes). */
static void prealloc_fill(st_fix *f, const store_table *t, int from, int n)
{
    store_write w[100];
    assert_true(n <= 100);
    for (int i = 0; i < n; i++) {
        av_t *it = J(&f->a, arena_printf(&f->a, "{\"pk\":{\"S\":\"p%d\"},\"v\":{\"S\":\"%0*d\"}}",
                                         from + i, 3000, i));
        w[i] = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                             .arena = &f->a};
    }
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, w, (size_t)n, &e), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(w[i].rc, 0);
}

/* Of path's pages [from, to) in the page cache, how many are in a folio of more than one
 * page (/proc/self/pagemap's frame, /proc/kpageflags' COMPOUND_HEAD/TAIL bits); -1 when the
 * flags cannot be read (not root, no /proc/kpageflags) or the file is on neither ext4 nor
 * XFS (whose folios are sized by the write that creates them; a tmpfs mounted huge=always
 * makes large ones whatever the writes).  MADV_RANDOM: a page not cached is read in as a
 * one-page folio, so eviction cannot make a large one. */
static long large_folio_pages(const char *path, uint64_t from, uint64_t to)
{
    int kf = open("/proc/kpageflags", O_RDONLY), pm = open("/proc/self/pagemap", O_RDONLY);
    int fd = open(path, O_RDONLY);
    long n = -1;
    uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), f;
    struct statfs sf;
    bool fs_ok = fd >= 0 && fstatfs(fd, &sf) == 0 &&
                 (sf.f_type == 0xEF53 /* ext2/3/4 */ || sf.f_type == 0x58465342 /* XFS */);
    from -= from % ps;
    if (kf >= 0 && pm >= 0 && fs_ok && to > from && pread(kf, &f, 8, 0) == 8) {
        volatile unsigned char *p = mmap(NULL, to - from, PROT_READ, MAP_SHARED, fd, (off_t)from);
        assert_true(p != MAP_FAILED);
        madvise((void *)p, to - from, MADV_RANDOM);
        n = 0;
        for (uint64_t off = 0; off + ps <= to - from; off += ps) {
            uint64_t e;
            (void)p[off];
            assert_int_equal(pread(pm, &e, 8, (off_t)(((uintptr_t)p + off) / ps * 8)), 8);
            if (!(e >> 63) || pread(kf, &f, 8, (off_t)((e & ((1ULL << 55) - 1)) * 8)) != 8)
                continue;
            n += (f & (3ULL << 15)) != 0; /* KPF_COMPOUND_HEAD (15), KPF_COMPOUND_TAIL (16) */
        }
        munmap((void *)p, to - from);
    }
    if (kf >= 0)
        close(kf);
    if (pm >= 0)
        close(pm);
    if (fd >= 0)
        close(fd);
    return n;
}

static void test_durable_file_written_ahead(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    prealloc_fill(f, t, 0, 10);
    store_env_stats es;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_env_stats_get(f->s, &es, &e), 0);
    assert_true(es.file_bytes < es.used_bytes + ST_PREALLOC_LOW); /* not durable: as LMDB left it */
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false; /* durable */
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    t = st_pin(f->s, "tbl");
    for (int k = 0; k < 5; k++) { /* 5 x 100 items of 3 KB: past one extension */
        prealloc_fill(f, t, 10 + 100 * k, 100);
        assert_int_equal(store_env_stats_get(f->s, &es, &e), 0);
        /* a call adds ~400 KB after its round made sure of ST_PREALLOC_LOW */
        assert_true(es.file_bytes >= es.used_bytes + ST_PREALLOC_LOW / 4);
        arena_reset(&f->a);
    }
    /* the zeros were written a page at a time: one-page folios, which LMDB's one-page
     * writes and fdatasync's writeback handle for less than a 64 KB folio (commit.c
     * st_prealloc).  Before: every page past the last used one was in a 16-page folio. */
    char path[sizeof f->dir + 16];
    snprintf(path, sizeof path, "%s/data.mdb", f->dir);
    long large = large_folio_pages(path, es.used_bytes, es.file_bytes);
    if (large >= 0)
        assert_int_equal(large, 0);
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tbl");
    av_t *all;
    assert_int_equal(st_query_all(f->s, (store_query){.table = t}, &f->a, &all), 510);
}

/* a write to a table deleted meanwhile fails with ResourceNotFound */
static void test_write_deleted_table(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "gone", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_delete(f->s, "gone", &e), 0);
    err_t m;
    assert_int_equal(st_put(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &m),
                     ERR_RESOURCE_NOT_FOUND);
    assert_string_equal(m.msg, "Cannot do operations on a non-existent table");
}

/* an apply callback that reads through the store works; one that writes is refused instead
 * of deadlocking */
typedef struct reenter {
    store_t *s;
    const store_table *t;
    av_t *item;
    bool found;
    int write_rc;
} reenter;

static int apply_reenter(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                         uint64_t *out_size, err_t *e)
{
    (void)out_size;
    reenter *r = ctx;
    av_t got;
    err_t e2;
    err_clear(&e2);
    if (!st_pin(r->s, "tbl"))
        return err_set(e, ERR_INTERNAL, "table_get failed");
    if (store_get(r->s, r->t, J(a, "{\"pk\":{\"S\":\"other\"}}"), a, &got, &r->found, &e2))
        return err_set(e, ERR_INTERNAL, "get failed: %s", e2.msg);
    store_write w = {.table = r->t, .key = r->item, .apply = st_apply_del, .arena = a};
    r->write_rc = store_write_each(r->s, &w, 1, &e2);
    *out_new = r->item;
    return 0;
}

static void test_apply_reentry(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"other\"}}");
    reenter r = {.s = f->s, .t = t, .item = J(&f->a, "{\"pk\":{\"S\":\"me\"}}")};
    store_write w = {.table = t, .key = r.item, .apply = apply_reenter, .ctx = &r, .arena = &f->a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    assert_int_equal(w.rc, 0);
    assert_true(r.found);
    assert_int_equal(r.write_rc, ERR_INTERNAL);
}

/* store_writes_new: n writes whose every byte is zero but those of err's message after its
 * first (cleared, "" then), over arena memory that held other bytes before; a count whose size
 * overflows is refused. */
static void test_writes_new(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    unsigned char *junk = arena_alloc(&a, 3 * sizeof(store_write) + 64);
    assert_non_null(junk);
    memset(junk, 0xAB, 3 * sizeof(store_write) + 64);
    arena_reset(&a);
    store_write *w = store_writes_new(&a, 3);
    assert_non_null(w);
    assert_ptr_equal((void *)w, (void *)junk); /* the same memory, written over */
    const size_t msg = offsetof(store_write, err) + offsetof(err_t, msg);
    for (size_t i = 0; i < 3; i++) {
        const unsigned char *p = (const unsigned char *)&w[i];
        for (size_t b = 0; b < sizeof w[i]; b++)
            if (b <= msg || b >= msg + sizeof w[i].err.msg)
                assert_int_equal(p[b], 0);
        assert_int_equal(w[i].old.type, AV_NONE);
        assert_string_equal(w[i].err.msg, "");
    }
    assert_null(store_writes_new(&a, SIZE_MAX / sizeof(store_write) + 1));
    arena_fini(&a);
}

/* An item whose index key value violates the key (an empty S, a partition value over 2048
 * bytes, a sort value over 1024) is not in the index: what a backfill of an index added later
 * leaves out (the Developer Guide's index key violations); at the limits it is. */
static void test_key_violation_not_in_index(void **state)
{
    st_fix *f = *state;
    store_index ix[1] = {st_ix("gsi", true, st_kd("gk", AV_S, "gr", AV_S), STORE_PROJ_ALL)};
    const store_table *t = st_create(f->s, "kv", st_kd("pk", AV_S, NULL, AV_NONE), ix, 1);
    static char txt[8192];
    struct {
        size_t gk, gr;
        bool present;
    } cases[] = {{2048, 1024, true}, {2049, 1, false}, {1, 1025, false}, {0, 1, false},
                 {1, 0, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t o = (size_t)snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"p\"},\"gk\":{\"S\":\"");
        memset(txt + o, 'g', cases[i].gk);
        o += cases[i].gk;
        o += (size_t)snprintf(txt + o, sizeof txt - o, "\"},\"gr\":{\"S\":\"");
        memset(txt + o, 'r', cases[i].gr);
        o += cases[i].gr;
        snprintf(txt + o, sizeof txt - o, "\"}}");
        buf_t b;
        buf_init(&b, 0);
        bool present = !cases[i].present;
        assert_int_equal(st_key_index(f->s, t, &t->idx[0], J(&f->a, txt), &b, &present), 0);
        assert_int_equal(present, cases[i].present);
        buf_fini(&b);
    }
}

/* review10 F11: a build before 5ffe138 backfilled a key-violating item into a GSI added later;
 * after the upgrade that entry must still leave with its item (DeleteItem, or a put that
 * replaces it), not stay behind as a phantom of a deleted item. */
static void test_legacy_violation_entry_removed(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    static char txt[4096];
    const char *pks[] = {"del", "upd"};
    for (size_t i = 0; i < 2; i++) {
        size_t o = (size_t)snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"%s\"},\"gk\":{\"S\":\"",
                                    pks[i]);
        memset(txt + o, 'g', 3000);
        snprintf(txt + o + 3000, sizeof txt - o - 3000, "\"}}");
        st_put_ok(f->s, t, &f->a, txt);
    }
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "lv", &ix, &e), 0);
    t = st_pin(f->s, "lv");
    av_t *items, *all;
    assert_int_equal(idx_scan(f, t, "gsi", &items), 0); /* this build leaves them out */

    /* the older build's backfill: both items' entries, as it wrote them */
    assert_int_equal(idx_scan(f, t, NULL, &all), 2);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &txn), 0);
    for (size_t i = 0; i < 2; i++) {
        buf_t k, v;
        buf_init(&k, 0);
        buf_init(&v, 0);
        bool present = false;
        assert_int_equal(st_key_index_stored(f->s, t, &t->idx[0], &all[i], &k, &present), 0);
        assert_true(present);
        assert_int_equal(av_encode(&all[i], &v), 0);
        MDB_val mk = {k.len, k.data}, mv = {v.len, v.data};
        assert_int_equal(mdb_put(txn, f->s->db_data, &mk, &mv, 0), 0);
        buf_fini(&k);
        buf_fini(&v);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(idx_scan(f, t, "gsi", &items), 2);

    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"del\"}}"), &f->a), 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"upd\"},\"gk\":{\"S\":\"ok\"}}");
    assert_int_equal(idx_scan(f, t, "gsi", &items), 1);
    assert_item_json(&items[0], "{\"pk\":{\"S\":\"upd\"},\"gk\":{\"S\":\"ok\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_maintenance, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_projections, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_validation, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_item_encoded_before_the_round, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_old_and_keep, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_atomic, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_writes_see_each_other, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_durable, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_one_sync_per_round, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_carries_queued, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_close_while_answered, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_later_answered_after_sync, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_chained, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_close_in_flight, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_answers_deferred, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_committer_thread_name, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_map_full_rerun, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_queue_wait, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_atomic, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_atomic_queue_wait, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_durable_file_written_ahead, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_write_deleted_table, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_apply_reentry, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_key_violation_not_in_index, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_legacy_violation_entry_removed, st_setup,
                                        st_teardown),
        cmocka_unit_test(test_writes_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
