/*
 * jout — the JSON reply writer.  Layer: value.  See jout.h.
 * Tests: tests/unit/value/test_jout.c (against json_dumps and ddbjson_from_item), the
 * stream-vs-tree test tests/unit/api/test_stream_golden.c.
 *
 * The CRC follows the writing in chunks: whenever at least JOUT_CRC_CHUNK bytes are pending,
 * and before the buffer is moved by realloc, the pending bytes (just written, still in the
 * cache) are folded into the CRC; jout_crc folds the tail.  So the reply is never read again
 * from memory for its x-amz-crc32.
 */
#include "value/jout.h"

#include <malloc.h> /* malloc_usable_size */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#if defined(__SSE2__) && !defined(JOUT_NO_SSE2) /* -DJOUT_NO_SSE2: the portable path */
#define JOUT_SSE2 1
#include <emmintrin.h>
#endif

#include "base/b64.h"
#include "value/crc.h"
#include "value/value_int.h"

#define JOUT_CRC_CHUNK 4096
#define JOUT_MAX_DEPTH 128
#define JOUT_FIRST_CAP 1024 /* a GetItem reply, its strings reserved at 6 bytes each */

static const char jout_hex[] = "0123456789ABCDEF";

/* The calling thread's spare block (jout_text_free): taken by a writer's first allocation.
 * A thread that ever keeps one registers jout_spare_key, whose destructor frees it when the
 * thread ends (the value is only a marker: the block is read from this thread's slot). */
static _Thread_local struct {
    char *p;
    size_t cap; /* bytes usable at p */
    bool keyed; /* jout_spare_key set for this thread */
} jout_spare;
static pthread_key_t jout_spare_key;
static pthread_once_t jout_spare_once = PTHREAD_ONCE_INIT;
static bool jout_spare_key_ok;

static void jout_spare_drop(void *marker)
{
    (void)marker;
    free(jout_spare.p);
    jout_spare.p = NULL;
    jout_spare.cap = 0;
}

static void jout_spare_key_make(void)
{
    jout_spare_key_ok = pthread_key_create(&jout_spare_key, jout_spare_drop) == 0;
}

void jout_text_free(void *p)
{
    if (!p)
        return;
    size_t cap = malloc_usable_size(p);
    if (cap > JOUT_SPARE_MAX || (jout_spare.p && cap <= jout_spare.cap)) {
        free(p);
        return;
    }
    if (!jout_spare.keyed) {
        pthread_once(&jout_spare_once, jout_spare_key_make);
        if (!jout_spare_key_ok || pthread_setspecific(jout_spare_key, &jout_spare) != 0) {
            free(p); /* nothing would free it when the thread ends */
            return;
        }
        jout_spare.keyed = true;
    }
    free(jout_spare.p);
    jout_spare.p = p;
    jout_spare.cap = cap;
}

/* The thread's spare block as w's buffer (w has none yet), within w's max. */
static void jout_take_spare(jout *w)
{
    w->p = jout_spare.p;
    w->cap = jout_spare.cap < w->max ? jout_spare.cap : w->max;
    jout_spare.p = NULL;
    jout_spare.cap = 0;
}

