/*
 * service_users — users: registering one (msg_user_add), finding one by uuid (with the
 * version-checked cache every REST request's caller lookup uses) or by handle in any case,
 * and folding the handle rows of tables written before handles were case-insensitive.
 * Layer: messaging (part of the service, service.h: the user and handle rows).
 * DynamoDB documents used: TransactWriteItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html),
 * GetItem (.../API_GetItem.html), Scan (.../API_Scan.html).
 */
#include "messaging/messaging_int.h"
#include "messaging/events.h"
#include "api/api.h"
#include "base/log.h"
#include "base/siphash.h"
#include "value/av.h"
#include "value/jout.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- handles: case-insensitive ----------------------------------------------------------
 *
 * A handle names one user whatever case it is typed in.  Its uniqueness row is keyed by the
 * handle in lower case (handles are ASCII: A-Z a-z 0-9 _ . -, so folding is ASCII's), the
 * user row keeps the handle as registered (what is shown).  Rows written before this, keyed
 * by the handle as typed, keep working: a lookup reads the key as typed first (one GetItem
 * when typed in lower case), then the lower-case key.  To find those by any case and refuse
 * their variants, the table is folded once (handles_fold): every handle row with an
 * upper-case letter gets a lower-case twin, unless another user holds that key already (two
 * users registered Twin and twin before: each keeps its spelling, the lower-case key stays
 * twin's), and the marker row SCHEMA/HANDLES says it is done.  A table without handle rows
 * gets no marker (nothing to fold: a new table stays empty until its first user, and a
 * command refused later, as user add on an endpoint without transactions, has written
 * nothing); this process just stops looking.
 *
 * When: `serve` folds at its start, in the background (msg_service_start), so that no request
 * pays for the Scan (one that misses meanwhile waits for it: review20 R7); any other process
 * in its first lookup that misses, or its first user add.  A marked table is not folded again
 * by itself: a fold is a Scan of the whole table, every message row included, too dear for a
 * miss, the everyday case (a typo), and on a remote DynamoDB a bill.  So a mixed-case handle
 * row an older version or an import writes after the fold is found as typed only, until
 * `ddbchat user fold` (msg_handles_fold) folds again; doctor reports such rows and names the
 * command (closing20 "Left alone", final20 F2).
 * (test_messaging.py::test_handles_are_case_insensitive,
 * test_handle_rows_stored_before_case_folding_keep_working, test_handles_fold_at_start,
 * test_user_fold_repairs_rows_written_later_by_an_older_writer) */

#define MSG_HANDLES_MARK_PK "SCHEMA"
#define MSG_HANDLES_MARK_SK "HANDLES"

/* "HANDLE#<handle>", in lower case when `fold`. */
static void handle_key(const char *handle, bool fold, char *out, size_t n)
{
    int w = snprintf(out, n, "HANDLE#%s", handle);
    for (size_t i = 7; fold && w > 0 && i < n && out[i]; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] - 'A' + 'a');
}

static int handles_mark_folded(msg_service *s, err_t *e)
{
    char now[MSG_TS_LEN + 1];
    msg_ts_format(msg_now_usec(), now);
    json_t *req = json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "TableName", s->table, "Item",
                            "pk", "S", MSG_HANDLES_MARK_PK, "sk", "S", MSG_HANDLES_MARK_SK,
                            "folded_at", "S", now);
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "PutItem", req, &resp, &in);
    json_decref(resp);
    if (rc)
        return msgi_storage(e, rc, &in);
    s->handles_folded = true;
    return 0;
}

/* Folds the table's handle rows (above): once, unless `force` (then whether or not the table
 * is marked).  Idempotent, safe beside other writers (each twin is a conditional Put); one at
 * a time in a process, under fold_mu.  *rows / *twins: handle rows seen, twins written. */
static int handles_fold_locked(msg_service *s, bool force, size_t *rows, size_t *twins,
                               err_t *e);

static int handles_fold(msg_service *s, err_t *e)
{
    if (s->handles_folded)
        return 0;
    size_t rows, twins;
    pthread_mutex_lock(&s->fold_mu);
    int rc = s->handles_folded ? 0 : handles_fold_locked(s, false, &rows, &twins, e);
    pthread_mutex_unlock(&s->fold_mu);
    return rc;
}

int msg_handles_fold(msg_service *s, size_t *out_rows, size_t *out_twins, err_t *e)
{
    pthread_mutex_lock(&s->fold_mu);
    int rc = handles_fold_locked(s, true, out_rows, out_twins, e);
    pthread_mutex_unlock(&s->fold_mu);
    return rc;
}

