/*
 * sigv4 — SigV4 canonical request, string to sign, signing key and verification.
 * Layer: server.  See sigv4.h; tests: tests/unit/server/test_sigv4.c (AWS's example
 * vectors), tests/e2e/test_auth.py (boto3-signed requests).
 *
 * Invariants: every buffer is bounded (buf_t maximum / fixed arrays); signatures are
 * compared in constant time; nothing here allocates beyond the caller's buffers.
 *
 * SHA-256 and HMAC come from OpenSSL's libcrypto, opened on first use (base/dynlib.h): only
 * a server with credentials verifies signatures, and loading libcrypto at every start cost
 * ~1.4 ms (issue 13.4).  If it cannot be loaded the digests are all zero, so every signature
 * fails to match (fail closed); sigv4_crypto_load reports the reason up front.
 */
#include "server/sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <pthread.h>

#include <openssl/core.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "base/dynlib.h"
#include "base/httpdate.h"
#include "base/log.h"

#if defined(__SSE2__) && !defined(SIGV4_NO_SSE2) /* -DSIGV4_NO_SSE2: bytes only */
#define SIGV4_SSE2 1
#include <emmintrin.h>
#endif

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_CANON_MAX ((size_t)64 << 10) /* canonical request / string-to-sign bound */

/* "000102...ff": a byte's two lower-case hex digits at 2 * byte */
static const char sigv4_hex2[513] =
#define SIGV4_H16(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" \
    h "d" h "e" h "f"
    SIGV4_H16("0") SIGV4_H16("1") SIGV4_H16("2") SIGV4_H16("3") SIGV4_H16("4") SIGV4_H16("5")
    SIGV4_H16("6") SIGV4_H16("7") SIGV4_H16("8") SIGV4_H16("9") SIGV4_H16("a") SIGV4_H16("b")
    SIGV4_H16("c") SIGV4_H16("d") SIGV4_H16("e") SIGV4_H16("f");
#undef SIGV4_H16

static void sigv4_hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, sigv4_hex2 + 2 * p[i], 2);
    out[2 * n] = '\0';
}

static struct {
    unsigned char *(*sha256)(const unsigned char *d, size_t n, unsigned char *md);
    unsigned char *(*hmac)(const EVP_MD *md, const void *key, int klen, const unsigned char *d,
                           size_t n, unsigned char *out, unsigned int *olen);
    const EVP_MD *(*evp_sha256)(void);
    /* the same through contexts kept per thread (sigv4_ctx): OpenSSL 3's one-shot SHA256()
     * and HMAC() look the algorithm up in the provider store on every call (EVP_MD_fetch /
     * EVP_MAC_fetch: ~8k instructions each) and HMAC() builds and frees a context too:
     * ~31k instructions an HMAC, ~10k a SHA-256 of a few hundred bytes (callgrind) */
    EVP_MD *(*md_fetch)(OSSL_LIB_CTX *lib, const char *alg, const char *props);
    EVP_MD_CTX *(*md_ctx_new)(void);
    void (*md_ctx_free)(EVP_MD_CTX *c);
    int (*digest_init)(EVP_MD_CTX *c, const EVP_MD *md, ENGINE *e);
    int (*digest_update)(EVP_MD_CTX *c, const void *d, size_t n);
    int (*digest_final)(EVP_MD_CTX *c, unsigned char *md, unsigned int *n);
    EVP_MAC *(*mac_fetch)(OSSL_LIB_CTX *lib, const char *alg, const char *props);
    EVP_MAC_CTX *(*mac_ctx_new)(EVP_MAC *mac);
    void (*mac_ctx_free)(EVP_MAC_CTX *c);
    int (*mac_ctx_set_params)(EVP_MAC_CTX *c, const OSSL_PARAM params[]);
    int (*mac_init)(EVP_MAC_CTX *c, const unsigned char *key, size_t klen,
                    const OSSL_PARAM params[]);
    int (*mac_update)(EVP_MAC_CTX *c, const unsigned char *d, size_t n);
    int (*mac_final)(EVP_MAC_CTX *c, unsigned char *out, size_t *outl, size_t outsize);
    EVP_MD *md;   /* SHA-256, fetched once (NULL: the one-shot calls) */
    EVP_MAC *mac; /* HMAC, fetched once (NULL: the one-shot calls) */
} sigv4_ssl;
static pthread_once_t sigv4_ssl_once = PTHREAD_ONCE_INIT;
static char sigv4_ssl_error[256] = "libcrypto not loaded"; /* "" once usable */
static pthread_key_t sigv4_ctx_key; /* frees a thread's contexts when it ends */

/* A thread's digest and MAC contexts, made on its first digest (NULL: out of memory, the
 * one-shot calls then). */
typedef struct sigv4_ctx {
    EVP_MD_CTX *md;
    EVP_MAC_CTX *mac;
    EVP_MAC_CTX *sig;     /* signatures only: kept keyed with sig_key between requests */
    bool sig_keyed;
    unsigned char sig_key[32];
} sigv4_ctx;
static _Thread_local sigv4_ctx *sigv4_tctx;
static _Thread_local bool sigv4_tctx_failed;

static void sigv4_ctx_free(void *p)
{
    sigv4_ctx *c = p;
    if (!c)
        return;
    if (c->md)
        sigv4_ssl.md_ctx_free(c->md);
    if (c->mac)
        sigv4_ssl.mac_ctx_free(c->mac);
    if (c->sig)
        sigv4_ssl.mac_ctx_free(c->sig);
    explicit_bzero(c->sig_key, sizeof c->sig_key);
    free(c);
}

