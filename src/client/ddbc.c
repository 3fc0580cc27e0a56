/*
 * ddbc — remote DynamoDB over libcurl: signing, connection reuse, retries.  Layer: client.
 * See ddbc.h.
 *
 * libcurl is loaded by the first ddbc_new (base/dynlib.h), not linked: only the
 * remote mode (--endpoint) needs it, and loading it with its library tree (OpenSSL, krb5,
 * LDAP, ssh2, nghttp2, ...) cost every start of the server 15-20 ms (BENCHMARKS.md).
 */
#include "client/ddbc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/dynlib.h"
#include "base/httpdate.h"
#include "base/log.h"
#include "value/jread.h"

#define DDBC_MAX_RESPONSE ((size_t)64 << 20)

struct ddbc {
    ddbc_config cfg;
    char url[600];
    char streams_url[620]; /* DynamoDB Streams' endpoint (see ddbc_streams_url) */
    char sigv4[128];          /* "aws:amz:<region>:dynamodb" */
    char userpwd[400];        /* "<access>:<secret>" */
    pthread_key_t handle_key; /* one CURL easy handle per thread */
    _Atomic bool aborted;     /* ddbc_abort: calls in flight end, new ones fail at once */
    _Atomic int quota;        /* retry tokens left (cfg.retry_quota at most) */
};

static pthread_once_t ddbc_global_once = PTHREAD_ONCE_INIT;
static __thread int ddbc_attempts;
static __thread long ddbc_retry_after = -1; /* the last call's last error's hint (ms) */
static __thread long long ddbc_date = -1;   /* the last call's last answer's Date (s) */
static __thread long long ddbc_deadline_at; /* monotonic ms; 0 = none (ddbc_deadline) */
static __thread long ddbc_deadline_len;     /* its length, for the error's text */
static __thread int ddbc_attempts_cap;      /* 0 = none (ddbc_attempts_max) */

void ddbc_attempts_max(int n)
{
    ddbc_attempts_cap = n > 0 ? n : 0;
}

void ddbc_deadline(long ms)
{
    ddbc_deadline_at = ms > 0 ? base_mono_ms() + ms : 0;
    ddbc_deadline_len = ms > 0 ? ms : 0;
}

/* Whether this thread's deadline has come (within 5 ms: libcurl's clipped timeout fires
 * about when it is due, not after). */
static long long ddbc_left_ms(void);
static bool ddbc_deadline_spent(void)
{
    long long left = ddbc_left_ms();
    return left >= 0 && left <= 5;
}

/* ms left before this thread's deadline (at least 0), or -1 when there is none */
static long long ddbc_left_ms(void)
{
    if (!ddbc_deadline_at)
        return -1;
    long long left = ddbc_deadline_at - base_mono_ms();
    return left > 0 ? left : 0;
}

#define DDBC_CURL_SONAME "libcurl.so.4"

/* The libcurl functions used, resolved once by ddbc_global_init. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_reset)(CURL *h);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode rc);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} ddbc_curl;
static char ddbc_curl_error[256] = "libcurl not loaded"; /* "" once ddbc_curl is usable */

static void ddbc_global_init(void)
{
    const dynlib_sym syms[] = {
        {"curl_global_init", &ddbc_curl.global_init},
        {"curl_easy_init", &ddbc_curl.easy_init},
        {"curl_easy_setopt", &ddbc_curl.easy_setopt},
        {"curl_easy_perform", &ddbc_curl.easy_perform},
        {"curl_easy_getinfo", &ddbc_curl.easy_getinfo},
        {"curl_easy_reset", &ddbc_curl.easy_reset},
        {"curl_easy_cleanup", &ddbc_curl.easy_cleanup},
        {"curl_easy_strerror", &ddbc_curl.easy_strerror},
        {"curl_slist_append", &ddbc_curl.slist_append},
        {"curl_slist_free_all", &ddbc_curl.slist_free_all},
    };
    char why[sizeof ddbc_curl_error];
    if (dynlib_open(DDBC_CURL_SONAME, syms, sizeof syms / sizeof syms[0], why, sizeof why) != 0) {
        memcpy(ddbc_curl_error, why, sizeof why);
        return;
    }
    if (ddbc_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(ddbc_curl_error, sizeof ddbc_curl_error, "curl_global_init failed");
        return;
    }
    ddbc_curl_error[0] = '\0';
}

int ddbc_last_attempts(void)
{
    return ddbc_attempts;
}

long ddbc_last_retry_after_ms(void)
{
    return ddbc_retry_after;
}

long long ddbc_last_date(void)
{
    return ddbc_date;
}

/* ---- configuration ------------------------------------------------------------------ */

static void ddbc_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static char *ddbc_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Reads `key` of section `section` from an INI-style AWS file into out (cap bytes).
 * Returns 1 when found. */
