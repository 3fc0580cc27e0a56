/*
 * api_tdesc — a table's settings as its metadata keeps them and as its TableDescription shows
 * them: on-demand ceilings, encryption, class and deletion protection, warm throughput,
 * provisioned throughput with its change dates and decrease budget, and the description
 * writer itself.  Layer: api.  See api_tdesc.h.
 *
 * Used by the table operations (op_table.c: CreateTable, DescribeTable, DeleteTable;
 * op_table_update.c: UpdateTable), backups (op_backup.c) and vector index changes
 * (api_vector.c); it calls no operation.  The metadata's members are listed in op_table.c's
 * opening comment.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_tdesc.h"
#include "api/api_text.h"
#include "api/api_tstate.h"
#include "api/api_vector.h"
#include "base/bytes.h"
#include "base/siphash.h"

/* ---- metadata ------------------------------------------------------------------------ */

const char *const api_odt_m[] = {"MaxReadRequestUnits", "MaxWriteRequestUnits"};

int api_odt_merge(json_t *holder, json_t *odt)
{
    if (!json_is_object(odt))
        return 0;
    json_t *cur = json_object_get(holder, "Odt");
    if (!json_is_object(cur) && json_object_set_new(holder, "Odt", cur = json_object()))
        return -1;
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(odt, api_odt_m[k]);
        if (json_is_integer(v) && json_integer_value(v) == -1)
            json_object_del(cur, api_odt_m[k]);
        else if (json_is_integer(v) &&
                 json_object_set_new(cur, api_odt_m[k], json_integer(json_integer_value(v))))
            return -1;
    }
    if (json_object_size(cur) == 0)
        json_object_del(holder, "Odt");
    return 0;
}

/* The first member an OnDemandThroughput object gives (its name), or NULL: the member a
 * refusal of the whole object names (AWS names MaxReadRequestUnits first). */
const char *api_odt_first(json_t *odt)
{
    for (int k = 0; k < 2; k++)
        if (json_is_integer(json_object_get(odt, api_odt_m[k])))
            return api_odt_m[k];
    return NULL;
}

/* The first member of an OnDemandThroughput object out of range, or NULL.  A ceiling is 1 or
 * more; -1 ("no ceiling") only where it removes one, i.e. in UpdateTable (`minus1`):
 * CreateTable and a new index refuse it (AWS, ack-api-quirks DDB-TABLE-039 for the table,
 * DDB-TABLE-128 for an index; 0 and -2 everywhere, DDB-TABLE-051). */
const char *api_odt_out_of_range(json_t *odt, bool minus1)
{
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(odt, api_odt_m[k]);
        json_int_t n = json_is_integer(v) ? json_integer_value(v) : 1;
        if (n < 1 && !(minus1 && n == -1))
            return api_odt_m[k];
    }
    return NULL;
}

/* An index's throughput entry in the metadata: its provisioned units, on an on-demand
 * table the ceilings its definition gives, and its warm throughput (a new reference; NULL
 * out of memory). */
json_t *api_gsi_entry(long long rcu, long long wcu, bool ppr, json_t *def)
{
    json_t *g = json_pack("{s:I,s:I}", "RCU", (json_int_t)rcu, "WCU", (json_int_t)wcu);
    if (g && ((ppr && api_odt_merge(g, json_object_get(def, "OnDemandThroughput"))) ||
              api_warm_init(g, ppr, json_object_get(def, "WarmThroughput")))) {
        json_decref(g);
        g = NULL;
    }
    return g;
}

/* A switch to PROVISIONED drops the on-demand ceilings of the table and of its indexes
 * (AWS, ack-api-quirks DDB-TABLE-153: the blocks are absent afterwards, not zeroed). */
void api_odt_drop_all(json_t *meta)
{
    json_object_del(meta, "Odt");
    const char *k;
    json_t *g;
    json_object_foreach(json_object_get(meta, "Gsi"), k, g)
    {
        json_object_del(g, "Odt");
    }
}

/* The request's SSESpecification, TableClass, DeletionProtectionEnabled and
 * OnDemandThroughput (those given), into a table's metadata: CreateTable and UpdateTable
 * alike.  OnDemandThroughput merges member by member; -1 removes a member's ceiling. */
int api_meta_set_options(json_t *meta, json_t *sse, const char *tclass, bool has_dp, bool dp,
                         json_t *odt)
{
    if ((sse && json_object_set(meta, "SSE", sse)) ||
        (tclass && json_object_set_new(meta, "TableClass", json_string(tclass))) ||
        (has_dp && json_object_set_new(meta, "DeletionProtection", json_boolean(dp))))
        return -1;
    return api_odt_merge(meta, odt);
}

/* The id of the account's AWS managed key for DynamoDB (alias/aws/dynamodb): one key in an
 * account and region, whatever the table (API Reference, SSESpecification: "the default
 * DynamoDB key alias/aws/dynamodb"), a UUID as KMS's key ids are; here made of the account and
 * the region, so it stays the same across restarts.  out: 37 bytes. */
