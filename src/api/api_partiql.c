/*
 * api_partiql — one PartiQL statement against the store, shared by the three PartiQL
 * operations (op_partiql.c: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction).
 * Layer: api (private).
 *
 * The request's body read with its Parameters kept in our reader's tree (api_pq_body); a
 * statement loaded, parsed and bound (api_pq_load) with its table and key checks; a SELECT
 * planned and read a page at a time with its NextToken (api_pq_select); a write prepared,
 * applied and answered (api_pq_write_prepare, api_pq_write_one, and the pieces a batch or a
 * transaction puts together itself: api_pq_sw_init, api_pq_reply_room,
 * api_pq_returning_item, api_pq_write_units).  Calls no operation.
 *
 * Planning, as DynamoDB does it (Developer Guide, "PartiQL select statements"):
 *   - a SELECT whose WHERE fixes the partition key of the table (or of the index named in
 *     FROM) by equality or IN, at the top level of its AND chain, runs as Query(s) — one per
 *     value, values in key order; a top-level OR of partition-key equalities likewise; a
 *     sort-key condition among the conjuncts (=, <, <=, >, >=, BETWEEN, begins_with) is the
 *     key condition; the whole WHERE is the filter.  Anything else is a Scan with the WHERE
 *     as the filter.  Limit and the 1 MB page count items read, across the queries.
 *   - INSERT is a put conditioned on the key not existing (DuplicateItemException);
 *     UPDATE needs an equality on every key attribute and is conditioned on the whole WHERE
 *     (so a missing item fails the condition); DELETE needs the same and is conditioned on
 *     the rest of the WHERE when the item exists (a missing item is not an error).
 *   - NextToken is opaque: the position (query number and exclusive start key) with a
 *     digest of the statement and its parameters, MAC'd with a per-process key; a token
 *     that was altered is "Invalid NextToken", one used with another statement or other
 *     parameters "NextToken does not match request".
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.select.html
 */
#include "api/api_conflict.h"
#include "api/api_partiql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_item.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "base/siphash.h"
#include "value/ddbjson.h"
#include "value/jread.h"

#define PQ_TOKEN_VERSION 1
#define PQ_TOKEN_MAX 32768 /* characters of a NextToken (DynamoDB's limit) */
#define TXT_PQ_OVERLAP "Overlapping conditions with range keys are not supported in where clause"
#define TXT_PQ_TOO_MANY_READS "Too many decomposed read operations for a given query."
#define PQ_MAX_READS 50
#define TXT_PQ_NO_INDEX "The table does not have the specified index"
#define TXT_PQ_GSI_CONSISTENT "Strongly consistent read is not supported on Global Secondary Indexes"
#define TXT_PQ_ON_INDEX "This operation is not supported on an index"
#define TXT_PQ_KEY_MULTI                                                                         \
    "Multiple conditions on same key %s. Only single item Update/Insert/Delete are supported"
#define TXT_PQ_KEY_TYPE "Key attribute's data type should match its data type in table's schema: Key %s"
#define TXT_PQ_KEY_MISSING "Key attribute should be present in the item: Key %s"
#define TXT_PQ_TOKEN "Invalid NextToken"
/* a token of ours, unaltered, minted for another statement or other parameters (AWS: captured
 * eu-west-2 2026-07-29 as Dynoxide records it, and eu-west-1 2026-09-03 by floci; a changed
 * Limit or ConsistentRead is not another request) */
#define TXT_PQ_TOKEN_MISMATCH "NextToken does not match request"
#define TXT_PQ_ORDER_HASH                                                                        \
    "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY " \
    "clause."
/* AWS 2026-09 (a capture set of an AWS-checked emulator's PartiQL tests, eu-west-2);
 * DynamoDB Local says "Variable reference %s ..." */
#define TXT_PQ_ORDER_KEY "Attribute %s in ORDER BY clause must be part of the primary key"
#define TXT_PQ_ORDER_MULTI                                                                         \
    "Must have hash key in ORDER BY clause when more than one hash key condition specified in "    \
    "WHERE clause."
#define TXT_PQ_GSI_NOPROJ                                                                        \
    "One or more parameter values were invalid: Global secondary index %s does not project [%s]"
#define TXT_PQ_NOFILTER                                                                          \
    "One or more parameter values were invalid: Secondary index %s does not project one or "    \
    "more filter attributes: [%s]"

/* ---- per-process state: the NextToken key ---------------------------------------------- */

int api_pq_init(api_t *api)
{
    /* kept in the data dir, as the stream iterators' key: a NextToken stays good across a
     * restart of the server */
    err_t e;
    err_clear(&e);
    return store_secret(api->store, API_PQ_SECRET, api->pq_key, sizeof api->pq_key, &e)
               ? ERR_IO
               : 0;
}

/* ---- request ---------------------------------------------------------------------------- */

/* The statement's table, with AWS's text when it does not exist. */
int api_pq_table(api_req *r, const expr_pq_bound *b, const store_table **out)
{
    *out = api_table(r, b->table);
    if (*out)
        return 0;
    if (r->err->code == ERR_RESOURCE_NOT_FOUND) {
        err_clear(r->err);
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_PQ_NOT_FOUND);
    }
    return r->err->code ? r->err->code : err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_PQ_NOT_FOUND);
}

const store_index *api_pq_find_index(const store_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (strcmp(t->idx[i].name, name) == 0)
            return &t->idx[i];
    return NULL;
}

/* The index a SELECT names (b->index; none: nothing to check) and whether it may be read:
 * it exists, is filled, has single-attribute keys.  *out (may be NULL) receives it. */
static int pq_index_check(api_req *r, const expr_pq_bound *b, const store_table *t,
                          const store_index **out)
{
    if (out)
        *out = NULL;
    if (!b->index)
        return 0;
    const store_index *ix = api_pq_find_index(t, b->index);
    if (!ix && api_vix_named(r, t, b->index)) /* a vector index (api_vector.c) */
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_VIX_NO_SCAN);
    if (!ix)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_NO_INDEX);
    if (ix->backfilling) /* added by UpdateTable, not filled yet */
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_BACKFILLING, ix->name);
    if (store_key_multi(&ix->key)) /* test_gsi_multikey.py */
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_MULTI_KEY);
    if (out)
        *out = ix;
    return 0;
}

