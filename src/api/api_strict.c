/*
 * api_strict — the strict deserialiser's refusals, for an operation whose model is strict
 * (api_schema.h strict: SearchVectors): an explicit null for a NOT_NULL or REQUIRED member,
 * then a missing REQUIRED member, at the line and column serde counts in the body as sent
 * (or, without the text, in the tree written compactly).  Layer: api (private).  Run by the
 * request walker (api_validate_request_in, api_walk.c) before the model's checks; calls
 * nothing of it.  api_serde_expect names a member's kind for op_search.c too.
 * Tests: tests/unit/api/test_api_strict.c, tests/e2e/test_vector_search.py.
 */
#include "api/api_strict.h"

#include <stdio.h>
#include <string.h>

#include "api/api_schema.h"
#include "value/jread.h"

/* The length of n written as compact JSON (what an SDK sends): the columns of a strict
 * deserialiser's errors.  Strings escaped as JSON.stringify does; a real by %.17g (its text
 * is not kept); past a depth of 64 the rest is not counted (a hostile body's column). */
static size_t compact_len(const api_jview *jv, const void *n, int depth)
{
    size_t len = 0, k;
    const char *p;
    char buf[40];
    switch (jv->kind(n)) {
    case API_JK_NULL:
        return 4;
    case API_JK_BOOL:
        return jv->boolean(n) ? 4 : 5;
    case API_JK_INTEGER:
        return (size_t)snprintf(buf, sizeof buf, "%lld", jv->integer(n));
    case API_JK_REAL:
        return (size_t)snprintf(buf, sizeof buf, "%.17g", jv->real(n));
    case API_JK_STRING:
        p = jv->str(n, &k);
        len = 2;
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)p[i];
            len += c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
                           c == '\t'
                       ? 2
                   : c < 0x20 ? 6
                              : 1;
        }
        return len;
    case API_JK_ARRAY:
        k = jv->size(n);
        len = 2 + (k ? k - 1 : 0);
        for (size_t i = 0; i < k && depth < 64; i++)
            len += compact_len(jv, jv->elem(n, i), depth + 1);
        return len;
    case API_JK_OBJECT:
        k = jv->size(n);
        len = 2 + (k ? k - 1 : 0);
        for (void *it = jv->iter(n); it && depth < 64; it = jv->iter_next(n, it)) {
            size_t kl;
            const char *key = jv->iter_key(it, &kl);
            (void)key;
            len += kl + 3 + compact_len(jv, jv->iter_value(it), depth + 1);
        }
        return len;
    }
    return len;
}

const char *api_serde_expect(const api_shape *s)
{
    api_stype t = s->type;
    return t == API_ST_INTEGER                     ? "i32"
           : t == API_ST_LIST                      ? "a sequence"
           : t == API_ST_MAP || t == API_ST_STRUCT ? "a map"
           : t == API_ST_BOOLEAN                   ? "a boolean"
                                                   : "a string";
}

/* A strict deserialiser's verdict (in->strict; conformance tier3 error-messages/searchVectors,
 * AWS 2026-10-09, both regions): the members in document order, an explicit null for a
 * NOT_NULL / REQUIRED member refused where it ends; then a missing REQUIRED member where the
 * object ends.  Before the model's own checks.  The position is the body's (text, n bytes: the
 * line and column serde counts in the text as sent, white space included, as
 * op_search_topk_type's); without the text, or one this walk cannot follow, the column of the
 * tree written compactly. */
static int strict_text_pass(const api_jview *jv, const void *req, const api_shape *in,
                            const char *text, size_t n, err_t *e);

