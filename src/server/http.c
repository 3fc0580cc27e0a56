/*
 * http — libmicrohttpd glue for the DynamoDB endpoint and the REST API.  Layer: server.
 * See http.h.  Tests: tests/e2e/test_protocol.py (keep-alive, 16 MB limit, headers),
 * tests/e2e/test_auth.py, tests/e2e/test_clients.py.
 *
 * Per request: a context (http_req) created on the first callback holds the headers, the
 * decoded query parameters and the body buffer (bounded); the reply is produced on the last
 * callback by ddb_proto_handle / msg_rest_handle, queued, and the context freed in the
 * completion callback.  An atomic in-flight counter lets http_server_stop drain.
 *
 * Threads: libmicrohttpd's polling threads, about one per CPU, run the requests that do not
 * block (reads).  A request that may block — a write, which waits for its group commit; any
 * REST request over a remote endpoint — is handed to the blocking pool (http_pool.h): its
 * connection is suspended, a pool thread computes the reply into the context and resumes the
 * connection, and the next callback queues that reply.  So reads are never stuck behind
 * fsyncs, and every concurrent writer can join the same group commit.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/buf.h"
#include "base/log.h"
#include "server/ddb_proto.h"
#include "server/http_pool.h"

#define HTTP_MAX_HEADERS 128
#define HTTP_MAX_PARAMS 64
#define HTTP_DRAIN_SECONDS 10
#define HTTP_DISCARD_MAX ((unsigned long long)64 << 20)
#define HTTP_MAX_DEFAULT_THREADS 64
#define HTTP_POOL_MAX_THREADS 256 /* requests blocked at once (writes waiting for a commit) */
#define HTTP_CONN_POOL (16 << 10) /* libmicrohttpd per-connection memory pool */

enum { HTTP_KIND_DDB = 0, HTTP_KIND_REST = 1 };

typedef struct http_listener {
    http_server *srv;
    int kind;
    struct MHD_Daemon *d;
    int port;
} http_listener;

struct http_server {
    http_config cfg;
    char host[256];
    char region[64];
    ddb_proto proto;
    msg_service *svc;
    http_listener ddb, rest;
    atomic_long in_flight;
    http_pool *pool; /* the blocking requests of both listeners */
};

typedef struct http_req {
    buf_t body;
    size_t limit;
    bool too_large;
    bool started;                /* the reply has been queued */
    unsigned long long received; /* body bytes seen, kept or not */
    struct timespec t0;
    sigv4_header headers[HTTP_MAX_HEADERS];
    size_t n_headers;
    sigv4_param params[HTTP_MAX_PARAMS];
    size_t n_params;
    /* a request run by the blocking pool: its connection is suspended until `ready` */
    http_pool_job job;
    bool deferred, ready;
    http_listener *l;
    struct MHD_Connection *conn;
    const char *url, *method; /* libmicrohttpd's, valid until the request completes */
    ddb_proto_resp presp;
    msg_http_resp mresp;
} http_req;

void http_config_default(http_config *c)
{
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->dynamodb_port = 8000;
    c->api_port = 4567;
    c->connection_timeout = HTTP_DEFAULT_TIMEOUT_S;
    c->region = "us-east-1";
}

/* ---- helpers ---------------------------------------------------------------------- */

static long long http_elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* One access-log line, written with a single write() so threads do not interleave. */
static void http_access_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void http_access_log(const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

static enum MHD_Result http_collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    http_req *r = cls;
    if (r->n_headers < HTTP_MAX_HEADERS)
        r->headers[r->n_headers++] = (sigv4_header){key, value ? value : ""};
    return MHD_YES;
}

static enum MHD_Result http_collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    http_req *r = cls;
    if (r->n_params < HTTP_MAX_PARAMS)
        r->params[r->n_params++] = (sigv4_param){key, value};
    return MHD_YES;
}

