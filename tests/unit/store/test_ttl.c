/*
 * test_ttl — the TTL reaper.  Module: src/store/ttl.c.
 *
 * DynamoDB: only N values count; an expiry more than five years in the past is ignored;
 * deletes go through the write path so index entries and counters follow.
 */
#include "st_test.h"

#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store/store_int.h"

/* Seconds this process's clock_gettime(CLOCK_REALTIME) adds to the kernel's wall clock, which
 * the kernel's own CLOCK_REALTIME waits keep (test_ttl_thread_wall_clock_step).  This
 * definition is the one the store's code linked into this test calls. */
static atomic_llong wall_step_s;

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    int rc = (int)syscall(SYS_clock_gettime, clock, ts);
    if (rc == 0 && clock == CLOCK_REALTIME)
        ts->tv_sec += (time_t)atomic_load(&wall_step_s);
    return rc;
}

static void test_ttl_pass(void **state)
{
    st_fix *f = *state;
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_KEYS_ONLY);
    const store_table *t = st_create(f->s, "tt", st_kd("pk", AV_S, NULL, AV_NONE), &ix, 1);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_set_ttl(f->s, "tt", "exp", &e), 0);
    int64_t now = 1800000000;
    struct {
        const char *item;
        bool gone;
    } cases[] = {
        {"{\"pk\":{\"S\":\"past\"},\"gk\":{\"S\":\"g\"},\"exp\":{\"N\":\"1799999999\"}}", true},
        {"{\"pk\":{\"S\":\"now\"},\"gk\":{\"S\":\"g\"},\"exp\":{\"N\":\"1800000000\"}}", true},
        {"{\"pk\":{\"S\":\"nowfrac\"},\"exp\":{\"N\":\"1800000000.5\"}}", false},
        {"{\"pk\":{\"S\":\"pastfrac\"},\"exp\":{\"N\":\"1799999999.5\"}}", true},
        {"{\"pk\":{\"S\":\"future\"},\"gk\":{\"S\":\"g\"},\"exp\":{\"N\":\"1800000001\"}}", false},
        {"{\"pk\":{\"S\":\"string\"},\"exp\":{\"S\":\"1\"}}", false},
        {"{\"pk\":{\"S\":\"noattr\"}}", false},
        {"{\"pk\":{\"S\":\"4years\"},\"exp\":{\"N\":\"1673856000\"}}", true},
        {"{\"pk\":{\"S\":\"6years\"},\"exp\":{\"N\":\"1610697600\"}}", false},
        {"{\"pk\":{\"S\":\"negative\"},\"exp\":{\"N\":\"-5\"}}", false},
        {"{\"pk\":{\"S\":\"huge\"},\"exp\":{\"N\":\"100000000000000000000\"}}", false},
    };
    size_t nc = sizeof cases / sizeof cases[0], ngone = 0;
    for (size_t i = 0; i < nc; i++) {
        st_put_ok(f->s, t, &f->a, cases[i].item);
        ngone += cases[i].gone;
    }
    size_t del = 0;
    assert_int_equal(st_ttl_pass(f->s, now, &del, &e), 0);
    assert_int_equal(del, ngone);
    for (size_t i = 0; i < nc; i++) {
        av_t got;
        bool found;
        assert_int_equal(store_get(f->s, t, J(&f->a, cases[i].item), &f->a, &got, &found, &e), 0);
        if (found == cases[i].gone)
            fprintf(stderr, "case %s\n", cases[i].item);
        assert_int_equal(found, !cases[i].gone);
    }
    av_t *items;
    store_query q = {.table = t, .index = &t->idx[0]};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 1); /* only "future" is left */
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, t, NULL, &c, &b, &e), 0);
    assert_int_equal(c, nc - ngone);
    /* TTL disabled: nothing is reaped */
    assert_int_equal(st_set_ttl(f->s, "tt", "", &e), 0);
    assert_int_equal(st_ttl_pass(f->s, now + 100, &del, &e), 0);
    assert_int_equal(del, 0);
}

/* A table with a sort key, past a batch (500 expired keys): the delete gets each item's hash and
 * range (only those are kept from the scanned items) and finds it; the sort key sits before
 * the partition key in some items' attribute order. */
