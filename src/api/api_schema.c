/*
 * api_schema — the request model of every operation, as data.  Layer: api.  See api_schema.h.
 *
 * Constraints from the API Reference (each operation's "Request Parameters"), with the
 * member order and the enum listings the service prints, where those were seen in its
 * answers (conformance captures 2026-06, dynalite's and Dynoxide's AWS-checked models).
 * Data only: no function here looks at a request.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html
 */
#include "api/api_schema.h"

#include <string.h>

/* ---- patterns ------------------------------------------------------------------------- */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static bool match_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!name_char(s[i]))
            return false;
    return true;
}

/* The data-plane operations' TableName: an empty name is reported by its length
 * constraint alone (the service does not add the pattern violation for ''). */
static bool match_name_or_empty(const char *s, size_t len)
{
    return len == 0 || match_name(s, len);
}

const api_pattern api_pat_name = {"[a-zA-Z0-9_.-]+", match_name};
static const api_pattern pat_name_data = {"[a-zA-Z0-9_.-]+", match_name_or_empty};

/* ---- shorthands ------------------------------------------------------------------------ */

#define NOLIM .min = API_NOLIM, .max = API_NOLIM
#define ENUMS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define MEMBERS(...) ((const api_member[]){__VA_ARGS__, {NULL, NULL, 0}})

/* ---- shared shapes --------------------------------------------------------------------- */

static const api_shape sh_string = {.name = "String", .type = API_ST_STRING, NOLIM};
static const api_shape sh_bool = {.name = "Boolean", .type = API_ST_BOOLEAN, NOLIM};
static const api_shape sh_attrval = {.name = "AttributeValue", .type = API_ST_ATTRVAL, NOLIM};

/* TableName of the data-plane operations (TableArn in today's model; the service reports
 * its bounds as 1 and 255). */
static const api_shape sh_table_name = {.name = "String", .type = API_ST_STRING, .min = 1,
                                        .max = 255, .pattern = &pat_name_data};
static const api_shape sh_index_name = {.name = "String", .type = API_ST_STRING, .min = 3,
                                        .max = 255, .pattern = &api_pat_name};

/* item, key, ExpressionAttributeValues, ExclusiveStartKey: name -> AttributeValue */
static const api_shape sh_attr_map = {.name = "Map", .type = API_ST_MAP, NOLIM,
                                      .elem = &sh_attrval, .key = &sh_string};
static const api_shape sh_attr_list = {.name = "List", .type = API_ST_LIST, NOLIM,
                                       .elem = &sh_attrval};
static const api_shape sh_names_map = {.name = "Map", .type = API_ST_MAP, NOLIM,
                                       .elem = &sh_string, .key = &sh_string};
static const api_shape sh_attrs_to_get = {.name = "List", .type = API_ST_LIST, .min = 1,
                                          .max = API_NOLIM, .elem = &sh_string};

static const api_shape sh_rv = {
    .name = "String", .type = API_ST_STRING, NOLIM,
    .enums = ENUMS("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")};
static const api_shape sh_rcc = {.name = "String", .type = API_ST_STRING, NOLIM,
                                 .enums = ENUMS("INDEXES", "TOTAL", "NONE")};
static const api_shape sh_ricm = {.name = "String", .type = API_ST_STRING, NOLIM,
                                  .enums = ENUMS("SIZE", "NONE")};
static const api_shape sh_rvoccf = {.name = "String", .type = API_ST_STRING, NOLIM,
                                    .enums = ENUMS("ALL_OLD", "NONE")};
static const api_shape sh_condop = {.name = "String", .type = API_ST_STRING, NOLIM,
                                    .enums = ENUMS("OR", "AND")};
static const api_shape sh_cmpop = {
    .name = "String", .type = API_ST_STRING, NOLIM,
    .enums = ENUMS("IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE",
                   "LE", "BEGINS_WITH", "GE", "CONTAINS")};
static const api_shape sh_select = {
    .name = "String", .type = API_ST_STRING, NOLIM,
    .enums = ENUMS("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")};
