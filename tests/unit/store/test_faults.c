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
 * server on a real full tmpfs where mounting is allowed.  While such work fails and waits to
 * be retried, the maintenance thread still frees the reader slots of exited processes, and a
 * failing check of them is logged once.
 */
#include "st_test.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "store/store_int.h"

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

/* ---- the maintenance thread's reader check while table work fails -------------------- */

typedef struct rd_ctx {
    pid_t pid;
    int found; /* reader-table lines of that process */
} rd_ctx;

static int rd_line(const char *msg, void *ctx)
{
    rd_ctx *c = ctx;
    if (strtol(msg, NULL, 10) == (long)c->pid) /* "%10d %zx %s": the slot's pid first */
        c->found++;
    return 0;
}

/* A process that exits inside a read txn of dir: its reader slot stays behind.  Returns
 * its pid, the slot checked to be there. */
static pid_t dead_reader(store_t *s, const char *dir)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        MDB_env *env;
        MDB_txn *txn;
        if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
            mdb_env_open(env, dir, MDB_RDONLY, 0600) ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
            _exit(1);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rd_ctx c = {.pid = pid};
    assert_true(mdb_reader_list(s->env, rd_line, &c) >= 0);
    assert_int_equal(c.found, 1);
    return pid;
}

/* Whether pid's reader slot is gone within ms */
static bool reader_freed(store_t *s, pid_t pid, int ms)
{
    rd_ctx c = {.pid = pid, .found = 1};
    for (int w = 0; w < ms / 50 && c.found; w++) {
        usleep(50000);
        c.found = 0;
        assert_true(mdb_reader_list(s->env, rd_line, &c) >= 0);
    }
    return c.found == 0;
}

/* While a GSI's backfill fails (the data file is at its size cap) and the maintenance thread
 * waits to retry it, the reader slot of a process that exited inside a read txn is still
 * freed within a few ST_WORK_POLL_MS: a dead reader's snapshot is what can keep a full disk
 * full, since no page freed after it can be used again.  Before (maint.c), the check ran only
 * while no work was pending: the slot stayed for as long as the work failed. */
static void test_stale_reader_freed_while_work_fails(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.backfill_delay_ms = 300; /* the cap below is set before the backfill's first write */
    err_t e;
    err_clear(&e);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(put_big(f->s, t, &f->a, i, &e), 0);
        arena_reset(&f->a);
    }
    char logp[64];
    int saved = log_capture(logp, sizeof logp);

    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    err_clear(&e);
    assert_int_equal(st_index_add_nowait(f->s, "tbl", &ix, &e), 0);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit cap = {.rlim_cur = (rlim_t)data_size(f->dir), .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
    bool failed = log_wait(logp, "left-over table work failed", 10000);

    pid_t pid = dead_reader(f->s, f->dir);
    bool freed = reader_freed(f->s, pid, 30000); /* a poll a second; far more under load */
    bool still_failing = st_pin(f->s, "tbl")->idx[0].backfilling;

    /* room again: the backfill finishes by itself */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    const store_table *now = NULL;
    for (int w = 0; w < 300; w++) { /* up to 30 s */
        now = st_pin(f->s, "tbl");
        if (!now->idx[0].backfilling)
            break;
        usleep(100000);
    }
    log_release(saved, logp);
    assert_true(failed);
    assert_true(still_failing);
    assert_true(freed);
    assert_false(now->idx[0].backfilling);
}

static _Atomic int fake_checks;

static int fake_check_fails(MDB_env *env, int *dead)
{
    (void)env;
    *dead = 0;
    atomic_fetch_add(&fake_checks, 1);
    return EIO;
}

static void set_check(store_t *s, int (*fn)(MDB_env *, int *))
{
    pthread_mutex_lock(&s->work.mu);
    s->readers_check = fn;
    pthread_mutex_unlock(&s->work.mu);
}

/* A failing reader check is logged once, not on every poll, and its recovery once.  Before:
 * mdb_reader_check's error was dropped without a word (stale slots could pile up unseen). */
static void test_reader_check_failure_logged_once(void **state)
{
    st_fix *f = *state;
    char logp[64];
    int saved = log_capture(logp, sizeof logp);
    atomic_store(&fake_checks, 0);
    set_check(f->s, fake_check_fails);
    for (int w = 0; w < 300 && atomic_load(&fake_checks) < 3; w++) /* three polls, <= 30 s */
        usleep(100000);
    int polls = atomic_load(&fake_checks);
    set_check(f->s, mdb_reader_check);
    bool back = log_wait(logp, "reader slots of exited processes works again", 30000);
    int failures = log_count(logp, "check for LMDB reader slots of exited processes failed");
    int again = log_count(logp, "works again");
    log_release(saved, logp);
    assert_true(polls >= 3);
    assert_int_equal(failures, 1);
    assert_true(back);
    assert_int_equal(again, 1);
}

