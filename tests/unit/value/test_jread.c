/*
 * test_jread — our JSON reader (value/jread.c) against jansson's json_loadb(JSON_DECODE_ANY |
 * JSON_ALLOW_NUL), the parser the server used before it:
 *   - every malformed-input class is refused, with a position, and jansson refuses it too;
 *   - what both accept gives byte-identical trees (json_dumps of jread_to_jansson's tree and of
 *     json_loadb's), over the golden data (tests/golden) and every fuzz corpus
 *     (tests/fuzz/corpus/<target>): each file whole, without its first byte (the api corpus'
 *     selector), cut at NUL bytes, and every prefix of the small ones (hundreds of thousands of
 *     malformed texts);
 *   - two differences, both checked: U+0000 inside an object key is accepted and kept whole
 *     (issue 9.1: DynamoDB accepts any UTF-8 in an attribute name) where jansson refuses;
 *     a raw NUL byte right after a number or a literal ("1" then byte 0) is refused where
 *     jansson's lexer skips it (a quirk of its unget);
 *   - surrogate pairs, duplicate keys (last value, first place), the depth limit, number
 *     ranges, strings pointing into the input or decoded.
 *   - the ClientRequestToken cache's digest (value/jdigest.h) of every accepted tree is the
 *     same walked from ours and from jansson's; it names the tree, not the text;
 *   - jread_check (no tree) gives jread_parse's verdict on every text, but for numbers out of
 *     range and lone surrogates, which only building the tree refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/siphash.h"
#include "value/jdigest.h"
#include "value/jout.h"
#include "value/jread.h"

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}

typedef struct stats {
    size_t same_ok, same_err, nul_key, raw_nul, digests;
} stats;

/* The depth of v's deepest value, v itself at 0. */
static int max_depth(const jread_val *v)
{
    int d = 0;
    for (const jread_val *c = v->child; c; c = c->next) {
        int cd = 1 + max_depth(c);
        if (cd > d)
            d = cd;
    }
    return d;
}

/* The ClientRequestToken cache's digest (value/jdigest.h) is the same walked from our reader's
 * tree and from jread_to_jansson's (a request's jread path and jansson path), and never
 * refuses a parsed tree.  st->digests counts the trees checked. */
static const unsigned char dkey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static void digest_same(const jread_val *v, arena_t *a, stats *st)
{
    json_t *k = jread_to_jansson(v);
    assert_non_null(k);
    uint64_t want[2], got[2];
    assert_int_equal(jdigest_json(dkey, k, want), 0);
    json_decref(k);
    if (jdigest_jread(dkey, v, a, got))
        fail_msg("digest refused a tree %d deep", max_depth(v));
    if (got[0] != want[0] || got[1] != want[1])
        fail_msg("digests differ (a tree %d deep)", max_depth(v));
    st->digests++;
}