static void sse_managed_key_id(const api_t *api, char out[37])
{
    static const unsigned char k[16] = "alias/aws/dynam"; /* 15 bytes and its NUL */
    char m[128];
    int n = snprintf(m, sizeof m, "%s|%s", api->account_id, api->region);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof m ? sizeof m - 1 : (size_t)n;
    uint64_t h[2];
    siphash24_128(k, (const unsigned char *)m, len, h);
    unsigned char b[16];
    base_le_put(b, h[0], 8);
    base_le_put(b + 8, h[1], 8);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

/* The ARN DescribeTable names for the KMS key of a table whose metadata meta has encryption
 * enabled (the key given, as an ARN when it is one, else an ARN made of it or, for the AWS
 * managed key, the account's one key: sse_managed_key_id; test_tables
 * test_aws_managed_key_is_one_per_account); NULL when the table has none (no KMS key) or out
 * of memory (*nomem then). */
const char *api_sse_key_arn(api_req *r, json_t *meta, bool *nomem)
{
    *nomem = false;
    json_t *sse = json_object_get(meta, "SSE");
    if (!json_is_true(json_object_get(sse, "Enabled")))
        return NULL;
    const char *key = json_string_value(json_object_get(sse, "KMSMasterKeyId"));
    if (key && strncmp(key, "arn:", 4) == 0)
        return key;
    char managed[37];
    if (!key) {
        sse_managed_key_id(r->api, managed);
        key = managed;
    }
    const char *ka = arena_printf(r->arena, "arn:aws:kms:%s:%s:key/%s", r->api->region,
                                  r->api->account_id, key);
    *nomem = ka == NULL;
    return ka;
}

/* ---- warm throughput -----------------------------------------------------------------
 * AWS describes a WarmThroughput for every table and GSI (ack-api-quirks lab, live AWS
 * 2026-10-08/09: DDB-TABLE-028 / 032 / 061 / 134 / 179 / 155): on-demand 12000 read and 4000
 * write units a second unless more was asked for; provisioned, the highest RCU / WCU it ever
 * had (never lowered by a decrease); a switch to on-demand raises it to 12000/4000 at least.
 * It only grows: UpdateTable may raise it (or repeat it), never lower it ("decreasing
 * WarmThroughput is not supported"), and while a raise is under way DescribeTable shows the
 * old values with Status UPDATING (TableStatus / IndexStatus stay ACTIVE), for
 * api->update_delay_ms here (AWS: minutes).  Kept in the metadata as
 * "Warm":{"R","W"[,"PrevR","PrevW","Until"]} (a table's or a GSI's entry); without it (tables
 * from before) the values are derived. */
const char *const api_warm_m[] = {"ReadUnitsPerSecond", "WriteUnitsPerSecond"};

/* m's warm throughput in effect (Until passed: the new values), stored or derived from its
 * billing (ppr) and units. */
static void warm_cur(json_t *m, bool ppr, long long out[2])
{
    json_t *w = json_object_get(m, "Warm");
    if (json_is_object(w)) {
        out[0] = api_meta_int(w, "R");
        out[1] = api_meta_int(w, "W");
        return;
    }
    out[0] = ppr ? API_WARM_OD_READ : api_meta_int(m, "RCU");
    out[1] = ppr ? API_WARM_OD_WRITE : api_meta_int(m, "WCU");
}

/* m's warm throughput as shown at `now`: while a raise is under way the values from before
 * it (the ones AWS still runs and compares a new request with, DDB-TABLE-049 / 179). */
bool api_warm_shown(json_t *m, bool ppr, int64_t now, long long out[2])
{
    json_t *w = json_object_get(m, "Warm");
    if (api_meta_int(w, "Until") > now) {
        out[0] = api_meta_int(w, "PrevR");
        out[1] = api_meta_int(w, "PrevW");
        return true;
    }
    warm_cur(m, ppr, out);
    return false;
}

/* Sets m's warm throughput to v; with until > 0 the values shown now stay shown (Status
 * UPDATING) until then (a second raise meanwhile wins, DDB-TABLE-459). */
int api_warm_set(json_t *m, bool ppr, const long long v[2], int64_t until)
{
    long long shown[2];
    api_warm_shown(m, ppr, base_wall_ms(), shown);
    json_t *w = json_pack("{s:I,s:I}", "R", (json_int_t)v[0], "W", (json_int_t)v[1]);
    if (w && until > 0 &&
        (json_object_set_new(w, "PrevR", json_integer(shown[0])) ||
         json_object_set_new(w, "PrevW", json_integer(shown[1])) ||
         json_object_set_new(w, "Until", json_integer(until)))) {
        json_decref(w);
        return -1;
    }
    return json_object_set_new(m, "Warm", w);
}

/* Stores m's derived warm throughput when it has none yet (before its billing changes). */
void api_warm_fix(json_t *m, bool ppr)
{
    if (!json_is_object(m) || json_is_object(json_object_get(m, "Warm")))
        return;
    long long v[2];
    warm_cur(m, ppr, v);
    api_warm_set(m, ppr, v, 0);
}

/* Raises m's warm throughput to at least r/w at once (a provisioned change, a switch to
 * on-demand): the high-water mark of DDB-TABLE-061 / 134. */
void api_warm_raise(json_t *m, bool ppr, long long r, long long w)
{
    long long cur[2];
    warm_cur(m, ppr, cur);
    json_t *old = json_object_get(m, "Warm");
    int64_t until = api_meta_int(old, "Until");
    if (r <= cur[0] && w <= cur[1] && json_is_object(old))
        return;
    long long v[2] = {r > cur[0] ? r : cur[0], w > cur[1] ? w : cur[1]};
    json_t *nw = json_pack("{s:I,s:I}", "R", (json_int_t)v[0], "W", (json_int_t)v[1]);
    if (nw && until > base_wall_ms()) { /* a raise under way stays shown as such */
        json_object_set(nw, "PrevR", json_object_get(old, "PrevR"));
        json_object_set(nw, "PrevW", json_object_get(old, "PrevW"));
        json_object_set_new(nw, "Until", json_integer(until));
    }
    if (nw)
        json_object_set_new(m, "Warm", nw);
}

/* The WarmThroughput description of m at `now`. */
static json_t *warm_json(json_t *m, bool ppr, int64_t now)
{
    long long v[2];
    warm_cur(m, ppr, v);
    json_t *w = json_object_get(m, "Warm");
    bool updating = api_meta_int(w, "Until") > now;
    if (updating) {
        v[0] = api_meta_int(w, "PrevR");
        v[1] = api_meta_int(w, "PrevW");
    }
    return json_pack("{s:I,s:I,s:s}", "ReadUnitsPerSecond", (json_int_t)v[0],
                     "WriteUnitsPerSecond", (json_int_t)v[1], "Status",
                     updating ? "UPDATING" : "ACTIVE");
}

/* A requested WarmThroughput (its members given) against the floor v: the member below it
 * (its name), or NULL. */
const char *api_warm_below(json_t *req, const long long floor[2])
{
    for (int k = 0; k < 2; k++) {
        json_t *x = json_object_get(req, api_warm_m[k]);
        if (json_is_integer(x) && json_integer_value(x) < floor[k])
            return api_warm_m[k];
    }
    return NULL;
}

/* The values a requested WarmThroughput asks for: its members, the others from base. */
void api_warm_want(json_t *req, const long long base[2], long long out[2])
{
    for (int k = 0; k < 2; k++) {
        json_t *x = json_object_get(req, api_warm_m[k]);
        out[k] = json_is_integer(x) ? (long long)json_integer_value(x) : base[k];
    }
}

/* A new table's or index's warm throughput: what its definition asks for (checked against
 * its floor), at least the derived one. */
int api_warm_init(json_t *m, bool ppr, json_t *req)
{
    long long base[2], v[2];
    warm_cur(m, ppr, base);
    api_warm_want(req, base, v);
    for (int k = 0; k < 2; k++)
        if (v[k] < base[k])
            v[k] = base[k];
    return api_warm_set(m, ppr, v, 0);
}

/* ---- descriptions -------------------------------------------------------------------- */

json_t *api_keyschema_json(const store_keydef *k)
{
    const char *names[STORE_KEY_ATTRS];
    av_type types[STORE_KEY_ATTRS];
    size_t nh, n = store_key_attrs(k, names, types, &nh);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "AttributeName", names[i], "KeyType",
                                           i < nh ? "HASH" : "RANGE"));
    return a;
}

