/*
 * expr_eval — evaluates a resolved condition / filter against an item.  Layer: expr.
 *
 * DynamoDB's rules (each pinned by tests/golden/expr/condition.json):
 *   - an operand is a path (missing when the item lacks it), a value, or size(x);
 *   - "=" is false when either side is missing or the types differ; "<>" is its negation
 *     (so a missing attribute is <> anything);
 *   - "<" "<=" ">" ">=" and BETWEEN compare N numerically, S and B bytewise; false otherwise;
 *   - size(): S = UTF-16 code units (Java's String.length), B = bytes, sets / L / M = members;
 *     other types (or missing) make size() missing;
 *   - contains(path, v): S substring, B subsequence of bytes, set membership, list element;
 *   - begins_with(path, v): S or B prefix.
 * Evaluation never fails on item data.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 */
#include <stdio.h>
#include <string.h>

#include "expr/expr_int.h"

typedef struct scratch {
    av_t v;
    char buf[24];
} scratch;

/* UTF-16 code units of UTF-8 text (4-byte sequences count twice). */
static size_t utf16_len(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80)
            continue;
        k += c >= 0xF0 ? 2 : 1;
    }
    return k;
}

static bool eval(const expr_node *x, const av_t *item);

/* A node that is a condition (true or false), not a value. */
static bool is_condition(const expr_node *x)
{
    switch (x->t) {
    case EN_AND:
    case EN_OR:
    case EN_NOT:
    case EN_CMP:
    case EN_BETWEEN:
    case EN_IN:
        return true;
    case EN_FUNC:
        return x->op != EF_SIZE && x->op != EF_LIST_APPEND && x->op != EF_IF_NOT_EXISTS;
    default:
        return false;
    }
}

static const av_t *operand(const expr_node *x, const av_t *item, scratch *sc)
{
    /* a condition as an operand is its truth, a BOOL (PartiQL: "attribute_exists(a) = b",
     * "(n > 1) = false"; expressions have no such operand) */
    if (is_condition(x)) {
        sc->v = av_make_bool(eval(x, item));
        return &sc->v;
    }
    switch (x->t) {
    case EN_PATH:
        return expr_path_get(item, x);
    case EN_VALUE:
        return x->u.val.v;
    case EN_FUNC:
        if (x->op == EF_SIZE && x->u.kids.n == 1) {
            scratch inner;
            const av_t *v = operand(x->u.kids.k[0], item, &inner);
            if (!v)
                return NULL;
            size_t n;
            switch (v->type) {
            case AV_S:
                n = utf16_len(v->u.str.ptr, v->u.str.len);
                break;
            case AV_B:
                n = v->u.str.len;
                break;
            case AV_SS:
            case AV_NS:
            case AV_BS:
            case AV_L:
                n = v->u.list.n;
                break;
            case AV_M:
                n = v->u.map.n;
                break;
            default:
                return NULL;
            }
            int w = snprintf(sc->buf, sizeof sc->buf, "%zu", n);
            sc->v = av_make_n_canonical(sc->buf, (size_t)w);
            return &sc->v;
        }
        return NULL;
    default:
        return NULL;
    }
}

static bool mem_contains(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return true;
    if (nn > hn)
        return false;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, n, nn) == 0)
            return true;
    return false;
}

/* expr_sorted_has's views: the i-th member of a set's items, the i-th value node's value */
static const av_t *item_at(const void *base, size_t i)
{
    return &((const av_t *)base)[i];
}

static const av_t *value_at(const void *base, size_t i)
{
    return ((const expr_node *const *)base)[i]->u.val.v;
}

/* sorted: h's members are in expr_cmp_values order (a constant haystack, expr_resolve) */
static bool contains(const av_t *h, const av_t *v, bool sorted)
{
    if (!h || !v)
        return false;
    switch (h->type) {
    case AV_S:
    case AV_B:
        return v->type == h->type &&
               mem_contains(h->u.str.ptr, h->u.str.len, v->u.str.ptr, v->u.str.len);
    case AV_SS:
    case AV_NS:
    case AV_BS:
        if ((h->type == AV_SS && v->type != AV_S) || (h->type == AV_NS && v->type != AV_N) ||
            (h->type == AV_BS && v->type != AV_B))
            return false;
        if (sorted)
            return expr_sorted_has(h->u.list.items, h->u.list.n, item_at, v);
        /* fallthrough */
    case AV_L:
        for (size_t i = 0; i < h->u.list.n; i++)
            if (expr_values_equal(&h->u.list.items[i], v))
                return true;
        return false;
    default:
        return false;
    }
}

