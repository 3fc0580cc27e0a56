/*
 * expr — DynamoDB's expression language.  Layer: expr (uses base/ and value/ only).
 *
 * Phases, one file each:
 *   parse    (expr_parse.c)    text -> AST in an arena.  Independent of request data, so a
 *                              parsed expression may be cached and shared (read-only).
 *   resolve  (expr_resolve.c)  #names / :values substituted from an expr_env; records which
 *                              placeholders were used; static checks that need the values
 *                              (operand types of functions, reserved words, attribute_type).
 *                              Produces a NEW resolved tree; the parsed tree is not modified.
 *   evaluate (expr_eval.c)     condition / filter against an item -> bool.
 *   keycond  (expr_keycond.c)  key condition -> hash value + range operator and operands.
 *   update   (expr_update.c)   SET / REMOVE / ADD / DELETE applied to an item -> new item.
 *   project  (expr_project.c)  projection applied to an item -> projected item.
 *   build    (expr_build.c)    the same ASTs from the legacy parameters (Expected,
 *                              QueryFilter, ScanFilter, KeyConditions, AttributeUpdates,
 *                              AttributesToGet); built trees are already resolved.
 *
 * Ownership: every tree and every value produced lives in the arena passed in; values of the
 * env and of the item are borrowed (the result may point into them, so they must outlive the
 * result's use).  Nothing here keeps global state; all functions are thread-safe as long as
 * each thread uses its own arena (a cached parsed expr_t may be shared read-only).
 *
 * Errors: functions return 0 or a negative ERR_*; ERR_VALIDATION carries DynamoDB's exact text
 * in the err_t (sticky), e.g. "Invalid ConditionExpression: Syntax error; token: \"x\", near:
 * \"a x\"".  ERR_NOMEM when the arena is exhausted.
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html
 */
#ifndef DDB_EXPR_EXPR_H
#define DDB_EXPR_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "value/av.h"

/* ---- limits (DynamoDB's) ------------------------------------------------------------- */
#define EXPR_MAX_LEN 4096      /* bytes of one expression string */
#define EXPR_MAX_IN 100        /* operands of IN (after the left one) */
#define EXPR_MAX_OPERATORS 300 /* comparisons, AND/OR/NOT, functions, +/- in one expression */
#define EXPR_MAX_PATH_DEPTH 32 /* elements of a document path */
#define EXPR_MAX_NESTING                                                                           \
    8192                         /* parser recursion guard; the 4 KB length limit bounds real      \
                                    depth (2048 nested parentheses: about 1.3 MB of stack) */
#define EXPR_MAX_PLACEHOLDER 255 /* bytes of a #name / :value placeholder incl. the sigil */
/* bytes of all substitution variables of a request: each name's key and value, each value's
 * key and size (the quotas page: "2 MB ... the sum of the lengths of all
 * ExpressionAttributeNames and ExpressionAttributeValues") */
#define EXPR_MAX_SUBST ((size_t)2 * 1024 * 1024)

/* ---- kinds --------------------------------------------------------------------------- */
typedef enum expr_kind {
    EXPR_CONDITION = 0, /* ConditionExpression */
    EXPR_FILTER,        /* FilterExpression */
    EXPR_KEY_CONDITION, /* KeyConditionExpression */
    EXPR_UPDATE,        /* UpdateExpression */
    EXPR_PROJECTION,    /* ProjectionExpression */
    EXPR_SEARCH_CONDITION, /* SearchVectors' SearchConditionExpression (a condition) */
} expr_kind;

/* "ConditionExpression", "FilterExpression", ... (the word in "Invalid <word>: ..."). */
const char *expr_kind_name(expr_kind k);

/* A parsed (or built) expression.  Opaque; lives in the arena it was made in. */
typedef struct expr expr_t;
/* One node of an AST (opaque); what the legacy builders hand around. */
typedef struct expr_node expr_node;

/* A byte string (attribute names are not NUL-terminated in general). */
typedef struct expr_name {
    const char *ptr;
    size_t len;
} expr_name;

