/*
 * test_jout — the reply writer gives exactly json_dumps(JSON_COMPACT) of the tree the old path
 * built: for every accepted item of the ddbjson golden corpus (tests/golden/ddbjson.json,
 * recorded from DynamoDB Local), jout_item(value) and jout_item_stored(av_encode(value)) equal
 * json_dumps(ddbjson_from_item(value)); escapes of every control byte; invalid UTF-8 and
 * corrupt stored bytes refused; the CRC equals zlib's over the whole text, also across many
 * chunks; the maximum is enforced and sticky; jout_real as json_real's text;
 * jout_item_stored_scan's size and values are av_stored_scan's; jout_rewind takes text and CRC
 * back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/buf.h"
#include "value/ddbjson.h"
#include "value/jout.h"

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void expect_text(jout *w, const char *want)
{
    size_t n = 0;
    uint32_t crc = jout_crc(w);
    char *got = jout_take(w, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(crc, (uint32_t)crc32(0L, (const Bytef *)want, (uInt)n));
    free(got);
}

/* jout_item_len's text length is jout_item's, and a writer whose max holds it and the slack
 * writes the item without asking its grow hook (which fails the test). */
static int never_grow(jout *w, size_t need, void *ctx)
{
    (void)w;
    (void)ctx;
    fail_msg("grow hook asked for %zu bytes within jout_item_len's room", need);
    return -1;
}

static void check_item_len(const av_t *item)
{
    jout w;
    jout_init(&w, 0);
    assert_int_equal(jout_item(&w, item), 0);
    size_t slack = 0, len = jout_item_len(item, &slack);
    assert_int_equal(len, w.len);
    jout_fini(&w);
    jout_init(&w, len + slack);
    w.grow = never_grow;
    assert_int_equal(jout_item(&w, item), 0);
    assert_int_equal(w.len, len);
    jout_fini(&w);
    buf_t b; /* the same from its stored bytes */
    buf_init(&b, 0);
    assert_int_equal(av_encode(item, &b), 0);
    size_t slen = 0, sslack = 0;
    assert_int_equal(jout_item_stored_len(b.data, b.len, &slen, &sslack), 0);
    assert_int_equal(slen, len);
    assert_int_equal(sslack, slack);
    assert_int_equal(jout_item_stored_len(b.data, b.len - 1, &slen, &sslack), -1);
    buf_fini(&b);
}

/* The golden corpus of DynamoDB JSON items (tests/golden/ddbjson.json). */
static json_t *golden_cases(void)
{
    json_error_t je;
    json_t *cases = json_load_file(DDB_SOURCE_DIR "/tests/golden/ddbjson.json", JSON_ALLOW_NUL, &je);
    assert_non_null(cases);
    return cases;
}

/* Whether golden case c is an accepted item, converted into *item (in a). */
static bool golden_item(json_t *c, arena_t *a, av_t *item)
{
    err_t e = {0};
    return json_is_true(json_object_get(c, "ok")) &&
           ddbjson_to_item(json_object_get(c, "item"), a, item, &e) == 0;
}

static void test_golden_items(void **state)
{
    (void)state;
    json_t *cases = golden_cases();
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        arena_t a;
        arena_init(&a);
        av_t item;
        if (!golden_item(c, &a, &item)) {
            arena_fini(&a);
            continue;
        }
        json_t *tree = ddbjson_from_item(&item);
        assert_non_null(tree);
        char *want = dump(tree);
        assert_non_null(want);
        jout w;
        jout_init(&w, 0);
        assert_int_equal(jout_item(&w, &item), 0);
        expect_text(&w, want);
        check_item_len(&item);
        buf_t b;
        buf_init(&b, 0);
        assert_int_equal(av_encode(&item, &b), 0);
        assert_int_equal(jout_item_stored(&w, b.data, b.len), 0);
        expect_text(&w, want);
        /* each value alone too */
        for (size_t k = 0; k < item.u.map.n; k++) {
            json_t *jv = ddbjson_from_av(&item.u.map.kv[k].val);
            char *wv = dump(jv);
            assert_int_equal(jout_av(&w, &item.u.map.kv[k].val), 0);
            expect_text(&w, wv);
            free(wv);
            json_decref(jv);
        }
        buf_fini(&b);
        jout_fini(&w);
        free(want);
        json_decref(tree);
        arena_fini(&a);
        checked++;
    }
    assert_true(checked >= 35); /* the accepted cases that ddbjson_to_item takes (38 since a
                                 * wrong JSON token is a SerializationException) */
    json_decref(cases);
}

/* An item's S and N members are written with one reservation for all of them when the
 * buffer already has room (jout_sn_room), else each with its own: the golden items from stored
 * bytes into a fresh writer, into one given room first (every member, also those after a
 * nested map or list, on the no-reservation path), and after 4,090 bytes of text with room
 * (the item runs across a CRC chunk): always json_dumps's text and zlib's CRC; a member that
 * is not UTF-8 on the no-reservation path is refused as on the other. */