static bool ordered(const av_t *a, const av_t *b, int op)
{
    bool ok;
    int c = expr_cmp_values(a, b, &ok);
    if (!ok)
        return false;
    switch (op) {
    case EOP_LT:
        return c < 0;
    case EOP_LE:
        return c <= 0;
    case EOP_GT:
        return c > 0;
    case EOP_GE:
        return c >= 0;
    default:
        return false;
    }
}

static bool eval(const expr_node *x, const av_t *item)
{
    scratch s0, s1, s2;
    switch (x->t) {
    case EN_AND:
        return eval(x->u.kids.k[0], item) && eval(x->u.kids.k[1], item);
    case EN_OR:
        return eval(x->u.kids.k[0], item) || eval(x->u.kids.k[1], item);
    case EN_NOT:
        return !eval(x->u.kids.k[0], item);
    case EN_CMP: {
        const av_t *a = operand(x->u.kids.k[0], item, &s0);
        const av_t *b = operand(x->u.kids.k[1], item, &s1);
        if (x->op == EOP_EQ)
            return expr_values_equal(a, b);
        if (x->op == EOP_NE)
            return !expr_values_equal(a, b);
        return ordered(a, b, x->op);
    }
    case EN_BETWEEN: {
        const av_t *a = operand(x->u.kids.k[0], item, &s0);
        const av_t *lo = operand(x->u.kids.k[1], item, &s1);
        const av_t *hi = operand(x->u.kids.k[2], item, &s2);
        return ordered(a, lo, EOP_GE) && ordered(a, hi, EOP_LE);
    }
    case EN_IN: {
        const av_t *a = operand(x->u.kids.k[0], item, &s0);
        if (!a)
            return false;
        if (x->op == EXPR_IN_SORTED)
            return expr_sorted_has(x->u.kids.k + 1, x->u.kids.n - 1, value_at, a);
        for (size_t i = 1; i < x->u.kids.n; i++)
            if (expr_values_equal(a, operand(x->u.kids.k[i], item, &s1)))
                return true;
        return false;
    }
    case EN_FUNC: {
        const expr_node *const *k = (const expr_node *const *)x->u.kids.k;
        switch (x->op) {
        case EF_ATTRIBUTE_EXISTS:
            return operand(k[0], item, &s0) != NULL;
        case EF_ATTRIBUTE_NOT_EXISTS:
            return operand(k[0], item, &s0) == NULL;
        case EF_ATTRIBUTE_TYPE: {
            const av_t *a = operand(k[0], item, &s0);
            const av_t *t = operand(k[1], item, &s1);
            if (!a || !t || t->type != AV_S)
                return false;
            return av_type_from_name(t->u.str.ptr, t->u.str.len) == a->type;
        }
        case EF_BEGINS_WITH: {
            const av_t *a = operand(k[0], item, &s0);
            const av_t *p = operand(k[1], item, &s1);
            if (!a || !p || a->type != p->type || (a->type != AV_S && a->type != AV_B))
                return false;
            return p->u.str.len <= a->u.str.len &&
                   (p->u.str.len == 0 || memcmp(a->u.str.ptr, p->u.str.ptr, p->u.str.len) == 0);
        }
        case EF_CONTAINS:
            return contains(operand(k[0], item, &s0), operand(k[1], item, &s1),
                            k[0]->t == EN_VALUE && k[0]->sorted);
        case EF_LEGACY_NOT_CONTAINS: {
            const av_t *a = operand(k[0], item, &s0);
            return a && !contains(a, operand(k[1], item, &s1), false);
        }
        default:
            return false;
        }
    }
    default:
        return false;
    }
}

int expr_eval(const expr_t *cond, const av_t *item, bool *out_true, err_t *e)
{
    *out_true = false;
    if (!cond->resolved)
        return err_set(e, ERR_VALIDATION, "internal: expression evaluated before resolve");
    if (cond->kind == EXPR_UPDATE || cond->kind == EXPR_PROJECTION)
        return err_set(e, ERR_VALIDATION, "internal: not a condition expression");
    *out_true = cond->root ? eval(cond->root, item) : true;
    return 0;
}
