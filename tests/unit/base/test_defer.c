/*
 * test_defer — a thread's calls put off to the end of a scope (base/defer.h): nothing is
 * queued outside a scope, queued calls run in order at the outermost end (more than the
 * inline room too), a call queued while they run runs as well, and each thread has its own.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/defer.h"

#define N_MAX 200

typedef struct rec {
    int n;
    int order[N_MAX];
} rec;

static rec got;

static void note(void *arg)
{
    if (got.n < N_MAX)
        got.order[got.n] = (int)(intptr_t)arg;
    got.n++;
}

/* Outside a scope nothing is queued: the caller runs the step itself. */
static void test_no_scope(void **state)
{
    (void)state;
    got.n = 0;
    assert_false(defer_call(note, (void *)1));
    defer_scope_end(); /* an end without a begin does nothing */
    assert_int_equal(got.n, 0);
    assert_false(defer_call(note, (void *)1));
}

/* Queued calls run at the end, in order (200: past the inline room), and not before; the
 * scope is closed afterwards. */
static void test_runs_at_end_in_order(void **state)
{
    (void)state;
    got.n = 0;
    defer_scope_begin();
    for (int i = 0; i < N_MAX; i++)
        assert_true(defer_call(note, (void *)(intptr_t)i));
    assert_int_equal(got.n, 0);
    defer_scope_end();
    assert_int_equal(got.n, N_MAX);
    for (int i = 0; i < N_MAX; i++)
        assert_int_equal(got.order[i], i);
    assert_false(defer_call(note, (void *)1));
    assert_int_equal(got.n, N_MAX);
}

/* Nested scopes: the calls run at the outermost end only. */
static void test_nested(void **state)
{
    (void)state;
    got.n = 0;
    defer_scope_begin();
    assert_true(defer_call(note, (void *)1));
    defer_scope_begin();
    assert_true(defer_call(note, (void *)2));
    defer_scope_end();
    assert_int_equal(got.n, 0);
    defer_scope_end();
    assert_int_equal(got.n, 2);
    assert_int_equal(got.order[0], 1);
    assert_int_equal(got.order[1], 2);
}

static void requeue(void *arg)
{
    note(arg);
    if ((intptr_t)arg < 40) /* queued while the end runs the queue: runs in the same end */
        assert_true(defer_call(requeue, (void *)((intptr_t)arg + 10)));
}

/* A call queued by a running deferred call joins the same end. */
static void test_queued_while_running(void **state)
{
    (void)state;
    got.n = 0;
    defer_scope_begin();
    assert_true(defer_call(requeue, (void *)0));
    assert_true(defer_call(requeue, (void *)1));
    defer_scope_end();
    assert_int_equal(got.n, 10); /* 0 1 10 11 20 21 30 31 40 41 */
    assert_int_equal(got.order[9], 41);
    assert_false(defer_call(note, (void *)1));
}

static void *other_thread(void *arg)
{
    *(bool *)arg = defer_call(note, (void *)1);
    return NULL;
}

/* A scope is the opening thread's: another thread's defer_call is not queued in it. */
static void test_per_thread(void **state)
{
    (void)state;
    got.n = 0;
    bool queued = true;
    pthread_t th;
    defer_scope_begin();
    assert_int_equal(pthread_create(&th, NULL, other_thread, &queued), 0);
    pthread_join(th, NULL);
    assert_false(queued);
    defer_scope_end();
    assert_int_equal(got.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_scope),
        cmocka_unit_test(test_runs_at_end_in_order),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_queued_while_running),
        cmocka_unit_test(test_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
