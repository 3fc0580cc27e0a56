/*
 * op_transact — TransactWriteItems and TransactGetItems.  Layer: api.
 *
 * TransactWriteItems validates every action (one of ConditionCheck / Put / Update / Delete,
 * each with its own expressions and placeholders), rejects two actions on one item, then
 * runs all of them through store_write_atomic: all apply or none.  When any action's apply
 * fails the whole call is TransactionCanceledException with CancellationReasons in action
 * order (api_canceled).  Called through api_call_out_jr_later (the DynamoDB port, without
 * --transaction-conflicts / --throttle) it is answered later (issue 13.3 design (a)): the
 * caller's thread parses, checks and begins the token, queues the writes with
 * store_write_atomic_later and returns API_LATER; the store's committing thread runs the rest
 * (tw_finish: reasons, metrics, capacity, the token's end, the reply) once they are durable.
 * TransactGetItems reads all keys in one snapshot (store_get_many).
 *
 * ClientRequestToken idempotency: api_txn_token.c's cache, asked before the writes and told
 * after them (the answer kept is the reply's text: tw_reply, written twice, once for the
 * cache, once for the caller); a replay reports the capacity stored for it (TOK_REPLAY_CC).
 *
 * Texts and shapes as DynamoDB Local (tests/e2e/test_transact.py): a failed ConditionCheck's
 * reason message ends with a period, a failed Put/Update/Delete condition's does not;
 * transactional capacity is twice the ordinary capacity on the table (reads always strongly
 * consistent; an index arm costs what the write costs outside a transaction), summed over the
 * actions of each table.  (DynamoDB Local sums only the distinct per-action
 * unit counts of a table — two 1-unit puts report 2.0, not 4.0; we follow the service.)
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_conflict.h"
#include "api/api_item.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_txn_token.h"
#include "api/api_vector.h"
#include "api/api_validate.h"
#include "base/mem.h"
#include "value/ddbjson.h"
#include "value/jout.h"
#include "value/jread.h"

#define TXN_MAX_ITEMS 100

#define TXT_T_MULTI "Transaction request cannot include multiple operations on one item"
#define TXT_T_ONE_OF "TransactItems can only contain one of Check, Put, Update or Delete"
#define TXT_T_NONE "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request"
#define TXT_T_CHECK_FAILED "The conditional request failed."
/* the ItemCollectionSizeLimitExceeded reason's message (API Reference, TransactWriteItems) */
#define TXT_T_COLL_TOO_BIG "Collection size exceeded."

/* ---- TransactWriteItems ------------------------------------------------------------------ */

/* A replay under a ClientRequestToken changes nothing and reports "the number of read capacity
 * units consumed in reading the item" (API Reference, TransactWriteItems ClientRequestToken):
 * transactional reads of the images the first call was sized on, 4 KB units (a replayed delete
 * of a 9 KB item: 6 units; measured against AWS: Dynoxide PR #188). The first call stores that
 * ConsumedCapacity (INDEXES form, whatever it asked for) under this member of its cached
 * answer; a replay reports it in its own ReturnConsumedCapacity (api_txn_token_replay_cc). */
#define TOK_REPLAY_CC "ConsumedCapacity@replay"

typedef struct twa {
    const char *kind_name; /* "ConditionCheck", "Put", "Update", "Delete" */
    json_t *spec;          /* the action's object, or NULL when read from our reader's tree */
    const char *tname;     /* then: its TableName (arena, terminated) */
    size_t tname_len;
    api_wctx w;
    av_t key, item, src;
    api_exprs x;
    bool rvoccf;
    bool key_mistyped; /* the key failed the schema: this action's ValidationError reason
                          (w.fail_msg), the other actions still evaluated */
} twa;

/* The key attributes `src` holds (whatever their types), for an action whose key failed the
 * schema: the store looks the item up by it and fails the write; the reason's message is
 * the service's (w.fail_msg). */
static int tx_key_partial(api_req *r, const store_keydef *kd, const av_t *src, av_t *out_key)
{
    const char *names[2];
    size_t n = api_key_names(kd, names);
    return av_map_pick(r->arena, src, names, n, out_key) ? api_nomem(r) : 0;
}

/* A failure that becomes this action's cancellation reason: the message kept (arena). */
static int tx_flag(api_req *r, twa *a)
{
    size_t len = strlen(r->err->msg);
    char *m = arena_alloc(r->arena, len + 1);
    if (!m)
        return api_nomem(r);
    memcpy(m, r->err->msg, len + 1);
    err_clear(r->err);
    a->w.fail_msg = m;
    a->key_mistyped = true;
    return 0;
}

static const char *const cond_params[] = {"ConditionExpression", NULL};
static const char *const upd_params[] = {"UpdateExpression", "ConditionExpression", NULL};

/* The request-level part of one action (no table needed): placeholders, expressions, the
 * item's or key's values, a Put's size. */
static int parse_action(api_req *r, twa *a)
{
    json_t *s = a->spec;
    int rc;
    if (!json_is_object(s))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    api_wkind k = strcmp(a->kind_name, "Put") == 0      ? API_W_PUT
                  : strcmp(a->kind_name, "Update") == 0 ? API_W_UPDATE
                  : strcmp(a->kind_name, "Delete") == 0 ? API_W_DELETE
                                                        : API_W_CHECK;
    if ((rc = api_rvoccf_parse(r, s, &a->rvoccf)))
        return rc;
    api_exprs *x = &a->x;
    const char *null_what = k == API_W_UPDATE ? "UpdateExpression and ConditionExpression are null"
                                              : "ConditionExpression is null";
    if ((rc = api_exprs_init_tx(r, s, x, k == API_W_UPDATE ? upd_params : cond_params, null_what)))
        return rc;
    expr_t *cond = NULL, *upd = NULL;
    /* an Update's UpdateExpression before its ConditionExpression, as UpdateItem's */
    if (k == API_W_UPDATE &&
        (rc = api_exprs_get(r, s, x, "UpdateExpression", EXPR_UPDATE, &upd)))
        return rc;
    if ((rc = api_exprs_get(r, s, x, "ConditionExpression", EXPR_CONDITION, &cond)))
        return rc;
    if ((rc = api_exprs_done(r, x)))
        return rc;
    if (k == API_W_PUT) {
        /* a Put's size is known from the request: a ValidationException, never a reason */
        if ((rc = api_item_from_json(r, api_param(s, "Item"), &a->item)) ||
            (rc = api_item_size_check_w(r, &a->item, TXT_ITEM_TOO_BIG, &a->w)))
            return rc;
        a->w.item = &a->item;
    } else if ((rc = api_item_from_json(r, api_param(s, "Key"), &a->src))) {
        return rc;
    }
    a->w.kind = k;
    a->w.cond = cond;
    a->w.upd = upd;
    a->w.upd_expr_texts = k == API_W_UPDATE;
    return 0;
}

