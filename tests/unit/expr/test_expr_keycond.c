/*
 * Unit tests for expr/expr_keycond: every sort-key operator (=, <, <=, >, >=, BETWEEN,
 * begins_with), reversed comparisons (":v < sk" is "sk > :v"), and DynamoDB's errors in its
 * order (operator, structure, count, schema, types), with the legacy KeyConditions builder;
 * multi-attribute GSI keys (equality prefixes, the HASH / RANGE equality rules and their order).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static const char *VALS =
    "{\":a\":{\"S\":\"a\"},\":n1\":{\"N\":\"1\"},\":n3\":{\"N\":\"3\"},\":b\":{\"B\":\"YQ==\"}}";

typedef struct kc {
    const char *text;
    int rop;        /* expected operator, or -1: error */
    const char *r1; /* expected first operand (JSON) or the error text */
} kc;

static const kc cases[] = {
    {"pk = :a", EXPR_KR_NONE, NULL},
    {"pk = :a AND sk = :n1", EXPR_KR_EQ, "{\"N\":\"1\"}"},
    {"pk = :a AND sk < :n1", EXPR_KR_LT, "{\"N\":\"1\"}"},
    {"pk = :a AND sk <= :n1", EXPR_KR_LE, "{\"N\":\"1\"}"},
    {"pk = :a AND sk > :n1", EXPR_KR_GT, "{\"N\":\"1\"}"},
    {"pk = :a AND sk >= :n1", EXPR_KR_GE, "{\"N\":\"1\"}"},
    {"pk = :a AND sk BETWEEN :n1 AND :n3", EXPR_KR_BETWEEN, "{\"N\":\"1\"}"},
    {"pk = :a AND :n1 < sk", EXPR_KR_GT, "{\"N\":\"1\"}"},
    {"pk = :a AND :n1 >= sk", EXPR_KR_LE, "{\"N\":\"1\"}"},
    {"sk = :n1 AND :a = pk", EXPR_KR_EQ, "{\"N\":\"1\"}"},
    {"(pk = :a) AND (sk = :n1)", EXPR_KR_EQ, "{\"N\":\"1\"}"},
    {"sk = :n1", -1, "Query condition missed key schema element: pk"},
    {"pk = :n1", -1,
     "One or more parameter values were invalid: Condition parameter type does not match schema "
     "type"},
    {"pk = :a AND sk = :a", -1,
     "One or more parameter values were invalid: Condition parameter type does not match schema "
     "type"},
    {"pk = :a AND begins_with(sk, :a)", -1,
     "One or more parameter values were invalid: Condition parameter type does not match schema "
     "type"},
    {"pk = :a OR sk = :n1", -1, "Invalid operator used in KeyConditionExpression: OR"},
    {"NOT pk = :a", -1, "Invalid operator used in KeyConditionExpression: NOT"},
    {"pk <> :a", -1, "Invalid operator used in KeyConditionExpression: <>"},
    {"pk IN (:a)", -1, "Invalid operator used in KeyConditionExpression: IN"},
    {"pk = :a AND attribute_exists(sk)", -1,
     "Invalid operator used in KeyConditionExpression: attribute_exists"},
    {"pk = :a AND contains(sk, :n1)", -1,
     "Invalid operator used in KeyConditionExpression: contains"},
    {"pk = :a AND size(sk) = :n1", -1, "KeyConditionExpressions cannot contain nested operations"},
    {"pk = :a AND x = :n1", -1, "Query condition missed key schema element: sk"},
    {"pk = :a AND pk = :a", -1,
     "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per "
     "key"},
    {"pk = :a AND sk = :n1 AND x = :n1", -1,
     "The number of query conditions (3) exceeds the number of key attributes defined in the "
     "schema (2)"},
    {"pk = :a AND sk = :n1 AND x = :n1 AND y = :n1", -1,
     "The number of query conditions (4) exceeds the number of key attributes defined in the "
     "schema (2)"},
    {"pk < :a", -1, "Query key condition not supported"},
    {"begins_with(pk, :a)", -1, "Query key condition not supported"},
    {"pk = sk", -1,
     "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
    {":a = :a", -1, "Invalid condition in KeyConditionExpression: No key attribute specified"},
    {"pk.x = :a", -1,
     "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested "
     "attributes"},
    {"pk = :a AND sk[0] = :n1", -1,
     "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested "
     "attributes"},
    {"pk = :a AND :n1 BETWEEN sk AND :n3", -1,
     "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as "
     "its first operand"},
    {"pk = :a AND begins_with(:a, sk)", -1,
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
     "attribute as its first operand"},
    {"pk = :a AND sk BETWEEN :n3 AND :n1", -1,
     "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than "
     "or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound operand: "
     "AttributeValue: {N:1}"},
};

static const char *used_vals(arena_t *a, const char *text)
{
    json_t *all = json_loads(VALS, 0, NULL), *u = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(all, k, v)
    {
        const char *p = strstr(text, k);
        while (p) {
            char c = p[strlen(k)];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                json_object_set(u, k, v);
                break;
            }
            p = strstr(p + 1, k);
        }
    }
    char *s = json_object_size(u) ? json_dumps(u, JSON_COMPACT) : NULL;
    const char *r = s ? arena_strdup(a, s) : NULL;
    free(s);
    json_decref(all);
    json_decref(u);
    return r;
}

