/*
 * expr_partiql_lit — the PartiQL parser's token cursor, its errors' order, value slots and
 * literals.  Layer: expr.  See expr_partiql_int.h.
 *
 * The parser reads p->t with pq_peek / pq_next / pq_accept / pq_expect and records its first
 * error: pq_syn (expr_partiql_lex.c) for a syntax error, pq_sem for a semantic one with
 * DynamoDB's " at <line>:<column>:<length>", held back behind a select-list or shape refusal
 * that DynamoDB reports first (earlier_refusal).  Every value the statement writes (a literal
 * or `?`) becomes an EN_VALUE node ":<slot>" whose slot holds a pq_tmpl; the literal readers
 * (numbers, strings, Ion, lists, tuples, bags) check it with DynamoDB's texts, naming where it
 * sits (lctx: "root.x[1]").
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.data-types.html
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"
#include "expr/expr_partiql_int.h"

/* ---- the errors' order ---------------------------------------------------------------- */

/* The held-back select-list refusal becomes the error, when there is one. */
static bool take_pending(pp *p)
{
    if (!p->has_pend || p->rc)
        return false;
    p->rc = err_set(p->e, ERR_VALIDATION, "%s", p->pend);
    return true;
}

int pq_select_dups(pp *p);

/* Before a semantic error is recorded: the held-back select-list refusal, or the select
 * list's duplicates, when either comes first; true when one became the error. */
static bool earlier_refusal(pp *p)
{
    if (p->has_shape && !p->rc) {
        p->rc = err_set(p->e, ERR_VALIDATION, "%s", p->shape);
        return true;
    }
    if (take_pending(p))
        return true;
    if (!p->dup_first)
        return false;
    p->dup_first = false;
    return pq_select_dups(p) != 0;
}

/* Records a shape refusal (the first of the lowest rank) and lets the parse go on. */
void pq_shape_refusal_ranked(pp *p, const char *text, int rank)
{
    if ((p->has_shape && rank >= p->shape_rank) || p->rc)
        return;
    snprintf(p->shape, sizeof p->shape, "%s", text);
    p->has_shape = true;
    p->shape_rank = rank;
}

void pq_shape_refusal(pp *p, const char *text)
{
    pq_shape_refusal_ranked(p, text, SHAPE_PROJECTION);
}

/* The syntax error for an unexpected token. */
const char *pq_unexpected_detail(const ptok *t)
{
    return t->t == P_KW    ? "Unexpected keyword"
           : t->t == P_EOF ? "Unexpected end of statement"
                           : "Unexpected token";
}
int pq_unexpected(pp *p, const ptok *t)
{
    return pq_syn(p, pq_unexpected_detail(t));
}

/* PartiQL's parser names the token found where a term (an operand, a value, a FROM source)
 * should start: an operator ("Unexpected operator": =, <, ||, AND, OR, IS, IN, LIKE, BETWEEN,
 * ...), another keyword ("Unexpected keyword"), anything else, the end included ("Unexpected
 * term").  A sign is a unary operator: the term after it is what is judged.  AWS 2026-10 (the
 * conformance suite fork's tier3 error-messages/partiqlGrammar): "WHERE" at the end "Unexpected
 * term", "WHERE IS NULL" and "pk = LIKE" "Unexpected operator", "WHERE ORDER BY" "Unexpected
 * keyword". */
const char *pq_term_detail(const ptok *t)
{
    switch (t->t) {
    case P_EQ:
    case P_NE:
    case P_LT:
    case P_LE:
    case P_GT:
    case P_GE:
    case P_OTHER:
        return "Unexpected operator";
    case P_KW:
        if (t->k == KW_AND || t->k == KW_OR || t->k == KW_NOT || t->k == KW_IS || t->k == KW_IN ||
            t->k == KW_BETWEEN ||
            (t->k == KW_OTHER &&
             (strcmp(t->kwname, "LIKE") == 0 || strcmp(t->kwname, "UNION") == 0 ||
              strcmp(t->kwname, "INTERSECT") == 0 || strcmp(t->kwname, "EXCEPT") == 0)))
            return "Unexpected operator";
        return "Unexpected keyword";
    default:
        return "Unexpected term";
    }
}

int pq_term_error(pp *p, const ptok *t)
{
    while ((t->t == P_PLUS || t->t == P_MINUS) && t + 1 < p->t + p->nt)
        t++;
    return pq_syn(p, pq_term_detail(t));
}

/* A semantic error with DynamoDB's position suffix. */
int pq_sem(pp *p, const ptok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int pq_sem(pp *p, const ptok *t, const char *fmt, ...)
{
    if (p->rc || earlier_refusal(p))
        return p->rc;
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t)
        p->rc = err_set(p->e, ERR_VALIDATION, "%s at %u:%u:%u", msg, t->line, t->col, t->clen);
    else
        p->rc = err_set(p->e, ERR_VALIDATION, "%s", msg);
    p->sem_xlate = p->xlate;
    p->sem_at = t && t >= p->t && t < p->t + p->nt ? (size_t)(t - p->t) : p->i;
    return p->rc;
}

/* The name DynamoDB gives a select item's column (its last name step), or NULL. */
static const expr_pel *alias_of(const expr_node *path)
{
    const expr_pel *last = &path->u.path.el[path->u.path.n - 1];
    return last->is_index ? NULL : last;
}

