/*
 * http — libmicrohttpd glue, a request's life (head, body, budgets, the pool, replies), and
 * start/stop.  Layer: server.  See http.h (behaviour) and http_int.h (the model; how to add
 * a route).  The listeners' routes and dialects are http_routes.c's, their connections
 * (slots, the reaper) http_conn.c's, the replies libmicrohttpd does not send itself (writes
 * answered later, half-closed clients) http_later.c's; what they share, http_srv.h.
 * Tests: tests/unit/server/test_http.c, tests/e2e/test_protocol.py (keep-alive, limits,
 * HTTP edge cases, compressed bodies, dropped and silent clients), tests/e2e/test_overload.py,
 * test_auth.py, test_clients.py.
 *
 * Per request: the URI log callback (the first thing MHD tells us) allocates the request
 * context (http_req) and keeps the raw target; the first access-handler call collects and
 * checks headers and parameters (counted in full: more than the limits is an error, not a
 * silent cut) and decides what the body will be (kept within the budget, discarded, or
 * refused at once); the body calls fill it; the last call runs the route on the polling
 * thread (a request that does not block: reads), or hands it to the blocking pool
 * (http_pool.h) and suspends the connection -- or answers "busy" at once when the pool's
 * queue is full.  A pool thread runs the route and resumes the connection; MHD calls the
 * access handler again, which queues the reply (and gives the connection the idle timeout
 * again).  The completion callback frees the context.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/log.h"
#include "messaging/events.h"
#include "messaging/msg_err.h"
#include "messaging/service.h"
#include "server/ddb_proto.h"
#include "server/http_decode.h"
#include "server/http_int.h"
#include "server/http_pool.h"
#include "server/http_srv.h"
#include "server/metrics_http.h"
#include "value/jout.h"

#define HTTP_DRAIN_SECONDS 10
#define HTTP_DISCARD_MAX ((unsigned long long)64 << 20) /* body bytes read to answer 413 */
#define HTTP_EARLY_REFUSE_BYTES ((unsigned long long)64 << 10) /* bigger bodies are refused
                                                                  before being read */
#define HTTP_MAX_DEFAULT_THREADS 64
#define HTTP_POOL_MAX_THREADS 256 /* requests blocked at once (writes waiting for a commit) */
#define HTTP_DDB_MEMORY_BUDGET ((size_t)256 << 20) /* request bodies held at once */
#define HTTP_REST_MEMORY_BUDGET ((size_t)64 << 20)
/* What the endpoint's big requests may take beyond their bodies while they are parsed and run:
 * our reader's tree (value/jread.h: up to 40 bytes a body byte, ~12 for DynamoDB JSON values,
 * 32 for "[0,0,...]"), a jansson tree for the operations that read one (~20), the request's
 * arena (api.c: up to 32 bytes a body byte past 8 MB).  Each body byte past the first
 * HTTP_PARSE_FREE_BYTES of a request is charged HTTP_PARSE_PER_BODY_BYTE bytes of the
 * listener's parse budget once the body is complete (http_dispatch; a compressed one's
 * decoded length once it is decoded), given back when the request completes: a 16 MB body
 * takes 480 MB of it, so two such requests run at once, not 16 (16 polling or pool threads
 * could otherwise hold ~8 GB of trees); a request the budget cannot take gets the busy reply,
 * as one past the body budget does.  Smaller requests are not charged.  Not when the body is
 * announced: two clients that announced 16 MB and sent it slowly (at the 64 KB/s a body may
 * take) held the whole budget for minutes, and every big request meanwhile was refused. */
#define HTTP_DDB_PARSE_BUDGET ((size_t)1 << 30)
/* The endpoint's reply text held at once past each reply's first DDB_PROTO_REPLY_FREE bytes:
 * charged as a reply is written (ddb_proto_req.reply_charge), given back when it has been
 * sent or its connection closed.  A client that does not read keeps its reply's text until
 * the idle timeout; ten such clients of a 5 KB BatchGetItem whose reply is ~96 MB of text held
 * 939 MB (review14 F12).  A reply that would pass it gets the busy reply instead; one that may
 * follow a write is charged whatever it says (review15 F7) past the room a write returning an
 * item reserved before it was applied (review15 F11: api/op_item.c), and while that keeps the
 * budget passed, a connection sending a reply gets the read timeout for it, not the idle one
 * (http_send: a client that does not read it is closed after that much silence).  The largest
 * reply (256 MB of text: ddb_proto.c) fits it alone. */
#define HTTP_DDB_REPLY_BUDGET ((size_t)256 << 20)
/* The REST listener's: the same rule on its replies' bytes past HTTP_REST_REPLY_FREE each
 * (http_routes.c http_rest_api).  A listing of 100 messages of control characters (each
 * escaped in six bytes) is ~630 KB; 1,000 clients that asked for one and never read held 562 MB
 * (RssAnon) and 4,096 would have held ~2.5 GB; a read past it gets the busy 503 instead
 * (test_overload.py::test_rest_replies_to_clients_that_do_not_read_stay_within_a_budget). */
#define HTTP_REST_REPLY_BUDGET ((size_t)64 << 20)
/* A REST connection's kernel send buffer (SO_SNDBUF; Linux doubles it for its bookkeeping, 128
 * KB a socket).  The budget above counts the bytes libmicrohttpd has not handed to the kernel;
 * what it has sits in the socket until the client reads, and Linux grows a socket's buffer up
 * to tcp_wmem's max (4 MB here) for a client that does not read: 300 clients of a 630 KB
 * listing that never read held 73 MB of RssAnon and 379 MB of socket buffers (ss -tm, the
 * sum of the server's sockets' w).  Capped, they hold 128 KB each at most: 4,096 connections
 * (REST's default max) hold 512 MB of kernel memory at worst.  A reply then travels at
 * 128 KB a round trip (50 ms away: ~2.5 MB/s), ample for a listing.  The endpoint keeps the
 * kernel's autotuning (its SDK clients' replies reach 16 MB): README says what that costs.
 * test_overload.py::test_rest_replies_to_clients_that_do_not_read_stay_within_a_budget. */
#define HTTP_REST_SNDBUF (64 << 10)
#define HTTP_PARSE_FREE_BYTES ((size_t)1 << 20)
#define HTTP_PARSE_PER_BODY_BYTE 32
#define HTTP_CONN_POOL (16 << 10) /* libmicrohttpd per-connection memory pool */
#define HTTP_SMALL_BODY 4096      /* first allocation for a body of unknown length */
/* A body whose Content-Length is at most this is allocated (and charged to the memory budget)
 * whole when its head is read; a bigger one grows as its bytes arrive, so a client that
 * announces 16 MB and sends it slowly holds what it sent, not 16 MB of the budget (16 such
 * clients held all 256 MB of it: every body on a new connection was refused meanwhile). */
#define HTTP_UPFRONT_BODY ((size_t)64 << 10)
#define HTTP_MIN_BODY_RATE (64 << 10) /* bytes a second: a slower body misses its deadline */

void http_config_default(http_config *c)
{
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->dynamodb_port = 8000;
    c->api_port = 4567;
    c->dynamodb_fd = c->api_fd = -1;
    c->connection_timeout = HTTP_DEFAULT_TIMEOUT_S;
    c->read_timeout = HTTP_DEFAULT_READ_TIMEOUT_S;
    c->region = "us-east-1";
}

/* ---- request deadlines ------------------------------------------------------------------
 * libmicrohttpd's connection timeout is one of inactivity: every byte restarts it, and it
 * tells us nothing before a request's head is complete, so 1,100 clients that trickled their
 * header lines a byte every few seconds (slowloris) held every slot for as long as they
 * liked.  So each connection also has an absolute deadline for the request being read: the
 * head within read_timeout of the connection's start or of its request line (whichever is
 * first), the body within read_timeout of the head plus the time its bytes take at
 * HTTP_MIN_BODY_RATE; between requests the idle timeout its last reply gave it.  The reaper
 * thread shuts down the socket of a connection past its deadline; libmicrohttpd then sees
 * the close and cleans up as for a client that went away. */

static void http_deadline_set(http_conn *hc, long long at)
{
    if (hc)
        atomic_store(&hc->deadline, at);
}

/* The deadline becomes `at` unless it is already earlier (a request line that comes late in
 * a connection's first read_timeout does not get a new one). */
static void http_deadline_cap(http_conn *hc, long long at)
{
    if (!hc)
        return;
    long long cur = atomic_load(&hc->deadline);
    if (cur == 0 || cur > at)
        atomic_store(&hc->deadline, at);
}

/* ---- memory budget -------------------------------------------------------------------- */

static int http_budget_take(http_listener *l, size_t n)
{
    return http_take(&l->mem, l->memory_budget, n);
}

/* Charges the parse budget (HTTP_DDB_PARSE_BUDGET) what r may take to parse and run a body
 * of `total` bytes held (beyond what it was charged).  0, or -1 when it says no (nothing
 * taken). */
static int http_parse_take(http_req *r, size_t total)
{
    http_listener *l = r->l;
    if (!l->parse_budget || total <= HTTP_PARSE_FREE_BYTES)
        return 0;
    size_t parse = (total - HTTP_PARSE_FREE_BYTES) * HTTP_PARSE_PER_BODY_BYTE;
    if (parse > r->parse_reserved) {
        if (http_take(&l->parse, l->parse_budget, parse - r->parse_reserved))
            return -1;
        r->parse_reserved = parse;
    }
    return 0;
}

