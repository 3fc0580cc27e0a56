/*
 * api_item — helpers shared by the item-level operations.  Layer: api.  See api_item.h.
 *
 * Invariants: everything is allocated in the request arena; error texts come from
 * api_text.h and were recorded from DynamoDB Local (tests/e2e/test_items.py pins them).
 * Capacity is counted in half units (0.5 CU = 1) so no floating point is needed until the
 * JSON edge.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 */
#include "api/api_item.h"

#include <stdio.h>
#include <string.h>

#include "api/api_text.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "value/ddbjson.h"
#include "value/jread.h"

json_t *api_param(const json_t *o, const char *name)
{
    json_t *j = o ? json_object_get(o, name) : NULL;
    return (j && !json_is_null(j)) ? j : NULL;
}

int api_table_get(api_req *r, const char *name, size_t len, const store_table **out)
{
    *out = NULL;
    const char *given = NULL;
    size_t given_len = 0;
    /* the table's ARN: its name (api_table_arn_name); a bad ARN is its own error */
    if (len >= 4 && name && memcmp(name, "arn:", 4) == 0) {
        given = name;
        given_len = len;
        int rc = api_table_arn_name(r, &name, &len);
        if (rc)
            return rc;
    }
    /* a name CreateTable could not have made (shorter than 3, a NUL inside) names no table:
     * the data-plane operations accept names from 1 character (their model's bound) */
    if (name && len >= 3 && strlen(name) == len)
        *out = api_table(r, name);
    if (*out) {
        if (given) { /* kept for ConsumedCapacity's TableName (api_cap_table) */
            r->arn_given = arena_strndup(r->arena, given, given_len);
            r->arn_table = r->arn_given ? *out : NULL;
        }
        return 0;
    }
    if (r->err->code && r->err->code != ERR_RESOURCE_NOT_FOUND && r->err->code != ERR_VALIDATION)
        return r->err->code;
    err_clear(r->err);
    return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_RES_NOT_FOUND);
}

const char *api_cap_table(const api_req *r, const store_table *t)
{
    return r->arn_given && r->arn_table == t ? r->arn_given : api_table_name(t);
}

int api_item_table(api_req *r, json_t *o, const store_table **out)
{
    *out = NULL;
    json_t *j = api_param(o, "TableName");
    if (!j)
        return err_set(r->err, ERR_VALIDATION,
                       "1 validation error detected: Value null at 'tableName' failed to "
                       "satisfy constraint: Member must not be null");
    if (!json_is_string(j))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    return api_table_get(r, json_string_value(j), json_string_length(j), out);
}

/* ---- keys ------------------------------------------------------------------------------ */

size_t api_key_names(const store_keydef *kd, const char *names[2])
{
    names[0] = kd->hash;
    names[1] = kd->range[0] ? kd->range : NULL;
    return kd->range[0] ? 2 : 1;
}

static bool key_scalar_ok(const av_t *v, av_type want)
{
    return v->type == want;
}

/* One key attribute against its declared type; *cls says which family a failure is. */
static int key_check_one(api_req *r, api_keyform form, const char *name, av_type want,
                         const av_t *v, bool range, api_keyerr *cls)
{
    if (!v) {
        *cls = API_KEYERR_SCHEMA;
        /* BatchWriteItem's PutRequest says the schema text for a missing key attribute too
         * (conformance suite's capture, us-east-1 and eu-west-2, 2026-10-09;
         * test_batch.py test_batch_write_validation) */
        if (form != API_KEY_ITEM)
            return err_set(r->err, ERR_VALIDATION, TXT_KEY_SCHEMA);
        return err_set(r->err, ERR_VALIDATION, TXT_KEY_ITEM_MISSING, name);
    }
    if (!key_scalar_ok(v, want)) {
        *cls = API_KEYERR_SCHEMA;
        if (form == API_KEY_ITEM)
            return err_set(r->err, ERR_VALIDATION, TXT_KEY_ITEM_TYPE, name, av_type_name(want),
                           av_type_name(v->type));
        return err_set(r->err, ERR_VALIDATION, TXT_KEY_SCHEMA);
    }
    *cls = API_KEYERR_VALUE;
    if (v->u.str.len == 0)
        return err_set(r->err, ERR_VALIDATION, want == AV_B ? TXT_KEY_EMPTY_B : TXT_KEY_EMPTY_S,
                       name);
    *cls = API_KEYERR_SIZE;
    if (v->u.str.len > (range ? AV_MAX_RANGE_KEY_LEN : AV_MAX_HASH_KEY_LEN))
        return err_set(r->err, ERR_VALIDATION, range ? TXT_KEY_RANGE_TOO_LONG : TXT_KEY_HASH_TOO_LONG);
    *cls = API_KEYERR_NONE;
    return 0;
}

int api_key_check(api_req *r, const store_keydef *kd, const av_t *src, api_keyform form,
                  av_t *out_key, api_keyerr *out_cls)
{
    const char *names[2];
    size_t n = api_key_names(kd, names);
    api_keyerr cls = API_KEYERR_SCHEMA;
    if (out_cls)
        *out_cls = API_KEYERR_NONE;
    int rc = 0;
    if (!src || src->type != AV_M) {
        rc = err_set(r->err, ERR_VALIDATION, TXT_KEY_SCHEMA);
        goto fail;
    }
    /* a Key parameter holds exactly the key attributes (checked first, as the service) */
    if (form == API_KEY_PARAM && src->u.map.n != n) {
        rc = err_set(r->err, ERR_VALIDATION, TXT_KEY_SCHEMA);
        goto fail;
    }
    av_kv *kv = arena_alloc(r->arena, sizeof *kv * 2);
    if (!kv)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        const av_t *v = av_map_gets(src, names[i]);
        if ((rc = key_check_one(r, form, names[i], i == 0 ? kd->hash_type : kd->range_type, v,
                                i == 1, &cls)))
            goto fail;
        kv[i].name = names[i];
        kv[i].name_len = strlen(names[i]);
        kv[i].val = *v;
    }
    out_key->type = AV_M;
    out_key->u.map.kv = kv;
    out_key->u.map.n = n;
    return 0;
fail:
    if (out_cls)
        *out_cls = cls;
    return rc;
}

