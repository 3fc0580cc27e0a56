/*
 * op_partiql — ExecuteStatement, BatchExecuteStatement, ExecuteTransaction.  Layer: api.
 *
 * A statement is parsed and bound by expr_partiql (the same condition / update /
 * projection trees the expression parameters produce) and executed through the same store
 * paths and helpers as the JSON operations: reads through store_get / store_query_run /
 * store_get_many with expr_eval as the filter, writes through store_write_each /
 * store_write_atomic with api_write_apply deciding each item in the committer.
 *
 * One statement's planning and execution (SELECT as Query(s) or Scan, NextToken, the
 * writes) is api_partiql.c's; this file holds the three operations: a single statement,
 * a batch of them, a transaction of them (with the ClientRequestToken cache of
 * api_txn_token.c).
 *
 * AWS vs DynamoDB Local (AWS followed; tests/e2e/test_partiql.py names each):
 * DuplicateItemException (Local: DuplicateItem), ConsumedCapacity on ExecuteStatement
 * (Local omits it), "Strongly consistent read is not supported on Global Secondary
 * Indexes" and "The table does not have the specified index" without a name (Local: Query's
 * texts), the unprojected-filter-attribute check on keyed index reads (Local evaluates the
 * filter on table items), "Requested resource not found" for a missing table (in a
 * transaction: a ResourceNotFound cancellation reason), syntax error details, and the batch
 * texts.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExecuteStatement.html
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_conflict.h"
#include "api/api_item.h"
#include "api/api_partiql.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_txn_token.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "expr/expr_partiql.h"
#include "value/ddbjson.h"
#include "value/jread.h"
#define PQ_BATCH_MAX 25
#define PQ_TXN_MAX 100
/* a read left past the reply's text (API_REPLY_ITEMS_TEXT): the ThrottlingException's text
 * (ddbchat's: AWS states no such limit) */
#define TXT_PQ_REPLY_FULL "Rate of requests exceeds the allowed throughput."
/* the stored bytes an ExecuteTransaction of SELECTs copies (txn_reads): 4 MB of items
 * (TXN_MAX_BYTES) are at most ~190 MB stored (45 stored bytes a byte for a list of numbers
 * 1E-130); past this the aggregate size refuses the request, or in a corner (sets of such
 * numbers) the busy reply */
#define TXN_READ_STORED_MAX ((size_t)192 << 20)
#define TXT_PQ_EXISTS "EXISTS can only be used in ExecuteTransaction write requests."
#define TXT_PQ_B_KEY "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
#define TXT_PQ_B_MIXED "Read and write requests together in the same batch is not supported."
#define TXT_PQ_B_DUP "Provided list of item keys contains duplicates"
#define TXT_PQ_T_KEY                                                                             \
    "Validation failed in TransactStatements[%zu]: Select statements within ExecuteTransaction " \
    "must specify the primary key in the where clause."
#define TXT_PQ_T_RETURNING                                                                       \
    "Validation failed in TransactStatements[%zu]: RETURNING clause is not supported in "       \
    "ExecuteTransaction."
#define TXT_PQ_T_INDEX                                                                           \
    "Validation failed in TransactStatements[%zu]: Reads on indices are not supported within "  \
    "transactions."
#define TXT_PQ_T_MIXED                                                                           \
    "ExecuteTransaction API does not support both read and write operations in the same "       \
    "request."
#define TXT_PQ_T_PREFIX "Validation failed in TransactStatements[%zu]: "
#define TXT_PQ_T_EXISTS "Validation failed in TransactStatements[%zu]: " TXT_PQ_EXISTS_COND
#define TXT_PQ_T_NESTING "Validation failed in TransactStatements[%zu]: " TXT_PQ_NESTING
#define TXT_PQ_T_MULTI "Transaction request cannot include multiple operations on one item"

int op_execute_statement(api_req *r, json_t **out)
{
    pq_stmt s;
    const jread_val *params = NULL;
    int rc = api_pq_body(r, NULL, &params, NULL);
    if (rc || (rc = api_pq_load(r, r->body, params, &s)))
        return rc;
    switch (s.b.kind) {
    case EXPR_PQ_SELECT:
        return api_pq_select(r, &s, out);
    case EXPR_PQ_EXISTS:
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_EXISTS);
    default:
        return api_pq_write_one(r, &s, out);
    }
}

/* ---- batch and transaction members --------------------------------------------------------- */

/* A member that may only read one item: its table and key (GetItem semantics). */
static int member_get_key(api_req *r, const expr_pq_bound *b, const store_table **t, av_t *key,
                          const char *not_key_text, size_t idx, bool txn)
{
    int rc = api_pq_table(r, b, t);
    if (rc || (rc = api_pq_key_attr_check(r, b, *t)))
        return rc;
    /* a read of a multi-attribute index is refused ahead of the key-only rule (AWS 2026-10,
     * BatchExecuteStatement) */
    const store_index *ix = b->index ? api_pq_find_index(*t, b->index) : NULL;
    if (ix && store_key_multi(&ix->key))
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_MULTI_KEY);
    /* then the reads it decomposes into (AWS 2026-09: a batch member "pk IN [51 values] AND
     * sk = '1'", a transaction member "pk IN ['x', 'x'] AND sk = '1'") */
    char prefix[64];
    snprintf(prefix, sizeof prefix, TXT_PQ_T_PREFIX, idx);
    if (!b->index && (rc = api_pq_decomposed_reads(r, b, &(*t)->key, txn ? prefix : NULL)))
        return rc;
    const expr_node **conj = NULL;
    size_t nc = 0;
    if ((rc = expr_pq_conjuncts(r->arena, b->where, &conj, &nc, r->err)))
        return rc;
    /* the WHERE is the key and nothing else: each conjunct "k = v" or "k IN [v]" on a key
     * attribute, a key attribute named again only with the same value (AWS 2026-09:
     * "(pk IN ['x']) AND pk = 'x' AND sk = '2'" reads; "pk IN ['y'] AND pk = 'x'" does not) */
    const char *names[2];
    size_t nk = api_key_names(&(*t)->key, names);
    av_type types[2] = {(*t)->key.hash_type, (*t)->key.range_type};
    const av_t *kv[2] = {NULL, NULL};
    bool found = !b->index && nc > 0;
    for (size_t i = 0; found && i < nc; i++) {
        bool matched = false;
        for (size_t k = 0; k < nk && !matched; k++) {
            const av_t *v[2];
            size_t cnt;
            if (!expr_pq_key_eq(conj[i], names[k], true, v, 2, &cnt) || cnt != 1)
                continue;
            matched = true;
            if (!kv[k]) {
                if ((rc = api_pq_key_value_check(r, names[k], types[k], v[0])))
                    return rc;
                kv[k] = v[0];
            } else if (!av_equal(kv[k], v[0])) {
                found = false;
            }
        }
        if (!matched)
            found = false;
    }
    for (size_t k = 0; k < nk; k++)
        found = found && kv[k];
    if (!found)
        return err_set(r->err, ERR_VALIDATION, not_key_text, idx);
    av_kv *m = arena_alloc(r->arena, 2 * sizeof *m);
    if (!m)
        return api_nomem(r);
    for (size_t k = 0; k < nk; k++)
        m[k] = (av_kv){.name = names[k], .name_len = strlen(names[k]), .val = *kv[k]};
    *key = av_make_m(m, nk);
    return 0;
}