static void sigv4_ssl_load(void)
{
    const dynlib_sym syms[] = {
        {"SHA256", &sigv4_ssl.sha256},
        {"HMAC", &sigv4_ssl.hmac},
        {"EVP_sha256", &sigv4_ssl.evp_sha256},
        {"EVP_MD_fetch", &sigv4_ssl.md_fetch},
        {"EVP_MD_CTX_new", &sigv4_ssl.md_ctx_new},
        {"EVP_MD_CTX_free", &sigv4_ssl.md_ctx_free},
        {"EVP_DigestInit_ex", &sigv4_ssl.digest_init},
        {"EVP_DigestUpdate", &sigv4_ssl.digest_update},
        {"EVP_DigestFinal_ex", &sigv4_ssl.digest_final},
        {"EVP_MAC_fetch", &sigv4_ssl.mac_fetch},
        {"EVP_MAC_CTX_new", &sigv4_ssl.mac_ctx_new},
        {"EVP_MAC_CTX_free", &sigv4_ssl.mac_ctx_free},
        {"EVP_MAC_CTX_set_params", &sigv4_ssl.mac_ctx_set_params},
        {"EVP_MAC_init", &sigv4_ssl.mac_init},
        {"EVP_MAC_update", &sigv4_ssl.mac_update},
        {"EVP_MAC_final", &sigv4_ssl.mac_final},
    };
    char why[sizeof sigv4_ssl_error];
    if (dynlib_open("libcrypto.so.3", syms, sizeof syms / sizeof syms[0], why, sizeof why)) {
        memcpy(sigv4_ssl_error, why, sizeof why);
        log_error("sigv4: %s: every signature will be refused", why);
        return;
    }
    /* kept for the life of the process (reachable from here) */
    if (pthread_key_create(&sigv4_ctx_key, sigv4_ctx_free) == 0) {
        sigv4_ssl.md = sigv4_ssl.md_fetch(NULL, "SHA256", NULL);
        sigv4_ssl.mac = sigv4_ssl.mac_fetch(NULL, "HMAC", NULL);
    }
    sigv4_ssl_error[0] = '\0';
}

static bool sigv4_ssl_ready(void)
{
    pthread_once(&sigv4_ssl_once, sigv4_ssl_load);
    return sigv4_ssl_error[0] == '\0';
}

/* This thread's contexts (after sigv4_ssl_ready), or NULL: the one-shot calls. */
static sigv4_ctx *sigv4_ctx_get(void)
{
    if (sigv4_tctx || sigv4_tctx_failed)
        return sigv4_tctx;
    sigv4_ctx *c = NULL;
    if (sigv4_ssl.md && sigv4_ssl.mac && (c = calloc(1, sizeof *c))) {
        c->md = sigv4_ssl.md_ctx_new();
        c->mac = sigv4_ssl.mac_ctx_new(sigv4_ssl.mac);
        c->sig = sigv4_ssl.mac_ctx_new(sigv4_ssl.mac);
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_utf8_string("digest", digest, sizeof digest - 1),
                               OSSL_PARAM_END};
        if (!c->md || !c->mac || !c->sig || !sigv4_ssl.mac_ctx_set_params(c->mac, params) ||
            !sigv4_ssl.mac_ctx_set_params(c->sig, params) ||
            pthread_setspecific(sigv4_ctx_key, c) != 0) {
            sigv4_ctx_free(c);
            c = NULL;
        }
    }
    sigv4_tctx = c;
    sigv4_tctx_failed = c == NULL; /* not retried on every digest */
    return c;
}

int sigv4_crypto_load(err_t *e)
{
    if (!sigv4_ssl_ready())
        return err_set(e, ERR_INTERNAL, "SigV4 verification: %s", sigv4_ssl_error);
    return 0;
}

void sigv4_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    memset(md, 0, sizeof md);
    if (sigv4_ssl_ready()) {
        const void *d = data ? data : (const void *)"";
        sigv4_ctx *c = sigv4_ctx_get();
        unsigned int len = 0;
        if (!c || !sigv4_ssl.digest_init(c->md, sigv4_ssl.md, NULL) ||
            !sigv4_ssl.digest_update(c->md, d, n) || !sigv4_ssl.digest_final(c->md, md, &len) ||
            len != sizeof md)
            sigv4_ssl.sha256(d, n, md);
    }
    sigv4_hex(md, sizeof md, out);
}

static void sigv4_hmac(const void *key, size_t klen, const void *msg, size_t n,
                       unsigned char out[32])
{
    memset(out, 0, 32);
    if (!sigv4_ssl_ready())
        return;
    sigv4_ctx *c = sigv4_ctx_get();
    size_t olen = 0;
    if (c && sigv4_ssl.mac_init(c->mac, key, klen, NULL) &&
        sigv4_ssl.mac_update(c->mac, msg, n) && sigv4_ssl.mac_final(c->mac, out, &olen, 32) &&
        olen == 32)
        return;
    unsigned int len = 32;
    sigv4_ssl.hmac(sigv4_ssl.evp_sha256(), key, (int)klen, msg, n, out, &len);
}

/* Constant-time equality of n bytes. */
static bool sigv4_same(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, unsigned char out[32])
{
    char k0[SIGV4_SECRET_MAX + 8];
    int n = snprintf(k0, sizeof k0, "AWS4%s", secret);
    if (n < 0 || (size_t)n >= sizeof k0)
        n = (int)sizeof k0 - 1;
    unsigned char a[32], b[32];
    sigv4_hmac(k0, (size_t)n, date, strlen(date), a);
    sigv4_hmac(a, 32, region, strlen(region), b);
    sigv4_hmac(b, 32, service, strlen(service), a);
    sigv4_hmac(a, 32, "aws4_request", 12, out);
    explicit_bzero(k0, sizeof k0);
    explicit_bzero(a, sizeof a);
    explicit_bzero(b, sizeof b);
}

/* The derived signing key depends only on (secret, date, region, service): each thread keeps
 * the last few it derived, as the AWS SDKs do on the signing side, so a request pays for one
 * HMAC (its signature) instead of five.  Per thread, so no lock; the secret is compared by
 * content, so a slot can never answer for another key. */
#define SIGV4_KEY_CACHE 4
typedef struct sigv4_key_slot {
    bool used;
    size_t secret_len;
    char secret[SIGV4_SECRET_MAX + 1];
    char date[9];
    char region[SIGV4_SCOPE_PART_MAX + 1];
    char service[SIGV4_SCOPE_PART_MAX + 1];
    unsigned char key[32];
} sigv4_key_slot;
static _Thread_local sigv4_key_slot sigv4_key_cache[SIGV4_KEY_CACHE];
static _Thread_local unsigned sigv4_key_next;

/* sigv4_signing_key through the thread's cache.  Arguments too long for a slot (never from
 * sigv4_parse_authorization's bounded fields) are derived every time. */
