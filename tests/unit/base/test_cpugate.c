/*
 * test_cpugate — at most N threads inside the CPU gate; a paused thread lets another in and
 * gets a place back on resume; calls from threads that never entered are no-ops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/cpugate.h"

#define NTHREADS 8
#define LIMIT 2

static atomic_int inside, max_inside;
static atomic_int go_on;

static void note_in(void)
{
    int n = atomic_fetch_add(&inside, 1) + 1;
    int m = atomic_load(&max_inside);
    while (n > m && !atomic_compare_exchange_weak(&max_inside, &m, n))
        ;
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        cpugate_enter();
        note_in();
        usleep(100);
        atomic_fetch_sub(&inside, 1);
        cpugate_pause(); /* a long wait: not counted */
        usleep(50);
        cpugate_resume();
        note_in();
        usleep(50);
        atomic_fetch_sub(&inside, 1);
        cpugate_leave();
    }
    return NULL;
}

static void test_at_most_limit_inside(void **state)
{
    (void)state;
    cpugate_init(LIMIT);
    cpugate_init(LIMIT + 5); /* later calls change nothing */
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    assert_true(atomic_load(&max_inside) <= LIMIT);
    assert_true(atomic_load(&max_inside) >= 1);
}

static void *pauser(void *arg)
{
    (void)arg;
    cpugate_enter();
    cpugate_pause();
    atomic_store(&go_on, 1);
    while (atomic_load(&go_on) != 2)
        usleep(100);
    cpugate_resume();
    cpugate_leave();
    return NULL;
}

static atomic_int entered;

static void *entrant(void *arg)
{
    (void)arg;
    cpugate_enter();
    atomic_store(&entered, 1);
    cpugate_leave();
    return NULL;
}

/* Every place is taken (main + the pauser); once the pauser pauses, a third thread gets in. */
static void test_pause_frees_a_place(void **state)
{
    (void)state;
    cpugate_init(LIMIT);
    cpugate_enter();
    pthread_t t, u;
    assert_int_equal(pthread_create(&t, NULL, pauser, NULL), 0);
    while (atomic_load(&go_on) != 1)
        usleep(100);
    assert_int_equal(pthread_create(&u, NULL, entrant, NULL), 0);
    for (int i = 0; i < 2000 && !atomic_load(&entered); i++)
        usleep(1000);
    assert_int_equal(atomic_load(&entered), 1);
    pthread_join(u, NULL);
    cpugate_enter(); /* not re-entrant: a no-op */
    atomic_store(&go_on, 2);
    cpugate_leave();
    pthread_join(t, NULL);
    /* never entered: no-ops */
    cpugate_pause();
    cpugate_resume();
    cpugate_leave();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_most_limit_inside),
        cmocka_unit_test(test_pause_frees_a_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
