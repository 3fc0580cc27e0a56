/*
 * doctor — checks a data dir's LMDB contents, and rebuilds indexes from their tables.
 * Layer: store.
 *
 * store_doctor_check, from one read snapshot:
 *   - the format version record (a version this build reads; from 2 on, the "format" record);
 *   - LMDB integrity: every record of every named database is read (a damaged page shows as
 *     an LMDB error: MDB_CORRUPTED, MDB_PAGE_NOTFOUND, ...);
 *   - every catalog record decodes, table ids are unique and below next_tid;
 *   - every data key belongs to a table (or to a removal still pending), every index entry to
 *     an index;
 *   - every index equals its table: each item in the index that should hold it (its index
 *     key present, the right type) with exactly its projection, and no other entry; an index
 *     still being backfilled is skipped;
 *   - the item and index counters (DescribeTable's ItemCount and sizes) equal the counts;
 *   - no index is named twice in a table's definition.
 * Each problem is reported through fn, nothing is written.
 *
 * store_doctor_repair rebuilds one index from its table, or the counters of a table, each in
 * ONE write transaction (entries removed, then written again from the items, counters set),
 * so a server writing meanwhile waits for it and never sees a half-built index; the txn first
 * checks the catalog generation its table definition was pinned at, and a change by another
 * process in between (an index dropped) makes it read the catalog and start again.  A very large
 * index may exceed what one LMDB transaction holds (ERR_IO "MDB_TXN_FULL"): stop the server
 * and run again, or rebuild by dropping and re-creating the GSI.
 */
#ifndef DDB_STORE_DOCTOR_H
#define DDB_STORE_DOCTOR_H

#include <stdint.h>

#include "store/store.h"

#define STORE_DOCTOR_MAX_REPORTS 1000 /* problems reported per check (counted beyond) */

/* One problem: where ("table T", "table T index I", "LMDB", "catalog") and what.  Both
 * borrowed for the call.  table/index: names when the problem is an index or counter that
 * store_doctor_repair can fix, else NULL. */
typedef void (*store_problem_fn)(void *ctx, const char *where, const char *what,
                                 const char *table, const char *index);

typedef struct store_doctor_result {
    unsigned format_version;
    uint64_t tables, indexes, items, index_entries;
    uint64_t problems;
} store_doctor_result;

/* Runs every check above.  Returns 0 when the checks ran (problems counted in out), or an
 * error that stopped them (ERR_IO for an LMDB failure that is not a finding). */
int store_doctor_check(store_t *s, store_problem_fn fn, void *ctx, store_doctor_result *out,
                       err_t *e);

/* Rebuilds index `index` of table `table` (index NULL: the table's item counter only).
 * *out_entries: entries written.  When the table's definition names `index` more than once,
 * it keeps the first index of each name instead and drops the others as a dropped GSI goes
 * (their entries removed in the background; store_work_wait): *out_dropped (may be NULL) says
 * how many.  ERR_RESOURCE_NOT_FOUND (also for an index another process dropped meanwhile),
 * ERR_RESOURCE_IN_USE (the catalog changed under eight tries in a row), ERR_IO. */
int store_doctor_repair(store_t *s, const char *table, const char *index, uint64_t *out_entries,
                        unsigned *out_dropped, err_t *e);

#endif
