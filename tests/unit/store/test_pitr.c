/*
 * test_pitr — store/pitr.c: history written with each change, the table as of a moment,
 * the window, trimming and the state of disabled or deleted tables.
 */
#include "st_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "store/pitr.h"
#include "store/store_int.h"

#define DAY_MS STORE_PITR_DAY_MS

typedef struct col {
    char *v[64];
    size_t n;
} col;

static int col_item(void *ctx, const av_t *item, err_t *e)
{
    (void)e;
    col *c = ctx;
    assert_true(c->n < 64);
    c->v[c->n++] = JS(item);
    return 0;
}

static int col_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table as of at_ms, as sorted JSON texts joined by '|' (malloc'ed). */
static char *as_of(store_t *s, const store_table *t, int64_t at_ms)
{
    col c = {0};
    err_t e = {0};
    int rc = store_pitr_snapshot(s, t, at_ms, NULL, col_item, &c, &e);
    if (rc)
        fprintf(stderr, "snapshot: %s\n", e.msg);
    assert_int_equal(rc, 0);
    qsort(c.v, c.n, sizeof *c.v, col_cmp);
    size_t len = 1;
    for (size_t i = 0; i < c.n; i++)
        len += strlen(c.v[i]) + 1;
    char *out = calloc(1, len);
    assert_non_null(out);
    for (size_t i = 0; i < c.n; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, c.v[i]);
        free(c.v[i]);
    }
    return out;
}

/* The linker wraps clock_gettime in this executable (CMakeLists.txt): while mono_pause_us is
 * set, a thread that read CLOCK_MONOTONIC is put aside that long before it goes on, as a busy
 * machine's scheduler does between two readings. */
int __real_clock_gettime(clockid_t clock, struct timespec *ts);
static atomic_int mono_pause_us;

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
    int rc = __real_clock_gettime(clock, ts);
    int pause = atomic_load(&mono_pause_us);
    if (clock == CLOCK_MONOTONIC && pause)
        usleep((useconds_t)pause);
    return rc;
}

/* ... and realloc: while counting_reallocs is set on a thread, the largest size it asked of
 * realloc (test_snapshot_holds_keys_only). */
void *__real_realloc(void *p, size_t n);
static _Thread_local bool counting_reallocs;
static _Thread_local size_t largest_realloc;

