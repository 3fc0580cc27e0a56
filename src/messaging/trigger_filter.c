/*
 * trigger_filter — Lambda's event filter patterns over stream records.  Layer: messaging.
 * See trigger_filter.h.
 */
#include "messaging/trigger_filter.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value/num.h"

typedef enum { TF_LT, TF_LE, TF_EQ, TF_GT, TF_GE } tf_op;

/* A "numeric" matcher's bounds, parsed once when its pattern is added (the matcher in pat[]
 * then holds the range's index in ranges[] in place of its list). */
typedef struct {
    size_t n; /* 1 or 2 */
    struct {
        tf_op op;
        num_t num;
    } b[2];
} tf_range;

struct msg_trigger_filter {
    json_t *pat[MSG_TRIGGER_FILTERS_MAX]; /* validated patterns (owned) */
    size_t n;
    tf_range *ranges; /* every pattern's "numeric" matchers (owned) */
    size_t nranges, cap;
};

msg_trigger_filter *msg_trigger_filter_new(void)
{
    return calloc(1, sizeof(msg_trigger_filter));
}

void msg_trigger_filter_free(msg_trigger_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        json_decref(f->pat[i]);
    free(f->ranges);
    free(f);
}

size_t msg_trigger_filter_count(const msg_trigger_filter *f)
{
    return f ? f->n : 0;
}

/* ---- validation ------------------------------------------------------------------------ */

/* A number's text (a JSON integer or real; else NULL) into out. */
static const char *tf_num_text(const json_t *v, char *out, size_t cap)
{
    if (json_is_integer(v))
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) { /* the shortest text that reads back as the pattern's number:
                                   * 0.1 is "0.1", not "0.10000000000000001" */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(out, cap, "%.*g", prec, json_real_value(v));
            if (strtod(out, NULL) == json_real_value(v))
                break;
        }
    } else
        return NULL;
    return out;
}

static bool tf_parse_num(const json_t *v, num_t *out)
{
    char text[64];
    const char *t = tf_num_text(v, text, sizeof text);
    return t && num_parse(t, strlen(t), out, NULL) == 0;
}

/* The comparison v names (< <= = > >=) into out. */
static bool tf_parse_op(const json_t *v, tf_op *out)
{
    static const char *const ops[] = {"<", "<=", "=", ">", ">="}; /* in tf_op's order */
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(s, ops[i]) == 0) {
            *out = (tf_op)i;
            return true;
        }
    return false;
}

/* Checks the matcher m of member `key`; a "numeric" one's bounds go to f->ranges, and its
 * list in m is replaced by their index there. */