/* Commits failing on a full disk are logged once, not once a round, and the number that
 * failed once a commit succeeds again.  Before: "commit failed" for every round, a line for
 * every burst of writes for as long as the disk stayed full (40 here). */
static void test_commit_failures_logged_once(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    int i = 0;
    for (; i < 100; i++) {
        assert_int_equal(put_big(f->s, t, &f->a, i, &e), 0);
        arena_reset(&f->a);
    }
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit cap = {.rlim_cur = (rlim_t)data_size(f->dir), .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
    char logp[64];
    int saved = log_capture(logp, sizeof logp);
    int refused = 0;
    for (int n = 0; n < 2000 && refused < 40; n++, i++) {
        refused += put_big(f->s, t, &f->a, i, &e) == ERR_IO;
        arena_reset(&f->a);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    int ok = put_big(f->s, t, &f->a, i, &e);
    int failed_lines = log_count(logp, "store: commit failed");
    int again = log_count(logp, "store: commits succeed again (");
    log_release(saved, logp);
    assert_int_equal(refused, 40);
    assert_int_equal(ok, 0);
    assert_int_equal(failed_lines, 1);
    assert_int_equal(again, 1);
}

/* The first stored item of table id tid (its data key: the 4-byte id first) made
 * unreadable: a value that does not decode. */
static int corrupt_first_fn(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    (void)e;
    uint32_t tid = *(const uint32_t *)ctx;
    unsigned char pre[5] = {(unsigned char)(tid >> 24), (unsigned char)(tid >> 16),
                            (unsigned char)(tid >> 8), (unsigned char)tid, 0};
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->db_data, &cur);
    if (rc)
        return rc;
    MDB_val k = {5, pre}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && (k.mv_size < 5 || memcmp(k.mv_data, pre, 5) != 0))
        rc = MDB_NOTFOUND;
    if (rc == 0) {
        static const unsigned char junk[] = {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8};
        MDB_val j = {sizeof junk, (void *)junk};
        rc = mdb_cursor_put(cur, &k, &j, MDB_CURRENT);
    }
    mdb_cursor_close(cur);
    return rc;
}

/* Table "a" has an item that cannot be read, so its new GSI's backfill fails every time;
 * table "b"'s new GSI, after it in the catalog, is still filled and becomes usable, while
 * "a"'s work keeps being retried.  Before (catalog.c st_cat_resume_index_work): the round
 * ended at "a"'s failure, and "b"'s index stayed backfilling for good. */
static void test_failing_backfill_does_not_block_other_tables(void **state)
{
    st_fix *f = *state;
    const store_table *a = st_create(f->s, "a", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    const store_table *b = st_create(f->s, "b", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    for (int i = 0; i < 20; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%02d\"},\"g\":{\"S\":\"g%d\"}}", i, i % 3);
        st_put_ok(f->s, a, &f->a, txt);
        st_put_ok(f->s, b, &f->a, txt);
    }
    uint32_t tid = a->id;
    err_clear(&e);
    assert_int_equal(st_write_txn(f->s, corrupt_first_fn, &tid, &e), 0);
    char logp[64];
    int saved = log_capture(logp, sizeof logp);
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    err_clear(&e);
    assert_int_equal(st_index_add_nowait(f->s, "a", &ix, &e), 0);
    err_clear(&e);
    assert_int_equal(st_index_add_nowait(f->s, "b", &ix, &e), 0);
    const store_table *nb = NULL;
    for (int w = 0; w < 600; w++) { /* 30 s */
        nb = st_pin(f->s, "b");
        if (!nb->idx[0].backfilling)
            break;
        usleep(50000);
    }
    bool a_failing = st_pin(f->s, "a")->idx[0].backfilling;
    bool said = log_count(logp, "left-over table work failed") > 0;
    log_release(saved, logp);
    assert_false(nb->idx[0].backfilling);
    assert_true(a_failing);
    assert_true(said);
    av_t *items;
    store_query q = {.table = nb, .index = &nb->idx[0]};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 20);
}

/* The dead-reader tests' set-up: the store reopened with a map of mapsize, a table of 50 big
 * items written rounds times, the maintenance thread stopped (only a write's own check can
 * free a slot), then a process that exits inside a read txn.  Returns its pid; *t the table,
 * *before the map size then. */
static pid_t fill_then_dead_reader(st_fix *f, size_t mapsize, int rounds, const store_table **t,
                                   size_t *before)
{
    st_close(f->s);
    f->s = st_open_dir(f->dir, mapsize);
    *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < 50; i++) {
            assert_int_equal(put_big(f->s, *t, &f->a, i, &e), 0);
            arena_reset(&f->a);
        }
    st_maint_stop(f->s);
    *before = f->s->mapsize;
    return dead_reader(f->s, f->dir);
}

