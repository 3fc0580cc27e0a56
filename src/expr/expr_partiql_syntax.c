/*
 * expr_partiql_syntax — the syntax pass: PartiQL's general grammar over a statement, its first
 * syntax error.  Layer: expr.  See expr_partiql_int.h.
 *
 * The statement parser (expr_partiql.c) builds only what DynamoDB runs and stops at its first
 * refusal; DynamoDB reports a syntax error anywhere in the statement ahead of a semantic one.
 * When the parser's refusal is semantic, or it refused the statement whole (its shape, its
 * select list), pq_sx_statement reads the statement with the grammar and names the first
 * syntax error; pq_sx_step steps over an expression the parser does not build (a FROM source
 * that is no table, INSERT's other form).  It builds nothing and records an error only through
 * pq_syn (pq_sx_step).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"
#include "expr/expr_partiql_int.h"

/* ---- syntax pass ---------------------------------------------------------------------- */

/* DynamoDB parses the whole statement with PartiQL's grammar before it looks at what the
 * statement means, so a syntax error anywhere wins over a semantic refusal found earlier
 * ("... WHERE pk = 'a' AND null AND (" is a syntax error, not "The arguments to AND/OR must
 * be Expressions").  The parser above stops at its first refusal; when that is a semantic one,
 * this pass reads the rest of the tokens with PartiQL's general grammar (any expression where
 * one may stand, the clauses SELECT / UPDATE / DELETE / INSERT / FROM / CREATE / DROP / EXEC
 * take, aliases, joins, CASE, CAST, ...) and reports the first syntax error it meets, or none.
 * It builds nothing: the statement's meaning is still the parser's.  The grammar's facts
 * (clause order WHERE, ORDER BY, GROUP BY, HAVING, LIMIT; a simple path's bracket holding a
 * literal or a name; REMOVE taking one path; aggregates taking one argument; keywords after a
 * '.'; IS's type names) are DynamoDB Local's (probed 2026-12-05, /work/notes/partiql15.md);
 * no AWS capture orders a syntax error after a semantic one. */

typedef struct sxp {
    pp *p;
    size_t i;
    int depth;
    bool bad;
    size_t at;          /* token of the first syntax error */
    const char *detail; /* its PartiQL error name; NULL: the pass gave up (too deep) */
    bool top_select;    /* the statement is a SELECT */
    size_t clause;      /* its first GROUP / HAVING / LIMIT keyword, or 0 */
} sxp;

/* what an expression turned out to be, for the select list's and RETURNING's checks */
typedef struct sx_shape {
    bool path;      /* a path with at least one step (nothing applied to it) */
    bool atom;      /* a single name, literal or parameter (or one in parentheses) */
    size_t steps;   /* steps of the path */
    bool wild;      /* a [*] step */
    bool sqb;       /* a [..] step */
    bool mid_star;  /* a .* step before the last */
    bool last_star; /* the last step is .* */
    bool top;       /* a DML / DDL / EXEC statement: nothing may apply to it */
} sx_shape;

/* The pass's recursion bound (sx_expr, sx_source, a sign in sx_unary): past it the pass
 * gives up without a verdict (sx_fail with no detail) */
#define SX_MAX_DEPTH (EXPR_PQ_MAX_NESTING * 4)

static const ptok *sx_tok(sxp *x)
{
    return &x->p->t[x->i < x->p->nt ? x->i : x->p->nt - 1];
}
static const ptok *sx_at(sxp *x, size_t k)
{
    size_t j = x->i + k;
    return &x->p->t[j < x->p->nt ? j : x->p->nt - 1];
}
static void sx_adv(sxp *x)
{
    if (sx_tok(x)->t != P_EOF)
        x->i++;
}
static bool sx_fail(sxp *x, const char *detail)
{
    if (!x->bad) {
        x->bad = true;
        x->at = x->i;
        x->detail = detail;
    }
    return false;
}
/* a keyword (by name, upper case), or an unquoted name spelled so (type names such as BOOL
 * that are not reserved) */
static bool sx_word(sxp *x, const ptok *t, const char *w)
{
    if (t->t == P_KW)
        return strcmp(t->kwname, w) == 0;
    if (t->t != P_IDENT || t->text)
        return false;
    size_t n = t->e - t->s;
    return strlen(w) == n && strncasecmp(x->p->src + t->s, w, n) == 0;
}
static bool sx_kw(const ptok *t, const char *w)
{
    return t->t == P_KW && strcmp(t->kwname, w) == 0;
}
static bool sx_expect(sxp *x, ptt t)
{
    if (sx_tok(x)->t != t) /* the parser's text for the token found (unexpected) */
        return sx_fail(x, pq_unexpected_detail(sx_tok(x)));
    sx_adv(x);
    return true;
}
static bool sx_expect_kw(sxp *x, const char *w)
{
    if (!sx_kw(sx_tok(x), w))
        return sx_fail(x, pq_unexpected_detail(sx_tok(x)));
    sx_adv(x);
    return true;
}
static bool sx_ident(const ptok *t)
{
    return t->t == P_IDENT || t->t == P_QIDENT;
}

