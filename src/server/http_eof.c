/*
 * http_eof — a client's FIN held back from libmicrohttpd while a request of its connection is
 * answered elsewhere.  Layer: server; private to the HTTP files (http_srv.h).
 *
 * A client may pipeline requests and then half-close (shutdown(SHUT_WR)): its FIN ends what
 * it sends, not what it has sent, and HTTP servers (DynamoDB Local's Jetty, nginx, Apache)
 * run and answer every request received before it.  libmicrohttpd 0.9.75 reads a connection
 * as it takes it back from suspension (MHD_resume_connection), before it sends the reply the
 * pool or the committing thread computed; reading the FIN there, it closes the connection at
 * once, with the requests pipelined behind it still in its buffer: never run, never answered
 * (only the first was, written by http_completed).  It offers no hook on its reads.  So this
 * file defines recv(2), which libmicrohttpd calls through the dynamic linker (the executable's
 * definition comes first): while a request of the connection on fd is out of libmicrohttpd's
 * hands (http_eof_hold, from its suspension to its completion), an end of input reads as "no
 * data yet" (EAGAIN).  libmicrohttpd then sends the reply, parses the next pipelined request
 * from its buffer, and reads the FIN (then held no more) only when it needs more input: it
 * closes after the last answer.  A suspended connection is not polled, so the held FIN cannot
 * make libmicrohttpd spin; every other socket's recv (libcurl's, a peek of ours) is the
 * plain call.  tests/unit/server/test_http_eof.c;
 * tests/e2e/test_protocol.py::test_pipelined_writes_then_half_close_are_all_answered.
 *
 * No <sys/socket.h> here: with _FORTIFY_SOURCE it defines recv inline.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "server/http_limits.h"

/* http_srv.h's (not included: libmicrohttpd's header brings <sys/socket.h>) */
void http_eof_hold(int fd, bool on);
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, void *addr, void *addrlen);
ssize_t recv(int fd, void *buf, size_t n, int flags);

/* One flag per descriptor below HTTP_EOF_FDS (http_limits.h: above every descriptor a
 * connection can have; it was 65,536, and a client's FIN on a higher one was not held, its
 * replies lost: nothing else writes them).  2 MB of zeroed static memory, of which only the
 * pages of descriptors in use are ever touched.  Process-wide, as recv(2) is. */
static _Atomic bool http_eof_held[HTTP_EOF_FDS];

void http_eof_hold(int fd, bool on)
{
    /* read first: every completed request lets go, and a store to a flag already false would
     * still take the cache line it shares with 63 other descriptors from the other threads */
    if (fd >= 0 && fd < HTTP_EOF_FDS &&
        atomic_load_explicit(&http_eof_held[fd], memory_order_relaxed) != on)
        atomic_store_explicit(&http_eof_held[fd], on, memory_order_release);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    ssize_t k = recvfrom(fd, buf, n, flags, NULL, NULL);
    if (k == 0 && n > 0 && fd >= 0 && fd < HTTP_EOF_FDS &&
        atomic_load_explicit(&http_eof_held[fd], memory_order_acquire)) {
        errno = EAGAIN;
        return -1;
    }
    return k;
}
