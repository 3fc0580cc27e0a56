/*
 * api_validate — the validation helpers every operation file uses.  Layer: api.
 * The violation collector (api_vld_*: DynamoDB Local's first-violation form and the
 * service's "N validation errors detected: a; b"), the JSON members of the right type
 * (api_json_*), the name checks and the ResourceArn classifier (api_arn_parse).  The request
 * walker that checks every request against its model before the handler is api_walk.c.
 * See api_validate.h for the message formats (DynamoDB Local's vs the real service's).
 */
#include "api/api_validate.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/api_schema.h"
#include "api/api_text.h"
#include "base/mem.h"
#include "value/ddbjson.h"

void api_vld_init(api_vld *v)
{
    v->n = 0;
    v->bytes = 0;
}

void api_vld_add(api_vld *v, const char *fmt, ...)
{
    if (v->n < API_VLD_MAX) {
        va_list ap;
        va_start(ap, fmt);
        va_list again;
        va_copy(again, ap);
        int n = vsnprintf(v->text[v->n], API_VLD_TEXT_MAX, fmt, ap);
        va_end(ap);
        v->whole[v->n] = NULL;
        if (n >= API_VLD_TEXT_MAX) { /* kept whole beside (a long echo): AWS's are whole */
            char *t = mem_malloc((size_t)n + 1); /* a failure counts: the answer is a 500 */
            if (t)
                vsnprintf(t, (size_t)n + 1, fmt, again);
            v->whole[v->n] = t;
            /* the cut text ends on a whole character */
            v->text[v->n][err_utf8_whole(v->text[v->n], API_VLD_TEXT_MAX - 1)] = '\0';
        }
        va_end(again);
        v->bytes += n > 0 ? (size_t)n : 0;
    }
    v->n++;
}

void api_vld_add_text(api_vld *v, char *s, size_t len)
{
    if (v->n < API_VLD_MAX) {
        size_t k = len < API_VLD_TEXT_MAX ? len : err_utf8_whole(s, API_VLD_TEXT_MAX - 1);
        if (k)
            memcpy(v->text[v->n], s, k);
        v->text[v->n][k] = '\0';
        v->whole[v->n] = k < len ? s : NULL;
        v->bytes += len;
        if (k == len)
            free(s);
    } else {
        free(s);
    }
    v->n++;
}

/* Frees the whole texts api_vld_add_text kept. */
static void vld_free_whole(api_vld *v)
{
    size_t kept = v->n < API_VLD_MAX ? v->n : API_VLD_MAX;
    for (size_t i = 0; i < kept; i++) {
        free(v->whole[i]);
        v->whole[i] = NULL;
    }
}

void api_vld_null(api_vld *v, const char *member)
{
    api_vld_add(v, "Value null at '%s' failed to satisfy constraint: Member must not be null",
                member);
}

/* DynamoDB quotes the offending value, whole (api_vld_add keeps a long text whole). */
static const char *vld_val(const char *value)
{
    return value ? value : "null";
}

void api_vld_min_len(api_vld *v, const char *value, const char *member, size_t min)
{
    api_vld_add(v,
                "Value '%s' at '%s' failed to satisfy constraint: Member must have length "
                "greater than or equal to %zu",
                vld_val(value), member, min);
}

void api_vld_max_len(api_vld *v, const char *value, const char *member, size_t max)
{
    api_vld_add(v,
                "Value '%s' at '%s' failed to satisfy constraint: Member must have length "
                "less than or equal to %zu",
                vld_val(value), member, max);
}

void api_vld_min_val(api_vld *v, long long value, const char *member, long long min)
{
    api_vld_add(v,
                "Value '%lld' at '%s' failed to satisfy constraint: Member must have value "
                "greater than or equal to %lld",
                value, member, min);
}

void api_vld_max_val(api_vld *v, long long value, const char *member, long long max)
{
    api_vld_add(v,
                "Value '%lld' at '%s' failed to satisfy constraint: Member must have value "
                "less than or equal to %lld",
                value, member, max);
}