/* Statement text and Parameters of o (ExecuteStatement's body or one batch/transaction
 * member), then parse and bind.  The request model (api_schema.c) has checked their shape
 * and constraints: Statement present, 1..8192; Parameters not empty.  params_jr: the
 * Parameters array in our reader's tree (value/jread.h) when o was built without it
 * (api_pq_body), else NULL. */
int api_pq_load(api_req *r, json_t *o, const jread_val *params_jr, pq_stmt *s)
{
    memset(s, 0, sizeof *s);
    json_t *js = api_param(o, "Statement");
    if (!json_is_string(js))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    s->text = json_string_value(js);
    s->len = json_string_length(js);
    json_t *jp = NULL;
    int rc = params_jr ? 0 : api_json_arr(o, "Parameters", &jp, r->err);
    if (rc)
        return rc;
    if (params_jr) { /* the same checks and values as the loop below */
        s->nparams = params_jr->n;
        s->params = arena_alloc(r->arena, (s->nparams ? s->nparams : 1) * sizeof *s->params);
        if (!s->params)
            return api_nomem(r);
        size_t i = 0;
        for (const jread_val *v = params_jr->child; v; v = v->next, i++) {
            if (v->type != JREAD_OBJECT && v->type != JREAD_NULL)
                return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
            if ((rc = ddbjson_to_av_param_jr(v, r->arena, &s->params[i], r->err)))
                return rc;
        }
    } else if (jp) {
        s->nparams = json_array_size(jp);
        s->params = arena_alloc(r->arena, (s->nparams ? s->nparams : 1) * sizeof *s->params);
        if (!s->params)
            return api_nomem(r);
        for (size_t i = 0; i < s->nparams; i++) {
            json_t *jv = json_array_get(jp, i);
            if (!json_is_object(jv) && !json_is_null(jv))
                return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
            /* numbers read as the service's older layer does (num_parse_java) */
            if ((rc = ddbjson_to_av_param(jv, r->arena, &s->params[i], r->err)))
                return rc;
        }
    }
    expr_pq *ps = NULL;
    s->at_text = true;
    if ((rc = expr_pq_parse_n(r->arena, s->text, s->len, s->nparams, &ps, &s->syntax,
                              r->err)) ||
        (rc = expr_pq_bind(r->arena, ps, s->params, s->nparams, &s->b, r->err)))
        return rc;
    const char *deferred = expr_pq_deferred(ps);
    if (!deferred)
        return 0;
    /* the select list's refusal comes after the index the statement reads (AWS 2026-10:
     * "SELECT COUNT(*) FROM" a multi-attribute index is that index's refusal); a missing
     * table keeps the refusal (no capture; DynamoDB Local refuses the select list first) */
    const store_table *t = api_table(r, s->b.table);
    if (!t && r->err->code && r->err->code != ERR_RESOURCE_NOT_FOUND)
        return r->err->code;
    err_clear(r->err);
    if (t && (rc = pq_index_check(r, &s->b, t, NULL)))
        return rc;
    return err_set(r->err, ERR_VALIDATION, "%s", deferred);
}

/* A key value used in a key condition: type and emptiness per the schema. */
int api_pq_key_value_check(api_req *r, const char *name, av_type want, const av_t *v)
{
    if (v->type != want)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_KEY_TYPE, name);
    if ((v->type == AV_S || v->type == AV_B) && v->u.str.len == 0)
        return err_set(r->err, ERR_VALIDATION, v->type == AV_B ? TXT_KEY_EMPTY_B : TXT_KEY_EMPTY_S,
                       name);
    return 0;
}

/* The key {hash[, range]} an UPDATE / DELETE / key SELECT names by top-level equalities;
 * *found false when WHERE lacks one of them.  used[] (one flag per conjunct) marks the
 * conjuncts that gave the key. */
static int pq_key_from_where(api_req *r, const store_keydef *kd, const expr_node **conj,
                             size_t n, bool *used, av_t *out_key, bool *found)
{
    const char *names[2];
    size_t nk = api_key_names(kd, names);
    av_type types[2] = {kd->hash_type, kd->range_type};
    av_kv *kv = arena_alloc(r->arena, 2 * sizeof *kv);
    if (!kv)
        return api_nomem(r);
    *found = false;
    for (size_t k = 0; k < nk; k++) {
        bool got = false;
        for (size_t i = 0; i < n && !got; i++) {
            const av_t *v;
            size_t cnt;
            if (used[i] || !expr_pq_key_eq(conj[i], names[k], false, &v, 1, &cnt))
                continue;
            int rc = api_pq_key_value_check(r, names[k], types[k], v);
            if (rc)
                return rc;
            used[i] = true;
            kv[k].name = names[k];
            kv[k].name_len = strlen(names[k]);
            kv[k].val = *v;
            got = true;
        }
        if (!got)
            return 0;
    }
    *out_key = av_make_m(kv, nk);
    *found = true;
    return 0;
}

/* "Key attributes must be scalars; ...: Key: pk" / "IndexKey: g" when a path of the WHERE or
 * the select list reaches into a key attribute of the table or of its indexes (as
 * expressions do). */
