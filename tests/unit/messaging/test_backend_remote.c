/*
 * Unit tests for messaging/backend_remote: the ClientRequestToken it puts on every
 * TransactWriteItems (fresh per call, kept across ddbc's resends, the caller's own token and
 * request left alone), and msg_backend_remote_check's verdicts (UnknownOperationException ->
 * ERR_UNSUPPORTED naming the operation; ValidationException and AccessDeniedException ->
 * implemented; unreachable -> ERR_TRANSPORT).  A scripted HTTP server on a loopback port
 * records each request body and answers with the next scripted reply.
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
#include <unistd.h>

#include "messaging/backend_remote.h"

enum { RB_OK, RB_DROP, RB_UNKNOWN_OP, RB_VALIDATION, RB_DENIED };

#define MAX_REQ 16

typedef struct fake {
    int fd, port;
    int script[MAX_REQ];
    int n_script, served;
    char target[MAX_REQ][96];
    char body[MAX_REQ][4096];
    pthread_t th;
} fake_t;

static void reply(int c, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, strlen(body));
    if (write(c, head, (size_t)n) < 0 || write(c, body, strlen(body)) < 0)
        return;
}

static void *fake_main(void *arg)
{
    fake_t *f = arg;
    for (;;) {
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char req[8192];
        size_t got = 0;
        char *end = NULL;
        size_t want = 0;
        for (;;) {
            ssize_t r = read(c, req + got, sizeof req - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            end = strstr(req, "\r\n\r\n");
            if (end) {
                char *cl = strcasestr(req, "content-length:");
                want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
                if (got >= (size_t)(end + 4 - req) + want)
                    break;
            }
        }
        int i = f->served < MAX_REQ ? f->served : MAX_REQ - 1;
        const char *t = strcasestr(req, "X-Amz-Target: DynamoDB_20120810.");
        snprintf(f->target[i], sizeof f->target[i], "%.*s", t ? (int)strcspn(t + 32, "\r\n") : 0,
                 t ? t + 32 : "");
        snprintf(f->body[i], sizeof f->body[i], "%s", end ? end + 4 : "");
        int what = f->served < f->n_script ? f->script[f->served] : RB_OK;
        f->served++;
        switch (what) {
        case RB_OK:
            reply(c, 200, "{}");
            break;
        case RB_DROP:
            break;
        case RB_UNKNOWN_OP:
            reply(c, 400,
                  "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                  "UnknownOperationException\",\"message\":\"Unsupported operation\"}");
            break;
        case RB_VALIDATION:
            reply(c, 400,
                  "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                  "\"message\":\"1 validation error detected\"}");
            break;
        case RB_DENIED:
            reply(c, 400,
                  "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\","
                  "\"message\":\"not authorized\"}");
            break;
        }
        close(c);
    }
}

static fake_t *fake_start(const int *script, int n)
{
    fake_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
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

static msg_backend *backend_for(int port)
{
    ddbc_config cfg;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    err_t e = {0};
    assert_int_equal(ddbc_config_load(&cfg, url, "us-east-1", &e), 0);
    cfg.max_attempts = 4;
    cfg.base_delay_ms = 1;
    cfg.max_delay_ms = 2;
    msg_backend *b = NULL;
    assert_int_equal(msg_backend_remote_new(&cfg, &b, &e), 0);
    return b;
}

/* The ClientRequestToken of a recorded request body ("" when none), into out. */
static void token_of(const char *body, char *out, size_t n)
{
    json_t *j = json_loads(body, 0, NULL);
    const char *t = json_string_value(json_object_get(j, "ClientRequestToken"));
    snprintf(out, n, "%s", t ? t : "");
    json_decref(j);
}

