/*
 * Unit tests for expr/expr_build: the legacy ComparisonOperator builders (argument counts and
 * types with DynamoDB's texts, NOT_CONTAINS false on a missing attribute, NULL / NOT_NULL,
 * IN, BETWEEN), Expected's Exists/Value form, AND/OR joins, AttributeUpdates (PUT, ADD on
 * numbers, sets and lists, DELETE of attributes and set members, legacy type-mismatch text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static const char *ITEM =
    "{\"s\":{\"S\":\"abc\"},\"n\":{\"N\":\"5\"},\"ss\":{\"SS\":[\"a\",\"b\"]},"
    "\"l\":{\"L\":[{\"S\":\"a\"}]}}";

typedef struct bc {
    const char *attr, *op;
    const char *vals[3];
    const char *want; /* "true", "false" or the error text */
} bc;

static const bc cases[] = {
    {"s", "EQ", {"{\"S\":\"abc\"}"}, "true"},
    {"x", "NE", {"{\"S\":\"abc\"}"}, "true"},
    {"n", "GT", {"{\"N\":\"4\"}"}, "true"},
    {"n", "LE", {"{\"N\":\"4.99\"}"}, "false"},
    {"s", "NOT_NULL", {NULL}, "true"},
    {"x", "NULL", {NULL}, "true"},
    {"s", "CONTAINS", {"{\"S\":\"b\"}"}, "true"},
    {"ss", "CONTAINS", {"{\"S\":\"a\"}"}, "true"},
    {"s", "NOT_CONTAINS", {"{\"S\":\"q\"}"}, "true"},
    {"x", "NOT_CONTAINS", {"{\"S\":\"q\"}"}, "false"}, /* missing attribute: false */
    {"s", "BEGINS_WITH", {"{\"S\":\"ab\"}"}, "true"},
    {"s", "IN", {"{\"S\":\"x\"}", "{\"S\":\"abc\"}"}, "true"},
    {"n", "BETWEEN", {"{\"N\":\"1\"}", "{\"N\":\"5\"}"}, "true"},
    {"s",
     "EQ",
     {NULL},
     "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
     "ComparisonOperator"},
    {"s",
     "NULL",
     {"{\"S\":\"a\"}"},
     "One or more parameter values were invalid: Invalid number of argument(s) for the NULL "
     "ComparisonOperator"},
    {"s",
     "BETWEEN",
     {"{\"N\":\"1\"}"},
     "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN "
     "ComparisonOperator"},
    {"s",
     "CONTAINS",
     {"{\"M\":{}}"},
     "One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for M "
     "AttributeValue type"},
    {"s",
     "LT",
     {"{\"SS\":[\"a\"]}"},
     "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS "
     "AttributeValue type"},
    {"s",
     "BEGINS_WITH",
     {"{\"N\":\"1\"}"},
     "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N "
     "AttributeValue type"},
    {"s",
     "IN",
     {"{\"S\":\"abc\"}", "{\"N\":\"1\"}"},
     "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be "
     "of same type"},
    {"s",
     "BETWEEN",
     {"{\"S\":\"b\"}", "{\"S\":\"a\"}"},
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper "
     "bound"},
};

