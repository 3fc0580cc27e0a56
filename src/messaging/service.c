/*
 * service — users and the access patterns A-D over one DynamoDB table.  Layer: messaging.
 * See service.h for the table layout, the write protocol and the invariants.
 * DynamoDB documents used: TransactWriteItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html),
 * Query (.../API_Query.html).
 */
#include "messaging/messaging_int.h"
#include "messaging/auth.h"
#include "api/api.h"
#include "base/arena.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ---- lifecycle ---------------------------------------------------------------------- */

void msg_config_default(msg_config *c)
{
    memset(c, 0, sizeof *c);
    c->table = MSG_TABLE_DEFAULT;
    c->page_messages = MSG_PAGE_MESSAGES;
    c->page_conversations = MSG_PAGE_CONVERSATIONS;
    c->max_retries = 200;
    c->jwt_claim = "sub";
    const char *v;
    if ((v = getenv("DDBCHAT_JWT_PUBLIC_KEY_FILE")) && *v)
        c->jwt_public_key_file = v;
    if ((v = getenv("DDBCHAT_JWT_CLAIM")) && *v)
        c->jwt_claim = v;
    if ((v = getenv("DDBCHAT_CORS_ORIGIN")) && *v)
        c->cors_origin = v;
    if ((v = getenv(MSG_JWT_ISSUER_ENV)) && *v)
        c->jwt_issuer = v;
    if ((v = getenv(MSG_JWT_AUDIENCE_ENV)) && *v)
        c->jwt_audience = v;
    if ((v = getenv(MSG_JWT_MAX_LIFETIME_ENV)) && *v) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*end && n > 0)
            c->jwt_max_lifetime = n;
    }
}

