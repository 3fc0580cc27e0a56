/*
 * stats — GET /metrics, parse, sum up.  Layer: ops.  See stats.h.
 * Tests: tests/unit/ops/test_stats.c, tests/e2e/test_metrics.py.
 */
#include "ops/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "client/ddbc.h"

int ops_stats_fetch(const char *url, char **out, err_t *e)
{
    long status = 0;
    int rc = ddbc_http_get(url, OPS_STATS_MAX_BYTES, OPS_STATS_TIMEOUT_MS, out, &status, e);
    if (rc)
        return rc;
    if (status != 200) {
        free(*out);
        *out = NULL;
        return err_set(e, ERR_TRANSPORT, "GET %s: HTTP %ld (is it a ddbchat DynamoDB endpoint?)",
                       url, status);
    }
    return 0;
}

/* name{a="x",b="y"} value  — labels unescaped. */
static int st_line(const char *p, const char *end, json_t *all)
{
    const char *q = p;
    while (q < end && *q != '{' && *q != ' ')
        q++;
    if (q == p || q >= end)
        return -1;
    json_t *labels = json_object();
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(q - p), p);
    if (*q == '{') {
        q++;
        while (q < end && *q != '}') {
            const char *k = q;
            while (q < end && *q != '=')
                q++;
            if (q + 1 >= end || q[1] != '"') {
                json_decref(labels);
                return -1;
            }
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(q - k), k);
            q += 2;
            buf_t v;
            buf_init(&v, 4096);
            while (q < end && *q != '"') {
                if (*q == '\\' && q + 1 < end) {
                    q++;
                    buf_putc(&v, *q == 'n' ? '\n' : (unsigned char)*q);
                } else {
                    buf_putc(&v, (unsigned char)*q);
                }
                q++;
            }
            json_object_set_new(labels, key,
                                json_stringn(v.len ? (const char *)v.data : "", v.len));
            buf_fini(&v);
            if (q >= end) {
                json_decref(labels);
                return -1;
            }
            q++; /* closing quote */
            if (q < end && *q == ',')
                q++;
        }
        if (q >= end) {
            json_decref(labels);
            return -1;
        }
        q++; /* } */
    }
    while (q < end && *q == ' ')
        q++;
    char num[64];
    snprintf(num, sizeof num, "%.*s", (int)(end - q), q);
    char *ne;
    double v = strtod(num, &ne);
    if (ne == num) {
        if (strncmp(num, "+Inf", 4) == 0)
            v = INFINITY;
        else {
            json_decref(labels);
            return -1;
        }
    }
    json_t *arr = json_object_get(all, name);
    if (!arr) {
        arr = json_array();
        json_object_set_new(all, name, arr);
    }
    json_array_append_new(arr, json_pack("{s:o,s:f}", "labels", labels, "value", v));
    return 0;
}

json_t *ops_stats_parse(const char *text, err_t *e)
{
    json_t *all = json_object();
    int lineno = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        if (!end)
            end = p + strlen(p);
        lineno++;
        if (end > p && *p != '#' && st_line(p, end, all) != 0) {
            json_decref(all);
            err_set(e, ERR_VALIDATION, "metrics line %d is malformed", lineno);
            return NULL;
        }
        p = *end ? end + 1 : end;
    }
    return all;
}

static double st_value(json_t *samples, const char *name, const char *lk, const char *lv)
{
    size_t i;
    json_t *s;
    double sum = 0;
    json_array_foreach(json_object_get(samples, name), i, s) {
        const char *v = lk ? json_string_value(json_object_get(json_object_get(s, "labels"), lk))
                           : NULL;
        if (!lk || (v && strcmp(v, lv) == 0))
            sum += json_real_value(json_object_get(s, "value"));
    }
    return sum;
}

/* The upper bound (ms) of the bucket holding quantile q of a histogram's samples of one
 * operation (lk=lv), or of the whole family (lk NULL). */
static double st_quantile_ms(json_t *samples, const char *bucket_family, const char *lk,
                             const char *lv, double q)
{
    double total = 0, best = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(samples, bucket_family), i, s) {
        json_t *l = json_object_get(s, "labels");
        if (lk && strcmp(json_string_value(json_object_get(l, lk)) ?: "", lv) != 0)
            continue;
        const char *le = json_string_value(json_object_get(l, "le"));
        if (le && strcmp(le, "+Inf") == 0)
            total = json_real_value(json_object_get(s, "value"));
    }
    if (total <= 0)
        return 0;
    double want = q * total, lowest = INFINITY;
    json_array_foreach(json_object_get(samples, bucket_family), i, s) {
        json_t *l = json_object_get(s, "labels");
        if (lk && strcmp(json_string_value(json_object_get(l, lk)) ?: "", lv) != 0)
            continue;
        const char *le = json_string_value(json_object_get(l, "le"));
        double cum = json_real_value(json_object_get(s, "value"));
        double bound = le && strcmp(le, "+Inf") ? strtod(le, NULL) : INFINITY;
        if (cum >= want && bound < lowest)
            lowest = bound;
    }
    best = lowest;
    return isinf(best) ? -1 : best * 1000.0;
}