/* One statement of a batch or a transaction. */
typedef struct pq_member {
    json_t *spec;       /* its request object: Statement, Parameters, ConsistentRead, ... */
    pq_stmt s;
    int rc;             /* the member's own error (batch) */
    char msg[ERR_MSG_MAX];
    const store_table *t; /* set once the member found its table (a batch echoes TableName) */
    av_t key;           /* reads: the key */
    pq_write pw;        /* writes */
    bool prepared;      /* pw is an api_pq_write_prepare that passed (an EXISTS member's, read in
                         * op_execute_transaction's member-order pass): not prepared again */
    bool consistent;    /* ConsistentRead */
    bool rvoccf;        /* ReturnValuesOnConditionCheckFailure ALL_OLD */
} pq_member;

static void member_fail(api_req *r, pq_member *m, int rc)
{
    m->rc = rc;
    snprintf(m->msg, sizeof m->msg, "%s", r->err->msg);
    err_clear(r->err);
}

/* The capacity entry of table t among caps[0..*n) (appended when new). */
static api_cap *cap_of(api_cap *caps, size_t *n, const store_table *t)
{
    const char *name = api_table_name(t);
    for (size_t i = 0; i < *n; i++)
        if (caps[i].table == name)
            return &caps[i];
    api_cap *c = &caps[(*n)++];
    memset(c, 0, sizeof *c);
    c->table = name;
    return c;
}

/* Sets o["ConsumedCapacity"] to the entries caps[0..n) (nothing for RCC NONE). */
static void caps_set(json_t *o, const api_cap *caps, size_t n, api_rcc rcc, bool txn)
{
    if (rcc == API_RCC_NONE)
        return;
    json_t *ca = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ca, txn ? api_cap_txn_json(&caps[i], rcc) : api_cap_json(&caps[i], rcc));
    json_object_set_new(o, "ConsumedCapacity", ca);
}

/* caps_set into a reply (api_out.h); nothing when n is 0: a BatchExecuteStatement in which
 * no member succeeded reports no ConsumedCapacity (AWS: Dynoxide's capture M1; test_partiql
 * test_batch_consumed_capacity). */
static void caps_out(api_out *o, const api_cap *caps, size_t n, api_rcc rcc, bool txn)
{
    if (rcc == API_RCC_NONE || n == 0)
        return;
    ao_arr(o, "ConsumedCapacity");
    for (size_t i = 0; i < n; i++)
        ao_json(o, NULL, txn ? api_cap_txn_json(&caps[i], rcc) : api_cap_json(&caps[i], rcc));
    ao_close(o);
}

/* A read member's answer: the item when it exists and the WHERE holds, with the select list
 * applied, in *out (in arena a, with item); *have false when there is none.  The select list
 * keeps the document's shape here, as a ProjectionExpression does ("SELECT l[1], m.x.y" gives
 * {"l": [..], "m": {"x": {"y": ..}}}), where ExecuteStatement names each path's last step
 * (DynamoDB Local reads batch and transaction members the BatchGetItem / TransactGetItems way;
 * no AWS capture; review14 F4). */
static int member_item(api_req *r, arena_t *a, const expr_pq_bound *bd, const av_t *item,
                       bool found, av_t *out, bool *have)
{
    *have = false;
    bool keep = found;
    int rc;
    if (keep && bd->where && (rc = expr_eval(bd->where, item, &keep, r->err)))
        return rc;
    if (!keep)
        return 0;
    *out = *item;
    if (!bd->star && bd->proj && (rc = expr_project(a, bd->proj, item, out, r->err)))
        return rc;
    *have = true;
    return 0;
}

/* The members' Statement / Parameters / options; counts reads and writes.  A member's own
 * parse or bind error is its per-statement Error when `per_member`; else a syntax error is
 * the request's at once and a semantic one is kept in the member (m->rc, m->msg) for the
 * caller to report after the read / write check.  A member refused after it parsed counts as
 * the read or write it spells, a syntax error as neither (DynamoDB Local: [UPDATE ... AND null
 * AND n = 1, SELECT ...] is the mixed batch / transaction; no AWS capture). */
static int members_load(api_req *r, json_t *arr, const jread_val **params, pq_member *m,
                        size_t n, bool per_member, size_t *nread, size_t *nwrite)
{
    *nread = *nwrite = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        m[i].spec = json_array_get(arr, i);
        if (!json_is_object(m[i].spec))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        bool has = false;
        if ((rc = api_json_bool(m[i].spec, "ConsistentRead", &has, &m[i].consistent, r->err)) ||
            (rc = api_rvoccf_parse(r, m[i].spec, &m[i].rvoccf)))
            return rc;
        if ((rc = api_pq_load(r, m[i].spec, params ? params[i] : NULL, &m[i].s))) {
            bool syntax = m[i].s.syntax;
            expr_pq_kind k;
            if (rc == ERR_VALIDATION && m[i].s.at_text && !syntax &&
                expr_pq_first_kind(m[i].s.text, m[i].s.len, &k)) {
                if (k == EXPR_PQ_SELECT)
                    (*nread)++;
                else
                    (*nwrite)++;
            }
            /* ExecuteTransaction names the member whose statement is refused (AWS 2026-10:
             * "Validation failed in TransactStatements[0]: Statement wasn't well formed, ...";
             * 2026-09: a literal set with a member twice); a parameter's own error is the
             * request's, bare */
            if (!per_member && rc == ERR_VALIDATION && m[i].s.at_text && syntax) {
                char msg[ERR_MSG_MAX];
                snprintf(msg, sizeof msg, "%s", r->err->msg);
                err_clear(r->err);
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_PREFIX "%s", i, msg);
            }
            /* a parameter's own error (read before the statement): a transaction that this
             * member makes mixed is the mixed refusal first (DynamoDB Local: [SELECT, UPDATE
             * with {"N": "abc"}]; [that UPDATE, SELECT] is the parameter's text) */
            if (!per_member && rc == ERR_VALIDATION && !m[i].s.at_text && m[i].s.text &&
                expr_pq_first_kind(m[i].s.text, m[i].s.len, &k) &&
                (k == EXPR_PQ_SELECT ? *nwrite : *nread) > 0) {
                err_clear(r->err);
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_MIXED);
            }
            if ((!per_member && !(rc == ERR_VALIDATION && m[i].s.at_text)) || rc == ERR_NOMEM ||
                rc == ERR_SERIALIZATION)
                return rc;
            member_fail(r, &m[i], rc);
            continue;
        }
        if (m[i].s.b.kind == EXPR_PQ_SELECT)
            (*nread)++;
        else
            (*nwrite)++;
    }
    return 0;
}

/* ---- BatchExecuteStatement ------------------------------------------------------------------ */

