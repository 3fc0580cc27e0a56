/*
 * api_int — what the api layer shares between its operation files.  Layer: api (private).
 *
 * What (nearly) every operation file needs: the api and the request in flight, their pins,
 * arenas and reply, the table lookup and metadata edits, the handlers the dispatch table
 * names.  A helper that only some files use has a header of its own, so that its includes
 * say who uses it: api_backups.h, api_conflict.h, api_item.h, api_jview.h, api_out.h,
 * api_partiql.h, api_policy.h, api_req.h, api_schema.h, api_tdef.h, api_tdesc.h,
 * api_text.h, api_throttle.h, api_tstate.h, api_txn_token.h, api_validate.h, api_vector.h,
 * api_walk.h.
 */
#ifndef DDB_API_API_INT_H
#define DDB_API_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/clock.h"
#include "value/av.h"
#include "value/jout.h"

struct api_out;

/* The secrets kept in the data dir (store_secret; made at the open: api_store_opts) */
#define API_PQ_SECRET "partiql-next-token"
#define API_PQ_KEY_LEN 16
#define API_IT_SECRET "stream-iterator"
#define API_IT_KEY_LEN 16

struct api {
    store_t *store;
    _Atomic size_t arena_shared; /* bytes of arena_shared_budget taken (every request's
                                    arena past its own part: api_arena_grow) */
    size_t arena_shared_budget;  /* API_ARENA_SHARED_BUDGET; tests may lower it (never raise
                                    it): DDBCHAT_ARENA_SHARED_MB */
    size_t arena_req_max;        /* a request's usual arena cap, ARENA_DEFAULT_MAX (not a big
                                    body's: api_run); tests may lower it: DDBCHAT_ARENA_REQUEST_MB */
    size_t arena_txn_max;        /* API_ARENA_TXN_MAX; tests may lower it: DDBCHAT_ARENA_TXN_MAX_MB */
    size_t reply_items_text;     /* API_REPLY_ITEMS_TEXT; tests may lower it:
                                    DDBCHAT_REPLY_ITEMS_TEXT_MB */
    char region[64];
    char account_id[32];
    void *txn_tokens; /* ClientRequestToken cache (api_txn_token.c) */
    size_t txn_token_max_bytes; /* its bound (api_opts) */
    unsigned char pq_key[API_PQ_KEY_LEN]; /* PartiQL NextToken MAC key, kept in the data dir
                                             (API_PQ_SECRET, api_partiql.c) */
    unsigned char it_key[API_IT_KEY_LEN]; /* stream shard iterator MAC key, kept in the data
                                             dir (API_IT_SECRET, op_stream.c) */
    int64_t iterator_ttl_ms;  /* shard iterator lifetime */
    int64_t it_wall0, it_boot0; /* the wall and boot-time clocks at api_new: the iterators'
                                   clock (op_stream.c sa_clock_ms) */
    /* tests only: called by GetRecords between its reads of the stream descriptor and of
     * the records (test_op_stream test_shard_closed_between_reads) */
    void (*gr_between_reads)(void *ctx);
    void *gr_between_ctx;
    /* tests only: called by UpdateTable between the commit of its change and the building
     * of its answer (test_op_table_update test_update_answer_after_window) */
    void (*ut_before_answer)(void *ctx);
    void *ut_before_answer_ctx;
    /* --transaction-conflicts (api_conflict.c): items held by ongoing TransactWriteItems
     * (held) and by ongoing single-item and batch writes (held_w, a multiset) */
    bool txn_conflicts;
    pthread_mutex_t hold_mu;
    uint64_t *held, *held_w;
    size_t n_held, cap_held, n_held_w, cap_held_w;
    int64_t hold_delay_ms; /* test aid DDBCHAT_CONFLICT_HOLD_MS: a holder waits this long */
    /* how long a table stays UPDATING after UpdateTable changed its throughput or billing
     * mode (op_table_update.c; DDBCHAT_UPDATE_DONE_DELAY_MS, default API_UPDATE_DELAY_MS) */
    int64_t update_delay_ms;
    /* the quotas page's one UpdateTimeToLive per table per hour (op_table.c; test aid
     * DDBCHAT_TTL_INTERVAL_MS, default API_TTL_INTERVAL_MS) */
    int64_t ttl_interval_ms;
    /* the rolling window of the four switches to on-demand (op_table_update.c; test aid
     * DDBCHAT_PPR_WINDOW_MS, default API_PPR_WINDOW_MS) */
    int64_t ppr_window_ms;
    /* the 24-hour windows of the encryption key changes, 4 of them free in a window and then
     * one each quarter window (op_table_update.c; test aid DDBCHAT_SSE_WINDOW_MS, default
     * API_SSE_WINDOW_MS) */
    int64_t sse_window_ms;
    /* the 30 days in which a table's TableClass changes twice (op_table_update.c; test aid
     * DDBCHAT_CLASS_WINDOW_MS, default API_CLASS_WINDOW_MS) */
    int64_t class_window_ms;
    /* the phases of a vector index added or deleted by UpdateTable (api_vector.c; test aids
     * DDBCHAT_VECTOR_ALLOC_MS / _FILL_MS / _LAG_MS / _DROP_MS, defaults API_VIX_*_MS) */
    int64_t vix_alloc_ms, vix_fill_ms, vix_lag_ms, vix_drop_ms;
    /* DescribeTable's ItemCount / IndexSizeBytes of the vector indexes of a table of more than
     * vix_exact_items items, kept vix_stats_ms (AWS refreshes them about every six hours)
     * rather than counted from every item each time (api_vector.c; DDBCHAT_VECTOR_EXACT_ITEMS,
     * DDBCHAT_VECTOR_STATS_MS).  vix_stats: API_VIX_STATS entries under vix_mu, allocated by
     * the first describe that needs them, or NULL (none yet, or no memory: counted). */
    pthread_mutex_t vix_mu;
    struct api_vix_stat *vix_stats;
    uint64_t vix_exact_items;
    int64_t vix_stats_ms;
    /* test aid (tests/unit/api/test_vector.c): called as a describe starts counting */
    void (*vix_count_hook)(void *arg);
    void *vix_count_arg;
    struct api_thr *thr; /* --throttle (api_throttle.c): token buckets; NULL = off */
    /* --table-delay (api_tstate.c): how long a table stays CREATING / DELETING (0 = off, at
     * once), and the tables DeleteTable dropped that are still DELETING (under gone_mu) */
    int64_t table_delay_ms;
    pthread_mutex_t gone_mu;
    struct api_gone *gone;
    size_t n_gone, cap_gone;
    met_t *metrics;   /* borrowed; NULL = not counted (api_metrics.c) */
    void *backups;    /* backup and restore workers (api_backups.c) */
    struct expr_cache *xcache; /* parsed expressions by text (api_exprs_get); NULL = none */
};