int api_pq_key_attr_check(api_req *r, const expr_pq_bound *b, const store_table *t)
{
    const char *keys[2], *ikeys[STORE_KEY_ATTRS * STORE_MAX_INDEXES];
    av_type types[STORE_KEY_ATTRS];
    size_t nk = 0, nik = 0;
    keys[nk++] = t->key.hash;
    if (t->key.range[0])
        keys[nk++] = t->key.range;
    for (size_t i = 0; i < t->n_idx; i++) /* every attribute of a multi-attribute GSI key */
        nik += store_key_attrs(&t->idx[i].key, ikeys + nik, types, NULL);
    /* an update's own paths are refused by the update ("Cannot update attribute pk") */
    const expr_t *xs[2] = {b->where, b->proj};
    for (int i = 0; i < 2; i++) {
        int rc = expr_key_attr_check(xs[i], keys, nk, ikeys, nik, r->err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- capacity --------------------------------------------------------------------------- */

static json_t *cap_json_read(const store_table *t, const store_index *ix, uint64_t h,
                             uint64_t table_h, api_rcc rcc)
{
    api_cap cap;
    memset(&cap, 0, sizeof cap);
    cap.table = api_table_name(t);
    if (ix)
        api_cap_add_index(&cap, ix, h);
    else
        cap.table_h = h;
    cap.table_h += table_h;
    return api_cap_json(&cap, rcc);
}

/* ---- SELECT ------------------------------------------------------------------------------ */

typedef struct pq_sel {
    const store_table *t;
    const store_index *ix;
    const store_keydef *kd;
    const av_t **hv; /* hash values, in key order (Query); NULL: Scan */
    size_t nh;
    store_rop rop;
    av_t r1, r2;
    bool reverse;
    bool fetch;      /* an LSI that lacks attributes of the select list */
    bool consistent;
    bool get;        /* the full primary key of the table by equality: one GetItem */
} pq_sel;

static int cmp_hash(const void *a, const void *b)
{
    const av_t *x = *(const av_t *const *)a, *y = *(const av_t *const *)b;
    return av_compare_scalar(x, y);
}

static bool idx_has(const store_table *t, const store_index *ix, const char *p, size_t n)
{
    return api_index_has_attr(t, ix, p, n);
}

typedef struct idx_ctx {
    const store_table *t;
    const store_index *ix;
} idx_ctx;

static bool idx_held(void *ctx, const char *name, size_t len)
{
    const idx_ctx *c = ctx;
    return idx_has(c->t, c->ix, name, len);
}

/* The names of x the index does not hold, ", "-separated into missing (empty: none). */
static int not_in_index(api_req *r, const store_table *t, const store_index *ix, const expr_t *x,
                        char *missing, size_t cap)
{
    missing[0] = 0;
    if (!x || ix->proj == STORE_PROJ_ALL)
        return 0;
    expr_name *names;
    size_t n, used = 0;
    int rc = expr_top_names(r->arena, x, &names, &n, r->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (idx_has(t, ix, names[i].ptr, names[i].len))
            continue;
        int k = snprintf(missing + used, cap - used, "%s%.*s", used ? ", " : "", (int)names[i].len,
                         names[i].ptr);
        if (k > 0 && (size_t)k < cap - used)
            used += (size_t)k;
    }
    return 0;
}

/* The reads a keyed SELECT decomposes into: OR branches on one partition whose sort-key
 * ranges overlap are refused, also on a key without a sort key, where two branches on one
 * partition always overlap (AWS 2026-09: "(gsiPk = 'y' AND zz = '1') OR (gsiPk = 'y' AND aa =
 * '1')" on a hash-only GSI; DynamoDB Local checks nothing), and so are more than 50 reads
 * (AWS 2026-09: "pk IN [51 values]", "pk IN [26] AND sk IN [2]").  txn_prefix: the
 * ExecuteTransaction member text's head, or NULL. */
int api_pq_decomposed_reads(api_req *r, const expr_pq_bound *b, const store_keydef *kd,
                            const char *txn_prefix)
{
    bool overlap = false;
    size_t reads = 0;
    int rc = expr_pq_overlap(r->arena, b->where, kd->hash, kd->range, &overlap, &reads);
    if (rc)
        return rc == ERR_NOMEM ? api_nomem(r) : rc;
    const char *text = overlap                ? TXT_PQ_OVERLAP
                       : reads > PQ_MAX_READS ? TXT_PQ_TOO_MANY_READS
                                              : NULL;
    if (!text)
        return 0;
    return err_set(r->err, ERR_VALIDATION, "%s%s", txn_prefix ? txn_prefix : "", text);
}

/* ORDER BY against the key read (kd): only its attributes; q->reverse the sort key's order
 * (descending for the partition key alone); *order_hash whether it names the partition key,
 * *hash_desc whether descending. */
static int pq_order(api_req *r, const expr_pq_bound *b, const store_keydef *kd, pq_sel *q,
                    bool *order_hash, bool *hash_desc)
{
    bool order_range = false;
    for (size_t i = 0; i < b->norder; i++) {
        const char *nm = b->order[i].name;
        if (strcmp(nm, kd->hash) != 0 && strcmp(nm, kd->range) != 0)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_ORDER_KEY, nm);
        if (strcmp(nm, kd->hash) == 0 && !*order_hash) {
            *order_hash = true;
            *hash_desc = b->order[i].desc;
        }
        if (kd->range[0] && strcmp(nm, kd->range) == 0) {
            q->reverse = b->order[i].desc;
            order_range = true;
        } else if (!kd->range[0]) {
            q->reverse = b->order[i].desc;
        }
    }
    /* the partition key alone: each partition's sort key is read descending, whichever way
     * the partitions go (AWS 2026-09, an AWS-checked emulator's captures: "pk = 'o' ORDER BY
     * pk ASC" gives o/3, o/2, o/1; DynamoDB Local reads it ascending) */
    if (b->norder && kd->range[0] && !order_range)
        q->reverse = true;
    return 0;
}

/* The partitions read (q->hv, q->nh; none: a scan): the partition key by = or IN among the
 * WHERE's top-level conjuncts (conj, nc), else by an OR of equalities; each a key value. */
static int pq_partitions(api_req *r, const expr_pq_bound *b, const store_keydef *kd,
                         const expr_node **conj, size_t nc, pq_sel *q)
{
    int rc;
    for (size_t i = 0; i < nc && !q->hv; i++) {
        const av_t *vals[EXPR_PQ_IN_MAX];
        size_t n;
        if (!expr_pq_key_eq(conj[i], kd->hash, true, vals, EXPR_PQ_IN_MAX, &n))
            continue;
        q->hv = arena_alloc(r->arena, n * sizeof *q->hv);
        if (!q->hv)
            return api_nomem(r);
        for (size_t k = 0; k < n; k++) {
            if ((rc = api_pq_key_value_check(r, kd->hash, kd->hash_type, vals[k])))
                return rc;
            q->hv[k] = vals[k];
        }
        q->nh = n;
    }
    if (!q->hv) {
        const av_t **vals;
        size_t n;
        if (expr_pq_key_or(b->where, kd->hash, &vals, &n, r->arena)) {
            for (size_t k = 0; k < n; k++)
                if ((rc = api_pq_key_value_check(r, kd->hash, kd->hash_type, vals[k])))
                    return rc;
            q->hv = vals;
            q->nh = n;
        }
    }
    return 0;
}

/* The sort key (kd->range) in the conjuncts: its values checked as key values, and the first
 * range condition that is a key condition into q->rop, r1, r2. */
static int pq_sort_key(api_req *r, const store_keydef *kd, const expr_node **conj, size_t nc,
                       pq_sel *q)
{
    int rc;
    /* sort-key values in an IN list are key values too (AWS 2026-09: "sk IN ['1', 2]" on an
     * S sort key is the key type text), one value alone as well (inferred: "sk IN ['1']" is
     * a key read in a transaction, AWS 2026-09; DynamoDB Local refuses it with its
     * "Condition parameter type" text) */
    for (size_t i = 0; i < nc; i++) {
        const av_t *vals[EXPR_PQ_IN_MAX];
        size_t n;
        if (!expr_pq_key_eq(conj[i], kd->range, true, vals, EXPR_PQ_IN_MAX, &n))
            continue;
        for (size_t k = 0; k < n; k++)
            if ((rc = api_pq_key_value_check(r, kd->range, kd->range_type, vals[k])))
                return rc;
    }
    for (size_t i = 0; i < nc; i++) {
        expr_krop op;
        const av_t *r1, *r2;
        if (!expr_pq_range_cond(conj[i], kd->range, &op, &r1, &r2))
            continue;
        if ((rc = api_pq_key_value_check(r, kd->range, kd->range_type, r1)) ||
            (r2 && (rc = api_pq_key_value_check(r, kd->range, kd->range_type, r2))))
            return rc;
        if (op == EXPR_KR_BEGINS_WITH && kd->range_type == AV_N)
            continue; /* not a key condition on a number: left to the filter */
        q->rop = api_store_rop(op);
        q->r1 = *r1;
        if (r2)
            q->r2 = *r2;
        break;
    }
    return 0;
}

/* What an index that does not project every attribute (q->ix) lacks: the select list's
 * attributes refused on a GSI, fetched from the table on an LSI (q->fetch); the filter's,
 * read by partition (expr_pq_index_filter), refused on any index. */
static int pq_index_lacks(api_req *r, const expr_pq_bound *b, pq_sel *q)
{
    char missing[512];
    int rc = not_in_index(r, q->t, q->ix, b->proj, missing, sizeof missing);
    if (rc)
        return rc;
    if (missing[0]) {
        if (q->ix->global)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_GSI_NOPROJ, q->ix->name, missing);
        q->fetch = true;
    }
    idx_ctx ic = {q->t, q->ix};
    expr_name *names;
    size_t nn;
    if ((rc = expr_pq_index_filter(r->arena, b->where, q->kd->hash, idx_held, &ic, &names, &nn)))
        return api_nomem(r);
    if (nn) {
        size_t used = 0;
        for (size_t i = 0; i < nn; i++) {
            int k = snprintf(missing + used, sizeof missing - used, "%s%.*s", used ? ", " : "",
                             (int)names[i].len, names[i].ptr);
            if (k > 0 && (size_t)k < sizeof missing - used)
                used += (size_t)k;
        }
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_NOFILTER, q->ix->name, missing);
    }
    return 0;
}

