/*
 * api_schema — the request model of every operation, as data.  Layer: api (private).
 *
 * One shape per request member, with the constraints of DynamoDB's API model (the API
 * Reference's "Length Constraints", "Valid Range", "Pattern", "Valid Values" and
 * "Required" lines) and the order in which the service reports their violations.  Nothing
 * here runs: the one walker (api_walk.c, api_validate_request) reads a request against
 * its operation's shape and produces the service's "N validation errors detected: ..."
 * text.  Handlers keep only the operation's semantic checks.
 *
 * A struct shape lists its members in the order the service checks them; a member's own
 * checks run in the order not-null, pattern, length/value range, enum (AWS's order).
 * Member flags carry the few rules that are not plain constraints:
 *   API_MF_REQUIRED      absent: "The parameter 'X' is required but was not present in the
 *                        request", reported alone and before any constraint;
 *   API_MF_REQUIRED_MAP  absent or {}: "The x parameter is required for <Operation>", alone;
 *   API_MF_FIRST         this member's violations are reported alone, before any other
 *                        member is looked at (TableName of every operation: the service
 *                        stops at a bad table name, captured 2026-06);
 *   API_MF_BARE          the service's newer wording for this member: "Value at 'Name'" (no
 *                        value echo) with the JSON member names in the path.
 *   API_MF_VALUE_BARE    the same wording for a value's violations, an absent member keeping
 *                        "Value null at 'member'" (SearchVectors' IndexName and SearchVector:
 *                        AWS eu-west-2 and us-east-1, 2026-08-13, as Dynoxide records it);
 *   API_MF_EMPTY_BARE    the same wording for an empty value only ("Value at 'TableName'
 *                        failed to satisfy constraint: Member must have length greater than or
 *                        equal to 1"); a value of another length keeps "Value '<echo>' at
 *                        'tableName'" (PutItem, DeleteItem, UpdateItem: the conformance
 *                        suite's captures of 2026-08-12 and 2026-09-06, every region);
 *   API_MF_EACH_VALUE    a map whose values' own constraints are reported one value at a
 *                        time, in the newer wording, at the value's path: "Value at
 *                        'RequestItems.<table>.member' failed to satisfy constraint: Member must
 *                        have length less than or equal to 25" (BatchWriteItem, eu-west-2 and
 *                        eu-central-1 in the captures of 2026-09-06), not as "Map value must
 *                        satisfy constraint: [...]" with the map echoed; a value under its
 *                        minimum (an empty list) is still reported that older way, once, at
 *                        the map (captured 2026-10-09);
 *   API_MF_ANON          the service's pathless wording: "Failed to satisfy constraint:
 *                        <constraint>", no value, no member name (ReturnValues of PutItem,
 *                        DeleteItem, UpdateItem, same captures);
 *   API_MF_ECHO_JSON     the value echo of this member is its JSON text, compact, in the
 *                        request's order ('{"bad!name":{"Keys":[...]}}'), not the Java
 *                        toString: BatchGetItem's RequestItems (the service's newer wording,
 *                        captured 2026-10-09 by the conformance suite, tier3
 *                        validation-ordering/batchOperations);
 *   API_MF_ALONE         this member's violation is reported alone and bare (no "N validation
 *                        errors detected: " head), after the API_MF_FIRST members and before
 *                        any other: Query's ConditionalOperator outside its enum, "Failed to
 *                        satisfy constraint: Member must satisfy enum value set: [ALL, OR]"
 *                        (with API_MF_ANON; eu-west-2 and us-east-1, 2026-10-09, the
 *                        conformance suite's tier3 validation-ordering/query: an unknown Select
 *                        beside it is not reported);
 *   API_MF_KEYS_LAST     a key of this map that fails its constraints is reported only when
 *                        the rest of the request satisfies the model: BatchWriteItem reports
 *                        an unknown ReturnConsumedCapacity alone over a malformed table name
 *                        (same capture), where BatchGetItem reports both.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
 */
#ifndef DDB_API_API_SCHEMA_H
#define DDB_API_API_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum api_stype {
    API_ST_STRING = 0,
    API_ST_INTEGER, /* Integer / Long: a JSON number (AWS refuses a string of digits) */
    API_ST_BOOLEAN,
    API_ST_BLOB,    /* base64 text */
    API_ST_LIST,
    API_ST_MAP,
    API_ST_STRUCT,
    API_ST_ATTRVAL, /* AttributeValue: an object; its content is checked by value/ddbjson */
} api_stype;

#define API_NOLIM INT64_MIN /* no bound */