static int ddbc_ini_get(const char *path, const char *section, const char *key, char *out,
                        size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    int in = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = ddbc_trim(line);
        if (*s == '#' || *s == ';' || !*s)
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end)
                continue;
            *end = '\0';
            in = strcmp(ddbc_trim(s + 1), section) == 0;
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (strcmp(ddbc_trim(s), key) == 0) {
            ddbc_copy(out, cap, ddbc_trim(eq + 1));
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

static void ddbc_home_file(char *out, size_t cap, const char *env, const char *name)
{
    const char *p = getenv(env);
    if (p && *p) {
        ddbc_copy(out, cap, p);
        return;
    }
    const char *home = getenv("HOME");
    snprintf(out, cap, "%s/.aws/%s", home ? home : ".", name);
}

/* *out = the integer in environment variable name when it is one within [min, max];
 * returns 1 then, else 0 (unset or malformed values are ignored). */
static int ddbc_env_long(const char *name, long min, long max, long *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max)
        return 0;
    *out = n;
    return 1;
}

int ddbc_config_load(ddbc_config *cfg, const char *endpoint, const char *region, err_t *e)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 3000;
    cfg->request_timeout_ms = 10000;
    cfg->max_attempts = 4;
    cfg->base_delay_ms = 25;
    cfg->throttle_delay_ms = 1000;
    cfg->max_delay_ms = 20000;
    cfg->retry_quota = 500;

    const char *profile = getenv("AWS_PROFILE");
    if (!profile || !*profile)
        profile = "default";
    char cred_file[1024], conf_file[1024], conf_section[300];
    ddbc_home_file(cred_file, sizeof cred_file, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    ddbc_home_file(conf_file, sizeof conf_file, "AWS_CONFIG_FILE", "config");
    if (strcmp(profile, "default") == 0)
        ddbc_copy(conf_section, sizeof conf_section, "default");
    else
        snprintf(conf_section, sizeof conf_section, "profile %s", profile);

    /* credentials: environment, then the credentials file, then the config file */
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && *ak && sk && *sk) {
        ddbc_copy(cfg->access_key, sizeof cfg->access_key, ak);
        ddbc_copy(cfg->secret_key, sizeof cfg->secret_key, sk);
        ddbc_copy(cfg->session_token, sizeof cfg->session_token, getenv("AWS_SESSION_TOKEN"));
    } else if (ddbc_ini_get(cred_file, profile, "aws_access_key_id", cfg->access_key,
                            sizeof cfg->access_key) ||
               ddbc_ini_get(conf_file, conf_section, "aws_access_key_id", cfg->access_key,
                            sizeof cfg->access_key)) {
        if (!ddbc_ini_get(cred_file, profile, "aws_secret_access_key", cfg->secret_key,
                          sizeof cfg->secret_key))
            ddbc_ini_get(conf_file, conf_section, "aws_secret_access_key", cfg->secret_key,
                         sizeof cfg->secret_key);
        if (!ddbc_ini_get(cred_file, profile, "aws_session_token", cfg->session_token,
                          sizeof cfg->session_token))
            ddbc_ini_get(conf_file, conf_section, "aws_session_token", cfg->session_token,
                         sizeof cfg->session_token);
    }
    if (!cfg->access_key[0]) {
        /* a local endpoint accepts any signer */
        ddbc_copy(cfg->access_key, sizeof cfg->access_key, "local");
        ddbc_copy(cfg->secret_key, sizeof cfg->secret_key, "local");
    }

    /* region: flag, environment, config file, us-east-1 */
    const char *r = region && *region ? region : getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (r && *r)
        ddbc_copy(cfg->region, sizeof cfg->region, r);
    else if (!ddbc_ini_get(conf_file, conf_section, "region", cfg->region, sizeof cfg->region))
        ddbc_copy(cfg->region, sizeof cfg->region, "us-east-1");

    /* endpoint: flag, service-specific env, global env, config file, AWS */
    const char *ep = endpoint && *endpoint ? endpoint : getenv("AWS_ENDPOINT_URL_DYNAMODB");
    if (!ep || !*ep)
        ep = getenv("AWS_ENDPOINT_URL");
    if (ep && *ep)
        ddbc_copy(cfg->endpoint, sizeof cfg->endpoint, ep);
    else if (!ddbc_ini_get(conf_file, conf_section, "endpoint_url", cfg->endpoint,
                           sizeof cfg->endpoint))
        snprintf(cfg->endpoint, sizeof cfg->endpoint, "https://dynamodb.%s.amazonaws.com",
                 cfg->region);
    if (strncmp(cfg->endpoint, "http://", 7) != 0 && strncmp(cfg->endpoint, "https://", 8) != 0)
        return err_set(e, ERR_VALIDATION, "endpoint must start with http:// or https://: %s",
                       cfg->endpoint);

    long attempts;
    if (ddbc_env_long("DDBCHAT_MAX_ATTEMPTS", 1, 100, &attempts))
        cfg->max_attempts = (int)attempts;
    ddbc_env_long("DDBCHAT_REQUEST_TIMEOUT_MS", 1, 3600000, &cfg->request_timeout_ms);
    ddbc_env_long("DDBCHAT_CONNECT_TIMEOUT_MS", 1, 3600000, &cfg->connect_timeout_ms);
    return 0;
}

/* ---- a plain GET (ddbchat stats) ------------------------------------------------------- */

typedef struct ddbc_getbuf {
    char *p;
    size_t len, max;
    bool over;
} ddbc_getbuf;

