/*
 * api_text — DynamoDB's own message texts, in one place.  Layer: api (private).
 *
 * The service's texts (AWS is the reference: its API Reference, the conformance suite's
 * captures, AWS-checked emulators); texts not yet reviewed against AWS are DynamoDB Local's
 * (the control-plane group below).  tests/e2e pin them, naming Local's deviations
 * (conftest.aws_or_local).  printf formats where the message names something.  Append;
 * keep grouped by operation family.
 */
#ifndef DDB_API_API_TEXT_H
#define DDB_API_API_TEXT_H

/* shared */
#define TXT_TABLE_NOT_FOUND "Cannot do operations on a non-existent table"
/* the service's answer for a missing table in the item operations (GetItem .. Transact*) */
#define TXT_RES_NOT_FOUND "Requested resource not found"

/* table names (api_validate.c, op_table.c) */
#define TXT_INVALID_TABLE_NAME                                                                  \
    "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, "  \
    "and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"

/* item operations (api_item.c, op_item.c, op_query.c, op_batch.c, op_transact.c) */
#define TXT_KEY_EMPTY_S                                                                          \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot " \
    "contain an empty string value. Key: %s"
#define TXT_KEY_EMPTY_B                                                                          \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot " \
    "contain an empty binary value. Key: %s"
/* the service's key texts (conformance tier3 error-messages; Dynoxide's AWS captures) */
#define TXT_KEY_SCHEMA "The provided key element does not match the schema"
#define TXT_KEY_ITEM_MISSING "One or more parameter values were invalid: Missing the key %s in the item"
#define TXT_KEY_ITEM_TYPE                                                                        \
    "One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s"
#define TXT_KEY_HASH_TOO_LONG                                                                    \
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "  \
    "limit of2048 bytes"
#define TXT_KEY_RANGE_TOO_LONG                                                                   \
    "One or more parameter values were invalid: Aggregated size of all range keys has exceeded " \
    "the size limit of 1024 bytes"
#define TXT_IDX_TYPE_AWS                                                                         \
    "One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s "    \
    "Actual: %s IndexName: %s"
#define TXT_IDX_EMPTY_S_UPDATE                                                                   \
    "One or more parameter values are not valid. The update expression attempted to update a "  \
    "secondary index key to a value that is not supported. The AttributeValue for a key "       \
    "attribute cannot contain an empty string value."
#define TXT_IDX_EMPTY_B_UPDATE                                                                   \
    "One or more parameter values are not valid. The update expression attempted to update a "  \
    "secondary index key to a value that is not supported. The AttributeValue for a key "       \
    "attribute cannot contain an empty binary value."
#define TXT_RV_ALL_OLD_NONE "ReturnValues can only be ALL_OLD or NONE"
#define TXT_ITEM_TOO_BIG "Item size has exceeded the maximum allowed size"
#define TXT_ITEM_TOO_BIG_UPDATE "Item size to update has exceeded the maximum allowed size"
#define TXT_COND_FAILED "The conditional request failed"
#define TXT_RV_INVALID "Return values set to invalid value"
#define TXT_MIXED_PARAMS                                                                         \
    "Can not use both expression and non-expression parameters in the same request: "          \
    "Non-expression parameters: {%s} Expression parameters: {%s}"
#define TXT_EAN_NO_EXPR "ExpressionAttributeNames can only be specified when using expressions"
#define TXT_EAV_NO_EXPR                                                                          \
    "ExpressionAttributeValues can only be specified when using expressions: %s"
#define TXT_EAN_EMPTY "ExpressionAttributeNames must not be empty"
#define TXT_EAV_EMPTY "ExpressionAttributeValues must not be empty"
#define TXT_GSI_CONSISTENT "Consistent reads are not supported on global secondary indexes"

/* table operations (op_table.c; pinned by tests/e2e/test_tables.py, test_ttl_tags.py) */
#define TXT_NO_KEY_SCHEMA                                                                       \
    "No defined key schema.  A key schema containing at least a hash key must be defined for "  \
    "all tables"
#define TXT_NO_ATTR_SCHEMA "No Attribute Schema Defined"
#define TXT_ATTR_NAME_MISSING "Attribute name must be specified."
#define TXT_ATTR_TYPE_MISSING "Invalid Attribute value. Must contain exactly one of the supported datatypes."
#define TXT_ATTR_TYPE_ENUM "Member must satisfy enum value set: [B, N, S]"
#define TXT_ATTR_DUP "Cannot have two attributes with the same name"
#define TXT_KEY_NAME_LEN                                                                        \
    "Names of key attributes and attributes projected into an index must be between 1 and 255 " \
    "characters, inclusive"
#define TXT_KEY_TOO_BIG                                                                         \
    "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table"
#define TXT_KEY_TYPE_MISSING "One or more keys is not specified as being hash or range."
#define TXT_NO_HASH_KEY                                                                         \
    "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key"
#define TXT_KEY_ORDER                                                                           \
    "Invalid key order. Hash Key must be specified first in key schema, Range Key must be "     \
    "specifed second"
#define TXT_TOO_MANY_HASH                                                                       \
    "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key"
#define TXT_KEY_SAME_NAME "Two keys can not have the same name"
#define TXT_HASH_NOT_DEFINED "Hash Key not specified in Attribute Definitions.  Type unknown."
#define TXT_RANGE_NOT_DEFINED "Range Key not specified in Attribute Definitions.  Type unknown."
#define TXT_AD_COUNT_MISMATCH                                                                   \
    "The number of attributes in key schema must match the number of attributes defined in "    \
    "attribute definitions."