/* Plans a SELECT: the index, ORDER BY (pq_order), the partitions it reads, its sort key
 * bounds and what an index lacks, into q. */
static int pq_plan(api_req *r, const expr_pq_bound *b, bool consistent, pq_sel *q)
{
    memset(q, 0, sizeof *q);
    q->consistent = consistent;
    int rc = api_pq_table(r, b, &q->t);
    if (rc || (rc = api_pq_key_attr_check(r, b, q->t)))
        return rc;
    const store_table *t = q->t;
    if ((rc = pq_index_check(r, b, t, &q->ix)))
        return rc;
    if (q->ix && q->ix->global && consistent)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_GSI_CONSISTENT);
    q->kd = q->ix ? &q->ix->key : &t->key;
    const store_keydef *kd = q->kd;
    bool order_hash = false, hash_desc = false;
    if ((rc = pq_order(r, b, kd, q, &order_hash, &hash_desc)))
        return rc;
    const expr_node **conj = NULL;
    size_t nc = 0;
    if ((rc = expr_pq_conjuncts(r->arena, b->where, &conj, &nc, r->err)))
        return rc;
    if ((rc = pq_partitions(r, b, kd, conj, nc, q)))
        return rc;
    if (b->norder && !q->hv)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_ORDER_HASH);
    if (q->hv) {
        /* duplicates read once, queries in key order */
        qsort(q->hv, q->nh, sizeof *q->hv, cmp_hash);
        size_t k = 0;
        for (size_t i = 0; i < q->nh; i++)
            if (k == 0 || !av_equal(q->hv[k - 1], q->hv[i]))
                q->hv[k++] = q->hv[i];
        q->nh = k;
        /* several partitions: ORDER BY must name the partition key, which orders them
         * (AWS 2026-09: "pk IN ['o', 'p'] ORDER BY pk DESC, sk ASC" reads p's items first) */
        if (b->norder && q->nh > 1 && !order_hash)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_ORDER_MULTI);
        if (hash_desc && kd->range[0])
            for (size_t i = 0, j = q->nh - 1; i < j; i++, j--) {
                const av_t *x = q->hv[i];
                q->hv[i] = q->hv[j];
                q->hv[j] = x;
            }
        if (kd->range[0] && (rc = pq_sort_key(r, kd, conj, nc, q)))
            return rc;
    }
    if ((rc = api_pq_decomposed_reads(r, b, kd, NULL)))
        return rc;
    /* the whole primary key of the table by equality: the item is read directly */
    q->get = !q->ix && q->nh == 1 && (!kd->range[0] || q->rop == STORE_R_EQ);
    /* an index holds only its projection */
    if (q->ix && q->ix->proj != STORE_PROJ_ALL)
        return pq_index_lacks(r, b, q);
    return 0;
}

/* A digest of the statement and its parameters: a NextToken belongs to one of them. */
static uint64_t stmt_digest(const pq_stmt *s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s->len; i++)
        h = (h ^ (unsigned char)s->text[i]) * 1099511628211ull;
    for (size_t i = 0; i < s->nparams; i++) {
        buf_t b;
        buf_init(&b, 0);
        if (av_encode(&s->params[i], &b) == 0)
            for (size_t k = 0; k < b.len; k++)
                h = (h ^ b.data[k]) * 1099511628211ull;
        buf_fini(&b);
        h = (h ^ 0xFF) * 1099511628211ull;
    }
    return h;
}

