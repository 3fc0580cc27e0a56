/*
 * auth — JWT bearer tokens for the REST API (libjwt 1.10).  Layer: messaging.
 *
 * Accepted: HS256 signed with the configured secret, RS256 signed by the configured public
 * key (PEM).  The token's header alg must be one of the configured ones (so "none" and
 * HS256-signed-with-the-public-key are refused before libjwt sees them), the signature must
 * verify, and the time claims must hold: "exp" is required, must lie in the future and at
 * most msg_config.jwt_max_lifetime seconds ahead (default MSG_JWT_MAX_LIFETIME_DEFAULT, one
 * day as Cognito's longest access/ID token; env DDBCHAT_JWT_MAX_LIFETIME, serve
 * --jwt-max-lifetime); "iat", when present, must not lie in the future (MSG_JWT_LEEWAY of
 * clock skew) nor before exp - the lifetime; "nbf", when present, must have passed.  The user
 * is the configured claim (default "sub").
 *
 * The HS256 secret comes from, in order: --jwt-secret-file FILE, the environment variable
 * DDBCHAT_JWT_SECRET, or DATA_DIR/jwt-secret (64 random hex characters, created mode 0600 on
 * first use), so `ddbchat token` and `ddbchat serve` on one data dir agree.
 */
#ifndef DDB_MESSAGING_AUTH_H
#define DDB_MESSAGING_AUTH_H

#include <stddef.h>

#include "base/err.h"
#include "messaging/service.h"

#define MSG_JWT_SECRET_FILE "jwt-secret"
#define MSG_JWT_SECRET_ENV "DDBCHAT_JWT_SECRET"
#define MSG_JWT_MAX 8192 /* longest token accepted, bytes */
#define MSG_JWT_MAX_LIFETIME_DEFAULT (24LL * 3600) /* seconds a token may live */
#define MSG_JWT_MAX_LIFETIME_ENV "DDBCHAT_JWT_MAX_LIFETIME"
#define MSG_JWT_LEEWAY 60 /* seconds of clock skew allowed for "iat" */
/* Issuer and audience (RFC 7519 4.1.1, 4.1.3).  Tokens this server mints carry
 * iss = msg_config.jwt_issuer and aud = msg_config.jwt_audience, or these defaults.  A token
 * is refused when its "iss" (a string) is not the expected issuer, or when its "aud" (a
 * string or an array of strings) does not name the expected audience; Cognito's access
 * tokens carry no aud but "client_id", which then stands for it.  When jwt_issuer /
 * jwt_audience is configured (serve --jwt-issuer / --jwt-audience, $DDBCHAT_JWT_ISSUER /
 * $DDBCHAT_JWT_AUDIENCE) the claim is required; otherwise a token without it is taken (a
 * token of the HS256 secret from before these claims existed, a hand-made test token).  The
 * defaults apply to HS256 tokens (our own secret) only: an RS256 token is another issuer's
 * (Cognito's iss is its pool's URL, its aud the app client), checked against a configured
 * issuer/audience only. */
#define MSG_JWT_ISSUER_DEFAULT "ddbchat"
#define MSG_JWT_AUDIENCE_DEFAULT "ddbchat"
#define MSG_JWT_ISSUER_ENV "DDBCHAT_JWT_ISSUER"
#define MSG_JWT_AUDIENCE_ENV "DDBCHAT_JWT_AUDIENCE"

/* Verifies `token` (without "Bearer ") against cfg's keys at time now (seconds since the
 * epoch) and copies the configured claim's string value to out (size n).
 * ERR_ACCESS_DENIED "unauthorized: <reason>" on any failure. */
int msg_jwt_verify(const msg_config *cfg, const char *token, long long now, char *out, size_t n,
                   err_t *e);
/* The same, and *exp_out (when not NULL) = the token's "exp" (seconds since the epoch). */
int msg_jwt_verify_exp(const msg_config *cfg, const char *token, long long now, char *out,
                       size_t n, long long *exp_out, err_t *e);

/* A cache of verified tokens (issue 13: the REST routes verified the same bearer token's
 * signature and parsed its JSON on every request).  Keyed by the token's bytes (siphash with
 * a random key, MSG_JWT_CACHE_SLOTS entries in MSG_JWT_CACHE_SETS sets of
 * MSG_JWT_CACHE_WAYS: a token's hash picks its set, a new token replaces the set's least
 * recently used entry, so a few hundred users' tokens do not evict each other as one entry per
 * slot did: 100 tokens in 256 single slots left ~30 % of them colliding); an entry holds
 * the user claim and the time claims, and a hit is taken only while every time check of
 * msg_jwt_verify still holds at `now` (exp in the future and at most the lifetime ahead, iat
 * not in the future, nbf passed); otherwise the token goes through msg_jwt_verify again, whose
 * answer is given.  Only successes are cached; tokens longer than MSG_JWT_CACHE_TOKEN_MAX are
 * never.  At most MSG_JWT_CACHE_SLOTS * (MSG_JWT_CACHE_TOKEN_MAX + 300) bytes.  One cache
 * serves one msg_config (its keys, claim name and lifetime).  Thread-safe. */
#define MSG_JWT_CACHE_WAYS 16
#define MSG_JWT_CACHE_SETS 16
#define MSG_JWT_CACHE_SLOTS (MSG_JWT_CACHE_WAYS * MSG_JWT_CACHE_SETS)
#define MSG_JWT_CACHE_TOKEN_MAX 2048
typedef struct msg_jwt_cache msg_jwt_cache;
/* 0, ERR_NOMEM, or ERR_INTERNAL (no random key).  Free with msg_jwt_cache_free. */
int msg_jwt_cache_new(msg_jwt_cache **out);
void msg_jwt_cache_free(msg_jwt_cache *c); /* accepts NULL */
/* msg_jwt_verify_exp through the cache c (NULL: no cache): the same answers and errors. */
int msg_jwt_verify_cached(msg_jwt_cache *c, const msg_config *cfg, const char *token,
                          long long now, char *out, size_t n, long long *exp_out, err_t *e);
/* Verifications answered from the cache so far. */
unsigned long long msg_jwt_cache_hits(msg_jwt_cache *c);

/* Mints an HS256 token {claim: value, iss, aud, iat: now, exp: now + ttl_sec}, iss and aud
 * the defaults above.  ttl_sec must be > 0 (ERR_VALIDATION otherwise: a token without exp is
 * refused by msg_jwt_verify).  *out_token malloc'ed, caller frees.  ERR_NOMEM /
 * ERR_INTERNAL / ERR_VALIDATION. */
int msg_jwt_mint_hs256(const unsigned char *secret, size_t secret_len, const char *claim,
                       const char *value, long long ttl_sec, char **out_token, err_t *e);
/* The same with cfg's jwt_issuer / jwt_audience (NULL cfg or fields: the defaults), so the
 * server with that config takes the token. */
int msg_jwt_mint_hs256_for(const msg_config *cfg, const unsigned char *secret,
                           size_t secret_len, const char *claim, const char *value,
                           long long ttl_sec, char **out_token, err_t *e);

/* Loads the HS256 secret as described above (secret_file may be NULL; data_dir may be NULL
 * when the secret file or the environment variable is set).  *out malloc'ed (caller frees),
 * NUL-terminated, *out_len excludes the NUL.  ERR_IO with the reason. */
int msg_jwt_secret_load(const char *data_dir, const char *secret_file, unsigned char **out,
                        size_t *out_len, err_t *e);

#endif
