/*
 * api_jview — a request's JSON tree behind one small read-only view (api_jview.h), for
 * jansson's tree and for our reader's (value/jread.h), so that the request walker
 * (api_validate_request) and the legacy parameters' texts (api_legacy.c) read either the same
 * way.  Layer: api (private).
 *
 * Both views answer alike for one text: the same kinds (jread classifies numbers as jansson
 * does), members in document order, strings with their length (a NUL inside kept).
 * tests/unit/api/test_api_walk.c compares the walker's verdicts over the two.
 */
#include "api/api_jview.h"

#include <jansson.h>
#include <string.h>

#include "value/jread.h"

/* ---- the jansson view ---- */

static api_jkind jj_kind(const void *n)
{
    switch (json_typeof((const json_t *)n)) {
    case JSON_OBJECT:
        return API_JK_OBJECT;
    case JSON_ARRAY:
        return API_JK_ARRAY;
    case JSON_STRING:
        return API_JK_STRING;
    case JSON_INTEGER:
        return API_JK_INTEGER;
    case JSON_REAL:
        return API_JK_REAL;
    case JSON_TRUE:
    case JSON_FALSE:
        return API_JK_BOOL;
    default:
        return API_JK_NULL;
    }
}

static const void *jj_member(const void *obj, const char *key)
{
    return json_object_get((const json_t *)obj, key);
}

static size_t jj_size(const void *n)
{
    const json_t *j = n;
    return json_is_array(j) ? json_array_size(j) : json_is_object(j) ? json_object_size(j) : 0;
}

static const void *jj_elem(const void *arr, size_t i)
{
    return json_array_get((const json_t *)arr, i);
}

static void *jj_iter(const void *obj)
{
    return json_object_iter((json_t *)obj);
}

static void *jj_iter_next(const void *obj, void *it)
{
    return json_object_iter_next((json_t *)obj, it);
}

static const char *jj_iter_key(void *it, size_t *len)
{
    *len = json_object_iter_key_len(it);
    return json_object_iter_key(it);
}

static const void *jj_iter_value(void *it)
{
    return json_object_iter_value(it);
}

static const char *jj_str(const void *n, size_t *len)
{
    *len = json_string_length((const json_t *)n);
    return json_string_value((const json_t *)n);
}

static long long jj_integer(const void *n)
{
    return (long long)json_integer_value((const json_t *)n);
}

static double jj_real(const void *n)
{
    return json_real_value((const json_t *)n);
}

static bool jj_boolean(const void *n)
{
    return json_is_true((const json_t *)n);
}

const api_jview api_jview_jansson = {
    .kind = jj_kind,
    .member = jj_member,
    .size = jj_size,
    .elem = jj_elem,
    .iter = jj_iter,
    .iter_next = jj_iter_next,
    .iter_key = jj_iter_key,
    .iter_value = jj_iter_value,
    .str = jj_str,
    .integer = jj_integer,
    .real = jj_real,
    .boolean = jj_boolean,
};

/* ---- the jread view (value/jread.h): the same walk over our reader's arena tree ---- */

static api_jkind jr_kind(const void *n)
{
    switch (((const jread_val *)n)->type) {
    case JREAD_OBJECT:
        return API_JK_OBJECT;
    case JREAD_ARRAY:
        return API_JK_ARRAY;
    case JREAD_STRING:
        return API_JK_STRING;
    case JREAD_INTEGER:
        return API_JK_INTEGER;
    case JREAD_REAL:
        return API_JK_REAL;
    case JREAD_TRUE:
    case JREAD_FALSE:
        return API_JK_BOOL;
    default:
        return API_JK_NULL;
    }
}

static const void *jr_member(const void *obj, const char *key)
{
    return jread_get(obj, key, strlen(key));
}

static size_t jr_size(const void *n)
{
    const jread_val *v = n;
    return v->type == JREAD_ARRAY || v->type == JREAD_OBJECT ? v->n : 0;
}

static const void *jr_elem(const void *arr, size_t i)
{
    return jread_at(arr, i);
}

static void *jr_iter(const void *obj)
{
    const jread_val *v = obj;
    return v->type == JREAD_OBJECT ? v->child : NULL;
}

static void *jr_iter_next(const void *obj, void *it)
{
    (void)obj;
    return ((jread_val *)it)->next;
}

static const char *jr_iter_key(void *it, size_t *len)
{
    *len = ((const jread_val *)it)->key_len;
    return ((const jread_val *)it)->key;
}

static const void *jr_iter_value(void *it)
{
    return it;
}

static const char *jr_str(const void *n, size_t *len)
{
    *len = ((const jread_val *)n)->len;
    return ((const jread_val *)n)->text;
}

static long long jr_integer(const void *n)
{
    return ((const jread_val *)n)->num.i;
}

static double jr_real(const void *n)
{
    return ((const jread_val *)n)->num.d;
}

static bool jr_boolean(const void *n)
{
    return ((const jread_val *)n)->type == JREAD_TRUE;
}

const api_jview api_jview_jread = {
    .kind = jr_kind,
    .member = jr_member,
    .size = jr_size,
    .elem = jr_elem,
    .iter = jr_iter,
    .iter_next = jr_iter_next,
    .iter_key = jr_iter_key,
    .iter_value = jr_iter_value,
    .str = jr_str,
    .integer = jr_integer,
    .real = jr_real,
    .boolean = jr_boolean,
};
