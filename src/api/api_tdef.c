/*
 * api_tdef — a table's definition as CreateTable and UpdateTable take it: attribute
 * definitions, key schemas, projections, throughput and on-demand ceilings, the stream
 * specification and tags, parsed and checked in the service's order with its texts, and the
 * service's structural rules of a CreateTable request.  Layer: api.  See api_tdef.h.
 *
 * Shared by CreateTable (op_table.c) and UpdateTable (op_table_update.c); calls no operation.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_tdef.h"
#include "api/api_tdesc.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "value/ddbjson.h"

/* ---- CreateTable parsing ------------------------------------------------------------- */



static av_type key_type_of(const char *s)
{
    if (!s)
        return AV_NONE;
    if (strcmp(s, "S") == 0)
        return AV_S;
    if (strcmp(s, "N") == 0)
        return AV_N;
    if (strcmp(s, "B") == 0)
        return AV_B;
    return AV_NONE;
}

api_tdef_attr *api_tdef_attrs_find(api_tdef_attrs *as, const char *name)
{
    for (size_t i = 0; i < as->n; i++)
        if (strcmp(as->a[i].name, name) == 0)
            return &as->a[i];
    return NULL;
}

/* AttributeDefinitions: each {AttributeName, AttributeType}, unique names. */
int api_tdef_parse_attrs(api_req *r, json_t *ad, api_tdef_attrs *out)
{
    size_t n = json_array_size(ad);
    out->a = arena_zalloc(r->arena, (n ? n : 1) * sizeof *out->a);
    out->n = 0;
    if (!out->a)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(ad, i);
        const char *name, *type;
        size_t name_len = 0;
        int rc;
        if (!json_is_object(e))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        if ((rc = api_json_strn(e, "AttributeName", &name, &name_len, r->err)) ||
            (rc = api_json_str(e, "AttributeType", &type, r->err)))
            return rc;
        if (!name)
            return api_verr(r, TXT_ATTR_NAME_MISSING);
        /* the whole name's bytes, a U+0000 inside counted (test_quotas.py
         * test_key_name_limit_counts_past_nul) */
        if (name_len > 255)
            return api_verr(r, TXT_KEY_NAME_LEN);
        if (!type)
            return api_verr(r, TXT_ATTR_TYPE_MISSING);
        av_type t = key_type_of(type);
        if (t == AV_NONE)
            return api_verr(r, TXT_ATTR_TYPE_ENUM);
        if (api_tdef_attrs_find(out, name))
            return api_verr(r, TXT_ATTR_DUP);
        out->a[out->n++] = (api_tdef_attr){.name = name, .type = t};
    }
    return 0;
}


/* A GSI's KeySchema: 1..8 elements, names unique, every HASH before every RANGE, at most
 * 4 of each (multi-attribute keys; the service's texts, DynamoDB Local 3.3's order: the
 * elements in order, each a repeated name, then a HASH after a RANGE; diffgen2). */
static int parse_gsi_keyschema(api_req *r, const char *const *names, const char *const *types,
                               size_t n, api_tdef_ks *out)
{
    if (n > STORE_KEY_ATTRS)
        return api_verr(r, TXT_KEY_TOO_BIG);
    size_t nh = 0;
    bool seen_range = false;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return api_verr(r, TXT_GSI_KEY_SAME_NAME);
        bool hash = strcmp(types[i], "HASH") == 0;
        if (hash && seen_range)
            return api_verr(r, TXT_GSI_HASH_AFTER_RANGE);
        seen_range |= !hash;
        nh += hash;
    }
    if (nh == 0)
        return api_verr(r, TXT_NO_HASH_KEY);
    if (nh > STORE_KEY_PARTS)
        return api_verr(r, TXT_GSI_TOO_MANY_HASH);
    if (n - nh > STORE_KEY_PARTS)
        return api_verr(r, TXT_GSI_TOO_MANY_RANGE);
    for (size_t i = 0; i < n; i++) {
        if (i < nh)
            out->h[out->nh++] = names[i];
        else
            out->r[out->nr++] = names[i];
    }
    return 0;
}

/* A KeySchema (table or index): HASH first, optional RANGE (a GSI's: parse_gsi_keyschema).
 * Names only; types later. */
int api_tdef_parse_keyschema(api_req *r, json_t *ks, bool gsi, api_tdef_ks *out)
{
    memset(out, 0, sizeof *out);
    if (!ks)
        return api_verr(r, TXT_NO_KEY_SCHEMA);
    if (!json_is_array(ks))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t n = json_array_size(ks);
    if (n == 0)
        return api_verr(r, TXT_NO_KEY_SCHEMA);
    if (n > (gsi ? STORE_KEY_ATTRS : 2))
        return api_verr(r, TXT_KEY_TOO_BIG);
    const char *names[STORE_KEY_ATTRS] = {NULL}, *types[STORE_KEY_ATTRS] = {NULL};
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(ks, i);
        int rc;
        if (!json_is_object(e))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        size_t name_len = 0;
        if ((rc = api_json_strn(e, "AttributeName", &names[i], &name_len, r->err)) ||
            (rc = api_json_str(e, "KeyType", &types[i], r->err)))
            return rc;
        if (!types[i])
            return api_verr(r, TXT_KEY_TYPE_MISSING);
        if (!names[i])
            return api_verr(r, TXT_ATTR_NAME_MISSING);
        if (name_len > 255) /* the whole name, as the attribute definitions' */
            return api_verr(r, TXT_KEY_NAME_LEN);
    }
    if (gsi && n > 2)
        return parse_gsi_keyschema(r, names, types, n, out);
    if (n == 2 && strcmp(names[0], names[1]) == 0)
        return api_verr(r, TXT_KEY_SAME_NAME);
    if (strcmp(types[0], "HASH") != 0)
        return api_verr(r, (n == 2 && strcmp(types[1], "HASH") == 0) ? TXT_KEY_ORDER
                                                                       : TXT_NO_HASH_KEY);
    if (n == 2 && strcmp(types[1], "HASH") == 0) {
        if (gsi)
            return parse_gsi_keyschema(r, names, types, n, out);
        return api_verr(r, TXT_TOO_MANY_HASH);
    }
    out->h[out->nh++] = names[0];
    if (n == 2)
        out->r[out->nr++] = names[1];
    return 0;
}

