/*
 * api_write — the store write callbacks of every item write: api_write_peek (a refusal before
 * the stored item is decoded) and api_write_apply (the condition evaluated and the new item
 * decided, in the committer thread, with the reply's room reserved first).  Layer: api.
 *
 * Used by PutItem / UpdateItem / DeleteItem (op_item.c), BatchWriteItem (op_batch.c),
 * TransactWriteItems (op_transact.c) and PartiQL's writes (api_partiql.c, op_partiql.c); calls
 * no operation.  And api_write_one: one item's write run at once, for PutItem / UpdateItem /
 * DeleteItem (op_item.c) and a PartiQL write statement (api_partiql.c).
 * What one write does is its api_wctx (api_item.h).
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
#include "base/mem.h"
#include "value/ddbjson.h"
#include "value/jread.h"

/* The room of the reply's image of the item (w->reply), reserved before the write is applied:
 * once applied, a write's reply is charged whatever the reply budget says (an applied write
 * answered busy would be applied again by the client's retry: review15 F7), so forty clients
 * that sent UpdateItem ReturnValues ALL_NEW of a 19 MB-text item and did not read held
 * ~825 MB past the 256 MB budget (review15 F11).  The image's text is measured and reserved
 * only if the budget holds it; else the busy reply, nothing written.  The old item's (ALL_OLD)
 * from its stored bytes, before they are decoded (api_write_peek: a refused write decodes
 * nothing), the new item's (ALL_NEW) and the updated paths' (UPDATED_*) in apply, exactly (an
 * update may make the item longer or shorter: review16 F5).  The reply's other
 * members (ConsumedCapacity, ItemCollectionMetrics) fit in the slack. */
#define WRITE_ROOM_SLACK ((size_t)16 << 10)
static int write_room(api_wctx *w, size_t len, size_t slack, err_t *e)
{
    size_t others = 0; /* a batch's other members' room (w->reply_sum) */
    if (w->reply_sum) {
        *w->reply_sum -= w->reply_mine;
        w->reply_mine = 0;
        others = *w->reply_sum;
    }
    if (jout_room(w->reply, others + len + slack + WRITE_ROOM_SLACK))
        return err_set(e, ERR_THROTTLING, TXT_BUSY);
    if (w->reply_sum) {
        w->reply_mine = len + slack;
        *w->reply_sum += w->reply_mine;
    }
    return 0;
}

int api_write_peek(void *ctx, const void *stored, size_t len, err_t *e)
{
    api_wctx *w = ctx;
    size_t text = 0, slack = 0;
    if (!w->reply || w->reply_new || w->reply_updated) /* not the old item whole */
        return 0;
    if (jout_item_stored_len(stored, len, &text, &slack))
        return 0; /* corrupt bytes: the decode's own error follows */
    return write_room(w, text, slack, e);
}

/* A failed in-place ConditionCheck's old item (w->kept_text), copied out of the store's
 * pages while the Items kept so far are under API_REPLY_ITEMS_TEXT of text: past it
 * api_canceled writes no Item either, so 100 failing checks of items of 14 MB of text copy
 * ~14 of them, not 100 (1.6 GB: mem16).  What an earlier run of this write kept is taken
 * back first (keep_old_drop), whether or not this run fails. */
static void keep_old_drop(api_wctx *w)
{
    *w->kept_text -= w->kept_mine; /* apply run again for this write (store.h): replaced */
    w->kept_mine = 0;
    w->kept_old.type = AV_NONE;
}

static int keep_old(api_wctx *w, const av_t *old, arena_t *a, err_t *e)
{
    if (*w->kept_text >= w->kept_max)
        return 0;
    size_t slack = 0, text = jout_item_len(old, &slack);
    if (av_copy(a, old, &w->kept_old))
        return err_set(e, ERR_NOMEM, "out of memory");
    w->kept_mine = text;
    *w->kept_text += text;
    return 0;
}

/* An update whose condition failed is still billed on the larger of the existing item and
 * the one it would have written (Developer Guide, "DynamoDB read and write operations": "an
 * existing item in the table or a new one you're attempting to create or update ... 300 KB
 * ... 310 KB ... will be 310 KB"): the update is applied to a scratch copy for its size
 * alone.  An update that could not be applied (a type error the failed condition hides, or
 * an item over the size limit) leaves 0, the existing item's size.  tests/e2e/test_metrics.py
 * test_a_failed_conditional_update_is_billed_on_the_larger_item */
static void failed_update_size(api_wctx *w, const av_t *old, arena_t *a)
{
    if (!w->upd)
        return;
    const char *names[2];
    size_t n = api_key_names(&w->t->key, names);
    av_t tmp = old ? *old : *w->key;
    expr_t *paths = NULL;
    err_t scratch;
    memset(&scratch, 0, sizeof scratch);
    if (expr_update_apply(a, w->upd, old ? old : w->key, names, n, &tmp, &paths, &scratch))
        return;
    /* an item over 400 KB could not have been written (the update refused, billed 0, had its
     * condition passed): the existing item's size, never more than any write consumes (one
     * failed update of 400 SETs copying a 343 KB list was billed 137,201 units and throttled
     * the table's writes for hours, review32a F1; test_metrics.py, the 'huge' item) */
    size_t sz = av_item_size(&tmp);
    if (sz <= AV_MAX_ITEM_SIZE)
        w->failed_size = sz;
}

