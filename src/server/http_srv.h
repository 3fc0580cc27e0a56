/*
 * http_srv — what http.c and its parts share: a listener, the server, a connection, a
 * listener's dialect, and the small helpers both use.  Layer: server; private to the
 * server's HTTP files (http.c: libmicrohttpd glue, the request's life, start and stop;
 * http_routes.c: the two listeners' routes and transport replies; http_conn.c: connections,
 * their slots and the reaper; http_later.c: writes answered later and replies to half-closed
 * clients; http_req.c: the leaf helpers all four call).  Handlers see only http_int.h.
 */
#ifndef DDB_SERVER_HTTP_SRV_H
#define DDB_SERVER_HTTP_SRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <poll.h>

#include "base/clock.h"
#include "server/ddb_proto.h"
#include "server/http.h"
#include "server/http_int.h"
#include "server/http_pool.h"

typedef struct http_listener http_listener;

/* A Server-Sent Events reply (GET /api/events): its stream, held by the reply (until
 * libmicrohttpd frees it: st becomes NULL, the stream closed) and by its connection while it
 * is sent (http_conn.sse: the reaper's view).  refs and st are guarded by l->conns_mu; freed
 * by the last of the two to let go. */
typedef struct http_sse {
    http_listener *l;
    struct msg_stream *st;
    int refs;
} http_sse;

/* One open connection (MHD's socket context), on its listener's list from MHD's "started"
 * to its "closed" notification (which comes before libmicrohttpd closes the socket, so the
 * reaper never shuts down a descriptor that has been reused). */
typedef struct http_conn {
    struct http_conn *prev, *next; /* guarded by the listener's conns_mu */
    http_listener *l;
    int fd;
    atomic_bool overflow;   /* came beyond max_connections and holds none of its slots: the
                               busy reply, then closed (unless it gets a slot by then) */
    long long body_ms;      /* when its current request's head was complete (MHD thread) */
    atomic_ullong idle_rx;  /* bytes received by the reaper's first look after its last
                               reply, or HTTP_RX_UNSET | replies (not looked at yet) */
    unsigned long long replies; /* replies done (MHD thread) */
    atomic_bool idle;       /* between requests, no request line yet: the reaper watches
                               for the bytes of a next request (idle_rx set before); also
                               from its start to its first request line (idle_rx 0) */
    atomic_llong idle_ms;   /* when it became idle (its start, or its last reply; 0 when no
                               idle timeout was set): the longest idle gives way first */
    atomic_ullong idle_seq; /* its listener's count of connections become idle, then: of two
                               idle since the same ms, the first gives way (its polling
                               thread may be another's: the list's order is not theirs) */
    atomic_bool evicted;    /* shut down to make room for a new connection (http_evict_idle) */
    atomic_llong deadline;  /* CLOCK_MONOTONIC ms by which the head or body must be in;
                               0 = none (a request being answered, or no idle timeout) */
    /* a stream being sent (guarded by the listener's conns_mu): the reaper polls its socket
     * for the client's hang-up and drops it once its writes make no progress for the read
     * timeout (http_reap_streams) */
    http_sse *sse;
    bool sse_dropped;                /* the reaper ended it (reaper thread) */
    long long sse_stall_ms;          /* since when its socket took no byte (0: it does) */
    unsigned long long sse_acked;    /* bytes the client had acknowledged then */
    /* a reply being sent (not a stream's): its number (http_send), 0 once complete; the
     * reaper drops the connection once its client has acknowledged none of the reply's
     * waiting bytes for the read timeout (http_reap_send; the fields below are the
     * reaper's, guarded by conns_mu) */
    atomic_ullong sending;
    unsigned long long send_seq;     /* the reply send_stall_ms is about */
    long long send_stall_ms;         /* since when its socket took no byte (0: it does) */
    unsigned long long send_acked;   /* bytes the client had acknowledged then */
    struct http_req *spare; /* its last request's context, kept for the next (MHD thread) */
    struct http_req *cur;   /* the context http_uri_log made, until http_completed takes it:
                               libmicrohttpd 0.9.75 closes a connection whose pool ran out
                               (a flood of cookies) without calling it (MHD thread) */
} http_conn;

/* The poll set of the streams' sockets the reaper builds each pass (http_reap_streams,
 * reaper thread): pf[i] is hc[i]'s, cap of each allocated. */
typedef struct http_pollset {
    struct pollfd *pf;
    http_conn **hc;
    size_t cap;
} http_pollset;

