/*
 * op_table — table-level DynamoDB operations.  Layer: api.
 *
 * CreateTable, DeleteTable, DescribeTable, ListTables, UpdateTable, UpdateTimeToLive,
 * DescribeTimeToLive, TagResource, UntagResource, ListTagsOfResource.  The table lookup they
 * and every other operation use, the caller's namespace and the metadata's read-modify-write
 * are api_table.c's.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
 *
 * Metadata.  What the store does not model lives in the table's meta JSON blob (version 1):
 *   {"v":1, "AttributeDefinitions":[...] (as DynamoDB returns them),
 *    "BillingMode":"PROVISIONED"|"PAY_PER_REQUEST", "PprSince":ms (last switch to on-demand),
 *    "RCU":n, "WCU":n, "LastIncrease":ms, "LastDecrease":ms, "Decreases":n, "DecDay":d (the
 *    UTC day of that count), "Pending":1|-1 (an increase / decrease that completes at
 *    "UpdatingUntil"; api_tp_stamp),
 *    "Gsi":{"<index>":{"RCU":n,"WCU":n, the same throughput dates, "Odt":{..}}},
 *    "Stream":{"StreamEnabled":..,"StreamViewType":..}, "StreamLabel":"...",
 *    "Tags":[{"Key":..,"Value":..}], "TableId":"uuid", "DeletionProtection":bool,
 *    "SSE":{...}, "TableClass":"...", "Odt":{"MaxReadRequestUnits":n,..},
 *    "Policy":{..}, "StreamPolicy":{..} (resource-based policies: op_policy.c),
 *    "Vec":[{vector index definition, "AddedMs", "DeletedMs"}] (vector indexes:
 *    api_vector.c)}
 *
 * Validation: the request's shape, lengths and enums are the model's (api_schema.c, checked
 * before the handler); the handlers check the rest in the service's order and with its
 * texts (api_text.h; tests/e2e/test_tables.py, test_ttl_tags.py).  Texts the service's
 * sources do not give are still DynamoDB Local's (marked in api_text.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <uuid/uuid.h>

#include "api/api_int.h"
#include "api/api_tdef.h"
#include "api/api_tdesc.h"
#include "api/api_item.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "base/log.h"
#include "base/mem.h"
#include "value/ddbjson.h"

#define TBL_MAX_TAGS 50

static int verr(api_req *r, const char *msg)
{
    return err_set(r->err, ERR_VALIDATION, "%s", msg);
}

static json_t *ms_to_json(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

static const char *tbl_user_name(const api_req *r, const store_table *t)
{
    (void)r;
    return api_table_name(t);
}

#define PPR_SWITCHES_PER_WINDOW 4 /* switches to on-demand in api->ppr_window_ms (24 h) */
#define SSE_FREE_CHANGES 4        /* encryption key changes in a window before the 6 h gap */
#define CLASS_CHANGES 2           /* TableClass changes in api->class_window_ms (30 days) */

static int tag_checks(api_req *r, json_t *tags);

/* ---- CreateTable --------------------------------------------------------------------- */

int op_create_table(api_req *r, json_t **out)
{
    json_t *body = r->body, *ks, *adj, *lsij, *gsij, *ssj, *tags, *sse, *meta = NULL;
    json_t *gsi_over = NULL; /* the first index over 40,000 units (api_tdef_tp_over_max) */
    const char *name, *billing, *tclass;
    bool has_dp, dp, table_over = false;
    int rc;
    store_table *def = arena_zalloc(r->arena, sizeof *def);
    api_tdef_attrs attrs;
    size_t total_proj = 0;
    if (!def)
        return err_set(r->err, ERR_NOMEM, "out of memory");

    if ((rc = api_json_str(body, "TableName", &name, r->err)) ||
        (rc = api_json_arr(body, "KeySchema", &ks, r->err)) ||
        (rc = api_json_arr(body, "AttributeDefinitions", &adj, r->err)) ||
        (rc = api_json_arr(body, "LocalSecondaryIndexes", &lsij, r->err)) ||
        (rc = api_json_arr(body, "GlobalSecondaryIndexes", &gsij, r->err)) ||
        (rc = api_json_str(body, "BillingMode", &billing, r->err)) ||
        (rc = api_json_obj(body, "StreamSpecification", &ssj, r->err)) ||
        (rc = api_json_arr(body, "Tags", &tags, r->err)) ||
        (rc = api_json_obj(body, "SSESpecification", &sse, r->err)) ||
        (rc = api_json_str(body, "TableClass", &tclass, r->err)) ||
        (rc = api_json_bool(body, "DeletionProtectionEnabled", &has_dp, &dp, r->err)))
        return rc;

    /* DynamoDB Local's order (found by differential fuzzing, see tests/e2e/test_tables.py):
     * table name; key schema present, then its structure; attribute definitions present,
     * then each; table keys defined; LSIs (count, hash-only table, then per LSI: duplicate
     * of an earlier name, name, projection, key schema, range present, same hash, range
     * defined); GSIs (empty list, count, then per GSI: throughput, duplicate of an earlier
     * name, LSI/GSI clash, name, projection, key schema, keys defined); every definition
     * used; table throughput;
     * stream; existence. */
    char sn[STORE_NAME_MAX];
    if (!api_name_valid(name) || !api_table_store_name(r, name, sn))
        return verr(r, TXT_INVALID_TABLE_NAME);
    snprintf(def->name, sizeof def->name, "%s", sn);
    /* BillingMode is one of the model's enum values */
    bool ppr = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
    if ((rc = api_tdef_ct_check(r, body, ppr)) || (rc = api_tdef_tbl_names_nul_check(r)))
        return rc;
    api_tdef_ks tks;
    if (json_array_size(ks) == 0)
        return verr(r, TXT_NO_KEY_SCHEMA);
    if ((rc = api_tdef_parse_keyschema(r, ks, false, &tks)))
        return rc;
    const char *hash = tks.h[0], *range = tks.nr ? tks.r[0] : NULL;
    if (json_array_size(adj) == 0)
        return verr(r, TXT_NO_ATTR_SCHEMA);
    if ((rc = api_tdef_parse_attrs(r, adj, &attrs)))
        return rc;
    api_tdef_attr *ha = api_tdef_attrs_find(&attrs, hash);
    api_tdef_attr *ra = range ? api_tdef_attrs_find(&attrs, range) : NULL;
    if (!ha)
        return verr(r, TXT_HASH_NOT_DEFINED);
    if (range && !ra)
        return verr(r, TXT_RANGE_NOT_DEFINED);
    ha->used = true;
    if (ra)
        ra->used = true;
    api_tdef_keydef_set(&def->key, hash, ha->type, range, ra ? ra->type : AV_NONE);

    /* LSIs */
    size_t n_lsi = json_array_size(lsij);
    if (n_lsi > STORE_MAX_LSI)
        return verr(r, TXT_LSI_COUNT);
    if (n_lsi && !range)
        return verr(r, TXT_LSI_HASH_TABLE);
    for (size_t i = 0; i < n_lsi; i++) {
        store_index *ix = &def->idx[def->n_idx];
        api_tdef_ks lks;
        if (api_tdef_index_name_dup(lsij, i, NULL))
            return verr(r, TXT_LSI_DUP);
        if ((rc = api_tdef_parse_index_common(r, json_array_get(lsij, i), false, ix, &lks,
                                              &total_proj)))
            return rc;
        const char *ih = lks.h[0], *ir = lks.nr ? lks.r[0] : NULL;
        if (!ir)
            return verr(r, TXT_LSI_NO_RANGE);
        if (strcmp(ih, hash) != 0)
            return verr(r, TXT_LSI_SAME_HASH);
        api_tdef_attr *lr = api_tdef_attrs_find(&attrs, ir);
        if (!lr)
            return verr(r, TXT_LSI_RANGE_UNDEFINED);
        lr->used = true;
        ix->global = false;
        api_tdef_keydef_set(&ix->key, ih, ha->type, ir, lr->type);
        def->n_idx++;
    }

    /* GSIs */
    json_t *gsi_meta = json_object();
    meta = json_object();
    json_object_set_new(meta, "Gsi", gsi_meta);
    if (gsij && json_array_size(gsij) == 0) {
        rc = verr(r, TXT_GSI_EMPTY);
        goto fail;
    }
    if (json_array_size(gsij) > STORE_MAX_GSI) {
        rc = verr(r, TXT_GSI_COUNT);
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(gsij); i++) {
        json_t *g = json_array_get(gsij, i);
        store_index *ix = &def->idx[def->n_idx];
        api_tdef_ks gks;
        api_tdef_tp tp = {0};
        if (!json_is_object(g)) {
            rc = err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
            goto fail;
        }
        if (!ppr && (rc = api_tdef_check_gsi_throughput(r, g, &tp, &gsi_over)))
            goto fail;
        if (api_tdef_index_name_dup(gsij, i, NULL)) {
            rc = verr(r, TXT_GSI_DUP);
            goto fail;
        }
        if (api_tdef_index_name_dup(gsij, i, lsij)) {
            rc = verr(r, TXT_LSI_GSI_SAME_NAME);
            goto fail;
        }
        if ((rc = api_tdef_parse_index_common(r, g, true, ix, &gks, &total_proj)) ||
            (rc = api_tdef_gsi_keydef(r, &gks, &attrs, &ix->key)))
            goto fail;
        ix->global = true;
        json_t *ge = api_gsi_entry(tp.rcu, tp.wcu, ppr, g);
        if (ge)
            api_warm_init(ge, ppr, json_object_get(g, "WarmThroughput"));
        json_object_set_new(gsi_meta, ix->name, ge);
        def->n_idx++;
    }

    json_t *vixj = api_tdef_jparam(body, "VectorIndexes");
    for (size_t i = 0; i < attrs.n; i++) {
        json_t *dj = json_pack("{s:s}", "AttributeName", attrs.a[i].name);
        if (dj && api_vix_uses_def(vixj, dj))
            attrs.a[i].used = true;
        json_decref(dj);
    }
    for (size_t i = 0; i < attrs.n; i++)
        if (!attrs.a[i].used) {
            rc = verr(r, TXT_AD_COUNT_MISMATCH);
            goto fail;
        }

    api_tdef_tp tp = {0};
    if (!ppr) {
        rc = api_tdef_parse_throughput(r, body, "ProvisionedThroughput", false, &tp);
        if (rc < 0)
            goto fail;
        if (!tp.present) {
            rc = verr(r, TXT_NO_TABLE_THROUGHPUT);
            goto fail;
        }
        if (rc == 1) {
            rc = verr(r, TXT_TABLE_THROUGHPUT_MIN);
            goto fail;
        }
        table_over = rc == 2;
    }
    json_t *stream = NULL;
    if ((rc = api_tdef_parse_stream(r, ssj, true, &stream)))
        goto fail;
    if (stream) {
        def->stream_view =
            api_stream_view_parse(json_string_value(json_object_get(stream, "StreamViewType")));
        json_decref(stream); /* the store keeps the stream state (store_table.stream_*) */
    }
    if (tags && (rc = tag_checks(r, tags))) /* TagResource's rules (DDB-TABLE-110) */
        goto fail;
    const char *rp_doc; /* ResourcePolicy: checked as PutResourcePolicy's (op_policy.c) */
    if ((rc = api_policy_doc(r, "ResourcePolicy", &rp_doc)))
        goto fail;
    const store_table *existing;
    /* the quotas, after the request's validation (api_tdef_tp_over_max): the table's units, then
     * the
     * first index's */
    if (table_over) {
        rc = api_tdef_tp_over_max(r, &tp, NULL);
        goto fail;
    }
    if (gsi_over) {
        api_tdef_tp gtp = {0};
        (void)api_tdef_parse_throughput(r, gsi_over, "ProvisionedThroughput", true, &gtp);
        rc = api_tdef_tp_over_max(r, &gtp,
                                  json_string_value(json_object_get(gsi_over, "IndexName")));
        goto fail;
    }
    /* ... and the on-demand ceilings: the table's, then each index's */
    if (ppr && (rc = api_tdef_odt_over_max(r, api_tdef_jparam(body, "OnDemandThroughput"), NULL)))
        goto fail;
    for (size_t i = 0; ppr && i < json_array_size(gsij); i++) {
        json_t *g = json_array_get(gsij, i);
        if ((rc = api_tdef_odt_over_max(r, api_tdef_jparam(g, "OnDemandThroughput"),
                                        json_string_value(json_object_get(g, "IndexName")))))
            goto fail;
    }
    if ((rc = api_pin_table(r, def->name, &existing)))
        goto fail;
    /* a table being created is "being created"; one being deleted (--table-delay) still
     * exists (AWS, ack-api-quirks DDB-TABLE-005) */
    if (existing && api_table_creating_until(r->api, existing)) {
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_TABLE_BEING_CREATED, name);
        goto fail;
    }
    if (api_table_name_taken(r->api, def->name, existing)) {
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_CT_EXISTS, name);
        goto fail;
    }

    /* metadata: attribute definitions in the order given */
    int64_t now = api_wall_ms();
    json_t *ado = json_array();
    for (size_t i = 0; i < attrs.n; i++)
        json_array_append_new(ado, json_pack("{s:s,s:s}", "AttributeName", attrs.a[i].name,
                                             "AttributeType", api_type_name(attrs.a[i].type)));
    json_object_set_new(meta, "v", json_integer(1));
    json_object_set_new(meta, "AttributeDefinitions", ado);
    json_object_set_new(meta, "BillingMode", json_string(ppr ? "PAY_PER_REQUEST" : "PROVISIONED"));
    if (ppr)
        json_object_set_new(meta, "PprSince", json_integer(now));
    json_object_set_new(meta, "RCU", json_integer(tp.rcu));
    json_object_set_new(meta, "WCU", json_integer(tp.wcu));
    if (tags)
        api_tdef_tags_merge(meta, tags);
    if (rp_doc && api_policy_attach(meta, rp_doc, now)) {
        rc = err_set(r->err, ERR_NOMEM, "out of memory");
        goto fail;
    }
    api_meta_set_options(meta, sse, tclass, has_dp, dp,
                         api_tdef_jparam(body, "OnDemandThroughput"));
    api_warm_init(meta, ppr, api_tdef_jparam(body, "WarmThroughput"));
    uuid_t u;
    char us[37];
    uuid_generate_random(u);
    uuid_unparse_lower(u, us);
    json_object_set_new(meta, "TableId", json_string(us));
    if (r->api->table_delay_ms > 0) /* --table-delay: CREATING until then (api_tstate.c) */
        json_object_set_new(meta, "CreatingUntil", json_integer(now + r->api->table_delay_ms));
    if (json_array_size(vixj)) { /* created with the table: ACTIVE at once, no AddedMs */
        json_t *ve = api_vix_meta_entries(vixj, 0);
        if (!ve || json_object_set_new(meta, "Vec", ve)) {
            rc = err_set(r->err, ERR_NOMEM, "out of memory");
            goto fail;
        }
    }

    char *ms = ddbjson_dumps_whole(meta, JSON_COMPACT);
    if (!ms) {
        rc = err_set(r->err, ERR_NOMEM, "out of memory");
        goto fail;
    }
    def->meta = arena_strdup(r->arena, ms);
    def->meta_len = strlen(ms);
    free(ms);
    if (!def->meta) {
        rc = err_set(r->err, ERR_NOMEM, "out of memory");
        goto fail;
    }
    def->created_ms = now;
    const store_table *t = NULL;
    if ((rc = store_table_create(r->api->store, def, &t, r->err))) {
        if (rc == ERR_RESOURCE_IN_USE) { /* lost a race: the service's text */
            err_clear(r->err);
            rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_CT_EXISTS, name);
        }
        goto fail;
    }
    if ((rc = api_keep_pin(r, t)))
        goto fail;
    if (!t) { /* deleted again at once */
        rc = err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, name);
        goto fail;
    }
    json_t *desc;
    if ((rc = api_table_describe_as(r, t, "ACTIVE", NULL, &desc)))
        goto fail;
    /* the answer describes warm throughput only when the request set it, UPDATING, and none
     * for the indexes (AWS, ack-api-quirks DDB-TABLE-032 / 033 / 138) */
    if (!api_tdef_jparam(body, "WarmThroughput"))
        json_object_del(desc, "WarmThroughput");
    else
        json_object_set_new(json_object_get(desc, "WarmThroughput"), "Status",
                            json_string("UPDATING"));
    size_t gi;
    json_t *gx;
    json_array_foreach(json_object_get(desc, "GlobalSecondaryIndexes"), gi, gx)
    {
        json_object_del(gx, "WarmThroughput");
    }
    *out = json_pack("{s:o}", "TableDescription", desc);
