/*
 * av — DynamoDB attribute values: constructors, equality, ordering, deep copy, item size,
 * UTF-8 validation and the binary storage codec.  Layer: value.  See av.h.
 *
 * Invariants: values are immutable trees; nothing here frees piecemeal (arena or borrowed
 * memory).  Equality follows DynamoDB (N numerically, sets as sets, maps by member).
 *
 * Item size follows "DynamoDB item sizes and formats"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html),
 * with the exact number and container rules measured against DynamoDB Local by bisecting the
 * 400 KB item limit (tests/unit/value/test_av.c pins them):
 *   S: UTF-8 bytes; B: raw bytes; BOOL/NULL: 1;
 *   N: 1 + number of base-100 digit pairs (aligned at the decimal point) from the first to
 *      the last non-zero pair, +1 more if negative; zero is 1 ("1.1" = 3, "12.34" = 3,
 *      "1.234" = 4, "100" = 2, "-1" = 3);
 *   L/M: 3 + per element 1 + element size (+ name bytes for M);
 *   SS/NS/BS: sum of member sizes, no overhead;
 *   item: sum over attributes of name bytes + value size.
 *
 * Storage codec (AV_CODEC_VERSION 1):
 *   blob   := version(1 byte) value
 *   value  := tag(1 byte) body
 *   S/N/B  := varint len, bytes            BOOL := tag only (AVC_TRUE / AVC_FALSE)
 *   NULL   := tag only                     M    := varint n, n * (varint len, name, value)
 *   L      := varint n, n * value          SS/NS/BS := varint n, n * (varint len, bytes)
 * varint = LEB128, at most 10 bytes.  Decoding rejects anything malformed with ERR_INTERNAL.
 */
#include "av.h"
#include "value_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* ---------------------------------------------------------------- type names */

static const char *const av_names[] = {
    [AV_NONE] = "",     [AV_S] = "S",       [AV_N] = "N",   [AV_B] = "B",
    [AV_BOOL] = "BOOL", [AV_NULL] = "NULL", [AV_M] = "M",   [AV_L] = "L",
    [AV_SS] = "SS",     [AV_NS] = "NS",     [AV_BS] = "BS",
};

const char *av_type_name(av_type t)
{
    if ((unsigned)t > AV_BS)
        return "";
    return av_names[t];
}

av_type av_type_from_name(const char *s, size_t len)
{
    for (int t = AV_S; t <= AV_BS; t++) {
        size_t n = strlen(av_names[t]);
        if (n == len && memcmp(s, av_names[t], n) == 0)
            return (av_type)t;
    }
    return AV_NONE;
}

/* ---------------------------------------------------------------- constructors */

/* A value of type t whose bytes are p[0..len) (S, B, N). */
static inline av_t make_str(av_type t, const char *p, size_t len)
{
    av_t v = {.type = t};
    v.u.str.ptr = p;
    v.u.str.len = len;
    return v;
}

av_t av_make_s(const char *p, size_t len)
{
    return make_str(AV_S, p, len);
}

av_t av_make_b(const char *p, size_t len)
{
    return make_str(AV_B, p, len);
}

av_t av_make_n_canonical(const char *p, size_t len)
{
    return make_str(AV_N, p, len);
}

av_t av_make_bool(bool b)
{
    av_t v = {.type = AV_BOOL};
    v.u.b = b;
    return v;
}

av_t av_make_null(void)
{
    av_t v = {.type = AV_NULL};
    v.u.b = true;
    return v;
}

int av_make_n(arena_t *a, const char *p, size_t len, av_t *out, err_t *e)
{
    char buf[NUM_MAX_TEXT];
    int n = num_canonical(p, len, buf, sizeof buf, e);
    if (n < 0)
        return n;
    char *s = arena_strndup(a, buf, (size_t)n);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    *out = av_make_n_canonical(s, (size_t)n);
    return 0;
}