static size_t ddbc_get_write(char *p, size_t size, size_t n, void *ud)
{
    ddbc_getbuf *b = ud;
    size_t add = size * n;
    if (b->len + add > b->max) {
        b->over = true;
        return 0;
    }
    char *np = realloc(b->p, b->len + add + 1);
    if (!np)
        return 0;
    memcpy(np + b->len, p, add);
    b->p = np;
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

int ddbc_http_get(const char *url, size_t max, long timeout_ms, char **out, long *status,
                  err_t *e)
{
    *out = NULL;
    *status = 0;
    pthread_once(&ddbc_global_once, ddbc_global_init);
    if (ddbc_curl_error[0])
        return err_set(e, ERR_INTERNAL, "HTTP client: %s", ddbc_curl_error);
    CURL *h = ddbc_curl.easy_init();
    if (!h)
        return err_set(e, ERR_NOMEM, "out of memory");
    ddbc_getbuf b = {.max = max};
    ddbc_curl.easy_setopt(h, CURLOPT_URL, url);
    ddbc_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, ddbc_get_write);
    ddbc_curl.easy_setopt(h, CURLOPT_WRITEDATA, &b);
    ddbc_curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    ddbc_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    ddbc_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = ddbc_curl.easy_perform(h);
    ddbc_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    ddbc_curl.easy_cleanup(h);
    if (cc != CURLE_OK) {
        free(b.p);
        return err_set(e, ERR_TRANSPORT, "GET %s: %s", url,
                       b.over ? "answer too large" : ddbc_curl.easy_strerror(cc));
    }
    if (!b.p && !(b.p = calloc(1, 1)))
        return err_set(e, ERR_NOMEM, "out of memory");
    *out = b.p;
    return 0;
}

/* ---- client --------------------------------------------------------------------------- */

static void ddbc_handle_free(void *h)
{
    ddbc_curl.easy_cleanup(h);
}

/* AWS serves DynamoDB Streams from its own host, streams.dynamodb.<region>.amazonaws.com
 * (same SigV4 service name, "dynamodb"); any other endpoint (ddbchat, DynamoDB Local) serves
 * both on one URL. */
static void ddbc_streams_url(const char *url, char *out, size_t cap)
{
    static const char pre[] = "https://dynamodb.";
    const char *host_end = strchr(url + sizeof pre - 1, '/');
    size_t hl = host_end ? (size_t)(host_end - url) : strlen(url);
    static const char aws[] = ".amazonaws.com";
    if (strncmp(url, pre, sizeof pre - 1) == 0 && hl >= sizeof aws - 1 &&
        strncmp(url + hl - (sizeof aws - 1), aws, sizeof aws - 1) == 0)
        snprintf(out, cap, "https://streams.%s", url + 8);
    else
        snprintf(out, cap, "%s", url);
}

int ddbc_new(const ddbc_config *cfg, ddbc_t **out, err_t *e)
{
    pthread_once(&ddbc_global_once, ddbc_global_init);
    if (ddbc_curl_error[0])
        return err_set(e, ERR_INTERNAL, "remote endpoint client: %s", ddbc_curl_error);
    ddbc_t *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->cfg = *cfg;
    if (c->cfg.max_attempts < 1)
        c->cfg.max_attempts = 1;
    c->quota = c->cfg.retry_quota;
    size_t n = strlen(cfg->endpoint);
    while (n && cfg->endpoint[n - 1] == '/')
        n--;
    snprintf(c->url, sizeof c->url, "%.*s/", (int)n, cfg->endpoint);
    ddbc_streams_url(c->url, c->streams_url, sizeof c->streams_url);
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:dynamodb", cfg->region);
    snprintf(c->userpwd, sizeof c->userpwd, "%s:%s", cfg->access_key, cfg->secret_key);
    if (pthread_key_create(&c->handle_key, ddbc_handle_free) != 0) {
        free(c);
        return err_set(e, ERR_INTERNAL, "pthread_key_create failed");
    }
    *out = c;
    return 0;
}

void ddbc_free(ddbc_t *c)
{
    if (!c)
        return;
    CURL *h = pthread_getspecific(c->handle_key);
    if (h) {
        ddbc_curl.easy_cleanup(h);
        pthread_setspecific(c->handle_key, NULL);
    }
    pthread_key_delete(c->handle_key);
    free(c);
}

typedef struct ddbc_resp {
    buf_t body;
    char crc[16]; /* x-amz-crc32 as sent, "" when absent */
    long retry_after_ms; /* x-amz-retry-after: whole milliseconds; -1 absent or not a number */
    long http_retry_after_ms; /* Retry-After (seconds or an HTTP-date) in ms; -1 absent or bad */
    long long date; /* Date (an HTTP-date), seconds since the epoch; -1 absent or bad */
    char etype[DDBC_ETYPE_MAX]; /* x-amzn-ErrorType as sent (cut to fit), "" when absent */
    int too_big;
    int unanswered; /* connected and sent, but no answer within the request timeout */
} ddbc_resp;

static size_t ddbc_on_body(char *p, size_t size, size_t n, void *ud)
{
    ddbc_resp *r = ud;
    if (buf_append(&r->body, p, size * n) != 0) {
        r->too_big = 1;
        return 0;
    }
    return size * n;
}

/* A header line's value when its name is `name` (with the colon), blanks around it and the
 * line end left out: *vlen bytes at the result; NULL for another header. */
static const char *ddbc_header_value(const char *p, size_t len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(p, name, nl) != 0)
        return NULL;
    size_t i = nl;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t end = len;
    while (end > i && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' ' ||
                       p[end - 1] == '\t'))
        end--;
    *vlen = end - i;
    return p + i;
}

