/*
 * http — the two HTTP listeners (libmicrohttpd).  Layer: server.
 *
 * Listener 1, the DynamoDB endpoint: POST (any path) goes through ddb_proto_handle (auth,
 * X-Amz-Target routing to api_call, DynamoDB error bodies); GET / and HEAD / answer AWS's
 * health text; any other method or path AWS's 404 "<UnknownOperationException/>\n".
 * Listener 2, the messaging REST API: every request goes to msg_rest_handle.  Routes are
 * tables in http_routes.c (http_int.h says how to add one).
 *
 * Threads: each listener runs its polling threads (by default one per CPU in the process's
 * affinity mask: http_default_threads), one libmicrohttpd daemon each, and an accept thread
 * that gives each new connection to the polling thread holding the fewest; they parse
 * requests and run those that do not block (reads).  Requests that may block (writes waiting
 * for their group commit, compressed bodies, REST over a remote endpoint) are handed to the
 * blocking pool (http_pool.h) while their connection is suspended; to a client that
 * half-closed after its request the pool thread writes the reply itself (libmicrohttpd 0.9.75
 * would close the connection on resuming it, reply unsent).
 *
 * Limits: request bodies up to 16 MB (DynamoDB) / HTTP_REST_MAX_BODY (REST), measured after
 * Content-Encoding (gzip, deflate) is undone, so a decompression bomb is a 413, never
 * unbounded memory (an unknown coding is a 415, undecodable data a 400); beyond the bound
 * the rest is read and discarded and the request answered 413 (beyond 64 MB, at once).
 * 128 header fields (431 beyond), 64 query parameters (400 beyond); two different
 * Content-Length values, two Host headers, a control byte in a header value, a %00 in the
 * path, or (on the endpoint) in a query parameter: 400.  Access log (stderr, unless quiet),
 * one line per request that reaches a handler:
 *   ddb <Operation|-> <TableName|-> <status> <microseconds>us [<ErrorType>]
 *   rest <METHOD> <path> <status> <microseconds>us
 *
 * Timeouts (libmicrohttpd's, inactivity-based): read_timeout while a request is being read
 * (and before a connection's first request), connection_timeout between requests on a
 * keep-alive connection.  Deadlines (ours, absolute, so trickling a byte at a time does not
 * extend them): a request's head is due read_timeout after the connection opened or its
 * request began (the first byte, from TCP_INFO), its body read_timeout after the head plus
 * 1 s per 64 KB received; a reaper thread shuts down connections past theirs.
 * max_connections_per_ip, when set, caps one client address's connections (libmicrohttpd
 * closes the rest at once); no cap by default.  Both listeners poll level-triggered
 * (poll(2)), so a client that closes in the middle of a request is noticed at once (with
 * epoll libmicrohttpd 0.9.75 missed many such FINs: their sockets sat in CLOSE-WAIT for the
 * idle timeout, issue 9.2; and a server-sent-events stream ended while its client did not
 * read never reached it once it read: test_messaging_sse
 * test_streams_that_are_never_read_hold_bounded_memory under ASan, session 28).  poll(2)
 * walks every connection at each event: with 5,500 idle REST connections, 1,500 more took
 * 16 s to be accepted (0.3-1.1 s with epoll).
 *
 * Overload: beyond max_connections a connection gets the "busy" reply to its first request
 * and is closed (beyond max_connections + HTTP_OVERFLOW_CONNECTIONS libmicrohttpd closes it
 * at once); a blocking request that finds queue_limit requests already waiting for a pool
 * thread, or that waited queue_timeout_ms for one, a write answered later (no pool thread:
 * http.c http_run_later) that finds pool_threads + queue_limit of them in flight, or any
 * request whose body would take the listener past its memory budget (or the endpoint's parse
 * budget: http.c HTTP_DDB_PARSE_BUDGET, what big bodies' trees and arenas may take), gets it
 * at once (and a
 * write answered later that waits queue_timeout_ms in the store's queue gets it from the
 * store, when the caller opened it with store_opts.later_wait_ms = queue_timeout_ms, as
 * serve does).  "Busy" is DynamoDB's
 * ThrottlingException on the endpoint (the SDKs retry it) and 503 server_busy +
 * Retry-After on REST.  Reads run on the polling threads: their wait is bounded by the
 * connections a polling thread serves (max_connections / threads) times their run time.
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
#include "base/metrics.h"
#include "messaging/rest.h"
#include "server/http_limits.h"
#include "server/sigv4.h"

#define HTTP_REST_MAX_BODY ((size_t)1 << 20)
#define HTTP_DEFAULT_TIMEOUT_S 300          /* keep-alive idle, between requests */
#define HTTP_DEFAULT_READ_TIMEOUT_S 10      /* inactivity while a request is read */
#define HTTP_DEFAULT_MAX_CONNECTIONS 1024   /* per listener */
#define HTTP_DEFAULT_REST_CONNECTIONS 4096  /* the REST listener's: idle event streams are
                                               connections too (GET /api/events) */
