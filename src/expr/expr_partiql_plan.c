/*
 * expr_partiql_plan — binding a parsed PartiQL statement's parameters, and planning its reads.
 * Layer: expr.  See expr_partiql.h (the calls) and expr_partiql_int.h (struct expr_pq).
 *
 * expr_pq_bind fills the statement's value slots (literals and `?` templates) into an M of
 * values and resolves the WHERE, the select list, the item and the actions against it as
 * ExpressionAttributeValues.  The planner's helpers read the bound trees for api/'s
 * ExecuteStatement (api_partiql.c): the conjuncts and key equalities of a WHERE (a GetItem or a
 * Query instead of a Scan), OR branches overlapping on the sort key, the filter an index
 * SELECT's first read carries, and a select list's projection of an item with DynamoDB's
 * result naming.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.select.html
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"
#include "expr/expr_partiql_int.h"

/* ---- bind ----------------------------------------------------------------------------- */

typedef struct binder {
    arena_t *a;
    const av_t *params;
    size_t nparams;
    err_t *e;
} binder;

static int bag_type(av_type t, av_type *out)
{
    switch (t) {
    case AV_S: *out = AV_SS; return 0;
    case AV_N: *out = AV_NS; return 0;
    case AV_B: *out = AV_BS; return 0;
    default: return -1;
    }
}

static int materialize(binder *b, const pq_tmpl *t, av_t *out)
{
    switch (t->k) {
    case PT_LIT:
        *out = t->lit;
        return 0;
    case PT_PARAM:
        *out = b->params[t->param];
        return 0;
    case PT_LIST:
    case PT_BAG: {
        av_t *items = arena_alloc(b->a, (t->n ? t->n : 1) * sizeof *items);
        if (!items)
            return err_set(b->e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < t->n; i++) {
            int rc = materialize(b, t->kids[i], &items[i]);
            if (rc)
                return rc;
        }
        if (t->k == PT_LIST) {
            *out = av_make_list(AV_L, items, t->n);
            return 0;
        }
        av_type st = AV_NONE;
        for (size_t i = 0; i < t->n; i++) {
            av_type one;
            if (bag_type(items[i].type, &one) || (st != AV_NONE && one != st))
                return err_set(b->e, ERR_VALIDATION,
                               "Unsupported data type in Bag. DynamoDB only supports either "
                               "numbers or strings in bags");
            st = one;
        }
        for (size_t i = 0; i < t->n; i++)
            for (size_t j = 0; j < i; j++)
                if (av_equal(&items[i], &items[j]))
                    return err_set(b->e, ERR_VALIDATION, "Input collection contains duplicates");
        *out = av_make_list(st, items, t->n);
        return 0;
    }
    case PT_MAP: {
        av_kv *kv = arena_alloc(b->a, (t->n ? t->n : 1) * sizeof *kv);
        if (!kv)
            return err_set(b->e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < t->n; i++) {
            kv[i].name = t->keys[i].ptr;
            kv[i].name_len = t->keys[i].len;
            int rc = materialize(b, t->kids[i], &kv[i].val);
            if (rc)
                return rc;
        }
        *out = av_make_m(kv, t->n);
        return 0;
    }
    }
    return err_set(b->e, ERR_INTERNAL, "bad template");
}

/* expr_resolve without the "Invalid <Kind>: " prefix of its messages. */
static int resolve(arena_t *a, expr_t *parsed, expr_env *env, expr_t **out, err_t *e)
{
    int rc = expr_resolve(a, parsed, env, out, e);
    if (rc == ERR_VALIDATION) {
        const char *pre = "Invalid ";
        const char *kn = expr_kind_name(parsed->kind);
        size_t pl = strlen(pre), kl = strlen(kn);
        if (strncmp(e->msg, pre, pl) == 0 && strncmp(e->msg + pl, kn, kl) == 0 &&
            strncmp(e->msg + pl + kl, ": ", 2) == 0) {
            char msg[ERR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", e->msg + pl + kl + 2);
            err_clear(e);
            err_set(e, ERR_VALIDATION, "%s", msg);
        }
    }
    return rc;
}

int expr_pq_bind(arena_t *a, const expr_pq *s, const av_t *params, size_t nparams,
                 expr_pq_bound *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    /* fewer parameters than `?` is an error; extra ones are ignored (DynamoDB Local) */
    if (nparams < s->nparams)
        return err_set(e, ERR_VALIDATION, TXT_PQ_PARAM_COUNT);
    binder b = {.a = a, .params = params, .nparams = nparams, .e = e};
    out->kind = s->kind;
    out->table = s->table;
    out->table_len = s->table_len;
    out->index = s->index;
    out->index_len = s->index_len;
    out->star = s->star;
    out->ret = s->ret;
    out->norder = s->norder;
    memcpy(out->order, s->order, sizeof out->order);
    int rc;
    av_kv *kv = arena_alloc(a, (s->nslots ? s->nslots : 1) * sizeof *kv);
    bool *used = arena_zalloc(a, (s->nslots ? s->nslots : 1) * sizeof *used);
    if (!kv || !used)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->nslots; i++) {
        kv[i].name = s->slot_names[i];
        kv[i].name_len = strlen(s->slot_names[i]);
        if ((rc = materialize(&b, s->slots[i], &kv[i].val)))
            return rc;
    }
    for (size_t i = 0; i < s->nsetchk; i++) {
        const pq_setchk *c = &s->setchk[i];
        av_type vt = kv[c->slot].val.type;
        if (vt != AV_SS && vt != AV_NS && vt != AV_BS)
            return err_set(e, ERR_VALIDATION,
                           "The second argument to SET_%s must be a value with type SET at "
                           "%u:%u:%u",
                           c->add ? "ADD" : "DELETE", c->line, c->col, c->clen);
    }
    av_t values = av_make_m(kv, s->nslots);
    expr_env env = {.names = NULL, .values = &values, .names_used = NULL, .values_used = used};
    if (s->where) {
        expr_t w = {.kind = EXPR_CONDITION, .root = s->where};
        if ((rc = resolve(a, &w, &env, &out->where, e)))
            return rc;
    }
    if (s->nsel) {
        expr_t pj = {.kind = EXPR_PROJECTION, .paths = s->sel, .npaths = s->nsel};
        if ((rc = resolve(a, &pj, &env, &out->proj, e)))
            return rc;
    }
    if (s->nacts) {
        expr_t u = {.kind = EXPR_UPDATE, .acts = s->acts, .nacts = s->nacts, .cap = s->nacts};
        if ((rc = resolve(a, &u, &env, &out->upd, e)))
            return rc;
    }
    if (s->item && (rc = materialize(&b, s->item, &out->item)))
        return rc;
    return 0;
}