fail:
    json_decref(meta);
    return rc;
}

/* ---- DescribeTable / DeleteTable / ListTables ---------------------------------------- */

int op_describe_table(api_req *r, json_t **out)
{
    const store_table *t;
    json_t *desc;
    int rc = api_table_lookup(r, &t);
    if (rc == ERR_RESOURCE_NOT_FOUND && r->api->table_delay_ms > 0) {
        /* --table-delay: a table DeleteTable dropped is DELETING for a while */
        json_t *j = json_object_get(r->body, "TableName");
        char sn[STORE_NAME_MAX];
        json_t *gone = json_is_string(j) && api_table_store_name(r, json_string_value(j), sn)
                           ? api_gone_get(r->api, sn)
                           : NULL;
        if (gone) {
            err_clear(r->err);
            *out = json_pack("{s:o}", "Table", gone);
            return *out ? 0 : err_set(r->err, ERR_NOMEM, "out of memory");
        }
    }
    if (rc || (rc = api_table_describe_as(r, t, "ACTIVE", NULL, &desc)))
        return rc;
    *out = json_pack("{s:o}", "Table", desc);
    return 0;
}

/* DeleteTable's decision, against the committed table: refused while deletion protection
 * is on (it may have been switched on since the request's table was looked up). */
static int delete_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    (void)ctx;
    if (json_is_true(json_object_get(meta, "DeletionProtection")))
        return err_set(r->err, ERR_VALIDATION,
                       "Resource cannot be deleted as it is currently protected against "
                       "deletion. Disable deletion protection first.");
    if (api_table_index_busy(al->cur) || api_table_gsi_updating(meta) ||
        api_vix_busy(r->api, meta, api_wall_ms()))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_DT_INDEXES_BUSY);
    if (api_table_iops_updating(meta))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_DT_TABLE_UPDATING,
                       tbl_user_name(r, al->cur));
    if (api_table_stream_updating(meta))
        return err_set(r->err, ERR_RESOURCE_IN_USE, "%s", TXT_DT_STREAM_UPDATING);
    al->drop = true;
    return 0;
}

int op_delete_table(api_req *r, json_t **out)
{
    const store_table *t;
    json_t *desc;
    int rc = api_table_deleting_refuse(r, api_table_lookup(r, &t));
    if (rc || (rc = api_restore_refuse(r, t)) || (rc = api_table_creating_refuse(r, t)) ||
        (rc = api_table_describe_as(r, t, "DELETING", NULL, &desc)))
        return rc;
    if ((rc = api_table_alter(r, t, true, delete_edit, NULL, NULL))) {
        json_decref(desc);
        return rc;
    }
    /* --table-delay: DELETING for a while (DescribeTable, ListTables; api_tstate.c) */
    if (api_gone_add(r->api, t->name, desc))
        log_warn("DeleteTable %s: out of memory: not shown DELETING", t->name);
    *out = json_pack("{s:o}", "TableDescription", desc);
    return 0;
}

static int tbl_name_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int op_list_tables(api_req *r, json_t **out)
{
    const char *start;
    bool has_limit;
    long long limit;
    int rc;
    if ((rc = api_json_str(r->body, "ExclusiveStartTableName", &start, r->err)) ||
        (rc = api_json_int(r->body, "Limit", &has_limit, &limit, r->err)))
        return rc;
    if (has_limit && limit < 1)
        return verr(r, TXT_LIST_LIMIT_MIN);
    if (has_limit && limit > 100)
        return verr(r, TXT_LIST_LIMIT_MAX);
    if (start && !api_name_valid(start))
        return verr(r, TXT_INVALID_TABLE_NAME);
    if (!has_limit)
        limit = 100;
    char **names;
    size_t n;
    if ((rc = store_table_list(r->api->store, r->arena, &names, &n, r->err)))
        return rc;
    /* --table-delay: a table being deleted is still listed (AWS, DDB-TABLE-076) */
    size_t n_store = n;
    if (api_gone_names(r->api, r->arena, &names, &n))
        return err_set(r->err, ERR_NOMEM, "out of memory");
    if (n > n_store)
        qsort(names, n, sizeof *names, tbl_name_ptr_cmp);
    char ns[STORE_NAME_MAX];
    size_t nsl = api_table_ns(r, "", ns);
    if (nsl == STORE_NAME_MAX) /* no table fits under it (ddb_proto's ns: 193 bytes at most) */
        n = 0;
    json_t *arr = json_array();
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        if (strncmp(nm, ns, nsl) != 0 || strchr(nm + nsl, '/'))
            continue; /* another namespace */
        nm += nsl;
        if (start && strcmp(nm, start) <= 0)
            continue;
        if ((long long)json_array_size(arr) == limit) {
            more = true;
            break;
        }
        json_array_append_new(arr, json_string(nm));
        last = nm;
    }
    *out = json_pack("{s:o}", "TableNames", arr);
    if (more && last)
        json_object_set_new(*out, "LastEvaluatedTableName", json_string(last));
    return 0;
}

/* ---- UpdateTable --------------------------------------------------------------------- */

/* UpdateTable in three steps (CONVENTIONS 9): ut_parse takes the request's members and
 * applies the rules that need no table (before the table is looked up, as the service does);
 * ut_plan decides every change against the table as committed, in the service's order, and
 * runs inside the store's write transaction (ut_edit), so that
 * ut_apply's index changes and new metadata commit together, in one transaction, from the
 * state they were decided on.  A new GSI is then filled in batches (store_table_alter). */
typedef struct ut_req {
    json_t *adj, *gu, *ssj, *sse, *ptj, *odt, *warm;
    const char *billing, *tclass;
    bool has_dp, dp;
} ut_req;

typedef struct ut_plan {
    store_index *adds;    /* GSIs to create */
    const char **drops;   /* GSIs to delete */
    size_t n_adds, n_drops;
    const char *creating; /* the GSI being created (described as CREATING), or NULL */
    api_tdef_attrs attrs;      /* the request's AttributeDefinitions (when parsed) */
    bool stream_change;   /* StreamSpecification enables (stream_view) or disables the stream */
    uint8_t stream_view;
    bool resend_ppr;      /* BillingMode PAY_PER_REQUEST re-sent: answered UPDATING, no change */
    bool dropped_ppr;     /* ... re-sent during a switch to PROVISIONED: dropped, answered as
                           * on-demand */
    bool to_ppr;          /* a switch to on-demand */
    bool api_warm_raise;      /* the table's WarmThroughput raised: answered UPDATING with ... */
    long long warm_was[2]; /* ... the values from before */
    /* the first unit count over its quota met while validating (40,000 units a table or an
     * index, an on-demand ceiling): refused after the request's validation, as CreateTable
     * does (api_tdef_tp_over_max, api_tdef_odt_over_max) */
    int over;               /* 0 none, 1 units (over_tp), 2 a ceiling (over_odt) */
    api_tdef_tp over_tp;
    json_t *over_odt;
    const char *over_index; /* the index's name; NULL the table's */
} ut_plan;

/* Notes units over the quota (the first only; ut_plan.over). */
static void ut_over_units(ut_plan *p, const api_tdef_tp *tp, const char *index)
{
    if (p->over)
        return;
    p->over = 1;
    p->over_tp = *tp;
    p->over_index = index;
}

/* Notes odt's ceilings if one is over the quota (the first only; ut_plan.over). */
static void ut_over_ceiling(ut_plan *p, json_t *odt, const char *index)
{
    if (p->over || api_tdef_odt_over(odt) < 0)
        return;
    p->over = 2;
    p->over_odt = odt;
    p->over_index = index;
}

/* The refusal of the quota overrun noted (ut_plan.over), 0 if none. */
static int ut_over_refuse(api_req *r, const ut_plan *p)
{
    if (p->over == 1)
        return api_tdef_tp_over_max(r, &p->over_tp, p->over_index);
    return p->over == 2 ? api_tdef_odt_over_max(r, p->over_odt, p->over_index) : 0;
}

/* t's index `name` (NULL when it has none). */
static const store_index *tbl_index(const store_table *t, const char *name)
{
    for (size_t j = 0; j < t->n_idx; j++)
        if (strcmp(t->idx[j].name, name) == 0)
            return &t->idx[j];
    return NULL;
}

/* How many of Create, Delete, Update a GlobalSecondaryIndexUpdates entry carries. */
static int ut_n_actions(json_t *u)
{
    return json_is_object(json_object_get(u, "Create")) +
           json_is_object(json_object_get(u, "Delete")) +
           json_is_object(json_object_get(u, "Update"));
}

/* The action of a GlobalSecondaryIndexUpdates entry (NULL when it has none). */
static json_t *ut_action(json_t *u, char *kind)
{
    static const char *const names[] = {"Create", "Delete", "Update"};
    for (int k = 0; k < 3; k++) {
        json_t *a = json_object_get(u, names[k]);
        if (json_is_object(a)) {
            *kind = names[k][0];
            return a;
        }
    }
    *kind = 0;
    return NULL;
}

/* True for a WarmThroughput / OnDemandThroughput object with one of its members: an empty
 * one counts as absent when UpdateTable's changes are combined (ack-api-quirks
 * DDB-TABLE-456). */
static bool ut_has_units(json_t *o, const char *a, const char *b)
{
    return json_is_integer(json_object_get(o, a)) || json_is_integer(json_object_get(o, b));
}

