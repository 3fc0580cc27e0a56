/*
 * op_table_update — UpdateTable.  Layer: api.
 *
 * Validate, plan, apply: the request's members are read and checked in the service's order
 * (ut_parse, ut_single_concern, ...), the change is planned against the table's committed
 * state inside the store's write transaction (ut_plan_changes) and applied there (ut_apply),
 * so the metadata and the indexes change in one store transaction.  Vector index changes go
 * their own way (api_vector.c), the billing change that may come with them through
 * ut_vix_billing.  The table's definition is read by api_tdef.c, its settings and description
 * are api_tdesc.c's; the metadata's members are listed in op_table.c's opening comment.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
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

#define PPR_SWITCHES_PER_WINDOW 4 /* switches to on-demand in api->ppr_window_ms (24 h) */
#define SSE_FREE_CHANGES 4        /* encryption key changes in a window before the 6 h gap */
#define CLASS_CHANGES 2           /* TableClass changes in api->class_window_ms (30 days) */

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
    bool replicas; /* a non-empty ReplicaUpdates (global tables version 2019.11.21): a change
                    * ddbchat refuses (one Region) once the rest of the request has passed; an
                    * empty list is the model's */
} ut_req;

typedef struct ut_plan {
    store_index *adds;    /* GSIs to create */
    const char **drops;   /* GSIs to delete */
    size_t n_adds, n_drops;
    const char *creating; /* the GSI being created (described as CREATING), or NULL */
    int64_t now;          /* the time of the call: every change ends after it, and the
                           * answer describes the table as of it (op_update_table) */
    api_tdef_attrs attrs;      /* the request's AttributeDefinitions (when parsed) */
    bool stream_change;   /* StreamSpecification enables (stream_view) or disables the stream */
    uint8_t stream_view;
    bool resend_ppr;      /* BillingMode PAY_PER_REQUEST re-sent: answered UPDATING, no change */
    bool dropped_ppr;     /* ... re-sent during a switch to PROVISIONED: dropped, answered as
                           * on-demand */
    bool to_ppr;          /* a switch to on-demand */
    bool api_warm_raise;      /* the table's WarmThroughput raised: answered UPDATING with ... */
    long long warm_was[2]; /* ... the values from before */
    const char *sse_was;   /* the KMS key's ARN a switch to an AWS owned key leaves (arena):
                            * answered UPDATING with it (sse_change) */
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
        return api_verr(r, TXT_UT_ONLY_SSE);
    if (q->tclass)
        return api_verr(r, TXT_UT_ONLY_CLASS);
    if (q->has_dp)
        return api_verr(r, TXT_UT_ONLY_DP);
    if (odt && (q->ssj || warm))
        return api_verr(r, TXT_UT_ODT_WITH);
    if (warm)
        return api_verr(r, create ? TXT_UT_WARM_CREATE : TXT_UT_ONLY_WARM);
    if (cdel && q->ptj && !(vu && q->billing))
        return api_verr(r, TXT_UT_INDEX_AND_IOPS);
    if (cdel && q->ssj)
        return api_verr(r, TXT_UT_INDEX_AND_STREAM);
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
        return api_verr(r, TXT_VIX_UT_ALONE);
    return 0;
}

/* UpdateTable's first checks of its billing members (q->billing, q->ptj parsed): on-demand
 * with throughput, then throughput out of bounds.  ut_parse, and op_update_table for a
 * billing change that comes with VectorIndexUpdates. */
static int ut_billing_first(api_req *r, const ut_req *q)
{
    if (q->billing && strcmp(q->billing, "PAY_PER_REQUEST") == 0 && q->ptj)
        return api_verr(r, TXT_CT_PPR_WITH_PT);
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
        /* TableThroughputMode stands in for an absent BillingMode (api_schema.c) */
        (!q->billing && (rc = api_json_str(body, "TableThroughputMode", &q->billing, r->err))) ||
        (rc = api_json_obj(body, "StreamSpecification", &q->ssj, r->err)) ||
        (rc = api_json_obj(body, "SSESpecification", &q->sse, r->err)) ||
        (rc = api_json_obj(body, "OnDemandThroughput", &q->odt, r->err)) ||
        (rc = api_json_obj(body, "WarmThroughput", &q->warm, r->err)) ||
        (rc = api_json_str(body, "TableClass", &q->tclass, r->err)) ||
        (rc = api_json_bool(body, "DeletionProtectionEnabled", &q->has_dp, &q->dp, r->err)) ||
        (rc = api_json_obj(body, "ProvisionedThroughput", &q->ptj, r->err)))
        return rc;
    q->replicas = json_array_size(json_object_get(body, "ReplicaUpdates")) > 0;
    return 0;
}

