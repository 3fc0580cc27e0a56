/*
 * test_trigger — the --trigger-max-record-age rule (messaging/trigger.c,
 * msg_trigger_surely_older): a record is discarded only when every time it may have been
 * made at, given the precision of ApproximateCreationDateTime and the stream's clock skew, is
 * older than the maximum age; and the say-once rule of a retried condition
 * (msg_trigger_streak).  The rest of the trigger runs commands and is covered end to end
 * (tests/e2e/test_stream_triggers.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "messaging/trigger.h"

#define MIN_MS 60000LL
#define T0 (1796000000LL * 1000 / MIN_MS * MIN_MS) /* a whole minute */

/* DynamoDB Local floors the time to the minute: a record written at :55 and looked at 8 s
 * later (the next minute's :03) reads as 63 s old; with a 60 s maximum it is not discarded
 * (before: it was, unrun, review26 finding 9), and only once its whole minute is past. */
static void test_surely_older_allows_minute_times(void **state)
{
    (void)state;
    int64_t at = T0; /* written at T0 + 55 s, floored */
    assert_false(msg_trigger_surely_older(at, false, 0, T0 + 63000, 60));
    assert_false(msg_trigger_surely_older(at, false, 0, T0 + 119999, 60));
    assert_true(msg_trigger_surely_older(at, false, 0, T0 + 120000, 60));
    /* the remote stream's clock skew is added */
    assert_false(msg_trigger_surely_older(at, false, 2, T0 + 121999, 60));
    assert_true(msg_trigger_surely_older(at, false, 2, T0 + 122000, 60));
}

/* Whole seconds (AWS, ddbchat): at most 1 s of rounding, so a record is discarded between S
 * and S + 1 s after it was made. */
static void test_surely_older_with_second_times(void **state)
{
    (void)state;
    int64_t at = T0 + 7000;
    assert_false(msg_trigger_surely_older(at, true, 0, at + 4000, 4));
    assert_false(msg_trigger_surely_older(at, true, 0, at + 4999, 4));
    assert_true(msg_trigger_surely_older(at, true, 0, at + 5000, 4));
    assert_false(msg_trigger_surely_older(at, true, 2, at + 6999, 4));
    assert_true(msg_trigger_surely_older(at, true, 2, at + 7000, 4));
    /* a week, the flag's maximum, does not overflow */
    assert_false(msg_trigger_surely_older(at, true, 0, at + 604800000LL, 604800));
    assert_true(msg_trigger_surely_older(at, true, 0, at + 604801000LL, 604800));
}

/* Records a batch could not take for want of memory are tried again until they fit: said
 * when that starts and summed up when it ends, not at each try (the loop tries each second,
 * and at each pass: before, an error line every time, for as long as memory was short). */
static void test_a_streak_is_said_once_then_summed_up(void **state)
{
    (void)state;
    msg_trigger_streak s = {0};
    long tries = -1;
    int64_t ms = -1;
    assert_false(msg_trigger_streak_ok(&s, 1000, &tries, &ms)); /* no streak: nothing said */
    assert_int_equal(tries, 0);
    assert_true(msg_trigger_streak_fail(&s, 5000));
    for (int i = 1; i < 30; i++) /* thirty tries a second apart: the first one said */
        assert_false(msg_trigger_streak_fail(&s, 5000 + i * 1000));
    assert_true(msg_trigger_streak_ok(&s, 35500, &tries, &ms));
    assert_int_equal(tries, 30);
    assert_int_equal(ms, 30500);
    assert_false(msg_trigger_streak_ok(&s, 36000, &tries, &ms)); /* over: said once */
    assert_true(msg_trigger_streak_fail(&s, 40000)); /* a new streak is said again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_streak_is_said_once_then_summed_up),
        cmocka_unit_test(test_surely_older_allows_minute_times),
        cmocka_unit_test(test_surely_older_with_second_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
