/*
 * service_delete — deleting one's own message (msg_delete_message): the message row and,
 * in the same TransactWriteItems, what the write protocol (service_send.c) keeps about it:
 * the recipient's unread count, and when it was the conversation's last message the pair
 * row's last_message_at / last_from and both conversation rows (pattern D), moved back to
 * the previous message, or, when none is left, emptied where they are (the conversation
 * stays both people's, at its last time, with no message).  Layer: messaging (part of the
 * service, service.h).
 *
 * Invariants kept (README "Deleting a message"): a conversation row is at its conversation's
 * newest message with that message's text, one per participant; the pair row's
 * last_message_at is that message's time; `unread` counts the other person's messages after
 * read_to.  The guards that serialise a delete with the other writers of the conversation:
 * the pair row's last_message_at (a ConditionCheck `> :ts` when the message is not the last,
 * an Update conditioned `= :ts` when it is: a send or another delete that moved it cancels
 * this one) and every conversation row written, held exactly as read (group, the other
 * person's name, the read marker: a mark-read or a rename in between cancels it).  A
 * cancelled transaction is read again and retried, as a send is.
 * DynamoDB documents used: TransactWriteItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html),
 * Query (.../API_Query.html), GetItem (.../API_GetItem.html).
 */
#include "messaging/messaging_int.h"
#include "messaging/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One conversation row as read (a consistent GetItem) and its marker by the one rule
 * (msgi_conv_mark). */
typedef struct del_row {
    json_t *row; /* NULL: not there, or not this group's */
    char read_to[MSG_TS_LEN + 1];
    long long unread;
} del_row;

static int del_row_get(msg_service *s, const char *owner, const char *at, const char *group,
                       del_row *r, err_t *e)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    memset(r, 0, sizeof *r);
    int rc = msgi_get_item(s, pk, at, &r->row, e);
    if (rc)
        return rc;
    const char *g = r->row ? msgi_item_s(r->row, "message_group_uuid") : NULL;
    if (!g || strcmp(g, group) != 0) {
        json_decref(r->row);
        r->row = NULL;
        return 0;
    }
    msgi_conv_mark(r->row, r->read_to, &r->unread);
    return 0;
}

/* The condition that the row is still as read: its group, the other person's name (a rename
 * writes it), its read marker (a mark-read writes it), each as stored or absent.  Appends
 * to cond (n bytes) and the values to vals under :<p>d, :<p>r, :<p>n. */
static int hold_row(const del_row *r, char p, char *cond, size_t n, json_t *vals, json_t *names)
{
    static const char *const attr[3] = {"user_display_name", "read_to", "unread"};
    static const char sfx[3] = {'d', 'r', 'n'};
    size_t l = strlen(cond);
    int w = snprintf(cond + l, n - l, "%smessage_group_uuid = :%cg", l ? " AND " : "", p);
    char k[8];
    snprintf(k, sizeof k, ":%cg", p);
    json_object_set(vals, k, json_object_get(r->row, "message_group_uuid"));
    for (int i = 0; i < 3 && w > 0; i++) {
        l = strlen(cond);
        char nm[8];
        snprintf(nm, sizeof nm, "#%c%c", p, sfx[i]);
        json_object_set_new(names, nm, json_string(attr[i]));
        const json_t *v = json_object_get(r->row, attr[i]);
        if (v) {
            snprintf(k, sizeof k, ":%c%c", p, sfx[i]);
            w = snprintf(cond + l, n - l, " AND %s = %s", nm, k);
            json_object_set(vals, k, (json_t *)v);
        } else
            w = snprintf(cond + l, n - l, " AND attribute_not_exists(%s)", nm);
    }
    return w > 0 && strlen(cond) < n - 1 ? 0 : -1;
}

/* {"N": "<v>"} */
static json_t *num(long long v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", v);
    return json_pack("{s:s}", "N", b);
}

/* The owner's conversation row moved back to the previous message p (sk p_sk, text p_text):
 * a copy of the row as read with that key and text; its read marker capped at p (nothing
 * after it is left: unread 0), or else, for the deleted message's recipient who had not read
 * it (read_to before ts), one unread fewer. */
static json_t *moved_row(const del_row *r, const char *p_sk, json_t *p_text, bool recipient,
                         const char *ts)
{
    json_t *it = json_deep_copy(r->row);
    if (!it)
        return NULL;
    json_object_set_new(it, "sk", msgi_s(p_sk));
    json_object_set(it, "message", p_text);
    if (r->read_to[0] && strcmp(r->read_to, p_sk) > 0) {
        json_object_set_new(it, "read_to", msgi_s(p_sk));
        json_object_set_new(it, "unread", num(0));
    } else if (recipient && strcmp(r->read_to, ts) < 0 && r->unread > 0)
        json_object_set_new(it, "unread", num(r->unread - 1));
    return it;
}

