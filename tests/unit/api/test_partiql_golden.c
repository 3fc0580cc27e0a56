/*
 * test_partiql_golden — replays tests/golden/partiql/corpus.json (recorded from DynamoDB
 * Local by tools/record_partiql_golden.py) through api_call on an embedded store, without
 * Java.  Each case: put its "before" items, run its ExecuteStatement / BatchExecuteStatement
 * / ExecuteTransaction request (chasing NextToken for "pages" cases), read its "after" keys
 * back, and compare with the case's "aws" answer when it has one (AWS's documented or
 * conformance-tested behaviour, where DynamoDB Local differs; "note" says how) or else with
 * DynamoDB Local's ("local").  Scan results are compared as multisets ("unordered");
 * ConsumedCapacity is left out (DynamoDB Local does not return it for PartiQL) and NextToken
 * values are opaque.
 */
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

#define CORPUS DDB_SOURCE_DIR "/tests/golden/partiql/corpus.json"
#define MAX_PAGES 60

typedef struct fix {
    char dir[256];
    store_t *s;
    api_t *api;
} fix;

static json_t *call(fix *f, const char *op, json_t *req, int *rc_out, err_t *e)
{
    json_t *out = NULL;
    err_clear(e);
    *rc_out = api_call(f->api, op, req, NULL, &out, e);
    return out;
}

/* {"error": {type, message, extra...}} as the recorder writes it. */
static json_t *error_json(int rc, const err_t *e, json_t *extra)
{
    json_t *er = json_object();
    json_object_set_new(er, "type", json_string(err_type(rc)));
    json_object_set_new(er, "message", json_string(e->msg));
    if (extra) {
        const char *k;
        json_t *v;
        json_object_foreach(extra, k, v) json_object_set(er, k, v);
    }
    json_t *o = json_object();
    json_object_set_new(o, "error", er);
    return o;
}