/* Charges `more` bytes of a request's decoded body (the decoder's buffer, growing by
 * doubling) to the memory budget: 0, or -1 when it says no (nothing taken).  The parse budget
 * is charged once the body is decoded, on its length (http_run): charged here on the raw
 * buffer plus the decoded capacity, a BatchWriteItem of 9 MB of JSON sent as 7 MB of gzip
 * took ~480 MB of it, not 256, and of three at once one got the busy reply (frB 3). */
static int http_reserve(void *ctx, size_t more)
{
    http_req *r = ctx;
    if (http_budget_take(r->l, more))
        return -1;
    r->reserved += more;
    return 0;
}

/* Grows the body buffer to hold `need` bytes and a NUL, charging what is allocated to the
 * memory budget: exactly that (a small declared Content-Length) or doubling (up to the
 * declared length, if any).  0, -2 when the budget says no, -3 when out of memory. */
static int http_body_grow(http_req *r, size_t need, bool exact)
{
    size_t want = need + 1, limit = (r->expect ? r->expect : r->l->body_limit) + 1;
    if (want <= r->body_cap)
        return 0;
    size_t cap = want;
    if (!exact) {
        cap = r->body_cap * 2;
        if (cap < HTTP_SMALL_BODY)
            cap = HTTP_SMALL_BODY;
        if (cap < want)
            cap = want;
        if (cap > limit)
            cap = limit > want ? limit : want;
    }
    if (http_budget_take(r->l, cap - r->body_cap))
        return -2;
    r->reserved += cap - r->body_cap;
    char *np = realloc(r->body, cap);
    if (!np)
        return -3;
    r->body = np;
    r->body_cap = cap;
    return 0;
}

/* ---- replies ------------------------------------------------------------------------ */

/* The timeout a connection has after this reply: the idle one between requests, but only
 * the read timeout once more than half of max_connections are open, so that clients which
 * make a request and then sit on their keep-alive connection cannot hold every slot for the
 * idle timeout (1,024 such clients locked the endpoint out for 300 s). */
static unsigned http_after_reply_timeout(const http_listener *l)
{
    unsigned idle = l->idle_timeout;
    if (atomic_load(&l->open) > l->max_connections / 2 && (idle == 0 || idle > l->read_timeout))
        idle = l->read_timeout;
    return idle;
}

/* Queues r->resp on the connection (MHD thread).  Takes the body. */
static enum MHD_Result http_send(http_req *r)
{
    http_cors_any(r);
    http_response *p = &r->resp;
    struct MHD_Response *m = p->mhd;
    p->mhd = NULL;
    if (!m) {
        /* the body, once sent, is kept for this thread's next reply (jout_text_free) */
        m = p->body ? MHD_create_response_from_buffer_with_free_callback(p->body_len, p->body,
                                                                         jout_text_free)
                    : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!m) {
            free(p->body);
            p->body = NULL;
            return MHD_NO;
        }
        p->body = NULL;
        if (p->content_type)
            MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, p->content_type);
    }
    for (int i = 0; i < p->n_headers; i++)
        MHD_add_response_header(m, p->headers[i].name, p->headers[i].value);
    if (p->close || r->close_after)
        MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
    /* the request has been read: while the reply goes out (a big one to a slow reader, a
     * stream) the idle timeout applies, not the read timeout (the read timeout when busy:
     * http_after_reply_timeout); none for a long-lived reply */
    unsigned timeout = p->no_timeout ? 0u : http_after_reply_timeout(r->l);
    /* forced past the reply budget (see its comment): the read timeout, also when idle time
     * is unlimited (--connection-timeout 0: timeout 0) */
    if (r->reply_charged && !p->no_timeout && (timeout == 0 || timeout > r->l->read_timeout) &&
        atomic_load(&r->l->reply) > r->l->reply_budget)
        timeout = r->l->read_timeout;
    MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, timeout);
    if (p->sse && r->hc) { /* a stream: the reaper watches it instead (http_reap_streams) */
        pthread_mutex_lock(&r->l->conns_mu);
        http_sse_unhold(r->hc);
        r->hc->sse = p->sse;
        p->sse->refs++;
        r->hc->sse_dropped = false;
        r->hc->sse_stall_ms = 0;
        pthread_mutex_unlock(&r->l->conns_mu);
    }
    else if (r->hc) /* the reaper watches it until it is sent (http_reap_send) */
        atomic_store(&r->hc->sending, r->hc->replies + 1);
    p->sse = NULL;
    r->state = R_ANSWERED;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)p->status, m);
    MHD_destroy_response(m);
    return ret;
}

/* The request's Origin header among those collected so far (http_begin), or NULL: the REST
 * port's refusals carry the CORS headers it gets. */
static const char *http_req_origin(const http_req *r)
{
    return http_header_in(r->headers, r->n_headers, "Origin");
}

/* The request's Content-Type for a reply made outside the DynamoDB endpoint's handler
 * (dp_handle): the header's value, "" when the request has none, NULL when that is not known.
 * Every early answer (http_answer_now) comes after http_begin collected the headers, so it is
 * known except when more than HTTP_MAX_HEADERS came and the type was not among those kept (the
 * 431): such a reply keeps application/x-amz-json-1.0 (ddb_proto_reply_type).  test_protocol
 * test_early_replies_follow_the_request_type. */
static const char *http_req_ctype(const http_req *r)
{
    if (r->content_type)
        return r->content_type;
    return r->headers_seen > HTTP_MAX_HEADERS ? NULL : "";
}

/* Answers at once (MHD thread): a transport error or "busy".  close: the body was not (or
 * not fully) read, so the connection cannot carry another request. */
static enum MHD_Result http_answer_now(http_req *r, int status, const char *why, bool close)
{
    http_listener *l = r->l;
    http_resp_init(&r->resp);
    const char *origin = http_req_origin(r), *ctype = http_req_ctype(r);
    if (status)
        l->dialect->error(l->srv, origin, ctype, status, why, &r->resp);
    else
        l->dialect->overload(l->srv, origin, ctype, &r->resp);
    r->resp.close = close;
    return http_send(r);
}

/* ---- running a request ------------------------------------------------------------- */

static bool http_route_match(const http_route *rt, const char *method, const char *path)
{
    if (rt->method && strcmp(rt->method, method) != 0)
        return false;
    if (!rt->path)
        return true;
    size_t n = strlen(rt->path);
    return rt->prefix ? strncmp(path, rt->path, n) == 0 : strcmp(path, rt->path) == 0;
}

/* Computes the reply into r->resp (polling thread or pool thread): decode the body, route,
 * run the handler. */
static void http_run(http_req *r)
{
    http_listener *l = r->l;
    http_server *srv = l->srv;
    http_resp_init(&r->resp);
    if (r->enq_ms && base_mono_ms() - r->enq_ms > (long long)srv->queue_timeout_ms) {
        /* waited too long for a pool thread */
        l->dialect->overload(srv, http_req_origin(r), http_req_ctype(r), &r->resp);
        return;
    }
    http_request req = {.method = r->method,
                        .path = r->path,
                        .query = r->query,
                        .query_len = r->query_len,
                        .params = r->params,
                        .n_params = r->n_params,
                        .params_have_nul = r->params_have_nul,
                        .headers = r->headers,
                        .n_headers = r->n_headers,
                        .amz_target = r->amz_target,
                        .authorization = r->authorization,
                        .content_type = r->content_type,
                        .raw_body = r->body_len ? r->body : NULL,
                        .raw_body_len = r->body_len,
                        .too_large = r->too_large,
                        .t0 = r->t0,
                        .conn = r->conn,
                        .reply_charge = l->reply_budget ? http_reply_charge : NULL,
                        .reply_ctx = r};
    char *decoded = NULL;
    if (!r->too_large && r->body_len && !http_encoding_is_identity(r->content_encoding)) {
        size_t dl = 0, granted = 0;
        int dr = http_decode_body(r->content_encoding, r->body, r->body_len, l->body_limit,
                                  http_reserve, r, &decoded, &dl, &granted);
        switch (dr) {
        case HTTP_DECODE_OK:
            req.body = decoded;
            req.body_len = dl;
            if (http_parse_take(r, dl)) { /* what the decoded body's parse may take */
                free(decoded);
                l->dialect->overload(srv, http_header(&req, "Origin"), http_req_ctype(r),
                                     &r->resp);
                return;
            }
            break;
        case HTTP_DECODE_TOO_LARGE:
            req.too_large = true;
            break;
        case HTTP_DECODE_UNSUPPORTED:
            l->dialect->error(srv, http_header(&req, "Origin"), http_req_ctype(r), 415,
                              "unsupported Content-Encoding (gzip, deflate, identity)", &r->resp);
            return;
        case HTTP_DECODE_CORRUPT:
            l->dialect->error(srv, http_header(&req, "Origin"), http_req_ctype(r), 400,
                              "the body is not valid for its Content-Encoding", &r->resp);
            return;
        case HTTP_DECODE_REFUSED:
            l->dialect->overload(srv, http_header(&req, "Origin"), http_req_ctype(r), &r->resp);
            return;
        default:
            l->dialect->error(srv, http_header(&req, "Origin"), http_req_ctype(r), 500,
                              "out of memory", &r->resp);
            return;
        }
    } else if (!r->too_large && r->body_len) {
        r->body[r->body_len] = '\0'; /* room: http_body_grow keeps one byte */
        req.body = r->body;
        req.body_len = r->body_len;
    }
    const http_route *rt = l->dialect->routes;
    while (rt->fn && !http_route_match(rt, req.method, req.path))
        rt++;
    if (rt->fn)
        rt->fn(srv, &req, &r->resp);
    else
        l->dialect->error(srv, http_header(&req, "Origin"), http_req_ctype(r), 404,
                          "no such route", &r->resp);
    free(decoded);
}

