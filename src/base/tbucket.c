/*
 * tbucket — a token bucket for capacity units.  Layer: base.  See tbucket.h.
 *
 * Invariant: tokens <= rate * burst_s * TBUCKET_MICRO after every call.  Arithmetic stays in
 * int64: the size is at most 40,000 units * 300 s * 1e6 = 1.2e13, and the time credited at
 * once is capped at burst_s seconds before it is multiplied.
 */
#include "base/tbucket.h"

static int64_t tb_size(const tbucket *b)
{
    return b->rate * b->burst_s * TBUCKET_MICRO;
}

static void tb_refill(tbucket *b, int64_t now_us)
{
    int64_t dt = now_us - b->last_us;
    if (dt <= 0)
        return; /* a clock read by another thread just before ours: nothing to add */
    b->last_us = now_us;
    int64_t size = tb_size(b);
    /* enough time to fill the bucket from any debt a request can run up: no need to count
     * more (and no overflow) */
    int64_t cap_us = (b->burst_s + 86400) * TBUCKET_MICRO;
    if (dt > cap_us)
        dt = cap_us;
    b->tokens += dt * b->rate; /* us * units/s = micro-units */
    if (b->tokens > size)
        b->tokens = size;
}

void tbucket_init(tbucket *b, int64_t rate, int64_t burst_s, int64_t now_us)
{
    b->rate = rate > 0 ? rate : 0;
    b->burst_s = burst_s > 0 ? burst_s : 1;
    b->last_us = now_us;
    b->tokens = b->rate * TBUCKET_MICRO;
}

void tbucket_set_rate(tbucket *b, int64_t rate, int64_t now_us)
{
    tb_refill(b, now_us);
    rate = rate > 0 ? rate : 0;
    /* an increase applies at once: at least one second of the new rate, as a new bucket */
    if (rate > b->rate && b->tokens < rate * TBUCKET_MICRO)
        b->tokens = rate * TBUCKET_MICRO;
    b->rate = rate;
    if (b->tokens > tb_size(b))
        b->tokens = tb_size(b);
}

int64_t tbucket_level(tbucket *b, int64_t now_us)
{
    tb_refill(b, now_us);
    return b->tokens;
}

bool tbucket_can(tbucket *b, int64_t want, int64_t now_us)
{
    tb_refill(b, now_us);
    return b->rate > 0 && b->tokens >= want;
}

void tbucket_charge(tbucket *b, int64_t units)
{
    b->tokens -= units;
}

void tbucket_refund(tbucket *b, int64_t units)
{
    b->tokens += units;
    if (b->tokens > tb_size(b))
        b->tokens = tb_size(b);
}
