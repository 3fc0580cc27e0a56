/*
 * api_policy — a resource-based policy document: checked as the service checks it and kept
 * in its canonical text, for PutResourcePolicy (op_policy.c) and CreateTable's
 * ResourcePolicy (op_table.c).  Layer: api.  Calls no operation; what AWS does is told in
 * op_policy.c's opening comment.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_policy.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "value/ddbjson.h"

#define POL_MAX_BYTES 20480

/* ---- the document -------------------------------------------------------------------- */

static int doc_err(api_req *r, const char *what)
{
    return err_set(r->err, ERR_VALIDATION, TXT_POL_DOC "%s", what);
}

/* A one-element list as its element (new reference). */
static json_t *one_or_list(json_t *v)
{
    if (json_is_array(v) && json_array_size(v) == 1)
        return json_incref(json_array_get(v, 0));
    return json_incref(v);
}

static bool is_account_id(const char *s)
{
    size_t n = strlen(s);
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A Principal value in canonical form (new reference; NULL out of memory): each
 * {"AWS": ...} account id as its root ARN, duplicates removed, one left as the string. */
static json_t *canon_principal(json_t *pr)
{
    if (!json_is_object(pr))
        return json_incref(pr);
    json_t *out = json_object();
    const char *k;
    json_t *v;
    if (!out)
        return NULL;
    json_object_foreach(pr, k, v)
    {
        json_t *list = json_array();
        if (!list)
            goto oom;
        size_t i;
        json_t *e;
        json_t *in = json_is_array(v) ? v : NULL;
        for (i = 0; in ? i < json_array_size(in) : i < 1; i++) {
            e = in ? json_array_get(in, i) : v;
            json_t *c = NULL;
            if (strcmp(k, "AWS") == 0 && json_is_string(e) && is_account_id(json_string_value(e))) {
                char b[64];
                snprintf(b, sizeof b, "arn:aws:iam::%s:root", json_string_value(e));
                c = json_string(b);
            } else {
                c = json_incref(e);
            }
            bool dup = false;
            for (size_t j = 0; c && j < json_array_size(list); j++)
                dup = dup || json_equal(json_array_get(list, j), c);
            if (!c || (!dup && json_array_append(list, c))) {
                json_decref(c);
                json_decref(list);
                goto oom;
            }
            json_decref(c);
        }
        json_t *val = json_is_array(v) ? one_or_list(list) : json_incref(json_array_get(list, 0));
        json_decref(list);
        if (!val || json_object_set_new(out, k, val))
            goto oom;
    }
    return out;
oom:
    json_decref(out);
    return NULL;
}

/* True when a statement allows everyone without a condition ("*" or {"AWS": "*"}). */
static bool unbounded(json_t *st)
{
    const char *eff = json_string_value(json_object_get(st, "Effect"));
    if (!eff || strcmp(eff, "Allow") != 0 || json_object_get(st, "Condition"))
        return false;
    json_t *pr = json_object_get(st, "Principal");
    if (json_is_string(pr))
        return strcmp(json_string_value(pr), "*") == 0;
    json_t *aws = json_object_get(pr, "AWS");
    if (json_is_string(aws))
        return strcmp(json_string_value(aws), "*") == 0;
    size_t i;
    json_t *e;
    json_array_foreach(aws, i, e)
    {
        if (json_is_string(e) && strcmp(json_string_value(e), "*") == 0)
            return true;
    }
    return false;
}

static const char *const top_order[] = {"Version", "Id", "Statement", NULL};
static const char *const st_order[] = {"Sid",       "Effect",    "Principal", "NotPrincipal",
                                       "Action",    "NotAction", "Resource",  "NotResource",
                                       "Condition", NULL};

/* src's members into dst: those `order` names first, in that order, then the rest as sent;
 * each through fix (may be NULL).  0 or -1 (out of memory). */
static int put_ordered(json_t *dst, json_t *src, const char *const *order,
                       json_t *(*fix)(const char *k, json_t *v))
{
    for (int i = 0; order[i]; i++) {
        json_t *v = json_object_get(src, order[i]);
        if (v && json_object_set_new(dst, order[i], fix ? fix(order[i], v) : json_incref(v)))
            return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(src, k, v)
    {
        if (json_object_get(dst, k))
            continue;
        if (json_object_set_new(dst, k, fix ? fix(k, v) : json_incref(v)))
            return -1;
    }
    return 0;
}

static json_t *fix_statement_member(const char *k, json_t *v)
{
    if (!strcmp(k, "Action") || !strcmp(k, "NotAction") || !strcmp(k, "Resource") ||
        !strcmp(k, "NotResource"))
        return one_or_list(v);
    if (!strcmp(k, "Principal") || !strcmp(k, "NotPrincipal"))
        return canon_principal(v);
    return json_incref(v);
}

/* The end of the JSON string whose text starts at t[b] (after its opening quote): the index of
 * its closing quote, or len. */
static size_t pol_str_end(const char *t, size_t len, size_t b)
{
    size_t i = b;
    for (; i < len && t[i] != '"'; i++)
        if (t[i] == '\\')
            i++;
    return i;
}

/* j past JSON's white space in t[j..len). */
static size_t pol_ws(const char *t, size_t len, size_t j)
{
    while (j < len && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r'))
        j++;
    return j;
}

/* stmt_member_pos's walk through the document's text: where it is. */
typedef struct pol_scan {
    int depth, stmt_depth;
    bool in_stmt, stmt_list, expect_key;
    size_t n; /* the statement the walk is in: its index ((size_t)-1 before the first) */
    const char *top_key; /* the last key at the top (depth 1), top_kl bytes */
    size_t top_kl;
} pol_scan;

/* The walk meets c, one of { [ } ] or a comma, outside strings. */
static void pol_scan_punct(pol_scan *sc, char c)
{
    if (c == '{' || c == '[') {
        sc->depth++;
        bool under = sc->top_key && sc->top_kl == 9 && memcmp(sc->top_key, "Statement", 9) == 0;
        if (c == '{' && under && (sc->depth == 2 || (sc->depth == 3 && sc->stmt_list))) {
            /* Statement's object, or an object inside its list */
            sc->in_stmt = true;
            sc->stmt_depth = sc->depth;
            sc->n++;
        } else if (c == '[' && under && sc->depth == 2) {
            sc->stmt_list = true;
        }
        sc->expect_key = c == '{';
    } else if (c == '}' || c == ']') {
        if (sc->in_stmt && sc->depth == sc->stmt_depth && c == '}')
            sc->in_stmt = false;
        if (sc->depth == 2 && c == ']')
            sc->stmt_list = false;
        sc->depth--;
    } else if (c == ',') {
        sc->expect_key = true; /* only meaningful inside an object */
    }
}

/* The walk meets a key: the string t[b..e) (e: its closing quote).  Where its value starts
 * when it is statement idx's member key (kl bytes), else NULL. */
static const char *pol_scan_key(pol_scan *sc, const char *t, size_t len, size_t b, size_t e,
                                size_t idx, const char *key, size_t kl)
{
    const char *want = NULL;
    if (sc->depth == 1) {
        sc->top_key = t + b;
        sc->top_kl = e - b;
    }
    size_t j = pol_ws(t, len, e + 1);
    if (j < len && t[j] == ':') {
        j = pol_ws(t, len, j + 1);
        if (sc->in_stmt && sc->depth == sc->stmt_depth && sc->n == idx && e - b == kl &&
            memcmp(t + b, key, kl) == 0)
            want = t + j;
    }
    sc->expect_key = false;
    return want;
}

/* The 1-based line and byte column of at in t. */
static void pol_line_col(const char *t, const char *at, int *line, int *col)
{
    int l = 1;
    const char *ls = t;
    for (const char *q = t; q < at; q++)
        if (*q == '\n') {
            l++;
            ls = q + 1;
        }
    *line = l;
    *col = (int)(at - ls) + 1;
}

/* Where (1-based line, byte column) the value of statement `idx`'s member `key` starts in
 * the document's text as sent (a valid JSON object: api_policy_check parsed it).  Only Statement's
 * members at the top are looked at; (0,0) when not found, or when the value is not a string.
 * For DDB-TABLE-356's text. */
static void stmt_member_pos(const char *t, size_t len, size_t idx, const char *key, int *line,
                            int *col)
{
    pol_scan sc = {.n = (size_t)-1};
    size_t kl = strlen(key);
    const char *want = NULL;
    *line = *col = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] != '"') {
            pol_scan_punct(&sc, t[i]);
            continue;
        }
        size_t b = i + 1;
        i = pol_str_end(t, len, b);
        if (want == t + b - 1) { /* the value we waited for */
            pol_line_col(t, want, line, col);
            return;
        }
        const char *w = sc.expect_key ? pol_scan_key(&sc, t, len, b, i, idx, key, kl) : NULL;
        if (w)
            want = w;
    }
}