/* ---- parse --------------------------------------------------------------------------- */

/* Parses `text` (len bytes, need not be NUL-terminated) as an expression of `kind`.
 * *out is in arena `a` and does not point into `text` (the text may be freed); it holds no
 * request data, so it may be cached and resolved any number of times.
 * Errors (ERR_VALIDATION, DynamoDB's texts, all prefixed "Invalid <Kind>: "), in DynamoDB's
 * precedence:
 *   "The expression can not be empty;"
 *   "Expression size has exceeded the maximum allowed size; expression size: N" (> 4096;
 *   an update or projection expression: "...maximum allowed size;" without the size)
 *   "Syntax error; token: \"<tok>\", near: \"<prev tok .. next tok>\""
 *   "The expression contains too many operators; operator count: 301"
 *   "The expression has redundant parentheses;"
 *   then the first in source order of: "Attribute name is a reserved keyword; reserved
 *   keyword: <word>", "Invalid function name; function: f", "The function is not allowed to
 *   be used this way in an expression; function: f", "The function is not allowed in a
 *   condition|an update expression; function: f", "List index is not within the allowable
 *   range; index: [N]", "The document path has too many nesting levels; nesting levels: N",
 *   "The IN operator is provided with too many operands; number of operands: N",
 *   "The \"SET\" section can only be used once in an update expression;".
 * Operand counts, overlapping paths and everything that needs the values: expr_resolve. */
int expr_parse(arena_t *a, expr_kind kind, const char *text, size_t len, expr_t **out, err_t *e);

/* The kind the expression was parsed or built as. */
expr_kind expr_get_kind(const expr_t *x);

/* ---- resolve ------------------------------------------------------------------------- */

/* The placeholders of one request, shared by all its expressions.  Initialise once per
 * request, resolve each expression against it, then call expr_env_check_unused. */
struct expr_mindex;
typedef struct expr_env {
    const av_t *names;  /* M "#n" -> S, or NULL (borrowed; must outlive the resolved trees) */
    const av_t *values; /* M ":v" -> any value, or NULL (borrowed, same) */
    bool *names_used;   /* arena; one flag per names->u.map.kv entry */
    bool *values_used;  /* arena; one flag per values->u.map.kv entry */
    /* made by resolving, zero before: the maps' keys sorted (arena) once a few dozen
     * placeholders have been looked up in a big map, and the count of those lookups */
    struct expr_mindex *names_ix, *values_ix;
    size_t names_lookups, values_lookups;
} expr_env;

/* Prepares env over the (borrowed) maps; flags allocated in `a`.  Either map may be NULL.
 * Checks the maps like DynamoDB: not empty ("ExpressionAttributeNames must not be empty"),
 * key length <= EXPR_MAX_PLACEHOLDER ("... contains invalid key: The expression attribute map
 * contains a key that is too long; ..."), key syntax ("ExpressionAttributeNames contains
 * invalid key: Syntax error; key: \"x\""), names map to non-empty S values shorter than
 * 64 KB ("ExpressionAttributeNames contains invalid value: Empty attribute name for key #n"),
 * and their sizes: each map, then both together, at most EXPR_MAX_SUBST ("ExpressionAttribute
 * Names exceeds max size", "ExpressionAttributeValues exceeds max size", "Combined size of
 * ExpressionAttributeNames and ExpressionAttributeValues exceeds max size").
 * The values themselves are the api's to validate (ddbjson).  ERR_VALIDATION / ERR_NOMEM. */
int expr_env_init(expr_env *env, arena_t *a, const av_t *names, const av_t *values, err_t *e);
/* expr_env_init's checks of the names map alone (NULL: none), and of one values key, for
 * callers that check a map's keys before they read the values (the service reports
 * ExpressionAttributeNames' keys before an empty ExpressionAttributeValues, and a values
 * key before the values: dynalite's AWS-recorded tests, DynamoDB Local agrees).
 * ERR_VALIDATION with expr_env_init's texts / ERR_NOMEM. */