static void test_compare(void **state)
{
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        err_clear(&e);
        av_t vals[3];
        size_t n = 0;
        while (n < 3 && cases[i].vals[n]) {
            vals[n] = tv(&a, cases[i].vals[n]);
            n++;
        }
        expr_cmp op;
        assert_int_equal(expr_cmp_from_name(cases[i].op, strlen(cases[i].op), &op), 0);
        expr_node *c;
        int rc = expr_build_compare(
            &a, expr_build_path_from_name(&a, cases[i].attr, strlen(cases[i].attr)), op, vals, n,
            &c, &e);
        char got[ERR_MSG_MAX];
        if (rc)
            snprintf(got, sizeof got, "%s", e.msg);
        else {
            expr_t *x;
            bool r;
            av_t item = titem(&a, ITEM);
            assert_int_equal(expr_build_condition(&a, EXPR_CONDITION, c, &x, &e), 0);
            assert_int_equal(expr_eval(x, &item, &r, &e), 0);
            snprintf(got, sizeof got, "%s", r ? "true" : "false");
        }
        if (strcmp(got, cases[i].want)) {
            printf("case %zu [%s %s]\n  want %s\n  got  %s\n", i, cases[i].attr, cases[i].op,
                   cases[i].want, got);
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
    expr_cmp op;
    assert_int_equal(expr_cmp_from_name("EQUALS", 6, &op), ERR_VALIDATION);
}

static void test_exists_and_joins(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_t item = titem(&a, ITEM), v = tv(&a, "{\"S\":\"abc\"}"), w = tv(&a, "{\"S\":\"zzz\"}");
    expr_node *ex, *nex, *eqv, *neq;
    assert_int_equal(
        expr_build_exists(&a, expr_build_path_from_name(&a, "s", 1), true, NULL, &ex, &e), 0);
    assert_int_equal(
        expr_build_exists(&a, expr_build_path_from_name(&a, "x", 1), false, NULL, &nex, &e), 0);
    assert_int_equal(
        expr_build_exists(&a, expr_build_path_from_name(&a, "s", 1), true, &v, &eqv, &e), 0);
    assert_int_equal(
        expr_build_exists(&a, expr_build_path_from_name(&a, "s", 1), true, &w, &neq, &e), 0);
    struct {
        expr_node *root;
        bool want;
    } t[] = {
        {expr_build_and(&a, ex, nex), true},   {expr_build_and(&a, eqv, neq), false},
        {expr_build_or(&a, neq, eqv), true},   {expr_build_and(&a, NULL, neq), false},
        {expr_build_or(&a, NULL, NULL), true}, /* no condition: always true */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        expr_t *x;
        bool r;
        assert_int_equal(expr_build_condition(&a, EXPR_CONDITION, t[i].root, &x, &e), 0);
        assert_int_equal(expr_eval(x, &item, &r, &e), 0);
        assert_int_equal(r, t[i].want);
    }
    arena_fini(&a);
}

static void test_attribute_updates(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_t old = titem(&a, ITEM), out;
    av_t q = tv(&a, "{\"S\":\"q\"}"), two = tv(&a, "{\"N\":\"2.5\"}"),
         lb = tv(&a, "{\"L\":[{\"S\":\"b\"}]}"), sa = tv(&a, "{\"SS\":[\"a\"]}"),
         sc = tv(&a, "{\"SS\":[\"c\"]}");
    expr_t *u = NULL;
    assert_int_equal(expr_build_update(&a, &u, "s", 1, EXPR_ACT_PUT, &q, &e), 0);
    assert_int_equal(expr_build_update(&a, &u, "n", 1, EXPR_ACT_ADD, &two, &e), 0);
    assert_int_equal(expr_build_update(&a, &u, "l", 1, EXPR_ACT_ADD, &lb, &e), 0);
    assert_int_equal(expr_build_update(&a, &u, "ss", 2, EXPR_ACT_DELETE, &sa, &e), 0);
    assert_int_equal(expr_build_update(&a, &u, "x", 1, EXPR_ACT_ADD, &sc, &e), 0);
    const char *keys[] = {"pk"};
    assert_int_equal(expr_update_apply(&a, u, &old, keys, 1, &out, NULL, &e), 0);
    assert_true(tequal(&a, &out,
                       "{\"s\":{\"S\":\"q\"},\"n\":{\"N\":\"7.5\"},\"ss\":{\"SS\":[\"b\"]},"
                       "\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]},\"x\":{\"SS\":[\"c\"]}}",
                       true));
    /* DELETE without a value removes the attribute */
    u = NULL;
    assert_int_equal(expr_build_update(&a, &u, "ss", 2, EXPR_ACT_DELETE, NULL, &e), 0);
    assert_int_equal(expr_update_apply(&a, u, &old, keys, 1, &out, NULL, &e), 0);
    assert_null(av_map_get(&out, "ss", 2));
    /* errors */
    u = NULL;
    err_clear(&e);
    assert_int_equal(expr_build_update(&a, &u, "s", 1, EXPR_ACT_PUT, NULL, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: Only DELETE action is "
                               "allowed when no attribute value is specified");
    err_clear(&e);
    assert_int_equal(expr_build_update(&a, &u, "s", 1, EXPR_ACT_ADD, &q, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: ADD action is not "
                               "supported for the type S");
    err_clear(&e);
    assert_int_equal(expr_build_update(&a, &u, "s", 1, EXPR_ACT_DELETE, &two, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: DELETE action with "
                               "value is not supported for the type N");
    err_clear(&e);
    u = NULL;
    assert_int_equal(expr_build_update(&a, &u, "s", 1, EXPR_ACT_ADD, &two, &e), 0);
    assert_int_equal(expr_update_apply(&a, u, &old, keys, 1, &out, NULL, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Type mismatch for attribute to update");
    err_clear(&e);
    u = NULL;
    assert_int_equal(expr_build_update(&a, &u, "pk", 2, EXPR_ACT_PUT, &q, &e), 0);
    assert_int_equal(expr_update_apply(&a, u, &old, keys, 1, &out, NULL, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: Cannot update "
                               "attribute pk. This attribute is part of the key");
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_exists_and_joins),
        cmocka_unit_test(test_attribute_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
