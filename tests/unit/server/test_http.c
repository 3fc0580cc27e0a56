/*
 * test_http — the libmicrohttpd listeners in-process: port 0 binding, the DynamoDB
 * listener's headers and CRC32, the REST listener without a messaging service (503), the
 * REST body limit (413), keep-alive reuse (the request context a connection keeps for its
 * next request), stop/start on the same store, the default polling-thread count (the
 * CPUs of the affinity mask), and the accept thread's even split of connections over the
 * polling threads.  Requests go through libcurl, or a raw socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <zlib.h>

#include "server/http.h"
#include "server/http_srv.h" /* the listener's per-thread counts (test_accept_spreads) */

typedef struct fixture {
    char dir[64];
    store_t *store;
    api_t *api;
    http_server *srv;
} fixture;

typedef struct reply {
    long status;
    char body[1 << 16];
    size_t len;
    char crc[16];
    char request_id[64];
    char content_type[128];
    long connects; /* new connections made by this transfer */
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = sz * n;
    if (r->len + k < sizeof r->body) {
        memcpy(r->body + r->len, p, k);
        r->len += k;
        r->body[r->len] = '\0';
    }
    return k;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (n > nl + 1 && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
        const char *v = line + nl + 1;
        while (*v == ' ')
            v++;
        size_t vl = (size_t)(line + n - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        if (vl >= cap)
            vl = cap - 1;
        memcpy(out, v, vl);
        out[vl] = '\0';
    }
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    reply *r = ud;
    header_value(p, sz * n, "x-amz-crc32", r->crc, sizeof r->crc);
    header_value(p, sz * n, "x-amzn-RequestId", r->request_id, sizeof r->request_id);
    header_value(p, sz * n, "Content-Type", r->content_type, sizeof r->content_type);
    return sz * n;
}

/* One request on handle h (reused for keep-alive).  body NULL = GET. */
static void request(CURL *h, int port, const char *path, const char *target, const char *body,
                    size_t body_len, reply *r)
{
    memset(r, 0, sizeof *r);
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *hd = NULL;
    char t[128];
    if (target) {
        snprintf(t, sizeof t, "X-Amz-Target: DynamoDB_20120810.%s", target);
        hd = curl_slist_append(hd, t);
    }
    hd = curl_slist_append(hd, "Content-Type: application/x-amz-json-1.0");
    hd = curl_slist_append(hd, "Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/"
                               "dynamodb/aws4_request, SignedHeaders=host, Signature=00");
    hd = curl_slist_append(hd, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK)
        fail_msg("curl: %s", curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
    curl_slist_free_all(hd);
}

static int start(fixture *f)
{
    http_config c;
    http_config_default(&c);
    c.dynamodb_port = 0;
    c.api_port = 0;
    c.quiet = true;
    c.threads = 2;
    err_t e = {0};
    if (http_server_start(&c, f->api, NULL, NULL, &f->srv, &e)) {
        fprintf(stderr, "start: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_httpXXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    store_opts so;
    store_opts_default(&so);
    so.durable = false;
    so.ttl_thread = false;
    err_t e = {0};
    if (store_open(f->dir, &so, &f->store, &e) || api_new(f->store, NULL, &f->api, &e))
        return -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    *state = f;
    return start(f);
}

static int teardown(void **state)
{
    fixture *f = *state;
    http_server_stop(f->srv);
    api_free(f->api);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

static void test_ports(void **state)
{
    fixture *f = *state;
    int d = http_server_dynamodb_port(f->srv), a = http_server_api_port(f->srv);
    assert_true(d > 0 && d < 65536);
    assert_true(a > 0 && a < 65536);
    assert_int_not_equal(d, a);
    assert_int_equal(http_server_dynamodb_port(NULL), -1);
}

static void test_dynamodb_listener(void **state)
{
    fixture *f = *state;
    CURL *h = curl_easy_init();
    reply r;
    request(h, http_server_dynamodb_port(f->srv), "/", "ListTables", "{}", 2, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"TableNames\":[]}");
    char crc[16];
    snprintf(crc, sizeof crc, "%lu", crc32(0L, (const Bytef *)r.body, (uInt)r.len));
    assert_string_equal(r.crc, crc);
    assert_int_equal(strlen(r.request_id), 52);
    assert_string_equal(r.content_type, "application/x-amz-json-1.0");
    assert_int_equal(r.connects, 1);
    /* keep-alive: the next requests reuse the connection */
    for (int i = 0; i < 3; i++) {
        request(h, http_server_dynamodb_port(f->srv), "/", i == 1 ? "Nope" : "ListTables", "{}", 2,
                &r);
        assert_int_equal(r.status, i == 1 ? 400 : 200);
        assert_int_equal(r.connects, 0);
    }
    curl_easy_cleanup(h);
}

/* A connection keeps its request's context for the next one (http_completed): nothing of a
 * request carries over into the next, and a target longer than the kept buffer gets a bigger
 * one.  Each answer is the one a fresh connection gets. */
static void test_context_reused(void **state)
{
    fixture *f = *state;
    int port = http_server_dynamodb_port(f->srv);
    CURL *h = curl_easy_init();
    reply r;
    char path[400];
    path[0] = '/';
    memset(path + 1, 'a', 300);
    memcpy(path + 301, "?x=1", 5); /* a target over the first buffer's 256 bytes */
    char small[300];
    snprintf(small, sizeof small, "{\"ExclusiveStartTableName\":\"%0200d\"}", 7);
    size_t bn = 9000; /* over HTTP_SMALL_BODY: its buffer is not kept */
    char *big = malloc(bn + 1);
    assert_non_null(big);
    memset(big, ' ', bn);
    memcpy(big, "{\"Limit\":5", 10);
    memcpy(big + bn - 1, "}", 2);
    for (int round = 0; round < 2; round++) {
        request(h, port, "/", "ListTables", "{}", 2, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"TableNames\":[]}");
        assert_int_equal(r.connects, round == 0 ? 1 : 0);
        request(h, port, path, NULL, NULL, 0, &r);
        assert_int_equal(r.status, 404);
        assert_int_equal(r.connects, 0);
        /* no X-Amz-Target: the previous request's is not seen */
        request(h, port, "/", NULL, "{}", 2, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "UnknownOperationException"));
        assert_int_equal(r.connects, 0);
        request(h, port, "/", NULL, NULL, 0, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "healthy: dynamodb.us-east-1.amazonaws.com ");
        assert_int_equal(r.connects, 0);
        /* bodies: the kept buffer of a small one (longer, then shorter: only the new body is
         * read) and a big one's (not kept) */
        request(h, port, "/", "ListTables", small, strlen(small), &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"TableNames\":[]}");
        request(h, port, "/", "ListTables", "{}", 2, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"TableNames\":[]}");
        request(h, port, "/", "ListTables", big, strlen(big), &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"TableNames\":[]}");
        request(h, port, "/", "ListTables", "{ }", 3, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"TableNames\":[]}");
        assert_int_equal(r.connects, 0);
    }
    free(big);
    curl_easy_cleanup(h);
}

/* One raw request on a new connection; the reply's first bytes into out (NUL-terminated). */
static void raw_request(int port, const char *req, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    size_t n = strlen(req);
    assert_int_equal(write(fd, req, n), (ssize_t)n);
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t k = read(fd, out + got, cap - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
        out[got] = '\0';
        if (strstr(out, "\r\n\r\n") && strchr(strstr(out, "\r\n\r\n") + 4, '}'))
            break;
    }
    out[got] = '\0';
    close(fd);
}

/* The header names the endpoint acts on are matched by length and then without regard to
 * case (http_collect_header): lower-case names route and frame the request; a second Host in
 * another case is refused; names that only start like them (Content-Type, X-Amz-Date,
 * Hostname) are not taken for them. */
static void test_header_names(void **state)
{
    fixture *f = *state;
    int port = http_server_dynamodb_port(f->srv);
    char out[2048];
    raw_request(port,
                "POST / HTTP/1.1\r\nhost: a\r\nauthorization: AWS4-HMAC-SHA256 Credential=x/20260101/"
                "us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00\r\n"
                "x-amz-date: 1\r\n"
                "x-amz-target: DynamoDB_20120810.ListTables\r\ncontent-type: application/json\r\n"
                "hostname: b\r\ncontent-length: 2\r\nConnection: close\r\n\r\n{}",
                out, sizeof out);
    assert_non_null(strstr(out, "HTTP/1.1 200"));
    assert_non_null(strstr(out, "{\"TableNames\":[]}"));
    raw_request(port,
                "POST / HTTP/1.1\r\nHost: a\r\nAuthorization: AWS4-x\r\n"
                "X-Amz-Target: DynamoDB_20120810.ListTables\r\nHOST: b\r\n"
                "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
                out, sizeof out);
    assert_non_null(strstr(out, "HTTP/1.1 400"));
    raw_request(port,
                "POST / HTTP/1.1\r\nHost: a\r\nAuthorization: AWS4-x\r\n"
                "X-Amz-Target: DynamoDB_20120810.ListTables\r\nCONTENT-LENGTH: 2\r\n"
                "content-length: 3\r\nConnection: close\r\n\r\n{} ",
                out, sizeof out);
    assert_non_null(strstr(out, "HTTP/1.1 400"));
}

static void test_rest_without_service(void **state)
{
    fixture *f = *state;
    CURL *h = curl_easy_init();
    reply r;
    request(h, http_server_api_port(f->srv), "/api/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"unavailable\""));
    assert_string_equal(r.content_type, "application/json");
    curl_easy_cleanup(h);
}

static void test_rest_body_limit(void **state)
{
    fixture *f = *state;
    size_t n = HTTP_REST_MAX_BODY + 10;
    char *big = malloc(n);
    memset(big, 'a', n);
    CURL *h = curl_easy_init();
    reply r;
    request(h, http_server_api_port(f->srv), "/api/messages", NULL, big, n, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "too_large"));
    curl_easy_cleanup(h);
    free(big);
}

static void test_restart_same_store(void **state)
{
    fixture *f = *state;
    http_server_stop(f->srv);
    f->srv = NULL;
    assert_int_equal(start(f), 0);
    CURL *h = curl_easy_init();
    reply r;
    request(h, http_server_dynamodb_port(f->srv), "/", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "healthy: dynamodb.us-east-1.amazonaws.com ");
    curl_easy_cleanup(h);
}

static void test_bind_failure(void **state)
{
    fixture *f = *state;
    http_config c;
    http_config_default(&c);
    c.dynamodb_port = http_server_dynamodb_port(f->srv); /* busy */
    c.api_port = -1;
    c.quiet = true;
    http_server *s2 = NULL;
    err_t e = {0};
    assert_int_equal(http_server_start(&c, f->api, NULL, NULL, &s2, &e), ERR_IO);
    assert_null(s2);
    assert_non_null(strstr(e.msg, "cannot listen"));
    /* the system's reason (errno), not a guess */
    if (!strstr(e.msg, strerror(EADDRINUSE)))
        fail_msg("%s", e.msg);
    c.host = "no.such.host.invalid";
    c.dynamodb_port = 0;
    err_clear(&e);
    assert_int_equal(http_server_start(&c, f->api, NULL, NULL, &s2, &e), ERR_VALIDATION);
}

/* The linker wraps listen and accept4 in this executable (CMakeLists.txt): while fail_listen
 * is set, listen fails with EADDRINUSE; while fail_accept is, an accepted connection is
 * closed and accept4 fails with EBADF, as on a listening socket gone from under the server. */
int __real_listen(int fd, int backlog);
int __real_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags);
static atomic_int fail_listen, fail_accept;

int __wrap_listen(int fd, int backlog)
{
    if (atomic_load(&fail_listen)) {
        errno = EADDRINUSE;
        return -1;
    }
    return __real_listen(fd, backlog);
}

int __wrap_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags)
{
    int c = __real_accept4(fd, a, alen, flags);
    if (c >= 0 && atomic_load(&fail_accept)) {
        close(c);
        errno = EBADF;
        return -1;
    }
    return c;
}

