/*
 * http_limits — the listeners' connection bounds that other files check against at compile
 * time.  Layer: server.  Only #defines (http_eof.c includes it without libmicrohttpd's
 * headers).
 */
#ifndef DDB_SERVER_HTTP_LIMITS_H
#define DDB_SERVER_HTTP_LIMITS_H

#define HTTP_MAX_CONNECTIONS_LIMIT 1000000 /* the most serve's --max-connections takes */
#define HTTP_OVERFLOW_CONNECTIONS 256      /* answered "busy" beyond max_connections */
#define HTTP_RLIMIT_SPARE 512 /* descriptors beyond both listeners' (http_start's RLIMIT_NOFILE) */
#define HTTP_RLIMIT_MIN_SPARE 32 /* the least kept beyond them under a low RLIMIT_NOFILE */
#define HTTP_RLIMIT_MIN_ROOM 16  /* the fewest connections (both listeners) serve starts with */
#define HTTP_RLIMIT_MIN_OVERFLOW 16 /* the busy overflow a low RLIMIT_NOFILE cuts to first */
/* Descriptors whose FIN can be held (http_eof.c): above every one both listeners at
 * HTTP_MAX_CONNECTIONS_LIMIT can open, with room for the process's others. */
#define HTTP_EOF_FDS (1 << 21)
_Static_assert(HTTP_EOF_FDS > 2 * (HTTP_MAX_CONNECTIONS_LIMIT + HTTP_OVERFLOW_CONNECTIONS) +
                                  HTTP_RLIMIT_SPARE + 65536,
               "a connection's descriptor may be past the FIN-hold table (http_eof.c)");

#endif
