/*
 * api — DynamoDB operations, transport-free.  Layer: api.
 *
 * api_call(op, request JSON) -> response JSON | error, in DynamoDB's own shapes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html).
 * One dispatch (api.c) looks the operation up in a table, does the checks every operation
 * shares, then runs the handler (op_table.c, op_item.c, op_query.c, op_batch.c,
 * op_transact.c, op_misc.c).  Used by server/ (the DynamoDB endpoint) and by messaging/'s
 * embedded backend.  Thread-safe: any number of threads may call api_call at once.
 */
#ifndef DDB_API_API_H
#define DDB_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/metrics.h"
#include "store/store.h"
#include "value/jout.h"

typedef struct api api_t;

typedef struct api_opts {
    const char *region;     /* for ARNs; default "us-east-1" */
    const char *account_id; /* for ARNs; default "000000000000" */
    int64_t iterator_ttl_ms; /* stream shard iterator lifetime; 0 = 15 minutes (AWS) */
    /* opt-in realism (`serve --transaction-conflicts`): a write meeting an item an ongoing
     * TransactWriteItems holds fails as on AWS (api_conflict.c) */
    bool transaction_conflicts;
    /* opt-in realism (`serve --throttle`): provisioned tables and their GSIs throttled at
     * their configured capacity, on-demand ones at AWS's per-table limits (api_throttle.c) */
    bool throttle;
    /* opt-in realism (`serve --table-delay MS`; 0 = off, the default): a new table is
     * CREATING, a deleted one DELETING, for this many ms; UpdateTable's UPDATING lasts as long
     * (api_tstate.c) */
    int64_t table_delay_ms;
    met_t *metrics;         /* consumed capacity per table is counted here; NULL = none.
                               Borrowed: must outlive the api. */
    bool resume_jobs;       /* the server: finish restores interrupted by a stop and remove
                               backups a dead process left half-written (op_backup.c) */
    /* TransactWriteItems' ClientRequestToken cache: at most this many bytes of tokens,
     * request digests and answers (oldest forgotten first); 0 = API_TXN_TOKEN_MAX_BYTES */
    size_t txn_token_max_bytes;
} api_opts;

#define API_TXN_TOKEN_MAX_BYTES ((size_t)32 << 20)

/* DynamoDB Streams operations are in the same table, named with this prefix
 * ("DynamoDBStreams.GetRecords" for X-Amz-Target DynamoDBStreams_20120810.GetRecords). */
#define API_STREAMS_OP_PREFIX "DynamoDBStreams."
#define API_ITERATOR_TTL_MS (15LL * 60 * 1000)

/* Stream view types by name (KEYS_ONLY, ...): store_sview, STORE_SV_NONE when unknown. */
uint8_t api_stream_view_parse(const char *s);
const char *api_stream_view_name(uint8_t v);

/* The caller, as the transport authenticated it. */
typedef struct api_caller {
    const char *ns; /* table-name namespace (per access key + region), NULL = shared tables */
    /* the request body's size (0: unknown): the request's arena may grow to
     * API_ARENA_PER_BODY_BYTE times it when that is above its usual maximum (ARENA_DEFAULT_MAX):
     * a valid 12 MB request of 1.2 million AttributesToGet names needs ~270 MB */
    size_t body_len;
    /* the request body's text (NULL: unknown), for a text that names a place in it (the
     * serde-style position of SearchVectors' TopK: op_search_topk_type) */
    const char *body;
    /* the request's Host header (NULL: none; valid while the request is answered):
     * DescribeEndpoints names it as the endpoint, the address the client reached us at */
    const char *host;
} api_caller;
#define API_ARENA_PER_BODY_BYTE 32

/* The store options api_new relies on, set in *so before store_open: the secrets it reads
 * (the PartiQL NextToken and stream iterator keys), made by the open's own commit on a new
 * data dir instead of one synced commit each (issue 13.4; test_op_stream.c
 * test_api_secrets_made_at_open).  The other options are left as they are. */
