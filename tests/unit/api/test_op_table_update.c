/*
 * test_op_table_update — UpdateTable (src/api/op_table_update.c) through api_call() on a
 * store in a temp dir: throughput, a GSI created (backfilled) and deleted, billing mode.  The
 * same behaviours are pinned end to end by tests/e2e/test_tables.py (its validation order:
 * test_op_table.c's table-driven cases).
 */
#include <time.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_update_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
