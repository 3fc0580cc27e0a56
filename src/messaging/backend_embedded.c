/*
 * backend_embedded — the messaging backend on the embedded engine: every call is api_call
 * on the shared (un-namespaced) tables.  Layer: messaging.  See backend.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "messaging/backend.h"
#include "messaging/service.h"
#include "messaging/stream_reader.h"
#include "value/jout.h"
#include "value/jread.h"

#define EMBEDDED_FEED_LOOKUP_MS 1000 /* the table's stream looked up (again) this often */
#define EMBEDDED_FEED_IDLE_MS 5000   /* a feed not followed this long is opened again at its end */
#define EMBEDDED_FEED_BATCH 1000     /* records per GetRecords */
#define EMBEDDED_FEED_READS 8        /* GetRecords per wait at most (the rest: the next wait's) */

typedef struct embedded_backend {
    msg_backend base; /* first: a msg_backend* is an embedded_backend* */
    api_t *api;       /* borrowed */
    /* the change feed's records (wait_change, one thread at a time): the messaging table's
     * stream while it has one enabled, for keys->row (another process's rename or delete) */
    msg_stream_reader *feed;
    int64_t next_lookup_ms; /* when to look at the table's stream (again) */
    int64_t last_wait_ms;   /* when wait_change last returned */
    bool read_failing;      /* a read of the stream failed: said once until one works */
    bool backlog; /* the feed may hold records not read yet (just opened, or each of its
                   * last EMBEDDED_FEED_READS reads returned records): the next wait reads
                   * them at once, a commit or not (before, they waited for an unrelated
                   * commit) */
} embedded_backend;

static int embedded_call(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_call(eb->api, op, req, NULL, out_resp, e);
}

/* The reply's items as the engine's values (api_call_sink: no JSON text, no tree). */
static int embedded_call_items(msg_backend *b, const char *op, json_t *req, const api_sink *sink,
                               json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_call_sink(eb->api, op, req, NULL, sink, out_err_extra, e);
}

/* The request as text: read with jread into an arena of this call, then the engine's path
 * for our reader's tree (the DynamoDB endpoint's); the reply's items to sink, or (sink NULL)
 * its text written and dropped. */
static int embedded_call_req_text(msg_backend *b, const char *op, const char *req, size_t len,
                                  const api_sink *sink, json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    *out_err_extra = NULL;
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error je;
    int rc;
    if (jread_parse(req, len, &a, &v, &je))
        rc = je.nomem ? err_set(e, ERR_NOMEM, "out of memory")
                      : err_set(e, ERR_INTERNAL, "unreadable %s request: %s", op, je.text);
    else if (sink)
        rc = api_call_sink_jr(eb->api, op, v, NULL, sink, out_err_extra, e);
    else {
        jout w;
        jout_init(&w, 0);
        rc = api_call_out_jr(eb->api, op, v, NULL, &w, out_err_extra, e);
        jout_fini(&w);
    }
    arena_fini(&a);
    return rc;
}

