/*
 * expr_partiql_lex — PartiQL's keywords and lexer: statement text to tokens.  Layer: expr.
 * See expr_partiql_int.h.
 *
 * pq_lex reads the whole statement into p->t (arena) before the parser starts: keywords
 * (looked up in kw_table, upper-cased into kwname), names, 'strings' and "quoted names"
 * unescaped, numbers, `?`, `ion` literals and operators, each with its line, column and length
 * in characters for the messages.  The first error (a lexical one is a syntax error with no
 * detail) is recorded in p->e and p->rc by pq_syn / pq_nomem, which the parser uses too.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"
#include "expr/expr_partiql.h"
#include "expr/expr_partiql_int.h"

/* PartiQL's reserved words (DynamoDB Local rejects each as an unquoted name; recorded by
 * tools/record_partiql_golden.py's keyword sweep), sorted for bsearch.  Not ONLY: AWS runs
 * "SET Only = set_delete(Only, ...)" (2026-09, an AWS-checked emulator's captures;
 * test_partiql.py test_only_is_a_name). */
static const struct kw {
    const char *w;
    kwid id;
} kw_table[] = {
    {"ABSOLUTE", KW_OTHER}, {"ACTION", KW_OTHER}, {"ADD", KW_OTHER}, {"ALL", KW_ALL},
    {"ALLOCATE", KW_OTHER}, {"ALTER", KW_OTHER}, {"AND", KW_AND}, {"ANY", KW_OTHER},
    {"ARE", KW_OTHER}, {"AS", KW_AS}, {"ASC", KW_ASC}, {"ASSERTION", KW_OTHER},
    {"AT", KW_OTHER}, {"AUTHORIZATION", KW_OTHER}, {"AVG", KW_OTHER}, {"BAG", KW_OTHER},
    {"BEGIN", KW_OTHER}, {"BETWEEN", KW_BETWEEN}, {"BIT", KW_OTHER}, {"BIT_LENGTH", KW_OTHER},
    {"BLOB", KW_OTHER}, {"BY", KW_BY}, {"CASCADE", KW_OTHER}, {"CASCADED", KW_OTHER},
    {"CASE", KW_OTHER}, {"CAST", KW_OTHER}, {"CATALOG", KW_OTHER}, {"CHAR", KW_OTHER},
    {"CHARACTER", KW_OTHER}, {"CHARACTER_LENGTH", KW_OTHER}, {"CHAR_LENGTH", KW_OTHER},
    {"CHECK", KW_OTHER}, {"CLOB", KW_OTHER}, {"CLOSE", KW_OTHER}, {"COALESCE", KW_OTHER},
    {"COLLATE", KW_OTHER}, {"COLLATION", KW_OTHER}, {"COLUMN", KW_OTHER}, {"COMMIT", KW_OTHER},
    {"CONFLICT", KW_OTHER}, {"CONNECT", KW_OTHER}, {"CONNECTION", KW_OTHER},
    {"CONSTRAINT", KW_OTHER}, {"CONSTRAINTS", KW_OTHER}, {"CONTINUE", KW_OTHER},
    {"CONVERT", KW_OTHER}, {"CORRESPONDING", KW_OTHER}, {"COUNT", KW_OTHER},
    {"CREATE", KW_OTHER}, {"CROSS", KW_OTHER}, {"CURRENT", KW_OTHER},
    {"CURRENT_DATE", KW_OTHER}, {"CURRENT_TIME", KW_OTHER}, {"CURRENT_TIMESTAMP", KW_OTHER},
    {"CURRENT_USER", KW_OTHER}, {"CURSOR", KW_OTHER}, {"DATE", KW_OTHER},
    {"DATE_ADD", KW_OTHER}, {"DATE_DIFF", KW_OTHER}, {"DEALLOCATE", KW_OTHER},
    {"DEC", KW_OTHER}, {"DECIMAL", KW_OTHER}, {"DECLARE", KW_OTHER}, {"DEFAULT", KW_OTHER},
    {"DEFERRABLE", KW_OTHER}, {"DEFERRED", KW_OTHER}, {"DELETE", KW_DELETE},
    {"DESC", KW_DESC}, {"DESCRIBE", KW_OTHER}, {"DESCRIPTOR", KW_OTHER},
    {"DIAGNOSTICS", KW_OTHER}, {"DISCONNECT", KW_OTHER}, {"DISTINCT", KW_OTHER},
    {"DO", KW_OTHER}, {"DOMAIN", KW_OTHER}, {"DOUBLE", KW_OTHER}, {"DROP", KW_OTHER},
    {"ELSE", KW_OTHER}, {"END", KW_OTHER}, {"END-EXEC", KW_OTHER}, {"ESCAPE", KW_OTHER},
    {"EXCEPT", KW_OTHER}, {"EXCEPTION", KW_OTHER}, {"EXEC", KW_OTHER}, {"EXECUTE", KW_OTHER},
    {"EXISTS", KW_EXISTS}, {"EXTERNAL", KW_OTHER}, {"EXTRACT", KW_OTHER}, {"FALSE", KW_FALSE},
    {"FETCH", KW_OTHER}, {"FIRST", KW_OTHER}, {"FLOAT", KW_OTHER}, {"FOR", KW_OTHER},
    {"FOREIGN", KW_OTHER}, {"FOUND", KW_OTHER}, {"FROM", KW_FROM}, {"FULL", KW_OTHER},
    {"GET", KW_OTHER}, {"GLOBAL", KW_OTHER}, {"GO", KW_OTHER}, {"GOTO", KW_OTHER},
    {"GRANT", KW_OTHER}, {"GROUP", KW_GROUP}, {"HAVING", KW_HAVING}, {"IDENTITY", KW_OTHER},
    {"IMMEDIATE", KW_OTHER}, {"IN", KW_IN}, {"INDEX", KW_OTHER}, {"INDICATOR", KW_OTHER},
    {"INITIALLY", KW_OTHER}, {"INNER", KW_OTHER}, {"INPUT", KW_OTHER},
    {"INSENSITIVE", KW_OTHER}, {"INSERT", KW_INSERT}, {"INT", KW_OTHER}, {"INTEGER", KW_OTHER},
    {"INTERSECT", KW_OTHER}, {"INTERVAL", KW_OTHER}, {"INTO", KW_INTO}, {"IS", KW_IS},
    {"ISOLATION", KW_OTHER}, {"JOIN", KW_OTHER}, {"KEY", KW_OTHER}, {"LANGUAGE", KW_OTHER},
    {"LAST", KW_OTHER}, {"LEFT", KW_OTHER}, {"LET", KW_OTHER}, {"LEVEL", KW_OTHER},
    {"LIKE", KW_OTHER}, {"LIMIT", KW_LIMIT}, {"LIST", KW_OTHER}, {"LOCAL", KW_OTHER},
    {"LOWER", KW_OTHER}, {"MATCH", KW_OTHER}, {"MAX", KW_OTHER}, {"MIN", KW_OTHER},
    {"MISSING", KW_MISSING}, {"MODIFIED", KW_MODIFIED}, {"MODULE", KW_OTHER},
    {"NAMES", KW_OTHER}, {"NATIONAL", KW_OTHER}, {"NATURAL", KW_OTHER}, {"NCHAR", KW_OTHER},
    {"NEW", KW_NEW}, {"NEXT", KW_OTHER}, {"NO", KW_OTHER}, {"NOT", KW_NOT},
    {"NOTHING", KW_OTHER}, {"NULL", KW_NULL}, {"NULLIF", KW_OTHER}, {"NUMERIC", KW_OTHER},
    {"OCTET_LENGTH", KW_OTHER}, {"OF", KW_OTHER}, {"OLD", KW_OLD}, {"ON", KW_OTHER},
    {"OPEN", KW_OTHER}, {"OPTION", KW_OTHER}, {"OR", KW_OR},
    {"ORDER", KW_ORDER}, {"OUTER", KW_OTHER}, {"OUTPUT", KW_OTHER}, {"OVERLAPS", KW_OTHER},
    {"PAD", KW_OTHER}, {"PARTIAL", KW_OTHER}, {"PIVOT", KW_OTHER}, {"POSITION", KW_OTHER},
    {"PRECISION", KW_OTHER}, {"PREPARE", KW_OTHER}, {"PRESERVE", KW_OTHER},
    {"PRIMARY", KW_OTHER}, {"PRIOR", KW_OTHER}, {"PRIVILEGES", KW_OTHER},
    {"PROCEDURE", KW_OTHER}, {"PUBLIC", KW_OTHER}, {"READ", KW_OTHER}, {"REAL", KW_OTHER},
    {"REFERENCES", KW_OTHER}, {"RELATIVE", KW_OTHER}, {"REMOVE", KW_REMOVE},
    {"RESTRICT", KW_OTHER}, {"RETURNING", KW_RETURNING}, {"REVOKE", KW_OTHER},
    {"RIGHT", KW_OTHER}, {"ROLLBACK", KW_OTHER}, {"ROWS", KW_OTHER}, {"SCHEMA", KW_OTHER},
    {"SCROLL", KW_OTHER}, {"SECTION", KW_OTHER}, {"SELECT", KW_SELECT}, {"SESSION", KW_OTHER},
    {"SESSION_USER", KW_OTHER}, {"SET", KW_SET}, {"SEXP", KW_OTHER}, {"SIZE", KW_SIZE},
    {"SMALLINT", KW_OTHER}, {"SOME", KW_OTHER}, {"SPACE", KW_OTHER}, {"SQL", KW_OTHER},
    {"SQLCODE", KW_OTHER}, {"SQLERROR", KW_OTHER}, {"SQLSTATE", KW_OTHER},
    {"STRING", KW_OTHER}, {"STRUCT", KW_OTHER}, {"SUBSTRING", KW_OTHER}, {"SUM", KW_OTHER},
    {"SYMBOL", KW_OTHER}, {"SYSTEM_USER", KW_OTHER}, {"TABLE", KW_OTHER},
    {"TEMPORARY", KW_OTHER}, {"THEN", KW_OTHER}, {"TIME", KW_OTHER}, {"TIMESTAMP", KW_OTHER},
    {"TO", KW_OTHER}, {"TRANSACTION", KW_OTHER}, {"TRANSLATE", KW_OTHER},
    {"TRANSLATION", KW_OTHER}, {"TRIM", KW_OTHER}, {"TRUE", KW_TRUE}, {"TUPLE", KW_OTHER},
    {"UNION", KW_OTHER}, {"UNIQUE", KW_OTHER}, {"UNKNOWN", KW_OTHER}, {"UNPIVOT", KW_OTHER},
    {"UPDATE", KW_UPDATE}, {"UPPER", KW_OTHER}, {"USAGE", KW_OTHER}, {"USER", KW_OTHER},
    {"USING", KW_OTHER}, {"VALUE", KW_VALUE}, {"VALUES", KW_VALUES}, {"VARCHAR", KW_OTHER},
    {"VARYING", KW_OTHER}, {"VIEW", KW_OTHER}, {"WHEN", KW_OTHER}, {"WHENEVER", KW_OTHER},
    {"WHERE", KW_WHERE}, {"WITH", KW_OTHER}, {"WORK", KW_OTHER}, {"WRITE", KW_OTHER},
    {"ZONE", KW_OTHER},
};

