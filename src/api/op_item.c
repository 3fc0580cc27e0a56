/*
 * op_item — PutItem, GetItem, UpdateItem, DeleteItem.  Layer: api.
 *
 * Each handler validates the request (table name, key / item, legacy-vs-expression
 * parameters, ReturnValues, expressions parsed and resolved, unused placeholders), then
 * looks the table up, validates the key against its schema, and runs one store write whose
 * apply callback (api_write_apply, api_write.c) evaluates the condition and decides the new
 * item in the committer thread.  Responses: Attributes (ReturnValues), ConsumedCapacity,
 * ItemCollectionMetrics (tables with LSIs).  A failed condition is
 * ConditionalCheckFailedException, with "Item" when ReturnValuesOnConditionCheckFailure is
 * ALL_OLD (api_err_item: on the endpoint its text, no jansson tree).
 *
 * Quirks pinned by tests/e2e/test_items.py: UpdateItem creates the item even when the
 * update only removes attributes (or there is no UpdateExpression at all); GetItem ignores
 * ExpressionAttributeValues entirely (DynamoDB Local neither rejects nor checks them).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 */
#include <string.h>

#include "api/api_conflict.h"
#include "api/api_item.h"
#include "api/api_out.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_vector.h"
#include "api/api_validate.h"
#include "api/api_walk.h"
#include "base/mem.h"
#include "value/ddbjson.h"
#include "value/jread.h"

static const char *const cond_expr_params[] = {"ConditionExpression", NULL};
static const char *const expected_params[] = {"Expected", "ConditionalOperator", NULL};

/* Shared tail of Put/Update/Delete: runs the write and builds the response. */
typedef struct wreq {
    api_req *r;
    const store_table *t;
    api_wctx w;
    api_rv rv;
    api_rcc rcc;
    bool ricm;
    bool rvoccf;
} wreq;

/* ReturnValues allowed: PutItem's and DeleteItem's, UpdateItem's (a bit per api_rv) */
#define WRITE_RV_OLD ((1u << API_RV_NONE) | (1u << API_RV_ALL_OLD))
#define WRITE_RV_ALL 0x1fu

static int write_reply(wreq *q, store_write *sw);
static int write_later(wreq *q, const store_write *sw);

static int run_write(wreq *q)
{
    api_req *r = q->r;
    store_write sw;
    memset(&sw, 0, sizeof sw);
    sw.table = q->t;
    sw.key = q->w.key;
    sw.apply = api_write_apply;
    sw.ctx = &q->w;
    sw.arena = r->arena;
    sw.is_update = q->w.kind == API_W_UPDATE;
    sw.item = q->w.kind == API_W_PUT ? q->w.item : NULL; /* encoded before the round */
    sw.want_old = q->rvoccf || q->rcc != API_RCC_NONE || q->rv == API_RV_ALL_OLD ||
                  q->rv == API_RV_UPDATED_OLD || (r->api->thr && q->t->n_idx);
    if (q->rv != API_RV_NONE && r->w) { /* the image's room before the write (write_room) */
        q->w.reply = r->w;
        q->w.reply_new = q->rv == API_RV_ALL_NEW || q->rv == API_RV_UPDATED_NEW;
        q->w.reply_updated = q->rv == API_RV_UPDATED_OLD || q->rv == API_RV_UPDATED_NEW;
        /* ALL_OLD's room from the stored bytes; ALL_NEW's is the new item's, in apply (the
         * old item's, an update's estimate, refused a REMOVE of a huge attribute whose reply
         * is small: review16 F5) */
        sw.peek = api_write_peek;
    }
    if (r->later) /* api_call_out_jr_later: no --transaction-conflicts, no --throttle */
        return write_later(q, &sw);
    int rc = api_write_one(r, q->t, q->w.key, &sw); /* --transaction-conflicts, --throttle */
    if (rc)
        return rc;
    return write_reply(q, &sw);
}

/* A write whose condition failed still consumes write units from the table (Developer
 * Guide, "DynamoDB read and write operations": sized on the item, "an existing item in the
 * table or a new one you're attempting to create", the larger of the two; at least one
 * unit, its older "Capacity units consumed by conditional writes": one when no item
 * exists).  A Put's new item is known; an Update's is built for its size alone
 * (api_write_apply: failed_size; the Guide's "create or update", 300 KB then 310 KB: 310).
 * Counted in the capacity
 * metric and, under --throttle, taken from the table's bucket; nothing is written to an
 * index, so no index is charged; and the ConditionalCheckFailedException carries no
 * ConsumedCapacity (its shape: message, Item).  tests/e2e/test_metrics.py
 * test_counters_move_with_requests. */
