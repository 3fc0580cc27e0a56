/*
 * ddbjson — DynamoDB JSON <-> attribute values.  Layer: value.  See ddbjson.h.
 *
 * Two passes, as DynamoDB does it (each order below is pinned by a case in
 * tests/golden/ddbjson.json, recorded from DynamoDB Local by tools/record_ddbjson_golden.py):
 *
 *  1. Shape (SerializationException): the whole item is checked for JSON types before any
 *     validation, so a malformed value anywhere wins over a validation error anywhere.
 *     JSON null for a type key means "absent".  Each slot takes only its JSON type (S/N/SS/NS
 *     members a string, B/BS members a base64 string, BOOL/NULL a boolean, SS/NS/BS/L an
 *     array, M an object); any other token is AWS's SerializationException naming it
 *     ("NUMBER_VALUE cannot be converted to String", ...).  Unknown type keys are ignored.
 *  2. Validation (ValidationException), attribute by attribute in document order; within one
 *     value the type keys are checked in DynamoDB's fixed order SS, N, NS, BS, M, L, NULL
 *     (whatever their order in the JSON), members of M/L recursively in document order (a
 *     member's value before its name), and only then "no type" / "more than one type".
 *     M/L deeper than AV_MAX_DEPTH levels (the item counts as one) fail on the way down.
 *
 * The passes are written once (ddbjson_passes.h) and compiled twice: for jansson trees and
 * for our reader's trees (value/jread.h), through accessor macros.
 *
 * Deviations from DynamoDB Local (which answers a shape error with a 500 InternalFailure, and
 * converts JSON numbers and booleans into S/N/SS/NS, "true"/1 into BOOL/NULL, JSON reals
 * through a double): shape errors and invalid base64 are SerializationException with AWS's
 * texts.  The golden file marks each such case "deviation".
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html
 */
#include "ddbjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/b64.h"
#include "base/mem.h"
#include "jread.h"
#include "num.h"

/* Every jansson allocation in the program goes through mem_malloc, so that one jansson could
 * not make counts as an out-of-memory for the request that asked (base/mem.h).  Installed
 * before main; jansson's default is plain malloc/free, so nothing allocated earlier is freed
 * the wrong way. */
__attribute__((constructor)) static void ddbjson_install_alloc(void)
{
    json_set_alloc_funcs(mem_malloc, mem_free);
}

char *ddbjson_dumps_built(const json_t *j, size_t flags, unsigned long since)
{
    char *s = mem_failures() == since ? json_dumps(j, flags) : NULL;
    if (s && mem_failures() != since) {
        free(s);
        s = NULL;
    }
    return s;
}

char *ddbjson_dumps_whole(const json_t *j, size_t flags)
{
    return ddbjson_dumps_built(j, flags, mem_failures());
}

/* ---------------------------------------------------------------- message texts */

#define TXT_AV_EMPTY                                                                               \
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define TXT_AV_MULTI                                                                               \
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "        \
    "the supported datatypes"
#define TXT_INVALID_PREFIX "One or more parameter values were invalid: "
#define TXT_NULL_FALSE TXT_INVALID_PREFIX "Null attribute value types must have the value of true"
#define TXT_SS_EMPTY TXT_INVALID_PREFIX "An string set  may not be empty"
#define TXT_NS_EMPTY TXT_INVALID_PREFIX "An number set  may not be empty"
#define TXT_BS_EMPTY TXT_INVALID_PREFIX "Binary sets should not be empty"
#define TXT_SS_NULL TXT_INVALID_PREFIX "An string set may not have a null string as a member"

bool ddbjson_err_in_start_key(const char *msg)
{
    static const char *const t[] = {TXT_AV_EMPTY, TXT_AV_MULTI, TXT_NULL_FALSE, TXT_SS_EMPTY,
                                    TXT_BS_EMPTY};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(msg, t[i]) == 0)
            return true;
    return false;
}
/* the service's texts (dynalite's AWS-checked tests, Dynoxide): the listing of the set, a
 * final period, and for BS its members in base64; DynamoDB Local has no period for SS and no
 * listing for BS (tests/golden/ddbjson.json; test_ddbjson maps them) */
