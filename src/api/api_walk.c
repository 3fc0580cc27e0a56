/*
 * api_walk — the request walker: every request of an operation with a model (api_schema.c)
 * is checked against it here before its handler runs.  Layer: api (private).
 *
 * Two passes over the request and its model: first the JSON types of every modelled member
 * (the service deserialises before it validates: a wrong type anywhere is a
 * SerializationException, with AWS's texts), then the constraints, collected as violations
 * (api_validate.h's api_vld) in the service's words and order, the offending values echoed
 * as the service prints its Java objects (api_echo.c).  AttributeValues are not descended into
 * (value/ddbjson checks them), so the walk costs a handful of member look-ups per request
 * for the item operations; their insides are walked by type only when validation failed
 * (av_types).  The request is read through api_jview.h's view: jansson's tree or our
 * reader's, the same verdicts either way.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
 */
#include "api/api_walk.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "api/api_echo.h"
#include "api/api_schema.h"
#include "api/api_strict.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "base/mem.h"
#include "value/ddbjson.h"
#include "value/jread.h"

#define WALK_DEPTH 24

typedef struct seg {
    char kind;        /* 'm' member, 'i' list position, 'k' map key */
    const char *name; /* member name or map key */
    size_t len;
    size_t index;     /* list position, 1-based */
} seg;

#define WALK_TOP_MAX 64 /* top-level members looked up once (more: one lookup each time) */

typedef struct walk {
    const api_jview *jv;
    api_vld *v;
    err_t *e;
    /* the request's top-level members, found in one pass over its keys: top_v[i] is the
     * request's value for top_m[i] (NULL when absent or null); top_m NULL: no such cache */
    const void *top;
    const api_member *top_m;
    size_t top_n;
    const void *top_v[WALK_TOP_MAX];
    uint64_t present; /* with top_m: bit i set when top_v[i] is */
    bool types_only;
    bool av_deep; /* types_only: the AttributeValues' insides too (av_types) */
    int rc; /* ERR_SERIALIZATION once a type error was recorded */
    seg segs[WALK_DEPTH];
    size_t nseg, depth;
    const void *json_node; /* the value of an API_MF_ECHO_JSON member: echoed as JSON */
    bool keys_last;        /* walking an API_MF_KEYS_LAST member */
    bool anon;             /* walking an API_MF_ANON member: pathless violations */
    bool late_set;               /* walking it found a key violation: */
    char *late;                  /* its text (heap; NULL: not had), added when nothing else */
    size_t late_len;             /* was (violation_text) */
} walk;

static const void *present(const walk *w, const void *obj, const char *key)
{
    return api_jv_present(w->jv, obj, key);
}

/* present(w, obj, m->name), from the top-level cache when obj is the request. */
static const void *present_m(const walk *w, const void *obj, const api_member *m)
{
    if (w->top_m && obj == w->top && m >= w->top_m && m < w->top_m + w->top_n)
        return w->top_v[m - w->top_m]; /* a JSON null left out already */
    return present(w, obj, m->name);
}

/* Fills the top-level cache: each key of the request matched against the operation's members
 * (a few keys against a few dozen names instead of a hash lookup per name and pass).  A key
 * is a member's when its bytes are the name's (a key holding a NUL matches none, as with
 * jv->member). */
/* The lengths of a shape's top-level member names, kept per thread for the shapes it met last
 * (a few slots by the shape's address; every shape is static): top_cache looks a key up among
 * the members of its length (by_len) instead of comparing it with every member's length and
 * first byte (Query's 30 members: ~90 instructions a key, ~15 now). */
#define TOP_MEMO 16
#define TOP_NAME_MAX 64 /* a longer member name: no memo (none is) */
typedef struct top_memo {
    const api_shape *in; /* NULL: empty */
    size_t n;
    uint64_t by_len[TOP_NAME_MAX]; /* bit i: member i's name is this long */
    /* bit i: member i has the flag(s) (validate_in_'s loops visit the members by these) */
    uint64_t required, first, alone, not_null;
} top_memo;
static _Thread_local top_memo top_memos[TOP_MEMO];

/* in's member count and members by name length, or NULL when it has more than WALK_TOP_MAX
 * members or a name of TOP_NAME_MAX bytes or more (none has). */
static const top_memo *top_lens(const api_shape *in)
{
    top_memo *m = &top_memos[((uintptr_t)in >> 4) % TOP_MEMO];
    if (m->in == in)
        return m;
    m->in = NULL; /* refilled below, or left empty */
    m->required = m->first = m->alone = m->not_null = 0;
    memset(m->by_len, 0, sizeof m->by_len);
    size_t n = 0;
    for (; in->members[n].name; n++) {
        size_t l = n < WALK_TOP_MAX ? strlen(in->members[n].name) : TOP_NAME_MAX;
        if (l >= TOP_NAME_MAX)
            return NULL;
        m->by_len[l] |= (uint64_t)1 << n;
        unsigned f = in->members[n].flags;
        uint64_t bit = (uint64_t)1 << n;
        m->required |= f & (API_MF_REQUIRED | API_MF_REQUIRED_MAP) ? bit : 0;
        m->first |= f & API_MF_FIRST ? bit : 0;
        m->alone |= f & API_MF_ALONE ? bit : 0;
        m->not_null |= f & API_MF_NOT_NULL ? bit : 0;
    }
    m->n = n;
    m->in = in;
    return m;
}

static void top_cache(walk *w, const api_shape *in, const top_memo *tm, const void *req)
{
    if (!tm)
        return;
    size_t n = tm->n;
    for (size_t i = 0; i < n; i++)
        w->top_v[i] = NULL;
    const api_jview *jv = w->jv;
    for (void *it = jv->iter(req); it; it = jv->iter_next(req, it)) {
        size_t kl;
        const char *k = jv->iter_key(it, &kl);
        /* the members of the key's length, in order (the first whose bytes are the key's) */
        for (uint64_t b = kl && kl < TOP_NAME_MAX ? tm->by_len[kl] : 0; b; b &= b - 1) {
            size_t i = (size_t)__builtin_ctzll(b);
            const char *name = in->members[i].name;
            if (name[0] == k[0] && memcmp(name, k, kl) == 0) {
                const void *x = jv->iter_value(it);
                w->top_v[i] = (x && jv->kind(x) != API_JK_NULL) ? x : NULL; /* as present() */
                if (w->top_v[i]) /* a repeated key: the last one's, as top_v[i] */
                    w->present |= (uint64_t)1 << i;
                else
                    w->present &= ~((uint64_t)1 << i);
                break;
            }
        }
    }
    w->top = req;
    w->top_m = in->members;
    w->top_n = n;
}

/* ---- violations ---- */

static void path_render(const walk *w, bool bare, sbuf *b)
{
    for (size_t i = 0; i < w->nseg; i++) {
        const seg *s = &w->segs[i];
        if (s->kind == 'm') {
            if (i)
                api_sb_str(b, ".");
            if (bare)
                api_sb_str(b, s->name);
            else
                api_sb_lower_first(b, s->name);
        } else if (s->kind == 'i') {
            api_sb_fmt(b, ".%zu.member", s->index);
        } else {
            api_sb_str(b, ".");
            api_sb_raw(b, s->name, s->len);
            api_sb_str(b, ".member");
        }
    }
}

