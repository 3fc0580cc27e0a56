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

#endif