/* Checks a policy document (text[0..len)) as DynamoDB does and writes its canonical form
 * into *out (arena).  ValidationException with the service's texts, or ERR_NOMEM. */
int api_policy_check(api_req *r, const char *text, size_t len, const char **out)
{
    if (len > POL_MAX_BYTES)
        return err_set(r->err, ERR_VALIDATION,
                       TXT_POL_TOO_BIG, POL_MAX_BYTES);
    json_t *doc = json_loadb(text, len, 0, NULL);
    json_t *canon = NULL, *stmts = NULL;
    int rc = 0;
    if (!json_is_object(doc)) {
        /* the JSON literal null: "This text appears not to be a policy" (ack-api-quirks
         * DDB-TABLE-457, policy_null; other scalars were not probed) */
        json_t *any = doc ? NULL : json_loadb(text, len, JSON_DECODE_ANY, NULL);
        rc = doc_err(r, json_is_null(any) ? TXT_POL_DOC_NOT_POLICY : TXT_POL_DOC_JSON);
        json_decref(any);
        goto done;
    }
    json_t *st = json_object_get(doc, "Statement");
    if (!st) {
        rc = doc_err(r, TXT_POL_DOC_MISSING "Statement");
        goto done;
    }
    if (json_is_object(st) || (json_is_array(st) && json_array_size(st) > 0)) {
        size_t n = json_is_array(st) ? json_array_size(st) : 1;
        stmts = json_array();
        if (!stmts) {
            rc = api_nomem(r);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_is_array(st) ? json_array_get(st, i) : st;
            if (!json_is_object(s)) {
                rc = doc_err(r, TXT_POL_DOC_JSON);
                goto done;
            }
            if (!json_object_get(s, "Effect")) {
                rc = doc_err(r, TXT_POL_DOC_MISSING "Effect");
                goto done;
            }
            if (!json_object_get(s, "Action") && !json_object_get(s, "NotAction")) {
                rc = doc_err(r, TXT_POL_DOC_MISSING "Action");
                goto done;
            }
            if (!json_object_get(s, "Resource") && !json_object_get(s, "NotResource")) {
                rc = doc_err(r, TXT_POL_DOC_MISSING "Resource");
                goto done;
            }
            /* IAM's grammar: a Principal is "*" or an object; AWS refuses a bare account-id
             * string with "Syntax error at position (1,94)" (DDB-TABLE-356).  The position
             * rule is inferred: (line, column) where that string starts in the text as sent,
             * which gives the capture's (1,94) for a minified document (README, inferred). */
            const char *const pk[] = {"Principal", "NotPrincipal"};
            for (int k = 0; k < 2; k++) {
                json_t *pv = json_object_get(s, pk[k]);
                if (json_is_string(pv) && strcmp(json_string_value(pv), "*") != 0) {
                    int ln, co;
                    stmt_member_pos(text, len, i, pk[k], &ln, &co);
                    rc = err_set(r->err, ERR_VALIDATION,
                                 TXT_POL_DOC_SYNTAX, ln, co);
                    goto done;
                }
            }
            json_t *sid = json_object_get(s, "Sid");
            for (size_t j = 0; sid && j < i; j++)
                if (json_equal(json_object_get(json_array_get(st, j), "Sid"), sid)) {
                    rc = doc_err(r, TXT_POL_DOC_SIDS);
                    goto done;
                }
            json_t *c = json_object();
            if (!c || put_ordered(c, s, st_order, fix_statement_member) ||
                json_array_append_new(stmts, c)) {
                json_decref(c);
                rc = api_nomem(r);
                goto done;
            }
        }
    } else {
        rc = doc_err(r, TXT_POL_DOC_EMPTY);
        goto done;
    }
    size_t i;
    json_t *s;
    json_array_foreach(stmts, i, s)
    {
        if (unbounded(s)) {
            rc = err_set(r->err, ERR_VALIDATION,
                         TXT_POL_UNBOUNDED);
            goto done;
        }
    }
    canon = json_object();
    json_t *top = json_deep_copy(doc);
    if (!canon || !top ||
        json_object_set(top, "Statement", json_is_array(st) ? stmts : json_array_get(stmts, 0)) ||
        put_ordered(canon, top, top_order, NULL)) {
        json_decref(top);
        rc = api_nomem(r);
        goto done;
    }
    json_decref(top);
    char *dump = ddbjson_dumps_whole(canon, JSON_COMPACT | JSON_PRESERVE_ORDER);
    *out = dump ? arena_strdup(r->arena, dump) : NULL;
    free(dump);
    if (!*out)
        rc = api_nomem(r);
done:
    json_decref(stmts);
    json_decref(canon);
    json_decref(doc);
    return rc;
}

int api_policy_doc(api_req *r, const char *member, const char **out)
{
    const char *text;
    size_t len;
    *out = NULL;
    int rc = api_json_strn(r->body, member, &text, &len, r->err);
    return rc || !text ? rc : api_policy_check(r, text, len, out);
}

int api_policy_attach(json_t *meta, const char *doc, int64_t ms)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, ms);
    return json_object_set_new(meta, "Policy", json_pack("{s:s,s:s}", "Doc", doc, "Rev", b));
}