/* idle_rx before the reaper's first look: the top bit (no byte count reaches it) and the
 * reply's number, so that a baseline taken for one reply is never stored for the next */
#define HTTP_RX_UNSET (1ULL << 63)

typedef struct http_req http_req;

/* The "dialect" of a listener: its routes and its transport-level replies. */
typedef struct http_dialect {
    const char *name; /* "ddb" / "rest" */
    const http_route *routes;
    /* A transport-level error (400, 413, 415, 431, 500) with a static reason; origin: the
     * request's Origin header, or NULL (the REST port answers it the CORS headers every
     * answer of its gets). */
    void (*error)(http_server *srv, const char *origin, const char *ctype, int status,
                  const char *why, http_response *resp);
    /* The "busy, retry" reply.  ctype (both): the request's Content-Type, "" when it has none,
     * NULL when not known (http_req_ctype); the DynamoDB endpoint's reply type follows it. */
    void (*overload)(http_server *srv, const char *origin, const char *ctype,
                     http_response *resp);
    /* Every reply to a request with an Origin header carries "Access-Control-Allow-Origin: *"
     * (http_cors_any; the DynamoDB endpoint, as AWS's: the REST port sets its own). */
    bool cors_any_origin;
} http_dialect;

/* Connections open from one client address (a listener's per-address cap, http.c
 * http_ip_take). */
typedef struct http_ip_count {
    struct http_ip_count *next;
    unsigned char key[17]; /* family, then the address (4 or 16 bytes) */
    unsigned n;
} http_ip_count;

#define HTTP_IP_BUCKETS 256

struct http_listener {
    http_server *srv;
    const http_dialect *dialect;
    struct MHD_Daemon *d;   /* ds[0] (non-NULL: the listener runs) */
    /* its polling threads: one libmicrohttpd daemon each, without a listening socket of its
     * own; the accept thread hands each new connection to the one holding the fewest
     * (http_accept_main).  libmicrohttpd's own thread pool let whichever thread woke first
     * accept, often all 8 of a load test's connections (BENCHMARKS.md, sessions 32-33) */
    struct MHD_Daemon **ds;
    atomic_uint *held;      /* connections handed to ds[i], not yet closed */
    unsigned nd;
    unsigned hard;          /* max_connections + overflow_max: ds[i] takes its share
                               (http_share); beyond, new clients wait in the backlog */
    pthread_mutex_t acc_mu; /* with acc_cv: the accept thread waits for a share to free */
    pthread_cond_t acc_cv;
    atomic_bool acc_full;   /* it waits (http_conn_gone signals) */
    int lfd;                /* the listening socket (-1: none) */
    pthread_t acceptor;
    bool acceptor_started;
    atomic_bool stopping;   /* the accept thread ends (http_server_stop) */
    pthread_mutex_t ip_mu;  /* guards ip_tab */
    http_ip_count *ip_tab[HTTP_IP_BUCKETS]; /* with per_ip: connections open per address */
    int port;
    size_t body_limit, memory_budget;
    size_t parse_budget;    /* HTTP_DDB_PARSE_BUDGET on the endpoint; 0: none (REST) */
    int sndbuf;             /* SO_SNDBUF of its connections (0: the kernel's autotuning) */
    size_t reply_budget;    /* HTTP_DDB_REPLY_BUDGET on the endpoint, HTTP_REST_REPLY_BUDGET (REST) */
    unsigned max_connections, read_timeout, idle_timeout;
    unsigned overflow_max; /* connections beyond max_connections answered busy */
    unsigned first_timeout; /* a new connection's for its first request's head */
    atomic_long in_flight;  /* requests whose head was read and that are not answered */
    atomic_uint open;       /* connections open */
    atomic_size_t mem;      /* bytes of the memory budget in use */
    atomic_size_t parse;    /* bytes of the parse budget in use */
    atomic_size_t reply;    /* bytes of the reply budget in use */
    unsigned per_ip;        /* connections per client address; 0 = no cap */
    pthread_mutex_t conns_mu;
    http_conn *conns;       /* open connections (the reaper's list) */
    atomic_ulong reaped;    /* connections closed past their request deadline */
    http_pollset sse_ps;    /* the reaper's poll set for the streams (reaper thread) */
    atomic_uint slots;      /* of max_connections, those held: connections open, not
                               overflow, not evicted (an evicted one's passed to a new one) */
    atomic_uint overflows;  /* connections open over the limit (a freed slot passes to one) */
    atomic_ullong idle_seq; /* connections become idle so far (http_conn.idle_seq) */
};

