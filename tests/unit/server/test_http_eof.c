/*
 * test_http_eof — the FIN held back from libmicrohttpd (server/http_eof.c): on a socket whose
 * peer shut down its sending side, recv(2) reads the end of input as EAGAIN while the socket
 * is held, as 0 once released; data before the FIN is read either way, and a socket that is
 * not held (libcurl's, any other) sees the plain call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/http_srv.h"

static void test_held_fin_reads_as_no_data_yet(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(write(sv[1], "abc", 3), 3);
    assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
    http_eof_hold(sv[0], true);
    char b[8];
    assert_int_equal(recv(sv[0], b, sizeof b, 0), 3); /* what came before the FIN */
    assert_memory_equal(b, "abc", 3);
    errno = 0;
    assert_int_equal(recv(sv[0], b, sizeof b, 0), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(recv(sv[0], b, sizeof b, MSG_PEEK), -1); /* a peek too */
    http_eof_hold(sv[0], false);
    assert_int_equal(recv(sv[0], b, sizeof b, 0), 0);
    /* a socket never held: the plain end of input */
    int sw[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
    assert_int_equal(shutdown(sw[1], SHUT_WR), 0);
    assert_int_equal(recv(sw[0], b, sizeof b, 0), 0);
    /* a descriptor out of the table's range is never held (and does not crash) */
    http_eof_hold(-1, true);
    http_eof_hold(1 << 30, true);
    close(sv[0]);
    close(sv[1]);
    close(sw[0]);
    close(sw[1]);
}

/* A descriptor far above 65,536 (a server with --max-connections in the hundreds of
 * thousands) is held too: the table stopped at 65,536 (skipped when the hard limit on open
 * files does not allow one that high). */
static void test_a_high_descriptor_is_held(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    const int high = 1000000;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)high)
        skip();
    struct rlimit want = {(rlim_t)high + 1, rl.rlim_max};
    if (rl.rlim_cur <= (rlim_t)high && setrlimit(RLIMIT_NOFILE, &want) != 0)
        skip();
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    assert_int_equal(dup2(sv[0], high), high);
    assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
    http_eof_hold(high, true);
    char b[4];
    assert_int_equal(recv(high, b, sizeof b, 0), -1);
    assert_int_equal(errno, EAGAIN);
    http_eof_hold(high, false);
    assert_int_equal(recv(high, b, sizeof b, 0), 0);
    close(high);
    close(sv[0]);
    close(sv[1]);
    setrlimit(RLIMIT_NOFILE, &rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_fin_reads_as_no_data_yet),
        cmocka_unit_test(test_a_high_descriptor_is_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
