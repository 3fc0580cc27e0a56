/*
 * seed — demo data and large synthetic data for the messaging table.  Layer: messaging.
 * Mirrors the original Cruddur seed scripts: a few users and a long conversation between the
 * demo user and another; plus N synthetic users / conversations / messages for load.
 * Everything is written through msg_user_add / msg_send, so seeded rows obey the same
 * invariants as live ones.
 */
#include "messaging/messaging_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *handle, *name;
} demo_users[] = {
    {MSG_DEMO_HANDLE, "Andrew Brown"},
    {"bayko", "Andrew Bayko"},
    {"londo", "Londo Mollari"},
};

/* 1 = andrewbrown, 0 = bayko */
static const struct {
    int from_demo;
    const char *text;
} demo_conversation[] = {
    {1, "Have you ever watched Babylon 5?"},
    {0, "Yes, I have! I love that show. Have you seen it?"},
    {1, "Yes, I have seen it too. What's your favorite season?"},
    {0, "I think my favorite season has to be season 3. So many great moments and plot twists."},
    {1, "Season 3 is definitely a standout. The Shadow War really heats up there."},
    {0, "And Sheridan taking command changed the whole tone of the station."},
    {1, "Who is your favorite character?"},
    {0, "Londo Mollari, hands down. His arc from comic relief to tragedy is incredible."},
    {1, "Agreed. And G'Kar's journey is the mirror image of his."},
    {0, "Their scenes together are some of the best writing on television."},
    {1, "The Declaration of Principles speech still gives me chills."},
    {0, "Same. 'The universe speaks in many languages, but only one voice.'"},
    {1, "Do you think the show holds up today?"},
    {0, "The effects are dated, but the story is as strong as ever."},
    {1, "That's what I tell people. Watch it for the writing."},
    {0, "And the long arc. It was planned as a five-year novel for TV."},
    {1, "Which episode would you show someone first?"},
    {0, "Probably 'Signs and Portents' - it's where things start moving."},
    {1, "Good pick. I'd say 'The Coming of Shadows'."},
    {0, "That one won a Hugo, didn't it?"},
    {1, "It did. Deservedly."},
    {0, "Have you watched Crusade, the spin-off?"},
    {1, "A little. It was cancelled too early to really find its feet."},
    {0, "Shame. I'd have liked to see where it went."},
    {1, "Same here. Want to do a rewatch together some time?"},
    {0, "Absolutely. Starting with 'The Gathering'?"},
    {1, "Deal. I'll bring the snacks."},
    {0, "Perfect. See you on the station."},
};

static int ensure_user(msg_service *s, const char *handle, const char *name, msg_user *out,
                       err_t *e)
{
    err_t in = {0};
    int rc = msg_user_add(s, handle, name, NULL, out, &in);
    if (rc == ERR_RESOURCE_IN_USE)
        return msg_user_by_handle(s, handle, out, e);
    if (rc)
        return msg_err_pass(e, rc, &in);
    return 0;
}

static int seed_demo(msg_service *s, long *done, long total, const msg_seed_opts *o, err_t *e)
{
    msg_user u[3];
    int rc;
    for (int i = 0; i < 3; i++) {
        if ((rc = ensure_user(s, demo_users[i].handle, demo_users[i].name, &u[i], e)))
            return rc;
    }
    size_t n = sizeof demo_conversation / sizeof demo_conversation[0];
    /* seeding twice does not repeat the demo conversations */
    msg_conversation_page have;
    if ((rc = msg_list_conversations(s, u[0].uuid, 1, NULL, &have, e)))
        return rc;
    bool seeded = have.n > 0;
    msg_conversation_page_free(&have);
    if (seeded) {
        *done += (long)n + 1;
        if (o->progress)
            o->progress(o->progress_ctx, *done, total);
        return 0;
    }
    long long start = msg_now_usec() - (long long)(n + 5) * 60 * 1000000LL;
    for (size_t i = 0; i < n; i++) {
        char at[MSG_TS_LEN + 1];
        msg_ts_format(start + (long long)i * 60 * 1000000LL, at);
        const msg_user *from = demo_conversation[i].from_demo ? &u[0] : &u[1];
        const msg_user *to = demo_conversation[i].from_demo ? &u[1] : &u[0];
        if ((rc =
                 msg_send(s, from->uuid, NULL, to->handle, demo_conversation[i].text, at, NULL, e)))
            return rc;
        if (o->progress)
            o->progress(o->progress_ctx, ++*done, total);
    }
    char at[MSG_TS_LEN + 1];
    msg_ts_format(start + (long long)(n + 2) * 60 * 1000000LL, at);
    if ((rc = msg_send(s, u[2].uuid, NULL, u[0].handle,
                       "Ah, Mr. Brown! Join me for a drink, we have so much to discuss.", at, NULL,
                       e)))
        return rc;
    if (o->progress)
        o->progress(o->progress_ctx, ++*done, total);
    return 0;
}

typedef struct seed_job {
    msg_service *s;
    const msg_seed_opts *o;
    msg_user *users;
    int U, C, M;
    long long start;
    pthread_mutex_t mu; /* guards next, done, rc, err and the progress callback */
    int next;           /* next conversation to write */
    long done, total;
    int rc;
    err_t err;
} seed_job;

static void seed_tick(seed_job *j)
{
    pthread_mutex_lock(&j->mu);
    j->done++;
    if (j->o->progress)
        j->o->progress(j->o->progress_ctx, j->done, j->total);
    pthread_mutex_unlock(&j->mu);
}

