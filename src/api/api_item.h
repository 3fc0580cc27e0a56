/*
 * api_item — helpers shared by the item-level operations.  Layer: api (private).
 *
 * Used by op_item.c, op_query.c, op_batch.c and op_transact.c: request parameter access,
 * key extraction and validation against a table's key schema, the expression parameters of
 * one request (ExpressionAttributeNames/Values -> expr_env, parse + resolve, unused checks),
 * ReturnValues, ConsumedCapacity arithmetic and ReturnItemCollectionMetrics.
 *
 * Everything allocated lives in the request arena (r->arena); JSON results are new
 * references the caller owns.  Error texts are the service's (api_text.h; pinned by
 * tests/e2e/test_items.py, which names DynamoDB Local's deviations, and
 * tests/unit/api/test_op_item.c).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
 */
#ifndef DDB_API_API_ITEM_H
#define DDB_API_API_ITEM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_out.h"
#include "expr/expr.h"
#include "store/store.h"
#include "value/jread.h"

/* ---- parameters ----------------------------------------------------------------------- */

/* The member `name` of object `o` when it is present and not JSON null, else NULL.
 * (Typed access: api_validate.h's api_json_*.) */
json_t *api_param(const json_t *o, const char *name);

/* Over our reader's tree (value/jread.h), for the fast paths of op_item.c, op_query.c,
 * op_batch.c and op_transact.c: whether member m's name is exactly `name` (len bytes), and
 * whether v is a string of exactly `lit` (len bytes; a value of any other type is not).
 * API_JR_KEY / API_JR_TEXT take a string literal. */
static inline bool api_jr_key(const jread_val *m, const char *name, size_t len)
{
    return m->key_len == len && memcmp(m->key, name, len) == 0;
}

static inline bool api_jr_text(const jread_val *v, const char *lit, size_t len)
{
    return v->type == JREAD_STRING && v->len == len && memcmp(v->text, lit, len) == 0;
}

#define API_JR_KEY(m, lit) api_jr_key(m, lit, sizeof lit - 1)
#define API_JR_TEXT(v, lit) api_jr_text(v, lit, sizeof lit - 1)

/* The only member of object v when it is named `name` (len bytes) and is itself an object
 * ({"PutRequest":{...}}, a TransactItems entry's {"Get":{...}}), else NULL. */
static inline const jread_val *api_jr_sole_obj(const jread_val *v, const char *name, size_t len)
{
    if (v->type != JREAD_OBJECT || v->n != 1 || !api_jr_key(v->child, name, len) ||
        v->child->type != JREAD_OBJECT)
        return NULL;
    return v->child;
}
#define API_JR_SOLE_OBJ(v, lit) api_jr_sole_obj(v, lit, sizeof lit - 1)

/* The table named `name` (len bytes) for an item operation: ERR_RESOURCE_NOT_FOUND with
 * the service's "Requested resource not found" when there is none.  The name's constraints
 * were checked by the model (api_validate_request). */
int api_table_get(api_req *r, const char *name, size_t len, const store_table **out);
/* The table named by o["TableName"] (api_table_get).  ERR_VALIDATION (absent),
 * ERR_SERIALIZATION, ERR_RESOURCE_NOT_FOUND. */
int api_item_table(api_req *r, json_t *o, const store_table **out);

/* ---- keys ----------------------------------------------------------------------------- */

/* Key attribute names of a key definition: names[0] = hash, names[1] = range (if any);
 * returns the count (1 or 2). */
size_t api_key_names(const store_keydef *kd, const char *names[2]);

/* What a key is checked as (the service words each differently). */
typedef enum api_keyform {
    API_KEY_PARAM = 0,  /* a Key parameter: exactly the key attributes; a missing, extra or
                           mistyped attribute is "The provided key element does not match the
                           schema" */
    API_KEY_ITEM,       /* an item (PutItem, a transaction's Put): "Missing the key pk in the
                           item", "Type mismatch for key pk expected: S actual: N" */
    API_KEY_ITEM_BATCH, /* BatchWriteItem's PutRequest: a missing or mistyped key is the
                           schema text */
} api_keyform;

/* Which family a key failure belongs to: the schema (missing / extra / mistyped attribute:
 * a transaction reports it as a cancellation reason) or the value (empty, too long: always
 * a ValidationException of the whole request). */