/* The error "<head><name>" with the name whole (n bytes, a U+0000 inside kept). */
static int tdef_name_error(api_req *r, const char *head, const char *name, size_t n)
{
    size_t hl = strlen(head);
    char *t = arena_alloc(r->arena, hl + n + 1);
    if (!t)
        return api_nomem(r);
    memcpy(t, head, hl);
    memcpy(t + hl, name, n);
    t[hl + n] = '\0';
    return err_set_text(r->err, ERR_VALIDATION, t, hl + n);
}

/* Projection of an index into ix; *total accumulates NonKeyAttributes. */
static int parse_projection(api_req *r, json_t *p, store_index *ix, size_t *total)
{
    const char *type;
    json_t *nka;
    int rc;
    if (p && !json_is_object(p))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    if ((rc = api_json_str(p, "ProjectionType", &type, r->err)) ||
        (rc = api_json_arr(p, "NonKeyAttributes", &nka, r->err)))
        return rc;
    if (!type)
        return api_verr(r, TXT_NO_PROJECTION);
    if (strcmp(type, "ALL") == 0)
        ix->proj = STORE_PROJ_ALL;
    else if (strcmp(type, "KEYS_ONLY") == 0)
        ix->proj = STORE_PROJ_KEYS_ONLY;
    else if (strcmp(type, "INCLUDE") == 0)
        ix->proj = STORE_PROJ_INCLUDE;
    else
        return api_verr(r, TXT_PROJECTION_TYPE);
    size_t n = json_array_size(nka);
    if (ix->proj == STORE_PROJ_INCLUDE && n == 0)
        return api_verr(r, TXT_INCLUDE_EMPTY);
    if (ix->proj != STORE_PROJ_INCLUDE && n) /* an empty list is accepted */
        return api_verr(r, TXT_NONKEY_NOT_INCLUDE);
    ix->include = NULL;
    ix->n_include = 0;
    if (n && ix->proj == STORE_PROJ_INCLUDE) {
        ix->include = arena_zalloc(r->arena, n * sizeof *ix->include);
        if (!ix->include)
            return api_nomem(r);
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(nka, i));
            if (!s)
                return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
            /* bytes, not characters (test_quotas.py test_key_name_limit_is_bytes), the whole
             * name's: a U+0000 inside does not end it */
            size_t sl = json_string_length(json_array_get(nka, i));
            if (sl == 0 || sl > 255)
                return api_verr(r, TXT_KEY_NAME_LEN);
            /* a name twice (each whole: a U+0000 inside kept) */
            json_t *si = json_array_get(nka, i);
            for (size_t j = 0; j < i; j++) {
                json_t *sj = json_array_get(nka, j);
                if (json_string_length(sj) == json_string_length(si) &&
                    memcmp(json_string_value(sj), s, json_string_length(si)) == 0)
                    return tdef_name_error(r, TXT_CT_NKA_DUP, s, json_string_length(si));
            }
            ix->include[i] = (char *)s;
        }
        ix->n_include = n;
        *total += n;
        if (*total > API_TDEF_MAX_PROJECTED)
            return api_verr(r, TXT_TOO_MANY_PROJECTED);
    }
    return 0;
}


int api_tdef_parse_throughput(api_req *r, json_t *o, const char *key, bool gsi, api_tdef_tp *tp)
{
    json_t *p;
    bool hr, hw;
    int rc;
    tp->present = false;
    if ((rc = api_json_obj(o, key, &p, r->err)))
        return rc;
    if (!p)
        return 0;
    tp->present = true;
    if ((rc = api_json_int(p, "ReadCapacityUnits", &hr, &tp->rcu, r->err)) ||
        (rc = api_json_int(p, "WriteCapacityUnits", &hw, &tp->wcu, r->err)))
        return rc;
    (void)gsi;
    if (!hr || !hw || tp->rcu < 1 || tp->wcu < 1)
        return 1; /* caller reports with its text */
    if (tp->rcu > API_TDEF_MAX_THROUGHPUT || tp->wcu > API_TDEF_MAX_THROUGHPUT)
        return 2;
    return 0;
}

/* Units over the 40,000 of a table or an index: LimitExceededException naming the first member
 * over it (the read units first), its value and the region (AWS, ack-api-quirks DDB-TABLE-171
 * / 443, 2026-10-08/09: "The requested ReadCapacityUnits, N, is above the per table maximum for
 * the account in REGION. Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide
 * for current limits and how to request higher limits.", an index's "...for index gsi1, N, is
 * above the per index maximum..."; the index text's other words inferred).  A quota check: after
 * the request's validation (those rejections took 0.8-2.9 s against ~10 ms for a
 * ValidationException).  DynamoDB Local answers a ValidationException, "Cannot increase
 * provisioned throughput to more than 40,000 units per table" (or "per global secondary
 * index"), which ddbchat answered. */