static bool sx_expr(sxp *x, int prec, sx_shape *sh);

/* The infix precedence of the operator at the cursor (0: none) and how many tokens it
 * spans ("NOT IN", "IS NOT", "UNION ALL"). */
static int sx_infix(sxp *x, size_t *span)
{
    const ptok *t = sx_tok(x);
    *span = 1;
    switch (t->t) {
    case P_EQ:
    case P_NE:
        return 40;
    case P_LT:
    case P_LE:
    case P_GT:
    case P_GE:
        return 50;
    case P_PLUS:
    case P_MINUS:
        return 60;
    case P_STAR:
        return 70;
    case P_OTHER: {
        char c = x->p->src[t->s];
        if (c == '|' && t->e - t->s == 2)
            return 60;
        return c == '/' || c == '%' ? 70 : 0;
    }
    case P_KW:
        break;
    default:
        return 0;
    }
    if (sx_kw(t, "OR"))
        return 10;
    if (sx_kw(t, "AND"))
        return 20;
    if (sx_kw(t, "IS")) {
        *span = sx_kw(sx_at(x, 1), "NOT") ? 2 : 1;
        return 40;
    }
    if (sx_kw(t, "IN") || sx_kw(t, "LIKE"))
        return 40;
    if (sx_kw(t, "BETWEEN"))
        return 50;
    if (sx_kw(t, "NOT")) {
        const ptok *n = sx_at(x, 1);
        *span = 2;
        if (sx_kw(n, "IN") || sx_kw(n, "LIKE"))
            return 40;
        if (sx_kw(n, "BETWEEN"))
            return 50;
        return 0;
    }
    if (sx_kw(t, "UNION") || sx_kw(t, "INTERSECT") || sx_kw(t, "EXCEPT")) {
        *span = sx_kw(sx_at(x, 1), "ALL") || sx_kw(sx_at(x, 1), "DISTINCT") ? 2 : 1;
        return 5;
    }
    return 0;
}

/* IS's type: a type name, its parameters (unsigned integers, as many as it takes). */
static bool sx_type(sxp *x)
{
    static const struct {
        const char *w, *w2;
        int max;
    } types[] = {
        {"MISSING", NULL, 0},
        {"NULL", NULL, 0},
        {"BOOLEAN", NULL, 0},
        {"BOOL", NULL, 0},
        {"SMALLINT", NULL, 0},
        {"INTEGER", NULL, 0},
        {"INT", NULL, 0},
        {"FLOAT", NULL, 1},
        {"REAL", NULL, 0},
        /* AWS's parser's (a bare "v IS NOT INT8" is its IsType refusal, AWS 2026-10:
         * test_partiql.py test_parser_error_details); DynamoDB Local's has none of them */
        {"INT2", NULL, 0},
        {"INTEGER2", NULL, 0},
        {"INT4", NULL, 0},
        {"INTEGER4", NULL, 0},
        {"INT8", NULL, 0},
        {"INTEGER8", NULL, 0},
        {"BIGINT", NULL, 0},
        {"DOUBLE", "PRECISION", 0},
        {"DECIMAL", NULL, 2},
        {"DEC", NULL, 2},
        {"NUMERIC", NULL, 2},
        {"TIMESTAMP", NULL, 0},
        {"CHARACTER", "VARYING", 1},
        {"CHARACTER", NULL, 1},
        {"CHAR", NULL, 1},
        {"VARCHAR", NULL, 1},
        {"STRING", NULL, 0},
        {"SYMBOL", NULL, 0},
        {"CLOB", NULL, 0},
        {"BLOB", NULL, 0},
        {"STRUCT", NULL, 0},
        {"TUPLE", NULL, 0},
        {"LIST", NULL, 0},
        {"SEXP", NULL, 0},
        {"BAG", NULL, 0},
        {"DATE", NULL, 0},
        {"TIME", NULL, 1},
    };
    const ptok *t = sx_tok(x);
    int max = -1;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        if (sx_word(x, t, types[k].w) && (!types[k].w2 || sx_word(x, sx_at(x, 1), types[k].w2))) {
            max = types[k].max;
            sx_adv(x);
            if (types[k].w2)
                sx_adv(x);
            break;
        }
    if (max < 0)
        return sx_fail(x, "Expected type name");
    if (sx_tok(x)->t == P_LP) {
        sx_adv(x);
        int n = 0;
        for (;;) {
            const ptok *a = sx_tok(x);
            sx_shape sh;
            size_t at = x->i;
            if (!sx_expr(x, -1, &sh))
                return false;
            if (!sh.atom || a->t != P_NUM || x->i != at + 1)
                return x->i = at, sx_fail(x, "Type parameter must be an unsigned integer literal");
            for (uint32_t c = a->s; c < a->e; c++)
                if (!pq_is_digit(x->p->src[c]))
                    return x->i = at,
                           sx_fail(x, "Type parameter must be an unsigned integer literal");
            n++;
            if (sx_tok(x)->t != P_COMMA)
                break;
            sx_adv(x);
        }
        if (!sx_expect(x, P_RP))
            return false;
        if (n > max)
            return sx_fail(x, "Cast arity");
    }
    if (sx_word(x, t, "TIME") && sx_kw(sx_tok(x), "WITH") && sx_kw(sx_at(x, 1), "TIME") &&
        sx_kw(sx_at(x, 2), "ZONE"))
        x->i += 3;
    return true;
}

