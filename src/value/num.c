/*
 * num — DynamoDB numbers: exact decimals, 38 significant digits.  Layer: value.  See num.h.
 *
 * DynamoDB validates a number as Java's `new BigDecimal(text)` reads it, then checks precision
 * (<= 38 significant digits, trailing zeros stripped) and only then the range (1E-130 <= |x| <
 * 1E126).  This file reproduces that, including Java's syntax:
 *   accepted   "1.50" "0001" "1E3" "1e+3" "1E-0" "-0" "+5" ".5" "5." "0.e1" "1E003"
 *              digits of any BMP Unicode decimal-digit block ("١" = 1, "０" = 0; in the
 *              exponent too), as Character.digit(c, 10) does
 *   rejected   "" "." "+" "-" " 5" "5 " "0x10" "NaN" "Infinity" "1e" "1e+" "--1" "1_000"
 *              "𝟏" (non-BMP digits), an exponent outside a 64-bit integer
 * The exponent is read in full, as a 64-bit integer, before the range is applied: an exponent
 * past 32 bits overflows or underflows (it does not wrap), only one past 64 bits cannot be
 * converted; a zero is range-checked by the exponent it is written with ("0E126" overflows,
 * "0E-131" underflows, "0E125" is 0) (AWS, eu-west-2 2026-10: the conformance suite's tier3
 * limits/numberExponent).  DynamoDB Local parses the exponent as Java's 32-bit int instead
 * ("cannot be converted" past it, "10E2147483647" an underflow, "100E2147483647" an
 * InternalFailure) and accepts any zero; tests/unit/value/test_num.c names those cases.
 *
 * Representation invariant (canonical): value = sign * 0.d1..dn * 10^exp, 1 <= n <= 38,
 * d1 != 0, dn != 0; zero is sign 0, n 0, exp 0.  Valid values have -129 <= exp <= 126.
 * fscale only affects num_format_plain (DynamoDB Local's arithmetic result texts).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */
#include "value/num.h"

#include <string.h>

/* The service's texts (AWS-checked by dynalite's tests and Dynoxide; conformance tier1
 * putItem/numberFormat); DynamoDB Local says "A value provided cannot be converted into a
 * number" and "DynamoDB only supports precision up to 38 digits" (tests/golden/num.json). */
