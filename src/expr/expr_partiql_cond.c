/*
 * expr_partiql_cond — PartiQL paths, operands, calls, conditions and SET values as expr_int.h
 * trees.  Layer: expr.  See expr_partiql_int.h.
 *
 * A path becomes an EN_PATH of plain names and indexes; a WHERE becomes the condition
 * language's tree (EN_CMP, EN_BETWEEN, EN_IN, EN_AND / EN_OR / EN_NOT, EN_FUNC), with PartiQL's
 * operators mapped onto it (IS MISSING -> attribute_not_exists, IS NULL / IS <type> ->
 * attribute_type, NOT IN / NOT BETWEEN -> NOT(...)); an UPDATE's SET value becomes EN_ARITH /
 * EN_FUNC over operands.  Values on either side are slots (expr_partiql_lit.c).  Texts are
 * DynamoDB's, each with the capture or probe that pins it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.where.html
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"
#include "expr/expr_partiql_int.h"

/* ---- paths ---------------------------------------------------------------------------- */

/* A document path: name (.name | ."name" | [n] | ['name'])*.  The first token is consumed
 * by the caller and passed in. */
/* The .name / [n] / ['name'] steps after the path's first n elements (el, room for cap). */
static int path_steps(pp *p, expr_pel *el, size_t n, size_t cap, expr_node *x, expr_node **out)
{
    size_t nl;
    const char *nm;
    for (;;) {
        const ptok *t = pq_peek(p);
        expr_pel pe;
        memset(&pe, 0, sizeof pe);
        if (t->t == P_DOT) {
            pq_next(p);
            const ptok *nt = pq_next(p);
            /* PartiQL reads a name, a "quoted name" or * after a dot; anything else (a
             * keyword such as inner, a literal, the end) is its "Invalid path dot component"
             * (AWS 2026-10: attribute_exists(m.inner)); * is an unpivot DynamoDB lacks */
            if (nt->t == P_STAR) {
                /* "SELECT m.*" (not after an index: "l[0].*" is the parser's); elsewhere but
                 * in a SET / REMOVE target, DynamoDB Local's unpivot text at the star ("WHERE
                 * m.* = 1", "SET x = m.*"; no AWS capture) */
                if (p->target || (p->sel_item && el[n - 1].is_index))
                    return pq_unexpected(p, nt);
                if (!p->sel_item)
                    return pq_sem(p, nt, "Unpivot path component like a.*.b are not supported");
                pq_shape_refusal(p, "Changing item's hierarchy while reading isn't supported");
                break;
            }
            if (nt->t != P_IDENT && nt->t != P_QIDENT)
                return pq_syn(p, "Invalid path dot component");
            nm = pq_tok_name(p, nt, &nl);
            if (nl == 0)
                pq_shape_refusal(p, TXT_PQ_EMPTY_COMPONENT);
            pe.name = arena_memdup(p->a, nm, nl ? nl : 1);
            pe.len = nl;
            if (!pe.name)
                return pq_nomem(p);
        } else if (t->t == P_LB) {
            pq_next(p);
            const ptok *it = pq_next(p);
            if (it->t == P_NUM) {
                unsigned long long v = 0;
                for (uint32_t k = it->s; k < it->e; k++) {
                    char c = p->src[k];
                    if (!pq_is_digit(c)) /* "l[0.5]" (DynamoDB Local's text; no AWS capture) */
                        return pq_sem(p, it, "Unexpected path component");
                    if (v <= 0xFFFFFFFFull)
                        v = v * 10 + (unsigned)(c - '0');
                }
                /* a 32-bit int (AWS 2026-09: l[2147483647] reads, l[2147483648] is "... index:
                 * [2147483648] at <its digits>") */
                if (v > 2147483647ull)
                    return pq_sem(p, it,
                                  "List index is not within the allowable range; index: [%.*s]",
                                  (int)(it->e - it->s), p->src + it->s);
                pe.is_index = true;
                pe.index = (uint32_t)v;
                /* an index computed ("l[1 + 0]"): at its operator (DynamoDB Local) */
                const ptok *op = pq_peek(p);
                if (op->t == P_PLUS || op->t == P_MINUS || op->t == P_STAR || op->t == P_OTHER)
                    return pq_sem(p, op, "Unexpected path component");
            } else if (it->t == P_PARAM) {
                /* "l[?]": at the parameter (DynamoDB Local's text; no AWS capture) */
                return pq_sem(p, it, "Unexpected path component");
            } else if (it->t == P_MINUS && pq_peek(p)->t == P_NUM) {
                /* a negative index: -0 is 0, anything else out of range, named with its sign
                 * at its digits (AWS 2026-09: "SELECT l[-1]" -> "... index: [-1] at 1:11:1") */
                const ptok *nt = pq_next(p);
                for (uint32_t k = nt->s; k < nt->e; k++) {
                    if (!pq_is_digit(p->src[k]))
                        return pq_unexpected(p, nt);
                    if (p->src[k] != '0')
                        return pq_sem(p, nt,
                                      "List index is not within the allowable range; index: "
                                      "[-%.*s]",
                                      (int)(nt->e - nt->s), p->src + nt->s);
                }
                pe.is_index = true;
                pe.index = 0;
            } else if (it->t == P_STR) {
                if (it->tlen == 0)
                    pq_shape_refusal(p, TXT_PQ_EMPTY_COMPONENT);
                pe.name = arena_memdup(p->a, it->text, it->tlen ? it->tlen : 1);
                pe.len = it->tlen;
                if (!pe.name)
                    return pq_nomem(p);
            } else {
                return pq_unexpected(p, it);
            }
            if (pq_expect(p, P_RB))
                return p->rc;
        } else {
            break;
        }
        if (n == cap) {
            expr_pel *ne = arena_grow(p->a, el, n, cap * 2, sizeof *ne);
            if (!ne)
                return pq_nomem(p);
            el = ne;
            cap *= 2;
        }
        el[n++] = pe;
    }
    x->u.path.el = el;
    x->u.path.n = n;
    if (n > EXPR_MAX_PATH_DEPTH && !p->deep_path)
        p->deep_path = n; /* refused once the whole statement has parsed */
    *out = x;
    return 0;
}

