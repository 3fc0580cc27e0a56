/*
 * Unit tests for value/av: type names, DynamoDB equality (N numerically, sets as sets, maps
 * regardless of order), scalar ordering, deep copy, item sizes (expected values measured on
 * DynamoDB Local by bisecting the 400 KB item limit), UTF-8 validation, map helpers, and the
 * storage codec: random nested values round-trip (fixed seed), truncated and corrupted
 * buffers are rejected without crashing (run under ASan/UBSan); av_stored_scan agrees with
 * av_decode, av_item_size and av_map_gets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/av.h"
#include "value/ddbjson.h"
#include "value/value_int.h"

/* Builds a value from DynamoDB JSON text (test convenience; arena-owned). */
static av_t J(arena_t *a, const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (!j)
        print_error("bad JSON in test: %s: %s\n", text, jerr.text);
    assert_non_null(j);
    err_t e;
    err_clear(&e);
    av_t v;
    int rc = ddbjson_to_av(j, a, &v, &e);
    if (rc)
        print_error("rejected in test: %s: %s\n", text, e.msg);
    assert_int_equal(rc, 0);
    json_decref(j);
    return v;
}

static void test_type_names(void **state)
{
    for (int t = AV_S; t <= AV_BS; t++) {
        const char *n = av_type_name((av_type)t);
        assert_int_equal(av_type_from_name(n, strlen(n)), t);
    }
    assert_string_equal(av_type_name(AV_BOOL), "BOOL");
    assert_int_equal(av_type_from_name("SSX", 2), AV_SS);
    assert_int_equal(av_type_from_name("X", 1), AV_NONE);
    assert_int_equal(av_type_from_name("s", 1), AV_NONE);
    assert_int_equal(av_type_from_name("", 0), AV_NONE);
}

static void test_equal(void **state)
{
    arena_t a;
    arena_init(&a);
    static const struct {
        const char *x, *y;
        bool eq;
    } cases[] = {
        {"{\"S\":\"a\"}", "{\"S\":\"a\"}", true},
        {"{\"S\":\"a\"}", "{\"S\":\"b\"}", false},
        {"{\"S\":\"a\"}", "{\"SS\":[\"a\"]}", false},
        {"{\"S\":\"1\"}", "{\"N\":\"1\"}", false},
        {"{\"N\":\"1.50\"}", "{\"N\":\"1.5\"}", true},
        {"{\"N\":\"100\"}", "{\"N\":\"1E2\"}", true},
        {"{\"N\":\"-0\"}", "{\"N\":\"0\"}", true},
        {"{\"N\":\"1\"}", "{\"N\":\"-1\"}", false},
        {"{\"B\":\"AQI=\"}", "{\"B\":\"AQI=\"}", true},
        {"{\"B\":\"AQI=\"}", "{\"B\":\"AQ==\"}", false},
        {"{\"BOOL\":true}", "{\"BOOL\":true}", true},
        {"{\"BOOL\":true}", "{\"BOOL\":false}", false},
        {"{\"NULL\":true}", "{\"NULL\":true}", true},
        {"{\"SS\":[\"a\",\"b\",\"c\"]}", "{\"SS\":[\"c\",\"a\",\"b\"]}", true},
        {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"c\"]}", false},
        {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\"]}", false},
        {"{\"NS\":[\"1\",\"2.0\"]}", "{\"NS\":[\"2\",\"1.00\"]}", true},
        {"{\"BS\":[\"AA==\",\"AQ==\"]}", "{\"BS\":[\"AQ==\",\"AA==\"]}", true},
        {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"S\":\"a\"},{\"N\":\"1.0\"}]}", true},
        {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"}]}", false},
        {"{\"L\":[]}", "{\"M\":{}}", false},
        {"{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}}",
         "{\"M\":{\"b\":{\"S\":\"x\"},\"a\":{\"N\":\"1\"}}}", true},
        {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"a\":{\"N\":\"2\"}}}", false},
        {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"b\":{\"N\":\"1\"}}}", false},
        {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"1\"}}}",
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        av_t x = J(&a, cases[i].x), y = J(&a, cases[i].y);
        if (av_equal(&x, &y) != cases[i].eq || av_equal(&y, &x) != cases[i].eq) {
            print_error("case %zu: %s vs %s: want %d\n", i, cases[i].x, cases[i].y, cases[i].eq);
            fail();
        }
    }
    arena_fini(&a);
}

/* The stored format's varint reader (value_int.h), shared by av_decode and jout_item_stored:
 * one and more bytes, the largest value, and the corrupt ones (cut short, past 64 bits);
 * lengths and counts larger than the bytes left are corrupt too. */
static void test_varint_reader(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        int rc;
        uint64_t want;
        size_t used;
    } cases[] = {
        {"\x00", 1, 0, 0, 1},
        {"\x7f", 1, 0, 127, 1},
        {"\x80\x01", 2, 0, 128, 2},
        {"\xac\x02\x55", 3, 0, 300, 2},
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, 0, UINT64_MAX, 10},
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, -1, 0, 0}, /* 65 bits */
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01", 11, -1, 0, 0},
        {"\x80", 1, -1, 0, 0}, /* cut short */
        {"", 0, -1, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const unsigned char *p = (const unsigned char *)cases[i].bytes;
        size_t pos = 0;
        uint64_t v = 0;
        int rc = av_varint(p, cases[i].len, &pos, &v);
        if (rc != cases[i].rc || (rc == 0 && (v != cases[i].want || pos != cases[i].used)))
            fail_msg("case %zu: rc %d value %llu at %zu", i, rc, (unsigned long long)v, pos);
    }
    const unsigned char s[] = {3, 'a', 'b', 'c', 4, 'x'};
    size_t pos = 0, n;
    const char *b;
    assert_int_equal(av_varint_bytes(s, sizeof s, &pos, &b, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "abc", 3);
    assert_int_equal(pos, 4);
    assert_int_equal(av_varint_bytes(s, sizeof s, &pos, &b, &n), -1); /* 4 > 1 left */
    pos = 0;
    assert_int_equal(av_varint_count(s, sizeof s, &pos, &n), 0); /* 3 <= 5 left */
    assert_int_equal(n, 3);
    pos = 4;
    assert_int_equal(av_varint_count(s, sizeof s, &pos, &n), -1);
}

