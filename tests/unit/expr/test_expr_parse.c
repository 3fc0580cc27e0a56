/*
 * Unit tests for expr/expr_parse: the grammar of the five kinds, DynamoDB's syntax-error texts
 * (offending token and the "near" window), the precedence of parse-time errors (syntax >
 * operator count > redundant parentheses > first of reserved word / unknown function /
 * misused function, in source order), limits, and that a parsed tree does not depend on the
 * text buffer (cacheable).  Texts were recorded from DynamoDB Local.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

typedef struct pcase {
    expr_kind kind;
    const char *text;
    const char *msg; /* NULL: must parse */
} pcase;

static const pcase cases[] = {
    /* syntax: token and near window (previous token .. next token) */
    {EXPR_CONDITION, "a x",
     "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"a x\""},
    {EXPR_CONDITION, "a = :v AND",
     "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""},
    {EXPR_CONDITION,
     "a = ", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \""},
    {EXPR_CONDITION, "= :v",
     "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= :v\""},
    {EXPR_CONDITION, "a = :v b = :v",
     "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":v b =\""},
    {EXPR_CONDITION, "(a = :v",
     "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\""},
    {EXPR_CONDITION, "a = :v)",
     "Invalid ConditionExpression: Syntax error; token: \")\", near: \":v)\""},
    {EXPR_CONDITION, "a.b..c = :v",
     "Invalid ConditionExpression: Syntax error; token: \".\", near: \"..c\""},
    {EXPR_CONDITION, "a[x] = :v",
     "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\""},
    {EXPR_CONDITION, "a == :v",
     "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :v\""},
    {EXPR_CONDITION, "a IN ()",
     "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\""},
    {EXPR_CONDITION, "a -1",
     "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"a -1\""},
    {EXPR_CONDITION, "a = :v # ",
     "Invalid ConditionExpression: Syntax error; token: \"#\", near: \":v # \""},
    {EXPR_CONDITION, "_a = :v",
     "Invalid ConditionExpression: Syntax error; token: \"_\", near: \"_a\""},
    {EXPR_CONDITION, "a[01] = :v",
     "Invalid ConditionExpression: Syntax error; token: \"1\", near: \"01]\""},
    {EXPR_CONDITION, "and = :v",
     "Invalid ConditionExpression: Syntax error; token: \"and\", near: \"and =\""},
    {EXPR_CONDITION, "ab\xc3\xa9 = :v",
     "Invalid ConditionExpression: Syntax error; token: \"\xc3\xa9\", near: \"ab\xc3\xa9 =\""},
    {EXPR_CONDITION, " ",
     "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \" \""},
    {EXPR_CONDITION, "size() = :v",
     "Invalid ConditionExpression: Syntax error; token: \")\", near: \"() =\""},
    {EXPR_CONDITION, "a",
     "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"a\""},
    {EXPR_UPDATE, "SET n = n + :v + :v",
     "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v + :v\""},
    {EXPR_UPDATE, "ADD a b", "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\""},
    {EXPR_UPDATE, "SET a = :v,",
     "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\""},
    {EXPR_PROJECTION, "a b",
     "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\""},
    {EXPR_KEY_CONDITION, "pk x",
     "Invalid KeyConditionExpression: Syntax error; token: \"x\", near: \"pk x\""},
    {EXPR_FILTER, "a x", "Invalid FilterExpression: Syntax error; token: \"x\", near: \"a x\""},
    /* empty */
    {EXPR_CONDITION, "", "Invalid ConditionExpression: The expression can not be empty;"},
    {EXPR_UPDATE, "", "Invalid UpdateExpression: The expression can not be empty;"},
    /* semantic errors found while parsing */
    {EXPR_CONDITION, "((a = :v))",
     "Invalid ConditionExpression: The expression has redundant parentheses;"},
    {EXPR_CONDITION, "a = ((:v))",
     "Invalid ConditionExpression: The expression has redundant parentheses;"},
    {EXPR_CONDITION, "foo(a) AND ((a = :v))",
     "Invalid ConditionExpression: The expression has redundant parentheses;"},
    {EXPR_CONDITION, "date = :v",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: date"},
    {EXPR_CONDITION, "m.DaTe = :v",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: DaTe"},
    {EXPR_CONDITION, "foo(a) AND date = :v",
     "Invalid ConditionExpression: Invalid function name; function: foo"},
    {EXPR_CONDITION, "date = :v AND foo(a)",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: date"},
    {EXPR_CONDITION, "Size(a) = :v",
     "Invalid ConditionExpression: Invalid function name; function: Size"},
    {EXPR_CONDITION, "size(a)",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an "
     "expression; function: size"},
    {EXPR_CONDITION, "attribute_exists(a) = :v",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an "
     "expression; function: attribute_exists"},
    {EXPR_CONDITION, "if_not_exists(a, :v) = :v",
     "Invalid ConditionExpression: The function is not allowed in a condition expression; "
     "function: if_not_exists"},
    {EXPR_UPDATE, "SET a = size(b)",
     "Invalid UpdateExpression: The function is not allowed in an update expression; function: "
     "size"},
    {EXPR_UPDATE, "SET a = :v + list_append(l, l)",
     "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; "
     "function: list_append"},
    {EXPR_UPDATE, "SET a = :v SET b = :v",
     "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
     "expression;"},
    {EXPR_UPDATE, "remove a REMOVE b",
     "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update "
     "expression;"},
    {EXPR_CONDITION, "a[2147483648] = :v",
     "Invalid ConditionExpression: List index is not within the allowable range; index: "
     "[2147483648]"},
    /* accepted forms */
    {EXPR_CONDITION, "size = :v", NULL},
    {EXPR_CONDITION, "a[2147483647] = :v", NULL},
    {EXPR_CONDITION, "(a) = :v AND (size(b)) > :w", NULL},
    {EXPR_CONDITION, "NOT NOT a = :v", NULL},
    {EXPR_CONDITION, "a = :v and b = :v Or NOT c = :v", NULL},
    {EXPR_CONDITION, "a[ 1 ] . b = :v", NULL},
    {EXPR_CONDITION, "a BETWEEN :a AND :b AND b IN (:a, c, :b)", NULL},
    {EXPR_UPDATE, "set a = :v remove b add c :v delete d :v", NULL},
    {EXPR_UPDATE, "SET n = (n + :v), l = list_append(if_not_exists(l, :e), :v)", NULL},
    {EXPR_PROJECTION, "a, b.c[1], #d", NULL},
};

static void test_table(void **state)
{
    size_t bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_t a;
        arena_init(&a);
        err_t e;
        err_clear(&e);
        expr_t *x = NULL;
        int rc = expr_parse(&a, cases[i].kind, cases[i].text, strlen(cases[i].text), &x, &e);
        if (cases[i].msg) {
            if (rc != ERR_VALIDATION || strcmp(e.msg, cases[i].msg) != 0) {
                printf("case %zu [%s]\n  want %s\n  got  %s\n", i, cases[i].text, cases[i].msg,
                       rc ? e.msg : "success");
                bad++;
            }
        } else if (rc != 0 || !x || expr_get_kind(x) != cases[i].kind) {
            printf("case %zu [%s] should parse: %s\n", i, cases[i].text, e.msg);
            bad++;
        }
        arena_fini(&a);
    }
    assert_int_equal(bad, 0);
}

static void test_limits(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    /* 4096 bytes parse, 4097 do not */
    char *t = malloc(5000);
    memset(t, ' ', 5000);
    memcpy(t, "a = :v", 6);
    expr_t *x;
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, t, EXPR_MAX_LEN, &x, &e), 0);
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, t, EXPR_MAX_LEN + 1, &x, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Invalid ConditionExpression: Expression size has exceeded the "
                               "maximum allowed size; expression size: 4097");
    /* 300 operators parse, 301 do not: 150 comparisons + 149 ANDs, then one more */
    char *s = malloc(8000);
    size_t n = 0;
    for (int i = 0; i < 151; i++)
        n += (size_t)snprintf(s + n, 8000 - n, "%sa = :v", i ? " AND " : "");
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n - strlen(" AND a = :v"), &x, &e), 0);
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n, &x, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Invalid ConditionExpression: The expression contains too many "
                               "operators; operator count: 301");
    /* IN: 100 operands, not 101 */
    n = (size_t)snprintf(s, 8000, "a IN (:v");
    for (int i = 1; i < 101; i++)
        n += (size_t)snprintf(s + n, 8000 - n, ", :v");
    n += (size_t)snprintf(s + n, 8000 - n, ")");
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n, &x, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Invalid ConditionExpression: The IN operator is provided with too "
                               "many operands; number of operands: 101");
    /* document path depth 32 */
    n = (size_t)snprintf(s, 8000, "a");
    for (int i = 1; i < 32; i++)
        n += (size_t)snprintf(s + n, 8000 - n, ".a");
    n += (size_t)snprintf(s + n, 8000 - n, " = :v");
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n, &x, &e), 0);
    memmove(s + 2, s, n);
    memcpy(s, "a.", 2);
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n + 2, &x, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Invalid ConditionExpression: The document path has too many "
                               "nesting levels; nesting levels: 33");
    /* deep NOT chains stay within the parser's recursion budget */
    n = 0;
    for (int i = 0; i < 299; i++)
        n += (size_t)snprintf(s + n, 8000 - n, "NOT ");
    n += (size_t)snprintf(s + n, 8000 - n, "a = :v");
    err_clear(&e);
    assert_int_equal(expr_parse(&a, EXPR_CONDITION, s, n, &x, &e), 0);
    free(s);
    free(t);
    arena_fini(&a);
}

