/*
 * jread — our strict JSON reader (RFC 8259).  Layer: value.  See jread.h for what it accepts
 * and why it exists (U+0000 in attribute names, issue 9.1; parse once, issue 13.1).
 *
 * One pass over the bytes with an explicit stack of open containers (no recursion while
 * parsing); a string is scanned once to find its end and check its UTF-8, and decoded into the
 * arena only when it has escapes.  Invariant: every jread_val handed out is complete (type,
 * text, children) once jread_parse returns 0; after an error the arena holds garbage the
 * caller drops with it.
 * https://www.rfc-editor.org/rfc/rfc8259
 */
#include "value/jread.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/hex.h"
#include "base/siphash.h"

typedef struct frame {
    jread_val *c;     /* the open container */
    jread_val **tail; /* where its next child goes */
} frame;

typedef struct jr {
    const unsigned char *s;
    size_t len, pos;
    arena_t *a;
    jread_error *err;
    frame *st;
    size_t depth, cap;
    frame local[32];
    jread_val *run;   /* nodes taken from the arena ahead (node_new) */
    size_t run_left;  /* how many of them are left */
    size_t run_next;  /* the size of the next run */
} jr;

/* ---------------------------------------------------------------- errors */

static int fail_at(jr *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(jr *p, size_t at, const char *fmt, ...)
{
    jread_error *e = p->err;
    int line = 1, col = 0;
    if (at > p->len)
        at = p->len;
    for (size_t i = 0; i < at; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 0;
        } else if ((p->s[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    e->line = line;
    e->column = col + 1;
    e->position = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    return -1;
}

static int nomem(jr *p)
{
    p->err->nomem = true;
    return fail_at(p, p->pos, "out of memory");
}

/* ---------------------------------------------------------------- bytes */

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Inline: most calls find a token at once (a byte above ' ') or after one space (the
 * ", " and ": " of Python's and most SDKs' JSON). */
static inline void skip_ws(jr *p)
{
    while (p->pos < p->len && p->s[p->pos] <= ' ' && is_ws(p->s[p->pos]))
        p->pos++;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the valid UTF-8 sequence at s (n bytes available, s[0] >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return k;
}

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = base_hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---------------------------------------------------------------- strings */

/* Escapes of [start, end) (already scanned: every escape is complete) decoded into the
 * arena.  Lone or mismatched surrogates are refused here. */
static int decode_string(jr *p, size_t start, size_t end, const char **out, size_t *out_len)
{
    /* decoding never grows the text: \uXXXX (6 bytes) gives at most 3, a pair (12) 4 */
    char *o = arena_alloc(p->a, end - start + 1);
    if (!o)
        return nomem(p);
    size_t n = 0;
    const unsigned char *s = p->s;
    for (size_t i = start; i < end;) {
        if (s[i] != '\\') {
            o[n++] = (char)s[i++];
            continue;
        }
        unsigned char c = s[i + 1];
        if (c != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            o[n++] = to[strchr(from, c) - from];
            i += 2;
            continue;
        }
        unsigned cp, lo;
        if (hex4(s + i + 2, &cp)) /* the scan refused these already: never taken */
            return fail_at(p, i, "invalid escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 12 <= end && s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(s + i + 8, &lo) == 0) {
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(p, i, "invalid Unicode '\\u%04X\\u%04X'", cp, lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else {
                return fail_at(p, i, "invalid Unicode '\\u%04X'", cp);
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail_at(p, i, "invalid Unicode '\\u%04X'", cp);
        }
        n += put_utf8(o + n, cp);
        i += 6;
    }
    o[n] = '\0';
    *out = o;
    *out_len = n;
    return 0;
}

#if defined(__SSE2__) && !defined(JREAD_NO_SSE2) /* -DJREAD_NO_SSE2: the word path only */
#define JR_SSE2 1
#include <emmintrin.h>
/* The bytes of the 16 at s that end a run of plain string bytes (jr_special8's: below 0x20,
 * '"', '\\' or 0x80 and above) as a bit mask, bit k for s[k]; 0 when there is none. */
static inline unsigned jr_special16(const unsigned char *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x); /* x <= 0x1f */
    __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    __m128i back = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    /* x itself: its bytes from 0x80 have their top bit set */
    __m128i any = _mm_or_si128(_mm_or_si128(ctl, quote), _mm_or_si128(back, x));
    return (unsigned)_mm_movemask_epi8(any);
}
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JR_WORDS 1
/* The 8 bytes at s (little-endian) with the high bit of each byte that ends a run of plain
 * string bytes -- below 0x20, '"', '\\' or 0x80 and above -- set; 0 when there is none.  The
 * lowest set bit is exact (a borrow can only mark bytes above a marked one), so its byte is
 * the first that needs the byte-at-a-time rules. */
static inline uint64_t jr_special8(const unsigned char *s)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t ctl = (x - ones * 0x20) & ~x;
    uint64_t quote = (q - ones) & ~q, back = (bs - ones) & ~bs;
    return (ctl | quote | back | x) & highs;
}
#endif

/* The extent of the string whose opening quote is at p->pos, checked (jread.h's rules but for
 * surrogate pairs, which decode_string checks): *end is its closing quote, *escapes whether it
 * has any; p->pos is left after the closing quote.  Allocates nothing (jread_check's too). */
__attribute__((always_inline)) static inline int string_end(jr *p, size_t *end, bool *escapes)
{
    const unsigned char *s = p->s;
    size_t i = ++p->pos;
    *escapes = false;
    for (;;) {
#if defined(JR_SSE2) && defined(JR_WORDS)
        /* plain ASCII 16 bytes at a time (perf19: a C+D body's 137 strings took ~100
         * instructions each a word at a time), then a word, up to the first byte the rules
         * below look at */
        if (i + 16 <= p->len) {
            unsigned m = jr_special16(s + i);
            if (!m) {
                i += 16;
                continue;
            }
            i += (size_t)__builtin_ctz(m);
        } else
#endif
#ifdef JR_WORDS
        /* plain ASCII 8 bytes at a time, up to the first byte the rules below look at */
        if (i + 8 <= p->len) {
            uint64_t m = jr_special8(s + i);
            if (!m) {
                i += 8;
                continue;
            }
            i += (size_t)__builtin_ctzll(m) >> 3;
        }
#endif
        if (i >= p->len)
            return fail_at(p, i, "premature end of input");
        unsigned char c = s[i];
        if (c == '"')
            break;
        if (c == '\\') {
            *escapes = true;
            if (i + 1 >= p->len)
                return fail_at(p, i + 1, "premature end of input");
            c = s[i + 1];
            if (c == 'u') {
                unsigned cp;
                if (i + 6 > p->len || hex4(s + i + 2, &cp))
                    return fail_at(p, i, "invalid escape");
                i += 6;
            } else if (c && strchr("\"\\/bfnrt", c)) {
                i += 2;
            } else {
                return fail_at(p, i, "invalid escape");
            }
            continue;
        }
        if (c < 0x20)
            return fail_at(p, i, "control character 0x%x", c);
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, p->len - i);
        if (!k)
            return fail_at(p, i, "unable to decode byte 0x%x", c);
        i += k;
    }
    *end = i;
    p->pos = i + 1;
    return 0;
}

/* A string; p->pos is on the opening quote.  Its text points into the input when it has no
 * escapes. */
__attribute__((always_inline)) static inline int scan_string(jr *p, const char **out,
                                                             size_t *out_len)
{
    size_t start = p->pos + 1, end = 0;
    bool escapes = false;
    if (string_end(p, &end, &escapes))
        return -1;
    if (!escapes) {
        *out = (const char *)p->s + start;
        *out_len = end - start;
        return 0;
    }
    return decode_string(p, start, end, out, out_len);
}

/* ---------------------------------------------------------------- numbers */

/* A number's extent in JSON's grammar at p->pos: *end past it, *real when it has a fraction
 * or an exponent (scan_number's, and jread_check's, which wants no value). */
static int number_extent(jr *p, size_t *end, bool *real)
{
    const unsigned char *s = p->s;
    size_t i = p->pos, start = i;
    *real = false;
    if (s[i] == '-')
        i++;
    if (i < p->len && s[i] == '0') {
        i++;
    } else if (i < p->len && s[i] >= '1' && s[i] <= '9') {
        while (i < p->len && is_digit(s[i]))
            i++;
    } else {
        return fail_at(p, start, "invalid token");
    }
    if (i < p->len && s[i] == '.') {
        i++;
        if (i >= p->len || !is_digit(s[i]))
            return fail_at(p, start, "invalid token");
        while (i < p->len && is_digit(s[i]))
            i++;
        *real = true;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || !is_digit(s[i]))
            return fail_at(p, start, "invalid token");
        while (i < p->len && is_digit(s[i]))
            i++;
        *real = true;
    }
    *end = i;
    return 0;
}

static int scan_number(jr *p, jread_val *v)
{
    const unsigned char *s = p->s;
    size_t i, start = p->pos;
    bool real;
    if (number_extent(p, &i, &real))
        return -1;
    v->text = (const char *)s + start;
    v->len = (uint32_t)(i - start);
    p->pos = i;
    if (!real) {
        /* strtoll's range, as jansson's: more than 20 digits (and a sign) overflows anyway */
        char b[32];
        if (v->len >= sizeof b)
            return fail_at(p, start,
                           s[start] == '-' ? "too big negative integer" : "too big integer");
        memcpy(b, v->text, v->len);
        b[v->len] = '\0';
        errno = 0;
        long long x = strtoll(b, NULL, 10);
        if (errno == ERANGE)
            return fail_at(p, start, x < 0 ? "too big negative integer" : "too big integer");
        v->type = JREAD_INTEGER;
        v->num.i = x;
        return 0;
    }
    char *b = arena_strndup(p->a, v->text, v->len);
    if (!b)
        return nomem(p);
    errno = 0;
    double d = strtod(b, NULL);
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
        return fail_at(p, start, "real number overflow");
    v->type = JREAD_REAL;
    v->num.d = d;
    return 0;
}

/* ---------------------------------------------------------------- structure */

/* A node, zeroed.  Taken from runs of 8 doubling to 256 (one arena allocation each): an arena
 * allocation rounds to 16 bytes, 96 for a node alone, and a body of tiny values is mostly
 * nodes. */
#define JR_RUN_MAX 256
_Static_assert(sizeof(jread_val) <= 56, "a node grew: the tree's size per body byte with it");

static jread_val *node_new(jr *p)
{
    if (!p->run_left) {
        if (!(p->run = arena_alloc(p->a, p->run_next * sizeof *p->run)))
            return NULL;
        p->run_left = p->run_next;
        if (p->run_next < JR_RUN_MAX)
            p->run_next *= 2;
    }
    p->run_left--;
    jread_val *v = p->run++;
    *v = (jread_val){0}; /* inline stores, not a memset call per node */
    return v;
}

static int push(jr *p, jread_val *c)
{
    if (p->depth == p->cap) {
        frame *n = arena_alloc(p->a, 2 * p->cap * sizeof *n);
        if (!n)
            return nomem(p);
        memcpy(n, p->st, p->depth * sizeof *n);
        p->st = n;
        p->cap *= 2;
    }
    p->st[p->depth].c = c;
    p->st[p->depth].tail = &c->child;
    p->depth++;
    return 0;
}

static void attach(jr *p, jread_val *v)
{
    if (!p->depth)
        return;
    frame *f = &p->st[p->depth - 1];
    *f->tail = v;
    f->tail = &v->next;
    f->c->n++;
}

/* ---------------------------------------------------------------- duplicate keys */

static unsigned char seed[16];
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) /* never fails past boot */
        memcpy(seed, "jread-fixed-seed", 16);
}

static bool same_key(const jread_val *a, const jread_val *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* A closed object's repeated keys folded as json_loadb folds them: the first member keeps its
 * place and takes the last one's value, the others leave the list.  Small objects compare
 * pairwise; larger ones use a hash table keyed with a random seed (no flooding). */
static int dedupe(jr *p, jread_val *obj)
{
    size_t n = obj->n, cap = 0;
    if (n < 2)
        return 0;
    jread_val **tab = NULL;
    if (n > 16) {
        pthread_once(&seed_once, seed_init);
        for (cap = 32; cap < 2 * n; cap *= 2)
            ;
        if (!(tab = arena_zalloc(p->a, cap * sizeof *tab)))
            return nomem(p);
    }
    jread_val *prev = NULL;
    for (jread_val *c = obj->child; c;) {
        jread_val *first = NULL, **slot = NULL;
        if (tab) {
            size_t h = (size_t)siphash24(seed, (const unsigned char *)c->key, c->key_len);
            for (slot = &tab[h & (cap - 1)]; *slot;
                 slot = &tab[(size_t)(slot - tab + 1) & (cap - 1)])
                if (same_key(*slot, c)) {
                    first = *slot;
                    break;
                }
        } else {
            for (jread_val *d = obj->child; d != c && !first; d = d->next)
                if (same_key(d, c))
                    first = d;
        }
        if (!first) {
            if (slot)
                *slot = c;
            prev = c;
            c = c->next;
            continue;
        }
        first->type = c->type;
        first->text = c->text;
        first->len = c->len;
        first->n = c->n;
        first->child = c->child;
        first->items = c->items;
        first->num = c->num;
        prev->next = c->next; /* prev exists: first precedes c */
        c = c->next;
        obj->n--;
        p->err->repeated++;
    }
    return 0;
}

/* A closed array's children by index (jread_at). */
static int index_items(jr *p, jread_val *arr)
{
    if (!arr->n)
        return 0;
    if (!(arr->items = arena_alloc(p->a, arr->n * sizeof *arr->items)))
        return nomem(p);
    size_t i = 0;
    for (jread_val *c = arr->child; c; c = c->next)
        arr->items[i++] = c;
    return 0;
}

/* A member's key and its colon; p->pos on the opening quote (checked by the caller). */
__attribute__((always_inline)) static inline int scan_key(jr *p, const char **key,
                                                          size_t *key_len)
{
    int rc = scan_string(p, key, key_len);
    if (rc)
        return rc;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':')
        return fail_at(p, p->pos, "':' expected");
    p->pos++;
    return 0;
}

static bool lit(jr *p, const char *w, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
        return false;
    p->pos += n;
    return true;
}

int jread_parse(const char *buf, size_t len, arena_t *a, jread_val **out, jread_error *err)
{
    /* of err, only repeated is read after a success (and nomem is not the parse's to set):
     * the rest is written by fail_at on the way out of a failure, not cleared here (184
     * bytes a parse) */
    err->nomem = false;
    err->repeated = 0;
    *out = NULL;
    /* field by field: an initializer would zero the 32 frames of p.local (~80 instructions a
     * parse, a sixth of a GetItem's body), which push() writes before anything reads them */
    jr p;
    p.s = (const unsigned char *)buf;
    p.len = len;
    p.pos = 0;
    p.a = a;
    p.err = err;
    p.depth = 0;
    p.run = NULL;
    p.run_left = 0;
    p.run_next = 8;
    if (len > UINT32_MAX) /* lengths and counts are 32-bit (jread_val) */
        return fail_at(&p, 0, "input too large");
    p.st = p.local;
    p.cap = sizeof p.local / sizeof p.local[0];
    jread_val *root = NULL;
    const char *key = NULL; /* the pending member's key when the open container is an object */
    size_t key_len = 0, slen;
    int rc;

    for (;;) {
        /* ---- a value */
        skip_ws(&p);
        if (p.depth + 1 > JREAD_MAX_DEPTH)
            return fail_at(&p, p.pos, "maximum parsing depth reached");
        if (p.pos >= p.len)
            return fail_at(&p, p.pos, "premature end of input");
        jread_val *v = node_new(&p);
        if (!v)
            return nomem(&p);
        if (p.depth && p.st[p.depth - 1].c->type == JREAD_OBJECT) {
            v->key = key;
            v->key_len = (uint32_t)key_len;
        }
        if (!root)
            root = v;
        unsigned char c = p.s[p.pos];
        bool opened = false;
        switch (c) {
        case '{':
        case '[':
            v->type = c == '{' ? JREAD_OBJECT : JREAD_ARRAY;
            p.pos++;
            attach(&p, v);
            if ((rc = push(&p, v)))
                return rc;
            skip_ws(&p);
            if (p.pos < p.len && p.s[p.pos] == (c == '{' ? '}' : ']')) {
                p.pos++;
                p.depth--;
                break; /* empty: a complete value */
            }
            if (c == '{') {
                if (p.pos >= p.len || p.s[p.pos] != '"')
                    return fail_at(&p, p.pos, "string or '}' expected");
                if ((rc = scan_key(&p, &key, &key_len)))
                    return rc;
            }
            opened = true;
            break;
        case '"':
            v->type = JREAD_STRING;
            if ((rc = scan_string(&p, &v->text, &slen)))
                return rc;
            v->len = (uint32_t)slen; /* < 4 GB: the input is */
            attach(&p, v);
            break;
        case 't':
        case 'f':
        case 'n':
            if (lit(&p, "true", 4))
                v->type = JREAD_TRUE;
            else if (lit(&p, "false", 5))
                v->type = JREAD_FALSE;
            else if (lit(&p, "null", 4))
                v->type = JREAD_NULL;
            else
                return fail_at(&p, p.pos, "invalid token");
            attach(&p, v);
            break;
        default:
            if (c != '-' && !is_digit(c))
                return fail_at(&p, p.pos, "unexpected token");
            if ((rc = scan_number(&p, v)))
                return rc;
            attach(&p, v);
            break;
        }
        if (opened)
            continue; /* its first child next */

        /* ---- after a complete value: close containers, or go on to the next member */
        for (;;) {
            skip_ws(&p);
            if (!p.depth) {
                if (p.pos != p.len)
                    return fail_at(&p, p.pos, "end of file expected");
                *out = root;
                return 0;
            }
            if (p.pos >= p.len)
                return fail_at(&p, p.pos, "premature end of input");
            bool obj = p.st[p.depth - 1].c->type == JREAD_OBJECT;
            c = p.s[p.pos++];
            if (c == (obj ? '}' : ']')) {
                if ((rc = obj ? dedupe(&p, p.st[p.depth - 1].c)
                              : index_items(&p, p.st[p.depth - 1].c)))
                    return rc;
                p.depth--;
                continue;
            }
            if (c != ',')
                return fail_at(&p, p.pos - 1, obj ? "'}' expected" : "']' expected");
            if (obj) {
                skip_ws(&p);
                if (p.pos >= p.len || p.s[p.pos] != '"')
                    return fail_at(&p, p.pos, "string expected");
                if ((rc = scan_key(&p, &key, &key_len)))
                    return rc;
            }
            break; /* the next value */
        }
    }
}

/* ---------------------------------------------------------------- jansson */

json_t *jread_to_jansson(const jread_val *v)
{
    switch (v->type) {
    case JREAD_NULL:
        return json_null();
    case JREAD_FALSE:
        return json_false();
    case JREAD_TRUE:
        return json_true();
    case JREAD_INTEGER:
        return json_integer((json_int_t)v->num.i);
    case JREAD_REAL:
        return json_real(v->num.d);
    case JREAD_STRING:
        return json_stringn_nocheck(v->text, v->len); /* UTF-8 checked by the scan */
    case JREAD_ARRAY: {
        json_t *arr = json_array();
        for (const jread_val *c = v->child; arr && c; c = c->next) {
            json_t *x = jread_to_jansson(c);
            if (!x || json_array_append_new(arr, x)) { /* _new takes x even when it fails */
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    case JREAD_OBJECT: {
        json_t *obj = json_object();
        for (const jread_val *c = v->child; obj && c; c = c->next) {
            json_t *x = jread_to_jansson(c);
            /* keys are unique here (dedupe) */
            if (!x || json_object_setn_new_nocheck(obj, c->key, c->key_len, x)) {
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    }
    return NULL;
}

const jread_val *jread_at(const jread_val *arr, size_t i)
{
    return arr && arr->type == JREAD_ARRAY && i < arr->n ? arr->items[i] : NULL;
}

const jread_val *jread_get(const jread_val *obj, const char *key, size_t key_len)
{
    if (!obj || obj->type != JREAD_OBJECT)
        return NULL;
    for (const jread_val *c = obj->child; c; c = c->next)
        if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0)
            return c;
    return NULL;
}

json_t *jread_jansson(const char *buf, size_t len, jread_error *err)
{
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    json_t *j = NULL;
    if (jread_parse(buf, len, &a, &v, err) == 0) {
        j = jread_to_jansson(v);
        if (!j) { /* the parse's success set no position */
            err->nomem = true;
            err->line = 0;
            err->column = 0;
            err->position = 0;
            snprintf(err->text, sizeof err->text, "out of memory");
        }
    }
    arena_fini(&a);
    return j;
}

/* ---------------------------------------------------------------- checking only */

int jread_check(const char *buf, size_t len, jread_error *err)
{
    memset(err, 0, sizeof *err);
    jr p = {.s = (const unsigned char *)buf, .len = len, .err = err};
    unsigned char obj[JREAD_MAX_DEPTH / 8] = {0}; /* bit d: the container at depth d is an object */
    size_t depth = 0;
    const unsigned char *s = p.s;
    skip_ws(&p);
value:
    if (p.pos >= len)
        return fail_at(&p, p.pos, "premature end of input");
    if (depth + 1 > JREAD_MAX_DEPTH) /* every value counts, scalars too (jread_parse's rule) */
        return fail_at(&p, p.pos, "maximum parsing depth reached");
    switch (s[p.pos]) {
    case '{':
    case '[': {
        bool o = s[p.pos] == '{';
        obj[depth / 8] = (unsigned char)((obj[depth / 8] & ~(1u << depth % 8)) | (o ? 1u << depth % 8 : 0));
        depth++;
        p.pos++;
        skip_ws(&p);
        if (p.pos < len && s[p.pos] == (o ? '}' : ']')) {
            depth--;
            p.pos++;
            goto after;
        }
        if (o)
            goto key;
        goto value;
    }
    case '"': {
        size_t end;
        bool esc;
        if (string_end(&p, &end, &esc))
            return -1;
        goto after;
    }
    case 't':
    case 'f':
    case 'n': {
        const char *w = s[p.pos] == 't' ? "true" : s[p.pos] == 'f' ? "false" : "null";
        size_t wl = strlen(w);
        if (len - p.pos < wl || memcmp(s + p.pos, w, wl) != 0)
            return fail_at(&p, p.pos, "invalid token");
        p.pos += wl;
        goto after;
    }
    default: {
        size_t end;
        bool real;
        if (number_extent(&p, &end, &real))
            return -1;
        p.pos = end;
        goto after;
    }
    }
key:
    if (p.pos >= len || s[p.pos] != '"')
        return fail_at(&p, p.pos, "string or '}' expected");
    {
        size_t end;
        bool esc;
        if (string_end(&p, &end, &esc))
            return -1;
    }
    skip_ws(&p);
    if (p.pos >= len || s[p.pos] != ':')
        return fail_at(&p, p.pos, "':' expected");
    p.pos++;
    skip_ws(&p);
    goto value;
after:
    skip_ws(&p);
    if (!depth) {
        if (p.pos != len)
            return fail_at(&p, p.pos, "end of file expected");
        return 0;
    }
    {
        bool o = obj[(depth - 1) / 8] >> (depth - 1) % 8 & 1;
        if (p.pos < len && s[p.pos] == ',') {
            p.pos++;
            skip_ws(&p);
            if (o)
                goto key;
            goto value;
        }
        if (p.pos < len && s[p.pos] == (o ? '}' : ']')) {
            depth--;
            p.pos++;
            goto after;
        }
    }
    return fail_at(&p, p.pos, "',' or a closing bracket expected");
}

size_t jread_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* Past the string whose opening quote is t[*i] (jread_skip's contract). */
static bool skip_string(const char *t, size_t n, size_t *i)
{
    size_t k = *i + 1;
    while (k < n && t[k] != '"')
        k += t[k] == '\\' ? 2 : 1;
    *i = k < n ? k + 1 : n;
    return k < n;
}

bool jread_skip(const char *t, size_t n, size_t *i)
{
    size_t k = *i;
    if (k < n && t[k] == '"')
        return skip_string(t, n, i);
    if (k < n && (t[k] == '{' || t[k] == '[')) {
        size_t depth = 0;
        while (k < n) {
            char c = t[k];
            if (c == '"') {
                if (!skip_string(t, n, &k))
                    break;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                *i = k + 1;
                return true;
            }
            k++;
        }
        *i = n;
        return false;
    }
    if (k >= n) {
        *i = n;
        return false;
    }
    while (k < n && t[k] != ',' && t[k] != '}' && t[k] != ']' && t[k] != ' ' && t[k] != '\t' &&
           t[k] != '\n' && t[k] != '\r') /* a number, true, false, null */
        k++;
    *i = k;
    return true;
}