void jout_init(jout *w, size_t max)
{
    memset(w, 0, sizeof *w);
    w->max = max ? max : JOUT_DEFAULT_MAX;
    w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

void jout_fini(jout *w)
{
    if (!w)
        return;
    free(w->p);
    w->p = NULL;
    w->len = w->cap = w->crc_len = 0;
}

void jout_reset(jout *w)
{
    w->len = w->crc_len = 0;
    w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    w->failed = false;
}

bool jout_failed(const jout *w)
{
    return w->failed;
}

static void jout_crc_fold(jout *w)
{
    if (w->len > w->crc_len) {
        w->crc = crc_ieee(w->crc, w->p + w->crc_len, w->len - w->crc_len);
        w->crc_len = w->len;
    }
}

static int jout_fail(jout *w)
{
    w->failed = true;
    return -1;
}

static int jout_grow(jout *w, size_t n);

/* Room for n more bytes.  cap never exceeds max, so fitting in cap fits in max. */
static inline int jout_reserve(jout *w, size_t n)
{
    if (!w->failed && n <= w->cap - w->len && w->len - w->crc_len < JOUT_CRC_CHUNK)
        return 0;
    return jout_grow(w, n);
}

/* Whether the grow hook let the maximum take n more bytes (none: it does not). */
static bool jout_hook(jout *w, size_t n)
{
    return w->grow && n <= SIZE_MAX - w->len && w->grow(w, w->len + n, w->grow_ctx) == 0 &&
           n <= w->max - w->len;
}

static int jout_grow(jout *w, size_t n)
{
    if (w->failed)
        return -1;
    if (w->len - w->crc_len >= JOUT_CRC_CHUNK)
        jout_crc_fold(w);
    if (n > w->max - w->len && !w->grow)
        return jout_fail(w);
    if (!w->p && jout_spare.p)
        jout_take_spare(w);
    if (n <= w->cap - w->len)
        return 0;
    jout_crc_fold(w);
    if (n > w->max - w->len && !jout_hook(w, n)) {
        w->refused = true;
        return jout_fail(w);
    }
    size_t cap = w->cap ? w->cap : (JOUT_FIRST_CAP < w->max ? JOUT_FIRST_CAP : w->max);
    while (cap - w->len < n)
        cap = cap > w->max / 2 ? w->max : cap * 2;
    char *np = realloc(w->p, cap);
    if (!np)
        return jout_fail(w);
    w->p = np;
    w->cap = cap;
    return 0;
}

void jout_hint(jout *w, size_t n)
{
    if (!w->failed && !w->p && jout_spare.p)
        jout_take_spare(w);
    if (w->failed || n <= w->cap - w->len || (n > w->max - w->len && !jout_hook(w, n)))
        return;
    jout_crc_fold(w); /* what is pending, before realloc moves it */
    char *np = realloc(w->p, w->len + n);
    if (!np)
        return; /* the writer keeps its buffer and grows as it would have */
    w->p = np;
    w->cap = w->len + n;
}

int jout_room(jout *w, size_t n)
{
    if (w->failed || !w->grow || n <= w->max - w->len)
        return 0;
    if (n > SIZE_MAX - w->len)
        return -1;
    w->room = true;
    int rc = w->grow(w, w->len + n, w->grow_ctx);
    w->room = false;
    return rc == 0 && n <= w->max - w->len ? 0 : -1;
}

int jout_raw(jout *w, const char *s, size_t n)
{
    if (jout_reserve(w, n))
        return -1;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    return 0;
}

/* True when none of the 8 bytes needs an escape: none below 0x20, none '"' or '\\'.  Bytes
 * from 0x80 are plain too (UTF-8, checked once per string); *high collects their top bits. */
static inline bool jout_plain8(uint64_t x, uint64_t *high)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t ctl = (x - ones * 0x20) & ~x; /* bytes < 0x20 */
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t quote = (q - ones) & ~q, back = (bs - ones) & ~bs; /* bytes == '"' / '\\' */
    *high |= x & highs;
    return ((ctl | quote | back) & highs) == 0;
}

#ifdef JOUT_SSE2
/* The bytes of x that need an escape (below 0x20, '"', '\\') as 0xFF, the others 0. */
static inline __m128i jout_bad16(__m128i x)
{
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
    __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    __m128i back = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    return _mm_or_si128(ctl, _mm_or_si128(quote, back));
}
#endif

/* Writes s[0..n) escaped, without the quotes, at o (room for 6n bytes); returns the end.
 * *high is non-zero afterwards when a byte >= 0x80 was seen (the caller checks UTF-8). */
__attribute__((always_inline)) static inline char *jout_esc(char *o, const char *s, size_t n,
                                                            uint64_t *high)
{
    size_t i = 0;
    /* Whole strings without an escape (nearly all) in a few overlapping loads: 16-byte blocks
     * then the last 16 bytes again; 8 to 15 bytes as two 8-byte words, 4 to 7 as two 4-byte
     * halves of one.  Anything needing an escape falls through to the general loop. */
#ifdef JOUT_SSE2
    if (n >= 16) {
        __m128i hi = _mm_setzero_si128();
        for (;;) {
            size_t at = i + 16 <= n ? i : n - 16; /* the last block overlaps the one before */
            __m128i x = _mm_loadu_si128((const __m128i *)(s + at));
            __m128i bad = jout_bad16(x);
            if (_mm_movemask_epi8(bad))
                break;
            _mm_storeu_si128((__m128i *)(o + at), x);
            hi = _mm_or_si128(hi, x);
            i = at + 16;
            if (i == n) {
                *high |= (uint64_t)_mm_movemask_epi8(hi);
                return o + n;
            }
        }
        *high |= (uint64_t)_mm_movemask_epi8(hi);
        o += i;
    } else
#endif
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
#ifdef JOUT_SSE2
        /* both words in one register: one check instead of two word checks */
        __m128i x = _mm_set_epi64x((long long)b, (long long)a);
        if (!_mm_movemask_epi8(jout_bad16(x))) {
            *high |= (uint64_t)_mm_movemask_epi8(x);
#else
        if (jout_plain8(a, high) && jout_plain8(b, high)) {
#endif
            memcpy(o, &a, 8);
            memcpy(o + n - 8, &b, 8);
            return o + n;
        }
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        if (jout_plain8((uint64_t)a | (uint64_t)b << 32, high)) {
            memcpy(o, &a, 4);
            memcpy(o + n - 4, &b, 4);
            return o + n;
        }
    } else if (n && n < 4) { /* "pk", "sk": the first, the middle and the last byte */
        unsigned char c0 = (unsigned char)s[0], c1 = (unsigned char)s[n >> 1],
                      c2 = (unsigned char)s[n - 1];
        if (jout_plain8((uint64_t)c0 | (uint64_t)c1 << 8 | (uint64_t)c2 << 16 |
                            0x6161616161000000ULL, /* 'a': plain */
                        high)) {
            o[0] = (char)c0;
            o[n >> 1] = (char)c1;
            o[n - 1] = (char)c2;
            return o + n;
        }
    }
    while (i < n) {
#ifdef JOUT_SSE2
        /* runs of plain bytes, 16 at a time: the store may run ahead of the escape found in
         * the block, which is then written over (6n bytes of room cover it) */
        while (i + 16 <= n) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i bad = jout_bad16(x);
            _mm_storeu_si128((__m128i *)o, x);
            *high |= (uint64_t)_mm_movemask_epi8(x);
            unsigned m = (unsigned)_mm_movemask_epi8(bad);
            if (m) {
                unsigned k = (unsigned)__builtin_ctz(m);
                o += k;
                i += k;
                goto escape;
            }
            o += 16;
            i += 16;
        }
#endif
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!jout_plain8(x, high))
                break;
            memcpy(o, &x, 8);
            o += 8;
            i += 8;
        }
        /* the tail, or the block holding an escape, a byte at a time */
        for (size_t stop = i + 8 < n ? i + 8 : n; i < stop;) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == '"' || c == '\\')
                goto escape;
            *high |= c & 0x80;
            *o++ = (char)c;
            i++;
        }
        continue;
    escape:;
        unsigned char c = (unsigned char)s[i++];
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = jout_hex[c >> 4];
            *o++ = jout_hex[c & 15];
        }
    }
    return o;
}