/* A write that finds the map full frees the reader slot of a process that exited inside a
 * read txn (a killed export, backup or doctor) before it grows the map: that slot's snapshot
 * kept every page freed after it from being used again, so overwrites grew the map (and the
 * file, for good) until the maintenance thread's next tick, or failed on a full disk.  The
 * maintenance thread is stopped here, so only the write's own check can free it. */
static void test_dead_reader_freed_before_the_map_grows(void **state)
{
    st_fix *f = *state;
    const store_table *t;
    size_t before;
    pid_t pid = fill_then_dead_reader(f, 1024 * 1024, 1, &t, &before);
    err_t e;
    /* 20 overwrites of the 50 items, ~3 MB of pages: far past the 1 MB map unless reused */
    for (int r = 0; r < 20; r++)
        for (int i = 0; i < 50; i++) {
            assert_int_equal(put_big(f->s, t, &f->a, i, &e), 0);
            arena_reset(&f->a);
        }
    bool freed = reader_freed(f->s, pid, 100);
    assert_true(freed);
    assert_int_equal(f->s->mapsize, before);
}

/* A write's own reader check (a write that found the map full) goes through the store's
 * hook and its failure state, as the maintenance thread's does: with the check failing the
 * write still succeeds (the map grows, the dead reader's slot stays), and the failure is
 * logged once however many writes meet it.  The maintenance thread is stopped, so every
 * check seen is a write's.  Before, that check called mdb_reader_check itself: the hook
 * never saw it (0 checks here) and its failure went unsaid (review32 r32c L4). */
static void test_write_reader_check_through_the_hook(void **state)
{
    st_fix *f = *state;
    const store_table *t;
    size_t before;
    pid_t pid = fill_then_dead_reader(f, 1024 * 1024, 1, &t, &before);
    char logp[64];
    int saved = log_capture(logp, sizeof logp);
    atomic_store(&fake_checks, 0);
    set_check(f->s, fake_check_fails);
    err_t e;
    int failed = 0;
    for (int r = 0; r < 20; r++) /* ~3 MB of pages: the 1 MB map fills */
        for (int i = 0; i < 50; i++) {
            failed += put_big(f->s, t, &f->a, i, &e) != 0;
            arena_reset(&f->a);
        }
    int checks = atomic_load(&fake_checks);
    int said = log_count(logp, "check for LMDB reader slots of exited processes failed");
    set_check(f->s, mdb_reader_check);
    log_release(saved, logp);
    assert_int_equal(failed, 0);
    assert_true(checks >= 1);
    assert_int_equal(said, 1);
    assert_true(f->s->mapsize > before); /* the slot stayed: the map grew instead */
    assert_false(reader_freed(f->s, pid, 100)); /* the failing checks freed nothing */
}

/* The same on a full disk: a write that fails with EFBIG (here RLIMIT_FSIZE; ENOSPC on a full
 * filesystem) frees the dead reader's slot and is tried again, in the pages its snapshot
 * held.  The map is big enough that it never fills: only the disk does.  Without the
 * ENOSPC/EFBIG branch (a318f9df) 995 of these 1,000 overwrites failed with "File too large"
 * and the slot stayed (review32 r32c M2). */
static void test_dead_reader_freed_on_a_full_disk(void **state)
{
    st_fix *f = *state;
    const store_table *t;
    size_t before; /* written twice: a freelist exists */
    pid_t pid = fill_then_dead_reader(f, 64 * 1024 * 1024, 2, &t, &before);
    err_t e;
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit cap = {.rlim_cur = (rlim_t)data_size(f->dir) + 64 * 1024,
                         .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
    int failed = 0;
    for (int r = 0; r < 20; r++)
        for (int i = 0; i < 50; i++) {
            if (put_big(f->s, t, &f->a, i, &e) != 0 && failed++ == 0)
                fprintf(stderr, "first failed overwrite, round %d item %d: %s\n", r, i, e.msg);
            arena_reset(&f->a);
        }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    bool freed = reader_freed(f->s, pid, 100);
    assert_true(freed);
    assert_int_equal(failed, 0);
    assert_int_equal(f->s->mapsize, before); /* the disk filled, not the map */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_size_limit, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_later_failed_commit, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_stale_reader_freed_while_work_fails, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_dead_reader_freed_before_the_map_grows, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_dead_reader_freed_on_a_full_disk, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_write_reader_check_through_the_hook, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_reader_check_failure_logged_once, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_commit_failures_logged_once, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_failing_backfill_does_not_block_other_tables,
                                        st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