/* DynamoDB operations that never wait for a commit: they run on the polling threads.
 * DescribeTable is not one: a table with vector indexes counts their ItemCount /
 * IndexSizeBytes from its items (api_vector.c), a read of the whole table that would stall
 * every connection of a polling thread (review10 F5); on the pool it costs the others
 * nothing, and a describe is a control-plane call, rare next to reads. */
static const char *const http_inline_ops[] = {
    "GetItem",           "BatchGetItem",        "Query",         "Scan",
    "TransactGetItems",  "ListTables",          "DescribeTimeToLive",
    "ListTagsOfResource", "DescribeEndpoints",  "DescribeLimits",
};

/* Whether the request may block for long (see the file comment): writes (they wait for
 * their group commit), a compressed body (decoding it is work), REST over a remote
 * endpoint. */
static bool http_blocking(const http_req *r)
{
    const http_listener *l = r->l;
    if (r->too_large)
        return false;
    if (!http_encoding_is_identity(r->content_encoding))
        return true;
    const char *method = r->method;
    if (l->dialect == &http_rest_dialect)
        return l->srv->cfg.rest_blocking || strcmp(method, "POST") == 0 ||
               strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
               strcmp(method, "PATCH") == 0;
    const char *target = r->amz_target; /* http_collect_header */
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
    http_run(r);
    r->state = R_DONE;
    if (r->l->srv->peek_delay_ms) { /* tests: the client's FIN comes before the resume */
        struct timespec ts = {r->l->srv->peek_delay_ms / 1000,
                              (long)(r->l->srv->peek_delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    MHD_resume_connection(c); /* MHD calls the access handler, which sends the reply */
}

/* The request is complete: run it here, or hand it to the pool and suspend the connection;
 * or answer "busy" at once when the pool's queue is full (MHD thread). */
static enum MHD_Result http_dispatch(http_req *r)
{
    http_server *srv = r->l->srv;
    http_deadline_set(r->hc, 0); /* read in full: from here on MHD's timeouts apply */
    /* the body is all here: it may be parsed now; charged on its length, not its buffer's
     * capacity (a chunked body grows by doubling: 9 MB in 16 MB) */
    if (http_parse_take(r, r->body_len))
        return http_answer_now(r, 0, NULL, false);
    if (!http_blocking(r)) {
        http_run(r);
        return http_send(r);
    }
    if (http_later_ok(r)) {
        int lr = http_run_later(r);
        if (lr == 1)
            return MHD_YES;
        if (lr == 0)
            return http_send(r);
        if (lr == 2)
            return http_answer_now(r, 0, NULL, false);
    }
    pthread_mutex_lock(&srv->pool_mu);
    if (srv->pool && http_pool_queued(srv->pool) >= srv->queue_limit) {
        pthread_mutex_unlock(&srv->pool_mu);
        return http_answer_now(r, 0, NULL, false);
    }
    if (!srv->pool || http_pool_reserve(srv->pool) != 0) { /* stopping, or no thread can be
                                                              started: run it here */
        pthread_mutex_unlock(&srv->pool_mu);
        http_run(r);
        return http_send(r);
    }
    r->state = R_QUEUED;
    r->enq_ms = base_mono_ms();
    r->job.run = http_job_run;
    if (r->hc)
        http_eof_hold(r->hc->fd, true); /* until http_completed: pipelined requests stay */
    MHD_suspend_connection(r->conn); /* suspended before a pool thread can resume it */
    http_pool_submit(srv->pool, &r->job);
    pthread_mutex_unlock(&srv->pool_mu);
    return MHD_YES;
}

/* The pool's queue is full now (a request that would wait is better refused at once). */
static bool http_pool_full(http_server *srv)
{
    pthread_mutex_lock(&srv->pool_mu);
    bool full = srv->pool && http_pool_queued(srv->pool) >= srv->queue_limit;
    pthread_mutex_unlock(&srv->pool_mu);
    return full;
}

/* ---- libmicrohttpd callbacks ----------------------------------------------------------- */

/* A query of more than HTTP_MAX_PARAMS + 1 parameters is cut after them in libmicrohttpd's
 * own buffer, and r->params_cut set (http_begin answers it 400 "too many query parameters").
 * libmicrohttpd stores each parameter in the connection's memory pool (HTTP_CONN_POOL, ~56
 * bytes a parameter) right after the URI log callback, parsing them from the request line
 * `uri` points into; a few hundred short ones ("a&" each) exhaust the pool, and
 * libmicrohttpd 0.9.75 then closes the connection without an answer (its 431 finds no room
 * either): 240 parameters did (fuzz20; tests/e2e/test_protocol.py
 * test_a_query_that_fills_the_connection_pool_is_400). */
static void http_cut_query(http_req *r, const char *uri, size_t len)
{
    const char *q = memchr(uri, '?', len), *end = uri + len;
    if (!q)
        return;
    size_t pieces = 1;
    for (const char *p = q + 1; p < end && (p = memchr(p, '&', (size_t)(end - p))) != NULL; p++)
        if (++pieces > HTTP_MAX_PARAMS + 1) {
            *(char *)p = '\0'; /* the request line's, in the read buffer: parsed up to here */
            r->params_cut = true;
            return;
        }
}

/* The first thing MHD tells about a request: its raw target.  The context starts here: the
 * connection's previous one when it kept it (http_completed), else a new one. */
static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    http_listener *l = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_conn *hc = ci ? ci->socket_context : NULL;
    http_req *r = hc ? hc->spare : NULL;
    if (r) {
        hc->spare = NULL;
    } else {
        r = malloc(sizeof *r); /* not calloc: the header/param arrays need no zeroing */
        if (!r)
            return NULL;
        r->target = NULL;
        r->target_cap = 0;
        r->body = NULL;
        r->body_cap = 0;
    }
    memset(r, 0, offsetof(http_req, target));
    r->resp.body = NULL;
    r->resp.mhd = NULL;
    r->resp.no_timeout = false;
    r->resp.sse = NULL;
    r->l = l;
    r->conn = c;
    r->state = R_NEW;
    r->target_len = strlen(uri);
    size_t need = 2 * r->target_len + 2; /* the raw target + the decoded path */
    if (need > r->target_cap) {
        size_t cap = need < 256 ? 256 : need;
        char *t = malloc(cap);
        if (!t) {
            http_req_free(r);
            return NULL;
        }
        free(r->target);
        r->target = t;
        r->target_cap = cap;
    }
    memcpy(r->target, uri, r->target_len + 1);
    r->path = r->target + r->target_len + 1;
    http_cut_query(r, uri, r->target_len);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->hc = hc;
    if (r->hc)
        atomic_store(&r->hc->idle, false);
    /* a request line: its head is due within the read timeout (from t0, read just above:
     * one clock read fewer a request) */
    long long now_ms = (long long)r->t0.tv_sec * 1000 + r->t0.tv_nsec / 1000000;
    http_deadline_cap(r->hc, now_ms + (long long)l->read_timeout * 1000);
    if (hc)
        hc->cur = r;
    return r;
}

/* RFC 9110 5.5: whether a header value held a NUL.  libmicrohttpd 0.9.75 parses the head in
 * place in its read buffer: each line's CR and LF become NULs, the name's colon a NUL, and a
 * value ends at its first NUL (its size is its strlen), so "ListTables\0junk" reached us as
 * "ListTables" and the rest of the line was dropped unseen (the value a signature covered
 * too).  From the end of each value as libmicrohttpd gave it (its trailing blanks included:
 * http_collect_header cuts them after) to the first byte of the next name, a line without a
 * NUL leaves only its line end: one NUL (a bare LF or CR) or two (CR LF); for the last value,
 * to the end of the head (MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes from the method's
 * first), its line end and the blank line's: 2 to 4 NULs.  Anything more is the rest of a line
 * a NUL cut short ("ListTables\0" then CR LF: three NULs, taken before as a line end and
 * served).  `most` is that bound: 2, and for the last twice the width of the line end seen
 * before it (4 after a CR LF, 2 after a bare LF: the blank line is taken to end as the lines
 * before it, so a head that turns from bare LF to CR LF on its last line is refused).  Not
 * told apart: a NUL followed by a bare LF reads as a CR LF (both become NULs in place), so
 * one NUL before a bare LF where the line before ends in CR LF still passes (two on the last
 * line: "a\0\0" then LF LF after CR LF lines); what a front end reads there is our value with
 * NULs after it, nothing else (any other byte is judged).  libmicrohttpd's in-place parse
 * leaves no other trace of the line ends to tell them by.  A value outside the span is not judged (none is,
 * but for a folded line, which libmicrohttpd joins elsewhere: its leftovers are judged, a
 * 400, as RFC 9112 5.2 allows).  http_collect_header judges the gap before each name as it
 * collects (its headers come in the order sent; a value's end is value + value_size, no
 * strlen), http_begin the last one.  The usual gap, a line's CR LF, is told apart before the
 * call (http_gap_clean: two NULs right before the name): ~10 instructions a header where the
 * whole check cost ~30 (callgrind, GetItem: 7 headers), rather than a second pass with a
 * strlen each (~440 a request).  test_protocol test_nul_byte_in_header_is_400. */
static inline bool http_gap_dirty(uintptr_t from, uintptr_t to, uintptr_t lo, uintptr_t hi,
                                  size_t most)
{
    /* a value outside the head (unknown span: lo = hi = 0; a folded line's copy) is not
     * judged; from in [lo, hi): one unsigned compare */
    if (from - lo >= hi - lo || to < from || to > hi)
        return false;
    if (to - from > most)
        return true;
    for (const char *p = (const char *)from; from < to; from++, p++)
        if (*p)
            return true;
    return false;
}

/* Whether the previous value ended (value_end) exactly two NULs before key: its line's CR LF
 * as libmicrohttpd leaves them, the gap of nearly every header, clean whatever the span.
 * key[-2] and key[-1] are read only then, and are in the head: a request line comes first. */
static inline bool http_gap_clean(uintptr_t value_end, const char *key)
{
    uint16_t two;
    if ((uintptr_t)key - value_end != 2)
        return false;
    memcpy(&two, key - 2, 2);
    return two == 0;
}

static enum MHD_Result http_collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           size_t key_size, const char *value,
                                           size_t value_size)
{
    http_req *r = cls;
    r->headers_seen++;
    uintptr_t value_end = (uintptr_t)value + value_size; /* as given (http_gap_dirty); NULL: 0 */
    /* RFC 9110 5.5: a field value excludes trailing whitespace, which libmicrohttpd 0.9.75
     * keeps ("X-Amz-Target: ...ListTables " was UnknownOperationException; DynamoDB Local
     * serves it: test_protocol test_header_values_lose_their_trailing_whitespace).  Cut in
     * place: the value is the NUL-terminated copy in the connection's pool, which
     * libmicrohttpd has finished parsing; SigV4 trims it the same way. */
    if (value && value_size && (value[value_size - 1] == ' ' || value[value_size - 1] == '\t')) {
        char *v = (char *)value;
        while (value_size && (v[value_size - 1] == ' ' || v[value_size - 1] == '\t'))
            value_size--;
        v[value_size] = '\0';
    }
    if (r->n_headers < HTTP_MAX_HEADERS) {
        r->headers[r->n_headers++] = (sigv4_header){key, value ? value : ""};
        if (http_gap_clean(r->value_end, key))
            r->eol = 2;
        else if (http_gap_dirty(r->value_end, (uintptr_t)key, r->head_lo, r->head_hi, 2))
            r->bad_header_byte = true; /* the previous value's line held a NUL */
        else if (!r->value_end) /* the first name: the request line's end before it, the
                                 * only line end a one-header head shows (review31a) */
            r->eol = (uintptr_t)key >= r->head_lo + 2 && key[-2] == 0 ? 2 : 1;
        else if ((uintptr_t)key > r->value_end)
            r->eol = (unsigned char)((uintptr_t)key - r->value_end); /* 1 or 2, judged */
        r->value_end = value_end;
        /* what http_blocking routes by: the first, as a search of headers[] finds */
        char k0 = (char)(key[0] | 0x20);
        if (k0 == 'x' && key_size == 12 && HTTP_NAME_IS(key, key_size, "x-amz-target")) {
            if (!r->amz_target)
                r->amz_target = value ? value : "";
            else if (strcmp(r->amz_target, value ? value : "") != 0)
                r->target_conflict = true; /* http_begin: a 400 on the endpoint */
        } else if (!r->authorization && k0 == 'a' && key_size == 13 &&
                 HTTP_NAME_IS(key, key_size, "authorization"))
            r->authorization = value ? value : "";
        else if (!r->content_type && k0 == 'c' && key_size == 12 &&
                 HTTP_NAME_IS(key, key_size, "content-type"))
            r->content_type = value ? value : "";
    }
    if (value && http_value_has_ctl(value, value_size)) /* RFC 9110 5.5 */
        r->bad_header_byte = true;
    /* RFC 9112 5.1: white space between a field name and its colon MUST be a 400 (a proxy that
     * strips it would frame or route the request otherwise); libmicrohttpd keeps it in the
     * name, so "Content-Length : 5" or "Transfer-Encoding : chunked" went unseen (fuzz20) */
    if (key_size && (key[key_size - 1] == ' ' || key[key_size - 1] == '\t'))
        r->bad_header_byte = true;
    /* the names below start with c, t, h or o and have these lengths: most headers
     * (Content-Type, X-Amz-Date, Accept-Encoding, User-Agent) are passed over without a
     * name compare.  key_size is the name's strlen: libmicrohttpd answers 400 to a NUL before
     * the colon (no colon found); one after it, http_gap_dirty. */
    char c0 = (char)(key[0] | 0x20);
    if (c0 == 'c' && key_size == 14 && HTTP_NAME_IS(key, key_size, "content-length")) {
        if (r->content_length && strcmp(r->content_length, value ? value : "") != 0)
            r->cl_conflict = true; /* RFC 9112 6.3 */
        r->content_length = value ? value : "";
    } else if (c0 == 'c' && key_size == 16 && HTTP_NAME_IS(key, key_size, "content-encoding")) {
        r->content_encoding = value;
    } else if (c0 == 't' && key_size == 17 && HTTP_NAME_IS(key, key_size, "transfer-encoding")) {
        /* libmicrohttpd decodes the first such header when it is "chunked" (its comparison:
         * no case, nothing around); anything else, or a second one, it reads as a body that
         * ends with the connection */
        r->te_other = r->has_te || !value || strcasecmp(value, "chunked") != 0;
        r->has_te = true;
    } else if (c0 == 'h' && key_size == 4 && HTTP_NAME_IS(key, key_size, "host")) {
        r->hosts++;
    } else if (c0 == 'a' && key_size == 13 && HTTP_NAME_IS(key, key_size, "authorization")) {
        r->auths++;
    } else if (c0 == 'o' && key_size == 6 && HTTP_NAME_IS(key, key_size, "origin")) {
        r->has_origin = value && *value; /* an empty Origin names no origin (review18 L8) */
    }
    return MHD_YES;
}

static enum MHD_Result http_collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                          size_t key_size, const char *value,
                                          size_t value_size)
{
    http_req *r = cls;
    r->params_seen++;
    if (r->n_params < HTTP_MAX_PARAMS)
        r->params[r->n_params++] = (sigv4_param){key, value};
    if ((key && memchr(key, '\0', key_size)) || (value && memchr(value, '\0', value_size)))
        r->params_have_nul = true;
    return MHD_YES;
}

