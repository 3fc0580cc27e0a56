/*
 * tbucket — a token bucket for capacity units.  Layer: base.  See tbucket.h.
 *
 * Invariant: tokens <= rate * burst_s * TBUCKET_MICRO after every call.  Arithmetic stays in
 * int64: rate and burst_s are clamped (TBUCKET_RATE_MAX, TBUCKET_BURST_MAX), so the size is
 * at most 3.6e16, and time is credited only up to what fills the bucket.
 */
#include "base/tbucket.h"

static int64_t tb_clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

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
    if (b->rate == 0 || b->tokens >= size)
        return;
    /* time enough to fill the bucket: no need to count more (and no overflow) */
    if (dt > (size - b->tokens) / b->rate) {
        b->tokens = size;
        return;
    }
    b->tokens += dt * b->rate; /* us * units/s = micro-units */
    if (b->tokens > size)
        b->tokens = size;
}

void tbucket_init(tbucket *b, int64_t rate, int64_t burst_s, int64_t now_us)
{
    b->rate = tb_clamp(rate, 0, TBUCKET_RATE_MAX);
    b->burst_s = tb_clamp(burst_s, 1, TBUCKET_BURST_MAX);
    b->last_us = now_us;
    b->tokens = b->rate * TBUCKET_MICRO;
}

void tbucket_set_rate(tbucket *b, int64_t rate, int64_t now_us)
{
    tb_refill(b, now_us);
    rate = tb_clamp(rate, 0, TBUCKET_RATE_MAX);
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