int api_write_apply(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                    uint64_t *out_size, err_t *e)
{
    api_wctx *w = ctx;
    if (w->fail_msg)
        return err_set(e, ERR_VALIDATION, "%s", w->fail_msg);
    /* the statement's charge: before the condition (expr_update_charge) */
    if (w->kind == API_W_UPDATE && w->size_by_write &&
        expr_update_charge(w->upd) > AV_MAX_ITEM_SIZE)
        return err_set(e, ERR_VALIDATION, TXT_ITEM_TOO_BIG_UPDATE);
    if (w->cond) {
        bool ok = false;
        if (w->kept_text)
            keep_old_drop(w); /* a re-run whose check now passes keeps nothing */
        int rc = expr_eval(w->cond, old, &ok, e);
        if (rc)
            return rc;
        if (!ok && w->kept_text && old && (rc = keep_old(w, old, a, e)))
            return rc;
        w->failed_size = 0;
        if (!ok && w->kind == API_W_UPDATE)
            failed_update_size(w, old, a);
        if (!ok)
            return err_set(e, ERR_CONDITIONAL_CHECK_FAILED, TXT_COND_FAILED);
    }
    switch (w->kind) {
    case API_W_PUT:
        *out_new = w->item;
        if (w->item_sized)
            *out_size = w->item_size;
        return 0;
    case API_W_DELETE:
        *out_new = NULL;
        return 0;
    case API_W_CHECK:
        /* read in place (store_write.in_place): api_vix_bill has no old item after this */
        if (w->txn && old)
            w->old_billed = api_vix_billed(w->t, old);
        *out_new = STORE_KEEP;
        return 0;
    case API_W_UPDATE: {
        const char *names[2];
        size_t n = api_key_names(&w->t->key, names);
        av_t tmp = old ? *old : *w->key;
        int rc = 0;
        /* a key attribute as a target, then paths into key attributes, then the update */
        if (w->upd_keys && w->upd &&
            ((rc = expr_update_key_targets(w->upd, names, n, e)) ||
             (rc = api_table_key_attr_check(w->t, w->upd, e))))
            return rc;
        /* no UpdateExpression / AttributeUpdates: DynamoDB still creates the item */
        if (w->upd &&
            (rc = expr_update_apply(a, w->upd, old ? old : w->key, names, n, &tmp, &w->updated, e)))
            return rc;
        /* one walk of the new item for its size (the LSI entries' 400 KB, the item's, the
         * store's: *out_size) and its names */
        bool long_name = false;
        size_t size = av_item_size_names(&tmp, &long_name);
        /* index key attributes the update wrote (the service's texts, api_item.c) */
        if ((rc = api_index_keys_check(w->t, &tmp, old ? old : w->key, size,
                                       w->upd_expr_texts ? w->upd : NULL, e)))
            return rc;
        if (size > AV_MAX_ITEM_SIZE)
            return err_set(e, ERR_VALIDATION, TXT_ITEM_TOO_BIG_UPDATE);
        /* a map key over 65,535 bytes that the update wrote (SET m = :v, AttributeUpdates,
         * PartiQL SET m = ?): refused as PutItem refuses it, not stored (review14 F10;
         * DynamoDB Local fails with a 500, no reference for the order: after the condition,
         * with the item's other checks).  tests/e2e/test_review14.py test_f10 */
        if (long_name)
            return err_set(e, ERR_VALIDATION, "%s", TXT_ATTR_NAME_TOO_LONG);
        /* the result shares its unchanged values with `old`, which the store decoded into
         * this same arena `a` (a copy of the stored bytes: store.h, store_write.arena), so it
         * lives as long as they do; a deep copy here cost twice the item again (review12 F5:
         * ~2 MB more for an item of 30,000 numbers) */
        if (w->reply && w->reply_updated) { /* the updated paths' image, exactly */
            const av_t *src = w->reply_new ? &tmp : old;
            w->image.type = AV_NONE;
            if (src && w->updated &&
                (rc = w->reply_modified
                          ? expr_project_modified(a, w->updated, src, &w->image, e)
                          : expr_project_updated(a, w->updated, src, w->reply_new, &w->image, e)))
                return rc;
            w->image_set = true;
            size_t slack = 0, text = jout_item_len(&w->image, &slack);
            if ((rc = write_room(w, text, slack, e)))
                return rc;
        } else if (w->reply && w->reply_new) { /* ALL_NEW: the new item's text, exactly */
            size_t slack = 0, text = jout_item_len(&tmp, &slack);
            if ((rc = write_room(w, text, slack, e)))
                return rc;
        }
        w->new_item = tmp;
        *out_new = &w->new_item;
        *out_size = size;
        return 0;
    }
    }
    return err_set(e, ERR_INTERNAL, "bad write kind");
}

int api_write_one(api_req *r, const store_table *t, const av_t *key, store_write *sw)
{
    /* --transaction-conflicts: an item an ongoing transaction holds is refused; else the
     * write holds it while it runs (a TransactGetItems meeting it is cancelled) */
    uint64_t hk;
    bool held = false, busy = true;
    if (r->api->txn_conflicts && api_hold_key(t, key, &hk) == 0) {
        if (api_hold_writes(r->api, &hk, 1, &busy))
            return api_nomem(r);
        if (busy)
            return err_set(r->err, ERR_TRANSACTION_CONFLICT, TXT_TXN_ONGOING);
        held = true;
        api_hold_wait(r->api);
    }
    int rc = api_thr_admit(r, t, NULL, true, API_THR_WRITE); /* --throttle */
    if (rc == 0 && (rc = store_write_each(r->api->store, sw, 1, r->err)) == 0)
        api_writes_applied(r, sw, 1);
    if (held)
        api_hold_writes_release(r->api, &hk, 1, &busy);
    return rc;
}
