/*
 * test_catalog — tables and indexes.  Module: src/store/catalog.c.
 *
 * Create/list/delete, ids never reused, metadata and TTL settings, retired descriptors stay
 * readable, GSI add (backfill, counters) and drop, and a catalog change made by another
 * process (a forked child with its own store handle) seen by this one.
 */
#include "st_test.h"

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

static void test_create_list_delete(void **state)
{
    st_fix *f = *state;
    const store_table *b = st_create(f->s, "bbb", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    const store_table *a = st_create(f->s, "aaa", st_kd("pk", AV_N, "sk", AV_B), NULL, 0);
    assert_true(a->id != b->id);
    assert_true(a->created_ms > 0);
    assert_ptr_equal(st_pin(f->s, "aaa"), a);
    assert_null(st_pin(f->s, "nope"));
    assert_int_equal(a->key.hash_type, AV_N);
    assert_string_equal(a->key.range, "sk");
    assert_int_equal(a->key.range_type, AV_B);
    char **names;
    size_t n;
    err_t e;
    err_clear(&e);
    assert_int_equal(store_table_list(f->s, &f->a, &names, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "aaa");
    assert_string_equal(names[1], "bbb");
    /* duplicate */
    store_table def = *a;
    assert_int_equal(store_table_create(f->s, &def, NULL, NULL, &e), ERR_RESOURCE_IN_USE);
    assert_string_equal(e.msg, "Cannot create preexisting table");
    /* delete removes data; a new table of the same name gets a new id and is empty */
    st_put_ok(f->s, b, &f->a, "{\"pk\":{\"S\":\"x\"}}");
    uint32_t old_id = b->id;
    err_clear(&e);
    assert_int_equal(store_table_delete(f->s, "bbb", &e), 0);
    assert_null(st_pin(f->s, "bbb"));
    assert_string_equal(b->name, "bbb"); /* retired, still readable */
    err_clear(&e);
    assert_int_equal(store_table_delete(f->s, "bbb", &e), ERR_RESOURCE_NOT_FOUND);
    assert_string_equal(e.msg, "Cannot do operations on a non-existent table");
    const store_table *b2 = st_create(f->s, "bbb", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    assert_true(b2->id > old_id && b2->id > a->id);
    av_t *items;
    store_query q = {.table = b2};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 0);
    uint64_t c, by;
    err_clear(&e);
    assert_int_equal(store_table_stats(f->s, b2, NULL, &c, &by, &e), 0);
    assert_int_equal(c, 0);
}

static void test_meta_ttl(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tm", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_set_meta(f->s, "tm", "{\"x\":1}", 7, &e), 0);
    const store_table *t2 = st_pin(f->s, "tm");
    assert_non_null(t2->meta);
    assert_int_equal(t2->meta_len, 7);
    assert_memory_equal(t2->meta, "{\"x\":1}", 7);
    assert_null(t->meta); /* the old descriptor is retired, unchanged */
    assert_int_equal(st_set_ttl(f->s, "tm", "exp", &e), 0);
    assert_string_equal(st_pin(f->s, "tm")->ttl_attr, "exp");
    assert_int_equal(st_set_ttl(f->s, "tm", "", &e), 0);
    assert_string_equal(st_pin(f->s, "tm")->ttl_attr, "");
    assert_int_equal(st_pin(f->s, "tm")->meta_len, 7);
    assert_int_equal(st_set_meta(f->s, "nope", "", 0, &e), ERR_RESOURCE_NOT_FOUND);
}

static void test_index_add_drop(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "ti", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    size_t N = 2500; /* more than one backfill batch */
    for (size_t i = 0; i < N; i++) {
        char txt[160];
        if (i % 5 == 0) /* sparse: no gk */
            snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"p%zu\"},\"sk\":{\"N\":\"%zu\"}}", i % 10,
                     i);
        else
            snprintf(txt, sizeof txt,
                     "{\"pk\":{\"S\":\"p%zu\"},\"sk\":{\"N\":\"%zu\"},\"gk\":{\"S\":\"g%zu\"},"
                     "\"o\":{\"S\":\"x\"}}",
                     i % 10, i, i % 3);
        st_put_ok(f->s, t, &f->a, txt);
    }
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, "sk", AV_N), STORE_PROJ_KEYS_ONLY);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "ti", &ix, &e), 0);
    const store_table *t2 = st_pin(f->s, "ti");
    assert_int_equal(t2->n_idx, 1);
    assert_false(t2->idx[0].backfilling);
    assert_int_equal(t2->idx[0].id, 1);
    av_t *items;
    store_query q = {.table = t2, .index = &t2->idx[0]};
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), N * 4 / 5);
    assert_item_json(&items[0],
                     "{\"pk\":{\"S\":\"p3\"},\"sk\":{\"N\":\"3\"},\"gk\":{\"S\":\"g0\"}}");
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, t2, &t2->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, N * 4 / 5);
    /* writes through the old descriptor maintain the new index (the committer uses the
     * current one) */
    st_put_ok(f->s, t, &f->a,
              "{\"pk\":{\"S\":\"new\"},\"sk\":{\"N\":\"1\"},\"gk\":{\"S\":\"g0\"}}");
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), N * 4 / 5 + 1);
    /* duplicate name */
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "ti", &ix, &e), ERR_VALIDATION);
    /* drop: entries and counters gone; a re-added index gets a new id */
    err_clear(&e);
    assert_int_equal(st_index_drop(f->s, "ti", "gsi", &e), 0);
    assert_int_equal(st_pin(f->s, "ti")->n_idx, 0);
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 0); /* old descriptor: no entries */
    assert_int_equal(store_table_stats(f->s, t2, &t2->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, 0);
    err_clear(&e);
    assert_int_equal(st_index_drop(f->s, "ti", "gsi", &e), ERR_RESOURCE_NOT_FOUND);
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "ti", &ix, &e), 0);
    assert_int_equal(st_pin(f->s, "ti")->idx[0].id, 2);
}