json_t *ops_stats_summary(json_t *samples)
{
    json_t *ops = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(samples, "ddbchat_requests_total"), i, s) {
        const char *op = json_string_value(json_object_get(json_object_get(s, "labels"),
                                                           "operation"));
        if (!op)
            continue;
        double n = json_real_value(json_object_get(s, "value"));
        json_t *by = json_object();
        double errs = 0;
        size_t k;
        json_t *es;
        json_array_foreach(json_object_get(samples, "ddbchat_request_errors_total"), k, es) {
            json_t *l = json_object_get(es, "labels");
            if (strcmp(json_string_value(json_object_get(l, "operation")) ?: "", op) != 0)
                continue;
            double v = json_real_value(json_object_get(es, "value"));
            errs += v;
            json_object_set_new(by, json_string_value(json_object_get(l, "error")) ?: "?",
                                json_integer((json_int_t)v));
        }
        double sum = st_value(samples, "ddbchat_request_duration_seconds_sum", "operation", op);
        json_object_set_new(
            ops, op,
            json_pack("{s:I,s:I,s:o,s:f,s:f,s:f}", "requests", (json_int_t)n, "errors",
                      (json_int_t)errs, "errors_by_type", by, "avg_ms",
                      n > 0 ? sum * 1000.0 / n : 0.0, "p50_ms",
                      st_quantile_ms(samples, "ddbchat_request_duration_seconds_bucket",
                                     "operation", op, 0.5),
                      "p99_ms",
                      st_quantile_ms(samples, "ddbchat_request_duration_seconds_bucket",
                                     "operation", op, 0.99)));
    }
    json_t *cap = json_object();
    json_array_foreach(json_object_get(samples, "ddbchat_consumed_capacity_units_total"), i, s) {
        json_t *l = json_object_get(s, "labels");
        const char *t = json_string_value(json_object_get(l, "table"));
        const char *kind = json_string_value(json_object_get(l, "kind"));
        if (!t || !kind)
            continue;
        json_t *o = json_object_get(cap, t);
        if (!o) {
            o = json_pack("{s:f,s:f}", "read", 0.0, "write", 0.0);
            json_object_set_new(cap, t, o);
        }
        json_object_set_new(o, kind, json_real(json_real_value(json_object_get(s, "value"))));
    }
    double rounds = st_value(samples, "ddbchat_group_commit_rounds_total", NULL, NULL);
    double writes = st_value(samples, "ddbchat_group_commit_writes_total", NULL, NULL);
    double syncs = st_value(samples, "ddbchat_group_commit_sync_seconds_count", NULL, NULL);
    double sync_s = st_value(samples, "ddbchat_group_commit_sync_seconds_sum", NULL, NULL);
    json_t *gc = json_pack(
        "{s:I,s:I,s:I,s:f,s:I,s:f,s:f}", "rounds", (json_int_t)rounds, "calls",
        (json_int_t)st_value(samples, "ddbchat_group_commit_calls_total", NULL, NULL), "writes",
        (json_int_t)writes, "writes_per_round", rounds > 0 ? writes / rounds : 0.0, "syncs",
        (json_int_t)syncs, "sync_avg_ms", syncs > 0 ? sync_s * 1000.0 / syncs : 0.0,
        "sync_p99_ms",
        st_quantile_ms(samples, "ddbchat_group_commit_sync_seconds_bucket", NULL, NULL, 0.99));
    json_t *lmdb = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I}", "map_bytes",
        (json_int_t)st_value(samples, "ddbchat_lmdb_map_bytes", NULL, NULL), "used_bytes",
        (json_int_t)st_value(samples, "ddbchat_lmdb_used_bytes", NULL, NULL), "file_bytes",
        (json_int_t)st_value(samples, "ddbchat_lmdb_file_bytes", NULL, NULL), "readers_used",
        (json_int_t)st_value(samples, "ddbchat_lmdb_readers_used", NULL, NULL), "readers_max",
        (json_int_t)st_value(samples, "ddbchat_lmdb_readers_max", NULL, NULL), "last_txn_id",
        (json_int_t)st_value(samples, "ddbchat_lmdb_last_txn_id", NULL, NULL));
    json_t *http = json_pack(
        "{s:{s:I,s:I},s:I}", "connections", "dynamodb",
        (json_int_t)st_value(samples, "ddbchat_http_connections", "listener", "dynamodb"), "rest",
        (json_int_t)st_value(samples, "ddbchat_http_connections", "listener", "rest"),
        "in_flight", (json_int_t)st_value(samples, "ddbchat_http_requests_in_flight", NULL, NULL));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:I}", "operations", ops, "capacity", cap,
                     "group_commit", gc, "lmdb", lmdb, "http", http, "tables",
                     (json_int_t)st_value(samples, "ddbchat_tables", NULL, NULL));
}