/* expr {, expr} up to `close` (not consumed); at least one. */
static bool sx_list(sxp *x)
{
    for (;;) {
        sx_shape sh;
        if (!sx_expr(x, -1, &sh))
            return false;
        if (sx_tok(x)->t != P_COMMA)
            return true;
        sx_adv(x);
    }
}

/* A simple path: a name, then .name / ."name" / [literal or name] steps. */
static bool sx_simple_path(sxp *x)
{
    if (!sx_ident(sx_tok(x)))
        return sx_fail(x, "Expected identifier for simple path");
    sx_adv(x);
    for (;;) {
        if (sx_tok(x)->t == P_DOT) {
            sx_adv(x);
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Invalid path dot component for simple path");
            sx_adv(x);
        } else if (sx_tok(x)->t == P_LB) {
            sx_adv(x);
            size_t at = x->i;
            sx_shape sh;
            if (sx_tok(x)->t == P_STAR)
                return sx_fail(x, "Invalid path component for simple path");
            if (!sx_expr(x, -1, &sh) || !sx_expect(x, P_RB))
                return false;
            if (!sh.atom || x->p->t[at].t == P_PARAM || x->p->t[at].t == P_LP)
                return x->i = at, sx_fail(x, "Invalid path component for simple path");
        } else {
            return true;
        }
    }
}

/* [AS] name, then (at_by: a source's) AT name, BY name */
static bool sx_aliases(sxp *x, bool at_by)
{
    if (sx_kw(sx_tok(x), "AS")) {
        sx_adv(x);
        if (!sx_ident(sx_tok(x)))
            return sx_fail(x, "Expected identifier for AS-alias");
        sx_adv(x);
    } else if (sx_ident(sx_tok(x))) {
        sx_adv(x);
    }
    const char *kws[] = {"AT", "BY"};
    for (size_t k = 0; at_by && k < 2; k++)
        if (sx_kw(sx_tok(x), kws[k])) {
            sx_adv(x);
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Expected identifier for alias");
            sx_adv(x);
        }
    return true;
}

/* a join keyword run at the cursor: its length and whether it takes ON */
static size_t sx_join(sxp *x, bool *on)
{
    const ptok *a = sx_tok(x), *b = sx_at(x, 1), *c = sx_at(x, 2);
    *on = true;
    if (a->t == P_COMMA)
        return *on = false, 1;
    if (sx_kw(a, "JOIN"))
        return 1;
    if (sx_kw(a, "CROSS") && sx_kw(b, "JOIN"))
        return *on = false, 2;
    if (sx_kw(a, "INNER") && sx_kw(b, "JOIN"))
        return 2;
    if (sx_kw(a, "LEFT") || sx_kw(a, "RIGHT") || sx_kw(a, "FULL") || sx_kw(a, "OUTER")) {
        if (sx_kw(b, "JOIN"))
            return 2;
        if (sx_kw(b, "OUTER") && sx_kw(c, "JOIN") && !sx_kw(a, "OUTER"))
            return 3;
        if (sx_kw(b, "CROSS") && sx_kw(c, "JOIN"))
            return *on = false, 3;
    }
    return 0;
}

static bool sx_source(sxp *x, int prec, bool joins)
{
    const ptok *t = sx_tok(x), *n = sx_at(x, 1);
    sx_shape sh;
    if (++x->depth > SX_MAX_DEPTH) /* FROM ((((...: too deep to read here, no verdict */
        return sx_fail(x, NULL);
    if (sx_kw(t, "UNPIVOT")) {
        sx_adv(x);
        if (!sx_expr(x, prec, &sh))
            return false;
    } else if (t->t == P_LP && !(n->t == P_STR || n->t == P_NUM || n->t == P_ION ||
                                 sx_kw(n, "TRUE") || sx_kw(n, "FALSE") || sx_kw(n, "SELECT"))) {
        sx_adv(x);
        if (!sx_source(x, prec, true) || !sx_expect(x, P_RP))
            return false;
    } else if (!sx_expr(x, prec, &sh)) {
        return false;
    }
    if (!sx_aliases(x, true))
        return false;
    bool on;
    size_t k;
    while (joins && (k = sx_join(x, &on)) > 0) {
        x->i += k;
        if (!sx_source(x, prec, false))
            return false;
        if (on) {
            if (!sx_expect_kw(x, "ON") || !sx_expr(x, prec, &sh))
                return false;
        }
    }
    x->depth--;
    return true;
}