static int handles_fold_locked(msg_service *s, bool force, size_t *rows, size_t *twins,
                               err_t *e)
{
    *rows = *twins = 0;
    int rc;
    if (!force) {
        json_t *mark;
        if ((rc = msgi_get_item(s, MSG_HANDLES_MARK_PK, MSG_HANDLES_MARK_SK, &mark, e)))
            return rc;
        if (mark) {
            json_decref(mark);
            s->handles_folded = true;
            return 0;
        }
    }
    json_t *esk = NULL;
    do {
        json_t *req = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}, s:b}", "TableName",
                                s->table, "FilterExpression", "begins_with(#p, :h)",
                                "ProjectionExpression", "#p, #u", "ExpressionAttributeNames",
                                "#p", "pk", "#u", "uuid", "ExpressionAttributeValues", ":h", "S",
                                "HANDLE#", "ConsistentRead", 1);
        if (req && esk)
            json_object_set_new(req, "ExclusiveStartKey", esk);
        else
            json_decref(esk);
        esk = NULL;
        json_t *resp;
        if ((rc = msgi_request(s, "Scan", req, &resp, e)))
            return rc;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(resp, "Items"), i, it)
        {
            const char *pk = msgi_item_s(it, "pk"), *uuid = msgi_item_s(it, "uuid");
            char low[128];
            if (!pk || !uuid || strncmp(pk, "HANDLE#", 7) != 0 || strlen(pk) >= sizeof low)
                continue;
            (*rows)++;
            handle_key(pk + 7, true, low, sizeof low);
            if (strcmp(low, pk) == 0)
                continue;
            json_t *put = json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:s}", "TableName",
                                    s->table, "Item", "pk", "S", low, "sk", "S", "HANDLE", "uuid",
                                    "S", uuid, "ConditionExpression", "attribute_not_exists(pk)");
            json_t *presp;
            err_t pin;
            int prc = msgi_call(s, "PutItem", put, &presp, &pin);
            json_decref(presp);
            if (prc && prc != ERR_CONDITIONAL_CHECK_FAILED) { /* failed: held by another */
                json_decref(resp);
                return msgi_storage(e, prc, &pin);
            }
            if (!prc)
                (*twins)++;
        }
        esk = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (esk && s->fold_stop) { /* msg_service_free: the next fold does the rest */
            json_decref(esk);
            return msg_failf(e, MSG_E_STORAGE, "stopped");
        }
    } while (esk);
    if (*rows == 0) {
        s->handles_folded = true;
        return 0;
    }
    return handles_mark_folded(s, e);
}

static void *fold_main(void *arg)
{
    msg_service *s = arg;
    err_t e = {0};
    int rc = handles_fold(s, &e);
    /* no table yet (a first run before schema-load; a serve whose REST side is unused) is
     * not news: the first miss after schema-load folds (review21 LOW 3) */
    if (rc && rc != ERR_RESOURCE_NOT_FOUND && !s->fold_stop)
        log_warn("handles: folding %s's handle rows at start failed: %s (the first lookup "
                 "that misses folds them)",
                 s->table, e.msg);
    return NULL;
}

void msg_service_stop(msg_service *s)
{
    if (s)
        s->fold_stop = true;
}

int msg_service_start(msg_service *s, err_t *e)
{
    if (s->fold_thread_on)
        return 0;
    if (pthread_create(&s->fold_thread, NULL, fold_main, s))
        return err_set(e, ERR_INTERNAL, "cannot start a thread");
    s->fold_thread_on = true;
    return 0;
}

int msg_user_add(msg_service *s, const char *handle, const char *display_name, const char *uuid,
                 msg_user *out, err_t *e)
{
    int rc;
    if ((rc = msg_validate_handle(handle, e)) || (rc = msg_validate_display_name(display_name, e)))
        return rc;
    msg_user u;
    memset(&u, 0, sizeof u);
    if (uuid) {
        if (!msgi_is_uuid(uuid)) {
            char echo[MSGI_ECHO_MAX];
            msgi_echo(uuid, echo);
            return msg_failf(e, MSG_E_INVALID_UUID, "%s is not a uuid", echo);
        }
        msgi_uuid_lower(uuid, u.uuid);
    } else {
        msgi_uuid(u.uuid);
    }
    /* older handle rows keyed by their case first, so a case variant of one is taken too */
    if ((rc = handles_fold(s, e)))
        return rc;
    snprintf(u.handle, sizeof u.handle, "%s", handle);
    snprintf(u.display_name, sizeof u.display_name, "%s", display_name);
    char upk[64], hpk[64];
    snprintf(upk, sizeof upk, "USER#%s", u.uuid);
    handle_key(u.handle, true, hpk, sizeof hpk);
    json_t *req =
        json_pack("{s:[{s:{s:s, s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}, s:s}},"
                  "    {s:{s:s, s:{s:{s:s},s:{s:s},s:{s:s}}, s:s}}]}",
                  "TransactItems", "Put", "TableName", s->table, "Item", "pk", "S", upk, "sk", "S",
                  "USER", "uuid", "S", u.uuid, "handle", "S", u.handle, "display_name", "S",
                  u.display_name, "ConditionExpression", "attribute_not_exists(pk)", "Put",
                  "TableName", s->table, "Item", "pk", "S", hpk, "sk", "S", "HANDLE", "uuid", "S",
                  u.uuid, "ConditionExpression", "attribute_not_exists(pk)");
    /* its own token, kept across the resends below: TransactionInProgressException (a
     * transport retry overtook the first copy, still being applied) is waited out by sending
     * the same request again until the first copy's outcome is replayed, as msg_send does.
     * Before, the error ended the command (a storage error) though the user was being
     * created, and the next try found its own handle taken (test_service
     * test_in_progress_user_add). */
    char token[MSG_UUID_LEN + 1];
    msgi_uuid(token);
    if (req && json_object_set_new(req, "ClientRequestToken", json_string(token))) {
        json_decref(req);
        req = NULL; /* msgi_call answers ERR_NOMEM */
    }
    json_t *resp;
    err_t in;
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    long waited = 0;
    for (int wait = 0;; wait++) {
        resp = NULL;
        rc = msgi_call(s, "TransactWriteItems", json_incref(req), &resp, &in);
        if (rc != ERR_TRANSACTION_IN_PROGRESS || waited >= MSG_IN_PROGRESS_WAIT_MS)
            break;
        json_decref(resp);
        waited += msgi_in_progress_wait(wait, &seed);
    }
    json_decref(req);
    /* which Put failed its condition (CancellationReasons, in TransactItems' order): the user
     * row's alone is a uuid (--uuid) some user has, under another handle; else (the handle's,
     * or a backend that gives no reasons) the handle is taken.  Before, a taken uuid was
     * "handle_taken" for a handle nobody has (test_service.c test_users) */
    bool uuid_taken = rc == ERR_TRANSACTION_CANCELED && msgi_failed_at(resp, 0, false) &&
                      !msgi_failed_at(resp, 1, false);
    json_decref(resp);
    if (uuid_taken)
        return msg_failf(e, MSG_E_UUID_TAKEN, "a user with the uuid %s exists", u.uuid);
    if (rc == ERR_TRANSACTION_CANCELED)
        return msg_failf(e, MSG_E_HANDLE_TAKEN, "the handle %s is taken", handle);
    if (rc)
        return msgi_storage(e, rc, &in);
    if (out)
        *out = u;
    return 0;
}

