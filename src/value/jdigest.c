/*
 * jdigest — a keyed digest of a JSON tree, jread's or jansson's.  Layer: value.  See
 * jdigest.h for the encoding.
 *
 * The encoding is gathered in a small buffer and handed to SipHash a buffer of whole words at
 * a time (a value's header word and a short string are a copy each); a string longer than
 * the room left goes to SipHash from where it lies.
 */
#include "value/jdigest.h"

#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/siphash.h"

#define JD_BUF 256 /* a multiple of 8 */

typedef struct jd {
    sip128_state sip;
    uint64_t hashed; /* bytes of the encoding handed to SipHash so far */
    size_t n;        /* bytes in buf */
    unsigned char buf[JD_BUF];
} jd;

static void jd_init(jd *d, const unsigned char key[16])
{
    siphash24_128_init(&d->sip, key);
    d->hashed = 0;
    d->n = 0;
}

/* buf full (n == JD_BUF): hashed and emptied. */
static void jd_flush(jd *d)
{
    siphash24_128_words(&d->sip, d->buf, JD_BUF);
    d->hashed += JD_BUF;
    d->n = 0;
}

/* p[0 .. n) when buf cannot take it (n > JD_BUF - d->n, so at least one byte more than the
 * room): buf filled up and hashed, then p's whole words, the rest kept. */
static void jd_spill(jd *d, const unsigned char *p, size_t n)
{
    size_t room = JD_BUF - d->n;
    memcpy(d->buf + d->n, p, room);
    siphash24_128_words(&d->sip, d->buf, JD_BUF);
    p += room;
    n -= room;
    size_t words = n - n % 8;
    siphash24_128_words(&d->sip, p, words);
    memcpy(d->buf, p + words, n - words);
    d->hashed += JD_BUF + words;
    d->n = n - words;
}

static inline void jd_put(jd *d, const void *p, size_t n)
{
    if (n <= JD_BUF - d->n) {
        memcpy(d->buf + d->n, p, n);
        d->n += n;
        return;
    }
    jd_spill(d, p, n);
}

/* One byte: a full buffer is hashed first (not spilled through jd_spill, whose copy of the
 * room from a one-byte source gcc -O3 could not bound: -Wstringop-overread). */
static inline void jd_byte(jd *d, unsigned char b)
{
    if (d->n >= JD_BUF)
        jd_flush(d);
    d->buf[d->n++] = b;
}

static inline void jd_word(jd *d, uint64_t w)
{
    w = htole64(w);
    jd_put(d, &w, 8);
}

/* A header: the kind in the top 3 bits of its byte, a length or a count below it (up to
 * JD_SHORT), else JD_LONG there and the length in the next 8 bytes. */
enum { JD_NULL, JD_FALSE, JD_TRUE, JD_INT, JD_REAL, JD_STR, JD_ARR, JD_OBJ };
#define JD_LONG 31
#define JD_SHORT 30
static inline void jd_head(jd *d, unsigned kind, size_t n)
{
    if (n <= JD_SHORT) {
        jd_byte(d, (unsigned char)(kind << 5 | n));
        return;
    }
    jd_byte(d, (unsigned char)(kind << 5 | JD_LONG));
    jd_word(d, (uint64_t)n);
}

/* n (1 to 30) bytes from p to o without a call: overlapping 8- or 4-byte loads, as many as
 * needed, never reading past p + n. */
static inline void jd_copy_short(unsigned char *o, const char *p, size_t n)
{
    if (n >= 8) {
        uint64_t x;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, p + i, 8);
            memcpy(o + i, &x, 8);
        }
        memcpy(&x, p + n - 8, 8);
        memcpy(o + n - 8, &x, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
    } else if (n) {
        o[0] = (unsigned char)p[0];
        o[n >> 1] = (unsigned char)p[n >> 1];
        o[n - 1] = (unsigned char)p[n - 1];
    }
}

__attribute__((always_inline)) static inline void jd_bytes(jd *d, const char *p, size_t n)
{
    /* a short string (nearly all of a request's: names, types, values) with its header byte
     * while the buffer has room: no call */
    if (n <= JD_SHORT && d->n + 1 + JD_SHORT <= JD_BUF) {
        unsigned char *o = d->buf + d->n;
        o[0] = (unsigned char)(JD_STR << 5 | n);
        jd_copy_short(o + 1, p, n);
        d->n += 1 + n;
        return;
    }
    jd_head(d, JD_STR, n);
    jd_put(d, p, n);
}

