/*
 * vec — the arithmetic of vector indexes: vectors as 32-bit floats, their distances, and the
 * text of a float.  Layer: value.
 *
 * A vector index (AWS, 2026: CreateTable / UpdateTable VectorIndexes, SearchVectors) keeps
 * its own copy of each item's vector in 32-bit floating point, while the item on the table
 * keeps its numbers whole.  So everything here works on floats taken from a number's text
 * (the nearest float, as a Java Float.parseFloat would round it), computes in double over
 * those floats, and rounds each score through float again (the index's precision): a vector
 * equal to the query scores exactly 0 under COSINE and EUCLIDEAN.  The scores as the API
 * Reference gives them:
 *   COSINE       1 - cos(a, b): 0 for the same direction, 1 orthogonal, 2 opposite (lower
 *                is closer); a zero vector has no direction and scores 1;
 *   EUCLIDEAN    the straight-line distance |a - b| (lower is closer);
 *   DOT_PRODUCT  a . b (higher is closer; may be negative).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_SearchVectors.html
 * Tests: tests/unit/value/test_vec.c.
 */
#ifndef DDB_VALUE_VEC_H
#define DDB_VALUE_VEC_H

#include <stdbool.h>
#include <stddef.h>

#define VEC_MAX_DIMS 4096 /* the quotas page: 1 to 4096 dimensions */
#define VEC_TEXT_MAX 64   /* vec_f32_text's buffer: any float in plain decimal (56 at most) */

typedef enum vec_fn { VEC_COSINE = 0, VEC_EUCLIDEAN, VEC_DOT_PRODUCT } vec_fn;

/* The distance function named s (len bytes): true and *out, or false for any other text. */
bool vec_fn_parse(const char *s, size_t len, vec_fn *out);
/* "COSINE", "EUCLIDEAN", "DOT_PRODUCT". */
const char *vec_fn_name(vec_fn fn);
/* Whether a higher score is closer (DOT_PRODUCT) rather than a lower one. */
static inline bool vec_fn_higher_closer(vec_fn fn)
{
    return fn == VEC_DOT_PRODUCT;
}

/* The float nearest to the decimal number text p (len bytes, DynamoDB's number syntax):
 * true and *out, or false when the text is not a number or its magnitude lies outside what a
 * finite float holds (beyond FLT_MAX once rounded).  A magnitude below the smallest float
 * rounds to 0, as Float.parseFloat does. */
bool vec_f32_from_text(const char *p, size_t len, float *out);
/* Whether vec_f32_from_text would take the text, without converting it when that can be told
 * from its digits: a plain decimal (the canonical form of a stored number) with fewer than 39
 * integer digits fits, one with more does not; anything else is converted. */
bool vec_f32_fits(const char *p, size_t len);

/* The score of vector b against the query a (n floats each) under fn, summed in double and
 * rounded to float; one beyond the floats is +-FLT_MAX (AWS's answer, never infinity). */
double vec_score(vec_fn fn, const float *a, const float *b, size_t n);

/* The shortest decimal text that reads back as exactly f, a whole number with ".0" (what the
 * index hands back for a projected vector: 0.1f is "0.1", 1 is "1.0", 0 is "0.0": AWS
 * eu-west-2 2026-08-11, as Dynoxide records it, and the conformance suite's note), in plain
 * notation (no exponent; inferred for magnitudes from 1e7 and below 1e-3, where Java's
 * Float.toString would switch to "1.6777216E7": no capture shows one, README), into out
 * (VEC_TEXT_MAX bytes), NUL-terminated.  Returns the length.  f must be finite. */
size_t vec_f32_text(float f, char out[VEC_TEXT_MAX]);

#endif
