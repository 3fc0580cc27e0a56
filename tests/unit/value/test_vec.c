/*
 * Unit tests for value/vec: the distance functions of vector indexes (COSINE, EUCLIDEAN,
 * DOT_PRODUCT as the API Reference defines their scores, rounded through float as the
 * conformance suite's tier2 vectorSearch/search pins them against AWS), a number's text read
 * as a float (out-of-range and non-numbers refused), and a float's shortest text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/vec.h"

static double score(vec_fn fn, float a0, float a1, float a2, float b0, float b1, float b2)
{
    const float a[3] = {a0, a1, a2}, b[3] = {b0, b1, b2};
    return vec_score(fn, a, b, 3);
}

/* the suite's fixture: query (1,0,0) against a = same, b orthogonal, c opposite, d a unit mix */
static void test_cosine(void **state)
{
    (void)state;
    assert_true(score(VEC_COSINE, 1, 0, 0, 1, 0, 0) == 0.0);
    assert_true(score(VEC_COSINE, 1, 0, 0, 0, 1, 0) == 1.0);
    assert_true(score(VEC_COSINE, 1, 0, 0, -1, 0, 0) == 2.0);
    assert_true(fabs(score(VEC_COSINE, 1, 0, 0, 0.6f, 0.8f, 0) - (double)0.4f) < 5e-7);
    /* scale does not matter, direction does */
    assert_true(score(VEC_COSINE, 2, 0, 0, 7, 0, 0) == 0.0);
    /* a zero vector has no direction: scored as orthogonal */
    assert_true(score(VEC_COSINE, 0, 0, 0, 1, 0, 0) == 1.0);
}

static void test_euclidean(void **state)
{
    (void)state;
    assert_true(score(VEC_EUCLIDEAN, 1, 0, 0, 1, 0, 0) == 0.0);
    assert_true(score(VEC_EUCLIDEAN, 1, 0, 0, -1, 0, 0) == 2.0);
    assert_true(fabs(score(VEC_EUCLIDEAN, 1, 0, 0, 0, 1, 0) - (double)(float)sqrt(2)) < 1e-7);
    assert_true(fabs(score(VEC_EUCLIDEAN, 1, 0, 0, 0.6f, 0.8f, 0) - (double)(float)sqrt(0.8)) <
                5e-7);
}

static void test_dot(void **state)
{
    (void)state;
    assert_true(score(VEC_DOT_PRODUCT, 1, 0, 0, 1, 0, 0) == 1.0);
    assert_true(score(VEC_DOT_PRODUCT, 1, 0, 0, 0, 1, 0) == 0.0);
    assert_true(score(VEC_DOT_PRODUCT, 1, 0, 0, -1, 0, 0) == -1.0);
    assert_true(fabs(score(VEC_DOT_PRODUCT, 1, 0, 0, 0.6f, 0.8f, 0) - (double)0.6f) < 1e-7);
    assert_true(vec_fn_higher_closer(VEC_DOT_PRODUCT));
    assert_false(vec_fn_higher_closer(VEC_COSINE));
    assert_false(vec_fn_higher_closer(VEC_EUCLIDEAN));
}

/* scores come back rounded through float, the index's precision */
static void test_score_is_float(void **state)
{
    (void)state;
    double s = score(VEC_DOT_PRODUCT, 0.1f, 0, 0, 1, 0, 0);
    assert_true(s == (double)(float)s);
    assert_true(s == (double)0.1f);
}

/* every element fits a float, their products need not: the score is the largest float of its
 * sign (AWS 2026-08-13, as Dynoxide records it), never infinity; products that cancel in the
 * double sum score exactly 0 */