long ddbc_parse_retry_after(const char *v, size_t n, time_t now)
{
    if (n == 0)
        return -1;
    if (v[0] >= '0' && v[0] <= '9') { /* delay-seconds = 1*DIGIT */
        long long sec = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9')
                return -1;
            if (sec < DDBC_RETRY_AFTER_MAX_S)
                sec = sec * 10 + (v[i] - '0');
        }
        return (long)(sec < DDBC_RETRY_AFTER_MAX_S ? sec : DDBC_RETRY_AFTER_MAX_S) * 1000;
    }
    /* HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must
     * also take (RFC 9110 5.6.7) */
    long long at = httpdate_parse(v, n, false);
    if (at < 0)
        return -1;
    long long d = at - (long long)now;
    if (d <= 0)
        return 0; /* a date past: no wait beyond the backoff */
    return (long)(d < DDBC_RETRY_AFTER_MAX_S ? d : DDBC_RETRY_AFTER_MAX_S) * 1000;
}

static size_t ddbc_on_header(char *p, size_t size, size_t n, void *ud)
{
    ddbc_resp *r = ud;
    size_t len = size * n, vl;
    const char *v;
    if ((v = ddbc_header_value(p, len, "x-amz-crc32:", &vl))) {
        size_t j = 0;
        while (j < vl && v[j] >= '0' && v[j] <= '9' && j < sizeof r->crc - 1) {
            r->crc[j] = v[j];
            j++;
        }
        r->crc[j] = '\0';
    } else if ((v = ddbc_header_value(p, len, "x-amz-retry-after:", &vl))) {
        /* whole milliseconds (the SDKs' retries 2.1); anything else is no hint */
        long ms = vl && vl <= 9 ? 0 : -1;
        for (size_t j = 0; ms >= 0 && j < vl; j++)
            ms = v[j] >= '0' && v[j] <= '9' ? ms * 10 + (v[j] - '0') : -1;
        r->retry_after_ms = ms;
    } else if ((v = ddbc_header_value(p, len, "Retry-After:", &vl))) {
        r->http_retry_after_ms = ddbc_parse_retry_after(v, vl, time(NULL));
    } else if ((v = ddbc_header_value(p, len, "Date:", &vl))) {
        r->date = httpdate_parse(v, vl, false);
    } else if ((v = ddbc_header_value(p, len, "x-amzn-ErrorType:", &vl))) {
        size_t k = vl < sizeof r->etype - 1 ? vl : sizeof r->etype - 1;
        memcpy(r->etype, v, k);
        r->etype[k] = '\0';
    }
    return len;
}

static CURL *ddbc_handle(ddbc_t *c)
{
    CURL *h = pthread_getspecific(c->handle_key);
    if (h) {
        ddbc_curl.easy_reset(h);
        return h;
    }
    h = ddbc_curl.easy_init();
    if (h)
        pthread_setspecific(c->handle_key, h);
    return h;
}

/* What a failed attempt is worth (the SDKs' standard mode): another attempt after a short
 * backoff (transient), after a long one (throttling: the endpoint asks to slow down), or
 * none. */
enum { DDBC_FINAL, DDBC_TRANSIENT, DDBC_THROTTLING };

static bool ddbc_in(const char *type, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(type, list[i]) == 0)
            return true;
    return false;
}

/* An error answer's kind from its (bare) type and HTTP status. */
static int ddbc_error_kind(const char *type, long status)
{
    /* botocore retries/standard.py ThrottledRetryableChecker (the union of every SDK's) */
    static const char *const throttling[] = {
        "Throttling",          "ThrottlingException",
        "ThrottledException",  "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException",
        "RequestThrottled",    "SlowDown",
        "EC2ThrottledException"};
    /* TransientRetryableChecker's codes, and DynamoDB's own 5xx types whatever the status */
    static const char *const transient[] = {"RequestTimeout", "RequestTimeoutException",
                                            "PriorRequestNotComplete", "InternalServerError",
                                            "ServiceUnavailable"};
    if (ddbc_in(type, throttling, sizeof throttling / sizeof throttling[0]) || status == 429)
        return DDBC_THROTTLING;
    if (ddbc_in(type, transient, sizeof transient / sizeof transient[0]) || status == 500 ||
        status == 502 || status == 503 || status == 504)
        return DDBC_TRANSIENT;
    return DDBC_FINAL;
}

long ddbc_backoff_cap_ms(const ddbc_config *cfg, int retry, bool throttling)
{
    long cap = throttling ? cfg->throttle_delay_ms : cfg->base_delay_ms;
    for (int i = 1; i < retry && cap < cfg->max_delay_ms; i++)
        cap *= 2;
    return cap > cfg->max_delay_ms ? cfg->max_delay_ms : cap;
}

long ddbc_hinted_delay_ms(long backoff_ms, long hint_ms)
{
    if (hint_ms < 0)
        return backoff_ms;
    if (hint_ms < backoff_ms)
        return backoff_ms;
    return hint_ms > backoff_ms + DDBC_RETRY_AFTER_EXTRA_MS ? backoff_ms + DDBC_RETRY_AFTER_EXTRA_MS
                                                            : hint_ms;
}