/* Reads a PEM file (at most 64 KB) into a malloc'ed string. */
static int read_pem(const char *path, char **out, err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_IO, "cannot read the JWT public key %s", path);
    char *b = malloc(65537);
    size_t n = b ? fread(b, 1, 65536, f) : 0;
    fclose(f);
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    b[n] = 0;
    if (!strstr(b, "-----BEGIN")) {
        free(b);
        return err_set(e, ERR_VALIDATION, "%s is not a PEM public key", path);
    }
    *out = b;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int msg_service_new(msg_backend *b, const msg_config *cfg, msg_service **out, err_t *e)
{
    msg_config def;
    if (!cfg) {
        msg_config_default(&def);
        cfg = &def;
    }
    msg_service *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->backend = b;
    s->cfg = *cfg;
    s->table = strdup(cfg->table ? cfg->table : MSG_TABLE_DEFAULT);
    s->jwt_claim = strdup(cfg->jwt_claim && *cfg->jwt_claim ? cfg->jwt_claim : "sub");
    s->jwt_public_key_pem = dup_or_null(cfg->jwt_public_key_pem);
    if (!cfg->jwt_public_key_pem && cfg->jwt_public_key_file) {
        int rc = read_pem(cfg->jwt_public_key_file, &s->jwt_public_key_pem, e);
        if (rc) {
            msg_service_free(s);
            return rc;
        }
    }
    s->cors_origin = dup_or_null(cfg->cors_origin);
    s->jwt_issuer = dup_or_null(cfg->jwt_issuer);
    s->jwt_audience = dup_or_null(cfg->jwt_audience);
    if (cfg->jwt_secret) {
        s->jwt_secret = malloc(cfg->jwt_secret_len + 1);
        if (s->jwt_secret) {
            memcpy(s->jwt_secret, cfg->jwt_secret, cfg->jwt_secret_len);
            s->jwt_secret[cfg->jwt_secret_len] = 0;
        }
    }
    if (!s->table || !s->jwt_claim || (cfg->jwt_public_key_pem && !s->jwt_public_key_pem) ||
        (cfg->cors_origin && !s->cors_origin) || (cfg->jwt_secret && !s->jwt_secret) ||
        (cfg->jwt_issuer && !s->jwt_issuer) || (cfg->jwt_audience && !s->jwt_audience)) {
        msg_service_free(s);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    s->cfg.table = s->table;
    s->cfg.jwt_claim = s->jwt_claim;
    s->cfg.jwt_public_key_pem = s->jwt_public_key_pem;
    s->cfg.jwt_public_key_file = NULL;
    s->cfg.cors_origin = s->cors_origin;
    s->cfg.jwt_issuer = s->jwt_issuer;
    s->cfg.jwt_audience = s->jwt_audience;
    s->cfg.jwt_secret = s->jwt_secret;
    if (s->cfg.page_messages <= 0 || s->cfg.page_messages > MSG_PAGE_MAX)
        s->cfg.page_messages = MSG_PAGE_MESSAGES;
    if (s->cfg.page_conversations <= 0 || s->cfg.page_conversations > MSG_PAGE_MAX)
        s->cfg.page_conversations = MSG_PAGE_CONVERSATIONS;
    if (s->cfg.max_retries <= 0)
        s->cfg.max_retries = 200;
    pthread_mutex_init(&s->users_mu, NULL);
    pthread_mutex_init(&s->fold_mu, NULL);
    s->users_init = true;
    int crc = getrandom(s->users_key, sizeof s->users_key, 0) == (ssize_t)sizeof s->users_key
                  ? msg_jwt_cache_new(&s->jwt_cache)
                  : ERR_INTERNAL;
    if (crc) {
        msg_service_free(s);
        return err_set(e, crc, crc == ERR_NOMEM ? "out of memory" : "no random bytes");
    }
    *out = s;
    return 0;
}

void msg_service_free(msg_service *s)
{
    if (!s)
        return;
    if (s->fold_thread_on) {
        s->fold_stop = true;
        pthread_join(s->fold_thread, NULL);
    }
    free(s->table);
    free(s->jwt_secret);
    free(s->jwt_public_key_pem);
    free(s->jwt_claim);
    free(s->cors_origin);
    free(s->jwt_issuer);
    free(s->jwt_audience);
    msg_jwt_cache_free(s->jwt_cache);
    for (size_t i = 0; i < MSGI_USER_SETS * MSGI_USER_WAYS; i++)
        free(s->users[i]);
    if (s->users_init) {
        pthread_mutex_destroy(&s->users_mu);
        pthread_mutex_destroy(&s->fold_mu);
    }
    free(s);
}

void msg_service_set_events(msg_service *s, msg_events *h)
{
    s->events = h;
}

msg_events *msg_service_events(msg_service *s)
{
    return s->events;
}

msg_backend *msg_service_backend(msg_service *s)
{
    return s->backend;
}

const char *msg_service_table(msg_service *s)
{
    return s->table;
}

const msg_config *msg_service_config(msg_service *s)
{
    return &s->cfg;
}

/* ---- users -------------------------------------------------------------------------- */

json_t *msgi_key2(const char *pk, const char *sk)
{
    return json_pack("{s:{s:s}, s:{s:s}}", "pk", "S", pk, "sk", "S", sk);
}

/* GetItem (strongly consistent).  *out_item NULL when absent. */
int msgi_get_item(msg_service *s, const char *pk, const char *sk, json_t **out_item, err_t *e)
{
    *out_item = NULL;
    json_t *req = json_pack("{s:s, s:o, s:b}", "TableName", s->table, "Key", msgi_key2(pk, sk),
                            "ConsistentRead", 1);
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "GetItem", req, &resp, &in);
    if (rc) {
        json_decref(resp);
        return msgi_storage(e, rc, &in);
    }
    json_t *item = json_object_get(resp, "Item");
    if (json_is_object(item))
        *out_item = json_incref(item);
    json_decref(resp);
    return 0;
}

/* The user a message or conversation row names (its user_* attributes). */
void msgi_user_from_row(const av_t *row, msg_user *u)
{
    msgi_av_copy_s(row, "user_uuid", u->uuid, sizeof u->uuid);
    msgi_av_copy_s(row, "user_handle", u->handle, sizeof u->handle);
    msgi_av_copy_s(row, "user_display_name", u->display_name, sizeof u->display_name);
}

/* A row's message text on the heap ("" when it has none); NULL when out of memory. */
char *msgi_row_message_dup(const av_t *row)
{
    size_t n = 0;
    const char *t = msgi_av_item_s(row, "message", &n);
    return strndup(t ? t : "", t ? n : 0);
}

