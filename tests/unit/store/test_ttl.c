/*
 * test_ttl — the TTL reaper.  Module: src/store/ttl.c.
 *
 * DynamoDB: only N values count; an expiry more than five years in the past is ignored;
 * deletes go through the write path so index entries and counters follow.
 */
#include "st_test.h"

#include <time.h>

#include "store/store_int.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ttl_pass, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_thread, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