static void sigv4_signing_key_cached(const char *secret, const char *date, const char *region,
                                     const char *service, unsigned char out[32])
{
    size_t sl = strlen(secret), dl = strlen(date), rl = strlen(region), vl = strlen(service);
    if (sl > SIGV4_SECRET_MAX || dl > 8 || rl > SIGV4_SCOPE_PART_MAX ||
        vl > SIGV4_SCOPE_PART_MAX || !sigv4_ssl_ready()) {
        sigv4_signing_key(secret, date, region, service, out);
        return;
    }
    for (unsigned i = 0; i < SIGV4_KEY_CACHE; i++) {
        const sigv4_key_slot *c = &sigv4_key_cache[i];
        if (c->used && c->secret_len == sl && strcmp(c->date, date) == 0 &&
            strcmp(c->region, region) == 0 && strcmp(c->service, service) == 0 &&
            sigv4_same(c->secret, secret, sl)) {
            memcpy(out, c->key, 32);
            return;
        }
    }
    sigv4_signing_key(secret, date, region, service, out);
    sigv4_key_slot *c = &sigv4_key_cache[sigv4_key_next++ % SIGV4_KEY_CACHE];
    c->used = true;
    c->secret_len = sl;
    memcpy(c->secret, secret, sl + 1);
    memcpy(c->date, date, dl + 1);
    memcpy(c->region, region, rl + 1);
    memcpy(c->service, service, vl + 1);
    memcpy(c->key, out, 32);
}

void sigv4_signature(const unsigned char key[32], const void *msg, size_t n, char out[65])
{
    unsigned char mac[32];
    /* A client signs with the same derived key all day: the thread's signature context stays
     * keyed with the last one, and a request with that key (compared in constant time)
     * re-initialises it without a key, which reuses the key's prepared state (OpenSSL's
     * HMAC) instead of hashing the key pads again.  Any failure: the keyed path. */
    sigv4_ctx *c = sigv4_ssl_ready() ? sigv4_ctx_get() : NULL;
    size_t olen = 0;
    if (c) {
        bool same = c->sig_keyed && sigv4_same(c->sig_key, key, 32);
        c->sig_keyed = false;
        if ((same ? sigv4_ssl.mac_init(c->sig, NULL, 0, NULL)
                  : sigv4_ssl.mac_init(c->sig, key, 32, NULL)) &&
            sigv4_ssl.mac_update(c->sig, msg, n) && sigv4_ssl.mac_final(c->sig, mac, &olen, 32) &&
            olen == 32) {
            memcpy(c->sig_key, key, 32);
            c->sig_keyed = true;
            sigv4_hex(mac, 32, out);
            return;
        }
    }
    sigv4_hmac(key, 32, msg, n, mac);
    sigv4_hex(mac, 32, out);
}

/* ---- dates ---------------------------------------------------------------------- */

static int sigv4_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

long long sigv4_parse_amz_date(const char *s)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return -1;
    if (sigv4_digits(s, 4, &y) || sigv4_digits(s + 4, 2, &mo) || sigv4_digits(s + 6, 2, &d) ||
        sigv4_digits(s + 9, 2, &h) || sigv4_digits(s + 11, 2, &mi) || sigv4_digits(s + 13, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return (long long)timegm(&tm);
}

void sigv4_format_amz_date(long long t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- Authorization header ------------------------------------------------------- */

static const char *sigv4_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Copies [p, p+n) into out (size cap) when it fits; -1 otherwise. */
static int sigv4_copy(char *out, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

bool sigv4_is_aws4(const char *value)
{
    return value && strncmp(sigv4_skip_ws(value), "AWS4-", 5) == 0;
}

/* An Authorization item without '=' (AWS's text: "'valid/2018.../aws4_request' not a valid
 * key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256
 * Credential=not valid/...'."): the item, then the header */
#define SIGV4_TXT_NO_EQUAL                                                                   \
    "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization header: '%.200s'."

static inline bool sigv4_is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

/* The item at p (p < end, not a separator): its length (up to the next ',', ' ' or '\t',
 * or end), and whether an '=' comes before that.  Items are split as strcspn(p, ", \t") and
 * looked into as strcspn(p, "=") < n did; these scan 16 bytes a step where the value allows
 * (it is >= 16 bytes long: the last block overlaps the one before, from base on), bytes
 * otherwise: 3 strcspn/strspn calls an item plus a strlen and a memcmp a key were ~830
 * instructions a request (every DynamoDB request without credentials), ~550 now.
 * tests/unit/server/test_sigv4.c test_check_parts_as_bytes holds it to the byte rule. */
static inline __attribute__((always_inline)) size_t sigv4_item(const char *base, const char *p,
                                                                const char *end, bool *out_eq)
{
    size_t n = 0, left = (size_t)(end - p);
#if SIGV4_SSE2
    if ((size_t)(end - base) >= 16) {
        const __m128i comma = _mm_set1_epi8(','), sp = _mm_set1_epi8(' '),
                      tab = _mm_set1_epi8('\t'), eq = _mm_set1_epi8('=');
        unsigned eqs = 0; /* '=' seen before the item's end */
        for (;;) {
            /* the block at p + n, or the value's last 16 bytes (those before p + n masked
             * off) */
            const char *q = p + n;
            unsigned skip = 0;
            if (n + 16 > left) {
                q = end - 16;
                skip = (unsigned)(p + n - q);
            }
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
            unsigned sep = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, sp)),
                _mm_cmpeq_epi8(x, tab)));
            unsigned e = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, eq));
            sep = (sep >> skip) << skip;
            e = (e >> skip) << skip;
            if (sep) {
                unsigned s = (unsigned)__builtin_ctz(sep);
                eqs |= e & ((1u << s) - 1u);
                *out_eq = eqs != 0;
                return (size_t)(q - p) + s;
            }
            eqs |= e;
            if (q + 16 >= end) {
                *out_eq = eqs != 0;
                return left;
            }
            n = (size_t)(q - p) + 16;
        }
    }
#else
    (void)base;
#endif
    bool eq = false;
    while (n < left && !sigv4_is_sep(p[n]))
        eq |= p[n++] == '=';
    *out_eq = eq;
    return n;
}

