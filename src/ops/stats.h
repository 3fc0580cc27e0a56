/*
 * stats — reads a server's GET /metrics and sums it up for `ddbchat stats`.  Layer: ops.
 *
 * ops_stats_fetch GETs <endpoint>/metrics (Prometheus text, server/metrics_http.h);
 * ops_stats_parse turns the text into {"<family>": [{"labels": {...}, "value": n}, ...]};
 * ops_stats_summary folds that into what the table shows, which is also the --json output:
 *   {"operations": {"<Op>": {"requests", "errors", "errors_by_type": {...}, "avg_ms",
 *                            "p50_ms", "p99_ms"}},           (percentiles: bucket upper bounds)
 *    "capacity": {"<table>": {"read", "write"}},
 *    "group_commit": {"rounds", "calls", "writes", "writes_per_round", "syncs", "sync_avg_ms",
 *                     "sync_p99_ms"},
 *    "lmdb": {"map_bytes", "used_bytes", "file_bytes", "readers_used", "readers_max",
 *             "last_txn_id"},
 *    "http": {"connections": {"dynamodb", "rest"}, "in_flight"}, "tables": n}
 */
#ifndef DDB_OPS_STATS_H
#define DDB_OPS_STATS_H

#include <jansson.h>

#include "base/err.h"

#define OPS_STATS_MAX_BYTES ((size_t)16 << 20)
#define OPS_STATS_TIMEOUT_MS 10000

/* GETs url (e.g. "http://127.0.0.1:8000/metrics"); *out malloc'd NUL-terminated text.
 * ERR_TRANSPORT (cannot connect, not 200, too large). */
int ops_stats_fetch(const char *url, char **out, err_t *e);
/* Parses exposition text.  New reference, or NULL with ERR_VALIDATION for a malformed line. */
json_t *ops_stats_parse(const char *text, err_t *e);
/* The summary above (new reference). */
json_t *ops_stats_summary(json_t *samples);

#endif
