/*
 * test_alter — table changes as one read-modify-write (store_table_alter) and pinned
 * descriptors.  Module: src/store/catalog.c.
 *
 * 48 threads changing one table's metadata at once lose nothing; an index and the metadata
 * change in the same transaction (a failing change writes neither); a change that alters
 * nothing writes nothing; a pinned descriptor stays as it was until unpinned and is freed
 * then; descriptors in memory stay flat over 10,000 changes; a backfill killed at any moment
 * finishes at the next open; the maintenance thread pins only the tables it works on.
 */
#include "st_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds this process's clock_gettime(CLOCK_REALTIME) adds to the kernel's wall clock, which
 * the kernel's own CLOCK_REALTIME waits keep (test_index_work_through_a_wall_clock_step).
 * This definition is the one the store's code linked into this test calls. */
static atomic_llong wall_step_s;

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    int rc = (int)syscall(SYS_clock_gettime, clock, ts);
    if (rc == 0 && clock == CLOCK_REALTIME)
        ts->tv_sec += (time_t)atomic_load(&wall_step_s);
    return rc;
}

/* metadata changes in the "flat over 10,000 changes" tests; under ASan (some 20x slower)
 * fewer, the descriptor count being as telling there */
#ifdef __SANITIZE_ADDRESS__
#define N_CHANGES 2000
#else
#define N_CHANGES 10000
#endif

/* ---- helpers ------------------------------------------------------------------------- */

/* Appends ctx (a NUL-terminated token) and ';' to the metadata blob. */
static int append_fn(void *ctx, store_alter *al, err_t *e)
{
    const char *tok = ctx;
    size_t n = al->cur->meta_len, k = strlen(tok);
    char *m = arena_alloc(al->arena, n + k + 2);
    if (!m)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (n)
        memcpy(m, al->cur->meta, n);
    memcpy(m + n, tok, k);
    m[n + k] = ';';
    m[n + k + 1] = 0;
    al->next.meta = m;
    al->next.meta_len = n + k + 1;
    return 0;
}

typedef struct thr_arg {
    store_t *s;
    int id;
    int rc;
    pthread_barrier_t *go;
} thr_arg;

static void *append_thread(void *p)
{
    thr_arg *g = p;
    char tok[16];
    snprintf(tok, sizeof tok, "t%02d", g->id);
    pthread_barrier_wait(g->go);
    err_t e;
    err_clear(&e);
    g->rc = store_table_alter(g->s, "tbl", append_fn, tok, NULL, &e);
    return NULL;
}

/* ---- tests --------------------------------------------------------------------------- */

/* 48 concurrent read-modify-writes of the same metadata: every one is kept */
static void test_concurrent_changes_all_kept(void **state)
{
    st_fix *f = *state;
    st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    enum { N = 48 };
    pthread_t th[N];
    thr_arg g[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        g[i] = (thr_arg){.s = f->s, .id = i, .go = &go};
        assert_int_equal(pthread_create(&th[i], NULL, append_thread, &g[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(g[i].rc, 0);
    }
    pthread_barrier_destroy(&go);
    const store_table *t = st_pin(f->s, "tbl");
    assert_int_equal(t->meta_len, N * 4);
    for (int i = 0; i < N; i++) {
        char tok[16];
        snprintf(tok, sizeof tok, "t%02d;", i);
        assert_non_null(strstr(t->meta, tok));
    }
}

typedef struct idx_meta {
    const store_index *ix;
    bool fail_after;
} idx_meta;

static int idx_meta_fn(void *ctx, store_alter *al, err_t *e)
{
    idx_meta *c = ctx;
    int rc = store_alter_add_index(al, c->ix, e);
    if (rc)
        return rc;
    al->next.meta = "with-index";
    al->next.meta_len = 10;
    if (c->fail_after)
        return err_set(e, ERR_VALIDATION, "refused after planning");
    return 0;
}

/* the index and the metadata change in one transaction; a change that fails after adding an
 * index writes nothing at all */
static void test_index_and_meta_together(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"g\":{\"S\":\"x\"}}");
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    idx_meta c = {.ix = &ix, .fail_after = true};
    err_t e;
    err_clear(&e);
    const store_table *out = (const store_table *)&c; /* must be reset to NULL */
    assert_int_equal(store_table_alter(f->s, "tbl", idx_meta_fn, &c, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "refused after planning");
    assert_null(out);
    assert_ptr_equal(st_pin(f->s, "tbl"), t); /* nothing written: the same descriptor */
    assert_int_equal(t->n_idx, 0);

    c.fail_after = false;
    err_clear(&e);
    assert_int_equal(store_table_alter(f->s, "tbl", idx_meta_fn, &c, &out, &e), 0);
    st_keep(f->s, out);
    /* out is the table as this change left it: the index listed as backfilling */
    assert_int_equal(out->n_idx, 1);
    assert_true(out->idx[0].backfilling);
    assert_true(out->idx[0].allocating); /* AWS's resource allocation phase */
    assert_int_equal(out->meta_len, 10);
    /* and the maintenance thread fills it afterwards (AWS's UpdateTable answers first) */
    assert_int_equal(store_work_wait(f->s, 60000, &e), 0);
    const store_table *now = st_pin(f->s, "tbl");
    assert_false(now->idx[0].backfilling);
    av_t gv = av_make_s("x", 1);
    store_query q = {.table = now, .index = &now->idx[0], .eq = &gv, .n_eq = 1};
    av_t *items;
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 1);
    /* the same name again: the store's error, nothing written */
    err_clear(&e);
    assert_int_equal(store_table_alter(f->s, "tbl", idx_meta_fn, &c, NULL, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Attempting to create an index which already exists");
    assert_ptr_equal(st_pin(f->s, "tbl"), now);
}

static int noop_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)ctx;
    (void)al;
    (void)e;
    return 0;
}

static int rekey_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)ctx;
    (void)e;
    snprintf(al->next.key.hash, sizeof al->next.key.hash, "other");
    return 0;
}