int pq_parse_path_from(pp *p, const ptok *first, expr_node **out)
{
    size_t cap = 4, n = 0;
    expr_pel *el = arena_alloc(p->a, cap * sizeof *el);
    expr_node *x = expr_node_new(p->a, EN_PATH, 0, 0);
    if (!el || !x)
        return pq_nomem(p);
    size_t nl;
    const char *nm = pq_tok_name(p, first, &nl);
    if (nl == 0)
        pq_shape_refusal(p, TXT_PQ_EMPTY_COMPONENT);
    el[n++] = (expr_pel){.name = arena_memdup(p->a, nm, nl ? nl : 1), .len = nl};
    if (!el[0].name)
        return pq_nomem(p);
    return path_steps(p, el, n, cap, x, out);
}

/* Steps after a parenthesised path: "(l)[0]", "(m).x" are l[0], m.x (DynamoDB Local); *x is
 * replaced by the longer path.  Anything else is left as it is. */
int pq_path_more(pp *p, expr_node **x)
{
    const ptok *t = pq_peek(p);
    if ((*x)->t != EN_PATH || (t->t != P_DOT && t->t != P_LB))
        return 0;
    size_t n = (*x)->u.path.n, cap = n + 4;
    expr_pel *el = arena_alloc(p->a, cap * sizeof *el);
    expr_node *nx = expr_node_new(p->a, EN_PATH, 0, 0);
    if (!el || !nx)
        return pq_nomem(p);
    memcpy(el, (*x)->u.path.el, n * sizeof *el);
    return path_steps(p, el, n, cap, nx, x);
}

/* ---- conditions ----------------------------------------------------------------------- */

static int parse_or(pp *p, expr_node **out);

static expr_node *node2(pp *p, expr_ntype t, int op, expr_node *a, expr_node *b)
{
    expr_node *x = expr_node_new(p->a, t, op, 2);
    if (!x) {
        pq_nomem(p);
        return NULL;
    }
    x->u.kids.k[0] = a;
    x->u.kids.k[1] = b;
    return x;
}

typedef enum fkind { F_NONE = 0, F_PRED, F_SIZE, F_UPDATE } fkind;

/* The expression-language function a name token names (any case), and where it may
 * appear. */
static fkind fn_lookup(pp *p, const ptok *t, int *fn)
{
    static const struct {
        const char *name;
        int fn;
        fkind k;
    } fns[] = {
        {"attribute_exists", EF_ATTRIBUTE_EXISTS, F_PRED},
        {"attribute_not_exists", EF_ATTRIBUTE_NOT_EXISTS, F_PRED},
        {"attribute_type", EF_ATTRIBUTE_TYPE, F_PRED},
        {"begins_with", EF_BEGINS_WITH, F_PRED},
        {"contains", EF_CONTAINS, F_PRED},
        {"size", EF_SIZE, F_SIZE},
        {"if_not_exists", EF_IF_NOT_EXISTS, F_UPDATE},
        {"list_append", EF_LIST_APPEND, F_UPDATE},
    };
    if (t->t != P_IDENT && t->t != P_KW)
        return F_NONE;
    size_t n = t->e - t->s;
    const char *s = p->src + t->s;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strlen(fns[i].name) == n && strncasecmp(fns[i].name, s, n) == 0) {
            *fn = fns[i].fn;
            return fns[i].k;
        }
    return F_NONE;
}

/* A name or keyword followed by "(": a function call. */
bool pq_at_call(pp *p)
{
    const ptok *t = pq_peek(p);
    return (t->t == P_IDENT || t->t == P_KW) && !t->text && pq_peek2(p)->t == P_LP;
}

static int parse_operand(pp *p, expr_node **out);

/* A whole value at the cursor ('str', number, TRUE/FALSE, NULL, ?, [..], {..}, <<..>>): the
 * value node of its slot. */
static int parse_value_node(pp *p, expr_node **out)
{
    pq_tmpl *v = NULL;
    lctx c;
    pq_lctx_root(&c);
    if (pq_parse_tmpl(p, &v, &c, true))
        return p->rc;
    expr_node *x = pq_slot_node(p, v);
    if (!x)
        return p->rc;
    *out = x;
    return 0;
}