/* The other process of test_other_process (st_spawn_child): creates a table and adds a GSI
 * to "shared". */
static int child_catalog(const char *dir)
{
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    store_t *s2;
    err_t e;
    err_clear(&e);
    if (store_open(dir, &o, &s2, &e) != 0)
        return 1;
    store_table def;
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "fromchild");
    def.key = st_kd("id", AV_N, NULL, AV_NONE);
    int bad = store_table_create(s2, &def, NULL, NULL, &e) != 0;
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_ALL);
    bad |= st_index_add(s2, "shared", &ix, &e) != 0;
    st_close(s2);
    return bad;
}

/* another process changes the catalog; this handle sees it within a few ms and maintains
 * the index the other process added */
static void test_other_process(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "shared", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"a\"},\"gk\":{\"S\":\"g\"}}");
    pid_t pid = st_spawn_child("catalog", f->dir);
    assert_true(pid > 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* no sleep: a miss looks at the generation at once */
    const store_table *c = st_pin(f->s, "fromchild");
    assert_non_null(c);
    assert_int_equal(c->key.hash_type, AV_N);
    assert_true(c->id > t->id);
    struct timespec ts = {0, 20 * 1000000}; /* a hit looks at most every few ms */
    nanosleep(&ts, NULL);
    const store_table *t2 = st_pin(f->s, "shared");
    assert_int_equal(t2->n_idx, 1);
    /* backfilled by the child, maintained by us (even through the old descriptor) */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"b\"},\"gk\":{\"S\":\"g\"}}");
    av_t g = av_make_s("g", 1);
    store_query q = {.table = t2, .index = &t2->idx[0], .eq = &g, .n_eq = 1};
    av_t *items;
    assert_int_equal(st_query_all(f->s, q, &f->a, &items), 2);
}

/* writes (inserts, overwrites that move or drop the index key, deletes) racing a backfill:
 * afterwards the index holds exactly the projection of every item that has the key, and
 * its counter matches */
typedef struct race_arg {
    store_t *s;
    const store_table *t;
    _Atomic int *stop;
    int bad;
} race_arg;