/* The previous message of the conversation before ts (a consistent Query, Limit 1, newest
 * first): *out a new reference, NULL when ts was the first. */
static int prev_message(msg_service *s, const char *group, const char *ts, json_t **out, err_t *e)
{
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    *out = NULL;
    json_t *resp;
    int rc = msgi_request(
        s, "Query",
        json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s}},s:i,s:b,s:b}", "TableName", s->table,
                  "KeyConditionExpression", "pk = :pk AND sk < :ts", "ExpressionAttributeValues",
                  ":pk", "S", pk, ":ts", "S", ts, "Limit", 1, "ScanIndexForward", 0,
                  "ConsistentRead", 1),
        &resp, e);
    if (rc)
        return rc;
    json_t *it = json_array_get(json_object_get(resp, "Items"), 0);
    *out = json_incref(it);
    json_decref(resp);
    return 0;
}

/* The transaction's Delete of the message, conditioned on its sender being `me`. */
static json_t *item_delete_message(const char *table, const char *group, const char *ts,
                                   const char *me)
{
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    return json_pack("{s:{s:s,s:o,s:s,s:{s:{s:s}}}}", "Delete", "TableName", table, "Key",
                     msgi_key2(pk, ts), "ConditionExpression", "user_uuid = :me",
                     "ExpressionAttributeValues", ":me", "S", me);
}

/* The start of a write of owner's conversation row r (item_row, item_row_emptied): its
 * partition key into pk, and the condition that holds it as read (hold_row, prefix p) into
 * cond with its values and names (*vals, *names: new objects).  false: out of memory (none
 * left to free). */
static bool held_row(const char *owner, const del_row *r, char p, char pk[64], char cond[512],
                     json_t **vals, json_t **names)
{
    snprintf(pk, 64, "GRP#%s", owner);
    cond[0] = 0;
    *vals = json_object();
    *names = json_object();
    if (*vals && *names && hold_row(r, p, cond, 512, *vals, *names) == 0)
        return true;
    json_decref(*vals);
    json_decref(*names);
    return false;
}

/* A conversation row's write conditioned on the row as read (held_row): kind "Delete" (no
 * more) or "Update" with upd (SET unread = :x, value x). */
static json_t *item_row(const char *table, const char *owner, const char *at, const del_row *r,
                        char p, long long x)
{
    char pk[64], cond[512];
    json_t *vals, *names;
    if (!held_row(owner, r, p, pk, cond, &vals, &names))
        return NULL;
    if (x < 0)
        return json_pack("{s:{s:s,s:o,s:s,s:o,s:o}}", "Delete", "TableName", table, "Key",
                         msgi_key2(pk, at), "ConditionExpression", cond,
                         "ExpressionAttributeValues", vals, "ExpressionAttributeNames", names);
    json_object_set_new(vals, ":x", num(x));
    json_object_set_new(names, "#x", json_string("unread"));
    return json_pack("{s:{s:s,s:o,s:s,s:s,s:o,s:o}}", "Update", "TableName", table, "Key",
                     msgi_key2(pk, at), "UpdateExpression", "SET #x = :x", "ConditionExpression",
                     cond, "ExpressionAttributeValues", vals, "ExpressionAttributeNames", names);
}

/* A conversation row emptied in place (the conversation's only message deleted): at its key,
 * held as read (held_row), its last message's text removed, unread 0 (no message is left to
 * count), a read_to past ts capped at it (a later message must count as unread). */
static json_t *item_row_emptied(const char *table, const char *owner, const char *ts,
                                const del_row *r, char p)
{
    char pk[64], cond[512], upd[96];
    json_t *vals, *names;
    if (!held_row(owner, r, p, pk, cond, &vals, &names))
        return NULL;
    bool cap = r->read_to[0] && strcmp(r->read_to, ts) > 0;
    /* hold_row named read_to #<p>r and unread #<p>n */
    if (cap)
        snprintf(upd, sizeof upd, "REMOVE #m SET #%cn = :x, #%cr = :t", p, p);
    else
        snprintf(upd, sizeof upd, "REMOVE #m SET #%cn = :x", p);
    json_object_set_new(names, "#m", json_string("message"));
    json_object_set_new(vals, ":x", num(0));
    if (cap)
        json_object_set_new(vals, ":t", msgi_s(ts));
    return json_pack("{s:{s:s,s:o,s:s,s:s,s:o,s:o}}", "Update", "TableName", table, "Key",
                     msgi_key2(pk, ts), "UpdateExpression", upd, "ConditionExpression", cond,
                     "ExpressionAttributeValues", vals, "ExpressionAttributeNames", names);
}

