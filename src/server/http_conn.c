/*
 * http_conn — a listener's connections: counted from libmicrohttpd's "started" to its
 * "closed" notification, each holding one of --max-connections' slots or over them (the
 * busy reply); at the limit an idle one gives way to a new one; and the reaper thread that
 * shuts down connections past their request deadline (slowloris), idle past their idle
 * timeout, or whose reply their client has not read for the read timeout.  Layer: server.
 * The deadlines themselves are set on the request's path (http.c).
 * Tests: tests/e2e/test_overload.py, test_protocol.py (dropped and silent clients),
 * test_serve.py (--max-connections).
 */
#include <linux/tcp.h> /* struct tcp_info's tcpi_bytes_received */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "messaging/events.h"
#include "server/http_srv.h"

#define HTTP_REAP_INTERVAL_MS 200 /* how often the reaper looks for connections past their
                                     request deadline */
#define HTTP_STALL_INTERVAL_MS 1000 /* and how often for streams whose writes are stuck (a
                                       TCP_INFO each) */

/* Bytes the kernel has received on fd (TCP_INFO); 0 when it cannot say. */
unsigned long long http_rx_bytes(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return 0;
    return ti.tcpi_bytes_received;
}

/* An idle connection's next request has begun (bytes came after its baseline): that request
 * is due within the read timeout (d: its deadline as read; conns_mu held). */
static void http_next_begun(http_conn *hc, long long d, long long now)
{
    atomic_store(&hc->idle, false);
    long long at = now + (long long)hc->l->read_timeout * 1000;
    if (d == 0 || d > at) /* unless the MHD thread moved it meanwhile */
        atomic_compare_exchange_strong(&hc->deadline, &d, at);
}

/* At the connection limit, an idle connection gives way to a new one (as nginx reuses its
 * keep-alive connections when worker_connections run out): of those holding a slot, the one
 * idle the longest among those that have sent nothing since their start or their last reply
 * is shut down (a FIN: HTTP/1.1 lets a server close an idle connection at any time, and
 * clients open another), so that 10,000 idle connections no longer keep every new client
 * waiting in the kernel's backlog for their 10 s read timeout (hostile21; test_overload
 * test_idle_connections_give_way_to_a_new_client).  A connection answered within the
 * reaper's last interval (no byte baseline yet) is not taken, nor one whose next request
 * has begun (the kernel's byte count passed its baseline), nor `self`.  Whether one was: its
 * slot is then the caller's (MHD thread; only past the limit, never on a request's path
 * below it). */
#define HTTP_EVICT_TRIES 4 /* candidates looked at (a TCP_INFO each) before giving up */
static bool http_evict_idle(http_listener *l, const http_conn *self)
{
    bool done = false;
    long long now = base_mono_ms();
    pthread_mutex_lock(&l->conns_mu);
    for (int tries = 0; tries < HTTP_EVICT_TRIES && !done; tries++) {
        http_conn *best = NULL;
        long long best_ms = 0;
        unsigned long long best_base = 0, best_seq = 0;
        for (http_conn *hc = l->conns; hc; hc = hc->next) {
            if (hc == self || hc->fd < 0 || !atomic_load(&hc->idle) ||
                atomic_load(&hc->evicted) || atomic_load(&hc->overflow))
                continue;
            unsigned long long base = atomic_load(&hc->idle_rx);
            if (base & HTTP_RX_UNSET)
                continue;
            long long ms = atomic_load_explicit(&hc->idle_ms, memory_order_relaxed);
            unsigned long long seq = atomic_load_explicit(&hc->idle_seq, memory_order_relaxed);
            /* a tie: the first become idle (test_overload.py
             * test_idle_keep_alive_clients_cannot_hold_every_slot: its connections answered
             * within one ms, on both polling threads) */
            if (!best || ms < best_ms || (ms == best_ms && seq < best_seq)) {
                best = hc;
                best_ms = ms;
                best_base = base;
                best_seq = seq;
            }
        }
        if (!best)
            break;
        long long d = atomic_load(&best->deadline);
        unsigned long long rx = http_rx_bytes(best->fd);
        if (atomic_load(&best->idle_rx) != best_base || !atomic_load(&best->idle))
            continue; /* a request came and went meanwhile: no baseline for its reply yet */
        if (rx != best_base) { /* its next request has begun (the reaper would see the same) */
            http_next_begun(best, d, now);
            continue;
        }
        atomic_store(&best->evicted, true);
        atomic_store(&best->deadline, 0);
        shutdown(best->fd, SHUT_RDWR); /* MHD's poll sees it; MHD closes the socket */
        done = true;
    }
    pthread_mutex_unlock(&l->conns_mu);
    return done;
}

