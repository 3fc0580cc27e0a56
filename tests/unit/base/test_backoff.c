/*
 * test_backoff — the retry back-off (base/backoff.h): first_ms, doubling to max_ms, a streak
 * said once at its start and once at its end, a new streak from first_ms again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/backoff.h"

/* 200 ms doubling to 10 s: 200, 400, ... 6400, then 10000 for good; only the first failure
 * starts the streak; a success ends it (once) and the next failure starts from 200. */
static void test_doubles_to_max_and_restarts(void **state)
{
    (void)state;
    backoff b;
    backoff_init(&b, 200, 10000);
    assert_false(backoff_failing(&b));
    assert_false(backoff_ok(&b)); /* no streak to end */
    static const int64_t want[] = {200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool started = false;
        assert_int_equal(backoff_fail(&b, &started), want[i]);
        assert_int_equal(started, i == 0);
        assert_true(backoff_failing(&b));
    }
    assert_true(backoff_ok(&b));
    assert_false(backoff_ok(&b));
    assert_false(backoff_failing(&b));
    bool started = false;
    assert_int_equal(backoff_fail(&b, &started), 200);
    assert_true(started);
    assert_int_equal(backoff_fail(&b, NULL), 400);
}

/* A maximum below the first wait is the first wait; a first wait below 1 ms is 1 ms; the
 * doubling never overflows. */
static void test_bounds(void **state)
{
    (void)state;
    backoff b;
    backoff_init(&b, 500, 100);
    assert_int_equal(backoff_fail(&b, NULL), 500);
    assert_int_equal(backoff_fail(&b, NULL), 500);
    backoff_init(&b, 0, 3);
    assert_int_equal(backoff_fail(&b, NULL), 1);
    assert_int_equal(backoff_fail(&b, NULL), 2);
    assert_int_equal(backoff_fail(&b, NULL), 3);
    assert_int_equal(backoff_fail(&b, NULL), 3);
    backoff_init(&b, 1, INT64_MAX);
    for (int i = 0; i < 200; i++)
        assert_true(backoff_fail(&b, NULL) > 0);
    assert_int_equal(backoff_fail(&b, NULL), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubles_to_max_and_restarts),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
