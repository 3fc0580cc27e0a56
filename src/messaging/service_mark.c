/*
 * service_mark — read markers: how far a user has read each of their conversations, kept on
 * their own conversation row (read_to, unread) so that pattern B lists it at no extra read.
 * Layer: messaging (part of the service, service.h msg_mark_read: the contract).
 *
 * Invariants (with service_send.c, which moves the rows): a marker only moves forward; the
 * sender's row is read to their own new message (unread 0); the recipient's new row carries
 * their marker over with unread + 1, and the send's Delete of their old row is conditioned on
 * the marker it read, so a mark-read and a send never lose each other's write (whichever
 * commits second fails its condition and is retried after a fresh read).  unread counts only
 * the other person's messages after read_to.
 * DynamoDB documents used: UpdateItem's condition expressions
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html),
 * Query with Select COUNT (.../APIReference/API_Query.html).
 */
#include "messaging/messaging_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The other person's messages of `group` created after `after` (a consistent Query, Select
 * COUNT, every page). */
static int count_after(msg_service *s, const char *group, const char *me, const char *after,
                       long long *out, err_t *e)
{
    *out = 0;
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    json_t *esk = NULL;
    for (;;) {
        json_t *req = json_pack("{s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:s, s:b}",
                                "TableName", s->table, "KeyConditionExpression",
                                "pk = :pk AND sk > :t", "FilterExpression", "user_uuid <> :me",
                                "ExpressionAttributeValues", ":pk", "S", pk, ":t", "S", after,
                                ":me", "S", me, "Select", "COUNT", "ConsistentRead", 1);
        if (req && esk)
            json_object_set_new(req, "ExclusiveStartKey", esk);
        else
            json_decref(esk);
        json_t *resp;
        err_t in;
        int rc = msgi_call(s, "Query", req, &resp, &in);
        if (rc) {
            json_decref(resp);
            return msgi_storage(e, rc, &in);
        }
        *out += json_integer_value(json_object_get(resp, "Count"));
        esk = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (!esk)
            return 0;
    }
}

/* SET read_to = want, unread = n on the row (GRP#me, at), if it is still there (a send moves
 * it) and its read_to is older -- or, old not NULL, still the read_to read from it (stored
 * as DynamoDB JSON), which msgi_mark_parse's rule refused: a row whose read_to is no
 * marker (written by hand, imported) reads as "never marked", and is marked, instead of
 * failing "older than" forever and answering conflict.  *moved: the condition failed, or a send's transaction held
 * the row (TransactionConflictException: DynamoDB refuses a write to an item a transaction is
 * writing; or in progress): read again. */
static int mark_update(msg_service *s, const char *me, const char *at, const char *group,
                       const char *want, long long n, json_t *old, bool *moved, err_t *e)
{
    *moved = false;
    char pk[64], num[24];
    snprintf(pk, sizeof pk, "GRP#%s", me);
    snprintf(num, sizeof num, "%lld", n);
    json_t *req = json_pack(
        "{s:s, s:o, s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "TableName", s->table, "Key",
        msgi_key2(pk, at), "UpdateExpression", "SET read_to = :t, unread = :n",
        "ConditionExpression",
        old ? "message_group_uuid = :g AND (attribute_not_exists(read_to) OR read_to < :t OR "
              "read_to = :o)"
            : "message_group_uuid = :g AND (attribute_not_exists(read_to) OR read_to < :t)",
        "ExpressionAttributeValues", ":t", "S", want, ":n", "N", num, ":g", "S", group);
    if (req && old)
        json_object_set(json_object_get(req, "ExpressionAttributeValues"), ":o", old);
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "UpdateItem", req, &resp, &in);
    json_decref(resp);
    if (rc == ERR_CONDITIONAL_CHECK_FAILED || rc == ERR_TRANSACTION_CONFLICT ||
        rc == ERR_TRANSACTION_IN_PROGRESS) {
        *moved = true;
        return 0;
    }
    return rc ? msgi_storage(e, rc, &in) : 0;
}

int msg_mark_read(msg_service *s, const char *viewer_uuid, const char *group,
                  const char *read_to, char *out_read_to, long long *out_unread, err_t *e)
{
    out_read_to[0] = 0;
    *out_unread = 0;
    if (!group || !msgi_is_uuid(group))
        return msgi_bad_group_id(e, group);
    long long t_us;
    if (!read_to || msg_ts_parse_rfc3339(read_to, &t_us, NULL))
        return msg_failf(e, MSG_E_BAD_TIMESTAMP,
                         "read_to must be a time like 2026-11-26T12:34:56.123456Z");
    if (!viewer_uuid || !*viewer_uuid || strlen(viewer_uuid) > 200)
        return msg_fail(e, MSG_E_UNKNOWN_USER);
    if (t_us < 0) /* before 1970 (Go's zero time): before every message */
        t_us = 0;
    char lower[MSG_UUID_LEN + 1]; /* stored uuids are lower case; input may be either */
    msgi_uuid_lower(group, lower);
    char want_in[MSG_TS_LEN + 1];
    msg_ts_format(t_us, want_in);
    if (strlen(want_in) != MSG_TS_LEN) /* past year 9999: past every message */
        snprintf(want_in, sizeof want_in, "9999-12-31T23:59:59.999999Z");
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    for (int attempt = 0;; attempt++) {
        if (attempt >= s->cfg.max_retries)
            return msg_failf(e, MSG_E_CONFLICT,
                             "too many concurrent writes to this conversation, try again");
        if (attempt > 0) /* a send moved the row meanwhile */
            msgi_race_backoff(attempt, &seed);
        json_t *row;
        int rc = msgi_find_my_row_keyed(s, viewer_uuid, lower, &row, e);
        if (rc)
            return rc;
        if (!row)
            return msg_fail(e, MSG_E_NOT_FOUND);
        char at[MSG_TS_LEN + 1], cur[MSG_TS_LEN + 1];
        long long cur_n;
        bool ok = msgi_copy_s(row, "sk", at, sizeof at);
        msgi_conv_mark(row, cur, &cur_n);
        /* a read_to the rule refused: the update's condition holds it as stored */
        json_t *old = cur[0] || !ok ? NULL : json_incref(json_object_get(row, "read_to"));
        json_decref(row);
        if (!ok)
            return msg_failf(e, MSG_E_STORAGE, "a conversation row without its sort key");
        /* read up to the last message at most; never back */
        const char *want = strcmp(want_in, at) > 0 ? at : want_in;
        if (cur[0] && strcmp(want, cur) <= 0) { /* (old is NULL) */
            memcpy(out_read_to, cur, sizeof cur);
            *out_unread = cur_n;
            return 0;
        }
        long long n = 0;
        if (strcmp(want, at) < 0 && (rc = count_after(s, lower, viewer_uuid, want, &n, e))) {
            json_decref(old);
            return rc;
        }
        bool moved;
        rc = mark_update(s, viewer_uuid, at, lower, want, n, old, &moved, e);
        json_decref(old);
        if (rc)
            return rc;
        if (!moved) {
            memcpy(out_read_to, want, MSG_TS_LEN + 1);
            *out_unread = n;
            return 0;
        }
    }
}
