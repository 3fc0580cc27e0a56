/*
 * Unit tests for expr/expr_update: every action (SET with =, +, -, if_not_exists,
 * list_append; REMOVE of members and list elements with original-index semantics; ADD to
 * numbers and sets; DELETE from sets), the path rules, the key-attribute rule, operand type
 * errors, exact decimal arithmetic, the old item staying untouched (values are shared), and
 * the UPDATED_OLD / UPDATED_NEW projection.  Texts as DynamoDB Local answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static const char *OLD =
    "{\"pk\":{\"S\":\"k\"},\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"x\"},"
    "\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},{\"N\":\"2\"},{\"N\":\"3\"}]},"
    "\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"}}}}},\"ss\":{\"SS\":[\"a\",\"b\"]},"
    "\"ns\":{\"NS\":[\"1\",\"2\"]}}";

static const char *VALS =
    "{\":s\":{\"S\":\"q\"},\":n1\":{\"N\":\"1\"},\":p1\":{\"N\":\"0.1\"},\":p2\":{\"N\":\"0.2\"},"
    "\":neg\":{\"N\":\"-7.5\"},\":l\":{\"L\":[{\"S\":\"z\"}]},\":ss\":{\"SS\":[\"a\",\"c\"]},"
    "\":ab\":{\"SS\":[\"a\",\"b\"]},\":ns\":{\"NS\":[\"3\"]},\":big\":{\"N\":\"9E125\"},"
    "\":d38\":{\"N\":\"99999999999999999999999999999999999999\"}}";

typedef struct ucase {
    const char *text;
    const char *want; /* new item (JSON) or, starting with '!', the error text */
} ucase;