/* The first access-handler call: headers and parameters are in. */
static enum MHD_Result http_begin(http_req *r, struct MHD_Connection *c, const char *method,
                                  const char *version)
{
    http_listener *l = r->l;
    r->method = method;
    r->counted = true; /* from here on a graceful stop waits for this request */
    atomic_fetch_add(&l->in_flight, 1);
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, l->read_timeout);
    if (r->hc) { /* the head is in: the body is due by its own deadline (http_body) */
        r->hc->body_ms = base_mono_ms();
        http_deadline_set(r->hc, r->hc->body_ms + (long long)l->read_timeout * 1000);
    }
    /* the head's span for http_collect_header's NUL check (http_gap_dirty) */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (ci && method) {
        r->head_lo = (uintptr_t)method;
        r->head_hi = r->head_lo + ci->header_size;
    }
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, http_collect_header, r);
    /* the last value's line end and the blank line's: twice the last line end seen, the
     * request line's for a head of one header (a head of bare LFs leaves 2 NULs, where CR
     * LF's bound of 4 let "a\0\0" then LF LF through: read30a R30a-8, review31a); 4 when
     * no header was collected */
    if (http_gap_dirty(r->value_end, r->head_hi, r->head_lo, r->head_hi,
                       r->eol ? 2u * r->eol : 4u))
        r->bad_header_byte = true;
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, http_collect_param, r);
    const char *why = NULL;
    int st = http_split_target(r->target, r->target_len, r->path, &r->query, &r->query_len, &why);
    if (st)
        return http_answer_now(r, st, why, true);
    /* a connection that came beyond max_connections, if that is still so now that it sent a
     * request (a client that closed just before may not have been counted out yet) */
    if (r->hc && atomic_load(&r->hc->overflow)) {
        if (http_slot_take(l, r->hc)) /* freed meanwhile, or an idle one gave way */
            http_slot_got(l, r->hc);
        else if (atomic_load(&l->open) > l->max_connections && http_still_over(l))
            return http_answer_now(r, 0, NULL, true);
    }
    if (r->headers_seen > HTTP_MAX_HEADERS)
        return http_answer_now(r, 431, "too many header fields", true);
    if (r->params_seen > HTTP_MAX_PARAMS || r->params_cut)
        return http_answer_now(r, 400, "too many query parameters", true);
    if (r->cl_conflict)
        return http_answer_now(r, 400, "conflicting Content-Length values", true);
    /* RFC 9112 6.3: both framings is a smuggling attempt; refused and the connection closed
     * (as DynamoDB Local's Jetty does) */
    if (r->content_length && r->has_te)
        return http_answer_now(r, 400, "Transfer-Encoding and Content-Length", true);
    /* RFC 9112 6.1 / 6.3: a transfer coding other than chunked (libmicrohttpd's only one)
     * was read to the connection's end and closed unanswered at the read timeout (fuzz20);
     * a 400 at once and closed, as DynamoDB Local's Jetty answers all but "gzip, chunked"
     * (test_protocol test_transfer_encoding_other_than_chunked_is_answered_at_once) */
    if (r->te_other)
        return http_answer_now(r, 400, "unsupported Transfer-Encoding (only chunked)", true);
    /* RFC 9112 6.1: HTTP/1.0 has no transfer codings; such a message's framing is faulty and
     * its connection is closed after it is processed, also when it asked for keep-alive (a
     * 1.0 front end would read one body where we read two requests: test_protocol
     * test_http10_with_transfer_encoding_closes_after_its_answer) */
    if (r->has_te && version && strcmp(version, MHD_HTTP_VERSION_1_0) == 0)
        r->close_after = true;
    if (r->hosts > 1)
        return http_answer_now(r, 400, "more than one Host header", true);
    /* two operations in one request: the first was run, while a proxy or a policy check that
     * reads the last sees another (ListTables then DeleteTable); refused like two Hosts (the
     * same value twice is one operation).  DynamoDB Local runs the first (test_protocol
     * test_two_different_operations_are_400) */
    if (r->target_conflict && l->dialect == &http_ddb_dialect)
        return http_answer_now(r, 400, "conflicting X-Amz-Target values", true);
    /* RFC 9110 11.6.2: Authorization is one field; of two, REST took the first, which a
     * proxy that checks the last would not agree on (hostile22; test_messaging
     * test_two_authorization_headers_are_refused).  The endpoint joins them for SigV4. */
    if (r->auths > 1 && l->dialect == &http_rest_dialect)
        return http_answer_now(r, 400, "more than one Authorization header", true);
    if (r->bad_header_byte)
        return http_answer_now(r, 400, "invalid character in a header field", true);
    if (r->params_have_nul && l->dialect == &http_ddb_dialect)
        return http_answer_now(r, 400, "NUL in a query parameter", true);
    /* the body to come */
    unsigned long long cl = 0;
    bool known = false;
    if (r->content_length)
        known = http_parse_length(r->content_length, &cl);
    bool big = !known ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") != NULL
                      : cl > HTTP_EARLY_REFUSE_BYTES;
    http_server *srv = l->srv;
    if (big && http_blocking(r) && http_pool_full(srv))
        return http_answer_now(r, 0, NULL, true); /* refused before its big body is read */
    if (known && cl > l->body_limit) {
        r->too_large = true;
        if (cl > HTTP_DISCARD_MAX) /* do not read gigabytes to discard them: 413 and close */
            return http_answer_now(r, 413, "request body too large", true);
        /* RFC 9110 10.1.1: a client that asked "Expect: 100-continue" has not sent its body;
         * the final status at once instead of the 100 libmicrohttpd would send, which made it
         * send the body to be discarded (test_protocol
         * test_expect_100_continue_with_a_body_over_16mb_is_413_at_once) */
        const char *expect = http_header_in(r->headers, r->n_headers, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0)
            return http_answer_now(r, 413, "request body too large", true);
    } else if (known && cl > HTTP_UPFRONT_BODY) {
        r->expect = (size_t)cl; /* grown and charged as it arrives (http_body) */
    } else if (known && cl > 0) {
        int g = http_body_grow(r, (size_t)cl, true);
        if (g == -2) /* too many bodies held at once */
            return http_answer_now(r, 0, NULL, true);
        if (g)
            return http_answer_now(r, 500, "out of memory", true);
    }
    r->state = R_BODY;
    return MHD_YES;
}

