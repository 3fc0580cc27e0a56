/*
 * test_api_cache — the api parses each distinct expression text once (its expr_cache) and
 * resolves it per request: the second identical Query is a cache hit, and a request with
 * other placeholder values still gets its own values (resolution is per request).
 */
#include "item_test.h"

#include "api/api_int.h"
#include "expr/expr.h"

static void test_expressions_parsed_once(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'1'},"
                                    "'v':{'S':'x'}}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'2'},"
                                    "'v':{'S':'y'}}}"));
    uint64_t h0, m0, h1, m1;
    expr_cache_stats(f->api->xcache, &h0, &m0);
    const char *q = "{'TableName':'tab2','KeyConditionExpression':'pk = :p AND sk >= :s',"
                    "'FilterExpression':'v = :v','ProjectionExpression':'sk',"
                    "'ExpressionAttributeValues':{':p':{'S':'a'},':s':{'N':'1'},':v':{'S':'%s'}}}";
    char req[512];
    snprintf(req, sizeof req, q, "x");
    json_t *r1 = it_ok(f, "Query", req);
    expr_cache_stats(f->api->xcache, &h1, &m1);
    assert_int_equal(m1 - m0, 3); /* key condition, filter, projection: parsed */
    assert_int_equal(h1 - h0, 0);
    assert_true(it_eq(r1, "{'Items':[{'sk':{'N':'1'}}],'Count':1,'ScannedCount':2}"));
    snprintf(req, sizeof req, q, "y");
    json_t *r2 = it_ok(f, "Query", req);
    expr_cache_stats(f->api->xcache, &h1, &m1);
    assert_int_equal(m1 - m0, 3); /* nothing parsed again */
    assert_int_equal(h1 - h0, 3);
    assert_true(it_eq(r2, "{'Items':[{'sk':{'N':'2'}}],'Count':1,'ScannedCount':2}"));
    json_decref(r1);
    json_decref(r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_expressions_parsed_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
