/*
 * sigv4 — AWS Signature Version 4 verification for the DynamoDB endpoint.  Layer: server.
 *
 * Implements the header form of SigV4 as AWS documents it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
 *   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
 *                       signed headers \n hex(sha256(payload))
 *   string to sign    = "AWS4-HMAC-SHA256" \n amz-date \n scope \n hex(sha256(canonical request))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request") signature         = hex(HMAC(signing key, string to sign)) The pieces are public
 * so tests can check them against AWS's documented example vectors.
 *
 * Credentials (creds.c): a set of (access key id, secret) pairs loaded once at start-up and
 * read-only afterwards (thread-safe to read).  Owner: whoever calls sigv4_creds_new.
 *
 * Error texts are DynamoDB's (MissingAuthenticationTokenException, UnrecognizedClientException,
 * InvalidSignatureException, IncompleteSignatureException), all HTTP 400.
 */
#ifndef DDB_SERVER_SIGV4_H
#define DDB_SERVER_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

#define SIGV4_KEY_MAX 128 /* access key id bytes */
#define SIGV4_SECRET_MAX 256
#define SIGV4_SCOPE_PART_MAX 64 /* region / service */
#define SIGV4_SIGNED_HEADERS_MAX 2048
#define SIGV4_MAX_SKEW_SECONDS (15 * 60)

/* The parsed Authorization header:
 * "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
 *  SignedHeaders=content-type;host;x-amz-date, Signature=5d67...". */
typedef struct sigv4_auth {
    char access_key[SIGV4_KEY_MAX + 1];
    /* the scope's parts as sent (cut at SIGV4_SCOPE_PART_MAX bytes: a part that long is no
     * valid one); checked against the request by sigv4_check_scope */
    char date[SIGV4_SCOPE_PART_MAX + 1]; /* YYYYMMDD when valid */
    char region[SIGV4_SCOPE_PART_MAX + 1];
    char service[SIGV4_SCOPE_PART_MAX + 1];
    char terminator[SIGV4_SCOPE_PART_MAX + 1]; /* "aws4_request" when valid */
    bool region_long;                          /* region was cut */
    /* faults AWS names only after the time and Host checks (sigv4_verify): an algorithm
     * other than AWS4-HMAC-SHA256 (the name, cut), a Credential of other than 5 parts (its
     * text, cut) */
    bool algorithm_bad, credential_bad;
    char algorithm[SIGV4_SCOPE_PART_MAX + 1];
    char credential[SIGV4_SCOPE_PART_MAX * 4 + 1];
    char signed_headers[SIGV4_SIGNED_HEADERS_MAX + 1]; /* "content-type;host;x-amz-date" */
    char signature[65];                                /* lower-case hex, the first 64 */
    size_t signature_len; /* the signature's length as sent: only 64 can match */
    /* the Credential's key id is longer than SIGV4_KEY_MAX (IAM's maximum), or empty:
     * access_key is empty, and no key matches it (UnrecognizedClientException once the
     * scope's parts have passed, as AWS checks the key id after them) */
    bool key_too_long;
} sigv4_auth;

/* One request header as received (name in any case, value untrimmed; borrowed). */
typedef struct sigv4_header {
    const char *name;
    const char *value;
} sigv4_header;

/* One query parameter, already percent-decoded (borrowed; value may be NULL = ""). */
typedef struct sigv4_param {
    const char *name;
    const char *value;
} sigv4_param;

/* What the verifier needs of a request (all borrowed). */
typedef struct sigv4_request {
    const char *method;        /* "POST" */
    const char *path;          /* decoded path, "/" */
    const sigv4_param *params; /* decoded query parameters, any order */
    size_t n_params;
    const sigv4_header *headers; /* every header; repeated names are joined with ',' */
    size_t n_headers;
    const void *body;
    size_t body_len;
    /* set by the presigned form's verifier (zero otherwise): the canonical query leaves
     * X-Amz-Signature (its first) out; the payload line is this instead of the body's hash */
    bool skip_signature_param;
    const char *payload_line;
} sigv4_request;

/* ---- building blocks (for tests and for the verifier) ----------------------------- */