/* ---- renaming: the user row, then every conversation's two copies of the name ----------
 *
 * msg_user_rename (service.h).  The user row's UpdateItem sets the name and the resume mark
 * rename_before = "~" (above every key time: nothing renamed yet) in one write, conditioned
 * on the name being another (ReturnValues ALL_OLD gives the user's handle: no read before
 * it); the same name again fails that condition and one GetItem then says where the walk
 * stands: a mark, go on below it; none, every conversation has the name already (nothing to
 * walk).  The walk: one Query of the user's GRP# rows below the mark, newest first, then
 * TransactWriteItems of up to RENAME_BATCH conversations each: a ConditionCheck that the user
 * row still has this name (a later rename cancels an earlier one's batches: it walks its
 * own way), and per conversation an Update of the pair row's name_<user> and one of the
 * other participant's conversation row (conditioned on still being that conversation's and
 * naming the user; one a message moved is found again by its key and the batch goes
 * again).  The pair row's name is what closes the race with a send that read the old name:
 * the send's pair-row condition holds name_<user> as it read it (service_send.c
 * w_pair_update), so a batch committed in between cancels the send, which then reads the
 * user again.  The mark moves to the oldest conversation of each batch when the walk stops
 * (a budget, an error) and goes when it ends. */

#define RENAME_TOP "~" /* rename_before when no conversation is renamed yet: > any key time */
#define RENAME_TRIES 8 /* a batch's tries while messages move its conversations' rows */
/* rename_since: the rename's start less this: a send takes its time before its transaction
 * commits (and a sender's clock may be a little behind), so a row a send moved after the
 * start may carry a time up to this much earlier */
#define RENAME_SINCE_SLACK_S 1

typedef struct rename_conv {
    char g[MSG_UUID_LEN + 1], sk[MSG_TS_LEN + 1], other[MSG_UUID_LEN + 1];
    bool gone;   /* no row of the user in it any more: nothing to rename */
    bool nopair; /* its pair row is not the conversation's (not written by this service) */
    bool stuck;  /* cannot be renamed (the other participant's row is not where mine says):
                  * skipped, counted as left once */
} rename_conv;

/* msgi_query_pages's page for msg_user_rename: each conversation row's group, key time and
 * other participant, appended to rows (grown by doubling).  Out of memory stops the pages
 * with oom set (msgi_query_pages takes a stop for the end: the rename would have counted the
 * rows it missed as done). */
typedef struct rename_rows {
    rename_conv *v;
    size_t n, cap;
    bool oom;
} rename_rows;

static int rename_page(void *ctx, const json_t *resp)
{
    rename_rows *rr = ctx;
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(resp, "Items"), i, it)
    {
        if (rr->n == rr->cap) {
            size_t cap = rr->cap ? rr->cap * 2 : 64;
            rename_conv *v = realloc(rr->v, cap * sizeof *v);
            if (!v) {
                rr->oom = true;
                return 1;
            }
            rr->v = v;
            rr->cap = cap;
        }
        rename_conv *c = &rr->v[rr->n];
        memset(c, 0, sizeof *c);
        if (msgi_copy_s(it, "message_group_uuid", c->g, sizeof c->g) &&
            msgi_copy_s(it, "sk", c->sk, sizeof c->sk) &&
            msgi_copy_s(it, "user_uuid", c->other, sizeof c->other))
            rr->n++;
    }
    return 0;
}

/* The conversation's rows found again by their key (a message moved them): c's key time and
 * other participant, or c->gone.  My row where it was: the pair row's condition failed
 * (c->nopair), or, when it already had (`known`: the answer named the failed items), the
 * other participant's row is not there -- c->stuck, said once (doctor's "rows for 1
 * participants"; before session 29 it was tried until the walk stopped at it). */
static int rename_refind(msg_service *s, const char *me, rename_conv *c, bool known, err_t *e)
{
    json_t *row = NULL;
    int rc = msgi_find_my_row_keyed(s, me, c->g, &row, e);
    if (rc)
        return rc;
    char sk[MSG_TS_LEN + 1];
    bool ok = row && msgi_copy_s(row, "sk", sk, sizeof sk) &&
              msgi_copy_s(row, "user_uuid", c->other, sizeof c->other);
    json_decref(row);
    if (!ok)
        c->gone = true; /* no row of mine in it now, or one without the other's uuid */
    else if (strcmp(sk, c->sk) == 0 && c->nopair && known) {
        c->stuck = true;
        log_warn("rename of %s: conversation %s skipped: the other participant's row %s is "
                 "not at %s",
                 me, c->g, c->other, c->sk);
    } else if (strcmp(sk, c->sk) == 0)
        c->nopair = true; /* the row is where it was: the pair row's condition failed */
    else
        memcpy(c->sk, sk, sizeof sk);
    return 0;
}

