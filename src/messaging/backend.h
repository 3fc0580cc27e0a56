/*
 * backend — the one seam between the messaging service and storage.  Layer: messaging.
 *
 * call(operation, request) -> response | error, in DynamoDB's own request/response JSON
 * shapes.  Two implementations: the embedded engine (backend_embedded.c, dispatching to
 * api/) and a remote DynamoDB-compatible endpoint (backend_remote.c, over client/).  The
 * messaging code never knows which one it talks to.
 */
#ifndef DDB_MESSAGING_BACKEND_H
#define DDB_MESSAGING_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/err.h"

typedef struct msg_backend msg_backend;
struct msg_change_keys;
struct api_sink;

typedef struct msg_backend_ops {
    /* Runs one DynamoDB operation ("PutItem").  req borrowed.  Success: 0 and *out_resp (new
     * reference, caller owns).  Failure: negative ERR_* with the DynamoDB type (err_type) and
     * message in e; *out_resp NULL or the error body's extra fields (e.g.
     * "CancellationReasons"), caller owns. */
    int (*call)(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e);
    /* Releases the backend.  Accepts NULL via msg_backend_free. */
    void (*free)(msg_backend *b);
    const char *name; /* "embedded", "remote" */
    /* The change feed (may be NULL: the backend has none, and the event streams poll the
     * table, see events.h).  Blocks until the table may have changed since *seq or
     * timeout_ms passes; *seq starts at 0 and is the backend's own position (opaque).
     * Returns MSG_CHANGE_NONE (timeout), MSG_CHANGE_ANY (something changed, unknown what),
     * or MSG_CHANGE_KEYS (only the partition keys reported through keys->changed changed).
     * Embedded: the engine's commit notification (ANY), and, when keys->row is given and
     * the messaging table has a stream enabled, the records of the commits that stream has
     * to keys->row (no changed(pk): ANY scans every feed).  Remote: the table's DynamoDB
     * stream, which reports the changed keys (KEYS; "GRP#<user>" names a user whose
     * conversations moved), or MSG_CHANGE_POLL after timeout_ms while the table has no
     * readable stream: no feed for now, poll the table (the next answer that is not POLL
     * says the feed is back).  Called from one thread at a time. */
    int (*wait_change)(msg_backend *b, uint64_t *seq, int timeout_ms,
                       const struct msg_change_keys *keys);
    /* The change feed may go unread while no event stream is open: its next wait_change
     * answers at once for everything missed meanwhile, at no extra cost (embedded: *seq is
     * the engine's commit id).  False for the remote feed: its reader would have a backlog of
     * stream records to go through first, so it keeps following the stream. */
    bool wait_change_idle;
    /* call with the successful response's items (its Item, Items, LastEvaluatedKey,
     * Attributes) handed to sink as values (api.h's api_sink: each valid during its callback
     * only) instead of a tree: the hot reads (the listings' Query, the user's GetItem) build
     * and parse no JSON.  Failure as call (*out_err_extra).  May be NULL: msgi_call_items
     * then converts call's tree (ddbjson_to_item). */
    int (*call_items)(msg_backend *b, const char *op, json_t *req, const struct api_sink *sink,
                      json_t **out_err_extra, err_t *e);
    /* call_items (sink not NULL), or call without the reply (sink NULL: the caller reads only
     * the outcome and, on failure, *out_err_extra), with the request as JSON text (req, len
     * bytes; borrowed): the service writes its hot requests with jout instead of building
     * trees.  The embedded engine reads the text as the DynamoDB endpoint reads a body (jread,
     * api_call_sink_jr / api_call_out_jr: the answers call gives for json_loadb's tree of the
     * text).  May be NULL: msgi_call_text then hands jansson's tree of the text to call_items
     * / call. */
    int (*call_req_text)(msg_backend *b, const char *op, const char *req, size_t len,
                         const struct api_sink *sink, json_t **out_err_extra, err_t *e);
    /* The data's version now, without waiting: it changes with every commit that could
     * change what a read answers (embedded: the engine's last transaction id, every process
     * sharing the data dir included).  A read made after taking version v answers what any
     * later read answers while the version is still v (the user lookup's cache in
     * service_users.c).  May be NULL: nothing is cached. */
    uint64_t (*version)(msg_backend *b);
    /* The version of one partition now, without waiting: table's items whose hash key is the
     * string pk.  As version, but it moves only with commits that may change that partition
     * (embedded: api_partition_version; a write elsewhere in the table leaves it, so a cache of
     * user rows survives the sends).  0: none now, do not cache.  May be NULL: version is used. */
    uint64_t (*partition_version)(msg_backend *b, const char *table, const char *pk);
    /* call with the successful response as its JSON text (*out_text, malloc'ed, *out_len
     * bytes; compact, members in call's order), no tree: a GetRecords page of wide images
     * costs its text, where its tree took ~70 MB a 1 MB page (stream_reader.c).  Failure as
     * call (*out_err_extra).  May be NULL: stream_reader.c then dumps call's tree. */
    int (*call_text)(msg_backend *b, const char *op, json_t *req, char **out_text,
                     size_t *out_len, json_t **out_err_extra, err_t *e);
    /* For a process that is stopping, before the last users of the backend are joined: the
     * calls in flight end soon (remote: within about a second, not after the endpoint's
     * timeouts and retries) and every later call fails at once.  Irreversible.  May be NULL
     * (embedded: its calls are local and short).  Called through msg_backend_abort. */
    void (*abort)(msg_backend *b);
    /* Bounds the calling thread's next calls as a whole: they end within ms (> 0) from now,
     * failing with ERR_TRANSPORT once it has passed; ms <= 0 lifts the bound.  For a REST
     * request (rest.c msg_rest_handle).  May be NULL (embedded: its calls are local and its
     * writes' waits bounded by the server's queue timeout).  Through msg_backend_deadline. */
    void (*deadline)(msg_backend *b, long ms);
    /* Caps the calling thread's next calls at n attempts each (1: no retry, no back-off); n <=
     * 0 lifts the cap.  For reads better left out than waited for (events.c's side reads).
     * May be NULL (embedded: no retries).  Through msg_backend_attempts_max. */
    void (*attempts_max)(msg_backend *b, int n);
    /* The endpoint's retry hint for the calling thread's last call, when that call failed
     * and its last answer carried one (remote: x-amz-retry-after, whole milliseconds, or else
     * Retry-After in seconds or as an HTTP-date: ddbc_parse_retry_after); -1
     * otherwise.  The REST API's 503 unavailable turns it into Retry-After (rest.c).  May be
     * NULL (embedded: no hints).  Through msg_backend_retry_after_ms. */
    long (*retry_after_ms)(msg_backend *b);
    /* The endpoint's clock when it answered the calling thread's last call (ms since the
     * epoch; remote: that answer's HTTP Date header, whole seconds), or -1 when unknown (no
     * Date sent).  A stream's ApproximateCreationDateTime is a time on that clock: a LATEST
     * start is saved as it (stream_reader.c), not as ours, which may be ahead.  May be NULL
     * (embedded: the engine stamps its records with our own clock).  Through
     * msg_backend_clock_ms. */
    long long (*clock_ms)(msg_backend *b);
} msg_backend_ops;