static int reproject_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)ctx;
    (void)e;
    al->next.idx[0].proj = STORE_PROJ_ALL; /* not through the helpers: ignored */
    al->next.meta = "m";
    al->next.meta_len = 1;
    return 0;
}

/* a change that alters nothing writes nothing; identity and existing index definitions
 * cannot change; a missing table is the store's not-found */
static void test_noop_and_immutable(void **state)
{
    st_fix *f = *state;
    store_index ix = st_ix("gi", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_KEYS_ONLY);
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), &ix, 1);
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_alter(f->s, "tbl", noop_fn, NULL, NULL, &e), 0);
    assert_ptr_equal(st_pin(f->s, "tbl"), t);
    assert_int_equal(store_table_alter(f->s, "tbl", rekey_fn, NULL, NULL, &e), ERR_INTERNAL);
    assert_ptr_equal(st_pin(f->s, "tbl"), t);
    err_clear(&e);
    assert_int_equal(store_table_alter(f->s, "tbl", reproject_fn, NULL, NULL, &e), 0);
    const store_table *t2 = st_pin(f->s, "tbl");
    assert_int_equal(t2->idx[0].proj, STORE_PROJ_KEYS_ONLY);
    assert_int_equal(t2->meta_len, 1);
    err_clear(&e);
    assert_int_equal(store_table_alter(f->s, "nope", noop_fn, NULL, NULL, &e),
                     ERR_RESOURCE_NOT_FOUND);
    assert_string_equal(e.msg, "Cannot do operations on a non-existent table");
}

static int refuse_drop_fn(void *ctx, store_alter *al, err_t *e)
{
    (void)ctx;
    if (al->cur->meta_len && strcmp(al->cur->meta, "protected") == 0)
        return err_set(e, ERR_VALIDATION, "protected");
    al->drop = true;
    return 0;
}

/* dropping through alter: refused from the committed state, or done with its items */
static void test_drop_decided_in_txn(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"}}");
    err_t e;
    err_clear(&e);
    assert_int_equal(st_set_meta(f->s, "tbl", "protected", 9, &e), 0);
    assert_int_equal(store_table_alter(f->s, "tbl", refuse_drop_fn, NULL, NULL, &e),
                     ERR_VALIDATION);
    assert_non_null(st_pin(f->s, "tbl"));
    err_clear(&e);
    assert_int_equal(st_set_meta(f->s, "tbl", "open", 4, &e), 0);
    const store_table *out = t;
    assert_int_equal(store_table_alter(f->s, "tbl", refuse_drop_fn, NULL, &out, &e), 0);
    assert_null(out);
    assert_null(st_pin(f->s, "tbl"));
    av_t *items;
    store_query q = {.table = t};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 0);
}

/* a pinned descriptor stays as it was while the table changes; replaced descriptors are
 * freed when their last pin goes, and the count stays flat over 10,000 changes */