static int tf_check_matcher(msg_trigger_filter *f, json_t *m, const char *key, err_t *e)
{
    if (json_is_string(m) || json_is_boolean(m) || json_is_null(m))
        return 0;
    num_t n;
    if (json_is_number(m))
        return tf_parse_num(m, &n) ? 0
                                   : err_set(e, ERR_VALIDATION,
                                             "filter: a number of \"%s\" is out of range", key);
    if (!json_is_object(m) || json_object_size(m) != 1)
        return err_set(e, ERR_VALIDATION,
                       "filter: a matcher of \"%s\" must be a value or an object of one member",
                       key);
    const char *op = json_object_iter_key(json_object_iter((json_t *)m));
    const json_t *arg = json_object_iter_value(json_object_iter((json_t *)m));
    if (!strcmp(op, "prefix") || !strcmp(op, "suffix") || !strcmp(op, "equals-ignore-case")) {
        if (!json_is_string(arg))
            return err_set(e, ERR_VALIDATION, "filter: \"%s\" of \"%s\" takes a string", op,
                           key);
        return 0;
    }
    if (!strcmp(op, "exists")) {
        if (!json_is_boolean(arg))
            return err_set(e, ERR_VALIDATION, "filter: \"exists\" of \"%s\" takes true or false",
                           key);
        return 0;
    }
    if (!strcmp(op, "anything-but")) {
        if (json_is_object(arg)) {
            if (json_object_size(arg) != 1 || !json_is_string(json_object_get(arg, "prefix")))
                return err_set(e, ERR_VALIDATION,
                               "filter: \"anything-but\" of \"%s\" takes a value, a list of "
                               "values or {\"prefix\": string}",
                               key);
            return 0;
        }
        if (json_is_array(arg) && json_array_size(arg) == 0)
            return err_set(e, ERR_VALIDATION, "filter: \"anything-but\" of \"%s\" is empty", key);
        size_t i;
        const json_t *x;
        json_t *one = json_is_array(arg) ? NULL : (json_t *)arg;
        for (i = 0; one ? i < 1 : i < json_array_size(arg); i++) {
            x = one ? one : json_array_get(arg, i);
            if (!json_is_string(x) && !(json_is_number(x) && tf_parse_num(x, &n)))
                return err_set(e, ERR_VALIDATION,
                               "filter: \"anything-but\" of \"%s\" takes strings or numbers", key);
        }
        return 0;
    }
    if (!strcmp(op, "numeric")) {
        size_t k = json_array_size(arg);
        tf_range r = {.n = k / 2};
        bool ok = json_is_array(arg) && (k == 2 || k == 4);
        for (size_t i = 0; ok && i < k; i += 2)
            ok = tf_parse_op(json_array_get(arg, i), &r.b[i / 2].op) &&
                 tf_parse_num(json_array_get(arg, i + 1), &r.b[i / 2].num);
        if (!ok)
            return err_set(e, ERR_VALIDATION,
                           "filter: \"numeric\" of \"%s\" takes [op, number] or [op, number, "
                           "op, number] (op: < <= = > >=)",
                           key);
        if (f->nranges == f->cap) {
            size_t cap = f->cap ? 2 * f->cap : 8;
            tf_range *g = realloc(f->ranges, cap * sizeof *g);
            if (!g)
                return err_set(e, ERR_NOMEM, "filter: out of memory");
            f->ranges = g;
            f->cap = cap;
        }
        if (json_object_set_new(m, "numeric", json_integer((json_int_t)f->nranges)))
            return err_set(e, ERR_NOMEM, "filter: out of memory");
        f->ranges[f->nranges++] = r;
        return 0;
    }
    return err_set(e, ERR_VALIDATION, "filter: unknown matcher \"%s\" of \"%s\"", op, key);
}

static int tf_check(msg_trigger_filter *f, const json_t *pat, int depth, err_t *e)
{
    if (!json_is_object(pat))
        return err_set(e, ERR_VALIDATION, "filter: a pattern must be a JSON object");
    if (depth > MSG_TRIGGER_FILTER_DEPTH_MAX)
        return err_set(e, ERR_VALIDATION, "filter: nested deeper than %d",
                       MSG_TRIGGER_FILTER_DEPTH_MAX);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)pat, key, v)
    {
        if (!strcmp(key, "$or")) {
            if (!json_is_array(v) || json_array_size(v) < 2)
                return err_set(e, ERR_VALIDATION,
                               "filter: \"$or\" takes a list of at least two patterns");
            size_t i;
            const json_t *p;
            json_array_foreach(v, i, p)
            {
                int rc = tf_check(f, p, depth + 1, e);
                if (rc)
                    return rc;
            }
        } else if (json_is_object(v)) {
            int rc = tf_check(f, v, depth + 1, e);
            if (rc)
                return rc;
        } else if (json_is_array(v)) {
            if (json_array_size(v) == 0)
                return err_set(e, ERR_VALIDATION, "filter: the list of \"%s\" is empty", key);
            size_t i;
            json_t *m;
            json_array_foreach(v, i, m)
            {
                int rc = tf_check_matcher(f, m, key, e);
                if (rc)
                    return rc;
            }
        } else
            return err_set(e, ERR_VALIDATION,
                           "filter: \"%s\" must be an object or a list of matchers", key);
    }
    return 0;
}