int av_make_n_java(arena_t *a, const char *p, size_t len, av_t *out, err_t *e)
{
    num_t n;
    int rc = num_parse_java(p, len, &n, e);
    if (rc)
        return rc;
    char buf[NUM_MAX_TEXT];
    size_t k = num_format(&n, buf, sizeof buf);
    char *s = arena_strndup(a, buf, k);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    *out = av_make_n_canonical(s, k);
    return 0;
}

av_t av_make_m(av_kv *kv, size_t n)
{
    av_t v = {.type = AV_M};
    v.u.map.kv = kv;
    v.u.map.n = n;
    return v;
}

static int cmp_scalar_val(const void *pa, const void *pb)
{
    return av_compare_scalar(pa, pb);
}

/* A set's members in the service's order: S and B bytewise (unsigned, a shorter prefix
 * first, so the empty string leads), N by value.  Already in order (the common case: values
 * decoded from storage, sets built from sorted ones): one pass, no writes. */
static void set_sort(av_t *items, size_t n)
{
    size_t i = 1;
    while (i < n && av_compare_scalar(&items[i - 1], &items[i]) < 0)
        i++;
    if (i < n)
        qsort(items, n, sizeof *items, cmp_scalar_val);
}

av_t av_make_list(av_type t, av_t *items, size_t n)
{
    if ((t == AV_SS || t == AV_NS || t == AV_BS) && n > 1)
        set_sort(items, n);
    av_t v = {.type = t};
    v.u.list.items = items;
    v.u.list.n = n;
    return v;
}

/* ---------------------------------------------------------------- maps */

const av_t *av_map_get(const av_t *m, const char *name, size_t len)
{
    if (!m || m->type != AV_M)
        return NULL;
    for (size_t i = 0; i < m->u.map.n; i++) {
        const av_kv *kv = &m->u.map.kv[i];
        if (kv->name_len == len && memcmp(kv->name, name, len) == 0)
            return &kv->val;
    }
    return NULL;
}

const av_t *av_map_gets(const av_t *m, const char *name)
{
    return av_map_get(m, name, strlen(name));
}

int av_map_set(arena_t *a, const av_t *m, const char *name, size_t len, const av_t *v, av_t *out)
{
    size_t n = (m && m->type == AV_M) ? m->u.map.n : 0;
    av_kv *kv = arena_alloc(a, (n + 1) * sizeof *kv);
    if (!kv)
        return ERR_NOMEM;
    size_t k = 0;
    bool replaced = false;
    for (size_t i = 0; i < n; i++) {
        kv[k] = m->u.map.kv[i];
        if (!replaced && kv[k].name_len == len && memcmp(kv[k].name, name, len) == 0) {
            kv[k].val = *v;
            replaced = true;
        }
        k++;
    }
    if (!replaced) {
        kv[k].name = name;
        kv[k].name_len = len;
        kv[k].val = *v;
        k++;
    }
    *out = av_make_m(kv, k);
    return 0;
}

int av_map_del(arena_t *a, const av_t *m, const char *name, size_t len, av_t *out)
{
    size_t n = (m && m->type == AV_M) ? m->u.map.n : 0;
    av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const av_kv *src = &m->u.map.kv[i];
        if (src->name_len == len && memcmp(src->name, name, len) == 0)
            continue;
        kv[k++] = *src;
    }
    *out = av_make_m(kv, k);
    return 0;
}

int av_map_pick(arena_t *a, const av_t *m, const char *const *names, size_t n, av_t *out)
{
    av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n && m && m->type == AV_M; i++) {
        size_t len = strlen(names[i]);
        const av_t *v = av_map_get(m, names[i], len);
        if (!v)
            continue;
        kv[k].name = names[i];
        kv[k].name_len = len;
        kv[k].val = *v;
        k++;
    }
    *out = av_make_m(kv, k);
    return 0;
}

/* ---------------------------------------------------------------- ordering and equality */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

int av_compare_scalar(const av_t *a, const av_t *b)
{
    if (a->type == AV_N && b->type == AV_N)
        return num_cmp_text(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len);
    return bytes_cmp(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len);
}

