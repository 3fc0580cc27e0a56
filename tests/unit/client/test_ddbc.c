/*
 * Unit tests for client/ddbc: retries, backoff limits, error mapping, CRC32 checking,
 * signing headers and SDK-style configuration.  A scripted HTTP server runs in a thread on
 * a loopback port and answers each request with the next scripted reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "client/ddbc.h"

enum { FK_OK, FK_500, FK_THROTTLE, FK_VALIDATION, FK_DROP, FK_BADCRC, FK_CANCELED, FK_FOREIGN,
       FK_CANCELED_IN_MESSAGE, FK_CANCELED_ODD_MESSAGE,
       FK_503_RETRY_AFTER_1, FK_503_RETRY_AFTER_DATE, FK_OK_DATED, FK_500_DATED, FK_503_HTML_DAY, FK_503_HTML, FK_429_HTML,
       FK_200_VALIDATION, FK_200_THROTTLE, FK_200_TYPE_ONLY, FK_200_MESSAGE_ONLY,
       FK_200_NESTED_MESSAGE };

typedef struct fake {
    int fd;
    int port;
    int script[16];
    int n_script;
    int served;
    char last_request[8192];
    pthread_t th;
} fake_t;

static void fake_reply_h(int c, int status, const char *body, int good_crc, const char *extra)
{
    char head[512];
    unsigned long crc = crc32(0L, (const Bytef *)body, (uInt)strlen(body));
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n%s"
                     "x-amz-crc32: %lu\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, extra, good_crc ? crc : crc + 1, strlen(body));
    if (write(c, head, (size_t)n) < 0 || write(c, body, strlen(body)) < 0)
        return;
}

static void fake_reply(int c, int status, const char *body, int good_crc)
{
    fake_reply_h(c, status, body, good_crc, "");
}

static void *fake_main(void *arg)
{
    fake_t *f = arg;
    for (;;) {
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        /* read headers + body (Content-Length) */
        char req[8192];
        size_t got = 0;
        for (;;) {
            ssize_t r = read(c, req + got, sizeof req - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            char *end = strstr(req, "\r\n\r\n");
            if (end) {
                char *cl = strcasestr(req, "content-length:");
                size_t want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
                if (got >= (size_t)(end + 4 - req) + want)
                    break;
            }
        }
        snprintf(f->last_request, sizeof f->last_request, "%s", req);
        int what = f->served < f->n_script ? f->script[f->served] : FK_OK;
        f->served++;
        switch (what) {
        case FK_OK:
            fake_reply(c, 200, "{\"TableNames\":[\"t\"]}", 1);
            break;
        case FK_500:
            fake_reply(c, 500,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
                       "\"message\":\"boom\"}",
                       1);
            break;
        case FK_THROTTLE:
            fake_reply(c, 400,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "ProvisionedThroughputExceededException\",\"message\":\"slow down\"}",
                       1);
            break;
        case FK_VALIDATION:
            fake_reply(c, 400,
                       "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                       "\"message\":\"bad thing\"}",
                       1);
            break;
        case FK_CANCELED:
            fake_reply(c, 400,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "TransactionCanceledException\",\"message\":\"Transaction cancelled\","
                       "\"CancellationReasons\":[{\"Code\":\"None\"}]}",
                       1);
            break;
        case FK_CANCELED_IN_MESSAGE: /* localstack's, moto's: the reasons only in the text */
            fake_reply(c, 400,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "TransactionCanceledException\",\"Message\":\"Transaction cancelled, "
                       "please refer cancellation reasons for specific reasons "
                       "[ConditionalCheckFailed, None]\"}",
                       1);
            break;
        case FK_CANCELED_ODD_MESSAGE: /* a bracket that is no list of codes */
            fake_reply(c, 400,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "TransactionCanceledException\",\"message\":\"Transaction cancelled "
                       "[see the {docs}]\"}",
                       1);
            break;
        case FK_FOREIGN:
            fake_reply(c, 400, "{\"__type\":\"com.example#NewThingException\",\"message\":\"no\"}",
                       1);
            break;
        case FK_BADCRC:
            fake_reply(c, 200, "{\"TableNames\":[]}", 0);
            break;
        case FK_200_VALIDATION: /* an error document under a 200 (a broken proxy, a shim) */
            fake_reply(c, 200,
                       "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                       "\"message\":\"bad thing\"}",
                       1);
            break;
        case FK_200_THROTTLE:
            fake_reply(c, 200,
                       "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                       "ThrottlingException\",\"message\":\"slow down\"}",
                       1);
            break;
        case FK_200_MESSAGE_ONLY: /* a gateway's document: a message, no type */
            fake_reply(c, 200, "{\"message\":\"Forbidden\"}", 1);
            break;
        case FK_200_NESTED_MESSAGE: /* BatchExecuteStatement's answer: a member's own Error */
            fake_reply(c, 200,
                       "{\"Responses\":[{\"Error\":{\"Code\":\"ValidationError\","
                       "\"Message\":\"m\"}}]}",
                       1);
            break;
        case FK_200_TYPE_ONLY:
            fake_reply(c, 200, "{\"__type\":\"\",\"TableNames\":[\"t\"]}", 1);
            break;
        case FK_DROP:
            break;
        case FK_503_RETRY_AFTER_1: /* a load balancer's 503, with an HTTP service's hint */
            fake_reply_h(c, 503, "{\"message\":\"busy\"}", 1, "Retry-After: 1\r\n");
            break;
        case FK_503_HTML_DAY: /* a load balancer's maintenance page: come back tomorrow */
            fake_reply_h(c, 503, "<html><body>down for maintenance</body></html>", 1,
                         "Retry-After: 86400\r\n");
            break;
        case FK_503_HTML:
            fake_reply_h(c, 503, "<html><body>no healthy upstream</body></html>", 1, "");
            break;
        case FK_429_HTML:
            fake_reply_h(c, 429, "<html><body>rate limited</body></html>", 1, "");
            break;
        case FK_OK_DATED: /* an answer stamped with the endpoint's clock */
            fake_reply_h(c, 200, "{\"TableNames\":[]}", 1,
                         "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
            break;
        case FK_500_DATED:
            fake_reply_h(c, 500,
                         "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                         "InternalServerError\",\"message\":\"x\"}",
                         1, "Date: Sun, 06 Nov 1994 08:49:40 GMT\r\n");
            break;
        case FK_503_RETRY_AFTER_DATE: {
            char h[96], d[64];
            time_t at = time(NULL) + 2;
            struct tm tm;
            gmtime_r(&at, &tm);
            strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S GMT", &tm);
            snprintf(h, sizeof h, "Retry-After: %s\r\n", d);
            fake_reply_h(c, 503, "{\"message\":\"busy\"}", 1, h);
            break;
        }
        }
        close(c);
    }
}