/* UpdateTable is one logical change per call (AWS, ack-api-quirks DDB-TABLE-382 and 433:
 * 33 of 35 pairs refused on idle tables, nothing applied; DDB-TABLE-174 for an index create):
 * SSESpecification, TableClass, DeletionProtectionEnabled and WarmThroughput each must be
 * alone, reported in that precedence (DP + SSE names SSE, Warm + DP names DP);
 * OnDemandThroughput combines with BillingMode only (measured: with a stream or warm change
 * refused); a warm change with an index create has its own text; an index create or delete
 * goes with neither a throughput nor a stream change (the text names both, measured with a
 * create for the stream and with a delete for the throughput).  Accepted: BillingMode with
 * ProvisionedThroughput and index throughput Updates, PAY_PER_REQUEST with a stream change,
 * with OnDemandThroughput or with an index create.  ProvisionedThroughput with a stream
 * change: ut_plan_changes (TXT_UT_STREAM_AND_IOPS).
 *
 * vu: the request's VectorIndexUpdates (NULL: none; op_update_table's vector path).  No
 * capture of AWS's answer: a vector index change is one of the service's online index
 * changes, so it meets this rule and its texts as a GSI create or delete does, in this
 * precedence, but for two things: a warm change names no "global secondary index"
 * (TXT_UT_ONLY_WARM), and BillingMode with ProvisionedThroughput may come along (a switch to
 * PROVISIONED next to a vector index delete is refused for the billing: AWS 2026-08-12 as
 * Dynoxide records it; ut_vix_billing).  Then ut_vix_alone.  All inferred. */
static int ut_single_concern(api_req *r, const ut_req *q, json_t *vu)
{
    bool warm = ut_has_units(q->warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond");
    bool odt = ut_has_units(q->odt, "MaxReadRequestUnits", "MaxWriteRequestUnits");
    bool create = false, cdel = vu != NULL; /* every vector update is an index change */
    size_t n = json_array_size(q->gu);
    for (size_t i = 0; i < n; i++) {
        json_t *u = json_array_get(q->gu, i);
        create = create || json_is_object(json_object_get(u, "Create"));
        cdel = cdel || json_is_object(json_object_get(u, "Create")) ||
               json_is_object(json_object_get(u, "Delete"));
    }
    int ops = (q->sse != NULL) + (q->tclass != NULL) + q->has_dp + warm + odt +
              (q->ssj != NULL) + (q->ptj != NULL) + (q->billing != NULL) + (n > 0) +
              (vu != NULL);
    if (ops < 2)
        return 0;
    if (q->sse)
        return verr(r, TXT_UT_ONLY_SSE);
    if (q->tclass)
        return verr(r, TXT_UT_ONLY_CLASS);
    if (q->has_dp)
        return verr(r, TXT_UT_ONLY_DP);
    if (odt && (q->ssj || warm))
        return verr(r, TXT_UT_ODT_WITH);
    if (warm)
        return verr(r, create ? TXT_UT_WARM_CREATE : TXT_UT_ONLY_WARM);
    if (cdel && q->ptj && !(vu && q->billing))
        return verr(r, TXT_UT_INDEX_AND_IOPS);
    if (cdel && q->ssj)
        return verr(r, TXT_UT_INDEX_AND_STREAM);
    return 0;
}

/* What a vector index change may not come with although a GSI create or delete may (after
 * ut_single_concern): a GSI create or delete (two online index changes in one call: the GSI
 * machinery's LimitExceededException, Dynoxide's capture of two vector actions), then
 * OnDemandThroughput, any GlobalSecondaryIndexUpdates or ReplicaUpdates (ddbchat's
 * TXT_VIX_UT_ALONE, inferred). */
static int ut_vix_alone(api_req *r, const ut_req *q)
{
    for (size_t i = 0; i < json_array_size(q->gu); i++) {
        json_t *u = json_array_get(q->gu, i);
        if (json_is_object(json_object_get(u, "Create")) ||
            json_is_object(json_object_get(u, "Delete")))
            return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_GSI_ONE_AT_A_TIME);
    }
    json_t *rep = json_object_get(r->body, "ReplicaUpdates");
    if (q->gu || ut_has_units(q->odt, "MaxReadRequestUnits", "MaxWriteRequestUnits") ||
        (rep && !json_is_null(rep)))
        return verr(r, TXT_VIX_UT_ALONE);
    return 0;
}

/* UpdateTable's first checks of its billing members (q->billing, q->ptj parsed): on-demand
 * with throughput, then throughput out of bounds.  ut_parse, and op_update_table for a
 * billing change that comes with VectorIndexUpdates. */
static int ut_billing_first(api_req *r, const ut_req *q)
{
    if (q->billing && strcmp(q->billing, "PAY_PER_REQUEST") == 0 && q->ptj)
        return verr(r, TXT_CT_PPR_WITH_PT);
    static const char *const units[] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    for (int k = 0; q->ptj && k < 2; k++) {
        bool has;
        long long v;
        int rc = api_json_int(q->ptj, units[k], &has, &v, r->err);
        if (rc)
            return rc;
        if (has && v > API_TDEF_MAX_UNITS)
            return err_set(r->err, ERR_VALIDATION, TXT_UT_PT_BOUNDS, v, units[k]);
    }
    return 0;
}

/* The request's members into q (their types: the model checked them). */
static int ut_members(api_req *r, ut_req *q)
{
    json_t *body = r->body;
    int rc;
    if ((rc = api_json_arr(body, "AttributeDefinitions", &q->adj, r->err)) ||
        (rc = api_json_arr(body, "GlobalSecondaryIndexUpdates", &q->gu, r->err)) ||
        (rc = api_json_str(body, "BillingMode", &q->billing, r->err)) ||
        (rc = api_json_obj(body, "StreamSpecification", &q->ssj, r->err)) ||
        (rc = api_json_obj(body, "SSESpecification", &q->sse, r->err)) ||
        (rc = api_json_obj(body, "OnDemandThroughput", &q->odt, r->err)) ||
        (rc = api_json_obj(body, "WarmThroughput", &q->warm, r->err)) ||
        (rc = api_json_str(body, "TableClass", &q->tclass, r->err)) ||
        (rc = api_json_bool(body, "DeletionProtectionEnabled", &q->has_dp, &q->dp, r->err)) ||
        (rc = api_json_obj(body, "ProvisionedThroughput", &q->ptj, r->err)))
        return rc;
    return 0;
}

static int ut_parse(api_req *r, ut_req *q)
{
    int rc;
    if ((rc = ut_members(r, q)))
        return rc;
    /* the service's order (the model's constraints were checked by api_call): on-demand
     * with throughput, throughput out of bounds, something to change, each index update
     * with one action and one update per index */
    if ((rc = ut_billing_first(r, q)))
        return rc;
    /* AttributeDefinitions alone, or an empty update list, change nothing; SSESpecification
     * alone is a change on AWS (ack-api-quirks DDB-TABLE-081 / 141: each one re-encrypts and
     * counts; DynamoDB Local: "Nothing to update") */
    if (!json_array_size(q->gu) && !q->billing && !q->ssj && !q->has_dp && !q->ptj && !q->sse &&
        !q->tclass && !q->odt && !ut_has_units(q->warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond"))
        return err_set(r->err, ERR_VALIDATION, TXT_UT_NOTHING,
                       json_object_get(r->body, "MultiRegionConsistency") ? ""
                                                                       : "MultiRegionConsistency, ");
    /* an empty list next to another change (ack-api-quirks DDB-TABLE-160) */
    if (q->gu && !json_array_size(q->gu))
        return verr(r, TXT_UT_GSI_LIST_EMPTY);
    size_t n = json_array_size(q->gu);
    for (size_t i = 0; i < n; i++) {
        char kind;
        if (!ut_action(json_array_get(q->gu, i), &kind))
            return verr(r, TXT_UT_GSI_ACTION_NULL);
        if (ut_n_actions(json_array_get(q->gu, i)) > 1)
            return verr(r, TXT_UT_GSI_ONE_ACTION);
    }
    for (size_t i = 0; i < n; i++) {
        char ki, kj;
        json_t *a = ut_action(json_array_get(q->gu, i), &ki);
        size_t la, lb;
        const char *in = api_tdef_js(a, "IndexName", &la);
        for (size_t j = 0; in && j < i; j++) {
            const char *jn =
                api_tdef_js(ut_action(json_array_get(q->gu, j), &kj), "IndexName", &lb);
            if (jn && la == lb && memcmp(in, jn, la) == 0)
                return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_ONE_PER_INDEX, in);
        }
    }
    /* an Update's WarmThroughput needs a member, checked before the index or even the table
     * is looked up (AWS, ack-api-quirks DDB-TABLE-456) */
    for (size_t i = 0; i < n; i++) {
        json_t *up = json_object_get(json_array_get(q->gu, i), "Update");
        json_t *warm = json_object_get(up, "WarmThroughput");
        if (!json_is_object(warm) || json_is_integer(json_object_get(warm, "ReadUnitsPerSecond")) ||
            json_is_integer(json_object_get(warm, "WriteUnitsPerSecond")))
            continue;
        size_t nl;
        const char *in = api_tdef_js(up, "IndexName", &nl); /* present: the model */
        const char *shown = in ? api_nul_text(r->arena, in, nl) : "";
        return shown ? err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_WARM_EMPTY, shown)
                     : err_set(r->err, ERR_NOMEM, "out of memory");
    }
    return ut_single_concern(r, q, NULL);
}

/* A GSI Update of an on-demand table that stays on-demand (AWS, ack-api-quirks DDB-TABLE-152
 * and DDB-TABLE-456): OnDemandThroughput or WarmThroughput with at least one member, never
 * ProvisionedThroughput; an OnDemandThroughput ceiling is 1 or more, or -1 to remove it.
 * The ceilings go into the index's metadata g (DescribeTable shows them); WarmThroughput is
 * accepted and not modelled (ddbchat has no warm throughput). */
static int ut_gsi_on_demand(api_req *r, json_t *act, const char *iname, json_t *g,
                            ut_plan *p)
{
    json_t *odt = json_object_get(act, "OnDemandThroughput");
    json_t *warm = json_object_get(act, "WarmThroughput");
    bool any =
        ut_has_units(warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond") || api_odt_first(odt);
    if (json_object_get(act, "ProvisionedThroughput") || !any)
        return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_PPR_ONLY, iname);
    const char *om = api_odt_out_of_range(odt, true);
    if (om)
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_ODT_RANGE, om, iname);
    ut_over_ceiling(p, odt, iname);
    /* warm throughput only grows (AWS, ack-api-quirks DDB-TABLE-155 / 456) */
    long long shown[2], v[2];
    api_warm_fix(g, true);
    api_warm_shown(g, true, api_wall_ms(), shown);
    const char *wm = api_warm_below(warm, shown);
    if (wm)
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_WARM_DECREASE, wm, iname);
    api_odt_merge(g, odt);
    if (ut_has_units(warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond")) {
        api_warm_want(warm, shown, v);
        api_warm_set(g, true, v,
                     r->api->update_delay_ms > 0 ? api_wall_ms() + r->api->update_delay_ms : 0);
    }
    return 0;
}

/* True when an index Update's ProvisionedThroughput asks for more than API_TDEF_MAX_UNITS of a
 * unit: on an unknown index the service answers "Action Blocked" rather than not-found
 * (dynalite's AWS-checked tests; ordinary values: TXT_UT_GSI_RNF). */
static bool ut_pt_beyond(json_t *act)
{
    json_t *pt = json_object_get(act, "ProvisionedThroughput");
    static const char *const units[] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(pt, units[k]);
        if (json_is_integer(v) && json_integer_value(v) > API_TDEF_MAX_UNITS)
            return true;
    }
    return false;
}

/* "[a, b]": the names of t's GSIs being created (allocating) or else deleted. */
static const char *phase_names(api_req *r, const store_table *t, bool deleting)
{
    const char *s = "[";
    size_t n = 0;
    for (size_t i = 0; i < (deleting ? t->n_dropping : t->n_idx) && s; i++) {
        const store_index *ix = deleting ? &t->dropping[i] : &t->idx[i];
        if (deleting || ix->allocating)
            s = arena_printf(r->arena, "%s%s%s", s, n++ ? ", " : "", ix->name);
    }
    return s ? arena_printf(r->arena, "%s]", s) : NULL;
}

/* UpdateTable while the table is UPDATING for its indexes (a GSI in its resource allocation
 * phase or being deleted), as AWS answers it (ack-api-quirks DDB-TABLE-375/376/458): a
 * throughput or billing change while an index is deleted, and an on-demand ceiling in
 * either phase, are refused with their own texts; deletion protection and encryption are
 * admitted, and a re-sent PAY_PER_REQUEST while an index is deleted; anything else is
 * refused as before. */
static int ut_index_phase_check(api_req *r, const ut_req *q, const store_table *t,
                                bool changed_billing, bool stream)
{
    const char *name = tbl_user_name(r, t);
    bool deleting = t->n_dropping > 0;
    if (deleting && (q->ptj || changed_billing)) {
        const char *ns = phase_names(r, t, true);
        return ns ? err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_IOPS_INDEX_DELETING, name, ns)
                  : err_set(r->err, ERR_NOMEM, "out of memory");
    }
    if (q->odt) {
        const char *ns = phase_names(r, t, deleting);
        return ns ? err_set(r->err, ERR_RESOURCE_IN_USE,
                            deleting ? TXT_UT_ODT_INDEX_DELETING : TXT_UT_ODT_INDEX_CREATING, ns)
                  : err_set(r->err, ERR_NOMEM, "out of memory");
    }
    if (!q->ptj && !changed_billing && !stream && !q->tclass && !json_array_size(q->gu) &&
        (deleting || !q->billing)) /* a re-sent PAY_PER_REQUEST: measured while deleting */
        return 0;
    return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_TABLE_UPDATING, name);
}