/* The table and the checks against its schema.  A key that fails the schema (missing,
 * mistyped), a key value over the size limit or a Put's mistyped index key is this action's
 * cancellation reason (ValidationError); an empty key value, an empty index key value, a
 * ValidationException of the request.  The size: AWS us-east-1 as ExtendDB's tests/
 * test_transaction_key_size_validation.py records it (the reason's code; its message is
 * taken to be the single-item operations' text), DynamoDB Local agrees (its own text);
 * test_transact test_transact_write_key_over_limit_is_a_reason. */
static int bind_action(api_req *r, twa *a, const store_table *known)
{
    const store_table *t = known;
    int rc = t                ? 0
             : a->spec        ? api_item_table(r, a->spec, &t)
                              : api_table_get(r, a->tname, a->tname_len, &t);
    if (rc)
        return rc;
    a->w.t = t;
    a->w.key = &a->key;
    api_keyerr cls = API_KEYERR_NONE;
    if (a->w.kind == API_W_PUT)
        rc = api_key_check(r, &t->key, &a->item, API_KEY_ITEM, &a->key, &cls);
    else
        rc = api_key_check(r, &t->key, &a->src, API_KEY_PARAM, &a->key, &cls);
    if (rc && cls != API_KEYERR_SCHEMA && cls != API_KEYERR_SIZE)
        return rc;
    if (rc)
        return (rc = tx_flag(r, a)) ? rc
                                    : tx_key_partial(r, &t->key,
                                                     a->w.kind == API_W_PUT ? &a->item : &a->src,
                                                     &a->key);
    if (a->w.kind == API_W_PUT && (rc = api_item_index_keys_check(r, t, &a->item))) {
        if (strstr(r->err->msg, "Type mismatch") == NULL)
            return rc; /* an empty index key value: the request's ValidationException */
        if ((rc = tx_flag(r, a)))
            return rc;
    }
    /* a ConditionCheck's condition may go into key attributes: DynamoDB Local checks the
     * paths of a Put's, Delete's and Update's expressions, not a ConditionCheck's (no AWS
     * capture; found by tests/e2e/diffgen.py, test_differential.py) */
    if (a->w.kind == API_W_CHECK)
        return 0;
    return api_exprs_keys_check(r, &a->x, t);
}

/* store_write.peek of an action: the request's arena may hold a copy of a big stored item
 * (api_arena_for_stored); a ConditionCheck's is read in place, not copied. */
static int tw_peek(void *ctx, const void *stored, size_t len, err_t *e)
{
    (void)stored;
    (void)e;
    const api_wctx *w = ctx;
    if (w->kind != API_W_CHECK)
        api_arena_for_stored(w->txn, len);
    return 0;
}

static int canceled(api_req *r, twa *acts, store_write *w, size_t n)
{
    /* A write that failed for want of memory or storage is no reason to cancel: the whole
     * request failed (InternalServerError), as the other writes' answers would have been
     * (tests/unit/fault/test_alloc_fail.c) */
    for (size_t i = 0; i < n; i++)
        if (w[i].rc && err_status(w[i].rc) >= 500)
            return err_set(r->err, w[i].rc, "%s", w[i].err.msg);
    /* An update that sets an index key to an empty value is a ValidationException of the
     * request, not a cancellation reason (the service; an update that makes the item too
     * big IS a reason: conformance tier3 itemSizeBySurface) */
    for (size_t i = 0; i < n; i++)
        if (w[i].rc == ERR_VALIDATION && (strcmp(w[i].err.msg, TXT_IDX_EMPTY_S_UPDATE) == 0 ||
                                          strcmp(w[i].err.msg, TXT_IDX_EMPTY_B_UPDATE) == 0))
            return err_set(r->err, ERR_VALIDATION, "%s", w[i].err.msg);
    api_reason *rs = arena_zalloc(r->arena, n * sizeof *rs);
    if (!rs)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        rs[i].code = api_reason_code(w[i].rc);
        if (w[i].rc == ERR_CONDITIONAL_CHECK_FAILED) {
            rs[i].msg = acts[i].w.kind == API_W_CHECK ? TXT_T_CHECK_FAILED : TXT_COND_FAILED;
            const av_t *old = acts[i].w.kind == API_W_CHECK ? &acts[i].w.kept_old : &w[i].old;
            if (acts[i].rvoccf && old->type == AV_M)
                rs[i].item = old;
        } else if (w[i].rc == ERR_ITEM_COLLECTION_SIZE_LIMIT) {
            rs[i].msg = TXT_T_COLL_TOO_BIG;
        } else if (w[i].rc) {
            rs[i].msg = acts[i].w.fail_msg ? acts[i].w.fail_msg : w[i].err.msg;
        }
    }
    return api_canceled(r, rs, n);
}

/* ---- --throttle (api_throttle.c) --------------------------------------------------------- */

/* What admitting an action takes, in half units: the smallest transactional write (a
 * ConditionCheck is billed as a write too: see tx_units). */
#define TX_MIN_H (API_THR_WRITE * API_THR_TXN)

/* The units action i consumed (transactional: doubled), its GSIs' included. */
static void tx_units(const twa *acts, const store_write *w, size_t i, api_cap *out)
{
    memset(out, 0, sizeof *out);
    if (acts[i].w.kind == API_W_CHECK) {
        /* a ConditionCheck costs what a transactional write of the item costs, billed as a
         * write (the service: 2 WCU for a small item, conformance suite tier2 transactWrite
         * "a standalone ConditionCheck action costs 2 write capacity units"; DynamoDB Local
         * and this server before bill a read: test_transact_condition_check_billed_as_write) */
        out->table_h = api_cap_write_h(w[i].old_size) * API_THR_TXN;
        return;
    }
    uint64_t sz = w[i].old_size > w[i].new_size ? w[i].old_size : w[i].new_size;
    out->table_h = api_cap_write_h(sz) * API_THR_TXN;
    const av_t *old = w[i].old.type == AV_M ? &w[i].old : NULL;
    const av_t *nw = (w[i].new_item && w[i].new_item != STORE_KEEP) ? w[i].new_item : NULL;
    /* an index arm costs what the same write costs outside a transaction: the doubling is the
     * table's alone (measured against AWS: Dynoxide PR #188) */
    api_cap_add_index_writes(out, acts[i].w.t, old, nw);
}