static void test_ttl_pass_range_key_batches(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tr", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_set_ttl(f->s, "tr", "exp", &e), 0);
    int64_t now = 1800000000;
    char txt[160];
    size_t n = 1200, ngone = 0;
    for (size_t i = 0; i < n; i++) {
        bool gone = i % 3 != 0;
        if (i % 2)
            snprintf(txt, sizeof txt,
                     "{\"sk\":{\"N\":\"%zu\"},\"pk\":{\"S\":\"p%zu\"},\"exp\":{\"N\":\"%lld\"}}",
                     i, i % 7, (long long)(gone ? now - 1 : now + 1));
        else
            snprintf(txt, sizeof txt,
                     "{\"pk\":{\"S\":\"p%zu\"},\"exp\":{\"N\":\"%lld\"},\"sk\":{\"N\":\"%zu\"}}",
                     i % 7, (long long)(gone ? now - 1 : now + 1), i);
        st_put_ok(f->s, t, &f->a, txt);
        ngone += gone;
    }
    size_t del = 0;
    assert_int_equal(st_ttl_pass(f->s, now, &del, &e), 0);
    assert_int_equal(del, ngone);
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, t, NULL, &c, &b, &e), 0);
    assert_int_equal(c, n - ngone);
    for (size_t i = 0; i < n; i += 97) {
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"p%zu\"},\"sk\":{\"N\":\"%zu\"}}", i % 7, i);
        av_t got;
        bool found;
        assert_int_equal(store_get(f->s, t, J(&f->a, txt), &f->a, &got, &found, &e), 0);
        assert_int_equal(found, i % 3 == 0);
    }
}

/* the background thread reaps on its own */
static void test_ttl_thread(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = true;
    o.ttl_interval_ms = 20;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "tt", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    assert_int_equal(st_set_ttl(f->s, "tt", "exp", &e), 0);
    char txt[128];
    snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"a\"},\"exp\":{\"N\":\"%lld\"}}",
             (long long)time(NULL) - 10);
    st_put_ok(f->s, t, &f->a, txt);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"keep\"},\"exp\":{\"N\":\"99999999999\"}}");
    bool found = true;
    for (int i = 0; i < 200 && found; i++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
        av_t got;
        assert_int_equal(
            store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &got, &found, &e), 0);
    }
    assert_false(found);
    av_t got;
    assert_int_equal(
        store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"keep\"}}"), &f->a, &got, &found, &e), 0);
    assert_true(found);
}

/* The reaper's rest is an interval: on the monotonic clock.  Here the wall clock the store
 * reads is an hour ahead of the one a CLOCK_REALTIME wait keeps, as after the wall clock was
 * stepped back an hour (NTP, a VM resume, `date -s`) while a deadline was pending: the
 * expired item is still reaped within the 20 ms interval.  Failed before (ttl.c's wait was a
 * CLOCK_REALTIME deadline): the thread slept an hour and the item stayed. */
static void test_ttl_thread_wall_clock_step(void **state)
{
    st_fix *f = *state;
    st_close(f->s);
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = true;
    o.ttl_interval_ms = 20;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_open(f->dir, &o, &f->s, &e), 0);
    const store_table *t = st_create(f->s, "tt", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    assert_int_equal(st_set_ttl(f->s, "tt", "exp", &e), 0);
    atomic_store(&wall_step_s, 3600);
    struct timespec rest = {0, 100 * 1000000}; /* the thread is inside a wait set after it */
    nanosleep(&rest, NULL);
    char txt[128];
    snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"a\"},\"exp\":{\"N\":\"%lld\"}}",
             (long long)time(NULL) - 10);
    st_put_ok(f->s, t, &f->a, txt);
    bool found = true;
    for (int i = 0; i < 200 && found; i++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
        av_t got;
        assert_int_equal(
            store_get(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), &f->a, &got, &found, &e), 0);
    }
    atomic_store(&wall_step_s, 0);
    assert_false(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ttl_pass, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_pass_range_key_batches, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_thread, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_thread_wall_clock_step, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