static bool scalar_eq(const av_t *a, const av_t *b)
{
    if (a->type == AV_N)
        return num_cmp_text(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len) == 0;
    return a->u.str.len == b->u.str.len &&
           (a->u.str.len == 0 || memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
}

bool av_set_contains(const av_t *s, const av_t *x)
{
    for (size_t i = 0; i < s->u.list.n; i++)
        if (s->u.list.items[i].type == x->type && scalar_eq(&s->u.list.items[i], x))
            return true;
    return false;
}

#define AV_SMALL 32 /* below this, quadratic comparison of sets and maps */

static int cmp_scalar_ptr(const void *pa, const void *pb)
{
    const av_t *a = *(const av_t *const *)pa, *b = *(const av_t *const *)pb;
    return av_compare_scalar(a, b);
}

static int cmp_kv_ptr(const void *pa, const void *pb)
{
    const av_kv *a = *(const av_kv *const *)pa, *b = *(const av_kv *const *)pb;
    return bytes_cmp(a->name, a->name_len, b->name, b->name_len);
}

static bool member_eq_ptr(const void *pa, const void *pb)
{
    const av_t *a = *(const av_t *const *)pa, *b = *(const av_t *const *)pb;
    return a->type == b->type && scalar_eq(a, b);
}

static bool kv_eq_ptr(const void *pa, const void *pb)
{
    const av_kv *a = *(const av_kv *const *)pa, *b = *(const av_kv *const *)pb;
    return cmp_kv_ptr(pa, pb) == 0 && av_equal(&a->val, &b->val);
}

/* Two collections of n elements of size sz each (a set's members, a map's members) as equal
 * in any order: pointer arrays to both sorted by cmp, then compared pairwise by eq (malloc'ed
 * scratch: av_equal has no arena).  -1 when the scratch cannot be had (the caller falls back
 * to the quadratic scan), else whether they are equal. */
static int sorted_eq(const void *a, const void *b, size_t n, size_t sz,
                     int (*cmp)(const void *, const void *),
                     bool (*eq)(const void *, const void *))
{
    const void **pa = malloc(2 * n * sizeof *pa);
    if (!pa)
        return -1;
    const void **pb = pa + n;
    for (size_t i = 0; i < n; i++) {
        pa[i] = (const char *)a + i * sz;
        pb[i] = (const char *)b + i * sz;
    }
    qsort(pa, n, sizeof *pa, cmp);
    qsort(pb, n, sizeof *pb, cmp);
    bool equal = true;
    for (size_t i = 0; i < n && equal; i++)
        equal = eq(&pa[i], &pb[i]);
    free(pa);
    return equal;
}

/* Sets are unique by construction, so equal size + every member of a in b == equality.
 * Large sets are compared sorted (sorted_eq); on allocation failure the quadratic scan. */
static bool set_eq(const av_t *a, const av_t *b)
{
    size_t n = a->u.list.n;
    if (n != b->u.list.n)
        return false;
    int r = n > AV_SMALL ? sorted_eq(a->u.list.items, b->u.list.items, n, sizeof(av_t),
                                     cmp_scalar_ptr, member_eq_ptr)
                         : -1;
    if (r >= 0)
        return r;
    for (size_t i = 0; i < n; i++)
        if (!av_set_contains(b, &a->u.list.items[i]))
            return false;
    return true;
}

static bool map_eq(const av_t *a, const av_t *b)
{
    size_t n = a->u.map.n;
    if (n != b->u.map.n)
        return false;
    int r = n > AV_SMALL ? sorted_eq(a->u.map.kv, b->u.map.kv, n, sizeof(av_kv), cmp_kv_ptr,
                                     kv_eq_ptr)
                         : -1;
    if (r >= 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        const av_kv *kv = &a->u.map.kv[i];
        const av_t *o = av_map_get(b, kv->name, kv->name_len);
        if (!o || !av_equal(&kv->val, o))
            return false;
    }
    return true;
}

bool av_equal(const av_t *a, const av_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case AV_NONE:
    case AV_NULL:
        return true;
    case AV_S:
    case AV_N:
    case AV_B:
        return scalar_eq(a, b);
    case AV_BOOL:
        return a->u.b == b->u.b;
    case AV_L:
        if (a->u.list.n != b->u.list.n)
            return false;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!av_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    case AV_SS:
    case AV_NS:
    case AV_BS:
        return set_eq(a, b);
    case AV_M:
        return map_eq(a, b);
    }
    return false;
}

