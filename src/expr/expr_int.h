/*
 * expr_int — the AST and helpers shared by the expr phases.  Layer: expr (private).
 *
 * A parsed tree keeps placeholders as text (#n, :v); expr_resolve copies it into a resolved
 * tree where every path element is a plain name or index and every value node points at an
 * av_t.  Trees are immutable once made; phases never modify their input tree.
 */
#ifndef DDB_EXPR_EXPR_INT_H
#define DDB_EXPR_EXPR_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/expr.h"

typedef enum expr_ntype {
    EN_PATH = 0, /* document path */
    EN_VALUE,    /* :placeholder (parsed) / literal value (resolved) */
    EN_CMP,      /* kids[0] op kids[1] */
    EN_BETWEEN,  /* kids[0] BETWEEN kids[1] AND kids[2] */
    EN_IN,       /* kids[0] IN (kids[1..n)) */
    EN_AND,      /* kids[0] AND kids[1] */
    EN_OR,
    EN_NOT,   /* NOT kids[0] */
    EN_FUNC,  /* op = expr_fn; kids = arguments */
    EN_ARITH, /* kids[0] op ('+' or '-') kids[1] (update SET values) */
} expr_ntype;

typedef enum expr_op { EOP_EQ = 0, EOP_NE, EOP_LT, EOP_LE, EOP_GT, EOP_GE } expr_op;

typedef enum expr_fn {
    EF_ATTRIBUTE_EXISTS = 0,
    EF_ATTRIBUTE_NOT_EXISTS,
    EF_ATTRIBUTE_TYPE,
    EF_BEGINS_WITH,
    EF_CONTAINS,
    EF_SIZE,
    EF_IF_NOT_EXISTS,
    EF_LIST_APPEND,
    EF_LEGACY_NOT_CONTAINS, /* legacy NOT_CONTAINS: false when the attribute is missing */
} expr_fn;

typedef struct expr_pel {
    bool is_index;
    bool is_ph;       /* name is a #placeholder (parsed trees only) */
    const char *name; /* name bytes or placeholder text */
    size_t len;
    uint32_t index;
} expr_pel;

struct expr_node {
    expr_ntype t;
    int op;         /* expr_op for EN_CMP, expr_fn for EN_FUNC, '+'/'-' for EN_ARITH */
    uint8_t parens; /* parenthesised in the source */
    uint8_t sorted; /* EN_VALUE: a set whose members are in expr_cmp_values order (made by
                       expr_resolve for contains()'s constant first operand, so expr_eval
                       finds the item's value by bisection) */
    union {
        struct {
            expr_pel *el;
            size_t n;
        } path;
        struct {
            const char *ph; /* placeholder text (":v"); NULL for built literals */
            size_t ph_len;
            const av_t *v; /* resolved value */
        } val;
        struct {
            expr_node **k;
            size_t n;
        } kids;
    } u;
};

/* EN_IN's op: 0, or EXPR_IN_SORTED when its values (kids 1..) are sorted by expr_cmp_values
 * (a legacy IN list of more than EXPR_IN_SCAN values of one type, expr_build_compare), so
 * expr_eval looks the operand up by bisection. */
#define EXPR_IN_SORTED 1
#define EXPR_IN_SCAN 32

typedef enum expr_uop { EU_SET = 0, EU_REMOVE, EU_ADD, EU_DELETE } expr_uop;

typedef struct expr_uact {
    expr_uop op;
    bool legacy; /* from AttributeUpdates: legacy semantics (ADD on L appends, ...) */
    expr_node *path;
    expr_node *val; /* NULL for REMOVE */
} expr_uact;

struct expr {
    expr_kind kind;
    bool resolved;
    bool legacy;
    expr_node *root; /* condition kinds; NULL = always true */
    expr_uact *acts; /* update */
    size_t nacts, cap;
    expr_node **paths; /* projection */
    size_t npaths;
    bool whole_top; /* projection made by expr_update_apply: DynamoDB Local's
                       UPDATED_OLD/NEW rule (whole top-level attribute when the
                       updated path exists in the item) */
    size_t nremoved; /* made by expr_update_apply: the last nremoved paths are REMOVE's
                        (expr_project_updated leaves them out of the new item's) */
    /* a projection's paths grouped (expr_project.c), made by expr_project on its first item
     * in that call's arena and kept for the next ones: the expression must not outlive that
     * arena, nor be projected by two threads at once (a request's own, resolved one) */
    const struct pnode *plan;
};

/* Reserved words (expr_reserved.c). */
bool expr_is_reserved(const char *name, size_t len);