static void test_score_beyond_float(void **state)
{
    (void)state;
    assert_true(score(VEC_DOT_PRODUCT, 3e38f, 3e38f, 0, 3e38f, 3e38f, 0) == FLT_MAX);
    assert_true(score(VEC_DOT_PRODUCT, 3e38f, 3e38f, 0, -3e38f, -3e38f, 0) == -FLT_MAX);
    assert_true(score(VEC_DOT_PRODUCT, 3e38f, -3e38f, 0, 3e38f, 3e38f, 0) == 0.0);
    assert_true(score(VEC_EUCLIDEAN, 3e38f, 3e38f, 0, -3e38f, -3e38f, 0) == FLT_MAX);
    assert_true(score(VEC_COSINE, 3e38f, 3e38f, 0, 3e38f, 3e38f, 0) == 0.0);
}

static void test_fn_names(void **state)
{
    (void)state;
    static const char *const names[] = {"COSINE", "EUCLIDEAN", "DOT_PRODUCT"};
    for (int i = 0; i < 3; i++) {
        vec_fn fn;
        assert_true(vec_fn_parse(names[i], strlen(names[i]), &fn));
        assert_int_equal(fn, i);
        assert_string_equal(vec_fn_name(fn), names[i]);
    }
    vec_fn fn;
    assert_false(vec_fn_parse("cosine", 6, &fn));
    assert_false(vec_fn_parse("COSINE ", 7, &fn));
    assert_false(vec_fn_parse(NULL, 0, &fn));
}

static void test_from_text(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        float want;
    } cases[] = {
        {"1", true, 1.0f},
        {"-0.5", true, -0.5f},
        {"0.1", true, 0.1f},
        {"16777217", true, 16777216.0f},            /* the first integer a float cannot hold */
        {"1.000000059604644775390625", true, 1.0f}, /* 1 + 2^-24, a tie: to even */
        {"1E-50", true, 0.0f},                      /* below the smallest float: 0 */
        {"3.4E38", true, 3.4e38f},
        {"1E39", false, 0}, /* beyond FLT_MAX */
        {"-1E39", false, 0},
        {"abc", false, 0},
        {"inf", false, 0},
        {"nan", false, 0},
        {"0x10", false, 0},
        {"", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float f = -7;
        bool ok = vec_f32_from_text(cases[i].text, strlen(cases[i].text), &f);
        if (ok != cases[i].ok)
            fail_msg("%s: %d", cases[i].text, ok);
        if (ok && f != cases[i].want)
            fail_msg("%s: %.9g != %.9g", cases[i].text, f, cases[i].want);
    }
}

/* the fast reading of short decimals gives strtof's float, every time: random decimals of 1 to
 * 17 digits at many scales, and the float midpoints' own short neighbours */
static void test_from_text_vs_strtof(void **state)
{
    (void)state;
    srand(12345);
    char t[64];
    long bad = 0;
    for (int i = 0; i < 300000; i++) {
        int nd = 1 + rand() % 17, point = rand() % (nd + 8);
        size_t o = 0;
        if (rand() % 3 == 0)
            t[o++] = '-';
        if (point >= nd) { /* 0.000ddd */
            t[o++] = '0';
            t[o++] = '.';
            for (int z = 0; z < point - nd; z++)
                t[o++] = '0';
            for (int d = 0; d < nd; d++)
                t[o++] = (char)('0' + rand() % 10);
        } else {
            for (int d = 0; d < nd; d++) {
                if (d == point && d > 0)
                    t[o++] = '.';
                t[o++] = (char)('0' + rand() % 10);
            }
        }
        t[o] = '\0';
        float got = -1, want = strtof(t, NULL);
        if (!vec_f32_from_text(t, o, &got) || memcmp(&got, &want, sizeof got) != 0) {
            if (bad++ < 5)
                printf("%s: %.9g != %.9g\n", t, got, want);
        }
    }
    /* halfway between two floats, and a hair either side */
    static const char *const ties[] = {"1.000000059604644775390625",
                                       "16777217",
                                       "16777219",
                                       "0.100000001490116119384765625",
                                       "33554434",
                                       "16777217.000001",
                                       "16777216.999999"};
    for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++) {
        float got = -1, want = strtof(ties[i], NULL);
        assert_true(vec_f32_from_text(ties[i], strlen(ties[i]), &got));
        if (got != want)
            fail_msg("%s: %.9g != %.9g", ties[i], got, want);
    }
    assert_int_equal(bad, 0);
}

