/*
 * expr_project — applies a resolved projection to an item.  Layer: expr.
 *
 * DynamoDB's shape (tests/golden/expr/projection.json): a path keeps the members it names
 * and the list elements it indexes; several indexes of one list come back in index order,
 * compacted ("l[3], l[1]" -> [l1, l3]); paths that do not exist are skipped; a path that
 * ends at a value returns all of it.  Also: the top-level names an expression refers to.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
 */
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"

typedef struct sfx {
    const expr_node *path;
    size_t at; /* next element */
} sfx;

/* A path's next element at a container, with the path's position among those reaching it. */
typedef struct step {
    const expr_pel *el;
    size_t pos;
} step;

/* The paths that go on through one member or element: steps[start, start + len). */
typedef struct run {
    size_t start, len;
    size_t first; /* position of its first path */
} run;

static int key_cmp(const expr_pel *x, const expr_pel *y)
{
    if (x->is_index)
        return x->index < y->index ? -1 : x->index > y->index;
    return expr_name_cmp(x->name, x->len, y->name, y->len);
}

static int step_cmp(const void *pa, const void *pb)
{
    const step *x = pa, *y = pb;
    int c = key_cmp(x->el, y->el);
    return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int run_cmp(const void *pa, const void *pb)
{
    const run *x = pa, *y = pb;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Projects v by the path suffixes s[0..n).  The paths are grouped by their next element
 * with a sort by (element, position), not element by element: n log n for n paths (a
 * GetItem of 40,000 AttributesToGet names took 4 s when each path looked for its group
 * among the others; fuzz11).  Members come back in the order of their first path, list
 * elements in index order, each group's paths in their own order. */
static int project(arena_t *a, const av_t *v, sfx *s, size_t n, av_t *out, bool *present, err_t *e)
{
    *present = false;
    for (size_t i = 0; i < n; i++)
        if (s[i].at == s[i].path->u.path.n) {
            *out = *v;
            *present = true;
            return 0;
        }
    bool map = v->type == AV_M;
    if (!map && v->type != AV_L)
        return 0;
    step *st = arena_alloc(a, (n ? n : 1) * sizeof *st);
    if (!st)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const expr_pel *el = &s[i].path->u.path.el[s[i].at];
        if (el->is_index != map) /* names reach into maps, indexes into lists */
            st[m++] = (step){el, i};
    }
    if (!m)
        return 0;
    qsort(st, m, sizeof *st, step_cmp);
    run *rs = arena_alloc(a, m * sizeof *rs);
    sfx *grp = arena_alloc(a, m * sizeof *grp);
    if (!rs || !grp)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t nr = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || key_cmp(st[i - 1].el, st[i].el) != 0)
            rs[nr++] = (run){i, 0, st[i].pos};
        rs[nr - 1].len++;
        grp[i].path = s[st[i].pos].path;
        grp[i].at = s[st[i].pos].at + 1;
    }
    int rc;
    if (map) {
        qsort(rs, nr, sizeof *rs, run_cmp);
        expr_mindex ix;
        av_kv *kv = arena_alloc(a, nr * sizeof *kv);
        if (!kv)
            return err_set(e, ERR_NOMEM, "out of memory");
        if ((rc = expr_mindex_init(a, &ix, v, nr, e)) < 0)
            return rc;
        size_t k = 0;
        for (size_t r = 0; r < nr; r++) {
            const expr_pel *el = st[rs[r].start].el;
            const av_kv *c = expr_mindex_get(&ix, el->name, el->len);
            if (!c)
                continue;
            bool p;
            av_t cv;
            if ((rc = project(a, &c->val, grp + rs[r].start, rs[r].len, &cv, &p, e)) < 0)
                return rc;
            if (p) {
                kv[k].name = el->name;
                kv[k].name_len = el->len;
                kv[k].val = cv;
                k++;
            }
        }
        if (k) {
            *out = av_make_m(kv, k);
            *present = true;
        }
        return 0;
    }
    av_t *items = arena_alloc(a, nr * sizeof *items);
    if (!items)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t r = 0; r < nr; r++) { /* in index order */
        uint32_t idx = st[rs[r].start].el->index;
        if (idx >= v->u.list.n)
            continue;
        bool p;
        av_t cv;
        if ((rc = project(a, &v->u.list.items[idx], grp + rs[r].start, rs[r].len, &cv, &p, e)) < 0)
            return rc;
        if (p)
            items[k++] = cv;
    }
    if (k) {
        *out = av_make_list(AV_L, items, k);
        *present = true;
    }
    return 0;
}

