/*
 * expr_partiql_int — what the PartiQL files share: tokens, the statement and parser state,
 * and the few helpers one file calls in another.  Layer: expr (private to expr_partiql*.c).
 *
 * The files stand in floors, each using only those below it: expr_partiql_lex.c (tokens),
 * expr_partiql_lit.c (the parser's cursor, error ordering, value slots, literals),
 * expr_partiql_cond.c (paths, conditions, SET values), expr_partiql_syntax.c (the syntax
 * pass), expr_partiql.c (statements, the entry points); expr_partiql_plan.c (bind, planner)
 * uses the statement's types only.  Everything else stays static in the file that uses it.
 */
#ifndef DDB_EXPR_EXPR_PARTIQL_INT_H
#define DDB_EXPR_EXPR_PARTIQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"

/* ---- tokens ------------------------------------------------------------------------- */

typedef enum ptt {
    P_EOF = 0,
    P_IDENT,  /* unquoted identifier that is not a keyword */
    P_QIDENT, /* "quoted identifier" */
    P_STR,    /* 'string' */
    P_NUM,
    P_PARAM, /* ? */
    P_KW,    /* a PartiQL keyword (k = its id) */
    P_LP,
    P_RP,
    P_LB,
    P_RB,
    P_LBRACE,
    P_RBRACE,
    P_LBAG, /* << */
    P_RBAG, /* >> */
    P_COMMA,
    P_DOT,
    P_COLON,
    P_SEMI,
    P_STAR,
    P_EQ,
    P_NE,
    P_LT,
    P_LE,
    P_GT,
    P_GE,
    P_PLUS,
    P_MINUS,
    P_OTHER, /* any other operator character (/, %, ||, ...) */
    P_ION,   /* `ion literal` */
} ptt;

/* Keywords the grammar uses; every other reserved word is KW_OTHER. */
typedef enum kwid {
    KW_OTHER = 0,
    KW_ALL,
    KW_AND,
    KW_AS,
    KW_ASC,
    KW_BETWEEN,
    KW_BY,
    KW_DELETE,
    KW_DESC,
    KW_EXISTS,
    KW_FALSE,
    KW_FROM,
    KW_GROUP,
    KW_HAVING,
    KW_IN,
    KW_INSERT,
    KW_INTO,
    KW_IS,
    KW_LIMIT,
    KW_MISSING,
    KW_MODIFIED,
    KW_NEW,
    KW_NOT,
    KW_NULL,
    KW_OLD,
    KW_OR,
    KW_ORDER,
    KW_REMOVE,
    KW_RETURNING,
    KW_SELECT,
    KW_SET,
    KW_SIZE,
    KW_TRUE,
    KW_UPDATE,
    KW_VALUE,
    KW_VALUES,
    KW_WHERE,
} kwid;

typedef struct ptok {
    ptt t;
    kwid k;
    uint32_t s, e;       /* [s, e) bytes in the source */
    uint32_t line, col;  /* 1-based; col in characters */
    uint32_t clen;       /* length in characters */
    char *text;          /* P_STR / P_QIDENT: the unescaped text (arena); else NULL */
    size_t tlen;
    char kwname[24];     /* P_KW: the keyword in upper case */
} ptok;

/* ---- statement ------------------------------------------------------------------------ */

typedef enum pt_kind { PT_LIT = 0, PT_PARAM, PT_LIST, PT_MAP, PT_BAG } pt_kind;

/* A value template: a literal, a `?`, or a container of templates. */
typedef struct pq_tmpl {
    pt_kind k;
    av_t lit;                /* PT_LIT */
    size_t param;            /* PT_PARAM: 0-based index */
    struct pq_tmpl **kids;   /* PT_LIST / PT_MAP / PT_BAG */
    expr_name *keys;         /* PT_MAP */
    size_t n;
    uint32_t line, col, clen; /* for messages */
} pq_tmpl;

