/*
 * api_strict — the strict deserialiser's refusals of a request whose model is strict
 * (api_schema.h strict).  Layer: api (private).  See api_strict.c.
 */
#ifndef DDB_API_API_STRICT_H
#define DDB_API_API_STRICT_H

#include <stddef.h>

#include "api/api_jview.h"
#include "base/err.h"

struct api_shape;

/* The strict deserialiser's verdict on request `req` (an object node of `jv`) of input shape
 * `in`: the members in document order, an explicit null for a NOT_NULL or REQUIRED member
 * refused where it ends (ERR_SERIALIZATION, "invalid type: null, expected <kind> at line L
 * column C"), then a missing REQUIRED member where the object ends (ERR_VALIDATION, "missing
 * field `<Name>` at line L column C").  text: the body as sent (text_len bytes), whose lines
 * and columns are counted, or NULL (the columns of the tree written compactly).  0 when
 * neither is found (the model's own checks come next). */
int api_strict_pass(const api_jview *jv, const void *req, const struct api_shape *in,
                    const char *text, size_t text_len, err_t *e);
/* The strict (serde) deserialiser's name of the type a member of shape s reads as, in its
 * refusals ("expected i32", "a sequence", "a map", "a boolean", "a string"): the strict
 * pass's and SearchVectors' member kinds (op_search.c) alike. */
const char *api_serde_expect(const struct api_shape *s);

#endif
