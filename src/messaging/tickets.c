/*
 * tickets — the one-time tickets that open live-delivery streams: draw, add (with the
 * per-user cap), take once, expire.  Layer: messaging (private to events.c, which holds one
 * table under hub->mu).  See tickets.h; the design in events.h ("Tickets").
 * Tests: tests/unit/messaging/test_tickets.c.
 */
#include "messaging/tickets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "messaging/messaging_int.h"

void msg_tickets_init(msg_tickets *t)
{
    memset(t, 0, sizeof *t);
    t->ttl_ms = (int64_t)MSG_TICKET_TTL_S * 1000;
    long v; /* tests: expiry without waiting 30 s */
    if (msgi_env_long("DDBCHAT_TICKET_TTL_MS", 1, (long)MSG_TICKET_TTL_S * 1000, &v))
        t->ttl_ms = v;
}

void msg_tickets_fini(msg_tickets *t)
{
    if (!t)
        return;
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void msg_tickets_clear(msg_tickets *t)
{
    t->n = 0;
}

static void tickets_prune(msg_tickets *t, int64_t now)
{
    for (size_t i = t->n; i-- > 0;)
        if (t->v[i].expires_ms <= now)
            t->v[i] = t->v[--t->n];
}

/* A user holds at most MSG_TICKETS_PER_USER unexpired tickets: the oldest of theirs gives way
 * to a new one, so that one account cannot fill the table for everybody. */
static void tickets_cap_user(msg_tickets *t, const char *user_uuid)
{
    size_t n = 0, oldest = 0;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].user, user_uuid) == 0) {
            if (n == 0 || t->v[i].expires_ms < t->v[oldest].expires_ms)
                oldest = i;
            n++;
        }
    if (n < MSG_TICKETS_PER_USER)
        return;
    explicit_bzero(t->v[oldest].tok, sizeof t->v[oldest].tok);
    t->v[oldest] = t->v[--t->n];
}

/* Compares n bytes in time independent of where they differ: 0 when equal.  (libcrypto is not
 * linked into the server: it is opened on first use, base/dynlib.h.) */
static int tickets_ct_cmp(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d;
}

int msg_tickets_draw(char out[MSG_TICKET_LEN + 1], err_t *e)
{
    unsigned char rnd[32];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return err_set(e, ERR_INTERNAL, "no randomness for a ticket");
    char *tok = msgi_b64url_encode(rnd, sizeof rnd);
    explicit_bzero(rnd, sizeof rnd);
    if (!tok)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(out, MSG_TICKET_LEN + 1, "%s", tok);
    explicit_bzero(tok, strlen(tok));
    free(tok);
    return 0;
}

void msg_tickets_make_room(msg_tickets *t, const char *user, int64_t now)
{
    tickets_prune(t, now);
    tickets_cap_user(t, user);
}

bool msg_tickets_full(const msg_tickets *t)
{
    return t->n >= MSG_TICKETS_MAX;
}

int msg_tickets_add(msg_tickets *t, const char *tok, const char *user, long long until_s,
                    int64_t now, err_t *e)
{
    if (!t->v) {
        t->v = calloc(MSG_TICKETS_MAX, sizeof *t->v);
        if (!t->v)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    msg_ticket *k = &t->v[t->n++];
    snprintf(k->tok, sizeof k->tok, "%s", tok);
    snprintf(k->user, sizeof k->user, "%s", user);
    k->expires_ms = now + t->ttl_ms;
    k->until_s = until_s;
    return 0;
}

bool msg_tickets_take(msg_tickets *t, const char *ticket, int64_t now,
                      char user[MSG_UUID_LEN + 1], long long *until_s)
{
    if (!ticket || strlen(ticket) != MSG_TICKET_LEN)
        return false;
    tickets_prune(t, now);
    for (size_t i = 0; i < t->n; i++)
        if (tickets_ct_cmp(t->v[i].tok, ticket, MSG_TICKET_LEN) == 0) {
            memcpy(user, t->v[i].user, MSG_UUID_LEN + 1);
            *until_s = t->v[i].until_s;
            explicit_bzero(t->v[i].tok, sizeof t->v[i].tok);
            t->v[i] = t->v[--t->n];
            return true;
        }
    return false;
}

size_t msg_tickets_count(const msg_tickets *t)
{
    return t->n;
}

int msg_tickets_ttl_s(const msg_tickets *t)
{
    return (int)((t->ttl_ms + 999) / 1000);
}
