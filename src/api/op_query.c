/*
 * op_query — Query and Scan.  Layer: api.
 *
 * Validates the request (Select rules, Limit, Segment/TotalSegments, legacy-vs-expression
 * parameters), extracts the key lookup from KeyConditionExpression / KeyConditions
 * (expr_keycond_extract), runs one page through store_query_run, then applies the filter
 * and the projection to that page.  Like DynamoDB, Limit and the 1 MB page count items READ
 * (before the filter): ScannedCount is the page size, Count the items that passed.
 * ConsumedCapacity: the sizes of the items read, summed, then rounded up to 4 KB units
 * (eventually consistent = half), charged to the index when one is queried; an LSI query
 * that fetches missing attributes adds one table read per item fetched.  Without a filter, a
 * projection or an LSI fetch, the items are never decoded: the store reads only their key
 * attributes and sizes (store_query.stored) and the reply is written from their stored bytes
 * (ao_item_stored); in text mode as the store reads them (store_query.visit, issue 13): one
 * walk of an item's bytes writes it and gives its size and key, and an item the store's key
 * check then refuses is taken back (ao_unwrite); a parallel Scan keeps the two walks.  (DynamoDB Local
 * charges a Scan of an index by the TABLE items' sizes; we charge the index items' sizes,
 * as the service documents — the one capacity difference test_query_scan.py leaves out.)
 *
 * Quirks pinned by tests/e2e/test_query_scan.py: Select=ALL_ATTRIBUTES on a GSI whose
 * projection is not ALL is an error; on an LSI the missing attributes are fetched from the
 * table, except for a Query's filter, which may not name attributes the index lacks on any
 * index (DynamoDB Local's refusal; AWS's text for a PartiQL read of an LSI, captured; no
 * capture of AWS's Query: test_review15.py test_f3).  Query's filter may not name the queried
 * key's attributes; Scan's may.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
 */
#include <stdio.h>
#include <string.h>

#include "api/api_item.h"
#include "api/api_out.h"
#include "api/api_schema.h"
#include "api/api_text.h"
#include "api/api_throttle.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "value/ddbjson.h"
#include "value/jread.h"

#define TXT_Q_SELECT "Select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, COUNT, or SPECIFIC_ATTRIBUTES"
#define TXT_Q_SELECT_WITH "Cannot specify the %s when choosing to get %s"
#define TXT_Q_SPECIFIC                                                                           \
    "Must specify the AttributesToGet or ProjectionExpression when choosing to get "             \
    "SPECIFIC_ATTRIBUTES"
#define TXT_Q_ALLPROJ_TABLE "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
#define TXT_Q_ALL_ON_GSI                                                                         \
    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "   \
    "for global secondary index %s because its projection type is not ALL"
#define TXT_Q_GSI_NOPROJ                                                                         \
    "One or more parameter values were invalid: Global secondary index %s does not project [%s]"
#define TXT_Q_GSI_NOFILTER                                                                       \
    "One or more parameter values were invalid: Secondary index %s does not project one or "   \
    "more filter attributes: [%s]"
/* a start key of the wrong size: the service's texts (conformance tier1 query/basic.test.ts,
 * Dynoxide's, checked against AWS; test_query_scan::test_start_key_texts); DynamoDB Local:
 * "Exclusive Start Key must have same size as table's key schema" */
#define TXT_Q_ESK_SIZE "The provided starting key is invalid"
#define TXT_S_ESK_SIZE                                                                            \
    "The provided starting key is invalid: The provided key element does not match the schema"
#define TXT_Q_NO_INDEX "The table does not have the specified index: %s"
#define TXT_Q_NO_KC                                                                              \
    "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "    \
    "request."
#define TXT_Q_FILTER_KEY                                                                         \
    "%s can only contain non-primary key attributes: Primary key attribute: %s"
/* the service's Segment texts (conformance tier3 scan) */
#define TXT_S_SEG_NO_TOTAL                                                                       \
    "The TotalSegments parameter is required but was not present in the request when Segment "  \
    "parameter is present"
#define TXT_S_TOTAL_NO_SEG                                                                       \
    "The Segment parameter is required but was not present in the request when parameter "      \
    "TotalSegments is present"
#define TXT_S_SEG_RANGE                                                                          \
    "The Segment parameter is zero-based and must be less than parameter TotalSegments: "        \
    "Segment: %lld is not less than TotalSegments: %lld"

enum sel { SEL_DEFAULT = 0, SEL_ALL, SEL_ALL_PROJ, SEL_COUNT, SEL_SPECIFIC };

static int parse_select(api_req *r, json_t *b, enum sel *out)
{
    const char *s = NULL;
    int rc = api_json_str(b, "Select", &s, r->err);
    *out = SEL_DEFAULT;
    if (rc || !s)
        return rc;
    if (strcmp(s, "ALL_ATTRIBUTES") == 0)
        *out = SEL_ALL;
    else if (strcmp(s, "ALL_PROJECTED_ATTRIBUTES") == 0)
        *out = SEL_ALL_PROJ;
    else if (strcmp(s, "COUNT") == 0)
        *out = SEL_COUNT;
    else if (strcmp(s, "SPECIFIC_ATTRIBUTES") == 0)
        *out = SEL_SPECIFIC;
    else
        return err_set(r->err, ERR_VALIDATION, TXT_Q_SELECT);
    return 0;
}

static const store_index *find_index(const store_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_idx; i++)
        if (strcmp(t->idx[i].name, name) == 0)
            return &t->idx[i];
    return NULL;
}

