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
 * request's.  Each run opens a fresh copy of one catalog (ra_open), so every run makes the
 * same allocations and nothing accumulates (before, each run left a restoring table behind
 * and a run of every N never ended).  A point-in-time restore's table keeps its dump (the one
 * it waits to load) also when the reply failed after the table was made.
 * Found by running every N: a point-in-time restore's definition lost its LSI to a failed
 * allocation (api_bkdef_json), and a create whose catalog reload failed after the commit
 * answered an error for a table that existed, whose dump was then removed
 * (store_table_create).
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
    if (out_seen)
        fa_arm(fail_at);
    int rc = api_call(api, op, req, NULL, &resp, &e);
    if (out_seen)
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

/* The test's state: ot_env's store and api open on the run's data dir (t.data), a copy of the
 * template (tpl: the source table, its item, PITR on, its backup), made afresh for each run. */
typedef struct ra_env {
    ot_env t;
    char tpl[300];
    char from_backup[600]; /* "BackupArn":"..." */
} ra_env;

static int ra_setup(void **state)
{
    if (ot_setup(state))
        return -1;
    ra_env *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->t = *(ot_env *)*state;
    free(*state);
    *state = x;
    ot_env *t = &x->t;
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
    assert_non_null(arn);
    snprintf(x->from_backup, sizeof x->from_backup, "\"BackupArn\":\"%s\"", arn ? arn : "");
    free(arn);
    ot_close(t);
    snprintf(x->tpl, sizeof x->tpl, "%s", t->data);
    snprintf(t->data, sizeof t->data, "%s/run", t->root);
    return 0;
}

static int ra_teardown(void **state)
{
    ra_env *x = *state;
    ot_rmrf(x->t.root);
    free(x);
    return 0;
}

/* Opens the store and api on a fresh copy of the template, the manager stopping. */
static void ra_open(ra_env *x)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", x->t.data, x->tpl, x->t.data);
    assert_int_equal(system(cmd), 0);
    ot_open(&x->t, x->t.data);
    stopping(x->t.api);
    assert_int_equal(dumps(&x->t), 1); /* the backup's */
}

/* One run on a fresh catalog: op (o, with the overrides v) into "dst" with its n-th allocation
 * failing (0: none), then checked against ref (NULL: none yet).  Returns the table's
 * comparable DescribeTable (malloc'd); *out_seen: how many allocations the request made. */
static char *ra_run(ra_env *x, const char *op, const char *src, size_t v, long n, const char *ref,
                    long *out_seen)
{
    ot_env *t = &x->t;
    ra_open(x);
    long seen = 0;
    int rc = restore(t->api, op, src, "dst", OVERRIDES[v], n, &seen);
    if (n == 0 && rc)
        fail_msg("%s %zu, nothing failing: %s", op, v, err_type(rc));
    char *got = describe(t->api, "dst");
    if (rc == 0 && !got)
        fail_msg("%s %zu, allocation %ld failing: 200 and no table", op, v, n);
    if (rc && !got) { /* failed cleanly: the same name can be restored again */
        if (restore(t->api, op, src, "dst", OVERRIDES[v], 0, NULL))
            fail_msg("%s %zu, allocation %ld failed (%s): the retry failed", op, v, n,
                     err_type(rc));
        got = describe(t->api, "dst");
        assert_non_null(got);
    }
    /* a point-in-time restore's table keeps the dump its job will load, also when the reply
     * failed after the table was made */
    int want_dumps = 1 + (strcmp(op, "RestoreTableToPointInTime") == 0);
    if (dumps(t) != want_dumps)
        fail_msg("%s %zu, allocation %ld failing (answer %s): %d dumps, not %d", op, v, n,
                 rc ? err_type(rc) : "200", dumps(t), want_dumps);
    if (ref && strcmp(got, ref) != 0) {
        fprintf(stderr, " got %s\nwant %s\n", got, ref); /* longer than cmocka's message */
        fail_msg("%s %zu, allocation %ld failing (answer %s): the restored table differs", op,
                 v, n, rc ? err_type(rc) : "200");
    }
    ot_close(t);
    *out_seen = seen;
    return got;
}

static void test_restores_with_overrides_at_every_allocation_failure(void **state)
{
    ra_env *x = *state;
    const struct {
        const char *op, *src;
    } ops[] = {
        {"RestoreTableFromBackup", x->from_backup},
        {"RestoreTableToPointInTime",
         "\"SourceTableName\":\"src\",\"UseLatestRestorableTime\":true"},
    };
    /* Each run restores on a fresh copy of the same catalog (ra_open), so a restore's
     * allocations are the same at every N and nothing accumulates from one run to the next.
     * RESTORE_ALLOC_ALL=1 fails each N in turn: every allocation of the four requests (about
     * 4,000 runs, 4 minutes on a 2-core machine).  ctest fails a deterministic spread: every
     * N up to 32 (the request's parsing and checks), then every 23rd with an offset of its
     * own per case (about 300 runs). */
    const char *all = getenv("RESTORE_ALLOC_ALL");
    bool every = all && *all == '1';
    long runs = 0;
    for (size_t o = 0; o < 2; o++)
        for (size_t v = 0; v < 2; v++) {
            long seen = 0;
            char *ref = ra_run(x, ops[o].op, ops[o].src, v, 0, NULL, &seen);
            /* the overrides were applied (a reference without them proves nothing) */
            assert_non_null(
                strstr(ref, v == 0 ? "\"ReadCapacityUnits\":9" : "\"MaxReadRequestUnits\":70"));
            assert_non_null(
                strstr(ref, v == 0 ? "\"ReadCapacityUnits\":7" : "\"MaxReadRequestUnits\":50"));
            assert_non_null(strstr(ref, "lsi1"));
            const char *one = getenv("RESTORE_ALLOC_N"); /* that N alone, its stack printed */
            if (one && *one) {
                fa_print_stack = strtol(one, NULL, 10);
                free(ra_run(x, ops[o].op, ops[o].src, v, fa_print_stack, ref, &seen));
                free(ref);
                continue;
            }
            long offset = (long)(o * 2 + v) * 6;
            for (long n = 1;; n = every || n < 32 ? n + 1 : n == 32 ? 33 + offset : n + 23) {
                char *got = ra_run(x, ops[o].op, ops[o].src, v, n, ref, &seen);
                free(got);
                runs++;
                if (n > seen)
                    break; /* each allocation of the request has failed once */
                assert_true(n < 100000);
            }
            fprintf(stderr, "%s %zu: %ld allocations\n", ops[o].op, v, seen);
            free(ref);
        }
    fprintf(stderr, "%ld runs\n", runs);
}

int main(void)
{
    log_set_level(-1); /* the out-of-memory errors are expected */
    if (fa_guard_jansson())
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restores_with_overrides_at_every_allocation_failure,
                                        ra_setup, ra_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