int msg_trigger_filter_add(msg_trigger_filter *f, const char *text, err_t *e)
{
    if (f->n == MSG_TRIGGER_FILTERS_MAX)
        return err_set(e, ERR_VALIDATION, "at most %d filters", MSG_TRIGGER_FILTERS_MAX);
    if (strlen(text) > MSG_TRIGGER_FILTER_LEN_MAX)
        return err_set(e, ERR_VALIDATION, "filter: longer than %d characters",
                       MSG_TRIGGER_FILTER_LEN_MAX);
    json_error_t je;
    json_t *p = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!p)
        return err_set(e, ERR_VALIDATION, "filter: not JSON: %s", je.text);
    size_t had = f->nranges;
    int rc = tf_check(f, p, 0, e);
    if (rc) {
        f->nranges = had; /* the refused pattern's ranges go with it */
        json_decref(p);
        return rc;
    }
    f->pat[f->n++] = p;
    return 0;
}

/* ---- matching -------------------------------------------------------------------------- */

/* The record's value v (under member `key`) as a number: a JSON number, or the text of a
 * DynamoDB "N" member. */
static bool tf_value_num(const json_t *v, const char *key, num_t *out)
{
    if (json_is_number(v))
        return tf_parse_num(v, out);
    if (json_is_string(v) && strcmp(key, "N") == 0)
        return num_parse(json_string_value(v), json_string_length(v), out, NULL) == 0;
    return false;
}

/* Is the record's value v equal to the literal x?  As Lambda's rule syntax says, numbers by
 * their string representation (300, 300.0 and 3.0e2 are not equal): a number literal equals
 * a JSON number of the same kind (integer or not) and value, never the text of an "N"
 * (["300"] is the form that matches {"N":"300"}; {"numeric":["=",300]} matches any N of 300). */
static bool tf_equal(const json_t *x, const json_t *v)
{
    if (json_is_number(x))
        return json_typeof(x) == json_typeof(v) && json_equal((json_t *)x, (json_t *)v);
    if (json_is_string(x))
        return json_is_string(v) && json_string_length(x) == json_string_length(v) &&
               memcmp(json_string_value(x), json_string_value(v), json_string_length(v)) == 0;
    return json_equal((json_t *)x, (json_t *)v); /* true, false, null */
}

static bool tf_prefix(const json_t *v, const char *p, bool suffix)
{
    if (!json_is_string(v))
        return false;
    size_t n = strlen(p), len = json_string_length(v);
    const char *s = json_string_value(v);
    return n <= len && memcmp(suffix ? s + len - n : s, p, n) == 0;
}