/* One conversation's two Updates into items: its pair row's name_<me> (unless c->nopair) and
 * the other participant's row.  The number of items added. */
static int rename_items(json_t *items, const char *table, const char *me, const char *name,
                        const rename_conv *c)
{
    int n = 0;
    char pk[160];
    if (!c->nopair) {
        const char *lo = strcmp(me, c->other) < 0 ? me : c->other;
        const char *hi = lo == me ? c->other : me;
        char nm[64];
        snprintf(pk, sizeof pk, "PAIR#%s#%s", lo, hi);
        snprintf(nm, sizeof nm, "name_%s", me);
        json_array_append_new(
            items, json_pack("{s:{s:s,s:o,s:s,s:s,s:{s:s},s:{s:{s:s},s:{s:s}}}}", "Update",
                             "TableName", table, "Key", msgi_key2(pk, "PAIR"),
                             "UpdateExpression", "SET #nm = :n", "ConditionExpression",
                             "group_uuid = :g", "ExpressionAttributeNames", "#nm", nm,
                             "ExpressionAttributeValues", ":n", "S", name, ":g", "S", c->g));
        n++;
    }
    snprintf(pk, sizeof pk, "GRP#%s", c->other);
    json_array_append_new(
        items, json_pack("{s:{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}}", "Update",
                         "TableName", table, "Key", msgi_key2(pk, c->sk), "UpdateExpression",
                         "SET user_display_name = :n", "ConditionExpression",
                         "message_group_uuid = :g AND user_uuid = :me",
                         "ExpressionAttributeValues", ":n", "S", name, ":g", "S", c->g, ":me",
                         "S", me));
    return n + 1;
}

#define RENAME_BUSY 1 /* rename_batch: its tries ran out (every one cancelled by messages) */

/* The event "rename" (msg_events_renamed) to user_uuid's open streams, about u as renamed:
 * in conversation `group` (the other participant's streams: their page shows the name
 * without a reload), or, group NULL, {"you":true,...} (u's own streams, once the user row
 * changed: their other devices show their own name; a page that knows only the other
 * person's shape finds no conversation in it and leaves it). */
static void rename_event(msg_service *s, const char *user_uuid, const char *group,
                         const msg_user *u)
{
    msg_events_renamed(s->events, user_uuid, group, u->uuid, u->handle, u->display_name);
}

static void rename_self_event(msg_service *s, const msg_user *u)
{
    if (s->events)
        rename_event(s, u->uuid, NULL, u);
}

/* A batch committed: each other participant's streams get the event of its conversation. */
static void rename_events(msg_service *s, const msg_user *u, const rename_conv *c, size_t k)
{
    for (size_t j = 0; s->events && j < k; j++)
        if (!c[j].gone && !c[j].stuck)
            rename_event(s, c[j].other, c[j].g, u);
}

/* The k conversations c[0..k) renamed in one TransactWriteItems (above), tried again while
 * messages move their rows (RENAME_TRIES).  0 (*superseded: the user row has another name
 * now), RENAME_BUSY, or the error. */