static int ut_parse(api_req *r, ut_req *q)
{
    int rc;
    if ((rc = ut_members(r, q)))
        return rc;
    /* An OnDemandThroughput with no member changes nothing and counts as absent, as an empty
     * WarmThroughput does (ut_has_units).  AWS answers it 500 InternalFailure (Dynoxide's
     * capture, eu-west-2 2026-07-24; DynamoDB Local too), a fault its SDKs retry although the
     * request can never succeed; ddbchat answers what an UpdateTable without the member gets
     * (test_tables.py test_update_table_empty_on_demand_changes_nothing). */
    if (q->odt && !ut_has_units(q->odt, "MaxReadRequestUnits", "MaxWriteRequestUnits"))
        q->odt = NULL;
    /* the service's order (the model's constraints were checked by api_call): on-demand
     * with throughput, throughput out of bounds, something to change, each index update
     * with one action and one update per index */
    if ((rc = ut_billing_first(r, q)))
        return rc;
    /* AttributeDefinitions alone, or an empty update list, change nothing; SSESpecification
     * alone is a change on AWS (ack-api-quirks DDB-TABLE-081 / 141: each one re-encrypts and
     * counts; DynamoDB Local: "Nothing to update") */
    bool warm = ut_has_units(q->warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond");
    if (!json_array_size(q->gu) && !q->billing && !q->ssj && !q->has_dp && !q->ptj && !q->sse &&
        !q->tclass && !q->odt && !warm && !q->replicas) {
        bool mrc = json_object_get(r->body, "MultiRegionConsistency") != NULL;
        return err_set(r->err, ERR_VALIDATION, TXT_UT_NOTHING,
                       mrc ? "" : "MultiRegionConsistency, ");
    }
    if ((rc = api_tdef_sse_check(r, q->sse)))
        return rc;
    /* an empty list next to another change (ack-api-quirks DDB-TABLE-160) */
    if (q->gu && !json_array_size(q->gu))
        return api_verr(r, TXT_UT_GSI_LIST_EMPTY);
    /* update by update: an action, one action, then an index an earlier update names
     * (dynalite's updateTable.js checks each update in one pass; ddbchat checked every
     * update's action before any name: test_tables.py test_update_table_check_order) */
    size_t n = json_array_size(q->gu);
    for (size_t i = 0; i < n; i++) {
        char ki, kj;
        json_t *a = ut_action(json_array_get(q->gu, i), &ki);
        if (!a)
            return api_verr(r, TXT_UT_GSI_ACTION_NULL);
        if (ut_n_actions(json_array_get(q->gu, i)) > 1)
            return api_verr(r, TXT_UT_GSI_ONE_ACTION);
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
                     : api_nomem(r);
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
    api_warm_shown(g, true, base_wall_ms(), shown);
    const char *wm = api_warm_below(warm, shown);
    if (wm)
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_WARM_DECREASE, wm, iname);
    if (api_odt_merge(g, odt))
        return api_nomem(r);
    if (ut_has_units(warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond")) {
        api_warm_want(warm, shown, v);
        if (api_warm_set(g, true, v,
                         r->api->update_delay_ms > 0 ? base_wall_ms() + r->api->update_delay_ms
                                                     : 0))
            return api_nomem(r);
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
    const char *name = api_table_name(t);
    bool deleting = t->n_dropping > 0;
    if (deleting && (q->ptj || changed_billing)) {
        const char *ns = phase_names(r, t, true);
        return ns ? err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_IOPS_INDEX_DELETING, name, ns)
                  : api_nomem(r);
    }
    if (q->odt) {
        const char *ns = phase_names(r, t, deleting);
        return ns ? err_set(r->err, ERR_RESOURCE_IN_USE,
                            deleting ? TXT_UT_ODT_INDEX_DELETING : TXT_UT_ODT_INDEX_CREATING, ns)
                  : api_nomem(r);
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
        return api_nomem(r);
    }
    if (json_object_set_new(meta, key, keep))
        return api_nomem(r);
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
        return api_nomem(r);
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

/* *out_was: the ARN of the key a switch to an AWS owned key leaves (arena), else NULL; the
 * answer describes that key UPDATING (AWS: LocalStack's snapshot
 * test_dynamodb_create_table_with_partial_sse_specification, validated 2024-01-10:
 * "SSEDescription": {"KMSMasterKeyArn": ..., "SSEType": "KMS", "Status": "UPDATING"};
 * test_tables test_encryption_disable_answers_updating). */
static int sse_change(api_req *r, json_t *meta, json_t *sse, int64_t created, int64_t now,
                      const char **out_was)
{
    *out_was = NULL;
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
        return api_nomem(r);
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
        return api_nomem(r);
    if (to_owned && !ka)
        return api_verr(r, TXT_UT_SSE_DEFAULT);
    /* a copy: ka may be meta's own string, which the change replaces */
    if (to_owned && !(*out_was = arena_strdup(r->arena, ka)))
        return api_nomem(r);
    const char *want = json_string_value(json_object_get(sse, "KMSMasterKeyId"));
    if (!to_owned && ka && want && strcmp(want, ka) == 0)
        return api_verr(r, TXT_UT_SSE_SAME_KEY);
    json_t *keep = times_since(meta, "SseChanges", start);
    if (!keep)
        return api_nomem(r);
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
        return api_nomem(r);
    if (json_array_size(keep) >= CLASS_CHANGES) {
        json_decref(keep);
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_UT_CLASS_CHANGES);
    }
    return times_record(r, meta, "ClassChanges", keep, now);
}

/* The state ut_plan_changes's steps share: the request, the committed table, the metadata
 * being edited (all borrowed for the request) and what the earlier steps decided. */
typedef struct ut_pc {
    api_req *r;
    const ut_req *q;
    const store_table *t;
    json_t *meta;
    ut_plan *p;
    bool ppr;              /* the table is on-demand as committed */
    bool to_ppr;           /* ... and after this request */
    bool changed_billing;  /* the request switches the billing mode */
    long long wshown[2];   /* the table's warm throughput as shown before the request */
    api_tdef_tp tp;        /* the table's new throughput (q->ptj) */
    json_t *gmeta;         /* meta's "Gsi" */
    json_t **acts;         /* GlobalSecondaryIndexUpdates' actions (arena) ... */
    char *kinds;           /* ... and their kinds: 'C'reate, 'D'elete, 'U'pdate (ut_action) */
    size_t n_gu, n_struct; /* the updates; the creates and deletes among them */
    size_t n_gsi;          /* the table's GSIs as the actions planned so far leave them */
    json_t *stream;        /* the parsed StreamSpecification, or NULL (owned) */
} ut_pc;

/* Step 1: changes of throughput done by now get their completion dates (before UpdatingUntil
 * is moved by this one); warm throughput stored as it stands before the billing may change. */
static void ut_pc_settle(ut_pc *c)
{
    const char *gk;
    json_t *gv;
    api_tp_settle(c->meta, c->p->now); /* as the answer describes them (op_update_table) */
    json_object_foreach(json_object_get(c->meta, "Gsi"), gk, gv)
    {
        api_tp_settle(gv, c->p->now);
    }
    c->ppr = api_meta_is_ppr(c->meta);
    c->to_ppr = c->ppr;
    api_warm_fix(c->meta, c->ppr);
    json_object_foreach(json_object_get(c->meta, "Gsi"), gk, gv)
    {
        api_warm_fix(gv, c->ppr);
    }
}

/* Step 2: the billing mode against the table, its on-demand ceilings and warm throughput. */
static int ut_pc_billing(ut_pc *c)
{
    api_req *r = c->r;
    const ut_req *q = c->q;
    ut_plan *p = c->p;
    if (q->billing) { /* one of the model's enum values */
        c->to_ppr = strcmp(q->billing, "PAY_PER_REQUEST") == 0;
        c->changed_billing = c->to_ppr != c->ppr;
    }
    /* PAY_PER_REQUEST re-sent to an on-demand table: a 200 that changes nothing, answered
     * UPDATING (DescribeTable stays ACTIVE); sent while a switch from on-demand to
     * provisioned is in progress, taken as such a re-send of the mode still committed:
     * dropped, answered UPDATING as on-demand (AWS as the public ack-api-quirks lab measured
     * it, DDB-TABLE-156 and DDB-TABLE-452; tests/e2e/test_tables_updating.py) */
    if (q->billing && c->to_ppr && !c->changed_billing)
        p->resend_ppr = true;
    if (c->changed_billing && c->to_ppr && api_table_iops_updating(c->meta) &&
        json_is_true(json_object_get(c->meta, "UpdatingBilling"))) {
        p->resend_ppr = p->dropped_ppr = true;
        c->changed_billing = false;
        c->to_ppr = c->ppr;
    }
    p->to_ppr = c->changed_billing && c->to_ppr;
    /* vector indexes need an on-demand table: CreateTable's text, as the AWS-checked emulator
     * ExtendDB measured this switch (2026-08-13); Dynoxide records another text ("Tables with
     * vector indexes must be in PAY_PER_REQUEST mode", 2026-08-12): disputed, README */
    if (c->changed_billing && !c->to_ppr && api_vix_count(r->api, c->meta, base_wall_ms()))
        return api_verr(r, TXT_VIX_PROVISIONED);
    /* billing against the table: throughput for an on-demand table; PROVISIONED needs it */
    if (c->ppr && !q->billing && q->ptj)
        return api_verr(r, TXT_CT_PPR_WITH_PT);
    if (q->billing && !c->to_ppr && !q->ptj && !p->dropped_ppr)
        return api_verr(r, TXT_UT_PROV_NEEDS_PT);
    /* on-demand ceilings: only for a table that stays or becomes on-demand; at least 1, or
     * -1 (no ceiling) */
    const char *om;
    if (!c->to_ppr && (om = api_odt_first(q->odt)))
        return err_set(r->err, ERR_VALIDATION, TXT_UT_ODT_PROVISIONED, om);
    if ((om = api_odt_out_of_range(q->odt, true)))
        return err_set(r->err, ERR_VALIDATION, TXT_ODT_RANGE, om);
    ut_over_ceiling(p, q->odt, NULL);
    /* warm throughput only grows; a raise is under way a while, the table ACTIVE (AWS,
     * ack-api-quirks DDB-TABLE-059 / 061 / 179) */
    api_warm_shown(c->meta, c->ppr, base_wall_ms(), c->wshown);
    const char *wm = api_warm_below(q->warm, c->wshown);
    if (wm)
        return err_set(r->err, ERR_VALIDATION, TXT_WARM_DECREASE, wm);
    return 0;
}

/* Step 3: the table's throughput: limits, then a change that changes nothing, then the
 * day's decreases. */
static int ut_pc_table_throughput(ut_pc *c)
{
    api_req *r = c->r;
    if (!c->q->ptj)
        return 0;
    int rc = api_tdef_parse_throughput(r, r->body, "ProvisionedThroughput", false, &c->tp);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return api_verr(r, TXT_TABLE_THROUGHPUT_MIN);
    long long cr = api_meta_int(c->meta, "RCU"), cw = api_meta_int(c->meta, "WCU");
    if (rc == 2) /* over the quota: neither the same nor a decrease to count */
        ut_over_units(c->p, &c->tp, NULL);
    else if (!c->to_ppr && !c->changed_billing && c->tp.rcu == cr && c->tp.wcu == cw)
        return err_set(r->err, ERR_VALIDATION, TXT_UT_THROUGHPUT_SAME, cr, c->tp.rcu, cw,
                       c->tp.wcu);
    else if (!c->changed_billing &&
             (rc = api_tp_decrease_budget(r, c->meta, c->tp.rcu, c->tp.wcu, base_wall_ms())))
        return rc;
    return 0;
}

/* Step 4: room for the GSI updates' plan, and each update's action and kind (ut_parse
 * checked that each entry has an action, one per index). */
static int ut_pc_gsi_actions(ut_pc *c)
{
    api_req *r = c->r;
    ut_plan *p = c->p;
    size_t n_gu = c->n_gu = json_array_size(c->q->gu);
    c->gmeta = json_object_get(c->meta, "Gsi");
    if (!json_is_object(c->gmeta)) {
        c->gmeta = json_object();
        if (!c->gmeta || json_object_set_new(c->meta, "Gsi", c->gmeta))
            return api_nomem(r);
    }
    p->adds = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *p->adds);
    p->drops = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *p->drops);
    c->acts = arena_zalloc(r->arena, (n_gu ? n_gu : 1) * sizeof *c->acts);
    c->kinds = arena_zalloc(r->arena, n_gu ? n_gu : 1);
    if (!p->adds || !p->drops || !c->acts || !c->kinds)
        return api_nomem(r);
    for (size_t i = 0; i < n_gu; i++) {
        c->acts[i] = ut_action(json_array_get(c->q->gu, i), &c->kinds[i]);
        c->n_struct += c->kinds[i] == 'C' || c->kinds[i] == 'D';
    }
    return 0;
}