const char *api_type_name(av_type t)
{
    return t == AV_N ? "N" : t == AV_B ? "B" : "S";
}

/* Names as the service orders AttributeDefinitions and NonKeyAttributes in a description:
 * ascending (AWS, ack-api-quirks DDB-TABLE-125: [z, a, m, sk, pk] comes back as
 * [a, m, pk, sk, z]).  By UTF-8 bytes, then length (a name may hold U+0000); the service's
 * order for names beyond ASCII was not measured. */
static int tbl_name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t m = al < bl ? al : bl;
    int c = m ? memcmp(a, b, m) : 0; /* a missing name (NULL, 0) sorts first */
    return c ? c : al < bl ? -1 : al > bl;
}

/* Inserts the new reference v into the array a (kept sorted by `name_of`); 0 or -1 (out of
 * memory: v released). */
static int tbl_insert_sorted(json_t *a, json_t *v, json_t *(*name_of)(json_t *))
{
    json_t *nv = name_of(v);
    size_t i = json_array_size(a);
    while (i > 0) {
        json_t *nx = name_of(json_array_get(a, i - 1));
        if (tbl_name_cmp(json_string_value(nx), json_string_length(nx), json_string_value(nv),
                         json_string_length(nv)) <= 0)
            break;
        i--;
    }
    return json_array_insert_new(a, i, v);
}

static json_t *tbl_self(json_t *v)
{
    return v;
}

static json_t *tbl_attr_name(json_t *v)
{
    return json_object_get(v, "AttributeName");
}

/* AttributeDefinitions as a description shows them: sorted by AttributeName (a new
 * reference; NULL out of memory). */