int expr_env_names_check(const av_t *names, arena_t *a, err_t *e);
int expr_env_value_key_check(const char *k, size_t klen, arena_t *a, err_t *e);

/* Substitutes placeholders of `parsed` (not modified; may be a shared cached tree) and makes
 * the resolved tree *out in `a`.  Marks the placeholders it uses in env.  env may be NULL
 * (no placeholders defined).  Also accepts an already resolved (built) expression: *out =
 * the same tree.
 * Errors (ERR_VALIDATION, prefixed "Invalid <Kind>: "):
 *   "An expression attribute value used in expression is not defined; attribute value: :x"
 *   "An expression attribute name used in the document path is not defined; attribute
 *    name: #x"
 *   "Incorrect number of operands for operator or function; operator or function: f, number
 *    of operands: N", "The first operand must be distinct from the remaining operands for this
 *    operator or function; ...", "Operator or function requires a document path; ...",
 *   operand types ("Incorrect operand type for operator or function; operator or function:
 *    begins_with, operand type: N", "...; operator: ADD, operand type: STRING, typeSet:
 *    ALLOWED_FOR_ADD_OPERAND"), attribute_type's "Invalid attribute type name found; ...",
 *   BETWEEN bounds ("The BETWEEN operator requires upper bound to be greater than or equal to
 *    lower bound; ..."), "Two document paths overlap|conflict with each other; ..." (update,
 *    projection).
 * Order as DynamoDB Local: a condition reports its first failing node left to right; an
 * update runs passes (action paths, overlaps, operands, types) and reports the LAST failing
 * action of the first failing pass; a projection reports the last failing path. */
int expr_resolve(arena_t *a, const expr_t *parsed, expr_env *env, expr_t **out, err_t *e);

/* After all of a request's expressions were resolved: ERR_VALIDATION when a value or a name
 * was never used:
 *   "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
 *   "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"
 * (names are checked first, as DynamoDB Local does).  env NULL: 0. */
int expr_env_check_unused(const expr_env *env, err_t *e);

/* ---- evaluate (condition / filter) ---------------------------------------------------- */

/* Evaluates a resolved condition or filter against `item` (an M, or NULL for a missing item;
 * borrowed).  *out_true receives the result.  Comparisons between different types are false;
 * M/L/sets support only = and <>; functions attribute_exists, attribute_not_exists,
 * attribute_type, begins_with, contains, size; BETWEEN, IN, AND, OR, NOT.
 * Errors: ERR_VALIDATION for an unresolved tree (programming error) or a kind that is not a
 * condition/filter/key condition.  Evaluation itself does not fail on item data. */
int expr_eval(const expr_t *cond, const av_t *item, bool *out_true, err_t *e);

/* ---- key condition ------------------------------------------------------------------- */

typedef enum expr_krop {
    EXPR_KR_NONE = 0, /* no sort key condition */
    EXPR_KR_EQ,
    EXPR_KR_LT,
    EXPR_KR_LE,
    EXPR_KR_GT,
    EXPR_KR_GE,
    EXPR_KR_BETWEEN,    /* r1 <= range <= r2 */
    EXPR_KR_BEGINS_WITH /* S or B prefix r1 */
} expr_krop;

#define EXPR_KEY_ATTRS 8 /* a multi-attribute GSI key: up to 4 partition + 4 sort attributes */

/* The key schema of the table or index queried (plain strings, NUL-terminated, borrowed). */
typedef struct expr_keyschema {
    const char *hash;
    av_type hash_type;  /* AV_S, AV_N, AV_B */
    const char *range;  /* NULL or "" when there is no sort key */
    av_type range_type; /* AV_NONE when there is no sort key */
    /* A multi-attribute GSI key (n_attrs > 0; hash/range above are then ignored): all its
     * attributes in key-schema order, the first n_hash being the partition key's. */
    const char *const *attrs;
    const av_type *attr_types;
    size_t n_attrs, n_hash;
    /* the queried index's name, NULL for the table: an empty key value on an index gets the
     * secondary-index wording naming it (DynamoDB Local's, for GSIs and LSIs alike) */
    const char *index;
} expr_keyschema;