int api_strict_pass(const api_jview *jv, const void *req, const api_shape *in,
                    const char *text, size_t text_len, err_t *e)
{
    bool any = false, missing = false;
    for (size_t i = 0; in->members[i].name; i++) {
        const api_member *m = &in->members[i];
        if (!(m->flags & (API_MF_NOT_NULL | API_MF_REQUIRED)))
            continue;
        const void *x = jv->member(req, m->name);
        any = any || (x && jv->kind(x) == API_JK_NULL);
        missing = missing || (!x && (m->flags & API_MF_REQUIRED));
    }
    if (!any && !missing)
        return 0;
    if (text) {
        int rc = strict_text_pass(jv, req, in, text, text_len, e);
        if (rc != 1)
            return rc;
    }
    size_t col = 1; /* '{' */
    size_t n = 0;
    for (void *it = jv->iter(req); it; it = jv->iter_next(req, it), n++) {
        size_t kl;
        const char *key = jv->iter_key(it, &kl);
        const void *x = jv->iter_value(it);
        col += (n ? 1 : 0) + kl + 3; /* ',' "key" ':' (escapes in a member name ignored) */
        if (jv->kind(x) == API_JK_NULL) {
            for (size_t i = 0; in->members[i].name; i++) {
                const api_member *m = &in->members[i];
                if (strlen(m->name) != kl || memcmp(m->name, key, kl) ||
                    !(m->flags & (API_MF_NOT_NULL | API_MF_REQUIRED)))
                    continue;
                return err_set(e, ERR_SERIALIZATION,
                               "invalid type: null, expected %s at line 1 column %zu",
                               api_serde_expect(m->shape), col + 4);
            }
        }
        col += compact_len(jv, x, 0);
    }
    col += 1; /* the closing brace */
    for (size_t i = 0; in->members[i].name; i++)
        if ((in->members[i].flags & API_MF_REQUIRED) && !jv->member(req, in->members[i].name))
            return err_set(e, ERR_VALIDATION, "missing field `%s` at line 1 column %zu",
                           in->members[i].name, col);
    return 0;
}

/* The line and column serde gives text offset `at` (the byte it has read up to). */
static void strict_text_at(const char *text, size_t at, size_t *line, size_t *col)
{
    size_t sol = 0;
    *line = 1;
    for (size_t j = 0; j < at; j++)
        if (text[j] == '\n') {
            ++*line;
            sol = j + 1;
        }
    *col = at - sol;
}

/* strict_pass over the body's text: the error, or 1 when the text is not an object this walk
 * follows or it found nothing to refuse (a member name written with escapes): the caller then
 * counts on the tree. */
static int strict_text_pass(const api_jview *jv, const void *req, const api_shape *in,
                            const char *text, size_t n, err_t *e)
{
    size_t line, col;
    size_t i = jread_ws(text, n, 0);
    if (i >= n || text[i] != '{')
        return 1;
    for (i = jread_ws(text, n, i + 1); i < n && text[i] == '"';) {
        size_t k0 = i + 1, k1 = i;
        if (!jread_skip(text, n, &k1))
            return 1;
        if (memchr(text + k0, '\\', k1 - 1 - k0)) /* a name with escapes: the tree pass */
            return 1;
        i = jread_ws(text, n, k1);
        if (i >= n || text[i] != ':')
            return 1;
        i = jread_ws(text, n, i + 1);
        size_t v1 = i;
        if (!jread_skip(text, n, &v1))
            return 1;
        if (v1 - i == 4 && memcmp(text + i, "null", 4) == 0) {
            size_t kl = k1 - 1 - k0;
            for (size_t m = 0; in->members[m].name; m++) {
                const api_member *d = &in->members[m];
                if (strlen(d->name) == kl && memcmp(d->name, text + k0, kl) == 0 &&
                    (d->flags & (API_MF_NOT_NULL | API_MF_REQUIRED))) {
                    strict_text_at(text, v1, &line, &col);
                    return err_set(e, ERR_SERIALIZATION,
                                   "invalid type: null, expected %s at line %zu column %zu",
                                   api_serde_expect(d->shape), line, col);
                }
            }
        }
        i = jread_ws(text, n, v1);
        if (i < n && text[i] == ',')
            i = jread_ws(text, n, i + 1);
        else
            break;
    }
    if (i >= n || text[i] != '}')
        return 1;
    strict_text_at(text, i + 1, &line, &col); /* a missing member: where the object ends */
    for (size_t m = 0; in->members[m].name; m++)
        if ((in->members[m].flags & API_MF_REQUIRED) && !jv->member(req, in->members[m].name))
            return err_set(e, ERR_VALIDATION, "missing field `%s` at line %zu column %zu",
                           in->members[m].name, line, col);
    return 1;
}