/* Admits every action; when one is refused, gives back what the others took and cancels
 * the transaction: the refused actions' reasons are the refusal's code and text (AWS's
 * ProvisionedThroughputExceeded / ThrottlingError), the others None. */
static int tx_throttle(api_req *r, twa *acts, store_write *w, size_t n)
{
    bool any = false;
    bool *took = arena_zalloc(r->arena, sizeof *took * n);
    if (!took)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        int rc = api_thr_admit(r, acts[i].w.t, NULL, true, TX_MIN_H);
        err_clear(&w[i].err);
        w[i].rc = 0;
        if (rc) {
            err_set(&w[i].err, rc, "%s", r->err->msg);
            w[i].rc = rc;
            api_err_forget(r);
            any = true;
        } else {
            took[i] = true;
        }
    }
    if (!any)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (took[i])
            api_thr_refund(r, acts[i].w.t, NULL, true, TX_MIN_H);
    return canceled(r, acts, w, n);
}

/* Which action kind `item` holds: its name, or an error for none / several. */
static int action_kind(api_req *r, json_t *item, const char **out_name, json_t **out_spec)
{
    static const char *const kinds[] = {"ConditionCheck", "Put", "Update", "Delete"};
    int found = 0;
    for (int k = 0; k < 4; k++) {
        json_t *s = json_is_object(item) ? api_param(item, kinds[k]) : NULL;
        if (s) {
            found++;
            *out_name = kinds[k];
            *out_spec = s;
        }
    }
    if (found == 0)
        return err_set(r->err, ERR_VALIDATION, TXT_T_NONE);
    if (found > 1)
        return err_set(r->err, ERR_VALIDATION, TXT_T_ONE_OF);
    return 0;
}

static api_cap *cap_for(api_cap *caps, size_t *ncap, const store_table *t)
{
    for (size_t i = 0; i < *ncap; i++)
        if (caps[i].table == api_table_name(t))
            return &caps[i];
    api_cap *c = &caps[(*ncap)++];
    memset(c, 0, sizeof *c);
    c->table = api_table_name(t);
    return c;
}

/* A transaction's ConsumedCapacity array written into a reply as member `key`: one
 * transactional entry per table, caps[0 .. n).  Nothing for API_RCC_NONE. */
static void caps_out(api_out *o, const char *key, const api_cap *caps, size_t n, api_rcc rcc)
{
    if (rcc == API_RCC_NONE)
        return;
    ao_arr(o, key);
    for (size_t i = 0; i < n; i++)
        api_cap_out(o, NULL, &caps[i], rcc, true);
    ao_close(o);
}

/* ---- the common request from our reader's tree (issue 13.1; op_item.c's pattern) ----
 *
 * A request of TransactItems (each one action of TableName, Item or Key, ConditionExpression,
 * UpdateExpression for an Update, ExpressionAttributeNames / Values, a valid
 * ReturnValuesOnConditionCheckFailure), ReturnConsumedCapacity, ReturnItemCollectionMetrics
 * and a ClientRequestToken only (no JSON null, nothing else; the token cache's digest is then
 * walked from our reader's tree, jdigest_jread) is read straight into values,
 * with the jansson path's request-level checks calling the same functions.  Anything unusual
 * or refused before the tables returns TW_JANSSON without a side effect, and the request takes
 * the jansson path from the start: the same answers by construction
 * (tests/unit/api/test_api_jread.c compares the two). */

#define TW_JANSSON 1

/* parse_action's work for a common action.  0 or TW_JANSSON (r->err cleared); or, for a Put
 * item over the size limit or placeholder maps the env refuses (api_exprs_init_jr), that
 * error: parse_action's own refusal of the action, every check before it having passed here
 * (one 14 MB item took ~530 MB through the jansson path, 2 trees of the body). */
static int parse_action_jr(api_req *r, twa *a, const jread_val *s)
{
    api_wkind k = strcmp(a->kind_name, "Put") == 0      ? API_W_PUT
                  : strcmp(a->kind_name, "Update") == 0 ? API_W_UPDATE
                  : strcmp(a->kind_name, "Delete") == 0 ? API_W_DELETE
                                                        : API_W_CHECK;
    const char *doc_name = k == API_W_PUT ? "Item" : "Key";
    const jread_val *table = NULL, *doc = NULL, *cond = NULL, *upd = NULL, *names = NULL,
                    *values = NULL;
    for (const jread_val *v = s->child; v; v = v->next) {
        if (v->type == JREAD_NULL)
            return TW_JANSSON;
        if (API_JR_KEY(v, "TableName") && v->type == JREAD_STRING)
            table = v;
        else if (api_jr_key(v, doc_name, strlen(doc_name)) && v->type == JREAD_OBJECT)
            doc = v;
        else if (API_JR_KEY(v, "ConditionExpression") && v->type == JREAD_STRING)
            cond = v;
        else if (k == API_W_UPDATE && API_JR_KEY(v, "UpdateExpression") && v->type == JREAD_STRING)
            upd = v;
        else if (API_JR_KEY(v, "ExpressionAttributeNames"))
            names = v;
        else if (API_JR_KEY(v, "ExpressionAttributeValues"))
            values = v;
        else if (API_JR_KEY(v, "ReturnValuesOnConditionCheckFailure") &&
                 (API_JR_TEXT(v, "NONE") || API_JR_TEXT(v, "ALL_OLD")))
            a->rvoccf = API_JR_TEXT(v, "ALL_OLD");
        else
            return TW_JANSSON;
    }
    if (!table || !doc)
        return TW_JANSSON;
    bool any = cond || upd;
    expr_t *c = NULL, *u = NULL;
    int rc = api_exprs_init_jr(r, names, values, any, any, &a->x);
    if (rc && a->x.env_refused)
        return rc; /* parse_action's refusal too (below) */
    if (!rc && upd) /* before the condition, as parse_action */
        rc = api_exprs_get_text(r, &a->x, upd->text, upd->len, EXPR_UPDATE, &u);
    if (!rc && cond)
        rc = api_exprs_get_text(r, &a->x, cond->text, cond->len, EXPR_CONDITION, &c);
    if (!rc)
        rc = api_exprs_done(r, &a->x);
    if (!rc)
        rc = ddbjson_to_item_jr_in(doc, (ddbjson_layer)r->values, r->arena, k == API_W_PUT ? &a->item : &a->src, r->err);
    if (!rc && k == API_W_PUT && (rc = api_item_size_check_w(r, &a->item, TXT_ITEM_TOO_BIG, &a->w)))
        return rc; /* parse_action's refusal too (below) */
    if (!rc && !(a->tname = arena_strndup(r->arena, table->text, table->len)))
        rc = ERR_NOMEM;
    if (rc) {
        err_clear(r->err);
        return TW_JANSSON;
    }
    a->tname_len = table->len;
    if (k == API_W_PUT)
        a->w.item = &a->item;
    a->w.kind = k;
    a->w.cond = c;
    a->w.upd = u;
    a->w.upd_expr_texts = k == API_W_UPDATE;
    return 0;
}