/* Duplicate column names ("SELECT v, v"). */
int pq_select_dups(pp *p)
{
    expr_pq *s = p->s;
    for (size_t i = 0; i < s->nsel; i++) {
        const expr_pel *a = alias_of(s->sel[i]);
        for (size_t j = 0; a && j < i; j++) {
            const expr_pel *b = alias_of(s->sel[j]);
            if (b && a->len == b->len && memcmp(a->name, b->name, a->len) == 0) {
                p->xlate = false; /* the select list's: ahead of the parameters */
                return pq_sem(p, NULL, "Duplicate identifiers in select clause: %.*s", (int)a->len,
                              a->name);
            }
        }
    }
    return 0;
}

/* ---- parser helpers ------------------------------------------------------------------- */

int pq_expect_kw(pp *p, kwid k)
{
    if (pq_accept_kw(p, k))
        return 0;
    return pq_unexpected(p, pq_peek(p));
}
int pq_expect(pp *p, ptt t)
{
    if (pq_accept(p, t))
        return 0;
    return pq_unexpected(p, pq_peek(p));
}

/* After an infix operator: nothing but the end is PartiQL's "Missing right-hand side
 * expression of infix operator" (AWS 2026-10: "... WHERE pk = 'p1' AND"). */
int pq_rhs_missing(pp *p)
{
    if (pq_peek(p)->t == P_EOF)
        return pq_syn(p, "Missing right-hand side expression of infix operator");
    return 0;
}

/* Whether only the end of the statement (an optional ";") is left. */
bool pq_at_statement_end(pp *p)
{
    const ptok *t = pq_peek(p);
    return t->t == P_EOF || (t->t == P_SEMI && pq_peek2(p)->t == P_EOF);
}

/* Identifier text of an unquoted or quoted name token. */
const char *pq_tok_name(pp *p, const ptok *t, size_t *len)
{
    if (t->t == P_QIDENT || t->t == P_STR || (t->t == P_IDENT && t->text)) {
        *len = t->tlen;
        return t->text;
    }
    *len = t->e - t->s;
    return p->src + t->s;
}

/* ---- value slots ---------------------------------------------------------------------- */

static pq_tmpl *tmpl_new(pp *p, pt_kind k, const ptok *at)
{
    pq_tmpl *x = arena_zalloc(p->a, sizeof *x);
    if (!x) {
        pq_nomem(p);
        return NULL;
    }
    x->k = k;
    if (at) {
        x->line = at->line;
        x->col = at->col;
        x->clen = at->clen;
    }
    return x;
}

/* Registers a template as a slot and returns the EN_VALUE node naming it. */
expr_node *pq_slot_node(pp *p, pq_tmpl *t)
{
    expr_pq *s = p->s;
    if (s->nslots == s->cap_slots) {
        size_t nc = s->cap_slots ? s->cap_slots * 2 : 8;
        pq_tmpl **ns = arena_grow(p->a, s->slots, s->nslots, nc, sizeof *ns);
        char **nn = arena_grow(p->a, s->slot_names, s->nslots, nc, sizeof *nn);
        if (!ns || !nn) {
            pq_nomem(p);
            return NULL;
        }
        s->slots = ns;
        s->slot_names = nn;
        s->cap_slots = nc;
    }
    char digits[24], *name = arena_alloc(p->a, sizeof digits + 1);
    size_t nd = 0, v = s->nslots;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (name) {
        name[0] = ':';
        for (size_t k = 0; k < nd; k++)
            name[1 + k] = digits[nd - 1 - k];
        name[1 + nd] = 0;
    }
    expr_node *x = expr_node_new(p->a, EN_VALUE, 0, 0);
    if (!name || !x) {
        pq_nomem(p);
        return NULL;
    }
    s->slots[s->nslots] = t;
    s->slot_names[s->nslots] = name;
    s->nslots++;
    x->u.val.ph = name;
    x->u.val.ph_len = strlen(name);
    return x;
}

/* A literal value node (the literal lives in the statement's arena). */
expr_node *pq_lit_node(pp *p, av_t v)
{
    pq_tmpl *t = tmpl_new(p, PT_LIT, NULL);
    if (!t)
        return NULL;
    t->lit = v;
    return pq_slot_node(p, t);
}

/* ---- literals ------------------------------------------------------------------------- */

void pq_lctx_root(lctx *c)
{
    memcpy(c->s, "root", 5);
    memcpy(c->v, "root", 5);
    c->n = c->vn = 4;
}

/* Appends text to a path buffer (cut to fit). */
static void lctx_add(char *b, size_t cap, size_t *n, const char *t, size_t len)
{
    size_t k = len < cap - 1 - *n ? len : cap - 1 - *n;
    memcpy(b + *n, t, k);
    *n += k;
    b[*n] = 0;
}

/* Descends into a map member (index false) or a list element; returns the mark lctx_pop
 * restores. */
static lmark lctx_push(lctx *c, const char *seg, size_t len, bool index)
{
    lmark old = {c->n, c->vn};
    lctx_add(c->s, sizeof c->s, &c->n, index ? "[" : ".", 1);
    lctx_add(c->s, sizeof c->s, &c->n, seg, len);
    if (index)
        lctx_add(c->s, sizeof c->s, &c->n, "]", 1);
    lctx_add(c->v, sizeof c->v, &c->vn, index ? "[" : ".", 1);
    lctx_add(c->v, sizeof c->v, &c->vn, seg, len);
    if (index)
        lctx_add(c->v, sizeof c->v, &c->vn, "]", 1);
    return old;
}