int api_key_extract(api_req *r, const store_keydef *kd, const av_t *src, api_keyform form,
                    av_t *out_key)
{
    return api_key_check(r, kd, src, form, out_key, NULL);
}

int api_item_from_json(api_req *r, const json_t *j, av_t *out)
{
    if (!json_is_object(j))
        return err_set(r->err, ERR_SERIALIZATION,
                       "Start of list found where not expected");
    return ddbjson_to_item_in(j, (ddbjson_layer)r->values, r->arena, out, r->err);
}

/* Attribute names[i] of key m: at position i when it is there under the key definition's own
 * name pointer (api_key_check builds keys so, hash then range: the batch and transaction
 * duplicate checks compare up to 300 pairs per request), else looked up by name. */
static const av_t *key_attr(const av_t *m, size_t i, const char *name)
{
    if (m && m->type == AV_M && i < m->u.map.n && m->u.map.kv[i].name == name)
        return &m->u.map.kv[i].val;
    return av_map_gets(m, name);
}

bool api_key_equal(const store_keydef *kd, const av_t *a, const av_t *b)
{
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t n = store_key_attrs(kd, names, types, NULL);
    for (size_t i = 0; i < n; i++) {
        const av_t *x = key_attr(a, i, names[i]), *y = key_attr(b, i, names[i]);
        if (!x || !y || !av_equal(x, y))
            return false;
    }
    return true;
}

/* Whether attribute name of item differs from before's (always, without a before). */
static bool key_attr_changed(const av_t *item, const av_t *before, const char *name)
{
    if (!before)
        return true;
    const av_t *v = av_map_gets(item, name), *o = av_map_gets(before, name);
    return !v || !o || !av_equal(o, v);
}

/* The secondary indexes' key values of a well-typed item against the key size limits (a
 * partition key attribute 2048 bytes, a sort key attribute 1024: the table's texts, which the
 * service also gives for an index's keys), every attribute of a multi-attribute key included;
 * then each multi-attribute key's partition attributes the item has, together (2048 bytes),
 * and its sort attributes, together (1024), numbers at their stored size, also for an item
 * that lacks one of them, in DynamoDB Local 3.3's words and ways (the only source for
 * multi-attribute keys' limits).  Unchanged attributes of an update are not measured again. */
static int index_key_sizes_check(const store_table *t, const av_t *item, const av_t *before,
                                 err_t *e)
{
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        const char *kn[STORE_KEY_ATTRS];
        av_type kt[STORE_KEY_ATTRS];
        size_t nhash, nk = store_key_attrs(&ix->key, kn, kt, &nhash);
        for (size_t k = 0; k < nk; k++) {
            if (!ix->global && k == 0)
                continue;
            const av_t *v = av_map_gets(item, kn[k]);
            if (!v || (v->type != AV_S && v->type != AV_B) ||
                !key_attr_changed(item, before, kn[k]))
                continue;
            bool hash = k < nhash;
            if (v->u.str.len > (hash ? AV_MAX_HASH_KEY_LEN : AV_MAX_RANGE_KEY_LEN))
                return err_set(e, ERR_VALIDATION, "%s",
                               hash ? TXT_KEY_HASH_TOO_LONG : TXT_KEY_RANGE_TOO_LONG);
        }
    }
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        if (!store_key_multi(&ix->key))
            continue;
        const char *kn[STORE_KEY_ATTRS];
        av_type kt[STORE_KEY_ATTRS];
        size_t nhash, nk = store_key_attrs(&ix->key, kn, kt, &nhash);
        const size_t from[2] = {0, nhash}, to[2] = {nhash, nk};
        for (int g = 0; g < 2; g++) {
            if (to[g] - from[g] < 2)
                continue;
            size_t sum = 0;
            bool changed = false;
            char names[STORE_KEY_ATTRS * (STORE_NAME_MAX + 2)];
            size_t used = 0;
            names[0] = 0;
            for (size_t k = from[g]; k < to[g]; k++) {
                const av_t *v = av_map_gets(item, kn[k]);
                if (!v)
                    continue;
                sum += av_value_size(v);
                changed = changed || key_attr_changed(item, before, kn[k]);
                int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                                 kn[k]);
                if (w > 0 && (size_t)w < sizeof names - used)
                    used += (size_t)w;
            }
            size_t limit = g == 0 ? AV_MAX_HASH_KEY_LEN : AV_MAX_RANGE_KEY_LEN;
            if (changed && sum > limit)
                return err_set(e, ERR_VALIDATION, TXT_IDX_KEY_AGGREGATE,
                               g == 0 ? "HASH" : "RANGE", names, ix->name, limit, sum);
        }
    }
    return 0;
}

/* The size one attribute of item counts (name and value), 0 when absent. */
static size_t attr_size(const av_t *item, const char *name)
{
    const av_t *v = av_map_gets(item, name);
    return v ? strlen(name) + av_value_size(v) : 0;
}

/* What item's entries in t's local secondary indexes count toward its 400 KB: the quotas page's
 * "Item size for tables with Local Secondary Indexes" (for each LSI, a 400 KB limit on the
 * item's size in the table plus its entries in all LSIs).  An entry, as DynamoDB Local measures
 * it (the only measurement: probes 2026-12-05, every boundary to the byte): the item's size
 * under ALL; else the index's key attributes (the table's partition key and the LSI's sort
 * key, not the table's sort key) and the projected attributes the item has.  An item without
 * the LSI's sort key has no entry.  size: the item's av_item_size. */
static size_t lsi_entries_size(const store_table *t, const av_t *item, size_t size)
{
    size_t sum = 0;
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        if (ix->global)
            continue;
        const char *kn[STORE_KEY_ATTRS];
        av_type kt[STORE_KEY_ATTRS];
        size_t nk = store_key_attrs(&ix->key, kn, kt, NULL);
        if (nk < 2 || !av_map_gets(item, kn[1]))
            continue;
        if (ix->proj == STORE_PROJ_ALL) {
            sum += size;
            continue;
        }
        sum += attr_size(item, kn[0]) + attr_size(item, kn[1]);
        for (size_t k = 0; ix->proj == STORE_PROJ_INCLUDE && k < ix->n_include; k++)
            if (strcmp(ix->include[k], kn[0]) && strcmp(ix->include[k], kn[1]))
                sum += attr_size(item, ix->include[k]);
    }
    return sum;
}