/* NextToken: hex of [version, op (2), digest (8), start key (av_encode)..., mac (8)]. */
static char *token_make(api_req *r, const pq_stmt *s, size_t op, const av_t *esk)
{
    buf_t b;
    buf_init(&b, 0);
    unsigned char head[11];
    head[0] = PQ_TOKEN_VERSION;
    head[1] = (unsigned char)(op & 0xFF);
    head[2] = (unsigned char)(op >> 8);
    base_le_put(head + 3, stmt_digest(s), 8);
    char *out = NULL;
    if (buf_append(&b, head, sizeof head) || (esk && esk->type == AV_M && av_encode(esk, &b)))
        goto done;
    unsigned char mac[8];
    base_le_put(mac, siphash24(r->api->pq_key, b.data, b.len), 8);
    if (buf_append(&b, mac, sizeof mac))
        goto done;
    out = arena_alloc(r->arena, b.len * 2 + 1);
    if (!out)
        goto done;
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < b.len; i++) {
        out[2 * i] = hx[b.data[i] >> 4];
        out[2 * i + 1] = hx[b.data[i] & 15];
    }
    out[b.len * 2] = 0;
done:
    buf_fini(&b);
    return out;
}

/* Reads a NextToken of tl bytes (a NUL inside is not hex: invalid): *op and *esk (AV_NONE
 * when the query starts at its beginning). */
static int token_read(api_req *r, const pq_stmt *s, const char *tok, size_t tl, size_t nops,
                      size_t *op, av_t *esk)
{
    esk->type = AV_NONE;
    if (tl % 2 || tl < 2 * 19 || tl > PQ_TOKEN_MAX)
        goto bad;
    size_t n = tl / 2;
    unsigned char *raw = arena_alloc(r->arena, n);
    if (!raw)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        int hi = base_hex_digit_lower(tok[2 * i]), lo = base_hex_digit_lower(tok[2 * i + 1]);
        if (hi < 0 || lo < 0)
            goto bad;
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    if (base_le_get(raw + n - 8, 8) != siphash24(r->api->pq_key, raw, n - 8))
        goto bad;
    if (raw[0] != PQ_TOKEN_VERSION)
        goto bad;
    if (base_le_get(raw + 3, 8) != stmt_digest(s))
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_TOKEN_MISMATCH);
    *op = (size_t)raw[1] | (size_t)raw[2] << 8;
    if (*op >= nops)
        goto bad;
    if (n - 8 > 11) {
        if (av_decode(raw + 11, n - 8 - 11, r->arena, esk) || esk->type != AV_M)
            goto bad;
    }
    return 0;
bad:
    return err_set(r->err, ERR_VALIDATION, TXT_PQ_TOKEN);
}

/* Runs one page of a planned SELECT into `items` (the reply's open array, api_out.h: on
 * the endpoint each item is written as text, no jansson tree).  *out_token: the NextToken,
 * or NULL at the end.  h / fetch_h: read units (half) for capacity. */
static int pq_select_page(api_req *r, const pq_stmt *s, const pq_sel *q, size_t limit,
                          const char *in_token, size_t in_token_len, api_out *items,
                          char **out_token, uint64_t *out_h, uint64_t *out_fetch_h)
{
    const expr_pq_bound *b = &s->b;
    size_t nops = q->hv ? q->nh : 1;
    size_t op = 0;
    av_t esk = {.type = AV_NONE};
    int rc;
    *out_token = NULL;
    *out_h = *out_fetch_h = 0;
    if (in_token && (rc = token_read(r, s, in_token, in_token_len, nops, &op, &esk)))
        return rc;
    if (q->get && !in_token) {
        av_kv kv[2] = {{.name = q->kd->hash, .name_len = strlen(q->kd->hash), .val = *q->hv[0]},
                       {.name = q->kd->range, .name_len = strlen(q->kd->range), .val = q->r1}};
        av_t key = av_make_m(kv, q->kd->range[0] ? 2 : 1), item;
        bool found = false, ok = true;
        if ((rc = store_get(r->api->store, q->t, &key, r->arena, &item, &found, r->err)))
            return rc;
        *out_h = api_cap_read_h(found ? av_item_size(&item) : 0, q->consistent);
        if (found && b->where && (rc = expr_eval(b->where, &item, &ok, r->err)))
            return rc;
        if (found && ok) {
            av_t p = item;
            if (!b->star && b->proj && (rc = expr_pq_project(r->arena, b->proj, &item, &p, r->err)))
                return rc;
            ao_item(items, NULL, &p);
        }
        return 0;
    }
    size_t left = limit;              /* 0 = no limit */
    uint64_t bytes_left = STORE_PAGE_BYTES;
    uint64_t bytes = 0;
    for (; op < nops; op++) {
        store_query sq;
        memset(&sq, 0, sizeof sq);
        sq.table = q->t;
        sq.index = q->ix;
        if (q->hv) {
            sq.eq = q->hv[op];
            sq.n_eq = 1;
            sq.rop = q->rop;
            sq.r1 = q->r1;
            sq.r2 = q->r2;
            sq.reverse = q->reverse;
        }
        sq.start_key = esk.type == AV_M ? &esk : NULL;
        sq.limit = left;
        sq.max_bytes = (size_t)bytes_left;
        sq.fetch = q->fetch;
        store_result res;
        memset(&res, 0, sizeof res);
        if ((rc = store_query_run(r->api->store, &sq, r->arena, &res, r->err)))
            return rc;
        bytes += res.bytes;
        for (size_t i = 0; i < res.n; i++) {
            av_t *it = &res.items[i];
            av_t full = *it;
            if (q->fetch && res.fetched && res.fetched[i].type == AV_M) {
                full = res.fetched[i]; /* read by the store in the page's snapshot */
                *out_fetch_h += api_cap_read_h(av_item_size(&full), q->consistent);
            }
            if (b->where) {
                bool ok = false;
                if ((rc = expr_eval(b->where, it, &ok, r->err)))
                    return rc;
                if (!ok)
                    continue;
            }
            av_t p = full;
            if (!b->star && b->proj && (rc = expr_pq_project(r->arena, b->proj, &full, &p, r->err)))
                return rc;
            ao_item(items, NULL, &p);
        }
        if (left) {
            left = left > res.n ? left - res.n : 0;
        }
        uint64_t read = res.bytes + res.fetched_bytes; /* the 1 MB counts the fetches */
        bytes_left = bytes_left > read ? bytes_left - read : 0;
        if (res.last_key.type == AV_M) {
            *out_token = token_make(r, s, op, &res.last_key);
            if (!*out_token)
                return api_nomem(r);
            break;
        }
        esk.type = AV_NONE;
        if ((limit && left == 0) || bytes_left == 0) {
            if (op + 1 < nops) {
                *out_token = token_make(r, s, op + 1, NULL);
                if (!*out_token)
                    return api_nomem(r);
            }
            break;
        }
    }
    *out_h = api_cap_read_h(bytes, q->consistent);
    return 0;
}

