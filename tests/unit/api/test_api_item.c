/*
 * test_api_item — the capacity arithmetic of api_item.c, without a store.
 *
 * Pins DynamoDB's unit rules (reads: 4 KB units, eventually consistent = half; writes: 1 KB
 * units; minimum one unit) and the per-index write rules recorded from DynamoDB Local
 * (an index entry added or removed: 1 write; its key changed: 2; only its projected
 * attributes changed: 1; nothing it holds changed: 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api_int.h"
#include "api/api_item.h"
#include "value/ddbjson.h"

/* Read units: half units, so 0.5 CU = 1. */
static void read_units(void **state)
{
    (void)state;
    assert_int_equal(api_cap_read_h(0, false), 1);
    assert_int_equal(api_cap_read_h(1, false), 1);
    assert_int_equal(api_cap_read_h(4096, false), 1);
    assert_int_equal(api_cap_read_h(4097, false), 2);
    assert_int_equal(api_cap_read_h(4096, true), 2);
    assert_int_equal(api_cap_read_h(3 * 4096 + 1, true), 8);
}

/* Write units: 1 KB each, minimum one. */
static void write_units(void **state)
{
    (void)state;
    assert_int_equal(api_cap_write_h(0), 2);
    assert_int_equal(api_cap_write_h(1024), 2);
    assert_int_equal(api_cap_write_h(1025), 4);
    assert_int_equal(api_cap_write_h(400 * 1024), 800);
}

static store_table tab(void)
{
    store_table t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "t");
    snprintf(t.key.hash, sizeof t.key.hash, "pk");
    t.key.hash_type = AV_S;
    store_index *g = &t.idx[0];
    snprintf(g->name, sizeof g->name, "gall");
    g->global = true;
    snprintf(g->key.hash, sizeof g->key.hash, "g");
    g->key.hash_type = AV_S;
    g->proj = STORE_PROJ_ALL;
    store_index *k = &t.idx[1];
    snprintf(k->name, sizeof k->name, "gkeys");
    k->global = true;
    snprintf(k->key.hash, sizeof k->key.hash, "g");
    k->key.hash_type = AV_S;
    k->proj = STORE_PROJ_KEYS_ONLY;
    t.n_idx = 2;
    return t;
}

static av_t item(arena_t *a, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    av_t v;
    err_t e;
    err_clear(&e);
    assert_int_equal(ddbjson_to_item(j, a, &v, &e), 0);
    json_decref(j);
    return v;
}

static uint64_t idx_h(const api_cap *c, const char *name)
{
    for (size_t i = 0; i < c->n_idx; i++)
        if (strcmp(c->idx[i].name, name) == 0)
            return c->idx[i].h;
    return 0;
}

/* Index write units for the transitions DynamoDB Local reports. */
static void index_writes(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    store_table t = tab();
    av_t none = item(&a, "{\"pk\":{\"S\":\"a\"}}");
    av_t gx = item(&a, "{\"pk\":{\"S\":\"a\"},\"g\":{\"S\":\"x\"}}");
    av_t gxo = item(&a, "{\"pk\":{\"S\":\"a\"},\"g\":{\"S\":\"x\"},\"o\":{\"N\":\"1\"}}");
    av_t gz = item(&a, "{\"pk\":{\"S\":\"a\"},\"g\":{\"S\":\"z\"}}");
    api_cap c;

    memset(&c, 0, sizeof c); /* no index key before or after: nothing */
    api_cap_add_index_writes(&c, &t, &none, &none);
    assert_int_equal(c.n_idx, 0);

    memset(&c, 0, sizeof c); /* entry added in both */
    api_cap_add_index_writes(&c, &t, NULL, &gx);
    assert_int_equal(idx_h(&c, "gall"), 2);
    assert_int_equal(idx_h(&c, "gkeys"), 2);

    memset(&c, 0, sizeof c); /* non-key attribute changed: ALL index only */
    api_cap_add_index_writes(&c, &t, &gx, &gxo);
    assert_int_equal(idx_h(&c, "gall"), 2);
    assert_int_equal(idx_h(&c, "gkeys"), 0);

    memset(&c, 0, sizeof c); /* index key changed: delete + put in both */
    api_cap_add_index_writes(&c, &t, &gx, &gz);
    assert_int_equal(idx_h(&c, "gall"), 4);
    assert_int_equal(idx_h(&c, "gkeys"), 4);

    memset(&c, 0, sizeof c); /* item deleted */
    api_cap_add_index_writes(&c, &t, &gx, NULL);
    assert_int_equal(idx_h(&c, "gall"), 2);
    assert_int_equal(idx_h(&c, "gkeys"), 2);
    arena_fini(&a);
}