/* Large sets and maps take the sorting path in av_equal. */
static void test_equal_large(void **state)
{
    arena_t a;
    arena_init(&a);
    enum { N = 200 };
    av_t *s1 = arena_alloc(&a, N * sizeof *s1), *s2 = arena_alloc(&a, N * sizeof *s2);
    av_kv *m1 = arena_alloc(&a, N * sizeof *m1), *m2 = arena_alloc(&a, N * sizeof *m2);
    for (int i = 0; i < N; i++) {
        char *t1 = arena_printf(&a, "%d", i), *t2 = arena_printf(&a, "%d.0", N - 1 - i);
        s1[i] = av_make_n_canonical(t1, strlen(t1));
        s2[i] = av_make_n_canonical(t2, strlen(t2)); /* same numbers, other text and order */
        m1[i] = (av_kv){.name = t1, .name_len = strlen(t1), .val = av_make_bool(i % 2)};
        char *n2 = arena_printf(&a, "%d", N - 1 - i);
        m2[i] = (av_kv){.name = n2, .name_len = strlen(n2), .val = av_make_bool((N - 1 - i) % 2)};
    }
    av_t x = av_make_list(AV_NS, s1, N), y = av_make_list(AV_NS, s2, N);
    assert_true(av_equal(&x, &y));
    av_t mx = av_make_m(m1, N), my = av_make_m(m2, N);
    assert_true(av_equal(&mx, &my));
    s2[7] = av_make_n_canonical("1000", 4);
    assert_false(av_equal(&x, &y));
    m2[3].val = av_make_null();
    assert_false(av_equal(&mx, &my));
    m2[3].val = av_make_bool((N - 1 - 3) % 2); /* equal again, then one name differs */
    assert_true(av_equal(&mx, &my));
    m2[5].name = "194x"; /* was "194": sorts where it did, so only the name tells */
    m2[5].name_len = 4;
    assert_false(av_equal(&mx, &my));
    arena_fini(&a);
}

static void test_compare_scalar(void **state)
{
    av_t a = av_make_s("a", 1), b = av_make_s("b", 1), ab = av_make_s("ab", 2);
    assert_true(av_compare_scalar(&a, &b) < 0);
    assert_true(av_compare_scalar(&b, &a) > 0);
    assert_true(av_compare_scalar(&a, &ab) < 0);
    assert_int_equal(av_compare_scalar(&a, &a), 0);
    av_t hi = av_make_b("\xff", 1), lo = av_make_b("\x01", 1); /* unsigned bytes */
    assert_true(av_compare_scalar(&lo, &hi) < 0);
    av_t n9 = av_make_n_canonical("9", 1), n10 = av_make_n_canonical("10", 2);
    av_t neg = av_make_n_canonical("-100", 4), frac = av_make_n_canonical("9.5", 3);
    assert_true(av_compare_scalar(&n9, &n10) < 0); /* numeric, not textual */
    assert_true(av_compare_scalar(&neg, &n9) < 0);
    assert_true(av_compare_scalar(&frac, &n10) < 0);
    assert_true(av_compare_scalar(&frac, &n9) > 0);
}