/* '(' cond ')': a parenthesised condition or operand, marked as such. */
static int parse_parens(pp *p, expr_node **out)
{
    if (pq_expect(p, P_LP))
        return p->rc;
    if (pq_is_kw(pq_peek(p), KW_SELECT)) /* a subquery (DynamoDB Local's text; no AWS capture) */
        return pq_sem(p, pq_peek(p), "Unsupported token in expression: SELECT");
    if (++p->depth > EXPR_PQ_MAX_NESTING) {
        p->depth--;
        return pq_syn(p, "Unexpected token");
    }
    expr_node *x = NULL;
    int rc = parse_or(p, &x);
    p->depth--;
    if (rc || pq_expect(p, P_RP))
        return p->rc;
    x->parens = 1;
    *out = x;
    return 0;
}

int pq_parse_set_expr(pp *p, expr_node **out);

/* f( args ) after the name; arguments are operands, or update values for an update function
 * (if_not_exists / list_append in a SET: "list_append(if_not_exists(l, []), [3])",
 * "if_not_exists(n, m + 1)" run on DynamoDB Local). */
static int parse_call(pp *p, int fn, bool update, expr_node **out)
{
    if (pq_expect(p, P_LP))
        return p->rc;
    expr_node *args[8];
    size_t n = 0;
    if (!pq_accept(p, P_RP)) {
        for (;;) {
            expr_node *a = NULL;
            if (update ? pq_parse_set_expr(p, &a) : parse_operand(p, &a))
                return p->rc;
            if (n == sizeof args / sizeof args[0])
                return pq_syn(p, "Unexpected token");
            args[n++] = a;
            if (pq_accept(p, P_COMMA))
                continue;
            if (pq_expect(p, P_RP))
                return p->rc;
            break;
        }
    }
    expr_node *x = expr_node_new(p->a, EN_FUNC, fn, n);
    if (!x)
        return pq_nomem(p);
    for (size_t i = 0; i < n; i++)
        x->u.kids.k[i] = args[i];
    *out = x;
    return 0;
}

/* A call of a function DynamoDB's PartiQL does not have: the name in lower case (PartiQL
 * folds an unquoted function name) at the name's position ("Unrecognized function: exists
 * at 1:58:6"; the conformance suite's tier3 error-messages/partiqlFunctions, AWS 2026-10). */
