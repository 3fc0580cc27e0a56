/*
 * http_int — how http.c's routes and handlers see a request.  Layer: server.
 *
 * Each listener is a libmicrohttpd daemon: its polling threads parse requests and run the
 * ones that do not block (reads); a request that may block (http.c, http_blocking) is handed
 * to the blocking pool (http_pool.h) while its connection is suspended, and the pool thread
 * resumes it when the reply is ready.  Either way a handler gets the complete request
 * (body decoded) and fills an http_response.
 *
 * To add a route: a row in a listener's route table in http_routes.c (first match wins).  For a
 * reply MHD must produce itself (a streamed body, e.g. Server-Sent Events:
 * MHD_create_response_from_callback, with MHD_suspend_connection / MHD_resume_connection
 * from its content reader while no data is ready), a handler sets resp->mhd to that response
 * (it is queued with resp->status and then destroyed) and resp->no_timeout, which lifts the
 * connection's inactivity timeout for the rest of its life; a Server-Sent Events stream also
 * sets resp->sse, and the reaper drops it when its client hangs up or stops taking bytes
 * (http_conn.c http_reap_streams).
 */
#ifndef DDB_SERVER_HTTP_INT_H
#define DDB_SERVER_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "server/http.h"
#include "server/sigv4.h"

#define HTTP_MAX_HEADERS 128     /* header fields per request; more is a 431 */
#define HTTP_MAX_PARAMS 64       /* query parameters; more is a 400 */
#define HTTP_RESP_MAX_HEADERS 8  /* extra reply headers a handler may add */
#define HTTP_RESP_HEADER_MAX 256 /* bytes of one such header's value */
/* A REST reply's bytes not charged to the listener's reply budget (http_routes.c
 * http_rest_charge): most answers are a few KB; a page of 100 plain messages ~27 KB */
#define HTTP_REST_REPLY_FREE ((size_t)16 << 10)

struct MHD_Response;
struct MHD_Connection;

/* One complete request, as a handler sees it (everything borrowed for the handler's call). */
typedef struct http_request {
    const char *method;
    const char *path;     /* percent-decoded, NUL-terminated (a NUL inside was a 400) */
    const char *query;    /* raw query string without '?', not decoded; NULL when none */
    size_t query_len;
    const sigv4_param *params; /* decoded query parameters (none holds a NUL: that was a
                                  400 on the endpoint; on REST, see params_have_nul) */
    size_t n_params;
    bool params_have_nul; /* a decoded parameter holds a NUL (reads shorter than it is) */
    const sigv4_header *headers;
    size_t n_headers;
    /* the first X-Amz-Target / Authorization / Content-Type among headers[], found while
     * they were collected (NULL: none there) */
    const char *amz_target, *authorization, *content_type;
    const char *body; /* after Content-Encoding; NUL-terminated; NULL when body_len is 0 */
    size_t body_len;
    const char *raw_body; /* as received (SigV4 hashes these bytes) */
    size_t raw_body_len;
    bool too_large; /* the body (or its decoding) exceeded the listener's limit: not kept */
    struct timespec t0;
    struct MHD_Connection *conn; /* for a reply MHD builds itself that suspends and resumes
                                    its connection (resp->mhd, e.g. Server-Sent Events) */
    /* the listener's budget for reply text (ddb_proto_req.reply_charge), or NULL */
    int (*reply_charge)(void *ctx, size_t n, bool must);
    void *reply_ctx;
} http_request;

/* The reply a handler fills in.  body is malloc'ed and taken by the server. */
typedef struct http_response {
    int status;
    const char *content_type; /* static; NULL = none */
    char *body;
    size_t body_len;
    struct {
        const char *name; /* static */
        char value[HTTP_RESP_HEADER_MAX];
    } headers[HTTP_RESP_MAX_HEADERS];
    int n_headers;
    bool close;               /* close the connection after this reply */
    bool no_timeout;          /* a long-lived reply: no connection timeout from now on */
    struct MHD_Response *mhd; /* a reply MHD builds itself (see above); taken by the server */
    struct http_sse *sse;     /* with mhd, a Server-Sent Events stream: the reaper watches its
                                 connection (http_srv.h) */
} http_response;

/* Adds a reply header (name static).  -1 when there is no room or the value does not fit or
 * holds CR/LF. */
int http_resp_header(http_response *r, const char *name, const char *value);

typedef struct http_server http_server;
typedef void (*http_handler_fn)(http_server *srv, const http_request *req, http_response *resp);

typedef struct http_route {
    const char *method; /* NULL = any */
    const char *path;   /* NULL = any */
    bool prefix;        /* path is a prefix */
    http_handler_fn fn;
} http_route; /* a table ends with a row whose fn is NULL */

#endif