/* `ms` as the switch's text writes a time: "Sat Feb 23 03:07:45 UTC 2019" (the 2019 capture) */
static void ppr_date_text(int64_t ms, char out[64])
{
    static const char wd[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mo[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(out, 64, "%lld", (long long)ms);
        return;
    }
    snprintf(out, 64, "%s %s %02d %02d:%02d:%02d UTC %d", wd[tm.tm_wday % 7], mo[tm.tm_mon % 12],
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

/* The times (ms) in meta's list `key` at or after `since`, as a new array (NULL: out of
 * memory).  The change-count quotas below keep the times of their changes so (PprSwitches,
 * SseChanges, ClassChanges). */
static json_t *times_since(json_t *meta, const char *key, int64_t since)
{
    json_t *keep = json_array(), *v;
    size_t i;
    if (!keep)
        return NULL;
    json_array_foreach(json_object_get(meta, key), i, v)
    {
        if (json_is_integer(v) && json_integer_value(v) >= since && json_array_append(keep, v)) {
            json_decref(keep);
            return NULL;
        }
    }
    return keep;
}

/* Adds `now` to keep (times_since's, consumed) and stores it as meta's `key`. */
static int times_record(api_req *r, json_t *meta, const char *key, json_t *keep, int64_t now)
{
    json_t *at = json_integer((json_int_t)now);
    if (!at || json_array_append_new(keep, at)) {
        json_decref(keep);
        return err_set(r->err, ERR_NOMEM, "out of memory");
    }
    if (json_object_set_new(meta, key, keep))
        return err_set(r->err, ERR_NOMEM, "out of memory");
    return 0;
}

/* The switches to on-demand (the Developer Guide, "Considerations when switching capacity
 * modes": provisioned to on-demand up to four times in a 24-hour rolling window, on-demand to
 * provisioned at any time).  meta "PprSwitches" keeps the times (ms) of the switches still in
 * the window; a fifth within it is LimitExceededException (TXT_UT_PPR_SWITCHES, inferred:
 * README) naming the last switch and when the oldest of the four leaves the window.  Counts
 * the switch at `now` when it passes.  DynamoDB Local switches any number of times. */
static int ppr_switch_budget(api_req *r, json_t *meta, int64_t now)
{
    json_t *keep = times_since(meta, "PprSwitches", now - r->api->ppr_window_ms + 1);
    if (!keep)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    size_t n = json_array_size(keep);
    if (n >= PPR_SWITCHES_PER_WINDOW) {
        int64_t first = json_integer_value(json_array_get(keep, n - PPR_SWITCHES_PER_WINDOW));
        char ls[64], ns[64];
        ppr_date_text(json_integer_value(json_array_get(keep, n - 1)), ls);
        ppr_date_text(first + r->api->ppr_window_ms, ns);
        json_decref(keep);
        return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_UT_PPR_SWITCHES, PPR_SWITCHES_PER_WINDOW,
                       ls, ns);
    }
    return times_record(r, meta, "PprSwitches", keep, now);
}

/* The encryption key changes (the quotas page, "DynamoDB encryption at rest": between an AWS
 * owned, an AWS managed and a customer managed key up to four times in a 24-hour window, the
 * windows counted per table from its creation; then one more whenever there was no change in
 * the past six hours; a switch to an AWS owned key at any time, even past the quota).  As AWS
 * answers (ack-api-quirks DDB-TABLE-081 / 141 / 082 / 018 / 377, 2026-10-08/09): every
 * UpdateTable with an SSESpecification is a change, a re-send of the key the table has (by
 * alias or key id, or Enabled true alone) too, and so is the switch to an AWS owned key
 * (counted, never refused: "Number of updates today: 5" after it); the quota is checked
 * before the key ("bad keys" got the quota's refusal); Enabled false on a table with no KMS
 * key and the key's own ARN re-sent are ValidationExceptions (TXT_UT_SSE_DEFAULT,
 * TXT_UT_SSE_SAME_KEY), not changes.  meta "SseChanges" keeps the times (ms) of the changes
 * made in the current window; one refused is LimitExceededException TXT_UT_SSE_CHANGES
 * naming the window's end, the changes made in it, the last one and when the next may be
 * (six hours after it).  The window is api->sse_window_ms, a quarter of it the gap.  A
 * re-created or restored table starts afresh (DDB-TABLE-377).  DynamoDB Local changes any
 * number of times. */
static void sse_time_text(int64_t ms, char out[64])
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&sec, &tm))
        memset(&tm, 0, sizeof tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int sse_change(api_req *r, json_t *meta, json_t *sse, int64_t created, int64_t now)
{
    int64_t w = r->api->sse_window_ms, since = now > created ? now - created : 0;
    int64_t start = created + since / w * w, last = 0;
    json_t *old = json_object_get(meta, "SseChanges");
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(old, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < start)
            continue;
        n++;
        if (json_integer_value(v) > last)
            last = json_integer_value(v);
    }
    /* SSEType KMS without Enabled asks for a KMS key too (AWS re-encrypts with it:
     * DDB-TABLE-141's "SSEType-only" re-send); the stored specification says so */
    json_t *en = json_object_get(sse, "Enabled");
    const char *type = json_string_value(json_object_get(sse, "SSEType"));
    if (!en && type && strcmp(type, "KMS") == 0 && json_object_set_new(sse, "Enabled", json_true()))
        return err_set(r->err, ERR_NOMEM, "out of memory");
    bool to_owned = !json_is_true(json_object_get(sse, "Enabled"));
    if (!to_owned && n >= SSE_FREE_CHANGES && now - last < w / 4) {
        char end[64], ls[64], ns[64];
        sse_time_text(start + w, end);
        sse_time_text(last, ls);
        sse_time_text(last + w / 4, ns);
        return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_UT_SSE_CHANGES, end, n, ls, ns);
    }
    bool nomem;
    const char *ka = api_sse_key_arn(r, meta, &nomem);
    if (nomem)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    if (to_owned && !ka)
        return verr(r, TXT_UT_SSE_DEFAULT);
    const char *want = json_string_value(json_object_get(sse, "KMSMasterKeyId"));
    if (!to_owned && ka && want && strcmp(want, ka) == 0)
        return verr(r, TXT_UT_SSE_SAME_KEY);
    json_t *keep = times_since(meta, "SseChanges", start);
    if (!keep)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    return times_record(r, meta, "SseChanges", keep, now);
}

/* The TableClass changes: two in 30 days (AWS, ack-api-quirks DDB-TABLE-377 / 443, 2026-10-09:
 * STANDARD_INFREQUENT_ACCESS, STANDARD, then LimitExceededException TXT_UT_CLASS_CHANGES; "no-op
 * re-sends are also rejected once spent", a re-created table starts afresh).  meta
 * "ClassChanges" keeps the times (ms) of the changes in the last api->class_window_ms; every
 * accepted UpdateTable with a TableClass counts, one naming the class the table has too
 * (inferred: a re-sent class is "not a free no-op" for a replica, DDB-TABLE-250), and the 30
 * days roll (inferred).  DynamoDB Local calls a TableClass alone "Nothing to update". */
static int class_change(api_req *r, json_t *meta, int64_t now)
{
    json_t *keep = times_since(meta, "ClassChanges", now - r->api->class_window_ms + 1);
    if (!keep)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    if (json_array_size(keep) >= CLASS_CHANGES) {
        json_decref(keep);
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_UT_CLASS_CHANGES);
    }
    return times_record(r, meta, "ClassChanges", keep, now);
}

/* Decides the change against t (the committed table) and edits meta accordingly; index
 * changes go to p.  The service's order (Dynoxide's AWS captures): billing against the
 * table; table throughput; updates of indexes that do not exist; one create or delete at a
 * time; then each index action in turn (a create: name taken, key attributes defined by the
 * request; a delete: the index exists); the remaining GSIs' throughput when leaving
 * on-demand; stream. */
