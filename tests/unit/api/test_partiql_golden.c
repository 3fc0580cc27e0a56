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
 *
 * Every request also goes to a twin store through api_call_out (the endpoint's text path:
 * items written as text, error extras too, api_out.h / api_err_open), which must answer the
 * same code, message and bytes as api_call's tree serialised (NextToken's value aside: each
 * store MACs its tokens with its own key).
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
#include "value/jout.h"

#define CORPUS DDB_SOURCE_DIR "/tests/golden/partiql/corpus.json"
#define MAX_PAGES 60

typedef struct fix {
    char dir[256], dir2[256];
    store_t *s, *s2;
    api_t *api, *api2; /* api2: the twin answering through api_call_out */
    size_t compared;
    char *tok, *tok2; /* the last NextToken each answered (the twin's stands for the tree's) */
} fix;

/* s's NextToken (a copy), or NULL. */
static char *token_of(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    const char *t = json_string_value(json_object_get(j, "NextToken"));
    char *c = t ? strdup(t) : NULL;
    json_decref(j);
    return c;
}

/* t with every NextToken's value replaced by "-" (in place). */
static void mask_tokens(char *t)
{
    static const char k[] = "\"NextToken\":\"";
    for (char *p = t; (p = strstr(p, k)) != NULL;) {
        p += sizeof k - 1;
        char *q = strchr(p, '"');
        if (!q)
            break;
        *p = '-';
        memmove(p + 1, q, strlen(q) + 1);
        p += 1;
    }
}

static char *dump(const json_t *j)
{
    if (!j)
        return strdup("(none)");
    jout w;
    jout_init(&w, 0);
    size_t n;
    char *t = jout_json(&w, j) ? NULL : jout_take(&w, &n);
    jout_fini(&w);
    assert_non_null(t);
    return t;
}

/* req through the twin's text path: the same code, message and bytes as the tree's (out). */
static void twin_same(fix *f, const char *op, json_t *req, int rc, const err_t *e,
                      const json_t *out)
{
    jout w;
    jout_init(&w, 0);
    json_t *extra = NULL;
    err_t e2;
    err_clear(&e2);
    /* the next page: the twin's own token for the one the tree's store gave */
    json_t *req2 = req, *nt = json_object_get(req, "NextToken");
    if (json_is_string(nt) && f->tok && f->tok2 && strcmp(json_string_value(nt), f->tok) == 0) {
        req2 = json_deep_copy(req);
        json_object_set_new(req2, "NextToken", json_string(f->tok2));
    }
    int rc2 = api_call_out(f->api2, op, req2, NULL, &w, &extra, &e2);
    if (req2 != req)
        json_decref(req2);
    char *ta = dump(out), *tb;
    size_t n;
    if (rc2 == 0 || w.len) {
        tb = jout_take(&w, &n);
        assert_non_null(tb);
        assert_true(rc2 == 0 || !extra);
    } else {
        tb = dump(extra);
    }
    free(f->tok);
    free(f->tok2);
    f->tok = rc ? NULL : token_of(ta);
    f->tok2 = rc2 ? NULL : token_of(tb);
    mask_tokens(ta);
    mask_tokens(tb);
    if (strcmp(op, "CreateTable") == 0) { /* its TableId and times are each store's own */
        free(tb);
        tb = strdup(ta);
    }
    if (rc2 != rc || strcmp(e->msg, e2.msg) != 0 || strcmp(ta, tb) != 0) {
        char *rq = json_dumps(req, JSON_COMPACT);
        fprintf(stderr, "%s %s\n  tree %d %s: %.600s\n  text %d %s: %.600s\n", op, rq, rc,
                e->msg, ta, rc2, e2.msg, tb);
        free(rq);
    }
    assert_int_equal(rc2, rc);
    assert_string_equal(e2.msg, e->msg);
    assert_string_equal(ta, tb);
    f->compared++;
    free(ta);
    free(tb);
    json_decref(extra);
    jout_fini(&w);
}

static json_t *call(fix *f, const char *op, json_t *req, int *rc_out, err_t *e)
{
    json_t *out = NULL;
    err_clear(e);
    *rc_out = api_call(f->api, op, req, NULL, &out, e);
    twin_same(f, op, req, *rc_out, e, out);
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

static int open_one(char *dir, size_t n, store_t **s, api_t **api)
{
    snprintf(dir, n, "/tmp/ddb_pq_golden_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e;
    err_clear(&e);
    return store_open(dir, &o, s, &e) || api_new(*s, NULL, api, &e) ? -1 : 0;
}

static int setup(void **state)
{
    fix *f = calloc(1, sizeof *f);
    if (!f || open_one(f->dir, sizeof f->dir, &f->s, &f->api) ||
        open_one(f->dir2, sizeof f->dir2, &f->s2, &f->api2))
        return -1;
    *state = f;
    return 0;
}

static void close_one(const char *dir, store_t *s, api_t *api)
{
    api_free(api);
    store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static int teardown(void **state)
{
    fix *f = *state;
    close_one(f->dir, f->s, f->api);
    close_one(f->dir2, f->s2, f->api2);
    free(f->tok);
    free(f->tok2);
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
    fprintf(stderr, "partiql golden: %zu cases (%zu assert AWS over DynamoDB Local), %zu differ; "
            "%zu requests answered the same by the text path\n", n, aws, bad, f->compared);
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