int api_pq_select(api_req *r, const pq_stmt *s, json_t **out)
{
    json_t *body = r->body;
    bool consistent = false, has_cr = false, has_limit = false;
    long long limit = 0;
    const char *token = NULL;
    size_t token_len = 0;
    api_rcc rcc;
    int rc;
    if ((rc = api_json_bool(body, "ConsistentRead", &has_cr, &consistent, r->err)) ||
        (rc = api_json_int(body, "Limit", &has_limit, &limit, r->err)) ||
        (rc = api_json_strn(body, "NextToken", &token, &token_len, r->err)) ||
        (rc = api_rcc_parse(r, body, &rcc)))
        return rc;
    /* Limit >= 1: the request model (api_schema.c) */
    pq_sel q;
    if ((rc = pq_plan(r, &s->b, consistent, &q)))
        return rc;
    uint64_t min_h = consistent ? API_THR_READ_STRONG : API_THR_READ_EVENTUAL;
    if ((rc = api_thr_admit(r, q.t, q.ix, false, min_h))) /* --throttle */
        return rc;
    /* the page is written as it is read (an error on the way drops the reply) */
    api_out *o = api_reply(r);
    char *next = NULL;
    uint64_t h = 0, fetch_h = 0;
    ao_arr(o, "Items");
    if ((rc = pq_select_page(r, s, &q, has_limit ? (size_t)limit : 0, token, token_len, o,
                             &next, &h, &fetch_h)))
        return rc;
    ao_close(o);
    api_metrics_read(r, q.t, h + fetch_h);
    if (r->api->thr) {
        api_thr_charge_read(r, q.t, q.ix, h, min_h);
        api_thr_charge_read(r, q.t, NULL, fetch_h, 0);
    }
    if (next)
        ao_str(o, "NextToken", next);
    if (rcc != API_RCC_NONE)
        ao_json(o, "ConsumedCapacity", cap_json_read(q.t, q.ix, h, fetch_h, rcc));
    (void)out;
    return 0;
}

/* ---- writes ------------------------------------------------------------------------------ */

/* attribute_not_exists(<hash key>) */
static expr_node *not_exists_node(api_req *r, const store_table *t)
{
    expr_node *path = expr_build_path_from_name(r->arena, t->key.hash, strlen(t->key.hash));
    expr_node *x = NULL;
    if (!path || expr_build_exists(r->arena, path, false, NULL, &x, r->err))
        return NULL;
    return x;
}

/* Turns INSERT / UPDATE / DELETE / EXISTS into a write (kind API_W_*). */
int api_pq_write_prepare(api_req *r, const expr_pq_bound *b, pq_write *pw)
{
    memset(pw, 0, sizeof *pw);
    int rc;
    if (b->index && b->kind != EXPR_PQ_EXISTS)
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_ON_INDEX);
    /* a literal nested too deep (checked before the table, as DynamoDB does) */
    if (b->kind == EXPR_PQ_INSERT && expr_attr_too_deep(&b->item))
        return err_set(r->err, ERR_VALIDATION, TXT_PQ_NESTING);
    if ((rc = api_pq_table(r, b, &pw->t)) || (rc = api_pq_key_attr_check(r, b, pw->t)))
        return rc;
    const store_table *t = pw->t;
    pw->w.t = t;
    pw->ret = b->ret;
    if (b->kind == EXPR_PQ_INSERT) {
        const char *names[2];
        size_t nk = api_key_names(&t->key, names);
        av_type types[2] = {t->key.hash_type, t->key.range_type};
        for (size_t k = 0; k < nk; k++) {
            const av_t *v = av_map_gets(&b->item, names[k]);
            if (!v)
                return err_set(r->err, ERR_VALIDATION, TXT_PQ_KEY_MISSING, names[k]);
            if ((rc = api_pq_key_value_check(r, names[k], types[k], v)))
                return rc;
        }
        /* the indexes' rules (GSI key types and sizes, vector indexes) in the one function
         * every write path applies to its new item, as PutItem does (review10 F6) */
        if ((rc = api_key_extract(r, &t->key, &b->item, API_KEY_ITEM, &pw->key)) ||
            (rc = api_item_size_check(r, &b->item, TXT_ITEM_TOO_BIG)) ||
            (rc = api_item_index_keys_check(r, t, &b->item)))
            return rc;
        /* a RETURNING clause, after the table and the item (before an item with that key is
         * looked for); DynamoDB Local's text and place, no AWS capture */
        if (b->ret != EXPR_PQ_RET_NONE)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_INSERT_RETURNING);
        expr_node *ne = not_exists_node(r, t);
        expr_t *cond = NULL;
        if (!ne || expr_build_condition(r->arena, EXPR_CONDITION, ne, &cond, r->err))
            return r->err->code ? r->err->code : api_nomem(r);
        pw->w.kind = API_W_PUT;
        pw->w.item = &b->item;
        pw->w.key = &pw->key;
        pw->w.cond = cond;
        pw->insert = true;
        return 0;
    }
    /* UPDATE / DELETE / EXISTS: the full primary key by equality */
    const expr_node **conj = NULL;
    size_t nc = 0;
    if ((rc = expr_pq_conjuncts(r->arena, b->where, &conj, &nc, r->err)))
        return rc;
    bool *used = arena_zalloc(r->arena, (nc ? nc : 1) * sizeof *used);
    if (!used)
        return api_nomem(r);
    bool found = false;
    if ((rc = pq_key_from_where(r, &t->key, conj, nc, used, &pw->key, &found)))
        return rc;
    if (!found)
        return err_set(r->err, ERR_VALIDATION,
                       b->kind == EXPR_PQ_EXISTS ? TXT_PQ_EXISTS_COND : TXT_PQ_KEY_EQ);
    /* the key values' sizes, as UpdateItem / DeleteItem check them ("Size of hashkey has
     * exceeded ..."; DynamoDB Local refuses them too, in its own words; review14 F8) */
    av_t checked;
    if ((rc = api_key_check(r, &t->key, &pw->key, API_KEY_PARAM, &checked, NULL)))
        return rc;
    if (b->kind != EXPR_PQ_EXISTS) {
        /* a second equality on a key attribute must name the same value */
        const char *names[2];
        size_t nk = api_key_names(&t->key, names);
        for (size_t i = 0; i < nc; i++)
            for (size_t k = 0; k < nk && !used[i]; k++) {
                const av_t *v;
                size_t cnt;
                if (expr_pq_key_eq(conj[i], names[k], false, &v, 1, &cnt) &&
                    !av_equal(v, av_map_gets(&pw->key, names[k])))
                    return err_set(r->err, ERR_VALIDATION, TXT_PQ_KEY_MULTI, names[k]);
            }
    }
    pw->w.key = &pw->key;
    if (b->kind == EXPR_PQ_UPDATE) {
        pw->w.kind = API_W_UPDATE;
        pw->w.upd = b->upd;
        pw->w.cond = b->where; /* a missing item fails its key equalities */
        return 0;
    }
    if (b->kind == EXPR_PQ_EXISTS) {
        /* a key read with a condition of its own */
        bool extra = false;
        for (size_t i = 0; i < nc; i++)
            extra |= !used[i];
        if (!extra)
            return err_set(r->err, ERR_VALIDATION, TXT_PQ_EXISTS_COND);
        pw->w.kind = API_W_CHECK;
        pw->w.cond = b->where;
        return 0;
    }
    pw->w.kind = API_W_DELETE;
    expr_node *rest = NULL;
    if ((rc = expr_pq_without(r->arena, conj, nc, used, &rest, r->err)))
        return rc;
    if (rest) {
        /* checked only when the item exists: deleting a missing item is not an error */
        expr_node *ne = not_exists_node(r, t);
        expr_node *root = ne ? expr_build_or(r->arena, ne, rest) : NULL;
        expr_t *cond = NULL;
        if (!root || expr_build_condition(r->arena, EXPR_CONDITION, root, &cond, r->err))
            return r->err->code ? r->err->code : api_nomem(r);
        pw->w.cond = cond;
    }
    return 0;
}