typedef struct expr_keycond {
    av_t hash; /* the partition key value (borrowed from env / builder values) */
    expr_krop rop;
    av_t r1, r2; /* operands (r2 only for BETWEEN); AV_NONE when unused */
    /* The values of the first n_eq key attributes, each compared with "=": the partition key
     * (eq[0] == hash) and, for a multi-attribute key, every sort key attribute before the one
     * rop applies to (all of those compared with "=" when rop is EXPR_KR_NONE). */
    av_t eq[EXPR_KEY_ATTRS];
    size_t n_eq;
} expr_keycond;

/* Extracts the key lookup from a resolved key condition (expression or built from legacy
 * KeyConditions).  Errors (ERR_VALIDATION, DynamoDB's texts), e.g.:
 *   "Query key condition not supported" (the partition key compared with other than "=")
 *   "Query condition missed key schema element" (no partition key condition, or a condition
 *    on a non-key attribute), "Conditions can be of length 1 or 2 only",
 *   "KeyConditionExpressions must only contain one condition per key",
 *   "Invalid operator used in KeyConditionExpression: OR|NOT|IN|<>|attribute_exists|...",
 *   "One or more parameter values were invalid: Condition parameter type does not match
 *    schema type"
 *   "Attempted conditional constraint is not an indexable operation" (legacy KeyConditions:
 *    NE, NULL, NOT_NULL, CONTAINS, NOT_CONTAINS or IN on a key attribute)
 *   "One or more parameter values are not valid. The AttributeValue for a key attribute cannot
 *    contain an empty string value. Key: pk"
 *   "One or more parameter values were invalid: Aggregated size of all range keys has exceeded
 *    the size limit of 1024 bytes" (a sort key condition's S or B value over 1,024 bytes,
 *    before its type is checked; DynamoDB Local's check)
 *   "Invalid condition in KeyConditionExpression: ..." (several keys in one condition, no key,
 *    the key not first in BETWEEN / begins_with), "KeyConditionExpressions cannot contain
 *    nested operations", "Invalid KeyConditionExpression: KeyConditionExpressions cannot have
 *    conditions on nested attributes" (a document path on a key: the service's text).
 * (BETWEEN bounds and operand types are checked by expr_resolve, with the
 * "Invalid KeyConditionExpression: " prefix.)
 * A multi-attribute key (ks->n_attrs > 0) is checked as the service checks it (DynamoDB Local
 * 3.3's texts; tests/e2e/test_gsi_multikey.py), in this order: more conditions than key
 * attributes ("Query key condition not supported"); partition key attributes without a
 * condition, or when each has one those without an "=" ("HASH key attributes a, b must have
 * equality conditions specified in the query"); each
 * partition value's type and emptiness; sort key attributes left without "=" before a
 * condition on a later one ("RANGE key attributes d must have equality conditions specified
 * in the query because a condition is present on key attribute e": the first run without a
 * condition, named with the attribute after it; else those with another operator before the
 * last attribute with a condition, named with that one); a condition on another
 * attribute ("Query condition missed key schema element"); each sort key value's size (over
 * 1,024 bytes, each attribute alone), type and emptiness. */
int expr_keycond_extract(const expr_t *kc, const expr_keyschema *ks, expr_keycond *out, err_t *e);

/* The checks of a key condition that come before a Query's start key is measured: the walk
 * (operators, paths, one condition per key), the count of conditions and the sort key value's
 * size ("Aggregated size of all range keys ...", DynamoDB Local's order: test_quotas
 * test_key_condition_lengths).  What names the schema's keys (a missing key, the types, "=" on
 * the partition key, a legacy operator that cannot key a Query) is expr_keycond_extract's,
 * after the start key's size (dynalite's query tests, recorded against AWS).  Same errors as
 * expr_keycond_extract for what it checks; 0 when they pass. */