static void lctx_pop(lctx *c, lmark m)
{
    c->n = m.n;
    c->s[m.n] = 0;
    c->vn = m.vn;
    c->v[m.vn] = 0;
}

int pq_parse_tmpl(pp *p, pq_tmpl **out, lctx *c, bool top);
int pq_cmp_op(const ptok *t);

/* An Ion literal's type, the way DynamoDB names it in its message. */
static const char *ion_type(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
        i++;
    if (i >= n)
        return "NULL";
    char ch = s[i];
    if (ch == '{' && i + 1 < n && s[i + 1] == '{')
        return "BLOB";
    if (ch == '{')
        return "STRUCT";
    if (ch == '[')
        return "LIST";
    if (ch == '(')
        return "SEXP";
    if (ch == '"' || ch == '\'')
        return ch == '"' ? "STRING" : "SYMBOL";
    if (pq_is_digit(ch) || ch == '-' || ch == '+') {
        for (size_t k = i; k < n; k++) {
            if (s[k] == 'e' || s[k] == 'E')
                return "FLOAT";
            if (s[k] == '.' || s[k] == 'd' || s[k] == 'D')
                return "DECIMAL";
            if (s[k] == 'T' || (s[k] == '-' && k > i))
                return "TIMESTAMP";
        }
        return "INT";
    }
    if (n - i >= 4 && (strncmp(s + i, "true", 4) == 0 || strncmp(s + i, "false", 5) == 0))
        return "BOOL";
    if (n - i >= 4 && strncmp(s + i, "null", 4) == 0)
        return "NULL";
    return "SYMBOL";
}

/* A number token (with an optional leading minus already consumed: neg). */
static int number_tmpl(pp *p, const ptok *t, bool neg, lctx *c, pq_tmpl **out)
{
    size_t n = t->e - t->s;
    char *txt = arena_alloc(p->a, n + 2);
    if (!txt)
        return pq_nomem(p);
    size_t k = 0;
    if (neg)
        txt[k++] = '-';
    memcpy(txt + k, p->src + t->s, n);
    k += n;
    txt[k] = 0;
    bool decimal = memchr(p->src + t->s, '.', n) || memchr(p->src + t->s, 'e', n) ||
                   memchr(p->src + t->s, 'E', n);
    if (neg && decimal) {
        bool zero = true;
        for (size_t i = t->s; i < t->e; i++) {
            char ch = p->src[i];
            if (ch == 'e' || ch == 'E')
                break;
            if (ch >= '1' && ch <= '9')
                zero = false;
        }
        if (zero)
            return pq_sem(p, t, "Negative zero decimal is not supported under key %s", c->s);
    }
    /* PartiQL reads a literal as an Ion decimal: its exponent and its scale (the digits after
     * the point less the exponent) are 32-bit; beyond, the parser fails with nothing after
     * the envelope (AWS 2026-10: 1e2147483648, 1e99999999999, 1.5e-2147483647) */
    long long frac = 0, ex = 0;
    bool in_frac = false, big = false;
    for (uint32_t i = t->s; i < t->e; i++) {
        char ch = p->src[i];
        if (ch == '.') {
            in_frac = true;
        } else if (ch == 'e' || ch == 'E') {
            bool eneg = false;
            i++;
            if (i < t->e && (p->src[i] == '+' || p->src[i] == '-'))
                eneg = p->src[i++] == '-';
            for (; i < t->e; i++) {
                ex = ex * 10 + (p->src[i] - '0');
                if (ex > 4294967296LL) {
                    big = true;
                    break;
                }
            }
            if (eneg)
                ex = -ex;
            break;
        } else if (in_frac) {
            frac++;
        }
    }
    if (big || ex > INT32_MAX || ex < INT32_MIN || frac - ex > INT32_MAX || frac - ex < INT32_MIN)
        return pq_syn(p, "");
    pq_tmpl *x = tmpl_new(p, PT_LIT, t);
    if (!x)
        return p->rc;
    err_t ne;
    err_clear(&ne);
    int rc = av_make_n(p->a, txt, k, &x->lit, &ne);
    if (rc) {
        if (rc == ERR_NOMEM)
            return pq_nomem(p);
        /* the attribute-value check, naming where the literal sits (AWS 2026-10:
         * "Number overflow. ... under root.x") */
        if (!p->rc && !earlier_refusal(p))
            p->rc = err_set(p->e, rc, "%s under %s", ne.msg, c->v);
        return p->rc;
    }
    *out = x;
    return 0;
}

#define TXT_PQ_BAG "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"

/* A set literal with a member twice, as the service words it (AWS eu-west-2 2026-09/10:
 * INSERT, WHERE and set_add alike): its members as written, joined by ", ", in the older
 * attribute-value layer's text; a number set's text ends "! under <where the literal sits>"
 * (set_add(n, <<2, 2.0>>): "... [2, 2.0] contains duplicates! under root"). */
