/*
 * Unit tests for value/keycodec: memcmp order of encodings equals DynamoDB order of values
 * (S and B bytewise unsigned, N numeric), for single components and for concatenated
 * (composite) keys; decode(encode(x)) == x; malformed encodings are rejected.
 *
 * The orders used as reference here are written in this file (bytewise compare with length
 * tie-break) or come from num_cmp, which tests/unit/value/test_num.c checks against an
 * independent big-integer reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/keycodec.h"
#include "value/num.h"

#define ITER 20000

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static long rnd_in(long lo, long hi)
{
    return lo + (long)(rnd() % (uint64_t)(hi - lo + 1));
}

static int sgn(long v)
{
    return (v > 0) - (v < 0);
}

/* ---- values ----------------------------------------------------------------------------- */

typedef struct val {
    av_type t;
    char text[NUM_MAX_TEXT + 64]; /* S/B bytes or N canonical text */
    size_t len;
} val_t;

static av_t val_av(const val_t *v)
{
    av_t a;
    memset(&a, 0, sizeof a);
    a.type = v->t;
    a.u.str.ptr = v->text;
    a.u.str.len = v->len;
    return a;
}

/* Random bytes biased toward the interesting ones (0x00, 0x01, 0xFF, shared prefixes). */
static void gen_bytes(val_t *v, av_type t)
{
    static const unsigned char pool[] = {0x00, 0x00, 0x01, 0xFF, 0xFE, 'a', 'b', 0x80, 0x7F};
    v->t = t;
    v->len = (size_t)rnd_in(0, 12);
    for (size_t i = 0; i < v->len; i++)
        v->text[i] = (char)(rnd() % 3 ? pool[rnd() % sizeof pool] : (unsigned char)rnd());
}

/* Random valid number, canonical text. */
static void gen_num(val_t *v)
{
    char text[128];
    num_t n;
    v->t = AV_N;
    for (;;) {
        size_t k = 0;
        int nd = (int)rnd_in(1, rnd() % 2 ? 3 : 38);
        if (rnd() % 2)
            text[k++] = '-';
        for (int i = 0; i < nd; i++)
            text[k++] = (char)('0' + (rnd() % 4 == 0 ? 0 : rnd_in(0, 9)));
        long ex = rnd() % 2 ? rnd_in(-3, 3) : rnd_in(-140, 130);
        k += (size_t)snprintf(text + k, 24, "E%ld", ex);
        if (rnd() % 10 == 0)
            snprintf(text, sizeof text, "%s", rnd() % 2 ? "0" : "-0.00");
        if (num_parse(text, strlen(text), &n, NULL) == 0)
            break;
    }
    v->len = num_format(&n, v->text, sizeof v->text);
}

static void gen(val_t *v, av_type t)
{
    if (t == AV_N)
        gen_num(v);
    else
        gen_bytes(v, t);
}

/* Reference order. */
static int ref_cmp(const val_t *a, const val_t *b)
{
    if (a->t == AV_N)
        return sgn(num_cmp_text(a->text, a->len, b->text, b->len));
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++)
        if (a->text[i] != b->text[i])
            return (unsigned char)a->text[i] < (unsigned char)b->text[i] ? -1 : 1;
    return sgn((long)a->len - (long)b->len);
}

static int enc_cmp(const buf_t *x, const buf_t *y)
{
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    return c != 0 ? sgn(c) : sgn((long)x->len - (long)y->len);
}

static void encode(const val_t *v, buf_t *b)
{
    av_t a = val_av(v);
    assert_int_equal(key_encode(&a, b), 0);
}

/* decode one component at *off, compare with v */
static void check_decode(const val_t *v, const buf_t *b, size_t *off, arena_t *ar)
{
    av_t out;
    size_t used = 0;
    assert_int_equal(key_decode(v->t, b->data + *off, b->len - *off, ar, &out, &used), 0);
    assert_int_equal(out.type, v->t);
    assert_int_equal(out.u.str.len, v->len);
    assert_memory_equal(out.u.str.ptr, v->text, v->len);
    *off += used;
}

static const char *tname(av_type t)
{
    return t == AV_S ? "S" : t == AV_N ? "N" : "B";
}

/* ---- single components ------------------------------------------------------------------ */