static int unrecognized(pp *p, const ptok *t)
{
    size_t n = t->e - t->s;
    char *low = arena_alloc(p->a, n + 1);
    if (!low)
        return pq_nomem(p);
    for (size_t i = 0; i < n; i++) {
        char c = p->src[t->s + i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    low[n] = 0;
    return pq_sem(p, t, "Unrecognized function: %s", low);
}

/* An operand of a comparison: a path, a value, a call, or one of these or a condition in
 * parentheses (DynamoDB Local evaluates "true = (n = 1)", "(a = 1) IN [(b = 2)]",
 * "n BETWEEN 0 AND (m)"; test_review12.py::test_f3_condition_compared_on_the_right). */
static int parse_operand(pp *p, expr_node **out)
{
    if (p->rc)
        return p->rc;
    const ptok *t = pq_peek(p);
    if (t->t == P_LP)
        return parse_parens(p, out) || pq_path_more(p, out) ? p->rc : 0;
    int fn;
    if (pq_at_call(p)) {
        fkind fk = fn_lookup(p, t, &fn);
        pq_next(p);
        if (fk == F_NONE)
            return unrecognized(p, t);
        if (fk == F_UPDATE)
            return pq_sem(p, NULL,
                          "The function is not allowed in a condition expression; function: %.*s",
                          (int)(t->e - t->s), p->src + t->s);
        return parse_call(p, fn, false, out);
    }
    if (pq_is_name_tok(t)) {
        pq_next(p);
        return pq_parse_path_from(p, t, out);
    }
    if (pq_is_kw(t, KW_MISSING)) {
        pq_next(p);
        return pq_sem(p, NULL, "MISSING must be compared using IS operator");
    }
    if (t->t == P_MINUS || t->t == P_PLUS) {
        /* a sign before a path, a call, a parameter, a literal that is not a number or a
         * parenthesised operand that is not one: an operator conditions lack, named once the
         * operand is read ("n > -n", "-'a'", "-n = -1", "n > -?": DynamoDB Local's
         * "Unsupported operator in Condition Expression. Operator: -"; AWS 2026-09 refuses
         * "n > -n" and "n > -?" with a 400 whose text no capture keeps).  A sign before a
         * number folds into it (parse_tmpl). */
        size_t i = p->i;
        while (i < p->nt && (p->t[i].t == P_MINUS || p->t[i].t == P_PLUS))
            i++;
        const ptok *u = &p->t[i < p->nt ? i : p->nt - 1];
        bool call = u->t == P_KW && i + 1 < p->nt && p->t[i + 1].t == P_LP;
        bool lit = u->t == P_STR || u->t == P_LB || u->t == P_LBRACE || u->t == P_LBAG ||
                   pq_is_kw(u, KW_TRUE) || pq_is_kw(u, KW_FALSE) || pq_is_kw(u, KW_NULL);
        if (pq_is_name_tok(u) || u->t == P_PARAM || call || lit ||
            (u->t == P_LP && !pq_paren_number_ahead(p, i))) {
            p->i = i;
            expr_node *junk = NULL;
            if (parse_operand(p, &junk))
                return p->rc;
            return pq_sem(p, NULL, "Unsupported operator in Condition Expression. Operator: %c",
                          t->t == P_MINUS ? '-' : '+');
        }
    }
    return parse_value_node(p, out);
}

/* Whether a value node holds a scalar literal (not a parameter, a list, a map or a set). */
static bool is_scalar_literal(const pp *p, const expr_node *x)
{
    for (size_t i = 0; i < p->s->nslots; i++)
        if (p->s->slot_names[i] == x->u.val.ph) {
            const pq_tmpl *t = p->s->slots[i];
            if (t->k != PT_LIT)
                return false;
            switch (t->lit.type) {
            case AV_SS:
            case AV_NS:
            case AV_BS:
            case AV_L:
            case AV_M:
                return false;
            default:
                return true;
            }
        }
    return true; /* a literal built by the parser itself */
}

static int wrap_not(pp *p, expr_node **x);

/* IS [NOT] <type>: the attribute_type name for a PartiQL type, "" for MISSING. */

static int parse_is(pp *p, const ptok *is_tok, expr_node *lhs, expr_node **out)
{
    bool neg = pq_accept_kw(p, KW_NOT);
    const ptok *t = pq_next(p);
    char word[sizeof t->kwname];
    if (t->t == P_KW) {
        memcpy(word, t->kwname, sizeof word);
    } else if (t->t == P_IDENT && !t->text && t->e - t->s < sizeof word) {
        size_t n = t->e - t->s;
        for (size_t i = 0; i < n; i++) {
            char ch = p->src[t->s + i];
            word[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
        }
        word[n] = 0;
    } else {
        return pq_syn(p, "Expected type name"); /* PartiQL's parser */
    }
    static const struct {
        const char *kw;
        const char *ddb;   /* attribute_type name; "" = MISSING; NULL = unsupported */
        const char *shown; /* DynamoDB's name in the "Unsupported data type" message */
    } types[] = {
        {"MISSING", "", NULL},         {"NULL", "NULL", NULL},
        {"BOOLEAN", "BOOL", NULL},     {"BOOL", "BOOL", NULL},
        {"STRING", "S", NULL},         {"NUMERIC", "N", NULL},
        {"BLOB", "B", NULL},           {"LIST", "L", NULL},
        {"STRUCT", "M", NULL},         {"TUPLE", "M", NULL},
        {"INT", NULL, "INTEGER"},      {"INTEGER", NULL, "INTEGER"},
        {"DECIMAL", NULL, "DECIMAL"},  {"DEC", NULL, "DECIMAL"},
        {"BAG", NULL, "BAG"},          {"FLOAT", NULL, "FLOAT"},
        {"SEXP", NULL, "SEXP"},        {"CHAR", NULL, "CHARACTER"},
        {"CHARACTER", NULL, "CHARACTER"},
        {"VARCHAR", NULL, "CHARACTER_VARYING"},
        {"SYMBOL", NULL, "SYMBOL"},    {"CLOB", NULL, "CLOB"},
        {"SMALLINT", NULL, "SMALLINT"}, {"REAL", NULL, "REAL"},
        {"TIMESTAMP", NULL, "TIMESTAMP"}, {"DATE", NULL, "DATE"},
        {"TIME", NULL, "TIME"},
    };
    const char *ty = NULL, *shown = NULL;
    bool found = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].kw, word) == 0) {
            ty = types[i].ddb;
            shown = types[i].shown;
            found = true;
            break;
        }
    if (found && !ty && strcmp(word, "CHARACTER") == 0 && pq_is_kw(pq_peek(p), KW_OTHER) &&
        strcmp(pq_peek(p)->kwname, "VARYING") == 0) {
        pq_next(p);
        shown = "CHARACTER_VARYING";
    }
    if (!found && strcmp(word, "DOUBLE") == 0 && pq_is_kw(pq_peek(p), KW_OTHER) &&
        strcmp(pq_peek(p)->kwname, "PRECISION") == 0) {
        pq_next(p);
        found = true;
        shown = "DOUBLE_PRECISION";
    }
    if (!found)
        return pq_syn(p, "Expected type name");
    /* IS takes a path or a scalar literal on its left: not a call, a condition, a parameter,
     * a collection or MISSING (lhs NULL).  DynamoDB Local, after the type name's syntax and
     * before the type's support; no AWS capture: test_review12.py::test_f2_is_refuses_a_
     * condition_on_its_left, test_f2b_is_refuses_a_parameter_or_a_collection_on_its_left */
    if (!lhs || !(lhs->t == EN_PATH || (lhs->t == EN_VALUE && is_scalar_literal(p, lhs))))
        return pq_sem(p, NULL,
                      "The left hand side argument to IS must be a Variable Reference, Literal, or "
                      "Path");
    if (!ty)
        return pq_sem(p, is_tok,
                      "Unsupported data type for IS operator: %s. Supported data types are "
                      "[MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]",
                      shown);
    expr_node *x;
    if (!*ty) {
        /* IS NOT MISSING of a literal: NOT (IS MISSING), so its refusal names
         * attribute_not_exists as DynamoDB Local's does ("'a' IS NOT MISSING"); of a path the
         * equivalent attribute_exists */
        bool lit = neg && lhs->t != EN_PATH;
        x = expr_node_new(p->a, EN_FUNC,
                          neg && !lit ? EF_ATTRIBUTE_EXISTS : EF_ATTRIBUTE_NOT_EXISTS, 1);
        if (!x)
            return pq_nomem(p);
        x->u.kids.k[0] = lhs;
        if (lit && wrap_not(p, &x))
            return p->rc;
    } else {
        expr_node *tn = pq_lit_node(p, av_make_s(ty, strlen(ty)));
        if (!tn || !(x = node2(p, EN_FUNC, EF_ATTRIBUTE_TYPE, lhs, tn)))
            return p->rc ? p->rc : pq_nomem(p);
        if (neg) {
            expr_node *nx = expr_node_new(p->a, EN_NOT, 0, 1);
            if (!nx)
                return pq_nomem(p);
            nx->u.kids.k[0] = x;
            x = nx;
        }
    }
    *out = x;
    return 0;
}

