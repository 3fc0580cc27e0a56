/*
 * op_backup — DynamoDB's on-demand backups: CreateBackup, DescribeBackup, ListBackups,
 * DeleteBackup, RestoreTableFromBackup; point-in-time recovery: UpdateContinuousBackups,
 * DescribeContinuousBackups, RestoreTableToPointInTime.  Layer: api.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateBackup.html
 * (and API_DescribeBackup, API_ListBackups, API_DeleteBackup, API_RestoreTableFromBackup,
 * API_UpdateContinuousBackups, API_DescribeContinuousBackups, API_RestoreTableToPointInTime)
 *
 * Where backups live.  Under <data dir>/backups/ (store/backup.h): per backup "<id>.json" (the
 * record: BackupDetails, SourceTableDetails, SourceTableFeatureDetails, the namespace, and the
 * table's definition (api_bkdef.c, with the record's format version) and metadata to restore
 * from) and "<id>.dump" (every item, from ONE read snapshot).  <id> is DynamoDB's "<ms since
 * the epoch, 14 digits>-<8 hex>", so the file names sort in creation order, which is
 * ListBackups' order.  Records are replaced atomically (tmp file + rename); a dump is complete
 * under its name.  Both survive restarts and travel with `ddbchat backup` / `restore`.
 *
 * CreateBackup costs nothing on the write path: a worker thread opens a read transaction (the
 * snapshot: what the backup holds is the table as of the request), the request answers
 * CREATING as soon as it is open, and the worker writes the dump, then marks the record
 * AVAILABLE.  While a backup is CREATING its worker holds an flock on "<id>.lock"; a server
 * starting finds CREATING records whose lock is free (the process that made them died) and
 * removes them.  A server stopping abandons (removes) backups still being written.
 *
 * RestoreTableFromBackup creates the target table at once (definition from the backup, with
 * the overrides AWS allows: billing mode and throughput, a subset of the GSIs/LSIs, SSE; not
 * tags, streams or TTL, which AWS leaves to be set up again) with metadata "Restore":
 * {"SourceBackupArn","SourceTableArn","RestoreDateTime","InProgress"}; DescribeTable shows it
 * CREATING with RestoreSummary.RestoreInProgress true while a worker (api_restore.c) loads
 * the dump through the group committer (store_write_each, batches of BK_RESTORE_BATCH), then
 * ACTIVE with RestoreInProgress false.  Until then the table's data-plane operations answer
 * ResourceNotFoundException (as DynamoDB does for a table that is not ACTIVE), and DeleteTable
 * / UpdateTable ResourceInUseException.  A restore interrupted by a stop resumes when a
 * server starts (api_opts.resume_jobs): puts are idempotent, so the dump is loaded again from
 * the start.  A batch the disk refuses (full) is written again with back-off until there is
 * room (api_restore.c bk_restore_write): the table stays CREATING meanwhile, never ACTIVE
 * with part of its items.  The data-plane guard covers this process only: a CLI process
 * writing into a table a server is restoring is not stopped.
 *
 * Point-in-time recovery keeps its history in the store (store/pitr.h: an undo log written
 * with each change).  RestoreTableToPointInTime writes the source table as of the asked time
 * (store_pitr_snapshot, one read snapshot) to its own dump "backups/<id>.dump" during the
 * request, then creates the target like RestoreTableFromBackup (bk_restore_into: the source's
 * current definition and metadata, the same overrides) with "Restore": {"SourceTableArn",
 * "RestoreDateTime" (the restore point), "InProgress", "PitrDump"}; the restore job loads the
 * dump and removes it.  Recovery state is not carried to the target (AWS: off on a restored
 * table).  Error codes are AWS's; their messages are ours (no capture of the service's texts).
 *
 * Texts: the service's (DynamoDB Local has no backups: it answers these operations with
 * UnknownOperationException, tests/e2e/test_backups.py), in the block below.  The validation
 * messages use the service's "N validation error(s) detected: ..." form.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "api/api_backups.h"
#include "api/api_bkdef.h"
#include "api/api_int.h"
#include "api/api_jview.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_tstate.h"
#include "api/api_vector.h"
#include "api/api_validate.h"
#include "api/api_walk.h"
#include "base/log.h"
#include "store/backup.h"
#include "store/pitr.h"
#include "value/ddbjson.h"

#define TXT_BK_NOT_FOUND "Backup not found: %s"
#define TXT_BK_DELETE_FAILED                                                                       \
    "The backup could not be deleted (a storage error, in the server's log); it is unchanged"
#define TXT_BK_TABLE_NOT_FOUND "Table not found: %s"
#define TXT_BK_TABLE_IN_USE                                                                        \
    "A target table with the specified name is either being created or deleted."
#define TXT_BK_TABLE_EXISTS "Table already exists: %s"
#define TXT_BK_INDEX_OVERRIDE                                                                      \
    "One or more parameter values were invalid: %s %s is not an index of the backup, or its "     \
    "key schema or projection differs from the backup's"
#define TXT_BK_PROVISIONED_NEEDS_TP                                                                \
    "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "   \
    "both be specified when BillingMode is PROVISIONED"
#define TXT_BK_TP_RANGE                                                                            \
    "One or more parameter values were invalid: Provisioned throughput must be between 1 and "   \
    "40000"

#define TXT_PITR_UNAVAILABLE "Point in time recovery is not enabled for table '%s'"
#define TXT_PITR_BAD_TIME                                                                          \
    "Invalid restore time: RestoreDateTime must be between EarliestRestorableDateTime and "       \
    "LatestRestorableDateTime"
#define TXT_PITR_ONE_SOURCE                                                                        \
    "One or more parameter values were invalid: exactly one of SourceTableName and "              \
    "SourceTableArn must be specified"
#define TXT_PITR_ONE_TIME                                                                          \
    "One or more parameter values were invalid: RestoreDateTime must not be specified when "      \
    "UseLatestRestorableTime is true"
#define TXT_PITR_NO_TIME                                                                           \
    "One or more parameter values were invalid: RestoreDateTime must be specified when "          \
    "UseLatestRestorableTime is false or absent"

/* A record newer than this build reads (api_bkdef.h BK_RECORD_VERSION). */
#define TXT_BK_NEWER                                                                               \
    "Backup %s was written by a newer ddbchat (backup record version %lld; this build restores "  \
    "versions up to %d): restore it with that version of ddbchat or a later one"
#define BK_LIST_MAX 100
#define BK_ARN_MIN 37
#define BK_ARN_MAX 1024
#define BK_NAME_MIN 3
#define BK_NAME_MAX 255
#define BK_TP_MAX 40000
#define BK_PITR_EDGE_MS 1000 /* RestoreDateTime: the latitude before the period's start */

/* ---- small helpers -------------------------------------------------------------------------- */

/* The length the model's constraints see in the member s: characters counted as UTF-16 units,
 * as every other model check counts them (api_walk.c api_utf16_units), not bytes: a
 * TargetTableName of 200 "é" breaks the name's pattern only, never its 255 (test_pitr
 * test_backup_lengths_count_characters). */
static size_t bk_units(const char *s)
{
    return api_utf16_units(s, strlen(s));
}

static void bk_new_id(char out[32])
{
    uuid_t u;
    uuid_generate_random(u);
    snprintf(out, 32, "%014lld-%02x%02x%02x%02x", (long long)base_wall_ms(), u[0], u[1], u[2], u[3]);
}

static bool bk_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n != 23 || id[14] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (i != 14 && !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

/* The caller's namespace prefix ("" without one). */
static const char *bk_ns(api_req *r, char buf[STORE_NAME_MAX])
{
    const char *ns = (r->caller && r->caller->ns) ? r->caller->ns : "";
    size_t n = strlen(ns);
    snprintf(buf, STORE_NAME_MAX, "%s%s", ns, (n && ns[n - 1] != '/') ? "/" : "");
    return buf;
}

static const char *bk_visible(const char *store_name)
{
    const char *slash = strrchr(store_name, '/');
    return slash ? slash + 1 : store_name;
}

static char *bk_table_arn(api_req *r, const char *visible)
{
    return arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s", r->api->region,
                        r->api->account_id, visible);
}

/* A TableName member that may be a table name or a table's ARN (name_or_arn: a C string, its
 * NULs shown as text by api_json_str_whole): *out the table's name, or NULL when the ARN is
 * another region's or account's table.  The one mapping of every TableName lookup
 * (api_table_arn_name): an ARN that names no table is its ValidationException here too
 * ("arn:bad" answered TableNotFoundException in the backup operations alone, final21 F5;
 * test_backups test_table_arn_mapping).  0 or ERR_VALIDATION. */
static int bk_name_from(api_req *r, const char *name_or_arn, const char **out)
{
    size_t len = strlen(name_or_arn);
    *out = name_or_arn;
    return api_table_arn_name(r, out, &len);
}

/* ---- records ------------------------------------------------------------------------------------ */

static int bk_record_load(store_t *s, const char *id, json_t **out, err_t *e)
{
    char name[64];
    api_bk_file(name, sizeof name, id, ".json");
    arena_t a;
    arena_init(&a);
    char *text = NULL;
    size_t len = 0;
    int rc = store_bk_read(s, name, &a, &text, &len, e);
    if (rc == 0) {
        *out = json_loadb(text, len, JSON_ALLOW_NUL, NULL); /* the meta may hold U+0000 */
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = err_set(e, ERR_IO, "backup record %s is damaged", name);
        }
    }
    arena_fini(&a);
    return rc;
}

static int bk_record_save(store_t *s, const char *id, json_t *rec, err_t *e)
{
    char name[64];
    api_bk_file(name, sizeof name, id, ".json");
    char *text = ddbjson_dumps_whole(rec, JSON_COMPACT);
    if (!text)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = store_bk_write(s, name, text, strlen(text), e);
    free(text);
    return rc;
}

/* Removes a backup's files: its record first (while the record is there the backup is
 * listed, so its dump stays until the record is gone), then its dump and lock.  When the
 * record cannot be removed, nothing is, the error is logged and returned (ERR_IO); a dump or
 * lock left behind is logged.  Before, every failure went unsaid and the dump went even when
 * the record stayed: DeleteBackup answered DELETED and the backup stayed listed AVAILABLE,
 * without its data (test_backups test_delete_that_cannot_remove_the_record). */