/* A slot of l's max_connections for hc (NULL: one not on the list yet): a free one, else
 * an idle connection's (http_evict_idle).  Whether it got one. */
bool http_slot_take(http_listener *l, const http_conn *hc)
{
    unsigned n = atomic_load(&l->slots);
    while (n < l->max_connections)
        if (atomic_compare_exchange_weak(&l->slots, &n, n + 1))
            return true;
    return http_evict_idle(l, hc);
}

void http_slot_got(http_listener *l, http_conn *hc)
{
    if (atomic_exchange(&hc->overflow, false))
        atomic_fetch_sub(&l->overflows, 1);
    else /* a freed slot reached it first (http_notify_connection) */
        atomic_fetch_sub(&l->slots, 1);
}

/* Whether l is still beyond max_connections once the connections whose client has closed
 * are left out: a client that closes one connection and opens the next is ahead of the MHD
 * thread that notices the close (on a loaded machine by many milliseconds), so `open` still
 * counts the old one.  Only the busy path pays for the walk (one poll per open connection),
 * and only when the excess is a few connections: a flood is over the limit, no walk needed.
 * A client that shut down only its sending side counts as gone (HTTP clients do not). */
#define HTTP_CLOSE_SLACK 8 /* connections over the limit that may be closes not yet seen */
bool http_still_over(http_listener *l)
{
    if (atomic_load(&l->open) > l->max_connections + HTTP_CLOSE_SLACK)
        return true;
    unsigned live = 0;
    pthread_mutex_lock(&l->conns_mu);
    for (http_conn *hc = l->conns; hc && live <= l->max_connections; hc = hc->next) {
        struct pollfd pf = {.fd = hc->fd, .events = POLLRDHUP};
        if (hc->fd < 0 || poll(&pf, 1, 0) != 1 || !(pf.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            live++;
    }
    pthread_mutex_unlock(&l->conns_mu);
    return live > l->max_connections;
}

/* Counts connections; marks those beyond max_connections (answered "busy" on their first
 * request, then closed); puts each on the reaper's list with the deadline of its first
 * request's head. */
void http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                                   enum MHD_ConnectionNotificationCode toe)
{
    http_listener *l = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&l->open, 1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        int fd = ci ? (int)ci->connect_fd : -1;
        /* the kernel's share of a reply a client does not read (http.c HTTP_REST_SNDBUF);
         * a failure leaves the kernel's default */
        if (fd >= 0 && l->sndbuf > 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &l->sndbuf, sizeof l->sndbuf);
        http_conn *hc = calloc(1, sizeof *hc);
        *socket_context = hc;
        if (!hc) /* not tracked: only libmicrohttpd's inactivity timeout applies */
            return;
        hc->l = l;
        hc->fd = fd;
        long long now = base_mono_ms();
        atomic_init(&hc->deadline, hc->fd >= 0 ? now + (long long)l->first_timeout * 1000 : 0);
        /* idle until its first request line: no byte received yet is its baseline */
        atomic_init(&hc->idle_rx, 0);
        atomic_init(&hc->idle_ms, now);
        atomic_init(&hc->idle_seq, atomic_fetch_add(&l->idle_seq, 1));
        atomic_init(&hc->idle, true);
        /* beyond the limit an idle connection gives way to it, or it gets the busy reply */
        atomic_init(&hc->overflow, !http_slot_take(l, NULL));
        if (atomic_load(&hc->overflow))
            atomic_fetch_add(&l->overflows, 1);
        pthread_mutex_lock(&l->conns_mu);
        hc->next = l->conns;
        if (l->conns)
            l->conns->prev = hc;
        l->conns = hc;
        pthread_mutex_unlock(&l->conns_mu);
    } else {
        atomic_fetch_sub(&l->open, 1);
        http_conn_gone(l, c);
        http_conn *hc = *socket_context;
        if (!hc)
            return;
        *socket_context = NULL;
        http_eof_hold(hc->fd, false); /* the descriptor may be reused by any socket */
        pthread_mutex_lock(&l->conns_mu);
        if (hc->prev)
            hc->prev->next = hc->next;
        else
            l->conns = hc->next;
        if (hc->next)
            hc->next->prev = hc->prev;
        /* off the list, so no longer evicted meanwhile: its slot is freed unless it had none
         * or passed it on; freed, it passes to the connection over the limit that came
         * first, if any: one that came while this one's client had closed and the server not
         * yet seen it held none, and the next new connection took it instead (hostile21;
         * test_overload test_a_freed_slot_goes_to_a_connection_over_the_limit) */
        if (atomic_exchange(&hc->overflow, false)) {
            atomic_fetch_sub(&l->overflows, 1);
        } else if (!atomic_load(&hc->evicted)) {
            http_conn *o = NULL;
            if (atomic_load(&l->overflows))
                for (http_conn *x = l->conns; x; x = x->next) /* newest first: the last */
                    if (atomic_load(&x->overflow))
                        o = x;
            if (o && atomic_exchange(&o->overflow, false))
                atomic_fetch_sub(&l->overflows, 1);
            else
                atomic_fetch_sub(&l->slots, 1);
        }
        http_sse_unhold(hc);
        pthread_mutex_unlock(&l->conns_mu);
        http_req_free(hc->spare);
        /* a request whose connection libmicrohttpd closed before it was ever completed: its
         * pool ran out on the head (some 200 cookies in one header, a request line near 16
         * KB), a close without a reply: its context leaked, ~6 KB and its target a request
         * (fuzz20; test_protocol test_a_head_that_fills_the_pool_leaks_nothing) */
        if (hc->cur && hc->cur != hc->spare)
            http_req_free(hc->cur);
        free(hc);
    }
}