/* Room for a string of n bytes, escaped and quoted, plus `more`; -1 (failed) when it cannot
 * be had.  The bound keeps n * 6 from overflowing. */
static inline int jout_reserve_str(jout *w, size_t n, size_t more)
{
    if (n > ((size_t)1 << 36) || jout_reserve(w, n * 6 + 2 + more))
        return jout_fail(w);
    return 0;
}

int jout_str(jout *w, const char *s, size_t n)
{
    if (jout_reserve_str(w, n, 0))
        return -1;
    char *o = w->p + w->len;
    uint64_t high = 0;
    *o++ = '"';
    o = jout_esc(o, s, n, &high);
    *o++ = '"';
    if (high && !av_utf8_valid(s, n)) /* json_dumps refuses invalid UTF-8 too */
        return jout_fail(w);
    w->len = (size_t)(o - w->p);
    return 0;
}

int jout_key(jout *w, const char *key, size_t n)
{
    return jout_member_key(w, false, key, n);
}

int jout_member_key(jout *w, bool comma, const char *key, size_t n)
{
    if (jout_reserve_str(w, n, 2)) /* the comma and the colon: one reservation for the three */
        return -1;
    char *o = w->p + w->len;
    uint64_t high = 0;
    if (comma)
        *o++ = ',';
    *o++ = '"';
    o = jout_esc(o, key, n, &high);
    *o++ = '"';
    *o++ = ':';
    if (high && !av_utf8_valid(key, n)) /* json_dumps refuses invalid UTF-8 too */
        return jout_fail(w);
    w->len = (size_t)(o - w->p);
    return 0;
}

int jout_int(jout *w, long long v)
{
    char tmp[24];
    size_t k = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--k] = '-';
    return jout_raw(w, tmp + k, sizeof tmp - k);
}

/* base64 (standard alphabet, padded) as a JSON string: ASCII, no escapes needed. */
static int jout_b64str(jout *w, const unsigned char *p, size_t len)
{
    if (jout_reserve(w, base_b64_len(len, true) + 2))
        return -1;
    char *o = w->p + w->len;
    *o++ = '"';
    o += base_b64_encode(BASE_B64_STD, true, p, len, o);
    *o++ = '"';
    w->len = (size_t)(o - w->p);
    return 0;
}

/* A real as jansson writes it: a multiple of 0.5 below 2^52 (capacity units, whole GiB) as
 * "<integer>.0" / "<integer>.5", which is what its "%.17g" plus ".0" gives for those; any
 * other value through jansson itself. */
int jout_real(jout *w, double v)
{
    if (!signbit(v) && v < 4503599627370496.0 && (double)(long long)(v * 2) == v * 2) {
        long long h = (long long)(v * 2);
        if (jout_int(w, h / 2))
            return -1;
        return jout_raw(w, h % 2 ? ".5" : ".0", 2);
    }
    json_t *j = json_real(v);
    char *t = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!t)
        return jout_fail(w);
    int rc = jout_raw(w, t, strlen(t));
    free(t);
    return rc;
}

/* ---- jansson trees ------------------------------------------------------------------ */

static int jout_json_rec(jout *w, const json_t *v, int depth)
{
    if (depth > JOUT_MAX_DEPTH)
        return jout_fail(w);
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (jout_raw(w, "{", 1))
            return -1;
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first && jout_raw(w, ",", 1))
                return -1;
            first = false;
            if (jout_key(w, json_object_iter_key(it), json_object_iter_key_len(it)) ||
                jout_json_rec(w, json_object_iter_value(it), depth + 1))
                return -1;
        }
        return jout_raw(w, "}", 1);
    }
    case JSON_ARRAY: {
        if (jout_raw(w, "[", 1))
            return -1;
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++)
            if ((i && jout_raw(w, ",", 1)) || jout_json_rec(w, json_array_get(v, i), depth + 1))
                return -1;
        return jout_raw(w, "]", 1);
    }
    case JSON_STRING:
        return jout_str(w, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return jout_int(w, (long long)json_integer_value(v));
    case JSON_REAL:
        return jout_real(w, json_real_value(v));
    case JSON_TRUE:
        return jout_raw(w, "true", 4);
    case JSON_FALSE:
        return jout_raw(w, "false", 5);
    case JSON_NULL:
        return jout_raw(w, "null", 4);
    }
    return jout_fail(w);
}

