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
 */
#ifndef DDB_VALUE_DDBJSON_H
#define DDB_VALUE_DDBJSON_H

#include <jansson.h>

#include "av.h"

/* One attribute value from its JSON object.  Strings are copied into the arena (the JSON
 * document may be freed afterwards).  ERR_VALIDATION / ERR_SERIALIZATION with DynamoDB's text. */
int ddbjson_to_av(const json_t *j, arena_t *a, av_t *out, err_t *e);
/* An item (a JSON object of name -> value) as an AV_M value. */
int ddbjson_to_item(const json_t *j, arena_t *a, av_t *out, err_t *e);
/* New JSON reference (caller owns) for a value / an item (top-level object of attributes). */
json_t *ddbjson_from_av(const av_t *v);
json_t *ddbjson_from_item(const av_t *item);

#endif
