/*
 * fuzz_decode — what the server adds to libmicrohttpd's parsing (src/server/http_decode.c):
 * the raw request target (percent-decoding, path and query split), the header values'
 * control-byte check (16 and 8 bytes a step) and Content-Encoding bodies (gzip, x-gzip,
 * deflate zlib-wrapped or raw, identity, lists of them) under a byte limit and a memory
 * reservation hook.
 *
 * Input: [limit byte] [budget byte] then NUL-separated parts: [Content-Encoding value]
 * [request target] [body].  Properties:
 *  - http_value_has_ctl agrees with a byte-by-byte check on the target, the body and every
 *    suffix of the first 40 bytes of each (the word and vector paths' overlapping tails);
 *  - http_split_target's path is at most the target's length and holds no NUL when accepted;
 *    the query points into the target;
 *  - http_decode_body of the fuzzed body with the fuzzed coding: when it decodes, at most
 *    `limit` bytes NUL-terminated; what it reserved is what the hook granted, never more than
 *    the budget plus nothing (a refusal stops it);
 *  - the body gzip'ed, zlib-wrapped and raw-deflated here decodes back to itself under
 *    "gzip", "deflate", "deflate" (raw), and "gzip, deflate" applied in that order, or is
 *    HTTP_DECODE_TOO_LARGE exactly when it is longer than the limit.
 */
#include <zlib.h>

#include "fuzz_common.h"
#include "server/http_decode.h"

static const size_t LIMITS[] = {0, 1, 15, 16, 100, 4096, 65535, 65536, 65537, 1 << 20};

typedef struct budget {
    size_t left, granted;
} budget;

static int reserve(void *ctx, size_t more)
{
    budget *b = ctx;
    if (more > b->left)
        return 1;
    b->left -= more;
    b->granted += more;
    return 0;
}

static bool ctl_ref(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return true;
    }
    return false;
}

static void check_ctl(const char *v, size_t n)
{
    for (size_t s = 0; s <= n && s <= 40; s++)
        if (http_value_has_ctl(v + s, n - s) != ctl_ref(v + s, n - s))
            fz_fail("http_value_has_ctl disagrees at offset %zu of %zu", s, n);
}

/* in compressed with zlib's window bits wbits (31 gzip, 15 zlib, -15 raw) into *out. */
static size_t compress_as(int wbits, const unsigned char *in, size_t n, unsigned char **out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)n) + 32;
    *out = malloc(cap);
    if (!*out)
        abort();
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = *out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

static void round_trip(const char *ce, const unsigned char *enc, size_t enc_len, const char *plain,
                       size_t plain_len, size_t limit)
{
    char *out = NULL;
    size_t out_len = 0, reserved = 0;
    budget b = {SIZE_MAX, 0};
    int rc = http_decode_body(ce, (const char *)enc, enc_len, limit, reserve, &b, &out, &out_len,
                              &reserved);
    if (plain_len > limit) {
        if (rc != HTTP_DECODE_TOO_LARGE)
            fz_fail("%s of %zu bytes under limit %zu: %d, not TOO_LARGE", ce, plain_len, limit, rc);
    } else if (rc != HTTP_DECODE_OK || out_len != plain_len ||
               (plain_len && memcmp(out, plain, plain_len) != 0) || out[out_len] != 0) {
        fz_fail("%s of %zu bytes did not round-trip (rc %d, %zu bytes)", ce, plain_len, rc,
                out_len);
    }
    if (reserved != b.granted)
        fz_fail("%s: reserved %zu but the hook granted %zu", ce, reserved, b.granted);
    free(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t limit = LIMITS[data[0] % (sizeof LIMITS / sizeof LIMITS[0])];
    size_t budget_max = data[1] < 128 ? SIZE_MAX : (size_t)(data[1] - 128) << 12;
    fz_part parts[3] = {{0}};
    fz_split(data + 2, size - 2, parts, 3);
    char *ce = fz_strndup(parts[0].p, parts[0].n);
    const char *target = parts[1].p;
    size_t target_len = parts[1].n;
    const char *body = parts[2].p ? parts[2].p : "";
    size_t body_len = parts[2].n;

    check_ctl(ce, parts[0].n);
    check_ctl(target ? target : "", target_len);
    check_ctl(body, body_len);

    /* the request target */
    char *path = malloc(target_len + 2);
    const char *query = NULL, *why = NULL;
    size_t query_len = 0;
    if (!path)
        abort();
    if (http_split_target(target ? target : "", target_len, path, &query, &query_len, &why) == 0) {
        size_t pl = strlen(path);
        if (pl > target_len + 1)
            fz_fail("path of %zu bytes from a target of %zu", pl, target_len);
        if (query && (query < target || query + query_len > target + target_len))
            fz_fail("query outside the target");
    } else if (!why) {
        fz_fail("http_split_target refused without a reason");
    }
    free(path);
    /* percent-decoding in place */
    char *copy = fz_strndup(body, body_len);
    size_t dn = http_pct_decode(copy, copy, body_len, data[1] & 1);
    if (dn > body_len)
        fz_fail("percent-decoding grew %zu bytes to %zu", body_len, dn);
    free(copy);

    /* the fuzzed body under the fuzzed coding */
    (void)http_encoding_is_identity(ce);
    budget b = {budget_max, 0};
    char *out = NULL;
    size_t out_len = 0, reserved = 0;
    int rc = http_decode_body(ce, body, body_len, limit, reserve, &b, &out, &out_len, &reserved);
    if (rc == HTTP_DECODE_OK) {
        if (!out || out_len > limit || out[out_len] != 0)
            fz_fail("decoded %zu bytes over limit %zu or not terminated", out_len, limit);
    } else if (out) {
        fz_fail("a failed decode (%d) left its output", rc);
    }
    if (reserved != b.granted)
        fz_fail("reserved %zu but the hook granted %zu", reserved, b.granted);
    free(out);

    /* round trips of the body through each coding */
    unsigned char *gz, *zl, *raw, *both;
    size_t gz_len = compress_as(31, (const unsigned char *)body, body_len, &gz);
    size_t zl_len = compress_as(15, (const unsigned char *)body, body_len, &zl);
    size_t raw_len = compress_as(-15, (const unsigned char *)body, body_len, &raw);
    size_t both_len = compress_as(15, gz, gz_len, &both); /* gzip first, then deflate */
    round_trip("gzip", gz, gz_len, body, body_len, limit);
    round_trip(" X-GZIP ", gz, gz_len, body, body_len, limit);
    round_trip("deflate", zl, zl_len, body, body_len, limit);
    round_trip("deflate", raw, raw_len, body, body_len, limit);
    if (gz_len <= limit)
        round_trip("gzip, identity,deflate", both, both_len, body, body_len, limit);
    free(gz);
    free(zl);
    free(raw);
    free(both);
    free(ce);
    return 0;
}
