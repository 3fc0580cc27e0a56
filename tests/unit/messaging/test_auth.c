/*
 * test_auth — JWT verification: HS256 good / expired / not yet valid / forged / tampered /
 * alg none / wrong claim; RS256 with a key generated here by OpenSSL; algorithm confusion
 * (HS256 signed with the RSA public key); the secret file (created 0600, stable, env and
 * file precedence); tokens a hostile client signs correctly around what libjwt reads
 * (a "crit" header, claims that are not JSON).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "messaging/auth.h"
#include "messaging/messaging_int.h"

static const unsigned char SECRET[] = "test-secret-0123456789";
static char *priv_pem, *pub_pem;

static char *bio_text(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = malloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = 0;
    return s;
}

static int setup(void **state)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    if (!k)
        return -1;
    BIO *b1 = BIO_new(BIO_s_mem()), *b2 = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b1, k, NULL, NULL, 0, NULL, NULL);
    PEM_write_bio_PUBKEY(b2, k);
    priv_pem = bio_text(b1);
    pub_pem = bio_text(b2);
    BIO_free(b1);
    BIO_free(b2);
    EVP_PKEY_free(k);
    return 0;
}

static int teardown(void **state)
{
    free(priv_pem);
    free(pub_pem);
    return 0;
}

/* A token signed by libjwt with the given alg/key and claims (JSON object text). */
static char *mint(jwt_alg_t alg, const void *key, size_t key_len, const char *claims)
{
    jwt_t *j;
    assert_int_equal(jwt_new(&j), 0);
    assert_int_equal(jwt_add_grants_json(j, claims), 0);
    assert_int_equal(jwt_set_alg(j, alg, key, (int)key_len), 0);
    char *t = jwt_encode_str(j);
    assert_non_null(t);
    jwt_free(j);
    return t;
}

static char *b64(const char *s)
{
    return msgi_b64url_encode((const unsigned char *)s, strlen(s));
}

static msg_config cfg_hs(void)
{
    msg_config c;
    msg_config_default(&c);
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    return c;
}

static void expect_deny(const msg_config *c, const char *tok, const char *why)
{
    char who[128];
    err_t e = {0};
    int rc = msg_jwt_verify(c, tok, (long long)time(NULL), who, sizeof who, &e);
    if (rc == 0)
        fail_msg("token accepted (want: %s)", why);
    assert_int_equal(rc, ERR_ACCESS_DENIED);
    if (!strstr(e.msg, why))
        fail_msg("want reason '%s', got '%s'", why, e.msg);
    assert_int_equal(msg_err_of(&e), MSG_E_UNAUTHORIZED);
}

static void expect_ok(const msg_config *c, const char *tok, const char *want)
{
    char who[128];
    err_t e = {0};
    if (msg_jwt_verify(c, tok, (long long)time(NULL), who, sizeof who, &e))
        fail_msg("refused: %s", e.msg);
    assert_string_equal(who, want);
}