/* Whether fd holds bytes its peer has not acknowledged (sent or not yet), and how many it
 * has acknowledged in all (TCP_INFO); false when the kernel cannot say. */
static bool http_unacked(int fd, unsigned long long *acked)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_notsent_bytes) + sizeof ti.tcpi_notsent_bytes)
        return false;
    *acked = ti.tcpi_bytes_acked;
    return ti.tcpi_notsent_bytes > 0 || ti.tcpi_unacked > 0;
}

/* Drops a stream's connection (conns_mu held): its socket shut down, its stream ended, so
 * that a suspended connection (an idle stream, which libmicrohttpd does not poll) is resumed
 * to find both and close. */
static void http_sse_drop(http_listener *l, http_conn *hc)
{
    hc->sse_dropped = true;
    shutdown(hc->fd, SHUT_RDWR);
    msg_stream_end(hc->sse->st);
    atomic_fetch_add(&l->reaped, 1);
}

/* The streams being sent (conns_mu held): one poll of all their sockets.  A client that has
 * closed (or shut down its side: an EventSource never does) is gone now, not at the
 * stream's next write up to a heartbeat later: its connection, slot and place under the
 * streams' caps are freed at once.  Once a second (stall): a socket holding bytes whose
 * client has acknowledged none of them for the read timeout (it stopped reading: its window
 * is closed) is dropped, as nginx's send_timeout drops a reply that cannot progress; the
 * client reconnects and replays (test_messaging_sse test_a_closed_stream_is_noticed_at_once,
 * test_a_stream_that_cannot_be_written_is_dropped). */
static void http_reap_streams(http_listener *l, long long now, bool stall)
{
    http_pollset *ps = &l->sse_ps;
    size_t n = 0;
    for (http_conn *hc = l->conns; hc; hc = hc->next) {
        if (!hc->sse || !hc->sse->st || hc->sse_dropped || hc->fd < 0)
            continue;
        if (n == ps->cap) { /* grown to 64, then twice as many; kept for the next pass */
            size_t nc = ps->cap ? 2 * ps->cap : 64;
            struct pollfd *pf = realloc(ps->pf, nc * sizeof *pf);
            if (pf)
                ps->pf = pf;
            http_conn **hv = pf ? realloc(ps->hc, nc * sizeof *hv) : NULL;
            if (!hv)
                break; /* the rest at the next pass */
            ps->hc = hv;
            ps->cap = nc;
        }
        ps->pf[n] = (struct pollfd){.fd = hc->fd, .events = POLLRDHUP};
        ps->hc[n++] = hc;
    }
    if (n == 0 || poll(ps->pf, n, 0) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        http_conn *hc = ps->hc[i];
        if (ps->pf[i].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            http_sse_drop(l, hc);
            continue;
        }
        if (!stall)
            continue;
        unsigned long long acked = 0;
        if (!http_unacked(hc->fd, &acked)) {
            hc->sse_stall_ms = 0;
        } else if (!hc->sse_stall_ms || acked != hc->sse_acked) {
            hc->sse_stall_ms = now;
            hc->sse_acked = acked;
        } else if (now - hc->sse_stall_ms >= (long long)l->read_timeout * 1000) {
            http_sse_drop(l, hc);
        }
    }
}

