/*
 * test_tbucket — the capacity token bucket (base/tbucket.h): one second's worth at the start,
 * the configured rate earned per second, at most burst_s seconds kept (AWS keeps 300),
 * debt after a large request paid back at the rate, rate changes keeping the balance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/tbucket.h"

#define S 1000000LL /* one second in us */
#define U TBUCKET_MICRO

/* A new 5-unit bucket admits five 1-unit requests at once, not a sixth. */
static void test_starts_with_one_second(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 5, 300, 0);
    for (int i = 0; i < 5; i++) {
        assert_true(tbucket_can(&b, U, 0));
        tbucket_charge(&b, U);
    }
    assert_false(tbucket_can(&b, U, 0));
    assert_int_equal(tbucket_level(&b, 0), 0);
}

/* Earned at the rate: 5 units/s gives one unit every 200 ms, half a unit every 100 ms. */
static void test_refills_at_rate(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 5, 300, 0);
    tbucket_charge(&b, 5 * U);
    assert_false(tbucket_can(&b, U, S / 10));
    assert_int_equal(tbucket_level(&b, S / 10), U / 2);
    assert_true(tbucket_can(&b, U, S / 5));
    assert_int_equal(tbucket_level(&b, 2 * S), 10 * U);
}

/* Unused capacity is kept up to burst_s seconds: after 10 min idle, 300 s' worth, not 600. */
static void test_burst_is_capped(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 5, 300, 0);
    assert_int_equal(tbucket_level(&b, 600 * S), 1500 * U);
    /* a burst of 1500 units goes through at once, the 1501st does not */
    tbucket_charge(&b, 1500 * U - 1);
    assert_false(tbucket_can(&b, U, 600 * S));
    /* with a one-second bucket nothing is kept beyond the rate */
    tbucket c;
    tbucket_init(&c, 5, 1, 0);
    assert_int_equal(tbucket_level(&c, 600 * S), 5 * U);
}

/* A request larger than the balance is charged in full; the debt is paid back at the rate
 * before anything else is admitted. */
static void test_debt(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 2, 300, 0);
    assert_true(tbucket_can(&b, U, 0));
    tbucket_charge(&b, 10 * U); /* a 10 KB write on a 2 WCU table */
    assert_int_equal(tbucket_level(&b, 0), -8 * U);
    assert_false(tbucket_can(&b, U, 4 * S)); /* back to 0 after 4 s */
    assert_true(tbucket_can(&b, U, 4 * S + S / 2));
}

/* A rate change keeps what was earned, capped at the new size; rate 0 admits nothing; an
 * increase applies at once. */
static void test_set_rate(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 10, 300, 0);
    assert_int_equal(tbucket_level(&b, 100 * S), 1010 * U);
    tbucket_set_rate(&b, 1, 100 * S); /* size 300 units now */
    assert_int_equal(tbucket_level(&b, 100 * S), 300 * U);
    tbucket_set_rate(&b, 100, 100 * S);
    assert_int_equal(tbucket_level(&b, 101 * S), 400 * U);
    tbucket_set_rate(&b, 0, 101 * S);
    assert_false(tbucket_can(&b, 1, 200 * S));
    /* an increase on a spent bucket (or one in debt) gives one second of the new rate */
    tbucket c;
    tbucket_init(&c, 1, 300, 0);
    tbucket_charge(&c, 50 * U);
    tbucket_set_rate(&c, 1000, 0);
    assert_int_equal(tbucket_level(&c, 0), 1000 * U);
    /* a decrease does not */
    tbucket_charge(&c, 1000 * U);
    tbucket_set_rate(&c, 10, 0);
    assert_int_equal(tbucket_level(&c, 0), 0);
}

/* A refund gives back an over-charge, never beyond the size; a clock that goes backwards
 * (another thread's earlier reading) adds nothing. */
static void test_refund_and_clock(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, 3, 300, 10 * S);
    tbucket_charge(&b, 3 * U);
    tbucket_refund(&b, U);
    assert_int_equal(tbucket_level(&b, 10 * S), U);
    assert_int_equal(tbucket_level(&b, 5 * S), U);
    tbucket_refund(&b, 10000 * U);
    assert_int_equal(tbucket_level(&b, 10 * S), 900 * U);
    /* days idle: no overflow, exactly full */
    assert_int_equal(tbucket_level(&b, 10 * S + 30LL * 86400 * S), 900 * U);
    tbucket big;
    tbucket_init(&big, 40000, 300, 0);
    assert_int_equal(tbucket_level(&big, 365LL * 86400 * S), 40000LL * 300 * U);
}

/* Any 64-bit rate (a table's OnDemandThroughput may be 2^63-1): no overflow (UBSan aborted
 * here before the clamp), and such a bucket admits what it is asked for. */
static void test_huge_rates(void **state)
{
    (void)state;
    tbucket b;
    tbucket_init(&b, INT64_MAX, INT64_MAX, 0);
    assert_true(tbucket_can(&b, 1000 * U, 1));
    tbucket_charge(&b, 1000 * U);
    assert_true(tbucket_can(&b, 1000 * U, 2));
    assert_int_equal(tbucket_level(&b, 365LL * 86400 * S),
                     TBUCKET_RATE_MAX * TBUCKET_BURST_MAX * U);
    tbucket_set_rate(&b, INT64_MAX, 400LL * 86400 * S);
    assert_true(tbucket_can(&b, 1000 * U, 400LL * 86400 * S + 1));
    tbucket_set_rate(&b, 10000000000000LL, 401LL * 86400 * S);
    assert_int_equal(b.rate, TBUCKET_RATE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_with_one_second),
        cmocka_unit_test(test_refills_at_rate),
        cmocka_unit_test(test_burst_is_capped),
        cmocka_unit_test(test_debt),
        cmocka_unit_test(test_set_rate),
        cmocka_unit_test(test_refund_and_clock),
        cmocka_unit_test(test_huge_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
