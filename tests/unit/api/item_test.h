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
#include "item_schemas.h"
#include "store/store.h"
#include "value/jout.h"
#include "value/jread.h"

typedef struct it_fix {
    char dir[256];
    store_t *s;
    api_t *api;
} it_fix;

/* A malloc'ed copy of text with every ' made " (the requests as the C strings hold them). */
static inline char *it_quoted(const char *text)
{
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        t[i] = text[i] == '\'' ? '"' : text[i];
    return t;
}

/* JSON from single-quoted text; aborts the test on a syntax error. */
static inline json_t *it_json(const char *text)
{
    char *t = it_quoted(text);
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
    json_decref(it_ok(f, "CreateTable", IT_SCHEMA_TAB1));
    json_decref(it_ok(f, "CreateTable", IT_SCHEMA_TAB2));
    json_decref(it_ok(f, "CreateTable", IT_SCHEMA_GTAB));
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

/* ---- one request through both entries (the differential tests: test_api_jread.c,
 * test_query_jread.c): api_call_out over jansson's tree, api_call_out_jr over our reader's ---- */

typedef struct it_answer {
    int rc;
    char msg[ERR_MSG_MAX];
    char *text;  /* the reply (success) */
    char *extra; /* the error's extra fields, dumped */
} it_answer;

static inline void it_answer_fini(it_answer *a)
{
    free(a->text);
    free(a->extra);
}

static inline void it_answer_take(it_answer *a, int rc, const err_t *e, jout *w, json_t *extra)
{
    a->rc = rc;
    snprintf(a->msg, sizeof a->msg, "%s", e->msg);
    size_t len = 0;
    a->text = rc ? NULL : jout_take(w, &len);
    if (rc && !extra && w->len) { /* the extras written as text (api_err_open) */
        char *t = jout_take(w, &len);
        extra = t ? json_loadb(t, len, 0, NULL) : NULL;
        assert_non_null(extra);
        free(t);
    }
    a->extra = extra ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(extra);
    jout_fini(w);
}

/* JSON text t as op's request through our reader's entry (jread: api_call_out_jr) or
 * jansson's (api_call_out over the tree json_loadb builds: jread_to_jansson's is identical,
 * keys with U+0000 included, test_jread.c).  *allocs (may be NULL): jansson's allocations
 * during the call (the tree given). */
static inline void it_via(it_fix *f, bool jread, const char *op, const char *t, it_answer *a,
                          size_t *allocs)
{
    arena_t ar;
    arena_init(&ar);
    jread_val *v;
    jread_error je;
    assert_int_equal(jread_parse(t, strlen(t), &ar, &v, &je), 0);
    json_t *j = jread ? NULL : jread_to_jansson(v);
    if (!jread)
        assert_non_null(j);
    jout w;
    jout_init(&w, 0);
    err_t e = {0};
    json_t *extra = NULL;
    it_jansson_count_begin();
    int rc = jread ? api_call_out_jr(f->api, op, v, NULL, &w, &extra, &e)
                   : api_call_out(f->api, op, j, NULL, &w, &extra, &e);
    size_t n = it_jansson_count_end();
    if (allocs)
        *allocs = n;
    json_decref(j);
    arena_fini(&ar);
    it_answer_take(a, rc, &e, &w, extra);
}

static inline void it_via_jansson(it_fix *f, const char *op, const char *t, it_answer *a,
                                  size_t *allocs)
{
    it_via(f, false, op, t, a, allocs);
}

static inline void it_via_jread(it_fix *f, const char *op, const char *t, it_answer *a,
                                size_t *allocs)
{
    it_via(f, true, op, t, a, allocs);
}

/* Fails the test when a and b (jansson's and our reader's answers to op's request t) differ:
 * code, message, reply bytes, extra fields. */
static inline void it_same_answer(const char *op, const char *t, const it_answer *a,
                                  const it_answer *b)
{
    if (a->rc != b->rc || strcmp(a->msg, b->msg) != 0 ||
        (a->text || b->text ? !a->text || !b->text || strcmp(a->text, b->text) != 0 : false) ||
        (a->extra || b->extra ? !a->extra || !b->extra || strcmp(a->extra, b->extra) != 0
                              : false))
        fail_msg("%s %s\n jansson %d %s %s %s\n jread   %d %s %s %s", op, t, a->rc, a->msg,
                 a->text ? a->text : "-", a->extra ? a->extra : "-", b->rc, b->msg,
                 b->text ? b->text : "-", b->extra ? b->extra : "-");
}

#endif
