/*
 * st_test — helpers shared by the store's unit tests (not a test itself).
 *
 * Items are written as DynamoDB JSON text (ddbjson), so tests read like the wire.  Every
 * test gets a fresh mkdtemp data dir (removed at teardown) and a store with durable=false.
 */
#ifndef DDB_TESTS_ST_TEST_H
#define DDB_TESTS_ST_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <lmdb.h>

#include "store/store.h"
#include "value/ddbjson.h"

typedef struct st_fix {
    char dir[256];
    store_t *s;
    arena_t a;
} st_fix;

static inline void st_rmrf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static inline store_t *st_open_dir(const char *dir, size_t initial_map)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.initial_map = initial_map;
    store_t *s = NULL;
    err_t e;
    err_clear(&e);
    int rc = store_open(dir, &o, &s, &e);
    if (rc)
        fprintf(stderr, "store_open: %s\n", e.msg);
    assert_int_equal(rc, 0);
    return s;
}

/* ---- pins: every descriptor a test gets is registered and unpinned by st_close ---------- */

#define ST_MAX_PINS 4096
static struct {
    store_t *s;
    const store_table *t;
} st_pins[ST_MAX_PINS];
static size_t st_npins;

static inline const store_table *st_keep(store_t *s, const store_table *t)
{
    if (t) {
        assert_true(st_npins < ST_MAX_PINS);
        st_pins[st_npins].s = s;
        st_pins[st_npins++].t = t;
    }
    return t;
}

/* The current descriptor of `name` (NULL when absent), pinned until st_close. */
static inline const store_table *st_pin(store_t *s, const char *name)
{
    return st_keep(s, store_table_pin(s, name));
}

/* Unpins what the tests pinned on s, then closes it. */
static inline void st_close(store_t *s)
{
    size_t k = 0;
    for (size_t i = 0; i < st_npins; i++) {
        if (st_pins[i].s == s)
            store_table_unpin(s, st_pins[i].t);
        else
            st_pins[k++] = st_pins[i];
    }
    st_npins = k;
    store_close(s);
}

/* ---- table changes through store_table_alter ----------------------------------------- */

typedef struct st_chg {
    const char *meta; /* set the metadata blob (with meta_len) */
    size_t meta_len;
    bool set_meta;
    const char *ttl;  /* set the TTL attribute ("" disables) */
    const store_index *add;
    const char *drop;
} st_chg;

static inline int st_chg_fn(void *ctx, store_alter *al, err_t *e)
{
    const st_chg *c = ctx;
    int rc = 0;
    if (c->set_meta) {
        al->next.meta = c->meta ? arena_memdup(al->arena, c->meta, c->meta_len + 1) : NULL;
        al->next.meta_len = c->meta ? c->meta_len : 0;
    }
    if (c->ttl)
        snprintf(al->next.ttl_attr, sizeof al->next.ttl_attr, "%s", c->ttl);
    if (c->drop)
        rc = store_alter_drop_index(al, c->drop, e);
    if (rc == 0 && c->add)
        rc = store_alter_add_index(al, c->add, e);
    return rc;
}

static inline int st_set_meta(store_t *s, const char *name, const char *meta, size_t len, err_t *e)
{
    st_chg c = {.meta = meta, .meta_len = len, .set_meta = true};
    return store_table_alter(s, name, st_chg_fn, &c, NULL, e);
}

static inline int st_set_ttl(store_t *s, const char *name, const char *attr, err_t *e)
{
    st_chg c = {.ttl = attr};
    return store_table_alter(s, name, st_chg_fn, &c, NULL, e);
}

/* Adds an index; its backfill runs in the maintenance thread. */
static inline int st_index_add_nowait(store_t *s, const char *name, const store_index *ix,
                                      err_t *e)
{
    st_chg c = {.add = ix};
    return store_table_alter(s, name, st_chg_fn, &c, NULL, e);
}

/* Adds an index and waits for its backfill (the maintenance thread's). */
static inline int st_index_add(store_t *s, const char *name, const store_index *ix, err_t *e)
{
    st_chg c = {.add = ix};
    int rc = store_table_alter(s, name, st_chg_fn, &c, NULL, e);
    return rc ? rc : store_work_wait(s, 120000, e);
}

/* Drops an index and waits for its entries' removal (the maintenance thread's). */
static inline int st_index_drop(store_t *s, const char *name, const char *index, err_t *e)
{
    st_chg c = {.drop = index};
    int rc = store_table_alter(s, name, st_chg_fn, &c, NULL, e);
    return rc ? rc : store_work_wait(s, 120000, e);
}

static inline int st_setup(void **state)
{
    st_fix *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ddb_store_test_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->s = st_open_dir(f->dir, 0);
    arena_init(&f->a);
    *state = f;
    return 0;
}

static inline int st_teardown(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    arena_fini(&f->a);
    st_rmrf(f->dir);
    free(f);
    return 0;
}

