/*
 * op_search — SearchVectors: the items nearest a query vector in a vector index.  Layer: api.
 *
 * The search is exact: every item of the table in the index (a valid vector of the index's
 * dimension; with a SearchSchema HASH element, that attribute present and of its type) is
 * scored against the query (value/vec.h: the vector as 32-bit floats, the score rounded to
 * float), restricted to the HASH value the SearchConditionExpression fixes and filtered by
 * the rest of that condition, and the TopK best are answered best first (ties in the table's
 * key order).  An exact answer is a correct answer of AWS's approximate search, which
 * promises no recall.  Each result's Item is the index's copy: the projection without the
 * vector, or with ProjectionExpression the paths named of the projection plus the vector as
 * the index holds it (32-bit floats, each the shortest decimal naming it).
 *
 * Validation, in the service's order as far as the sources show it (conformance suite tier2
 * vectorSearch/validation and tier3 error-messages/searchVectors, characterised against AWS;
 * the Developer Guide's troubleshooting table): the model (api_schema.c: names, TopK >= 1),
 * TopK <= 100, the table, the index (absent or still allocating: "The table does not have
 * the specified index: X"; backfilling: "Cannot search backfilling vector index: X"; ACTIVE
 * but not yet served by the search plane: "The table does not have the specified index: X"), the
 * query's values (numbers that fit a float), its dimension, then the condition: equality
 * only, attributes of the SearchSchema only, the HASH element fixed.
 * ConsumedCapacity is a bare {"VectorSearchRequestBytes": n} under TOTAL and INDEXES alike.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_SearchVectors.html
 * Tests: tests/e2e/test_vector_search.py.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_item.h"
#include "api/api_schema.h"
#include "api/api_strict.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "api/api_vector.h"
#include "value/ddbjson.h"
#include "value/jread.h"
#include "value/vec.h"

typedef struct sv_hit {
    double score;
    const void *data; /* the item's encoding (av_encode): a copy in a hold arena, then in
                       * r->arena; decoded one at a time as the reply is written (TopK 100
                       * items of 360 KB held decoded took the 256 MB arena: 500) */
    size_t len;
} sv_hit;

typedef struct sv_ctx {
    api_req *r;
    const api_vix *v;
    const float *query;
    float *buf;
    const expr_t *cond;
    size_t topk;
    sv_hit *hits;
    size_t n_hits;
    uint64_t scored;
    /* the hits' copies: made in hold[cur]; when more than 2 TopK + 4 were made (evicted ones
     * included), the live ones move to the other arena and this one is reset, so memory is
     * bounded by TopK, not by the table (review10 F2: items met in improving order) */
    arena_t hold[2];
    int cur;
    size_t copies;
    buf_t enc; /* an item's encoding, before its copy */
} sv_ctx;

/* a is better than b */
static bool better(const api_vix *v, double a, double b)
{
    return vec_fn_higher_closer(v->fn) ? a > b : a < b;
}

static int sv_item(void *vctx, const av_t *item)
{
    sv_ctx *c = vctx;
    if (!api_vix_vector(c->v, item, c->buf))
        return 0;
    if (c->cond) {
        bool ok = false;
        int rc = expr_eval(c->cond, item, &ok, c->r->err);
        if (rc)
            return rc;
        if (!ok)
            return 0;
    }
    c->scored++;
    double s = vec_score(c->v->fn, c->query, c->buf, c->v->dims);
    /* where it goes: after every hit at least as good (ties keep the table's order) */
    size_t pos = c->n_hits;
    while (pos > 0 && better(c->v, s, c->hits[pos - 1].score))
        pos--;
    if (pos >= c->topk)
        return 0;
    buf_reset(&c->enc);
    int erc = av_encode(item, &c->enc);
    void *copy = erc ? NULL : arena_memdup(&c->hold[c->cur], c->enc.data, c->enc.len);
    if (!copy)
        return erc == ERR_INTERNAL ? err_set(c->r->err, ERR_INTERNAL, "unencodable item")
                                   : api_nomem(c->r);
    c->copies++;
    size_t last = c->n_hits < c->topk ? c->n_hits : c->topk - 1;
    memmove(&c->hits[pos + 1], &c->hits[pos], (last - pos) * sizeof *c->hits);
    c->hits[pos].score = s;
    c->hits[pos].data = copy;
    c->hits[pos].len = c->enc.len;
    if (c->n_hits < c->topk)
        c->n_hits++;
    if (c->copies > 2 * c->topk + 4) { /* compact: the live copies only */
        arena_t *to = &c->hold[1 - c->cur];
        arena_reset(to);
        for (size_t i = 0; i < c->n_hits; i++)
            if (!(c->hits[i].data = arena_memdup(to, c->hits[i].data, c->hits[i].len)))
                return api_nomem(c->r);
        arena_reset(&c->hold[c->cur]);
        c->cur = 1 - c->cur;
        c->copies = c->n_hits;
    }
    return 0;
}