static int ut_plan_changes(api_req *r, const ut_req *q, const store_table *t, json_t *meta,
                           ut_plan *p)
{
    json_t *body = r->body, *stream = NULL;
    int rc = 0;
    memset(p, 0, sizeof *p);
    /* changes of throughput done by now get their completion dates (before UpdatingUntil is
     * moved by this one) */
    api_tp_settle(meta, api_wall_ms());
    const char *gk;
    json_t *gv;
    json_object_foreach(json_object_get(meta, "Gsi"), gk, gv)
    {
        api_tp_settle(gv, api_wall_ms());
    }
    bool ppr = api_meta_is_ppr(meta);
    bool to_ppr = ppr, changed_billing = false;
    /* warm throughput stored as it stands before the billing may change */
    api_warm_fix(meta, ppr);
    json_object_foreach(json_object_get(meta, "Gsi"), gk, gv)
    {
        api_warm_fix(gv, ppr);
    }
    if (q->billing) { /* one of the model's enum values */
        to_ppr = strcmp(q->billing, "PAY_PER_REQUEST") == 0;
        changed_billing = to_ppr != ppr;
    }
    /* PAY_PER_REQUEST re-sent to an on-demand table: a 200 that changes nothing, answered
     * UPDATING (DescribeTable stays ACTIVE); sent while a switch from on-demand to
     * provisioned is in progress, taken as such a re-send of the mode still committed:
     * dropped, answered UPDATING as on-demand (AWS as the public ack-api-quirks lab measured
     * it, DDB-TABLE-156 and DDB-TABLE-452; tests/e2e/test_tables_updating.py) */
    if (q->billing && to_ppr && !changed_billing)
        p->resend_ppr = true;
    if (changed_billing && to_ppr && api_table_iops_updating(meta) &&
        json_is_true(json_object_get(meta, "UpdatingBilling"))) {
        p->resend_ppr = p->dropped_ppr = true;
        changed_billing = false;
        to_ppr = ppr;
    }
    p->to_ppr = changed_billing && to_ppr;
    /* vector indexes need an on-demand table: CreateTable's text, as the AWS-checked emulator
     * ExtendDB measured this switch (2026-08-13); Dynoxide records another text ("Tables with
     * vector indexes must be in PAY_PER_REQUEST mode", 2026-08-12): disputed, README */
    if (changed_billing && !to_ppr && api_vix_count(r->api, meta, api_wall_ms()))
        return verr(r, TXT_VIX_PROVISIONED);
    /* billing against the table: throughput for an on-demand table; PROVISIONED needs it */
    if (ppr && !q->billing && q->ptj)
        return verr(r, TXT_CT_PPR_WITH_PT);
    if (q->billing && !to_ppr && !q->ptj && !p->dropped_ppr)
        return verr(r, TXT_UT_PROV_NEEDS_PT);
    /* on-demand ceilings: only for a table that stays or becomes on-demand; at least 1, or
     * -1 (no ceiling) */
    const char *om;
    if (!to_ppr && (om = api_odt_first(q->odt)))
        return err_set(r->err, ERR_VALIDATION, TXT_UT_ODT_PROVISIONED, om);
    if ((om = api_odt_out_of_range(q->odt, true)))
        return err_set(r->err, ERR_VALIDATION, TXT_ODT_RANGE, om);
    ut_over_ceiling(p, q->odt, NULL);
    /* warm throughput only grows; a raise is under way a while, the table ACTIVE (AWS,
     * ack-api-quirks DDB-TABLE-059 / 061 / 179) */
    long long wshown[2];
    api_warm_shown(meta, ppr, api_wall_ms(), wshown);
    const char *wm = api_warm_below(q->warm, wshown);
    if (wm)
        return err_set(r->err, ERR_VALIDATION, TXT_WARM_DECREASE, wm);
    /* table throughput: limits, then a change that changes nothing */
    api_tdef_tp tp = {0};
    if (q->ptj) {
        rc = api_tdef_parse_throughput(r, body, "ProvisionedThroughput", false, &tp);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return verr(r, TXT_TABLE_THROUGHPUT_MIN);
        long long cr = api_meta_int(meta, "RCU"), cw = api_meta_int(meta, "WCU");
        if (rc == 2) /* over the quota: neither the same nor a decrease to count */
            ut_over_units(p, &tp, NULL);
        else if (!to_ppr && !changed_billing && tp.rcu == cr && tp.wcu == cw)
            return err_set(r->err, ERR_VALIDATION, TXT_UT_THROUGHPUT_SAME, cr, tp.rcu, cw,
                           tp.wcu);
        else if (!changed_billing &&
                 (rc = api_tp_decrease_budget(r, meta, tp.rcu, tp.wcu, api_wall_ms())))
            return rc;
        rc = 0;
    }

    /* GSI updates: validate all, then plan */
    size_t n_gu = json_array_size(q->gu);
    json_t *gmeta = json_object_get(meta, "Gsi");
    if (!json_is_object(gmeta)) {
        gmeta = json_object();
        if (!gmeta || json_object_set_new(meta, "Gsi", gmeta))
            return err_set(r->err, ERR_NOMEM, "out of memory");
    }
    p->adds = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *p->adds);
    p->drops = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *p->drops);
    json_t **acts = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *acts);
    char *kinds = arena_zalloc(r->arena, n_gu ? n_gu : 1);
    size_t n_struct = 0;
    if (!p->adds || !p->drops || !acts || !kinds)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    /* (ut_parse: each entry has an action, one per index) */
    for (size_t i = 0; i < n_gu; i++) {
        acts[i] = ut_action(json_array_get(q->gu, i), &kinds[i]);
        n_struct += kinds[i] == 'C' || kinds[i] == 'D';
    }
    for (size_t i = 0; i < n_gu; i++) {
        const char *in = json_string_value(json_object_get(acts[i], "IndexName"));
        const store_index *ix = in ? tbl_index(t, in) : NULL;
        /* an Update of an index being deleted: the state check wins (AWS's text,
         * ack-api-quirks DDB-TABLE-375/376) */
        for (size_t j = 0; kinds[i] == 'U' && in && !ix && j < t->n_dropping; j++)
            if (strcmp(t->dropping[j].name, in) == 0)
                return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_DELETING,
                               tbl_user_name(r, t), in);
        if (kinds[i] == 'U' && ix && !ix->global)
            return err_set(r->err, ERR_VALIDATION, TXT_UT_NOT_GSI, "update", ix->name);
        if (kinds[i] == 'U' && !ix)
            return ut_pt_beyond(acts[i])
                       ? verr(r, TXT_UT_GSI_UPDATE_UNKNOWN)
                       : err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_UT_GSI_RNF, in,
                                 tbl_user_name(r, t));
    }
    if (n_struct > 1)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    /* one online index change at a time: while a GSI is being created or deleted, another
     * create or delete is refused, except deleting the GSI being backfilled (AWS allows
     * that once its resource allocation phase is over) */
    bool busy = api_table_index_busy(t);
    for (size_t i = 0; i < n_gu && api_vix_busy(r->api, meta, api_wall_ms()); i++)
        if (kinds[i] == 'C' || kinds[i] == 'D') /* a vector index's create or delete */
            return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    for (size_t i = 0; busy && i < n_gu; i++) {
        if (kinds[i] != 'C' && kinds[i] != 'D')
            continue;
        const char *in = json_string_value(json_object_get(acts[i], "IndexName"));
        const store_index *ix = in ? tbl_index(t, in) : NULL;
        /* deleting the index still in its resource allocation phase: AWS's text
         * (ack-api-quirks DDB-TABLE-149, 28 attempts over 53 s) */
        if (kinds[i] == 'D' && ix && ix->allocating)
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_ALLOCATING,
                           tbl_user_name(r, t), ix->name);
        if (!(kinds[i] == 'D' && ix && ix->backfilling && !ix->allocating))
            return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    }
    size_t n_gsi = 0;
    for (size_t i = 0; i < t->n_idx; i++)
        n_gsi += t->idx[i].global;
    for (size_t i = 0; i < n_gu; i++) {
        json_t *act = acts[i];
        const char *iname;
        if ((rc = api_json_str(act, "IndexName", &iname, r->err)))
            return rc;
        const store_index *found = NULL;
        for (size_t j = 0; iname && j < t->n_idx; j++)
            if (strcmp(t->idx[j].name, iname) == 0)
                found = &t->idx[j];
        if (kinds[i] == 'C') {
            store_index *ix = &p->adds[p->n_adds];
            api_tdef_ks gks;
            /* the table's 100 projected attributes count the indexes it has (the quotas
             * page: "up to 100 attributes into all of a table's local and global secondary
             * indexes"; DynamoDB Local refuses the same with the same text) */
            size_t total = 0;
            for (size_t j = 0; j < t->n_idx; j++)
                total += t->idx[j].n_include;
            if (found)
                return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_EXISTS, iname);
            if (iname && api_vix_named(r, t, iname)) /* a vector index's: its family's text */
                return err_set(r->err, ERR_VALIDATION, "%s", TXT_VIX_EXISTS);
            if (!json_array_size(q->adj) && iname)
                return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_NO_DEFS, iname);
            /* the request itself must define the new index's key attributes */
            if ((rc = api_tdef_ct_key_schema(r, json_object_get(act, "KeySchema"), q->adj, NULL,
                                             true)))
                return rc;
            /* none of them a vector index's attribute (api_vector.c) */
            if ((rc = api_vix_gsi_key_check(r, t, json_object_get(act, "KeySchema"), q->adj)))
                return rc;
            if (!p->attrs.a && (rc = api_tdef_parse_attrs(r, q->adj, &p->attrs)))
                return rc;
            api_tdef_tp gtp = {0};
            json_t *gover = NULL;
            if (!to_ppr && (rc = api_tdef_check_gsi_throughput(r, act, &gtp, &gover)))
                return rc;
            if (gover)
                ut_over_units(p, &gtp, iname);
            json_t *xodt = json_object_get(act, "OnDemandThroughput");
            const char *xm;
            if (!to_ppr && (xm = api_odt_first(xodt)))
                return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_ODT_PROVISIONED, xm, iname);
            if ((xm = api_odt_out_of_range(xodt, false)))
                return err_set(r->err, ERR_VALIDATION, TXT_GSI_ODT_RANGE, xm, iname);
            ut_over_ceiling(p, xodt, iname);
            static const long long od_floor[2] = {API_WARM_OD_READ, API_WARM_OD_WRITE};
            if (to_ppr && (xm = api_warm_below(json_object_get(act, "WarmThroughput"), od_floor)))
                return err_set(r->err, ERR_VALIDATION, TXT_GSI_WARM_BELOW_OD, xm, iname);
            if ((rc = api_tdef_parse_index_common(r, act, true, ix, &gks, &total)) ||
                (rc = api_tdef_gsi_keydef(r, &gks, &p->attrs, &ix->key)))
                return rc;
            if (n_gsi + 1 > STORE_MAX_GSI)
                return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_UT_GSI_COUNT);
            n_gsi++;
            ix->global = true;
            json_t *ge = api_gsi_entry(gtp.rcu, gtp.wcu, to_ppr, act);
            if (ge)
                api_warm_init(ge, to_ppr, json_object_get(act, "WarmThroughput"));
            json_object_set_new(gmeta, ix->name, ge);
            p->creating = ix->name;
            p->n_adds++;
            continue;
        }
        if (found && !found->global) /* a delete (updates: checked above) */
            return err_set(r->err, ERR_VALIDATION, TXT_UT_NOT_GSI, "delete", found->name);
        if (!found)
            return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_UT_GSI_RNF, iname,
                           tbl_user_name(r, t));
        if (kinds[i] == 'D') {
            /* definitions sent along are still validated */
            if (json_array_size(q->adj) && !p->attrs.a &&
                (rc = api_tdef_parse_attrs(r, q->adj, &p->attrs)))
                return rc;
            p->drops[p->n_drops++] = iname;
            json_object_del(gmeta, found->name);
            n_gsi--;
        } else {
            api_tdef_tp gtp = {0};
            json_t *g = json_object_get(gmeta, found->name);
            /* one throughput Update of an index at a time (AWS's text, ack-api-quirks
             * DDB-TABLE-135) */
            if (api_tp_updating(g))
                return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_UPDATING,
                               tbl_user_name(r, t), found->name);
            if (ppr && !changed_billing) {
                if (!json_is_object(g)) {
                    g = json_object();
                    if (!g || json_object_set_new(gmeta, found->name, g))
                        return err_set(r->err, ERR_NOMEM, "out of memory");
                }
                if ((rc = ut_gsi_on_demand(r, act, found->name, g, p)))
                    return rc;
                /* new ceilings: the index is UPDATING for a while (the table stays ACTIVE),
                 * its new values shown at once, a second Update meanwhile refused (AWS,
                 * ack-api-quirks DDB-TABLE-135: 2 s); a warm throughput change leaves it
                 * ACTIVE (DDB-TABLE-155) */
                if (ut_has_units(json_object_get(act, "OnDemandThroughput"),
                                 "MaxReadRequestUnits", "MaxWriteRequestUnits") &&
                    r->api->update_delay_ms > 0)
                    api_tp_set(g, api_meta_int(g, "RCU"), api_meta_int(g, "WCU"),
                               api_wall_ms() + r->api->update_delay_ms);
                continue;
            }
            /* ceilings for an index of a table that is or becomes provisioned (AWS,
             * ack-api-quirks DDB-TABLE-153) */
            const char *xm =
                to_ppr ? NULL : api_odt_first(json_object_get(act, "OnDemandThroughput"));
            if (xm)
                return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_ODT_PROVISIONED, xm,
                               found->name);
            json_t *gover = NULL;
            if ((rc = api_tdef_check_gsi_throughput(r, act, &gtp, &gover)))
                return rc;
            if (gover) /* over the quota: neither the same nor a decrease to count */
                ut_over_units(p, &gtp, found->name);
            else if (gtp.rcu == api_meta_int(g, "RCU") && gtp.wcu == api_meta_int(g, "WCU"))
                return verr(r, TXT_GSI_THROUGHPUT_SAME);
            else if (!changed_billing &&
                     (rc = api_tp_decrease_budget(r, g, gtp.rcu, gtp.wcu, api_wall_ms())))
                return rc;
            if (!json_is_object(g)) {
                g = json_object();
                if (!g || json_object_set_new(gmeta, found->name, g))
                    return err_set(r->err, ERR_NOMEM, "out of memory");
            }
            /* the index is UPDATING for a while, showing its old throughput; a billing
             * switch sets every GSI's throughput at once (ut_apply of the table's) */
            int64_t gnow = api_wall_ms();
            int64_t guntil = changed_billing || r->api->update_delay_ms <= 0
                                 ? 0
                                 : gnow + r->api->update_delay_ms;
            if (!changed_billing)
                api_tp_stamp(g, gtp.rcu, gtp.wcu, gnow, guntil);
            api_tp_set(g, gtp.rcu, gtp.wcu, guntil);
            api_warm_raise(g, false, gtp.rcu, gtp.wcu);
        }
    }

    if (q->ptj && q->ssj)
        return verr(r, TXT_UT_STREAM_AND_IOPS);
    if (changed_billing && !to_ppr) {
        /* every remaining GSI needs its own throughput in the same request (the service's
         * rule; DynamoDB Local fails with an internal error here) */
        for (size_t j = 0; j < t->n_idx; j++) {
            const store_index *ix = &t->idx[j];
            bool given = !ix->global;
            for (size_t i = 0; i < n_gu && !given; i++) {
                const char *in = json_string_value(json_object_get(acts[i], "IndexName"));
                given = kinds[i] != 'C' && in && strcmp(in, ix->name) == 0;
            }
            if (!given)
                return err_set(r->err, ERR_VALIDATION, TXT_GSI_THROUGHPUT_NEEDED, ix->name);
        }
    }

    if ((rc = api_tdef_parse_stream(r, q->ssj, false, &stream)))
        return rc;
    if (stream) {
        bool cur_en = t->stream_view != STORE_SV_NONE;
        bool new_en = json_is_true(json_object_get(stream, "StreamEnabled"));
        if (cur_en && new_en)
            rc = err_set(r->err, ERR_VALIDATION, TXT_STREAM_ALREADY_ENABLED, tbl_user_name(r, t));
        else if (!cur_en && !new_en)
            rc = err_set(r->err, ERR_VALIDATION, TXT_STREAM_NONE_TO_DISABLE, tbl_user_name(r, t));
    }
    /* the quotas, after the request's validation (ut_plan.over) */
    if (rc == 0)
        rc = ut_over_refuse(r, p);
    /* unused extra definitions are accepted (DynamoDB Local) and dropped by ut_apply */
    /* any other change waits while the table is UPDATING for its indexes */
    if (rc == 0 && api_table_updating(t))
        rc = ut_index_phase_check(r, q, t, changed_billing, stream != NULL);
    /* ... or for a vector index allocated or deleted (api_vector.c): the same rule, deletion
     * protection and encryption admitted */
    else if (rc == 0 && api_vix_updating(r->api, meta, api_wall_ms()) &&
             (q->ptj || q->billing || stream || q->tclass || q->odt || json_array_size(q->gu)))
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_TABLE_UPDATING, tbl_user_name(r, t));
    /* while a throughput or billing change is in progress, another one and a stream change
     * are refused (AWS's texts) */
    if (rc == 0 && api_table_iops_updating(meta) && q->odt &&
        json_is_true(json_object_get(meta, "UpdatingBilling")))
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, "%s", TXT_UT_ODT_BILLING_UPDATING);
    if (rc == 0 && api_table_iops_updating(meta) && (q->ptj || changed_billing))
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_IOPS_UPDATING, tbl_user_name(r, t));
    if (rc == 0 && api_table_iops_updating(meta) && stream)
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_STREAM_IOPS_UPDATING,
                     tbl_user_name(r, t));
    /* a GSI create or delete waits for it too (ack-api-quirks DDB-TABLE-175) */
    if (rc == 0 && api_table_iops_updating(meta) && n_struct)
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_INDEX_IOPS_UPDATING,
                     tbl_user_name(r, t));
    /* --table-delay: while a stream change is in progress, another one and a throughput
     * change are refused, naming the stream and the operation (AWS's texts, DDB-TABLE-444) */
    if (rc == 0 && api_table_stream_updating(meta) && q->odt && !(stream || q->ptj || n_struct ||
                                             q->tclass))
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, "%s", TXT_UT_ODT_STREAM_UPDATING);
    else if (rc == 0 && api_table_stream_updating(meta) &&
             (stream || q->ptj || n_struct || q->tclass)) {
        const char *label = api_stream_label(r->arena, t->stream_ms);
        const char *op = json_string_value(json_object_get(meta, "StreamUpdatingOp"));
        const char *fmt = stream      ? TXT_UT_STREAM_STREAM_UPDATING
                          : q->ptj    ? TXT_UT_IOPS_STREAM_UPDATING
                          : n_struct  ? TXT_UT_INDEX_STREAM_UPDATING
                                      : TXT_UT_CLASS_STREAM_UPDATING;
        rc = !label ? err_set(r->err, ERR_NOMEM, "out of memory")
                    : err_set(r->err, ERR_RESOURCE_IN_USE, fmt, tbl_user_name(r, t), label,
                              op ? op : "ENABLE");
    }

    int64_t now = api_wall_ms();
    if (rc == 0 && changed_billing && to_ppr)
        rc = ppr_switch_budget(r, meta, now);
    if (rc == 0 && q->sse)
        rc = sse_change(r, meta, q->sse, t->created_ms, now);
    if (rc == 0 && q->tclass)
        rc = class_change(r, meta, now);
    /* a throughput or billing change leaves the table UPDATING for a while (AWS) */
    if (rc == 0 && (q->ptj || changed_billing) && r->api->update_delay_ms > 0) {
        json_object_set_new(meta, "UpdatingUntil", json_integer(now + r->api->update_delay_ms));
        json_object_set_new(meta, "UpdatingBilling", json_boolean(changed_billing));
    }
    if (rc == 0 && changed_billing) {
        json_object_set_new(meta, "BillingMode",
                            json_string(to_ppr ? "PAY_PER_REQUEST" : "PROVISIONED"));
        if (to_ppr)
            json_object_set_new(meta, "PprSince", json_integer(now));
        else
            api_odt_drop_all(meta);
    }
    if (rc == 0 && q->ptj) {
        /* a change of a provisioned table's throughput shows the old values until it is
         * done (tp_shown) and is stamped (api_tp_stamp); a billing switch answers with the new
         * ones at once (AWS, DDB-TABLE-165) */
        int64_t until =
            changed_billing || r->api->update_delay_ms <= 0 ? 0 : now + r->api->update_delay_ms;
        if (!changed_billing)
            api_tp_stamp(meta, tp.rcu, tp.wcu, now, until);
        api_tp_set(meta, tp.rcu, tp.wcu, until);
    }
    if (rc == 0 && stream && r->api->table_delay_ms > 0) { /* --table-delay: UPDATING a while */
        json_object_set_new(meta, "StreamUpdatingUntil", json_integer(now + r->api->table_delay_ms));
        json_object_set_new(
            meta, "StreamUpdatingOp",
            json_string(json_is_true(json_object_get(stream, "StreamEnabled")) ? "ENABLE" : "DISABLE"));
    }
    if (rc == 0 && stream) { /* the store creates or disables the stream (ut_apply) */
        p->stream_change = true;
        p->stream_view =
            api_stream_view_parse(json_string_value(json_object_get(stream, "StreamViewType")));
    }
    if (rc == 0)
        api_meta_set_options(meta, q->sse, q->tclass, q->has_dp, q->dp, q->odt);
    if (rc == 0 && ut_has_units(q->warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond")) {
        long long v[2];
        api_warm_want(q->warm, wshown, v);
        api_warm_set(meta, ppr, v, r->api->update_delay_ms > 0 ? now + r->api->update_delay_ms : 0);
        p->api_warm_raise = true;
        p->warm_was[0] = wshown[0];
        p->warm_was[1] = wshown[1];
    }
    /* the high-water marks: provisioned units, or on-demand's 12000/4000 after a switch */
    if (rc == 0 && q->ptj && !to_ppr)
        api_warm_raise(meta, false, tp.rcu, tp.wcu);
    if (rc == 0 && changed_billing && to_ppr) {
        api_warm_raise(meta, true, API_WARM_OD_READ, API_WARM_OD_WRITE);
        json_object_foreach(json_object_get(meta, "Gsi"), gk, gv)
        {
            api_warm_raise(gv, true, API_WARM_OD_READ, API_WARM_OD_WRITE);
            /* the switch counts one decrease of each GSI, the table's count stays (AWS,
             * ack-api-quirks DDB-TABLE-153: "the switch to PAY_PER_REQUEST incremented the
             * GSI's NumberOfDecreasesToday to 1 (table counter stayed 0)"; DynamoDB Local
             * counts nothing: test_tables test_switch_to_on_demand_counts_gsi_decrease) */
            api_tp_settle(gv, now);
            api_tp_count_decrease(gv, now);
        }
    }
    json_decref(stream);
    return rc;
}

