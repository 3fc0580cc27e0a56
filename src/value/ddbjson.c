/*
 * ddbjson — DynamoDB JSON <-> attribute values.  Layer: value.  See ddbjson.h.
 *
 * Two passes, as DynamoDB does it (each order below is pinned by a case in
 * tests/golden/ddbjson.json, recorded from DynamoDB Local by tools/record_ddbjson_golden.py):
 *
 *  1. Shape (SerializationException): the whole item is checked for JSON types before any
 *     validation, so a malformed value anywhere wins over a validation error anywhere.
 *     JSON null for a type key means "absent".  Like DynamoDB Local, S/N/SS/NS accept JSON
 *     integers and booleans (as their text), BOOL/NULL accept "true"/"false" (any case) and
 *     integers (non-zero = true).  Unknown type keys are ignored.
 *  2. Validation (ValidationException), attribute by attribute in document order; within one
 *     value the type keys are checked in DynamoDB's fixed order SS, N, NS, BS, M, L
 *     (whatever their order in the JSON), members of M/L recursively in document order (a
 *     member's value before its name), and only then "no type" / "more than one type".
 *     M/L deeper than AV_MAX_DEPTH levels (the item counts as one) fail on the way down.
 *
 * Deviations from DynamoDB Local (which answers these with a 500 InternalFailure, or
 * coerces through a double): shape errors and invalid base64 are SerializationException
 * with real DynamoDB's texts where known; JSON reals for S/N are refused (we never pass
 * numbers through floating point); {"NULL": false} is accepted and stored as {"NULL": true}, as
 * AWS does (Local refuses it).  The golden file marks each such case "deviation".
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html
 */
#include "ddbjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "num.h"

/* Every jansson allocation in the program goes through mem_malloc, so that one jansson could
 * not make counts as an out-of-memory for the request that asked (base/mem.h).  Installed
 * before main; jansson's default is plain malloc/free, so nothing allocated earlier is freed
 * the wrong way. */
__attribute__((constructor)) static void ddbjson_install_alloc(void)
{
    json_set_alloc_funcs(mem_malloc, mem_free);
}

/* ---------------------------------------------------------------- message texts */

#define TXT_AV_EMPTY                                                                               \
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define TXT_AV_MULTI                                                                               \
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "        \
    "the supported datatypes"
#define TXT_INVALID_PREFIX "One or more parameter values were invalid: "
#define TXT_SS_EMPTY TXT_INVALID_PREFIX "An string set  may not be empty"
#define TXT_NS_EMPTY TXT_INVALID_PREFIX "An number set  may not be empty"
#define TXT_BS_EMPTY TXT_INVALID_PREFIX "Binary sets should not be empty"
#define TXT_SS_NULL TXT_INVALID_PREFIX "An string set may not have a null string as a member"
#define TXT_SS_DUP TXT_INVALID_PREFIX "Input collection %s contains duplicates"
#define TXT_NS_DUP "Input collection contains duplicates"
#define TXT_BS_DUP TXT_INVALID_PREFIX "Input collection of type BS contains duplicates."
#define TXT_EMPTY_NAME "Empty attribute name"
#define TXT_NULL_AV "The supplied Item contains a null AttributeValue"
#define TXT_NULL_AV_NAMED TXT_NULL_AV ": %.*s is null"
#define TXT_NESTING                                                                                \
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested "           \
    "levels beyond supported limit"
/* SerializationException texts (real DynamoDB's Coral deserializer) */
#define TXT_SER_LIST "Start of list found where not expected"
#define TXT_SER_MAP "Start of structure or map found where not expected."
#define TXT_SER_NUMBER_STRING                                                                      \
    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "       \
    "an String"
#define TXT_SER_NUMBER_BLOB                                                                        \
    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "       \
    "an Blob"
#define TXT_SER_VALUE "Unexpected value type in payload"
#define TXT_SER_B64_LEN "Base64 encoded length is expected a multiple of 4 bytes but found: %zu"
#define TXT_SER_B64_CHAR "Invalid Base64 character"

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Checks standard padded base64; records DynamoDB's SerializationException text.  Bits
 * below the last full byte need not be zero ("AB==" decodes like "AA==", as DynamoDB). */