/* An item (or key) from DynamoDB JSON text, in the arena. */
static inline av_t *J(arena_t *a, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fprintf(stderr, "bad JSON in test: %s: %s\n", text, je.text);
    assert_non_null(j);
    av_t *v = arena_alloc(a, sizeof *v);
    err_t e;
    err_clear(&e);
    int rc = ddbjson_to_item(j, a, v, &e);
    if (rc)
        fprintf(stderr, "ddbjson_to_item: %s\n", e.msg);
    assert_int_equal(rc, 0);
    json_decref(j);
    return v;
}

/* A value from DynamoDB JSON text ({"S":"x"}). */
static inline av_t JV(arena_t *a, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    av_t v;
    err_t e;
    err_clear(&e);
    assert_int_equal(ddbjson_to_av(j, a, &v, &e), 0);
    json_decref(j);
    return v;
}

/* Compact JSON text of an item (malloc'ed). */
static inline char *JS(const av_t *item)
{
    json_t *j = ddbjson_from_item(item);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

static inline void assert_item_json(const av_t *item, const char *want_text)
{
    arena_t a;
    arena_init(&a);
    av_t *want = J(&a, want_text);
    if (!av_equal(item, want)) {
        char *got = JS(item);
        fprintf(stderr, "item mismatch\n  got:  %s\n  want: %s\n", got, want_text);
        free(got);
        fail();
    }
    arena_fini(&a);
}

/* apply callbacks */
static inline int st_apply_put(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                               uint64_t *out_size, err_t *e)
{
    (void)old, (void)out_size, (void)a, (void)e;
    *out_new = ctx;
    return 0;
}
static inline int st_apply_del(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                               uint64_t *out_size, err_t *e)
{
    (void)ctx, (void)out_size, (void)old, (void)a, (void)e;
    *out_new = NULL;
    return 0;
}
static inline int st_apply_fail(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                                uint64_t *out_size, err_t *e)
{
    (void)ctx, (void)out_size, (void)old, (void)a;
    *out_new = STORE_KEEP;
    return err_set(e, ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
}

/* Puts `item` (its own key); returns the write's rc, message in *msg if given. */
static inline int st_put(store_t *s, const store_table *t, av_t *item, arena_t *a, err_t *msg)
{
    store_write w = {
        .table = t, .key = item, .item = item, .apply = st_apply_put, .ctx = item, .arena = a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(s, &w, 1, &e), 0);
    if (msg)
        *msg = w.err;
    return w.rc;
}

static inline void st_put_ok(store_t *s, const store_table *t, arena_t *a, const char *text)
{
    err_t m;
    int rc = st_put(s, t, J(a, text), a, &m);
    if (rc)
        fprintf(stderr, "put %s: %s\n", text, m.msg);
    assert_int_equal(rc, 0);
}

static inline int st_del(store_t *s, const store_table *t, av_t *key, arena_t *a)
{
    store_write w = {.table = t, .key = key, .apply = st_apply_del, .arena = a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(s, &w, 1, &e), 0);
    return w.rc;
}

static inline store_keydef st_kd(const char *h, av_type ht, const char *r, av_type rt)
{
    store_keydef k;
    memset(&k, 0, sizeof k);
    snprintf(k.hash, sizeof k.hash, "%s", h);
    k.hash_type = ht;
    snprintf(k.range, sizeof k.range, "%s", r ? r : "");
    k.range_type = r ? rt : AV_NONE;
    return k;
}

static inline store_index st_ix(const char *name, bool global, store_keydef kd, store_proj p)
{
    store_index x;
    memset(&x, 0, sizeof x);
    snprintf(x.name, sizeof x.name, "%s", name);
    x.global = global;
    x.key = kd;
    x.proj = p;
    return x;
}

static inline const store_table *st_create(store_t *s, const char *name, store_keydef kd,
                                           const store_index *ix, size_t nix)
{
    store_table def;
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "%s", name);
    def.key = kd;
    for (size_t i = 0; i < nix; i++)
        def.idx[i] = ix[i];
    def.n_idx = nix;
    const store_table *t = NULL;
    err_t e;
    err_clear(&e);
    int rc = store_table_create(s, &def, &t, NULL, &e);
    if (rc)
        fprintf(stderr, "create %s: %s\n", name, e.msg);
    assert_int_equal(rc, 0);
    assert_non_null(t);
    return st_keep(s, t);
}

/* The same page in stored mode (store_query.stored): the same count, bytes and last key, and
 * each item's stored bytes are the encoding of the decoded item. */
static inline void st_check_stored(store_t *s, store_query q, arena_t *a, const store_result *r)
{
    q.stored = true;
    store_result r2;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_query_run(s, &q, a, &r2, &e), 0);
    assert_null(r2.items);
    assert_int_equal(r2.n, r->n);
    assert_int_equal(r2.bytes, r->bytes);
    assert_int_equal(r2.last_key.type, r->last_key.type);
    buf_t b1, b2;
    buf_init(&b1, 0);
    buf_init(&b2, 0);
    if (r->last_key.type == AV_M) {
        assert_int_equal(av_encode(&r->last_key, &b1), 0);
        assert_int_equal(av_encode(&r2.last_key, &b2), 0);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
    }
    for (size_t i = 0; i < r->n; i++) {
        buf_reset(&b1);
        assert_int_equal(av_encode(&r->items[i], &b1), 0);
        assert_int_equal(b1.len, r2.stored[i].len);
        assert_memory_equal(b1.data, r2.stored[i].data, b1.len);
    }
    buf_fini(&b1);
    buf_fini(&b2);
}