/* Both parsers over one text: the same verdict, the same tree. */
static void compare(const char *buf, size_t n, stats *st)
{
    json_error_t je;
    json_t *j = json_loadb(buf, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error e;
    int rc = jread_parse(buf, n, &a, &v, &e);
    /* jread_check (no tree, no allocation) gives the parser's verdict, but for what only the
     * tree's building refuses: a number out of range, a lone surrogate escape */
    jread_error ce;
    int crc = jread_check(buf, n, &ce);
    if (rc == 0 && crc != 0)
        fail_msg("jread_check refused what jread_parse accepts (%s at %zu): %.*s", ce.text,
                 ce.position, (int)(n > 200 ? 200 : n), buf);
    if (rc != 0 && crc == 0 && !e.nomem && !strstr(e.text, "too big") &&
        !strstr(e.text, "overflow") && !strstr(e.text, "invalid Unicode"))
        fail_msg("jread_check accepted what jread_parse refuses (%s at %zu): %.*s", e.text,
                 e.position, (int)(n > 200 ? 200 : n), buf);
    if (!j) {
        if (strstr(je.text, "NUL byte in object key")) {
            /* the deliberate difference: with every \u0000 made \u0001, jansson's verdict is
             * ours (the text may be malformed after the key jansson stopped at) */
            char *t = malloc(n + 1);
            memcpy(t, buf, n);
            for (size_t i = 0; i + 6 <= n; i++)
                if (memcmp(t + i, "\\u0000", 6) == 0)
                    t[i + 5] = '1';
            json_t *j1 = json_loadb(t, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
            assert_int_equal(rc == 0, j1 != NULL);
            if (rc == 0)
                digest_same(v, &a, st);
            json_decref(j1);
            free(t);
            st->nul_key++;
        } else {
            if (rc == 0)
                fail_msg("jread accepted what jansson refuses (%s): %.*s", je.text,
                         (int)(n > 200 ? 200 : n), buf);
            assert_false(e.nomem);
            assert_true(e.position <= n);
            st->same_err++;
        }
    } else if (rc != 0 && e.position < n && buf[e.position] == '\0') {
        /* jansson's lexer drops a raw NUL byte that follows a number or a literal it had
         * to look past ("1\0" is read as 1): not JSON, and we refuse it */
        st->raw_nul++;
    } else {
        if (rc != 0)
            fail_msg("jread refused what jansson accepts (%s at %zu): %.*s", e.text, e.position,
                     (int)(n > 200 ? 200 : n), buf);
        json_t *k = jread_to_jansson(v);
        assert_non_null(k);
        char *d1 = dump(j), *d2 = dump(k);
        assert_non_null(d1);
        assert_non_null(d2);
        assert_string_equal(d1, d2);
        free(d1);
        free(d2);
        json_decref(k);
        digest_same(v, &a, st);
        st->same_ok++;
    }
    json_decref(j);
    arena_fini(&a);
}

static void compare_all_ways(const char *buf, size_t n, stats *st)
{
    compare(buf, n, st);
    if (n > 1)
        compare(buf + 1, n - 1, st);
    /* the parts between NUL bytes (fuzz inputs carry several texts) */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || buf[i] == '\0') {
            if (start > 0 || i < n)
                compare(buf + start, i - start, st);
            start = i + 1;
        }
    if (n <= 400)
        for (size_t k = 0; k < n; k++)
            compare(buf, k, st);
}

static char *read_all(const char *path, size_t *out_n)
{
    *out_n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *out_n = (size_t)sz;
    return b;
}

static size_t walk(const char *path, stats *st)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    if (S_ISREG(sb.st_mode)) {
        size_t n = 0;
        char *b = read_all(path, &n);
        assert_non_null(b);
        compare_all_ways(b, n, st);
        free(b);
        return 1;
    }
    if (!S_ISDIR(sb.st_mode))
        return 0;
    DIR *d = opendir(path);
    assert_non_null(d);
    size_t files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        files += walk(sub, st);
    }
    closedir(d);
    return files;
}

static void test_corpora_identical(void **state)
{
    (void)state;
    stats st = {0};
    size_t files = walk(DDB_SOURCE_DIR "/tests/golden", &st);
    files += walk(DDB_SOURCE_DIR "/tests/fuzz/corpus", &st);
    files += walk(DDB_SOURCE_DIR "/tests/fuzz/regressions", &st);
    printf("jread vs jansson: %zu files, %zu texts accepted alike, %zu refused alike, %zu with "
           "NUL in a key (ours only), %zu raw NUL after a token (jansson's only); %zu digests "
           "the same both ways\n",
           files, st.same_ok, st.same_err, st.nul_key, st.raw_nul, st.digests);
    assert_true(files > 500);
    assert_true(st.same_ok > 1000);
    assert_true(st.same_err > 10000);
    assert_true(st.digests > 1000);
}

/* ---- malformed input: every class refused, by both */

