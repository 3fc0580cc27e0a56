/*
 * api_echo — the value a validation message quotes: a request value printed as the service
 * prints its Java objects (toString: "AttributeValue(s=a, n=null, ...)", "[a, b]", "{k=v}",
 * "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]", a structure's "Name(member=value, ...)"), or,
 * for an API_MF_ECHO_JSON member, as compact JSON in the request's member order; written into
 * a bounded text buffer (sbuf) that stops at a soft limit, cut on a whole UTF-8 character,
 * and still has room for the closers.  Layer: api (private).  The request walker's
 * (api_walk.c: its violations' values, paths and constraint lists are written into an sbuf);
 * reads the request through api_jview.h's view and calls nothing of the walk.  Only error
 * paths come here.  Tests: tests/unit/api/test_api_echo.c, and the violation texts of
 * tests/unit/api/test_api_validate.c and tests/e2e (test_differential.py, test_quotas.py).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
 */
#include "api/api_echo.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api_schema.h"
#include "base/err.h"
#include "base/mem.h"

#define SB_CLOSERS 48 /* room kept for closers: deeper than any modelled nesting */

sbuf api_sb_make(char *p, size_t cap)
{
    sbuf b = {p, 0, cap, cap > SB_CLOSERS ? cap - SB_CLOSERS : cap, false, false, cap};
    if (cap)
        p[0] = 0;
    return b;
}

/* A buffer on the heap of at most cap bytes (NUL included), grown as it fills: the texts
 * that may echo a request's values whole (violation_text).  Its p is the caller's to free
 * (NULL when even the first block could not be had: cut, empty, the failure counted). */
sbuf api_sb_heap(size_t cap)
{
    sbuf b = {NULL, 0, cap, cap > SB_CLOSERS ? cap - SB_CLOSERS : cap, false, true, 0};
    size_t first = cap < 256 ? cap : 256;
    if ((b.p = mem_malloc(first)) != NULL) {
        b.alloc = first;
        b.p[0] = 0;
    } else {
        b.cap = b.soft = 0;
        b.cut = true;
    }
    return b;
}

/* Room for need more bytes (and the NUL) in a heap buffer: grown by doubling up to cap.
 * False when it cannot grow (the failure counted by mem_realloc). */
static bool sb_grow(sbuf *b, size_t need)
{
    if (b->len + need + 1 <= b->alloc)
        return true;
    size_t want = b->alloc * 2;
    if (want < b->len + need + 1)
        want = b->len + need + 1;
    if (want > b->cap)
        want = b->cap;
    char *q = mem_realloc(b->p, want);
    if (!q)
        return false;
    b->p = q;
    b->alloc = want;
    return true;
}

