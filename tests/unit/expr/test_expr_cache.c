/*
 * Unit tests for expr/expr_cache: cached parse+resolve gives the same trees as the uncached
 * path (same evaluation results, same errors), failures are not cached, eviction keeps at
 * most max entries and still answers correctly, and 8 threads sharing a small cache (heavy
 * eviction) always get the right result (run under ASan in the sanitizer build).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "expr_test_util.h"

static const char *ITEM = "{\"a\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"}}";

/* "a = :v<i>" style expressions whose truth depends on i: true iff i % 3 == 0. */
static void text_for(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s AND attribute_exists(s) AND size(s) >= :one",
             i % 3 == 0 ? "a = :five" : "a <> :five");
}

static bool run(expr_cache *c, arena_t *a, int i, err_t *e)
{
    char text[128];
    text_for(i, text, sizeof text);
    /* vary the text so that there are many distinct keys */
    size_t len = strlen(text);
    char padded[160];
    int pad = i % 32;
    memcpy(padded, text, len);
    memset(padded + len, ' ', (size_t)pad);
    av_t item = titem(a, ITEM);
    av_t vals = titem(a, "{\":five\":{\"N\":\"5\"},\":one\":{\"N\":\"1\"}}");
    expr_env env;
    assert_int_equal(expr_env_init(&env, a, NULL, &vals, e), 0);
    expr_t *x;
    assert_int_equal(
        expr_cache_resolve(c, a, EXPR_CONDITION, padded, len + (size_t)pad, &env, &x, e), 0);
    assert_int_equal(expr_env_check_unused(&env, e), 0);
    bool r;
    assert_int_equal(expr_eval(x, &item, &r, e), 0);
    return r;
}

static void test_same_results(void **state)
{
    expr_cache *c = expr_cache_new(4);
    assert_non_null(c);
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 12; i++) {
            assert_int_equal(run(c, &a, i, &e), i % 3 == 0);
            assert_int_equal(run(NULL, &a, i, &e), i % 3 == 0);
            arena_reset(&a);
        }
    uint64_t hits, misses;
    expr_cache_stats(c, &hits, &misses);
    assert_int_equal(hits + misses, 36);
    assert_true(misses >= 12); /* 12 keys, 4 slots: every first use misses */
    /* a small working set stays cached */
    expr_cache_free(c);
    c = expr_cache_new(4);
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < 3; i++) {
            assert_int_equal(run(c, &a, i, &e), i % 3 == 0);
            arena_reset(&a);
        }
    expr_cache_stats(c, &hits, &misses);
    assert_int_equal(misses, 3);
    assert_int_equal(hits, 12);
    expr_cache_free(c);
    expr_cache_free(NULL);
    assert_null(expr_cache_new(0));
    arena_fini(&a);
}

static void test_errors_not_cached(void **state)
{
    expr_cache *c = expr_cache_new(8);
    arena_t a;
    arena_init(&a);
    err_t e;
    for (int k = 0; k < 2; k++) {
        err_clear(&e);
        expr_t *x;
        assert_int_equal(expr_cache_resolve(c, &a, EXPR_CONDITION, "a x", 3, NULL, &x, &e),
                         ERR_VALIDATION);
        assert_string_equal(
            e.msg, "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"a x\"");
        /* parsed fine, fails in resolve: the parse is cached, the error repeats */
        err_clear(&e);
        assert_int_equal(expr_cache_resolve(c, &a, EXPR_UPDATE, "SET a = :v", 10, NULL, &x, &e),
                         ERR_VALIDATION);
        assert_string_equal(e.msg, "Invalid UpdateExpression: An expression attribute value used "
                                   "in expression is not defined; attribute value: :v");
    }
    uint64_t hits, misses;
    expr_cache_stats(c, &hits, &misses);
    assert_int_equal(misses, 3); /* "a x" twice, "SET a = :v" once */
    assert_int_equal(hits, 1);
    /* the kind is part of the key */
    expr_t *x;
    err_clear(&e);
    assert_int_equal(expr_cache_resolve(c, &a, EXPR_FILTER, "a x", 3, NULL, &x, &e),
                     ERR_VALIDATION);
    assert_string_equal(e.msg,
                        "Invalid FilterExpression: Syntax error; token: \"x\", near: \"a x\"");
    expr_cache_free(c);
    arena_fini(&a);
}

typedef struct worker {
    expr_cache *c;
    int seed;
    int bad;
} worker;

static void *hammer(void *arg)
{
    worker *w = arg;
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    unsigned s = (unsigned)w->seed;
    for (int k = 0; k < 3000; k++) {
        s = s * 1103515245u + 12345u;
        int i = (int)((s >> 16) % 40);
        if (run(w->c, &a, i, &e) != (i % 3 == 0))
            w->bad++;
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static void test_threads(void **state)
{
    expr_cache *c = expr_cache_new(8);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){.c = c, .seed = i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    uint64_t hits, misses;
    expr_cache_stats(c, &hits, &misses);
    assert_int_equal(hits + misses, 8 * 3000);
    assert_true(hits > 0 && misses > 0);
    expr_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_results),
        cmocka_unit_test(test_errors_not_cached),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