static bool sx_returning(sxp *x)
{
    if (!sx_kw(sx_tok(x), "RETURNING"))
        return true;
    sx_adv(x);
    for (;;) {
        const ptok *a = sx_tok(x), *b = sx_at(x, 1);
        if (!((sx_kw(a, "MODIFIED") || sx_kw(a, "ALL")) && (sx_kw(b, "OLD") || sx_kw(b, "NEW"))))
            return sx_fail(x,
                           "Expected ( MODIFIED | ALL ) ( NEW | OLD ) in each returning element.");
        x->i += 2;
        if (sx_tok(x)->t == P_STAR) {
            sx_adv(x);
        } else {
            size_t at = x->i;
            sx_shape sh;
            if (!sx_expr(x, -1, &sh))
                return false;
            if (!(sh.atom || (sh.path && sh.steps <= 1)))
                return x->i = at, sx_fail(x, "Unsupported syntax in RETURNING columns.");
        }
        if (sx_tok(x)->t != P_COMMA)
            return true;
        sx_adv(x);
    }
}

/* INSERT INTO / SET / REMOVE (one) */
static bool sx_base_dml(sxp *x)
{
    const ptok *t = sx_tok(x);
    sx_shape sh;
    if (sx_kw(t, "INSERT") && sx_kw(sx_at(x, 1), "INTO")) {
        x->i += 2;
        if (!sx_simple_path(x))
            return false;
        if (!sx_kw(sx_tok(x), "VALUE"))
            return sx_expr(x, -1, &sh);
        sx_adv(x);
        if (!sx_expr(x, -1, &sh))
            return false;
        if (sx_kw(sx_tok(x), "AT")) {
            sx_adv(x);
            if (!sx_expr(x, -1, &sh))
                return false;
        }
        if (sx_kw(sx_tok(x), "ON") && sx_kw(sx_at(x, 1), "CONFLICT")) {
            x->i += 2;
            if (!sx_expect_kw(x, "WHERE") || !sx_expr(x, -1, &sh))
                return false;
            if (!(sx_kw(sx_tok(x), "DO") && sx_kw(sx_at(x, 1), "NOTHING")))
                return sx_fail(x, "invalid ON CONFLICT syntax");
            x->i += 2;
        }
        return sx_returning(x);
    }
    if (sx_kw(t, "SET")) {
        sx_adv(x);
        for (;;) {
            if (!sx_simple_path(x))
                return false;
            if (sx_tok(x)->t != P_EQ)
                return sx_fail(x, "Expected '='");
            sx_adv(x);
            if (!sx_expr(x, -1, &sh))
                return false;
            if (sx_tok(x)->t != P_COMMA)
                return true;
            sx_adv(x);
        }
    }
    if (sx_kw(t, "REMOVE")) {
        sx_adv(x);
        return sx_simple_path(x);
    }
    return sx_fail(x, "Expected data manipulation");
}

static bool sx_base_dmls(sxp *x)
{
    if (!sx_base_dml(x))
        return false;
    while (sx_kw(sx_tok(x), "SET") || sx_kw(sx_tok(x), "REMOVE") ||
           (sx_kw(sx_tok(x), "INSERT") && sx_kw(sx_at(x, 1), "INTO")))
        if (!sx_base_dml(x))
            return false;
    return true;
}

static bool sx_where_returning(sxp *x)
{
    sx_shape sh;
    if (sx_kw(sx_tok(x), "WHERE")) {
        sx_adv(x);
        if (!sx_expr(x, -1, &sh))
            return false;
    }
    return sx_returning(x);
}

/* the clauses after a SELECT's projection */
static bool sx_select_rest(sxp *x)
{
    sx_shape sh;
    if (!sx_kw(sx_tok(x), "FROM"))
        return sx_fail(x, "Expected FROM after SELECT list");
    sx_adv(x);
    if (!sx_source(x, 6, true))
        return false;
    if (sx_kw(sx_tok(x), "LET")) {
        do {
            sx_adv(x);
            if (!sx_expr(x, -1, &sh) || !sx_expect_kw(x, "AS"))
                return false;
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Expected identifier for AS-alias");
            sx_adv(x);
        } while (sx_tok(x)->t == P_COMMA);
    }
    if (sx_kw(sx_tok(x), "WHERE")) {
        sx_adv(x);
        if (!sx_expr(x, 6, &sh))
            return false;
    }
    if (sx_kw(sx_tok(x), "ORDER")) {
        sx_adv(x);
        if (!sx_expect_kw(x, "BY"))
            return false;
        for (;;) {
            if (!sx_expr(x, -1, &sh))
                return false;
            if (sx_kw(sx_tok(x), "ASC") || sx_kw(sx_tok(x), "DESC"))
                sx_adv(x);
            if (sx_tok(x)->t != P_COMMA)
                break;
            sx_adv(x);
        }
    }
    bool top = x->top_select && x->depth == 1;
    if (sx_kw(sx_tok(x), "GROUP")) {
        if (top && !x->clause)
            x->clause = x->i;
        sx_adv(x);
        if (sx_kw(sx_tok(x), "PARTIAL"))
            sx_adv(x);
        if (!sx_expect_kw(x, "BY"))
            return false;
        for (;;) {
            const ptok *k = sx_tok(x);
            if (!sx_expr(x, 6, &sh))
                return false;
            if (sh.atom && (k->t == P_STR || k->t == P_NUM))
                return sx_fail(x, "Literals (including ordinals) not supported in GROUP BY");
            if (sx_kw(sx_tok(x), "AS")) {
                sx_adv(x);
                if (!sx_ident(sx_tok(x)))
                    return sx_fail(x, "Expected identifier for AS-alias");
                sx_adv(x);
            } else if (sx_ident(sx_tok(x))) {
                sx_adv(x);
            }
            if (sx_tok(x)->t != P_COMMA)
                break;
            sx_adv(x);
        }
        if (sx_kw(sx_tok(x), "GROUP")) {
            sx_adv(x);
            if (!sx_expect_kw(x, "AS"))
                return false;
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Expected identifier for GROUP name");
            sx_adv(x);
        }
    }
    const char *one[] = {"HAVING", "LIMIT"};
    for (size_t k = 0; k < 2; k++)
        if (sx_kw(sx_tok(x), one[k])) {
            if (top && !x->clause)
                x->clause = x->i;
            sx_adv(x);
            if (!sx_expr(x, 6, &sh))
                return false;
        }
    return true;
}