static json_t *tbl_attr_defs_sorted(json_t *ad)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ad, i, v)
    {
        if (!out || tbl_insert_sorted(out, json_incref(v), tbl_attr_name)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *api_projection_json(const store_index *ix)
{
    static const char *const names[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
    json_t *p = json_pack("{s:s}", "ProjectionType", names[ix->proj]);
    if (p && ix->proj == STORE_PROJ_INCLUDE) {
        json_t *a = json_array(); /* sorted by name: tbl_name_cmp */
        for (size_t i = 0; a && i < ix->n_include; i++) {
            json_t *n = json_string(ix->include[i]);
            if (!n || tbl_insert_sorted(a, n, tbl_self)) {
                json_decref(a);
                a = NULL;
            }
        }
        if (!a || json_object_set_new(p, "NonKeyAttributes", a)) {
            json_decref(p);
            return NULL;
        }
    }
    return p;
}

static char *tbl_arn(api_req *r, const char *name)
{
    return arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s", r->api->region,
                        r->api->account_id, name);
}

/* True while the table is UPDATING for its indexes: a GSI added by UpdateTable in its
 * resource allocation phase, or a deleted one not yet removed. */
bool api_table_updating(const store_table *t)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (t->idx[i].allocating)
            return true;
    return t->n_dropping > 0;
}

/* True while UpdateTable's change of the table's throughput or billing mode is in progress
 * (AWS: 1-2 s for throughput, a minute or more for billing; here api->update_delay_ms). */
static bool iops_updating_at(json_t *meta, int64_t now)
{
    return api_meta_int(meta, "UpdatingUntil") > now;
}

bool api_table_iops_updating(json_t *meta)
{
    return iops_updating_at(meta, base_wall_ms());
}

/* True while a stream change made under --table-delay is in progress (the table UPDATING,
 * "StreamUpdatingUntil" ms, "StreamUpdatingOp" ENABLE or DISABLE). */
static bool stream_updating_at(json_t *meta, int64_t now)
{
    return api_meta_int(meta, "StreamUpdatingUntil") > now;
}

bool api_table_stream_updating(json_t *meta)
{
    return stream_updating_at(meta, base_wall_ms());
}

/* True while a GSI is being created (allocated or filled) or deleted. */
bool api_table_index_busy(const store_table *t)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (t->idx[i].backfilling)
            return true;
    return t->n_dropping > 0;
}

/* True while a throughput change of the table or GSI whose metadata is m is in progress:
 * m holds the values from before the change ("PrevRCU", "PrevWCU") until "UpdatingUntil". */
bool api_tp_updating(json_t *m)
{
    return api_tp_capacity(m, base_wall_ms(), NULL) != 0;
}

/* The throughput m describes: while its change is in progress the old values, as AWS
 * answers and describes them (the 2011-12-05 API's UpdateTable: "While the table is in the
 * UPDATING state, the table still has the provisioned throughput from before the call";
 * measured by the public ack-api-quirks lab, DDB-TABLE-060 for a table and DDB-TABLE-165 for
 * a GSI; tests/e2e/test_tables_updating.py), then the new ones; as of `now`. */
static void tp_shown(json_t *m, int64_t now, long long *rcu, long long *wcu)
{
    int64_t cap[2];
    api_tp_capacity(m, now, cap);
    *rcu = cap[0];
    *wcu = cap[1];
}

/* Records a throughput change in m (a table's metadata or a GSI's entry): the new values,
 * and the old ones to show until `until` (ms; 0: at once, nothing kept). */
void api_tp_set(json_t *m, long long rcu, long long wcu, int64_t until)
{
    if (until > 0) {
        json_object_set_new(m, "PrevRCU", json_integer(api_meta_int(m, "RCU")));
        json_object_set_new(m, "PrevWCU", json_integer(api_meta_int(m, "WCU")));
        json_object_set_new(m, "UpdatingUntil", json_integer(until));
    } else {
        json_object_del(m, "PrevRCU");
        json_object_del(m, "PrevWCU");
    }
    json_object_set_new(m, "RCU", json_integer(rcu));
    json_object_set_new(m, "WCU", json_integer(wcu));
}

/* ---- throughput dates ---------------------------------------------------------------------
 * AWS stamps a provisioned throughput change of a table or a GSI (dynalite's
 * test/updateTable.js, run against AWS: "should triple rates and then reduce if requested"):
 * UpdateTable's answer already carries LastIncreaseDateTime (an increase) or
 * LastDecreaseDateTime (a decrease) of the call, NumberOfDecreasesToday unchanged; once the
 * change is done (ACTIVE) the date is that of the completion, later than the answer's, and a
 * decrease counts in NumberOfDecreasesToday (decreases of the current UTC day).  A table never
 * changed has neither date (AWS's DeleteTable example in the API Reference and real
 * accounts' DescribeTable output: {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, ...}).
 * DynamoDB Local describes both dates as 0 and counts nothing (test_tables
 * test_update_table_throughput_dates names it).  A change raising one value and lowering the
 * other is stamped both ways and counts as a decrease (AWS, ack-api-quirks DDB-TABLE-157:
 * "RCU down with WCU up also = one decrease"); a billing mode switch stamps no date, and a
 * switch to PAY_PER_REQUEST counts one decrease of each GSI, none of the table (DDB-TABLE-153).
 *
 * The decrease budget (AWS, ack-api-quirks DDB-TABLE-184 / 185 / 326 / 157, live probes
 * 2026-10-09): 4 decreases per UTC day, then one 3600 s after the last one completed, the
 * count starting again at 00:00 UTC; the table and each GSI have budgets of their own.
 * Past it: LimitExceededException naming the next allowed time (TXT_UT_DECREASES). */

