/*
 * bench_baremhd — a bare libmicrohttpd handler with ddbchat's daemon settings, the limit row
 * "GetItem's request on bare libmicrohttpd" of bench/peers/run.py.
 *
 *   bench_baremhd PORT [THREADS]
 *
 * The daemon is started the way src/server/http.c starts a listener (internal polling
 * threads, poll(2), an inter-thread channel, a 16 KB connection pool, THREADS polling threads,
 * by default http_default_threads()); every request's body is read and dropped and the answer
 * is a fixed GetItem-sized JSON body with the three headers a DynamoDB reply carries
 * (Content-Type, x-amzn-RequestId, x-amz-crc32).  What a GetItem costs above this is ddbchat's
 * own path; what this costs is libmicrohttpd's and the kernel's (issue 13).  Runs until
 * SIGTERM or SIGINT.
 *
 * For measuring libmicrohttpd's options against this floor (BENCHMARKS "Session 23: perf23"),
 * each set in the environment changes one thing: BARE_EPOLL (MHD_USE_EPOLL instead of poll),
 * BARE_TURBO (MHD_USE_TURBO), BARE_POOL=BYTES (the connection pool), BARE_INCR=BYTES
 * (MHD_OPTION_CONNECTION_MEMORY_INCREMENT), BARE_REUSE (one response with its headers,
 * created once and queued for every request), BARE_ADD (MHD_USE_NO_LISTEN_SOCKET: a thread of
 * ours accepts on 127.0.0.1 and hands each socket to MHD_add_connection, which gives it to the
 * polling thread its socket number modulo the pool size picks, so that connections opened
 * together are spread over the polling threads instead of going to whichever wins the
 * accept() race: BENCHMARKS "Session 32: perf32").  Unset: ddbchat's settings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "server/http.h"


#define BARE_POOL (16 << 10) /* as http.c's HTTP_CONN_POOL */

/* A GetItem answer of the bench's message rows' size (~300 bytes). */
static const char bare_body[] =
    "{\"Item\":{\"pk\":{\"S\":\"MSG#00000000-0000-4000-8000-000000000000\"},"
    "\"sk\":{\"S\":\"2026-01-01T00:00:00.000000Z\"},"
    "\"message_uuid\":{\"S\":\"00000000-0000-4000-8000-000000000000\"},"
    "\"message\":{\"S\":\"Message 0 of conversation 0 from user0 (0)\"},"
    "\"user_uuid\":{\"S\":\"00000000-0000-4000-8000-000000000000\"},"
    "\"user_display_name\":{\"S\":\"User 0\"},\"user_handle\":{\"S\":\"user0\"}}}";

static struct MHD_Response *bare_reused; /* BARE_REUSE: the one response, else NULL */

static struct MHD_Response *bare_response(void)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof bare_body - 1, (void *)bare_body, MHD_RESPMEM_PERSISTENT);
    if (r && !(MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                       "application/x-amz-json-1.0") &&
               MHD_add_response_header(r, "x-amzn-RequestId",
                                       "BAREMHD0000000000000000000000000000000000000000000000") &&
               MHD_add_response_header(r, "x-amz-crc32", "1234567890"))) {
        MHD_destroy_response(r);
        r = NULL;
    }
    return r;
}

static enum MHD_Result bare_access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **ctx)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (*ctx == NULL) { /* the head is in; the body (if any) comes next */
        *ctx = c;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (bare_reused)
        return MHD_queue_response(c, MHD_HTTP_OK, bare_reused);
    struct MHD_Response *r = bare_response();
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* BARE_ADD: the accept loop; ends when main shuts the listening socket down. */
struct bare_acceptor {
    struct MHD_Daemon *d;
    int fd;
};

static void *bare_accept(void *arg)
{
    struct bare_acceptor *a = arg;
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t alen = sizeof addr;
        int c = accept4(a->fd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                usleep(1000);
                continue;
            }
            return NULL; /* shut down (EINVAL) or broken */
        }
        /* MHD closes the socket itself when it cannot take it */
        (void)MHD_add_connection(a->d, c, (struct sockaddr *)&addr, alen);
    }
}

static int bare_listen(unsigned long port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_baremhd PORT [THREADS]\n");
        return 2;
    }
    char *end;
    unsigned long port = strtoul(argv[1], &end, 10);
    if (*end || port == 0 || port > 65535) {
        fprintf(stderr, "bench_baremhd: bad port %s\n", argv[1]);
        return 2;
    }
    unsigned long threads = http_default_threads();
    if (argc == 3) {
        threads = strtoul(argv[2], &end, 10);
        if (*end || threads == 0 || threads > 1024) {
            fprintf(stderr, "bench_baremhd: bad thread count %s\n", argv[2]);
            return 2;
        }
    }
    /* the stop signals are taken by sigwait: blocked before any thread exists */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     (getenv("BARE_EPOLL") ? MHD_USE_EPOLL : MHD_USE_POLL) |
                     (getenv("BARE_TURBO") ? MHD_USE_TURBO : 0) |
                     (getenv("BARE_ADD") ? MHD_USE_NO_LISTEN_SOCKET : 0);
    const char *pool_env = getenv("BARE_POOL"), *incr_env = getenv("BARE_INCR");
    size_t pool = pool_env ? strtoul(pool_env, NULL, 10) : BARE_POOL;
    struct MHD_OptionItem opts[2] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};
    if (incr_env)
        opts[0] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_INCREMENT,
                                          (intptr_t)strtoul(incr_env, NULL, 10), NULL};
    if (getenv("BARE_REUSE") && !(bare_reused = bare_response())) {
        fprintf(stderr, "bench_baremhd: cannot build the response\n");
        return 1;
    }
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, bare_access, NULL,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_ARRAY, opts,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_baremhd: cannot listen on port %lu\n", port);
        return 1;
    }
    struct bare_acceptor acc = {d, -1};
    pthread_t acc_thread = {0};
    if (getenv("BARE_ADD")) {
        acc.fd = bare_listen(port);
        if (acc.fd < 0 || pthread_create(&acc_thread, NULL, bare_accept, &acc) != 0) {
            fprintf(stderr, "bench_baremhd: cannot listen on port %lu\n", port);
            MHD_stop_daemon(d);
            return 1;
        }
    }
    int sig = 0;
    sigwait(&stop, &sig);
    if (acc.fd >= 0) {
        shutdown(acc.fd, SHUT_RDWR); /* accept4 returns EINVAL */
        pthread_join(acc_thread, NULL);
        close(acc.fd);
    }
    MHD_stop_daemon(d);
    if (bare_reused)
        MHD_destroy_response(bare_reused);
    return 0;
}