/* Step 5: updates of indexes that do not exist (or are not global), before anything else
 * about the indexes. */
static int ut_pc_gsi_updates_exist(ut_pc *c)
{
    api_req *r = c->r;
    const store_table *t = c->t;
    for (size_t i = 0; i < c->n_gu; i++) {
        const char *in = json_string_value(json_object_get(c->acts[i], "IndexName"));
        const store_index *ix = in ? tbl_index(t, in) : NULL;
        /* an Update of an index being deleted: the state check wins (AWS's text,
         * ack-api-quirks DDB-TABLE-375/376) */
        for (size_t j = 0; c->kinds[i] == 'U' && in && !ix && j < t->n_dropping; j++)
            if (strcmp(t->dropping[j].name, in) == 0)
                return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_DELETING, api_table_name(t),
                               in);
        if (c->kinds[i] == 'U' && ix && !ix->global)
            return err_set(r->err, ERR_VALIDATION, TXT_UT_NOT_GSI, "update", ix->name);
        if (c->kinds[i] == 'U' && !ix)
            return ut_pt_beyond(c->acts[i]) ? api_verr(r, TXT_UT_GSI_UPDATE_UNKNOWN)
                                            : err_set(r->err, ERR_RESOURCE_NOT_FOUND,
                                                      TXT_UT_GSI_RNF, in, api_table_name(t));
    }
    return 0;
}