int expr_keycond_values(const expr_t *kc, const expr_keyschema *ks, err_t *e);

/* The checks of a key condition expression that need no schema, before the table is looked
 * up (dynalite's query tests, recorded against AWS, with a table that does not exist:
 * "Invalid operator used in KeyConditionExpression: OR", "... cannot contain nested
 * operations", "Multiple attribute names used in one condition", "... cannot have conditions
 * on nested attributes", "No key attribute specified"; DynamoDB Local looks the table up
 * first): the walk of expr_keycond_values up to the first second condition on one key
 * attribute (that one and the count of conditions are answered against the schema, as
 * before).  Legacy KeyConditions (kc->legacy) and NULL: 0.  Same errors as the walk. */
int expr_keycond_shape(const expr_t *kc, err_t *e);

/* ---- update -------------------------------------------------------------------------- */

/* Applies a resolved update (expression or built from AttributeUpdates) to old_item (an M,
 * or NULL when the item does not exist: treated as an empty item; the caller adds the key
 * attributes to the result or passes a key-only item).  key_names[0..nkeys) are the table's
 * key attribute names (NUL-terminated, borrowed).
 * *out_item: the new item in `a` (shares unchanged values with old_item: keep old_item alive).
 * *out_updated (may be NULL): a projection expression (kind EXPR_PROJECTION, resolved) of the
 * document paths the update wrote, for ReturnValues UPDATED_OLD / UPDATED_NEW: pass it to
 * expr_project with the old or the new item.  As DynamoDB Local does, that projection yields
 * the WHOLE top-level attribute of every updated path that exists in the given item
 * ("SET m.a.c = :v" with UPDATED_NEW returns all of m; UPDATED_OLD returns nothing when m.a.c
 * did not exist before); expr_project_updated applies the service's rule.
 * Errors (ERR_VALIDATION, DynamoDB's texts):
 *   "One or more parameter values were invalid: Cannot update attribute pk. This attribute is
 *    part of the key"
 *   "The document path provided in the update expression is invalid for update"
 *   "An operand in the update expression has an incorrect data type"
 *   "Invalid UpdateExpression: ..." for the rest (e.g. "Incorrect operand type for operator or
 *    function; operator: ADD, operand type: S", "Invalid UpdateExpression: Syntax error ...")
 *   "The provided expression refers to an attribute that does not exist in the item"
 *   "Nesting Levels have exceeded supported limits" (a written attribute deeper than 31)
 *   "Item size to update has exceeded the maximum allowed size" (the SET and ADD values hold
 *    more elements than an item can: not built, after the other checks; expr_update.c built)
 *   "Type mismatch for attribute to update" (AttributeUpdates)
 *   number overflow / precision errors from num.h. */
int expr_update_apply(arena_t *a, const expr_t *upd, const av_t *old_item,
                      const char *const *key_names, size_t nkeys, av_t *out_item,
                      expr_t **out_updated, err_t *e);
/* The first of expr_update_apply's checks alone: an action whose path starts at a key
 * attribute ("Cannot update attribute pk. This attribute is part of the key"). */
int expr_update_key_targets(const expr_t *upd, const char *const *key_names, size_t nkeys,
                            err_t *e);
/* Whether the UpdateExpression upd (not AttributeUpdates) SETs the top-level attribute
 * name[0..len) itself (a one-element path) to a value whose type is not known before the
 * item is read (a path, if_not_exists; not a placeholder, arithmetic or list_append). */
bool expr_update_sets_attr(const expr_t *upd, const char *name, size_t len);
/* The type update upd gives the top-level attribute name[0..len) when it is known before the
 * item is read: a one-element path SET to a placeholder, arithmetic, list_append or size, an
 * ADD's operand (AttributeUpdates' PUT and ADD alike).  AV_NONE when no action writes the
 * attribute so: it is removed, DELETEd from, set from the item (a path, if_not_exists), or
 * only reached into (a.b, a[0]). */
