/*
 * Helpers shared by the expr unit tests: values from DynamoDB JSON text, and the
 * parse -> env -> resolve -> unused-check pipeline the api layer runs.  Header-only (each test
 * is its own executable).
 */
#ifndef DDB_TEST_EXPR_UTIL_H
#define DDB_TEST_EXPR_UTIL_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "expr/expr.h"
#include "value/av.h"
#include "value/ddbjson.h"

/* A value from DynamoDB JSON text ("{\"S\":\"x\"}"); NULL text -> AV_NONE. */
static inline av_t tv(arena_t *a, const char *text)
{
    av_t v = {0};
    if (!text)
        return v;
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("bad JSON in test: %s: %s", text, jerr.text);
    err_t e;
    err_clear(&e);
    if (ddbjson_to_av(j, a, &v, &e))
        fail_msg("bad value in test: %s: %s", text, e.msg);
    json_decref(j);
    return v;
}

/* An item / placeholder map from JSON text ({"a":{"S":"x"}}); NULL -> AV_NONE. */
static inline av_t titem(arena_t *a, const char *text)
{
    av_t v = {0};
    if (!text)
        return v;
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (!j)
        fail_msg("bad JSON in test: %s: %s", text, jerr.text);
    size_t n = json_object_size(j), k = 0;
    av_kv *kv = arena_zalloc(a, (n ? n : 1) * sizeof *kv);
    const char *key;
    json_t *x;
    json_object_foreach(j, key, x)
    {
        kv[k].name = arena_strdup(a, key);
        kv[k].name_len = strlen(key);
        if (json_is_string(x)) /* ExpressionAttributeNames */
            kv[k].val = av_make_s(arena_strdup(a, json_string_value(x)), json_string_length(x));
        else {
            char *s = json_dumps(x, JSON_COMPACT);
            kv[k].val = tv(a, s);
            free(s);
        }
        k++;
    }
    json_decref(j);
    return av_make_m(kv, k);
}

/* parse + env + resolve + unused check.  Returns 0 or the error code (message in e). */
static inline int tpipe(arena_t *a, expr_kind kind, const char *text, const char *names,
                        const char *values, expr_t **out, err_t *e)
{
    av_t *n = NULL, *v = NULL;
    if (names) {
        n = arena_alloc(a, sizeof *n);
        *n = titem(a, names);
    }
    if (values) {
        v = arena_alloc(a, sizeof *v);
        *v = titem(a, values);
    }
    expr_env env;
    expr_t *p;
    int rc;
    err_clear(e);
    if ((rc = expr_env_init(&env, a, n, v, e)) < 0)
        return rc;
    if ((rc = expr_parse(a, kind, text, strlen(text), &p, e)) < 0)
        return rc;
    if ((rc = expr_resolve(a, p, &env, out, e)) < 0)
        return rc;
    return expr_env_check_unused(&env, e);
}

/* True when v equals the value given as JSON text (item form when item is true). */
static inline bool tequal(arena_t *a, const av_t *v, const char *text, bool item)
{
    av_t w = item ? titem(a, text) : tv(a, text);
    bool ok = av_equal(&w, v);
    if (!ok) {
        json_t *g = item ? ddbjson_from_item(v) : ddbjson_from_av(v);
        char *s = json_dumps(g, JSON_COMPACT);
        printf("  want %s\n  got  %s\n", text, s);
        free(s);
        json_decref(g);
    }
    return ok;
}

#endif