/* ---------------------------------------------------------------- deep copy */

static int copy_rec(arena_t *a, const av_t *src, av_t *out, int depth)
{
    if (depth > 4 * AV_MAX_DEPTH + 64) /* values are validated long before; defensive */
        return ERR_INTERNAL;
    *out = *src;
    switch (src->type) {
    case AV_S:
    case AV_N:
    case AV_B: {
        char *p = arena_alloc(a, src->u.str.len + 1);
        if (!p)
            return ERR_NOMEM;
        if (src->u.str.len)
            memcpy(p, src->u.str.ptr, src->u.str.len);
        p[src->u.str.len] = '\0';
        out->u.str.ptr = p;
        return 0;
    }
    case AV_L:
    case AV_SS:
    case AV_NS:
    case AV_BS: {
        size_t n = src->u.list.n;
        av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
        if (!items)
            return ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = copy_rec(a, &src->u.list.items[i], &items[i], depth + 1);
            if (rc)
                return rc;
        }
        out->u.list.items = items;
        return 0;
    }
    case AV_M: {
        size_t n = src->u.map.n;
        av_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
        if (!kv)
            return ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            const av_kv *s = &src->u.map.kv[i];
            char *name = arena_strndup(a, s->name ? s->name : "", s->name_len);
            if (!name)
                return ERR_NOMEM;
            kv[i].name = name;
            kv[i].name_len = s->name_len;
            int rc = copy_rec(a, &s->val, &kv[i].val, depth + 1);
            if (rc)
                return rc;
        }
        out->u.map.kv = kv;
        return 0;
    }
    default:
        return 0;
    }
}

int av_copy(arena_t *a, const av_t *src, av_t *out)
{
    return copy_rec(a, src, out, 0);
}

/* ---------------------------------------------------------------- item size */

/* Size of a canonical (or merely valid) number text; see the header comment. */
static size_t num_size(const char *p, size_t len)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+')) {
        neg = p[i] == '-';
        i++;
    }
    /* Locate digits: integer part [i, dot), fraction (dot, end); exponent after e/E. */
    size_t end = len;
    long exp10 = 0;
    for (size_t k = i; k < len; k++) {
        if (p[k] == 'e' || p[k] == 'E') {
            end = k;
            bool eneg = false;
            size_t j = k + 1;
            if (j < len && (p[j] == '-' || p[j] == '+'))
                eneg = p[j++] == '-';
            for (; j < len && p[j] >= '0' && p[j] <= '9'; j++)
                if (exp10 < 100000)
                    exp10 = exp10 * 10 + (p[j] - '0');
            if (eneg)
                exp10 = -exp10;
            break;
        }
    }
    size_t dot = end;
    for (size_t k = i; k < end; k++)
        if (p[k] == '.') {
            dot = k;
            break;
        }
    /* Decimal exponent of each digit: integer digit at k has (dot-1-k), fraction digit at k
     * has -(k-dot).  Find the first and last non-zero digit exponents. */
    bool any = false;
    long hi = 0, lo = 0;
    for (size_t k = i; k < end; k++) {
        if (k == dot || p[k] < '1' || p[k] > '9')
            continue;
        long e10 = (k < dot ? (long)(dot - 1 - k) : -(long)(k - dot)) + exp10;
        if (!any) {
            hi = lo = e10;
            any = true;
        } else {
            if (e10 > hi)
                hi = e10;
            if (e10 < lo)
                lo = e10;
        }
    }
    if (!any)
        return 1; /* zero */
    /* base-100 pair index = floor(e10 / 2) */
    long phi = hi >= 0 ? hi / 2 : -((-hi + 1) / 2);
    long plo = lo >= 0 ? lo / 2 : -((-lo + 1) / 2);
    return (size_t)(phi - plo + 1) + 1 + (neg ? 1 : 0);
}

