/*
 * metrics — counters for /metrics, cheap on the hot path.  Layer: base.
 *
 * One met_t per server, owned by whoever made it (cli/serve.c) and borrowed by the layers that
 * count into it (server: requests; api: consumed capacity).  Every counter is sharded
 * MET_SHARDS ways; a thread adds to "its" shard (picked round-robin on its first count and
 * kept in a thread-local) with relaxed atomic adds, so counting takes no lock and threads do
 * not fight over one cache line.  Readers (a scrape) sum the shards; a sum is not one instant
 * across counters, which Prometheus tolerates.
 *
 * What is counted is indexed, not named: operations by the api's operation index (the
 * renderer asks the api for names), errors by the row of err_table.def, tables by their store
 * id (each first seen with the caller-visible name, which becomes its label).  Nothing from a
 * request's content (keys, values, credentials) is ever recorded: an unknown operation name
 * is counted as MET_OP_OTHER.
 *
 * Prometheus text exposition helpers (met_prom_*) write into a buf_t.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
#ifndef DDB_BASE_METRICS_H
#define DDB_BASE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define MET_SHARDS 16
#define MET_MAX_OPS 64          /* operation slots; the last is "other" (unknown names) */
#define MET_OP_OTHER (MET_MAX_OPS - 1)
#define MET_ERR_SLOTS 48        /* error rows counted per operation; later rows share the last */
#define MET_ERR_OTHER (-MET_ERR_SLOTS) /* an error outside the error table ("Other") */
#define MET_LAT_BUCKETS 17      /* latency buckets: MET_LAT_BUCKETS - 1 bounds, then +Inf */
#define MET_MAX_TABLES 1024     /* tables with capacity counters; more share the last slot */
#define MET_NAME_MAX 256

/* Upper bounds of the latency buckets, microseconds (le="..." in seconds on the wire). */
extern const uint64_t met_lat_bounds_us[MET_LAT_BUCKETS - 1];

typedef struct met met_t;

/* 0 or ERR_NOMEM. */
int met_new(met_t **out);
/* Accepts NULL. */
void met_free(met_t *m);

/* ---- counting (hot path; m may be NULL: nothing is counted) --------------------------- */

/* One request of operation op (0..MET_MAX_OPS-1, or MET_OP_OTHER) that took us
 * microseconds and ended with err (0, or a negative ERR_*). */
void met_request(met_t *m, int op, int err, uint64_t us);
/* Consumed capacity, in half units, of table `id` (store id, > 0) whose label is `name`
 * (copied the first time the id is seen). */
void met_capacity(met_t *m, uint32_t id, const char *name, uint64_t read_h, uint64_t write_h);

/* ---- reading (a scrape) ------------------------------------------------------------------ */

typedef struct met_op_totals {
    uint64_t requests;
    uint64_t errors[MET_ERR_SLOTS]; /* by err row (index = -code - 1) */
    uint64_t lat[MET_LAT_BUCKETS];  /* per bucket, not cumulative */
    uint64_t lat_sum_us;
} met_op_totals;

void met_read_op(met_t *m, int op, met_op_totals *out);
/* Calls fn for every table slot in use: its label and summed half units. */
void met_read_tables(met_t *m, void (*fn)(void *ctx, const char *name, uint64_t read_h,
                                          uint64_t write_h),
                     void *ctx);

/* ---- collectors: subsystems that render their own samples at scrape time ---------------- */
/* E.g. stream lag per trigger: a subsystem registers fn once (with ctx it owns, valid until
 * met_free or until removed); every scrape calls it to append complete families (HELP, TYPE,
 * samples) to the text.  At most MET_MAX_COLLECTORS; ERR-like -1 when full.  Registration
 * takes a lock (never on the hot path). */
#define MET_MAX_COLLECTORS 16
typedef void (*met_collector_fn)(void *ctx, buf_t *b);
int met_add_collector(met_t *m, met_collector_fn fn, void *ctx);
void met_remove_collector(met_t *m, met_collector_fn fn, void *ctx);
/* Runs every collector into b. */
void met_run_collectors(met_t *m, buf_t *b);

/* ---- Prometheus text --------------------------------------------------------------------- */

/* "# HELP name help\n# TYPE name type\n" */
void met_prom_header(buf_t *b, const char *name, const char *type, const char *help);
/* A label value, escaped (\\, \", \n). */
void met_prom_escape(buf_t *b, const char *value);
/* A sample value: integers exactly, others with up to 9 significant digits. */
void met_prom_u64(buf_t *b, uint64_t v);
void met_prom_double(buf_t *b, double v);

#endif
