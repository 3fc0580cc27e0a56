/*
 * expr_partiql — DynamoDB's PartiQL dialect: statement text -> the trees of expr.h.
 * Layer: expr (uses base/ and value/ only).
 *
 * One evaluator: a statement becomes the same condition, update and projection trees that
 * ConditionExpression / UpdateExpression / ProjectionExpression produce (expr_int.h), so
 * expr_eval, expr_update_apply and expr_project run PartiQL unchanged.  Phases:
 *   parse  (expr_pq_parse)  text -> expr_pq: the statement's shape, its document paths, its
 *                           WHERE tree and update actions with every value (literal or `?`)
 *                           held in a numbered slot.  Holds no request data.
 *   bind   (expr_pq_bind)   the slots filled from the literals and the request's Parameters,
 *                           then expr_resolve over them: resolved trees ready to evaluate,
 *                           and the INSERT item.
 *   helpers for the planner (api_partiql.c): the top-level AND conjuncts of a WHERE, key
 *                           equalities, and the select list's projection with DynamoDB's
 *                           result naming (expr_pq_project).
 *
 * Grammar (the Developer Guide's PartiQL reference):
 *   SELECT (* | path [, path ...]) FROM "table"[."index"] [WHERE cond] [ORDER BY key [ASC|DESC], ...]
 *   INSERT INTO "table" VALUE {'attr': value, ...}
 *   UPDATE "table" (SET path = value | REMOVE path)[, | SET | REMOVE ...] [WHERE cond]
 *          [RETURNING (ALL|MODIFIED) (OLD|NEW) *]
 *   DELETE FROM "table" [WHERE cond] [RETURNING ALL OLD *]
 *   EXISTS (SELECT * FROM "table" WHERE cond)              (ExecuteTransaction's check)
 * cond: = <> != < <= > >=, [NOT] BETWEEN, [NOT] IN [..] / (..), AND, OR, NOT, IS [NOT]
 * MISSING|NULL|BOOLEAN|STRING|NUMERIC|BLOB|LIST|STRUCT|TUPLE, begins_with, contains,
 * attribute_type, attribute_exists, attribute_not_exists, size; a condition (a predicate
 * call or a parenthesised condition) compared with =, <>, IN is its truth, a BOOL; IS takes
 * a path or a scalar literal on its left (no call, condition, `?`, collection, MISSING); IN
 * any operand on its left and a [list], (list) or <<bag>> of operands on its right.
 * Any operand, value, select item or ORDER BY key may be in parentheses, a condition too
 * ("(l)[0]" is l[0]).
 * Values: 'strings', numbers, TRUE/FALSE, NULL, [lists], {'maps': ...}, <<sets>>, `?`.
 * Update values: value, path, list_append / if_not_exists (of update values), chained with
 * + / -; set_add, set_delete.  Keywords in any case; "quoted identifiers" for names.
 *
 * Errors (ERR_VALIDATION, DynamoDB's texts; tests/golden/partiql pins them):
 *   syntax: "Statement wasn't well formed, can't be processed: <detail>" where detail is
 *   the PartiQL parser's error name ("Expected data manipulation" when the statement does
 *   not start with SELECT/INSERT/UPDATE/DELETE/EXISTS, "Unexpected keyword", "Unexpected
 *   token", "Expected expression", ...; empty for a lexical error such as an unterminated
 *   quote).  Semantic checks carry DynamoDB's position suffix " at <line>:<column>:<length>"
 *   where DynamoDB gives one ("Unsupported clause: LIMIT at 1:26:1").  A syntax error
 *   anywhere in the statement wins over a semantic one found before it (the statement is
 *   read whole with PartiQL's grammar first, as DynamoDB does).
 *
 * Ownership: everything lives in the arena passed in; the bound statement borrows the
 * parameter values (they must outlive it).  Thread-safe with one arena per thread.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
 */
#ifndef DDB_EXPR_EXPR_PARTIQL_H
#define DDB_EXPR_EXPR_PARTIQL_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/expr.h"

#define EXPR_PQ_MAX_LEN 8192      /* bytes of a statement (DynamoDB's Statement limit) */
#define EXPR_PQ_MAX_NESTING 256   /* parser recursion guard (parentheses, nested literals) */
#define EXPR_PQ_MAX_PARAMS 4096   /* `?` in one statement (bounded by the length anyway) */
#define EXPR_PQ_MAX_ORDER 4       /* ORDER BY keys */
#define EXPR_PQ_IN_MAX 100        /* operands of IN */
#define EXPR_PQ_MAX_LIT_DEPTH 32  /* list / map literals a value may sit in (DynamoDB's limit) */

/* "Statement wasn't well formed, can't be processed: " */
#define EXPR_PQ_TXT_SYNTAX "Statement wasn't well formed, can't be processed: "