static int bk_record_remove(store_t *s, const char *id, err_t *e)
{
    char name[64];
    api_bk_file(name, sizeof name, id, ".json");
    int rc = store_bk_remove(s, name, e);
    if (rc) {
        log_error("backup %s: its record cannot be removed (the backup stays): %s", id, e->msg);
        return rc;
    }
    static const char *const rest[] = {".dump", ".lock"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        err_t ie = {0};
        api_bk_file(name, sizeof name, id, rest[i]);
        if (store_bk_remove(s, name, &ie))
            log_warn("backup %s: %s left behind: %s", id, name, ie.msg);
    }
    return 0;
}

static const char *bk_rec_str(json_t *rec, const char *k)
{
    return json_string_value(json_object_get(rec, k));
}

/* The backup id a backup ARN ends with (".../backup/<id>", in arn), or NULL when it has none
 * of our form: the one reading of an ARN's id (bk_find, a restore's hold). */
static const char *bk_arn_id(const char *arn)
{
    const char *p = strstr(arn, "/backup/");
    return p && bk_id_ok(p + 8) ? p + 8 : NULL;
}

/* The record of the backup an ARN names, for this caller: BackupNotFoundException otherwise. */
static int bk_find(api_req *r, const char *arn, char id_out[32], json_t **out)
{
    *out = NULL;
    const char *id = bk_arn_id(arn);
    json_t *rec = NULL;
    err_t ie = {0};
    char nsb[STORE_NAME_MAX];
    if (id && bk_record_load(r->api->store, id, &rec, &ie) == 0) {
        const char *rarn = bk_rec_str(rec, "BackupArn");
        const char *rns = bk_rec_str(rec, "Namespace");
        if (rarn && strcmp(rarn, arn) == 0 && rns && strcmp(rns, bk_ns(r, nsb)) == 0) {
            snprintf(id_out, 32, "%s", id);
            *out = rec;
            return 0;
        }
    } else if (ie.code && ie.code != ERR_NOT_FOUND) {
        return err_set(r->err, ie.code, "%s", ie.msg);
    }
    json_decref(rec);
    return err_set(r->err, ERR_BACKUP_NOT_FOUND, TXT_BK_NOT_FOUND, arn);
}

static long long bk_int(json_t *o, const char *k)
{
    json_t *j = json_object_get(o, k);
    return json_is_integer(j) ? (long long)json_integer_value(j) : 0;
}

/* A restored GSI's metadata entry: its units and, restored on-demand, the ceilings it had
 * (RestoreTableFromBackup and RestoreTableToPointInTime keep an index's OnDemandThroughput
 * as they keep the table's). */
static json_t *bk_gsi_entry(json_t *old, long long rcu, long long wcu, bool ppr)
{
    json_t *g = json_pack("{s:I,s:I}", "RCU", (json_int_t)rcu, "WCU", (json_int_t)wcu);
    json_t *odt = json_object_get(old, "Odt");
    if (g && ppr && json_is_object(odt) && json_object_set_new(g, "Odt", json_deep_copy(odt))) {
        json_decref(g);
        return NULL;
    }
    return g;
}

/* o[k] = v, v taken (also when it is NULL, a failed allocation, or the set fails): 0 or
 * ERR_NOMEM.  The restored table's metadata is built with it: a member lost to an allocation
 * failure would restore a table that differs from its backup, with a 200 (test_restore_alloc). */
static int bk_put(api_req *r, json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) ? api_nomem(r) : 0;
}

/* o[k] = v, v borrowed (a new reference is taken): 0 or ERR_NOMEM. */
static int bk_put_ref(api_req *r, json_t *o, const char *k, json_t *v)
{
    return json_object_set(o, k, v) ? api_nomem(r) : 0;
}

/* SourceTableDetails and SourceTableFeatureDetails of a table (counts patched in later from
 * the snapshot). */
static void bk_source_json(api_req *r, const store_table *t, json_t *meta, json_t **out_details,
                           json_t **out_features)
{
    const char *vis = bk_visible(t->name);
    const char *bm = json_string_value(json_object_get(meta, "BillingMode"));
    bool ppr = bm && strcmp(bm, "PAY_PER_REQUEST") == 0;
    json_t *d = json_object();
    json_object_set_new(d, "TableName", json_string(vis));
    const char *tid = json_string_value(json_object_get(meta, "TableId"));
    if (tid)
        json_object_set_new(d, "TableId", json_string(tid));
    json_object_set_new(d, "TableArn", json_string(bk_table_arn(r, vis)));
    json_object_set_new(d, "TableSizeBytes", json_integer(0));
    json_object_set_new(d, "KeySchema", api_keyschema_json(&t->key));
    json_object_set_new(d, "TableCreationDateTime", api_ms_json(t->created_ms));
    json_object_set_new(d, "ProvisionedThroughput",
                        json_pack("{s:I,s:I}", "ReadCapacityUnits",
                                  (json_int_t)(ppr ? 0 : bk_int(meta, "RCU")), "WriteCapacityUnits",
                                  (json_int_t)(ppr ? 0 : bk_int(meta, "WCU"))));
    json_object_set_new(d, "ItemCount", json_integer(0));
    json_object_set_new(d, "BillingMode", json_string(ppr ? "PAY_PER_REQUEST" : "PROVISIONED"));

    json_t *f = json_object(), *lsis = json_array(), *gsis = json_array();
    json_t *gmeta = json_object_get(meta, "Gsi");
    for (size_t i = 0; i < t->n_idx; i++) {
        const store_index *ix = &t->idx[i];
        json_t *x = json_pack("{s:s,s:o,s:o}", "IndexName", ix->name, "KeySchema",
                              api_keyschema_json(&ix->key), "Projection",
                              api_projection_json(ix));
        if (ix->global) {
            json_t *g = json_object_get(gmeta, ix->name);
            json_object_set_new(x, "ProvisionedThroughput",
                                json_pack("{s:I,s:I}", "ReadCapacityUnits",
                                          (json_int_t)(ppr ? 0 : bk_int(g, "RCU")),
                                          "WriteCapacityUnits",
                                          (json_int_t)(ppr ? 0 : bk_int(g, "WCU"))));
        }
        json_array_append_new(ix->global ? gsis : lsis, x);
    }
    if (json_array_size(lsis))
        json_object_set(f, "LocalSecondaryIndexes", lsis);
    if (json_array_size(gsis))
        json_object_set(f, "GlobalSecondaryIndexes", gsis);
    json_decref(lsis);
    json_decref(gsis);
    json_t *vixes = api_vix_info(r->api, meta, base_wall_ms()); /* the SDK's VectorIndexInfo */
    if (vixes)
        json_object_set_new(f, "VectorIndexes", vixes);
    /* the stream settings when the backup was created (API Reference,
     * SourceTableFeatureDetails), from the store (the metadata's "Stream" is no longer
     * written: review13 F3, test_review13 test_f3) */
    if (t->stream_view)
        json_object_set_new(f, "StreamDescription",
                            json_pack("{s:b,s:s}", "StreamEnabled", 1, "StreamViewType",
                                      api_stream_view_name(t->stream_view)));
    /* TTL only when it is on: a plain table's features are {} (AWS, ack-api-quirks
     * DDB-BACKUP-009: stream, TTL and SSE present only when enabled) */
    if (t->ttl_attr[0])
        json_object_set_new(f, "TimeToLiveDescription",
                            json_pack("{s:s,s:s}", "TimeToLiveStatus", "ENABLED",
                                      "AttributeName", t->ttl_attr));
    json_t *sse = json_object_get(meta, "SSE");
    if (json_is_object(sse) && json_is_true(json_object_get(sse, "Enabled")))
        json_object_set_new(f, "SSEDescription",
                            json_pack("{s:s,s:s}", "Status", "ENABLED", "SSEType",
                                      json_string_value(json_object_get(sse, "SSEType"))
                                          ? json_string_value(json_object_get(sse, "SSEType"))
                                          : "KMS"));
    *out_details = d;
    *out_features = f;
}

static json_t *bk_details(json_t *rec)
{
    json_t *d = json_object();
    static const char *const keys[] = {"BackupArn", "BackupName", "BackupSizeBytes",
                                       "BackupStatus", "BackupType"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(rec, keys[i]))
            json_object_set(d, keys[i], json_object_get(rec, keys[i]));
    json_object_set_new(d, "BackupCreationDateTime",
                        api_ms_json(bk_int(rec, "BackupCreationMs")));
    return d;
}

static json_t *bk_description(json_t *rec)
{
    json_t *d = json_pack("{s:o}", "BackupDetails", bk_details(rec));
    if (json_object_get(rec, "SourceTableDetails"))
        json_object_set(d, "SourceTableDetails", json_object_get(rec, "SourceTableDetails"));
    if (json_object_get(rec, "SourceTableFeatureDetails"))
        json_object_set(d, "SourceTableFeatureDetails",
                        json_object_get(rec, "SourceTableFeatureDetails"));
    return d;
}

/* ---- CreateBackup -------------------------------------------------------------------------------- */

static void bk_snap_started(void *ctx, uint64_t count, uint64_t bytes)
{
    bk_job *j = ctx;
    j->snap_count = count;
    j->snap_bytes = bytes;
    api_bk_signal(j, true, false);
}

static int bk_snap_item(void *ctx, const av_t *item, err_t *e)
{
    bk_job *j = ctx;
    if (api_bk_stopping(j))
        return err_set(e, ERR_SERVICE_UNAVAILABLE, "the server is stopping");
    return store_dump_add(j->dump, item, e);
}

