/*
 * test_api_bkdef — the table definition a backup record carries (api_bkdef.c): a table with a
 * multi-attribute GSI key, an INCLUDE projection and an LSI written to JSON and read back
 * whole; the record version it needs (2 with further key attributes, else 1); an index found
 * by name and kind; a damaged definition refused; an index override compared with the
 * backup's index (key schema in order, projection).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/api_bkdef.h"

static char *inc[] = {"b", "a"};
static char *xh[] = {"h2"};
static char *xr[] = {"r2", "r3"};

static void table(store_table *t, bool multi)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "t");
    snprintf(t->key.hash, sizeof t->key.hash, "pk");
    t->key.hash_type = AV_S;
    snprintf(t->key.range, sizeof t->key.range, "sk");
    t->key.range_type = AV_N;
    store_index *g = &t->idx[0];
    snprintf(g->name, sizeof g->name, "g");
    g->global = true;
    snprintf(g->key.hash, sizeof g->key.hash, "h1");
    g->key.hash_type = AV_B;
    snprintf(g->key.range, sizeof g->key.range, "r1");
    g->key.range_type = AV_S;
    if (multi) {
        g->key.n_xhash = 1;
        g->key.xhash[0] = xh[0];
        g->key.xhash_type[0] = AV_N;
        g->key.n_xrange = 2;
        g->key.xrange[0] = xr[0];
        g->key.xrange[1] = xr[1];
        g->key.xrange_type[0] = AV_S;
        g->key.xrange_type[1] = AV_B;
    } else {
        g->key.range_type = AV_S;
    }
    g->proj = STORE_PROJ_INCLUDE;
    g->include = inc;
    g->n_include = 2;
    store_index *l = &t->idx[1];
    snprintf(l->name, sizeof l->name, "l");
    l->key = t->key;
    snprintf(l->key.range, sizeof l->key.range, "lsk");
    l->proj = STORE_PROJ_KEYS_ONLY;
    t->n_idx = 2;
}

static void same_key(const store_keydef *a, const store_keydef *b)
{
    assert_string_equal(a->hash, b->hash);
    assert_int_equal(a->hash_type, b->hash_type);
    assert_string_equal(a->range, b->range);
    assert_int_equal(a->range_type, b->range_type);
    assert_int_equal(a->n_xhash, b->n_xhash);
    assert_int_equal(a->n_xrange, b->n_xrange);
    for (size_t i = 0; i < a->n_xhash; i++) {
        assert_string_equal(a->xhash[i], b->xhash[i]);
        assert_int_equal(a->xhash_type[i], b->xhash_type[i]);
    }
    for (size_t i = 0; i < a->n_xrange; i++) {
        assert_string_equal(a->xrange[i], b->xrange[i]);
        assert_int_equal(a->xrange_type[i], b->xrange_type[i]);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    store_table t;
    table(&t, true);
    assert_int_equal(api_bkdef_version(&t), 2);
    json_t *def = api_bkdef_json(&t);
    assert_non_null(def);
    arena_t a;
    arena_init(&a);
    store_keydef k;
    assert_true(api_bkdef_keydef_from(json_object_get(def, "key"), &a, &k));
    same_key(&k, &t.key);
    for (size_t i = 0; i < t.n_idx; i++) {
        json_t *x = api_bkdef_index(def, t.idx[i].name, t.idx[i].global);
        assert_non_null(x);
        store_index ix;
        assert_true(api_bkdef_index_from(x, &a, &ix));
        assert_string_equal(ix.name, t.idx[i].name);
        assert_int_equal(ix.global, t.idx[i].global);
        assert_int_equal(ix.proj, t.idx[i].proj);
        same_key(&ix.key, &t.idx[i].key);
        assert_int_equal(ix.n_include, t.idx[i].n_include);
        if (ix.n_include) { /* NonKeyAttributes are written sorted */
            assert_string_equal(ix.include[0], "a");
            assert_string_equal(ix.include[1], "b");
        }
    }
    assert_null(api_bkdef_index(def, "g", false)); /* a GSI is not an LSI */
    assert_null(api_bkdef_index(def, "nope", true));
    /* a damaged definition: no hash type */
    json_object_del(json_object_get(def, "key"), "hash_type");
    assert_false(api_bkdef_keydef_from(json_object_get(def, "key"), &a, &k));
    json_decref(def);
    arena_fini(&a);

    table(&t, false);
    assert_int_equal(api_bkdef_version(&t), 1);
}

static void test_override_matches(void **state)
{
    (void)state;
    store_table t;
    table(&t, true);
    json_t *def = api_bkdef_json(&t);
    json_t *g = api_bkdef_index(def, "g", true);
    json_t *same = json_loads(
        "{\"IndexName\":\"g\",\"KeySchema\":[{\"AttributeName\":\"h1\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"h2\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"r1\",\"KeyType\":"
        "\"RANGE\"},{\"AttributeName\":\"r2\",\"KeyType\":\"RANGE\"},{\"AttributeName\":\"r3\","
        "\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"INCLUDE\","
        "\"NonKeyAttributes\":[\"b\",\"a\"]}}",
        0, NULL);
    json_t *order = json_loads(
        "{\"IndexName\":\"g\",\"KeySchema\":[{\"AttributeName\":\"h1\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"h2\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"r1\",\"KeyType\":"
        "\"RANGE\"},{\"AttributeName\":\"r3\",\"KeyType\":\"RANGE\"},{\"AttributeName\":\"r2\","
        "\"KeyType\":\"RANGE\"}]}",
        0, NULL);
    json_t *proj = json_loads(
        "{\"IndexName\":\"g\",\"KeySchema\":[{\"AttributeName\":\"h1\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"h2\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"r1\",\"KeyType\":"
        "\"RANGE\"},{\"AttributeName\":\"r2\",\"KeyType\":\"RANGE\"},{\"AttributeName\":\"r3\","
        "\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}",
        0, NULL);
    assert_non_null(same);
    assert_non_null(order);
    assert_non_null(proj);
    assert_true(api_bkdef_override_matches(same, g));
    assert_false(api_bkdef_override_matches(order, g));
    assert_false(api_bkdef_override_matches(proj, g));
    json_decref(same);
    json_decref(order);
    json_decref(proj);
    json_decref(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_override_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