static void test_pins_free_replaced(void **state)
{
    st_fix *f = *state;
    st_create(f->s, "a", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_create(f->s, "b", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    size_t base = store_live_tables(f->s);
    assert_int_equal(base, 2); /* both current (and pinned by the test registry) */
    const store_table *old = store_table_pin(f->s, "a");
    err_t e;
    err_clear(&e);
    for (int i = 0; i < N_CHANGES; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "v%d", i);
        assert_int_equal(st_set_meta(f->s, "a", m, (size_t)n, &e), 0);
        assert_true(store_live_tables(f->s) <= base + 2);
    }
    /* the pinned one is the original, unchanged */
    assert_null(old->meta);
    const store_table *cur = store_table_pin(f->s, "a");
    char last[32];
    int ln = snprintf(last, sizeof last, "v%d", N_CHANGES - 1);
    assert_int_equal(cur->meta_len, (size_t)ln);
    assert_memory_equal(cur->meta, last, (size_t)ln);
    assert_ptr_equal(store_table_repin(f->s, cur), cur);
    store_table_unpin(f->s, cur);
    store_table_unpin(f->s, cur);
    /* the test registry still pins the first "a"; `old` is a second pin on it */
    store_table_unpin(f->s, old);
    size_t live = store_live_tables(f->s);
    assert_true(live == base + 1); /* current a, current b, the registry's first a */
    /* dropping b: freed once its pins go */
    assert_int_equal(store_table_delete(f->s, "b", &e), 0);
    assert_int_equal(store_live_tables(f->s), live);
}

/* A descriptor's memo (store_table_memo_set): kept with the descriptor and freed with it;
 * the first one set wins; a changed table is a new descriptor without one; a copy of a
 * descriptor (an alter's `next`) or a caller's store_table has none and takes none. */
typedef struct memo_probe {
    store_memo m;
    int *freed;
} memo_probe;

static void memo_probe_free(store_memo *m)
{
    memo_probe *p = (memo_probe *)m;
    (*p->freed)++;
    free(p);
}

static memo_probe *memo_probe_new(int *freed)
{
    memo_probe *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->m.free = memo_probe_free;
    p->freed = freed;
    return p;
}

static void test_descriptor_memo(void **state)
{
    st_fix *f = *state;
    st_create(f->s, "m", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    err_clear(&e);
    /* (the first descriptor stays pinned by the test registry: work on the next one) */
    assert_int_equal(st_set_meta(f->s, "m", "v0", 2, &e), 0);
    int freed = 0;
    const store_table *t = store_table_pin(f->s, "m");
    assert_null(store_table_memo(t));
    memo_probe *a = memo_probe_new(&freed), *b = memo_probe_new(&freed);
    assert_ptr_equal(store_table_memo_set(t, &a->m), &a->m);
    assert_ptr_equal(store_table_memo_set(t, &b->m), &a->m); /* a came first: b not taken */
    b->m.free(&b->m);
    assert_int_equal(freed, 1);
    const store_table *again = store_table_pin(f->s, "m");
    assert_ptr_equal(store_table_memo(again), &a->m); /* the same descriptor */
    store_table_unpin(f->s, again);
    /* copies and caller-built descriptors have none and take none */
    store_table copy = *t, own;
    memset(&own, 0, sizeof own);
    assert_null(store_table_memo(&copy));
    assert_null(store_table_memo(&own));
    assert_null(store_table_memo(NULL));
    memo_probe *c = memo_probe_new(&freed);
    assert_null(store_table_memo_set(&copy, &c->m));
    assert_null(store_table_memo_set(&own, &c->m));
    c->m.free(&c->m);
    assert_int_equal(freed, 2);
    /* a change: the new descriptor starts without a memo; the old keeps its own while pinned */
    assert_int_equal(st_set_meta(f->s, "m", "v1", 2, &e), 0);
    const store_table *n = store_table_pin(f->s, "m");
    assert_ptr_not_equal(n, t);
    assert_null(store_table_memo(n));
    assert_ptr_equal(store_table_memo(t), &a->m);
    store_table_unpin(f->s, n);
    assert_int_equal(freed, 2);
    store_table_unpin(f->s, t); /* its last pin: the descriptor and its memo go */
    assert_int_equal(freed, 3);
}

/* a process killed at any moment of a backfill: the next open finishes it */
static void test_backfill_resumes_after_kill(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "big", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
#ifdef __SANITIZE_ADDRESS__
    enum { N = 3000 }; /* 3 backfill batches (ASan is far slower) */
#else
    enum { N = 8000 }; /* 8 backfill batches */
#endif
    enum { B = 500 }; /* writes per group commit: quick even under ASan */
    for (int i = 0; i < N; i += B) {
        store_write w[B];
        for (int j = 0; j < B; j++) {
            char txt[128];
            snprintf(txt, sizeof txt,
                     "{\"pk\":{\"S\":\"p%d\"},\"sk\":{\"N\":\"%d\"},\"g\":{\"S\":\"g%d\"}}",
                     (i + j) % 50, i + j, (i + j) % 7);
            av_t *it = J(&f->a, txt);
            w[j] = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                                 .arena = &f->a};
        }
        err_t e;
        err_clear(&e);
        assert_int_equal(store_write_each(f->s, w, B, &e), 0);
        for (int j = 0; j < B; j++)
            assert_int_equal(w[j].rc, 0);
        arena_reset(&f->a);
    }
    st_close(f->s);
    f->s = NULL;
    struct timespec ts0;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    pid_t pid = fork();
    if (pid == 0) {
        store_t *s2 = st_open_dir(f->dir, 0);
        store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_KEYS_ONLY);
        err_t e;
        err_clear(&e);
        int bad = st_index_add(s2, "big", &ix, &e) != 0;
        st_close(s2);
        _exit(bad);
    }
    /* somewhere in the backfill (or after it) */
    struct timespec d = {0, (long)(20 + ts0.tv_nsec % 60) * 1000000L};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    f->s = st_open_dir(f->dir, 0);
    err_t we;
    err_clear(&we);
    assert_int_equal(store_work_wait(f->s, 120000, &we), 0); /* resumed by the open */
    const store_table *t2 = st_pin(f->s, "big");
    if (t2->n_idx == 0)
        return; /* killed before the index was committed: nothing to resume */
    assert_false(t2->idx[0].backfilling);
    uint64_t c, b;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_stats(f->s, t2, &t2->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, N);
    av_t *items;
    store_query q = {.table = t2, .index = &t2->idx[0]};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), N);
}