static void test_malformed_classes(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        size_t len; /* 0: strlen */
    } cases[] = {
        {"empty", "", 0},
        {"only whitespace", " \t\r\n", 0},
        {"unclosed object", "{", 0},
        {"unclosed array", "[1,2", 0},
        {"unclosed string", "\"abc", 0},
        {"missing value", "{\"a\":}", 0},
        {"missing colon", "{\"a\" 1}", 0},
        {"unquoted key", "{a:1}", 0},
        {"single quotes", "{'a':1}", 0},
        {"trailing comma in object", "{\"a\":1,}", 0},
        {"trailing comma in array", "[1,]", 0},
        {"leading comma", "[,1]", 0},
        {"two values", "{} {}", 0},
        {"garbage after value", "{\"a\":1}x", 0},
        {"bare word", "nul", 0},
        {"capitalised literal", "True", 0},
        {"literal with tail", "[truex]", 0},
        {"leading zero", "01", 0},
        {"plus sign", "+1", 0},
        {"dot without digits", "1.", 0},
        {"dot first", ".5", 0},
        {"exponent without digits", "1e", 0},
        {"exponent sign only", "1e+", 0},
        {"minus alone", "-", 0},
        {"hex number", "0x10", 0},
        {"NaN", "NaN", 0},
        {"Infinity", "-Infinity", 0},
        {"too big integer", "9223372036854775808", 0},
        {"too big negative integer", "-9223372036854775809", 0},
        {"long integer", "123456789012345678901234567890", 0},
        {"real overflow", "1e400", 0},
        {"raw control byte in string", "\"a\x01z\"", 0},
        {"raw newline in string", "\"a\nb\"", 0},
        {"raw NUL in string", "\"a\0b\"", 5},
        {"raw NUL outside", "{}\0", 3},
        {"bad escape", "\"\\x\"", 0},
        {"short unicode escape", "\"\\u12\"", 0},
        {"non-hex unicode escape", "\"\\u12G4\"", 0},
        {"lone high surrogate", "\"\\uD800\"", 0},
        {"high surrogate then text", "\"\\uD800x\"", 0},
        {"high surrogate then non-low", "\"\\uD800\\u0041\"", 0},
        {"lone low surrogate", "\"\\uDC00\"", 0},
        {"invalid UTF-8 byte", "\"\xff\"", 0},
        {"continuation byte alone", "\"\x80\"", 0},
        {"overlong 2-byte", "\"\xc0\xaf\"", 0},
        {"overlong 3-byte", "\"\xe0\x80\xaf\"", 0},
        {"UTF-8 surrogate", "\"\xed\xa0\x80\"", 0},
        {"past U+10FFFF", "\"\xf4\x90\x80\x80\"", 0},
        {"truncated sequence", "\"\xe2\x82\"", 0},
        {"invalid UTF-8 outside strings", "\xc3\xa9", 0},
        {"BOM", "\xef\xbb\xbf{}", 0},
        {"comment", "{/*x*/}", 0},
        {"object as key", "{{}:1}", 0},
        {"number as key", "{1:1}", 0},
        {"vertical tab whitespace", "\v{}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].len ? cases[i].len : strlen(cases[i].text);
        arena_t a;
        arena_init(&a);
        jread_val *v = (jread_val *)1;
        jread_error e;
        int rc = jread_parse(cases[i].text, n, &a, &v, &e);
        if (rc == 0)
            fail_msg("accepted: %s", cases[i].name);
        assert_null(v);
        assert_false(e.nomem);
        assert_true(e.line >= 1 && e.column >= 1);
        assert_true(e.text[0] != '\0');
        json_error_t je;
        json_t *j = json_loadb(cases[i].text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (j)
            fail_msg("jansson accepts: %s", cases[i].name);
        arena_fini(&a);
    }
}

static void test_error_position(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    jread_val *v;
    jread_error e;
    const char *t = "{\n  \"\xc3\xa9\": [1,\n  2 x]}";
    assert_int_equal(jread_parse(t, strlen(t), &a, &v, &e), -1);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 5); /* "  2 x": the x, counted in characters */
    assert_int_equal(e.position, (size_t)(strchr(t, 'x') - t));
    assert_string_equal(e.text, "']' expected");
    arena_fini(&a);
}

/* ---- accepted input */

static jread_val *parse_ok(arena_t *a, const char *t, size_t n)
{
    jread_val *v = NULL;
    jread_error e;
    if (jread_parse(t, n, a, &v, &e) != 0)
        fail_msg("refused (%s): %s", e.text, t);
    return v;
}

static void test_nul_in_keys(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    const char *t = "{\"Item\":{\"a\\u0000b\":{\"S\":\"x\\u0000y\"},\"a\":{\"N\":\"1\"}}}";
    jread_val *v = parse_ok(&a, t, strlen(t));
    const jread_val *item = jread_get(v, "Item", 4);
    assert_non_null(item);
    assert_int_equal(item->n, 2);
    const jread_val *m = jread_get(item, "a\0b", 3);
    assert_non_null(m);
    assert_int_equal(m->key_len, 3);
    assert_memory_equal(m->key, "a\0b", 3);
    const jread_val *s = jread_get(m, "S", 1);
    assert_int_equal(s->len, 3);
    assert_memory_equal(s->text, "x\0y", 3);
    assert_null(jread_get(item, "a\0", 2));
    /* the jansson tree holds the whole key: two members, found only with their length */
    json_t *j = jread_to_jansson(v);
    json_t *ji = json_object_get(j, "Item");
    assert_int_equal(json_object_size(ji), 2);
    assert_non_null(json_object_getn(ji, "a\0b", 3));
    assert_string_equal(json_string_value(json_object_get(json_object_get(ji, "a"), "N")), "1");
    void *it = json_object_iter(ji);
    assert_int_equal(json_object_iter_key_len(it), 3);
    json_decref(j);
    /* a key that is only U+0000 */
    t = "{\"\\u0000\":1}";
    v = parse_ok(&a, t, strlen(t));
    assert_int_equal(v->child->key_len, 1);
    assert_int_equal(v->child->key[0], '\0');
    arena_fini(&a);
}