/* The index's copy of the vector: an L of the floats' shortest texts ("1.0": not DynamoDB's
 * canonical number text, which only this reply's writer sees). */
static int f32_list(arena_t *a, const float *f, size_t n, av_t *out)
{
    av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
    if (!items)
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char t[VEC_TEXT_MAX];
        size_t len = vec_f32_text(f[i], t);
        char *p = arena_strndup(a, t, len);
        if (!p)
            return ERR_NOMEM;
        items[i] = av_make_n_canonical(p, len);
    }
    *out = av_make_list(AV_L, items, n);
    return 0;
}

/* Whether index v's entries carry the vector attribute itself: ALL, or INCLUDE naming it. */
static bool vec_projected(const api_vix *v)
{
    if (v->proj == STORE_PROJ_ALL)
        return true;
    for (size_t i = 0; v->proj == STORE_PROJ_INCLUDE && i < v->n_include; i++)
        if (!strcmp(v->include[i], v->attr))
            return true;
    return false;
}

/* ---- TopK given as a JSON real ---------------------------------------------------------
 * AWS reads SearchVectors' TopK as a 32-bit integer in a deserialiser of its own (a serde
 * i32 field): a JSON real there, fractional or whole (3.5, 5.0, 5e0), is refused before any
 * check of the model with a SerializationException in serde_json's words and position,
 * "invalid type: floating point `3.5`, expected i32 at line 1 column N" (AWS eu-west-2 and
 * us-east-1 2026-08-13, as the AWS-checked emulator Dynoxide records it; N: the bytes of the
 * line up to the number's last one).  The number's text is serde_json's: the shortest digits
 * that read back as the double, positional with ".0" for a whole number when its decimal
 * exponent is within [-5, 16) (the captured case), else d.ddde+X (Dynoxide's serde prints
 * 1e300 as "1e+300"; no capture of that form).  A whole number beyond the i32 is the same
 * field's "invalid value: integer `3000000000`, expected i32 at line 1 column N" (serde's
 * words for it; not captured itself).  Other operations' integers keep the service's older
 * deserialiser (a real is truncated, DECIMAL_VALUE for TopK was ddbchat's).  Any other kind
 * there is serde's too, and so is a wrong kind in every member the deserialiser reads (a
 * string, a sequence, a map; the null members are its captured words, paritysuite 2026-10-09),
 * inferred: a string (`invalid type: string "5", expected i32`, Rust's Debug of it), a boolean
 * ("boolean `true`"), a list ("sequence") or an object ("map"), the position of these two
 * where they start, the first such member in the body's order; a required member's explicit
 * null is the strict pass's (api_strict.c). */

