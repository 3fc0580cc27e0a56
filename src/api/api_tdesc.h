/*
 * api_tdesc — a table's settings in its metadata and in its description (api_tdesc.c).
 * Layer: api (private).  For the table operations; api_table_describe, api_odt_merge and
 * api_odt_out_of_range, which backups use too, are declared in api_int.h.
 */
#ifndef DDB_API_API_TDESC_H
#define DDB_API_API_TDESC_H

#include "api/api_int.h"

/* An on-demand table's or GSI's warm throughput unless more was asked for (AWS: 12000 read,
 * 4000 write units a second). */
#define API_WARM_OD_READ 12000
#define API_WARM_OD_WRITE 4000

/* A description's BillingModeSummary (may be absent or have changed) mirrored into the
 * TableThroughputModeSummary AWS sends beside it: present exactly when it is, the same mode
 * (as TableThroughputMode) and LastUpdateToPayPerRequestDateTime (AWS 2026-08-21, ExtendDB's
 * tests/test_table_throughput_mode.py; test_tables test_table_throughput_mode_summary). */
void api_tdesc_mirror_ttms(json_t *desc);
/* OnDemandThroughput's members: MaxReadRequestUnits, MaxWriteRequestUnits. */
extern const char *const api_odt_m[2];
/* The first member an OnDemandThroughput object gives (its name), or NULL: the member a
 * refusal of the whole object names (AWS names MaxReadRequestUnits first). */
const char *api_odt_first(json_t *odt);
/* An index's throughput entry in the metadata: its provisioned units, on an on-demand table
 * the ceilings its definition gives, and its warm throughput (api_warm_init of the
 * definition's WarmThroughput); a new reference, NULL out of memory. */
json_t *api_gsi_entry(long long rcu, long long wcu, bool ppr, json_t *def);
/* A switch to PROVISIONED drops the on-demand ceilings of the table and of its indexes
 * (AWS, ack-api-quirks DDB-TABLE-153: the blocks are absent afterwards, not zeroed). */
void api_odt_drop_all(json_t *meta);
/* The request's SSESpecification, TableClass, DeletionProtectionEnabled and
 * OnDemandThroughput (those given), into a table's metadata: CreateTable and UpdateTable
 * alike.  OnDemandThroughput merges member by member; -1 removes a member's ceiling.  0, or -1
 * out of memory (meta then changed in part: the caller drops it). */
int api_meta_set_options(json_t *meta, json_t *sse, const char *tclass, bool has_dp, bool dp,
                         json_t *odt);
/* The ARN DescribeTable names for the KMS key of a table whose metadata meta has encryption
 * enabled (the key given, as an ARN when it is one, else an ARN made of it or, for the AWS
 * managed key, of the table's id); NULL when the table has none (no KMS key) or out of
 * memory (*nomem then). */
const char *api_sse_key_arn(api_req *r, json_t *meta, bool *nomem);
/* WarmThroughput's members: ReadUnitsPerSecond, WriteUnitsPerSecond. */
extern const char *const api_warm_m[2];
/* m's warm throughput as shown at `now`: while a raise is under way the values from before
 * it (the ones AWS still runs and compares a new request with, DDB-TABLE-049 / 179). */
bool api_warm_shown(json_t *m, bool ppr, int64_t now, long long out[2]);
/* Sets m's warm throughput to v; with until > 0 the values shown now stay shown (Status
 * UPDATING) until then (a second raise meanwhile wins, DDB-TABLE-459).  0, or -1 out of
 * memory (m unchanged). */
int api_warm_set(json_t *m, bool ppr, const long long v[2], int64_t until);
/* Stores m's derived warm throughput when it has none yet (before its billing changes). */
void api_warm_fix(json_t *m, bool ppr);
/* Raises m's warm throughput to at least r/w at once (a provisioned change, a switch to
 * on-demand): the high-water mark of DDB-TABLE-061 / 134. */