static const char *batch_code(int rc)
{
    switch (rc) {
    case ERR_CONDITIONAL_CHECK_FAILED: return "ConditionalCheckFailed";
    case ERR_DUPLICATE_ITEM: return "DuplicateItem";
    case ERR_RESOURCE_NOT_FOUND: return "ResourceNotFound";
    case ERR_ITEM_COLLECTION_SIZE_LIMIT: return "ItemCollectionSizeLimitExceeded";
    case ERR_REQUEST_LIMIT: return "RequestLimitExceeded";
    case ERR_PROVISIONED_THROUGHPUT: return "ProvisionedThroughputExceeded";
    case ERR_TRANSACTION_CONFLICT: return "TransactionConflict";
    case ERR_THROTTLING:
    case ERR_ON_DEMAND_THROTTLED: return "ThrottlingError";
    case ERR_ACCESS_DENIED: return "AccessDenied";
    case ERR_VALIDATION:
    case ERR_SERIALIZATION: return "ValidationError";
    default: return "InternalServerError";
    }
}

/* {"Error": {Code, Message}}, with TableName when the member reached its table. */
static void batch_error(api_out *o, int rc, const char *msg, const store_table *t,
                        const av_t *item)
{
    ao_obj(o, NULL);
    ao_obj(o, "Error");
    ao_str(o, "Code", batch_code(rc));
    ao_str(o, "Message", msg);
    if (item) /* ReturnValuesOnConditionCheckFailure ALL_OLD (BatchStatementError.Item) */
        ao_item(o, "Item", item);
    ao_close(o);
    if (t)
        ao_str(o, "TableName", api_table_name(t));
    ao_close(o);
}

/* store_write.peek of a batch's member: the request's arena may hold a copy of a big stored
 * item (a number is stored in full: 130,000 of 1E-130 are 17 MB; sixteen UPDATEs of such items
 * passed the 256 MB arena, members 12-15 answered InternalServerError: review16 F2); past
 * API_ARENA_TXN_MAX this member is refused, nothing decoded, the others applied.  Then the
 * RETURNING ALL OLD item's room (api_write_peek). */
static int batch_peek(void *ctx, const void *stored, size_t len, err_t *e)
{
    api_wctx *w = ctx;
    if (api_arena_for_member(w->txn, len))
        return err_set(e, ERR_THROTTLING, TXT_BUSY);
    return api_write_peek(ctx, stored, len, e); /* RETURNING ALL OLD's room, if any */
}

/* The room a failed member's Item asks beyond its text: its Error's other members and the
 * reply's tail (ConsumedCapacity), as op_item.c's WRITE_ROOM_SLACK. */
#define BATCH_ITEM_SLACK ((size_t)16 << 10)

/* The writes of a batch in one group commit, each with its own outcome. */
static int batch_writes(api_req *r, pq_member *m, size_t n, api_rcc rcc, json_t **out)
{
    store_write *sw = arena_zalloc(r->arena, n * sizeof *sw);
    size_t *map = arena_alloc(r->arena, n * sizeof *map);
    api_cap *caps = arena_zalloc(r->arena, n * sizeof *caps);
    uint64_t *fail_h = arena_zalloc(r->arena, n * sizeof *fail_h);
    if (!sw || !map || !caps || !fail_h)
        return api_nomem(r);
    size_t nw = 0, ncap = 0;
    int rc;
    /* --transaction-conflicts: a member writing an item an ongoing transaction holds fails
     * with its own error (Code TransactionConflict); the others hold their items */
    uint64_t *hk = NULL;
    bool *busy = NULL;
    if (r->api->txn_conflicts) {
        hk = arena_alloc(r->arena, n * sizeof *hk);
        busy = arena_zalloc(r->arena, n * sizeof *busy);
        if (!hk || !busy)
            return api_nomem(r);
        for (size_t i = 0; i < n; i++)
            if (m[i].rc || api_hold_key(m[i].pw.t, &m[i].pw.key, &hk[i]))
                hk[i] = 0;
        if (api_hold_writes(r->api, hk, n, busy))
            return api_nomem(r);
        for (size_t i = 0; i < n; i++)
            if (!m[i].rc && busy[i]) {
                err_set(r->err, ERR_TRANSACTION_CONFLICT, TXT_TXN_ONGOING);
                member_fail(r, &m[i], ERR_TRANSACTION_CONFLICT);
            }
        api_hold_wait(r->api);
    }
    for (size_t i = 0; i < n; i++)
        if (!m[i].rc && api_thr_admit(r, m[i].pw.t, NULL, true, API_THR_WRITE)) {
            member_fail(r, &m[i], r->err->code); /* --throttle: this member's error */
            api_err_forget(r);
        }
    /* the RETURNING items' room, all of it reserved before the members are applied: a member
     * the reply budget cannot hold is ThrottlingError, nothing written (review16 F1) */
    size_t reply_sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!m[i].rc) {
            api_pq_sw_init(&sw[nw], r, &m[i].pw, true);
            api_pq_reply_room(r, &m[i].pw, &sw[nw], &reply_sum);
            m[i].pw.w.txn = r;
            sw[nw].peek = batch_peek;
            map[i] = nw++;
        }
    rc = nw ? store_write_each(r->api->store, sw, nw, r->err) : 0;
    if (hk)
        api_hold_writes_release(r->api, hk, n, busy);
    if (rc)
        return rc;
    api_writes_applied(r, sw, nw);
    for (size_t i = 0; i < n; i++) /* vectors billed at 4 bytes a dimension (api_vector.c) */
        if (!m[i].rc)
            api_vix_bill(m[i].pw.t, &sw[map[i]]);
    /* the reply written as the members are answered (api_out.h: on the endpoint an item is
     * its text, no jansson tree); an error on the way drops it */
    api_out *o = api_reply(r);
    ao_arr(o, "Responses");
    for (size_t i = 0; i < n; i++) {
        if (m[i].rc) {
            batch_error(o, m[i].rc, m[i].msg, NULL, NULL);
            continue;
        }
        store_write *w = &sw[map[i]];
        if (w->rc) {
            if (w->rc == ERR_CONDITIONAL_CHECK_FAILED) { /* still consumes write units */
                api_cap fu;
                memset(&fu, 0, sizeof fu);
                fu.table_h = fail_h[i] = api_pq_failed_h(&m[i].pw, w);
                api_metrics_write(r, m[i].pw.t, fu.table_h);
                api_thr_charge_write(r, m[i].pw.t, &fu, API_THR_WRITE);
            }
            /* the failed condition's item with ReturnValuesOnConditionCheckFailure ALL_OLD, on
             * the member's Error (API Reference, BatchStatementError.Item; DynamoDB Local);
             * the member itself has no Item (the conformance suite's capture) */
            /* the shared arena budget or the arena's cap: busy, never a 500 (final16 F4); this
             * member's refusal, not an earlier one's (store_write.arena_refused) */
            if (w->rc == ERR_NOMEM && w->arena_refused) {
                batch_error(o, ERR_THROTTLING, TXT_BUSY, m[i].t, NULL);
                continue;
            }
            bool dup = w->rc == ERR_CONDITIONAL_CHECK_FAILED && m[i].pw.insert;
            const av_t *old = !dup && w->rc == ERR_CONDITIONAL_CHECK_FAILED && m[i].rvoccf &&
                                      w->old.type == AV_M
                                  ? &w->old
                                  : NULL;
            /* that item only when the reply's budget holds it with the room the others
             * reserved (write_room's non-forced check): written unreserved, 24 of 17 MB of
             * text passed the reply's max after a member was applied, whose busy reply each
             * retry applied again (final16 F5); else no Item, its Code and Message stay (as
             * a TransactionCanceledException's reasons past API_REPLY_ITEMS_TEXT) */
            if (old && r->w) {
                size_t slack = 0, text = jout_item_len(old, &slack);
                if (jout_room(r->w, reply_sum + text + slack + BATCH_ITEM_SLACK))
                    old = NULL;
            }
            batch_error(o, dup ? ERR_DUPLICATE_ITEM : w->rc, dup ? TXT_PQ_DUPLICATE : w->err.msg,
                        m[i].t, old);
            continue;
        }
        av_t ret;
        bool have = false;
        if ((rc = api_pq_returning_item(r, &m[i].pw, w, &ret, &have)))
            return rc;
        ao_obj(o, NULL);
        if (have)
            ao_item(o, "Item", &ret);
        ao_str(o, "TableName", api_table_name(m[i].t));
        ao_close(o);
        /* billed as the same single-item write, its indexes' units included (AWS: Dynoxide's
         * captures M2, M5, R1, R2, H; test_partiql test_batch_consumed_capacity) */
        api_cap u;
        api_pq_write_units(&m[i].pw, w, 1, &u);
        api_cap *c = cap_of(caps, &ncap, m[i].t);
        c->table_h += u.table_h;
        for (size_t k = 0; k < u.n_idx; k++)
            for (size_t x = 0; x < m[i].t->n_idx; x++)
                if (strcmp(m[i].t->idx[x].name, u.idx[k].name) == 0)
                    api_cap_add_index(c, &m[i].t->idx[x], u.idx[k].h);
        api_metrics_write(r, m[i].pw.t, u.table_h);
        api_thr_charge_write(r, m[i].pw.t, &u, API_THR_WRITE);
    }
    ao_close(o);
    /* a failed member's units on its table's total, when the table has an entry (a table
     * whose members all failed has none: AWS, Dynoxide's capture of a two-table batch) */
    for (size_t i = 0; i < n; i++)
        if (fail_h[i])
            for (size_t k = 0; k < ncap; k++)
                if (caps[k].table == api_table_name(m[i].t))
                    caps[k].total_only_h += fail_h[i];
    caps_out(o, caps, ncap, rcc, false);
    (void)out;
    return 0;
}