static void cond_failed_bill(wreq *q, const store_write *sw)
{
    api_req *r = q->r;
    uint64_t size = sw->old_size;
    if (q->w.kind == API_W_PUT && q->w.item) {
        uint64_t n = q->w.item_sized ? q->w.item_size : av_item_size(q->w.item);
        if (n > size)
            size = n;
    }
    if (q->w.kind == API_W_UPDATE && q->w.failed_size > size)
        size = q->w.failed_size;
    uint64_t h = api_cap_write_h(size);
    api_metrics_write(r, q->t, h);
    if (r->api->thr) {
        api_cap tc;
        memset(&tc, 0, sizeof tc);
        tc.table_h = h;
        api_thr_charge_write(r, q->t, &tc, API_THR_WRITE);
    }
}

/* The reply of a write the store has run (sw: its result). */
static int write_reply(wreq *q, store_write *sw)
{
    api_req *r = q->r;
    int rc;
    if (sw->rc) {
        if (sw->rc == ERR_CONDITIONAL_CHECK_FAILED)
            cond_failed_bill(q, sw);
        err_set(r->err, sw->rc, "%s", sw->err.msg);
        if (sw->rc == ERR_CONDITIONAL_CHECK_FAILED && q->rvoccf && sw->old.type == AV_M &&
            (rc = api_err_item(r, &sw->old)))
            return rc;
        return sw->rc;
    }
    api_vix_bill(q->t, sw); /* a vector is billed at 4 bytes a dimension (api_vector.c) */
    const av_t *old = sw->old.type == AV_M ? &sw->old : NULL;
    const av_t *nw = (sw->new_item && sw->new_item != STORE_KEEP) ? sw->new_item : NULL;
    const av_t *attrs = NULL;
    av_t p;
    switch (q->rv) {
    case API_RV_ALL_OLD:
        attrs = old;
        break;
    case API_RV_ALL_NEW:
        attrs = nw;
        break;
    case API_RV_UPDATED_OLD:
    case API_RV_UPDATED_NEW: {
        const av_t *src = q->rv == API_RV_UPDATED_OLD ? old : nw;
        if (q->w.image_set) { /* projected before the write (api_write_apply) */
            if (q->w.image.type == AV_M && q->w.image.u.map.n)
                attrs = &q->w.image;
        } else if (src && q->w.updated) {
            if ((rc = expr_project_updated(r->arena, q->w.updated, src,
                                           q->rv == API_RV_UPDATED_NEW, &p, r->err)))
                return rc;
            if (p.type == AV_M && p.u.map.n)
                attrs = &p;
        }
        break;
    }
    case API_RV_NONE:
        break;
    }
    /* billed on the larger of the old and new items */
    uint64_t write_h = api_cap_write_h(sw->old_size > sw->new_size ? sw->old_size : sw->new_size);
    api_metrics_write(r, q->t, write_h);
    if (r->api->thr) { /* --throttle: the table's and its indexes' units */
        api_cap tc;
        memset(&tc, 0, sizeof tc);
        tc.table_h = write_h;
        api_cap_add_index_writes(&tc, q->t, old, nw);
        api_thr_charge_write(r, q->t, &tc, API_THR_WRITE);
    }
    api_out *o = api_reply(r);
    if (attrs && attrs->type == AV_M)
        ao_item(o, "Attributes", attrs);
    if (q->rcc != API_RCC_NONE) {
        api_cap cap;
        memset(&cap, 0, sizeof cap);
        cap.table = api_cap_table(q->r, q->t);
        cap.table_h = write_h;
        api_cap_add_index_writes(&cap, q->t, old, nw);
        api_cap_out(o, "ConsumedCapacity", &cap, q->rcc, false);
    }
    if (q->ricm)
        api_ricm_out(o, "ItemCollectionMetrics", q->t, q->w.key, sw);
    return 0;
}

/* A write answered later (issue 13.3 design (a)): the request and its write live in the
 * request's arena; the caller stops waiting (suspend) and the store answers the write once
 * durable, on its committing thread, which builds the reply there (write_later_done). */
typedef struct wlater {
    wreq q;
    store_write sw;
} wlater;

static void write_later_done(void *ctx, int rc, const err_t *e)
{
    unsigned long oom0 = mem_failures(); /* this thread's, before the reply is built */
    wlater *c = ctx;
    api_req *r = c->q.r;
    if (rc) {
        err_set(r->err, rc, "%s", e->msg);
    } else {
        api_writes_applied(r, &c->sw, 1);
        rc = write_reply(&c->q, &c->sw);
    }
    api_later_finish(r, rc, oom0);
}

static int write_later(wreq *q, const store_write *sw)
{
    api_req *r = q->r;
    wlater *c = arena_alloc(r->arena, sizeof *c);
    if (!c)
        return api_nomem(r);
    c->q = *q;
    c->sw = *sw;
    c->sw.ctx = &c->q.w; /* apply's context: the copy */
    api_later_suspend(r);
    int rc = store_write_each_later(r->api->store, &c->sw, 1, write_later_done, c, r->err);
    if (rc) /* not queued (the store is closing): answered with the error, now */
        api_later_finish(r, rc, mem_failures());
    return API_LATER;
}

