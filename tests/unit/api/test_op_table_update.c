/*
 * test_op_table_update — UpdateTable (src/api/op_table_update.c) through api_call() on a
 * store in a temp dir: throughput, a GSI created (backfilled) and deleted, billing mode, an
 * answer built after its change's UPDATING window closed.  The same behaviours are pinned end
 * to end by tests/e2e/test_tables.py (its validation order: test_op_table.c's table-driven
 * cases).
 */
#include <time.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "table_test.h"

/* ---- UpdateTable ------------------------------------------------------------------------ */

/* Waits (up to 5 s) until table "upd" is ACTIVE: a throughput change is done. */
static void wait_upd_active(fx *f)
{
    err_t e = {0};
    json_t *resp;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(call(f, "DescribeTable", "{\"TableName\":\"upd\"}", &resp, &e), 0);
        bool active = strcmp(json_string_value(json_object_get(json_object_get(resp, "Table"),
                                                               "TableStatus")),
                             "ACTIVE") == 0;
        json_decref(resp);
        if (active)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void test_update_table(void **state)
{
    fx *f = *state;
    err_t e = {0};
    json_t *resp;
    expect_ok(f, "CreateTable",
              "{\"TableName\":\"upd\",\"KeySchema\":" KS_HR ",\"AttributeDefinitions\":" AD_HR
              ",\"ProvisionedThroughput\":" PT56 "}");
    expect_ok(f, "PutItem",
              "{\"TableName\":\"upd\",\"Item\":{\"h\":{\"S\":\"x\"},\"r\":{\"N\":\"1\"},"
              "\"g\":{\"S\":\"gg\"}}}");
    expect_ok(f, "PutItem",
              "{\"TableName\":\"upd\",\"Item\":{\"h\":{\"S\":\"y\"},\"r\":{\"N\":\"2\"}}}");
    assert_int_equal(call(f, "UpdateTable", "{\"TableName\":\"upd\"}", NULL, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "At least one of ProvisionedThroughput, BillingMode, "
                               "UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
                               "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
                               "ReplicaTransitRoleArn, MultiRegionConsistency, "
                               "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or "
                               "TableClass is required");
    assert_int_equal(call(f, "UpdateTable",
                          "{\"TableName\":\"upd\",\"ProvisionedThroughput\":" PT56 "}", NULL, &e),
                     ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "The provisioned throughput for the table will not change."));

    /* throughput change */
    assert_int_equal(call(f, "UpdateTable",
                          "{\"TableName\":\"upd\",\"ProvisionedThroughput\":"
                          "{\"ReadCapacityUnits\":7,\"WriteCapacityUnits\":6}}",
                          &resp, &e),
                     0);
    json_t *pt =
        json_object_get(json_object_get(resp, "TableDescription"), "ProvisionedThroughput");
    /* UPDATING for a while, as on AWS (api->update_delay_ms), answering with the throughput
     * from before the call (AWS; tests/e2e/test_tables_updating.py) */
    assert_int_equal(json_integer_value(json_object_get(pt, "ReadCapacityUnits")), 5);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(resp, "TableDescription"), "TableStatus")),
                        "UPDATING");
    json_decref(resp);
    wait_upd_active(f); /* an index create waits for it (AWS) */

    /* add a GSI: backfilled from the existing item that has g */
    int rc = call(f, "UpdateTable",
                  "{\"TableName\":\"upd\",\"AttributeDefinitions\":[{\"AttributeName\":\"g\","
                  "\"AttributeType\":\"S\"}],\"GlobalSecondaryIndexUpdates\":[{\"Create\":{"
                  "\"IndexName\":\"gsi1\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":"
                  "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"},"
                  "\"ProvisionedThroughput\":" PT56 "}}]}",
                  &resp, &e);
    if (rc)
        fail_msg("%s", e.msg);
    json_t *g = json_array_get(
        json_object_get(json_object_get(resp, "TableDescription"), "GlobalSecondaryIndexes"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "IndexStatus")), "CREATING");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(resp, "TableDescription"), "TableStatus")),
                        "UPDATING");
    json_decref(resp);
    /* the backfill runs in the store's maintenance thread */
    assert_int_equal(store_work_wait(f->store, 60000, &e), 0);
    assert_int_equal(call(f, "DescribeTable", "{\"TableName\":\"upd\"}", &resp, &e), 0);
    json_t *d = json_object_get(resp, "Table");
    assert_int_equal(json_array_size(json_object_get(d, "AttributeDefinitions")), 3);
    g = json_array_get(json_object_get(d, "GlobalSecondaryIndexes"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "IndexStatus")), "ACTIVE");
    assert_int_equal(json_integer_value(json_object_get(g, "ItemCount")), 1);
    json_decref(resp);

    /* duplicate create */
    rc = call(f, "UpdateTable",
              "{\"TableName\":\"upd\",\"GlobalSecondaryIndexUpdates\":[{\"Create\":{"
              "\"IndexName\":\"gsi1\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":"
              "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"},"
              "\"ProvisionedThroughput\":" PT56 "}}]}",
              NULL, &e);
    assert_int_equal(rc, ERR_VALIDATION);

    /* delete it */
    rc = call(f, "UpdateTable",
              "{\"TableName\":\"upd\",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{"
              "\"IndexName\":\"gsi1\"}}]}",
              NULL, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_int_equal(store_work_wait(f->store, 60000, &e), 0); /* DELETING until removed */
    assert_int_equal(call(f, "DescribeTable", "{\"TableName\":\"upd\"}", &resp, &e), 0);
    d = json_object_get(resp, "Table");
    assert_null(json_object_get(d, "GlobalSecondaryIndexes"));
    assert_int_equal(json_array_size(json_object_get(d, "AttributeDefinitions")), 2);
    json_decref(resp);

    /* to on-demand, once the throughput change is done (refused while it is in progress) */
    wait_upd_active(f);
    assert_int_equal(call(f, "UpdateTable",
                          "{\"TableName\":\"upd\",\"BillingMode\":\"PAY_PER_REQUEST\"}", &resp, &e),
                     0);
    d = json_object_get(resp, "TableDescription");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "BillingModeSummary"), "BillingMode")),
        "PAY_PER_REQUEST");
    json_decref(resp);
}

