/*
 * num — DynamoDB numbers: exact decimals, 38 significant digits.  Layer: value.
 *
 * A number is sign * 0.d1 d2 ... dn * 10^exp with 1 <= n <= 38, d1 != 0 (zero has n = 0).
 * Range as DynamoDB: magnitudes from 1E-130 to 9.9999999999999999999999999999999999999E+125,
 * negative, zero, positive.  No floating point anywhere.
 *
 * Text in: DynamoDB's number syntax (optional sign, digits with optional '.', optional
 * exponent; leading/trailing zeros allowed; at least one digit).  Text out: DynamoDB's
 * canonical form (no exponent, no leading or trailing zeros, "-0" -> "0", "1E3" -> "1000",
 * "0.0001" -> "0.0001").
 *
 * Errors (ERR_VALIDATION with DynamoDB's messages, see num.c):
 *   not a number, overflow (> 9.99..E+125), underflow (< 1E-130, non-zero),
 *   more than 38 significant digits.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */
#ifndef DDB_VALUE_NUM_H
#define DDB_VALUE_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define NUM_MAX_DIGITS 38
#define NUM_MAX_TEXT 200 /* enough for any canonical number incl. sign, point, 130 zeros */

typedef struct num {
    int8_t sign;                   /* -1, 0, +1 */
    uint8_t ndig;                  /* significant digits, 0 for zero */
    int16_t exp;                   /* value = 0.d1d2.. * 10^exp */
    uint8_t dig[NUM_MAX_DIGITS];   /* each 0..9, dig[0] != 0 unless zero */
    /* (added by num) fraction digits to print in num_format_plain: the Java BigDecimal scale
     * of the text the number came from, clamped at 0 ("1.50" -> 2, "0.00" -> 2, "1E3" -> 0).
     * num_format and num_cmp ignore it.  0 is always a safe value. */
    int32_t fscale;
} num_t;

/* Parses text (not NUL-terminated) into *out.  On error returns ERR_VALIDATION and records
 * DynamoDB's message in e (which may be NULL). */
int num_parse(const char *p, size_t len, num_t *out, err_t *e);
/* The same, read as the service's older layer reads a PartiQL parameter (Java's BigDecimal:
 * an exponent or scale outside a 32-bit int cannot be converted, the range is checked on
 * precision minus scale in wrapping 32-bit arithmetic, so "1e2147483647" underflows; any
 * zero is 0; an empty text is named by no ": "; AWS eu-west-2 and us-east-1, 2026-10: the
 * conformance suite's tier3 error-messages/partiqlParameterNumbers). */
int num_parse_java(const char *p, size_t len, num_t *out, err_t *e);
/* Canonical text into out (capacity cap >= NUM_MAX_TEXT), NUL-terminated; returns length. */
size_t num_format(const num_t *n, char *out, size_t cap);
/* Exact comparison: <0, 0, >0. */
int num_cmp(const num_t *a, const num_t *b);
/* Exact a+b, a-b.  Errors as num_parse (overflow, underflow, precision > 38 digits). */
int num_add(const num_t *a, const num_t *b, num_t *out, err_t *e);
int num_sub(const num_t *a, const num_t *b, num_t *out, err_t *e);
/* Canonicalises text: parse then format.  Returns length or a negative error. */
int num_canonical(const char *p, size_t len, char *out, size_t cap, err_t *e);
/* Compares two canonical or non-canonical number texts (both must be valid). */
int num_cmp_text(const char *a, size_t alen, const char *b, size_t blen);

/* --- additions (num) ---------------------------------------------------------------------
 * The service's texts (DynamoDB Local's differ for two: see num.c).  num_parse's invalid text
 * names the offending text, an empty one too: "The parameter cannot be converted to a numeric
 * value: abc", "...numeric value: ".  Both the validation path (PutItem, keys,
 * ExpressionAttributeValues) and the arithmetic path (SET a = a + :b, ADD) use the same three
 * range/precision texts. */
extern const char NUM_MSG_INVALID[];   /* "The parameter cannot be converted to a numeric value" */
extern const char NUM_MSG_OVERFLOW[];  /* "Number overflow. Attempting to store ..." */
extern const char NUM_MSG_UNDERFLOW[]; /* "Number underflow. Attempting to store ..." */
extern const char NUM_MSG_PRECISION[]; /* "Attempting to store more than 38 significant ..." */
extern const char NUM_MSG_UNKNOWN[];   /* InternalFailure text (DynamoDB Local's) */
/* num_parse follows Java's BigDecimal syntax exactly (leading '+', ".5", "5.", 'e', Unicode
 * BMP decimal digits are accepted; spaces, hex, NaN, Infinity, "" are not) and checks
 * precision before range.  The exponent is a 64-bit integer and a zero is range-checked by
 * its written exponent, as the service does (num.c); DynamoDB Local differs there. */

/* DynamoDB Local quirk: results of arithmetic (SET a = a + :b, ADD) keep Java BigDecimal's
 * scale, e.g. 1.5 + 1.5 = "3.0", 0.25 - 0.25 = "0.00", "1.50" + 1 = "2.50"; the sum's scale
 * is the larger operand scale (num_add sets out->fscale).  num_format_plain appends that text
 * (BigDecimal.toPlainString) to out, no NUL; num_format gives the canonical text instead.
 * Returns 0 or ERR_NOMEM (buffer maximum). */
int num_format_plain(const num_t *n, buf_t *out);
/* Exact conversions.  num_to_i64 returns ERR_VALIDATION (no message recorded) unless n is an
 * integer within int64 range. */
void num_from_i64(int64_t v, num_t *out);
int num_to_i64(const num_t *n, int64_t *out);
bool num_is_integer(const num_t *n);
/* -n (zero stays zero). */
void num_neg(const num_t *n, num_t *out);

#endif