/* rc, in the service's "1 validation error detected: " envelope when env (PutItem,
 * UpdateItem and, captured 2026-10-09, DeleteItem: the checks before the table that the
 * 2026-06 rewording moved into it; their
 * ReturnValues semantics, item size and legacy parameters were not captured and keep their
 * texts).  tests/e2e/test_items.py test_capture_envelope. */
static int env_rc(const wreq *q, bool env, int rc)
{
    return env ? api_vld_enveloped(q->r->err, rc) : rc;
}

/* Options of the three writes, checked before the table is looked up (the service's
 * order, after the model's constraints): mixed legacy/expression parameters and the
 * placeholder maps given without expressions (api_exprs_pre); the maps' own checks come
 * after the item's or key's values (parse_write_maps), and so does ReturnValues
 * (parse_write_doc).  env: PutItem / UpdateItem (env_rc; the newer text for values without
 * an expression). */
static int parse_write_opts(wreq *q, json_t *b, const char *const *expr_params,
                            const char *null_what, bool env)
{
    api_req *r = q->r;
    int rc = env_rc(q, env, api_mixed_check(r, b, expected_params, cond_expr_params));
    if (rc)
        return rc;
    if ((rc = api_rcc_parse(r, b, &q->rcc)) || (rc = api_ricm_parse(r, b, &q->ricm)) ||
        (rc = api_rvoccf_parse(r, b, &q->rvoccf)))
        return rc;
    return env_rc(q, env, api_exprs_pre(r, b, expr_params, env ? "" : null_what));
}

/* The placeholder maps' own checks (empty, keys, values), after the item's or key's values:
 * PutItem {"Item": {"b": {}}, "ExpressionAttributeNames": {}, ...} is the value's error
 * (dynalite's AWS-recorded putItem / updateItem tests; DynamoDB Local agrees). */
static int parse_write_maps(wreq *q, json_t *b, api_exprs *x, const char *null_what, bool env)
{
    /* parse_write_opts ran api_exprs_pre */
    return env_rc(q, env, api_exprs_init_maps(q->r, b, x, env ? "" : null_what));
}

/* Whether msg is an attribute value's own error text (value/ddbjson's), which PutItem and
 * UpdateItem answer in the envelope wherever the value is, an Expected or AttributeUpdates
 * value included (the conformance suite's tier3 error-messages/valueLayers, 2026-10-09). */
static bool value_error_text(const char *msg)
{
    static const char *const heads[] = {
        "The parameter cannot be converted to a numeric value", "Number overflow.",
        "Number underflow.", "Attempting to store more than 38 significant digits",
        "One or more parameter values were invalid: Input collection",
        "One or more parameter values were invalid: An string set",
        "One or more parameter values were invalid: An number set",
        "One or more parameter values were invalid: Binary sets",
        "One or more parameter values were invalid: Null attribute value",
        "Supplied AttributeValue ", NULL};
    for (size_t i = 0; heads[i]; i++)
        if (strncmp(msg, heads[i], strlen(heads[i])) == 0)
            return true;
    return false;
}

/* The condition (ConditionExpression or Expected); env as parse_write_opts, for the
 * expression only. */
static int parse_write_cond(wreq *q, json_t *b, api_exprs *x, bool env)
{
    expr_t *cond = NULL;
    int rc = env_rc(q, env,
                    api_exprs_get(q->r, b, x, "ConditionExpression", EXPR_CONDITION, &cond));
    if (rc)
        return rc;
    /* an Expected entry's own error ("One or more parameter values were invalid: ...") is in
     * PutItem's envelope too (AWS eu-west-2 and us-east-1, 2026-10-09: the conformance
     * suite's tier3 error-messages/putItem; UpdateItem taken as PutItem, as for the other
     * checks before the table); the ConditionalOperator rules keep their bare texts */
    if (!cond && (rc = api_legacy_expected(q->r, b, &cond))) {
        if (env && rc == ERR_VALIDATION &&
            (strncmp(q->r->err->msg, "One or more parameter values were invalid: ", 43) == 0 ||
             value_error_text(q->r->err->msg)))
            return env_rc(q, true, rc);
        return rc;
    }
    q->w.cond = cond;
    return 0;
}

/* The table, once the request itself was found valid; then the checks that need its schema:
 * expression paths into key attributes. */
static int write_table(wreq *q, json_t *b, api_exprs *x)
{
    int rc = api_item_table(q->r, b, &q->t);
    if (rc)
        return rc;
    x->t = q->t;
    return 0;
}

