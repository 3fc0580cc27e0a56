/*
 * api_walk — the request walker: a request checked against its operation's model
 * (api_schema.c) before the handler runs.  Layer: api (private).  See api_walk.c; the
 * message formats are api_validate.h's.
 */
#ifndef DDB_API_API_WALK_H
#define DDB_API_API_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api_jview.h"
#include "base/err.h"

/* The length of the UTF-8 text s[0..n) as the service's model counts it: in UTF-16 units, a
 * character past U+FFFF counting 2 (Java's String.length()). */
size_t api_utf16_units(const char *s, size_t n);

/* Validates request `req` (an object node of `jv`) against operation `op`'s model
 * (api_schema_input): a member of the wrong JSON type is ERR_SERIALIZATION; a missing
 * required parameter, an empty required map, then the constraint violations are
 * ERR_VALIDATION with the service's texts ("1 validation error detected: Value '' at
 * 'tableName' failed to satisfy constraint: ...", "N validation errors detected: a; b").
 * 0 when the request satisfies the model (or the operation has none). */
int api_validate_request(const api_jview *jv, const void *req, const char *op, err_t *e);
/* Whether request `req` nests past the service's second limit (API_DEEP_REQUEST levels of
 * JSON), where the single-item operations answer in the older form (api_schema_deep). */
bool api_request_deep(const api_jview *jv, const void *req);
struct api_shape;
/* The same with the model already looked up (in = api_schema_input(op), which may be NULL):
 * the dispatch keeps each operation's model so it does not search the table per request.
 * text: the body as sent (text_len bytes), for the positions of a strict pass's refusals
 * (api_schema.h strict), or NULL. */
int api_validate_request_in(const api_jview *jv, const void *req, const struct api_shape *in,
                            const char *op, const char *text, size_t text_len, err_t *e);
/* After a handler refused request `req` (of input shape `in`) with a ValidationException:
 * the SerializationException of a wrong JSON token inside one of its AttributeValues, which
 * the service reports first (it deserialises the whole request before any check; review17
 * F2).  ERR_SERIALIZATION with e replaced, or 0 (e untouched). */
/* Walks the members of model `in` found in object `req`, for a handler that checks the request's
 * other members itself: types (pass 1: a member of the wrong JSON type anywhere inside is
 * ERR_SERIALIZATION with e set, else 0), or !types (pass 2: each constraint violation added to
 * v in the model's order and the service's words, as api_validate_request words them; 0).
 * ERR_NOMEM when the walk could not be had. */
struct api_vld;
int api_walk_members(const api_jview *jv, const void *req, const struct api_shape *in,
                     bool types, struct api_vld *v, err_t *e);
int api_validate_types_after(const api_jview *jv, const void *req, const struct api_shape *in,
                             err_t *e);

#endif