static void check_single(av_type t, uint64_t seed)
{
    rng_state = seed;
    buf_t x, y;
    arena_t ar;
    buf_init(&x, 0);
    buf_init(&y, 0);
    arena_init(&ar);
    int seen[3] = {0, 0, 0};
    val_t a, b;
    for (int it = 0; it < ITER; it++) {
        gen(&a, t);
        if (rnd() % 8 == 0)
            b = a; /* equal values */
        else
            gen(&b, t);
        buf_reset(&x);
        buf_reset(&y);
        encode(&a, &x);
        encode(&b, &y);
        int want = ref_cmp(&a, &b), got = enc_cmp(&x, &y);
        if (want != got)
            fail_msg("%s pair %d: ref %d, encoding %d (%.*s vs %.*s)", tname(t), it, want, got,
                     (int)a.len, a.text, (int)b.len, b.text);
        seen[want + 1]++;
        size_t off = 0;
        check_decode(&a, &x, &off, &ar);
        assert_int_equal(off, x.len); /* self-delimiting: consumes exactly its bytes */
        if (it % 1000 == 0)
            arena_reset(&ar);
    }
    assert_true(seen[0] > ITER / 10 && seen[1] > ITER / 20 && seen[2] > ITER / 10);
    buf_fini(&x);
    buf_fini(&y);
    arena_fini(&ar);
}

static void test_order_s(void **state)
{
    check_single(AV_S, 1);
}
static void test_order_n(void **state)
{
    check_single(AV_N, 2);
}
static void test_order_b(void **state)
{
    check_single(AV_B, 3);
}

/* ---- composite keys --------------------------------------------------------------------- */

static void check_composite(av_type t1, av_type t2, uint64_t seed)
{
    rng_state = seed;
    buf_t x, y;
    arena_t ar;
    buf_init(&x, 0);
    buf_init(&y, 0);
    arena_init(&ar);
    /* small pools for the first component so that ties (decided by the second) are common */
    val_t pool[16];
    for (int i = 0; i < 16; i++)
        gen(&pool[i], t1);
    int ties = 0;
    for (int it = 0; it < ITER; it++) {
        val_t a1 = pool[rnd() % 16], b1 = pool[rnd() % 16], a2, b2;
        gen(&a2, t2);
        gen(&b2, t2);
        buf_reset(&x);
        buf_reset(&y);
        encode(&a1, &x);
        encode(&a2, &x);
        encode(&b1, &y);
        encode(&b2, &y);
        int c1 = ref_cmp(&a1, &b1);
        int want = c1 != 0 ? c1 : ref_cmp(&a2, &b2);
        ties += c1 == 0;
        int got = enc_cmp(&x, &y);
        if (want != got)
            fail_msg("(%s,%s) pair %d: ref %d, encoding %d", tname(t1), tname(t2), it, want, got);
        /* a prefix of components is a prefix of the encoding; decode both components */
        size_t off = 0;
        check_decode(&a1, &x, &off, &ar);
        check_decode(&a2, &x, &off, &ar);
        assert_int_equal(off, x.len);
        if (it % 1000 == 0)
            arena_reset(&ar);
    }
    assert_true(ties > ITER / 50);
    buf_fini(&x);
    buf_fini(&y);
    arena_fini(&ar);
}

static void test_composite(void **state)
{
    static const av_type ts[] = {AV_S, AV_N, AV_B};
    uint64_t seed = 100;
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            check_composite(ts[i], ts[j], seed++);
}

/* ---- fixed cases ------------------------------------------------------------------------ */

static void test_known_encodings(void **state)
{
    static const struct {
        const char *name;
        av_type t;
        const char *in;
        size_t inlen;
        const char *enc;
        size_t enclen;
    } cases[] = {
        {"empty S", AV_S, "", 0, "\x00\x00", 2},
        {"S abc", AV_S, "abc", 3, "abc\x00\x00", 5},
        {"S with zero", AV_S, "a\0b", 3, "a\x00\xff" "b\x00\x00", 6},
        {"B zero byte", AV_B, "\0", 1, "\x00\xff\x00\x00", 4},
        {"N zero", AV_N, "0", 1, "\x02", 1},
        {"N 1", AV_N, "1", 1, "\x03\x82\x0b\x00", 4},        /* exp 1 -> 130; pair 10+1 */
        {"N 12", AV_N, "12", 2, "\x03\x83\x0d\x00", 4},      /* pair 12+1 */
        {"N 123", AV_N, "123", 3, "\x03\x84\x0d\x1f\x00", 5},
        {"N -1", AV_N, "-1", 2, "\x01\x7d\xf4\xff", 4},      /* inverted */
        {"N 0.01", AV_N, "0.01", 4, "\x03\x80\x0b\x00", 4}, /* exp -1 -> 128 */
    };
    buf_t b;
    buf_init(&b, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        av_t a;
        memset(&a, 0, sizeof a);
        a.type = cases[i].t;
        a.u.str.ptr = cases[i].in;
        a.u.str.len = cases[i].inlen;
        buf_reset(&b);
        assert_int_equal(key_encode(&a, &b), 0);
        if (b.len != cases[i].enclen || memcmp(b.data, cases[i].enc, b.len) != 0)
            fail_msg("%s: encoding differs (len %zu)", cases[i].name, b.len);
    }
    buf_fini(&b);
}

