/*
 * fuzz_paths — differential: one request through the three ways into the operation layer,
 * which must give the same answer (code, message, error extra fields, reply bytes) and leave
 * the same table contents:
 *   tree  api_call over jansson's tree, the reply as a jansson tree (dumped compact);
 *   out   api_call_out over jansson's tree, the reply written as text (api_out.h: GetItem's
 *         item from its stored bytes, ConsumedCapacity and the rest without a tree);
 *   jr    api_call_out_jr over our reader's tree: the request read straight into values
 *         (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, TransactGetItems,
 *         TransactWriteItems with its ClientRequestToken, BatchWriteItem when it has one),
 *         the reply as text.  It is what the endpoint runs (ddb_proto.c);
 *   sink  api_call_sink over jansson's tree (the operations with a reply as values: GetItem,
 *         PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem), what the messaging
 *         service's embedded backend runs: the same code, message and extra fields, and the
 *         items handed over (each written with jout_item) are the reply's items, in order,
 *         under the same names;
 *   later api_call_out_jr_later over our reader's tree, what the endpoint runs for the writes
 *         it answers later (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
 *         TransactWriteItems; issue 13.3 design (a)): the write is queued, and the reply
 *         built by the store's committing thread from the request's copies; done records
 *         it and the input waits for it.  Every
 *         other request is answered at once, as by jr (then suspend must not be called).
 * jansson's tree is jread_to_jansson's, the tree json_loadb gives (tests/fuzz/fuzz_jread.c).
 *
 * Input: one byte choosing the operation (OPS), then the JSON body; a body our reader refuses
 * is skipped.  Each way has its own store (in a temporary directory) with the tables and
 * items of tests/unit/api/test_api_jread.c and test_query_jread.c (tab1, tab2, gtab, qst,
 * qinc, qlsi, qmk: their CreateTable requests from tests/unit/api/item_schemas.h, which those
 * tests use too, so a changed fixture changes both), so the seeds (make_seeds.py: those tests' requests) reach deep.  A write
 * that succeeds is followed by a comparison of every table's contents (a consistent Scan
 * through the tree way); a table that changed gets its starting items back, and after a
 * TransactWriteItems the APIs are made afresh (its ClientRequestToken cache), so every input
 * starts from the same state and a saved input replays alone.  A 5xx answer is a finding too.
 */
#include <jansson.h>
#include <pthread.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/log.h"
#include "../unit/api/item_schemas.h"
#include "fuzz_common.h"
#include "store/store.h"
#include "value/jout.h"
#include "value/jread.h"

static const char *const OPS[] = {"GetItem",          "PutItem",          "UpdateItem",
                                  "DeleteItem",       "Query",            "Scan",
                                  "BatchGetItem",     "BatchWriteItem",   "TransactGetItems",
                                  "TransactWriteItems"};
#define N_OPS (sizeof OPS / sizeof OPS[0])
#define N_WAYS 5
#define SINK 3  /* the way the messaging service's embedded backend reads replies */
#define LATER 4 /* the endpoint's way for the writes it answers later */

static const char *const WAY[N_WAYS] = {"tree", "out", "jr", "sink", "later"};

/* the tables, with whether they have a sort key "sk" (every hash key is "pk") */
static const struct {
    const char *name;
    bool range;
} TABLES[] = {{"tab1", false}, {"tab2", true}, {"gtab", true}, {"qst", true},
              {"qinc", true},  {"qlsi", true}, {"qmk", false}};
#define N_TABLES (sizeof TABLES / sizeof TABLES[0])

/* The unit tests' tables (item_schemas.h), in TABLES' order. */
static const char *const SCHEMA[] = {IT_SCHEMA_TAB1, IT_SCHEMA_TAB2, IT_SCHEMA_GTAB,
                                     IT_SCHEMA_QST,  IT_SCHEMA_QINC, IT_SCHEMA_QLSI,
                                     IT_SCHEMA_QMK};

/* the items every input starts from (test_api_jread.c's reset_items, test_query_jread.c's
 * q_setup; qlsi's items are 300 bytes here, not 3 KB) */