#define TXT_SS_DUP TXT_INVALID_PREFIX "Input collection %s contains duplicates."
#define TXT_NS_DUP "Input collection contains duplicates"
/* the current layer's (valueLayers, 2026-10-09) */
#define TXT_NS_DUP_CURRENT TXT_INVALID_PREFIX "Input collection contains duplicates."
#define TXT_BS_DUP TXT_INVALID_PREFIX "Input collection %sof type BS contains duplicates."
#define TXT_EMPTY_NAME "Empty attribute name"
#define TXT_NULL_AV "The supplied Item contains a null AttributeValue"
#define TXT_NULL_AV_NAMED TXT_NULL_AV ": %.*s is null"
#define TXT_NESTING                                                                                \
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested "           \
    "levels beyond supported limit"
/* SerializationException texts: AWS's JSON deserializer names the token it read and the Java
 * type of the slot (dynalite's newest test helper assertType, whose texts are checked against
 * AWS, and Dynoxide's serde error mapping agree on every text below).  DynamoDB Local instead
 * converts numbers and booleans for a String slot and "true"/1 for a Boolean slot: the golden
 * file marks those cases "deviation". */
#define TXT_SER_MAP "Start of structure or map found where not expected"
#define TXT_SER_COLL "Unrecognized collection type class "
#define TXT_SER_LIST_STRING TXT_SER_COLL "java.lang.String"
#define TXT_SER_LIST_BLOB TXT_SER_COLL "java.nio.ByteBuffer"
#define TXT_SER_LIST_BOOL TXT_SER_COLL "java.lang.Boolean"
#define TXT_SER_LIST_AV TXT_SER_COLL "com.amazonaws.dynamodb.v20120810.AttributeValue"
#define TXT_SER_LIST_MAP                                                                           \
    "Unrecognized collection type java.util.Map<java.lang.String, "                                \
    "com.amazonaws.dynamodb.v20120810.AttributeValue>"
#define TXT_SER_TOKEN_STRING "%s cannot be converted to String"
#define TXT_SER_TOKEN_BOOL "%s cannot be converted to Boolean"
#define TXT_SER_BLOB "only base-64-encoded strings are convertible to bytes"
#define TXT_SER_BOOL_STRING "Unexpected token received from parser"
#define TXT_SER_FIELD "Unexpected field type"
#define TXT_SER_VALUE "Unexpected value type in payload"
#define TXT_SER_B64_LEN "Base64 encoded length is expected a multiple of 4 bytes but found: %zu"
#define TXT_SER_B64_CHAR "Invalid Base64 character"
#define TXT_SER_B64_LAST "Invalid last non-pad Base64 character dectected" /* sic: AWS's text */

/* ---------------------------------------------------------------- base64 */


/* Checks standard padded base64; records DynamoDB's SerializationException text.  The bits
 * of the last character before the padding that fall below the last byte must be zero:
 * "+/+=" and "=+/=" are AWS's "Invalid last non-pad Base64 character dectected", looked at
 * before the other characters (dynalite's newest assertType helper, recorded against AWS;
 * its older one has the same text for "+/+=").  DynamoDB Local takes "AB==" as "AA==":
 * tests/golden/ddbjson.json b_nonzero_trailing_bits. */
static int b64_check(const char *s, size_t len, size_t *out_len, err_t *e)
{
    if (len % 4)
        return err_set(e, ERR_SERIALIZATION, TXT_SER_B64_LEN, len);
    size_t pad = 0;
    if (len >= 1 && s[len - 1] == '=')
        pad++;
    if (len >= 2 && s[len - 2] == '=')
        pad++;
    if (pad && len > pad) {
        int last = base_b64_val((unsigned char)s[len - pad - 1], false);
        if (last >= 0 && (last & (pad == 1 ? 0x3 : 0xf)))
            return err_set(e, ERR_SERIALIZATION, TXT_SER_B64_LAST);
    }
    for (size_t i = 0; i < len - pad; i++)
        if (base_b64_val((unsigned char)s[i], false) < 0)
            return err_set(e, ERR_SERIALIZATION, TXT_SER_B64_CHAR);
    *out_len = len / 4 * 3 - pad;
    return 0;
}

int ddbjson_b64_check(const char *s, size_t len, err_t *e)
{
    size_t n;
    return b64_check(s, len, &n, e);
}

/* Decodes checked base64 into out (capacity >= decoded length). */
static void b64_decode(const char *s, size_t len, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = s[i + k] == '=' ? -1 : base_b64_val((unsigned char)s[i + k], false);
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
    char *s = mem_malloc(base_b64_len(len, true) + 1);
    if (!s)
        return NULL;
    *out_len = base_b64_encode(BASE_B64_STD, true, p, len, s);
    s[*out_len] = '\0';
    return s;
}

/* ---------------------------------------------------------------- shared by both trees */

