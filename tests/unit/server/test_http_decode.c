/*
 * test_http_decode — request targets (a %00 in the path is seen, issue 9.1) and
 * Content-Encoding of request bodies: gzip, deflate (zlib and raw), lists, corrupt data,
 * unknown codings, and decompression bombs stopped at the limit (issue 10.3).  The header
 * value control-byte check (a word at a time) against the byte-by-byte rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "server/http_decode.h"

static void test_target(void **state)
{
    char path[256];
    const char *q, *why;
    size_t ql;
    const char *t = "/api/messages/a%20b?limit=5%00junk&cursor=x+y#frag";
    assert_int_equal(http_split_target(t, strlen(t), path, &q, &ql, &why), 0);
    assert_string_equal(path, "/api/messages/a b");
    assert_int_equal(ql, strlen("limit=5%00junk&cursor=x+y"));
    assert_memory_equal(q, "limit=5%00junk&cursor=x+y", ql);
    /* issue 9.1: a NUL in the decoded path is a 400 (MHD's decoded URL would end there) */
    assert_int_equal(http_split_target("/api/messages/u%00x", 19, path, &q, &ql, &why), 400);
    assert_non_null(strstr(why, "NUL"));
    /* absolute form */
    assert_int_equal(http_split_target("http://h:8000/x?y", 17, path, &q, &ql, &why), 0);
    assert_string_equal(path, "/x");
    assert_int_equal(ql, 1);
    assert_int_equal(http_split_target("http://h:8000", 13, path, &q, &ql, &why), 0);
    assert_string_equal(path, "/");
    assert_null(q);
    /* invalid escapes stay as they are; '+' is a plus in a path */
    assert_int_equal(http_split_target("/a%zz%4+", 8, path, &q, &ql, &why), 0);
    assert_string_equal(path, "/a%zz%4+");
    char buf[16];
    assert_int_equal(http_pct_decode(buf, "a+b%41%00", 9, true), 5);
    assert_memory_equal(buf, "a bA\0", 5);
    /* a hex digit in either case; a non-digit leaves the escape as it is */
    assert_int_equal(http_pct_decode(buf, "%4a%4A%4g%", 10, false), 6);
    assert_memory_equal(buf, "JJ%4g%", 6);
}