static void test_copy(void **state)
{
    arena_t a, b;
    arena_init(&a);
    arena_init(&b);
    av_t v = J(&a, "{\"M\":{\"s\":{\"S\":\"str\"},\"l\":{\"L\":[{\"N\":\"1\"},{\"BS\":[\"AQ==\"]},"
                   "{\"M\":{\"x\":{\"SS\":[\"p\",\"q\"]}}}]},\"t\":{\"BOOL\":true}}}");
    av_t c;
    assert_int_equal(av_copy(&b, &v, &c), 0);
    assert_true(av_equal(&v, &c));
    /* the copy owns its bytes: wipe the source arena's memory and compare again */
    av_t expect = J(&b, "{\"M\":{\"s\":{\"S\":\"str\"},\"l\":{\"L\":[{\"N\":\"1\"},{\"BS\":"
                        "[\"AQ==\"]},{\"M\":{\"x\":{\"SS\":[\"p\",\"q\"]}}}]},"
                        "\"t\":{\"BOOL\":true}}}");
    arena_fini(&a);
    assert_true(av_equal(&c, &expect));
    assert_ptr_not_equal(av_map_gets(&c, "s")->u.str.ptr, NULL);
    arena_fini(&b);
}

static void test_sizes(void **state)
{
    arena_t a;
    arena_init(&a);
    /* value sizes measured on DynamoDB Local (see the header comment of av.c) */
    static const struct {
        const char *v;
        size_t size;
    } cases[] = {
        {"{\"S\":\"abc\"}", 3},
        {"{\"S\":\"\\u00e9\"}", 2}, /* UTF-8 bytes */
        {"{\"N\":\"1\"}", 2},
        {"{\"N\":\"12\"}", 2},
        {"{\"N\":\"123\"}", 3},
        {"{\"N\":\"1234\"}", 3},
        {"{\"N\":\"12345\"}", 4},
        {"{\"N\":\"123456\"}", 4},
        {"{\"N\":\"-123456\"}", 5},
        {"{\"N\":\"1.1\"}", 3},
        {"{\"N\":\"0.1\"}", 2},
        {"{\"N\":\"0.01\"}", 2},
        {"{\"N\":\"0.11\"}", 2},
        {"{\"N\":\"0.101\"}", 3},
        {"{\"N\":\"10.01\"}", 3},
        {"{\"N\":\"0.000123\"}", 3},
        {"{\"N\":\"10\"}", 2},
        {"{\"N\":\"100\"}", 2},
        {"{\"N\":\"101\"}", 3},
        {"{\"N\":\"1000\"}", 2},
        {"{\"N\":\"1234e10\"}", 3},
        {"{\"N\":\"-1\"}", 3},
        {"{\"N\":\"-12\"}", 3},
        {"{\"N\":\"-0.01\"}", 3},
        {"{\"N\":\"-1.234\"}", 5},
        {"{\"N\":\"12.34\"}", 3},
        {"{\"N\":\"1.234\"}", 4},
        {"{\"N\":\"0\"}", 1},
        {"{\"N\":\"1e100\"}", 2},
        {"{\"N\":\"1e-100\"}", 2},
        {"{\"N\":\"1e-130\"}", 2},
        {"{\"N\":\"-1e-130\"}", 3},
        {"{\"N\":\"9.99e125\"}", 3},
        {"{\"N\":\"12345678901234567890123456789012345678\"}", 20},
        {"{\"N\":\"99999999999999999999999999999999999999\"}", 20},
        {"{\"B\":\"AAAA\"}", 3},
        {"{\"BOOL\":true}", 1},
        {"{\"NULL\":true}", 1},
        {"{\"L\":[]}", 3},
        {"{\"M\":{}}", 3},
        {"{\"L\":[{\"S\":\"a\"}]}", 5},
        {"{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}", 7},
        {"{\"M\":{\"ab\":{\"S\":\"c\"}}}", 7},
        {"{\"SS\":[\"a\"]}", 1},
        {"{\"SS\":[\"a\",\"bc\"]}", 3},
        {"{\"SS\":[\"abc\",\"de\"]}", 5},
        {"{\"NS\":[\"1\",\"12\"]}", 4},
        {"{\"BS\":[\"AAAA\"]}", 3},
        {"{\"L\":[{\"L\":[]}]}", 7},
        {"{\"M\":{\"a\":{\"M\":{}}}}", 8},
        {"{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"bb\":{\"NULL\":true}}}]}}}", 19},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        av_t v = J(&a, cases[i].v);
        if (av_value_size(&v) != cases[i].size) {
            print_error("%s: size %zu, want %zu\n", cases[i].v, av_value_size(&v), cases[i].size);
            fail();
        }
    }
    /* item: names count once, no per-attribute overhead */
    av_t item;
    json_t *j =
        json_loads("{\"pk\":{\"S\":\"k\"},\"p\":{\"S\":\"xyz\"},\"x\":{\"N\":\"-1\"}}", 0, NULL);
    err_t e;
    err_clear(&e);
    assert_int_equal(ddbjson_to_item(j, &a, &item, &e), 0);
    json_decref(j);
    assert_int_equal(av_item_size(&item), (2 + 1) + (1 + 3) + (1 + 3));
    av_t notmap = av_make_s("x", 1);
    assert_int_equal(av_item_size(&notmap), 0);
    arena_fini(&a);
}

