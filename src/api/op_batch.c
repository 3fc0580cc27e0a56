/*
 * op_batch — BatchGetItem and BatchWriteItem.  Layer: api.
 *
 * Both validate the whole request before touching the store (DynamoDB rejects the batch as
 * a whole: limits, duplicates, per-table parameters, keys against the schema).
 * BatchGetItem reads every key in one snapshot (store_get_many_stored) and answers each item
 * from its stored bytes as GetItem does (decoded only for a projection, one at a time).
 * BatchWriteItem submits all
 * its writes in one store_write_each call, so they share one group commit; each write is
 * unconditional.  BatchGetItem answers at most 16 MB of items: the keys past that come back
 * in UnprocessedKeys (with the table's other parameters), as the service does, and so do
 * those past 64 MB of their stored bytes or of the reply's text (review15 F1).  Under
 * `serve --throttle` (api_throttle.c) each key / write is admitted on its own: those its
 * table (or, for a write, a GSI) has no capacity for come back in UnprocessedKeys /
 * UnprocessedItems, and when none at all was admitted the call fails with the throttling
 * exception, as the API Reference says of both operations.
 *
 * Capacity as DynamoDB Local computes it (tests/e2e/test_batch.py): BatchGetItem charges
 * each item found separately (4 KB units, eventual = half) and nothing for missing keys;
 * BatchWriteItem charges each write like the single-item call: deleting an absent item
 * costs 1 unit, as AWS charges it (dynalite's AWS-recorded batchWriteItem capacity test;
 * Dynoxide's batch_write_item.rs; DynamoDB Local charges 2: test_batch
 * test_batch_write_delete_capacity).  One ConsumedCapacity entry per table, in request order.
 *
 * Both read their common requests from our reader's tree (bg_parse_jr, bw_parse_jr) and write
 * their replies with api_out (capacity with api_cap_out, metrics with api_ricm_out); only the
 * keys / writes sent back unprocessed are jansson trees (issue 13).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
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

#define BATCH_GET_MAX 100
#define BATCH_WRITE_MAX 25
#define BATCH_GET_MAX_BYTES ((uint64_t)16 * 1024 * 1024) /* answer size, by item size */
/* the stored bytes read at once (store_get_many_stored_capped): past them, the keys left go
 * back unprocessed as past 16 MB (a number's encoding is its text: review15 F1) */
#define BATCH_GET_MAX_STORED ((size_t)64 << 20)
/* the reply's text past which no more items are answered (the keys left: unprocessed): a
 * number's text can be ~45 times its size, 16 MB of items ~700 MB (review15 F1) */
#define BATCH_GET_MAX_TEXT ((size_t)64 << 20)

#define TXT_BG_NONE "BatchGetItem must have some requests set"
#define TXT_BG_EMPTY "The list of keys in RequestItems for BatchGetItem is required: %s has empty list"
#define TXT_BG_TOO_MANY "Too many items requested for the BatchGetItem call"
#define TXT_BW_NONE "BatchWriteItem cannot have a null or no requests set"
#define TXT_BW_EMPTY "The batch write request list for a table cannot be null or empty: %s"
#define TXT_BW_TOO_MANY "Too many items requested for the BatchWriteItem call"
#define TXT_BW_ONE_OF                                                                            \
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the " \
    "supported datatypes"
#define TXT_BW_NULL_ITEM "The supplied Item contains a null AttributeValue"
#define TXT_DUP_KEYS "Provided list of item keys contains duplicates"

/* A digest of an extracted key (api_key_extract: the key attributes only, S, N or B) such
 * that keys api_key_equal finds equal have equal digests: each value's type and bytes (an N
 * holds its canonical text: value/av.h), FNV-1a.  The duplicate checks call api_key_equal
 * only for the pairs whose digests match (a batch of 25 writes has 300 pairs). */
static uint64_t bk_digest(const av_t *key)
{
    const uint64_t prime = 1099511628211ULL;
    uint64_t x = 1469598103934665603ULL;
    for (size_t i = 0; key->type == AV_M && i < key->u.map.n; i++) {
        const av_t *v = &key->u.map.kv[i].val;
        if (v->type != AV_S && v->type != AV_N && v->type != AV_B)
            continue;
        x = (x ^ (uint64_t)v->type) * prime;
        for (size_t j = 0; j < v->u.str.len; j++)
            x = (x ^ (unsigned char)v->u.str.ptr[j]) * prime;
        x = (x ^ 0xff) * prime; /* end of the value */
    }
    return x;
}

/* A Keys entry as given, before the table is known (an M of at most two attributes, in any
 * order): a digest that maps av_equal finds equal share -- per attribute its name, its type
 * and, for an S, N or B, its bytes (an N's canonical text), summed so the members' order does
 * not count; any other value by its type alone.  The check before the table then calls
 * av_equal only for the pairs whose digests match (100 keys have 4,950 pairs: ~1M
 * instructions of av_equal a BatchGetItem of 100 before, cg_count BatchGet100). */
static uint64_t bk_digest_given(const av_t *key)
{
    const uint64_t prime = 1099511628211ULL;
    uint64_t sum = 0;
    for (size_t i = 0; key->type == AV_M && i < key->u.map.n; i++) {
        const av_kv *kv = &key->u.map.kv[i];
        uint64_t x = 1469598103934665603ULL;
        for (size_t j = 0; j < kv->name_len; j++)
            x = (x ^ (unsigned char)kv->name[j]) * prime;
        x = (x ^ 0x100 ^ (uint64_t)kv->val.type) * prime;
        const av_t *v = &kv->val;
        if (v->type == AV_S || v->type == AV_N || v->type == AV_B)
            for (size_t j = 0; j < v->u.str.len; j++)
                x = (x ^ (unsigned char)v->u.str.ptr[j]) * prime;
        sum += x ^ (x >> 31);
    }
    return sum;
}

/* ---- BatchGetItem --------------------------------------------------------------------- */

typedef struct bg_table {
    const char *name;
    size_t name_len;
    const store_table *t;
    api_exprs x;
    json_t *spec;      /* the table's object; NULL when read from our reader's tree (bg_spec) */
    size_t first, n;   /* keys[first .. first+n) */
    bool consistent;
    bool atg; /* the projection is AttributesToGet (our reader's tree) */
    expr_t *proj;
} bg_table;

static const char *const get_expr_params[] = {"ProjectionExpression", NULL};
static const char *const get_legacy[] = {"AttributesToGet", NULL};