/* The reads of a batch: each member a GetItem at its own consistency. */
static int batch_reads(api_req *r, pq_member *m, size_t n, api_rcc rcc, json_t **out)
{
    api_cap *caps = arena_zalloc(r->arena, n * sizeof *caps);
    if (!caps)
        return api_nomem(r);
    size_t ncap = 0;
    int rc;
    /* written as the members are read (api_out.h: on the endpoint an item is its text, no
     * jansson tree: review12 F7); an error on the way drops the reply */
    api_out *o = api_reply(r);
    arena_t one;
    arena_init(&one);
    ao_arr(o, "Responses");
    for (size_t i = 0; i < n; i++) {
        if (m[i].rc) {
            batch_error(o, m[i].rc, m[i].msg, NULL, NULL);
            continue;
        }
        if (api_reply_full(r)) { /* past 192 MB of text (review15 F1): resend this one */
            batch_error(o, ERR_THROTTLING, TXT_PQ_REPLY_FULL, m[i].t, NULL);
            continue;
        }
        uint64_t min_h = m[i].consistent ? API_THR_READ_STRONG : API_THR_READ_EVENTUAL;
        if (api_thr_admit(r, m[i].t, NULL, false, min_h)) { /* --throttle: its error */
            member_fail(r, &m[i], r->err->code);
            api_err_forget(r);
            batch_error(o, m[i].rc, m[i].msg, m[i].t, NULL);
            continue;
        }
        /* one item decoded at a time: written, then its arena is reset */
        av_t item, it;
        bool found = false, have = false;
        if ((rc = store_get(r->api->store, m[i].t, &m[i].key, &one, &item, &found, r->err)) ||
            (rc = member_item(r, &one, &m[i].s.b, &item, found, &it, &have))) {
            arena_fini(&one);
            return rc;
        }
        ao_obj(o, NULL);
        if (have)
            ao_item(o, "Item", &it);
        ao_str(o, "TableName", api_table_name(m[i].t));
        ao_close(o);
        uint64_t h = api_cap_read_h(found ? av_item_size(&item) : 0, m[i].consistent);
        cap_of(caps, &ncap, m[i].t)->table_h += h;
        api_metrics_read(r, m[i].t, h);
        api_thr_charge_read(r, m[i].t, NULL, h, min_h);
        arena_reset(&one);
    }
    arena_fini(&one);
    ao_close(o);
    caps_out(o, caps, ncap, rcc, false);
    (void)out;
    return 0;
}

int op_batch_execute_statement(api_req *r, json_t **out)
{
    const jread_val **params = NULL;
    int rc = api_pq_body(r, "Statements", NULL, &params);
    if (rc)
        return rc;
    json_t *b = r->body, *arr = NULL;
    if ((rc = api_json_arr(b, "Statements", &arr, r->err)))
        return rc;
    /* present, 1..25 statements: the request model (api_schema.c) */
    size_t n = json_array_size(arr);
    if (n == 0 || n > PQ_BATCH_MAX)
        return err_set(r->err, ERR_INTERNAL, "BatchExecuteStatement: %zu statements", n);
    api_rcc rcc;
    if ((rc = api_rcc_parse(r, b, &rcc)))
        return rc;
    pq_member *m = arena_zalloc(r->arena, n * sizeof *m);
    if (!m)
        return api_nomem(r);
    size_t nread, nwrite;
    if ((rc = members_load(r, arr, params, m, n, true, &nread, &nwrite)))
        return rc;
    if (nread && nwrite)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_B_MIXED);
    for (size_t i = 0; i < n; i++) {
        if (m[i].rc)
            continue;
        const expr_pq_bound *bd = &m[i].s.b;
        if (bd->kind == EXPR_PQ_SELECT) {
            av_t checked; /* the key values' sizes, as BatchGetItem and the UPDATE / DELETE
                           * members check them (review15 F4; DynamoDB Local refuses them) */
            rc = member_get_key(r, bd, &m[i].t, &m[i].key, TXT_PQ_B_KEY, i, false);
            if (!rc)
                rc = api_key_check(r, &m[i].t->key, &m[i].key, API_KEY_PARAM, &checked, NULL);
        } else if (bd->kind == EXPR_PQ_EXISTS) {
            rc = err_set(r->err, ERR_VALIDATION, TXT_PQ_EXISTS);
        } else {
            rc = api_pq_write_prepare(r, bd, &m[i].pw);
            m[i].t = m[i].pw.t;
        }
        if (rc) {
            if (rc == ERR_NOMEM)
                return rc;
            member_fail(r, &m[i], rc);
        }
    }
    /* two members on one item reject the whole batch */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i && !m[i].rc; j++) {
            if (m[j].rc || m[i].t != m[j].t)
                continue;
            const av_t *ki = nwrite ? &m[i].pw.key : &m[i].key;
            const av_t *kj = nwrite ? &m[j].pw.key : &m[j].key;
            if (api_key_equal(&m[i].t->key, ki, kj))
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_B_DUP);
        }
    if (!nwrite)
        return batch_reads(r, m, n, rcc, out);
    /* each write's items until the commit, as ExecuteTransaction's: an item small stored but
     * wide decoded (409,000 empty strings: 409 KB, 10.6 MB) passed the 256 MB arena at the
     * 13th of 25 members, InternalServerError (final16 F4) */
    api_arena_for_writes(r, nwrite);
    return batch_writes(r, m, n, rcc, out);
}

