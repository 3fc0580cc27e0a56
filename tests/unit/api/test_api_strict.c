/*
 * test_api_strict — the strict deserialiser's refusals (api_strict.c, api_strict_pass) of
 * SearchVectors' body (review10 F4; conformance tier3 error-messages/searchVectors, AWS
 * 2026-10-09): an explicit null where it ends, a missing TableName where the object ends;
 * the same over both views (jansson's tree, our reader's), and the same positions counted in
 * the body's text as in the tree written compactly when the body is compact; a body with white
 * space is counted in its text (lines and columns as sent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "api/api_schema.h"
#include "api/api_strict.h"
#include "value/jread.h"

/* api_strict_pass over body b through both views, with its text and (tree_too) without it,
 * each answering rc and msg. */
static void check(const char *b, bool tree_too, int rc, const char *msg)
{
    const api_shape *in = api_schema_input("SearchVectors");
    assert_non_null(in);
    json_t *j = json_loads(b, 0, NULL);
    assert_non_null(j);
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error je;
    assert_int_equal(jread_parse(b, strlen(b), &a, &v, &je), 0);
    for (int text = tree_too ? 0 : 1; text < 2; text++) {
        err_t e1 = {0}, e2 = {0};
        const char *t = text ? b : NULL;
        size_t tl = text ? strlen(b) : 0;
        assert_int_equal(api_strict_pass(&api_jview_jansson, j, in, t, tl, &e1), rc);
        assert_string_equal(e1.msg, msg);
        assert_int_equal(api_strict_pass(&api_jview_jread, v, in, t, tl, &e2), rc);
        assert_string_equal(e2.msg, msg);
    }
    json_decref(j);
    arena_fini(&a);
}

static void test_strict_search_vectors(void **state)
{
    (void)state;
    check("{\"TableName\":\"x\",\"IndexName\":null}", true, ERR_SERIALIZATION,
          "invalid type: null, expected a string at line 1 column 33");
    check("{\"TableName\":\"a\\\"b\",\"SearchVector\":[{\"N\":\"1\"}],\"TopK\":null}", true,
          ERR_SERIALIZATION, "invalid type: null, expected i32 at line 1 column 58");
    check("{\"SearchVector\":null}", true, ERR_SERIALIZATION,
          "invalid type: null, expected a sequence at line 1 column 20");
    check("{\"IndexName\":\"ab\",\"TopK\":1}", true, ERR_VALIDATION,
          "missing field `TableName` at line 1 column 27");
    check("{}", true, ERR_VALIDATION, "missing field `TableName` at line 1 column 2");
    /* as sent, white space and lines counted (the tree's compact count would say column 33) */
    check("{\"TableName\": \"x\",\n  \"IndexName\": null}", false, ERR_SERIALIZATION,
          "invalid type: null, expected a string at line 2 column 19");
    check("{\"IndexName\": \"ab\",\n \"TopK\": 1\n}", false, ERR_VALIDATION,
          "missing field `TableName` at line 3 column 1");
    /* nothing to refuse: the model's checks come next */
    check("{\"TableName\":\"x\",\"IndexName\":\"ab\"}", true, 0, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_search_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