/* --throttle: what admitting one key of bt takes (half units) */
static uint64_t bg_min_h(const bg_table *bt)
{
    return bt->consistent ? API_THR_READ_STRONG : API_THR_READ_EVENTUAL;
}

/* ---- the common request from our reader's tree (issue 13.1; op_item.c's pattern) ----
 *
 * RequestItems of tables each with Keys (objects), ConsistentRead, ProjectionExpression and
 * ExpressionAttributeNames or AttributesToGet (api_legacy.c's code for both trees; not both
 * kinds in one request) only, and ReturnConsumedCapacity, nothing else (no JSON null, no
 * ExpressionAttributeValues), without --throttle: read straight into
 * values with the jansson path's request-level checks, calling the same functions.  Anything
 * unusual or refused before the tables returns BG_JANSSON without a side effect and the
 * request takes the jansson path from the start: the same answers by construction
 * (tests/unit/api/test_api_jread.c). */

#define BG_JANSSON 1

/* One table of a common request.  0 or BG_JANSSON (r->err cleared). */
static int bg_table_jr(api_req *r, const jread_val *t, bg_table *bt)
{
    const jread_val *keys = NULL, *proj = NULL, *names = NULL, *atg = NULL;
    if (t->type != JREAD_OBJECT)
        return BG_JANSSON;
    for (const jread_val *v = t->child; v; v = v->next) {
        if (API_JR_KEY(v, "Keys") && v->type == JREAD_ARRAY && v->n > 0)
            keys = v;
        else if (API_JR_KEY(v, "ConsistentRead") &&
                 (v->type == JREAD_TRUE || v->type == JREAD_FALSE))
            bt->consistent = v->type == JREAD_TRUE;
        else if (API_JR_KEY(v, "ProjectionExpression") && v->type == JREAD_STRING)
            proj = v;
        else if (API_JR_KEY(v, "ExpressionAttributeNames"))
            names = v;
        else if (API_JR_KEY(v, "AttributesToGet") && v->type == JREAD_ARRAY)
            atg = v;
        else
            return BG_JANSSON;
    }
    if (!keys || (atg && (proj || names)) ||
        !(bt->name = arena_strndup(r->arena, t->key, t->key_len)))
        return BG_JANSSON;
    bt->atg = atg != NULL;
    bt->name_len = t->key_len;
    bt->n = keys->n;
    int rc = api_exprs_init_jr(r, names, NULL, proj != NULL, false, &bt->x);
    if (!rc && proj)
        rc = api_exprs_get_text(r, &bt->x, proj->text, proj->len, EXPR_PROJECTION, &bt->proj);
    if (!rc && atg)
        rc = api_legacy_attrs_jr(r, t, &bt->proj);
    if (!rc)
        rc = api_exprs_done(r, &bt->x);
    if (rc) {
        err_clear(r->err);
        return BG_JANSSON;
    }
    return 0;
}

/* The request-level part of a common request: the tables and every key's values.  0 or
 * BG_JANSSON. */
static int bg_parse_jr(api_req *r, const jread_val *b, bg_table **out_tabs, size_t *out_nt,
                       size_t *out_total, api_rcc *rcc, av_t **out_ksrc)
{
    const jread_val *ri = NULL;
    for (const jread_val *v = b->child; v; v = v->next) {
        if (API_JR_KEY(v, "RequestItems") && v->type == JREAD_OBJECT && v->n > 0)
            ri = v;
        else if (!api_rcc_jr(v, rcc) && api_schema_knows(v->key, v->key_len))
            return BG_JANSSON;
    }
    if (!ri)
        return BG_JANSSON;
    size_t nt = ri->n, total = 0;
    bg_table *tabs = arena_zalloc(r->arena, sizeof *tabs * nt);
    if (!tabs)
        return BG_JANSSON;
    size_t ti = 0;
    bool any_expr = false, any_legacy = false;
    for (const jread_val *t = ri->child; t; t = t->next, ti++) {
        if (bg_table_jr(r, t, &tabs[ti]))
            return BG_JANSSON;
        tabs[ti].first = total;
        total += tabs[ti].n;
        any_legacy = any_legacy || tabs[ti].atg;
        any_expr = any_expr || (tabs[ti].proj && !tabs[ti].atg);
    }
    /* one table's ProjectionExpression and another's AttributesToGet: the jansson path's
     * refusal */
    if (total > BATCH_GET_MAX || (any_expr && any_legacy))
        return BG_JANSSON;
    av_t *ksrc = arena_zalloc(r->arena, sizeof *ksrc * total);
    if (!ksrc)
        return BG_JANSSON;
    ti = 0;
    for (const jread_val *t = ri->child; t; t = t->next, ti++) {
        const jread_val *keys = jread_get(t, "Keys", 4);
        for (size_t i = 0; i < tabs[ti].n; i++) {
            const jread_val *k = keys->items[i];
            if (k->type != JREAD_OBJECT ||
                ddbjson_to_item_jr_in(k, (ddbjson_layer)r->values, r->arena, &ksrc[tabs[ti].first + i], r->err)) {
                err_clear(r->err);
                return BG_JANSSON;
            }
        }
    }
    *out_tabs = tabs;
    *out_nt = nt;
    *out_total = total;
    *out_ksrc = ksrc;
    return 0;
}

/* bt's object of the request, building the jansson tree when the common path left it out
 * (only for keys sent back as UnprocessedKeys: past 16 MB of answer).  NULL when out of
 * memory (counted: the request answers 500). */
static json_t *bg_spec(api_req *r, bg_table *bt)
{
    if (!bt->spec && api_req_body(r) == 0)
        bt->spec = json_object_getn(api_param(r->body, "RequestItems"), bt->name, bt->name_len);
    return bt->spec;
}

/* Key i of bt back in its table's UnprocessedKeys (*left, made on first use; *keys: the
 * table's Keys, read on first use). */
static void bg_unprocessed(api_req *r, bg_table *bt, json_t **left, json_t **keys, size_t i)
{
    if (!*left)
        *left = json_array();
    if (!*keys)
        *keys = json_object_get(bg_spec(r, bt), "Keys");
    json_array_append(*left, json_array_get(*keys, i));
}