/* ---- ExecuteTransaction -------------------------------------------------------------------- */

static int txn_canceled(api_req *r, pq_member *m, store_write *w, size_t n)
{
    /* A write that failed for want of memory or storage is no reason to cancel: the whole
     * request failed (InternalServerError), as TransactWriteItems answers it (op_transact.c;
     * tests/unit/fault/test_alloc_fail.c test_transact) */
    for (size_t i = 0; i < n; i++)
        if (w[i].rc && err_status(w[i].rc) >= 500)
            return err_set(r->err, w[i].rc, "%s", w[i].err.msg);
    api_reason *rs = arena_zalloc(r->arena, n * sizeof *rs);
    if (!rs)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        int wrc = w[i].rc;
        if (wrc == ERR_CONDITIONAL_CHECK_FAILED && m[i].pw.insert)
            wrc = ERR_DUPLICATE_ITEM;
        rs[i].code = api_reason_code(wrc);
        if (wrc == ERR_CONDITIONAL_CHECK_FAILED) {
            /* an EXISTS too, without the full stop DynamoDB Local and TransactWriteItems'
             * ConditionCheck give it (AWS 2026-09: an AWS-checked emulator's captures) */
            rs[i].msg = TXT_COND_FAILED;
            const av_t *old = m[i].pw.w.kind == API_W_CHECK ? &m[i].pw.w.kept_old : &w[i].old;
            if (m[i].rvoccf && old->type == AV_M)
                rs[i].item = old;
        } else if (wrc == ERR_DUPLICATE_ITEM) {
            rs[i].msg = TXT_PQ_DUPLICATE;
        } else if (wrc) {
            rs[i].msg = w[i].err.msg;
        }
    }
    return api_canceled(r, rs, n);
}

/* A replayed answer reads the stored result: its units are reads of the images the first call
 * was sized on, transactional, 4 KB units (the service, conformance suite tier2
 * executeTransaction 'idempotent replay'; a replayed 9 KB delete costs 6: Dynoxide PR #188,
 * measured against AWS). The first call keeps them (INDEXES form, whatever it asked for) in
 * its cached answer under this member, reported in the replay's own ReturnConsumedCapacity
 * (api_txn_token_replay_cc); an answer cached without it is relabelled by txn_cap_as_read. */
#define TXN_REPLAY_CC "ConsumedCapacity@replay"

static void txn_cap_as_read(json_t *resp)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(resp, "ConsumedCapacity"), i, c)
    {
        json_t *cu = json_object_get(c, "CapacityUnits");
        if (cu)
            json_object_set(c, "ReadCapacityUnits", cu);
        json_object_del(c, "WriteCapacityUnits");
    }
}

/* Whether the member's table does not exist (*gone); 0 or another lookup error. */
static int txn_table_gone(api_req *r, const expr_pq_bound *b, bool *gone)
{
    *gone = false;
    if (api_table(r, b->table))
        return 0;
    if (r->err->code && r->err->code != ERR_RESOURCE_NOT_FOUND)
        return r->err->code;
    err_clear(r->err);
    *gone = true;
    return 0;
}

/* Each member's table and key (reads) or write; RETURNING, index reads, a write without its
 * key and two members on one item refused with DynamoDB's texts. */
/* The cancellation reason AWS gives a transaction member whose statement does not name one
 * item by its key (AWS eu-west-2, 2026-09-17: the capture set of an AWS-checked emulator's
 * PartiQL tests): a WHERE without the key, a key value of the wrong type or two values for one
 * key attribute -> "The provided key element does not match the schema"; an INSERT without a
 * key attribute -> "One or more parameter values were invalid: Missing the key <k> in the
 * item"; a key value over its size or an INSERT's item over 400 KB (inferred) -> its text.
 * NULL for any other error (refused as it is). */
static const char *txn_key_reason(api_req *r)
{
    static const char type_head[] = "Key attribute's data type should match";
    static const char multi_head[] = "Multiple conditions on same key ";
    static const char missing_head[] = "Key attribute should be present in the item: Key ";
    const char *m = r->err->msg;
    if (strcmp(m, TXT_PQ_KEY_EQ) == 0 || strncmp(m, type_head, sizeof type_head - 1) == 0 ||
        strncmp(m, multi_head, sizeof multi_head - 1) == 0)
        return TXT_KEY_SCHEMA;
    /* a key value over its size: a ValidationError reason with the item operations' text
     * (DynamoDB Local cancels so, in its words; review14 F8) */
    if (strcmp(m, TXT_KEY_HASH_TOO_LONG) == 0)
        return TXT_KEY_HASH_TOO_LONG;
    if (strcmp(m, TXT_KEY_RANGE_TOO_LONG) == 0)
        return TXT_KEY_RANGE_TOO_LONG;
    /* an INSERT's item over 400 KB (DynamoDB Local: a ValidationError reason with this text;
     * review14 F9) */
    if (strcmp(m, TXT_ITEM_TOO_BIG) == 0)
        return TXT_ITEM_TOO_BIG;
    if (strncmp(m, missing_head, sizeof missing_head - 1) == 0) {
        const char *k = m + sizeof missing_head - 1;
        size_t len = strlen(k) + 80;
        char *t = arena_alloc(r->arena, len);
        if (!t)
            return NULL;
        snprintf(t, len,
                 "One or more parameter values were invalid: Missing the key %s in the item", k);
        return t;
    }
    return NULL;
}

/* Each member's table and key (reads) or write; RETURNING, index reads, a write without its
 * key and two members on one item refused with DynamoDB's texts.  A member that names no
 * single item by its key cancels the transaction with a ValidationError reason (the others
 * None) once every member has been checked (AWS 2026-09; DynamoDB Local fails the whole
 * request with "ValidationError <text>" for a write without its key); so does a member on a
 * table that does not exist, with a ResourceNotFound reason, found before that member's
 * index read is refused (AWS 2026-09: an AWS-checked emulator's captures; DynamoDB Local
 * answers ResourceNotFoundException). */
