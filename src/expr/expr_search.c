/*
 * expr_search — the shape rules of SearchVectors' SearchConditionExpression.  Layer: expr.
 *
 * A SearchConditionExpression is a condition over the attributes of a vector index's
 * SearchSchema.  The service takes only equality today: AWS answers "Invalid comparator used
 * in SearchConditionExpression" for any other comparator on either element kind (the
 * conformance suite's characterisation, tests/tier3/error-messages/searchVectors, which the
 * Developer Guide's troubleshooting table agrees with: comparison, range and set-membership
 * operators are "not yet available"), and "Invalid operator used in SearchConditionExpression"
 * for BETWEEN and IN (a third-party measurement of AWS, 2026-08-21, recorded in review10's
 * notes F10), and for OR and NOT too: ScyllaDB's Alternator suite, whose vector tests run
 * against AWS (test/alternator/test_vector.py, 2026-09, test_searchconditionexpression_
 * rejects_or / _rejects_not), finds both refused with the invalid-operator error, and that
 * error ahead of the check that each attribute is in the SearchSchema; the Developer Guide's
 * troubleshooting table allows only equality ("Comparison, range, and set-membership
 * operators are not yet available").  The words for OR and NOT are BETWEEN's and IN's
 * (inferred: that suite matches "invalid" only).  So =, AND and parentheses pass, and <>, <,
 * <=, >, >=, BETWEEN, IN, OR, NOT and every function do not; a combinator is met before its
 * operands.  (The Developer Guide's SearchConditionExpression reference, whose body no
 * source here holds, speaks of a "Boolean combination of conditions" with an example
 * "combining IN, BETWEEN, and OR": if AWS widens the grammar so, OR, IN and BETWEEN change
 * together.)  An equality compares an attribute with a value: the Developer
 * Guide's reference gives a condition the form `#name operator :value` (an attribute, by name
 * or alias, against a value placeholder), so `size(a) = :v`, `:v = :v` and `a = b` are refused
 * with the comparator text (inferred: no capture; the AWS-checked emulator Dynoxide refuses
 * them the same way); the sides' order is free, as Dynoxide takes it.  The HASH element must
 * be fixed by an equality that the whole condition needs (a conjunct at the top).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/VectorSearchFilterReference.html
 */
#include "expr/expr_int.h"

#include <string.h>

/* The first refused construct of n, a combinator before its operands, then left to right: 0
 * none, 1 a comparator other than = (or an equality not between an attribute and a value, a
 * function's included), 2 BETWEEN, IN, OR or NOT (an operator), 4 an equality on a nested
 * attribute (a.b, a[0]). */
static int refused(const expr_node *n)
{
    if (!n)
        return 0;
    switch (n->t) {
    case EN_PATH:
    case EN_VALUE:
        return 0;
    case EN_CMP: {
        if (n->op != EOP_EQ || n->u.kids.n != 2)
            return 1;
        const expr_node *a = n->u.kids.k[0], *b = n->u.kids.k[1];
        if (!((a->t == EN_PATH && b->t == EN_VALUE) || (a->t == EN_VALUE && b->t == EN_PATH)))
            return 1;
        const expr_node *p = a->t == EN_PATH ? a : b;
        return p->u.path.n != 1 || p->u.path.el[0].is_index ? 4 : 0; /* a nested attribute */
    }
    case EN_BETWEEN:
    case EN_IN:
    case EN_OR:
    case EN_NOT:
        return 2;
    case EN_AND:
        for (size_t i = 0; i < n->u.kids.n; i++) {
            int r = refused(n->u.kids.k[i]);
            if (r)
                return r;
        }
        return 0;
    default:
        return 1;
    }
}

/* The top-level conjuncts' equalities (through nested ANDs): whether two name one attribute. */
static bool dup_conjuncts(const expr_node *n, const expr_node **seen, size_t *ns, size_t max)
{
    if (n->t == EN_AND) {
        for (size_t i = 0; i < n->u.kids.n; i++)
            if (dup_conjuncts(n->u.kids.k[i], seen, ns, max))
                return true;
        return false;
    }
    if (n->t != EN_CMP || n->u.kids.n != 2)
        return false;
    const expr_node *p = n->u.kids.k[0]->t == EN_PATH ? n->u.kids.k[0] : n->u.kids.k[1];
    if (p->t != EN_PATH || p->u.path.n < 1)
        return false;
    const expr_pel *e = &p->u.path.el[0];
    for (size_t i = 0; i < *ns; i++) {
        const expr_pel *o = &seen[i]->u.path.el[0];
        if (o->len == e->len && !memcmp(o->name, e->name, e->len))
            return true;
    }
    if (*ns < max)
        seen[(*ns)++] = p;
    return false;
}

int expr_search_refused(const expr_t *cond)
{
    if (!cond)
        return 0;
    int r = refused(cond->root);
    if (r)
        return r;
    /* one condition per attribute among the conjuncts (AWS 2026-08-19, as Dynoxide records
     * it: "tenant = :a AND tenant = :b") */
    const expr_node *seen[64];
    size_t ns = 0;
    return dup_conjuncts(cond->root, seen, &ns, 64) ? 3 : 0;
}

static bool is_top(const expr_node *p, const char *name, size_t len)
{
    return p && p->t == EN_PATH && p->u.path.n == 1 && !p->u.path.el[0].is_index &&
           p->u.path.el[0].len == len && memcmp(p->u.path.el[0].name, name, len) == 0;
}

static const av_t *top_eq(const expr_node *n, const char *name, size_t len)
{
    if (!n)
        return NULL;
    if (n->t == EN_AND) {
        for (size_t i = 0; i < n->u.kids.n; i++) {
            const av_t *v = top_eq(n->u.kids.k[i], name, len);
            if (v)
                return v;
        }
        return NULL;
    }
    if (n->t != EN_CMP || n->op != EOP_EQ || n->u.kids.n != 2)
        return NULL;
    const expr_node *a = n->u.kids.k[0], *b = n->u.kids.k[1];
    if (is_top(a, name, len) && b->t == EN_VALUE)
        return b->u.val.v;
    if (is_top(b, name, len) && a->t == EN_VALUE)
        return a->u.val.v;
    return NULL;
}

const av_t *expr_search_top_eq(const expr_t *cond, const char *name, size_t len)
{
    return cond ? top_eq(cond->root, name, len) : NULL;
}