static bool sx_select(sxp *x)
{
    if (sx_kw(sx_tok(x), "DISTINCT") || sx_kw(sx_tok(x), "ALL"))
        sx_adv(x);
    sx_shape sh;
    if (sx_kw(sx_tok(x), "VALUE")) {
        sx_adv(x);
        if (!sx_expr(x, -1, &sh))
            return false;
        return sx_select_rest(x);
    }
    size_t n = 0;
    bool star = false;
    for (;;) {
        size_t at = x->i;
        if (sx_tok(x)->t == P_STAR) {
            sx_adv(x);
            star = true;
        } else {
            if (!sx_expr(x, -1, &sh))
                return false;
            if (sh.path && (sh.wild || sh.mid_star || (sh.last_star && sh.sqb)))
                return x->i = at, sx_fail(x, "Invalid use of * in select list");
            if (!sx_aliases(x, false)) /* AS / a bare name (AT, BY are not a select item's) */
                return false;
        }
        n++;
        if (sx_tok(x)->t != P_COMMA)
            break;
        sx_adv(x);
    }
    if (star && n > 1)
        return sx_fail(x, "Other expressions may not be present in the select list when '*' "
                          "is used without dot notation.");
    return sx_select_rest(x);
}

/* special forms reached from a term (the keyword consumed) */
static bool sx_call_args(sxp *x, const ptok *name)
{
    sx_shape sh;
    const ptok *t = sx_tok(x);
    if (sx_kw(name, "COUNT")) {
        if (t->t == P_RP)
            return sx_fail(x, "Aggregate functions are always unary");
        if (t->t == P_STAR) {
            sx_adv(x);
            return sx_expect(x, P_RP);
        }
        if (sx_kw(t, "DISTINCT") || sx_kw(t, "ALL")) {
            sx_adv(x);
            if (sx_tok(x)->t == P_STAR)
                return sx_fail(x, "COUNT(DISTINCT *) is not supported");
        }
        return sx_list(x) && sx_expect(x, P_RP);
    }
    bool agg = sx_kw(name, "AVG") || sx_kw(name, "MAX") || sx_kw(name, "MIN") || sx_kw(name, "SUM");
    if (agg && (sx_kw(t, "DISTINCT") || sx_kw(t, "ALL"))) {
        sx_adv(x);
        t = sx_tok(x);
    }
    if (t->t == P_STAR)
        return sx_fail(x, "(*) is not allowed");
    if (t->t == P_RP) {
        if (agg)
            return sx_fail(x, "Aggregate functions are always unary");
        sx_adv(x);
        return true;
    }
    size_t n = 0;
    for (;;) {
        if (!sx_expr(x, -1, &sh))
            return false;
        n++;
        if (sx_tok(x)->t != P_COMMA)
            break;
        sx_adv(x);
    }
    if (!sx_expect(x, P_RP))
        return false;
    if (agg && n != 1)
        return sx_fail(x, "Aggregate functions are always unary");
    return true;
}

