/*
 * Unit tests for expr/expr_eval: every comparison operator across types (different types are
 * never equal, "<>" is true for a missing attribute, ordering only for N / S / B), BETWEEN,
 * IN, AND / OR / NOT precedence, every function, document paths into maps and lists, and a
 * missing item.  Expected results were checked against DynamoDB Local (the golden corpus
 * replays the same rules end to end).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static const char *ITEM =
    "{\"s\":{\"S\":\"hello\"},\"s2\":{\"S\":\"h\xc3\xa9llo\"},\"emoji\":{\"S\":"
    "\"a\xf0\x9f\x98\x80\"},"
    "\"n\":{\"N\":\"5\"},\"neg\":{\"N\":\"-1.5\"},\"b\":{\"B\":\"YWJj\"},\"t\":{\"BOOL\":true},"
    "\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"},{\"M\":{\"x\":{\"S\":\"y\"}}}]"
    "},"
    "\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"}}},\"s\":{\"S\":\"x\"}}},"
    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"YQ==\"]},"
    "\"date\":{\"S\":\"d\"}}";

static const char *VALS =
    "{\":s\":{\"S\":\"hello\"},\":h\":{\"S\":\"he\"},\":x\":{\"S\":\"x\"},\":n\":{\"N\":\"5\"},"
    "\":n5\":{\"N\":\"5.00\"},\":n1\":{\"N\":\"1\"},\":n2\":{\"N\":\"2\"},\":n3\":{\"N\":\"3\"},\":"
    "n9\":{\"N\":\"9\"},"
    "\":neg\":{\"N\":\"-1.5\"},\":b\":{\"B\":\"YWJj\"},\":bp\":{\"B\":\"YWI=\"},\":bb\":{\"B\":"
    "\"Yg==\"},"
    "\":t\":{\"BOOL\":true},\":z\":{\"NULL\":true},\":a\":{\"S\":\"a\"},\":y\":{\"S\":\"y\"},"
    "\":ss\":{\"SS\":[\"b\",\"a\"]},\":ns\":{\"NS\":[\"2.50\",\"1\"]},\":mx\":{\"M\":{\"x\":{\"S\":"
    "\"y\"}}},"
    "\":m\":{\"M\":{\"s\":{\"S\":\"x\"},\"a\":{\"M\":{\"b\":{\"N\":\"1.0\"}}}}},\":tS\":{\"S\":"
    "\"S\"},"
    "\":tN\":{\"S\":\"N\"},\":tM\":{\"S\":\"M\"},\":tSS\":{\"S\":\"SS\"},\":tNULL\":{\"S\":"
    "\"NULL\"}}";

typedef struct ecase {
    const char *text;
    bool want;
} ecase;

static const ecase cases[] = {
    {"s = :s", true},
    {"s = :x", false},
    {"s <> :x", true},
    {"s <> :s", false},
    {"s = :n", false},
    {"s <> :n", true},
    {"nope = :s", false},
    {"nope <> :s", true},
    {"n = :n5", true},
    {"n < :n9", true},
    {"n <= :n", true},
    {"n > :n9", false},
    {"n >= :n5", true},
    {"neg < :n1", true},
    {"neg = :neg", true},
    {"s < :x", true},
    {"s > :h", true},
    {"s2 > :s", true},
    {"b > :bp", true},
    {"b < :bb", true},
    {"s < :n", false},
    {"nope < :n", false},
    {"m = :m", true},
    {"ss = :ss", true},
    {"ns = :ns", true},
    {"l = :m", false},
    {"t = :t", true},
    {"z = :z", true},
    {"n BETWEEN :n1 AND :n9", true},
    {"n BETWEEN :n AND :n5", true},
    {"neg BETWEEN :n1 AND :n9", false},
    {"s BETWEEN :h AND :x", true},
    {"s BETWEEN :n1 AND :n9", false},
    {"nope BETWEEN :n1 AND :n9", false},
    {"size(s) BETWEEN :n1 AND :n9", true},
    {"n IN (:n1, :n5)", true},
    {"n IN (:n1, :n2)", false},
    {"s IN (:n, :s)", true},
    {"m IN (:m)", true},
    {"nope IN (:s)", false},
    {"s IN (m.s, :s)", true},
    {"s = :s AND n = :n1", false},
    {"s = :x OR n = :n", true},
    {"s = :x AND n = :n1 OR s = :s", true}, /* AND binds tighter than OR */
    {"s = :s OR n = :n1 AND s = :x", true},
    {"(s = :s OR n = :n1) AND s = :x", false},
    {"NOT s = :x AND n = :n1", false}, /* NOT binds tighter than AND */
    {"NOT (s = :x AND n = :n1)", true},
    {"NOT NOT s = :s", true},
    {"attribute_exists(s)", true},
    {"attribute_exists(nope)", false},
    {"attribute_not_exists(nope)", true},
    {"attribute_exists(m.a.b)", true},
    {"attribute_exists(m.a.x)", false},
    {"attribute_exists(l[2].x)", true},
    {"attribute_exists(l[3])", false},
    {"attribute_exists(s.x)", false},
    {"attribute_exists(z)", true},
    {"attribute_exists(#d)", true},
    {"attribute_type(s, :tS)", true},
    {"attribute_type(n, :tN)", true},
    {"attribute_type(m, :tM)", true},
    {"attribute_type(ss, :tSS)", true},
    {"attribute_type(z, :tNULL)", true},
    {"attribute_type(s, :tN)", false},
    {"attribute_type(nope, :tS)", false},
    {"attribute_type(:s, :tS)", true},
    {"begins_with(s, :h)", true},
    {"begins_with(s, :x)", false},
    {"begins_with(b, :bp)", true},
    {"begins_with(b, :bb)", false},
    {"begins_with(n, :h)", false},
    {"begins_with(nope, :h)", false},
    {"contains(s, :h)", true},
    {"contains(s, :x)", false},
    {"contains(b, :bb)", true},
    {"contains(ss, :a)", true},
    {"contains(ss, :x)", false},
    {"contains(ns, :n1)", true},
    {"contains(ss, :n1)", false},
    {"contains(l, :a)", true},
    {"contains(l, :mx)", true},
    {"contains(m, :x)", false},
    {"contains(n, :n)", false},
    {"NOT contains(nope, :a)", true},
    {"size(s) = :n", true},
    {"size(s2) = :n", true}, /* characters, not bytes */
    {"size(emoji) = :n3", true},
    /* UTF-16 code units, as DynamoDB Local */ {"size(b) = :n", false},
    {"size(ss) = :n2", true},
    {"size(l) > :n2", true},
    {"size(m) = :n2", true},
    {"size(n) = :n1", false},
    {"size(n) <> :n1", true},
    {"size(nope) <> :n1", true},
    {"size(:s) = :n", true},
    {"m.a.b = :n1", true},
    {"l[1] = :n1", true},
    {"l[2].x = :y", true},
    {"#m.#a.b = :n1", true},
    {"l[9] = :n1", false},
    {"m.s.x = :x", false},
};