int api_tdef_tp_over_max(api_req *r, const api_tdef_tp *tp, const char *index)
{
    bool rd = tp->rcu > API_TDEF_MAX_THROUGHPUT;
    const char *m = rd ? "ReadCapacityUnits" : "WriteCapacityUnits";
    long long v = rd ? tp->rcu : tp->wcu;
    return index ? err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_TP_OVER_INDEX, m, index, v,
                           r->api->region)
                 : err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_TP_OVER_TABLE, m, v, r->api->region);
}

/* The first of odt's ceilings (api_odt_m) over the per-table 40,000 units, or -1. */
int api_tdef_odt_over(json_t *odt)
{
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(odt, api_odt_m[k]);
        if (json_is_integer(v) && json_integer_value(v) > API_TDEF_MAX_THROUGHPUT)
            return k;
    }
    return -1;
}

/* An on-demand ceiling over the per-table 40,000 units: LimitExceededException naming the member
 * (MaxReadRequestUnits first) and the account's quota, for the table or an index (AWS,
 * ack-api-quirks DDB-TABLE-171, 2026-10-08: "Subscriber limit exceeded: Requested
 * MaxReadRequestUnits for OnDemandThroughput for table exceeds TableMaxReadCapacityUnits of the
 * account in region REGION", "(and 'for index : gsi1')"; the index text's joins as
 * TXT_GSI_ODT_RANGE's, inferred).  A quota, checked after the ceilings' own validation. */
int api_tdef_odt_over_max(api_req *r, json_t *odt, const char *index)
{
    static const char *const quota[2] = {"TableMaxReadCapacityUnits", "TableMaxWriteCapacityUnits"};
    int k = api_tdef_odt_over(odt);
    if (k < 0)
        return 0;
    return index ? err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_ODT_OVER_INDEX, api_odt_m[k], index,
                           quota[k], r->api->region)
                 : err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_ODT_OVER_TABLE, api_odt_m[k], quota[k],
                           r->api->region);
}

/* g's ProvisionedThroughput into tp; over 40,000 units: with *over (CreateTable, whose quota
 * check comes after the whole request's validation) the first such index is kept there and 0
 * returned, else the refusal now (api_tdef_tp_over_max). */
int api_tdef_check_gsi_throughput(api_req *r, json_t *g, api_tdef_tp *tp, json_t **over)
{
    int rc = api_tdef_parse_throughput(r, g, "ProvisionedThroughput", true, tp);
    if (rc < 0)
        return rc;
    if (!tp->present)
        return api_verr(r, TXT_NO_GSI_THROUGHPUT);
    if (rc == 1)
        return api_verr(r, TXT_GSI_THROUGHPUT_MIN);
    if (rc == 2 && over) {
        if (!*over)
            *over = g;
        return 0;
    }
    if (rc == 2)
        return api_tdef_tp_over_max(r, tp, json_string_value(json_object_get(g, "IndexName")));
    return 0;
}

/* Common to LSI and GSI definitions: name, key schema, projection. */
int api_tdef_parse_index_common(api_req *r, json_t *x, bool gsi, store_index *ix, api_tdef_ks *key,
                                size_t *total_proj)
{
    const char *name;
    json_t *ks, *proj;
    int rc;
    if (!json_is_object(x))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    if ((rc = api_json_str(x, "IndexName", &name, r->err)))
        return rc;
    if (!api_name_valid(name))
        return api_verr(r, TXT_INVALID_TABLE_NAME);
    snprintf(ix->name, sizeof ix->name, "%s", name);
    if ((rc = api_json_obj(x, "Projection", &proj, r->err)) ||
        (rc = parse_projection(r, proj, ix, total_proj)))
        return rc;
    if ((rc = api_json_arr(x, "KeySchema", &ks, r->err)) ||
        (rc = api_tdef_parse_keyschema(r, ks, gsi, key)))
        return rc;
    return 0;
}

/* True when entry i of `a` has the IndexName of an earlier entry of `a` (other == NULL) or
 * of any entry of `other`. */
bool api_tdef_index_name_dup(json_t *a, size_t i, json_t *other)
{
    const char *x = json_string_value(json_object_get(json_array_get(a, i), "IndexName"));
    if (!x)
        return false;
    json_t *in = other ? other : a;
    size_t n = other ? json_array_size(other) : i;
    for (size_t j = 0; j < n; j++) {
        const char *y = json_string_value(json_object_get(json_array_get(in, j), "IndexName"));
        if (y && strcmp(x, y) == 0)
            return true;
    }
    return false;
}

void api_tdef_keydef_set(store_keydef *k, const char *hash, av_type ht, const char *range,
                         av_type rt)
{
    memset(k, 0, sizeof *k);
    snprintf(k->hash, sizeof k->hash, "%s", hash);
    k->hash_type = ht;
    if (range) {
        snprintf(k->range, sizeof k->range, "%s", range);
        k->range_type = rt;
    } else {
        k->range_type = AV_NONE;
    }
}

/* A GSI's key from its parsed KeySchema, each attribute's type from the definitions (marked
 * used); ERR_VALIDATION naming the first attribute (in key order) that is not defined.  The
 * further attributes' names point into the request (store_alter_add_index /
 * store_table_create copy them). */