#define MS_PER_DAY 86400000LL
#define TP_FREE_DECREASES 4    /* per UTC day, then one an hour */
#define TP_DECREASE_GAP 3600000 /* ms */

/* Counts one decrease of m completed at t (ms): the count restarts on a new UTC day. */
void api_tp_count_decrease(json_t *m, int64_t t)
{
    int64_t day = t / MS_PER_DAY;
    long long n = api_meta_int(m, "DecDay") == day ? api_meta_int(m, "Decreases") : 0;
    json_object_set_new(m, "DecDay", json_integer(day));
    json_object_set_new(m, "Decreases", json_integer(n + 1));
}

/* Folds a change of m that completed by `now` into its dates and count. */
void api_tp_settle(json_t *m, int64_t now)
{
    long long pending = api_meta_int(m, "Pending");
    int64_t until = api_meta_int(m, "UpdatingUntil");
    if (!pending || until > now)
        return;
    if (pending > 0 || pending == -2) /* -2: one value up, the other down */
        json_object_set_new(m, "LastIncrease", json_integer(until));
    if (pending < 0) {
        json_object_set_new(m, "LastDecrease", json_integer(until));
        api_tp_count_decrease(m, until);
    }
    json_object_del(m, "Pending");
}

/* Stamps m (a table's metadata or a GSI's entry, before api_tp_set writes rcu/wcu into it) with
 * the change to rcu/wcu made at `now`, completing at `until` (0: at once). */
void api_tp_stamp(json_t *m, long long rcu, long long wcu, int64_t now, int64_t until)
{
    api_tp_settle(m, now);
    long long cr = api_meta_int(m, "RCU"), cw = api_meta_int(m, "WCU");
    bool inc = rcu > cr || wcu > cw, dec = rcu < cr || wcu < cw;
    if (inc)
        json_object_set_new(m, "LastIncrease", json_integer(now));
    if (dec)
        json_object_set_new(m, "LastDecrease", json_integer(now));
    json_object_del(m, "Pending");
    if (until <= 0) {
        if (dec)
            api_tp_count_decrease(m, now);
    } else if (inc || dec) {
        json_object_set_new(m, "Pending", json_integer(!dec ? 1 : inc ? -2 : -1));
    }
}

/* `ms` as the service writes a time in the decrease budget's text, e.g. "Thursday, October 8,
 * 2026 at 11:20:48 PM Coordinated Universal Time" (ack-api-quirks DDB-TABLE-184 / 326; a
 * 2023 capture of the same text in a public script). */
static void tp_date_text(int64_t ms, char out[128])
{
    static const char *const wd[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
    static const char *const mo[] = {"January", "February", "March",     "April",
                                     "May",     "June",     "July",      "August",
                                     "September", "October", "November", "December"};
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(out, 128, "%lld", (long long)ms);
        return;
    }
    int h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
    snprintf(out, 128, "%s, %s %d, %d at %d:%02d:%02d %s Coordinated Universal Time",
             wd[tm.tm_wday % 7], mo[tm.tm_mon % 12], tm.tm_mday, tm.tm_year + 1900, h, tm.tm_min,
             tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
}

/* The decrease budget of m (a table's metadata or a GSI's entry, settled) for a change to
 * rcu/wcu at `now`: 0, or LimitExceededException with the service's text when it lowers a
 * value and the day's 4 decreases are spent and the last was less than an hour ago. */
int api_tp_decrease_budget(api_req *r, json_t *m, long long rcu, long long wcu, int64_t now)
{
    if (!(rcu < api_meta_int(m, "RCU") || wcu < api_meta_int(m, "WCU")))
        return 0;
    long long n = api_meta_int(m, "DecDay") == now / MS_PER_DAY ? api_meta_int(m, "Decreases") : 0;
    int64_t last = api_meta_int(m, "LastDecrease");
    int64_t next = last + TP_DECREASE_GAP, midnight = (now / MS_PER_DAY + 1) * MS_PER_DAY;
    if (next > midnight)
        next = midnight;
    if (n < TP_FREE_DECREASES || now >= next)
        return 0;
    char ls[128], ns[128];
    tp_date_text(last, ls);
    tp_date_text(next, ns);
    return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_UT_DECREASES, n, ls, ns);
}

/* The ProvisionedThroughput description of m at `now`: the dates that were stamped, the
 * decreases of the current UTC day, and rcu/wcu. */
static json_t *tp_json(json_t *m, int64_t now, long long rcu, long long wcu)
{
    json_t *c = json_deep_copy(json_is_object(m) ? m : NULL);
    if (!c)
        c = json_object();
    api_tp_settle(c, now);
    json_t *o = json_object();
    long long li = api_meta_int(c, "LastIncrease"), ld = api_meta_int(c, "LastDecrease");
    if (li > 0)
        json_object_set_new(o, "LastIncreaseDateTime", api_ms_json(li));
    if (ld > 0)
        json_object_set_new(o, "LastDecreaseDateTime", api_ms_json(ld));
    long long n = api_meta_int(c, "DecDay") == now / MS_PER_DAY ? api_meta_int(c, "Decreases") : 0;
    json_object_set_new(o, "NumberOfDecreasesToday", json_integer(n));
    json_object_set_new(o, "ReadCapacityUnits", json_integer(rcu));
    json_object_set_new(o, "WriteCapacityUnits", json_integer(wcu));
    json_decref(c);
    return o;
}