/* Whether expression x names any attribute the index does not hold; *missing lists them. */
static int names_not_in_index(api_req *r, const store_table *t, const store_index *ix,
                              const expr_t *x, char *missing, size_t cap, bool *out)
{
    *out = false;
    missing[0] = 0;
    if (!x || ix->proj == STORE_PROJ_ALL)
        return 0;
    expr_name *names;
    size_t n;
    int rc = expr_top_names(r->arena, x, &names, &n, r->err);
    if (rc)
        return rc;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (api_index_has_attr(t, ix, names[i].ptr, names[i].len))
            continue;
        *out = true;
        int k = snprintf(missing + used, cap - used, "%s%.*s", used ? ", " : "",
                         (int)names[i].len, names[i].ptr);
        if (k > 0 && (size_t)k < cap - used)
            used += (size_t)k;
    }
    return 0;
}

static const char *const q_legacy[] = {"AttributesToGet", "QueryFilter", "ConditionalOperator",
                                       NULL};
static const char *const s_legacy[] = {"AttributesToGet", "ScanFilter", "ConditionalOperator",
                                       NULL};
static const char *const qs_exprs[] = {"ProjectionExpression", "FilterExpression", NULL};
/* KeyConditionExpression is among the expression parameters a legacy one clashes with;
 * KeyConditions among the legacy ones only when KeyConditionExpression is there too
 * (q_legacy_kc: dynalite's query tests, recorded against AWS, "all expressions and
 * non-expression" with and without either; DynamoDB Local agrees). */
static const char *const q_legacy_kc[] = {"AttributesToGet", "QueryFilter",
                                          "ConditionalOperator", "KeyConditions", NULL};
static const char *const q_exprs[] = {"ProjectionExpression", "FilterExpression",
                                      "KeyConditionExpression", NULL};
static const char *const kc_legacy[] = {"KeyConditions", NULL};
static const char *const kc_exprs[] = {"KeyConditionExpression", NULL};
static const char *const q_expr_params[] = {"ProjectionExpression", "FilterExpression",
                                            "KeyConditionExpression", NULL};

/* What a Query or Scan request asks, once read (from either tree) and checked up to the
 * table: everything the execution needs. */
typedef struct qreq {
    bool query;
    const char *iname; /* IndexName (terminated) or NULL */
    enum sel sel;
    bool has_limit, consistent, fwd;
    long long limit;
    api_rcc rcc;
    api_exprs x;
    expr_t *kc, *filter, *proj;
    bool atg;      /* the projection is AttributesToGet */
    bool qfilter;  /* the filter is QueryFilter (its name is in a text) */
    bool has_seg, has_tot;
    long long seg, tot;
    const json_t *jesk; /* jansson path: ExclusiveStartKey (converted into esk) */
    bool has_esk;       /* both paths: converted before the table, into esk */
    av_t esk;
    const store_table *t;
} qreq;

/* The request's rules that need no table, after the expressions: Select, the segments,
 * Select with a projection, the key condition's presence (the service's order). */
/* A Scan's Segment and TotalSegments together (both read). */
static int q_segment_rules(api_req *r, const qreq *q)
{
    if (q->has_seg && !q->has_tot)
        return err_set(r->err, ERR_VALIDATION, TXT_S_SEG_NO_TOTAL);
    if (q->has_tot && !q->has_seg)
        return err_set(r->err, ERR_VALIDATION, TXT_S_TOTAL_NO_SEG);
    if (q->has_seg && q->seg >= q->tot)
        return err_set(r->err, ERR_VALIDATION, TXT_S_SEG_RANGE, q->seg, q->tot);
    return 0;
}

static int q_rules(api_req *r, qreq *q)
{
    bool query = q->query;
    int rc;
    if (!query && (rc = q_segment_rules(r, q)))
        return rc;
    const char *pname = q->atg ? "AttributesToGet" : "ProjectionExpression";
    enum sel sel = q->sel;
    /* Query's Select texts have the model's envelope, Scan's not (the service's: the
     * conformance suite and LocalStack's AWS-verified tests for SPECIFIC_ATTRIBUTES; moto's
     * AWS-verified test_dynamodb_select.py for all four; test_query_scan
     * test_select_texts_query_enveloped) */
    const char *env = query ? "1 validation error detected: " : "";
    const char *what = sel == SEL_COUNT  ? "only the Count"
                       : sel == SEL_ALL ? "ALL_ATTRIBUTES"
                       : sel == SEL_ALL_PROJ ? "ALL_PROJECTED_ATTRIBUTES"
                                             : NULL;
    if (q->proj && what)
        return err_set(r->err, ERR_VALIDATION, "%s" TXT_Q_SELECT_WITH, env, pname, what);
    if (!q->proj && sel == SEL_SPECIFIC)
        return err_set(r->err, ERR_VALIDATION, "%s%s", env, TXT_Q_SPECIFIC);
    if (sel == SEL_ALL_PROJ && !q->iname)
        return err_set(r->err, ERR_VALIDATION, "%s%s", env, TXT_Q_ALLPROJ_TABLE);
    if (query && !q->kc)
        return err_set(r->err, ERR_VALIDATION, TXT_Q_NO_KC);
    return 0;
}

/* From the jansson tree: every parameter, every check before the table and the table, in
 * the service's order. */