#define NUM_TXT_INVALID "The parameter cannot be converted to a numeric value"
const char NUM_MSG_INVALID[] = NUM_TXT_INVALID;
const char NUM_MSG_OVERFLOW[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const char NUM_MSG_UNDERFLOW[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const char NUM_MSG_PRECISION[] = "Attempting to store more than 38 significant digits in a Number";
const char NUM_MSG_UNKNOWN[] =
    "The request processing has failed because of an unknown error, exception or failure.";

#define NUM_EXP_MIN (-129) /* 0.1E-129 = 1E-130 */
#define NUM_EXP_MAX 126    /* 0.99..9E126 = 9.9..9E125 */

/* Zero digits of the BMP Unicode Nd blocks (each block is ten consecutive digits). */
static const uint16_t num_nd_zeros[] = {
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
    0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
};

/* Decodes one UTF-8 code point at p[*i]; advances *i.  Returns -1 on malformed input. */
static int32_t num_utf8_next(const char *p, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)p;
    unsigned char c = s[*i];
    int32_t cp;
    size_t n;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if ((c & 0xE0) == 0xC0) {
        cp = c & 0x1F;
        n = 1;
    } else if ((c & 0xF0) == 0xE0) {
        cp = c & 0x0F;
        n = 2;
    } else if ((c & 0xF8) == 0xF0) {
        cp = c & 0x07;
        n = 3;
    } else {
        return -1;
    }
    if (*i + n >= len)
        return -1;
    for (size_t k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    static const int32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1; /* overlong, out of range or a surrogate */
    *i += n + 1;
    return cp;
}

/* Decimal digit value of a code point as Java's Character.digit(c, 10) for BMP chars;
 * -1 when not a digit. */
static int num_digit_value(int32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return cp - '0';
    if (cp < 0x80 || cp > 0xFFFF)
        return -1;
    for (size_t k = 0; k < sizeof num_nd_zeros / sizeof num_nd_zeros[0]; k++)
        if (cp >= num_nd_zeros[k] && cp < num_nd_zeros[k] + 10)
            return cp - num_nd_zeros[k];
    return -1;
}

static void num_zero(num_t *out, int32_t fscale)
{
    memset(out, 0, sizeof *out);
    out->fscale = fscale;
}

/* The exponent: the text after 'e'/'E' to the end, an optional sign and digits, read as a
 * 64-bit integer (leading zeros skipped).  Returns 0 and *out, or -1 (no digits, not a digit,
 * outside int64). */
static int num_parse_exp(const char *p, size_t len, size_t i, int64_t *out)
{
    bool neg = false;
    size_t j = i;
    if (j < len && (p[j] == '-' || p[j] == '+')) {
        neg = p[j] == '-';
        j++;
    }
    if (j >= len)
        return -1; /* no exponent digits */
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    while (j < len) {
        int32_t cp = num_utf8_next(p, len, &j);
        int d = cp < 0 ? -1 : num_digit_value(cp);
        if (d < 0)
            return -1;
        if (v > (lim - (uint64_t)d) / 10u)
            return -1; /* outside a 64-bit integer */
        v = v * 10u + (uint64_t)d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

static int parse_mode(const char *p, size_t len, num_t *out, err_t *e, bool java);

int num_parse(const char *p, size_t len, num_t *out, err_t *e)
{
    return parse_mode(p, len, out, e, false);
}

int num_parse_java(const char *p, size_t len, num_t *out, err_t *e)
{
    return parse_mode(p, len, out, e, true);
}

/* The rest of num_parse_java once the text is read: Java's BigDecimal scale must fit an int
 * (else "cannot be converted"), any zero is 0, and the range is checked on precision minus
 * scale in 32-bit arithmetic, which wraps ("1e2147483647" underflows). */
static int parse_java_tail(const char *p, size_t len, num_t *out, err_t *e, int8_t sign,
                           const uint8_t *dig, int64_t nsig, int64_t last_nz, __int128 scale)
{
    if (scale < INT32_MIN || scale > INT32_MAX)
        return err_set_echo(e, ERR_VALIDATION, NUM_TXT_INVALID ": ", p, len, NULL); /* whole */
    int32_t fscale = scale > 0 ? (int32_t)scale : 0;
    if (last_nz < 0) {
        num_zero(out, fscale);
        return 0;
    }
    int64_t prec = last_nz + 1;
    int64_t sscale = (int64_t)scale - (nsig - prec); /* after stripTrailingZeros */
    if (sscale < INT32_MIN || sscale > INT32_MAX)
        return err_set(e, ERR_INTERNAL, "%s", NUM_MSG_UNKNOWN);
    if (prec > NUM_MAX_DIGITS)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_PRECISION);
    int32_t e32 = (int32_t)(uint32_t)((uint64_t)prec - (uint64_t)sscale);
    if (e32 > NUM_EXP_MAX)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_OVERFLOW);
    if (e32 < NUM_EXP_MIN)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_UNDERFLOW);
    memset(out, 0, sizeof *out);
    out->sign = sign;
    out->ndig = (uint8_t)prec;
    out->exp = (int16_t)e32;
    memcpy(out->dig, dig, (size_t)prec);
    out->fscale = fscale;
    return 0;
}

static int parse_mode(const char *p, size_t len, num_t *out, err_t *e, bool java)
{
    int8_t sign = 1;
    size_t i = 0;
    bool dot = false, any_digit = false;
    int64_t frac = 0;      /* digits after the point, all of them */
    int64_t nsig = 0;      /* digits from the first nonzero digit on */
    int64_t last_nz = -1;  /* index (in nsig numbering) of the last nonzero digit */
    int64_t exp10 = 0;
    uint8_t dig[NUM_MAX_DIGITS];

    if (!p)
        len = 0;
    if (i < len && (p[i] == '-' || p[i] == '+')) {
        sign = p[i] == '-' ? -1 : 1;
        i++;
    }
    while (i < len) {
        char c = p[i];
        if (c == '.') {
            if (dot)
                goto invalid;
            dot = true;
            i++;
            continue;
        }
        if (c == 'e' || c == 'E') {
            if (num_parse_exp(p, len, i + 1, &exp10) < 0 ||
                (java && (exp10 < INT32_MIN || exp10 > INT32_MAX)))
                goto invalid;
            i = len;
            break;
        }
        int32_t cp = num_utf8_next(p, len, &i);
        int d = num_digit_value(cp);
        if (d < 0)
            goto invalid;
        any_digit = true;
        if (dot)
            frac++;
        if (nsig > 0 || d != 0) {
            if (nsig < NUM_MAX_DIGITS)
                dig[nsig] = (uint8_t)d;
            if (d != 0)
                last_nz = nsig;
            nsig++;
        }
    }
    if (!any_digit)
        goto invalid;

    /* the BigDecimal's scale, exactly (the exponent may be any 64-bit integer) */
    __int128 scale = (__int128)frac - exp10;
    if (java)
        return parse_java_tail(p, len, out, e, sign, dig, nsig, last_nz, scale);
    if (last_nz < 0) {
        /* a zero is range-checked by its written exponent: precision 1, so the exponent of
         * its leading digit is -scale */
        if (-scale > NUM_EXP_MAX - 1)
            return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_OVERFLOW);
        if (-scale < NUM_EXP_MIN - 1)
            return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_UNDERFLOW);
        num_zero(out, scale > 0 ? (int32_t)scale : 0);
        return 0;
    }
    int64_t prec = last_nz + 1;
    int64_t tz = nsig - prec;
    __int128 sscale = scale - tz; /* scale after stripTrailingZeros */
    if (prec > NUM_MAX_DIGITS)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_PRECISION);
    /* exponent of the leading digit */
    __int128 sci = (__int128)prec - sscale - 1;
    if (sci > NUM_EXP_MAX - 1)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_OVERFLOW);
    if (sci < NUM_EXP_MIN - 1)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_UNDERFLOW);
    /* in range: sscale is within [-125, 168] and scale = sscale + tz (tz < len) */
    int32_t fscale = scale > 0 ? (int32_t)scale : 0;
    memset(out, 0, sizeof *out);
    out->sign = sign;
    out->ndig = (uint8_t)prec;
    out->exp = (int16_t)(sci + 1);
    memcpy(out->dig, dig, (size_t)prec);
    out->fscale = fscale;
    return 0;
