/*
 * test_expr_partiql — the PartiQL parser and binder (expr_partiql*.c) on their own: statement
 * shapes, the trees they produce (evaluated with expr_eval / expr_update_apply, the one
 * evaluator), literal and parameter binding, DynamoDB's error texts and positions, the
 * planner helpers, the select-list naming, and the limits (length, nesting, IN operands)
 * against hostile input.  The end-to-end behaviour against tables is pinned by the golden
 * corpus (tests/unit/api/test_partiql_golden.c).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "expr/expr_partiql.h"
#include "expr_test_util.h"

/* Parses and binds; returns rc; the error text in e. */
static int pq(arena_t *a, const char *stmt, const av_t *params, size_t np, expr_pq_bound *b,
              err_t *e)
{
    err_clear(e);
    expr_pq *s = NULL;
    int rc = expr_pq_parse(a, stmt, strlen(stmt), &s, e);
    if (rc || (rc = expr_pq_bind(a, s, params, np, b, e)))
        return rc;
    /* a refusal held for after the table checks: reported as the api does for a table that
     * passes them */
    if (expr_pq_deferred(s))
        return err_set(e, ERR_VALIDATION, "%s", expr_pq_deferred(s));
    return 0;
}

static void expect_err(const char *stmt, const char *msg)
{
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    int rc = pq(&a, stmt, NULL, 0, &b, &e);
    if (rc != ERR_VALIDATION || strcmp(e.msg, msg) != 0)
        fail_msg("%s\n  want: %s\n  got:  %d %s", stmt, msg, rc, e.msg);
    arena_fini(&a);
}

/* Evaluates the statement's WHERE against an item (JSON text). */
static bool where_holds(const char *stmt, const char *item_json)
{
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    if (pq(&a, stmt, NULL, 0, &b, &e))
        fail_msg("%s: %s", stmt, e.msg);
    av_t item = titem(&a, item_json);
    bool ok = false;
    assert_int_equal(expr_eval(b.where, &item, &ok, &e), 0);
    arena_fini(&a);
    return ok;
}

/* Statement kinds, targets, ORDER BY and RETURNING. */
static void shapes(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    assert_int_equal(pq(&a, "select * from \"tab\".\"idx\" where pk = 'a' order by sk desc", NULL,
                        0, &b, &e),
                     0);
    assert_int_equal(b.kind, EXPR_PQ_SELECT);
    assert_true(b.star);
    assert_string_equal(b.table, "tab");
    assert_string_equal(b.index, "idx");
    assert_int_equal(b.norder, 1);
    assert_string_equal(b.order[0].name, "sk");
    assert_true(b.order[0].desc);
    assert_int_equal(pq(&a, "INSERT INTO tab VALUE {'pk': 'a', 'n': 1}", NULL, 0, &b, &e), 0);
    assert_int_equal(b.kind, EXPR_PQ_INSERT);
    assert_int_equal(b.item.type, AV_M);
    assert_int_equal(b.item.u.map.n, 2);
    assert_int_equal(pq(&a, "UPDATE tab SET a = 1 REMOVE b WHERE pk = 'a' RETURNING MODIFIED NEW *",
                        NULL, 0, &b, &e),
                     0);
    assert_int_equal(b.kind, EXPR_PQ_UPDATE);
    assert_int_equal(b.ret, EXPR_PQ_RET_MODIFIED_NEW);
    assert_non_null(b.upd);
    /* signs fold into a number literal ("- - 1" is 1; AWS 2026-09) */
    assert_int_equal(
        pq(&a, "SELECT * FROM tab WHERE pk = 'a' AND n = - -/* c */+ 1", NULL, 0, &b, &e), 0);
    assert_true(where_holds("SELECT * FROM tab WHERE n = - - 1", "{\"n\":{\"N\":\"1\"}}"));
    assert_true(where_holds("SELECT * FROM tab WHERE n = - + 1", "{\"n\":{\"N\":\"-1\"}}"));
    /* PartiQL's FROM-first UPDATE */
    assert_int_equal(
        pq(&a, "from tab where pk = 'a' set a = 1 remove b RETURNING ALL OLD *", NULL, 0, &b, &e),
        0);
    assert_int_equal(b.kind, EXPR_PQ_UPDATE);
    assert_string_equal(b.table, "tab");
    assert_non_null(b.where);
    assert_non_null(b.upd);
    assert_int_equal(b.ret, EXPR_PQ_RET_ALL_OLD);
    assert_int_equal(pq(&a, "DELETE FROM tab WHERE pk = 'a' RETURNING ALL OLD *", NULL, 0, &b, &e),
                     0);
    assert_int_equal(b.kind, EXPR_PQ_DELETE);
    assert_int_equal(b.ret, EXPR_PQ_RET_ALL_OLD);
    assert_int_equal(pq(&a, "EXISTS(SELECT * FROM tab WHERE pk = 'a' AND n = 1)", NULL, 0, &b, &e),
                     0);
    assert_int_equal(b.kind, EXPR_PQ_EXISTS);
    arena_fini(&a);
}

/* The WHERE tree is the expression language's: PartiQL's operators evaluate like their
 * ConditionExpression counterparts (IS MISSING = attribute_not_exists, IS NULL = a NULL
 * value, NOT IN / NOT BETWEEN, size, begins_with, contains, attribute_type). */
static void where_semantics(void **state)
{
    (void)state;
    const char *it = "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"5\"},\"z\":{\"NULL\":true},"
                     "\"s\":{\"S\":\"hello\"},\"ss\":{\"SS\":[\"x\",\"y\"]},"
                     "\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"b\"}]},\"b\":{\"BOOL\":true}}";
    struct {
        const char *cond;
        bool want;
    } t[] = {
        {"n = 5", true},          {"n <> 5", false},          {"n != 4", true},
        {"n < 6", true},          {"n >= 6", false},          {"5 = n", true},
        {"n BETWEEN 1 AND 5", true}, {"n NOT BETWEEN 1 AND 5", false},
        {"n IN [1, 5]", true},    {"n NOT IN (1, 5)", false}, {"z IS NULL", true},
        {"nope IS NULL", false},  {"nope IS NOT NULL", true}, {"nope IS MISSING", true},
        {"n IS NOT MISSING", true}, {"n IS NUMERIC", true},  {"s IS STRING", true},
        {"l IS LIST", true},      {"b IS BOOLEAN", true},     {"z = NULL", true},
        {"begins_with(s, 'he')", true}, {"contains(ss, 'y')", true},
        {"contains(l, 'b')", true}, {"size(l) = 2", true},   {"attribute_type(n, 'N')", true},
        {"NOT n = 5", false},     {"n = 4 OR s = 'hello'", true},
        {"(n = 4 OR s = 'hello') AND b = TRUE", true}, {"l = [1, 'b']", true},
        {"ss = <<'y', 'x'>>", true}, {"begins_with(s, 'h') = false", false},
        {"begins_with(s, 'h') <> false", true}, {"\"s\" = 'hello'", true},
        {"n = 5.0", true},        {"n = 5e0", true},          {"s = 'it''s'", false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char stmt[256];
        snprintf(stmt, sizeof stmt, "SELECT * FROM tab WHERE %s", t[i].cond);
        if (where_holds(stmt, it) != t[i].want)
            fail_msg("%s: want %d", t[i].cond, t[i].want);
    }
}

/* A condition compared is its truth, a BOOL (AWS eu-west-2 2026-09: test_partiql.py
 * test_condition_compared_with_boolean). */
static void conditions_as_values(void **state)
{
    (void)state;
    const char *it = "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"},\"b\":{\"BOOL\":true}}";
    struct {
        const char *cond;
        bool want;
    } t[] = {
        {"true = attribute_exists(n)", true},
        {"(n BETWEEN 0 AND 5) = true", true},
        {"(n = 4 OR s = 'x') = false", true},
        {"attribute_exists(nope) IN [true, false]", true},
        {"attribute_exists(n) = attribute_exists(s)", true},
        {"attribute_exists(n) = b", true},
        {"(attribute_exists(n) = true) = false", false},
        {"attribute_exists(n) = s", false},
        {"contains(nope, 'z') = false", true},
        {"(n = 5) <> false", true},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char stmt[256];
        snprintf(stmt, sizeof stmt, "SELECT * FROM tab WHERE %s", t[i].cond);
        if (where_holds(stmt, it) != t[i].want)
            fail_msg("%s: want %d", t[i].cond, t[i].want);
    }
}

