/*
 * http — the two HTTP listeners (libmicrohttpd).  Layer: server.
 *
 * Listener 1, the DynamoDB endpoint: every request goes through ddb_proto_handle (auth,
 * X-Amz-Target routing to api_call, DynamoDB error bodies).  Listener 2, the messaging REST
 * API: every request goes to msg_rest_handle.  Bodies are streamed into bounded buffers
 * (16 MB for DynamoDB, HTTP_REST_MAX_BODY for REST); beyond the bound the rest is read and
 * discarded and the request answered 413.  Each listener runs MHD's internal polling
 * thread pool with keep-alive (one thread per CPU; requests that block, such as writes
 * waiting for their group commit, run on threads started on demand, http_pool.h); one access-log line per request goes to stderr unless quiet:
 *   ddb <Operation|-> <TableName|-> <status> <microseconds>us [<ErrorType>]
 *   rest <METHOD> <path> <status> <microseconds>us
 *
 * Lifetime: http_server_start .. http_server_stop.  api, creds and svc are borrowed and must
 * outlive the server.  http_server_stop is graceful: stops accepting, lets in-flight requests
 * finish (bounded wait), then closes every connection.
 */
#ifndef DDB_SERVER_HTTP_H
#define DDB_SERVER_HTTP_H

#include <stdbool.h>

#include "api/api.h"
#include "base/err.h"
#include "messaging/rest.h"
#include "server/sigv4.h"

#define HTTP_REST_MAX_BODY ((size_t)1 << 20)
#define HTTP_DEFAULT_TIMEOUT_S 300

typedef struct http_server http_server;

typedef struct http_config {
    const char *host;            /* address to bind, default "127.0.0.1" ("::1", "0.0.0.0") */
    int dynamodb_port;           /* 0 = any free port, < 0 = no DynamoDB listener */
    int api_port;                /* 0 = any free port, < 0 = no REST listener */
    unsigned threads;            /* polling threads per listener; 0 = default (one per CPU) */
    unsigned pool_threads;       /* blocking-request threads, both listeners; 0 = default */
    bool rest_blocking;          /* every REST request may block (a remote endpoint) */
    unsigned max_connections;    /* per listener; 0 = libmicrohttpd's default */
    unsigned connection_timeout; /* idle seconds before a connection is closed; 0 = never */
    bool quiet;                  /* no access log */
    bool namespace_tables;       /* per access key + region table namespaces */
    const char *region;          /* for the health text; default "us-east-1" */
} http_config;

void http_config_default(http_config *c);

/* Starts the listeners.  api: required when dynamodb_port >= 0.  creds: NULL/empty = accept
 * any signer.  svc: the messaging service for the REST listener; NULL = REST answers 503.
 * ERR_IO (bind failed, with the reason), ERR_VALIDATION (bad host), ERR_NOMEM. */
int http_server_start(const http_config *cfg, api_t *api, const sigv4_creds *creds,
                      msg_service *svc, http_server **out, err_t *e);
/* The bound ports (useful with port 0); -1 for a listener that is not running. */
int http_server_dynamodb_port(const http_server *s);
int http_server_api_port(const http_server *s);
/* Graceful stop and free.  Accepts NULL. */
void http_server_stop(http_server *s);

#endif
