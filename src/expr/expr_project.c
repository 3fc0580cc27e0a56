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

/* ---- the plan: the paths grouped once per projection ----------------------------------
 *
 * A projection's paths form a tree: at each container, the paths that go on through one
 * member name or one list index are a group.  The groups are found once per projection (a
 * sort by element and position: n log n; a scan of the others per path cost 4 s for 40,000
 * AttributesToGet names, fuzz11) and kept with the expression, so an item costs only its
 * own lookups and its answer (sorting at every item kept ~100 bytes a path per item in the
 * request's arena: 256 MB over 4,000 small items with a 4 KB ProjectionExpression, review12
 * F4).  Members come back in the order of their group's first path, list elements in index
 * order, as before. */

typedef struct pnode pnode;

typedef struct pgroup {
    const expr_pel *el; /* the member name or list index */
    size_t first;       /* position of the group's first path (the answer's order) */
    bool whole;         /* a path ends here: the whole value */
    const pnode *next;  /* otherwise the groups below */
} pgroup;

struct pnode {
    pgroup *names; /* sorted by name (bisection) */
    size_t nnames;
    pgroup **order; /* the same by first path */
    pgroup *idx;    /* sorted by index */
    size_t nidx;
};

typedef struct sfx {
    const expr_node *path;
    size_t at; /* next element */
} sfx;

/* A path's next element, with the path's position among those reaching the node. */
typedef struct step {
    const expr_pel *el;
    size_t pos;
} step;

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

static int first_cmp(const void *pa, const void *pb)
{
    const pgroup *x = *(const pgroup *const *)pa, *y = *(const pgroup *const *)pb;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int plan_node(arena_t *a, const sfx *s, size_t n, const pnode **out, err_t *e);

/* The groups of the name (or index) steps of s[0..n), sorted by key. */
static int plan_groups(arena_t *a, const sfx *s, size_t n, bool names, pgroup **out,
                       size_t *out_n, err_t *e)
{
    *out = NULL;
    *out_n = 0;
    step *st = arena_alloc(a, (n ? n : 1) * sizeof *st);
    if (!st)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const expr_pel *el = &s[i].path->u.path.el[s[i].at];
        if (el->is_index != names)
            st[m++] = (step){el, i};
    }
    if (!m)
        return 0;
    qsort(st, m, sizeof *st, step_cmp);
    size_t ng = 1;
    for (size_t i = 1; i < m; i++)
        ng += key_cmp(st[i - 1].el, st[i].el) != 0;
    pgroup *g = arena_zalloc(a, ng * sizeof *g);
    sfx *sub = arena_alloc(a, m * sizeof *sub);
    if (!g || !sub)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc;
    for (size_t i = 0, k = 0; i < m; k++) {
        size_t j = i, ns = 0;
        g[k].el = st[i].el;
        g[k].first = st[i].pos; /* the smallest: sorted by position within a key */
        for (; j < m && key_cmp(st[i].el, st[j].el) == 0; j++) {
            const sfx *p = &s[st[j].pos];
            if (p->at + 1 == p->path->u.path.n)
                g[k].whole = true;
            else
                sub[ns++] = (sfx){p->path, p->at + 1};
        }
        if (!g[k].whole && (rc = plan_node(a, sub, ns, &g[k].next, e)) < 0)
            return rc;
        i = j;
    }
    *out = g;
    *out_n = ng;
    return 0;
}

/* The node for the path suffixes s[0..n), none of which ends here. */
static int plan_node(arena_t *a, const sfx *s, size_t n, const pnode **out, err_t *e)
{
    pnode *x = arena_zalloc(a, sizeof *x);
    if (!x)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc;
    if ((rc = plan_groups(a, s, n, true, &x->names, &x->nnames, e)) < 0 ||
        (rc = plan_groups(a, s, n, false, &x->idx, &x->nidx, e)) < 0)
        return rc;
    if (x->nnames) {
        if (!(x->order = arena_alloc(a, x->nnames * sizeof *x->order)))
            return err_set(e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < x->nnames; i++)
            x->order[i] = &x->names[i];
        qsort(x->order, x->nnames, sizeof *x->order, first_cmp);
    }
    *out = x;
    return 0;
}