/* `?` binds Parameters in order; too few is DynamoDB's count error; extra ones are
 * ignored (DynamoDB Local). */
static void parameters(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    av_t p[2] = {tv(&a, "{\"S\":\"a\"}"), tv(&a, "{\"N\":\"7\"}")};
    assert_int_equal(pq(&a, "INSERT INTO tab VALUE {'pk': ?, 'n': ?}", p, 2, &b, &e), 0);
    assert_true(av_equal(av_map_gets(&b.item, "n"), &p[1]));
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE pk = ? AND n = ?", p, 1, &b, &e),
                     ERR_VALIDATION);
    assert_string_equal(e.msg, "Number of parameters in request and statement don't match.");
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE pk = ?", p, 2, &b, &e), 0);
    av_t item = titem(&a, "{\"pk\":{\"S\":\"a\"}}");
    bool ok = false;
    assert_int_equal(expr_eval(b.where, &item, &ok, &e), 0);
    assert_true(ok);
    /* a parameter's type reaches the resolver's checks */
    av_t bo = tv(&a, "{\"BOOL\":true}");
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE n < ?", &bo, 1, &b, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Incorrect operand type for operator or function; operator or "
                               "function: <, operand type: BOOL");
    arena_fini(&a);
}

/* A value or an update operand in parentheses is that value or operand (PartiQL's tree keeps no
 * trace of them; DynamoDB Local stores each of these): INSERT's VALUE attributes and the
 * members of list / map / set literals, SET values and their operands, set_add's and
 * list_append's arguments. */
static void parenthesised_values(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    av_t p = tv(&a, "{\"S\":\"v\"}");
    assert_int_equal(pq(&a,
                        "INSERT INTO tab VALUE {'pk': ('a'), 'n': (1), 'l': [(2), ((3))], "
                        "'m': {'d': (<<'x'>>)}, 'q': (?), 'z': ((-1))}",
                        &p, 1, &b, &e),
                     0);
    av_t want = titem(&a, "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},"
                          "\"l\":{\"L\":[{\"N\":\"2\"},{\"N\":\"3\"}]},"
                          "\"m\":{\"M\":{\"d\":{\"SS\":[\"x\"]}}},\"q\":{\"S\":\"v\"},"
                          "\"z\":{\"N\":\"-1\"}}");
    assert_true(av_equal(&b.item, &want));
    assert_int_equal(pq(&a,
                        "UPDATE tab SET x = (n) + 1, y = (n - 1), z = ((2)), w = list_append((l), "
                        "([3])), s = set_add((s), (<<'b'>>)), v = ((n) + (n)) WHERE (pk) = 'a'",
                        NULL, 0, &b, &e),
                     0);
    av_t old = titem(&a, "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"5\"},"
                         "\"l\":{\"L\":[{\"N\":\"1\"}]},\"s\":{\"SS\":[\"a\"]}}");
    av_t out;
    const char *keys[] = {"pk"};
    assert_int_equal(expr_update_apply(&a, b.upd, &old, keys, 1, &out, NULL, &e), 0);
    av_t x = tv(&a, "{\"N\":\"6\"}"), y = tv(&a, "{\"N\":\"4\"}"), z = tv(&a, "{\"N\":\"2\"}"),
         w = tv(&a, "{\"L\":[{\"N\":\"1\"},{\"N\":\"3\"}]}"), st = tv(&a, "{\"SS\":[\"a\",\"b\"]}"),
         v = tv(&a, "{\"N\":\"10\"}");
    assert_true(av_equal(av_map_gets(&out, "x"), &x));
    assert_true(av_equal(av_map_gets(&out, "y"), &y));
    assert_true(av_equal(av_map_gets(&out, "z"), &z));
    assert_true(av_equal(av_map_gets(&out, "w"), &w));
    assert_true(av_equal(av_map_gets(&out, "s"), &st));
    assert_true(av_equal(av_map_gets(&out, "v"), &v));
    /* update functions take update values (nesting, + / -); + / - chain; -(1) is -1 */
    assert_int_equal(pq(&a,
                        "UPDATE tab SET x = list_append(if_not_exists(zz, []), [3]), "
                        "y = if_not_exists(zz, n + 1), z = n + 1 + 1 - 3, w = -(1), "
                        "s = (set_add(s, <<'b'>>)) WHERE pk = 'a'",
                        NULL, 0, &b, &e),
                     0);
    assert_int_equal(expr_update_apply(&a, b.upd, &old, keys, 1, &out, NULL, &e), 0);
    x = tv(&a, "{\"L\":[{\"N\":\"3\"}]}");
    y = tv(&a, "{\"N\":\"6\"}");
    z = tv(&a, "{\"N\":\"4\"}");
    w = tv(&a, "{\"N\":\"-1\"}");
    assert_true(av_equal(av_map_gets(&out, "x"), &x));
    assert_true(av_equal(av_map_gets(&out, "y"), &y));
    assert_true(av_equal(av_map_gets(&out, "z"), &z));
    assert_true(av_equal(av_map_gets(&out, "w"), &w));
    assert_true(av_equal(av_map_gets(&out, "s"), &st));
    expect_err("UPDATE tab SET x = -(n) WHERE pk = 'a'",
               "Incorrect number of operands for operator or function; operator or function: -, "
               "number of operands: 1");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'b': 1 AND 2}",
               "Unsupported data type: and under key root at 1:42:3");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'b': -('x')}",
               "Unsupported data type: - under key root at 1:40:1");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'b': m.x}",
               "Unsupported data type: PATH under key root");
    expect_err("UPDATE tab SET x = MISSING WHERE pk = 'a'",
               "MISSING must be compared using IS operator");
    expect_err("UPDATE tab SET x = (n + 1 >= 2) WHERE pk = 'a'",
               "Unsupported operator in Update Expression. Operator: >=");
    expect_err("UPDATE tab SET x = n != 1 WHERE pk = 'a'",
               "Unsupported operator in Update Expression. Operator: <>");
    expect_err("UPDATE tab SET x = NOT b WHERE pk = 'a'",
               "Unsupported operator in Update Expression. Operator: not");
    expect_err("UPDATE tab SET x = n IS NULL WHERE pk = 'a'",
               "IS operator is not supported in update expressions");
    expect_err("SELECT * FROM tab WHERE NOT size(l)",
               "Incorrect operand type for operator or function; operator or function: NOT, "
               "operand type: N");
    /* a parenthesised tuple, bag member, map key; steps after a parenthesised path; any
     * operand on IN's left, a bag as its sequence */
    assert_int_equal(pq(&a,
                        "INSERT INTO tab VALUE (({'pk': 'a', 's': <<('x'), (('y'))>>, "
                        "'m': {(('k')): 1}}))",
                        NULL, 0, &b, &e),
                     0);
    want = titem(&a, "{\"pk\":{\"S\":\"a\"},\"s\":{\"SS\":[\"x\",\"y\"]},"
                     "\"m\":{\"M\":{\"k\":{\"N\":\"1\"}}}}");
    assert_true(av_equal(&b.item, &want));
    const char *item = "{\"n\":{\"N\":\"5\"},\"l\":{\"L\":[{\"N\":\"1\"}]},"
                       "\"m\":{\"M\":{\"x\":{\"N\":\"2\"}}}}";
    assert_true(where_holds("SELECT * FROM tab WHERE (l)[0] = 1 AND ((m)).x = 2", item));
    assert_true(where_holds("SELECT * FROM tab WHERE 5 IN [n] AND size(l) IN <<1, 2>>", item));
    assert_false(where_holds("SELECT * FROM tab WHERE 'x' IN [n, (m).x]", item));
    assert_int_equal(
        pq(&a, "SELECT (n), ((m.x)) FROM tab WHERE pk = 'a' ORDER BY (pk)", NULL, 0, &b, &e), 0);
    assert_int_equal(b.norder, 1);
    assert_string_equal(b.order[0].name, "pk");
    arena_fini(&a);
}