/* ---- the common requests from our reader's tree (issue 13.1) ----
 *
 * A write whose members are all of the common form (below) is read straight from our
 * reader's tree into values, without a jansson tree: the same checks as the jansson path,
 * calling the same functions (ddbjson's passes are one text compiled for both trees,
 * value/ddbjson_passes.h).  Everything before the table lookup is decided here without a
 * side effect, and anything unusual or refused there returns W_JANSSON: the request then
 * takes the jansson path from the start, which gives the service's answer in the service's
 * order.  So the first message a request gets is the same by construction; from the table on
 * both paths call the same functions on the same values.  tests/unit/api/test_api_jread.c
 * compares the two over successes and failures.
 *
 * The common form: TableName (string), Item (Put) or Key (Update, Delete) (object),
 * ConditionExpression / UpdateExpression (Update) (strings), ExpressionAttributeNames (object
 * of strings), ExpressionAttributeValues (object), ReturnValues (an allowed value),
 * ReturnConsumedCapacity, ReturnItemCollectionMetrics, ReturnValuesOnConditionCheckFailure
 * (valid values); or, instead of the expressions and their placeholders, the legacy
 * parameters Expected, AttributeUpdates (Update) (objects) and ConditionalOperator (a string),
 * read by api_legacy.c's code for both trees; no JSON null, no legacy parameter beside an
 * expression one, no other member. */

#define W_JANSSON 1 /* not the common request: take the jansson path */

typedef struct wjr {
    const jread_val *table, *doc, *cond, *upd, *names, *values;
    const jread_val *body;                 /* the request (the legacy parameters' object) */
    bool expected, attribute_updates, cop; /* legacy parameters present */
} wjr;

/* Index of string v in names[n] (exact bytes), or -1. */
static int jr_enum(const jread_val *v, const char *const *names, int n)
{
    if (v->type != JREAD_STRING)
        return -1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == v->len && memcmp(names[i], v->text, v->len) == 0)
            return i;
    return -1;
}

/* The members of a common write request; doc is "Item" (Put) or "Key", upd_ok for
 * UpdateItem.  0 or W_JANSSON. */
static int write_members_jr(wreq *q, const jread_val *b, const char *doc, bool upd_ok,
                            unsigned rv_allowed, wjr *m)
{
    static const char *const rv_names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                           "UPDATED_NEW"};
    static const char *const ricm_names[] = {"NONE", "SIZE"};
    static const char *const rvoccf_names[] = {"NONE", "ALL_OLD"};
    memset(m, 0, sizeof *m);
    m->body = b;
    for (const jread_val *v = b->child; v; v = v->next) {
        int i;
        if (v->type == JREAD_NULL)
            return W_JANSSON;
        if (API_JR_KEY(v, "TableName") && v->type == JREAD_STRING)
            m->table = v;
        else if (api_jr_key(v, doc, strlen(doc)) && v->type == JREAD_OBJECT)
            m->doc = v;
        else if (API_JR_KEY(v, "ConditionExpression") && v->type == JREAD_STRING)
            m->cond = v;
        else if (upd_ok && API_JR_KEY(v, "UpdateExpression") && v->type == JREAD_STRING)
            m->upd = v;
        else if (API_JR_KEY(v, "ExpressionAttributeNames"))
            m->names = v;
        else if (API_JR_KEY(v, "ExpressionAttributeValues"))
            m->values = v;
        else if (API_JR_KEY(v, "ReturnValues") && (i = jr_enum(v, rv_names, 5)) >= 0 &&
                 (rv_allowed & (1u << i)))
            q->rv = (api_rv)i;
        else if (API_JR_KEY(v, "ReturnItemCollectionMetrics") &&
                 (i = jr_enum(v, ricm_names, 2)) >= 0)
            q->ricm = i == 1;
        else if (API_JR_KEY(v, "ReturnValuesOnConditionCheckFailure") &&
                 (i = jr_enum(v, rvoccf_names, 2)) >= 0)
            q->rvoccf = i == 1;
        else if (API_JR_KEY(v, "Expected") && v->type == JREAD_OBJECT)
            m->expected = true;
        else if (upd_ok && API_JR_KEY(v, "AttributeUpdates") && v->type == JREAD_OBJECT)
            m->attribute_updates = true;
        else if (API_JR_KEY(v, "ConditionalOperator") && v->type == JREAD_STRING)
            m->cop = true;
        else if (!api_rcc_jr(v, &q->rcc) && api_schema_knows(v->key, v->key_len))
            return W_JANSSON;
    }
    /* legacy and expression parameters together: the jansson path's refusal */
    if ((m->expected || m->attribute_updates || m->cop) && (m->cond || m->upd))
        return W_JANSSON;
    return m->table && m->doc ? 0 : W_JANSSON;
}

/* The checks before the table, in the jansson path's order (which matters only for the
 * expressions' order in x->got): the placeholders, the item or key's values (and the item's
 * size), the update, the condition, unused placeholders.  0, or W_JANSSON (r->err cleared)
 * when anything is refused or unusual, but for an item over the size limit or placeholder
 * maps the env refuses (their keys, their 2 MB): that error, the jansson path's answer too
 * (what comes before it in that path passed here; parse_write_opts gives the env's refusal
 * in the envelope).  An UpdateItem's update is read before its condition. */