size_t av_num_size(const char *p, size_t len)
{
    return num_size(p, len);
}

size_t av_value_size(const av_t *v)
{
    size_t s = 0;
    switch (v->type) {
    case AV_S:
    case AV_B:
        return v->u.str.len;
    case AV_N:
        return num_size(v->u.str.ptr, v->u.str.len);
    case AV_BOOL:
    case AV_NULL:
        return 1;
    case AV_SS:
    case AV_NS:
    case AV_BS:
        for (size_t i = 0; i < v->u.list.n; i++)
            s += av_value_size(&v->u.list.items[i]);
        return s;
    case AV_L:
        s = 3;
        for (size_t i = 0; i < v->u.list.n; i++)
            s += 1 + av_value_size(&v->u.list.items[i]);
        return s;
    case AV_M:
        s = 3;
        for (size_t i = 0; i < v->u.map.n; i++)
            s += 1 + v->u.map.kv[i].name_len + av_value_size(&v->u.map.kv[i].val);
        return s;
    default:
        return 0;
    }
}

size_t av_item_size(const av_t *item)
{
    size_t s = 0;
    if (!item || item->type != AV_M)
        return 0;
    for (size_t i = 0; i < item->u.map.n; i++)
        s += item->u.map.kv[i].name_len + av_value_size(&item->u.map.kv[i].val);
    return s;
}

/* av_value_size of v at depth, setting *long_name when a map key at a depth up to
 * AV_MAX_DEPTH is longer than AV_MAX_NAME_LEN. */
static size_t size_names_rec(const av_t *v, int depth, bool *long_name)
{
    size_t s = 3;
    switch (v->type) {
    case AV_L:
        for (size_t i = 0; i < v->u.list.n; i++)
            s += 1 + size_names_rec(&v->u.list.items[i], depth + 1, long_name);
        return s;
    case AV_M:
        for (size_t i = 0; i < v->u.map.n; i++) {
            const av_kv *kv = &v->u.map.kv[i];
            if (kv->name_len > AV_MAX_NAME_LEN && depth <= AV_MAX_DEPTH)
                *long_name = true;
            s += 1 + kv->name_len + size_names_rec(&kv->val, depth + 1, long_name);
        }
        return s;
    default:
        return av_value_size(v);
    }
}

size_t av_item_size_names(const av_t *item, bool *out_long_name)
{
    size_t s = 0;
    *out_long_name = false;
    if (!item || item->type != AV_M)
        return 0;
    for (size_t i = 0; i < item->u.map.n; i++) {
        const av_kv *kv = &item->u.map.kv[i];
        if (kv->name_len > AV_MAX_NAME_LEN)
            *out_long_name = true;
        s += kv->name_len + size_names_rec(&kv->val, 1, out_long_name);
    }
    return s;
}

/* ---------------------------------------------------------------- UTF-8 */

bool av_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false; /* continuation byte, overlong lead C0/C1, or F5..FF */
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            unsigned cc = p[i + k];
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* ---------------------------------------------------------------- storage codec */


/* The encoding in two passes: enc_size measures it (and refuses what enc_rec refused: too
 * deep, an unknown type), then enc_write writes it into space reserved once.  Writing through
 * buf_append per tag, length and name cost ~400 instructions per attribute (issue 13: 3.1k per
 * 7-attribute item, 19k per TransactWriteItems C+D). */
#define ENC_BAD SIZE_MAX

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t bytes_len(size_t len)
{
    return varint_len(len) + len;
}

