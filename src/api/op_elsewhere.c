/*
 * op_elsewhere — the operations on resources that live outside a local endpoint: exports to
 * and imports from S3, and global tables (version 2017.11.29, replicas in other Regions).
 * Layer: api.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListExports.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListGlobalTables.html
 *
 * ddbchat has no S3 and one Region, so it holds none of these: the listings are AWS's
 * answers for an account that has none (an empty list, no NextToken), and describing one is
 * its not-found error, after the ARN's shape is checked as AWS does (texts and sources in
 * api_text.h: ack-api-quirks DDB-EXPORT-006, DDB-IMPORT-010, DDB-GLOBALTABLE-004).  The
 * request model's checks (api_schema.c) come first.  Starting an export or import, creating a
 * global table and replica auto scaling are checked against their model as AWS checks them,
 * then answer UnknownOperationException (DynamoDB Local's answer to what it lacks) naming what
 * is missing; updating a global table is the not-found DescribeGlobalTable answers (ddbchat
 * holds none).  README says why and what to use instead (`ddbchat export` / `ddbchat import`
 * write and read DynamoDB's S3 export format); tests/e2e/test_elsewhere_ops.py.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_jview.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "api/api_walk.h"

static int empty_list(api_req *r, const char *member, json_t **out)
{
    *out = json_pack("{s:[]}", member);
    return *out ? 0 : api_nomem(r);
}

/* ListExports: no export is held, so any NextToken is one ddbchat never gave out (a garbage
 * token was answered the first page, an empty list): AWS's errors for a bad token by its
 * length (api_text.h).  tests/e2e/test_elsewhere_ops.py::test_list_exports_refuses_any_token */
#define EXPORT_TOKEN_MIN 112
#define EXPORT_TOKEN_MAX 656

int op_list_exports(api_req *r, json_t **out)
{
    const char *tok;
    size_t tl;
    int rc = api_json_strn(r->body, "NextToken", &tok, &tl, r->err);
    if (rc)
        return rc;
    if (tok) {
        size_t units = api_utf16_units(tok, tl); /* the model counts UTF-16 units */
        return err_set(r->err, ERR_VALIDATION, "%s",
                       units > EXPORT_TOKEN_MAX   ? TXT_EXPORT_TOKEN_LONG
                       : units < EXPORT_TOKEN_MIN ? TXT_EXPORT_TOKEN_SHORT
                                                  : TXT_EXPORT_TOKEN_BAD);
    }
    return empty_list(r, "ExportSummaries", out);
}

int op_list_imports(api_req *r, json_t **out)
{
    return empty_list(r, "ImportSummaryList", out);
}

int op_list_global_tables(api_req *r, json_t **out)
{
    return empty_list(r, "GlobalTables", out);
}