static void test_hs256(void **state)
{
    msg_config c = cfg_hs();
    long long now = time(NULL);
    char claims[256];
    snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"exp\":%lld}", now + 60);
    char *good = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_ok(&c, good, "u-1");

    /* minted by our own minter */
    char *mine = NULL;
    err_t e = {0};
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", "u-2", 3600, &mine, &e),
                     0);
    expect_ok(&c, mine, "u-2");
    free(mine);

    snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"exp\":%lld}", now - 5);
    char *expired = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_deny(&c, expired, "expired");

    snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"nbf\":%lld,\"exp\":%lld}", now + 600,
             now + 900);
    char *early = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_deny(&c, early, "not yet valid");

    snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"exp\":\"tomorrow\"}");
    char *badexp = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_deny(&c, badexp, "bad exp");

    char *forged = mint(JWT_ALG_HS256, "other-secret", 12, "{\"sub\":\"u-1\"}");
    expect_deny(&c, forged, "bad signature");

    /* payload swapped under a valid signature */
    char *tampered = strdup(good);
    char *d1 = strchr(tampered, '.'), *d2 = strchr(d1 + 1, '.');
    char *evil = b64("{\"sub\":\"admin\"}");
    char buf[2048];
    snprintf(buf, sizeof buf, "%.*s.%s%s", (int)(d1 - tampered), tampered, evil, d2);
    expect_deny(&c, buf, "bad signature");

    /* alg none, with and without a signature part */
    char *h = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}"), *p = b64("{\"sub\":\"u-1\"}");
    snprintf(buf, sizeof buf, "%s.%s.", h, p);
    expect_deny(&c, buf, "algorithm");
    snprintf(buf, sizeof buf, "%s.%s.%s", h, p, strrchr(good, '.') + 1);
    expect_deny(&c, buf, "algorithm");
    char *hn = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    snprintf(buf, sizeof buf, "%s.%s.", hn, p);
    expect_deny(&c, buf, "unsigned");

    expect_deny(&c, "", "missing");
    expect_deny(&c, "abc", "malformed");
    expect_deny(&c, "a.b.c.d", "malformed");

    /* no user claim; a configured claim */
    snprintf(claims, sizeof claims, "{\"name\":\"x\",\"exp\":%lld}", now + 60);
    char *nosub = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_deny(&c, nosub, "names no user");
    c.jwt_claim = "username";
    snprintf(claims, sizeof claims, "{\"sub\":\"s\",\"username\":\"alice\",\"exp\":%lld}",
             now + 60);
    char *uname = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_ok(&c, uname, "alice");

    /* no secret configured: HS256 refused */
    msg_config none;
    msg_config_default(&none);
    expect_deny(&none, good, "algorithm");

    free(good);
    free(expired);
    free(early);
    free(badexp);
    free(forged);
    free(tampered);
    free(evil);
    free(h);
    free(p);
    free(hn);
    free(nosub);
    free(uname);
}

static void test_rs256(void **state)
{
    msg_config c;
    msg_config_default(&c);
    c.jwt_public_key_pem = pub_pem;
    long long now = time(NULL);
    char claims[256];
    snprintf(claims, sizeof claims, "{\"sub\":\"rs-user\",\"exp\":%lld}", now + 60);
    char *good = mint(JWT_ALG_RS256, priv_pem, strlen(priv_pem), claims);
    expect_ok(&c, good, "rs-user");
    snprintf(claims, sizeof claims, "{\"sub\":\"rs-user\",\"exp\":%lld}", now - 1);
    char *expired = mint(JWT_ALG_RS256, priv_pem, strlen(priv_pem), claims);
    expect_deny(&c, expired, "expired");
    /* signed by another key */
    EVP_PKEY *k2 = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k2, NULL, NULL, 0, NULL, NULL);
    char *other = bio_text(b);
    BIO_free(b);
    EVP_PKEY_free(k2);
    char *forged = mint(JWT_ALG_RS256, other, strlen(other), "{\"sub\":\"rs-user\"}");
    expect_deny(&c, forged, "bad signature");
    /* algorithm confusion: HS256 with the public key PEM as the HMAC secret */
    char *confused = mint(JWT_ALG_HS256, pub_pem, strlen(pub_pem), "{\"sub\":\"rs-user\"}");
    expect_deny(&c, confused, "algorithm");
    /* both configured: each accepted with its own alg */
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    expect_ok(&c, good, "rs-user");
    expect_deny(&c, confused, "bad signature");
    free(good);
    free(expired);
    free(other);
    free(forged);
    free(confused);
}

/* Issuer and audience (auth.h MSG_JWT_ISSUER_DEFAULT): HS256 tokens (our secret) are held to
 * "ddbchat" when they carry iss/aud; RS256 tokens (another issuer, Cognito) only to a
 * configured issuer/audience, which then is required (aud, or an access token's client_id). */
