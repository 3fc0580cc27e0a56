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

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define JOUT_CRC_CHUNK 4096
#define JOUT_MAX_DEPTH 128
#define JOUT_FIRST_CAP 512

static const char jout_hex[] = "0123456789ABCDEF";
static const char jout_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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
        w->crc = (uint32_t)crc32_z(w->crc, (const Bytef *)w->p + w->crc_len, w->len - w->crc_len);
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

static int jout_grow(jout *w, size_t n)
{
    if (w->failed)
        return -1;
    if (w->len - w->crc_len >= JOUT_CRC_CHUNK)
        jout_crc_fold(w);
    if (n > w->max - w->len)
        return jout_fail(w);
    if (n <= w->cap - w->len)
        return 0;
    jout_crc_fold(w);
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

int jout_raw(jout *w, const char *s, size_t n)
{
    if (jout_reserve(w, n))
        return -1;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    return 0;
}

/* True when none of the 8 bytes needs attention: all in 0x20..0x7f, none '"' or '\\'. */
static inline bool jout_plain8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t ctl = (x - ones * 0x20) & ~x;                   /* bytes < 0x20 */
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t quote = (q - ones) & ~q, back = (bs - ones) & ~bs; /* bytes == '"' / '\\' */
    return ((ctl | quote | back | x) & highs) == 0;
}

int jout_str(jout *w, const char *s, size_t n)
{
    /* worst case: every byte a 6-byte \u00XX escape */
    if (n > ((size_t)1 << 36) || jout_reserve(w, n * 6 + 2))
        return jout_fail(w);
    char *o = w->p + w->len;
    bool high = false;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        /* runs of plain ASCII, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!jout_plain8(x))
                break;
            memcpy(o, &x, 8);
            o += 8;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i++];
        if (c >= 0x20 && c != '"' && c != '\\') {
            high |= c >= 0x80;
            *o++ = (char)c;
            continue;
        }
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
    *o++ = '"';
    if (high && !av_utf8_valid(s, n)) /* json_dumps refuses invalid UTF-8 too */
        return jout_fail(w);
    w->len = (size_t)(o - w->p);
    return 0;
}

int jout_key(jout *w, const char *key, size_t n)
{
    if (jout_str(w, key, n))
        return -1;
    return jout_raw(w, ":", 1);
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
    size_t n = (len + 2) / 3 * 4;
    if (jout_reserve(w, n + 2))
        return -1;
    char *o = w->p + w->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i += 3) {
        uint32_t x = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            x |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            x |= p[i + 2];
        *o++ = jout_b64[(x >> 18) & 63];
        *o++ = jout_b64[(x >> 12) & 63];
        *o++ = i + 1 < len ? jout_b64[(x >> 6) & 63] : '=';
        *o++ = i + 2 < len ? jout_b64[x & 63] : '=';
    }
    *o++ = '"';
    w->len = (size_t)(o - w->p);
    return 0;
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
    case JSON_REAL: { /* rare (capacity units, timestamps): jansson's own formatting */
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!t)
            return jout_fail(w);
        int rc = jout_raw(w, t, strlen(t));
        free(t);
        return rc;
    }
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

/* ---- stored bytes ------------------------------------------------------------------------ */

typedef struct jout_dec {
    const unsigned char *p;
    size_t len, pos;
} jout_dec;

static int jd_varint(jout_dec *d, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (d->pos >= d->len)
            return -1;
        unsigned char b = d->p[d->pos++];
        if (shift == 63 && (b & 0x7E))
            return -1;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static int jd_bytes(jout_dec *d, const char **p, size_t *n)
{
    uint64_t k;
    if (jd_varint(d, &k) || k > d->len - d->pos)
        return -1;
    *p = (const char *)d->p + d->pos;
    *n = (size_t)k;
    d->pos += (size_t)k;
    return 0;
}

static int jd_count(jout_dec *d, size_t *n)
{
    uint64_t k;
    if (jd_varint(d, &k) || k > d->len - d->pos)
        return -1;
    *n = (size_t)k;
    return 0;
}

static int jout_stored_members(jout *w, jout_dec *d, int depth);

static int jout_stored_value(jout *w, jout_dec *d, int depth)
{
    if (depth > AVC_MAX_DEPTH || d->pos >= d->len)
        return jout_fail(w);
    unsigned char tag = d->p[d->pos++];
    const char *p;
    size_t n;
    switch (tag) {
    case AVC_S:
    case AVC_N:
    case AVC_B: {
        av_type t = tag == AVC_S ? AV_S : tag == AVC_N ? AV_N : AV_B;
        if (jd_bytes(d, &p, &n))
            return jout_fail(w);
        if (jout_type_open(w, t) || jout_scalar(w, t, p, n))
            return -1;
        break;
    }
    case AVC_FALSE:
    case AVC_TRUE:
        if (jout_type_open(w, AV_BOOL) ||
            jout_raw(w, tag == AVC_TRUE ? "true" : "false", tag == AVC_TRUE ? 4 : 5))
            return -1;
        break;
    case AVC_NULL:
        if (jout_type_open(w, AV_NULL) || jout_raw(w, "true", 4))
            return -1;
        break;
    case AVC_M:
        if (jout_type_open(w, AV_M) || jout_stored_members(w, d, depth + 1))
            return -1;
        break;
    case AVC_L: {
        if (jd_count(d, &n))
            return jout_fail(w);
        if (jout_type_open(w, AV_L) || jout_raw(w, "[", 1))
            return -1;
        for (size_t i = 0; i < n; i++)
            if ((i && jout_raw(w, ",", 1)) || jout_stored_value(w, d, depth + 1))
                return -1;
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
            return jout_fail(w);
        if (jout_type_open(w, st) || jout_raw(w, "[", 1))
            return -1;
        for (size_t i = 0; i < count; i++) {
            if (jd_bytes(d, &p, &n))
                return jout_fail(w);
            if ((i && jout_raw(w, ",", 1)) || jout_scalar(w, mt, p, n))
                return -1;
        }
        if (jout_raw(w, "]", 1))
            return -1;
        break;
    }
    default:
        return jout_fail(w);
    }
    return jout_raw(w, "}", 1);
}

static int jout_stored_members(jout *w, jout_dec *d, int depth)
{
    size_t count;
    if (jd_count(d, &count))
        return jout_fail(w);
    if (jout_raw(w, "{", 1))
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *name;
        size_t nl;
        if (jd_bytes(d, &name, &nl))
            return jout_fail(w);
        if ((i && jout_raw(w, ",", 1)) || jout_key(w, name, nl) ||
            jout_stored_value(w, d, depth))
            return -1;
    }
    return jout_raw(w, "}", 1);
}

int jout_item_stored(jout *w, const void *data, size_t len)
{
    jout_dec d = {.p = data, .len = len, .pos = 0};
    if (!data || len < 2 || d.p[0] != AV_CODEC_VERSION || d.p[1] != AVC_M)
        return jout_fail(w);
    d.pos = 2;
    if (jout_stored_members(w, &d, 0))
        return -1;
    if (d.pos != d.len) /* trailing bytes: corrupt, as av_decode says */
        return jout_fail(w);
    return 0;
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
    if (w->failed || jout_reserve(w, 1))
        return NULL;
    w->p[w->len] = '\0';
    char *out = w->p;
    *len = w->len;
    w->p = NULL;
    w->len = w->cap = w->crc_len = 0;
    w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    return out;
}