/* Two identical Keys entries of one table (ks[0..n), attributes in any order) are refused
 * before the table is looked up: a missing table's answer is the duplicate's too (dynalite's
 * AWS-recorded batchGetItem test; DynamoDB Local agrees; test_batch
 * test_batch_get_identical_keys_before_table), and so is a repeated AttributesToGet entry of
 * the same table (dynalite checks a table's keys before its AttributesToGet; Local agrees;
 * test_items.py test_two_rule_order).  A key has at most two attributes; longer ones fail the
 * schema after the table (not compared here: no n^2 of wide maps).  Keys equal on the key
 * attributes only are found once the table is known.  bg_dup_at: key i against ks[0 .. i)
 * (d: their digests; d[i] set here). */
static int bg_dup_at(api_req *r, const av_t *ks, uint64_t *d, size_t i)
{
    d[i] = bk_digest_given(&ks[i]);
    if (ks[i].type != AV_M || ks[i].u.map.n > 2)
        return 0;
    for (size_t j = 0; j < i; j++)
        if (d[j] == d[i] && ks[j].type == AV_M && ks[j].u.map.n == ks[i].u.map.n &&
            av_equal(&ks[j], &ks[i]))
            return err_set(r->err, ERR_VALIDATION, TXT_DUP_KEYS);
    return 0;
}

/* bg_dup_at for every key of ks[0..n). */
static int bg_dup_given(api_req *r, const av_t *ks, size_t n)
{
    uint64_t *d = n ? arena_alloc(r->arena, sizeof *d * n) : NULL;
    if (n && !d)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        int rc = bg_dup_at(r, ks, d, i);
        if (rc)
            return rc;
    }
    return 0;
}

/* The request-level part from the jansson tree: every check, in the service's order. */
static int bg_parse_json(api_req *r, bg_table **out_tabs, size_t *out_nt, size_t *out_total,
                         api_rcc *rcc, av_t **out_ksrc)
{
    json_t *b = r->body, *ri = NULL;
    int rc = api_json_obj(b, "RequestItems", &ri, r->err);
    if (rc)
        return rc;
    if (!ri || json_object_size(ri) == 0) /* the model reports it first */
        return err_set(r->err, ERR_VALIDATION, TXT_BG_NONE);
    if ((rc = api_rcc_parse(r, b, rcc)))
        return rc;
    size_t nt = json_object_size(ri), total = 0;
    bg_table *tabs = arena_zalloc(r->arena, sizeof *tabs * nt);
    if (!tabs)
        return api_nomem(r);
    const char *name;
    json_t *spec;
    size_t ti = 0;
    /* one table's ProjectionExpression and another's AttributesToGet: the service rejects
     * the mix across the request too (conformance tier3 batchGetItem), before any table's
     * own parameters are read (DynamoDB Local: diffgen2; one table's mix is its own check) */
    bool any_expr = false, any_legacy = false, one_mixed = false;
    size_t nkeys = 0; /* the Keys entries sent (ksrc's size) */
    json_object_foreach(ri, name, spec) {
        json_t *k = json_is_object(spec) ? api_param(spec, "Keys") : NULL;
        nkeys += json_is_array(k) ? json_array_size(k) : 0;
        bool e = api_param(spec, "ProjectionExpression") != NULL;
        bool l = api_param(spec, "AttributesToGet") != NULL;
        any_expr = any_expr || e;
        any_legacy = any_legacy || l;
        one_mixed = one_mixed || (e && l);
    }
    if (any_expr && any_legacy && !one_mixed)
        return err_set(r->err, ERR_VALIDATION, TXT_MIXED_PARAMS, "AttributesToGet",
                       "ProjectionExpression");
    av_t *ksrc = nkeys ? arena_zalloc(r->arena, sizeof *ksrc * nkeys) : NULL;
    if (nkeys && !ksrc)
        return api_nomem(r);
    /* the request, table by table: mixed parameters, the keys' values and duplicates
     * (bg_dup_given), then the table's placeholders, projection or AttributesToGet (dynalite's
     * AWS-checked batchGetItem validation: each table's keys before its AttributesToGet and
     * expressions; DynamoDB Local agrees; test_items.py test_two_rule_order), the key count
     * as each key is read: the 101st key of the request, once its values and its repeat are
     * checked, is "Too many items" before any later key's value or the table's AttributesToGet
     * (dynalite counts there; DynamoDB Local agrees; test_two_rule_order_unsettled); then the
     * tables; then the keys against their schemas */
    size_t counted = 0;
    json_object_foreach(ri, name, spec) {
        if (!json_is_object(spec))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        json_t *keys = NULL;
        if ((rc = api_json_arr(spec, "Keys", &keys, r->err)))
            return rc;
        if (!keys || json_array_size(keys) == 0)
            return err_set(r->err, ERR_VALIDATION, TXT_BG_EMPTY, name);
        bg_table *bt = &tabs[ti];
        bt->name = name;
        bt->name_len = json_object_iter_key_len(json_object_key_to_iter(name));
        bt->spec = spec;
        bt->first = total;
        bt->n = json_array_size(keys);
        total += bt->n;
        bool present = false;
        if ((rc = api_mixed_check(r, spec, get_legacy, get_expr_params)) ||
            (rc = api_json_bool(spec, "ConsistentRead", &present, &bt->consistent, r->err)))
            return rc;
        uint64_t *d = arena_alloc(r->arena, sizeof *d * bt->n);
        if (!d)
            return api_nomem(r);
        for (size_t i = 0; i < bt->n; i++) {
            if ((rc = api_item_from_json(r, json_array_get(keys, i), &ksrc[bt->first + i])) ||
                (rc = bg_dup_at(r, &ksrc[bt->first], d, i)))
                return rc;
            if (++counted > BATCH_GET_MAX)
                return err_set(r->err, ERR_VALIDATION, TXT_BG_TOO_MANY);
        }
        if ((rc = api_exprs_init(r, spec, &bt->x, get_expr_params, NULL)) ||
            (rc = api_exprs_get(r, spec, &bt->x, "ProjectionExpression", EXPR_PROJECTION,
                                &bt->proj)))
            return rc;
        if (!bt->proj && (rc = api_legacy_attrs(r, spec, &bt->proj)))
            return rc;
        if ((rc = api_exprs_done(r, &bt->x)))
            return rc;
        ti++;
    }
    *out_tabs = tabs;
    *out_nt = nt;
    *out_total = total;
    *out_ksrc = ksrc;
    return 0;
}

/* The request's tables (bt->t), then each key against its table's key schema: *out_kptr[k]
 * the key of keys[k] (arena), *out_ktab[k] its table.  The same key twice, also under another
 * RequestItems entry of the same table, is refused. */
