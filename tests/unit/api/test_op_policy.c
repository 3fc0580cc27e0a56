/*
 * test_op_policy — PutResourcePolicy (src/api/op_policy.c) against another process changing
 * the table: a stream replaced meanwhile is not found (review9 finding 5).  The policy APIs'
 * texts are pinned end to end by tests/e2e/test_resource_policy.py.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "table_test.h"

/* ---- a stream policy racing an UpdateTable (review9 finding 5) -------------------------
 * PutResourcePolicy on a table's stream checks the label on the table it pinned, then
 * changes the committed metadata.  A second process that replaces the stream in between
 * (disable, enable: a new label) must make the Put answer the stream's not-found, not store
 * a policy for a stream that is gone.  The interleave is made with the catalog's re-read interval: this process's
 * descriptor stays the one it read for up to ST_CAT_CHECK_MS (5 ms) after a check, so a Put
 * that starts within 4 ms of one (a DescribeTable right after a 6 ms pause) sees the old
 * stream while the other process has already committed.  An attempt that took longer proves
 * nothing and is retried; the test skips when none was fast enough. */

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define RACE_TRIES 40

static void test_stream_policy_race(void **state)
{
    (void)state;
    fx f = {0};
    snprintf(f.dir, sizeof f.dir, "/tmp/test_op_table.XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    int go[2], ack[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ack), 0);
    pid_t pid = fork(); /* before any store thread exists in this process */
    assert_true(pid >= 0);
    if (pid == 0) { /* the other process: replaces table <n>'s stream when told */
        close(go[1]);
        close(ack[0]);
        fx c = f;
        err_t oe = {0};
        store_opts o;
        store_opts_default(&o);
        o.durable = false;
        o.ttl_thread = false;
        api_opts ao = {.region = "us-east-1", .account_id = "123456789012"};
        if (store_open(c.dir, &o, &c.store, &oe) || api_new(c.store, &ao, &c.api, &oe)) {
            fprintf(stderr, "child: open: %s\n", oe.msg);
            _exit(1);
        }
        unsigned char n;
        while (read(go[0], &n, 1) == 1) {
            char off[160], on[192];
            err_t e = {0};
            snprintf(off, sizeof off,
                     "{\"TableName\":\"race%u\",\"StreamSpecification\":{\"StreamEnabled\":false}}",
                     n);
            snprintf(on, sizeof on,
                     "{\"TableName\":\"race%u\",\"StreamSpecification\":{\"StreamEnabled\":true,"
                     "\"StreamViewType\":\"KEYS_ONLY\"}}",
                     n);
            unsigned char rc = (unsigned char)call(&c, "UpdateTable", off, NULL, &e);
            if (rc == 0)
                rc = (unsigned char)call(&c, "UpdateTable", on, NULL, &e);
            if (rc)
                fprintf(stderr, "child: %s\n", e.msg);
            if (write(ack[1], &rc, 1) != 1)
                break;
        }
        api_free(c.api);
        store_close(c.store);
        _exit(0);
    }
    close(go[0]);
    close(ack[1]);
    open_fx(&f);
    int raced = 0;
    for (unsigned n = 0; n < RACE_TRIES && !raced; n++) {
        char body[512], arn[256];
        json_t *out = NULL;
        err_t e = {0};
        snprintf(body, sizeof body,
                 "{\"TableName\":\"race%u\",\"AttributeDefinitions\":[{\"AttributeName\":\"k\","
                 "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"k\","
                 "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\","
                 "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":"
                 "\"KEYS_ONLY\"}}",
                 n);
        assert_int_equal(call(&f, "CreateTable", body, &out, &e), 0);
        const char *sarn =
            json_string_value(json_object_get(json_object_get(out, "TableDescription"),
                                              "LatestStreamArn"));
        assert_non_null(sarn);
        snprintf(arn, sizeof arn, "%s", sarn);
        json_decref(out);
        char pol[1024];
        snprintf(pol, sizeof pol,
                 "{\"ResourceArn\":\"%s\",\"Policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\","
                 "\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":"
                 "\\\"arn:aws:iam::123456789012:root\\\"},\\\"Action\\\":"
                 "\\\"dynamodb:GetRecords\\\",\\\"Resource\\\":\\\"%s\\\"}]}\"}",
                 arn, arn);
        char desc[64];
        snprintf(desc, sizeof desc, "{\"TableName\":\"race%u\"}", n);
        usleep(6000); /* the next pin re-reads the catalog; a new stream gets a new label */
        double t0 = mono_ms();
        assert_int_equal(call(&f, "DescribeTable", desc, NULL, &e), 0);
        unsigned char nb = (unsigned char)n, rc = 1;
        assert_int_equal(write(go[1], &nb, 1), 1);
        if (read(ack[0], &rc, 1) != 1) {
            kill(pid, SIGKILL);
            fail_msg("the other process ended");
        }
        assert_int_equal(rc, 0);
        int prc = call(&f, "PutResourcePolicy", pol, NULL, &e);
        if (mono_ms() - t0 >= 4.0) /* the Put may have read the new catalog: no proof */
            continue;
        raced = 1;
        if (prc != ERR_RESOURCE_NOT_FOUND)
            fail_msg("PutResourcePolicy on a stream replaced meanwhile: %s %s", err_name(prc),
                     e.msg);
        assert_non_null(strstr(e.msg, "Requested resource not found: Stream: "));
    }
    close(go[1]);
    int st;
    waitpid(pid, &st, 0);
    close(ack[0]);
    api_free(f.api);
    store_close(f.store);
    rm_rf(f.dir);
    if (!raced)
        skip(); /* no attempt was fast enough on this machine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_policy_race),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