/* An index key attribute refused, of the index the service names: the one first by name. */
typedef struct idx_bad {
    const store_index *ix; /* NULL: none refused */
    const char *attr;
    av_type want, got; /* the key's type, and the type met */
} idx_bad;

/* Whether key attribute name (of key type want) is refused, and the type met (*out_got). */
typedef bool (*idx_key_refused_fn)(const void *ctx, const char *name, av_type want,
                                   av_type *out_got);

/* The key attributes of t's indexes, each given to refused(): the one refused whose index comes
 * first by name into *out (out->ix NULL: none).  An LSI's hash key is the table's: checked as a
 * table key, not here. */
static inline void index_key_first_refused(const store_table *t, idx_key_refused_fn refused,
                                           const void *ctx, idx_bad *out)
{
    out->ix = NULL;
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        const char *kn[STORE_KEY_ATTRS];
        av_type kt[STORE_KEY_ATTRS];
        size_t nk = store_key_attrs(&ix->key, kn, kt, NULL);
        for (size_t k = 0; k < nk; k++) {
            av_type got;
            if ((!ix->global && k == 0) || !refused(ctx, kn[k], kt[k], &got))
                continue;
            if (!out->ix || strcmp(ix->name, out->ix->name) < 0)
                *out = (idx_bad){ix, kn[k], kt[k], got};
        }
    }
}

/* api_index_keys_check's item and the item before (NULL: none). */
typedef struct idx_items {
    const av_t *item, *before;
} idx_items;

/* An item's index key attribute is refused when present (and, in an update, changed) with
 * another type than the key's, or empty. */
static bool item_key_refused(const void *ctx, const char *name, av_type want, av_type *out_got)
{
    const idx_items *x = ctx;
    const av_t *v = av_map_gets(x->item, name);
    if (!v)
        return false;
    if (x->before) {
        const av_t *o = av_map_gets(x->before, name);
        if (o && av_equal(o, v))
            return false; /* unchanged by this update */
    }
    *out_got = v->type;
    return !(v->type == want && !((v->type == AV_S || v->type == AV_B) && v->u.str.len == 0));
}

int api_index_keys_check(const store_table *t, const av_t *item, const av_t *before, size_t size,
                         const expr_t *upd, err_t *e)
{
    const idx_items x = {item, before};
    idx_bad b;
    index_key_first_refused(t, item_key_refused, &x, &b);
    const store_index *bad = b.ix;
    const char *bad_attr = b.attr;
    av_type bad_want = b.want;
    if (!bad) {
        int rc = index_key_sizes_check(t, item, before, e);
        /* then the vector indexes' rules (api_vector.c) */
        if (rc || (rc = api_vix_item_check(t, item, before, e)))
            return rc;
        /* then the item with its LSI entries within 400 KB (an update: the update's size
         * text, inferred; DynamoDB Local does not check an update) */
        if (size == API_SIZE_UNKNOWN)
            size = api_table_has_lsi(t) ? av_item_size(item) : 0;
        size_t lsi = lsi_entries_size(t, item, size);
        if (lsi && size + lsi > AV_MAX_ITEM_SIZE)
            return err_set(e, ERR_VALIDATION, "%s",
                           before ? TXT_ITEM_TOO_BIG_UPDATE : TXT_ITEM_TOO_BIG);
        return 0;
    }
    if (b.got != bad_want && before && upd &&
        expr_update_sets_attr(upd, bad_attr, strlen(bad_attr)))
        return err_set(e, ERR_VALIDATION, "%s", TXT_IDX_TYPE_UPDATE);
    if (b.got != bad_want)
        return err_set(e, ERR_VALIDATION, TXT_IDX_TYPE_AWS, bad_attr, av_type_name(bad_want),
                       av_type_name(b.got), bad->name);
    if (before)
        return err_set(e, ERR_VALIDATION,
                       bad_want == AV_B ? TXT_IDX_EMPTY_B_UPDATE : TXT_IDX_EMPTY_S_UPDATE);
    return err_set(e, ERR_VALIDATION, bad_want == AV_B ? TXT_IDX_EMPTY_B : TXT_IDX_EMPTY_S,
                   bad->name, bad_attr);
}

/* An index key attribute is refused when the update sets it to a value of another type than
 * the key's, known without the item. */
static bool update_key_refused(const void *ctx, const char *name, av_type want, av_type *out_got)
{
    *out_got = expr_update_known_type(ctx, name, strlen(name));
    return *out_got != AV_NONE && *out_got != want;
}

int api_update_static_index_types(const store_table *t, const expr_t *upd, err_t *e)
{
    if (!upd)
        return 0;
    idx_bad b;
    index_key_first_refused(t, update_key_refused, upd, &b);
    if (!b.ix)
        return 0;
    const char *names[2];
    size_t n = api_key_names(&t->key, names);
    int rc = expr_update_key_targets(upd, names, n, e);
    return rc ? rc
              : err_set(e, ERR_VALIDATION, TXT_IDX_TYPE_AWS, b.attr, av_type_name(b.want),
                        av_type_name(b.got), b.ix->name);
}

int api_item_index_keys_check(api_req *r, const store_table *t, const av_t *item)
{
    return api_index_keys_check(t, item, NULL, API_SIZE_UNKNOWN, NULL, r->err);
}

/* An attribute name, at any depth, longer than 65535 bytes (the service's quota: names
 * shorter than 64 KB). */
static bool names_too_long(const av_t *v, int depth)
{
    if (depth > AV_MAX_DEPTH)
        return false; /* deeper than allowed: refused elsewhere */
    if (v->type == AV_M) {
        for (size_t i = 0; i < v->u.map.n; i++)
            if (v->u.map.kv[i].name_len > AV_MAX_NAME_LEN ||
                names_too_long(&v->u.map.kv[i].val, depth + 1))
                return true;
    } else if (v->type == AV_L) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (names_too_long(&v->u.list.items[i], depth + 1))
                return true;
    }
    return false;
}