#define API_UPDATE_DELAY_MS 50
#define API_TTL_INTERVAL_MS (3600 * 1000)
#define API_PPR_WINDOW_MS (86400LL * 1000)
#define API_SSE_WINDOW_MS (86400LL * 1000)
#define API_CLASS_WINDOW_MS (30LL * 86400 * 1000)

/* the aggregate size of a transaction's items (the quotas page: 4 MB; the service's text as an
 * AWS-checked emulator, Dynoxide, gives it for TransactWriteItems; TransactGetItems and
 * ExecuteTransaction answer it too, their own text not captured) */
#define TXN_MAX_BYTES ((uint64_t)4 * 1024 * 1024)
#define TXT_T_TOO_BIG                                                                            \
    "Collection size of items exceeded, which can also be caused by the aggregate size of the " \
    "items in the transaction exceeding the 4MB limit"

/* A table descriptor pinned for the request (api_call unpins them all at its end). */
typedef struct api_pin {
    const store_table *t;
    struct api_pin *next;
} api_pin;

/* One request in flight: everything a handler needs.  Lives on the dispatcher's stack. */
typedef struct api_req {
    api_t *api;
    const char *op;
    json_t *body;          /* the request object (borrowed; NULL until api_req_body when the
                            * request came as jbody) */
    const struct jread_val *jbody; /* the request as our reader's tree (api_call_out_jr), or
                                    * NULL; borrowed */
    bool body_owned;       /* body was built from jbody here: the dispatcher drops it */
    const api_caller *caller;
    arena_t *arena;        /* per request: parsed values, ASTs */
    err_t *err;
    json_t *err_extra;     /* set by a handler: extra error-body fields (owned) */
    bool err_text;         /* text mode: the error body's extra members are in w instead
                            * (api_err_open), as one JSON object's text */
    api_pin *pins;         /* descriptors this request uses (api_table, api_pin_table) */
    jout *w;               /* api_call_out's writer (text mode), NULL for api_call */
    const api_sink *sink;  /* api_call_sink's consumer (value mode), else NULL */
    struct api_out *out;   /* the reply of a handler that streams: see api_reply */
    const api_later *later; /* api_call_out_jr_later's caller, else NULL: a write may then
                             * return API_LATER and answer through api_later_finish */
    int values;            /* the value layer its attribute values are read in (ddbjson_layer,
                            * value/ddbjson.h): api_values_layer of the operation */
    size_t arena_cap;      /* the arena's hard maximum (api_arena_share, _for_writes) */
    size_t arena_charged;  /* of api->arena_shared, given back by api_req_finish */
    bool arena_refused;    /* the shared budget refused the arena's growth: the busy reply */
    bool arena_capped;     /* the cap is API_ARENA_TXN_MAX (api_arena_for_stored, _for_writes):
                            * a growth past it is then the busy reply too, not out of memory,
                            * while others hold shared budget; alone, arena_too_big */
    bool arena_too_big;    /* a growth past API_ARENA_TXN_MAX alone on the server: answered
                            * TXT_T_TOO_BIG (ValidationException) when nothing was applied */
    bool applied;          /* a write of the request was applied (api_writes_applied): its
                            * arena grows past the shared budget and no error is the busy
                            * reply, which would have the client apply it again */
    const char *arn_given; /* the table ARN the request's last api_table_get mapped (arena),
                            * and the table it named: ConsumedCapacity's TableName echoes it
                            * (api_cap_table) */
    const struct store_table *arn_table;
} api_req;