static void *bk_backup_main(void *arg)
{
    bk_job *j = arg;
    store_t *s = j->api->store;
    err_t e = {0};
    char name[64], path[4096];
    json_t *rec = NULL;
    api_bk_file(name, sizeof name, j->id, ".dump");
    int rc = store_bk_path(s, name, path, sizeof path, &e);
    if (rc == 0) {
        char hdr[96];
        int hl = snprintf(hdr, sizeof hdr, "{\"BackupId\":\"%s\"}", j->id);
        rc = store_dump_create(path, hdr, (size_t)hl, &j->dump, &e);
    }
    if (rc == 0)
        rc = store_table_snapshot(s, j->t, bk_snap_started, bk_snap_item, j, &e);
    if (rc == 0) {
        rc = store_dump_finish(j->dump, NULL, NULL, &e);
        j->dump = NULL;
    }
    if (rc == 0)
        rc = bk_record_load(s, j->id, &rec, &e);
    if (rc == 0) {
        json_object_set_new(rec, "BackupStatus", json_string("AVAILABLE"));
        json_object_set_new(rec, "BackupSizeBytes", json_integer((json_int_t)j->snap_bytes));
        json_t *src = json_object_get(rec, "SourceTableDetails");
        json_object_set_new(src, "ItemCount", json_integer((json_int_t)j->snap_count));
        json_object_set_new(src, "TableSizeBytes", json_integer((json_int_t)j->snap_bytes));
        rc = bk_record_save(s, j->id, rec, &e);
    }
    json_decref(rec);
    if (rc) {
        if (rc == ERR_SERVICE_UNAVAILABLE)
            log_info("backup %s abandoned: the server is stopping", j->id);
        else
            log_error("backup %s failed: %s", j->id, e.msg);
        store_dump_abort(j->dump);
        j->dump = NULL;
        err_t ie = {0};
        bk_record_remove(s, j->id, &ie); /* (a failure is logged) */
    }
    j->rc = rc;
    j->err = e;
    store_table_unpin(s, j->t);
    j->t = NULL;
    store_bk_unlock(j->lock_fd);
    j->lock_fd = -1;
    char lock[64];
    api_bk_file(lock, sizeof lock, j->id, ".lock");
    err_t ig = {0};
    store_bk_remove(s, lock, &ig);
    api_bk_signal(j, true, true);
    return NULL;
}

int op_create_backup(api_req *r, json_t **out)
{
    const char *tname, *bname;
    int rc;
    if ((rc = api_json_str_whole(r->body, "TableName", r->arena, &tname, r->err)) ||
        (rc = api_json_str_whole(r->body, "BackupName", r->arena, &bname, r->err)))
        return rc;
    api_vld v;
    api_vld_init(&v);
    if (!tname)
        api_vld_null(&v, "tableName");
    else if (bk_units(tname) < 1)
        api_vld_min_len(&v, tname, "tableName", 1);
    else if (bk_units(tname) > BK_ARN_MAX)
        api_vld_max_len(&v, tname, "tableName", BK_ARN_MAX);
    /* a name breaking the pattern and a length: both, the pattern first (live AWS for '',
     * DDB-TABLE-457 create_backup_empty_name; test_backups
     * test_backup_name_empty_breaks_both_rules) */
    if (!bname)
        api_vld_null(&v, "backupName");
    else if (!bname[0] || !api_name_chars(bname, strlen(bname)))
        api_vld_add(&v,
                    "Value '%s' at 'backupName' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                    bname);
    /* the model's bounds count characters (UTF-16 units), not bytes: "éé" is too short,
     * 200 "é" not too long (test_backups test_backup_name_lengths_are_characters) */
    size_t bunits = bname ? api_utf16_units(bname, strlen(bname)) : 0;
    if (bname && bunits < BK_NAME_MIN)
        api_vld_min_len(&v, bname, "backupName", BK_NAME_MIN);
    else if (bname && bunits > BK_NAME_MAX)
        api_vld_max_len(&v, bname, "backupName", BK_NAME_MAX);
    if ((rc = api_vld_finish_aws(&v, r->err)))
        return rc;

    const char *name;
    if ((rc = bk_name_from(r, tname, &name)))
        return rc;
    char nsb[STORE_NAME_MAX], sn[STORE_NAME_MAX];
    const store_table *t = NULL;
    if (name && api_name_valid(name)) {
        int n = snprintf(sn, sizeof sn, "%s%s", bk_ns(r, nsb), name);
        if (n > 0 && n < (int)sizeof sn && (rc = api_pin_table(r, sn, &t)))
            return rc;
    }
    if (!t)
        return err_set(r->err, ERR_TABLE_NOT_FOUND, TXT_BK_TABLE_NOT_FOUND, tname);
    bk_mgr *m = api_bk_mgr(r->api);
    if (!m || api_restore_refuse(r, t)) {
        err_clear(r->err);
        return err_set(r->err, ERR_TABLE_IN_USE, "%s", TXT_BK_TABLE_IN_USE);
    }
    if (api_bk_busy(m, BK_JOB_BACKUP, NULL, t->id))
        return err_set(r->err, ERR_BACKUP_IN_USE, "%s", TXT_BK_IN_USE);

    bk_job *j = calloc(1, sizeof *j);
    if (!j)
        return api_nomem(r);
    j->api = r->api;
    j->kind = BK_JOB_BACKUP;
    j->t = store_table_repin(r->api->store, t); /* the worker's own pin */
    j->table_id = t->id;
    j->lock_fd = -1;
    bk_new_id(j->id);
    int64_t now = base_wall_ms();
    json_t *meta = api_table_meta(t), *src = NULL, *feat = NULL;
    bk_source_json(r, t, meta, &src, &feat);
    const char *vis = bk_visible(t->name);
    char *arn = arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s/backup/%s",
                             r->api->region, r->api->account_id, vis, j->id);
    json_t *rec = json_object();
    /* a member lost to an allocation failure would save a backup that restores a different
     * table (a definition without its index): every set is checked */
    bool bad = !rec;
    bad |= json_object_set_new(rec, "v", json_integer(api_bkdef_version(t))) != 0;
    bad |= json_object_set_new(rec, "BackupArn", json_string(arn ? arn : "")) != 0;
    bad |= json_object_set_new(rec, "BackupName", json_string(bname)) != 0;
    bad |= json_object_set_new(rec, "BackupStatus", json_string("CREATING")) != 0;
    bad |= json_object_set_new(rec, "BackupType", json_string("USER")) != 0;
    bad |= json_object_set_new(rec, "BackupCreationMs", json_integer(now)) != 0;
    bad |= json_object_set_new(rec, "BackupSizeBytes", json_integer(0)) != 0;
    bad |= json_object_set_new(rec, "Namespace", json_string(bk_ns(r, nsb))) != 0;
    bad |= json_object_set_new(rec, "TableName", json_string(vis)) != 0;
    bad |= json_object_set_new(rec, "SourceTableDetails", src) != 0;
    bad |= json_object_set_new(rec, "SourceTableFeatureDetails", feat) != 0;
    bad |= json_object_set_new(rec, "Def", api_bkdef_json(t)) != 0;
    bad |= json_object_set_new(rec, "Meta", meta) != 0;
    char lock[64];
    api_bk_file(lock, sizeof lock, j->id, ".lock");
    if (!arn || bad) { /* never a backup without the table's settings */
        rc = api_nomem(r);
        goto fail;
    }
    if ((rc = store_bk_lock(r->api->store, lock, true, &j->lock_fd, r->err)) ||
        (rc = bk_record_save(r->api->store, j->id, rec, r->err)))
        goto fail;
    char id[32];
    memcpy(id, j->id, sizeof id);
    if ((rc = api_bk_start(m, j, bk_backup_main, r->err))) {
        err_t ie = {0};
        bk_record_remove(r->api->store, id, &ie); /* (a failure is logged) */
        goto fail;
    }
    j = NULL; /* the manager owns it */
    /* the snapshot is taken: the backup holds the table as of now */
    json_t *cur = NULL;
    err_t ie = {0};
    if (bk_record_load(r->api->store, id, &cur, &ie) == 0) {
        json_decref(rec);
        rec = cur;
    }
    *out = json_pack("{s:o}", "BackupDetails", bk_details(rec));
    json_decref(rec);
    api_bk_reap_now(m);
    return 0;
fail:
    json_decref(rec);
    api_bk_job_free(j);
    return rc;
}

/* ---- DescribeBackup / DeleteBackup ---------------------------------------------------------- */

/* The model's checks of a BackupArn member (NULL: absent) into v. */
static void vld_backup_arn(api_vld *v, const char *arn)
{
    if (!arn)
        api_vld_null(v, "backupArn");
    else if (bk_units(arn) < BK_ARN_MIN)
        api_vld_min_len(v, arn, "backupArn", BK_ARN_MIN);
    else if (bk_units(arn) > BK_ARN_MAX)
        api_vld_max_len(v, arn, "backupArn", BK_ARN_MAX);
}

/* A backup ARN's shape, arn:aws:dynamodb:<region>:<account>:table/<name>/backup/<id> (each
 * part non-empty): otherwise "Invalid Backup ARN" (TXT_BK_INVALID_ARN: a table's ARN too, the
 * lab's live restore probe DDB-TABLE-273/279/405); that shape naming no backup of ours is
 * bk_find's BackupNotFoundException.  After the model's length checks. */
static int bk_arn_shape(api_req *r, const char *arn)
{
    static const char head[] = "arn:aws:dynamodb:";
    const char *p = arn;
    if (strncmp(p, head, sizeof head - 1) != 0)
        goto bad;
    p += sizeof head - 1;
    for (int i = 0; i < 2; i++) { /* the region, the account */
        size_t n = strcspn(p, ":/");
        if (n == 0 || p[n] != ':')
            goto bad;
        p += n + 1;
    }
    if (strncmp(p, "table/", 6) != 0)
        goto bad;
    p += 6;
    size_t n = strcspn(p, "/");
    if (n == 0 || strncmp(p + n, "/backup/", 8) != 0)
        goto bad;
    p += n + 8;
    if (*p && !strchr(p, '/'))
        return 0;
bad:
    return err_set(r->err, ERR_VALIDATION, TXT_BK_INVALID_ARN);
}

static int bk_arn_param(api_req *r, const char **out)
{
    int rc = api_json_str_whole(r->body, "BackupArn", r->arena, out, r->err);
    if (rc)
        return rc;
    api_vld v;
    api_vld_init(&v);
    vld_backup_arn(&v, *out);
    if ((rc = api_vld_finish_aws(&v, r->err)))
        return rc;
    return bk_arn_shape(r, *out);
}

int op_describe_backup(api_req *r, json_t **out)
{
    const char *arn;
    char id[32];
    json_t *rec;
    int rc = bk_arn_param(r, &arn);
    if (rc || (rc = bk_find(r, arn, id, &rec)))
        return rc;
    *out = json_pack("{s:o}", "BackupDescription", bk_description(rec));
    json_decref(rec);
    return 0;
}

/* True while any process is writing this backup (its lock is held). */
static bool bk_creating_somewhere(api_t *api, const char *id)
{
    char lock[64];
    api_bk_file(lock, sizeof lock, id, ".lock");
    int fd = -1;
    err_t e = {0};
    if (store_bk_lock(api->store, lock, false, &fd, &e) != 0)
        return true;
    if (fd < 0)
        return true;
    store_bk_unlock(fd);
    return false;
}