/* The longest text of one violation, NUL included: a value is echoed whole (AWS does) up to
 * what the error record keeps whole (err_room: with the reply's err_whole attached, about the
 * request's size) less what the violations before took, at least API_VLD_TEXT_MAX (without
 * an err_whole: that, as the record would cut it). */
static size_t violation_cap(const walk *w)
{
    size_t room = err_room(w->e);
    if (room < ERR_MSG_MAX)
        return API_VLD_TEXT_MAX; /* no err_whole: cut as the record cuts */
    /* what the earlier violations took is not there any more: the joined text is cut at room
     * (api_vld_finish_aws), so ten echoes of a large request never take ten times its size */
    room = room > w->v->bytes ? room - w->v->bytes : 0;
    return room >= API_VLD_TEXT_MAX ? room + 1 : API_VLD_TEXT_MAX;
}

/* "Value '<echo>' at '<path>' failed to satisfy constraint: <constraint>" (bare: "Value at
 * '<Path>' ..."; a NULL node: "Value null at ..."), on the heap (mem_malloc'ed, the caller's
 * to free; NULL when it could not be had, the failure counted), its length in *out_len. */
static char *violation_text(walk *w, bool bare, const api_shape *sh, const void *n,
                            const char *constraint, size_t *out_len)
{
    char pbuf[512];
    sbuf p = api_sb_make(pbuf, sizeof pbuf);
    path_render(w, bare, &p);
    size_t cap = violation_cap(w);
    size_t fixed = strlen("Value '' at '' failed to satisfy constraint: ") + p.len +
                   strlen(constraint) + 1;
    size_t room = fixed + 32 < cap ? cap - fixed : 32;
    sbuf ev = {0};
    if (!bare && n) { /* the echo, sized to leave room for the rest */
        ev = api_sb_heap(room);
        if (n == w->json_node)
            api_echo_json(w->jv, n, &ev);
        else
            api_echo(w->jv, sh, n, &ev);
    }
    sbuf t = api_sb_heap(cap);
    t.soft = t.cap; /* no closers here: the whole entry is cut at its size */
    api_sb_str(&t, bare ? "Value at '" : !n ? "Value null at '" : "Value '");
    if (!bare && n) {
        if (ev.p)
            api_sb_put(&t, ev.p, ev.len);
        api_sb_str(&t, "' at '");
    }
    api_sb_put(&t, pbuf, p.len);
    api_sb_str(&t, "' failed to satisfy constraint: ");
    api_sb_str(&t, constraint);
    free(ev.p);
    *out_len = t.len;
    return t.p;
}

static void violation(walk *w, bool bare, const api_shape *sh, const void *n,
                      const char *constraint)
{
    if (w->anon) {
        api_vld_add(w->v, "Failed to satisfy constraint: %s", constraint);
        return;
    }
    size_t len;
    char *text = violation_text(w, bare, sh, n, constraint, &len);
    api_vld_add_text(w->v, text, len);
}

/* An enum's members as the service lists them: "A, B, C". */
static void enum_list(const api_shape *sh, sbuf *b)
{
    if (sh->enum_text) {
        api_sb_str(b, sh->enum_text);
        return;
    }
    for (size_t i = 0; sh->enums[i]; i++)
        api_sb_fmt(b, "%s%s", i ? ", " : "", sh->enums[i]);
}

/* The constraint texts of one shape, in the order the service lists them inside "Map
 * value must satisfy constraint: [...]". */
static void constraint_list(const api_shape *sh, sbuf *b)
{
    const char *unit = sh->type == API_ST_INTEGER ? "value" : "length";
    bool any = false;
    if (sh->max != API_NOLIM) {
        api_sb_fmt(b, "Member must have %s less than or equal to %lld", unit, (long long)sh->max);
        any = true;
    }
    if (sh->min != API_NOLIM) {
        api_sb_fmt(b, "%sMember must have %s greater than or equal to %lld", any ? ", " : "", unit,
               (long long)sh->min);
        any = true;
    }
    if (sh->pattern) {
        api_sb_fmt(b, "%sMember must satisfy regular expression pattern: ", any ? ", " : "");
        api_sb_str(b, sh->pattern->text);
        any = true;
    }
    if (sh->enums) {
        api_sb_str(b, any ? ", " : "");
        api_sb_str(b, "Member must satisfy enum value set: [");
        enum_list(sh, b);
        api_sb_str(b, "]");
    }
}

static size_t node_len(const walk *w, const void *n)
{
    size_t len = 0;
    switch (w->jv->kind(n)) {
    case API_JK_STRING:
        w->jv->str(n, &len);
        return len;
    case API_JK_ARRAY:
    case API_JK_OBJECT:
        return w->jv->size(n);
    default:
        return 0;
    }
}

/* The length a model's constraint sees in the string s of n UTF-8 bytes: characters, not
 * bytes, counted as UTF-16 code units (a character beyond U+FFFF is two).  AWS's constraints
 * count characters (the Developer Guide's tag limits: "128 Unicode characters"; dynalite, whose
 * texts were checked against AWS, counts JavaScript string lengths, i.e. UTF-16 units, as a
 * Java String does); no AWS capture with characters beyond U+FFFF is known.  Units never
 * exceed bytes and are at least a third of them, so the count runs only when the byte length
 * could be out of [min, max]. */
size_t api_utf16_units(const char *s, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        u += (c & 0xC0) != 0x80; /* a character's first byte */
        u += c >= 0xF0;          /* beyond U+FFFF: a surrogate pair */
    }
    return u;
}

static size_t str_units(const api_shape *sh, const char *s, size_t n)
{
    bool maybe_long = sh->max != API_NOLIM && (int64_t)n > sh->max;
    bool maybe_short = sh->min != API_NOLIM && (int64_t)n < 3 * sh->min;
    if (!maybe_long && !maybe_short)
        return n;
    return api_utf16_units(s, n);
}

static bool node_int(const walk *w, const void *n, long long *out)
{
    const api_jview *jv = w->jv;
    switch (jv->kind(n)) {
    case API_JK_INTEGER:
        *out = jv->integer(n);
        return true;
    case API_JK_REAL:
        /* a real beyond a long has no value to check here: the handler answers its
         * SerializationException (DECIMAL_VALUE cannot be converted), as for any real */
        if (!api_jv_real_fits_ll(jv->real(n)))
            return false;
        *out = (long long)jv->real(n);
        return true;
    case API_JK_STRING: {
        /* a number sent as a JSON string ("5"): accepted as the SDKs' deserialiser does */
        size_t len;
        const char *s = jv->str(n, &len);
        char tmp[32];
        if (len == 0 || len >= sizeof tmp || memchr(s, 0, len))
            return false;
        memcpy(tmp, s, len);
        tmp[len] = 0;
        char *end = NULL;
        long long v = strtoll(tmp, &end, 10);
        if (!end || *end)
            return false;
        *out = v;
        return true;
    }
    default:
        return false;
    }
}

/* Whether node n is a table's ARN where sh takes one (api_shape.arn_ok): *len its length.
 * Only the characters an ARN of a table can hold (a partition, a region, an account, the
 * table's name: letters, digits and ":/_.-"); any other (a NUL, a blank) is a name that breaks
 * the pattern, as before ARNs were taken: "<table ARN>\u0000junk" must not reach a lookup
 * that measures the name up to its NUL (final21 F4: DeleteTable deleted the table). */