/* A key's failure family: SCHEMA (missing, mistyped), VALUE (an empty S/B value), SIZE (a
 * value over the hash or range key limit). */
typedef enum api_keyerr {
    API_KEYERR_NONE = 0,
    API_KEYERR_SCHEMA,
    API_KEYERR_VALUE,
    API_KEYERR_SIZE
} api_keyerr;

/* Extracts the key of `src` (an M) per `kd` into *out_key (an M holding only the key
 * attributes, arena), checking presence, types, empty S/B values and the key size limits
 * with the service's texts for `form`.  *out_cls (may be NULL) tells the failure's family.
 * ERR_VALIDATION. */
int api_key_check(api_req *r, const store_keydef *kd, const av_t *src, api_keyform form,
                  av_t *out_key, api_keyerr *out_cls);
int api_key_extract(api_req *r, const store_keydef *kd, const av_t *src, api_keyform form,
                    av_t *out_key);
/* Whether `name` (len bytes) is one of kd's key attributes (any of a multi-attribute key's). */
bool api_key_has_attr(const store_keydef *kd, const char *name, size_t len);
/* Whether attribute `name` is held by index ix of table t: its projection, the index's key
 * attributes and the table's. */
bool api_index_has_attr(const store_table *t, const store_index *ix, const char *name,
                        size_t len);
/* Parses a JSON item / key object into an av M (ddbjson) with DynamoDB's errors. */
int api_item_from_json(api_req *r, const json_t *j, av_t *out);
/* True when `a` and `b` (M values) have equal key attributes per kd (every attribute of a
 * multi-attribute index key). */
bool api_key_equal(const store_keydef *kd, const av_t *a, const av_t *b);
/* Checks the secondary-index key attributes `item` holds: the type each index declares, no
 * empty S/B; the offending index first by name is the one named ("Type mismatch for Index
 * Key a Expected: S Actual: N IndexName: gsi1").  before: for an update, the item before
 * it (only attributes whose value changed are checked; an empty value gets the update
 * wording); NULL for a put.  Then the key sizes and the vector indexes' rules
 * (api_vix_item_check).  ERR_VALIDATION into e.  The one place a write's new item meets the
 * index rules: every write path calls it (PutItem, BatchWriteItem, TransactWriteItems' Put,
 * PartiQL INSERT; updates of every API through api_write_apply), and nothing else calls
 * api_vix_item_check.  size: item's av_item_size when the caller has it (for the LSI entries'
 * 400 KB), else API_SIZE_UNKNOWN (measured here when t has an LSI).  upd: the update's
 * expression (NULL: none, a put): a type mismatch of an attribute its UpdateExpression SETs
 * is TXT_IDX_TYPE_UPDATE. */
#define API_SIZE_UNKNOWN SIZE_MAX
int api_index_keys_check(const store_table *t, const av_t *item, const av_t *before, size_t size,
                         const expr_t *upd,
                         err_t *e);
int api_item_index_keys_check(api_req *r, const store_table *t, const av_t *item);
/* An UpdateItem's static check, before the item is read and before its condition: an
 * update that gives a secondary-index key attribute a value whose type is known from the
 * request (expr_update_known_type: a placeholder, arithmetic, AttributeUpdates' PUT) and is
 * not the key's type is AWS's "Type mismatch for Index Key c Expected: S Actual: N
 * IndexName: i" (the offending index first by name, as api_index_keys_check), answered
 * before the update's paths into key attributes ("Key attributes must be scalars") and the
 * condition (dynalite's AWS-recorded updateItem tests "set d.a = a add c :a", "set e = c[1],
 * c = a + :a"), after an action on a table key attribute ("Cannot update attribute b", the
 * same tests' "update range key").  upd NULL: nothing to check.  ERR_VALIDATION into e. */
int api_update_static_index_types(const store_table *t, const expr_t *upd, err_t *e);
/* Checks the size of an item (400 KB) with the message `msg`. */
int api_item_size_check(api_req *r, const av_t *item, const char *msg);
/* The same, with a PUT's wctx told the size (api_wctx.item_size) when it passes. */
struct api_wctx;
int api_item_size_check_w(api_req *r, const av_t *item, const char *msg, struct api_wctx *w);
/* Checks an item's attribute names at every depth against the 65,535-byte limit
 * (TXT_ATTR_NAME_TOO_LONG).  ERR_VALIDATION. */