int op_delete_backup(api_req *r, json_t **out)
{
    const char *arn;
    char id[32];
    json_t *rec;
    int rc = bk_arn_param(r, &arn);
    if (rc || (rc = bk_find(r, arn, id, &rec)))
        return rc;
    bk_mgr *m = api_bk_mgr(r->api);
    const char *st = bk_rec_str(rec, "BackupStatus");
    bool creating = st && strcmp(st, "CREATING") == 0 &&
                    (api_bk_busy(m, BK_JOB_BACKUP, id, 0) || bk_creating_somewhere(r->api, id));
    bk_hold *h = NULL;
    if (creating) {
        json_decref(rec);
        return err_set(r->err, ERR_BACKUP_IN_USE, "%s", TXT_BK_IN_USE);
    }
    if ((rc = api_bk_hold_take(m, id, true, &h, r->err))) { /* a restore starting or running */
        json_decref(rec);
        return rc;
    }
    err_t ie = {0};
    rc = bk_record_remove(r->api->store, id, &ie);
    api_bk_hold_release(m, h);
    if (rc) { /* the backup stays as it was: listed, whole, restorable */
        json_decref(rec);
        return err_set(r->err, ERR_IO, "%s", TXT_BK_DELETE_FAILED);
    }
    json_object_set_new(rec, "BackupStatus", json_string("DELETED"));
    *out = json_pack("{s:o}", "BackupDescription", bk_description(rec));
    json_decref(rec);
    return 0;
}

/* ---- ListBackups ----------------------------------------------------------------------------- */

static int bk_time_param(api_req *r, const char *key, bool *present, double *out)
{
    json_t *j = json_object_get(r->body, key);
    *present = false;
    if (!j || json_is_null(j))
        return 0;
    if (!json_is_number(j))
        return err_set(r->err, ERR_SERIALIZATION, "class java.lang.String can not be converted "
                                                  "to an Date");
    *present = true;
    *out = json_number_value(j);
    return 0;
}

int op_list_backups(api_req *r, json_t **out)
{
    const char *tname, *btype, *start;
    bool has_limit, has_lo, has_hi;
    long long limit = BK_LIST_MAX;
    double lo = 0, hi = 0;
    int rc;
    if ((rc = api_json_str_whole(r->body, "TableName", r->arena, &tname, r->err)) ||
        (rc = api_json_int(r->body, "Limit", &has_limit, &limit, r->err)) ||
        (rc = bk_time_param(r, "TimeRangeLowerBound", &has_lo, &lo)) ||
        (rc = bk_time_param(r, "TimeRangeUpperBound", &has_hi, &hi)) ||
        (rc = api_json_str_whole(r->body, "ExclusiveStartBackupArn", r->arena, &start, r->err)) ||
        (rc = api_json_str_whole(r->body, "BackupType", r->arena, &btype, r->err)))
        return rc;
    api_vld v;
    api_vld_init(&v);
    if (tname && bk_units(tname) < 1)
        api_vld_min_len(&v, tname, "tableName", 1);
    else if (tname && bk_units(tname) > BK_ARN_MAX)
        api_vld_max_len(&v, tname, "tableName", BK_ARN_MAX);
    if (has_limit && limit < 1)
        api_vld_min_val(&v, limit, "limit", 1);
    else if (has_limit && limit > BK_LIST_MAX)
        api_vld_max_val(&v, limit, "limit", BK_LIST_MAX);
    if (start && bk_units(start) < BK_ARN_MIN)
        api_vld_min_len(&v, start, "exclusiveStartBackupArn", BK_ARN_MIN);
    else if (start && bk_units(start) > BK_ARN_MAX)
        api_vld_max_len(&v, start, "exclusiveStartBackupArn", BK_ARN_MAX);
    if (btype && strcmp(btype, "USER") && strcmp(btype, "SYSTEM") && strcmp(btype, "AWS_BACKUP") &&
        strcmp(btype, "ALL"))
        api_vld_enum(&v, btype, "backupType", "USER, SYSTEM, AWS_BACKUP, ALL");
    if ((rc = api_vld_finish_aws(&v, r->err)))
        return rc;
    if (!has_limit)
        limit = BK_LIST_MAX;
    /* only USER backups exist here: SYSTEM and AWS_BACKUP list nothing */
    bool want_user = !btype || !strcmp(btype, "USER") || !strcmp(btype, "ALL");
    const char *want_table = NULL;
    if (tname && (rc = bk_name_from(r, tname, &want_table)))
        return rc;
    const char *start_id = NULL;
    if (start) {
        const char *p = strstr(start, "/backup/");
        start_id = p ? p + 8 : start;
    }

    char **names = NULL;
    size_t n = 0;
    if ((rc = store_bk_list(r->api->store, ".json", r->arena, &names, &n, r->err)))
        return rc;
    char nsb[STORE_NAME_MAX];
    const char *ns = bk_ns(r, nsb);
    json_t *sums = json_array();
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < n && want_user && (!tname || want_table); i++) {
        char id[32];
        size_t l = strlen(names[i]);
        if (l != 28)
            continue;
        snprintf(id, sizeof id, "%.*s", (int)(l - 5), names[i]);
        if (!bk_id_ok(id) || (start_id && strcmp(id, start_id) <= 0))
            continue;
        json_t *rec = NULL;
        err_t ie = {0};
        if (bk_record_load(r->api->store, id, &rec, &ie) != 0)
            continue; /* removed meanwhile */
        double created = (double)bk_int(rec, "BackupCreationMs") / 1000.0;
        const char *rns = bk_rec_str(rec, "Namespace");
        bool ok = rns && strcmp(rns, ns) == 0 &&
                  (!want_table || strcmp(bk_rec_str(rec, "TableName") ?: "", want_table) == 0) &&
                  (!has_lo || created >= lo) && (!has_hi || created < hi);
        if (ok) {
            if ((long long)json_array_size(sums) >= limit) {
                more = true;
                json_decref(rec);
                break;
            }
            json_t *src = json_object_get(rec, "SourceTableDetails");
            json_t *s = json_object();
            json_object_set(s, "TableName", json_object_get(src, "TableName"));
            if (json_object_get(src, "TableId"))
                json_object_set(s, "TableId", json_object_get(src, "TableId"));
            json_object_set(s, "TableArn", json_object_get(src, "TableArn"));
            json_t *d = bk_details(rec);
            json_object_update(s, d);
            json_decref(d);
            json_array_append_new(sums, s);
            last = arena_strdup(r->arena, bk_rec_str(rec, "BackupArn") ?: "");
        }
        json_decref(rec);
    }
    json_t *o = json_pack("{s:o}", "BackupSummaries", sums);
    if (more && last)
        json_object_set_new(o, "LastEvaluatedBackupArn", json_string(last));
    *out = o;
    return 0;
}

/* ---- RestoreTableFromBackup -------------------------------------------------------------------- */

static int bk_tp(api_req *r, json_t *o, long long *rcu, long long *wcu)
{
    json_t *rj = json_object_get(o, "ReadCapacityUnits"), *wj = json_object_get(o, "WriteCapacityUnits");
    if (!json_is_integer(rj) || !json_is_integer(wj))
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_BK_PROVISIONED_NEEDS_TP);
    *rcu = json_integer_value(rj);
    *wcu = json_integer_value(wj);
    if (*rcu < 1 || *wcu < 1 || *rcu > BK_TP_MAX || *wcu > BK_TP_MAX)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_BK_TP_RANGE);
    return 0;
}

/* A restore's overrides, each NULL when not given (bk_overrides_read). */
typedef struct bk_overrides {
    const char *bmo; /* BillingModeOverride */
    json_t *gso, *lso, *pto, *sseo, *odto; /* GlobalSecondaryIndex-, LocalSecondaryIndex-,
                                              ProvisionedThroughput-, SSESpecification-,
                                              OnDemandThroughputOverride */
} bk_overrides;

/* What a restore creates: the target table from a definition and metadata (a backup's, or
 * the source table's for point-in-time recovery) with the overrides AWS allows, loaded from
 * the dump backups/<dump_id>.dump by a restore job. */
typedef struct bk_target {
    const char *target;     /* the caller-visible target name */
    json_t *def, *meta;     /* borrowed: the definition (api_bkdef_json) and metadata */
    json_t *restore;        /* borrowed: the target's "Restore" metadata */
    const char *dump_id;
    bool pitr;              /* the dump is the restore's own: removed once loaded */
    bk_overrides ov;
} bk_target;

/* The target's indexes (into t->idx) and the GSIs' metadata (into new_gmeta: units and, on
 * demand, ceilings, from the backup's gmeta and the overrides): LSIs, then GSIs, each kind
 * from the request's overrides when it gives them (each the backup's index, listed once),
 * else every index of that kind in the definition.  0, ERR_VALIDATION, ERR_INTERNAL for a
 * damaged definition, or ERR_NOMEM. */
