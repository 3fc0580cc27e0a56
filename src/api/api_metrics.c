/*
 * api_metrics — consumed capacity per table for /metrics.  Layer: api.
 *
 * Handlers report the capacity of each successful request (half units, the arithmetic of
 * api_item.c) here; it is counted per table id under the table's caller-visible name (the
 * namespace prefix, which holds an access key id, never becomes a label).  Table units
 * only: index units are in ConsumedCapacity when asked for, not in the metrics.
 * api_metrics_render_store writes the store's families of GET /metrics (group commit, LMDB,
 * tables) for server/metrics_http.c, which may not see the store itself.
 */
#include "api/api_int.h"

#include <stdio.h>

#include "store/backup.h"

#define API_MET_NS "ddbchat_"

void api_metrics_read(api_req *r, const store_table *t, uint64_t half_units)
{
    if (r->api->metrics && t)
        met_capacity(r->api->metrics, t->id, api_table_name(t), half_units, 0);
}

void api_metrics_write(api_req *r, const store_table *t, uint64_t half_units)
{
    if (r->api->metrics && t)
        met_capacity(r->api->metrics, t->id, api_table_name(t), 0, half_units);
}

static void am_seconds(buf_t *b, uint64_t us)
{
    met_prom_double(b, (double)us / 1e6);
}

static void am_gauge(buf_t *b, const char *name, const char *help, uint64_t v)
{
    met_prom_header(b, name, "gauge", help);
    buf_printf(b, "%s ", name);
    met_prom_u64(b, v);
    buf_putc(b, '\n');
}

static void am_counter(buf_t *b, const char *name, const char *help, uint64_t v)
{
    met_prom_header(b, name, "counter", help);
    buf_printf(b, "%s ", name);
    met_prom_u64(b, v);
    buf_putc(b, '\n');
}

void api_metrics_render_store(api_t *api, buf_t *b)
{
    store_t *s = api->store;
    store_commit_stats cs;
    store_commit_stats_get(s, &cs);
    am_counter(b, API_MET_NS "group_commit_rounds_total",
               "LMDB write transactions run by the group committer.", cs.rounds);
    am_counter(b, API_MET_NS "group_commit_calls_total", "Write calls carried by the group committer.",
               cs.calls);
    am_counter(b, API_MET_NS "group_commit_writes_total", "Item writes carried by the group committer.",
               cs.writes);
    am_counter(b, API_MET_NS "other_write_txns_total",
               "LMDB write transactions outside the group committer (table changes, stream and "
               "PITR passes; TTL deletes go through the group committer).",
               cs.other_txns);
    am_counter(b, API_MET_NS "group_commit_rounds_chained_total",
               "Rounds a committer thread led straight after its previous one (no thread woken "
               "for the lead).", cs.chained);
    met_prom_header(b, API_MET_NS "group_commit_batch_writes", "histogram",
                    "Item writes per group-commit round.");
    uint64_t cum = 0;
    for (int i = 0; i < STORE_BATCH_BUCKETS; i++) {
        cum += cs.batch_hist[i];
        if (i == STORE_BATCH_BUCKETS - 1)
            buf_printf(b, API_MET_NS "group_commit_batch_writes_bucket{le=\"+Inf\"} ");
        else
            buf_printf(b, API_MET_NS "group_commit_batch_writes_bucket{le=\"%llu\"} ",
                       1ULL << i);
        met_prom_u64(b, cum);
        buf_putc(b, '\n');
    }
    buf_printf(b, API_MET_NS "group_commit_batch_writes_sum ");
    met_prom_u64(b, cs.writes);
    buf_printf(b, "\n" API_MET_NS "group_commit_batch_writes_count ");
    met_prom_u64(b, cs.rounds);
    buf_putc(b, '\n');
    met_prom_header(b, API_MET_NS "group_commit_sync_seconds", "histogram",
                    "Durability syncs (fsync of the LMDB meta page) after each round.");
    cum = 0;
    for (int i = 0; i < STORE_SYNC_BUCKETS; i++) {
        cum += cs.sync_hist[i];
        buf_printf(b, API_MET_NS "group_commit_sync_seconds_bucket{le=\"");
        if (i == STORE_SYNC_BUCKETS - 1)
            buf_printf(b, "+Inf");
        else
            am_seconds(b, store_sync_bounds_us[i]);
        buf_printf(b, "\"} ");
        met_prom_u64(b, cum);
        buf_putc(b, '\n');
    }
    buf_printf(b, API_MET_NS "group_commit_sync_seconds_sum ");
    am_seconds(b, cs.sync_us);
    buf_printf(b, "\n" API_MET_NS "group_commit_sync_seconds_count ");
    met_prom_u64(b, cs.syncs);
    buf_putc(b, '\n');

    store_env_stats es;
    err_t e = {0};
    if (store_env_stats_get(s, &es, &e) == 0) {
        am_gauge(b, API_MET_NS "lmdb_map_bytes", "Size of the LMDB map (grows as needed).",
                 es.map_bytes);
        am_gauge(b, API_MET_NS "lmdb_used_bytes", "LMDB pages in use up to the last one written.",
                 es.used_bytes);
        am_gauge(b, API_MET_NS "lmdb_file_bytes", "Size of data.mdb on disk.", es.file_bytes);
        am_gauge(b, API_MET_NS "lmdb_page_bytes", "LMDB page size.", es.page_size);
        am_gauge(b, API_MET_NS "lmdb_readers_used", "LMDB reader slots used (high-water mark).",
                 es.readers);
        am_gauge(b, API_MET_NS "lmdb_readers_max", "LMDB reader slots available.", es.max_readers);
        am_counter(b, API_MET_NS "lmdb_last_txn_id", "Id of the last committed LMDB transaction.",
                   es.last_txnid);
        am_gauge(b, API_MET_NS "lmdb_oldest_snapshot_seconds",
                 "Age of the oldest read snapshot commits have passed, of any process on the "
                 "data dir (LMDB reuses no page freed after it while it lives).",
                 (uint64_t)(es.oldest_snapshot_ms / 1000));
        am_gauge(b, API_MET_NS "lmdb_oldest_snapshot_pid", "The process holding it (0: none).",
                 (uint64_t)es.oldest_snapshot_pid);
    }
    arena_t a;
    arena_init(&a);
    char **names = NULL;
    size_t n = 0;
    if (store_table_list(s, &a, &names, &n, &e) == 0)
        am_gauge(b, API_MET_NS "tables", "Tables in the data dir (all namespaces).", n);
    arena_fini(&a);
}