static int bg_keys(api_req *r, bg_table *tabs, size_t nt, size_t total, const av_t *ksrc,
                   const store_table ***out_ktab, const av_t ***out_kptr)
{
    const store_table **ktab = arena_zalloc(r->arena, sizeof *ktab * total);
    const av_t **kptr = arena_zalloc(r->arena, sizeof *kptr * total);
    av_t *kv = arena_zalloc(r->arena, sizeof *kv * total);
    uint64_t *kd = arena_alloc(r->arena, sizeof *kd * total);
    if (!ktab || !kptr || !kv || !kd)
        return api_nomem(r);
    int rc;
    for (size_t ti = 0; ti < nt; ti++) {
        bg_table *bt = &tabs[ti];
        if ((rc = api_table_get(r, bt->name, bt->name_len, &bt->t)) ||
            (rc = api_exprs_keys_check(r, &bt->x, bt->t)))
            return rc;
        for (size_t i = 0; i < bt->n; i++) {
            size_t k = bt->first + i;
            if ((rc = api_key_extract(r, &bt->t->key, &ksrc[k], API_KEY_PARAM, &kv[k])))
                return rc;
            kd[k] = bk_digest(&kv[k]);
            /* every earlier key of the same table, also under another RequestItems key (the
             * table by name and by ARN: review22 MEDIUM 3, test_table_arn
             * test_batch_by_arn) */
            for (size_t j = 0; j < k; j++)
                if (kd[j] == kd[k] && ktab[j] && ktab[j]->id == bt->t->id &&
                    api_key_equal(&bt->t->key, &kv[j], &kv[k]))
                    return err_set(r->err, ERR_VALIDATION, TXT_DUP_KEYS);
            ktab[k] = bt->t;
            kptr[k] = &kv[k];
        }
    }
    *out_ktab = ktab;
    *out_kptr = kptr;
    return 0;
}

/* The keys' items as stored (items[k], found[k], in request order), read in one snapshot and
 * each decoded only while it is answered (100 keys of 240 KB items: 165 MB decoded at once in
 * the request's arena before, for an answer of 16 MB; wider ones ran out of it).  With
 * --throttle each key is admitted on its own: *out_skip[k] for those refused (NULL when none
 * is throttled); the request's error when none is admitted.  *out_unread[k] for the keys past
 * BATCH_GET_MAX_STORED, not read (NULL when all were).  Both go back as UnprocessedKeys. */
static int bg_read(api_req *r, const bg_table *tabs, size_t nt, size_t total,
                   const store_table **ktab, const av_t **kptr, store_bytes *items, bool *found,
                   bool **out_skip, bool **out_unread)
{
    bool *thr_skip = NULL;
    const store_table **rtab = ktab;
    const av_t **rptr = kptr;
    size_t nrun = total;
    store_bytes *ritems = items;
    bool *rfound = found;
    if (r->api->thr) {
        thr_skip = arena_zalloc(r->arena, sizeof *thr_skip * total);
        rtab = arena_zalloc(r->arena, sizeof *rtab * total);
        rptr = arena_zalloc(r->arena, sizeof *rptr * total);
        ritems = arena_zalloc(r->arena, sizeof *ritems * total);
        rfound = arena_zalloc(r->arena, sizeof *rfound * total);
        if (!thr_skip || !rtab || !rptr || !ritems || !rfound)
            return api_nomem(r);
        nrun = 0;
        for (size_t ti = 0; ti < nt; ti++)
            for (size_t i = 0; i < tabs[ti].n; i++) {
                size_t k = tabs[ti].first + i;
                if (api_thr_admit(r, ktab[k], NULL, false, bg_min_h(&tabs[ti]))) {
                    thr_skip[k] = true;
                    continue;
                }
                rtab[nrun] = ktab[k];
                rptr[nrun++] = kptr[k];
            }
        if (nrun == 0)
            return r->err->code; /* nothing admitted: the first refusal */
        api_err_forget(r);
    }
    size_t nread = 0; /* keys read: the others past BATCH_GET_MAX_STORED go back unprocessed */
    int rc = store_get_many_stored_capped(r->api->store, rtab, rptr, nrun, r->arena, ritems, rfound,
                                          BATCH_GET_MAX_STORED, &nread, r->err);
    if (rc)
        return rc;
    bool *unread = NULL;
    if (nread < nrun && !(unread = arena_zalloc(r->arena, sizeof *unread * total)))
        return api_nomem(r);
    for (size_t k = 0, j = 0; k < total && (thr_skip || unread); k++)
        if (!thr_skip || !thr_skip[k]) { /* the answers back in request order */
            items[k] = ritems[j];
            found[k] = rfound[j];
            if (unread)
                unread[k] = j >= nread;
            j++;
        }
    *out_skip = thr_skip;
    *out_unread = unread;
    return 0;
}

/* A found item's size (*sz) as it is answered.  Without a projection, as GetItem: text mode
 * writes the stored bytes into o and reads their size in one walk (the caller takes them back
 * when past 16 MB: ao_unwrite), the other modes read the size without decoding
 * (av_stored_scan); with one, the item is decoded into *full (values in ia).  A corrupt
 * stored item is an InternalServerError. */
static int bg_item_size(api_req *r, api_out *o, const bg_table *bt, const void *data, size_t len,
                        arena_t *ia, av_t *full, size_t *sz)
{
    int rc;
    if (bt->proj) {
        int d = av_decode(data, len, ia, full);
        if (d || full->type != AV_M)
            return d == ERR_NOMEM ? api_nomem(r)
                                  : err_set(r->err, ERR_INTERNAL, "corrupt stored item");
        *sz = av_item_size(full);
    } else if (r->w) {
        if ((rc = ao_item_stored_scan(o, NULL, data, len, ia, NULL, NULL, 0, NULL, sz)))
            return rc == ERR_INTERNAL ? err_set(r->err, rc, "corrupt stored item") : api_nomem(r);
    } else if (av_stored_scan(data, len, NULL, NULL, 0, NULL, sz)) {
        return err_set(r->err, ERR_INTERNAL, "corrupt stored item");
    }
    return 0;
}

/* UnprocessedKeys: each table with keys left (lefts[ti], taken), with its parameters as
 * sent, so the caller can resend it as it is. */