static int rename_batch(msg_service *s, const char *upk, const msg_user *u, rename_conv *c,
                        size_t k, bool *superseded, err_t *e)
{
    const char *me = u->uuid, *name = u->display_name;
    unsigned seed = (unsigned)msg_now_usec() ^ (unsigned)(size_t)&seed;
    int first[MSG_RENAME_BATCH_MAX], nit[MSG_RENAME_BATCH_MAX];
    for (int t = 0; t < RENAME_TRIES; t++) {
        if (t > 0)
            msgi_race_backoff(t, &seed);
        json_t *items = json_array();
        json_array_append_new(
            items, json_pack("{s:{s:s,s:o,s:s,s:{s:{s:s}}}}", "ConditionCheck", "TableName",
                             s->table, "Key", msgi_key2(upk, "USER"), "ConditionExpression",
                             "display_name = :n", "ExpressionAttributeValues", ":n", "S", name));
        int at = 1;
        for (size_t j = 0; j < k; j++) {
            /* a second row of one conversation (a copy at another key, or two found again
             * at one key): its updates are the first row's, which the transaction may not
             * hold twice (a ValidationException of the whole batch, every try: before
             * session 29 one duplicate stopped every rename of the user) */
            for (size_t x = 0; x < j && !c[j].gone; x++)
                c[j].gone = !c[x].gone && strcmp(c[x].g, c[j].g) == 0;
            first[j] = at;
            nit[j] = c[j].gone || c[j].stuck ? 0
                                             : rename_items(items, s->table, me, name, &c[j]);
            at += nit[j];
        }
        if (!items || json_array_size(items) != (size_t)at) {
            json_decref(items);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        if (at == 1) { /* every one gone */
            json_decref(items);
            return 0;
        }
        json_t *resp = NULL;
        err_t in;
        int rc = msgi_call(s, "TransactWriteItems", json_pack("{s:o}", "TransactItems", items),
                           &resp, &in);
        int w = rc ? msgi_write_outcome(rc, resp) : 0;
        if (w != MSGI_RACED) {
            json_decref(resp);
            if (w)
                return msgi_storage(e, w, &in);
            rename_events(s, u, c, k);
            return 0;
        }
        /* which items failed their condition (CancellationReasons, in TransactItems' order):
         * the user row's, renamed again; a conversation's, moved (found again); none given
         * (a conflict, a backend without reasons): each conversation is looked up again */
        bool known =
            json_array_size(json_object_get(resp, "CancellationReasons")) == (size_t)at;
        if (known && msgi_failed_at(resp, 0, false)) {
            json_decref(resp);
            *superseded = true;
            return 0;
        }
        rc = 0;
        for (size_t j = 0; j < k && !rc; j++) {
            bool failed = !known;
            for (int x = first[j]; x < first[j] + nit[j] && !failed; x++)
                failed = msgi_failed_at(resp, (size_t)x, false);
            if (failed && !c[j].gone && !c[j].stuck)
                rc = rename_refind(s, me, &c[j], known, e);
        }
        json_decref(resp);
        if (rc)
            return rc;
    }
    return RENAME_BUSY;
}

/* The rename's resume mark in the user row: SET rename_before = before (and rename_since =
 * since, when given), or REMOVE both (before NULL), conditioned on the name still being
 * `name`. */
static int rename_mark(msg_service *s, const char *upk, const char *name, const char *before,
                       const char *since, err_t *e)
{
    json_t *resp = NULL;
    err_t in;
    json_t *req =
        !before ? json_pack("{s:s,s:o,s:s,s:s,s:{s:{s:s}}}", "TableName", s->table, "Key",
                            msgi_key2(upk, "USER"), "UpdateExpression",
                            "REMOVE rename_before, rename_since", "ConditionExpression",
                            "display_name = :n", "ExpressionAttributeValues", ":n", "S", name)
        : since ? json_pack("{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}", "TableName",
                            s->table, "Key", msgi_key2(upk, "USER"), "UpdateExpression",
                            "SET rename_before = :b, rename_since = :s", "ConditionExpression",
                            "display_name = :n", "ExpressionAttributeValues", ":n", "S", name,
                            ":b", "S", before, ":s", "S", since)
                : json_pack("{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s}}}", "TableName", s->table,
                            "Key", msgi_key2(upk, "USER"), "UpdateExpression",
                            "SET rename_before = :b", "ConditionExpression", "display_name = :n",
                            "ExpressionAttributeValues", ":n", "S", name, ":b", "S", before);
    int rc = msgi_call(s, "UpdateItem", req, &resp, &in);
    json_decref(resp);
    if (rc == ERR_CONDITIONAL_CHECK_FAILED)
        return 0; /* renamed again meanwhile: that rename walks its own way */
    return rc ? msgi_storage(e, rc, &in) : 0;
}

/* The user row's change (above): *u (uuid, handle) and where the walk starts: before (the
 * mark), or *nothing (the name is the user's already, every conversation has it). */
static int rename_user_row(msg_service *s, const char *upk, const char *name, msg_user *u,
                           char before[MSG_TS_LEN + 1], char since[MSG_TS_LEN + 1],
                           bool *nothing, err_t *e)
{
    *nothing = false;
    for (int t = 0; t < RENAME_TRIES; t++) {
        char now_less[MSG_TS_LEN + 1]; /* the rename's start, less RENAME_SINCE_SLACK_S */
        msg_ts_format(msg_now_usec() - (long long)RENAME_SINCE_SLACK_S * 1000000, now_less);
        json_t *resp = NULL;
        err_t in;
        int rc = msgi_call(
            s, "UpdateItem",
            json_pack("{s:s,s:o,s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}},s:s}", "TableName",
                      s->table, "Key", msgi_key2(upk, "USER"), "UpdateExpression",
                      "SET display_name = :n, rename_before = :top, rename_since = :since",
                      "ConditionExpression",
                      "attribute_exists(pk) AND (attribute_not_exists(display_name) OR "
                      "display_name <> :n)",
                      "ExpressionAttributeValues", ":n", "S", name, ":top", "S", RENAME_TOP,
                      ":since", "S", now_less, "ReturnValues", "ALL_OLD"),
            &resp, &in);
        json_t *row = rc ? NULL : json_incref(json_object_get(resp, "Attributes"));
        json_decref(resp);
        if (rc == ERR_CONDITIONAL_CHECK_FAILED) { /* no such user, or this name already */
            if ((rc = msgi_get_item(s, upk, "USER", &row, e)))
                return rc;
            if (!row)
                return msg_fail(e, MSG_E_UNKNOWN_USER);
            const char *now = msgi_item_s(row, "display_name");
            if (!now || strcmp(now, name) != 0) { /* renamed between the two: again */
                json_decref(row);
                continue;
            }
            *nothing = !msgi_copy_s(row, "rename_before", before, MSG_TS_LEN + 1);
            if (!msgi_copy_s(row, "rename_since", since, MSG_TS_LEN + 1))
                since[0] = 0; /* a mark an older version wrote: below it only */
        } else if (rc) {
            return msgi_storage(e, rc, &in);
        } else {
            snprintf(before, MSG_TS_LEN + 1, "%s", RENAME_TOP);
            memcpy(since, now_less, MSG_TS_LEN + 1);
        }
        msgi_copy_s(row, "uuid", u->uuid, sizeof u->uuid);
        msgi_copy_s(row, "handle", u->handle, sizeof u->handle);
        json_decref(row);
        return 0;
    }
    return msg_failf(e, MSG_E_CONFLICT, "the name changed too often meanwhile, try again");
}

/* The user's conversation rows (gpk) where the key condition kc holds with :b = b, every
 * page, newest first (or oldest), appended to rr (rename_page).  msgi_query_pages's result. */
static int rename_query(msg_service *s, const char *gpk, const char *kc, const char *b,
                        bool oldest_first, rename_rows *rr, err_t *e)
{
    json_t *q = json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s}},s:s,s:b,s:b}", "TableName", s->table,
                          "KeyConditionExpression", kc, "ExpressionAttributeValues", ":pk", "S",
                          gpk, ":b", "S", b, "ProjectionExpression",
                          "message_group_uuid, sk, user_uuid", "ConsistentRead", 1,
                          "ScanIndexForward", oldest_first);
    return msgi_query_pages(s, q, rename_page, rr, e);
}