static bool arn_chars(const char *s, size_t len)
{
    if (len < 4 || memcmp(s, "arn:", 4) != 0)
        return false;
    for (size_t i = 4; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != ':' && c != '/' && c != '_' && c != '.' && c != '-')
            return false;
    }
    return true;
}

static bool arn_value(const walk *w, const api_shape *sh, const void *n, size_t *len)
{
    if (!sh->arn_ok || w->jv->kind(n) != API_JK_STRING)
        return false;
    const char *s = w->jv->str(n, len);
    return arn_chars(s, *len);
}

/* Whether node n satisfies shape sh's own constraints (not its children's). */
static bool shape_ok(const walk *w, const api_shape *sh, const void *n)
{
    size_t alen;
    if (sh->arn_ok && arn_value(w, sh, n, &alen))
        return alen <= API_TABLE_ARN_MAX;
    if (sh->type == API_ST_INTEGER) {
        long long v = 0;
        if (!node_int(w, n, &v))
            return true;
        return !((sh->min != API_NOLIM && v < sh->min) || (sh->max != API_NOLIM && v > sh->max));
    }
    size_t len = node_len(w, n);
    if (sh->pattern && w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        if (!sh->pattern->match(s, len))
            return false;
    }
    size_t units = len;
    if (w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        units = str_units(sh, s, len);
    }
    if ((sh->min != API_NOLIM && (int64_t)units < sh->min) ||
        (sh->max != API_NOLIM && (int64_t)units > sh->max))
        return false;
    if (sh->enums && w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        for (size_t i = 0; sh->enums[i]; i++)
            if (strlen(sh->enums[i]) == len && memcmp(sh->enums[i], s, len) == 0)
                return true;
        return false;
    }
    return true;
}

/* The constraints of node n itself, one violation each, in the service's order. */
static void check_node(walk *w, bool bare, const api_shape *sh, const void *n)
{
    char c[512];
    size_t alen;
    if (sh->arn_ok && arn_value(w, sh, n, &alen)) {
        if (alen > API_TABLE_ARN_MAX) {
            snprintf(c, sizeof c, "Member must have length less than or equal to %d",
                     API_TABLE_ARN_MAX);
            violation(w, bare, sh, n, c);
        }
        return;
    }
    if (sh->type == API_ST_INTEGER) {
        long long v = 0;
        if (!node_int(w, n, &v))
            return;
        if (sh->min != API_NOLIM && v < sh->min) {
            snprintf(c, sizeof c, "Member must have value greater than or equal to %lld",
                     (long long)sh->min);
            violation(w, bare, sh, n, c);
        }
        if (sh->max != API_NOLIM && v > sh->max) {
            snprintf(c, sizeof c, "Member must have value less than or equal to %lld",
                     (long long)sh->max);
            violation(w, bare, sh, n, c);
        }
        return;
    }
    size_t len = node_len(w, n);
    if (sh->pattern && w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        if (!sh->pattern->match(s, len)) {
            snprintf(c, sizeof c, "Member must satisfy regular expression pattern: %s",
                     sh->pattern->text);
            violation(w, bare, sh, n, c);
        }
    }
    size_t units = len;
    if (w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        units = str_units(sh, s, len);
    }
    if (sh->min != API_NOLIM && (int64_t)units < sh->min) {
        snprintf(c, sizeof c, "Member must have length greater than or equal to %lld",
                 (long long)sh->min);
        violation(w, bare, sh, n, c);
    }
    if (sh->max != API_NOLIM && (int64_t)units > sh->max) {
        snprintf(c, sizeof c, "Member must have length less than or equal to %lld",
                 (long long)sh->max);
        violation(w, bare, sh, n, c);
    }
    if (sh->enums && w->jv->kind(n) == API_JK_STRING) {
        const char *s = w->jv->str(n, &len);
        bool found = false;
        for (size_t i = 0; sh->enums[i] && !found; i++)
            found = strlen(sh->enums[i]) == len && memcmp(sh->enums[i], s, len) == 0;
        if (!found) {
            sbuf b = api_sb_make(c, sizeof c);
            api_sb_str(&b, "Member must satisfy enum value set: [");
            enum_list(sh, &b);
            api_sb_str(&b, "]");
            violation(w, bare, sh, n, c);
        }
    }
}

static bool has_constraints(const api_shape *sh)
{
    return sh->min != API_NOLIM || sh->max != API_NOLIM || sh->pattern || sh->enums;
}

/* Whether pass 2 must look inside a container of elements of shape `el`. */
static bool descend(const api_shape *el)
{
    return el->type == API_ST_STRUCT || el->type == API_ST_LIST || el->type == API_ST_MAP;
}

static void push(walk *w, char kind, const char *name, size_t len, size_t index)
{
    if (w->depth++ < WALK_DEPTH) {
        w->segs[w->nseg] = (seg){kind, name, len, index};
        w->nseg++;
    }
}

static void pop(walk *w)
{
    if (w->depth-- <= WALK_DEPTH)
        w->nseg--;
}

/* The JSON kind a shape wants; a mismatch is a SerializationException (type_error). */
static bool kind_ok(const walk *w, const api_shape *sh, const void *n)
{
    api_jkind k = w->jv->kind(n);
    switch (sh->type) {
    case API_ST_STRING:
    case API_ST_BLOB:
        return k == API_JK_STRING;
    case API_ST_INTEGER:
        /* a number sent as a JSON string ("5") is AWS's SerializationException (STRING_VALUE
         * cannot be converted to Integer); DynamoDB Local accepts it */
        return k == API_JK_INTEGER || k == API_JK_REAL;
    case API_ST_BOOLEAN:
        return k == API_JK_BOOL;
    case API_ST_LIST:
        return k == API_JK_ARRAY;
    case API_ST_MAP:
    case API_ST_STRUCT:
        return k == API_JK_OBJECT;
    case API_ST_ATTRVAL:
        return true; /* value/ddbjson reports a malformed AttributeValue */
    }
    return true;
}

/* ---- a JSON token of the wrong kind: AWS's SerializationException texts -------------
 * The service's deserialiser names the token it read and the Java type of the slot.  Texts
 * per slot (facts from dynalite's test helper assertType, checked against AWS, and Dynoxide's
 * mapping, which agree):
 *   String / Integer / Long / Boolean given a scalar: "<TOKEN> cannot be converted to <T>"
 *     (TRUE_VALUE, FALSE_VALUE, NUMBER_VALUE, DECIMAL_VALUE, STRING_VALUE); a Boolean given
 *     a string: "Unexpected token received from parser"; a Blob given a non-string: "only
 *     base-64-encoded strings are convertible to bytes";
 *   any slot but a map or structure given an object: "Start of structure or map found where
 *     not expected"; a scalar slot, a structure given an array: "Unrecognized collection type
 *     class <java class>"; a map given an array: "Unrecognized collection type
 *     java.util.Map<java.lang.String, <value class>>";
 *   a list, map or structure that is a request member given a scalar: "Unexpected field
 *     type"; a structure that is a list element or map value: "Unexpected value type in
 *     payload"; a list or map that is a list element or map value: the service's cast
 *     failure (TXT_PARAM_CAST). */
#define TXT_PARAM_CAST                                                                        \
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to "   \
    "class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl "   \
    "and java.lang.Class are in module java.base of loader 'bootstrap')"
