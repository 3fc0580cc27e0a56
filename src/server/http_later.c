/*
 * http_later — writes answered later: the store's committing thread builds the reply and
 * resumes the connection; no thread waits for the commit.  Layer: server; private to the HTTP
 * files.  http.c decides which requests go here (http_dispatch) and runs the pool's jobs
 * (http_job_run); this file calls nothing of http.c (what both use is http_srv.h's and
 * http_req.c's), so no circle of files forms.  A client that half-closes its connection
 * after its requests still gets every reply: its FIN is held from libmicrohttpd while the
 * request is suspended (http_eof.c), so libmicrohttpd sends the reply itself.
 * Tests: tests/e2e/test_protocol.py (half-closed clients), tests/e2e/test_overload.py,
 * tests/e2e/test_items.py; tests/unit/server/test_http.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "base/defer.h"
#include "server/ddb_proto.h"
#include "server/http_decode.h"
#include "server/http_pool.h"
#include "server/http_srv.h"

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

/* A write answered later, its reply built: the connection goes back to libmicrohttpd. */
static void http_later_resume(void *ctx)
{
    http_req *r = ctx;
    http_server *srv = r->l->srv;
    if (srv->peek_delay_ms) { /* tests: the client's FIN comes before the resume */
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
    r->state = R_DONE;
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