/* Syntax errors: the service's envelope and detail (DynamoDB Local echoes the statement). */
static void syntax_errors(void **state)
{
    (void)state;
    expect_err("SLECT * FROM tab", EXPR_PQ_TXT_SYNTAX "Expected data manipulation");
    expect_err("", EXPR_PQ_TXT_SYNTAX "Expected data manipulation");
    expect_err("SELECT * FROM \"tab", EXPR_PQ_TXT_SYNTAX);
    expect_err("SELECT * FROM tab WHERE pk = 'a", EXPR_PQ_TXT_SYNTAX);
    expect_err("SELECT value FROM tab", EXPR_PQ_TXT_SYNTAX "Unexpected keyword");
    expect_err("SELECT * FROM tab WHERE pk == 'a'", EXPR_PQ_TXT_SYNTAX "Unexpected operator");
    /* PartiQL's parser names what it found (AWS 2026-10: the conformance suite fork's tier3
     * error-messages/partiqlGrammar) */
    expect_err("SELECT * FROM tab WHERE", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM tab WHERE ;", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM tab WHERE NOT", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM tab WHERE (", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM tab WHERE pk = -", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT * FROM tab WHERE IS NULL", EXPR_PQ_TXT_SYNTAX "Unexpected operator");
    expect_err("SELECT * FROM tab WHERE pk = LIKE", EXPR_PQ_TXT_SYNTAX "Unexpected operator");
    expect_err("SELECT * FROM tab WHERE ORDER BY pk", EXPR_PQ_TXT_SYNTAX "Unexpected keyword");
    expect_err("SELECT * FROM tab WHERE pk = 'a' AND",
               EXPR_PQ_TXT_SYNTAX "Missing right-hand side expression of infix operator");
    expect_err("SELECT * FROM tab WHERE pk = 'a' OR",
               EXPR_PQ_TXT_SYNTAX "Missing right-hand side expression of infix operator");
    expect_err("SELECT * FROM tab WHERE pk =",
               EXPR_PQ_TXT_SYNTAX "Missing right-hand side expression of infix operator");
    expect_err("SELECT * FROM tab WHERE pk = 'a' AND x IS FOO",
               EXPR_PQ_TXT_SYNTAX "Expected type name");
    expect_err("SELECT * FROM tab WHERE x IS 3", EXPR_PQ_TXT_SYNTAX "Expected type name");
    expect_err("DELETE FROM", EXPR_PQ_TXT_SYNTAX "Expected identifier for simple path");
    expect_err("DELETE FROM WHERE pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Expected identifier for simple path");
    expect_err("UPDATE ; SET a = 1", EXPR_PQ_TXT_SYNTAX "Expected identifier for simple path");
    /* UPDATE (either order of FROM) wants SET or REMOVE; REMOVE a simple path */
    expect_err("UPDATE tab WHERE pk = 'a'", EXPR_PQ_TXT_SYNTAX "Expected data manipulation");
    expect_err("FROM tab WHERE pk = 'a'", EXPR_PQ_TXT_SYNTAX "Expected data manipulation");
    expect_err("FROM tab SET a = 1 WHERE pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("UPDATE tab REMOVE 'a' WHERE pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Expected identifier for simple path");
    /* a complete statement with tokens left over */
    expect_err("UPDATE tab REMOVE a, b WHERE pk = 'x'",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab; SELECT 1",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab WHERE pk = 1 e5",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab WHERE pk = 1)",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("DELETE FROM tab WHERE pk = 1 ORDER BY pk",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab ORDER BY pk WHERE pk = 1",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("INSERT INTO tab x VALUE {'pk': 'a'}",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab x y", EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    /* AT / BY name a source's position and key, not a select item's: a syntax error ahead of
     * any refusal of the statement (the select list's `?` here: the syntax pass's text,
     * PartiQL's) */
    expect_err("SELECT v AT y FROM tab", EXPR_PQ_TXT_SYNTAX "Unexpected keyword");
    expect_err("SELECT v BY y FROM tab", EXPR_PQ_TXT_SYNTAX "Unexpected keyword");
    expect_err("SELECT ?, v AT y FROM tab", EXPR_PQ_TXT_SYNTAX "Expected FROM after SELECT list");
    expect_err("SELECT ?, v AS x BY y FROM tab",
               EXPR_PQ_TXT_SYNTAX "Expected FROM after SELECT list");
    /* a `)` missing at the end: the same text whether the parser or the syntax pass (after a
     * semantic refusal, the tuple key here) finds it */
    expect_err("SELECT * FROM tab WHERE (pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Unexpected end of statement");
    expect_err("SELECT * FROM tab WHERE v = {?: 1} AND (pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Unexpected end of statement");
    expect_err("SELECT * FROM tab WHERE v BETWEEN 1",
               EXPR_PQ_TXT_SYNTAX "Unexpected end of statement");
    expect_err("SELECT * FROM tab WHERE v = {?: 1} AND v BETWEEN 1",
               EXPR_PQ_TXT_SYNTAX "Unexpected end of statement");
}

/* Semantic errors with DynamoDB Local's texts and " at line:column:length" positions. */
static void semantic_errors(void **state)
{
    (void)state;
    expect_err("SELECT * FROM tab LIMIT 1", "Unsupported clause: LIMIT at 1:25:1");
    expect_err("SELECT * FROM tab\n  WHERE pk = 'a' LIMIT 5", "Unsupported clause: LIMIT at 2:24:1");
    expect_err("SELECT COUNT(*) FROM tab", "Unexpected path component at 1:8:5");
    expect_err("SELECT * FROM tab WHERE attribute_exists(n) > false",
               "Incorrect operand type for operator or function; operator or function: >, "
               "operand type: BOOL");
    expect_err("SELECT * FROM tab WHERE (n = 1) BETWEEN 0 AND 2",
               "Incorrect operand type for operator or function; operator or function: BETWEEN, "
               "operand type: BOOL");
    /* the select list's refusal is held for the table checks: a later syntax error wins over
     * it, a later semantic error does not; a call that does not close is refused at once */
    expect_err("SELECT COUNT(*) FROM tab WHERE", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT pk, 'a', size(m) FROM tab WHERE pk = 'x' x",
               EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    /* GROUP BY / HAVING / LIMIT first (DynamoDB Local, 2026-12-05) */
    expect_err("SELECT COUNT(*) FROM tab LIMIT 1", "Unsupported clause: LIMIT at 1:32:1");
    expect_err("SELECT 1, COUNT(*) FROM tab WHERE n IS INT", "Unexpected path component at 1:8:1");
    /* a syntax error after the select list's refusal wins (DynamoDB Local, 2026-12-05) */
    expect_err("SELECT COUNT(* FROM tab", EXPR_PQ_TXT_SYNTAX "Unexpected keyword");
    expect_err("SELECT ? FROM tab WHERE", EXPR_PQ_TXT_SYNTAX "Unexpected term");
    expect_err("SELECT ? FROM tab", "Unexpected path component at 1:8:1");
    expect_err("SELECT * FROM tab WHERE n IS INT",
               "Unsupported data type for IS operator: INTEGER. Supported data types are "
               "[MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST] at 1:27:2");
    expect_err("SELECT * FROM tab WHERE n = MISSING", "MISSING must be compared using IS operator");
    expect_err("SELECT * FROM tab WHERE s", "WHERE clause must contain an expression that "
                                            "resolves to a boolean");
    expect_err("SELECT * FROM tab WHERE n = 1 AND s", "The arguments to AND/OR must be Expressions");
    expect_err("SELECT * FROM tab WHERE NOT s", "The argument to NOT must be a Type or Expression");
    expect_err("SELECT * FROM tab WHERE n + 1 = 2",
               "Unsupported operator in Condition Expression. Operator: +");
    expect_err("SELECT * FROM tab WHERE upper(s) = 'A'", "Unrecognized function: upper at 1:25:5");
    expect_err("SELECT * FROM tab WHERE UPPER(s) = 'A'", "Unrecognized function: upper at 1:25:5");
    expect_err("SELECT * FROM tab WHERE pk = 'a' AND\n  EXISTS(s)",
               "Unrecognized function: exists at 2:3:6");
    expect_err("SELECT * FROM tab WHERE s IN []",
               "IN operator must have a left hand argument of type Variable Reference and right "
               "hand argument of type Seq with at least one member");
    expect_err("SELECT v, v FROM tab", "Duplicate identifiers in select clause: v");
    expect_err("SELECT a, a.b FROM tab", "Two document paths overlap with each other; must "
                                         "remove or rewrite one of these paths; path one: [a, "
                                         "b], path two: [a]");
    expect_err("SELECT * FROM tab ORDER BY pk", "Must have WHERE clause in the statement when "
                                                "using ORDER BY clause.");
    expect_err("SELECT * FROM \"tab\".\"i\".\"x\"",
               "A path may contain at most 2 components in the FROM clause");
    expect_err("SELECT * FROM \"\"", "Path component cannot be an empty string");
    expect_err("SELECT * FROM ab", "Table name should be within the length [3, 255] and only "
                                   "contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.");
    expect_err("INSERT INTO \"tab\".\"idx\" VALUE {'pk': 'a'}",
               "FROM clause may only contain a single table name in data manipulation statements");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'pk': 'b'}",
               "Duplicate keys in tuple. Key: pk under root at 1:35:4");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'e': <<>>}", "Empty bags are not supported");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'e': <<1, 'x'>>}",
               "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in "
               "bags");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'e': <<1, 1.0>>}",
               "One or more parameter values were invalid: Input collection [1, 1.0] contains "
               "duplicates! under root");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'm': {'x': <<-2, 3, -2e0>>}}",
               "One or more parameter values were invalid: Input collection [-2, 3, -2e0] "
               "contains duplicates! under root.x");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'e': <<'it''s', 'b', 'it''s'>>}",
               "One or more parameter values were invalid: Input collection [it's, b, it's] "
               "contains duplicates.");
    expect_err("SELECT * FROM tab WHERE pk = 'a' AND s = <<'a', 'a'>>",
               "One or more parameter values were invalid: Input collection [a, a] contains "
               "duplicates.");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'e': -0.0}",
               "Negative zero decimal is not supported under key root at 1:41:3");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'm': {'x': [1, missing]}}",
               "Unsupported data type: LiteralMissing under key root.x[1] at 1:50:7");
    expect_err("INSERT INTO tab VALUE {'pk': 'a', 'm': [?]}",
               "Unsupported data type: Parameter under key root[0] at 1:41:1");
    expect_err("INSERT INTO tab VALUE ?", "Unsupported format in item expression. Please use "
                                          "struct format {...} to express item values for insert "
                                          "statement. at 1:23:1");
    expect_err("DELETE FROM tab WHERE pk = 'a' RETURNING ALL NEW *",
               "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed "
               "in DELETE statements.");
    expect_err("UPDATE tab SET a = set_add(b, <<1>>) WHERE pk = 'a'",
               "The first argument to SET_ADD must equal the assignment value at 1:20:7");
    expect_err("UPDATE tab SET a = size(b) WHERE pk = 'a'",
               "The function is not allowed in an update expression; function: size");
    expect_err("SELECT * FROM tab WHERE list_append(a, b) = c",
               "The function is not allowed in a condition expression; function: list_append");
    expect_err("DROP TABLE tab", "Unsupported operation: DropTable");
    expect_err("SELECT pk AS x FROM tab", "Aliasing is not supported");
    expect_err("x IS INT4", "Unsupported operation: IsType");
    /* a value inside 32 list / map literals (AWS 2026-09); 31 are fine */
    expect_err("UPDATE tab SET d = "
               "{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'"
               "a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':{'a':1}}}}"
               "}}}}}}}}}}}}}}}}}}}}}}}}}}}} WHERE pk = 'a'",
               "Nesting Levels have exceeded supported limits under "
               "root.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a");
    expect_err(
        "UPDATE tab SET d = {'a':[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]} "
        "WHERE pk = 'a'",
        "Nesting Levels have exceeded supported limits under "
        "root.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
        "[0][0][0]");
    expect_err("SELECT l[2147483648] FROM tab",
               "List index is not within the allowable range; index: [2147483648] at 1:10:10");
    expect_err("SELECT l[99999999999999999999999] FROM tab",
               "List index is not within the allowable range; index: [99999999999999999999999] "
               "at 1:10:23");
    expect_err("SELECT l[-1] FROM tab", "List index is not within the allowable range; index: [-1] "
                                        "at 1:11:1");
    expect_err("SELECT a FROM tab WHERE pk = 'a' AND l[-20] = 1",
               "List index is not within the allowable range; index: [-20] at 1:41:2");
    expect_err("\"x\" IS NOT double precision;", "Unsupported operation: IsType");
    expect_err("x IS CHARACTER VARYING", "Unsupported operation: IsType");
    expect_err("x IS WHATEVER", EXPR_PQ_TXT_SYNTAX "Expected type name");
    expect_err("x IS INT y", EXPR_PQ_TXT_SYNTAX "Unexpected token after expression");
    expect_err("SELECT * FROM tab x WHERE pk = 'a'", "Aliasing is not supported");
    expect_err("SELECT * FROM tab AS x", "Aliasing is not supported");
    expect_err("UPDATE tab x SET a = 1 WHERE pk = 'a'", "Aliasing is not supported");
    expect_err("DELETE FROM \"tab\" \"x\" WHERE pk = 'a'", "Aliasing is not supported");
    expect_err("SELECT * FROM tab WHERE pk = `abc`",
               "Ion Literals are not supported: SYMBOL under key root at 1:30:5");
}