/* Helpers (expr_util.c). */
expr_node *expr_node_new(arena_t *a, expr_ntype t, int op, size_t nkids);
/* "[a, b, [3]]" as DynamoDB prints document paths in messages, into the arena. */
char *expr_path_str(arena_t *a, const expr_node *path);
/* How two document paths of one projection or update meet (DynamoDB's "Two document paths
 * overlap / conflict with each other" rule): EXPR_PATHS_APART when they part at a name or an
 * index, EXPR_PATHS_OVERLAP when one is a prefix of the other, EXPR_PATHS_CONFLICT when, before
 * they part, one has an index where the other has a name. */
typedef enum expr_meet { EXPR_PATHS_APART, EXPR_PATHS_OVERLAP, EXPR_PATHS_CONFLICT } expr_meet;
expr_meet expr_paths_meet(const expr_node *a, const expr_node *b);
/* Whether any two of paths[0..n) meet (not EXPR_PATHS_APART): a sort and a look at
 * neighbours, n log n, where comparing every pair is n^2 (1,000 paths: 500,000 pairs).  The
 * callers still find the pair to report by their pairwise order when it says yes (true also
 * when the arena is out of memory). */
bool expr_paths_any_meet(arena_t *a, expr_node *const *paths, size_t n);
/* Path lookup in an item; NULL when absent. */
const av_t *expr_path_get(const av_t *item, const expr_node *path);
/* The same from element `from` of the path on, starting at v (the value element from-1 led
 * to); expr_path_get is expr_path_get_from(item, path, 0). */
const av_t *expr_path_get_from(const av_t *v, const expr_node *path, size_t from);
/* Bytewise unsigned order of two names or S/B values (-1, 0, 1; shorter first when one is a
 * prefix of the other). */
int expr_name_cmp(const char *a, size_t an, const char *b, size_t bn);

/* A map's members for many lookups: av_map_get scans the members, so `lookups` of them in a
 * map of n members cost lookups x n; past a few dozen lookups the members are sorted by name
 * once (n log n) and each lookup is a bisection.  The map must stay unchanged while the index
 * is used; memory in the arena. */
typedef struct expr_mindex {
    const av_t *m;
    const av_kv **by_name; /* NULL: lookups scan */
} expr_mindex;
/* ERR_NOMEM (e set). */
int expr_mindex_init(arena_t *a, expr_mindex *x, const av_t *m, size_t lookups, err_t *e);
/* The member named (name, len), or NULL (also when m is not a map). */
const av_kv *expr_mindex_get(const expr_mindex *x, const char *name, size_t len);
/* Type name for messages ("S", "N", ...). */
const char *expr_type_name(av_type t);
/* Value comparison for <, <=, >, >= when both are N, S or B of the same type; *ok false
 * otherwise. */
int expr_cmp_values(const av_t *a, const av_t *b, bool *ok);
/* Whether v is one of the n values at(base, 0..n-1), which are in expr_cmp_values order: a
 * bisection.  A value of another type than theirs is none of them. */
bool expr_sorted_has(const void *base, size_t n, const av_t *(*at)(const void *base, size_t i),
                     const av_t *v);
/* A set's members for many membership tests: past a few dozen tests on a set of more than
 * a few dozen members, its members sorted once (arena; without the memory, scans answer).
 * The set must stay unchanged while the index is used. */
typedef struct expr_sindex {
    const av_t *set;
    const av_t **sorted; /* NULL: tests scan */
} expr_sindex;
void expr_sindex_init(arena_t *a, expr_sindex *x, const av_t *set, size_t probes);
/* m is a member (expr_values_equal to one). */
bool expr_sindex_has(const expr_sindex *x, const av_t *m);
/* Deep equality (sets as sets, numbers numerically). */
bool expr_values_equal(const av_t *a, const av_t *b);
/* Sets error with the "Invalid <Kind>: " prefix (the text whole as far as e keeps it:
 * base/err.h err_whole).  Returns ERR_VALIDATION (ERR_NOMEM when even that failed). */
int expr_fail(err_t *e, expr_kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "Invalid <kind>: Syntax error; token: \"<tok>\", near: \"<near>\"", tok and near taken
 * with their lengths (a U+0000 in them kept).  Returns ERR_VALIDATION (ERR_NOMEM). */
int expr_fail_syntax(err_t *e, expr_kind k, const char *tok, size_t tl, const char *near,
                     size_t nl);
int expr_failv(err_t *e, expr_kind k, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The type a resolved operand is known to have before the item is read (a placeholder's,
 * N for arithmetic and size, L for list_append); AV_NONE if unknown (a path, if_not_exists). */
av_type expr_known_type(const expr_node *x);

#endif