static fake_t *fake_start(const int *script, int n)
{
    fake_t *f = calloc(1, sizeof *f);
    memcpy(f->script, script, (size_t)n * sizeof *script);
    f->n_script = n;
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(f->fd, (struct sockaddr *)&a, &len);
    f->port = ntohs(a.sin_port);
    pthread_create(&f->th, NULL, fake_main, f);
    return f;
}

static void fake_stop(fake_t *f)
{
    shutdown(f->fd, SHUT_RDWR);
    close(f->fd);
    pthread_join(f->th, NULL);
    free(f);
}

static ddbc_t *client_for(fake_t *f, int max_attempts)
{
    ddbc_config cfg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->port);
    err_t e = {0};
    assert_int_equal(ddbc_config_load(&cfg, url, "eu-west-1", &e), 0);
    cfg.max_attempts = max_attempts;
    cfg.base_delay_ms = 1;
    cfg.throttle_delay_ms = 1;
    cfg.max_delay_ms = 4;
    ddbc_t *c;
    assert_int_equal(ddbc_new(&cfg, &c, &e), 0);
    return c;
}

static ddbc_t *client_for_quota(fake_t *f, int quota)
{
    ddbc_config cfg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->port);
    err_t e = {0};
    assert_int_equal(ddbc_config_load(&cfg, url, "eu-west-1", &e), 0);
    cfg.base_delay_ms = 1;
    cfg.throttle_delay_ms = 1;
    cfg.max_delay_ms = 4;
    cfg.retry_quota = quota;
    ddbc_t *c;
    assert_int_equal(ddbc_new(&cfg, &c, &e), 0);
    return c;
}