/* How a set's duplicate members are listed in its error text (set_dup_error). */
typedef enum dup_listing {
    DUP_QUOTED_SORTED = 0, /* the current layer: '["a", "b", "b"]' (set_dup_error) */
    DUP_PLAIN_AS_SENT,     /* the older layer (and PartiQL parameters): '[b, a, b]' */
} dup_listing;

typedef struct ctx {
    arena_t *a;
    err_t *e;
    bool java;           /* numbers read as num_parse_java (PartiQL parameters, older layer) */
    dup_listing listing; /* duplicate set members' listing */
    bool ns_dup_current; /* a number set's duplicates in the current layer's words */
} ctx_t;

/* The context of one conversion in a value layer. */
static ctx_t ctx_for(arena_t *a, err_t *e, ddbjson_layer layer)
{
    ctx_t c = {.a = a, .e = e};
    if (layer == DDBJSON_CURRENT) {
        c.listing = DUP_QUOTED_SORTED;
        c.ns_dup_current = true;
    } else { /* DDBJSON_OLDER */
        c.java = true;
        c.listing = DUP_PLAIN_AS_SENT;
    }
    return c;
}

static int nomem(ctx_t *c)
{
    return err_set(c->e, ERR_NOMEM, "out of memory");
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

/* cmp_bytes_av, then the position in the set (the members are one array): equal members in
 * the order they were sent. */
static int cmp_bytes_pos(const void *pa, const void *pb)
{
    int r = cmp_bytes_av(pa, pb);
    if (r)
        return r;
    const av_t *a = *(const av_t *const *)pa, *b = *(const av_t *const *)pb;
    return a < b ? -1 : a > b;
}

/* The members' addresses in a scratch array of the arena, sorted by cmp; NULL: no memory. */
static const av_t **sorted_members(ctx_t *c, const av_t *items, size_t n,
                                   int (*cmp)(const void *, const void *))
{
    const av_t **p = arena_alloc(c->a, (n ? n : 1) * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = &items[i];
    qsort(p, n, sizeof *p, cmp);
    return p;
}

/* True if two members have identical bytes (N members are canonical, so this is numeric
 * equality). */
static int has_dup(ctx_t *c, const av_t *items, size_t n, bool *out)
{
    *out = false;
    if (n < 2)
        return 0;
    const av_t **p = sorted_members(c, items, n, cmp_bytes_av);
    if (!p)
        return nomem(c);
    for (size_t i = 1; i < n; i++)
        if (cmp_bytes_av(&p[i - 1], &p[i]) == 0) {
            *out = true;
            break;
        }
    return 0;
}

/* The service's rendering of an SS ('["a", "a"]') or, bs, of a BS in base64 ('["",""]', no
 * space) for its duplicate message, members in double quotes since its 2026-06 rewording
 * (the conformance suite's probes b_put_dup_ss, esm_put_ss_dup_empty, esm_put_bs_dup_empty,
 * captured 2026-08-12 and 2026-09-06 in every region).  The current layer lists them in byte
 * order up to the first repeat, then the repeat, then the rest as sent (SS b, a, b ->
 * '["a", "b", "b"]'); the older layer (BatchWriteItem, the transactions, Scan) as sent and
 * unquoted, a BS's with ", " too ('[b, a, b]', '[/w==, AA==, AA==]'): eu-west-2, us-east-1,
 * eu-west-1 and us-west-2, 2026-10-09 (the conformance suite's tier3 error-messages/
 * valueLayers).  A JSON null member (items[i].type == AV_NONE) is shown as null, and with
 * one the members stay as sent. */
/* The members in the current layer's order (order[] gets indices into items): those before
 * the first repeat sorted, then the repeat, then the rest as sent.  With a null member, or
 * no repeat among the others, as sent.  O(n log n) (review11 F8: an insertion into a sorted
 * prefix was quadratic, minutes of CPU for one 3 MB request): the members sorted once by
 * bytes then position; the first repeat is the smallest second position of a run of equal
 * members, and the members before it (distinct) come out of the same sorted array in byte
 * order. */
static int dup_order(ctx_t *c, const av_t *items, size_t n, size_t *order)
{
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        if (items[i].type == AV_NONE)
            return 0;
    }
    if (n < 2)
        return 0;
    const av_t **p = sorted_members(c, items, n, cmp_bytes_pos);
    if (!p)
        return nomem(c);
    size_t rep = n;
    for (size_t i = 1; i < n; i++)
        if (cmp_bytes_av(&p[i - 1], &p[i]) == 0 && (size_t)(p[i] - items) < rep &&
            (i < 2 || cmp_bytes_av(&p[i - 2], &p[i - 1]) != 0))
            rep = (size_t)(p[i] - items); /* the second of its run */
    if (rep == n)
        return 0;
    size_t o = 0;
    for (size_t j = 0; j < n; j++)
        if ((size_t)(p[j] - items) < rep)
            order[o++] = (size_t)(p[j] - items);
    for (size_t j = rep; j < n; j++)
        order[o++] = j;
    return 0;
}

static int set_dup_error(ctx_t *c, const av_t *items, size_t n, bool bs)
{
    size_t *order = arena_alloc(c->a, (n ? n : 1) * sizeof *order);
    if (!order)
        return nomem(c);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (c->listing == DUP_QUOTED_SORTED && dup_order(c, items, n, order))
        return ERR_NOMEM;
    bool quoted = c->listing != DUP_PLAIN_AS_SENT;
    buf_t b;
    buf_init(&b, 0); /* the members whole, as AWS lists them (the record cuts the text unless
                        it keeps long ones: base/err.h err_whole) */
    int rc = buf_putc(&b, '[');
    for (size_t x = 0; !rc && x < n; x++) {
        size_t i = order[x];
        if (x)
            rc = bs && quoted ? buf_putc(&b, ',') : buf_append(&b, ", ", 2);
        if (!rc && items[i].type == AV_NONE) {
            rc = buf_append(&b, "null", 4);
            continue;
        }
        if (!rc && quoted)
            rc = buf_putc(&b, '"');
        if (!rc && bs && items[i].u.str.len) {
            size_t elen;
            char *enc = b64_encode((const unsigned char *)items[i].u.str.ptr, items[i].u.str.len,
                                   &elen);
            rc = enc ? buf_append(&b, enc, elen) : ERR_NOMEM;
            free(enc);
        } else if (!rc && items[i].u.str.len) {
            rc = buf_append(&b, items[i].u.str.ptr, items[i].u.str.len);
        }
        if (!rc && quoted)
            rc = buf_putc(&b, '"');
    }
    if (!rc)
        rc = buf_append(&b, "]", 2); /* with its NUL */
    if (rc) {
        buf_fini(&b);
        return err_set(c->e, ERR_NOMEM, "out of memory");
    }
    const char *listing = (const char *)b.data;
    rc = bs ? err_set(c->e, ERR_VALIDATION, TXT_BS_DUP, listing)
            : err_set(c->e, ERR_VALIDATION, TXT_SS_DUP, listing);
    buf_fini(&b);
    return rc;
}

/* The type keys of an attribute value. */
enum { K_S, K_N, K_B, K_BOOL, K_NULL, K_M, K_L, K_SS, K_NS, K_BS, K__N };
static const char *const key_names[K__N] = {"S", "N", "B",  "BOOL", "NULL",
                                            "M", "L", "SS", "NS",   "BS"};
static const size_t key_lens[K__N] = {1, 1, 1, 4, 4, 1, 1, 2, 2, 2};

/* ---------------------------------------------------------------- the passes over jansson */

static void fields_json(const json_t *j, const json_t *f[K__N])
{
    for (int k = 0; k < K__N; k++) {
        const json_t *v = json_object_get(j, key_names[k]);
        f[k] = (v && !json_is_null(v)) ? v : NULL;
    }
}

#define DJ_T json_t
#define DJ_(name) name##_json
#define DJ_IS_NULL(v) json_is_null(v)
#define DJ_IS_OBJECT(v) json_is_object(v)
#define DJ_IS_ARRAY(v) json_is_array(v)
#define DJ_IS_STRING(v) json_is_string(v)
#define DJ_IS_INTEGER(v) json_is_integer(v)
#define DJ_IS_REAL(v) json_is_real(v)
#define DJ_IS_BOOLEAN(v) json_is_boolean(v)
#define DJ_IS_TRUE(v) json_is_true(v)
#define DJ_IS_NUMBER(v) json_is_number(v)
#define DJ_STR(v) json_string_value(v)
#define DJ_STRLEN(v) json_string_length(v)
#define DJ_INT(v) json_integer_value(v)
#define DJ_ARR_SIZE(v) json_array_size(v)
#define DJ_ARR_GET(v, i) json_array_get(v, i)
#define DJ_OBJ_SIZE(v) json_object_size(v)
#define DJ_OBJ_FOREACH(o, k, klen, m) json_object_keylen_foreach((json_t *)(o), k, klen, m)
#define DJ_OBJ_FOREACH_VALUE(o, m)                                                                 \
    for (void *it_ = json_object_iter((json_t *)(o));                                              \
         it_ && ((m = json_object_iter_value(it_)), 1);                                            \
         it_ = json_object_iter_next((json_t *)(o), it_))
#define DJ_FIELDS(j, f) fields_json(j, f)
#include "ddbjson_passes.h" /* undefines the DJ_ parameters */

/* ---------------------------------------------------------------- the passes over jread */

/* One walk over the members (jread_get would walk once per type key); an object's keys are
 * unique, so this finds what json_object_get finds. */
static void fields_jr(const jread_val *j, const jread_val *f[K__N])
{
    for (int k = 0; k < K__N; k++)
        f[k] = NULL;
    for (const jread_val *m = j->child; m; m = m->next) {
        if (m->type == JREAD_NULL || m->key_len == 0 || m->key_len > 4)
            continue;
        for (int k = 0; k < K__N; k++)
            if (key_lens[k] == m->key_len && memcmp(key_names[k], m->key, m->key_len) == 0) {
                f[k] = m;
                break;
            }
    }
}

#define DJ_T jread_val
#define DJ_(name) name##_jr
#define DJ_IS_NULL(v) ((v)->type == JREAD_NULL)
#define DJ_IS_OBJECT(v) ((v)->type == JREAD_OBJECT)
#define DJ_IS_ARRAY(v) ((v)->type == JREAD_ARRAY)
#define DJ_IS_STRING(v) ((v)->type == JREAD_STRING)
#define DJ_IS_INTEGER(v) ((v)->type == JREAD_INTEGER)
#define DJ_IS_REAL(v) ((v)->type == JREAD_REAL)
#define DJ_IS_BOOLEAN(v) ((v)->type == JREAD_TRUE || (v)->type == JREAD_FALSE)
#define DJ_IS_TRUE(v) ((v)->type == JREAD_TRUE)
#define DJ_IS_NUMBER(v) ((v)->type == JREAD_INTEGER || (v)->type == JREAD_REAL)
#define DJ_STR(v) ((v)->text)
#define DJ_STRLEN(v) ((v)->len)
#define DJ_INT(v) ((v)->num.i)
#define DJ_ARR_SIZE(v) ((v)->n)
#define DJ_ARR_GET(v, i) jread_at(v, i)
#define DJ_OBJ_SIZE(v) ((v)->n)
#define DJ_OBJ_FOREACH(o, k, klen, m)                                                              \
    for (m = (o)->child; m && ((k = m->key), (klen = m->key_len), 1); m = m->next)
#define DJ_OBJ_FOREACH_VALUE(o, m) for (m = (o)->child; m; m = m->next)
#define DJ_FIELDS(j, f) fields_jr(j, f)
#include "ddbjson_passes.h" /* undefines the DJ_ parameters */

/* ---------------------------------------------------------------- public: JSON -> av */

int ddbjson_to_av(const json_t *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_av_json(j, a, out, e, DDBJSON_CURRENT);
}

int ddbjson_to_av_in(const json_t *j, ddbjson_layer layer, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_av_json(j, a, out, e, layer);
}

int ddbjson_to_av_param(const json_t *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_av_json(j, a, out, e, DDBJSON_OLDER);
}

int ddbjson_to_av_param_jr(const jread_val *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_av_jr(j, a, out, e, DDBJSON_OLDER);
}

int ddbjson_to_item(const json_t *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_item_json(j, a, out, e, DDBJSON_CURRENT);
}

int ddbjson_to_item_in(const json_t *j, ddbjson_layer layer, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_item_json(j, a, out, e, layer);
}

int ddbjson_to_av_jr(const jread_val *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_av_jr(j, a, out, e, DDBJSON_CURRENT);
}

int ddbjson_to_av_jr_in(const jread_val *j, ddbjson_layer layer, arena_t *a, av_t *out,
                        err_t *e)
{
    return tree_to_av_jr(j, a, out, e, layer);
}

int ddbjson_to_item_jr(const jread_val *j, arena_t *a, av_t *out, err_t *e)
{
    return tree_to_item_jr(j, a, out, e, DDBJSON_CURRENT);
}

int ddbjson_to_item_jr_in(const jread_val *j, ddbjson_layer layer, arena_t *a, av_t *out,
                          err_t *e)
{
    return tree_to_item_jr(j, a, out, e, layer);
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