static void test_table(void **state)
{
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        av_t item = titem(&a, ITEM);
        /* only the placeholders the case uses, so the unused check passes */
        av_t all = titem(&a, VALS);
        av_kv *kv = arena_alloc(&a, all.u.map.n * sizeof *kv);
        size_t k = 0;
        for (size_t j = 0; j < all.u.map.n; j++) {
            const char *p = strstr(cases[i].text, all.u.map.kv[j].name);
            while (p) {
                char c = p[all.u.map.kv[j].name_len];
                if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9'))) {
                    kv[k++] = all.u.map.kv[j];
                    break;
                }
                p = strstr(p + 1, all.u.map.kv[j].name);
            }
        }
        av_t vals = av_make_m(kv, k);
        av_t names = titem(&a, "{\"#d\":\"date\",\"#m\":\"m\",\"#a\":\"a\"}");
        av_kv *nk = arena_alloc(&a, 3 * sizeof *nk);
        size_t nn = 0;
        for (size_t j = 0; j < names.u.map.n; j++)
            if (strstr(cases[i].text, names.u.map.kv[j].name))
                nk[nn++] = names.u.map.kv[j];
        av_t nm = av_make_m(nk, nn);
        expr_env env;
        expr_t *p;
        bool r = !cases[i].want;
        err_clear(&e);
        int rc = expr_env_init(&env, &a, nn ? &nm : NULL, k ? &vals : NULL, &e);
        if (!rc)
            rc = expr_parse(&a, EXPR_CONDITION, cases[i].text, strlen(cases[i].text), &p, &e);
        if (!rc)
            rc = expr_resolve(&a, p, &env, &x, &e);
        if (!rc)
            rc = expr_env_check_unused(&env, &e);
        if (!rc)
            rc = expr_eval(x, &item, &r, &e);
        if (rc || r != cases[i].want) {
            printf("case %zu [%s]: want %d got %s\n", i, cases[i].text, cases[i].want,
                   rc ? e.msg : (r ? "true" : "false"));
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_missing_item(void **state)
{
    static const ecase m[] = {
        {"attribute_not_exists(s)", true},
        {"attribute_exists(s)", false},
        {"s = :s", false},
        {"s <> :s", true},
        {"NOT contains(s, :s)", true},
        {"size(s) <> :n", true},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        const char *v = strstr(m[i].text, ":n")   ? "{\":n\":{\"N\":\"1\"}}"
                        : strstr(m[i].text, ":s") ? "{\":s\":{\"S\":\"x\"}}"
                                                  : NULL;
        assert_int_equal(tpipe(&a, EXPR_CONDITION, m[i].text, NULL, v, &x, &e), 0);
        bool r;
        assert_int_equal(expr_eval(x, NULL, &r, &e), 0);
        assert_int_equal(r, m[i].want);
        arena_fini(&a);
    }
}

static void test_wrong_tree(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    expr_t *p;
    bool r;
    /* evaluating a tree that was never resolved is a programming error, reported not crashed */
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, "a = :v", 6, &p, &e), 0);
    assert_int_equal(expr_eval(p, NULL, &r, &e), ERR_VALIDATION);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_missing_item),
        cmocka_unit_test(test_wrong_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