int pq_nomem(pp *p)
{
    if (!p->rc)
        p->rc = err_set(p->e, ERR_NOMEM, "out of memory");
    return p->rc;
}

/* A syntax error (first one wins). */
int pq_syn(pp *p, const char *detail)
{
    if (!p->rc)
        p->rc = err_set(p->e, ERR_VALIDATION, EXPR_PQ_TXT_SYNTAX "%s", detail);
    return p->rc;
}
/* ---- lexer ---------------------------------------------------------------------------- */

bool pq_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool pq_is_digit(char c)
{
    return c >= '0' && c <= '9';
}
/* a word's characters after its first (a name, a keyword) */
bool pq_is_word_char(char c)
{
    return pq_is_alpha(c) || pq_is_digit(c) || c == '$';
}

/* The end of the blank or the comment at s[i] (i: neither); *open: a block comment with no
 * end (the lexer's syntax error).  The lexer's and expr_pq_first_kind's one reading. */
size_t pq_blank_end(const char *s, size_t len, size_t i, bool *open)
{
    *open = false;
    if (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' || s[i] == '\f' ||
                    s[i] == '\v'))
        return i + 1;
    if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
        while (i < len && s[i] != '\n')
            i++;
        return i;
    }
    if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
        size_t j = i + 2;
        while (j + 1 < len && !(s[j] == '*' && s[j + 1] == '/'))
            j++;
        if (j + 1 >= len)
            return *open = true, len;
        return j + 2;
    }
    return i;
}