invalid:
    if (java && len == 0) /* the older reading names no empty text */
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_INVALID);
    /* the service names the text, an empty one too ("...numeric value: abc", "...numeric
     * value: "; probe esm_put_ns_empty of the conformance suite's captures of 2026-08-12 and
     * 2026-09-06, every region: before, us-east-1 left ": " out for an empty text) */
    return err_set_echo(e, ERR_VALIDATION, NUM_TXT_INVALID ": ", p, len, NULL); /* whole */
}

/* Writes the text with at least `minfrac` fraction digits into out (no NUL); returns its
 * length.  out must hold num_plain_len bytes. */
static size_t num_plain_len(const num_t *n, int64_t minfrac)
{
    if (n->sign == 0)
        return minfrac > 0 ? (size_t)(2 + minfrac) : 1;
    int64_t nd = n->ndig, ex = n->exp;
    int64_t ip = ex > 0 ? ex : 1;            /* integer digits ("0" when ex <= 0) */
    int64_t fr = nd - ex > 0 ? nd - ex : 0;  /* canonical fraction digits */
    if (minfrac > fr)
        fr = minfrac;
    return (size_t)((n->sign < 0) + ip + (fr > 0 ? 1 + fr : 0));
}

static size_t num_write(const num_t *n, int64_t minfrac, char *o)
{
    size_t k = 0;
    if (n->sign == 0) {
        o[k++] = '0';
        if (minfrac > 0) {
            o[k++] = '.';
            memset(o + k, '0', (size_t)minfrac);
            k += (size_t)minfrac;
        }
        return k;
    }
    int64_t nd = n->ndig, ex = n->exp;
    int64_t fr = nd - ex > 0 ? nd - ex : 0;
    if (minfrac > fr)
        fr = minfrac;
    if (n->sign < 0)
        o[k++] = '-';
    if (ex <= 0) {
        o[k++] = '0';
    } else {
        for (int64_t pos = 0; pos < ex; pos++)
            o[k++] = (char)('0' + (pos < nd ? n->dig[pos] : 0));
    }
    if (fr > 0) {
        o[k++] = '.';
        /* fraction digit j (0-based) is digit index ex + j */
        for (int64_t j = 0; j < fr; j++) {
            int64_t pos = ex + j;
            o[k++] = (char)('0' + (pos >= 0 && pos < nd ? n->dig[pos] : 0));
        }
    }
    return k;
}

