/*
 * tbucket — a token bucket for capacity units, knowing nothing of tables.  Layer: base.
 *
 * DynamoDB's provisioned throughput, as the Developer Guide describes it ("Burst capacity"):
 * a table earns its configured units every second, keeps up to `burst_s` seconds of what it
 * did not use (300 on AWS) and spends them on a burst.  The bucket holds micro-units
 * (1e-6 of a capacity unit) so the half units of an eventually consistent read are exact.
 * It may go below zero: a request is admitted while there is credit, then charged what it
 * really consumed (DynamoDB too lets one large request through and throttles the ones that
 * follow).  Not thread-safe: the caller serialises access (api_throttle.c holds a mutex).
 * Time is the caller's monotonic clock in microseconds, so tests can drive it.
 */
#ifndef DDB_BASE_TBUCKET_H
#define DDB_BASE_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define TBUCKET_MICRO 1000000LL /* micro-units per capacity unit */
/* Rates and burst windows are clamped to these, so every product stays in int64 (a table
 * may be given any 64-bit OnDemandThroughput or ProvisionedThroughput): 1e7 units/s is
 * beyond any DynamoDB quota, and 3.6e16 micro-units the largest bucket. */
#define TBUCKET_RATE_MAX 10000000LL
#define TBUCKET_BURST_MAX 3600LL

typedef struct tbucket {
    int64_t tokens;  /* micro-units, may be negative (debt) */
    int64_t last_us; /* when tokens was last brought up to date */
    int64_t rate;    /* capacity units earned per second; 0 = nothing is ever admitted */
    int64_t burst_s; /* seconds of unused capacity kept (the bucket's size is rate*burst_s) */
} tbucket;

/* A bucket earning `rate` units a second, keeping up to burst_s (>= 1) seconds of them,
 * starting with one second's worth (a new table has had no unused capacity to keep). */
void tbucket_init(tbucket *b, int64_t rate, int64_t burst_s, int64_t now_us);
/* Changes the rate (UpdateTable): what was earned so far is kept, up to the new size; an
 * increase gives at least one second of the new rate at once (any debt is forgiven), as the
 * caller may learn of the change only at the next request. */
void tbucket_set_rate(tbucket *b, int64_t rate, int64_t now_us);
/* The balance in micro-units at now_us (earned up to then, capped at the size). */
int64_t tbucket_level(tbucket *b, int64_t now_us);
/* Whether a request needing `want` micro-units may run: the balance at now_us covers it. */
bool tbucket_can(tbucket *b, int64_t want, int64_t now_us);
/* Takes `units` micro-units, whatever the balance (it may go negative). */
void tbucket_charge(tbucket *b, int64_t units);
/* Gives `units` back (a charge that turned out too high), up to the size. */
void tbucket_refund(tbucket *b, int64_t units);

#endif