static void bg_unprocessed_out(api_req *r, api_out *o, bg_table *tabs, size_t nt, json_t **lefts)
{
    ao_obj(o, "UnprocessedKeys");
    for (size_t ti = 0; ti < nt; ti++) {
        if (!lefts[ti])
            continue;
        /* the table's parameters as sent, with the keys left */
        json_t *spec = json_copy(bg_spec(r, &tabs[ti]));
        if (!spec)
            json_decref(lefts[ti]);
        else if (json_object_set_new(spec, "Keys", lefts[ti])) { /* takes lefts[ti] */
            json_decref(spec);
            spec = NULL;
        }
        ao_json(o, tabs[ti].name, spec); /* NULL (out of memory): the reply fails, 500 */
    }
    ao_close(o);
}

int op_batch_get_item(api_req *r, json_t **out)
{
    bg_table *tabs = NULL;
    size_t nt = 0, total = 0, ti;
    api_rcc rcc = API_RCC_NONE;
    av_t *ksrc = NULL;
    int rc = r->jbody && !r->api->thr ? bg_parse_jr(r, r->jbody, &tabs, &nt, &total, &rcc, &ksrc)
                                      : BG_JANSSON;
    if (rc) { /* not the common request: the jansson path from the start */
        rcc = API_RCC_NONE;
        if ((rc = api_req_body(r)) || (rc = bg_parse_json(r, &tabs, &nt, &total, &rcc, &ksrc)))
            return rc;
    }
    /* two identical Keys entries of one table: bg_dup_given (the jansson path found them
     * already, table by table; the reader-tree path's come here) */
    for (ti = 0; ti < nt; ti++)
        if ((rc = bg_dup_given(r, &ksrc[tabs[ti].first], tabs[ti].n)))
            return rc;
    const store_table **ktab = NULL;
    const av_t **kptr = NULL;
    if ((rc = bg_keys(r, tabs, nt, total, ksrc, &ktab, &kptr)))
        return rc;
    store_bytes *items = arena_zalloc(r->arena, sizeof *items * total); /* as stored */
    bool *found = arena_zalloc(r->arena, sizeof *found * total);
    if (!items || !found)
        return api_nomem(r);
    bool *thr_skip = NULL, *unread = NULL;
    if ((rc = bg_read(r, tabs, nt, total, ktab, kptr, items, found, &thr_skip, &unread)))
        return rc;
    /* per table: the items answered, the keys left (a jansson tree only when there are
     * any), the capacity consumed */
    api_cap *caps = arena_zalloc(r->arena, sizeof *caps * nt);
    json_t **lefts = arena_zalloc(r->arena, sizeof *lefts * nt);
    if (!caps || !lefts)
        return api_nomem(r);
    api_out *o = api_reply(r);
    ao_obj(o, "Responses");
    uint64_t sent = 0; /* bytes of items answered so far (16 MB rule) */
    arena_t one;       /* the item being answered, decoded; reset after each */
    arena_init(&one);
    /* value mode (api_call_sink): the sink may keep the items until the call returns */
    arena_t *ia = r->sink ? r->arena : &one;
    for (ti = 0; ti < nt; ti++) {
        bg_table *bt = &tabs[ti];
        json_t *left = NULL;
        ao_arr(o, bt->name);
        json_t *keys = NULL; /* the table's Keys, for UnprocessedKeys (bg_spec) */
        api_cap *cap = &caps[ti];
        /* the table as the request named it: a given ARN comes back (the API Reference's
         * ConsumedCapacity.TableName: "If you had specified the Amazon Resource Name (ARN)
         * of a table in the input, you'll see the table ARN in the response"), as do the
         * Responses' and UnprocessedKeys' keys (test_table_arn test_batch_by_arn) */
        cap->table = bt->name;
        size_t admitted = 0;
        for (size_t i = 0; i < bt->n; i++) {
            size_t k = bt->first + i;
            /* throttled, or past 64 MB of stored bytes or of text (as past 16 MB, below:
             * review15 F1): back as unprocessed */
            if ((thr_skip && thr_skip[k]) || (unread && unread[k]) ||
                (found[k] && api_reply_past(r, BATCH_GET_MAX_TEXT))) {
                bg_unprocessed(r, bt, &left, &keys, i);
                continue;
            }
            admitted++;
            if (!found[k])
                continue;
            const void *data = items[k].data;
            size_t len = items[k].len, sz = 0;
            av_t full;
            arena_reset(&one);
            if ((rc = bg_item_size(r, o, bt, data, len, ia, &full, &sz)))
                goto fail;
            if (sent + sz > BATCH_GET_MAX_BYTES) {
                /* past 16 MB: this key and the rest go back as UnprocessedKeys, with the
                 * table's other parameters, so the caller can resend them as they are */
                if (!bt->proj && r->w)
                    ao_unwrite(o);
                bg_unprocessed(r, bt, &left, &keys, i);
                continue;
            }
            sent += sz;
            cap->table_h += api_cap_read_h(sz, bt->consistent);
            if (!bt->proj) {
                if (r->w)
                    ao_kept(o);
                else
                    ao_item_stored(o, NULL, data, len, ia);
                continue;
            }
            av_t p = full;
            /* r->arena: the projection keeps its plan there (expr_project), and what it
             * builds is small; the values it takes stay in ia until written */
            if ((rc = expr_project(r->arena, bt->proj, &full, &p, r->err)))
                goto fail;
            if (p.type != AV_M) {
                p.type = AV_M;
                p.u.map.kv = NULL;
                p.u.map.n = 0;
            }
            ao_item(o, NULL, &p);
        }
        ao_close(o);
        arena_reset(&one);
        lefts[ti] = left;
        api_metrics_read(r, bt->t, cap->table_h);
        api_thr_charge_read(r, bt->t, NULL, cap->table_h, admitted * bg_min_h(bt));
        continue;
    fail:
        lefts[ti] = left;
        for (size_t j = 0; j <= ti; j++)
            json_decref(lefts[j]);
        arena_fini(&one);
        return rc;
    }
    arena_fini(&one);
    ao_close(o);
    bg_unprocessed_out(r, o, tabs, nt, lefts);
    if (rcc != API_RCC_NONE) {
        ao_arr(o, "ConsumedCapacity");
        for (ti = 0; ti < nt; ti++)
            api_cap_out(o, NULL, &caps[ti], rcc, false);
        ao_close(o);
    }
    (void)out;
    return 0;
}

/* ---- BatchWriteItem ------------------------------------------------------------------- */

