/*
 * test_op_misc — DescribeLimits and DescribeEndpoints (src/api/op_misc.c) through api_call().
 */
#include <time.h>

#include "table_test.h"

static void test_misc(void **state)
{
    fx *f = *state;
    err_t e = {0};
    json_t *resp;
    assert_int_equal(call(f, "DescribeLimits", "{}", &resp, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(resp, "AccountMaxReadCapacityUnits")),
                     80000);
    assert_int_equal(json_integer_value(json_object_get(resp, "TableMaxWriteCapacityUnits")),
                     40000);
    json_decref(resp);
    assert_int_equal(call(f, "DescribeEndpoints", "{}", &resp, &e), 0);
    json_t *ep = json_array_get(json_object_get(resp, "Endpoints"), 0);
    assert_int_equal(json_integer_value(json_object_get(ep, "CachePeriodInMinutes")), 1440);
    assert_non_null(json_string_value(json_object_get(ep, "Address")));
    json_decref(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_misc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