/* ---- planner helpers ------------------------------------------------------------------ */

static int collect_and(const expr_node *x, const expr_node **v, size_t cap, size_t *n)
{
    if (x->t == EN_AND) {
        if (collect_and(x->u.kids.k[0], v, cap, n) < 0)
            return -1;
        return collect_and(x->u.kids.k[1], v, cap, n);
    }
    if (v && *n < cap)
        v[*n] = x;
    (*n)++;
    return 0;
}

int expr_pq_conjuncts(arena_t *a, const expr_t *where, const expr_node ***out, size_t *out_n,
                      err_t *e)
{
    *out = NULL;
    *out_n = 0;
    if (!where || !where->root)
        return 0;
    size_t n = 0;
    collect_and(where->root, NULL, 0, &n);
    const expr_node **v = arena_alloc(a, n * sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t k = 0;
    collect_and(where->root, v, n, &k);
    *out = v;
    *out_n = n;
    return 0;
}

static bool is_top_name(const expr_node *x, const char *name)
{
    return x->t == EN_PATH && x->u.path.n == 1 && !x->u.path.el[0].is_index &&
           x->u.path.el[0].len == strlen(name) &&
           memcmp(x->u.path.el[0].name, name, x->u.path.el[0].len) == 0;
}

bool expr_pq_key_eq(const expr_node *c, const char *name, bool allow_in, const av_t **vals,
                    size_t cap, size_t *out_n)
{
    *out_n = 0;
    if (c->t == EN_CMP && c->op == EOP_EQ) {
        const expr_node *l = c->u.kids.k[0], *r = c->u.kids.k[1];
        if (is_top_name(l, name) && r->t == EN_VALUE) {
            if (cap)
                vals[0] = r->u.val.v;
            *out_n = 1;
            return true;
        }
        if (is_top_name(r, name) && l->t == EN_VALUE) {
            if (cap)
                vals[0] = l->u.val.v;
            *out_n = 1;
            return true;
        }
        return false;
    }
    if (allow_in && c->t == EN_IN && is_top_name(c->u.kids.k[0], name)) {
        for (size_t i = 1; i < c->u.kids.n; i++)
            if (c->u.kids.k[i]->t != EN_VALUE)
                return false;
        for (size_t i = 1; i < c->u.kids.n && i - 1 < cap; i++)
            vals[i - 1] = c->u.kids.k[i]->u.val.v;
        *out_n = c->u.kids.n - 1;
        return true;
    }
    return false;
}

static bool collect_or(const expr_node *x, const char *name, const av_t **vals, size_t cap,
                       size_t *n)
{
    if (x->t == EN_OR)
        return collect_or(x->u.kids.k[0], name, vals, cap, n) &&
               collect_or(x->u.kids.k[1], name, vals, cap, n);
    const av_t *v;
    size_t k;
    if (x->t != EN_CMP || !expr_pq_key_eq(x, name, false, &v, 1, &k))
        return false;
    if (vals && *n < cap)
        vals[*n] = v;
    (*n)++;
    return true;
}

bool expr_pq_key_or(const expr_t *where, const char *name, const av_t ***out_vals,
                    size_t *out_n, arena_t *a)
{
    *out_vals = NULL;
    *out_n = 0;
    if (!where || !where->root || where->root->t != EN_OR)
        return false;
    size_t n = 0;
    if (!collect_or(where->root, name, NULL, 0, &n))
        return false;
    const av_t **v = arena_alloc(a, n * sizeof *v);
    if (!v)
        return false;
    size_t k = 0;
    collect_or(where->root, name, v, n, &k);
    *out_vals = v;
    *out_n = n;
    return true;
}

bool expr_pq_range_cond(const expr_node *c, const char *name, expr_krop *op, const av_t **r1,
                        const av_t **r2)
{
    *r1 = *r2 = NULL;
    if (c->t == EN_CMP) {
        const expr_node *l = c->u.kids.k[0], *r = c->u.kids.k[1];
        bool flip = false;
        if (is_top_name(l, name) && r->t == EN_VALUE) {
            *r1 = r->u.val.v;
        } else if (is_top_name(r, name) && l->t == EN_VALUE) {
            *r1 = l->u.val.v;
            flip = true;
        } else {
            return false;
        }
        switch (c->op) {
        case EOP_EQ: *op = EXPR_KR_EQ; return true;
        case EOP_LT: *op = flip ? EXPR_KR_GT : EXPR_KR_LT; return true;
        case EOP_LE: *op = flip ? EXPR_KR_GE : EXPR_KR_LE; return true;
        case EOP_GT: *op = flip ? EXPR_KR_LT : EXPR_KR_GT; return true;
        case EOP_GE: *op = flip ? EXPR_KR_LE : EXPR_KR_GE; return true;
        default: return false;
        }
    }
    if (c->t == EN_BETWEEN && is_top_name(c->u.kids.k[0], name) &&
        c->u.kids.k[1]->t == EN_VALUE && c->u.kids.k[2]->t == EN_VALUE) {
        *op = EXPR_KR_BETWEEN;
        *r1 = c->u.kids.k[1]->u.val.v;
        *r2 = c->u.kids.k[2]->u.val.v;
        return true;
    }
    if (c->t == EN_FUNC && c->op == EF_BEGINS_WITH && c->u.kids.n == 2 &&
        is_top_name(c->u.kids.k[0], name) && c->u.kids.k[1]->t == EN_VALUE) {
        *op = EXPR_KR_BEGINS_WITH;
        *r1 = c->u.kids.k[1]->u.val.v;
        return true;
    }
    return false;
}

/* ---- OR branches overlapping on the sort key ---------------------------------------- */

#define PQ_DNF_MAX 256  /* branches examined; a WHERE spreading wider is not expanded */
#define PQ_SUB_MAX 1024 /* (partition value, sort range) pairs compared */

/* Whether a leaf refers to the top-level attribute `name` anywhere. */
static bool mentions(const expr_node *x, const char *name)
{
    if (x->t == EN_PATH)
        return x->u.path.n >= 1 && !x->u.path.el[0].is_index &&
               x->u.path.el[0].len == strlen(name) &&
               memcmp(x->u.path.el[0].name, name, x->u.path.el[0].len) == 0;
    if (x->t == EN_VALUE)
        return false;
    for (size_t i = 0; i < x->u.kids.n; i++)
        if (mentions(x->u.kids.k[i], name))
            return true;
    return false;
}

/* What the check reads of one leaf of the WHERE (a leaf: anything but AND / OR). */
typedef enum {
    PQ_L_OTHER, /* no key in it */
    PQ_L_HASH,  /* the partition key by equality (= or IN) */
    PQ_L_RANGE, /* the sort key by equality or a key condition */
    PQ_L_SCAN   /* a key read no key condition serves (NOT sk = .., sk <> .., begins_with on a
                   number): the statement is a scan, which the service does not check */
} pq_lkind;

static pq_lkind leaf_kind(const expr_node *x, const char *hash, const char *range)
{
    const av_t *vals[EXPR_PQ_IN_MAX], *r1, *r2;
    size_t n;
    expr_krop op;
    bool rk = range && range[0];
    if (expr_pq_key_eq(x, hash, true, vals, EXPR_PQ_IN_MAX, &n))
        return PQ_L_HASH;
    if (rk && expr_pq_key_eq(x, range, true, vals, EXPR_PQ_IN_MAX, &n))
        return PQ_L_RANGE;
    if (rk && expr_pq_range_cond(x, range, &op, &r1, &r2))
        return op == EXPR_KR_BEGINS_WITH && r1->type == AV_N ? PQ_L_SCAN : PQ_L_RANGE;
    if ((rk && mentions(x, range)) || mentions(x, hash))
        return PQ_L_SCAN;
    return PQ_L_OTHER;
}

/* One branch of the WHERE in disjunctive normal form (the AND of its leaves), summarised as
 * the check reads it: its first partition-key leaf, its first sort-key leaf, and whether any
 * leaf makes the statement a scan.  A summary, not the leaf list: an AND of two branches is
 * O(1), so a wide OR under a long AND chain costs branches x nodes, not branches x leaves^2
 * (review11 F5: an 8 KB SELECT took ~250 MB). */
typedef struct pq_branch {
    const expr_node *h, *r;
    bool scan;
    bool empty; /* two partition-key equalities with different values: reads nothing */
} pq_branch;

typedef struct pq_dnf {
    pq_branch *b;
    size_t n, cap;
} pq_dnf;

static pq_branch pq_and(pq_branch l, pq_branch r, const char *hash)
{
    bool empty = l.empty || r.empty;
    const av_t *lv, *rv;
    size_t ln, rn;
    /* "k = 'y' AND k = 'z'" (AWS 2026-09 runs "gsiPk = 'y' AND (gsiPk = 'z' OR zz = '1')") */
    if (l.h && r.h && expr_pq_key_eq(l.h, hash, true, &lv, 1, &ln) && ln == 1 &&
        expr_pq_key_eq(r.h, hash, true, &rv, 1, &rn) && rn == 1 && av_compare_scalar(lv, rv))
        empty = true;
    return (pq_branch){l.h ? l.h : r.h, l.r ? l.r : r.r, l.scan || r.scan, empty};
}

/* The WHERE's branches, in the order the leaves are written (each returned array is owned by
 * its caller, so an AND with a single branch and an OR into a roomy array work in place).
 * *wide when they would be more than PQ_DNF_MAX.  0 or ERR_NOMEM. */
static int dnf(arena_t *a, const expr_node *x, const char *hash, const char *range, pq_dnf *out,
               bool *wide)
{
    /* an OR that names no key attribute is a filter, one leaf (AWS 2026-09 runs "gsiPk = 'y'
     * AND (a = '1' OR a = '2')" on a hash-only index) */
    if ((x->t != EN_OR && x->t != EN_AND) ||
        (x->t == EN_OR && !mentions(x, hash) && !(range && range[0] && mentions(x, range)))) {
        pq_lkind k = leaf_kind(x, hash, range);
        out->b = arena_alloc(a, sizeof *out->b);
        if (!out->b)
            return ERR_NOMEM;
        out->b[0] = (pq_branch){k == PQ_L_HASH ? x : NULL, k == PQ_L_RANGE ? x : NULL,
                                k == PQ_L_SCAN, false};
        out->n = out->cap = 1;
        return 0;
    }
    pq_dnf l, r;
    int rc = dnf(a, x->u.kids.k[0], hash, range, &l, wide);
    if (rc || *wide || (rc = dnf(a, x->u.kids.k[1], hash, range, &r, wide)) || *wide)
        return rc;
    size_t n = x->t == EN_OR ? l.n + r.n : l.n * r.n;
    if (n > PQ_DNF_MAX) {
        *wide = true;
        return 0;
    }
    if (x->t == EN_AND && r.n == 1) {
        for (size_t i = 0; i < l.n; i++)
            l.b[i] = pq_and(l.b[i], r.b[0], hash);
        *out = l;
        return 0;
    }
    if (x->t == EN_AND && l.n == 1) {
        for (size_t j = 0; j < r.n; j++)
            r.b[j] = pq_and(l.b[0], r.b[j], hash);
        *out = r;
        return 0;
    }
    if (x->t == EN_OR && l.cap >= n) {
        memcpy(l.b + l.n, r.b, r.n * sizeof *r.b);
        l.n = n;
        *out = l;
        return 0;
    }
    size_t cap = x->t == EN_OR && 2 * l.cap > n ? 2 * l.cap : n;
    pq_branch *o = arena_alloc(a, (cap > PQ_DNF_MAX ? PQ_DNF_MAX : cap) * sizeof *o);
    if (!o)
        return ERR_NOMEM;
    if (x->t == EN_OR) {
        memcpy(o, l.b, l.n * sizeof *o);
        memcpy(o + l.n, r.b, r.n * sizeof *o);
    } else {
        for (size_t i = 0; i < l.n; i++)
            for (size_t j = 0; j < r.n; j++)
                o[i * r.n + j] = pq_and(l.b[i], r.b[j], hash);
    }
    *out = (pq_dnf){o, n, cap > PQ_DNF_MAX ? PQ_DNF_MAX : cap};
    return 0;
}

/* For a WHERE too wide to expand: whether every branch names the partition key by equality
 * (an OR pins when both sides do, an AND when either does) and whether any leaf makes the
 * statement a scan. */
static void pq_shape(const expr_node *x, const char *hash, const char *range, bool *pins,
                     bool *scan)
{
    if (x->t != EN_OR && x->t != EN_AND) {
        pq_lkind k = leaf_kind(x, hash, range);
        *pins = k == PQ_L_HASH;
        *scan = *scan || k == PQ_L_SCAN;
        return;
    }
    bool pl, pr;
    pq_shape(x->u.kids.k[0], hash, range, &pl, scan);
    pq_shape(x->u.kids.k[1], hash, range, &pr, scan);
    *pins = x->t == EN_OR ? pl && pr : pl || pr;
}

/* A sort-key range: lo / hi NULL when open; pre: hi is "every value starting with hi". */
typedef struct pq_rng {
    const av_t *lo, *hi;
    bool lo_in, hi_in, pre;
} pq_rng;

static bool starts_with(const av_t *v, const av_t *p)
{
    return v->type == p->type && (v->type == AV_S || v->type == AV_B) &&
           v->u.str.len >= p->u.str.len && memcmp(v->u.str.ptr, p->u.str.ptr, p->u.str.len) == 0;
}

/* lo (a lower bound) at or below the upper bound of r. */
static bool lo_le_hi(const av_t *lo, bool lo_in, const pq_rng *r)
{
    if (!lo || !r->hi)
        return true;
    int c = av_compare_scalar(lo, r->hi);
    if (r->pre)
        return c < 0 || starts_with(lo, r->hi);
    return c < 0 || (c == 0 && lo_in && r->hi_in);
}

static bool ranges_overlap(const pq_rng *a, const pq_rng *b)
{
    return lo_le_hi(a->lo, a->lo_in, b) && lo_le_hi(b->lo, b->lo_in, a);
}

typedef struct pq_sub {
    const av_t *h;
    pq_rng r;
} pq_sub;

int expr_pq_overlap(arena_t *a, const expr_t *where, const char *hash, const char *range,
                    bool *overlap, size_t *reads)
{
    *overlap = false;
    *reads = 0;
    if (!where || !where->root)
        return 0;
    pq_dnf d;
    bool wide = false;
    int rc = dnf(a, where->root, hash, range, &d, &wide);
    if (rc)
        return rc;
    if (wide) {
        /* more branches than PQ_DNF_MAX: more reads than any limit when each pins a
         * partition (F7: they ran, where 51..256 were refused); otherwise a scan */
        bool pins = false, scan = false;
        pq_shape(where->root, hash, range, &pins, &scan);
        if (pins && !scan)
            *reads = PQ_SUB_MAX + 1;
        return 0;
    }
    pq_sub *sub = arena_alloc(a, PQ_SUB_MAX * sizeof *sub);
    if (!sub)
        return ERR_NOMEM;
    size_t ns = 0;
    for (size_t i = 0; i < d.n; i++) {
        const pq_branch *bi = &d.b[i];
        const av_t *hv[EXPR_PQ_IN_MAX];
        size_t nh = 0;
        pq_rng rg[EXPR_PQ_IN_MAX];
        size_t nr = 0;
        if (bi->scan)
            return 0;
        if (bi->empty)
            continue;
        if (bi->h && !expr_pq_key_eq(bi->h, hash, true, hv, EXPR_PQ_IN_MAX, &nh))
            nh = 0;
        if (bi->r) {
            const expr_node *x = bi->r;
            const av_t *vals[EXPR_PQ_IN_MAX], *r1, *r2;
            size_t n;
            expr_krop op;
            if (expr_pq_key_eq(x, range, true, vals, EXPR_PQ_IN_MAX, &n)) {
                for (size_t m = 0; m < n; m++)
                    rg[nr++] =
                        (pq_rng){.lo = vals[m], .hi = vals[m], .lo_in = true, .hi_in = true};
            } else if (expr_pq_range_cond(x, range, &op, &r1, &r2)) {
                pq_rng g = {0};
                switch (op) {
                case EXPR_KR_EQ:
                    g = (pq_rng){r1, r1, true, true, false};
                    break;
                case EXPR_KR_LT:
                    g = (pq_rng){NULL, r1, false, false, false};
                    break;
                case EXPR_KR_LE:
                    g = (pq_rng){NULL, r1, false, true, false};
                    break;
                case EXPR_KR_GT:
                    g = (pq_rng){r1, NULL, false, false, false};
                    break;
                case EXPR_KR_GE:
                    g = (pq_rng){r1, NULL, true, false, false};
                    break;
                case EXPR_KR_BETWEEN:
                    g = (pq_rng){r1, r2, true, true, false};
                    break;
                case EXPR_KR_BEGINS_WITH:
                    g = (pq_rng){r1, r1, true, true, true};
                    break;
                default:
                    return 0;
                }
                rg[nr++] = g;
            }
        }
        if (!nh)
            return 0; /* a branch without the partition key: a scan */
        if (!nr)
            rg[nr++] = (pq_rng){0};
        for (size_t h = 0; h < nh; h++)
            for (size_t g = 0; g < nr; g++) {
                if (ns == PQ_SUB_MAX) {
                    *reads = ns + 1;
                    return 0;
                }
                sub[ns++] = (pq_sub){hv[h], rg[g]};
            }
    }
    *reads = ns;
    for (size_t i = 0; i < ns; i++)
        for (size_t j = i + 1; j < ns; j++)
            if (av_compare_scalar(sub[i].h, sub[j].h) == 0 &&
                ranges_overlap(&sub[i].r, &sub[j].r)) {
                *overlap = true;
                return 0;
            }
    return 0;
}

/* ---- the filter an index SELECT's first read carries ---------------------------------- */

/* WHERE leaves in the order they are written, joined in O(1) (a rope): a leaf, or the
 * concatenation l then r. */
typedef struct pq_rope {
    const expr_node *leaf;
    const struct pq_rope *l, *r;
} pq_rope;

/* One read: a partition value and the leaves that filter it. */
typedef struct pq_kread {
    const av_t *v;
    const pq_rope *f;
} pq_kread;

/* What a part of the WHERE makes of the read: a filter (no partition key in it), reads by
 * partition value, a scan (a partition key the reads cannot serve), or too many reads to
 * list (refused as too many decomposed reads before this matters). */
typedef enum { PQ_X_FILTER, PQ_X_KEYED, PQ_X_SCAN, PQ_X_WIDE } pq_xkind;

typedef struct pq_xread {
    pq_xkind k;
    const pq_rope *f; /* PQ_X_FILTER */
    pq_kread *r;      /* PQ_X_KEYED: fresh array, owned by the caller */
    size_t n;
} pq_xread;

static const pq_rope *rope_cat(arena_t *a, const pq_rope *l, const pq_rope *r, bool *nm)
{
    if (!l || !r)
        return l ? l : r;
    pq_rope *c = arena_alloc(a, sizeof *c);
    if (!c) {
        *nm = true;
        return NULL;
    }
    *c = (pq_rope){NULL, l, r};
    return c;
}

/* A leaf of xreads: its own frame, so the IN values' array is not on every level of a long
 * AND chain's recursion. */
static __attribute__((noinline)) int xread_leaf(arena_t *a, const expr_node *x, const char *hash,
                                                pq_xread *out)
{
    pq_rope *leaf = arena_alloc(a, sizeof *leaf);
    if (!leaf)
        return ERR_NOMEM;
    *leaf = (pq_rope){x, NULL, NULL};
    const av_t *vals[EXPR_PQ_IN_MAX];
    size_t n;
    if (!expr_pq_key_eq(x, hash, true, vals, EXPR_PQ_IN_MAX, &n)) {
        *out = (pq_xread){PQ_X_FILTER, leaf, NULL, 0};
        return 0;
    }
    pq_kread *r = arena_alloc(a, (n ? n : 1) * sizeof *r);
    if (!r)
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        r[i] = (pq_kread){vals[i], leaf};
    *out = (pq_xread){PQ_X_KEYED, NULL, r, n};
    return 0;
}

/* Reads of x: a leaf is a filter unless it is the partition key by = or IN (a read per
 * value); AND adds a filter to every read and keeps the reads two sides agree on; OR joins
 * reads, and filters; a read OR a filter, or a scan anywhere, is a scan. */
static int xreads(arena_t *a, const expr_node *x, const char *hash, pq_xread *out)
{
    bool nm = false;
    if (x->t != EN_AND && x->t != EN_OR)
        return xread_leaf(a, x, hash, out);
    pq_xread l, r;
    int rc = xreads(a, x->u.kids.k[0], hash, &l);
    if (rc || (rc = xreads(a, x->u.kids.k[1], hash, &r)))
        return rc;
    if (l.k == PQ_X_WIDE || r.k == PQ_X_WIDE || l.k == PQ_X_SCAN || r.k == PQ_X_SCAN) {
        out->k = l.k == PQ_X_WIDE || r.k == PQ_X_WIDE ? PQ_X_WIDE : PQ_X_SCAN;
        return 0;
    }
    if (l.k == PQ_X_FILTER && r.k == PQ_X_FILTER) {
        *out = (pq_xread){PQ_X_FILTER, rope_cat(a, l.f, r.f, &nm), NULL, 0};
        return nm ? ERR_NOMEM : 0;
    }
    if (x->t == EN_OR) {
        if (l.k != r.k) { /* a read OR a filter: the statement is a scan */
            out->k = PQ_X_SCAN;
            return 0;
        }
        if (l.n + r.n > PQ_DNF_MAX) {
            out->k = PQ_X_WIDE;
            return 0;
        }
        pq_kread *v = arena_alloc(a, (l.n + r.n ? l.n + r.n : 1) * sizeof *v);
        if (!v)
            return ERR_NOMEM;
        memcpy(v, l.r, l.n * sizeof *v);
        memcpy(v + l.n, r.r, r.n * sizeof *v);
        *out = (pq_xread){PQ_X_KEYED, NULL, v, l.n + r.n};
        return 0;
    }
    if (l.k != r.k) { /* reads AND a filter: the filter joins every read, in text order */
        pq_xread *k = l.k == PQ_X_KEYED ? &l : &r;
        const pq_rope *f = l.k == PQ_X_FILTER ? l.f : r.f;
        for (size_t i = 0; i < k->n; i++)
            k->r[i].f = k == &l ? rope_cat(a, k->r[i].f, f, &nm) : rope_cat(a, f, k->r[i].f, &nm);
        *out = *k;
        return nm ? ERR_NOMEM : 0;
    }
    /* reads AND reads: the partitions both name ("k = 'y' AND k = 'z'" reads nothing) */
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = 0; j < r.n; j++)
            n += av_equal(l.r[i].v, r.r[j].v);
    if (n > PQ_DNF_MAX) {
        out->k = PQ_X_WIDE;
        return 0;
    }
    pq_kread *v = arena_alloc(a, (n ? n : 1) * sizeof *v);
    if (!v)
        return ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = 0; j < r.n; j++)
            if (av_equal(l.r[i].v, r.r[j].v))
                v[k++] = (pq_kread){l.r[i].v, rope_cat(a, l.r[i].f, r.r[j].f, &nm)};
    *out = (pq_xread){PQ_X_KEYED, NULL, v, n};
    return nm ? ERR_NOMEM : 0;
}