static int bag_dups(pp *p, const pq_tmpl *x, const ptok *const *mt, const bool *mneg, bool numbers,
                    const lctx *c)
{
    size_t total = 3;
    for (size_t i = 0; i < x->n; i++)
        total += 3 + (numbers ? mt[i]->e - mt[i]->s : x->kids[i]->lit.u.str.len);
    char *list = arena_alloc(p->a, total);
    if (!list)
        return pq_nomem(p);
    size_t n = 0;
    list[n++] = '[';
    for (size_t i = 0; i < x->n; i++) {
        if (i) {
            list[n++] = ',';
            list[n++] = ' ';
        }
        if (numbers) {
            if (mneg[i])
                list[n++] = '-';
            memcpy(list + n, p->src + mt[i]->s, mt[i]->e - mt[i]->s);
            n += mt[i]->e - mt[i]->s;
        } else {
            memcpy(list + n, x->kids[i]->lit.u.str.ptr, x->kids[i]->lit.u.str.len);
            n += x->kids[i]->lit.u.str.len;
        }
    }
    list[n++] = ']';
    list[n] = 0;
    if (numbers)
        return pq_sem(p, NULL,
                      "One or more parameter values were invalid: Input collection %s contains "
                      "duplicates! under %s",
                      list, c->v);
    return pq_sem(p, NULL,
                  "One or more parameter values were invalid: Input collection %s contains "
                  "duplicates.",
                  list);
}

/* What a collection member written as an expression is refused as ("[n + 1]", "{'a': n =
 * 1}", "<<n + 1>>", "[size(l)]", "[n IS NULL]", "[m.*]"): DynamoDB Local names the PartiQL
 * node at the root of the member's tree, at its operator, ahead of what is inside it. */
bool pq_paren_number_ahead(const pp *p, size_t i);
bool pq_is_name_tok(const ptok *t);

/* The root of a collection member's expression: the top-level operator of the lowest
 * precedence (OR; AND; NOT, the first; comparisons, IS, IN, BETWEEN, LIKE; ||; + and -; * / %),
 * the last of equal binary ones (they associate to the left), else a call (its name); a sign
 * where an operand starts is no operator, nor is BETWEEN's AND, IS's or NOT IN's NOT. */
nary pq_nary_ahead(const pp *p)
{
    nary r = {NULL, "NAry"};
    const ptok *call = NULL;
    int root_prec = 99, depth = 0;
    bool operand = false, between = false, path_star = false;
    for (size_t i = p->i; i < p->nt; i++) {
        const ptok *t = &p->t[i];
        if (t->t == P_EOF)
            break;
        if (t->t == P_LP || t->t == P_LB || t->t == P_LBRACE || t->t == P_LBAG) {
            if (depth == 0 && t->t == P_LP && i > p->i && !call &&
                (p->t[i - 1].t == P_IDENT || p->t[i - 1].t == P_KW))
                call = &p->t[i - 1];
            depth++;
            operand = false;
            continue;
        }
        if (t->t == P_RP || t->t == P_RB || t->t == P_RBRACE || t->t == P_RBAG) {
            if (depth-- == 0)
                break;
            operand = true;
            continue;
        }
        if (depth > 0)
            continue;
        if (t->t == P_COMMA || t->t == P_COLON || pq_is_kw(t, KW_FROM))
            break;
        if (t->t == P_STAR && i > p->i && p->t[i - 1].t == P_DOT) {
            path_star = true;
            operand = true;
            continue;
        }
        int prec = 0;
        const char *kind = "NAry";
        if (pq_is_kw(t, KW_OR)) {
            prec = 1;
        } else if (pq_is_kw(t, KW_AND)) {
            if (between) {
                between = false;
                operand = false;
                continue;
            }
            prec = 2;
        } else if (pq_is_kw(t, KW_NOT)) {
            if (operand || (i > p->i && pq_is_kw(&p->t[i - 1], KW_IS)))
                continue; /* NOT IN / NOT BETWEEN / IS NOT: part of that operator */
            prec = 3;
        } else if (pq_cmp_op(t) >= 0 || t->t == P_NE || pq_is_kw(t, KW_IN) || pq_is_kw(t, KW_IS) ||
                   pq_is_kw(t, KW_BETWEEN) ||
                   (pq_is_kw(t, KW_OTHER) && strcmp(t->kwname, "LIKE") == 0)) {
            prec = 4;
            between = pq_is_kw(t, KW_BETWEEN);
            if (pq_is_kw(t, KW_IS))
                kind = "Typed";
        } else if (t->t == P_OTHER && t->e - t->s == 2 && p->src[t->s] == '|') {
            prec = 5;
        } else if ((t->t == P_PLUS || t->t == P_MINUS) && operand) {
            prec = 6;
        } else if ((t->t == P_STAR || t->t == P_OTHER) && operand) {
            prec = 7;
        }
        if (prec) {
            /* binary operators: the last of equals; NOT (a prefix): the first */
            if (prec < root_prec || (prec == root_prec && prec != 3)) {
                r.at = t;
                r.kind = kind;
                root_prec = prec;
            }
            operand = false;
            continue;
        }
        operand = t->t != P_PLUS && t->t != P_MINUS;
    }
    const ptok *t0 = &p->t[p->i];
    if (!r.at && call) {
        r.at = call;
    } else if (!r.at && path_star) {
        r.kind = "Path";
    } else if (!r.at && (t0->t == P_MINUS || t0->t == P_PLUS)) {
        /* a sign before anything but a number (also parenthesised) is a unary operator */
        size_t i = p->i;
        while (i < p->nt && (p->t[i].t == P_MINUS || p->t[i].t == P_PLUS))
            i++;
        if (i < p->nt && p->t[i].t != P_NUM && !pq_paren_number_ahead(p, i))
            r.at = t0;
    } else if (!r.at && pq_is_name_tok(t0) && p->i + 1 < p->nt &&
               (p->t[p->i + 1].t == P_DOT || p->t[p->i + 1].t == P_LB)) {
        r.kind = "Path"; /* a path with steps: "Path", with no position (a name alone is a
                          * VariableReference, named by parse_tmpl) */
    }
    return r;
}