static bool sx_special(sxp *x, const ptok *k)
{
    sx_shape sh;
    if (sx_kw(k, "CAST")) {
        if (!sx_expect(x, P_LP) || !sx_expr(x, -1, &sh) || !sx_expect_kw(x, "AS") || !sx_type(x))
            return false;
        return sx_expect(x, P_RP);
    }
    if (sx_kw(k, "CASE")) {
        if (!sx_kw(sx_tok(x), "WHEN") && !sx_expr(x, -1, &sh))
            return false;
        if (!sx_kw(sx_tok(x), "WHEN"))
            return sx_fail(x, "Expected a WHEN clause in CASE");
        while (sx_kw(sx_tok(x), "WHEN")) {
            sx_adv(x);
            if (!sx_expr(x, -1, &sh) || !sx_expect_kw(x, "THEN") || !sx_expr(x, -1, &sh))
                return false;
        }
        if (sx_kw(sx_tok(x), "ELSE")) {
            sx_adv(x);
            if (!sx_expr(x, -1, &sh))
                return false;
        }
        return sx_expect_kw(x, "END");
    }
    if (sx_kw(k, "VALUES")) {
        for (;;) {
            if (!sx_expect(x, P_LP) || !sx_list(x) || !sx_expect(x, P_RP))
                return false;
            if (sx_tok(x)->t != P_COMMA)
                return true;
            sx_adv(x);
        }
    }
    if (sx_kw(k, "PIVOT")) {
        if (!sx_expr(x, -1, &sh) || !sx_expect_kw(x, "AT") || !sx_expr(x, -1, &sh))
            return false;
        return sx_select_rest(x);
    }
    if (sx_kw(k, "DATE")) {
        const ptok *s = sx_tok(x);
        if (s->t != P_STR || s->tlen != 10 || s->text[4] != '-' || s->text[7] != '-')
            return sx_fail(x, "Expected date string followed by the keyword DATE");
        sx_adv(x);
        return true;
    }
    if (sx_kw(k, "TIME")) {
        if (sx_tok(x)->t == P_LP &&
            (!sx_expect(x, P_LP) || !sx_expect(x, P_NUM) || !sx_expect(x, P_RP)))
            return false;
        if (sx_kw(sx_tok(x), "WITH") && sx_kw(sx_at(x, 1), "TIME") && sx_kw(sx_at(x, 2), "ZONE"))
            x->i += 3;
        return sx_expect(x, P_STR);
    }
    /* SUBSTRING / TRIM / EXTRACT / DATE_ADD / DATE_DIFF: their own argument forms, read as
     * a balanced run of tokens */
    if (!sx_expect(x, P_LP))
        return false;
    for (int d = 1; d > 0;) {
        const ptok *t = sx_tok(x);
        if (t->t == P_EOF)
            return sx_fail(x, "Unexpected end of statement");
        d += t->t == P_LP ? 1 : t->t == P_RP ? -1 : 0;
        sx_adv(x);
    }
    return true;
}

/* DML / DDL / EXEC: the statement's own forms (only at its start) */
static bool sx_top(sxp *x, const ptok *k)
{
    sx_shape sh;
    if (x->i != 1 || x->depth > 1)
        return x->i--, sx_fail(x, "Keyword only expected at the top level in the query");
    if (sx_kw(k, "UPDATE") || sx_kw(k, "DELETE")) {
        bool del = sx_kw(k, "DELETE");
        if (del && !sx_expect_kw(x, "FROM"))
            return false;
        if (!sx_simple_path(x) || !sx_aliases(x, true))
            return false;
        if (!del && !sx_base_dmls(x))
            return false;
        return sx_where_returning(x);
    }
    if (sx_kw(k, "FROM")) {
        if (!sx_source(x, -1, true))
            return false;
        if (sx_kw(sx_tok(x), "WHERE")) {
            sx_adv(x);
            if (!sx_expr(x, -1, &sh))
                return false;
        }
        return sx_base_dmls(x) && sx_returning(x);
    }
    if (sx_kw(k, "CREATE") || sx_kw(k, "DROP")) {
        bool create = sx_kw(k, "CREATE");
        if (sx_kw(sx_tok(x), "TABLE")) {
            sx_adv(x);
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Expected identifier!");
            sx_adv(x);
        } else if (sx_kw(sx_tok(x), "INDEX")) {
            sx_adv(x);
            if (!create) {
                if (!sx_ident(sx_tok(x)))
                    return sx_fail(x, "Expected identifier!");
                sx_adv(x);
            }
            if (!sx_expect_kw(x, "ON"))
                return false;
            if (!sx_ident(sx_tok(x)))
                return sx_fail(x, "Expected identifier!");
            sx_adv(x);
            if (create) {
                if (!sx_expect(x, P_LP))
                    return false;
                for (;;) {
                    if (!sx_simple_path(x))
                        return false;
                    if (sx_tok(x)->t != P_COMMA)
                        break;
                    sx_adv(x);
                }
                if (!sx_expect(x, P_RP))
                    return false;
            }
        } else {
            return sx_fail(x, "Unexpected token");
        }
        return sx_tok(x)->t == P_EOF || sx_fail(x, "Unexpected token");
    }
    if (sx_kw(k, "EXEC")) {
        if (sx_tok(x)->t == P_EOF)
            return sx_fail(x, "No stored procedure provided");
        sx_adv(x);
        if (sx_tok(x)->t == P_EOF)
            return true;
        if (sx_tok(x)->t == P_LP)
            return sx_fail(x, "Unexpected token");
        return sx_list(x);
    }
    return sx_base_dml(x); /* INSERT INTO / SET / REMOVE */
}