#define DDBC_SLEEP_SLICE_MS 50 /* a backoff re-checks ddbc_abort this often */

/* Full jitter: a random delay in [0, ddbc_backoff_cap_ms). */
static long ddbc_backoff_pick(const ddbc_t *c, int retry, bool throttling, unsigned *seed)
{
    long cap = ddbc_backoff_cap_ms(&c->cfg, retry, throttling);
    return cap > 0 ? (long)(rand_r(seed) % (unsigned)cap) : 0;
}

/* Sleeps ms in slices that end at ddbc_abort (a throttling backoff may be 20 s: a stop must
 * not wait it out; review23 MEDIUM 1,
 * test_remote_backend.py::test_stop_while_the_change_feed_is_throttled). */
static void ddbc_backoff(const ddbc_t *c, long ms)
{
    while (ms > 0 && !c->aborted) {
        long slice = ms < DDBC_SLEEP_SLICE_MS ? ms : DDBC_SLEEP_SLICE_MS;
        struct timespec ts = {0, slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}

/* The retry quota: takes cost tokens when that many are left (true), else none (false). */
static bool ddbc_quota_take(ddbc_t *c, int cost)
{
    if (c->cfg.retry_quota <= 0)
        return true;
    int q = c->quota;
    while (q >= cost)
        if (atomic_compare_exchange_weak(&c->quota, &q, q - cost))
            return true;
    return false;
}

static void ddbc_quota_give(ddbc_t *c, int n)
{
    if (c->cfg.retry_quota <= 0)
        return;
    int q = c->quota;
    while (q < c->cfg.retry_quota) {
        int nq = q + n > c->cfg.retry_quota ? c->cfg.retry_quota : q + n;
        if (atomic_compare_exchange_weak(&c->quota, &q, nq))
            break;
    }
}

/* One attempt.  Returns 0 with *status set when an HTTP answer arrived (body in r), or a
 * curl failure code (CURLcode > 0). */
/* libcurl's progress callback (at least once a second while a transfer waits): nonzero
 * ends the transfer (CURLE_ABORTED_BY_CALLBACK) once ddbc_abort was called. */
static int ddbc_on_progress(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
                            curl_off_t uln)
{
    (void)dlt, (void)dln, (void)ult, (void)uln;
    return ((ddbc_t *)ctx)->aborted ? 1 : 0;
}

void ddbc_abort(ddbc_t *c)
{
    if (c)
        c->aborted = true;
}

static CURLcode ddbc_attempt(ddbc_t *c, const char *op, const char *body, size_t body_len,
                             ddbc_resp *r, long *status)
{
    CURL *h = ddbc_handle(c);
    if (!h)
        return CURLE_FAILED_INIT;
    char target[128], token[4200];
    /* "DynamoDBStreams.GetRecords" (api/'s name) goes to the Streams service */
    static const char sp[] = "DynamoDBStreams.";
    bool streams = strncmp(op, sp, sizeof sp - 1) == 0;
    if (streams)
        snprintf(target, sizeof target, "X-Amz-Target: DynamoDBStreams_20120810.%s",
                 op + sizeof sp - 1);
    else
        snprintf(target, sizeof target, "X-Amz-Target: DynamoDB_20120810.%s", op);
    struct curl_slist *hdrs = NULL;
    hdrs = ddbc_curl.slist_append(hdrs, "Content-Type: application/x-amz-json-1.0");
    hdrs = ddbc_curl.slist_append(hdrs, target);
    /* No "Expect:" line to switch 100-continue off: libcurl 7.88's SigV4 signs every header
     * of this list, the empty one included, so SignedHeaders would name "expect" while the
     * request carries none and every signature check (AWS, ddbchat --credentials-file)
     * fails.  libcurl only sends Expect: 100-continue itself for bodies over 1 MB, and
     * unsigned (test_remote_backend.py::test_signing_right_pair_works). */
    if (c->cfg.session_token[0]) {
        snprintf(token, sizeof token, "X-Amz-Security-Token: %s", c->cfg.session_token);
        hdrs = ddbc_curl.slist_append(hdrs, token);
    }
    ddbc_curl.easy_setopt(h, CURLOPT_URL, streams ? c->streams_url : c->url);
    ddbc_curl.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    ddbc_curl.easy_setopt(h, CURLOPT_POST, 1L);
    ddbc_curl.easy_setopt(h, CURLOPT_POSTFIELDS, body);
    ddbc_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    ddbc_curl.easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
    ddbc_curl.easy_setopt(h, CURLOPT_USERPWD, c->userpwd);
    /* the thread's deadline (ddbc_deadline) clips both (at least 1 ms: 0 means "none") */
    long long left = ddbc_left_ms();
    long connect_ms = c->cfg.connect_timeout_ms, request_ms = c->cfg.request_timeout_ms;
    if (left >= 0 && left < connect_ms)
        connect_ms = left > 0 ? (long)left : 1;
    if (left >= 0 && left < request_ms)
        request_ms = left > 0 ? (long)left : 1;
    ddbc_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    ddbc_curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, request_ms);
    ddbc_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    ddbc_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, ddbc_on_body);
    ddbc_curl.easy_setopt(h, CURLOPT_WRITEDATA, r);
    ddbc_curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, ddbc_on_header);
    ddbc_curl.easy_setopt(h, CURLOPT_HEADERDATA, r);
    ddbc_curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    ddbc_curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, ddbc_on_progress);
    ddbc_curl.easy_setopt(h, CURLOPT_XFERINFODATA, c);
    /* No Accept-Encoding: DynamoDB computes x-amz-crc32 over the gzip-compressed bytes, while
     * libcurl would hand us the decoded body, so every compressed (large) answer would look
     * corrupt (aws/aws-sdk-java#526).  botocore does not ask for compression either. */
    CURLcode rc = ddbc_curl.easy_perform(h);
    if (rc == CURLE_OK)
        ddbc_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    /* the request went out (bytes sent): the endpoint took it and never answered.  Not the
     * connect time: libcurl reports none for a reused (kept-alive) connection */
    long sent = 0;
    if (rc == CURLE_OPERATION_TIMEDOUT &&
        ddbc_curl.easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0)
        r->unanswered = 1;
    ddbc_curl.slist_free_all(hdrs);
    return rc;
}

