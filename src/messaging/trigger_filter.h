/*
 * trigger_filter — Lambda's event filtering for stream triggers (`serve --trigger-filter`):
 * which stream records a trigger delivers.  Layer: messaging.
 *
 * A filter is Lambda's FilterCriteria Pattern: a JSON object whose members name the record's
 * members (nested objects go down the record: {"dynamodb":{"NewImage":{"v":{"N":[...]}}}})
 * and whose leaves are lists of matchers; a record matches a pattern when every member
 * matches (AND), a leaf when any of its matchers matches one of the record's values there
 * (OR; a list in the record is each of its elements; an object there, such as a DynamoDB
 * attribute {"S":...}, is no value: no matcher matches it, Lambda matching leaves only).  "$or": [pattern, ...] matches when any
 * of its patterns does.  A record matching any of a set's filters is delivered (OR across
 * filters), the others are skipped.  Matchers: a string, number, true/false or null (equal
 * to it; a number, as Lambda says, by its string representation: a JSON number of the same
 * kind and value, never an "N" member's text), {"prefix":S}, {"suffix":S},
 * {"equals-ignore-case":S}, {"anything-but":X} (X a value, a list of values, or {"prefix":S}:
 * a value present that is none of them), {"numeric":[OP,N]} or [OP,N,OP,N] (OP one of < <= =
 * > >=), {"exists":B} (B true: the member is a leaf, a JSON primitive or a list holding one;
 * false: it is not, absent or an object, as exists works on leaf nodes only).  For "numeric" a
 * number in the record is a JSON number or the text of a DynamoDB "N" member (DynamoDB JSON
 * holds numbers as strings), compared exactly (value/num: 38 digits).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html
 */
#ifndef DDB_MESSAGING_TRIGGER_FILTER_H
#define DDB_MESSAGING_TRIGGER_FILTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Lambda's default quota of filters per event source mapping */
#define MSG_TRIGGER_FILTERS_MAX 5
/* Lambda's limit on a pattern's length (characters) */
#define MSG_TRIGGER_FILTER_LEN_MAX 4096
/* how deep a pattern may nest */
#define MSG_TRIGGER_FILTER_DEPTH_MAX 32

typedef struct msg_trigger_filter msg_trigger_filter;

/* A new, empty set (matches every record until a filter is added).  NULL: out of memory. */
msg_trigger_filter *msg_trigger_filter_new(void);
/* Adds the pattern `text` (JSON, as Lambda's Pattern string).  ERR_VALIDATION with a message
 * naming what is wrong (not JSON, not an object, a leaf that is not a list, an unknown or
 * malformed matcher, too long, too deep, too many filters); ERR_NOMEM. */
int msg_trigger_filter_add(msg_trigger_filter *f, const char *text, err_t *e);
/* How many filters the set holds. */
size_t msg_trigger_filter_count(const msg_trigger_filter *f);
/* Whether the record (a stream record as the trigger's command gets it, with Lambda's
 * userIdentity spelling and eventSourceARN: msg_stream_lambda_record; borrowed) passes the set:
 * true when the set is empty or any filter matches. */
bool msg_trigger_filter_match(const msg_trigger_filter *f, const json_t *record);
/* Accepts NULL. */
void msg_trigger_filter_free(msg_trigger_filter *f);

#endif