av_type expr_update_known_type(const expr_t *upd, const char *name, size_t len);

/* ReturnValues UPDATED_OLD (new_item false, item = the old item) or UPDATED_NEW (new_item
 * true, item = the new item) as the service answers them: only the written document paths,
 * as a projection of them ("SET m.a.c = :v" returns {m: {a: {c: ...}}}, not m's other
 * members; conformance tier1 updateItem/basic "UPDATED_NEW on a nested SET returns only the
 * changed fragment"); a REMOVE's path is not in the new item's.  updated: *out_updated of
 * expr_update_apply.  *out: an M in `a` sharing values with item, or AV_NONE when no written
 * path exists in item.  Errors: ERR_NOMEM. */
int expr_project_updated(arena_t *a, const expr_t *updated, const av_t *item, bool new_item,
                         av_t *out, err_t *e);

/* PartiQL UPDATE ... RETURNING MODIFIED OLD * / MODIFIED NEW * as the service answers them:
 * every path the statement's SET and REMOVE clauses name, as written, projected from the old
 * or the new item with ProjectionExpression's rules: a nested path yields only its leaf, list
 * elements come back densely in ascending index order, a path that does not resolve yields
 * nothing (a REMOVE of a middle list element still resolves in the new item, to the element
 * shifted into its place).  Characterised against AWS by the conformance suite (tier2
 * partiql ExecuteStatement "RETURNING clause: MODIFIED projection edges", eu-west-2);
 * DynamoDB Local returns each updated top-level attribute whole.  updated: *out_updated of
 * expr_update_apply.  *out: an M in `a` sharing values with item, or AV_NONE when nothing
 * resolves (the statement then returns no row).  Errors: ERR_NOMEM. */
int expr_project_modified(arena_t *a, const expr_t *updated, const av_t *item, av_t *out,
                          err_t *e);

/* What the service charges a standalone UpdateItem's statement, besides sizing the finished
 * item; over 400 KB it is refused ("Item size to update has exceeded the maximum allowed
 * size") even when the finished item is not, and before its ConditionExpression is
 * evaluated.  It is read from the resolved request alone: 3 for the update, plus per clause
 * SET / ADD 19 + the target + the operand, REMOVE / DELETE 1 + the target; a target costs
 * its first name, then 4 and the element for each later element (a name's bytes, an index's
 * digits); an operand: a value its size (at every use), a path 1 plus 14 and the element for
 * each element (not the value it reads), x + y 34 and x - y 37, if_not_exists 39,
 * list_append 37, each plus its operands.  So a short key, and an attribute the statement
 * leaves alone, count for nothing (conformance suite's tier3 itemSizeBySurface: eu-west-2
 * 2026-08, the clause kinds 2026-10-09).  0 for an update built from AttributeUpdates. */
uint64_t expr_update_charge(const expr_t *upd);

/* True when an attribute of item (an M) nests more container levels (M / L) than DynamoDB
 * stores (the limit expr_update_apply applies: "Nesting Levels have exceeded supported
 * limits").  For items built from a statement (PartiQL INSERT), which ddbjson did not
 * check. */
bool expr_attr_too_deep(const av_t *item);

/* ---- projection ---------------------------------------------------------------------- */

/* Projects `item` (an M, or NULL -> *out has type AV_NONE) on a resolved projection:
 * top-level and nested paths, list indexes; the result keeps DynamoDB's shape (maps keep the
 * requested members, lists keep the requested elements in index order, compacted).
 * Paths that do not exist are skipped.  *out in `a`, sharing leaves with `item`. */
int expr_project(arena_t *a, const expr_t *proj, const av_t *item, av_t *out, err_t *e);

/* Top-level attribute names a resolved expression refers to (for Query's "Filter Expression
 * can only contain non-primary key attributes", index projections, ...).  *out_names is an
 * arena array of *out_n distinct names (borrowed from the env / builder input). */
int expr_top_names(arena_t *a, const expr_t *x, expr_name **out_names, size_t *out_n, err_t *e);