static void sb_put_to(sbuf *b, const char *s, size_t n, size_t limit)
{
    if (b->cap == 0 || b->len + 1 >= limit) {
        if (n)
            b->cut = true;
        return;
    }
    size_t room = limit - 1 - b->len;
    if (n > room) {
        n = err_utf8_whole(s, room); /* on a whole UTF-8 character */
        b->cut = true;
    }
    if (b->heap && !sb_grow(b, n)) {
        size_t fit = b->alloc - 1 - b->len;
        n = n > fit ? err_utf8_whole(s, fit) : n;
        b->cut = true;
        b->cap = b->soft = b->alloc; /* full: nothing more goes in */
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void api_sb_put(sbuf *b, const char *s, size_t n)
{
    sb_put_to(b, s, n, b->soft);
}

/* A closing bracket (or the "..." of a cut container): written past the soft limit. */
static void sb_close(sbuf *b, const char *s)
{
    sb_put_to(b, s, strlen(s), b->cap);
}

void api_sb_str(sbuf *b, const char *s)
{
    api_sb_put(b, s, strlen(s));
}

void api_sb_fmt(sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        api_sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Whether a container echo should stop adding elements. */
static bool sb_full(const sbuf *b)
{
    return b->cut || b->len + 8 >= b->soft;
}

/* A name with its first letter lower-cased ("TableName" -> "tableName"), the service's
 * member spelling in paths and echoes. */
void api_sb_lower_first(sbuf *b, const char *name)
{
    if (!name[0])
        return;
    char c = name[0];
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    api_sb_put(b, &c, 1);
    api_sb_str(b, name + 1);
}

/* Raw string bytes; a NUL is shown as the six characters \u0000 (a C string cannot hold
 * it; the service echoes the character itself). */
void api_sb_raw(sbuf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 0) {
            api_sb_put(b, s + start, i - start);
            api_sb_str(b, "\\u0000");
            start = i + 1;
        }
    }
    api_sb_put(b, s + start, len - start);
}

/* ---- value echoes (the service prints its Java objects' toString) ---- */


static void echo_blob(const api_jview *jv, const void *n, sbuf *b)
{
    size_t len = 0;
    const char *s = jv->kind(n) == API_JK_STRING ? jv->str(n, &len) : "";
    size_t pad = 0;
    while (pad < 2 && len > pad && s[len - 1 - pad] == '=')
        pad++;
    size_t bytes = len / 4 * 3 - (len % 4 == 0 ? pad : 0);
    api_sb_fmt(b, "java.nio.HeapByteBuffer[pos=0 lim=%zu cap=%zu]", bytes, bytes);
}

static void echo_av(const api_jview *jv, const void *n, sbuf *b);
static void echo_json_str(sbuf *b, const char *s, size_t len);

/* What a container echo's elements are: values of shape sh (echo), AttributeValues, B values,
 * SS / NS texts (anything but a string: nothing), or JSON (echo_json: the container is then
 * compact JSON too). */
typedef enum echo_el { EL_SHAPE, EL_AV, EL_BLOB, EL_TEXT, EL_JSON } echo_el;

static void echo_element(const api_jview *jv, echo_el el, const api_shape *sh, const void *n,
                         sbuf *b)
{
    switch (el) {
    case EL_SHAPE:
        api_echo(jv, sh, n, b);
        return;
    case EL_AV:
        echo_av(jv, n, b);
        return;
    case EL_BLOB:
        echo_blob(jv, n, b);
        return;
    case EL_JSON:
        api_echo_json(jv, n, b);
        return;
    case EL_TEXT:
        if (jv->kind(n) == API_JK_STRING) {
            size_t len;
            const char *s = jv->str(n, &len);
            api_sb_raw(b, s, len);
        }
        return;
    }
}

/* The one container walk of every echo: "[e1, e2]" and "{k1=v1, k2=v2}" (the service's Java
 * toString: raw keys), or for EL_JSON "[e1,e2]" and {"k1":v1,"k2":v2}.  A buffer near full
 * ends the container with "..." and its closer.  A node of another kind: an empty one. */
static void echo_array(const api_jview *jv, const void *n, echo_el el, const api_shape *sh, sbuf *b)
{
    api_sb_str(b, "[");
    size_t cnt = jv->kind(n) == API_JK_ARRAY ? jv->size(n) : 0;
    for (size_t i = 0; i < cnt; i++) {
        if (sb_full(b)) {
            sb_close(b, "...");
            break;
        }
        if (i)
            api_sb_str(b, el == EL_JSON ? "," : ", ");
        echo_element(jv, el, sh, jv->elem(n, i), b);
    }
    sb_close(b, "]");
}

static void echo_object(const api_jview *jv, const void *n, echo_el el, const api_shape *sh,
                        sbuf *b)
{
    bool json = el == EL_JSON, first = true;
    api_sb_str(b, "{");
    for (void *it = jv->kind(n) == API_JK_OBJECT ? jv->iter(n) : NULL; it;
         it = jv->iter_next(n, it)) {
        if (sb_full(b)) {
            sb_close(b, "...");
            break;
        }
        size_t kl;
        const char *key = jv->iter_key(it, &kl);
        if (!first)
            api_sb_str(b, json ? "," : ", ");
        first = false;
        if (json)
            echo_json_str(b, key, kl);
        else
            api_sb_raw(b, key, kl);
        api_sb_str(b, json ? ":" : "=");
        echo_element(jv, el, sh, jv->iter_value(it), b);
    }
    sb_close(b, "}");
}

static void echo_av(const api_jview *jv, const void *n, sbuf *b)
{
    static const struct {
        const char *json, *field;
    } f[] = {{"S", "s"},   {"N", "n"},   {"B", "b"}, {"SS", "sS"},     {"NS", "nS"},
             {"BS", "bS"}, {"M", "m"},   {"L", "l"}, {"NULL", "nULL"}, {"BOOL", "bOOL"}};
    api_sb_str(b, "AttributeValue(");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (i)
            api_sb_str(b, ", ");
        api_sb_str(b, f[i].field);
        api_sb_str(b, "=");
        const void *v = jv->kind(n) == API_JK_OBJECT ? api_jv_present(jv, n, f[i].json) : NULL;
        if (!v) {
            api_sb_str(b, "null");
            continue;
        }
        api_jkind k = jv->kind(v);
        if (i == 2) {
            echo_blob(jv, v, b);
        } else if (k == API_JK_STRING) {
            size_t len;
            const char *s = jv->str(v, &len);
            api_sb_raw(b, s, len);
        } else if (k == API_JK_BOOL) {
            api_sb_str(b, jv->boolean(v) ? "true" : "false");
        } else if (k == API_JK_ARRAY) {
            echo_array(jv, v, i == 5 ? EL_BLOB : i == 7 ? EL_AV : EL_TEXT, NULL, b);
        } else if (k == API_JK_OBJECT) {
            echo_object(jv, v, EL_AV, NULL, b);
        } else {
            api_sb_str(b, "null");
        }
    }
    sb_close(b, ")");
}

