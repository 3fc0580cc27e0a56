/*
 * test_store — open/close, persistence, map growth.  Module: src/store/store.c.
 */
#include "st_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store/backup.h"
#include "store/store_int.h"

/* the data dir is created 0700; a reopen keeps data, catalog, counters */
static void test_reopen(void **state)
{
    st_fix *f = *state;
    struct stat st;
    assert_int_equal(stat(f->dir, &st), 0);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", f->dir);
    store_t *s2 = st_open_dir(sub, 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    st_close(s2);

    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    const store_table *t = st_create(f->s, "tr", st_kd("pk", AV_S, NULL, AV_NONE), &ix, 1);
    uint32_t id = t->id;
    for (int i = 0; i < 50; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%d\"},\"gk\":{\"S\":\"g\"}}", i);
        st_put_ok(f->s, t, &f->a, txt);
    }
    err_t e;
    err_clear(&e);
    assert_int_equal(st_set_ttl(f->s, "tr", "exp", &e), 0);
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tr");
    assert_non_null(t);
    assert_int_equal(t->id, id);
    assert_string_equal(t->ttl_attr, "exp");
    assert_int_equal(t->n_idx, 1);
    av_t *items;
    store_query q = {.table = t, .index = &t->idx[0]};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 50);
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, t, NULL, &c, &b, &e), 0);
    assert_int_equal(c, 50);
    /* ids keep growing across reopen */
    const store_table *t2 = st_create(f->s, "tr2", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    assert_true(t2->id > id);
}

/* a durable store: writes survive close/reopen */
static void test_durable(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    assert_true(o.durable);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "td", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    st_close(f->s);
    o.read_only = true;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    t = st_pin(f->s, "td");
    assert_non_null(t);
    av_t got;
    bool found;
    assert_int_equal(
        store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &got, &found, &e), 0);
    assert_true(found);
    assert_item_json(&got, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    /* read-only: writes refused */
    store_write w = {.table = t, .key = &got, .apply = st_apply_del, .arena = &f->a};
    err_clear(&e);
    assert_true(store_write_each(f->s, &w, 1, &e) != 0);
}

/* store_secret: made once, the same after a reopen (read-only too) and for a second opener;
 * another name is another secret; bad lengths refused */
static void test_secret_kept(void **state)
{
    st_fix *f = *state;
    err_t e;
    err_clear(&e);
    unsigned char a[16], b[16], c[16], d[16], other[16], big[65];
    assert_int_equal(store_secret(f->s, "it", a, sizeof a, &e), 0);
    assert_int_equal(store_secret(f->s, "it", b, sizeof b, &e), 0);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(store_secret(f->s, "pq", other, sizeof other, &e), 0);
    assert_memory_not_equal(a, other, sizeof a);
    store_t *second = st_open_dir(f->dir, 0); /* another opener of the same data dir */
    assert_int_equal(store_secret(second, "it", c, sizeof c, &e), 0);
    assert_memory_equal(a, c, sizeof a);
    store_close(second);
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.ttl_thread = false;
    o.read_only = true;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    assert_int_equal(store_secret(f->s, "it", d, sizeof d, &e), 0);
    assert_memory_equal(a, d, sizeof a);
    assert_int_equal(store_secret(f->s, "never-made", d, sizeof d, &e), 0); /* its own */
    assert_int_not_equal(store_secret(f->s, "it", big, sizeof big, &e), 0);
    assert_int_not_equal(store_secret(f->s, "it", big, 0, &e), 0);
}

static uint64_t secret_other_txns(store_t *s)
{
    store_commit_stats cs;
    store_commit_stats_get(s, &cs);
    return cs.other_txns;
}

/* store_opts.secrets: a new data dir gets them in the open's first transaction, so asking
 * for them afterwards begins no write txn (each was a commit with its own data sync: a fresh
 * server's start-up paid three syncs, issue 13.4); a reopen finds the same bytes and writes
 * nothing; a secret not declared is still made at its first use; a bad one fails the open */
static void test_secret_made_at_open(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    st_rmrf(f->dir);
    static const store_secret_def defs[] = {{"it", 16}, {"pq", 32}};
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.secrets = defs;
    o.nsecrets = 2;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    unsigned char it[16], pq[32], it2[16], pq2[32], zero[32] = {0}, other[16];
    assert_int_equal(store_secret(f->s, "it", it, sizeof it, &e), 0);
    assert_int_equal(store_secret(f->s, "pq", pq, sizeof pq, &e), 0);
    assert_int_equal(secret_other_txns(f->s), 0);
    assert_memory_not_equal(pq, zero, sizeof pq);
    assert_memory_not_equal(it, pq, sizeof it);
    assert_int_equal(store_secret(f->s, "later", other, sizeof other, &e), 0);
    assert_int_equal(secret_other_txns(f->s), 1);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    assert_int_equal(store_secret(f->s, "it", it2, sizeof it2, &e), 0);
    assert_int_equal(store_secret(f->s, "pq", pq2, sizeof pq2, &e), 0);
    assert_int_equal(secret_other_txns(f->s), 0);
    assert_memory_equal(it, it2, sizeof it);
    assert_memory_equal(pq, pq2, sizeof pq);
    /* a secret kept with another length than declared is made again, as store_secret does */
    store_close(f->s);
    f->s = NULL;
    static const store_secret_def longer[] = {{"it", 24}};
    o.secrets = longer;
    o.nsecrets = 1;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    unsigned char it24[24];
    assert_int_equal(store_secret(f->s, "it", it24, sizeof it24, &e), 0);
    assert_int_equal(secret_other_txns(f->s), 0);
    store_close(f->s);
    f->s = NULL;
    static const store_secret_def bad[] = {{"x", 65}};
    o.secrets = bad;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), ERR_INTERNAL);
    assert_null(f->s);
    f->s = st_open_dir(f->dir, 0);
}