/* Runs a whole query page by page (page size `limit`), returning all items concatenated;
 * every page is run in stored mode too (st_check_stored). */
static inline size_t st_query_all(store_t *s, store_query q, arena_t *a, av_t **out)
{
    size_t n = 0, cap = 0;
    av_t *all = NULL;
    av_t last = {.type = AV_NONE};
    for (int guard = 0; guard < 100000; guard++) {
        if (last.type == AV_M) {
            av_t *lk = arena_alloc(a, sizeof *lk);
            *lk = last;
            q.start_key = lk;
        }
        store_result r;
        err_t e;
        err_clear(&e);
        int rc = store_query_run(s, &q, a, &r, &e);
        if (rc)
            fprintf(stderr, "query: %s\n", e.msg);
        assert_int_equal(rc, 0);
        if (q.limit)
            assert_true(r.n <= q.limit);
        st_check_stored(s, q, a, &r);
        for (size_t i = 0; i < r.n; i++) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                all = arena_grow(a, all, cap, nc, sizeof *all);
                cap = nc;
            }
            all[n++] = r.items[i];
        }
        last = r.last_key;
        if (last.type == AV_NONE)
            break;
    }
    *out = all;
    return n;
}

/* ---- another process on the same data dir ----
 * The other process is this test executable run again ("--st-child NAME DIR"), never a fork
 * of the test: the store runs threads (the maintenance thread polls every second), and after
 * fork() a multi-threaded process may only make async-signal-safe calls.  A forked child that
 * allocated while that thread held the allocator's lock hung under ASan (store_test_notify,
 * 2 runs in 20).  A test file lists its children and calls st_child_main first in main. */
typedef struct st_child {
    const char *name;
    int (*fn)(const char *dir); /* the exit status: 0 when all went well */
} st_child;

extern char **environ;

/* Starts child `name` on dir; its pid, or -1. */
static inline pid_t st_spawn_child(const char *name, const char *dir)
{
    char *argv[] = {"st-child", "--st-child", (char *)name, (char *)dir, NULL};
    pid_t pid;
    return posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ) == 0 ? pid : -1;
}

/* In the spawned process: runs the named child and exits with its status; else returns. */
static inline void st_child_main(int argc, char **argv, const st_child *c, size_t n)
{
    if (argc != 4 || strcmp(argv[1], "--st-child") != 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, argv[2]) == 0)
            exit(c[i].fn(argv[3]));
    exit(127);
}

/* A child's write (`ddbchat send` beside the server): opens the store on dir as a second
 * process (not durable, no TTL thread), puts item (DynamoDB JSON) into table, closes.  The
 * exit status: 0 done, 1 the put failed, 2 the store did not open, 3 no such table. */
static inline int st_child_put(const char *dir, const char *table, const char *item)
{
    store_t *s2 = NULL;
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    if (store_open(dir, &o, &s2, &e))
        return 2;
    const store_table *t2 = store_table_pin(s2, table);
    if (!t2) {
        store_close(s2);
        return 3;
    }
    arena_t a;
    arena_init(&a);
    int rc = st_put(s2, t2, J(&a, item), &a, &e);
    arena_fini(&a);
    store_table_unpin(s2, t2);
    store_close(s2);
    return rc ? 1 : 0;
}

/* ---- the closed data dir with plain LMDB (tests that damage what the store wrote) ------ */

/* A write txn on the data dir `dir` (its store closed), the environment in *env. */
static inline MDB_txn *st_raw_begin(const char *dir, MDB_env **env)
{
    assert_int_equal(mdb_env_create(env), 0);
    mdb_env_set_maxdbs(*env, 16);
    mdb_env_set_mapsize(*env, (size_t)1 << 30);
    assert_int_equal(mdb_env_open(*env, dir, MDB_NOSYNC, 0600), 0);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(*env, NULL, 0, &txn), 0);
    return txn;
}

static inline void st_raw_commit(MDB_env *env, MDB_txn *txn)
{
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* ---- the store's log (stderr), captured to count what was said ------------------------ */

/* stderr (where the store logs) into a fresh temporary file; returns the saved fd 2 */
static inline int log_capture(char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/ddb_store_log_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    close(fd);
    return saved;
}

static inline void log_release(int saved, const char *path)
{
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    unlink(path);
}

/* How many times text occurs in the captured log */
static inline int log_count(const char *path, const char *text)
{
    static char buf[1 << 20];
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    int c = 0;
    for (const char *p = buf; (p = strstr(p, text)); p += strlen(text))
        c++;
    return c;
}

static inline bool log_wait(const char *path, const char *text, int ms)
{
    for (int w = 0; w < ms / 50; w++) {
        if (log_count(path, text) > 0)
            return true;
        usleep(50000);
    }
    return log_count(path, text) > 0;
}

#endif
