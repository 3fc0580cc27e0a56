/*
 * api_jview — a request's JSON tree behind one read-only view: jansson's tree or our
 * reader's (value/jread.h).  Layer: api (private).  See api_jview.c.
 */
#ifndef DDB_API_API_JVIEW_H
#define DDB_API_API_JVIEW_H

#include <stdbool.h>
#include <stddef.h>

/* The request walker (api_validate_request) and the legacy parameters (api_legacy.c) read the
 * request through this small read-only view, so that another request representation (an
 * arena JSON tree) can be validated by the same code: implement the view, pass it to
 * api_validate_request.  Node pointers are opaque; NULL means absent. */

typedef enum api_jkind {
    API_JK_NULL = 0,
    API_JK_STRING,
    API_JK_INTEGER,
    API_JK_REAL,
    API_JK_BOOL,
    API_JK_ARRAY,
    API_JK_OBJECT,
} api_jkind;

typedef struct api_jview {
    api_jkind (*kind)(const void *n);
    /* obj[key] (key NUL-terminated, no NUL inside) or NULL */
    const void *(*member)(const void *obj, const char *key);
    size_t (*size)(const void *n); /* elements of an array, members of an object */
    const void *(*elem)(const void *arr, size_t i);
    /* members of an object in document order: it = iter(obj), then iter_next(obj, it) */
    void *(*iter)(const void *obj);
    void *(*iter_next)(const void *obj, void *it);
    const char *(*iter_key)(void *it, size_t *len);
    const void *(*iter_value)(void *it);
    const char *(*str)(const void *n, size_t *len); /* a string's bytes (may hold NUL) */
    long long (*integer)(const void *n);          /* an integer's value */
    double (*real)(const void *n);
    bool (*boolean)(const void *n);
    /* Find the request's top-level members, and a nested structure's, by a member() lookup
     * per name and pass, as before the one-pass match of its keys, and visit every member in
     * each loop, as before the shape's masks (tests compare the two: the same verdicts). */
    bool lookup_only;
} api_jview;

/* The view over a jansson tree (json_t *). */
extern const api_jview api_jview_jansson;
/* The view over our reader's tree (const jread_val *, value/jread.h): the same verdicts and
 * texts as api_jview_jansson over the tree jread_to_jansson builds from it
 * (tests/unit/api/test_api_walk.c compares them over the api fuzz corpus). */
extern const api_jview api_jview_jread;

/* obj[key] when it is there and not JSON null, else NULL (a request's member as the
 * service's deserialiser sees it: a null member is an absent one). */
static inline const void *api_jv_present(const api_jview *jv, const void *obj, const char *key)
{
    const void *n = jv->member(obj, key);
    return (n && jv->kind(n) != API_JK_NULL) ? n : NULL;
}

/* Whether real d converts to a long long (C17 6.3.1.4: outside the range the cast is undefined;
 * review11 F6). */
static inline bool api_jv_real_fits_ll(double d)
{
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0; /* false for NaN too */
}

#endif