/* Lower-case hex SHA-256 of the bytes. */
void sigv4_sha256_hex(const void *data, size_t n, char out[65]);
/* Whether an Authorization header's value starts "AWS4-" (leading white space aside): what
 * AWS takes for a token at all; anything else (none, "AWS4", "Bearer x") is
 * MissingAuthenticationTokenException. */
bool sigv4_is_aws4(const char *value);
/* Whether an "AWS4-..." Authorization header names its parts: after the algorithm, each of
 * Credential, Signature and SignedHeaders as key=value (items split at commas and blanks).
 * Without one, ERR_INCOMPLETE_SIGNATURE with AWS's text: "Authorization header requires
 * 'Credential' parameter. " for each missing, in that order, then, when !has_date (neither
 * X-Amz-Date nor Date came), "Authorization header requires existence of either a
 * 'X-Amz-Date' or a 'Date' header. ", then "Authorization=<value>" (dynalite's connection
 * tests and index.js, recorded against AWS).  An item without '=' is left to
 * sigv4_parse_authorization (0).  Not "AWS4-": ERR_MISSING_AUTH_TOKEN.  0 otherwise. */
int sigv4_check_parts(const char *value, bool has_date, err_t *e);
/* Query-string (presigned) authentication's parts: *out_query tells whether the query names
 * X-Amz-Algorithm (AWS then reads the query for the signature).  With an Authorization
 * header as well (has_header): ERR_INVALID_SIGNATURE "Found both 'X-Amz-Algorithm' as a
 * query-string param and 'Authorization' as HTTP header."; without one of X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Signature, X-Amz-SignedHeaders, X-Amz-Date (or empty):
 * ERR_INCOMPLETE_SIGNATURE "AWS query-string parameters must include '<name>'. " for each,
 * then "Re-examine the query-string parameters." (dynalite's index.js, written against AWS).
 * 0 otherwise.  params: decoded names and values. */
int sigv4_check_query(const sigv4_param *params, size_t n, bool has_header, bool *out_query,
                      err_t *e);
/* A credential "AKID/YYYYMMDD/region/service/aws4_request" (len bytes: an Authorization's
 * Credential= or a presigned query's X-Amz-Credential; trailing slashes ignored) into out's
 * access_key, date, region, service and terminator, whatever they say (sigv4_check_scope
 * judges them).  Not 5 parts: ERR_INCOMPLETE_SIGNATURE "Credential must have exactly 5
 * slash-delimited elements, e.g. keyid/date/region/service/term, got '<value>'" (DynamoDB's
 * text, recorded in dynalite's index.js); past ~350 bytes "Credential is too long.". */
int sigv4_parse_credential(const char *value, size_t len, sigv4_auth *out, err_t *e);
/* The scope's parts against the request (amz_date: its YYYYMMDDTHHMMSSZ, or NULL: the date
 * is not compared): ERR_INVALID_SIGNATURE with a sentence for each part that fails, in
 * DynamoDB's order and words (dynalite's index.js records one capture with all four):
 * "Credential should be scoped to a valid region, not '<r>'. " (an empty or over-long
 * region: any other is taken, as a local endpoint serves every region), "Credential should
 * be scoped to correct service: 'dynamodb'. ", "Credential should be scoped with a valid
 * terminator: 'aws4_request', not '<t>'. ", "Date in Credential scope does not match
 * YYYYMMDD from ISO-8601 version of date from HTTP: '<d>' != '<YYYYMMDD>', from '<date>'.".
 * 0 when all hold. */
int sigv4_check_scope(const sigv4_auth *auth, const char *amz_date, err_t *e);
/* Parses an Authorization header.  Only "AWS4-HMAC-SHA256" is accepted.
 * ERR_MISSING_AUTH_TOKEN when the value does not start "AWS4-" (sigv4_is_aws4);
 * ERR_INCOMPLETE_SIGNATURE with DynamoDB's text: an item without '=', a missing
 * Credential/SignedHeaders/Signature, then another algorithm ("Unsupported AWS 'algorithm':
 * '<a>' (only AWS4-HMAC-SHA256 for now). "), then a Credential of other than 5 parts
 * (sigv4_parse_credential).  The scope's parts are sigv4_check_scope's. */