static const ucase cases[] = {
    {"SET a = :s", "{\"a\":{\"S\":\"q\"}}"},
    {"SET n = n + :n1", "{\"n\":{\"N\":\"6\"}}"},
    {"SET n = :n1 - n", "{\"n\":{\"N\":\"-4\"}}"},
    {"SET a = :p1 + :p2", "{\"a\":{\"N\":\"0.3\"}}"}, /* exact decimals */
    {"SET n = n + :neg", "{\"n\":{\"N\":\"-2.5\"}}"},
    {"SET a = if_not_exists(a, :n1)", "{\"a\":{\"N\":\"1\"}}"},
    {"SET n = if_not_exists(n, :n1)", "{\"n\":{\"N\":\"5\"}}"},
    /* the fallback is evaluated even when the attribute exists (DynamoDB Local) */
    {"SET n = if_not_exists(n, nope)",
     "!The provided expression refers to an attribute that does not exist in the item"},
    {"SET q = if_not_exists(nope, n)", "{\"q\":{\"N\":\"5\"}}"},
    {"SET l = list_append(l, :l)",
     "{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},{\"N\":\"2\"},{\"N\":\"3\"},{\"S\":\"z\"}]}}"},
    {"SET l = list_append(:l, l)",
     "{\"l\":{\"L\":[{\"S\":\"z\"},{\"N\":\"0\"},{\"N\":\"1\"},{\"N\":\"2\"},{\"N\":\"3\"}]}}"},
    {"SET m.a.c = :s", "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"},\"c\":{\"S\":\"q\"}}}}}}"},
    {"SET l[1] = :s", "{\"l\":{\"L\":[{\"N\":\"0\"},{\"S\":\"q\"},{\"N\":\"2\"},{\"N\":\"3\"}]}}"},
    {"SET l[10] = :s, l[7] = :n1", "{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},{\"N\":\"2\"},{"
                                   "\"N\":\"3\"},{\"N\":\"1\"},{\"S\":\"q\"}]}}"},
    {"SET a = n, n = :n1",
     "{\"a\":{\"N\":\"5\"},\"n\":{\"N\":\"1\"}}"}, /* right sides see the old item */
    {"REMOVE s, nope", "{\"s\":null}"},
    {"REMOVE l[1], l[2]", "{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"3\"}]}}"},
    {"REMOVE l[1] SET l[2] = :s", "{\"l\":{\"L\":[{\"N\":\"0\"},{\"S\":\"q\"},{\"N\":\"3\"}]}}"},
    {"REMOVE l[9]", "{}"},
    {"REMOVE m.a.b", "{\"m\":{\"M\":{\"a\":{\"M\":{}}}}}"},
    {"ADD n :n1", "{\"n\":{\"N\":\"6\"}}"},
    {"ADD a :n1", "{\"a\":{\"N\":\"1\"}}"},
    {"ADD ss :ss", "{\"ss\":{\"SS\":[\"a\",\"b\",\"c\"]}}"},
    {"ADD ns :ns", "{\"ns\":{\"NS\":[\"1\",\"2\",\"3\"]}}"},
    {"ADD m.a.x :n1", "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"},\"x\":{\"N\":\"1\"}}}}}}"},
    {"DELETE ss :ss", "{\"ss\":{\"SS\":[\"b\"]}}"},
    {"DELETE ss :ab", "{\"ss\":null}"}, /* emptied set: attribute removed */
    {"DELETE nope :ss", "{}"},
    /* errors */
    {"SET x.y = :s", "!The document path provided in the update expression is invalid for update"},
    {"SET s.x = :s", "!The document path provided in the update expression is invalid for update"},
    {"SET s[0] = :s", "!The document path provided in the update expression is invalid for update"},
    {"REMOVE x.y", "!The document path provided in the update expression is invalid for update"},
    {"SET n = s + :n1", "!An operand in the update expression has an incorrect data type"},
    {"SET n = nope + :n1",
     "!The provided expression refers to an attribute that does not exist in the item"},
    {"SET l = list_append(s, :l)",
     "!An operand in the update expression has an incorrect data type"},
    {"ADD s :n1", "!An operand in the update expression has an incorrect data type"},
    {"ADD ss :ns", "!An operand in the update expression has an incorrect data type"},
    {"DELETE ns :ss", "!An operand in the update expression has an incorrect data type"},
    {"SET n = :big + :big",
     "!Number overflow. Attempting to store a number with magnitude larger than supported range"},
    {"ADD n :d38", "!Attempting to store more than 38 significant digits in a Number"},
    {"SET pk = :s", "!One or more parameter values were invalid: Cannot update attribute pk. This "
                    "attribute is part of the key"},
    {"REMOVE pk", "!One or more parameter values were invalid: Cannot update attribute pk. This "
                  "attribute is part of the key"},
    /* resolve-time (the pipeline reports them before apply) */
    {"SET a = :s, a.b = :s",
     "!Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [a], path two: [a, b]"},
    {"SET l[1] = :s REMOVE l.x",
     "!Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
     "rewrite one of these paths; path one: [l, [1]], path two: [l, x]"},
    {"ADD a :s", "!Invalid UpdateExpression: Incorrect operand type for operator or function; "
                 "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
    /* DELETE names ADD's type set (AWS eu-west-2 2026-09-17; DynamoDB Local: its own) */
    {"DELETE a :n1", "!Invalid UpdateExpression: Incorrect operand type for operator or function; "
                     "operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_ADD_OPERAND"},
    {"SET a = :n1 + :s", "!Invalid UpdateExpression: Incorrect operand type for operator or "
                         "function; operator or function: +, operand type: S"},
    {"SET a = if_not_exists(:s, :s)", "!Invalid UpdateExpression: Operator or function requires a "
                                      "document path; operator or function: if_not_exists"},
};

/* Applies the case's changes to OLD as JSON patch: members given replace, null removes. */
static av_t expected_item(arena_t *a, const char *patch)
{
    av_t it = titem(a, OLD);
    json_t *j = json_loads(patch, 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        av_t out;
        if (json_is_null(v)) {
            assert_int_equal(av_map_del(a, &it, k, strlen(k), &out), 0);
        } else {
            char *s = json_dumps(v, JSON_COMPACT);
            av_t val = tv(a, s);
            free(s);
            assert_int_equal(av_map_set(a, &it, arena_strdup(a, k), strlen(k), &val, &out), 0);
        }
        it = out;
    }
    json_decref(j);
    return it;
}

