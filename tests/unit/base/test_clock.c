/*
 * test_clock — the clocks in ms (base/clock.h) and base_deadline, the time ms from now as
 * pthread_cond_timedwait takes it: on either clock, within the call's own span, its
 * nanoseconds always below one second (the carry past a whole second: 999 ms + 999 ms); and
 * base_cond_init_mono's condition variable, which waits on the monotonic clock.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "base/clock.h"

static int64_t ns_of(struct timespec ts)
{
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ns_of(ts);
}

static void deadlines_on(clockid_t clock)
{
    static const int64_t ms[] = {0, 1, 999, 1000, 1001, 1500, 59999, 86400000 + 999};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        for (int k = 0; k < 200; k++) { /* now's nanoseconds vary: the carry is met */
            int64_t t0 = now_ns(clock);
            struct timespec d = base_deadline(clock, ms[i]);
            int64_t t1 = now_ns(clock);
            assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
            assert_true(ns_of(d) >= t0 + ms[i] * 1000000);
            assert_true(ns_of(d) <= t1 + ms[i] * 1000000);
        }
}

static void test_deadline_realtime(void **state)
{
    (void)state;
    deadlines_on(CLOCK_REALTIME);
}

static void test_deadline_monotonic(void **state)
{
    (void)state;
    deadlines_on(CLOCK_MONOTONIC);
}

static void test_ms_clocks(void **state)
{
    (void)state;
    int64_t a = base_mono_ms(), w = base_wall_ms();
    assert_true(base_mono_ms() >= a);
    assert_true(w > (int64_t)1600000000 * 1000); /* ms since the epoch, not seconds */
}

/* base_cond_init_mono's cv takes its deadlines on the monotonic clock: a wait until 50 ms from
 * now on that clock lasts those 50 ms.  On a cv of the default clock (CLOCK_REALTIME) the same
 * deadline is the machine's uptime after 1970, long past: the wait ended at once. */
static void test_cond_waits_on_the_monotonic_clock(void **state)
{
    (void)state;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv;
    base_cond_init_mono(&cv);
    pthread_mutex_lock(&mu);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec d = base_deadline(CLOCK_MONOTONIC, 50);
    int rc = 0;
    while (rc == 0) /* a spurious wake-up waits again */
        rc = pthread_cond_timedwait(&cv, &mu, &d);
    int64_t waited = now_ns(CLOCK_MONOTONIC) - t0;
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&cv);
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(waited >= (int64_t)50 * 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_realtime),
        cmocka_unit_test(test_deadline_monotonic),
        cmocka_unit_test(test_ms_clocks),
        cmocka_unit_test(test_cond_waits_on_the_monotonic_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