static void test_issuer_audience(void **state)
{
    (void)state;
    long long now = time(NULL);
    const struct {
        bool rs, configured;
        const char *extra, *deny; /* deny NULL: accepted */
    } cases[] = {
        {false, false, "", NULL},
        {false, false, ",\"iss\":\"ddbchat\",\"aud\":\"ddbchat\"", NULL},
        {false, false, ",\"aud\":[\"x\",\"ddbchat\"]", NULL},
        {false, false, ",\"iss\":\"other\"", "(iss)"},
        {false, false, ",\"aud\":\"other\"", "(aud)"},
        {false, false, ",\"aud\":[]", "(aud)"},
        {false, false, ",\"client_id\":\"other\"", "client_id"},
        {true, false, ",\"iss\":\"https://pool\",\"aud\":\"app\"", NULL},
        {true, false, ",\"iss\":\"https://pool\",\"client_id\":\"app\"", NULL},
        {true, true, ",\"iss\":\"https://pool\",\"aud\":\"app\"", NULL},
        {true, true, ",\"iss\":\"https://pool\",\"client_id\":\"app\"", NULL},
        {true, true, ",\"aud\":\"app\"", "no issuer"},
        {true, true, ",\"iss\":\"https://pool\"", "no audience"},
        {true, true, ",\"iss\":\"https://other\",\"aud\":\"app\"", "(iss)"},
        {true, true, ",\"iss\":\"https://pool\",\"aud\":\"ddbchat\"", "(aud)"},
        {false, true, ",\"iss\":\"ddbchat\",\"aud\":\"ddbchat\"", "(iss)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msg_config c = cfg_hs();
        c.jwt_public_key_pem = pub_pem;
        if (cases[i].configured) {
            c.jwt_issuer = "https://pool";
            c.jwt_audience = "app";
        }
        char claims[512];
        snprintf(claims, sizeof claims, "{\"sub\":\"ia-user\",\"exp\":%lld%s}", now + 60,
                 cases[i].extra);
        char *t = cases[i].rs ? mint(JWT_ALG_RS256, priv_pem, strlen(priv_pem), claims)
                              : mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
        if (cases[i].deny)
            expect_deny(&c, t, cases[i].deny);
        else
            expect_ok(&c, t, "ia-user");
        free(t);
    }
    /* what msg_jwt_mint_hs256(_for) makes passes the same config's check */
    msg_config c = cfg_hs();
    char *mine = NULL;
    err_t e = {0};
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", "ia-user", 60, &mine, &e),
                     0);
    expect_ok(&c, mine, "ia-user");
    free(mine);
    c.jwt_issuer = "https://pool";
    c.jwt_audience = "app";
    assert_int_equal(msg_jwt_mint_hs256_for(&c, SECRET, sizeof SECRET - 1, "sub", "ia-user", 60,
                                            &mine, &e),
                     0);
    expect_ok(&c, mine, "ia-user");
    free(mine);
}

/* Issue 9.3: exp is required and a token's lifetime is capped (exp - now, exp - iat). */
static void test_time_claims(void **state)
{
    msg_config c = cfg_hs();
    long long now = time(NULL);
    char claims[256];
    struct {
        const char *fmt; /* one %lld: now */
        long long add;
        const char *deny; /* NULL = accepted */
    } cases[] = {
        {"{\"sub\":\"u\"}", 0, "no exp"},
        {"{\"sub\":\"u\",\"iat\":%lld}", 0, "no exp"},
        {"{\"sub\":\"u\",\"exp\":1e300}", 0, "lifetime exceeds"},
        {"{\"sub\":\"u\",\"exp\":9223372036854775807}", 0, "lifetime exceeds"},
        {"{\"sub\":\"u\",\"exp\":null}", 0, "bad exp"},
        {"{\"sub\":\"u\",\"exp\":%lld}", 86400 + 120, "lifetime exceeds"},
        {"{\"sub\":\"u\",\"exp\":%lld}", 86400 - 60, NULL},
        {"{\"sub\":\"u\",\"exp\":%lld.5}", 30, NULL},
        {"{\"sub\":\"u\",\"exp\":%lld,\"iat\":\"now\"}", 60, "bad iat"},
        {"{\"sub\":\"u\",\"exp\":%lld,\"iat\":1}", 60, "lifetime exceeds"},
        {"{\"sub\":\"u\",\"exp\":%lld,\"iat\":4102444800}", 60, "issued in the future"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(claims, sizeof claims, cases[i].fmt, now + cases[i].add);
#pragma GCC diagnostic pop
        char *t = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
        if (cases[i].deny)
            expect_deny(&c, t, cases[i].deny);
        else
            expect_ok(&c, t, "u");
        free(t);
    }
    /* a configured cap: 10 minutes */
    c.jwt_max_lifetime = 600;
    snprintf(claims, sizeof claims, "{\"sub\":\"u\",\"exp\":%lld}", now + 900);
    char *t = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_deny(&c, t, "lifetime exceeds");
    free(t);
    snprintf(claims, sizeof claims, "{\"sub\":\"u\",\"exp\":%lld}", now + 500);
    t = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    expect_ok(&c, t, "u");
    free(t);
    /* our minter refuses to make a token without exp, and its tokens carry iat and exp */
    char *mine = NULL;
    err_t e = {0};
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", "u", 0, &mine, &e),
                     ERR_VALIDATION);
    assert_null(mine);
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", "u", 601, &mine, &e),
                     0);
    expect_deny(&c, mine, "lifetime exceeds");
    free(mine);
}