enum { MSG_CHANGE_NONE = 0, MSG_CHANGE_ANY = 1, MSG_CHANGE_KEYS = 2, MSG_CHANGE_POLL = 3 };

/* Where a change feed reports changed partition keys ("GRP#<uuid>", "MSG#<group>", ...).
 * row, when not NULL, is also told each record's kind ("INSERT", "MODIFY", "REMOVE": a
 * DynamoDB stream record's eventName) and keys (sk NULL when the record has none) and its
 * NewImage (DynamoDB JSON, borrowed for the call; NULL when the stream's view has none), after
 * changed(pk), on the waiting thread, before wait_change returns: it should not wait on the
 * backend (events.c queues the read of another process's rename or delete for its own
 * thread: the batch's keys, its messages, are not held by it). */
typedef struct msg_change_keys {
    void (*changed)(void *ctx, const char *pk);
    void *ctx;
    void (*row)(void *ctx, const char *event_name, const char *pk, const char *sk,
                const json_t *new_image);
} msg_change_keys;

struct msg_backend {
    const msg_backend_ops *ops;
};

static inline int msg_backend_call(msg_backend *b, const char *op, json_t *req,
                                   json_t **out_resp, err_t *e)
{
    return b->ops->call(b, op, req, out_resp, e);
}

static inline void msg_backend_abort(msg_backend *b)
{
    if (b && b->ops->abort)
        b->ops->abort(b);
}

static inline void msg_backend_deadline(msg_backend *b, long ms)
{
    if (b && b->ops->deadline)
        b->ops->deadline(b, ms);
}

static inline void msg_backend_attempts_max(msg_backend *b, int n)
{
    if (b && b->ops->attempts_max)
        b->ops->attempts_max(b, n);
}

static inline long msg_backend_retry_after_ms(msg_backend *b)
{
    return b && b->ops->retry_after_ms ? b->ops->retry_after_ms(b) : -1;
}

/* The endpoint's clock at the calling thread's last call's answer (clock_ms), or our own
 * wall clock when the backend has none (embedded) or the answer did not say (a remote that
 * sends no Date). */
static inline int64_t msg_backend_clock_ms(msg_backend *b)
{
    long long ms = b && b->ops->clock_ms ? b->ops->clock_ms(b) : -1;
    return ms >= 0 ? (int64_t)ms : base_wall_ms();
}

static inline void msg_backend_free(msg_backend *b)
{
    if (b)
        b->ops->free(b);
}

typedef struct api api_t;

/* The embedded backend (backend_embedded.c): each call is api_call(api, op, req) with no
 * caller namespace (the shared tables the DynamoDB endpoint's default namespace sees).  api
 * borrowed; must outlive the backend.  ERR_NOMEM. */
int msg_backend_embedded_new(api_t *api, msg_backend **out, err_t *e);

#endif
