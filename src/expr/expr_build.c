/*
 * expr_build — ASTs for the legacy parameters (Expected, QueryFilter, ScanFilter,
 * KeyConditions, AttributeUpdates, AttributesToGet).  Layer: expr.
 *
 * The api layer parses the JSON; these builders check argument counts and types with
 * DynamoDB's legacy texts and produce trees that are already resolved (no placeholders), so
 * expr_eval / expr_keycond_extract / expr_update_apply / expr_project take them as they are.
 * Legacy semantics that differ from expressions: NOT_CONTAINS is false on a missing
 * attribute; ADD appends to lists; type mismatches say "Type mismatch for attribute to
 * update" (tests/golden/expr/legacy.json).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html
 */
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"

static const char *const cmp_names[] = {
    "EQ",   "NE",       "LE",           "LT",          "GE", "GT",     "NOT_NULL",
    "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"};

int expr_cmp_from_name(const char *s, size_t len, expr_cmp *out)
{
    for (size_t i = 0; i < sizeof cmp_names / sizeof cmp_names[0]; i++)
        if (strlen(cmp_names[i]) == len && memcmp(cmp_names[i], s, len) == 0) {
            *out = (expr_cmp)i;
            return 0;
        }
    return ERR_VALIDATION;
}

expr_node *expr_build_path_from_name(arena_t *a, const char *name, size_t len)
{
    expr_node *x = expr_node_new(a, EN_PATH, 0, 0);
    if (!x)
        return NULL;
    x->u.path.el = arena_zalloc(a, sizeof *x->u.path.el);
    if (!x->u.path.el)
        return NULL;
    x->u.path.el[0].name = name;
    x->u.path.el[0].len = len;
    x->u.path.n = 1;
    return x;
}

static expr_node *val_node(arena_t *a, const av_t *v)
{
    expr_node *x = expr_node_new(a, EN_VALUE, 0, 0);
    if (x)
        x->u.val.v = v;
    return x;
}

static bool scalar(av_type t)
{
    return t == AV_S || t == AV_N || t == AV_B;
}

static int val_node_cmp(const void *pa, const void *pb)
{
    bool ok;
    return expr_cmp_values((*(const expr_node *const *)pa)->u.val.v,
                           (*(const expr_node *const *)pb)->u.val.v, &ok);
}