/* set_add / set_delete refused in the service's order, each text at a token's position
 * (AWS 2026-09/10: the conformance suite fork's tier3 error-messages/partiqlFunctions); a
 * path through a keyword after a dot is PartiQL's "Invalid path dot component". */
static void set_function_errors(void **state)
{
    (void)state;
    /* the argument count first, even before a bad argument */
    expect_err("UPDATE tab SET s = set_add(s) WHERE pk = 'a'",
               "SET_ADD must have exactly two arguments at 1:20:7");
    expect_err("UPDATE tab SET s = SET_DELETE() WHERE pk = 'a'",
               "SET_DELETE must have exactly two arguments at 1:20:10");
    expect_err("UPDATE tab SET s = set_add(s, <<>>, <<'y'>>) WHERE pk = 'a'",
               "SET_ADD must have exactly two arguments at 1:20:7");
    expect_err("UPDATE tab SET s = set_add(s, [<<1>>], 2, {'a': [3]}) WHERE pk = 'a'",
               "SET_ADD must have exactly two arguments at 1:20:7");
    /* a syntax error inside the arguments is still the parser's */
    expect_err("UPDATE tab SET s = set_add(s, <<'x'>> 'y', 3) WHERE pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Unexpected token");
    /* then the arguments' own values */
    expect_err("UPDATE tab SET t = set_add(s, <<>>) WHERE pk = 'a'",
               "Empty bags are not supported");
    /* then the first argument, at the function's name */
    expect_err("UPDATE tab SET t = set_delete(s, <<'a'>>) WHERE pk = 'a'",
               "The first argument to SET_DELETE must equal the assignment value at 1:20:10");
    expect_err("UPDATE tab SET s = set_add(<<'a'>>, <<'b'>>) WHERE pk = 'a'",
               "The first argument to SET_ADD must equal the assignment value at 1:20:7");
    /* then the second, at the first argument (a quoted name counts its quotes) */
    expect_err("UPDATE tab SET s = set_add(s, 'x') WHERE pk = 'a'",
               "The second argument to SET_ADD must be a value with type SET at 1:28:1");
    expect_err("UPDATE tab\nSET \"s\" = set_delete(\"s\", ['x']) WHERE pk = 'a'",
               "The second argument to SET_DELETE must be a value with type SET at 2:22:3");
    expect_err("UPDATE tab SET s = set_add(s, t) WHERE pk = 'a'",
               "The second argument to SET_ADD must be a value with type SET at 1:28:1");
    /* a parameter is checked when bound */
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    av_t p = av_make_s("x", 1);
    assert_int_equal(pq(&a, "UPDATE tab SET ss = set_add(ss, ?) WHERE pk = 'a'", &p, 1, &b, &e),
                     ERR_VALIDATION);
    assert_string_equal(e.msg, "The second argument to SET_ADD must be a value with type SET at "
                               "1:29:2");
    av_t m[1] = {av_make_s("x", 1)};
    p = av_make_list(AV_SS, m, 1);
    assert_int_equal(pq(&a, "UPDATE tab SET ss = set_add(ss, ?) WHERE pk = 'a'", &p, 1, &b, &e), 0);
    arena_fini(&a);
    /* a keyword, a literal or the end after a dot */
    expect_err("SELECT * FROM tab WHERE attribute_exists(m.inner)",
               EXPR_PQ_TXT_SYNTAX "Invalid path dot component");
    expect_err("UPDATE tab SET m.inner = set_add(m.inner, <<'y'>>) WHERE pk = 'a'",
               EXPR_PQ_TXT_SYNTAX "Invalid path dot component");
    expect_err("SELECT m.'x' FROM tab", EXPR_PQ_TXT_SYNTAX "Invalid path dot component");
    expect_err("SELECT * FROM tab WHERE m.", EXPR_PQ_TXT_SYNTAX "Invalid path dot component");
}