static int bk_restore_indexes(api_req *r, const bk_target *tg, bool ppr, json_t *gmeta,
                              store_table *t, json_t *new_gmeta)
{
    json_t *def = tg->def;
    const char *id = tg->dump_id;
    for (int pass = 0; pass < 2; pass++) { /* LSIs, then GSIs */
        bool global = pass == 1;
        json_t *ov = global ? tg->ov.gso : tg->ov.lso;
        if (ov) {
            size_t i;
            json_t *o;
            json_array_foreach(ov, i, o) {
                const char *in = json_string_value(json_object_get(o, "IndexName"));
                json_t *x = in ? api_bkdef_index(def, in, global) : NULL;
                if (!x || !api_bkdef_override_matches(o, x)) {
                    return err_set(r->err, ERR_VALIDATION, TXT_BK_INDEX_OVERRIDE,
                                 global ? "GlobalSecondaryIndexOverride"
                                        : "LocalSecondaryIndexOverride",
                                 in ? in : "(no IndexName)");
                }
                /* an index listed twice: CreateTable's refusal (before anything is created;
                 * it made two indexes of one name, whose restore never finished: review13
                 * F2, test_review13 test_f2) */
                bool dup = false;
                for (size_t k = 0; k < t->n_idx && !dup; k++)
                    dup = strcmp(t->idx[k].name, in) == 0;
                if (dup) {
                    return err_set(r->err, ERR_VALIDATION, TXT_CT_DUP_INDEX, in);
                }
                if (t->n_idx >= STORE_MAX_INDEXES ||
                    !api_bkdef_index_from(x, r->arena, &t->idx[t->n_idx])) {
                    return err_set(r->err, ERR_INTERNAL, "backup %s has a damaged definition", id);
                }
                t->n_idx++;
                if (global) {
                    long long rcu = bk_int(json_object_get(gmeta, in), "RCU");
                    long long wcu = bk_int(json_object_get(gmeta, in), "WCU");
                    json_t *gpt = json_object_get(o, "ProvisionedThroughput");
                    int rc = gpt && !ppr ? bk_tp(r, gpt, &rcu, &wcu) : 0;
                    if (rc)
                        return rc;
                    if (!ppr && (rcu < 1 || wcu < 1))
                        return err_set(r->err, ERR_VALIDATION, "%s", TXT_BK_PROVISIONED_NEEDS_TP);
                    const char *gm =
                        ppr ? api_odt_out_of_range(json_object_get(o, "OnDemandThroughput"),
                                                   false)
                            : NULL;
                    if (gm) { /* as a GSI of CreateTable (see the table's above) */
                        return err_set(r->err, ERR_VALIDATION, TXT_GSI_ODT_RANGE, gm, in);
                    }
                    json_t *ge = bk_gsi_entry(json_object_get(gmeta, in), rcu, wcu, ppr);
                    if (ge && ppr && api_odt_merge(ge, json_object_get(o, "OnDemandThroughput"))) {
                        json_decref(ge);
                        ge = NULL;
                    }
                    if (json_object_set_new(new_gmeta, in, ge))
                        return api_nomem(r);
                }
            }
        } else {
            size_t i;
            json_t *x;
            json_array_foreach(json_object_get(def, "idx"), i, x) {
                if (json_is_true(json_object_get(x, "global")) != global)
                    continue;
                if (t->n_idx >= STORE_MAX_INDEXES ||
                    !api_bkdef_index_from(x, r->arena, &t->idx[t->n_idx])) {
                    return err_set(r->err, ERR_INTERNAL, "backup %s has a damaged definition", id);
                }
                const char *in = t->idx[t->n_idx].name;
                t->n_idx++;
                if (global) {
                    json_t *g = json_object_get(gmeta, in);
                    long long rcu = bk_int(g, "RCU"), wcu = bk_int(g, "WCU");
                    if (!ppr && (rcu < 1 || wcu < 1))
                        rcu = wcu = 1; /* from on-demand to provisioned: the least */
                    int rc = bk_put(r, new_gmeta, in, bk_gsi_entry(g, rcu, wcu, ppr));
                    if (rc)
                        return rc;
                }
            }
        }
    }
    return 0;
}

/* The target's billing mode and table throughput into its metadata: on demand (since now
 * unless it was already), or provisioned with the override's units (pto, may be NULL) or the
 * backup's, at least 1 each, without on-demand ceilings.  0, ERR_VALIDATION or ERR_NOMEM. */
static int bk_restore_billing(api_req *r, json_t *pto, bool ppr, bool was_ppr, int64_t now,
                              json_t *meta)
{
    int rc;
    if (ppr) {
        if ((rc = bk_put(r, meta, "BillingMode", json_string("PAY_PER_REQUEST"))) ||
            ((!was_ppr || !json_object_get(meta, "PprSince")) &&
             (rc = bk_put(r, meta, "PprSince", json_integer(now)))) ||
            (rc = bk_put(r, meta, "RCU", json_integer(0))) ||
            (rc = bk_put(r, meta, "WCU", json_integer(0))))
            return rc;
    } else {
        long long rcu = bk_int(meta, "RCU"), wcu = bk_int(meta, "WCU");
        if ((rc = pto ? bk_tp(r, pto, &rcu, &wcu) : 0))
            return rc;
        if (rcu < 1 || wcu < 1)
            return err_set(r->err, ERR_VALIDATION, "%s", TXT_BK_PROVISIONED_NEEDS_TP);
        json_object_del(meta, "Odt"); /* no on-demand ceilings on a provisioned table */
        if ((rc = bk_put(r, meta, "BillingMode", json_string("PROVISIONED"))) ||
            (rc = bk_put(r, meta, "RCU", json_integer(rcu))) ||
            (rc = bk_put(r, meta, "WCU", json_integer(wcu))))
            return rc;
    }
    return 0;
}

/* What a restore does not carry to the target table (AWS): tags, stream settings, TTL,
 * deletion protection, and the table's own histories; removed from its metadata. */
static void bk_meta_not_restored(json_t *meta)
{
    /* not restored (AWS): tags, stream settings, TTL, deletion protection */
    json_object_del(meta, "Tags");
    json_object_del(meta, "Stream");
    json_object_del(meta, "StreamLabel");
    json_object_del(meta, "DeletionProtection");
    json_object_del(meta, "TtlAt"); /* the last UpdateTimeToLive: the restored table's own */
    json_object_del(meta, "PprSwitches"); /* the switches to on-demand: the restored table's own */
    json_object_del(meta, "SseChanges");  /* the encryption key changes: likewise */
    json_object_del(meta, "ClassChanges"); /* the TableClass changes: likewise */
    json_object_del(meta, "LastIncrease");
    json_object_del(meta, "LastDecrease");
    json_object_del(meta, "Decreases");
    json_object_del(meta, "DecDay");
    json_object_del(meta, "Pending");
    json_object_del(meta, "Ci"); /* Contributor Insights: a setting of the table, like TTL (not
                                  * measured on AWS: the restore guide lists what to set again) */
    json_object_del(meta, "Policy"); /* resource-based policies: IAM policies, which the restore */
    json_object_del(meta, "StreamPolicy"); /* guide lists among what to set up again */
    json_object_del(meta, "Kinesis"); /* Kinesis destinations: a stream setting */
}

/* The restore's target name: sn (STORE_NAME_MAX), x's target in the caller's namespace, of no
 * table (also none still DELETING).  0, ERR_VALIDATION (too long), ERR_TABLE_ALREADY_EXISTS. */
static int bk_restore_name(api_req *r, const bk_target *x, char *sn)
{
    char nsb[STORE_NAME_MAX];
    int n = snprintf(sn, STORE_NAME_MAX, "%s%s", bk_ns(r, nsb), x->target);
    if (n < 0 || n >= STORE_NAME_MAX)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_INVALID_TABLE_NAME);
    const store_table *existing = NULL;
    int rc = api_pin_table(r, sn, &existing);
    if (rc)
        return rc;
    if (api_table_name_taken(r->api, sn, existing)) /* also one still DELETING */
        return err_set(r->err, ERR_TABLE_ALREADY_EXISTS, TXT_BK_TABLE_EXISTS, x->target);
    return 0;
}

/* OnDemandThroughputOverride into meta: only onto an on-demand restore (ppr), and it replaces
 * the recorded ceilings (AWS, ack-api-quirks DDB-TABLE-280 / 281, live probes 2026-10-09).
 * 0, ERR_VALIDATION or ERR_NOMEM. */
static int bk_restore_odt(api_req *r, const bk_target *x, bool ppr, json_t *meta)
{
    const char *odm = NULL;
    for (int k = 0; !odm && k < 2; k++) {
        static const char *const m[] = {"MaxReadRequestUnits", "MaxWriteRequestUnits"};
        if (json_is_integer(json_object_get(x->ov.odto, m[k])))
            odm = m[k];
    }
    if (odm && !ppr)
        return err_set(r->err, ERR_VALIDATION, TXT_BK_ODT_OVERRIDE, odm);
    /* the override's ceilings in CreateTable's range (1 or more; -1 refused as at a
     * creation): the service's answer to a bad override is not known, so CreateTable's rule
     * and text (test_backups test_restore_odt_override_range) */
    const char *odr = odm ? api_odt_out_of_range(x->ov.odto, false) : NULL;
    if (odr)
        return err_set(r->err, ERR_VALIDATION, TXT_ODT_RANGE, odr);
    if (odm) {
        json_object_del(meta, "Odt");
        if (api_odt_merge(meta, x->ov.odto))
            return api_nomem(r);
    }
    return 0;
}

/* The target table (name sn) the restore creates, into *out (r->arena): the backup's key
 * schema and indexes and its metadata with the overrides (billing mode, units, ceilings, SSE),
 * less what a restore does not carry, with a new TableId and its Restore record.  0,
 * ERR_VALIDATION (an override that does not fit), ERR_INTERNAL (a damaged definition) or
 * ERR_NOMEM. */
static int bk_restore_plan(api_req *r, const bk_target *x, const char *sn, store_table **out)
{
    const char *bmo = x->ov.bmo, *id = x->dump_id;
    json_t *pto = x->ov.pto, *sseo = x->ov.sseo;
    json_t *meta = NULL;
    int rc = 0;
    json_t *def = x->def;
    store_table *t = arena_zalloc(r->arena, sizeof *t);
    if (!t) {
        rc = api_nomem(r);
        goto done;
    }
    snprintf(t->name, sizeof t->name, "%s", sn);
    if (!api_bkdef_keydef_from(json_object_get(def, "key"), r->arena, &t->key)) {
        rc = err_set(r->err, ERR_INTERNAL, "backup %s has a damaged definition", id);
        goto done;
    }
    /* a backup without metadata restores with none; a failed copy is out of memory, not
     * an empty metadata (a table without its billing and GSIs' units) */
    meta = json_is_object(x->meta) ? json_deep_copy(x->meta) : json_object();
    if (!meta) {
        rc = api_nomem(r);
        goto done;
    }
    const char *bm = json_string_value(json_object_get(meta, "BillingMode"));
    bool was_ppr = bm && !strcmp(bm, "PAY_PER_REQUEST"); /* bm dies when meta changes */
    bool ppr = bmo ? !strcmp(bmo, "PAY_PER_REQUEST") : was_ppr;
    /* vector indexes need an on-demand table (inferred: CreateTable's text, api_text.h) */
    if (!ppr && api_vix_count(r->api, meta, base_wall_ms())) {
        rc = err_set(r->err, ERR_VALIDATION, "%s", TXT_VIX_PROVISIONED);
        goto done;
    }
    if ((rc = bk_restore_odt(r, x, ppr, meta)))
        goto done;
    json_t *gmeta = json_object_get(meta, "Gsi");
    json_t *new_gmeta = json_object();
    if (!new_gmeta) {
        rc = api_nomem(r);
        goto done;
    }
    if ((rc = bk_restore_indexes(r, x, ppr, gmeta, t, new_gmeta))) {
        json_decref(new_gmeta);
        goto done;
    }
    if ((rc = bk_put(r, meta, "Gsi", new_gmeta))) /* gmeta dies here */
        goto done;
    int64_t now = base_wall_ms();
    if ((rc = bk_restore_billing(r, pto, ppr, was_ppr, now, meta)))
        goto done;
    bk_meta_not_restored(meta);
    uuid_t u;
    char us[37];
    uuid_generate_random(u);
    uuid_unparse_lower(u, us);
    if ((sseo && (rc = bk_put_ref(r, meta, "SSE", sseo))) ||
        (rc = bk_put(r, meta, "TableId", json_string(us))) ||
        (rc = bk_put_ref(r, meta, "Restore", x->restore)))
        goto done;
    char *ms = ddbjson_dumps_whole(meta, JSON_COMPACT);
    if (!ms) {
        rc = api_nomem(r);
        goto done;
    }
    t->meta = arena_strdup(r->arena, ms);
    t->meta_len = strlen(ms);
    free(ms);
    if (!t->meta) {
        rc = api_nomem(r);
        goto done;
    }
    t->created_ms = now;
    *out = t;
done:
    json_decref(meta);
    return rc;
}