static int b64_check(const char *s, size_t len, size_t *out_len, err_t *e)
{
    if (len % 4)
        return err_set(e, ERR_SERIALIZATION, TXT_SER_B64_LEN, len);
    size_t pad = 0;
    if (len >= 1 && s[len - 1] == '=')
        pad++;
    if (len >= 2 && s[len - 2] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++)
        if (b64_val((unsigned char)s[i]) < 0)
            return err_set(e, ERR_SERIALIZATION, TXT_SER_B64_CHAR);
    *out_len = len / 4 * 3 - pad;
    return 0;
}

/* Decodes checked base64 into out (capacity >= decoded length). */
static void b64_decode(const char *s, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = s[i + k] == '=' ? -1 : b64_val((unsigned char)s[i + k]);
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12);
        out[o++] = (unsigned char)(w >> 16);
        if (v[2] >= 0) {
            w |= (uint32_t)v[2] << 6;
            out[o++] = (unsigned char)(w >> 8);
            if (v[3] >= 0) {
                w |= (uint32_t)v[3];
                out[o++] = (unsigned char)w;
            }
        }
    }
}

/* Encodes into a malloc'ed NUL-terminated string (caller frees); NULL on OOM, counted for
 * the request (base/mem.h: a B value left out of a reply must not pass unnoticed). */
static char *b64_encode(const unsigned char *p, size_t len, size_t *out_len)
{
    size_t n = (len + 2) / 3 * 4;
    char *s = mem_malloc(n + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            w |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            w |= p[i + 2];
        s[o++] = b64_alphabet[(w >> 18) & 63];
        s[o++] = b64_alphabet[(w >> 12) & 63];
        s[o++] = i + 1 < len ? b64_alphabet[(w >> 6) & 63] : '=';
        s[o++] = i + 2 < len ? b64_alphabet[w & 63] : '=';
    }
    s[o] = '\0';
    *out_len = o;
    return s;
}

/* ---------------------------------------------------------------- pass 1: shape */

/* The JSON members of one attribute value, by type (NULL when absent or JSON null). */
enum { K_S, K_N, K_B, K_BOOL, K_NULL, K_M, K_L, K_SS, K_NS, K_BS, K__N };
static const char *const key_names[K__N] = {"S", "N", "B",  "BOOL", "NULL",
                                            "M", "L", "SS", "NS",   "BS"};

static void fields_of(const json_t *j, const json_t *f[K__N])
{
    for (int k = 0; k < K__N; k++) {
        const json_t *v = json_object_get(j, key_names[k]);
        f[k] = (v && !json_is_null(v)) ? v : NULL;
    }
}

/* Container where a scalar is expected. */
static int ser_container(const json_t *v, err_t *e)
{
    return err_set(e, ERR_SERIALIZATION, "%s", json_is_array(v) ? TXT_SER_LIST : TXT_SER_MAP);
}

/* A string-typed slot (S, N, SS/NS member): string, integer or boolean. */
static int shape_text(const json_t *v, err_t *e)
{
    if (json_is_string(v) || json_is_integer(v) || json_is_boolean(v))
        return 0;
    if (json_is_real(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_NUMBER_STRING);
    return ser_container(v, e);
}

static int shape_blob(const json_t *v, err_t *e)
{
    size_t n;
    if (json_is_string(v))
        return b64_check(json_string_value(v), json_string_length(v), &n, e);
    if (json_is_number(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_NUMBER_BLOB);
    if (json_is_array(v) || json_is_object(v))
        return ser_container(v, e);
    return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
}

/* BOOL / NULL: true, false, "true"/"false" (any case), integers. */
static int shape_bool(const json_t *v, bool *out, err_t *e)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v) != 0;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n == 4 && strncasecmp(s, "true", 4) == 0) {
            *out = true;
            return 0;
        }
        if (n == 5 && strncasecmp(s, "false", 5) == 0) {
            *out = false;
            return 0;
        }
        return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
    }
    if (json_is_array(v) || json_is_object(v))
        return ser_container(v, e);
    return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
}

static int shape_value(const json_t *j, err_t *e);