/* A regular-expression constraint: the text the service prints and a matcher for it. */
typedef struct api_pattern {
    const char *text;                          /* "[a-zA-Z0-9_.-]+" */
    bool (*match)(const char *s, size_t len);  /* true when s matches the whole pattern */
} api_pattern;

typedef struct api_member api_member;

typedef struct api_shape {
    const char *name;          /* the service's class name, for value echoes ("KeySchemaElement") */
    api_stype type;
    int64_t min, max;          /* length (string, blob, list, map) or value (integer) bounds */
    const api_pattern *pattern;
    const char *const *enums;  /* NULL-terminated, in the order the service lists them */
    const char *enum_text;     /* the list the service prints when it is not `enums` itself
                                  (ReturnValues: its own spelling "UPDATE_NEW"); NULL: enums */
    const api_member *members; /* struct: {NULL}-terminated, in check order */
    const struct api_shape *elem; /* list element / map value */
    const struct api_shape *key;  /* map key */
    /* struct: the operation reads its body with a strict (serde) deserialiser first, as
     * SearchVectors does (api_strict.c api_strict_pass): an explicit null for a NOT_NULL or
     * REQUIRED member is a SerializationException "invalid type: null, expected a string at
     * line 1 column N", a missing REQUIRED one "missing field `X` at line 1 column N" */
    bool strict;
    /* string: a value starting "arn:" is a table's ARN (the API Reference's TableName: "You can
     * also provide the Amazon Resource Name (ARN) of the table in this parameter"): only its
     * length is checked here, at most API_TABLE_ARN_MAX; the name's pattern and bounds are not,
     * and the ARN itself is read at the lookup (api_table.c api_table_arn_name) */
    bool arn_ok;
} api_shape;
#define API_TABLE_ARN_MAX 1024

enum {
    API_MF_NOT_NULL = 1u << 0,
    API_MF_REQUIRED = 1u << 1,
    API_MF_REQUIRED_MAP = 1u << 2,
    API_MF_FIRST = 1u << 3,
    API_MF_BARE = 1u << 4,
    API_MF_ECHO_JSON = 1u << 5,
    API_MF_KEYS_LAST = 1u << 6,
    API_MF_EMPTY_BARE = 1u << 7,
    API_MF_ANON = 1u << 8,
    API_MF_EACH_VALUE = 1u << 9,
    API_MF_ALONE = 1u << 10,
    API_MF_VALUE_BARE = 1u << 11,
};

struct api_member {
    const char *name;          /* the JSON member name ("TableName") */
    const api_shape *shape;
    unsigned flags;            /* API_MF_* */
};

/* The input shape of operation `op` ("PutItem"), or NULL for an operation without a model
 * (its handler validates alone).  Static storage. */
const api_shape *api_schema_input(const char *op);

/* The model `in` is validated against when the request has no Key member (absent or JSON
 * null): UpdateItem's older form (api_schema.c), or NULL for every other model. */
const api_shape *api_schema_keyless(const api_shape *in);
/* The model `in` is validated against when its request fails validation and nests deeper
 * than API_DEEP_REQUEST levels of JSON: PutItem's, DeleteItem's and UpdateItem's older forms
 * (api_schema.c), or NULL for every other model. */
const api_shape *api_schema_deep(const api_shape *in);
/* The restores' override members (GlobalSecondaryIndexOverride ... SSESpecificationOverride) as
 * one structure, for op_backup.c's api_walk_members (static, never NULL). */
const api_shape *api_schema_restore_overrides(void);
#define API_DEEP_REQUEST 128

/* Whether key (len bytes) names a top-level member of any operation's model, not only the
 * request's: a handler may read a member its own model lacks (Scan reads ScanIndexForward,
 * Query's), and such a member must keep going where it went.  The fast paths skip a member no
 * model has, as the jansson path ignores it (as AWS ignores one), rather than building the
 * jansson tree for it: a 16 MB unknown member of tiny values took ~800 MB through both trees.
 * True for a key holding U+0000 (left to the jansson path) and when out of memory. */
bool api_schema_knows(const char *key, size_t len);

/* The table/index name pattern, [a-zA-Z0-9_.-]+ (exported for handlers' semantic checks). */
extern const api_pattern api_pat_name;
/* True when s[0..len) holds only the pattern's bytes, [a-zA-Z0-9_.-] (len 0: true); s need
 * not end in a NUL.  The pattern's matcher, and the name check of table and index names
 * (api_validate.c api_name_valid, op_table.c's ARN names). */
bool api_name_chars(const char *s, size_t len);

#endif