int jout_json(jout *w, const json_t *v)
{
    if (!v)
        return jout_fail(w);
    return jout_json_rec(w, v, 0);
}

/* One punctuation byte (a call of jout_raw and of memcpy each time was a fifth of a walker's
 * cost). */
static inline int jout_c(jout *w, char c)
{
    if (jout_reserve(w, 1))
        return -1;
    w->p[w->len++] = c;
    return 0;
}

/* ---- values ---------------------------------------------------------------------------- */

/* {"<type>": as one copy */
static int jout_type_open(jout *w, av_type t)
{
    static const struct {
        const char *text;
        size_t len;
    } open[] = {
        [AV_S] = {"{\"S\":", 5},     [AV_N] = {"{\"N\":", 5},       [AV_B] = {"{\"B\":", 5},
        [AV_BOOL] = {"{\"BOOL\":", 8}, [AV_NULL] = {"{\"NULL\":", 8}, [AV_M] = {"{\"M\":", 5},
        [AV_L] = {"{\"L\":", 5},     [AV_SS] = {"{\"SS\":", 6},     [AV_NS] = {"{\"NS\":", 6},
        [AV_BS] = {"{\"BS\":", 6},
    };
    if ((unsigned)t >= sizeof open / sizeof open[0] || !open[t].text)
        return jout_fail(w);
    return jout_raw(w, open[t].text, open[t].len);
}

static int jout_scalar(jout *w, av_type t, const char *p, size_t n)
{
    if (t == AV_B)
        return jout_b64str(w, (const unsigned char *)p, n);
    return jout_str(w, p ? p : "", n);
}

/* One member whose value is an S or N: [,]"name":{"S":"value"} with one reservation and no
 * other check on the way (the common attribute of a reply). */
__attribute__((always_inline)) static inline int jout_member_sn(jout *w, bool comma,
                                                               const char *name, size_t nl,
                                                               av_type t, const char *p,
                                                               size_t n)
{
    if (jout_reserve_str(w, nl + n, 12)) /* , " ":{"S":" "} around the two */
        return -1;
    char *o = w->p + w->len;
    uint64_t hname = 0, hval = 0;
    if (comma)
        *o++ = ',';
    *o++ = '"';
    o = jout_esc(o, name, nl, &hname);
    memcpy(o, t == AV_S ? "\":{\"S\":\"" : "\":{\"N\":\"", 8);
    o += 8;
    o = jout_esc(o, p ? p : "", n, &hval);
    *o++ = '"';
    *o++ = '}';
    if ((hname && !av_utf8_valid(name, nl)) || (hval && !av_utf8_valid(p, n)))
        return jout_fail(w);
    w->len = (size_t)(o - w->p);
    return 0;
}

static int jout_members(jout *w, const av_t *m, int depth);

static int jout_av_rec(jout *w, const av_t *v, int depth)
{
    if (depth > JOUT_MAX_DEPTH)
        return jout_fail(w);
    switch (v->type) {
    case AV_S:
    case AV_N:
    case AV_B:
        if (jout_type_open(w, v->type) || jout_scalar(w, v->type, v->u.str.ptr, v->u.str.len))
            return -1;
        break;
    case AV_BOOL:
        if (jout_type_open(w, v->type) || jout_raw(w, v->u.b ? "true" : "false", v->u.b ? 4 : 5))
            return -1;
        break;
    case AV_NULL:
        if (jout_type_open(w, v->type) || jout_raw(w, "true", 4))
            return -1;
        break;
    case AV_M:
        if (jout_type_open(w, v->type) || jout_members(w, v, depth + 1))
            return -1;
        break;
    case AV_L:
    case AV_SS:
    case AV_NS:
    case AV_BS:
        if (jout_type_open(w, v->type) || jout_raw(w, "[", 1))
            return -1;
        for (size_t i = 0; i < v->u.list.n; i++) {
            const av_t *m = &v->u.list.items[i];
            if (i && jout_raw(w, ",", 1))
                return -1;
            if (v->type == AV_L ? jout_av_rec(w, m, depth + 1)
                                : jout_scalar(w, m->type, m->u.str.ptr, m->u.str.len))
                return -1;
        }
        if (jout_raw(w, "]", 1))
            return -1;
        break;
    default:
        return jout_fail(w);
    }
    return jout_raw(w, "}", 1);
}