/* The group of member name (name, len) at x, or NULL. */
static const pgroup *group_of(const pnode *x, const char *name, size_t len)
{
    size_t lo = 0, hi = x->nnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = expr_name_cmp(x->names[mid].el->name, x->names[mid].el->len, name, len);
        if (c == 0)
            return &x->names[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

typedef struct hit {
    const pgroup *g;
    const av_t *v;
} hit;

static int hit_cmp(const void *pa, const void *pb)
{
    const hit *x = pa, *y = pb;
    return x->g->first < y->g->first ? -1 : x->g->first > y->g->first;
}

static int project(arena_t *a, const av_t *v, const pnode *x, av_t *out, bool *present,
                   err_t *e);

/* The answer for one group's value c: all of it, or what the groups below select. */
static int project_group(arena_t *a, const pgroup *g, const av_t *c, av_t *out, bool *present,
                         err_t *e)
{
    if (g->whole) {
        *out = *c;
        *present = true;
        return 0;
    }
    return project(a, c, g->next, out, present, e);
}

/* v as the groups of x select it.  The work is the smaller of the item's members and the
 * groups (each looked up in the other), and memory only for the answer. */
static int project(arena_t *a, const av_t *v, const pnode *x, av_t *out, bool *present,
                   err_t *e)
{
    *present = false;
    int rc;
    if (v->type == AV_M && x->nnames) {
        size_t nm = v->u.map.n, cap = nm < x->nnames ? nm : x->nnames, nh = 0;
        if (!cap)
            return 0;
        hit *h = arena_alloc(a, cap * sizeof *h);
        if (!h)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (nm <= x->nnames) {
            /* each member looked up among the groups, then in the groups' order */
            for (size_t i = 0; i < nm; i++) {
                const av_kv *kv = &v->u.map.kv[i];
                const pgroup *g = group_of(x, kv->name, kv->name_len);
                if (g)
                    h[nh++] = (hit){g, &kv->val};
            }
            qsort(h, nh, sizeof *h, hit_cmp);
        } else {
            /* each group looked up among the members (sorted once when there are many) */
            expr_mindex ix;
            if ((rc = expr_mindex_init(a, &ix, v, x->nnames, e)) < 0)
                return rc;
            for (size_t i = 0; i < x->nnames; i++) {
                const pgroup *g = x->order[i];
                const av_kv *kv = expr_mindex_get(&ix, g->el->name, g->el->len);
                if (kv)
                    h[nh++] = (hit){g, &kv->val};
            }
        }
        av_kv *kv = arena_alloc(a, (nh ? nh : 1) * sizeof *kv);
        if (!kv)
            return err_set(e, ERR_NOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < nh; i++) {
            bool p;
            av_t cv;
            if ((rc = project_group(a, h[i].g, h[i].v, &cv, &p, e)) < 0)
                return rc;
            if (p) {
                kv[k].name = h[i].g->el->name;
                kv[k].name_len = h[i].g->el->len;
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
    if (v->type == AV_L && x->nidx) {
        size_t nl = v->u.list.n, n = 0;
        while (n < x->nidx && x->idx[n].el->index < nl) /* sorted: the rest are past the end */
            n++;
        if (!n)
            return 0;
        av_t *items = arena_alloc(a, n * sizeof *items);
        if (!items)
            return err_set(e, ERR_NOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            bool p;
            av_t cv;
            if ((rc = project_group(a, &x->idx[i], &v->u.list.items[x->idx[i].el->index], &cv,
                                    &p, e)) < 0)
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
    int rc;
    if (!proj->plan) {
        /* made on the first item, kept with the (request's) expression for the others */
        sfx *s = arena_alloc(a, (n ? n : 1) * sizeof *s);
        if (!s)
            return err_set(e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            s[i] = (sfx){proj->paths[i], 0};
        const pnode *plan;
        if ((rc = plan_node(a, s, n, &plan, e)) < 0)
            return rc;
        ((expr_t *)proj)->plan = plan;
    }
    bool p;
    if ((rc = project(a, item, proj->plan, out, &p, e)) < 0)
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
    x.plan = NULL; /* its own paths */
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
    x.plan = NULL;
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
