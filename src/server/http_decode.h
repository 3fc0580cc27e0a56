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