static int call(ddbc_t *c, json_t **resp, err_t *e)
{
    json_t *req = json_pack("{s:i}", "Limit", 10);
    int rc = ddbc_call(c, "ListTables", req, resp, e);
    json_decref(req);
    return rc;
}

static void test_success_and_signing(void **state)
{
    int script[] = {FK_OK};
    fake_t *f = fake_start(script, 1);
    ddbc_t *c = client_for(f, 3);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(resp, "TableNames"), 0)),
                        "t");
    assert_int_equal(ddbc_last_attempts(), 1);
    /* the request carries the target, the JSON 1.0 content type and a SigV4 signature
     * scoped to the region and the dynamodb service */
    assert_non_null(strcasestr(f->last_request, "X-Amz-Target: DynamoDB_20120810.ListTables"));
    assert_non_null(strcasestr(f->last_request, "application/x-amz-json-1.0"));
    assert_non_null(strstr(f->last_request, "AWS4-HMAC-SHA256 Credential="));
    assert_non_null(strstr(f->last_request, "/eu-west-1/dynamodb/aws4_request"));
    assert_non_null(strcasestr(f->last_request, "x-amz-date:"));
    /* every header named in SignedHeaders is sent (libcurl 7.88 signed the empty "Expect:"
     * line that switches 100-continue off: SignedHeaders said "expect", the request had
     * none, and every verifying endpoint refused the signature) */
    const char *sh = strstr(f->last_request, "SignedHeaders=");
    assert_non_null(sh);
    char names[256];
    size_t n = strcspn(sh + 14, ", \r\n");
    snprintf(names, sizeof names, "%.*s", (int)n, sh + 14);
    assert_null(strstr(names, "expect"));
    for (const char *h = names; *h;) {
        size_t len = strcspn(h, ";");
        char line[64];
        snprintf(line, sizeof line, "\n%.*s:", (int)len, h);
        assert_non_null(strcasestr(f->last_request, line));
        h += len + (h[len] == ';');
    }
    /* no compressed answers asked for: DynamoDB's CRC32 covers the compressed bytes */
    assert_null(strcasestr(f->last_request, "gzip"));
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