/* Body bytes (MHD thread). */
static enum MHD_Result http_body(http_req *r, const char *data, size_t n)
{
    http_listener *l = r->l;
    r->received += n;
    if (r->hc) /* the body's deadline moves with what has arrived, at the slowest rate
                  allowed: a trickle falls behind it */
        http_deadline_set(r->hc, r->hc->body_ms + (long long)l->read_timeout * 1000 +
                                     (long long)(r->received * 1000 / HTTP_MIN_BODY_RATE));
    if (r->too_large) {
        if (r->received > HTTP_DISCARD_MAX) /* e.g. an endless chunked body */
            return http_answer_now(r, 413, "request body too large", true);
        return MHD_YES;
    }
    if (r->body_len + n > l->body_limit) {
        r->too_large = true;
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
        return MHD_YES;
    }
    int g = http_body_grow(r, r->body_len + n, false);
    if (g == -2)
        return http_answer_now(r, 0, NULL, true);
    if (g)
        return http_answer_now(r, 500, "out of memory", true);
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    return MHD_YES;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    http_req *r = *con_cls;
    if (!r) /* the URI log callback could not allocate */
        return MHD_NO;
    switch (r->state) {
    case R_NEW:
        return http_begin(r, c, method, version);
    case R_BODY:
        if (*upload_data_size) {
            size_t n = *upload_data_size;
            *upload_data_size = 0; /* consumed (or discarded) */
            return http_body(r, upload_data, n);
        }
        return http_dispatch(r);
    case R_DONE: /* resumed by a handler thread */
        return http_send(r);
    case R_ANSWERED: /* answered early: ignore the rest of the body */
        *upload_data_size = 0;
        return MHD_YES;
    default: /* R_QUEUED: not called while suspended */
        return MHD_YES;
    }
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    http_listener *l = cls;
    http_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->hc && r->hc->cur == r)
        r->hc->cur = NULL;
    if (r->hc) {
        atomic_store(&r->hc->sending, 0); /* sent, or never will be */
        http_eof_hold(r->hc->fd, false);  /* its next read may see the client's FIN */
    }
    if (r->counted)
        atomic_fetch_sub(&l->in_flight, 1);
    if (r->reserved)
        atomic_fetch_sub(&l->mem, r->reserved);
    if (r->parse_reserved)
        atomic_fetch_sub(&l->parse, r->parse_reserved);
    if (r->reply_charged) /* sent, or never will be */
        atomic_fetch_sub(&l->reply, r->reply_charged);
    if (r->resp.mhd)
        MHD_destroy_response(r->resp.mhd);
    free(r->resp.body); /* a reply never sent (http_send takes the body) */
    if (r->hc && r->hc->sse) { /* a stream sent (or not): the reaper no longer watches it */
        pthread_mutex_lock(&l->conns_mu);
        http_sse_unhold(r->hc);
        pthread_mutex_unlock(&l->conns_mu);
    }
    /* between requests the connection keeps the idle timeout http_send gave it; a client
     * that trickles its next request line does not get more than that */
    if (r->hc && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        unsigned idle = http_after_reply_timeout(l);
        long long now = idle ? base_mono_ms() : 0;
        atomic_store_explicit(&r->hc->idle_ms, now, memory_order_relaxed);
        if (idle)
            atomic_store_explicit(&r->hc->idle_seq, atomic_fetch_add(&l->idle_seq, 1),
                                  memory_order_relaxed);
        http_deadline_set(r->hc, idle ? now + (long long)idle * 1000 : 0);
        /* and once the first byte of a next request comes, however slowly the rest of its
         * request line trickles, the read timeout (http_reap).  The kernel's byte count is
         * read by the reaper, not here: a TCP_INFO getsockopt per request cost ~2 % of a
         * GetItem's CPU (perf, issue 13.1) */
        unsigned long long base = HTTP_RX_UNSET | (++r->hc->replies & (HTTP_RX_UNSET - 1));
        /* except when over half the slots are open: then it may soon be asked to give way to
         * a new connection (http_evict_idle), which takes only one whose next request has
         * not begun, and a baseline taken up to HTTP_REAP_INTERVAL_MS late may already count
         * that request's first bytes */
        if (atomic_load(&l->open) > l->max_connections / 2)
            base = http_rx_bytes(r->hc->fd);
        atomic_store(&r->hc->idle_rx, base);
        atomic_store(&r->hc->idle, true);
    }
    /* kept for the connection's next request (a malloc of this size and its free cost ~1k
     * instructions a request, malloc_consolidate included); freed with the connection.  So is
     * a small body's buffer (a malloc and a free less a request): the next body that fits
     * takes none of the memory budget, as the kept context takes none (at most
     * HTTP_SMALL_BODY a connection) */
    if (r->hc && !r->hc->spare) {
        if (r->body_cap > HTTP_SMALL_BODY) {
            free(r->body);
            r->body = NULL;
            r->body_cap = 0;
        }
        r->hc->spare = r;
    } else {
        http_req_free(r);
    }
}

/* ---- start / stop ----------------------------------------------------------------- */

/* The address host:port resolves to (the first), its family. */
static int http_resolve(const char *host, int port, struct sockaddr_storage *addr,
                        socklen_t *len, int *family, err_t *e)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &ai);
    if (gai != 0 || !ai)
        return err_set(e, ERR_VALIDATION, "cannot resolve host %s: %s", host,
                       gai_strerror(gai));
    memset(addr, 0, sizeof *addr);
    memcpy(addr, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    *family = ai->ai_family;
    freeaddrinfo(ai);
    return 0;
}

/* Polling threads: one per CPU the process may run on.  They never wait for a commit
 * (blocking requests go to the pool), so more would only make the threads preempt each other
 * mid-request: that is what p99 latency measured (bench/peers, BENCHMARKS.md).  The CPUs are
 * the affinity mask's (taskset, a container's cpuset), not all the machine's: pinned to one
 * of two CPUs, two polling threads cost 14.9 us of CPU a GetItem against one thread's 13.0,
 * 15.9 against 14.7 a GSI Query (alternated, 3 rounds; BENCHMARKS.md, session 12). */
