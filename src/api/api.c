/*
 * api — the one dispatch for DynamoDB operations.  Layer: api.  See api.h.
 *
 * Operation metadata is data: a table of name -> handler.  The dispatcher does the checks
 * every operation shares (known operation, request is a JSON object), sets up the
 * per-request arena, and runs the handler.  Any allocation failure the handler saw
 * (base/mem.h) makes the answer ERR_NOMEM, whatever the handler returned.  The request's own
 * part (its arena's share of the budget, pins, reply, error extras, its end) is api_req.c's;
 * this file calls the operations and is called by none of them.
 */
#include "api/api_conflict.h"
#include "api/api_int.h"
#include "api/api_out.h"
#include "api/api_req.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_tstate.h"
#include "api/api_txn_token.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "api/api_walk.h"
#include "base/mem.h"
#include "value/ddbjson.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "expr/expr.h"
#include "expr/expr_partiql.h"
#include "value/jread.h"

/* pre_empty_member's texts */
#define TXT_EMPTY_INDEX_NAME                                                                     \
    "IndexName must be at least 3 characters long and at most 255 characters long"
#define TXT_EMPTY_TABLE_NAME                                                                     \
    "TableName must be at least 3 characters long and at most 255 characters long"
#define API_EXPR_CACHE_ENTRIES 256 /* distinct expression texts kept parsed (~8 KB each) */

/* SearchVectors' TopK type check, as a pre hook (api_pre_fn) */
static int pre_search(const api_t *api, const char *op, const json_t *req,
                      const jread_val *jreq, const api_caller *caller, err_t *e)
{
    (void)api;
    (void)op;
    return op_search_topk_type(req, jreq, caller, e);
}

/* Hand-written checks the service makes of an empty member before the model's constraints
 * (the ack-api-quirks lab's live probes, DDB-TABLE-457, 2026-10-09): Contributor Insights'
 * IndexName "" (insights_index_empty, insights_describe_index_empty), DescribeBackup's
 * BackupArn "" (describe_backup_empty_arn), RestoreTableFromBackup's TargetTableName ""
 * (rst_target_empty) and the legacy DescribeGlobalTable / DescribeGlobalTableSettings'
 * GlobalTableName "" (legacy_describe_gt_empty, legacy_describe_gts_empty).  Only the empty
 * string was probed: shorter or ill-formed values keep the model's texts. */
static int pre_empty_member(const api_t *api, const char *op, const json_t *req,
                            const jread_val *jreq, const api_caller *caller, err_t *e)
{
    (void)api;
    (void)jreq;
    (void)caller;
    static const struct {
        const char *op, *member, *text;
    } rows[] = {
        {"DescribeBackup", "BackupArn", TXT_BK_INVALID_ARN},
        {"DescribeContributorInsights", "IndexName", TXT_EMPTY_INDEX_NAME},
        {"UpdateContributorInsights", "IndexName", TXT_EMPTY_INDEX_NAME},
        {"RestoreTableFromBackup", "TargetTableName", TXT_EMPTY_TABLE_NAME},
        {"DescribeGlobalTable", "GlobalTableName", TXT_EMPTY_TABLE_NAME},
        {"DescribeGlobalTableSettings", "GlobalTableName", TXT_EMPTY_TABLE_NAME},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcmp(op, rows[i].op) != 0)
            continue;
        json_t *v = json_object_get(req, rows[i].member);
        if (json_is_string(v) && json_string_length(v) == 0)
            return err_set(e, ERR_VALIDATION, "%s", rows[i].text);
    }
    return 0;
}