/* One table of a BatchWriteItem request: its requests are [first, first + n) of the
 * request-wide arrays, in request order. */
typedef struct bw_table {
    const char *name;           /* NUL-terminated (jansson's key, or an arena copy) */
    size_t name_len;            /* its length (a NUL inside counts) */
    size_t first, n;
    json_t *list;               /* the jansson path: the table's array */
    const jread_val *jlist;     /* the common path: the table's array */
} bw_table;

/* The request, as both paths leave it for the common part (from the tables on). */
typedef struct bw_req {
    bw_table *tabs;
    size_t nt, total;
    api_wctx *cx; /* kind of each request */
    av_t *docs;   /* each PutRequest's Item / DeleteRequest's Key, as an M */
    api_rcc rcc;
    bool ricm;
} bw_req;

static int bw_alloc(api_req *r, bw_req *q)
{
    q->cx = arena_zalloc(r->arena, sizeof *q->cx * q->total);
    q->docs = arena_zalloc(r->arena, sizeof *q->docs * q->total);
    return q->cx && q->docs ? 0 : api_nomem(r);
}

/* ---- the common request from our reader's tree (issue 13; bg_parse_jr's pattern) ----
 *
 * RequestItems of tables each with a non-empty list of at most 25 requests in all, each
 * {"PutRequest":{"Item":{...}}} or {"DeleteRequest":{"Key":{...}}} and nothing else,
 * ReturnConsumedCapacity and ReturnItemCollectionMetrics with valid values, no other member
 * and no JSON null: read straight into values with the jansson path's checks before the
 * tables (the values, the item sizes), calling the same functions.  Anything unusual or
 * refused there returns BW_JANSSON without a side effect and the request takes the jansson
 * path from the start, so the first refusal is the same by construction; from the tables on
 * both paths run the same code (tests/unit/api/test_api_jread.c compares the answers). */

#define BW_JANSSON 1

static int bw_parse_jr(api_req *r, const jread_val *b, bw_req *q)
{
    const jread_val *ri = NULL;
    for (const jread_val *v = b->child; v; v = v->next) {
        if (API_JR_KEY(v, "RequestItems") && v->type == JREAD_OBJECT && v->n > 0)
            ri = v;
        else if (API_JR_KEY(v, "ReturnItemCollectionMetrics") &&
                 (API_JR_TEXT(v, "SIZE") || API_JR_TEXT(v, "NONE")))
            q->ricm = API_JR_TEXT(v, "SIZE");
        else if (!api_rcc_jr(v, &q->rcc) && api_schema_knows(v->key, v->key_len))
            return BW_JANSSON;
    }
    if (!ri)
        return BW_JANSSON;
    q->nt = ri->n;
    if (!(q->tabs = arena_zalloc(r->arena, sizeof *q->tabs * q->nt)))
        return BW_JANSSON;
    size_t ti = 0;
    for (const jread_val *t = ri->child; t; t = t->next, ti++) {
        bw_table *bt = &q->tabs[ti];
        if (t->type != JREAD_ARRAY || t->n == 0 ||
            !(bt->name = arena_strndup(r->arena, t->key, t->key_len)))
            return BW_JANSSON;
        bt->name_len = t->key_len;
        bt->jlist = t;
        bt->first = q->total;
        bt->n = t->n;
        q->total += t->n;
    }
    if (q->total > BATCH_WRITE_MAX || bw_alloc(r, q))
        return BW_JANSSON;
    size_t k = 0;
    for (ti = 0; ti < q->nt; ti++)
        for (size_t i = 0; i < q->tabs[ti].n; i++, k++) {
            const jread_val *e = q->tabs[ti].jlist->items[i], *m, *doc = NULL;
            if ((m = API_JR_SOLE_OBJ(e, "PutRequest")) && (doc = API_JR_SOLE_OBJ(m, "Item")))
                q->cx[k].kind = API_W_PUT;
            else if ((m = API_JR_SOLE_OBJ(e, "DeleteRequest")) &&
                     (doc = API_JR_SOLE_OBJ(m, "Key")))
                q->cx[k].kind = API_W_DELETE;
            if (!doc || ddbjson_to_item_jr_in(doc, (ddbjson_layer)r->values, r->arena, &q->docs[k], r->err)) {
                err_clear(r->err);
                return BW_JANSSON;
            }
        }
    /* an item over the size limit: the jansson path's first refusal too (bw_parse_json checks
     * each request's size after its values: every request converted here, so the first item
     * over the limit is the first refusal there too), answered
     * without its tree (16 items of ~390 KB took 531 MB through it, 161 MB here) */
    for (k = 0; k < q->total; k++) {
        int rc;
        if (q->cx[k].kind == API_W_PUT &&
            (rc = api_item_size_check(r, &q->docs[k], TXT_ITEM_TOO_BIG)))
            return rc;
    }
    return 0;
}

/* The request-level part from the jansson tree: every check before the tables, in the
 * service's order. */