static void test_retries_5xx_throttle_drop_badcrc(void **state)
{
    int script[] = {FK_500, FK_THROTTLE, FK_DROP, FK_BADCRC, FK_OK};
    fake_t *f = fake_start(script, 5);
    ddbc_t *c = client_for(f, 5);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(ddbc_last_attempts(), 5);
    assert_int_equal(f->served, 5);
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

/* ddbc_attempts_max(1): a throttled call fails at its first answer, no retry, no back-off;
 * the cap is this thread's, and lifted again by 0 */
static void test_attempts_cap_is_per_thread(void **state)
{
    (void)state;
    int script[] = {FK_THROTTLE, FK_THROTTLE, FK_OK};
    fake_t *f = fake_start(script, 3);
    ddbc_t *c = client_for(f, 4);
    json_t *resp = NULL;
    err_t e = {0};
    ddbc_attempts_max(1);
    assert_int_equal(call(c, &resp, &e), ERR_PROVISIONED_THROUGHPUT);
    assert_int_equal(ddbc_last_attempts(), 1);
    assert_int_equal(f->served, 1);
    ddbc_attempts_max(0);
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(ddbc_last_attempts(), 2);
    assert_int_equal(f->served, 3);
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

static void test_gives_up_with_last_error(void **state)
{
    int script[] = {FK_500, FK_500, FK_THROTTLE, FK_OK};
    fake_t *f = fake_start(script, 4);
    ddbc_t *c = client_for(f, 3);
    json_t *resp = NULL;
    err_t e = {0};
    int rc = call(c, &resp, &e);
    assert_int_equal(rc, ERR_PROVISIONED_THROUGHPUT);
    assert_string_equal(err_type(rc), "ProvisionedThroughputExceededException");
    assert_string_equal(e.msg, "slow down");
    assert_int_equal(ddbc_last_attempts(), 3);
    assert_int_equal(f->served, 3);
    assert_null(resp);
    ddbc_free(c);
    fake_stop(f);
}

static void test_non_retryable_returned_at_once(void **state)
{
    int script[] = {FK_VALIDATION, FK_OK};
    fake_t *f = fake_start(script, 2);
    ddbc_t *c = client_for(f, 5);
    json_t *resp = NULL;
    err_t e = {0};
    int rc = call(c, &resp, &e);
    assert_int_equal(rc, ERR_VALIDATION);
    assert_string_equal(e.msg, "bad thing");
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);
}

/* A 200 whose body is an error document is that error, never a success: botocore goes by the
 * status alone (parsers.py: status >= 301 is an error) and would hand its caller an empty
 * ListTables; ddbc reports the error the body names and retries it as its type says (a
 * throttle is retried, a ValidationException is not).  An answer that merely carries an empty
 * __type, or a gateway's {"message": ...} alone, is an error too: no operation's output has
 * those members. */
static void test_200_error_document_is_an_error(void **state)
{
    (void)state;
    int script[] = {FK_200_VALIDATION, FK_OK};
    fake_t *f = fake_start(script, 2);
    ddbc_t *c = client_for(f, 4);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), ERR_VALIDATION);
    assert_string_equal(e.msg, "bad thing");
    assert_null(resp);
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);

    int script2[] = {FK_200_THROTTLE, FK_OK};
    f = fake_start(script2, 2);
    c = client_for(f, 4);
    e = (err_t){0};
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(f->served, 2);
    json_decref(resp);
    resp = NULL;
    ddbc_free(c);
    fake_stop(f);

    int script3[] = {FK_200_TYPE_ONLY, FK_OK};
    f = fake_start(script3, 2);
    c = client_for(f, 4);
    e = (err_t){0};
    assert_int_equal(call(c, &resp, &e), ERR_FOREIGN);
    assert_string_equal(e.msg, "HTTP 200 without an error type: ");
    json_decref(resp); /* the error body's other members, as for any error (ddbc.h) */
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);

    int script4[] = {FK_200_MESSAGE_ONLY, FK_OK};
    f = fake_start(script4, 2);
    c = client_for(f, 4);
    e = (err_t){0};
    resp = NULL;
    assert_int_equal(call(c, &resp, &e), ERR_FOREIGN);
    assert_string_equal(e.msg, "HTTP 200 without an error type: Forbidden");
    assert_null(resp);
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);

    /* ... but only at the top: a batch member's Error with its Message is an answer */
    int script5[] = {FK_200_NESTED_MESSAGE};
    f = fake_start(script5, 1);
    c = client_for(f, 4);
    e = (err_t){0};
    assert_int_equal(call(c, &resp, &e), 0);
    assert_non_null(json_object_get(resp, "Responses"));
    json_decref(resp);
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);
}

/* A type the client does not know is ERR_FOREIGN with "<type>: <message>", not retried,
 * never a ValidationException. */
static void test_foreign_type_reported_as_itself(void **state)
{
    (void)state;
    int script[] = {FK_FOREIGN, FK_OK};
    fake_t *f = fake_start(script, 2);
    ddbc_t *c = client_for(f, 4);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), ERR_FOREIGN);
    assert_string_equal(e.msg, "NewThingException: no");
    assert_int_equal(f->served, 1);
    ddbc_free(c);
    fake_stop(f);
}

static void test_error_extras_kept(void **state)
{
    int script[] = {FK_CANCELED};
    fake_t *f = fake_start(script, 1);
    ddbc_t *c = client_for(f, 5);
    json_t *extra = NULL;
    err_t e = {0};
    int rc = call(c, &extra, &e);
    assert_int_equal(rc, ERR_TRANSACTION_CANCELED);
    assert_non_null(extra);
    assert_true(json_is_array(json_object_get(extra, "CancellationReasons")));
    json_decref(extra);
    ddbc_free(c);
    fake_stop(f);
}

