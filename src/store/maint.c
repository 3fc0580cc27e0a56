/*
 * maint — the maintenance thread: table work that runs after the change that caused it.
 * Layer: store (above catalog.c, commit.c and ttl.c; started by open.c).
 *
 * A table change commits its metadata first (catalog.c); the index work it implies runs
 * here, as AWS's UpdateTable answers before its index work: a new GSI's allocation phase
 * ends and it is filled in batches, each its own write txn (writers go between them), then
 * marked ACTIVE; a dropped GSI's entries are removed in batches, then it is unlisted
 * (DELETING ends).  store_table_alter starts it at once (st_work_start); so does store_open,
 * for work a crash or a close interrupted.  When the work fails (the disk is full, memory is
 * short) its durable markers stay (a pending-removal record, an index listed as
 * backfilling or dropping) and the failing thread kicks this one (st_work_kick), which runs
 * st_cat_finish_pending again after ST_WORK_RETRY_MS, doubling the wait up to
 * ST_WORK_RETRY_MAX_MS, until it succeeds: the server finishes the work once space is freed,
 * without a restart.  Idle, it wakes every ST_WORK_POLL_MS to look at the catalog (a cheap
 * generation check) for index work another process left (a CLI that exited mid-backfill).
 * Whatever it does -- idle, waiting out a back-off, or between the batches of a long round
 * of work (st_readers_poll) -- it frees the LMDB reader slots of processes that exited inside
 * a read txn about every ST_WORK_POLL_MS (st_readers_check, store.c, beside the read txns).
 * A round never starts while a store_table_alter is between its commit and its pin
 * (s->alters): the caller gets the table as its change left it, not already backfilled.
 */
#include <time.h>

#include "base/backoff.h"
#include "base/log.h"
#include "store/store_int.h"

/* Waits until woken or ms have passed (ms < 0: until woken); work.mu held. */
static void st_work_wait(store_t *s, int64_t ms)
{
    if (ms < 0) {
        pthread_cond_wait(&s->work.cv, &s->work.mu);
        return;
    }
    struct timespec ts = base_deadline(CLOCK_MONOTONIC, ms);
    pthread_cond_timedwait(&s->work.cv, &s->work.mu, &ts);
}

static void *st_maint_main(void *arg)
{
    store_t *s = arg;
    backoff bo; /* the wait after failed work; a kick without a failure waits the first */
    backoff_init(&bo, ST_WORK_RETRY_MS, ST_WORK_RETRY_MAX_MS);
    int64_t retry_ms = ST_WORK_RETRY_MS;
    pthread_mutex_lock(&s->work.mu);
    while (!s->work.stop) {
        if (!s->work_pending) {
            st_work_wait(s, ST_WORK_POLL_MS);
            if (s->work.stop)
                break;
            pthread_mutex_unlock(&s->work.mu);
            st_readers_check(s);
            pthread_mutex_lock(&s->work.mu);
            if (!s->work_pending) { /* index work another process left? */
                pthread_mutex_unlock(&s->work.mu);
                err_t ce;
                err_clear(&ce);
                bool busy = st_cat_check(s, &ce) == 0 && st_cat_busy(s);
                pthread_mutex_lock(&s->work.mu);
                if (!busy)
                    continue;
                s->work_pending = s->work_now = true;
            }
        }
        if (!s->work_now) {
            /* let the condition that failed the work pass: the back-off, in waits of at most
             * ST_WORK_POLL_MS with the reader check after each (a kick does not cut it short:
             * the work it reports is already pending; new work, st_work_start, does) */
            int64_t until = base_mono_ms() + retry_ms;
            for (;;) {
                int64_t left = until - base_mono_ms();
                if (left <= 0 || s->work.stop || s->work_now)
                    break;
                st_work_wait(s, left < ST_WORK_POLL_MS ? left : ST_WORK_POLL_MS);
                if (s->work.stop)
                    break;
                pthread_mutex_unlock(&s->work.mu);
                st_readers_check(s);
                pthread_mutex_lock(&s->work.mu);
            }
            if (s->work.stop)
                break;
        }
        while (s->alters && !s->work.stop) { /* let an alter pin what it committed first */
            s->work_waits_alters = true;
            pthread_cond_wait(&s->work.cv, &s->work.mu);
        }
        s->work_waits_alters = false;
        if (s->work.stop)
            break;
        s->work_pending = s->work_now = false;
        pthread_mutex_unlock(&s->work.mu);
        err_t e;
        err_clear(&e);
        int rc = st_cat_finish_pending(s, &e);
        pthread_mutex_lock(&s->work.mu);
        if (rc) {
            retry_ms = backoff_fail(&bo, NULL);
            log_warn("store: left-over table work failed (retrying in %lld ms): %s",
                     (long long)retry_ms, e.msg);
            s->work_pending = true;
        } else {
            if (backoff_ok(&bo))
                log_info("store: left-over table work finished");
            retry_ms = ST_WORK_RETRY_MS;
            if (s->phase_wait_ms > 0) { /* --table-delay: a phase to wait out (new work
                                         * cuts the wait short) */
                retry_ms = s->phase_wait_ms;
                s->work_pending = true;
            }
        }
    }
    pthread_mutex_unlock(&s->work.mu);
    return NULL;
}

int store_work_wait(store_t *s, int timeout_ms, err_t *e)
{
    int64_t until = base_mono_ms() + timeout_ms; /* an interval: test_alter.c
                                                  * test_index_work_through_a_wall_clock_step */
    for (;;) {
        uint64_t seen = store_change_seq(s);
        int rc = st_cat_check(s, e);
        if (rc)
            return rc;
        if (!st_cat_busy(s))
            return 0;
        int64_t left = until - base_mono_ms();
        if (timeout_ms >= 0 && left <= 0)
            return err_set(e, ERR_INTERNAL, "timed out waiting for index work");
        store_change_wait(s, seen, timeout_ms >= 0 && left < 50 ? (int)left : 50);
    }
}

int st_maint_start(store_t *s, err_t *e)
{
    return st_thread_start(&s->work, st_maint_main, s, "maintenance", e);
}

void st_maint_stop(store_t *s)
{
    st_thread_stop(&s->work);
}