static int shape_array_of(const json_t *v, int kind, err_t *e)
{
    if (!json_is_array(v))
        return json_is_object(v) ? ser_container(v, e)
                                 : err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
    size_t i;
    const json_t *m;
    json_array_foreach(v, i, m)
    {
        int rc = 0;
        if (kind == K_L)
            rc = shape_value(m, e);
        else if (json_is_null(m))
            rc = kind == K_BS ? err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE) : 0;
        else if (kind == K_BS)
            rc = shape_blob(m, e);
        else
            rc = shape_text(m, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* One attribute value (a JSON object), recursively. */
static int shape_value(const json_t *j, err_t *e)
{
    if (json_is_null(j))
        return 0; /* a null AttributeValue is a validation error, in document order */
    if (!json_is_object(j)) {
        if (json_is_array(j))
            return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST);
        return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
    }
    const json_t *f[K__N];
    fields_of(j, f);
    int rc = 0;
    bool b;
    if (!rc && f[K_S])
        rc = shape_text(f[K_S], e);
    if (!rc && f[K_N])
        rc = shape_text(f[K_N], e);
    if (!rc && f[K_B])
        rc = shape_blob(f[K_B], e);
    if (!rc && f[K_BOOL])
        rc = shape_bool(f[K_BOOL], &b, e);
    if (!rc && f[K_NULL])
        rc = shape_bool(f[K_NULL], &b, e);
    if (!rc && f[K_SS])
        rc = shape_array_of(f[K_SS], K_SS, e);
    if (!rc && f[K_NS])
        rc = shape_array_of(f[K_NS], K_NS, e);
    if (!rc && f[K_BS])
        rc = shape_array_of(f[K_BS], K_BS, e);
    if (!rc && f[K_L])
        rc = shape_array_of(f[K_L], K_L, e);
    if (!rc && f[K_M]) {
        if (!json_is_object(f[K_M]))
            return json_is_array(f[K_M]) ? err_set(e, ERR_SERIALIZATION, TXT_SER_LIST)
                                         : err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
        const char *k;
        const json_t *m;
        json_object_foreach((json_t *)f[K_M], k, m)
        {
            rc = shape_value(m, e);
            if (rc)
                return rc;
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- pass 2: validate+convert */

typedef struct ctx {
    arena_t *a;
    err_t *e;
} ctx_t;

static int nomem(ctx_t *c)
{
    return err_set(c->e, ERR_NOMEM, "out of memory");
}

/* Text of a string-typed slot that passed the shape check: string bytes (borrowed from the
 * JSON), or the text of an integer / boolean written into the arena. */
static int text_of(ctx_t *c, const json_t *v, const char **p, size_t *len)
{
    if (json_is_string(v)) {
        *p = json_string_value(v);
        *len = json_string_length(v);
        return 0;
    }
    char tmp[32];
    int n;
    if (json_is_integer(v))
        n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_boolean(v))
        n = snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "true" : "false");
    else
        n = 0; /* JSON null inside NS: converts to nothing -> not a number */
    char *s = arena_strndup(c->a, tmp, (size_t)n);
    if (!s)
        return nomem(c);
    *p = s;
    *len = (size_t)n;
    return 0;
}

static int str_copy(ctx_t *c, const char *p, size_t len, const char **out)
{
    char *s = arena_strndup(c->a, p, len);
    if (!s)
        return nomem(c);
    *out = s;
    return 0;
}

static int cmp_bytes_av(const void *pa, const void *pb)
{
    const av_t *a = *(const av_t *const *)pa, *b = *(const av_t *const *)pb;
    size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
    int r = n ? memcmp(a->u.str.ptr, b->u.str.ptr, n) : 0;
    if (r)
        return r;
    return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

/* True if two members have identical bytes (N members are canonical, so this is numeric
 * equality).  Sorts a scratch pointer array in the arena. */
static int has_dup(ctx_t *c, const av_t *items, size_t n, bool *out)
{
    *out = false;
    if (n < 2)
        return 0;
    const av_t **p = arena_alloc(c->a, n * sizeof *p);
    if (!p)
        return nomem(c);
    for (size_t i = 0; i < n; i++)
        p[i] = &items[i];
    qsort(p, n, sizeof *p, cmp_bytes_av);
    for (size_t i = 1; i < n; i++)
        if (cmp_bytes_av(&p[i - 1], &p[i]) == 0) {
            *out = true;
            break;
        }
    return 0;
}

/* DynamoDB's "[a, b, a]" rendering (Java List.toString, null members as "null") of an SS
 * for its duplicate message.  items[i].type == AV_NONE marks a JSON null member. */
static int ss_dup_error(ctx_t *c, const av_t *items, size_t n)
{
    buf_t b;
    buf_init(&b, ERR_MSG_MAX);
    int rc = buf_putc(&b, '[');
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = buf_append(&b, ", ", 2);
        if (!rc && items[i].type == AV_NONE)
            rc = buf_append(&b, "null", 4);
        else if (!rc && items[i].u.str.len)
            rc = buf_append(&b, items[i].u.str.ptr, items[i].u.str.len);
    }
    if (!rc)
        rc = buf_putc(&b, ']');
    /* An over-long list is cut (the record holds ERR_MSG_MAX bytes anyway). */
    size_t len = b.len > ERR_MSG_MAX ? ERR_MSG_MAX : b.len;
    char listing[ERR_MSG_MAX + 1];
    if (len)
        memcpy(listing, b.data, len);
    listing[len] = '\0';
    buf_fini(&b);
    return err_set(c->e, ERR_VALIDATION, TXT_SS_DUP, listing);
}

static int conv_value(ctx_t *c, const json_t *j, int depth, av_t *out);

/* SS: empty, then duplicates (two JSON nulls are duplicates), then null members. */
static int conv_ss(ctx_t *c, const json_t *v, av_t *out)
{
    size_t n = json_array_size(v), nnull = 0, k = 0;
    if (n == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_SS_EMPTY);
    av_t *items = arena_alloc(c->a, n * sizeof *items);
    av_t *strs = arena_alloc(c->a, n * sizeof *strs);
    if (!items || !strs)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(v, i);
        if (json_is_null(m)) {
            memset(&items[i], 0, sizeof items[i]);
            nnull++;
            continue;
        }
        const char *p;
        size_t len;
        int rc = text_of(c, m, &p, &len);
        if (rc)
            return rc;
        items[i] = strs[k++] = av_make_s(p, len);
    }
    bool dup = nnull >= 2;
    int rc = dup ? 0 : has_dup(c, strs, k, &dup);
    if (rc)
        return rc;
    if (dup)
        return ss_dup_error(c, items, n);
    if (nnull)
        return err_set(c->e, ERR_VALIDATION, TXT_SS_NULL);
    for (size_t i = 0; i < n; i++) /* own the bytes: the JSON may be freed */
        if ((rc = str_copy(c, items[i].u.str.ptr, items[i].u.str.len, &items[i].u.str.ptr)))
            return rc;
    *out = av_make_list(AV_SS, items, n);
    return 0;
}

static int conv_n(ctx_t *c, const json_t *v, av_t *out)
{
    const char *p;
    size_t len;
    int rc = text_of(c, v, &p, &len);
    if (!rc)
        rc = av_make_n(c->a, p, len, out, c->e);
    return rc;
}

static int conv_ns(ctx_t *c, const json_t *v, av_t *out)
{
    size_t n = json_array_size(v);
    if (n == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_NS_EMPTY);
    av_t *items = arena_alloc(c->a, n * sizeof *items);
    if (!items)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        int rc = conv_n(c, json_array_get(v, i), &items[i]);
        if (rc)
            return rc;
    }
    bool dup;
    int rc = has_dup(c, items, n, &dup);
    if (rc)
        return rc;
    if (dup)
        return err_set(c->e, ERR_VALIDATION, TXT_NS_DUP);
    *out = av_make_list(AV_NS, items, n);
    return 0;
}

