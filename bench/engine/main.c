/*
 * bench_engine — the store's throughput next to raw LMDB, in one run.
 *
 * Usage: bench_engine [dir] [n] [durable]
 *        (dir: a scratch directory, default a mkdtemp under /tmp ("" for the default);
 *         n: operations per measurement, default 100000; "durable": only the durable rows)
 * Measures, with ~200-byte items:
 *   puts/s     engine store_write_each (one write per call, group commit, no fsync) vs raw
 *              LMDB (one txn + mdb_put per item, MDB_NOSYNC)
 *   gets/s     store_get vs mdb_get in a read txn per get
 *   queries/s  store_query_run of a 10-item hash key vs a raw cursor walk of 10 keys
 *   durable puts/s with 1, 8 and 64 concurrent writers (fsync per group commit) and the mean
 *              writes per group commit (store_commit_stats_get); raw LMDB synced commits with 1
 *              and 64 puts per txn as the reference
 * and prints a table.  Single-threaded rows run one thread.
 */
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "value/keycodec.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char body[151];

static av_t *mk_item(arena_t *a, long i)
{
    av_kv *kv = arena_alloc(a, sizeof *kv * 3);
    char *pk = arena_printf(a, "user%08ld", i / 10);
    char *sk = arena_printf(a, "%ld", i % 10);
    kv[0] = (av_kv){"pk", 2, av_make_s(pk, strlen(pk))};
    kv[1] = (av_kv){"sk", 2, av_make_n_canonical(sk, strlen(sk))};
    kv[2] = (av_kv){"body", 4, av_make_s(body, 150)};
    av_t *m = arena_alloc(a, sizeof *m);
    *m = av_make_m(kv, 3);
    return m;
}

static int apply_put(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                     uint64_t *out_size, err_t *e)
{
    (void)old, (void)out_size, (void)a, (void)e;
    *out_new = ctx;
    return 0;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_engine: %s: %s\n", what, msg);
    exit(1);
}

static store_t *open_store(const char *dir, bool durable)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = durable;
    o.ttl_thread = false;
    store_t *s;
    err_t e;
    err_clear(&e);
    if (store_open(dir, &o, &s, &e))
        die("store_open", e.msg);
    return s;
}

static const store_table *mk_table(store_t *s, const char *name)
{
    store_table def;
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "%s", name);
    snprintf(def.key.hash, sizeof def.key.hash, "pk");
    def.key.hash_type = AV_S;
    snprintf(def.key.range, sizeof def.key.range, "sk");
    def.key.range_type = AV_N;
    const store_table *t;
    err_t e;
    err_clear(&e);
    if (store_table_create(s, &def, &t, NULL, &e))
        die("create", e.msg);
    return t; /* pinned: unpinned before store_close */
}

typedef struct wargs {
    store_t *s;
    const store_table *t;
    long from, n;
} wargs;