#define TXT_SHAPE_PKG "com.amazonaws.dynamodb.v20120810."

/* the Java type the service deserialises shape sh into */
static void java_type(sbuf *b, const api_shape *sh, int depth)
{
    switch (sh->type) {
    case API_ST_STRING:
        api_sb_str(b, "java.lang.String");
        return;
    case API_ST_INTEGER:
        /* timestamps are read as Double (dynalite: RestoreDateTime "... to an Double") */
        api_sb_str(b, strcmp(sh->name, "Long") == 0                                     ? "java.lang.Long"
                      : strcmp(sh->name, "Double") == 0 || strcmp(sh->name, "Date") == 0 ? "java.lang.Double"
                                                                                          : "java.lang.Integer");
        return;
    case API_ST_BOOLEAN:
        api_sb_str(b, "java.lang.Boolean");
        return;
    case API_ST_BLOB:
        api_sb_str(b, "java.nio.ByteBuffer");
        return;
    case API_ST_LIST:
        api_sb_str(b, "java.util.List<");
        if (depth < 4)
            java_type(b, sh->elem, depth + 1);
        api_sb_str(b, ">");
        return;
    case API_ST_MAP:
        api_sb_str(b, "java.util.Map<java.lang.String, ");
        if (depth < 4)
            java_type(b, sh->elem, depth + 1);
        api_sb_str(b, ">");
        return;
    case API_ST_STRUCT:
    case API_ST_ATTRVAL:
        api_sb_str(b, TXT_SHAPE_PKG);
        api_sb_str(b, sh->name);
        return;
    }
}

/* The SerializationException of node n (kind k) in a slot of shape sh; `nested`: the slot
 * is a list element or a map value, not a structure's member. */
static int type_error(walk *w, const api_shape *sh, const void *n, bool nested)
{
    const api_jview *jv = w->jv;
    api_jkind k = jv->kind(n);
    const char *tok = k == API_JK_STRING    ? "STRING_VALUE"
                      : k == API_JK_INTEGER ? "NUMBER_VALUE"
                      : k == API_JK_REAL    ? "DECIMAL_VALUE"
                      : k == API_JK_BOOL    ? (jv->boolean(n) ? "TRUE_VALUE" : "FALSE_VALUE")
                                            : NULL;
    char jt[256];
    sbuf b = api_sb_make(jt, sizeof jt);
    java_type(&b, sh, 0);
    if (k == API_JK_OBJECT)
        return err_set(w->e, ERR_SERIALIZATION,
                       "Start of structure or map found where not expected");
    if (k == API_JK_ARRAY)
        return err_set(w->e, ERR_SERIALIZATION, "Unrecognized collection type %s%s",
                       sh->type == API_ST_MAP ? "" : "class ", jt);
    if (!tok) /* JSON null is never a mismatch: the slot is absent */
        return err_set(w->e, ERR_SERIALIZATION, "Unexpected value");
    switch (sh->type) {
    case API_ST_BOOLEAN:
        if (k == API_JK_STRING)
            return err_set(w->e, ERR_SERIALIZATION, "Unexpected token received from parser");
        /* fall through */
    case API_ST_STRING:
    case API_ST_INTEGER:
        return err_set(w->e, ERR_SERIALIZATION, "%s cannot be converted to %s", tok,
                       jt + sizeof "java.lang." - 1);
    case API_ST_BLOB:
        return err_set(w->e, ERR_SERIALIZATION,
                       "only base-64-encoded strings are convertible to bytes");
    case API_ST_LIST:
    case API_ST_MAP:
        return err_set(w->e, ERR_SERIALIZATION, "%s",
                       nested ? TXT_PARAM_CAST : "Unexpected field type");
    case API_ST_STRUCT:
    case API_ST_ATTRVAL:
        return err_set(w->e, ERR_SERIALIZATION, "%s",
                       nested ? "Unexpected value type in payload" : "Unexpected field type");
    }
    return err_set(w->e, ERR_SERIALIZATION, "Unexpected value");
}

static void walk_node(walk *w, const api_member *m, const api_shape *sh, const void *n);

/* walk_member with the member's value n already found (present_m's answer). */
static void walk_member_n(walk *w, const api_member *m, const void *n)
{
    if (w->rc)
        return;
    /* an absent member that may be absent: nothing to check, no path to name */
    if (!n && (w->types_only || !(m->flags & API_MF_NOT_NULL)))
        return;
    push(w, 'm', m->name, strlen(m->name), 0);
    if (!n) {
        violation(w, (m->flags & API_MF_BARE) != 0, m->shape, NULL, "Member must not be null");
    } else {
        const void *json_node = w->json_node;
        bool keys_last = w->keys_last, anon = w->anon;
        if (m->flags & API_MF_ECHO_JSON)
            w->json_node = n;
        w->keys_last = (m->flags & API_MF_KEYS_LAST) != 0;
        w->anon = (m->flags & API_MF_ANON) != 0;
        walk_node(w, m, m->shape, n);
        w->json_node = json_node;
        w->keys_last = keys_last;
        w->anon = anon;
    }
    pop(w);
}

static void walk_member(walk *w, const api_member *m, const void *obj)
{
    if (w->rc)
        return;
    walk_member_n(w, m, present_m(w, obj, m));
}

/* A nested structure's members found in one pass over its object's keys, as top_cache does
 * for the request's: each key compared with the members' names by length first (the lengths
 * kept per thread for the shapes met last, a few slots by the shape's address; every shape
 * is static), instead of a look-up (a strlen and a walk of the object's keys) per member and
 * pass.  A TransactWriteItems of 6 actions looked up 6 x (4 + ~6) members in each of the two
 * passes (~8k instructions); now one pass over each object's 1-4 keys (-3.6k a C+D). */
#define STRUCT_MEMO 32
#define STRUCT_MEMO_MEMBERS 32 /* a shape with more members: looked up per member */
typedef struct struct_memo {
    const api_shape *sh; /* NULL: empty */
    size_t n;
    uint8_t len[STRUCT_MEMO_MEMBERS]; /* member i's name length (names < 256 bytes) */
} struct_memo;
static _Thread_local struct_memo struct_memos[STRUCT_MEMO];

static const struct_memo *struct_lens(const api_shape *sh)
{
    struct_memo *m =
        &struct_memos[((uintptr_t)sh * UINT64_C(0x9E3779B97F4A7C15)) >> 59 & (STRUCT_MEMO - 1)];
    if (m->sh == sh)
        return m;
    m->sh = NULL; /* refilled below, or left empty */
    size_t n = 0;
    for (; sh->members[n].name; n++) {
        size_t l = n < STRUCT_MEMO_MEMBERS ? strlen(sh->members[n].name) : 256; /* 32 bits */
        if (l > 255)
            return NULL;
        m->len[n] = (uint8_t)l;
    }
    m->n = n;
    m->sh = sh;
    return m;
}

/* The index of the member of sm's shape sh named k (kl bytes), or -1.  A key is a member's
 * when its bytes are the name's (a key holding a NUL matches none, as with jv->member). */
static inline int struct_find(const api_shape *sh, const struct_memo *sm, const char *k,
                              size_t kl)
{
    for (size_t i = 0; i < sm->n; i++) {
        const char *name = sh->members[i].name;
        if (sm->len[i] == kl && name[0] == k[0] && memcmp(name, k, kl) == 0)
            return (int)i;
    }
    return -1;
}