void *__wrap_realloc(void *p, size_t n)
{
    if (counting_reallocs && n > largest_realloc)
        largest_realloc = n;
    return __real_realloc(p, n);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The monotonic clock in us (the history's clock moves on from its readings). */
static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* a moment strictly between the writes before and after it */
static int64_t moment(void)
{
    usleep(5000);
    int64_t m = now_ms();
    usleep(5000);
    return m;
}

/* want: items as JSON texts joined by '|', in any order */
static void expect(store_t *s, const store_table *t, int64_t at, const char *want_any)
{
    char *got = as_of(s, t, at);
    char *parts[64], *copy = strdup(want_any), *save = NULL;
    assert_non_null(copy);
    size_t np = 0;
    for (char *p = strtok_r(copy, "|", &save); p && np < 64; p = strtok_r(NULL, "|", &save))
        parts[np++] = p;
    qsort(parts, np, sizeof *parts, col_cmp);
    char want[4096] = "";
    for (size_t i = 0; i < np; i++) {
        if (i)
            strncat(want, "|", sizeof want - strlen(want) - 1);
        strncat(want, parts[i], sizeof want - strlen(want) - 1);
    }
    free(copy);
    if (strcmp(got, want))
        fprintf(stderr, "as of %lld\n  got:  %s\n  want: %s\n", (long long)at, got, want);
    assert_string_equal(got, want);
    free(got);
}

#define I(k, n) "{\"n\":{\"N\":\"" #n "\"},\"pk\":{\"S\":\"" #k "\"}}"

/* Puts, overwrites and deletes: every moment of the window comes back exactly; writes from
 * before recovery was enabled are in the base state; other tables write no history. */
static void test_restore_any_moment(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    const store_table *o = st_create(f->s, "oth", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    st_put_ok(f->s, t, &f->a, I(a, 1));
    st_put_ok(f->s, t, &f->a, I(b, 1));
    store_pitr p;
    assert_int_equal(store_pitr_get(f->s, t, &p, &e), 0);
    assert_false(p.enabled);
    /* no recovery: no history, and no snapshot */
    col c = {0};
    assert_int_equal(store_pitr_snapshot(f->s, t, now_ms(), NULL, col_item, &c, &e),
                     ERR_VALIDATION);
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, &p, &e), 0);
    assert_true(p.enabled);
    assert_int_equal(p.days, 35);
    int64_t since = p.since_ms;
    int64_t m0 = moment();
    st_put_ok(f->s, t, &f->a, I(a, 2));
    st_put_ok(f->s, o, &f->a, I(x, 1));
    int64_t m1 = moment();
    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"b\"}}"), &f->a), 0);
    st_put_ok(f->s, t, &f->a, I(c, 1));
    st_put_ok(f->s, t, &f->a, I(a, 3));
    int64_t m2 = moment();
    st_put_ok(f->s, t, &f->a, I(b, 7)); /* back after its deletion */
    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"c\"}}"), &f->a), 0);
    int64_t m3 = moment();

    expect(f->s, t, since, I(a, 1) "|" I(b, 1));
    expect(f->s, t, m0, I(a, 1) "|" I(b, 1));
    expect(f->s, t, m1, I(a, 2) "|" I(b, 1));
    expect(f->s, t, m2, I(a, 3) "|" I(c, 1));
    expect(f->s, t, m3, I(a, 3) "|" I(b, 7));
    /* before the window */
    assert_int_equal(store_pitr_snapshot(f->s, t, since - 1, NULL, col_item, &c, &e),
                     ERR_VALIDATION);
    uint64_t n = 0;
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 6);
    assert_int_equal(store_pitr_count(f->s, o, &n, &e), 0);
    assert_int_equal(n, 0);
    /* enabling again keeps the window's start, takes the new retention */
    assert_int_equal(store_pitr_set(f->s, t, true, 7, 7 * DAY_MS, &p, &e), 0);
    assert_int_equal(p.since_ms, since);
    assert_int_equal(p.days, 7);
}

/* A failed condition, a cancelled transaction and an unchanged item write no history; a
 * transaction's writes are all in it. */
static void test_only_committed_changes(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    st_put_ok(f->s, t, &f->a, I(a, 1));
    store_write w[2] = {
        {.table = t, .key = J(&f->a, I(a, 5)), .apply = st_apply_put, .arena = &f->a},
        {.table = t, .key = J(&f->a, "{\"pk\":{\"S\":\"a\"}}"), .apply = st_apply_fail,
         .arena = &f->a},
    };
    w[0].ctx = (void *)w[0].key;
    assert_int_not_equal(store_write_atomic(f->s, w, 2, &e), 0); /* cancelled */
    assert_int_equal(store_write_each(f->s, &w[1], 1, &e), 0);
    /* deleting an absent item changes nothing */
    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"zz\"}}"), &f->a), 0);
    uint64_t n = 0;
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 1);
    int64_t m = moment();
    w[1].apply = st_apply_put;
    w[1].key = J(&f->a, I(b, 1));
    w[1].ctx = (void *)w[1].key;
    assert_int_equal(store_write_atomic(f->s, w, 2, &e), 0);
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 3);
    expect(f->s, t, m, I(a, 1));
    expect(f->s, t, now_ms(), I(a, 5) "|" I(b, 1));
}

/* History older than the retention goes; so do the history and state of a disabled or
 * deleted table.  The pass writes nothing when there is nothing to do. */