int api_item_names_check(const av_t *item, err_t *e)
{
    if (item && names_too_long(item, 0))
        return err_set(e, ERR_VALIDATION, "%s", TXT_ATTR_NAME_TOO_LONG);
    return 0;
}

int api_item_size_check_w(api_req *r, const av_t *item, const char *msg, api_wctx *w)
{
    bool long_name = false;
    size_t size = item ? av_item_size_names(item, &long_name) : 0;
    if (size > AV_MAX_ITEM_SIZE)
        return err_set(r->err, ERR_VALIDATION, "%s", msg);
    if (long_name)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_ATTR_NAME_TOO_LONG);
    if (w && item) {
        w->item_size = size; /* av_item_size_names is av_item_size with the names' check */
        w->item_sized = true;
    }
    return 0;
}

int api_item_size_check(api_req *r, const av_t *item, const char *msg)
{
    return api_item_size_check_w(r, item, msg, NULL);
}

/* ---- expressions ----------------------------------------------------------------------- */

static bool any_param(const json_t *o, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (api_param(o, list[i]))
            return true;
    return false;
}

/* Whether o holds an expression of the list that can use :values (all but projections). */
static bool any_value_expr(const json_t *o, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], "ProjectionExpression") != 0 && api_param(o, list[i]))
            return true;
    return false;
}

/* A value of ExpressionAttributeValues that is not valid: the service (and DynamoDB Local)
 * names the placeholder, "ExpressionAttributeValues contains invalid value: <the value's
 * text> for key :v" (dynalite's AWS-checked tests; test_items::test_number_texts).  rc and
 * r->err come from converting the whole map; the first value that fails alone with the same
 * text is the one named.  A map nested too deep as a whole keeps its unwrapped text. */
static int eav_wrap(api_req *r, const json_t *jv, int rc)
{
    if (rc != ERR_VALIDATION)
        return rc;
    /* PutItem, DeleteItem and Query name no placeholder: the value's own text (the current
     * layer: the conformance suite's tier3 error-messages/valueLayers, eu-west-2, us-east-1,
     * eu-west-1 and us-west-2, 2026-10-09; test_value_layers.py).  UpdateItem keeps the
     * wrapper although the same capture shows it without: Dynoxide's tests (tests/
     * http_server.rs, DUPLICATE_SET_IN_EAV_ENVELOPED) pin it there exactly, and the lead's
     * rule keeps a text so pinned.  The older layer (Scan, the transactions) wraps. */
    if (r->op && (strcmp(r->op, "PutItem") == 0 || strcmp(r->op, "DeleteItem") == 0 ||
                  strcmp(r->op, "Query") == 0))
        return rc;
    const char *k;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach((json_t *)jv, k, klen, v) {
        err_t e;
        err_clear(&e);
        av_t tmp;
        if (ddbjson_to_av_in(v, (ddbjson_layer)r->values, r->arena, &tmp, &e) == ERR_VALIDATION &&
            strcmp(e.msg, r->err->msg) == 0) {
            err_clear(r->err);
            return err_set(r->err, ERR_VALIDATION,
                           "ExpressionAttributeValues contains invalid value: %s for key %.*s",
                           e.msg, (int)klen, k);
        }
    }
    return rc;
}

int api_exprs_pre(api_req *r, const json_t *o, const char *const *expr_params,
                  const char *null_what)
{
    json_t *jn = api_param(o, "ExpressionAttributeNames");
    json_t *jv = api_param(o, "ExpressionAttributeValues");
    bool any = any_param(o, expr_params);
    if (jn) {
        if (!json_is_object(jn))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        if (!any)
            return err_set(r->err, ERR_VALIDATION, TXT_EAN_NO_EXPR);
    }
    if (jv && null_what) {
        if (!json_is_object(jv))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        if (!any_value_expr(o, expr_params))
            return *null_what ? err_set(r->err, ERR_VALIDATION, TXT_EAV_NO_EXPR, null_what)
                              : err_set(r->err, ERR_VALIDATION, "%s", TXT_EAV_NO_EXPR_AWS);
    }
    return 0;
}

int api_exprs_init(api_req *r, const json_t *o, api_exprs *x, const char *const *expr_params,
                   const char *null_what)
{
    /* both maps' "given without an expression" checks before either map's own (dynalite's
     * validateExpressionParams before validateExpressions; review17 F1: a bad names key must
     * not come before values given without an expression; test_items
     * test_placeholder_map_order) */
    int prc = api_exprs_pre(r, o, expr_params, null_what);
    return prc ? prc : api_exprs_init_maps(r, o, x, null_what);
}

int api_exprs_init_tx(api_req *r, const json_t *o, api_exprs *x, const char *const *expr_params,
                      const char *null_what)
{
    if (any_param(o, expr_params))
        return api_exprs_init(r, o, x, expr_params, null_what);
    /* no expression: the maps are read (their type, keys and values, as any input) and
     * nothing is found unused (AWS us-east-1, ExtendDB's tests/
     * test_transact_expression_validation.py; test_transact
     * test_transact_names_values_without_expression) */
    json_t *jn = api_param(o, "ExpressionAttributeNames");
    json_t *jv = null_what ? api_param(o, "ExpressionAttributeValues") : NULL;
    if ((jn && !json_is_object(jn)) || (jv && !json_is_object(jv)))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    int rc = api_exprs_init_maps(r, o, x, null_what);
    x->have_env = false;
    return rc;
}