int api_tdef_gsi_keydef(api_req *r, const api_tdef_ks *ks, api_tdef_attrs *attrs, store_keydef *k)
{
    api_tdef_attr *a[2 * STORE_KEY_PARTS];
    size_t n = 0;
    for (size_t i = 0; i < ks->nh + ks->nr; i++) {
        const char *name = i < ks->nh ? ks->h[i] : ks->r[i - ks->nh];
        if (!(a[n++] = api_tdef_attrs_find(attrs, name)))
            return err_set(r->err, ERR_VALIDATION, TXT_GSI_ATTR_UNDEFINED, name);
    }
    for (size_t i = 0; i < n; i++)
        a[i]->used = true;
    api_tdef_keydef_set(k, ks->h[0], a[0]->type, ks->nr ? ks->r[0] : NULL,
                        ks->nr ? a[ks->nh]->type : AV_NONE);
    for (size_t i = 1; i < ks->nh; i++) {
        k->xhash[k->n_xhash] = (char *)ks->h[i];
        k->xhash_type[k->n_xhash++] = a[i]->type;
    }
    for (size_t i = 1; i < ks->nr; i++) {
        k->xrange[k->n_xrange] = (char *)ks->r[i];
        k->xrange_type[k->n_xrange++] = a[ks->nh + i]->type;
    }
    return 0;
}

/* create: CreateTable, where the service words a view type missing or present against
 * StreamEnabled as a table "being created" (test_tables AWS_CREATE stream-no-view,
 * stream-view-when-disabled); UpdateTable has texts of its own (api_text.h). */
int api_tdef_parse_stream(api_req *r, json_t *ss, bool create, json_t **out_stream)
{
    bool has_en, en;
    const char *view;
    int rc;
    *out_stream = NULL;
    if (!ss)
        return 0;
    if ((rc = api_json_bool(ss, "StreamEnabled", &has_en, &en, r->err)) ||
        (rc = api_json_str(ss, "StreamViewType", &view, r->err)))
        return rc;
    if (!has_en)
        return api_verr(r, TXT_STREAM_ENABLED_NULL);
    if (en && (!view || !*view))
        return api_verr(r, create ? TXT_CT_STREAM_VIEW_NULL : TXT_STREAM_VIEW_NULL);
    if (!en && view)
        return api_verr(r, create ? TXT_CT_STREAM_VIEW_UNEXPECTED : TXT_STREAM_VIEW_UNEXPECTED);
    if (en && strcmp(view, "NEW_IMAGE") && strcmp(view, "OLD_IMAGE") &&
        strcmp(view, "NEW_AND_OLD_IMAGES") && strcmp(view, "KEYS_ONLY")) {
        api_vld v;
        api_vld_init(&v);
        api_vld_enum(&v, view, "streamSpecification.streamViewType",
                     "OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE"); /* the service's */
        return api_vld_finish(&v, r->err);
    }
    *out_stream = en ? json_pack("{s:b,s:s}", "StreamEnabled", 1, "StreamViewType", view)
                     : json_pack("{s:b}", "StreamEnabled", 0);
    return 0;
}


/* Merges tags (array of {Key,Value}) into meta["Tags"], later keys replacing earlier. */
void api_tdef_tags_merge(json_t *meta, json_t *tags)
{
    json_t *cur = json_object_get(meta, "Tags");
    if (!json_is_array(cur)) {
        cur = json_array();
        json_object_set_new(meta, "Tags", cur);
    }
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        /* keys and values compared and kept whole (they may hold U+0000) */
        json_t *k = json_object_get(t, "Key"), *v = json_object_get(t, "Value");
        bool done = false;
        for (size_t j = 0; j < json_array_size(cur) && !done; j++) {
            json_t *c = json_array_get(cur, j);
            if (json_equal(json_object_get(c, "Key"), k)) {
                json_object_set(c, "Value", v);
                done = true;
            }
        }
        if (!done)
            json_array_append_new(cur, json_pack("{s:O,s:O}", "Key", k, "Value", v));
    }
}

/* ---- attribute names with U+0000 ------------------------------------------------------- */

/* A name holding U+0000, unless it is over 255 bytes: the service's own length check refuses
 * that one, with its text, where the name is parsed (api_tdef_parse_keyschema, _attrs, the
 * projected names; test_quotas.py test_key_name_limit_counts_past_nul). */
static bool js_has_nul(json_t *j)
{
    return json_is_string(j) && json_string_length(j) <= 255 &&
           strlen(json_string_value(j)) != json_string_length(j);
}

/* An index (or a table): its key schema's attribute names and projected names. */
static bool index_names_nul(json_t *x)
{
    json_t *ks = json_object_get(x, "KeySchema");
    json_t *nka = json_object_get(json_object_get(x, "Projection"), "NonKeyAttributes");
    for (size_t i = 0; i < json_array_size(ks); i++)
        if (js_has_nul(json_object_get(json_array_get(ks, i), "AttributeName")))
            return true;
    for (size_t i = 0; i < json_array_size(nka); i++)
        if (js_has_nul(json_array_get(nka, i)))
            return true;
    return false;
}

/* Key attribute names, projected names and the TTL attribute are kept as C strings by the
 * store: one holding U+0000 (legal in the model, no pattern) is refused here rather than cut
 * short at the NUL (ddbchat's own rule and text; the service stores such names). */
