/*
 * pitr — point-in-time recovery: a table's change history, kept in the write's own LMDB
 * transaction while recovery is enabled, and the table as of any moment of its window.
 * Layer: store.
 *
 * Design (an undo log, not snapshots plus a redo log).  While recovery is enabled for a table,
 * every committed change of one of its items writes, in the same txn as the change, a
 * history record holding the item's state BEFORE the change (its stored bytes, or "absent"
 * and its key).  The table's state at a moment T is then the current table with, for every
 * item changed after T, the before-image of its first change after T; current table and
 * history are read from ONE read txn, so they agree exactly.  Nothing needs a base snapshot:
 * the earliest restorable moment is max(since, now - retention), and records older than that
 * are never needed again, so trimming them (store_pitr_pass, run by the store's TTL thread)
 * is always safe.  since is the first moment the history covers: when recovery was enabled,
 * moved up by the pass to the newest record it removed and, when the retention changes, to
 * the window's start then (a longer period grows the window from there on, it never reaches
 * back into trimmed history).  The history of a table is bounded by its write rate times its
 * retention (35 days by default); a restore holds, per record after T, its item key and its
 * history key (~80 bytes plus the item key, at most 511 bytes), never its before-image: the
 * chosen ones are read again from the read txn as they are emitted.
 *
 * Records live in the meta DB (no format change; store_int.h lists the keys):
 *   "p" tid(BE4)                         -> u8 1 | i64 LE since_ms | i64 LE retention_ms |
 *                                           u32 LE days        (present = enabled)
 *   "h" tid(BE4) ms(BE8) txnid(BE8) n(BE4) -> u8 1 | u8 kind (0 absent, 1 present) |
 *                                           u32 LE key length | data key | [stored item]
 * ms is the commit round's clock (never going backwards within a process, and always after
 * since: enabling raises it, opening starts it after every table's since and the newest
 * record; while the wall clock is behind it, it moves on at half the monotonic clock's speed,
 * so changes 2 ms apart keep their own times and the wall clock catches up within twice its
 * step; with no step it is the wall clock exactly, kept in microseconds); txnid and n order
 * the records of one
 * millisecond as they were committed.
 */
#ifndef DDB_STORE_PITR_H
#define DDB_STORE_PITR_H

#include <stdbool.h>
#include <stdint.h>

#include "store/backup.h"
#include "store/store.h"

#define STORE_PITR_DAYS_DEFAULT 35
#define STORE_PITR_DAYS_MAX 35
#define STORE_PITR_DAY_MS (24LL * 3600 * 1000)

typedef struct store_pitr {
    bool enabled;
    int64_t since_ms;     /* the first moment the history covers (see above) */
    int64_t retention_ms; /* how far back a restore may go */
    uint32_t days;        /* the retention as asked for (RecoveryPeriodInDays) */
} store_pitr;

/* The clock of recovery windows and of the history's records: the wall clock or, while that
 * is behind the newest record (stepped back, or a restart with it stepped back: the newest
 * record's time is where the clock starts), its last reading moved on by half the monotonic
 * time since (so once the wall clock is back from a step ahead by D, the two meet again within
 * 2D: test_pitr.py test_clock_returns_after_a_forward_step).  The commit rounds' stamps never
 * go back, within a process or across a restart (st_pitr_round_begin, st_pitr_seed); a reading
 * here does not advance the clock, so after a backward step a later commit may be stamped
 * before a time an earlier reading reported (a restore to that reported time then includes
 * it, as it would a change in the same millisecond).
 * With the wall clock stepped back, LatestRestorableDateTime was earlier than the changes
 * just made (a restore to it lost them) and earlier than EarliestRestorableDateTime (every
 * restore refused) until the clock caught up (test_fuzz_regressions.py::
 * test_pitr_window_with_the_clock_stepped_back).  Thread-safe. */
int64_t store_pitr_now(store_t *s);

/* The table's recovery state (enabled false when off). */
int store_pitr_get(store_t *s, const store_table *t, store_pitr *out, err_t *e);

/* Enables (an enabled window keeps its start as of now, the retention changes) or disables
 * recovery for t, in one write txn; *out (may be NULL) receives the new state.  Disabling
 * drops the history (removed by the next store_pitr_pass).  retention_ms > 0. */
int store_pitr_set(store_t *s, const store_table *t, bool enable, uint32_t days,
                   int64_t retention_ms, store_pitr *out, err_t *e);

/* Every item of t as it was at at_ms (changes committed at or before at_ms included), from
 * one read snapshot; started (may be NULL) gets the current item count as an estimate.
 * ERR_VALIDATION when recovery is off or at_ms is before since_ms (the history no longer
 * covers it).  The retention is not checked here (this reads no clock): the caller checks
 * at_ms against the window as of its own clock reading.  Items come in no particular
 * order. */
int store_pitr_snapshot(store_t *s, const store_table *t, int64_t at_ms,
                        store_snap_started_fn started, store_item_fn fn, void *ctx, err_t *e);

/* Removes history older than each table's window and the history and state of tables that
 * are disabled or gone, all of it, in write txns of a batch each (stopping early when the
 * store's TTL thread is asked to stop); writes only when there is work.  *out_removed (may
 * be NULL): records removed (also those of the txns committed before a failure). */
int store_pitr_pass(store_t *s, int64_t now_ms, size_t *out_removed, err_t *e);

/* History records of table t (for tests and stats). */
int store_pitr_count(store_t *s, const store_table *t, uint64_t *out, err_t *e);

#endif
