/*
 * api_validate — request validation shared by every operation file.  Layer: api.
 * See api_validate.h for the message formats (DynamoDB Local's vs the real service's).
 */
#include "api/api_validate.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/api_text.h"

void api_vld_init(api_vld *v)
{
    v->n = 0;
}

void api_vld_add(api_vld *v, const char *fmt, ...)
{
    if (v->n < API_VLD_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->text[v->n], API_VLD_TEXT_MAX, fmt, ap);
        va_end(ap);
    }
    v->n++;
}

void api_vld_null(api_vld *v, const char *member)
{
    api_vld_add(v, "Value null at '%s' failed to satisfy constraint: Member must not be null",
                member);
}

/* DynamoDB quotes the offending value; a very long value is cut so the text fits. */
static const char *vld_val(const char *value)
{
    return value ? value : "null";
}

void api_vld_min_len(api_vld *v, const char *value, const char *member, size_t min)
{
    api_vld_add(v,
                "Value '%.200s' at '%s' failed to satisfy constraint: Member must have length "
                "greater than or equal to %zu",
                vld_val(value), member, min);
}

void api_vld_max_len(api_vld *v, const char *value, const char *member, size_t max)
{
    api_vld_add(v,
                "Value '%.200s' at '%s' failed to satisfy constraint: Member must have length "
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
                "Value '%.200s' at '%s' failed to satisfy constraint: Member must satisfy enum "
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
    return err_set(e, ERR_VALIDATION, "%s", v->text[0]);
}

int api_vld_finish_aws(const api_vld *v, err_t *e)
{
    if (v->n == 0)
        return 0;
    char msg[ERR_MSG_MAX];
    size_t kept = v->n < API_VLD_MAX ? v->n : API_VLD_MAX;
    int len =
        snprintf(msg, sizeof msg, "%zu validation error%s detected: ", v->n, v->n == 1 ? "" : "s");
    for (size_t i = 0; i < kept && len >= 0 && (size_t)len < sizeof msg; i++)
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s", i ? "; " : "", v->text[i]);
    return err_set(e, ERR_VALIDATION, "%s", msg);
}

/* ---- JSON members ------------------------------------------------------------------ */

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "Start of structure or map found where not expected";
    case JSON_ARRAY:
        return "Start of list found where not expected";
    case JSON_STRING:
        return "STRING_VALUE can not be converted to the expected type";
    case JSON_INTEGER:
    case JSON_REAL:
        return "NUMBER_VALUE can not be converted to the expected type";
    case JSON_TRUE:
    case JSON_FALSE:
        return "BOOLEAN_VALUE can not be converted to the expected type";
    default:
        return "Unexpected value";
    }
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
        return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
    *out = json_string_value(j);
    return 0;
}

int api_json_obj(json_t *obj, const char *key, json_t **out, err_t *e)
{
    json_t *j = member(obj, key);
    *out = NULL;
    if (!j)
        return 0;
    if (!json_is_object(j))
        return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
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
        return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
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
    if (json_is_integer(j)) {
        *out = (long long)json_integer_value(j);
    } else if (json_is_string(j)) {
        /* DynamoDB Local accepts a number sent as a JSON string ("5"). */
        const char *s = json_string_value(j);
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (!*s || !end || *end)
            return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
        *out = v;
    } else {
        return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
    }
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
        return err_set(e, ERR_SERIALIZATION, "%s", json_kind(j));
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
    if (n < 3 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
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
