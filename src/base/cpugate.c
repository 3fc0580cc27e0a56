/*
 * cpugate — at most N threads doing CPU work at once.  Layer: base.  See cpugate.h.
 * Tests: tests/unit/base/test_cpugate.c.
 *
 * A counting semaphore under a mutex with FIFO-ish wake-up (one condition variable, signal on
 * every release); a thread-local state says whether this thread is inside, paused or out.
 */
#include "base/cpugate.h"

#include <pthread.h>
#include <stdbool.h>

enum { CG_OUT = 0, CG_IN = 1, CG_PAUSED = 2 };

static pthread_mutex_t cg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cg_cv = PTHREAD_COND_INITIALIZER;
static unsigned cg_free, cg_limit; /* cg_limit 0 = off */
static _Thread_local int cg_state;

void cpugate_init(unsigned n)
{
    pthread_mutex_lock(&cg_mu);
    if (cg_limit == 0) {
        cg_limit = n;
        cg_free = n;
    }
    pthread_mutex_unlock(&cg_mu);
}

static void cg_take(void)
{
    pthread_mutex_lock(&cg_mu);
    while (cg_limit && cg_free == 0)
        pthread_cond_wait(&cg_cv, &cg_mu);
    if (cg_limit)
        cg_free--;
    pthread_mutex_unlock(&cg_mu);
}

static void cg_give(void)
{
    pthread_mutex_lock(&cg_mu);
    if (cg_limit && cg_free < cg_limit) {
        cg_free++;
        pthread_cond_signal(&cg_cv);
    }
    pthread_mutex_unlock(&cg_mu);
}

void cpugate_enter(void)
{
    if (cg_state != CG_OUT)
        return;
    cg_take();
    cg_state = CG_IN;
}

void cpugate_leave(void)
{
    if (cg_state == CG_IN)
        cg_give();
    cg_state = CG_OUT;
}

void cpugate_pause(void)
{
    if (cg_state != CG_IN)
        return;
    cg_give();
    cg_state = CG_PAUSED;
}

void cpugate_resume(void)
{
    if (cg_state != CG_PAUSED)
        return;
    cg_take();
    cg_state = CG_IN;
}