static const char *http_header(const http_req *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static enum MHD_Result http_queue(struct MHD_Connection *c, int status, char *body, size_t len,
                                  const char *content_type, struct MHD_Response **out)
{
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    *out = resp;
    (void)status;
    (void)c;
    return MHD_YES;
}

/* Re-encodes decoded query parameters into a query string (for the REST handler). */
static void http_query_string(const http_req *r, buf_t *out)
{
    static const char hexd[] = "0123456789ABCDEF";
    for (size_t i = 0; i < r->n_params; i++) {
        if (i)
            buf_putc(out, '&');
        for (int part = 0; part < 2; part++) {
            const char *s = part ? r->params[i].value : r->params[i].name;
            if (part) {
                if (!s)
                    break;
                buf_putc(out, '=');
            }
            for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
                    buf_putc(out, ch);
                } else {
                    char enc[3] = {'%', hexd[ch >> 4], hexd[ch & 15]};
                    buf_append(out, enc, 3);
                }
            }
        }
    }
    buf_putc(out, '\0');
}

/* ---- the two request handlers ------------------------------------------------------ */

/* The DynamoDB reply into r->presp (any thread). */
static void http_compute_ddb(http_listener *l, const char *url, const char *method, http_req *r)
{
    http_server *srv = l->srv;
    ddb_proto_req preq = {.method = method,
                          .path = url,
                          .params = r->params,
                          .n_params = r->n_params,
                          .headers = r->headers,
                          .n_headers = r->n_headers,
                          .body = (const char *)r->body.data,
                          .body_len = r->body.len,
                          .too_large = r->too_large,
                          .now = (long long)time(NULL)};
    ddb_proto_handle(&srv->proto, &preq, &r->presp);
}

/* Queues r->presp (libmicrohttpd's thread, in the access callback). */
static enum MHD_Result http_queue_ddb(http_listener *l, struct MHD_Connection *c, http_req *r)
{
    http_server *srv = l->srv;
    ddb_proto_resp presp = r->presp;
    struct MHD_Response *resp = NULL;
    char *body = presp.body;
    presp.body = NULL; /* handed to MHD */
    if (http_queue(c, presp.status, body, presp.body_len, presp.content_type, &resp) != MHD_YES)
        return MHD_NO;
    char crc[16]; /* decimal, without snprintf's cost on every reply */
    {
        char tmp[16];
        size_t k = sizeof tmp;
        uint32_t v = presp.crc32;
        do {
            tmp[--k] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        memcpy(crc, tmp + k, sizeof tmp - k);
        crc[sizeof tmp - k] = '\0';
    }
    MHD_add_response_header(resp, "x-amzn-RequestId", presp.request_id);
    MHD_add_response_header(resp, "x-amz-crc32", crc);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)presp.status, resp);
    MHD_destroy_response(resp);
    if (!srv->cfg.quiet)
        http_access_log("ddb %s %s %d %lldus%s%s", presp.op, presp.table, presp.status,
                        http_elapsed_us(&r->t0), presp.error_type[0] ? " " : "", presp.error_type);
    ddb_proto_resp_fini(&presp);
    return ret;
}

/* The REST reply into r->mresp (any thread). */
static void http_compute_rest(http_listener *l, const char *url, const char *method, http_req *r)
{
    http_server *srv = l->srv;
    msg_http_resp mresp;
    memset(&mresp, 0, sizeof mresp);
    if (r->too_large) {
        msg_rest_error(&mresp, MSG_E_PAYLOAD_TOO_LARGE);
    } else if (!srv->svc) {
        msg_rest_error(&mresp, MSG_E_UNAVAILABLE);
    } else {
        buf_t q;
        buf_init(&q, 64 << 10);
        http_query_string(r, &q);
        msg_http_req mreq = {.method = method,
                             .path = url,
                             .query = (q.len > 1) ? (const char *)q.data : NULL,
                             .authorization = http_header(r, "Authorization"),
                             .origin = http_header(r, "Origin"),
                             .body = (const char *)r->body.data,
                             .body_len = r->body.len};
        msg_rest_handle(srv->svc, &mreq, &mresp);
        buf_fini(&q);
    }
    r->mresp = mresp;
}