/* Applies the plan to the change: index drops and adds, then AttributeDefinitions: those of
 * the keys of the resulting table and its indexes, no others (the service keeps the two in
 * step: a definition the request adds but no key uses is dropped, as is one a deleted index
 * leaves unused; DynamoDB Local keeps them). */
static int ut_apply(api_req *r, const ut_plan *p, store_alter *al, json_t *meta)
{
    int rc;
    if (p->stream_change)
        al->next.stream_view = p->stream_view;
    for (size_t i = 0; i < p->n_drops; i++)
        if ((rc = store_alter_drop_index(al, p->drops[i], r->err)))
            return rc;
    for (size_t i = 0; i < p->n_drops; i++) /* its Contributor Insights setting goes with it */
        json_object_del(json_object_get(meta, "Ci"), p->drops[i]);
    for (size_t i = 0; i < p->n_adds; i++)
        if ((rc = store_alter_add_index(al, &p->adds[i], r->err)))
            return rc;
    const store_table *nt = &al->next;
    json_t *cur = json_object_get(meta, "AttributeDefinitions");
    json_t *all = json_array(), *keep = json_array();
    if (!all || !keep) {
        json_decref(all);
        json_decref(keep);
        return err_set(r->err, ERR_NOMEM, "out of memory");
    }
    if (json_is_array(cur))
        json_array_extend(all, cur);
    for (size_t i = 0; p->n_adds && i < p->attrs.n; i++) {
        bool dup = false;
        size_t ai;
        json_t *x;
        json_array_foreach(all, ai, x)
        {
            dup |= strcmp(json_string_value(json_object_get(x, "AttributeName")),
                          p->attrs.a[i].name) == 0;
        }
        if (!dup)
            json_array_append_new(all, json_pack("{s:s,s:s}", "AttributeName", p->attrs.a[i].name,
                                                 "AttributeType",
                                                 api_type_name(p->attrs.a[i].type)));
    }
    size_t ai;
    json_t *x;
    json_array_foreach(all, ai, x)
    {
        const char *an = json_string_value(json_object_get(x, "AttributeName"));
        size_t al = strlen(an);
        bool key = api_key_has_attr(&nt->key, an, al);
        for (size_t j = 0; j < nt->n_idx && !key; j++)
            key = api_key_has_attr(&nt->idx[j].key, an, al);
        /* a vector index's SearchSchema attribute is typed here too (its HASH and
         * INLINE_FILTER values are checked against it) */
        if (key || api_vix_uses_def(json_object_get(meta, "Vec"), x))
            json_array_append(keep, x);
    }
    json_decref(all);
    json_object_set_new(meta, "AttributeDefinitions", keep);
    return 0;
}

typedef struct ut_ctx {
    const ut_req *q;
    ut_plan plan;
} ut_ctx;

static int ut_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    ut_ctx *c = ctx;
    int rc = ut_plan_changes(r, c->q, al->cur, meta, &c->plan);
    return rc ? rc : ut_apply(r, &c->plan, al, meta);
}

/* The billing change that may come with VectorIndexUpdates (api_vix_update_table's pre):
 * vector indexes need an on-demand table, read on the request's outcome (a PROVISIONED table
 * takes PAY_PER_REQUEST and a create at once: AWS 2026-08-19 as the AWS-checked emulator
 * ExtendDB measured it; a switch to PROVISIONED next to a delete of the last vector index is
 * refused: AWS 2026-08-12 as Dynoxide records it), then the change as UpdateTable makes it
 * alone.  ut_apply has nothing to do for a billing change (no index, stream or definition). */
static int ut_vix_billing(api_req *r, void *ctx, const store_table *cur, json_t *meta)
{
    ut_ctx *c = ctx;
    bool create = false;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->body, "VectorIndexUpdates"), i, e)
    {
        json_t *cr = json_object_get(e, "Create");
        create = create || (cr && !json_is_null(cr));
    }
    bool to_ppr = strcmp(c->q->billing, "PAY_PER_REQUEST") == 0;
    if (!to_ppr && (create || api_vix_count(r->api, meta, api_wall_ms())))
        return verr(r, TXT_VIX_PROVISIONED);
    return ut_plan_changes(r, c->q, cur, meta, &c->plan);
}

/* UpdateTable's answer after a vector index change (api_vix_update_table): the table as
 * changed, described UPDATING. */
static int ut_vix_answer(api_req *r, const store_table *t, json_t **out)
{
    const store_table *nt = NULL;
    int rc = api_table_find(r, api_table_name(t), &nt);
    if (rc)
        return rc;
    json_t *desc;
    if ((rc = api_table_describe(r, nt ? nt : t, "ACTIVE", &desc)))
        return rc;
    json_object_set_new(desc, "TableStatus", json_string("UPDATING"));
    *out = json_pack("{s:o}", "TableDescription", desc);
    return *out ? 0 : err_set(r->err, ERR_NOMEM, "out of memory");
}

int op_update_table(api_req *r, json_t **out)
{
    const store_table *t;
    ut_req q = {0};
    json_t *vu = api_tdef_jparam(r->body, "VectorIndexUpdates");
    /* an empty list alone changes nothing: "At least one of ... is required", as for an empty
     * GlobalSecondaryIndexUpdates alone (AWS, ack-api-quirks DDB-TABLE-015) */
    if (json_is_array(vu) && !json_array_size(vu) && api_vix_updates_alone(r->body))
        vu = NULL;
    if (vu) { /* vector indexes: their own path (api_vector.c), a billing change with them */
        int vrc = api_tdef_tbl_names_nul_check(r);
        if (vrc || (vrc = api_table_deleting_refuse(r, api_table_lookup(r, &t))) ||
            (vrc = api_restore_refuse(r, t)) || (vrc = api_table_creating_refuse(r, t)))
            return vrc;
        /* the billing members as UpdateTable checks them alone, then the other changes it may
         * not come with (before the vector updates are looked at) */
        ut_req b = {0};
        if ((vrc = ut_members(r, &b)) || (b.billing && (vrc = ut_billing_first(r, &b))) ||
            (vrc = ut_single_concern(r, &b, vu)) || (vrc = ut_vix_alone(r, &b)))
            return vrc;
        if (!b.billing)
            return (vrc = api_vix_update_table(r, t, NULL, NULL)) ? vrc : ut_vix_answer(r, t, out);
        ut_ctx c = {.q = &b};
        if ((vrc = api_vix_update_table(r, t, ut_vix_billing, &c)) ||
            (vrc = ut_vix_answer(r, t, out)))
            return vrc;
        /* a switch to on-demand answers without the time of the switch (as alone) */
        if (c.plan.to_ppr)
            json_object_del(json_object_get(json_object_get(*out, "TableDescription"),
                                            "BillingModeSummary"),
                            "LastUpdateToPayPerRequestDateTime");
        return 0;
    }
    int rc = ut_parse(r, &q);
    if (rc || (rc = api_tdef_tbl_names_nul_check(r)) ||
        (rc = api_table_deleting_refuse(r, api_table_lookup(r, &t))) ||
        (rc = api_restore_refuse(r, t)) || (rc = api_table_creating_refuse(r, t)))
        return rc;
    ut_ctx c = {.q = &q};
    if ((rc = api_table_alter(r, t, true, ut_edit, &c, &t)))
        return rc;
    json_t *desc;
    if ((rc = api_table_describe_as(r, t, "ACTIVE", c.plan.creating, &desc)))
        return rc;
    /* the answer's own shape (AWS, ack-api-quirks DDB-TABLE-060/156/183/452): a re-sent
     * PAY_PER_REQUEST says UPDATING (DescribeTable: ACTIVE), one dropped during a switch to
     * provisioned answers as on-demand; a switch to on-demand answers without the time of
     * the switch, which DescribeTable adds */
    if (c.plan.resend_ppr)
        json_object_set_new(desc, "TableStatus", json_string("UPDATING"));
    /* a warm throughput raise answers the values from before, UPDATING (DDB-TABLE-179), however
     * long the answer took */
    if (c.plan.api_warm_raise)
        json_object_set_new(desc, "WarmThroughput",
                            json_pack("{s:I,s:I,s:s}", "ReadUnitsPerSecond",
                                      (json_int_t)c.plan.warm_was[0], "WriteUnitsPerSecond",
                                      (json_int_t)c.plan.warm_was[1], "Status", "UPDATING"));
    if (c.plan.dropped_ppr) {
        json_t *pt = json_object_get(desc, "ProvisionedThroughput");
        json_object_set_new(pt, "ReadCapacityUnits", json_integer(0));
        json_object_set_new(pt, "WriteCapacityUnits", json_integer(0));
        json_object_set_new(desc, "BillingModeSummary",
                            json_pack("{s:s}", "BillingMode", "PAY_PER_REQUEST"));
    }
    if (c.plan.to_ppr)
        json_object_del(json_object_get(desc, "BillingModeSummary"),
                        "LastUpdateToPayPerRequestDateTime");
    *out = json_pack("{s:o}", "TableDescription", desc);
    return 0;
}

/* ---- Time to live -------------------------------------------------------------------- */

