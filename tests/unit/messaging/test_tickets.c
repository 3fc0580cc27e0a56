/*
 * test_tickets — the ticket table (messaging/tickets.c) on its own, the clock passed in: a
 * ticket is taken once, expires at its TTL, a user's ninth replaces their oldest, the table
 * fills at MSG_TICKETS_MAX and empties by expiry, refusals (NULL, another length, one byte
 * changed), the drawn text, the TTL from the environment.  Through the hub (locks, stopping,
 * the REST route): test_events.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messaging/tickets.h"

static const char UA[] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
static const char UB[] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

/* A fixed ticket text of MSG_TICKET_LEN characters ending in the number i. */
static void tok_of(int i, char out[MSG_TICKET_LEN + 1])
{
    memset(out, 'x', MSG_TICKET_LEN);
    out[MSG_TICKET_LEN] = '\0';
    char num[16];
    int n = snprintf(num, sizeof num, "%d", i);
    memcpy(out + MSG_TICKET_LEN - n, num, (size_t)n);
}

static void add(msg_tickets *t, int i, const char *user, long long until_s, int64_t now)
{
    char tok[MSG_TICKET_LEN + 1];
    tok_of(i, tok);
    err_t e;
    err_clear(&e);
    msg_tickets_make_room(t, user, now);
    assert_false(msg_tickets_full(t));
    assert_int_equal(msg_tickets_add(t, tok, user, until_s, now, &e), 0);
}

static bool take(msg_tickets *t, int i, int64_t now, char user[MSG_UUID_LEN + 1],
                 long long *until_s)
{
    char tok[MSG_TICKET_LEN + 1];
    tok_of(i, tok);
    return msg_tickets_take(t, tok, now, user, until_s);
}

static void init_ttl(msg_tickets *t, const char *env)
{
    if (env)
        setenv("DDBCHAT_TICKET_TTL_MS", env, 1);
    else
        unsetenv("DDBCHAT_TICKET_TTL_MS");
    msg_tickets_init(t);
    unsetenv("DDBCHAT_TICKET_TTL_MS");
}

/* Taken once, with its user and until_s; a second take, or a take by a NULL, a shorter or a
 * one-byte-different ticket, finds nothing. */
static void test_taken_once(void **state)
{
    (void)state;
    msg_tickets t;
    init_ttl(&t, NULL);
    add(&t, 1, UA, 1234, 0);
    add(&t, 2, UB, 0, 0);
    assert_int_equal(msg_tickets_count(&t), 2);
    char user[MSG_UUID_LEN + 1] = "";
    long long until = -1;
    assert_false(msg_tickets_take(&t, NULL, 0, user, &until));
    assert_false(msg_tickets_take(&t, "xx1", 0, user, &until));
    char tok[MSG_TICKET_LEN + 2];
    tok_of(1, tok);
    tok[0] = 'y';
    assert_false(msg_tickets_take(&t, tok, 0, user, &until));
    tok_of(1, tok);
    strcat(tok, "1"); /* one byte longer */
    assert_false(msg_tickets_take(&t, tok, 0, user, &until));
    assert_true(take(&t, 1, 10, user, &until));
    assert_string_equal(user, UA);
    assert_int_equal(until, 1234);
    assert_false(take(&t, 1, 10, user, &until));
    assert_true(take(&t, 2, 10, user, &until));
    assert_string_equal(user, UB);
    assert_int_equal(until, 0);
    assert_int_equal(msg_tickets_count(&t), 0);
    msg_tickets_fini(&t);
    msg_tickets_fini(NULL);
}

/* Valid for the TTL: taken at now + ttl - 1, gone at now + ttl. */
static void test_expires_at_its_ttl(void **state)
{
    (void)state;
    msg_tickets t;
    init_ttl(&t, NULL);
    assert_int_equal(t.ttl_ms, MSG_TICKET_TTL_S * 1000);
    int64_t ttl = t.ttl_ms;
    add(&t, 1, UA, 0, 1000);
    add(&t, 2, UA, 0, 1000);
    char user[MSG_UUID_LEN + 1];
    long long until;
    assert_true(take(&t, 1, 1000 + ttl - 1, user, &until));
    assert_false(take(&t, 2, 1000 + ttl, user, &until));
    assert_int_equal(msg_tickets_count(&t), 0); /* pruned by the take */
    msg_tickets_fini(&t);
}