/* The digest both ways on keys with U+0000, prefixes, non-ASCII; numbers of each kind. */
static void test_digest_both_ways(void **state)
{
    (void)state;
    static const char *const t[] = {
        "{\"b\":1,\"a\\u0000b\":2,\"a\":3,\"ab\":[{\"z\":1,\"y\":2.5}],\"\u00e9\":true,"
        "\"\\u0000\":null,\"A\":-0.0,\"a\\u0000\":1e300,\"\":[]}",
        "{\"TransactItems\":[{\"Put\":{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"x\"}}}}],"
        "\"ClientRequestToken\":\"a\\u0000b\",\"ReturnConsumedCapacity\":\"TOTAL\"}",
        "[1,-7,0.1,1E2,12345678901234567,{}]",
        "\"x\\ny\"",
    };
    stats st = {0};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        arena_t a;
        arena_init(&a);
        jread_val *v = parse_ok(&a, t[i], strlen(t[i]));
        digest_same(v, &a, &st);
        arena_fini(&a);
    }
    assert_int_equal(st.digests, sizeof t / sizeof t[0]);
    /* objects of 1 to 24 members around jdigest's insertion-sort bound (16), keys written in
     * descending order, prefixes of one another and sharing prefixes ("k1" < "k10" < "k2") */
    for (int n = 1; n <= 24; n++) {
        char o[1024];
        size_t k = 0;
        o[k++] = '{';
        for (int i = n - 1; i >= 0; i--)
            k += (size_t)snprintf(o + k, sizeof o - k, "%s\"k%d\":{\"%.*s\":%d}",
                                  i == n - 1 ? "" : ",", i, 1 + i % 3, "zyx", i);
        o[k++] = '}';
        arena_t a;
        arena_init(&a);
        digest_same(parse_ok(&a, o, k), &a, &st);
        arena_fini(&a);
    }
    assert_int_equal(st.digests, sizeof t / sizeof t[0] + 24);
}

static void digest_of(const char *t, uint64_t out[2])
{
    arena_t a;
    arena_init(&a);
    assert_int_equal(jdigest_jread(dkey, parse_ok(&a, t, strlen(t)), &a, out), 0);
    arena_fini(&a);
}

/* The digest names the tree, not the text: members in another order, escapes for plain
 * characters and whitespace change nothing (a retry whose SDK wrote the request anew is its
 * replay); any other difference changes it (the token's mismatch). */
static void test_digest_same_request(void **state)
{
    (void)state;
    static const char *const same[][2] = {
        {"{\"a\":1,\"b\":[true,null],\"c\":{\"y\":\"A\",\"x\":2.5}}",
         " { \"c\" : {\"x\":2.5,\"y\":\"\\u0041\"}, \"b\":[ true , null ],\"a\":1 } "},
        {"{\"k\\u0000\":1,\"k\":2}", "{\"k\":2,\"k\\u0000\":1}"},
        {"\"\\u00e9\\/\"", "\"\u00e9/\""},
    };
    static const char *const differ[][2] = {
        {"{\"a\":1}", "{\"a\":1,\"b\":null}"},   /* a member more */
        {"{\"a\":1}", "{\"a\":1.0}"},              /* integer / real */
        {"{\"a\":1}", "{\"a\":\"1\"}"},          /* number / string */
        {"{\"a\":0.0}", "{\"a\":-0.0}"},
        {"\"ab\"", "[\"a\",\"b\"]"},
        {"[\"ab\",\"c\"]", "[\"a\",\"bc\"]"},  /* where a string ends */
        {"[[],[1]]", "[[1],[]]"},
        {"{\"a\":{}}", "{\"a\":[]}"},
        {"{\"ab\":1}", "{\"a\":{\"b\":1}}"},
        {"{\"k\":1}", "{\"k\\u0000\":1}"},       /* a key with U+0000 */
        {"true", "false"},
        {"null", "{}"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        uint64_t x[2], y[2];
        digest_of(same[i][0], x);
        digest_of(same[i][1], y);
        if (x[0] != y[0] || x[1] != y[1])
            fail_msg("same tree, different digests: %s %s", same[i][0], same[i][1]);
    }
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        uint64_t x[2], y[2];
        digest_of(differ[i][0], x);
        digest_of(differ[i][1], y);
        if (x[0] == y[0] && x[1] == y[1])
            fail_msg("different trees, one digest: %s %s", differ[i][0], differ[i][1]);
    }
    /* 1 to 24 members (both sorts) written in ascending and in descending order */
    for (int n = 1; n <= 24; n++) {
        char up[1024], down[1024];
        size_t ku = 0, kd = 0;
        up[ku++] = down[kd++] = '{';
        for (int i = 0; i < n; i++) {
            ku += (size_t)snprintf(up + ku, sizeof up - ku, "%s\"k%d\":%d", i ? "," : "", i, i);
            kd += (size_t)snprintf(down + kd, sizeof down - kd, "%s\"k%d\":%d", i ? "," : "",
                                   n - 1 - i, n - 1 - i);
        }
        up[ku++] = down[kd++] = '}';
        up[ku] = down[kd] = 0;
        uint64_t x[2], y[2];
        digest_of(up, x);
        digest_of(down, y);
        assert_true(x[0] == y[0] && x[1] == y[1]);
    }
}

