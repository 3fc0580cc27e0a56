/*
 * api_legacy — the legacy (pre-expression) parameters as expression ASTs.  Layer: api.
 *
 * AttributesToGet, KeyConditions, QueryFilter, ScanFilter, Expected, AttributeUpdates and
 * ConditionalOperator are mapped onto expr's builders (expr_build_*), so the rest of the
 * request runs exactly as with expressions.  The combinations DynamoDB rejects are checked
 * here with DynamoDB Local's texts (tests/e2e/test_items.py, test_query_scan.py pin them).
 *
 * One text for both request trees (api_jview.h): the jansson tree, and our
 * reader's (value/jread.h), so a request with legacy parameters needs no jansson tree on the
 * fast paths (issue 13.1; a 15 MB QueryFilter of 200,000 conditions took a ~740 MB peak
 * through the jansson tree).  Over our reader's tree the names are copied into the arena
 * (terminated, as jansson's keys are) and a string holding U+0000 is refused (the jansson
 * path's C strings would cut it): the caller then takes the jansson path, which answers.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html
 */
#include <string.h>

#include "api/api_item.h"
#include "api/api_jview.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "value/jread.h"
#include "value/ddbjson.h"

#define TXT_L_BAD_OP "Comparison type does not exist in DynamoDB"
#define TXT_L_EXISTS_FALSE_VALUE                                                                 \
    "One or more parameter values were invalid: Value cannot be used when Exists is false for " \
    "Attribute: %s"
#define TXT_L_EXISTS_TRUE_NO_VALUE                                                               \
    "One or more parameter values were invalid: Value must be provided when Exists is true for " \
    "Attribute: %s"
#define TXT_L_EXISTS_NULL_NO_VALUE                                                               \
    "One or more parameter values were invalid: Value must be provided when Exists is null for " \
    "Attribute: %s"
#define TXT_L_VALUE_AND_LIST                                                                     \
    "One or more parameter values were invalid: Value and AttributeValueList cannot be used "   \
    "together for Attribute: %s"
/* AttributeValueList without a ComparisonOperator (and without Value): AWS (dynalite's
 * AWS-recorded putItem / deleteItem tests) and DynamoDB Local; test_items
 * test_legacy_list_without_operator */
#define TXT_L_LIST_NO_OP                                                                         \
    "One or more parameter values were invalid: AttributeValueList can only be used with a "    \
    "ComparisonOperator for Attribute: %s"
#define TXT_L_EXISTS_AND_OP                                                                      \
    "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used "  \
    "together for Attribute: %s"
/* an Expected entry with an operator that takes a value and neither Value nor
 * AttributeValueList (AWS eu-west-2 and us-east-1, 2026-10-09: the conformance suite's tier3
 * error-messages/putItem; DynamoDB Local says the same) */
#define TXT_L_OP_NO_VALUE                                                                        \
    "One or more parameter values were invalid: Value or AttributeValueList must be used with " \
    "ComparisonOperator: %s for Attribute: %s"
#define TXT_L_CONDOP_FEW                                                                         \
    "ConditionalOperator can only be used when Filter or Expected has two or more elements"
#define TXT_L_CONDOP_ALONE "ConditionalOperator cannot be used without Filter or Expected"
/* a name AttributesToGet repeats (GetItem, BatchGetItem, Query, Scan): AWS names it
 * (dynalite's AWS-recorded tests of all four; Dynoxide's validation.rs says the same);
 * DynamoDB Local's GetItem, Query and Scan say "Cannot have two attributes with the same
 * name" (test_items test_attributes_to_get_repeat) */
#define TXT_L_ATG_DUP "One or more parameter values were invalid: Duplicate value in attribute name: %.*s"
#define TXT_L_AU_NO_VALUE                                                                        \
    "One or more parameter values were invalid: Only DELETE action is allowed when no "         \
    "attribute value is specified"