int api_item_names_check(const av_t *item, err_t *e);

/* ---- expressions ---------------------------------------------------------------------- */

/* The expression parameters of one request (or of one TransactWriteItems action). */
typedef struct api_exprs {
    expr_env env;
    bool have_env;
    const av_t *names;  /* parsed ExpressionAttributeNames (M) or NULL */
    const av_t *values; /* parsed ExpressionAttributeValues (M) or NULL */
    const store_table *t; /* set by the caller after init: api_exprs_done then checks that
                             no path dereferences a key attribute of t or of its indexes */
    const expr_t *got[4]; /* the condition / update / projection expressions resolved */
    size_t n_got;
    const expr_t *keys_later; /* one of got[] that api_exprs_keys_check leaves out (UpdateItem's
                                 update: checked after the condition, api_wctx.upd_keys) */
    bool env_refused; /* api_exprs_init_jr: the maps were read, and the env refused them */
} api_exprs;

/* Reads ExpressionAttributeNames / ExpressionAttributeValues of `o` ("must not be empty",
 * placeholder syntax) and prepares the env.  any_expr: whether `o` holds any of the
 * expression parameters in expr_params (NULL-terminated list); when it holds none,
 * EAN -> "ExpressionAttributeNames can only be specified when using expressions",
 * EAV -> "ExpressionAttributeValues can only be specified when using expressions: <null_what>"
 * (null_what e.g. "ConditionExpression is null"; "": the service's newer text without it,
 * TXT_EAV_NO_EXPR_AWS; NULL: values are allowed, as GetItem). */
int api_exprs_init(api_req *r, const json_t *o, api_exprs *x, const char *const *expr_params,
                   const char *null_what);
/* Parses and resolves o[param] as `kind`; *out NULL when the parameter is absent. */
int api_exprs_get(api_req *r, const json_t *o, api_exprs *x, const char *param,
                  expr_kind kind, expr_t **out);
/* From our reader's tree (value/jread.h; issue 13.1): api_exprs_init's work for members
 * names (ExpressionAttributeNames) and values (ExpressionAttributeValues), NULL when absent,
 * with any_expr / any_value_expr as api_exprs_init finds them (null_what set).  0 with x
 * ready when api_exprs_init accepts the same request and leaves the same env (strings copied
 * into r->arena); 1 when the members are not the common form (JSON null, not an object,
 * empty, a name's value not a string, no expression to use them); or an error code with
 * r->err set.  The caller takes the jansson path on anything but 0, which answers as before;
 * but when x->env_refused is set the error is expr_env_init's (the placeholders' keys, the
 * maps' sizes), which api_exprs_init gives the same maps too: the jansson path's answer at
 * that point, returned without its tree (14 MB of ExpressionAttributeValues took ~500 MB
 * through it). */
struct jread_val;
int api_exprs_init_jr(api_req *r, const struct jread_val *names, const struct jread_val *values,
                      bool any_expr, bool any_value_expr, api_exprs *x);
/* api_exprs_init's first checks alone: a map that is not an object, ExpressionAttributeNames
 * given without an expression, ExpressionAttributeValues without one that takes values.  The
 * writes run them before the item's or key's values and api_exprs_init after: the service
 * reports those two, then the values, then the maps' own checks (empty, keys, values).
 * dynalite's AWS-recorded tests; DynamoDB Local agrees; test_items test_write_check_order. */
int api_exprs_pre(api_req *r, const json_t *o, const char *const *expr_params,
                  const char *null_what);
/* api_exprs_init for one transaction action (TransactWriteItems' Put/Update/Delete/
 * ConditionCheck, TransactGetItems' Get): with none of expr_params present the maps are
 * taken without being used, where the single-item operations refuse them with "can only be
 * specified when using expressions" (AWS).  Their own checks still run; errors as
 * api_exprs_init. */
int api_exprs_init_tx(api_req *r, const json_t *o, api_exprs *x, const char *const *expr_params,
                      const char *null_what);
/* api_exprs_init past api_exprs_pre, for a caller that has run api_exprs_pre on the same o,
 * expr_params and null_what (the writes, GetItem, Query and Scan on their jansson paths): the
 * maps' own checks and the env, without running those checks again. */
