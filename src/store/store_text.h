/*
 * store_text — DynamoDB's message texts produced by the store, in one place.
 * Layer: store (private).
 *
 * Each text was checked against DynamoDB Local 2026-01-16 (see tests/unit/store/ and the probe
 * notes in the report).  Where DynamoDB Local's wording differs from the service's, Local's is
 * used (the e2e suite runs against Local), and the service's is kept alongside for reference.
 */
#ifndef DDB_STORE_STORE_TEXT_H
#define DDB_STORE_STORE_TEXT_H

/* item writes: key attributes */
#define STXT_KEY_MISSING "One of the required keys was not given a value"
#define STXT_KEY_TYPE "One or more parameter values were invalid: Type mismatch for key"
/* service wording: "...Type mismatch for key %s expected: %s actual: %s" */
#define STXT_KEY_EMPTY_S                                                                           \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "   \
    "contain an empty string value. Key: %s"
#define STXT_KEY_EMPTY_B                                                                           \
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "   \
    "contain an empty binary value. Key: %s"
#define STXT_KEY_CHANGED                                                                           \
    "One or more parameter values were invalid: Cannot update attribute %s. This attribute is "    \
    "part of the key"

/* item writes: index key attributes */
#define STXT_IDX_TYPE "One or more parameter values were invalid: Type mismatch for Index Key"
/* service wording: "...Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s" */
#define STXT_IDX_EMPTY_S                                                                           \
    "One or more parameter values are not valid. A value specified for a secondary index key is "  \
    "not supported. The AttributeValue for a key attribute cannot contain an empty string "        \
    "value. IndexName: %s, IndexKey: %s"
#define STXT_IDX_EMPTY_B                                                                           \
    "One or more parameter values are not valid. A value specified for a secondary index key is "  \
    "not supported. The AttributeValue for a key attribute cannot contain an empty binary "        \
    "value. IndexName: %s, IndexKey: %s"
#define STXT_IDX_EMPTY_S_UPDATE                                                                    \
    "One or more parameter values are not valid. The update expression attempted to update a "     \
    "secondary index key to a value that is not supported. The AttributeValue for a key "          \
    "attribute cannot contain an empty string value."
#define STXT_IDX_EMPTY_B_UPDATE                                                                    \
    "One or more parameter values are not valid. The update expression attempted to update a "     \
    "secondary index key to a value that is not supported. The AttributeValue for a key "          \
    "attribute cannot contain an empty binary value."

/* item size */
#define STXT_ITEM_TOO_BIG "Item size has exceeded the maximum allowed size"
#define STXT_ITEM_TOO_BIG_UPDATE "Item size to update has exceeded the maximum allowed size"

/* item collections (tables with an LSI): ItemCollectionSizeLimitExceededException's text in
 * AWS's validation code as DynamoDB Local ships it (its ErrorFactory, COLLECTION_SIZE_EXCEEDED);
 * a TransactWriteItems cancellation reason carries the API Reference's "Collection size
 * exceeded." instead (op_transact.c) */
#define STXT_COLL_TOO_BIG "Collection size exceeded"

/* a write that waited longer than opts.later_wait_ms in the queue: the service's busy reply
 * (ThrottlingException), as the endpoint's for a request beyond its admission bounds */
#define STXT_BUSY "Rate of requests exceeds the allowed throughput."

/* tables */
#define STXT_TABLE_NOT_FOUND "Cannot do operations on a non-existent table"
#define STXT_TABLE_EXISTS "Cannot create preexisting table"
#define STXT_INDEX_NOT_FOUND "Requested resource not found"
#define STXT_INDEX_EXISTS "Attempting to create an index which already exists"

/* Query / Scan ExclusiveStartKey */
/* the service's texts (conformance tier1 query/basic.test.ts; DynamoDB Local answers
 * "Exclusive Start Key must have same size as table's key schema" for a key of the wrong
 * size and "Type mismatch for attribute to update" for a key value of the wrong type):
 * the table's key attributes missing or of the wrong type, or a Scan's key of the wrong size */
#define STXT_ESK_SCHEMA                                                                           \
    "The provided starting key is invalid: The provided key element does not match the schema"
/* an index key attribute of the wrong type */
#define STXT_ESK_TYPE "The provided key element does not match the schema"
/* a Query's start key outside its key condition (dynalite's tests, run against AWS; DynamoDB
 * Local answers STXT_ESK_PREDICATE to all three): failing the sort key condition, of another
 * partition with no sort key condition, of another partition yet meeting the sort key one */
#define STXT_ESK_PREDICATE "The provided starting key does not match the range key predicate"
#define STXT_ESK_OUTSIDE                                                                          \
    "The provided starting key is outside query boundaries based on provided conditions"
#define STXT_ESK_ONE_ROW "The query can return at most one row and cannot be restarted"
/* a parallel Scan's start key of another segment, TotalSegments then Segment (dynalite's tests
 * and ScyllaDB's test_scan_parallel_with_exclusive_start_key, both run against AWS; DynamoDB
 * Local: "Exclusive start key must lie within the segment") */
#define STXT_ESK_SEGMENT                                                                          \
    "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "               \
    "ExclusiveStartKey with correct Segment. TotalSegments: %u Segment: %u"
#define STXT_ESK_INVALID "The provided starting key is invalid"
/* a key value over its size limit (the service's texts: dynalite's, checked against AWS, and
 * the conformance suite's captures for items); in a start key bare for the index's key
 * attributes and after STXT_ESK_INVALID ": " for the table's (dynalite's Scan and index
 * Query; for a table Query inferred, as the captured wrong-type text STXT_ESK_SCHEMA: README) */
#define STXT_KEY_HASH_LONG                                                                        \
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "  \
    "limit of2048 bytes"
#define STXT_KEY_RANGE_LONG                                                                       \
    "One or more parameter values were invalid: Aggregated size of all range keys has exceeded " \
    "the size limit of 1024 bytes"
/* an empty S or B key value in a start key: the service's prefix for a start key's value errors
 * (dynalite's tests, run against AWS) before its key-value text (conformance tier3 getItem,
 * captured from AWS), as DynamoDB Local words it for a sort key (for a partition key Local puts
 * "The query can return at most one row and cannot be restarted. " in front).  Inferred: no
 * capture of AWS's answer; AWS's only sourced text is the pre-2020 one ("...: One or more
 * parameter values were invalid: An AttributeValue may not contain an empty string."). */
#define STXT_ESK_EMPTY_KEY                                                                        \
    "The provided starting key is invalid: One or more parameter values are not valid. The "     \
    "AttributeValue for a key attribute cannot contain an empty %s value. Key: %s"
#define STXT_ESK_EMPTY_INDEX_KEY                                                                  \
    "The provided starting key is invalid: One or more parameter values are not valid. A value " \
    "specified for a secondary index key is not supported. The AttributeValue for a key "        \
    "attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s"

#endif
