/*
 * table_test — the fixture shared by the api table-level unit tests (not a test itself):
 * a store in a mkdtemp dir (non-durable, no TTL thread) with an api over it, and requests
 * written as JSON bodies, called through api_call() (with a caller's namespace: call_ns).
 */
#ifndef DDB_TESTS_TABLE_TEST_H
#define DDB_TESTS_TABLE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api.h"
#include "store/store.h"

typedef struct fx {
    char dir[64];
    store_t *store;
    api_t *api;
} fx;

static inline int rm_rf(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Opens the store in f->dir and the api over it (setup, and a reopen). */
static inline void open_fx(fx *f)
{
    err_t e = {0};
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    assert_int_equal(store_open(f->dir, &o, &f->store, &e), 0);
    api_opts ao = {.region = "us-east-1", .account_id = "123456789012"};
    assert_int_equal(api_new(f->store, &ao, &f->api, &e), 0);
}

static inline int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_op_table.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    open_fx(f);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fx *f = *state;
    api_free(f->api);
    store_close(f->store);
    rm_rf(f->dir);
    free(f);
    return 0;
}

/* Runs op with a JSON body; returns rc, fills *resp (may be NULL) and e. */
static inline int call_ns(fx *f, const char *ns, const char *op, const char *body, json_t **resp, err_t *e)
{
    json_error_t je;
    json_t *req = json_loads(body, 0, &je);
    if (!req)
        fail_msg("bad test JSON: %s: %s", je.text, body);
    api_caller c = {.ns = ns};
    json_t *out = NULL;
    err_clear(e);
    int rc = api_call(f->api, op, req, ns ? &c : NULL, &out, e);
    json_decref(req);
    if (resp)
        *resp = out;
    else
        json_decref(out);
    return rc;
}

static inline int call(fx *f, const char *op, const char *body, json_t **resp, err_t *e)
{
    return call_ns(f, NULL, op, body, resp, e);
}

static inline void expect_ok(fx *f, const char *op, const char *body)
{
    err_t e = {0};
    int rc = call(f, op, body, NULL, &e);
    if (rc)
        fail_msg("%s %s: %s %s", op, body, err_name(rc), e.msg);
}

#define KS_HR                                                                                      \
    "[{\"AttributeName\":\"h\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"r\",\"KeyType\":"        \
    "\"RANGE\"}]"
#define AD_HR                                                                                      \
    "[{\"AttributeName\":\"h\",\"AttributeType\":\"S\"},{\"AttributeName\":\"r\","                 \
    "\"AttributeType\":\"N\"}]"
#define PT56 "{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":6}"

#endif