static int q_parse_json(api_req *r, json_t *b, qreq *q)
{
    bool query = q->query;
    /* The service's order, after the model's constraints: the request's own rules (mixed
     * parameters, expressions and placeholders, Select, segments, the key condition's
     * presence), then the table, then the index and the rules that need the schema. */
    int rc;
    if ((rc = api_json_str(b, "IndexName", &q->iname, r->err)))
        return rc;
    if ((rc = api_mixed_check(r, b,
                              !query                                      ? s_legacy
                              : api_param(b, "KeyConditionExpression") ? q_legacy_kc
                                                                         : q_legacy,
                              query ? q_exprs : qs_exprs)))
        return rc;
    if (query && (rc = api_mixed_check(r, b, kc_legacy, kc_exprs)))
        return rc;
    bool has_cr = false, has_fwd = false;
    if ((rc = api_json_int(b, "Limit", &q->has_limit, &q->limit, r->err)) ||
        (rc = api_json_bool(b, "ConsistentRead", &has_cr, &q->consistent, r->err)) ||
        (rc = api_json_bool(b, "ScanIndexForward", &has_fwd, &q->fwd, r->err)) ||
        (rc = api_rcc_parse(r, b, &q->rcc)))
        return rc;
    if (!has_fwd)
        q->fwd = true;
    api_exprs *x = &q->x;
    const char *const *xparams = query ? q_expr_params : qs_exprs;
    const char *xnull = query ? "FilterExpression and KeyConditionExpression are null"
                              : "FilterExpression is null";
    /* dynalite's order, its scan and query tests recorded against AWS: the placeholder maps
     * given without an expression; the legacy filter and AttributesToGet (a Query's filter
     * first, a Scan's AttributesToGet first); the start key's values; a Scan's Segment and
     * TotalSegments; then the maps' own checks and the expressions.  ddbchat read the
     * expressions first ("missing TotalSegments" with FilterExpression "" answered the empty
     * filter). */
    if ((rc = api_exprs_pre(r, b, xparams, xnull)))
        return rc;
    const char *fparam = query ? "QueryFilter" : "ScanFilter";
    if (!api_param(b, "FilterExpression") && !api_param(b, "ProjectionExpression")) {
        expr_t *lf = NULL, *la = NULL;
        if (query && (rc = api_legacy_filter(r, b, fparam, &lf)))
            return rc;
        if ((rc = api_legacy_attrs(r, b, &la)))
            return rc;
        if (!query && (rc = api_legacy_filter(r, b, fparam, &lf)))
            return rc;
        q->filter = lf;
        q->proj = la;
        q->atg = la != NULL;
    }
    q->qfilter = query && api_param(b, "QueryFilter") != NULL;
    /* the start key's values before the table (dynalite's tests, run against AWS, and
     * Dynoxide: a bad value in it is answered for a table that does not exist) */
    q->jesk = api_param(b, "ExclusiveStartKey");
    if (q->jesk) {
        if ((rc = api_item_from_json(r, q->jesk, &q->esk)))
            return api_vld_start_key(r->err, rc);
        q->has_esk = true;
    }
    if (!query) {
        /* each bound is the model's (Segment 0..999999, TotalSegments 1..1000000) */
        if ((rc = api_json_int(b, "Segment", &q->has_seg, &q->seg, r->err)) ||
            (rc = api_json_int(b, "TotalSegments", &q->has_tot, &q->tot, r->err)) ||
            (rc = q_segment_rules(r, q)))
            return rc;
    }
    if ((rc = api_exprs_init_maps(r, b, x, xnull))) /* api_exprs_pre ran above */
        return rc;
    /* the expressions in DynamoDB Local's order: the filter, the projection, the key
     * condition (test_differential.py test_query_expressions_checked_in_locals_order); the
     * legacy parameters (never mixed with them) read above, but KeyConditions here */
    if (!q->filter && (rc = api_exprs_get(r, b, x, "FilterExpression", EXPR_FILTER, &q->filter)))
        return rc;
    if (!q->proj &&
        (rc = api_exprs_get(r, b, x, "ProjectionExpression", EXPR_PROJECTION, &q->proj)))
        return rc;
    if (query) {
        if ((rc = api_exprs_get(r, b, x, "KeyConditionExpression", EXPR_KEY_CONDITION, &q->kc)))
            return rc;
        if (!q->kc && (rc = api_legacy_keyconds(r, b, &q->kc)))
            return rc;
    }
    if ((rc = api_exprs_done(r, x)))
        return rc;
    if ((rc = parse_select(r, b, &q->sel)))
        return rc;
    if ((rc = q_rules(r, q)))
        return rc;
    /* the key condition's shape before the table (expr_keycond_shape: AWS; Local's deviation
     * named in test_query_scan test_key_condition_shape_before_table) */
    if (query && (rc = expr_keycond_shape(q->kc, r->err)))
        return rc;
    return api_item_table(r, b, &q->t);
}