static const char *used_vals(arena_t *a, const char *text)
{
    /* keep only the placeholders the text uses */
    json_t *all = json_loads(VALS, 0, NULL), *u = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(all, k, v)
    {
        const char *p = strstr(text, k);
        while (p) {
            char c = p[strlen(k)];
            if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
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
    size_t bad = 0;
    const char *keys[] = {"pk"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        av_t old = titem(&a, OLD), snapshot;
        assert_int_equal(av_copy(&a, &old, &snapshot), 0);
        av_t out;
        int rc = tpipe(&a, EXPR_UPDATE, cases[i].text, NULL, used_vals(&a, cases[i].text), &x, &e);
        if (!rc)
            rc = expr_update_apply(&a, x, &old, keys, 1, &out, NULL, &e);
        const char *want = cases[i].want;
        if (want[0] == '!') {
            if (rc != ERR_VALIDATION || strcmp(e.msg, want + 1)) {
                printf("case %zu [%s]\n  want %s\n  got  %s\n", i, cases[i].text, want + 1,
                       rc ? e.msg : "success");
                bad++;
            }
        } else if (rc) {
            printf("case %zu [%s]: %s\n", i, cases[i].text, e.msg);
            bad++;
        } else {
            av_t w = expected_item(&a, want);
            if (!av_equal(&w, &out)) {
                json_t *g = ddbjson_from_item(&out);
                char *gs = json_dumps(g, JSON_COMPACT);
                printf("case %zu [%s]\n  got %s\n", i, cases[i].text, gs);
                free(gs);
                json_decref(g);
                bad++;
            }
        }
        /* the old item is never modified */
        assert_true(av_equal(&old, &snapshot));
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_missing_item(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    expr_t *x;
    av_t out;
    assert_int_equal(tpipe(&a, EXPR_UPDATE, "SET a = :s ADD n :n", NULL,
                           "{\":s\":{\"S\":\"q\"},\":n\":{\"N\":\"2\"}}", &x, &e),
                     0);
    assert_int_equal(expr_update_apply(&a, x, NULL, NULL, 0, &out, NULL, &e), 0);
    assert_true(tequal(&a, &out, "{\"a\":{\"S\":\"q\"},\"n\":{\"N\":\"2\"}}", true));
    arena_fini(&a);
}

/* DynamoDB Local's UPDATED_OLD / UPDATED_NEW: the whole top-level attribute of each updated
 * path that exists in that version of the item. */
static void test_updated_paths(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    expr_t *x, *upd;
    av_t old = titem(&a, OLD), out, rv;
    const char *keys[] = {"pk"};
    assert_int_equal(tpipe(&a, EXPR_UPDATE, "SET m.a.c = :s, n = :s REMOVE s", NULL,
                           "{\":s\":{\"S\":\"q\"}}", &x, &e),
                     0);
    assert_int_equal(expr_update_apply(&a, x, &old, keys, 1, &out, &upd, &e), 0);
    assert_int_equal(expr_project(&a, upd, &out, &rv, &e), 0);
    assert_true(tequal(&a, &rv,
                       "{\"m\":{\"M\":{\"a\":{\"M\":{\"b\":{\"N\":\"1\"},\"c\":{\"S\":\"q\"}}}}},"
                       "\"n\":{\"S\":\"q\"}}",
                       true));
    assert_int_equal(expr_project(&a, upd, &old, &rv, &e), 0);
    assert_true(tequal(&a, &rv, "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"x\"}}", true));
    /* the service's rule: only the written paths; a REMOVE's path only in the old item's */
    assert_int_equal(expr_project_updated(&a, upd, &out, true, &rv, &e), 0);
    assert_true(tequal(&a, &rv,
                       "{\"m\":{\"M\":{\"a\":{\"M\":{\"c\":{\"S\":\"q\"}}}}},"
                       "\"n\":{\"S\":\"q\"}}",
                       true));
    assert_int_equal(expr_project_updated(&a, upd, &old, false, &rv, &e), 0);
    assert_true(tequal(&a, &rv, "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"x\"}}", true));
    /* nothing written that exists: AV_NONE */
    assert_int_equal(tpipe(&a, EXPR_UPDATE, "REMOVE nothere", NULL, NULL, &x, &e), 0);
    assert_int_equal(expr_update_apply(&a, x, &old, keys, 1, &out, &upd, &e), 0);
    assert_int_equal(expr_project_updated(&a, upd, &out, true, &rv, &e), 0);
    assert_int_equal(rv.type, AV_NONE);
    arena_fini(&a);
}

static void test_nesting_limit(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    char v[2048];
    for (int depth = 30; depth <= 31; depth++) {
        size_t n = (size_t)snprintf(v, sizeof v, "{\":v\":");
        for (int i = 0; i < depth; i++)
            n += (size_t)snprintf(v + n, sizeof v - n, "{\"M\":{\"a\":");
        n += (size_t)snprintf(v + n, sizeof v - n, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++)
            n += (size_t)snprintf(v + n, sizeof v - n, "}}");
        snprintf(v + n, sizeof v - n, "}");
        expr_t *x;
        av_t old = titem(&a, OLD), out;
        assert_int_equal(tpipe(&a, EXPR_UPDATE, "SET m.q = :v", NULL, v, &x, &e), 0);
        int rc = expr_update_apply(&a, x, &old, NULL, 0, &out, NULL, &e);
        if (depth == 30)
            assert_int_equal(rc, 0);
        else {
            assert_int_equal(rc, ERR_VALIDATION);
            assert_string_equal(e.msg, "Nesting Levels have exceeded supported limits");
        }
    }
    arena_fini(&a);
}

/* expr_update_charge: the service's charge of a statement, clause by clause (the
 * conformance suite's tier3 itemSizeBySurface, eu-west-2 2026-10-09). */
static void test_charge(void **state)
{
    static const struct {
        const char *text, *vals;
        uint64_t want;
    } cc[] = {
        {"SET a = :s", "{\":s\":{\"S\":\"qqqq\"}}", 3 + 19 + 1 + 4},
        {"SET a = :s, b = :s", "{\":s\":{\"S\":\"qqqq\"}}", 3 + 2 * (19 + 1 + 4)},
        {"SET a = bb.c[12]", NULL, 3 + 19 + 1 + (1 + 14 + 2 + 14 + 1 + 14 + 2)},
        {"SET a.bc[3] = :n", "{\":n\":{\"N\":\"-42\"}}", 3 + 19 + (1 + 4 + 2 + 4 + 1) + 3},
        {"SET n = n + :n", "{\":n\":{\"N\":\"1\"}}", 3 + 19 + 1 + 34 + (1 + 14 + 1) + 2},
        {"SET n = :n - n", "{\":n\":{\"N\":\"1\"}}", 3 + 19 + 1 + 37 + 2 + (1 + 14 + 1)},
        {"SET n = if_not_exists(n, :m)", "{\":m\":{\"M\":{\"k\":{\"S\":\"vv\"}}}}",
         3 + 19 + 1 + 39 + (1 + 14 + 1) + (3 + 1 + 1 + 2)},
        {"SET l = list_append(:l, l)", "{\":l\":{\"L\":[{\"S\":\"z\"}]}}",
         3 + 19 + 1 + 37 + (3 + 1 + 1) + (1 + 14 + 1)},
        {"ADD ss :ss", "{\":ss\":{\"SS\":[\"abc\",\"de\"]}}", 3 + 19 + 2 + 5},
        {"REMOVE abc, m.a[7]", NULL, 3 + (1 + 3) + (1 + 1 + 4 + 1 + 4 + 1)},
        {"DELETE ss :ss", "{\":ss\":{\"SS\":[\"abcdef\"]}}", 3 + 1 + 2},
    };
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        expr_t *x;
        assert_int_equal(tpipe(&a, EXPR_UPDATE, cc[i].text, NULL, cc[i].vals, &x, &e), 0);
        uint64_t got = expr_update_charge(x);
        if (got != cc[i].want) {
            printf("charge [%s]: want %llu got %llu\n", cc[i].text,
                   (unsigned long long)cc[i].want, (unsigned long long)got);
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
    assert_int_equal(expr_update_charge(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_missing_item),
        cmocka_unit_test(test_updated_paths),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_charge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