int sigv4_parse_authorization(const char *value, sigv4_auth *out, err_t *e);
/* Appends the canonical request for `req`, signing the headers named in signed_headers
 * (";"-separated, lower-case).  ERR_NOMEM past the buffer's maximum; ERR_INCOMPLETE_SIGNATURE
 * when a signed header is absent. */
int sigv4_canonical_request(const sigv4_request *req, const char *signed_headers, buf_t *out,
                            err_t *e);
/* Appends the string to sign.  scope = "date/region/service/aws4_request". */
int sigv4_string_to_sign(const char *amz_date, const char *scope, const void *canonical,
                         size_t canonical_len, buf_t *out, err_t *e);
/* Derives the signing key. */
void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, unsigned char out[32]);
/* Loads libcrypto now (it is otherwise opened by the first digest): 0, or ERR_INTERNAL with
 * the reason.  A server with credentials calls it at start so a missing library is an
 * error there, not a refused request later. */
int sigv4_crypto_load(err_t *e);
/* hex(HMAC-SHA256(key, msg)). */
void sigv4_signature(const unsigned char key[32], const void *msg, size_t n, char out[65]);
/* Parses "YYYYMMDDTHHMMSSZ" into seconds since the epoch; -1 when malformed. */
long long sigv4_parse_amz_date(const char *s);
/* Formats seconds since the epoch as "YYYYMMDDTHHMMSSZ". */
void sigv4_format_amz_date(long long t, char out[17]);

/* ---- credentials (creds.c) -------------------------------------------------------- */

typedef struct sigv4_creds sigv4_creds;

/* An empty set.  ERR_NOMEM. */
int sigv4_creds_new(sigv4_creds **out, err_t *e);
/* Accepts NULL. */
void sigv4_creds_free(sigv4_creds *c);
/* Adds (or replaces) a key.  ERR_VALIDATION for an empty/oversized key or secret. */
int sigv4_creds_add(sigv4_creds *c, const char *access_key, const char *secret, err_t *e);
/* Loads lines "ACCESS_KEY_ID SECRET" (whitespace-separated; blank lines and lines starting
 * with '#' ignored).  ERR_IO (cannot read), ERR_VALIDATION (bad line, with its number). */
int sigv4_creds_load_file(sigv4_creds *c, const char *path, err_t *e);
/* Number of keys. */
size_t sigv4_creds_count(const sigv4_creds *c);
/* The secret for a key (borrowed, valid while c lives), or NULL. */
const char *sigv4_creds_secret(const sigv4_creds *c, const char *access_key);

/* ---- verification ---------------------------------------------------------------- */

/* Verifies a request against the credentials at time `now` (seconds since the epoch): its
 * Authorization header, or without one a presigned query (X-Amz-Algorithm, X-Amz-Credential,
 * X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature: AWS's query-string
 * signing; the payload line UNSIGNED-PAYLOAD or the body's hash; valid X-Amz-Expires seconds
 * from X-Amz-Date, else "Signature expired: ..." with that window).
 * On success fills *out_auth (may be NULL).  Errors (DynamoDB's texts):
 *   ERR_MISSING_AUTH_TOKEN    no Authorization header nor presigned query
 *   ERR_INCOMPLETE_SIGNATURE  malformed Authorization header / no X-Amz-Date or Date
 *   ERR_UNRECOGNIZED_CLIENT   unknown access key id
 *   ERR_INVALID_SIGNATURE     signature mismatch, or "Signature expired: ..." /
 *                             "Signature not yet current: ..." (more than 15 min of skew),
 *                             or "'Host' or ':authority' must be a 'SignedHeader' ..." (AWS
 *                             requires the Host header signed)
 *   ERR_NOMEM */
int sigv4_verify(const sigv4_request *req, const sigv4_creds *creds, long long now,
                 sigv4_auth *out_auth, err_t *e);

/* Finds a header by case-insensitive name (first occurrence), or NULL. */
const char *sigv4_header_get(const sigv4_request *req, const char *name);

#endif