struct http_server {
    http_config cfg;
    char host[256];
    char region[64];
    ddb_proto proto;
    msg_service *svc;
    http_listener ddb, rest;
    http_pool *pool;         /* the blocking requests of both listeners; NULL once stopping */
    pthread_mutex_t pool_mu; /* guards `pool` against the stop, and later_n */
    unsigned later_n;        /* writes answered later (http_run_later) not yet resumed */
    unsigned later_limit;    /* beyond it such a write gets the busy reply (pool + queue) */
    pthread_cond_t later_cv; /* later_n fell to 0 */
    unsigned queue_limit, queue_timeout_ms;
    unsigned peek_delay_ms; /* tests: DDBCHAT_HALF_CLOSE_PEEK_DELAY_MS, a pause before a
                               reply computed elsewhere is handed back to libmicrohttpd (a FIN
                               sent meanwhile is held: http_eof.c) */
    unsigned fit_max[2];      /* endpoint, REST: max_connections cut to a low RLIMIT_NOFILE
                                 (http_fit_fd_limit); 0 = as configured */
    unsigned fit_overflow[2]; /* the same for the busy overflow */
    pthread_t reaper;        /* closes connections past their request deadline */
    bool reaper_started, reaper_stop;
    pthread_mutex_t reaper_mu;
    pthread_cond_t reaper_cv;
};

enum { R_NEW = 0, R_BODY, R_QUEUED, R_DONE, R_ANSWERED };

struct http_req {
    http_listener *l;
    struct MHD_Connection *conn;
    int state;
    const char *method;
    size_t target_len;
    char *path;   /* decoded */
    const char *query;
    size_t query_len;
    size_t n_headers, headers_seen;
    size_t n_params, params_seen;
    bool params_have_nul, bad_header_byte;
    /* http_collect_header's NUL check (http_gap_dirty): the head's span in libmicrohttpd's
     * read buffer (0, 0: unknown, nothing judged) and the end of the last collected value
     * (0 for none; judged only when it lies in the span); the width of the last line end
     * seen before a name (1: bare LF, 2: CR LF; 0: none judged), which bounds the last gap */
    uintptr_t head_lo, head_hi, value_end;
    unsigned char eol;
    bool params_cut; /* the query held more than HTTP_MAX_PARAMS + 1 (http_cut_query) */
    const char *content_length, *content_encoding;
    /* the first of each among headers[] (or NULL) */
    const char *amz_target, *authorization, *content_type;
    bool cl_conflict, has_te;
    bool target_conflict; /* X-Amz-Target headers naming different operations */
    bool te_other; /* a Transfer-Encoding other than one "chunked" (libmicrohttpd's only) */
    bool close_after; /* its connection is closed after the reply (HTTP/1.0 with a coding) */
    bool has_origin; /* an Origin header came (http_cors_any) */
    int hosts;
    int auths; /* Authorization headers (REST: more than one is a 400) */
    /* body (its buffer: below) */
    size_t body_len, reserved;
    size_t expect;         /* its Content-Length when it grows as it arrives (else 0) */
    size_t parse_reserved; /* of the listener's parse budget (http_parse_take) */
    size_t reply_charged;  /* of its reply budget (http_reply_charge) */
    bool too_large;
    unsigned long long received;
    bool counted; /* in the listener's in_flight */
    struct timespec t0;
    long long enq_ms;  /* handed to the pool at (0: runs on the polling thread) */
    http_pool_job job; /* when handed to the pool */
    http_conn *hc;     /* its connection's (NULL if that could not be allocated) */
    /* not zeroed on creation (big, or kept when the context is reused): */
    char *target;      /* raw request target + the decoded path (malloc'ed; target_cap bytes) */
    size_t target_cap;
    char *body;        /* the body (malloc'ed; body_cap bytes); one of up to HTTP_SMALL_BODY
                          is kept with the context for the connection's next request */
    size_t body_cap;
    http_response resp;
    ddb_proto_resp presp; /* a write answered later (http_run_later) */
    sigv4_header headers[HTTP_MAX_HEADERS];
    sigv4_param params[HTTP_MAX_PARAMS];
};

static inline long long http_elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Lets go of the connection's hold on its stream (conns_mu held); frees it if it was the
 * last. */
void http_sse_unhold(http_conn *hc);