/* The request level both transactions share, from our reader's tree: TransactItems (1 to
 * TXN_MAX_ITEMS entries) and ReturnConsumedCapacity; for TransactWriteItems (token and ricm
 * not NULL) also ClientRequestToken (*token: its text, not yet the cache's key) and
 * ReturnItemCollectionMetrics; nothing else.  The TransactItems array, or NULL: not the
 * common request. */
static const jread_val *tx_items_jr(api_req *r, const jread_val *b, api_rcc *rcc,
                                    const char **token, bool *ricm)
{
    const jread_val *items = NULL;
    for (const jread_val *v = b->child; v; v = v->next) {
        if (API_JR_KEY(v, "TransactItems") && v->type == JREAD_ARRAY)
            items = v;
        else if (token && API_JR_KEY(v, "ClientRequestToken") && v->type == JREAD_STRING)
            *token = v->text;
        else if (ricm && API_JR_KEY(v, "ReturnItemCollectionMetrics") &&
                 (API_JR_TEXT(v, "NONE") || API_JR_TEXT(v, "SIZE")))
            *ricm = API_JR_TEXT(v, "SIZE");
        else if (!api_rcc_jr(v, rcc) && api_schema_knows(v->key, v->key_len))
            return NULL;
    }
    if (!items || items->n == 0 || items->n > TXN_MAX_ITEMS)
        return NULL;
    return items;
}

/* A TransactWriteItems entry's one action (api_jr_sole_obj, named one of kinds[0 .. 4)): that
 * name, or NULL. */
static const char *tw_action_jr(const jread_val *it, const char *const kinds[4])
{
    for (int k = 0; k < 4; k++)
        if (api_jr_sole_obj(it, kinds[k], strlen(kinds[k])))
            return kinds[k];
    return NULL;
}

/* The request-level part of a common request.  0 or TW_JANSSON; or an action's refusal the
 * jansson path gives too (parse_action_jr). */
static int tw_parse_jr(api_req *r, const jread_val *b, twa **out_acts, size_t *out_n,
                       const char **token, api_rcc *rcc, bool *ricm)
{
    static const char *const kinds[] = {"ConditionCheck", "Put", "Update", "Delete"};
    /* the token is made the cache's key below, once the request is ours */
    const jread_val *items = tx_items_jr(r, b, rcc, token, ricm);
    if (!items)
        return TW_JANSSON;
    size_t n = items->n;
    twa *acts = arena_zalloc(r->arena, sizeof *acts * n);
    if (!acts)
        return TW_JANSSON;
    for (size_t i = 0; i < n; i++)
        if (!(acts[i].kind_name = tw_action_jr(items->items[i], kinds)))
            return TW_JANSSON;
    for (size_t i = 0; i < n; i++) {
        int rc = parse_action_jr(r, &acts[i], items->items[i]->child);
        if (rc) /* the earlier actions passed: a refusal is the jansson path's first too */
            return rc;
    }
    if (*token) {
        const jread_val *t = jread_get(b, "ClientRequestToken", 18);
        if (!(*token = api_txn_token_key(r, t->text, t->len)))
            return TW_JANSSON;
    }
    *out_acts = acts;
    *out_n = n;
    return 0;
}

/* The request-level part from the jansson tree: every check, in the service's order. */
static int tw_parse_json(api_req *r, twa **out_acts, size_t *out_n, const char **token,
                         api_rcc *rcc, bool *ricm)
{
    /* TransactItems (1..100), ClientRequestToken (1..36), the enums and every action's
     * required members were checked by the model (api_schema.c) */
    json_t *b = r->body, *items = NULL;
    int rc = api_json_arr(b, "TransactItems", &items, r->err);
    if (rc)
        return rc;
    size_t n = items ? json_array_size(items) : 0;
    if (n == 0 || n > TXN_MAX_ITEMS)
        return err_set(r->err, ERR_INTERNAL, "TransactItems outside the model's bounds");
    const char *raw = NULL;
    size_t raw_len = 0;
    if ((rc = api_json_strn(b, "ClientRequestToken", &raw, &raw_len, r->err)))
        return rc;
    if (raw && !(*token = api_txn_token_key(r, raw, raw_len)))
        return api_nomem(r);
    if ((rc = api_rcc_parse(r, b, rcc)) || (rc = api_ricm_parse(r, b, ricm)))
        return rc;
    twa *acts = arena_zalloc(r->arena, sizeof *acts * n);
    if (!acts)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++)
        if ((rc = action_kind(r, json_array_get(items, i), &acts[i].kind_name, &acts[i].spec)))
            return rc;
    /* every action's request-level checks (then the caller's: the tables and the keys) */
    for (size_t i = 0; i < n; i++)
        if ((rc = parse_action(r, &acts[i])))
            return rc;
    *out_acts = acts;
    *out_n = n;
    return 0;
}

/* TransactWriteItems' reply: ConsumedCapacity (one entry per table, caps[0 .. ncap)), then
 * ItemCollectionMetrics (per table in order of first appearance, each table's writes in
 * action order; left out when there is none). */