static const char *const ITEMS[] = {
    "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'x'},'n':{'N':'1.50'},"
    "'m':{'M':{'k':{'L':[{'BOOL':true},{'NULL':true}]}}},'ss':{'SS':['b','a']},'cnt':{'N':'7'}}}",
    "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'15'},'v':{'B':'AAEC'}}}",
    "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'b'},'g':{'S':'x'},'l':{'S':'y'}}}",
    "{'TableName':'qst','Item':{'pk':{'S':'other'},'sk':{'S':'0'}}}",
    "{'TableName':'qst','Item':{'pk':{'S':'n\\u0000ul'},'sk':{'S':'1'},'a\\u0000b':"
    "{'S':'\\u0000'}}}",
    "{'TableName':'qinc','Item':{'pk':{'S':'p'},'sk':{'S':'s'},'g':{'S':'G'},'l':{'N':'1'},"
    "'a':{'N':'1'},'b':{'S':'b'}}}",
};

static struct {
    char dir[N_WAYS][128];
    store_t *store[N_WAYS];
    api_t *api[N_WAYS];
    json_t *initial[N_TABLES];     /* each table's starting items (a Scan's Items) */
    char *initial_text[N_TABLES];  /* and as text */
} F;

static char *unquote(const char *s)
{
    char *t = fz_strndup(s, strlen(s));
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    return t;
}

/* A call through the tree way that must succeed (set-up, contents); the reply (caller
 * decrefs). */
static json_t *must(int way, const char *op, json_t *req)
{
    err_t e = {0};
    json_t *out = NULL;
    if (api_call(F.api[way], op, req, NULL, &out, &e) != 0)
        fz_fail("%s %s: %s", WAY[way], op, e.msg);
    return out;
}

static void must_text(int way, const char *op, const char *quoted)
{
    char *t = unquote(quoted);
    jread_error je;
    json_t *req = jread_jansson(t, strlen(t), &je); /* keys with U+0000 too */
    if (!req)
        fz_fail("set-up request: %s", je.text);
    json_decref(must(way, op, req));
    json_decref(req);
    free(t);
}

/* table t's items, in key order: the Scan's Items (new reference) and as text */
static json_t *items_of(int way, size_t t, char **out_text)
{
    json_t *req = json_pack("{s:s, s:b}", "TableName", TABLES[t].name, "ConsistentRead", 1);
    json_t *resp = must(way, "Scan", req);
    json_decref(req);
    json_t *items = json_incref(json_object_get(resp, "Items"));
    json_decref(resp);
    *out_text = json_dumps(items, JSON_COMPACT | JSON_SORT_KEYS);
    if (!items || !*out_text)
        fz_fail("%s: no Items", TABLES[t].name);
    return items;
}

static void put_items(int way)
{
    char req[512];
    for (int i = 0; i < 5; i++) {
        snprintf(req, sizeof req,
                 "{'TableName':'qst','Item':{'pk':{'S':'q'},'sk':{'S':'%d'},'g':{'S':'G'},"
                 "'v':{'N':'%d'},'o':{'S':'x'},'l':{'S':'%d'}}}",
                 i, i, 9 - i);
        must_text(way, "PutItem", req);
        snprintf(req, sizeof req,
                 "{'TableName':'qlsi','Item':{'pk':{'S':'h'},'sk':{'N':'%d'},'l':{'N':'%d'},"
                 "'b':{'S':'%0300d'}}}",
                 i, 9 - i, 0);
        must_text(way, "PutItem", req);
    }
    for (int i = 0; i < 6; i++) {
        snprintf(req, sizeof req,
                 "{'TableName':'qmk','Item':{'pk':{'S':'m%d'},'a':{'S':'x'},'b':{'N':'1'},"
                 "'d':{'S':'d%d'},%s'f':{'S':'f'},'v':{'N':'%d'}}}",
                 i, i % 3, i == 4 ? "" : "'e':{'N':'7'},", i);
        must_text(way, "PutItem", req);
    }
    for (size_t i = 0; i < sizeof ITEMS / sizeof ITEMS[0]; i++)
        must_text(way, "PutItem", ITEMS[i]);
}