static int wrap_not(pp *p, expr_node **x)
{
    expr_node *n = expr_node_new(p->a, EN_NOT, 0, 1);
    if (!n)
        return pq_nomem(p);
    n->u.kids.k[0] = *x;
    *x = n;
    return 0;
}

/* Whether a node yields a boolean (a bare path, value or size() does not). */
static bool is_boolish(const expr_node *x)
{
    return !(x->t == EN_PATH || x->t == EN_VALUE || (x->t == EN_FUNC && x->op == EF_SIZE));
}

/* An operator DynamoDB's conditions do not have (+, -, *, /, %, ||, LIKE). */
static int bad_operator(pp *p)
{
    const ptok *op = pq_peek(p);
    if (op->t == P_PLUS || op->t == P_MINUS || op->t == P_STAR || op->t == P_OTHER)
        return pq_sem(p, NULL, "Unsupported operator in Condition Expression. Operator: %.*s",
                      (int)(op->e - op->s), p->src + op->s);
    if (pq_is_kw(op, KW_OTHER) && strcmp(op->kwname, "LIKE") == 0)
        return pq_sem(p, NULL, "Unsupported operator in Condition Expression. Operator: like");
    return 0;
}

#define TXT_PQ_IN                                                                                \
    "IN operator must have a left hand argument of type Variable Reference and right hand "     \
    "argument of type Seq with at least one member"

/* What follows an operand: a comparison, [NOT] BETWEEN, [NOT] IN or IS with it on the left;
 * otherwise the operand itself.  A condition may be the operand: its truth is compared (AWS
 * eu-west-2 2026-09: "(n BETWEEN 0 AND 5) = true", "attribute_exists(a) IN [true, false]",
 * "attribute_exists(n) > false" refused with the operand type BOOL; an AWS-checked
 * emulator's captures). */
static int pred_tail(pp *p, expr_node *lhs, expr_node **out)
{
    const ptok *op = pq_peek(p);
    int cmp = pq_cmp_op(op);
    if (cmp >= 0) {
        pq_next(p);
        expr_node *rhs = NULL;
        if (pq_rhs_missing(p) || parse_operand(p, &rhs) || bad_operator(p))
            return p->rc;
        if (!(*out = node2(p, EN_CMP, cmp, lhs, rhs)))
            return p->rc;
        return 0;
    }
    bool neg = false;
    if (pq_is_kw(op, KW_NOT) &&
        (pq_is_kw(pq_peek2(p), KW_BETWEEN) || pq_is_kw(pq_peek2(p), KW_IN))) {
        pq_next(p);
        neg = true;
        op = pq_peek(p);
    }
    if (pq_is_kw(op, KW_BETWEEN)) {
        pq_next(p);
        expr_node *lo = NULL, *hi = NULL;
        if (pq_rhs_missing(p) || parse_operand(p, &lo) || pq_expect_kw(p, KW_AND) ||
            parse_operand(p, &hi))
            return p->rc;
        expr_node *x = expr_node_new(p->a, EN_BETWEEN, 0, 3);
        if (!x)
            return pq_nomem(p);
        x->u.kids.k[0] = lhs;
        x->u.kids.k[1] = lo;
        x->u.kids.k[2] = hi;
        if (neg && wrap_not(p, &x))
            return p->rc;
        *out = x;
        return 0;
    }
    if (pq_is_kw(op, KW_IN)) {
        pq_next(p);
        ptt close;
        if (pq_accept(p, P_LB))
            close = P_RB;
        else if (pq_accept(p, P_LP))
            close = P_RP;
        else if (pq_accept(p, P_LBAG)) /* a bag is a sequence too (DynamoDB Local) */
            close = P_RBAG;
        else {
            expr_node *junk = NULL;
            if (parse_operand(p, &junk))
                return p->rc;
            return pq_sem(p, NULL, TXT_PQ_IN);
        }
        expr_node *items[EXPR_PQ_IN_MAX + 1];
        size_t n = 0, total = 0;
        if (!pq_accept(p, close)) {
            for (;;) {
                expr_node *v = NULL;
                if (parse_operand(p, &v) || bad_operator(p)) /* "IN [1 + 2]" (Local) */
                    return p->rc;
                if (n <= EXPR_PQ_IN_MAX)
                    items[n++] = v;
                total++;
                if (pq_accept(p, P_COMMA))
                    continue;
                if (pq_expect(p, close))
                    return p->rc;
                break;
            }
        }
        /* any operand on the left: a literal, a parameter, size(...) too (DynamoDB Local
         * checks only the right-hand sequence: "1 IN [n]" runs) */
        if (total == 0)
            return pq_sem(p, NULL, TXT_PQ_IN);
        if (total > EXPR_PQ_IN_MAX)
            return pq_sem(p, NULL,
                          "The IN operator is provided with too many operands; number of operands: "
                          "%zu",
                          total);
        expr_node *x = expr_node_new(p->a, EN_IN, 0, n + 1);
        if (!x)
            return pq_nomem(p);
        x->u.kids.k[0] = lhs;
        for (size_t i = 0; i < n; i++)
            x->u.kids.k[i + 1] = items[i];
        if (neg && wrap_not(p, &x))
            return p->rc;
        *out = x;
        return 0;
    }
    if (pq_is_kw(op, KW_IS)) {
        pq_next(p);
        return parse_is(p, op, lhs, out);
    }
    *out = lhs; /* not a condition: the caller says so */
    return 0;
}