/* A TransactionCanceledException whose reasons are only in its message (localstack, moto,
 * some DynamoDB Local builds: "... for specific reasons [ConditionalCheckFailed, None]")
 * gets them as CancellationReasons, in order, as AWS gives them; a message without such a
 * list gets none.  Before session 29 there were none: the messaging service took every item
 * as failed (a superseded rename refound all its conversations 8 times a batch size). */
static void test_cancel_reasons_from_the_message(void **state)
{
    (void)state;
    int script[] = {FK_CANCELED_IN_MESSAGE, FK_CANCELED_ODD_MESSAGE};
    fake_t *f = fake_start(script, 2);
    ddbc_t *c = client_for(f, 5);
    json_t *extra = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &extra, &e), ERR_TRANSACTION_CANCELED);
    json_t *why = json_object_get(extra, "CancellationReasons");
    assert_int_equal(json_array_size(why), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(why, 0), "Code")),
                        "ConditionalCheckFailed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(why, 1), "Code")),
                        "None");
    json_decref(extra);
    extra = NULL;
    err_clear(&e);
    assert_int_equal(call(c, &extra, &e), ERR_TRANSACTION_CANCELED);
    assert_null(json_object_get(extra, "CancellationReasons"));
    json_decref(extra);
    ddbc_free(c);
    fake_stop(f);
}

static void test_unreachable_is_transport_error(void **state)
{
    int script[] = {FK_OK};
    fake_t *f = fake_start(script, 1);
    int port = f->port;
    fake_stop(f); /* nothing listens there now */
    ddbc_config cfg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    err_t e = {0};
    assert_int_equal(ddbc_config_load(&cfg, url, NULL, &e), 0);
    cfg.max_attempts = 2;
    cfg.base_delay_ms = 1;
    cfg.throttle_delay_ms = 1;
    ddbc_t *c;
    assert_int_equal(ddbc_new(&cfg, &c, &e), 0);
    json_t *resp = NULL;
    assert_int_equal(call(c, &resp, &e), ERR_TRANSPORT);
    assert_int_equal(ddbc_last_attempts(), 2);
    ddbc_free(c);
}

static void test_config_env_and_profiles(void **state)
{
    char dir[] = "/tmp/ddbc-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cred[256], conf[256];
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    snprintf(conf, sizeof conf, "%s/config", dir);
    FILE *fp = fopen(cred, "w");
    fprintf(fp, "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = SDEF\n"
                "[work]\naws_access_key_id=AKWORK\naws_secret_access_key=SWORK\n"
                "aws_session_token = TOK\n");
    fclose(fp);
    fp = fopen(conf, "w");
    fprintf(fp, "[default]\nregion = ap-south-1\n[profile work]\nregion=eu-north-1\n");
    fclose(fp);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    unsetenv("AWS_PROFILE");
    ddbc_config cfg;
    err_t e = {0};
    assert_int_equal(ddbc_config_load(&cfg, NULL, NULL, &e), 0);
    assert_string_equal(cfg.access_key, "AKDEF");
    assert_string_equal(cfg.region, "ap-south-1");
    assert_string_equal(cfg.endpoint, "https://dynamodb.ap-south-1.amazonaws.com");

    setenv("AWS_PROFILE", "work", 1);
    assert_int_equal(ddbc_config_load(&cfg, NULL, NULL, &e), 0);
    assert_string_equal(cfg.access_key, "AKWORK");
    assert_string_equal(cfg.session_token, "TOK");
    assert_string_equal(cfg.region, "eu-north-1");

    /* the environment wins over files, flags win over the environment */
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SENV", 1);
    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_ENDPOINT_URL", "http://global:1", 1);
    assert_int_equal(ddbc_config_load(&cfg, NULL, NULL, &e), 0);
    assert_string_equal(cfg.access_key, "AKENV");
    assert_string_equal(cfg.region, "us-west-2");
    assert_string_equal(cfg.endpoint, "http://global:1");
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://ddb:2", 1);
    assert_int_equal(ddbc_config_load(&cfg, NULL, NULL, &e), 0);
    assert_string_equal(cfg.endpoint, "http://ddb:2");
    assert_int_equal(ddbc_config_load(&cfg, "http://flag:3", "sa-east-1", &e), 0);
    assert_string_equal(cfg.endpoint, "http://flag:3");
    assert_string_equal(cfg.region, "sa-east-1");
    assert_int_equal(ddbc_config_load(&cfg, "ftp://x", NULL, &e), ERR_VALIDATION);

    unlink(cred);
    unlink(conf);
    rmdir(dir);
}