/* ERR_VALIDATION "Key attributes must be scalars; list random access '[]' and map lookup '.'
 * are not allowed: Key: <name>" when a path of the resolved expression x dereferences one of
 * keys[0..nkeys) (the table's key attributes), "...: IndexKey: <name>" for ikeys (its
 * indexes' key attributes); 0 otherwise or when x is NULL (expr_keyattr.c). */
int expr_key_attr_check(const expr_t *x, const char *const *keys, size_t nkeys,
                        const char *const *ikeys, size_t nikeys, err_t *e);
/* The same check naming the key DynamoDB Local names when paths go into several: the first
 * of keys (the table's partition key, then its sort key) and then the first of ikeys in the
 * caller's order (api_table_key_attr_check: Local's) that a path goes into (expr_keyattr.c). */
int expr_key_attr_check_ordered(const expr_t *x, const char *const *keys, size_t nkeys,
                                const char *const *ikeys, size_t nikeys, err_t *e);
/* Java's String.hashCode of the UTF-8 text (UTF-16 units), spread as java.util.HashMap does
 * (h ^ h >>> 16): a bucket is this & (capacity - 1). */
uint32_t expr_java_hash(const char *s, size_t len);

/* ---- SearchVectors' SearchConditionExpression (expr_search.c) ---------------------------- */

/* What a resolved condition uses beyond equality (=, AND, OR, NOT), the first such construct
 * left to right: 0 nothing (also for NULL), 1 another comparator or a function (the service's
 * "Invalid comparator"), 2 BETWEEN or IN ("Invalid operator"), 4 an equality on a nested
 * attribute; then 3 when two top-level conjuncts name one attribute. */
int expr_search_refused(const expr_t *cond);
/* The value a top-level conjunct `name = value` (either side) of the resolved condition
 * fixes for attribute (name, len), or NULL when the condition does not fix it so. */
const av_t *expr_search_top_eq(const expr_t *cond, const char *name, size_t len);

/* ---- parse cache (expr_cache.c) --------------------------------------------------------- */

/* A thread-safe cache of parsed expressions keyed by (kind, text), for the api layer to keep
 * in its long-lived handle (no globals).  At most max_entries trees; when full, a clock
 * (second-chance) sweep evicts one that was not used recently.  Only successful parses are
 * cached (a text that fails is parsed, and fails, each time).  Owner: whoever called
 * expr_cache_new; expr_cache_free when no thread uses it any more (accepts NULL). */
typedef struct expr_cache expr_cache;
expr_cache *expr_cache_new(size_t max_entries); /* NULL on ERR_NOMEM or max_entries == 0 */
void expr_cache_free(expr_cache *c);

/* expr_parse + expr_resolve through the cache: the resolved tree *out is in `a` (request
 * arena) exactly as expr_resolve makes it; errors exactly as expr_parse / expr_resolve.
 * c may be NULL (no caching).  Concurrent callers share cached trees read-only. */
int expr_cache_resolve(expr_cache *c, arena_t *a, expr_kind kind, const char *text, size_t len,
                       expr_env *env, expr_t **out, err_t *e);

/* Hits / misses since creation (for tests and stats). */
void expr_cache_stats(const expr_cache *c, uint64_t *hits, uint64_t *misses);

/* ---- builders for the legacy parameters ------------------------------------------------ */

/* The legacy ComparisonOperator values. */
typedef enum expr_cmp {
    EXPR_CMP_EQ = 0,
    EXPR_CMP_NE,
    EXPR_CMP_LE,
    EXPR_CMP_LT,
    EXPR_CMP_GE,
    EXPR_CMP_GT,
    EXPR_CMP_NOT_NULL,
    EXPR_CMP_NULL,
    EXPR_CMP_CONTAINS,
    EXPR_CMP_NOT_CONTAINS,
    EXPR_CMP_BEGINS_WITH,
    EXPR_CMP_IN,
    EXPR_CMP_BETWEEN,
} expr_cmp;