static void test_stored_members_with_room(void **state)
{
    (void)state;
    json_t *cases = golden_cases();
    size_t i, checked = 0;
    json_t *c;
    char prefix[4091];
    memset(prefix, 'x', sizeof prefix - 1);
    prefix[0] = '"';
    prefix[sizeof prefix - 2] = '"';
    prefix[sizeof prefix - 1] = '\0';
    json_array_foreach(cases, i, c)
    {
        arena_t a;
        arena_init(&a);
        av_t item;
        if (!golden_item(c, &a, &item)) {
            arena_fini(&a);
            continue;
        }
        json_t *tree = ddbjson_from_item(&item);
        char *want = dump(tree);
        size_t wl = strlen(want);
        char *want2 = malloc(sizeof prefix + wl);
        assert_non_null(want2);
        memcpy(want2, prefix, sizeof prefix - 1);
        memcpy(want2 + sizeof prefix - 1, want, wl + 1);
        buf_t b;
        buf_init(&b, 0);
        assert_int_equal(av_encode(&item, &b), 0);
        for (int mode = 0; mode < 3; mode++) {
            jout w;
            jout_init(&w, 0);
            if (mode == 2)
                assert_int_equal(jout_raw(&w, prefix, sizeof prefix - 1), 0);
            if (mode)
                jout_hint(&w, 8 * b.len + 64);
            assert_int_equal(jout_item_stored(&w, b.data, b.len), 0);
            expect_text(&w, mode == 2 ? want2 : want);
            jout_fini(&w);
        }
        buf_fini(&b);
        free(want2);
        free(want);
        json_decref(tree);
        arena_fini(&a);
        checked++;
    }
    assert_true(checked >= 35);
    json_decref(cases);
    /* {"a":{"S":"x"}, "m":{"M":{"k":{"N":"1"}}}, "z":{"S":"\xff"}}: refused with room too */
    av_kv in[1] = {{"k", 1, av_make_s("1", 1)}};
    in[0].val.type = AV_N;
    av_kv kv[3] = {{"a", 1, av_make_s("x", 1)}, {"m", 1, av_make_m(in, 1)},
                   {"z", 1, av_make_s("\xff", 1)}};
    av_t m = av_make_m(kv, 3);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(av_encode(&m, &b), 0);
    for (int mode = 0; mode < 2; mode++) {
        jout w;
        jout_init(&w, 0);
        if (mode)
            jout_hint(&w, 8 * b.len + 64);
        assert_int_equal(jout_item_stored(&w, b.data, b.len), -1);
        assert_true(jout_failed(&w));
        jout_fini(&w);
    }
    buf_fini(&b);
}

static void test_escapes_and_trees(void **state)
{
    (void)state;
    char s[40];
    for (int c = 0; c < 32; c++)
        s[c] = (char)(c + 1 == 32 ? 0x7f : c + 1);
    memcpy(s + 31, "\"\\/\xc3\xa9", 6);
    json_t *t = json_pack("{s:s%, s:[i, I, b, n, {}], s:{s:s}}", "k\n\"", s, (size_t)37, "arr", 1,
                          (json_int_t)-1234567890123LL, 0, "o", "x", "y");
    assert_non_null(t);
    char *want = dump(t);
    jout w;
    jout_init(&w, 0);
    assert_int_equal(jout_json(&w, t), 0);
    expect_text(&w, want);
    free(want);
    json_decref(t);
    jout_fini(&w);
}

/* Random strings over an alphabet of plain, special and multi-byte characters, every length
 * and alignment around the 8-byte fast path: the same text as json_dumps. */
static void test_random_strings(void **state)
{
    (void)state;
    static const char *const parts[] = {"a", "Z", "~", " ", "\"", "\\", "/", "\n", "\t", "\x01",
                                        "\x1f", "\x7f", "\xc3\xa9", "\xe4\xb8\xad",
                                        "\xf0\x9f\x98\x80", "abcdefgh"};
    unsigned seed = 12345;
    jout w;
    jout_init(&w, 0);
    for (int round = 0; round < 3000; round++) {
        char s[256];
        size_t n = 0, want = (size_t)(rand_r(&seed) % 48);
        while (n < want) {
            const char *p = parts[rand_r(&seed) % (sizeof parts / sizeof parts[0])];
            size_t k = strlen(p);
            memcpy(s + n, p, k);
            n += k;
        }
        json_t *j = json_stringn(s, n);
        assert_non_null(j);
        char *dumped = dump(j);
        assert_int_equal(jout_str(&w, s, n), 0);
        expect_text(&w, dumped);
        free(dumped);
        json_decref(j);
    }
    jout_fini(&w);
}