static const api_shape sh_limit = {.name = "Integer", .type = API_ST_INTEGER, .min = 1,
                                   .max = API_NOLIM};

/* Expected: name -> ExpectedAttributeValue */
static const api_shape sh_expected_value = {
    .name = "ExpectedAttributeValue", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Value", &sh_attrval, 0}, {"Exists", &sh_bool, 0},
                       {"ComparisonOperator", &sh_cmpop, 0},
                       {"AttributeValueList", &sh_attr_list, 0})};
static const api_shape sh_expected = {.name = "Map", .type = API_ST_MAP, NOLIM,
                                      .elem = &sh_expected_value, .key = &sh_string};

/* KeyConditions / QueryFilter / ScanFilter: name -> Condition */
static const api_shape sh_condition = {
    .name = "Condition", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"AttributeValueList", &sh_attr_list, 0},
                       {"ComparisonOperator", &sh_cmpop, API_MF_NOT_NULL})};
static const api_shape sh_conditions = {.name = "Map", .type = API_ST_MAP, NOLIM,
                                        .elem = &sh_condition, .key = &sh_string};

/* AttributeUpdates: name -> AttributeValueUpdate */
/* Action is not an enum constraint at this layer (dynalite's AWS-checked model; the
 * legacy code checks it, api_legacy.c) */
static const api_shape sh_au_action = {.name = "String", .type = API_ST_STRING, NOLIM};
static const api_shape sh_au_value = {
    .name = "AttributeValueUpdate", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Value", &sh_attrval, 0}, {"Action", &sh_au_action, 0})};
static const api_shape sh_attr_updates = {.name = "Map", .type = API_ST_MAP, NOLIM,
                                          .elem = &sh_au_value, .key = &sh_string};

/* ---- item operations -------------------------------------------------------------------- */

static const api_shape in_get_item = {
    .name = "GetItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_NOT_NULL | API_MF_FIRST},
                       {"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"AttributesToGet", &sh_attrs_to_get, 0},
                       {"ConsistentRead", &sh_bool, 0},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ProjectionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0})};

/* PutItem reports returnValues, returnConsumedCapacity, returnItemCollectionMetrics in
 * this order (us-east-1, 2026-06). */
static const api_shape in_put_item = {
    .name = "PutItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_NOT_NULL | API_MF_FIRST},
                       {"Item", &sh_attr_map, API_MF_NOT_NULL},
                       {"ReturnValues", &sh_rv, 0},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ReturnItemCollectionMetrics", &sh_ricm, 0},
                       {"Expected", &sh_expected, 0},
                       {"ConditionalOperator", &sh_condop, 0},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};

static const api_shape in_delete_item = {
    .name = "DeleteItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_NOT_NULL | API_MF_FIRST},
                       {"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"ReturnValues", &sh_rv, 0},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ReturnItemCollectionMetrics", &sh_ricm, 0},
                       {"Expected", &sh_expected, 0},
                       {"ConditionalOperator", &sh_condop, 0},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};

/* UpdateItem stops at an invalid ReturnValues and reports it alone (eu-west-2, 2026-06:
 * "UpdateItem reports the first enum error"); the other members aggregate. */
static const api_shape in_update_item = {
    .name = "UpdateItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_NOT_NULL | API_MF_FIRST},
                       {"ReturnValues", &sh_rv, API_MF_FIRST},
                       {"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ReturnItemCollectionMetrics", &sh_ricm, 0},
                       {"AttributeUpdates", &sh_attr_updates, 0},
                       {"Expected", &sh_expected, 0},
                       {"ConditionalOperator", &sh_condop, 0},
                       {"UpdateExpression", &sh_string, 0},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};

/* ---- Query / Scan ------------------------------------------------------------------------ */

/* Query's Limit is reported in the newer wording ("Value at 'Limit'"), Scan's in the
 * classic one ("Value '0' at 'limit'"): both as the service answers today. */