int api_exprs_init_maps(api_req *r, const json_t *o, api_exprs *x, const char *null_what)
{
    memset(x, 0, sizeof *x);
    /* past api_exprs_pre: a given map is an object, and an expression is there for it */
    json_t *jn = api_param(o, "ExpressionAttributeNames");
    json_t *jv = api_param(o, "ExpressionAttributeValues");
    if (jn) {
        if (json_object_size(jn) == 0)
            return err_set(r->err, ERR_VALIDATION, TXT_EAN_EMPTY);
        size_t n = json_object_size(jn), i = 0;
        av_kv *kv = arena_zalloc(r->arena, sizeof *kv * n);
        av_t *m = arena_zalloc(r->arena, sizeof *m);
        if (!kv || !m)
            return api_nomem(r);
        const char *k;
        size_t klen;
        json_t *v;
        /* placeholders with their length: "#n\u0000x" is not "#n" */
        json_object_keylen_foreach(jn, k, klen, v) {
            if (!json_is_string(v))
                return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
            kv[i].name = k;
            kv[i].name_len = klen;
            kv[i].val = av_make_s(json_string_value(v), json_string_length(v));
            i++;
        }
        m->type = AV_M;
        m->u.map.kv = kv;
        m->u.map.n = n;
        x->names = m;
        /* the names' keys and values before anything of ExpressionAttributeValues (its
         * emptiness, its keys, its values): the service's order (dynalite's AWS-recorded
         * tests; DynamoDB Local agrees; test_items test_placeholder_map_order) */
        int rc = expr_env_names_check(m, r->arena, r->err);
        if (rc)
            return rc;
    }
    if (jv && null_what) {
        if (json_object_size(jv) == 0)
            return err_set(r->err, ERR_VALIDATION, TXT_EAV_EMPTY);
        {
            /* every key's syntax before the first value is read (same order) */
            const char *k;
            size_t klen;
            json_t *v;
            json_object_keylen_foreach(jv, k, klen, v) {
                (void)v;
                int krc = expr_env_value_key_check(k, klen, r->arena, r->err);
                if (krc)
                    return krc;
            }
        }
        av_t *m = arena_zalloc(r->arena, sizeof *m);
        if (!m)
            return api_nomem(r);
        int rc = ddbjson_to_item_in(jv, (ddbjson_layer)r->values, r->arena, m, r->err);
        if (rc)
            return eav_wrap(r, jv, rc);
        /* a map key over 65,535 bytes inside a value: refused up front, as in an Item (a
         * transaction's Update is then no cancellation; review14 F10, test_f10) */
        if ((rc = api_item_names_check(m, r->err)))
            return rc;
        x->values = m;
    }
    int rc = expr_env_init(&x->env, r->arena, x->names, x->values, r->err);
    if (rc)
        return rc;
    x->have_env = true;
    return 0;
}

int api_exprs_init_jr(api_req *r, const jread_val *names, const jread_val *values,
                      bool any_expr, bool any_value_expr, api_exprs *x)
{
    memset(x, 0, sizeof *x);
    if (names) {
        if (names->type != JREAD_OBJECT || !any_expr || names->n == 0)
            return 1;
        av_kv *kv = arena_zalloc(r->arena, sizeof *kv * names->n);
        av_t *m = arena_zalloc(r->arena, sizeof *m);
        if (!kv || !m)
            return api_nomem(r);
        size_t i = 0;
        for (const jread_val *v = names->child; v; v = v->next, i++) {
            if (v->type != JREAD_STRING)
                return 1;
            /* terminated copies, as jansson's strings are (the texts may point into the
             * body) */
            const char *k = arena_strndup(r->arena, v->key, v->key_len);
            const char *s = arena_strndup(r->arena, v->text, v->len);
            if (!k || !s)
                return api_nomem(r);
            kv[i].name = k;
            kv[i].name_len = v->key_len;
            kv[i].val = av_make_s(s, v->len);
        }
        *m = av_make_m(kv, names->n);
        x->names = m;
    }
    if (values) {
        if (values->type != JREAD_OBJECT || !any_value_expr || values->n == 0)
            return 1;
        av_t *m = arena_zalloc(r->arena, sizeof *m);
        if (!m)
            return api_nomem(r);
        int rc = ddbjson_to_item_jr_in(values, (ddbjson_layer)r->values, r->arena, m, r->err);
        if (rc || (rc = api_item_names_check(m, r->err)))
            return rc;
        x->values = m;
    }
    int rc = expr_env_init(&x->env, r->arena, x->names, x->values, r->err);
    if (rc) {
        x->env_refused = rc != ERR_NOMEM;
        return rc;
    }
    x->have_env = true;
    return 0;
}

int api_exprs_get_text(api_req *r, api_exprs *x, const char *text, size_t len, expr_kind kind,
                       expr_t **out)
{
    /* parsed once per distinct text (the api's expr_cache), resolved per request */
    int rc = expr_cache_resolve(r->api->xcache, r->arena, kind, text, len,
                                x->have_env ? &x->env : NULL, out, r->err);
    if (!rc && *out && kind != EXPR_KEY_CONDITION && x->n_got < sizeof x->got / sizeof x->got[0])
        x->got[x->n_got++] = *out;
    return rc;
}

int api_exprs_get(api_req *r, const json_t *o, api_exprs *x, const char *param,
                  expr_kind kind, expr_t **out)
{
    *out = NULL;
    json_t *j = api_param(o, param);
    if (!j)
        return 0;
    if (!json_is_string(j))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    return api_exprs_get_text(r, x, json_string_value(j), json_string_length(j), kind, out);
}

/* The bucket of an index name in a Java HashMap of n names. */
static uint32_t name_bucket(const char *name, size_t n)
{
    uint32_t cap = 16;
    while (n > (size_t)cap / 4 * 3 && cap < (1u << 30))
        cap *= 2;
    return expr_java_hash(name, strlen(name)) & (cap - 1);
}

int api_table_key_attr_check(const store_table *t, const expr_t *x, err_t *e)
{
    /* Which key is named when paths go into several (DynamoDB Local 3.3, measured by
     * tests/e2e/diffgen.py; test_differential.py test_key_scalar_names_keys_in_locals_order):
     * the partition key, the sort key, then the LSIs' keys, then the GSIs', the indexes of
     * each kind in a Java HashMap's order of their names (hash bucket, then definition), each
     * index's key schema in order. */
    const char *keys[2], *ikeys[STORE_KEY_ATTRS * STORE_MAX_INDEXES];
    av_type types[STORE_KEY_ATTRS];
    size_t nk = 0, nik = 0, nglobal = 0;
    keys[nk++] = t->key.hash;
    if (t->key.range[0])
        keys[nk++] = t->key.range;
    /* the usual case first: no path goes into any key (every request with an expression,
     * every UpdateItem's apply in the commit): the names in definition order, no hashing;
     * the map's order is built only to name the key of a refused one (frC 2) */
    for (size_t i = 0; i < t->n_idx; i++)
        nik += store_key_attrs(&t->idx[i].key, ikeys + nik, types, NULL);
    if (!expr_key_attr_check(x, keys, nk, ikeys, nik, NULL))
        return 0;
    nik = 0;
    uint32_t bucket[STORE_MAX_INDEXES];
    for (size_t i = 0; i < t->n_idx; i++)
        nglobal += t->idx[i].global;
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        bucket[i] = name_bucket(ix->name, ix->global ? nglobal : t->n_idx - nglobal);
    }
    for (int global = 0; global < 2; global++) {
        size_t n = global ? nglobal : t->n_idx - nglobal;
        bool done[STORE_MAX_INDEXES] = {false};
        for (size_t k = 0; k < n; k++) { /* the next index in the map's order */
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < t->n_idx; i++) {
                if (done[i] || t->idx[i].global != (global == 1))
                    continue;
                if (best == SIZE_MAX || bucket[i] < bucket[best])
                    best = i;
            }
            if (best == SIZE_MAX)
                break;
            done[best] = true;
            nik += store_key_attrs(&t->idx[best].key, ikeys + nik, types, NULL);
        }
    }
    return expr_key_attr_check_ordered(x, keys, nk, ikeys, nik, e);
}