/* The hook of test_update_answer_after_window: the answer is built this late after the
 * commit (ms), the time it started kept in *ctx (ms since the epoch). */
#define SLOW_ANSWER_MS 120
static void slow_answer(void *ctx)
{
    struct timespec ts = {0, SLOW_ANSWER_MS * 1000000L};
    *(int64_t *)ctx = base_wall_ms();
    nanosleep(&ts, NULL);
}

/* UpdateTable's answer describes the table as of the call, however late it is built: the
 * throughput from before the call, TableStatus UPDATING, the call's LastIncreaseDateTime; a
 * GSI's throughput Update the same with IndexStatus UPDATING (AWS: "While the table is in the
 * UPDATING state, the table still has the provisioned throughput from before the call";
 * tests/e2e/test_tables_updating.py).  The answer was described at the time it was built, so
 * one built after the UPDATING window (api->update_delay_ms, 50 ms by default) had closed
 * showed the new throughput, ACTIVE (seen once in test_tables.py
 * test_update_table_throughput on a loaded machine). */
static void test_update_answer_after_window(void **state)
{
    fx *f = *state;
    err_t e = {0};
    json_t *resp;
    int64_t hook_ms = 0;
    f->api->update_delay_ms = 20; /* the window closes well before the answer is built */
    expect_ok(f, "CreateTable",
              "{\"TableName\":\"upd\",\"KeySchema\":" KS_HR ",\"AttributeDefinitions\":["
              "{\"AttributeName\":\"h\",\"AttributeType\":\"S\"},{\"AttributeName\":\"r\","
              "\"AttributeType\":\"N\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
              "\"ProvisionedThroughput\":" PT56 ",\"GlobalSecondaryIndexes\":[{\"IndexName\":"
              "\"gsi1\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],"
              "\"Projection\":{\"ProjectionType\":\"ALL\"},\"ProvisionedThroughput\":" PT56 "}]}");
    f->api->ut_before_answer = slow_answer;
    f->api->ut_before_answer_ctx = &hook_ms;

    /* the table's throughput */
    assert_int_equal(call(f, "UpdateTable",
                          "{\"TableName\":\"upd\",\"ProvisionedThroughput\":"
                          "{\"ReadCapacityUnits\":7,\"WriteCapacityUnits\":6}}",
                          &resp, &e),
                     0);
    json_t *d = json_object_get(resp, "TableDescription");
    json_t *pt = json_object_get(d, "ProvisionedThroughput");
    assert_string_equal(json_string_value(json_object_get(d, "TableStatus")), "UPDATING");
    assert_int_equal(json_integer_value(json_object_get(pt, "ReadCapacityUnits")), 5);
    assert_int_equal(json_integer_value(json_object_get(pt, "WriteCapacityUnits")), 6);
    /* the call's date, not the completion's */
    double li = json_number_value(json_object_get(pt, "LastIncreaseDateTime"));
    assert_true(li > 0 && (int64_t)(li * 1000) <= hook_ms);
    json_decref(resp);
    f->api->ut_before_answer = NULL;
    wait_upd_active(f);

    /* a GSI's throughput */
    f->api->ut_before_answer = slow_answer;
    assert_int_equal(call(f, "UpdateTable",
                          "{\"TableName\":\"upd\",\"GlobalSecondaryIndexUpdates\":[{\"Update\":{"
                          "\"IndexName\":\"gsi1\",\"ProvisionedThroughput\":"
                          "{\"ReadCapacityUnits\":9,\"WriteCapacityUnits\":6}}}]}",
                          &resp, &e),
                     0);
    json_t *g = json_array_get(
        json_object_get(json_object_get(resp, "TableDescription"), "GlobalSecondaryIndexes"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "IndexStatus")), "UPDATING");
    pt = json_object_get(g, "ProvisionedThroughput");
    assert_int_equal(json_integer_value(json_object_get(pt, "ReadCapacityUnits")), 5);
    json_decref(resp);
    f->api->ut_before_answer = NULL;

    /* DescribeTable after the window: the new values, ACTIVE */
    wait_upd_active(f);
    assert_int_equal(call(f, "DescribeTable", "{\"TableName\":\"upd\"}", &resp, &e), 0);
    d = json_object_get(resp, "Table");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "ProvisionedThroughput"),
                                                        "ReadCapacityUnits")),
                     7);
    g = json_array_get(json_object_get(d, "GlobalSecondaryIndexes"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "IndexStatus")), "ACTIVE");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(g, "ProvisionedThroughput"),
                                                        "ReadCapacityUnits")),
                     9);
    json_decref(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_update_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_answer_after_window, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