static void new_api(int way)
{
    err_t e = {0};
    if (api_new(F.store[way], NULL, &F.api[way], &e))
        fz_fail("api_new: %s", e.msg);
}

/* Table t back to its starting items (F.initial). */
static void reset_table(int way, size_t t, json_t *items)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *key = json_object();
        json_object_set(key, "pk", json_object_get(item, "pk"));
        if (TABLES[t].range)
            json_object_set(key, "sk", json_object_get(item, "sk"));
        json_t *del = json_pack("{s:s, s:o}", "TableName", TABLES[t].name, "Key", key);
        json_decref(must(way, "DeleteItem", del));
        json_decref(del);
    }
    json_array_foreach(F.initial[t], i, item)
    {
        json_t *put = json_pack("{s:s, s:O}", "TableName", TABLES[t].name, "Item", item);
        json_decref(must(way, "PutItem", put));
        json_decref(put);
    }
}

static void open_stores(void)
{
    for (int w = 0; w < N_WAYS; w++) {
        fz_tmpdir(F.dir[w], sizeof F.dir[w], "paths");
        store_opts so;
        store_opts_default(&so);
        so.durable = false;
        so.ttl_thread = false;
        err_t e = {0};
        if (store_open(F.dir[w], &so, &F.store[w], &e))
            fz_fail("store_open: %s", e.msg);
        new_api(w);
        for (size_t i = 0; i < sizeof SCHEMA / sizeof SCHEMA[0]; i++)
            must_text(w, "CreateTable", SCHEMA[i]);
        put_items(w);
    }
    for (size_t t = 0; t < N_TABLES; t++)
        F.initial[t] = items_of(0, t, &F.initial_text[t]);
}

static void close_stores(void)
{
    for (int w = 0; w < N_WAYS; w++) {
        api_free(F.api[w]);
        store_close(F.store[w]);
        fz_rmdir(F.dir[w]);
    }
    for (size_t t = 0; t < N_TABLES; t++) {
        json_decref(F.initial[t]);
        free(F.initial_text[t]);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(-1);
    open_stores();
    atexit(close_stores);
    return 0;
}

/* the items a reply hands over, one "key\titem" line each */
typedef struct items_text {
    char *s;
    size_t n, cap;
} items_text;

static void it_add(items_text *t, const char *key, const char *item, size_t len)
{
    size_t k = strlen(key), need = t->n + k + len + 3;
    if (need > t->cap) {
        t->cap = need * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s)
            abort();
    }
    memcpy(t->s + t->n, key, k);
    t->s[t->n + k] = '\t';
    memcpy(t->s + t->n + k + 1, item, len);
    t->s[t->n + k + 1 + len] = '\n';
    t->n += k + len + 2;
    t->s[t->n] = 0;
}

static int sink_item(void *ctx, const char *key, const struct av *item)
{
    jout w;
    jout_init(&w, 0);
    size_t len = 0;
    char *text = jout_item(&w, item) == 0 ? jout_take(&w, &len) : NULL;
    jout_fini(&w);
    if (!text)
        fz_fail("sink: jout_item failed");
    it_add(ctx, key, text, len);
    free(text);
    return 0;
}

static void it_add_json(items_text *t, const char *key, const json_t *v)
{
    char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!d)
        fz_fail("json_dumps failed");
    it_add(t, key, d, strlen(d));
    free(d);
}

/* The items of a reply tree as the sink gets them: Item, Attributes, LastEvaluatedKey, each
 * element of Items, and of each table's list in BatchGetItem's Responses (named after it). */
static void items_of_reply(const json_t *reply, items_text *t)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)reply, k, v)
    {
        size_t i;
        json_t *x;
        if (!strcmp(k, "Item") || !strcmp(k, "Attributes") || !strcmp(k, "LastEvaluatedKey")) {
            it_add_json(t, k, v);
        } else if (!strcmp(k, "Items")) {
            json_array_foreach(v, i, x) it_add_json(t, k, x);
        } else if (!strcmp(k, "Responses")) {
            const char *tk;
            json_t *tv;
            json_object_foreach(v, tk, tv)
            {
                json_array_foreach(tv, i, x) it_add_json(t, tk, x);
            }
        }
    }
}