/* A handler about to queue its writes for a later answer: notes whether an allocation failed
 * on this (the calling) thread so far, then calls r->later->suspend.  Call it just before
 * store_write_*_later, on the calling thread. */
void api_later_suspend(api_req *r);

/* The end of a request whose handler returned API_LATER (any thread): rc is the handler's
 * result (its reply written through api_reply when 0); unpins, finishes the reply and calls
 * the caller's done.  oom0 is mem_failures() of the finishing thread when its part began (the
 * top of the store's done, or now): the allocation failure counter is per thread, so the
 * request failed if one was counted on the calling thread before api_later_suspend or on
 * this one since oom0.  r is gone after. */
void api_later_finish(api_req *r, int rc, unsigned long oom0);

/* r->body from r->jbody when the handler needs the jansson tree after all (the request's
 * unusual parts, its errors): 0, or ERR_NOMEM.  A no-op when r->body is there. */
int api_req_body(api_req *r);

/* An OnDemandThroughput object merged into holder's "Odt" (a table's metadata or a GSI's
 * entry), member by member: -1 removes a member's ceiling, an emptied "Odt" goes (api_tdesc.c;
 * UpdateTable and the restores).  0, or -1 out of memory (holder then changed in part). */
int api_odt_merge(json_t *holder, json_t *odt);
/* The first member of an OnDemandThroughput object out of range (its name), or NULL: a
 * ceiling is 1 or more, -1 only where it removes one (`minus1`: UpdateTable). */
const char *api_odt_out_of_range(json_t *odt, bool minus1);

/* A handler: fills *out (new reference) or returns a negative ERR_* with r->err set.  A hot
 * handler instead describes its success reply through api_reply (api_out.h), once, after
 * every check, and leaves *out NULL: text for api_call_out, a tree for api_call. */
typedef int (*api_op_fn)(api_req *r, json_t **out);
/* An operation's checks that come before the model's constraints (api.c's dispatch row: "pre"
 * before the whole model, "pre_typed" after its types):
 * the request (req, or jreq for a row that reads our reader's tree) is an object; 0 or the
 * error.  The authorizer's refusal of a ResourceArn it cannot read comes before any
 * validation (op_tags_pre); a SearchVectors TopK's deserialiser answers first
 * (op_search_topk_type). */
typedef int (*api_pre_fn)(const api_t *api, const char *op, const json_t *req,
                          const struct jread_val *jreq, const api_caller *caller, err_t *e);
int op_tags_pre(const api_t *api, const char *op, const json_t *req, const struct jread_val *jreq,
                const api_caller *caller, err_t *e); /* op_table.c */

/* Handlers (one per operation; file named in the comment). */
/* ERR_NOMEM, "out of memory", recorded in r->err: a handler's answer to a failed allocation. */
static inline int api_nomem(api_req *r)
{
    return err_set(r->err, ERR_NOMEM, "out of memory");
}
/* ValidationException with msg as its whole text. */
static inline int api_verr(api_req *r, const char *msg)
{
    return err_set(r->err, ERR_VALIDATION, "%s", msg);
}
/* A time (ms since the epoch) as the service writes one: seconds, a JSON real (new reference;
 * NULL out of memory). */