/* Sleeps before the (n+1)th resend; returns the ms slept. */
long msgi_in_progress_wait(int n, unsigned *seed)
{
    long d = n < 7 ? (long)MSG_IN_PROGRESS_FIRST_MS << n : MSG_IN_PROGRESS_MAX_MS;
    if (d > MSG_IN_PROGRESS_MAX_MS)
        d = MSG_IN_PROGRESS_MAX_MS;
    long ms = d / 2 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return ms;
}

/* ---- patterns C + D ----------------------------------------------------------------- */

static json_t *conv_put(const char *table, const char *owner, const char *ts, const char *group,
                        const msg_user *other, const char *text)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    /* attribute_not_exists: the key (GRP#owner, ts) is not unique across the owner's
     * conversations; a message in another of them at the same microsecond must cancel this
     * transaction (retried with a new time), not overwrite that conversation's row */
    return json_pack(
        "{s:{s:s, s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}, s:s}}", "Put",
        "TableName", table, "Item", "pk", "S", pk, "sk", "S", ts, "message_group_uuid", "S",
        group, "user_uuid", "S", other->uuid, "user_display_name", "S", other->display_name,
        "user_handle", "S", other->handle, "message", "S", text, "ConditionExpression",
        "attribute_not_exists(pk)");
}

static json_t *conv_delete(const char *table, const char *owner, const char *prev,
                           const char *group)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    return json_pack("{s:{s:s, s:o, s:s, s:{s:{s:s}}}}", "Delete", "TableName", table, "Key",
                     msgi_key2(pk, prev), "ConditionExpression", "message_group_uuid = :g",
                     "ExpressionAttributeValues", ":g", "S", group);
}

/* Races with other writers only.  Throttling is not retried here: the backend already did
 * (ddbc: DDBCHAT_MAX_ATTEMPTS with backoff), and retrying its final answer up to
 * max_retries times more would make a throttled send run for many minutes instead of
 * failing (tests/e2e/test_remote_backend.py::test_throttled_send_gives_up). */
static bool retryable(int rc)
{
    return rc == ERR_TRANSACTION_CANCELED || rc == ERR_TRANSACTION_CONFLICT ||
           rc == ERR_CONDITIONAL_CHECK_FAILED || rc == ERR_TRANSACTION_IN_PROGRESS;
}

