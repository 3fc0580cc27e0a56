/*
 * item_test — helpers shared by the api item-operation unit tests (not a test itself).
 *
 * Each test gets a fresh mkdtemp data dir with a non-durable store, an api over it and three
 * tables made through CreateTable:
 *   tab1  pk (S)
 *   tab2  pk (S), sk (N)
 *   gtab  pk (S), sk (S); GSI gidx g (S) ALL, GSI gkey g (S) KEYS_ONLY, LSI lidx pk + l (S) ALL
 * Requests are written as JSON with single quotes (converted to double quotes; no test
 * string contains a quote of its own), so they read like the wire.
 */
#ifndef DDB_TESTS_ITEM_TEST_H
#define DDB_TESTS_ITEM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api.h"
#include "store/store.h"

typedef struct it_fix {
    char dir[256];
    store_t *s;
    api_t *api;
} it_fix;

/* JSON from single-quoted text; aborts the test on a syntax error. */
static inline json_t *it_json(const char *text)
{
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        t[i] = text[i] == '\'' ? '"' : text[i];
    json_error_t je;
    json_t *j = json_loads(t, JSON_DECODE_ANY, &je);
    if (!j)
        fprintf(stderr, "bad test JSON (%s): %s\n", je.text, t);
    free(t);
    assert_non_null(j);
    return j;
}

/* Runs op; returns rc; *resp (may be NULL) receives the response / error extra. */
static inline int it_call(it_fix *f, const char *op, const char *req, json_t **resp, err_t *e)
{
    json_t *j = it_json(req);
    json_t *out = NULL;
    err_clear(e);
    int rc = api_call(f->api, op, j, NULL, &out, e);
    json_decref(j);
    if (resp)
        *resp = out;
    else
        json_decref(out);
    return rc;
}

/* Asserts success and returns the response (caller decrefs). */
static inline json_t *it_ok(it_fix *f, const char *op, const char *req)
{
    err_t e;
    json_t *out = NULL;
    int rc = it_call(f, op, req, &out, &e);
    if (rc)
        fprintf(stderr, "%s failed: %s %s\n  request: %s\n", op, err_name(rc), e.msg, req);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    return out;
}

/* Asserts failure with `code` and exactly `msg` (NULL: any message); returns the error extra
 * (may be NULL; caller decrefs). */
static inline json_t *it_err(it_fix *f, const char *op, const char *req, int code, const char *msg)
{
    err_t e;
    json_t *out = NULL;
    int rc = it_call(f, op, req, &out, &e);
    if (rc != code || (msg && strcmp(e.msg, msg) != 0))
        fprintf(stderr, "%s: want %s '%s', got %s '%s'\n  request: %s\n", op, err_name(code),
                msg ? msg : "*", err_name(rc), e.msg, req);
    assert_int_equal(rc, code);
    if (msg)
        assert_string_equal(e.msg, msg);
    return out;
}

/* True when JSON a equals the single-quoted JSON text b. */
static inline bool it_eq(const json_t *a, const char *b)
{
    json_t *jb = it_json(b);
    bool eq = json_equal((json_t *)a, jb);
    if (!eq) {
        char *s = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
        fprintf(stderr, "JSON mismatch:\n  got:  %s\n  want: %s\n", s ? s : "(null)", b);
        free(s);
    }
    json_decref(jb);
    return eq;
}

/* Asserts member `name` of o equals text (or is absent when text is NULL). */
static inline void it_member(const json_t *o, const char *name, const char *text)
{
    json_t *m = json_object_get(o, name);
    if (!text) {
        if (m) {
            char *s = json_dumps(m, JSON_COMPACT);
            fprintf(stderr, "unexpected %s: %s\n", name, s);
            free(s);
        }
        assert_null(m);
        return;
    }
    if (!m)
        fprintf(stderr, "missing member %s\n", name);
    assert_non_null(m);
    assert_true(it_eq(m, text));
}

/* CapacityUnits of a ConsumedCapacity object, as tenths (1.5 -> 15). */
static inline long it_cu10(const json_t *cc)
{
    json_t *u = json_object_get(cc, "CapacityUnits");
    assert_non_null(u);
    return (long)(json_number_value(u) * 10 + 0.5);
}

static inline int it_setup(void **state)
{
    it_fix *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ddb_api_item_test_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    if (store_open(f->dir, &o, &f->s, &e) || api_new(f->s, NULL, &f->api, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    json_decref(it_ok(f, "CreateTable",
                      "{'TableName':'tab1','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                      "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
                      "'BillingMode':'PAY_PER_REQUEST'}"));
    json_decref(it_ok(f, "CreateTable",
                      "{'TableName':'tab2','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
                      "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':["
                      "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk',"
                      "'AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST'}"));
    json_decref(it_ok(
        f, "CreateTable",
        "{'TableName':'gtab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
        "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':["
        "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk','AttributeType':'S'},"
        "{'AttributeName':'g','AttributeType':'S'},{'AttributeName':'l','AttributeType':'S'}],"
        "'BillingMode':'PAY_PER_REQUEST','GlobalSecondaryIndexes':["
        "{'IndexName':'gidx','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}],"
        "'Projection':{'ProjectionType':'ALL'}},"
        "{'IndexName':'gkey','KeySchema':[{'AttributeName':'g','KeyType':'HASH'}],"
        "'Projection':{'ProjectionType':'KEYS_ONLY'}}],"
        "'LocalSecondaryIndexes':[{'IndexName':'lidx','KeySchema':[{'AttributeName':'pk',"
        "'KeyType':'HASH'},{'AttributeName':'l','KeyType':'RANGE'}],"
        "'Projection':{'ProjectionType':'ALL'}}]}"));
    *state = f;
    return 0;
}

static inline int it_teardown(void **state)
{
    it_fix *f = *state;
    api_free(f->api);
    store_close(f->s);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->dir);
    free(f);
    return 0;
}

#define IT_TEST(fn) cmocka_unit_test_setup_teardown(fn, it_setup, it_teardown)

/* Counting jansson's allocations around a call (json_set_alloc_funcs; the previous
 * functions still do the work): whether a request took the path without a jansson tree. */
static json_malloc_t it_prev_malloc;
static json_free_t it_prev_free;
static size_t it_n_jansson;

static inline void *it_count_malloc(size_t n)
{
    it_n_jansson++;
    return it_prev_malloc(n);
}

static inline void it_count_free(void *p)
{
    it_prev_free(p);
}

static inline void it_jansson_count_begin(void)
{
    json_get_alloc_funcs(&it_prev_malloc, &it_prev_free);
    it_n_jansson = 0;
    json_set_alloc_funcs(it_count_malloc, it_count_free);
}

/* Stops counting: jansson's allocations since it_jansson_count_begin. */
static inline size_t it_jansson_count_end(void)
{
    json_set_alloc_funcs(it_prev_malloc, it_prev_free);
    return it_n_jansson;
}

#endif