int api_exprs_init_maps(api_req *r, const json_t *o, api_exprs *x, const char *null_what);
/* api_exprs_get for the text itself (text, len; it need not be terminated). */
int api_exprs_get_text(api_req *r, api_exprs *x, const char *text, size_t len, expr_kind kind,
                       expr_t **out);
/* After all expressions of the request: unused names/values, then (when x->t is set)
 * "Key attributes must be scalars; ...: Key: pk" / "IndexKey: ls" for a path like pk.a or
 * ls[0] in any of them (DynamoDB Local). */
int api_exprs_done(api_req *r, api_exprs *x);
/* The key-attribute check of api_exprs_done against t, for callers that learn the table
 * only after api_exprs_done (batch and transaction reads). */
int api_exprs_keys_check(api_req *r, const api_exprs *x, const store_table *t);
/* The same check of one expression against t's key attributes and its indexes'. */
int api_table_key_attr_check(const store_table *t, const expr_t *x, err_t *e);

/* "Can not use both expression and non-expression parameters in the same request: ..."
 * when `o` holds any of legacy[] and any of exprs[] (NULL-terminated lists). */
int api_mixed_check(api_req *r, const json_t *o, const char *const *legacy,
                    const char *const *exprs);

/* ---- return values / capacity ---------------------------------------------------------- */

typedef enum api_rv {
    API_RV_NONE = 0,
    API_RV_ALL_OLD,
    API_RV_UPDATED_OLD,
    API_RV_ALL_NEW,
    API_RV_UPDATED_NEW,
} api_rv;

/* Parses o["ReturnValues"]; `allowed` is a bit mask of (1 << API_RV_*) valid for the op
 * ("Return values set to invalid value"). */
int api_rv_parse(api_req *r, const json_t *o, unsigned allowed, api_rv *out);
/* Parses o["ReturnValuesOnConditionCheckFailure"]: *out_all_old true for ALL_OLD. */
int api_rvoccf_parse(api_req *r, const json_t *o, bool *out_all_old);

typedef enum api_rcc { API_RCC_NONE = 0, API_RCC_TOTAL, API_RCC_INDEXES } api_rcc;
int api_rcc_parse(api_req *r, const json_t *o, api_rcc *out);
/* The same from our reader's tree, one member m at a time (the fast paths' loops): true with
 * *out set when m is ReturnConsumedCapacity with a valid value (exact bytes); false, *out
 * untouched, for any other member or value, which the caller leaves to the jansson path. */
static inline bool api_rcc_jr(const jread_val *m, api_rcc *out)
{
    if (!API_JR_KEY(m, "ReturnConsumedCapacity"))
        return false;
    if (API_JR_TEXT(m, "NONE"))
        *out = API_RCC_NONE;
    else if (API_JR_TEXT(m, "TOTAL"))
        *out = API_RCC_TOTAL;
    else if (API_JR_TEXT(m, "INDEXES"))
        *out = API_RCC_INDEXES;
    else
        return false;
    return true;
}

/* Capacity consumed by one operation on one table, in half units (0.5 CU steps). */
typedef struct api_cap {
    const char *table;
    uint64_t table_h;   /* half units on the table */
    uint64_t read_h;    /* of which reads (for INDEXES breakdown of transactional ops) */
    /* half units on CapacityUnits alone, in no arm: a BatchExecuteStatement member whose
     * write failed (AWS: Dynoxide's captures M4 and U2; test_partiql
     * test_batch_consumed_capacity) */
    uint64_t total_only_h;
    struct {
        const char *name;
        bool global;
        uint64_t h;
    } idx[STORE_MAX_INDEXES];
    size_t n_idx;
    /* vector indexes (api_vector.c): VectorWriteRequestBytes of each index a write changed,
     * reported under INDEXES only */
    struct {
        char name[STORE_NAME_MAX];
        double bytes;
    } vix[5];
    size_t n_vix;
} api_cap;

/* Read units for `bytes`: 4 KB units (min 1), in half units: strong = 2 per unit, eventual
 * = 1 per unit. */