/* zlib/gzip/raw-deflate compress of in (wbits as for deflateInit2). */
static unsigned char *compress_with(int wbits, const void *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static size_t granted;
static size_t refuse_after;
static int reserve_hook(void *ctx, size_t more)
{
    if (refuse_after && granted + more > refuse_after)
        return -1;
    granted += more;
    return 0;
}

static void test_content_encoding(void **state)
{
    const char *json = "{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"k\"}}}";
    size_t jl = strlen(json), n, dl;
    char *out;
    struct {
        const char *ce;
        int wbits;
    } ok[] = {{"gzip", 31}, {"x-gzip", 31}, {"GZIP", 31}, {"deflate", 15}, {"deflate", -15},
              {"gzip, identity", 31}, {"identity, gzip", 31}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        unsigned char *z = compress_with(ok[i].wbits, json, jl, &n);
        assert_false(http_encoding_is_identity(ok[i].ce));
        assert_int_equal(http_decode_body(ok[i].ce, (const char *)z, n, 1 << 20, NULL, NULL, &out,
                                          &dl, NULL),
                         HTTP_DECODE_OK);
        assert_int_equal(dl, jl);
        assert_memory_equal(out, json, jl);
        assert_int_equal(out[dl], '\0');
        free(out);
        free(z);
    }
    assert_true(http_encoding_is_identity(NULL));
    assert_true(http_encoding_is_identity("identity"));
    assert_true(http_encoding_is_identity(""));
    assert_false(http_encoding_is_identity("br"));
    /* gzip twice ("gzip, gzip"), and two gzip members back to back */
    size_t n1, n2;
    unsigned char *z1 = compress_with(31, json, jl, &n1);
    unsigned char *z2 = compress_with(31, z1, n1, &n2);
    assert_int_equal(http_decode_body("gzip, gzip", (const char *)z2, n2, 1 << 20, NULL, NULL,
                                      &out, &dl, NULL),
                     HTTP_DECODE_OK);
    assert_memory_equal(out, json, jl);
    free(out);
    unsigned char *two = malloc(2 * n1);
    memcpy(two, z1, n1);
    memcpy(two + n1, z1, n1);
    assert_int_equal(http_decode_body("gzip", (const char *)two, 2 * n1, 1 << 20, NULL, NULL, &out,
                                      &dl, NULL),
                     HTTP_DECODE_OK);
    assert_int_equal(dl, 2 * jl);
    free(out);
    /* truncated, trailing garbage, not compressed at all, unknown coding */
    assert_int_equal(http_decode_body("gzip", (const char *)z1, n1 - 3, 1 << 20, NULL, NULL, &out,
                                      &dl, NULL),
                     HTTP_DECODE_CORRUPT);
    assert_null(out);
    memcpy(two + n1, "junk", 4);
    assert_int_equal(http_decode_body("gzip", (const char *)two, n1 + 4, 1 << 20, NULL, NULL, &out,
                                      &dl, NULL),
                     HTTP_DECODE_CORRUPT);
    assert_int_equal(http_decode_body("gzip", json, jl, 1 << 20, NULL, NULL, &out, &dl, NULL),
                     HTTP_DECODE_CORRUPT);
    assert_int_equal(http_decode_body("deflate", json, jl, 1 << 20, NULL, NULL, &out, &dl, NULL),
                     HTTP_DECODE_CORRUPT);
    assert_int_equal(http_decode_body("br", (const char *)z1, n1, 1 << 20, NULL, NULL, &out, &dl,
                                      NULL),
                     HTTP_DECODE_UNSUPPORTED);
    assert_int_equal(http_decode_body("gzip, br", (const char *)z1, n1, 1 << 20, NULL, NULL, &out,
                                      &dl, NULL),
                     HTTP_DECODE_UNSUPPORTED);
    free(two);
    free(z1);
    free(z2);

    /* a decompression bomb: 64 MB of zeros (~64 KB compressed) against a 16 MB limit stops
     * at the limit, having reserved (and allocated) no more than the limit */
    size_t bomb_n = (size_t)64 << 20;
    char *zeros = calloc(1, bomb_n);
    unsigned char *bomb = compress_with(31, zeros, bomb_n, &n);
    free(zeros);
    assert_true(n < (1u << 20));
    granted = 0;
    refuse_after = 0;
    size_t reserved = 0;
    assert_int_equal(http_decode_body("gzip", (const char *)bomb, n, (size_t)16 << 20, reserve_hook,
                                      NULL, &out, &dl, &reserved),
                     HTTP_DECODE_TOO_LARGE);
    assert_null(out);
    assert_true(granted <= ((size_t)16 << 20) + 1);
    assert_int_equal(reserved, granted);
    /* the same bomb nested (gzip of the gzip): still bounded */
    size_t nn;
    unsigned char *nested = compress_with(31, bomb, n, &nn);
    granted = 0;
    assert_int_equal(http_decode_body("gzip, gzip", (const char *)nested, nn, (size_t)16 << 20,
                                      reserve_hook, NULL, &out, &dl, NULL),
                     HTTP_DECODE_TOO_LARGE);
    free(nested);
    /* a memory budget that says no */
    granted = 0;
    refuse_after = (size_t)1 << 20;
    assert_int_equal(http_decode_body("gzip", (const char *)bomb, n, (size_t)16 << 20, reserve_hook,
                                      NULL, &out, &dl, NULL),
                     HTTP_DECODE_REFUSED);
    refuse_after = 0;
    free(bomb);
    /* exactly at the limit passes */
    char *exact = malloc(1000);
    memset(exact, 'x', 1000);
    unsigned char *ze = compress_with(31, exact, 1000, &n);
    assert_int_equal(http_decode_body("gzip", (const char *)ze, n, 1000, NULL, NULL, &out, &dl,
                                      NULL),
                     HTTP_DECODE_OK);
    assert_int_equal(dl, 1000);
    free(out);
    assert_int_equal(http_decode_body("gzip", (const char *)ze, n, 999, NULL, NULL, &out, &dl,
                                      NULL),
                     HTTP_DECODE_TOO_LARGE);
    free(ze);
    /* identity (none, "", "identity") is held to the same limit: one byte over was copied
     * (the buffer's maximum is limit + 1, room for the NUL; fuzz_decode, fuzz20) */
    const char *const plain[] = {NULL, "", "identity", " identity , identity"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        assert_int_equal(http_decode_body(plain[i], exact, 1000, 1000, NULL, NULL, &out, &dl,
                                          NULL),
                         HTTP_DECODE_OK);
        assert_int_equal(dl, 1000);
        assert_int_equal(out[dl], '\0');
        free(out);
        assert_int_equal(http_decode_body(plain[i], exact, 1000, 999, NULL, NULL, &out, &dl,
                                          NULL),
                         HTTP_DECODE_TOO_LARGE);
        assert_null(out);
    }
    free(exact);
}

/* RFC 9110 5.5 byte by byte: what http_value_has_ctl must answer. */
static bool ctl_naive(const unsigned char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
            return true;
    return false;
}

static void test_value_ctl(void **state)
{
    (void)state;
    unsigned char buf[64];
    /* every byte value at every position of every length up to 40, over clean fillers
     * (plain, high bytes, HTAB, bytes just above the bounds) */
    static const unsigned char fill[] = {'a', 0x80, 0xff, '\t', 0x20, 0x7e, 0x9f, 0xa0};
    size_t checked = 0;
    for (size_t f = 0; f < sizeof fill; f++)
        for (size_t n = 0; n <= 40; n++)
            for (size_t pos = 0; pos < (n ? n : 1); pos++)
                for (int b = 0; b < 256; b++) {
                    memset(buf, fill[f], sizeof buf);
                    if (n)
                        buf[pos] = (unsigned char)b;
                    bool want = ctl_naive(buf, n);
                    assert_int_equal(http_value_has_ctl((const char *)buf, n), want);
                    checked++;
                }
    /* random values (seeded): mostly printable, now and then a control, DEL or HTAB */
    unsigned x = 12345;
    for (int k = 0; k < 200000; k++) {
        size_t n = (size_t)(k % 64);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            unsigned r = (x >> 16) & 0x3ff;
            buf[i] = r < 8 ? (unsigned char)(r * 4) : r < 10 ? 0x7f : r < 20 ? '\t'
                                                                   : (unsigned char)(0x20 + r % 0xe0);
        }
        assert_int_equal(http_value_has_ctl((const char *)buf, n), ctl_naive(buf, n));
    }
    assert_true(checked > 100000);
}