int msg_user_rename(msg_service *s, const char *uuid, const char *display_name,
                    msg_rename_progress *pr, msg_user *out, err_t *e)
{
    int rc;
    long long t0 = msg_now_usec();
    if ((rc = msg_validate_display_name(display_name, e)))
        return rc;
    if (!uuid || !*uuid || strlen(uuid) > 200)
        return msg_fail(e, MSG_E_UNKNOWN_USER);
    msg_user u;
    memset(&u, 0, sizeof u);
    char upk[256], before[MSG_TS_LEN + 1], since[MSG_TS_LEN + 1];
    snprintf(upk, sizeof upk, "USER#%s", uuid);
    bool nothing;
    if ((rc = rename_user_row(s, upk, display_name, &u, before, since, &nothing, e)))
        return rc;
    if (!u.uuid[0])
        snprintf(u.uuid, sizeof u.uuid, "%s", uuid);
    snprintf(u.display_name, sizeof u.display_name, "%s", display_name);
    if (pr) {
        pr->renamed = pr->left = 0;
        pr->stopped = false;
    }
    if (nothing)
        goto answer;
    rename_self_event(s, &u);
    /* the name the other participants' listings show: one Query of the user's conversation
     * rows below the mark (every page), newest first, then the batches.  Going on with a
     * walk that stopped, then also the rows above both the mark and rename_since, oldest
     * first: conversations a message moved above the mark since the rename began, which a
     * send that read the old name before the user row changed may have written with it (its
     * pair row had no name of the rename yet to cancel it; before session 30 the next walk
     * went below the mark only and such a conversation kept the old name); an Update is
     * harmless where the send wrote the new one.  Stopped among them, the mark is "" (nothing
     * below is left) and rename_since the last one renamed, so each walk gets further; a row
     * that moves later is found by the next walk the same way, or, moved after a batch
     * renamed its conversation, cancelled by that batch's pair-row name (Names). */
    char gpk[64];
    snprintf(gpk, sizeof gpk, "GRP#%s", u.uuid);
    rename_rows rr = {0};
    err_t qe = {0};
    rc = before[0] ? rename_query(s, gpk, "pk = :pk AND sk < :b", before, false, &rr, &qe) : 0;
    size_t n1 = rr.n; /* below the mark: rr.v[0, n1), newest first; above: [n1, n), oldest first */
    if (!rc && strcmp(before, RENAME_TOP) != 0 && since[0])
        rc = rename_query(s, gpk, "pk = :pk AND sk > :b",
                          strcmp(since, before) > 0 ? since : before, true, &rr, &qe);
    if (!rc && rr.oom)
        rc = err_set(&qe, ERR_NOMEM, "out of memory");
    if (rc) {
        free(rr.v);
        if (!pr) { /* the CLI: the error; the mark ("~") makes the same command walk them all */
            *e = qe;
            return rc;
        }
        /* the name did change: the answer says so, as when a batch fails (below), with
         * the conversations left unknown -- at least one, so a client repeats the PUT, which
         * walks from the mark (before session 30 a 503, as if nothing had changed) */
        log_warn("rename of %s: its conversations could not be read: %s", u.uuid, qe.msg);
        pr->left = 1;
        pr->stopped = true;
        goto answer;
    }
    size_t n = rr.n, i = 0, k = s->cfg.rename_batch;
    if (k < 1 || k > MSG_RENAME_BATCH_MAX)
        k = MSG_RENAME_BATCH_MAX;
    long long stop = pr && pr->budget_ms > 0 ? t0 + (long long)pr->budget_ms * 1000 : 0;
    bool superseded = false;
    err_t fe = {0};
    /* a batch that failed otherwise than by a race goes again one conversation at a time (up
     * to single_to); one conversation the backend refuses (ValidationException), or one
     * that cannot be renamed (rename_conv's stuck), is skipped and counted as left, instead
     * of stopping the walk at it for good */
    size_t single_to = 0, skipped = 0;
    while (!rc && i < n && !superseded) {
        if (stop && i > 0 && msg_now_usec() >= stop)
            break; /* the budget is spent: the rest is left for the next call */
        size_t m = i < single_to ? 1 : n - i < k ? n - i : k;
        err_t be = {0};
        rc = rename_batch(s, upk, &u, &rr.v[i], m, &superseded, &be);
        if (rc == RENAME_BUSY && k > 1 && i >= single_to) { /* busy: smaller batches */
            k = (k + 1) / 2;
            rc = 0;
            continue;
        }
        if (rc && rc != RENAME_BUSY && m > 1) {
            log_warn("rename of %s: a batch of %zu conversations failed, one at a time: %s",
                     u.uuid, m, be.msg);
            single_to = i + m;
            rc = 0;
            continue;
        }
        if (rc == ERR_VALIDATION) {
            log_warn("rename of %s: conversation %s skipped: %s", u.uuid, rr.v[i].g, be.msg);
            skipped++;
            rc = 0;
            i++;
            continue;
        }
        if (rc == RENAME_BUSY)
            rc = msg_failf(&be, MSG_E_CONFLICT,
                           "too many messages moved conversation %s during the rename, try "
                           "again",
                           rr.v[i].g);
        if (rc) {
            fe = be;
            break;
        }
        for (size_t j = i; j < i + m; j++)
            skipped += rr.v[j].stuck;
        i += m;
    }
    /* the mark: below the oldest conversation renamed while some are left (a budget, an
     * error: the same name again goes on there), gone when all are (not when a later rename
     * took over: the mark is that one's) */
    int mrc = 0;
    err_t me = {0};
    if (!superseded && i < n && i > 0)
        mrc = i <= n1 ? rename_mark(s, upk, display_name, rr.v[i - 1].sk, NULL, &me)
                      : rename_mark(s, upk, display_name, "", rr.v[i - 1].sk, &me);
    else if (!superseded && i == n)
        mrc = rename_mark(s, upk, display_name, NULL, NULL, &me);
    if (rc && !pr) { /* the CLI: the error, the mark kept for the next call */
        free(rr.v);
        *e = fe;
        return rc;
    }
    if (rc) /* the name did change: the answer says what is left and to try again */
        log_warn("rename of %s: %zu of %zu conversations left: %s", u.uuid, n - i, n, fe.msg);
    if (mrc) /* the walk is done or answered; an old mark makes the next call walk again */
        log_warn("rename of %s: the resume mark: %s", u.uuid, me.msg);
    free(rr.v);
    if (pr) {
        pr->renamed = i - skipped;
        pr->left = superseded ? 0 : n - i + skipped;
        pr->stopped = rc != 0;
    }
answer:
    if (out)
        *out = u;
    return 0;
}