/* Java's String.hashCode over the UTF-16 code units of UTF-8 text, then HashMap's spread
 * (h ^ h >>> 16): where a Java HashMap / HashSet files the string. */
static uint32_t java_spread(const char *s, size_t len)
{
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp = p[i];
        size_t k = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
        if (i + k > len)
            k = 1;
        if (k > 1) {
            cp &= 0x3Fu >> (k - 1);
            for (size_t j = 1; j < k; j++)
                cp = (cp << 6) | (p[i + j] & 0x3Fu);
        }
        i += k;
        if (cp >= 0x10000) {
            h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
            h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return h ^ (h >> 16);
}

/* A Java HashMap's table size for n entries put one by one (16, doubled past 3/4 full). */
static uint32_t java_table(size_t n)
{
    uint32_t cap = 16;
    while (n > (size_t)cap / 4 * 3)
        cap *= 2;
    return cap;
}

/* Reorders keys[0..n) (with hashes) into a Java HashMap's iteration order for them put in
 * that order: by bucket, a bucket in insertion order (a stable insertion sort; n is small).
 * Bins of nine or more, which Java rearranges, are not modelled. */
static void java_order(size_t n, uint32_t *hash, void **keys)
{
    uint32_t mask = java_table(n) - 1;
    for (size_t i = 1; i < n; i++) {
        uint32_t h = hash[i];
        void *k = keys[i];
        size_t j = i;
        for (; j > 0 && (hash[j - 1] & mask) > (h & mask); j--) {
            hash[j] = hash[j - 1];
            keys[j] = keys[j - 1];
        }
        hash[j] = h;
        keys[j] = k;
    }
}

/* The top-level names of a rope's leaves that held() refuses, in order, onto v (each once);
 * with v NULL only whether there is one (*n 1) is found, stopping at the first. */
static int rope_unheld(arena_t *a, const pq_rope *f,
                       bool (*held)(void *ctx, const char *name, size_t len), void *ctx,
                       expr_name **v, size_t *n, size_t *cap)
{
    while (f) {
        if (!f->leaf) {
            int rc = rope_unheld(a, f->l, held, ctx, v, n, cap);
            if (rc || (!v && *n))
                return rc;
            f = f->r;
            continue;
        }
        expr_t one = {.kind = EXPR_CONDITION, .resolved = true, .root = (expr_node *)f->leaf};
        expr_name *got;
        size_t ng;
        err_t e;
        err_clear(&e);
        if (expr_top_names(a, &one, &got, &ng, &e))
            return ERR_NOMEM;
        for (size_t i = 0; i < ng; i++) {
            if (held(ctx, got[i].ptr, got[i].len))
                continue;
            if (!v) {
                *n = 1;
                return 0;
            }
            bool seen = false;
            for (size_t j = 0; j < *n && !seen; j++)
                seen =
                    (*v)[j].len == got[i].len && memcmp((*v)[j].ptr, got[i].ptr, got[i].len) == 0;
            if (seen)
                continue;
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 8;
                expr_name *w = arena_grow(a, *v, *n, nc, sizeof *w);
                if (!w)
                    return ERR_NOMEM;
                *v = w;
                *cap = nc;
            }
            (*v)[(*n)++] = got[i];
        }
        return 0;
    }
    return 0;
}

