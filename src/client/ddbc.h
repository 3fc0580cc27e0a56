/*
 * ddbc — a client for a remote DynamoDB-compatible endpoint (AWS DynamoDB, ScyllaDB
 * Alternator, DynamoDB Local, ddbchat's own endpoint).  Layer: client.
 *
 * Requests are DynamoDB's JSON 1.0 protocol over HTTP(S) with libcurl, signed with SigV4 by
 * libcurl itself (CURLOPT_AWS_SIGV4), session tokens included.  One curl handle per thread
 * (connection reuse, keep-alive).  Responses' x-amz-crc32 is checked.
 *
 * Retries as the AWS SDKs' standard mode does them for DynamoDB and DynamoDB Streams (their
 * 2026 defaults: aws-sdk-js-v3#8037, aws-sdk-go-v2#3416, botocore's retries/standard.py):
 * at most max_attempts attempts (4); full-jitter exponential backoff, a delay drawn in
 * [0, min(max_delay, base * 2^(retry-1))), base 25 ms for a transient error (HTTP 500, 502,
 * 503, 504, InternalServerError, ServiceUnavailable, RequestTimeout, a connection failure, a
 * timeout, a CRC32 mismatch) and 1 s for a throttling one (ProvisionedThroughputExceeded-
 * Exception, ThrottlingException, RequestLimitExceeded, TransactionInProgressException,
 * LimitExceededException, ..., HTTP 429), max_delay 20 s; and a retry quota per client: 500
 * tokens, a transient retry costs 14, a throttling retry 5, a call that succeeds at once gives
 * 1 back and one that succeeds after retries what its last retry took, so while an endpoint
 * fails everything the retries stop (one attempt per call) instead of multiplying the load.
 * Other errors (TransactionConflictException included: the caller's own loop decides) are
 * returned at once with DynamoDB's type and message intact.
 *
 * Configuration follows the SDK conventions (ddbc_config_load): AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE with ~/.aws/credentials and
 * ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), AWS_REGION /
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL; explicit flags win.
 * ddbchat's own knobs: DDBCHAT_MAX_ATTEMPTS (1..100, default 4), DDBCHAT_REQUEST_TIMEOUT_MS
 * (whole request, default 10000; an answer slower than this is abandoned and retried) and
 * DDBCHAT_CONNECT_TIMEOUT_MS (default 3000).
 * https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html
 */
#ifndef DDB_CLIENT_DDBC_H
#define DDB_CLIENT_DDBC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/err.h"

typedef struct ddbc ddbc_t;

typedef struct ddbc_config {
    char endpoint[512]; /* "https://dynamodb.<region>.amazonaws.com" by default */
    char region[64];
    char access_key[128];
    char secret_key[256];
    char session_token[4096]; /* "" when none */
    long connect_timeout_ms;  /* default 3000 */
    long request_timeout_ms;  /* default 10000 */
    int max_attempts;         /* default 4 (1 = no retries) */
    long base_delay_ms;       /* transient errors' backoff base, default 25 */
    long throttle_delay_ms;   /* throttling errors' backoff base, default 1000 */
    long max_delay_ms;        /* the longest backoff, default 20000 */
    int retry_quota;          /* retry tokens per client, default 500; 0 = no quota */
} ddbc_config;

/* The retry quota's costs (the SDKs' standard mode, 2026). */
#define DDBC_RETRY_COST_TRANSIENT 14
#define DDBC_RETRY_COST_THROTTLING 5
#define DDBC_NO_RETRY_INCREMENT 1

/* The upper end of the backoff drawn before retry number `retry` (1 = the first retry):
 * min(max_delay, base * 2^(retry-1)) with the throttling or the transient base, in ms. */
long ddbc_backoff_cap_ms(const ddbc_config *cfg, int retry, bool throttling);

/* Fills cfg from the environment and AWS config files; endpoint/region (may be NULL) are
 * explicit values (flags) that win over everything.  Missing credentials are not an error
 * here (a local endpoint accepts any signer: "local"/"local" is used). */
int ddbc_config_load(ddbc_config *cfg, const char *endpoint, const char *region, err_t *e);

/* Creates a client (copies cfg).  ERR_INTERNAL when libcurl can't be initialised. */
int ddbc_new(const ddbc_config *cfg, ddbc_t **out, err_t *e);
/* Accepts NULL. */
void ddbc_free(ddbc_t *c);

/* Runs one operation ("PutItem") with request req (borrowed).  Same contract as api_call:
 * 0 and *out_resp (new reference) on success; a negative ERR_* with DynamoDB's message in e
 * and *out_resp NULL or the error body's extra fields on failure.  ERR_TRANSPORT when the
 * endpoint could not be reached after every attempt; ERR_UNKNOWN_OPERATION when the endpoint
 * does not implement op; ERR_FOREIGN for an error answer whose type this client does not know
 * (or that names none), the message then "<type>: <message>".  An HTTP 200 whose body carries
 * a __type, message or Message member is the error it names (ERR_FOREIGN when it names no
 * type), not a success: no output shape has those members.
 * Thread-safe.  A DynamoDB Streams operation, named as api/ names it
 * ("DynamoDBStreams.GetRecords"), goes to the Streams endpoint: on AWS
 * streams.dynamodb.<region>.amazonaws.com (SigV4 service "dynamodb"), elsewhere the same URL. */