static int jout_members(jout *w, const av_t *m, int depth)
{
    if (jout_raw(w, "{", 1))
        return -1;
    for (size_t i = 0; i < m->u.map.n; i++) {
        const av_kv *kv = &m->u.map.kv[i];
        if (kv->val.type == AV_S || kv->val.type == AV_N) {
            if (jout_member_sn(w, i, kv->name, kv->name_len, kv->val.type, kv->val.u.str.ptr,
                               kv->val.u.str.len))
                return -1;
            continue;
        }
        if ((i && jout_raw(w, ",", 1)) || jout_key(w, kv->name, kv->name_len) ||
            jout_av_rec(w, &kv->val, depth))
            return -1;
    }
    return jout_raw(w, "}", 1);
}

int jout_av(jout *w, const av_t *v)
{
    return jout_av_rec(w, v, 0);
}

int jout_item(jout *w, const av_t *item)
{
    if (!item || item->type != AV_M)
        return jout_fail(w);
    return jout_members(w, item, 0);
}

/* ---- the text's length, without writing it (jout_item_len) ---------------------------- */

/* A string's text as jout_esc writes it, without the quotes. */
static size_t jout_esc_len(const char *s, size_t n)
{
    size_t len = n, i = 0;
    uint64_t high = 0;
    while (i < n) {
        uint64_t x;
        if (i + 8 <= n) {
            memcpy(&x, s + i, 8);
            if (jout_plain8(x, &high)) {
                i += 8;
                continue;
            }
        }
        for (size_t stop = i + 8 < n ? i + 8 : n; i < stop; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
                c == '\t')
                len += 1;
            else if (c < 0x20)
                len += 5;
        }
    }
    return len;
}

typedef struct jout_len {
    size_t len;
    size_t widest; /* the most string bytes one reservation of the writer took (x 6) */
} jout_len;

static void jout_len_str(jout_len *m, size_t width)
{
    if (width > m->widest)
        m->widest = width;
}

static void jout_len_members(jout_len *m, const av_t *v);

/* jout_av_rec's text */
static void jout_len_av(jout_len *m, const av_t *v)
{
    static const unsigned char open[] = {[AV_S] = 5,  [AV_N] = 5,    [AV_B] = 5,  [AV_BOOL] = 8,
                                         [AV_NULL] = 8, [AV_M] = 5,  [AV_L] = 5,  [AV_SS] = 6,
                                         [AV_NS] = 6, [AV_BS] = 6};
    if ((unsigned)v->type >= sizeof open || !open[v->type])
        return;
    m->len += open[v->type] + 1u; /* {"T": ... } */
    switch (v->type) {
    case AV_S:
    case AV_N:
        m->len += jout_esc_len(v->u.str.ptr ? v->u.str.ptr : "", v->u.str.len) + 2;
        jout_len_str(m, v->u.str.len);
        break;
    case AV_B:
        m->len += (v->u.str.len + 2) / 3 * 4 + 2;
        break;
    case AV_BOOL:
        m->len += v->u.b ? 4 : 5;
        break;
    case AV_NULL:
        m->len += 4;
        break;
    case AV_M:
        jout_len_members(m, v);
        break;
    case AV_L:
    case AV_SS:
    case AV_NS:
    case AV_BS:
        m->len += 2 + (v->u.list.n ? v->u.list.n - 1 : 0); /* [ , ] */
        for (size_t i = 0; i < v->u.list.n; i++) {
            const av_t *e = &v->u.list.items[i];
            if (v->type == AV_L) {
                jout_len_av(m, e);
            } else if (e->type == AV_B) {
                m->len += (e->u.str.len + 2) / 3 * 4 + 2;
            } else {
                m->len += jout_esc_len(e->u.str.ptr ? e->u.str.ptr : "", e->u.str.len) + 2;
                jout_len_str(m, e->u.str.len);
            }
        }
        break;
    default:
        break;
    }
}

/* jout_members' text: {"name":value,...} */
static void jout_len_members(jout_len *m, const av_t *v)
{
    m->len += 2 + (v->u.map.n ? v->u.map.n - 1 : 0);
    for (size_t i = 0; i < v->u.map.n; i++) {
        const av_kv *kv = &v->u.map.kv[i];
        m->len += jout_esc_len(kv->name, kv->name_len) + 3; /* "name": */
        if (kv->val.type == AV_S || kv->val.type == AV_N) /* jout_member_sn: one reservation */
            jout_len_str(m, kv->name_len + kv->val.u.str.len);
        else
            jout_len_str(m, kv->name_len);
        jout_len_av(m, &kv->val);
    }
}

size_t jout_item_len(const av_t *item, size_t *out_slack)
{
    jout_len m = {0, 0};
    if (item && item->type == AV_M)
        jout_len_members(&m, item);
    /* a string's reservation: 6 bytes a byte + its quotes and jout_member_sn's 12 around it,
     * of which at least the string's bytes and those are text */
    *out_slack = m.widest * 5 + 16;
    return m.len;
}

/* ---- stored bytes ------------------------------------------------------------------------ */

typedef struct jout_dec {
    const unsigned char *p;
    size_t len, pos;
    bool corrupt; /* the bytes are not av_encode's (rather than the writer failing) */
} jout_dec;

/* Corrupt bytes: the writer fails, and the decoder says why. */
static int jd_corrupt(jout *w, jout_dec *d)
{
    d->corrupt = true;
    return jout_fail(w);
}