static int write_parse_jr(wreq *q, const wjr *m, api_exprs *x, av_t *doc, bool is_item)
{
    api_req *r = q->r;
    bool any = m->cond || m->upd;
    int rc = api_exprs_init_jr(r, m->names, m->values, any, any, x);
    if (rc && x->env_refused) {
        /* the item's or key's values (and an item's size) come before the maps' own checks
         * (parse_write_maps): when they are refused too, the jansson path answers */
        err_t keep = *r->err;
        err_clear(r->err);
        if (ddbjson_to_item_jr_in(m->doc, (ddbjson_layer)r->values, r->arena, doc, r->err) ||
            (is_item && api_item_size_check(r, doc, TXT_ITEM_TOO_BIG))) {
            err_clear(r->err);
            return W_JANSSON;
        }
        *r->err = keep;
        return env_rc(q, true, rc); /* 14 MB of values took ~500 MB through the jansson path */
    }
    if (!rc && !(rc = ddbjson_to_item_jr_in(m->doc, (ddbjson_layer)r->values, r->arena, doc, r->err)) && is_item &&
        (rc = api_item_size_check_w(r, doc, TXT_ITEM_TOO_BIG, &q->w)))
        return rc; /* the jansson path's first refusal too (everything before it passed here),
                      answered without its tree: a 15 MB item took ~4x more through it */
    expr_t *cond = NULL, *upd = NULL;
    if (!rc && m->upd) /* before the condition, as the jansson path */
        rc = api_exprs_get_text(r, x, m->upd->text, m->upd->len, EXPR_UPDATE, &upd);
    if (!rc && m->cond)
        rc = api_exprs_get_text(r, x, m->cond->text, m->cond->len, EXPR_CONDITION, &cond);
    if (!rc && (m->expected || m->cop))
        rc = api_legacy_expected_jr(r, m->body, &cond);
    x->keys_later = upd; /* after the condition: api_write_apply (w.upd_keys) */
    if (!rc && m->attribute_updates)
        rc = api_legacy_updates_jr(r, m->body, &upd);
    if (!rc)
        rc = api_exprs_done(r, x);
    if (rc) {
        err_clear(r->err);
        return W_JANSSON;
    }
    q->w.cond = cond;
    q->w.upd = upd;
    return 0;
}

/* The table of a common request (a C string for the catalog: the text may point into the
 * body, unterminated).  The same three lines stand in get_parse_jread and op_query.c's
 * q_parse_jr on purpose: one helper for them costs the hot paths instructions
 * (callgrind, bench/peers/cg_count.py -n 300, the functions' own counts a request: inline,
 * the register allocation around it gives +4 a GetItem, +9 a PutItem, +2 a Query; out of
 * line, +13, +11, +10). */
static int write_table_jr(wreq *q, const wjr *m, api_exprs *x)
{
    const char *name = arena_strndup(q->r->arena, m->table->text, m->table->len);
    if (!name)
        return api_nomem(q->r);
    int rc = api_table_get(q->r, name, m->table->len, &q->t);
    if (!rc)
        x->t = q->t;
    return rc;
}

/* Starts a write over again on the jansson path. */
static int write_restart(wreq *q, api_wkind kind)
{
    api_req *r = q->r;
    memset(q, 0, sizeof *q);
    q->r = r;
    q->w.kind = kind;
    return api_req_body(r);
}

/* Key parameter of Get/Update/Delete as an av M (checked against the schema later). */
static int parse_key_param(api_req *r, json_t *b, av_t **out_src)
{
    av_t *src = arena_zalloc(r->arena, sizeof *src);
    if (!src)
        return api_nomem(r);
    int rc = api_item_from_json(r, api_param(b, "Key"), src);
    if (rc)
        return rc;
    *out_src = src;
    return 0;
}

/* A write's item (PutItem: its values, then ReturnValues, then its size) or key (the
 * others: its values, then ReturnValues; a new *doc), on the jansson path.  ReturnValues
 * allowed for the operation (rv_allowed) comes after the placeholder maps given without
 * expressions and the item's or key's values, before the item's size: both AWS-checked
 * sources put it there (dynalite's putItem validation: expression parameters, the item's
 * values, then "ReturnValues can only be ALL_OLD or NONE", then the size; Dynoxide's
 * put_item: the values, the expression parameters, then ReturnValues, then the size).
 * tests/e2e/test_items.py test_two_rule_order.  "ReturnValues can only be ALL_OLD or NONE"
 * is in the envelope: DeleteItem's captured (AWS eu-west-2 and us-east-1, 2026-10-09: the
 * conformance suite's tier3 error-messages/deleteItem), PutItem's as Dynoxide's tests pin it
 * (tests/http_server.rs, their eu-west-2 envelope matrix); bare in a request nested past the
 * second limit (the older form: validation-ordering/deepRequests).  UpdateItem allows every
 * value. */