/* Parses "EQ", "NE", ...; returns 0 and *out, or ERR_VALIDATION when unknown (no message:
 * the api layer words that error). */
int expr_cmp_from_name(const char *s, size_t len, expr_cmp *out);

/* A path naming one top-level attribute (name borrowed). NULL on ERR_NOMEM. */
expr_node *expr_build_path_from_name(arena_t *a, const char *name, size_t len);

/* `path op values[0..nvalues)` as the legacy API means it (values borrowed).  Checks the
 * argument count and types like DynamoDB ("One or more parameter values were invalid:
 * Invalid number of argument(s) for the EQ ComparisonOperator", "One or more parameter
 * values were invalid: ComparisonOperator CONTAINS is not valid for M AttributeValue type",
 * ...).  *out in `a`. */
int expr_build_compare(arena_t *a, expr_node *path, expr_cmp op, const av_t *values, size_t nvalues,
                       expr_node **out, err_t *e);

/* Expected's {Exists, Value} form: exists=false -> attribute_not_exists(path);
 * exists=true with value -> path = value; value without Exists -> path = value.
 * (The api checks the combinations DynamoDB rejects before calling.) */
int expr_build_exists(arena_t *a, expr_node *path, bool exists, const av_t *value, expr_node **out,
                      err_t *e);

/* l AND r, l OR r (either may be NULL: returns the other).  NULL on ERR_NOMEM only when both
 * are non-NULL and the arena is exhausted. */
expr_node *expr_build_and(arena_t *a, expr_node *l, expr_node *r);
expr_node *expr_build_or(arena_t *a, expr_node *l, expr_node *r);
/* nodes[0] AND nodes[1] AND ... (OR when is_or) as a balanced tree: the same leaves in the
 * same order, evaluated and short-circuited the same as a chain, but log2 n deep (a chain of
 * 50,000 ScanFilter conditions overflowed expr_eval's stack: SIGSEGV; atg12).  NULL when n
 * is 0, or on ERR_NOMEM. */
expr_node *expr_build_all(arena_t *a, bool is_or, expr_node *const *nodes, size_t n);

/* Wraps a built condition as a resolved expression of `kind` (EXPR_CONDITION, EXPR_FILTER or
 * EXPR_KEY_CONDITION).  root NULL is allowed (always true).  ERR_NOMEM. */
int expr_build_condition(arena_t *a, expr_kind kind, expr_node *root, expr_t **out, err_t *e);

/* AttributesToGet: a resolved projection of top-level names (borrowed; a name that repeats
 * an earlier one is left out). ERR_NOMEM. */
int expr_build_projection(arena_t *a, const expr_name *names, size_t n, expr_t **out, err_t *e);

/* Which names repeat an earlier one: *out_rep (arena, n flags) has rep[i] true when names[k]
 * equals names[i] for some k < i.  A sort by (name, position): n log n.  ERR_NOMEM. */
int expr_names_repeats(arena_t *a, const expr_name *names, size_t n, bool **out_rep, err_t *e);

/* AttributeUpdates, one attribute at a time.  Start with *upd == NULL; each call appends one
 * action (creating the expr_t on first use).  Actions as the legacy API:
 *   PUT    value required: set the attribute.
 *   DELETE value NULL: remove the attribute; value a set: remove those members (emptied set
 *          removes the attribute); other types: "One or more parameter values were invalid:
 *          DELETE action with value is not supported for the type X" style errors.
 *   ADD    N: add (missing attribute = 0); sets: union; L: append (legacy only); else the
 *          DynamoDB error.
 * Errors ERR_VALIDATION with DynamoDB's texts, ERR_NOMEM. */
typedef enum expr_action { EXPR_ACT_PUT = 0, EXPR_ACT_DELETE, EXPR_ACT_ADD } expr_action;
int expr_build_update(arena_t *a, expr_t **upd, const char *name, size_t len, expr_action action,
                      const av_t *value, err_t *e);

#endif