/* True while a GSI of the table (meta) has a throughput Update in progress. */
bool api_table_gsi_updating(json_t *meta)
{
    const char *k;
    json_t *g;
    json_object_foreach(json_object_get(meta, "Gsi"), k, g)
    {
        if (api_tp_updating(g))
            return true;
    }
    return false;
}

/* ---- a table restored from a backup (op_backup.c writes "Restore") ---------------------- */

const char *api_restore_status(json_t *meta, const char *status)
{
    json_t *res = json_object_get(meta, "Restore");
    if (json_is_object(res) && json_is_true(json_object_get(res, "InProgress")) &&
        strcmp(status, "ACTIVE") == 0)
        return "CREATING";
    return status;
}

void api_restore_summary(json_t *meta, json_t *desc)
{
    json_t *res = json_object_get(meta, "Restore");
    if (!json_is_object(res))
        return;
    json_t *s = json_object();
    json_object_set(s, "SourceBackupArn", json_object_get(res, "SourceBackupArn"));
    if (json_object_get(res, "SourceTableArn"))
        json_object_set(s, "SourceTableArn", json_object_get(res, "SourceTableArn"));
    json_object_set_new(s, "RestoreDateTime", api_ms_json(api_meta_int(res, "RestoreDateTime")));
    json_object_set_new(s, "RestoreInProgress",
                        json_boolean(json_is_true(json_object_get(res, "InProgress"))));
    json_object_set_new(desc, "RestoreSummary", s);
}

/* The full TableDescription.  status: "ACTIVE", "DELETING", "UPDATING", ...  creating_gsi:
 * the name of a GSI just added by UpdateTable (described as CREATING), or NULL. */
int api_table_describe_as(api_req *r, const store_table *t, const char *status,
                          const char *creating_gsi, json_t **out)
{
    return api_table_describe_at(r, t, status, creating_gsi, base_wall_ms(), out);
}

/* The table's AttributeDefinitions, sorted by name (DDB-TABLE-125): the metadata's, or for a
 * table created without api/ metadata (e.g. by the CLI) its key attributes.  A new reference;
 * NULL when out of memory. */
static json_t *tbl_attr_defs(const store_table *t, json_t *meta)
{
    json_t *ad = json_object_get(meta, "AttributeDefinitions");
    if (json_is_array(ad)) {
        ad = json_incref(ad);
    } else {
        ad = json_array();
        json_array_append_new(ad, json_pack("{s:s,s:s}", "AttributeName", t->key.hash,
                                            "AttributeType", api_type_name(t->key.hash_type)));
        if (t->key.range[0])
            json_array_append_new(ad, json_pack("{s:s,s:s}", "AttributeName", t->key.range,
                                                "AttributeType", api_type_name(t->key.range_type)));
    }
    json_t *ads = tbl_attr_defs_sorted(ad);
    json_decref(ad);
    return ads;
}

/* What every index's description of one table shares (api_table_describe_at's). */
typedef struct tbl_desc_ctx {
    api_req *r;
    const store_table *t;
    json_t *gmeta;            /* the table metadata's "Gsi" (borrowed) */
    const char *arn;          /* the table's ARN */
    const char *creating_gsi; /* a GSI just added by UpdateTable, or NULL */
    bool tbl_creating;        /* the table is CREATING (--table-delay) */
    bool ppr;                 /* on-demand */
    int64_t now;
} tbl_desc_ctx;

/* One index's description (an element of LocalSecondaryIndexes or GlobalSecondaryIndexes)
 * into *out (new reference); deleting: a GSI being removed.  ERR_* from the store's counts. */