/* The GetItem of a user row, read as values (msgi_call_items: no JSON on the embedded
 * backend). */
typedef struct user_rd {
    msg_user *u;
    bool found;
} user_rd;

static int user_item(void *ctx, const char *key, const av_t *item)
{
    user_rd *rd = ctx;
    if (strcmp(key, "Item") != 0)
        return 0;
    rd->found = true;
    msgi_av_copy_s(item, "uuid", rd->u->uuid, sizeof rd->u->uuid);
    msgi_av_copy_s(item, "handle", rd->u->handle, sizeof rd->u->handle);
    msgi_av_copy_s(item, "display_name", rd->u->display_name, sizeof rd->u->display_name);
    const av_t *nv = item && item->type == AV_M ? av_map_gets(item, "display_name") : NULL;
    rd->u->name_not_s = !nv || nv->type != AV_S;
    rd->u->name_odd = 0;
    if (nv && nv->type == AV_S) { /* an S no rename writes: what it begins with (msg_user) */
        const char *p = nv->u.str.ptr;
        size_t full = nv->u.str.len, before = strnlen(p, full);
        if (before < full || full > MSG_NAME_BYTES) {
            rd->u->name_odd = before < full ? MSG_NAME_ODD_NUL : MSG_NAME_ODD_LONG;
            size_t n = 0;
            for (int cp = 0; n < before && n < MSG_NAME_BYTES; cp++) {
                size_t l = 1; /* the code point's bytes: a lead byte and its continuations */
                while (n + l < before && ((unsigned char)p[n + l] & 0xC0) == 0x80)
                    l++;
                if (cp == MSG_NAME_MAX || n + l > MSG_NAME_BYTES)
                    break;
                n += l;
            }
            memcpy(rd->u->display_name, p, n);
            rd->u->display_name[n] = 0;
        }
    }
    rd->u->rename_unfinished =
        item && item->type == AV_M && av_map_gets(item, "rename_before") != NULL;
    return 0;
}

/* The user cache: a user row found at backend version v answers a later lookup of the same
 * uuid while the version is still v (no commit since that could change the row, by any
 * process: the same answer a new GetItem would give).  The version is the row's partition's
 * where the backend has one (embedded), so the sends, which write other partitions, leave
 * the cache alone; else the data's, which every commit moves (issue 13: every REST request
 * looks its caller up, a send its recipient).  16 sets of 16 ways, a way per uuid,
 * round-robin replacement. */
struct msgi_user_entry {
    uint64_t version;
    msg_user u;
    size_t len;
    char uuid[]; /* the uuid looked up (up to 200 bytes), NUL */
};

static struct msgi_user_entry **user_set(msg_service *s, const char *uuid, size_t len)
{
    uint64_t h = siphash24(s->users_key, (const unsigned char *)uuid, len);
    return &s->users[(size_t)(h % MSGI_USER_SETS) * MSGI_USER_WAYS];
}

static bool user_cached(msg_service *s, uint64_t version, const char *uuid, msg_user *out)
{
    size_t len = strlen(uuid);
    struct msgi_user_entry **set = user_set(s, uuid, len);
    bool hit = false;
    pthread_mutex_lock(&s->users_mu);
    for (size_t w = 0; w < MSGI_USER_WAYS; w++) {
        struct msgi_user_entry *x = set[w];
        if (x && x->version == version && x->len == len && memcmp(x->uuid, uuid, len) == 0) {
            *out = x->u;
            s->users_hits++;
            hit = true;
            break;
        }
    }
    pthread_mutex_unlock(&s->users_mu);
    return hit;
}

