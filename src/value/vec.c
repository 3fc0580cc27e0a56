/*
 * vec — vectors as 32-bit floats, their distances, a float's shortest text.  Layer: value.
 * See vec.h.
 */
#include "value/vec.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fn_names[] = {"COSINE", "EUCLIDEAN", "DOT_PRODUCT"};

bool vec_fn_parse(const char *s, size_t len, vec_fn *out)
{
    for (int i = 0; i < 3; i++)
        if (s && strlen(fn_names[i]) == len && memcmp(fn_names[i], s, len) == 0) {
            *out = (vec_fn)i;
            return true;
        }
    return false;
}

const char *vec_fn_name(vec_fn fn)
{
    return (unsigned)fn < 3 ? fn_names[fn] : "COSINE";
}

/* The common short decimal ("-0.12345", "42", "3.5") without strtof (which was most of a
 * search's time): its digits m (at most 15 of them) over 10^k (k <= 22) give the nearest
 * double d in one rounding, both being exact doubles.  d rounds to the same float as the
 * decimal does unless d is a float midpoint (no double lies between the decimal and d, and
 * a midpoint is a double): then false, and strtof decides.  False for any other text. */
static bool fast_f32(const char *p, size_t len, float *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    uint64_t m = 0;
    int digits = 0, frac = 0;
    bool point = false, any = false;
    for (; i < len; i++) {
        char c = p[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9')
            return false; /* an exponent, a second point, anything else: strtof */
        any = true;
        if (m == 0 && c == '0') { /* leading zeros count only as fraction places */
            frac += point;
            continue;
        }
        if (++digits > 15)
            return false;
        m = m * 10 + (uint64_t)(c - '0');
        frac += point;
    }
    if (!any || frac > 22)
        return false;
    double d = (double)m / pow10[frac];
    float f = (float)d;
    if (!isfinite(f))
        return false;
    if (d != (double)f) { /* d a float midpoint? (the float beside f on d's side) */
        float g = nextafterf(f, d > (double)f ? INFINITY : -INFINITY);
        if (((double)f + (double)g) / 2 == d)
            return false;
    }
    *out = neg ? -f : f;
    return true;
}

bool vec_f32_from_text(const char *p, size_t len, float *out)
{
    if (p && fast_f32(p, len, out))
        return true;
    char buf[256];
    if (!p || len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    /* DynamoDB's number syntax only: strtof would also take "inf", "nan" and hex */
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return false;
    }
    char *end;
    float f = strtof(buf, &end);
    if (end != buf + len || !isfinite(f))
        return false;
    *out = f;
    return true;
}

bool vec_f32_fits(const char *p, size_t len)
{
    size_t i = 0, intd = 0;
    if (i < len && p[i] == '-')
        i++;
    while (i < len && p[i] == '0')
        i++;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
        intd++;
    bool plain = i > 0 && (i == len || p[i] == '.');
    for (size_t j = i + 1; plain && j < len; j++)
        plain = p[j] >= '0' && p[j] <= '9';
    if (plain && intd != 39) /* below 1e38 < FLT_MAX, or at least 1e39 */
        return intd < 39;
    float f;
    return vec_f32_from_text(p, len, &f);
}

double vec_score(vec_fn fn, const float *a, const float *b, size_t n)
{
    double s = 0;
    switch (fn) {
    case VEC_COSINE: {
        double dot = 0, na = 0, nb = 0;
        for (size_t i = 0; i < n; i++) {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            s = 1.0;
            break;
        }
        double c = dot / (sqrt(na) * sqrt(nb));
        if (c > 1)
            c = 1;
        if (c < -1)
            c = -1;
        s = 1.0 - c;
        break;
    }
    case VEC_EUCLIDEAN: {
        double d2 = 0;
        for (size_t i = 0; i < n; i++) {
            double d = (double)a[i] - b[i];
            d2 += d * d;
        }
        s = sqrt(d2);
        break;
    }
    case VEC_DOT_PRODUCT:
        for (size_t i = 0; i < n; i++)
            s += (double)a[i] * b[i];
        break;
    }
    /* rounded through float; a score beyond the floats (every element fits one, their
     * products and sums need not) is the largest float of its sign, as AWS answers it
     * (eu-west-2 and us-east-1 2026-08-13, as the AWS-checked emulator Dynoxide records it;
     * review10 F1: never infinity) */
    if (s >= FLT_MAX)
        return FLT_MAX;
    if (s <= -FLT_MAX)
        return -FLT_MAX;
    return (double)(float)s;
}

/* "d.ddde±x" (C's %e) as plain decimal text. */
static size_t sci_to_plain(const char *sci, char out[VEC_TEXT_MAX])
{
    char digits[16];
    size_t nd = 0, o = 0;
    const char *p = sci;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof digits)
            digits[nd++] = *p;
    int exp = *p ? atoi(p + 1) : 0; /* the digits' point sits after digits[0] */
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (nd == 1 && digits[0] == '0') {
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    if (neg)
        out[o++] = '-';
    int point = exp + 1; /* digits before the point */
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -point && o < VEC_TEXT_MAX - 16; i++)
            out[o++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[o++] = digits[i];
    } else {
        for (int i = 0; i < point && o < VEC_TEXT_MAX - 2; i++)
            out[o++] = (size_t)i < nd ? digits[i] : '0';
        if ((size_t)point < nd) {
            out[o++] = '.';
            for (size_t i = (size_t)point; i < nd && o < VEC_TEXT_MAX - 1; i++)
                out[o++] = digits[i];
        }
    }
    out[o] = '\0';
    return o;
}

size_t vec_f32_text(float f, char out[VEC_TEXT_MAX])
{
    char sci[32];
    if (f == 0.0f) { /* -0 too */
        memcpy(out, "0.0", 4);
        return 3;
    }
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, (double)f);
        if (strtof(sci, NULL) == f)
            break;
    }
    size_t n = sci_to_plain(sci, out);
    if (!memchr(out, '.', n) && n + 2 < VEC_TEXT_MAX) { /* a whole number: "1.0" */
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    return n;
}