static void jd_real(jd *d, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    jd_head(d, JD_REAL, 0);
    jd_word(d, bits);
}

static void jd_finish(jd *d, uint64_t out[2])
{
    size_t words = d->n - d->n % 8;
    siphash24_128_words(&d->sip, d->buf, words);
    siphash24_128_final(&d->sip, d->buf + words, d->hashed + d->n, out);
}

/* json_dumps(JSON_SORT_KEYS)'s order: bytes over the shorter key, then the shorter first. */
static inline int jd_key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    if (n && a[0] != b[0]) /* most keys of an object differ at once */
        return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* ---- our reader's trees ---------------------------------------------------------------- */

static int jd_jread_cmp(const void *x, const void *y)
{
    const jread_val *a = *(const jread_val *const *)x, *b = *(const jread_val *const *)y;
    return jd_key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* m[0 .. n) in key order (keys unique: jread folds repeated ones): insertion sort for the
 * small objects of requests (often nearly sorted already), qsort past JD_SORT_SMALL so that
 * a large object costs n log n. */
#define JD_SORT_SMALL 16
static void jd_sort_jread(const jread_val **m, size_t n)
{
    if (n > JD_SORT_SMALL) {
        qsort(m, n, sizeof *m, jd_jread_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        const jread_val *x = m[i];
        size_t j = i;
        while (j > 0 && jd_key_cmp(m[j - 1]->key, m[j - 1]->key_len, x->key, x->key_len) > 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = x;
    }
}

/* A member of the top-level object left out of the digest (jdigest_jread_but). */
typedef struct jd_skip {
    const char *name;
    size_t len;
} jd_skip;

static inline bool jd_skipped(const jd_skip *s, const char *key, size_t key_len)
{
    return s && key_len == s->len && memcmp(key, s->name, key_len) == 0;
}

static int jd_jread(jd *d, const jread_val *v, arena_t *a, int depth, const jd_skip *skip);

/* A member or element c: a string (most of a request's leaves) written here, without the
 * call; anything else by jd_jread. */
static inline int jd_jread_child(jd *d, const jread_val *c, arena_t *a, int depth)
{
    if (c->type == JREAD_STRING) {
        jd_bytes(d, c->text, c->len);
        return 0;
    }
    return jd_jread(d, c, a, depth, NULL);
}

static int jd_jread(jd *d, const jread_val *v, arena_t *a, int depth, const jd_skip *skip)
{
    if (depth > JREAD_MAX_DEPTH)
        return -1;
    switch (v->type) {
    case JREAD_NULL:
        jd_head(d, JD_NULL, 0);
        return 0;
    case JREAD_FALSE:
        jd_head(d, JD_FALSE, 0);
        return 0;
    case JREAD_TRUE:
        jd_head(d, JD_TRUE, 0);
        return 0;
    case JREAD_INTEGER:
        jd_head(d, JD_INT, 0);
        jd_word(d, (uint64_t)v->num.i);
        return 0;
    case JREAD_REAL:
        jd_real(d, v->num.d);
        return 0;
    case JREAD_STRING:
        jd_bytes(d, v->text, v->len);
        return 0;
    case JREAD_ARRAY:
        jd_head(d, JD_ARR, v->n);
        for (const jread_val *c = v->child; c; c = c->next)
            if (jd_jread_child(d, c, a, depth + 1))
                return -1;
        return 0;
    case JREAD_OBJECT: {
        /* members already in key order (a one-member {"S": ..}, most of a request) are
         * walked as they are; the others sorted first */
        bool sorted = true;
        size_t count = v->n; /* less the member skipped (keys are unique) */
        for (const jread_val *c = v->child; c && skip; c = c->next)
            count -= jd_skipped(skip, c->key, c->key_len);
        for (const jread_val *c = v->child; c && c->next && sorted; c = c->next)
            sorted = jd_key_cmp(c->key, c->key_len, c->next->key, c->next->key_len) < 0;
        jd_head(d, JD_OBJ, count);
        if (sorted) {
            for (const jread_val *c = v->child; c; c = c->next) {
                if (jd_skipped(skip, c->key, c->key_len))
                    continue;
                jd_bytes(d, c->key, c->key_len);
                if (jd_jread_child(d, c, a, depth + 1))
                    return -1;
            }
            return 0;
        }
        size_t n = 0;
        const jread_val **m = arena_alloc(a, sizeof *m * v->n);
        if (!m)
            return -1;
        for (const jread_val *c = v->child; c && n < v->n; c = c->next)
            if (!jd_skipped(skip, c->key, c->key_len))
                m[n++] = c;
        jd_sort_jread(m, n);
        for (size_t i = 0; i < n; i++) {
            jd_bytes(d, m[i]->key, m[i]->key_len);
            if (jd_jread_child(d, m[i], a, depth + 1))
                return -1;
        }
        return 0;
    }
    }
    return -1;
}

int jdigest_jread(const unsigned char key[16], const jread_val *v, arena_t *a, uint64_t out[2])
{
    return jdigest_jread_but(key, v, NULL, 0, a, out);
}

int jdigest_jread_but(const unsigned char key[16], const jread_val *v, const char *skip,
                      size_t skip_len, arena_t *a, uint64_t out[2])
{
    jd d;
    jd_skip s = {skip, skip_len};
    jd_init(&d, key);
    if (jd_jread(&d, v, a, 0, skip ? &s : NULL))
        return -1;
    jd_finish(&d, out);
    return 0;
}

/* ---- jansson's trees ------------------------------------------------------------------- */

typedef struct jd_member {
    const char *key;
    size_t key_len;
    const json_t *val;
} jd_member;

static int jd_member_cmp(const void *x, const void *y)
{
    const jd_member *a = x, *b = y;
    return jd_key_cmp(a->key, a->key_len, b->key, b->key_len);
}

static int jd_json(jd *d, const json_t *v, int depth, const jd_skip *skip)
{
    if (depth > JREAD_MAX_DEPTH)
        return -1;
    switch (json_typeof(v)) {
    case JSON_NULL:
        jd_head(d, JD_NULL, 0);
        return 0;
    case JSON_FALSE:
        jd_head(d, JD_FALSE, 0);
        return 0;
    case JSON_TRUE:
        jd_head(d, JD_TRUE, 0);
        return 0;
    case JSON_INTEGER:
        jd_head(d, JD_INT, 0);
        jd_word(d, (uint64_t)(long long)json_integer_value(v));
        return 0;
    case JSON_REAL:
        jd_real(d, json_real_value(v));
        return 0;
    case JSON_STRING:
        jd_bytes(d, json_string_value(v), json_string_length(v));
        return 0;
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        jd_head(d, JD_ARR, n);
        for (size_t i = 0; i < n; i++)
            if (jd_json(d, json_array_get(v, i), depth + 1, NULL))
                return -1;
        return 0;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        jd_member *m = n ? malloc(sizeof *m * n) : NULL;
        if (n && !m)
            return -1;
        for (void *it = json_object_iter((json_t *)v); it && k < n;
             it = json_object_iter_next((json_t *)v, it))
            if (!jd_skipped(skip, json_object_iter_key(it), json_object_iter_key_len(it)))
                m[k++] = (jd_member){json_object_iter_key(it), json_object_iter_key_len(it),
                                     json_object_iter_value(it)};
        if (k > 1) /* keys unique: any sort gives the one order */
            qsort(m, k, sizeof *m, jd_member_cmp);
        jd_head(d, JD_OBJ, k);
        int rc = 0;
        for (size_t i = 0; i < k && !rc; i++) {
            jd_bytes(d, m[i].key, m[i].key_len);
            rc = jd_json(d, m[i].val, depth + 1, NULL);
        }
        free(m);
        return rc;
    }
    }
    return -1;
}

int jdigest_json(const unsigned char key[16], const json_t *v, uint64_t out[2])
{
    return jdigest_json_but(key, v, NULL, 0, out);
}

int jdigest_json_but(const unsigned char key[16], const json_t *v, const char *skip,
                     size_t skip_len, uint64_t out[2])
{
    jd d;
    jd_skip s = {skip, skip_len};
    jd_init(&d, key);
    if (!v || jd_json(&d, v, 0, skip ? &s : NULL))
        return -1;
    jd_finish(&d, out);
    return 0;
}