/* A collection member's expression refused (nary_ahead), or 0 when the member is none. */
static int nary_refuse(pp *p, const lctx *c, bool bag)
{
    nary n = pq_nary_ahead(p);
    if (!n.at && strcmp(n.kind, "Path") != 0)
        return 0;
    if (bag)
        return pq_sem(p, n.at ? n.at : pq_peek(p), TXT_PQ_BAG);
    if (!n.at)
        return pq_sem(p, NULL, "Unsupported data type: Path under key %s", c->s);
    return pq_sem(p, n.at, "Unsupported data type: %s under key %s", n.kind, c->s);
}

/* <<'a', 'b'>> / <<1, 2>>: string or number literals only. */
static int parse_bag(pp *p, const ptok *open, lctx *c, pq_tmpl **out)
{
    pq_tmpl *x = tmpl_new(p, PT_BAG, open);
    if (!x)
        return p->rc;
    /* no position: AWS 2026-09/10 (INSERT 's': <<>>, set_add(ss, <<>>)); DynamoDB Local
     * adds one */
    if (pq_accept(p, P_RBAG))
        return pq_sem(p, NULL, "Empty bags are not supported");
    size_t cap = 0;
    av_type st = AV_NONE;
    bool mixed = false;
    const ptok **mt = NULL; /* each member's number token, for the duplicates text */
    bool *mneg = NULL;
    for (;;) {
        size_t open = 0; /* a member may be parenthesised: <<('x')>> (DynamoDB Local) */
        while (pq_peek(p)->t == P_LP &&
               (pq_peek2(p)->t == P_LP || pq_peek2(p)->t == P_STR || pq_peek2(p)->t == P_NUM ||
                pq_peek2(p)->t == P_MINUS || pq_peek2(p)->t == P_PLUS)) {
            pq_next(p);
            open++;
        }
        const ptok *t = pq_peek(p);
        const ptok *numtok = NULL;
        bool neg = false;
        pq_tmpl *k = NULL;
        if (nary_refuse(p, c, true))
            return p->rc;
        if (t->t == P_STR) {
            pq_next(p);
            if (!(k = tmpl_new(p, PT_LIT, t)))
                return p->rc;
            k->lit = av_make_s(t->text, t->tlen);
        } else if (t->t == P_NUM ||
                   ((t->t == P_MINUS || t->t == P_PLUS) && pq_peek2(p)->t == P_NUM)) {
            neg = t->t == P_MINUS;
            if (t->t != P_NUM)
                pq_next(p);
            numtok = pq_next(p);
            if (number_tmpl(p, numtok, neg, c, &k))
                return p->rc;
        } else if (t->t == P_RBAG || t->t == P_EOF || t->t == P_COMMA) {
            return pq_unexpected(p, t);
        } else {
            return pq_sem(p, t, TXT_PQ_BAG);
        }
        av_type one = k->lit.type == AV_S ? AV_SS : AV_NS;
        if (st != AV_NONE && one != st)
            mixed = true;
        st = one;
        if (x->n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            pq_tmpl **nk = arena_grow(p->a, x->kids, x->n, nc, sizeof *nk);
            const ptok **nt = arena_grow(p->a, mt, x->n, nc, sizeof *nt);
            bool *nn = arena_grow(p->a, mneg, x->n, nc, sizeof *nn);
            if (!nk || !nt || !nn)
                return pq_nomem(p);
            x->kids = nk;
            mt = nt;
            mneg = nn;
            cap = nc;
        }
        mt[x->n] = numtok;
        mneg[x->n] = neg;
        x->kids[x->n++] = k;
        while (open--)
            if (pq_expect(p, P_RP))
                return p->rc;
        if (pq_accept(p, P_COMMA))
            continue;
        if (pq_expect(p, P_RBAG))
            return p->rc;
        break;
    }
    if (mixed)
        return pq_sem(p, NULL, TXT_PQ_BAG);
    for (size_t i = 0; i < x->n; i++)
        for (size_t j = 0; j < i; j++)
            if (av_equal(&x->kids[i]->lit, &x->kids[j]->lit))
                return bag_dups(p, x, mt, mneg, st == AV_NS, c);
    av_t *items = arena_alloc(p->a, x->n * sizeof *items);
    if (!items)
        return pq_nomem(p);
    for (size_t i = 0; i < x->n; i++)
        items[i] = x->kids[i]->lit;
    x->k = PT_LIT;
    x->lit = av_make_list(st, items, x->n);
    *out = x;
    return 0;
}