static int kw_cmp(const void *k, const void *e)
{
    return strcmp(k, ((const struct kw *)e)->w);
}

/* Characters (UTF-8 code points) in src[s, e). */
static uint32_t nchars(const char *src, size_t s, size_t e)
{
    uint32_t n = 0;
    for (size_t i = s; i < e; i++)
        if (((unsigned char)src[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Reads a quoted run starting at src[i] == q ('' / "" escape the quote); *out_end is the
 * index after the closing quote.  false when unterminated. */
static bool lex_quoted(pp *p, size_t i, char q, size_t *out_end, char **out, size_t *out_len)
{
    size_t j = i + 1, n = 0;
    char *buf = arena_alloc(p->a, p->len - i + 1);
    if (!buf) {
        pq_nomem(p);
        return false;
    }
    for (;;) {
        if (j >= p->len)
            return false;
        if (p->src[j] == q) {
            if (j + 1 < p->len && p->src[j + 1] == q) {
                buf[n++] = q;
                j += 2;
                continue;
            }
            j++;
            break;
        }
        buf[n++] = p->src[j++];
    }
    buf[n] = 0;
    *out_end = j;
    *out = buf;
    *out_len = n;
    return true;
}

int pq_lex(pp *p)
{
    size_t cap = 32, n = 0;
    ptok *v = arena_alloc(p->a, cap * sizeof *v);
    if (!v)
        return pq_nomem(p);
    const char *s = p->src;
    size_t i = 0;
    uint32_t line = 1;
    size_t line_start = 0;
    size_t col_at = 0;  /* a position on the current line whose column is known: col_n */
    uint32_t col_n = 0; /* characters from line_start to col_at */
    for (;;) {
        /* whitespace and comments */
        for (;;) {
            bool open;
            size_t e = pq_blank_end(s, p->len, i, &open);
            if (open)
                return pq_syn(p, "");
            if (e == i)
                break;
            for (; i < e; i++)
                if (s[i] == '\n') {
                    line++;
                    line_start = i + 1;
                }
        }
        if (n + 1 >= cap) {
            ptok *nv = arena_grow(p->a, v, n, cap * 2, sizeof *v);
            if (!nv)
                return pq_nomem(p);
            v = nv;
            cap *= 2;
        }
        ptok t;
        memset(&t, 0, sizeof t);
        t.s = (uint32_t)i;
        t.line = line;
        if (col_at < line_start) {
            col_at = line_start;
            col_n = 0;
        }
        col_n += nchars(s, col_at, i);
        col_at = i;
        t.col = col_n + 1;
        if (i >= p->len) {
            t.t = P_EOF;
            t.e = t.s;
            v[n++] = t;
            break;
        }
        char c = s[i];
        size_t j = i + 1;
        if (c == '@' && j < p->len && pq_is_alpha(s[j])) {
            /* @name: PartiQL's lexically scoped reference; DynamoDB reads it as the name */
            while (j < p->len && (pq_is_word_char(s[j])))
                j++;
            t.t = P_IDENT;
            t.text = arena_strndup(p->a, s + i + 1, j - i - 1);
            if (!t.text)
                return pq_nomem(p);
            t.tlen = j - i - 1;
        } else if (c == '`') {
            while (j < p->len && s[j] != '`')
                j++;
            if (j >= p->len)
                return pq_syn(p, "");
            j++;
            t.t = P_ION;
        } else if (pq_is_alpha(c)) {
            while (j < p->len && (pq_is_word_char(s[j])))
                j++;
            char up[sizeof t.kwname];
            size_t wl = j - i;
            t.t = P_IDENT;
            if (wl < sizeof up) {
                for (size_t k = 0; k < wl; k++)
                    up[k] = (s[i + k] >= 'a' && s[i + k] <= 'z') ? (char)(s[i + k] - 32) : s[i + k];
                up[wl] = 0;
                const struct kw *k = bsearch(up, kw_table, sizeof kw_table / sizeof kw_table[0],
                                             sizeof kw_table[0], kw_cmp);
                if (k) {
                    t.t = P_KW;
                    t.k = k->id;
                    memcpy(t.kwname, up, wl + 1);
                }
            }
        } else if (pq_is_digit(c) || (c == '.' && j < p->len && pq_is_digit(s[j]))) {
            t.t = P_NUM;
            while (j < p->len && pq_is_digit(s[j]))
                j++;
            if (c != '.' && j < p->len && s[j] == '.') {
                j++;
                while (j < p->len && pq_is_digit(s[j]))
                    j++;
            }
            if (j < p->len && (s[j] == 'e' || s[j] == 'E')) {
                size_t k = j + 1;
                if (k < p->len && (s[k] == '+' || s[k] == '-'))
                    k++;
                if (k < p->len && pq_is_digit(s[k])) {
                    while (k < p->len && pq_is_digit(s[k]))
                        k++;
                    j = k;
                }
            }
        } else if (c == '\'' || c == '"') {
            size_t end;
            if (!lex_quoted(p, i, c, &end, &t.text, &t.tlen))
                return p->rc ? p->rc : pq_syn(p, "");
            for (size_t k = i; k < end; k++)
                if (s[k] == '\n') {
                    line++;
                    line_start = k + 1;
                }
            t.t = c == '\'' ? P_STR : P_QIDENT;
            j = end;
        } else {
            switch (c) {
            case '(': t.t = P_LP; break;
            case ')': t.t = P_RP; break;
            case '[': t.t = P_LB; break;
            case ']': t.t = P_RB; break;
            case '{': t.t = P_LBRACE; break;
            case '}': t.t = P_RBRACE; break;
            case ',': t.t = P_COMMA; break;
            case '.': t.t = P_DOT; break;
            case ':': t.t = P_COLON; break;
            case ';': t.t = P_SEMI; break;
            case '*': t.t = P_STAR; break;
            case '?': t.t = P_PARAM; break;
            case '=': t.t = P_EQ; break;
            case '+': t.t = P_PLUS; break;
            case '-': t.t = P_MINUS; break;
            case '!':
                if (j < p->len && s[j] == '=') {
                    t.t = P_NE;
                    j++;
                } else {
                    t.t = P_OTHER;
                }
                break;
            case '<':
                t.t = P_LT;
                if (j < p->len && s[j] == '=') {
                    t.t = P_LE;
                    j++;
                } else if (j < p->len && s[j] == '>') {
                    t.t = P_NE;
                    j++;
                } else if (j < p->len && s[j] == '<') {
                    t.t = P_LBAG;
                    j++;
                }
                break;
            case '>':
                t.t = P_GT;
                if (j < p->len && s[j] == '=') {
                    t.t = P_GE;
                    j++;
                } else if (j < p->len && s[j] == '>') {
                    t.t = P_RBAG;
                    j++;
                }
                break;
            case '|':
                t.t = P_OTHER;
                if (j < p->len && s[j] == '|')
                    j++;
                break;
            default:
                /* a character PartiQL has no token for (`, @, #, $, ...): lexical error */
                if (c == '/' || c == '%' || c == '^' || c == '&' || c == '~')
                    t.t = P_OTHER;
                else
                    return pq_syn(p, "");
                break;
            }
        }
        t.e = (uint32_t)j;
        t.clen = nchars(s, i, j);
        v[n++] = t;
        i = j;
    }
    p->t = v;
    p->nt = n;
    p->i = 0;
    return 0;
}
