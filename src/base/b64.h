/*
 * b64 — base64 (RFC 4648): the standard alphabet, padded (DynamoDB's B values) and the URL
 * alphabet, unpadded (JWT's base64url).  Layer: base.  Inline: the reply writer encodes with
 * it on the hot path.  Validation stays with the callers (their error texts differ).
 * https://www.rfc-editor.org/rfc/rfc4648
 */
#ifndef DDB_BASE_B64_H
#define DDB_BASE_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BASE_B64_STD "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define BASE_B64_URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* The characters base_b64_encode writes for len bytes. */
static inline size_t base_b64_len(size_t len, bool pad)
{
    return pad ? (len + 2) / 3 * 4 : len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

/* p[0..len) in base64 of alphabet (BASE_B64_STD or BASE_B64_URL) into out, which has room for
 * base_b64_len(len, pad) characters; pad: '=' to a multiple of 4.  No NUL is written.
 * Returns the characters written. */
static inline size_t base_b64_encode(const char *alphabet, bool pad, const unsigned char *p,
                                     size_t len, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) { /* whole groups: no test per character */
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[w >> 18 & 63];
        out[o++] = alphabet[w >> 12 & 63];
        out[o++] = alphabet[w >> 6 & 63];
        out[o++] = alphabet[w & 63];
    }
    if (len - i == 1) {
        uint32_t w = (uint32_t)p[i] << 16;
        out[o++] = alphabet[w >> 18 & 63];
        out[o++] = alphabet[w >> 12 & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = alphabet[w >> 18 & 63];
        out[o++] = alphabet[w >> 12 & 63];
        out[o++] = alphabet[w >> 6 & 63];
        if (pad)
            out[o++] = '=';
    }
    return o;
}

/* The value (0..63) of base64 character c, of the URL alphabet when url (else the standard
 * one); -1 for any other byte, '=' included. */
static inline int base_b64_val(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

#endif