/* Queues r->mresp (libmicrohttpd's thread, in the access callback). */
static enum MHD_Result http_queue_rest(http_listener *l, struct MHD_Connection *c,
                                       const char *url, const char *method, http_req *r)
{
    http_server *srv = l->srv;
    msg_http_resp mresp = r->mresp;
    struct MHD_Response *resp = NULL;
    if (http_queue(c, mresp.status, mresp.body, mresp.body_len,
                   mresp.content_type ? mresp.content_type : "application/json", &resp) != MHD_YES)
        return MHD_NO;
    for (int i = 0; i < mresp.n_headers && i < MSG_HTTP_MAX_HEADERS; i++)
        if (mresp.headers[i].name)
            MHD_add_response_header(resp, mresp.headers[i].name, mresp.headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)mresp.status, resp);
    MHD_destroy_response(resp);
    if (!srv->cfg.quiet)
        http_access_log("rest %s %s %d %lldus", method, url, mresp.status, http_elapsed_us(&r->t0));
    return ret;
}

static enum MHD_Result http_reply_ddb(http_listener *l, struct MHD_Connection *c, const char *url,
                                      const char *method, http_req *r)
{
    http_compute_ddb(l, url, method, r);
    return http_queue_ddb(l, c, r);
}

static enum MHD_Result http_reply_rest(http_listener *l, struct MHD_Connection *c, const char *url,
                                       const char *method, http_req *r)
{
    http_compute_rest(l, url, method, r);
    return http_queue_rest(l, c, url, method, r);
}

/* DynamoDB operations that never wait for a commit: they run on the polling threads. */
static const char *const http_inline_ops[] = {
    "GetItem",           "BatchGetItem",        "Query",         "Scan",
    "TransactGetItems",  "DescribeTable",       "ListTables",    "DescribeTimeToLive",
    "ListTagsOfResource", "DescribeEndpoints",  "DescribeLimits",
};

/* Whether the request may block for long (see the file comment). */
static bool http_blocking(const http_listener *l, const char *method, const http_req *r)
{
    if (r->too_large)
        return false;
    if (l->kind == HTTP_KIND_REST)
        return l->srv->cfg.rest_blocking || strcmp(method, "POST") == 0 ||
               strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
               strcmp(method, "PATCH") == 0;
    const char *target = http_header(r, "X-Amz-Target");
    if (!target || strcmp(method, "POST") != 0)
        return false;
    size_t pl = strlen(DDB_PROTO_TARGET_PREFIX);
    if (strncmp(target, DDB_PROTO_TARGET_PREFIX, pl) != 0)
        return false;
    for (size_t i = 0; i < sizeof http_inline_ops / sizeof http_inline_ops[0]; i++)
        if (strcmp(target + pl, http_inline_ops[i]) == 0)
            return false;
    return true;
}

static void http_job_run(http_pool_job *job)
{
    http_req *r = (http_req *)((char *)job - offsetof(http_req, job));
    struct MHD_Connection *c = r->conn;
    if (r->l->kind == HTTP_KIND_DDB)
        http_compute_ddb(r->l, r->url, r->method, r);
    else
        http_compute_rest(r->l, r->url, r->method, r);
    r->ready = true;
    MHD_resume_connection(c); /* r may be gone from here on */
}