static void test_table(void **state)
{
    expr_keyschema ks = {.hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = AV_N};
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        expr_keycond out;
        int rc = tpipe(&a, EXPR_KEY_CONDITION, cases[i].text, NULL, used_vals(&a, cases[i].text),
                       &x, &e);
        if (!rc)
            rc = expr_keycond_extract(x, &ks, &out, &e);
        if (cases[i].rop < 0) {
            if (rc != ERR_VALIDATION || strcmp(e.msg, cases[i].r1)) {
                printf("case %zu [%s]\n  want %s\n  got  %s\n", i, cases[i].text, cases[i].r1,
                       rc ? e.msg : "success");
                bad++;
            }
        } else if (rc || (int)out.rop != cases[i].rop ||
                   !tequal(&a, &out.hash, "{\"S\":\"a\"}", false) ||
                   (cases[i].r1 && !tequal(&a, &out.r1, cases[i].r1, false))) {
            printf("case %zu [%s]: %s rop %d\n", i, cases[i].text, rc ? e.msg : "", (int)out.rop);
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_begins_with_and_between(void **state)
{
    expr_keyschema ks = {.hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = AV_B};
    arena_t a;
    arena_init(&a);
    err_t e;
    expr_t *x;
    expr_keycond out;
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "pk = :a AND begins_with(sk, :b)", NULL,
                           "{\":a\":{\"S\":\"a\"},\":b\":{\"B\":\"YQ==\"}}", &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &ks, &out, &e), 0);
    assert_int_equal(out.rop, EXPR_KR_BEGINS_WITH);
    assert_true(tequal(&a, &out.r1, "{\"B\":\"YQ==\"}", false));
    /* empty key values (DynamoDB Local's texts) */
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "pk = :a AND begins_with(sk, :b)", NULL,
                           "{\":a\":{\"S\":\"a\"},\":b\":{\"B\":\"\"}}", &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &ks, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values are not valid. The AttributeValue "
                               "for a key attribute cannot contain an empty binary value. Key: sk");
    assert_int_equal(
        tpipe(&a, EXPR_KEY_CONDITION, "pk = :a", NULL, "{\":a\":{\"S\":\"\"}}", &x, &e), 0);
    assert_int_equal(expr_keycond_extract(x, &ks, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values are not valid. The AttributeValue "
                               "for a key attribute cannot contain an empty string value. Key: pk");
    ks.range_type = AV_N;
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "#p = :a AND #s BETWEEN :x AND :y",
                           "{\"#p\":\"pk\",\"#s\":\"sk\"}",
                           "{\":a\":{\"S\":\"a\"},\":x\":{\"N\":\"-1\"},\":y\":{\"N\":\"1E2\"}}",
                           &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &ks, &out, &e), 0);
    assert_int_equal(out.rop, EXPR_KR_BETWEEN);
    assert_true(tequal(&a, &out.r1, "{\"N\":\"-1\"}", false));
    assert_true(tequal(&a, &out.r2, "{\"N\":\"100\"}", false));
    /* on an index (GSI or LSI, single-attribute key), the index's wording for any key */
    expr_keyschema ik = {.hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = AV_B,
                         .index = "lsi1"};
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "pk = :a", NULL, "{\":a\":{\"S\":\"\"}}",
                           &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &ik, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values are not valid. A value specified for "
                               "a secondary index key is not supported. The AttributeValue for a "
                               "key attribute cannot contain an empty string value. IndexName: "
                               "lsi1, IndexKey: pk");
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "pk = :a AND sk = :b", NULL,
                           "{\":a\":{\"S\":\"a\"},\":b\":{\"B\":\"\"}}", &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &ik, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values are not valid. A value specified for "
                               "a secondary index key is not supported. The AttributeValue for a "
                               "key attribute cannot contain an empty binary value. IndexName: "
                               "lsi1, IndexKey: sk");
    /* a table without sort key: two conditions are "Query key condition not supported"
     * (dynalite's AWS-recorded query tests; DynamoDB Local; test_query_scan
     * test_two_conditions_on_a_one_attribute_key) */
    expr_keyschema hk = {.hash = "pk", .hash_type = AV_S};
    assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, "pk = :a AND sk = :n", NULL,
                           "{\":a\":{\"S\":\"a\"},\":n\":{\"N\":\"1\"}}", &x, &e),
                     0);
    assert_int_equal(expr_keycond_extract(x, &hk, &out, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Query key condition not supported");
    arena_fini(&a);
}

/* A sort key condition's S or B value over 1,024 bytes is refused (every operator, either
 * BETWEEN bound), before its type is checked; 1,024 bytes pass; the partition key's value is
 * not measured (DynamoDB Local's behaviour). */
static void test_long_sort_key_values(void **state)
{
    const char *range = "One or more parameter values were invalid: Aggregated size of all range "
                        "keys has exceeded the size limit of 1024 bytes";
    char vals[8192];
    char s1024[1025], s1025[1026], h2049[2050];
    memset(s1024, 'x', 1024), s1024[1024] = 0;
    memset(s1025, 'x', 1025), s1025[1025] = 0;
    memset(h2049, 'h', 2049), h2049[2049] = 0;
    /* 1,025 bytes as base64: 341 groups "eHh4" of 3 bytes, then "eHg=" (2) */
    char b1025[1372];
    size_t o = 0;
    for (int g = 0; g < 341; g++)
        o += (size_t)sprintf(b1025 + o, "eHh4");
    sprintf(b1025 + o, "eHg=");
    struct {
        const char *text;
        av_type range_type;
        int ok;
    } cases[] = {
        {"pk = :p AND sk = :big", AV_S, 0},
        {"pk = :p AND sk < :big", AV_S, 0},
        {"pk = :p AND sk >= :big", AV_S, 0},
        {"pk = :p AND begins_with(sk, :big)", AV_S, 0},
        {"pk = :p AND sk BETWEEN :p AND :big", AV_S, 0},
        {"pk = :p AND sk > :bb", AV_B, 0},
        {"pk = :p AND sk > :big", AV_B, 0}, /* S for B */
        {"pk = :p AND sk > :big", AV_N, 0},
        {"pk = :p AND sk > :lim", AV_S, 1},
        {"pk = :hh AND sk > :lim", AV_S, 1},
    };
    snprintf(vals, sizeof vals,
             "{\":p\":{\"S\":\"a\"},\":big\":{\"S\":\"%s\"},\":lim\":{\"S\":\"%s\"},"
             "\":bb\":{\"B\":\"%s\"},\":hh\":{\"S\":\"%s\"}}",
             s1025, s1024, b1025, h2049);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expr_keyschema ks = {
            .hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = cases[i].range_type};
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        expr_keycond out;
        /* only the placeholders the text uses (unused values are refused) */
        json_t *all = json_loads(vals, 0, NULL), *u = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(all, k, v) if (strstr(cases[i].text, k)) json_object_set(u, k, v);
        char *us = json_dumps(u, JSON_COMPACT);
        assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, cases[i].text, NULL, us, &x, &e), 0);
        free(us);
        json_decref(all);
        json_decref(u);
        int rc = expr_keycond_extract(x, &ks, &out, &e);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, ERR_VALIDATION);
            assert_string_equal(e.msg, range);
        }
        arena_fini(&a);
    }
    /* a multi-attribute key: each sort attribute measured alone, the partition ones not */
    const char *attrs[] = {"a", "b", "d"};
    const av_type types[] = {AV_S, AV_S, AV_S};
    expr_keyschema mk = {.hash = "a",
                         .hash_type = AV_S,
                         .range = "d",
                         .range_type = AV_S,
                         .attrs = attrs,
                         .attr_types = types,
                         .n_attrs = 3,
                         .n_hash = 2,
                         .index = "gsi1"};
    struct {
        const char *text, *vals;
        int ok;
    } m[] = {
        {"a = :p AND b = :p AND d > :big", "{\":p\":{\"S\":\"a\"},\":big\":{\"S\":\"%s\"}}", 0},
        {"a = :p AND b = :p AND d > :big", "{\":p\":{\"S\":\"a\"},\":big\":{\"S\":\"%.1024s\"}}",
         1},
        {"a = :big AND b = :big", "{\":big\":{\"S\":\"%s\"}}", 1}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        expr_keycond out;
        snprintf(vals, sizeof vals, m[i].vals, i == 2 ? h2049 : s1025);
        assert_int_equal(tpipe(&a, EXPR_KEY_CONDITION, m[i].text, NULL, vals, &x, &e), 0);
        int rc = expr_keycond_extract(x, &mk, &out, &e);
        if (m[i].ok) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, ERR_VALIDATION);
            assert_string_equal(e.msg, range);
        }
        arena_fini(&a);
    }
}