static bool sx_term(sxp *x, sx_shape *sh)
{
    const ptok *t = sx_tok(x);
    switch (t->t) {
    case P_STR:
    case P_NUM:
    case P_PARAM:
    case P_ION:
        sx_adv(x);
        sh->atom = true;
        return true;
    case P_IDENT:
    case P_QIDENT:
        sx_adv(x);
        if (sx_tok(x)->t == P_LP) {
            sx_adv(x);
            return sx_call_args(x, t);
        }
        sh->atom = true;
        return true;
    case P_LP: {
        sx_adv(x);
        size_t n = 0;
        sx_shape in;
        for (;;) {
            memset(&in, 0, sizeof in);
            if (!sx_expr(x, -1, &in))
                return false;
            n++;
            if (sx_tok(x)->t != P_COMMA)
                break;
            sx_adv(x);
        }
        if (!sx_expect(x, P_RP))
            return false;
        if (n == 1)
            *sh = in;
        sh->path = false; /* "(m.x)" is the path, but no longer a path term's steps */
        if (n == 1 && in.path)
            sh->path = true;
        return true;
    }
    case P_LB:
    case P_LBAG: {
        ptt close = t->t == P_LB ? P_RB : P_RBAG;
        sx_adv(x);
        if (sx_tok(x)->t == close) {
            sx_adv(x);
            return true;
        }
        return sx_list(x) && sx_expect(x, close);
    }
    case P_LBRACE:
        sx_adv(x);
        if (sx_tok(x)->t == P_RBRACE) {
            sx_adv(x);
            return true;
        }
        for (;;) {
            sx_shape k;
            if (!sx_expr(x, -1, &k) || !sx_expect(x, P_COLON) || !sx_expr(x, -1, &k))
                return false;
            if (sx_tok(x)->t != P_COMMA)
                break;
            sx_adv(x);
        }
        return sx_expect(x, P_RBRACE);
    case P_KW:
        break;
    default:
        return sx_fail(x, pq_term_detail(t));
    }
    sx_adv(x);
    if (sx_kw(t, "NULL") || sx_kw(t, "MISSING") || sx_kw(t, "TRUE") || sx_kw(t, "FALSE")) {
        sh->atom = true;
        return true;
    }
    if (sx_kw(t, "SELECT"))
        return sx_select(x);
    if (sx_kw(t, "UPDATE") || sx_kw(t, "DELETE") || sx_kw(t, "FROM") || sx_kw(t, "CREATE") ||
        sx_kw(t, "DROP") || sx_kw(t, "EXEC") || sx_kw(t, "SET") || sx_kw(t, "REMOVE") ||
        (sx_kw(t, "INSERT") && sx_kw(sx_tok(x), "INTO"))) {
        sh->top = true;
        if (!(sx_kw(t, "SET") || sx_kw(t, "REMOVE") || sx_kw(t, "INSERT")))
            return sx_top(x, t);
        if (x->i != 1 || x->depth > 1)
            return x->i--, sx_fail(x, "Keyword only expected at the top level in the query");
        x->i--;
        return sx_base_dml(x);
    }
    if (sx_kw(t, "CASE") || sx_kw(t, "CAST") || sx_kw(t, "VALUES") || sx_kw(t, "PIVOT") ||
        sx_kw(t, "DATE") || sx_kw(t, "TIME") || sx_kw(t, "SUBSTRING") || sx_kw(t, "TRIM") ||
        sx_kw(t, "EXTRACT") || sx_kw(t, "DATE_ADD") || sx_kw(t, "DATE_DIFF"))
        return sx_special(x, t);
    static const char *const fns[] = {"EXISTS",
                                      "AVG",
                                      "COUNT",
                                      "MAX",
                                      "MIN",
                                      "SUM",
                                      "SIZE",
                                      "UPPER",
                                      "LOWER",
                                      "COALESCE",
                                      "NULLIF",
                                      "CHAR_LENGTH",
                                      "CHARACTER_LENGTH",
                                      "OCTET_LENGTH",
                                      "BIT_LENGTH"};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++)
        if (sx_kw(t, fns[k])) {
            if (sx_tok(x)->t != P_LP)
                break;
            sx_adv(x);
            return sx_call_args(x, t);
        }
    x->i--;
    return sx_fail(x, pq_term_detail(t));
}

/* a term and its path steps */
static bool sx_path_term(sxp *x, sx_shape *sh)
{
    if (!sx_term(x, sh))
        return false;
    if (sh->top)
        return true;
    size_t steps = 0;
    for (;;) {
        const ptok *t = sx_tok(x);
        if (t->t == P_DOT) {
            sx_adv(x);
            const ptok *c = sx_tok(x);
            if (c->t == P_STAR) {
                if (sh->last_star)
                    sh->mid_star = true;
                sh->last_star = true;
            } else if (sx_ident(c)) {
                if (sh->last_star)
                    sh->mid_star = true;
                sh->last_star = false;
            } else {
                return sx_fail(x, "Invalid path dot component");
            }
            sx_adv(x);
        } else if (t->t == P_LB) {
            sx_adv(x);
            if (sh->last_star)
                sh->mid_star = true;
            sh->last_star = false;
            sh->sqb = true;
            if (sx_tok(x)->t == P_STAR) {
                sh->wild = true;
                sx_adv(x);
            } else {
                sx_shape in;
                if (!sx_expr(x, -1, &in))
                    return false;
            }
            if (!sx_expect(x, P_RB))
                return false;
        } else {
            break;
        }
        steps++;
    }
    if (steps) {
        sh->path = true;
        sh->atom = false;
        sh->steps = steps;
    }
    return true;
}