unsigned http_default_threads(void)
{
    long n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    return n > HTTP_MAX_DEFAULT_THREADS ? HTTP_MAX_DEFAULT_THREADS : (unsigned)n;
}

/* A TCP socket bound to addr (SO_REUSEADDR; IPv6 only for an IPv6 address, as ever) in
 * *out_fd; 0, or the errno of what failed (nothing left open). */
static int http_socket_bind(int family, const struct sockaddr_storage *addr, socklen_t alen,
                            int *out_fd)
{
    int on = 1, s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
        (family == AF_INET6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on)) ||
        bind(s, (const struct sockaddr *)addr, alen)) {
        int errnum = errno; /* before close */
        if (s >= 0)
            close(s);
        return errnum ? errnum : EIO;
    }
    *out_fd = s;
    return 0;
}

int http_bind_listener(const char *host, int port, const char *option, int *fd, int *bound,
                       err_t *e)
{
    *fd = -1;
    *bound = -1;
    if (!host)
        host = "127.0.0.1";
    struct sockaddr_storage addr;
    socklen_t alen = 0;
    int family = AF_UNSPEC, rc = http_resolve(host, port, &addr, &alen, &family, e);
    if (rc)
        return rc;
    int s = -1, errnum = http_socket_bind(family, &addr, alen, &s);
    if (errnum) {
        /* Another port helps only when this one is taken or privileged; an address this
         * machine does not have (--host 192.0.2.1) needs another host. */
        bool privileged = errnum == EACCES && port > 0 && port < 1024;
        if (errnum == EADDRINUSE || privileged) {
            const char *why = privileged ? "ports below 1024 need privileges" : "in use";
            if (option)
                return err_set(e, ERR_IO,
                               "cannot listen on %s port %d (%s): %s N serves on port N "
                               "instead (0 = any free port)",
                               host, port, why, option);
            return err_set(e, ERR_IO, "cannot listen on %s port %d (%s)", host, port, why);
        }
        if (errnum == EADDRNOTAVAIL)
            return err_set(e, ERR_IO,
                           "cannot listen on %s port %d (not an address of this machine)%s",
                           host, port,
                           option ? ": --host names one of its addresses (default 127.0.0.1; "
                                    "0.0.0.0 = all)"
                                  : "");
        return err_set(e, ERR_IO, "cannot listen on %s port %d (%s)", host, port,
                       strerror(errnum));
    }
    struct sockaddr_storage got;
    socklen_t glen = sizeof got;
    if (getsockname(s, (struct sockaddr *)&got, &glen) == 0)
        *bound = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                 : ((struct sockaddr_in *)&got)->sin_port);
    else
        *bound = port;
    *fd = s;
    return 0;
}

/* ---- the accept thread ------------------------------------------------------------ */

/* A client address's key (family, then its 4 or 16 bytes; the port left out, as
 * libmicrohttpd's per-address cap did) and its bucket. */
