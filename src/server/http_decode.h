/*
 * http_decode — what http.c adds to libmicrohttpd's parsing.  Layer: server.
 *  - the raw request target (as MHD's URI log callback gives it): the path percent-decoded
 *    with its length, so a "%00" is seen instead of cutting the path short (MHD's own decoded
 *    URL is a C string), and the raw query string for handlers that parse it themselves;
 *  - Content-Encoding of a request body (gzip, x-gzip, deflate, identity; a list is undone in
 *    reverse order, RFC 9110 8.4), bounded by a byte limit and a memory reservation hook, so
 *    a decompression bomb stops at the limit instead of exhausting memory;
 *  - the control-byte check of header values (RFC 9110 5.5), a word at a time.
 * Tests: tests/unit/server/test_http_decode.c.
 */
#ifndef DDB_SERVER_HTTP_DECODE_H
#define DDB_SERVER_HTTP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Percent-decodes src[0..n) into dst (which may be src); '+' becomes a space when plus.
 * Invalid escapes are kept as they are.  Returns the decoded length. */
size_t http_pct_decode(char *dst, const char *src, size_t n, bool plus);

/* Splits the request target into the path (percent-decoded into path_out, NUL-terminated;
 * absolute-form "http://host/p" gives "/p") and the raw query (pointer into target, without
 * '?', length *query_len; NULL when none).  path_out needs target_len + 2 bytes.  400 with
 * *why when the decoded path holds a NUL. */
int http_split_target(const char *target, size_t target_len, char *path_out, const char **query,
                      size_t *query_len, const char **why);

/* True when v[0..n) holds a control byte a header field value may not carry (RFC 9110 5.5):
 * below 0x20 other than HTAB, or DEL (0x7f).  Eight bytes at a time (every request's
 * Authorization value passes through it). */
bool http_value_has_ctl(const char *v, size_t n);

/* Whether the header name key (n bytes: its strlen) is lower, ASCII case aside: what
 * strcasecmp(key, lower) == 0 answers, for a lower of ln bytes (4..24), lower-case letters and
 * '-' only (HTTP_NAME_IS's literals).  A word at a time, each letter's bit 0x20 ignored (a
 * letter's bit 6 is set, '-''s is not): strcasecmp was ~45 instructions a call, 5 calls a
 * request in http_collect_header.  tests/unit/server/test_http_decode.c
 * test_name_is_as_strcasecmp holds it to strcasecmp for every byte at every place. */
static inline bool http_name_is(const char *key, size_t n, const char *lower, size_t ln)
{
    if (n != ln || n < 4 || n > 24)
        return false;
    const uint64_t m = 0x4040404040404040ull; /* bit 6 of each byte: set in a letter */
    if (n < 8) { /* two 4-byte words, the second overlapping the first */
        uint32_t k0, l0, k1, l1;
        memcpy(&k0, key, 4);
        memcpy(&l0, lower, 4);
        memcpy(&k1, key + n - 4, 4);
        memcpy(&l1, lower + n - 4, 4);
        return (((k0 | (l0 & (uint32_t)m) >> 1) ^ l0) | ((k1 | (l1 & (uint32_t)m) >> 1) ^ l1)) == 0;
    }
    uint64_t d = 0;
    for (size_t at = 0;; at += 8) { /* the last word overlapping the one before */
        if (at + 8 > n)
            at = n - 8;
        uint64_t k, l;
        memcpy(&k, key + at, 8);
        memcpy(&l, lower + at, 8);
        d |= (k | (l & m) >> 1) ^ l;
        if (at + 8 == n)
            return d == 0;
    }
}
#define HTTP_NAME_IS(key, n, lit) http_name_is(key, n, lit, sizeof(lit) - 1)

/* A Content-Length value as strtoull(v, &end, 10) reads it, and whether it was a number
 * with nothing after it (end != v && !*end).  One to 19 digits (every real one) are read
 * here; anything else is strtoull's (~145 instructions a call, one a request).
 * tests/unit/server/test_http_decode.c test_length_as_strtoull. */
static inline bool http_parse_length(const char *v, unsigned long long *out)
{
    unsigned long long x = 0;
    size_t i = 0;
    while (i < 19 && v[i] >= '0' && v[i] <= '9')
        x = x * 10 + (unsigned)(v[i++] - '0');
    if (i == 0 || v[i]) { /* not only digits, or 20 or more of them */
        char *end;
        x = strtoull(v, &end, 10);
        *out = x;
        return end != v && !*end;
    }
    *out = x;
    return true;
}

enum {
    HTTP_DECODE_OK = 0,
    HTTP_DECODE_UNSUPPORTED = 1, /* a coding other than gzip/x-gzip/deflate/identity */
    HTTP_DECODE_CORRUPT = 2,     /* not valid compressed data */
    HTTP_DECODE_TOO_LARGE = 3,   /* the decoded body would exceed the limit */
    HTTP_DECODE_NOMEM = 4,       /* allocation failed */
    HTTP_DECODE_REFUSED = 5,     /* the reserve hook refused more memory */
};

/* Called before the decoded buffer grows by `more` bytes; non-zero refuses. */
typedef int (*http_reserve_fn)(void *ctx, size_t more);

/* True when the Content-Encoding value asks for no decoding (absent, empty, identity). */
bool http_encoding_is_identity(const char *ce);
/* Decodes in[0..len) per the Content-Encoding value ce into *out (malloc'ed, NUL-terminated,
 * *out_len without the NUL), at most `limit` decoded bytes.  reserve may be NULL; what it
 * granted (= what was allocated) is stored in *reserved (may be NULL); the caller gives it
 * back after freeing *out.  One of the HTTP_DECODE_ codes. */
int http_decode_body(const char *ce, const char *in, size_t len, size_t limit,
                     http_reserve_fn reserve, void *ctx, char **out, size_t *out_len,
                     size_t *reserved);

#endif