/* The members of struct sh in object obj: bit i of the answer set when member i is there,
 * vals[i] then its value, as present(w, obj, sh->members[i].name) (a JSON null is absent;
 * the other vals[i] are not written).  Keys are unique (both readers fold repeated ones), so
 * no member is matched twice.  Our reader's tree walked directly (no view call per key). */
static uint32_t struct_vals(const walk *w, const api_shape *sh, const struct_memo *sm,
                            const void *obj, const void **vals)
{
    const api_jview *jv = w->jv;
    uint32_t got = 0;
    if (jv == &api_jview_jread) {
        for (const jread_val *c = ((const jread_val *)obj)->child; c; c = c->next) {
            int i = c->key_len ? struct_find(sh, sm, c->key, c->key_len) : -1;
            if (i >= 0 && c->type != JREAD_NULL) {
                vals[i] = c;
                got |= (uint32_t)1 << i;
            }
        }
        return got;
    }
    for (void *it = jv->iter(obj); it; it = jv->iter_next(obj, it)) {
        size_t kl;
        const char *k = jv->iter_key(it, &kl);
        int i = kl ? struct_find(sh, sm, k, kl) : -1;
        const void *x = i >= 0 ? jv->iter_value(it) : NULL;
        if (x && jv->kind(x) != API_JK_NULL) {
            vals[i] = x;
            got |= (uint32_t)1 << i;
        }
    }
    return got;
}

/* ---- the insides of an AttributeValue, by type only (av_types) ----------------------
 * The service deserialises the whole request before it validates any of it, so a member of
 * an AttributeValue holding the wrong JSON token (an "S" of true, a list "L" element that is
 * a number, a "B" not base64) is its SerializationException even when the request also
 * breaks a constraint (no TableName): dynalite's AWS-recorded serialization tests, which send
 * exactly that; Dynoxide deserialises the request whole first too.  value/ddbjson reads the
 * insides after validation, with the same texts; this walk runs only when validation failed
 * (validate_in), so a request that passes never pays for it. */
static const api_shape av_str_shape = {.name = "String", .type = API_ST_STRING};
static const api_shape av_blob_shape = {.name = "Blob", .type = API_ST_BLOB};
static const api_shape av_bool_shape = {.name = "Boolean", .type = API_ST_BOOLEAN};
static const api_shape av_shape = {.name = "AttributeValue", .type = API_ST_ATTRVAL};
static const api_shape av_strs_shape = {.name = "List", .type = API_ST_LIST,
                                        .elem = &av_str_shape};
static const api_shape av_blobs_shape = {.name = "List", .type = API_ST_LIST,
                                         .elem = &av_blob_shape};
static const api_shape av_list_shape = {.name = "List", .type = API_ST_LIST, .elem = &av_shape};
static const api_shape av_map_shape = {.name = "Map", .type = API_ST_MAP, .elem = &av_shape};

#define AV_TYPES_DEPTH 128 /* past it the insides are ddbjson's (its nesting limit is lower) */

/* a blob's text: padded base64 of whole quanta (ddbjson's check, its texts) */
static int av_b64(walk *w, const void *n)
{
    size_t len;
    const char *t = w->jv->str(n, &len);
    return ddbjson_b64_check(t, len, w->e);
}

static void av_types(walk *w, const void *av, int depth);

/* one member x of an AttributeValue, of shape sh (a scalar, a set, L or M) */
static void av_member(walk *w, const api_shape *sh, const void *x, int depth)
{
    const api_jview *jv = w->jv;
    if (!kind_ok(w, sh, x)) {
        w->rc = type_error(w, sh, x, false);
        return;
    }
    if (sh->type == API_ST_BLOB) {
        w->rc = av_b64(w, x);
        return;
    }
    if (sh->type != API_ST_LIST && sh->type != API_ST_MAP)
        return;
    const api_shape *el = sh->elem;
    bool map = sh->type == API_ST_MAP;
    void *it = map ? jv->iter(x) : NULL;
    size_t cnt = map ? 0 : jv->size(x);
    for (size_t i = 0; !w->rc && (map ? it != NULL : i < cnt); i++) {
        const void *y = map ? jv->iter_value(it) : jv->elem(x, i);
        if (map)
            it = jv->iter_next(x, it);
        if (!y || jv->kind(y) == API_JK_NULL)
            continue;
        if (el->type == API_ST_ATTRVAL) {
            if (jv->kind(y) != API_JK_OBJECT)
                w->rc = type_error(w, el, y, true);
            else if (depth < AV_TYPES_DEPTH)
                av_types(w, y, depth + 1);
        } else if (!kind_ok(w, el, y)) {
            w->rc = type_error(w, el, y, true);
        } else if (el->type == API_ST_BLOB) {
            w->rc = av_b64(w, y);
        }
    }
}

/* the members of AttributeValue object av, in document order (unknown keys are ignored, as
 * the service's deserialiser ignores them) */
static void av_types(walk *w, const void *av, int depth)
{
    const api_jview *jv = w->jv;
    for (void *it = jv->iter(av); it && !w->rc; it = jv->iter_next(av, it)) {
        size_t kl;
        const char *k = jv->iter_key(it, &kl);
        const void *x = jv->iter_value(it);
        if (!x || jv->kind(x) == API_JK_NULL)
            continue;
        const api_shape *sh = NULL;
        if (kl == 1)
            sh = k[0] == 'S' || k[0] == 'N' ? &av_str_shape
                 : k[0] == 'B'              ? &av_blob_shape
                 : k[0] == 'L'              ? &av_list_shape
                 : k[0] == 'M'              ? &av_map_shape
                                            : NULL;
        else if (kl == 2 && k[1] == 'S')
            sh = k[0] == 'S' || k[0] == 'N' ? &av_strs_shape
                 : k[0] == 'B'              ? &av_blobs_shape
                                            : NULL;
        else if ((kl == 4 && memcmp(k, "BOOL", 4) == 0) || (kl == 4 && memcmp(k, "NULL", 4) == 0))
            sh = &av_bool_shape;
        if (sh)
            av_member(w, sh, x, depth);
    }
}

/* The type pass over a list or map of AttributeValues: each value must be a JSON object
 * (its insides are value/ddbjson's, read after validation); a scalar or array is the
 * service's SerializationException, which comes before any validation error. */
static void attr_kinds(walk *w, const api_shape *el, const void *n, bool map)
{
    const api_jview *jv = w->jv;
    if (map) {
        for (void *it = jv->iter(n); it && !w->rc; it = jv->iter_next(n, it)) {
            const void *x = jv->iter_value(it);
            api_jkind k = x ? jv->kind(x) : API_JK_NULL;
            if (k != API_JK_OBJECT && k != API_JK_NULL)
                w->rc = type_error(w, el, x, true);
            else if (k == API_JK_OBJECT && w->av_deep)
                av_types(w, x, 0);
        }
        return;
    }
    size_t cnt = jv->size(n);
    for (size_t i = 0; i < cnt && !w->rc; i++) {
        const void *x = jv->elem(n, i);
        api_jkind k = x ? jv->kind(x) : API_JK_NULL;
        if (k != API_JK_OBJECT && k != API_JK_NULL)
            w->rc = type_error(w, el, x, true);
        else if (k == API_JK_OBJECT && w->av_deep)
            av_types(w, x, 0);
    }
}