int expr_build_compare(arena_t *a, expr_node *path, expr_cmp op, const av_t *values, size_t nvalues,
                       expr_node **out, err_t *e)
{
    static const char pre[] = "One or more parameter values were invalid: ";
    *out = NULL;
    size_t want_min = 1, want_max = 1;
    if (op == EXPR_CMP_NULL || op == EXPR_CMP_NOT_NULL)
        want_min = want_max = 0;
    else if (op == EXPR_CMP_BETWEEN)
        want_min = want_max = 2;
    else if (op == EXPR_CMP_IN)
        want_max = (size_t)-1;
    if (nvalues < want_min || nvalues > want_max)
        return err_set(e, ERR_VALIDATION,
                       "%sInvalid number of argument(s) for the %s ComparisonOperator", pre,
                       cmp_names[op]);
    for (size_t i = 0; i < nvalues; i++) {
        av_type t = values[i].type;
        bool ok = true;
        switch (op) {
        case EXPR_CMP_LE:
        case EXPR_CMP_LT:
        case EXPR_CMP_GE:
        case EXPR_CMP_GT:
        case EXPR_CMP_IN:
        case EXPR_CMP_BETWEEN:
            ok = scalar(t);
            break;
        case EXPR_CMP_BEGINS_WITH:
            ok = t == AV_S || t == AV_B;
            break;
        case EXPR_CMP_CONTAINS:
        case EXPR_CMP_NOT_CONTAINS:
            ok = t != AV_M && t != AV_L && t != AV_SS && t != AV_NS && t != AV_BS;
            break;
        default:
            break;
        }
        if (!ok)
            return err_set(e, ERR_VALIDATION,
                           "%sComparisonOperator %s is not valid for %s AttributeValue type", pre,
                           cmp_names[op], av_type_name(t));
    }
    if (op == EXPR_CMP_IN || op == EXPR_CMP_BETWEEN)
        for (size_t i = 1; i < nvalues; i++)
            if (values[i].type != values[0].type)
                return err_set(e, ERR_VALIDATION,
                               "%sAttributeValues inside AttributeValueList must be of same type",
                               pre);
    if (op == EXPR_CMP_BETWEEN) {
        bool ok;
        if (expr_cmp_values(&values[0], &values[1], &ok) > 0 && ok)
            return err_set(e, ERR_VALIDATION,
                           "The BETWEEN condition was provided a range where the lower bound is "
                           "greater than the upper bound");
    }
    expr_node *x = NULL;
    switch (op) {
    case EXPR_CMP_EQ:
    case EXPR_CMP_NE:
    case EXPR_CMP_LE:
    case EXPR_CMP_LT:
    case EXPR_CMP_GE:
    case EXPR_CMP_GT: {
        static const int ops[] = {EOP_EQ, EOP_NE, EOP_LE, EOP_LT, EOP_GE, EOP_GT};
        x = expr_node_new(a, EN_CMP, ops[op], 2);
        if (!x || !(x->u.kids.k[1] = val_node(a, &values[0])))
            goto nomem;
        x->u.kids.k[0] = path;
        break;
    }
    case EXPR_CMP_NOT_NULL:
    case EXPR_CMP_NULL:
        x = expr_node_new(a, EN_FUNC,
                          op == EXPR_CMP_NULL ? EF_ATTRIBUTE_NOT_EXISTS : EF_ATTRIBUTE_EXISTS, 1);
        if (!x)
            goto nomem;
        x->u.kids.k[0] = path;
        break;
    case EXPR_CMP_CONTAINS:
    case EXPR_CMP_NOT_CONTAINS:
    case EXPR_CMP_BEGINS_WITH:
        x = expr_node_new(a, EN_FUNC,
                          op == EXPR_CMP_CONTAINS       ? EF_CONTAINS
                          : op == EXPR_CMP_NOT_CONTAINS ? EF_LEGACY_NOT_CONTAINS
                                                        : EF_BEGINS_WITH,
                          2);
        if (!x || !(x->u.kids.k[1] = val_node(a, &values[0])))
            goto nomem;
        x->u.kids.k[0] = path;
        break;
    case EXPR_CMP_IN:
        x = expr_node_new(a, EN_IN, 0, nvalues + 1);
        if (!x)
            goto nomem;
        x->u.kids.k[0] = path;
        for (size_t i = 0; i < nvalues; i++)
            if (!(x->u.kids.k[i + 1] = val_node(a, &values[i])))
                goto nomem;
        if (nvalues > EXPR_IN_SCAN) {
            /* one type (checked above): sorted, each item's value is found by bisection
             * (a scan of 400,000 values per item cost 7.5 s over 5,000 items; atg12) */
            qsort(x->u.kids.k + 1, nvalues, sizeof *x->u.kids.k, val_node_cmp);
            x->op = EXPR_IN_SORTED;
        }
        break;
    case EXPR_CMP_BETWEEN:
        x = expr_node_new(a, EN_BETWEEN, 0, 3);
        if (!x || !(x->u.kids.k[1] = val_node(a, &values[0])) ||
            !(x->u.kids.k[2] = val_node(a, &values[1])))
            goto nomem;
        x->u.kids.k[0] = path;
        break;
    }
    *out = x;
    return 0;
nomem:
    return err_set(e, ERR_NOMEM, "out of memory");
}

int expr_build_exists(arena_t *a, expr_node *path, bool exists, const av_t *value, expr_node **out,
                      err_t *e)
{
    *out = NULL;
    if (value)
        return expr_build_compare(a, path, EXPR_CMP_EQ, value, 1, out, e);
    expr_node *x =
        expr_node_new(a, EN_FUNC, exists ? EF_ATTRIBUTE_EXISTS : EF_ATTRIBUTE_NOT_EXISTS, 1);
    if (!x)
        return err_set(e, ERR_NOMEM, "out of memory");
    x->u.kids.k[0] = path;
    *out = x;
    return 0;
}

static expr_node *join(arena_t *a, expr_ntype t, expr_node *l, expr_node *r)
{
    if (!l)
        return r;
    if (!r)
        return l;
    expr_node *x = expr_node_new(a, t, 0, 2);
    if (!x)
        return NULL;
    x->u.kids.k[0] = l;
    x->u.kids.k[1] = r;
    return x;
}

expr_node *expr_build_and(arena_t *a, expr_node *l, expr_node *r)
{
    return join(a, EN_AND, l, r);
}
expr_node *expr_build_or(arena_t *a, expr_node *l, expr_node *r)
{
    return join(a, EN_OR, l, r);
}

static expr_node *all(arena_t *a, expr_ntype t, expr_node *const *v, size_t n)
{
    if (n == 1)
        return v[0];
    size_t h = n - n / 2; /* the left half the bigger: 3 nodes are ((x y) z), as a chain */
    expr_node *l = all(a, t, v, h);
    expr_node *r = l ? all(a, t, v + h, n - h) : NULL;
    return r ? join(a, t, l, r) : NULL;
}

expr_node *expr_build_all(arena_t *a, bool is_or, expr_node *const *nodes, size_t n)
{
    return n ? all(a, is_or ? EN_OR : EN_AND, nodes, n) : NULL;
}

