/*
 * notify — commit notification: lets a reader (the messaging event streams) sleep until the
 * data changes instead of polling the tables.  Layer: store.  See store.h
 * (store_change_seq / store_change_wait).
 *
 * The sequence is LMDB's last transaction id, which every write transaction of every process
 * sharing the data dir advances (it lives in the shared lock file).  Commits of this process
 * wake the waiters at once (st_change_notify after each write transaction); commits of other
 * processes (e.g. `ddbchat send` while `ddbchat serve` runs) are noticed by re-reading the id
 * every STORE_CHANGE_POLL_MS, only while someone waits.  Hot-path cost when nobody waits: one
 * fence and one atomic load per write transaction.
 */
#include <errno.h>
#include <time.h>

#include "store/store_int.h"

#define STORE_CHANGE_POLL_MS 50

/* Like store_open's other mutexes and condvars: with default attributes (and the monotonic
 * clock) glibc's init functions cannot fail. */
void st_change_init(store_t *s)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->chcv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->chmu, NULL);
    atomic_init(&s->ch_waiters, 0);
}

void st_change_fini(store_t *s)
{
    pthread_mutex_destroy(&s->chmu);
    pthread_cond_destroy(&s->chcv);
}

void st_change_notify(store_t *s)
{
    /* pairs with the waiter's increment: either it sees our commit's id or we see it waiting
     * (and a miss would only cost one poll interval) */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&s->ch_waiters) == 0)
        return;
    pthread_mutex_lock(&s->chmu);
    pthread_cond_broadcast(&s->chcv);
    pthread_mutex_unlock(&s->chmu);
}

uint64_t store_change_seq(store_t *s)
{
    return s ? st_last_txnid(s) : 0;
}

uint64_t store_change_wait(store_t *s, uint64_t seen, int timeout_ms)
{
    uint64_t cur = store_change_seq(s);
    if (cur != seen || timeout_ms <= 0)
        return cur;
    int64_t deadline = st_mono_ms() + timeout_ms;
    pthread_mutex_lock(&s->chmu);
    atomic_fetch_add(&s->ch_waiters, 1);
    for (;;) {
        cur = store_change_seq(s);
        int64_t now = st_mono_ms();
        if (cur != seen || now >= deadline)
            break;
        int64_t until = now + STORE_CHANGE_POLL_MS < deadline ? now + STORE_CHANGE_POLL_MS
                                                              : deadline;
        struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
        pthread_cond_timedwait(&s->chcv, &s->chmu, &ts);
    }
    atomic_fetch_sub(&s->ch_waiters, 1);
    pthread_mutex_unlock(&s->chmu);
    return cur;
}