/* The members of struct sh in object n, in the shape's order.  Apart from walk_node, which
 * every value of the request passes through, so that this array and loop do not weigh on
 * every call there (inlined, they cost a BatchWriteItem of 25 more than they saved). */
static __attribute__((noinline)) void walk_struct(walk *w, const api_shape *sh, const void *n)
{
    const api_jview *jv = w->jv;
    const struct_memo *sm =
        jv->lookup_only || jv->kind(n) != API_JK_OBJECT ? NULL : struct_lens(sh);
    if (sm) {
        /* sm is a slot that a nested structure's walk may refill: read before it */
        const void *vals[STRUCT_MEMO_MEMBERS];
        uint32_t got = struct_vals(w, sh, sm, n, vals);
        size_t cnt = sm->n;
        for (size_t i = 0; i < cnt && !w->rc; i++)
            walk_member_n(w, &sh->members[i], got >> i & 1 ? vals[i] : NULL);
        return;
    }
    for (size_t i = 0; sh->members[i].name && !w->rc; i++)
        walk_member(w, &sh->members[i], n);
}

/* A list whose elements are scalars with constraints of their own: those are reported once,
 * at the list, the list echoed whole, "Member must satisfy constraint: [...]" (AWS's
 * validator's form for a list, as "Map value must satisfy constraint: [...]" for a map's
 * values; test_model_constraints test_list_element_constraints). */
static void list_elems_check(walk *w, bool bare, const api_shape *sh, const void *n)
{
    const api_jview *jv = w->jv;
    const api_shape *el = sh->elem;
    size_t cnt = jv->size(n);
    bool bad = false;
    for (size_t i = 0; i < cnt && !bad; i++) {
        const void *x = jv->elem(n, i);
        bad = x && jv->kind(x) != API_JK_NULL && !shape_ok(w, el, x);
    }
    if (bad) {
        char c[600];
        sbuf b = api_sb_make(c, sizeof c);
        api_sb_str(&b, "Member must satisfy constraint: [");
        constraint_list(el, &b);
        api_sb_str(&b, "]");
        violation(w, bare, sh, n, c);
    }
}

/* The elements of list n (shape sh): their types (pass 1), or what they hold (pass 2). */
static inline __attribute__((always_inline)) void walk_list(walk *w, bool bare,
                                                             const api_shape *sh, const void *n)
{
    const api_shape *el = sh->elem;
    if (el->type == API_ST_ATTRVAL && w->types_only) {
        attr_kinds(w, el, n, false);
        return;
    }
    if (!w->types_only && !descend(el) && el->type != API_ST_ATTRVAL && has_constraints(el)) {
        list_elems_check(w, bare, sh, n);
        return;
    }
    if (el->type == API_ST_ATTRVAL || (!w->types_only && !descend(el)))
        return;
    const api_jview *jv = w->jv;
    size_t cnt = jv->size(n);
    for (size_t i = 0; i < cnt && !w->rc; i++) {
        const void *x = jv->elem(n, i);
        if (!x || jv->kind(x) == API_JK_NULL)
            continue;
        push(w, 'i', NULL, 0, i + 1);
        walk_node(w, NULL, el, x);
        pop(w);
    }
}

/* Whether map key k satisfies the key shape ks: its length in UTF-16 units and its pattern;
 * a key that is a table's ARN (BatchGetItem's and BatchWriteItem's RequestItems): its
 * characters and length, as a TableName's (arn_value); "<ARN>\u0000junk" still breaks the
 * pattern. */
static bool map_key_ok(const api_shape *ks, const char *k, size_t kl)
{
    size_t ku = str_units(ks, k, kl);
    bool ok = (ks->min == API_NOLIM || (int64_t)ku >= ks->min) &&
              (ks->max == API_NOLIM || (int64_t)ku <= ks->max) &&
              (!ks->pattern || ks->pattern->match(k, kl));
    if (!ok && ks->arn_ok && arn_chars(k, kl))
        ok = kl <= API_TABLE_ARN_MAX;
    return ok;
}

/* Pass 2 at map n (shape sh): the constraints of its keys and of its values themselves,
 * reported once, at the map: "Map keys must satisfy constraint: [...]", "Map value must
 * satisfy constraint: [...]".  Returns `each` (API_MF_EACH_VALUE: each value's own
 * constraints at its own path), false when a value under its minimum was reported here.
 * Inlined into walk_node, where it was written until it had a name: called, it cost a GetItem
 * ~35 instructions more (callgrind, every map of every request passes here). */
static inline __attribute__((always_inline)) bool map_check(walk *w, bool bare,
                                                             const api_shape *sh, const void *n,
                                                             bool each)
{
    const api_shape *el = sh->elem, *ks = sh->key;
    bool bad_key = false, bad_val = false;
    bool check_keys = ks && has_constraints(ks), check_vals = has_constraints(el) && !each;
    /* API_MF_EACH_VALUE still reports a value under its minimum (an empty list) at the
     * map, echoed, and then no value at its own path (us-east-1 and eu-west-2, the
     * conformance suite's capture of 2026-10-09; test_batch.py
     * test_batch_write_validation) */
    if (each && el->min != API_NOLIM) {
        const api_jview *jv = w->jv;
        for (void *it = jv->iter(n); it && !bad_val; it = jv->iter_next(n, it)) {
            const void *x = jv->iter_value(it);
            bad_val = x && jv->kind(x) != API_JK_NULL && (int64_t)node_len(w, x) < el->min;
        }
        if (bad_val)
            each = false;
    }
    if (check_keys || check_vals) {
        const api_jview *jv = w->jv;
        for (void *it = jv->iter(n); it; it = jv->iter_next(n, it)) {
            const void *x = jv->iter_value(it);
            if (check_keys && !bad_key) {
                size_t kl;
                const char *k = jv->iter_key(it, &kl);
                bad_key = !map_key_ok(ks, k, kl);
            }
            if (check_vals && !bad_val && x && jv->kind(x) != API_JK_NULL)
                bad_val = !shape_ok(w, el, x);
        }
    }
    char c[600];
    if (bad_key) {
        sbuf b = api_sb_make(c, sizeof c);
        api_sb_str(&b, "Map keys must satisfy constraint: [");
        constraint_list(ks, &b);
        api_sb_str(&b, "]");
        if (w->keys_last && !w->late_set) {
            w->late = violation_text(w, bare, sh, n, c, &w->late_len);
            w->late_set = true;
        } else
            violation(w, bare, sh, n, c);
    }
    if (bad_val) {
        sbuf b = api_sb_make(c, sizeof c);
        api_sb_str(&b, "Map value must satisfy constraint: [");
        constraint_list(el, &b);
        api_sb_str(&b, "]");
        violation(w, bare, sh, n, c);
    }
    return each;
}

/* The values of map n (shape sh; m its member, NULL inside a container): their types (pass
 * 1), or the map's own constraints and then what the values hold (pass 2). */