static int conv_b(ctx_t *c, const json_t *v, av_t *out)
{
    const char *s = json_string_value(v);
    size_t slen = json_string_length(v), n;
    int rc = b64_check(s, slen, &n, c->e);
    if (rc)
        return rc;
    unsigned char *p = arena_alloc(c->a, n + 1);
    if (!p)
        return nomem(c);
    b64_decode(s, slen, p);
    p[n] = '\0';
    *out = av_make_b((const char *)p, n);
    return 0;
}

static int conv_bs(ctx_t *c, const json_t *v, av_t *out)
{
    size_t n = json_array_size(v);
    if (n == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_BS_EMPTY);
    av_t *items = arena_alloc(c->a, n * sizeof *items);
    if (!items)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        int rc = conv_b(c, json_array_get(v, i), &items[i]);
        if (rc)
            return rc;
    }
    bool dup;
    int rc = has_dup(c, items, n, &dup);
    if (rc)
        return rc;
    if (dup)
        return err_set(c->e, ERR_VALIDATION, TXT_BS_DUP);
    *out = av_make_list(AV_BS, items, n);
    return 0;
}

/* Members of an M value (or of the item itself): value first, then the name. */
static int conv_members(ctx_t *c, const json_t *obj, int depth, av_t *out)
{
    size_t n = json_object_size(obj);
    av_kv *kv = arena_alloc(c->a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return nomem(c);
    size_t i = 0, klen;
    const char *k;
    const json_t *m;
    json_object_keylen_foreach((json_t *)obj, k, klen, m)
    {
        if (json_is_null(m))
            return err_set(c->e, ERR_VALIDATION, TXT_NULL_AV_NAMED, (int)klen, k);
        int rc = conv_value(c, m, depth, &kv[i].val);
        if (rc)
            return rc;
        if (klen == 0)
            return err_set(c->e, ERR_VALIDATION, TXT_EMPTY_NAME);
        if ((rc = str_copy(c, k, klen, &kv[i].name)))
            return rc;
        kv[i].name_len = klen;
        i++;
    }
    *out = av_make_m(kv, i);
    return 0;
}

static int conv_l(ctx_t *c, const json_t *v, int depth, av_t *out)
{
    size_t n = json_array_size(v);
    av_t *items = arena_alloc(c->a, (n ? n : 1) * sizeof *items);
    if (!items)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        if (json_is_null(json_array_get(v, i)))
            return err_set(c->e, ERR_VALIDATION, TXT_NULL_AV);
        int rc = conv_value(c, json_array_get(v, i), depth, &items[i]);
        if (rc)
            return rc;
    }
    *out = av_make_list(AV_L, items, n);
    return 0;
}