typedef enum expr_pq_kind {
    EXPR_PQ_SELECT = 0,
    EXPR_PQ_INSERT,
    EXPR_PQ_UPDATE,
    EXPR_PQ_DELETE,
    EXPR_PQ_EXISTS, /* EXISTS(SELECT ...): a condition check inside ExecuteTransaction */
} expr_pq_kind;

typedef enum expr_pq_ret {
    EXPR_PQ_RET_NONE = 0,
    EXPR_PQ_RET_ALL_OLD,
    EXPR_PQ_RET_MODIFIED_OLD,
    EXPR_PQ_RET_ALL_NEW,
    EXPR_PQ_RET_MODIFIED_NEW,
} expr_pq_ret;

/* A parsed statement (opaque; in the arena it was parsed in). */
typedef struct expr_pq expr_pq;

/* Parses `text` (len bytes).  *out in `a`; it does not point into `text`.  Errors above,
 * ERR_NOMEM. */
int expr_pq_parse(arena_t *a, const char *text, size_t len, expr_pq **out, err_t *e);

/* expr_pq_parse for a request with `nparams` Parameters: a refusal of a WHERE, an update's
 * actions, INSERT's VALUE or RETURNING that comes after a `?` with no value is "Number of
 * parameters in request and statement don't match." instead (DynamoDB Local binds the
 * parameters as it translates them: "WHERE pk = ? AND null AND 1" with none; no AWS
 * capture).  SIZE_MAX: no such check.  *syntax (when not NULL): the refusal is a syntax error
 * (EXPR_PQ_TXT_SYNTAX ...), so callers need not read the message. */
int expr_pq_parse_n(arena_t *a, const char *text, size_t len, size_t nparams, expr_pq **out,
                    bool *syntax, err_t *e);

/* The statement's kind and the number of `?` it holds. */
expr_pq_kind expr_pq_get_kind(const expr_pq *s);
size_t expr_pq_nparams(const expr_pq *s);

/* The kind of statement `text` (len bytes) starts as, read off its first word past blanks
 * and comments: SELECT; INSERT, UPDATE, DELETE, FROM (a write); EXISTS.  false for any other
 * start.  For a statement refused after it parsed (a semantic refusal): DynamoDB classes
 * BatchExecuteStatement / ExecuteTransaction members as reads or writes once they parse. */
bool expr_pq_first_kind(const char *text, size_t len, expr_pq_kind *out);

/* A refusal the statement carries for after its table and index checks (the select list's
 * "Unexpected path component at l:c:n" for a literal or a call such as COUNT(*)), or NULL.
 * The statement must not run when there is one.  Lives in the parse's arena. */
const char *expr_pq_deferred(const expr_pq *s);

typedef struct expr_pq_order {
    const char *name; /* NUL-terminated */
    bool desc;
    unsigned line, col, len; /* position of the key in the statement, for messages */
} expr_pq_order;

/* A statement bound to its parameters: everything the executor needs, resolved. */
typedef struct expr_pq_bound {
    expr_pq_kind kind;
    const char *table;  /* NUL-terminated */
    size_t table_len;
    const char *index;  /* NUL-terminated, or NULL: no ."index" qualifier */
    size_t index_len;
    expr_t *where;      /* resolved condition (EXPR_CONDITION), NULL without WHERE */
    /* SELECT / EXISTS */
    bool star;          /* SELECT * */
    expr_t *proj;       /* resolved projection of the select list (NULL for *) */
    expr_pq_order order[EXPR_PQ_MAX_ORDER];
    size_t norder;
    /* INSERT */
    av_t item;          /* the VALUE tuple (an M) */
    /* UPDATE */
    expr_t *upd;        /* resolved update */
    expr_pq_ret ret;    /* RETURNING */
} expr_pq_bound;

/* Binds `params[0..nparams)` (borrowed) to the statement's `?` in order and resolves its
 * trees into `a`.  Errors (ERR_VALIDATION): "Number of parameters in request and statement
 * don't match." when nparams differs from the statement's count, set literal errors
 * ("Input collection contains duplicates", "Unsupported data type in Bag. DynamoDB only
 * supports either numbers or strings in bags"), and expr_resolve's texts without their
 * "Invalid <Kind>: " prefix ("Incorrect operand type for operator or function; operator or
 * function: <, operand type: BOOL", "Two document paths overlap with each other; ...").
 * ERR_NOMEM. */
int expr_pq_bind(arena_t *a, const expr_pq *s, const av_t *params, size_t nparams,
                 expr_pq_bound *out, err_t *e);

/* ---- planner helpers ------------------------------------------------------------------ */

/* The top-level AND conjuncts of a resolved WHERE (or of any resolved condition), left to
 * right: *out_n pointers into the tree, in an arena array.  NULL tree: 0 conjuncts. */