size_t num_format(const num_t *n, char *out, size_t cap)
{
    char tmp[NUM_MAX_TEXT + 8];
    size_t len = num_plain_len(n, 0);
    if (len > NUM_MAX_TEXT) /* not a valid number: never happens for parsed values */
        len = 0;
    else
        num_write(n, 0, tmp);
    if (cap > 0) {
        size_t c = len < cap ? len : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return len;
}

int num_format_plain(const num_t *n, buf_t *out)
{
    int rc = buf_reserve(out, num_plain_len(n, n->fscale));
    if (rc < 0)
        return rc;
    size_t k = num_write(n, n->fscale, (char *)out->data + out->len);
    out->len += k;
    return 0;
}

int num_cmp(const num_t *a, const num_t *b)
{
    if (a->sign != b->sign)
        return a->sign < b->sign ? -1 : 1;
    if (a->sign == 0)
        return 0;
    int mag;
    if (a->exp != b->exp) {
        mag = a->exp < b->exp ? -1 : 1;
    } else {
        mag = 0;
        size_t n = a->ndig < b->ndig ? a->ndig : b->ndig;
        for (size_t k = 0; k < n && mag == 0; k++)
            if (a->dig[k] != b->dig[k])
                mag = a->dig[k] < b->dig[k] ? -1 : 1;
        if (mag == 0 && a->ndig != b->ndig)
            mag = a->ndig < b->ndig ? -1 : 1;
    }
    return a->sign < 0 ? -mag : mag;
}

static int32_t num_display_frac(const num_t *n)
{
    int32_t fr = n->sign != 0 && n->ndig - n->exp > 0 ? n->ndig - n->exp : 0;
    return n->fscale > fr ? n->fscale : fr;
}

/* Powers covered by valid operands: 10^-167 .. 10^125, plus a carry. */
#define NUM_ACC_LO (-(129 + NUM_MAX_DIGITS) - 2)
#define NUM_ACC_N (NUM_EXP_MAX - NUM_ACC_LO + 4)

/* Adds sign*digits of n into acc (little-endian by power, offset NUM_ACC_LO). */
static void num_acc_put(const num_t *n, uint8_t *acc)
{
    for (int k = 0; k < n->ndig; k++)
        acc[n->exp - 1 - k - NUM_ACC_LO] = n->dig[k];
}

int num_add(const num_t *a, const num_t *b, num_t *out, err_t *e)
{
    int32_t fscale = num_display_frac(a);
    if (num_display_frac(b) > fscale)
        fscale = num_display_frac(b);
    if (a->sign == 0 || b->sign == 0) {
        *out = a->sign == 0 ? *b : *a;
        out->fscale = fscale;
        return 0;
    }
    if (a->exp < NUM_EXP_MIN || a->exp > NUM_EXP_MAX || b->exp < NUM_EXP_MIN ||
        b->exp > NUM_EXP_MAX)
        return err_set(e, ERR_INTERNAL, "num_add: operand out of range");
    uint8_t x[NUM_ACC_N], y[NUM_ACC_N], r[NUM_ACC_N];
    memset(x, 0, sizeof x);
    memset(y, 0, sizeof y);
    int8_t sign;
    /* x = larger magnitude, y = smaller */
    num_t aa = *a, bb = *b;
    aa.sign = bb.sign = 1;
    int mag = num_cmp(&aa, &bb);
    const num_t *big = mag >= 0 ? a : b, *small = mag >= 0 ? b : a;
    num_acc_put(big, x);
    num_acc_put(small, y);
    if (a->sign == b->sign) {
        int carry = 0;
        for (int k = 0; k < NUM_ACC_N; k++) {
            int s = x[k] + y[k] + carry;
            r[k] = (uint8_t)(s % 10);
            carry = s / 10;
        }
        sign = a->sign;
    } else {
        if (mag == 0) {
            num_zero(out, fscale);
            return 0;
        }
        int borrow = 0;
        for (int k = 0; k < NUM_ACC_N; k++) {
            int s = x[k] - y[k] - borrow;
            borrow = s < 0;
            r[k] = (uint8_t)(s + (borrow ? 10 : 0));
        }
        sign = big->sign;
    }
    int hi = NUM_ACC_N - 1, lo = 0;
    while (hi >= 0 && r[hi] == 0)
        hi--;
    if (hi < 0) { /* cannot happen: magnitudes differ */
        num_zero(out, fscale);
        return 0;
    }
    while (r[lo] == 0)
        lo++;
    int prec = hi - lo + 1;
    int sci = hi + NUM_ACC_LO; /* power of the leading digit */
    if (prec > NUM_MAX_DIGITS)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_PRECISION);
    if (sci > NUM_EXP_MAX - 1)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_OVERFLOW);
    if (sci < NUM_EXP_MIN - 1)
        return err_set(e, ERR_VALIDATION, "%s", NUM_MSG_UNDERFLOW);
    memset(out, 0, sizeof *out);
    out->sign = sign;
    out->ndig = (uint8_t)prec;
    out->exp = (int16_t)(sci + 1);
    for (int k = 0; k < prec; k++)
        out->dig[k] = r[hi - k];
    out->fscale = fscale;
    return 0;
}