static void test_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        bool ok;
    } cases[] = {
        {"", 0, true},
        {"plain ascii", 11, true},
        {"a\0b", 3, true},
        {"\xc3\xa9", 2, true},          /* U+00E9 */
        {"\xe4\xb8\xad", 3, true},      /* U+4E2D */
        {"\xf0\x9f\x98\x80", 4, true},  /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
        {"\xef\xbf\xbf", 3, true},      /* U+FFFF */
        {"\xc0\xaf", 2, false},         /* overlong '/' */
        {"\xc1\xbf", 2, false},         /* overlong */
        {"\xe0\x80\xaf", 3, false},     /* overlong 3-byte */
        {"\xf0\x80\x80\xaf", 4, false}, /* overlong 4-byte */
        {"\xed\xa0\x80", 3, false},     /* U+D800 surrogate */
        {"\xed\xbf\xbf", 3, false},     /* U+DFFF surrogate */
        {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4, false}, /* lead F5 */
        {"\xff", 1, false},
        {"\x80", 1, false},          /* stray continuation */
        {"\xc3", 1, false},          /* truncated */
        {"\xe4\xb8", 2, false},      /* truncated */
        {"\xc3\x28", 2, false},      /* bad continuation */
        {"a\xf0\x9f\x98", 4, false}, /* truncated at end */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (av_utf8_valid(cases[i].s, cases[i].len) != cases[i].ok) {
            print_error("utf8 case %zu: want %d\n", i, cases[i].ok);
            fail();
        }
}

/* av_map_pick: the named members m holds, in the names' order, the values shared; a name m
 * lacks is left out, and a value that is not a map gives an empty map (a transaction action's
 * partial key, a page's LastEvaluatedKey). */
static void test_map_pick(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    av_t m = J(&a, "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"},\"c\":{\"BOOL\":true}}}");
    const char *names[] = {"c", "zz", "a"};
    av_t out;
    assert_int_equal(av_map_pick(&a, &m, names, 3, &out), 0);
    assert_int_equal(out.type, AV_M);
    assert_int_equal(out.u.map.n, 2);
    assert_int_equal(out.u.map.kv[0].name_len, 1);
    assert_memory_equal(out.u.map.kv[0].name, "c", 1);
    assert_int_equal(out.u.map.kv[0].val.type, AV_BOOL);
    assert_memory_equal(out.u.map.kv[1].name, "a", 1);
    assert_ptr_equal(out.u.map.kv[1].val.u.str.ptr, av_map_gets(&m, "a")->u.str.ptr);
    av_t s = av_make_s("a", 1);
    assert_int_equal(av_map_pick(&a, &s, names, 3, &out), 0);
    assert_int_equal(out.type, AV_M);
    assert_int_equal(out.u.map.n, 0);
    assert_int_equal(av_map_pick(&a, NULL, names, 3, &out), 0);
    assert_int_equal(out.u.map.n, 0);
    assert_int_equal(av_map_pick(&a, &m, names, 0, &out), 0);
    assert_int_equal(out.type, AV_M);
    assert_int_equal(out.u.map.n, 0);
    arena_fini(&a);
}