static bool sx_unary(sxp *x, sx_shape *sh)
{
    const ptok *t = sx_tok(x);
    if (t->t == P_PLUS || t->t == P_MINUS) {
        if (++x->depth > SX_MAX_DEPTH) /* +-+-+-...: too deep to read here, no verdict */
            return sx_fail(x, NULL);
        sx_adv(x);
        if (!sx_unary(x, sh))
            return false;
        x->depth--;
        /* a sign folds into a number literal; anything else is an operator applied */
        if (!(sh->atom && x->p->t[x->i - 1].t == P_NUM))
            sh->atom = sh->path = false;
        return true;
    }
    if (sx_kw(t, "NOT")) {
        const ptok *n = sx_at(x, 1);
        if (sx_kw(n, "IN") || sx_kw(n, "BETWEEN") || sx_kw(n, "LIKE"))
            return sx_fail(x, "Unexpected operator");
        sx_adv(x);
        if (!sx_expr(x, 30, sh))
            return false;
        sh->atom = sh->path = false;
        return true;
    }
    return sx_path_term(x, sh);
}

static bool sx_expr(sxp *x, int prec, sx_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (++x->depth > SX_MAX_DEPTH) /* too deep to read here: no verdict */
        return sx_fail(x, NULL);
    if (!sx_unary(x, sh))
        return false;
    size_t span;
    int op;
    while ((op = sx_infix(x, &span)) > 0 && op > prec) {
        const ptok *o = sx_tok(x);
        if (sh->top) /* the statement's operation under an operator */
            return sx_fail(x, "Unexpected token after expression");
        bool is = sx_kw(o, "IS"),
             in = sx_kw(o, "IN") || (sx_kw(o, "NOT") && sx_kw(sx_at(x, 1), "IN"));
        bool between = sx_kw(o, "BETWEEN") || (sx_kw(o, "NOT") && sx_kw(sx_at(x, 1), "BETWEEN"));
        bool like = sx_kw(o, "LIKE") || (sx_kw(o, "NOT") && sx_kw(sx_at(x, 1), "LIKE"));
        x->i += span;
        memset(sh, 0, sizeof *sh);
        sx_shape r;
        if (is) {
            if (!sx_type(x))
                return false;
            continue;
        }
        if (sx_tok(x)->t == P_EOF)
            return sx_fail(x, "Missing right-hand side expression of infix operator");
        if (in && sx_tok(x)->t == P_LP && !sx_kw(sx_at(x, 1), "SELECT") &&
            !sx_kw(sx_at(x, 1), "VALUES")) {
            sx_adv(x);
            if (!sx_list(x) || !sx_expect(x, P_RP))
                return false;
            continue;
        }
        if (!sx_expr(x, op, &r))
            return false;
        if (between) {
            if (!sx_expect_kw(x, "AND"))
                return false;
            if (sx_tok(x)->t == P_EOF || (sx_tok(x)->t == P_SEMI && sx_at(x, 1)->t == P_EOF))
                return sx_fail(x, "Expected expression after AND");
            if (!sx_expr(x, op, &r))
                return false;
        } else if (like && sx_kw(sx_tok(x), "ESCAPE")) {
            sx_adv(x);
            if (!sx_expr(x, op, &r))
                return false;
        }
    }
    x->depth--;
    return true;
}

/* Whether the statement has a syntax error PartiQL's grammar finds; *detail its name (the
 * message names no position). */
bool pq_sx_statement(pp *p, const char **detail, size_t *clause)
{
    sxp x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.top_select = sx_kw(&p->t[0], "SELECT");
    sx_shape sh;
    if (sx_expr(&x, -1, &sh)) {
        const ptok *t = sx_tok(&x);
        *clause = x.clause;
        if (t->t == P_SEMI && sx_at(&x, 1)->t == P_EOF)
            return false;
        if (t->t == P_EOF)
            return false;
        sx_fail(&x, t->t == P_SEMI ? "Unexpected token after semicolon. (Only one query is "
                                     "allowed.)"
                                   : "Unexpected token after expression");
    }
    *detail = x.detail;
    return x.detail != NULL;
}

/* Steps over an expression at the cursor with the syntax pass (prec: the lowest operator
 * precedence it takes; -1 all): 0 with the cursor after it, or its syntax error there (too deep
 * for the pass: the parser's own depth guard's text). */
int pq_sx_step(pp *p, int prec)
{
    sxp x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.i = p->i;
    sx_shape sh;
    if (!sx_expr(&x, prec, &sh)) {
        p->i = x.at;
        return pq_syn(p, x.detail ? x.detail : "Unexpected token");
    }
    p->i = x.i;
    return 0;
}