static void test_secret_file(void **state)
{
    char dir[] = "/tmp/msgauth-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsetenv(MSG_JWT_SECRET_ENV);
    unsigned char *s1 = NULL, *s2 = NULL;
    size_t n1, n2;
    err_t e = {0};
    assert_int_equal(msg_jwt_secret_load(dir, NULL, &s1, &n1, &e), 0);
    assert_int_equal(n1, 64);
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, MSG_JWT_SECRET_FILE);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(msg_jwt_secret_load(dir, NULL, &s2, &n2, &e), 0);
    assert_int_equal(n2, n1);
    assert_memory_equal(s1, s2, n1); /* stable: token and serve agree */
    free(s2);
    /* the environment wins over the data dir */
    setenv(MSG_JWT_SECRET_ENV, "from-env", 1);
    assert_int_equal(msg_jwt_secret_load(dir, NULL, &s2, &n2, &e), 0);
    assert_string_equal((char *)s2, "from-env");
    free(s2);
    /* an explicit file wins over both; its trailing newline is not part of the secret */
    char f[300];
    snprintf(f, sizeof f, "%s/mysecret", dir);
    FILE *fp = fopen(f, "w");
    fputs("file-secret\n", fp);
    fclose(fp);
    assert_int_equal(msg_jwt_secret_load(dir, f, &s2, &n2, &e), 0);
    assert_string_equal((char *)s2, "file-secret");
    free(s2);
    unsetenv(MSG_JWT_SECRET_ENV);
    snprintf(f, sizeof f, "%s/missing", dir);
    assert_int_equal(msg_jwt_secret_load(dir, f, &s2, &n2, &e), ERR_IO);
    free(s1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The verified-token cache (issue 13): a repeated token is answered from it, with the same
 * user; its time claims are checked again at every use (a cached token expires, an nbf that
 * had not passed is not cached); other bytes are never a hit. */
static void test_cache(void **state)
{
    (void)state;
    msg_config c = cfg_hs();
    msg_jwt_cache *jc = NULL;
    assert_int_equal(msg_jwt_cache_new(&jc), 0);
    long long now = time(NULL);
    char claims[256], who[128];
    err_t e = {0};
    snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"iat\":%lld,\"exp\":%lld}", now,
             now + 60);
    char *tok = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, tok, now, who, sizeof who, NULL, &e), 0);
    assert_string_equal(who, "u-1");
    assert_int_equal(msg_jwt_cache_hits(jc), 0);
    memset(who, 0, sizeof who);
    long long exp = 0;
    assert_int_equal(msg_jwt_verify_cached(jc, &c, tok, now + 1, who, sizeof who, &exp, &e), 0);
    assert_string_equal(who, "u-1");
    assert_int_equal(exp, now + 60); /* the expiry, from the cache too */
    assert_int_equal(msg_jwt_cache_hits(jc), 1);

    /* expiry honoured: at exp the cached token is refused like msg_jwt_verify refuses it */
    err_clear(&e);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, tok, now + 60, who, sizeof who, NULL, &e),
                     ERR_ACCESS_DENIED);
    assert_non_null(strstr(e.msg, "token expired"));
    assert_int_equal(msg_jwt_cache_hits(jc), 1);
    /* a clock set back before iat - leeway: "issued in the future", as without the cache */
    err_clear(&e);
    assert_int_equal(
        msg_jwt_verify_cached(jc, &c, tok, now - MSG_JWT_LEEWAY - 1, who, sizeof who, NULL, &e),
        ERR_ACCESS_DENIED);
    assert_non_null(strstr(e.msg, "issued in the future"));

    /* the same token with its signature changed: never a hit */
    char *bad = strdup(tok);
    size_t n = strlen(bad);
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
    err_clear(&e);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, bad, now + 1, who, sizeof who, NULL, &e),
                     ERR_ACCESS_DENIED);
    assert_non_null(strstr(e.msg, "bad signature"));
    assert_int_equal(msg_jwt_cache_hits(jc), 1);

    /* nbf in the future: refused, not cached; accepted once it has passed */
    snprintf(claims, sizeof claims, "{\"sub\":\"u-2\",\"nbf\":%lld,\"exp\":%lld}",
             now + 10, now + 60);
    char *early = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
    err_clear(&e);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, early, now, who, sizeof who, NULL, &e),
                     ERR_ACCESS_DENIED);
    assert_non_null(strstr(e.msg, "not yet valid"));
    assert_int_equal(msg_jwt_verify_cached(jc, &c, early, now + 10, who, sizeof who, NULL, &e), 0);
    assert_string_equal(who, "u-2");
    assert_int_equal(msg_jwt_cache_hits(jc), 1);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, early, now + 11, who, sizeof who, NULL, &e), 0);
    assert_int_equal(msg_jwt_cache_hits(jc), 2);

    /* a claim longer than the caller's buffer: the same refusal as without the cache */
    char small[3];
    err_clear(&e);
    assert_int_equal(msg_jwt_verify_cached(jc, &c, tok, now + 2, small, sizeof small, NULL, &e),
                     ERR_ACCESS_DENIED);
    assert_non_null(strstr(e.msg, "user claim too long"));

    /* many tokens: bounded slots, every answer still right */
    for (int i = 0; i < 3 * MSG_JWT_CACHE_SLOTS; i++) {
        snprintf(claims, sizeof claims, "{\"sub\":\"v-%d\",\"exp\":%lld}", i, now + 60);
        char *t = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
        char want[32];
        snprintf(want, sizeof want, "v-%d", i);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(msg_jwt_verify_cached(jc, &c, t, now, who, sizeof who, NULL, &e), 0);
            assert_string_equal(who, want);
        }
        free(t);
    }
    free(early);
    free(bad);
    free(tok);
    msg_jwt_cache_free(jc);
}