int expr_build_condition(arena_t *a, expr_kind kind, expr_node *root, expr_t **out, err_t *e)
{
    expr_t *x = arena_zalloc(a, sizeof *x);
    if (!x)
        return err_set(e, ERR_NOMEM, "out of memory");
    x->kind = kind;
    x->resolved = true;
    x->legacy = true;
    x->root = root;
    *out = x;
    return 0;
}

typedef struct named {
    const expr_name *n;
    size_t pos;
} named;

static int named_cmp(const void *pa, const void *pb)
{
    const named *x = pa, *y = pb;
    int c = expr_name_cmp(x->n->ptr, x->n->len, y->n->ptr, y->n->len);
    return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

int expr_names_repeats(arena_t *a, const expr_name *names, size_t n, bool **out_rep, err_t *e)
{
    *out_rep = NULL;
    bool *rep = arena_zalloc(a, (n ? n : 1) * sizeof *rep);
    named *v = arena_alloc(a, (n ? n : 1) * sizeof *v);
    if (!rep || !v)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = (named){&names[i], i};
    if (n > 1)
        qsort(v, n, sizeof *v, named_cmp);
    /* equal names are together, the earliest first: the others repeat it */
    for (size_t i = 1; i < n; i++)
        if (expr_name_cmp(v[i - 1].n->ptr, v[i - 1].n->len, v[i].n->ptr, v[i].n->len) == 0)
            rep[v[i].pos] = true;
    *out_rep = rep;
    return 0;
}

int expr_build_projection(arena_t *a, const expr_name *names, size_t n, expr_t **out, err_t *e)
{
    expr_t *x = arena_zalloc(a, sizeof *x);
    expr_node **paths = arena_alloc(a, (n ? n : 1) * sizeof *paths);
    if (!x || !paths)
        return err_set(e, ERR_NOMEM, "out of memory");
    bool *rep;
    int rc = expr_names_repeats(a, names, n, &rep, e);
    if (rc < 0)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (rep[i])
            continue;
        if (!(paths[k++] = expr_build_path_from_name(a, names[i].ptr, names[i].len)))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    x->kind = EXPR_PROJECTION;
    x->resolved = true;
    x->legacy = true;
    x->paths = paths;
    x->npaths = k;
    *out = x;
    return 0;
}

/* The type an AttributeUpdates value of the wrong kind is named by: its descriptor ("S",
 * "BOOL", "SS"), as the service names it (dynalite's AWS-recorded updateItem tests, Dynoxide's
 * AttributeUpdates checks; the service's UpdateExpression operand errors say "BOOL" too);
 * DynamoDB Local spells the type out ("STRING", "BOOLEAN": tests/e2e/test_items.py
 * test_attribute_updates_wrong_type_named_by_descriptor). */
static const char *legacy_type(av_type t)
{
    return av_type_name(t);
}

int expr_build_update(arena_t *a, expr_t **upd, const char *name, size_t len, expr_action action,
                      const av_t *value, err_t *e)
{
    static const char pre[] = "One or more parameter values were invalid: ";
    if (!value && action != EXPR_ACT_DELETE)
        return err_set(e, ERR_VALIDATION,
                       "%sOnly DELETE action is allowed when no attribute value is specified", pre);
    if (value && action == EXPR_ACT_ADD &&
        !(value->type == AV_N || value->type == AV_L || value->type == AV_SS ||
          value->type == AV_NS || value->type == AV_BS))
        return err_set(e, ERR_VALIDATION, "%sADD action is not supported for the type %s", pre,
                       legacy_type(value->type));
    if (value && action == EXPR_ACT_DELETE &&
        !(value->type == AV_SS || value->type == AV_NS || value->type == AV_BS))
        return err_set(e, ERR_VALIDATION,
                       "%sDELETE action with value is not supported for the type %s", pre,
                       legacy_type(value->type));
    expr_t *x = *upd;
    if (!x) {
        x = arena_zalloc(a, sizeof *x);
        if (!x)
            return err_set(e, ERR_NOMEM, "out of memory");
        x->kind = EXPR_UPDATE;
        x->resolved = true;
        x->legacy = true;
        *upd = x;
    }
    if (x->nacts == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 8;
        expr_uact *v = arena_grow(a, x->acts, x->nacts, nc, sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        x->acts = v;
        x->cap = nc;
    }
    expr_uact u = {.legacy = true};
    u.path = expr_build_path_from_name(a, name, len);
    if (!u.path)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (value && !(u.val = val_node(a, value)))
        return err_set(e, ERR_NOMEM, "out of memory");
    u.op = action == EXPR_ACT_PUT ? EU_SET : action == EXPR_ACT_ADD ? EU_ADD : EU_DELETE;
    x->acts[x->nacts++] = u;
    return 0;
}