int expr_pq_conjuncts(arena_t *a, const expr_t *where, const expr_node ***out, size_t *out_n,
                      err_t *e);

/* A conjunct that compares the top-level attribute `name` with values: "name = v",
 * "v = name" (1 value) or, when allow_in, "name IN [v, ...]" (n values).  Up to `cap` value
 * pointers (into the tree) go to vals[]; *out_n receives the count.  false for any other
 * shape. */
bool expr_pq_key_eq(const expr_node *c, const char *name, bool allow_in, const av_t **vals,
                    size_t cap, size_t *out_n);

/* The disjuncts of a top-level OR chain whose every branch is "name = v" (the Developer
 * Guide's "OrderID = 100 OR OrderID = 200" runs as queries): the values, in order.
 * false otherwise. */
bool expr_pq_key_or(const expr_t *where, const char *name, const av_t ***out_vals,
                    size_t *out_n, arena_t *a);

/* A conjunct that constrains the top-level attribute `name` the way a Query's sort-key
 * condition can: =, <, <=, >, >= against a value (either side), BETWEEN, begins_with.
 * *op receives the key-condition operator, *r1 and *r2 the operands (borrowed). */
bool expr_pq_range_cond(const expr_node *c, const char *name, expr_krop *op, const av_t **r1,
                        const av_t **r2);

/* Whether the WHERE, read as OR branches (its disjunctive normal form, IN lists spread), names
 * one partition twice with sort-key ranges that overlap: the service's "Overlapping
 * conditions with range keys are not supported in where clause" (AWS 2026-09/10: "pk IN
 * ['x', 'x']", "pk = 'x' AND (sk > '0' OR sk < '5')", "(pk = 'x' AND a = 1) OR (pk = 'x' AND
 * b = 2)").  Not checked (false) when a branch lacks the partition key's equality or reads a
 * key in a way no key condition can (NOT sk = .., sk <> ..: the statement is a scan), or the
 * branches spread past a few hundred.  `range` NULL or "" for a table without a sort key.
 * *reads: the reads the statement decomposes into (a partition value and a sort-key range or
 * value each; the service allows 50), 0 when it is not keyed as above.  ERR_NOMEM. */
int expr_pq_overlap(arena_t *a, const expr_t *where, const char *hash, const char *range,
                    bool *overlap, size_t *reads);

/* The filter attributes an index does not hold, as the service reports them for a keyed
 * SELECT of a secondary index.  The WHERE is read as reads by partition: the partition key by
 * = or IN reads those values, AND adds the other conditions to every read (and keeps the
 * partitions both sides name: "k = 'y' AND k = 'z'" reads nothing), OR joins reads; a read OR
 * a plain condition, or the partition key read otherwise than by = / IN, is a scan, and a
 * WHERE without the partition key is one: not checked.  A read whose conditions the index
 * holds lets the statement run; when every read lacks some, the last read in key order is
 * reported (AWS eu-west-2 2026-09: an AWS-checked emulator's captures, "(k = 'b' AND u1 = '1')
 * OR (k = 'q' AND u2 = '1')" -> [u2], "(k = 'y' AND projattr = '1') OR (k = 'z' AND aa = '1')"
 * runs; the conformance suite's "(k = 'y' AND nonproj = 'np1') OR (k = 'y2')" runs).  Its
 * names (top-level) for which held() is false go to *missing (arena), in a Java HashSet's
 * order ("b = '1' AND (a = '2' OR ...)" -> [a, b]); *nmissing 0 when the statement runs.
 * ERR_NOMEM. */
int expr_pq_index_filter(arena_t *a, const expr_t *where, const char *hash,
                         bool (*held)(void *ctx, const char *name, size_t len), void *ctx,
                         expr_name **missing, size_t *nmissing);

/* The AND of the conjuncts conj[0..n) except those flagged in skip[] (a resolved tree for
 * expr_build_condition); *out NULL when nothing is left. */
int expr_pq_without(arena_t *a, const expr_node *const *conj, size_t n, const bool *skip,
                    expr_node **out, err_t *e);

/* The select list applied to `item` with DynamoDB's result naming: each path yields one
 * attribute named after its last name step plus the list indexes that follow it ("m.x"
 * -> "x", "l[0][1]" -> "l[0][1]"); a step into a list element other than the first stops
 * there and keeps the rest of the path as a projection of that element ("m.x[2].y" ->
 * "x[2]": {"y": ...}), as DynamoDB does.  Paths the item lacks yield nothing.  *out is an
 * M in `a` sharing leaves with `item`. */
int expr_pq_project(arena_t *a, const expr_t *proj, const av_t *item, av_t *out, err_t *e);

/* Top-level names of a resolved expression: expr_top_names (for the index projection
 * checks).  Declared in expr.h. */

#endif
