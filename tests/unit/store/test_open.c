/*
 * test_open — the data dir at store_open: its format version, the upgrade of a round-one
 * data dir, a data dir of a newer format, and directories that are not ddbchat's.  Module:
 * src/store/open.c.
 */
#include "st_test.h"

#include <dlfcn.h>
#include <lmdb.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store_int.h"

/* ---- raw LMDB access to a closed data dir ------------------------------------------- */

typedef struct raw {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
} raw;

static void raw_open(raw *r, const char *dir)
{
    assert_int_equal(mdb_env_create(&r->env), 0);
    mdb_env_set_maxdbs(r->env, 8);
    mdb_env_set_mapsize(r->env, (size_t)1 << 30);
    assert_int_equal(mdb_env_open(r->env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
    assert_int_equal(mdb_dbi_open(r->txn, "meta", 0, &r->meta), 0);
}

static void raw_close(raw *r)
{
    assert_int_equal(mdb_txn_commit(r->txn), 0);
    mdb_env_close(r->env);
}

static void raw_put(raw *r, const char *key, const void *val, size_t n)
{
    MDB_val k = {strlen(key), (void *)key}, v = {n, (void *)val};
    assert_int_equal(mdb_put(r->txn, r->meta, &k, &v, 0), 0);
}

/* The value of meta `key` (copied into out, NUL-terminated), or -1 when absent. */
static int raw_get(raw *r, const char *key, char *out, size_t cap)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(r->txn, r->meta, &k, &v);
    if (rc == MDB_NOTFOUND)
        return -1;
    assert_int_equal(rc, 0);
    size_t n = v.mv_size < cap - 1 ? v.mv_size : cap - 1;
    memcpy(out, v.mv_data, n);
    out[n] = 0;
    return (int)v.mv_size;
}

static int open_err(const char *dir, bool read_only, err_t *e)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.read_only = read_only;
    store_t *s = NULL;
    err_clear(e);
    int rc = store_open(dir, &o, &s, e);
    if (rc == 0)
        st_close(s);
    else
        assert_null(s);
    return rc;
}

static bool exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* fdatasync, counted: liblmdb's calls land here (the executable's definition comes first in
 * symbol lookup) and go on to libc's */
static atomic_int syncs;
int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    atomic_fetch_add(&syncs, 1);
    return real(fd);
}

/* ---- tests --------------------------------------------------------------------------- */

/* A durable open of a new data dir syncs once (issue 13.4, the start-up of a fresh server):
 * the databases and the meta records are one transaction.  It was three (the databases'
 * commit, the meta records' commit, the meta page's sync).  Reopening syncs nothing: a
 * data dir of the current format is not written. */
static void test_new_dir_one_sync(void **state)
{
    st_fix *f = *state;
    char dir[] = "/tmp/ddb-open-sync-XXXXXX";
    assert_non_null(mkdtemp(dir));
    store_opts o;
    store_opts_default(&o);
    o.durable = true;
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    for (int pass = 0; pass < 2; pass++) {
        store_t *s = NULL;
        atomic_store(&syncs, 0);
        assert_int_equal(store_open(dir, &o, &s, &e), 0);
        int n = atomic_load(&syncs);
        if (pass == 0) {
            assert_int_equal(n, 1);
            /* the first write is durable as before, and after it the dir reopens whole */
            const store_table *t = st_create(s, "t", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
            st_put_ok(s, t, &f->a, "{\"pk\":{\"S\":\"a\"}}");
            assert_true(atomic_load(&syncs) > n);
        } else {
            assert_int_equal(n, 0);
            assert_non_null(st_pin(s, "t"));
        }
        st_close(s);
    }
    st_rmrf(dir);
}

/* a new data dir records the current format and names itself */
static void test_new_dir_format(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = NULL;
    raw r;
    raw_open(&r, f->dir);
    char v[64];
    assert_int_equal(raw_get(&r, "version", v, sizeof v), 1);
    assert_int_equal((unsigned char)v[0], 3);
    assert_int_equal(raw_get(&r, "format", v, sizeof v), 7);
    assert_string_equal(v, "ddbchat");
    raw_close(&r);
    f->s = st_open_dir(f->dir, 0);
}

/* a round-one data dir (format 1, no name record) is upgraded at open, its tables intact; a
 * read-only open reads it without changing it */
static void test_upgrade_round_one(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "old", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"kept\"}}");
    st_close(f->s);
    f->s = NULL;
    raw r;
    raw_open(&r, f->dir); /* make it what round one wrote */
    unsigned char one = 1;
    raw_put(&r, "version", &one, 1);
    MDB_val fk = {6, "format"};
    assert_int_equal(mdb_del(r.txn, r.meta, &fk, NULL), 0);
    raw_close(&r);

    err_t e;
    assert_int_equal(open_err(f->dir, true, &e), 0); /* read-only: readable, not upgraded */
    raw_open(&r, f->dir);
    char v[64];
    assert_int_equal(raw_get(&r, "version", v, sizeof v), 1);
    assert_int_equal((unsigned char)v[0], 1);
    assert_int_equal(raw_get(&r, "format", v, sizeof v), -1);
    raw_close(&r);

    f->s = st_open_dir(f->dir, 0);
    const store_table *t2 = st_pin(f->s, "old");
    assert_non_null(t2);
    av_t got;
    bool found;
    err_clear(&e);
    assert_int_equal(store_get(f->s, t2, J(&f->a, "{\"pk\":{\"S\":\"kept\"}}"), &f->a, &got,
                               &found, &e),
                     0);
    assert_true(found);
    st_close(f->s);
    f->s = NULL;
    raw_open(&r, f->dir);
    assert_int_equal(raw_get(&r, "version", v, sizeof v), 1);
    assert_int_equal((unsigned char)v[0], 3);
    assert_int_equal(raw_get(&r, "format", v, sizeof v), 7);
    raw_close(&r);
    f->s = st_open_dir(f->dir, 0);
}