void api_vld_enum(api_vld *v, const char *value, const char *member, const char *set)
{
    api_vld_add(v,
                "Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum "
                "value set: [%s]",
                vld_val(value), member, set);
}

bool api_vld_ok(const api_vld *v)
{
    return v->n == 0;
}

int api_vld_finish(const api_vld *v, err_t *e)
{
    if (v->n == 0)
        return 0;
    api_vld *m = (api_vld *)v; /* its whole texts are freed here */
    const char *t = v->whole[0] ? v->whole[0] : v->text[0];
    int rc = err_set_text(e, ERR_VALIDATION, t, strlen(t));
    vld_free_whole(m);
    return rc;
}

int api_vld_finish_aws(const api_vld *v, err_t *e)
{
    if (v->n == 0)
        return 0;
    api_vld *m = (api_vld *)v; /* its whole texts are freed here */
    size_t kept = v->n < API_VLD_MAX ? v->n : API_VLD_MAX;
    char head[64];
    /* the count is of the violations listed: the service stops at ten and says "10 validation
     * errors detected" (dynalite's createTable tests, recorded against AWS: nine empty
     * indexes, 27 violations; test_tables test_create_table_ten_violations_at_most) */
    snprintf(head, sizeof head, "%zu validation error%s detected: ", kept, kept == 1 ? "" : "s");
    /* "<head>a; b; c", built up to what e keeps whole (err_room), then cut on a character */
    size_t total = strlen(head);
    for (size_t i = 0; i < kept; i++)
        total += (i ? 2 : 0) + strlen(v->whole[i] ? v->whole[i] : v->text[i]);
    size_t room = err_room(e), want = total < room ? total : room;
    char msg[ERR_MSG_MAX]; /* the usual short text: no allocation */
    char *out = want < sizeof msg ? msg : mem_malloc(want + 1);
    int rc;
    if (!out) { /* counted by mem_malloc: the answer becomes an InternalServerError */
        rc = err_set(e, ERR_VALIDATION, "%s", head);
    } else {
        size_t len = 0;
        for (size_t i = 0; i <= kept && len < want; i++) {
            const char *part = i == 0 ? head : v->whole[i - 1] ? v->whole[i - 1] : v->text[i - 1];
            size_t pl = strlen(part);
            if (i > 1) {
                size_t sl = want - len < 2 ? want - len : 2;
                memcpy(out + len, "; ", sl);
                len += sl;
            }
            if (pl > want - len)
                pl = want - len;
            memcpy(out + len, part, pl);
            len += pl;
        }
        if (total > want)
            len = err_utf8_whole(out, len);
        out[len] = '\0';
        rc = err_set_text(e, ERR_VALIDATION, out, len);
        if (out != msg)
            free(out);
    }
    vld_free_whole(m);
    return rc;
}

int api_vld_enveloped(err_t *e, int rc)
{
    if (rc != ERR_VALIDATION || !e || e->code != ERR_VALIDATION)
        return rc;
    const char *m = e->msg;
    size_t d = 0;
    while (m[d] >= '0' && m[d] <= '9')
        d++;
    if (d && strncmp(m + d, " validation error", 17) == 0)
        return rc;
    err_prefix(e, "1 validation error detected: "); /* the whole text too, cut to fit */
    return rc;
}

int api_vld_start_key(err_t *e, int rc)
{
    if (rc != ERR_VALIDATION || !e || e->code != ERR_VALIDATION ||
        !ddbjson_err_in_start_key(e->msg))
        return rc;
    static const char pre[] = "The provided starting key is invalid: ";
    size_t plen = sizeof pre - 1, mlen = err_msg_len(e); /* the texts are short: no cut */
    if (plen + mlen < sizeof e->msg) {
        memmove(e->msg + plen, e->msg, mlen + 1);
        memcpy(e->msg, pre, plen);
        e->len = plen + mlen; /* a U+0000 in the value's echo kept */
    }
    return rc;
}

/* ---- JSON members ------------------------------------------------------------------ */

