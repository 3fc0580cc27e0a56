/*
 * rest — the messaging REST API, transport-free.  Layer: messaging.
 *
 * server/ parses HTTP and calls msg_rest_handle with the method, path, the headers that
 * matter and the body; it writes back status, headers and body.  Routes:
 *   GET  /api/health
 *   GET  /api/message_groups                       (pattern B)
 *   GET  /api/messages/<message_group_uuid>        (pattern A)
 *   POST /api/messages  {message, message_group_uuid} | {message, handle}   (C + D;
 *                       an Idempotency-Key header makes a retry give the first answer)
 *   GET  /api/me                                   (the signed-in user)
 *   POST /api/events/ticket                        (a one-time ticket for /api/events)
 *   GET  /api/events?ticket=T[&last_event_id=I]    (Server-Sent Events: msg_rest_events)
 *   GET  /, /<file>                                (the page: web/, embedded)
 *   OPTIONS <route>  (Allow, and the CORS preflight's headers)
 */
#ifndef DDB_MESSAGING_REST_H
#define DDB_MESSAGING_REST_H

#include <stddef.h>

#include <stdbool.h>

#include "messaging/events.h"
#include "messaging/msg_err.h"

typedef struct msg_service msg_service;

typedef struct msg_http_req {
    const char *method;        /* "GET", "POST", "OPTIONS", ... */
    const char *path;          /* "/api/messages/..." without the query string */
    const char *query;         /* raw query string without '?' (not decoded), or NULL */
    size_t query_len;          /* its bytes; 0 = up to its NUL */
    const char *authorization; /* Authorization header value or NULL */
    const char *origin;        /* Origin header value or NULL */
    const char *last_event_id; /* Last-Event-ID header value or NULL */
    const char *idempotency_key; /* Idempotency-Key header value or NULL (POST /api/messages) */
    const char *content_type;  /* Content-Type header value or NULL (POST /api/messages) */
    const char *body;          /* request body bytes (may be NULL when len 0) */
    size_t body_len;
} msg_http_req;

#define MSG_HTTP_MAX_HEADERS 8
typedef struct msg_http_resp {
    int status;
    char *body;                /* malloc'ed by msg_rest_handle; the server frees it */
    size_t body_len;
    const char *content_type;  /* static string */
    struct {
        const char *name;      /* static string */
        char value[256];
    } headers[MSG_HTTP_MAX_HEADERS];
    int n_headers;
} msg_http_resp;

/* Fills resp with the error reply for row c of the messaging error table (msg_err.def):
 * status, {"error":{"code","message"}} with the row's text.  For the transport's own
 * refusals (body too large, no service).  Never fails (out of memory: a fixed 500 body). */
void msg_rest_error(msg_http_resp *resp, msg_errc c);
/* The same with a more precise message (NULL = the row's text). */
void msg_rest_error_text(msg_http_resp *resp, msg_errc c, const char *message);
/* msg_rest_error_text with the CORS headers every answer of svc gets for a request from
 * `origin` (the Origin header, or NULL): the transport's refusals on the REST port (413, 415,
 * 400, 431, the busy 503), so that a page on a listed origin can read them.  svc NULL: none. */
void msg_rest_refuse(msg_service *svc, const char *origin, msg_http_resp *resp, msg_errc c,
                     const char *message);

/* Handles one REST request.  Never fails: errors become 4xx/5xx JSON bodies
 * {"error":{"code":"...","message":"..."}}.  Thread-safe.  GET /api/events is the
 * transport's to route to msg_rest_events (here it answers unavailable). */
void msg_rest_handle(msg_service *svc, const msg_http_req *req, msg_http_resp *resp);

/* True for the event stream route (GET /api/events): the transport calls
 * msg_rest_events instead of msg_rest_handle. */
bool msg_rest_is_events(const msg_http_req *req);

/* GET /api/events: opens the signed-in user's event stream (events.h) from the query's
 * one-time `ticket`, replaying after the Last-Event-ID header or `last_event_id` parameter.
 * Success: *out is the stream (read it with msg_stream_read, close it with
 * msg_stream_close; io is how it suspends and resumes its reader) and resp holds status 200,
 * the text/event-stream content type and headers, no body.  Failure: *out NULL and resp the
 * error reply (bad_ticket 401, bad_event_id 400, overloaded/unavailable 503).  The ticket is
 * never logged or echoed. */
void msg_rest_events(msg_service *svc, const msg_http_req *req, const msg_stream_io *io,
                     msg_http_resp *resp, msg_stream **out);

#endif
