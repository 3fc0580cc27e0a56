/*
 * clock — milliseconds of the monotonic clock (intervals, deadlines, timeouts) and of the wall
 * clock (timestamps: ms since the epoch).  Layer: base.
 */
#ifndef DDB_BASE_CLOCK_H
#define DDB_BASE_CLOCK_H

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

/* CLOCK_REALTIME in ms since the epoch: the service's timestamps. */
static inline int64_t base_wall_ms(void)
{
    return base_ms_of(CLOCK_REALTIME);
}

#endif
