/*
 * backoff — the wait between tries of something that keeps failing, and whether its
 * failure was said.  Layer: base (knows nothing of what is retried).
 *
 * A streak starts with a failure: the first wait is first_ms, each further failure doubles
 * it up to max_ms; a success ends the streak and the next failure starts again from
 * first_ms.  backoff_fail tells its caller when a failure starts a streak and backoff_ok
 * when a success ends one, so that a failure is logged once (and its end once), not on
 * every try.  Used by the store's table work (store/maint.c), the restore of a backup
 * (api/op_backup.c), the remote change feed (messaging/backend_remote.c) and the stream
 * triggers (messaging/trigger.c).  Not thread-safe: one owner.
 */
#ifndef DDB_BASE_BACKOFF_H
#define DDB_BASE_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct backoff {
    int64_t first_ms, max_ms;
    int64_t wait_ms; /* the last wait given; 0: no streak */
} backoff;

/* A back-off from first_ms (>= 1) doubling up to max_ms (raised to first_ms if lower). */
void backoff_init(backoff *b, int64_t first_ms, int64_t max_ms);
/* A try failed: the wait before the next one.  *out_started (may be NULL): this failure
 * starts a streak (say it). */
int64_t backoff_fail(backoff *b, bool *out_started);
/* A try succeeded: true when it ends a streak (say that it works again). */
bool backoff_ok(backoff *b);
/* Whether tries are failing (a streak is on). */
bool backoff_failing(const backoff *b);

#endif
