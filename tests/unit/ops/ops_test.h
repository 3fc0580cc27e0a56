/*
 * ops_test — helpers shared by the ops layer's unit tests (not a test itself).
 *
 * A temp dir per test; an embedded store + api on a data dir inside it; requests written as
 * JSON text so tests read like the wire.
 */
#ifndef DDB_TESTS_OPS_TEST_H
#define DDB_TESTS_OPS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api.h"
#include "store/store.h"

typedef struct ot_env {
    char root[256];
    char data[300];
    store_t *s;
    api_t *api;
} ot_env;

static inline void ot_rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* Opens store + api on dir (durable=false, no TTL thread). */
static inline void ot_open(ot_env *t, const char *dir)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e = {0};
    int rc = store_open(dir, &o, &t->s, &e);
    if (rc)
        fprintf(stderr, "store_open %s: %s\n", dir, e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(api_new(t->s, NULL, &t->api, &e), 0);
}

static inline void ot_close(ot_env *t)
{
    api_free(t->api);
    store_close(t->s);
    t->api = NULL;
    t->s = NULL;
}

static inline int ot_setup(void **state)
{
    ot_env *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    snprintf(t->root, sizeof t->root, "/tmp/ddb_ops_test_XXXXXX");
    if (!mkdtemp(t->root)) {
        free(t);
        return -1;
    }
    snprintf(t->data, sizeof t->data, "%s/data", t->root);
    ot_open(t, t->data);
    *state = t;
    return 0;
}

static inline int ot_teardown(void **state)
{
    ot_env *t = *state;
    ot_close(t);
    ot_rmrf(t->root);
    free(t);
    return 0;
}

/* Runs op with the request `fmt` (JSON text after printf formatting); returns the ERR_* and,
 * when out is not NULL, the response (caller decrefs). */
static inline int ot_call(api_t *api, const char *op, json_t **out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int ot_call(api_t *api, const char *op, json_t **out, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_error_t je;
    json_t *req = json_loads(buf, 0, &je);
    if (!req)
        fprintf(stderr, "bad test JSON: %s: %s\n", buf, je.text);
    assert_non_null(req);
    json_t *resp = NULL;
    err_t e = {0};
    int rc = api_call(api, op, req, NULL, &resp, &e);
    if (rc && !out)
        fprintf(stderr, "%s: %s %s\n", op, err_type(rc), e.msg);
    json_decref(req);
    if (out)
        *out = resp;
    else
        json_decref(resp);
    return rc;
}

static inline void ot_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* CreateBackup of table (named bk1), waited for until AVAILABLE; its ARN (malloc'd). */
static inline char *ot_create_backup(api_t *api, const char *table)
{
    json_t *resp = NULL;
    assert_int_equal(ot_call(api, "CreateBackup", &resp,
                             "{\"TableName\":\"%s\",\"BackupName\":\"bk1\"}", table),
                     0);
    char *arn = strdup(json_string_value(
        json_object_get(json_object_get(resp, "BackupDetails"), "BackupArn")));
    json_decref(resp);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(ot_call(api, "DescribeBackup", &resp, "{\"BackupArn\":\"%s\"}", arn), 0);
        const char *st = json_string_value(json_object_get(
            json_object_get(json_object_get(resp, "BackupDescription"), "BackupDetails"),
            "BackupStatus"));
        bool ok = st && strcmp(st, "AVAILABLE") == 0;
        json_decref(resp);
        if (ok)
            return arn;
        ot_sleep_ms(5);
    }
    fail_msg("backup not AVAILABLE");
    return NULL;
}

/* Every item of a table, sorted by their JSON text (a stable comparison form). */
static inline json_t *ot_scan_all(api_t *api, const char *table)
{
    json_t *all = json_array();
    json_t *start = NULL;
    for (;;) {
        json_t *req = json_pack("{s:s}", "TableName", table);
        if (start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        json_t *resp = NULL;
        err_t e = {0};
        int rc = api_call(api, "Scan", req, NULL, &resp, &e);
        json_decref(req);
        assert_int_equal(rc, 0);
        json_array_extend(all, json_object_get(resp, "Items"));
        start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (!start)
            break;
    }
    return all;
}

/* The items' canonical texts, sorted, joined by newlines (malloc'd). */
static inline int ot_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline char *ot_canon(json_t *items)
{
    size_t n = json_array_size(items);
    char **v = calloc(n + 1, sizeof *v);
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        v[i] = json_dumps(json_array_get(items, i), JSON_COMPACT | JSON_SORT_KEYS);
        total += strlen(v[i]) + 1;
    }
    qsort(v, n, sizeof *v, ot_cmp_str);
    char *out = calloc(1, total);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        memcpy(out + at, v[i], l);
        out[at + l] = '\n';
        at += l + 1;
        free(v[i]);
    }
    free(v);
    return out;
}

#endif