/* ConsumedCapacity shapes: NONE -> no object; TOTAL -> name + total; INDEXES -> Table and
 * GlobalSecondaryIndexes / LocalSecondaryIndexes. */
static void capacity_json(void **state)
{
    (void)state;
    store_table t = tab();
    t.idx[1].global = false; /* make the second one an LSI for the shape */
    api_cap c;
    memset(&c, 0, sizeof c);
    c.table = "t";
    c.table_h = 2;
    api_cap_add_index(&c, &t.idx[0], 4);
    api_cap_add_index(&c, &t.idx[1], 1);
    assert_null(api_cap_json(&c, API_RCC_NONE));
    json_t *j = api_cap_json(&c, API_RCC_TOTAL);
    json_t *want = json_loads("{\"TableName\":\"t\",\"CapacityUnits\":3.5}", 0, NULL);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    j = api_cap_json(&c, API_RCC_INDEXES);
    want = json_loads("{\"TableName\":\"t\",\"CapacityUnits\":3.5,\"Table\":{\"CapacityUnits\":1.0},"
                      "\"GlobalSecondaryIndexes\":{\"gall\":{\"CapacityUnits\":2.0}},"
                      "\"LocalSecondaryIndexes\":{\"gkeys\":{\"CapacityUnits\":0.5}}}",
                      0, NULL);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    /* transactional: the read/write split at the top and in each arm (half a unit of the
     * table's one unit was a condition check) */
    c.read_h = 1;
    assert_null(api_cap_txn_json(&c, API_RCC_NONE));
    j = api_cap_txn_json(&c, API_RCC_TOTAL);
    want = json_loads("{\"TableName\":\"t\",\"CapacityUnits\":3.5,\"ReadCapacityUnits\":0.5,"
                      "\"WriteCapacityUnits\":3.0}",
                      0, NULL);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    j = api_cap_txn_json(&c, API_RCC_INDEXES);
    want = json_loads("{\"TableName\":\"t\",\"CapacityUnits\":3.5,\"ReadCapacityUnits\":0.5,"
                      "\"WriteCapacityUnits\":3.0,\"Table\":{\"CapacityUnits\":1.0,"
                      "\"ReadCapacityUnits\":0.5,\"WriteCapacityUnits\":0.5},"
                      "\"GlobalSecondaryIndexes\":{\"gall\":{\"CapacityUnits\":2.0,"
                      "\"WriteCapacityUnits\":2.0}},\"LocalSecondaryIndexes\":{\"gkeys\":"
                      "{\"CapacityUnits\":0.5,\"WriteCapacityUnits\":0.5}}}",
                      0, NULL);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    /* a pure read: no WriteCapacityUnits anywhere */
    memset(&c, 0, sizeof c);
    c.table = "t";
    c.table_h = c.read_h = 4;
    j = api_cap_txn_json(&c, API_RCC_INDEXES);
    want = json_loads("{\"TableName\":\"t\",\"CapacityUnits\":2.0,\"ReadCapacityUnits\":2.0,"
                      "\"Table\":{\"CapacityUnits\":2.0,\"ReadCapacityUnits\":2.0}}",
                      0, NULL);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
}

/* ItemCollectionMetrics: the collection's size after the write as whole GiB around it
 * ([0.0, 1.0] below 1 GiB, [3.0, 4.0] at 3.5 GiB); none for a table without an LSI or a
 * write without a collection size. */