void num_neg(const num_t *n, num_t *out)
{
    *out = *n;
    out->sign = (int8_t)-n->sign;
}

int num_sub(const num_t *a, const num_t *b, num_t *out, err_t *e)
{
    num_t nb;
    num_neg(b, &nb);
    return num_add(a, &nb, out, e);
}

int num_canonical(const char *p, size_t len, char *out, size_t cap, err_t *e)
{
    num_t n;
    int rc = num_parse(p, len, &n, e);
    if (rc < 0)
        return rc;
    size_t k = num_format(&n, out, cap);
    if (k >= cap)
        return err_set(e, ERR_INTERNAL, "num_canonical: buffer too small");
    return (int)k;
}

int num_cmp_text(const char *a, size_t alen, const char *b, size_t blen)
{
    num_t x, y;
    int ra = num_parse(a, alen, &x, NULL), rb = num_parse(b, blen, &y, NULL);
    if (ra < 0 || rb < 0) { /* contract violation: order invalid texts first, then bytes */
        if ((ra < 0) != (rb < 0))
            return ra < 0 ? -1 : 1;
        size_t n = alen < blen ? alen : blen;
        int c = memcmp(a, b, n);
        return c != 0 ? c : (alen > blen) - (alen < blen);
    }
    return num_cmp(&x, &y);
}

void num_from_i64(int64_t v, num_t *out)
{
    uint8_t tmp[20];
    int n = 0;
    memset(out, 0, sizeof *out);
    if (v == 0)
        return;
    out->sign = v < 0 ? -1 : 1;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u > 0) {
        tmp[n++] = (uint8_t)(u % 10);
        u /= 10;
    }
    out->exp = (int16_t)n;
    int lo = 0;
    while (tmp[lo] == 0)
        lo++;
    for (int k = n - 1; k >= lo; k--)
        out->dig[out->ndig++] = tmp[k];
}

bool num_is_integer(const num_t *n)
{
    return n->sign == 0 || n->exp >= n->ndig;
}

int num_to_i64(const num_t *n, int64_t *out)
{
    if (!num_is_integer(n) || n->exp > 19)
        return ERR_VALIDATION;
    uint64_t u = 0;
    for (int pos = 0; pos < n->exp; pos++) {
        unsigned d = pos < n->ndig ? n->dig[pos] : 0;
        if (u > (UINT64_MAX - d) / 10)
            return ERR_VALIDATION;
        u = u * 10 + d;
    }
    if (n->sign >= 0) {
        if (u > (uint64_t)INT64_MAX)
            return ERR_VALIDATION;
        *out = (int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX + 1)
            return ERR_VALIDATION;
        *out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    }
    return 0;
}