/* The reply's text as the endpoint writes it (api_call_out: from the values, no tree). */
static int embedded_call_text(msg_backend *b, const char *op, json_t *req, char **out_text,
                              size_t *out_len, json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    *out_text = NULL;
    *out_len = 0;
    jout w;
    jout_init(&w, 0);
    int rc = api_call_out(eb->api, op, req, NULL, &w, out_err_extra, e);
    if (rc == 0 && !(*out_text = jout_take(&w, out_len)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    jout_fini(&w);
    return rc;
}

/* The messaging table's stream as the feed follows it: looked up every
 * EMBEDDED_FEED_LOOKUP_MS (also while nothing commits, so that a stream enabled meanwhile is
 * followed from then on, not from after the next commit) and opened at its end; dropped when
 * disabled or replaced, and when wait_change was not called for EMBEDDED_FEED_IDLE_MS (no
 * event stream open: events.c's idle watcher; what was written meanwhile is for nobody, and
 * reading it would be a backlog of GetRecords first). */
static void embedded_feed_lookup(embedded_backend *eb, int64_t now)
{
    if (eb->feed && now - eb->last_wait_ms > EMBEDDED_FEED_IDLE_MS) {
        msg_stream_reader_free(eb->feed);
        eb->feed = NULL;
        eb->next_lookup_ms = now;
    }
    if (now < eb->next_lookup_ms)
        return;
    eb->next_lookup_ms = now + EMBEDDED_FEED_LOOKUP_MS;
    char arn[MSG_SR_ARN_MAX];
    int v = msg_stream_enabled(&eb->base, MSG_TABLE_DEFAULT, arn, sizeof arn);
    if (v < 0 || (eb->feed && v == 1 && strcmp(arn, msg_stream_reader_arn(eb->feed)) == 0))
        return; /* not described now (the table is being created): as it was */
    if (eb->feed) {
        log_info("live delivery: the stream of %s was disabled or replaced", MSG_TABLE_DEFAULT);
        msg_stream_reader_free(eb->feed);
        eb->feed = NULL;
    }
    err_t e;
    err_clear(&e);
    if (v == 1 &&
        msg_stream_reader_new(&eb->base, MSG_TABLE_DEFAULT, MSG_SR_LATEST, NULL, &eb->feed, &e)) {
        eb->feed = NULL;
        log_debug("live delivery: %s's stream cannot be followed now: %s", MSG_TABLE_DEFAULT,
                  e.msg);
    } else if (eb->feed) {
        eb->backlog = true; /* what came between its opening and the next commit */
        log_info("live delivery: following %s for other processes' renames and deletes",
                 msg_stream_reader_arn(eb->feed));
    }
}

/* The feed's new records, each one's kind and keys to keys->row (events.c queues the read of
 * another process's rename or delete).  A read that fails drops the feed (looked up again at
 * the next lookup); the events it would have given come at the pages' next listing.  Only an
 * empty read says nothing is left: a page shorter than EMBEDDED_FEED_BATCH may still have
 * records behind it (GetRecords stops at 1 MB, SA_RECORDS_BYTES, and a ranged stream's reader
 * returns one shard's page at a time), so the reads go on until one is empty, and a wait that
 * stopped at EMBEDDED_FEED_READS with records in each leaves the backlog to the next.  Before,
 * a short page ended the backlog: with images of 1.5 KB, 683 of 8,030 records were read and
 * the rest waited for an unrelated commit (r33b #1; test_events.c
 * test_embedded_feed_backlog_of_large_images). */
static void embedded_feed_read(embedded_backend *eb, const msg_change_keys *keys)
{
    eb->backlog = false;
    for (int n = 0; eb->feed && n < EMBEDDED_FEED_READS; n++) {
        json_t *recs = NULL;
        err_t e;
        err_clear(&e);
        if (msg_stream_reader_next(eb->feed, EMBEDDED_FEED_BATCH, &recs, &e)) {
            if (!eb->read_failing)
                log_warn("live delivery: reading %s failed: %s; followed again from its end "
                         "(logged once until a read succeeds)",
                         msg_stream_reader_arn(eb->feed), e.msg);
            eb->read_failing = true;
            msg_stream_reader_free(eb->feed);
            eb->feed = NULL;
            return;
        }
        eb->read_failing = false;
        size_t i, k = json_array_size(recs);
        json_t *rec;
        json_array_foreach(recs, i, rec)
        {
            const json_t *ks = json_object_get(json_object_get(rec, "dynamodb"), "Keys");
            const char *pk = json_string_value(json_object_get(json_object_get(ks, "pk"), "S"));
            if (pk)
                keys->row(keys->ctx, json_string_value(json_object_get(rec, "eventName")), pk,
                          json_string_value(json_object_get(json_object_get(ks, "sk"), "S")),
                          json_object_get(json_object_get(rec, "dynamodb"), "NewImage"));
        }
        json_decref(recs);
        if (k == 0)
            return;
    }
    eb->backlog = eb->feed != NULL; /* every read had records: more may wait (the next wait's) */
}

/* The engine's commit notification: any commit to the data dir (this process or another
 * one, e.g. `ddbchat send` while the server runs) may have added messages (ANY: the feeds
 * scan the table).  When keys->row is asked for and the messaging table has a stream, the
 * stream's records of those commits go to it too (embedded_feed_read), so that another
 * process's rename or delete reaches this process's event streams as with a remote table's
 * stream (before, with the embedded engine only at the pages' next listing).  A backlog (a
 * feed just opened, or a read cut at EMBEDDED_FEED_READS pages) is read by the next wait
 * without waiting for a commit (test_events.c test_embedded_feed_backlog_read_without_commit). */
static int embedded_wait_change(msg_backend *b, uint64_t *seq, int timeout_ms,
                                const msg_change_keys *keys)
{
    embedded_backend *eb = (embedded_backend *)b;
    bool rows = keys && keys->row;
    if (rows) {
        embedded_feed_lookup(eb, base_mono_ms());
        if (eb->feed && eb->backlog)
            embedded_feed_read(eb, keys);
    }
    /* a backlog still left: no waiting (the next wait reads on) */
    uint64_t cur = api_change_wait(eb->api, *seq, rows && eb->feed && eb->backlog ? 0 : timeout_ms);
    int r = MSG_CHANGE_NONE;
    if (cur != *seq) {
        *seq = cur;
        r = MSG_CHANGE_ANY;
        if (rows)
            embedded_feed_read(eb, keys);
    }
    eb->last_wait_ms = base_mono_ms();
    return r;
}

static uint64_t embedded_version(msg_backend *b)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_change_wait(eb->api, 0, 0); /* no wait: the current commit id */
}

static uint64_t embedded_partition_version(msg_backend *b, const char *table, const char *pk)
{
    embedded_backend *eb = (embedded_backend *)b;
    av_t h = {.type = AV_S, .u.str = {pk, strlen(pk)}};
    return api_partition_version(eb->api, table, &h);
}

static void embedded_free(msg_backend *b)
{
    if (b)
        msg_stream_reader_free(((embedded_backend *)b)->feed);
    free(b);
}

static const msg_backend_ops embedded_ops = {
    .call = embedded_call,
    .free = embedded_free,
    .name = "embedded",
    .wait_change = embedded_wait_change,
    .wait_change_idle = true,
    .call_items = embedded_call_items,
    .version = embedded_version,
    .partition_version = embedded_partition_version,
    .call_text = embedded_call_text,
    .call_req_text = embedded_call_req_text,
};

int msg_backend_embedded_new(api_t *api, msg_backend **out, err_t *e)
{
    embedded_backend *eb = calloc(1, sizeof *eb);
    if (!eb)
        return err_set(e, ERR_NOMEM, "out of memory");
    eb->base.ops = &embedded_ops;
    eb->api = api;
    *out = &eb->base;
    return 0;
}
