/*
 * op_elsewhere — the operations on resources that live outside a local endpoint: exports to
 * and imports from S3, and global tables (version 2017.11.29, replicas in other Regions).
 * Layer: api.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListExports.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListGlobalTables.html
 *
 * ddbchat has no S3 and one Region, so it holds none of these: the listings are AWS's
 * answers for an account that has none (an empty list, no NextToken), and describing one is
 * its not-found error (the type is the API's; the texts are not measured on AWS: "Global
 * table with name: 'T' does not exist." is the text AWS gives DescribeTableReplicaAutoScaling
 * for a missing table, ack-api-quirks DDB-TABLE-014's notes, taken for the global table
 * operations; the export and import texts name the ARN).  The request model's checks
 * (api_schema.c) come first.  Starting an export or import, and creating or updating a global
 * table, stay UnknownOperationException: README says why and what to use instead
 * (`ddbchat export` / `ddbchat import` write and read DynamoDB's S3 export format).
 */
#include "api/api_int.h"
#include "api/api_validate.h"

static int empty_list(api_req *r, const char *member, json_t **out)
{
    *out = json_pack("{s:[]}", member);
    return *out ? 0 : err_set(r->err, ERR_NOMEM, "out of memory");
}

int op_list_exports(api_req *r, json_t **out)
{
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

/* The not-found of a describe: `member`'s value (validated by the model) in `fmt`. */
static int not_found(api_req *r, int code, const char *member, const char *fmt)
{
    const char *v;
    int rc = api_json_str_whole(r->body, member, r->arena, &v, r->err);
    return rc ? rc : err_set(r->err, code, fmt, v ? v : "");
}

int op_describe_export(api_req *r, json_t **out)
{
    (void)out;
    return not_found(r, ERR_EXPORT_NOT_FOUND, "ExportArn", "Export not found: %s");
}

int op_describe_import(api_req *r, json_t **out)
{
    (void)out;
    return not_found(r, ERR_IMPORT_NOT_FOUND, "ImportArn", "Import not found: %s");
}

int op_describe_global_table(api_req *r, json_t **out)
{
    (void)out;
    return not_found(r, ERR_GLOBAL_TABLE_NOT_FOUND, "GlobalTableName",
                     "Global table with name: '%s' does not exist.");
}