int api_tdef_tbl_names_nul_check(api_req *r)
{
    json_t *b = r->body;
    bool nul = index_names_nul(b);
    json_t *ad = json_object_get(b, "AttributeDefinitions");
    for (size_t i = 0; !nul && i < json_array_size(ad); i++)
        nul = js_has_nul(json_object_get(json_array_get(ad, i), "AttributeName"));
    static const char *const lists[] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes",
                                        "GlobalSecondaryIndexUpdates"};
    for (int l = 0; !nul && l < 3; l++) {
        json_t *xs = json_object_get(b, lists[l]);
        for (size_t i = 0; !nul && i < json_array_size(xs); i++) {
            json_t *x = json_array_get(xs, i);
            nul = index_names_nul(l == 2 ? json_object_get(x, "Create") : x);
        }
    }
    /* the TTL name's length is checked only when enabling (op_update_time_to_live): a long
     * one with U+0000 that disables is refused here */
    json_t *ttl = json_object_get(b, "TimeToLiveSpecification");
    json_t *ttl_name = json_object_get(ttl, "AttributeName");
    nul = nul || js_has_nul(ttl_name) ||
          (json_is_string(ttl_name) && !json_is_true(json_object_get(ttl, "Enabled")) &&
           strlen(json_string_value(ttl_name)) != json_string_length(ttl_name));
    return nul ? api_verr(r, TXT_TBL_NAME_NUL) : 0;
}

/* ---- CreateTable: the service's structural rules -------------------------------------- */

/* o[key] when present and not JSON null. */
json_t *api_tdef_jparam(json_t *o, const char *key)
{
    json_t *j = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_null(j) ? NULL : j;
}

/* A JSON string member's bytes (NULL when absent). */
const char *api_tdef_js(json_t *o, const char *key, size_t *len)
{
    json_t *j = json_is_object(o) ? json_object_get(o, key) : NULL;
    *len = json_is_string(j) ? json_string_length(j) : 0;
    return json_is_string(j) ? json_string_value(j) : NULL;
}

static bool js_eq(json_t *a, const char *ka, json_t *b, const char *kb)
{
    size_t la, lb;
    const char *x = api_tdef_js(a, ka, &la), *y = api_tdef_js(b, kb, &lb);
    return x && y && la == lb && memcmp(x, y, la) == 0;
}

/* "a, b" of the key attribute names of a KeySchema (or of every AttributeDefinitions name),
 * each whole (a U+0000 in a name kept: final18 F5); *out_len its length. */
static char *names_list(api_req *r, json_t *arr, size_t *out_len)
{
    /* measured, then written once: a copy per name made 20,000 definitions cost n^2 bytes
     * (the arena's maximum: the list came back empty, 600 MB and 0.8 s; fuzz11) */
    size_t len = 0, n_arr = json_array_size(arr);
    for (size_t i = 0; i < n_arr; i++) {
        size_t n = 0;
        const char *x = api_tdef_js(json_array_get(arr, i), "AttributeName", &n);
        len += (i ? 2 : 0) + (x ? n : 0);
    }
    char *s = arena_alloc(r->arena, len + 1), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n_arr; i++) {
        size_t n = 0;
        const char *x = api_tdef_js(json_array_get(arr, i), "AttributeName", &n);
        n = x ? n : 0;
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, x ? x : "", n);
        p += n;
    }
    *p = '\0';
    *out_len = (size_t)(p - s);
    return s;
}

/* head + a's names + mid + b's names + "]" as the error (names_list: each name whole). */
static int two_lists_error(api_req *r, const char *head, json_t *a, const char *mid, json_t *b)
{
    size_t al = 0, bl = 0, hl = strlen(head), ml = strlen(mid);
    const char *as = names_list(r, a, &al), *bs = names_list(r, b, &bl);
    if (!as || !bs) { /* past the arena's maximum: the lists left empty, as before */
        as = bs = "";
        al = bl = 0;
    }
    char *t = arena_alloc(r->arena, hl + al + ml + bl + 2);
    if (!t)
        return err_set(r->err, ERR_VALIDATION, "%s%s]", head, mid);
    char *p = t;
    memcpy(p, head, hl);
    memcpy(p += hl, as, al);
    memcpy(p += al, mid, ml);
    memcpy(p += ml, bs, bl);
    p += bl;
    *p++ = ']';
    *p = '\0';
    return err_set_text(r->err, ERR_VALIDATION, t, (size_t)(p - t));
}

/* dset: defs' names as an object's keys (def_names), or NULL to scan defs. */
static bool name_defined(json_t *defs, json_t *dset, json_t *elem)
{
    if (dset) {
        size_t n;
        const char *name = api_tdef_js(elem, "AttributeName", &n);
        return name && json_object_getn(dset, name, n);
    }
    for (size_t i = 0; i < json_array_size(defs); i++)
        if (js_eq(json_array_get(defs, i), "AttributeName", elem, "AttributeName"))
            return true;
    return false;
}

static bool key_type_is(json_t *elem, const char *t)
{
    size_t n;
    const char *k = api_tdef_js(elem, "KeyType", &n);
    return k && n == strlen(t) && memcmp(k, t, n) == 0;
}

/* A key schema against the definitions: defined, distinct, HASH then RANGE (2 at most).  A
 * GSI's may have several HASH and RANGE entries (multi-attribute keys: their rules are
 * parse_gsi_keyschema's), so there a second HASH is no error here. */
int api_tdef_ct_key_schema(api_req *r, json_t *ks, json_t *defs, json_t *dset, bool gsi)
{
    for (size_t i = 0; i < json_array_size(ks); i++)
        if (!name_defined(defs, dset, json_array_get(ks, i)))
            return two_lists_error(r, TXT_CT_KEYS_UNDEFINED_HEAD, ks,
                                   TXT_CT_KEYS_UNDEFINED_MID, defs);
    size_t n = json_array_size(ks);
    if (n == 2 && js_eq(json_array_get(ks, 0), "AttributeName", json_array_get(ks, 1),
                        "AttributeName"))
        return api_verr(r, TXT_CT_SAME_NAME);
    if (n >= 1 && !key_type_is(json_array_get(ks, 0), "HASH"))
        return api_verr(r, TXT_CT_FIRST_NOT_HASH);
    if (n == 2 && !gsi && !key_type_is(json_array_get(ks, 1), "RANGE"))
        return api_verr(r, TXT_CT_SECOND_NOT_RANGE);
    return 0;
}