static inline int jd_bytes(jout_dec *d, const char **p, size_t *n)
{
    return av_varint_bytes(d->p, d->len, &d->pos, p, n);
}

static int jd_count(jout_dec *d, size_t *n)
{
    return av_varint_count(d->p, d->len, &d->pos, n);
}

/* What the top level of jout_item_stored_scan reads on the way (av_stored_scan's names and
 * values). */
typedef struct jout_scan {
    const char *const *names;
    const size_t *lens;
    size_t n, left; /* left: names not found yet */
    av_t *vals;
} jout_scan;

/* vals[j] := the value when name is names[j], still unfound (av_stored_scan's rule). */
static inline void jout_scan_match(jout_scan *sc, const char *name, size_t nl, av_type t,
                                   const char *p, size_t n)
{
    for (size_t j = 0; sc->left && j < sc->n; j++) {
        if (sc->vals[j].type != AV_NONE || sc->lens[j] != nl)
            continue;
        const char *x = sc->names[j];
        size_t k = 0; /* key names are short: bytes here rather than a memcmp call */
        while (k < nl && x[k] == name[k])
            k++;
        if (k == nl) {
            sc->vals[j].type = t;
            sc->vals[j].u.str.ptr = p;
            sc->vals[j].u.str.len = n;
            sc->left--;
        }
    }
}

static int jout_stored_members(jout *w, jout_dec *d, int depth, size_t *sum, size_t *count,
                               jout_scan *sc);

/* One stored value; *size: its av_value_size (size_rec's sum, av.c). */
static int jout_stored_value(jout *w, jout_dec *d, int depth, size_t *size)
{
    if (depth > AVC_MAX_DEPTH || d->pos >= d->len)
        return jd_corrupt(w, d);
    unsigned char tag = d->p[d->pos++];
    const char *p;
    size_t n, s = 0;
    switch (tag) {
    case AVC_S:
    case AVC_N:
    case AVC_B: {
        av_type t = tag == AVC_S ? AV_S : tag == AVC_N ? AV_N : AV_B;
        if (jd_bytes(d, &p, &n))
            return jd_corrupt(w, d);
        if (jout_type_open(w, t) || jout_scalar(w, t, p, n))
            return -1;
        s = t == AV_N ? av_num_size(p, n) : n;
        break;
    }
    case AVC_FALSE:
    case AVC_TRUE:
        if (jout_type_open(w, AV_BOOL) ||
            jout_raw(w, tag == AVC_TRUE ? "true" : "false", tag == AVC_TRUE ? 4 : 5))
            return -1;
        s = 1;
        break;
    case AVC_NULL:
        if (jout_type_open(w, AV_NULL) || jout_raw(w, "true", 4))
            return -1;
        s = 1;
        break;
    case AVC_M: {
        size_t sum = 0, count = 0;
        if (jout_type_open(w, AV_M) || jout_stored_members(w, d, depth + 1, &sum, &count, NULL))
            return -1;
        s = 3 + sum + count;
        break;
    }
    case AVC_L: {
        if (jd_count(d, &n))
            return jd_corrupt(w, d);
        if (jout_type_open(w, AV_L) || jout_raw(w, "[", 1))
            return -1;
        s = 3;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            if ((i && jout_raw(w, ",", 1)) || jout_stored_value(w, d, depth + 1, &k))
                return -1;
            s += 1 + k;
        }
        if (jout_raw(w, "]", 1))
            return -1;
        break;
    }
    case AVC_SS:
    case AVC_NS:
    case AVC_BS: {
        av_type st = tag == AVC_SS ? AV_SS : tag == AVC_NS ? AV_NS : AV_BS;
        av_type mt = tag == AVC_SS ? AV_S : tag == AVC_NS ? AV_N : AV_B;
        size_t count;
        if (jd_count(d, &count))
            return jd_corrupt(w, d);
        if (jout_type_open(w, st) || jout_raw(w, "[", 1))
            return -1;
        for (size_t i = 0; i < count; i++) {
            if (jd_bytes(d, &p, &n))
                return jd_corrupt(w, d);
            if ((i && jout_raw(w, ",", 1)) || jout_scalar(w, mt, p, n))
                return -1;
            s += mt == AV_N ? av_num_size(p, n) : n;
        }
        if (jout_raw(w, "]", 1))
            return -1;
        break;
    }
    default:
        return jd_corrupt(w, d);
    }
    *size = s;
    return jout_raw(w, "}", 1);
}

/* A length at b[*pos] (a varint: one byte for lengths under 128, nearly all) that fits in
 * the bytes left before end; -1 otherwise. */
static inline int jd_len_at(const unsigned char *b, size_t end, size_t *pos, size_t *out)
{
    size_t at = *pos;
    uint64_t k;
    if (at < end && b[at] < 0x80) {
        k = b[at++];
    } else {
        if (av_varint_long(b, end, &at, &k))
            return -1;
    }
    if (k > end - at)
        return -1;
    *out = (size_t)k;
    *pos = at;
    return 0;
}

