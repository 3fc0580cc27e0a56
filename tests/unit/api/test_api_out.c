/*
 * test_api_out — the reply writer's three modes (src/api/api_out.c).
 *
 * Value mode (api_call_sink: items to the caller's sink, every other member dropped) has no
 * tree, so a member that reaches the tree's one choke point, ao_add_tree, must be dropped
 * there, not fail the reply (review5 1.0: ao_real / ao_av once lacked their value-mode
 * branch and every reply with ConsumedCapacity answered ERR_NOMEM).  Today every public
 * writer has its own branch, so the choke point is reached directly: this file includes
 * api_out.c (it uses nothing else of the api library, so the archive's copy is never
 * linked).  Also: every public writer in value mode hands over exactly the items, under the
 * right member names; text and tree mode give the same JSON for one description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_out.c"
#include "base/arena.h"
#include "base/buf.h"

/* ---- a sink that records what it was handed ---- */

#define REC_MAX 8

typedef struct rec {
    int n;
    char key[REC_MAX][32];
    char *item[REC_MAX]; /* the item as compact DynamoDB JSON */
    int fail_at;         /* answer nonzero for this call (1-based); 0: never */
} rec;

static int rec_item(void *ctx, const char *key, const av_t *item)
{
    rec *r = ctx;
    if (r->n >= REC_MAX || ++r->n == r->fail_at)
        return -1;
    snprintf(r->key[r->n - 1], sizeof r->key[0], "%s", key ? key : "(null)");
    json_t *j = ddbjson_from_item(item);
    r->item[r->n - 1] = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return 0;
}

static void rec_free(rec *r)
{
    for (int i = 0; i < r->n && i < REC_MAX; i++)
        free(r->item[i]);
}

static void item_of(const char *text, arena_t *a, av_t *out)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    err_t e;
    err_clear(&e);
    assert_int_equal(ddbjson_to_item(j, a, out, &e), 0);
    json_decref(j);
}

#define ITEM1 "{\"n\":{\"N\":\"1\"},\"pk\":{\"S\":\"a\"}}"
#define ITEM2 "{\"l\":{\"L\":[{\"BOOL\":true}]},\"pk\":{\"S\":\"b\"}}"
#define KEY "{\"pk\":{\"S\":\"b\"}}"

/* ---- the choke point ---- */

/* A member built for the tree in value mode (what a writer without an o->sink branch does)
 * is dropped: the reply still succeeds and the items still reach the sink. */
static void test_value_mode_drops_at_choke_point(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    av_t item;
    item_of(ITEM1, &a, &item);
    rec r = {0};
    api_sink sink = {rec_item, &r};
    api_out o;
    ao_open_sink(&o, &sink);
    ao_add_tree(&o, "Count", json_integer(3));
    ao_add_tree(&o, "ConsumedCapacity", json_pack("{s:s,s:f}", "TableName", "t",
                                                  "CapacityUnits", 0.5));
    ao_item(&o, "Item", &item);
    ao_add_tree(&o, "ScannedCount", json_integer(3));
    json_t *tree = json_null();
    assert_int_equal(ao_finish(&o, &tree), 0);
    assert_null(tree);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.key[0], "Item");
    assert_string_equal(r.item[0], ITEM1);
    rec_free(&r);

    /* a member that could not be built (out of memory) still fails the reply */
    rec r2 = {0};
    api_sink sink2 = {rec_item, &r2};
    ao_open_sink(&o, &sink2);
    ao_add_tree(&o, "Count", NULL);
    assert_int_equal(ao_finish(&o, &tree), ERR_NOMEM);
    assert_null(tree);
    arena_fini(&a);
}

/* ---- every public writer in value mode ---- */

/* A reply shaped like the hot operations' (Query's items and capacity, an
 * ItemCollectionMetrics, a cold jansson member) hands over exactly its items. */