/* Hands a blocking request to the pool: true when it did (the reply comes after resume). */
static bool http_defer(http_listener *l, struct MHD_Connection *c, const char *url,
                       const char *method, http_req *r)
{
    http_server *srv = l->srv;
    if (!srv->pool || !http_blocking(l, method, r) || http_pool_reserve(srv->pool) != 0)
        return false;
    r->deferred = true;
    r->ready = false;
    r->l = l;
    r->conn = c;
    r->url = url;
    r->method = method;
    r->job.run = http_job_run;
    MHD_suspend_connection(c);
    http_pool_submit(srv->pool, &r->job);
    return true;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    http_listener *l = cls;
    http_req *r = *con_cls;
    if (!r) {
        r = malloc(sizeof *r); /* not calloc: the 3 KB header/param arrays need no zeroing */
        if (!r)
            return MHD_NO;
        r->too_large = false;
        r->started = false;
        r->deferred = false;
        r->received = 0;
        r->n_headers = 0;
        r->n_params = 0;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->limit = l->kind == HTTP_KIND_DDB ? DDB_PROTO_MAX_BODY : HTTP_REST_MAX_BODY;
        buf_init(&r->body, r->limit);
        MHD_get_connection_values(c, MHD_HEADER_KIND, http_collect_header, r);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_collect_param, r);
        /* A declared length over the limit: do not even start buffering.  Up to
         * HTTP_DISCARD_MAX the body is read and discarded so the client sees the 413 (as
         * DynamoDB Local does); beyond that the 413 goes out at once and the connection is
         * closed rather than reading gigabytes. */
        bool reply_now = false;
        const char *cl = http_header(r, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (end != cl && n > r->limit) {
                r->too_large = true;
                reply_now = n > HTTP_DISCARD_MAX;
            }
        }
        atomic_fetch_add(&l->srv->in_flight, 1);
        *con_cls = r;
        if (!reply_now)
            return MHD_YES;
        r->started = true;
        return l->kind == HTTP_KIND_DDB ? http_reply_ddb(l, c, url, method, r)
                                        : http_reply_rest(l, c, url, method, r);
    }
    if (*upload_data_size) {
        if (r->started) { /* answered early; ignore the rest */
            *upload_data_size = 0;
            return MHD_YES;
        }
        r->received += *upload_data_size;
        if (!r->too_large) {
            if (r->body.len + *upload_data_size > r->limit ||
                buf_append(&r->body, upload_data, *upload_data_size) != 0) {
                r->too_large = true;
                buf_fini(&r->body);
                buf_init(&r->body, r->limit);
            }
        }
        *upload_data_size = 0;                                /* consumed (or discarded) */
        if (r->too_large && r->received > HTTP_DISCARD_MAX) { /* e.g. endless chunked body */
            r->started = true;
            return l->kind == HTTP_KIND_DDB ? http_reply_ddb(l, c, url, method, r)
                                            : http_reply_rest(l, c, url, method, r);
        }
        return MHD_YES;
    }
    if (r->started) {
        if (r->deferred && r->ready) { /* resumed: the pool computed the reply */
            r->deferred = false;
            return l->kind == HTTP_KIND_DDB ? http_queue_ddb(l, c, r)
                                            : http_queue_rest(l, c, url, method, r);
        }
        return MHD_YES;
    }
    r->started = true;
    if (http_defer(l, c, url, method, r))
        return MHD_YES;
    return l->kind == HTTP_KIND_DDB ? http_reply_ddb(l, c, url, method, r)
                                    : http_reply_rest(l, c, url, method, r);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    http_listener *l = cls;
    http_req *r = *con_cls;
    if (!r)
        return;
    buf_fini(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&l->srv->in_flight, 1);
}

/* ---- start / stop ----------------------------------------------------------------- */