/* A tuple key that is not a string literal: DynamoDB Local's text naming what it is (the
 * root of an expression as a collection member's, "Path" with no position, a Parameter, BOOL,
 * NULL, LiteralMissing, Seq, Struct, INT / DECIMAL past a sign or parentheses, an Ion literal's
 * own text; no AWS capture: README, inferred; test_partiql.py test_tuple_key_kinds).  0 when
 * the key is a string (in parentheses maybe) or no term at all (the parser's error). */
static int tuple_key_refusal(pp *p, const lctx *c)
{
    static const char fmt[] = "Tuple keys must be of type String. Actual type: %s under %s";
    nary n = pq_nary_ahead(p);
    if (n.at)
        return pq_sem(p, n.at, fmt, n.kind, c->s);
    if (strcmp(n.kind, "Path") == 0)
        return pq_sem(p, NULL, fmt, "Path", c->s);
    size_t j = p->i;
    while (j + 1 < p->nt && (p->t[j].t == P_LP || p->t[j].t == P_MINUS || p->t[j].t == P_PLUS))
        j++;
    const ptok *t = &p->t[j];
    const char *kind = NULL;
    switch (t->t) {
    case P_NUM:
        kind = (memchr(p->src + t->s, '.', t->e - t->s) ||
                memchr(p->src + t->s, 'e', t->e - t->s) || memchr(p->src + t->s, 'E', t->e - t->s))
                   ? "DECIMAL"
                   : "INT";
        break;
    case P_IDENT:
    case P_QIDENT: kind = "VariableReference"; break;
    case P_PARAM: kind = "Parameter"; break;
    case P_LB:
    case P_LBAG: kind = "Seq"; break;
    case P_LBRACE: kind = "Struct"; break;
    case P_ION:
        return pq_sem(p, t, "Ion Literals are not supported: %s under key %s",
                      ion_type(p->src + t->s + 1, t->e - t->s - 2), c->s);
    case P_KW:
        kind = pq_is_kw(t, KW_TRUE) || pq_is_kw(t, KW_FALSE) ? "BOOL"
               : pq_is_kw(t, KW_NULL)                     ? "NULL"
               : pq_is_kw(t, KW_MISSING)                  ? "LiteralMissing"
                                                       : NULL;
        break;
    default: break;
    }
    return kind ? pq_sem(p, t, fmt, kind, c->s) : 0;
}

/* {'key': value, ...}: is_item for INSERT's VALUE (its values are whole values: `?` allowed,
 * context "root"); otherwise a map inside a value, at context c. */
int pq_parse_tuple(pp *p, const ptok *open, lctx *c, bool is_item, pq_tmpl **out)
{
    pq_tmpl *x = tmpl_new(p, PT_MAP, open);
    if (!x)
        return p->rc;
    size_t cap = 0;
    if (pq_accept(p, P_RBRACE)) {
        *out = x;
        return 0;
    }
    for (;;) {
        if (tuple_key_refusal(p, c))
            return p->rc;
        size_t npar = 0; /* a key may be parenthesised: {('b'): 1} (DynamoDB Local) */
        while (pq_peek(p)->t == P_LP && (pq_peek2(p)->t == P_LP || pq_peek2(p)->t == P_STR)) {
            pq_next(p);
            npar++;
        }
        const ptok *kt = pq_next(p);
        while (kt->t == P_STR && npar && pq_accept(p, P_RP))
            npar--;
        if (npar)
            return pq_unexpected(p, pq_peek(p));
        if (kt->t != P_STR) {
            if (kt->t == P_NUM)
                return pq_sem(p, kt, "Tuple keys must be of type String. Actual type: %s under %s",
                              (memchr(p->src + kt->s, '.', kt->e - kt->s) ||
                               memchr(p->src + kt->s, 'e', kt->e - kt->s))
                                  ? "DECIMAL"
                                  : "INT",
                              c->s);
            if (kt->t == P_IDENT || kt->t == P_QIDENT)
                return pq_sem(p, kt,
                              "Tuple keys must be of type String. Actual type: VariableReference "
                              "under %s",
                              c->s);
            return pq_unexpected(p, kt);
        }
        if (kt->tlen == 0)
            pq_shape_refusal(p, TXT_PQ_EMPTY_COMPONENT);
        for (size_t i = 0; i < x->n; i++)
            if (x->keys[i].len == kt->tlen && memcmp(x->keys[i].ptr, kt->text, kt->tlen) == 0)
                return pq_sem(p, is_item ? kt : open, "Duplicate keys in tuple. Key: %.*s under %s",
                              (int)kt->tlen, kt->text, c->s);
        if (pq_expect(p, P_COLON))
            return p->rc;
        pq_tmpl *k = NULL;
        if (is_item) {
            lctx root;
            pq_lctx_root(&root);
            if (pq_parse_tmpl(p, &k, &root, true))
                return p->rc;
        } else {
            lmark mark = lctx_push(c, kt->text, kt->tlen, false);
            if (nary_refuse(p, c, false)) {
                lctx_pop(c, mark);
                return p->rc;
            }
            p->lit_depth++;
            int rc = pq_parse_tmpl(p, &k, c, false);
            p->lit_depth--;
            lctx_pop(c, mark);
            if (rc)
                return p->rc;
        }
        if (x->n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            pq_tmpl **nk = arena_grow(p->a, x->kids, x->n, nc, sizeof *nk);
            expr_name *nn = arena_grow(p->a, x->keys, x->n, nc, sizeof *nn);
            if (!nk || !nn)
                return pq_nomem(p);
            x->kids = nk;
            x->keys = nn;
            cap = nc;
        }
        x->keys[x->n].ptr = kt->text;
        x->keys[x->n].len = kt->tlen;
        x->kids[x->n++] = k;
        if (pq_accept(p, P_COMMA))
            continue;
        if (pq_expect(p, P_RBRACE))
            return p->rc;
        break;
    }
    *out = x;
    return 0;
}

