/*
 * backend_remote — msg_backend over client/ddbc.  Layer: messaging.  See backend_remote.h.
 */
#include "messaging/backend_remote.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/log.h"
#include "messaging/messaging_int.h"
#include "messaging/stream_reader.h"

#define REMOTE_FEED_LOOKUP_MS 10000 /* the table's stream is looked up again this often
                                      (less with the test aid DDBCHAT_FEED_LOOKUP_MS) */
#define REMOTE_FEED_LOOKUP_MIN_MS 100 /* the test aid's floor, and the first wait after a
                                         failed read of the stream */
#define REMOTE_FEED_BATCH 1000      /* records per GetRecords of the change feed */

typedef struct remote_backend {
    msg_backend base;
    ddbc_t *client;
    char endpoint[512];
    /* the change feed (wait_change, one thread at a time): the messaging table's stream */
    msg_stream_reader *feed;
    int64_t next_lookup_ms; /* when to look at the table's stream (again) */
    int64_t lookup_ms;      /* REMOTE_FEED_LOOKUP_MS, or the test aid's shorter period */
    backoff reread;         /* reads of the stream failing: the wait before the next try,
                               from lookup_ms / 10 (at least REMOTE_FEED_LOOKUP_MIN_MS)
                               doubling up to REMOTE_FEED_LOOKUP_MS */
    bool feed_said_none;    /* "no stream: polling" logged once */
} remote_backend;