/* A TransactionCanceledException's reasons read from its message, where some backends give
 * them only there (localstack, moto, some DynamoDB Local builds: "Transaction cancelled,
 * please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"):
 * the bracketed list that ends the message, codes in TransactItems' order, as the
 * CancellationReasons array AWS sends ([{"Code":...}], a new reference).  NULL when the
 * message ends with no such list (each code letters only) or out of memory. */
static json_t *ddbc_reasons_from_message(const char *msg)
{
    const char *open = strrchr(msg, '[');
    size_t len = strlen(msg);
    if (!open || len < 2 || msg[len - 1] != ']')
        return NULL;
    json_t *why = json_array();
    const char *p = open + 1, *end = msg + len - 1;
    while (why && p <= end) {
        while (p < end && *p == ' ')
            p++;
        const char *q = p;
        while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
            q++;
        const char *r = q;
        while (r < end && *r == ' ')
            r++;
        if (q == p || (r < end && *r != ',') || q - p > 64 ||
            json_array_append_new(why, json_pack("{s:s%}", "Code", p, (size_t)(q - p)))) {
            json_decref(why);
            return NULL;
        }
        p = r + 1; /* past the ',' (or the ']': the end) */
    }
    return why;
}

/* Turns an error body into (code, message, extras).  Returns the ERR_* code.  The type is the
 * body's __type, or else its "code", or else the x-amzn-ErrorType header's (`header`, "" when
 * absent), each read as the SDKs read it: the part before a ':' (a trailing URL) and after a
 * '#' (a namespace); that bare type into out_type. */
static int ddbc_error_from_body(json_t *doc, long status, const char *header, json_t **out_extra,
                                err_t *e, char out_type[DDBC_ETYPE_MAX])
{
    const char *type = json_string_value(json_object_get(doc, "__type"));
    if (!type || !*type)
        type = json_string_value(json_object_get(doc, "code"));
    if ((!type || !*type) && header && *header)
        type = header;
    const char *msg = json_string_value(json_object_get(doc, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(doc, "Message"));
    if (!msg)
        msg = "";
    char bare_buf[DDBC_ETYPE_MAX];
    size_t tl = type ? strcspn(type, ":") : 0;
    if (tl >= sizeof bare_buf)
        tl = sizeof bare_buf - 1;
    memcpy(bare_buf, type ? type : "", tl);
    bare_buf[tl] = '\0';
    const char *hash = strrchr(bare_buf, '#');
    const char *bare = hash ? hash + 1 : bare_buf;
    snprintf(out_type, DDBC_ETYPE_MAX, "%s", bare);
    int code = err_code_from_type(bare);
    if (code == 0) { /* a type we do not know is reported as itself, never as a known one */
        code = ERR_FOREIGN;
        if (*bare)
            err_set(e, code, "%s: %s", bare, msg);
        else
            err_set(e, code, "HTTP %ld without an error type: %s", status, msg);
    } else {
        err_set(e, code, "%s", msg);
    }
    json_t *extra = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "__type") && strcmp(k, "message") && strcmp(k, "Message"))
            json_object_set(extra, k, v);
    }
    json_t *why = code == ERR_TRANSACTION_CANCELED && extra &&
                          !json_object_get(doc, "CancellationReasons")
                      ? ddbc_reasons_from_message(msg)
                      : NULL;
    if (why)
        json_object_set_new(extra, "CancellationReasons", why);
    if (json_object_size(extra) == 0) {
        json_decref(extra);
        extra = NULL;
    }
    *out_extra = extra;
    return code;
}

/* The paged operations: the answer's member naming where the next page starts (under
 * `within` when not NULL) and the request's member that asks for that page. */
static const struct ddbc_paging {
    const char *op, *within, *next, *start;
    bool key; /* an object (a key), else a string */
} ddbc_pagings[] = {
    {"Query", NULL, "LastEvaluatedKey", "ExclusiveStartKey", true},
    {"Scan", NULL, "LastEvaluatedKey", "ExclusiveStartKey", true},
    {"ListTables", NULL, "LastEvaluatedTableName", "ExclusiveStartTableName", false},
    {"ListTagsOfResource", NULL, "NextToken", "NextToken", false},
    {"DynamoDBStreams.ListStreams", NULL, "LastEvaluatedStreamArn", "ExclusiveStartStreamArn",
     false},
    {"DynamoDBStreams.DescribeStream", "StreamDescription", "LastEvaluatedShardId",
     "ExclusiveStartShardId", false},
};