/* A set_add / set_delete whose second argument is a parameter: checked at binding. */
typedef struct pq_setchk {
    size_t slot;
    bool add;
    uint32_t line, col, clen; /* the first argument's position */
} pq_setchk;

struct expr_pq {
    expr_pq_kind kind;
    char *table;
    size_t table_len;
    char *index;
    size_t index_len;
    bool star;
    expr_node **sel;
    size_t nsel;
    expr_node *where;
    expr_pq_order order[EXPR_PQ_MAX_ORDER];
    size_t norder;
    pq_tmpl *item;
    expr_uact *acts;
    size_t nacts;
    expr_pq_ret ret;
    pq_tmpl **slots;
    char **slot_names;
    size_t nslots, cap_slots;
    size_t nparams;
    pq_setchk *setchk; /* set_add / set_delete parameters that must bind to a set */
    size_t nsetchk;
    char *deferred; /* a select-list refusal reported after the table checks, or NULL */
};

typedef struct pp {
    arena_t *a;
    const char *src;
    size_t len;
    ptok *t;
    size_t nt, i;
    int depth;
    err_t *e;
    int rc;
    expr_pq *s;
    size_t cap_acts;
    bool in_insert; /* parsing INSERT's VALUE (its literal-only messages) */
    int lit_depth;  /* list / map literals around the value being read */
    size_t deep_path; /* elements of the first path deeper than EXPR_MAX_PATH_DEPTH, or 0 */
    /* a select-list refusal held back: a syntax error found later wins over it, a later
     * semantic error does not (it is reported in that one's place) */
    char pend[ERR_MSG_MAX];
    bool has_pend;
    /* the select list's duplicate names are reported ahead of a semantic error of the WHERE
     * or of ORDER BY ("SELECT n, n ... WHERE nope(n)" is "Duplicate identifiers in select
     * clause: n"; DynamoDB Local, which validates the select list before it translates the
     * WHERE; no AWS capture) */
    bool dup_first;
    /* a refusal of the statement's shape that DynamoDB Local makes once it has parsed the
     * whole statement, ahead of every other (SELECT VALUE, "m.*" in the select list, FROM
     * t, t): a later syntax error wins over it, nothing else does; no AWS capture */
    char shape[ERR_MSG_MAX];
    bool has_shape;
    int shape_rank; /* the recorded shape's rank (SHAPE_*): a lower rank replaces it */
    bool sel_item; /* reading a select item: "m.*" is a shape refusal */
    /* reading a WHERE, SET / REMOVE actions, INSERT's VALUE or RETURNING: what DynamoDB Local
     * translates after it has bound the parameters it meets, so a `?` with no value before the
     * refusal is "Number of parameters ... don't match" instead (sem_at, sem_xlate) */
    bool xlate, sem_xlate;
    size_t sem_at;
    size_t upd_where; /* an UPDATE's first WHERE token: its WHERE is translated before its
                       * actions, so only the WHERE's own `?` come before a WHERE refusal */
    size_t upd_where_end; /* the token after that WHERE (0: not reached) */
    size_t upd_acts;      /* an UPDATE's first SET / REMOVE token (0: not reached) */
    bool target;   /* reading a SET / REMOVE target: "m.*" is the parser's error */
} pp;

/* The order DynamoDB Local checks a SELECT's shape in once it has parsed (after its GROUP BY /
 * HAVING / LIMIT and DISTINCT refusals): FROM's sources, FROM's alias, what FROM reads, then
 * the select list (VALUE, "m.*", an alias, an empty path component).  Probed 2026-12-05 ("SELECT
 * VALUE n FROM 'x'" is "Unexpected from source", "FROM t, t x" the single-table text, "FROM
 * (SELECT ...) x" the alias); no AWS capture. */
enum { SHAPE_FROM_MANY = 1, SHAPE_FROM_ALIAS, SHAPE_FROM_SOURCE, SHAPE_PROJECTION };