/* AWS's phases, paced by the backfill_delay_ms test aid: a new GSI is allocating, then
 * backfilling (writes maintain it meanwhile), then done; a dropped GSI leaves idx at once,
 * is listed as dropping (DELETING) while its entries are removed, then is gone; a close in
 * the middle leaves it for the next open to finish */
static void test_index_phases_in_background(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.backfill_delay_ms = 150;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "ph", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    for (int i = 0; i < 30; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%d\"},\"g\":{\"S\":\"g%d\"}}", i, i % 3);
        st_put_ok(f->s, t, &f->a, txt);
    }
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    assert_int_equal(st_index_add_nowait(f->s, "ph", &ix, &e), 0);
    const store_table *a = st_pin(f->s, "ph");
    assert_true(a->idx[0].backfilling && a->idx[0].allocating);
    /* a write now goes to the index too */
    st_put_ok(f->s, a, &f->a, "{\"pk\":{\"S\":\"new\"},\"g\":{\"S\":\"g0\"}}");
    bool seen_fill = false;
    for (int w = 0; w < 400; w++) {
        const store_table *n = st_pin(f->s, "ph");
        if (!n->idx[0].backfilling)
            break;
        seen_fill |= !n->idx[0].allocating;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    assert_true(seen_fill);
    const store_table *d = st_pin(f->s, "ph");
    assert_false(d->idx[0].backfilling);
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, d, &d->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, 31);
    store_index gone = d->idx[0];

    /* drop: out of idx at once, listed as dropping, then gone with its entries */
    assert_int_equal(store_table_alter(f->s, "ph", st_chg_fn, &(st_chg){.drop = "byg"}, NULL, &e),
                     0);
    const store_table *x = st_pin(f->s, "ph");
    assert_int_equal(x->n_idx, 0);
    assert_int_equal(x->n_dropping, 1);
    assert_string_equal(x->dropping[0].name, "byg");
    assert_int_equal(x->dropping[0].id, gone.id);
    /* the name stays taken while it is removed */
    err_clear(&e);
    assert_int_equal(st_index_add_nowait(f->s, "ph", &ix, &e), ERR_VALIDATION);
    err_clear(&e);
    assert_int_equal(store_work_wait(f->s, 30000, &e), 0);
    const store_table *y = st_pin(f->s, "ph");
    assert_int_equal(y->n_dropping, 0);
    assert_null(y->dropping);
    assert_int_equal(store_table_stats(f->s, y, &gone, &c, &b, &e), 0);
    assert_int_equal(c, 0);

    /* a close while allocating: the next open finishes the backfill */
    assert_int_equal(st_index_add_nowait(f->s, "ph", &ix, &e), 0);
    st_close(f->s);
    o.backfill_delay_ms = 0;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    assert_int_equal(store_work_wait(f->s, 30000, &e), 0);
    const store_table *z = st_pin(f->s, "ph");
    assert_false(z->idx[0].backfilling);
    assert_false(z->idx[0].allocating);
    assert_int_equal(store_table_stats(f->s, z, &z->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, 31);
}

