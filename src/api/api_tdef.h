/*
 * api_tdef — a table's definition in a request, parsed and checked (api_tdef.c).  Layer: api
 * (private).  For CreateTable and UpdateTable.
 */
#ifndef DDB_API_API_TDEF_H
#define DDB_API_API_TDEF_H

#include "api/api_int.h"

#define API_TDEF_MAX_THROUGHPUT 40000
#define API_TDEF_MAX_UNITS 1000000000000LL /* beyond: "Given value .. is out of bounds" */
#define API_TDEF_MAX_PROJECTED 100 /* NonKeyAttributes summed over all indexes */

typedef struct api_tdef_attr {
    const char *name;
    av_type type;
    bool used;
} api_tdef_attr;
typedef struct api_tdef_attrs {
    api_tdef_attr *a;
    size_t n;
} api_tdef_attrs;
/* The definition of attribute `name` in as, or NULL. */
api_tdef_attr *api_tdef_attrs_find(api_tdef_attrs *as, const char *name);
/* AttributeDefinitions: each {AttributeName, AttributeType}, unique names. */
int api_tdef_parse_attrs(api_req *r, json_t *ad, api_tdef_attrs *out);
/* A parsed KeySchema: the partition key attributes, then the sort key attributes (one of
 * each at most, except in a GSI's key: up to STORE_KEY_PARTS of each). */
typedef struct api_tdef_ks {
    const char *h[STORE_KEY_PARTS], *r[STORE_KEY_PARTS];
    size_t nh, nr;
} api_tdef_ks;
/* A KeySchema (table or index): HASH first, optional RANGE (a GSI's: parse_gsi_keyschema).
 * Names only; types later. */
int api_tdef_parse_keyschema(api_req *r, json_t *ks, bool gsi, api_tdef_ks *out);
/* A ProvisionedThroughput object: both units present and in 1..40000. */
typedef struct api_tdef_tp {
    bool present;
    long long rcu, wcu;
} api_tdef_tp;
/* o[key], a ProvisionedThroughput, into *tp (tp->present false when absent; gsi unused):
 * 0; 1 when a unit is missing or below 1, 2 when one is above API_TDEF_MAX_THROUGHPUT (the
 * caller reports them with its text); or a negative ERR_* of a member of the wrong type. */
int api_tdef_parse_throughput(api_req *r, json_t *o, const char *key, bool gsi, api_tdef_tp *tp);
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
int api_tdef_tp_over_max(api_req *r, const api_tdef_tp *tp, const char *index);
/* The first of odt's ceilings (api_odt_m) over the per-table 40,000 units, or -1. */
int api_tdef_odt_over(json_t *odt);
/* An on-demand ceiling over the per-table 40,000 units: LimitExceededException naming the member
 * (MaxReadRequestUnits first) and the account's quota, for the table or an index (AWS,
 * ack-api-quirks DDB-TABLE-171, 2026-10-08: "Subscriber limit exceeded: Requested
 * MaxReadRequestUnits for OnDemandThroughput for table exceeds TableMaxReadCapacityUnits of the
 * account in region REGION", "(and 'for index : gsi1')"; the index text's joins as
 * TXT_GSI_ODT_RANGE's, inferred).  A quota, checked after the ceilings' own validation. */
int api_tdef_odt_over_max(api_req *r, json_t *odt, const char *index);
/* g's ProvisionedThroughput into tp; over 40,000 units: with *over (CreateTable, whose quota
 * check comes after the whole request's validation) the first such index is kept there and 0
 * returned, else the refusal now (api_tdef_tp_over_max). */
int api_tdef_check_gsi_throughput(api_req *r, json_t *g, api_tdef_tp *tp, json_t **over);
/* Common to LSI and GSI definitions: name, key schema, projection. */
int api_tdef_parse_index_common(api_req *r, json_t *x, bool gsi, store_index *ix, api_tdef_ks *key,
                                size_t *total_proj);
/* True when entry i of `a` has the IndexName of an earlier entry of `a` (other == NULL) or
 * of any entry of `other`. */
bool api_tdef_index_name_dup(json_t *a, size_t i, json_t *other);
/* k as a key of hash (type ht) and, when range is not NULL, range (type rt). */
void api_tdef_keydef_set(store_keydef *k, const char *hash, av_type ht, const char *range,
                         av_type rt);
/* A GSI's key from its parsed KeySchema, each attribute's type from the definitions (marked
 * used); ERR_VALIDATION naming the first attribute (in key order) that is not defined.  The
 * further attributes' names point into the request (store_alter_add_index /
 * store_table_create copy them). */
int api_tdef_gsi_keydef(api_req *r, const api_tdef_ks *ks, api_tdef_attrs *attrs, store_keydef *k);
/* create: CreateTable, where the service words a view type missing or present against
 * StreamEnabled as a table "being created" (test_tables AWS_CREATE stream-no-view,
 * stream-view-when-disabled); UpdateTable has texts of its own (api_text.h). */
int api_tdef_parse_stream(api_req *r, json_t *ss, bool create, json_t **out_stream);
/* Merges tags (array of {Key,Value}) into meta["Tags"], later keys replacing earlier. */
void api_tdef_tags_merge(json_t *meta, json_t *tags);
/* Key attribute names, projected names and the TTL attribute are kept as C strings by the
 * store: one holding U+0000 (legal in the model, no pattern) is refused here rather than cut
 * short at the NUL (ddbchat's own rule and text; the service stores such names). */
int api_tdef_tbl_names_nul_check(api_req *r);
/* o[key] when present and not JSON null. */
json_t *api_tdef_jparam(json_t *o, const char *key);
/* A JSON string member's bytes (NULL when absent). */
const char *api_tdef_js(json_t *o, const char *key, size_t *len);
/* A key schema against the definitions: defined, distinct, HASH then RANGE (2 at most).  A
 * GSI's may have several HASH and RANGE entries (multi-attribute keys: their rules are
 * parse_gsi_keyschema's), so there a second HASH is no error here. */
int api_tdef_ct_key_schema(api_req *r, json_t *ks, json_t *defs, json_t *dset, bool gsi);
/* CreateTable's rules beyond the model's constraints, in the service's order: billing and
 * throughput, the table's key schema against AttributeDefinitions, the LSIs, the GSIs,
 * definitions left unused.  (The request's shape, lengths and enums: api_schema.c.) */
int api_tdef_ct_check(api_req *r, json_t *body, bool ppr);
/* An SSESpecification's members together (CreateTable and UpdateTable; sse borrowed, NULL
 * passes): Enabled false with an SSEType or a KMSMasterKeyId, SSEType AES256, a
 * KMSMasterKeyId without SSEType KMS.  0 or ERR_VALIDATION with the service's text. */
int api_tdef_sse_check(api_req *r, json_t *sse);

#endif