static void tw_reply(api_out *o, const twa *acts, const store_write *w, size_t n, api_rcc rcc,
                     bool ricm, const api_cap *caps, size_t ncap)
{
    caps_out(o, "ConsumedCapacity", caps, ncap, rcc);
    if (!ricm)
        return;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (acts[i].w.kind == API_W_CHECK || !api_ricm_has(acts[i].w.t, &acts[i].key, &w[i]))
            continue;
        const char *name = api_table_name(acts[i].w.t);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = acts[j].w.kind != API_W_CHECK &&
                   api_ricm_has(acts[j].w.t, &acts[j].key, &w[j]) &&
                   strcmp(api_table_name(acts[j].w.t), name) == 0;
        if (seen)
            continue;
        if (!any)
            ao_obj(o, "ItemCollectionMetrics");
        any = true;
        ao_arr(o, name);
        for (size_t j = i; j < n; j++)
            if (acts[j].w.kind != API_W_CHECK && strcmp(api_table_name(acts[j].w.t), name) == 0)
                api_ricm_out(o, NULL, acts[j].w.t, &acts[j].key, &w[j]);
        ao_close(o);
    }
    if (any)
        ao_close(o);
}

/* What TransactWriteItems' reply needs once its writes ran (the request's arena). */
typedef struct tw_run {
    api_req *r;
    twa *acts;
    store_write *w;
    size_t n;
    const char *token; /* with one: the ClientRequestToken's pending entry to end */
    api_rcc rcc;
    bool ricm;
    uint64_t *hk;      /* --transaction-conflicts: the items held, else NULL */
    size_t kept_text;  /* the failed ConditionChecks' old items kept (api_wctx.kept_text) */
} tw_run;

/* The end of a TransactWriteItems whose store call returned rc (store_write_atomic's): the
 * items let go, the cancellation reasons or the reply (metrics, --throttle's charge,
 * ConsumedCapacity, ItemCollectionMetrics), the token's entry completed or forgotten.  Runs
 * on the request's thread, or on the committing thread for a request answered later. */
static int tw_finish(tw_run *run, int rc)
{
    api_req *r = run->r;
    twa *acts = run->acts;
    store_write *w = run->w;
    size_t n = run->n;
    const char *token = run->token;
    api_rcc rcc = run->rcc;
    bool ricm = run->ricm;
    if (rc == 0)
        api_writes_applied(r, w, n);
    if (run->hk)
        api_hold_release(r->api, run->hk, n);
    if (rc == ERR_TRANSACTION_CANCELED) {
        err_clear(r->err);
        rc = canceled(r, acts, w, n);
    }
    if (rc) {
        if (token)
            api_txn_token_end_text(r, token, NULL, false);
        return rc;
    }
    for (size_t i = 0; i < n; i++) { /* a vector is billed at 4 bytes a dimension */
        api_vix_bill(acts[i].w.t, &w[i]);
        if (acts[i].w.kind == API_W_CHECK && acts[i].w.old_billed) /* read in place */
            w[i].old_size = acts[i].w.old_billed;
    }
    for (size_t i = 0; i < n; i++) { /* table units for /metrics (transactional: doubled) */
        uint64_t sz = w[i].old_size > w[i].new_size ? w[i].old_size : w[i].new_size;
        api_metrics_write(r, acts[i].w.t, api_cap_write_h(sz) * 2); /* a check: as a write */
    }
    if (r->api->thr) /* --throttle: what each action consumed beyond its admission */
        for (size_t i = 0; i < n; i++) {
            api_cap u;
            tx_units(acts, w, i, &u);
            api_thr_charge_write(r, acts[i].w.t, &u, TX_MIN_H);
        }
    api_cap *caps = NULL, *rcaps = NULL; /* rcaps: what a replay reports (TOK_REPLAY_CC) */
    size_t ncap = 0, nrcap = 0;
    if (rcc != API_RCC_NONE || token) {
        caps = rcc != API_RCC_NONE ? arena_zalloc(r->arena, sizeof *caps * n) : NULL;
        rcaps = token ? arena_zalloc(r->arena, sizeof *rcaps * n) : NULL;
        if ((rcc != API_RCC_NONE && !caps) || (token && !rcaps)) {
            if (token) /* committed: a retry must not apply it again */
                api_txn_token_end_text(r, token, NULL, true);
            return api_nomem(r);
        }
        for (size_t i = 0; i < n; i++) {
            const av_t *old = w[i].old.type == AV_M ? &w[i].old : NULL;
            const av_t *nw = (w[i].new_item && w[i].new_item != STORE_KEEP) ? w[i].new_item : NULL;
            uint64_t sz = w[i].old_size > w[i].new_size ? w[i].old_size : w[i].new_size;
            if (rcaps) { /* a replay reads the images this call was sized on */
                api_cap *q = cap_for(rcaps, &nrcap, acts[i].w.t);
                uint64_t h =
                    api_cap_read_h(acts[i].w.kind == API_W_CHECK ? w[i].old_size : sz, true) * 2;
                q->table_h += h;
                q->read_h += h;
            }
            if (!caps)
                continue;
            api_cap *c = cap_for(caps, &ncap, acts[i].w.t);
            if (acts[i].w.kind == API_W_CHECK) { /* billed as a write: see tx_units */
                c->table_h += api_cap_write_h(w[i].old_size) * 2;
                continue;
            }
            c->table_h += api_cap_write_h(sz) * 2;
            api_cap tmp;
            memset(&tmp, 0, sizeof tmp);
            api_cap_add_index_writes(&tmp, acts[i].w.t, old, nw);
            for (size_t k = 0; k < tmp.n_idx; k++) {
                const store_index *ix = NULL;
                for (size_t m = 0; m < acts[i].w.t->n_idx; m++)
                    if (strcmp(acts[i].w.t->idx[m].name, tmp.idx[k].name) == 0)
                        ix = &acts[i].w.t->idx[m];
                if (ix) /* not doubled: see tx_units */
                    api_cap_add_index(c, ix, tmp.idx[k].h);
            }
            api_cap_add_vix(c, &tmp); /* vector indexes: bytes, not doubled either */
        }
    }
    if (token) { /* the answer kept under the token: the reply's text plus what a replay reports */
        jout tw;
        jout_init(&tw, 0);
        api_out t;
        ao_open(&t, &tw);
        tw_reply(&t, acts, w, n, rcc, ricm, caps, ncap);
        caps_out(&t, TOK_REPLAY_CC, rcaps, nrcap, API_RCC_INDEXES);
        json_t *none = NULL;
        size_t len = 0;
        char *text = ao_finish(&t, &none) ? NULL : jout_take(&tw, &len);
        jout_fini(&tw);
        api_txn_token_end_text(r, token, text, true); /* NULL (out of memory): {} kept */
        free(text);
    }
    tw_reply(api_reply(r), acts, w, n, rcc, ricm, caps, ncap);
    return 0;
}