#define TXT_NO_TABLE_THROUGHPUT "No provisioned throughput specified for the table"
#define TXT_TABLE_THROUGHPUT_MIN "Table read and write throughput must be at least 1, and cannot be null"
#define TXT_TABLE_THROUGHPUT_MAX "Cannot increase provisioned throughput to more than 40,000 units per table"
#define TXT_NO_GSI_THROUGHPUT "No provisioned throughput specified for the global secondary index"
#define TXT_GSI_THROUGHPUT_MIN                                                                  \
    "Global Secondary Index's read and write throughput must be at least 1, and cannot be null"
#define TXT_GSI_THROUGHPUT_MAX                                                                  \
    "Cannot increase provisioned throughput to more than 40,000 units per global secondary index"
#define TXT_NO_PROJECTION "Indexes must have a projection specified"
#define TXT_PROJECTION_TYPE "Projection type must be INCLUDE, ALL, or KEYS_ONLY"
#define TXT_INCLUDE_EMPTY                                                                       \
    "If Projection type INCLUDE is specified, some non-key attributes to include in the "       \
    "projection must be specified as well"
#define TXT_NONKEY_NOT_INCLUDE                                                                  \
    "No attributes should be specified to be projected unless projection type is INCLUDE"
#define TXT_TOO_MANY_PROJECTED                                                                  \
    "No more than 20 attributes per table can be projected into Local Secondary Indices"
#define TXT_GSI_EMPTY "GSI list is empty/invalid"
#define TXT_GSI_COUNT "GlobalSecondaryIndex count exceeds the per-table limit"
#define TXT_GSI_DUP "Two global secondary indices have the same name"
#define TXT_GSI_ATTR_UNDEFINED "Attribute %s is not defined in AttributeDefinitions"
#define TXT_LSI_COUNT "Cannot have more than 5 local secondary indexes per table"
#define TXT_LSI_HASH_TABLE                                                                      \
    "Local Secondary indices are not allowed on hash tables, only hash and range tables"
#define TXT_LSI_SAME_HASH "Local Secondary indices must have the same hash key as the main table"
#define TXT_LSI_NO_RANGE "Local secondary indices must have a range key"
#define TXT_LSI_RANGE_UNDEFINED                                                                 \
    "Local Secondary Index range key not specified in Attribute Definitions.Type unknown."
#define TXT_LSI_DUP "Two local secondary indices have the same name"
#define TXT_LSI_GSI_SAME_NAME                                                                   \
    "Local Secondary Indices AND Global Secondary Indices must have different names"
#define TXT_STREAM_ENABLED_NULL "Stream StreamEnabled was null"
#define TXT_STREAM_VIEW_NULL                                                                    \
    "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."
#define TXT_STREAM_VIEW_UNEXPECTED                                                              \
    "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."
#define TXT_TABLE_EXISTS "Cannot create preexisting table"
#define TXT_LIST_LIMIT_MIN "Limit must be greater than or equal to 1"
#define TXT_LIST_LIMIT_MAX "Limit in ListTables must be <= 100"
#define TXT_NOTHING_TO_UPDATE "Nothing to update"
#define TXT_THROUGHPUT_SAME "The requested throughput value equals the current value"
#define TXT_TTL_SPEC_NULL "TimeToLiveSpecification cannot be null"
#define TXT_TTL_ATTR_NULL "AttributeName cannot be null when time to live is being enabled"
#define TXT_TTL_ALREADY_ENABLED "TimeToLive is already enabled"
#define TXT_TTL_ALREADY_DISABLED "TimeToLive is already disabled"
#define TXT_TTL_OTHER_ATTR "TimeToLive is active on a different AttributeName"
#define TXT_STREAM_ALREADY_ENABLED "Table already has an enabled stream"
#define TXT_STREAM_NONE_TO_DISABLE "Table has no stream to disable"
#define TXT_GSI_ACTION_NULL "Update global secondary index action is null"
#define TXT_GSI_EXISTS "Attempting to create an index which already exists"
#define TXT_GSI_NOT_FOUND "Requested resource not found"
#define TXT_GSI_UPDATE_UNKNOWN "Invalid global secondary index name"
#define TXT_GSI_THROUGHPUT_NEEDED                                                               \
    "One or more parameter values were invalid: ProvisionedThroughput must be specified for "   \
    "index: %s"
#define TXT_IOPS_AND_STREAMS "Cannot change IOPS and Streams at the same time."
#define TXT_GSI_ONE_PER_INDEX "Only one global secondary index update per index is allowed simultaneously."
#define TXT_GSI_ONE_AT_A_TIME                                                                   \
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously "  \
    "per table"

/* index key attributes of an item (checked by the store for single writes; by the api for
 * BatchWriteItem, so that a bad item rejects the whole batch before anything is written) */
#define TXT_IDX_EMPTY_S                                                                          \
    "One or more parameter values are not valid. A value specified for a secondary index key " \
    "is not supported. The AttributeValue for a key attribute cannot contain an empty string " \
    "value. IndexName: %s, IndexKey: %s"
#define TXT_IDX_EMPTY_B                                                                          \
    "One or more parameter values are not valid. A value specified for a secondary index key " \
    "is not supported. The AttributeValue for a key attribute cannot contain an empty binary " \
    "value. IndexName: %s, IndexKey: %s"

#endif
