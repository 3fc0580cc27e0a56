/*
 * backoff — the wait between tries of something that keeps failing.  Layer: base.  See
 * backoff.h.
 */
#include "base/backoff.h"

void backoff_init(backoff *b, int64_t first_ms, int64_t max_ms)
{
    b->first_ms = first_ms < 1 ? 1 : first_ms;
    b->max_ms = max_ms < b->first_ms ? b->first_ms : max_ms;
    b->wait_ms = 0;
}

int64_t backoff_fail(backoff *b, bool *out_started)
{
    if (out_started)
        *out_started = b->wait_ms == 0;
    if (b->wait_ms == 0)
        b->wait_ms = b->first_ms;
    else
        b->wait_ms = b->wait_ms > b->max_ms / 2 ? b->max_ms : b->wait_ms * 2;
    return b->wait_ms;
}

bool backoff_ok(backoff *b)
{
    bool ended = b->wait_ms != 0;
    b->wait_ms = 0;
    return ended;
}

bool backoff_failing(const backoff *b)
{
    return b->wait_ms != 0;
}
