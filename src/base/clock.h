/*
 * clock — milliseconds of the monotonic clock (intervals, deadlines, timeouts) and of the wall
 * clock (timestamps: ms since the epoch), and microseconds of either.  Layer: base.
 */
#ifndef DDB_BASE_CLOCK_H
#define DDB_BASE_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline int64_t base_ms_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC in ms: for intervals and deadlines (never jumps with the wall clock). */
static inline int64_t base_mono_ms(void)
{
    return base_ms_of(CLOCK_MONOTONIC);
}

/* CLOCK_BOOTTIME in ms: as CLOCK_MONOTONIC (never jumps with the wall clock) but it goes on
 * while the machine is suspended, which CLOCK_MONOTONIC does not count: for a clock that
 * stands for the wall clock's progress (the stream iterators', api/op_stream.c). */
static inline int64_t base_boot_ms(void)
{
    return base_ms_of(CLOCK_BOOTTIME);
}

/* CLOCK_REALTIME in ms since the epoch: the service's timestamps. */
static inline int64_t base_wall_ms(void)
{
    return base_ms_of(CLOCK_REALTIME);
}

/* CLOCK_MONOTONIC and CLOCK_REALTIME in microseconds: for a clock kept between the two
 * (store/pitr.c), where two readings each truncated to the millisecond would put it up to a
 * millisecond off. */
static inline int64_t base_us_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The time ms (>= 0) milliseconds from now on clock, as pthread_cond_timedwait takes it: on the
 * clock the condition variable waits on (CLOCK_REALTIME unless pthread_condattr_setclock said
 * otherwise). */
static inline struct timespec base_deadline(clockid_t clock, int64_t ms)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
    ts.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* Initialises *cv to wait on the monotonic clock: its timed waits are intervals, which a step
 * of the wall clock neither stretches nor cuts short (deadlines from
 * base_deadline(CLOCK_MONOTONIC, ...)).  With these attributes glibc's init cannot fail. */
static inline void base_cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

#endif