static int tbl_index_describe(const tbl_desc_ctx *c, const store_index *ix, bool deleting,
                              json_t **out)
{
    api_req *r = c->r;
    const store_table *t = c->t;
    json_t *x = json_object();
    json_object_set_new(x, "IndexName", json_string(ix->name));
    json_object_set_new(x, "KeySchema", api_keyschema_json(&ix->key));
    json_object_set_new(x, "Projection", api_projection_json(ix));
    /* a GSI added by UpdateTable: CREATING in UpdateTable's reply (AWS's first phase,
     * without Backfilling), then CREATING with Backfilling false while its resources
     * are allocated, CREATING with Backfilling true while it is filled from the table's
     * items, then ACTIVE without Backfilling; a deleted one DELETING until it is gone */
    bool ut_creating = ix->global && c->creating_gsi && strcmp(c->creating_gsi, ix->name) == 0;
    bool creating = ut_creating || (ix->global && c->tbl_creating);
    if (ix->global) {
        json_t *g = json_object_get(c->gmeta, ix->name);
        /* a throughput Update of the GSI: UPDATING for a while, with its old throughput
         * (tp_shown) */
        bool updating =
            !deleting && !creating && !ix->backfilling && api_tp_capacity(g, c->now, NULL) != 0;
        json_object_set_new(x, "IndexStatus",
                            json_string(deleting                      ? "DELETING"
                                        : creating || ix->backfilling ? "CREATING"
                                        : updating                    ? "UPDATING"
                                                                      : "ACTIVE"));
        if (!creating && !deleting && ix->backfilling)
            json_object_set_new(x, "Backfilling", json_boolean(!ix->allocating));
        /* an on-demand table's GSIs report 0/0 too (AWS, ack-api-quirks DDB-TABLE-133;
         * DynamoDB Local leaves the block out) */
        if (!deleting || g) {
            long long gr, gw;
            tp_shown(g, c->now, &gr, &gw);
            json_object_set_new(x, "ProvisionedThroughput",
                                tp_json(g, c->now, c->ppr ? 0 : gr, c->ppr ? 0 : gw));
        }
        if (!deleting)
            json_object_set_new(x, "WarmThroughput", warm_json(g, c->ppr, c->now));
        /* an on-demand table's index ceilings (an Update's OnDemandThroughput) */
        json_t *godt = json_object_get(g, "Odt");
        if (c->ppr && json_is_object(godt))
            json_object_set(x, "OnDemandThroughput", godt);
    }
    if (!ut_creating) {
        uint64_t ic = 0, ib = 0;
        int rc = store_table_stats(r->api->store, t, ix, &ic, &ib, r->err);
        if (rc) {
            json_decref(x);
            return rc;
        }
        json_object_set_new(x, "IndexSizeBytes", json_integer((json_int_t)ib));
        json_object_set_new(x, "ItemCount", json_integer((json_int_t)ic));
    }
    json_object_set_new(x, "IndexArn",
                        json_string(arena_printf(r->arena, "%s/index/%s", c->arn, ix->name)));
    *out = x;
    return 0;
}

int api_table_describe_damaged(api_req *r, const store_table *t, const char *status,
                               json_t **out)
{
    const char *name = api_table_name(t);
    const char *arn = tbl_arn(r, name);
    uint64_t count = 0, bytes = 0;
    int rc = store_table_stats(r->api->store, t, NULL, &count, &bytes, r->err);
    if (rc)
        return rc;
    json_t *d = arn ? json_pack("{s:o,s:s,s:o,s:s,s:o,s:I,s:I,s:s}", "AttributeDefinitions",
                                tbl_attr_defs(t, NULL), "TableName", name, "KeySchema",
                                api_keyschema_json(&t->key), "TableStatus", status,
                                "CreationDateTime", api_ms_json(t->created_ms),
                                "TableSizeBytes", (json_int_t)bytes, "ItemCount",
                                (json_int_t)count, "TableArn", arn)
                    : NULL;
    if (!d)
        return api_nomem(r);
    *out = d;
    return 0;
}