/* ---- the common request from our reader's tree (issue 13.1) ----
 *
 * A Query or Scan whose members are all of the common form is read straight from our reader's
 * tree into values, without a jansson tree, calling the same functions as the jansson path
 * (api_exprs_init_jr, api_exprs_get_text, api_exprs_done, q_rules; ddbjson's passes are one
 * text compiled for both trees).  Everything before the table is decided here without a side
 * effect (the ExclusiveStartKey converted early, which is pure), and anything unusual or
 * refused returns Q_JANSSON: the request then takes the jansson path from the start, which
 * gives the service's answer in the service's order.  From the table on, both paths run the
 * same code on the same values.  tests/unit/api/test_query_jread.c compares the two entries.
 *
 * The common form: TableName, IndexName (no NUL), KeyConditionExpression (Query),
 * FilterExpression, ProjectionExpression (strings); ExpressionAttributeNames,
 * ExpressionAttributeValues (as api_exprs_init_jr takes them); ExclusiveStartKey (an object
 * that converts); Limit, Segment and TotalSegments (Scan) (JSON integers); Select,
 * ReturnConsumedCapacity (valid values); ConsistentRead, ScanIndexForward (Query) (booleans);
 * or, instead of the expressions and their placeholders, the legacy parameters KeyConditions
 * (Query), QueryFilter (Query) or ScanFilter (Scan) (objects), AttributesToGet (an array),
 * ConditionalOperator (a string), read by api_legacy.c's code for both trees (a 15 MB
 * QueryFilter took a ~740 MB peak through the jansson tree).  No JSON null, no legacy
 * parameter beside an expression one, no number as a string, no other member. */

#define Q_JANSSON 1 /* not the common request: take the jansson path */

static int q_parse_jr(api_req *r, const jread_val *b, qreq *q)
{
    const jread_val *table = NULL, *iname = NULL, *kc = NULL, *filter = NULL, *proj = NULL,
                    *names = NULL, *values = NULL, *esk = NULL;
    const jread_val *lkc = NULL, *lfilter = NULL, *latg = NULL, *lcop = NULL; /* legacy */
    bool query = q->query;
    q->fwd = true;
    for (const jread_val *m = b->child; m; m = m->next) {
        jread_type ty = m->type;
        if (ty == JREAD_NULL)
            return Q_JANSSON;
        if (API_JR_KEY(m, "TableName") && ty == JREAD_STRING) {
            table = m;
        } else if (API_JR_KEY(m, "IndexName") && ty == JREAD_STRING &&
                   !memchr(m->text, 0, m->len)) {
            iname = m;
        } else if (query && API_JR_KEY(m, "KeyConditionExpression") && ty == JREAD_STRING) {
            kc = m;
        } else if (API_JR_KEY(m, "FilterExpression") && ty == JREAD_STRING) {
            filter = m;
        } else if (API_JR_KEY(m, "ProjectionExpression") && ty == JREAD_STRING) {
            proj = m;
        } else if (API_JR_KEY(m, "ExpressionAttributeNames")) {
            names = m;
        } else if (API_JR_KEY(m, "ExpressionAttributeValues")) {
            values = m;
        } else if (API_JR_KEY(m, "ExclusiveStartKey") && ty == JREAD_OBJECT) {
            esk = m;
        } else if (API_JR_KEY(m, "Limit") && ty == JREAD_INTEGER) {
            q->has_limit = true;
            q->limit = m->num.i;
        } else if (!query && API_JR_KEY(m, "Segment") && ty == JREAD_INTEGER) {
            q->has_seg = true;
            q->seg = m->num.i;
        } else if (!query && API_JR_KEY(m, "TotalSegments") && ty == JREAD_INTEGER) {
            q->has_tot = true;
            q->tot = m->num.i;
        } else if (API_JR_KEY(m, "ConsistentRead") && (ty == JREAD_TRUE || ty == JREAD_FALSE)) {
            q->consistent = ty == JREAD_TRUE;
        } else if (query && API_JR_KEY(m, "ScanIndexForward") &&
                   (ty == JREAD_TRUE || ty == JREAD_FALSE)) {
            q->fwd = ty == JREAD_TRUE;
        } else if (API_JR_KEY(m, "Select") && ty == JREAD_STRING) {
            if (API_JR_TEXT(m, "ALL_ATTRIBUTES"))
                q->sel = SEL_ALL;
            else if (API_JR_TEXT(m, "ALL_PROJECTED_ATTRIBUTES"))
                q->sel = SEL_ALL_PROJ;
            else if (API_JR_TEXT(m, "COUNT"))
                q->sel = SEL_COUNT;
            else if (API_JR_TEXT(m, "SPECIFIC_ATTRIBUTES"))
                q->sel = SEL_SPECIFIC;
            else
                return Q_JANSSON;
        } else if (query && API_JR_KEY(m, "KeyConditions") && ty == JREAD_OBJECT) {
            lkc = m;
        } else if ((query ? API_JR_KEY(m, "QueryFilter") : API_JR_KEY(m, "ScanFilter")) &&
                   ty == JREAD_OBJECT) {
            lfilter = m;
        } else if (API_JR_KEY(m, "AttributesToGet") && ty == JREAD_ARRAY) {
            latg = m;
        } else if (API_JR_KEY(m, "ConditionalOperator") && ty == JREAD_STRING) {
            lcop = m;
        } else if (!api_rcc_jr(m, &q->rcc) && api_schema_knows(m->key, m->key_len)) {
            return Q_JANSSON;
        }
    }
    if (!table)
        return Q_JANSSON;
    /* legacy and expression parameters together: the jansson path's refusal (api_mixed_check) */
    if ((lkc || lfilter || latg || lcop) && (kc || filter || proj))
        return Q_JANSSON;
    /* the checks before the table, in the jansson path's order; any refusal goes back */
    if (iname && !(q->iname = arena_strndup(r->arena, iname->text, iname->len)))
        return api_nomem(r);
    api_exprs *x = &q->x;
    int rc = api_exprs_init_jr(r, names, values, kc || filter || proj, kc || filter, x);
    if (!rc && filter) /* the jansson path's order: filter, projection, key condition */
        rc = api_exprs_get_text(r, x, filter->text, filter->len, EXPR_FILTER, &q->filter);
    if (!rc && proj)
        rc = api_exprs_get_text(r, x, proj->text, proj->len, EXPR_PROJECTION, &q->proj);
    if (!rc && kc)
        rc = api_exprs_get_text(r, x, kc->text, kc->len, EXPR_KEY_CONDITION, &q->kc);
    /* the legacy ones in the jansson path's order (they build resolved expressions) */
    if (!rc && lkc)
        rc = api_legacy_keyconds_jr(r, b, &q->kc);
    if (!rc && (lfilter || lcop))
        rc = api_legacy_filter_jr(r, b, query ? "QueryFilter" : "ScanFilter", &q->filter);
    q->qfilter = query && lfilter;
    if (!rc && latg) {
        rc = api_legacy_attrs_jr(r, b, &q->proj);
        q->atg = q->proj != NULL;
    }
    if (!rc)
        rc = api_exprs_done(r, x);
    if (!rc)
        rc = q_rules(r, q);
    if (!rc && esk) {
        rc = ddbjson_to_item_jr_in(esk, (ddbjson_layer)r->values, r->arena, &q->esk, r->err);
        q->has_esk = rc == 0;
    }
    if (rc) {
        err_clear(r->err);
        return Q_JANSSON;
    }
    /* the key condition's shape before the table, as the jansson path (answered here: every
     * check that path makes before it has passed or sent the request back; test_query_jread
     * test_corpus_same_answers) */
    if (query && (rc = expr_keycond_shape(q->kc, r->err)))
        return rc;
    /* a C string for the catalog (the text may point into the body, unterminated; a copy of
     * op_item.c write_table_jr's lines, which says why) */
    const char *tname = arena_strndup(r->arena, table->text, table->len);
    if (!tname)
        return api_nomem(r);
    return api_table_get(r, tname, table->len, &q->t);
}