static void user_remember(msg_service *s, uint64_t version, const char *uuid, const msg_user *u)
{
    size_t len = strlen(uuid);
    struct msgi_user_entry *nx = malloc(sizeof *nx + len + 1); /* none: just not cached */
    if (!nx)
        return;
    nx->version = version;
    nx->u = *u;
    nx->len = len;
    memcpy(nx->uuid, uuid, len + 1);
    struct msgi_user_entry **set = user_set(s, uuid, len);
    size_t set_i = (size_t)(set - s->users) / MSGI_USER_WAYS;
    pthread_mutex_lock(&s->users_mu);
    size_t v = MSGI_USER_WAYS;
    for (size_t w = 0; w < MSGI_USER_WAYS && v == MSGI_USER_WAYS; w++)
        if (set[w] && set[w]->len == len && memcmp(set[w]->uuid, uuid, len) == 0)
            v = w; /* its older entry */
    if (v == MSGI_USER_WAYS)
        v = s->users_next[set_i]++ % MSGI_USER_WAYS;
    struct msgi_user_entry *old = set[v];
    set[v] = nx;
    pthread_mutex_unlock(&s->users_mu);
    free(old);
}

unsigned long long msg_user_cache_hits(msg_service *s)
{
    pthread_mutex_lock(&s->users_mu);
    unsigned long long h = s->users_hits;
    pthread_mutex_unlock(&s->users_mu);
    return h;
}

int msg_user_by_uuid(msg_service *s, const char *uuid_in, msg_user *out, err_t *e)
{
    if (!uuid_in || !*uuid_in || strlen(uuid_in) > 200)
        return msg_fail(e, MSG_E_UNKNOWN_USER);
    /* uuid may point into *out (out->uuid), which is cleared below: read it first */
    char uuid[201];
    snprintf(uuid, sizeof uuid, "%s", uuid_in);
    char pk[256];
    snprintf(pk, sizeof pk, "USER#%s", uuid);
    /* the version before the read: a commit between the two makes the entry older than its
     * row, never newer (the next lookup then reads again).  The row's partition's version
     * when the backend has one (a send, which writes other partitions, leaves it), else the
     * data's; 0: not cached */
    const msg_backend_ops *ops = s->backend->ops;
    uint64_t version = ops->partition_version ? ops->partition_version(s->backend, s->table, pk)
                       : ops->version         ? ops->version(s->backend)
                                              : 0;
    bool versioned = version != 0;
    if (versioned && user_cached(s, version, uuid, out))
        return 0;
    memset(out, 0, sizeof *out);
    user_rd rd = {.u = out};
    api_sink sink = {.item = user_item, .ctx = &rd};
    jout req; /* the request as text (msgi_call_text): no tree */
    jout_init(&req, 0);
    jout_raw(&req, "{", 1);
    msgi_jw_str(&req, false, "TableName", s->table);
    msgi_jw_key(&req, pk, "USER");
    jout_raw(&req, ",\"ConsistentRead\":true}", 23);
    json_t *extra = NULL;
    err_t in;
    int rc = msgi_call_text(s, "GetItem", &req, &sink, &extra, &in);
    jout_fini(&req);
    json_decref(extra);
    if (rc) {
        memset(out, 0, sizeof *out);
        return msgi_storage(e, rc, &in);
    }
    if (!rd.found)
        return msg_failf(e, MSG_E_UNKNOWN_USER, "no user %s", uuid);
    if (versioned)
        user_remember(s, version, uuid, out);
    return 0;
}

int msg_user_by_handle(msg_service *s, const char *handle, msg_user *out, err_t *e)
{
    /* a string that cannot be a handle is refused as such before any lookup (400, not
     * 404), for the REST API and the CLI alike */
    int rc = msg_validate_handle(handle, e);
    if (rc)
        return rc;
    /* the key as typed (a row from before handles were folded; the folded key itself when
     * typed in lower case), then the lower-case key; on a miss, fold the table's older rows
     * once and look again (above: handles are case-insensitive) */
    char pk[64], low[64];
    handle_key(handle, false, pk, sizeof pk);
    handle_key(handle, true, low, sizeof low);
    json_t *item;
    if ((rc = msgi_get_item(s, pk, "HANDLE", &item, e)))
        return rc;
    if (!item && strcmp(pk, low) != 0 && (rc = msgi_get_item(s, low, "HANDLE", &item, e)))
        return rc;
    if (!item && !s->handles_folded) {
        if ((rc = handles_fold(s, e)) || (rc = msgi_get_item(s, low, "HANDLE", &item, e)))
            return rc;
    }
    if (!item)
        return msg_failf(e, MSG_E_UNKNOWN_HANDLE, "no user has the handle %s", handle);
    char uuid[MSG_UUID_LEN + 1];
    bool ok = msgi_copy_s(item, "uuid", uuid, sizeof uuid);
    json_decref(item);
    if (!ok)
        return msg_failf(e, MSG_E_UNKNOWN_HANDLE, "no user has the handle %s", handle);
    err_t in = {0};
    rc = msg_user_by_uuid(s, uuid, out, &in);
    if (rc == ERR_NOT_FOUND) /* a handle row without its user row */
        return msg_fail_rc(e, MSG_E_UNKNOWN_HANDLE, rc, "no user has the handle %s", handle);
    if (rc)
        return msg_err_pass(e, rc, &in);
    return 0;
}
