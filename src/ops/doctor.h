/*
 * doctor — `ddbchat doctor`: checks a data dir, and with repair rebuilds indexes.  Layer: ops.
 *
 * Checks (read-only: the data dir is opened read-only unless repairing, so a server may be
 * running on it):
 *   - the engine's data (store/doctor.h): format version, LMDB integrity, catalog, every key
 *     owned, every index equal to its table, counters;
 *   - the messaging table when present (pattern D, src/messaging/service.h): one conversation
 *     row per participant per conversation, at the newest message's time and with its text;
 *     the pair row agrees and names exactly the two participants; each row names the OTHER
 *     participant; message rows carry no message_group_uuid (they would show in the GSI);
 *     every handle row points at a user row with that handle and back;
 *   - the on-demand backups under backups/: every record parses, every AVAILABLE backup has
 *     its dump, and the dump reads to its end with the right checksum.
 * Repair rebuilds, each in one write transaction, every index (and item counter) the check
 * found wrong, then checks again.  Messaging rows and backups are reported, never changed.
 */
#ifndef DDB_OPS_DOCTOR_H
#define DDB_OPS_DOCTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define OPS_DOCTOR_EXAMPLES 5 /* messaging problems named one by one, per kind */

/* One line of the report: kind "problem", "repaired" or "note". */
typedef void (*ops_doctor_fn)(void *ctx, const char *kind, const char *where, const char *what);

typedef struct ops_doctor_opts {
    const char *data_dir;
    const char *messaging_table; /* NULL: "cruddur-messages" */
    bool repair;
    ops_doctor_fn report;
    void *ctx;
} ops_doctor_opts;

typedef struct ops_doctor_result {
    unsigned format_version;
    uint64_t tables, indexes, items, index_entries;
    uint64_t problems;     /* left after the run (after repair, what it could not fix) */
    uint64_t found;        /* found by the first check */
    uint64_t repaired;     /* indexes and counters rebuilt */
    bool messaging_checked;
    uint64_t messaging_rows;
    uint64_t backups;
} ops_doctor_result;

/* Runs the checks (and repairs).  0 when they ran (see out->problems); ERR_VALIDATION when
 * data_dir is not a data dir; ERR_IO when it cannot be read at all. */
int ops_doctor(const ops_doctor_opts *o, ops_doctor_result *out, err_t *e);

#endif