void api_store_opts(store_opts *so);
/* Creates the operation layer over an open store (borrowed; must outlive the api). */
int api_new(store_t *store, const api_opts *opts, api_t **out, err_t *e);
/* Accepts NULL. */
void api_free(api_t *api);

/* Runs one operation.  op: the name after "DynamoDB_20120810." ("PutItem").  req: the
 * request object (borrowed).  caller may be NULL.
 * Success: returns 0, *out_resp is a new reference the caller owns.
 * Failure: returns a negative ERR_* with the DynamoDB message in e (err_type(code) gives the
 * __type); *out_resp is NULL or a new reference to an object of extra fields for the error
 * body (ConditionalCheckFailedException's "Item", TransactionCanceledException's
 * "CancellationReasons").
 * ERR_UNKNOWN_OPERATION for an unknown op. */
int api_call(api_t *api, const char *op, json_t *req, const api_caller *caller,
             json_t **out_resp, err_t *e);

/* api_call with the reply written as JSON text into w (value/jout.h, CRC32 included)
 * instead of a tree: the hot operations write it directly from values, without a jansson
 * tree (api_out.h); the others' trees are serialised into w.  Same rules as api_call: on
 * failure w is emptied, *out_extra is NULL or the error body's extra fields. */
int api_call_out(api_t *api, const char *op, json_t *req, const api_caller *caller, jout *w,
                 json_t **out_extra, err_t *e);

/* api_call_out from our reader's tree (value/jread.h; borrowed, with the arena and input it
 * points into, until the call returns): the operations that read it directly (GetItem,
 * PutItem, UpdateItem, DeleteItem) skip the jansson tree for the common request; the others
 * get jread_to_jansson's tree, the same
 * tree json_loadb would give.  Same answers, texts and order as api_call_out over that tree
 * (tests/unit/api/test_api_jread.c). */
struct jread_val;
int api_call_out_jr(api_t *api, const char *op, const struct jread_val *req,
                    const api_caller *caller, jout *w, json_t **out_extra, err_t *e);

/* A caller that can be answered later, from another thread (issue 13.3 design (a): no
 * thread waits for a durable write).  suspend(ctx) is called once, just before the write is
 * queued (the caller stops waiting for the call: e.g. suspends its connection); done(ctx, rc)
 * once, after the write is durable (or failed), with rc, w, *out_extra and e as
 * api_call_out_jr would have left them.  done runs on the store's committing thread: it must
 * not block. */
typedef struct api_later {
    void (*suspend)(void *ctx);
    void (*done)(void *ctx, int rc);
    void *ctx;
} api_later;
#define API_LATER 1 /* api_call_out_jr_later: the answer comes through later->done */

/* api_call_out_jr that may answer later: a PutItem, UpdateItem, DeleteItem, BatchWriteItem
 * or TransactWriteItems queues its writes and returns API_LATER
 * (after later->suspend); every other request, and every request of an api with
 * --transaction-conflicts or --throttle (they may wait), is answered now as by
 * api_call_out_jr (0 or an error; suspend and done not called).  arena: the request's
 * (values, expressions), the caller's.  req and what it points into, caller, arena, w,
 * out_extra and e must stay valid until done is called. */
/* Whether api_call_out_jr_later answers those writes later: false with
 * --transaction-conflicts or --throttle, whose writes may wait (run them on a thread that may
 * block: api_call_out_jr_later would answer them now, waiting). */
bool api_writes_later(const api_t *api);
int api_call_out_jr_later(api_t *api, const char *op, const struct jread_val *req,
                          const api_caller *caller, arena_t *arena, jout *w, json_t **out_extra,
                          err_t *e, const api_later *later);

/* The calls above for a transport that has looked the operation up once (api_op_index; -1,
 * or any index that is not an operation's, as an unknown name): api_call_out_at is
 * api_call_out_jr with jreq set, else api_call_out with req; api_call_out_jr_later_at is
 * api_call_out_jr_later.  The same answers, errors and lifetimes as by name. */
int api_call_out_at(api_t *api, int op_index, json_t *req, const struct jread_val *jreq,
                    const api_caller *caller, jout *w, json_t **out_extra, err_t *e);