/* predicate: '(' cond ')' | function(...) [= | <> literal] | operand [cmp operand | BETWEEN |
 * IN | IS].  A bare operand is returned as it is; the AND / OR / NOT / WHERE that holds it
 * reports that it is not a condition. */
static int parse_pred(pp *p, expr_node **out)
{
    if (p->rc)
        return p->rc;
    const ptok *t = pq_peek(p);
    if (t->t == P_LP) {
        expr_node *x = NULL;
        if (parse_parens(p, &x) || pq_path_more(p, &x) || (!is_boolish(x) && bad_operator(p)))
            return p->rc;
        return pred_tail(p, x, out); /* "(n) = 1" as "n = 1" (DynamoDB Local) */
    }
    int fn;
    if (pq_at_call(p) && fn_lookup(p, t, &fn) == F_PRED) {
        pq_next(p);
        expr_node *x = NULL;
        if (parse_call(p, fn, false, &x))
            return p->rc;
        /* f(...) = TRUE / <> FALSE is f(...); = FALSE / <> TRUE is NOT f(...); against any
         * other literal it never holds (=) or always holds (<>) */
        const ptok *op = pq_peek(p);
        int c = pq_cmp_op(op);
        if (c == EOP_EQ || c == EOP_NE) {
            const ptok *lt = pq_peek2(p);
            if (pq_is_kw(lt, KW_TRUE) || pq_is_kw(lt, KW_FALSE)) {
                pq_next(p);
                pq_next(p);
                bool want = pq_is_kw(lt, KW_TRUE) == (c == EOP_EQ);
                if (!want && wrap_not(p, &x))
                    return p->rc;
            } else if (lt->t == P_STR || lt->t == P_NUM || pq_is_kw(lt, KW_NULL)) {
                pq_next(p);
                expr_node *lit = NULL, *tru = pq_lit_node(p, av_make_bool(true));
                if (!tru || parse_operand(p, &lit) || !(x = node2(p, EN_CMP, c, lit, tru)))
                    return p->rc;
            }
        }
        return pred_tail(p, x, out);
    }
    if (pq_is_kw(t, KW_MISSING) && pq_is_kw(pq_peek2(p), KW_IS)) {
        pq_next(p); /* MISSING IS ...: refused once the type is read (lhs NULL) */
        return parse_is(p, pq_next(p), NULL, out);
    }
    expr_node *lhs = NULL;
    if (parse_operand(p, &lhs) || bad_operator(p))
        return p->rc;
    return pred_tail(p, lhs, out);
}

/* NOT... predicate: a run of NOTs is read as a loop, not a recursion, so that it is bounded by
 * the 300-operator count (each NOT one operator: 297 run, 298 are "too many operators"; DynamoDB
 * Local; review14 F2) rather than by the parser's nesting guard; each NOT, innermost first,
 * checks its operand. */
static int parse_not(pp *p, expr_node **out)
{
    size_t k = 0;
    while (pq_accept_kw(p, KW_NOT))
        k++;
    expr_node *x = NULL;
    if (parse_pred(p, &x))
        return p->rc;
    for (; k > 0; k--) {
        /* NOT size(): a type error, found with the operands' types (expr_resolve's walk:
         * "size(1) = 1 AND NOT size(l)" is size's, DynamoDB Local) */
        if (!is_boolish(x) && !(x->t == EN_FUNC && x->op == EF_SIZE))
            return pq_sem(p, NULL, "The argument to NOT must be a Type or Expression");
        if (wrap_not(p, &x))
            return p->rc;
    }
    *out = x;
    return 0;
}