int expr_pq_index_filter(arena_t *a, const expr_t *where, const char *hash,
                         bool (*held)(void *ctx, const char *name, size_t len), void *ctx,
                         expr_name **missing, size_t *nmissing)
{
    *missing = NULL;
    *nmissing = 0;
    if (!where || !where->root)
        return 0;
    pq_xread x;
    int rc = xreads(a, where->root, hash, &x);
    if (rc)
        return rc;
    if (x.k != PQ_X_KEYED || x.n == 0)
        return 0;
    /* the reads in key order (as written among equal values) */
    for (size_t i = 1; i < x.n; i++) {
        pq_kread k = x.r[i];
        size_t j = i;
        for (; j > 0 && av_compare_scalar(x.r[j - 1].v, k.v) > 0; j--)
            x.r[j] = x.r[j - 1];
        x.r[j] = k;
    }
    /* a read the index serves: no refusal */
    for (size_t i = 0; i < x.n; i++) {
        size_t found = 0;
        if ((rc = rope_unheld(a, x.r[i].f, held, ctx, NULL, &found, NULL)))
            return rc;
        if (!found)
            return 0;
    }
    /* the last read's names, in a HashSet's order */
    expr_name *names = NULL;
    size_t nn = 0, cap = 0;
    if ((rc = rope_unheld(a, x.r[x.n - 1].f, held, ctx, &names, &nn, &cap)))
        return rc;
    void **keys = arena_alloc(a, nn * sizeof *keys);
    uint32_t *hs = arena_alloc(a, nn * sizeof *hs);
    expr_name *m = arena_alloc(a, nn * sizeof *m);
    if (!keys || !hs || !m)
        return ERR_NOMEM;
    for (size_t i = 0; i < nn; i++) {
        hs[i] = java_spread(names[i].ptr, names[i].len);
        keys[i] = &names[i];
    }
    java_order(nn, hs, keys);
    for (size_t i = 0; i < nn; i++)
        m[i] = *(const expr_name *)keys[i];
    *missing = m;
    *nmissing = nn;
    return 0;
}