static int bw_parse_json(api_req *r, bw_req *q)
{
    json_t *b = r->body, *ri = NULL;
    int rc = api_json_obj(b, "RequestItems", &ri, r->err);
    if (rc)
        return rc;
    if (!ri || json_object_size(ri) == 0)
        return err_set(r->err, ERR_VALIDATION, TXT_BW_NONE);
    if ((rc = api_rcc_parse(r, b, &q->rcc)) || (rc = api_ricm_parse(r, b, &q->ricm)))
        return rc;
    q->nt = json_object_size(ri);
    if (!(q->tabs = arena_zalloc(r->arena, sizeof *q->tabs * q->nt)))
        return api_nomem(r);
    const char *name;
    json_t *list;
    size_t ti = 0;
    json_object_foreach(ri, name, list) {
        if (!json_is_array(list) || json_array_size(list) == 0)
            return err_set(r->err, ERR_VALIDATION, TXT_BW_EMPTY, name);
        bw_table *bt = &q->tabs[ti++];
        bt->name = name;
        bt->name_len = json_object_iter_key_len(json_object_key_to_iter(name));
        bt->list = list;
        bt->first = q->total;
        bt->n = json_array_size(list);
        q->total += bt->n;
    }
    if (q->total > BATCH_WRITE_MAX)
        return err_set(r->err, ERR_VALIDATION, TXT_BW_TOO_MANY);
    if ((rc = bw_alloc(r, q)))
        return rc;
    /* Every request's JSON is converted before any table is looked up (DynamoDB Local
     * reports a bad value in a later table's request before a missing earlier table), each
     * request's values then its item's size, request by request: an item over the limit is
     * reported before a later request's bad value (dynalite's AWS-checked batchWriteItem
     * validation; DynamoDB Local agrees; test_items.py test_two_rule_order).  A table's
     * empty request ({}: neither PutRequest nor DeleteRequest) is reported before any of
     * that table's values, wherever it stands in the list (dynalite's AWS-checked
     * batchWriteItem validation checks the list for one first; DynamoDB Local deviates: it
     * reports an earlier request's bad value; test_two_rule_order) */
    size_t k = 0;
    for (ti = 0; ti < q->nt; ti++) {
        for (size_t i = 0; i < q->tabs[ti].n; i++) {
            json_t *req = json_array_get(q->tabs[ti].list, i);
            if (!json_is_object(req) ||
                (!api_param(req, "PutRequest") && !api_param(req, "DeleteRequest")))
                return err_set(r->err, ERR_VALIDATION, TXT_BW_ONE_OF);
        }
        for (size_t i = 0; i < q->tabs[ti].n; i++, k++) {
            json_t *req = json_array_get(q->tabs[ti].list, i);
            json_t *put = json_is_object(req) ? api_param(req, "PutRequest") : NULL;
            json_t *del = json_is_object(req) ? api_param(req, "DeleteRequest") : NULL;
            if ((put != NULL) == (del != NULL))
                return err_set(r->err, ERR_VALIDATION, TXT_BW_ONE_OF);
            json_t *j = put ? api_param(put, "Item") : api_param(del, "Key");
            if (!j)
                return err_set(r->err, ERR_VALIDATION, TXT_BW_NULL_ITEM);
            if ((rc = api_item_from_json(r, j, &q->docs[k])) ||
                (put && (rc = api_item_size_check(r, &q->docs[k], TXT_ITEM_TOO_BIG))))
                return rc;
            q->cx[k].kind = put ? API_W_PUT : API_W_DELETE;
        }
    }
    return 0;
}

/* Request k (of table bt, its i-th) as sent, for UnprocessedItems: a new reference, NULL when
 * out of memory (the reply then fails: 500). */
static json_t *bw_sent(const bw_table *bt, size_t i)
{
    if (bt->list)
        return json_incref(json_array_get(bt->list, i));
    return jread_to_jansson(bt->jlist->items[i]);
}

/* The reply of a BatchWriteItem the store has run (w: the writes, in request order; skip:
 * those left unprocessed, or NULL). */
static int bw_reply(api_req *r, const bw_req *qp, store_write *w, const av_t *keys,
                    const bool *skip)
{
    const bw_req q = *qp;
    size_t total = q.total, nt = q.nt;
    const api_wctx *cx = q.cx;
    /* store_write_each runs each write on its own: one the shared arena budget refused in its
     * apply step was not applied while others were; it goes back unprocessed, as a
     * throttled one (the batch answered busy would hide the applied ones) */
    if (r->applied && r->arena_refused) {
        bool *sk = arena_zalloc(r->arena, total ? total : 1);
        if (!sk)
            return api_nomem(r);
        for (size_t i = 0; i < total; i++)
            sk[i] = (skip && skip[i]) || w[i].rc == ERR_NOMEM;
        skip = sk;
    }
    for (size_t i = 0; i < total; i++)
        if (!(skip && skip[i]) && w[i].rc)
            return err_set(r->err, w[i].rc, "%s", w[i].err.msg);
    for (size_t k = 0; k < total; k++) /* a vector is billed at 4 bytes a dimension */
        if (!(skip && skip[k]))
            api_vix_bill(w[k].table, &w[k]);
    /* per table: the capacity consumed (charged here), then the reply */
    api_cap *caps = arena_zalloc(r->arena, sizeof *caps * nt);
    if (!caps)
        return api_nomem(r);
    for (size_t ti = 0; ti < nt; ti++) {
        const bw_table *bt = &q.tabs[ti];
        const store_table *t = w[bt->first].table;
        api_cap *cap = &caps[ti];
        cap->table = bt->name; /* as the request named it (BatchGetItem's, above) */
        size_t admitted = 0;
        for (size_t k = bt->first; k < bt->first + bt->n; k++) {
            if (skip && skip[k])
                continue;
            admitted++;
            const av_t *old = w[k].old.type == AV_M ? &w[k].old : NULL;
            const av_t *nw = cx[k].kind == API_W_PUT ? cx[k].item : NULL;
            uint64_t sz = w[k].old_size > w[k].new_size ? w[k].old_size : w[k].new_size;
            cap->table_h += api_cap_write_h(sz);
            api_cap_add_index_writes(cap, t, old, nw);
        }
        api_metrics_write(r, t, cap->table_h);
        api_thr_charge_write(r, t, cap, admitted * API_THR_WRITE);
    }
    api_out *o = api_reply(r);
    /* held or throttled writes: back as unprocessed, as sent */
    ao_obj(o, "UnprocessedItems");
    for (size_t ti = 0; skip && ti < nt; ti++) {
        const bw_table *bt = &q.tabs[ti];
        bool open = false;
        for (size_t i = 0; i < bt->n; i++) {
            if (!skip[bt->first + i])
                continue;
            if (!open)
                ao_arr(o, bt->name);
            open = true;
            ao_json(o, NULL, bw_sent(bt, i));
        }
        if (open)
            ao_close(o);
    }
    ao_close(o);
    if (q.rcc != API_RCC_NONE) {
        ao_arr(o, "ConsumedCapacity");
        for (size_t ti = 0; ti < nt; ti++)
            api_cap_out(o, NULL, &caps[ti], q.rcc, false);
        ao_close(o);
    }
    if (q.ricm) {
        ao_obj(o, "ItemCollectionMetrics");
        for (size_t ti = 0; ti < nt; ti++) {
            const bw_table *bt = &q.tabs[ti];
            bool open = false;
            for (size_t k = bt->first; k < bt->first + bt->n; k++) {
                if ((skip && skip[k]) || !api_ricm_has(w[k].table, &keys[k], &w[k]))
                    continue;
                if (!open)
                    ao_arr(o, bt->name);
                open = true;
                api_ricm_out(o, NULL, w[k].table, &keys[k], &w[k]);
            }
            if (open)
                ao_close(o);
        }
        ao_close(o);
    }
    return 0;
}

