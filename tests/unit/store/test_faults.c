/*
 * test_faults — storage faults: writes that cannot reach the disk.  Modules:
 * src/store/store.c, commit.c, catalog.c, maint.c, open.c.
 *
 * The data file is capped with RLIMIT_FSIZE (works anywhere, no mount or root needed: a
 * write past the cap fails with EFBIG, as a full disk fails it with ENOSPC, in the same
 * LMDB page writes).  Writes past the cap get ERR_IO and change nothing; what was committed
 * stays readable and whole; a GSI added while the disk is full is listed at once and its
 * backfill is finished by the maintenance thread once there is room again, with no reopen;
 * writes then succeed again.  tests/e2e/test_storage_faults.py does the same against the
 * server on a real full tmpfs where mounting is allowed.
 */
#include "st_test.h"

#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static off_t data_size(const char *dir)
{
    char p[300];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return st.st_size;
}

static int put_big(store_t *s, const store_table *t, arena_t *a, int i, err_t *e)
{
    char *txt = arena_printf(a, "{\"pk\":{\"S\":\"k%05d\"},\"g\":{\"S\":\"g%d\"},\"v\":{\"S\":\"%0*d\"}}",
                             i, i % 3, 3000, i);
    av_t *it = J(a, txt);
    store_write w = {.table = t, .key = it, .apply = st_apply_put, .ctx = it, .arena = a};
    err_clear(e);
    int rc = store_write_each(s, &w, 1, e);
    if (rc == 0 && w.rc) {
        rc = w.rc;
        *e = w.err;
    }
    return rc;
}

static void test_file_size_limit(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    int acked = 0;
    for (; acked < 300; acked++) {
        assert_int_equal(put_big(f->s, t, &f->a, acked, &e), 0);
        arena_reset(&f->a);
    }
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit cap = {.rlim_cur = (rlim_t)data_size(f->dir) + 256 * 1024, .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);

    /* fill to the cap: refused with a storage error, never a crash */
    int refused = 0;
    for (int i = acked; i < 2000 && refused < 5; i++) {
        int rc = put_big(f->s, t, &f->a, i, &e);
        arena_reset(&f->a);
        if (rc == 0) {
            assert_int_equal(i, acked);
            acked++;
            continue;
        }
        assert_int_equal(rc, ERR_IO);
        assert_non_null(strstr(e.msg, "storage error"));
        refused++;
    }
    assert_int_equal(refused, 5);
    assert_true(acked > 300);

    /* a GSI added now: listed at once (its catalog change is small), its backfill cannot be
     * written and waits for room */
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    err_clear(&e);
    int arc = st_index_add_nowait(f->s, "tbl", &ix, &e);
    assert_true(arc == 0 || arc == ERR_IO);
    if (arc == 0)
        assert_true(st_pin(f->s, "tbl")->idx[0].backfilling);

    /* everything acknowledged is there, whole */
    av_t *items;
    store_query qb = {.table = t};
    assert_int_equal(st_query_all(f->s, qb, &f->a, &items), (size_t)acked);
    uint64_t c, b;
    err_clear(&e);
    assert_int_equal(store_table_stats(f->s, t, NULL, &c, &b, &e), 0);
    assert_int_equal(c, (uint64_t)acked);

    /* room again: no reopen; the backfill finishes by itself and writes succeed */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    if (arc == ERR_IO)
        assert_int_equal(st_index_add(f->s, "tbl", &ix, &e), 0);
    const store_table *now = NULL;
    for (int w = 0; w < 300; w++) { /* up to 30 s */
        now = st_pin(f->s, "tbl");
        if (!now->idx[0].backfilling)
            break;
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
    assert_false(now->idx[0].backfilling);
    assert_int_equal(put_big(f->s, now, &f->a, acked, &e), 0);
    acked++;
    store_query qi = {.table = now, .index = &now->idx[0]};
    assert_int_equal(st_query_all(f->s, qi, &f->a, &items), (size_t)acked);
    assert_int_equal(st_query_all(f->s, qb, &f->a, &items), (size_t)acked);
    assert_int_equal(store_table_stats(f->s, now, &now->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, (uint64_t)acked);

    /* and it all survives a reopen */
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    const store_table *t2 = st_pin(f->s, "tbl");
    store_query q2 = {.table = t2, .index = &t2->idx[0]};
    assert_int_equal(st_query_all(f->s, q2, &f->a, &items), (size_t)acked);
}

/* A round whose commit fails (the disk is full) answers every later caller of it
 * (store_write_each_later) with the error, once; the writes answered 0 are there, the others
 * are not.  Before store_write_each_later: no such entry. */
typedef struct fl {
    store_write w;
    arena_t a;
    _Atomic int calls;
    int rc;
    err_t e;
} fl;

static _Atomic int fl_answered;

static void fl_done(void *ctx, int rc, const err_t *e)
{
    fl *x = ctx;
    x->rc = rc;
    x->e = *e;
    atomic_fetch_add(&x->calls, 1);
    atomic_fetch_add(&fl_answered, 1);
}

static void test_later_failed_commit(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(put_big(f->s, t, &f->a, i, &e), 0);
        arena_reset(&f->a);
    }
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit cap = {.rlim_cur = (rlim_t)data_size(f->dir) + 64 * 1024,
                         .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
    enum { N = 120 };
    static fl v[N];
    atomic_store(&fl_answered, 0);
    for (int i = 0; i < N; i++) {
        memset(&v[i], 0, sizeof v[i]);
        arena_init(&v[i].a);
        char *txt =
            arena_printf(&v[i].a, "{\"pk\":{\"S\":\"L%05d\"},\"v\":{\"S\":\"%0*d\"}}", i, 3000, i);
        av_t *it = J(&v[i].a, txt);
        v[i].w = (store_write){
            .table = t, .key = it, .apply = st_apply_put, .ctx = it, .arena = &v[i].a};
        err_clear(&e);
        assert_int_equal(store_write_each_later(f->s, &v[i].w, 1, fl_done, &v[i], &e), 0);
    }
    for (int i = 0; i < 10000 && atomic_load(&fl_answered) < N; i++)
        usleep(1000);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(atomic_load(&fl_answered), N);
    int failed = 0, ok = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&v[i].calls), 1);
        av_t got;
        bool found;
        char key[64];
        snprintf(key, sizeof key, "{\"pk\":{\"S\":\"L%05d\"}}", i);
        err_clear(&e);
        assert_int_equal(store_get(f->s, t, J(&f->a, key), &f->a, &got, &found, &e), 0);
        if (v[i].rc == 0) {
            assert_int_equal(v[i].w.rc, 0);
            assert_true(found);
            ok++;
        } else {
            assert_int_equal(v[i].rc, ERR_IO);
            assert_non_null(strstr(v[i].e.msg, "storage error"));
            assert_false(found);
            failed++;
        }
        arena_fini(&v[i].a);
    }
    print_message("%d answered 0, %d answered the storage error\n", ok, failed);
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_size_limit, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_failed_commit, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
