/*
 * keycodec — order-preserving, self-delimiting encoding of key values.  Layer: value.
 * See keycodec.h.
 *
 * S, B (bytewise unsigned order):
 *     each byte as itself, except 0x00 -> 0x00 0xFF; then the terminator 0x00 0x00.
 *     A shorter string sorts first: its terminator 0x00 0x00 is below any continuation
 *     (a byte >= 0x01, or an escaped zero 0x00 0xFF).  The terminator is two bytes so that the
 *     next component's first byte never takes part in the comparison.
 * N (numeric order; the value is sign * 0.d1..dn * 10^exp as num_t, -129 <= exp <= 126):
 *     zero      0x02
 *     positive  0x03, exp + 129 (0..255), digit pairs, 0x00
 *     negative  0x01, 255 - (exp + 129), 255 - each digit pair, 0xFF
 *     A digit pair is d1*10 + d2 + 1 (1..100; a last lone digit pairs with 0).  Canonical
 *     digits have no trailing zero, so a number that is a digit-prefix of another is smaller
 *     in magnitude and its terminator (0x00; 0xFF once inverted) sorts accordingly.  No
 *     encoding is a prefix of another, so concatenations compare component by component.
 * Decoding checks every byte and returns ERR_INTERNAL on anything malformed (a corrupt key).
 * The format is part of the stored key layout: changing it needs a store format version bump.
 */
#include "value/keycodec.h"

#include <string.h>

#include "value/num.h"

#define KEY_N_NEG 0x01
#define KEY_N_ZERO 0x02
#define KEY_N_POS 0x03
#define KEY_EXP_BIAS 129

static int key_encode_bytes(const unsigned char *p, size_t len, buf_t *out)
{
    static const unsigned char esc[2] = {0x00, 0xFF}, term[2] = {0x00, 0x00};
    int rc = 0;
    if (len <= out->max && !memchr(p, 0, len)) {
        /* no zero byte (every key of a common table): one reservation and the bytes, then the
         * terminator, instead of two buf_appends (~70 instructions a key: a GetItem encodes
         * two) */
        if ((rc = buf_reserve(out, len + 2)))
            return rc;
        if (len)
            memcpy(out->data + out->len, p, len);
        out->data[out->len + len] = 0x00;
        out->data[out->len + len + 1] = 0x00;
        out->len += len + 2;
        return 0;
    }
    while (len > 0 && rc == 0) {
        const unsigned char *z = memchr(p, 0, len);
        size_t run = z ? (size_t)(z - p) : len;
        rc = buf_append(out, p, run);
        if (rc == 0 && z) {
            rc = buf_append(out, esc, 2);
            run++;
        }
        p += run;
        len -= run;
    }
    if (rc == 0)
        rc = buf_append(out, term, 2);
    return rc;
}

static int key_encode_num(const char *p, size_t len, buf_t *out)
{
    num_t n;
    unsigned char tmp[2 + NUM_MAX_DIGITS / 2 + 2];
    size_t k = 0;
    int rc = num_parse(p, len, &n, NULL);
    if (rc < 0)
        return rc;
    if (n.sign == 0) {
        tmp[k++] = KEY_N_ZERO;
    } else {
        unsigned char inv = n.sign < 0 ? 0xFF : 0x00;
        tmp[k++] = n.sign < 0 ? KEY_N_NEG : KEY_N_POS;
        tmp[k++] = (unsigned char)((n.exp + KEY_EXP_BIAS) ^ inv);
        for (int i = 0; i < n.ndig; i += 2) {
            int d2 = i + 1 < n.ndig ? n.dig[i + 1] : 0;
            tmp[k++] = (unsigned char)((n.dig[i] * 10 + d2 + 1) ^ inv);
        }
        tmp[k++] = inv; /* 0x00, or 0xFF for negatives */
    }
    return buf_append(out, tmp, k);
}