/* store_write_atomic_later's done (the committing thread, once the round is durable). */
static void tw_later_done(void *ctx, int rc, const err_t *e)
{
    unsigned long oom0 = mem_failures(); /* this thread's, before the reply is built */
    tw_run *run = ctx;
    if (rc)
        err_set(run->r->err, rc, "%s", e->msg);
    rc = tw_finish(run, rc);
    api_later_finish(run->r, rc, oom0);
}

int op_transact_write_items(api_req *r, json_t **out)
{
    twa *acts = NULL;
    size_t n = 0;
    const char *token = NULL;
    api_rcc rcc = API_RCC_NONE;
    bool ricm = false;
    int rc = r->jbody ? tw_parse_jr(r, r->jbody, &acts, &n, &token, &rcc, &ricm) : TW_JANSSON;
    if (rc < 0) /* refused as the jansson path refuses it (parse_action_jr) */
        return rc;
    if (rc) { /* not the common request: the jansson path from the start */
        token = NULL;
        rcc = API_RCC_NONE;
        ricm = false;
        if ((rc = api_req_body(r)) || (rc = tw_parse_json(r, &acts, &n, &token, &rcc, &ricm)))
            return rc;
    }
    api_arena_for_writes(r, n); /* each action's items until the commit (review14 F3) */
    store_write *w = store_writes_new(r->arena, n);
    if (!w)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        /* our reader's path: an earlier action's table of the same name, looked up once per
         * request (the messaging C+D writes six actions to one table) */
        const store_table *known = NULL;
        for (size_t j = 0; j < i && !known && acts[i].tname; j++)
            if (acts[j].tname && acts[j].tname_len == acts[i].tname_len &&
                memcmp(acts[j].tname, acts[i].tname, acts[i].tname_len) == 0)
                known = acts[j].w.t;
        if ((rc = bind_action(r, &acts[i], known)))
            return rc;
        for (size_t j = 0; j < i; j++)
            if (acts[j].w.t == acts[i].w.t && !acts[i].key_mistyped && !acts[j].key_mistyped &&
                api_key_equal(&acts[i].w.t->key, &acts[j].key, &acts[i].key))
                return err_set(r->err, ERR_VALIDATION, TXT_T_MULTI);
    }
    /* the items' aggregate size: a Put counts its item, the other actions their key */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += acts[i].w.kind == API_W_PUT && acts[i].w.item_sized
                     ? acts[i].w.item_size
                     : av_item_size(acts[i].w.kind == API_W_PUT ? &acts[i].item : &acts[i].key);
    if (total > TXN_MAX_BYTES)
        return err_set(r->err, ERR_VALIDATION, TXT_T_TOO_BIG);

    if (token) {
        if ((rc = api_txn_token_begin(r, token, out)))
            return rc;
        if (*out) { /* a replay: the capacity its first call stored for it (TOK_REPLAY_CC) */
            api_txn_token_replay_cc(*out, TOK_REPLAY_CC, rcc);
            return 0;
        }
    }

    tw_run *run = arena_alloc(r->arena, sizeof *run);
    if (!run) {
        if (token)
            api_txn_token_end_text(r, token, NULL, false);
        return api_nomem(r);
    }
    *run = (tw_run){.r = r, .acts = acts, .w = w, .n = n, .token = token, .rcc = rcc,
                  .ricm = ricm};
    for (size_t i = 0; i < n; i++) {
        w[i].table = acts[i].w.t;
        w[i].key = &acts[i].key;
        w[i].apply = api_write_apply;
        w[i].peek = tw_peek;
        acts[i].w.txn = r;
        w[i].ctx = &acts[i].w;
        w[i].arena = r->arena;
        w[i].want_old = acts[i].rvoccf || rcc != API_RCC_NONE ||
                        (r->api->thr && acts[i].w.t->n_idx); /* --throttle: GSI units */
        w[i].is_update = acts[i].w.kind == API_W_UPDATE;
        w[i].item = acts[i].w.kind == API_W_PUT ? acts[i].w.item : NULL; /* encoded before
                                                                            the round */
        /* a ConditionCheck reads its item in place: only its size is billed, and its old item
         * is kept (copied) only when it fails with ALL_OLD, while the reply's Items hold it */
        w[i].in_place = acts[i].w.kind == API_W_CHECK;
        acts[i].w.kept_old.type = AV_NONE;
        if (w[i].in_place && acts[i].rvoccf) {
            acts[i].w.kept_text = &run->kept_text;
            acts[i].w.kept_max = r->api->reply_items_text;
        }
    }
    /* --transaction-conflicts: hold the items while the transaction runs */
    uint64_t *hk = NULL;
    if (r->api->txn_conflicts) {
        hk = arena_alloc(r->arena, sizeof *hk * n);
        bool *busy = arena_zalloc(r->arena, sizeof *busy * n), any = false;
        if (!hk || !busy) {
            if (token)
                api_txn_token_end_text(r, token, NULL, false);
            return api_nomem(r);
        }
        for (size_t i = 0; i < n; i++)
            if (api_hold_key(acts[i].w.t, &acts[i].key, &hk[i]))
                hk[i] = 0;
        if ((rc = api_hold_take(r->api, hk, n, busy, &any)) == 0 && any) {
            for (size_t i = 0; i < n; i++) {
                w[i].rc = busy[i] ? ERR_TRANSACTION_CONFLICT : 0;
                err_clear(&w[i].err);
                if (busy[i])
                    err_set(&w[i].err, ERR_TRANSACTION_CONFLICT, TXT_TXN_ONGOING);
            }
            rc = canceled(r, acts, w, n);
            if (token)
                api_txn_token_end_text(r, token, NULL, false);
            return rc;
        }
        if (rc) {
            if (token)
                api_txn_token_end_text(r, token, NULL, false);
            return api_nomem(r);
        }
        api_hold_wait(r->api);
    }
    /* --throttle: every action admitted, or the transaction is cancelled with the refused
     * ones' reasons (ProvisionedThroughputExceeded / ThrottlingError) and nothing taken */
    if (r->api->thr && (rc = tx_throttle(r, acts, w, n))) {
        if (hk)
            api_hold_release(r->api, hk, n);
        if (token)
            api_txn_token_end_text(r, token, NULL, false);
        return rc;
    }
    run->hk = hk;
    if (r->later) { /* api_call_out_jr_later: answered by the committing thread (tw_later_done) */
        api_later_suspend(r);
        rc = store_write_atomic_later(r->api->store, w, n, tw_later_done, run, r->err);
        if (rc) { /* not queued (the store is closing): answered with the error, now */
            unsigned long oom0 = mem_failures();
            rc = tw_finish(run, rc);
            api_later_finish(r, rc, oom0);
        }
        return API_LATER;
    }
    return tw_finish(run, store_write_atomic(r->api->store, w, n, r->err));
}