static int txn_prepare(api_req *r, pq_member *m, size_t n, bool writes)
{
    int rc;
    const char **bad = arena_zalloc(r->arena, n * sizeof *bad);
    bool *gone = arena_zalloc(r->arena, n * sizeof *gone);
    bool any_bad = false;
    if (!bad || !gone)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        const expr_pq_bound *bd = &m[i].s.b;
        if (bd->kind == EXPR_PQ_SELECT) {
            /* a missing table first, then the index read (AWS 2026-09) */
            if ((rc = txn_table_gone(r, bd, &gone[i])))
                return rc;
            if (gone[i]) {
                any_bad = true;
                continue;
            }
            if (bd->index)
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_INDEX, i);
            av_t checked; /* the key values' sizes, as TransactGetItems checks them (review14
                           * F8b; F8's reasons) */
            if ((rc = member_get_key(r, bd, &m[i].t, &m[i].key, TXT_PQ_T_KEY, i, true)) ||
                (rc = api_key_check(r, &m[i].t->key, &m[i].key, API_KEY_PARAM, &checked, NULL))) {
                if (rc == ERR_VALIDATION && (bad[i] = txn_key_reason(r))) {
                    err_clear(r->err);
                    any_bad = true;
                    continue;
                }
                return rc;
            }
        } else {
            if (!m[i].prepared && (rc = api_pq_write_prepare(r, bd, &m[i].pw))) {
                if (rc == ERR_RESOURCE_NOT_FOUND) {
                    err_clear(r->err);
                    gone[i] = any_bad = true;
                    continue;
                }
                if (rc == ERR_VALIDATION && strcmp(r->err->msg, TXT_PQ_EXISTS_COND) == 0) {
                    err_clear(r->err);
                    return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_EXISTS, i);
                }
                if (rc == ERR_VALIDATION && strcmp(r->err->msg, TXT_PQ_NESTING) == 0) {
                    err_clear(r->err);
                    return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_NESTING, i);
                }
                if (rc == ERR_VALIDATION && (bad[i] = txn_key_reason(r))) {
                    err_clear(r->err);
                    any_bad = true;
                    continue;
                }
                return rc;
            }
            m[i].t = m[i].pw.t;
        }
    }
    /* two members on one item, once every member names one (AWS 2026-09: a member with a
     * key of the wrong type cancels the transaction even beside two reads of one item) */
    for (size_t i = 0; i < n && !any_bad; i++)
        for (size_t j = 0; j < i; j++) {
            const av_t *ki = writes ? &m[i].pw.key : &m[i].key;
            const av_t *kj = writes ? &m[j].pw.key : &m[j].key;
            if (m[i].t == m[j].t && api_key_equal(&m[i].t->key, ki, kj))
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_MULTI);
        }
    if (!any_bad)
        return 0;
    api_reason *rs = arena_zalloc(r->arena, n * sizeof *rs);
    if (!rs)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        rs[i].code = gone[i] ? "ResourceNotFound" : bad[i] ? "ValidationError" : "None";
        rs[i].msg = gone[i] ? TXT_PQ_NOT_FOUND : bad[i];
    }
    return api_canceled(r, rs, n);
}

/* --throttle: admits every member of a transaction (writes: the writes and checks of
 * txn_writes; else reads); when one is refused, gives back what the others took and returns
 * nonzero with each refused member's code and text in w[i].rc / w[i].err, for
 * txn_canceled's reasons. */
static bool txn_throttle(api_req *r, pq_member *m, store_write *w, size_t n, bool writes)
{
    bool any = false;
    bool *took = arena_zalloc(r->arena, sizeof *took * n);
    if (!took)
        return false; /* out of memory: unthrottled (a simulation, not a guard) */
    for (size_t i = 0; i < n; i++) {
        bool wr = writes; /* an EXISTS is billed as a write (txn_write_caps) */
        uint64_t min_h = (wr ? API_THR_WRITE : API_THR_READ_STRONG) * API_THR_TXN;
        int rc = api_thr_admit(r, m[i].t, NULL, wr, min_h);
        if (!rc) {
            took[i] = true;
            continue;
        }
        err_clear(&w[i].err);
        err_set(&w[i].err, rc, "%s", r->err->msg);
        w[i].rc = rc;
        api_err_forget(r);
        any = true;
    }
    for (size_t i = 0; any && i < n; i++)
        if (took[i]) {
            bool wr = writes;
            api_thr_refund(r, m[i].t, NULL, wr,
                           (wr ? API_THR_WRITE : API_THR_READ_STRONG) * API_THR_TXN);
        }
    return any;
}