static void test_legacy(void **state)
{
    expr_keyschema ks = {.hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = AV_N};
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_t h = tv(&a, "{\"S\":\"a\"}"), r[2] = {tv(&a, "{\"N\":\"2\"}"), tv(&a, "{\"N\":\"4\"}")};
    expr_node *c1, *c2;
    assert_int_equal(
        expr_build_compare(&a, expr_build_path_from_name(&a, "pk", 2), EXPR_CMP_EQ, &h, 1, &c1, &e),
        0);
    assert_int_equal(expr_build_compare(&a, expr_build_path_from_name(&a, "sk", 2),
                                        EXPR_CMP_BETWEEN, r, 2, &c2, &e),
                     0);
    expr_t *x;
    assert_int_equal(
        expr_build_condition(&a, EXPR_KEY_CONDITION, expr_build_and(&a, c2, c1), &x, &e), 0);
    expr_keycond out;
    assert_int_equal(expr_keycond_extract(x, &ks, &out, &e), 0);
    assert_int_equal(out.rop, EXPR_KR_BETWEEN);
    assert_true(tequal(&a, &out.hash, "{\"S\":\"a\"}", false));
    assert_true(tequal(&a, &out.r2, "{\"N\":\"4\"}", false));
    arena_fini(&a);
}


/* A multi-attribute GSI key (partition a S + b N, sort d S + e N + f S): the texts and their
 * order as DynamoDB Local 3.3 gives them (tests/e2e/test_gsi_multikey.py runs the same
 * requests against it). */
