/*
 * api_legacy — the legacy (pre-expression) parameters as expression ASTs.  Layer: api.
 *
 * AttributesToGet, KeyConditions, QueryFilter, ScanFilter, Expected, AttributeUpdates and
 * ConditionalOperator are mapped onto expr's builders (expr_build_*), so the rest of the
 * request runs exactly as with expressions.  The combinations DynamoDB rejects are checked
 * here with DynamoDB Local's texts (tests/e2e/test_items.py, test_query_scan.py pin them).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html
 */
#include <string.h>

#include "api/api_item.h"
#include "api/api_text.h"
#include "api/api_validate.h"
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
/* the service's text; DynamoDB Local fails with an internal error instead */
#define TXT_L_KC_OP "Attempted conditional constraint is not an indexable operation"
#define TXT_L_ATG_DUP "Cannot have two attributes with the same name"
#define TXT_L_AU_NO_VALUE                                                                        \
    "One or more parameter values were invalid: Only DELETE action is allowed when no "         \
    "attribute value is specified"
#define TXT_L_AU_ACTION "Member must satisfy enum value set: [ADD, DELETE, PUT]"

static int nomem(api_req *r)
{
    return err_set(r->err, ERR_NOMEM, "out of memory");
}

/* AttributeValueList -> arena array. */
static int value_list(api_req *r, json_t *jl, av_t **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (!jl)
        return 0;
    if (!json_is_array(jl))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t n = json_array_size(jl);
    av_t *v = arena_zalloc(r->arena, sizeof *v * (n ? n : 1));
    if (!v)
        return nomem(r);
    for (size_t i = 0; i < n; i++) {
        int rc = ddbjson_to_av_in(json_array_get(jl, i), (ddbjson_layer)r->values, r->arena, &v[i], r->err);
        if (rc)
            return rc;
    }
    *out = v;
    *out_n = n;
    return 0;
}

static int parse_op(api_req *r, json_t *c, bool *present, expr_cmp *op)
{
    const char *s = NULL;
    int rc = api_json_str(c, "ComparisonOperator", &s, r->err);
    if (rc)
        return rc;
    *present = s != NULL;
    if (s && expr_cmp_from_name(s, strlen(s), op))
        return err_set(r->err, ERR_VALIDATION, TXT_L_BAD_OP);
    return 0;
}

/* One {ComparisonOperator, AttributeValueList} condition (filters, KeyConditions). */
static int one_compare(api_req *r, const char *name, size_t name_len, json_t *c,
                       expr_node **out)
{
    if (!json_is_object(c))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    bool has_op = false;
    expr_cmp op = EXPR_CMP_EQ;
    int rc = parse_op(r, c, &has_op, &op);
    if (rc)
        return rc;
    if (!has_op) /* DynamoDB Local's text for a missing operator too */
        return err_set(r->err, ERR_VALIDATION, TXT_L_BAD_OP);
    av_t *vals;
    size_t nv;
    if ((rc = value_list(r, api_param(c, "AttributeValueList"), &vals, &nv)))
        return rc;
    expr_node *path = expr_build_path_from_name(r->arena, name, name_len);
    if (!path)
        return nomem(r);
    return expr_build_compare(r->arena, path, op, vals, nv, out, r->err);
}