/* Long strings of plain runs (the 16- and 8-byte fast paths) with a rare special, multi-byte
 * or invalid byte at any position, as a JSON string, as an attribute name and as an S or N
 * value of an item (the one-reservation member path), from values and from stored bytes:
 * the same text as json_dumps, or refused exactly when jansson refuses (not UTF-8). */
static void test_long_strings_and_members(void **state)
{
    (void)state;
    static const char *const rare[] = {"\"", "\\", "\n", "\x01", "\x1f", "\xc3\xa9",
                                       "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xff", "\xc3",
                                       "\x80", "\xed\xa0\x80"};
    unsigned seed = 777;
    size_t refused = 0, accepted = 0;
    jout w;
    jout_init(&w, 0);
    for (int round = 0; round < 4000; round++) {
        char s[320], name[80];
        size_t n = 0, want = (size_t)(rand_r(&seed) % 260), nn = 0;
        size_t nwant = (size_t)(rand_r(&seed) % 40) + 1;
        int specials = round % 4; /* 0 .. 3 rare pieces in the value */
        while (n < want) {
            if (specials && rand_r(&seed) % 40 == 0) {
                const char *r = rare[rand_r(&seed) % (sizeof rare / sizeof rare[0])];
                memcpy(s + n, r, strlen(r));
                n += strlen(r);
                specials--;
            } else {
                s[n++] = (char)(' ' + 3 + rand_r(&seed) % 90); /* plain: no '"' or '\\' */
                if (s[n - 1] == '\\')
                    s[n - 1] = 'x';
            }
        }
        while (nn < nwant)
            name[nn++] = (char)('a' + rand_r(&seed) % 26);
        if (round % 7 == 0) {
            const char *r = rare[rand_r(&seed) % (sizeof rare / sizeof rare[0])];
            size_t at = (size_t)rand_r(&seed) % nn, k = strlen(r);
            memmove(name + at + k, name + at, nn - at);
            memcpy(name + at, r, k);
            nn += k;
        }
        json_t *j = json_stringn(s, n);
        json_t *jn = json_stringn(name, nn);
        /* the string alone */
        if (!j) {
            assert_int_equal(jout_str(&w, s, n), -1);
            jout_reset(&w);
            refused++;
        } else {
            char *dumped = dump(j);
            assert_int_equal(jout_str(&w, s, n), 0);
            expect_text(&w, dumped);
            free(dumped);
        }
        /* {"_":{"S":"1"}, name:{"S"|"N": s}} from values and from stored bytes */
        av_kv kv[2] = {{"_", 1, av_make_s("1", 1)}, {name, nn, av_make_s(s, n)}};
        if (round % 2)
            kv[1].val.type = AV_N;
        av_t m = av_make_m(kv, 2);
        buf_t b;
        buf_init(&b, 0);
        assert_int_equal(av_encode(&m, &b), 0);
        if (!j || !jn) {
            assert_int_equal(jout_item(&w, &m), -1);
            jout_reset(&w);
            assert_int_equal(jout_item_stored(&w, b.data, b.len), -1);
            jout_reset(&w);
        } else {
            json_t *tree = ddbjson_from_item(&m);
            assert_non_null(tree);
            char *want_item = dump(tree);
            assert_int_equal(jout_item(&w, &m), 0);
            expect_text(&w, want_item);
            check_item_len(&m);
            assert_int_equal(jout_item_stored(&w, b.data, b.len), 0);
            expect_text(&w, want_item);
            free(want_item);
            json_decref(tree);
            accepted++;
        }
        buf_fini(&b);
        json_decref(j);
        json_decref(jn);
    }
    assert_true(refused > 50 && accepted > 2000);
    jout_fini(&w);
}

/* Every string of 1 to 3 bytes over plain, special, control, multi-byte and invalid bytes
 * (the short-string path: "pk", "sk"), alone and as an attribute's name and S value from
 * stored bytes: the same text as json_dumps, or refused exactly when jansson refuses. */