/* The parsed tree owns its text: the request buffer may be freed before resolve/eval. */
static void test_cacheable(void **state)
{
    arena_t cache, req;
    arena_init(&cache);
    arena_init(&req);
    err_t e;
    err_clear(&e);
    char *text = strdup("#k = :v AND begins_with(m.s, :p)");
    expr_t *parsed;
    assert_int_equal(expr_parse(&cache, EXPR_CONDITION, text, strlen(text), &parsed, &e), 0);
    memset(text, 'X', strlen(text));
    free(text);
    for (int round = 0; round < 3; round++) {
        expr_env env;
        av_t names = titem(&req, "{\"#k\":\"k\"}");
        av_t vals = titem(&req, round == 1 ? "{\":v\":{\"S\":\"no\"},\":p\":{\"S\":\"he\"}}"
                                           : "{\":v\":{\"S\":\"yes\"},\":p\":{\"S\":\"he\"}}");
        av_t item = titem(&req, "{\"k\":{\"S\":\"yes\"},\"m\":{\"M\":{\"s\":{\"S\":\"hello\"}}}}");
        expr_t *x;
        bool r;
        assert_int_equal(expr_env_init(&env, &req, &names, &vals, &e), 0);
        assert_int_equal(expr_resolve(&req, parsed, &env, &x, &e), 0);
        assert_int_equal(expr_env_check_unused(&env, &e), 0);
        assert_int_equal(expr_eval(x, &item, &r, &e), 0);
        assert_int_equal(r, round != 1);
        arena_reset(&req);
    }
    arena_fini(&req);
    arena_fini(&cache);
}