int expr_pq_without(arena_t *a, const expr_node *const *conj, size_t n, const bool *skip,
                    expr_node **out, err_t *e)
{
    *out = NULL;
    expr_node *root = NULL;
    for (size_t i = 0; i < n; i++) {
        if (skip[i])
            continue;
        expr_node *c = (expr_node *)conj[i];
        if (!root) {
            root = c;
            continue;
        }
        expr_node *x = expr_node_new(a, EN_AND, 0, 2);
        if (!x)
            return err_set(e, ERR_NOMEM, "out of memory");
        x->u.kids.k[0] = root;
        x->u.kids.k[1] = c;
        root = x;
    }
    *out = root;
    return 0;
}

/* The single path `el[from..n)` projected onto v (DynamoDB's shape: maps keep the named
 * member, lists keep the indexed element).  false when v lacks it. */
static bool project_rest(arena_t *a, const av_t *v, const expr_pel *el, size_t n, av_t *out,
                         bool *nomem)
{
    if (n == 0) {
        *out = *v;
        return true;
    }
    av_t inner;
    if (el[0].is_index) {
        if (v->type != AV_L || el[0].index >= v->u.list.n)
            return false;
        if (!project_rest(a, &v->u.list.items[el[0].index], el + 1, n - 1, &inner, nomem))
            return false;
        av_t *one = arena_alloc(a, sizeof *one);
        if (!one) {
            *nomem = true;
            return false;
        }
        *one = inner;
        *out = av_make_list(AV_L, one, 1);
        return true;
    }
    if (v->type != AV_M)
        return false;
    const av_t *m = av_map_get(v, el[0].name, el[0].len);
    if (!m || !project_rest(a, m, el + 1, n - 1, &inner, nomem))
        return false;
    av_kv *kv = arena_alloc(a, sizeof *kv);
    if (!kv) {
        *nomem = true;
        return false;
    }
    kv->name = el[0].name;
    kv->name_len = el[0].len;
    kv->val = inner;
    *out = av_make_m(kv, 1);
    return true;
}

