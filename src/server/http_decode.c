/*
 * http_decode — request targets and Content-Encoding.  Layer: server.  See http_decode.h;
 * RFC 9110 sections cited where a rule is applied.  Tests: tests/unit/server/test_http_decode.c.
 */
#include "server/http_decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <strings.h>

#include <zlib.h>
#if defined(__SSE2__) && !defined(HTTP_DECODE_NO_SSE2) /* -DHTTP_DECODE_NO_SSE2: portable */
#define HTTP_DECODE_SSE2 1
#include <emmintrin.h>
#endif

#include "base/hex.h"

#define HTTP_DECODE_STEP ((size_t)64 << 10) /* decoded-buffer growth, bytes */
#define HTTP_MAX_CODINGS 4                  /* content codings in one Content-Encoding */

/* Lower-case comparison of [p, p+n) with a lower-case literal. */
static bool token_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Calls fn on every element of a comma-separated list (OWS trimmed, empties skipped). */
typedef int (*http_list_fn)(void *ctx, const char *p, size_t n);
static int for_each_element(const char *v, http_list_fn fn, void *ctx)
{
    while (*v) {
        const char *comma = strchr(v, ',');
        const char *end = comma ? comma : v + strlen(v);
        const char *s = v, *e = end;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s) {
            int rc = fn(ctx, s, (size_t)(e - s));
            if (rc)
                return rc;
        }
        v = comma ? comma + 1 : end;
    }
    return 0;
}

size_t http_pct_decode(char *dst, const char *src, size_t n, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        int hi, lo;
        if (c == '%' && i + 2 < n &&
            (hi = base_hex_digit((unsigned char)src[i + 1])) >= 0 &&
            (lo = base_hex_digit((unsigned char)src[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        dst[o++] = c;
    }
    return o;
}

int http_split_target(const char *target, size_t target_len, char *path_out, const char **query,
                      size_t *query_len, const char **why)
{
    const char *t = target, *end = target + target_len;
    if (target_len > 7 && (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0)) {
        t = memchr(t + 7, '/', (size_t)(end - t - 7));
        if (!t) { /* "http://host" */
            memcpy(path_out, "/", 2);
            *query = NULL;
            *query_len = 0;
            return 0;
        }
    }
    const char *q = memchr(t, '?', (size_t)(end - t));
    const char *pend = q ? q : end;
    const char *hash = memchr(t, '#', (size_t)(pend - t)); /* a fragment is never sent; cut */
    if (hash)
        pend = hash;
    size_t n = http_pct_decode(path_out, t, (size_t)(pend - t), false);
    path_out[n] = '\0';
    if (memchr(path_out, '\0', n)) {
        *why = "NUL in the request path";
        return 400;
    }
    if (q) {
        const char *qe = memchr(q + 1, '#', (size_t)(end - q - 1));
        *query = q + 1;
        *query_len = (size_t)((qe ? qe : end) - q - 1);
    } else {
        *query = NULL;
        *query_len = 0;
    }
    return 0;
}

/* ---- Content-Encoding --------------------------------------------------------------- */

enum { CODING_IDENTITY = 0, CODING_GZIP, CODING_DEFLATE };

typedef struct codings {
    int list[HTTP_MAX_CODINGS];
    int n;
    bool bad;
} codings;

static int coding_element(void *ctx, const char *p, size_t n)
{
    codings *c = ctx;
    int k;
    if (token_is(p, n, "gzip") || token_is(p, n, "x-gzip"))
        k = CODING_GZIP;
    else if (token_is(p, n, "deflate"))
        k = CODING_DEFLATE;
    else if (token_is(p, n, "identity"))
        return 0;
    else {
        c->bad = true;
        return 1;
    }
    if (c->n == HTTP_MAX_CODINGS) {
        c->bad = true;
        return 1;
    }
    c->list[c->n++] = k;
    return 0;
}

static bool http_byte_is_ctl(unsigned char ch)
{
    return (ch < 0x20 && ch != '\t') || ch == 0x7f;
}

/* A block holding a byte below 0x20 or equal to 0x7f: checked byte by byte (HTAB is allowed) */
static bool http_block_has_ctl(const char *v, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (http_byte_is_ctl((unsigned char)v[j]))
            return true;
    return false;
}

bool http_value_has_ctl(const char *v, size_t n)
{
#if HTTP_DECODE_SSE2
    if (n >= 16) { /* 16 bytes a step, the last block overlapping the one before */
        const __m128i below = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t'),
                      del = _mm_set1_epi8(0x7f);
        for (size_t i = 0;; i += 16) {
            size_t at = i + 16 <= n ? i : n - 16;
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + at));
            __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, below), x); /* x <= 0x1f */
            ctl = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), ctl),
                               _mm_cmpeq_epi8(x, del));
            if (_mm_movemask_epi8(ctl))
                return true;
            if (at + 16 >= n)
                return false;
        }
    }
#endif
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    if (n < 8)
        return http_block_has_ctl(v, n);
    for (size_t i = 0;; i += 8) { /* 8 bytes a step, the last word overlapping */
        size_t at = i + 8 <= n ? i : n - 8;
        uint64_t x;
        memcpy(&x, v + at, 8);
        /* a byte below 0x20 (exact for the word as a whole: a borrow only follows a byte
         * that is itself below), or a byte equal to 0x7f (a zero byte of x ^ 0x7f..7f) */
        uint64_t d = x ^ (0x7f * ones);
        if ((((x - 0x20 * ones) & ~x & highs) | ((d - ones) & ~d & highs)) &&
            http_block_has_ctl(v + at, 8))
            return true;
        if (at + 8 >= n)
            return false;
    }
}

bool http_encoding_is_identity(const char *ce)
{
    if (!ce)
        return true;
    codings c = {0};
    for_each_element(ce, coding_element, &c);
    return !c.bad && c.n == 0;
}