/* The store's page reader in text mode (store_visit): each item into the reply's Items. */
typedef struct q_visit {
    api_out *o;
    arena_t *a;   /* value mode: the items' decoded copies */
    size_t limit; /* Limit, 0 = none */
    bool hinted;
} q_visit;

#define Q_HINT_MAX ((size_t)64 << 10) /* the most taken ahead (a heap block, not a mapping) */

static int q_visit_item(void *ctx, const void *data, size_t len, const char *const *names,
                        const size_t *lens, size_t n, av_t *vals, size_t *size)
{
    q_visit *v = ctx;
    int rc = ao_item_stored_scan(v->o, NULL, data, len, v->a, names, lens, n, vals, size);
    if (rc == 0 && v->o->w && !v->hinted && v->limit > 1) {
        /* after the first item of a page with a Limit, room for the others at its size taken
         * at once (the reply then grows without a realloc and copy at each doubling; without
         * a Limit the page's length is not known: a few small items would pay a realloc for
         * nothing); only a hint */
        v->hinted = true;
        size_t one = v->o->w->len - v->o->back.len + 8;
        size_t more = v->limit - 1;
        if (more > Q_HINT_MAX / one)
            more = Q_HINT_MAX / one;
        jout_hint(v->o->w, more * one + 256);
    }
    return rc;
}

static void q_visit_kept(void *ctx)
{
    ao_kept(((q_visit *)ctx)->o);
}

static void q_visit_unread(void *ctx)
{
    ao_unwrite(((q_visit *)ctx)->o);
}

/* The attributes of item `it` that index ix holds (a fetched table item answered as the
 * index's entry), into *out (arena). */
static int q_index_attrs(api_req *r, const store_table *t, const store_index *ix, const av_t *it,
                         av_t *out)
{
    av_kv *kv = arena_alloc(r->arena, (it->u.map.n ? it->u.map.n : 1) * sizeof *kv);
    if (!kv)
        return api_nomem(r);
    size_t n = 0;
    for (size_t i = 0; i < it->u.map.n; i++)
        if (api_index_has_attr(t, ix, it->u.map.kv[i].name, it->u.map.kv[i].name_len))
            kv[n++] = it->u.map.kv[i];
    *out = av_make_m(kv, n);
    return 0;
}

/* The page's items into the reply when the store did not write them (tree or value mode,
 * Select=COUNT, a filter, a projection or an LSI fetch): the filter and the projection here,
 * over the items the store fetched from the table when it did (res->fetched).  only: the LSI
 * whose attributes alone a fetched item is answered with (fetched for the filter, Select the
 * index's projection: review15 F3), else NULL.  *o: the reply, opened here; *count: the items
 * that passed; *fetch_h: the LSI fetches' read units. */