static int remote_call(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    remote_backend *r = (remote_backend *)b;
    /* A TransactWriteItems whose answer is lost (the endpoint applied it, the connection
     * broke) is resent by ddbc; with the same ClientRequestToken the endpoint replays the
     * first answer instead of applying it again.  One fresh token per call (= per attempt
     * of the service's own retry loop, which builds a new request each time). */
    if (strcmp(op, "TransactWriteItems") == 0 && json_is_object(req) &&
        !json_object_get(req, "ClientRequestToken")) {
        json_t *copy = json_copy(req); /* shallow: req is borrowed */
        char token[MSG_UUID_LEN + 1];
        msgi_uuid(token);
        if (!copy || json_object_set_new(copy, "ClientRequestToken", json_string(token))) {
            json_decref(copy);
            *out_resp = NULL;
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        int rc = ddbc_call(r->client, op, copy, out_resp, e);
        json_decref(copy);
        return rc;
    }
    return ddbc_call(r->client, op, req, out_resp, e);
}

static void remote_free(msg_backend *b)
{
    remote_backend *r = (remote_backend *)b;
    msg_stream_reader_free(r->feed);
    ddbc_free(r->client);
    free(r);
}

/* Stopping: calls in flight end, later ones fail at once (ddbc_abort). */
static void remote_abort(msg_backend *b)
{
    ddbc_abort(((remote_backend *)b)->client);
}

static void remote_sleep_until(int64_t until_ms)
{
    int64_t now = base_mono_ms();
    if (until_ms <= now)
        return;
    struct timespec ts = {(time_t)((until_ms - now) / 1000), (long)((until_ms - now) % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Is the feed still the table's enabled latest stream?  (A disabled or replaced stream
 * never returns records again; the reader would wait on it forever.) */
static bool remote_feed_current(remote_backend *r)
{
    char arn[MSG_SR_ARN_MAX];
    int v = msg_stream_enabled(&r->base, MSG_TABLE_DEFAULT, arn, sizeof arn);
    return v < 0 || /* unreachable for now: keep the feed */
           (v == 1 && strcmp(arn, msg_stream_reader_arn(r->feed)) == 0);
}

/* The change feed of a remote endpoint: the messaging table's DynamoDB stream, read through
 * the Streams API (stream_reader.h; on AWS streams.dynamodb.<region>.amazonaws.com).  Each
 * record's partition key is reported (MSG_CHANGE_KEYS: a "GRP#<user>" row moved when a
 * message was sent to that user), and its kind and keys to keys->row (another process's
 * rename or delete: events.c).  Without an enabled stream (or while it cannot be read) the
 * answer is MSG_CHANGE_POLL after timeout_ms: the event streams then poll the table with
 * back-off, and the stream is looked up again every REMOTE_FEED_LOOKUP_MS; a feed that starts (or
 * restarts) answers MSG_CHANGE_ANY first, so what was written before it is scanned once. */
static int remote_wait_change(msg_backend *b, uint64_t *seq, int timeout_ms,
                              const msg_change_keys *keys)
{
    remote_backend *r = (remote_backend *)b;
    int64_t now = base_mono_ms(), end = now + (timeout_ms > 0 ? timeout_ms : 0);
    err_t e;
    err_clear(&e);
    if (r->feed && now >= r->next_lookup_ms) {
        r->next_lookup_ms = now + r->lookup_ms;
        if (!remote_feed_current(r)) {
            log_info("live delivery: the stream of %s was disabled or replaced",
                     MSG_TABLE_DEFAULT);
            msg_stream_reader_free(r->feed);
            r->feed = NULL;
            r->next_lookup_ms = now;
        }
    }
    if (!r->feed) {
        if (now < r->next_lookup_ms) {
            remote_sleep_until(end < r->next_lookup_ms ? end : r->next_lookup_ms);
            return MSG_CHANGE_POLL;
        }
        r->next_lookup_ms = now + r->lookup_ms;
        /* a disabled stream is still the table's latest: following it, the event streams
         * would wait for its records instead of polling (only the next lookup, 10 s on,
         * looked at the table again) */
        char arn[MSG_SR_ARN_MAX];
        int rc = msg_stream_enabled(b, MSG_TABLE_DEFAULT, arn, sizeof arn) == 0
                     ? err_set(&e, ERR_RESOURCE_NOT_FOUND, "no stream of it is enabled")
                     : msg_stream_reader_new(b, MSG_TABLE_DEFAULT, MSG_SR_LATEST, NULL,
                                             &r->feed, &e);
        if (rc) {
            r->feed = NULL;
            if (!r->feed_said_none)
                log_info("live delivery: %s has no readable DynamoDB stream (%s): polling the "
                         "table; enable a stream on it for live delivery without polling",
                         MSG_TABLE_DEFAULT, e.msg);
            r->feed_said_none = true;
            remote_sleep_until(end);
            return MSG_CHANGE_POLL;
        }
        r->feed_said_none = false;
        if (!backoff_failing(&r->reread)) /* (again and again while reads fail: said once) */
            log_info("live delivery: following %s", msg_stream_reader_arn(r->feed));
        return MSG_CHANGE_ANY;
    }
    json_t *recs = NULL;
    if (msg_stream_reader_next(r->feed, REMOTE_FEED_BATCH, &recs, &e)) {
        /* read again after a back-off: lookup_ms / 10 (at least REMOTE_FEED_LOOKUP_MIN_MS),
         * doubling while it fails, up to REMOTE_FEED_LOOKUP_MS.  Before, every lookup_ms / 10
         * however long it failed (a stream the IAM policy does not let us read: four
         * requests and two log lines a second for good; with the test aid at 1..9 ms, at
         * once, as fast as the endpoint answered; test_messaging_stream_feed
         * test_failing_stream_reads_back_off) */
        bool started;
        int64_t wait = backoff_fail(&r->reread, &started);
        if (started)
            log_warn("live delivery: reading %s failed: %s; polling, and reading it again "
                     "with back-off (logged once until a read succeeds)",
                     msg_stream_reader_arn(r->feed), e.msg);
        msg_stream_reader_free(r->feed);
        r->feed = NULL;
        r->next_lookup_ms = base_mono_ms() + wait;
        return MSG_CHANGE_POLL;
    }
    if (backoff_ok(&r->reread))
        log_info("live delivery: reading %s works again", msg_stream_reader_arn(r->feed));
    size_t i, n = json_array_size(recs);
    json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        const json_t *k = json_object_get(json_object_get(rec, "dynamodb"), "Keys");
        const char *pk = json_string_value(json_object_get(json_object_get(k, "pk"), "S"));
        if (pk && keys && keys->changed)
            keys->changed(keys->ctx, pk);
        if (pk && keys && keys->row) /* another process's rename or delete (events.c queues it) */
            keys->row(keys->ctx, json_string_value(json_object_get(rec, "eventName")), pk,
                      json_string_value(json_object_get(json_object_get(k, "sk"), "S")),
                      json_object_get(json_object_get(rec, "dynamodb"), "NewImage"));
    }
    json_decref(recs);
    if (n) {
        *seq += n;
        return MSG_CHANGE_KEYS;
    }
    remote_sleep_until(end);
    return MSG_CHANGE_NONE;
}

/* The REST request's deadline: ddbc's, per thread (the request runs on one thread) */
static void remote_deadline(msg_backend *b, long ms)
{
    (void)b;
    ddbc_deadline(ms);
}

/* The attempts cap: ddbc's, per thread as the deadline */
static void remote_attempts_max(msg_backend *b, int n)
{
    (void)b;
    ddbc_attempts_max(n);
}

/* The last call's x-amz-retry-after: ddbc's, per thread as the deadline */
static long remote_retry_after_ms(msg_backend *b)
{
    (void)b;
    return ddbc_last_retry_after_ms();
}

/* The last call's answer's Date, in ms: ddbc's, per thread as the deadline */
static long long remote_clock_ms(msg_backend *b)
{
    (void)b;
    long long s = ddbc_last_date();
    return s >= 0 ? s * 1000 : -1;
}

static const msg_backend_ops remote_ops = {
    .call = remote_call,
    .free = remote_free,
    .name = "remote",
    .wait_change = remote_wait_change,
    .abort = remote_abort,
    .deadline = remote_deadline,
    .attempts_max = remote_attempts_max,
    .retry_after_ms = remote_retry_after_ms,
    .clock_ms = remote_clock_ms,
};

int msg_backend_remote_new(const ddbc_config *cfg, msg_backend **out, err_t *e)
{
    remote_backend *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = ddbc_new(cfg, &r->client, e);
    if (rc) {
        free(r);
        return rc;
    }
    r->base.ops = &remote_ops;
    snprintf(r->endpoint, sizeof r->endpoint, "%s", cfg->endpoint);
    /* test aid (tests/e2e/test_messaging_stream_feed.py): a disabled stream noticed within
     * this many ms instead of 10 s; REMOTE_FEED_LOOKUP_MIN_MS .. REMOTE_FEED_LOOKUP_MS (a
     * number outside is taken as the nearer bound, anything else as unset): never a
     * lookup of the remote table as often as it answers (before, 0 and below meant 10 s but
     * 1 meant every millisecond) */
    const char *lk = getenv("DDBCHAT_FEED_LOOKUP_MS");
    char *end = NULL;
    long v = lk && *lk ? strtol(lk, &end, 10) : 0;
    bool given = lk && *lk && end && !*end;
    r->lookup_ms = !given || v >= REMOTE_FEED_LOOKUP_MS ? REMOTE_FEED_LOOKUP_MS
                   : v < REMOTE_FEED_LOOKUP_MIN_MS      ? REMOTE_FEED_LOOKUP_MIN_MS
                                                        : v;
    backoff_init(&r->reread,
                 r->lookup_ms / 10 < REMOTE_FEED_LOOKUP_MIN_MS ? REMOTE_FEED_LOOKUP_MIN_MS
                                                               : r->lookup_ms / 10,
                 REMOTE_FEED_LOOKUP_MS);
    *out = &r->base;
    return 0;
}

/* Each probe is a request every real DynamoDB rejects with a ValidationException (so it
 * changes nothing), while an endpoint that lacks the operation answers
 * UnknownOperationException (dynalite, ScyllaDB Alternator: "Unsupported operation ...") or
 * another "not implemented".  Only the operations the messaging service calls are probed
 * (TransactGetItems is not one of them). */
static const struct remote_probe {
    const char *op;
    const char *req;
    const char *why;
} remote_probes[] = {
    {"ListTables", "{\"Limit\":1}", "to list tables"},
    {"TransactWriteItems", "{\"TransactItems\":[]}",
     "to write a message and its conversation rows atomically"},
    {"Query", "{}", "to read conversations and messages"},
    {"GetItem", "{}", "to read users"},
};

int msg_backend_remote_check(msg_backend *b, err_t *e)
{
    remote_backend *r = (remote_backend *)b;
    for (size_t i = 0; i < sizeof remote_probes / sizeof remote_probes[0]; i++) {
        const struct remote_probe *p = &remote_probes[i];
        json_t *req = json_loads(p->req, 0, NULL);
        json_t *resp = NULL;
        err_t pe;
        err_clear(&pe);
        int rc = req ? ddbc_call(r->client, p->op, req, &resp, &pe)
                     : err_set(&pe, ERR_NOMEM, "out of memory");
        json_decref(req);
        json_decref(resp);
        if (rc == 0 || rc == ERR_VALIDATION || rc == ERR_ACCESS_DENIED)
            continue; /* implemented: it answered, validated our empty request, or an IAM
                       * policy without this action refused it (reachable, signature good) */
        if (rc == ERR_TRANSPORT || rc == ERR_NOMEM)
            return err_set(e, rc, "%s", pe.msg);
        if (rc == ERR_UNKNOWN_OPERATION || strstr(pe.msg, "not implemented") ||
            strstr(pe.msg, "Unknown operation") || strstr(pe.msg, "UnknownOperation") ||
            strstr(pe.msg, "Unsupported operation"))
            return err_set(e, ERR_UNSUPPORTED,
                           "the endpoint %s does not implement %s, which ddbchat needs %s "
                           "(%s%s%s)",
                           r->endpoint, p->op, p->why, err_type(rc) ? err_type(rc) : "error",
                           pe.msg[0] ? ": " : "", pe.msg);
        /* an answer of a type the client does not know (or of none) says nothing about the
         * operation: not taken for a ValidationException, reported as it came
         * (test_remote_backend.py::test_check_refuses_an_answer_it_cannot_read) */
        if (rc == ERR_FOREIGN)
            return err_set(e, ERR_UNSUPPORTED,
                           "the endpoint %s answered ddbchat's check of %s with an error it "
                           "does not know (%s), where DynamoDB refuses the empty request as "
                           "invalid; ddbchat needs %s %s",
                           r->endpoint, p->op, pe.msg, p->op, p->why);
        if (strcmp(p->op, "ListTables") == 0)
            return err_set(e, rc, "the endpoint %s refused ListTables: %s: %s", r->endpoint,
                           err_type(rc) ? err_type(rc) : "error", pe.msg);
        /* anything else (e.g. AccessDeniedException for one operation) is left to the
         * operation itself, which reports it when it runs */
    }
    return 0;
}