/* Creates the planned table t (name sn) and starts its restore job: *out the created table,
 * pinned for the request.  A job that cannot start takes the table away again; a stopping api
 * leaves the restore waiting for the next start.  0 or the error. */
static int bk_restore_apply(api_req *r, const bk_target *x, store_table *t, const char *sn,
                            const store_table **out)
{
    const char *target = x->target, *id = x->dump_id;
    int guard = -1;
    /* The table is created and its restore's lock taken under RESTORE_GUARD, which a
     * start-up resume takes once it has found a restore, before it tries the restore's lock
     * (api_backups_resume): it never tries this table's before the job holds it (and then
     * leaves the restore to us).
     * Before, a resume in that window took the lock first and this answered "it runs in
     * another process" for a restore that ran (review30c R30c-3). */
    int rc = store_bk_lock(r->api->store, RESTORE_GUARD, true, &guard, r->err);
    if (rc)
        goto done;
    const store_table *created = NULL;
    if ((rc = store_table_create(r->api->store, t, &created, NULL, r->err))) {
        if (rc == ERR_RESOURCE_IN_USE) {
            err_clear(r->err);
            rc = err_set(r->err, ERR_TABLE_ALREADY_EXISTS, TXT_BK_TABLE_EXISTS, target);
        }
        goto done;
    }
    if (created && (rc = api_keep_pin(r, created)))
        goto done;
    if (!created && (rc = api_pin_table(r, sn, &created)))
        goto done;
    if (!created) {
        rc = err_set(r->err, ERR_INTERNAL, "the restored table vanished");
        goto done;
    }
    rc = api_bk_start_restore(r->api, id, x->pitr, created, r->err);
    if (rc == ERR_SERVICE_UNAVAILABLE) {
        /* the api is stopping (its manager refuses new jobs): the restore is accepted and
         * waits, as one a stop pauses does, for the next start (api_backups_resume loads a
         * table whose Restore says InProgress and whose lock is free); registered like
         * another process's restore so that this process refuses its data plane until then.
         * A DescribeTable already saw it CREATING: AWS's table of an accepted restore
         * becomes ACTIVE.  (serve drains its requests before api_free, so a request rarely
         * meets this.)  Before: deleted and 503 (test_op_backup
         * test_restore_met_by_a_stop_waits_for_the_next_start). */
        err_clear(r->err);
        if ((rc = api_bk_foreign_add(api_bk_mgr(r->api), id, x->pitr, created, r->err)) == 0)
            log_info("restore of %s from backup %s waits for the next start: the server is "
                     "stopping",
                     target, id);
    }
    if (rc) {
        /* no job (its lock file cannot be opened, ...): the table goes again rather than
         * stay CREATING with nothing loading it (before: until the next start, and served
         * meanwhile; review30c R30c-3) */
        err_t de = {0};
        api_bk_foreign_drop(api_bk_mgr(r->api), created->id);
        if (store_table_delete(r->api->store, sn, &de))
            log_error("restore of %s: its table cannot be removed after the restore "
                      "could not start: %s", target, de.msg);
        goto done;
    }
    *out = created;
done:
    store_bk_unlock(guard);
    return rc;
}

/* Restores x into its target: the name checked, the table planned, then created with its
 * restore job started; *out the reply (TableDescription, CREATING).  *out_started: the table
 * was created and its restore started (its job owns the dump), also when the reply could not
 * be built after that (ERR_NOMEM: the restore goes on, as after a lost reply; a point-in-time
 * restore must then leave its dump, test_restore_alloc). */
static int bk_restore_into(api_req *r, const bk_target *x, bool *out_started, json_t **out)
{
    char sn[STORE_NAME_MAX];
    store_table *t = NULL;
    const store_table *created = NULL;
    int rc;
    *out_started = false;
    if ((rc = bk_restore_name(r, x, sn)) || (rc = bk_restore_plan(r, x, sn, &t)) ||
        (rc = bk_restore_apply(r, x, t, sn, &created)))
        return rc;
    *out_started = true;
    json_t *desc = NULL;
    if ((rc = api_table_describe(r, created, "CREATING", &desc)))
        return rc;
    *out = json_pack("{s:o}", "TableDescription", desc); /* takes desc, also on failure */
    return *out ? 0 : api_nomem(r);
}

/* The two restores' shared members (RestoreTableFromBackup, RestoreTableToPointInTime): the
 * target table name (the classic TableName constraints: 3..255, the name pattern; one
 * violation reported per member) and the billing mode override. */