/* j passed the shape check.  depth = containers enclosing j (the item counts as one). */
static int conv_value(ctx_t *c, const json_t *j, int depth, av_t *out)
{
    const json_t *f[K__N];
    fields_of(j, f);
    av_t v[K__N];
    memset(v, 0, sizeof v);
    int rc = 0;
    /* DynamoDB's fixed check order: SS, N, NS, BS, M, L, NULL. */
    if (f[K_SS] && (rc = conv_ss(c, f[K_SS], &v[K_SS])))
        return rc;
    if (f[K_N] && (rc = conv_n(c, f[K_N], &v[K_N])))
        return rc;
    if (f[K_NS] && (rc = conv_ns(c, f[K_NS], &v[K_NS])))
        return rc;
    if (f[K_BS] && (rc = conv_bs(c, f[K_BS], &v[K_BS])))
        return rc;
    if (f[K_M]) {
        if (depth + 1 > AV_MAX_DEPTH)
            return err_set(c->e, ERR_VALIDATION, TXT_NESTING);
        if ((rc = conv_members(c, f[K_M], depth + 1, &v[K_M])))
            return rc;
    }
    if (f[K_L]) {
        if (depth + 1 > AV_MAX_DEPTH)
            return err_set(c->e, ERR_VALIDATION, TXT_NESTING);
        if ((rc = conv_l(c, f[K_L], depth + 1, &v[K_L])))
            return rc;
    }
    bool b = false;
    /* {"NULL": false} is a NULL like {"NULL": true}: AWS accepts it and reads it back as
     * {"NULL": true} (the conformance suite's capture of 2026-06-08, eu-west-2;
     * tests/e2e/test_items.py test_null_false_is_stored_as_null_true). DynamoDB Local still
     * refuses it with "Null attribute value types must have the value of true". */
    if (f[K_NULL])
        v[K_NULL] = av_make_null();
    int count = 0, which = -1;
    for (int k = 0; k < K__N; k++)
        if (f[k]) {
            count++;
            which = k;
        }
    if (count == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_AV_EMPTY);
    if (count > 1)
        return err_set(c->e, ERR_VALIDATION, TXT_AV_MULTI);
    switch (which) {
    case K_S: {
        const char *p;
        size_t len;
        if ((rc = text_of(c, f[K_S], &p, &len)) || (rc = str_copy(c, p, len, &p)))
            return rc;
        *out = av_make_s(p, len);
        return 0;
    }
    case K_B:
        return conv_b(c, f[K_B], out);
    case K_BOOL:
        shape_bool(f[K_BOOL], &b, NULL);
        *out = av_make_bool(b);
        return 0;
    default:
        *out = v[which];
        return 0;
    }
}