int key_encode(const av_t *v, buf_t *out)
{
    size_t start = out->len;
    int rc;
    switch (v->type) {
    case AV_S:
    case AV_B:
        rc = key_encode_bytes((const unsigned char *)v->u.str.ptr, v->u.str.len, out);
        break;
    case AV_N:
        rc = key_encode_num(v->u.str.ptr, v->u.str.len, out);
        break;
    default:
        rc = ERR_INTERNAL;
        break;
    }
    if (rc < 0)
        out->len = start; /* nothing half-written */
    return rc;
}

static int key_decode_bytes(const unsigned char *p, size_t len, arena_t *a, av_t *out,
                            size_t *used)
{
    size_t i = 0, n = 0;
    /* pass 1: find the terminator, count the value bytes */
    for (;;) {
        if (i >= len)
            return ERR_INTERNAL;
        if (p[i] != 0x00) {
            i++;
            n++;
            continue;
        }
        if (i + 1 >= len)
            return ERR_INTERNAL;
        if (p[i + 1] == 0x00)
            break;
        if (p[i + 1] != 0xFF)
            return ERR_INTERNAL;
        i += 2;
        n++;
    }
    size_t end = i;
    unsigned char *v = arena_alloc(a, n + 1);
    if (!v)
        return ERR_NOMEM;
    size_t k = 0;
    for (i = 0; i < end; i++) {
        v[k++] = p[i];
        if (p[i] == 0x00)
            i++; /* skip the 0xFF of an escaped zero */
    }
    v[k] = '\0'; /* convenience only; values are (pointer, length) */
    out->u.str.ptr = (const char *)v;
    out->u.str.len = n;
    *used = end + 2;
    return 0;
}

static int key_decode_num(const unsigned char *p, size_t len, arena_t *a, av_t *out,
                          size_t *used)
{
    num_t n;
    size_t i = 0;
    memset(&n, 0, sizeof n);
    if (len < 1)
        return ERR_INTERNAL;
    if (p[0] == KEY_N_ZERO) {
        i = 1;
    } else if (p[0] == KEY_N_POS || p[0] == KEY_N_NEG) {
        unsigned char inv = p[0] == KEY_N_NEG ? 0xFF : 0x00;
        n.sign = p[0] == KEY_N_NEG ? -1 : 1;
        if (len < 3)
            return ERR_INTERNAL;
        n.exp = (int16_t)((p[1] ^ inv) - KEY_EXP_BIAS);
        for (i = 2;; i++) {
            if (i >= len)
                return ERR_INTERNAL;
            unsigned v = p[i] ^ inv;
            if (v == 0)
                break;
            if (v > 100 || n.ndig + 2 > NUM_MAX_DIGITS)
                return ERR_INTERNAL;
            v--;
            n.dig[n.ndig++] = (uint8_t)(v / 10);
            n.dig[n.ndig++] = (uint8_t)(v % 10);
        }
        i++; /* terminator */
        if (n.ndig > 0 && n.dig[n.ndig - 1] == 0)
            n.ndig--; /* a lone last digit was paired with 0 */
        if (n.ndig == 0 || n.dig[0] == 0 || n.dig[n.ndig - 1] == 0)
            return ERR_INTERNAL; /* not canonical: a corrupt key */
    } else {
        return ERR_INTERNAL;
    }
    char text[NUM_MAX_TEXT];
    size_t tl = num_format(&n, text, sizeof text);
    char *s = arena_strndup(a, text, tl);
    if (!s)
        return ERR_NOMEM;
    out->u.str.ptr = s;
    out->u.str.len = tl;
    *used = i;
    return 0;
}

int key_decode(av_type t, const void *p, size_t len, arena_t *a, av_t *out, size_t *used)
{
    av_t v;
    size_t u = 0;
    int rc;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch (t) {
    case AV_S:
    case AV_B:
        rc = key_decode_bytes(p, len, a, &v, &u);
        break;
    case AV_N:
        rc = key_decode_num(p, len, a, &v, &u);
        break;
    default:
        rc = ERR_INTERNAL;
        break;
    }
    if (rc == 0) {
        *out = v;
        *used = u;
    }
    return rc;
}