/* The reads of a transaction: one snapshot (store_get_many), transactional units. */
static int txn_reads(api_req *r, pq_member *m, size_t n, api_rcc rcc, json_t **out)
{
    const store_table **tabs = arena_alloc(r->arena, n * sizeof *tabs);
    const av_t **kp = arena_alloc(r->arena, n * sizeof *kp);
    store_bytes *res = arena_zalloc(r->arena, n * sizeof *res);
    bool *found = arena_zalloc(r->arena, n * sizeof *found);
    api_cap *caps = arena_zalloc(r->arena, n * sizeof *caps);
    if (!tabs || !kp || !res || !found || !caps)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        tabs[i] = m[i].t;
        kp[i] = &m[i].key;
    }
    /* --transaction-conflicts: as TransactGetItems (op_transact.c), a member whose item an
     * ongoing transaction or write holds cancels the transaction (reason TransactionConflict) */
    bool conflict = false;
    store_write *cw = NULL;
    for (size_t i = 0; r->api->txn_conflicts && i < n; i++) {
        uint64_t hk;
        if (api_hold_key(m[i].t, &m[i].key, &hk) == 0 && api_hold_busy(r->api, hk)) {
            if (!cw && !(cw = arena_zalloc(r->arena, n * sizeof *cw)))
                return api_nomem(r);
            cw[i].rc = ERR_TRANSACTION_CONFLICT;
            err_set(&cw[i].err, ERR_TRANSACTION_CONFLICT, TXT_TXN_ONGOING);
            conflict = true;
        }
    }
    if (conflict)
        return txn_canceled(r, m, cw, n);
    if (r->api->thr) { /* --throttle: all admitted, or cancelled with the refusals */
        store_write *w = store_writes_new(r->arena, n);
        if (!w)
            return api_nomem(r);
        if (txn_throttle(r, m, w, n, false))
            return txn_canceled(r, m, w, n);
    }
    /* the items' stored bytes in one snapshot, each decoded only while it is written (100
     * SELECTs of 240 KB items: 230 MB decoded at once in the request's arena before), up to
     * TXN_READ_STORED_MAX: a number is stored in full (-1E-130: 133 bytes, sized 3), so 20
     * SELECTs of 400 KB items of them copied 270 MB and answered 500 out of memory where the
     * aggregate size refuses them (review15 F1's items) */
    size_t nread = 0;
    int rc = store_get_many_stored_capped(r->api->store, tabs, kp, n, r->arena, res, found,
                                          TXN_READ_STORED_MAX, &nread, r->err);
    if (rc)
        return rc;
    /* the items' aggregate size, as TransactGetItems (op_transact.c; DynamoDB Local refuses
     * it too, in its words: "Payload in response is too large.<bytes>") */
    uint64_t total = 0;
    size_t *sizes = arena_zalloc(r->arena, n * sizeof *sizes); /* also their capacity, below */
    if (!sizes)
        return api_nomem(r);
    for (size_t i = 0; i < nread; i++) {
        if (found[i] && av_stored_scan(res[i].data, res[i].len, NULL, NULL, 0, NULL, &sizes[i]))
            return err_set(r->err, ERR_INTERNAL, "corrupt stored item");
        total += sizes[i];
    }
    if (total > TXN_MAX_BYTES)
        return err_set(r->err, ERR_VALIDATION, TXT_T_TOO_BIG);
    if (nread < n) /* within 4 MB, past the copies' bound: cannot be answered now */
        return err_set(r->err, ERR_THROTTLING, TXT_BUSY);
    arena_t one;
    arena_init(&one);
    /* written as the members are answered (api_out.h: on the endpoint an item is its text, no
     * jansson tree: review12 F7, 100 SELECTs of 240 KB items took a 1.6 GB peak); an error on
     * the way drops the reply */
    api_out *o = api_reply(r);
    ao_arr(o, "Responses");
    size_t ncap = 0;
    for (size_t i = 0; i < n; i++) {
        av_t item = {.type = AV_NONE}, it;
        bool have = false;
        int d = found[i] ? av_decode(res[i].data, res[i].len, &one, &item) : 0;
        if (d == ERR_NOMEM)
            rc = api_nomem(r);
        else if (d || (found[i] && item.type != AV_M))
            rc = err_set(r->err, ERR_INTERNAL, "corrupt stored item");
        if (rc || (rc = member_item(r, &one, &m[i].s.b, &item, found[i], &it, &have))) {
            arena_fini(&one);
            return rc;
        }
        ao_obj(o, NULL);
        if (have)
            ao_item(o, "Item", &it);
        ao_close(o);
        api_cap *c = cap_of(caps, &ncap, m[i].t);
        uint64_t h = api_cap_read_h(sizes[i], true) * 2;
        c->table_h += h;
        c->read_h += h;
        api_metrics_read(r, m[i].t, h);
        api_thr_charge_read(r, m[i].t, NULL, h, API_THR_READ_STRONG * API_THR_TXN);
        arena_reset(&one); /* the item is written: text, or its own tree */
    }
    arena_fini(&one);
    ao_close(o);
    caps_out(o, caps, ncap, rcc, true);
    (void)out;
    return 0;
}

/* Transactional units of the writes (the table's x2; index writes as outside a
 * transaction, like TransactWriteItems).  An EXISTS is ExecuteTransaction's ConditionCheck
 * (the API Reference's ParameterizedStatement / PartiQL transactions: EXISTS "works like the
 * ConditionCheck action in the TransactWriteItems API") and is billed as TransactWriteItems
 * bills one: a transactional write of the item, in WriteCapacityUnits (op_transact.c
 * tx_units: the conformance suite's tier2 transactWrite, 2 WCU for a small item; Dynoxide's
 * ExecuteTransaction: "condition-only checks (which AWS counts in the write set)").  It was
 * billed as a transactional read.  test_partiql.py test_transaction_exists_billed_as_write */
static void txn_write_caps(const pq_member *m, const store_write *w, size_t n, api_cap *caps,
                           size_t *ncap)
{
    for (size_t i = 0; i < n; i++) {
        api_cap *c = cap_of(caps, ncap, m[i].t);
        if (m[i].pw.w.kind == API_W_CHECK) {
            c->table_h += api_cap_write_h(w[i].old_size) * 2;
            continue;
        }
        uint64_t sz = w[i].old_size > w[i].new_size ? w[i].old_size : w[i].new_size;
        c->table_h += api_cap_write_h(sz) * 2;
        const av_t *old = w[i].old.type == AV_M ? &w[i].old : NULL;
        const av_t *nw = (w[i].new_item && w[i].new_item != STORE_KEEP) ? w[i].new_item : NULL;
        api_cap tmp;
        memset(&tmp, 0, sizeof tmp);
        api_cap_add_index_writes(&tmp, m[i].t, old, nw);
        for (size_t k = 0; k < tmp.n_idx; k++)
            for (size_t x = 0; x < m[i].t->n_idx; x++)
                if (strcmp(m[i].t->idx[x].name, tmp.idx[k].name) == 0)
                    api_cap_add_index(c, &m[i].t->idx[x], tmp.idx[k].h); /* not doubled */
    }
}

/* The writes of a transaction: all or nothing (store_write_atomic).  *committed: they were
 * applied (then a later failure, out of memory building the answer, must not let a retry
 * under the same ClientRequestToken apply them again: review15 F8). */
