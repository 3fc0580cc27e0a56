/*
 * expr_parse — lexer and recursive-descent parser: expression text -> AST.  Layer: expr.
 *
 * Five grammars share one lexer: condition / filter / key condition (same grammar),
 * update (SET / REMOVE / ADD / DELETE clauses) and projection (comma-separated paths).
 * The parsed tree keeps placeholders as text; nothing here looks at request data, so a
 * parsed expr_t may be cached.
 *
 * Error precedence, as DynamoDB Local reports it (tests/golden/expr pins these):
 *   1. syntax errors: "Syntax error; token: \"<tok>\", near: \"<prev tok .. next tok>\""
 *      (the near text is the source from the start of the token before the offending one
 *      to the end of the token after it);
 *   2. more than 300 operators and functions ("The expression contains too many operators;
 *      operator count: 301"), then "The expression has redundant parentheses;" (a
 *      parenthesis pair directly around another);
 *   3. the first, left to right, of: a reserved word used as a name, an unknown function,
 *      a function used where it is not allowed, a list index out of range.
 * Everything that needs the placeholders' values is checked in expr_resolve.c.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "expr/expr_int.h"

typedef enum tt {
    T_EOF = 0,
    T_IDENT,
    T_NAMEPH,
    T_VALPH,
    T_NUM,
    T_LP,
    T_RP,
    T_LB,
    T_RB,
    T_DOT,
    T_COMMA,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_PLUS,
    T_MINUS,
    T_AND,
    T_OR,
    T_NOT,
    T_BETWEEN,
    T_IN,
    T_SET,
    T_REMOVE,
    T_ADD,
    T_DELETE,
    T_OTHER,
} tt;

typedef struct tok {
    tt t;
    uint32_t s, e; /* [s, e) in the source */
} tok;

typedef struct parser {
    arena_t *a;
    expr_kind kind;
    const char *src;
    size_t len;
    tok *toks;
    size_t nt, i;
    int depth;
    err_t *e;
    bool failed; /* a syntax error (or ERR_NOMEM) was recorded: unwind */
    int rc;
    bool parens; /* redundant parentheses seen */
    char *sem;   /* first semantic error, in source order: of the construct that starts
                    first (a function's misuse is placed at its name, before its arguments'
                    errors: "attribute_exists(views) > b" is the misuse, as AWS and DynamoDB
                    Local answer; test_query_scan test_filter_error_order) */
    size_t sem_at; /* the token index sem is placed at */
    struct pcall {
        const expr_node *f;
        size_t at;
    } *calls;           /* each function call's name token, for its misuse's place */
    size_t ncalls, capcalls;
    char *sem_section; /* a section used twice: reported after every other semantic error
                          (a reserved word, an unknown function) wherever it is, as AWS and
                          DynamoDB Local do (test_items test_update_section_twice_order) */
    bool sections[4];
    size_t ops; /* operators and functions seen (DynamoDB allows 300) */
} parser;

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_word(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

static bool kw(const char *p, size_t n, const char *w)
{
    if (strlen(w) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != w[i])
            return false;
    }
    return true;
}