/* OR branches naming one partition with overlapping sort-key ranges (expr_pq_overlap): whether
 * they overlap, and the reads counted. */
static bool overlap_check(const char *where, size_t *reads)
{
    arena_t a;
    arena_init(&a);
    char stmt[16384];
    snprintf(stmt, sizeof stmt, "SELECT * FROM tab WHERE %s", where);
    expr_pq_bound b;
    err_t e;
    if (pq(&a, stmt, NULL, 0, &b, &e))
        fail_msg("%.200s: %s", stmt, e.msg);
    bool o = true;
    assert_int_equal(expr_pq_overlap(&a, b.where, "pk", "sk", &o, reads), 0);
    arena_fini(&a);
    return o;
}

static bool overlaps(const char *where)
{
    size_t reads;
    return overlap_check(where, &reads);
}

static size_t reads_of(const char *where)
{
    size_t reads = 0;
    overlap_check(where, &reads);
    return reads;
}

/* the branches as summaries (review11 F5/F7): an AND with one branch on either side, the first
 * sort-key leaf of a branch, the reads counted, and a WHERE too wide to expand */
static void overlap_branch_summaries(void **state)
{
    (void)state;
    assert_true(overlaps("pk = 'x' AND (sk = 1 OR sk = 2 OR sk = 1)"));
    assert_true(overlaps("(sk = 1 OR sk = 2 OR sk = 1) AND pk = 'x'"));
    assert_false(overlaps("(sk = 1 OR sk = 2) AND pk = 'x'"));
    assert_true(overlaps("(pk = 'x' AND sk = 1) OR (pk = 'x' AND sk > 0 AND sk = 5)"));
    assert_false(overlaps("(pk = 'x' AND sk = 1) OR (pk = 'x' AND sk = 5 AND sk > 0)"));
    assert_int_equal(reads_of("(pk = 'x' OR pk = 'y') AND (sk = 1 OR sk = 2)"), 4);
    assert_int_equal(reads_of("pk IN ['x', 'y', 'z'] AND sk IN [1, 2]"), 6);
    assert_int_equal(reads_of("pk = 'x' AND v = 1 OR pk = 'y'"), 2);
    /* 149 partitions (297 operators, under the statement's 300): past the expansion, counted
     * as more than any limit */
    char w[8192];
    size_t n = 0;
    for (int i = 0; i < 149; i++)
        n += (size_t)snprintf(w + n, sizeof w - n, "%spk = 'p%d'", i ? " OR " : "", i);
    assert_true(reads_of(w) > 50);
    /* as wide, with a branch that is a scan: not counted */
    n += (size_t)snprintf(w + n, sizeof w - n, " OR v = 1");
    assert_int_equal(reads_of(w), 0);
}

/* 300 operators a clause (review13 F9, as DynamoDB Local counts them): the WHERE whole, keys
 * included; an UPDATE's SET values together, apart from its WHERE. */
static bool statement_ok(const char *stmt)
{
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    int rc = pq(&a, stmt, NULL, 0, &b, &e);
    arena_fini(&a);
    return rc == 0;
}