/* The SerializationException of member `key` (node j) whose slot is of Java type `jt`
 * ("String", "Integer", "Boolean"), a list (jt "List") or a structure (jt NULL: its class is
 * the member's name without an "Override" suffix, as in AWS's model: TimeToLiveSpecification,
 * ProvisionedThroughputOverride -> ProvisionedThroughput).  AWS's texts, as the request
 * walker's type_error (below) gives them for the operations with a request model. */
static int json_mismatch(const json_t *j, const char *jt, const char *key, err_t *e)
{
    const char *tok = json_is_string(j)    ? "STRING_VALUE"
                      : json_is_integer(j) ? "NUMBER_VALUE"
                      : json_is_real(j)    ? "DECIMAL_VALUE"
                      : json_is_true(j)    ? "TRUE_VALUE"
                      : json_is_false(j)   ? "FALSE_VALUE"
                                           : NULL;
    if (json_is_object(j))
        return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
    if (json_is_array(j)) {
        if (jt)
            return err_set(e, ERR_SERIALIZATION, "Unrecognized collection type class java.lang.%s",
                           jt);
        size_t kl = strlen(key);
        if (kl > 8 && strcmp(key + kl - 8, "Override") == 0)
            kl -= 8;
        return err_set(e, ERR_SERIALIZATION,
                       "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.%.*s",
                       (int)kl, key);
    }
    if (!tok)
        return err_set(e, ERR_SERIALIZATION, "Unexpected value");
    if (!jt || strcmp(jt, "List") == 0)
        return err_set(e, ERR_SERIALIZATION, "Unexpected field type");
    if (strcmp(jt, "Boolean") == 0 && json_is_string(j))
        return err_set(e, ERR_SERIALIZATION, "Unexpected token received from parser");
    return err_set(e, ERR_SERIALIZATION, "%s cannot be converted to %s", tok, jt);
}

static json_t *member(json_t *obj, const char *key)
{
    json_t *j = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(j) ? NULL : j;
}

int api_json_str(json_t *obj, const char *key, const char **out, err_t *e)
{
    json_t *j = member(obj, key);
    *out = NULL;
    if (!j)
        return 0;
    if (!json_is_string(j))
        return json_mismatch(j, "String", key, e);
    *out = json_string_value(j);
    return 0;
}

int api_json_strn(json_t *obj, const char *key, const char **out, size_t *out_len, err_t *e)
{
    int rc = api_json_str(obj, key, out, e);
    *out_len = (rc == 0 && *out) ? json_string_length(member(obj, key)) : 0;
    return rc;
}

const char *api_nul_text(arena_t *a, const char *s, size_t len)
{
    size_t nul = 0;
    for (size_t i = 0; i < len; i++)
        nul += s[i] == 0;
    if (!nul)
        return s;
    char *o = arena_alloc(a, len + nul * 5 + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i]) {
            o[k++] = s[i];
        } else {
            memcpy(o + k, "\\u0000", 6);
            k += 6;
        }
    }
    o[k] = 0;
    return o;
}

int api_json_str_whole(json_t *obj, const char *key, arena_t *a, const char **out, err_t *e)
{
    size_t len;
    int rc = api_json_strn(obj, key, out, &len, e);
    if (rc || !*out)
        return rc;
    if (!(*out = api_nul_text(a, *out, len)))
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

int api_json_obj(json_t *obj, const char *key, json_t **out, err_t *e)
{
    json_t *j = member(obj, key);
    *out = NULL;
    if (!j)
        return 0;
    if (!json_is_object(j))
        return json_mismatch(j, NULL, key, e);
    *out = j;
    return 0;
}

int api_json_arr(json_t *obj, const char *key, json_t **out, err_t *e)
{
    json_t *j = member(obj, key);
    *out = NULL;
    if (!j)
        return 0;
    if (!json_is_array(j))
        return json_mismatch(j, "List", key, e);
    *out = j;
    return 0;
}

int api_json_int(json_t *obj, const char *key, bool *present, long long *out, err_t *e)
{
    json_t *j = member(obj, key);
    *present = false;
    *out = 0;
    if (!j)
        return 0;
    /* a number sent as a JSON string ("5"): AWS's SerializationException (DynamoDB Local
     * accepts it) */
    if (!json_is_integer(j))
        return json_mismatch(j, "Integer", key, e);
    *out = (long long)json_integer_value(j);
    *present = true;
    return 0;
}

int api_json_bool(json_t *obj, const char *key, bool *present, bool *out, err_t *e)
{
    json_t *j = member(obj, key);
    *present = false;
    *out = false;
    if (!j)
        return 0;
    if (!json_is_boolean(j))
        return json_mismatch(j, "Boolean", key, e);
    *present = true;
    *out = json_is_true(j);
    return 0;
}

/* ---- names ------------------------------------------------------------------------- */

bool api_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strlen(name);
    return n >= 3 && n <= 255 && api_name_chars(name, n);
}