static void test_short_strings_every_byte_mix(void **state)
{
    (void)state;
    static const unsigned char al[] = {'a', '"', '\\', '\n', 0x00, 0x1f, ' ', 0x7f, 0x80, 0xc3,
                                       0xa9, 0xe4, 0xff, '/'};
    const size_t na = sizeof al;
    jout w;
    jout_init(&w, 0);
    size_t refused = 0, accepted = 0;
    for (size_t n = 1; n <= 3; n++) {
        size_t total = n == 1 ? na : n == 2 ? na * na : na * na * na;
        for (size_t k = 0; k < total; k++) {
            char s[3];
            for (size_t i = 0, x = k; i < n; i++, x /= na)
                s[i] = (char)al[x % na];
            json_t *j = json_stringn(s, n);
            av_kv kv[1] = {{s, n, av_make_s(s, n)}};
            av_t m = av_make_m(kv, 1);
            buf_t b;
            buf_init(&b, 0);
            assert_int_equal(av_encode(&m, &b), 0);
            if (!j) {
                assert_int_equal(jout_str(&w, s, n), -1);
                jout_reset(&w);
                assert_int_equal(jout_item_stored(&w, b.data, b.len), -1);
                jout_reset(&w);
                refused++;
            } else {
                char *dumped = dump(j);
                assert_int_equal(jout_str(&w, s, n), 0);
                expect_text(&w, dumped);
                free(dumped);
                json_t *tree = ddbjson_from_item(&m);
                assert_non_null(tree);
                char *want_item = dump(tree);
                assert_int_equal(jout_item_stored(&w, b.data, b.len), 0);
                expect_text(&w, want_item);
                free(want_item);
                json_decref(tree);
                accepted++;
            }
            buf_fini(&b);
            json_decref(j);
        }
    }
    assert_int_equal(accepted, 861); /* the mixes that are UTF-8 (Python's decoder agrees) */
    assert_int_equal(refused, 2093);
    jout_fini(&w);
}

static void test_refusals_are_sticky(void **state)
{
    (void)state;
    jout w;
    jout_init(&w, 0);
    assert_int_equal(jout_str(&w, "\xff\xfe", 2), -1); /* not UTF-8 */
    assert_true(jout_failed(&w));
    assert_int_equal(jout_raw(&w, "x", 1), -1);
    size_t n;
    assert_null(jout_take(&w, &n));
    jout_reset(&w);
    assert_false(jout_failed(&w));
    /* corrupt stored bytes: truncated, trailing, wrong version, not a map */
    av_kv kv = {"a", 1, av_make_s("xyz", 3)};
    av_t m = av_make_m(&kv, 1);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(av_encode(&m, &b), 0);
    assert_int_equal(jout_item_stored(&w, b.data, b.len - 1), -1);
    jout_reset(&w);
    buf_putc(&b, 0);
    assert_int_equal(jout_item_stored(&w, b.data, b.len), -1);
    jout_reset(&w);
    b.data[0] = 99;
    assert_int_equal(jout_item_stored(&w, b.data, b.len - 1), -1);
    jout_reset(&w);
    buf_fini(&b);
    /* the maximum */
    jout small;
    jout_init(&small, 16);
    assert_int_equal(jout_raw(&small, "0123456789", 10), 0);
    assert_int_equal(jout_raw(&small, "0123456789", 10), -1);
    assert_true(jout_failed(&small));
    jout_fini(&small);
    jout_fini(&w);
}

/* The CRC over many chunks and reallocations equals one pass over the text. */
static void test_crc_across_chunks(void **state)
{
    (void)state;
    jout w;
    jout_init(&w, 0);
    buf_t all;
    buf_init(&all, 0);
    for (int i = 0; i < 5000; i++) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%d,", i * 7919);
        assert_int_equal(jout_raw(&w, tmp, (size_t)n), 0);
        buf_append(&all, tmp, (size_t)n);
    }
    uint32_t crc = jout_crc(&w);
    assert_int_equal(crc, (uint32_t)crc32(0L, all.data, (uInt)all.len));
    size_t n;
    char *t = jout_take(&w, &n);
    assert_int_equal(n, all.len);
    assert_memory_equal(t, all.data, n);
    free(t);
    buf_fini(&all);
    jout_fini(&w);
}

/* jout_real writes what json_dumps writes for json_real: halves below 2^52 by its own path,
 * every other value through jansson (issue 13.1: capacity units without a tree). */
static void test_reals_as_jansson(void **state)
{
    (void)state;
    static const double v[] = {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 10.0, 25.0, 100.5, 1e15 + 0.5,
                               4503599627370495.5, 4503599627370496.0, 9007199254740993.0, 1e16,
                               1e17, 1.5e300, 0.1, 0.25, 1e-5, 3.0000000000000004, -0.0, -1.0,
                               -2.5, 123456789.25, 7.0 / 3.0};
    size_t n = sizeof v / sizeof v[0];
    for (size_t i = 0; i < n + 2000; i++) {
        double x = i < n ? v[i] : (double)(i - n) * 0.5 + (i % 3 ? 0 : 1e9);
        json_t *j = json_real(x);
        char *want = dump(j);
        jout w;
        jout_init(&w, 0);
        assert_int_equal(jout_real(&w, x), 0);
        expect_text(&w, want);
        jout_fini(&w);
        free(want);
        json_decref(j);
    }
}

/* jout_hint (Query's reply in one allocation): the room is taken at once, so writing that
 * much never moves the buffer; the text and CRC are the same as without hints, hints given
 * mid-chunk included; a hint past the maximum or after a failure does nothing and never
 * fails the writer. */