void api_warm_raise(json_t *m, bool ppr, long long r, long long w);
/* A requested WarmThroughput (its members given) against the floor v: the member below it
 * (its name), or NULL. */
const char *api_warm_below(json_t *req, const long long floor[2]);
/* The values a requested WarmThroughput asks for: its members, the others from base. */
void api_warm_want(json_t *req, const long long base[2], long long out[2]);
/* A new table's or index's warm throughput: what its definition asks for (checked against
 * its floor), at least the derived one.  0, or -1 out of memory. */
int api_warm_init(json_t *m, bool ppr, json_t *req);
/* An attribute type's name as AttributeDefinitions write it: "S", "N" or "B". */
const char *api_type_name(av_type t);
/* True while the table is UPDATING for its indexes: a GSI added by UpdateTable in its
 * resource allocation phase, or a deleted one not yet removed. */
bool api_table_updating(const store_table *t);
/* True while UpdateTable's change of the table's throughput or billing mode is in progress
 * (AWS: 1-2 s for throughput, a minute or more for billing; here api->update_delay_ms). */
bool api_table_iops_updating(json_t *meta);
/* True while a stream change made under --table-delay is in progress (the table UPDATING,
 * "StreamUpdatingUntil" ms, "StreamUpdatingOp" ENABLE or DISABLE). */
bool api_table_stream_updating(json_t *meta);
/* True while a GSI is being created (allocated or filled) or deleted. */
bool api_table_index_busy(const store_table *t);
/* True while a throughput change of the table or GSI whose metadata is m is in progress:
 * m holds the values from before the change ("PrevRCU", "PrevWCU") until "UpdatingUntil". */
bool api_tp_updating(json_t *m);
/* Records a throughput change in m (a table's metadata or a GSI's entry): the new values,
 * and the old ones to show until `until` (ms; 0: at once, nothing kept). */
void api_tp_set(json_t *m, long long rcu, long long wcu, int64_t until);
/* Counts one decrease of m completed at t (ms): the count restarts on a new UTC day. */
void api_tp_count_decrease(json_t *m, int64_t t);
/* Folds a change of m that completed by `now` into its dates and count. */
void api_tp_settle(json_t *m, int64_t now);
/* Stamps m (a table's metadata or a GSI's entry, before api_tp_set writes rcu/wcu into it) with
 * the change to rcu/wcu made at `now`, completing at `until` (0: at once). */
void api_tp_stamp(json_t *m, long long rcu, long long wcu, int64_t now, int64_t until);
/* The decrease budget of m (a table's metadata or a GSI's entry, settled) for a change to
 * rcu/wcu at `now`: 0, or LimitExceededException with the service's text when it lowers a
 * value and the day's 4 decreases are spent and the last was less than an hour ago. */
int api_tp_decrease_budget(api_req *r, json_t *m, long long rcu, long long wcu, int64_t now);
/* True while a GSI of the table (meta) has a throughput Update in progress. */
bool api_table_gsi_updating(json_t *meta);
/* The full TableDescription.  status: "ACTIVE", "DELETING", "UPDATING", ...  creating_gsi:
 * the name of a GSI just added by UpdateTable (described as CREATING), or NULL. */
int api_table_describe_as(api_req *r, const store_table *t, const char *status,
                          const char *creating_gsi, json_t **out);
/* What is known of a table whose metadata is damaged (api_table_meta_damaged): its name,
 * status, key schema and key attributes (the store's descriptor), ARN, creation time and
 * size.  Into *out (new reference); ERR_NOMEM, or the store's error from its counts. */
int api_table_describe_damaged(api_req *r, const store_table *t, const char *status,
                               json_t **out);
/* api_table_describe_as as of `now` (ms since the epoch) rather than the time it runs: the
 * changes in progress then (throughput, billing, stream, vector indexes) described as such.
 * UpdateTable describes the table as of its call, however late its answer is built. */
int api_table_describe_at(api_req *r, const store_table *t, const char *status,
                          const char *creating_gsi, int64_t now, json_t **out);

#endif