static void test_token_fresh_per_call_kept_across_resends(void **state)
{
    (void)state;
    int script[] = {RB_DROP, RB_DROP, RB_OK, RB_OK, RB_OK};
    fake_t *f = fake_start(script, 5);
    msg_backend *b = backend_for(f->port);
    json_t *req = json_pack("{s:[{s:{s:s}}]}", "TransactItems", "Put", "TableName", "t");
    json_t *resp = NULL;
    err_t e = {0};
    /* call 1: two lost answers, then success -> three requests, one token */
    assert_int_equal(msg_backend_call(b, "TransactWriteItems", req, &resp, &e), 0);
    json_decref(resp);
    /* the caller's request is not modified */
    assert_null(json_object_get(req, "ClientRequestToken"));
    /* call 2: a new logical attempt -> a new token */
    assert_int_equal(msg_backend_call(b, "TransactWriteItems", req, &resp, &e), 0);
    json_decref(resp);
    /* other operations get none */
    json_t *g = json_pack("{s:s}", "TableName", "t");
    assert_int_equal(msg_backend_call(b, "GetItem", g, &resp, &e), 0);
    json_decref(resp);
    json_decref(g);
    assert_int_equal(f->served, 5);
    char t0[64], t1[64], t2[64], t3[64], t4[64];
    token_of(f->body[0], t0, sizeof t0);
    token_of(f->body[1], t1, sizeof t1);
    token_of(f->body[2], t2, sizeof t2);
    token_of(f->body[3], t3, sizeof t3);
    token_of(f->body[4], t4, sizeof t4);
    assert_int_equal(strlen(t0), 36);
    assert_string_equal(t0, t1);
    assert_string_equal(t0, t2);
    assert_int_equal(strlen(t3), 36);
    assert_string_not_equal(t0, t3);
    assert_string_equal(t4, "");
    assert_string_equal(f->target[4], "GetItem");
    /* the rest of the request travels unchanged */
    assert_non_null(strstr(f->body[0], "\"TransactItems\":[{\"Put\":{\"TableName\":\"t\"}}]"));
    json_decref(req);
    msg_backend_free(b);
    fake_stop(f);
}

static void test_callers_token_kept(void **state)
{
    (void)state;
    int script[] = {RB_OK};
    fake_t *f = fake_start(script, 1);
    msg_backend *b = backend_for(f->port);
    json_t *req = json_pack("{s:[], s:s}", "TransactItems", "ClientRequestToken", "mine-42");
    json_t *resp = NULL;
    err_t e = {0};
    assert_int_equal(msg_backend_call(b, "TransactWriteItems", req, &resp, &e), 0);
    json_decref(resp);
    char t[64];
    token_of(f->body[0], t, sizeof t);
    assert_string_equal(t, "mine-42");
    json_decref(req);
    msg_backend_free(b);
    fake_stop(f);
}

static const struct check_case {
    const char *name;
    int script[4];
    int n;
    int want_rc;
    const char *want_text; /* in the error message, or NULL */
} check_cases[] = {
    {"all implemented", {RB_OK, RB_VALIDATION, RB_VALIDATION, RB_VALIDATION}, 4, 0, NULL},
    {"no TransactWriteItems",
     {RB_OK, RB_UNKNOWN_OP},
     2,
     ERR_UNSUPPORTED,
     "does not implement TransactWriteItems, which ddbchat needs to write a message"},
    {"no Query",
     {RB_OK, RB_VALIDATION, RB_UNKNOWN_OP},
     3,
     ERR_UNSUPPORTED,
     "does not implement Query"},
    {"IAM denies probes", {RB_DENIED, RB_DENIED, RB_DENIED, RB_DENIED}, 4, 0, NULL},
};

static void test_check_verdicts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
        const struct check_case *k = &check_cases[i];
        fake_t *f = fake_start(k->script, k->n);
        msg_backend *b = backend_for(f->port);
        err_t e = {0};
        int rc = msg_backend_remote_check(b, &e);
        if (rc != k->want_rc || (k->want_text && !strstr(e.msg, k->want_text)))
            fail_msg("case '%s': rc %d, message '%s'", k->name, rc, e.msg);
        if (k->want_rc == 0)
            assert_int_equal(f->served, 4); /* every probe sent */
        assert_string_equal(f->target[0], "ListTables");
        msg_backend_free(b);
        fake_stop(f);
    }
}

static void test_check_unreachable(void **state)
{
    (void)state;
    /* a port that was just free: nothing listens */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    int port = ntohs(a.sin_port);
    close(s);
    msg_backend *b = backend_for(port);
    err_t e = {0};
    assert_int_equal(msg_backend_remote_check(b, &e), ERR_TRANSPORT);
    assert_non_null(strstr(e.msg, "cannot reach"));
    msg_backend_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_fresh_per_call_kept_across_resends),
        cmocka_unit_test(test_callers_token_kept),
        cmocka_unit_test(test_check_verdicts),
        cmocka_unit_test(test_check_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