#define HTTP_DEFAULT_QUEUE_LIMIT 64         /* blocking requests waiting for a pool thread */
#define HTTP_DEFAULT_QUEUE_TIMEOUT_MS 1000  /* longest wait for a pool thread */
#define HTTP_PER_IP_UNLIMITED 0xffffffffu   /* max_connections_per_ip: no cap */

typedef struct http_server http_server;

typedef struct http_config {
    const char *host;            /* address to bind, default "127.0.0.1" ("::1", "0.0.0.0") */
    int dynamodb_port;           /* 0 = any free port, < 0 = no DynamoDB listener */
    int api_port;                /* 0 = any free port, < 0 = no REST listener */
    int dynamodb_fd, api_fd;     /* a socket http_bind_listener bound for that listener (its
                                    port is then the one given above), taken over by
                                    http_server_start, which listens on it (closes it on
                                    failure); -1 (the default) = it binds the port itself */
    unsigned threads;            /* polling threads per listener; 0 = http_default_threads() */
    unsigned pool_threads;       /* blocking-request threads, both listeners; 0 = default */
    bool rest_blocking;          /* every REST request may block (a remote endpoint) */
    unsigned max_connections;    /* per listener; 0 = HTTP_DEFAULT_MAX_CONNECTIONS (REST:
                                    HTTP_DEFAULT_REST_CONNECTIONS) */
    unsigned max_connections_per_ip; /* per listener and client address; 0 or
                                        HTTP_PER_IP_UNLIMITED = no cap */
    unsigned connection_timeout; /* idle seconds between requests; 0 = never */
    unsigned read_timeout;       /* idle seconds while a request is read; 0 = the default */
    unsigned queue_limit;        /* blocking requests waiting for a pool thread (both
                                    listeners); 0 = HTTP_DEFAULT_QUEUE_LIMIT */
    unsigned queue_timeout_ms;   /* 0 = HTTP_DEFAULT_QUEUE_TIMEOUT_MS */
    bool quiet;                  /* no access log */
    bool namespace_tables;       /* per access key + region table namespaces */
    const char *region;          /* for the health text; default "us-east-1" */
    met_t *metrics;              /* DynamoDB requests are counted here and GET /metrics on the
                                    DynamoDB listener serves them (metrics_http.h); NULL = no
                                    counting (GET /metrics still shows the store).  Borrowed. */
} http_config;

void http_config_default(http_config *c);

/* Binds host:port (SO_REUSEADDR; an IPv6 address only, as the listeners do) without
 * listening yet, so that a server can take its ports before the rest of its start (ddbchat
 * serve: a port in use is refused before a data dir is created or opened); it listens once
 * http_server_start has everything ready, so that a connection accepted means a server that
 * answers (readiness checks that only connect rely on it).  *fd: the socket (close-on-exec),
 * for http_config's dynamodb_fd / api_fd; *bound: its port (port 0 = a free one).  option:
 * the caller's setting that moves this port ("--api-port"), named in the ERR_IO message so
 * that whoever meets a port in use (or, EACCES, one below 1024) learns how to pick another;
 * with it, an address this machine does not have (EADDRNOTAVAIL) names serve's --host
 * instead; NULL names none.  Other failures give strerror's reason.
 * ERR_IO (cannot bind), ERR_VALIDATION (a host that does not resolve). */
int http_bind_listener(const char *host, int port, const char *option, int *fd, int *bound,
                       err_t *e);

/* The polling threads a listener runs when http_config.threads is 0: one per CPU in the
 * process's affinity mask (taskset, a container's cpuset; all online CPUs if it cannot be
 * read), at most 64.  Never 0. */
unsigned http_default_threads(void);

/* Starts the listeners.  api: required when dynamodb_port >= 0.  creds: NULL/empty = accept
 * any signer.  svc: the messaging service for the REST listener; NULL = REST answers 503;
 * its event hub (msg_service_events), if set, gets its streams cap here: MSG_EVENTS_SLOTS_SHARE_4
 * quarters of the REST listener's connections, as a low RLIMIT_NOFILE leaves them.
 * ERR_IO (bind failed, with the reason), ERR_VALIDATION (bad host), ERR_NOMEM. */
int http_server_start(const http_config *cfg, api_t *api, const sigv4_creds *creds,
                      msg_service *svc, http_server **out, err_t *e);
/* The bound ports (useful with port 0); -1 for a listener that is not running. */
int http_server_dynamodb_port(const http_server *s);
int http_server_api_port(const http_server *s);
/* Graceful stop and free.  Accepts NULL. */
void http_server_stop(http_server *s);

#endif
