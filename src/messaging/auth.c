/*
 * auth — JWT verification and minting for the REST API over libjwt 1.10.  Layer: messaging.
 * See auth.h.  RFC 7519 (JWT), RFC 7515 (JWS).
 *
 * libjwt 1.10 neither checks "exp"/"nbf" nor pins the algorithm, so both happen here: the
 * header's alg is read and checked against the configured keys BEFORE libjwt verifies
 * (refuses "none" and the HS256-with-the-RSA-public-key confusion), libjwt's idea of the alg
 * is checked again after, and the time claims are checked on the verified payload: "exp" is
 * required and may lie at most the configured lifetime ahead (so may exp - iat), since a token
 * without an expiry, or with exp 1e300, would be a password that never changes.
 * tests/unit/messaging/test_auth.c pins each case.
 *
 * libjwt (and with it OpenSSL's libcrypto) is opened by the first token verified or minted
 * (base/dynlib.h), not at start-up: loading both cost every start of the server ~2 ms (issue
 * 13.4).  If it cannot be loaded every token is refused and minting fails, with the reason.
 */
#include "messaging/auth.h"
#include "base/mem.h"
#include "messaging/messaging_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/dynlib.h"
#include "base/siphash.h"

static struct {
    int (*decode)(jwt_t **jwt, const char *token, const unsigned char *key, int key_len);
    jwt_alg_t (*get_alg)(jwt_t *jwt);
    void (*free_)(jwt_t *jwt);
    int (*new_)(jwt_t **jwt);
    int (*add_grant)(jwt_t *jwt, const char *grant, const char *val);
    int (*add_grant_int)(jwt_t *jwt, const char *grant, long val);
    int (*set_alg)(jwt_t *jwt, jwt_alg_t alg, const unsigned char *key, int len);
    char *(*encode_str)(jwt_t *jwt);
} lj;
static pthread_once_t lj_once = PTHREAD_ONCE_INIT;
static char lj_error[256] = "libjwt not loaded"; /* "" once usable */

static void lj_load(void)
{
    const dynlib_sym syms[] = {
        {"jwt_decode", &lj.decode},       {"jwt_get_alg", &lj.get_alg},
        {"jwt_free", &lj.free_},          {"jwt_new", &lj.new_},
        {"jwt_add_grant", &lj.add_grant}, {"jwt_add_grant_int", &lj.add_grant_int},
        {"jwt_set_alg", &lj.set_alg},     {"jwt_encode_str", &lj.encode_str},
    };
    char why[sizeof lj_error];
    if (dynlib_open("libjwt.so.0", syms, sizeof syms / sizeof syms[0], why, sizeof why)) {
        memcpy(lj_error, why, sizeof why);
        return;
    }
    lj_error[0] = '\0';
}

static bool lj_ready(void)
{
    pthread_once(&lj_once, lj_load);
    return lj_error[0] == '\0';
}

static int deny(err_t *e, const char *why)
{
    return msg_failf(e, MSG_E_UNAUTHORIZED, "%s", why);
}