/* Step 6: one create or delete in the request, and one online index change at a time: while
 * a GSI is being created or deleted, another create or delete is refused, except deleting
 * the GSI being backfilled (AWS allows that once its resource allocation phase is over). */
static int ut_pc_gsi_one_at_a_time(ut_pc *c)
{
    api_req *r = c->r;
    const store_table *t = c->t;
    if (c->n_struct > 1)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    bool busy = api_table_index_busy(t);
    for (size_t i = 0; i < c->n_gu && api_vix_busy(r->api, c->meta, base_wall_ms()); i++)
        if (c->kinds[i] == 'C' || c->kinds[i] == 'D') /* a vector index's create or delete */
            return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    for (size_t i = 0; busy && i < c->n_gu; i++) {
        if (c->kinds[i] != 'C' && c->kinds[i] != 'D')
            continue;
        const char *in = json_string_value(json_object_get(c->acts[i], "IndexName"));
        const store_index *ix = in ? tbl_index(t, in) : NULL;
        /* deleting the index still in its resource allocation phase: AWS's text
         * (ack-api-quirks DDB-TABLE-149, 28 attempts over 53 s) */
        if (c->kinds[i] == 'D' && ix && ix->allocating)
            return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_ALLOCATING, api_table_name(t),
                           ix->name);
        if (!(c->kinds[i] == 'D' && ix && ix->backfilling && !ix->allocating))
            return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_GSI_ONE_AT_A_TIME);
    }
    return 0;
}

/* A GSI's Create: the name is free, the request defines its key attributes, its throughput
 * and ceilings fit the billing, the table has room for it; planned in p->adds and meta. */