int api_call_out_jr_later_at(api_t *api, int op_index, const struct jread_val *req,
                             const api_caller *caller, arena_t *arena, jout *w,
                             json_t **out_extra, err_t *e, const api_later *later);

/* A reply handed to the caller as values instead of JSON (api_call_sink).  item() gets each
 * item of the reply: key is the member's name ("Item", "LastEvaluatedKey", "Attributes") or,
 * for an element of an array, the array's name ("Items"); the value (an M) and everything it
 * points to live in the request's arena and are valid only during the call: copy what must
 * outlive it.  A nonzero return fails the call with ERR_NOMEM.  The reply's other members
 * (Count, ConsumedCapacity, ...) are not handed over.  For Query and Scan, item() runs while
 * the store reads the page, inside its read transaction (4993155): it must not write, wait
 * for a write, or block; reading is safe. */
struct av;
typedef struct api_sink {
    int (*item)(void *ctx, const char *key, const struct av *item);
    void *ctx;
} api_sink;

/* api_call with the reply's items handed to sink as values: no JSON text, no jansson tree
 * (the messaging service's embedded backend reads its Query and GetItem answers this way).
 * Only for the operations whose handlers describe their reply through api_out.h (GetItem,
 * PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, GetRecords); another one fails
 * with ERR_INTERNAL before it runs.  Failure as api_call (*out_extra: the error body's extra
 * fields or NULL); the sink may have been handed some items before a failure. */
int api_call_sink(api_t *api, const char *op, json_t *req, const api_caller *caller,
                  const api_sink *sink, json_t **out_extra, err_t *e);
/* api_call_sink from our reader's tree (value/jread.h; borrowed, with the arena and input it
 * points into, until the call returns), as api_call_out_jr reads it: the same answers, texts
 * and order as api_call_sink over the tree json_loadb would give (the messaging service's
 * requests written as text, backend.h call_req_text). */
int api_call_sink_jr(api_t *api, const char *op, const struct jread_val *req,
                     const api_caller *caller, const api_sink *sink, json_t **out_extra,
                     err_t *e);

/* True when `op` names an operation this endpoint implements. */
bool api_has_operation(const char *op);
/* The operation's index (0..api_op_count()-1, stable for the life of the process), or -1
 * for a name that is not an operation (for metrics; never a label from request text). */
int api_op_index(const char *op);
int api_op_count(void);
/* Whether operation op reads our reader's tree itself (api_call_out_jr: GetItem, Query, the
 * writes, ...); the others get jansson's tree, which a caller holding only the body may as
 * well have json_loadb build (no reader's tree beside it).  False for an unknown name. */
bool api_op_reads_jread(const char *op);
/* api_op_reads_jread for api_op_index's index (false for -1). */
bool api_op_reads_jread_at(int op_index);
/* The name of operation i (static), or NULL. */
const char *api_op_name(int i);
/* Whether a PartiQL statement's text (len bytes) is a SELECT, read as the PartiQL lexer reads
 * its first word (past white space, \f and \v included, and comments): for a transport that
 * classes a request as a read before running it (server/ddb_proto.c's reply budget). */
bool api_pq_is_select(const char *text, size_t len);

/* Appends the store's GET /metrics families (Prometheus text: group commit, LMDB, tables;
 * see server/metrics_http.h) to b. */
void api_metrics_render_store(api_t *api, buf_t *b);

/* The store this api runs on (borrowed). */
store_t *api_store(api_t *api);

/* The engine's commit notification (store_change_wait): returns a number that changes with
 * every committed write (of this process or another one on the data dir) as soon as it
 * differs from `seen`, or after timeout_ms.  For the messaging event streams. */
uint64_t api_change_wait(api_t *api, uint64_t seen, int timeout_ms);

/* The version of table `table`'s partition whose hash key is `hash` (store_partition_version:
 * a read after taking version v answers what later reads answer while it is still v; it
 * moves with this process's writes to that partition and with any other process's commit);
 * 0, not to be cached, when there is no such table or no version now.  For the messaging
 * service's user cache. */
uint64_t api_partition_version(api_t *api, const char *table, const av_t *hash);

#endif
