/*
 * tickets — the table of one-time tickets that open live-delivery streams (events.h,
 * "Tickets"): a random 256-bit ticket per request, valid a TTL, used up by its first
 * msg_stream_open, at most MSG_TICKETS_PER_USER unexpired per user (a new one replaces the
 * user's oldest) and MSG_TICKETS_MAX in all.  Layer: messaging (private to events.c).
 *
 * A plain data structure: no lock and no clock of its own.  The caller serialises every call
 * on one table (events.c: under hub->mu) and passes the monotonic time, in ms, wherever
 * expiry matters.  Tickets are never logged; a ticket given up or used is wiped.
 * Tests: tests/unit/messaging/test_tickets.c (and test_events.c through the hub).
 */
#ifndef DDB_MESSAGING_TICKETS_H
#define DDB_MESSAGING_TICKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "messaging/events.h"  /* MSG_TICKET_LEN, MSG_TICKET_TTL_S, MSG_TICKETS_* */
#include "messaging/service.h" /* MSG_UUID_LEN */

typedef struct msg_ticket {
    char tok[MSG_TICKET_LEN + 1];
    char user[MSG_UUID_LEN + 1];
    int64_t expires_ms; /* monotonic */
    long long until_s;  /* the stream's end (msg_events_ticket_until) */
} msg_ticket;

typedef struct msg_tickets {
    msg_ticket *v;  /* MSG_TICKETS_MAX slots, allocated with the first ticket; owned */
    size_t n;       /* tickets held (expired ones until the next prune) */
    int64_t ttl_ms; /* how long a new ticket is valid */
} msg_tickets;

/* An empty table; its TTL MSG_TICKET_TTL_S, or DDBCHAT_TICKET_TTL_MS's value when that is
 * 1 .. MSG_TICKET_TTL_S * 1000 (tests: expiry without waiting 30 s). */
void msg_tickets_init(msg_tickets *t);
/* Frees the table's memory.  Accepts NULL. */
void msg_tickets_fini(msg_tickets *t);
/* Forgets every ticket (the hub stopping); the memory stays until msg_tickets_fini. */
void msg_tickets_clear(msg_tickets *t);

/* A new random ticket (base64url of 32 bytes from getrandom) into out; the caller wipes its
 * copy when done.  ERR_INTERNAL (no randomness), ERR_NOMEM. */
int msg_tickets_draw(char out[MSG_TICKET_LEN + 1], err_t *e);
/* Before adding a ticket for user at now: drops the expired tickets and, when user holds
 * MSG_TICKETS_PER_USER of the rest, the one of theirs that expires first (wiped). */
void msg_tickets_make_room(msg_tickets *t, const char *user, int64_t now);
/* True when the table holds MSG_TICKETS_MAX tickets (call msg_tickets_make_room first). */
bool msg_tickets_full(const msg_tickets *t);
/* Adds ticket tok (MSG_TICKET_LEN characters) for user, valid from now for the table's TTL,
 * carrying until_s.  Not when full.  ERR_NOMEM (the first ticket allocates the table). */
int msg_tickets_add(msg_tickets *t, const char *tok, const char *user, long long until_s,
                    int64_t now, err_t *e);
/* Uses up ticket (NUL-terminated; NULL or another length is no ticket) if the table holds it
 * unexpired at now: its user into user, its until_s into *until_s, true.  Compares in time
 * independent of where tickets differ. */
bool msg_tickets_take(msg_tickets *t, const char *ticket, int64_t now,
                      char user[MSG_UUID_LEN + 1], long long *until_s);
/* Tickets held (expired ones not yet dropped included). */
size_t msg_tickets_count(const msg_tickets *t);
/* The TTL in seconds, rounded up. */
int msg_tickets_ttl_s(const msg_tickets *t);

#endif
