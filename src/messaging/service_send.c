/*
 * service_send — sending a message (patterns C + D): one TransactWriteItems that writes the
 * message and moves both participants' conversation rows, guarded by the pair row, retried
 * on conflicts, idempotent under a client's Idempotency-Key.  Layer: messaging (part of the
 * service, service.h: the write protocol and its invariants).
 * DynamoDB documents used: TransactWriteItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
#include "messaging/messaging_int.h"
#include "messaging/events.h"
#include "api/api.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The request is written as JSON text (jout, msgi_jw_*), as json_dumps wrote the tree
 * json_pack built before (the members in the same order): no tree built, walked and freed
 * per send (issue 13: ~160k instructions of a REST POST's ~770k), and the embedded engine
 * reads it as the DynamoDB endpoint reads a body (msgi_call_text). */
/* A message's or conversation row's user_* attributes. */
static void w_user(jout *w, const msg_user *u)
{
    msgi_jw_attr(w, true, "user_uuid", u->uuid);
    msgi_jw_attr(w, true, "user_display_name", u->display_name);
    msgi_jw_attr(w, true, "user_handle", u->handle);
}

/* The owner's read marker on a conversation row (service.h, msg_mark_read): read_to ("" =
 * none) and unread as msgi_mark_parse reads them, carried over to the new row; and the two
 * attributes as stored (DynamoDB JSON, NULL when absent: rows from before markers have
 * none), which the Delete's condition holds verbatim, whatever they are: a condition on the
 * value as read would never hold for a row whose marker that rule refuses, and the send
 * would retry to "conflict" (review24 LOW 5).  conv_mark_fini releases them. */
typedef struct conv_mark {
    char read_to[MSG_TS_LEN + 1];
    long long unread;
    json_t *raw_read_to, *raw_unread;
} conv_mark;

static void conv_mark_fini(conv_mark *m)
{
    json_decref(m->raw_read_to);
    json_decref(m->raw_unread);
    m->raw_read_to = m->raw_unread = NULL;
}

static void w_num(jout *w, bool comma, const char *name, long long v)
{
    char n[24];
    int l = snprintf(n, sizeof n, "%lld", v);
    jout_member_key(w, comma, name, strlen(name));
    jout_raw(w, "{\"N\":\"", 6);
    jout_raw(w, n, (size_t)l);
    jout_raw(w, "\"}", 2);
}

/* The transaction's Puts (the message, a new pair row, the conversation rows, a key's row)
 * are each of a new key: w_put_open starts one (after a comma unless first), its Item's
 * attributes follow, and w_put_close ends it with the condition attribute_not_exists(pk). */
static void w_put_open(jout *w, bool comma, const char *table)
{
    jout_raw(w, comma ? ",{\"Put\":{" : "{\"Put\":{", comma ? 9 : 8);
    msgi_jw_str(w, false, "TableName", table);
    jout_member_key(w, true, "Item", 4);
    jout_raw(w, "{", 1);
}

static void w_put_close(jout *w)
{
    jout_raw(w, "}", 1);
    msgi_jw_str(w, true, "ConditionExpression", "attribute_not_exists(pk)");
    jout_raw(w, "}}", 2);
}

static void conv_put(jout *w, const char *table, const char *owner, const char *ts,
                     const char *group, const msg_user *other, const char *text,
                     const char *read_to, long long unread)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    /* attribute_not_exists: the key (GRP#owner, ts) is not unique across the owner's
     * conversations; a message in another of them at the same microsecond must cancel this
     * transaction (retried with a new time), not overwrite that conversation's row */
    w_put_open(w, true, table);
    msgi_jw_attr(w, false, "pk", pk);
    msgi_jw_attr(w, true, "sk", ts);
    msgi_jw_attr(w, true, "message_group_uuid", group);
    w_user(w, other);
    msgi_jw_attr(w, true, "message", text);
    if (read_to[0])
        msgi_jw_attr(w, true, "read_to", read_to);
    w_num(w, true, "unread", unread);
    w_put_close(w);
}

/* Deletes the owner's old conversation row, which must exist and belong to the group; with
 * `mark` (the recipient's row) it must also still hold the read marker read from it, so that
 * a mark-read committed since cancels this transaction (retried after a fresh read) instead
 * of being lost: the new row carries the marker over. */
static void conv_delete(jout *w, const char *table, const char *owner, const char *prev,
                        const char *group, const conv_mark *mark)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    jout_raw(w, ",{\"Delete\":{", 12);
    msgi_jw_str(w, false, "TableName", table);
    msgi_jw_key(w, pk, prev);
    char cond[160];
    snprintf(cond, sizeof cond, "message_group_uuid = :g%s%s",
             !mark                ? ""
             : mark->raw_read_to  ? " AND read_to = :r"
                                  : " AND attribute_not_exists(read_to)",
             !mark                ? ""
             : mark->raw_unread   ? " AND unread = :n"
                                  : " AND attribute_not_exists(unread)");
    msgi_jw_str(w, true, "ConditionExpression", cond);
    jout_member_key(w, true, "ExpressionAttributeValues", 25);
    jout_raw(w, "{", 1);
    msgi_jw_attr(w, false, ":g", group);
    if (mark && mark->raw_read_to) {
        jout_member_key(w, true, ":r", 2);
        jout_json(w, mark->raw_read_to);
    }
    if (mark && mark->raw_unread) {
        jout_member_key(w, true, ":n", 2);
        jout_json(w, mark->raw_unread);
    }
    jout_raw(w, "}}}", 3);
}

