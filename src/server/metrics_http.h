/*
 * metrics_http — the text of GET /metrics (Prometheus exposition format 0.0.4).  Layer: server.
 *
 * Families (all prefixed ddbchat_):
 *   requests_total{operation}                 DynamoDB API requests answered
 *   request_errors_total{operation,error}     of which errors, by DynamoDB error type
 *   request_duration_seconds{operation}       histogram, receipt to reply
 *   consumed_capacity_units_total{table,kind} read/write capacity units of successful
 *                                             requests (table units; kind "read"|"write")
 *   group_commit_rounds_total, group_commit_calls_total, group_commit_writes_total,
 *   group_commit_batch_writes (histogram of writes per round),
 *   group_commit_sync_seconds (histogram of the durability syncs)
 *   lmdb_map_bytes, lmdb_used_bytes, lmdb_file_bytes, lmdb_page_bytes,
 *   lmdb_readers_used, lmdb_readers_max, lmdb_last_txn_id
 *   http_connections{listener}, http_requests_in_flight, tables
 * then whatever collectors registered with the met_t (e.g. stream lag per trigger, the live
 * event streams open: messaging/events.h msg_events_metrics).
 * Labels hold only operation names of the api's table, DynamoDB error type names, caller-
 * visible table names and fixed words: never keys, values or credentials.
 */
#ifndef DDB_SERVER_METRICS_HTTP_H
#define DDB_SERVER_METRICS_HTTP_H

#include "api/api.h"
#include "base/buf.h"
#include "base/metrics.h"

#define HTTP_METRICS_PATH "/metrics"
#define HTTP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_METRICS_MAX ((size_t)16 << 20)

typedef struct http_metrics_in {
    met_t *met;       /* may be NULL: no request counters */
    api_t *api;       /* may be NULL: no store figures */
    unsigned long conns_ddb, conns_rest;
    long in_flight;
} http_metrics_in;

/* Appends the whole exposition to b.  0, or ERR_NOMEM when b hit its maximum. */
int http_metrics_render(const http_metrics_in *in, buf_t *b);

#endif