static int parse_write_doc(wreq *q, json_t *b, unsigned rv_allowed, av_t **doc)
{
    int rc = q->w.kind != API_W_PUT
                 ? env_rc(q, true, parse_key_param(q->r, b, doc))
                 : env_rc(q, true, api_item_from_json(q->r, api_param(b, "Item"), *doc));
    if (rc)
        return rc;
    if ((rc = api_rv_parse(q->r, b, rv_allowed, &q->rv)))
        return env_rc(q, !api_request_deep(&api_jview_jansson, b), rc);
    if (q->w.kind != API_W_PUT)
        return 0;
    return api_item_size_check_w(q->r, *doc, TXT_ITEM_TOO_BIG, &q->w);
}

/* PutItem's and DeleteItem's checks before the table on the jansson path: the request's
 * options, the item's values and size or the key's values, the placeholders, the condition,
 * unused placeholders.  DeleteItem's are in the envelope as PutItem's and UpdateItem's (AWS
 * eu-west-2 and us-east-1, 2026-10-09: the conformance suite's tier3
 * error-messages/deleteItem and validation-ordering valueLayers). */
static int write_parse_json(wreq *q, json_t *b, api_exprs *x, av_t **doc)
{
    int rc;
    if ((rc = parse_write_opts(q, b, cond_expr_params, "ConditionExpression is null", true)) ||
        (rc = parse_write_doc(q, b, WRITE_RV_OLD, doc)) ||
        (rc = parse_write_maps(q, b, x, "ConditionExpression is null", true)) ||
        (rc = parse_write_cond(q, b, x, true)))
        return rc;
    return env_rc(q, true, api_exprs_done(q->r, x));
}

static const char *const update_expr_params[] = {"UpdateExpression", "ConditionExpression",
                                                 NULL};
static const char *const update_legacy[] = {"AttributeUpdates", "Expected",
                                            "ConditionalOperator", NULL};

/* UpdateItem's checks before the table on the jansson path. */
static int update_parse_json(wreq *q, json_t *b, api_exprs *x, av_t **src)
{
    api_req *r = q->r;
    int rc;
    if ((rc = env_rc(q, true, api_mixed_check(r, b, update_legacy, update_expr_params))))
        return rc;
    if ((rc = parse_write_opts(q, b, update_expr_params,
                               "UpdateExpression and ConditionExpression are null", true)) ||
        (rc = parse_write_doc(q, b, WRITE_RV_ALL, src)) ||
        (rc = parse_write_maps(q, b, x, "UpdateExpression and ConditionExpression are null",
                               true)))
        return rc;
    /* the UpdateExpression is read and checked before the ConditionExpression (DynamoDB
     * Local: an error in each answers the update's; test_differential.py) */
    expr_t *upd = NULL;
    if ((rc = env_rc(q, true, api_exprs_get(r, b, x, "UpdateExpression", EXPR_UPDATE, &upd))))
        return rc;
    x->keys_later = upd; /* after the condition: api_write_apply (w.upd_keys) */
    /* AttributeUpdates' own checks before Expected's (dynalite's updateItem test, recorded
     * against AWS: an entry with neither Action nor Value is "Only DELETE action is allowed
     * when no attribute value is specified" beside an Expected entry with neither Value nor
     * Exists; DynamoDB Local answers the Expected entry's) */
    if (!upd && (rc = api_legacy_updates(r, b, &upd)))
        return rc == ERR_VALIDATION && value_error_text(r->err->msg) ? env_rc(q, true, rc) : rc;
    if ((rc = parse_write_cond(q, b, x, true)))
        return rc;
    q->w.upd = upd;
    return env_rc(q, true, api_exprs_done(r, x));
}

/* One write: the request read (from our reader's tree when it is the common form, else from
 * the jansson tree), then the table, then the item or key against the table's schema, then
 * the write and its reply. */
static int write_op(api_req *r, api_wkind kind)
{
    const bool put = kind == API_W_PUT, update = kind == API_W_UPDATE;
    wreq q;
    memset(&q, 0, sizeof q);
    q.r = r;
    q.w.kind = kind;
    av_t *doc = arena_zalloc(r->arena, sizeof *doc), *key = arena_zalloc(r->arena, sizeof *key);
    if (!doc || !key)
        return api_nomem(r);
    api_exprs x;
    int rc;
    wjr m;
    int jr = W_JANSSON;
    if (r->jbody && write_members_jr(&q, r->jbody, put ? "Item" : "Key", update,
                                     update ? WRITE_RV_ALL : WRITE_RV_OLD, &m) == 0)
        jr = write_parse_jr(&q, &m, &x, doc, put);
    if (jr < 0) { /* refused as the jansson path refuses it (write_parse_jr) */
        return jr;
    } else if (jr == 0) {
        rc = write_table_jr(&q, &m, &x);
    } else {
        if ((rc = write_restart(&q, kind)))
            return rc;
        rc = update ? update_parse_json(&q, r->body, &x, &doc)
                    : write_parse_json(&q, r->body, &x, &doc);
        if (rc)
            return rc;
        rc = write_table(&q, r->body, &x);
    }
    if (rc ||
        (rc = api_key_extract(r, &q.t->key, doc, put ? API_KEY_ITEM : API_KEY_PARAM, key)) ||
        (put && (rc = api_item_index_keys_check(r, q.t, doc))) ||
        (update && (rc = api_update_static_index_types(q.t, q.w.upd, r->err))) ||
        (rc = api_exprs_keys_check(r, &x, q.t)))
        return rc;
    q.w.t = q.t;
    q.w.key = key;
    if (put)
        q.w.item = doc;
    if (update) {
        q.w.size_by_write = true;
        q.w.upd_keys = true;
        q.w.upd_expr_texts = true;
    }
    return run_write(&q);
}