static unsigned http_ip_key(const struct sockaddr *a, unsigned char key[17])
{
    memset(key, 0, 17);
    if (!a)
        return 0;
    key[0] = (unsigned char)a->sa_family;
    if (a->sa_family == AF_INET)
        memcpy(key + 1, &((const struct sockaddr_in *)a)->sin_addr, 4);
    else if (a->sa_family == AF_INET6)
        memcpy(key + 1, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
    unsigned h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % HTTP_IP_BUCKETS;
}

/* One more connection from a's address, unless it holds l->per_ip already (or no memory is
 * left to count it): then false, and the caller closes it at once (what libmicrohttpd's
 * MHD_OPTION_PER_IP_CONNECTION_LIMIT did; test_overload.py
 * test_one_address_cannot_take_every_slot). */
static bool http_ip_take(http_listener *l, const struct sockaddr *a)
{
    unsigned char key[17];
    unsigned b = http_ip_key(a, key);
    bool ok = false;
    pthread_mutex_lock(&l->ip_mu);
    http_ip_count *ic = l->ip_tab[b];
    while (ic && memcmp(ic->key, key, sizeof key) != 0)
        ic = ic->next;
    if (!ic && (ic = calloc(1, sizeof *ic)) != NULL) {
        memcpy(ic->key, key, sizeof key);
        ic->next = l->ip_tab[b];
        l->ip_tab[b] = ic;
    }
    if (ic && ic->n < l->per_ip) {
        ic->n++;
        ok = true;
    }
    pthread_mutex_unlock(&l->ip_mu);
    return ok;
}

/* One connection fewer from a's address (http_ip_take counted it). */
static void http_ip_give(http_listener *l, const struct sockaddr *a)
{
    unsigned char key[17];
    unsigned b = http_ip_key(a, key);
    pthread_mutex_lock(&l->ip_mu);
    http_ip_count **pp = &l->ip_tab[b];
    while (*pp && memcmp((*pp)->key, key, sizeof key) != 0)
        pp = &(*pp)->next;
    http_ip_count *ic = *pp;
    if (ic && ic->n > 0 && --ic->n == 0) {
        *pp = ic->next;
        free(ic);
    }
    pthread_mutex_unlock(&l->ip_mu);
}

/* Daemon i's share of l's hard connection limit (as libmicrohttpd's thread pool split it). */
static unsigned http_share(const http_listener *l, unsigned i)
{
    return l->hard / l->nd + (i < l->hard % l->nd);
}

void http_conn_gone(http_listener *l, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *di = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    for (unsigned i = 0; di && i < l->nd; i++)
        if (l->ds[i] == di->daemon) {
            atomic_fetch_sub(&l->held[i], 1);
            break;
        }
    if (atomic_load(&l->acc_full)) { /* the accept thread waits for this */
        pthread_mutex_lock(&l->acc_mu);
        pthread_cond_signal(&l->acc_cv);
        pthread_mutex_unlock(&l->acc_mu);
    }
    if (l->per_ip) {
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        http_ip_give(l, ai ? ai->client_addr : NULL);
    }
}

/* The daemon with room holding the fewest connections, or -1 when every share is full. */
static int http_pick(http_listener *l)
{
    int best = -1;
    unsigned least = 0;
    for (unsigned i = 0; i < l->nd; i++) {
        unsigned h = atomic_load(&l->held[i]);
        if (h < http_share(l, i) && (best < 0 || h < least)) {
            least = h;
            best = (int)i;
        }
    }
    return best;
}

/* The listener's accept loop: takes each new connection from the listening socket and hands
 * it to the polling thread (daemon) holding the fewest, so that a load test's connections,
 * opened at once or one after another, are shared evenly between the CPUs.  (libmicrohttpd's
 * thread pool had each thread accept for itself; its MHD_add_connection picks a pool thread
 * by the socket's number, which reconnections reuse.)  While every daemon holds its share of
 * the hard limit it accepts nothing: new clients wait in the backlog until a connection
 * closes (as libmicrohttpd did at its limit; an idle one gives way to the one over
 * max_connections: test_overload.py test_low_descriptor_limit_cuts_the_connection_limits).
 * libmicrohttpd's own limit is never reached (0.9.75 deadlocked a polling thread on its
 * cleanup mutex when a connection added from outside found it full).  Ends when
 * http_server_stop sets `stopping` and shuts the listening socket down (accept then fails
 * with EINVAL). */
#define HTTP_ACCEPT_RETRY_MS 10 /* after accept() failed for want of descriptors or memory */
#define HTTP_ACCEPT_FULL_MS 100 /* every share full: the longest wait before looking again */

static void *http_accept_main(void *arg)
{
    http_listener *l = arg;
    while (!atomic_load(&l->stopping)) {
        if (http_pick(l) < 0) { /* full: wait for a close (or the stop) */
            pthread_mutex_lock(&l->acc_mu);
            atomic_store(&l->acc_full, true);
            if (http_pick(l) < 0 && !atomic_load(&l->stopping)) {
                /* bounded: a count libmicrohttpd never gave back (a connection it dropped
                 * for want of memory) must not stop the loop for good */
                struct timespec ts = base_deadline(CLOCK_MONOTONIC, HTTP_ACCEPT_FULL_MS);
                pthread_cond_timedwait(&l->acc_cv, &l->acc_mu, &ts);
            }
            atomic_store(&l->acc_full, false);
            pthread_mutex_unlock(&l->acc_mu);
            continue;
        }
        struct sockaddr_storage addr;
        socklen_t alen = sizeof addr;
        int c = accept4(l->lfd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EPROTO)
                continue;
            if (atomic_load(&l->stopping))
                break;
            if (errno == EINVAL || errno == EBADF) {
                /* not a stop: the socket is gone, and a client would wait in the backlog
                 * for nothing; said (review r33a F5; test_http test_accept_end_logged) */
                log_error("accept on port %d: %s; no new connections", l->port,
                          strerror(errno));
                break;
            }
            /* out of descriptors or memory: the client waits in the backlog meanwhile */
            struct timespec ts = {0, HTTP_ACCEPT_RETRY_MS * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (l->per_ip && !http_ip_take(l, (struct sockaddr *)&addr)) {
            close(c);
            continue;
        }
        int best = http_pick(l); /* only this thread adds: still room */
        atomic_fetch_add(&l->held[best], 1);
        /* refused (its share of the connection limit is full, or no memory), libmicrohttpd
         * has closed it */
        if (MHD_add_connection(l->ds[best], c, (struct sockaddr *)&addr, alen) != MHD_YES) {
            atomic_fetch_sub(&l->held[best], 1);
            if (l->per_ip)
                http_ip_give(l, (struct sockaddr *)&addr);
        }
    }
    return NULL;
}

/* fd: a socket http_bind_listener bound (taken: it listens from here on, closed when the
 * listener stops, or here on failure), or -1 to bind port here. */
static int http_listen(http_server *srv, http_listener *l, bool rest, int port, int fd,
                       err_t *e)
{
    const http_config *c = &srv->cfg;
    l->srv = srv;
    l->dialect = rest ? &http_rest_dialect : &http_ddb_dialect;
    l->port = -1;
    l->body_limit = rest ? HTTP_REST_MAX_BODY : DDB_PROTO_MAX_BODY;
    l->memory_budget = rest ? HTTP_REST_MEMORY_BUDGET : HTTP_DDB_MEMORY_BUDGET;
    l->parse_budget = rest ? 0 : HTTP_DDB_PARSE_BUDGET;
    l->reply_budget = rest ? HTTP_REST_REPLY_BUDGET : HTTP_DDB_REPLY_BUDGET;
    l->sndbuf = rest ? HTTP_REST_SNDBUF : 0;
    l->max_connections = c->max_connections    ? c->max_connections
                         : rest ? HTTP_DEFAULT_REST_CONNECTIONS
                                : HTTP_DEFAULT_MAX_CONNECTIONS;
    l->overflow_max = HTTP_OVERFLOW_CONNECTIONS;
    if (srv->fit_max[rest]) { /* a low RLIMIT_NOFILE (http_fit_fd_limit) */
        l->max_connections = srv->fit_max[rest];
        l->overflow_max = srv->fit_overflow[rest];
    }
    l->read_timeout = c->read_timeout ? c->read_timeout : HTTP_DEFAULT_READ_TIMEOUT_S;
    l->idle_timeout = c->connection_timeout;
    /* per client address: no cap unless asked (load tests and SDK pools on one host would
     * be cut at the cap; the deadlines above already free what a trickling client holds) */
    l->per_ip = c->max_connections_per_ip == HTTP_PER_IP_UNLIMITED ? 0
                                                                   : c->max_connections_per_ip;
    atomic_init(&l->in_flight, 0);
    atomic_init(&l->open, 0);
    atomic_init(&l->slots, 0);
    atomic_init(&l->overflows, 0);
    atomic_init(&l->idle_seq, 0);
    atomic_init(&l->mem, 0);
    atomic_init(&l->parse, 0);
    atomic_init(&l->reply, 0);

    struct sockaddr_storage addr;
    socklen_t alen = sizeof addr;
    int family = AF_UNSPEC;
    const int asked = port; /* for the messages: port turns -1 below */
    if (fd < 0) { /* bound here: the system's reason when it cannot be (test_http
                   * test_bind_failure) */
        int rc = http_resolve(srv->host, port, &addr, &alen, &family, e);
        if (rc)
            return rc;
        int errnum = http_socket_bind(family, &addr, alen, &fd);
        if (errnum)
            return err_set(e, ERR_IO, "cannot listen on %s port %d (%s)", srv->host, port,
                           strerror(errnum));
        port = -1; /* the one getsockname tells (port 0: any free one) */
    }
    memset(&addr, 0, sizeof addr);
    alen = sizeof addr;
    /* listening only now, with everything ready: a client (or a readiness check) that
     * connects is answered, never parked in the backlog while the store opens */
    if (getsockname(fd, (struct sockaddr *)&addr, &alen) != 0 || listen(fd, 4096) != 0) {
        int errnum = errno;
        close(fd);
        return err_set(e, ERR_IO, "cannot listen on %s port %d (%s)", srv->host, asked,
                       strerror(errnum)); /* not port -1 (review r33a F6; test_listen_failure) */
    }
    family = addr.ss_family;
    l->lfd = fd; /* closed by http_server_stop from here on */
    if (port < 0)
        port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                        : ((struct sockaddr_in *)&addr)->sin_port);

    unsigned threads = c->threads ? c->threads : http_default_threads();
    /* the hard limit is above ours, so the connections between get the "busy" reply rather
     * than a reset.  Each polling thread has its share of it (http_share); a thread with a
     * share of 0 would never be given a connection. */
    unsigned hard = l->max_connections + l->overflow_max;
    if (threads > hard)
        threads = hard;
    l->hard = hard;
    l->ds = calloc(threads, sizeof *l->ds);
    l->held = calloc(threads, sizeof *l->held);
    if (!l->ds || !l->held)
        return err_set(e, ERR_NOMEM, "out of memory");
    /* poll(2), level-triggered: with epoll libmicrohttpd 0.9.75 missed the FIN of many
     * clients that closed mid-request, leaving them in CLOSE-WAIT (issue 9.2).  No listening
     * socket: the accept thread hands each connection to one daemon (http_accept_main) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* a new connection has until the read timeout (or the idle one, if shorter) to send its
     * first request; per connection this becomes the idle timeout between requests */
    unsigned first = l->read_timeout;
    if (l->idle_timeout && l->idle_timeout < first)
        first = l->idle_timeout;
    l->first_timeout = first;
    for (unsigned i = 0; i < threads; i++) {
        struct MHD_OptionItem opts[8];
        int n = 0;
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, first, NULL};
        /* never reached: the accept thread keeps each to its share (http_pick), and this
         * leaves room for the closed connections libmicrohttpd has not cleaned up yet */
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 2 * hard + 16, NULL};
        /* libmicrohttpd zeroes the whole per-connection pool on every request: a 256 KB pool
         * cost ~10 us of memset per GetItem.  16 KB takes request headers up to ~15 KB
         * (DynamoDB Local's Jetty answers 431 above 8 KB; so do we, above the pool); bodies
         * are streamed into our own buffer. */
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_POOL, NULL};
        /* RFC 9112 3.2: an HTTP/1.1 request needs its Host header; no whitespace before ':' */
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        errno = 0; /* what failed, if a call MHD made failed (below) */
        l->ds[i] = MHD_start_daemon(flags, 0, NULL, NULL, http_access, l,
                                    MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, l,
                                    MHD_OPTION_NOTIFY_COMPLETED, http_completed, l,
                                    MHD_OPTION_NOTIFY_CONNECTION, http_notify_connection, l,
                                    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
        if (!l->ds[i]) {
            /* the reason, not a guess: before, every failure read "(in use or not
             * permitted)", a thread or descriptor shortage too (test_http
             * test_bind_failure) */
            int errnum = errno;
            return err_set(e, ERR_IO, "cannot listen on %s port %d (%s)", srv->host, port,
                           errnum ? strerror(errnum) : "libmicrohttpd could not start");
        }
        l->nd = i + 1;
    }
    /* the per-address cap is the accept thread's (over all the daemons) */
    l->port = port; /* before the thread, which names it in its log */
    if (pthread_create(&l->acceptor, NULL, http_accept_main, l) != 0)
        return err_set(e, ERR_NOMEM, "cannot start the accept thread for port %d", port);
    l->acceptor_started = true;
    (void)pthread_setname_np(l->acceptor, rest ? "rest-accept" : "ddb-accept");
    l->d = l->ds[0];
    return 0;
}

/* Room for every connection the limits allow (both listeners, busy ones included).  Where
 * the hard RLIMIT_NOFILE is lower, the busy overflow (a courtesy reply) gives way first, down
 * to HTTP_RLIMIT_MIN_OVERFLOW per listener (or a 16th of the room, at least 1); only if the
 * connections still do not fit is each listener's max_connections cut, in proportion to what
 * is left (srv->fit_max, srv->fit_overflow; 0 = as configured), so that idle connections
 * still give way to a new one at the (lower) limit: past the descriptors, accept() failed
 * with EMFILE and a new client waited in the backlog until an idle one timed out
 * (test_overload test_low_descriptor_limit_cuts_the_connection_limits).  A line says so. */
static int http_fit_fd_limit(http_server *srv, err_t *e)
{
    const http_config *c = &srv->cfg;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return 0;
    rlim_t lim[2] = {0, 0}; /* max_connections: endpoint, REST (0: no such listener) */
    if (c->dynamodb_port >= 0)
        lim[0] = c->max_connections ? c->max_connections : HTTP_DEFAULT_MAX_CONNECTIONS;
    if (c->api_port >= 0)
        lim[1] = c->max_connections ? c->max_connections : HTTP_DEFAULT_REST_CONNECTIONS;
    rlim_t real = lim[0] + lim[1], n = (lim[0] != 0) + (lim[1] != 0);
    rlim_t conns = real + n * HTTP_OVERFLOW_CONNECTIONS;
    rlim_t want = conns + HTTP_RLIMIT_SPARE;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) && getrlimit(RLIMIT_NOFILE, &rl))
            return 0;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want || conns == 0)
        return 0;
    /* the process's other descriptors (data files, backups, the listeners' own, ~15 when
     * idle): the spare, or half of a limit smaller than twice it, at least HTTP_RLIMIT_MIN_SPARE */
    rlim_t spare = rl.rlim_cur >= 2 * HTTP_RLIMIT_SPARE ? HTTP_RLIMIT_SPARE : rl.rlim_cur / 2;
    if (spare < HTTP_RLIMIT_MIN_SPARE)
        spare = HTTP_RLIMIT_MIN_SPARE;
    rlim_t room = rl.rlim_cur > spare ? rl.rlim_cur - spare : 0;
    if (room < HTTP_RLIMIT_MIN_ROOM) /* below, a listener had one connection, or none */
        return err_set(e, ERR_VALIDATION,
                       "RLIMIT_NOFILE is %llu: too few descriptors to serve (at least %d; "
                       "raise it with ulimit -n)",
                       (unsigned long long)rl.rlim_cur,
                       HTTP_RLIMIT_MIN_SPARE + HTTP_RLIMIT_MIN_ROOM);
    if (room >= conns) /* a small limit's smaller spare: everything fits */
        return 0;
    rlim_t least = room / 16 < HTTP_RLIMIT_MIN_OVERFLOW ? room / 16 : HTTP_RLIMIT_MIN_OVERFLOW;
    if (!least)
        least = 1;
    rlim_t over = least, real_room = room - n * least; /* n * least <= room / 8 */
    if (room >= real + n * least) { /* the connections fit: only the overflow gives way */
        over = (room - real) / n;
        real_room = real;
    }
    for (int i = 0; i < 2; i++) {
        if (!lim[i])
            continue;
        rlim_t m = lim[i] * real_room / real;
        srv->fit_max[i] = m ? (unsigned)m : 1;
        srv->fit_overflow[i] = (unsigned)over;
    }
    log_warn("RLIMIT_NOFILE is %llu (hard limit): connections %s %u on the DynamoDB "
             "endpoint and %u on REST (+%u and %u answered busy), %llu descriptors kept spare; "
             "raise it (ulimit -n, LimitNOFILE=) to %llu for the configured limits",
             (unsigned long long)rl.rlim_cur, real_room == real ? "kept at" : "cut to",
             srv->fit_max[0], srv->fit_max[1], srv->fit_overflow[0], srv->fit_overflow[1],
             (unsigned long long)spare, (unsigned long long)want);
    return 0;
}