int api_table_describe_at(api_req *r, const store_table *t, const char *status,
                          const char *creating_gsi, int64_t now, json_t **out)
{
    int rc = 0;
    json_t *meta = api_table_meta(t);
    json_t *d = json_object();
    const char *name = api_table_name(t);
    const char *arn = tbl_arn(r, name);
    if (!arn || !meta) {
        rc = meta ? api_nomem(r) : api_table_meta_fail(r, t);
        goto done;
    }

    json_t *ads = tbl_attr_defs(t, meta);
    if (!ads || json_object_set_new(d, "AttributeDefinitions", ads)) {
        rc = api_nomem(r);
        goto done;
    }
    json_object_set_new(d, "TableName", json_string(name));
    json_object_set_new(d, "KeySchema", api_keyschema_json(&t->key));
    /* UPDATING while a GSI added by UpdateTable is in its resource allocation phase or a
     * deleted one is being removed; ACTIVE again while a new GSI backfills (AWS's phases,
     * tests/e2e/test_gsi_lifecycle.py) */
    /* --table-delay: CREATING until its time, the GSIs made with it too (dynalite's
     * AWS-recorded createTable tests) */
    bool tbl_creating = strcmp(status, "ACTIVE") == 0 && api_table_creating_until(r->api, t);
    if (tbl_creating)
        status = "CREATING";
    if (strcmp(status, "ACTIVE") == 0 &&
        (api_table_updating(t) || iops_updating_at(meta, now) || stream_updating_at(meta, now) ||
         api_vix_updating(r->api, meta, now)))
        status = "UPDATING";
    json_object_set_new(d, "TableStatus", json_string(api_restore_status(meta, status)));
    json_object_set_new(d, "CreationDateTime", api_ms_json(t->created_ms));

    bool ppr = api_meta_is_ppr(meta);
    long long rcu, wcu;
    tp_shown(meta, now, &rcu, &wcu);
    json_object_set_new(d, "ProvisionedThroughput",
                        tp_json(meta, now, ppr ? 0 : rcu, ppr ? 0 : wcu));
    json_object_set_new(d, "WarmThroughput", warm_json(meta, ppr, now));

    uint64_t count = 0, bytes = 0;
    if ((rc = store_table_stats(r->api->store, t, NULL, &count, &bytes, r->err)))
        goto done;
    json_object_set_new(d, "TableSizeBytes", json_integer((json_int_t)bytes));
    json_object_set_new(d, "ItemCount", json_integer((json_int_t)count));
    json_object_set_new(d, "TableArn", json_string(arn));
    json_t *tid = json_object_get(meta, "TableId");
    if (json_is_string(tid))
        json_object_set(d, "TableId", tid);
    if (ppr || json_object_get(meta, "PprSince")) {
        json_t *bms = json_pack("{s:s}", "BillingMode", ppr ? "PAY_PER_REQUEST" : "PROVISIONED");
        if (json_object_get(meta, "PprSince"))
            json_object_set_new(bms, "LastUpdateToPayPerRequestDateTime",
                                api_ms_json(api_meta_int(meta, "PprSince")));
        json_object_set_new(d, "BillingModeSummary", bms);
    }
    api_tdesc_mirror_ttms(d);

    json_t *lsis = json_array(), *gsis = json_array();
    tbl_desc_ctx dc = {.r = r,
                       .t = t,
                       .gmeta = json_object_get(meta, "Gsi"),
                       .arn = arn,
                       .creating_gsi = creating_gsi,
                       .tbl_creating = tbl_creating,
                       .ppr = ppr,
                       .now = now};
    /* the live indexes, then the GSIs being deleted (IndexStatus DELETING) */
    for (size_t i = 0; i < t->n_idx + t->n_dropping; i++) {
        bool deleting = i >= t->n_idx;
        const store_index *ix = deleting ? &t->dropping[i - t->n_idx] : &t->idx[i];
        json_t *x;
        if ((rc = tbl_index_describe(&dc, ix, deleting, &x))) {
            json_decref(lsis);
            json_decref(gsis);
            goto done;
        }
        json_array_append_new(ix->global ? gsis : lsis, x);
    }
    if (json_array_size(lsis))
        json_object_set(d, "LocalSecondaryIndexes", lsis);
    if (json_array_size(gsis))
        json_object_set(d, "GlobalSecondaryIndexes", gsis);
    json_decref(lsis);
    json_decref(gsis);
    if ((rc = api_vix_describe(r, t, meta, arn, d)))
        goto done;

    /* the stream (store state): StreamSpecification while enabled; the latest stream's label
     * and ARN also after it was disabled (DynamoDB Local; AWS the same) */
    if (t->stream_view)
        json_object_set_new(d, "StreamSpecification",
                            json_pack("{s:b,s:s}", "StreamEnabled", 1, "StreamViewType",
                                      api_stream_view_name(t->stream_view)));
    if (t->stream_id) {
        const char *label = api_stream_label(r->arena, t->stream_ms);
        const char *sarn = api_stream_arn(r, name, t->stream_ms);
        if (!label || !sarn) {
            rc = api_nomem(r);
            goto done;
        }
        json_object_set_new(d, "LatestStreamLabel", json_string(label));
        json_object_set_new(d, "LatestStreamArn", json_string(sarn));
    }
    /* the service describes encryption only with a KMS key (Enabled true); the table class
     * and on-demand ceilings when they were set (DynamoDB Local describes none of them) */
    bool nomem;
    const char *ka = api_sse_key_arn(r, meta, &nomem);
    if (nomem) {
        rc = api_nomem(r);
        goto done;
    }
    if (ka) {
        json_object_set_new(d, "SSEDescription",
                            json_pack("{s:s,s:s,s:s}", "Status", "ENABLED", "SSEType", "KMS",
                                      "KMSMasterKeyArn", ka));
    }
    const char *tclass = json_string_value(json_object_get(meta, "TableClass"));
    if (tclass)
        json_object_set_new(d, "TableClassSummary", json_pack("{s:s}", "TableClass", tclass));
    json_t *odt = json_object_get(meta, "Odt");
    if (json_is_object(odt))
        json_object_set(d, "OnDemandThroughput", odt);
    json_object_set_new(d, "DeletionProtectionEnabled",
                        json_boolean(json_is_true(json_object_get(meta, "DeletionProtection"))));
    api_restore_summary(meta, d); /* a table restored from a backup (op_backup.c) */
done:
    json_decref(meta);
    if (rc) {
        json_decref(d);
        d = NULL;
    }
    *out = d;
    return rc;
}

int api_table_describe(api_req *r, const store_table *t, const char *status, json_t **out)
{
    return api_table_describe_as(r, t, status, NULL, out);
}

void api_tdesc_mirror_ttms(json_t *desc)
{
    json_t *bms = json_object_get(desc, "BillingModeSummary");
    if (!json_is_object(bms)) {
        json_object_del(desc, "TableThroughputModeSummary");
        return;
    }
    json_t *ttms = json_object();
    if (!ttms)
        return;
    json_t *mode = json_object_get(bms, "BillingMode");
    json_t *since = json_object_get(bms, "LastUpdateToPayPerRequestDateTime");
    if (mode)
        json_object_set(ttms, "TableThroughputMode", mode);
    if (since)
        json_object_set(ttms, "LastUpdateToPayPerRequestDateTime", since);
    json_object_set_new(desc, "TableThroughputModeSummary", ttms);
}