static const api_shape in_query = {
    .name = "QueryRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_REQUIRED | API_MF_FIRST},
                       {"IndexName", &sh_index_name, 0},
                       {"Select", &sh_select, 0},
                       {"AttributesToGet", &sh_attrs_to_get, 0},
                       {"Limit", &sh_limit, API_MF_BARE},
                       {"ConsistentRead", &sh_bool, 0},
                       {"KeyConditions", &sh_conditions, 0},
                       {"QueryFilter", &sh_conditions, 0},
                       {"ConditionalOperator", &sh_condop, 0},
                       {"ScanIndexForward", &sh_bool, 0},
                       {"ExclusiveStartKey", &sh_attr_map, 0},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ProjectionExpression", &sh_string, 0},
                       {"FilterExpression", &sh_string, 0},
                       {"KeyConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0})};

static const api_shape sh_total_segments = {.name = "Integer", .type = API_ST_INTEGER, .min = 1,
                                            .max = 1000000};
static const api_shape sh_segment = {.name = "Integer", .type = API_ST_INTEGER, .min = 0,
                                     .max = 999999};

static const api_shape in_scan = {
    .name = "ScanRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TableName", &sh_table_name, API_MF_REQUIRED | API_MF_FIRST},
                       {"IndexName", &sh_index_name, 0},
                       {"AttributesToGet", &sh_attrs_to_get, 0},
                       {"Limit", &sh_limit, 0},
                       {"Select", &sh_select, 0},
                       {"ScanFilter", &sh_conditions, 0},
                       {"ConditionalOperator", &sh_condop, 0},
                       {"ExclusiveStartKey", &sh_attr_map, 0},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"TotalSegments", &sh_total_segments, 0},
                       {"Segment", &sh_segment, 0},
                       {"ProjectionExpression", &sh_string, 0},
                       {"FilterExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ConsistentRead", &sh_bool, 0})};

/* ---- BatchGetItem / BatchWriteItem --------------------------------------------------------- */

static const api_shape sh_batch_table = {.name = "String", .type = API_ST_STRING, .min = 1,
                                         .max = 255, .pattern = &pat_name_data};
static const api_shape sh_bg_keys = {.name = "List", .type = API_ST_LIST, .min = 1, .max = 100,
                                     .elem = &sh_attr_map};
/* Keys past 100 in one table: "Value at 'RequestItems.<table>.member.Keys'" (newer wording,
 * conformance tier3 batchGetItem). */
static const api_shape sh_keys_and_attrs = {
    .name = "KeysAndAttributes", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Keys", &sh_bg_keys, API_MF_NOT_NULL | API_MF_BARE},
                       {"AttributesToGet", &sh_attrs_to_get, 0},
                       {"ConsistentRead", &sh_bool, 0},
                       {"ProjectionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0})};
static const api_shape sh_bg_items = {.name = "Map", .type = API_ST_MAP, .min = 1, .max = 100,
                                      .elem = &sh_keys_and_attrs, .key = &sh_batch_table};

static const api_shape in_batch_get_item = {
    .name = "BatchGetItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"RequestItems", &sh_bg_items, API_MF_REQUIRED_MAP},
                       {"ReturnConsumedCapacity", &sh_rcc, 0})};

static const api_shape sh_put_request = {
    .name = "PutRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Item", &sh_attr_map, API_MF_NOT_NULL})};
static const api_shape sh_delete_request = {
    .name = "DeleteRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Key", &sh_attr_map, API_MF_NOT_NULL})};
static const api_shape sh_write_request = {
    .name = "WriteRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"PutRequest", &sh_put_request, 0},
                       {"DeleteRequest", &sh_delete_request, 0})};
static const api_shape sh_write_requests = {.name = "List", .type = API_ST_LIST, .min = 1,
                                            .max = 25, .elem = &sh_write_request};
static const api_shape sh_bw_items = {.name = "Map", .type = API_ST_MAP, .min = 1, .max = 25,
                                      .elem = &sh_write_requests, .key = &sh_batch_table};