static void operator_limit(void **state)
{
    (void)state;
    static char w[16384];
    const char *ops301 = "The expression contains too many operators; operator count: 301";
    /* pk = 'a' AND (k comparisons OR'ed): 2 + 2k - 1 operators */
    for (int k = 149; k <= 150; k++) {
        size_t n = (size_t)snprintf(w, sizeof w, "SELECT * FROM tab WHERE pk = 'a' AND (");
        for (int i = 0; i < k; i++)
            n += (size_t)snprintf(w + n, sizeof w - n, "%sn = %d", i ? " OR " : "", i);
        snprintf(w + n, sizeof w - n, ")");
        if (k == 149)
            assert_true(statement_ok(w)); /* 299 */
        else
            expect_err(w, ops301); /* 301 */
    }
    /* SET x = n + ... (300 '+') with a WHERE of its own 5: runs; one more '+' does not */
    for (int k = 300; k <= 301; k++) {
        size_t n = (size_t)snprintf(w, sizeof w, "UPDATE tab SET x = n");
        for (int i = 0; i < k; i++)
            n += (size_t)snprintf(w + n, sizeof w - n, " + n");
        snprintf(w + n, sizeof w - n, " WHERE pk = 'a' AND sk = 1 AND n = 5");
        if (k == 300)
            assert_true(statement_ok(w));
        else
            expect_err(w, ops301);
    }
    /* the SET values count together: 300 + 1 */
    size_t n = (size_t)snprintf(w, sizeof w, "UPDATE tab SET x = n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(w + n, sizeof w - n, " + n");
    snprintf(w + n, sizeof w - n, ", y = n + 1 WHERE pk = 'a'");
    expect_err(w, ops301);
    /* NOT, functions and IN count one each: 1 + 1 + 149 NOT + 1 = 152 */
    n = (size_t)snprintf(w, sizeof w, "SELECT * FROM tab WHERE pk = 'a' AND ");
    for (int i = 0; i < 149; i++)
        n += (size_t)snprintf(w + n, sizeof w - n, "NOT ");
    snprintf(w + n, sizeof w - n, "n = 1");
    assert_true(statement_ok(w));
    n = (size_t)snprintf(w, sizeof w, "SELECT * FROM tab WHERE pk = 'a'");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(w + n, sizeof w - n, " AND begins_with(s, 'x')");
    expect_err(w, ops301); /* 1 + 150 + 150 */
}

static void overlapping_branches(void **state)
{
    (void)state;
    assert_true(overlaps("pk IN ['x', 'x']"));
    assert_true(overlaps("pk = 'x' OR pk = 'x'"));
    assert_true(overlaps("pk = 'x' AND (sk > 0 OR sk < 5)"));
    assert_true(overlaps("pk = 'x' AND (sk = 1 OR v = 2)"));
    assert_true(overlaps("(pk = 'x' AND a = 1) OR (pk = 'x' AND b = 2)"));
    assert_true(overlaps("pk = 'x' AND (sk BETWEEN 1 AND 3 OR sk = 3)"));
    assert_true(overlaps("pk = 'x' AND (begins_with(sk, 'ab') OR sk = 'abc')"));
    assert_true(overlaps("pk = 'x' AND (sk <= 'b' OR sk >= 'b')"));
    assert_false(overlaps("pk = 'x' AND (sk < 'b' OR sk > 'b' OR sk = 'b')"));
    assert_false(overlaps("pk = 'x' AND (begins_with(sk, 'ab') OR sk = 'ac')"));
    assert_false(overlaps("pk = 'x' AND sk IN [1, 2]"));
    assert_false(overlaps("pk IN ['x', 'y'] AND sk IN [1, 2]"));
    assert_false(overlaps("(pk = 'x' AND v = 1) OR (pk = 'y' AND v = 1)"));
    assert_false(overlaps("pk = 'x' AND NOT sk = 1 OR pk = 'x' AND sk = 2"));
    assert_false(overlaps("pk = 'x' AND sk <> 1 OR pk = 'x' AND sk = 2"));
    assert_false(overlaps("pk = 'x' OR sk = 1"));
    assert_false(overlaps("pk = 'x' AND v = 1"));
    /* an OR naming no key attribute is a filter; a branch with two partitions reads nothing */
    assert_false(overlaps("pk = 'x' AND (a = 1 OR b = 2)"));
    assert_false(overlaps("pk = 'x' AND (pk = 'y' OR a = 1)"));
}

/* An index holding g (its partition key), pk and p only. */
static bool held_gpk(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return (len == 1 && (name[0] == 'g' || name[0] == 'p')) ||
           (len == 2 && memcmp(name, "pk", 2) == 0);
}

/* The names expr_pq_index_filter reports for a WHERE on partition key g, "[a, b]" ("" when
 * nothing is reported), into out. */
static const char *unheld(const char *where, char *out, size_t cap)
{
    arena_t a;
    arena_init(&a);
    char stmt[8192];
    snprintf(stmt, sizeof stmt, "SELECT * FROM tab WHERE %s", where);
    expr_pq_bound b;
    err_t e;
    if (pq(&a, stmt, NULL, 0, &b, &e))
        fail_msg("%.200s: %s", stmt, e.msg);
    expr_name *m;
    size_t n;
    assert_int_equal(expr_pq_index_filter(&a, b.where, "g", held_gpk, NULL, &m, &n), 0);
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%.*s", i ? ", " : "[", (int)m[i].len,
                                 m[i].ptr);
    if (n)
        snprintf(out + used, cap - used, "]");
    arena_fini(&a);
    return out;
}

/* The filter attributes of a keyed index read (AWS eu-west-2 2026-09, an AWS-checked emulator's
 * captures, its DynamoDbPartiQLEdgeCaseIntegrationTest 11 and 22; the conformance suite's tier2
 * partiql/indexQualifier): refused when every read lacks some, the last read in key order
 * reported, its names in a Java HashSet's order ("[a, b]"; zz, aa and mm share a bucket: as
 * written); a read OR a plain condition, or the key read otherwise, is a scan (not checked). */
static void index_filter(void **state)
{
    (void)state;
    char o[256];
    assert_string_equal(unheld("g = 'y' AND NOT (np = 'x' OR p = 'x')", o, sizeof o), "[np]");
    assert_string_equal(unheld("g = 'y' AND b = '1' AND (a = '2' OR p = '3')", o, sizeof o),
                        "[a, b]");
    assert_string_equal(unheld("g = 'y' AND (zz = '1' OR aa = '2' OR mm = '3')", o, sizeof o),
                        "[zz, aa, mm]");
    assert_string_equal(unheld("g = 'y' AND (p = '1' OR p = '2')", o, sizeof o), "");
    assert_string_equal(unheld("(g = 'y' OR g = 'z') AND zz = '1'", o, sizeof o), "[zz]");
    assert_string_equal(unheld("(g = 'b' AND u1 = '1') OR (g = 'q' AND u2 = '1')", o, sizeof o),
                        "[u2]");
    assert_string_equal(unheld("(g = 'q' AND u1 = '1') OR (g = 'b' AND u2 = '1')", o, sizeof o),
                        "[u1]");
    assert_string_equal(unheld("(g = 'y' AND p = '1') OR (g = 'z' AND aa = '1')", o, sizeof o), "");
    assert_string_equal(unheld("(g = 'z' AND aa = '1') OR (g = 'y' AND p = '1')", o, sizeof o), "");
    assert_string_equal(unheld("g > 'a' AND zz = '1'", o, sizeof o), "");
    assert_string_equal(unheld("g = 'y' AND (g = 'z' OR zz = '1')", o, sizeof o), "");
    assert_string_equal(unheld("(g = 'y' AND zz = '1') OR aa = '1'", o, sizeof o), "");
    assert_string_equal(unheld("zz = '1'", o, sizeof o), "");
    /* IN reads each value; two equalities keep the partitions both name */
    assert_string_equal(unheld("g IN ['z', 'y'] AND m.x = 1", o, sizeof o), "[m]");
    assert_string_equal(unheld("g = 'y' AND g = 'z' AND zz = '1'", o, sizeof o), "");
    assert_string_equal(unheld("g = 'y' AND g IN ['y', 'z'] AND zz = '1'", o, sizeof o), "[zz]");
    assert_string_equal(unheld("(g = 'y' AND np = '1') OR (g = 'y2')", o, sizeof o), "");
    /* reads of one partition each on its own, as written; numbers in number order */
    assert_string_equal(unheld("(g = 'y' AND c = 1) OR (g = 'y' AND b = 1)", o, sizeof o), "[b]");
    assert_string_equal(unheld("(g = 10 AND c = 1) OR (g = 9 AND b = 1)", o, sizeof o), "[c]");
    /* a long AND chain (the recursion's depth; 299 operators, under the statement's 300): the
     * names past the index, as a HashSet */
    {
        char w[8000];
        size_t n = (size_t)snprintf(w, sizeof w, "g = 'y'");
        for (int i = 0; i < 148; i++)
            n += (size_t)snprintf(w + n, sizeof w - n, " AND p = %d", i);
        snprintf(w + n, sizeof w - n, " AND q = 1");
        assert_string_equal(unheld(w, o, sizeof o), "[q]");
    }
    /* a name outside the BMP hashes as two UTF-16 units (U+1F600 = 0xD83D 0xDE00: bucket 8, after
     * the 3 of c) */
    assert_string_equal(unheld("g = 'y' AND \"\xF0\x9F\x98\x80\" = 1 AND c = 1", o, sizeof o),
                        "[c, \xF0\x9F\x98\x80]");
}

/* The select list names its results as DynamoDB does (expr_pq_project). */
static void select_naming(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    av_t item = titem(&a, "{\"m\":{\"M\":{\"x\":{\"L\":[{\"M\":{\"y\":{\"N\":\"1\"}}},"
                          "{\"M\":{\"y\":{\"N\":\"2\"},\"q\":{\"N\":\"3\"}}}]}}},"
                          "\"l\":{\"L\":[{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}]},"
                          "\"s\":{\"S\":\"v\"}}");
    struct {
        const char *list, *want;
    } t[] = {
        {"s", "{\"s\":{\"S\":\"v\"}}"},
        {"m.x[0].y", "{\"y\":{\"N\":\"1\"}}"},
        {"m.x[1].y", "{\"x[1]\":{\"M\":{\"y\":{\"N\":\"2\"}}}}"},
        {"l[0][1]", "{\"l[0][1]\":{\"N\":\"2\"}}"},
        {"nope, m.zz, l[5]", "{}"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char stmt[128];
        snprintf(stmt, sizeof stmt, "SELECT %s FROM tab", t[i].list);
        expr_pq_bound b;
        err_t e;
        assert_int_equal(pq(&a, stmt, NULL, 0, &b, &e), 0);
        av_t out;
        assert_int_equal(expr_pq_project(&a, b.proj, &item, &out, &e), 0);
        av_t want = titem(&a, t[i].want);
        if (!av_equal(&out, &want))
            fail_msg("%s: projection differs", t[i].list);
    }
    arena_fini(&a);
}

/* Planner helpers: key equalities, IN, OR chains, range conditions, the rest. */
static void planner(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    expr_pq_bound b;
    err_t e;
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE 'x' = pk AND sk > 3 AND v = 1", NULL, 0, &b,
                        &e),
                     0);
    const expr_node **c;
    size_t n;
    assert_int_equal(expr_pq_conjuncts(&a, b.where, &c, &n, &e), 0);
    assert_int_equal(n, 3);
    const av_t *v[4];
    size_t k;
    assert_true(expr_pq_key_eq(c[0], "pk", false, v, 4, &k));
    assert_int_equal(k, 1);
    assert_int_equal(v[0]->type, AV_S);
    assert_false(expr_pq_key_eq(c[1], "sk", false, v, 4, &k));
    expr_krop op;
    const av_t *r1, *r2;
    assert_true(expr_pq_range_cond(c[1], "sk", &op, &r1, &r2));
    assert_int_equal(op, EXPR_KR_GT);
    bool skip[3] = {true, true, false};
    expr_node *rest;
    assert_int_equal(expr_pq_without(&a, c, n, skip, &rest, &e), 0);
    assert_non_null(rest);
    /* 3 < sk is sk > 3 */
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE 3 < sk", NULL, 0, &b, &e), 0);
    assert_int_equal(expr_pq_conjuncts(&a, b.where, &c, &n, &e), 0);
    assert_true(expr_pq_range_cond(c[0], "sk", &op, &r1, &r2));
    assert_int_equal(op, EXPR_KR_GT);
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE pk IN ['a', 'b', 'c']", NULL, 0, &b, &e), 0);
    assert_int_equal(expr_pq_conjuncts(&a, b.where, &c, &n, &e), 0);
    assert_false(expr_pq_key_eq(c[0], "pk", false, v, 4, &k));
    assert_true(expr_pq_key_eq(c[0], "pk", true, v, 4, &k));
    assert_int_equal(k, 3);
    const av_t **ov;
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE pk = 'a' OR pk = 'b' OR pk = 'c'", NULL, 0,
                        &b, &e),
                     0);
    assert_true(expr_pq_key_or(b.where, "pk", &ov, &n, &a));
    assert_int_equal(n, 3);
    assert_int_equal(pq(&a, "SELECT * FROM tab WHERE pk = 'a' OR v = 'b'", NULL, 0, &b, &e), 0);
    assert_false(expr_pq_key_or(b.where, "pk", &ov, &n, &a));
    arena_fini(&a);
}

