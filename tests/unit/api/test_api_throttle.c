/*
 * test_api_throttle — `serve --throttle` in the api layer (api_throttle.c): which bucket a
 * request spends (an LSI's reads are the table's, a GSI's writes its own, charged only when
 * the write touches it), a switch to on-demand taking effect, nothing throttled when off.
 * The wire-level behaviour (texts, batches, transactions, bursts) is tests/e2e/test_throttle.py.
 */
#include "api/item_test.h"

#include "api/api_int.h"
#include "api/api_text.h"

/* it_setup's store, with the api replaced by one with the switch on. */
static int thr_setup(void **state)
{
    int rc = it_setup(state);
    if (rc)
        return rc;
    it_fix *f = *state;
    api_free(f->api);
    api_opts o = {.throttle = true};
    err_t e;
    err_clear(&e);
    return api_new(f->s, &o, &f->api, &e) ? -1 : 0;
}

#define THR_TEST(fn) cmocka_unit_test_setup_teardown(fn, thr_setup, it_teardown)

static void reason_is(json_t *extra, const char *reason)
{
    assert_non_null(extra);
    json_t *r0 = json_array_get(json_object_get(extra, "ThrottlingReasons"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "reason")), reason);
    json_decref(extra);
}

/* A table at 1 RCU with an LSI: a strongly consistent Query of the LSI spends the table's
 * read capacity (LSIs share it), so the GetItem after it is refused with the table's text. */
static void test_lsi_reads_spend_the_table(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "CreateTable",
        "{'TableName':'ltab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
        "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':["
        "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'S'},"
        "{'AttributeName':'l','AttributeType':'S'}],"
        "'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':100},"
        "'LocalSecondaryIndexes':[{'IndexName':'lidx2','KeySchema':[{'AttributeName':'pk',"
        "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}],"
        "'Projection':{'ProjectionType':'ALL'}}]}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'ltab','Item':{'pk':{'S':'a'},'sk':{'S':'1'},"
                                    "'l':{'S':'x'}}}"));
    json_decref(it_ok(f, "Query", "{'TableName':'ltab','IndexName':'lidx2','ConsistentRead':true,"
                                  "'KeyConditionExpression':'pk = :p',"
                                  "'ExpressionAttributeValues':{':p':{'S':'a'}}}"));
    reason_is(it_err(f, "GetItem", "{'TableName':'ltab','Key':{'pk':{'S':'a'},'sk':{'S':'1'}}}",
                     ERR_PROVISIONED_THROUGHPUT, TXT_THR_TABLE),
              "TableReadProvisionedThroughputExceeded");
}

/* A GSI at 2 WCU: writes whose items are not in the index cost it nothing (any number go
 * through on the table's 100 WCU); two that are spend it; the third is refused with the
 * index text, and ThrottlingReasons names the index. */
static void test_gsi_charged_only_when_touched(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "CreateTable",
        "{'TableName':'gtab2','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
        "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
        "{'AttributeName':'g','AttributeType':'S'}],"
        "'ProvisionedThroughput':{'ReadCapacityUnits':100,'WriteCapacityUnits':100},"
        "'GlobalSecondaryIndexes':[{'IndexName':'gidx2','KeySchema':[{'AttributeName':'g',"
        "'KeyType':'HASH'}],'Projection':{'ProjectionType':'ALL'},"
        "'ProvisionedThroughput':{'ReadCapacityUnits':100,'WriteCapacityUnits':2}}]}"));
    char req[128];
    for (int i = 0; i < 20; i++) {
        snprintf(req, sizeof req, "{'TableName':'gtab2','Item':{'pk':{'S':'n%d'}}}", i);
        json_decref(it_ok(f, "PutItem", req));
    }
    for (int i = 0; i < 2; i++) {
        snprintf(req, sizeof req, "{'TableName':'gtab2','Item':{'pk':{'S':'g%d'},'g':{'S':'c'}}}", i);
        json_decref(it_ok(f, "PutItem", req));
    }
    reason_is(it_err(f, "PutItem", "{'TableName':'gtab2','Item':{'pk':{'S':'g9'},'g':{'S':'c'}}}",
                     ERR_PROVISIONED_THROUGHPUT, TXT_THR_GSI),
              "IndexWriteProvisionedThroughputExceeded");
}

/* UpdateTable to PAY_PER_REQUEST: the spent 1 WCU table is limited only at AWS's default
 * on-demand quota from the next request on. */
static void test_switch_to_on_demand(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "CreateTable",
        "{'TableName':'stab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
        "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
        "'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':1}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'stab','Item':{'pk':{'S':'a'}}}"));
    json_decref(it_err(f, "PutItem", "{'TableName':'stab','Item':{'pk':{'S':'b'}}}",
                       ERR_PROVISIONED_THROUGHPUT, TXT_THR_TABLE));
    json_decref(it_ok(f, "UpdateTable", "{'TableName':'stab','BillingMode':'PAY_PER_REQUEST'}"));
    char req[128];
    for (int i = 0; i < 50; i++) {
        snprintf(req, sizeof req, "{'TableName':'stab','Item':{'pk':{'S':'k%d'}}}", i);
        json_decref(it_ok(f, "PutItem", req));
    }
}

/* Off (it_setup's api): a 1 WCU table takes any number of writes. */
static void test_off(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "CreateTable",
        "{'TableName':'otab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
        "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
        "'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':1}}"));
    char req[128];
    for (int i = 0; i < 50; i++) {
        snprintf(req, sizeof req, "{'TableName':'otab','Item':{'pk':{'S':'k%d'}}}", i);
        json_decref(it_ok(f, "PutItem", req));
    }
}

/* A refusal a handler turns into one member's outcome (BatchGetItem's unprocessed key, a
 * transaction's cancellation reason, a PartiQL member's error) is forgotten whole: the error
 * cleared and its ThrottlingReasons dropped, so neither reaches the request's reply
 * (api_err_forget, api_req.c). */
static void test_refusal_forgotten(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    api_req r = {.arena = &a, .err = &e};
    err_set(&e, ERR_PROVISIONED_THROUGHPUT, "%s", TXT_THR_TABLE);
    r.err_extra = json_pack("{s:[{s:s}]}", "ThrottlingReasons", "reason",
                            "TableReadProvisionedThroughputExceeded");
    assert_non_null(r.err_extra);
    api_err_forget(&r);
    assert_int_equal(e.code, 0);
    assert_null(r.err_extra);
    api_err_forget(&r); /* nothing recorded: nothing to do */
    assert_int_equal(e.code, 0);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusal_forgotten),
        THR_TEST(test_lsi_reads_spend_the_table),
        THR_TEST(test_gsi_charged_only_when_touched),
        THR_TEST(test_switch_to_on_demand),
        IT_TEST(test_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