static void test_pass_trims(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    const store_table *u = st_create(f->s, "tab2", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 1, 200, NULL, &e), 0);
    assert_int_equal(store_pitr_set(f->s, u, true, 35, 35 * DAY_MS, NULL, &e), 0);
    /* the first pass runs as of before the puts: under load (ASan, CI) the 20 puts may take
     * longer than the 200 ms retention, and a pass at the clock's now would already trim */
    int64_t before = now_ms();
    for (int i = 0; i < 20; i++) {
        char txt[96];
        snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"k%02d\"},\"n\":{\"N\":\"%d\"}}", i, i);
        st_put_ok(f->s, t, &f->a, txt);
        st_put_ok(f->s, u, &f->a, txt);
    }
    size_t removed = 9;
    assert_int_equal(store_pitr_pass(f->s, before, &removed, &e), 0);
    assert_int_equal(removed, 0);
    usleep(300 * 1000);
    st_put_ok(f->s, t, &f->a, I(k00, 99));
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 20);
    uint64_t n = 0;
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 1);
    /* the window now starts 200 ms ago: the table then is still exact */
    int64_t m = moment();
    st_put_ok(f->s, t, &f->a, I(k01, 99));
    char *got = as_of(f->s, t, m);
    assert_non_null(strstr(got, I(k00, 99)));
    assert_non_null(strstr(got, I(k01, 1)));
    free(got);
    /* disabled: its history goes at the next pass; the other table keeps its own */
    assert_int_equal(store_pitr_set(f->s, t, false, 0, 0, NULL, &e), 0);
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 2);
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_pitr_count(f->s, u, &n, &e), 0);
    assert_int_equal(n, 20);
    /* deleted: state and history go */
    assert_int_equal(store_table_delete(f->s, "tab2", &e), 0);
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 21);
    assert_int_equal(store_pitr_count(f->s, u, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 0);
}

/* One pass removes all the history past the window, however much there is: 12,000 records
 * here, in write txns of 5,000.  Before, a pass removed one batch of 5,000 and the TTL
 * thread passes once a second or less often: a table written faster than that kept more
 * history than its window, growing without bound. */
static void test_pass_trims_more_than_a_batch(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 1, 200, NULL, &e), 0);
    enum { N = 12000, B = 500 };
    static store_write w[B];
    for (int i = 0; i < N; i += B) {
        for (int j = 0; j < B; j++) {
            av_t *it = J(&f->a, arena_printf(&f->a, "{\"pk\":{\"S\":\"k%05d\"}}", i + j));
            w[j] = (store_write){.table = t, .key = it, .apply = st_apply_put, .ctx = it,
                                 .arena = &f->a};
        }
        assert_int_equal(store_write_each(f->s, w, B, &e), 0);
        arena_reset(&f->a);
    }
    uint64_t n = 0;
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, N);
    usleep(300 * 1000);
    size_t removed = 0;
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, N);
    assert_int_equal(store_pitr_count(f->s, t, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 0);
}

/* The window never reaches back into trimmed history (review13 F6): the pass moves the
 * window's start past what it removes, and a longer retention keeps the start the window had
 * when it was set.  The snapshot reads no clock: a moment the history still covers is exact
 * until the pass trims it (review13 F8). */
static void test_longer_retention_after_trimming(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    store_pitr p;
    assert_int_equal(store_pitr_set(f->s, t, true, 1, 200, &p, &e), 0);
    int64_t since = p.since_ms;
    st_put_ok(f->s, t, &f->a, I(a, 1));
    int64_t m1 = moment();
    st_put_ok(f->s, t, &f->a, I(a, 2));
    usleep(300 * 1000);
    /* past the retention, not trimmed yet: still exact */
    expect(f->s, t, m1, I(a, 1));
    size_t removed = 0;
    assert_int_equal(store_pitr_pass(f->s, now_ms(), &removed, &e), 0);
    assert_int_equal(removed, 2);
    assert_int_equal(store_pitr_get(f->s, t, &p, &e), 0);
    assert_true(p.since_ms > m1);
    col c = {0};
    assert_int_equal(store_pitr_snapshot(f->s, t, m1, NULL, col_item, &c, &e), ERR_VALIDATION);
    /* a longer retention: the window starts where it did, not at the enable time */
    int64_t before = now_ms();
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, &p, &e), 0);
    assert_true(p.since_ms > m1);
    assert_true(p.since_ms >= before - 200);
    assert_true(p.since_ms > since);
    assert_int_equal(store_pitr_snapshot(f->s, t, m1, NULL, col_item, &c, &e), ERR_VALIDATION);
    expect(f->s, t, p.since_ms, I(a, 2));
    expect(f->s, t, now_ms(), I(a, 2));
}