static int q_items(api_req *r, store_result *res, bool items, expr_t *filter, expr_t *proj,
                   const store_table *t, const store_index *only, bool consistent, api_out **o,
                   size_t *count, uint64_t *fetch_h)
{
    int rc;
    if (r->w && res->stored && items) {
        /* text mode: the reply in one allocation, taken before its first byte (no realloc,
         * no copy at each doubling).  An item's text is its stored bytes plus, per member,
         * the quotes and {"S":...} around the value: twice the stored size covers it. */
        size_t stored = 0;
        for (size_t i = 0; i < res->n; i++)
            stored += res->stored[i].len;
        jout_hint(r->w, 2 * stored + 512);
    }
    *o = api_reply(r);
    if (items)
        ao_arr(*o, "Items");
    if (res->stored) {
        *count = res->n;
        for (size_t i = 0; items && i < res->n; i++)
            ao_item_stored(*o, NULL, res->stored[i].data, res->stored[i].len, r->arena);
    }
    for (size_t i = 0; !res->stored && i < res->n; i++) {
        av_t *it = &res->items[i];
        if (res->fetched && res->fetched[i].type == AV_M) {
            /* read by the store in the page's snapshot; each fetch is a table read of its
             * own (DynamoDB Local, the service) */
            *it = res->fetched[i];
            *fetch_h += api_cap_read_h(av_item_size(it), consistent);
        }
        if (filter) {
            bool ok = false;
            if ((rc = expr_eval(filter, it, &ok, r->err)))
                return rc;
            if (!ok)
                continue;
        }
        (*count)++;
        if (!items)
            continue;
        av_t p = *it;
        if (proj && (rc = expr_project(r->arena, proj, it, &p, r->err)))
            return rc;
        if (only && res->fetched && res->fetched[i].type == AV_M &&
            (rc = q_index_attrs(r, t, only, it, &p)))
            return rc;
        if (p.type != AV_M) {
            p.type = AV_M;
            p.u.map.kv = NULL;
            p.u.map.n = 0;
        }
        ao_item(*o, NULL, &p);
    }
    return 0;
}

/* The start key holds the table's key plus, for an index, the index's key: a start key of
 * another size is refused before Select (a Scan's before the filter's key paths too)
 * (dynalite's scan and query tests, recorded against AWS: "global range in ExclusiveStartKey
 * is invalid" with Select ALL_ATTRIBUTES on a GSI that does not project all). */
static int esk_size_check(api_req *r, const qreq *q, const store_table *t,
                          const store_index *ix, bool query)
{
    if (!q->has_esk)
        return 0;
    size_t want = t->key.range[0] ? 2 : 1;
    if (ix) {
        const char *ik[STORE_KEY_ATTRS];
        av_type it[STORE_KEY_ATTRS];
        size_t nik = store_key_attrs(&ix->key, ik, it, NULL);
        for (size_t i = 0; i < nik; i++)
            if (strcmp(ik[i], t->key.hash) != 0 && strcmp(ik[i], t->key.range) != 0)
                want++;
    }
    if (q->esk.u.map.n != want)
        return err_set(r->err, ERR_VALIDATION, query || ix ? TXT_Q_ESK_SIZE : TXT_S_ESK_SIZE);
    return 0;
}

/* The queried index (q->iname's): refused when the table has none of that name (a vector
 * index's own texts: api_vector.c), while UpdateTable is filling it, and for a consistent
 * Scan of a GSI (a consistent Query of one is refused later, after the key paths). */
static int q_index(api_req *r, const qreq *q, const store_index **out_ix)
{
    const store_table *t = q->t;
    const store_index *ix = find_index(t, q->iname);
    if (!ix && api_vix_named(r, t, q->iname)) /* a vector index: api_vector.c */
        return err_set(r->err, ERR_VALIDATION, "%s",
                       !q->query       ? TXT_VIX_NO_SCAN
                       : q->consistent ? TXT_GSI_CONSISTENT
                                       : TXT_VIX_NO_QUERY);
    if (!ix)
        return err_set(r->err, ERR_VALIDATION, TXT_Q_NO_INDEX, q->iname);
    if (ix->backfilling) /* added by UpdateTable, not filled yet */
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_BACKFILLING, ix->name);
    if (ix->global && q->consistent && !q->query)
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_CONSISTENT);
    *out_ix = ix;
    return 0;
}

/* A Query's key condition against the queried key (ix's, else the table's) into *kcv, and
 * the filter's paths into that key refused. */
static int q_key_condition(api_req *r, const qreq *q, const store_index *ix, expr_keycond *kcv)
{
    const store_table *t = q->t;
    const store_keydef *kd = ix ? &ix->key : &t->key;
    const char *kn[STORE_KEY_ATTRS];
    av_type kt[STORE_KEY_ATTRS];
    size_t nhash, nk = store_key_attrs(kd, kn, kt, &nhash);
    expr_keyschema ks = {.hash = kd->hash,
                         .hash_type = kd->hash_type,
                         .range = kd->range,
                         .range_type = kd->range_type,
                         .index = ix ? ix->name : NULL};
    if (store_key_multi(kd)) {
        ks.attrs = kn;
        ks.attr_types = kt;
        ks.n_attrs = nk;
        ks.n_hash = nhash;
    }
    int rc;
    /* the key condition's own checks, then the start key's size and shape, then the key
     * condition against the schema: an empty start key, or one without the key attribute
     * a or of its wrong type, with {"z": NULL} on a table keyed on a is the start key's
     * text (dynalite's query tests, recorded against AWS), a sort key value over 1,024
     * bytes still first (test_quotas test_key_condition_lengths,
     * DynamoDB Local; test_query_scan test_start_key_before_key_condition_schema) */
    if (q->has_esk) {
        store_query shape = {.table = t, .index = ix, .start_key = &q->esk};
        if ((rc = expr_keycond_values(q->kc, &ks, r->err)) ||
            (rc = esk_size_check(r, q, t, ix, true)) ||
            (rc = store_query_start_key_check(&shape, r->err)))
            return rc;
    }
    if ((rc = expr_keycond_extract(q->kc, &ks, kcv, r->err)))
        return rc;
    if (!q->filter)
        return 0;
    /* the first key attribute (in key-schema order) the filter names is the one the
     * service names (DynamoDB Local; tests/e2e/test_gsi_multikey.py) */
    expr_name *names;
    size_t n;
    if ((rc = expr_top_names(r->arena, q->filter, &names, &n, r->err)))
        return rc;
    for (size_t k = 0; k < nk; k++)
        for (size_t i = 0; i < n; i++)
            if (strlen(kn[k]) == names[i].len && memcmp(kn[k], names[i].ptr, names[i].len) == 0)
                return err_set(r->err, ERR_VALIDATION, TXT_Q_FILTER_KEY,
                               q->qfilter ? "QueryFilter" : "Filter Expression", kn[k]);
    return 0;
}