static void collection_metrics(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    store_table t = tab();
    av_t key = item(&a, "{\"pk\":{\"S\":\"a\"}}");
    store_write w;
    memset(&w, 0, sizeof w);
    w.coll = true;
    assert_null(api_ricm_json(NULL, &t, &key, &w)); /* GSIs only */
    t.idx[1].global = false;
    static const struct {
        uint64_t bytes;
        const char *want;
    } cases[] = {
        {0, "[0.0,1.0]"},
        {API_GIB - 1, "[0.0,1.0]"},
        {API_GIB, "[1.0,2.0]"},
        {7 * API_GIB / 2, "[3.0,4.0]"},
        {10 * API_GIB, "[10.0,11.0]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        w.coll_bytes = cases[i].bytes;
        json_t *j = api_ricm_json(NULL, &t, &key, &w);
        assert_non_null(j);
        json_t *want = json_loads(cases[i].want, 0, NULL);
        assert_true(json_equal(json_object_get(j, "SizeEstimateRangeGB"), want));
        json_t *k = json_loads("{\"pk\":{\"S\":\"a\"}}", 0, NULL);
        assert_true(json_equal(json_object_get(j, "ItemCollectionKey"), k));
        json_decref(k);
        json_decref(want);
        json_decref(j);
    }
    w.coll = false;
    assert_null(api_ricm_json(NULL, &t, &key, &w));
    arena_fini(&a);
}

/* The enum members read from a jansson request (api_rcc_parse, api_ricm_parse,
 * api_rvoccf_parse): each value to its setting, absent to the default, another value to the
 * service's enum error, and a value with U+0000 inside taken whole: "SIZE\u0000x" is not
 * SIZE (api_ricm_parse read it as a C string and took it for SIZE; CONVENTIONS 9: strings
 * carry their length) and is echoed with the NUL shown. */
static void enum_members(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    err_t e;
    api_req r = {.arena = &a, .err = &e};
    static const struct {
        const char *body;
        int rc, rcc, ricm, rvoccf; /* rc 0: the settings read */
        const char *msg;           /* a part of the error's text */
    } cases[] = {
        {"{}", 0, API_RCC_NONE, 0, 0, NULL},
        {"{\"ReturnConsumedCapacity\":\"TOTAL\",\"ReturnItemCollectionMetrics\":\"SIZE\","
         "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
         0, API_RCC_TOTAL, 1, 1, NULL},
        {"{\"ReturnConsumedCapacity\":\"INDEXES\",\"ReturnItemCollectionMetrics\":\"NONE\","
         "\"ReturnValuesOnConditionCheckFailure\":\"NONE\"}",
         0, API_RCC_INDEXES, 0, 0, NULL},
        {"{\"ReturnConsumedCapacity\":\"BOGUS\"}", ERR_VALIDATION, 0, 0, 0,
         "Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
         "satisfy enum value set: [INDEXES, TOTAL, NONE]"},
        {"{\"ReturnItemCollectionMetrics\":\"SIZE\\u0000x\"}", ERR_VALIDATION, 0, 0, 0,
         "Value 'SIZE\\u0000x' at 'returnItemCollectionMetrics' failed to satisfy constraint: "
         "Member must satisfy enum value set: [SIZE, NONE]"},
        {"{\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\\u0000\"}", ERR_VALIDATION, 0, 0,
         0, "Value 'ALL_OLD\\u0000' at 'returnValuesOnConditionCheckFailure'"},
        {"{\"ReturnConsumedCapacity\":\"TOTAL\\u0000\"}", ERR_VALIDATION, 0, 0, 0,
         "Value 'TOTAL\\u0000' at 'returnConsumedCapacity'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *o = json_loads(cases[i].body, JSON_ALLOW_NUL, NULL);
        assert_non_null(o);
        err_clear(&e);
        api_rcc rcc;
        bool ricm, rvoccf;
        int rc = api_rcc_parse(&r, o, &rcc);
        if (!rc)
            rc = api_ricm_parse(&r, o, &ricm);
        if (!rc)
            rc = api_rvoccf_parse(&r, o, &rvoccf);
        if (rc != cases[i].rc || (cases[i].msg && !strstr(e.msg, cases[i].msg)))
            fail_msg("case %zu: rc %d, %s", i, rc, e.msg);
        if (!rc) {
            assert_int_equal(rcc, cases[i].rcc);
            assert_int_equal(ricm, cases[i].ricm);
            assert_int_equal(rvoccf, cases[i].rvoccf);
        }
        json_decref(o);
    }
    arena_fini(&a);
}

/* api_index_keys_check names the offending index key attribute whose index comes first by
 * name, not first in the table's list; an LSI's partition key is the table's and is not
 * checked as the index's; an attribute an update leaves as it was is not checked again. */
static void index_key_refusal_order(void **state)
{
    (void)state;
    store_table t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "t");
    snprintf(t.key.hash, sizeof t.key.hash, "pk");
    t.key.hash_type = AV_S;
    static const struct {
        const char *name, *hash, *range;
        av_type ht, rt;
        bool global;
    } ix[] = {
        {"zz", "gz", "", AV_S, AV_NONE, true},
        {"lsi", "pk", "r", AV_N, AV_S, false}, /* pk as N: would refuse every item if checked */
        {"mm", "gm", "", AV_N, AV_NONE, true},
    };
    for (size_t i = 0; i < 3; i++) {
        store_index *x = &t.idx[i];
        snprintf(x->name, sizeof x->name, "%s", ix[i].name);
        snprintf(x->key.hash, sizeof x->key.hash, "%s", ix[i].hash);
        snprintf(x->key.range, sizeof x->key.range, "%s", ix[i].range);
        x->key.hash_type = ix[i].ht;
        x->key.range_type = ix[i].rt;
        x->global = ix[i].global;
        x->proj = STORE_PROJ_ALL;
    }
    t.n_idx = 3;
    arena_t a;
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_t ok = item(&a, "{\"pk\":{\"S\":\"x\"},\"gz\":{\"S\":\"z\"},\"gm\":{\"N\":\"1\"},"
                       "\"r\":{\"S\":\"r\"}}");
    assert_int_equal(api_index_keys_check(&t, &ok, NULL, API_SIZE_UNKNOWN, NULL, &e), 0);
    /* zz and mm both refuse: mm is named (before zz by name, after it in the list) */
    av_t both = item(&a, "{\"pk\":{\"S\":\"x\"},\"gz\":{\"N\":\"2\"},\"gm\":{\"S\":\"s\"}}");
    assert_int_equal(api_index_keys_check(&t, &both, NULL, API_SIZE_UNKNOWN, NULL, &e),
                     ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: Type mismatch for "
                               "Index Key gm Expected: N Actual: S IndexName: mm");
    /* the same as an update that changed only gz: mm's gm is as it was, zz is named */
    err_clear(&e);
    av_t before = item(&a, "{\"pk\":{\"S\":\"x\"},\"gz\":{\"S\":\"z\"},\"gm\":{\"S\":\"s\"}}");
    assert_int_equal(api_index_keys_check(&t, &both, &before, API_SIZE_UNKNOWN, NULL, &e),
                     ERR_VALIDATION);
    assert_string_equal(e.msg, "One or more parameter values were invalid: Type mismatch for "
                               "Index Key gz Expected: S Actual: N IndexName: zz");
    /* an empty string as an LSI's sort key: that index and attribute named */
    err_clear(&e);
    av_t empty = item(&a, "{\"pk\":{\"S\":\"x\"},\"r\":{\"S\":\"\"}}");
    assert_int_equal(api_index_keys_check(&t, &empty, NULL, API_SIZE_UNKNOWN, NULL, &e),
                     ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "IndexName: lsi, IndexKey: r"));
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_units),
        cmocka_unit_test(write_units),
        cmocka_unit_test(index_writes),
        cmocka_unit_test(capacity_json),
        cmocka_unit_test(collection_metrics),
        cmocka_unit_test(enum_members),
        cmocka_unit_test(index_key_refusal_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