static void vld_restore_target(api_vld *v, const char *target)
{
    if (!target)
        api_vld_null(v, "targetTableName");
    else if (bk_units(target) < 3)
        api_vld_min_len(v, target, "targetTableName", 3);
    else if (bk_units(target) > 255)
        api_vld_max_len(v, target, "targetTableName", 255);
    else if (!api_name_valid(target))
        api_vld_add(v,
                    "Value '%s' at 'targetTableName' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                    target);
}

static void vld_billing_override(api_vld *v, const char *bmo)
{
    if (bmo && strcmp(bmo, "PROVISIONED") && strcmp(bmo, "PAY_PER_REQUEST"))
        api_vld_enum(v, bmo, "billingModeOverride", "PROVISIONED, PAY_PER_REQUEST");
}

/* The restores' overrides (GlobalSecondaryIndexOverride, LocalSecondaryIndexOverride,
 * ProvisionedThroughputOverride, OnDemandThroughputOverride, SSESpecificationOverride) against
 * their model (api_schema_restore_overrides): types when v is NULL (a SerializationException
 * anywhere inside them, the service deserialising the whole request first), else their
 * violations added to v after the members before them.  Both restores end their models with
 * these, in this order.  They were checked at the top level only (review13 F4: the SSE override
 * was stored as given; aws24: an override's index, throughput or projected names never were;
 * test_backups test_restore_overrides_checked_by_the_model). */
static int vld_overrides(api_req *r, api_vld *v)
{
    int rc = api_walk_members(&api_jview_jansson, r->body, api_schema_restore_overrides(), !v,
                              v, r->err);
    if (rc && v) { /* ERR_NOMEM: the violations so far are let go */
        err_t none = {0};
        api_vld_finish(v, &none);
    }
    return rc;
}

/* Both restores' overrides, read after the members before them (each restore's model ends
 * with these, in this order): their top-level types, then their insides' (vld_overrides with
 * no v).  ERR_SERIALIZATION, ERR_NOMEM. */
static int bk_overrides_read(api_req *r, bk_overrides *ov)
{
    int rc;
    if ((rc = api_json_str_whole(r->body, "BillingModeOverride", r->arena, &ov->bmo, r->err)) ||
        (rc = api_json_arr(r->body, "GlobalSecondaryIndexOverride", &ov->gso, r->err)) ||
        (rc = api_json_arr(r->body, "LocalSecondaryIndexOverride", &ov->lso, r->err)) ||
        (rc = api_json_obj(r->body, "ProvisionedThroughputOverride", &ov->pto, r->err)) ||
        (rc = api_json_obj(r->body, "OnDemandThroughputOverride", &ov->odto, r->err)) ||
        (rc = api_json_obj(r->body, "SSESpecificationOverride", &ov->sseo, r->err)))
        return rc;
    return vld_overrides(r, NULL);
}

int op_restore_table_from_backup(api_req *r, json_t **out)
{
    const char *target, *arn;
    bk_overrides ov;
    int rc;
    if ((rc = api_json_str_whole(r->body, "TargetTableName", r->arena, &target, r->err)) ||
        (rc = api_json_str_whole(r->body, "BackupArn", r->arena, &arn, r->err)) ||
        (rc = bk_overrides_read(r, &ov)))
        return rc;
    api_vld v;
    api_vld_init(&v);
    vld_restore_target(&v, target);
    vld_backup_arn(&v, arn);
    vld_billing_override(&v, ov.bmo);
    if ((rc = vld_overrides(r, &v)) || (rc = api_vld_finish_aws(&v, r->err)))
        return rc;
    if ((rc = bk_arn_shape(r, arn)))
        return rc;

    char id[32];
    json_t *rec = NULL;
    /* the hold first, then the record: a DeleteBackup either finished before (not found) or
     * waits for the job (in use), never removes the dump in between (bk_hold) */
    bk_mgr *m = api_bk_mgr(r->api);
    bk_hold *h = NULL;
    const char *hid = bk_arn_id(arn);
    if (m && hid && (rc = api_bk_hold_take(m, hid, false, &h, r->err)))
        return rc;
    if ((rc = bk_find(r, arn, id, &rec)))
        goto done;
    const char *st = bk_rec_str(rec, "BackupStatus");
    if (!st || strcmp(st, "AVAILABLE") != 0) {
        rc = err_set(r->err, ERR_BACKUP_IN_USE, "%s", TXT_BK_IN_USE);
        goto done;
    }
    json_t *ver = json_object_get(rec, "v"); /* absent: written before versions, 1 */
    if (json_is_integer(ver) && json_integer_value(ver) > BK_RECORD_VERSION) {
        rc = err_set(r->err, ERR_VALIDATION, TXT_BK_NEWER, arn,
                     (long long)json_integer_value(ver), BK_RECORD_VERSION);
        goto done;
    }
    json_t *restore = json_pack("{s:s,s:O,s:I,s:b}", "SourceBackupArn", arn, "SourceTableArn",
                                json_object_get(json_object_get(rec, "SourceTableDetails"),
                                                "TableArn"),
                                "RestoreDateTime", (json_int_t)base_wall_ms(), "InProgress", 1);
    bk_target x = {.target = target, .def = json_object_get(rec, "Def"),
                   .meta = json_object_get(rec, "Meta"), .restore = restore, .dump_id = id,
                   .ov = ov};
    bool started = false;
    /* the job is registered */
    rc = restore ? bk_restore_into(r, &x, &started, out) : api_nomem(r);
    json_decref(restore);
done:
    if (m)
        api_bk_hold_release(m, h);
    json_decref(rec);
    return rc;
}

/* ---- point-in-time recovery ----------------------------------------------------------------- */

/* The table a TableName / SourceTableName member names (a name or this region's table ARN),
 * in the caller's namespace: *out pinned for the request, or NULL. */
static int bk_table_named(api_req *r, const char *name_or_arn, const store_table **out)
{
    *out = NULL;
    const char *name;
    int rc = bk_name_from(r, name_or_arn, &name);
    char nsb[STORE_NAME_MAX], sn[STORE_NAME_MAX];
    if (rc || !name || !api_name_valid(name))
        return rc;
    int n = snprintf(sn, sizeof sn, "%s%s", bk_ns(r, nsb), name);
    if (n <= 0 || n >= (int)sizeof sn)
        return 0;
    return api_pin_table(r, sn, out);
}

/* Reads TableName into *tname and adds its model violations to v (the caller reports them,
 * with the violations of the members after it: AWS lists every violation of a request in one
 * message, in the model's member order). */
static int bk_pitr_table(api_req *r, api_vld *v, const char **tname)
{
    int rc = api_json_str_whole(r->body, "TableName", r->arena, tname, r->err);
    if (rc)
        return rc;
    if (!*tname)
        api_vld_null(v, "tableName");
    else if (bk_units(*tname) < 1)
        api_vld_min_len(v, *tname, "tableName", 1);
    else if (bk_units(*tname) > BK_ARN_MAX)
        api_vld_max_len(v, *tname, "tableName", BK_ARN_MAX);
    return 0;
}

/* ContinuousBackupsDescription of a table with recovery state p, as of now_ms. */
static json_t *bk_pitr_desc(const store_pitr *p, int64_t now_ms)
{
    json_t *d = json_object();
    if (p->enabled) {
        /* now_ms is the history's clock (store_pitr_now), later than since_ms always:
         * enabling moves it past since, opening starts it past every table's since, and
         * since moves on only to a moment already passed (the window's start, a trimmed
         * record) */
        int64_t earliest = now_ms - p->retention_ms;
        if (earliest < p->since_ms)
            earliest = p->since_ms;
        json_object_set_new(d, "PointInTimeRecoveryStatus", json_string("ENABLED"));
        json_object_set_new(d, "RecoveryPeriodInDays", json_integer(p->days));
        json_object_set_new(d, "EarliestRestorableDateTime", api_ms_json(earliest));
        json_object_set_new(d, "LatestRestorableDateTime", api_ms_json(now_ms));
    } else {
        json_object_set_new(d, "PointInTimeRecoveryStatus", json_string("DISABLED"));
    }
    return json_pack("{s:{s:s,s:o}}", "ContinuousBackupsDescription", "ContinuousBackupsStatus",
                     "ENABLED", "PointInTimeRecoveryDescription", d);
}

int op_describe_continuous_backups(api_req *r, json_t **out)
{
    const char *tname;
    const store_table *t = NULL;
    api_vld v;
    api_vld_init(&v);
    int rc = bk_pitr_table(r, &v, &tname);
    if (rc == 0)
        rc = api_vld_finish_aws(&v, r->err);
    if (rc == 0)
        rc = bk_table_named(r, tname, &t);
    if (rc)
        return rc;
    if (!t)
        return err_set(r->err, ERR_TABLE_NOT_FOUND, TXT_BK_TABLE_NOT_FOUND, tname);
    store_pitr p;
    if ((rc = store_pitr_get(r->api->store, t, &p, r->err)))
        return rc;
    *out = bk_pitr_desc(&p, store_pitr_now(r->api->store));
    return *out ? 0 : api_nomem(r);
}

int op_update_continuous_backups(api_req *r, json_t **out)
{
    const char *tname;
    const store_table *t = NULL;
    json_t *spec = NULL;
    bool has_en = false, en = false, has_days = false;
    long long days = 0;
    /* the members' JSON types first: AWS reads the whole request before it validates it */
    int rc = api_json_obj(r->body, "PointInTimeRecoverySpecification", &spec, r->err);
    if (rc == 0 && spec)
        rc = api_json_bool(spec, "PointInTimeRecoveryEnabled", &has_en, &en, r->err);
    if (rc == 0 && spec)
        rc = api_json_int(spec, "RecoveryPeriodInDays", &has_days, &days, r->err);
    api_vld v;
    api_vld_init(&v);
    /* TableName's violations and the specification's in one message, in that order (the
     * model's; test_model_constraints.py test_required_members_missing_together) */
    if (rc == 0)
        rc = bk_pitr_table(r, &v, &tname);
    if (rc)
        return rc;
    if (!has_days)
        days = STORE_PITR_DAYS_DEFAULT;
    if (!spec)
        api_vld_null(&v, "pointInTimeRecoverySpecification");
    else if (!has_en)
        api_vld_null(&v, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
    if (has_days && days < 1)
        api_vld_min_val(&v, days, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1);
    else if (has_days && days > STORE_PITR_DAYS_MAX)
        api_vld_max_val(&v, days, "pointInTimeRecoverySpecification.recoveryPeriodInDays",
                        STORE_PITR_DAYS_MAX);
    if ((rc = api_vld_finish_aws(&v, r->err)))
        return rc;
    if ((rc = bk_table_named(r, tname, &t)))
        return rc;
    if (!t)
        return err_set(r->err, ERR_TABLE_NOT_FOUND, TXT_BK_TABLE_NOT_FOUND, tname);
    if ((rc = api_restore_refuse(r, t)))
        return rc;
    store_pitr p;
    if ((rc = store_pitr_set(r->api->store, t, en, en ? (uint32_t)days : 0,
                             en ? days * STORE_PITR_DAY_MS : 0, &p, r->err)))
        return rc;
    *out = bk_pitr_desc(&p, store_pitr_now(r->api->store));
    return *out ? 0 : api_nomem(r);
}

static int bk_pitr_item(void *ctx, const av_t *item, err_t *e)
{
    return store_dump_add(ctx, item, e);
}

int op_restore_table_to_point_in_time(api_req *r, json_t **out)
{
    const char *target, *sname, *sarn;
    bk_overrides ov;
    json_t *when;
    bool has_latest = false, latest = false;
    int rc;
    if ((rc = api_json_str_whole(r->body, "TargetTableName", r->arena, &target, r->err)) ||
        (rc = api_json_str_whole(r->body, "SourceTableName", r->arena, &sname, r->err)) ||
        (rc = api_json_str_whole(r->body, "SourceTableArn", r->arena, &sarn, r->err)) ||
        (rc = api_json_bool(r->body, "UseLatestRestorableTime", &has_latest, &latest, r->err)) ||
        (rc = bk_overrides_read(r, &ov)))
        return rc;
    when = json_object_get(r->body, "RestoreDateTime");
    if (when && !json_is_number(when))
        return err_set(r->err, ERR_SERIALIZATION, "class java.lang.String can not be converted "
                                                  "to an Double");
    api_vld v;
    api_vld_init(&v);
    vld_restore_target(&v, target);
    if (sname && bk_units(sname) < 3)
        api_vld_min_len(&v, sname, "sourceTableName", 3);
    else if (sname && bk_units(sname) > 255)
        api_vld_max_len(&v, sname, "sourceTableName", 255);
    if (sarn && bk_units(sarn) < 1)
        api_vld_min_len(&v, sarn, "sourceTableArn", 1);
    else if (sarn && bk_units(sarn) > BK_ARN_MAX)
        api_vld_max_len(&v, sarn, "sourceTableArn", BK_ARN_MAX);
    vld_billing_override(&v, ov.bmo);
    if ((rc = vld_overrides(r, &v)) || (rc = api_vld_finish_aws(&v, r->err)))
        return rc;
    if (!sname == !sarn)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_PITR_ONE_SOURCE);
    if (latest && when)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_PITR_ONE_TIME);
    if (!latest && !when)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_PITR_NO_TIME);

    const char *src = sname ? sname : sarn;
    const store_table *t = NULL;
    if ((rc = bk_table_named(r, src, &t)))
        return rc;
    if (!t)
        return err_set(r->err, ERR_TABLE_NOT_FOUND, TXT_BK_TABLE_NOT_FOUND, src);
    store_t *s = r->api->store;
    store_pitr p;
    if ((rc = store_pitr_get(s, t, &p, r->err)))
        return rc;
    if (!p.enabled)
        return err_set(r->err, ERR_PITR_UNAVAILABLE, TXT_PITR_UNAVAILABLE, bk_visible(t->name));
    /* one clock reading for the request: the window is checked here, the store checks only
     * that its history covers the time (review13 F8: a second reading there refused the
     * EarliestRestorableDateTime just described) */
    int64_t now = store_pitr_now(s); /* after since_ms and the newest record (bk_pitr_desc) */
    int64_t at = now;
    if (when) {
        double sec = json_number_value(when);
        int64_t roll = now - p.retention_ms; /* the period's start */
        int64_t earliest = roll > p.since_ms ? roll : p.since_ms;
        /* to the second as AWS does, or the millisecond when the caller gives one: a time
         * within the window's first second is its start; so is one in the second before
         * the period's start, which moves on while a request travels (a restore to the
         * EarliestRestorableDateTime just described, test_review13 test_f8) */
        int64_t lowest = (p.since_ms / 1000) * 1000;
        if ((roll / 1000) * 1000 - BK_PITR_EDGE_MS > lowest)
            lowest = (roll / 1000) * 1000 - BK_PITR_EDGE_MS;
        if (!(sec * 1000.0 >= (double)lowest) || sec * 1000.0 > (double)now)
            return err_set(r->err, ERR_INVALID_RESTORE_TIME, "%s", TXT_PITR_BAD_TIME);
        at = (int64_t)(sec * 1000.0);
        if (at < earliest)
            at = earliest;
    }
    char nsb[STORE_NAME_MAX], sn[STORE_NAME_MAX];
    int n = snprintf(sn, sizeof sn, "%s%s", bk_ns(r, nsb), target);
    if (n < 0 || n >= (int)sizeof sn)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_INVALID_TABLE_NAME);
    const store_table *existing = NULL;
    if ((rc = api_pin_table(r, sn, &existing)))
        return rc;
    if (api_table_name_taken(r->api, sn, existing)) /* also one still DELETING */
        return err_set(r->err, ERR_TABLE_ALREADY_EXISTS, TXT_BK_TABLE_EXISTS, target);

    /* the source as of `at`, into a dump of its own that the restore job loads */
    char id[32], name[64], path[4096], lock[64];
    bk_new_id(id);
    api_bk_file(name, sizeof name, id, ".dump");
    api_bk_file(lock, sizeof lock, id, ".lock");
    json_t *def = NULL, *meta = NULL, *restore = NULL;
    store_dump *d = NULL;
    bool made = false;
    int lock_fd = -1;
    /* held until the target table names the dump: a server starting removes a dump that no
     * table names and no live process holds (api_backups_resume) */
    if ((rc = store_bk_lock(s, lock, true, &lock_fd, r->err)) ||
        (rc = store_bk_path(s, name, path, sizeof path, r->err)))
        goto done;
    static const char hdr[] = "{\"PointInTime\":true}";
    if ((rc = store_dump_create(path, hdr, sizeof hdr - 1, &d, r->err)))
        goto done;
    rc = store_pitr_snapshot(s, t, at, NULL, bk_pitr_item, d, r->err);
    if (rc) {
        store_dump_abort(d);
        if (rc == ERR_VALIDATION) { /* the history was trimmed past it meanwhile */
            err_clear(r->err);
            rc = err_set(r->err, ERR_INVALID_RESTORE_TIME, "%s", TXT_PITR_BAD_TIME);
        }
        goto done;
    }
    if ((rc = store_dump_finish(d, NULL, NULL, r->err)))
        goto done;
    made = true;
    def = api_bkdef_json(t);
    meta = api_table_meta(t);
    restore = json_pack("{s:s?,s:I,s:b,s:s}", "SourceTableArn",
                        bk_table_arn(r, bk_visible(t->name)), "RestoreDateTime", (json_int_t)at,
                        "InProgress", 1, "PitrDump", id);
    if (!def || !meta || !restore) {
        rc = api_nomem(r);
        goto done;
    }
    bk_target x = {.target = target, .def = def, .meta = meta, .restore = restore,
                   .dump_id = id, .pitr = true, .ov = ov};
    bool started = false;
    rc = bk_restore_into(r, &x, &started, out);
    if (started)
        made = false; /* the restore job owns the dump now (also when its reply failed) */