static void test_hint_changes_nothing(void **state)
{
    (void)state;
    jout a, b;
    jout_init(&a, 0);
    jout_init(&b, 0);
    jout_hint(&b, 20000);
    assert_true(b.cap >= 20000);
    const char *p0 = b.p;
    for (int i = 0; i < 5000; i++) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%d,", i * 7919);
        assert_int_equal(jout_raw(&a, tmp, (size_t)n), 0);
        assert_int_equal(jout_raw(&b, tmp, (size_t)n), 0);
        if (b.len < 20000)
            assert_ptr_equal(b.p, p0); /* within the hint: no realloc */
        if (i % 97 == 0) {
            jout_hint(&b, (size_t)i * 13); /* less than the room left (nothing) or more */
            assert_true(b.cap - b.len >= (size_t)i * 13);
            p0 = b.p;
        }
    }
    assert_false(jout_failed(&b));
    size_t na, nb;
    uint32_t ca = jout_crc(&a), cb = jout_crc(&b);
    assert_int_equal(ca, cb);
    char *ta = jout_take(&a, &na), *tb = jout_take(&b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ta, tb, na);
    assert_int_equal(cb, (uint32_t)crc32(0L, (const Bytef *)tb, (uInt)nb));
    free(ta);
    free(tb);
    jout_fini(&a);
    jout_fini(&b);

    jout w;
    jout_init(&w, 100);
    jout_hint(&w, 1000); /* past the maximum: ignored */
    assert_false(jout_failed(&w));
    assert_true(w.cap <= 100);
    char x[101];
    memset(x, 'x', sizeof x);
    assert_int_equal(jout_raw(&w, x, 100), 0);
    assert_int_equal(jout_raw(&w, x, 1), -1); /* the maximum still holds */
    jout_hint(&w, 10); /* after a failure: nothing */
    assert_true(jout_failed(&w));
    assert_true(w.cap <= 100);
    jout_fini(&w);
}

/* jout_item_stored_scan reads, on its one walk, what av_stored_scan reads on its own: the
 * same size (= av_item_size of the decoded item) and the same values for the names asked
 * (each top-level name of every accepted golden item, a name absent, names of one length),
 * and writes the same text as jout_item_stored (Query's one-pass page, issue 13). */
static void test_stored_scan_is_av_stored_scan(void **state)
{
    (void)state;
    json_t *cases = golden_cases();
    size_t i, checked = 0, found = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        arena_t a;
        arena_init(&a);
        av_t item;
        if (!golden_item(c, &a, &item)) {
            arena_fini(&a);
            continue;
        }
        buf_t b;
        buf_init(&b, 0);
        assert_int_equal(av_encode(&item, &b), 0);
        jout w;
        jout_init(&w, 0);
        assert_int_equal(jout_item_stored(&w, b.data, b.len), 0);
        size_t wn;
        char *want = jout_take(&w, &wn);
        assert_non_null(want);
        /* the names: the item's own (last first), one absent, "" */
        size_t nn = item.u.map.n + 2;
        const char **names = calloc(nn, sizeof *names);
        size_t *lens = calloc(nn, sizeof *lens);
        av_t *v1 = calloc(nn, sizeof *v1), *v2 = calloc(nn, sizeof *v2);
        for (size_t k = 0; k < item.u.map.n; k++) {
            names[k] = item.u.map.kv[item.u.map.n - 1 - k].name;
            lens[k] = item.u.map.kv[item.u.map.n - 1 - k].name_len;
        }
        names[nn - 2] = "no such name";
        lens[nn - 2] = 12;
        names[nn - 1] = "";
        lens[nn - 1] = 0;
        size_t s1 = 1, s2 = 2;
        bool corrupt = true;
        assert_int_equal(av_stored_scan(b.data, b.len, names, lens, nn, v1, &s1), 0);
        assert_int_equal(
            jout_item_stored_scan(&w, b.data, b.len, names, lens, nn, v2, &s2, &corrupt), 0);
        assert_false(corrupt);
        assert_int_equal(s2, s1);
        assert_int_equal(s2, av_item_size(&item));
        for (size_t k = 0; k < nn; k++) {
            assert_int_equal(v2[k].type, v1[k].type);
            if (v1[k].type == AV_NONE)
                continue;
            found++;
            assert_ptr_equal(v2[k].u.str.ptr, v1[k].u.str.ptr);
            assert_int_equal(v2[k].u.str.len, v1[k].u.str.len);
        }
        size_t gn;
        char *got = jout_take(&w, &gn);
        assert_non_null(got);
        assert_int_equal(gn, wn);
        assert_memory_equal(got, want, wn);
        free(got);
        free(want);
        free(names);
        free(lens);
        free(v1);
        free(v2);
        jout_fini(&w);
        buf_fini(&b);
        arena_fini(&a);
        checked++;
    }
    assert_true(checked >= 35);
    assert_true(found >= 40); /* S, N and B members found by name */
    json_decref(cases);

    /* corrupt bytes say so; a writer past its maximum does not */
    av_kv kv[2] = {{"pk", 2, av_make_s("xyz", 3)}, {"d", 1, av_make_s("0123456789", 10)}};
    av_t m = av_make_m(kv, 2);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(av_encode(&m, &b), 0);
    const char *pk[1] = {"pk"};
    size_t pl[1] = {2}, size = 0;
    av_t v[1];
    bool corrupt = false;
    jout w;
    jout_init(&w, 0);
    assert_int_equal(jout_item_stored_scan(&w, b.data, b.len - 1, pk, pl, 1, v, &size, &corrupt),
                     -1);
    assert_true(corrupt);
    jout_fini(&w);
    jout_init(&w, 16);
    assert_int_equal(jout_item_stored_scan(&w, b.data, b.len, pk, pl, 1, v, &size, &corrupt), -1);
    assert_false(corrupt);
    jout_fini(&w);
    buf_fini(&b);
}