static const char *MVALS = "{\":a\":{\"S\":\"x\"},\":b\":{\"N\":\"1\"},\":d\":{\"S\":\"r\"},"
                           "\":e\":{\"N\":\"2\"},\":f\":{\"S\":\"f\"},\":n\":{\"N\":\"9\"},"
                           "\":z\":{\"S\":\"\"}}";

typedef struct mkc {
    const char *text;
    int n_eq;       /* expected equalities, or -1: error */
    int rop;
    const char *err;
} mkc;

#define MK_HASH_EQ(x) "HASH key attributes " x " must have equality conditions specified in the query"
#define MK_RANGE_EQ(x, y)                                                                          \
    "RANGE key attributes " x " must have equality conditions specified in the query because a "  \
    "condition is present on key attribute " y
#define MK_MISM                                                                                    \
    "One or more parameter values were invalid: Condition parameter type does not match schema "   \
    "type"
#define MK_EMPTY(k)                                                                                \
    "One or more parameter values are not valid. A value specified for a secondary index key is "  \
    "not supported. The AttributeValue for a key attribute cannot contain an empty string value. " \
    "IndexName: gsi1, IndexKey: " k

static const mkc mcases[] = {
    {"a = :a AND b = :b", 2, EXPR_KR_NONE, NULL},
    {"b = :b AND a = :a AND d = :d", 3, EXPR_KR_NONE, NULL},
    {"a = :a AND b = :b AND d = :d AND e > :e", 3, EXPR_KR_GT, NULL},
    {"a = :a AND b = :b AND d = :d AND e BETWEEN :e AND :n", 3, EXPR_KR_BETWEEN, NULL},
    {"a = :a AND b = :b AND begins_with(d, :d)", 2, EXPR_KR_BEGINS_WITH, NULL},
    {"a = :a AND b = :b AND d = :d AND e = :e AND f < :f", 4, EXPR_KR_LT, NULL},
    {"a = :a AND b = :b AND d = :d AND e = :e AND f = :f", 5, EXPR_KR_NONE, NULL},
    {"a = :a", -1, 0, MK_HASH_EQ("b")},
    {"b = :b", -1, 0, MK_HASH_EQ("a")},
    {"a = :a AND b > :b", -1, 0, MK_HASH_EQ("b")},
    {"begins_with(a, :a) AND b = :b", -1, 0, MK_HASH_EQ("a")},
    {"pk = :a", -1, 0, MK_HASH_EQ("a, b")},
    {"a = :b AND b = :b", -1, 0, MK_MISM},
    {"a = :z AND b = :b AND e = :e", -1, 0, MK_EMPTY("a")},
    {"a = :a AND b = :b AND e = :e", -1, 0, MK_RANGE_EQ("d", "e")},
    {"a = :a AND b = :b AND f = :f", -1, 0, MK_RANGE_EQ("d, e", "f")},
    {"a = :a AND b = :b AND d > :d AND e = :e", -1, 0, MK_RANGE_EQ("d", "e")},
    {"a = :a AND b = :b AND e = :e AND f = :f", -1, 0, MK_RANGE_EQ("d", "e")},
    {"a = :a AND b = :b AND begins_with(d, :d) AND e = :e", -1, 0, MK_RANGE_EQ("d", "e")},
    {"a = :a AND b = :b AND e = :a", -1, 0, MK_RANGE_EQ("d", "e")},
    {"a = :a AND b = :b AND pk = :a", -1, 0, "Query condition missed key schema element"},
    {"a = :a AND b = :b AND d = :d AND e = :a", -1, 0, MK_MISM},
    {"a = :a AND b = :b AND d = :z AND e = :a", -1, 0, MK_EMPTY("d")},
    {"a = :a AND b = :b AND d = :d AND e = :e AND f = :f AND pk = :a", -1, 0,
     "Query key condition not supported"},
    {"a = :a AND b = :b AND d = :d AND e = :e AND f = :f AND p = :a AND q = :a AND r = :a AND "
     "s = :a",
     -1, 0, "Query key condition not supported"},
    {"a = :a AND a = :a", -1, 0, "KeyConditionExpressions must only contain one condition per key"},
    {"a = :a OR b = :b", -1, 0, "Invalid operator used in KeyConditionExpression: OR"},
};

