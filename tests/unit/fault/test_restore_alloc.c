/*
 * test_restore_alloc — RestoreTableFromBackup and RestoreTableToPointInTime with overrides,
 * each allocation of the request failing in turn (tests/unit/fault/failalloc.h).
 *
 * The source is provisioned, with a GSI and an LSI, backed up (and PITR on); each restore
 * overrides the billing mode and the GSI's throughput.  At every N the restore must either
 * fail cleanly (an error, and the target not found; a retry with the same name, nothing
 * failing, then gives the reference's table) or give a table whose DescribeTable (indexes,
 * billing, throughput) equals the reference run's.  Before, the restored table's metadata
 * was built with unchecked jansson calls (op_backup.c bk_restore_plan, bk_restore_indexes,
 * bk_restore_billing, bk_gsi_entry, api_odt_merge): a failed deep copy restored an empty
 * metadata, a failed GSI entry or billing member a table without its GSI's units or with
 * the backup's billing, with a 200 answer.
 *
 * The api's backup manager says stopping (as test_restore_meet), so that a restore's job does
 * not start: the request plans and creates the table and its restore waits, which keeps the
 * job thread's allocations out of the count; the metadata DescribeTable reads is the
 * request's.  Each run restores into a target of its own.  A point-in-time restore's table
 * keeps its dump (the one it waits to load) also when the reply failed after the table was
 * made: the backups directory holds the backup's dump and one per such table.
 */
#include "failalloc.h"

#include "../ops/ops_test.h"

#include <dirent.h>

#include "api/api_backups.h"
#include "base/log.h"

static void stopping(api_t *api)
{
    bk_mgr *m = api_bk_mgr(api);
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_mutex_unlock(&m->mu);
}

/* How many dumps the data dir's backups directory holds. */
static int dumps(const ot_env *t)
{
    char dir[400];
    snprintf(dir, sizeof dir, "%s/backups", t->data);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        n += l > 5 && strcmp(de->d_name + l - 5, ".dump") == 0;
    }
    closedir(d);
    return n;
}

#define GSI_KS "[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}]"

/* The restore's members after TargetTableName (the overrides). */
static const char *const OVERRIDES[] = {
    /* provisioned, the table's and the GSI's units overridden */
    "\"BillingModeOverride\":\"PROVISIONED\","
    "\"ProvisionedThroughputOverride\":{\"ReadCapacityUnits\":7,\"WriteCapacityUnits\":8},"
    "\"GlobalSecondaryIndexOverride\":[{\"IndexName\":\"gsi1\",\"KeySchema\":" GSI_KS ","
    "\"Projection\":{\"ProjectionType\":\"ALL\"},"
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":9,\"WriteCapacityUnits\":10}}]",
    /* on demand, with the table's and the GSI's ceilings */
    "\"BillingModeOverride\":\"PAY_PER_REQUEST\","
    "\"OnDemandThroughputOverride\":{\"MaxReadRequestUnits\":50,\"MaxWriteRequestUnits\":60},"
    "\"GlobalSecondaryIndexOverride\":[{\"IndexName\":\"gsi1\",\"KeySchema\":" GSI_KS ","
    "\"Projection\":{\"ProjectionType\":\"ALL\"},"
    "\"OnDemandThroughput\":{\"MaxReadRequestUnits\":70,\"MaxWriteRequestUnits\":80}}]",
};

/* The restore (op with its source member src) into target with overrides ov; only the api
 * call is armed (its fail_at-th allocation fails; 0: none).  Its ERR_*; *out_seen: how many
 * allocations it made. */
static int restore(api_t *api, const char *op, const char *src, const char *target, const char *ov,
                   long fail_at, long *out_seen)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "{%s,\"TargetTableName\":\"%s\",%s}", src, target, ov);
    json_t *req = json_loads(buf, 0, NULL);
    assert_non_null(req);
    json_t *resp = NULL;
    err_t e = {0};
    if (fail_at)
        fa_arm(fail_at);
    int rc = api_call(api, op, req, NULL, &resp, &e);
    if (fail_at)
        *out_seen = fa_disarm(NULL);
    if (rc == 0 && !json_is_object(json_object_get(resp, "TableDescription")))
        fail_msg("%s into %s, allocation %ld failing: 200 without its TableDescription", op, target,
                 fail_at);
    json_decref(resp);
    json_decref(req);
    return rc;
}

/* The target's DescribeTable in a comparable form (malloc'd JSON text, sorted keys; what is
 * the table's own left out: its name, ARNs, id, times), or NULL when it is not found. */