uint64_t api_cap_read_h(uint64_t bytes, bool strong);
/* Write units for `bytes`: 1 KB units (min 1), in half units (2 per unit). */
uint64_t api_cap_write_h(uint64_t bytes);
/* Adds the index write units of a write (old -> new item) on table t to cap: one write per
 * index whose projection changes, two when the index key changes. */
void api_cap_add_index_writes(api_cap *cap, const store_table *t, const av_t *old_item,
                              const av_t *new_item);
/* Adds src's vector index bytes (VectorWriteRequestBytes) to dst's, index by index. */
void api_cap_add_vix(api_cap *dst, const api_cap *src);
/* Adds `h` half units to the index named `name`. */
void api_cap_add_index(api_cap *cap, const store_index *ix, uint64_t h);
/* ConsumedCapacity's TableName for table t of a single-table request: the ARN the request
 * named it by, when it did (the API Reference's ConsumedCapacity.TableName: "If you had
 * specified the Amazon Resource Name (ARN) of a table in the input, you'll see the table ARN
 * in the response"; test_table_arn test_item_operations_by_arn), else its name. */
const char *api_cap_table(const api_req *r, const store_table *t);
/* The ConsumedCapacity object for rcc (NULL for NONE): {"TableName","CapacityUnits"} and for
 * INDEXES "Table" and "GlobalSecondaryIndexes" / "LocalSecondaryIndexes". */
json_t *api_cap_json(const api_cap *cap, api_rcc rcc);
/* The same for a transactional operation (TransactGetItems, TransactWriteItems,
 * ExecuteTransaction): AWS adds the split into "ReadCapacityUnits" (cap->read_h: reads and
 * condition checks) and "WriteCapacityUnits" (the rest) at the top level, and under INDEXES in
 * the "Table" arm too (an index arm's units are writes). Single-item operations report no
 * split (conformance suite tier2 transactGet; paritysuite/dynamodb-conformance#69). */
json_t *api_cap_txn_json(const api_cap *cap, api_rcc rcc);
/* The same entry written into a reply (api_out.h) as member `key` (ignored in an array);
 * txn: api_cap_txn_json's shape.  Nothing for API_RCC_NONE.  The trees above are built from
 * the same description, so the two cannot differ. */
void api_cap_out(api_out *o, const char *key, const api_cap *cap, api_rcc rcc, bool txn);

/* ReturnItemCollectionMetrics: parses "SIZE" / "NONE". */
int api_ricm_parse(api_req *r, const json_t *o, bool *out_size);
/* {"ItemCollectionKey": {hash}, "SizeEstimateRangeGB": [lo, lo + 1]} for a write w (done) to
 * a table with LSIs, where lo is the whole GiB below the size of the item collection after
 * the write (w->coll_bytes: its items plus their LSI entries); NULL otherwise.  The
 * service's shape (DynamoDB Local never returns ItemCollectionMetrics;
 * tests/unit/api/test_op_item.c::item_collection_metrics and
 * tests/e2e/test_item_collections.py pin ours). */
#define API_GIB ((uint64_t)1024 * 1024 * 1024)
json_t *api_ricm_json(api_req *r, const store_table *t, const av_t *key, const store_write *w);
/* Whether api_ricm_json gives an object for this write; api_ricm_out writes that object into a
 * reply as member `key` (ignored in an array), nothing when there is none. */
bool api_ricm_has(const store_table *t, const av_t *key, const store_write *w);
void api_ricm_out(api_out *o, const char *key, const store_table *t, const av_t *item_key,
                  const store_write *w);
/* True when the table has at least one LSI. */
bool api_table_has_lsi(const store_table *t);

/* ---- conditional writes (the store's apply callback) ----------------------------------- */

typedef enum api_wkind { API_W_PUT = 0, API_W_UPDATE, API_W_DELETE, API_W_CHECK } api_wkind;

/* What one write does; the ctx of api_write_apply.  Lives in the request arena, or on the
 * handler's stack when the handler waits while the committer runs apply (a write answered
 * later runs apply on an arena copy: the handler has returned). */