int sigv4_check_parts(const char *value, bool has_date, err_t *e)
{
    if (!sigv4_is_aws4(value))
        return err_set(e, ERR_MISSING_AUTH_TOKEN, "Request is missing Authentication Token");
    /* after the algorithm, "key=value" items split at commas and blanks */
    static const char *const want[] = {"Credential", "Signature", "SignedHeaders"};
    bool have[3] = {false, false, false};
    const char *end = value + strlen(value);
    const char *p = sigv4_skip_ws(value);
    bool eq;
    p += sigv4_item(value, p, end, &eq);
    while (p < end) {
        while (p < end && sigv4_is_sep(*p))
            p++;
        if (p == end)
            break;
        size_t n = sigv4_item(value, p, end, &eq);
        if (!eq) /* no '=' in this item (split at commas and blanks, as AWS names it) */
            return err_set(e, ERR_INCOMPLETE_SIGNATURE, SIGV4_TXT_NO_EQUAL, (int)n, p, value);
        /* the key is what comes before the item's first '=', and its value is not empty */
        if (n > 11 && memcmp(p, "Credential=", 11) == 0)
            have[0] = true;
        else if (n > 10 && memcmp(p, "Signature=", 10) == 0)
            have[1] = true;
        else if (n > 14 && memcmp(p, "SignedHeaders=", 14) == 0)
            have[2] = true;
        p += n;
    }
    if (have[0] && have[1] && have[2])
        return 0;
    char msg[512];
    size_t o = 0;
    for (int i = 0; i < 3; i++)
        if (!have[i])
            o += (size_t)snprintf(msg + o, sizeof msg - o,
                                  "Authorization header requires '%s' parameter. ", want[i]);
    if (!has_date)
        snprintf(msg + o, sizeof msg - o,
                 "Authorization header requires existence of either a 'X-Amz-Date' or a "
                 "'Date' header. ");
    return err_set(e, ERR_INCOMPLETE_SIGNATURE, "%sAuthorization=%.200s", msg, value);
}

int sigv4_check_query(const sigv4_param *params, size_t n, bool has_header, bool *out_query,
                      err_t *e)
{
    static const char *const want[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                                       "X-Amz-SignedHeaders", "X-Amz-Date"};
    bool have[5] = {false, false, false, false, false}, present = false;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 5; k++)
            if (strcmp(params[i].name, want[k]) == 0) {
                present |= k == 0;
                have[k] |= params[i].value && params[i].value[0];
            }
    *out_query = present;
    if (!present)
        return 0;
    if (has_header)
        return err_set(e, ERR_INVALID_SIGNATURE,
                       "Found both 'X-Amz-Algorithm' as a query-string param and "
                       "'Authorization' as HTTP header.");
    char msg[512];
    size_t o = 0;
    for (int k = 0; k < 5; k++)
        if (!have[k])
            o += (size_t)snprintf(msg + o, sizeof msg - o,
                                  "AWS query-string parameters must include '%s'. ", want[k]);
    if (o)
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, "%sRe-examine the query-string parameters.",
                       msg);
    return 0;
}

/* Credential = AKID/YYYYMMDD/region/service/aws4_request (an Authorization's Credential= or a
 * presigned query's X-Amz-Credential): its parts into out's access_key, date, region and
 * service. */
/* A scope part into out (cut at cap - 1 bytes): true when it was cut. */
static bool sigv4_part(char *out, size_t cap, const char *p)
{
    size_t n = strlen(p);
    bool cut = n >= cap;
    if (cut)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return cut;
}

/* sigv4_parse_credential, but a Credential of other than 5 parts is only noted
 * (out->credential_bad, its text in out->credential), for sigv4_verify to tell after the
 * checks DynamoDB makes before it. */
static int sigv4_parse_credential_loose(const char *value, size_t len, sigv4_auth *out, err_t *e)
{
    char cred[SIGV4_KEY_MAX + 3 * SIGV4_SCOPE_PART_MAX + 32];
    size_t tl = len < sizeof out->credential ? len : sizeof out->credential - 1;
    memcpy(out->credential, value, tl);
    out->credential[tl] = '\0';
    /* a key id past IAM's 128 characters is one AWS does not know: not a fault of the scope
     * (it was "Credential should be scoped to a valid region, not 'us-east-1'", or past ~200
     * bytes "Credential is too long."; hostile21, test_auth
     * test_access_key_over_128_bytes_is_unrecognized).  It stands as one byte while the
     * scope's parts are split, and no key matches it. */
    const char *slash = memchr(value, '/', len);
    size_t klen = slash ? (size_t)(slash - value) : len, off = 0;
    if (klen > SIGV4_KEY_MAX) {
        cred[off++] = '-';
        value += klen;
        len -= klen;
    }
    if (sigv4_copy(cred + off, sizeof cred - off, value, len))
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, "Credential is too long.");
    size_t cl = strlen(cred);
    while (cl && cred[cl - 1] == '/') /* trailing slashes are ignored (dynalite's index.js) */
        cred[--cl] = '\0';
    char *parts[5];
    int np = 0;
    char *c = cred;
    parts[np++] = c;
    for (; *c && np <= 5; c++)
        if (*c == '/') {
            *c = '\0';
            if (np < 5)
                parts[np] = c + 1;
            np++;
        }
    out->key_too_long = off > 0;
    if (np != 5) {
        out->credential_bad = true;
        return 0;
    }
    if (!out->key_too_long &&
        (sigv4_copy(out->access_key, sizeof out->access_key, parts[0], strlen(parts[0])) ||
         !out->access_key[0]))
        out->key_too_long = true; /* none: no key matches */
    sigv4_part(out->date, sizeof out->date, parts[1]);
    out->region_long = sigv4_part(out->region, sizeof out->region, parts[2]);
    sigv4_part(out->service, sizeof out->service, parts[3]);
    sigv4_part(out->terminator, sizeof out->terminator, parts[4]);
    return 0;
}

#define SIGV4_TXT_CRED_PARTS                                                                 \
    "Credential must have exactly 5 slash-delimited elements, e.g. "                          \
    "keyid/date/region/service/term, got '%s'"
#define SIGV4_TXT_ALGORITHM "Unsupported AWS 'algorithm': '%s' (only " SIGV4_ALGORITHM " for now). "

int sigv4_parse_credential(const char *value, size_t len, sigv4_auth *out, err_t *e)
{
    int rc = sigv4_parse_credential_loose(value, len, out, e);
    if (!rc && out->credential_bad)
        rc = err_set(e, ERR_INCOMPLETE_SIGNATURE, SIGV4_TXT_CRED_PARTS, out->credential);
    return rc;
}

int sigv4_check_scope(const sigv4_auth *auth, const char *amz_date, err_t *e)
{
    char msg[1024];
    size_t o = 0;
    if (!auth->region[0] || auth->region_long)
        o += (size_t)snprintf(msg + o, sizeof msg - o,
                              "Credential should be scoped to a valid region, not '%s'. ",
                              auth->region);
    if (strcmp(auth->service, "dynamodb") != 0)
        o += (size_t)snprintf(msg + o, sizeof msg - o,
                              "Credential should be scoped to correct service: 'dynamodb'. ");
    if (strcmp(auth->terminator, "aws4_request") != 0)
        o += (size_t)snprintf(msg + o, sizeof msg - o,
                              "Credential should be scoped with a valid terminator: "
                              "'aws4_request', not '%s'. ",
                              auth->terminator);
    if (amz_date && (strlen(auth->date) != 8 || memcmp(auth->date, amz_date, 8) != 0))
        o += (size_t)snprintf(msg + o, sizeof msg - o,
                              "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                              "version of date from HTTP: '%s' != '%.8s', from '%s'.",
                              auth->date, amz_date, amz_date);
    return o ? err_set(e, ERR_INVALID_SIGNATURE, "%s", msg) : 0;
}

