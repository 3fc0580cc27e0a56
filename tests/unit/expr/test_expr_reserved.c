/*
 * Unit tests for expr/expr_reserved: DynamoDB's reserved words are rejected as bare names in
 * any letter case, through the parser's message; SIZE is accepted (DynamoDB Local); a name
 * reached through a #placeholder is never checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "expr_test_util.h"

static int reserved(const char *w)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    char text[128];
    snprintf(text, sizeof text, "%s = :v", w);
    expr_t *x;
    int rc = expr_parse(&a, EXPR_CONDITION, text, strlen(text), &x, &e);
    int r = rc == ERR_VALIDATION && strstr(e.msg, "reserved keyword") != NULL;
    if (r) {
        char want[160];
        snprintf(want, sizeof want,
                 "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
                 "keyword: %s",
                 w);
        assert_string_equal(e.msg, want);
    }
    arena_fini(&a);
    return r;
}

static void test_words(void **state)
{
    static const char *const yes[] = {
        "ABORT",   "abort",      "Date", "name",  "status",    "count", "user",   "value",
        "values",  "ZONE",       "year", "data",  "timestamp", "ttl",   "key",    "keys",
        "comment", "connection", "hash", "range", "token",     "type",  "unique", "where"};
    static const char *const no[] = {"size", "SIZE",  "pk",     "sk", "abc",     "names2", "dates",
                                     "a",    "nameX", "abortt", "zz", "message", "msgs"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!reserved(yes[i]))
            fail_msg("%s should be reserved", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (reserved(no[i]))
            fail_msg("%s should not be reserved", no[i]);
}

static void test_placeholder_escapes(void **state)
{
    arena_t a;
    arena_init(&a);
    err_t e;
    expr_t *x;
    assert_int_equal(tpipe(&a, EXPR_CONDITION, "#s = :v AND m.#c > :v",
                           "{\"#s\":\"status\",\"#c\":\"count\"}", "{\":v\":{\"N\":\"1\"}}", &x,
                           &e),
                     0);
    av_t item = titem(&a, "{\"status\":{\"N\":\"1\"},\"m\":{\"M\":{\"count\":{\"N\":\"2\"}}}}");
    bool r;
    assert_int_equal(expr_eval(x, &item, &r, &e), 0);
    assert_true(r);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_placeholder_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