/* Live-event streams hold their connections and never give way to a new client: the hub takes
 * MSG_EVENTS_SLOTS_SHARE_4 quarters of the REST listener's slots (rounded down) as
 * http_fit_fd_limit left them, the rest stays for requests.  Set before the listener accepts;
 * taken from the configured limit, a low RLIMIT_NOFILE's cut let streams hold every slot and
 * every request was a 503 server_busy (test_messaging_sse.py::
 * test_streams_leave_slots_for_requests_under_a_low_descriptor_limit). */
static void http_fit_streams(http_server *srv)
{
    msg_events *ev = srv->svc ? msg_service_events(srv->svc) : NULL;
    if (!ev || srv->cfg.api_port < 0)
        return;
    unsigned slots = srv->fit_max[1]            ? srv->fit_max[1]
                     : srv->cfg.max_connections ? srv->cfg.max_connections
                                                : HTTP_DEFAULT_REST_CONNECTIONS;
    msg_events_set_streams_max(ev, (long)slots * MSG_EVENTS_SLOTS_SHARE_4 / 4);
}

int http_server_start(const http_config *cfg, api_t *api, const sigv4_creds *creds,
                      msg_service *svc, http_server **out, err_t *e)
{
    int rc;
    int ddb_fd = cfg->dynamodb_port >= 0 ? cfg->dynamodb_fd : -1;
    int api_fd = cfg->api_port >= 0 ? cfg->api_fd : -1;
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        if (ddb_fd >= 0)
            close(ddb_fd);
        if (api_fd >= 0)
            close(api_fd);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
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
    srv->queue_limit = cfg->queue_limit ? cfg->queue_limit : HTTP_DEFAULT_QUEUE_LIMIT;
    srv->queue_timeout_ms =
        cfg->queue_timeout_ms ? cfg->queue_timeout_ms : HTTP_DEFAULT_QUEUE_TIMEOUT_MS;
    {
        const char *d = getenv("DDBCHAT_HALF_CLOSE_PEEK_DELAY_MS");
        srv->peek_delay_ms = d ? (unsigned)strtoul(d, NULL, 10) : 0;
    }
    unsigned pool_threads = cfg->pool_threads ? cfg->pool_threads : HTTP_POOL_MAX_THREADS;
    srv->later_limit = pool_threads + srv->queue_limit;
    if (http_pool_new(pool_threads, &srv->pool) != 0) {
        free(srv);
        if (ddb_fd >= 0)
            close(ddb_fd);
        if (api_fd >= 0)
            close(api_fd);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&srv->pool_mu, NULL);
    pthread_cond_init(&srv->later_cv, NULL);
    pthread_mutex_init(&srv->ddb.conns_mu, NULL);
    pthread_mutex_init(&srv->rest.conns_mu, NULL);
    pthread_mutex_init(&srv->reaper_mu, NULL);
    pthread_mutex_init(&srv->ddb.ip_mu, NULL);
    pthread_mutex_init(&srv->rest.ip_mu, NULL);
    pthread_mutex_init(&srv->ddb.acc_mu, NULL);
    pthread_mutex_init(&srv->rest.acc_mu, NULL);
    base_cond_init_mono(&srv->ddb.acc_cv);
    base_cond_init_mono(&srv->rest.acc_cv);
    base_cond_init_mono(&srv->reaper_cv);
    srv->ddb.port = srv->rest.port = -1;
    srv->ddb.lfd = srv->rest.lfd = -1;
    if ((rc = http_fit_fd_limit(srv, e)))
        goto fail;
    http_fit_streams(srv);
    if (cfg->dynamodb_port >= 0) {
        if (!api) {
            rc = err_set(e, ERR_VALIDATION, "the DynamoDB listener needs an api");
            goto fail;
        }
        rc = http_listen(srv, &srv->ddb, false, cfg->dynamodb_port, ddb_fd, e);
        ddb_fd = -1; /* taken (closed on failure) */
        if (rc)
            goto fail;
    }
    if (cfg->api_port >= 0) {
        rc = http_listen(srv, &srv->rest, true, cfg->api_port, api_fd, e);
        api_fd = -1;
        if (rc)
            goto fail;
    }
    if (pthread_create(&srv->reaper, NULL, http_reaper_main, srv) != 0) {
        rc = err_set(e, ERR_NOMEM, "cannot start the connection reaper thread");
        goto fail;
    }
    srv->reaper_started = true;
    *out = srv;
    return 0;
fail:
    if (ddb_fd >= 0)
        close(ddb_fd);
    if (api_fd >= 0)
        close(api_fd);
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
    http_listener *ls[2] = {&s->ddb, &s->rest};
    for (int i = 0; i < 2; i++) { /* stop accepting: the accept thread's accept() fails */
        pthread_mutex_lock(&ls[i]->acc_mu);
        atomic_store(&ls[i]->stopping, true);
        pthread_cond_broadcast(&ls[i]->acc_cv);
        pthread_mutex_unlock(&ls[i]->acc_mu);
        if (ls[i]->lfd >= 0)
            (void)shutdown(ls[i]->lfd, SHUT_RDWR);
        if (ls[i]->acceptor_started)
            pthread_join(ls[i]->acceptor, NULL);
        ls[i]->acceptor_started = false;
        if (ls[i]->lfd >= 0)
            close(ls[i]->lfd);
        ls[i]->lfd = -1;
    }
    /* let in-flight requests finish (bounded) */
    for (int i = 0; i < HTTP_DRAIN_SECONDS * 100 &&
                    atomic_load(&s->ddb.in_flight) + atomic_load(&s->rest.in_flight) > 0;
         i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* the pool's jobs still running resume their connections: before the daemons stop
     * (libmicrohttpd must not be stopped with a suspended connection) */
    pthread_mutex_lock(&s->pool_mu);
    http_pool *pool = s->pool;
    s->pool = NULL; /* from here on a blocking request runs on its polling thread */
    pthread_mutex_unlock(&s->pool_mu);
    http_pool_free(pool);
    pthread_mutex_lock(&s->pool_mu); /* the writes answered later resume theirs too */
    while (s->later_n)
        pthread_cond_wait(&s->later_cv, &s->pool_mu);
    pthread_mutex_unlock(&s->pool_mu);
    if (s->reaper_started) { /* before the daemons go (it reads their connection lists) */
        pthread_mutex_lock(&s->reaper_mu);
        s->reaper_stop = true;
        pthread_cond_signal(&s->reaper_cv);
        pthread_mutex_unlock(&s->reaper_mu);
        pthread_join(s->reaper, NULL);
    }
    for (int i = 0; i < 2; i++) {
        for (unsigned k = 0; k < ls[i]->nd; k++)
            MHD_stop_daemon(ls[i]->ds[k]);
        ls[i]->d = NULL;
        ls[i]->nd = 0;
        free(ls[i]->ds);
        free(ls[i]->held);
        for (int b = 0; b < HTTP_IP_BUCKETS; b++) /* counts no closed connection gave back */
            while (ls[i]->ip_tab[b]) {
                http_ip_count *ic = ls[i]->ip_tab[b];
                ls[i]->ip_tab[b] = ic->next;
                free(ic);
            }
        pthread_mutex_destroy(&ls[i]->ip_mu);
        pthread_mutex_destroy(&ls[i]->acc_mu);
        pthread_cond_destroy(&ls[i]->acc_cv);
    }
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->later_cv);
    pthread_mutex_destroy(&s->ddb.conns_mu);
    pthread_mutex_destroy(&s->rest.conns_mu);
    for (int i = 0; i < 2; i++) { /* the reaper's poll sets (it has stopped) */
        free(ls[i]->sse_ps.pf);
        free(ls[i]->sse_ps.hc);
    }
    pthread_mutex_destroy(&s->reaper_mu);
    pthread_cond_destroy(&s->reaper_cv);
    free(s);
}