/* sigv4_parse_authorization, but another algorithm and a Credential of other than 5 parts
 * are only noted in out (algorithm_bad, credential_bad), for sigv4_verify to tell after the
 * checks DynamoDB makes before them. */
static int sigv4_parse_authorization_loose(const char *value, sigv4_auth *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    /* not "AWS4-...": no token at all for AWS (dynalite's connection tests, recorded against
     * AWS: "AWS4" is MissingAuthenticationTokenException; review18 L4) */
    if (!sigv4_is_aws4(value))
        return err_set(e, ERR_MISSING_AUTH_TOKEN, "Request is missing Authentication Token");
    const char *p = sigv4_skip_ws(value);
    size_t alen = 0;
    while (p[alen] && p[alen] != ' ' && p[alen] != '\t')
        alen++;
    if (alen != strlen(SIGV4_ALGORITHM) || memcmp(p, SIGV4_ALGORITHM, alen) != 0) {
        out->algorithm_bad = true;
        sigv4_copy(out->algorithm, sizeof out->algorithm, p,
                   alen < sizeof out->algorithm ? alen : sizeof out->algorithm - 1);
    }
    p += alen;
    bool have_cred = false, have_sh = false, have_sig = false;
    const char *cred = NULL; /* the Credential= value, split once all parts are known */
    size_t cred_len = 0;
    while (*p) {
        p = sigv4_skip_ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        size_t klen = (size_t)(p - k);
        while (klen && (k[klen - 1] == ' ' || k[klen - 1] == '\t'))
            klen--;
        if (*p != '=')
            return err_set(e, ERR_INCOMPLETE_SIGNATURE, SIGV4_TXT_NO_EQUAL, (int)klen, k, value);
        p++;
        const char *v = p;
        while (*p && *p != ',')
            p++;
        size_t vlen = (size_t)(p - v);
        while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
        if (klen == 10 && memcmp(k, "Credential", 10) == 0) {
            cred = v;
            cred_len = vlen;
            have_cred = true;
        } else if (klen == 13 && memcmp(k, "SignedHeaders", 13) == 0) {
            if (sigv4_copy(out->signed_headers, sizeof out->signed_headers, v, vlen))
                return err_set(e, ERR_INCOMPLETE_SIGNATURE, "SignedHeaders is too long.");
            have_sh = true;
        } else if (klen == 9 && memcmp(k, "Signature", 9) == 0) {
            /* its first 64 characters and its length: one of another length fails to match
             * (AWS compares the whole value: review20 R10) */
            out->signature_len = vlen;
            if (vlen > 64)
                vlen = 64;
            for (size_t i = 0; i < vlen; i++)
                out->signature[i] = (char)tolower((unsigned char)v[i]);
            have_sig = true;
        }
    }
    if (!have_cred || !have_sh || !have_sig) {
        char msg[512];
        int n = 0;
        if (!have_cred)
            n += snprintf(msg + n, sizeof msg - (size_t)n,
                          "Authorization header requires 'Credential' parameter. ");
        if (!have_sig)
            n += snprintf(msg + n, sizeof msg - (size_t)n,
                          "Authorization header requires 'Signature' parameter. ");
        if (!have_sh)
            snprintf(msg + n, sizeof msg - (size_t)n,
                     "Authorization header requires 'SignedHeaders' parameter. ");
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, "%sAuthorization=%.200s", msg, value);
    }
    return sigv4_parse_credential_loose(cred, cred_len, out, e);
}

/* The faults sigv4_parse_authorization_loose noted: the algorithm, then the Credential's
 * parts (dynalite's index.js, DynamoDB's order). */
static int sigv4_shape_fault(const sigv4_auth *auth, err_t *e)
{
    if (auth->algorithm_bad)
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, SIGV4_TXT_ALGORITHM, auth->algorithm);
    if (auth->credential_bad)
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, SIGV4_TXT_CRED_PARTS, auth->credential);
    return 0;
}

int sigv4_parse_authorization(const char *value, sigv4_auth *out, err_t *e)
{
    int rc = sigv4_parse_authorization_loose(value, out, e);
    return rc ? rc : sigv4_shape_fault(out, e);
}

/* ---- canonical request ---------------------------------------------------------- */

static int sigv4_is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encodes (upper-case hex) all but unreserved characters (and '/' when keep_slash). */
static int sigv4_uri_encode(buf_t *out, const char *s, size_t n, int keep_slash)
{
    static const char up[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (sigv4_is_unreserved(c) || (keep_slash && c == '/')) {
            rc = buf_putc(out, c);
        } else {
            char enc[3] = {'%', up[c >> 4], up[c & 15]};
            rc = buf_append(out, enc, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether header name h is name[0..n) in any case (strcasecmp's rule: ASCII letters fold).
 * The first bytes are compared with bit 5 set first: equal for every pair strcasecmp calls
 * equal, so only the few names that could match reach strncasecmp. */
static inline bool sigv4_name_is(const char *h, const char *name, size_t n)
{
    return ((unsigned char)h[0] | 0x20) == ((unsigned char)name[0] | 0x20) &&
           strncasecmp(h, name, n) == 0 && h[n] == '\0';
}

const char *sigv4_header_get(const sigv4_request *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->n_headers; i++)
        if (sigv4_name_is(req->headers[i].name, name, n))
            return req->headers[i].value;
    return NULL;
}

/* Appends a header value trimmed, with runs of spaces collapsed to one. */
static int sigv4_puts(buf_t *out, const char *s)
{
    return buf_append(out, s, strlen(s));
}

/* The value with its ends trimmed and each run of spaces/tabs as one space: appended a run
 * of other bytes at a time. */
static int sigv4_put_trimmed(buf_t *out, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] != ' ' && v[j] != '\t')
            j++;
        int rc = buf_append(out, v + i, j - i);
        if (rc)
            return rc;
        if (j == n)
            break;
        if ((rc = buf_putc(out, ' ')))
            return rc;
        while (v[j] == ' ' || v[j] == '\t') /* n trims the end: a non-blank follows */
            j++;
        i = j;
    }
    return 0;
}

typedef struct sigv4_qp {
    char *k;
    size_t klen;
    char *v;
    size_t vlen;
} sigv4_qp;

static int sigv4_qp_cmp(const void *a, const void *b)
{
    const sigv4_qp *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->k, y->k, n);
    if (c || x->klen != y->klen)
        return c ? c : (x->klen < y->klen ? -1 : 1);
    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(x->v, y->v, n);
    if (c || x->vlen != y->vlen)
        return c ? c : (x->vlen < y->vlen ? -1 : 1);
    return 0;
}