/* conv_mark_get's row, read as values (no tree: perf24) */
typedef struct mark_rd {
    const char *group;
    conv_mark *m;
    bool found;
} mark_rd;

static int mark_item(void *ctx, const char *key, const av_t *item)
{
    mark_rd *rd = ctx;
    if (strcmp(key, "Item") != 0)
        return 0;
    size_t gl;
    const char *g = msgi_av_item_s(item, "message_group_uuid", &gl);
    rd->found = g && gl == strlen(rd->group) && memcmp(g, rd->group, gl) == 0;
    if (rd->found) {
        msgi_conv_mark_av(item, rd->m->read_to, &rd->m->unread);
        const av_t *r = av_map_gets(item, "read_to"), *n = av_map_gets(item, "unread");
        if ((r && !(rd->m->raw_read_to = ddbjson_from_av(r))) ||
            (n && !(rd->m->raw_unread = ddbjson_from_av(n))))
            return -1;
    }
    return 0;
}

/* The read marker of the row (GRP#owner, at) into *m (a consistent GetItem); *found false
 * when the row is not there (a message moved it since the pair row was read: read again). */
static int conv_mark_get(msg_service *s, const char *owner, const char *at, const char *group,
                         conv_mark *m, bool *found, err_t *e)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    memset(m, 0, sizeof *m);
    mark_rd rd = {.group = group, .m = m};
    api_sink sink = {.item = mark_item, .ctx = &rd};
    int rc = msgi_get_item_sink(s, pk, at, &sink, e);
    *found = rc == 0 && rd.found;
    if (!*found)
        conv_mark_fini(m);
    return rc;
}

/* The pair row's GetItem, read as values (perf24: the whole row's tree was built for three
 * attributes): its group, its last message's time and, when asked for (idem_name), the
 * sender's idempotency list as DynamoDB JSON ({"L":[...]}, NULL when absent). */
typedef struct pair_rd {
    const char *idem_name;
    const char *nm_attr[2]; /* name_<uuid> of the sender [0] and the recipient [1] */
    bool found, has_group;
    char group[MSG_UUID_LEN + 1], prev[MSG_TS_LEN + 1];
    char top[MSG_TS_LEN + 1]; /* top_at: the newest deleted last message's time ("" none) */
    char last_from[MSG_UUID_LEN + 1]; /* the last message's sender ("" when not recorded) */
    /* the names a rename's fan-out wrote (msg_user_rename): nm_attr[i]'s value as stored
     * (DynamoDB JSON, NULL when absent), which the send's condition holds verbatim, and as
     * text ("" when it is no S that fits) */
    json_t *nm_raw[2];
    char nm[2][MSG_NAME_BYTES + 1];
    json_t *idem;
} pair_rd;

static void pair_rd_fini(pair_rd *rd)
{
    json_decref(rd->idem);
    json_decref(rd->nm_raw[0]);
    json_decref(rd->nm_raw[1]);
    rd->idem = rd->nm_raw[0] = rd->nm_raw[1] = NULL;
}

static int pair_item(void *ctx, const char *key, const av_t *item)
{
    pair_rd *rd = ctx;
    if (strcmp(key, "Item") != 0)
        return 0;
    rd->found = true;
    rd->has_group = msgi_av_copy_s(item, "group_uuid", rd->group, sizeof rd->group);
    msgi_av_copy_s(item, "last_message_at", rd->prev, sizeof rd->prev);
    if (!msgi_av_copy_s(item, "top_at", rd->top, sizeof rd->top))
        rd->top[0] = 0;
    if (!msgi_av_copy_s(item, "last_from", rd->last_from, sizeof rd->last_from))
        rd->last_from[0] = 0;
    for (int i = 0; i < 2; i++) {
        const av_t *nv = rd->nm_attr[i] ? av_map_gets(item, rd->nm_attr[i]) : NULL;
        if (nv && !(rd->nm_raw[i] = ddbjson_from_av(nv)))
            return -1;
        if (nv)
            msgi_av_copy_s(item, rd->nm_attr[i], rd->nm[i], sizeof rd->nm[i]);
    }
    const av_t *l = rd->idem_name ? av_map_gets(item, rd->idem_name) : NULL;
    if (l && !(rd->idem = ddbjson_from_av(l)))
        return -1;
    return 0;
}