/* jout_rewind takes text back, the CRC with it: written, taken back and written again equals
 * written once, whether or not the CRC was folded past the mark in between (a chunk is 4 KB);
 * after a failure it does nothing. */
static void test_rewind(void **state)
{
    (void)state;
    for (int big = 0; big < 3; big++) {
        jout a, b;
        jout_init(&a, 0);
        jout_init(&b, 0);
        bool folded = false;
        for (int round = 0; round < 4; round++) {
            char tmp[32];
            int n = snprintf(tmp, sizeof tmp, "[kept %d]", round * 7);
            assert_int_equal(jout_raw(&a, tmp, (size_t)n), 0);
            assert_int_equal(jout_raw(&b, tmp, (size_t)n), 0);
            jout_mark m = jout_mark_here(&b);
            /* piece by piece, as a reply is written: the CRC folds every 4 KB on the way */
            for (int i = 0; i < (big == 0 ? 3 : big == 1 ? 200 : 5000); i++) {
                n = snprintf(tmp, sizeof tmp, "<%d>", i * 31);
                assert_int_equal(jout_raw(&b, tmp, (size_t)n), 0);
            }
            folded = folded || b.crc_len > m.len;
            jout_rewind(&b, &m);
            assert_int_equal(b.len, a.len);
        }
        if (big == 2)
            assert_true(folded); /* the case the mark's CRC is for */
        uint32_t ca = jout_crc(&a), cb = jout_crc(&b);
        assert_int_equal(cb, ca);
        size_t na, nb;
        char *ta = jout_take(&a, &na), *tb = jout_take(&b, &nb);
        assert_int_equal(nb, na);
        assert_memory_equal(tb, ta, na);
        assert_int_equal(cb, (uint32_t)crc32(0L, (const Bytef *)ta, (uInt)na));
        free(ta);
        free(tb);
        jout_fini(&a);
        jout_fini(&b);
    }
    jout w;
    jout_init(&w, 8);
    assert_int_equal(jout_raw(&w, "abc", 3), 0);
    jout_mark m = jout_mark_here(&w);
    assert_int_equal(jout_raw(&w, "0123456789", 10), -1);
    jout_rewind(&w, &m);
    assert_true(jout_failed(&w));
    jout_fini(&w);
}

/* The grow hook (review14 F12: the endpoint charges a reply's text to a budget as it grows):
 * called only past max, it may raise max (the text then is what it would be without a
 * maximum) or refuse (the writer fails, refused set; a hint's refusal changes nothing). */
typedef struct {
    size_t limit; /* the hook raises max up to this, doubling */
    int calls;
    size_t last_need;
} grow_case;

static int grow_up_to(jout *w, size_t need, void *ctx)
{
    grow_case *g = ctx;
    g->calls++;
    g->last_need = need;
    size_t max = w->max * 2 > need ? w->max * 2 : need;
    if (max > g->limit)
        return -1;
    w->max = max;
    return 0;
}