/* --throttle: admits every Get of a TransactGetItems; when one is refused, gives back what
 * the others took and cancels it (reasons: the refusal's code and text, the others None). */
static int tg_throttle(api_req *r, const store_table **tabs, size_t n)
{
    const uint64_t min_h = API_THR_READ_STRONG * API_THR_TXN;
    int *code = arena_zalloc(r->arena, sizeof *code * n);
    char **msg = arena_zalloc(r->arena, sizeof *msg * n);
    if (!code || !msg)
        return api_nomem(r);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if ((code[i] = api_thr_admit(r, tabs[i], NULL, false, min_h))) {
            msg[i] = arena_strdup(r->arena, r->err->msg);
            api_err_forget(r);
            any = true;
        }
    }
    if (!any)
        return 0;
    api_reason *rs = arena_zalloc(r->arena, n * sizeof *rs);
    if (!rs)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        if (!code[i])
            api_thr_refund(r, tabs[i], NULL, false, min_h);
        rs[i].code = api_reason_code(code[i]);
        if (code[i])
            rs[i].msg = msg[i] ? msg[i] : "";
    }
    return api_canceled(r, rs, n);
}

/* ---- TransactGetItems -------------------------------------------------------------------- */

static const char *const get_params[] = {"ProjectionExpression", NULL};

/* One TransactGetItems Get: its table's name (jansson's path: spec), placeholders,
 * projection, key values. */
typedef struct tga {
    json_t *spec;      /* the Get's object; NULL when read from our reader's tree */
    const char *tname; /* then: its TableName (arena) */
    size_t tname_len;
    api_exprs x;
    expr_t *proj;
    av_t src;
} tga;

/* The common request from our reader's tree (tw_parse_jr's pattern): TransactItems of Gets
 * each of TableName, Key, ProjectionExpression and ExpressionAttributeNames only, and
 * ReturnConsumedCapacity; no JSON null, nothing else.  0, or TW_JANSSON without a side effect
 * (r->err cleared): the request then takes the jansson path from the start. */
static int tg_parse_jr(api_req *r, const jread_val *b, tga **out_gets, size_t *out_n,
                       api_rcc *rcc)
{
    const jread_val *items = tx_items_jr(r, b, rcc, NULL, NULL);
    if (!items)
        return TW_JANSSON;
    size_t n = items->n;
    tga *gets = arena_zalloc(r->arena, sizeof *gets * n);
    if (!gets)
        return TW_JANSSON;
    for (size_t i = 0; i < n; i++) {
        const jread_val *g = API_JR_SOLE_OBJ(items->items[i], "Get");
        if (!g)
            return TW_JANSSON;
        const jread_val *table = NULL, *key = NULL, *proj = NULL, *names = NULL;
        for (const jread_val *v = g->child; v; v = v->next) {
            if (API_JR_KEY(v, "TableName") && v->type == JREAD_STRING)
                table = v;
            else if (API_JR_KEY(v, "Key") && v->type == JREAD_OBJECT)
                key = v;
            else if (API_JR_KEY(v, "ProjectionExpression") && v->type == JREAD_STRING)
                proj = v;
            else if (API_JR_KEY(v, "ExpressionAttributeNames"))
                names = v;
            else
                return TW_JANSSON;
        }
        if (!table || !key)
            return TW_JANSSON;
        tga *t = &gets[i];
        int rc = api_exprs_init_jr(r, names, NULL, proj != NULL, false, &t->x);
        if (!rc && proj)
            rc = api_exprs_get_text(r, &t->x, proj->text, proj->len, EXPR_PROJECTION, &t->proj);
        if (!rc)
            rc = api_exprs_done(r, &t->x);
        if (!rc)
            rc = ddbjson_to_item_jr_in(key, (ddbjson_layer)r->values, r->arena, &t->src, r->err);
        if (!rc && !(t->tname = arena_strndup(r->arena, table->text, table->len)))
            rc = ERR_NOMEM;
        if (rc) {
            err_clear(r->err);
            return TW_JANSSON;
        }
        t->tname_len = table->len;
    }
    *out_gets = gets;
    *out_n = n;
    return 0;
}

/* The request-level part from the jansson tree: every check, in the service's order. */
static int tg_parse_json(api_req *r, tga **out_gets, size_t *out_n, api_rcc *rcc)
{
    json_t *b = r->body, *items = NULL;
    int rc = api_json_arr(b, "TransactItems", &items, r->err);
    if (rc)
        return rc;
    size_t n = items ? json_array_size(items) : 0;
    if (n == 0 || n > TXN_MAX_ITEMS) /* the model's bounds (api_schema.c) */
        return err_set(r->err, ERR_INTERNAL, "TransactItems outside the model's bounds");
    if ((rc = api_rcc_parse(r, b, rcc)))
        return rc;
    tga *gets = arena_zalloc(r->arena, sizeof *gets * n);
    if (!gets)
        return api_nomem(r);
    /* the request (placeholders, projections, key values); the caller: the tables, the keys */
    for (size_t i = 0; i < n; i++) {
        json_t *g = api_param(json_array_get(items, i), "Get");
        gets[i].spec = g;
        if ((rc = api_exprs_init_tx(r, g, &gets[i].x, get_params, NULL)) ||
            (rc = api_exprs_get(r, g, &gets[i].x, "ProjectionExpression", EXPR_PROJECTION,
                                &gets[i].proj)) ||
            (rc = api_exprs_done(r, &gets[i].x)) ||
            (rc = api_item_from_json(r, api_param(g, "Key"), &gets[i].src)))
            return rc;
    }
    *out_gets = gets;
    *out_n = n;
    return 0;
}