/* Whether the tokens from i are a (signed) number literal in parentheses: "(1)", "(-(2))". */
bool pq_paren_number_ahead(const pp *p, size_t i)
{
    if (i >= p->nt || p->t[i].t != P_LP)
        return false;
    size_t open = 0;
    for (; i < p->nt; i++) {
        if (p->t[i].t == P_LP)
            open++;
        else if (p->t[i].t != P_MINUS && p->t[i].t != P_PLUS)
            break;
    }
    if (i >= p->nt || p->t[i].t != P_NUM)
        return false;
    for (i++; open && i < p->nt && p->t[i].t == P_RP; i++)
        open--;
    return open == 0;
}

/* Negates a number literal's template (0 stays 0). */
static int negate_tmpl(pp *p, pq_tmpl *x)
{
    if (x->k != PT_LIT || x->lit.type != AV_N)
        return pq_term_error(p, pq_peek(p));
    const char *t = x->lit.u.str.ptr;
    size_t n = x->lit.u.str.len;
    if (n == 1 && t[0] == '0')
        return 0;
    if (t[0] == '-') {
        x->lit = av_make_n_canonical(t + 1, n - 1);
        return 0;
    }
    char *neg = arena_alloc(p->a, n + 1);
    if (!neg)
        return pq_nomem(p);
    neg[0] = '-';
    memcpy(neg + 1, t, n);
    x->lit = av_make_n_canonical(neg, n + 1);
    return 0;
}

/* A value: 'str', number, TRUE/FALSE, NULL, ?, [..], {..}, <<..>>.  `top`: a whole value (an
 * operand, or an attribute of INSERT's VALUE), where `?` may stand; inside a list or a map
 * only literals may. */