/* vec_f32_fits answers as vec_f32_from_text does: the boundary texts, then 200,000 random
 * plain decimals of 1 to 45 integer digits (with and without a fraction, either sign) */
static void test_fits(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0", "-0", "0.5", "1", "-1", "99999999999999999999999999999999999999",
        "340282346638528859811704183484516925440",  /* FLT_MAX */
        "-340282346638528859811704183484516925440",
        "340282356779733661637539395458142568448",  /* halfway to 2^128: infinity */
        "340282356779733661637539395458142568447",  /* just below: FLT_MAX */
        "340282366920938463463374607431768211455",  /* 2^128 - 1: infinity */
        "340282356779733661637539395458142568449.5",
        "999999999999999999999999999999999999999", "1000000000000000000000000000000000000000",
        "1E+39", "1e38", "3.4e38", "3.5e38", "0.0000000000000000000000000000000000000000000001",
    };
    float f;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (vec_f32_fits(texts[i], strlen(texts[i])) !=
            vec_f32_from_text(texts[i], strlen(texts[i]), &f))
            fail_msg("%s", texts[i]);
    unsigned seed = 11;
    char buf[128];
    for (int k = 0; k < 200000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t nd = 1 + (seed >> 8) % 45, n = 0;
        if ((seed >> 20) & 1)
            buf[n++] = '-';
        for (size_t d = 0; d < nd; d++) {
            seed = seed * 1103515245u + 12345u;
            buf[n++] = (char)('0' + (d == 0 && nd > 1 ? 1 + (seed >> 16) % 9 : (seed >> 16) % 10));
        }
        if ((seed >> 24) & 1) {
            buf[n++] = '.';
            for (int d = 0; d < 3; d++)
                buf[n++] = (char)('0' + (seed >> (d * 3)) % 10);
        }
        if (vec_f32_fits(buf, n) != vec_f32_from_text(buf, n, &f))
            fail_msg("%.*s", (int)n, buf);
    }
}

static void test_f32_text(void **state)
{
    (void)state;
    static const struct {
        float f;
        const char *want;
    } cases[] = {
        /* a whole number with ".0", as the index hands it back (AWS 2026-08-11, Dynoxide) */
        {1.0f, "1.0"},
        {0.0f, "0.0"},
        {-0.0f, "0.0"},
        {0.1f, "0.1"},
        {-0.5f, "-0.5"},
        {16777216.0f, "16777216.0"},
        {-3.0f, "-3.0"},
        {1.0000001192092896f, "1.0000001"},
        {0.6f, "0.6"},
        {1e-7f, "0.0000001"},
        {3.4028235e38f, "340282350000000000000000000000000000000.0"},
        {1.17549435e-38f, "0.000000000000000000000000000000000000011754944"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char t[VEC_TEXT_MAX];
        size_t n = vec_f32_text(cases[i].f, t);
        assert_int_equal(n, strlen(t));
        if (strcmp(t, cases[i].want))
            fail_msg("%.9g: %s != %s", cases[i].f, t, cases[i].want);
        /* and it reads back as the same float */
        float back;
        assert_true(vec_f32_from_text(t, n, &back));
        assert_true(back == cases[i].f);
    }
    /* the smallest subnormal fits the buffer */
    char t[VEC_TEXT_MAX];
    float tiny = 1.4e-45f;
    size_t n = vec_f32_text(tiny, t);
    assert_true(n < VEC_TEXT_MAX);
    float back;
    assert_true(vec_f32_from_text(t, n, &back));
    assert_true(back == tiny);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cosine),
        cmocka_unit_test(test_euclidean),
        cmocka_unit_test(test_dot),
        cmocka_unit_test(test_score_beyond_float),
        cmocka_unit_test(test_score_is_float),
        cmocka_unit_test(test_fn_names),
        cmocka_unit_test(test_from_text),
        cmocka_unit_test(test_f32_text),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_from_text_vs_strtof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