static inline __attribute__((always_inline)) void walk_map(walk *w, const api_member *m,
                                                            bool bare, const api_shape *sh,
                                                            const void *n)
{
    const api_shape *el = sh->elem;
    bool each = m && (m->flags & API_MF_EACH_VALUE);
    if (!w->types_only)
        each = map_check(w, bare, sh, n, each);
    if (el->type == API_ST_ATTRVAL && w->types_only) {
        attr_kinds(w, el, n, true);
        return;
    }
    if (el->type == API_ST_ATTRVAL || (!w->types_only && !descend(el)))
        return;
    const api_jview *jv = w->jv;
    for (void *it = jv->iter(n); it && !w->rc; it = jv->iter_next(n, it)) {
        const void *x = jv->iter_value(it);
        if (!x || jv->kind(x) == API_JK_NULL)
            continue;
        size_t kl;
        const char *k = jv->iter_key(it, &kl);
        push(w, 'k', k, kl, 0);
        /* the values' own constraints were reported at the map (or, each, here); only
         * their insides are walked (types in pass 1, members in pass 2) */
        if (each && !w->types_only)
            check_node(w, true, el, x);
        if (w->types_only || el->type != API_ST_LIST) {
            walk_node(w, NULL, el, x);
        } else {
            const api_shape *el2 = el->elem;
            size_t cnt = jv->size(x);
            for (size_t i = 0; descend(el2) && i < cnt && !w->rc; i++) {
                const void *y = jv->elem(x, i);
                if (!y || jv->kind(y) == API_JK_NULL)
                    continue;
                push(w, 'i', NULL, 0, i + 1);
                walk_node(w, NULL, el2, y);
                pop(w);
            }
        }
        pop(w);
    }
}

/* Node n of shape sh (m its member, NULL inside a container): pass 1 (types_only) its JSON
 * kind, pass 2 its own constraints; then what it holds. */
static void walk_node(walk *w, const api_member *m, const api_shape *sh, const void *n)
{
    const api_jview *jv = w->jv;
    if (w->rc)
        return;
    /* an empty value of an API_MF_EMPTY_BARE member: the service's newer wording (its only
     * violation there is the length's: the pattern allows '') */
    bool bare = m && ((m->flags & (API_MF_BARE | API_MF_VALUE_BARE)) ||
                      ((m->flags & API_MF_EMPTY_BARE) && jv->kind(n) == API_JK_STRING &&
                       node_len(w, n) == 0));
    if (w->types_only) {
        if (!kind_ok(w, sh, n)) {
            w->rc = type_error(w, sh, n, m == NULL);
            return;
        }
        if (w->av_deep && sh->type == API_ST_ATTRVAL) {
            if (jv->kind(n) != API_JK_OBJECT)
                w->rc = type_error(w, sh, n, m == NULL);
            else
                av_types(w, n, 0);
            return;
        }
    } else {
        check_node(w, bare, sh, n);
    }
    switch (sh->type) {
    case API_ST_STRUCT:
        walk_struct(w, sh, n);
        return;
    case API_ST_LIST:
        walk_list(w, bare, sh, n);
        return;
    case API_ST_MAP:
        walk_map(w, m, bare, sh, n);
        return;
    default:
        return;
    }
}

int api_validate_request(const api_jview *jv, const void *req, const char *op, err_t *e)
{
    return api_validate_request_in(jv, req, api_schema_input(op), op, NULL, 0, e);
}

/* Whether JSON node n nests deeper than `limit` levels (an object or array is one level more
 * than its deepest member; a scalar is 0).  Recursion stops at the limit. */
static bool deeper_than(const api_jview *jv, const void *n, int limit)
{
    api_jkind k = n ? jv->kind(n) : API_JK_NULL;
    if (k != API_JK_OBJECT && k != API_JK_ARRAY)
        return limit < 0;
    if (limit <= 0)
        return true;
    if (k == API_JK_ARRAY) {
        size_t c = jv->size(n);
        for (size_t i = 0; i < c; i++)
            if (deeper_than(jv, jv->elem(n, i), limit - 1))
                return true;
        return false;
    }
    for (void *it = jv->iter(n); it; it = jv->iter_next(n, it))
        if (deeper_than(jv, jv->iter_value(it), limit - 1))
            return true;
    return false;
}

static int validate_in(const api_jview *jv, const void *req, const api_shape *in,
                       const char *op, err_t *e);

bool api_request_deep(const api_jview *jv, const void *req)
{
    return deeper_than(jv, req, API_DEEP_REQUEST);
}

int api_validate_request_in(const api_jview *jv, const void *req, const api_shape *in,
                            const char *op, const char *text, size_t text_len, err_t *e)
{
    if (!in || !req || jv->kind(req) != API_JK_OBJECT)
        return 0;
    if (in->strict) {
        int rc = api_strict_pass(jv, req, in, text, text_len, e);
        if (rc)
            return rc;
    }
    /* UpdateItem without a Key: its model's older form (api_schema_keyless) */
    const api_shape *keyless = api_schema_keyless(in);
    if (keyless) {
        const void *k = jv->member(req, "Key");
        if (!k || jv->kind(k) == API_JK_NULL)
            in = keyless;
    }
    int rc = validate_in(jv, req, in, op, e);
    /* a request that fails and nests past the service's second limit: its older form
     * (api_schema_deep); looked at only on this error path */
    const api_shape *older;
    if (rc == ERR_VALIDATION && (older = api_schema_deep(in)) && older != in &&
        deeper_than(jv, req, API_DEEP_REQUEST)) {
        err_clear(e);
        rc = validate_in(jv, req, older, op, e);
    }
    return rc;
}

static int validate_in_(const api_jview *jv, const void *req, const api_shape *in,
                        const char *op, err_t *e);

/* The request's AttributeValues' insides, by type (av_types), for a request that failed
 * validation: a SerializationException there is the service's answer instead. */
static int av_types_pass(const api_jview *jv, const void *req, const api_shape *in, err_t *e)
{
    walk *w = mem_malloc(sizeof *w); /* ~KBs of path segments: off the stack, error path */
    if (!w)
        return 0; /* the validation error stands */
    err_t mine = {0};
    memset(w, 0, sizeof *w);
    w->jv = jv;
    w->e = &mine;
    w->types_only = w->av_deep = true;
    for (size_t i = 0; in->members[i].name && !w->rc; i++)
        walk_member(w, &in->members[i], req);
    int rc = w->rc == ERR_SERIALIZATION && mine.code == ERR_SERIALIZATION ? ERR_SERIALIZATION : 0;
    mem_free(w);
    if (rc) {
        err_clear(e);
        err_set(e, ERR_SERIALIZATION, "%s", mine.msg);
    }
    return rc;
}

int api_walk_members(const api_jview *jv, const void *req, const api_shape *in, bool types,
                     api_vld *v, err_t *e)
{
    if (!in || !req || jv->kind(req) != API_JK_OBJECT)
        return 0;
    walk *w = mem_malloc(sizeof *w); /* ~KBs of path segments: off the stack */
    if (!w)
        return err_set(e, ERR_NOMEM, "out of memory");
    memset(w, 0, sizeof *w);
    w->jv = jv;
    w->v = v;
    w->e = e;
    w->types_only = types;
    for (size_t i = 0; in->members[i].name && !w->rc; i++)
        walk_member(w, &in->members[i], req);
    free(w->late); /* no member of these models sets it */
    int rc = w->rc;
    mem_free(w);
    return rc;
}