/* A reply being sent (conns_mu held; once a second, stall): dropped once its client has
 * acknowledged none of its waiting bytes for the read timeout while the replies being sent
 * hold more than half the reply budget, as a stream is and as nginx's send_timeout drops a
 * reply that cannot progress.  Before, a client that never read its reply held it, its
 * connection and its part of the reply budget for the idle timeout (300 s): 15 clients that
 * did not read 16 MB BatchGetItem replies left every other client's large read
 * ThrottlingException for five minutes (test_overload.py
 * test_replies_that_are_never_read_are_dropped_at_the_read_timeout).  A slow reader that
 * takes a byte in that time keeps its connection; so does one too slow for the kernel to
 * reopen its window in that time (on loopback the window moves ~64 KB at a time: a reader of
 * 8 KB/s acknowledges nothing for 8 s) while the budget has room, as nothing waits on it
 * (test_a_very_slow_reader_keeps_its_connection_while_replies_have_room; it was dropped at
 * the read timeout, its reply cut short, review31c). */
static void http_reap_send(http_listener *l, http_conn *hc, unsigned long long seq, long long now)
{
    unsigned long long acked = 0;
    if (!http_unacked(hc->fd, &acked)) {
        hc->send_stall_ms = 0;
    } else if (seq != hc->send_seq || !hc->send_stall_ms || acked != hc->send_acked) {
        hc->send_seq = seq;
        hc->send_stall_ms = now;
        hc->send_acked = acked;
    } else if (now - hc->send_stall_ms >= (long long)l->read_timeout * 1000 &&
               atomic_load(&l->reply) > l->reply_budget / 2) {
        hc->send_stall_ms = 0;
        atomic_store(&hc->deadline, 0);
        shutdown(hc->fd, SHUT_RDWR); /* MHD's send fails; MHD closes the socket */
        atomic_fetch_add(&l->reaped, 1);
    }
}

/* Shuts down the sockets of l's connections past their deadline (reaper thread). */
static void http_reap(http_listener *l, long long now, bool stall)
{
    pthread_mutex_lock(&l->conns_mu);
    http_reap_streams(l, now, stall);
    for (http_conn *hc = l->conns; hc; hc = hc->next) {
        unsigned long long seq = stall && hc->fd >= 0 ? atomic_load(&hc->sending) : 0;
        if (seq)
            http_reap_send(l, hc, seq, now);
        long long d = atomic_load(&hc->deadline);
        /* an idle keep-alive connection whose next request has begun: libmicrohttpd says
         * nothing until its request line is complete, the kernel's byte count does.  The
         * count at the first look after a reply is the baseline (bytes that came before it,
         * within HTTP_REAP_INTERVAL_MS of the reply, then nothing more: the connection keeps
         * its idle deadline, as a silent one does); any byte after it begins the request. */
        if (atomic_load(&hc->idle)) {
            unsigned long long base = atomic_load(&hc->idle_rx);
            unsigned long long rx = http_rx_bytes(hc->fd);
            if (base & HTTP_RX_UNSET) {
                /* fails when a newer reply has reset it meanwhile: its own first look next */
                atomic_compare_exchange_strong(&hc->idle_rx, &base, rx);
            } else if (rx > base) {
                http_next_begun(hc, d, now);
                continue;
            }
        }
        if (d && now > d) {
            atomic_store(&hc->deadline, 0);
            shutdown(hc->fd, SHUT_RDWR); /* MHD's poll sees it; MHD closes the socket */
            atomic_fetch_add(&l->reaped, 1);
        }
    }
    pthread_mutex_unlock(&l->conns_mu);
}

void *http_reaper_main(void *arg)
{
    http_server *s = arg;
    long long stall_ms = 0; /* the streams' last look for stalled writes */
    pthread_mutex_lock(&s->reaper_mu);
    while (!s->reaper_stop) {
        struct timespec ts = base_deadline(CLOCK_MONOTONIC, HTTP_REAP_INTERVAL_MS);
        pthread_cond_timedwait(&s->reaper_cv, &s->reaper_mu, &ts);
        if (s->reaper_stop)
            break;
        long long now = base_mono_ms();
        bool stall = now - stall_ms >= HTTP_STALL_INTERVAL_MS;
        if (stall)
            stall_ms = now;
        if (s->ddb.d)
            http_reap(&s->ddb, now, stall);
        if (s->rest.d)
            http_reap(&s->rest, now, stall);
    }
    pthread_mutex_unlock(&s->reaper_mu);
    return NULL;
}