int expr_pq_project(arena_t *a, const expr_t *proj, const av_t *item, av_t *out, err_t *e)
{
    av_kv *kv = arena_alloc(a, (proj->npaths ? proj->npaths : 1) * sizeof *kv);
    if (!kv)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t n = 0;
    bool nm = false;
    for (size_t i = 0; i < proj->npaths; i++) {
        const expr_node *path = proj->paths[i];
        const expr_pel *el = path->u.path.el;
        size_t np = path->u.path.n;
        const av_t *cur = item;
        size_t name_at = 0;   /* the last name step */
        size_t key_end = 1;   /* steps [name_at, key_end) name the result */
        av_t val;
        bool have = true, stopped = false;
        for (size_t k = 0; k < np && have; k++) {
            if (!el[k].is_index) {
                cur = cur && cur->type == AV_M ? av_map_get(cur, el[k].name, el[k].len) : NULL;
                name_at = k;
                key_end = k + 1;
                have = cur != NULL;
                continue;
            }
            if (!cur || cur->type != AV_L || el[k].index >= cur->u.list.n) {
                have = false;
                break;
            }
            key_end = k + 1;
            if (el[k].index == 0) {
                cur = &cur->u.list.items[0];
                continue;
            }
            /* a later element: DynamoDB stops here and projects the rest onto it */
            have = project_rest(a, &cur->u.list.items[el[k].index], el + k + 1, np - k - 1, &val,
                                &nm);
            stopped = true;
            break;
        }
        if (nm)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (!have)
            continue;
        if (!stopped)
            val = *cur;
        /* the result's name: the last name step and the indexes after it */
        size_t cap = el[name_at].len + 1;
        for (size_t k = name_at + 1; k < key_end; k++)
            cap += 12;
        char *name = arena_alloc(a, cap);
        if (!name)
            return err_set(e, ERR_NOMEM, "out of memory");
        memcpy(name, el[name_at].name, el[name_at].len);
        size_t len = el[name_at].len;
        for (size_t k = name_at + 1; k < key_end; k++)
            len += (size_t)snprintf(name + len, cap - len, "[%u]", el[k].index);
        kv[n].name = name;
        kv[n].name_len = len;
        kv[n].val = val;
        n++;
    }
    *out = av_make_m(kv, n);
    return 0;
}