/* Limits: length, nesting, IN operands; hostile input never crashes. */
static void limits(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    expr_pq *s;
    err_t e;
    size_t big = EXPR_PQ_MAX_LEN + 1;
    char *txt = malloc(big + 1);
    assert_non_null(txt);
    memset(txt, ' ', big);
    txt[big] = 0;
    err_clear(&e);
    assert_int_equal(expr_pq_parse(&a, txt, big, &s, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Member must have length less than or equal to 8192");
    /* 4000 nested parentheses: refused, not a stack overflow */
    size_t n = 0;
    n += (size_t)snprintf(txt, big, "SELECT * FROM tab WHERE ");
    while (n < 4100)
        txt[n++] = '(';
    txt[n] = 0;
    err_clear(&e);
    assert_int_equal(expr_pq_parse(&a, txt, n, &s, &e), ERR_VALIDATION);
    n = (size_t)snprintf(txt, big, "INSERT INTO tab VALUE {'pk': 'a', 'l': ");
    while (n < 4100)
        txt[n++] = '[';
    txt[n] = 0;
    err_clear(&e);
    assert_int_equal(expr_pq_parse(&a, txt, n, &s, &e), ERR_VALIDATION);
    /* ... and in an update value or an INSERT value */
    const char *deep_pre[] = {"UPDATE tab SET a = ", "INSERT INTO tab VALUE {'pk': 'a', 'l': ",
                              "UPDATE tab SET a = list_append(l, "};
    for (size_t k = 0; k < sizeof deep_pre / sizeof deep_pre[0]; k++) {
        n = (size_t)snprintf(txt, big, "%s", deep_pre[k]);
        while (n < 4100)
            txt[n++] = '(';
        txt[n] = 0;
        err_clear(&e);
        assert_int_equal(expr_pq_parse(&a, txt, n, &s, &e), ERR_VALIDATION);
    }
    /* 101 IN operands */
    n = (size_t)snprintf(txt, big, "SELECT * FROM tab WHERE n IN [0");
    for (int i = 1; i <= 100; i++)
        n += (size_t)snprintf(txt + n, big - n, ",%d", i);
    snprintf(txt + n, big - n, "]");
    expect_err(txt, "The IN operator is provided with too many operands; number of operands: 101");
    /* random bytes and truncations of valid statements */
    const char *seeds[] = {"SELECT a.b[1], \"c\" FROM \"t1\".\"i\" WHERE a IN [1, 'x'] AND "
                           "begins_with(b, ?) ORDER BY k DESC",
                           "INSERT INTO t1 VALUE {'a': [1, {'b': <<'x', 'y'>>}], 'c': ?}",
                           "UPDATE t1 SET a = list_append(a, [1]), b = b + ? REMOVE c WHERE "
                           "k = 'x' RETURNING ALL NEW *"};
    srand(7);
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        size_t sl = strlen(seeds[si]);
        for (size_t cut = 0; cut <= sl; cut++) {
            arena_reset(&a);
            err_clear(&e);
            (void)expr_pq_parse(&a, seeds[si], cut, &s, &e);
        }
        for (int round = 0; round < 2000; round++) {
            memcpy(txt, seeds[si], sl);
            for (int m = 0; m < 3; m++)
                txt[rand() % (int)sl] = (char)(rand() % 256);
            arena_reset(&a);
            err_clear(&e);
            if (expr_pq_parse(&a, txt, sl, &s, &e) == 0) {
                av_t p[4] = {av_make_s("x", 1), av_make_s("y", 1), av_make_s("z", 1),
                             av_make_s("w", 1)};
                expr_pq_bound bd;
                err_clear(&e);
                (void)expr_pq_bind(&a, s, p, 4, &bd, &e);
            }
        }
    }
    free(txt);
    arena_fini(&a);
}

/* The syntax pass's recursion is bounded: a statement of the longest length that makes it
 * recurse once a token (a run of signs, FROM's parentheses around a table) uses no more stack
 * than its bound allows, measured against the deepest nesting the pass reads (1,024
 * parentheses; the pass runs after the semantic refusal, the tuple key).  A FROM or an
 * INSERT's expression nested deeper than the pass reads is the parser's "Unexpected token"
 * (the pass gave up with no text: the syntax message was empty). */
typedef struct deep_job {
    const char *txt;
    int rc;
    char msg[ERR_MSG_MAX];
} deep_job;

static void *deep_parse(void *arg)
{
    deep_job *j = arg;
    arena_t a;
    arena_init(&a);
    expr_pq *s = NULL;
    err_t e;
    err_clear(&e);
    j->rc = expr_pq_parse(&a, j->txt, strlen(j->txt), &s, &e);
    snprintf(j->msg, sizeof j->msg, "%s", e.msg);
    arena_fini(&a);
    return NULL;
}

/* Parses j->txt on a thread of a painted 16 MB stack; the bytes of it used. */
static size_t deep_run(deep_job *j)
{
    size_t size = 16u << 20;
    unsigned char *stack = aligned_alloc(4096, size);
    assert_non_null(stack);
    memset(stack, 0xA5, size);
    pthread_attr_t at;
    pthread_t th;
    assert_int_equal(pthread_attr_init(&at), 0);
    assert_int_equal(pthread_attr_setstack(&at, stack, size), 0);
    assert_int_equal(pthread_create(&th, &at, deep_parse, j), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    pthread_attr_destroy(&at);
    size_t low = 0;
    while (low < size && stack[low] == 0xA5)
        low++;
    free(stack);
    return size - low;
}

/* pre + reps x open + mid + reps x close + post, as long as a statement may be (reps 0) or
 * with reps repetitions */
static void deep_text(char *txt, const char *pre, const char *open, const char *mid,
                      const char *close, const char *post, size_t reps)
{
    size_t n = (size_t)snprintf(txt, EXPR_PQ_MAX_LEN + 1, "%s", pre);
    size_t lo = strlen(open), lc = strlen(close);
    if (!reps)
        reps = (EXPR_PQ_MAX_LEN - n - strlen(mid) - strlen(post)) / (lo + lc);
    for (size_t r = 0; r < reps; r++, n += lo)
        memcpy(txt + n, open, lo);
    n += (size_t)snprintf(txt + n, EXPR_PQ_MAX_LEN + 1 - n, "%s", mid);
    for (size_t r = 0; r < reps; r++, n += lc)
        memcpy(txt + n, close, lc);
    n += (size_t)snprintf(txt + n, EXPR_PQ_MAX_LEN + 1 - n, "%s", post);
    assert_true(n <= EXPR_PQ_MAX_LEN);
}

static void deep_nesting(void **state)
{
    (void)state;
    char *txt = malloc(EXPR_PQ_MAX_LEN + 1);
    assert_non_null(txt);
    const char *refused = "SELECT * FROM tab WHERE v = {?: 1} AND pk = ";
    deep_text(txt, refused, "(", "1", ")", "", 1100);
    deep_job j = {.txt = txt};
    size_t bound = deep_run(&j);
    assert_int_equal(j.rc, ERR_VALIDATION);
    struct {
        const char *pre, *open, *mid, *close, *post;
    } runs[] = {
        {refused, "-+", "1", "", ""},                             /* a sign each */
        {refused, "-", "x", "", ""},                              /* a sign each */
        {"SELECT * FROM ", "(", "tab", ")", " WHERE v = {?: 1}"}, /* a source each */
    };
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        deep_text(txt, runs[k].pre, runs[k].open, runs[k].mid, runs[k].close, runs[k].post, 0);
        j = (deep_job){.txt = txt};
        size_t used = deep_run(&j);
        assert_int_equal(j.rc, ERR_VALIDATION);
        if (used > bound)
            fail_msg("case %zu: %zu bytes of stack, the bound's %zu", k, used, bound);
    }
    /* nested deeper than the pass reads: the parser's text */
    const char *pres[] = {"SELECT * FROM ", "INSERT INTO tab "};
    for (size_t k = 0; k < 2; k++) {
        deep_text(txt, pres[k], "(", "1", ")", "", 1100);
        j = (deep_job){.txt = txt};
        deep_run(&j);
        if (j.rc != ERR_VALIDATION || strcmp(j.msg, EXPR_PQ_TXT_SYNTAX "Unexpected token") != 0)
            fail_msg("%s: %d %s", pres[k], j.rc, j.msg);
    }
    free(txt);
}

/* expr_pq_first_kind reads the first word as the lexer does (blanks, both comment forms, a
 * '$' inside a word), and expr_pq_parse_n's count and syntax flag. */
static void first_kind_and_parse_n(void **state)
{
    (void)state;
    struct {
        const char *text;
        bool ok;
        expr_pq_kind k;
    } cases[] = {
        {"  SELECT * FROM t", true, EXPR_PQ_SELECT},
        {"/* a */ -- b\n\tupdate t SET a = 1", true, EXPR_PQ_UPDATE},
        {"--\nINSERT INTO t VALUE {'a': 1}", true, EXPR_PQ_INSERT},
        {"FROM t WHERE a = 1 SET b = 2", true, EXPR_PQ_UPDATE},
        {"delete FROM t", true, EXPR_PQ_DELETE},
        {"EXISTS(SELECT * FROM t)", true, EXPR_PQ_EXISTS},
        {"SELECT$x * FROM t", false, EXPR_PQ_SELECT}, /* a name to the lexer */
        {"SELECTx", false, EXPR_PQ_SELECT},
        {"/* SELECT", false, EXPR_PQ_SELECT},
        {"-- SELECT", false, EXPR_PQ_SELECT},
        {"", false, EXPR_PQ_SELECT},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        expr_pq_kind got = EXPR_PQ_SELECT;
        bool ok = expr_pq_first_kind(cases[k].text, strlen(cases[k].text), &got);
        if (ok != cases[k].ok || (ok && got != cases[k].k))
            fail_msg("%s: %d %d", cases[k].text, ok, (int)got);
    }
    arena_t a;
    arena_init(&a);
    expr_pq *s;
    err_t e;
    bool syntax = true;
    const char *upd = "UPDATE tab SET x = MISSING WHERE pk = ?";
    err_clear(&e);
    assert_int_equal(expr_pq_parse_n(&a, upd, strlen(upd), 0, &s, &syntax, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "Number of parameters in request and statement don't match.");
    assert_false(syntax);
    err_clear(&e);
    assert_int_equal(expr_pq_parse_n(&a, upd, strlen(upd), 1, &s, &syntax, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "MISSING must be compared using IS operator");
    const char *bad = "UPDATE tab SET x = MISSING WHERE (pk = ?";
    err_clear(&e);
    assert_int_equal(expr_pq_parse_n(&a, bad, strlen(bad), 0, &s, &syntax, &e), ERR_VALIDATION);
    assert_true(syntax);
    const char *fine = "SELECT * FROM tab WHERE pk = ?";
    err_clear(&e);
    assert_int_equal(expr_pq_parse_n(&a, fine, strlen(fine), 0, &s, &syntax, &e), 0);
    assert_false(syntax);
    assert_int_equal(expr_pq_nparams(s), 1);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shapes),
        cmocka_unit_test(where_semantics),
        cmocka_unit_test(conditions_as_values),
        cmocka_unit_test(parameters),
        cmocka_unit_test(parenthesised_values),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(semantic_errors),
        cmocka_unit_test(set_function_errors),
        cmocka_unit_test(overlapping_branches),
        cmocka_unit_test(overlap_branch_summaries),
        cmocka_unit_test(operator_limit),
        cmocka_unit_test(index_filter),
        cmocka_unit_test(select_naming),
        cmocka_unit_test(planner),
        cmocka_unit_test(limits),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(first_kind_and_parse_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