static int sigv4_canonical_query(const sigv4_request *req, buf_t *out)
{
    if (req->n_params == 0)
        return 0;
    int rc = ERR_NOMEM;
    sigv4_qp *qp = calloc(req->n_params, sizeof *qp);
    buf_t tmp;
    buf_init(&tmp, SIGV4_CANON_MAX);
    if (!qp)
        goto done;
    size_t nq = 0; /* the parameters kept: all, or all but the X-Amz-Signature read (the
                    * first: sigv4_param_get's); a second one is signed like any other */
    bool skip = req->skip_signature_param;
    for (size_t i = 0; i < req->n_params; i++) {
        const char *k = req->params[i].name, *v = req->params[i].value ? req->params[i].value : "";
        if (skip && strcmp(k, "X-Amz-Signature") == 0) {
            skip = false;
            continue;
        }
        sigv4_qp *q = &qp[nq++];
        buf_reset(&tmp);
        if ((rc = sigv4_uri_encode(&tmp, k, strlen(k), 0)))
            goto done;
        q->klen = tmp.len;
        q->k = tmp.len ? strndup((const char *)tmp.data, tmp.len) : strdup("");
        buf_reset(&tmp);
        if ((rc = sigv4_uri_encode(&tmp, v, strlen(v), 0)))
            goto done;
        q->vlen = tmp.len;
        q->v = tmp.len ? strndup((const char *)tmp.data, tmp.len) : strdup("");
        rc = ERR_NOMEM;
        if (!q->k || !q->v)
            goto done;
    }
    qsort(qp, nq, sizeof *qp, sigv4_qp_cmp);
    for (size_t i = 0; i < nq; i++) {
        if ((i && (rc = buf_putc(out, '&'))) || (rc = buf_append(out, qp[i].k, qp[i].klen)) ||
            (rc = buf_putc(out, '=')) || (rc = buf_append(out, qp[i].v, qp[i].vlen)))
            goto done;
    }
    rc = 0;
done:
    if (qp)
        for (size_t i = 0; i < req->n_params; i++) {
            free(qp[i].k);
            free(qp[i].v);
        }
    free(qp);
    buf_fini(&tmp);
    return rc;
}

int sigv4_canonical_request(const sigv4_request *req, const char *signed_headers, buf_t *out,
                            err_t *e)
{
    int rc;
    buf_t once;
    buf_init(&once, SIGV4_CANON_MAX);
    /* method */
    if ((rc = buf_reserve(out, 512)) || (rc = sigv4_puts(out, req->method)) ||
        (rc = buf_putc(out, '\n')))
        goto nomem;
    /* URI: each segment URI-encoded twice (every service but S3); a path of unreserved
     * bytes and '/' only (DynamoDB's "/") is its own encoding, copied as it is. */
    {
        const char *path = req->path && req->path[0] ? req->path : "/";
        size_t plen = strlen(path), k = 0;
        while (k < plen && (path[k] == '/' || sigv4_is_unreserved((unsigned char)path[k])))
            k++;
        if (k == plen)
            rc = buf_append(out, path, plen);
        else if (!(rc = sigv4_uri_encode(&once, path, plen, 1)))
            rc = sigv4_uri_encode(out, (const char *)once.data, once.len, 1);
        if (rc || (rc = buf_putc(out, '\n')))
            goto nomem;
    }
    /* query */
    if ((rc = sigv4_canonical_query(req, out)) || (rc = buf_putc(out, '\n')))
        goto nomem;
    /* canonical headers, in the order of the SignedHeaders list */
    for (const char *p = signed_headers; *p;) {
        const char *q = strchr(p, ';');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char name[256];
        if (n == 0 || n >= sizeof name) {
            rc = err_set(e, ERR_INCOMPLETE_SIGNATURE, "Invalid SignedHeaders list '%.200s'.",
                         signed_headers);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)p[i]);
        name[n] = ':';
        if ((rc = buf_append(out, name, n + 1)))
            goto nomem;
        name[n] = '\0';
        int found = 0;
        for (size_t i = 0; i < req->n_headers; i++) {
            if (!sigv4_name_is(req->headers[i].name, name, n))
                continue;
            if ((found && (rc = buf_putc(out, ','))) ||
                (rc = sigv4_put_trimmed(out, req->headers[i].value)))
                goto nomem;
            found = 1;
        }
        if (!found) {
            rc = err_set(e, ERR_INCOMPLETE_SIGNATURE,
                         "Header '%s' is listed in SignedHeaders but missing from the request.",
                         name);
            goto done;
        }
        if ((rc = buf_putc(out, '\n')))
            goto nomem;
        p += n;
        if (*p == ';')
            p++;
    }
    if ((rc = buf_putc(out, '\n')))
        goto nomem;
    /* signed headers, lower-cased */
    {
        size_t n = strlen(signed_headers);
        if ((rc = buf_reserve(out, n)))
            goto nomem;
        for (size_t i = 0; i < n; i++)
            out->data[out->len + i] = (unsigned char)tolower((unsigned char)signed_headers[i]);
        out->len += n;
    }
    {
        /* The payload line: always the hash of the body.  A value the client put in
         * X-Amz-Content-Sha256 must match it; UNSIGNED-PAYLOAD is S3's and is not taken: a
         * signature over it covers no byte of the body, so a captured request could be sent
         * again with any other body (review11 Q1); it then fails as a signature mismatch. */
        char h[65];
        if (req->payload_line) { /* a presigned request's (sigv4_verify_query) */
            if ((rc = buf_putc(out, '\n')) || (rc = sigv4_puts(out, req->payload_line)))
                goto nomem;
            rc = 0;
            goto done;
        }
        sigv4_sha256_hex(req->body, req->body_len, h);
        const char *declared = sigv4_header_get(req, "X-Amz-Content-Sha256");
        if (declared && strcmp(declared, "UNSIGNED-PAYLOAD") != 0 && strcasecmp(declared, h) != 0) {
            rc = err_set(e, ERR_INVALID_SIGNATURE,
                         "The provided 'x-amz-content-sha256' header does not match what was "
                         "computed.");
            goto done;
        }
        if ((rc = buf_putc(out, '\n')) || (rc = sigv4_puts(out, h)))
            goto nomem;
    }
    rc = 0;
    goto done;
