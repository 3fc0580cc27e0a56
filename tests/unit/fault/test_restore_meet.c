/*
 * test_restore_meet — a restore another process started, met by this one's first request to
 * the table (api_backups.c bk_meet), with each allocation of that request failing in turn
 * (tests/unit/fault/failalloc.h).
 *
 * The restoring table's data plane must be refused (ResourceNotFoundException, AWS's answer
 * for a table being restored), or the request fail cleanly, at every N: never served.  And
 * the next request, with nothing failing, must be refused too.  Before, the descriptor was
 * marked as met before its restore was registered: an allocation failing inside bk_meet left
 * the mark without the registration, and that request and every later one were served (a
 * GetItem of the restoring table answered 0 with no item); the same order let a request
 * meeting the descriptor alongside another go past before the registration (attack32).
 *
 * The other process is played by this one: a restore whose job cannot start (its manager
 * stopping, as test_op_backup's test_restore_met_by_a_stop_waits_for_the_next_start) leaves
 * the table CREATING with Restore.InProgress and its dump unloaded; the store and api are
 * then opened again without resuming jobs, as a serve that was running before the restore
 * began, so the table is met, not found at start-up.  Each run opens them again, so that
 * every run meets a descriptor of its own; the manager says stopping, so that no run takes
 * the restore over (its lock is free).
 */
#include "failalloc.h"

#include "../ops/ops_test.h"

#include "api/api_backups.h"
#include "base/log.h"

static void stopping(api_t *api)
{
    bk_mgr *m = api_bk_mgr(api);
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_mutex_unlock(&m->mu);
}

/* GetItem of dst; only the api call is armed (its fail_at-th allocation fails, 0: none),
 * not the request's making here.  Returns its ERR_* (0: served); *out_seen: how many
 * allocations it made. */
static int get_dst(api_t *api, long fail_at, long *out_seen)
{
    json_t *req = json_pack("{s:s,s:{s:{s:s}}}", "TableName", "dst", "Key", "pk", "S", "k1");
    assert_non_null(req);
    json_t *resp = NULL;
    err_t e = {0};
    if (fail_at)
        fa_arm(fail_at);
    int rc = api_call(api, "GetItem", req, NULL, &resp, &e);
    if (fail_at)
        *out_seen = fa_disarm(NULL);
    json_decref(resp);
    json_decref(req);
    return rc;
}

static void test_a_restore_met_is_refused_at_every_allocation_failure(void **state)
{
    ot_env *t = *state;
    assert_int_equal(
        ot_call(t->api, "CreateTable", NULL,
                "{\"TableName\":\"src\",\"BillingMode\":\"PAY_PER_REQUEST\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}"),
        0);
    assert_int_equal(ot_call(t->api, "PutItem", NULL,
                             "{\"TableName\":\"src\",\"Item\":{\"pk\":{\"S\":\"k1\"}}}"),
                     0);
    char *arn = ot_create_backup(t->api, "src");
    stopping(t->api);
    assert_int_equal(ot_call(t->api, "RestoreTableFromBackup", NULL,
                             "{\"TargetTableName\":\"dst\",\"BackupArn\":\"%s\"}",
                             arn ? arn : ""),
                     0);
    free(arn);
    for (long n = 1;; n++) {
        ot_close(t);
        ot_open(t, t->data);
        stopping(t->api);
        long seen = 0;
        int rc = get_dst(t->api, n, &seen);
        if (rc == 0)
            fail_msg("allocation %ld failing: the restoring table was served", n);
        rc = get_dst(t->api, 0, NULL);
        if (rc != ERR_RESOURCE_NOT_FOUND)
            fail_msg("allocation %ld failed: the next request answered %s", n,
                     rc ? err_type(rc) : "0, served");
        if (n > seen)
            break; /* each allocation of the request has failed once */
        assert_true(n < 100000);
    }
}

int main(void)
{
    log_set_level(-1); /* the out-of-memory errors are expected */
    if (fa_guard_jansson())
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_restore_met_is_refused_at_every_allocation_failure,
                                        ot_setup, ot_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