static int txn_writes(api_req *r, pq_member *m, size_t n, api_rcc rcc, bool token,
                      json_t **out, bool *committed)
{
    *committed = false;
    store_write *w = store_writes_new(r->arena, n);
    api_cap *caps = arena_zalloc(r->arena, n * sizeof *caps);
    if (!w || !caps)
        return api_nomem(r);
    size_t kept_text = 0; /* as TransactWriteItems' (op_transact.c): an EXISTS check reads
                             its item in place, keeps it only to return it */
    for (size_t i = 0; i < n; i++) {
        api_pq_sw_init(&w[i], r, &m[i].pw,
                   m[i].rvoccf || rcc != API_RCC_NONE || (r->api->thr && m[i].t->n_idx));
        w[i].in_place = m[i].pw.w.kind == API_W_CHECK;
        m[i].pw.w.kept_old.type = AV_NONE;
        if (w[i].in_place && m[i].rvoccf) {
            m[i].pw.w.kept_text = &kept_text;
            m[i].pw.w.kept_max = r->api->reply_items_text;
        }
    }
    /* --transaction-conflicts: as TransactWriteItems (op_transact.c), the members hold
     * their items while the transaction runs; one another transaction holds cancels it */
    uint64_t *hk = NULL;
    if (r->api->txn_conflicts) {
        hk = arena_alloc(r->arena, n * sizeof *hk);
        bool *busy = arena_zalloc(r->arena, n * sizeof *busy), any = false;
        if (!hk || !busy)
            return api_nomem(r);
        for (size_t i = 0; i < n; i++)
            if (api_hold_key(m[i].t, &m[i].pw.key, &hk[i]))
                hk[i] = 0;
        if (api_hold_take(r->api, hk, n, busy, &any))
            return api_nomem(r);
        if (any) {
            for (size_t i = 0; i < n; i++)
                if (busy[i]) {
                    w[i].rc = ERR_TRANSACTION_CONFLICT;
                    err_set(&w[i].err, ERR_TRANSACTION_CONFLICT, TXT_TXN_ONGOING);
                }
            return txn_canceled(r, m, w, n);
        }
        api_hold_wait(r->api);
    }
    int rc = r->api->thr && txn_throttle(r, m, w, n, true) /* --throttle */
                 ? ERR_TRANSACTION_CANCELED
                 : store_write_atomic(r->api->store, w, n, r->err);
    if (hk)
        api_hold_release(r->api, hk, n);
    if (rc == ERR_TRANSACTION_CANCELED) {
        err_clear(r->err);
        return txn_canceled(r, m, w, n);
    }
    if (rc)
        return rc;
    api_writes_applied(r, w, n);
    *committed = true;
    /* vectors billed at 4 bytes a dimension (api_vector.c); an EXISTS check is a read */
    for (size_t i = 0; i < n; i++)
        if (m[i].pw.w.kind != API_W_CHECK)
            api_vix_bill(m[i].pw.t, &w[i]);
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "Responses", json_array())) {
        json_decref(o);
        return api_nomem(r);
    }
    size_t ncap = 0;
    if (rcc != API_RCC_NONE)
        txn_write_caps(m, w, n, caps, &ncap);
    for (size_t i = 0; i < n; i++) { /* /metrics and --throttle: each member's units */
        api_cap u;
        size_t nu = 0;
        txn_write_caps(&m[i], &w[i], 1, &u, &nu);
        api_metrics_write(r, m[i].t, u.table_h); /* an EXISTS too: billed as a write */
        api_thr_charge_write(r, m[i].t, &u, API_THR_WRITE * API_THR_TXN);
    }
    caps_set(o, caps, ncap, rcc, true);
    if (token) { /* what a replay under the token reports (TXN_REPLAY_CC); built only when
                  * there is one, as TransactWriteItems (review30c R30c-2) */
        api_cap *rcaps = arena_zalloc(r->arena, n * sizeof *rcaps);
        size_t nrc = 0;
        if (!rcaps) {
            json_decref(o);
            return api_nomem(r);
        }
        for (size_t i = 0; i < n; i++) {
            api_cap *c = cap_of(rcaps, &nrc, m[i].t);
            uint64_t sz = w[i].old_size > w[i].new_size ? w[i].old_size : w[i].new_size;
            uint64_t h = api_cap_read_h(m[i].pw.w.kind == API_W_CHECK ? w[i].old_size : sz, true) * 2;
            c->table_h += h;
            c->read_h += h;
        }
        json_t *t = json_object();
        caps_set(t, rcaps, nrc, API_RCC_INDEXES, true);
        json_object_set(o, TXN_REPLAY_CC, json_object_get(t, "ConsumedCapacity"));
        json_decref(t);
    }
    *out = o;
    return 0;
}

int op_execute_transaction(api_req *r, json_t **out)
{
    const jread_val **params = NULL;
    int rc = api_pq_body(r, "TransactStatements", NULL, &params);
    if (rc)
        return rc;
    json_t *b = r->body, *arr = NULL;
    if ((rc = api_json_arr(b, "TransactStatements", &arr, r->err)))
        return rc;
    /* present, 1..100 statements: the request model (api_schema.c) */
    size_t n = json_array_size(arr);
    if (n == 0 || n > PQ_TXN_MAX)
        return err_set(r->err, ERR_INTERNAL, "ExecuteTransaction: %zu statements", n);
    const char *token = NULL;
    size_t token_len = 0;
    api_rcc rcc;
    if ((rc = api_json_strn(b, "ClientRequestToken", &token, &token_len, r->err)) ||
        (rc = api_rcc_parse(r, b, &rcc)))
        return rc;
    /* its length, 1..36: the request model */
    /* the token is taken whole (a NUL inside is part of it: issue 9.1) */
    if (token && !(token = api_txn_token_key(r, token, token_len)))
        return api_nomem(r);
    pq_member *m = arena_zalloc(r->arena, n * sizeof *m);
    if (!m)
        return api_nomem(r);
    size_t nread, nwrite;
    if ((rc = members_load(r, arr, params, m, n, false, &nread, &nwrite)))
        return rc;
    /* a syntax error (members_load), then the reads with the writes, then the members' own
     * refusals in their order (DynamoDB Local; no AWS capture) */
    if (nread && nwrite)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_MIXED);
    /* RETURNING is refused on a member whose table exists; one on a missing table cancels
     * the transaction as that table's (AWS 2026-09, an AWS-checked emulator's captures) */
    for (size_t i = 0; i < n; i++) {
        bool gone;
        if (m[i].rc)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_PREFIX "%s", i, m[i].msg);
        if (m[i].s.b.kind == EXPR_PQ_EXISTS) {
            /* an EXISTS with no condition past its key, in member order (DynamoDB Local:
             * [EXISTS(... key only), UPDATE ... RETURNING] names the EXISTS); any other
             * refusal of its write is txn_prepare's */
            if ((rc = api_pq_write_prepare(r, &m[i].s.b, &m[i].pw)) == ERR_VALIDATION &&
                strcmp(r->err->msg, TXT_PQ_EXISTS_COND) == 0) {
                err_clear(r->err);
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_EXISTS, i);
            }
            if (rc == ERR_NOMEM)
                return rc;
            m[i].prepared = rc == 0;
            err_clear(r->err); /* a refused one is prepared again by txn_prepare */
            continue;
        }
        if (m[i].s.b.ret == EXPR_PQ_RET_NONE)
            continue;
        if ((rc = txn_table_gone(r, &m[i].s.b, &gone)))
            return rc;
        if (!gone && m[i].s.b.kind == EXPR_PQ_INSERT) /* INSERT's own text (Local) */
            return err_set(r->err, ERR_VALIDATION,
                           "Validation failed in TransactStatements[%zu]: " TXT_PQ_INSERT_RETURNING,
                           i);
        if (!gone)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_T_RETURNING, i);
    }
    api_arena_for_writes(r, nwrite); /* each write's items until the commit (review14 F3) */
    if ((rc = txn_prepare(r, m, n, nwrite > 0)))
        return rc;
    if (nread)
        return txn_reads(r, m, n, rcc, out);
    /* the items' aggregate size, as TransactWriteItems (op_transact.c): an INSERT counts its
     * item, the other statements their key (DynamoDB Local refuses it too, in its words:
     * "Transaction payload size cannot exceed 4MB. Payload Size: <bytes>") */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += av_item_size(m[i].pw.insert ? m[i].pw.w.item : &m[i].pw.key);
    if (total > TXN_MAX_BYTES)
        return err_set(r->err, ERR_VALIDATION, TXT_T_TOO_BIG);
    if (token) {
        json_t *replay = NULL;
        if ((rc = api_txn_token_begin(r, token, &replay)))
            return rc;
        if (replay) {
            if (!json_object_get(replay, TXN_REPLAY_CC))
                txn_cap_as_read(replay);
            api_txn_token_replay_cc(replay, TXN_REPLAY_CC, rcc);
            *out = replay;
            return 0;
        }
    }
    bool committed;
    rc = txn_writes(r, m, n, rcc, token != NULL, out, &committed);
    if (token) {
        api_txn_token_end(r, token, rc ? NULL : *out, committed);
        if (!rc)
            json_object_del(*out, TXN_REPLAY_CC); /* kept in the cache only */
    }
    return rc;
}