/* One access-log line, written with a single write() so threads do not interleave. */
void http_access_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of the first header named `name` (any case) among h[0 .. n), or NULL. */
static inline const char *http_header_in(const sigv4_header *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

static inline const char *http_header(const http_request *r, const char *name)
{
    return http_header_in(r->headers, r->n_headers, name);
}

/* A header whose value this file built (digits, hex, '-'): no CR / LF to look for. */
static inline void http_resp_header_built(http_response *r, const char *name, const char *value,
                                   size_t n)
{
    if (r->n_headers >= HTTP_RESP_MAX_HEADERS || n >= HTTP_RESP_HEADER_MAX)
        return;
    r->headers[r->n_headers].name = name;
    memcpy(r->headers[r->n_headers].value, value, n + 1);
    r->n_headers++;
}

/* Takes n bytes of a budget of `budget` bytes (*used of them taken): 0, or -1 when it cannot. */
static inline int http_take(atomic_size_t *used, size_t budget, size_t n)
{
    size_t cur = atomic_load(used);
    do {
        if (n > budget || cur > budget - n)
            return -1;
    } while (!atomic_compare_exchange_weak(used, &cur, cur + n));
    return 0;
}

/* The header values need no zeroing (2 KB per request): only n_headers of them are read. */
static inline void http_resp_init(http_response *r)
{
    r->status = 500;
    r->content_type = NULL;
    r->body = NULL;
    r->body_len = 0;
    r->n_headers = 0;
    r->close = false;
    r->no_timeout = false;
    r->mhd = NULL;
    r->sse = NULL;
}

/* Adds "Access-Control-Allow-Origin: *" to r's reply when its dialect answers every origin
 * (cors_any_origin) and the request named one, once (both ways a reply is written call it). */
static inline void http_cors_any(http_req *r)
{
    http_response *p = &r->resp;
    if (!r->has_origin || !r->l->dialect->cors_any_origin)
        return;
    for (int i = 0; i < p->n_headers; i++)
        if (strcmp(p->headers[i].name, "Access-Control-Allow-Origin") == 0)
            return;
    http_resp_header_built(p, "Access-Control-Allow-Origin", "*", 1);
}

/* http_routes.c: the DynamoDB endpoint's and the REST API's routes and transport replies. */
extern const http_dialect http_ddb_dialect, http_rest_dialect;
/* An API reply: counted (/metrics), moved into resp, logged; presp is emptied. */
void http_ddb_reply(http_server *srv, ddb_proto_resp *presp, http_response *resp,
                    const struct timespec *t0);

/* http_req.c: frees a request context (NULL: nothing). */
void http_req_free(http_req *r);
/* http_req.c: ddb_proto_req.reply_charge (ctx: the http_req). */
int http_reply_charge(void *ctx, size_t n, bool must);

/* http_later.c: the replies libmicrohttpd does not send itself (see there). */
/* Whether r is a write to answer later: one of the DynamoDB endpoint's writes, small enough
 * to parse on the polling thread, on an engine that queues writes (api_writes_later). */
bool http_later_ok(const http_req *r);
/* Runs an http_later_ok request to be answered later (MHD thread).  1: suspended, answered
 * by the committing thread; 0: r->resp holds the answer; 2: too many in flight, the caller
 * answers busy; -1: stopping (the caller runs it the usual way). */
int http_run_later(http_req *r);

/* http_eof.c: while on, a FIN read on fd by libmicrohttpd reads as "no data yet" (EAGAIN),
 * so the requests pipelined before it are run and answered (see there).  On from a request's
 * suspension to its completion (http_completed). */
void http_eof_hold(int fd, bool on);

/* http_conn.c: a listener's connections (see there). */
/* Bytes the kernel has received on fd (TCP_INFO); 0 when it cannot say. */
unsigned long long http_rx_bytes(int fd);
/* A slot of l's max_connections for hc (NULL: one not on the list yet): a free one, else an
 * idle connection's.  Whether it got one. */
bool http_slot_take(http_listener *l, const http_conn *hc);
/* hc (over the limit) got a slot of its own (http_slot_take): no longer over the limit.
 * When a freed slot was passed to it meanwhile, the one it took is given back. */
void http_slot_got(http_listener *l, http_conn *hc);
/* Whether l is still beyond max_connections once the connections whose client has closed
 * are left out. */
bool http_still_over(http_listener *l);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION (cls: the listener). */
void http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
/* A connection of l's has closed (its "closed" notification, before libmicrohttpd frees
 * it): what http_accept_main counted for it (its daemon's share, its address's) is given
 * back.  http.c. */
void http_conn_gone(http_listener *l, struct MHD_Connection *c);
/* The reaper thread (arg: the http_server). */
void *http_reaper_main(void *arg);

#endif