int api_exprs_keys_check(api_req *r, const api_exprs *x, const store_table *t)
{
    if (!t || !x->n_got)
        return 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < x->n_got; i++)
        if (x->got[i] != x->keys_later)
            rc = api_table_key_attr_check(t, x->got[i], r->err);
    return rc;
}

int api_exprs_done(api_req *r, api_exprs *x)
{
    int rc = x->have_env ? expr_env_check_unused(&x->env, r->err) : 0;
    return rc ? rc : api_exprs_keys_check(r, x, x->t);
}

static void join_present(const json_t *o, const char *const *list, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; list[i]; i++) {
        if (!api_param(o, list[i]))
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", list[i]);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
}

int api_mixed_check(api_req *r, const json_t *o, const char *const *legacy,
                    const char *const *exprs)
{
    if (!any_param(o, legacy) || !any_param(o, exprs))
        return 0;
    char a[256], b[256];
    join_present(o, legacy, a, sizeof a);
    join_present(o, exprs, b, sizeof b);
    return err_set(r->err, ERR_VALIDATION, TXT_MIXED_PARAMS, a, b);
}

/* ---- return values / capacity ------------------------------------------------------------ */

int api_rv_parse(api_req *r, const json_t *o, unsigned allowed, api_rv *out)
{
    static const char *const names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
                                        "UPDATED_NEW"};
    const char *s = NULL;
    int rc = api_json_str((json_t *)o, "ReturnValues", &s, r->err);
    *out = API_RV_NONE;
    if (rc || !s)
        return rc;
    for (unsigned i = 0; i < 5; i++) {
        if (strcmp(s, names[i]) == 0) {
            if (!(allowed & (1u << i)))
                break;
            *out = (api_rv)i;
            return 0;
        }
    }
    /* PutItem and DeleteItem: the service's text (an unknown value never gets here: the
     * model's enum constraint reports it) */
    if (allowed == ((1u << API_RV_NONE) | (1u << API_RV_ALL_OLD)))
        return err_set(r->err, ERR_VALIDATION, TXT_RV_ALL_OLD_NONE);
    return err_set(r->err, ERR_VALIDATION, TXT_RV_INVALID);
}

/* Enum member `key` of o: *out the index of its value in values[0..n), -1 when absent.  The
 * value is taken whole (api_json_str_whole: one with U+0000 inside is none of the enum's
 * values, echoed with the NUL as \u0000); any other value is the service's enum error on
 * `field`, listing `listed` (DynamoDB Local ignores unknown values).  For a value that got
 * past the request model's enum check (api_schema.c), which reports it first. */