/* The output position for the S and N members that follow, when the buffer already has room
 * for all of them: NULL when it has not (each member then reserves its own).  A member's
 * text, [,]"name":{"S":"value"}, is at most 12 + 6 (nl + n) bytes and its stored bytes at
 * least 3 + nl + n (two varints and the tag), so 6 times the bytes left covers every member
 * that can follow.  The CRC's pending bytes are then folded at the next reservation. */
static inline char *jout_sn_room(jout *w, size_t left)
{
    if (w->failed || left > ((size_t)1 << 36) || 6 * left > w->cap - w->len)
        return NULL;
    return w->p + w->len;
}

/* An M's members; *sum: the sum of their names' lengths and values' sizes, *count: how many;
 * sc (the top level only, or NULL): the names to collect.  The S and N members (nearly all)
 * are read with the decoder's position in locals and, when jout_sn_room allows, written at a
 * local output pointer with no reservation each: through the structs' pointers every byte
 * stored would make the compiler load their fields again. */
static int jout_stored_members(jout *w, jout_dec *d, int depth, size_t *sum, size_t *count,
                               jout_scan *sc)
{
    size_t m, s = 0;
    if (jd_count(d, &m))
        return jd_corrupt(w, d);
    if (jout_c(w, '{'))
        return -1;
    const unsigned char *b = d->p;
    const size_t end = d->len;
    size_t pos = d->pos;
    bool scan = sc && sc->left;
    char *o = jout_sn_room(w, end - pos); /* w->len is behind while o is set */
    for (size_t i = 0; i < m; i++) {
        size_t nl;
        if (jd_len_at(b, end, &pos, &nl) || end - pos <= nl)
            goto corrupt;
        const char *name = (const char *)b + pos;
        pos += nl;
        unsigned char tag = b[pos];
        if (tag == AVC_S || tag == AVC_N) {
            av_type t = tag == AVC_S ? AV_S : AV_N;
            size_t n;
            pos++;
            if (jd_len_at(b, end, &pos, &n))
                goto corrupt;
            const char *p = (const char *)b + pos;
            pos += n;
            if (o) {
                uint64_t hname = 0, hval = 0;
                if (i)
                    *o++ = ',';
                *o++ = '"';
                o = jout_esc(o, name, nl, &hname);
                memcpy(o, t == AV_S ? "\":{\"S\":\"" : "\":{\"N\":\"", 8);
                o += 8;
                o = jout_esc(o, p, n, &hval);
                *o++ = '"';
                *o++ = '}';
                if ((hname && !av_utf8_valid(name, nl)) || (hval && !av_utf8_valid(p, n)))
                    return jout_fail(w);
            } else if (jout_member_sn(w, i, name, nl, t, p, n)) {
                return -1;
            }
            s += nl + (t == AV_N ? av_num_size(p, n) : n);
            if (scan) {
                jout_scan_match(sc, name, nl, t, p, n);
                scan = sc->left != 0;
            }
            continue;
        }
        if (o)
            w->len = (size_t)(o - w->p);
        size_t at = pos, vs = 0;
        d->pos = pos;
        if ((i && jout_raw(w, ",", 1)) || jout_key(w, name, nl) ||
            jout_stored_value(w, d, depth, &vs))
            return -1;
        pos = d->pos;
        o = jout_sn_room(w, end - pos);
        s += nl + vs;
        if (tag == AVC_B && scan) { /* the bytes just written, read again */
            size_t bp = at + 1, n;
            if (jd_len_at(b, end, &bp, &n) == 0) {
                jout_scan_match(sc, name, nl, AV_B, (const char *)b + bp, n);
                scan = sc->left != 0;
            }
        }
    }
    if (o)
        w->len = (size_t)(o - w->p);
    d->pos = pos;
    *sum = s;
    *count = m;
    return jout_c(w, '}');
corrupt:
    if (o)
        w->len = (size_t)(o - w->p);
    d->pos = pos;
    return jd_corrupt(w, d);
}

int jout_item_stored_scan(jout *w, const void *data, size_t len, const char *const *names,
                          const size_t *name_lens, size_t nnames, av_t *vals, size_t *size,
                          bool *corrupt)
{
    jout_dec d = {.p = data, .len = len, .pos = 0, .corrupt = false};
    jout_scan sc = {.names = names, .lens = name_lens, .n = nnames, .left = nnames, .vals = vals};
    for (size_t j = 0; j < nnames; j++)
        memset(&vals[j], 0, sizeof vals[j]); /* AV_NONE */
    size_t sum = 0, count = 0;
    int rc = 0;
    *size = 0;
    if (!data || len < 2 || d.p[0] != AV_CODEC_VERSION || d.p[1] != AVC_M) {
        rc = jd_corrupt(w, &d);
    } else {
        d.pos = 2;
        rc = jout_stored_members(w, &d, 0, &sum, &count, nnames ? &sc : NULL);
        if (!rc && d.pos != d.len) /* trailing bytes: corrupt, as av_decode says */
            rc = jd_corrupt(w, &d);
    }
    if (corrupt)
        *corrupt = d.corrupt;
    if (!rc)
        *size = sum;
    return rc;
}

