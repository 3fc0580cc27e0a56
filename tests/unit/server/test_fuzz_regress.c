/*
 * test_fuzz_regress — regressions for what tests/fuzz/fuzz_endpoint.py found in the server
 * layer, each as the smallest request that triggered it, through ddb_proto_handle over a
 * real store in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "server/ddb_proto.h"
#include "value/av.h"

typedef struct fixture {
    char dir[64];
    store_t *store;
    api_t *api;
    sigv4_creds *creds;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_fuzz_regressXXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    store_opts so;
    store_opts_default(&so);
    so.durable = false;
    so.ttl_thread = false;
    err_t e = {0};
    if (store_open(f->dir, &so, &f->store, &e) || api_new(f->store, NULL, &f->api, &e) ||
        sigv4_creds_new(&f->creds, &e) || sigv4_creds_add(f->creds, "AKID", "secret", &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sigv4_creds_free(f->creds);
    api_free(f->api);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static json_t *call_auth(const ddb_proto *p, const char *auth, ddb_proto_resp *resp)
{
    sigv4_header h[] = {{"Host", "127.0.0.1:8000"},
                        {"Content-Type", "application/x-amz-json-1.0"},
                        {"X-Amz-Target", "DynamoDB_20120810.ListTables"},
                        {"Authorization", auth}};
    ddb_proto_req req = {.method = "POST",
                         .path = "/",
                         .headers = h,
                         .n_headers = 4,
                         .body = "{}",
                         .body_len = 2,
                         .now = (long long)time(NULL)};
    ddb_proto_handle(p, &req, resp);
    return json_loadb(resp->body, resp->body_len, 0, NULL);
}

/* Found by the fuzzer (seed 6, --sign): an Authorization header that is not valid UTF-8 is
 * quoted in the IncompleteSignatureException message; the JSON writer refused the invalid
 * bytes and the reply became 500 "out of memory".  Now: 400, the message quoted with each
 * invalid byte as U+FFFD, the body valid JSON. */
static void test_auth_header_not_utf8(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .creds = f->creds};
    /* all start "AWS4-": anything else is no token at all (MissingAuthenticationToken) */
    const char *bad[] = {"AWS4-\xff", "AWS4-\xed\xa0\x80", "AWS4-HMAC-SHA256 \xff", "AWS4-x\xc3",
                         "AWS4-\xc0\xaf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddb_proto_resp r;
        json_t *doc = call_auth(&p, bad[i], &r);
        assert_int_equal(r.status, 400);
        assert_true(av_utf8_valid(r.body, r.body_len));
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "__type")),
                            "com.amazon.coral.service#IncompleteSignatureException");
        const char *msg = json_string_value(json_object_get(doc, "message"));
        assert_non_null(msg);
        assert_non_null(strstr(msg, "\xef\xbf\xbd")); /* U+FFFD where the bad bytes were */
        json_decref(doc);
        ddb_proto_resp_fini(&r);
    }
    /* valid UTF-8 is quoted unchanged */
    ddb_proto_resp r;
    json_t *doc = call_auth(&p, "AWS4-\xc3\xa9", &r);
    assert_int_equal(r.status, 400);
    const char *msg = json_string_value(json_object_get(doc, "message"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "Authorization=AWS4-\xc3\xa9"));
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_header_not_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