/* The operands of AND / OR must be conditions. */
static int check_junction(pp *p, const expr_node *x)
{
    /* size() as an operand is a type error, found in the operands' type walk (expr_resolve) */
    if (is_boolish(x) || (x->t == EN_FUNC && x->op == EF_SIZE))
        return 0;
    return pq_sem(p, NULL, "The arguments to AND/OR must be Expressions");
}

static int parse_and(pp *p, expr_node **out)
{
    expr_node *x = NULL;
    if (parse_not(p, &x))
        return p->rc;
    while (pq_accept_kw(p, KW_AND)) {
        expr_node *r = NULL;
        if (pq_rhs_missing(p) || parse_not(p, &r) || check_junction(p, x) ||
            check_junction(p, r) || !(x = node2(p, EN_AND, 0, x, r)))
            return p->rc;
    }
    *out = x;
    return 0;
}

static int parse_or(pp *p, expr_node **out)
{
    expr_node *x = NULL;
    if (parse_and(p, &x))
        return p->rc;
    while (pq_accept_kw(p, KW_OR)) {
        expr_node *r = NULL;
        if (pq_rhs_missing(p) || parse_and(p, &r) || check_junction(p, x) ||
            check_junction(p, r) || !(x = node2(p, EN_OR, 0, x, r)))
            return p->rc;
    }
    *out = x;
    return 0;
}

/* WHERE <cond>: the whole must be a condition. */
int pq_parse_where(pp *p, expr_node **out)
{
    bool was = p->xlate;
    p->xlate = true;
    if (parse_or(p, out))
        return p->rc;
    if (!is_boolish(*out))
        return pq_sem(p, NULL,
                      "WHERE clause must contain an expression that resolves to a boolean");
    p->xlate = was;
    return 0;
}

/* ---- SET values ----------------------------------------------------------------------- */

/* An update operand: path, value, if_not_exists(...), list_append(...), or an update value
 * in parentheses (the value itself: "SET x = (n) + 1", "SET x = (n + 1)"; DynamoDB Local;
 * test_review12.py::test_f3b_parenthesised_operands_on_the_left_and_in_values). */
static int parse_set_operand(pp *p, expr_node **out)
{
    const ptok *t = pq_peek(p);
    int fn;
    if (t->t == P_LP) {
        pq_next(p);
        if (pq_is_kw(pq_peek(p), KW_SELECT)) /* a subquery, as in a condition */
            return pq_sem(p, pq_peek(p), "Unsupported token in expression: SELECT");
        if (++p->depth > EXPR_PQ_MAX_NESTING) {
            p->depth--;
            return pq_syn(p, "Unexpected token");
        }
        int rc = pq_parse_set_expr(p, out);
        p->depth--;
        if (rc || pq_expect(p, P_RP))
            return p->rc;
        (*out)->parens = 1;
        return pq_path_more(p, out);
    }
    if (pq_at_call(p)) {
        fkind fk = fn_lookup(p, t, &fn);
        pq_next(p);
        if (fk == F_UPDATE)
            return parse_call(p, fn, true, out);
        if (fk == F_NONE)
            return unrecognized(p, t);
        return pq_sem(p, NULL,
                      "The function is not allowed in an update expression; function: %.*s",
                      (int)(t->e - t->s), p->src + t->s);
    }
    if (pq_is_name_tok(t)) {
        pq_next(p);
        return pq_parse_path_from(p, t, out);
    }
    if (pq_is_kw(t, KW_NOT)) /* DynamoDB Local */
        return pq_sem(p, NULL, "Unsupported operator in Update Expression. Operator: not");
    if (pq_is_kw(t, KW_MISSING)) { /* DynamoDB Local, as in a condition */
        pq_next(p);
        return pq_sem(p, NULL, "MISSING must be compared using IS operator");
    }
    if ((t->t == P_MINUS || t->t == P_PLUS) && pq_peek2(p)->t != P_NUM &&
        !pq_paren_number_ahead(p, p->i + 1)) {
        /* -v: a unary operator DynamoDB's updates do not have */
        pq_next(p);
        expr_node *junk = NULL;
        if (parse_set_operand(p, &junk))
            return p->rc;
        return pq_sem(
            p, NULL,
            "Incorrect number of operands for operator or function; operator or function: "
            "%c, number of operands: 1",
            t->t == P_MINUS ? '-' : '+');
    }
    return parse_value_node(p, out);
}

/* An operator an update value cannot have after an operand: a comparison but =, AND, OR,
 * BETWEEN, IN, LIKE, *, /, %, || ("Unsupported operator in Update Expression. Operator: >"),
 * IS ("IS operator is not supported in update expressions"); DynamoDB Local's texts. */