/* DDBCHAT_MAX_ATTEMPTS / _REQUEST_TIMEOUT_MS / _CONNECT_TIMEOUT_MS; malformed or out-of-range
 * values leave the defaults. */
static void test_config_ddbchat_knobs(void **state)
{
    ddbc_config cfg;
    err_t e = {0};
    setenv("DDBCHAT_MAX_ATTEMPTS", "3", 1);
    setenv("DDBCHAT_REQUEST_TIMEOUT_MS", "1500", 1);
    setenv("DDBCHAT_CONNECT_TIMEOUT_MS", "250", 1);
    assert_int_equal(ddbc_config_load(&cfg, "http://x:1", NULL, &e), 0);
    assert_int_equal(cfg.max_attempts, 3);
    assert_int_equal(cfg.request_timeout_ms, 1500);
    assert_int_equal(cfg.connect_timeout_ms, 250);
    setenv("DDBCHAT_MAX_ATTEMPTS", "0", 1);
    setenv("DDBCHAT_REQUEST_TIMEOUT_MS", "12x", 1);
    setenv("DDBCHAT_CONNECT_TIMEOUT_MS", "", 1);
    assert_int_equal(ddbc_config_load(&cfg, "http://x:1", NULL, &e), 0);
    assert_int_equal(cfg.max_attempts, 4);
    assert_int_equal(cfg.request_timeout_ms, 10000);
    assert_int_equal(cfg.connect_timeout_ms, 3000);
    unsetenv("DDBCHAT_MAX_ATTEMPTS");
    unsetenv("DDBCHAT_REQUEST_TIMEOUT_MS");
    unsetenv("DDBCHAT_CONNECT_TIMEOUT_MS");
}

/* The SDKs' standard mode for DynamoDB (2026 defaults): 4 attempts; backoff caps 25, 50,
 * 100 ms after a transient error and 1, 2, 4 s after a throttling one, never above 20 s;
 * a quota of 500 tokens. */
static void test_policy_defaults(void **state)
{
    (void)state;
    ddbc_config cfg;
    err_t e = {0};
    unsetenv("DDBCHAT_MAX_ATTEMPTS");
    assert_int_equal(ddbc_config_load(&cfg, "http://x:1", NULL, &e), 0);
    assert_int_equal(cfg.max_attempts, 4);
    assert_int_equal(cfg.retry_quota, 500);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 1, false), 25);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 2, false), 50);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 3, false), 100);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 1, true), 1000);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 2, true), 2000);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 3, true), 4000);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 6, true), 20000);
    assert_int_equal(ddbc_backoff_cap_ms(&cfg, 60, false), 20000);
}

/* x-amz-retry-after (retries 2.1, the SDKs' 2026 defaults): the hinted wait, at least the
 * policy's jittered backoff and at most 5 s more (the 20 s cap is not applied to a hint);
 * none (-1): the backoff. */
static void test_retry_after_hint(void **state)
{
    (void)state;
    assert_int_equal(ddbc_hinted_delay_ms(20, -1), 20);
    assert_int_equal(ddbc_hinted_delay_ms(20, 700), 700);
    assert_int_equal(ddbc_hinted_delay_ms(900, 700), 900);
    assert_int_equal(ddbc_hinted_delay_ms(0, 0), 0);
    assert_int_equal(ddbc_hinted_delay_ms(20, 60000), 5020);
    assert_int_equal(ddbc_hinted_delay_ms(20, 5020), 5020);
    assert_int_equal(ddbc_hinted_delay_ms(19000, 60000), 24000);
    assert_int_equal(ddbc_last_retry_after_ms(), -1); /* the fakes so far sent no hint */
}

