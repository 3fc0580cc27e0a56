/*
 * api_validate — request validation shared by every operation file.  Layer: api (private).
 *
 * Two families of checks DynamoDB does before any handler logic:
 *  1. Shape: a member of the wrong JSON type is a SerializationException (api_json_*).
 *  2. Constraints: "Value null at 'tableName' failed to satisfy constraint: Member must not
 *     be null" and friends, collected in an api_vld and reported by api_vld_finish.
 *
 * Message format.  Real DynamoDB reports every violation at once:
 *     "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
 *      Member must not be null; Value null at 'key' failed ..."
 * DynamoDB Local (our oracle, and what tests/e2e pin) reports only the FIRST violation, bare,
 * without the "N validation errors detected: " prefix.  api_vld_finish produces DynamoDB
 * Local's form; api_vld_finish_aws produces the real-service form (same collected texts).
 * Add violations in the order DynamoDB checks members (it checks in the order of the
 * operation's request shape, which for most operations starts with tableName).
 *
 * Member paths are DynamoDB's camelCase names: 'tableName', 'keySchema.1.member.keyType'
 * (1-based list positions), 'provisionedThroughput.readCapacityUnits'.
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
 */
#ifndef DDB_API_API_VALIDATE_H
#define DDB_API_API_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/api_int.h"
#include "base/err.h"

/* ---- constraint violations ---------------------------------------------------------- */

#define API_VLD_MAX 16 /* violations kept (DynamoDB never lists more than a handful) */
#define API_VLD_TEXT_MAX 600

typedef struct api_vld {
    size_t n;                                 /* violations added (may exceed API_VLD_MAX) */
    char text[API_VLD_MAX][API_VLD_TEXT_MAX]; /* each violation's text */
} api_vld;

void api_vld_init(api_vld *v);
/* Adds one violation, printf-style, e.g. "Value null at 'tableName' failed to satisfy
 * constraint: Member must not be null". */
void api_vld_add(api_vld *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "Value null at '<member>' failed to satisfy constraint: Member must not be null" */
void api_vld_null(api_vld *v, const char *member);
/* "Value '<value>' at '<member>' failed to satisfy constraint: Member must have length
 * greater than or equal to <min>" (and "less than or equal to <max>").  value may be NULL
 * (prints "null"). */
void api_vld_min_len(api_vld *v, const char *value, const char *member, size_t min);
void api_vld_max_len(api_vld *v, const char *value, const char *member, size_t max);
/* "Value '<v>' at '<member>' failed to satisfy constraint: Member must have value greater
 * than or equal to <min>" / "less than or equal to <max>" */
void api_vld_min_val(api_vld *v, long long value, const char *member, long long min);
void api_vld_max_val(api_vld *v, long long value, const char *member, long long max);
/* "Value '<value>' at '<member>' failed to satisfy constraint: Member must satisfy enum value
 * set: [<set>]"; set is the text between brackets, e.g. "HASH, RANGE". */
void api_vld_enum(api_vld *v, const char *value, const char *member, const char *set);
/* True when no violation was added. */
bool api_vld_ok(const api_vld *v);
/* 0 when no violation, else ERR_VALIDATION with DynamoDB Local's text (first violation). */
int api_vld_finish(const api_vld *v, err_t *e);
/* 0 when no violation, else ERR_VALIDATION with the real service's text ("N validation
 * error(s) detected: a; b"). */
int api_vld_finish_aws(const api_vld *v, err_t *e);

/* ---- JSON members of the right type ---------------------------------------------------
 * Each reads obj[key].  Absent or JSON null: *out = NULL (or *present = false), returns 0.
 * Wrong JSON type: ERR_SERIALIZATION with a DynamoDB-like text.  obj may be NULL (= absent).
 * Returned pointers are borrowed from the request body. */
int api_json_str(json_t *obj, const char *key, const char **out, err_t *e);
int api_json_obj(json_t *obj, const char *key, json_t **out, err_t *e);
int api_json_arr(json_t *obj, const char *key, json_t **out, err_t *e);
int api_json_int(json_t *obj, const char *key, bool *present, long long *out, err_t *e);
int api_json_bool(json_t *obj, const char *key, bool *present, bool *out, err_t *e);

/* ---- names --------------------------------------------------------------------------- */

/* True for a valid table or index name: 3..255 of [a-zA-Z0-9_.-]. */
bool api_name_valid(const char *name);
/* Validates a TableName member the way every operation does: NULL -> "Value null at
 * 'tableName' ..."; invalid -> TXT_INVALID_TABLE_NAME.  ERR_VALIDATION or 0. */
int api_check_table_name(const char *name, err_t *e);

#endif