int op_put_item(api_req *r, json_t **out)
{
    (void)out;
    return write_op(r, API_W_PUT);
}

int op_delete_item(api_req *r, json_t **out)
{
    (void)out;
    return write_op(r, API_W_DELETE);
}

int op_update_item(api_req *r, json_t **out)
{
    (void)out;
    return write_op(r, API_W_UPDATE);
}

static const char *const get_expr_params[] = {"ProjectionExpression", NULL};
static const char *const get_legacy[] = {"AttributesToGet", NULL};

/* What a GetItem request asks, once read (from either tree). */
typedef struct get_plan {
    const store_table *t;
    av_t key;
    bool consistent;
    api_rcc rcc;
    expr_t *proj;
} get_plan;

/* From the jansson tree: every parameter, every check, in the service's order. */
static int get_parse_json(api_req *r, json_t *b, get_plan *g)
{
    /* the request: mixed parameters, placeholder maps given without an expression, the key's
     * values, AttributesToGet, the maps' own checks, the projection, unused placeholders
     * (dynalite's getItem.js and Dynoxide's get_item: the key's values before the
     * expressions; DynamoDB Local reads the expressions first); then the table, then the
     * key against its schema.  tests/e2e/test_items.py test_two_rule_order */
    int rc = api_mixed_check(r, b, get_legacy, get_expr_params);
    if (rc)
        return rc;
    av_t *src = NULL;
    bool present = false;
    if ((rc = api_json_bool(b, "ConsistentRead", &present, &g->consistent, r->err)) ||
        (rc = api_rcc_parse(r, b, &g->rcc)) ||
        (rc = api_exprs_pre(r, b, get_expr_params, NULL)) ||
        (rc = parse_key_param(r, b, &src)))
        return rc;
    expr_t *legacy = NULL; /* AttributesToGet (never with a ProjectionExpression) */
    if ((rc = api_legacy_attrs(r, b, &legacy)))
        return rc;
    api_exprs x;
    if ((rc = api_exprs_init_maps(r, b, &x, NULL))) /* api_exprs_pre ran above */
        return rc;
    if ((rc = api_exprs_get(r, b, &x, "ProjectionExpression", EXPR_PROJECTION, &g->proj)))
        return rc;
    if (!g->proj)
        g->proj = legacy;
    if ((rc = api_exprs_done(r, &x)))
        return rc;
    if ((rc = api_item_table(r, b, &g->t)) ||
        (rc = api_key_extract(r, &g->t->key, src, API_KEY_PARAM, &g->key)) ||
        (rc = api_exprs_keys_check(r, &x, g->t)))
        return rc;
    return 0;
}

#define GET_JANSSON 1 /* get_parse_jread: not the common request, take the jansson path */

/* One key value of the common request: {"S": "..."} or a valid {"N": "..."}. */
static int get_key_value(api_req *r, const jread_val *v, av_t *out)
{
    if (v->type != JREAD_OBJECT || v->n != 1 || v->child->type != JREAD_STRING ||
        v->child->key_len != 1)
        return GET_JANSSON;
    const jread_val *s = v->child;
    if (s->key[0] == 'S') {
        const char *p = arena_strndup(r->arena, s->text, s->len);
        if (!p)
            return api_nomem(r);
        *out = av_make_s(p, s->len);
        return 0;
    }
    err_t ignore = {0};
    if (s->key[0] == 'N' && av_make_n(r->arena, s->text, s->len, out, &ignore) == 0)
        return 0;
    return ignore.code == ERR_NOMEM ? api_nomem(r) : GET_JANSSON;
}

/* The common request straight from our reader's tree (issue 13.1): TableName, a Key of S / N
 * values, ConsistentRead, ReturnConsumedCapacity, AttributesToGet (api_legacy.c's code for
 * both trees; one refused goes back), nothing else.  For it the jansson path's checks before
 * the table cannot fail, and from the table on both paths call the same functions on the
 * same values: the answers are the same (test_api_jread.c).  Anything else (expressions,
 * other types, nulls, an invalid number) is GET_JANSSON, decided before any side effect. */