/* a + b, or ENC_BAD (an overflow, or either is ENC_BAD) */
static size_t enc_add(size_t a, size_t b)
{
    return a == ENC_BAD || b == ENC_BAD || b > ENC_BAD - 1 - a ? ENC_BAD : a + b;
}

static size_t enc_size(const av_t *v, int depth)
{
    if (depth > AVC_MAX_DEPTH)
        return ENC_BAD;
    size_t n;
    switch (v->type) {
    case AV_S:
    case AV_N:
    case AV_B:
        return enc_add(1, bytes_len(v->u.str.len));
    case AV_BOOL:
    case AV_NULL:
        return 1;
    case AV_M:
        n = 1 + varint_len(v->u.map.n);
        for (size_t i = 0; i < v->u.map.n && n != ENC_BAD; i++) {
            const av_kv *kv = &v->u.map.kv[i];
            n = enc_add(n, enc_add(bytes_len(kv->name_len), enc_size(&kv->val, depth + 1)));
        }
        return n;
    case AV_L:
        n = 1 + varint_len(v->u.list.n);
        for (size_t i = 0; i < v->u.list.n && n != ENC_BAD; i++)
            n = enc_add(n, enc_size(&v->u.list.items[i], depth + 1));
        return n;
    case AV_SS:
    case AV_NS:
    case AV_BS:
        n = 1 + varint_len(v->u.list.n);
        for (size_t i = 0; i < v->u.list.n && n != ENC_BAD; i++)
            n = enc_add(n, bytes_len(v->u.list.items[i].u.str.len));
        return n;
    default:
        return ENC_BAD;
    }
}

static unsigned char *put_varint(unsigned char *o, uint64_t v)
{
    do {
        unsigned char b = v & 0x7F;
        v >>= 7;
        *o++ = b | (v ? 0x80 : 0);
    } while (v);
    return o;
}

static unsigned char *put_bytes(unsigned char *o, const char *p, size_t len)
{
    o = put_varint(o, len);
    if (len)
        memcpy(o, p, len);
    return o + len;
}

/* Writes v (enc_size accepted it) at o; returns the end. */
static unsigned char *enc_write(const av_t *v, unsigned char *o)
{
    switch (v->type) {
    case AV_S:
    case AV_N:
    case AV_B:
        *o++ = v->type == AV_S ? AVC_S : v->type == AV_N ? AVC_N : AVC_B;
        return put_bytes(o, v->u.str.ptr, v->u.str.len);
    case AV_BOOL:
        *o++ = v->u.b ? AVC_TRUE : AVC_FALSE;
        return o;
    case AV_NULL:
        *o++ = AVC_NULL;
        return o;
    case AV_M:
        *o++ = AVC_M;
        o = put_varint(o, v->u.map.n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            const av_kv *kv = &v->u.map.kv[i];
            o = put_bytes(o, kv->name, kv->name_len);
            o = enc_write(&kv->val, o);
        }
        return o;
    case AV_L:
        *o++ = AVC_L;
        o = put_varint(o, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++)
            o = enc_write(&v->u.list.items[i], o);
        return o;
    default: /* AV_SS, AV_NS, AV_BS (enc_size refused any other type) */
        *o++ = v->type == AV_SS ? AVC_SS : v->type == AV_NS ? AVC_NS : AVC_BS;
        o = put_varint(o, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++)
            o = put_bytes(o, v->u.list.items[i].u.str.ptr, v->u.list.items[i].u.str.len);
        return o;
    }
}

int av_encode(const av_t *v, buf_t *out)
{
    size_t n = enc_add(enc_size(v, 0), 1);
    if (n == ENC_BAD)
        return ERR_INTERNAL;
    int rc = buf_reserve(out, n);
    if (rc)
        return rc; /* the buffer as it was */
    unsigned char *o = out->data + out->len;
    *o++ = AV_CODEC_VERSION;
    o = enc_write(v, o);
    out->len = (size_t)(o - out->data);
    return 0;
}

