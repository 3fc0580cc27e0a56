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

#endif