#define TXT_L_AU_ACTION "Member must satisfy enum value set: [ADD, DELETE, PUT]"
/* an attribute name of zero bytes as a key of AttributeUpdates, Expected, KeyConditions,
 * QueryFilter / ScanFilter or an element of AttributesToGet (DynamoDB Local 2026-12-05, no
 * "1 validation error detected" prefix; the Item's own check says the same: ddbjson.c).
 * Where in each map's walk: an AttributeUpdates entry's name before its Action and Value, a
 * condition's after the condition's own checks; AttributesToGet in order with the repeats.
 * tests/e2e/test_review14.py test_f6, test_items.py test_legacy_empty_attribute_name_order.
 * A name over 65,535 bytes in the same places is refused where the empty one is, with the
 * Item's text (TXT_ATTR_NAME_TOO_LONG; DynamoDB Local fails with a 500 on such names, no
 * reference): test_review14.py test_f6b, test_quotas.py test_legacy_attribute_name_length */
#define TXT_L_EMPTY_NAME "Empty attribute name"

/* The tree a legacy parameter is read from: jansson's (jv == &api_jview_jansson) or our
 * reader's. */
typedef struct lg {
    api_req *r;
    const api_jview *jv;
    bool jr; /* our reader's tree */
} lg;

/* An attribute name's length out of 1..AV_MAX_NAME_LEN: the refusal, else 0. */
static int name_len_check(api_req *r, size_t len)
{
    if (len == 0)
        return err_set(r->err, ERR_VALIDATION, TXT_L_EMPTY_NAME);
    if (len > AV_MAX_NAME_LEN)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_ATTR_NAME_TOO_LONG);
    return 0;
}

/* o[key] when present and not JSON null (api_param), else NULL. */
static const void *lg_member(const lg *L, const void *o, const char *key)
{
    const void *m = o ? L->jv->member(o, key) : NULL;
    return m && L->jv->kind(m) != API_JK_NULL ? m : NULL;
}

static bool lg_is(const lg *L, const void *v, api_jkind k)
{
    return v && L->jv->kind(v) == k;
}

/* A name (a key, an AttributesToGet string) as the jansson path has it: terminated.  Over our
 * reader's tree, a copy in the arena (the tree's text may point into the body). */
static const char *lg_name(const lg *L, const char *name, size_t len)
{
    return L->jr ? arena_strndup(L->r->arena, name, len) : name;
}

/* o[key] as a string (api_json_str / api_json_strn): *out NULL when absent; *out_len its
 * length (whole: with any U+0000, else up to the first one, as the jansson path's C string).
 * Over our reader's tree a copy in the arena, and a U+0000 inside is refused. */
static int lg_str(const lg *L, const void *o, const char *key, bool whole, const char **out,
                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!L->jr) {
        int rc = api_json_strn((json_t *)o, key, out, out_len, L->r->err);
        if (!rc && *out && !whole)
            *out_len = strlen(*out);
        return rc;
    }
    const void *m = lg_member(L, o, key);
    if (!m)
        return 0;
    if (!lg_is(L, m, API_JK_STRING))
        return err_set(L->r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t len;
    const char *s = L->jv->str(m, &len);
    if (memchr(s, 0, len)) /* the jansson path answers it */
        return err_set(L->r->err, ERR_SERIALIZATION, "U+0000 in %s", key);
    if (!(*out = arena_strndup(L->r->arena, s, len)))
        return api_nomem(L->r);
    *out_len = len;
    return 0;
}