/* ---------------------------------------------------------------- public: JSON -> av */

int ddbjson_to_av(const json_t *j, arena_t *a, av_t *out, err_t *e)
{
    ctx_t c = {.a = a, .e = e};
    if (json_is_null(j))
        return err_set(e, ERR_VALIDATION, TXT_NULL_AV);
    int rc = shape_value(j, e);
    if (!rc)
        rc = conv_value(&c, j, 0, out);
    return rc;
}

int ddbjson_to_item(const json_t *j, arena_t *a, av_t *out, err_t *e)
{
    ctx_t c = {.a = a, .e = e};
    if (!json_is_object(j)) {
        if (json_is_array(j))
            return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST);
        return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
    }
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)j, k, m)
    {
        int rc = shape_value(m, e);
        if (rc)
            return rc;
    }
    return conv_members(&c, j, 1, out);
}

/* ---------------------------------------------------------------- public: av -> JSON */

static json_t *scalar_json(const av_t *v)
{
    if (v->type == AV_B) {
        size_t n;
        char *s = b64_encode((const unsigned char *)v->u.str.ptr, v->u.str.len, &n);
        if (!s)
            return NULL;
        json_t *j = json_stringn_nocheck(s, n); /* base64: ASCII */
        free(s);
        return j;
    }
    /* S values are UTF-8-checked when they enter (JSON decoding), N values are ASCII digits:
     * no second UTF-8 pass per reply (the server's reply writer still refuses invalid UTF-8). */
    return json_stringn_nocheck(v->u.str.ptr ? v->u.str.ptr : "", v->u.str.len);
}

static json_t *from_members(const av_t *m);

json_t *ddbjson_from_av(const av_t *v)
{
    json_t *inner = NULL;
    switch (v->type) {
    case AV_S:
    case AV_N:
    case AV_B:
        inner = scalar_json(v);
        break;
    case AV_BOOL:
        inner = json_boolean(v->u.b);
        break;
    case AV_NULL:
        inner = json_true();
        break;
    case AV_M:
        inner = from_members(v);
        break;
    case AV_L:
    case AV_SS:
    case AV_NS:
    case AV_BS:
        inner = json_array();
        for (size_t i = 0; inner && i < v->u.list.n; i++) {
            const av_t *m = &v->u.list.items[i];
            json_t *x = v->type == AV_L ? ddbjson_from_av(m) : scalar_json(m);
            if (!x || json_array_append_new(inner, x)) {
                json_decref(inner);
                inner = NULL;
            }
        }
        break;
    default:
        return NULL;
    }
    if (!inner)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        json_decref(inner);
        return NULL;
    }
    if (json_object_set_new_nocheck(o, av_type_name(v->type), inner)) { /* took inner */
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *from_members(const av_t *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->u.map.n; i++) {
        const av_kv *kv = &m->u.map.kv[i];
        json_t *x = ddbjson_from_av(&kv->val);
        if (!x || json_object_setn_new_nocheck(o, kv->name, kv->name_len, x)) { /* names: as S */
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

json_t *ddbjson_from_item(const av_t *item)
{
    if (!item || item->type != AV_M)
        return NULL;
    return from_members(item);
}