/* The answer to one case, shaped like the recorder's. */
static json_t *answer(fix *f, json_t *c)
{
    const char *op = json_string_value(json_object_get(c, "op"));
    json_t *req = json_object_get(c, "request");
    bool pages = json_is_true(json_object_get(c, "pages"));
    json_t *out = NULL;
    err_t e;
    int rc;
    if (pages) {
        json_t *items = json_array();
        json_t *r = json_deep_copy(req);
        for (int n = 0; n < MAX_PAGES; n++) {
            json_t *resp = call(f, op, r, &rc, &e);
            if (rc) {
                out = error_json(rc, &e, resp);
                json_decref(resp);
                break;
            }
            json_array_extend(items, json_object_get(resp, "Items"));
            json_t *tok = json_object_get(resp, "NextToken");
            if (!tok) {
                json_decref(resp);
                break;
            }
            json_object_set(r, "NextToken", tok);
            json_decref(resp);
        }
        json_decref(r);
        if (!out) {
            json_t *ok = json_object();
            json_object_set(ok, "Items", items);
            out = json_object();
            json_object_set_new(out, "ok", ok);
        }
        json_decref(items);
    } else {
        json_t *resp = call(f, op, req, &rc, &e);
        if (rc) {
            out = error_json(rc, &e, resp);
        } else {
            json_object_del(resp, "ConsumedCapacity");
            if (json_object_get(resp, "NextToken"))
                json_object_set_new(resp, "NextToken", json_true());
            out = json_object();
            json_object_set(out, "ok", resp);
        }
        json_decref(resp);
    }
    json_t *after = json_object_get(c, "after");
    if (after) {
        json_t *got = json_array();
        size_t i;
        json_t *a;
        json_array_foreach(after, i, a)
        {
            json_t *g = json_deep_copy(a);
            json_object_set_new(g, "ConsistentRead", json_true());
            json_t *resp = call(f, "GetItem", g, &rc, &e);
            assert_int_equal(rc, 0);
            json_t *it = json_object_get(resp, "Item");
            json_array_append(got, it ? it : json_null());
            json_decref(resp);
            json_decref(g);
        }
        json_object_set_new(out, "after", got);
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Items compared as a multiset: sorted by their canonical text. */
static void sort_items(json_t *ok)
{
    json_t *items = ok ? json_object_get(ok, "Items") : NULL;
    size_t n = items ? json_array_size(items) : 0;
    if (n < 2)
        return;
    char **t = calloc(n, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = json_dumps(json_array_get(items, i), JSON_SORT_KEYS | JSON_COMPACT);
    qsort(t, n, sizeof *t, cmp_str);
    json_array_clear(items);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(items, json_loads(t[i], 0, NULL));
        free(t[i]);
    }
    free(t);
}

static bool same(json_t *want, json_t *got, bool unordered)
{
    json_t *w = json_deep_copy(want), *g = json_deep_copy(got);
    bool eq = false;
    json_t *we = json_object_get(w, "error"), *ge = json_object_get(g, "error");
    if (we) {
        if (!ge)
            goto done;
        json_t *pre = json_object_get(we, "message_prefix");
        if (pre) {
            const char *gm = json_string_value(json_object_get(ge, "message"));
            const char *p = json_string_value(pre);
            if (!gm || strncmp(gm, p, strlen(p)) != 0)
                goto done;
            json_object_del(we, "message_prefix");
            json_object_del(ge, "message");
        }
    } else if (unordered) {
        sort_items(json_object_get(w, "ok"));
        sort_items(json_object_get(g, "ok"));
    }
    eq = json_equal(w, g);
done:
    json_decref(w);
    json_decref(g);
    return eq;
}

static int setup(void **state)
{
    fix *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ddb_pq_golden_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    if (store_open(f->dir, &o, &f->s, &e) || api_new(f->s, NULL, &f->api, &e))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix *f = *state;
    api_free(f->api);
    store_close(f->s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Every case of the corpus, in order, against one store. */
static void replay(void **state)
{
    fix *f = *state;
    json_error_t je;
    json_t *corpus = json_load_file(CORPUS, 0, &je);
    if (!corpus)
        fprintf(stderr, "cannot read %s: %s\n", CORPUS, je.text);
    assert_non_null(corpus);
    err_t e;
    int rc;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(corpus, "tables"), i, x)
    {
        json_t *r = call(f, "CreateTable", x, &rc, &e);
        json_decref(r);
        assert_int_equal(rc, 0);
    }
    json_array_foreach(json_object_get(corpus, "seed"), i, x)
    {
        json_t *r = call(f, "PutItem", x, &rc, &e);
        json_decref(r);
        assert_int_equal(rc, 0);
    }
    size_t bad = 0, n = 0, aws = 0;
    json_array_foreach(json_object_get(corpus, "cases"), i, x)
    {
        size_t k;
        json_t *b;
        json_array_foreach(json_object_get(x, "before"), k, b)
        {
            json_t *r = call(f, "PutItem", b, &rc, &e);
            json_decref(r);
            assert_int_equal(rc, 0);
        }
        json_t *want = json_object_get(x, "aws");
        if (want)
            aws++;
        else
            want = json_object_get(x, "local");
        json_t *got = answer(f, x);
        n++;
        if (!same(want, got, json_is_true(json_object_get(x, "unordered")))) {
            bad++;
            char *ws = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
            char *gs = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
            fprintf(stderr, "case %zu (%s): %s\n  want %.600s\n  got  %.600s\n", i,
                    json_string_value(json_object_get(x, "group")),
                    json_string_value(json_object_get(x, "name")), ws, gs);
            free(ws);
            free(gs);
        }
        json_decref(got);
    }
    fprintf(stderr, "partiql golden: %zu cases (%zu assert AWS over DynamoDB Local), %zu differ\n",
            n, aws, bad);
    assert_true(n >= 500);
    assert_int_equal(bad, 0);
    json_decref(corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replay, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