/* An index's Projection: a type, NonKeyAttributes only with INCLUDE. */
static int ct_projection(api_req *r, json_t *x)
{
    json_t *p = json_object_get(x, "Projection");
    size_t n;
    const char *type = api_tdef_js(p, "ProjectionType", &n);
    if (!type)
        return api_verr(r, TXT_CT_PROJ_NULL);
    json_t *nka = json_object_get(p, "NonKeyAttributes");
    bool include = n == 7 && memcmp(type, "INCLUDE", 7) == 0;
    if (json_is_array(nka) && !include)
        return err_set(r->err, ERR_VALIDATION, TXT_CT_PROJ_NKA, type);
    if (include && !nka)
        return api_verr(r, TXT_CT_PROJ_NO_NKA);
    return 0;
}

/* names: an object whose keys are the index names seen (a lookup, not a scan: 20,000 GSIs
 * cost n^2 compares before the count cap; fuzz11). */
static bool index_seen(json_t *names, json_t *x)
{
    size_t n;
    const char *name = api_tdef_js(x, "IndexName", &n);
    if (name && json_object_getn(names, name, n))
        return true;
    if (name)
        json_object_setn_new_nocheck(names, name, n, json_true());
    return false;
}

/* defs' names (strings) as an object's keys, for name_defined. */
static json_t *def_names(json_t *defs)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < json_array_size(defs); i++) {
        size_t n;
        const char *name = api_tdef_js(json_array_get(defs, i), "AttributeName", &n);
        if (name && json_object_setn_new_nocheck(o, name, n, json_true())) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* CreateTable's billing: PayPerRequest without ProvisionedThroughput, provisioned with it;
 * units past what the service takes at all; the on-demand ceilings; the warm throughput. */
static int ct_billing(api_req *r, json_t *body, json_t *pt, bool ppr)
{
    if (ppr && pt)
        return api_verr(r, TXT_CT_PPR_WITH_PT);
    if (!ppr && !pt)
        return api_verr(r, TXT_CT_PROV_NEEDS_PT);
    /* units past what the service takes at all: "Given value N for ReadCapacityUnits is out
     * of bounds" (the read units first), before the key schema is looked at (dynalite's
     * createTable tests, recorded against AWS; UpdateTable's ut_billing_first) */
    static const char *const pt_units[] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    for (int k = 0; k < 2; k++) {
        json_t *u = json_object_get(pt, pt_units[k]);
        if (json_is_integer(u) && json_integer_value(u) > API_TDEF_MAX_UNITS)
            return err_set(r->err, ERR_VALIDATION, TXT_UT_PT_BOUNDS,
                           (long long)json_integer_value(u), pt_units[k]);
    }
    /* on-demand ceilings: only on an on-demand table, 1 or more (AWS, ack-api-quirks
     * DDB-TABLE-038 / 039) */
    json_t *odt = api_tdef_jparam(body, "OnDemandThroughput");
    const char *om;
    if (!ppr && (om = api_odt_first(odt)))
        return err_set(r->err, ERR_VALIDATION, TXT_CT_ODT_PROVISIONED, om);
    if ((om = api_odt_out_of_range(odt, false)))
        return err_set(r->err, ERR_VALIDATION, TXT_ODT_RANGE, om);
    /* warm throughput: at least on-demand's initial throughput, or the provisioned units
     * (AWS, ack-api-quirks DDB-TABLE-039) */
    json_t *warm = api_tdef_jparam(body, "WarmThroughput");
    if (warm) {
        static const char *const units[] = {"ReadCapacityUnits", "WriteCapacityUnits"};
        long long floor[2] = {API_WARM_OD_READ, API_WARM_OD_WRITE};
        for (int k = 0; !ppr && k < 2; k++) {
            json_t *u = json_object_get(pt, units[k]);
            floor[k] = json_is_integer(u) ? (long long)json_integer_value(u) : 0;
        }
        const char *wm = api_warm_below(warm, floor);
        if (wm)
            return ppr ? err_set(r->err, ERR_VALIDATION, TXT_WARM_BELOW_OD, wm)
                       : err_set(r->err, ERR_VALIDATION, TXT_WARM_BELOW_PT, wm,
                                 units[wm == api_warm_m[0] ? 0 : 1]);
    }
    return 0;
}

/* The LSIs: some, on a table with a sort key; each's key schema defined, with a sort key and
 * the table's partition key, its projection, its name new (seen); their count. */
static int ct_lsis(api_req *r, json_t *lsis, json_t *ks, json_t *defs, json_t *dset, json_t *seen)
{
    if (json_array_size(lsis) == 0)
        return api_verr(r, TXT_CT_LSI_EMPTY);
    if (json_array_size(ks) != 2)
        return api_verr(r, TXT_CT_LSI_NO_TABLE_RANGE);
    for (size_t i = 0; i < json_array_size(lsis); i++) {
        json_t *x = json_array_get(lsis, i), *xks = json_object_get(x, "KeySchema");
        size_t nl, hl, tl;
        const char *name = api_tdef_js(x, "IndexName", &nl);
        int rc = api_tdef_ct_key_schema(r, xks, defs, dset, false);
        if (rc)
            return rc;
        if (json_array_size(xks) != 2)
            return err_set(r->err, ERR_VALIDATION, TXT_CT_LSI_NO_RANGE, name);
        if (!js_eq(json_array_get(xks, 0), "AttributeName", json_array_get(ks, 0),
                   "AttributeName")) {
            const char *ih = api_tdef_js(json_array_get(xks, 0), "AttributeName", &hl);
            const char *th = api_tdef_js(json_array_get(ks, 0), "AttributeName", &tl);
            return err_set(r->err, ERR_VALIDATION, TXT_CT_LSI_HASH, name, ih, th);
        }
        if ((rc = ct_projection(r, x)))
            return rc;
        if (index_seen(seen, x))
            return err_set(r->err, ERR_VALIDATION, TXT_CT_DUP_INDEX, name);
    }
    if (json_array_size(lsis) > STORE_MAX_LSI)
        return api_verr(r, TXT_CT_LSI_COUNT);
    return 0;
}

/* One GSI's throughput: ProvisionedThroughput as the table's billing wants it, the on-demand
 * ceilings as the table's (AWS, ack-api-quirks DDB-TABLE-128; the index is named), an
 * on-demand index's warm throughput at least on-demand's initial one. */
static int ct_gsi_billing(api_req *r, json_t *x, const char *name, bool ppr)
{
    if (ppr && api_tdef_jparam(x, "ProvisionedThroughput"))
        return err_set(r->err, ERR_VALIDATION, TXT_CT_GSI_PPR_PT, name);
    if (!ppr && !api_tdef_jparam(x, "ProvisionedThroughput"))
        return err_set(r->err, ERR_VALIDATION, TXT_CT_GSI_PT_MISSING, name);
    json_t *xodt = api_tdef_jparam(x, "OnDemandThroughput");
    const char *xm;
    if (!ppr && (xm = api_odt_first(xodt)))
        return err_set(r->err, ERR_VALIDATION, TXT_CT_GSI_ODT_PROVISIONED, xm, name);
    if ((xm = api_odt_out_of_range(xodt, false)))
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_ODT_RANGE, xm, name);
    static const long long od_floor[2] = {API_WARM_OD_READ, API_WARM_OD_WRITE};
    if (ppr && (xm = api_warm_below(api_tdef_jparam(x, "WarmThroughput"), od_floor)))
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_WARM_BELOW_OD, xm, name);
    return 0;
}