typedef struct dec {
    const unsigned char *p;
    size_t len, pos;
    arena_t *a;
    /* the member array of every empty M, and of every empty L or set, of one decode (one
     * allocation each, taken at the first): an array of its own cost an empty container 16-48
     * bytes, a list of 100,000 empty maps 4.8 MB more (review15 F5) */
    av_kv *empty_kv;
    av_t *empty_items;
} dec_t;

int av_varint_long(const unsigned char *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -1;
        unsigned char b = p[(*pos)++];
        if (shift == 63 && (b & 0x7E))
            return -1; /* overflow */
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static inline int get_bytes(dec_t *d, const char **p, size_t *len)
{
    return av_varint_bytes(d->p, d->len, &d->pos, p, len) ? ERR_INTERNAL : 0;
}

static int get_count(dec_t *d, size_t *n)
{
    return av_varint_count(d->p, d->len, &d->pos, n) ? ERR_INTERNAL : 0;
}

static int dec_rec(dec_t *d, av_t *out, int depth)
{
    if (depth > AVC_MAX_DEPTH || d->pos >= d->len)
        return ERR_INTERNAL;
    unsigned char tag = d->p[d->pos++];
    memset(out, 0, sizeof *out);
    size_t n = 0;
    switch (tag) {
    case AVC_S:
    case AVC_N:
    case AVC_B:
        out->type = tag == AVC_S ? AV_S : tag == AVC_N ? AV_N : AV_B;
        return get_bytes(d, &out->u.str.ptr, &out->u.str.len);
    case AVC_FALSE:
    case AVC_TRUE:
        *out = av_make_bool(tag == AVC_TRUE);
        return 0;
    case AVC_NULL:
        *out = av_make_null();
        return 0;
    case AVC_M: {
        if (get_count(d, &n))
            return ERR_INTERNAL;
        if (!n && !d->empty_kv)
            d->empty_kv = arena_zalloc(d->a, sizeof *d->empty_kv);
        av_kv *kv = n ? arena_alloc(d->a, n * sizeof *kv) : d->empty_kv;
        if (!kv)
            return ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            if (get_bytes(d, &kv[i].name, &kv[i].name_len))
                return ERR_INTERNAL;
            int rc = dec_rec(d, &kv[i].val, depth + 1);
            if (rc)
                return rc;
        }
        *out = av_make_m(kv, n);
        return 0;
    }
    case AVC_L: {
        if (get_count(d, &n))
            return ERR_INTERNAL;
        if (!n && !d->empty_items)
            d->empty_items = arena_zalloc(d->a, sizeof *d->empty_items);
        av_t *items = n ? arena_alloc(d->a, n * sizeof *items) : d->empty_items;
        if (!items)
            return ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = dec_rec(d, &items[i], depth + 1);
            if (rc)
                return rc;
        }
        *out = av_make_list(AV_L, items, n);
        return 0;
    }
    case AVC_SS:
    case AVC_NS:
    case AVC_BS: {
        av_type st = tag == AVC_SS ? AV_SS : tag == AVC_NS ? AV_NS : AV_BS;
        av_type mt = tag == AVC_SS ? AV_S : tag == AVC_NS ? AV_N : AV_B;
        if (get_count(d, &n))
            return ERR_INTERNAL;
        if (!n && !d->empty_items)
            d->empty_items = arena_zalloc(d->a, sizeof *d->empty_items);
        av_t *items = n ? arena_alloc(d->a, n * sizeof *items) : d->empty_items;
        if (!items)
            return ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            memset(&items[i], 0, sizeof items[i]);
            items[i].type = mt;
            if (get_bytes(d, &items[i].u.str.ptr, &items[i].u.str.len))
                return ERR_INTERNAL;
        }
        *out = av_make_list(st, items, n);
        return 0;
    }
    default:
        return ERR_INTERNAL;
    }
}