/* http_name_is against strcasecmp: each name http_collect_header looks for, with every byte
 * value at every place (a NUL aside: the name is a C string of key_size bytes), in upper,
 * lower and mixed case, one byte longer and shorter; each key in a heap block of exactly its
 * size (the ASan run catches a read past it). */
static void name_is_same(const char *key, size_t n, const char *lower)
{
    char *k = malloc(n + 1);
    assert_non_null(k);
    memcpy(k, key, n);
    k[n] = '\0';
    bool want = strcasecmp(k, lower) == 0;
    if (http_name_is(k, n, lower, strlen(lower)) != want)
        fail_msg("[%s] against %s: strcasecmp says %d", k, lower, want);
    free(k);
}

static void test_name_is_as_strcasecmp(void **state)
{
    (void)state;
    static const char *const names[] = {"x-amz-target", "authorization", "content-type",
                                        "content-length", "content-encoding",
                                        "transfer-encoding", "host", "origin"};
    char key[32];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *lo = names[i];
        size_t n = strlen(lo);
        for (size_t at = 0; at < n; at++)
            for (int b = 1; b < 256; b++) {
                memcpy(key, lo, n);
                key[at] = (char)b;
                name_is_same(key, n, lo);
                for (size_t j = 0; j < n; j++) /* the rest upper case */
                    if (j != at && lo[j] >= 'a' && lo[j] <= 'z')
                        key[j] = (char)(lo[j] - 32);
                name_is_same(key, n, lo);
            }
        memcpy(key, lo, n);
        key[n] = 'x';
        name_is_same(key, n + 1, lo); /* longer */
        name_is_same(key, n - 1, lo); /* shorter */
        for (size_t j = 0; j < n; j++) /* mixed case */
            key[j] = (char)((j % 2 && lo[j] >= 'a' && lo[j] <= 'z') ? lo[j] - 32 : lo[j]);
        name_is_same(key, n, lo);
        assert_true(http_name_is(key, n, lo, n));
    }
}

/* http_parse_length against strtoull: the value, and "a number with nothing after it". */
static void test_length_as_strtoull(void **state)
{
    (void)state;
    static const char *const v[] = {
        "0", "7", "42", "0042", "1234567890123456789", "9999999999999999999",
        "12345678901234567890", "18446744073709551615", "18446744073709551616",
        "99999999999999999999999", "", " 5", "5 ", "+5", "-5", "5x", "x5", "0x10", "1e3",
        "00000000000000000001", "\t7", "1.5"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *k = strdup(v[i]); /* a heap block of exactly its size for the ASan run */
        assert_non_null(k);
        char *end;
        unsigned long long want = strtoull(k, &end, 10), got = 12345;
        bool want_ok = end != k && !*end;
        bool ok = http_parse_length(k, &got);
        if (ok != want_ok || (want_ok && got != want))
            fail_msg("[%s]: %d %llu, strtoull says %d %llu", k, ok, got, want_ok, want);
        free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_content_encoding),
        cmocka_unit_test(test_value_ctl),
        cmocka_unit_test(test_name_is_as_strcasecmp),
        cmocka_unit_test(test_length_as_strtoull),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
