/*
 * http_req — the leaf helpers every HTTP file of the server may call: a request context's
 * free, a reply's charge to the reply budget, a reply header, the access-log line.  Layer:
 * server.  Below http.c, http_routes.c and http_conn.c (none of which it calls), so that no
 * circle of files forms among them (review21 MEDIUM 9).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/http_int.h"
#include "server/http_srv.h"

void http_req_free(http_req *r)
{
    if (!r)
        return;
    free(r->target);
    free(r->body);
    free(r);
}

/* ddb_proto_req.reply_charge: r's reply text holds n bytes past its free part (!must: only if
 * the budget holds it, which a forced charge may have passed). */
int http_reply_charge(void *ctx, size_t n, bool must)
{
    http_req *r = ctx;
    http_listener *l = r->l;
    if (n <= r->reply_charged) {
        if (!must && atomic_load(&l->reply) - (r->reply_charged - n) > l->reply_budget)
            return -1;
        atomic_fetch_sub(&l->reply, r->reply_charged - n);
    } else if (must) {
        atomic_fetch_add(&l->reply, n - r->reply_charged);
    } else if (http_take(&l->reply, l->reply_budget, n - r->reply_charged)) {
        return -1;
    }
    r->reply_charged = n;
    return 0;
}

int http_resp_header(http_response *r, const char *name, const char *value)
{
    if (r->n_headers >= HTTP_RESP_MAX_HEADERS || strlen(value) >= HTTP_RESP_HEADER_MAX ||
        strpbrk(value, "\r\n"))
        return -1;
    r->headers[r->n_headers].name = name;
    memcpy(r->headers[r->n_headers].value, value, strlen(value) + 1);
    r->n_headers++;
    return 0;
}

/* One access-log line, written with a single write() so threads do not interleave. */
void http_access_log(const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