/* The history survives a restart. */
static void test_restart(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    st_put_ok(f->s, t, &f->a, I(a, 1));
    int64_t m = moment();
    st_put_ok(f->s, t, &f->a, I(a, 2));
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_keep(f->s, store_table_pin(f->s, "tab"));
    expect(f->s, t, m, I(a, 1));
    store_pitr p;
    assert_int_equal(store_pitr_get(f->s, t, &p, &e), 0);
    assert_true(p.enabled);
}

/* Puts the history's clock an hour ahead of the wall clock (as the wall clock stepped back an
 * hour after a change was recorded does); its new reading. */
static int64_t clock_ahead(store_t *s)
{
    int64_t ahead = now_ms() + 3600 * 1000;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->pitr.last_ms = ahead;
    pthread_mutex_lock(&s->pitr.clkmu);
    s->pitr.clk_us = ahead * 1000;
    s->pitr.clk_mono_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    pthread_mutex_unlock(&s->pitr.clkmu);
    return ahead;
}

/* The history's clock an hour ahead of the wall clock (as after a change recorded while the
 * wall clock was an hour ahead): it moves on at half speed, with and without changes, so the
 * wall clock catches up within twice the step.  Before, it moved on at the monotonic clock's
 * speed and stayed an hour ahead for good (review29a F1): 200 ms later it read 200 ms on. */
static void test_clock_slews_back_when_ahead(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int64_t ahead = clock_ahead(f->s), mono0 = f->s->pitr.clk_mono_us;
    /* half of the monotonic time since mono0, that time read just before and just after the
     * clock (a loaded machine's usleep(200 ms) may sleep much longer: before, the test
     * assumed it slept under 380 ms); at full speed the reading is past the upper bound
     * unless the read itself took as long as the sleep */
    usleep(200000);
    int64_t lo = mono_us(), m = store_pitr_now(f->s), hi = mono_us();
    assert_true(m >= ahead + (lo - mono0) / 2000 - 1 && m <= ahead + (hi - mono0) / 2000 + 1);
    assert_true(m >= ahead + 100);
    st_put_ok(f->s, t, &f->a, I(a, 1)); /* a round: its reading is where the clock goes on */
    usleep(200000);
    lo = mono_us();
    int64_t m2 = store_pitr_now(f->s);
    hi = mono_us();
    assert_true(m2 >= ahead + (lo - mono0) / 2000 - 2 && m2 <= ahead + (hi - mono0) / 2000 + 2);
    assert_true(m2 >= m + 100);
    expect(f->s, t, m2, I(a, 1));
}

/* The history's clock an hour ahead of the wall clock and a commit round about every
 * millisecond (a busy server's fsyncs): it still moves on at half speed, so it catches up.
 * Before, a bump to the next millisecond once a monotonic one had passed ran it a millisecond
 * a round: at one round a millisecond it never caught up (read29a). */
static void test_clock_catches_up_with_a_round_every_millisecond(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int64_t ahead = clock_ahead(f->s);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 300; i++) {
        st_put_ok(f->s, t, &f->a, I(a, 1));
        arena_reset(&f->a);
        usleep(1000);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t real = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    int64_t moved = store_pitr_now(f->s) - ahead;
    if (moved * 4 > real * 3)
        fprintf(stderr, "moved %lld ms in %lld ms\n", (long long)moved, (long long)real);
    assert_true(moved * 4 <= real * 3); /* half speed, with room for the rounding */
}

/* With no clock step the history's clock is the wall clock: read right after a change, it is
 * never ahead of the wall clock read after it.  Before, it was kept in whole milliseconds of
 * two clocks truncated apart, so a round a monotonic millisecond after the last one could
 * read a millisecond past the wall clock, and a restore to the caller's "now" missed the
 * change just acknowledged (test_only_committed_changes failed 2 of 6 runs under load). */
static void test_clock_is_the_wall_clock_without_a_step(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int ahead = 0;
    for (int i = 0; i < 3000; i++) {
        st_put_ok(f->s, t, &f->a, I(a, 1));
        int64_t h = store_pitr_now(f->s);
        ahead += h > now_ms();
        arena_reset(&f->a);
    }
    assert_int_equal(ahead, 0);
}