static int ut_pc_gsi_create(ut_pc *c, json_t *act, const char *iname, const store_index *found)
{
    api_req *r = c->r;
    const ut_req *q = c->q;
    const store_table *t = c->t;
    ut_plan *p = c->p;
    int rc;
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
    if ((rc = api_tdef_ct_key_schema(r, json_object_get(act, "KeySchema"), q->adj, NULL, true)))
        return rc;
    /* none of them a vector index's attribute (api_vector.c) */
    if ((rc = api_vix_gsi_key_check(r, t, json_object_get(act, "KeySchema"), q->adj)))
        return rc;
    if (!p->attrs.a && (rc = api_tdef_parse_attrs(r, q->adj, &p->attrs)))
        return rc;
    api_tdef_tp gtp = {0};
    json_t *gover = NULL;
    /* ProvisionedThroughput exactly when the table is (or becomes) provisioned, the index
     * named (TXT_UT_GSI_CREATE_PT_MISSING's sources; DynamoDB Local answers 500 without it
     * and takes it on an on-demand table) */
    bool gpt = api_tdef_jparam(act, "ProvisionedThroughput") != NULL;
    if (c->to_ppr && gpt)
        return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_CREATE_PPR_PT, iname ? iname : "");
    if (!c->to_ppr && !gpt)
        return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_CREATE_PT_MISSING, iname ? iname : "");
    if (!c->to_ppr && (rc = api_tdef_check_gsi_throughput(r, act, &gtp, &gover)))
        return rc;
    if (gover)
        ut_over_units(p, &gtp, iname);
    json_t *xodt = json_object_get(act, "OnDemandThroughput");
    const char *xm;
    if (!c->to_ppr && (xm = api_odt_first(xodt)))
        return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_ODT_PROVISIONED, xm, iname);
    if ((xm = api_odt_out_of_range(xodt, false)))
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_ODT_RANGE, xm, iname);
    ut_over_ceiling(p, xodt, iname);
    static const long long od_floor[2] = {API_WARM_OD_READ, API_WARM_OD_WRITE};
    if (c->to_ppr && (xm = api_warm_below(json_object_get(act, "WarmThroughput"), od_floor)))
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_WARM_BELOW_OD, xm, iname);
    if ((rc = api_tdef_parse_index_common(r, act, true, ix, &gks, &total)) ||
        (rc = api_tdef_gsi_keydef(r, &gks, &p->attrs, &ix->key)))
        return rc;
    if (c->n_gsi + 1 > STORE_MAX_GSI)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, "%s", TXT_UT_GSI_COUNT);
    c->n_gsi++;
    ix->global = true;
    if (json_object_set_new(c->gmeta, ix->name, api_gsi_entry(gtp.rcu, gtp.wcu, c->to_ppr, act)))
        return api_nomem(r);
    p->creating = ix->name;
    p->n_adds++;
    return 0;
}

/* A GSI's Delete (found: the index, global): planned in p->drops and meta; definitions sent
 * along are still validated. */
static int ut_pc_gsi_delete(ut_pc *c, const char *iname, const store_index *found)
{
    int rc;
    ut_plan *p = c->p;
    if (json_array_size(c->q->adj) && !p->attrs.a &&
        (rc = api_tdef_parse_attrs(c->r, c->q->adj, &p->attrs)))
        return rc;
    p->drops[p->n_drops++] = iname;
    json_object_del(c->gmeta, found->name);
    c->n_gsi--;
    return 0;
}

/* A GSI's Update (found: the index, global): its ceilings while the table stays on-demand,
 * else its throughput; edits the index's entry in meta. */
static int ut_pc_gsi_update(ut_pc *c, json_t *act, const store_index *found)
{
    api_req *r = c->r;
    const store_table *t = c->t;
    int rc;
    api_tdef_tp gtp = {0};
    json_t *g = json_object_get(c->gmeta, found->name);
    /* one throughput Update of an index at a time (AWS's text, ack-api-quirks
     * DDB-TABLE-135) */
    if (api_tp_updating(g))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_GSI_UPDATING, api_table_name(t),
                       found->name);
    if (c->ppr && !c->changed_billing) {
        if (!json_is_object(g)) {
            g = json_object();
            if (!g || json_object_set_new(c->gmeta, found->name, g))
                return api_nomem(r);
        }
        if ((rc = ut_gsi_on_demand(r, act, found->name, g, c->p)))
            return rc;
        /* new ceilings: the index is UPDATING for a while (the table stays ACTIVE),
         * its new values shown at once, a second Update meanwhile refused (AWS,
         * ack-api-quirks DDB-TABLE-135: 2 s); a warm throughput change leaves it
         * ACTIVE (DDB-TABLE-155) */
        if (ut_has_units(json_object_get(act, "OnDemandThroughput"), "MaxReadRequestUnits",
                         "MaxWriteRequestUnits") &&
            r->api->update_delay_ms > 0)
            api_tp_set(g, api_meta_int(g, "RCU"), api_meta_int(g, "WCU"),
                       base_wall_ms() + r->api->update_delay_ms);
        return 0;
    }
    /* ceilings for an index of a table that is or becomes provisioned (AWS,
     * ack-api-quirks DDB-TABLE-153) */
    const char *xm = c->to_ppr ? NULL : api_odt_first(json_object_get(act, "OnDemandThroughput"));
    if (xm)
        return err_set(r->err, ERR_VALIDATION, TXT_UT_GSI_ODT_PROVISIONED, xm, found->name);
    json_t *gover = NULL;
    if ((rc = api_tdef_check_gsi_throughput(r, act, &gtp, &gover)))
        return rc;
    if (gover) /* over the quota: neither the same nor a decrease to count */
        ut_over_units(c->p, &gtp, found->name);
    else if (gtp.rcu == api_meta_int(g, "RCU") && gtp.wcu == api_meta_int(g, "WCU"))
        return api_verr(r, TXT_GSI_THROUGHPUT_SAME);
    else if (!c->changed_billing &&
             (rc = api_tp_decrease_budget(r, g, gtp.rcu, gtp.wcu, base_wall_ms())))
        return rc;
    if (!json_is_object(g)) {
        g = json_object();
        if (!g || json_object_set_new(c->gmeta, found->name, g))
            return api_nomem(r);
    }
    /* the index is UPDATING for a while, showing its old throughput; a billing
     * switch sets every GSI's throughput at once (ut_apply of the table's) */
    int64_t gnow = base_wall_ms();
    int64_t guntil =
        c->changed_billing || r->api->update_delay_ms <= 0 ? 0 : gnow + r->api->update_delay_ms;
    if (!c->changed_billing)
        api_tp_stamp(g, gtp.rcu, gtp.wcu, gnow, guntil);
    api_tp_set(g, gtp.rcu, gtp.wcu, guntil);
    api_warm_raise(g, false, gtp.rcu, gtp.wcu);
    return 0;
}