/* o[key] as a boolean (api_json_bool). */
static int lg_bool(const lg *L, const void *o, const char *key, bool *present, bool *out)
{
    if (!L->jr)
        return api_json_bool((json_t *)o, key, present, out, L->r->err);
    *present = *out = false;
    const void *m = lg_member(L, o, key);
    if (!m)
        return 0;
    if (!lg_is(L, m, API_JK_BOOL))
        return err_set(L->r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    *present = true;
    *out = L->jv->boolean(m);
    return 0;
}

/* One attribute value in the request's value layer. */
static int lg_value(const lg *L, const void *j, av_t *out)
{
    api_req *r = L->r;
    return L->jr ? ddbjson_to_av_jr_in(j, (ddbjson_layer)r->values, r->arena, out, r->err)
                 : ddbjson_to_av_in(j, (ddbjson_layer)r->values, r->arena, out, r->err);
}

/* AttributeValueList -> arena array. */
static int value_list(const lg *L, const void *jl, av_t **out, size_t *out_n)
{
    api_req *r = L->r;
    *out = NULL;
    *out_n = 0;
    if (!jl)
        return 0;
    if (!lg_is(L, jl, API_JK_ARRAY))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t n = L->jv->size(jl);
    av_t *v = arena_zalloc(r->arena, sizeof *v * (n ? n : 1));
    if (!v)
        return api_nomem(r);
    for (size_t i = 0; i < n; i++) {
        int rc = lg_value(L, L->jv->elem(jl, i), &v[i]);
        if (rc)
            return rc;
    }
    *out = v;
    *out_n = n;
    return 0;
}

static int parse_op(const lg *L, const void *c, bool *present, expr_cmp *op)
{
    const char *s = NULL;
    size_t len;
    int rc = lg_str(L, c, "ComparisonOperator", false, &s, &len);
    if (rc)
        return rc;
    *present = s != NULL;
    if (s && expr_cmp_from_name(s, len, op))
        return err_set(L->r->err, ERR_VALIDATION, TXT_L_BAD_OP);
    return 0;
}

/* One {ComparisonOperator, AttributeValueList} condition (filters, KeyConditions). */
static int one_compare(const lg *L, const char *name, size_t name_len, const void *c,
                       expr_node **out)
{
    api_req *r = L->r;
    if (!lg_is(L, c, API_JK_OBJECT))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    bool has_op = false;
    expr_cmp op = EXPR_CMP_EQ;
    int rc = parse_op(L, c, &has_op, &op);
    if (rc)
        return rc;
    if (!has_op) /* DynamoDB Local's text for a missing operator too */
        return err_set(r->err, ERR_VALIDATION, TXT_L_BAD_OP);
    av_t *vals;
    size_t nv;
    if ((rc = value_list(L, lg_member(L, c, "AttributeValueList"), &vals, &nv)))
        return rc;
    expr_node *path = expr_build_path_from_name(r->arena, name, name_len);
    if (!path)
        return api_nomem(r);
    return expr_build_compare(r->arena, path, op, vals, nv, out, r->err);
}

/* One Expected entry: {Value, Exists, ComparisonOperator, AttributeValueList}. */
static int one_expected(const lg *L, const char *name, size_t name_len, const void *c,
                        expr_node **out)
{
    api_req *r = L->r;
    if (!lg_is(L, c, API_JK_OBJECT))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    bool has_op = false, has_exists = false, exists = true;
    expr_cmp op = EXPR_CMP_EQ;
    int rc = parse_op(L, c, &has_op, &op);
    if (rc || (rc = lg_bool(L, c, "Exists", &has_exists, &exists)))
        return rc;
    const void *jv = lg_member(L, c, "Value"), *jl = lg_member(L, c, "AttributeValueList");
    /* the built tree borrows the value: it must live in the arena */
    av_t *value = arena_zalloc(r->arena, sizeof *value);
    if (!value)
        return api_nomem(r);
    if (jv && (rc = lg_value(L, jv, value)))
        return rc;
    expr_node *path = expr_build_path_from_name(r->arena, name, name_len);
    if (!path)
        return api_nomem(r);
    if (has_op) {
        if (has_exists)
            return err_set(r->err, ERR_VALIDATION, TXT_L_EXISTS_AND_OP, name);
        if (jv && jl)
            return err_set(r->err, ERR_VALIDATION, TXT_L_VALUE_AND_LIST, name);
        if (!jv && !jl && op != EXPR_CMP_NULL && op != EXPR_CMP_NOT_NULL) {
            const char *ops = NULL;
            size_t opslen;
            if ((rc = lg_str(L, c, "ComparisonOperator", false, &ops, &opslen)))
                return rc;
            return err_set(r->err, ERR_VALIDATION, TXT_L_OP_NO_VALUE, ops, name);
        }
        av_t *vals;
        size_t nv;
        if (jv) {
            vals = value;
            nv = 1;
        } else if ((rc = value_list(L, jl, &vals, &nv))) {
            return rc;
        }
        return expr_build_compare(r->arena, path, op, vals, nv, out, r->err);
    }
    if (jl)
        return err_set(r->err, ERR_VALIDATION, jv ? TXT_L_VALUE_AND_LIST : TXT_L_LIST_NO_OP,
                       name);
    if (has_exists && !exists) {
        if (jv)
            return err_set(r->err, ERR_VALIDATION, TXT_L_EXISTS_FALSE_VALUE, name);
        return expr_build_exists(r->arena, path, false, NULL, out, r->err);
    }
    if (!jv)
        return err_set(r->err, ERR_VALIDATION,
                       has_exists ? TXT_L_EXISTS_TRUE_NO_VALUE : TXT_L_EXISTS_NULL_NO_VALUE,
                       name);
    return expr_build_exists(r->arena, path, true, value, out, r->err);
}

/* Expected / QueryFilter / ScanFilter with ConditionalOperator. */
static int conds(const lg *L, const void *o, const char *param, expr_kind kind, bool expected,
                 expr_t **out)
{
    api_req *r = L->r;
    *out = NULL;
    const void *jm = lg_member(L, o, param);
    const char *cop = NULL;
    size_t coplen;
    int rc = lg_str(L, o, "ConditionalOperator", false, &cop, &coplen);
    if (rc)
        return rc;
    if (!jm) {
        if (cop)
            return err_set(r->err, ERR_VALIDATION, TXT_L_CONDOP_ALONE);
        return 0;
    }
    if (!lg_is(L, jm, API_JK_OBJECT))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t nc = L->jv->size(jm), k = 0;
    bool use_or = false;
    if (cop) {
        /* an empty map is no Filter or Expected at all (AWS, per ExtendDB's tests run against
         * it: Scan ScanFilter {} with ConditionalOperator; DynamoDB Local agrees on all four
         * operations); test_items.py test_legacy_condop_empty_map */
        if (nc < 2)
            return err_set(r->err, ERR_VALIDATION, nc ? TXT_L_CONDOP_FEW : TXT_L_CONDOP_ALONE);
        if (coplen == 2 && memcmp(cop, "OR", 2) == 0)
            use_or = true;
        else if (coplen != 3 || memcmp(cop, "AND", 3) != 0) {
            api_vld v;
            api_vld_init(&v);
            api_vld_enum(&v, cop, "conditionalOperator", "AND, OR");
            return api_vld_finish(&v, r->err);
        }
    }
    if (nc == 0)
        return 0;
    /* joined as a balanced tree, not a chain: a map of 50,000 conditions made eval recurse
     * 50,000 deep (SIGSEGV) */
    expr_node **nodes = arena_alloc(r->arena, nc * sizeof *nodes);
    if (!nodes)
        return api_nomem(r);
    /* attribute names with their length: U+0000 may be inside */
    for (void *it = L->jv->iter(jm); it; it = L->jv->iter_next(jm, it)) {
        size_t name_len;
        const char *name = L->jv->iter_key(it, &name_len);
        if (!(name = lg_name(L, name, name_len)))
            return api_nomem(r);
        const void *c = L->jv->iter_value(it);
        expr_node *n = NULL;
        rc = expected ? one_expected(L, name, name_len, c, &n)
                      : one_compare(L, name, name_len, c, &n);
        if (rc)
            return rc;
        if ((rc = name_len_check(r, name_len)))
            return rc;
        nodes[k++] = n;
    }
    expr_node *root = expr_build_all(r->arena, use_or, nodes, k);
    if (!root)
        return api_nomem(r);
    return expr_build_condition(r->arena, kind, root, out, r->err);
}

static int keyconds(const lg *L, const void *o, expr_t **out)
{
    api_req *r = L->r;
    *out = NULL;
    const void *jm = lg_member(L, o, "KeyConditions");
    if (!jm)
        return 0;
    if (!lg_is(L, jm, API_JK_OBJECT))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    /* a balanced tree (as conds()): 200,000 conditions made expr_keycond's walk recurse
     * 200,000 deep before it counted them (SIGSEGV) */
    size_t k = 0;
    expr_node **nodes = arena_alloc(r->arena, (L->jv->size(jm) + 1) * sizeof *nodes);
    if (!nodes)
        return api_nomem(r);
    for (void *it = L->jv->iter(jm); it; it = L->jv->iter_next(jm, it)) {
        size_t name_len;
        const char *name = L->jv->iter_key(it, &name_len);
        if (!(name = lg_name(L, name, name_len)))
            return api_nomem(r);
        const void *c = L->jv->iter_value(it);
        expr_node *n = NULL;
        /* the condition's values and their count here; whether the operator can key a Query
         * only against the schema, after the table and the start key's size (expr_keycond:
         * "Attempted conditional constraint is not an indexable operation"; dynalite's
         * AWS-recorded query tests; test_query_scan test_key_conditions_count_before_operator,
         * test_start_key_before_key_condition_schema) */
        int rc = one_compare(L, name, name_len, c, &n);
        if (rc)
            return rc;
        if ((rc = name_len_check(r, name_len)))
            return rc;
        nodes[k++] = n;
    }
    /* {} is no key condition: refused before the table (dynalite's AWS-recorded query test;
     * test_query_scan test_key_conditions_empty) */
    if (!k)
        return err_set(r->err, ERR_VALIDATION, "%s", TXT_KC_EMPTY);
    expr_node *root = expr_build_all(r->arena, false, nodes, k);
    if (!root)
        return api_nomem(r);
    return expr_build_condition(r->arena, EXPR_KEY_CONDITION, root, out, r->err);
}

static int updates(const lg *L, const void *o, expr_t **out)
{
    api_req *r = L->r;
    *out = NULL;
    const void *jm = lg_member(L, o, "AttributeUpdates");
    if (!jm)
        return 0;
    if (!lg_is(L, jm, API_JK_OBJECT))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    for (void *it = L->jv->iter(jm); it; it = L->jv->iter_next(jm, it)) {
        size_t name_len;
        const char *name = L->jv->iter_key(it, &name_len);
        if (!(name = lg_name(L, name, name_len)))
            return api_nomem(r);
        int rc = name_len_check(r, name_len);
        if (rc)
            return rc;
        const void *c = L->jv->iter_value(it);
        if (!lg_is(L, c, API_JK_OBJECT))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        const char *act = NULL;
        size_t alen = 0;
        rc = lg_str(L, c, "Action", true, &act, &alen);
        if (rc)
            return rc;
        expr_action a = EXPR_ACT_PUT;
        if (act) {
            /* compared with its length: "PUT\u0000x" is no action */
            if (alen == 3 && memcmp(act, "PUT", 3) == 0)
                a = EXPR_ACT_PUT;
            else if (alen == 6 && memcmp(act, "DELETE", 6) == 0)
                a = EXPR_ACT_DELETE;
            else if (alen == 3 && memcmp(act, "ADD", 3) == 0)
                a = EXPR_ACT_ADD;
            else
                return err_set(r->err, ERR_VALIDATION, TXT_L_AU_ACTION);
        }
        const void *jv = lg_member(L, c, "Value");
        av_t *value = arena_zalloc(r->arena, sizeof *value); /* borrowed by the tree */
        if (!value)
            return api_nomem(r);
        if (jv && (rc = lg_value(L, jv, value)))
            return rc;
        if (!jv && a != EXPR_ACT_DELETE)
            return err_set(r->err, ERR_VALIDATION, TXT_L_AU_NO_VALUE);
        if ((rc = expr_build_update(r->arena, out, name, name_len, a, jv ? value : NULL,
                                    r->err)))
            return rc;
    }
    return 0;
}

static int attrs(const lg *L, const void *o, expr_t **out)
{
    api_req *r = L->r;
    *out = NULL;
    const void *jl = lg_member(L, o, "AttributesToGet");
    if (!jl)
        return 0;
    if (!lg_is(L, jl, API_JK_ARRAY))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t n = L->jv->size(jl);
    expr_name *names = arena_zalloc(r->arena, sizeof *names * (n ? n : 1));
    if (!names)
        return api_nomem(r);
    /* In order, the first of: a name that repeats an earlier one, an element that is not a
     * string.  The repeats are found by a sort (expr_names_repeats), not by comparing each
     * name with those before it (40,000 names took seconds; fuzz11). */
    size_t ns = 0;
    const void *s;
    while (ns < n && lg_is(L, (s = L->jv->elem(jl, ns)), API_JK_STRING)) {
        size_t len;
        names[ns].ptr = L->jv->str(s, &len); /* not copied: the projection's names carry their
                                                length, and no text names them */
        names[ns].len = len;
        ns++;
    }
    bool *rep;
    int rc = expr_names_repeats(r->arena, names, ns, &rep, r->err);
    if (rc)
        return rc;
    /* the first in order of an empty (or too long) name and a repeat (DynamoDB Local: ["",
     * ""] is the empty name, ["a", "a", ""] the repeat) */
    for (size_t i = 0; i < ns; i++) {
        if ((rc = name_len_check(r, names[i].len)))
            return rc;
        if (rep[i])
            return err_set(r->err, ERR_VALIDATION, TXT_L_ATG_DUP, (int)names[i].len,
                           names[i].ptr);
    }
    if (ns < n)
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    return expr_build_projection(r->arena, names, n, out, r->err);
}

/* ---- public: the jansson tree, then our reader's ---- */

#define LG_JSON(r) (&(const lg){(r), &api_jview_jansson, false})
#define LG_JR(r) (&(const lg){(r), &api_jview_jread, true})

int api_legacy_expected(api_req *r, const json_t *o, expr_t **out)
{
    return conds(LG_JSON(r), o, "Expected", EXPR_CONDITION, true, out);
}

int api_legacy_filter(api_req *r, const json_t *o, const char *param, expr_t **out)
{
    return conds(LG_JSON(r), o, param, EXPR_FILTER, false, out);
}

int api_legacy_keyconds(api_req *r, const json_t *o, expr_t **out)
{
    return keyconds(LG_JSON(r), o, out);
}

int api_legacy_updates(api_req *r, const json_t *o, expr_t **out)
{
    return updates(LG_JSON(r), o, out);
}

int api_legacy_attrs(api_req *r, const json_t *o, expr_t **out)
{
    return attrs(LG_JSON(r), o, out);
}

int api_legacy_expected_jr(api_req *r, const jread_val *o, expr_t **out)
{
    return conds(LG_JR(r), o, "Expected", EXPR_CONDITION, true, out);
}

int api_legacy_filter_jr(api_req *r, const jread_val *o, const char *param, expr_t **out)
{
    return conds(LG_JR(r), o, param, EXPR_FILTER, false, out);
}

int api_legacy_keyconds_jr(api_req *r, const jread_val *o, expr_t **out)
{
    return keyconds(LG_JR(r), o, out);
}

int api_legacy_updates_jr(api_req *r, const jread_val *o, expr_t **out)
{
    return updates(LG_JR(r), o, out);
}

int api_legacy_attrs_jr(api_req *r, const jread_val *o, expr_t **out)
{
    return attrs(LG_JR(r), o, out);
}