/* One attempt's transaction (items consumed) sent: 0 committed, MSGI_RACED, or the error.
 * failed (may be NULL): on MSGI_RACED, a bit per item (1u << index, the first 32) whose
 * cancellation reason is ConditionalCheckFailed (0: none said). */
static int del_commit(msg_service *s, json_t *items, unsigned *failed, err_t *e)
{
    if (failed)
        *failed = 0;
    if (!items)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_is_null(json_array_get(items, i))) {
            json_decref(items);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
    char token[MSG_UUID_LEN + 1];
    msgi_uuid(token);
    json_t *resp = NULL;
    err_t in;
    int rc = msgi_call(s, "TransactWriteItems",
                       json_pack("{s:o,s:s}", "TransactItems", items, "ClientRequestToken", token),
                       &resp, &in);
    int w = msgi_write_outcome(rc, resp);
    const json_t *rs = json_object_get(resp, "CancellationReasons");
    for (size_t i = 0; failed && w == MSGI_RACED && i < json_array_size(rs) && i < 32; i++) {
        const char *c = json_string_value(json_object_get(json_array_get(rs, i), "Code"));
        if (c && strcmp(c, "ConditionalCheckFailed") == 0)
            *failed |= 1u << i;
    }
    json_decref(resp);
    if (w == 0 || w == MSGI_RACED)
        return w;
    return msgi_storage(e, w, &in);
}

/* Whether owner's conversation row at `at` is another conversation's than group's (a message
 * of it at that very microsecond): *out.  The backend's errors. */
static int taken_by_another(msg_service *s, const char *owner, const char *at, const char *group,
                            bool *out, err_t *e)
{
    char pk[64];
    snprintf(pk, sizeof pk, "GRP#%s", owner);
    json_t *row;
    int rc = msgi_get_item(s, pk, at, &row, e);
    const char *g = row ? msgi_item_s(row, "message_group_uuid") : NULL;
    *out = !rc && row && (!g || strcmp(g, group) != 0);
    json_decref(row);
    return rc;
}

/* json_array_append_new that keeps a NULL (out of memory) as a JSON null, which del_commit
 * refuses: the transaction is never sent without one of its items. */
static void add(json_t *items, json_t *it)
{
    json_array_append_new(items, it ? it : json_null());
}

/* The delete of a message that is not the conversation's last (last: the pair row's
 * last_message_at): the message, and the recipient's unread count when they had not read it
 * (their row, at last, held as read).  0 / MSGI_RACED / the error. */
static int del_middle(msg_service *s, const char *me, const char *other, const char *group,
                      const char *ts, const char *pair_pk, const char *last, err_t *e)
{
    del_row theirs;
    int rc = del_row_get(s, other, last, group, &theirs, e);
    if (rc)
        return rc;
    if (!theirs.row)
        return MSGI_RACED; /* a message moved it since the pair row was read */
    json_t *items = json_array();
    add(items, item_delete_message(s->table, group, ts, me));
    /* still not the last: a delete of the newer messages in between cancels this one */
    add(items, json_pack("{s:{s:s,s:o,s:s,s:{s:{s:s},s:{s:s}}}}", "ConditionCheck", "TableName",
                         s->table, "Key", msgi_key2(pair_pk, "PAIR"), "ConditionExpression",
                         "group_uuid = :g AND last_message_at > :ts", "ExpressionAttributeValues",
                         ":g", "S", group, ":ts", "S", ts));
    if (strcmp(theirs.read_to, ts) < 0 && theirs.unread > 0)
        add(items, item_row(s->table, other, last, &theirs, 'b', theirs.unread - 1));
    rc = del_commit(s, items, NULL, e);
    json_decref(theirs.row);
    return rc;
}

/* The delete of the conversation's last message ts: the pair row, both conversation rows
 * moved back to the previous message, in one transaction.  When there is none, the rows stay
 * at ts emptied (item_row_emptied) and the pair row keeps last_message_at = ts (so a send's
 * guard `last_message_at = :prev` and its Deletes of the rows at prev hold as after any
 * message) and loses last_from; before session 30 both rows were deleted and the uuid
 * answered 404 to both people (test_messaging_delete.py::
 * test_the_only_message_deleted_leaves_the_conversation).  0 / MSGI_RACED / the error. */
