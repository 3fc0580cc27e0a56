/*
 * api_text — DynamoDB's own message texts, in one place.  Layer: api (private).
 *
 * Each text was checked against DynamoDB Local (tests/e2e pin them).  printf formats where
 * the message names something.  Append; keep grouped by operation family.
 */
#ifndef DDB_API_API_TEXT_H
#define DDB_API_API_TEXT_H

/* shared */
#define TXT_TABLE_NOT_FOUND "Cannot do operations on a non-existent table"

/* table names (api_validate.c, op_table.c) */
#define TXT_INVALID_TABLE_NAME                                                                  \
    "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, "  \
    "and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"

/* item operations (api_item.c, op_item.c, op_query.c, op_batch.c, op_transact.c) */
#define TXT_KEY_MISSING "One of the required keys was not given a value"
#define TXT_KEY_COUNT "The number of conditions on the keys is invalid"
#define TXT_KEY_TYPE "One or more parameter values were invalid: Type mismatch for key"
#define TXT_KEY_EMPTY_S                                                                          \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot " \
    "contain an empty string value. Key: %s"
#define TXT_KEY_EMPTY_B                                                                          \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot " \
    "contain an empty binary value. Key: %s"
#define TXT_KEY_TOO_LONG                                                                         \
    "Hash primary key values must be under 2048 bytes, and range primary key values must be "   \
    "under 1024 bytes"
#define TXT_KEY_NULL "Cannot have null key for GetItem, DeleteItem, or UpdateItem"
#define TXT_ITEM_NULL "Item to put in PutItem cannot be null"
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

#endif