/* A listen() failure names the host and the port asked for (review r33a F6: it read "the
 * listening socket for port -1"). */
static void test_listen_failure(void **state)
{
    fixture *f = *state;
    http_config c;
    http_config_default(&c);
    c.dynamodb_port = 0;
    c.api_port = -1;
    c.quiet = true;
    http_server *s2 = NULL;
    err_t e = {0};
    atomic_store(&fail_listen, 1);
    int rc = http_server_start(&c, f->api, NULL, NULL, &s2, &e);
    atomic_store(&fail_listen, 0);
    assert_int_equal(rc, ERR_IO);
    assert_null(s2);
    char want[256];
    snprintf(want, sizeof want, "cannot listen on %s port 0 (%s)", c.host, strerror(EADDRINUSE));
    assert_string_equal(e.msg, want);
}

/* An accept loop that ends outside a stop (its socket gone) says so in the log, naming the
 * port (review r33a F5: it ended silently, the port bound and never served again). */
static void test_accept_end_logged(void **state)
{
    fixture *f = *state;
    http_config c;
    http_config_default(&c);
    c.dynamodb_port = 0;
    c.api_port = -1;
    c.quiet = true;
    http_server *s2 = NULL;
    err_t e = {0};
    assert_int_equal(http_server_start(&c, f->api, NULL, NULL, &s2, &e), 0);
    int port = http_server_dynamodb_port(s2);
    char path[] = "/tmp/test_http_log.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0 && dup2(fd, 2) == 2);
    atomic_store(&fail_accept, 1);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int crc = connect(s, (struct sockaddr *)&a, sizeof a);
    char logged[4096] = "";
    for (int i = 0; i < 600 && !strstr(logged, "no new connections"); i++) { /* 60 s */
        usleep(100 * 1000);
        fflush(stderr);
        ssize_t n = pread(fd, logged, sizeof logged - 1, 0);
        logged[n > 0 ? n : 0] = '\0';
    }
    atomic_store(&fail_accept, 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    unlink(path);
    close(s);
    http_server_stop(s2);
    assert_int_equal(crc, 0);
    char want[64];
    snprintf(want, sizeof want, "accept on port %d: ", port);
    if (!strstr(logged, want) || !strstr(logged, "no new connections"))
        fail_msg("not logged: %s", logged);
}

/* A raw keep-alive connection to port that has been answered one ListTables. */
static int answered_conn(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] =
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
        "Content-Type: application/x-amz-json-1.0\r\nAuthorization: AWS4-HMAC-SHA256 "
        "Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
        "Signature=00\r\nContent-Length: 2\r\n\r\n{}";
    assert_int_equal(send(s, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    char buf[4096];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ssize_t n = recv(s, buf + got, sizeof buf - 1 - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "{\"TableNames\":"))
            break;
    }
    assert_non_null(strstr(buf, "HTTP/1.1 200 "));
    return s;
}