/* Retry-After as an HTTP service sends it (RFC 9110 10.2.3): delay-seconds, or an HTTP-date
 * in any of its three forms (5.6.7), counted from now; anything else is no hint. */
static void test_retry_after_header_values(void **state)
{
    (void)state;
    time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
#define RA(s) ddbc_parse_retry_after(s, strlen(s), now)
    assert_int_equal(RA("0"), 0);
    assert_int_equal(RA("1"), 1000);
    assert_int_equal(RA("120"), 120000);
    assert_int_equal(RA("99999999999999999999"), (long)DDBC_RETRY_AFTER_MAX_S * 1000);
    assert_int_equal(RA("Sun, 06 Nov 1994 08:49:40 GMT"), 3000);
    assert_int_equal(RA("Sunday, 06-Nov-94 08:49:47 GMT"), 10000);
    assert_int_equal(RA("Sun Nov  6 08:50:37 1994"), 60000);
    assert_int_equal(RA("Sun, 06 Nov 1994 08:49:00 GMT"), 0); /* past: no extra wait */
    assert_int_equal(RA("Sun, 06 Nov 1994 10:49:37 GMT"), 7200000);
    const char *bad[] = {"", "-1", "1.5", "1 ", "soon", "Sun, 06 Nov 1994 08:49:40 UTC",
                         "Sun, 06 Nov 1994 08:49:40", "Sun, 32 Nov 1994 08:49:40 GMT",
                         "Sun, 06 Nov 1994 08:49:40 GMT and more text after it"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (RA(bad[i]) != -1)
            fail_msg("'%s' read as %ld", bad[i], RA(bad[i]));
#undef RA
}

/* The endpoint's clock, its answer's Date (a stream reader saves a LATEST start as it:
 * messaging/stream_reader.c): the last answer's of this thread's last call, -1 when that
 * answer had none (never an earlier call's or attempt's). */
static void test_last_date_is_the_last_answers(void **state)
{
    (void)state;
    int script[] = {FK_OK_DATED, FK_OK, FK_500_DATED, FK_OK};
    fake_t *f = fake_start(script, 4);
    ddbc_t *c = client_for(f, 3);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(ddbc_last_date(), 784111777); /* Sun, 06 Nov 1994 08:49:37 GMT */
    json_decref(resp);
    resp = NULL;
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(ddbc_last_date(), -1); /* no Date: not the call's before */
    json_decref(resp);
    resp = NULL;
    assert_int_equal(call(c, &resp, &e), 0); /* a dated 500, then an answer without one */
    assert_int_equal(ddbc_last_attempts(), 2);
    assert_int_equal(ddbc_last_date(), -1);
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

/* A 503 with Retry-After (seconds, or an HTTP-date 2 s ahead) and no x-amz-retry-after: the
 * next attempt waits for it (the base backoff here is 1 ms), as for x-amz-retry-after; before,
 * the header was ignored and the retry came after ~1 ms. */
static void test_retry_after_header_is_honoured(void **state)
{
    (void)state;
    int scripts[2][2] = {{FK_503_RETRY_AFTER_1, FK_OK}, {FK_503_RETRY_AFTER_DATE, FK_OK}};
    for (int k = 0; k < 2; k++) {
        fake_t *f = fake_start(scripts[k], 2);
        ddbc_t *c = client_for(f, 3);
        json_t *resp = NULL;
        err_t e = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(call(c, &resp, &e), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        assert_int_equal(ddbc_last_attempts(), 2);
        /* 1 s; the date's 2 s counted in whole seconds from the answer: more than 1 s */
        if (ms < 950 || ms > 4000)
            fail_msg("script %d: retried after %ld ms", k, ms);
        json_decref(resp);
        ddbc_free(c);
        fake_stop(f);
    }
}

/* An HTTP intermediary's answer that is no DynamoDB JSON: a 503 is the endpoint unavailable
 * and a 429 a throttle (the REST API's 503, not a 500 "storage"); a Retry-After past what a
 * retry may wait (DDBC_RETRY_AFTER_EXTRA_MS over the backoff) ends the call at once, keeping
 * the hint (before: a day's Retry-After slept ~5 s before each of the attempts, then
 * InternalServerError, review25). */
static void test_intermediary_answers(void **state)
{
    (void)state;
    int day[] = {FK_503_HTML_DAY, FK_OK};
    fake_t *f = fake_start(day, 2);
    ddbc_t *c = client_for(f, 3);
    json_t *resp = NULL;
    err_t e = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(call(c, &resp, &e), ERR_SERVICE_UNAVAILABLE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (ms > 900)
        fail_msg("a day's Retry-After took %ld ms", ms);
    assert_int_equal(ddbc_last_attempts(), 1);
    assert_int_equal(ddbc_last_retry_after_ms(), 86400L * 1000);
    assert_non_null(strstr(e.msg, "HTTP 503"));
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);

    int plain[] = {FK_503_HTML, FK_503_HTML, FK_429_HTML, FK_429_HTML, FK_429_HTML};
    f = fake_start(plain, 5);
    c = client_for(f, 2);
    resp = NULL;
    assert_int_equal(call(c, &resp, &e), ERR_SERVICE_UNAVAILABLE);
    assert_int_equal(ddbc_last_attempts(), 2);
    assert_int_equal(ddbc_last_retry_after_ms(), -1);
    json_decref(resp);
    resp = NULL;
    assert_int_equal(call(c, &resp, &e), ERR_THROTTLING);
    assert_int_equal(ddbc_last_attempts(), 2);
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

/* The retry quota: 30 tokens pay two transient retries (14 each); the third is refused and
 * the error says why; a throttling retry costs 5, which the 2 tokens left cannot pay either. */
static void test_retry_quota(void **state)
{
    (void)state;
    int script[] = {FK_500, FK_500, FK_500, FK_500, FK_THROTTLE, FK_THROTTLE};
    fake_t *f = fake_start(script, 6);
    ddbc_t *c = client_for_quota(f, 30);
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(call(c, &resp, &e), ERR_INTERNAL);
    assert_int_equal(ddbc_last_attempts(), 3);
    assert_non_null(strstr(e.msg, "retry quota"));
    err_clear(&e);
    assert_int_equal(call(c, &resp, &e), ERR_INTERNAL); /* 2 tokens: no retry at all */
    assert_int_equal(ddbc_last_attempts(), 1);
    err_clear(&e);
    assert_int_equal(call(c, &resp, &e), ERR_PROVISIONED_THROUGHPUT);
    assert_int_equal(ddbc_last_attempts(), 1);
    err_clear(&e);
    /* three calls that succeed at once give 3 tokens back: 5, a throttling retry */
    for (int i = 0; i < 3; i++) {
        f->n_script = 0;
        assert_int_equal(call(c, &resp, &e), 0);
        json_decref(resp);
    }
    f->served = 0;
    f->script[0] = FK_THROTTLE;
    f->n_script = 1;
    assert_int_equal(call(c, &resp, &e), 0);
    assert_int_equal(ddbc_last_attempts(), 2);
    json_decref(resp);
    ddbc_free(c);
    fake_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_and_signing),
        cmocka_unit_test(test_retries_5xx_throttle_drop_badcrc),
        cmocka_unit_test(test_gives_up_with_last_error),
        cmocka_unit_test(test_non_retryable_returned_at_once),
        cmocka_unit_test(test_error_extras_kept),
        cmocka_unit_test(test_cancel_reasons_from_the_message),
        cmocka_unit_test(test_foreign_type_reported_as_itself),
        cmocka_unit_test(test_unreachable_is_transport_error),
        cmocka_unit_test(test_config_env_and_profiles),
        cmocka_unit_test(test_config_ddbchat_knobs),
        cmocka_unit_test(test_policy_defaults),
        cmocka_unit_test(test_retry_after_hint),
        cmocka_unit_test(test_retry_after_header_values),
        cmocka_unit_test(test_retry_after_header_is_honoured),
        cmocka_unit_test(test_last_date_is_the_last_answers),
        cmocka_unit_test(test_intermediary_answers),
        cmocka_unit_test(test_retry_quota),
        cmocka_unit_test(test_attempts_cap_is_per_thread),
        cmocka_unit_test(test_200_error_document_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