typedef struct api_wctx {
    api_wkind kind;
    const store_table *t;
    const av_t *key;     /* M with the key attributes (UPDATE: the base of a new item) */
    const av_t *item;    /* PUT: the new item */
    bool item_sized;     /* PUT: item_size is av_item_size(item), measured by the request's
                            check (api_item_size_check_w): apply hands it to the store, which
                            then does not walk the item for it again */
    uint64_t item_size;
    const expr_t *cond;  /* resolved condition, or NULL */
    const expr_t *upd;   /* UPDATE: resolved update */
    const char *fail_msg; /* set: the write fails with this ValidationException text (a
                             transaction's action that failed the schema) */
    bool upd_expr_texts;  /* UPDATE from an UpdateItem / a transaction's Update (not PartiQL):
                             a SET of an index key to another type is TXT_IDX_TYPE_UPDATE */
    bool size_by_write;   /* UPDATE: also check the statement's charge, before the
                             condition (standalone UpdateItem only: expr_update_charge) */
    bool upd_keys;        /* UPDATE: the update's paths into key attributes ("Key attributes
                             must be scalars") are checked here, after the condition
                             (standalone UpdateItem, as DynamoDB Local: a failed condition
                             answers ConditionalCheckFailedException first) */
    jout *reply;          /* the request's reply writer when its reply carries an image of
                             the item (ReturnValues), else NULL: the image's room is reserved
                             before the write is applied, the busy reply (nothing written)
                             when the reply budget cannot hold it (review15 F11) */
    bool reply_new;       /* that image is the new item (ALL_NEW, UPDATED_NEW), else the old */
    api_req *txn;         /* a transaction's action or a BatchExecuteStatement member: the
                             request whose arena holds the stored items' copies
                             (api_arena_for_stored / _for_member, from the store's peek) */
    bool reply_updated;   /* of the updated paths only (UPDATED_*, PartiQL's MODIFIED_*) */
    bool reply_modified;  /* PartiQL's MODIFIED_*: expr_project_modified's image */
    /* BatchExecuteStatement: the room its members reserved, all of them (each member's adds
     * to the others': jout_room is relative to the writer's length; review16 F1), else NULL */
    size_t *reply_sum;
    size_t reply_mine;    /* this write's share of *reply_sum (a re-run round replaces it) */
    /* out (UPDATE with reply_updated): the updated paths' image (M; AV_NONE: none), projected
     * in apply so that its room is reserved before the write */
    av_t image;
    bool image_set;
    /* a transaction's ConditionCheck read in place (store_write.in_place) that returns its
     * old item when it fails (ReturnValuesOnConditionCheckFailure ALL_OLD): the text of the
     * items such checks kept so far, every action's (keep_old); else NULL */
    size_t *kept_text;
    size_t kept_max;     /* the reply's text past which no old item is kept (reply_items_text) */
    av_t kept_old;       /* out: that old item, copied (AV_NONE: not kept) */
    size_t kept_mine;    /* its share of *kept_text (a re-run of apply replaces it) */
    uint64_t old_billed; /* out (a transaction's ConditionCheck): its item's billed size with
                            a vector index (api_vix_billed), 0: none */
    /* out (UPDATE whose condition failed): av_item_size of the item the update would have
     * written, 0 when it could not be built (api_write_apply: a failed write is billed on
     * the larger of the old item and the new one) */
    uint64_t failed_size;
    /* out (UPDATE) */
    av_t new_item;       /* in the arena; shares unchanged values with the old item */
    expr_t *updated;     /* the paths the update wrote (ReturnValues UPDATED_*) */
} api_wctx;

/* store_apply_fn: evaluates the condition against `old` (ERR_CONDITIONAL_CHECK_FAILED, "The
 * conditional request failed"), then decides the new item: PUT the item, DELETE NULL, CHECK
 * STORE_KEEP, UPDATE the update applied to old (or to the key when absent), size-checked. */
int api_write_apply(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                    uint64_t *out_size, err_t *e);
/* store_write.peek of a write whose reply may carry an image (ctx an api_wctx): when that
 * image is the old item whole (reply set, neither reply_new nor reply_updated: ALL_OLD),
 * reserves the room of its text in the reply before the item is decoded; ERR_THROTTLING when
 * the reply budget cannot hold it (the write then fails, nothing written); else nothing (the
 * other images' room is reserved in apply). */
int api_write_peek(void *ctx, const void *stored, size_t len, err_t *e);
/* Runs one item's write sw (its table t, its key) now, not answered later: under
 * --transaction-conflicts the item is held while it runs (ERR_TRANSACTION_CONFLICT,
 * TXT_TXN_ONGOING, when an ongoing transaction holds it), admitted by --throttle, written
 * (store_write_each), counted applied (api_writes_applied).  0 (sw->rc says how the write
 * went), or the error in r->err.  (api_write.c) */