/* A commit round put aside between its two clock readings: the round's reading is not later
 * than the wall clock, and the clock does not move on from it ahead of the wall clock.  It
 * read the monotonic clock first: put aside for d after it, the round kept the wall clock of
 * d later with the monotonic reading of before, and a reading soon after was up to d/2 ahead
 * of the wall clock (the first clean-clone make test on a busy new host, load ~19:
 * test_clock_is_the_wall_clock_without_a_step counted 29 of 3,000 readings ahead). */
static void test_clock_not_ahead_when_a_round_is_put_aside(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    for (int i = 0; i < 5; i++) {
        atomic_store(&mono_pause_us, 20000);
        st_put_ok(f->s, t, &f->a, I(a, 1));
        atomic_store(&mono_pause_us, 0);
        int64_t h = store_pitr_now(f->s);
        assert_true(h <= now_ms());
        arena_reset(&f->a);
    }
}

/* The history's clock an hour ahead of the wall clock: changes 10 ms apart still have times
 * of their own, and the table between them is the one before the second (its clock moves
 * on with the monotonic clock).  Before, every change was stamped with the newest record's
 * millisecond until the wall clock caught up: the table as of just before the delete lacked
 * b already. */
static void test_changes_apart_with_the_clock_stepped_back(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int64_t ahead = clock_ahead(f->s);
    st_put_ok(f->s, t, &f->a, I(a, 1));
    st_put_ok(f->s, t, &f->a, I(b, 1));
    usleep(10000);
    int64_t m = store_pitr_now(f->s);
    assert_true(m >= ahead);
    usleep(10000);
    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"b\"}}"), &f->a), 0);
    assert_true(store_pitr_now(f->s) > m);
    expect(f->s, t, m, I(a, 1) "|" I(b, 1));
    expect(f->s, t, store_pitr_now(f->s), I(a, 1));
}

/* The history's clock an hour ahead of the wall clock (the clock stepped back after changes
 * were recorded): enabling again, before the pass trimmed the first enabling's records,
 * starts the window after them, and later changes are recorded after its start.  Before,
 * since came from the wall clock, an hour before the record of a,1: a restore to
 * EarliestRestorableDateTime undid that record (a was missing, not a,2) and kept nothing
 * of b either way (review28b F1). */
static void test_enable_again_with_the_clock_stepped_back(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int64_t ahead = clock_ahead(f->s);
    st_put_ok(f->s, t, &f->a, I(a, 1)); /* recorded at ahead or later */
    assert_int_equal(store_pitr_set(f->s, t, false, 0, 0, NULL, &e), 0);
    st_put_ok(f->s, t, &f->a, I(a, 2)); /* not recorded */
    store_pitr p;
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, &p, &e), 0);
    assert_true(p.since_ms >= ahead);
    expect(f->s, t, p.since_ms, I(a, 2));
    st_put_ok(f->s, t, &f->a, I(b, 1));
    expect(f->s, t, p.since_ms, I(a, 2));
    expect(f->s, t, store_pitr_now(f->s), I(a, 2) "|" I(b, 1));
}

/* Moves the state record's since_ms of the table ctx an hour on, in place. */
static int since_an_hour_on(store_t *s, MDB_txn *txn, void *ctx, err_t *e)
{
    (void)e;
    const store_table *t = ctx;
    unsigned char kb[5] = {'p', (unsigned char)(t->id >> 24), (unsigned char)(t->id >> 16),
                           (unsigned char)(t->id >> 8), (unsigned char)t->id};
    MDB_val k = {sizeof kb, kb}, v;
    int rc = mdb_get(txn, s->db_meta, &k, &v);
    if (rc)
        return rc;
    unsigned char vb[64];
    assert_true(v.mv_size <= sizeof vb && v.mv_size >= 9);
    memcpy(vb, v.mv_data, v.mv_size);
    uint64_t since = 0;
    for (int i = 7; i >= 0; i--)
        since = since << 8 | vb[1 + i];
    since += 3600 * 1000;
    for (int i = 0; i < 8; i++)
        vb[1 + i] = (unsigned char)(since >> (8 * i));
    MDB_val nv = {v.mv_size, vb};
    return mdb_put(txn, s->db_meta, &k, &nv, 0);
}