static void test_grow_hook(void **state)
{
    (void)state;
    char piece[100];
    memset(piece, 'x', sizeof piece);
    jout plain;
    jout_init(&plain, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(jout_str(&plain, piece, sizeof piece), 0);
    /* raised as needed: the same text and CRC as without a maximum */
    grow_case g = {.limit = (size_t)1 << 20};
    jout w;
    jout_init(&w, 4096);
    w.grow = grow_up_to;
    w.grow_ctx = &g;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(jout_str(&w, piece, sizeof piece), 0);
    assert_true(g.calls >= 5 && g.calls <= 6); /* 4 KB doubled to ~128 KB */
    assert_false(w.refused);
    assert_int_equal(jout_crc(&w), jout_crc(&plain));
    size_t na, nb;
    char *ta = jout_take(&plain, &na), *tb = jout_take(&w, &nb);
    assert_int_equal(nb, na);
    assert_memory_equal(tb, ta, na);
    free(ta);
    free(tb);
    jout_fini(&plain);
    jout_fini(&w);
    /* never called under max */
    grow_case none = {.limit = 0};
    jout_init(&w, 4096);
    w.grow = grow_up_to;
    w.grow_ctx = &none;
    assert_int_equal(jout_raw(&w, piece, sizeof piece), 0);
    assert_int_equal(none.calls, 0);
    /* a hint past max asks; refused, it changes nothing */
    jout_hint(&w, 10000);
    assert_int_equal(none.calls, 1);
    assert_false(jout_failed(&w));
    assert_false(w.refused);
    /* a refused growth fails the writer, refused set; a reset (an error's extras follow)
     * keeps refused */
    for (int i = 0; i < 100 && jout_raw(&w, piece, sizeof piece) == 0; i++)
        ;
    assert_true(jout_failed(&w));
    assert_true(w.refused);
    assert_true(none.last_need > 4096);
    jout_reset(&w);
    assert_true(w.refused);
    jout_fini(&w);
    /* a hint the hook lets through raises max and takes the room at once */
    grow_case h = {.limit = (size_t)1 << 20};
    jout_init(&w, 4096);
    w.grow = grow_up_to;
    w.grow_ctx = &h;
    jout_hint(&w, 50000);
    assert_int_equal(h.calls, 1);
    assert_true(w.max >= 50000 && w.cap == 50000);
    jout_fini(&w);
}

/* jout_room asks the hook ahead of the text with w->room set (review15 F11: a write reserves
 * its reply's room before it is applied); a refusal leaves the writer as it was.  The items
 * of wide values (a list of 2,000 long numbers, nested maps and lists, sets, binaries,
 * strings of every escape) measure as they are written. */
typedef struct {
    size_t limit;
    int calls;
    bool room_seen;
} room_case;

static int grow_room(jout *w, size_t need, void *ctx)
{
    room_case *g = ctx;
    g->calls++;
    g->room_seen = w->room;
    if (need > g->limit)
        return -1;
    w->max = need;
    return 0;
}

static void test_room_and_item_len(void **state)
{
    (void)state;
    room_case g = {.limit = 100000};
    jout w;
    jout_init(&w, 1000);
    w.grow = grow_room;
    w.grow_ctx = &g;
    assert_int_equal(jout_room(&w, 500), 0); /* there: no call */
    assert_int_equal(g.calls, 0);
    assert_int_equal(jout_raw(&w, "abc", 3), 0);
    assert_int_equal(jout_room(&w, 200000), -1); /* refused: nothing changes */
    assert_int_equal(g.calls, 1);
    assert_true(g.room_seen);
    assert_false(jout_failed(&w));
    assert_false(w.refused);
    assert_int_equal(w.max, 1000);
    assert_int_equal(jout_room(&w, 50000), 0);
    assert_int_equal(w.max, 50003);
    assert_false(w.room);
    assert_int_equal(jout_raw(&w, "d", 1), 0);
    expect_text(&w, "abcd");
    jout_fini(&w);
    jout_init(&w, 0); /* no hook: nothing to ask */
    assert_int_equal(jout_room(&w, (size_t)1 << 40), 0);
    jout_fini(&w);

    /* wide items */
    static char num[134];
    num[0] = '-';
    num[1] = '0';
    num[2] = '.';
    memset(num + 3, '0', 129);
    num[132] = '1';
    av_t *nums = calloc(2000, sizeof *nums);
    assert_non_null(nums);
    for (int i = 0; i < 2000; i++)
        nums[i] = av_make_n_canonical(num, 133);
    static const char esc[] = "a\"b\\c\n\x01\x1f\t\b\f\r\xc3\xa9 plain text, longer than sixteen";
    av_t set[3] = {av_make_s("x", 1), av_make_s(esc, sizeof esc - 1), av_make_s("", 0)};
    av_t bins[2] = {av_make_b("\x00\x01\x02\x03", 4), av_make_b("\xff", 1)};
    av_t inner_l[4] = {av_make_s(esc, sizeof esc - 1), av_make_n_canonical("12", 2),
                       av_make_bool(true), av_make_null()};
    av_kv inner[3] = {{"e\"sc", 4, av_make_s(esc, sizeof esc - 1)},
                      {"l", 1, av_make_list(AV_L, inner_l, 4)},
                      {"b", 1, av_make_b("\x10\x20\x30", 3)}};
    av_t ss = av_make_list(AV_SS, set, 3), bs = av_make_list(AV_BS, bins, 2);
    av_kv kv[8] = {{"pk", 2, av_make_s("k", 1)},
                   {"nums", 4, av_make_list(AV_L, nums, 2000)},
                   {"m", 1, av_make_m(inner, 3)},
                   {"ss", 2, ss},
                   {"bs", 2, bs},
                   {"no", 2, av_make_bool(false)},
                   {"\x01name", 5, av_make_n_canonical(num, 133)},
                   {"empty", 5, av_make_m(NULL, 0)}};
    av_t item = av_make_m(kv, 8);
    check_item_len(&item);
    free(nums);
}

/* The NUL jout_take adds is not text: it never asks the grow hook (frB 5: a reply of exactly
 * its max, the hook refusing there, was a 500 rather than its text). */
static void test_take_never_asks_for_the_nul(void **state)
{
    (void)state;
    room_case g = {.limit = 0};
    jout w;
    jout_init(&w, 8);
    w.grow = grow_room;
    w.grow_ctx = &g;
    assert_int_equal(jout_raw(&w, "12345678", 8), 0);
    assert_int_equal(w.len, w.max);
    expect_text(&w, "12345678");
    assert_int_equal(g.calls, 0);
    jout_fini(&w);
}

/* jout_text_free keeps a released text for the thread's next writer (the server's replies,
 * server/http.c): the next writer's first write takes it (no allocation), writes the same
 * text and CRC as a writer of its own; only the largest block of at most JOUT_SPARE_MAX is
 * kept; a writer's max still bounds it; a thread's kept block is freed when the thread ends
 * (LeakSanitizer, in the ASan build's run of this test, reports it otherwise). */
static char *spare_text(size_t n)
{
    jout w;
    jout_init(&w, 0);
    jout_hint(&w, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jout_raw(&w, "x", 1), 0);
    size_t len;
    char *t = jout_take(&w, &len);
    assert_non_null(t);
    assert_int_equal(len, n);
    return t;
}

static void *spare_thread(void *arg)
{
    (void)arg;
    jout_text_free(spare_text(3000)); /* kept: freed at the thread's end */
    return NULL;
}

static void test_released_text_is_reused(void **state)
{
    (void)state;
    char *t = spare_text(5000);
    jout_text_free(t);
    jout w, fresh;
    jout_init(&w, 0);
    jout_init(&fresh, 0);
    const char *s = "{\"Items\":[\"a\\u0001\"]}";
    assert_int_equal(jout_str(&w, s, strlen(s)), 0);
    assert_int_equal(jout_str(&fresh, s, strlen(s)), 0);
    assert_ptr_equal(w.p, t); /* the kept block, not a new one */
    assert_true(w.cap >= 5000);
    assert_true(fresh.cap < 5000); /* taken: the next writer allocates its own */
    assert_int_equal(jout_crc(&w), jout_crc(&fresh));
    size_t l1, l2;
    char *a = jout_take(&w, &l1), *b = jout_take(&fresh, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    /* the largest is kept: b (small) is freed while a (5000) is there, then taken */
    jout_text_free(a);
    jout_text_free(b);
    jout_init(&w, 0);
    assert_int_equal(jout_raw(&w, "1", 1), 0);
    assert_ptr_equal(w.p, a);
    jout_fini(&w);
    /* past JOUT_SPARE_MAX: freed, not kept */
    jout_text_free(spare_text(JOUT_SPARE_MAX + 1));
    jout_init(&w, 0);
    assert_int_equal(jout_raw(&w, "1", 1), 0);
    assert_true(w.cap <= JOUT_SPARE_MAX);
    assert_true(w.cap < 5000);
    jout_fini(&w);
    /* a writer's max bounds the kept block it takes */
    jout_text_free(spare_text(6000));
    jout_init(&w, 100);
    assert_int_equal(jout_raw(&w, "1", 1), 0);
    assert_int_equal(w.cap, 100);
    char big[200];
    memset(big, 'y', sizeof big);
    assert_int_equal(jout_raw(&w, big, 99), 0);
    assert_int_equal(jout_raw(&w, big, 1), -1); /* 101 bytes: past max, sticky */
    assert_true(jout_failed(&w));
    jout_fini(&w);
    jout_text_free(NULL);
    /* a thread that keeps a block and ends frees it */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spare_thread, NULL), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_items),
        cmocka_unit_test(test_stored_members_with_room),
        cmocka_unit_test(test_escapes_and_trees),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_long_strings_and_members),
        cmocka_unit_test(test_short_strings_every_byte_mix),
        cmocka_unit_test(test_refusals_are_sticky),
        cmocka_unit_test(test_crc_across_chunks),
        cmocka_unit_test(test_reals_as_jansson),
        cmocka_unit_test(test_hint_changes_nothing),
        cmocka_unit_test(test_stored_scan_is_av_stored_scan),
        cmocka_unit_test(test_rewind),
        cmocka_unit_test(test_grow_hook),
        cmocka_unit_test(test_room_and_item_len),
        cmocka_unit_test(test_take_never_asks_for_the_nul),
        cmocka_unit_test(test_released_text_is_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