static void test_map_helpers(void **state)
{
    arena_t a;
    arena_init(&a);
    av_t m = J(&a, "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}}");
    assert_null(av_map_gets(&m, "c"));
    av_t v = av_make_bool(true), m2, m3, m4;
    assert_int_equal(av_map_set(&a, &m, "c", 1, &v, &m2), 0);
    assert_int_equal(m2.u.map.n, 3);
    assert_int_equal(av_map_gets(&m2, "c")->type, AV_BOOL);
    assert_int_equal(m.u.map.n, 2); /* the original is unchanged */
    assert_int_equal(av_map_set(&a, &m2, "a", 1, &v, &m3), 0);
    assert_int_equal(m3.u.map.n, 3);
    assert_int_equal(av_map_gets(&m3, "a")->type, AV_BOOL);
    assert_int_equal(av_map_gets(&m2, "a")->type, AV_N);
    assert_int_equal(av_map_del(&a, &m3, "b", 1, &m4), 0);
    assert_int_equal(m4.u.map.n, 2);
    assert_null(av_map_gets(&m4, "b"));
    assert_int_equal(av_map_del(&a, &m4, "zz", 2, &m4), 0);
    assert_int_equal(m4.u.map.n, 2);
    av_t set = J(&a, "{\"NS\":[\"1\",\"2.5\"]}");
    av_t x = av_make_n_canonical("2.50", 4), y = av_make_n_canonical("3", 1);
    assert_true(av_set_contains(&set, &x));
    assert_false(av_set_contains(&set, &y));
    av_t n;
    err_t e;
    err_clear(&e);
    assert_int_equal(av_make_n(&a, "001.500", 7, &n, &e), 0);
    assert_int_equal(n.u.str.len, 3);
    assert_memory_equal(n.u.str.ptr, "1.5", 3);
    assert_int_equal(av_make_n(&a, "abc", 3, &n, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "The parameter cannot be converted to a numeric value: abc");
    arena_fini(&a);
}

/* ---------------------------------------------------------------- codec */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static const char *rand_bytes(arena_t *a, size_t *len, bool text)
{
    size_t n = rnd() % (rnd() % 8 ? 12 : 300);
    char *p = arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = text ? (char)('a' + rnd() % 26) : (char)(rnd() & 0xff);
    p[n] = '\0';
    *len = n;
    return p;
}

static av_t rand_value(arena_t *a, int depth)
{
    int t = 1 + (int)(rnd() % 10);
    if (depth >= 6 && (t == AV_M || t == AV_L))
        t = AV_S;
    size_t len, n = rnd() % 6;
    switch (t) {
    case AV_S: {
        const char *p = rand_bytes(a, &len, true);
        return av_make_s(p, len);
    }
    case AV_B: {
        const char *p = rand_bytes(a, &len, false);
        return av_make_b(p, len);
    }
    case AV_N: {
        char *p = arena_printf(a, "%s%u.%u", rnd() % 2 ? "-" : "", rnd() % 100000, 1 + rnd() % 9);
        return av_make_n_canonical(p, strlen(p));
    }
    case AV_BOOL:
        return av_make_bool(rnd() % 2);
    case AV_NULL:
        return av_make_null();
    case AV_L: {
        av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = rand_value(a, depth + 1);
        return av_make_list(AV_L, items, n);
    }
    case AV_M: {
        av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
        for (size_t i = 0; i < n; i++) {
            char *name = arena_printf(a, "k%zu_%u", i, rnd() % 1000);
            kv[i] =
                (av_kv){.name = name, .name_len = strlen(name), .val = rand_value(a, depth + 1)};
        }
        return av_make_m(kv, n);
    }
    default: { /* sets: unique members by construction */
        n = 1 + n;
        av_t *items = arena_alloc(a, n * sizeof *items);
        for (size_t i = 0; i < n; i++) {
            /* (i+1)*1000 + r: distinct members, canonical as numbers */
            char *p = arena_printf(a, "%zu", (i + 1) * 1000 + rnd() % 1000);
            size_t pl = strlen(p);
            items[i] = t == AV_SS   ? av_make_s(p, pl)
                       : t == AV_NS ? av_make_n_canonical(p, pl)
                                    : av_make_b(p, pl);
        }
        return av_make_list((av_type)t, items, n);
    }
    }
}

/* Exact structural equality (order and bytes), stricter than av_equal. */
static bool same(const av_t *x, const av_t *y)
{
    if (x->type != y->type)
        return false;
    switch (x->type) {
    case AV_S:
    case AV_N:
    case AV_B:
        return x->u.str.len == y->u.str.len &&
               (!x->u.str.len || !memcmp(x->u.str.ptr, y->u.str.ptr, x->u.str.len));
    case AV_BOOL:
        return x->u.b == y->u.b;
    case AV_NULL:
        return true;
    case AV_M:
        if (x->u.map.n != y->u.map.n)
            return false;
        for (size_t i = 0; i < x->u.map.n; i++) {
            const av_kv *p = &x->u.map.kv[i], *q = &y->u.map.kv[i];
            if (p->name_len != q->name_len || memcmp(p->name, q->name, p->name_len) ||
                !same(&p->val, &q->val))
                return false;
        }
        return true;
    default:
        if (x->u.list.n != y->u.list.n)
            return false;
        for (size_t i = 0; i < x->u.list.n; i++)
            if (!same(&x->u.list.items[i], &y->u.list.items[i]))
                return false;
        return true;
    }
}

static void test_codec_roundtrip(void **state)
{
    arena_t a;
    arena_init(&a);
    buf_t b;
    buf_init(&b, 0);
    for (int round = 0; round < 500; round++) {
        arena_reset(&a);
        buf_reset(&b);
        av_t v = rand_value(&a, 0);
        assert_int_equal(av_encode(&v, &b), 0);
        assert_int_equal(b.data[0], AV_CODEC_VERSION);
        av_t back;
        assert_int_equal(av_decode(b.data, b.len, &a, &back), 0);
        assert_true(same(&v, &back));
        if (v.type != AV_NS && v.type != AV_N) /* random N texts need not be canonical */
            assert_true(av_equal(&v, &back));
        /* S/N/B bytes are borrowed from the buffer */
        if (back.type == AV_S && back.u.str.len)
            assert_true((const unsigned char *)back.u.str.ptr > b.data &&
                        (const unsigned char *)back.u.str.ptr < b.data + b.len);
    }
    buf_fini(&b);
    arena_fini(&a);
}

static void test_codec_corrupt(void **state)
{
    arena_t a;
    arena_init(&a);
    buf_t b;
    buf_init(&b, 0);
    unsigned char *copy = NULL;
    int rejected_trunc = 0, mutated = 0;
    for (int round = 0; round < 200; round++) {
        arena_reset(&a);
        buf_reset(&b);
        av_t v = rand_value(&a, 0);
        assert_int_equal(av_encode(&v, &b), 0);
        free(copy);
        copy = malloc(b.len);
        /* every proper prefix is rejected (heap copy of exact size: ASan sees overreads) */
        for (size_t cut = 0; cut < b.len; cut++) {
            unsigned char *p = malloc(cut ? cut : 1);
            memcpy(p, b.data, cut);
            av_t out;
            assert_int_equal(av_decode(p, cut, &a, &out), ERR_INTERNAL);
            free(p);
            rejected_trunc++;
        }
        /* random byte flips: must not crash; the result, if accepted, must re-encode */
        for (int k = 0; k < 20; k++) {
            memcpy(copy, b.data, b.len);
            size_t pos = rnd() % b.len;
            copy[pos] ^= (unsigned char)(1 + rnd() % 255);
            av_t out;
            int rc = av_decode(copy, b.len, &a, &out);
            assert_true(rc == 0 || rc == ERR_INTERNAL);
            if (rc == 0) {
                buf_t re;
                buf_init(&re, 0);
                assert_int_equal(av_encode(&out, &re), 0);
                buf_fini(&re);
            }
            mutated++;
        }
    }
    /* trailing garbage, wrong version, huge counts and lengths */
    static const unsigned char bad[][12] = {
        {AV_CODEC_VERSION, 6, 6},                            /* trailing byte */
        {2, 6},                                              /* unknown version */
        {AV_CODEC_VERSION, 99},                              /* unknown tag */
        {AV_CODEC_VERSION, 8, 0xff, 0xff, 0xff, 0xff, 0x0f}, /* L of 2^32 items */
        {AV_CODEC_VERSION, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
        {AV_CODEC_VERSION, 1, 0x80, 0x80, 0x80}, /* unterminated varint */
        {AV_CODEC_VERSION, 7, 1, 1, 'a'},        /* M member w/o value */
    };
    static const size_t bad_len[] = {3, 2, 2, 7, 12, 5, 5};
    for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
        av_t out;
        assert_int_equal(av_decode(bad[i], bad_len[i], &a, &out), ERR_INTERNAL);
    }
    av_t out;
    assert_int_equal(av_decode(NULL, 0, &a, &out), ERR_INTERNAL);
    /* deep nesting beyond the codec's limit is refused, not recursed into */
    unsigned char deep[400];
    deep[0] = AV_CODEC_VERSION;
    deep[sizeof deep - 1] = 6; /* NULL */
    for (size_t i = 1; i + 1 < sizeof deep; i += 2) {
        deep[i] = 8; /* L */
        deep[i + 1] = 1;
    }
    assert_int_equal(av_decode(deep, sizeof deep, &a, &out), ERR_INTERNAL);
    assert_true(rejected_trunc > 200 && mutated == 200 * 20);
    free(copy);
    buf_fini(&b);
    arena_fini(&a);
}

/* av_stored_scan reads what av_decode + av_item_size + av_map_gets give: random items (nested
 * values, S/N/B and other types under the looked-up names), every truncation refused, and a
 * byte flip accepted exactly when av_decode accepts it as an M. */
static void test_stored_scan(void **state)
{
    arena_t a;
    arena_init(&a);
    buf_t b;
    buf_init(&b, 0);
    static const char *const names[] = {"pk", "sk", "g", "absent"};
    static const size_t lens[] = {2, 2, 1, 6};
    enum { NN = sizeof names / sizeof names[0] };
    int flips = 0, flips_ok = 0, found = 0;
    for (int round = 0; round < 400; round++) {
        arena_reset(&a);
        buf_reset(&b);
        size_t n = (size_t)(rnd() % 7);
        av_kv *kv = arena_zalloc(&a, sizeof *kv * (n + 3));
        size_t m = 0;
        static const char *const pool[] = {"pk", "sk", "g", "x", "yy", "message"};
        for (size_t i = 0; i < n + 3; i++) {
            const char *nm = pool[rnd() % 6];
            bool dup = false;
            for (size_t j = 0; j < m; j++)
                dup |= strcmp(kv[j].name, nm) == 0;
            if (dup)
                continue;
            kv[m].name = nm;
            kv[m].name_len = strlen(nm);
            kv[m].val = rand_value(&a, 1);
            m++;
        }
        av_t v = av_make_m(kv, m);
        assert_int_equal(av_encode(&v, &b), 0);
        av_t vals[NN];
        size_t size = 12345;
        assert_int_equal(av_stored_scan(b.data, b.len, names, lens, NN, vals, &size), 0);
        assert_int_equal(size, av_item_size(&v));
        for (size_t j = 0; j < NN; j++) {
            const av_t *want = av_map_gets(&v, names[j]);
            if (want && (want->type == AV_S || want->type == AV_N || want->type == AV_B)) {
                assert_true(same(want, &vals[j]));
                found++;
            } else {
                assert_int_equal(vals[j].type, AV_NONE);
            }
        }
        /* every proper prefix refused (exact-size heap copies: ASan sees overreads) */
        for (size_t cut = 0; cut < b.len; cut++) {
            unsigned char *p = malloc(cut ? cut : 1);
            memcpy(p, b.data, cut);
            assert_int_equal(av_stored_scan(p, cut, names, lens, NN, vals, &size), ERR_INTERNAL);
            free(p);
        }
        /* flips: the scan accepts exactly what av_decode accepts as an M, with its size */
        unsigned char *copy = malloc(b.len);
        for (int k = 0; k < 20; k++) {
            memcpy(copy, b.data, b.len);
            copy[rnd() % b.len] ^= (unsigned char)(1 + rnd() % 255);
            av_t out;
            bool dec = av_decode(copy, b.len, &a, &out) == 0 && out.type == AV_M;
            int rc = av_stored_scan(copy, b.len, names, lens, NN, vals, &size);
            assert_int_equal(rc == 0, dec);
            if (dec) {
                assert_int_equal(size, av_item_size(&out));
                flips_ok++;
            }
            flips++;
        }
        free(copy);
    }
    printf("stored scan: %d names found, %d of %d flips accepted\n", found, flips_ok, flips);
    assert_true(found > 150 && flips == 400 * 20 && flips_ok > 1000);
    buf_fini(&b);
    arena_fini(&a);
}

/* The chain below the item's own map (depth 0) down to a map at depth `depth` (1 or more)
 * holding one attribute whose name is name_len bytes: lists at odd depths, maps at even. */
static av_t nest_name(arena_t *a, int depth, size_t name_len)
{
    char *nm = arena_alloc(a, name_len);
    assert_non_null(nm);
    memset(nm, 'n', name_len);
    av_kv *kv = arena_zalloc(a, sizeof *kv);
    assert_non_null(kv);
    *kv = (av_kv){nm, name_len, av_make_n_canonical("1", 1)};
    av_t v = av_make_m(kv, 1);
    for (int d = depth - 1; d > 0; d--) {
        if (d % 2) {
            av_t *it = arena_alloc(a, sizeof *it);
            assert_non_null(it);
            *it = v;
            v.type = AV_L;
            v.u.list.items = it;
            v.u.list.n = 1;
        } else {
            av_kv *m = arena_zalloc(a, sizeof *m);
            assert_non_null(m);
            *m = (av_kv){"m", 1, v};
            v = av_make_m(m, 1);
        }
    }
    return v;
}

/* av_item_size_names: av_item_size's size, and a name over AV_MAX_NAME_LEN flagged at the
 * depths the service allows (through AV_MAX_DEPTH), not deeper (api_item.c's checks). */
static void test_item_size_names(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    for (int round = 0; round < 300; round++) {
        arena_reset(&a);
        size_t n = 1 + (size_t)(rnd() % 6);
        av_kv *kv = arena_zalloc(&a, sizeof *kv * n);
        for (size_t i = 0; i < n; i++) {
            char *nm = arena_alloc(&a, 4);
            int len = snprintf(nm, 4, "a%zu", i);
            kv[i] = (av_kv){nm, (size_t)len, rand_value(&a, 1)};
        }
        av_t v = av_make_m(kv, n);
        bool long_name = true;
        assert_int_equal(av_item_size_names(&v, &long_name), av_item_size(&v));
        assert_false(long_name);
    }
    static const struct {
        int depth;
        size_t len;
        bool flagged;
    } cases[] = {
        {0, AV_MAX_NAME_LEN, false},
        {0, AV_MAX_NAME_LEN + 1, true},
        {1, AV_MAX_NAME_LEN + 1, true},
        {2, AV_MAX_NAME_LEN + 1, true},
        {2, AV_MAX_NAME_LEN, false},
        {AV_MAX_DEPTH, AV_MAX_NAME_LEN + 1, true},
        {AV_MAX_DEPTH + 1, AV_MAX_NAME_LEN + 1, false /* too deep: refused for that */},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        arena_reset(&a);
        av_t inner = nest_name(&a, cases[c].depth, cases[c].len), v = inner;
        if (cases[c].depth > 0) { /* the item's own map holds the chain */
            av_kv *top = arena_zalloc(&a, sizeof *top);
            *top = (av_kv){"m", 1, inner};
            v = av_make_m(top, 1);
        }
        bool long_name = !cases[c].flagged;
        assert_int_equal(av_item_size_names(&v, &long_name), av_item_size(&v));
        assert_int_equal(long_name, cases[c].flagged);
    }
    bool long_name = true;
    av_t notmap = av_make_s("x", 1);
    assert_int_equal(av_item_size_names(&notmap, &long_name), 0);
    assert_false(long_name);
    arena_fini(&a);
}

static void test_codec_known_bytes(void **state)
{
    /* the format is on disk: pin the bytes of a small item */
    arena_t a;
    arena_init(&a);
    av_t v = J(&a, "{\"M\":{\"k\":{\"S\":\"ab\"},\"n\":{\"N\":\"5\"},\"t\":{\"BOOL\":true},"
                   "\"s\":{\"SS\":[\"x\"]}}}");
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(av_encode(&v, &b), 0);
    static const unsigned char want[] = {1, 7,   4, 1,   'k', 1, 2,   'a', 'b', 1, 'n', 2,
                                         1, '5', 1, 't', 5,   1, 's', 9,   1,   1, 'x'};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    buf_fini(&b);
    arena_fini(&a);
}

/* av_encode appends after what the buffer holds; lengths of 128 and more take a two-byte
 * varint; a value nested past AVC_MAX_DEPTH is ERR_INTERNAL and a buffer whose maximum is too
 * small ERR_NOMEM, both leaving the buffer as it was (av.c measures first, then writes). */
static void test_codec_appends_and_refuses(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "xy", 2), 0);
    char text[200];
    memset(text, 'q', sizeof text);
    av_kv kv[3] = {{"s", 1, av_make_s(text, sizeof text)}, {"z", 1, {.type = AV_NULL}},
                   {"l", 1, {.type = AV_L}}};
    av_t inner = av_make_s("i", 1);
    kv[2].val.u.list.items = &inner;
    kv[2].val.u.list.n = 1;
    av_t v = av_make_m(kv, 3);
    assert_int_equal(av_encode(&v, &b), 0);
    unsigned char head[] = {'x', 'y', 1, AVC_M, 3, 1, 's', AVC_S, 200 | 0x80, 1};
    assert_int_equal(b.len, 2 + 3 + (5 + 200) + 3 + 7); /* xy, header, s, z, l */
    assert_memory_equal(b.data, head, sizeof head);
    unsigned char tail[] = {1, 'z', AVC_NULL, 1, 'l', AVC_L, 1, AVC_S, 1, 'i'};
    assert_memory_equal(b.data + b.len - sizeof tail, tail, sizeof tail);
    av_t back;
    assert_int_equal(av_decode(b.data + 2, b.len - 2, &a, &back), 0);
    assert_true(av_equal(&v, &back));
    /* too deep: lists nested AVC_MAX_DEPTH + 2 times */
    av_t *lv = arena_alloc(&a, sizeof *lv * (AVC_MAX_DEPTH + 3));
    lv[AVC_MAX_DEPTH + 2] = av_make_s("d", 1);
    for (int i = AVC_MAX_DEPTH + 1; i >= 0; i--) {
        lv[i].type = AV_L;
        lv[i].u.list.items = &lv[i + 1];
        lv[i].u.list.n = 1;
    }
    size_t len = b.len;
    assert_int_equal(av_encode(&lv[0], &b), ERR_INTERNAL);
    assert_int_equal(b.len, len);
    /* no room under the buffer's maximum */
    buf_t small;
    buf_init(&small, 64);
    assert_int_equal(buf_append(&small, "ab", 2), 0);
    assert_int_equal(av_encode(&v, &small), ERR_NOMEM);
    assert_int_equal(small.len, 2);
    assert_memory_equal(small.data, "ab", 2);
    buf_fini(&small);
    buf_fini(&b);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_codec_appends_and_refuses),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_varint_reader),
        cmocka_unit_test(test_equal_large),
        cmocka_unit_test(test_compare_scalar),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_item_size_names),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_map_helpers),
        cmocka_unit_test(test_map_pick),
        cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test(test_codec_corrupt),
        cmocka_unit_test(test_stored_scan),
        cmocka_unit_test(test_codec_known_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