/* What an index that does not project every attribute (ix) lacks of what the request names:
 * refused on a GSI (and a Query's filter on any index), fetched from the table on an LSI
 * (*fetch); *only = ix when a Scan's filter alone needs the table's item, so the answer keeps
 * the index's attributes.  An LSI that lacks attributes the request wants reads them from the
 * table; not for a Query's filter, refused on any index (DynamoDB Local, and AWS's PartiQL
 * read of an LSI keyed on its partition key: tests/golden/partiql/corpus.json "lsi-keys";
 * review15 F3).  A Scan's filter is evaluated on the fetched item, answered with the index's
 * attributes unless Select or a projection asks for more (DynamoDB Local). */
static int q_index_lacks(api_req *r, const qreq *q, const store_index *ix, bool *fetch,
                         const store_index **only)
{
    /* the filter's attributes first, then the projection's (DynamoDB Local, which names
     * the filter's when both lack some: test_differential.py) */
    char missing[512];
    bool fmiss = false;
    int rc = names_not_in_index(r, q->t, ix, q->filter, missing, sizeof missing, &fmiss);
    if (rc)
        return rc;
    if (fmiss && (ix->global || q->query))
        return err_set(r->err, ERR_VALIDATION, TXT_Q_GSI_NOFILTER, ix->name, missing);
    bool miss = false;
    if ((rc = names_not_in_index(r, q->t, ix, q->proj, missing, sizeof missing, &miss)))
        return rc;
    if (miss && ix->global)
        return err_set(r->err, ERR_VALIDATION, TXT_Q_GSI_NOPROJ, ix->name, missing);
    if (!ix->global)
        *fetch = miss || fmiss || q->sel == SEL_ALL;
    if (fmiss && !q->proj && q->sel != SEL_ALL)
        *only = ix;
    return 0;
}

/* The store's read of one page (*sq) for the request, checked: the queried table or index
 * (ix), a Query's key condition (kcv; NULL for a Scan), whether an LSI's items are fetched
 * from the table (fetch).  The start key points into q. */
static void q_plan(const qreq *q, const store_index *ix, const expr_keycond *kcv, bool fetch,
                   store_query *sq)
{
    memset(sq, 0, sizeof *sq);
    sq->table = q->t;
    sq->index = ix;
    sq->reverse = q->query && !q->fwd;
    sq->limit = q->has_limit ? (size_t)q->limit : 0;
    if (!q->query && q->has_tot) {
        sq->segment = (uint32_t)q->seg;
        sq->total_segments = (uint32_t)q->tot;
    }
    /* Nothing to evaluate on the items: the reply is written from their stored bytes. */
    sq->stored = !fetch && !q->filter && !q->proj;
    sq->fetch = fetch;
    if (kcv) {
        sq->eq = kcv->eq;
        sq->n_eq = kcv->n_eq;
        sq->rop = api_store_rop(kcv->rop);
        sq->r1 = kcv->r1;
        sq->r2 = kcv->r2;
    }
    /* the start key (converted before the table on both paths; its size checked above) */
    if (q->has_esk) {
        sq->start_key = &q->esk;
        sq->start_key_checked = true; /* a Query's before its key condition's schema, a
                                       * Scan's before Select */
    }
}

/* What the page read costs: `bytes` of the queried table or index (ix) and fetch_h half-units
 * of LSI fetches from the table, counted in the metrics, charged to the throttle
 * (--throttle), and written as ConsumedCapacity when the request asks for it. */
static void q_charge(api_req *r, const qreq *q, const store_index *ix, uint64_t bytes,
                     uint64_t fetch_h, uint64_t min_h, api_out *o)
{
    const store_table *t = q->t;
    uint64_t h = api_cap_read_h(bytes, q->consistent);
    api_metrics_read(r, t, h + fetch_h);
    if (r->api->thr) { /* --throttle: the index read (GSI: its own), the LSI fetches */
        api_thr_charge_read(r, t, ix, h, min_h);
        api_thr_charge_read(r, t, NULL, fetch_h, 0);
    }
    if (q->rcc == API_RCC_NONE)
        return;
    api_cap cap;
    memset(&cap, 0, sizeof cap);
    cap.table = api_cap_table(r, t);
    if (ix)
        api_cap_add_index(&cap, ix, h);
    else
        cap.table_h = h;
    cap.table_h += fetch_h;
    api_cap_out(o, "ConsumedCapacity", &cap, q->rcc, false);
}