int op_transact_get_items(api_req *r, json_t **out)
{
    tga *gets = NULL;
    size_t n = 0;
    api_rcc rcc = API_RCC_NONE;
    int rc = r->jbody ? tg_parse_jr(r, r->jbody, &gets, &n, &rcc) : TW_JANSSON;
    if (rc) { /* not the common request: the jansson path from the start */
        rcc = API_RCC_NONE;
        if ((rc = api_req_body(r)) || (rc = tg_parse_json(r, &gets, &n, &rcc)))
            return rc;
    }
    const store_table **tabs = arena_zalloc(r->arena, sizeof *tabs * n);
    const av_t **kp = arena_zalloc(r->arena, sizeof *kp * n);
    av_t *keys = arena_zalloc(r->arena, sizeof *keys * n);
    av_t *res = arena_zalloc(r->arena, sizeof *res * n);
    bool *found = arena_zalloc(r->arena, sizeof *found * n);
    const char **bad = arena_zalloc(r->arena, sizeof *bad * n);     /* a reason's message */
    const char **bad_code = arena_zalloc(r->arena, sizeof *bad * n); /* and its code */
    if (!tabs || !kp || !keys || !res || !found || !bad || !bad_code)
        return api_nomem(r);
    size_t nbad = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = gets[i].spec ? api_item_table(r, gets[i].spec, &tabs[i])
                               : api_table_get(r, gets[i].tname, gets[i].tname_len, &tabs[i])) ||
            (rc = api_exprs_keys_check(r, &gets[i].x, tabs[i])))
            return rc;
        api_keyerr cls = API_KEYERR_NONE;
        if ((rc = api_key_check(r, &tabs[i]->key, &gets[i].src, API_KEY_PARAM, &keys[i], &cls))) {
            /* a key that fails the schema is this Get's ValidationError cancellation reason
             * (conformance tier3 transactGetItems), and so is a key value over the size
             * limit (AWS, as ExtendDB's dual-target tests/test_transaction_key_size_
             * validation.py records it, as for TransactWriteItems' actions: the code; the
             * message taken to be GetItem's text; DynamoDB Local answers a ValidationException
             * of the request); an empty key value is a ValidationException of the request.
             * test_transact.py test_transact_get_key_over_limit_is_a_reason */
            if (cls != API_KEYERR_SCHEMA && cls != API_KEYERR_SIZE)
                return rc;
            if (cls == API_KEYERR_SIZE &&
                !(bad[i] = arena_strndup(r->arena, r->err->msg, strlen(r->err->msg))))
                return api_nomem(r);
            if (cls == API_KEYERR_SCHEMA)
                bad[i] = TXT_KEY_SCHEMA;
            bad_code[i] = "ValidationError";
            nbad++;
            err_clear(r->err);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (!bad[j] && tabs[j] == tabs[i] && api_key_equal(&tabs[i]->key, &keys[j], &keys[i]))
                return err_set(r->err, ERR_VALIDATION, TXT_T_MULTI);
        kp[i] = &keys[i];
    }
    /* --transaction-conflicts: a Get of an item an ongoing TransactWriteItems holds cancels
     * the request with reason TransactionConflict (the Developer Guide's "Transaction conflict
     * handling": an item of a TransactGetItems that is part of an ongoing transaction) */
    for (size_t i = 0; r->api->txn_conflicts && nbad == 0 && i < n; i++) {
        uint64_t hk;
        if (api_hold_key(tabs[i], &keys[i], &hk) == 0 && api_hold_busy(r->api, hk)) {
            bad[i] = TXT_TXN_ONGOING;
            bad_code[i] = "TransactionConflict";
        }
    }
    for (size_t i = 0; nbad == 0 && i < n; i++)
        nbad += bad[i] != NULL;
    if (nbad) {
        api_reason *rs = arena_zalloc(r->arena, n * sizeof *rs);
        if (!rs)
            return api_nomem(r);
        for (size_t i = 0; i < n; i++) {
            rs[i].code = bad[i] ? bad_code[i] : "None";
            rs[i].msg = bad[i];
        }
        return api_canceled(r, rs, n);
    }
    if (r->api->thr && (rc = tg_throttle(r, tabs, n)))
        return rc;
    /* the items' aggregate size, as for TransactWriteItems (API Reference, TransactGetItems:
     * "DynamoDB rejects the entire TransactGetItems request if ... the aggregate size of the
     * items in the transaction exceeded 4 MB"; the text is TransactWriteItems' captured one:
     * this answer's own text is not captured); the read stops there, so a refused request
     * decodes little more than 4 MB of items (review12: 100 Gets of 360 KB items ran out of
     * the request's memory first) */
    bool over;
    if ((rc = store_get_many_capped(r->api->store, tabs, kp, n, r->arena, res, found,
                                    TXN_MAX_BYTES, &over, r->err)))
        return rc;
    if (over)
        return err_set(r->err, ERR_VALIDATION, TXT_T_TOO_BIG);
    api_cap *caps = arena_zalloc(r->arena, sizeof *caps * n);
    av_t *proj = arena_zalloc(r->arena, sizeof *proj * n); /* what each Get answers */
    size_t ncap = 0;
    if (!caps || !proj)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        api_cap *c = cap_for(caps, &ncap, tabs[i]);
        uint64_t h = api_cap_read_h(found[i] ? av_item_size(&res[i]) : 0, true) * 2;
        c->table_h += h;
        c->read_h += h;
        api_metrics_read(r, tabs[i], h);
        api_thr_charge_read(r, tabs[i], NULL, h, API_THR_READ_STRONG * API_THR_TXN);
        if (found[i]) {
            proj[i] = res[i];
            if (gets[i].proj &&
                (rc = expr_project(r->arena, gets[i].proj, &res[i], &proj[i], r->err)))
                return rc;
        }
    }
    api_out *o = api_reply(r);
    caps_out(o, "ConsumedCapacity", caps, ncap, rcc);
    ao_arr(o, "Responses");
    for (size_t i = 0; i < n; i++) {
        ao_obj(o, NULL);
        /* a projection that matches nothing on a present item: no Item at all, as for a
         * missing one (the service; DynamoDB Local answers {}: test_transact_get_projection_
         * matching_nothing) */
        if (found[i] && proj[i].type == AV_M && proj[i].u.map.n > 0)
            ao_item(o, "Item", &proj[i]);
        ao_close(o);
    }
    ao_close(o);
    (void)out;
    return 0;
}