static inline json_t *api_ms_json(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

/* A key's KeySchema array (every partition key attribute, then every sort key attribute) and
 * an index's Projection object, as DescribeTable shows them (api_tdesc.c; new references):
 * DescribeTable, CreateTable's and UpdateTable's answers, and backups' descriptions. */
json_t *api_keyschema_json(const store_keydef *k);
json_t *api_projection_json(const store_index *ix);
int op_create_table(api_req *r, json_t **out);      /* op_table.c */
int op_delete_table(api_req *r, json_t **out);      /* op_table.c */
int op_describe_table(api_req *r, json_t **out);    /* op_table.c */
int op_list_tables(api_req *r, json_t **out);       /* op_table.c */
int op_update_table(api_req *r, json_t **out);      /* op_table_update.c */
int op_update_time_to_live(api_req *r, json_t **out);   /* op_table.c */
int op_describe_time_to_live(api_req *r, json_t **out); /* op_table.c */
int op_describe_contributor_insights(api_req *r, json_t **out); /* op_table.c */
int op_update_contributor_insights(api_req *r, json_t **out);   /* op_table.c */
int op_list_contributor_insights(api_req *r, json_t **out);     /* op_table.c */
int op_tag_resource(api_req *r, json_t **out);      /* op_table.c */
int op_untag_resource(api_req *r, json_t **out);    /* op_table.c */
int op_list_tags_of_resource(api_req *r, json_t **out); /* op_table.c */
int op_put_resource_policy(api_req *r, json_t **out);    /* op_policy.c */
int op_get_resource_policy(api_req *r, json_t **out);    /* op_policy.c */
int op_delete_resource_policy(api_req *r, json_t **out); /* op_policy.c */
int op_enable_kinesis_streaming_destination(api_req *r, json_t **out);   /* op_kinesis.c */
int op_disable_kinesis_streaming_destination(api_req *r, json_t **out);  /* op_kinesis.c */
int op_update_kinesis_streaming_destination(api_req *r, json_t **out);   /* op_kinesis.c */
int op_describe_kinesis_streaming_destination(api_req *r, json_t **out); /* op_kinesis.c */
int op_list_exports(api_req *r, json_t **out);          /* op_elsewhere.c */
int op_list_imports(api_req *r, json_t **out);          /* op_elsewhere.c */
int op_list_global_tables(api_req *r, json_t **out);    /* op_elsewhere.c */
int op_describe_export(api_req *r, json_t **out);       /* op_elsewhere.c */
int op_export_table_to_point_in_time(api_req *r, json_t **out);        /* op_elsewhere.c */
int op_import_table(api_req *r, json_t **out);                         /* op_elsewhere.c */
int op_create_global_table(api_req *r, json_t **out);                  /* op_elsewhere.c */
int op_update_global_table(api_req *r, json_t **out);                  /* op_elsewhere.c */
int op_update_global_table_settings(api_req *r, json_t **out);         /* op_elsewhere.c */
int op_describe_table_replica_auto_scaling(api_req *r, json_t **out);  /* op_elsewhere.c */
int op_update_table_replica_auto_scaling(api_req *r, json_t **out);    /* op_elsewhere.c */
int op_describe_import(api_req *r, json_t **out);       /* op_elsewhere.c */
int op_describe_global_table(api_req *r, json_t **out); /* op_elsewhere.c */
int op_describe_global_table_settings(api_req *r, json_t **out); /* op_elsewhere.c */
int op_describe_limits(api_req *r, json_t **out);   /* op_misc.c */
int op_describe_endpoints(api_req *r, json_t **out);/* op_misc.c */
int op_put_item(api_req *r, json_t **out);          /* op_item.c */
int op_get_item(api_req *r, json_t **out);          /* op_item.c */
int op_update_item(api_req *r, json_t **out);       /* op_item.c */
int op_delete_item(api_req *r, json_t **out);       /* op_item.c */
int op_query(api_req *r, json_t **out);             /* op_query.c */
int op_scan(api_req *r, json_t **out);              /* op_query.c */
int op_search_vectors(api_req *r, json_t **out);   /* op_search.c */
/* SearchVectors' members of the wrong JSON kind (a real or a big TopK, a number for a string,
 * ...): the service's deserialiser refuses them before the model's checks (op_search.c); req
 * (jansson) or jreq (our reader's tree), caller's body for the order and position.  0 or
 * ERR_SERIALIZATION. */
struct jread_val;
int op_search_topk_type(const json_t *req, const struct jread_val *jreq, const api_caller *caller,
                        err_t *e);
int op_batch_get_item(api_req *r, json_t **out);    /* op_batch.c */
int op_batch_write_item(api_req *r, json_t **out);  /* op_batch.c */
int op_transact_write_items(api_req *r, json_t **out); /* op_transact.c */
int op_transact_get_items(api_req *r, json_t **out);   /* op_transact.c */
int op_create_backup(api_req *r, json_t **out);        /* op_backup.c */
int op_describe_backup(api_req *r, json_t **out);      /* op_backup.c */
int op_list_backups(api_req *r, json_t **out);         /* op_backup.c */
int op_delete_backup(api_req *r, json_t **out);        /* op_backup.c */
int op_restore_table_from_backup(api_req *r, json_t **out); /* op_backup.c */
int op_update_continuous_backups(api_req *r, json_t **out);      /* op_backup.c */
int op_describe_continuous_backups(api_req *r, json_t **out);    /* op_backup.c */
int op_restore_table_to_point_in_time(api_req *r, json_t **out); /* op_backup.c */

int op_list_streams(api_req *r, json_t **out);        /* op_stream.c */
int op_describe_stream(api_req *r, json_t **out);     /* op_stream.c */
int op_get_shard_iterator(api_req *r, json_t **out);  /* op_stream.c */
int op_get_records(api_req *r, json_t **out);         /* op_stream.c */

int op_execute_statement(api_req *r, json_t **out);        /* op_partiql.c */
int op_batch_execute_statement(api_req *r, json_t **out);  /* op_partiql.c */
int op_execute_transaction(api_req *r, json_t **out);      /* op_partiql.c */

/* Opens the handler's reply (api_out.h) in the caller's mode; returns r->out.  Drops any
 * error extras set so far (api_err_drop).  (api_req.c) */
struct api_out *api_reply(api_req *r);

/* The extra members of a failing handler's error body (ConditionalCheckFailedException's
 * Item, TransactionCanceledException's CancellationReasons), described once through o
 * (api_out.h) in the caller's mode: on the endpoint (api_call_out) written as text into r->w,
 * so an item costs its text and no jansson tree (review12 F7b: ~16 MB of heap for a 240 KB
 * item's tree); otherwise built as the tree api_err_close makes r->err_extra (api_call, and
 * api_call_sink, whose value mode would drop the items).  api_err_open drops a reply begun
 * (api_reply) and the extras set before.  (api_req.c) */
void api_err_open(api_req *r, struct api_out *o);
/* Ends what api_err_open began: 0, or ERR_NOMEM with the extras dropped and r->err's error
 * replaced by "out of memory". */
int api_err_close(api_req *r, struct api_out *o);
/* Drops the error extras set so far, in either mode. */
void api_err_drop(api_req *r);
/* Forgets a refusal that a handler turns into one member's outcome (a batch's unprocessed
 * key, a transaction's cancellation reason, a PartiQL batch member's error): r->err cleared
 * and the jansson extras it set (--throttle's ThrottlingReasons) dropped.  The reply written
 * so far is untouched (api_err_drop would reset it in text mode). */
void api_err_forget(api_req *r);

/* Draws the NextToken MAC key (api_partiql.c).  ERR_IO when the kernel has no randomness. */
int api_pq_init(api_t *api);

/* Draws the shard iterator MAC key (op_stream.c).  ERR_IO when the kernel has no randomness. */
int api_stream_init(api_t *api);
/* A stream's label (ISO-8601 with ms, UTC) and ARN (api_stream.c), arena-allocated. */
char *api_stream_label(arena_t *a, int64_t ms);
char *api_stream_arn(api_req *r, const char *user_table, int64_t label_ms);

/* ---- backups ---- */
/* The worker manager (api_backups.c): created by api_new, stopped by api_free (backups being
 * written are abandoned, restores pause and resume at the next api_backups_resume). */
int api_backups_init(api_t *api, err_t *e);
void api_backups_fini(api_t *api);
/* Removes backups left CREATING by a dead process and resumes interrupted restores
 * (op_backup.c). */
int api_backups_resume(api_t *api, err_t *e);
/* True while this process restores into t (its data plane answers ResourceNotFound;
 * api_backups.c). */
bool api_backup_restoring(api_t *api, const store_table *t);
/* ERR_RESOURCE_IN_USE with DynamoDB's wording when t is being restored (DeleteTable,
 * UpdateTable), else 0 (api_table.c, beside the other refusals of a table not ACTIVE). */
int api_restore_refuse(api_req *r, const store_table *t);
/* DescribeTable: "CREATING" for a table being restored, else status; RestoreSummary
 * (api_tdesc.c). */
const char *api_restore_status(json_t *meta, const char *status);
void api_restore_summary(json_t *meta, json_t *desc);
/* The TableDescription of t (api_tdesc.c). */
int api_table_describe(api_req *r, const store_table *t, const char *status, json_t **out);

/* Consumed capacity of a successful request on table t, in half units, for /metrics
 * (api_metrics.c; nothing when the api has no metrics).  Cheap: a few relaxed atomic adds. */
void api_metrics_read(api_req *r, const store_table *t, uint64_t half_units);
void api_metrics_write(api_req *r, const store_table *t, uint64_t half_units);

/* Table lookup with the caller's namespace; ERR_RESOURCE_NOT_FOUND with DynamoDB's text
 * ("Requested resource not found" / DynamoDB Local's wording, see api_text.h).  The
 * descriptor is pinned for the request: valid, unchanged, until api_call returns. */
const store_table *api_table(api_req *r, const char *name);
/* The store's table `store_name` (namespace already applied), pinned for the request like
 * api_table, into *out (NULL when absent).  Returns 0 or ERR_NOMEM (r->err set). */
int api_pin_table(api_req *r, const char *store_name, const store_table **out);
/* A transaction's writes hold, per action until the commit, the old item decoded, its stored
 * bytes and the new item's members (~2.8 MB for an Update of an item of 30,000 numbers, ~6 MB
 * at 400 KB: txn13, review14 F3); 100 such actions passed the request's usual 256 MB arena
 * and answered 500 out of memory.  The decoded item is largest for the smallest stored
 * members: 10.6 MB an Update of an item of a list of 409,000 empty strings (1 byte each
 * stored, a 24-byte value decoded), 2.7 MB of 100,000 empty maps, 5.2 MB of 204,000 NULLs
 * (measured: the arena's total over 10 Updates, review15 F5).  An Update also copies each
 * container along the paths it modifies, once (expr_update.c own_set, an eighth more room when
 * it appends): up to the decoded item's arrays again, 9.8 MB for SET l[0] of that list (20.4 MB
 * a write measured; 12 MB a write answered 25 such Updates 500 out of memory, fixd16); and its
 * list_append and ADD values hold at most an item's elements (9.8 MB; expr_update.c built).
 * So a write takes at most ~10.6 + 11 + 9.8 MB.  The request's arena may hold
 * API_ARENA_PER_TXN_WRITE bytes a write action when that is above its maximum, up to
 * API_ARENA_TXN_MAX (nwrite actions: 800 MB at 25, the cap from 37; more than the shared budget
 * below, which a request alone may pass up to its cap; past a cap of API_ARENA_TXN_MAX a growth
 * is the busy reply, arena_capped).  Every request's
 * arena (api_run, and a write answered later) past API_ARENA_SHARED_FROM takes its growth,
 * in steps of API_ARENA_SHARED_STEP, from one budget the api's requests share
 * (API_ARENA_SHARED_BUDGET), given back when the request ends: such transactions hold a few hundred MB each from a ~20 KB
 * body, which the server's parse budget (charged by body size) does not see, and four at once
 * took 1.6 GB (review14 F7); so did smaller ones (eight 2 KB transactions of 10 wide Updates,
 * ~200 MB each: 1.5 GB), and any small request may take its 256 MB (an UpdateItem of 100
 * list_append copies).  A big body's arena (API_ARENA_PER_BODY_BYTE) is its own: the parse
 * budget paid for it.  When the budget is spent the allocation fails and the request gets the
 * busy reply (ThrottlingException, which the SDKs retry) unless a write was applied
 * (api_writes_applied): then the growth is charged past the budget (a write refused in its
 * own apply step is not applied; a BatchWriteItem answers it in UnprocessedItems). */
#define API_ARENA_PER_TXN_WRITE ((size_t)32 << 20)
#define API_ARENA_SHARED_FROM ((size_t)16 << 20)
#define API_ARENA_SHARED_STEP ((size_t)16 << 20)
#define API_ARENA_SHARED_BUDGET ((size_t)768 << 20)
void api_arena_for_writes(api_req *r, size_t nwrite);
/* A transaction's action is about to copy and decode a stored item of len bytes (its
 * store_write.peek): API_ARENA_PER_TXN_WRITE covers the decoded values of any 400 KB item but
 * not a copy of stored bytes past that size, which numbers make ~47 times an item's size (a
 * number is stored in full: -1E-130 as 133 characters; review15 F1: 20 ConditionChecks of
 * lists of 100,000 of them, 16 MB an action, answered 500 out of memory).  Past
 * API_ARENA_STORED_FROM bytes the cap grows by len, up to API_ARENA_TXN_MAX; past that a
 * growth is the busy reply (on the committing thread, while the request's own waits). */
#define API_ARENA_STORED_FROM ((size_t)1 << 20)
#define API_ARENA_TXN_MAX ((size_t)1200 << 20)
void api_arena_for_stored(api_req *r, size_t len);
/* api_arena_for_stored for a member of a batch whose members are applied one by one
 * (BatchExecuteStatement): the cap grows by len up to API_ARENA_TXN_MAX; -1, the cap
 * unchanged, when the arena's blocks and len would pass API_ARENA_TXN_MAX (that member is
 * refused, nothing decoded; the request is not made busy: others may be applied). */
int api_arena_for_member(api_req *r, size_t len);
/* Notes that the store ran w[0..n) for r: when one of them was applied (rc 0), what follows
 * (the reply, a batch's other results) is charged whatever the shared budget says, bounded
 * by the arena's cap, and api_req_finish answers no busy reply. */
void api_writes_applied(api_req *r, const store_write *w, size_t n);
/* A reply's text past this takes no more items (review15 F1): a number is written in full
 * (-1E-130's 3 stored bytes are 133 characters), so 20 items of 400 KB stored were 284 MB of
 * text, past the endpoint's 256 MB reply cap (server/ddb_proto.c): 500.
 * BatchExecuteStatement answers the reads left ThrottlingError (the client resends those), a
 * TransactionCanceledException's reasons left carry no Item (their Code and Message stay);
 * BatchGetItem stops at 64 MB of text (op_batch.c), its keys left in UnprocessedKeys.  One
 * item is at most ~19 MB of text, so such a reply stays under the cap. */
#define API_REPLY_ITEMS_TEXT ((size_t)192 << 20)
/* Whether r's reply (text mode) holds `limit` bytes of text or more. */
static inline bool api_reply_past(const api_req *r, size_t limit)
{
    return r->w && r->w->len >= limit;
}
static inline bool api_reply_full(const api_req *r)
{
    return api_reply_past(r, r->api->reply_items_text);
}
/* Hands a descriptor the caller pinned (store_table_create / _alter) to the request: api_call
 * unpins it at the end.  On failure (out of memory) it is unpinned at once and r->err set. */
int api_keep_pin(api_req *r, const store_table *t);
/* Unpins everything the request pinned (api_call does it at the end). */
void api_unpin_all(api_req *r);
/* The caller-visible name of a table found by api_table (t->name carries the caller's
 * namespace prefix "<ns>/" under --namespace-tables; use this for TableName in responses,
 * e.g. ConsumedCapacity).  Points into t (valid as long as t).  (api_table.c) */
const char *api_table_name(const store_table *t);
/* The metadata of t as an object (new reference; {} when it has none; NULL when the stored
 * text cannot be read, out of memory or damaged: never treat that as {}, a change would
 * store it back).  A damaged text (one that does not parse with no allocation failing) is
 * logged once per descriptor and marks it (api_table_meta_damaged).  (api_table.c;
 * op_table.c documents its members) */
json_t *api_table_meta(const store_table *t);
/* store_table_mark bit of a descriptor whose metadata was found damaged (api_backups.c's
 * BK_MARK_MET is 1u) */
#define API_MARK_META_DAMAGED 2u
/* True when api_table_meta found t's metadata damaged. */
bool api_table_meta_damaged(const store_table *t);
/* The error of a request that needed t's metadata and got NULL from api_table_meta:
 * InternalServerError, TXT_META_DAMAGED when damaged, else out of memory. */
int api_table_meta_fail(api_req *r, const store_table *t);
/* Changes t's metadata: fn gets the committed metadata object inside the store's write
 * transaction (one read-modify-write, CONVENTIONS 9) and edits it in place; it is stored
 * back when fn returns 0.  fn's errors (set in r->err) are the request's; a table deleted
 * meanwhile is DynamoDB's not-found.  (api_table.c) */
typedef int (*api_meta_fn)(api_req *r, void *ctx, const store_table *cur, json_t *meta);
int api_table_meta_edit(api_req *r, const store_table *t, api_meta_fn fn, void *ctx);
/* The caller's table `name` (caller-visible, namespace applied), pinned for the request, in
 * *out; NULL when there is none or it is still being restored.  name may be the table's
 * ARN (api_table_arn_name; another region's or account's: none).  0, ERR_VALIDATION (an ARN
 * that names no table) or ERR_NOMEM.  (api_table.c) */
int api_table_find(api_req *r, const char *name, const store_table **out);
/* --table-delay: whether the caller's table `name` is DELETING (api_table.c). */
bool api_table_deleting(api_req *r, const char *name);

/* ---- api_table.c: names, lookups and metadata edits for the table operations ---- */
/* The caller's store-name prefix, then `name` ("": the prefix alone), written into out
 * (STORE_NAME_MAX, terminated).  Returns the length written, or STORE_NAME_MAX (out
 * unspecified) when it does not fit. */
size_t api_table_ns(const api_req *r, const char *name, char out[STORE_NAME_MAX]);
/* The store's name for table `name` of this caller; false when it does not fit. */
bool api_table_store_name(const api_req *r, const char *name, char out[STORE_NAME_MAX]);
/* A TableName that is the table's ARN ("arn:..."; the API Reference: TableName "You can also
 * provide the Amazon Resource Name (ARN) of the table"): *name / *len become the table's name
 * in it (borrowed from *name's text: the ARN's end), or *name NULL when it is another
 * region's or account's table (no table here).  Any other *name is left as it is.
 * ERR_VALIDATION for an ARN that names no table, in DynamoDB Local's words (AWS's are
 * uncaptured): "Valid ARN format is ..." (not arn:aws:dynamodb:<region>:<account>:table/...),
 * TXT_INVALID_TABLE_NAME (an index's, a stream's or a backup's ARN, or a name outside the
 * rules).  The one mapping every TableName lookup makes (api_table_named, api_table_get). */
int api_table_arn_name(api_req *r, const char **name, size_t *len);
/* api_table with the error code: ERR_VALIDATION (null or invalid name),
 * ERR_RESOURCE_NOT_FOUND or ERR_NOMEM.  *out is pinned for the request.  name may be the
 * table's ARN (api_table_arn_name). */
int api_table_named(api_req *r, const char *name, const store_table **out);
/* The request's TableName, validated; the table looked up (api_table_named). */
int api_table_lookup(api_req *r, const store_table **out);
/* --table-delay: the ResourceInUseException of a change (DeleteTable, UpdateTable) of t
 * while it is CREATING, else 0. */
int api_table_creating_refuse(api_req *r, const store_table *t);
/* --table-delay: a failed lookup (rc) of the request's TableName turned into the
 * ResourceInUseException "Table is being deleted" when DeleteTable dropped that table less
 * than the delay ago; else rc. */
int api_table_deleting_refuse(api_req *r, int rc);
/* A change of a table, decided from its committed state inside the store's write transaction
 * (store_table_alter): edit gets the committed descriptor (al->cur) and, when with_meta, its
 * metadata object, which is stored back afterwards.  Its errors are reported as the request's
 * (r->err points at the store's error while it runs). */
typedef int (*api_table_edit_fn)(api_req *r, void *ctx, store_alter *al, json_t *meta);
/* Runs edit on table t as one store transaction.  *out (may be NULL): the table as changed,
 * pinned for the request.  A table deleted meanwhile is DynamoDB's not-found. */
int api_table_alter(api_req *r, const store_table *t, bool with_meta, api_table_edit_fn fn,
                    void *ctx, const store_table **out);
/* A metadata member as an integer (0 when absent or not one); whether the metadata says
 * PAY_PER_REQUEST. */
long long api_meta_int(json_t *m, const char *k);
bool api_meta_is_ppr(json_t *meta);


/* The provisioned read and write capacity (out[0], out[1]; out may be NULL) that m, a table's
 * metadata or a GSI's entry in it (JSON; borrowed), puts in effect at wall-clock ms `wall`:
 * while UpdateTable's change of it is in progress (m keeps "PrevRCU" / "PrevWCU" until
 * "UpdatingUntil") the old values, as AWS runs and describes them, else the new ones ("RCU",
 * "WCU"; 0 when absent).  Returns when the old ones end (ms), 0 when the new ones are in
 * effect.  One rule for DescribeTable / UpdateTable's answers and the throttle's buckets
 * (api_throttle.c).  (api_table.c; op_table.c writes these members) */
int64_t api_tp_capacity(json_t *m, int64_t wall, int64_t out[2]);

#endif
