/*
 * Unit tests for expr/expr_resolve: the placeholder maps' key syntax, undefined and unused
 * placeholders (sorted key lists, names reported before values, usage tracked across the
 * several expressions of one request), the value-dependent checks in DynamoDB's
 * left-to-right order, and that resolving never modifies the parsed tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

typedef struct rc_ {
    expr_kind kind;
    const char *text, *names, *values;
    const char *msg; /* NULL: success */
} rcase;

static const rcase cases[] = {
    {EXPR_CONDITION, "a = :v", "{\"x\":\"a\"}", "{\":v\":{\"S\":\"1\"}}",
     "ExpressionAttributeNames contains invalid key: Syntax error; key: \"x\""},
    {EXPR_CONDITION, "a = :v", NULL, "{\":v\":{\"S\":\"1\"},\"v\":{\"S\":\"1\"}}",
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""},
    {EXPR_CONDITION, "a = :v", NULL, "{\":v\":{\"S\":\"1\"},\":v-1\":{\"S\":\"1\"}}",
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \":v-1\""},
    {EXPR_CONDITION, "a = :v", "{}", "{\":v\":{\"S\":\"1\"}}",
     "ExpressionAttributeNames must not be empty"},
    {EXPR_CONDITION, "a = :v", NULL, NULL,
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :v"},
    {EXPR_CONDITION, "#a = :v", NULL, "{\":v\":{\"S\":\"1\"}}",
     "Invalid ConditionExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #a"},
    {EXPR_CONDITION, "a = :v", NULL,
     "{\":v\":{\"S\":\"1\"},\":w\":{\"S\":\"1\"},\":a\":{\"S\":\"1\"}}",
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :w}"},
    {EXPR_CONDITION, "a = :v", "{\"#b\":\"x\",\"#a\":\"y\"}",
     "{\":v\":{\"S\":\"1\"},\":q\":{\"S\":\"1\"}}",
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
    {EXPR_CONDITION, "#d = :v", "{\"#d\":\"date\"}", "{\":v\":{\"S\":\"1\"}}", NULL},
    /* left to right: the first failing node wins */
    {EXPR_CONDITION, "a = :x AND contains(a)", NULL, NULL,
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :x"},
    {EXPR_CONDITION, "contains(a) AND a = :x", NULL, NULL,
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator "
     "or function: contains, number of operands: 1"},
    {EXPR_CONDITION, "a = a AND contains(a)", NULL, NULL,
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands "
     "for this operator or function; operator: =, first operand: [a]"},
    {EXPR_CONDITION, "begins_with(a, :n)", NULL, "{\":n\":{\"N\":\"1\"}}",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"},
    {EXPR_CONDITION, "attribute_type(a, :t)", NULL, "{\":t\":{\"S\":\"X\"}}",
     "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: "
     "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"},
    {EXPR_CONDITION, "attribute_exists(:t)", NULL, "{\":t\":{\"S\":\"X\"}}",
     "Invalid ConditionExpression: Operator or function requires a document path; operator or "
     "function: attribute_exists"},
    {EXPR_CONDITION, "size(size(a)) = :n", NULL, "{\":n\":{\"N\":\"1\"}}",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: size, operand type: N"},
    {EXPR_CONDITION, "a < :m", NULL, "{\":m\":{\"M\":{}}}",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: <, operand type: M"},
    {EXPR_CONDITION, "a BETWEEN :x AND :y", NULL, "{\":x\":{\"N\":\"1\"},\":y\":{\"S\":\"a\"}}",
     "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and "
     "upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
     "AttributeValue: {S:a}"},
    {EXPR_CONDITION, "a BETWEEN :x AND :y", NULL, "{\":x\":{\"N\":\"10\"},\":y\":{\"N\":\"9.5\"}}",
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
     "equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: "
     "AttributeValue: {N:9.5}"},
    {EXPR_FILTER, "a BETWEEN :x AND :x", NULL, "{\":x\":{\"BOOL\":true}}",
     "Invalid FilterExpression: Incorrect operand type for operator or function; operator or "
     "function: BETWEEN, operand type: BOOL"},
    /* update: names, then overlaps, then values, then types */
    {EXPR_UPDATE, "SET a = :nope REMOVE a", NULL, NULL,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite "
     "one of these paths; path one: [a], path two: [a]"},
    {EXPR_UPDATE, "SET a = :x, b = #q", NULL, NULL,
     "Invalid UpdateExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #q"},
    {EXPR_UPDATE, "SET a = list_append(:v, :v), b = :x", NULL, "{\":v\":{\"N\":\"1\"}}",
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :x"},
    {EXPR_UPDATE, "SET #a = :v, a = :v", "{\"#a\":\"a\"}", "{\":v\":{\"N\":\"1\"}}",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite "
     "one of these paths; path one: [a], path two: [a]"},
    /* if_not_exists(a, a) is refused, list_append(l, l) is not (DynamoDB Local; found by the
     * PartiQL differential run against it) */
    {EXPR_UPDATE, "SET b = if_not_exists(m.a, m.a)", NULL, NULL,
     "Invalid UpdateExpression: The first operand must be distinct from the remaining operands "
     "for this operator or function; operator: if_not_exists, first operand: [m, a]"},
    {EXPR_UPDATE, "SET l = list_append(l, l)", NULL, NULL, NULL},
};

static void test_table(void **state)
{
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        int rc = tpipe(&a, cases[i].kind, cases[i].text, cases[i].names, cases[i].values, &x, &e);
        if (cases[i].msg ? (rc != ERR_VALIDATION || strcmp(e.msg, cases[i].msg)) : rc != 0) {
            printf("case %zu [%s]\n  want %s\n  got  %s\n", i, cases[i].text,
                   cases[i].msg ? cases[i].msg : "success", rc ? e.msg : "success");
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

/* One request, three expressions: a placeholder used by any of them counts as used. */
static void test_usage_across_expressions(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_t names = titem(&a, "{\"#a\":\"a\",\"#b\":\"b\",\"#c\":\"c\"}");
    av_t vals = titem(&a, "{\":x\":{\"S\":\"1\"},\":y\":{\"S\":\"2\"}}");
    expr_env env;
    assert_int_equal(expr_env_init(&env, &a, &names, &vals, &e), 0);
    const char *texts[] = {"SET #a = :x", "attribute_exists(#b)", "#c, #a"};
    const expr_kind kinds[] = {EXPR_UPDATE, EXPR_CONDITION, EXPR_PROJECTION};
    for (int i = 0; i < 3; i++) {
        expr_t *p, *x;
        assert_int_equal(expr_parse(&a, kinds[i], texts[i], strlen(texts[i]), &p, &e), 0);
        assert_int_equal(expr_resolve(&a, p, &env, &x, &e), 0);
    }
    assert_int_equal(expr_env_check_unused(&env, &e), ERR_VALIDATION);
    assert_string_equal(
        e.msg, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}");
    assert_int_equal(expr_env_check_unused(NULL, &e), 0);
    arena_fini(&a);
}

/* A parsed tree resolved against two environments gives two independent trees. */
static void test_parsed_tree_unchanged(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    expr_t *p, *x1, *x2;
    const char *t = "#k = :v";
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, t, strlen(t), &p, &e), 0);
    av_t n1 = titem(&a, "{\"#k\":\"a\"}"), n2 = titem(&a, "{\"#k\":\"b\"}");
    av_t v1 = titem(&a, "{\":v\":{\"S\":\"1\"}}"), v2 = titem(&a, "{\":v\":{\"S\":\"2\"}}");
    expr_env e1, e2;
    assert_int_equal(expr_env_init(&e1, &a, &n1, &v1, &e), 0);
    assert_int_equal(expr_env_init(&e2, &a, &n2, &v2, &e), 0);
    assert_int_equal(expr_resolve(&a, p, &e1, &x1, &e), 0);
    assert_int_equal(expr_resolve(&a, p, &e2, &x2, &e), 0);
    av_t item = titem(&a, "{\"a\":{\"S\":\"1\"},\"b\":{\"S\":\"2\"}}");
    av_t item2 = titem(&a, "{\"a\":{\"S\":\"2\"},\"b\":{\"S\":\"1\"}}");
    bool r;
    assert_int_equal(expr_eval(x1, &item, &r, &e), 0);
    assert_true(r);
    assert_int_equal(expr_eval(x2, &item, &r, &e), 0);
    assert_true(r);
    assert_int_equal(expr_eval(x1, &item2, &r, &e), 0);
    assert_false(r);
    /* a resolved (or built) tree resolves to itself */
    expr_t *x3;
    assert_int_equal(expr_resolve(&a, x1, NULL, &x3, &e), 0);
    assert_ptr_equal(x3, x1);
    arena_fini(&a);
}

/* The 2 MB of substitution variables (EXPR_MAX_SUBST): a name counts key + value, a value key +
 * size; each map alone, then both together; exactly 2 MiB passes. */
static int env_with(arena_t *a, size_t nlen, size_t vlen, err_t *e)
{
    char *nt = malloc(nlen + 32), *vt = malloc(vlen + 32);
    assert_non_null(nt);
    assert_non_null(vt);
    int k = snprintf(nt, 32, "{\"#n\":\"");
    memset(nt + k, 'y', nlen);
    memcpy(nt + k + nlen, "\"}", 3);
    k = snprintf(vt, 32, "{\":a\":{\"S\":\"");
    memset(vt + k, 'x', vlen);
    memcpy(vt + k + vlen, "\"}}", 4);
    av_t names = titem(a, nt), vals = titem(a, vt);
    free(nt);
    free(vt);
    expr_env env;
    err_clear(e);
    return expr_env_init(&env, a, nlen ? &names : NULL, &vals, e);
}

static void test_substitution_size(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    err_t e;
    const size_t m = EXPR_MAX_SUBST;
    assert_int_equal(env_with(&a, 0, m - 2, &e), 0); /* ":a" + m - 2 */
    assert_int_equal(env_with(&a, 0, m - 1, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "ExpressionAttributeValues exceeds max size");
    assert_int_equal(env_with(&a, 6, m - 10, &e), 0); /* 2 + 6 + 2 + m - 10 */
    assert_int_equal(env_with(&a, 7, m - 10, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Combined size of ExpressionAttributeNames and "
                               "ExpressionAttributeValues exceeds max size");
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_usage_across_expressions),
        cmocka_unit_test(test_parsed_tree_unchanged),
        cmocka_unit_test(test_substitution_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