/* Until the listener's polling threads hold `total` connections between them (a closed
 * connection is given back when its thread sees the close: a generous deadline). */
static void wait_held(const http_listener *l, unsigned total)
{
    for (int i = 0; i < 3000; i++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < l->nd; k++)
            sum += atomic_load(&l->held[k]);
        if (sum == total)
            return;
        usleep(10 * 1000);
    }
    fail_msg("the polling threads did not come to %u connections", total);
}

/* The accept thread gives each new connection to the polling thread holding the fewest, so
 * 8 connections are 4 and 4 on two threads, also after reconnections that reuse the lowest
 * descriptors, and after closing half of them, wherever those were.  libmicrohttpd's own
 * thread pool let whichever thread woke first accept (often all 8 on one: one CPU served a
 * load test while the other idled, BENCHMARKS.md session 32), and its MHD_add_connection
 * picks a thread by the socket's number, which reconnections reuse. */
static void test_accept_spreads_connections(void **state)
{
    fixture *f = *state;
    const http_listener *l = &f->srv->ddb;
    int port = http_server_dynamodb_port(f->srv);
    assert_int_equal(l->nd, 2);
    int s[8];
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 8; i++)
            s[i] = answered_conn(port);
        assert_int_equal(atomic_load(&l->held[0]), 4);
        assert_int_equal(atomic_load(&l->held[1]), 4);
        for (int i = 0; i < 8; i += 2) /* every other one: which thread's, whatever */
            close(s[i]);
        wait_held(l, 4);
        for (int i = 0; i < 8; i += 2)
            s[i] = answered_conn(port);
        assert_int_equal(atomic_load(&l->held[0]), 4);
        assert_int_equal(atomic_load(&l->held[1]), 4);
        for (int i = 0; i < 8; i++)
            close(s[i]);
        wait_held(l, 0);
    }
}

/* The default polling threads follow the affinity mask, not the machine's CPUs: pinned to
 * one CPU (taskset -c 0), two threads preempt each other (more CPU a request: BENCHMARKS.md,
 * session 12).
 * Needs two CPUs in the mask to say anything; restores the mask. */
static void test_default_threads(void **state)
{
    (void)state;
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    int n = CPU_COUNT(&all);
    assert_int_equal(http_default_threads(), (unsigned)(n > 64 ? 64 : n));
    if (n < 2)
        skip();
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &all)) {
            CPU_SET(cpu, &one);
            break;
        }
    }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    unsigned got = http_default_threads();
    assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
    assert_int_equal(got, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_dynamodb_listener),
        cmocka_unit_test(test_context_reused),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_rest_without_service),
        cmocka_unit_test(test_rest_body_limit),
        cmocka_unit_test(test_restart_same_store),
        cmocka_unit_test(test_bind_failure),
        cmocka_unit_test(test_listen_failure),
        cmocka_unit_test(test_accept_end_logged),
        cmocka_unit_test(test_default_threads),
        cmocka_unit_test(test_accept_spreads_connections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