/* Does the record's value v satisfy the "numeric" range r? */
static bool tf_numeric(const tf_range *r, const json_t *v, const char *key)
{
    num_t x;
    if (!tf_value_num(v, key, &x))
        return false;
    for (size_t i = 0; i < r->n; i++) {
        int c = num_cmp(&x, &r->b[i].num);
        bool ok;
        switch (r->b[i].op) {
        case TF_LT:
            ok = c < 0;
            break;
        case TF_LE:
            ok = c <= 0;
            break;
        case TF_EQ:
            ok = c == 0;
            break;
        case TF_GT:
            ok = c > 0;
            break;
        default:
            ok = c >= 0;
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Does matcher m match the record's value v (present, not a list)? */
static bool tf_match_value(const msg_trigger_filter *f, const json_t *m, const json_t *v,
                           const char *key)
{
    if (json_is_object(v) || json_is_array(v))
        return false; /* not a leaf: Lambda matches leaves only ("anything-but" too) */
    if (!json_is_object(m))
        return tf_equal(m, v);
    const char *op = json_object_iter_key(json_object_iter((json_t *)m));
    const json_t *arg = json_object_iter_value(json_object_iter((json_t *)m));
    if (!strcmp(op, "prefix"))
        return tf_prefix(v, json_string_value(arg), false);
    if (!strcmp(op, "suffix"))
        return tf_prefix(v, json_string_value(arg), true);
    if (!strcmp(op, "equals-ignore-case"))
        return json_is_string(v) && json_string_length(v) == strlen(json_string_value(arg)) &&
               strncasecmp(json_string_value(v), json_string_value(arg),
                           json_string_length(v)) == 0;
    /* the index is ours, never the pattern's text: msg_trigger_filter_add stores a pattern
     * only once tf_check has passed every matcher of it, and tf_check_matcher replaces a
     * "numeric" list by the index of its range in ranges[] (a number or anything else there is
     * refused); a refused pattern's ranges are dropped with it (f->nranges = had), and a
     * stored one's are never removed, so each index in pat[] is below f->nranges */
    if (!strcmp(op, "numeric")) {
        assert(json_is_integer(arg) && (size_t)json_integer_value(arg) < f->nranges);
        return tf_numeric(&f->ranges[json_integer_value(arg)], v, key);
    }
    if (!strcmp(op, "anything-but")) {
        if (json_is_object(arg))
            return json_is_string(v) &&
                   !tf_prefix(v, json_string_value(json_object_get(arg, "prefix")), false);
        if (!json_is_array(arg))
            return !tf_equal(arg, v);
        size_t i;
        const json_t *x;
        json_array_foreach(arg, i, x)
        {
            if (tf_equal(x, v))
                return false;
        }
        return true;
    }
    return false; /* exists: handled by tf_match_leaf */
}

/* Whether the record's member v (NULL: absent) is a leaf, for "exists": a JSON primitive, or a
 * list holding one.  Lambda's rule syntax is EventBridge's, where exists "only works on leaf
 * nodes": {"pk":[{"exists":true}]} does not match a DynamoDB attribute {"S":"a"} (write
 * {"pk":{"S":[{"exists":true}]}}), and exists:false matches it (no leaf there). */
static bool tf_has_leaf(const json_t *v)
{
    if (!v || json_is_object(v))
        return false;
    if (!json_is_array(v))
        return true;
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_object(x) && !json_is_array(x))
            return true;
    }
    return false;
}

/* Does the list of matchers `ms` match the record's member `key` (v; NULL: absent)? */
static bool tf_match_leaf(const msg_trigger_filter *f, const json_t *ms, const json_t *v,
                          const char *key)
{
    size_t i;
    const json_t *m;
    json_array_foreach(ms, i, m)
    {
        const json_t *ex = json_is_object(m) ? json_object_get(m, "exists") : NULL;
        if (ex) {
            if (json_is_true(ex) == tf_has_leaf(v))
                return true;
            continue;
        }
        if (!v)
            continue;
        if (!json_is_array(v)) {
            if (tf_match_value(f, m, v, key))
                return true;
            continue;
        }
        size_t j;
        const json_t *x;
        json_array_foreach(v, j, x)
        {
            if (tf_match_value(f, m, x, key))
                return true;
        }
    }
    return false;
}

static bool tf_match(const msg_trigger_filter *f, const json_t *pat, const json_t *rec)
{
    const char *key;
    const json_t *p;
    json_object_foreach((json_t *)pat, key, p)
    {
        bool ok;
        if (!strcmp(key, "$or")) {
            ok = false;
            size_t i;
            const json_t *alt;
            json_array_foreach(p, i, alt)
            {
                if ((ok = tf_match(f, alt, rec)))
                    break;
            }
        } else {
            const json_t *v = json_is_object(rec) ? json_object_get(rec, key) : NULL;
            if (json_is_object(p))
                /* absent (NULL): every member absent, as tf_match reads it */
                ok = tf_match(f, p, v);
            else
                ok = tf_match_leaf(f, p, v, key);
        }
        if (!ok)
            return false;
    }
    return true;
}

bool msg_trigger_filter_match(const msg_trigger_filter *f, const json_t *record)
{
    if (!f || f->n == 0)
        return true;
    for (size_t i = 0; i < f->n; i++)
        if (tf_match(f, f->pat[i], record))
            return true;
    return false;
}