void api_pq_sw_init(store_write *sw, api_req *r, pq_write *pw, bool want_old)
{
    memset(sw, 0, sizeof *sw);
    sw->table = pw->t;
    sw->key = &pw->key;
    sw->apply = api_write_apply;
    sw->ctx = &pw->w;
    sw->arena = r->arena;
    sw->is_update = pw->w.kind == API_W_UPDATE;
    sw->want_old = want_old;
    sw->item = pw->w.kind == API_W_PUT ? pw->w.item : NULL; /* encoded before the round */
}

/* The RETURNING item's room, reserved before the write (op_item.c write_room, review15 F11);
 * sum: a batch's running total of its members' room (review16 F1), else NULL. */
void api_pq_reply_room(api_req *r, pq_write *pw, store_write *sw, size_t *sum)
{
    if (pw->ret == EXPR_PQ_RET_NONE || !r->w)
        return;
    pw->w.reply = r->w;
    pw->w.reply_sum = sum;
    pw->w.reply_mine = 0;
    pw->w.reply_new = pw->ret == EXPR_PQ_RET_ALL_NEW || pw->ret == EXPR_PQ_RET_MODIFIED_NEW;
    pw->w.reply_updated = pw->w.reply_modified =
        pw->ret == EXPR_PQ_RET_MODIFIED_OLD || pw->ret == EXPR_PQ_RET_MODIFIED_NEW;
    sw->peek = api_write_peek; /* ALL OLD's room; ALL NEW's is the new item's, in apply */
}

/* The RETURNING item of a finished write (NULL: none). */
int api_pq_returning_item(api_req *r, const pq_write *pw, const store_write *sw, av_t *out,
                          bool *have)
{
    *have = false;
    const av_t *old = sw->old.type == AV_M ? &sw->old : NULL;
    const av_t *nw = (sw->new_item && sw->new_item != STORE_KEEP) ? sw->new_item : NULL;
    switch (pw->ret) {
    case EXPR_PQ_RET_NONE:
        return 0;
    case EXPR_PQ_RET_ALL_OLD:
        if (old) {
            *out = *old;
            *have = true;
        }
        return 0;
    case EXPR_PQ_RET_ALL_NEW:
        if (nw) {
            *out = *nw;
            *have = true;
        }
        return 0;
    case EXPR_PQ_RET_MODIFIED_OLD:
    case EXPR_PQ_RET_MODIFIED_NEW: {
        const av_t *src = pw->ret == EXPR_PQ_RET_MODIFIED_OLD ? old : nw;
        if (pw->w.image_set) { /* projected before the write (api_write_apply) */
            *out = pw->w.image;
            *have = out->type == AV_M && out->u.map.n > 0;
            return 0;
        }
        if (!src || !pw->w.updated)
            return 0;
        int rc = expr_project_modified(r->arena, pw->w.updated, src, out, r->err);
        if (rc)
            return rc;
        *have = out->type == AV_M && out->u.map.n > 0;
        return 0;
    }
    }
    return 0;
}

/* The units a write consumed (its GSIs' included), times factor (transactional: 2). */
void api_pq_write_units(const pq_write *pw, const store_write *sw, int factor, api_cap *out)
{
    api_cap cap;
    memset(&cap, 0, sizeof cap);
    cap.table = api_table_name(pw->t);
    const av_t *old = sw->old.type == AV_M ? &sw->old : NULL;
    const av_t *nw = (sw->new_item && sw->new_item != STORE_KEEP) ? sw->new_item : NULL;
    uint64_t sz = sw->old_size > sw->new_size ? sw->old_size : sw->new_size;
    cap.table_h = api_cap_write_h(sz) * (uint64_t)factor;
    api_cap tmp;
    memset(&tmp, 0, sizeof tmp);
    api_cap_add_index_writes(&tmp, pw->t, old, nw);
    for (size_t k = 0; k < tmp.n_idx; k++)
        for (size_t m = 0; m < pw->t->n_idx; m++)
            if (strcmp(pw->t->idx[m].name, tmp.idx[k].name) == 0)
                api_cap_add_index(&cap, &pw->t->idx[m], tmp.idx[k].h * (uint64_t)factor);
    *out = cap;
}