/* the maintenance thread pins only the tables it works on: while one table's GSI is filled,
 * a change of another table frees the descriptor it replaced at once.  Before, a round pinned
 * every table for its whole length, and a test counting live descriptors (api test_table_meta
 * test_descriptors_freed) saw one more whenever a round overlapped its changes */
static void test_work_pins_only_its_tables(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.backfill_delay_ms = 1000; /* each phase of a's index work lasts a second */
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *a = st_create(f->s, "a", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, a, &f->a, "{\"pk\":{\"S\":\"k\"},\"g\":{\"S\":\"g\"}}");
    st_create(f->s, "b", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    /* b's current descriptor is no longer the one the test registry pins */
    assert_int_equal(st_set_meta(f->s, "b", "v0", 2, &e), 0);
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    assert_int_equal(st_index_add_nowait(f->s, "a", &ix, &e), 0);
    bool filling = false; /* allocation over: the thread's round is under way */
    for (int w = 0; w < 1000 && !filling; w++) {
        const store_table *n = store_table_pin(f->s, "a");
        filling = n->idx[0].backfilling && !n->idx[0].allocating;
        store_table_unpin(f->s, n);
        struct timespec ts = {0, 5 * 1000000};
        if (!filling)
            nanosleep(&ts, NULL);
    }
    assert_true(filling);
    size_t live = store_live_tables(f->s);
    assert_int_equal(st_set_meta(f->s, "b", "v1", 2, &e), 0);
    size_t after = store_live_tables(f->s);
    const store_table *n = store_table_pin(f->s, "a");
    bool during = n->idx[0].backfilling;
    store_table_unpin(f->s, n);
    if (!during) /* a second passed between two calls: the machine is too loaded to tell */
        skip();
    assert_int_equal(after, live); /* b's "v0" descriptor freed, "v1" counted */
    assert_int_equal(store_work_wait(f->s, 30000, &e), 0);
}

static void *step_wall_clock(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
    atomic_fetch_add(&wall_step_s, 3600);
    return NULL;
}

/* The maintenance thread's pauses and store_work_wait's limit are intervals: on the monotonic
 * clock.  (1) The wall clock the store reads an hour ahead of the one a CLOCK_REALTIME wait
 * keeps, as after the wall clock was stepped back an hour while a deadline was pending: a
 * GSI's backfill, paced by 50 ms pauses (catalog.c st_work_pause), still ends within the
 * 5 s store_work_wait allows.  (2) The wall clock stepped forward an hour 100 ms into a
 * store_work_wait of 30 s while a backfill paced by 300 ms pauses runs: the wait goes on
 * until the work is done.  Failed before (both on CLOCK_REALTIME): (1) the pause slept an
 * hour and the wait timed out; (2) the wait said "timed out" at the step. */
static void test_index_work_through_a_wall_clock_step(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.backfill_delay_ms = 50;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "w", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"k\"},\"g\":{\"S\":\"g\"},\"h\":{\"S\":\"h\"}}");
    atomic_store(&wall_step_s, 3600);
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    assert_int_equal(st_index_add_nowait(f->s, "w", &ix, &e), 0);
    int rc = store_work_wait(f->s, 5000, &e);
    atomic_store(&wall_step_s, 0);
    assert_int_equal(rc, 0);

    st_close(f->s);
    o.backfill_delay_ms = 300;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    ix = st_ix("byh", true, st_kd("h", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    assert_int_equal(st_index_add_nowait(f->s, "w", &ix, &e), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, step_wall_clock, NULL), 0);
    err_clear(&e);
    rc = store_work_wait(f->s, 30000, &e);
    pthread_join(th, NULL);
    atomic_store(&wall_step_s, 0);
    assert_int_equal(rc, 0);
    const store_table *d = st_pin(f->s, "w");
    assert_int_equal(d->n_idx, 2);
    assert_false(d->idx[0].backfilling || d->idx[1].backfilling);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_changes_all_kept, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_index_and_meta_together, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_noop_and_immutable, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_drop_decided_in_txn, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_descriptor_memo, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_pins_free_replaced, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_backfill_resumes_after_kill, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_index_phases_in_background, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_work_pins_only_its_tables, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_index_work_through_a_wall_clock_step, st_setup,
                                        st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