/* The GSIs: some; each's key schema defined, its projection, its throughput, its name new
 * (seen); their count. */
static int ct_gsis(api_req *r, json_t *gsis, json_t *defs, json_t *dset, json_t *seen, bool ppr)
{
    if (json_array_size(gsis) == 0)
        return api_verr(r, TXT_CT_GSI_EMPTY);
    for (size_t i = 0; i < json_array_size(gsis); i++) {
        json_t *x = json_array_get(gsis, i), *xks = json_object_get(x, "KeySchema");
        size_t nl;
        const char *name = api_tdef_js(x, "IndexName", &nl);
        int rc;
        if ((rc = api_tdef_ct_key_schema(r, xks, defs, dset, true)) || (rc = ct_projection(r, x)) ||
            (rc = ct_gsi_billing(r, x, name, ppr)))
            return rc;
        if (index_seen(seen, x))
            return err_set(r->err, ERR_VALIDATION, TXT_CT_DUP_INDEX, name);
    }
    if (json_array_size(gsis) > STORE_MAX_GSI)
        return api_verr(r, TXT_CT_GSI_COUNT);
    return 0;
}

/* Whether definition d is the table's key's or an LSI's or GSI's key's (or a vector index's
 * SearchSchema's). */
static bool ct_def_used(json_t *d, json_t *ks, json_t *lsis, json_t *gsis, json_t *vixes)
{
    bool used = api_vix_uses_def(vixes, d);
    for (size_t k = 0; k < json_array_size(ks) && !used; k++)
        used = js_eq(d, "AttributeName", json_array_get(ks, k), "AttributeName");
    for (int g = 0; g < 2 && !used; g++) {
        json_t *list = g ? gsis : lsis;
        for (size_t j = 0; j < json_array_size(list) && !used; j++) {
            json_t *xks = json_object_get(json_array_get(list, j), "KeySchema");
            for (size_t k = 0; k < json_array_size(xks) && !used; k++)
                used = js_eq(d, "AttributeName", json_array_get(xks, k), "AttributeName");
        }
    }
    return used;
}

/* The error for a definition no key uses: the definitions, then the key attributes used, in
 * the order they appear (the table's, the LSIs', the GSIs'), each once. */
static int ct_defs_unused_error(api_req *r, json_t *defs, json_t *ks, json_t *lsis, json_t *gsis)
{
    json_t *keys = json_array();
    for (size_t k = 0; keys && k < json_array_size(ks); k++)
        json_array_append(keys, json_array_get(ks, k));
    for (int g = 0; keys && g < 2; g++) {
        json_t *list = g ? gsis : lsis;
        for (size_t j = 0; j < json_array_size(list); j++) {
            json_t *xks = json_object_get(json_array_get(list, j), "KeySchema");
            for (size_t k = 0; k < json_array_size(xks); k++) {
                json_t *e = json_array_get(xks, k);
                bool dup = false;
                for (size_t m = 0; m < json_array_size(keys) && !dup; m++)
                    dup = js_eq(json_array_get(keys, m), "AttributeName", e, "AttributeName");
                if (!dup)
                    json_array_append(keys, e);
            }
        }
    }
    int rc = two_lists_error(r, TXT_CT_DEFS_UNUSED_HEAD, defs, TXT_CT_DEFS_UNUSED_MID, keys);
    json_decref(keys);
    return rc;
}