int pq_parse_tmpl(pp *p, pq_tmpl **out, lctx *c, bool top)
{
    *out = NULL;
    if (p->rc)
        return p->rc;
    if (++p->depth > EXPR_PQ_MAX_NESTING) {
        p->depth--;
        return pq_syn(p, "Unexpected token");
    }
    int rc = 0;
    /* a value inside 32 list / map literals: DynamoDB's nesting limit, named with the path
     * (AWS 2026-09: "Nesting Levels have exceeded supported limits under root.a[0]...") */
    if (p->lit_depth >= EXPR_PQ_MAX_LIT_DEPTH) {
        p->depth--;
        return pq_sem(p, NULL, "Nesting Levels have exceeded supported limits under %s", c->s);
    }
    const ptok *t = pq_next(p);
    pq_tmpl *x = NULL;
    switch (t->t) {
    case P_STR: {
        x = tmpl_new(p, PT_LIT, t);
        if (x)
            x->lit = av_make_s(t->text, t->tlen);
        break;
    }
    case P_NUM:
        rc = number_tmpl(p, t, false, c, &x);
        break;
    case P_MINUS:
    case P_PLUS: {
        /* signs fold into the number ("- - 1" is 1; AWS 2026-09) */
        bool neg = t->t == P_MINUS;
        while (pq_peek(p)->t == P_MINUS || pq_peek(p)->t == P_PLUS)
            neg ^= pq_next(p)->t == P_MINUS;
        const ptok *nt = pq_peek(p);
        if (nt->t == P_NUM) {
            pq_next(p);
            rc = number_tmpl(p, nt, neg, c, &x);
        } else if (nt->t == P_LP && pq_paren_number_ahead(p, p->i)) {
            /* a sign before a number in parentheses: "-(1)" is -1 (DynamoDB Local); the sign
             * is no level of its own ("-(" 200 times runs there; review14 F2) */
            p->depth--;
            rc = pq_parse_tmpl(p, &x, c, top);
            p->depth++;
            if (!rc && !p->rc && neg)
                rc = negate_tmpl(p, x);
        } else if (p->in_insert) {
            /* a sign before anything else: "-('x')" (DynamoDB Local) */
            rc = pq_sem(p, t, "Unsupported data type: %c under key %s", t->t == P_MINUS ? '-' : '+',
                        c->s);
        } else {
            rc = pq_term_error(p, nt);
        }
        break;
    }
    case P_PARAM:
        if (!top) {
            rc = pq_sem(p, t, "Unsupported data type: Parameter under key %s", c->s);
            break;
        }
        if (p->s->nparams >= EXPR_PQ_MAX_PARAMS) {
            rc = pq_syn(p, "Unexpected token");
            break;
        }
        x = tmpl_new(p, PT_PARAM, t);
        if (x)
            x->param = p->s->nparams++;
        break;
    case P_ION:
        rc = pq_sem(p, t, "Ion Literals are not supported: %s under key %s",
                    ion_type(p->src + t->s + 1, t->e - t->s - 2), c->s);
        break;
    case P_KW:
        if (t->k == KW_TRUE || t->k == KW_FALSE) {
            x = tmpl_new(p, PT_LIT, t);
            if (x)
                x->lit = av_make_bool(t->k == KW_TRUE);
        } else if (t->k == KW_NULL) {
            x = tmpl_new(p, PT_LIT, t);
            if (x)
                x->lit = av_make_null();
        } else if (t->k == KW_MISSING) {
            rc = pq_sem(p, t, "Unsupported data type: %s under key %s",
                        top ? "MISSING" : "LiteralMissing", c->s);
        } else {
            rc = pq_term_error(p, t);
        }
        break;
    case P_LB: {
        x = tmpl_new(p, PT_LIST, t);
        if (!x)
            break;
        size_t cap = 0;
        if (pq_accept(p, P_RB))
            break;
        for (;;) {
            pq_tmpl *k = NULL;
            char idx[24];
            int il = snprintf(idx, sizeof idx, "%zu", x->n);
            lmark mark = lctx_push(c, idx, (size_t)il, true);
            if (nary_refuse(p, c, false)) {
                rc = p->rc;
                lctx_pop(c, mark);
                break;
            }
            p->lit_depth++;
            rc = pq_parse_tmpl(p, &k, c, false);
            p->lit_depth--;
            lctx_pop(c, mark);
            if (rc)
                break;
            if (x->n == cap) {
                size_t nc = cap ? cap * 2 : 4;
                pq_tmpl **nk = arena_grow(p->a, x->kids, x->n, nc, sizeof *nk);
                if (!nk) {
                    rc = pq_nomem(p);
                    break;
                }
                x->kids = nk;
                cap = nc;
            }
            x->kids[x->n++] = k;
            if (pq_accept(p, P_COMMA))
                continue;
            rc = pq_expect(p, P_RB);
            break;
        }
        break;
    }
    case P_LBAG:
        rc = parse_bag(p, t, c, &x);
        break;
    case P_LBRACE:
        rc = pq_parse_tuple(p, t, c, false, &x);
        break;
    case P_LP:
        /* a value in parentheses is that value: PartiQL's tree keeps no trace of them
         * (DynamoDB Local stores "VALUE {..., 'a': (1)}" and "[(1), 2]" as 1 and [1, 2];
         * test_review12.py::test_f3b_parenthesised_operands_on_the_left_and_in_values) */
        rc = pq_parse_tmpl(p, &x, c, top);
        if (!rc && !p->rc)
            rc = pq_expect(p, P_RP);
        break;
    case P_IDENT:
    case P_QIDENT:
        /* a name where a literal belongs: inside a list or map it is a VariableReference;
         * as a whole VALUE attribute DynamoDB names it */
        if (!top) {
            rc = pq_sem(p, t, "Unsupported data type: VariableReference under key %s", c->s);
            break;
        }
        if (p->in_insert) {
            /* a name alone is named; a path with steps is "PATH", with no position
             * (DynamoDB Local) */
            if (pq_peek(p)->t == P_DOT || pq_peek(p)->t == P_LB) {
                rc = pq_sem(p, NULL, "Unsupported data type: PATH under key %s", c->s);
                break;
            }
            size_t nl;
            const char *nm = pq_tok_name(p, t, &nl);
            rc = pq_sem(p, t, "Unsupported data type: %.*s under key %s", (int)nl, nm, c->s);
            break;
        }
        rc = pq_unexpected(p, t);
        break;
    default:
        rc = pq_term_error(p, t);
        break;
    }
    p->depth--;
    if (rc || p->rc)
        return p->rc ? p->rc : rc;
    if (!x)
        return pq_nomem(p);
    if (p->in_insert) {
        /* INSERT values are literals only: "1 + 2" is "Unsupported data type: +"; a
         * comparison or AND / OR the same ("1 = 1": "... =", "1 AND 2": "... and"; DynamoDB
         * Local) */
        const ptok *op = pq_peek(p);
        if (op->t == P_PLUS || op->t == P_MINUS || op->t == P_STAR || op->t == P_OTHER ||
            op->t == P_DOT || op->t == P_LB || pq_cmp_op(op) >= 0 || pq_is_kw(op, KW_AND) ||
            pq_is_kw(op, KW_OR)) {
            char sym[8];
            size_t sl = op->e - op->s < sizeof sym - 1 ? op->e - op->s : sizeof sym - 1;
            for (size_t i = 0; i < sl; i++) {
                char ch = p->src[op->s + i];
                sym[i] = op->t == P_KW && ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
            }
            sym[sl] = 0;
            return pq_sem(p, op, "Unsupported data type: %s under key %s", sym, c->s);
        }
    }
    *out = x;
    return 0;
}

bool pq_is_name_tok(const ptok *t)
{
    return t->t == P_IDENT || t->t == P_QIDENT;
}

int pq_cmp_op(const ptok *t)
{
    switch (t->t) {
    case P_EQ: return EOP_EQ;
    case P_NE: return EOP_NE;
    case P_LT: return EOP_LT;
    case P_LE: return EOP_LE;
    case P_GT: return EOP_GT;
    case P_GE: return EOP_GE;
    default: return -1;
    }
}