/* a tiny initial map grows as data is written, also under concurrent readers */
static void test_map_growth(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = st_open_dir(f->dir, 256 * 1024);
    size_t before = f->s->mapsize;
    const store_table *t = st_create(f->s, "tg", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    char *blob = arena_alloc(&f->a, 20000);
    memset(blob, 'z', 20000);
    for (int i = 0; i < 1000; i++) { /* ~20 MB */
        char name[32];
        snprintf(name, sizeof name, "k%d", i);
        av_kv *kv = arena_zalloc(&f->a, sizeof *kv * 2);
        char *nm = arena_strdup(&f->a, name);
        kv[0] = (av_kv){"pk", 2, av_make_s(nm, strlen(nm))};
        kv[1] = (av_kv){"d", 1, av_make_s(blob, 20000)};
        av_t *it = arena_alloc(&f->a, sizeof *it);
        *it = av_make_m(kv, 2);
        err_t m;
        assert_int_equal(st_put(f->s, t, it, &f->a, &m), 0);
        if (i % 100 == 0) {
            av_t *items;
            store_query q = {.table = t, .limit = 10};
            assert_int_equal(st_query_all(f->s, q, &f->a, &items), (size_t)i + 1);
            arena_reset(&f->a);
            blob = arena_alloc(&f->a, 20000);
            memset(blob, 'z', 20000);
        }
    }
    assert_true(f->s->mapsize >= 20u * 1000 * 1000);
    assert_true(f->s->mapsize > before);
    uint64_t c, b;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_stats(f->s, t, NULL, &c, &b, &e), 0);
    assert_int_equal(c, 1000);
    assert_true(b > 20000u * 1000);
    /* reopen with the small initial size: LMDB adopts the file's size */
    st_close(f->s);
    f->s = st_open_dir(f->dir, 256 * 1024);
    t = st_pin(f->s, "tg");
    av_t *items;
    store_query q = {.table = t};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 1000);
}

/* A child process's own store on dir: a 256 KB map, not durable, no TTL thread; its table
 * `table` pinned into *out_t (NULL when there is none).  NULL when the store cannot open. */
static store_t *child_open_small(const char *dir, const char *table, const store_table **out_t)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.initial_map = 256 * 1024;
    store_t *s2;
    err_t e;
    err_clear(&e);
    *out_t = NULL;
    if (store_open(dir, &o, &s2, &e))
        return NULL;
    *out_t = st_pin(s2, table);
    return s2;
}

/* Caps this process's address space (RLIMIT_AS's soft limit) room_kb above what it uses now
 * (VmSize); old: the limits it had.  0, or -1 when VmSize cannot be read or the cap set. */
static int child_cap_address_space(const struct rlimit *old, long room_kb)
{
    long vm_kb = 0;
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st && fgets(line, sizeof line, st))
        if (strncmp(line, "VmSize:", 7) == 0)
            vm_kb = strtol(line + 7, NULL, 10);
    if (st)
        fclose(st);
    struct rlimit lim = *old;
    lim.rlim_cur = (rlim_t)(vm_kb + room_kb) * 1024;
    return vm_kb == 0 || setrlimit(RLIMIT_AS, &lim) != 0 ? -1 : 0;
}

/* The other process of test_map_resized_by_other (st_spawn_child): opens with a 256 KB map
 * and writes 500 items of 10 KB, growing the map. */
static int child_grow_map(const char *dir)
{
    const store_table *t2;
    store_t *s2 = child_open_small(dir, "shared", &t2);
    if (!s2)
        return 2;
    err_t e;
    err_clear(&e);
    arena_t a;
    arena_init(&a);
    char *blob = arena_alloc(&a, 10000);
    memset(blob, 'q', 10000);
    int bad = !t2;
    for (int i = 0; i < 500 && !bad; i++) {
        av_kv *kv = arena_zalloc(&a, sizeof *kv * 2);
        char *nm = arena_printf(&a, "c%d", i);
        kv[0] = (av_kv){"pk", 2, av_make_s(nm, strlen(nm))};
        kv[1] = (av_kv){"d", 1, av_make_s(blob, 10000)};
        av_t it = av_make_m(kv, 2);
        store_write w = {.table = t2, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        bad |= store_write_each(s2, &w, 1, &e) != 0 || w.rc != 0;
    }
    bad |= s2->mapsize <= 256 * 1024;
    arena_fini(&a);
    st_close(s2);
    return bad;
}

/* another process grows the map past ours: our next txn adopts the new size
 * (MDB_MAP_RESIZED) and sees the data */
static void test_map_resized_by_other(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = st_open_dir(f->dir, 256 * 1024);
    const store_table *t = st_create(f->s, "shared", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    size_t before = f->s->mapsize;
    pid_t pid = st_spawn_child("grow_map", f->dir);
    assert_true(pid > 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    av_t *items;
    store_query q = {.table = t, .limit = 50};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 500);
    assert_true(f->s->mapsize > before);
    /* and we can keep writing */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"parent\"}}");
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 501);
}

/* The address-space tests' parent: creates table (key pk, S) in f's store, closes it, runs
 * child (st_spawn_child's name) on the data dir and fails on the child's signal or a non-zero
 * exit status (the step that went wrong); then opens f's store again. */