int api_write_one(api_req *r, const store_table *t, const av_t *key, store_write *sw);

/* ---- TransactionCanceledException --------------------------------------------------- */

/* One action's cancellation reason: its code ("None" for an action that was no reason), its
 * Message (NULL: none) and its Item (ReturnValuesOnConditionCheckFailure; an M, borrowed until
 * api_canceled returns; NULL: none). */
typedef struct api_reason {
    const char *code;
    const char *msg;
    const av_t *item;
} api_reason;

/* The cancellation reason Code of an action that failed with rc (0: "None"; a conditional
 * check, ExecuteTransaction's INSERT of an existing key "DuplicateItem", a conflict, a limit,
 * throttling; anything else "InternalError"): TransactWriteItems', TransactGetItems' and
 * ExecuteTransaction's one table. */
const char *api_reason_code(int rc);
/* Fails the request with TransactionCanceledException: the error body's extra member
 * CancellationReasons (api_err_open: text on the endpoint, no tree of the items), one
 * {Code, Message?, Item?} per action, in action order, and the message lists the codes
 * ("... for specific reasons [None, ConditionalCheckFailed]").  Used by TransactWriteItems,
 * TransactGetItems and ExecuteTransaction.  Returns ERR_TRANSACTION_CANCELED, or ERR_NOMEM. */
int api_canceled(api_req *r, const api_reason *rs, size_t n);

/* ConditionalCheckFailedException's Item (ReturnValuesOnConditionCheckFailure ALL_OLD; an
 * M, borrowed): the error body's extra member "Item" (api_err_open: text on the endpoint).
 * 0, or ERR_NOMEM. */
int api_err_item(api_req *r, const av_t *item);

/* ---- legacy parameters (api_legacy.c) ------------------------------------------------- */

/* Expected (+ ConditionalOperator) -> a resolved condition, or *out NULL when absent. */
int api_legacy_expected(api_req *r, const json_t *o, expr_t **out);
/* QueryFilter / ScanFilter (+ ConditionalOperator) as a filter. */
int api_legacy_filter(api_req *r, const json_t *o, const char *param, expr_t **out);
/* KeyConditions as a key condition. */
int api_legacy_keyconds(api_req *r, const json_t *o, expr_t **out);
/* AttributeUpdates as an update. */
int api_legacy_updates(api_req *r, const json_t *o, expr_t **out);
/* AttributesToGet as a projection (*out NULL when absent). */
int api_legacy_attrs(api_req *r, const json_t *o, expr_t **out);
/* The same five from our reader's tree (o: the request object; value/jread.h), for the fast
 * paths: on success the same expression as the jansson path builds (names copied into the
 * arena); any error is an error code with r->err set, and the caller then takes the jansson
 * path, which gives the service's answer in the service's order (a string holding U+0000 is
 * left to it). */
int api_legacy_expected_jr(api_req *r, const jread_val *o, expr_t **out);
int api_legacy_filter_jr(api_req *r, const jread_val *o, const char *param, expr_t **out);
int api_legacy_keyconds_jr(api_req *r, const jread_val *o, expr_t **out);
int api_legacy_updates_jr(api_req *r, const jread_val *o, expr_t **out);
int api_legacy_attrs_jr(api_req *r, const jread_val *o, expr_t **out);

/* A key condition's operator on the range key (expr's) as the store's range operator: the
 * Query's and PartiQL SELECT's one mapping. */
static inline store_rop api_store_rop(expr_krop k)
{
    switch (k) {
    case EXPR_KR_EQ: return STORE_R_EQ;
    case EXPR_KR_LT: return STORE_R_LT;
    case EXPR_KR_LE: return STORE_R_LE;
    case EXPR_KR_GT: return STORE_R_GT;
    case EXPR_KR_GE: return STORE_R_GE;
    case EXPR_KR_BETWEEN: return STORE_R_BETWEEN;
    case EXPR_KR_BEGINS_WITH: return STORE_R_BEGINS_WITH;
    case EXPR_KR_NONE: break;
    }
    return STORE_R_NONE;
}

#endif