/* Step 7: each index action in turn, in the request's order. */
static int ut_pc_gsi_plan(ut_pc *c)
{
    api_req *r = c->r;
    const store_table *t = c->t;
    int rc;
    for (size_t i = 0; i < t->n_idx; i++)
        c->n_gsi += t->idx[i].global;
    for (size_t i = 0; i < c->n_gu; i++) {
        json_t *act = c->acts[i];
        const char *iname;
        if ((rc = api_json_str(act, "IndexName", &iname, r->err)))
            return rc;
        const store_index *found = NULL;
        for (size_t j = 0; iname && j < t->n_idx; j++)
            if (strcmp(t->idx[j].name, iname) == 0)
                found = &t->idx[j];
        if (c->kinds[i] == 'C') {
            if ((rc = ut_pc_gsi_create(c, act, iname, found)))
                return rc;
            continue;
        }
        if (found && !found->global) /* a delete (updates: checked above) */
            return err_set(r->err, ERR_VALIDATION, TXT_UT_NOT_GSI, "delete", found->name);
        if (!found)
            return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_UT_GSI_RNF, iname,
                           api_table_name(t));
        rc = c->kinds[i] == 'D' ? ut_pc_gsi_delete(c, iname, found)
                                : ut_pc_gsi_update(c, act, found);
        if (rc)
            return rc;
    }
    return 0;
}

/* Step 8: leaving on-demand, every remaining GSI needs its own throughput in the same
 * request (the service's rule; DynamoDB Local fails with an internal error here). */
static int ut_pc_gsi_throughput_given(ut_pc *c)
{
    const store_table *t = c->t;
    if (!(c->changed_billing && !c->to_ppr))
        return 0;
    for (size_t j = 0; j < t->n_idx; j++) {
        const store_index *ix = &t->idx[j];
        bool given = !ix->global;
        for (size_t i = 0; i < c->n_gu && !given; i++) {
            const char *in = json_string_value(json_object_get(c->acts[i], "IndexName"));
            given = c->kinds[i] != 'C' && in && strcmp(in, ix->name) == 0;
        }
        if (!given)
            return err_set(c->r->err, ERR_VALIDATION, TXT_GSI_THROUGHPUT_NEEDED, ix->name);
    }
    return 0;
}

/* Step 9 (the request parsed into c->stream first): a stream enabled or disabled twice. */
static int ut_pc_stream_check(ut_pc *c)
{
    const store_table *t = c->t;
    if (!c->stream)
        return 0;
    bool cur_en = t->stream_view != STORE_SV_NONE;
    bool new_en = json_is_true(json_object_get(c->stream, "StreamEnabled"));
    if (cur_en && new_en)
        return err_set(c->r->err, ERR_VALIDATION, TXT_STREAM_ALREADY_ENABLED, api_table_name(t));
    if (!cur_en && !new_en)
        return err_set(c->r->err, ERR_VALIDATION, TXT_STREAM_NONE_TO_DISABLE, api_table_name(t));
    return 0;
}

/* Step 11: changes that wait for one in progress: the table UPDATING for its indexes, a
 * vector index, a throughput or billing change, a stream change (AWS's texts). */
static int ut_pc_in_progress(ut_pc *c)
{
    api_req *r = c->r;
    const ut_req *q = c->q;
    const store_table *t = c->t;
    json_t *meta = c->meta, *stream = c->stream;
    size_t n_struct = c->n_struct;
    int rc = 0;
    /* unused extra definitions are accepted (DynamoDB Local) and dropped by ut_apply */
    /* any other change waits while the table is UPDATING for its indexes */
    if (api_table_updating(t))
        rc = ut_index_phase_check(r, q, t, c->changed_billing, stream != NULL);
    /* ... or for a vector index allocated or deleted (api_vector.c): the same rule, deletion
     * protection and encryption admitted */
    else if (api_vix_updating(r->api, meta, base_wall_ms()) &&
             (q->ptj || q->billing || stream || q->tclass || q->odt || json_array_size(q->gu)))
        rc = err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_TABLE_UPDATING, api_table_name(t));
    if (rc)
        return rc;
    /* while a throughput or billing change is in progress, another one and a stream change
     * are refused (AWS's texts) */
    if (api_table_iops_updating(meta) && q->odt &&
        json_is_true(json_object_get(meta, "UpdatingBilling")))
        return err_set(r->err, ERR_RESOURCE_IN_USE, "%s", TXT_UT_ODT_BILLING_UPDATING);
    if (api_table_iops_updating(meta) && (q->ptj || c->changed_billing))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_IOPS_UPDATING, api_table_name(t));
    if (api_table_iops_updating(meta) && stream)
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_STREAM_IOPS_UPDATING, api_table_name(t));
    /* a GSI create or delete waits for it too (ack-api-quirks DDB-TABLE-175) */
    if (api_table_iops_updating(meta) && n_struct)
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_UT_INDEX_IOPS_UPDATING, api_table_name(t));
    /* --table-delay: while a stream change is in progress, another one and a throughput
     * change are refused, naming the stream and the operation (AWS's texts, DDB-TABLE-444) */
    if (api_table_stream_updating(meta) && q->odt && !(stream || q->ptj || n_struct || q->tclass))
        return err_set(r->err, ERR_RESOURCE_IN_USE, "%s", TXT_UT_ODT_STREAM_UPDATING);
    if (api_table_stream_updating(meta) && (stream || q->ptj || n_struct || q->tclass)) {
        const char *label = api_stream_label(r->arena, t->stream_ms);
        const char *op = json_string_value(json_object_get(meta, "StreamUpdatingOp"));
        const char *fmt = stream     ? TXT_UT_STREAM_STREAM_UPDATING
                          : q->ptj   ? TXT_UT_IOPS_STREAM_UPDATING
                          : n_struct ? TXT_UT_INDEX_STREAM_UPDATING
                                     : TXT_UT_CLASS_STREAM_UPDATING;
        return !label ? api_nomem(r)
                      : err_set(r->err, ERR_RESOURCE_IN_USE, fmt, api_table_name(t), label,
                                op ? op : "ENABLE");
    }
    return 0;
}

