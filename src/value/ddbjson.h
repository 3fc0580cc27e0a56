/*
 * ddbjson — DynamoDB JSON <-> attribute values.  Layer: value.
 *
 * {"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, {"BOOL":true}, {"NULL":true}, {"M":{...}},
 * {"L":[...]}, {"SS":[..]}, {"NS":[..]}, {"BS":[..]}.  Validation and error texts are
 * DynamoDB's own (recorded from DynamoDB Local in tests/golden/ddbjson.json): empty or
 * duplicate set members, invalid numbers, no type or two types in one value, unknown type,
 * nesting deeper than 32, invalid UTF-8, invalid base64.  N values are stored canonical.
 *
 * jansson stays at this edge: expr/ and store/ see only av_t.
 *
 * Error texts — which part ddbjson writes and which the operation adds (recorded from
 * DynamoDB Local; tests/golden/ddbjson.json holds both forms, checked by test_ddbjson.c):
 *   - Item (PutItem, BatchWriteItem PutRequest, Transact Put) and Key (GetItem, DeleteItem,
 *     UpdateItem, ...): ddbjson's e->msg IS DynamoDB's whole message, prefix included where
 *     DynamoDB has one ("One or more parameter values were invalid: An string set  may not
 *     be empty", "The parameter cannot be converted to a numeric value: x", "Empty attribute
 *     name", "Nesting Levels have exceeded supported limits: Attributes in the item have
 *     nested levels beyond supported limit", ...).  The operation adds nothing.
 *   - ExpressionAttributeValues: the operation wraps ddbjson_to_av's message as
 *       "ExpressionAttributeValues contains invalid value: <msg> for key <:name>"
 *     (same error type).  The value alone may nest 32 levels; when the resulting item
 *     would be too deep, DynamoDB says just "Nesting Levels have exceeded supported
 *     limits" (unwrapped) — that check belongs to the update, not to ddbjson.
 *   - Key-attribute rules (empty S/B key value, key type mismatch) need the schema: api.
 * ERR_SERIALIZATION (SerializationException) for malformed shapes ({"SS":"a"}, {"M":[]},
 * JSON reals, invalid base64) — checked for the whole item before any validation, as
 * DynamoDB does.  Validation order is documented in ddbjson.c.
 *
 * The server must parse request bodies with JSON_ALLOW_NUL (strings may contain U+0000).
 */
#ifndef DDB_VALUE_DDBJSON_H
#define DDB_VALUE_DDBJSON_H

#include <jansson.h>

#include "av.h"

/* Which of the service's two value-checking layers words a bad value (the conformance suite's
 * tier3 error-messages/valueLayers: eu-west-2, us-east-1, eu-west-1 and us-west-2,
 * 2026-10-09).  The current one (PutItem, UpdateItem, DeleteItem, GetItem, BatchGetItem,
 * Query) lists a set's duplicate members quoted, in byte order up to the first repeat, then
 * the repeat and the rest as sent, and words a number set's "One or more parameter values
 * were invalid: Input collection contains duplicates."; the older one (BatchWriteItem,
 * TransactWriteItems, TransactGetItems, Scan) lists them as sent, unquoted, says "Input
 * collection contains duplicates" and reads numbers as Java's BigDecimal (num_parse_java: an
 * empty text without ": ", 1e2147483647 an underflow).  A PartiQL parameter is read in the
 * older layer (ddbjson_to_av_param). */
typedef enum ddbjson_layer { DDBJSON_CURRENT = 0, DDBJSON_OLDER } ddbjson_layer;

/* A B value's text: standard padded base64 of whole quanta; 0, or ERR_SERIALIZATION with
 * DynamoDB's text (as ddbjson_to_av reports it). */
int ddbjson_b64_check(const char *s, size_t len, err_t *e);

/* One attribute value from its JSON object.  Strings are copied into the arena (the JSON
 * document may be freed afterwards).  ERR_VALIDATION / ERR_SERIALIZATION with DynamoDB's text. */
int ddbjson_to_av(const json_t *j, arena_t *a, av_t *out, err_t *e);
/* A PartiQL parameter: ddbjson_to_av in the service's older layer: its numbers read as that
 * layer reads them (value/num.h num_parse_java), a set's duplicate members listed as sent,
 * unquoted ("Input collection [a, a] contains duplicates.": AWS eu-west-2 2026-09-17, floci's
 * PartiQL edge-case capture; test_partiql test_parameter_set_duplicates). */
int ddbjson_to_av_param(const json_t *j, arena_t *a, av_t *out, err_t *e);
/* An item (a JSON object of name -> value) as an AV_M value. */
int ddbjson_to_item(const json_t *j, arena_t *a, av_t *out, err_t *e);
/* The same two (and ddbjson_to_item_jr) in a given layer; the plain ones: DDBJSON_CURRENT. */
int ddbjson_to_av_in(const json_t *j, ddbjson_layer layer, arena_t *a, av_t *out, err_t *e);
int ddbjson_to_item_in(const json_t *j, ddbjson_layer layer, arena_t *a, av_t *out, err_t *e);
/* The same two from our reader's tree (value/jread.h; issue 13.1: requests need no jansson
 * tree): the same code compiled for the other tree type (ddbjson_passes.h), so the results,
 * errors and their order are those of ddbjson_to_av / ddbjson_to_item over the tree
 * jread_to_jansson builds from j (test_ddbjson.c compares them over the golden data and the
 * fuzz corpora).  Strings are copied into a (the tree and its input may be freed after). */
struct jread_val;
int ddbjson_to_av_jr(const struct jread_val *j, arena_t *a, av_t *out, err_t *e);
int ddbjson_to_av_jr_in(const struct jread_val *j, ddbjson_layer layer, arena_t *a, av_t *out,
                        err_t *e);
int ddbjson_to_item_jr(const struct jread_val *j, arena_t *a, av_t *out, err_t *e);
int ddbjson_to_item_jr_in(const struct jread_val *j, ddbjson_layer layer, arena_t *a, av_t *out,
                          err_t *e);
int ddbjson_to_av_param_jr(const struct jread_val *j, arena_t *a, av_t *out, err_t *e);
/* Whether msg is one of the value errors the service words after "The provided starting key is
 * invalid: " when they are in a Query's or Scan's ExclusiveStartKey: no type, two types, NULL
 * false, an empty SS or BS (dynalite's tests, run against AWS, and Dynoxide agree; an empty NS,
 * duplicates and numbers keep their own text there). */
bool ddbjson_err_in_start_key(const char *msg);
/* New JSON reference (caller owns) for a value / an item (top-level object of attributes). */
json_t *ddbjson_from_av(const av_t *v);
json_t *ddbjson_from_item(const av_t *item);

/* json_dumps(j, flags) for text that is stored: NULL when any allocation failed during the
 * dump.  jansson 2.14's dumper can drop an object key's text when an allocation fails inside
 * it and still return a (wrong) string; stored, that wrong text is a table's metadata or a
 * backup record lost.  (free() the result.) */
char *ddbjson_dumps_whole(const json_t *j, size_t flags);
/* ddbjson_dumps_whole of a tree built since `since` (mem_failures() when its building
 * began): NULL also when an allocation failed meanwhile, since jansson's setters drop a
 * member they could not make and the tree then lacks it.  For a metadata whose every setter
 * is not checked one by one (CreateTable's, a table change's: tests/unit/fault
 * test_alloc_fail.c test_table_settings). */
char *ddbjson_dumps_built(const json_t *j, size_t flags, unsigned long since);

#endif