/* A user's MSG_TICKETS_PER_USER + 1st ticket replaces the one of theirs that expires first;
 * another user's tickets are untouched. */
static void test_per_user_cap(void **state)
{
    (void)state;
    msg_tickets t;
    init_ttl(&t, NULL);
    add(&t, 100, UB, 0, 0);
    for (int i = 0; i < MSG_TICKETS_PER_USER; i++)
        add(&t, i, UA, 0, 10 + i);
    assert_int_equal(msg_tickets_count(&t), MSG_TICKETS_PER_USER + 1);
    add(&t, 50, UA, 0, 100);
    assert_int_equal(msg_tickets_count(&t), MSG_TICKETS_PER_USER + 1);
    char user[MSG_UUID_LEN + 1];
    long long until;
    assert_false(take(&t, 0, 100, user, &until)); /* the oldest gave way */
    for (int i = 1; i < MSG_TICKETS_PER_USER; i++)
        assert_true(take(&t, i, 100, user, &until));
    assert_true(take(&t, 50, 100, user, &until));
    assert_true(take(&t, 100, 100, user, &until));
    assert_string_equal(user, UB);
    msg_tickets_fini(&t);
}

/* Full at MSG_TICKETS_MAX (many users); room again once they expire. */
static void test_full_then_expired(void **state)
{
    (void)state;
    msg_tickets t;
    init_ttl(&t, "50");
    assert_int_equal(t.ttl_ms, 50);
    char user[64];
    for (int i = 0; i < MSG_TICKETS_MAX; i++) {
        snprintf(user, sizeof user, "%08d-0000-4000-8000-000000000000", i / MSG_TICKETS_PER_USER);
        add(&t, i, user, 0, 0); /* MSG_TICKETS_PER_USER each: none gives way */
    }
    msg_tickets_make_room(&t, "cccccccc-cccc-4ccc-8ccc-cccccccccccc", 49);
    assert_true(msg_tickets_full(&t));
    msg_tickets_make_room(&t, "cccccccc-cccc-4ccc-8ccc-cccccccccccc", 50);
    assert_false(msg_tickets_full(&t));
    assert_int_equal(msg_tickets_count(&t), 0);
    msg_tickets_clear(&t);
    msg_tickets_fini(&t);
}

/* A drawn ticket: MSG_TICKET_LEN characters of base64url, a new one each time. */
static void test_draw(void **state)
{
    (void)state;
    char a[MSG_TICKET_LEN + 1], b[MSG_TICKET_LEN + 1];
    err_t e;
    err_clear(&e);
    assert_int_equal(msg_tickets_draw(a, &e), 0);
    assert_int_equal(msg_tickets_draw(b, &e), 0);
    assert_int_equal(strlen(a), MSG_TICKET_LEN);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     MSG_TICKET_LEN);
    assert_string_not_equal(a, b);
}

/* DDBCHAT_TICKET_TTL_MS: 1 .. MSG_TICKET_TTL_S * 1000 taken, anything else the default;
 * the seconds are rounded up. */
static void test_ttl_from_the_environment(void **state)
{
    (void)state;
    static const struct {
        const char *env;
        int64_t ms;
        int s;
    } cases[] = {
        {NULL, MSG_TICKET_TTL_S * 1000, MSG_TICKET_TTL_S},
        {"1", 1, 1},
        {"1500", 1500, 2},
        {"30000", 30000, 30},
        {"30001", MSG_TICKET_TTL_S * 1000, MSG_TICKET_TTL_S},
        {"0", MSG_TICKET_TTL_S * 1000, MSG_TICKET_TTL_S},
        {"12x", MSG_TICKET_TTL_S * 1000, MSG_TICKET_TTL_S},
        {"", MSG_TICKET_TTL_S * 1000, MSG_TICKET_TTL_S},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msg_tickets t;
        init_ttl(&t, cases[i].env);
        if (t.ttl_ms != cases[i].ms || msg_tickets_ttl_s(&t) != cases[i].s)
            fail_msg("%s: want %lld ms %d s, got %lld ms %d s",
                     cases[i].env ? cases[i].env : "(unset)", (long long)cases[i].ms, cases[i].s,
                     (long long)t.ttl_ms, msg_tickets_ttl_s(&t));
        msg_tickets_fini(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken_once),
        cmocka_unit_test(test_expires_at_its_ttl),
        cmocka_unit_test(test_per_user_cap),
        cmocka_unit_test(test_full_then_expired),
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_ttl_from_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