/* A quarter of the cache's entries in distinct tokens (a server's active users) all stay:
 * the second round is all hits.  With one entry per slot (the hash picking the slot), 64
 * tokens in 256 slots collided in all but ~0.04 % of random keys, and each colliding pair
 * evicted the other on every use (issue 13: a third of the REST listing's requests verified
 * their token's signature again in the benchmark's 100 users). */
static void test_cache_many_users(void **state)
{
    (void)state;
    msg_config c = cfg_hs();
    msg_jwt_cache *jc = NULL;
    assert_int_equal(msg_jwt_cache_new(&jc), 0);
    long long now = time(NULL);
    enum { N = MSG_JWT_CACHE_SLOTS / 4 };
    char *toks[N];
    char claims[128], who[64], want[32];
    err_t e = {0};
    for (int i = 0; i < N; i++) {
        snprintf(claims, sizeof claims, "{\"sub\":\"w-%d\",\"exp\":%lld}", i, now + 60);
        toks[i] = mint(JWT_ALG_HS256, SECRET, sizeof SECRET - 1, claims);
        assert_int_equal(msg_jwt_verify_cached(jc, &c, toks[i], now, who, sizeof who, NULL, &e),
                         0);
    }
    assert_int_equal(msg_jwt_cache_hits(jc), 0);
    for (int round = 1; round <= 2; round++)
        for (int i = 0; i < N; i++) {
            assert_int_equal(
                msg_jwt_verify_cached(jc, &c, toks[i], now, who, sizeof who, NULL, &e), 0);
            snprintf(want, sizeof want, "w-%d", i);
            assert_string_equal(who, want);
        }
    assert_int_equal(msg_jwt_cache_hits(jc), 2 * N);
    for (int i = 0; i < N; i++)
        free(toks[i]);
    msg_jwt_cache_free(jc);
}