/* An attribute name of zero bytes anywhere in a path ("", m."", m[''], as in a FROM) or as a
 * tuple's key ({'': 1}): DynamoDB Local refuses the statement with this text, no position,
 * once it has parsed it (a syntax error anywhere wins), ahead of the refusals met reading the
 * statement ("SELECT "", "" ..." is not the duplicate names); a shape refusal of the select
 * list's rank (SHAPE_PROJECTION), then: a SELECT's FROM refusals (more than one source, an
 * alias, what FROM reads) come first, and VALUE, an alias or "m.*" before it in the select list
 * (probed 2026-12-05).  No AWS capture; an attribute name is 1 to 65,535 bytes.
 * tests/e2e/test_review14.py test_f5, test_partiql.py test_empty_path_component_refused. */
#define TXT_PQ_EMPTY_COMPONENT "Path component cannot be an empty string"

/* A `?` with no value in Parameters (at binding, or met before a refusal: sem_at) */
#define TXT_PQ_PARAM_COUNT "Number of parameters in request and statement don't match."

/* Where a literal sits, for DynamoDB's messages: "root" for a whole value, then ".<key>" /
 * "[<index>]" for each level below it ("root.x[1]": element 1 of member x of an attribute's
 * map value; AWS 2026-09/10: "Unsupported data type: Parameter under key root[0]", "Number
 * overflow ... under root[1]"; DynamoDB Local spells an index ".1").  s for the PartiQL literal
 * checks' "under key ...", v for the attribute-value checks' "under ..." (the same text,
 * kept apart). */
typedef struct lctx {
    char s[256], v[256];
    size_t n, vn;
} lctx;

typedef struct lmark {
    size_t n, vn;
} lmark;

typedef struct nary {
    const ptok *at;   /* the root's token; NULL: the member is no expression */
    const char *kind; /* "NAry", "Typed" (IS), "Path" (a path ending in .*: no position) */
} nary;

/* ---- expr_partiql_lex.c --------------------------------------------------------------- */

/* Records "out of memory" (the first error wins); returns p->rc. */
int pq_nomem(pp *p);
/* Records a syntax error, EXPR_PQ_TXT_SYNTAX followed by detail (the first error wins);
 * returns p->rc. */
int pq_syn(pp *p, const char *detail);
bool pq_is_alpha(char c);
bool pq_is_digit(char c);
/* a word's characters after its first (a name, a keyword) */
bool pq_is_word_char(char c);
/* The end of the blank or the comment at s[i] (i: neither); *open: a block comment with no
 * end. */
size_t pq_blank_end(const char *s, size_t len, size_t i, bool *open);
/* Reads p->src into p->t / p->nt (arena), the last token P_EOF; 0, or the error recorded. */
int pq_lex(pp *p);

/* ---- expr_partiql_lit.c --------------------------------------------------------------- */

/* Records a shape refusal (the first of the lowest rank, SHAPE_*) and lets the parse go on;
 * pq_shape_refusal: of SHAPE_PROJECTION's rank. */
void pq_shape_refusal_ranked(pp *p, const char *text, int rank);
void pq_shape_refusal(pp *p, const char *text);
/* The syntax error for an unexpected token (its detail, or recorded; returns p->rc). */
const char *pq_unexpected_detail(const ptok *t);
int pq_unexpected(pp *p, const ptok *t);
/* The syntax error for the token found where a term should start ("Unexpected operator /
 * keyword / term"; a sign is skipped). */
const char *pq_term_detail(const ptok *t);
int pq_term_error(pp *p, const ptok *t);
/* A semantic error with DynamoDB's position suffix (t NULL: none), behind the refusals
 * DynamoDB reports first; returns p->rc. */