/* Random token soup (fixed seed) never crashes parse/resolve/eval/update/project and only
 * ever fails with ERR_VALIDATION (run under ASan/UBSan in the sanitizer build). */
static void test_random_input(void **state)
{
    static const char *const toks[] = {"a",
                                       "b",
                                       "#n",
                                       ":v",
                                       ":w",
                                       "(",
                                       ")",
                                       "[",
                                       "]",
                                       "0",
                                       "1",
                                       "99999999999",
                                       ".",
                                       ",",
                                       "=",
                                       "<>",
                                       "<",
                                       "<=",
                                       ">",
                                       ">=",
                                       "+",
                                       "-",
                                       "AND",
                                       "OR",
                                       "NOT",
                                       "BETWEEN",
                                       "IN",
                                       "SET",
                                       "REMOVE",
                                       "ADD",
                                       "DELETE",
                                       "size",
                                       "contains",
                                       "begins_with",
                                       "attribute_exists",
                                       "attribute_type",
                                       "if_not_exists",
                                       "list_append",
                                       "date",
                                       "#",
                                       ":",
                                       "@",
                                       "\xc3\xa9",
                                       " "};
    unsigned seed = 12345;
    arena_t a;
    arena_init(&a);
    size_t ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char buf[512];
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        int k = 1 + (int)((seed >> 16) % 24);
        for (int i = 0; i < k; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *t = toks[(seed >> 16) % (sizeof toks / sizeof toks[0])];
            size_t l = strlen(t);
            if (n + l + 2 >= sizeof buf)
                break;
            memcpy(buf + n, t, l);
            n += l;
            buf[n++] = ' ';
        }
        expr_kind kind = (expr_kind)(iter % 5);
        err_t e;
        err_clear(&e);
        expr_t *p, *x;
        int rc = expr_parse(&a, kind, buf, n, &p, &e);
        assert_true(rc == 0 || rc == ERR_VALIDATION);
        if (rc == 0) {
            av_t names = titem(&a, "{\"#n\":\"a\"}");
            av_t vals = titem(&a, "{\":v\":{\"N\":\"1\"},\":w\":{\"SS\":[\"x\"]}}");
            av_t item = titem(&a, "{\"a\":{\"L\":[{\"N\":\"1\"}]},\"b\":{\"N\":\"2\"}}");
            expr_env env;
            assert_int_equal(expr_env_init(&env, &a, &names, &vals, &e), 0);
            rc = expr_resolve(&a, p, &env, &x, &e);
            assert_true(rc == 0 || rc == ERR_VALIDATION);
            if (rc == 0) {
                ok++;
                bool r;
                av_t out;
                expr_t *upd;
                expr_keycond kc;
                expr_keyschema ks = {.hash = "a", .hash_type = AV_N};
                if (kind == EXPR_UPDATE)
                    rc = expr_update_apply(&a, x, &item, NULL, 0, &out, &upd, &e);
                else if (kind == EXPR_PROJECTION)
                    rc = expr_project(&a, x, &item, &out, &e);
                else if (kind == EXPR_KEY_CONDITION)
                    rc = expr_keycond_extract(x, &ks, &kc, &e);
                else
                    rc = expr_eval(x, &item, &r, &e);
                assert_true(rc == 0 || rc == ERR_VALIDATION);
            }
        }
        arena_reset(&a);
    }
    assert_true(ok > 0);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_cacheable),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