int ddbc_call(ddbc_t *c, const char *op, json_t *req, json_t **out_resp, err_t *e);

/* Bounds this thread's next calls (of any client) as a whole: they end within ms from now
 * (ms > 0), or are unbounded again (ms <= 0).  Each attempt's timeouts are clipped to what
 * is left, no backoff sleeps past it, and a call that meets it fails with ERR_TRANSPORT,
 * "no answer from <url> within the request's deadline of <ms> ms" (plus the last attempt's
 * error, when one came).  For work made of several calls: a REST request. */
void ddbc_deadline(long ms);

/* Caps the attempts of this thread's next calls (of any client) at n (1: no retry, so no
 * back-off either), or lifts the cap (n <= 0): a call then makes at most the smaller of n and
 * the client's max_attempts.  For work that is better left out than waited for (events.c's
 * side reads of another process's renames and deletes). */
void ddbc_attempts_max(int n);

/* For a process that is stopping: the calls in flight end within about a second (libcurl's
 * progress callback) and every later ddbc_call fails at once, without retries, with
 * ERR_TRANSPORT.  Irreversible.  Thread-safe; accepts NULL. */
void ddbc_abort(ddbc_t *c);

/* Attempts made by the last ddbc_call of this thread (for tests and logs). */
int ddbc_last_attempts(void);

/* The endpoint's retry hint (x-amz-retry-after, whole milliseconds, or else Retry-After:
 * ddbc_parse_retry_after) of the last attempt of
 * this thread's last ddbc_call, when that attempt failed and carried one; else -1.  The REST
 * API's 503 tells its client when to come back from it (rest.c). */
long ddbc_last_retry_after_ms(void);

/* The endpoint's clock when it answered this thread's last ddbc_call: that call's last
 * answer's Date header (an HTTP-date, whole seconds since the epoch, rounded down as HTTP
 * sends it), or -1 when that answer had none (or one that is no HTTP-date) or no answer came.
 * A stream reader's LATEST start is saved as a time on the stream's own clock with it
 * (messaging/stream_reader.c), not ours. */
long long ddbc_last_date(void);

/* The wait before a retry given the endpoint's hint (x-amz-retry-after, ms; < 0: none): the
 * hint, but at least backoff_ms (the policy's jittered backoff) and at most
 * DDBC_RETRY_AFTER_EXTRA_MS more -- the AWS SDKs' retries 2.1 (their 2026 defaults:
 * aws-sdk-go-v2#3400, aws-sdk-java-v2#6925; the max backoff is not applied to the hint).
 * Without a hint, backoff_ms.  A REST request's deadline still ends the retries (ddbc_call:
 * no wait past it). */
#define DDBC_RETRY_AFTER_EXTRA_MS 5000
long ddbc_hinted_delay_ms(long backoff_ms, long hint_ms);

/* A Retry-After header's value (v, n bytes, not NUL-terminated), as an HTTP service (a proxy,
 * a load balancer, API Gateway) sends it with a 503 or 429 (RFC 9110 10.2.3): delay-seconds,
 * or an HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms) counted from now.
 * The wait in ms (a date already past: 0; at most DDBC_RETRY_AFTER_MAX_S), or -1 when it is
 * neither.  ddbc_call takes it as the hint when the answer has no x-amz-retry-after (which
 * is more precise and wins), bounded the same way (ddbc_hinted_delay_ms); a hint longer than
 * the next retry's backoff cap plus DDBC_RETRY_AFTER_EXTRA_MS ends the call at once with that
 * answer's error (ddbc_last_retry_after_ms keeps the hint).  An answer that is no DynamoDB
 * JSON (an intermediary's page) is ERR_SERVICE_UNAVAILABLE for a 503, ERR_THROTTLING for a
 * 429, ERR_INTERNAL for another 5xx. */
#define DDBC_RETRY_AFTER_MAX_S 86400
long ddbc_parse_retry_after(const char *v, size_t n, time_t now);

/* The longest error type read from an answer (__type, code, x-amzn-ErrorType). */
#define DDBC_ETYPE_MAX 128

/* A plain GET of url (e.g. a server's /metrics) through the same libcurl, no signing, no
 * retries, at most max bytes.  *out: malloc'd NUL-terminated body (caller frees), *status:
 * the HTTP status.  ERR_TRANSPORT (cannot connect, timeout, too large), ERR_INTERNAL
 * (libcurl not loadable). */
int ddbc_http_get(const char *url, size_t max, long timeout_ms, char **out, long *status,
                  err_t *e);

#endif
