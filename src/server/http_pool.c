/*
 * http_pool — threads for the requests that block.  Layer: server.  See http_pool.h.
 * Tests: tests/unit/server/test_http_pool.c; the e2e suites drive it through http.c.
 *
 * One mutex guards the FIFO queue and the counters; a thread waits on its condition variable
 * when there is nothing to run.  Jobs run as soon as a thread takes them: no CPU gate (a
 * gate with one place per CPU, base/cpugate.c until issue 13.3, cost ~5 of the ~11 context
 * switches per durable PutItem at 64 connections: a thread waited for a place before its
 * job, again after its commit, and each release woke the next).  submit wakes one waiting
 * thread, or starts a new one when none is idle and fewer than max_threads exist (reserve
 * does the starting, so that a failure to start a thread is known before the caller has
 * suspended anything).
 */
#include "server/http_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/log.h"

struct http_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a job was queued, or stopping */
    http_pool_job *head, *tail;
    unsigned queued;        /* jobs in the queue */
    unsigned idle;          /* threads waiting on cv */
    unsigned n, max;        /* threads started; the limit */
    unsigned reserved;      /* reserve calls not yet followed by their submit */
    bool stopping;
    pthread_t *tids;        /* the started threads, for the join */
};

static void *hp_main(void *arg)
{
    http_pool *p = arg;
    /* Not SCHED_BATCH: it spares the wake-up preemptions (4.1 -> 3.6 context switches per
     * durable PutItem at 64 connections) but a woken job thread then waits behind every
     * other process's running thread: on the loaded machine PutItem fell from 4.9k-8.4k/s
     * to 2.3k-3.9k/s and TransactWriteItems C+D by ~20 % (issue 13.3, session 4). */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping) {
            p->idle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->idle--;
        }
        if (!p->head) /* stopping and nothing left */
            break;
        http_pool_job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->mu);
        j->run(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int http_pool_new(unsigned max_threads, http_pool **out)
{
    *out = NULL;
    http_pool *p = calloc(1, sizeof *p);
    if (!p)
        return ERR_NOMEM;
    p->max = max_threads ? max_threads : 1;
    p->tids = calloc(p->max, sizeof *p->tids);
    if (!p->tids) {
        free(p);
        return ERR_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    *out = p;
    return 0;
}

int http_pool_reserve(http_pool *p)
{
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    /* every queued or reserved job may need its own thread: a job can block for long */
    if (p->idle < p->queued + p->reserved + 1 && p->n < p->max) {
        pthread_attr_t at;
        pthread_attr_init(&at);
        if (pthread_create(&p->tids[p->n], &at, hp_main, p) == 0)
            p->n++;
        else if (p->n == 0)
            rc = -1;
        else
            log_warn("http: cannot start a worker thread; %u running", p->n);
        pthread_attr_destroy(&at);
    }
    if (rc == 0)
        p->reserved++;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void http_pool_submit(http_pool *p, http_pool_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->reserved)
        p->reserved--;
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    bool wake = p->idle > 0;
    pthread_mutex_unlock(&p->mu);
    /* after the unlock: a thread woken while the mutex is held would sleep again on it (a
     * context switch per write at 64 connections); the pool outlives every submit */
    if (wake)
        pthread_cond_signal(&p->cv);
}

unsigned http_pool_queued(http_pool *p)
{
    pthread_mutex_lock(&p->mu);
    unsigned n = p->queued;
    pthread_mutex_unlock(&p->mu);
    return n;
}

unsigned http_pool_threads(http_pool *p)
{
    pthread_mutex_lock(&p->mu);
    unsigned n = p->n;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void http_pool_free(http_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    unsigned n = p->n;
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(p->tids[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->tids);
    free(p);
}
