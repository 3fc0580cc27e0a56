/*
 * http_later — the replies libmicrohttpd does not send itself: a write answered later (the
 * store's committing thread builds its reply and resumes the connection; no thread waits for
 * the commit) and a reply to a client that half-closed its connection (written on the socket
 * with "Connection: close" while the connection is suspended).  Layer: server; private to
 * the HTTP files.  http.c decides which requests go here (http_dispatch) and runs the pool's
 * jobs (http_job_run); this file calls nothing of http.c (what both use is http_srv.h's and
 * http_req.c's), so no circle of files forms.
 * Tests: tests/e2e/test_protocol.py (half-closed clients), tests/e2e/test_overload.py,
 * tests/e2e/test_items.py; tests/unit/server/test_http.c.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "base/defer.h"
#include "server/ddb_proto.h"
#include "server/http_decode.h"
#include "server/http_pool.h"
#include "server/http_srv.h"

/* Writes p[*off..n) on the non-blocking socket fd by deadline_ms, advancing *off.  0: all
 * written; 1: the socket still had no room at the deadline; -1: an error (the client left). */
static int http_write_all(int fd, const char *p, size_t n, size_t *off, long long deadline_ms)
{
    while (*off < n) {
        ssize_t w = send(fd, p + *off, n - *off, MSG_NOSIGNAL);
        if (w > 0) {
            *off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            long long left = deadline_ms - base_mono_ms();
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (left <= 0)
                return 1;
            if (poll(&pf, 1, (int)left) < 0 && errno != EINTR)
                return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* Writes bytes *off.. of head + body by deadline_ms, advancing *off: as http_write_all. */
static int http_write_parts(int fd, const char *head, size_t hl, const char *body, size_t bl,
                            size_t *off, long long deadline_ms)
{
    int rc = 0;
    if (*off < hl) {
        rc = http_write_all(fd, head, hl, off, deadline_ms);
        if (rc)
            return rc;
    }
    size_t boff = *off - hl;
    if (body)
        rc = http_write_all(fd, body, bl, &boff, deadline_ms);
    *off = hl + boff;
    return rc;
}

/* A client may half-close its connection once its request is sent (shutdown(SHUT_WR)) and
 * still read the reply, as every HTTP server allows.  libmicrohttpd 0.9.75 reads a resumed
 * connection before it calls the access handler again, finds the FIN and closes it: such a
 * client never got the reply to a request run in the pool (reads, run at once, were
 * answered).  So when the client has half-closed, the pool thread writes the reply itself
 * (with Connection: close) while the connection is still suspended -- libmicrohttpd does not
 * touch a suspended connection's socket -- and the access handler then has libmicrohttpd
 * close it (http_reply_to_half_closed; for a write answered later, http_later_half_closed). */

/* The head of r's reply with "Connection: close" into head (HTTP_CLOSE_HEAD_MAX bytes): its
 * length, or 0 when it could not be formatted. */
#define HTTP_CLOSE_HEAD_MAX 4096
static size_t http_close_head(http_req *r, char *head)
{
    http_cors_any(r);
    http_response *p = &r->resp;
    const size_t cap = HTTP_CLOSE_HEAD_MAX;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    const char *reason = MHD_get_reason_phrase_for((unsigned)p->status);
    size_t n = 0;
    int k = snprintf(head, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n", p->status,
                     reason && *reason ? reason : "Unknown", date);
    if (k > 0)
        n = (size_t)k;
    if (p->content_type && n < cap) {
        k = snprintf(head + n, cap - n, "Content-Type: %s\r\n", p->content_type);
        n = k > 0 ? n + (size_t)k : cap;
    }
    for (int i = 0; i < p->n_headers && n < cap; i++) {
        k = snprintf(head + n, cap - n, "%s: %s\r\n", p->headers[i].name, p->headers[i].value);
        n = k > 0 ? n + (size_t)k : cap;
    }
    if (n < cap) {
        k = snprintf(head + n, cap - n, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     p->body ? p->body_len : 0);
        n = k > 0 ? n + (size_t)k : cap;
    }
    return n < cap ? n : 0; /* cap cannot be reached with HTTP_RESP_MAX_HEADERS of bounded
                               values */
}

/* Writes r's reply on its socket with "Connection: close" by deadline_ms (libmicrohttpd
 * not involved).  False when it could not be formatted. */
bool http_write_reply_close(http_req *r, int fd, long long deadline_ms)
{
    char head[HTTP_CLOSE_HEAD_MAX];
    size_t n = http_close_head(r, head), off = 0;
    if (!n)
        return false;
    http_write_parts(fd, head, n, r->resp.body, r->resp.body ? r->resp.body_len : 0, &off,
                     deadline_ms);
    return true;
}

/* A reply whose body is at most this long is written whole by http_completed, without
 * waiting, when libmicrohttpd finds a half-closed client's FIN as it takes the resumed
 * connection back: its head (at most HTTP_CLOSE_HEAD_MAX) and body fit in the socket's send
 * buffer (16 KB to start: tcp_wmem) unless the client left earlier replies unread.  So it
 * needs no peek for a FIN first: one recv less for nearly every write answered later or in
 * the pool (PutItem at 64 connections: 5.5 -> 4.5 syscalls). */
#define HTTP_PEEKLESS_BODY 2048

/* Whether the client has half-closed: its socket (or -1) when it has, the reply is ours to
 * write (not streamed, larger than HTTP_PEEKLESS_BODY) and nothing else was sent after the
 * request. */
static int http_half_closed_fd(http_req *r)
{
    int fd = r->hc ? r->hc->fd : -1;
    char one;
    if (fd < 0 || r->resp.mhd || !r->resp.body || r->resp.body_len <= HTTP_PEEKLESS_BODY ||
        recv(fd, &one, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
        return -1; /* not tracked, a streamed or small reply, or no FIN (data, or nothing yet) */
    return fd;
}

/* A pool thread's write to a half-closed client: it waits (up to the read timeout) for a
 * client slow to take the reply.  True when it wrote (whether or not the client took it all). */
bool http_reply_to_half_closed(http_req *r)
{
    int fd = http_half_closed_fd(r);
    return fd >= 0 &&
           http_write_reply_close(r, fd, base_mono_ms() + (long long)r->l->read_timeout * 1000);
}

/* A write answered later (issue 13.3 design (a)): the polling thread parses and checks it
 * and queues its writes; no thread waits for the commit.  The connection is suspended just
 * before the writes are queued, and the store's committing thread, once they are durable,
 * builds the reply and resumes it (as a pool thread would: http_job_run).  Only PutItem,
 * UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems on the DynamoDB port, and not
 * when they may wait (--transaction-conflicts, --throttle: api_writes_later); those go to the
 * pool.  Nor a body over HTTP_LATER_MAX_BODY: the polling thread parses and checks what it
 * queues, and every other request of its connections waits meanwhile; a batch of 25 items of
 * 300 KB took GetItem's p99 from ~10 to ~100 ms (review8 3), so those are parsed in the pool. */
#define HTTP_LATER_MAX_BODY (512u * 1024) /* any one 400 KB item's write, with room */

bool http_later_ok(const http_req *r)
{
    static const char *const ops[] = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                      "TransactWriteItems"};
    size_t pl = strlen(DDB_PROTO_TARGET_PREFIX);
    if (r->l->dialect != &http_ddb_dialect || !api_writes_later(r->l->srv->proto.api) ||
        r->too_large || r->params_have_nul || !r->body_len || r->body_len > HTTP_LATER_MAX_BODY ||
        !http_encoding_is_identity(r->content_encoding) || !r->amz_target ||
        strcmp(r->method, "POST") != 0 || strncmp(r->amz_target, DDB_PROTO_TARGET_PREFIX, pl))
        return false;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(r->amz_target + pl, ops[i]) == 0)
            return true;
    return false;
}

static void http_later_gone(http_server *srv)
{
    pthread_mutex_lock(&srv->pool_mu);
    if (--srv->later_n == 0)
        pthread_cond_broadcast(&srv->later_cv);
    pthread_mutex_unlock(&srv->pool_mu);
}

static void http_later_suspend(void *ctx)
{
    http_req *r = ctx;
    r->state = R_QUEUED;
    if (r->hc)
        http_eof_hold(r->hc->fd, true); /* until http_completed: pipelined requests stay */
    MHD_suspend_connection(r->conn); /* before the write is queued: before any resume */
}

/* A pool thread writes the rest of a half-closed client's reply (http_later_done), waiting
 * up to the read timeout as for the pool's own replies, and resumes the connection. */
static void http_later_rest_run(http_pool_job *job)
{
    http_req *r = (http_req *)((char *)job - offsetof(http_req, job));
    http_server *srv = r->l->srv;
    http_write_parts(r->hc->fd, r->hc_head, r->hc_head_len, r->resp.body, r->resp.body_len,
                     &r->hc_off, base_mono_ms() + (long long)r->l->read_timeout * 1000);
    free(r->hc_head);
    r->hc_head = NULL;
    r->state = R_SENT_BY_POOL;
    MHD_resume_connection(r->conn); /* r may be gone from here on */
    http_later_gone(srv);
}

/* The committing thread's write to a half-closed client (see http_write_reply_close): what
 * fits now, without waiting (every later write of its round waits behind it); the rest, if
 * any, goes to a pool thread, which may wait for the client (a large reply to a slow reader
 * was cut: review7 9).  0: not half-closed (libmicrohttpd sends the reply); 1: written (or
 * the client left); 2: handed to the pool, which resumes the connection. */
static int http_later_half_closed(http_req *r)
{
    int fd = http_half_closed_fd(r);
    char head[HTTP_CLOSE_HEAD_MAX];
    size_t hl = fd >= 0 ? http_close_head(r, head) : 0, off = 0;
    if (!hl)
        return 0;
    const char *body = r->resp.body;
    size_t bl = body ? r->resp.body_len : 0;
    if (http_write_parts(fd, head, hl, body, bl, &off, 0) != 1)
        return 1;
    http_server *srv = r->l->srv;
    r->hc_head = malloc(hl);
    if (!r->hc_head)
        return 1; /* cut, as before: out of memory */
    memcpy(r->hc_head, head, hl);
    r->hc_head_len = hl;
    r->hc_off = off;
    pthread_mutex_lock(&srv->pool_mu);
    bool pooled = srv->pool && http_pool_reserve(srv->pool) == 0;
    if (pooled) {
        r->job.run = http_later_rest_run;
        http_pool_submit(srv->pool, &r->job);
    }
    pthread_mutex_unlock(&srv->pool_mu);
    if (pooled)
        return 2;
    free(r->hc_head); /* stopping, or no pool thread: cut, as before */
    r->hc_head = NULL;
    return 1;
}

/* A write answered later, its reply built: the connection goes back to libmicrohttpd. */
static void http_later_resume(void *ctx)
{
    http_req *r = ctx;
    http_server *srv = r->l->srv;
    if (r->state == R_DONE && srv->peek_delay_ms) {
        struct timespec ts = {srv->peek_delay_ms / 1000,
                              (long)(srv->peek_delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    MHD_resume_connection(r->conn); /* r may be gone from here on */
    http_later_gone(srv);
}

/* The store's committing thread, once the write is durable.  The resume is deferred to the
 * end of the round's answers when the store opened a scope for them (base/defer.h): each
 * resume writes libmicrohttpd's eventfd and wakes its polling thread, which, woken at the
 * first of a round's ~20 replies, used to go back to poll and be woken again for each next
 * one (C+D at 64 connections: 0.6 polls and ~1 context switch a request). */
static void http_later_done(void *ctx)
{
    http_req *r = ctx;
    http_server *srv = r->l->srv;
    http_ddb_reply(srv, &r->presp, &r->resp, &r->t0);
    int hc = http_later_half_closed(r);
    if (hc == 2)
        return; /* the pool thread resumes it */
    r->state = hc ? R_SENT_BY_POOL : R_DONE;
    if (!defer_call(http_later_resume, r))
        http_later_resume(r);
}

/* 1: suspended, answered by http_later_done; 0: r->resp holds the answer; 2: too many in
 * flight, the caller answers busy; -1: stopping (the caller runs it the usual way).
 * Admission as for the pool's writes: as many may be in flight as the pool has threads plus
 * its queue (--pool-threads + --queue-limit), so a flood of writes is refused at once rather
 * than waiting behind every other (review7 2); and one that waited --queue-timeout in the
 * store's queue is refused there, not run (store_opts.later_wait_ms, set by serve). */
int http_run_later(http_req *r)
{
    http_server *srv = r->l->srv;
    pthread_mutex_lock(&srv->pool_mu);
    bool on = srv->pool != NULL, full = on && srv->later_n >= srv->later_limit;
    if (on && !full)
        srv->later_n++;
    pthread_mutex_unlock(&srv->pool_mu);
    if (full)
        return 2;
    if (!on)
        return -1;
    http_resp_init(&r->resp);
    ddb_proto_req preq = {.method = r->method,
                          .path = r->path,
                          .params = r->params,
                          .n_params = r->n_params,
                          .headers = r->headers,
                          .n_headers = r->n_headers,
                          .amz_target = r->amz_target,
                          .authorization = r->authorization,
                          .content_type = r->content_type,
                          .body = r->body,
                          .body_len = r->body_len,
                          .now = (long long)time(NULL),
                          .reply_charge = r->l->reply_budget ? http_reply_charge : NULL,
                          .reply_ctx = r};
    ddb_proto_later dl = {http_later_suspend, http_later_done, r};
    if (ddb_proto_handle_later(&srv->proto, &preq, &r->presp, &dl))
        return 1;
    http_ddb_reply(srv, &r->presp, &r->resp, &r->t0);
    http_later_gone(srv);
    return 0;
}