static int del_last(msg_service *s, const char *me, const char *other, const char *group,
                    const char *ts, const char *pair_pk, const char *top, err_t *e)
{
    json_t *p = NULL;
    del_row mine = {0}, theirs = {0};
    int rc;
    if ((rc = prev_message(s, group, ts, &p, e)) ||
        (rc = del_row_get(s, me, ts, group, &mine, e)) ||
        (rc = del_row_get(s, other, ts, group, &theirs, e)))
        goto done;
    if (!mine.row || !theirs.row) {
        rc = MSGI_RACED; /* moved since the pair row was read */
        goto done;
    }
    const char *p_sk = p ? msgi_item_s(p, "sk") : NULL,
               *p_from = p ? msgi_item_s(p, "user_uuid") : NULL;
    json_t *p_text = p ? json_object_get(p, "message") : NULL;
    if (p && (!p_sk || strlen(p_sk) != MSG_TS_LEN || !p_from || !p_text)) {
        rc = msg_failf(e, MSG_E_STORAGE, "the message before %s in %s is malformed", ts, group);
        goto done;
    }
    json_t *items = json_array();
    add(items, item_delete_message(s->table, group, ts, me));
    add(items,
        p ? json_pack("{s:{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}}", "Update",
                      "TableName", s->table, "Key", msgi_key2(pair_pk, "PAIR"), "UpdateExpression",
                      "SET last_message_at = :p, last_from = :f, top_at = :top",
                      "ConditionExpression", "group_uuid = :g AND last_message_at = :ts",
                      "ExpressionAttributeValues", ":g", "S", group, ":ts", "S", ts, ":p", "S",
                      p_sk, ":f", "S", p_from, ":top", "S", top)
          : json_pack("{s:{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}}", "Update", "TableName",
                      s->table, "Key", msgi_key2(pair_pk, "PAIR"), "UpdateExpression",
                      "REMOVE last_from SET top_at = :top", "ConditionExpression",
                      "group_uuid = :g AND last_message_at = :ts", "ExpressionAttributeValues",
                      ":g", "S", group, ":ts", "S", ts, ":top", "S", top));
    if (!p) { /* none left: both rows stay at ts, emptied, as the pair row's time stays */
        add(items, item_row_emptied(s->table, me, ts, &mine, 'a'));
        add(items, item_row_emptied(s->table, other, ts, &theirs, 'b'));
    } else {
        add(items, item_row(s->table, me, ts, &mine, 'a', -1));
        add(items, item_row(s->table, other, ts, &theirs, 'b', -1));
        /* p still there: a delete of p that commits first cancels this one, which reads
         * again and moves to the message before p (else both rows kept p's deleted text:
         * review30b, test_delete_races_injected "...the previous deleted meanwhile"); a delete
         * of p after it is held by its own `last_message_at > :ts` */
        char msg_pk[64];
        snprintf(msg_pk, sizeof msg_pk, "MSG#%s", group);
        add(items,
            json_pack("{s:{s:s,s:o,s:s}}", "ConditionCheck", "TableName", s->table, "Key",
                      msgi_key2(msg_pk, p_sk), "ConditionExpression", "attribute_exists(pk)"));
        /* attribute_not_exists: (GRP#owner, p_sk) may be another conversation's row at the
         * same microsecond; that cancels, never overwrites it (below) */
        json_t *rows[2] = {moved_row(&mine, p_sk, p_text, false, ts),
                           moved_row(&theirs, p_sk, p_text, true, ts)};
        for (int i = 0; i < 2; i++)
            add(items, rows[i]
                           ? json_pack("{s:{s:s,s:o,s:s}}", "Put", "TableName", s->table, "Item",
                                       rows[i], "ConditionExpression", "attribute_not_exists(pk)")
                           : NULL);
    }
    unsigned failed;
    rc = del_commit(s, items, &failed, e);
    /* only a Put of the moved rows failed (items 5 and 6: mine, theirs), and the key holds
     * another conversation's row (its message at p's microsecond): no retry can move the
     * rows there until that conversation moves on; 409 at once.  Before session 31 the
     * delete read and tried again max_retries times (200), to the same conflict
     * (test_service.c test_delete_last_when_the_previous_time_is_taken). */
    bool taken = false;
    for (int i = 0; p && rc == MSGI_RACED && failed && !(failed & ~(3u << 5)) && !taken && i < 2;
         i++)
        if ((failed & (1u << (5 + i))) &&
            (rc = taken_by_another(s, i ? other : me, p_sk, group, &taken, e)) == 0 && !taken)
            rc = MSGI_RACED;
    if (taken)
        rc = msg_failf(e, MSG_E_CONFLICT,
                       "the message before it was sent at the same microsecond as another "
                       "conversation's last message; it can be deleted once that one has a "
                       "newer message");
done:
    json_decref(p);
    json_decref(mine.row);
    json_decref(theirs.row);
    return rc;
}