int op_describe_time_to_live(api_req *r, json_t **out)
{
    const store_table *t;
    int rc = api_table_lookup(r, &t);
    if (rc)
        return rc;
    json_t *d = t->ttl_attr[0] ? json_pack("{s:s,s:s}", "TimeToLiveStatus", "ENABLED",
                                           "AttributeName", t->ttl_attr)
                               : json_pack("{s:s}", "TimeToLiveStatus", "DISABLED");
    *out = json_pack("{s:o}", "TimeToLiveDescription", d);
    return 0;
}

typedef struct ttl_change {
    const char *attr;
    bool en;
} ttl_change;

/* UpdateTimeToLive's decision, against the committed TTL setting: the state's rules, then one
 * change per table per ttl_interval_ms (an hour, the quotas page), kept in the metadata as
 * "TtlAt" (ms) */
static int ttl_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    const ttl_change *c = ctx;
    const char *cur = al->cur->ttl_attr;
    if (c->en) {
        if (cur[0] && strcmp(cur, c->attr) == 0)
            return verr(r, TXT_TTL_ALREADY_ENABLED);
        if (cur[0])
            return err_set(r->err, ERR_VALIDATION, TXT_TTL_OTHER_ATTR, cur);
    } else {
        if (!cur[0])
            return verr(r, TXT_TTL_ALREADY_DISABLED);
        if (strcmp(cur, c->attr) != 0)
            return err_set(r->err, ERR_VALIDATION, TXT_TTL_OTHER_ATTR, cur);
    }
    int64_t now = api_wall_ms(), at = api_meta_int(meta, "TtlAt");
    if (at > 0 && now < at + r->api->ttl_interval_ms)
        return verr(r, TXT_TTL_TOO_SOON);
    json_t *v = json_integer((json_int_t)now);
    if (!v || json_object_set_new(meta, "TtlAt", v))
        return err_set(r->err, ERR_NOMEM, "out of memory");
    snprintf(al->next.ttl_attr, sizeof al->next.ttl_attr, "%s", c->en ? c->attr : "");
    return 0;
}

int op_update_time_to_live(api_req *r, json_t **out)
{
    const store_table *t;
    json_t *spec;
    const char *attr;
    bool has_en, en;
    int rc = api_tdef_tbl_names_nul_check(r);
    if (rc || (rc = api_table_lookup(r, &t)))
        return rc;
    /* --table-delay: a CREATING table is not found yet (AWS, ack-api-quirks DDB-TABLE-444's
     * live creating_update_ttl) */
    if (api_table_creating_until(r->api, t))
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, api_table_name(t));
    if ((rc = api_json_obj(r->body, "TimeToLiveSpecification", &spec, r->err)))
        return rc;
    if (!spec)
        return verr(r, TXT_TTL_SPEC_NULL);
    if ((rc = api_json_str(spec, "AttributeName", &attr, r->err)) ||
        (rc = api_json_bool(spec, "Enabled", &has_en, &en, r->err)))
        return rc;
    if (!has_en || !attr)
        return verr(r, TXT_TTL_ATTR_NULL);
    size_t al = strlen(attr);
    if (en && (al < 1 || al > 255)) /* only checked when enabling (DynamoDB Local) */
        return verr(r, TXT_KEY_NAME_LEN);
    ttl_change c = {.attr = attr, .en = en};
    if ((rc = api_table_alter(r, t, true, ttl_edit, &c, NULL)))
        return rc;
    *out =
        json_pack("{s:{s:b,s:s}}", "TimeToLiveSpecification", "Enabled", en, "AttributeName", attr);
    return 0;
}

/* ---- Contributor Insights -------------------------------------------------------------
 * Per table and per GSI (AWS, ack-api-quirks DDB-TABLE-094, live probes 2026-10-08): ENABLE
 * answers ENABLING, which turns ENABLED a moment later (~1 s there; update_delay_ms here), the
 * mode ACCESSED_AND_THROTTLED_KEYS unless asked; an LSI or unknown IndexName is
 * ResourceNotFoundException "Requested resource not found: Index: <i> not found for table:
 * <t>"; a missing table is the table's not-found, ListContributorInsights' too.  Kept in the
 * metadata as "Ci": {"" (the table) or index name: {"On", "At" (ms), "Mode"}}.  No insight
 * data is collected: the status is what the API reports.  ENABLE of an ENABLED entry (same
 * mode) and DISABLE of a DISABLED one are 200 no-ops echoing the status; the mode and
 * LastUpdateDateTime show once configured; List leaves DISABLED entries out, the table before
 * its GSIs (DDB-TABLE-090 / 343, table-subresources digest).  Not measured: the validation
 * texts (the model's, in the usual envelope) and NextToken's form (a position here). */

#define CI_MODE_DEFAULT "ACCESSED_AND_THROTTLED_KEYS"

static const char *ci_status(json_t *e, int64_t now, int64_t delay)
{
    if (!json_is_object(e))
        return "DISABLED";
    bool on = json_is_true(json_object_get(e, "On"));
    bool moving = now < api_meta_int(e, "At") + delay;
    return on ? (moving ? "ENABLING" : "ENABLED") : (moving ? "DISABLING" : "DISABLED");
}

/* The IndexName of the request (NULL: the table's), which must name a GSI of t. */
static int ci_index(api_req *r, const store_table *t, const char **out)
{
    const char *in;
    int rc = api_json_str(r->body, "IndexName", &in, r->err);
    *out = NULL;
    if (rc || !in)
        return rc;
    for (size_t i = 0; i < t->n_idx; i++)
        if (t->idx[i].global && strcmp(t->idx[i].name, in) == 0) {
            *out = in;
            return 0;
        }
    return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_CI_INDEX_RNF, in, api_table_name(t));
}

/* One summary / description of entry key `in` (NULL: the table) of table t. */
static json_t *ci_json(api_req *r, const store_table *t, json_t *meta, const char *in, bool dates)
{
    json_t *e = json_object_get(json_object_get(meta, "Ci"), in ? in : "");
    const char *st = ci_status(e, api_wall_ms(), r->api->update_delay_ms);
    json_t *o = json_pack("{s:s}", "TableName", api_table_name(t));
    if (o && in)
        json_object_set_new(o, "IndexName", json_string(in));
    if (o)
        json_object_set_new(o, "ContributorInsightsStatus", json_string(st));
    json_t *mode = json_object_get(e, "Mode"); /* once configured, kept while DISABLED too */
    if (o && json_is_string(mode))
        json_object_set(o, "ContributorInsightsMode", mode);
    if (o && dates && json_is_object(e))
        json_object_set_new(o, "LastUpdateDateTime", ms_to_json(api_meta_int(e, "At")));
    return o;
}

int op_describe_contributor_insights(api_req *r, json_t **out)
{
    const store_table *t;
    const char *in;
    int rc = api_table_lookup(r, &t);
    if (rc || (rc = ci_index(r, t, &in)))
        return rc;
    json_t *meta = api_table_meta(t);
    json_t *o = meta ? ci_json(r, t, meta, in, true) : NULL;
    json_decref(meta);
    if (!o)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    *out = o;
    return 0;
}

typedef struct ci_change {
    const char *index; /* NULL: the table */
    bool on;
    const char *mode;
    const char *settled; /* out: the settled status a no-op echoes, else NULL */
} ci_change;

static int ci_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    (void)al;
    ci_change *c = ctx;
    json_t *ci = json_object_get(meta, "Ci");
    /* ENABLE of an ENABLED entry in the same mode, DISABLE of a DISABLED (or never configured)
     * one: a 200 that changes nothing and echoes the settled status (DDB-TABLE-090); a mode
     * change is a new ENABLE */
    json_t *cur = json_object_get(ci, c->index ? c->index : "");
    const char *st = ci_status(cur, api_wall_ms(), r->api->update_delay_ms);
    json_t *cm = json_object_get(cur, "Mode");
    if ((c->on && strcmp(st, "ENABLED") == 0 && json_is_string(cm) &&
         strcmp(json_string_value(cm), c->mode) == 0) ||
        (!c->on && strcmp(st, "DISABLED") == 0)) {
        c->settled = st;
        return 0;
    }
    if (!json_is_object(ci)) {
        ci = json_object();
        if (!ci || json_object_set_new(meta, "Ci", ci))
            return err_set(r->err, ERR_NOMEM, "out of memory");
    }
    json_t *e = json_pack("{s:b,s:I}", "On", c->on, "At", (json_int_t)api_wall_ms());
    json_t *mode = c->on ? json_string(c->mode) : json_incref(cm); /* DISABLE keeps the mode */
    if (!e || (mode && json_object_set_new(e, "Mode", mode)) ||
        json_object_set_new(ci, c->index ? c->index : "", e))
        return err_set(r->err, ERR_NOMEM, "out of memory");
    return 0;
}

int op_update_contributor_insights(api_req *r, json_t **out)
{
    const char *act, *mode;
    int rc = api_json_str(r->body, "ContributorInsightsAction", &act, r->err);
    if (rc || (rc = api_json_str(r->body, "ContributorInsightsMode", &mode, r->err)))
        return rc;
    /* the model's checks, in the service's envelope */
    if (!act)
        return verr(r, TXT_CI_ACTION_NULL);
    if (strcmp(act, "ENABLE") && strcmp(act, "DISABLE"))
        return err_set(r->err, ERR_VALIDATION, TXT_CI_ACTION_ENUM, act);
    if (mode && strcmp(mode, "ACCESSED_AND_THROTTLED_KEYS") && strcmp(mode, "THROTTLED_KEYS"))
        return err_set(r->err, ERR_VALIDATION, TXT_CI_MODE_ENUM, mode);
    const store_table *t;
    ci_change c = {.on = strcmp(act, "ENABLE") == 0, .mode = mode ? mode : CI_MODE_DEFAULT};
    if ((rc = api_tdef_tbl_names_nul_check(r)) || (rc = api_table_lookup(r, &t)) ||
        (rc = ci_index(r, t, &c.index)) || (rc = api_table_alter(r, t, true, ci_edit, &c, NULL)))
        return rc;
    json_t *o = json_pack("{s:s}", "TableName", api_table_name(t));
    if (o && c.index)
        json_object_set_new(o, "IndexName", json_string(c.index));
    if (o)
        json_object_set_new(o, "ContributorInsightsStatus",
                            json_string(c.settled ? c.settled : c.on ? "ENABLING" : "DISABLING"));
    if (o && c.on)
        json_object_set_new(o, "ContributorInsightsMode", json_string(c.mode));
    if (!o)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    *out = o;
    return 0;
}

/* Appends the summaries of t's entries (the table first, then its GSIs in order). */
static int ci_list_table(api_req *r, const store_table *t, json_t *arr)
{
    json_t *meta = api_table_meta(t);
    json_t *ci = json_object_get(meta, "Ci");
    int rc = meta ? 0 : ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i <= t->n_idx; i++) {
        const char *in = i == 0 ? NULL : t->idx[i - 1].name;
        json_t *e = json_object_get(ci, in ? in : "");
        if ((i > 0 && !t->idx[i - 1].global) ||
            strcmp(ci_status(e, api_wall_ms(), r->api->update_delay_ms), "DISABLED") == 0)
            continue; /* DISABLED entries are not listed, DISABLING ones are (DDB-TABLE-343) */
        json_t *o = ci_json(r, t, meta, in, false);
        if (!o || json_array_append_new(arr, o))
            rc = ERR_NOMEM;
    }
    json_decref(meta);
    return rc ? err_set(r->err, ERR_NOMEM, "out of memory") : 0;
}

int op_list_contributor_insights(api_req *r, json_t **out)
{
    const char *name, *tok;
    bool has_max;
    long long max;
    int rc = api_json_str(r->body, "TableName", &name, r->err);
    if (rc || (rc = api_json_str(r->body, "NextToken", &tok, r->err)) ||
        (rc = api_json_int(r->body, "MaxResults", &has_max, &max, r->err)))
        return rc;
    if (has_max && max > 100)
        return err_set(r->err, ERR_VALIDATION, TXT_CI_MAX_RESULTS, max);
    if (!has_max || max < 1)
        max = 100;
    json_t *arr = json_array();
    if (!arr)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    const store_table *t;
    if (name) {
        if ((rc = api_table_named(r, name, &t)) || (rc = ci_list_table(r, t, arr)))
            goto fail;
    } else {
        char **names;
        size_t n;
        char ns[STORE_NAME_MAX];
        size_t nsl = api_table_ns(r, "", ns);
        if ((rc = store_table_list(r->api->store, r->arena, &names, &n, r->err)))
            goto fail;
        for (size_t i = 0; nsl < STORE_NAME_MAX && i < n; i++) {
            const char *nm = names[i];
            if (strncmp(nm, ns, nsl) != 0 || strchr(nm + nsl, '/'))
                continue; /* another namespace */
            if (api_table_named(r, nm + nsl, &t)) { /* deleted meanwhile */
                err_clear(r->err);
                continue;
            }
            if ((rc = ci_list_table(r, t, arr)))
                goto fail;
        }
    }
    /* NextToken: the position of the next summary (an opaque string to the caller) */
    char *end = NULL;
    long long from = tok ? strtoll(tok, &end, 10) : 0;
    if (tok && (end == tok || *end || from < 0 || (size_t)from > json_array_size(arr))) {
        rc = verr(r, TXT_CI_BAD_TOKEN);
        goto fail;
    }
    json_t *page = json_array();
    size_t i = (size_t)from;
    for (; page && i < json_array_size(arr) && (long long)json_array_size(page) < max; i++)
        json_array_append(page, json_array_get(arr, i));
    json_t *o = page ? json_pack("{s:o}", "ContributorInsightsSummaries", page) : NULL;
    if (o && i < json_array_size(arr)) {
        char b[32];
        snprintf(b, sizeof b, "%zu", i);
        json_object_set_new(o, "NextToken", json_string(b));
    }
    json_decref(arr);
    if (!o)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    *out = o;
    return 0;
fail:
    json_decref(arr);
    return rc;
}