int jout_item_stored(jout *w, const void *data, size_t len)
{
    size_t size;
    return jout_item_stored_scan(w, data, len, NULL, NULL, 0, NULL, &size, NULL);
}

/* jout_item_len from stored bytes: the same text's length, without decoding them. */
static int jl_stored_value(jout_len *m, jout_dec *d, int depth);

static int jl_stored_members(jout_len *m, jout_dec *d, int depth)
{
    size_t n, nl, k;
    const char *name, *p;
    if (jd_count(d, &n))
        return -1;
    m->len += 2 + (n ? n - 1 : 0);
    for (size_t i = 0; i < n; i++) {
        if (jd_bytes(d, &name, &nl) || d->pos >= d->len)
            return -1;
        m->len += jout_esc_len(name, nl) + 3;
        unsigned char tag = d->p[d->pos];
        if (tag == AVC_S || tag == AVC_N) { /* jout_member_sn: one reservation */
            d->pos++;
            if (jd_bytes(d, &p, &k))
                return -1;
            m->len += 6 + jout_esc_len(p, k) + 2;
            jout_len_str(m, nl + k);
            continue;
        }
        jout_len_str(m, nl);
        if (jl_stored_value(m, d, depth))
            return -1;
    }
    return 0;
}

static int jl_stored_value(jout_len *m, jout_dec *d, int depth)
{
    if (depth > AVC_MAX_DEPTH || d->pos >= d->len)
        return -1;
    unsigned char tag = d->p[d->pos++];
    const char *p;
    size_t n, k;
    switch (tag) {
    case AVC_S:
    case AVC_N:
        if (jd_bytes(d, &p, &n))
            return -1;
        m->len += 6 + jout_esc_len(p, n) + 2;
        jout_len_str(m, n);
        return 0;
    case AVC_B:
        if (jd_bytes(d, &p, &n))
            return -1;
        m->len += 6 + (n + 2) / 3 * 4 + 2;
        return 0;
    case AVC_FALSE:
        m->len += 9 + 5;
        return 0;
    case AVC_TRUE:
    case AVC_NULL:
        m->len += 9 + 4;
        return 0;
    case AVC_M:
        m->len += 6;
        return jl_stored_members(m, d, depth + 1);
    case AVC_L:
        if (jd_count(d, &n))
            return -1;
        m->len += 6 + 2 + (n ? n - 1 : 0);
        for (size_t i = 0; i < n; i++)
            if (jl_stored_value(m, d, depth + 1))
                return -1;
        return 0;
    case AVC_SS:
    case AVC_NS:
    case AVC_BS:
        if (jd_count(d, &n))
            return -1;
        m->len += 7 + 2 + (n ? n - 1 : 0);
        for (size_t i = 0; i < n; i++) {
            if (jd_bytes(d, &p, &k))
                return -1;
            if (tag == AVC_BS) {
                m->len += (k + 2) / 3 * 4 + 2;
            } else {
                m->len += jout_esc_len(p, k) + 2;
                jout_len_str(m, k);
            }
        }
        return 0;
    default:
        return -1;
    }
}

int jout_item_stored_len(const void *data, size_t len, size_t *out_len, size_t *out_slack)
{
    jout_len m = {0, 0};
    jout_dec d = {.p = data, .len = len, .pos = 2, .corrupt = false};
    *out_len = *out_slack = 0;
    if (!data || len < 2 || d.p[0] != AV_CODEC_VERSION || d.p[1] != AVC_M ||
        jl_stored_members(&m, &d, 0) || d.pos != d.len)
        return -1;
    *out_len = m.len;
    *out_slack = m.widest * 5 + 16;
    return 0;
}

/* ---- taking text back -------------------------------------------------------------------- */

jout_mark jout_mark_here(const jout *w)
{
    return (jout_mark){.len = w->len, .crc_len = w->crc_len, .crc = w->crc};
}

void jout_rewind(jout *w, const jout_mark *m)
{
    if (w->failed || m->len > w->len)
        return;
    if (w->crc_len > m->len) { /* folded past the mark since: from the mark's CRC again */
        w->crc = crc_ieee(m->crc, w->p + m->crc_len, m->len - m->crc_len);
        w->crc_len = m->len;
    }
    w->len = m->len;
}

/* ---- the result ---------------------------------------------------------------------- */

uint32_t jout_crc(jout *w)
{
    jout_crc_fold(w);
    return w->crc;
}

char *jout_take(jout *w, size_t *len)
{
    *len = 0;
    if (w->failed)
        return NULL;
    /* the NUL is not text: room for it past max, never asked of the grow hook (a reply of
     * exactly its max, refused there, was a 500 rather than its text: frB 5) */
    if (w->len == w->cap) {
        char *np = realloc(w->p, w->cap + 1);
        if (!np) {
            jout_fail(w);
            return NULL;
        }
        w->p = np;
        w->cap++;
    }
    w->p[w->len] = '\0';
    char *out = w->p;
    *len = w->len;
    w->p = NULL;
    w->len = w->cap = w->crc_len = 0;
    w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    return out;
}