int pq_sem(pp *p, const ptok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Duplicate column names ("SELECT v, v"): the error, or 0. */
int pq_select_dups(pp *p);

/* The cursor: the token at p->i, the one after it, the token taken (p->i advances); a
 * keyword / token taken when it is there; one required (else the syntax error).  The first
 * six are here whole, inline: every file of the parser calls them at every token. */
static inline const ptok *pq_peek(pp *p)
{
    return &p->t[p->i];
}
static inline const ptok *pq_peek2(pp *p)
{
    return &p->t[p->i + 1 < p->nt ? p->i + 1 : p->nt - 1];
}
static inline const ptok *pq_next(pp *p)
{
    const ptok *t = &p->t[p->i];
    if (t->t != P_EOF)
        p->i++;
    return t;
}
static inline bool pq_is_kw(const ptok *t, kwid k)
{
    return t->t == P_KW && t->k == k;
}
static inline bool pq_accept_kw(pp *p, kwid k)
{
    if (pq_is_kw(pq_peek(p), k)) {
        pq_next(p);
        return true;
    }
    return false;
}
static inline bool pq_accept(pp *p, ptt t)
{
    if (pq_peek(p)->t == t) {
        pq_next(p);
        return true;
    }
    return false;
}
int pq_expect_kw(pp *p, kwid k);
int pq_expect(pp *p, ptt t);
/* After an infix operator: nothing but the end is "Missing right-hand side expression of
 * infix operator". */
int pq_rhs_missing(pp *p);
/* Whether only the end of the statement (an optional ";") is left. */
bool pq_at_statement_end(pp *p);
/* Identifier text of an unquoted or quoted name token. */
const char *pq_tok_name(pp *p, const ptok *t, size_t *len);
bool pq_is_name_tok(const ptok *t);
/* The EOP_* comparison a token is, or -1. */
int pq_cmp_op(const ptok *t);

/* Registers a template as a slot and returns the EN_VALUE node naming it. */
expr_node *pq_slot_node(pp *p, pq_tmpl *t);
/* A literal value node (the literal lives in the statement's arena). */
expr_node *pq_lit_node(pp *p, av_t v);
/* A literal's place: "root". */
void pq_lctx_root(lctx *c);
/* The root of a collection member's expression ahead of the cursor (its operator, or call). */
nary pq_nary_ahead(const pp *p);
/* {'key': value, ...}: is_item for INSERT's VALUE (`?` allowed, context "root"); otherwise a
 * map inside a value, at context c. */
int pq_parse_tuple(pp *p, const ptok *open, lctx *c, bool is_item, pq_tmpl **out);
/* Whether the tokens from i are a (signed) number literal in parentheses: "(1)", "(-(2))". */
bool pq_paren_number_ahead(const pp *p, size_t i);
/* A value: 'str', number, TRUE/FALSE, NULL, ?, [..], {..}, <<..>>; `top`: a whole value, where
 * `?` may stand. */
int pq_parse_tmpl(pp *p, pq_tmpl **out, lctx *c, bool top);

/* ---- expr_partiql_cond.c -------------------------------------------------------------- */

/* A document path whose first token (already taken) is first: an EN_PATH. */
int pq_parse_path_from(pp *p, const ptok *first, expr_node **out);
/* Steps after a parenthesised path ("(l)[0]", "(m).x"): *x replaced by the longer path. */
int pq_path_more(pp *p, expr_node **x);
/* A name or keyword followed by "(": a function call. */
bool pq_at_call(pp *p);
/* WHERE <cond>: the whole must be a condition. */
int pq_parse_where(pp *p, expr_node **out);
/* An update value: sum [= sum]..., left to right. */
int pq_parse_set_expr(pp *p, expr_node **out);

/* ---- expr_partiql_syntax.c ------------------------------------------------------------ */

/* Whether the statement has a syntax error PartiQL's grammar finds; *detail its name, *clause
 * the SELECT's first GROUP / HAVING / LIMIT keyword (0: none). */
bool pq_sx_statement(pp *p, const char **detail, size_t *clause);
/* Steps over an expression at the cursor (prec: the lowest operator precedence it takes; -1
 * all): 0 with the cursor after it, or its syntax error there. */
int pq_sx_step(pp *p, int prec);

#endif