/* ---- Tags ---------------------------------------------------------------------------- */

/* The tag operations' checks before the model's (api_pre_fn): no ResourceArn is "Invalid
 * TableArn"; an empty one is the authorizer's AccessDeniedException on resource "*" (dynalite's
 * tag tests, recorded against AWS: validations/tagResource.js throws it before Tags is looked
 * at; review18 M9; test_ttl_tags test_tags_errors).  A ResourceArn that is not a string is left
 * to the model (its SerializationException).  A non-empty one that is no ARN at all (a table's
 * name, say) is not refused here: the caller ddbchat stands for (the account's root) is
 * authorized on any resource, so it reaches tag_arn's validation texts, as AWS answers such a
 * caller (dynalite's AWS recording of an AccessDeniedException there was an IAM user not
 * allowed that resource). */
int op_tags_pre(const api_t *api, const char *op, const json_t *req, const jread_val *jreq,
                const api_caller *caller, err_t *e)
{
    (void)jreq; /* the tag rows read jansson's tree */
    (void)caller;
    json_t *a = json_object_get(req, "ResourceArn");
    if (!a || json_is_null(a))
        return err_set(e, ERR_VALIDATION, "%s", TXT_TAGS_NO_ARN);
    if (json_is_string(a) && json_string_length(a) == 0)
        return err_set(e, ERR_ACCESS_DENIED, TXT_TAGS_NOT_ARN_DENIED, api->account_id, op, 1,
                       "*");
    return 0;
}

/* A ResourceArn (a string, not empty: op_tags_pre): *tbl the table name in it (NULL when
 * the ARN is another region's or account's table).  api_arn_parse's reading, mapped to the
 * tag APIs' texts (each echoes the ARN whole, a U+0000 inside too: final18 F5):
 *  - not "arn:..." -> TXT_ARN_NOT_ARN, an index's ARN -> TXT_ARN_INDEX: the texts the policy
 *    APIs give, on ListTagsOfResource and TagResource (the ack-api-quirks catalogue
 *    DDB-TABLE-442, live AWS 2026-10; Alternator's test_tag.py); UntagResource keeps
 *    "Invalid TableArn" for both (no source has probed it with them);
 *  - a backup's ARN -> TXT_ARN_NOT_DDB on all three (DDB-BACKUP-013), whatever its region;
 *  - a table name outside the rules, a stream's ARN, any other partition, service or resource
 *    -> TXT_TAGS_BAD_ARN (dynalite's tag tests, recorded against AWS), and so another region's
 *    table on ListTagsOfResource (DDB-TABLE-442); TagResource and UntagResource take that one
 *    and another account's table to their not-found answers (tag_table).
 * test_ttl_tags test_tags_errors, test_backups test_backup_features_and_tag_apis. */
static int tag_arn(api_req *r, const char **arn_out, const char **tbl_out)
{
    json_t *j = json_object_get(r->body, "ResourceArn");
    const char *arn = json_string_value(j);
    size_t len = arn ? json_string_length(j) : 0;
    *arn_out = arn;
    *tbl_out = NULL;
    bool untag = strcmp(r->op, "UntagResource") == 0;
    bool listing = strcmp(r->op, "ListTagsOfResource") == 0;
    const char *head = TXT_TAGS_BAD_ARN;
    api_arn a;
    api_arn_parse(arn, len, r->api->region, r->api->account_id, &a);
    switch (a.cls) {
    case API_ARN_TABLE:
        break;
    case API_ARN_BARE:
        head = untag ? head : TXT_ARN_NOT_ARN;
        goto bad;
    case API_ARN_INDEX:
        head = untag ? head : TXT_ARN_INDEX;
        goto bad;
    case API_ARN_BACKUP:
        head = TXT_ARN_NOT_DDB;
        goto bad;
    default:
        goto bad;
    }
    if (a.name_len < 3 || a.name_len > 255 || !api_name_chars(a.name, a.name_len) ||
        (listing && a.other_region))
        goto bad;
    if (!a.other_region && !a.other_account)
        *tbl_out = a.name; /* the ARN's end: TABLE has nothing after the name */
    return 0;
bad:
    return err_set_echo(r->err, ERR_VALIDATION, head, arn ? arn : "", len, NULL);
}

/* The table of a ResourceArn (tag_arn's tbl).  Not found: TagResource says "Requested
 * resource not found: ResourcArn: <arn> not found" (sic), UntagResource (untag) "Requested
 * resource not found"; ListTagsOfResource is refused as AccessDeniedException (the service: no
 * table, no resource to authorize). */
static int tag_table(api_req *r, const char *arn, const char *tbl, bool listing, bool untag,
                     const store_table **out)
{
    int rc;
    char sn[STORE_NAME_MAX];
    *out = NULL;
    if (tbl && api_table_store_name(r, tbl, sn) && (rc = api_pin_table(r, sn, out)))
        return rc;
    /* --table-delay: a CREATING table is not known to the tag APIs yet, all three
     * ResourceNotFoundException (AWS, ack-api-quirks DDB-TABLE-101: most of the window; the
     * table exists, so no AccessDeniedException for the listing) */
    bool creating = *out && api_table_creating_until(r->api, *out);
    if (*out && !creating)
        return 0;
    *out = NULL;
    if (listing && !creating)
        return err_set(r->err, ERR_ACCESS_DENIED, TXT_TAGS_LIST_DENIED, r->api->account_id, arn);
    if (untag)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, "%s", TXT_UNTAG_NOT_FOUND);
    return err_set(r->err, ERR_RESOURCE_NOT_FOUND,
                   "Requested resource not found: ResourcArn: %s not found", arn);
}

/* TagResource's change: the request's tags merged into the committed ones. */
static int tag_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    (void)al;
    api_tdef_tags_merge(meta, ctx);
    if (json_array_size(json_object_get(meta, "Tags")) > TBL_MAX_TAGS)
        return verr(r, TXT_UNTAG_OVER); /* the merged set (DDB-TABLE-108) */
    return 0;
}

/* A tag key of "aws:" in any case (DDB-TABLE-105: "AWS:foo" too, "myaws:foo" not). */
static bool tag_key_aws(const char *k, size_t kl)
{
    return kl >= 4 && strncasecmp(k, "aws:", 4) == 0;
}

/* Outside AWS's tag pattern ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$ (DDB-TABLE-372: "100%", "a,b",
 * quotes, brackets, "&", "*", ";", "?", "|", "\\", "<>", "~", "#" and emoji refused; letters
 * of any script, NBSP and the ideographic space taken).  Checked: ASCII's printable
 * characters (letters, digits and "_.:/=+-@" pass) and the pictograph blocks U+1F300..U+1FAFF
 * (symbols only); control characters (not probed; ddbchat keeps a U+0000 in a key whole:
 * test_nul_strings) and other non-ASCII characters pass unchecked (no Unicode categories
 * here). */
static bool tag_text_bad(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c > ' ' && c < 0x7F && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                         (c >= '0' && c <= '9') || strchr("_.:/=+-@", c)))
                return true;
        } else if (c == 0xF0 && i + 3 < n) { /* 4-byte UTF-8: U+10000.. */
            unsigned cp = ((c & 0x07u) << 18) | (((unsigned char)s[i + 1] & 0x3Fu) << 12) |
                          (((unsigned char)s[i + 2] & 0x3Fu) << 6) |
                          ((unsigned char)s[i + 3] & 0x3Fu);
            if (cp >= 0x1F300 && cp <= 0x1FAFF)
                return true;
        }
    }
    return false;
}

/* TagResource's and CreateTable's tags, in the request's order, before the table is looked
 * up (DDB-TABLE-110: CreateTable's probed alike, creating nothing): more than 50
 * in the call, then each tag's key ("aws:", then the charset), its value (the charset), then
 * a key that came before (the ack-api-quirks lab's probes, DDB-TABLE-105/107/108/372:
 * synchronous, all or nothing).  The model has checked the lengths and that both members
 * are strings. */
static int tag_checks(api_req *r, json_t *tags)
{
    size_t n = json_array_size(tags);
    if (n > TBL_MAX_TAGS)
        return verr(r, TXT_UNTAG_OVER);
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(tags, i);
        json_t *k = json_object_get(t, "Key"), *v = json_object_get(t, "Value");
        if (!json_is_string(k) || !json_is_string(v))
            continue; /* the model's */
        const char *ks = json_string_value(k), *vs = json_string_value(v);
        size_t kl = json_string_length(k), vl = json_string_length(v);
        if (tag_key_aws(ks, kl))
            return err_set_echo(r->err, ERR_VALIDATION, TXT_TAGS_AWS_PREFIX, ks, kl, NULL);
        if (tag_text_bad(ks, kl))
            return err_set_echo(r->err, ERR_VALIDATION, TXT_UNTAG_KEY_PREFIX, ks, kl, NULL);
        if (tag_text_bad(vs, vl))
            return err_set_echo(r->err, ERR_VALIDATION, TXT_TAGS_VALUE_PREFIX, vs, vl, NULL);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(tags, j), "Key"), k))
                return err_set_echo(r->err, ERR_VALIDATION, TXT_TAGS_DUP_PREFIX, ks, kl, NULL);
    }
    return 0;
}

int op_tag_resource(api_req *r, json_t **out)
{
    const store_table *t;
    const char *arn, *tbl;
    json_t *tags = json_object_get(r->body, "Tags"); /* a list: the model's */
    /* the service's order: the ARN, the tags, then the table */
    int rc = tag_arn(r, &arn, &tbl);
    if (rc)
        return rc;
    if (json_array_size(tags) == 0)
        return verr(r, TXT_TAGS_NONE);
    if ((rc = tag_checks(r, tags)) || (rc = tag_table(r, arn, tbl, false, false, &t)))
        return rc;
    if ((rc = api_table_alter(r, t, true, tag_edit, tags, NULL)))
        return rc;
    *out = json_object();
    return 0;
}

/* UntagResource's change: the keys removed from the committed tags. */
static int untag_edit(api_req *r, void *ctx, store_alter *al, json_t *meta)
{
    (void)r;
    (void)al;
    json_t *cur = json_object_get(meta, "Tags");
    size_t i;
    json_t *k;
    json_array_foreach((json_t *)ctx, i, k)
    {
        for (size_t j = 0; j < json_array_size(cur); j++) {
            if (json_equal(json_object_get(json_array_get(cur, j), "Key"), k)) {
                json_array_remove(cur, j);
                break;
            }
        }
    }
    return 0;
}

int op_untag_resource(api_req *r, json_t **out)
{
    const store_table *t;
    const char *arn, *tbl;
    json_t *keys = json_object_get(r->body, "TagKeys"); /* a list of strings: the model's */
    int rc = tag_arn(r, &arn, &tbl);
    if (rc)
        return rc;
    /* the keys before the table, as the service (TXT_UNTAG_*; test_ttl_tags
     * test_untag_checks_its_keys_first) */
    if (json_array_size(keys) == 0)
        return verr(r, TXT_UNTAG_NONE);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        if (!json_is_string(k)) /* a null element: AWS's "Key: null" (DDB-TABLE-457) */
            return err_set(r->err, ERR_VALIDATION, TXT_UNTAG_KEY_PREFIX "null");
        const char *ks = json_string_value(k);
        size_t kl = json_string_length(k), units = api_utf16_units(ks, kl);
        /* a key of 1..128 UTF-16 units, as TagResource's model counts them (review18 L5) */
        if (units == 0 || units > 128)
            return err_set_echo(r->err, ERR_VALIDATION, TXT_UNTAG_KEY_PREFIX, ks, kl, NULL);
        if (tag_key_aws(ks, kl)) /* DDB-TABLE-105 */
            return err_set_echo(r->err, ERR_VALIDATION, TXT_TAGS_AWS_PREFIX, ks, kl, NULL);
    }
    if (json_array_size(keys) > TBL_MAX_TAGS)
        return verr(r, TXT_UNTAG_OVER);
    if ((rc = tag_table(r, arn, tbl, false, true, &t)))
        return rc;
    if ((rc = api_table_alter(r, t, true, untag_edit, keys, NULL)))
        return rc;
    *out = json_object();
    return 0;
}

int op_list_tags_of_resource(api_req *r, json_t **out)
{
    const store_table *t;
    const char *arn, *tbl;
    int rc = tag_arn(r, &arn, &tbl);
    if (rc || (rc = tag_table(r, arn, tbl, true, false, &t)))
        return rc;
    json_t *meta = api_table_meta(t);
    if (!meta)
        return err_set(r->err, ERR_NOMEM, "out of memory");
    json_t *tags = json_object_get(meta, "Tags");
    *out = json_is_array(tags) ? json_pack("{s:O}", "Tags", tags)
                               : json_pack("{s:o}", "Tags", json_array());
    json_decref(meta);
    return 0;
}