static void *race_writer(void *p)
{
    race_arg *g = p;
    arena_t a;
    arena_init(&a);
    unsigned x = 12345;
    for (int i = 0; !*g->stop || i < 2000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 8) % 12000, kind = (x >> 20) % 4;
        char txt[160];
        if (kind == 0)
            snprintf(txt, sizeof txt, "{\"pk\":{\"S\":\"p%u\"},\"sk\":{\"N\":\"%u\"}}", k % 10, k);
        else
            snprintf(txt, sizeof txt,
                     "{\"pk\":{\"S\":\"p%u\"},\"sk\":{\"N\":\"%u\"},\"gk\":{\"S\":\"g%u\"}}",
                     k % 10, k, (x >> 4) % 5);
        av_t *it = J(&a, txt);
        store_write w = {.table = g->t,
                         .key = it,
                         .apply = kind == 3 ? st_apply_del : st_apply_put,
                         .ctx = it,
                         .arena = &a};
        err_t e;
        err_clear(&e);
        if (store_write_each(g->s, &w, 1, &e) || w.rc)
            g->bad++;
        arena_reset(&a);
    }
    arena_fini(&a);
    return NULL;
}

static void test_backfill_races_writes(void **state)
{
    st_fix *f = *state;
    const store_table *t = st_create(f->s, "tr", st_kd("pk", AV_S, "sk", AV_N), NULL, 0);
    for (int i = 0; i < 12000; i += 2) {
        char txt[160];
        snprintf(txt, sizeof txt,
                 "{\"pk\":{\"S\":\"p%d\"},\"sk\":{\"N\":\"%d\"},\"gk\":{\"S\":\"g%d\"}}", i % 10, i,
                 i % 5);
        st_put_ok(f->s, t, &f->a, txt);
    }
    _Atomic int stop = 0;
    race_arg g = {.s = f->s, .t = t, .stop = &stop};
    pthread_t th;
    pthread_create(&th, NULL, race_writer, &g);
    store_index ix = st_ix("gsi", true, st_kd("gk", AV_S, NULL, AV_NONE), STORE_PROJ_KEYS_ONLY);
    err_t e;
    err_clear(&e);
    assert_int_equal(st_index_add(f->s, "tr", &ix, &e), 0);
    stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(g.bad, 0);
    const store_table *t2 = st_pin(f->s, "tr");
    av_t *base, *idx;
    store_query qb = {.table = t2}, qi = {.table = t2, .index = &t2->idx[0]};
    size_t nb = st_query_all(f->s, qb, &f->a, &base);
    size_t ni = st_query_all(f->s, qi, &f->a, &idx);
    size_t want = 0;
    for (size_t i = 0; i < nb; i++) {
        if (!av_map_gets(&base[i], "gk"))
            continue;
        want++;
        bool hit = false;
        for (size_t j = 0; j < ni && !hit; j++)
            hit = av_equal(&base[i], &idx[j]); /* KEYS_ONLY of {pk,sk,gk} is the item */
        assert_true(hit);
    }
    assert_int_equal(ni, want);
    uint64_t c, b;
    assert_int_equal(store_table_stats(f->s, t2, &t2->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, want);
    assert_int_equal(store_table_stats(f->s, t2, NULL, &c, &b, &e), 0);
    assert_int_equal(c, nb);
    /* deleting it takes several bounded txns (> ST_DELETE_BATCH keys) and leaves nothing */
    assert_true(nb + ni > 5000);
    assert_int_equal(store_table_delete(f->s, "tr", &e), 0);
    assert_int_equal(st_query_all(f->s, qb, &f->a, &base), 0);
    assert_int_equal(st_query_all(f->s, qi, &f->a, &idx), 0);
    assert_int_equal(store_table_stats(f->s, t2, &t2->idx[0], &c, &b, &e), 0);
    assert_int_equal(c, 0);
}

int main(int argc, char **argv)
{
    static const st_child children[] = {{"catalog", child_catalog}};
    st_child_main(argc, argv, children, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_list_delete, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_meta_ttl, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_index_add_drop, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_other_process, st_setup, st_teardown),
        cmocka_unit_test_setup_teardown(test_backfill_races_writes, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