/* Step 12: the changes counted against a window: switches to on-demand, encryption key
 * changes, table class changes. */
static int ut_pc_budgets(ut_pc *c, int64_t now)
{
    int rc = 0;
    if (c->changed_billing && c->to_ppr && (rc = ppr_switch_budget(c->r, c->meta, now)))
        return rc;
    if (c->q->sse &&
        (rc = sse_change(c->r, c->meta, c->q->sse, c->t->created_ms, now, &c->p->sse_was)))
        return rc;
    if (c->q->tclass && (rc = class_change(c->r, c->meta, now)))
        return rc;
    return 0;
}

/* Step 13: the table's billing mode and throughput in meta. */
static void ut_pc_set_billing(ut_pc *c, int64_t now)
{
    api_req *r = c->r;
    json_t *meta = c->meta;
    /* a throughput or billing change leaves the table UPDATING for a while (AWS) */
    if ((c->q->ptj || c->changed_billing) && r->api->update_delay_ms > 0) {
        json_object_set_new(meta, "UpdatingUntil", json_integer(now + r->api->update_delay_ms));
        json_object_set_new(meta, "UpdatingBilling", json_boolean(c->changed_billing));
    }
    if (c->changed_billing) {
        json_object_set_new(meta, "BillingMode",
                            json_string(c->to_ppr ? "PAY_PER_REQUEST" : "PROVISIONED"));
        if (c->to_ppr)
            json_object_set_new(meta, "PprSince", json_integer(now));
        else
            api_odt_drop_all(meta);
    }
    if (c->q->ptj) {
        /* a change of a provisioned table's throughput shows the old values until it is
         * done (tp_shown) and is stamped (api_tp_stamp); a billing switch answers with the new
         * ones at once (AWS, DDB-TABLE-165) */
        int64_t until =
            c->changed_billing || r->api->update_delay_ms <= 0 ? 0 : now + r->api->update_delay_ms;
        if (!c->changed_billing)
            api_tp_stamp(meta, c->tp.rcu, c->tp.wcu, now, until);
        api_tp_set(meta, c->tp.rcu, c->tp.wcu, until);
    }
}

/* Step 14: the stream change, in meta (--table-delay: UPDATING a while) and in the plan (the
 * store creates or disables the stream: ut_apply). */
static void ut_pc_set_stream(ut_pc *c, int64_t now)
{
    json_t *stream = c->stream;
    if (!stream)
        return;
    if (c->r->api->table_delay_ms > 0) {
        json_object_set_new(c->meta, "StreamUpdatingUntil",
                            json_integer(now + c->r->api->table_delay_ms));
        json_object_set_new(c->meta, "StreamUpdatingOp",
                            json_string(json_is_true(json_object_get(stream, "StreamEnabled"))
                                            ? "ENABLE"
                                            : "DISABLE"));
    }
    c->p->stream_change = true;
    c->p->stream_view =
        api_stream_view_parse(json_string_value(json_object_get(stream, "StreamViewType")));
}

/* Step 15: warm throughput: the request's raise, then the high-water marks (provisioned
 * units, or on-demand's 12000/4000 after a switch). */