/* A BatchWriteItem answered later (issue 13.3 design (a), as op_item.c's write_later): its
 * request and writes live in the request's arena; the reply is built by the thread that
 * committed them, after the sync. */
typedef struct bw_later {
    api_req *r;
    bw_req q;
    store_write *w;
    const av_t *keys;
} bw_later;

static void bw_later_done(void *ctx, int rc, const err_t *e)
{
    unsigned long oom0 = mem_failures(); /* this thread's, before the reply is built */
    bw_later *c = ctx;
    if (rc) {
        err_set(c->r->err, rc, "%s", e->msg);
    } else {
        api_writes_applied(c->r, c->w, c->q.total);
        rc = bw_reply(c->r, &c->q, c->w, c->keys, NULL);
    }
    api_later_finish(c->r, rc, oom0);
}

int op_batch_write_item(api_req *r, json_t **out)
{
    bw_req q;
    memset(&q, 0, sizeof q);
    int rc = r->jbody ? bw_parse_jr(r, r->jbody, &q) : BW_JANSSON;
    if (rc < 0) /* an item over the size limit, refused as the jansson path refuses it */
        return rc;
    if (rc) { /* not the common request: the jansson path from the start */
        memset(&q, 0, sizeof q);
        if ((rc = api_req_body(r)) || (rc = bw_parse_json(r, &q)))
            return rc;
    }
    size_t total = q.total, nt = q.nt;
    api_wctx *cx = q.cx;
    store_write *w = store_writes_new(r->arena, total);
    av_t *keys = arena_zalloc(r->arena, sizeof *keys * total);
    uint64_t *kd = arena_alloc(r->arena, sizeof *kd * total);
    if (!w || !keys || !kd)
        return api_nomem(r);
    for (size_t ti = 0; ti < nt; ti++) {
        const bw_table *bt = &q.tabs[ti];
        const store_table *t = NULL;
        if ((rc = api_table_get(r, bt->name, bt->name_len, &t)))
            return rc;
        for (size_t k = bt->first; k < bt->first + bt->n; k++) {
            if (cx[k].kind == API_W_PUT) {
                if ((rc = api_key_extract(r, &t->key, &q.docs[k], API_KEY_ITEM_BATCH,
                                          &keys[k])) ||
                    (rc = api_item_index_keys_check(r, t, &q.docs[k])))
                    return rc;
                cx[k].item = &q.docs[k];
            } else if ((rc = api_key_extract(r, &t->key, &q.docs[k], API_KEY_PARAM,
                                             &keys[k]))) {
                return rc;
            }
            kd[k] = bk_digest(&keys[k]);
            /* every earlier write of the same table, also under another RequestItems key
             * (by name and by ARN; BatchGetItem's above) */
            for (size_t j = 0; j < k; j++)
                if (kd[j] == kd[k] && w[j].table && w[j].table->id == t->id &&
                    api_key_equal(&t->key, &keys[j], &keys[k]))
                    return err_set(r->err, ERR_VALIDATION, TXT_DUP_KEYS);
            cx[k].t = t;
            cx[k].key = &keys[k];
            w[k].table = t;
            w[k].key = &keys[k];
            w[k].apply = api_write_apply;
            w[k].ctx = &cx[k];
            w[k].arena = r->arena;
            w[k].want_old = q.rcc != API_RCC_NONE || (r->api->thr && t->n_idx);
            w[k].item = cx[k].kind == API_W_PUT ? cx[k].item : NULL; /* encoded before the
                                                                         round */
        }
    }
    (void)out;
    if (r->later) { /* api_call_out_jr_later: no --transaction-conflicts, no --throttle */
        bw_later *c = arena_alloc(r->arena, sizeof *c);
        if (!c)
            return api_nomem(r);
        *c = (bw_later){r, q, w, keys};
        api_later_suspend(r);
        rc = store_write_each_later(r->api->store, w, total, bw_later_done, c, r->err);
        if (rc) /* not queued (the store is closing): answered with the error, now */
            api_later_finish(r, rc, mem_failures());
        return API_LATER;
    }
    /* --transaction-conflicts: a write of an item an ongoing transaction holds is left
     * unprocessed (BatchWriteItem has no TransactionConflictException among its errors: the
     * API Reference returns an item-level failure in UnprocessedItems); the others hold their
     * items while they run.  --throttle: each write admitted on its own; the others are left
     * unprocessed. */
    bool *skip = NULL, *busy = NULL;
    uint64_t *hk = NULL;
    store_write *run = w;
    size_t nrun = total, nheld = 0;
    if (r->api->txn_conflicts || r->api->thr) {
        skip = arena_zalloc(r->arena, sizeof *skip * total);
        run = arena_zalloc(r->arena, sizeof *run * total);
        if (!skip || !run)
            return api_nomem(r);
    }
    if (r->api->txn_conflicts) {
        hk = arena_alloc(r->arena, sizeof *hk * total);
        busy = arena_zalloc(r->arena, sizeof *busy * total);
        if (!hk || !busy)
            return api_nomem(r);
        for (size_t i = 0; i < total; i++)
            if (api_hold_key(w[i].table, w[i].key, &hk[i]))
                hk[i] = 0;
        if (api_hold_writes(r->api, hk, total, busy))
            return api_nomem(r);
        for (size_t i = 0; i < total; i++)
            nheld += skip[i] = busy[i];
        api_hold_wait(r->api);
    }
    if (skip) {
        nrun = 0;
        for (size_t i = 0; i < total; i++) {
            if (skip[i])
                continue;
            if (r->api->thr && api_thr_admit(r, w[i].table, NULL, true, API_THR_WRITE))
                skip[i] = true;
            else
                run[nrun++] = w[i];
        }
        if (nrun == 0 && nheld == 0 && r->err->code) {
            if (hk)
                api_hold_writes_release(r->api, hk, total, busy);
            return r->err->code; /* nothing admitted: the first refusal */
        }
        api_err_forget(r);
    }
    rc = nrun ? store_write_each(r->api->store, run, nrun, r->err) : 0;
    if (hk)
        api_hold_writes_release(r->api, hk, total, busy);
    if (rc)
        return rc;
    api_writes_applied(r, run, nrun);
    if (skip) /* the results back in request order */
        for (size_t i = 0, j = 0; i < total; i++)
            if (!skip[i])
                w[i] = run[j++];
    return bw_reply(r, &q, w, keys, skip);
}