static bool has_values(const char *op)
{
    return strstr(op, "Write") == NULL && strncmp(op, "Transact", 8) != 0;
}

typedef struct answer {
    int rc;
    char msg[ERR_MSG_MAX];
    char *text;  /* the reply (success) */
    char *extra; /* the error's extra fields, dumped with sorted keys */
} answer;

static void finish(answer *a, int rc, const err_t *e, char *text, json_t *extra)
{
    a->rc = rc;
    snprintf(a->msg, sizeof a->msg, "%s", rc ? e->msg : "");
    a->text = rc ? NULL : text;
    if (rc)
        free(text);
    a->extra = extra ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(extra);
}

/* The later way's caller: suspend and done record their calls; the input waits for done. */
typedef struct later_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int suspended, done, rc;
    bool done_inline; /* done called from inside api_call_out_jr_later */
    pthread_t caller;
} later_wait;

static void later_suspend(void *ctx)
{
    later_wait *lw = ctx;
    pthread_mutex_lock(&lw->mu);
    lw->suspended++;
    pthread_mutex_unlock(&lw->mu);
}

static void later_done(void *ctx, int rc)
{
    later_wait *lw = ctx;
    pthread_mutex_lock(&lw->mu);
    lw->done++;
    lw->rc = rc;
    lw->done_inline |= pthread_equal(pthread_self(), lw->caller);
    pthread_cond_signal(&lw->cv);
    pthread_mutex_unlock(&lw->mu);
}

/* api_call_out_jr_later, waiting for its answer when it comes later: rc as api_call_out_jr. */
static int call_later(api_t *api, const char *op, const jread_val *v, jout *wr, json_t **extra,
                      err_t *e)
{
    later_wait lw = {.caller = pthread_self()};
    pthread_mutex_init(&lw.mu, NULL);
    pthread_cond_init(&lw.cv, NULL);
    api_later later = {later_suspend, later_done, &lw};
    arena_t ra;
    arena_init(&ra);
    int rc = api_call_out_jr_later(api, op, v, NULL, &ra, wr, extra, e, &later);
    pthread_mutex_lock(&lw.mu);
    if (rc == API_LATER) {
        while (!lw.done)
            pthread_cond_wait(&lw.cv, &lw.mu);
        rc = lw.rc;
    }
    int suspended = lw.suspended, done = lw.done;
    bool inl = lw.done_inline;
    pthread_mutex_unlock(&lw.mu);
    if (suspended != done || done > 1 || inl)
        fz_fail("later %s: suspend called %d times, done %d times%s", op, suspended, done,
                inl ? " (inside the call)" : "");
    arena_fini(&ra);
    pthread_cond_destroy(&lw.cv);
    pthread_mutex_destroy(&lw.mu);
    return rc;
}

