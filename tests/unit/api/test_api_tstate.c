/*
 * test_api_tstate — `serve --table-delay MS` in the api layer (api_tstate.c): a new table
 * CREATING (unseen by the data plane) until its time, also when a GSI is named like the
 * metadata key that keeps that time; a deleted table DELETING (described, listed in order,
 * its name taken) until its time, then gone; nothing of either with the switch off.  The
 * wire-level behaviour (every operation's answer, boto3's waiters, UPDATING) is
 * tests/e2e/test_table_states.py.
 */
#include <time.h>

#include "api/item_test.h"

#include "api/api_text.h"
#include "base/clock.h"

#define DELAY_MS 300

/* it_setup's store, with the api replaced by one with the switch on. */
static int ts_setup(void **state)
{
    int rc = it_setup(state);
    if (rc)
        return rc;
    it_fix *f = *state;
    api_free(f->api);
    api_opts o = {.table_delay_ms = DELAY_MS};
    err_t e;
    err_clear(&e);
    return api_new(f->s, &o, &f->api, &e) ? -1 : 0;
}

#define TS_TEST(fn) cmocka_unit_test_setup_teardown(fn, ts_setup, it_teardown)

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A table's CREATING or DELETING lasts DELAY_MS from its call, which began at `from`
 * (base_mono_ms): an answer that came back after from + DELAY_MS may already be the state
 * after it (a loaded machine: the CI runs this under ASan beside a Java DynamoDB Local on 2
 * cores) and proves nothing, so it is not checked; every answer within it is, and counted in
 * *checks.  A run whose checks were not all made is run again on a fresh table, up to
 * RUN_DEADLINE_MS (as test_lag does): before, a slow run passed having proved nothing, also
 * with the delay switched off (r33b #9).  All of them, not one: a late DeleteTable or
 * CreateTable may have done what it did after the state ended (deleted the CREATING table,
 * created the DELETING one again), and what follows the run would not hold.  The state's
 * own time is on the wall clock (kept in the table's metadata, across restarts:
 * api_tstate.c); the test measures the elapsed time on the monotonic clock, the same unless
 * the wall clock steps during the 300 ms. */
#define RUN_DEADLINE_MS (120 * 1000)

static void err_until(it_fix *f, int64_t from, int *checks, const char *op, const char *req,
                      int code, const char *msg)
{
    err_t e;
    int rc = it_call(f, op, req, NULL, &e);
    if (base_mono_ms() >= from + DELAY_MS)
        return;
    if (rc != code || strcmp(e.msg, msg) != 0)
        fail_msg("%s %s:\n got %s '%s'\nwant %s '%s'", op, req, err_name(rc), e.msg,
                 err_name(code), msg);
    (*checks)++;
}

/* The table's TableStatus is want, if the answer came back before from + DELAY_MS. */
static void status_until(it_fix *f, int64_t from, int *checks, const char *name,
                         const char *want)
{
    char req[128];
    snprintf(req, sizeof req, "{'TableName':'%s'}", name);
    json_t *d = NULL;
    err_t e;
    int rc = it_call(f, "DescribeTable", req, &d, &e);
    const char *got = rc ? e.msg
                         : json_string_value(json_object_get(json_object_get(d, "Table"),
                                                             "TableStatus"));
    if (base_mono_ms() < from + DELAY_MS) {
        if (rc != 0 || !got || strcmp(got, want) != 0)
            fail_msg("%s: got %s %s, want %s", name, err_name(rc), got ? got : "(none)", want);
        (*checks)++;
    }
    json_decref(d);
}

/* After a run that was late: again, unless the deadline has passed. */
static void again_or_fail(int run, int checks, int64_t deadline)
{
    fprintf(stderr, "run %d: %d answers within %d ms of the call: again\n", run, checks,
            DELAY_MS);
    if (base_mono_ms() >= deadline)
        fail_msg("no run had all its answers within %d ms of its call by the deadline",
                 DELAY_MS);
}

static const char *table_status(it_fix *f, const char *name)
{
    static char st[32];
    char req[128];
    snprintf(req, sizeof req, "{'TableName':'%s'}", name);
    json_t *d = it_ok(f, "DescribeTable", req);
    snprintf(st, sizeof st, "%s",
             json_string_value(json_object_get(json_object_get(d, "Table"), "TableStatus")));
    json_decref(d);
    return st;
}

/* CREATING until the delay has passed: not found by PutItem, refused by DeleteTable; then
 * ACTIVE.  The GSI named CreatingUntil (its entry comes first in the metadata) does not hide
 * the table's time. */
static void test_creating(void **state)
{
    it_fix *f = *state;
    int64_t deadline = base_mono_ms() + RUN_DEADLINE_MS;
    char name[32], req[512], msg[160];
    for (int run = 0;; run++) {
        int checks = 0;
        snprintf(name, sizeof name, "ctab%d", run);
        snprintf(req, sizeof req,
                 "{'TableName':'%s','BillingMode':'PAY_PER_REQUEST',"
                 "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                 "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
                 "{'AttributeName':'g','AttributeType':'S'}],"
                 "'GlobalSecondaryIndexes':[{'IndexName':'CreatingUntil','KeySchema':"
                 "[{'AttributeName':'g','KeyType':'HASH'}],'Projection':"
                 "{'ProjectionType':'ALL'}}]}",
                 name);
        int64_t from = base_mono_ms();
        json_t *d = it_ok(f, "CreateTable", req);
        json_t *td = json_object_get(d, "TableDescription");
        bool creating = strcmp(json_string_value(json_object_get(td, "TableStatus")),
                               "CREATING") == 0;
        json_t *g0 = json_array_get(json_object_get(td, "GlobalSecondaryIndexes"), 0);
        bool gsi_creating = strcmp(json_string_value(json_object_get(g0, "IndexStatus")),
                                   "CREATING") == 0;
        json_decref(d);
        if (base_mono_ms() < from + DELAY_MS) {
            assert_true(creating && gsi_creating);
            checks++;
        }
        status_until(f, from, &checks, name, "CREATING");
        snprintf(req, sizeof req, "{'TableName':'%s','Item':{'pk':{'S':'a'}}}", name);
        err_until(f, from, &checks, "PutItem", req, ERR_RESOURCE_NOT_FOUND, TXT_RES_NOT_FOUND);
        snprintf(req, sizeof req, "{'TableName':'%s'}", name);
        snprintf(msg, sizeof msg,
                 "Attempt to change a resource which is still in use: Table is being created: "
                 "%s",
                 name);
        err_until(f, from, &checks, "DeleteTable", req, ERR_RESOURCE_IN_USE, msg);
        sleep_ms(DELAY_MS + 50);
        if (checks == 4) {
            assert_string_equal(table_status(f, name), "ACTIVE");
            snprintf(req, sizeof req, "{'TableName':'%s','Item':{'pk':{'S':'a'}}}", name);
            json_decref(it_ok(f, "PutItem", req));
            break;
        }
        again_or_fail(run, checks, deadline);
    }
}

/* DELETING until the delay has passed: described (from the description DeleteTable answered),
 * listed among the others in order, its name taken; then gone. */
static void test_deleting(void **state)
{
    it_fix *f = *state;
    int64_t deadline = base_mono_ms() + RUN_DEADLINE_MS;
    for (int run = 0;; run++) {
        int checks = 0;
        int64_t from = base_mono_ms();
        json_decref(it_ok(f, "DeleteTable", "{'TableName':'tab1'}"));
        status_until(f, from, &checks, "tab1", "DELETING");
        json_t *l = it_ok(f, "ListTables", "{}");
        bool listed = it_eq(json_object_get(l, "TableNames"), "['gtab','tab1','tab2']");
        if (base_mono_ms() < from + DELAY_MS) {
            assert_true(listed);
            checks++;
        }
        json_decref(l);
        err_until(f, from, &checks, "CreateTable",
                  "{'TableName':'tab1','BillingMode':'PAY_PER_REQUEST',"
                  "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                  "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}]}",
                  ERR_RESOURCE_IN_USE, "Table already exists: tab1");
        bool late = checks < 3;
        if (!late)
            json_decref(it_err(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}}}",
                               ERR_RESOURCE_NOT_FOUND, TXT_RES_NOT_FOUND));
        sleep_ms(DELAY_MS + 50);
        if (!late) {
            json_decref(it_err(f, "DescribeTable", "{'TableName':'tab1'}",
                               ERR_RESOURCE_NOT_FOUND,
                               "Requested resource not found: Table: tab1 not found"));
            l = it_ok(f, "ListTables", "{}");
            assert_true(it_eq(json_object_get(l, "TableNames"), "['gtab','tab2']"));
            json_decref(l);
            break;
        }
        again_or_fail(run, checks, deadline);
        /* a fresh tab1 (unless the late CreateTable made one), ACTIVE once its own CREATING
         * is over */
        json_t *d = NULL;
        err_t e;
        if (it_call(f, "DescribeTable", "{'TableName':'tab1'}", &d, &e) != 0)
            json_decref(it_ok(f, "CreateTable",
                              "{'TableName':'tab1','BillingMode':'PAY_PER_REQUEST',"
                              "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                              "'AttributeDefinitions':[{'AttributeName':'pk',"
                              "'AttributeType':'S'}]}"));
        json_decref(d);
        sleep_ms(DELAY_MS + 50);
        assert_string_equal(table_status(f, "tab1"), "ACTIVE");
    }
}

/* Off: ACTIVE at once, gone at once. */
static void test_off(void **state)
{
    it_fix *f = *state;
    json_t *d = it_ok(f, "CreateTable",
        "{'TableName':'otab','BillingMode':'PAY_PER_REQUEST',"
        "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
        "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}]}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "TableDescription"), "TableStatus")),
        "ACTIVE");
    json_decref(d);
    json_decref(it_ok(f, "PutItem", "{'TableName':'otab','Item':{'pk':{'S':'a'}}}"));
    json_decref(it_ok(f, "DeleteTable", "{'TableName':'otab'}"));
    json_decref(it_err(f, "DescribeTable", "{'TableName':'otab'}", ERR_RESOURCE_NOT_FOUND,
                       "Requested resource not found: Table: otab not found"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_creating),
        TS_TEST(test_deleting),
        IT_TEST(test_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