/* (messaging_int.h) */
void msgi_race_backoff(int attempt, unsigned *seed)
{
    int cap = attempt < 8 ? 1 << attempt : 256; /* up to ~2.5 ms */
    long us = (long)(rand_r(seed) % (cap * 10)) + 1;
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* (messaging_int.h) */
int msgi_write_outcome(int rc, const json_t *extra)
{
    if (rc == ERR_CONDITIONAL_CHECK_FAILED || rc == ERR_TRANSACTION_CONFLICT ||
        rc == ERR_TRANSACTION_IN_PROGRESS)
        return MSGI_RACED;
    if (rc != ERR_TRANSACTION_CANCELED)
        return rc;
    const json_t *rs = json_object_get(extra, "CancellationReasons");
    if (!json_is_array(rs) || json_array_size(rs) == 0)
        return MSGI_RACED; /* a backend that gives no reasons: taken as a race, as before */
    bool raced = false, other = false;
    for (size_t i = 0; i < json_array_size(rs); i++) {
        const char *c = json_string_value(json_object_get(json_array_get(rs, i), "Code"));
        if (!c || strcmp(c, "None") == 0)
            continue;
        /* throttled: the backend's client already backed off and retried within its
         * quota; retrying here would only add requests to a throttled table */
        if (strcmp(c, "ProvisionedThroughputExceeded") == 0)
            return ERR_PROVISIONED_THROUGHPUT;
        if (strcmp(c, "ThrottlingError") == 0)
            return ERR_THROTTLING;
        if (strcmp(c, "RequestLimitExceeded") == 0)
            return ERR_REQUEST_LIMIT;
        if (strcmp(c, "ConditionalCheckFailed") == 0 || strcmp(c, "TransactionConflict") == 0)
            raced = true;
        else
            other = true;
    }
    return raced && !other ? MSGI_RACED : rc;
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

/* The transaction's rows of the sender's key (IDEM#<sender>, <key>: the conversation, the
 * message's time and uuid), so that the same key for another conversation is found
 * (idem_elsewhere): a Put of the new key's row, attribute_not_exists(pk) (a key used before
 * and still kept cancels the transaction), and a Delete of each key the pair row's list drops
 * (idem_list keeps MSG_IDEM_KEEP), so the key rows live as long as their list entries: at
 * most MSG_IDEM_KEEP per conversation and sender. */
static void w_idem_rows(jout *req, const char *table, const char *idem_pk, const char *key,
                        const char *group, const char *ts, const char *uuid, const json_t *old)
{
    w_put_open(req, true, table);
    msgi_jw_attr(req, false, "pk", idem_pk);
    msgi_jw_attr(req, true, "sk", key);
    msgi_jw_attr(req, true, "group_uuid", group);
    msgi_jw_attr(req, true, "created_at", ts);
    msgi_jw_attr(req, true, "message_uuid", uuid);
    w_put_close(req);
    /* the entries idem_list drops: distinct keys, not the new one (one operation per item in
     * a transaction), at most MSG_IDEM_KEEP of a list some other writer made longer */
    json_t *ol = json_object_get(old, "L");
    char dropped[MSG_IDEM_KEEP][MSG_IDEM_KEY_MAX + 1];
    int nd = 0;
    for (size_t i = MSG_IDEM_KEEP - 1; i < json_array_size(ol) && nd < MSG_IDEM_KEEP; i++) {
        const char *v = json_string_value(json_object_get(json_array_get(ol, i), "S"));
        const char *tab = v ? strchr(v, '\t') : NULL;
        if (!tab || tab == v || (size_t)(tab - v) > MSG_IDEM_KEY_MAX)
            continue;
        char k[MSG_IDEM_KEY_MAX + 1];
        snprintf(k, sizeof k, "%.*s", (int)(tab - v), v);
        bool seen = strcmp(k, key) == 0;
        for (int j = 0; j < nd && !seen; j++)
            seen = strcmp(dropped[j], k) == 0;
        if (seen)
            continue;
        memcpy(dropped[nd++], k, sizeof k);
        jout_raw(req, ",{\"Delete\":{", 12);
        msgi_jw_str(req, false, "TableName", table);
        msgi_jw_key(req, idem_pk, k);
        jout_raw(req, "}}", 2);
    }
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
    if (!row || (mu && strcmp(mu, uuid) != 0))
        /* deleted since (msg_delete_message keeps the pair row's keys): final, not sent
         * again (it was 500 storage on every retry: review30b,
         * test_service.c test_keyed_retry_of_a_deleted_message) */
        rc = msg_fail(e, MSG_E_MESSAGE_DELETED);
    else if (!mu || !who || strcmp(who, me->uuid) != 0 || !mt)
        rc = msg_failf(e, MSG_E_STORAGE, "the message of this Idempotency-Key is malformed");
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

/* After a keyed send's transaction was cancelled: the key's row (w_idem_rows), if any.  A key
 * kept for this conversation (group: the pair row's) is a retry, answered as idem_replay; one
 * kept for another conversation is ERR_VALIDATION (row idempotency_key_reused): the
 * IETF draft's 422 for a key reused with another request (draft-ietf-httpapi-idempotency-
 * key-header, 2.7), where before a second message was stored.  *found false (0): no such row,
 * the cancellation was another writer's. */
static int idem_elsewhere(msg_service *s, const msg_user *me, const char *idem_pk,
                          const char *key, const char *group, const char *text, bool *found,
                          msg_message *out, err_t *e)
{
    json_t *row;
    int rc = msgi_get_item(s, idem_pk, key, &row, e);
    *found = !rc && row;
    if (!*found)
        return rc;
    const char *g = msgi_item_s(row, "group_uuid"), *ts = msgi_item_s(row, "created_at");
    const char *uuid = msgi_item_s(row, "message_uuid");
    if (!g || strcmp(g, group) != 0)
        rc = msg_failf(e, MSG_E_IDEMPOTENCY_KEY_REUSED,
                       "this Idempotency-Key was sent with a message to another conversation: "
                       "use a new key for a new message");
    else if (!ts || !uuid || strlen(ts) != MSG_TS_LEN || strlen(uuid) != MSG_UUID_LEN)
        rc = msg_failf(e, MSG_E_STORAGE, "the row of this Idempotency-Key is malformed");
    else
        rc = idem_replay(s, me, group, ts, uuid, text, out, e);
    json_decref(row);
    return rc;
}

int msg_send(msg_service *s, const char *sender_uuid, const char *group_in, const char *to_handle,
             const char *text, const char *at, msg_message *out, err_t *e)
{
    return msg_send_keyed(s, sender_uuid, group_in, to_handle, text, at, NULL, out, e);
}

/* msg_send_keyed and msg_send_keyed_as: the sender is `sender` when given (already read),
 * else looked up by sender_uuid after the request's own checks. */
static int send_keyed(msg_service *s, const msg_user *sender, const char *sender_uuid,
                      const char *group_in, const char *to_handle, const char *text,
                      const char *at, const char *idem_key, msg_message *out, err_t *e);

int msg_send_keyed(msg_service *s, const char *sender_uuid, const char *group_in,
                   const char *to_handle, const char *text, const char *at, const char *idem_key,
                   msg_message *out, err_t *e)
{
    return send_keyed(s, NULL, sender_uuid, group_in, to_handle, text, at, idem_key, out, e);
}

int msg_send_keyed_as(msg_service *s, const msg_user *sender, const char *group_in,
                      const char *to_handle, const char *text, const char *at,
                      const char *idem_key, msg_message *out, err_t *e)
{
    return send_keyed(s, sender, sender->uuid, group_in, to_handle, text, at, idem_key, out, e);
}

/* send_keyed's checks of the request itself, before any lookup (syntax before lookups): 0
 * with *out_at_us (at's time; 0 without), or the error. */
static int send_check(const char *group_in, const char *to_handle, const char *text,
                      const char *at, const char *idem_key, long long *out_at_us, err_t *e)
{
    int rc;
    if ((group_in && to_handle) || (!group_in && !to_handle))
        return msg_failf(e, MSG_E_MISSING_FIELD, "give either message_group_uuid or handle");
    if ((rc = msg_validate_text(text, e)))
        return rc;
    if (idem_key && !idem_key_ok(idem_key))
        return msg_failf(e, MSG_E_INVALID_FIELD,
                         "Idempotency-Key must be 1 to %d visible ASCII characters",
                         MSG_IDEM_KEY_MAX);
    if (at && (rc = msg_ts_parse(at, out_at_us, e)))
        return rc;
    if (to_handle && (rc = msg_validate_handle(to_handle, e))) /* syntax before lookups */
        return rc;
    return 0;
}

/* send_keyed's two people: *me (sender, or looked up by sender_uuid) and *other (by
 * to_handle, or the other participant of the conversation *group_in, whose uuid is then
 * lowered into group_lower and *group_in pointed at it).  0, or the error. */
static int send_parties(msg_service *s, const msg_user *sender, const char *sender_uuid,
                        const char **group_in, char group_lower[MSG_UUID_LEN + 1],
                        const char *to_handle, msg_user *me, msg_user *other, err_t *e)
{
    int rc;
    if (sender)
        *me = *sender;
    else if ((rc = msg_user_by_uuid(s, sender_uuid, me, e)))
        return rc;

    if (to_handle) {
        if ((rc = msg_user_by_handle(s, to_handle, other, e)))
            return rc;
        if (strcmp(other->uuid, me->uuid) == 0)
            return msg_fail(e, MSG_E_SELF_MESSAGE);
        return 0;
    }
    if (!msgi_is_uuid(*group_in))
        return msgi_bad_group_id(e, *group_in);
    msgi_uuid_lower(*group_in, group_lower); /* stored uuids are lower case */
    *group_in = group_lower;
    char other_uuid[sizeof other->uuid];
    bool ok;
    if ((rc = msgi_find_partner(s, me->uuid, *group_in, other_uuid, sizeof other_uuid, &ok, e)))
        return rc;
    if (!ok) /* no row of mine in it, or a row without the other's uuid */
        return msg_fail(e, MSG_E_NOT_FOUND);
    /* the other person's user row is gone (removed from the table): this conversation
     * has nobody to deliver to, a 404 as for a handle nobody has -- not the 401
     * unknown_user of a token naming no user, which signed the sender out of the page
     * (test_messaging.py::test_send_to_a_conversation_whose_other_user_is_gone) */
    err_t in = {0};
    if ((rc = msg_user_by_uuid(s, other_uuid, other, &in))) {
        if (rc == ERR_NOT_FOUND)
            return msg_fail_rc(e, MSG_E_NOT_FOUND, rc,
                               "the other person of this conversation no longer exists");
        return msg_err_pass(e, rc, &in);
    }
    return 0;
}

/* The recipient's read marker, carried over to their new row (conv_delete).  When they sent
 * the last message (the pair row's last_from, with guess), their row is read to it: read_to
 * = prev, unread 0 (conv_put), and no mark-read moves a marker past the last message; so that
 * is their marker, without reading their row (*guessed).  The Delete's condition still holds
 * it (a row written otherwise -- by an older writer that did not set last_from -- cancels the
 * transaction, and the next attempt reads).  Without prev (a new conversation) none.
 * 0 with *theirs (conv_mark_fini releases it), *again when their row moved since the pair row
 * was read (read again); or the error. */
static int send_their_mark(msg_service *s, const char *other_uuid, const char *prev,
                           const char *last_from, const char *group, bool guess,
                           conv_mark *theirs, bool *guessed, bool *again, err_t *e)
{
    int rc;
    *theirs = (conv_mark){.read_to = ""};
    if (prev[0] && guess && strcmp(last_from, other_uuid) == 0) {
        memcpy(theirs->read_to, prev, sizeof theirs->read_to);
        theirs->unread = 0;
        theirs->raw_read_to = json_pack("{s:s}", "S", prev);
        theirs->raw_unread = json_pack("{s:s}", "N", "0");
        if (!theirs->raw_read_to || !theirs->raw_unread) {
            conv_mark_fini(theirs);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        *guessed = true;
    } else if (prev[0]) {
        bool found;
        if ((rc = conv_mark_get(s, other_uuid, prev, group, theirs, &found, e)))
            return rc;
        if (!found) /* a message moved the rows since the pair row was read */
            *again = true;
    }
    return 0;
}

/* The transaction's Put of the message (MSG#group, ts). */
static void w_message_put(jout *req, const char *table, const char *group, const char *ts,
                          const char *msg_uuid, const char *text, const msg_user *me)
{
    char msg_pk[64];
    snprintf(msg_pk, sizeof msg_pk, "MSG#%s", group);
    w_put_open(req, false, table);
    msgi_jw_attr(req, false, "pk", msg_pk);
    msgi_jw_attr(req, true, "sk", ts);
    msgi_jw_attr(req, true, "message_uuid", msg_uuid);
    msgi_jw_attr(req, true, "message", text);
    w_user(req, me);
    w_put_close(req);
}

/* The transaction's Put of a new conversation's pair row; keys: the sender's idempotency list
 * (idem_list, stored as idem_name), or NULL. */
static void w_pair_put(jout *req, const char *table, const char *pair_pk, const char *group,
                       const char *ts, const char *me_uuid, const char *idem_name,
                       const json_t *keys)
{
    w_put_open(req, true, table);
    msgi_jw_attr(req, false, "pk", pair_pk);
    msgi_jw_attr(req, true, "sk", "PAIR");
    msgi_jw_attr(req, true, "group_uuid", group);
    msgi_jw_attr(req, true, "last_message_at", ts);
    msgi_jw_attr(req, true, "last_from", me_uuid);
    if (keys) {
        jout_member_key(req, true, idem_name, strlen(idem_name));
        jout_json(req, keys);
    }
    w_put_close(req);
}

/* The transaction's Update of the pair row, guarded by its last message's time prev ("":
 * none) and by the names a rename wrote there as read (pr's nm_raw: each as stored, or
 * absent), so that a rename reaching this conversation between the send's read and its
 * commit cancels it (msg_user_rename); a name read there that is not the one the send writes
 * (names[i], the user row's, read again) is set to it.  keys as w_pair_put's. */
static void w_pair_update(jout *req, const char *table, const char *pair_pk, const char *ts,
                          const char *me_uuid, const char *prev, const char *idem_name,
                          const json_t *keys, const pair_rd *pr, const char *const names[2])
{
    static const char *const nn[2] = {"#na", "#nb"}, *const sv[2] = {":na", ":nb"},
                             *const cv[2] = {":ca", ":cb"};
    bool set[2];
    for (int i = 0; i < 2; i++)
        set[i] = pr->nm_raw[i] && strcmp(pr->nm[i], names[i]) != 0;
    jout_raw(req, ",{\"Update\":{", 12);
    msgi_jw_str(req, false, "TableName", table);
    msgi_jw_key(req, pair_pk, "PAIR");
    char ue[128], ce[192];
    snprintf(ue, sizeof ue, "SET last_message_at = :ts, last_from = :me%s%s%s",
             keys ? ", #k = :k" : "", set[0] ? ", #na = :ca" : "", set[1] ? ", #nb = :cb" : "");
    snprintf(ce, sizeof ce, "%s AND %s AND %s",
             prev[0] ? "last_message_at = :prev" : "attribute_not_exists(last_message_at)",
             pr->nm_raw[0] ? "#na = :na" : "attribute_not_exists(#na)",
             pr->nm_raw[1] ? "#nb = :nb" : "attribute_not_exists(#nb)");
    msgi_jw_str(req, true, "UpdateExpression", ue);
    msgi_jw_str(req, true, "ConditionExpression", ce);
    jout_member_key(req, true, "ExpressionAttributeValues", 25);
    jout_raw(req, "{", 1);
    msgi_jw_attr(req, false, ":ts", ts);
    msgi_jw_attr(req, true, ":me", me_uuid);
    if (prev[0])
        msgi_jw_attr(req, true, ":prev", prev);
    if (keys) {
        jout_member_key(req, true, ":k", 2);
        jout_json(req, keys);
    }
    for (int i = 0; i < 2; i++) {
        if (pr->nm_raw[i]) {
            jout_member_key(req, true, sv[i], 3);
            jout_json(req, pr->nm_raw[i]);
        }
        if (set[i])
            msgi_jw_attr(req, true, cv[i], names[i]);
    }
    jout_raw(req, "}", 1);
    jout_member_key(req, true, "ExpressionAttributeNames", 24);
    jout_raw(req, "{", 1);
    msgi_jw_str(req, false, nn[0], pr->nm_attr[0]);
    msgi_jw_str(req, true, nn[1], pr->nm_attr[1]);
    if (keys)
        msgi_jw_str(req, true, "#k", idem_name);
    jout_raw(req, "}", 1);
    jout_raw(req, "}}", 2);
}

/* A first message's check that the user row (USER#<uuid>) still has the name the send
 * writes: a rename committed since the send read it cancels the transaction (no pair row
 * yet, so no name there to hold; the rename's Query of its conversations may have missed
 * this one).  The name as stored: a row whose display_name is missing or not an S (u's
 * name_not_s; the send writes "") is held by NOT attribute_type(display_name, S), which a
 * rename (it writes an S) ends.  Before session 29's fix such a row was checked against ""
 * and no first message to or from it ever committed
 * (test_service.c test_first_message_to_a_user_row_without_a_name).  An S the send holds
 * only in part (u's name_odd; a rename writes neither): one holding U+0000 by
 * contains(display_name, "\u0000"), one longer than MSG_NAME_BYTES by its size (past
 * MSG_NAME_MAX in any unit: bytes, UTF-16 units or characters) and what it begins with (the
 * part written); a rename ends both, unless to exactly that part, which the send writes
 * anyway.  Before session 30 both were checked as the part and never held: the first message
 * was a storage error after three tries. */
static void w_user_check(jout *req, const char *table, const msg_user *u)
{
    char pk[64];
    snprintf(pk, sizeof pk, "USER#%s", u->uuid);
    jout_raw(req, ",{\"ConditionCheck\":{", 20);
    msgi_jw_str(req, false, "TableName", table);
    msgi_jw_key(req, pk, "USER");
    msgi_jw_str(req, true, "ConditionExpression",
                u->name_not_s                        ? "NOT attribute_type(display_name, :n)"
                : u->name_odd == MSG_NAME_ODD_NUL    ? "contains(display_name, :n)"
                : u->name_odd == MSG_NAME_ODD_LONG   ? "size(display_name) > :m AND "
                                                       "begins_with(display_name, :n)"
                                                     : "display_name = :n");
    jout_member_key(req, true, "ExpressionAttributeValues", 25);
    jout_raw(req, "{", 1);
    if (u->name_odd == MSG_NAME_ODD_NUL)
        jout_raw(req, "\":n\":{\"S\":\"\\u0000\"}", 19);
    else
        msgi_jw_attr(req, false, ":n", u->name_not_s ? "S" : u->display_name);
    if (u->name_odd == MSG_NAME_ODD_LONG && !u->name_not_s) {
        char m[32];
        int l = snprintf(m, sizeof m, ",\":m\":{\"N\":\"%d\"}", MSG_NAME_MAX);
        jout_raw(req, m, (size_t)l);
    }
    jout_raw(req, "}}}", 3);
}

/* The transaction req sent: TransactionInProgressException is an earlier copy of THIS request
 * (same token; a transport retry overtook it) still being applied.  The same request is sent
 * again until that copy's outcome is replayed, instead of a fresh attempt that would store
 * the message a second time.  (A writer that failed -- out of memory -- is msgi_call_text's
 * ERR_NOMEM.)  The result, *out_extra (the caller's reference) and in as msgi_call_text's. */
static int send_txn_call(msg_service *s, const jout *req, unsigned *seed, json_t **out_extra,
                         err_t *in)
{
    int rc;
    long waited = 0;
    json_t *extra = NULL;
    for (int wait = 0;; wait++) {
        json_decref(extra);
        extra = NULL;
        rc = msgi_call_text(s, "TransactWriteItems", req, NULL, &extra, in);
        if (rc != ERR_TRANSACTION_IN_PROGRESS || waited >= MSG_IN_PROGRESS_WAIT_MS)
            break;
        waited += msgi_in_progress_wait(wait, seed);
    }
    *out_extra = extra;
    return rc;
}

/* The sent message into *out (when given).  0, or ERR_NOMEM. */
static int send_answer(msg_message *out, const char *msg_uuid, const char *group,
                       const char *ts, const msg_user *me, const char *text, err_t *e)
{
    if (!out)
        return 0;
    snprintf(out->uuid, sizeof out->uuid, "%s", msg_uuid);
    snprintf(out->message_group_uuid, sizeof out->message_group_uuid, "%s", group);
    snprintf(out->created_at, sizeof out->created_at, "%s", ts);
    out->sender = *me;
    out->message = strdup(text);
    if (!out->message)
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

/* (messaging_int.h) */
bool msgi_failed_at(const json_t *extra, size_t i, bool unknown)
{
    const json_t *rs = json_object_get(extra, "CancellationReasons");
    if (!json_is_array(rs) || json_array_size(rs) == 0)
        return unknown;
    const char *c = json_string_value(json_object_get(json_array_get(rs, i), "Code"));
    return c && strcmp(c, "ConditionalCheckFailed") == 0;
}

/* The user *u read again (msg_user_by_uuid: the cache's version has moved with a rename's
 * commit).  0, or the error. */
static int send_reread(msg_service *s, msg_user *u, err_t *e)
{
    char uuid[MSG_UUID_LEN + 1];
    memcpy(uuid, u->uuid, sizeof uuid);
    err_t in = {0};
    int rc = msg_user_by_uuid(s, uuid, u, &in);
    if (rc == ERR_NOT_FOUND)
        return msg_fail_rc(e, MSG_E_NOT_FOUND, rc, "the user %s no longer exists", uuid);
    return rc ? msg_err_pass(e, rc, &in) : 0;
}

/* The send's names made current: each user whose name the pair row holds otherwise (a
 * rename's fan-out wrote it, pr->nm), or both when `all`, read again.  0, or the error. */
static int send_fresh_names(msg_service *s, const pair_rd *pr, bool all, msg_user *me,
                            msg_user *other, err_t *e)
{
    msg_user *u[2] = {me, other};
    for (int i = 0; i < 2; i++) {
        int rc;
        if ((all || (pr->nm_raw[i] && strcmp(pr->nm[i], u[i]->display_name) != 0)) &&
            (rc = send_reread(s, u[i], e)))
            return rc;
    }
    return 0;
}

/* Whether a and b hold the same name as read (display_name, name_not_s, name_odd). */
static bool same_name(const msg_user *a, const msg_user *b)
{
    return a->name_not_s == b->name_not_s && a->name_odd == b->name_odd &&
           strcmp(a->display_name, b->display_name) == 0;
}

/* The steps: the request's checks (send_check), the two people (send_parties), then attempts
 * until one commits: the pair row read (an Idempotency-Key's retry answered from it), the
 * recipient's marker (send_their_mark), the message's time, the transaction written
 * (w_message_put, w_pair_put / w_pair_update, conv_delete, conv_put) and sent
 * (send_txn_call). */
static int send_keyed(msg_service *s, const msg_user *sender, const char *sender_uuid,
                      const char *group_in, const char *to_handle, const char *text,
                      const char *at, const char *idem_key, msg_message *out, err_t *e)
{
    int rc;
    msg_user me, other;
    char group_lower[MSG_UUID_LEN + 1];
    if (out)
        memset(out, 0, sizeof *out);
    long long at_us = 0;
    if ((rc = send_check(group_in, to_handle, text, at, idem_key, &at_us, e)))
        return rc;
    if ((rc = send_parties(s, sender, sender_uuid, &group_in, group_lower, to_handle, &me,
                           &other, e)))
        return rc;

    const char *lo = strcmp(me.uuid, other.uuid) < 0 ? me.uuid : other.uuid;
    const char *hi = lo == me.uuid ? other.uuid : me.uuid;
    char pair_pk[128], idem_name[64], idem_pk[64], nm_me[64], nm_other[64];
    snprintf(pair_pk, sizeof pair_pk, "PAIR#%s#%s", lo, hi);
    snprintf(nm_me, sizeof nm_me, "name_%s", me.uuid);
    snprintf(nm_other, sizeof nm_other, "name_%s", other.uuid);
    bool reread = false; /* a first message was cancelled: read both users again */
    int checks_stuck = 0; /* re-reads that found both users as they were */
    snprintf(idem_name, sizeof idem_name, "idem_%s", me.uuid);
    snprintf(idem_pk, sizeof idem_pk, "IDEM#%s", me.uuid);
    bool keyed_race = false; /* a keyed attempt was cancelled: look for the key's row */
    pair_rd pr = {0};
    json_t *idem = NULL; /* the pair row's list of the sender's keys (pr.idem), when idem_key */
    char msg_uuid[MSG_UUID_LEN + 1];
    msgi_uuid(msg_uuid);
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    char group[MSG_UUID_LEN + 1], ts[MSG_TS_LEN + 1], prev[MSG_TS_LEN + 1];
    bool guess = true; /* the recipient's marker may be taken from the pair row's last_from */

    for (int attempt = 0;; attempt++) {
        bool guessed = false;
        if (attempt >= s->cfg.max_retries) {
            rc = msg_failf(e, MSG_E_CONFLICT,
                            "too many concurrent writes to this conversation, try again");
            goto done;
        }
        if (attempt > 0)
            msgi_race_backoff(attempt, &seed);
        pair_rd_fini(&pr);
        idem = NULL;
        pr = (pair_rd){.idem_name = idem_key ? idem_name : NULL, .nm_attr = {nm_me, nm_other}};
        api_sink pair_sink = {.item = pair_item, .ctx = &pr};
        if ((rc = msgi_get_item_sink(s, pair_pk, "PAIR", &pair_sink, e)))
            goto done;
        bool first = !pr.found;
        prev[0] = 0;
        idem = pr.idem;
        /* the names written are the user rows': read again when a rename may have come
         * since they were read (the pair row names someone otherwise, or a first message's
         * check of them failed), as the pair row's condition or the check then cancels the
         * send (msg_user_rename) */
        msg_user was[2] = {me, other};
        if ((rc = send_fresh_names(s, &pr, reread, &me, &other, e)))
            goto done;
        /* a check that failed while the rows read the same: a name the check cannot hold
         * (an S longer than a name, cut to "" when read), not a rename -- a storage error
         * after a few tries, not cfg.max_retries attempts */
        if (reread && same_name(&was[0], &me) && same_name(&was[1], &other) &&
            ++checks_stuck >= 3) {
            rc = msg_failf(e, MSG_E_STORAGE,
                           "a first message's check of the user rows of %s and %s keeps "
                           "failing while they read the same (a display_name the service "
                           "cannot read?)",
                           me.uuid, other.uuid);
            goto done;
        }
        reread = false;
        if (pr.found) {
            bool ok = pr.has_group;
            memcpy(group, pr.group, sizeof group);
            memcpy(prev, pr.prev, sizeof prev);
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
        if (keyed_race) { /* perhaps the key's row cancelled it (w_idem_rows) */
            bool found;
            rc = idem_elsewhere(s, &me, idem_pk, idem_key, group, text, &found, out, e);
            if (rc || found)
                goto done;
        }
        conv_mark theirs;
        bool again = false;
        if ((rc = send_their_mark(s, other.uuid, prev, pr.last_from, group, guess, &theirs,
                                  &guessed, &again, e)))
            goto done;
        if (again)
            continue;
        /* a retry never reuses a seeded time: it may be the one that collided */
        long long t = at ? at_us + attempt : msg_now_usec();
        /* after the last message, and after the last one deleted (the pair row's top_at,
         * service_delete.c): a stream that delivered the deleted one is at its time, and
         * a writer whose clock is behind would go under it (review30b LOW,
         * test_service.c test_send_after_a_deleted_last_message_is_later) */
        const char *floors[2] = {prev, pr.top};
        for (int i = 0; i < 2; i++) {
            long long p;
            if (floors[i][0] && msg_ts_parse(floors[i], &p, NULL) == 0 && t <= p)
                t = p + 1;
        }
        msg_ts_format(t, ts);

        /* with a key, the pair row's write also stores it (idem_list) */
        json_t *keys = idem_key ? idem_list(idem, idem_key, ts, msg_uuid) : NULL;
        if (idem_key && !keys) {
            conv_mark_fini(&theirs);
            rc = err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        jout req;
        jout_init(&req, 0);
        jout_raw(&req, "{\"TransactItems\":[", 18);
        w_message_put(&req, s->table, group, ts, msg_uuid, text, &me);
        if (first) {
            w_pair_put(&req, s->table, pair_pk, group, ts, me.uuid, idem_name, keys);
            w_user_check(&req, s->table, &me);
            w_user_check(&req, s->table, &other);
        } else {
            const char *names[2] = {me.display_name, other.display_name};
            w_pair_update(&req, s->table, pair_pk, ts, me.uuid, prev, idem_name, keys, &pr,
                          names);
            if (prev[0]) {
                conv_delete(&req, s->table, me.uuid, prev, group, NULL);
                conv_delete(&req, s->table, other.uuid, prev, group, &theirs);
            }
        }
        json_decref(keys);
        /* the key row's Put follows the message, the pair row and either the two checks (a
         * first message) or the two Deletes (CancellationReasons are in this order) */
        int idem_at = 2 + (first || prev[0] ? 2 : 0);
        if (idem_key)
            w_idem_rows(&req, s->table, idem_pk, idem_key, group, ts, msg_uuid, idem);
        /* one's own message reads everything before it; the other person has one more */
        conv_put(&req, s->table, me.uuid, ts, group, &other, text, ts, 0);
        conv_put(&req, s->table, other.uuid, ts, group, &me, text, theirs.read_to,
                 theirs.unread + 1);
        conv_mark_fini(&theirs); /* written into req */
        /* a fresh token per attempt: a transport-level retry of this very request (the
         * remote client retries 5xx/timeouts) is then idempotent instead of a duplicate */
        char token[MSG_UUID_LEN + 1];
        msgi_uuid(token);
        jout_raw(&req, "]", 1);
        msgi_jw_str(&req, true, "ClientRequestToken", token);
        jout_raw(&req, "}", 1);
        err_t in;
        json_t *extra;
        rc = send_txn_call(s, &req, &seed, &extra, &in);
        jout_fini(&req);
        /* a race with another writer is retried; a throttled or failed transaction is the
         * answer (msgi_write_outcome) */
        int w = msgi_write_outcome(rc, extra);
        /* what failed its condition, by its place in TransactItems: the users read again
         * only when a first message's check of them did, the key's row read only when its
         * Put did (before session 29, after every cancelled keyed attempt) */
        /* (no reasons given: it may have been either) */
        bool checks_failed =
            first && (msgi_failed_at(extra, 2, true) || msgi_failed_at(extra, 3, true));
        bool key_failed = idem_key && msgi_failed_at(extra, (size_t)idem_at, true);
        json_decref(extra);
        if (w == 0)
            break;
        if (w != MSGI_RACED) {
            rc = msgi_storage(e, w, &in);
            goto done;
        }
        if (guessed) /* perhaps the marker taken for theirs was not: read it from now on */
            guess = false;
        reread = checks_failed;
        keyed_race = key_failed;
    }
    msgi_unread_forget(s, me.uuid); /* committed: both users' rows moved */
    msgi_unread_forget(s, other.uuid);
    if (s->events) { /* committed: both users' event streams look now (events.h) */
        msg_events_hint(s->events, me.uuid, false);
        msg_events_hint(s->events, other.uuid, false);
    }
    rc = send_answer(out, msg_uuid, group, ts, &me, text, e);
done:
    pair_rd_fini(&pr);
    return rc;
}