/* serde_json's text of double d into out (cap bytes) */
static void serde_float(char *out, size_t cap, double d)
{
    char e[48];
    int prec = 0;
    for (; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, d);
        if (strtod(e, NULL) == d)
            break;
    }
    if (prec == 17)
        snprintf(e, sizeof e, "%.16e", d);
    /* e: [-]D[.DDD]e(+|-)XX */
    const char *p = e;
    bool neg = *p == '-';
    if (neg)
        p++;
    char dig[24];
    int n = 0;
    for (; *p && *p != 'e' && n < (int)sizeof dig - 1; p++)
        if (*p >= '0' && *p <= '9')
            dig[n++] = *p;
    dig[n] = '\0';
    int x = *p == 'e' ? atoi(p + 1) : 0;
    while (n > 1 && dig[n - 1] == '0') /* %.*e pads a short mantissa */
        dig[--n] = '\0';
    int kk = x + 1; /* d = 0.DIG x 10^kk */
    const char *sg = neg ? "-" : "";
    if (kk >= n && kk <= 16) /* whole: 1234e2 -> 123400.0 */
        snprintf(out, cap, "%s%s%.*s.0", sg, dig, kk - n, "0000000000000000");
    else if (kk > 0 && kk <= 16) /* 12.34 */
        snprintf(out, cap, "%s%.*s.%s", sg, kk, dig, dig + kk);
    else if (kk > -5 && kk <= 0) /* 0.001234 */
        snprintf(out, cap, "%s0.%.*s%s", sg, -kk, "0000", dig);
    else /* 1e+300, 1.5e-7 */
        snprintf(out, cap, "%s%c%s%se%s%d", sg, dig[0], n > 1 ? "." : "", dig + 1,
                 x >= 0 ? "+" : "", x);
}

/* serde's text of a string it met (Rust's Debug of a str): quoted, with \" \\ \n \r \t \0 and
 * other control characters (\u{1f}) escaped; NULL when out of memory */
static char *serde_str(const char *v, size_t len)
{
    char *o = malloc(len * 8 + 3), *p = o;
    if (!o)
        return NULL;
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            *p++ = '\\';
            *p++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c == 0) {
            *p++ = '\\';
            *p++ = '0';
        } else if (c < 0x20 || c == 0x7f) {
            p += sprintf(p, "\\u{%x}", c);
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    *p = '\0';
    return o;
}

/* A top-level member's JSON kind and value, from either tree */
typedef enum { K_NONE, K_NULL, K_REAL, K_INT, K_STR, K_BOOL, K_ARR, K_OBJ } sv_kind;
typedef struct sv_member {
    sv_kind kind;
    double d;
    long long iv;
    bool bv;
    const char *sv;
    size_t sl;
} sv_member;

static sv_member sv_member_of(const json_t *req, const jread_val *jreq, const char *name)
{
    sv_member m = {.kind = K_NONE};
    if (req) {
        const json_t *k = json_object_get(req, name);
        m.kind = !k                   ? K_NONE
                 : json_is_null(k)    ? K_NULL
                 : json_is_real(k)    ? K_REAL
                 : json_is_integer(k) ? K_INT
                 : json_is_string(k)  ? K_STR
                 : json_is_boolean(k) ? K_BOOL
                 : json_is_array(k)   ? K_ARR
                                      : K_OBJ;
        m.d = m.kind == K_REAL ? json_real_value(k) : 0;
        m.iv = m.kind == K_INT ? (long long)json_integer_value(k) : 0;
        m.bv = json_is_true(k);
        m.sv = m.kind == K_STR ? json_string_value(k) : NULL;
        m.sl = m.kind == K_STR ? json_string_length(k) : 0;
    } else if (jreq) {
        const jread_val *k = jread_get(jreq, name, strlen(name));
        switch (k ? k->type : JREAD_OBJECT + 1) {
        case JREAD_NULL: m.kind = K_NULL; break;
        case JREAD_REAL: m.kind = K_REAL; m.d = k->num.d; break;
        case JREAD_INTEGER: m.kind = K_INT; m.iv = k->num.i; break;
        case JREAD_STRING: m.kind = K_STR; m.sv = k->text; m.sl = k->len; break;
        case JREAD_TRUE: m.kind = K_BOOL; m.bv = true; break;
        case JREAD_FALSE: m.kind = K_BOOL; break;
        case JREAD_ARRAY: m.kind = K_ARR; break;
        case JREAD_OBJECT: m.kind = K_OBJ; break;
        default: break;
        }
    }
    return m;
}

