/*
 * fuzz_expr — the expression parser, placeholder resolution and evaluation (src/expr/) over
 * random items.
 *
 * Input: NUL-separated parts: [kind byte + expression text] NUL [ExpressionAttributeNames
 * JSON object] NUL [ExpressionAttributeValues, DynamoDB JSON] NUL [item, DynamoDB JSON].
 * The kind byte (mod 5) picks condition, filter, key condition, update or projection.  The
 * expression is parsed (twice: the result must not depend on the text buffer), resolved,
 * and then evaluated / applied (key pk, sk) / projected / turned into a key lookup against
 * the item and against no item.  Parse and resolve may refuse; nothing may crash, leak or
 * loop, and an update may not change the item it is applied to.
 */
#include <jansson.h>

#include "base/arena.h"
#include "expr/expr.h"
#include "fuzz_common.h"
#include "value/av.h"
#include "value/ddbjson.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

/* The names map {"#n": "name"} as an M of S, or NULL. */
static const av_t *names_of(arena_t *a, const fz_part *p)
{
    json_t *j = p->n ? json_loadb(p->p, p->n, JSON_ALLOW_NUL, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    size_t n = json_object_size(j), i = 0;
    av_kv *kv = arena_zalloc(a, (n ? n : 1) * sizeof *kv);
    av_t *m = arena_zalloc(a, sizeof *m);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (!json_is_string(v))
            continue;
        kv[i].name = arena_strdup(a, k);
        kv[i].name_len = strlen(k);
        kv[i].val = av_make_s(arena_memdup(a, json_string_value(v), json_string_length(v)),
                              json_string_length(v));
        i++;
    }
    *m = av_make_m(kv, i);
    json_decref(j);
    return m;
}

/* A DynamoDB JSON item (or values map) as an M, or NULL. */
static const av_t *item_of(arena_t *a, const fz_part *p)
{
    json_t *j = p->n ? json_loadb(p->p, p->n, JSON_ALLOW_NUL, NULL) : NULL;
    av_t *m = arena_zalloc(a, sizeof *m);
    err_t e = {0};
    bool ok = j && ddbjson_to_item(j, a, m, &e) == 0;
    json_decref(j);
    return ok ? m : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const expr_kind kinds[] = {EXPR_CONDITION, EXPR_FILTER, EXPR_KEY_CONDITION, EXPR_UPDATE,
                                      EXPR_PROJECTION};
    expr_kind kind = kinds[data[0] % 5];
    fz_part parts[4] = {{0}};
    size_t k = fz_split(data + 1, size - 1, parts, 4);
    (void)k;
    arena_t a;
    arena_init(&a);
    err_t e = {0};
    expr_t *parsed = NULL, *again = NULL, *res = NULL;
    /* the text in a buffer of its own, freed before resolving: the AST must not point into it */
    char *text = fz_strndup(parts[0].p, parts[0].n);
    int rc = expr_parse(&a, kind, text, parts[0].n, &parsed, &e);
    free(text);
    err_t e2 = {0};
    int rc2 = expr_parse(&a, kind, parts[0].p, parts[0].n, &again, &e2);
    if (rc != rc2 || strcmp(e.msg, e2.msg) != 0)
        fz_fail("parsing the same text twice differs: %s / %s", e.msg, e2.msg);
    if (rc)
        goto done;
    const av_t *names = names_of(&a, &parts[1]);
    const av_t *values = item_of(&a, &parts[2]);
    const av_t *item = item_of(&a, &parts[3]);
    expr_env env;
    err_clear(&e);
    if (expr_env_init(&env, &a, names, values, &e) || expr_resolve(&a, parsed, &env, &res, &e))
        goto done;
    (void)expr_env_check_unused(&env, &e);
    err_clear(&e);
    bool t;
    switch (kind) {
    case EXPR_CONDITION:
    case EXPR_FILTER:
    case EXPR_SEARCH_CONDITION:
        (void)expr_eval(res, item, &t, &e);
        (void)expr_eval(res, NULL, &t, &e);
        (void)expr_search_refused(res);
        (void)expr_search_top_eq(res, "a", 1);
        break;
    case EXPR_KEY_CONDITION: {
        /* table keys, and a multi-attribute GSI key (two partition, two sort attributes) */
        static const char *const multi[] = {"pk", "a", "sk", "b"};
        static const av_type multi_types[] = {AV_S, AV_N, AV_N, AV_S};
        static const expr_keyschema ks[] = {
            {.hash = "pk", .hash_type = AV_S, .range = "sk", .range_type = AV_N},
            {.hash = "pk", .hash_type = AV_B, .range = NULL, .range_type = AV_NONE},
            {.attrs = multi, .attr_types = multi_types, .n_attrs = 4, .n_hash = 2, .index = "gsi"},
        };
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            expr_keycond kc;
            err_clear(&e);
            (void)expr_keycond_extract(res, &ks[i], &kc, &e);
        }
        (void)expr_eval(res, item, &t, &e);
        break;
    }
    case EXPR_UPDATE: {
        static const char *const keys[] = {"pk", "sk"};
        av_t out;
        expr_t *upd = NULL;
        /* the update changes its own copies in place (own_set): never the old item */
        json_t *before = item ? ddbjson_from_item(item) : NULL;
        if (expr_update_apply(&a, res, item, keys, 2, &out, &upd, &e) == 0 && upd && item) {
            av_t p;
            (void)expr_project(&a, upd, &out, &p, &e);
            (void)expr_project(&a, upd, item, &p, &e);
        }
        if (before) {
            json_t *after = ddbjson_from_item(item);
            if (after && !json_equal(before, after))
                fz_fail("expr_update_apply changed the old item");
            json_decref(after);
            json_decref(before);
        }
        err_clear(&e);
        (void)expr_update_apply(&a, res, NULL, keys, 2, &out, NULL, &e);
        break;
    }
    case EXPR_PROJECTION: {
        av_t p;
        (void)expr_project(&a, res, item, &p, &e);
        break;
    }
    }
    expr_name *top;
    size_t nt;
    (void)expr_top_names(&a, res, &top, &nt, &e);
done:
    arena_fini(&a);
    return 0;
}