/* One Expected entry: {Value, Exists, ComparisonOperator, AttributeValueList}. */
static int one_expected(api_req *r, const char *name, size_t name_len, json_t *c,
                        expr_node **out)
{
    if (!json_is_object(c))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    bool has_op = false, has_exists = false, exists = true;
    expr_cmp op = EXPR_CMP_EQ;
    int rc = parse_op(r, c, &has_op, &op);
    if (rc || (rc = api_json_bool(c, "Exists", &has_exists, &exists, r->err)))
        return rc;
    json_t *jv = api_param(c, "Value"), *jl = api_param(c, "AttributeValueList");
    /* the built tree borrows the value: it must live in the arena */
    av_t *value = arena_zalloc(r->arena, sizeof *value);
    if (!value)
        return nomem(r);
    if (jv && (rc = ddbjson_to_av_in(jv, (ddbjson_layer)r->values, r->arena, value, r->err)))
        return rc;
    expr_node *path = expr_build_path_from_name(r->arena, name, name_len);
    if (!path)
        return nomem(r);
    if (has_op) {
        if (has_exists)
            return err_set(r->err, ERR_VALIDATION, TXT_L_EXISTS_AND_OP, name);
        if (jv && jl)
            return err_set(r->err, ERR_VALIDATION, TXT_L_VALUE_AND_LIST, name);
        if (!jv && !jl && op != EXPR_CMP_NULL && op != EXPR_CMP_NOT_NULL) {
            const char *ops = NULL;
            if ((rc = api_json_str(c, "ComparisonOperator", &ops, r->err)))
                return rc;
            return err_set(r->err, ERR_VALIDATION, TXT_L_OP_NO_VALUE, ops, name);
        }
        av_t *vals;
        size_t nv;
        if (jv) {
            vals = value;
            nv = 1;
        } else if ((rc = value_list(r, jl, &vals, &nv))) {
            return rc;
        }
        return expr_build_compare(r->arena, path, op, vals, nv, out, r->err);
    }
    if (jl)
        return err_set(r->err, ERR_VALIDATION, TXT_L_VALUE_AND_LIST, name);
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
static int conds(api_req *r, const json_t *o, const char *param, expr_kind kind, bool expected,
                 expr_t **out)
{
    *out = NULL;
    json_t *jm = api_param(o, param);
    const char *cop = NULL;
    int rc = api_json_str((json_t *)o, "ConditionalOperator", &cop, r->err);
    if (rc)
        return rc;
    if (!jm) {
        if (cop)
            return err_set(r->err, ERR_VALIDATION, TXT_L_CONDOP_ALONE);
        return 0;
    }
    if (!json_is_object(jm))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    bool use_or = false;
    if (cop) {
        if (json_object_size(jm) < 2)
            return err_set(r->err, ERR_VALIDATION, TXT_L_CONDOP_FEW);
        if (strcmp(cop, "OR") == 0)
            use_or = true;
        else if (strcmp(cop, "AND") != 0) {
            api_vld v;
            api_vld_init(&v);
            api_vld_enum(&v, cop, "conditionalOperator", "AND, OR");
            return api_vld_finish(&v, r->err);
        }
    }
    size_t nc = json_object_size(jm), k = 0;
    if (nc == 0)
        return 0;
    /* joined as a balanced tree, not a chain: a map of 50,000 conditions made eval recurse
     * 50,000 deep (SIGSEGV) */
    expr_node **nodes = arena_alloc(r->arena, nc * sizeof *nodes);
    if (!nodes)
        return nomem(r);
    const char *name;
    size_t name_len; /* attribute names with their length: U+0000 may be inside */
    json_t *c;
    json_object_keylen_foreach(jm, name, name_len, c) {
        expr_node *n = NULL;
        rc = expected ? one_expected(r, name, name_len, c, &n)
                      : one_compare(r, name, name_len, c, &n);
        if (rc)
            return rc;
        nodes[k++] = n;
    }
    expr_node *root = expr_build_all(r->arena, use_or, nodes, k);
    if (!root)
        return nomem(r);
    return expr_build_condition(r->arena, kind, root, out, r->err);
}

int api_legacy_expected(api_req *r, const json_t *o, expr_t **out)
{
    return conds(r, o, "Expected", EXPR_CONDITION, true, out);
}

int api_legacy_filter(api_req *r, const json_t *o, const char *param, expr_t **out)
{
    return conds(r, o, param, EXPR_FILTER, false, out);
}

int api_legacy_keyconds(api_req *r, const json_t *o, expr_t **out)
{
    *out = NULL;
    json_t *jm = api_param(o, "KeyConditions");
    if (!jm)
        return 0;
    if (!json_is_object(jm))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    /* a balanced tree (as conds()): 200,000 conditions made expr_keycond's walk recurse
     * 200,000 deep before it counted them (SIGSEGV) */
    size_t k = 0;
    expr_node **nodes = arena_alloc(r->arena, (json_object_size(jm) + 1) * sizeof *nodes);
    if (!nodes)
        return nomem(r);
    const char *name;
    size_t name_len;
    json_t *c;
    json_object_keylen_foreach(jm, name, name_len, c) {
        expr_node *n = NULL;
        bool has_op = false;
        expr_cmp op = EXPR_CMP_EQ;
        int rc = json_is_object(c) ? parse_op(r, c, &has_op, &op) : 0;
        if (rc)
            return rc;
        if (has_op && op != EXPR_CMP_EQ && op != EXPR_CMP_LE && op != EXPR_CMP_LT &&
            op != EXPR_CMP_GE && op != EXPR_CMP_GT && op != EXPR_CMP_BEGINS_WITH &&
            op != EXPR_CMP_BETWEEN)
            return err_set(r->err, ERR_VALIDATION, TXT_L_KC_OP);
        if ((rc = one_compare(r, name, name_len, c, &n)))
            return rc;
        nodes[k++] = n;
    }
    expr_node *root = expr_build_all(r->arena, false, nodes, k);
    if (k && !root)
        return nomem(r);
    return expr_build_condition(r->arena, EXPR_KEY_CONDITION, root, out, r->err);
}

int api_legacy_updates(api_req *r, const json_t *o, expr_t **out)
{
    *out = NULL;
    json_t *jm = api_param(o, "AttributeUpdates");
    if (!jm)
        return 0;
    if (!json_is_object(jm))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    const char *name;
    json_t *c;
    json_object_foreach(jm, name, c) {
        if (!json_is_object(c))
            return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
        const char *act = NULL;
        size_t alen = 0;
        int rc = api_json_strn(c, "Action", &act, &alen, r->err);
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
        json_t *jv = api_param(c, "Value");
        av_t *value = arena_zalloc(r->arena, sizeof *value); /* borrowed by the tree */
        if (!value)
            return nomem(r);
        if (jv && (rc = ddbjson_to_av_in(jv, (ddbjson_layer)r->values, r->arena, value, r->err)))
            return rc;
        if (!jv && a != EXPR_ACT_DELETE)
            return err_set(r->err, ERR_VALIDATION, TXT_L_AU_NO_VALUE);
        if ((rc = expr_build_update(r->arena, out, name,
                                    json_object_iter_key_len(json_object_key_to_iter(name)), a,
                                    jv ? value : NULL,
                                    r->err)))
            return rc;
    }
    return 0;
}

int api_legacy_attrs(api_req *r, const json_t *o, expr_t **out)
{
    *out = NULL;
    json_t *jl = api_param(o, "AttributesToGet");
    if (!jl)
        return 0;
    if (!json_is_array(jl))
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    size_t n = json_array_size(jl);
    expr_name *names = arena_zalloc(r->arena, sizeof *names * (n ? n : 1));
    if (!names)
        return nomem(r);
    /* In order, the first of: a name that repeats an earlier one, an element that is not a
     * string.  The repeats are found by a sort (expr_names_repeats), not by comparing each
     * name with those before it (40,000 names took seconds; fuzz11). */
    size_t ns = 0;
    while (ns < n && json_is_string(json_array_get(jl, ns))) {
        json_t *s = json_array_get(jl, ns);
        names[ns].ptr = json_string_value(s);
        names[ns].len = json_string_length(s);
        ns++;
    }
    bool *rep;
    int rc = expr_names_repeats(r->arena, names, ns, &rep, r->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < ns; i++)
        if (rep[i])
            return err_set(r->err, ERR_VALIDATION, TXT_L_ATG_DUP);
    if (ns < n)
        return err_set(r->err, ERR_SERIALIZATION, "Unexpected value type in payload");
    return expr_build_projection(r->arena, names, n, out, r->err);
}