/* One inflate pass of in[0..len) with zlib's window bits wbits into out (bounded). */
static int inflate_one(int wbits, const char *in, size_t len, size_t limit,
                       http_reserve_fn reserve, void *ctx, buf_t *out, size_t *reserved)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK)
        return HTTP_DECODE_NOMEM;
    int rc = HTTP_DECODE_OK;
    const unsigned char *ip = (const unsigned char *)in;
    size_t left = len;
    bool ended = false;
    for (;;) {
        if (out->cap - out->len < 1) { /* grow (doubling, at least a step) within the limit */
            size_t cap = out->cap * 2;
            if (cap < out->cap + HTTP_DECODE_STEP)
                cap = out->cap + HTTP_DECODE_STEP;
            if (cap > limit + 1)
                cap = limit + 1;
            if (cap <= out->cap) {
                rc = HTTP_DECODE_TOO_LARGE;
                break;
            }
            size_t more = cap - out->cap; /* what is allocated is what is reserved */
            if (reserve && reserve(ctx, more)) {
                rc = HTTP_DECODE_REFUSED;
                break;
            }
            if (reserved)
                *reserved += more;
            unsigned char *np = realloc(out->data, cap);
            if (!np) {
                rc = HTTP_DECODE_NOMEM;
                break;
            }
            out->data = np;
            out->cap = cap;
        }
        uInt chunk = left > (size_t)UINT32_MAX ? UINT32_MAX : (uInt)left;
        z.next_in = (Bytef *)ip;
        z.avail_in = chunk;
        size_t room = out->cap - out->len;
        z.next_out = out->data + out->len;
        z.avail_out = room > (size_t)UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt before_out = z.avail_out;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t used = chunk - z.avail_in;
        ip += used;
        left -= used;
        out->len += before_out - z.avail_out;
        if (out->len > limit) {
            rc = HTTP_DECODE_TOO_LARGE;
            break;
        }
        if (zr == Z_STREAM_END) {
            ended = true;
            /* gzip: another member may follow (RFC 1952 2.2) */
            if (wbits > 15 && left > 0) {
                if (inflateReset(&z) != Z_OK) {
                    rc = HTTP_DECODE_CORRUPT;
                    break;
                }
                ended = false;
                continue;
            }
            if (left > 0)
                rc = HTTP_DECODE_CORRUPT; /* bytes after the end */
            break;
        }
        if (zr == Z_MEM_ERROR) {
            rc = HTTP_DECODE_NOMEM;
            break;
        }
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_out == 0)) {
            rc = HTTP_DECODE_CORRUPT;
            break;
        }
        if (left == 0 && z.avail_out != 0) { /* input ended inside the stream */
            rc = HTTP_DECODE_CORRUPT;
            break;
        }
    }
    if (rc == HTTP_DECODE_OK && !ended)
        rc = HTTP_DECODE_CORRUPT;
    inflateEnd(&z);
    return rc;
}

int http_decode_body(const char *ce, const char *in, size_t len, size_t limit,
                     http_reserve_fn reserve, void *ctx, char **out, size_t *out_len,
                     size_t *reserved)
{
    *out = NULL;
    *out_len = 0;
    if (reserved)
        *reserved = 0;
    codings c = {0};
    for_each_element(ce ? ce : "", coding_element, &c);
    if (c.bad)
        return HTTP_DECODE_UNSUPPORTED;
    buf_t cur;
    buf_init(&cur, limit + 1);
    int rc = HTTP_DECODE_OK;
    const char *src = in;
    size_t src_len = len;
    buf_t prev;
    buf_init(&prev, limit + 1);
    /* undo the codings in reverse order of application (RFC 9110 8.4) */
    for (int k = c.n - 1; k >= 0; k--) {
        int wbits = c.list[k] == CODING_GZIP ? 15 + 16 : 15;
        rc = inflate_one(wbits, src, src_len, limit, reserve, ctx, &cur, reserved);
        if (rc == HTTP_DECODE_CORRUPT && c.list[k] == CODING_DEFLATE) {
            /* "deflate" is zlib-wrapped (RFC 9110 8.4.1.2), but some clients send raw
             * deflate; try that before giving up */
            cur.len = 0;
            rc = inflate_one(-15, src, src_len, limit, reserve, ctx, &cur, reserved);
        }
        buf_fini(&prev);
        if (rc)
            goto fail;
        prev = cur;
        src = (const char *)prev.data;
        src_len = prev.len;
        buf_init(&cur, limit + 1);
    }
    buf_fini(&cur);
    if (c.n == 0) { /* identity: a plain copy, at most limit bytes (prev's maximum is limit + 1,
                     * the NUL's room, so buf_append alone let one byte more through) */
        if (len > limit) {
            rc = HTTP_DECODE_TOO_LARGE;
            goto fail;
        }
        if (buf_append(&prev, in, len)) {
            rc = HTTP_DECODE_NOMEM;
            goto fail;
        }
    }
    if (prev.cap == prev.len) { /* room for the NUL, exactly (and accounted) */
        if (reserve && reserve(ctx, 1)) {
            rc = HTTP_DECODE_REFUSED;
            goto fail;
        }
        if (reserved)
            *reserved += 1;
        unsigned char *np = realloc(prev.data, prev.len + 1);
        if (!np) {
            rc = HTTP_DECODE_NOMEM;
            goto fail;
        }
        prev.data = np;
        prev.cap = prev.len + 1;
    }
    prev.data[prev.len++] = '\0';
    *out = (char *)prev.data;
    *out_len = prev.len - 1;
    return HTTP_DECODE_OK;
fail:
    buf_fini(&cur);
    buf_fini(&prev);
    return rc;
}