nomem:
    rc = err_set(e, ERR_NOMEM, "canonical request too large");
done:
    buf_fini(&once);
    return rc;
}

int sigv4_string_to_sign(const char *amz_date, const char *scope, const void *canonical,
                         size_t canonical_len, buf_t *out, err_t *e)
{
    char h[65];
    sigv4_sha256_hex(canonical, canonical_len, h);
    if (sigv4_puts(out, SIGV4_ALGORITHM "\n") || sigv4_puts(out, amz_date) ||
        buf_putc(out, '\n') || sigv4_puts(out, scope) || buf_putc(out, '\n') ||
        sigv4_puts(out, h))
        return err_set(e, ERR_NOMEM, "string to sign too large");
    return 0;
}

/* ---- verification --------------------------------------------------------------- */

#define SIGV4_TXT_MISMATCH                                                                         \
    "The request signature we calculated does not match the signature you provided. Check "        \
    "your AWS Secret Access Key and signing method. Consult the service documentation for "        \
    "details."
#define SIGV4_TXT_HOST_UNSIGNED "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."

/* Whether the SignedHeaders list (names separated by ';') names `name` (any case). */
static bool sigv4_list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

/* The checks and the signature both forms share, from the request's time on, in the order
 * dynalite's index.js records of DynamoDB: the time window, Host signed, the algorithm and the
 * Credential's parts (the header form's: sigv4_shape_fault), the scope's parts
 * (sigv4_check_scope), the key id, then the signature over the canonical request.  expires < 0: the header form's window, 15 minutes either way;
 * otherwise a presigned request's X-Amz-Expires seconds after t (and 15 minutes ahead).
 * payload2: a second payload line to try when the first gives another signature (NULL:
 * none). */
static int sigv4_verify_signed(const sigv4_request *req, const sigv4_creds *creds, long long now,
                               const sigv4_auth *auth, const char *amz_date, long long t,
                               long long expires, const char *payload2, err_t *e)
{
    int rc;
    buf_t canon, sts;
    buf_init(&canon, SIGV4_CANON_MAX);
    buf_init(&sts, SIGV4_CANON_MAX);
    const char *secret = NULL;
    long long window = expires < 0 ? SIGV4_MAX_SKEW_SECONDS : expires;
    if (t < now - window) {
        char lim[17], nw[17];
        sigv4_format_amz_date(now - window, lim);
        sigv4_format_amz_date(now, nw);
        /* AWS words the window in minutes when it is whole ones ("15 min."), else seconds */
        rc = window % 60 == 0
                 ? err_set(e, ERR_INVALID_SIGNATURE,
                           "Signature expired: %s is now earlier than %s (%s - %lld min.)",
                           amz_date, lim, nw, window / 60)
                 : err_set(e, ERR_INVALID_SIGNATURE,
                           "Signature expired: %s is now earlier than %s (%s - %lld sec.)",
                           amz_date, lim, nw, window);
        goto done;
    }
    if (t > now + SIGV4_MAX_SKEW_SECONDS) {
        char lim[17], nw[17];
        sigv4_format_amz_date(now + SIGV4_MAX_SKEW_SECONDS, lim);
        sigv4_format_amz_date(now, nw);
        rc = err_set(e, ERR_INVALID_SIGNATURE,
                     "Signature not yet current: %s is still later than %s (%s + 15 min.)",
                     amz_date, lim, nw);
        goto done;
    }
    if (!sigv4_list_has(auth->signed_headers, "host")) { /* AWS's rule: Host is signed */
        rc = err_set(e, ERR_INVALID_SIGNATURE, SIGV4_TXT_HOST_UNSIGNED);
        goto done;
    }
    /* then the algorithm and the Credential's parts, the scope's parts, the key id
     * (dynalite's index.js, DynamoDB's order: a key id it does not know with a date out of
     * the window is the expired signature, not UnrecognizedClientException) */
    if ((rc = sigv4_shape_fault(auth, e)) || (rc = sigv4_check_scope(auth, amz_date, e)))
        goto done;
    secret = auth->key_too_long ? NULL : sigv4_creds_secret(creds, auth->access_key);
    if (!secret) {
        rc = err_set(e, ERR_UNRECOGNIZED_CLIENT,
                     "The security token included in the request is invalid.");
        goto done;
    }
    char scope[8 + 2 * SIGV4_SCOPE_PART_MAX + 32]; /* date/region/service/aws4_request */
    {
        size_t rl = strlen(auth->region), sl = strlen(auth->service), o = 0;
        memcpy(scope, auth->date, 8);
        scope[8] = '/';
        o = 9;
        memcpy(scope + o, auth->region, rl);
        o += rl;
        scope[o++] = '/';
        memcpy(scope + o, auth->service, sl);
        o += sl;
        memcpy(scope + o, "/aws4_request", sizeof "/aws4_request");
    }
    unsigned char key[32];
    sigv4_signing_key_cached(secret, auth->date, auth->region, auth->service, key);
    sigv4_request r2 = *req;
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            if (!payload2)
                break;
            r2.payload_line = payload2;
            buf_reset(&canon);
            buf_reset(&sts);
        }
        char sig[65];
        if ((rc = sigv4_canonical_request(&r2, auth->signed_headers, &canon, e)) ||
            (rc = sigv4_string_to_sign(amz_date, scope, canon.data, canon.len, &sts, e))) {
            explicit_bzero(key, sizeof key);
            goto done;
        }
        sigv4_signature(key, sts.data, sts.len, sig);
        if (sigv4_ssl_ready() && auth->signature_len == 64 &&
            sigv4_same(sig, auth->signature, 64)) {
            explicit_bzero(key, sizeof key);
            rc = 0;
            goto done;
        }
    }
    explicit_bzero(key, sizeof key);
    rc = err_set(e, ERR_INVALID_SIGNATURE, SIGV4_TXT_MISMATCH);
done:
    buf_fini(&sts);
    buf_fini(&canon);
    return rc;
}

/* The value of query parameter `name` (the first; "" for one without a value), or NULL. */
static const char *sigv4_param_get(const sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value ? req->params[i].value : "";
    return NULL;
}