static const struct api_op_row {
    const char *name;
    api_op_fn fn;
    bool jread;     /* the handler reads r->jbody itself (api_call_out_jr) */
    api_pre_fn pre; /* checks before the model's, or NULL (api_pre_fn) */
    api_pre_fn pre_typed; /* checks after the model's types, before its constraints, or NULL */
} api_ops[] = {
    {"BatchExecuteStatement", op_batch_execute_statement, true, NULL, NULL}, /* as ExecuteStatement */
    {"BatchGetItem", op_batch_get_item, true, NULL, NULL},
    {"BatchWriteItem", op_batch_write_item, true, NULL, NULL},
    {"CreateBackup", op_create_backup, false, NULL, NULL},
    {"CreateGlobalTable", op_create_global_table, false, NULL, NULL},
    {"CreateTable", op_create_table, false, NULL, NULL},
    {"DeleteBackup", op_delete_backup, false, NULL, NULL},
    {"DeleteItem", op_delete_item, true, NULL, NULL},
    {"DeleteResourcePolicy", op_delete_resource_policy, false, NULL, NULL},
    {"DeleteTable", op_delete_table, false, NULL, NULL},
    {"DescribeBackup", op_describe_backup, false, NULL, pre_empty_member},
    {"DescribeContinuousBackups", op_describe_continuous_backups, false, NULL, NULL},
    {"DescribeContributorInsights", op_describe_contributor_insights, false, NULL, pre_empty_member},
    {"DescribeEndpoints", op_describe_endpoints, false, NULL, NULL},
    {"DescribeExport", op_describe_export, false, NULL, NULL},
    {"DescribeGlobalTable", op_describe_global_table, false, NULL, pre_empty_member},
    {"DescribeGlobalTableSettings", op_describe_global_table_settings, false, NULL, pre_empty_member},
    {"DescribeImport", op_describe_import, false, NULL, NULL},
    {"DescribeKinesisStreamingDestination", op_describe_kinesis_streaming_destination, false, NULL, NULL},
    {"DescribeLimits", op_describe_limits, false, NULL, NULL},
    {"DescribeTable", op_describe_table, false, NULL, NULL},
    {"DescribeTableReplicaAutoScaling", op_describe_table_replica_auto_scaling, false, NULL, NULL},
    {"DescribeTimeToLive", op_describe_time_to_live, false, NULL, NULL},
    {"DisableKinesisStreamingDestination", op_disable_kinesis_streaming_destination, false, NULL, NULL},
    {"DynamoDBStreams.DescribeStream", op_describe_stream, false, NULL, NULL},
    {"DynamoDBStreams.GetRecords", op_get_records, false, NULL, NULL},
    {"DynamoDBStreams.GetShardIterator", op_get_shard_iterator, false, NULL, NULL},
    {"DynamoDBStreams.ListStreams", op_list_streams, false, NULL, NULL},
    {"EnableKinesisStreamingDestination", op_enable_kinesis_streaming_destination, false, NULL, NULL},
    {"ExecuteStatement", op_execute_statement, true, NULL, NULL}, /* but for Parameters, via jansson */
    {"ExecuteTransaction", op_execute_transaction, true, NULL, NULL}, /* as ExecuteStatement */
    {"ExportTableToPointInTime", op_export_table_to_point_in_time, false, NULL, NULL},
    {"GetItem", op_get_item, true, NULL, NULL},
    {"GetResourcePolicy", op_get_resource_policy, false, NULL, NULL},
    {"ImportTable", op_import_table, false, NULL, NULL},
    {"ListBackups", op_list_backups, false, NULL, NULL},
    {"ListContributorInsights", op_list_contributor_insights, false, NULL, NULL},
    {"ListExports", op_list_exports, false, NULL, NULL},
    {"ListGlobalTables", op_list_global_tables, false, NULL, NULL},
    {"ListImports", op_list_imports, false, NULL, NULL},
    {"ListTables", op_list_tables, false, NULL, NULL},
    {"ListTagsOfResource", op_list_tags_of_resource, false, NULL, op_tags_pre},
    {"PutItem", op_put_item, true, NULL, NULL},
    {"PutResourcePolicy", op_put_resource_policy, false, NULL, NULL},
    {"Query", op_query, true, NULL, NULL},
    {"RestoreTableFromBackup", op_restore_table_from_backup, false, NULL, pre_empty_member},
    {"RestoreTableToPointInTime", op_restore_table_to_point_in_time, false, NULL, NULL},
    {"Scan", op_scan, true, NULL, NULL},
    {"SearchVectors", op_search_vectors, false, pre_search, NULL},
    {"TagResource", op_tag_resource, false, NULL, op_tags_pre},
    {"TransactGetItems", op_transact_get_items, true, NULL, NULL},
    {"TransactWriteItems", op_transact_write_items, true, NULL, NULL},
    {"UntagResource", op_untag_resource, false, NULL, op_tags_pre},
    {"UpdateContinuousBackups", op_update_continuous_backups, false, NULL, NULL},
    {"UpdateContributorInsights", op_update_contributor_insights, false, NULL, pre_empty_member},
    {"UpdateGlobalTable", op_update_global_table, false, NULL, NULL},
    {"UpdateGlobalTableSettings", op_update_global_table_settings, false, NULL, NULL},
    {"UpdateItem", op_update_item, true, NULL, NULL},
    {"UpdateKinesisStreamingDestination", op_update_kinesis_streaming_destination, false, NULL, NULL},
    {"UpdateTable", op_update_table, false, NULL, NULL},
    {"UpdateTableReplicaAutoScaling", op_update_table_replica_auto_scaling, false, NULL, NULL},
    {"UpdateTimeToLive", op_update_time_to_live, false, NULL, NULL},
};