/* av_value_size of the value at d, read from its encoding (the same checks as dec_rec). */
static int size_rec(dec_t *d, size_t *out, int depth)
{
    if (depth > AVC_MAX_DEPTH || d->pos >= d->len)
        return ERR_INTERNAL;
    unsigned char tag = d->p[d->pos++];
    const char *p;
    size_t n, k, s = 0;
    switch (tag) {
    case AVC_S:
    case AVC_N:
    case AVC_B:
        if (get_bytes(d, &p, &n))
            return ERR_INTERNAL;
        *out = tag == AVC_N ? num_size(p, n) : n;
        return 0;
    case AVC_FALSE:
    case AVC_TRUE:
    case AVC_NULL:
        *out = 1;
        return 0;
    case AVC_M:
    case AVC_L:
        if (get_count(d, &n))
            return ERR_INTERNAL;
        s = 3;
        for (size_t i = 0; i < n; i++) {
            if (tag == AVC_M) {
                if (get_bytes(d, &p, &k))
                    return ERR_INTERNAL;
                s += k;
            }
            if (size_rec(d, &k, depth + 1))
                return ERR_INTERNAL;
            s += 1 + k;
        }
        *out = s;
        return 0;
    case AVC_SS:
    case AVC_NS:
    case AVC_BS:
        if (get_count(d, &n))
            return ERR_INTERNAL;
        for (size_t i = 0; i < n; i++) {
            if (get_bytes(d, &p, &k))
                return ERR_INTERNAL;
            s += tag == AVC_NS ? num_size(p, k) : k;
        }
        *out = s;
        return 0;
    default:
        return ERR_INTERNAL;
    }
}

int av_stored_scan(const void *data, size_t len, const char *const *names,
                   const size_t *name_lens, size_t nnames, av_t *vals, size_t *size)
{
    dec_t d = {.p = data, .len = len, .pos = 2, .a = NULL};
    for (size_t j = 0; j < nnames; j++)
        memset(&vals[j], 0, sizeof vals[j]); /* AV_NONE */
    *size = 0;
    size_t n, total = 0, left = nnames;
    if (!data || len < 2 || d.p[0] != AV_CODEC_VERSION || d.p[1] != AVC_M || get_count(&d, &n))
        return ERR_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t nl, vs;
        if (get_bytes(&d, &name, &nl) || d.pos >= d.len)
            return ERR_INTERNAL;
        unsigned char tag = d.p[d.pos];
        if (tag == AVC_S || tag == AVC_N || tag == AVC_B) { /* scalars here, the rest apart */
            const char *p;
            size_t pn;
            d.pos++;
            if (get_bytes(&d, &p, &pn))
                return ERR_INTERNAL;
            total += nl + (tag == AVC_N ? num_size(p, pn) : pn);
            /* matched only while a name is still unfound (a Query's page key: 2-4 names
             * against every member of every item), first byte before memcmp */
            for (size_t j = 0; left && j < nnames; j++) {
                if (vals[j].type == AV_NONE && name_lens[j] == nl &&
                    (nl == 0 || names[j][0] == name[0]) && memcmp(names[j], name, nl) == 0) {
                    vals[j].type = tag == AVC_S ? AV_S : tag == AVC_N ? AV_N : AV_B;
                    vals[j].u.str.ptr = p;
                    vals[j].u.str.len = pn;
                    left--;
                }
            }
            continue;
        }
        if (size_rec(&d, &vs, 1))
            return ERR_INTERNAL;
        total += nl + vs;
    }
    if (d.pos != d.len)
        return ERR_INTERNAL; /* trailing bytes */
    *size = total;
    return 0;
}

int av_decode(const void *data, size_t len, arena_t *a, av_t *out)
{
    dec_t d = {.p = data, .len = len, .pos = 0, .a = a};
    if (!data || len < 2 || d.p[0] != AV_CODEC_VERSION)
        return ERR_INTERNAL;
    d.pos = 1;
    av_t v;
    int rc = dec_rec(&d, &v, 0);
    if (rc)
        return rc;
    if (d.pos != d.len)
        return ERR_INTERNAL; /* trailing bytes */
    *out = v;
    return 0;
}