/* Decodes the JSON object in the base64url segment [p, p+n). */
static json_t *segment_json(const char *p, size_t n)
{
    char *seg = mem_malloc(n + 1); /* a failure counts for the request (base/mem.h) */
    if (!seg)
        return NULL;
    memcpy(seg, p, n);
    seg[n] = '\0';
    unsigned char *raw = NULL;
    size_t len = 0;
    int bad = msgi_b64url_decode(seg, &raw, &len);
    free(seg);
    if (bad)
        return NULL;
    json_t *j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The time claims of a verified token, for the cache's re-check. */
typedef struct jwt_times {
    double exp;
    bool has_iat, has_nbf;
    double iat, nbf;
} jwt_times;

/* The checks of the time claims that depend on `now`, in msg_jwt_verify's order; true when
 * all pass.  (The others -- types, exp - iat -- do not change with time.) */
static bool times_hold(const jwt_times *t, long long now, long long max_life)
{
    return !(t->exp <= (double)now) && !(t->exp - (double)now > (double)max_life) &&
           !(t->has_iat && t->iat > (double)(now + MSG_JWT_LEEWAY)) &&
           !(t->has_nbf && t->nbf > (double)now);
}

/* Whether aud (a string, or an array of strings: RFC 7519 4.1.3) names want. */
static bool aud_names(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    size_t i;
    json_t *a;
    json_array_foreach(aud, i, a)
    {
        if (json_is_string(a) && strcmp(json_string_value(a), want) == 0)
            return true;
    }
    return false;
}

/* The issuer and audience checks (auth.h, MSG_JWT_ISSUER_DEFAULT) on a verified payload.
 * `ours`: an HS256 token of our own secret, to which the "ddbchat" defaults apply; an RS256
 * token comes from another issuer (Cognito: iss its pool's URL, aud its app client), checked
 * only against a configured issuer/audience. */
static int aud_iss_check(const msg_config *cfg, const json_t *body, bool ours, err_t *e)
{
    bool iss_set = cfg->jwt_issuer && *cfg->jwt_issuer;
    bool aud_set = cfg->jwt_audience && *cfg->jwt_audience;
    const char *want_iss = iss_set ? cfg->jwt_issuer : MSG_JWT_ISSUER_DEFAULT;
    const char *want_aud = aud_set ? cfg->jwt_audience : MSG_JWT_AUDIENCE_DEFAULT;
    const json_t *iss = ours || iss_set ? json_object_get(body, "iss") : NULL;
    if (!iss && cfg->jwt_issuer && *cfg->jwt_issuer)
        return deny(e, "the token names no issuer (iss)");
    if (iss && (!json_is_string(iss) || strcmp(json_string_value(iss), want_iss) != 0))
        return deny(e, "the token is from another issuer (iss)");
    const json_t *aud = ours || aud_set ? json_object_get(body, "aud") : NULL;
    /* Cognito's access tokens name their app client in client_id and carry no aud */
    const json_t *client = aud || !(ours || aud_set) ? NULL : json_object_get(body, "client_id");
    if (aud && !aud_names(aud, want_aud))
        return deny(e, "the token is meant for another audience (aud)");
    if (client && (!json_is_string(client) || strcmp(json_string_value(client), want_aud) != 0))
        return deny(e, "the token is meant for another client (client_id, aud)");
    if (!aud && !client && cfg->jwt_audience && *cfg->jwt_audience)
        return deny(e, "the token names no audience (aud)");
    return 0;
}

/* msg_jwt_verify_exp, and *times (when not NULL) = the time claims of a verified token. */
static int verify(const msg_config *cfg, const char *token, long long now, char *out, size_t n,
                  long long *exp_out, err_t *e, jwt_times *times)
{
    if (!token || !*token)
        return deny(e, "missing bearer token");
    size_t len = strlen(token);
    if (len > MSG_JWT_MAX)
        return deny(e, "token too long");
    const char *d1 = strchr(token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.'))
        return deny(e, "malformed token");
    json_t *head = segment_json(token, (size_t)(d1 - token));
    if (!head)
        return deny(e, "malformed token header");
    /* RFC 7515 4.1.11: a recipient must refuse a token whose "crit" names extensions it
     * does not implement; this server implements none (libjwt 1.10 ignores "crit"). */
    if (json_object_get(head, "crit")) {
        json_decref(head);
        return deny(e, "the token header lists critical extensions (crit), none are supported");
    }
    /* libjwt 1.10 refuses a typ other than "JWT" (any case) inside jwt_decode, with the one
     * error of every failure, which would read "bad signature" for a correctly signed token
     * of another type (RFC 9068's at+jwt): say so here (a non-string typ libjwt ignores) */
    const char *typ = json_string_value(json_object_get(head, "typ"));
    if (typ && strcasecmp(typ, "JWT") != 0) {
        int rc = msg_failf(e, MSG_E_UNAUTHORIZED,
                           "the token's type (typ) %.64s is not accepted: only JWT", typ);
        json_decref(head);
        return rc;
    }
    const char *alg = json_string_value(json_object_get(head, "alg"));
    jwt_alg_t want;
    const unsigned char *key;
    size_t key_len;
    if (alg && strcmp(alg, "HS256") == 0 && cfg->jwt_secret && cfg->jwt_secret_len) {
        want = JWT_ALG_HS256;
        key = cfg->jwt_secret;
        key_len = cfg->jwt_secret_len;
    } else if (alg && strcmp(alg, "RS256") == 0 && cfg->jwt_public_key_pem) {
        want = JWT_ALG_RS256;
        key = (const unsigned char *)cfg->jwt_public_key_pem;
        key_len = strlen(cfg->jwt_public_key_pem);
    } else {
        json_decref(head);
        return deny(e, "token algorithm not accepted");
    }
    json_decref(head);
    if (d2[1] == 0)
        return deny(e, "unsigned token");
    /* The payload must be a JSON object we can read before the signature is checked:
     * libjwt answers any failure, an unreadable payload too, as one error, which would
     * read "bad signature" for a correctly signed token whose claims are not JSON (or hold
     * a U+0000, or an integer beyond 64 bits). */
    json_t *body = segment_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!body)
        return deny(e, "malformed token payload");

    if (!lj_ready()) {
        json_decref(body);
        return deny(e, lj_error);
    }
    jwt_t *jwt = NULL;
    int jr = lj.decode(&jwt, token, key, (int)key_len);
    if (jr == ENOMEM) { /* libjwt's own allocation failed: not the token's fault */
        json_decref(body);
        mem_note_failure();
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if (jr != 0 || !jwt) {
        json_decref(body);
        return deny(e, "bad signature");
    }
    jwt_alg_t got = lj.get_alg(jwt);
    lj.free_(jwt);
    /* This comparison is also what stops a token that was never verified: libjwt 1.10's
     * jwt_decode answers 0 with alg "none", without checking the signature, when its copy
     * of the key cannot be allocated.  The header said HS256/RS256 (checked above), so
     * "none" here means that, and it is our failure, not the token's
     * (tests/unit/fault/test_alloc_fail.c). */
    if (got == JWT_ALG_NONE) {
        json_decref(body);
        mem_note_failure();
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if (got != want) {
        json_decref(body);
        return deny(e, "token algorithm not accepted");
    }

    /* The payload is verified now; read the claims from it. */
    int rc = aud_iss_check(cfg, body, want == JWT_ALG_HS256, e);
    long long max_life = cfg->jwt_max_lifetime > 0 ? cfg->jwt_max_lifetime
                                                   : MSG_JWT_MAX_LIFETIME_DEFAULT;
    json_t *exp = json_object_get(body, "exp"), *nbf = json_object_get(body, "nbf");
    json_t *iat = json_object_get(body, "iat");
    double expv = exp && json_is_number(exp) ? json_number_value(exp) : 0;
    if (rc)
        ; /* iss / aud refused */
    else if (!exp)
        rc = deny(e, "the token has no exp claim");
    else if (!json_is_number(exp) || !isfinite(expv))
        rc = deny(e, "bad exp claim");
    else if (expv <= (double)now)
        rc = deny(e, "token expired");
    else if (expv - (double)now > (double)max_life)
        rc = deny(e, "token lifetime exceeds the maximum");
    else if (iat && !json_is_number(iat))
        rc = deny(e, "bad iat claim");
    else if (iat && json_number_value(iat) > (double)(now + MSG_JWT_LEEWAY))
        rc = deny(e, "token issued in the future");
    else if (iat && expv - json_number_value(iat) > (double)max_life)
        rc = deny(e, "token lifetime exceeds the maximum");
    else if (nbf && !json_is_number(nbf))
        rc = deny(e, "bad nbf claim");
    else if (nbf && json_number_value(nbf) > (double)now)
        rc = deny(e, "token not yet valid");
    else {
        const char *claim = cfg->jwt_claim && *cfg->jwt_claim ? cfg->jwt_claim : "sub";
        const char *who = json_string_value(json_object_get(body, claim));
        if (!who || !*who)
            rc = deny(e, "the token names no user");
        else if (strlen(who) >= n)
            rc = deny(e, "user claim too long");
        else
            memcpy(out, who, strlen(who) + 1);
        if (!rc && exp_out)
            *exp_out = (long long)expv;
    }
    if (rc == 0 && times) {
        times->exp = expv;
        times->has_iat = iat != NULL;
        times->iat = iat ? json_number_value(iat) : 0;
        times->has_nbf = nbf != NULL;
        times->nbf = nbf ? json_number_value(nbf) : 0;
    }
    json_decref(body);
    return rc;
}

int msg_jwt_verify(const msg_config *cfg, const char *token, long long now, char *out, size_t n,
                   err_t *e)
{
    return verify(cfg, token, now, out, n, NULL, e, NULL);
}

int msg_jwt_verify_exp(const msg_config *cfg, const char *token, long long now, char *out,
                       size_t n, long long *exp_out, err_t *e)
{
    return verify(cfg, token, now, out, n, exp_out, e, NULL);
}

/* ---- the verified-token cache ------------------------------------------------------ */

typedef struct jwt_entry {
    uint64_t hash;   /* siphash of the token: compared before its bytes */
    uint64_t used;   /* the cache's clock at the last hit or insertion (LRU in the set) */
    size_t len;      /* of the token */
    jwt_times times;
    char *who;       /* points into text, after the token's NUL */
    char text[];     /* the token, NUL, the user claim, NUL */
} jwt_entry;

struct msg_jwt_cache {
    pthread_mutex_t mu;
    unsigned char key[16]; /* siphash key: slots cannot be aimed at from outside */
    unsigned long long hits;
    uint64_t clock;
    jwt_entry *slot[MSG_JWT_CACHE_SLOTS]; /* set i is slot[i * WAYS .. (i + 1) * WAYS) */
};

int msg_jwt_cache_new(msg_jwt_cache **out)
{
    msg_jwt_cache *c = calloc(1, sizeof *c);
    if (!c)
        return ERR_NOMEM;
    if (getrandom(c->key, sizeof c->key, 0) != (ssize_t)sizeof c->key) {
        free(c);
        return ERR_INTERNAL;
    }
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

void msg_jwt_cache_free(msg_jwt_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < MSG_JWT_CACHE_SLOTS; i++)
        free(c->slot[i]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

unsigned long long msg_jwt_cache_hits(msg_jwt_cache *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned long long h = c->hits;
    pthread_mutex_unlock(&c->mu);
    return h;
}

int msg_jwt_verify_cached(msg_jwt_cache *c, const msg_config *cfg, const char *token,
                          long long now, char *out, size_t n, long long *exp_out, err_t *e)
{
    size_t len = token ? strlen(token) : 0;
    if (!c || len == 0 || len > MSG_JWT_CACHE_TOKEN_MAX)
        return verify(cfg, token, now, out, n, exp_out, e, NULL);
    long long max_life = cfg->jwt_max_lifetime > 0 ? cfg->jwt_max_lifetime
                                                   : MSG_JWT_MAX_LIFETIME_DEFAULT;
    uint64_t h = siphash24(c->key, (const unsigned char *)token, len);
    jwt_entry **set = &c->slot[(size_t)(h % MSG_JWT_CACHE_SETS) * MSG_JWT_CACHE_WAYS];
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (size_t w = 0; w < MSG_JWT_CACHE_WAYS; w++) {
        jwt_entry *x = set[w];
        if (!x || x->hash != h || x->len != len || memcmp(x->text, token, len) != 0)
            continue;
        if (times_hold(&x->times, now, max_life) && strlen(x->who) < n) {
            memcpy(out, x->who, strlen(x->who) + 1);
            if (exp_out)
                *exp_out = (long long)x->times.exp;
            x->used = ++c->clock;
            c->hits++;
            hit = true;
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    if (hit)
        return 0;
    /* a miss, or a time claim that no longer holds: the whole check, whose answer (and
     * error text) is the one given */
    jwt_times t;
    int rc = verify(cfg, token, now, out, n, exp_out, e, &t);
    if (rc)
        return rc;
    size_t wl = strlen(out);
    jwt_entry *nx = malloc(sizeof *nx + len + 1 + wl + 1); /* none: just not cached */
    if (nx) {
        nx->hash = h;
        nx->len = len;
        nx->times = t;
        memcpy(nx->text, token, len + 1);
        nx->who = nx->text + len + 1;
        memcpy(nx->who, out, wl + 1);
        pthread_mutex_lock(&c->mu);
        /* the way: this token's own entry (another thread may have added it meanwhile, or
         * it was there but its times failed), else an empty one, else the least recently
         * used */
        size_t v = 0;
        for (size_t w = 0; w < MSG_JWT_CACHE_WAYS; w++) {
            jwt_entry *x = set[w];
            if (x && x->hash == h && x->len == len && memcmp(x->text, token, len) == 0) {
                v = w;
                break;
            }
            if (!x ? set[v] != NULL : set[v] && x->used < set[v]->used)
                v = w;
        }
        jwt_entry *old = set[v];
        nx->used = ++c->clock;
        set[v] = nx;
        pthread_mutex_unlock(&c->mu);
        free(old);
    }
    return 0;
}

int msg_jwt_mint_hs256(const unsigned char *secret, size_t secret_len, const char *claim,
                       const char *value, long long ttl_sec, char **out_token, err_t *e)
{
    return msg_jwt_mint_hs256_for(NULL, secret, secret_len, claim, value, ttl_sec, out_token, e);
}

int msg_jwt_mint_hs256_for(const msg_config *cfg, const unsigned char *secret,
                           size_t secret_len, const char *claim, const char *value,
                           long long ttl_sec, char **out_token, err_t *e)
{
    const char *iss = cfg && cfg->jwt_issuer && *cfg->jwt_issuer ? cfg->jwt_issuer
                                                                  : MSG_JWT_ISSUER_DEFAULT;
    const char *aud = cfg && cfg->jwt_audience && *cfg->jwt_audience ? cfg->jwt_audience
                                                                      : MSG_JWT_AUDIENCE_DEFAULT;
    *out_token = NULL;
    jwt_t *jwt = NULL;
    int rc = 0;
    if (ttl_sec <= 0)
        return err_set(e, ERR_VALIDATION, "a token needs a lifetime (ttl > 0)");
    if (!lj_ready())
        return err_set(e, ERR_INTERNAL, "cannot mint tokens: %s", lj_error);
    if (lj.new_(&jwt) || !jwt)
        return err_set(e, ERR_NOMEM, "out of memory");
    long long now = (long long)time(NULL);
    if (lj.add_grant(jwt, claim && *claim ? claim : "sub", value) ||
        lj.add_grant(jwt, "iss", iss) || lj.add_grant(jwt, "aud", aud) ||
        lj.add_grant_int(jwt, "iat", (long)now) ||
        lj.add_grant_int(jwt, "exp", (long)(now + ttl_sec)) ||
        lj.set_alg(jwt, JWT_ALG_HS256, secret, (int)secret_len)) {
        rc = err_set(e, ERR_INTERNAL, "cannot build the token");
        goto done;
    }
    char *tok = lj.encode_str(jwt);
    if (!tok) {
        rc = err_set(e, ERR_INTERNAL, "cannot encode the token");
        goto done;
    }
    *out_token = strdup(tok);
    free(tok);
    if (!*out_token)
        rc = err_set(e, ERR_NOMEM, "out of memory");
done:
    lj.free_(jwt);
    return rc;
}

/* Reads a whole small file (at most 64 KB). */
static int read_small(const char *path, unsigned char **out, size_t *out_len, err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
    unsigned char *b = malloc(65537);
    if (!b) {
        fclose(f);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    size_t n = fread(b, 1, 65536, f);
    int rerr = ferror(f) ? errno : 0; /* a directory opens, and fails here (EISDIR) */
    fclose(f);
    if (rerr) {
        free(b);
        return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(rerr));
    }
    while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        n--;
    b[n] = 0;
    if (n == 0) {
        free(b);
        return err_set(e, ERR_IO, "the secret file %s is empty", path);
    }
    *out = b;
    *out_len = n;
    return 0;
}

int msg_jwt_secret_load(const char *data_dir, const char *secret_file, unsigned char **out,
                        size_t *out_len, err_t *e)
{
    *out = NULL;
    *out_len = 0;
    if (secret_file)
        return read_small(secret_file, out, out_len, e);
    const char *env = getenv(MSG_JWT_SECRET_ENV);
    if (env && *env) {
        *out = (unsigned char *)strdup(env);
        *out_len = strlen(env);
        return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
    }
    if (!data_dir)
        return err_set(e, ERR_IO, "no JWT secret: set %s or give a data dir", MSG_JWT_SECRET_ENV);
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, MSG_JWT_SECRET_FILE);
    if (access(path, F_OK) != 0) {
        /* create it: write a private temp file, then link() it into place (atomic; the
         * loser of a race reads the winner's secret) */
        mkdir(data_dir, 0700);
        unsigned char rnd[32];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            return err_set(e, ERR_INTERNAL, "no randomness for the JWT secret");
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            return err_set(e, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        ssize_t w = write(fd, hex, 64);
        w = (w == 64 && write(fd, "\n", 1) == 1) ? 65 : -1;
        if (fsync(fd) != 0)
            w = -1;
        close(fd);
        if (w != 65) {
            unlink(tmp);
            return err_set(e, ERR_IO, "cannot write %s", tmp);
        }
        if (link(tmp, path) != 0 && errno != EEXIST) {
            int err = errno;
            unlink(tmp);
            return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(err));
        }
        unlink(tmp);
    }
    return read_small(path, out, out_len, e);
}