static bool same_str(const char *a, const char *b)
{
    return a || b ? a && b && strcmp(a, b) == 0 : true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *op = OPS[data[0] % N_OPS];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    arena_t ar;
    arena_init(&ar);
    jread_val *v = NULL;
    jread_error je;
    if (jread_parse(body, len, &ar, &v, &je) != 0) {
        arena_fini(&ar);
        return 0;
    }
    json_t *tree = jread_to_jansson(v);
    if (!tree)
        fz_fail("jread_to_jansson failed");
    answer a[N_WAYS];
    items_text want = {0}, got = {0};
    for (int w = 0; w < N_WAYS; w++) {
        err_t e = {0};
        json_t *extra = NULL;
        int rc;
        char *text = NULL;
        /* an operation without a reply as values runs the tree way on the sink's store,
         * which must stay like the others */
        if (w == 0 || (w == SINK && !has_values(op))) {
            json_t *out = NULL;
            rc = api_call(F.api[w], op, tree, NULL, &out, &e);
            if (rc == 0) {
                text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
                if (!text)
                    fz_fail("json_dumps failed");
                if (w == 0 && has_values(op))
                    items_of_reply(out, &want);
                json_decref(out);
            } else {
                extra = out;
            }
        } else if (w == SINK) {
            api_sink sink = {sink_item, &got};
            rc = api_call_sink(F.api[w], op, tree, NULL, &sink, &extra, &e);
            if (rc == 0) { /* the reply's text is not the sink's to give: its items are */
                text = a[0].text ? strdup(a[0].text) : NULL;
                if (!same_str(got.s ? got.s : "", want.s ? want.s : ""))
                    fz_fail("%s: the sink's items differ from the reply's\n sink %s\n tree %s",
                            op, got.s ? got.s : "-", want.s ? want.s : "-");
            }
        } else {
            jout wr;
            jout_init(&wr, 0);
            rc = w == 1       ? api_call_out(F.api[w], op, tree, NULL, &wr, &extra, &e)
                 : w == LATER ? call_later(F.api[w], op, v, &wr, &extra, &e)
                              : api_call_out_jr(F.api[w], op, v, NULL, &wr, &extra, &e);
            size_t n = 0;
            text = rc ? NULL : jout_take(&wr, &n);
            if (rc == 0 && !text)
                fz_fail("%s %s: no reply text", WAY[w], op);
            if (rc && wr.len) { /* the error's extra members, as text (api_err_open) */
                char *t = extra ? NULL : jout_take(&wr, &n);
                if (!t || !(extra = json_loadb(t, n, 0, NULL)))
                    fz_fail("%s %s: unreadable error extras", WAY[w], op);
                free(t);
            }
            jout_fini(&wr);
        }
        if (rc && err_status(rc) >= 500)
            fz_fail("%s %s answered %s: %s", WAY[w], op, err_name(rc), e.msg);
        finish(&a[w], rc, &e, text, extra);
    }
    for (int w = 1; w < N_WAYS; w++)
        if (a[w].rc != a[0].rc || strcmp(a[w].msg, a[0].msg) != 0 ||
            !same_str(a[w].text, a[0].text) || !same_str(a[w].extra, a[0].extra))
            fz_fail("%s: the %s and %s ways differ\n %-4s %s %s %s %s\n %-4s %s %s %s %s", op,
                    WAY[0], WAY[w], WAY[0], err_name(a[0].rc), a[0].msg,
                    a[0].text ? a[0].text : "-", a[0].extra ? a[0].extra : "-", WAY[w],
                    err_name(a[w].rc), a[w].msg, a[w].text ? a[w].text : "-",
                    a[w].extra ? a[w].extra : "-");
    bool wrote = false;
    for (int w = 0; w < N_WAYS; w++)
        wrote |= a[w].rc == 0 && (strstr(op, "Write") || strcmp(op, "PutItem") == 0 ||
                                  strcmp(op, "UpdateItem") == 0 || strcmp(op, "DeleteItem") == 0);
    if (wrote) {
        for (size_t t = 0; t < N_TABLES; t++) {
            char *c[N_WAYS];
            json_t *items[N_WAYS];
            for (int w = 0; w < N_WAYS; w++) {
                items[w] = items_of(w, t, &c[w]);
                if (w && strcmp(c[w], c[0]) != 0)
                    fz_fail("%s: %s differs after the %s and %s ways\n %s\n %s", op,
                            TABLES[t].name, WAY[0], WAY[w], c[0], c[w]);
            }
            bool changed = strcmp(c[0], F.initial_text[t]) != 0;
            for (int w = 0; w < N_WAYS; w++) {
                if (changed)
                    reset_table(w, t, items[w]);
                json_decref(items[w]);
                free(c[w]);
            }
        }
        if (strcmp(op, "TransactWriteItems") == 0) /* forget its ClientRequestToken */
            for (int w = 0; w < N_WAYS; w++) {
                api_free(F.api[w]);
                new_api(w);
            }
    }
    for (int w = 0; w < N_WAYS; w++) {
        free(a[w].text);
        free(a[w].extra);
    }
    free(want.s);
    free(got.s);
    json_decref(tree);
    arena_fini(&ar);
    return 0;
}