/* Enabled, then a restart with the wall clock an hour before the enabling (its since_ms moved
 * an hour on stands for that), with no history record yet: the first change after the
 * restart is recorded after since.  Before, the rounds' clock started at the newest history
 * record only (none), the change was stamped an hour before since, and the table as of since
 * held it (review28b F1). */
static void test_restart_with_the_clock_stepped_back(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    st_put_ok(f->s, t, &f->a, I(a, 1)); /* before enabling: no record */
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    assert_int_equal(st_write_txn(f->s, since_an_hour_on, (void *)t, &e), 0);
    st_close(f->s);
    f->s = st_open_dir(f->dir, 0);
    t = st_keep(f->s, store_table_pin(f->s, "tab"));
    store_pitr p;
    assert_int_equal(store_pitr_get(f->s, t, &p, &e), 0);
    assert_true(p.since_ms > now_ms() + 3000 * 1000);
    st_put_ok(f->s, t, &f->a, I(b, 1));
    expect(f->s, t, p.since_ms, I(a, 1));
    expect(f->s, t, store_pitr_now(f->s), I(a, 1) "|" I(b, 1));
}

static int count_item(void *ctx, const av_t *item, err_t *e)
{
    (void)item;
    (void)e;
    (*(size_t *)ctx)++;
    return 0;
}

/* A restore early in a busy window holds the history's keys, not its before-images: 40
 * changes of 200 KB items (8 MB of before-images) are restored with no realloc over 1 MB.
 * Before, every record's before-image was copied into one buffer that doubled without a
 * bound (review r33a F9). */
static void test_snapshot_holds_keys_only(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tab", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e = {0};
    enum { BIG = 200 * 1024, ITEMS = 8, ROUNDS = 5 };
    char *text = malloc(BIG + 128);
    assert_non_null(text);
    for (int i = 0; i < ITEMS; i++) {
        int h = snprintf(text, 64, "{\"pk\":{\"S\":\"k%d\"},\"v\":{\"S\":\"", i);
        memset(text + h, 'a', BIG);
        memcpy(text + h + BIG, "\"}}", 4);
        st_put_ok(f->s, t, &f->a, text);
    }
    assert_int_equal(store_pitr_set(f->s, t, true, 35, 35 * DAY_MS, NULL, &e), 0);
    int64_t at = moment();
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < ITEMS; i++) {
            int h = snprintf(text, 64, "{\"pk\":{\"S\":\"k%d\"},\"v\":{\"S\":\"", i);
            memset(text + h, 'b' + r, BIG);
            memcpy(text + h + BIG, "\"}}", 4);
            st_put_ok(f->s, t, &f->a, text);
        }
    free(text);
    uint64_t recs = 0;
    assert_int_equal(store_pitr_count(f->s, t, &recs, &e), 0);
    assert_int_equal(recs, ITEMS * ROUNDS);
    size_t n = 0;
    largest_realloc = 0;
    counting_reallocs = true;
    int rc = store_pitr_snapshot(f->s, t, at, NULL, count_item, &n, &e);
    counting_reallocs = false;
    assert_int_equal(rc, 0);
    assert_int_equal(n, ITEMS);
    if (largest_realloc > 1024 * 1024)
        fprintf(stderr, "largest realloc: %zu bytes\n", largest_realloc);
    assert_true(largest_realloc <= 1024 * 1024);
    /* and the before-images read again are the state at `at` */
    st_put_ok(f->s, t, &f->a, I(z, 1));
    char *got = as_of(f->s, t, at);
    assert_non_null(strstr(got, "aaaa"));
    assert_null(strstr(got, "bbbb"));
    assert_null(strstr(got, "\"z\""));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_any_moment, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_only_committed_changes, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_pass_trims, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_pass_trims_more_than_a_batch, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_longer_retention_after_trimming, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_restart, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_clock_slews_back_when_ahead, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_clock_is_the_wall_clock_without_a_step, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_clock_not_ahead_when_a_round_is_put_aside, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_clock_catches_up_with_a_round_every_millisecond,
                                        st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_changes_apart_with_the_clock_stepped_back,
                                        st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_enable_again_with_the_clock_stepped_back, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_holds_keys_only, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_restart_with_the_clock_stepped_back, st_setup,
                                        st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