static int run(api_req *r, json_t **out, bool query)
{
    qreq q;
    memset(&q, 0, sizeof q);
    q.query = query;
    int rc = r->jbody ? q_parse_jr(r, r->jbody, &q) : Q_JANSSON;
    if (rc == Q_JANSSON) {
        memset(&q, 0, sizeof q);
        q.query = query;
        if ((rc = api_req_body(r)) == 0)
            rc = q_parse_json(r, r->body, &q);
    }
    if (rc)
        return rc;
    const store_table *t = q.t;
    enum sel sel = q.sel;
    bool consistent = q.consistent;
    expr_t *filter = q.filter, *proj = q.proj;
    const store_index *ix = NULL;
    if (q.iname && (rc = q_index(r, &q, &ix)))
        return rc;
    if (!query && (rc = esk_size_check(r, &q, t, ix, query)))
        return rc;
    /* a Scan's start key: the index's key attributes in it before Select, the table's and
     * the segment after it, both before the filter's key paths (dynalite's scan, recorded
     * against AWS: "global range in ESK invalid" / "ALL_ATTRIBUTES when global index not ALL"
     * with Select ALL_ATTRIBUTES on a GSI that does not project all, "ESK not schema" and "ESK
     * from different segment" with the filter attribute_exists(a.b.c) on the key a;
     * test_query_scan test_scan_start_key_before_select_and_filter) */
    store_query scan_esk = {.table = t, .index = ix, .start_key = &q.esk};
    if (!query && q.has_tot) {
        scan_esk.segment = (uint32_t)q.seg;
        scan_esk.total_segments = (uint32_t)q.tot;
    }
    if (!query && q.has_esk && (rc = store_query_start_key_index_check(&scan_esk, r->err)))
        return rc;
    /* a Query's filter: its paths into key attributes after the primary-key and Select
     * checks below (dynalite's query tests, recorded against AWS: "a[1] = :b" on the
     * partition key a is "Filter Expression can only contain non-primary key attributes";
     * DynamoDB Local answers "Key attributes must be scalars" first) */
    if (filter)
        q.x.keys_later = filter; /* a Scan's too: after Select (dynalite's scan test; Local) */
    if ((rc = api_exprs_keys_check(r, &q.x, t)))
        return rc;
    /* a Query's paths into key attributes come first (DynamoDB Local; a Scan's do not:
     * test_differential.py test_gsi_consistent_query_after_key_paths) */
    if (ix && ix->global && consistent && query)
        return err_set(r->err, ERR_VALIDATION, TXT_GSI_CONSISTENT);
    /* A Query's key condition, then the filter's key attributes, before what the index holds
     * (dynalite's Query, checked against AWS, and DynamoDB Local read them in this order) */
    expr_keycond kcv;
    if (query && (rc = q_key_condition(r, &q, ix, &kcv)))
        return rc;
    if (ix) {
        if (ix->global && sel == SEL_ALL && ix->proj != STORE_PROJ_ALL)
            return err_set(r->err, ERR_VALIDATION, TXT_Q_ALL_ON_GSI, ix->name);
    }
    if (!query && q.has_esk && (rc = store_query_start_key_check(&scan_esk, r->err)))
        return rc;
    if (q.x.keys_later && (rc = api_table_key_attr_check(t, q.x.keys_later, r->err)))
        return rc;
    bool fetch = false;
    const store_index *only = NULL;
    if (ix && ix->proj != STORE_PROJ_ALL && (rc = q_index_lacks(r, &q, ix, &fetch, &only)))
        return rc;
    uint64_t fetch_h = 0; /* LSI: reads of the table for attributes the index lacks */
    size_t count = 0;
    store_query sq;
    q_plan(&q, ix, query ? &kcv : NULL, fetch, &sq);
    store_result res;
    memset(&res, 0, sizeof res);
    uint64_t min_h = consistent ? API_THR_READ_STRONG : API_THR_READ_EVENTUAL;
    if ((rc = api_thr_admit(r, t, ix, false, min_h)))
        return rc;
    bool items = sel != SEL_COUNT;
    api_out *o = NULL;
    /* text mode: each item is written into the reply as the store reads it, its size and key
     * read on the same walk (one pass: q_visit); value mode: each item is decoded once, its
     * size and key read from the values, and handed to the sink when the store keeps it.  Not
     * for a parallel Scan: most items read are of other segments, and writing each before
     * taking it back would cost more than the second walk of the few kept. */
    q_visit qv = {.o = NULL, .a = r->arena, .limit = sq.limit, .hinted = false};
    store_visit vis = {q_visit_item, q_visit_kept, q_visit_unread, &qv};
    if ((r->w || r->sink) && sq.stored && items && sq.total_segments <= 1) {
        o = api_reply(r);
        ao_arr(o, "Items");
        qv.o = o;
        sq.visit = &vis;
    }
    if ((rc = store_query_run(r->api->store, &sq, r->arena, &res, r->err)))
        return rc;
    if (sq.visit)
        count = res.n; /* written: every item read is in the reply */
    else if ((rc = q_items(r, &res, items, filter, proj, t, only, consistent, &o, &count,
                           &fetch_h)))
        return rc;
    if (items)
        ao_close(o);
    ao_int(o, "Count", (long long)count);
    ao_int(o, "ScannedCount", (long long)res.n);
    if (res.last_key.type == AV_M)
        ao_item(o, "LastEvaluatedKey", &res.last_key);
    q_charge(r, &q, ix, res.bytes, fetch_h, min_h, o);
    (void)out;
    return 0;
}

int op_query(api_req *r, json_t **out)
{
    return run(r, out, true);
}

int op_scan(api_req *r, json_t **out)
{
    return run(r, out, false);
}