static void ut_pc_set_warm(ut_pc *c, int64_t now)
{
    api_req *r = c->r;
    ut_plan *p = c->p;
    json_t *meta = c->meta;
    if (ut_has_units(c->q->warm, "ReadUnitsPerSecond", "WriteUnitsPerSecond")) {
        long long v[2];
        api_warm_want(c->q->warm, c->wshown, v);
        api_warm_set(meta, c->ppr, v,
                     r->api->update_delay_ms > 0 ? now + r->api->update_delay_ms : 0);
        p->api_warm_raise = true;
        p->warm_was[0] = c->wshown[0];
        p->warm_was[1] = c->wshown[1];
    }
    if (c->q->ptj && !c->to_ppr)
        api_warm_raise(meta, false, c->tp.rcu, c->tp.wcu);
    if (c->changed_billing && c->to_ppr) {
        const char *gk;
        json_t *gv;
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
}

/* Decides the change against t (the committed table) and edits meta accordingly; index
 * changes go to p.  The service's order (Dynoxide's AWS captures) is the order of the steps:
 * billing against the table; table throughput; updates of indexes that do not exist; one
 * create or delete at a time; then each index action in turn (a create: name taken, key
 * attributes defined by the request; a delete: the index exists); the remaining GSIs'
 * throughput when leaving on-demand; stream; the quotas; changes in progress; then the
 * edits.  The first failing check's error is the answer. */
static int ut_plan_changes(api_req *r, const ut_req *q, const store_table *t, json_t *meta,
                           ut_plan *p)
{
    ut_pc c = {.r = r, .q = q, .t = t, .meta = meta, .p = p};
    int rc;
    memset(p, 0, sizeof *p);
    p->now = base_wall_ms(); /* before any change's end is set: each ends after it */
    ut_pc_settle(&c);
    if ((rc = ut_pc_billing(&c)) || (rc = ut_pc_table_throughput(&c)) ||
        (rc = ut_pc_gsi_actions(&c)) || (rc = ut_pc_gsi_updates_exist(&c)) ||
        (rc = ut_pc_gsi_one_at_a_time(&c)) || (rc = ut_pc_gsi_plan(&c)))
        return rc;
    if (q->ptj && q->ssj)
        return api_verr(r, TXT_UT_STREAM_AND_IOPS);
    if ((rc = ut_pc_gsi_throughput_given(&c)))
        return rc;
    if ((rc = api_tdef_parse_stream(r, q->ssj, false, &c.stream)))
        return rc;
    /* the quotas after the request's validation (ut_plan.over, step 10) */
    if ((rc = ut_pc_stream_check(&c)) || (rc = ut_over_refuse(r, p)) ||
        (rc = ut_pc_in_progress(&c)))
        goto out;
    int64_t now = base_wall_ms();
    if ((rc = ut_pc_budgets(&c, now)))
        goto out;
    ut_pc_set_billing(&c, now);
    ut_pc_set_stream(&c, now);
    if (api_meta_set_options(meta, q->sse, q->tclass, q->has_dp, q->dp, q->odt)) {
        rc = api_nomem(r);
        goto out;
    }
    ut_pc_set_warm(&c, now);
out:
    json_decref(c.stream);
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
        return api_nomem(r);
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
    if (!to_ppr && (create || api_vix_count(r->api, meta, base_wall_ms())))
        return api_verr(r, TXT_VIX_PROVISIONED);
    return ut_plan_changes(r, c->q, cur, meta, &c->plan);
}

/* The answer's OnDemandThroughput when the request clears a ceiling (-1): AWS echoes each
 * member the request sets to -1 as -1, beside the ceilings that stay, the read one first; a
 * member cleared by an earlier call is not in it, and {-1,-1} answers {-1,-1} even with no
 * ceiling set (ack-api-quirks DDB-TABLE-182 / 178, live AWS 2026-10-08/09).  DescribeTable
 * omits the cleared members (api_odt_merge dropped them).  test_tables.py
 * test_update_table_on_demand_clear_echoes_minus_one. */
static int ut_echo_cleared_odt(api_req *r, json_t *desc, json_t *odt)
{
    bool clears = false;
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(odt, api_odt_m[k]);
        clears |= json_is_integer(v) && json_integer_value(v) == -1;
    }
    if (!clears)
        return 0;
    json_t *cur = json_object_get(desc, "OnDemandThroughput"), *echo = json_object();
    if (!echo)
        return api_nomem(r);
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(odt, api_odt_m[k]);
        json_t *kept = json_object_get(cur, api_odt_m[k]);
        int bad = 0;
        if (json_is_integer(v) && json_integer_value(v) == -1)
            bad = json_object_set_new(echo, api_odt_m[k], json_integer(-1));
        else if (kept)
            bad = json_object_set(echo, api_odt_m[k], kept);
        if (bad) {
            json_decref(echo);
            return api_nomem(r);
        }
    }
    return json_object_set_new(desc, "OnDemandThroughput", echo) ? api_nomem(r) : 0;
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
    return *out ? 0 : api_nomem(r);
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
        api_tdesc_mirror_ttms(json_object_get(*out, "TableDescription"));
        return 0;
    }
    int rc = ut_parse(r, &q);
    if (rc || (rc = api_tdef_tbl_names_nul_check(r)) ||
        (rc = api_table_deleting_refuse(r, api_table_lookup(r, &t))) ||
        (rc = api_restore_refuse(r, t)) || (rc = api_table_creating_refuse(r, t)))
        return rc;
    /* a replica is the table in another Region (test_elsewhere_ops.py
     * test_update_table_replica_updates_refused) */
    if (q.replicas)
        return err_set(r->err, ERR_UNKNOWN_OPERATION, "%s", TXT_UNSERVED_REPLICAS);
    ut_ctx c = {.q = &q};
    if ((rc = api_table_alter(r, t, true, ut_edit, &c, &t)))
        return rc;
    if (r->api->ut_before_answer)
        r->api->ut_before_answer(r->api->ut_before_answer_ctx);
    json_t *desc;
    /* a stream enabled or disabled answers UPDATING, as AWS answers every change it starts
     * (LocalStack's AWS-validated snapshots), though the table is ACTIVE at once here unless
     * --table-delay keeps it UPDATING.  The answer describes the table as of the call (the
     * throughput from before it, UPDATING), however late it is built: as of the time it was
     * built, one built after the window had closed (a loaded machine) showed the new
     * throughput, ACTIVE (test_op_table_update test_update_answer_after_window). */
    if ((rc = api_table_describe_at(r, t, c.plan.stream_change ? "UPDATING" : "ACTIVE",
                                    c.plan.creating, c.plan.now, &desc)))
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
    api_tdesc_mirror_ttms(desc);
    if ((rc = ut_echo_cleared_odt(r, desc, q.odt))) {
        json_decref(desc);
        return rc;
    }
    /* a switch to an AWS owned key answers the KMS key it leaves, UPDATING (sse_change) */
    if (c.plan.sse_was &&
        json_object_set_new(desc, "SSEDescription",
                            json_pack("{s:s,s:s,s:s}", "Status", "UPDATING", "SSEType", "KMS",
                                      "KMSMasterKeyArn", c.plan.sse_was))) {
        json_decref(desc);
        return api_nomem(r);
    }
    *out = json_pack("{s:o}", "TableDescription", desc);
    return 0;
}