static char *describe(api_t *api, const char *target)
{
    json_t *resp = NULL;
    int rc = ot_call(api, "DescribeTable", &resp, "{\"TableName\":\"%s\"}", target);
    if (rc == ERR_RESOURCE_NOT_FOUND) {
        json_decref(resp);
        return NULL;
    }
    assert_int_equal(rc, 0);
    json_t *t = json_object_get(resp, "Table");
    assert_non_null(t);
    static const char *const own[] = {"TableName", "TableArn", "TableId", "CreationDateTime"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        json_object_del(t, own[i]);
    json_object_del(json_object_get(t, "RestoreSummary"), "RestoreDateTime");
    json_object_del(json_object_get(t, "BillingModeSummary"), "LastUpdateToPayPerRequestDateTime");
    json_object_del(json_object_get(t, "TableThroughputModeSummary"),
                    "LastUpdateToPayPerRequestDateTime");
    static const char *const kinds[] = {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(t, kinds[k]), i, x) json_object_del(x, "IndexArn");
    }
    char *s = json_dumps(t, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(s);
    json_decref(resp);
    return s;
}

static void test_restores_with_overrides_at_every_allocation_failure(void **state)
{
    ot_env *t = *state;
    assert_int_equal(
        ot_call(t->api, "CreateTable", NULL,
                "{\"TableName\":\"src\",\"BillingMode\":\"PROVISIONED\","
                "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":6},"
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
                "{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"},"
                "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
                "\"LocalSecondaryIndexes\":[{\"IndexName\":\"lsi1\",\"KeySchema\":["
                "{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                "{\"AttributeName\":\"g\",\"KeyType\":\"RANGE\"}],"
                "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
                "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gsi1\",\"KeySchema\":" GSI_KS ","
                "\"Projection\":{\"ProjectionType\":\"ALL\"},"
                "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":3,\"WriteCapacityUnits\":4}}]}"),
        0);
    assert_int_equal(ot_call(t->api, "PutItem", NULL,
                             "{\"TableName\":\"src\",\"Item\":{\"pk\":{\"S\":\"k1\"},"
                             "\"sk\":{\"S\":\"s1\"},\"g\":{\"S\":\"g1\"}}}"),
                     0);
    assert_int_equal(ot_call(t->api, "UpdateContinuousBackups", NULL,
                             "{\"TableName\":\"src\",\"PointInTimeRecoverySpecification\":"
                             "{\"PointInTimeRecoveryEnabled\":true}}"),
                     0);
    char *arn = ot_create_backup(t->api, "src");
    char from_backup[600];
    snprintf(from_backup, sizeof from_backup, "\"BackupArn\":\"%s\"", arn ? arn : "");
    free(arn);
    stopping(t->api);
    const struct {
        const char *op, *src;
    } ops[] = {
        {"RestoreTableFromBackup", from_backup},
        {"RestoreTableToPointInTime",
         "\"SourceTableName\":\"src\",\"UseLatestRestorableTime\":true"},
    };
    /* every 16th allocation fails: each run leaves a table (restoring, not deletable), and a
     * restore's allocation count grows with the catalog, so a run of every N never catches
     * up with it (RESTORE_ALLOC_ALL=1 tries each N; it does not end today) */
    const char *all = getenv("RESTORE_ALLOC_ALL");
    long stride = all && *all == '1' ? 1 : 16;
    int serial = 0, want_dumps = dumps(t);
    assert_int_equal(want_dumps, 1);
    /* from the backup, with each set of overrides.  RestoreTableToPointInTime shares the
     * planning (bk_restore_into); its own allocations (the point-in-time dump) make a run of
     * every N take many minutes, so it is run once here, with nothing failing, and its dump
     * counted (test_op_backup covers its answers) */
    static const size_t cases[][2] = {{0, 0}, {0, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        {
            size_t o = cases[c][0], v = cases[c][1];
            char target[32];
            snprintf(target, sizeof target, "ref%d", serial++);
            long seen = 0;
            assert_int_equal(restore(t->api, ops[o].op, ops[o].src, target, OVERRIDES[v], 0, &seen),
                             0);
            char *ref = describe(t->api, target);
            assert_non_null(ref);
            want_dumps += o == 1;
            assert_int_equal(dumps(t), want_dumps);
            /* the overrides were applied (a reference without them proves nothing) */
            assert_non_null(
                strstr(ref, v == 0 ? "\"ReadCapacityUnits\":9" : "\"MaxReadRequestUnits\":70"));
            assert_non_null(
                strstr(ref, v == 0 ? "\"ReadCapacityUnits\":7" : "\"MaxReadRequestUnits\":50"));
            assert_non_null(strstr(ref, "lsi1"));
            for (long n = 1;; n += stride) {
                snprintf(target, sizeof target, "dst%d", serial++);
                seen = 0;
                int rc = restore(t->api, ops[o].op, ops[o].src, target, OVERRIDES[v], n, &seen);
                char *got = describe(t->api, target);
                if (rc == 0 && !got)
                    fail_msg("%s %zu, allocation %ld failing: 200 and no table", ops[o].op, v, n);
                if (rc && !got) { /* failed cleanly: the same name can be restored again */
                    if (restore(t->api, ops[o].op, ops[o].src, target, OVERRIDES[v], 0, NULL))
                        fail_msg("%s %zu, allocation %ld failed (%s): the retry failed", ops[o].op,
                                 v, n, err_type(rc));
                    got = describe(t->api, target);
                    assert_non_null(got);
                }
                want_dumps += o == 1;
                if (dumps(t) != want_dumps)
                    fail_msg("%s %zu, allocation %ld failing (answer %s): %d dumps, not %d",
                             ops[o].op, v, n, rc ? err_type(rc) : "200", dumps(t), want_dumps);
                if (strcmp(got, ref) != 0)
                    fail_msg("%s %zu, allocation %ld failing (answer %s): the restored table "
                             "differs\n got %s\nwant %s",
                             ops[o].op, v, n, rc ? err_type(rc) : "200", got, ref);
                free(got);
                if (n > seen)
                    break; /* each allocation of the request has failed once */
                assert_true(n < 100000);
            }
            free(ref);
        }
    }
    /* the point-in-time restore: the same planning, its table keeps the dump it loads */
    assert_int_equal(restore(t->api, ops[1].op, ops[1].src, "pitr", OVERRIDES[1], 0, NULL), 0);
    char *pd = describe(t->api, "pitr");
    assert_non_null(strstr(pd, "\"MaxReadRequestUnits\":70"));
    free(pd);
    assert_int_equal(dumps(t), want_dumps + 1);
}

int main(void)
{
    log_set_level(-1); /* the out-of-memory errors are expected */
    /* jansson's parsers: only their first allocation is failed (failalloc.h) */
    if (fa_guard("json_loadb") || fa_guard("json_loads")) {
        fprintf(stderr, "cannot find jansson's parsers\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restores_with_overrides_at_every_allocation_failure,
                                        ot_setup, ot_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