static int http_listen(http_server *srv, http_listener *l, int kind, int port, err_t *e)
{
    l->srv = srv;
    l->kind = kind;
    l->port = -1;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(srv->host, portstr, &hints, &ai);
    if (gai != 0 || !ai)
        return err_set(e, ERR_VALIDATION, "cannot resolve host %s: %s", srv->host,
                       gai_strerror(gai));
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    int family = ai->ai_family;
    freeaddrinfo(ai);

    /* Polling threads: one per CPU.  They never wait for a commit (blocking requests go to
     * the pool), so more would only make the threads preempt each other mid-request: that
     * is what p99 latency measured (bench/peers, BENCHMARKS.md). */
    unsigned threads = srv->cfg.threads;
    if (threads == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        threads = ncpu > 0 ? (unsigned)ncpu : 1;
        if (threads > HTTP_MAX_DEFAULT_THREADS)
            threads = HTTP_MAX_DEFAULT_THREADS;
    }
    /* libmicrohttpd splits the connection limit over the pool's threads; a thread with a
     * share of 0 would refuse every connection it picks up. */
    if (srv->cfg.max_connections && threads > srv->cfg.max_connections)
        threads = srv->cfg.max_connections;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[8];
    int n = 0;
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.connection_timeout, NULL};
    if (srv->cfg.max_connections)
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections, NULL};
    /* libmicrohttpd zeroes the whole per-connection pool on every request: a 256 KB pool cost
     * ~10 us of memset per GetItem.  16 KB takes request headers up to ~15 KB (DynamoDB
     * Local's Jetty answers 431 above 8 KB; so do we, above the pool); bodies are streamed
     * into our own buffer. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_POOL, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    l->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_access, l, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, http_completed,
                            l, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!l->d)
        return err_set(e, ERR_IO, "cannot listen on %s port %d (in use or not permitted)",
                       srv->host, port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
    l->port = info ? (int)info->port : port;
    return 0;
}

int http_server_start(const http_config *cfg, api_t *api, const sigv4_creds *creds,
                      msg_service *svc, http_server **out, err_t *e)
{
    int rc;
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return err_set(e, ERR_NOMEM, "out of memory");
    srv->cfg = *cfg;
    snprintf(srv->host, sizeof srv->host, "%s", cfg->host ? cfg->host : "127.0.0.1");
    snprintf(srv->region, sizeof srv->region, "%s", cfg->region ? cfg->region : "us-east-1");
    srv->cfg.host = srv->host;
    srv->cfg.region = srv->region;
    srv->proto = (ddb_proto){.api = api,
                             .creds = creds,
                             .namespace_tables = cfg->namespace_tables,
                             .region = srv->region};
    srv->svc = svc;
    atomic_init(&srv->in_flight, 0);
    if (http_pool_new(cfg->pool_threads ? cfg->pool_threads : HTTP_POOL_MAX_THREADS,
                      &srv->pool) != 0) {
        free(srv);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    srv->ddb.port = srv->rest.port = -1;
    if (cfg->dynamodb_port >= 0) {
        if (!api) {
            rc = err_set(e, ERR_VALIDATION, "the DynamoDB listener needs an api");
            goto fail;
        }
        if ((rc = http_listen(srv, &srv->ddb, HTTP_KIND_DDB, cfg->dynamodb_port, e)))
            goto fail;
    }
    if (cfg->api_port >= 0 && (rc = http_listen(srv, &srv->rest, HTTP_KIND_REST, cfg->api_port, e)))
        goto fail;
    *out = srv;
    return 0;
fail:
    http_server_stop(srv);
    return rc;
}

int http_server_dynamodb_port(const http_server *s)
{
    return s && s->ddb.d ? s->ddb.port : -1;
}

int http_server_api_port(const http_server *s)
{
    return s && s->rest.d ? s->rest.port : -1;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    int lfd[2] = {-1, -1};
    http_listener *ls[2] = {&s->ddb, &s->rest};
    for (int i = 0; i < 2; i++) /* stop accepting */
        if (ls[i]->d)
            lfd[i] = (int)MHD_quiesce_daemon(ls[i]->d);
    /* let in-flight requests finish (bounded) */
    for (int i = 0; i < HTTP_DRAIN_SECONDS * 100 && atomic_load(&s->in_flight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* the pool's jobs still running resume their connections: before the daemons stop
     * (libmicrohttpd must not be stopped with a suspended connection) */
    http_pool_free(s->pool);
    s->pool = NULL;
    for (int i = 0; i < 2; i++) {
        if (ls[i]->d)
            MHD_stop_daemon(ls[i]->d);
        ls[i]->d = NULL;
        if (lfd[i] >= 0)
            close(lfd[i]);
    }
    free(s);
}