static void st_run_capped_child(st_fix *f, const char *table, const char *child)
{
    st_create(f->s, table, st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_close(f->s);
    f->s = NULL;
    pid_t pid = st_spawn_child(child, f->dir);
    assert_true(pid > 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("the child died of signal %d", WTERMSIG(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    f->s = st_open_dir(f->dir, 0);
}

/* The other process of test_map_growth_refused_by_the_address_space (a process of its own:
 * it lowers its address-space limit).  Opens with a 256 KB map, caps RLIMIT_AS 44 MB above
 * what it uses, writes items of 10 KB until a write fails (the map cannot double), lifts
 * the cap, reads every acknowledged item and writes again.  The exit status says which step
 * went wrong; a crash is a signal. */
static int child_as_limit(const char *dir)
{
    const store_table *t2;
    store_t *s2 = child_open_small(dir, "aslim", &t2);
    if (!s2 || !t2)
        return 2;
    err_t e;
    err_clear(&e);
    arena_t a;
    arena_init(&a);
    char *blob = malloc(10000);
    if (!blob)
        return 2;
    memset(blob, 'a', 10000);
    int acked = 0, rc = 3;
    struct rlimit old;
    getrlimit(RLIMIT_AS, &old);
    for (int i = 0; i < 10000; i++) {
        if (i == 1) {
            /* the cap once a write has been taken (its threads, arenas and buffers made: a
             * thread's first malloc reserves a 64 MB arena, and with the cap set before it the
             * first write failed "out of memory" now and then) */
            if (child_cap_address_space(&old, 44 * 1024))
                return 2;
        }
        arena_reset(&a);
        av_kv *kv = arena_zalloc(&a, sizeof *kv * 2);
        char *nm = arena_printf(&a, "a%d", i);
        kv[0] = (av_kv){"pk", 2, av_make_s(nm, strlen(nm))};
        kv[1] = (av_kv){"d", 1, av_make_s(blob, 10000)};
        av_t it = av_make_m(kv, 2);
        store_write w = {.table = t2, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        err_clear(&e);
        int wrc = store_write_each(s2, &w, 1, &e);
        if (wrc == 0 && w.rc == 0) {
            acked++;
            continue;
        }
        const char *msg = wrc ? e.msg : w.err.msg;
        rc = strstr(msg, "cannot grow the LMDB map") ? 0 : 4;
        if (rc)
            fprintf(stderr, "child_as_limit: write %d failed: %s\n", i, msg);
        break;
    }
    /* the growth is refused only when LMDB's own remap would not fit: it unmaps the old map
     * before mapping the new one, so of the 44 MB of room (the map's growth from 256 KB
     * counted in it, and ~12 MB for anything else: a thread's stack) 16 -> 32 MB fits (+16
     * MB, 15.75 used) and 32 -> 64 MB does not; a check that mapped the new size beside the
     * old (+32 MB for 16 -> 32) stopped the store at 16 MB (review31a: half the size it could
     * reach under any cap) */
    if (rc == 0 && s2->mapsize < 32u * 1024 * 1024) {
        fprintf(stderr, "child_as_limit: the map stopped at %zu bytes, not 32 MB\n", s2->mapsize);
        rc = 7;
    }
    setrlimit(RLIMIT_AS, &old); /* room for the read's memory; the map is as the failure left it */
    if (rc == 0) { /* every acknowledged item is read (the process crashed here before) */
        arena_reset(&a);
        av_t *items;
        store_query q = {.table = t2, .limit = 50};
        if (st_query_all(s2, q, &a, &items) != (size_t)acked)
            rc = 5;
    }
    if (rc == 0) { /* room again: the map grows and the write is taken */
        size_t before = s2->mapsize;
        arena_reset(&a);
        av_kv *kv = arena_zalloc(&a, sizeof *kv * 2);
        kv[0] = (av_kv){"pk", 2, av_make_s("again", 5)};
        kv[1] = (av_kv){"d", 1, av_make_s(blob, 10000)};
        av_t it = av_make_m(kv, 2);
        store_write w = {.table = t2, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        if (store_write_each(s2, &w, 1, &e) != 0 || w.rc != 0)
            rc = 6;
        else if (s2->mapsize <= before)
            rc = 7;
    }
    free(blob);
    arena_fini(&a);
    st_close(s2);
    return rc;
}

/* A map that cannot double (the address space is capped: RLIMIT_AS, a 32-bit-like limit)
 * fails the write that needed the room with a storage error and leaves the store whole:
 * LMDB unmaps the old map before it maps the new one, and a failed mmap left the env without
 * a map, so the next read crashed the process (SIGSEGV; attack31).  Once the limit is lifted
 * the map grows and writes are taken again. */
static void test_map_growth_refused_by_the_address_space(void **state)
{
#ifdef __SANITIZE_ADDRESS__
    skip(); /* ASan's shadow memory does not fit under an address-space limit */
#endif
    st_run_capped_child(*state, "aslim", "as_limit");
}

/* The other process of test_map_adoption_refused_by_the_address_space (its own: it lowers
 * its address-space limit).  Opens with a 256 KB map, has grow_map (a third process) grow the
 * map to 8 MB, caps RLIMIT_AS 2 MB above what it uses, then reads and writes: each must fail
 * with an error (the new map does not fit), not crash.  Lifts the cap, and the read sees
 * grow_map's 500 items and the write is taken.  The exit status says which step went wrong;
 * a crash is a signal. */
static int child_adopt_limit(const char *dir)
{
    const store_table *t2;
    store_t *s2 = child_open_small(dir, "shared", &t2);
    if (!s2 || !t2)
        return 2;
    err_t e;
    err_clear(&e);
    arena_t a;
    arena_init(&a);
    store_query q = {.table = t2, .limit = 50};
    store_result r;
    int rc = 0;
    if (store_query_run(s2, &q, &a, &r, &e) != 0 || r.n != 0) /* mapped at 256 KB */
        rc = 3;
    pid_t pid = rc ? -1 : st_spawn_child("grow_map", dir);
    int status = 0;
    if (!rc && (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0))
        rc = 4;
    struct rlimit old;
    getrlimit(RLIMIT_AS, &old);
    if (!rc && child_cap_address_space(&old, 2 * 1024))
        rc = 2;
    size_t before = s2->mapsize;
    if (!rc) { /* the read meets MDB_MAP_RESIZED: the 8 MB map is refused (a crash here before) */
        err_clear(&e);
        if (store_query_run(s2, &q, &a, &r, &e) == 0)
            rc = 5;
        else if (s2->mapsize != before)
            rc = 6;
    }
    if (!rc) { /* and a write the same way */
        av_kv *kv = arena_zalloc(&a, sizeof *kv);
        kv[0] = (av_kv){"pk", 2, av_make_s("capped", 6)};
        av_t it = av_make_m(kv, 1);
        store_write w = {.table = t2, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        err_clear(&e);
        if (store_write_each(s2, &w, 1, &e) == 0 && w.rc == 0)
            rc = 7;
        else if (!strstr(e.msg, "cannot adopt the LMDB map")) {
            fprintf(stderr, "child_adopt_limit: the write failed with: %s\n", e.msg);
            rc = 8;
        }
    }
    setrlimit(RLIMIT_AS, &old);
    if (!rc) { /* room again: the map is adopted, the other's items read, a write taken */
        size_t n = 0;
        store_query qa = q;
        for (;;) {
            err_clear(&e);
            if (store_query_run(s2, &qa, &a, &r, &e) != 0) {
                rc = 9;
                break;
            }
            n += r.n;
            if (r.last_key.type == AV_NONE)
                break;
            av_t *lk = arena_alloc(&a, sizeof *lk);
            *lk = r.last_key;
            qa.start_key = lk;
        }
        if (!rc && (n != 500 || s2->mapsize <= before))
            rc = 10;
    }
    if (!rc) {
        arena_reset(&a);
        av_kv *kv = arena_zalloc(&a, sizeof *kv);
        kv[0] = (av_kv){"pk", 2, av_make_s("after", 5)};
        av_t it = av_make_m(kv, 1);
        store_write w = {.table = t2, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        if (store_write_each(s2, &w, 1, &e) != 0 || w.rc != 0)
            rc = 11;
    }
    arena_fini(&a);
    st_close(s2);
    return rc;
}

/* Another process grew the map, and ours cannot follow (the address space is capped:
 * RLIMIT_AS): the read and the write that meet MDB_MAP_RESIZED fail with a storage error and
 * leave the store whole.  LMDB's adoption unmapped ours before it mapped the other's size, and
 * a refused mmap left the env without a map: the next txn crashed the process (SIGSEGV, as
 * test_map_growth_refused_by_the_address_space for our own growth; attack31).  Once the
 * limit is lifted the map is adopted and the other's items read. */
static void test_map_adoption_refused_by_the_address_space(void **state)
{
#ifdef __SANITIZE_ADDRESS__
    skip(); /* ASan's shadow memory does not fit under an address-space limit */
#endif
    st_run_capped_child(*state, "shared", "adopt_limit");
}

/* the map grows while writers and readers run concurrently */
typedef struct mg_arg {
    store_t *s;
    const store_table *t;
    int id;
    _Atomic int *stop;
    int bad;
} mg_arg;

static void *mg_writer(void *p)
{
    mg_arg *g = p;
    arena_t a;
    arena_init(&a);
    char *blob = malloc(10000);
    memset(blob, 'w', 10000);
    for (int i = 0; i < 100; i++) {
        av_kv *kv = arena_zalloc(&a, sizeof *kv * 2);
        char *nm = arena_printf(&a, "w%d-%d", g->id, i);
        kv[0] = (av_kv){"pk", 2, av_make_s(nm, strlen(nm))};
        kv[1] = (av_kv){"d", 1, av_make_s(blob, 10000)};
        av_t it = av_make_m(kv, 2);
        store_write w = {.table = g->t, .key = &it, .apply = st_apply_put, .ctx = &it, .arena = &a};
        err_t e;
        err_clear(&e);
        if (store_write_each(g->s, &w, 1, &e) || w.rc)
            g->bad++;
        arena_reset(&a);
    }
    free(blob);
    arena_fini(&a);
    return NULL;
}

static void *mg_reader(void *p)
{
    mg_arg *g = p;
    arena_t a;
    arena_init(&a);
    while (!*g->stop) {
        store_query q = {.table = g->t, .limit = 25};
        store_result r;
        err_t e;
        err_clear(&e);
        if (store_query_run(g->s, &q, &a, &r, &e))
            g->bad++;
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static void test_map_growth_concurrent(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    f->s = st_open_dir(f->dir, 256 * 1024);
    const store_table *t = st_create(f->s, "tc", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    _Atomic int stop = 0;
    pthread_t w[8], r[4];
    mg_arg wa[8], ra[4];
    for (int i = 0; i < 4; i++) {
        ra[i] = (mg_arg){.s = f->s, .t = t, .id = i, .stop = &stop};
        pthread_create(&r[i], NULL, mg_reader, &ra[i]);
    }
    for (int i = 0; i < 8; i++) {
        wa[i] = (mg_arg){.s = f->s, .t = t, .id = i, .stop = &stop};
        pthread_create(&w[i], NULL, mg_writer, &wa[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(w[i], NULL);
        assert_int_equal(wa[i].bad, 0);
    }
    stop = 1;
    for (int i = 0; i < 4; i++) {
        pthread_join(r[i], NULL);
        assert_int_equal(ra[i].bad, 0);
    }
    av_t *items;
    store_query q = {.table = t, .limit = 100};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 800);
}

/* reads reuse reset read txns (mdb_txn_reset / mdb_txn_renew): a reused txn sees every commit
 * made since its last use, a read in progress keeps its snapshot while others come and go,
 * and at most ST_RPOOL_MAX are kept (the rest are aborted; store_close drains the pool, which
 * the ASan build checks for leaks) */
typedef struct rr_arg {
    store_t *s;
    const store_table *t;
    const char *item;
    pthread_barrier_t *bar;
    int bad;
} rr_arg;

static void *rr_put(void *p)
{
    rr_arg *g = p;
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    g->bad = st_put(g->s, g->t, J(&a, g->item), &a, &e) != 0;
    arena_fini(&a);
    return NULL;
}

static void *rr_hold(void *p)
{
    rr_arg *g = p;
    MDB_txn *txn;
    g->bad = st_rtxn_begin(g->s, &txn) != 0;
    pthread_barrier_wait(g->bar); /* every thread holds a read txn at once */
    if (!g->bad)
        st_rtxn_end(g->s, txn);
    return NULL;
}

/* n threads each holding a read txn of s at one moment (rr_hold), joined; none failed. */
static void rr_hold_together(store_t *s, const store_table *t, int n)
{
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)n);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    rr_arg *g = calloc((size_t)n, sizeof *g);
    assert_non_null(th);
    assert_non_null(g);
    for (int i = 0; i < n; i++) {
        g[i] = (rr_arg){.s = s, .t = t, .bar = &bar};
        pthread_create(&th[i], NULL, rr_hold, &g[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(g[i].bad, 0);
    }
    pthread_barrier_destroy(&bar);
    free(th);
    free(g);
}

/* v of item pk=a as seen by txn */
static long rr_v(st_fix *f, const store_table *t, MDB_txn *txn)
{
    buf_t kb;
    buf_init(&kb, 0);
    assert_int_equal(st_key_base(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &kb), 0);
    MDB_val k = {kb.len, kb.data}, v;
    assert_int_equal(mdb_get(txn, f->s->db_data, &k, &v), 0);
    buf_fini(&kb);
    av_t it;
    err_t e;
    err_clear(&e);
    assert_int_equal(st_decode(&f->a, &v, &it, &e), 0);
    const av_t *n = av_map_gets(&it, "v");
    assert_non_null(n);
    assert_int_equal(n->u.str.len, 1);
    return n->u.str.ptr[0] - '0';
}

static void rr_put_elsewhere(st_fix *f, const store_table *t, const char *item)
{
    /* from another thread: this one may hold a read txn (a write would wait for itself) */
    rr_arg g = {.s = f->s, .t = t, .item = item};
    pthread_t th;
    pthread_create(&th, NULL, rr_put, &g);
    pthread_join(th, NULL);
    assert_int_equal(g.bad, 0);
}

static void test_read_txn_reuse(void **state)
{
    st_fix *f = *state;
    /* the maintenance thread takes a read txn from the pool and gives it back every
     * ST_WORK_POLL_MS (st_cat_check): one it held across this thread's st_rtxn_end(old) went
     * back on top after it, and `again` was that one (once in ~15 runs under a parallel
     * build: session 15's flake); stopped, the pool's order and count are this thread's
     * (store_close stops it only if it runs) */
    st_maint_stop(f->s);
    const store_table *t = st_create(f->s, "rr", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    MDB_txn *old;
    assert_int_equal(st_rtxn_begin(f->s, &old), 0);
    assert_int_equal(rr_v(f, t, old), 1);
    size_t kept = st_rpool_count(f->s);
    rr_put_elsewhere(f, t, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    assert_int_equal(rr_v(f, t, old), 1); /* its snapshot holds */
    MDB_txn *cur;
    assert_int_equal(st_rtxn_begin(f->s, &cur), 0); /* nested: another txn */
    assert_ptr_not_equal(cur, old);
    assert_int_equal(rr_v(f, t, cur), 2);
    st_rtxn_end(f->s, cur);
    st_rtxn_end(f->s, old);
    assert_int_equal(st_rpool_count(f->s), kept + 1 + (kept == 0 ? 1 : 0));
    rr_put_elsewhere(f, t, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"3\"}}");
    /* the last one kept (old, at version 1) is handed out again, renewed: it sees 3 */
    MDB_txn *again;
    assert_int_equal(st_rtxn_begin(f->s, &again), 0);
    assert_ptr_equal(again, old);
    assert_int_equal(rr_v(f, t, again), 3);
    st_rtxn_end(f->s, again);
    av_t got;
    bool found;
    err_t e;
    err_clear(&e);
    assert_int_equal(
        store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &got, &found, &e), 0);
    assert_true(found);
    assert_item_json(&got, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"3\"}}");

    /* more readers at once than the pool keeps */
    rr_hold_together(f->s, t, ST_RPOOL_MAX + 16);
    assert_int_equal(st_rpool_count(f->s), ST_RPOOL_MAX);
    MDB_envinfo info;
    mdb_env_info(f->s->env, &info);
    assert_true(info.me_numreaders >= ST_RPOOL_MAX); /* kept txns keep their slots */
    /* and reads still work (the store is closed, pool drained, by the teardown) */
    assert_int_equal(
        store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &got, &found, &e), 0);
    assert_true(found);
}

/* ---- live snapshots: st_rtxn_end keeps a read txn live while its snapshot is the last
 * commit, and st_rtxn_begin hands it out without a renew while no commit followed ---- */

/* v of item pk=a as seen by txn, any number of digits */
static long lv_v(store_t *s, const store_table *t, arena_t *a, MDB_txn *txn)
{
    buf_t kb;
    buf_init(&kb, 0);
    assert_int_equal(st_key_base(s, t, J(a, "{\"pk\":{\"S\":\"a\"}}"), &kb), 0);
    MDB_val k = {kb.len, kb.data}, v;
    int rc = mdb_get(txn, s->db_data, &k, &v);
    buf_fini(&kb);
    if (rc)
        return -1;
    av_t it;
    err_t e;
    err_clear(&e);
    if (st_decode(a, &v, &it, &e))
        return -2;
    const av_t *n = av_map_gets(&it, "v");
    if (!n)
        return -3;
    char d[24];
    size_t len = n->u.str.len < sizeof d - 1 ? n->u.str.len : sizeof d - 1;
    memcpy(d, n->u.str.ptr, len);
    d[len] = 0;
    return strtol(d, NULL, 10);
}

/* v of pk=a through a read txn of the pool, as a request reads */
static long lv_read(store_t *s, const store_table *t, arena_t *a)
{
    MDB_txn *txn;
    assert_int_equal(st_rtxn_begin(s, &txn), 0);
    long v = lv_v(s, t, a, txn);
    st_rtxn_end(s, txn);
    return v;
}

static const char *lv_item(arena_t *a, long v)
{
    return arena_printf(a, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"%ld\"}}", v);
}

/* Kept live read txns whose snapshot is older than the last commit */
static size_t lv_stale(store_t *s)
{
    uint64_t last = st_last_txnid(s);
    size_t n = 0;
    pthread_mutex_lock(&s->rpmu);
    for (size_t i = 0; i < s->n_rpool; i++)
        n += s->rpool_snap[i] && s->rpool_snap[i] != last;
    pthread_mutex_unlock(&s->rpmu);
    return n;
}

typedef struct lv_writer_arg {
    store_t *s;
    const store_table *t;
    long n;
    _Atomic long done; /* the last v whose put returned */
    int bad;
} lv_writer_arg;

static void *lv_writer(void *p)
{
    lv_writer_arg *g = p;
    arena_t a;
    arena_init(&a);
    for (long i = 1; i <= g->n && !g->bad; i++) {
        err_t e;
        err_clear(&e);
        g->bad = st_put(g->s, g->t, J(&a, lv_item(&a, i)), &a, &e) != 0;
        atomic_store(&g->done, i);
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

/* Read-your-writes across threads: a write another thread was told is done is seen by every
 * read that starts after, though reads keep their snapshots live between them (a kept
 * snapshot handed out again after a commit would serve the older value).  This process's
 * commit resets the kept live snapshots at once. */
static void test_read_txn_live_threads(void **state)
{
    st_fix *f = *state;
    st_maint_stop(f->s); /* its tick resets old snapshots too: here only the commit's reset */
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, lv_item(&f->a, 0));
    for (long i = 1; i <= 5; i++) {
        assert_int_equal(lv_read(f->s, t, &f->a), i - 1);
        assert_int_equal(st_rpool_live(f->s), 1); /* no commit since: kept live */
        rr_put_elsewhere(f, t, lv_item(&f->a, i));
        assert_int_equal(st_rpool_live(f->s), 0); /* the commit reset it */
        assert_int_equal(lv_read(f->s, t, &f->a), i);
    }
    /* and while another thread writes, each read sees at least what was acknowledged */
    lv_writer_arg g = {.s = f->s, .t = t, .n = 400};
    pthread_t th;
    pthread_create(&th, NULL, lv_writer, &g);
    long reads = 0, behind = 0;
    for (;;) {
        long acked = atomic_load(&g.done);
        long v = lv_read(f->s, t, &f->a);
        behind += v < acked && acked > 0;
        reads++;
        arena_reset(&f->a);
        if (acked == g.n)
            break;
    }
    pthread_join(th, NULL);
    assert_int_equal(g.bad, 0);
    assert_int_equal(behind, 0);
    assert_true(reads > 1);
    assert_int_equal(lv_read(f->s, t, &f->a), g.n);
}

/* The other process (st_spawn_child): table lv's item pk=a gets v=7. */
static int lv_child_put(const char *dir)
{
    return st_child_put(dir, "lv", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"7\"}}"); /* lv_item 7 */
}

static void lv_run_child(const char *dir)
{
    pid_t pid = st_spawn_child("lv_put", dir);
    assert_true(pid > 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Read-your-writes across processes (`ddbchat send` beside the server): a commit of another
 * process resets nothing here, so the read's check of the meta page's txn id is what keeps
 * the kept live snapshot from being served after it. */
static void test_read_txn_live_other_process(void **state)
{
    st_fix *f = *state;
    st_maint_stop(f->s); /* no tick: only the read's own check */
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, lv_item(&f->a, 1));
    assert_int_equal(lv_read(f->s, t, &f->a), 1);
    assert_int_equal(st_rpool_live(f->s), 1);
    lv_run_child(f->dir);
    assert_int_equal(lv_stale(f->s), 1); /* still kept, its snapshot older */
    assert_int_equal(lv_read(f->s, t, &f->a), 7);
    assert_int_equal(lv_stale(f->s), 0); /* given back at the last commit */
}

/* ... and the maintenance thread's tick resets kept snapshots another process's commit made
 * old while this process reads nothing (an idle server beside a CLI that writes), several of
 * them: its own st_cat_check takes and gives back one txn a tick, which alone would leave the
 * rest pinned. */
static void test_read_txn_live_other_process_idle(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, lv_item(&f->a, 1));
    enum { N = 4 };
    rr_hold_together(f->s, t, N);
    assert_true(st_rpool_live(f->s) >= N);
    lv_run_child(f->dir);
    size_t stale = lv_stale(f->s);
    for (int i = 0; i < 200 && stale; i++) { /* the tick is ST_WORK_POLL_MS; 10 s under load */
        usleep(50000);
        stale = lv_stale(f->s);
    }
    assert_int_equal(stale, 0);
    assert_int_equal(lv_read(f->s, t, &f->a), 7);
}

/* Idle readers under a write-heavy load: the snapshots kept live by earlier reads are reset
 * by the first commit, so the writes' freed pages are used again and data.mdb does not grow
 * (kept live until the next read, the 2,000 puts' pages would all be new ones). */
static void test_read_txn_live_no_growth(void **state)
{
    st_fix *f = *state;
    st_maint_stop(f->s); /* no tick: only the commits' resets */
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    enum { K = 40, W = 2000, N = 8 };
    char pad[401];
    memset(pad, 'x', 400);
    pad[400] = 0;
    for (int i = 0; i < K; i++)
        st_put_ok(f->s, t, &f->a,
                  arena_printf(&f->a, "{\"pk\":{\"S\":\"k%d\"},\"p\":{\"S\":\"%s\"}}", i, pad));
    for (int round = 0; round < 2; round++) { /* twice: readers come back after writes */
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, N);
        pthread_t th[N];
        rr_arg g[N];
        for (int i = 0; i < N; i++) {
            g[i] = (rr_arg){.s = f->s, .t = t, .bar = &bar};
            pthread_create(&th[i], NULL, rr_hold, &g[i]);
        }
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(g[i].bad, 0);
        }
        pthread_barrier_destroy(&bar);
        assert_true(st_rpool_live(f->s) >= N); /* idle readers' snapshots, kept live */
        MDB_envinfo i0, i1;
        mdb_env_info(f->s->env, &i0);
        for (int w = 0; w < W; w++) {
            st_put_ok(
                f->s, t, &f->a,
                arena_printf(&f->a,
                             "{\"pk\":{\"S\":\"k%d\"},\"p\":{\"S\":\"%s\"},\"w\":{\"N\":\"%d\"}}",
                             w % K, pad, w));
            arena_reset(&f->a);
        }
        mdb_env_info(f->s->env, &i1);
        /* 0 pages in either round here; without the commits' reset, 9,901 in the first */
        assert_true(i1.me_last_pgno - i0.me_last_pgno < 64);
    }
}

/* The data DB's root page number, from its record in LMDB's main DB (MDB_db: md_root last). */
static size_t lv_data_root(store_t *s)
{
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
    MDB_dbi main;
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &main), 0);
    MDB_val k = {4, "data"}, v;
    assert_int_equal(mdb_get(txn, main, &k, &v), 0);
    size_t root;
    assert_true(v.mv_size >= sizeof root);
    memcpy(&root, (char *)v.mv_data + v.mv_size - sizeof root, sizeof root);
    mdb_txn_abort(txn);
    return root;
}

/* A read that meets a damaged page leaves its LMDB txn in error (MDB_TXN_ERROR: every later
 * call on it is MDB_BAD_TXN).  Such a txn is not kept live for the next read, which would
 * fail on an intact page until the next commit: it is reset, and the renew clears the error,
 * as it did for every read before live snapshots. */
static void test_read_txn_live_not_after_error(void **state)
{
    st_fix *f = *state;
    st_maint_stop(f->s); /* its reads would take the txn from the pool */
    const store_table *t = st_create(f->s, "lv", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, lv_item(&f->a, 4));
    assert_int_equal(lv_read(f->s, t, &f->a), 4);
    /* the root of the data DB (one leaf here) marked neither leaf nor branch, then restored */
    MDB_stat ms;
    assert_int_equal(mdb_env_stat(f->s->env, &ms), 0);
    off_t at = (off_t)(lv_data_root(f->s) * ms.ms_psize + 10); /* MDB_page's mp_flags */
    char path[300];
    snprintf(path, sizeof path, "%s/data.mdb", f->dir);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint16_t flags, bad = 0x8000;
    assert_int_equal(pread(fd, &flags, 2, at), 2);
    assert_int_equal(flags & 0x02, 0x02); /* P_LEAF */
    assert_int_equal(pwrite(fd, &bad, 2, at), 2);
    MDB_txn *txn;
    assert_int_equal(st_rtxn_begin(f->s, &txn), 0);
    assert_int_equal(lv_v(f->s, t, &f->a, txn), -1); /* MDB_CORRUPTED */
    st_rtxn_end(f->s, txn);
    assert_int_equal(pwrite(fd, &flags, 2, at), 2);
    close(fd);
    assert_int_equal(lv_read(f->s, t, &f->a), 4); /* no commit since: the same snapshot */
    assert_int_equal(st_rpool_live(f->s), 1);
}

/* a writer process that dies without store_close loses nothing that was acknowledged */
static void test_crash_keeps_acknowledged(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tk", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_close(f->s);
    f->s = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        store_opts o;
        store_opts_default(&o); /* durable */
        o.ttl_thread = false;
        store_t *s2;
        err_t e;
        err_clear(&e);
        if (store_open(f->dir, &o, &s2, &e))
            _exit(2);
        const store_table *t2 = st_pin(s2, "tk");
        arena_t a;
        arena_init(&a);
        for (int i = 0; i < 50; i++) {
            char txt[64];
            snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%d\"}}", i);
            av_t *it = J(&a, txt);
            store_write w = {.table = t2, .key = it, .apply = st_apply_put, .ctx = it, .arena = &a};
            if (store_write_each(s2, &w, 1, &e) || w.rc)
                _exit(3);
        }
        _exit(0); /* no store_close */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f->s = st_open_dir(f->dir, 0);
    t = st_pin(f->s, "tk");
    av_t *items;
    store_query q = {.table = t};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 50);
}

/* a table deletion interrupted after its catalog record went (a crash) is finished at the
 * next open: the pending marker makes the open remove the orphaned items and counters */
static int drop_record_only(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    const store_table *t = ctx;
    MDB_val k = {strlen(t->name), (void *)t->name};
    int rc = mdb_del(txn, s->db_cat, &k, NULL);
    unsigned char pk[5] = {'d', (unsigned char)(t->id >> 24), (unsigned char)(t->id >> 16),
                           (unsigned char)(t->id >> 8), (unsigned char)t->id};
    MDB_val pkv = {5, pk}, pv = {0, ""};
    if (rc == 0)
        rc = mdb_put(txn, s->db_meta, &pkv, &pv, 0);
    uint64_t g;
    if (rc == 0)
        rc = st_meta_get_u64(s, txn, "gen", &g);
    if (rc == 0)
        rc = st_meta_put_u64(s, txn, "gen", g + 1);
    return rc;
}

static size_t count_data(store_t *s)
{
    MDB_txn *txn;
    assert_int_equal(st_rtxn_begin(s, &txn), 0);
    MDB_stat st;
    assert_int_equal(mdb_stat(txn, s->db_data, &st), 0);
    st_rtxn_end(s, txn);
    return st.ms_entries;
}

static void test_pending_delete_finished_at_open(void **state)
{
    st_fix *f = *state;
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    const store_table *t = st_create(f->s, "tp", st_kd("pk", AV_S, NULL, AV_NONE), &ix, 1);
    for (int i = 0; i < 20; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%d\"},\"gk\":{\"S\":\"g\"}}", i);
        st_put_ok(f->s, t, &f->a, txt);
    }
    assert_int_equal(count_data(f->s), 40);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_write_txn(f->s, drop_record_only, (void *)t, &e), 0);
    assert_int_equal(count_data(f->s), 40); /* orphaned until the next open */
    store_table tcopy = *t;                 /* t dies with the handle */
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    assert_null(st_pin(f->s, "tp"));
    /* the maintenance thread removes it, started by the open */
    for (int w = 0; w < 3000 && count_data(f->s); w++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(count_data(f->s), 0);
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, &tcopy, NULL, &c, &b, &e), 0);
    assert_int_equal(c, 0);
    assert_int_equal(store_table_stats(f->s, &tcopy, &tcopy.idx[0], &c, &b, &e), 0);
    assert_int_equal(c, 0);
}

/* A table's key prefix (store_int.h's layout: tid big-endian, then the index id), written by
 * st_prefix5 where a key is built in place and by st_key_prefix into a buffer: the same five
 * bytes, and st_prefix5_tid reads the tid back (the doctor's and the removal's scans). */
static void test_key_prefix_bytes(void **state)
{
    (void)state;
    static const struct {
        uint32_t tid;
        uint8_t iid;
        unsigned char want[ST_PREFIX_LEN];
    } cases[] = {
        {0x01020304u, 7, {1, 2, 3, 4, 7}},
        {0, 0, {0, 0, 0, 0, 0}},
        {0xFFFFFFFEu, 255, {0xFF, 0xFF, 0xFF, 0xFE, 0xFF}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char p[ST_PREFIX_LEN];
        st_prefix5(p, cases[i].tid, cases[i].iid);
        assert_memory_equal(p, cases[i].want, ST_PREFIX_LEN);
        assert_int_equal(st_prefix5_tid(p), cases[i].tid);
        buf_t b;
        buf_init(&b, 0);
        assert_int_equal(st_key_prefix(&b, cases[i].tid, cases[i].iid), 0);
        assert_int_equal(b.len, ST_PREFIX_LEN);
        assert_memory_equal(b.data, p, ST_PREFIX_LEN);
        assert_int_equal(st_key_prefix(&b, cases[i].tid, cases[i].iid), 0); /* appended */
        assert_int_equal(b.len, 2 * ST_PREFIX_LEN);
        assert_memory_equal(b.data + ST_PREFIX_LEN, p, ST_PREFIX_LEN);
        buf_fini(&b);
    }
}

/* The counter record (store_int.h's layout: "c" tid(BE4) iid -> {u8 version, u64 LE count,
 * u64 LE bytes}) through its one codec: st_cnt_put writes those 17 bytes under that key;
 * st_cnt_get reads them back, and says MDB_NOTFOUND with both counts 0 for a record that is
 * absent or of another length; st_count_add adds to it and never goes below 0. */
typedef struct cnt_case {
    uint32_t tid;
    uint8_t iid;
    int step;
} cnt_case;

static int cnt_write(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    (void)e;
    cnt_case *c = ctx;
    if (c->step == 0)
        return st_cnt_put(s, txn, c->tid, c->iid, 0x0102030405060708ull, 9);
    if (c->step == 1)
        return st_count_add(s, txn, c->tid, c->iid, -1, -20); /* bytes would go below 0 */
    unsigned char k[6] = {'c', 0, 0, 0, 0, 0}, short_rec[16] = {STORE_CNT_VERSION};
    st_prefix5(k + 1, c->tid, c->iid);
    MDB_val kv = {sizeof k, k}, vv = {sizeof short_rec, short_rec};
    return mdb_put(txn, s->db_meta, &kv, &vv, 0);
}

static void test_counter_record(void **state)
{
    st_fix *f = *state;
    cnt_case c = {0x00ABCDEFu, 3, 0};
    err_t e;
    err_clear(&e);
    MDB_txn *txn;
    uint64_t n = 1, b = 1;
    assert_int_equal(st_rtxn_begin(f->s, &txn), 0);
    assert_int_equal(st_cnt_get(f->s, txn, c.tid, c.iid, &n, &b), MDB_NOTFOUND);
    st_rtxn_end(f->s, txn);
    assert_true(n == 0 && b == 0);

    assert_int_equal(st_write_txn(f->s, cnt_write, &c, &e), 0);
    assert_int_equal(st_rtxn_begin(f->s, &txn), 0);
    unsigned char k[6] = {'c', 0x00, 0xAB, 0xCD, 0xEF, 3};
    MDB_val kv = {sizeof k, k}, v;
    assert_int_equal(mdb_get(txn, f->s->db_meta, &kv, &v), 0);
    const unsigned char want[ST_CNT_LEN] = {STORE_CNT_VERSION, 8, 7, 6, 5, 4, 3, 2, 1,
                                            9, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(v.mv_size, ST_CNT_LEN);
    assert_memory_equal(v.mv_data, want, ST_CNT_LEN);
    assert_int_equal(st_cnt_get(f->s, txn, c.tid, c.iid, &n, &b), 0);
    st_rtxn_end(f->s, txn);
    assert_true(n == 0x0102030405060708ull && b == 9);

    c.step = 1;
    assert_int_equal(st_write_txn(f->s, cnt_write, &c, &e), 0);
    assert_int_equal(st_rtxn_begin(f->s, &txn), 0);
    assert_int_equal(st_cnt_get(f->s, txn, c.tid, c.iid, &n, &b), 0);
    st_rtxn_end(f->s, txn);
    assert_true(n == 0x0102030405060707ull && b == 0);

    c.step = 2; /* a record of another length is none */
    assert_int_equal(st_write_txn(f->s, cnt_write, &c, &e), 0);
    assert_int_equal(st_rtxn_begin(f->s, &txn), 0);
    assert_int_equal(st_cnt_get(f->s, txn, c.tid, c.iid, &n, &b), MDB_NOTFOUND);
    st_rtxn_end(f->s, txn);
    assert_true(n == 0 && b == 0);
}

/* The store's stoppable threads (st_thread: the TTL reaper and the maintenance thread):
 * st_thread_stop sets stop under mu and wakes a thread that waits on cv, which ends before
 * stop returns (joined); a second stop, or one of a thread never started, does nothing. */
static atomic_int thr_woken; /* 1: saw stop before its 60 s wait ran out; 2: timed out */
static atomic_bool thr_waiting; /* set under mu just before its first wait */

static void *thr_wait_for_stop(void *arg)
{
    store_t *s = arg;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until); /* cv is on the monotonic clock */
    until.tv_sec += 60; /* far past a loaded machine's scheduling delays */
    pthread_mutex_lock(&s->ttl.mu);
    int rc = 0;
    atomic_store(&thr_waiting, true);
    while (!s->ttl.stop && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->ttl.cv, &s->ttl.mu, &until);
    atomic_store(&thr_woken, s->ttl.stop ? 1 : 2);
    pthread_mutex_unlock(&s->ttl.mu);
    return NULL;
}

static void test_thread_start_stop(void **state)
{
    st_fix *f = *state;
    store_t *s = f->s; /* the fixture runs no TTL thread (ttl_thread false) */
    assert_false(s->ttl.running);
    st_thread_stop(&s->ttl); /* never started: nothing to join */
    assert_false(s->ttl.stop);
    err_t e;
    err_clear(&e);
    atomic_store(&thr_woken, 0);
    atomic_store(&thr_waiting, false);
    assert_int_equal(st_thread_start(&s->ttl, thr_wait_for_stop, s, "TTL", &e), 0);
    assert_true(s->ttl.running);
    assert_false(st_ttl_stopping(s));
    /* stop only once the thread waits (it holds mu from before it says so until it waits):
     * a stop before would be seen without any wake-up */
    for (int i = 0; i < 30000 && !atomic_load(&thr_waiting); i++) /* 30 s at least */
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    assert_true(atomic_load(&thr_waiting));
    int64_t t0 = base_mono_ms();
    st_thread_stop(&s->ttl);
    assert_int_equal(atomic_load(&thr_woken), 1); /* ended, by the wake-up, before stop returned */
    assert_true(base_mono_ms() - t0 < 30000); /* woken: not its 60 s wait run out */
    assert_false(s->ttl.running);
    assert_true(st_ttl_stopping(s));
    st_thread_stop(&s->ttl); /* again: nothing */
}

/* ---- the old-snapshot warning (store.c st_snapshot_watch) ------------------------------ */

/* A process's own long read snapshot (a `ddbchat export`'s one read, a CreateBackup's) is
 * left out of its old-snapshot warning, while another process's is still named; the metric's
 * oldest snapshot is this process's own when it is the oldest.  Before, an export of more
 * than a minute warned about itself ("process <its own pid> has held an LMDB read
 * snapshot"). */
static void test_own_old_snapshot_not_warned(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    o.snapshot_warn_ms = 200;
    err_t e;
    err_clear(&e);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "tbl", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"}}");
    char logp[64];
    int saved = log_capture(logp, sizeof logp);
    MDB_txn *own = NULL;
    assert_int_equal(mdb_txn_begin(f->s->env, NULL, MDB_RDONLY, &own), 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"b\"}}"); /* commits pass it */
    store_env_stats es;
    int64_t age = 0;
    for (int w = 0; w < 60 && age < 800; w++) { /* up to 6 s: its age seen past 4x the bound */
        usleep(100000);
        assert_int_equal(store_env_stats_get(f->s, &es, &e), 0);
        age = es.oldest_snapshot_ms;
    }
    int own_pid = es.oldest_snapshot_pid;
    int own_warned = log_count(logp, "has held an LMDB read snapshot");

    /* another process's snapshot, held as long: named */
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        MDB_env *env;
        MDB_txn *txn;
        char c = 1;
        if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
            mdb_env_open(env, f->dir, MDB_RDONLY, 0600) ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) || write(go[1], &c, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(go[0], &c, 1), 1);
    mdb_txn_abort(own); /* the other's is the oldest now */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"c\"}}");
    char want[96];
    snprintf(want, sizeof want, "process %d has held an LMDB read snapshot", (int)pid);
    bool other_warned = log_wait(logp, want, 6000);
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    log_release(saved, logp);
    close(go[0]);
    close(go[1]);
    assert_true(age >= 800);
    assert_int_equal(own_pid, (int)getpid());
    assert_int_equal(own_warned, 0);
    assert_true(other_warned);
}

int main(int argc, char **argv)
{
    static const st_child children[] = {{"grow_map", child_grow_map},
                                        {"lv_put", lv_child_put},
                                        {"as_limit", child_as_limit},
                                        {"adopt_limit", child_adopt_limit}};
    st_child_main(argc, argv, children, 4);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reopen, st_setup, st_teardown),
        cmocka_unit_test(test_key_prefix_bytes),
        cmocka_unit_test_setup_teardown(test_counter_record, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_thread_start_stop, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_durable, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_secret_kept, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_secret_made_at_open, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_map_growth, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_map_resized_by_other, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_map_growth_concurrent, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_map_growth_refused_by_the_address_space, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_map_adoption_refused_by_the_address_space,
                                        st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_reuse, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_live_threads, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_live_other_process, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_live_other_process_idle, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_live_no_growth, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_live_not_after_error, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_crash_keeps_acknowledged, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_pending_delete_finished_at_open, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_own_old_snapshot_not_warned, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