/* A JSON string's text with the escapes JSON requires ('"', '\\', control characters). */
static void echo_json_str(sbuf *b, const char *s, size_t len)
{
    api_sb_str(b, "\"");
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        api_sb_put(b, s + start, i - start);
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            api_sb_put(b, esc, 2);
        } else if (c == '\n') {
            api_sb_str(b, "\\n");
        } else if (c == '\t') {
            api_sb_str(b, "\\t");
        } else if (c == '\r') {
            api_sb_str(b, "\\r");
        } else {
            api_sb_fmt(b, "\\u%04x", c);
        }
        start = i + 1;
    }
    api_sb_put(b, s + start, len - start);
    api_sb_str(b, "\"");
}

/* A node as compact JSON in the request's member order: the echo of an API_MF_ECHO_JSON
 * member ('{"bad!name":{"Keys":[{"pk":{"S":"a"}}]}}'). */
void api_echo_json(const api_jview *jv, const void *n, sbuf *b)
{
    switch (n ? jv->kind(n) : API_JK_NULL) {
    case API_JK_STRING: {
        size_t len;
        const char *s = jv->str(n, &len);
        echo_json_str(b, s, len);
        return;
    }
    case API_JK_INTEGER:
        api_sb_fmt(b, "%lld", jv->integer(n));
        return;
    case API_JK_REAL:
        api_sb_fmt(b, "%.17g", jv->real(n));
        return;
    case API_JK_BOOL:
        api_sb_str(b, jv->boolean(n) ? "true" : "false");
        return;
    case API_JK_ARRAY:
        echo_array(jv, n, EL_JSON, NULL, b);
        return;
    case API_JK_OBJECT:
        echo_object(jv, n, EL_JSON, NULL, b);
        return;
    default:
        api_sb_str(b, "null");
        return;
    }
}

void api_echo(const api_jview *jv, const api_shape *sh, const void *n, sbuf *b)
{
    if (!n || jv->kind(n) == API_JK_NULL) {
        api_sb_str(b, "null");
        return;
    }
    switch (sh->type) {
    case API_ST_STRING: {
        size_t len = 0;
        const char *s = jv->kind(n) == API_JK_STRING ? jv->str(n, &len) : "";
        api_sb_raw(b, s, len);
        return;
    }
    case API_ST_INTEGER:
        if (jv->kind(n) == API_JK_INTEGER)
            api_sb_fmt(b, "%lld", jv->integer(n));
        else if (jv->kind(n) == API_JK_REAL && api_jv_real_fits_ll(jv->real(n)))
            api_sb_fmt(b, "%lld", (long long)jv->real(n));
        else if (jv->kind(n) == API_JK_REAL)
            api_sb_fmt(b, "%.17g", jv->real(n));
        else if (jv->kind(n) == API_JK_STRING) {
            size_t len;
            const char *s = jv->str(n, &len);
            api_sb_raw(b, s, len);
        }
        return;
    case API_ST_BOOLEAN:
        api_sb_str(b, jv->kind(n) == API_JK_BOOL && jv->boolean(n) ? "true" : "false");
        return;
    case API_ST_BLOB:
        echo_blob(jv, n, b);
        return;
    case API_ST_ATTRVAL:
        echo_av(jv, n, b);
        return;
    case API_ST_LIST:
        echo_array(jv, n, EL_SHAPE, sh->elem, b);
        return;
    case API_ST_MAP:
        echo_object(jv, n, EL_SHAPE, sh->elem, b);
        return;
    case API_ST_STRUCT:
        api_sb_str(b, sh->name);
        api_sb_str(b, "(");
        for (size_t i = 0; sh->members && sh->members[i].name; i++) {
            if (sb_full(b)) {
                sb_close(b, "...");
                break;
            }
            if (i)
                api_sb_str(b, ", ");
            api_sb_lower_first(b, sh->members[i].name);
            api_sb_str(b, "=");
            const void *x =
                jv->kind(n) == API_JK_OBJECT ? api_jv_present(jv, n, sh->members[i].name) : NULL;
            api_echo(jv, sh->members[i].shape, x, b);
        }
        sb_close(b, ")");
        return;
    }
}