/* Splits the source into tokens (always ends with T_EOF). */
static int lex(parser *p)
{
    size_t cap = 16, n = 0;
    tok *v = arena_alloc(p->a, cap * sizeof *v);
    if (!v)
        return ERR_NOMEM;
    size_t i = 0;
    const char *s = p->src;
    for (;;) {
        while (i < p->len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (n + 1 >= cap) {
            v = arena_grow(p->a, v, n, cap * 2, sizeof *v);
            if (!v)
                return ERR_NOMEM;
            cap *= 2;
        }
        tok t = {T_EOF, (uint32_t)i, (uint32_t)i};
        if (i >= p->len) {
            v[n++] = t;
            break;
        }
        char c = s[i];
        size_t j = i + 1;
        if (is_alpha(c)) {
            while (j < p->len && is_word(s[j]))
                j++;
            size_t wl = j - i;
            t.t = T_IDENT;
            if (kw(s + i, wl, "AND"))
                t.t = T_AND;
            else if (kw(s + i, wl, "OR"))
                t.t = T_OR;
            else if (kw(s + i, wl, "NOT"))
                t.t = T_NOT;
            else if (kw(s + i, wl, "BETWEEN"))
                t.t = T_BETWEEN;
            else if (kw(s + i, wl, "IN"))
                t.t = T_IN;
            /* the update clause words are keywords in every kind ("set = :v" is a syntax
             * error in a condition too) */
            else if (kw(s + i, wl, "SET"))
                t.t = T_SET;
            else if (kw(s + i, wl, "REMOVE"))
                t.t = T_REMOVE;
            else if (kw(s + i, wl, "ADD"))
                t.t = T_ADD;
            else if (kw(s + i, wl, "DELETE"))
                t.t = T_DELETE;
        } else if (is_digit(c)) {
            t.t = T_NUM;
            if (c != '0')
                while (j < p->len && is_digit(s[j]))
                    j++;
        } else if ((c == '#' || c == ':') && j < p->len && is_word(s[j])) {
            while (j < p->len && is_word(s[j]))
                j++;
            t.t = c == '#' ? T_NAMEPH : T_VALPH;
        } else {
            switch (c) {
            case '(':
                t.t = T_LP;
                break;
            case ')':
                t.t = T_RP;
                break;
            case '[':
                t.t = T_LB;
                break;
            case ']':
                t.t = T_RB;
                break;
            case '.':
                t.t = T_DOT;
                break;
            case ',':
                t.t = T_COMMA;
                break;
            case '=':
                t.t = T_EQ;
                break;
            case '+':
                t.t = T_PLUS;
                break;
            case '-':
                t.t = T_MINUS;
                break;
            case '<':
                t.t = T_LT;
                if (j < p->len && s[j] == '>') {
                    t.t = T_NE;
                    j++;
                } else if (j < p->len && s[j] == '=') {
                    t.t = T_LE;
                    j++;
                }
                break;
            case '>':
                t.t = T_GT;
                if (j < p->len && s[j] == '=') {
                    t.t = T_GE;
                    j++;
                }
                break;
            default:
                t.t = T_OTHER;
                /* one whole UTF-8 character */
                if ((unsigned char)c >= 0xC0)
                    while (j < p->len && ((unsigned char)s[j] & 0xC0) == 0x80)
                        j++;
                break;
            }
        }
        t.e = (uint32_t)j;
        v[n++] = t;
        i = j;
    }
    p->toks = v;
    p->nt = n;
    return 0;
}

static tok *cur(parser *p)
{
    return &p->toks[p->i];
}
static tt curt(parser *p)
{
    return p->toks[p->i].t;
}

/* Records a syntax error at the current token and starts unwinding. */
static void *syntax(parser *p)
{
    if (p->failed)
        return NULL;
    p->failed = true;
    if (p->parens && p->ops <= EXPR_MAX_OPERATORS) {
        /* a pair of parentheses directly around another, closed before the offending
         * token, is answered first: "(a)between(((b.c)).d)and(c)" (dynalite's scan test,
         * recorded against AWS), "a > ((b)) AND (" (DynamoDB Local) */
        p->rc = expr_fail(p->e, p->kind, "The expression has redundant parentheses;");
        return NULL;
    }
    tok *t = cur(p);
    size_t ns = p->i > 0 ? p->toks[p->i - 1].s : 0;
    size_t ne = (t->t != T_EOF && p->i + 1 < p->nt) ? p->toks[p->i + 1].e : p->len;
    if (t->t == T_EOF)
        ne = p->len;
    if (t->t == T_EOF)
        p->rc = expr_fail_syntax(p->e, p->kind, "<EOF>", 5, p->src + ns, ne - ns);
    else
        p->rc = expr_fail_syntax(p->e, p->kind, p->src + t->s, t->e - t->s, p->src + ns, ne - ns);
    return NULL;
}

static void *nomem(parser *p)
{
    if (!p->failed) {
        p->failed = true;
        p->rc = err_set(p->e, ERR_NOMEM, "out of memory parsing an expression");
    }
    return NULL;
}

/* Records the first semantic (non-syntax) error in source order. */
/* The semantic error msg of the construct starting at token `at`: kept when it starts before
 * the one kept so far. */
static void semantic_at(parser *p, size_t at, const char *msg)
{
    if (!p->sem || at < p->sem_at) {
        char *t = arena_strdup(p->a, msg);
        if (t || !p->sem) {
            p->sem = t;
            p->sem_at = at;
        }
    }
}

static void semantic(parser *p, const char *msg)
{
    semantic_at(p, p->i, msg);
}

/* The token index function call f starts at (its name); the current one if unknown. */
static size_t call_at(const parser *p, const expr_node *f)
{
    for (size_t i = 0; i < p->ncalls; i++)
        if (p->calls[i].f == f)
            return p->calls[i].at;
    return p->i;
}

/* semantic() of a formatted text, whole (a token it names may be long: AWS echoes it whole). */
static void semanticf(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void semanticf(parser *p, const char *fmt, ...)
{
    if (p->sem && p->sem_at <= p->i)
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *t = n >= 0 ? arena_alloc(p->a, (size_t)n + 1) : NULL;
    if (t)
        vsnprintf(t, (size_t)n + 1, fmt, again);
    va_end(again);
    va_end(ap);
    p->sem = t; /* NULL: the arena's failure is counted (base/mem.h), the answer a 500 */
    p->sem_at = p->i;
}

static bool enter(parser *p)
{
    if (++p->depth > EXPR_MAX_NESTING) {
        if (!p->failed) {
            p->failed = true;
            p->rc =
                expr_fail(p->e, p->kind, "The expression has too many nested levels; maximum: %d",
                          EXPR_MAX_NESTING);
        }
        return false;
    }
    return true;
}

/* ---- paths and operands ------------------------------------------------------------- */

static expr_node *parse_path(parser *p)
{
    size_t cap = 4, n = 0;
    expr_pel *el = arena_alloc(p->a, cap * sizeof *el);
    if (!el)
        return nomem(p);
    for (;;) {
        if (n == cap) {
            el = arena_grow(p->a, el, n, cap * 2, sizeof *el);
            if (!el)
                return nomem(p);
            cap *= 2;
        }
        tok *t = cur(p);
        expr_pel pe = {0};
        if (n == 0 || p->toks[p->i - 1].t == T_DOT) {
            if (t->t != T_IDENT && t->t != T_NAMEPH)
                return syntax(p);
            pe.name = arena_strndup(p->a, p->src + t->s, t->e - t->s);
            if (!pe.name)
                return nomem(p);
            pe.len = t->e - t->s;
            pe.is_ph = t->t == T_NAMEPH;
            if (!pe.is_ph && expr_is_reserved(pe.name, pe.len)) {
                char buf[128];
                snprintf(buf, sizeof buf,
                         "Attribute name is a reserved keyword; reserved keyword: %s", pe.name);
                semantic(p, buf);
            }
            p->i++;
        } else {
            /* after '[' */
            if (t->t != T_NUM)
                return syntax(p);
            uint64_t v = 0;
            bool big = false;
            for (uint32_t k = t->s; k < t->e; k++) {
                v = v * 10 + (uint64_t)(p->src[k] - '0');
                if (v > 0xFFFFFFFFull) {
                    big = true;
                    v = 0xFFFFFFFFull;
                }
            }
            if (big || v > 2147483647ull) {
                semanticf(p, "List index is not within the allowable range; index: [%.*s]",
                          (int)(t->e - t->s), p->src + t->s);
            }
            pe.is_index = true;
            pe.index = (uint32_t)v;
            p->i++;
            if (curt(p) != T_RB)
                return syntax(p);
            p->i++;
        }
        el[n++] = pe;
        if (curt(p) == T_DOT) {
            p->i++;
            continue;
        }
        if (curt(p) == T_LB) {
            p->i++;
            continue;
        }
        break;
    }
    if (n > EXPR_MAX_PATH_DEPTH) {
        char buf[160];
        snprintf(buf, sizeof buf,
                 "The document path has too many nesting levels; nesting levels: %zu", n);
        semantic(p, buf);
    }
    expr_node *x = expr_node_new(p->a, EN_PATH, 0, 0);
    if (!x)
        return nomem(p);
    x->u.path.el = el;
    x->u.path.n = n;
    return x;
}

static int fn_lookup(expr_kind k, const char *s, size_t n)
{
    static const struct {
        const char *name;
        int fn;
        bool update;
    } fns[] = {
        {"attribute_exists", EF_ATTRIBUTE_EXISTS, false},
        {"attribute_not_exists", EF_ATTRIBUTE_NOT_EXISTS, false},
        {"attribute_type", EF_ATTRIBUTE_TYPE, false},
        {"begins_with", EF_BEGINS_WITH, false},
        {"contains", EF_CONTAINS, false},
        {"size", EF_SIZE, false},
        {"if_not_exists", EF_IF_NOT_EXISTS, true},
        {"list_append", EF_LIST_APPEND, true},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strlen(fns[i].name) == n && memcmp(fns[i].name, s, n) == 0 &&
            fns[i].update == (k == EXPR_UPDATE))
            return fns[i].fn;
    return -1;
}

static expr_node *parse_operand(parser *p);

/* In an update, list_append yields a whole SET value: not an argument or an operand of +/-. */
static void nested_in_update(parser *p, const expr_node *x)
{
    if (p->kind == EXPR_UPDATE && x->t == EN_FUNC && x->op == EF_LIST_APPEND)
        semantic_at(p, call_at(p, x),
                    "The function is not allowed to be used this way in an expression; "
                    "function: list_append");
}

static void use_as_operand(parser *p, const expr_node *x);

/* A function's argument: in an update, list_append is not one (nested_in_update); in a
 * condition, only size() of the functions yields a value (use_as_operand): "size(contains(a,
 * b)) > a", "contains(a, begins_with(b, c))" are the inner function's misuse (dynalite's scan
 * test, recorded against AWS; DynamoDB Local agrees; ddbchat accepted the latter). */
static void as_argument(parser *p, const expr_node *x)
{
    if (p->kind == EXPR_UPDATE)
        nested_in_update(p, x);
    else
        use_as_operand(p, x);
}

/* Comma-separated operands (a function's arguments, IN's list), appended to kids, which
 * holds *n of *cap slots and grows in the arena; each is checked by check as it comes.
 * Stops at the first token after an operand that is not a comma. Returns the (maybe
 * moved) array, or NULL once the parse has failed. */
static expr_node **parse_operand_list(parser *p, expr_node **kids, size_t *n, size_t *cap,
                                      void (*check)(parser *, const expr_node *))
{
    for (;;) {
        expr_node *x = parse_operand(p);
        if (!x)
            return NULL;
        check(p, x);
        if (*n == *cap) {
            kids = arena_grow(p->a, kids, *n, *cap * 2, sizeof *kids);
            if (!kids)
                return nomem(p);
            *cap *= 2;
        }
        kids[(*n)++] = x;
        if (curt(p) != T_COMMA)
            return kids;
        p->i++;
    }
}

static expr_node *parse_call(parser *p)
{
    tok *nt = cur(p);
    size_t at = p->i;
    int fn = fn_lookup(p->kind, p->src + nt->s, nt->e - nt->s);
    if (fn < 0 && fn_lookup(p->kind == EXPR_UPDATE ? EXPR_CONDITION : EXPR_UPDATE, p->src + nt->s,
                            nt->e - nt->s) >= 0) {
        semanticf(p, "The function is not allowed in %s expression; function: %.*s",
                  p->kind == EXPR_UPDATE ? "an update" : "a condition", (int)(nt->e - nt->s),
                  p->src + nt->s);
    } else if (fn < 0) {
        semanticf(p, "Invalid function name; function: %.*s", (int)(nt->e - nt->s),
                  p->src + nt->s);
    }
    p->i += 2; /* name ( */
    size_t cap = 4, n = 0;
    expr_node **args = arena_alloc(p->a, cap * sizeof *args);
    if (!args)
        return nomem(p);
    p->ops++;
    if (!(args = parse_operand_list(p, args, &n, &cap, as_argument)))
        return NULL;
    if (curt(p) != T_RP)
        return syntax(p);
    p->i++;
    expr_node *f = expr_node_new(p->a, EN_FUNC, fn, 0);
    if (!f)
        return nomem(p);
    f->u.kids.k = args;
    f->u.kids.n = n;
    if (p->ncalls == p->capcalls) { /* calls count as operators: at most ~300 kept */
        size_t cap = p->capcalls ? p->capcalls * 2 : 8;
        struct pcall *c = arena_grow(p->a, p->calls, p->ncalls, cap, sizeof *c);
        if (!c)
            return nomem(p);
        p->calls = c;
        p->capcalls = cap;
    }
    p->calls[p->ncalls].f = f;
    p->calls[p->ncalls++].at = at;
    return f;
}

static void use_as_operand(parser *p, const expr_node *x)
{
    /* size() is the only function that yields a value in a condition; in an update
     * every function yields a value. */
    if (x->t == EN_FUNC && x->op >= 0 && x->op != EF_SIZE && p->kind != EXPR_UPDATE) {
        static const char *const names[] = {"attribute_exists", "attribute_not_exists",
                                            "attribute_type",   "begins_with",
                                            "contains",         "size"};
        char buf[160];
        snprintf(buf, sizeof buf,
                 "The function is not allowed to be used this way in an expression; "
                 "function: %s",
                 names[x->op]);
        semantic_at(p, call_at(p, x), buf);
    }
}

/* path | :value | function(...) | ( operand ) */
static expr_node *parse_operand(parser *p)
{
    if (!enter(p))
        return NULL;
    expr_node *x = NULL;
    switch (curt(p)) {
    case T_LP:
        p->i++;
        x = parse_operand(p);
        if (!x)
            break;
        if (curt(p) != T_RP) {
            x = syntax(p);
            break;
        }
        p->i++;
        if (x->parens)
            p->parens = true;
        x->parens++;
        break;
    case T_IDENT:
        if (p->i + 1 < p->nt && p->toks[p->i + 1].t == T_LP)
            x = parse_call(p);
        else
            x = parse_path(p);
        break;
    case T_NAMEPH:
        x = parse_path(p);
        break;
    case T_VALPH: {
        tok *t = cur(p);
        x = expr_node_new(p->a, EN_VALUE, 0, 0);
        if (!x)
            return nomem(p);
        x->u.val.ph = arena_strndup(p->a, p->src + t->s, t->e - t->s);
        if (!x->u.val.ph)
            return nomem(p);
        x->u.val.ph_len = t->e - t->s;
        p->i++;
        break;
    }
    default:
        x = syntax(p);
        break;
    }
    p->depth--;
    return x;
}

/* ---- conditions --------------------------------------------------------------------- */

static bool is_cond(const expr_node *x)
{
    switch (x->t) {
    case EN_CMP:
    case EN_BETWEEN:
    case EN_IN:
    case EN_AND:
    case EN_OR:
    case EN_NOT:
    case EN_FUNC: /* any function may stand as a condition; size() is flagged by the caller */
        return true;
    default:
        return false;
    }
}

static bool is_value(const expr_node *x)
{
    return x->t == EN_PATH || x->t == EN_VALUE || x->t == EN_FUNC || x->t == EN_ARITH;
}

/* x used as a condition: a function other than size is fine; size is misused; a bare
 * operand is a syntax error at the current token. */
static expr_node *use_as_cond(parser *p, expr_node *x)
{
    if (!x)
        return NULL;
    if (!is_cond(x))
        return syntax(p);
    if (x->t == EN_FUNC && x->op == EF_SIZE)
        semantic_at(p, call_at(p, x),
                    "The function is not allowed to be used this way in an expression; "
                    "function: size");
    return x;
}

static expr_node *parse_or(parser *p);

static bool is_cmp_tok(tt t)
{
    return t == T_EQ || t == T_NE || t == T_LT || t == T_LE || t == T_GT || t == T_GE ||
           t == T_BETWEEN || t == T_IN;
}

static expr_node *parse_comparison(parser *p, expr_node *l)
{
    if (!is_value(l))
        return syntax(p);
    use_as_operand(p, l);
    tt t = curt(p);
    p->i++;
    p->ops++;
    if (t == T_BETWEEN) {
        expr_node *lo = parse_operand(p);
        if (!lo)
            return NULL;
        use_as_operand(p, lo);
        if (curt(p) != T_AND)
            return syntax(p);
        p->i++;
        expr_node *hi = parse_operand(p);
        if (!hi)
            return NULL;
        use_as_operand(p, hi);
        expr_node *x = expr_node_new(p->a, EN_BETWEEN, 0, 3);
        if (!x)
            return nomem(p);
        x->u.kids.k[0] = l;
        x->u.kids.k[1] = lo;
        x->u.kids.k[2] = hi;
        return x;
    }
    if (t == T_IN) {
        if (curt(p) != T_LP)
            return syntax(p);
        p->i++;
        size_t cap = 8, n = 1;
        expr_node **k = arena_alloc(p->a, cap * sizeof *k);
        if (!k)
            return nomem(p);
        k[0] = l;
        if (!(k = parse_operand_list(p, k, &n, &cap, use_as_operand)))
            return NULL;
        if (curt(p) != T_RP)
            return syntax(p);
        p->i++;
        if (n - 1 > EXPR_MAX_IN) {
            char buf[160];
            snprintf(buf, sizeof buf,
                     "The IN operator is provided with too many operands; number of operands: "
                     "%zu",
                     n - 1);
            semantic(p, buf);
        }
        expr_node *x = expr_node_new(p->a, EN_IN, 0, 0);
        if (!x)
            return nomem(p);
        x->u.kids.k = k;
        x->u.kids.n = n;
        return x;
    }
    int op = t == T_EQ   ? EOP_EQ
             : t == T_NE ? EOP_NE
             : t == T_LT ? EOP_LT
             : t == T_LE ? EOP_LE
             : t == T_GT ? EOP_GT
                         : EOP_GE;
    expr_node *r = parse_operand(p);
    if (!r)
        return NULL;
    use_as_operand(p, r);
    expr_node *x = expr_node_new(p->a, EN_CMP, op, 2);
    if (!x)
        return nomem(p);
    x->u.kids.k[0] = l;
    x->u.kids.k[1] = r;
    return x;
}

static expr_node *parse_primary(parser *p)
{
    expr_node *x;
    if (curt(p) == T_LP) {
        p->i++;
        x = parse_or(p);
        if (!x)
            return NULL;
        if (curt(p) != T_RP)
            return syntax(p);
        p->i++;
        if (x->parens)
            p->parens = true;
        x->parens++;
    } else {
        x = parse_operand(p);
        if (!x)
            return NULL;
    }
    if (is_cmp_tok(curt(p)))
        return parse_comparison(p, x);
    return x;
}

static expr_node *parse_not(parser *p)
{
    if (!enter(p))
        return NULL;
    expr_node *x;
    if (curt(p) == T_NOT) {
        p->i++;
        p->ops++;
        expr_node *k = use_as_cond(p, parse_not(p));
        if (!k)
            return NULL;
        x = expr_node_new(p->a, EN_NOT, 0, 1);
        if (!x)
            return nomem(p);
        x->u.kids.k[0] = k;
    } else {
        x = parse_primary(p);
    }
    p->depth--;
    return x;
}

/* A left-associative chain of `side`s joined by `tok` (AND, OR) into `kind` nodes, each
 * side a condition. */
static expr_node *parse_chain(parser *p, tt tok, expr_ntype kind, expr_node *(*side)(parser *))
{
    expr_node *l = side(p);
    while (l && curt(p) == tok) {
        if (!use_as_cond(p, l))
            return NULL;
        p->i++;
        p->ops++;
        expr_node *r = use_as_cond(p, side(p));
        if (!r)
            return NULL;
        expr_node *x = expr_node_new(p->a, kind, 0, 2);
        if (!x)
            return nomem(p);
        x->u.kids.k[0] = l;
        x->u.kids.k[1] = r;
        l = x;
    }
    return l;
}

static expr_node *parse_and(parser *p)
{
    return parse_chain(p, T_AND, EN_AND, parse_not);
}

static expr_node *parse_or(parser *p)
{
    if (!enter(p))
        return NULL;
    expr_node *l = parse_chain(p, T_OR, EN_OR, parse_and);
    p->depth--; /* (after a failure too: the parse is over then) */
    return l;
}

/* ---- update ------------------------------------------------------------------------- */

static int add_act(parser *p, expr_t *x, expr_uop op, expr_node *path, expr_node *val)
{
    if (x->nacts == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 8;
        expr_uact *v = arena_grow(p->a, x->acts, x->nacts, nc, sizeof *v);
        if (!v)
            return ERR_NOMEM;
        x->acts = v;
        x->cap = nc;
    }
    x->acts[x->nacts++] = (expr_uact){.op = op, .path = path, .val = val};
    return 0;
}

/* path | :value | function(...) */
static expr_node *parse_set_operand(parser *p)
{
    expr_node *x = parse_operand(p);
    return x;
}

static expr_node *parse_set_value(parser *p)
{
    expr_node *l;
    if (curt(p) == T_LP) {
        if (!enter(p))
            return NULL;
        p->i++;
        l = parse_set_value(p);
        p->depth--;
        if (!l)
            return NULL;
        if (curt(p) != T_RP)
            return syntax(p);
        p->i++;
        if (l->parens)
            p->parens = true;
        l->parens++;
    } else {
        l = parse_set_operand(p);
    }
    if (!l)
        return NULL;
    if (curt(p) == T_PLUS || curt(p) == T_MINUS) {
        int op = curt(p) == T_PLUS ? '+' : '-';
        p->i++;
        p->ops++;
        nested_in_update(p, l);
        expr_node *r = parse_set_operand(p);
        if (!r)
            return NULL;
        nested_in_update(p, r);
        expr_node *x = expr_node_new(p->a, EN_ARITH, op, 2);
        if (!x)
            return nomem(p);
        x->u.kids.k[0] = l;
        x->u.kids.k[1] = r;
        return x;
    }
    return l;
}

static int parse_update(parser *p, expr_t *x)
{
    if (curt(p) == T_EOF) {
        syntax(p);
        return p->rc;
    }
    while (curt(p) != T_EOF) {
        tt sec = curt(p);
        if (sec != T_SET && sec != T_REMOVE && sec != T_ADD && sec != T_DELETE) {
            syntax(p);
            return p->rc;
        }
        int si = sec == T_SET ? 0 : sec == T_REMOVE ? 1 : sec == T_ADD ? 2 : 3;
        if (p->sections[si]) {
            static const char *const names[] = {"SET", "REMOVE", "ADD", "DELETE"};
            char buf[128];
            snprintf(buf, sizeof buf,
                     "The \"%s\" section can only be used once in an update expression;",
                     names[si]);
            if (!p->sem_section)
                p->sem_section = arena_strdup(p->a, buf);
        }
        p->sections[si] = true;
        p->i++;
        for (;;) {
            if (curt(p) != T_IDENT && curt(p) != T_NAMEPH) {
                syntax(p);
                return p->rc;
            }
            expr_node *path = parse_path(p);
            if (!path)
                return p->rc;
            expr_node *val = NULL;
            if (si == 0) {
                if (curt(p) != T_EQ) {
                    syntax(p);
                    return p->rc;
                }
                p->i++;
                val = parse_set_value(p);
                if (!val)
                    return p->rc;
            } else if (si >= 2) {
                if (curt(p) != T_VALPH) {
                    syntax(p);
                    return p->rc;
                }
                val = parse_operand(p);
                if (!val)
                    return p->rc;
            }
            if (add_act(p, x, (expr_uop)si, path, val) < 0) {
                nomem(p);
                return p->rc;
            }
            if (curt(p) == T_COMMA) {
                p->i++;
                continue;
            }
            break;
        }
    }
    return 0;
}

/* ---- projection --------------------------------------------------------------------- */

static int parse_projection(parser *p, expr_t *x)
{
    size_t cap = 8, n = 0;
    expr_node **v = arena_alloc(p->a, cap * sizeof *v);
    if (!v) {
        nomem(p);
        return p->rc;
    }
    for (;;) {
        if (curt(p) != T_IDENT && curt(p) != T_NAMEPH) {
            syntax(p);
            return p->rc;
        }
        expr_node *path = parse_path(p);
        if (!path)
            return p->rc;
        if (n == cap) {
            v = arena_grow(p->a, v, n, cap * 2, sizeof *v);
            if (!v) {
                nomem(p);
                return p->rc;
            }
            cap *= 2;
        }
        v[n++] = path;
        if (curt(p) == T_COMMA) {
            p->i++;
            continue;
        }
        break;
    }
    if (curt(p) != T_EOF) {
        syntax(p);
        return p->rc;
    }
    x->paths = v;
    x->npaths = n;
    return 0;
}

/* ---- entry -------------------------------------------------------------------------- */

int expr_parse(arena_t *a, expr_kind kind, const char *text, size_t len, expr_t **out, err_t *e)
{
    *out = NULL;
    if (len == 0)
        return expr_fail(e, kind, "The expression can not be empty;");
    /* an update or projection expression's text ends at the semicolon (real AWS answers
     * quoted by users; DynamoDB Local the same); the conditions name the size
     * (test_quotas test_expression_limits_every_kind) */
    if (len > EXPR_MAX_LEN && (kind == EXPR_UPDATE || kind == EXPR_PROJECTION))
        return expr_fail(e, kind, "Expression size has exceeded the maximum allowed size;");
    if (len > EXPR_MAX_LEN)
        return expr_fail(e, kind,
                         "Expression size has exceeded the maximum allowed size; expression "
                         "size: %zu",
                         len);
    parser p = {.a = a, .kind = kind, .src = text, .len = len, .e = e};
    expr_t *x = arena_zalloc(a, sizeof *x);
    if (!x || lex(&p) < 0)
        return err_set(e, ERR_NOMEM, "out of memory parsing an expression");
    x->kind = kind;
    switch (kind) {
    case EXPR_UPDATE:
        parse_update(&p, x);
        break;
    case EXPR_PROJECTION:
        parse_projection(&p, x);
        break;
    default: {
        expr_node *r = use_as_cond(&p, parse_or(&p));
        if (r && curt(&p) != T_EOF)
            syntax(&p);
        x->root = r;
        break;
    }
    }
    if (p.failed)
        return p.rc;
    if (p.ops > EXPR_MAX_OPERATORS)
        return expr_fail(e, kind, "The expression contains too many operators; operator count: %d",
                         EXPR_MAX_OPERATORS + 1);
    if (p.parens)
        return expr_fail(e, kind, "The expression has redundant parentheses;");
    if (p.sem)
        return expr_fail(e, kind, "%s", p.sem);
    if (p.sem_section)
        return expr_fail(e, kind, "%s", p.sem_section);
    *out = x;
    return 0;
}