/* True for a table name AWS would accept (3..255 of a-z A-Z 0-9 _ - .). */
static bool name_ok(const char *s, size_t n)
{
    if (n < 3 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return false;
    return true;
}

/* DescribeExport / DescribeImport (`kind` "export" / "import"): the ARN's shape
 * arn:<partition>:dynamodb:<region>:<account>:table/<name>/<kind>/<id> decides the error
 * (DDB-EXPORT-006, DDB-IMPORT-010): another shape is ValidationException, another account
 * AccessDeniedException, another partition or region the not-found with "Invalid ... arn"
 * (a partition other than aws: inferred, taken as another region), a well-formed one of
 * this region and account the not-found naming it (ddbchat holds none). */
static int describe_job(api_req *r, const char *member, const char *kind, int code,
                        const char *bad, const char *other_region, const char *missing)
{
    const char *v;
    int rc = api_json_str_whole(r->body, member, r->arena, &v, r->err);
    if (rc)
        return rc;
    if (!v)
        v = "";
    /* f[0..5]: arn, partition, service, region, account, resource */
    const char *f[6];
    size_t fl[6];
    const char *s = v, *end = v + strlen(v);
    for (int i = 0; i < 6; i++) {
        const char *c = i < 5 ? memchr(s, ':', (size_t)(end - s)) : end;
        if (!c)
            return err_set(r->err, ERR_VALIDATION, "%s", bad);
        f[i] = s;
        fl[i] = (size_t)(c - s);
        s = c + 1;
    }
#define FIELD_IS(i, str) (fl[i] == strlen(str) && memcmp(f[i], str, fl[i]) == 0)
    const char *res = f[5], *name = res + 6;
    const char *slash = fl[5] > 6 ? memchr(name, '/', fl[5] - 6) : NULL;
    size_t kl = strlen(kind);
    const char *id = slash ? slash + 1 + kl + 1 : NULL;
    if (!FIELD_IS(0, "arn") || fl[1] == 0 || !FIELD_IS(2, "dynamodb") || fl[3] == 0 ||
        fl[4] == 0 || fl[5] <= 6 || memcmp(res, "table/", 6) != 0 || !slash ||
        !name_ok(name, (size_t)(slash - name)) || id > res + fl[5] ||
        memcmp(slash + 1, kind, kl) != 0 || id[-1] != '/' || id == res + fl[5] ||
        memchr(id, '/', (size_t)(res + fl[5] - id)))
        return err_set(r->err, ERR_VALIDATION, "%s", bad);
    if (!FIELD_IS(4, r->api->account_id))
        return err_set(r->err, ERR_ACCESS_DENIED, TXT_ARN_OTHER_ACCOUNT);
    if (!FIELD_IS(1, "aws") || !FIELD_IS(3, r->api->region))
        return err_set(r->err, code, "%s", other_region);
#undef FIELD_IS
    return err_set(r->err, code, missing, v);
}

int op_describe_export(api_req *r, json_t **out)
{
    (void)out;
    return describe_job(r, "ExportArn", "export", ERR_EXPORT_NOT_FOUND, TXT_EXPORT_BAD_ARN,
                        TXT_EXPORT_OTHER_REGION, TXT_EXPORT_NOT_FOUND);
}

int op_describe_import(api_req *r, json_t **out)
{
    (void)out;
    return describe_job(r, "ImportArn", "import", ERR_IMPORT_NOT_FOUND, TXT_IMPORT_BAD_ARN,
                        TXT_IMPORT_OTHER_REGION, TXT_IMPORT_NOT_FOUND);
}

/* The global table's not-found: its name (validated by the model) in `fmt`. */
static int gt_not_found(api_req *r, const char *fmt)
{
    const char *v;
    int rc = api_json_str_whole(r->body, "GlobalTableName", r->arena, &v, r->err);
    return rc ? rc : err_set(r->err, ERR_GLOBAL_TABLE_NOT_FOUND, fmt, v ? v : "");
}

int op_describe_global_table(api_req *r, json_t **out)
{
    (void)out;
    return gt_not_found(r, TXT_GT_NOT_FOUND);
}

int op_describe_global_table_settings(api_req *r, json_t **out)
{
    (void)out;
    return gt_not_found(r, TXT_GT_SETTINGS_NOT_FOUND);
}

/* ---- the operations a local endpoint cannot carry out ------------------------------------ */

int op_export_table_to_point_in_time(api_req *r, json_t **out)
{
    (void)out;
    json_t *arn = json_object_get(r->body, "TableArn");
    if (json_is_string(arn) && json_string_length(arn) == 0)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_EXPORT_EMPTY_TABLE_ARN);
    return err_set(r->err, ERR_UNKNOWN_OPERATION, "%s", TXT_UNSERVED_EXPORT);
}

int op_import_table(api_req *r, json_t **out)
{
    (void)out;
    return err_set(r->err, ERR_UNKNOWN_OPERATION, "%s", TXT_UNSERVED_IMPORT);
}

int op_create_global_table(api_req *r, json_t **out)
{
    (void)out;
    return err_set(r->err, ERR_UNKNOWN_OPERATION, "%s", TXT_UNSERVED_GLOBAL);
}

/* A replica update naming neither Create nor Delete (live AWS: the bare sentence, before the
 * global table is looked up), then the not-found (ddbchat holds no global table; the text
 * is DescribeGlobalTable's, AWS's own for an update not captured). */
int op_update_global_table(api_req *r, json_t **out)
{
    (void)out;
    json_t *ups = json_object_get(r->body, "ReplicaUpdates");
    for (size_t i = 0; i < json_array_size(ups); i++) {
        json_t *u = json_array_get(ups, i);
        if (!api_jv_present(&api_jview_jansson, u, "Create") &&
            !api_jv_present(&api_jview_jansson, u, "Delete"))
            return err_set(r->err, ERR_VALIDATION, "%s", TXT_GT_UPDATE_NO_ACTION);
    }
    return gt_not_found(r, TXT_GT_NOT_FOUND);
}

/* the not-found of DescribeGlobalTableSettings (AWS's own for an update not captured) */
int op_update_global_table_settings(api_req *r, json_t **out)
{
    (void)out;
    return gt_not_found(r, TXT_GT_SETTINGS_NOT_FOUND);
}

int op_describe_table_replica_auto_scaling(api_req *r, json_t **out)
{
    (void)out;
    return err_set(r->err, ERR_UNKNOWN_OPERATION, TXT_UNSERVED_AUTOSCALING,
                   "DescribeTableReplicaAutoScaling");
}

int op_update_table_replica_auto_scaling(api_req *r, json_t **out)
{
    (void)out;
    return err_set(r->err, ERR_UNKNOWN_OPERATION, TXT_UNSERVED_AUTOSCALING,
                   "UpdateTableReplicaAutoScaling");
}
