/*
 * http_routes — the two listeners' routes and their transport-level replies (the "dialects"
 * of http_srv.h): the DynamoDB endpoint's (ddb_proto: the API, AWS's health text and 404,
 * the CORS preflight, /metrics) and the REST API's (messaging/rest.h, the event stream as a
 * suspended connection).  Layer: server.  http.c runs a request's route (http_run) and
 * answers its transport errors and busy replies through the listener's dialect.  Tests:
 * tests/e2e/test_protocol.py, test_messaging.py, test_live.py.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "base/buf.h"
#include "base/metrics.h"
#include "messaging/msg_err.h"
#include "server/ddb_proto.h"
#include "server/http_int.h"
#include "server/http_srv.h"
#include "server/metrics_http.h"

#define HTTP_SSE_BLOCK 1024 /* event stream response block (chunks are written in the pool) */

/* ---- the DynamoDB endpoint ------------------------------------------------------------ */

/* Moves a ddb_proto reply into an http_response (with the request id and CRC headers). */
static void http_from_ddb(ddb_proto_resp *presp, http_response *resp)
{
    static const char d2[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                "31323334353637383940414243444546474849505152535455565758596061"
                                "62636465666768697071727374757677787980818283848586878889909192"
                                "93949596979899";
    resp->status = presp->status;
    resp->content_type = presp->content_type;
    resp->body = presp->body;
    resp->body_len = presp->body_len;
    presp->body = NULL;
    char crc[16]; /* decimal, two digits a step, without snprintf's cost on every reply */
    size_t k = sizeof crc - 1;
    uint32_t v = presp->crc32;
    crc[k] = '\0';
    while (v >= 100) {
        k -= 2;
        memcpy(crc + k, d2 + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        k -= 2;
        memcpy(crc + k, d2 + 2 * v, 2);
    } else {
        crc[--k] = (char)('0' + v);
    }
    http_resp_header_built(resp, "x-amzn-RequestId", presp->request_id,
                           strnlen(presp->request_id, sizeof presp->request_id - 1));
    http_resp_header_built(resp, "x-amz-crc32", crc + k, sizeof crc - 1 - k);
}

static void http_ddb_log(http_server *srv, const ddb_proto_resp *p, const struct timespec *t0)
{
    if (!srv->cfg.quiet)
        http_access_log("ddb %s %s %d %lldus%s%s", p->op, p->table, p->status, http_elapsed_us(t0),
                        p->error_type[0] ? " " : "", p->error_type);
}

/* An API reply: counted (/metrics), moved into resp, logged; presp is emptied. */
void http_ddb_reply(http_server *srv, ddb_proto_resp *presp, http_response *resp,
                           const struct timespec *t0)
{
    if (srv->cfg.metrics) { /* ops: /metrics counts every API request */
        int code = presp->error_type[0] ? err_code_from_type(presp->error_type) : 0;
        if (presp->error_type[0] && code == 0)
            code = MET_ERR_OTHER;
        met_request(srv->cfg.metrics,
                    presp->op_index != DDB_PROTO_OP_UNKNOWN ? presp->op_index
                                                            : api_op_index(presp->op),
                    code, (uint64_t)http_elapsed_us(t0));
    }
    http_from_ddb(presp, resp);
    http_ddb_log(srv, presp, t0);
    ddb_proto_resp_fini(presp);
}

static void http_ddb_api(http_server *srv, const http_request *req, http_response *resp)
{
    ddb_proto_resp presp;
    if (req->params_have_nul) { /* SigV4 cannot take it, nor can a C string (issue 9.1) */
        ddb_proto_transport_error(400, "NUL in a query parameter",
                                  req->content_type ? req->content_type : "", &presp);
    } else {
        ddb_proto_req preq = {.method = req->method,
                              .path = req->path,
                              .params = req->params,
                              .n_params = req->n_params,
                              .headers = req->headers,
                              .n_headers = req->n_headers,
                              .amz_target = req->amz_target,
                              .authorization = req->authorization,
                              .content_type = req->content_type,
                              .body = req->body,
                              .body_len = req->body_len,
                              .raw_body = req->raw_body,
                              .raw_body_len = req->raw_body_len,
                              .too_large = req->too_large,
                              .now = (long long)time(NULL),
                              .reply_charge = req->reply_charge,
                              .reply_ctx = req->reply_ctx};
        ddb_proto_handle(&srv->proto, &preq, &presp);
    }
    http_ddb_reply(srv, &presp, resp, &req->t0);
}

static void http_ddb_health(http_server *srv, const http_request *req, http_response *resp)
{
    ddb_proto_resp presp;
    ddb_proto_health(&srv->proto, &presp);
    http_from_ddb(&presp, resp);
    http_ddb_log(srv, &presp, &req->t0);
    ddb_proto_resp_fini(&presp);
}

static void http_ddb_not_found(http_server *srv, const http_request *req, http_response *resp)
{
    ddb_proto_resp presp;
    ddb_proto_not_found(&presp);
    http_from_ddb(&presp, resp);
    http_ddb_log(srv, &presp, &req->t0);
    ddb_proto_resp_fini(&presp);
}

static void http_ddb_error(http_server *srv, const char *origin, const char *ctype, int status,
                           const char *why, http_response *resp)
{
    (void)origin;
    ddb_proto_resp presp;
    ddb_proto_transport_error(status, why, ctype, &presp);
    http_from_ddb(&presp, resp);
    ddb_proto_resp_fini(&presp);
}

static void http_ddb_overload(http_server *srv, const char *origin, const char *ctype,
                              http_response *resp)
{
    (void)origin;
    ddb_proto_resp presp;
    ddb_proto_overload(ctype, &presp);
    http_from_ddb(&presp, resp);
    ddb_proto_resp_fini(&presp);
}

/* OPTIONS: with an Origin header a CORS preflight as AWS answers it (dynalite's connection
 * tests, recorded against AWS): 200, no body, the requested headers and method echoed,
 * Access-Control-Max-Age 172800 (Access-Control-Allow-Origin: http_cors_any); without one
 * AWS's 404.  test_protocol test_cors_preflight. */
static void http_ddb_options(http_server *srv, const http_request *req, http_response *resp)
{
    const char *origin = http_header(req, "Origin");
    if (!origin || !*origin) { /* an empty one is none (review18 L8) */
        http_ddb_not_found(srv, req, resp);
        return;
    }
    ddb_proto_resp presp;
    ddb_proto_preflight(&presp);
    http_from_ddb(&presp, resp);
    const char *h = http_header(req, "Access-Control-Request-Headers");
    const char *m = http_header(req, "Access-Control-Request-Method");
    if (h) /* an echo too long for a reply header is left out (the browser then refuses) */
        http_resp_header(resp, "Access-Control-Allow-Headers", h);
    if (m)
        http_resp_header(resp, "Access-Control-Allow-Methods", m);
    http_resp_header_built(resp, "Access-Control-Max-Age", "172800", 6);
    http_ddb_log(srv, &presp, &req->t0);
    ddb_proto_resp_fini(&presp);
}

/* GET /metrics (ops): Prometheus text, metrics_http.h. */
static void http_ddb_metrics(http_server *srv, const http_request *req, http_response *resp)
{
    (void)req;
    http_metrics_in in = {.met = srv->cfg.metrics,
                          .api = srv->proto.api,
                          .conns_ddb = atomic_load(&srv->ddb.open),
                          .conns_rest = atomic_load(&srv->rest.open),
                          .in_flight = atomic_load(&srv->ddb.in_flight) +
                                       atomic_load(&srv->rest.in_flight)};
    buf_t b;
    buf_init(&b, HTTP_METRICS_MAX);
    if (http_metrics_render(&in, &b) != 0) {
        buf_fini(&b);
        http_ddb_error(srv, NULL, req->content_type ? req->content_type : "", 500,
                       "metrics too large", resp);
        return;
    }
    resp->status = 200;
    resp->content_type = HTTP_METRICS_CONTENT_TYPE;
    resp->body = (char *)b.data; /* the server frees it */
    resp->body_len = b.len - 1;  /* without the NUL */
}

/* First match wins.  ops: GET /metrics goes above the catch-all. */
static const http_route http_ddb_routes[] = {
    {"POST", NULL, false, http_ddb_api},
    {"GET", "/", false, http_ddb_health},
    {"HEAD", "/", false, http_ddb_health},
    {"GET", HTTP_METRICS_PATH, false, http_ddb_metrics},
    {"OPTIONS", NULL, false, http_ddb_options},
    {NULL, NULL, false, http_ddb_not_found}, /* AWS: 404 <UnknownOperationException/> */
    {NULL, NULL, false, NULL},
};

const http_dialect http_ddb_dialect = {"ddb", http_ddb_routes, http_ddb_error,
                                              http_ddb_overload, true};

/* ---- the REST API ------------------------------------------------------------------- */

static void http_from_msg(msg_http_resp *m, http_response *resp)
{
    resp->status = m->status;
    resp->content_type = m->content_type ? m->content_type : "application/json";
    resp->body = m->body;
    resp->body_len = m->body_len;
    m->body = NULL;
    for (int i = 0; i < m->n_headers && i < MSG_HTTP_MAX_HEADERS; i++)
        if (m->headers[i].name)
            http_resp_header(resp, m->headers[i].name, m->headers[i].value);
}

/* The REST request as messaging takes it, in *out; or false with *resp the refusal of one that
 * cannot be handed on: its body over the limit (413), no service (503), or a stream's
 * without a connection to suspend (503).  A stream's request has no body. */
static bool http_rest_req(http_server *srv, const http_request *req, bool stream,
                          msg_http_req *out, msg_http_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    if (req->too_large || !srv->svc || (stream && !req->conn)) {
        msg_rest_refuse(srv->svc, http_header(req, "Origin"), resp,
                        req->too_large ? MSG_E_PAYLOAD_TOO_LARGE : MSG_E_UNAVAILABLE, NULL);
        return false;
    }
    *out = (msg_http_req){.method = req->method,
                          .path = req->path,
                          .query = req->query_len ? req->query : NULL,
                          .query_len = req->query_len,
                          .authorization = http_header(req, "Authorization"),
                          .origin = http_header(req, "Origin")};
    if (stream) {
        out->last_event_id = http_header(req, "Last-Event-ID");
    } else {
        out->idempotency_key = http_header(req, "Idempotency-Key");
        out->content_type = http_header(req, "Content-Type");
        out->body = req->body;
        out->body_len = req->body_len;
    }
    return true;
}

/* m into resp, and the access log's line (the path only: never a query's ticket). */
static void http_rest_reply(http_server *srv, const http_request *req, msg_http_resp *m,
                            http_response *resp)
{
    http_from_msg(m, resp);
    if (!srv->cfg.quiet)
        http_access_log("rest %s %s %d %lldus%s", req->method, req->path, resp->status,
                        http_elapsed_us(&req->t0), resp->mhd ? " (event stream)" : "");
}

/* A REST reply's bytes past HTTP_REST_REPLY_FREE are charged to the listener's reply budget
 * (http.c HTTP_REST_REPLY_BUDGET) until it is sent or its connection closes: a reply to a read
 * (GET, HEAD) the budget cannot hold becomes the busy 503 (Retry-After: 1), so clients that
 * ask for big listings and never read hold at most the budget; any other method's reply may
 * follow a change already made, so it is charged whatever the budget says (as the endpoint's
 * writes). */
static void http_rest_charge(http_server *srv, const http_request *req, msg_http_resp *m)
{
    if (!req->reply_charge || m->body_len <= HTTP_REST_REPLY_FREE)
        return;
    bool read = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    if (req->reply_charge(req->reply_ctx, m->body_len - HTTP_REST_REPLY_FREE, !read) == 0)
        return;
    free(m->body);
    msg_rest_refuse(srv->svc, http_header(req, "Origin"), m, MSG_E_SERVER_BUSY, NULL);
    if (m->n_headers < MSG_HTTP_MAX_HEADERS) {
        m->headers[m->n_headers].name = "Retry-After";
        snprintf(m->headers[m->n_headers].value, sizeof m->headers[0].value, "1");
        m->n_headers++;
    }
}

static void http_rest_api(http_server *srv, const http_request *req, http_response *resp)
{
    msg_http_req mreq;
    msg_http_resp mresp;
    if (http_rest_req(srv, req, false, &mreq, &mresp))
        msg_rest_handle(srv->svc, &mreq, &mresp);
    http_rest_charge(srv, req, &mresp);
    http_rest_reply(srv, req, &mresp, resp);
}

static void http_rest_error(http_server *srv, const char *origin, const char *ctype, int status,
                            const char *why, http_response *resp)
{
    (void)ctype; /* the REST port answers JSON */
    msg_errc c;
    switch (status) {
    case 413: /* the routes' own text: one refusal, however early (test_messaging.py
                 test_a_body_over_any_limit_is_one_413) */
        c = MSG_E_PAYLOAD_TOO_LARGE;
        why = NULL;
        break;
    case 415: c = MSG_E_UNSUPPORTED_ENCODING; break;
    case 431: c = MSG_E_HEADERS_TOO_LARGE; break;
    case 404: c = MSG_E_ROUTE_NOT_FOUND; break;
    default: c = status >= 500 ? MSG_E_INTERNAL : MSG_E_BAD_REQUEST; break;
    }
    msg_http_resp m;
    msg_rest_refuse(srv->svc, origin, &m, c, why);
    http_from_msg(&m, resp);
}

static void http_rest_overload(http_server *srv, const char *origin, const char *ctype,
                               http_response *resp)
{
    (void)ctype;
    msg_http_resp m;
    msg_rest_refuse(srv->svc, origin, &m, MSG_E_SERVER_BUSY, NULL);
    http_from_msg(&m, resp);
    http_resp_header(resp, "Retry-After", "1");
}

/* ---- Server-Sent Events (GET /api/events): a suspended connection per idle stream ---- */

static void http_sse_suspend(void *ctx)
{
    MHD_suspend_connection(ctx);
}

static void http_sse_resume(void *ctx)
{
    MHD_resume_connection(ctx);
}

/* No bytes yet: msg_stream_read suspended the connection (no thread waits); the event hub
 * resumes it when there are (or the reaper, msg_stream_end).  -1: the stream ended. */
static ssize_t http_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    http_sse *w = cls;
    ssize_t n = msg_stream_read(w->st, buf, max);
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

/* The reply is freed: the stream closes (after the reaper can no longer reach it). */
static void http_sse_free(void *cls)
{
    http_sse *w = cls;
    pthread_mutex_lock(&w->l->conns_mu);
    msg_stream *st = w->st;
    w->st = NULL;
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->l->conns_mu);
    msg_stream_close(st);
    if (last)
        free(w);
}

void http_sse_unhold(http_conn *hc)
{
    http_sse *w = hc->sse;
    hc->sse = NULL;
    if (w && --w->refs == 0)
        free(w);
}

/* GET /api/events: the user's event stream as a callback reply without inactivity timeout
 * (it sends a heartbeat every MSG_EVENTS_HEARTBEAT_S; the reaper drops it when its client
 * hangs up or takes no byte for the read timeout), or the REST error reply. */
static void http_rest_events(http_server *srv, const http_request *req, http_response *resp)
{
    msg_http_req mreq;
    msg_http_resp mresp;
    msg_stream *st = NULL;
    if (http_rest_req(srv, req, true, &mreq, &mresp)) {
        msg_stream_io io = {http_sse_suspend, http_sse_resume, req->conn};
        msg_rest_events(srv->svc, &mreq, &io, &mresp, &st);
    }
    if (st) {
        http_sse *w = calloc(1, sizeof *w);
        struct MHD_Response *m =
            w ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_SSE_BLOCK,
                                                  http_sse_read, w, http_sse_free)
              : NULL;
        if (!m) {
            free(w);
            msg_stream_close(st);
            msg_rest_error(&mresp, MSG_E_INTERNAL);
        } else {
            *w = (http_sse){&srv->rest, st, 1};
            MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, mresp.content_type);
            resp->mhd = m;
            resp->no_timeout = true;
            resp->sse = w;
        }
    }
    http_rest_reply(srv, req, &mresp, resp);
}

static const http_route http_rest_routes[] = {
    {"GET", "/api/events", false, http_rest_events},
    {NULL, NULL, false, http_rest_api},
    {NULL, NULL, false, NULL},
};

const http_dialect http_rest_dialect = {"rest", http_rest_routes, http_rest_error,
                                               http_rest_overload, false};