static int get_parse_jread(api_req *r, const jread_val *b, get_plan *g)
{
    const jread_val *table = NULL, *key = NULL, *atg = NULL;
    for (const jread_val *m = b->child; m; m = m->next) {
        if (API_JR_KEY(m, "TableName") && m->type == JREAD_STRING)
            table = m;
        else if (API_JR_KEY(m, "Key") && m->type == JREAD_OBJECT)
            key = m;
        else if (API_JR_KEY(m, "ConsistentRead") &&
                 (m->type == JREAD_TRUE || m->type == JREAD_FALSE))
            g->consistent = m->type == JREAD_TRUE;
        else if (API_JR_KEY(m, "AttributesToGet") && m->type == JREAD_ARRAY)
            atg = m;
        else if (!api_rcc_jr(m, &g->rcc) && api_schema_knows(m->key, m->key_len))
            return GET_JANSSON;
    }
    if (!table || !key || key->n == 0 || key->n > 2)
        return GET_JANSSON;
    if (atg && api_legacy_attrs_jr(r, b, &g->proj)) {
        int rc = r->err->code;
        err_clear(r->err);
        return rc == ERR_NOMEM ? api_nomem(r) : GET_JANSSON;
    }
    av_kv *kv = arena_alloc(r->arena, key->n * sizeof *kv);
    if (!kv)
        return api_nomem(r);
    size_t i = 0;
    for (const jread_val *m = key->child; m; m = m->next, i++) {
        if (m->key_len == 0)
            return GET_JANSSON;
        int rc = get_key_value(r, m, &kv[i].val);
        if (rc)
            return rc;
        if (!(kv[i].name = arena_strndup(r->arena, m->key, m->key_len)))
            return api_nomem(r);
        kv[i].name_len = m->key_len;
    }
    av_t src = av_make_m(kv, key->n);
    /* a C string for the catalog (the text may point into the body, unterminated; a copy of
     * write_table_jr's lines, which says why) */
    const char *tname = arena_strndup(r->arena, table->text, table->len);
    if (!tname)
        return api_nomem(r);
    int rc = api_table_get(r, tname, table->len, &g->t);
    if (!rc)
        rc = api_key_extract(r, &g->t->key, &src, API_KEY_PARAM, &g->key);
    return rc;
}

int op_get_item(api_req *r, json_t **out)
{
    get_plan g;
    memset(&g, 0, sizeof g);
    int rc = r->jbody ? get_parse_jread(r, r->jbody, &g) : GET_JANSSON;
    if (rc == GET_JANSSON) {
        memset(&g, 0, sizeof g);
        if ((rc = api_req_body(r)) == 0)
            rc = get_parse_json(r, r->body, &g);
    }
    if (rc)
        return rc;
    const store_table *t = g.t;
    bool consistent = g.consistent;
    expr_t *proj = g.proj;
    api_rcc rcc = g.rcc;
    av_t item = {0}; /* store_get sets it (projection only); copied to p either way */
    store_bytes raw = {NULL, 0};
    size_t size = 0; /* av_item_size of the item found */
    bool found = false;
    uint64_t min_h = consistent ? API_THR_READ_STRONG : API_THR_READ_EVENTUAL;
    if ((rc = api_thr_admit(r, t, NULL, false, min_h)))
        return rc;
    if (proj) {
        if ((rc = store_get(r->api->store, t, &g.key, r->arena, &item, &found, r->err)))
            return rc;
        size = found ? av_item_size(&item) : 0;
    } else { /* the whole item: its reply is written from the stored bytes (issue 13.1) */
        if ((rc = store_get_stored(r->api->store, t, &g.key, r->arena, &raw, &found, r->err)))
            return rc;
        /* text mode reads its size while writing it (below); the others read it here */
        if (found && !r->w && av_stored_scan(raw.data, raw.len, NULL, NULL, 0, NULL, &size))
            return err_set(r->err, ERR_INTERNAL, "corrupt stored item");
    }
    av_t p = item;
    if (found && proj && (rc = expr_project(r->arena, proj, &item, &p, r->err)))
        return rc;
    api_out *o = api_reply(r);
    if (found && !proj && r->w) {
        if ((rc = ao_item_stored_scan(o, "Item", raw.data, raw.len, r->arena, NULL, NULL, 0,
                                      NULL, &size)))
            return err_set(r->err, rc, rc == ERR_INTERNAL ? "corrupt stored item" : "out of memory");
    } else if (found && !proj) {
        ao_item_stored(o, "Item", raw.data, raw.len, r->arena);
    } else if (found && p.type == AV_M) {
        ao_item(o, "Item", &p);
    }
    api_metrics_read(r, t, api_cap_read_h(size, consistent));
    if (r->api->thr)
        api_thr_charge_read(r, t, NULL, api_cap_read_h(size, consistent), min_h);
    if (rcc != API_RCC_NONE) {
        api_cap cap;
        memset(&cap, 0, sizeof cap);
        cap.table = api_cap_table(r, t);
        cap.table_h = api_cap_read_h(size, consistent);
        api_cap_out(o, "ConsumedCapacity", &cap, rcc, false);
    }
    (void)out;
    return 0;
}