static void test_multi(void **state)
{
    (void)state;
    const char *attrs[] = {"a", "b", "d", "e", "f"};
    const av_type types[] = {AV_S, AV_N, AV_S, AV_N, AV_S};
    expr_keyschema ks = {.hash = "a", .hash_type = AV_S, .range = "d", .range_type = AV_S,
                         .attrs = attrs, .attr_types = types, .n_attrs = 5, .n_hash = 2,
                         .index = "gsi1"};
    size_t bad = 0;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        expr_keycond out;
        json_t *all = json_loads(MVALS, 0, NULL), *u = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(all, k, v)
        {
            if (strstr(mcases[i].text, k))
                json_object_set(u, k, v);
        }
        char *vals = json_dumps(u, JSON_COMPACT);
        int rc = tpipe(&a, EXPR_KEY_CONDITION, mcases[i].text, NULL, vals, &x, &e);
        free(vals);
        json_decref(all);
        json_decref(u);
        if (!rc)
            rc = expr_keycond_extract(x, &ks, &out, &e);
        if (mcases[i].n_eq < 0) {
            if (rc != ERR_VALIDATION || strcmp(e.msg, mcases[i].err)) {
                printf("multi case %zu [%s]\n  want %s\n  got  %s\n", i, mcases[i].text,
                       mcases[i].err, rc ? e.msg : "success");
                bad++;
            }
        } else if (rc || (int)out.n_eq != mcases[i].n_eq || (int)out.rop != mcases[i].rop ||
                   !tequal(&a, &out.eq[0], "{\"S\":\"x\"}", false) ||
                   !tequal(&a, &out.eq[1], "{\"N\":\"1\"}", false) ||
                   (out.n_eq > 2 && !tequal(&a, &out.eq[2], "{\"S\":\"r\"}", false))) {
            printf("multi case %zu [%s]: %s n_eq %zu rop %d\n", i, mcases[i].text,
                   rc ? e.msg : "", out.n_eq, (int)out.rop);
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_begins_with_and_between),
        cmocka_unit_test(test_long_sort_key_values),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_multi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
