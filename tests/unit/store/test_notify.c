/*
 * test_notify — the commit notification (store_change_seq / store_change_wait): the number
 * moves with every write; a waiter returns at once when it already moved, after its timeout
 * when nothing happens, and well before the timeout when another thread commits or when
 * another process commits to the same data dir (noticed by polling LMDB's transaction id).
 * Module: src/store/store.c (its commit notification section).
 */
#include "st_test.h"

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A wait that must end early has a timeout far past anything a loaded machine takes (the
 * CI runs these under ASan beside a Java DynamoDB Local on 2 cores) and is told from the
 * timeout by taking less than half of it; it never asserts how fast it was. */
#define WAIT_LONG_MS 60000
#define WAIT_BOUND_S 30.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const store_table *mk_table(st_fix *f)
{
    return st_create(f->s, "notify", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
}

static void test_seq_and_timeouts(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    uint64_t s0 = store_change_seq(f->s);
    assert_true(s0 > 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"}}");
    uint64_t s1 = store_change_seq(f->s);
    assert_true(s1 != s0);
    double t0 = now_s();
    assert_int_equal(store_change_wait(f->s, s0, WAIT_LONG_MS), s1); /* already moved: no wait */
    assert_true(now_s() - t0 < WAIT_BOUND_S);
    t0 = now_s();
    assert_int_equal(store_change_wait(f->s, s1, 200), s1); /* nothing: the timeout */
    double took = now_s() - t0;
    assert_true(took >= 0.19 && took < WAIT_BOUND_S); /* it ended, whatever the load */
    assert_int_equal(store_change_wait(f->s, s1, 0), s1);
}

typedef struct waiter {
    store_t *s;
    uint64_t seen, got;
    double took;
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;
    double t0 = now_s();
    w->got = store_change_wait(w->s, w->seen, WAIT_LONG_MS);
    w->took = now_s() - t0;
    return NULL;
}

static void test_commit_wakes_waiters(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    waiter w[3];
    pthread_t th[3];
    uint64_t s0 = store_change_seq(f->s);
    for (int i = 0; i < 3; i++) {
        w[i] = (waiter){.s = f->s, .seen = s0};
        assert_int_equal(pthread_create(&th[i], NULL, wait_main, &w[i]), 0);
    }
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"b\"}}");
    for (int i = 0; i < 3; i++) /* all joined before any assert ends the test */
        pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        assert_true(w[i].got != s0);
        assert_true(w[i].took < WAIT_BOUND_S); /* not the timeout */
    }
}

/* `ddbchat send` while the server runs: another process writes to the data dir. */
/* The other process (st_spawn_child): opens the data dir and writes one item. */
static int other_writer(const char *dir)
{
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return st_child_put(dir, "notify", "{\"pk\":{\"S\":\"other\"}}");
}

static void test_other_process_noticed(void **state)
{
    st_fix *f = *state;
    mk_table(f);
    uint64_t s0 = store_change_seq(f->s);
    pid_t pid = st_spawn_child("other_writer", f->dir);
    assert_true(pid > 0);
    double t0 = now_s();
    uint64_t got = store_change_wait(f->s, s0, WAIT_LONG_MS);
    double took = now_s() - t0;
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(got != s0);
    assert_true(took < WAIT_BOUND_S); /* noticed, not the timeout */
}

int main(int argc, char **argv)
{
    static const st_child children[] = {{"other_writer", other_writer}};
    st_child_main(argc, argv, children, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seq_and_timeouts, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_commit_wakes_waiters, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_other_process_noticed, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