uint64_t api_pq_failed_h(const pq_write *pw, const store_write *sw)
{
    uint64_t sz = sw->old_size;
    if (pw->insert && pw->w.item) {
        uint64_t mine = av_item_size(pw->w.item);
        if (mine > sz)
            sz = mine;
    }
    if (pw->w.kind == API_W_UPDATE && pw->w.failed_size > sz) /* api_write_apply */
        sz = pw->w.failed_size;
    return api_cap_write_h(sz);
}

static json_t *write_cap(const pq_write *pw, const store_write *sw, api_rcc rcc, int factor)
{
    api_cap cap;
    api_pq_write_units(pw, sw, factor, &cap);
    return api_cap_json(&cap, rcc);
}

int api_pq_write_one(api_req *r, const pq_stmt *s, json_t **out)
{
    json_t *body = r->body;
    api_rcc rcc;
    bool rvoccf = false;
    int rc;
    if ((rc = api_rcc_parse(r, body, &rcc)) || (rc = api_rvoccf_parse(r, body, &rvoccf)))
        return rc;
    pq_write pw;
    if ((rc = api_pq_write_prepare(r, &s->b, &pw)))
        return rc;
    store_write sw;
    api_pq_sw_init(&sw, r, &pw, true);
    api_pq_reply_room(r, &pw, &sw, NULL);
    /* --transaction-conflicts, --throttle: as PutItem / UpdateItem / DeleteItem (op_item.c) */
    if ((rc = api_write_one(r, pw.t, &pw.key, &sw)))
        return rc;
    api_vix_bill(pw.t, &sw); /* a vector is billed at 4 bytes a dimension (api_vector.c) */
    if (sw.rc) {
        if (sw.rc == ERR_CONDITIONAL_CHECK_FAILED) { /* still consumes write units */
            api_cap u;
            memset(&u, 0, sizeof u);
            u.table_h = api_pq_failed_h(&pw, &sw);
            api_metrics_write(r, pw.t, u.table_h);
            api_thr_charge_write(r, pw.t, &u, API_THR_WRITE);
        }
        if (sw.rc == ERR_CONDITIONAL_CHECK_FAILED && pw.insert)
            return err_set(r->err, ERR_DUPLICATE_ITEM, TXT_PQ_DUPLICATE);
        err_set(r->err, sw.rc, "%s", sw.err.msg);
        if (sw.rc == ERR_CONDITIONAL_CHECK_FAILED && rvoccf && sw.old.type == AV_M &&
            (rc = api_err_item(r, &sw.old)))
            return rc;
        return sw.rc;
    }
    av_t ret;
    bool have = false;
    if ((rc = api_pq_returning_item(r, &pw, &sw, &ret, &have)))
        return rc;
    api_out *o = api_reply(r);
    ao_arr(o, "Items");
    if (have)
        ao_item(o, NULL, &ret);
    ao_close(o);
    api_cap u;
    api_pq_write_units(&pw, &sw, 1, &u);
    api_metrics_write(r, pw.t, u.table_h);
    api_thr_charge_write(r, pw.t, &u, API_THR_WRITE);
    if (rcc != API_RCC_NONE)
        ao_json(o, "ConsumedCapacity", write_cap(&pw, &sw, rcc, 1));
    (void)out;
    return 0;
}

/* The jansson tree of object o of our reader's tree without its Parameters arrays, which stay
 * in ours.  members NULL: o's own "Parameters" when it is an array (*out_params, else NULL);
 * else the array member named members: each of its objects without its own "Parameters"
 * (*out_member_params: one per element, from arena a, NULL where none; the array itself NULL
 * when the member is absent or not an array).  NULL when out of memory. */
static json_t *pq_tree(arena_t *a, const jread_val *o, const char *members,
                       const jread_val **out_params, const jread_val ***out_member_params)
{
    if (out_params)
        *out_params = NULL;
    if (out_member_params)
        *out_member_params = NULL;
    json_t *b = json_object();
    for (const jread_val *v = o->child; b && v; v = v->next) {
        json_t *j = NULL;
        if (!members && API_JR_KEY(v, "Parameters") && v->type == JREAD_ARRAY) {
            *out_params = v;
            continue;
        }
        if (members && api_jr_key(v, members, strlen(members)) && v->type == JREAD_ARRAY) {
            const jread_val **ps = arena_zalloc(a, (v->n ? v->n : 1) * sizeof *ps);
            j = ps ? json_array() : NULL;
            size_t i = 0;
            for (const jread_val *m = v->child; j && m; m = m->next, i++) {
                json_t *jm = m->type == JREAD_OBJECT ? pq_tree(a, m, NULL, &ps[i], NULL)
                                                     : jread_to_jansson(m);
                if (!jm || json_array_append_new(j, jm)) {
                    json_decref(j);
                    j = NULL;
                }
            }
            *out_member_params = ps;
        } else {
            j = jread_to_jansson(v);
        }
        if (!j || json_object_setn_new_nocheck(b, v->key, v->key_len, j)) {
            json_decref(b);
            b = NULL;
        }
    }
    return b;
}

/* A PartiQL request from our reader's tree (the endpoint's; api.c): r->body (owned) becomes a
 * jansson tree of it without the Parameters arrays, which stay in ours and are read from
 * there (api_pq_load): 1.4 million parameters (14 MB) took ~590 MB as jansson's tree (~420 bytes
 * a {"N":"0"}); the rest is small (the model bounds a Statement to 8 KB).  members NULL
 * (ExecuteStatement): the request's own Parameters (*out_params); else the name of the array
 * of members (BatchExecuteStatement's Statements, ExecuteTransaction's TransactStatements):
 * each object member's (*out_member_params; pq_tree).  A request already in jansson's tree
 * (api_call) is left as it is, the outputs NULL.  0 or ERR_NOMEM. */
int api_pq_body(api_req *r, const char *members, const jread_val **out_params,
                const jread_val ***out_member_params)
{
    if (out_params)
        *out_params = NULL;
    if (out_member_params)
        *out_member_params = NULL;
    if (r->body)
        return 0;
    json_t *b = pq_tree(r->arena, r->jbody, members, out_params, out_member_params);
    if (!b)
        return api_nomem(r);
    r->body = b;
    r->body_owned = true;
    return 0;
}