static void test_number_order_fixed(void **state)
{
    static const char *ordered[] = {
        "-9.9999999999999999999999999999999999999E+125", "-1E125", "-100", "-99", "-10.5",
        "-10", "-9.99", "-1.1", "-1.01", "-1", "-0.5", "-1E-130", "0", "1E-130", "0.5", "1",
        "1.01", "1.1", "9.99", "10", "10.5", "99", "100", "12345678901234567890123456789012345678",
        "1E125", "9.9999999999999999999999999999999999999E+125",
    };
    size_t n = sizeof ordered / sizeof ordered[0];
    buf_t enc[32];
    for (size_t i = 0; i < n; i++) {
        char c[NUM_MAX_TEXT];
        int len = num_canonical(ordered[i], strlen(ordered[i]), c, sizeof c, NULL);
        assert_true(len > 0);
        av_t a;
        memset(&a, 0, sizeof a);
        a.type = AV_N;
        a.u.str.ptr = c;
        a.u.str.len = (size_t)len;
        buf_init(&enc[i], 0);
        assert_int_equal(key_encode(&a, &enc[i]), 0);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (enc_cmp(&enc[i], &enc[j]) != sgn((long)i - (long)j))
                fail_msg("%s vs %s", ordered[i], ordered[j]);
    for (size_t i = 0; i < n; i++)
        buf_fini(&enc[i]);
}

static void test_errors(void **state)
{
    arena_t ar;
    arena_init(&ar);
    av_t out;
    size_t used = 99;
    buf_t b;
    buf_init(&b, 0);
    /* unsupported type, invalid number: nothing appended */
    av_t v;
    memset(&v, 0, sizeof v);
    v.type = AV_BOOL;
    assert_int_equal(key_encode(&v, &b), ERR_INTERNAL);
    v.type = AV_N;
    v.u.str.ptr = "abc";
    v.u.str.len = 3;
    assert_true(key_encode(&v, &b) < 0);
    assert_int_equal(b.len, 0);
    /* a buffer maximum is respected and leaves the buffer unchanged */
    buf_t small;
    buf_init(&small, 4);
    v.type = AV_S;
    v.u.str.ptr = "abcdef";
    v.u.str.len = 6;
    assert_int_equal(key_encode(&v, &small), ERR_NOMEM);
    assert_int_equal(small.len, 0);
    /* the bytes fit, their terminator does not (key_encode_bytes' one reservation) */
    v.u.str.len = 3;
    assert_int_equal(key_encode(&v, &small), ERR_NOMEM);
    assert_int_equal(small.len, 0);
    v.u.str.len = 2;
    assert_int_equal(key_encode(&v, &small), 0);
    assert_int_equal(small.len, 4);
    assert_memory_equal(small.data, "ab\x00\x00", 4);
    buf_fini(&small);
    /* malformed inputs */
    static const struct {
        const char *name;
        av_type t;
        const char *p;
        size_t len;
    } bad[] = {
        {"S empty input", AV_S, "", 0},
        {"S no terminator", AV_S, "abc", 3},
        {"S half terminator", AV_S, "abc\x00", 4},
        {"S bad escape", AV_S, "a\x00\x01", 3},
        {"N empty", AV_N, "", 0},
        {"N bad tag", AV_N, "\x04", 1},
        {"N truncated", AV_N, "\x03\x82\x0b", 3},
        {"N pair > 100", AV_N, "\x03\x82\x65\x00", 4},
        {"N no digits", AV_N, "\x03\x82\x00", 3},
        {"N leading zero", AV_N, "\x03\x82\x02\x00", 4},
        {"N trailing zero pair", AV_N, "\x03\x82\x0c\x01\x00", 5},
        {"N 20 pairs", AV_N,
         "\x03\x82\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c"
         "\x0c\x00",
         23},
        {"BOOL", AV_BOOL, "\x01", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (key_decode(bad[i].t, bad[i].p, bad[i].len, &ar, &out, &used) != ERR_INTERNAL)
            fail_msg("%s: accepted", bad[i].name);
    /* decoding stops at the terminator: trailing bytes belong to the next component */
    assert_int_equal(key_decode(AV_S, "ab\x00\x00zz", 6, &ar, &out, &used), 0);
    assert_int_equal(used, 4);
    assert_int_equal(out.u.str.len, 2);
    assert_int_equal(key_decode(AV_N, "\x01\x7d\xf4\xff\x02", 5, &ar, &out, &used), 0);
    assert_int_equal(used, 4);
    assert_int_equal(out.u.str.len, 2);
    assert_memory_equal(out.u.str.ptr, "-1", 2);
    buf_fini(&b);
    arena_fini(&ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_encodings),
        cmocka_unit_test(test_number_order_fixed),
        cmocka_unit_test(test_order_s),
        cmocka_unit_test(test_order_n),
        cmocka_unit_test(test_order_b),
        cmocka_unit_test(test_composite),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