int api_check_table_name(const char *name, err_t *e)
{
    if (!name) {
        api_vld v;
        api_vld_init(&v);
        api_vld_null(&v, "tableName");
        return api_vld_finish(&v, e);
    }
    if (!api_name_valid(name))
        return err_set(e, ERR_VALIDATION, "%s", TXT_INVALID_TABLE_NAME);
    return 0;
}

/* ---- ResourceArn ----------------------------------------------------------------------- */

static bool arn_field_is(const char *f, size_t fl, const char *want)
{
    return want && fl == strlen(want) && memcmp(f, want, fl) == 0;
}

/* s[0..n) is p and something after it (*out, *out_len) */
static bool arn_sub(const char *s, size_t n, const char *p, const char **out, size_t *out_len)
{
    size_t pl = strlen(p);
    if (n <= pl || memcmp(s, p, pl) != 0)
        return false;
    *out = s + pl;
    *out_len = n - pl;
    return true;
}

void api_arn_parse(const char *arn, size_t len, const char *region, const char *account,
                   api_arn *out)
{
    memset(out, 0, sizeof *out);
    out->cls = API_ARN_BARE;
    if (!arn || len < 4 || memcmp(arn, "arn:", 4) != 0)
        return;
    /* arn:partition:service:region:account:resource (f[0] the "arn"); the resource may hold
     * further ':' */
    const char *f[6];
    size_t fl[6];
    const char *s = arn, *end = arn + len;
    out->cls = API_ARN_BAD;
    for (int i = 0; i < 6; i++) {
        const char *c = i < 5 ? memchr(s, ':', (size_t)(end - s)) : end;
        if (!c)
            return;
        f[i] = s;
        fl[i] = (size_t)(c - s);
        s = c + 1;
    }
    if (!arn_field_is(f[1], fl[1], "aws") || !arn_field_is(f[2], fl[2], "dynamodb"))
        return;
    out->other_region = !arn_field_is(f[3], fl[3], region);
    out->other_account = !arn_field_is(f[4], fl[4], account);
    out->cls = API_ARN_OTHER;
    const char *res = f[5];
    size_t rl = fl[5];
    if (rl <= 6 || memcmp(res, "table/", 6) != 0)
        return;
    const char *name = res + 6, *slash = memchr(name, '/', rl - 6);
    size_t nl = slash ? (size_t)(slash - name) : rl - 6;
    if (nl == 0)
        return;
    out->name = name;
    out->name_len = nl;
    if (!slash) {
        out->cls = API_ARN_TABLE;
        return;
    }
    const char *sub = slash + 1, *v;
    size_t sl = (size_t)(res + rl - sub), vl;
    if (arn_sub(sub, sl, "stream/", &v, &vl) && !memchr(v, '/', vl))
        out->cls = API_ARN_STREAM;
    else if (arn_sub(sub, sl, "index/", &v, &vl) && !memchr(v, '/', vl))
        out->cls = API_ARN_INDEX;
    else if (arn_sub(sub, sl, "backup/", &v, &vl))
        out->cls = API_ARN_BACKUP;
    else
        return;
    out->sub = v;
    out->sub_len = vl;
}