/* A presigned request (X-Amz-Algorithm in the query, no Authorization header): AWS's
 * query-string signing ("Authenticating Requests: Using Query Parameters"; botocore's
 * SigV4QueryAuth).  The parameters' presence is sigv4_check_query's (the caller's, before):
 * one missing here is the missing token.  The canonical request takes every query parameter
 * but X-Amz-Signature and, as its payload line, X-Amz-Content-Sha256's value when the request
 * has that header (UNSIGNED-PAYLOAD or the body's hash), else UNSIGNED-PAYLOAD, else the
 * body's hash (what botocore's and the JS SDK's presigners sign for services other than S3).
 * Inferred (no DynamoDB capture): the texts for another algorithm and for X-Amz-Expires not a
 * number or over a week (S3's), and the expired one (the header form's sentence with the
 * X-Amz-Expires window). */
static int sigv4_verify_query(const sigv4_request *req, const sigv4_creds *creds, long long now,
                              sigv4_auth *out_auth, err_t *e)
{
    sigv4_auth auth;
    memset(&auth, 0, sizeof auth);
    const char *alg = sigv4_param_get(req, "X-Amz-Algorithm"),
               *cred = sigv4_param_get(req, "X-Amz-Credential"),
               *date = sigv4_param_get(req, "X-Amz-Date"),
               *sh = sigv4_param_get(req, "X-Amz-SignedHeaders"),
               *sig = sigv4_param_get(req, "X-Amz-Signature"),
               *exp = sigv4_param_get(req, "X-Amz-Expires");
    if (!alg || !cred || !date || !sh || !sig)
        return err_set(e, ERR_MISSING_AUTH_TOKEN, "Request is missing Authentication Token");
    if (strcmp(alg, SIGV4_ALGORITHM) != 0)
        return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                       "X-Amz-Algorithm only supports \"" SIGV4_ALGORITHM "\"");
    int rc = sigv4_parse_credential(cred, strlen(cred), &auth, e);
    if (rc)
        return rc;
    if (sigv4_copy(auth.signed_headers, sizeof auth.signed_headers, sh, strlen(sh)))
        return err_set(e, ERR_INCOMPLETE_SIGNATURE, "SignedHeaders is too long.");
    auth.signature_len = strlen(sig); /* another length than 64 fails to match */
    for (size_t i = 0; i < auth.signature_len && i < 64; i++)
        auth.signature[i] = (char)tolower((unsigned char)sig[i]);
    long long t = sigv4_parse_amz_date(date);
    if (t < 0)
        return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                       "Date must be in ISO-8601 'basic format'. Got '%.64s'. See "
                       "http://en.wikipedia.org/wiki/ISO_8601",
                       date);
    long long expires = -1; /* none: the header form's 15 minutes */
    if (exp) {
        char *end;
        errno = 0;
        long long v = *exp >= '0' && *exp <= '9' ? strtoll(exp, &end, 10) : -1;
        if (v < 0 || *end || errno)
            return err_set(e, ERR_INCOMPLETE_SIGNATURE, "X-Amz-Expires should be a number");
        if (v > 604800)
            return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                           "X-Amz-Expires must be less than a week (in seconds); that is, the "
                           "given X-Amz-Expires must be less than 604800 seconds");
        expires = v;
    }
    char h[65];
    sigv4_request r = *req;
    r.skip_signature_param = true;
    const char *declared = sigv4_header_get(req, "X-Amz-Content-Sha256"), *second = NULL;
    if (declared) {
        sigv4_sha256_hex(req->body, req->body_len, h);
        if (strcmp(declared, "UNSIGNED-PAYLOAD") != 0 && strcasecmp(declared, h) != 0)
            return err_set(e, ERR_INVALID_SIGNATURE,
                           "The provided 'x-amz-content-sha256' header does not match what was "
                           "computed.");
        r.payload_line = declared;
    } else {
        r.payload_line = "UNSIGNED-PAYLOAD";
        sigv4_sha256_hex(req->body, req->body_len, h);
        second = h;
    }
    char amz_date[17];
    memcpy(amz_date, date, 17); /* 16 bytes and the NUL: sigv4_parse_amz_date checked */
    if ((rc = sigv4_verify_signed(&r, creds, now, &auth, amz_date, t, expires, second, e)))
        return rc;
    if (out_auth)
        *out_auth = auth;
    return 0;
}

int sigv4_verify(const sigv4_request *req, const sigv4_creds *creds, long long now,
                 sigv4_auth *out_auth, err_t *e)
{
    int rc;
    sigv4_auth auth;
    const char *hdr = sigv4_header_get(req, "Authorization");
    if ((!hdr || !*hdr) && sigv4_param_get(req, "X-Amz-Algorithm"))
        return sigv4_verify_query(req, creds, now, out_auth, e);
    if (!hdr || !*hdr)
        return err_set(e, ERR_MISSING_AUTH_TOKEN, "Request is missing Authentication Token");
    /* the header's parts first, the date's presence named with them (dynalite's
     * connection tests, recorded against AWS: "AWS4-" alone) */
    if ((rc = sigv4_check_parts(hdr,
                                sigv4_header_get(req, "X-Amz-Date") ||
                                    sigv4_header_get(req, "Date"),
                                e)) ||
        (rc = sigv4_parse_authorization_loose(hdr, &auth, e)))
        return rc;
    /* request time: X-Amz-Date, else Date */
    char amz_date[17];
    long long t;
    const char *xd = sigv4_header_get(req, "X-Amz-Date");
    if (xd) {
        t = sigv4_parse_amz_date(xd);
        if (t < 0)
            return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                           "Date must be in ISO-8601 'basic format'. Got '%.64s'. See "
                           "http://en.wikipedia.org/wiki/ISO_8601",
                           xd);
        memcpy(amz_date, xd, 17); /* 16 bytes and the NUL: sigv4_parse_amz_date checked */
    } else {
        const char *d = sigv4_header_get(req, "Date");
        t = d ? httpdate_parse(d, strlen(d), true) : -1; /* IMF-fixdate */
        if (t < 0)
            return err_set(e, ERR_INCOMPLETE_SIGNATURE,
                           "Authorization header requires existence of either a 'X-Amz-Date' or "
                           "a 'Date' header. Authorization=%.200s",
                           hdr);
        sigv4_format_amz_date(t, amz_date);
    }
    if ((rc = sigv4_verify_signed(req, creds, now, &auth, amz_date, t, -1, NULL, e)))
        return rc;
    if (out_auth)
        *out_auth = auth;
    return 0;
}