static void *writer(void *p)
{
    wargs *w = p;
    arena_t a;
    arena_init(&a);
    for (long i = w->from; i < w->from + w->n; i++) {
        av_t *it = mk_item(&a, i);
        store_write wr = {.table = w->t, .key = it, .apply = apply_put, .ctx = it, .arena = &a};
        err_t e;
        err_clear(&e);
        if (store_write_each(w->s, &wr, 1, &e) || wr.rc)
            die("write", e.code ? e.msg : wr.err.msg);
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static double run_writers(store_t *s, const store_table *t, int nthreads, long per, long base)
{
    pthread_t th[64];
    wargs args[64];
    double t0 = now_s();
    for (int i = 0; i < nthreads; i++) {
        args[i] = (wargs){s, t, base + (long)i * per, per};
        pthread_create(&th[i], NULL, writer, &args[i]);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    return (double)(nthreads * per) / (now_s() - t0);
}

/* durable writers with the mean number of writes per group commit */
static double run_durable(store_t *s, const store_table *t, int nthreads, long per, long base,
                          double *out_batch)
{
    store_commit_stats a, b;
    store_commit_stats_get(s, &a);
    double r = run_writers(s, t, nthreads, per, base);
    store_commit_stats_get(s, &b);
    *out_batch =
        b.rounds > a.rounds ? (double)(b.writes - a.writes) / (double)(b.rounds - a.rounds) : 0;
    return r;
}

/* raw LMDB with similar keys and values */
typedef struct raw {
    MDB_env *env;
    MDB_dbi dbi;
} raw;

static void raw_key(buf_t *b, long i)
{
    char pk[32], sk[16];
    int pl = snprintf(pk, sizeof pk, "user%08ld", i / 10);
    int sl = snprintf(sk, sizeof sk, "%ld", i % 10);
    buf_reset(b);
    buf_put_u32be(b, 1);
    buf_putc(b, 0);
    av_t h = av_make_s(pk, (size_t)pl), r = av_make_n_canonical(sk, (size_t)sl);
    key_encode(&h, b);
    key_encode(&r, b);
}

/* raw LMDB, synced commits (no MDB_NOSYNC): `per` puts in each txn, `total` puts */
static double raw_durable(const char *dir, long per, long total)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        die("mkdir", dir);
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    mdb_env_create(&env);
    mdb_env_set_mapsize(env, (size_t)1 << 30);
    if (mdb_env_open(env, dir, MDB_NOTLS, 0600))
        die("mdb_env_open", dir);
    mdb_txn_begin(env, NULL, 0, &txn);
    mdb_dbi_open(txn, NULL, 0, &dbi);
    mdb_txn_commit(txn);
    arena_t a;
    arena_init(&a);
    buf_t kb, vb;
    buf_init(&kb, 0);
    buf_init(&vb, 0);
    double t0 = now_s();
    for (long i = 0; i < total;) {
        mdb_txn_begin(env, NULL, 0, &txn);
        for (long j = 0; j < per && i < total; j++, i++) {
            raw_key(&kb, i);
            buf_reset(&vb);
            av_encode(mk_item(&a, i), &vb);
            MDB_val k = {kb.len, kb.data}, v = {vb.len, vb.data};
            if (mdb_put(txn, dbi, &k, &v, 0))
                die("mdb_put", "failed");
            arena_reset(&a);
        }
        if (mdb_txn_commit(txn))
            die("mdb_txn_commit", "failed");
    }
    double r = (double)total / (now_s() - t0);
    mdb_env_close(env);
    arena_fini(&a);
    buf_fini(&kb);
    buf_fini(&vb);
    return r;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/ddb_bench_engine_XXXXXX";
    bool own = argc <= 1 || !argv[1][0];
    const char *root = own ? mkdtemp(tmpl) : argv[1];
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    if (!root || n <= 0)
        die("usage", "bench_engine [dir] [n]");
    bool dur_only = argc > 3 && strcmp(argv[3], "durable") == 0;
    double eng_put = 0, eng_get = 0, eng_q = 0, eng_put8 = 0, raw_put = 0, raw_get = 0, raw_q = 0;
    memset(body, 'b', 150);
    char d_eng[512], d_raw[512], d_dur[512];
    snprintf(d_eng, sizeof d_eng, "%s/engine", root);
    snprintf(d_raw, sizeof d_raw, "%s/raw", root);
    snprintf(d_dur, sizeof d_dur, "%s/durable", root);

    arena_t a;
    arena_init(&a);
    buf_t kb, vb;
    buf_init(&kb, 0);
    buf_init(&vb, 0);
    char cmd[600];
    store_t *s;
    const store_table *t;
    if (dur_only)
        goto durable;

    /* ---- engine, no fsync ---- */
    s = open_store(d_eng, false);
    t = mk_table(s, "bench");
    eng_put = run_writers(s, t, 1, n, 0);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        long k = (i * 7919) % n;
        av_t *key = mk_item(&a, k);
        av_t out;
        bool found;
        err_t e;
        err_clear(&e);
        if (store_get(s, t, key, &a, &out, &found, &e) || !found)
            die("get", e.msg);
        arena_reset(&a);
    }
    eng_get = (double)n / (now_s() - t0);
    long nq = n / 10;
    t0 = now_s();
    for (long i = 0; i < nq; i++) {
        long k = (i * 7919) % (n / 10);
        char *pk = arena_printf(&a, "user%08ld", k);
        av_t h = av_make_s(pk, strlen(pk));
        store_query q = {.table = t, .eq = &h, .n_eq = 1};
        store_result r;
        err_t e;
        err_clear(&e);
        if (store_query_run(s, &q, &a, &r, &e) || r.n != 10)
            die("query", e.msg);
        arena_reset(&a);
    }
    eng_q = (double)nq / (now_s() - t0);
    eng_put8 = run_writers(s, t, 8, n / 8, n);
    store_table_unpin(s, t);
    store_close(s);

    /* ---- raw LMDB ---- */
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d_raw);
    if (system(cmd) != 0)
        die("mkdir", d_raw);
    raw r;
    mdb_env_create(&r.env);
    mdb_env_set_mapsize(r.env, (size_t)1 << 30);
    if (mdb_env_open(r.env, d_raw, MDB_NOSYNC | MDB_NOTLS, 0600))
        die("mdb_env_open", d_raw);
    MDB_txn *txn;
    mdb_txn_begin(r.env, NULL, 0, &txn);
    mdb_dbi_open(txn, NULL, 0, &r.dbi);
    mdb_txn_commit(txn);
    t0 = now_s();
    for (long i = 0; i < n; i++) {
        raw_key(&kb, i);
        av_t *it = mk_item(&a, i);
        buf_reset(&vb);
        av_encode(it, &vb);
        mdb_txn_begin(r.env, NULL, 0, &txn);
        MDB_val k = {kb.len, kb.data}, v = {vb.len, vb.data};
        if (mdb_put(txn, r.dbi, &k, &v, 0) || mdb_txn_commit(txn))
            die("mdb_put", "failed");
        arena_reset(&a);
    }
    raw_put = (double)n / (now_s() - t0);
    t0 = now_s();
    for (long i = 0; i < n; i++) {
        raw_key(&kb, (i * 7919) % n);
        mdb_txn_begin(r.env, NULL, MDB_RDONLY, &txn);
        MDB_val k = {kb.len, kb.data}, v;
        if (mdb_get(txn, r.dbi, &k, &v))
            die("mdb_get", "missing");
        av_t out;
        void *copy = arena_memdup(&a, v.mv_data, v.mv_size);
        av_decode(copy, v.mv_size, &a, &out);
        mdb_txn_abort(txn);
        arena_reset(&a);
    }
    raw_get = (double)n / (now_s() - t0);
    t0 = now_s();
    for (long i = 0; i < nq; i++) {
        raw_key(&kb, ((i * 7919) % (n / 10)) * 10);
        kb.len -= 2; /* drop the range component ("0" encodes in 2 bytes or more; prefix walk) */
        mdb_txn_begin(r.env, NULL, MDB_RDONLY, &txn);
        MDB_cursor *c;
        mdb_cursor_open(txn, r.dbi, &c);
        MDB_val k = {kb.len, kb.data}, v;
        int cnt = 0;
        int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && cnt < 10) {
            av_t out;
            void *copy = arena_memdup(&a, v.mv_data, v.mv_size);
            av_decode(copy, v.mv_size, &a, &out);
            cnt++;
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(c);
        mdb_txn_abort(txn);
        arena_reset(&a);
    }
    raw_q = (double)nq / (now_s() - t0);
    mdb_env_close(r.env);

    /* ---- durable writers ---- */
durable:
    s = open_store(d_dur, true);
    t = mk_table(s, "bench");
    long dn = n / 20 > 2000 ? 2000 : n / 20;
    double b1, b8, b64;
    double dur1 = run_durable(s, t, 1, dn / 4, 0, &b1);
    double dur8 = run_durable(s, t, 8, dn / 8, 1000000, &b8);
    double dur64 = run_durable(s, t, 64, dn / 16, 2000000, &b64);
    store_table_unpin(s, t);
    store_close(s);
    char d_rd1[520], d_rd64[520];
    snprintf(d_rd1, sizeof d_rd1, "%s/rawdur1", root);
    snprintf(d_rd64, sizeof d_rd64, "%s/rawdur64", root);
    double rdur1 = raw_durable(d_rd1, 1, dn / 4);
    double rdur64 = raw_durable(d_rd64, 64, dn * 4);

    printf("| measurement (n=%ld, ~200-byte items, 1 thread unless noted) | engine | raw LMDB |\n",
           n);
    printf("|---|---:|---:|\n");
    if (!dur_only) {
        printf("| puts/s (no fsync; raw = 1 txn per put) | %.0f | %.0f |\n", eng_put, raw_put);
        printf("| puts/s, 8 writers (no fsync) | %.0f | |\n", eng_put8);
        printf("| gets/s (raw = read txn + mdb_get + decode) | %.0f | %.0f |\n", eng_get, raw_get);
        printf("| queries/s, 10 items each (raw = cursor walk + decode) | %.0f | %.0f |\n", eng_q,
               raw_q);
    }
    printf("| durable puts/s, 1 writer (raw = 1 put per synced txn) | %.0f | %.0f |\n", dur1,
           rdur1);
    printf("| durable puts/s, 8 writers | %.0f | |\n", dur8);
    printf("| durable puts/s, 64 writers (raw = 64 puts per synced txn) | %.0f | %.0f |\n", dur64,
           rdur64);
    printf("| writes per group commit at 1 / 8 / 64 writers | %.1f / %.1f / %.1f | |\n", b1, b8,
           b64);
    arena_fini(&a);
    buf_fini(&kb);
    buf_fini(&vb);
    if (own) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", root);
    }
    return 0;
}