/* The value layer an operation reads its attribute values in (value/ddbjson.h, the conformance
 * suite's tier3 error-messages/valueLayers, 2026-10-09): the older one for BatchWriteItem, the
 * transactions (us-east-1, eu-west-1, us-west-2; eu-west-2 already answers them in the
 * current one) and Scan. */
static int values_layer(api_op_fn fn)
{
    return fn == op_batch_write_item || fn == op_transact_write_items ||
                   fn == op_transact_get_items || fn == op_scan
               ? DDBJSON_OLDER
               : DDBJSON_CURRENT;
}

/* True when the row's handler describes its reply through api_out.h (api_reply), so the reply
 * can be handed over as values (api_call_sink). */
static bool api_op_values(const struct api_op_row *row)
{
    static const api_op_fn fns[] = {op_batch_get_item, op_delete_item, op_get_item,
                                    op_put_item,       op_query,       op_scan,
                                    op_update_item,    op_get_records};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (row->fn == fns[i])
            return true;
    return false;
}

/* The row of op: this thread's last answer first (a connection mostly repeats one operation,
 * and a request looks its operation up twice: the protocol's log, then the dispatch), else a
 * binary search of the sorted table. */
static const struct api_op_row *api_find(const char *op)
{
    static _Thread_local const struct api_op_row *last;
    if (last && strcmp(op, last->name) == 0)
        return last;
    size_t lo = 0, hi = sizeof api_ops / sizeof api_ops[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(op, api_ops[mid].name);
        if (c == 0)
            return last = &api_ops[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool api_has_operation(const char *op)
{
    return op && api_find(op) != NULL;
}

int api_op_index(const char *op)
{
    const struct api_op_row *row = op ? api_find(op) : NULL;
    return row ? (int)(row - api_ops) : -1;
}

/* The row of api_op_index's i, or NULL (a negative i: no such operation). */
static const struct api_op_row *api_row_at(int i)
{
    return i >= 0 && (size_t)i < sizeof api_ops / sizeof api_ops[0] ? &api_ops[i] : NULL;
}

/* Each row's input model (api_schema_input), looked up once: the dispatch validates every
 * request against it without searching the schema's table by name. */
#define API_OP_N (sizeof api_ops / sizeof api_ops[0])
static const api_shape *api_ops_in[API_OP_N];
static pthread_once_t api_ops_in_once = PTHREAD_ONCE_INIT;

static void api_ops_in_init(void)
{
    for (size_t i = 0; i < API_OP_N; i++)
        api_ops_in[i] = api_schema_input(api_ops[i].name);
}

int api_op_count(void)
{
    return (int)(sizeof api_ops / sizeof api_ops[0]);
}

const char *api_op_name(int i)
{
    return i >= 0 && i < api_op_count() ? api_ops[i].name : NULL;
}

static const store_secret_def api_secrets[] = {
    {API_PQ_SECRET, API_PQ_KEY_LEN}, /* api_pq_init */
    {API_IT_SECRET, API_IT_KEY_LEN}, /* api_stream_init */
};

void api_store_opts(store_opts *so)
{
    so->secrets = api_secrets;
    so->nsecrets = sizeof api_secrets / sizeof api_secrets[0];
}

/* A test aid's whole number of MB from the environment variable `name`: -1 when unset or not
 * a number from its first character to its last ("64MB", "", " 64" are not). */
static long api_env_mb(const char *name)
{
    const char *s = getenv(name);
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || *end ? -1 : v;
}

/* A size a test aid lowers: `name`'s whole number of MB (api_env_mb) when it is from lo_mb up
 * to below cap, else cap (lowered, never raised; a bad value such as "12abc" is ignored). */
static size_t api_env_lowered(const char *name, long lo_mb, size_t cap)
{
    long mb = api_env_mb(name);
    return mb >= lo_mb && (size_t)mb < cap >> 20 ? (size_t)mb << 20 : cap;
}

int api_new(store_t *store, const api_opts *opts, api_t **out, err_t *e)
{
    api_t *api = calloc(1, sizeof *api);
    if (!api)
        return err_set(e, ERR_NOMEM, "out of memory");
    api->store = store;
    if (api_pq_init(api)) {
        free(api);
        return err_set(e, ERR_IO, "cannot read or keep the PartiQL NextToken key");
    }
    if (api_stream_init(api)) {
        free(api);
        return err_set(e, ERR_IO, "cannot read or keep the stream iterator key");
    }
    api_hold_init(api, opts && opts->transaction_conflicts);
    const char *ud = getenv("DDBCHAT_UPDATE_DONE_DELAY_MS");
    api->update_delay_ms = ud ? strtol(ud, NULL, 10) : API_UPDATE_DELAY_MS;
    api_tstate_init(api, opts ? opts->table_delay_ms : 0);
    if (api->table_delay_ms > 0) /* --table-delay: UpdateTable's UPDATING lasts as long */
        api->update_delay_ms = api->table_delay_ms;
    const char *ti = getenv("DDBCHAT_TTL_INTERVAL_MS");
    api->ttl_interval_ms = ti ? strtol(ti, NULL, 10) : API_TTL_INTERVAL_MS;
    const char *pw = getenv("DDBCHAT_PPR_WINDOW_MS");
    api->ppr_window_ms = pw ? strtol(pw, NULL, 10) : API_PPR_WINDOW_MS;
    if (api->ppr_window_ms < 0 || api->ppr_window_ms > API_PPR_WINDOW_MS)
        api->ppr_window_ms = API_PPR_WINDOW_MS; /* a test aid shortens it, never more */
    const char *sw = getenv("DDBCHAT_SSE_WINDOW_MS");
    api->sse_window_ms = sw ? strtol(sw, NULL, 10) : API_SSE_WINDOW_MS;
    if (api->sse_window_ms < 4 || api->sse_window_ms > API_SSE_WINDOW_MS)
        api->sse_window_ms = API_SSE_WINDOW_MS; /* a test aid shortens it, never more */
    /* test aids: a test crosses the shared arena budget with a fraction of the items; a
     * request's usual arena cap lowered, 32 to 255 MB, so a test crosses it (and shows what
     * lets a transaction or a batch past it) with a fraction of the data; a transaction's
     * arena cap and the reply's text of old items with a tenth of the data
     * (test_memory_bounds).  Before, three of them read the number up to its first
     * non-digit ("128abc" was 128; test_op_batch arena_aids) */
    api->arena_shared_budget = api_env_lowered("DDBCHAT_ARENA_SHARED_MB", 16,
                                               API_ARENA_SHARED_BUDGET);
    api->arena_req_max = api_env_lowered("DDBCHAT_ARENA_REQUEST_MB", 32, ARENA_DEFAULT_MAX);
    api->arena_txn_max = api_env_lowered("DDBCHAT_ARENA_TXN_MAX_MB", 64, API_ARENA_TXN_MAX);
    api->reply_items_text = api_env_lowered("DDBCHAT_REPLY_ITEMS_TEXT_MB", 8,
                                            API_REPLY_ITEMS_TEXT);
    const char *cw = getenv("DDBCHAT_CLASS_WINDOW_MS");
    api->class_window_ms = cw ? strtol(cw, NULL, 10) : API_CLASS_WINDOW_MS;
    if (api->class_window_ms < 0 || api->class_window_ms > API_CLASS_WINDOW_MS)
        api->class_window_ms = API_CLASS_WINDOW_MS; /* a test aid shortens it, never more */
    const char *va = getenv("DDBCHAT_VECTOR_ALLOC_MS"), *vf = getenv("DDBCHAT_VECTOR_FILL_MS");
    const char *vd = getenv("DDBCHAT_VECTOR_DROP_MS"), *vl = getenv("DDBCHAT_VECTOR_LAG_MS");
    api->vix_alloc_ms = va ? strtol(va, NULL, 10) : API_VIX_ALLOC_MS;
    api->vix_fill_ms = vf ? strtol(vf, NULL, 10) : API_VIX_FILL_MS;
    api->vix_drop_ms = vd ? strtol(vd, NULL, 10) : API_VIX_DROP_MS;
    api->vix_lag_ms = vl ? strtol(vl, NULL, 10) : API_VIX_LAG_MS;
    if (api_thr_init(api, opts && opts->throttle)) {
        api_hold_fini(api);
        api_tstate_fini(api);
        free(api);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    api_vix_init(api);
    api->txn_token_max_bytes = opts && opts->txn_token_max_bytes ? opts->txn_token_max_bytes
                                                                  : API_TXN_TOKEN_MAX_BYTES;
    api->iterator_ttl_ms = opts && opts->iterator_ttl_ms > 0 ? opts->iterator_ttl_ms
                                                              : API_ITERATOR_TTL_MS;
    api->it_boot0 = base_boot_ms();
    api->it_wall0 = base_wall_ms();
    /* a miss (or no cache when out of memory) parses per request, as before */
    api->xcache = expr_cache_new(API_EXPR_CACHE_ENTRIES);
    snprintf(api->region, sizeof api->region, "%s",
             opts && opts->region ? opts->region : "us-east-1");
    snprintf(api->account_id, sizeof api->account_id, "%s",
             opts && opts->account_id ? opts->account_id : "000000000000");
    api->metrics = opts ? opts->metrics : NULL;
    int rc = api_backups_init(api, e);
    if (rc == 0 && opts && opts->resume_jobs)
        rc = api_backups_resume(api, e);
    if (rc) {
        api_free(api);
        return rc;
    }
    *out = api;
    return 0;
}

void api_free(api_t *api)
{
    if (!api)
        return;
    api_backups_fini(api);
    api_txn_tokens_free(api);
    api_hold_fini(api);
    api_thr_fini(api);
    api_vix_fini(api);
    api_tstate_fini(api);
    expr_cache_free(api->xcache);
    free(api);
}

store_t *api_store(api_t *api)
{
    return api->store;
}

/* ---- the per-thread arena --------------------------------------------------------------- */

/* Each thread keeps one arena for its requests (reset, not freed, between them: the first
 * block stays, so a request allocates nothing after warm-up).  A call made from inside a
 * handler (nested) gets an arena of its own. */
static pthread_key_t api_arena_key;
static pthread_once_t api_arena_once = PTHREAD_ONCE_INIT;

typedef struct api_tls_arena {
    arena_t arena;
    bool busy;
} api_tls_arena;

static void api_arena_free(void *p)
{
    api_tls_arena *t = p;
    arena_fini(&t->arena);
    free(t);
}

static void api_arena_key_init(void)
{
    if (pthread_key_create(&api_arena_key, api_arena_free) != 0)
        api_arena_key = 0;
}

/* The thread's arena, marked busy; NULL when it is busy (nested) or cannot be made. */
static api_tls_arena *api_arena_take(void)
{
    pthread_once(&api_arena_once, api_arena_key_init);
    api_tls_arena *t = pthread_getspecific(api_arena_key);
    if (!t) {
        t = malloc(sizeof *t);
        if (!t)
            return NULL;
        arena_init(&t->arena);
        t->busy = false;
        if (pthread_setspecific(api_arena_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    if (t->busy)
        return NULL;
    t->busy = true;
    return t;
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* The checks every operation shares, before its handler: 0 or the error. */
static int api_precheck(const api_t *api, const struct api_op_row *row, json_t *req,
                        const jread_val *jreq, const api_caller *caller, const api_sink *sink,
                        err_t *e)
{
    if (!row)
        return err_set(e, ERR_UNKNOWN_OPERATION, "%s", "");
    if (sink && !api_op_values(row))
        return err_set(e, ERR_INTERNAL, "%s has no reply as values", row->name);
    if (req ? !json_is_object(req) : jreq->type != JREAD_OBJECT)
        return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
    /* the model's constraints before any handler logic (api_schema.c); both views give the
     * same verdicts and texts (tests/unit/api/test_api_walk.c) */
    pthread_once(&api_ops_in_once, api_ops_in_init);
    const api_shape *in = api_ops_in[row - api_ops];
    if (row->pre) { /* the operation's checks before the model's */
        int rc = row->pre(api, row->name, req, jreq, caller, e);
        if (rc)
            return rc;
    }
    if (row->pre_typed) { /* the model's types (its SerializationException), then the op's */
        int rc = req ? api_validate_types_after(&api_jview_jansson, req, in, e)
                     : api_validate_types_after(&api_jview_jread, jreq, in, e);
        if (!rc)
            rc = row->pre_typed(api, row->name, req, jreq, caller, e);
        if (rc)
            return rc;
    }
    const char *text = caller ? caller->body : NULL;
    size_t tlen = caller ? caller->body_len : 0;
    return req ? api_validate_request_in(&api_jview_jansson, req, in, row->name, text, tlen, e)
               : api_validate_request_in(&api_jview_jread, jreq, in, row->name, text, tlen, e);
}

/* A handler's ValidationException comes after a wrong JSON token inside one of the request's
 * AttributeValues (api_validate_types_after; the error path only): PutItem with a values map
 * given without an expression and {"S": true} in it is the SerializationException. */
static int api_types_first(const struct api_op_row *row, const json_t *req,
                           const jread_val *jreq, int rc, err_t *e)
{
    if (rc != ERR_VALIDATION)
        return rc;
    const api_shape *in = api_ops_in[row - api_ops];
    int trc = jreq  ? api_validate_types_after(&api_jview_jread, jreq, in, e)
              : req ? api_validate_types_after(&api_jview_jansson, req, in, e)
                    : 0;
    return trc ? trc : rc;
}

/* Runs the operation; the reply goes to w (text mode) or *out_resp (tree mode).  The request
 * is req (jansson) or jreq (our reader's tree, for a row that reads it; api_call_out_jr). */
static int api_run(api_t *api, const struct api_op_row *row, json_t *req, const jread_val *jreq,
                   const api_caller *caller, jout *w, const api_sink *sink, json_t **out_resp,
                   err_t *e)
{
    *out_resp = NULL;
    int vrc = api_precheck(api, row, req, jreq, caller, sink, e);
    if (vrc)
        return vrc;
    api_tls_arena *tls = api_arena_take();
    arena_t own;
    arena_init(&own);
    arena_t *arena = tls ? &tls->arena : &own;
    arena->grow = NULL; /* the thread's arena keeps the last request's maximum: set below */
    api_out out;
    out.depth = 0; /* all api_req_finish and api_err_open read before ao_open clears the rest */
    api_req r = {.api = api,
                 .values = values_layer(row->fn),
                 .op = row->name,
                 .body = req,
                 .jbody = jreq,
                 .caller = caller,
                 .arena = arena,
                 .err = e,
                 .err_extra = NULL,
                 .w = w,
                 .sink = sink,
                 .out = &out};
    if (caller && caller->body_len > ARENA_DEFAULT_MAX / API_ARENA_PER_BODY_BYTE) {
        size_t big = caller->body_len * API_ARENA_PER_BODY_BYTE; /* the parse budget paid */
        api_arena_share(&r, big, big);
    } else {
        api_arena_share(&r, API_ARENA_SHARED_FROM, api->arena_req_max);
    }
    json_t *tree = NULL;
    unsigned long oom0 = mem_failures();
    int rc = row->fn(&r, &tree);
    rc = api_types_first(row, req, jreq, rc, e);
    rc = api_req_finish(&r, rc, tree, false, oom0, out_resp);
    if (tls) {
        arena_reset(arena);
        tls->busy = false;
    }
    arena_fini(&own);
    return rc;
}

bool api_writes_later(const api_t *api)
{
    return api && !api->txn_conflicts && !api->thr;
}

static int api_call_jr(api_t *api, const struct api_op_row *row, const jread_val *req,
                       const api_caller *caller, jout *w, const api_sink *sink,
                       json_t **out_extra, err_t *e);

/* api_call_out_jr_later and api_call_out_jr_later_at, for the operation's row (or NULL) */
static int api_later_run(api_t *api, const struct api_op_row *row, const jread_val *req,
                         const api_caller *caller, arena_t *arena, jout *w, json_t **out_extra,
                         err_t *e, const api_later *later)
{
    /* the single-item writes, BatchWriteItem and TransactWriteItems answer later;
     * --transaction-conflicts and --throttle wait */
    bool can = row && (row->fn == op_put_item || row->fn == op_update_item ||
                       row->fn == op_delete_item || row->fn == op_batch_write_item ||
                       row->fn == op_transact_write_items);
    if (!can || !later || !api_writes_later(api))
        return api_call_jr(api, row, req, caller, w, NULL, out_extra, e);
    *out_extra = NULL;
    int rc = api_precheck(api, row, NULL, req, caller, NULL, e);
    if (rc)
        return rc;
    api_later_st *st = arena_zalloc(arena, sizeof *st);
    if (!st)
        return err_set(e, ERR_NOMEM, "out of memory");
    st->r = (api_req){.api = api,
                      .values = values_layer(row->fn),
                      .op = row->name,
                      .jbody = req,
                      .caller = caller,
                      .arena = arena,
                      .err = e,
                      .w = w,
                      .out = &st->out,
                      .later = &st->later};
    st->out_resp = out_extra;
    /* the caller's arena: our reader's tree of the body, then the request's own part; the
     * rest of its maximum from the shared budget, as api_run's (a big body's maximum past the
     * usual one as it is, the usual one as a test aid may have lowered it) */
    api_arena_share(&st->r, API_ARENA_SHARED_FROM,
                    arena->max > ARENA_DEFAULT_MAX ? arena->max : api->arena_req_max);
    st->oom0 = mem_failures();
    st->later = *later;
    json_t *tree = NULL;
    rc = row->fn(&st->r, &tree);
    if (rc == API_LATER)
        return API_LATER; /* answered by api_later_finish */
    rc = api_types_first(row, NULL, req, rc, e);
    return api_req_finish(&st->r, rc, tree, false, st->oom0, out_extra);
}

int api_call_out_jr_later(api_t *api, const char *op, const jread_val *req,
                          const api_caller *caller, arena_t *arena, jout *w, json_t **out_extra,
                          err_t *e, const api_later *later)
{
    return api_later_run(api, op ? api_find(op) : NULL, req, caller, arena, w, out_extra, e,
                         later);
}

int api_call_out_jr_later_at(api_t *api, int op_index, const jread_val *req,
                             const api_caller *caller, arena_t *arena, jout *w,
                             json_t **out_extra, err_t *e, const api_later *later)
{
    return api_later_run(api, api_row_at(op_index), req, caller, arena, w, out_extra, e, later);
}

bool api_op_reads_jread(const char *op)
{
    const struct api_op_row *row = op ? api_find(op) : NULL;
    return row && row->jread;
}

bool api_op_reads_jread_at(int op_index)
{
    const struct api_op_row *row = api_row_at(op_index);
    return row && row->jread;
}

int api_call(api_t *api, const char *op, json_t *req, const api_caller *caller,
             json_t **out_resp, err_t *e)
{
    return api_run(api, op ? api_find(op) : NULL, req, NULL, caller, NULL, NULL, out_resp, e);
}

int api_call_sink(api_t *api, const char *op, json_t *req, const api_caller *caller,
                  const api_sink *sink, json_t **out_extra, err_t *e)
{
    return api_run(api, op ? api_find(op) : NULL, req, NULL, caller, NULL, sink, out_extra, e);
}

int api_call_out(api_t *api, const char *op, json_t *req, const api_caller *caller, jout *w,
                 json_t **out_extra, err_t *e)
{
    return api_run(api, op ? api_find(op) : NULL, req, NULL, caller, w, NULL, out_extra, e);
}

/* api_call_out_jr and api_call_sink_jr: the operations that read jread values take req as it
 * is; the others read the jansson tree json_loadb would have given. */
static int api_call_jr(api_t *api, const struct api_op_row *row, const jread_val *req,
                       const api_caller *caller, jout *w, const api_sink *sink,
                       json_t **out_extra, err_t *e)
{
    if (row && row->jread)
        return api_run(api, row, NULL, req, caller, w, sink, out_extra, e);
    *out_extra = NULL;
    json_t *j = jread_to_jansson(req);
    if (!j)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = api_run(api, row, j, NULL, caller, w, sink, out_extra, e);
    json_decref(j);
    return rc;
}

int api_call_out_jr(api_t *api, const char *op, const jread_val *req, const api_caller *caller,
                    jout *w, json_t **out_extra, err_t *e)
{
    return api_call_jr(api, op ? api_find(op) : NULL, req, caller, w, NULL, out_extra, e);
}

int api_call_out_at(api_t *api, int op_index, json_t *req, const jread_val *jreq,
                    const api_caller *caller, jout *w, json_t **out_extra, err_t *e)
{
    const struct api_op_row *row = api_row_at(op_index);
    if (jreq)
        return api_call_jr(api, row, jreq, caller, w, NULL, out_extra, e);
    return api_run(api, row, req, NULL, caller, w, NULL, out_extra, e);
}

int api_call_sink_jr(api_t *api, const char *op, const jread_val *req,
                     const api_caller *caller, const api_sink *sink, json_t **out_extra,
                     err_t *e)
{
    return api_call_jr(api, op ? api_find(op) : NULL, req, caller, NULL, sink, out_extra, e);
}

bool api_pq_is_select(const char *text, size_t len)
{
    expr_pq_kind k;
    return expr_pq_first_kind(text, len, &k) && k == EXPR_PQ_SELECT;
}