/* Writes one synthetic conversation k, its messages in order. */
static int seed_conversation(seed_job *j, int k, err_t *e)
{
    int U = j->U, M = j->M;
    /* conversation k: user a with the user `off` places after it (distinct pairs for
     * k < U*(U-1)) */
    int a = k % U, off = 1 + (k / U) % (U - 1), b = (a + off) % U;
    unsigned seed = (j->o->seed ? j->o->seed : 1) * 2654435761u + (unsigned)k;
    char group[MSG_UUID_LEN + 1] = "";
    for (int m = 0; m < M; m++) {
        const msg_user *from = (rand_r(&seed) & 1) ? &j->users[a] : &j->users[b];
        const msg_user *to = from == &j->users[a] ? &j->users[b] : &j->users[a];
        char text[160], at[MSG_TS_LEN + 1];
        snprintf(text, sizeof text, "Message %d of conversation %d from %s (%u)", m + 1, k + 1,
                 from->handle, rand_r(&seed) % 100000);
        msg_ts_format(j->start + ((long long)k * M + m) * 1000000LL, at);
        msg_message out;
        int rc = msg_send(j->s, from->uuid, group[0] ? group : NULL, group[0] ? NULL : to->handle,
                          text, at, &out, e);
        if (rc)
            return rc;
        snprintf(group, sizeof group, "%s", out.message_group_uuid);
        msg_message_fini(&out);
        seed_tick(j);
    }
    return 0;
}

static void *seed_worker(void *arg)
{
    seed_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        int k = j->rc ? j->C : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (k >= j->C)
            return NULL;
        err_t e = {0};
        int rc = seed_conversation(j, k, &e);
        if (rc) {
            pthread_mutex_lock(&j->mu);
            if (!j->rc) {
                j->rc = rc;
                j->err = e;
            }
            pthread_mutex_unlock(&j->mu);
            return NULL;
        }
    }
}

int msg_seed(msg_service *s, const msg_seed_opts *o, err_t *e)
{
    int rc = 0;
    int U = o->users > 0 ? o->users : 0;
    int C = U >= 2 && o->conversations > 0 ? o->conversations : 0;
    int M = o->messages > 0 ? o->messages : (C ? 1 : 0);
    seed_job j = {.s = s, .o = o, .U = U, .C = C, .M = M};
    j.total = (o->demo ? (long)(sizeof demo_conversation / sizeof demo_conversation[0]) + 1 : 0) +
              U + (long)C * M;
    pthread_mutex_init(&j.mu, NULL);
    if (o->demo && (rc = seed_demo(s, &j.done, j.total, o, e)))
        goto done;
    if (U == 0)
        goto done;
    j.users = calloc((size_t)U, sizeof *j.users);
    if (!j.users) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < U; i++) {
        char h[MSG_HANDLE_MAX + 1], name[64];
        snprintf(h, sizeof h, "user%d", i + 1);
        snprintf(name, sizeof name, "User %d", i + 1);
        if ((rc = ensure_user(s, h, name, &j.users[i], e)))
            goto done;
        seed_tick(&j);
    }
    j.start = msg_now_usec() - (long long)C * M * 1000000LL;
    int T = o->threads > 0 ? o->threads : 8;
    if (T > 64)
        T = 64;
    if (T > C)
        T = C;
    pthread_t th[64];
    int started = 0;
    for (; started < T; started++)
        if (pthread_create(&th[started], NULL, seed_worker, &j) != 0)
            break;
    if (started == 0 && C > 0)
        seed_worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (j.rc)
        rc = msg_err_pass(e, j.rc, &j.err);
done:
    free(j.users);
    pthread_mutex_destroy(&j.mu);
    return rc;
}

/* Whether the table exists, and when it was created (DescribeTable's CreationDateTime, in
 * ms since the epoch; 0 when not told). */
static int demo_table_made(msg_service *s, bool *out_exists, long long *out_ms, err_t *e)
{
    json_t *resp = NULL;
    err_t in = {0};
    int rc = msgi_call(s, "DescribeTable", json_pack("{s:s}", "TableName", s->table), &resp, &in);
    *out_exists = rc == 0;
    *out_ms = 0;
    if (rc == 0) {
        json_t *at = json_object_get(json_object_get(resp, "Table"), "CreationDateTime");
        if (json_is_number(at))
            *out_ms = (long long)(json_number_value(at) * 1000.0);
    }
    json_decref(resp);
    if (rc == ERR_RESOURCE_NOT_FOUND)
        rc = 0;
    return rc ? msgi_storage(e, rc, &in) : 0;
}

int msg_demo_ensure(msg_service *s, long long since_ms, msg_user *out_user,
                    msg_demo_outcome *out_how, err_t *e)
{
    bool exists = false;
    long long made_ms = 0;
    int rc;
    msg_demo_outcome how = MSG_DEMO_PRESENT;
    if ((rc = demo_table_made(s, &exists, &made_ms, e)))
        return rc;
    if (exists && since_ms > 0 && made_ms >= since_ms)
        how = MSG_DEMO_MADE_ELSEWHERE; /* created since this process started: not ours */
    if (!exists) {
        err_t in = {0};
        rc = msg_schema_load(s, &in);
        if (rc && rc != ERR_RESOURCE_IN_USE)
            return msg_err_pass(e, rc, &in);
        if (rc == ERR_RESOURCE_IN_USE) { /* another process created it in between */
            how = MSG_DEMO_MADE_ELSEWHERE;
        } else {
            msg_seed_opts o = {.demo = true};
            if ((rc = msg_seed(s, &o, e)))
                return rc;
            how = MSG_DEMO_CREATED;
        }
    }
    if (out_how)
        *out_how = how;
    return ensure_user(s, MSG_DEMO_HANDLE, "Andrew Brown", out_user, e);
}