/* jdigest_*_but: the digest of the object as if the member named were not there, from either
 * tree and in any member order (the ClientRequestToken's request less its
 * ReturnConsumedCapacity); a member nested deeper of that name counts, and so does one whose
 * name only starts the same. */
static void test_digest_but_a_member(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"{\"a\":1,\"R\":\"TOTAL\",\"b\":[2]}", "{\"b\":[2],\"a\":1}"},
        {"{\"z\":1,\"y\":2,\"x\":3,\"R\":4,\"w\":5}", "{\"w\":5,\"x\":3,\"y\":2,\"z\":1}"},
        {"{\"R\":null}", "{}"},
        {"{\"R\":1,\"a\":2,\"b\":3}", "{\"a\":2,\"b\":3}"}, /* in key order already */
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        arena_t a;
        arena_init(&a);
        jread_val *with = parse_ok(&a, pairs[i][0], strlen(pairs[i][0]));
        uint64_t x[2], y[2], z[2];
        assert_int_equal(jdigest_jread_but(dkey, with, "R", 1, &a, x), 0);
        json_t *k = jread_to_jansson(with);
        assert_int_equal(jdigest_json_but(dkey, k, "R", 1, y), 0);
        json_decref(k);
        digest_of(pairs[i][1], z);
        if (x[0] != z[0] || x[1] != z[1] || y[0] != z[0] || y[1] != z[1])
            fail_msg("pair %zu: the member left out still counts", i);
        /* nothing left out: the plain digest */
        assert_int_equal(jdigest_jread_but(dkey, with, NULL, 0, &a, x), 0);
        digest_of(pairs[i][0], y);
        assert_true(x[0] == y[0] && x[1] == y[1]);
        arena_fini(&a);
    }
    static const char *const kept[][2] = {
        {"{\"a\":{\"R\":1}}", "{\"a\":{}}"}, /* only the top level's */
        {"{\"a\":1,\"RR\":2}", "{\"a\":1}"},  /* the whole name */
        {"{\"a\":1,\"R\":2}", "{\"a\":1,\"R\":3}"}, /* but with nothing skipped */
    };
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        arena_t a;
        arena_init(&a);
        uint64_t x[2], y[2];
        const char *skip = i == 2 ? NULL : "R";
        assert_int_equal(jdigest_jread_but(dkey, parse_ok(&a, kept[i][0], strlen(kept[i][0])),
                                           skip, skip ? 1 : 0, &a, x), 0);
        assert_int_equal(jdigest_jread_but(dkey, parse_ok(&a, kept[i][1], strlen(kept[i][1])),
                                           skip, skip ? 1 : 0, &a, y), 0);
        if (x[0] == y[0] && x[1] == y[1])
            fail_msg("kept %zu: two requests, one digest", i);
        arena_fini(&a);
    }
}

/* A header as jdigest.h documents it: kind in the top 3 bits, a count or length up to 30 below,
 * else 31 and the length as 8 bytes, little-endian.  Returns the bytes written. */