/* A paged operation's answer whose next-page member is of the wrong type (a
 * LastEvaluatedKey that is no key), or is the start it was sent: every caller pages while
 * one comes back, so such an endpoint kept each of them (a CLI scan, the handle fold of
 * `user show`, an export, list-tables) asking for the same page forever; botocore's
 * paginator stops the same way ("The same next token was received twice").  ERR_INTERNAL,
 * not retried (the same request gets the same answer).
 * (tests/e2e/test_remote_backend.py::test_paging_that_would_never_end_fails) */
static int ddbc_check_paging(const ddbc_t *c, const char *op, const json_t *req,
                             const json_t *resp, err_t *e)
{
    for (size_t i = 0; i < sizeof ddbc_pagings / sizeof ddbc_pagings[0]; i++) {
        const struct ddbc_paging *p = &ddbc_pagings[i];
        if (strcmp(op, p->op) != 0)
            continue;
        const json_t *in = p->within ? json_object_get(resp, p->within) : resp;
        const json_t *next = json_object_get(in, p->next);
        if (!next || json_is_null(next))
            return 0;
        if (p->key ? !json_is_object(next) : !json_is_string(next))
            return err_set(e, ERR_INTERNAL, "unreadable %s answer from %s: its %s is not %s",
                           op, c->url, p->next, p->key ? "a key" : "a string");
        if (json_equal(next, json_object_get(req, p->start)))
            return err_set(e, ERR_INTERNAL,
                           "%s answer from %s names the %s it was sent as its %s: its pages "
                           "would never end",
                           op, c->url, p->start, p->next);
        return 0;
    }
    return 0;
}