static int enum_pick(api_req *r, const json_t *o, const char *key, const char *field,
                     const char *const *values, size_t n, const char *listed, int *out)
{
    const char *s = NULL;
    int rc = api_json_str_whole((json_t *)o, key, r->arena, &s, r->err);
    *out = -1;
    if (rc || !s)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, values[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    api_vld v;
    api_vld_init(&v);
    api_vld_enum(&v, s, field, listed);
    return api_vld_finish_aws(&v, r->err); /* DynamoDB Local words rvoccf's with the prefix */
}

int api_rvoccf_parse(api_req *r, const json_t *o, bool *out_all_old)
{
    static const char *const values[] = {"NONE", "ALL_OLD"};
    int i;
    int rc = enum_pick(r, o, "ReturnValuesOnConditionCheckFailure",
                       "returnValuesOnConditionCheckFailure", values, 2, "ALL_OLD, NONE", &i);
    *out_all_old = i == 1;
    return rc;
}

int api_rcc_parse(api_req *r, const json_t *o, api_rcc *out)
{
    static const char *const values[] = {"NONE", "TOTAL", "INDEXES"}; /* api_rcc's order */
    int i;
    int rc = enum_pick(r, o, "ReturnConsumedCapacity", "returnConsumedCapacity", values, 3,
                       "INDEXES, TOTAL, NONE", &i);
    *out = i > 0 ? (api_rcc)i : API_RCC_NONE;
    return rc;
}

int api_ricm_parse(api_req *r, const json_t *o, bool *out_size)
{
    static const char *const values[] = {"NONE", "SIZE"};
    int i;
    int rc = enum_pick(r, o, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
                       values, 2, "SIZE, NONE", &i);
    *out_size = i == 1;
    return rc;
}

uint64_t api_cap_read_h(uint64_t bytes, bool strong)
{
    uint64_t units = (bytes + 4095) / 4096;
    if (units == 0)
        units = 1;
    return strong ? units * 2 : units;
}

uint64_t api_cap_write_h(uint64_t bytes)
{
    uint64_t units = (bytes + 1023) / 1024;
    if (units == 0)
        units = 1;
    return units * 2;
}

void api_cap_add_index(api_cap *cap, const store_index *ix, uint64_t h)
{
    for (size_t i = 0; i < cap->n_idx; i++) {
        if (strcmp(cap->idx[i].name, ix->name) == 0) {
            cap->idx[i].h += h;
            return;
        }
    }
    if (cap->n_idx >= STORE_MAX_INDEXES)
        return;
    cap->idx[cap->n_idx].name = ix->name;
    cap->idx[cap->n_idx].global = ix->global;
    cap->idx[cap->n_idx].h = h;
    cap->n_idx++;
}

bool api_key_has_attr(const store_keydef *kd, const char *name, size_t len)
{
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t n = store_key_attrs(kd, names, types, NULL);
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

bool api_index_has_attr(const store_table *t, const store_index *ix, const char *name,
                        size_t len)
{
    if (ix->proj == STORE_PROJ_ALL)
        return true;
    if (api_key_has_attr(&t->key, name, len) || api_key_has_attr(&ix->key, name, len))
        return true;
    if (ix->proj == STORE_PROJ_INCLUDE)
        for (size_t i = 0; i < ix->n_include; i++)
            if (strlen(ix->include[i]) == len && memcmp(ix->include[i], name, len) == 0)
                return true;
    return false;
}

static uint64_t idx_item_size(const store_table *t, const store_index *ix, const av_t *item)
{
    if (ix->proj == STORE_PROJ_ALL)
        return av_item_size(item);
    uint64_t sz = 0;
    for (size_t i = 0; i < item->u.map.n; i++) {
        const av_kv *kv = &item->u.map.kv[i];
        if (api_index_has_attr(t, ix, kv->name, kv->name_len))
            sz += kv->name_len + av_value_size(&kv->val);
    }
    return sz;
}

static bool idx_has_key(const store_index *ix, const av_t *item)
{
    if (!item || item->type != AV_M)
        return false;
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t n = store_key_attrs(&ix->key, names, types, NULL);
    for (size_t i = 0; i < n; i++) {
        const av_t *v = av_map_gets(item, names[i]);
        if (!v || v->type != types[i])
            return false;
    }
    return true;
}

/* Whether the projected attributes of ix differ between a and b. */
static bool idx_proj_changed(const store_table *t, const store_index *ix, const av_t *a,
                             const av_t *b)
{
    for (int pass = 0; pass < 2; pass++) {
        const av_t *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->u.map.n; i++) {
            const av_kv *kv = &x->u.map.kv[i];
            if (!api_index_has_attr(t, ix, kv->name, kv->name_len))
                continue;
            const av_t *o = av_map_get(y, kv->name, kv->name_len);
            if (!o || !av_equal(o, &kv->val))
                return true;
        }
    }
    return false;
}

void api_cap_add_index_writes(api_cap *cap, const store_table *t, const av_t *old_item,
                              const av_t *new_item)
{
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        bool oin = idx_has_key(ix, old_item), nin = idx_has_key(ix, new_item);
        uint64_t h = 0;
        if (oin && nin) {
            if (!api_key_equal(&ix->key, old_item, new_item))
                h = api_cap_write_h(idx_item_size(t, ix, old_item)) +
                    api_cap_write_h(idx_item_size(t, ix, new_item));
            else if (idx_proj_changed(t, ix, old_item, new_item)) {
                uint64_t so = idx_item_size(t, ix, old_item), sn = idx_item_size(t, ix, new_item);
                h = api_cap_write_h(so > sn ? so : sn);
            }
        } else if (oin) {
            h = api_cap_write_h(idx_item_size(t, ix, old_item));
        } else if (nin) {
            h = api_cap_write_h(idx_item_size(t, ix, new_item));
        }
        if (h)
            api_cap_add_index(cap, ix, h);
    }
    api_vix_cap_writes(cap, t, old_item, new_item);
}

void api_cap_add_vix(api_cap *dst, const api_cap *src)
{
    for (size_t i = 0; i < src->n_vix; i++) {
        size_t k;
        for (k = 0; k < dst->n_vix && strcmp(dst->vix[k].name, src->vix[i].name); k++)
            ;
        if (k == dst->n_vix) {
            if (k == sizeof dst->vix / sizeof dst->vix[0])
                continue;
            memcpy(dst->vix[k].name, src->vix[i].name, sizeof dst->vix[k].name);
            dst->vix[k].bytes = 0;
            dst->n_vix++;
        }
        dst->vix[k].bytes += src->vix[i].bytes;
    }
}

/* ---- ConsumedCapacity: one description (cap_members) for the reply writer and the tree ---- */

static void units(api_out *o, const char *key, uint64_t h)
{
    ao_real(o, key, (double)h / 2.0);
}

/* The members of a ConsumedCapacity entry, in the order the service (and our former jansson
 * trees) give them: TableName, CapacityUnits, under INDEXES Table then LocalSecondaryIndexes
 * then GlobalSecondaryIndexes; a transactional entry adds ReadCapacityUnits /
 * WriteCapacityUnits (when not zero) at the end of the entry, of Table and of each index. */