int expr_project(arena_t *a, const expr_t *proj, const av_t *item, av_t *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    out->type = AV_NONE;
    if (!proj->resolved || proj->kind != EXPR_PROJECTION)
        return err_set(e, ERR_VALIDATION, "internal: projection not resolved");
    if (!item)
        return 0;
    size_t n = proj->npaths;
    if (proj->whole_top) {
        av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
        if (!kv)
            return err_set(e, ERR_NOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const expr_pel *el = &proj->paths[i]->u.path.el[0];
            if (!expr_path_get(item, proj->paths[i]))
                continue;
            bool dup = false;
            for (size_t j = 0; j < k; j++)
                if (kv[j].name_len == el->len && memcmp(kv[j].name, el->name, el->len) == 0)
                    dup = true;
            if (dup)
                continue;
            kv[k].name = el->name;
            kv[k].name_len = el->len;
            kv[k].val = *av_map_get(item, el->name, el->len);
            k++;
        }
        *out = av_make_m(kv, k);
        return 0;
    }
    sfx *s = arena_alloc(a, (n ? n : 1) * sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        s[i].path = proj->paths[i];
        s[i].at = 0;
    }
    bool p;
    int rc = project(a, item, s, n, out, &p, e);
    if (rc < 0)
        return rc;
    if (!p)
        *out = av_make_m(NULL, 0);
    return 0;
}

int expr_project_updated(arena_t *a, const expr_t *updated, const av_t *item, bool new_item,
                         av_t *out, err_t *e)
{
    expr_t x = *updated;
    x.whole_top = false;
    if (new_item)
        x.npaths -= x.nremoved;
    int rc = expr_project(a, &x, item, out, e);
    if (rc == 0 && out->type == AV_M && out->u.map.n == 0)
        out->type = AV_NONE;
    return rc;
}

int expr_project_modified(arena_t *a, const expr_t *updated, const av_t *item, av_t *out,
                          err_t *e)
{
    expr_t x = *updated;
    x.whole_top = false;
    int rc = expr_project(a, &x, item, out, e);
    if (rc == 0 && out->type == AV_M && out->u.map.n == 0)
        out->type = AV_NONE;
    return rc;
}

/* ---- top-level names ---------------------------------------------------------------- */

typedef struct names {
    arena_t *a;
    expr_name *v;
    size_t n, cap;
} names;

/* Every path's first name in walk order, repeats included (removed at the end by a sort:
 * a ScanFilter or QueryFilter of 200,000 conditions made a scan of the names seen per
 * condition cost 49 s; atg12). */
static int add_name(names *ns, const expr_node *path)
{
    const expr_pel *el = &path->u.path.el[0];
    if (ns->n == ns->cap) {
        size_t nc = ns->cap ? ns->cap * 2 : 8;
        expr_name *v = arena_grow(ns->a, ns->v, ns->n, nc, sizeof *v);
        if (!v)
            return ERR_NOMEM;
        ns->v = v;
        ns->cap = nc;
    }
    ns->v[ns->n].ptr = el->name;
    ns->v[ns->n].len = el->len;
    ns->n++;
    return 0;
}

static int walk(names *ns, const expr_node *x)
{
    if (!x)
        return 0;
    if (x->t == EN_PATH)
        return add_name(ns, x);
    if (x->t == EN_VALUE)
        return 0;
    for (size_t i = 0; i < x->u.kids.n; i++)
        if (walk(ns, x->u.kids.k[i]) < 0)
            return ERR_NOMEM;
    return 0;
}

int expr_top_names(arena_t *a, const expr_t *x, expr_name **out_names, size_t *out_n, err_t *e)
{
    names ns = {.a = a};
    *out_names = NULL;
    *out_n = 0;
    if (!x->resolved)
        return err_set(e, ERR_VALIDATION, "internal: expression not resolved");
    int rc = walk(&ns, x->root);
    for (size_t i = 0; rc == 0 && i < x->nacts; i++) {
        rc = add_name(&ns, x->acts[i].path);
        if (rc == 0)
            rc = walk(&ns, x->acts[i].val);
    }
    for (size_t i = 0; rc == 0 && i < x->npaths; i++)
        rc = add_name(&ns, x->paths[i]);
    if (rc < 0)
        return err_set(e, ERR_NOMEM, "out of memory");
    /* each name once, where it first appears */
    bool *rep;
    if ((rc = expr_names_repeats(a, ns.v, ns.n, &rep, e)) < 0)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < ns.n; i++)
        if (!rep[i])
            ns.v[k++] = ns.v[i];
    *out_names = ns.v;
    *out_n = k;
    return 0;
}