/* The members the deserialiser reads, as the model has them (api_schema.c
 * SearchVectorsRequest: the same table the strict pass reads, so their kinds, names and
 * which may not be null cannot drift apart): each of a string, a sequence, a map or an i32;
 * a member whose shape is an enum (ReturnConsumedCapacity) and the SearchVector's elements keep
 * the model's checks.  NULL for another name. */
static const api_member *sv_field_named(const char *k, size_t len)
{
    const api_shape *in = api_schema_input("SearchVectors");
    for (const api_member *m = in ? in->members : NULL; m && m->name; m++)
        if (strlen(m->name) == len && memcmp(m->name, k, len) == 0)
            return m->shape->enums ? NULL : m;
    return NULL;
}

/* The kind a member of shape s reads as (api_serde_expect names it). */
static sv_kind sv_want(const api_shape *s)
{
    switch (s->type) {
    case API_ST_INTEGER: return K_INT;
    case API_ST_LIST: return K_ARR;
    case API_ST_MAP:
    case API_ST_STRUCT: return K_OBJ;
    case API_ST_BOOLEAN: return K_BOOL;
    default: return K_STR;
    }
}

/* 0 when member m of field f reads, else serde's SerializationException; at: the offset its
 * position counts to in body (NULL: unknown) */
static int sv_field_check(const api_member *f, const sv_member *m, const char *body, size_t at,
                          err_t *e)
{
    sv_kind want = sv_want(f->shape);
    const char *expect = api_serde_expect(f->shape);
    if (m->kind == K_NONE || m->kind == K_NULL || m->kind == want) {
        if (!(m->kind == K_INT && want == K_INT && (m->iv < INT32_MIN || m->iv > INT32_MAX)))
            return 0; /* a null is the strict pass's (api_strict.c) */
    }
    char num[96]; /* "floating point `" and a number: a sign, 17 digits, 16 zeros, ".0" */
    char *quoted = NULL;
    const char *what = "invalid type: ", *shown = num;
    switch (m->kind) {
    case K_REAL: {
        char bare[48];
        serde_float(bare, sizeof bare, m->d);
        snprintf(num, sizeof num, "floating point `%s`", bare);
        break;
    }
    case K_INT:
        snprintf(num, sizeof num, "integer `%lld`", m->iv);
        if (want == K_INT)
            what = "invalid value: ";
        break;
    case K_STR: {
        char *q = serde_str(m->sv, m->sl);
        if (!q || !(quoted = malloc(strlen(q) + 8))) {
            free(q);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        sprintf(quoted, "string %s", q);
        free(q);
        shown = quoted;
        break;
    }
    case K_BOOL:
        snprintf(num, sizeof num, "boolean `%s`", m->bv ? "true" : "false");
        break;
    case K_ARR:
        shown = "sequence";
        break;
    default:
        shown = "map";
        break;
    }
    int rc;
    if (!body) {
        rc = err_set(e, ERR_SERIALIZATION, "%s%s, expected %s", what, shown, expect);
    } else {
        size_t line = 1, sol = 0;
        for (size_t j = 0; j < at; j++)
            if (body[j] == '\n') {
                line++;
                sol = j + 1;
            }
        rc = err_set(e, ERR_SERIALIZATION, "%s%s, expected %s at line %zu column %zu", what,
                     shown, expect, line, at - sol);
    }
    free(quoted);
    return rc;
}

int op_search_topk_type(const json_t *req, const jread_val *jreq, const api_caller *caller,
                        err_t *e)
{
    const char *s = caller ? caller->body : NULL;
    size_t n = caller ? caller->body_len : 0, i = s ? jread_ws(s, n, 0) : 0;
    if (!s || i >= n || s[i] != '{') {
        /* no text to walk: TopK alone, without a position */
        sv_member m = sv_member_of(req, jreq, "TopK");
        return sv_field_check(sv_field_named("TopK", 4), &m, NULL, 0, e);
    }
    /* the members in the body's order, as the deserialiser meets them: the first one of the
     * wrong kind, or 0 at a required member's null (the strict pass's) */
    for (i = jread_ws(s, n, i + 1); i < n && s[i] == '"';) {
        size_t k0 = i + 1, k1 = i;
        jread_skip(s, n, &k1); /* n when the text ends first */
        const api_member *f = k1 > k0 ? sv_field_named(s + k0, k1 - 1 - k0) : NULL;
        i = jread_ws(s, n, k1);
        if (i >= n || s[i] != ':')
            return 0;
        i = jread_ws(s, n, i + 1);
        size_t v1 = i;
        jread_skip(s, n, &v1);
        if (f) {
            sv_member m = sv_member_of(req, jreq, f->name);
            if (m.kind == K_NULL && (f->flags & (API_MF_NOT_NULL | API_MF_REQUIRED)))
                return 0;
            int rc = sv_field_check(f, &m, s, m.kind == K_ARR || m.kind == K_OBJ ? i : v1, e);
            if (rc)
                return rc;
        }
        i = jread_ws(s, n, v1);
        if (i >= n || s[i] != ',')
            break;
        i = jread_ws(s, n, i + 1);
    }
    return 0;
}

/* The searched index (iname's; NULL: none named) of table t into *out: refused when the table
 * has none of that name, or it is still allocating or being deleted, or backfilling, or not
 * yet served by the search plane. */
static int sv_index(api_req *r, const store_table *t, const char *iname, const api_vix **out)
{
    api_vix *vs;
    size_t nv;
    int rc = api_vix_of_table(r->api, r->arena, t, &vs, &nv, r->err);
    if (rc)
        return rc;
    const api_vix *v = NULL;
    for (size_t i = 0; iname && i < nv; i++)
        if (!strcmp(vs[i].name, iname))
            v = &vs[i];
    if (!v || v->phase == API_VIX_ALLOCATING || v->phase == API_VIX_DELETING)
        return err_set(r->err, ERR_VALIDATION, TXT_SV_NO_INDEX, iname ? iname : "");
    if (v->phase == API_VIX_BACKFILLING)
        return err_set(r->err, ERR_VALIDATION, TXT_SV_BACKFILLING, v->name);
    /* a while after DescribeTable calls an added index ACTIVE the search plane does not know
     * it yet: the no-such-index text, as the Developer Guide's troubleshooting table words it
     * (api_vector.h) */
    if (v->phase == API_VIX_ACTIVE && v->added_ms &&
        base_wall_ms() < v->added_ms + r->api->vix_alloc_ms + r->api->vix_fill_ms +
                            r->api->vix_lag_ms)
        return err_set(r->err, ERR_VALIDATION, TXT_SV_NO_INDEX, v->name);
    *out = v;
    return 0;
}

/* The query vector (SearchVector, sv) as floats into *out (arena): numbers that fit a float,
 * then the index's dimension. */
static int sv_query_vector(api_req *r, json_t *sv, const api_vix *v, float **out)
{
    size_t qn = json_array_size(sv);
    float *q = arena_alloc(r->arena, (qn ? qn : 1) * sizeof *q);
    if (!q)
        return api_nomem(r);
    for (size_t i = 0; i < qn; i++) {
        json_t *x = json_array_get(sv, i), *n = json_object_get(x, "N");
        if (!json_is_object(x) || json_object_size(x) != 1 || !json_is_string(n) ||
            !vec_f32_from_text(json_string_value(n), json_string_length(n), &q[i]))
            return err_set(r->err, ERR_VALIDATION, "%s", TXT_SV_VALUES);
    }
    if (qn != v->dims)
        return err_set(r->err, ERR_VALIDATION, TXT_SV_DIMS, qn, v->dims);
    *out = q;
    return 0;
}

/* The SearchConditionExpression (cond; NULL: none) against the index: equality only, on
 * attributes of its SearchSchema only, the HASH element fixed to a value of its type. */
static int sv_condition_check(api_req *r, const api_vix *v, const expr_t *cond)
{
    int bad = expr_search_refused(cond);
    if (bad)
        return err_set(r->err, ERR_VALIDATION, "%s",
                       bad == 2   ? TXT_SV_OPERATOR
                       : bad == 3 ? TXT_SV_DUP_COND
                       : bad == 4 ? TXT_SV_NESTED
                                  : TXT_SV_COMPARATOR);
    if (cond) {
        expr_name *names;
        size_t nn;
        int rc = expr_top_names(r->arena, cond, &names, &nn, r->err);
        if (rc)
            return rc;
        for (size_t i = 0; i < nn; i++) {
            bool in = false;
            for (size_t j = 0; j < v->n_schema && !in; j++)
                in = strlen(v->schema[j].name) == names[i].len &&
                     !memcmp(v->schema[j].name, names[i].ptr, names[i].len);
            if (!in) {
                const char *shown = arena_strndup(r->arena, names[i].ptr, names[i].len);
                return err_set(r->err, ERR_VALIDATION, TXT_SV_NOT_IN_SCHEMA, shown ? shown : "");
            }
        }
    }
    for (size_t j = 0; j < v->n_schema; j++) {
        const api_vix_elem *el = &v->schema[j];
        const av_t *hv = el->hash ? expr_search_top_eq(cond, el->name, strlen(el->name)) : NULL;
        if (el->hash && !hv)
            return err_set(r->err, ERR_VALIDATION, "%s", TXT_SV_NEED_COND);
        if (hv && el->type != AV_NONE && hv->type != el->type)
            return err_set(r->err, ERR_VALIDATION, TXT_SV_HASH_TYPE, el->name,
                           av_type_name(hv->type), av_type_name(el->type));
        if (hv && hv->type == AV_S && hv->u.str.len == 0)
            return err_set(r->err, ERR_VALIDATION, TXT_SV_HASH_EMPTY, el->name);
    }
    return 0;
}

/* The search over table t: c's TopK hits, best first, their encodings in r->arena. */
static int sv_search(api_req *r, const store_table *t, sv_ctx *c)
{
    c->hits = arena_zalloc(r->arena, (c->topk + 1) * sizeof *c->hits);
    if (!c->hits)
        return api_nomem(r);
    arena_init(&c->hold[0]);
    arena_init(&c->hold[1]);
    buf_init(&c->enc, 0);
    int rc = api_vix_scan(r, t, sv_item, c);
    for (size_t i = 0; rc == 0 && i < c->n_hits; i++) /* the winners into the request's arena */
        if (!(c->hits[i].data = arena_memdup(r->arena, c->hits[i].data, c->hits[i].len)))
            rc = api_nomem(r);
    arena_fini(&c->hold[0]);
    arena_fini(&c->hold[1]);
    buf_fini(&c->enc);
    return rc;
}

/* SearchResults written as the results are (api_out.h: on the endpoint each item is its
 * text, no jansson tree, ~16 MB of heap for a 240 KB item's: review12 F7): each hit's Item
 * (the index's copy, proj's paths of it when given) and Score.  *out_bytes: the items' sizes.
 * A reply past API_SV_REPLY_MAX is refused. */
static int sv_results(api_req *r, api_out *o, const store_table *t, const sv_ctx *c,
                      const expr_t *proj, uint64_t *out_bytes)
{
    const api_vix *v = c->v;
    int rc = 0;
    ao_arr(o, "SearchResults");
    size_t text = 32; /* the reply's JSON text: its frame, then each result and a comma */
    arena_t one; /* the result being written, decoded; reset after each */
    arena_init(&one);
    for (size_t i = 0; i < c->n_hits; i++) {
        av_t entry, dec;
        const av_t *item = &dec;
        arena_reset(&one);
        int d = av_decode(c->hits[i].data, c->hits[i].len, &one, &dec);
        if (d == ERR_NOMEM)
            goto nomem;
        if (d || dec.type != AV_M) {
            rc = err_set(r->err, ERR_INTERNAL, "corrupt stored item");
            goto done;
        }
        if (api_vix_project(&one, t, v, item, &entry))
            goto nomem;
        if (proj) { /* the paths named, of the index's copy (with its vector when the index
                       * projects it: ALL, or INCLUDE naming it; not KEYS_ONLY, AWS eu-west-2
                       * 2026-08, as Dynoxide records it) */
            av_t vec, full = entry, shown;
            if (vec_projected(v) &&
                (!api_vix_vector(v, item, c->buf) || f32_list(&one, c->buf, v->dims, &vec) ||
                 av_map_set(&one, &entry, v->attr, strlen(v->attr), &vec, &full)))
                goto nomem;
            /* r->arena: expr_project keeps its plan there */
            if ((rc = expr_project(r->arena, proj, &full, &shown, r->err)))
                goto done;
            entry = shown;
        }
        *out_bytes += av_item_size(&entry);
        ao_obj(o, NULL);
        ao_item(o, "Item", &entry);
        ao_real(o, "Score", c->hits[i].score);
        ao_close(o);
        if (o->failed)
            goto nomem;
        /* the Developer Guide's 16 MB limit of a reply (no pagination): refused past it, so
         * that what passes here does on AWS (api_vector.h API_SV_REPLY_MAX) */
        text += ao_last_len(o) + 1;
        if (text > API_SV_REPLY_MAX) {
            rc = err_set(r->err, ERR_VALIDATION, "%s", TXT_SV_TOO_BIG);
            goto done;
        }
    }
    ao_close(o);
    goto done;
nomem:
    rc = api_nomem(r);
done:
    arena_fini(&one);
    return rc;
}

int op_search_vectors(api_req *r, json_t **out)
{
    json_t *body = r->body, *sv;
    const char *iname;
    bool has_k;
    long long topk;
    int rc;
    api_rcc rcc = API_RCC_NONE;
    if ((rc = api_json_str(body, "IndexName", &iname, r->err)) ||
        (rc = api_json_arr(body, "SearchVector", &sv, r->err)) ||
        (rc = api_json_int(body, "TopK", &has_k, &topk, r->err)) ||
        (rc = api_rcc_parse(r, body, &rcc)))
        return rc;
    if (topk > API_VIX_TOPK_MAX)
        return err_set(r->err, ERR_VALIDATION, TXT_SV_TOPK, topk);

    const store_table *t;
    const api_vix *v = NULL;
    float *q = NULL;
    if ((rc = api_item_table(r, body, &t)) || (rc = sv_index(r, t, iname, &v)) ||
        (rc = sv_query_vector(r, sv, v, &q)))
        return rc;
    float *buf = arena_alloc(r->arena, (v->dims ? v->dims : 1) * sizeof *buf);
    if (!buf)
        return api_nomem(r);

    /* the condition and the projection */
    static const char *const params[] = {"SearchConditionExpression", "ProjectionExpression", NULL};
    api_exprs x;
    expr_t *cond = NULL, *proj = NULL;
    if ((rc = api_exprs_init(r, body, &x, params, "")) ||
        (rc = api_exprs_get(r, body, &x, "SearchConditionExpression", EXPR_SEARCH_CONDITION,
                            &cond)) ||
        (rc = api_exprs_get(r, body, &x, "ProjectionExpression", EXPR_PROJECTION, &proj)) ||
        (rc = api_exprs_done(r, &x)) || (rc = sv_condition_check(r, v, cond)))
        return rc;

    sv_ctx c = {.r = r, .v = v, .query = q, .buf = buf, .cond = cond, .topk = (size_t)topk};
    if ((rc = sv_search(r, t, &c)))
        return rc;
    api_out *o = api_reply(r);
    uint64_t out_bytes = 0;
    if ((rc = sv_results(r, o, t, &c, proj, &out_bytes)))
        return rc;
    if (rcc != API_RCC_NONE) {
        /* metered by the vector data examined and returned (the Developer Guide); the formula
         * is ddbchat's: the query's and TopK candidates' vectors plus the items returned, in
         * 1 KB steps */
        uint64_t b = 4 * (uint64_t)v->dims * ((uint64_t)topk + 1) + out_bytes;
        b = (b + 1023) / 1024 * 1024;
        ao_obj(o, "ConsumedCapacity");
        ao_real(o, "VectorSearchRequestBytes", (double)b);
        ao_close(o);
    }
    (void)out;
    return 0;
}