static int update_operator(pp *p)
{
    const ptok *op = pq_peek(p);
    const char *name = NULL;
    char sym[8];
    if (op->t == P_NE) {
        name = "<>";
    } else if (pq_cmp_op(op) >= 0 && op->t != P_EQ) {
        size_t n = op->e - op->s < sizeof sym - 1 ? op->e - op->s : sizeof sym - 1;
        memcpy(sym, p->src + op->s, n);
        sym[n] = 0;
        name = sym;
    } else if (op->t == P_STAR || op->t == P_OTHER) {
        size_t n = op->e - op->s < sizeof sym - 1 ? op->e - op->s : sizeof sym - 1;
        memcpy(sym, p->src + op->s, n);
        sym[n] = 0;
        name = sym;
    } else if (pq_is_kw(op, KW_AND)) {
        name = "and";
    } else if (pq_is_kw(op, KW_OR)) {
        name = "or";
    } else if (pq_is_kw(op, KW_BETWEEN)) {
        name = "between";
    } else if (pq_is_kw(op, KW_IN)) {
        name = "in";
    } else if (pq_is_kw(op, KW_OTHER) && strcmp(op->kwname, "LIKE") == 0) {
        name = "like";
    } else if (pq_is_kw(op, KW_NOT) &&
               (pq_is_kw(pq_peek2(p), KW_IN) || pq_is_kw(pq_peek2(p), KW_BETWEEN) ||
                (pq_is_kw(pq_peek2(p), KW_OTHER) && strcmp(pq_peek2(p)->kwname, "LIKE") == 0))) {
        name = "not"; /* NOT IN / NOT BETWEEN / NOT LIKE: NOT over the operator (Local) */
    } else if (pq_is_kw(op, KW_IS)) {
        name = pq_is_kw(pq_peek2(p), KW_NOT) ? "not" : ""; /* IS NOT: NOT over IS (Local) */
    }
    if (!name)
        return 0;
    /* the value's tree is refused at its root: a later OR, else a later AND, at the value's
     * top level is named ahead of this operator ("SET x = n > 1 AND y": "and"; DynamoDB
     * Local) */
    const ptok *junction = NULL;
    bool between = pq_is_kw(op, KW_BETWEEN);
    int depth = 0;
    for (size_t i = p->i + 1; i < p->nt; i++) {
        const ptok *t = &p->t[i];
        if (t->t == P_EOF)
            break;
        if (t->t == P_LP || t->t == P_LB || t->t == P_LBRACE || t->t == P_LBAG) {
            depth++;
            continue;
        }
        if (t->t == P_RP || t->t == P_RB || t->t == P_RBRACE || t->t == P_RBAG) {
            if (depth-- == 0)
                break;
            continue;
        }
        if (depth > 0)
            continue;
        if (t->t == P_COMMA || pq_is_kw(t, KW_WHERE) || pq_is_kw(t, KW_SET) ||
            pq_is_kw(t, KW_REMOVE) || pq_is_kw(t, KW_RETURNING))
            break;
        if (pq_is_kw(t, KW_BETWEEN))
            between = true;
        else if (pq_is_kw(t, KW_AND) && between)
            between = false;
        else if (pq_is_kw(t, KW_OR) ||
                 (pq_is_kw(t, KW_AND) && !(junction && pq_is_kw(junction, KW_OR))))
            junction = t;
    }
    if (junction && !(pq_is_kw(op, KW_OR) || (pq_is_kw(op, KW_AND) && pq_is_kw(junction, KW_AND))))
        name = pq_is_kw(junction, KW_OR) ? "or" : "and";
    if (!*name)
        return pq_sem(p, NULL, "IS operator is not supported in update expressions");
    return pq_sem(p, NULL, "Unsupported operator in Update Expression. Operator: %s", name);
}

/* operand [(+ | -) operand]..., left to right ("n + 1 + 1" runs on DynamoDB Local: 3 for
 * n = 1). */
static int parse_set_sum(pp *p, expr_node **out)
{
    expr_node *v = NULL;
    if (parse_set_operand(p, &v))
        return p->rc;
    for (const ptok *op = pq_peek(p); op->t == P_PLUS || op->t == P_MINUS; op = pq_peek(p)) {
        pq_next(p);
        expr_node *r = NULL;
        if (parse_set_operand(p, &r) ||
            !(v = node2(p, EN_ARITH, op->t == P_PLUS ? '+' : '-', v, r)))
            return p->rc;
    }
    *out = v;
    return 0;
}

/* An update value: sum [= sum]..., left to right.  An equality is its truth, a BOOL,
 * computed from the item before the update as a condition's is (a missing operand is not
 * equal): "SET x = n = 1", "(n = 1)", "n = 1 + 1" (n = 2), "n = 1 = true", and in an update
 * function's argument, "if_not_exists(nope, n = 1)"; the resolver refuses it as an operand
 * of + / - or list_append ("operand type: BOOL") and "n = n" (distinct operands).  DynamoDB
 * Local's rules; no AWS capture (README, inferred texts; test_partiql.py
 * test_equality_as_update_value). */
int pq_parse_set_expr(pp *p, expr_node **out)
{
    expr_node *v = NULL;
    if (parse_set_sum(p, &v))
        return p->rc;
    while (pq_accept(p, P_EQ)) {
        expr_node *r = NULL;
        if (parse_set_sum(p, &r) || !(v = node2(p, EN_CMP, EOP_EQ, v, r)))
            return p->rc;
    }
    if (update_operator(p))
        return p->rc;
    *out = v;
    return 0;
}