static void backoff(int attempt, unsigned *seed)
{
    int cap = attempt < 8 ? 1 << attempt : 256; /* up to ~2.5 ms */
    long us = (long)(rand_r(seed) % (cap * 10)) + 1;
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static bool idem_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > MSG_IDEM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

/* The entry of `key` in the pair row's list `idem` (the attribute's value): its created_at
 * and message_uuid.  false when the key is not in it. */
static bool idem_find(const json_t *idem, const char *key, char ts[MSG_TS_LEN + 1],
                      char uuid[MSG_UUID_LEN + 1])
{
    json_t *l = json_object_get(idem, "L");
    size_t kl = strlen(key);
    for (size_t i = 0; i < json_array_size(l); i++) {
        const char *v = json_string_value(json_object_get(json_array_get(l, i), "S"));
        if (!v || strncmp(v, key, kl) != 0 || v[kl] != '\t')
            continue;
        const char *t = v + kl + 1, *u = strchr(t, '\t');
        if (!u || (size_t)(u - t) != MSG_TS_LEN || strlen(u + 1) != MSG_UUID_LEN)
            return false;
        snprintf(ts, MSG_TS_LEN + 1, "%.*s", MSG_TS_LEN, t);
        snprintf(uuid, MSG_UUID_LEN + 1, "%s", u + 1);
        return true;
    }
    return false;
}

/* The list to store: the new entry, then the first MSG_IDEM_KEEP - 1 of the old one
 * (new reference, {"L":[...]}). */
static json_t *idem_list(const json_t *old, const char *key, const char *ts, const char *uuid)
{
    char entry[MSG_IDEM_KEY_MAX + MSG_TS_LEN + MSG_UUID_LEN + 3];
    snprintf(entry, sizeof entry, "%s\t%s\t%s", key, ts, uuid);
    json_t *l = json_array();
    json_array_append_new(l, json_pack("{s:s}", "S", entry));
    json_t *ol = json_object_get(old, "L");
    for (size_t i = 0; i < json_array_size(ol) && json_array_size(l) < MSG_IDEM_KEEP; i++)
        json_array_append(l, json_array_get(ol, i));
    return json_pack("{s:o}", "L", l);
}

/* A retry's answer: the message stored under the key (row MSG#group / ts) into *out.
 * ERR_VALIDATION (row idempotency_key_reused) when it holds another text. */
static int idem_replay(msg_service *s, const msg_user *me, const char *group, const char *ts,
                       const char *uuid, const char *text, msg_message *out, err_t *e)
{
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    json_t *row;
    int rc = msgi_get_item(s, pk, ts, &row, e);
    if (rc)
        return rc;
    const char *mu = msgi_item_s(row, "message_uuid"), *mt = msgi_item_s(row, "message");
    const char *who = msgi_item_s(row, "user_uuid");
    if (!row || !mu || strcmp(mu, uuid) != 0 || !who || strcmp(who, me->uuid) != 0 || !mt)
        rc = msg_failf(e, MSG_E_STORAGE, "the message of this Idempotency-Key is missing");
    else if (strcmp(mt, text) != 0)
        rc = msg_fail(e, MSG_E_IDEMPOTENCY_KEY_REUSED);
    else if (out) {
        snprintf(out->uuid, sizeof out->uuid, "%s", uuid);
        snprintf(out->message_group_uuid, sizeof out->message_group_uuid, "%s", group);
        snprintf(out->created_at, sizeof out->created_at, "%s", ts);
        out->sender = *me;
        msgi_copy_s(row, "user_handle", out->sender.handle, sizeof out->sender.handle);
        msgi_copy_s(row, "user_display_name", out->sender.display_name,
                    sizeof out->sender.display_name);
        out->message = strdup(mt);
        if (!out->message)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    json_decref(row);
    return rc;
}

int msg_send(msg_service *s, const char *sender_uuid, const char *group_in, const char *to_handle,
             const char *text, const char *at, msg_message *out, err_t *e)
{
    return msg_send_keyed(s, sender_uuid, group_in, to_handle, text, at, NULL, out, e);
}

int msg_send_keyed(msg_service *s, const char *sender_uuid, const char *group_in,
                   const char *to_handle, const char *text, const char *at, const char *idem_key,
                   msg_message *out, err_t *e)
{
    int rc;
    msg_user me, other;
    json_t *req = NULL, *resp = NULL;
    char group_lower[MSG_UUID_LEN + 1];
    if (out)
        memset(out, 0, sizeof *out);
    if ((group_in && to_handle) || (!group_in && !to_handle))
        return msg_failf(e, MSG_E_MISSING_FIELD,
                          "give either message_group_uuid or handle");
    if ((rc = msg_validate_text(text, e)))
        return rc;
    if (idem_key && !idem_key_ok(idem_key))
        return msg_failf(e, MSG_E_INVALID_FIELD,
                         "Idempotency-Key must be 1 to %d visible ASCII characters",
                         MSG_IDEM_KEY_MAX);
    long long at_us = 0;
    if (at && (rc = msg_ts_parse(at, &at_us, e)))
        return rc;
    if (to_handle && (rc = msg_validate_handle(to_handle, e))) /* syntax before lookups */
        return rc;
    if ((rc = msg_user_by_uuid(s, sender_uuid, &me, e)))
        return rc;

    if (to_handle) {
        if ((rc = msg_user_by_handle(s, to_handle, &other, e)))
            return rc;
        if (strcmp(other.uuid, me.uuid) == 0)
            return msg_fail(e, MSG_E_SELF_MESSAGE);
    } else {
        if (!msgi_is_uuid(group_in))
            return msgi_bad_group_id(e, group_in);
        msgi_uuid_lower(group_in, group_lower); /* stored uuids are lower case */
        group_in = group_lower;
        json_t *mine;
        if ((rc = msgi_find_my_row(s, me.uuid, group_in, &mine, e)))
            return rc;
        if (!mine)
            return msg_fail(e, MSG_E_NOT_FOUND);
        char other_uuid[sizeof other.uuid];
        bool ok = msgi_copy_s(mine, "user_uuid", other_uuid, sizeof other_uuid);
        json_decref(mine);
        if (!ok)
            return msg_fail(e, MSG_E_NOT_FOUND);
        /* the other person's user row is gone (removed from the table): this conversation
         * has nobody to deliver to, a 404 as for a handle nobody has -- not the 401
         * unknown_user of a token naming no user, which signed the sender out of the page
         * (test_messaging.py::test_send_to_a_conversation_whose_other_user_is_gone) */
        err_t in = {0};
        if ((rc = msg_user_by_uuid(s, other_uuid, &other, &in))) {
            if (rc == ERR_NOT_FOUND)
                return msg_fail_rc(e, MSG_E_NOT_FOUND, rc,
                                   "the other person of this conversation no longer exists");
            return msg_err_pass(e, rc, &in);
        }
    }

    const char *lo = strcmp(me.uuid, other.uuid) < 0 ? me.uuid : other.uuid;
    const char *hi = lo == me.uuid ? other.uuid : me.uuid;
    char pair_pk[128], idem_name[64];
    snprintf(pair_pk, sizeof pair_pk, "PAIR#%s#%s", lo, hi);
    snprintf(idem_name, sizeof idem_name, "idem_%s", me.uuid);
    json_t *idem = NULL; /* the pair row's list of the sender's keys, when idem_key */
    char msg_uuid[MSG_UUID_LEN + 1];
    msgi_uuid(msg_uuid);
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    char group[MSG_UUID_LEN + 1], ts[MSG_TS_LEN + 1], prev[MSG_TS_LEN + 1];

    for (int attempt = 0;; attempt++) {
        if (attempt >= s->cfg.max_retries) {
            rc = msg_failf(e, MSG_E_CONFLICT,
                            "too many concurrent writes to this conversation, try again");
            goto done;
        }
        if (attempt > 0)
            backoff(attempt, &seed);
        json_t *pair;
        if ((rc = msgi_get_item(s, pair_pk, "PAIR", &pair, e)))
            goto done;
        bool first = pair == NULL;
        prev[0] = 0;
        json_decref(idem);
        idem = NULL;
        if (pair) {
            bool ok = msgi_copy_s(pair, "group_uuid", group, sizeof group);
            msgi_copy_s(pair, "last_message_at", prev, sizeof prev);
            if (idem_key)
                idem = json_incref(json_object_get(pair, idem_name));
            json_decref(pair);
            if (!ok) {
                rc =
                    msg_failf(e, MSG_E_STORAGE, "the pair row %s has no group_uuid", pair_pk);
                goto done;
            }
            if (group_in && strcmp(group, group_in) != 0) {
                rc = msg_fail(e, MSG_E_NOT_FOUND);
                goto done;
            }
            char its[MSG_TS_LEN + 1], iuuid[MSG_UUID_LEN + 1];
            if (idem_key && idem_find(idem, idem_key, its, iuuid)) {
                /* a retry of a send that committed (perhaps a moment ago, by the request
                 * this one raced: its transaction cancelled ours) */
                rc = idem_replay(s, &me, group, its, iuuid, text, out, e);
                goto done;
            }
        } else if (group_in) {
            /* conversation rows without their pair row: not written by this service */
            rc = msg_fail(e, MSG_E_NOT_FOUND);
            goto done;
        } else {
            msgi_uuid(group);
        }
        /* a retry never reuses a seeded time: it may be the one that collided */
        long long t = at ? at_us + attempt : msg_now_usec();
        if (prev[0]) {
            long long p;
            if (msg_ts_parse(prev, &p, NULL) == 0 && t <= p)
                t = p + 1;
        }
        msg_ts_format(t, ts);

        char msg_pk[64];
        snprintf(msg_pk, sizeof msg_pk, "MSG#%s", group);
        json_t *items = json_array();
        json_array_append_new(
            items, json_pack("{s:{s:s, s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}},"
                             " s:s}}",
                             "Put", "TableName", s->table, "Item", "pk", "S", msg_pk, "sk", "S", ts,
                             "message_uuid", "S", msg_uuid, "message", "S", text, "user_uuid", "S",
                             me.uuid, "user_display_name", "S", me.display_name, "user_handle", "S",
                             me.handle, "ConditionExpression", "attribute_not_exists(pk)"));
        /* with a key, the pair row's write also stores it (idem_list) */
        json_t *keys = idem_key ? idem_list(idem, idem_key, ts, msg_uuid) : NULL;
        if (idem_key && !keys) {
            json_decref(items);
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        if (first) {
            json_t *put = json_pack("{s:{s:s, s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}}, s:s}}", "Put",
                                    "TableName", s->table, "Item", "pk", "S", pair_pk, "sk", "S",
                                    "PAIR", "group_uuid", "S", group, "last_message_at", "S", ts,
                                    "ConditionExpression", "attribute_not_exists(pk)");
            if (put && keys)
                json_object_set(json_object_get(json_object_get(put, "Put"), "Item"), idem_name,
                                keys);
            json_array_append_new(items, put);
        } else {
            json_t *up = json_pack(
                "{s:{s:s, s:o, s:s, s:s, s:{s:{s:s}}}}", "Update", "TableName", s->table, "Key",
                msgi_key2(pair_pk, "PAIR"), "UpdateExpression",
                keys ? "SET last_message_at = :ts, #k = :k" : "SET last_message_at = :ts",
                "ConditionExpression",
                prev[0] ? "last_message_at = :prev" : "attribute_not_exists(last_message_at)",
                "ExpressionAttributeValues", ":ts", "S", ts);
            json_t *u = json_object_get(up, "Update");
            if (u && prev[0])
                json_object_set_new(json_object_get(u, "ExpressionAttributeValues"), ":prev",
                                    json_pack("{s:s}", "S", prev));
            if (u && keys) {
                json_object_set(json_object_get(u, "ExpressionAttributeValues"), ":k", keys);
                json_object_set_new(u, "ExpressionAttributeNames",
                                    json_pack("{s:s}", "#k", idem_name));
            }
            json_array_append_new(items, up);
            if (prev[0]) {
                json_array_append_new(items, conv_delete(s->table, me.uuid, prev, group));
                json_array_append_new(items, conv_delete(s->table, other.uuid, prev, group));
            }
        }
        json_decref(keys);
        json_array_append_new(items, conv_put(s->table, me.uuid, ts, group, &other, text));
        json_array_append_new(items, conv_put(s->table, other.uuid, ts, group, &me, text));
        size_t want = first ? 4 : prev[0] ? 6 : 4;
        if (json_array_size(items) != want) { /* a json_pack failed: out of memory */
            json_decref(items);
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        /* a fresh token per attempt: a transport-level retry of this very request (the
         * remote client retries 5xx/timeouts) is then idempotent instead of a duplicate */
        char token[MSG_UUID_LEN + 1];
        msgi_uuid(token);
        req = json_pack("{s:o, s:s}", "TransactItems", items, "ClientRequestToken", token);
        err_t in;
        /* TransactionInProgressException: an earlier copy of THIS request (same token; a
         * transport retry overtook it) is still being applied.  Send the same request again
         * until that copy's outcome is replayed, instead of a fresh attempt that would store
         * the message a second time. */
        long waited = 0;
        for (int wait = 0;; wait++) {
            rc = msgi_call(s, "TransactWriteItems", json_incref(req), &resp, &in);
            json_decref(resp);
            resp = NULL;
            if (rc != ERR_TRANSACTION_IN_PROGRESS || waited >= MSG_IN_PROGRESS_WAIT_MS)
                break;
            waited += msgi_in_progress_wait(wait, &seed);
        }
        json_decref(req);
        req = NULL;
        if (rc == 0)
            break;
        if (!retryable(rc)) {
            rc = msgi_storage(e, rc, &in);
            goto done;
        }
    }
    if (s->events) { /* committed: both users' event streams look now (events.h) */
        msg_events_hint(s->events, me.uuid);
        msg_events_hint(s->events, other.uuid);
    }
    if (out) {
        snprintf(out->uuid, sizeof out->uuid, "%s", msg_uuid);
        snprintf(out->message_group_uuid, sizeof out->message_group_uuid, "%s", group);
        snprintf(out->created_at, sizeof out->created_at, "%s", ts);
        out->sender = me;
        out->message = strdup(text);
        if (!out->message)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
done:
    json_decref(idem);
    json_decref(req);
    json_decref(resp);
    return rc;
}