/* A token with exactly this header and payload text, HS256-signed with SECRET (libjwt
 * would rewrite both): what a client holding the key can send. */
static char *sign_raw(const char *header, const char *payload, size_t payload_len)
{
    char *h = b64(header);
    char *p = msgi_b64url_encode((const unsigned char *)payload, payload_len);
    size_t n = strlen(h) + 1 + strlen(p);
    char *input = malloc(n + 1);
    snprintf(input, n + 1, "%s.%s", h, p);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    assert_non_null(HMAC(EVP_sha256(), SECRET, (int)(sizeof SECRET - 1),
                         (const unsigned char *)input, n, mac, &mac_len));
    char *sig = msgi_b64url_encode(mac, mac_len);
    size_t tn = n + 1 + strlen(sig) + 1;
    char *t = malloc(tn);
    snprintf(t, tn, "%s.%s", input, sig);
    free(h);
    free(p);
    free(input);
    free(sig);
    return t;
}

/* RFC 7515 4.1.11: "crit" names extensions the recipient must understand, or refuse the
 * token; libjwt 1.10 ignores it, and we implement none.  And a correctly signed token whose
 * payload cannot be read says so: libjwt's one failure used to read "bad signature". */
static void test_hostile_signed(void **state)
{
    (void)state;
    msg_config c = cfg_hs();
    long long now = time(NULL);
    char claims[256];
    int n = snprintf(claims, sizeof claims, "{\"sub\":\"u-1\",\"exp\":%lld}", now + 60);
    const char *hs = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    char *plain = sign_raw(hs, claims, (size_t)n); /* the helper's own token is good */
    expect_ok(&c, plain, "u-1");

    char *crit = sign_raw("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", claims, (size_t)n);
    expect_deny(&c, crit, "critical extensions (crit)");
    char *crit_empty = sign_raw("{\"alg\":\"HS256\",\"crit\":[]}", claims, (size_t)n);
    expect_deny(&c, crit_empty, "critical extensions (crit)");

    char *notjson = sign_raw(hs, "not json", 8);
    expect_deny(&c, notjson, "malformed token payload");
    char *array = sign_raw(hs, "[1]", 3);
    expect_deny(&c, array, "malformed token payload");
    char nul[128];
    int nn = snprintf(nul, sizeof nul, "{\"sub\":\"u-1\\u0000x\",\"exp\":%lld}", now + 60);
    char *with_nul = sign_raw(hs, nul, (size_t)nn);
    expect_deny(&c, with_nul, "malformed token payload");
    const char *big = "{\"sub\":\"u-1\",\"exp\":92233720368547758070}";
    char *bigint = sign_raw(hs, big, strlen(big));
    expect_deny(&c, bigint, "malformed token payload");

    expect_deny(&c, "!!!.@@@.###", "malformed token header");

    /* a type other than JWT (RFC 9068's at+jwt) is refused as such, not as "bad signature"
     * (libjwt's one failure); "jwt" in any case, or a typ that is no string, is a JWT */
    char *at = sign_raw("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", claims, (size_t)n);
    expect_deny(&c, at, "type (typ) at+jwt is not accepted");
    char *lower = sign_raw("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", claims, (size_t)n);
    expect_ok(&c, lower, "u-1");
    char *typ_num = sign_raw("{\"alg\":\"HS256\",\"typ\":7}", claims, (size_t)n);
    expect_ok(&c, typ_num, "u-1");

    free(at);
    free(lower);
    free(typ_num);
    free(plain);
    free(crit);
    free(crit_empty);
    free(notjson);
    free(array);
    free(with_nul);
    free(bigint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs256),
        cmocka_unit_test(test_rs256),
        cmocka_unit_test(test_issuer_audience),
        cmocka_unit_test(test_time_claims),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_many_users),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_hostile_signed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