/* a data dir of a newer format is refused with a message saying so, and left alone */
static void test_newer_format_refused(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = NULL;
    raw r;
    raw_open(&r, f->dir);
    unsigned char four = 4;
    raw_put(&r, "version", &four, 1);
    raw_close(&r);
    err_t e;
    assert_int_equal(open_err(f->dir, false, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "written by a newer ddbchat (data format 4; this build reads "
                                  "formats 1 to 3)"));
    assert_int_equal(open_err(f->dir, true, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "newer ddbchat"));
    raw_open(&r, f->dir);
    char v[8];
    assert_int_equal(raw_get(&r, "version", v, sizeof v), 1);
    assert_int_equal((unsigned char)v[0], 4); /* untouched */
    raw_put(&r, "version", (unsigned char[]){3}, 1);
    raw_close(&r);
    f->s = st_open_dir(f->dir, 0);
}

/* A new directory another process is opening at the same time: its data.mdb appears between
 * the check's access() and its listing (review10 F9: "holds other files (data.mdb, ...) and no
 * data.mdb", 6 of 200 paired opens of one new dir).  A data.mdb symlink to a file not yet
 * created is that moment held still: access() misses it, the listing sees it. */
static void test_data_mdb_appearing(void **state)
{
    st_fix *f = *state;
    char d[300], t[300], link[400], target[400];
    err_t e;
    snprintf(d, sizeof d, "%s/shared", f->dir);
    snprintf(t, sizeof t, "%s/elsewhere", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(mkdir(t, 0700), 0);
    snprintf(link, sizeof link, "%s/data.mdb", d);
    snprintf(target, sizeof target, "%s/data.mdb", t);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(open_err(d, false, &e), 0);
    assert_true(exists(t, "data.mdb"));
}

/* directories that are not ours: refused with a clear message, nothing created in them */
static void test_not_ours(void **state)
{
    st_fix *f = *state;
    char d[300];
    err_t e;

    /* other files and no data.mdb */
    snprintf(d, sizeof d, "%s/docs", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    write_file(d, "notes.txt", "mine");
    assert_int_equal(open_err(d, false, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "is not a ddbchat data dir: it holds other files (notes.txt"));
    assert_false(exists(d, "data.mdb"));
    assert_false(exists(d, "lock.mdb"));

    /* a data.mdb that is not LMDB */
    snprintf(d, sizeof d, "%s/junk", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    char junk[8192];
    memset(junk, 'j', sizeof junk);
    junk[sizeof junk - 1] = 0;
    write_file(d, "data.mdb", junk);
    assert_int_equal(open_err(d, false, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "is not a ddbchat data dir"));
    assert_non_null(strstr(e.msg, "is not an LMDB file"));

    /* another program's LMDB environment */
    snprintf(d, sizeof d, "%s/other", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, d, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    MDB_val k = {5, "users"}, v = {2, "42"};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(open_err(d, false, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "is not a ddbchat data dir: data.mdb is another program's"));
    assert_int_equal(mdb_env_create(&env), 0); /* still only its own key */
    mdb_env_set_maxdbs(env, 8);
    assert_int_equal(mdb_env_open(env, d, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), MDB_NOTFOUND);
    mdb_txn_abort(txn);
    mdb_env_close(env);

    /* a file where the directory should be */
    snprintf(d, sizeof d, "%s/docs/notes.txt", f->dir);
    assert_int_equal(open_err(d, false, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "is not a directory"));

    /* what ddbchat itself keeps in a data dir (the REST API's secret), dotfiles and a file
     * system's lost+found are fine */
    snprintf(d, sizeof d, "%s/fresh", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    write_file(d, "jwt-secret", "s");
    write_file(d, ".keep", "");
    char lf[320];
    snprintf(lf, sizeof lf, "%s/lost+found", d);
    assert_int_equal(mkdir(lf, 0700), 0);
    assert_int_equal(open_err(d, false, &e), 0);
    assert_true(exists(d, "data.mdb"));
}

/* The reader slot of a process that exited inside a read txn is freed by the running store
 * within a few ST_WORK_POLL_MS (store.c st_readers_check, run by maint.c), not only at the
 * next store_open: such a slot keeps its snapshot, and no page freed by a write could be used
 * again (data.mdb grew with every page written).  Before: the slot stayed until a restart
 * (mdb_reader_check here still found it dead after 3 s). */
typedef struct sr_ctx {
    pid_t pid;
    int found; /* reader-table lines of that process */
} sr_ctx;

static int sr_line(const char *msg, void *ctx)
{
    sr_ctx *c = ctx;
    long pid = strtol(msg, NULL, 10); /* "%10d %zx %s": the slot's pid first (header: 0) */
    if (pid == (long)c->pid)
        c->found++;
    return 0;
}

static void test_stale_reader_freed(void **state)
{
    st_fix *f = *state;
    int up[2], down[2]; /* child -> test: "in my txn"; test -> child: "exit now" */
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* a reader that exits inside its read txn */
        MDB_env *env;
        MDB_txn *txn;
        char b = 0;
        close(up[0]); /* only the test's ends: a child that fails gives it EOF, not a hang */
        close(down[1]);
        if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
            mdb_env_open(env, f->dir, MDB_RDONLY, 0600) ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) || write(up[1], "r", 1) != 1 ||
            read(down[0], &b, 1) != 1)
            _exit(1);
        _exit(0);
    }
    close(up[1]); /* only the child's ends: a child that fails is read() == 0, and a test that
                   * fails leaves down[1] open until the test binary exits, when the child ends */
    close(down[0]);
    char b = 0;
    assert_int_equal(read(up[0], &b, 1), 1);
    /* the slot is seen while its process lives (the maintenance thread frees only a dead
     * process's slot: listed after the exit, it could already be gone, and was under load) */
    sr_ctx c = {.pid = pid};
    assert_true(mdb_reader_list(f->s->env, sr_line, &c) >= 0);
    assert_int_equal(c.found, 1);
    assert_int_equal(write(down[1], "x", 1), 1);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(up[0]);
    close(down[1]);
    for (int i = 0; i < 200 && c.found; i++) { /* 10 s: the thread polls every second, late under load */
        usleep(50000);
        c.found = 0;
        assert_true(mdb_reader_list(f->s->env, sr_line, &c) >= 0);
    }
    assert_int_equal(c.found, 0);
}

/* The same while the maintenance thread is in a long round of table work (a GSI's backfill,
 * here paced by the test aid to 9 batches of 0.4 s): the slot is freed between two batches,
 * not only once the round ends.  A backfill of a big table takes minutes and writes all
 * the while, every page of it new while a dead reader pins the snapshot.  Before: the check
 * ran only on an idle pass (st_readers_poll in catalog.c st_work_pause). */
static void test_stale_reader_freed_during_backfill(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.backfill_delay_ms = 400;
    err_t e;
    err_clear(&e);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    enum { N = 8000, B = 500 };
    static store_write w[B];
    for (int i = 0; i < N; i += B) {
        for (int j = 0; j < B; j++) {
            av_t *it = J(&f->a, arena_printf(&f->a, "{\"pk\":{\"S\":\"k%05d\"},\"g\":{\"S\":\"g%d\"}}",
                                             i + j, (i + j) % 7));
            w[j] = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                                 .arena = &f->a};
        }
        err_clear(&e);
        assert_int_equal(store_write_each(f->s, w, B, &e), 0);
        for (int j = 0; j < B; j++)
            assert_int_equal(w[j].rc, 0);
        arena_reset(&f->a);
    }
    store_index ix = st_ix("byg", true, st_kd("g", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    err_clear(&e);
    assert_int_equal(st_index_add_nowait(f->s, "tbl", &ix, &e), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* a reader that exits inside its read txn */
        MDB_env *env;
        MDB_txn *txn;
        if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
            mdb_env_open(env, f->dir, MDB_RDONLY, 0600) ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
            _exit(1);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* until the slot is freed or the round ends (~4 s quiet, longer on a loaded machine: no
     * fixed time, which failed under load); the list is read before the index's state, so a
     * slot seen freed while the index still backfills was freed during the round */
    sr_ctx c = {.pid = pid, .found = 1};
    bool backfilling = true;
    for (int i = 0; i < 1200 && c.found && backfilling; i++) {
        usleep(50000);
        c.found = 0;
        assert_true(mdb_reader_list(f->s->env, sr_line, &c) >= 0);
        backfilling = st_pin(f->s, "tbl")->idx[0].backfilling;
    }
    assert_int_equal(c.found, 0);
    assert_true(backfilling); /* freed during the round, not after it */
    err_clear(&e);
    assert_int_equal(store_work_wait(f->s, 60000, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_dir_format, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_new_dir_one_sync, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_round_one, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_newer_format_refused, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_not_ours, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_data_mdb_appearing, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_stale_reader_freed, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_stale_reader_freed_during_backfill, st_setup,
                                        st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