static const api_shape in_batch_write_item = {
    .name = "BatchWriteItemRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"RequestItems", &sh_bw_items, API_MF_REQUIRED_MAP},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ReturnItemCollectionMetrics", &sh_ricm, 0})};

/* ---- TransactGetItems / TransactWriteItems ------------------------------------------------ */

static const api_shape sh_get = {
    .name = "Get", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"TableName", &sh_table_name, API_MF_NOT_NULL},
                       {"ProjectionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0})};
static const api_shape sh_transact_get_item = {
    .name = "TransactGetItem", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Get", &sh_get, API_MF_NOT_NULL})};
static const api_shape sh_transact_get_items = {.name = "List", .type = API_ST_LIST, .min = 1,
                                                .max = 100, .elem = &sh_transact_get_item};

static const api_shape in_transact_get_items = {
    .name = "TransactGetItemsRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TransactItems", &sh_transact_get_items, API_MF_NOT_NULL},
                       {"ReturnConsumedCapacity", &sh_rcc, 0})};

static const api_shape sh_condition_check = {
    .name = "ConditionCheck", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"TableName", &sh_table_name, API_MF_NOT_NULL},
                       {"ConditionExpression", &sh_string, API_MF_NOT_NULL},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};
static const api_shape sh_put = {
    .name = "Put", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Item", &sh_attr_map, API_MF_NOT_NULL},
                       {"TableName", &sh_table_name, API_MF_NOT_NULL},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};
static const api_shape sh_delete = {
    .name = "Delete", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"TableName", &sh_table_name, API_MF_NOT_NULL},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};
static const api_shape sh_update = {
    .name = "Update", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"Key", &sh_attr_map, API_MF_NOT_NULL},
                       {"UpdateExpression", &sh_string, API_MF_NOT_NULL},
                       {"TableName", &sh_table_name, API_MF_NOT_NULL},
                       {"ConditionExpression", &sh_string, 0},
                       {"ExpressionAttributeNames", &sh_names_map, 0},
                       {"ExpressionAttributeValues", &sh_attr_map, 0},
                       {"ReturnValuesOnConditionCheckFailure", &sh_rvoccf, 0})};
static const api_shape sh_transact_write_item = {
    .name = "TransactWriteItem", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"ConditionCheck", &sh_condition_check, 0}, {"Put", &sh_put, 0},
                       {"Delete", &sh_delete, 0}, {"Update", &sh_update, 0})};
static const api_shape sh_transact_write_items = {.name = "List", .type = API_ST_LIST, .min = 1,
                                                  .max = 100, .elem = &sh_transact_write_item};
static const api_shape sh_client_token = {.name = "String", .type = API_ST_STRING, .min = 1,
                                          .max = 36};

static const api_shape in_transact_write_items = {
    .name = "TransactWriteItemsRequest", .type = API_ST_STRUCT, NOLIM,
    .members = MEMBERS({"TransactItems", &sh_transact_write_items, API_MF_NOT_NULL},
                       {"ReturnConsumedCapacity", &sh_rcc, 0},
                       {"ReturnItemCollectionMetrics", &sh_ricm, 0},
                       {"ClientRequestToken", &sh_client_token, 0})};

/* ---- the table of operations (sorted by name) ----------------------------------------------- */

static const struct {
    const char *op;
    const api_shape *input;
} ops[] = {
    {"BatchGetItem", &in_batch_get_item},
    {"BatchWriteItem", &in_batch_write_item},
    {"DeleteItem", &in_delete_item},
    {"GetItem", &in_get_item},
    {"PutItem", &in_put_item},
    {"Query", &in_query},
    {"Scan", &in_scan},
    {"TransactGetItems", &in_transact_get_items},
    {"TransactWriteItems", &in_transact_write_items},
    {"UpdateItem", &in_update_item},
};

const api_shape *api_schema_input(const char *op)
{
    if (!op)
        return NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].op, op) == 0)
            return ops[i].input;
    return NULL;
}