int api_validate_types_after(const api_jview *jv, const void *req, const api_shape *in,
                             err_t *e)
{
    if (!in || !req || jv->kind(req) != API_JK_OBJECT)
        return 0;
    return av_types_pass(jv, req, in, e);
}

static int validate_in(const api_jview *jv, const void *req, const api_shape *in,
                       const char *op, err_t *e)
{
    int rc = validate_in_(jv, req, in, op, e);
    if (rc == ERR_VALIDATION && av_types_pass(jv, req, in, e))
        return ERR_SERIALIZATION;
    return rc;
}

/* walk_member for top-level member i of the request, passed over when it is present (top[i],
 * the top-level cache) with a scalar shape and nothing to report: of the right JSON kind in
 * pass 1 (kind_ok), within its constraints in pass 2 (shape_ok, check_node's conditions).
 * walk_member would then push its path, find nothing and pop it: the same result, without
 * the walk (a Query's TableName, IndexName and expressions, a GetItem's TableName). */
static void walk_top(walk *w, const api_member *m, const void *const *top, size_t i,
                     const void *req)
{
    const void *n = top ? top[i] : NULL;
    const api_shape *sh = m->shape;
    if (n && !w->rc &&
        (sh->type == API_ST_STRING || sh->type == API_ST_INTEGER || sh->type == API_ST_BOOLEAN ||
         sh->type == API_ST_BLOB) &&
        (w->types_only ? kind_ok(w, sh, n) : shape_ok(w, sh, n)))
        return;
    walk_member(w, m, req);
}

/* validate_in_'s loops over a shape's members: the members whose bits are set (ascending),
 * when the shape's memo gave the masks (masked), else every member in turn; either way the
 * loop's own test decides, so a mask may hold more than the test keeps, never less. */
typedef struct mem_it {
    uint64_t bits;
    size_t i;
    bool masked;
} mem_it;

static bool mem_next(mem_it *it, const api_shape *in, size_t *out)
{
    if (it->masked) {
        if (!it->bits)
            return false;
        *out = (size_t)__builtin_ctzll(it->bits);
        it->bits &= it->bits - 1;
        return true;
    }
    if (!in->members[it->i].name)
        return false;
    *out = it->i++;
    return true;
}

static int validate_in_(const api_jview *jv, const void *req, const api_shape *in,
                        const char *op, err_t *e)
{
    api_vld v;
    api_vld_init(&v);
    /* every field but the arrays, which are written before they are read (top_v by
     * top_cache, segs by push): no memset of ~1 KB per request */
    walk w;
    w.jv = jv;
    w.v = &v;
    w.e = e;
    w.top = NULL;
    w.top_m = NULL;
    w.top_n = 0;
    w.types_only = false;
    w.av_deep = false; /* av_types_pass's alone (read by walk_node in pass 1) */
    w.rc = 0;
    w.nseg = w.depth = 0;
    w.json_node = NULL;
    w.keys_last = false;
    w.anon = false;
    w.late_set = false;
    w.late = NULL;
    w.late_len = 0;
    w.present = 0;
    /* lookup_only (tests): the reference walk, every member looked up and every loop over
     * every member, against which the cache and the masks are compared */
    const top_memo *tm = jv->lookup_only ? NULL : top_lens(in);
    top_cache(&w, in, tm, req);
    /* the top-level members absent from the request (most of them) are passed over here,
     * as walk_member would return for them */
    const void *const *top = w.top_m ? w.top_v : NULL;
    /* the loops' masks (mem_it): the candidates are the members present, or every member
     * without the top-level cache; NOT_NULL members are walked when absent too */
    uint64_t all = !tm ? 0 : tm->n < 64 ? ((uint64_t)1 << tm->n) - 1 : ~(uint64_t)0;
    uint64_t cand = top ? w.present : all;
    size_t i;
    /* pass 1: JSON types (deserialisation) */
    w.types_only = true;
    for (mem_it it = {cand, 0, tm != NULL}; !w.rc && mem_next(&it, in, &i);)
        if (!top || top[i])
            walk_top(&w, &in->members[i], top, i, req);
    if (w.rc)
        return w.rc;
    /* parameters the service requires before it validates anything else */
    for (mem_it it = {tm ? tm->required : 0, 0, tm != NULL}; mem_next(&it, in, &i);) {
        const api_member *m = &in->members[i];
        if (!(m->flags & (API_MF_REQUIRED | API_MF_REQUIRED_MAP)))
            continue; /* most members: no look-up */
        const void *n = top ? top[i] : present(&w, req, m->name);
        if ((m->flags & API_MF_REQUIRED) && !n)
            return err_set(e, ERR_VALIDATION,
                           "The parameter '%s' is required but was not present in the request",
                           m->name);
        /* an empty RequestItems: the service's model text, BatchGetItem's since 2026-08 (the
         * conformance suite's tier3 error-messages/batchGetItem: every region but
         * me-central-1), BatchWriteItem's in eu-west-2's newest capture (2026-10-03; the
         * suite's tier3 batchWriteItem records it moving back and forth since 2026-09-05;
         * test_batch.py test_batch_write_validation); an absent one keeps the sentence below */
        if ((m->flags & API_MF_REQUIRED_MAP) && n && jv->size(n) == 0)
            return err_set(e, ERR_VALIDATION,
                           "1 validation error detected: Value at '%s' failed to satisfy "
                           "constraint: Member must have length greater than or equal to 1",
                           m->name);
        if ((m->flags & API_MF_REQUIRED_MAP) && (!n || jv->size(n) == 0)) {
            char name[64];
            sbuf b = api_sb_make(name, sizeof name);
            b.soft = b.cap;
            name[0] = 0;
            api_sb_lower_first(&b, m->name);
            return err_set(e, ERR_VALIDATION, "The %s parameter is required for %s", name, op);
        }
    }
    /* pass 2: the members reported alone, then every other member */
    w.types_only = false;
    for (mem_it it = {tm ? tm->first & (cand | tm->not_null) : 0, 0, tm != NULL};
         mem_next(&it, in, &i);) {
        if (!(in->members[i].flags & API_MF_FIRST) ||
            (top && !top[i] && !(in->members[i].flags & API_MF_NOT_NULL)))
            continue;
        walk_top(&w, &in->members[i], top, i, req);
        if (!api_vld_ok(&v)) {
            free(w.late);
            return api_vld_finish_aws(&v, e);
        }
    }
    for (mem_it it = {tm ? tm->alone & cand : 0, 0, tm != NULL}; mem_next(&it, in, &i);) {
        if (!(in->members[i].flags & API_MF_ALONE) || (top && !top[i]))
            continue;
        walk_top(&w, &in->members[i], top, i, req);
        if (!api_vld_ok(&v))
            return api_vld_finish(&v, e); /* bare: the violation's own text */
    }
    for (mem_it it = {tm ? ~(tm->first | tm->alone) & all & (cand | tm->not_null) : 0, 0,
                      tm != NULL};
         mem_next(&it, in, &i);)
        if (!(in->members[i].flags & (API_MF_FIRST | API_MF_ALONE)) &&
            (!top || top[i] || (in->members[i].flags & API_MF_NOT_NULL)))
            walk_top(&w, &in->members[i], top, i, req);
    if (w.late_set && api_vld_ok(&v))
        api_vld_add_text(&v, w.late, w.late_len); /* taken */
    else
        free(w.late);
    return api_vld_finish_aws(&v, e);
}
