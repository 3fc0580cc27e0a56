/*
 * fuzz_partiql — the PartiQL parser and binder (src/expr/expr_partiql*.c) and the trees they
 * make, evaluated by the expression evaluator, over random items.
 *
 * Input: NUL-separated parts: [statement text] NUL [Parameters: a JSON array of DynamoDB JSON
 * values] NUL [item, DynamoDB JSON].  The statement is parsed (the text in a buffer of its
 * own, freed before binding: the parsed statement must not point into it), bound to the
 * parameters, and then: its WHERE evaluated against the item and against no item, its
 * conjuncts run through the planner helpers (key equalities, IN, OR chains, sort-key
 * conditions, the rest), its select list projected with DynamoDB's naming, its update
 * applied to the item (keys pk, sk).  Parse and bind may refuse; nothing may crash, leak or
 * loop.  Properties: a statement that parses parses the same way twice (same kind, same
 * count of `?`), and a projection result is always a map.
 * Seeds (tests/fuzz/corpus/partiql/): every sixth distinct statement of the PartiQL golden
 * corpus (tests/golden/partiql) with its parameters, and hand-written statements using every
 * construct, each with one rich item.
 */
#include <jansson.h>

#include "base/arena.h"
#include "expr/expr.h"
#include "expr/expr_partiql.h"
#include "fuzz_common.h"
#include "value/av.h"
#include "value/ddbjson.h"

#define FZ_PQ_MAX_PARAMS 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

/* The Parameters array: up to FZ_PQ_MAX_PARAMS values (invalid ones skipped). */
static size_t params_of(arena_t *a, const fz_part *p, av_t *out)
{
    json_t *j = p->n ? json_loadb(p->p, p->n, JSON_ALLOW_NUL, NULL) : NULL;
    size_t n = 0, i;
    json_t *v;
    if (json_is_array(j))
        json_array_foreach(j, i, v)
        {
            err_t e = {0};
            if (n < FZ_PQ_MAX_PARAMS && json_is_object(v) && ddbjson_to_av(v, a, &out[n], &e) == 0)
                n++;
        }
    json_decref(j);
    return n;
}

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
    fz_part parts[3] = {{0}};
    fz_split(data, size, parts, 3);
    arena_t a;
    arena_init(&a);
    err_t e = {0};
    char *text = fz_strndup(parts[0].p, parts[0].n);
    expr_pq *s = NULL, *again = NULL;
    int rc = expr_pq_parse(&a, text, parts[0].n, &s, &e);
    err_t e2 = {0};
    int rc2 = expr_pq_parse(&a, text, parts[0].n, &again, &e2);
    free(text);
    if (rc != rc2)
        fz_fail("parsing twice gave %d then %d", rc, rc2);
    if (rc) {
        arena_fini(&a);
        return 0;
    }
    if (expr_pq_get_kind(s) != expr_pq_get_kind(again) ||
        expr_pq_nparams(s) != expr_pq_nparams(again))
        fz_fail("parsing twice gave different statements");
    av_t params[FZ_PQ_MAX_PARAMS];
    size_t np = params_of(&a, &parts[1], params);
    const av_t *item = item_of(&a, &parts[2]);
    expr_pq_bound b;
    err_clear(&e);
    if (expr_pq_bind(&a, s, params, np, &b, &e)) {
        arena_fini(&a);
        return 0;
    }
    bool ok;
    if (b.where) {
        expr_eval(b.where, item, &ok, &e);
        expr_eval(b.where, NULL, &ok, &e);
        const expr_node **conj = NULL;
        size_t nc = 0;
        if (expr_pq_conjuncts(&a, b.where, &conj, &nc, &e) == 0) {
            bool *skip = arena_zalloc(&a, (nc ? nc : 1) * sizeof *skip);
            for (size_t i = 0; i < nc; i++) {
                const av_t *vals[EXPR_PQ_IN_MAX];
                size_t n;
                expr_krop op;
                const av_t *r1, *r2;
                skip[i] = expr_pq_key_eq(conj[i], "pk", true, vals, EXPR_PQ_IN_MAX, &n);
                expr_pq_range_cond(conj[i], "sk", &op, &r1, &r2);
            }
            expr_node *rest = NULL;
            if (skip)
                expr_pq_without(&a, conj, nc, skip, &rest, &e);
        }
        const av_t **ov;
        size_t on;
        expr_pq_key_or(b.where, "pk", &ov, &on, &a);
    }
    if (b.proj && item) {
        av_t out;
        if (expr_pq_project(&a, b.proj, item, &out, &e) == 0 && out.type != AV_M)
            fz_fail("a projection that is not a map");
    }
    if (b.upd) {
        static const char *const keys[] = {"pk", "sk"};
        av_t out;
        expr_t *updated = NULL;
        err_clear(&e);
        if (item)
            expr_update_apply(&a, b.upd, item, keys, 2, &out, &updated, &e);
        err_clear(&e);
        expr_update_apply(&a, b.upd, NULL, keys, 2, &out, &updated, &e);
    }
    arena_fini(&a);
    return 0;
}