static size_t enc_head(unsigned char *o, unsigned kind, size_t n)
{
    if (n <= 30) {
        o[0] = (unsigned char)(kind << 5 | n);
        return 1;
    }
    o[0] = (unsigned char)(kind << 5 | 31);
    for (int i = 0; i < 8; i++)
        o[1 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    return 9;
}

/* The digest is SipHash-2-4's 128-bit tag of the encoding jdigest.h documents, wherever the
 * values fall against the digest's 256-byte buffer: [null x pad, "s" x len] for pad 0..300
 * (header bytes that fill the buffer exactly, one at a time) and strings of 0..40 and
 * 250..270 bytes (a string that spills past it).  The buffer-full header byte is hashed
 * with the buffer, then kept (value/jdigest.c jd_byte; it went through jd_spill, whose copy
 * gcc -O3 could not bound). */
static void test_digest_is_siphash_of_its_encoding(void **state)
{
    (void)state;
    static char text[8192];
    static unsigned char enc[8192];
    static const size_t lens[] = {0, 1, 7, 8, 9, 30, 31, 40, 250, 255, 256, 257, 270};
    for (size_t pad = 0; pad <= 300; pad++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t len = lens[li], k = 0, m = 0;
            text[k++] = '[';
            for (size_t i = 0; i < pad; i++)
                k += (size_t)snprintf(text + k, sizeof text - k, "null,");
            text[k++] = '"';
            memset(text + k, 's', len);
            k += len;
            text[k++] = '"';
            text[k++] = ']';
            text[k] = 0;
            m += enc_head(enc + m, 6 /* array */, pad + 1);
            memset(enc + m, 0 /* null, count 0 */, pad);
            m += pad;
            m += enc_head(enc + m, 5 /* string */, len);
            memset(enc + m, 's', len);
            m += len;
            uint64_t want[2], got[2];
            siphash24_128(dkey, enc, m, want);
            digest_of(text, got);
            if (got[0] != want[0] || got[1] != want[1])
                fail_msg("pad %zu, string of %zu: not the tag of the encoding", pad, len);
        }
}

static void test_strings(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    /* no escapes: the text points into the input */
    const char *t =
        "[\"plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\","
        "\"\\ud83d\\ude00\\u00e9\\u20AC\\u0041\"]";
    jread_val *v = parse_ok(&a, t, strlen(t));
    assert_int_equal(v->n, 3);
    const jread_val *s = v->child;
    assert_ptr_equal(s->text, t + 2);
    assert_int_equal(s->len, strlen("plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    s = s->next;
    assert_int_equal(s->len, 8);
    assert_memory_equal(s->text, "\"\\/\b\f\n\r\t", 8);
    s = s->next;
    assert_string_equal(s->text, "\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac"
                                 "A");
    arena_fini(&a);
}

/* Strings are scanned 8 plain bytes at a time (scan_string's word step) up to the first byte
 * the byte rules look at.  Every such byte -- the closing quote, a backslash, each control
 * byte, DEL and space (plain), UTF-8 lead and continuation bytes, 0xff -- at every position of
 * 0-40-byte strings over several fillers (ASCII, with multi-byte characters): the verdict and
 * the decoded text as jansson's, and (ASCII fillers) a refused byte's error at its own
 * position. */
static void test_string_scan_every_position(void **state)
{
    (void)state;
    static const unsigned char specials[] = {0x00, 0x01, 0x09, 0x0a, 0x1f, 0x20, '"', '\\',
                                             0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xf0, 0xff, 'A'};
    static const char *const fillers[] = {"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
                                          "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
                                          "a\xc3\xa9z\xe2\x82\xac-\xf0\x9f\x98\x80.............."
                                          "...................",
                                          "                                            "};
    size_t checked = 0, refused = 0;
    for (size_t f = 0; f < sizeof fillers / sizeof fillers[0]; f++) {
        for (size_t len = 1; len <= 40; len++) {
            for (size_t pos = 0; pos < len; pos++) {
                for (size_t k = 0; k < sizeof specials; k++) {
                    char t[64];
                    t[0] = '"';
                    memcpy(t + 1, fillers[f], len);
                    t[1 + pos] = (char)specials[k];
                    t[1 + len] = '"';
                    size_t n = len + 2;
                    arena_t a;
                    arena_init(&a);
                    jread_val *v = NULL;
                    jread_error e;
                    int rc = jread_parse(t, n, &a, &v, &e);
                    json_error_t je;
                    json_t *j = json_loadb(t, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
                    if ((rc == 0) != (j != NULL))
                        fail_msg("filler %zu len %zu pos %zu byte 0x%02x: jread %d, jansson %s",
                                 f, len, pos, specials[k], rc, j ? "accepts" : "refuses");
                    if (rc == 0) {
                        assert_int_equal(v->type, JREAD_STRING);
                        assert_int_equal(v->len, json_string_length(j));
                        assert_memory_equal(v->text, json_string_value(j), v->len);
                    } else {
                        refused++;
                        unsigned char c = specials[k];
                        if (f == 2) /* the byte may cut a character before it: jansson's
                                       verdict is the check */
                            ;
                        else if (c < 0x20) { /* refused at the byte itself */
                            char want[32];
                            snprintf(want, sizeof want, "control character 0x%x", c);
                            assert_string_equal(e.text, want);
                            assert_int_equal(e.position, 1 + pos);
                        } else if (c == 0xff) {
                            assert_string_equal(e.text, "unable to decode byte 0xff");
                            assert_int_equal(e.position, 1 + pos);
                        }
                    }
                    json_decref(j);
                    arena_fini(&a);
                    checked++;
                }
            }
        }
    }
    printf("string scan: %zu strings, %zu refused, all as jansson\n", checked, refused);
    assert_true(refused > 1000);
}

static void test_numbers(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    const char *t = "[0,-0,9223372036854775807,-9223372036854775808,1.5,-2e3,1E-400,12.50]";
    jread_val *v = parse_ok(&a, t, strlen(t));
    const jread_val *c = v->child;
    assert_int_equal(c->type, JREAD_INTEGER);
    assert_int_equal(c->num.i, 0);
    c = c->next->next;
    assert_true(c->num.i == 9223372036854775807LL);
    c = c->next;
    assert_true(c->num.i == -9223372036854775807LL - 1);
    c = c->next;
    assert_int_equal(c->type, JREAD_REAL);
    assert_true(c->num.d == 1.5);
    c = c->next->next;
    assert_true(c->num.d == 0.0); /* underflow is no error (as jansson) */
    c = c->next;
    /* the text as written: DynamoDB numbers travel as text */
    assert_int_equal(c->len, 5);
    assert_memory_equal(c->text, "12.50", 5);
    arena_fini(&a);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    const char *t = "{\"a\":1,\"b\":2,\"a\":{\"x\":[1]},\"a\\u0000\":4,\"b\":5,\"a\":3}";
    jread_val *v = parse_ok(&a, t, strlen(t));
    /* folded as json_loadb folds them: first place, last value */
    assert_int_equal(v->n, 3);
    assert_memory_equal(v->child->key, "a", 1);
    assert_int_equal(v->child->type, JREAD_INTEGER);
    assert_int_equal(v->child->num.i, 3);
    assert_int_equal(v->child->next->num.i, 5);
    assert_int_equal(v->child->next->next->key_len, 2);
    assert_int_equal(jread_get(v, "a", 1)->num.i, 3);
    json_t *j = jread_to_jansson(v);
    char *d = dump(j);
    assert_string_equal(d, "{\"a\":3,\"b\":5,\"a\\u0000\":4}");
    free(d);
    json_decref(j);
    /* a large object (the hashed path): 200 keys, each twice, and jansson's tree */
    char big[8192];
    size_t k = 0;
    big[k++] = '{';
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 200; i++)
            k += (size_t)snprintf(big + k, sizeof big - k, "%s\"k%d\":%d", k > 1 ? "," : "", i,
                                  r * 1000 + i);
    big[k++] = '}';
    v = parse_ok(&a, big, k);
    assert_int_equal(v->n, 200);
    assert_int_equal(jread_get(v, "k7", 2)->num.i, 1007);
    assert_ptr_equal(v->child->next, jread_get(v, "k1", 2));
    stats st = {0};
    compare(big, k, &st);
    assert_int_equal(st.same_ok, 1);
    /* jread_error.repeated counts the keys folded away, nested objects' too, on success (the
     * import refuses such a line: test_xport.c test_repeated_attribute_name_is_one_refused_
     * item); NUL-distinct keys are not repeats */
    jread_error e;
    assert_int_equal(jread_parse(t, strlen(t), &a, &v, &e), 0);
    assert_int_equal(e.repeated, 3);
    assert_int_equal(jread_parse(big, k, &a, &v, &e), 0);
    assert_int_equal(e.repeated, 200);
    const char *nest = "{\"m\":{\"k\":1,\"k\":2},\"k\":3}";
    assert_int_equal(jread_parse(nest, strlen(nest), &a, &v, &e), 0);
    assert_int_equal(e.repeated, 1);
    const char *once = "{\"a\":1,\"a\\u0000\":2,\"m\":{\"a\":3}}";
    assert_int_equal(jread_parse(once, strlen(once), &a, &v, &e), 0);
    assert_int_equal(e.repeated, 0);
    arena_fini(&a);
}

static char *nested(size_t depth, const char *inner)
{
    size_t n = strlen(inner);
    char *b = malloc(2 * depth + n + 1);
    memset(b, '[', depth);
    memcpy(b + depth, inner, n);
    memset(b + depth + n, ']', depth);
    b[2 * depth + n] = '\0';
    return b;
}

static void test_depth(void **state)
{
    (void)state;
    stats st = {0};
    /* the limit counts every value, scalars too, like jansson's */
    const size_t depths[] = {
        1, 31, 32, 33, JREAD_MAX_DEPTH - 1, JREAD_MAX_DEPTH, JREAD_MAX_DEPTH + 1, 100000};
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        for (int k = 0; k < 2; k++) {
            char *b = nested(depths[i], k ? "1" : "");
            compare(b, strlen(b), &st);
            arena_t a;
            arena_init(&a);
            jread_val *v;
            jread_error e;
            int rc = jread_parse(b, strlen(b), &a, &v, &e);
            bool ok = depths[i] + (size_t)k <= JREAD_MAX_DEPTH;
            assert_int_equal(rc, ok ? 0 : -1);
            if (!ok)
                assert_string_equal(e.text, "maximum parsing depth reached");
            arena_fini(&a);
            free(b);
        }
    }
    assert_int_equal(st.same_ok, 11);
    assert_int_equal(st.same_err, 5);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    a.max = 1; /* no block can be had */
    jread_val *v;
    jread_error e;
    assert_int_equal(jread_parse("{\"a\":[1]}", 9, &a, &v, &e), -1);
    assert_true(e.nomem);
    arena_fini(&a);
}

/* jread_parse of the text t, for its verdict and e alone */
static int parse_into(arena_t *a, const char *t, jread_error *e)
{
    jread_val *v;
    return jread_parse(t, strlen(t), a, &v, e);
}

/* One jread_error reused across parses, as a caller's loop does (ops/xport.c reads
 * `repeated` after each success): jread_parse does not clear the whole struct (only the
 * error path writes its position and text), so what a success leaves must still read as one:
 * repeated counts this parse's folded keys only and nomem is false; a failure after a success
 * or an out-of-memory gives its own position, text and nomem. */
static void test_error_struct_reused(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    jread_error e;
    memset(&e, 0x5a, sizeof e); /* whatever the caller's stack held */
    assert_int_equal(parse_into(&a, "{\"a\":1,\"a\":2}", &e), 0);
    assert_false(e.nomem);
    assert_int_equal(e.repeated, 1);
    assert_int_equal(parse_into(&a, "{\"a\":1}", &e), 0);
    assert_int_equal(e.repeated, 0);
    assert_false(e.nomem);
    assert_int_equal(parse_into(&a, "{\"a\" 1}", &e), -1);
    assert_false(e.nomem);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.column, 6);
    assert_int_equal(e.position, 5);
    assert_string_equal(e.text, "':' expected");
    arena_t tiny;
    arena_init(&tiny);
    tiny.max = 1;
    assert_int_equal(parse_into(&tiny, "{\"a\":[1]}", &e), -1);
    assert_true(e.nomem);
    arena_fini(&tiny);
    assert_int_equal(parse_into(&a, "[1,]", &e), -1);
    assert_false(e.nomem); /* the last failure's nomem does not stay */
    assert_int_equal(e.position, 3);
    assert_int_equal(parse_into(&a, "[1]", &e), 0);
    assert_false(e.nomem);
    assert_int_equal(e.repeated, 0);
    arena_fini(&a);
}

/* jread_ws / jread_skip: a value's extent in text (the one skipper of the stream reader's
 * reply scan and SearchVectors' member walk), and false with n when the text ends first. */
static void test_skip(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t at, want;
        bool ok;
    } cases[] = {
        {"\"ab\\\"c\" ,", 0, 7, true},      /* a string with escapes */
        {"{\"a\":[1,{\"b\":\"]}\"}]} x", 0, 20, true}, /* brackets inside a string */
        {"[[],{}]", 0, 7, true},
        {"-1.5e3,", 0, 6, true},                   /* a scalar up to its delimiter */
        {"true}", 0, 4, true},
        {"null", 0, 4, true},                      /* ... or the end */
        {",", 0, 0, true},                         /* nothing before a delimiter */
        {"\"open", 0, 5, false},                  /* ends first */
        {"{\"a\":[1,2}", 0, 10, false},
        {"{\"a\":\"}", 0, 7, false},
        {"", 0, 0, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = strlen(cases[c].text), i = cases[c].at;
        bool ok = jread_skip(cases[c].text, n, &i);
        if (ok != cases[c].ok || i != cases[c].want)
            fail_msg("case %zu (%s): %d at %zu", c, cases[c].text, ok, i);
    }
    assert_int_equal(jread_ws(" \t\r\n x", 7, 0), 5);
    assert_int_equal(jread_ws("   ", 3, 1), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_classes),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_nul_in_keys),
        cmocka_unit_test(test_digest_both_ways),
        cmocka_unit_test(test_digest_same_request),
        cmocka_unit_test(test_digest_is_siphash_of_its_encoding),
        cmocka_unit_test(test_digest_but_a_member),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_string_scan_every_position),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_error_struct_reused),
        cmocka_unit_test(test_corpora_identical),
        cmocka_unit_test(test_skip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