static void cap_members(api_out *o, const api_cap *cap, api_rcc rcc, bool txn)
{
    uint64_t idx_h = 0;
    for (size_t i = 0; i < cap->n_idx; i++)
        idx_h += cap->idx[i].h;
    uint64_t rd = cap->read_h < cap->table_h ? cap->read_h : cap->table_h;
    ao_str(o, "TableName", cap->table);
    units(o, "CapacityUnits", cap->table_h + idx_h + cap->total_only_h);
    if (rcc == API_RCC_INDEXES) {
        ao_obj(o, "Table");
        units(o, "CapacityUnits", cap->table_h);
        if (txn && rd)
            units(o, "ReadCapacityUnits", rd);
        if (txn && cap->table_h - rd)
            units(o, "WriteCapacityUnits", cap->table_h - rd);
        ao_close(o);
        for (int global = 0; global < 2; global++) {
            bool open = false;
            for (size_t i = 0; i < cap->n_idx; i++) {
                if (cap->idx[i].global != (global == 1))
                    continue;
                if (!open)
                    ao_obj(o, global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
                open = true;
                ao_obj(o, cap->idx[i].name);
                units(o, "CapacityUnits", cap->idx[i].h);
                if (txn && cap->idx[i].h)
                    units(o, "WriteCapacityUnits", cap->idx[i].h);
                ao_close(o);
            }
            if (open)
                ao_close(o);
        }
        /* a write that changed what a vector index stores (AWS: under INDEXES only) */
        for (size_t i = 0; i < cap->n_vix; i++) {
            if (i == 0)
                ao_obj(o, "VectorIndexes");
            ao_obj(o, cap->vix[i].name);
            ao_real(o, "VectorWriteRequestBytes", cap->vix[i].bytes);
            ao_close(o);
            if (i + 1 == cap->n_vix)
                ao_close(o);
        }
    }
    if (txn && rd)
        units(o, "ReadCapacityUnits", rd);
    if (txn && cap->table_h - rd + idx_h)
        units(o, "WriteCapacityUnits", cap->table_h - rd + idx_h);
}

void api_cap_out(api_out *o, const char *key, const api_cap *cap, api_rcc rcc, bool txn)
{
    if (rcc == API_RCC_NONE)
        return;
    ao_obj(o, key);
    cap_members(o, cap, rcc, txn);
    ao_close(o);
}

static json_t *cap_tree(const api_cap *cap, api_rcc rcc, bool txn)
{
    if (rcc == API_RCC_NONE)
        return NULL;
    api_out o;
    json_t *t = NULL;
    ao_open(&o, NULL);
    cap_members(&o, cap, rcc, txn);
    return ao_finish(&o, &t) ? NULL : t;
}

json_t *api_cap_json(const api_cap *cap, api_rcc rcc)
{
    return cap_tree(cap, rcc, false);
}

json_t *api_cap_txn_json(const api_cap *cap, api_rcc rcc)
{
    return cap_tree(cap, rcc, true);
}

bool api_table_has_lsi(const store_table *t)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (!t->idx[i].global)
            return true;
    return false;
}

/* The hash key value of w's item collection, when the reply has ItemCollectionMetrics for
 * it; NULL otherwise. */
static const av_t *ricm_hash(const store_table *t, const av_t *key, const store_write *w)
{
    if (!api_table_has_lsi(t) || !key || !w->coll)
        return NULL;
    return av_map_gets(key, t->key.hash);
}

static void ricm_members(api_out *o, const store_table *t, const av_t *h, const store_write *w)
{
    ao_obj(o, "ItemCollectionKey");
    ao_av(o, t->key.hash, h);
    ao_close(o);
    /* whole gigabytes (GiB) around the collection's size: [0.0, 1.0] below 1 GiB, as the
     * Developer Guide's examples show for small collections */
    double lo = (double)(w->coll_bytes / API_GIB);
    ao_arr(o, "SizeEstimateRangeGB");
    ao_real(o, NULL, lo);
    ao_real(o, NULL, lo + 1.0);
    ao_close(o);
}

bool api_ricm_has(const store_table *t, const av_t *key, const store_write *w)
{
    return ricm_hash(t, key, w) != NULL;
}

void api_ricm_out(api_out *o, const char *key, const store_table *t, const av_t *item_key,
                  const store_write *w)
{
    const av_t *h = ricm_hash(t, item_key, w);
    if (!h)
        return;
    ao_obj(o, key);
    ricm_members(o, t, h, w);
    ao_close(o);
}

json_t *api_ricm_json(api_req *r, const store_table *t, const av_t *key, const store_write *w)
{
    (void)r;
    const av_t *h = ricm_hash(t, key, w);
    if (!h)
        return NULL;
    api_out o;
    json_t *tree = NULL;
    ao_open(&o, NULL);
    ricm_members(&o, t, h, w);
    return ao_finish(&o, &tree) ? NULL : tree;
}

/* ---- TransactionCanceledException --------------------------------------------------- */

const char *api_reason_code(int rc)
{
    switch (rc) {
    case 0: return "None";
    case ERR_CONDITIONAL_CHECK_FAILED: return "ConditionalCheckFailed";
    /* an INSERT of an existing key: the code BatchExecuteStatement gives the same failure,
     * and the one Amazon's own client library (amzn/smoke-dynamodb) reads from
     * ExecuteTransaction's reasons; DynamoDB Local says ValidationError
     * (test_partiql test_transaction_duplicate_insert) */
    case ERR_DUPLICATE_ITEM: return "DuplicateItem";
    case ERR_VALIDATION: return "ValidationError";
    case ERR_TRANSACTION_CONFLICT: return "TransactionConflict";
    case ERR_ITEM_COLLECTION_SIZE_LIMIT: return "ItemCollectionSizeLimitExceeded";
    case ERR_PROVISIONED_THROUGHPUT: return "ProvisionedThroughputExceeded";
    case ERR_THROTTLING:
    case ERR_ON_DEMAND_THROTTLED: return "ThrottlingError";
    default: return "InternalError";
    }
}

#define TXT_CANCELED                                                                          \
    "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]"

int api_canceled(api_req *r, const api_reason *rs, size_t n)
{
    size_t cap = 1, used = 0;
    for (size_t i = 0; i < n; i++)
        cap += strlen(rs[i].code) + 2;
    char *codes = arena_alloc(r->arena, cap);
    if (!codes)
        return api_nomem(r);
    codes[0] = 0;
    api_out o;
    api_err_open(r, &o);
    ao_arr(&o, "CancellationReasons");
    for (size_t i = 0; i < n; i++) {
        ao_obj(&o, NULL);
        ao_str(&o, "Code", rs[i].code);
        /* a text that is not UTF-8 is left out, as the tree this was once built as did
         * (json_string refused it) */
        if (rs[i].msg && av_utf8_valid(rs[i].msg, strlen(rs[i].msg)))
            ao_str(&o, "Message", rs[i].msg);
        if (rs[i].item && !api_reply_full(r)) /* past 192 MB of text: none (review15 F1) */
            ao_item(&o, "Item", rs[i].item);
        ao_close(&o);
        int k = snprintf(codes + used, cap - used, "%s%s", i ? ", " : "", rs[i].code);
        if (k > 0 && (size_t)k < cap - used)
            used += (size_t)k;
    }
    ao_close(&o);
    int rc = api_err_close(r, &o);
    if (rc)
        return rc;
    return err_set(r->err, ERR_TRANSACTION_CANCELED, TXT_CANCELED, codes);
}

int api_err_item(api_req *r, const av_t *item)
{
    api_out o;
    api_err_open(r, &o);
    ao_item(&o, "Item", item);
    return api_err_close(r, &o);
}