/* The live event "delete" to both participants' streams in this process (events.h; other
 * processes' streams get it from the message row's REMOVE record in a table stream). */
static void del_events(msg_service *s, const char *me, const char *other, const char *group,
                       const char *ts)
{
    if (!s->events)
        return;
    msg_events_deleted(s->events, me, group, ts);
    msg_events_deleted(s->events, other, group, ts);
}

int msg_delete_message(msg_service *s, const char *me, const char *group_in, const char *created_at,
                       bool *out_deleted, err_t *e)
{
    int rc;
    if (out_deleted)
        *out_deleted = false;
    if (!group_in || !msgi_is_uuid(group_in))
        return msgi_bad_group_id(e, group_in ? group_in : "");
    char group[MSG_UUID_LEN + 1], ts[MSG_TS_LEN + 1];
    msgi_uuid_lower(group_in, group);
    long long us;
    if ((rc = msg_ts_parse_rfc3339(created_at, &us, e)))
        return rc;
    msg_ts_format(us, ts);
    char other[MSG_UUID_LEN + 1];
    bool ok;
    if ((rc = msgi_find_partner(s, me, group, other, sizeof other, &ok, e)))
        return rc;
    if (!ok)
        return msg_fail(e, MSG_E_NOT_FOUND);
    const char *lo = strcmp(me, other) < 0 ? me : other, *hi = lo == me ? other : me;
    char pair_pk[128], msg_pk[64];
    snprintf(pair_pk, sizeof pair_pk, "PAIR#%s#%s", lo, hi);
    snprintf(msg_pk, sizeof msg_pk, "MSG#%s", group);
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    bool disagreed = false; /* the last attempt found ts there and the pair row before it */
    for (int attempt = 0;; attempt++) {
        if (attempt >= s->cfg.max_retries)
            return msg_failf(e, MSG_E_CONFLICT,
                             "too many concurrent writes to this conversation, try again");
        if (attempt > 0)
            msgi_race_backoff(attempt, &seed);
        json_t *m;
        if ((rc = msgi_get_item(s, msg_pk, ts, &m, e)))
            return rc;
        if (!m)
            return 0; /* gone already: deleting it again is no error */
        const char *from = msgi_item_s(m, "user_uuid");
        bool mine = from && strcmp(from, me) == 0;
        json_decref(m);
        if (!mine)
            return msg_fail(e, MSG_E_NOT_YOUR_MESSAGE);
        json_t *pair;
        if ((rc = msgi_get_item(s, pair_pk, "PAIR", &pair, e)))
            return rc;
        char last[MSG_TS_LEN + 1] = "", top[MSG_TS_LEN + 1] = "";
        const char *g = msgi_item_s(pair, "group_uuid");
        /* top_at: the newest last message deleted, kept at the highest (a send goes after it:
         * service_send.c); held by the pair row's `last_message_at = :ts`, which every
         * writer of top_at moves */
        if (!msgi_copy_s(pair, "top_at", top, sizeof top) || strcmp(top, ts) < 0)
            snprintf(top, sizeof top, "%s", ts);
        bool found =
            g && strcmp(g, group) == 0 && msgi_copy_s(pair, "last_message_at", last, sizeof last);
        json_decref(pair);
        int c = found ? strcmp(last, ts) : -1;
        if (c < 0) {
            /* the pair row names no message, or one before ts, while ts was there: another
             * delete of ts (or of everything up to it) committed between the two reads (a
             * send writes the message and the pair row at once).  Read again: gone is 204
             * (it was 500 storage: review30b, test_delete_same_message_at_once).  Still
             * there on the next reading too: the pair row is damaged. */
            if (disagreed)
                return found ? msg_failf(e, MSG_E_STORAGE,
                                         "the pair row %s says %s is the last message, before %s",
                                         pair_pk, last, ts)
                             : msg_failf(e, MSG_E_STORAGE,
                                         "the pair row %s does not name the conversation %s's "
                                         "last message",
                                         pair_pk, group);
            disagreed = true;
            continue;
        }
        disagreed = false;
        rc = c > 0 ? del_middle(s, me, other, group, ts, pair_pk, last, e)
                   : del_last(s, me, other, group, ts, pair_pk, top, e);
        if (rc == 0)
            break;
        if (rc != MSGI_RACED)
            return rc;
    }
    msgi_unread_forget(s, me);
    msgi_unread_forget(s, other);
    del_events(s, me, other, group, ts);
    if (out_deleted)
        *out_deleted = true;
    return 0;
}