static void test_value_mode_every_writer(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    av_t item1, item2, key, h;
    item_of(ITEM1, &a, &item1);
    item_of(ITEM2, &a, &item2);
    item_of(KEY, &a, &key);
    h = item1.u.map.kv[0].val;
    buf_t enc;
    buf_init(&enc, 0);
    assert_int_equal(av_encode(&item2, &enc), 0);

    rec r = {0};
    api_sink sink = {rec_item, &r};
    api_out o;
    ao_open_sink(&o, &sink);
    ao_arr(&o, "Items");
    ao_item(&o, NULL, &item1);
    ao_item_stored(&o, NULL, enc.data, enc.len, &a);
    ao_close(&o);
    ao_int(&o, "Count", 2);
    ao_item(&o, "LastEvaluatedKey", &key);
    ao_obj(&o, "ConsumedCapacity");
    ao_str(&o, "TableName", "t");
    ao_real(&o, "CapacityUnits", 0.5);
    ao_obj(&o, "Table");
    ao_real(&o, "CapacityUnits", 0.5);
    ao_close(&o);
    ao_close(&o);
    ao_obj(&o, "ItemCollectionMetrics");
    ao_obj(&o, "ItemCollectionKey");
    ao_av(&o, "pk", &h);
    ao_close(&o);
    ao_arr(&o, "SizeEstimateRangeGB");
    ao_real(&o, NULL, 0.0);
    ao_real(&o, NULL, 1.0);
    ao_close(&o);
    ao_close(&o);
    ao_json(&o, "UnprocessedKeys", json_object());
    ao_strn(&o, "Note", "a\0b", 3);
    json_t *tree = json_null();
    assert_int_equal(ao_finish(&o, &tree), 0);
    assert_null(tree);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.key[0], "Items");
    assert_string_equal(r.item[0], ITEM1);
    assert_string_equal(r.key[1], "Items");
    assert_string_equal(r.item[1], ITEM2);
    assert_string_equal(r.key[2], "LastEvaluatedKey");
    assert_string_equal(r.item[2], KEY);
    rec_free(&r);

    /* the sink's refusal fails the reply */
    rec r2 = {.fail_at = 2};
    api_sink sink2 = {rec_item, &r2};
    ao_open_sink(&o, &sink2);
    ao_arr(&o, "Items");
    ao_item(&o, NULL, &item1);
    ao_item(&o, NULL, &item2);
    assert_int_equal(ao_finish(&o, &tree), ERR_NOMEM);
    rec_free(&r2);
    buf_fini(&enc);
    arena_fini(&a);
}

/* ---- text and tree mode: one description, one JSON ---- */

static void describe(api_out *o, const av_t *item, const av_t *h)
{
    ao_arr(o, "Items");
    ao_item(o, NULL, item);
    ao_close(o);
    ao_int(o, "Count", 1);
    ao_obj(o, "ConsumedCapacity");
    ao_str(o, "TableName", "t");
    ao_real(o, "CapacityUnits", 2.5);
    ao_close(o);
    ao_obj(o, "ItemCollectionKey");
    ao_av(o, "pk", h);
    ao_close(o);
    ao_json(o, "UnprocessedKeys", json_object());
}

static void test_text_and_tree_agree(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    av_t item;
    item_of(ITEM1, &a, &item);
    const av_t *h = &item.u.map.kv[0].val;

    jout w;
    jout_init(&w, 0);
    api_out o;
    json_t *tree = NULL;
    ao_open(&o, &w);
    describe(&o, &item, h);
    assert_int_equal(ao_finish(&o, &tree), 0);
    assert_null(tree);
    size_t n;
    char *text = jout_take(&w, &n);
    assert_non_null(text);

    ao_open(&o, NULL);
    describe(&o, &item, h);
    assert_int_equal(ao_finish(&o, &tree), 0);
    assert_non_null(tree);
    char *dumped = json_dumps(tree, JSON_COMPACT);
    assert_string_equal(text, dumped);
    assert_string_equal(text, "{\"Items\":[" ITEM1 "],\"Count\":1,\"ConsumedCapacity\":"
                              "{\"TableName\":\"t\",\"CapacityUnits\":2.5},"
                              "\"ItemCollectionKey\":{\"pk\":{\"N\":\"1\"}},"
                              "\"UnprocessedKeys\":{}}");
    free(dumped);
    json_decref(tree);
    free(text);
    jout_fini(&w);
    arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_mode_drops_at_choke_point),
        cmocka_unit_test(test_value_mode_every_writer),
        cmocka_unit_test(test_text_and_tree_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