int ddbc_call(ddbc_t *c, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    *out_resp = NULL;
    ddbc_attempts = 0;
    char *body = json_dumps(req, JSON_COMPACT);
    if (!body)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t body_len = strlen(body);
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
    /* this thread's cap (ddbc_attempts_max) when below the client's */
    int max_attempts = ddbc_attempts_cap && ddbc_attempts_cap < c->cfg.max_attempts
                           ? ddbc_attempts_cap
                           : c->cfg.max_attempts;
    int rc = 0;
    err_t last;
    err_clear(&last);
    json_t *last_extra = NULL;
    int kind = DDBC_FINAL; /* the last failed attempt's */
    int cost = 0;          /* the retry quota's tokens the last retry took */
    bool quota_spent = false;

    bool past_deadline = false; /* the thread's deadline ended the call */
    long hint = -1; /* the last failed attempt's x-amz-retry-after or Retry-After */
    ddbc_retry_after = -1;
    ddbc_date = -1;
    for (int attempt = 0; attempt < max_attempts; attempt++) {
        if (attempt > 0 && !c->aborted) {
            long ms = ddbc_hinted_delay_ms(
                ddbc_backoff_pick(c, attempt, kind == DDBC_THROTTLING, &seed), hint);
            long long left = ddbc_left_ms();
            if (left >= 0 && ms >= left) { /* the retry would start past the deadline */
                past_deadline = true;
                break;
            }
            ddbc_backoff(c, ms);
        }
        if (c->aborted) { /* ddbc_abort: no (further) attempt */
            rc = err_set(&last, ERR_TRANSPORT, "%s: the call was aborted (stopping)", c->url);
            kind = DDBC_FINAL;
            break;
        }
        if (ddbc_deadline_spent()) { /* spent before this attempt */
            past_deadline = true;
            break;
        }
        ddbc_attempts = attempt + 1;
        ddbc_resp r;
        buf_init(&r.body, DDBC_MAX_RESPONSE);
        r.crc[0] = '\0';
        r.retry_after_ms = -1;
        r.http_retry_after_ms = -1;
        r.date = -1;
        r.etype[0] = '\0';
        r.too_big = 0;
        r.unanswered = 0;
        long status = 0;
        json_decref(last_extra);
        last_extra = NULL;
        err_clear(&last);
        kind = DDBC_FINAL;
        CURLcode cc = ddbc_attempt(c, op, body, body_len, &r, &status);
        if (cc == CURLE_OK)
            ddbc_date = r.date; /* this answer's, or none: never an earlier attempt's */
        if (cc != CURLE_OK) {
            /* an endpoint that took the request and never answered is not one that "cannot
             * be reached" (test_remote_backend.py::test_hung_endpoint_is_a_bounded_503) */
            if (r.unanswered)
                rc = err_set(&last, ERR_TRANSPORT,
                             "no answer from %s: timed out after %ld ms (attempt %d of %d)",
                             c->url, c->cfg.request_timeout_ms, attempt + 1,
                             max_attempts);
            else
                rc = err_set(&last, ERR_TRANSPORT, "cannot reach %s: %s", c->url,
                             r.too_big ? "response too large" : ddbc_curl.easy_strerror(cc));
            buf_fini(&r.body);
            /* connection failures and timeouts are transient; an answer too large is not */
            kind = r.too_big ? DDBC_FINAL : DDBC_TRANSIENT;
        } else if (r.crc[0] &&
                   strtoul(r.crc, NULL, 10) !=
                       crc32(0L, r.body.data ? r.body.data : (const Bytef *)"",
                             (uInt)r.body.len)) {
            rc = err_set(&last, ERR_TRANSPORT, "response CRC32 mismatch from %s", c->url);
            buf_fini(&r.body);
            kind = DDBC_TRANSIENT;
        } else {
            /* our reader: an item's attribute names may hold U+0000 (json_loadb refuses
             * them) */
            jread_error jerr;
            json_t *doc = r.body.len
                              ? jread_jansson((const char *)r.body.data, r.body.len, &jerr)
                              : NULL;
            buf_fini(&r.body);
            /* a 200 whose body is an error document (a shim's, a proxy's) is that error: the
             * SDKs go by the status alone (botocore parsers.py) and would hand back an empty
             * answer; no DynamoDB or Streams output has a top-level __type, message or
             * Message member (botocore 1.43's models)
             * (test_ddbc.c test_200_error_document_is_an_error) */
            if (status == 200 && json_is_object(doc) && !json_object_get(doc, "__type") &&
                !json_object_get(doc, "message") && !json_object_get(doc, "Message")) {
                *out_resp = doc;
                rc = 0;
                ddbc_retry_after = -1;
                break;
            }
            if (!json_is_object(doc)) {
                json_decref(doc);
                /* an HTTP intermediary's page (a proxy's, a load balancer's): its 503 says
                 * the endpoint is unavailable and its 429 that it throttles, as DynamoDB's own
                 * types would (the REST API answers 503, not a 500 "storage") */
                rc = err_set(&last,
                             status == 503   ? ERR_SERVICE_UNAVAILABLE
                             : status == 429 ? ERR_THROTTLING
                             : status >= 500 ? ERR_INTERNAL
                                             : ERR_TRANSPORT,
                             "unexpected HTTP %ld answer from %s", status, c->url);
                kind = status == 0 ? DDBC_TRANSIENT : ddbc_error_kind("", status);
            } else {
                char type[DDBC_ETYPE_MAX];
                rc = ddbc_error_from_body(doc, status, r.etype, &last_extra, &last, type);
                kind = ddbc_error_kind(type, status);
                json_decref(doc);
            }
        }
        /* x-amz-retry-after (ms) when sent, else Retry-After (an HTTP service's, in seconds) */
        hint = cc != CURLE_OK ? -1 : r.retry_after_ms >= 0 ? r.retry_after_ms
                                                           : r.http_retry_after_ms;
        ddbc_retry_after = hint;
        if (kind == DDBC_FINAL)
            break;
        /* a hint past what the next retry may wait (a maintenance page's Retry-After: 3600):
         * no retry honours it, so none is made and the caller passes the hint on (before:
         * ~5 s slept before each attempt, for the same answer; review25) */
        if (hint > ddbc_backoff_cap_ms(&c->cfg, attempt + 1, kind == DDBC_THROTTLING) +
                       DDBC_RETRY_AFTER_EXTRA_MS)
            break;
        if (ddbc_deadline_spent()) { /* this attempt ran into the deadline */
            past_deadline = true;
            break;
        }
        if (attempt + 1 >= max_attempts)
            break;
        cost = kind == DDBC_THROTTLING ? DDBC_RETRY_COST_THROTTLING : DDBC_RETRY_COST_TRANSIENT;
        if (!ddbc_quota_take(c, cost)) {
            quota_spent = true;
            break;
        }
    }
    free(body);
    if (past_deadline) { /* not the endpoint's own refusal: it did not serve in time */
        json_decref(last_extra);
        last_extra = NULL;
        /* the last attempt's error, unless it only says the same ("no answer from") */
        bool say = rc && strncmp(last.msg, "no answer from", 14) != 0;
        bool typed = rc != ERR_TRANSPORT && rc != ERR_FOREIGN;
        if (say)
            err_set(e, ERR_TRANSPORT,
                    "no answer from %s within the request's deadline of %ld ms (attempt %d "
                    "of %d: %s%s%s)",
                    c->url, ddbc_deadline_len, ddbc_attempts, max_attempts,
                    typed ? err_type(rc) : "", typed ? ": " : "", last.msg);
        else if (rc)
            err_set(e, ERR_TRANSPORT,
                    "no answer from %s within the request's deadline of %ld ms (attempt %d "
                    "of %d)",
                    c->url, ddbc_deadline_len, ddbc_attempts, max_attempts);
        else
            err_set(e, ERR_TRANSPORT, "no answer from %s within the request's deadline of %ld ms",
                    c->url, ddbc_deadline_len);
        return ERR_TRANSPORT;
    }
    if (rc) {
        if (quota_spent)
            err_set(e, rc, "%s (not retried: the client's retry quota is spent while the "
                           "endpoint keeps failing; it refills as calls succeed)",
                    last.msg);
        else
            err_set(e, rc, "%s", last.msg);
        *out_resp = last_extra;
    } else {
        json_decref(last_extra);
        ddbc_quota_give(c, ddbc_attempts > 1 ? cost : DDBC_NO_RETRY_INCREMENT);
        if ((rc = ddbc_check_paging(c, op, req, *out_resp, e))) {
            json_decref(*out_resp);
            *out_resp = NULL;
        }
    }
    return rc;
}