done:
    if (made) {
        err_t ie = {0};
        if (store_bk_remove(s, name, &ie))
            log_warn("point-in-time restore of %s: its dump backups/%s is left behind: %s",
                     target, name, ie.msg);
    }
    if (lock_fd >= 0) {
        err_t ig = {0};
        store_bk_remove(s, lock, &ig);
        store_bk_unlock(lock_fd);
    }
    json_decref(def);
    json_decref(meta);
    json_decref(restore);
    return rc;
}

/* A server starting: removes backups/<id>.dump and <id>.dump.tmp that nothing owns -- no
 * backup record <id>.json, no table's Restore.PitrDump, no live process holding <id>.lock.
 * A RestoreTableToPointInTime killed while writing its dump (.dump.tmp) or before its
 * target table named it, or a CreateBackup killed while CREATING (its record removed
 * above, its .dump.tmp not), left a table-sized file for good (attack29: 5 of 6 kills
 * amid a restore of 20,000 items; test_backups test_orphan_dumps_are_removed_at_start).
 * The lock is taken before the tables are read: a process that held it has named its dump
 * in a committed table by the time it lets go. */
static void bk_sweep_dumps(api_t *api, arena_t *a)
{
    static const char *const kinds[] = {".dump", ".dump.tmp"};
    for (size_t k = 0; k < 2; k++) {
        char **names = NULL;
        size_t n = 0;
        err_t e = {0};
        if (store_bk_list(api->store, kinds[k], a, &names, &n, &e))
            continue;
        for (size_t i = 0; i < n; i++) {
            char id[32], file[64];
            size_t l = strlen(names[i]), kl = strlen(kinds[k]);
            if (l <= kl || l - kl >= sizeof id)
                continue;
            snprintf(id, sizeof id, "%.*s", (int)(l - kl), names[i]);
            if (!bk_id_ok(id))
                continue;
            err_t ie = {0};
            api_bk_file(file, sizeof file, id, ".json");
            char path[4096];
            if (store_bk_path(api->store, file, path, sizeof path, &ie) != 0 ||
                access(path, F_OK) == 0 || errno != ENOENT)
                continue; /* a backup's dump (or unknowable): the record's sweep decides */
            int fd = -1;
            api_bk_file(file, sizeof file, id, ".lock");
            if (store_bk_lock(api->store, file, false, &fd, &ie) != 0 || fd < 0)
                continue; /* being written by a live process */
            bool named = false;
            char **tabs = NULL;
            size_t nt = 0;
            if (store_table_list(api->store, a, &tabs, &nt, &ie) != 0)
                named = true; /* unknowable: keep it */
            for (size_t t = 0; !named && t < nt; t++) {
                const store_table *st = store_table_pin(api->store, tabs[t]);
                if (st && st->meta && strstr(st->meta, "\"PitrDump\"")) {
                    json_t *meta = api_table_meta(st);
                    const char *pd = json_string_value(
                        json_object_get(json_object_get(meta, "Restore"), "PitrDump"));
                    named = pd && strcmp(pd, id) == 0;
                    json_decref(meta);
                }
                store_table_unpin(api->store, st);
            }
            if (!named) {
                err_t re = {0};
                if (store_bk_remove(api->store, names[i], &re) == 0)
                    log_info("backups/%s belonged to a restore or backup a stopped process "
                             "left unfinished: removed", names[i]);
                else
                    log_warn("backups/%s is left behind: %s", names[i], re.msg);
            }
            store_bk_remove(api->store, file, &ie);
            store_bk_unlock(fd);
        }
    }
}

/* ---- a restore in progress, start-up -------------------------------------------------------------- */

int api_backups_resume(api_t *api, err_t *e)
{
    arena_t a;
    arena_init(&a);
    int rc = 0, guard = -1;
    /* backups left CREATING by a process that is gone */
    char **names = NULL;
    size_t n = 0;
    if (store_bk_list(api->store, ".json", &a, &names, &n, e) == 0) {
        for (size_t i = 0; i < n; i++) {
            char id[32];
            size_t l = strlen(names[i]);
            if (l != 28)
                continue;
            snprintf(id, sizeof id, "%.*s", (int)(l - 5), names[i]);
            json_t *rec = NULL;
            err_t ie = {0};
            if (!bk_id_ok(id) || bk_record_load(api->store, id, &rec, &ie) != 0)
                continue;
            const char *st = bk_rec_str(rec, "BackupStatus");
            if (st && strcmp(st, "CREATING") == 0 && !bk_creating_somewhere(api, id)) {
                err_t re = {0};
                if (bk_record_remove(api->store, id, &re) == 0) /* (a failure is logged) */
                    log_info("backup %s was being created by a process that stopped: removed",
                             id);
            }
            json_decref(rec);
        }
    }
    /* restores to finish */
    char **tabs = NULL;
    size_t nt = 0;
    if ((rc = store_table_list(api->store, &a, &tabs, &nt, e)))
        goto done;
    for (size_t i = 0; i < nt; i++) {
        const store_table *t = store_table_pin(api->store, tabs[i]);
        if (!t || !t->meta || !strstr(t->meta, "\"InProgress\":true")) {
            store_table_unpin(api->store, t);
            continue;
        }
        /* a restore found: RESTORE_GUARD taken before its lock is tried (bk_restore_into
         * holds it from before the table's creation until its job has the lock) */
        err_t ge = {0};
        if (guard < 0 && store_bk_lock(api->store, RESTORE_GUARD, true, &guard, &ge))
            log_warn("restores to resume: %s", ge.msg);
        json_t *meta = api_table_meta(t);
        json_t *res = json_object_get(meta, "Restore");
        const char *src = json_string_value(json_object_get(res, "SourceBackupArn"));
        const char *p = src ? strstr(src, "/backup/") : NULL;
        const char *pd = json_string_value(json_object_get(res, "PitrDump"));
        if (json_is_true(json_object_get(res, "InProgress")) && p && bk_id_ok(p + 8)) {
            log_info("resuming the restore of %s from backup %s", t->name, p + 8);
            err_t ie = {0};
            int rrc = api_bk_start_restore(api, p + 8, false, t, &ie);
            if (rrc == ERR_RESOURCE_IN_USE) /* another process runs it: the usual case */
                log_info("the restore of %s runs in another process", t->name);
            else if (rrc)
                log_error("cannot resume the restore of %s: %s", t->name, ie.msg);
        } else if (json_is_true(json_object_get(res, "InProgress")) && pd && bk_id_ok(pd)) {
            log_info("resuming the point-in-time restore of %s", t->name);
            err_t ie = {0};
            int rrc = api_bk_start_restore(api, pd, true, t, &ie);
            if (rrc == ERR_RESOURCE_IN_USE) /* another process runs it: the usual case */
                log_info("the point-in-time restore of %s runs in another process", t->name);
            else if (rrc)
                log_error("cannot resume the restore of %s: %s", t->name, ie.msg);
        }
        json_decref(meta);
        store_table_unpin(api->store, t);
    }
    store_bk_unlock(guard);
    guard = -1;
    bk_sweep_dumps(api, &a);
done:
    store_bk_unlock(guard);
    arena_fini(&a);
    return rc;
}