/* The indexes, once the table's key schema passed: the LSIs, the GSIs, the vector indexes'
 * projections and rules (api_vector.c), then every definition some key's (or a
 * SearchSchema's). */
static int ct_indexes(api_req *r, json_t *body, bool ppr, json_t *defs, json_t *ks, json_t *lsis,
                      json_t *gsis, json_t *vixes)
{
    json_t *seen = json_object(), *dset = def_names(defs);
    int rc = 0;
    if (!seen || !dset) {
        rc = api_nomem(r);
        goto out;
    }
    if ((lsis && (rc = ct_lsis(r, lsis, ks, defs, dset, seen))) ||
        (gsis && (rc = ct_gsis(r, gsis, defs, dset, seen, ppr))))
        goto out;
    for (size_t i = 0; i < json_array_size(vixes); i++)
        if ((rc = ct_projection(r, json_array_get(vixes, i))))
            goto out;
    if ((rc = api_vix_create_check(r, body, ppr)))
        goto out;
    if (lsis || gsis || vixes)
        for (size_t i = 0; i < json_array_size(defs); i++)
            if (!ct_def_used(json_array_get(defs, i), ks, lsis, gsis, vixes)) {
                rc = ct_defs_unused_error(r, defs, ks, lsis, gsis);
                goto out;
            }
out:
    json_decref(seen);
    json_decref(dset);
    return rc;
}

/* The service's rules for an SSESpecification's members together (ack-api-quirks DDB-TABLE-442,
 * the ValidationException catalogue of live AWS 2026-10-09, CreateTable and UpdateTable; the
 * AES256 text also in two users' reports of CreateTable).  Enabled absent is no "false" here:
 * SSEType KMS alone asks for the KMS key (DDB-TABLE-141).  Which rule answers first when
 * several apply was not captured; this order is ddbchat's.  DynamoDB Local takes them all. */
int api_tdef_sse_check(api_req *r, json_t *sse)
{
    if (!json_is_object(sse))
        return 0;
    json_t *en = json_object_get(sse, "Enabled");
    const char *type = json_string_value(json_object_get(sse, "SSEType"));
    bool key = json_object_get(sse, "KMSMasterKeyId") != NULL;
    if (json_is_false(en) && type)
        return api_verr(r, TXT_SSE_TYPE_WHEN_DISABLED);
    if (json_is_false(en) && key)
        return api_verr(r, TXT_SSE_KEY_WHEN_DISABLED);
    if (type && strcmp(type, "AES256") == 0)
        return api_verr(r, TXT_SSE_AES256);
    if (key && !(type && strcmp(type, "KMS") == 0))
        return api_verr(r, TXT_SSE_KEY_NEEDS_KMS);
    return 0;
}

/* A name AttributeDefinitions gives twice (whatever the types): "Attribute Name is
 * duplicated: <name>", the first repeat in the request's order (AWS, ack-api-quirks
 * DDB-TABLE-042 / 442, live 2026-10-08: [pk S, pk S] and [pk S, pk N] for a key pk; DynamoDB
 * Local says "Cannot have two attributes with the same name").  A set of the names seen, so
 * many definitions cost linear time (fuzz11). */
static int ct_defs_distinct(api_req *r, json_t *defs)
{
    json_t *seen = json_object();
    int rc = seen ? 0 : api_nomem(r);
    for (size_t i = 0; !rc && i < json_array_size(defs); i++) {
        size_t n;
        const char *name = api_tdef_js(json_array_get(defs, i), "AttributeName", &n);
        if (!name)
            continue;
        if (json_object_getn(seen, name, n))
            rc = tdef_name_error(r, TXT_CT_ATTR_DUPLICATED, name, n);
        else if (json_object_setn_new_nocheck(seen, name, n, json_true())) {
            rc = api_nomem(r);
        }
    }
    json_decref(seen);
    return rc;
}

/* CreateTable's rules beyond the model's constraints, in the service's order: billing and
 * throughput, the table's key schema against AttributeDefinitions, a definition repeated,
 * the LSIs, the GSIs, definitions left unused.  (The request's shape, lengths and enums:
 * api_schema.c.) */
int api_tdef_ct_check(api_req *r, json_t *body, bool ppr)
{
    json_t *defs = json_object_get(body, "AttributeDefinitions");
    json_t *ks = json_object_get(body, "KeySchema");
    json_t *lsis = api_tdef_jparam(body, "LocalSecondaryIndexes");
    json_t *gsis = api_tdef_jparam(body, "GlobalSecondaryIndexes");
    int rc = ct_billing(r, body, api_tdef_jparam(body, "ProvisionedThroughput"), ppr);
    if (rc)
        return rc;
    if (json_array_size(ks) > json_array_size(defs))
        return api_verr(r, TXT_CT_KEYS_NO_DEF);
    if ((rc = api_tdef_ct_key_schema(r, ks, defs, NULL, false)) || (rc = ct_defs_distinct(r, defs)))
        return rc;
    json_t *vixes = api_tdef_jparam(body, "VectorIndexes");
    if (!lsis && !gsis && !vixes && json_array_size(ks) != json_array_size(defs))
        return api_verr(r, TXT_CT_DEFS_COUNT);
    return ct_indexes(r, body, ppr, defs, ks, lsis, gsis, vixes);
}
