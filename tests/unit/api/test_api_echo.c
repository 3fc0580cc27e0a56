/*
 * test_api_echo — a request value as the service's validation messages quote it (api_echo.c):
 * the Java toString of an AttributeValue, a list, a map, a blob and a structure; compact JSON
 * for an API_MF_ECHO_JSON member; a NUL shown as \u0000; and the bounded buffer: a cut echo
 * still ends with its closers, and a fixed buffer never writes past its size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_echo.h"
#include "api/api_schema.h"

static const api_shape str_shape = {.name = "String", .type = API_ST_STRING};
static const api_shape int_shape = {.name = "Integer", .type = API_ST_INTEGER};
static const api_shape blob_shape = {.name = "Blob", .type = API_ST_BLOB};
static const api_shape av_shape = {.name = "AttributeValue", .type = API_ST_ATTRVAL};
static const api_shape list_shape = {.name = "List", .type = API_ST_LIST, .elem = &str_shape};
static const api_shape map_shape = {.name = "Map", .type = API_ST_MAP, .elem = &av_shape};
static const api_member kv_members[] = {
    {.name = "Limit", .shape = &int_shape},
    {.name = "IndexName", .shape = &str_shape},
    {0},
};
static const api_shape struct_shape = {.name = "Thing", .type = API_ST_STRUCT,
                                       .members = kv_members};

/* api_echo (json: api_echo_json) of JSON text j with shape sh, into a heap buffer of cap. */
static char *echo_of(const char *j, const api_shape *sh, bool json, size_t cap)
{
    json_t *n = json_loads(j, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    assert_non_null(n);
    sbuf b = api_sb_heap(cap);
    if (json)
        api_echo_json(&api_jview_jansson, n, &b);
    else
        api_echo(&api_jview_jansson, sh, n, &b);
    json_decref(n);
    assert_non_null(b.p);
    assert_int_equal(strlen(b.p), b.len);
    return b.p;
}

static void expect(const char *j, const api_shape *sh, bool json, const char *want)
{
    char *got = echo_of(j, sh, json, 4096);
    assert_string_equal(got, want);
    free(got);
}

static void test_java_tostring(void **state)
{
    (void)state;
    expect("{\"S\":\"a\"}", &av_shape, false,
           "AttributeValue(s=a, n=null, b=null, sS=null, nS=null, bS=null, m=null, l=null, "
           "nULL=null, bOOL=null)");
    expect("{\"pk\":{\"BOOL\":true}}", &map_shape, false,
           "{pk=AttributeValue(s=null, n=null, b=null, sS=null, nS=null, bS=null, m=null, "
           "l=null, nULL=null, bOOL=true)}");
    expect("[\"a\",\"b\\u0000c\"]", &list_shape, false, "[a, b\\u0000c]");
    expect("\"AAEC\"", &blob_shape, false, "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]");
    expect("\"AA==\"", &blob_shape, false, "java.nio.HeapByteBuffer[pos=0 lim=1 cap=1]");
    expect("{\"IndexName\":\"i\",\"Limit\":5}", &struct_shape, false,
           "Thing(limit=5, indexName=i)");
    expect("{\"Limit\":null}", &struct_shape, false, "Thing(limit=null, indexName=null)");
    expect("7.0", &int_shape, false, "7");
    expect("null", &str_shape, false, "null");
}

static void test_json(void **state)
{
    (void)state;
    expect("{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\\\"\\n\"}}]},\"x\":[1,true,null]}", NULL,
           true, "{\"bad!name\":{\"Keys\":[{\"pk\":{\"S\":\"a\\\"\\n\"}}]},\"x\":[1,true,null]}");
}

/* A cut echo keeps its closers: content stops at the soft limit (cap less the closers' room),
 * then "..." and the brackets still fit. */
static void test_cut_keeps_closers(void **state)
{
    (void)state;
    char big[2048];
    size_t bl = 0;
    big[bl++] = '[';
    for (int i = 0; i < 100; i++) {
        memcpy(big + bl, ",\"abcdefgh\"" + (i == 0), 11 - (i == 0));
        bl += 11 - (i == 0);
    }
    big[bl++] = ']';
    big[bl] = 0;
    char *got = echo_of(big, &list_shape, false, 100);
    size_t n = strlen(got);
    assert_true(n < 100);
    assert_true(n > 40);
    assert_string_equal(got + n - 4, "...]");
    free(got);

    char fixed[16];
    sbuf b = api_sb_make(fixed, sizeof fixed);
    api_sb_str(&b, "0123456789abcdefghij");
    assert_true(b.cut);
    assert_true(b.len < sizeof fixed);
    assert_int_equal(strlen(fixed), b.len);
    api_sb_lower_first(&b, "X");
    assert_int_equal(strlen(fixed), b.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_tostring),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_cut_keeps_closers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
