/*
 * api_validate — request validation shared by every operation file.  Layer: api (private).
 *
 * Two families of checks DynamoDB does before any handler logic:
 *  1. Shape: a member of the wrong JSON type is a SerializationException (api_json_*).
 *  2. Constraints: "Value null at 'tableName' failed to satisfy constraint: Member must not
 *     be null" and friends, collected in an api_vld.
 * The request walker (api_validate_request, api_walk.c) does both for every operation with
 * a model (api_schema.c), before the handler runs, with the api_vld_* collector below; the
 * api_vld_* and api_json_* helpers remain for the handlers' own checks.
 *
 * Message format.  The service reports every violation at once:
 *     "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
 *      Member must not be null; Value null at 'key' failed ..."
 * api_vld_finish_aws produces that form.  DynamoDB Local reports only the FIRST violation,
 * bare; api_vld_finish produces Local's form (still used by the control-plane handlers,
 * op_table.c, until their models are written).
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

#define API_VLD_MAX 10      /* violations kept: the service lists at most ten */
#define API_VLD_TEXT_MAX 990 /* one violation's text in place (a longer one: whole[]) */

typedef struct api_vld {
    size_t n;                                 /* violations added (may exceed API_VLD_MAX) */
    char text[API_VLD_MAX][API_VLD_TEXT_MAX]; /* each violation's text (cut) */
    char *whole[API_VLD_MAX]; /* text[i] whole when longer (heap, api_vld_add_text) or NULL;
                                 freed by api_vld_finish* (every user ends with one) */
    size_t bytes;             /* the texts' lengths so far (whole ones whole) */
} api_vld;


void api_vld_init(api_vld *v);
/* Adds one violation, printf-style, e.g. "Value null at 'tableName' failed to satisfy
 * constraint: Member must not be null". */
void api_vld_add(api_vld *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds one violation's text s[0..len), taking s (mem_malloc'ed; NULL: the allocation failed,
 * an empty text is added): a text longer than text[] holds is kept whole for the finish. */
void api_vld_add_text(api_vld *v, char *s, size_t len);
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
 * error(s) detected: a; b"), whole as far as e keeps it (err_room).  Both finishes free what
 * api_vld_add_text kept. */
int api_vld_finish_aws(const api_vld *v, err_t *e);

/* rc unchanged; when rc is ERR_VALIDATION and e's text is not already the "N validation
 * error(s) detected: ..." form, the text becomes "1 validation error detected: <text>": the
 * service's wording, since its 2026-06 rewording, of the checks PutItem and UpdateItem make
 * before the table (an item's values, the expressions, their placeholders, mixed
 * parameters; the conformance suite's captures of 2026-08-12 and 2026-09-06, every captured
 * region).  A text cut to fit ends on a whole UTF-8 character. */
int api_vld_enveloped(err_t *e, int rc);

/* rc unchanged; when rc is ERR_VALIDATION for a value of a Query's or Scan's ExclusiveStartKey
 * that the service reports as a start-key error (ddbjson_err_in_start_key), the text becomes
 * "The provided starting key is invalid: <text>". */
int api_vld_start_key(err_t *e, int rc);

/* ---- JSON members of the right type ---------------------------------------------------
 * Each reads obj[key].  Absent or JSON null: *out = NULL (or *present = false), returns 0.
 * Wrong JSON type: ERR_SERIALIZATION with a DynamoDB-like text.  obj may be NULL (= absent).
 * Returned pointers are borrowed from the request body. */
int api_json_str(json_t *obj, const char *key, const char **out, err_t *e);
/* api_json_str with the string's length (a JSON string may hold U+0000: compare with the
 * length, never with strcmp, where the model does not constrain the member's text). */
int api_json_strn(json_t *obj, const char *key, const char **out, size_t *out_len, err_t *e);
/* s[0..len) as a C string with every U+0000 as the six characters \u0000 (the validator's
 * display of it), in arena a; s itself when it holds none; NULL when out of memory.  For
 * members compared or echoed as C strings: the value is then taken whole (issue 9.1), so it
 * matches no name, ARN or enum value and an echo shows where the NUL was. */
const char *api_nul_text(arena_t *a, const char *s, size_t len);
/* api_json_str through api_nul_text (out of memory: ERR_NOMEM). */
int api_json_str_whole(json_t *obj, const char *key, arena_t *a, const char **out, err_t *e);
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

/* ---- ResourceArn --------------------------------------------------------------------
 * One reading of a ResourceArn for the APIs that take one (the tag APIs in op_table.c, the
 * resource-policy APIs in op_policy.c); each maps the reading to its own texts and order. */

typedef enum api_arn_class {
    API_ARN_BARE,   /* does not start with "arn:" */
    API_ARN_BAD,    /* fewer than six ':'-fields, or not partition "aws" and service "dynamodb" */
    API_ARN_TABLE,  /* ...:table/<name> */
    API_ARN_STREAM, /* ...:table/<name>/stream/<label> (a label without '/') */
    API_ARN_INDEX,  /* ...:table/<name>/index/<index> (an index name without '/') */
    API_ARN_BACKUP, /* ...:table/<name>/backup/<id> (any id but "") */
    API_ARN_OTHER,  /* any other resource: not table/, no name, another sub-resource */
} api_arn_class;

typedef struct api_arn {
    api_arn_class cls;
    bool other_region;  /* TABLE..OTHER: the region field is not the endpoint's */
    bool other_account; /* TABLE..OTHER: the account field is not the endpoint's */
    const char *name;   /* TABLE..BACKUP: the table's name, in the ARN (not NUL-ended) */
    size_t name_len;
    const char *sub; /* STREAM, INDEX, BACKUP: the label, index name or id, in the ARN */
    size_t sub_len;
} api_arn;

/* Classifies arn[0..len) (a U+0000 inside is a byte like any other) against the endpoint's
 * region and account; *out's pointers borrow arn.  Never fails. */
void api_arn_parse(const char *arn, size_t len, const char *region, const char *account,
                   api_arn *out);

#endif
