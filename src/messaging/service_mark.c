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
 * the other person's messages after read_to.  Every marker a mark-read moves is also logged, in
 * the same transaction, in the user's read log (READ#<user>, "~<n>": messaging_int.h), which
 * the event streams read for their `read` events (events.h).  The rows are numbered in commit
 * order: a mark-read reads the newest row (n, stamp) and Puts n + 1 only if that key is free
 * (two mark-reads of one user that read the same n: the second one's transaction is cancelled
 * and it reads again), stamped max(now, stamp + 1 us), so a stream's position is a number and
 * a late commit is never behind it.  Rows older than any replay are pruned by later
 * mark-reads.
 * DynamoDB documents used: TransactWriteItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html),
 * UpdateItem's condition expressions
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html),
 * Query with Select COUNT (.../APIReference/API_Query.html).
 */
#include "messaging/messaging_int.h"

#include "base/clock.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* msgi_read_log_newest's pages from the end of the numbers' range: one row (the usual
 * answer), then past rows that are not numbers, these many a page, READ_NEWEST_PAGES in all
 * (1 + 16 + 128 + 1000 rows); past them the read log is refused, not read on every mark-read */
static const int read_newest_limit[] = {1, 16, 128, 1000};
#define READ_NEWEST_PAGES ((int)(sizeof read_newest_limit / sizeof read_newest_limit[0]))

/* msgi_query_pages's page: adds the page's Count to *(long long *)ctx; on to the next. */
static int add_count(void *ctx, const json_t *resp)
{
    *(long long *)ctx += json_integer_value(json_object_get(resp, "Count"));
    return 0;
}

/* The other person's messages of `group` created after `after` (a consistent Query, Select
 * COUNT, every page). */
static int count_after(msg_service *s, const char *group, const char *me, const char *after,
                       long long *out, err_t *e)
{
    *out = 0;
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    return msgi_query_pages(
        s,
        json_pack("{s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:s, s:b}", "TableName",
                  s->table, "KeyConditionExpression", "pk = :pk AND sk > :t", "FilterExpression",
                  "user_uuid <> :me", "ExpressionAttributeValues", ":pk", "S", pk, ":t", "S",
                  after, ":me", "S", me, "Select", "COUNT", "ConsistentRead", 1),
        add_count, out, e);
}

void msgi_read_sk(int64_t n, char out[MSGI_READ_SK_LEN + 1])
{
    char tmp[32]; /* n < 10^16 (ev_parse_num's 16 digits): the width is exact */
    snprintf(tmp, sizeof tmp, "~%0*lld", MSGI_READ_SEQ_DIGITS, (long long)n);
    memcpy(out, tmp, MSGI_READ_SK_LEN);
    out[MSGI_READ_SK_LEN] = 0;
}

bool msgi_read_sk_seq(const char *sk, int64_t *out)
{
    if (!sk || sk[0] != '~' || strlen(sk) != MSGI_READ_SK_LEN)
        return false;
    int64_t v = 0;
    for (int i = 1; i < MSGI_READ_SK_LEN; i++) {
        if (sk[i] < '0' || sk[i] > '9')
            return false;
        v = v * 10 + (sk[i] - '0');
    }
    *out = v;
    return true;
}

/* Rows among the read log's numbers that are not numbers ("~000000000000001x": written by
 * hand or by another program; this service writes none, and the "~" range of READ# is its
 * numbered log's) are looked past by every reader; the user's mark-reads remove them (the
 * newest-row search's, mark_update, and the prune's, log_prune), so they cost the mark-read
 * that meets them once, not every one after it (session 27: each mark-read paged past them
 * again, and failed past READ_NEWEST_PAGES pages of them; a prune stopped past
 * MARK_PRUNE_PAGES pages of them at the oldest end, and the log grew for good).  What is
 * said of them is logged at most once a minute (READ_NOTE_MS), the lines in between counted:
 * a line on every mark-read and every feed scan of the user before
 * (test_service.c test_malformed_log_rows_removed_and_said_once_a_minute). */
#define READ_NOTE_MS 60000
/* the newest-row search of a mark-read: after removing what it looked past, searched again
 * while it was capped, up to these many times in all */
#define READ_REPAIR_ROUNDS 3

static void read_log_note(msg_service *s, const char *user, long rows, const char *what)
{
    int64_t now = base_mono_ms(), last = atomic_load(&s->readlog_said_ms);
    if ((last && now - last < READ_NOTE_MS) ||
        !atomic_compare_exchange_strong(&s->readlog_said_ms, &last, now ? now : 1)) {
        atomic_fetch_add(&s->readlog_unsaid, 1);
        return;
    }
    atomic_fetch_add(&s->readlog_said, 1);
    log_warn("read log of %s: %ld row(s) among the numbered ones are not numbered (written "
             "by hand or by another program): %s (%ld such line(s) not logged before this "
             "one; at most one a minute)",
             user, rows, what, atomic_exchange(&s->readlog_unsaid, 0));
}

/* Deletes the rows keys (an array of {"pk","sk"} keys) in BatchWriteItems of 25 (its most).
 * Best effort: a failure, or items left unprocessed, wait for the next caller. */
static void log_delete(msg_service *s, const json_t *keys)
{
    for (size_t at = 0; at < json_array_size(keys); at += 25) {
        json_t *reqs = json_array();
        for (size_t i = at; reqs && i < at + 25 && i < json_array_size(keys); i++)
            json_array_append_new(reqs, json_pack("{s:{s:O}}", "DeleteRequest", "Key",
                                                  json_array_get(keys, i)));
        json_t *r = NULL;
        err_t in;
        if (reqs)
            msgi_call(s, "BatchWriteItem",
                      json_pack("{s:{s:o}}", "RequestItems", s->table, reqs), &r, &in);
        json_decref(r);
    }
}

/* msgi_query_pages's page for msgi_read_log_newest: the first numbered row is the answer;
 * past rows that are not numbers (their keys into *junk, an array made at the first of them,
 * when junk is given), the next page is larger (the Query's Limit, req borrowed),
 * READ_NEWEST_PAGES in all. */
typedef struct newest_ctx {
    int64_t *n, *stamp;
    json_t *req, **junk;
    const char *pk;
    int pages;
    long skipped;
    bool capped; /* READ_NEWEST_PAGES pages read, more to come, none numbered */
} newest_ctx;

static int newest_page(void *ctx, const json_t *resp)
{
    newest_ctx *c = ctx;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(resp, "Items"), i, item)
    {
        const char *sk = msgi_item_s(item, "sk");
        if (!msgi_read_sk_seq(sk, c->n)) {
            c->skipped++;
            if (c->junk && sk && !*c->junk)
                *c->junk = json_array(); /* none: not removed now, the next one does */
            if (c->junk && sk && *c->junk)
                json_array_append_new(*c->junk, msgi_key2(c->pk, sk));
            continue;
        }
        const char *stamp = msgi_item_s(item, "stamp");
        long long t;
        if (stamp && !msg_ts_parse(stamp, &t, NULL))
            *c->stamp = t;
        return 1;
    }
    if (++c->pages == READ_NEWEST_PAGES) {
        c->capped = json_object_get(resp, "LastEvaluatedKey") != NULL;
        return 1;
    }
    json_object_set_new(c->req, "Limit", json_integer(read_newest_limit[c->pages]));
    return 0;
}

/* msgi_read_log_newest; junk (NULL: not asked): *junk the keys of the rows looked past (a
 * new array, left NULL when there are none: a mark-read allocates nothing for a clean log); a
 * search capped past READ_NEWEST_PAGES pages of them is *capped (0, nothing found) with junk,
 * else storage. */
static int read_log_newest(msg_service *s, const char *me, int64_t *out_n, int64_t *out_stamp,
                           json_t **junk, bool *capped, err_t *e)
{
    *out_n = 0;
    *out_stamp = 0;
    char pk[64];
    snprintf(pk, sizeof pk, "READ#%s", me);
    /* one row from the end, the usual answer; past rows that are not numbers (written by
     * hand, or a format this service does not write), larger pages on, READ_NEWEST_PAGES */
    json_t *req = json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}},s:b,s:b,s:i}", "TableName",
                            s->table, "KeyConditionExpression",
                            "pk = :pk AND sk BETWEEN :lo AND :hi", "ExpressionAttributeValues",
                            ":pk", "S", pk, ":lo", "S", MSGI_READ_SK_MIN, ":hi", "S",
                            MSGI_READ_SK_MAX, "ConsistentRead", 1, "ScanIndexForward", 0,
                            "Limit", read_newest_limit[0]);
    newest_ctx c = {.n = out_n, .stamp = out_stamp, .req = req, .junk = junk, .pk = pk};
    int rc = msgi_query_pages(s, req, newest_page, &c, e);
    if (capped)
        *capped = !rc && c.capped;
    if (!rc && c.capped && !junk)
        rc = msg_failf(e, MSG_E_STORAGE,
                       "the read log of %s holds more than %ld rows that are not "
                       "numbered after its newest numbered one; the user's next mark-read "
                       "removes them",
                       me, c.skipped);
    if (c.skipped && !junk)
        read_log_note(s, me, c.skipped, "looked past; the user's next mark-read removes them");
    return rc;
}

int msgi_read_log_newest(msg_service *s, const char *me, int64_t *out_n, int64_t *out_stamp,
                         err_t *e)
{
    return read_log_newest(s, me, out_n, out_stamp, NULL, NULL, e);
}

/* A mark-read's msgi_read_log_newest: the rows it looks past are removed (log_delete), and a
 * search capped by them is run again, READ_REPAIR_ROUNDS in all (each removes up to 1,145
 * rows): past that, storage, and the next mark-read goes on from there. */
static int read_log_newest_repair(msg_service *s, const char *me, int64_t *out_n,
                                  int64_t *out_stamp, err_t *e)
{
    long removed = 0;
    int rc = 0;
    bool capped = false;
    for (int round = 0; round < READ_REPAIR_ROUNDS; round++) {
        json_t *junk = NULL;
        rc = read_log_newest(s, me, out_n, out_stamp, &junk, &capped, e);
        removed += (long)json_array_size(junk);
        if (junk)
            log_delete(s, junk);
        json_decref(junk);
        if (rc || !capped)
            break;
    }
    if (removed)
        read_log_note(s, me, removed, "removed by a mark-read");
    if (!rc && capped)
        rc = msg_failf(e, MSG_E_STORAGE,
                       "the read log of %s holds more rows that are not numbered after its "
                       "newest numbered one than one mark-read removes (%ld removed); try again",
                       me, removed);
    return rc;
}

/* SET read_to = want, unread = n on the row (GRP#me, at), and the read log's next row
 * (READ#me, "~<newest + 1>": group_uuid, read_to, unread, stamp) in one TransactWriteItems,
 * if the row is still there (a send moves it) and its read_to is older -- or, old not NULL,
 * still the read_to read from it (stored as DynamoDB JSON), which msgi_mark_parse's rule
 * refused: a row whose read_to is no marker (written by hand, imported) reads as "never
 * marked", and is marked, instead of failing "older than" forever and answering conflict --
 * and the log row's key is still free.  *moved: a condition failed (the transaction was
 * cancelled: a send moved the row, or another mark-read of the user took the number), or a
 * send's transaction held the row (TransactionConflictException: DynamoDB refuses a write to
 * an item a transaction is writing; or in progress): read again.  A transaction cancelled
 * for throttling is not "moved" but the error (msgi_write_outcome).  *out_seq: the log row's
 * number. */
static int mark_update(msg_service *s, const char *me, const char *at, const char *group,
                       const char *want, long long n, json_t *old, json_t *old_n, bool *moved,
                       int64_t *out_seq, err_t *e)
{
    *moved = false;
    int64_t last, last_stamp;
    int rc = read_log_newest_repair(s, me, &last, &last_stamp, e);
    if (rc)
        return rc;
    char pk[64], num[24], log_pk[64], stamp[MSG_TS_LEN + 1], log_sk[MSGI_READ_SK_LEN + 1];
    snprintf(pk, sizeof pk, "GRP#%s", me);
    snprintf(num, sizeof num, "%lld", n);
    snprintf(log_pk, sizeof log_pk, "READ#%s", me);
    int64_t now = msg_now_usec();
    msg_ts_format(now > last_stamp ? now : last_stamp + 1, stamp); /* rises with the number */
    *out_seq = last + 1;
    msgi_read_sk(last + 1, log_sk);
    /* unread held as read too: a delete of a counted message between the count and this
     * write lowers it (the row keeps its key and read_to), and n would count the deleted
     * one (review30b; test_service.c test_mark_read_races_a_delete) */
    char cond[200];
    snprintf(cond, sizeof cond,
             "message_group_uuid = :g AND (attribute_not_exists(read_to) OR read_to < :t%s) "
             "AND %s",
             old ? " OR read_to = :o" : "",
             old_n ? "unread = :u" : "attribute_not_exists(unread)");
    json_t *upd = json_pack(
        "{s:s, s:o, s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "TableName", s->table, "Key",
        msgi_key2(pk, at), "UpdateExpression", "SET read_to = :t, unread = :n",
        "ConditionExpression", cond, "ExpressionAttributeValues", ":t", "S", want, ":n", "N",
        num, ":g", "S", group);
    if (upd && old)
        json_object_set(json_object_get(upd, "ExpressionAttributeValues"), ":o", old);
    if (upd && old_n)
        json_object_set(json_object_get(upd, "ExpressionAttributeValues"), ":u", old_n);
    /* the read log's row (events.h: the user's other streams get a read event from it), in
     * the same transaction: a marker that moved is always logged, under the next number */
    json_t *req =
        upd ? json_pack("{s:[{s:o},{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}},"
                        "s:s}}]}",
                        "TransactItems", "Update", upd, "Put", "TableName", s->table, "Item",
                        "pk", "S", log_pk, "sk", "S", log_sk, "group_uuid", "S", group,
                        "read_to", "S", want, "unread", "N", num, "stamp", "S", stamp,
                        "ConditionExpression", "attribute_not_exists(pk)")
            : NULL;
    json_t *resp;
    err_t in;
    rc = msgi_call(s, "TransactWriteItems", req, &resp, &in);
    int w = msgi_write_outcome(rc, resp); /* throttled: the answer, not "moved" */
    json_decref(resp);
    if (w == MSGI_RACED) {
        *moved = true;
        return 0;
    }
    return w ? msgi_storage(e, w, &in) : 0;
}

/* Deletes the user's read-log rows stamped before any reconnection replays
 * (MSG_EVENTS_REPLAY_MAX_S), up to MARK_PRUNE of them, in one BatchWriteItem: called by every
 * MARK_PRUNE_EVERY-th mark-read of a user (its row's number a multiple of it), so the log
 * holds about a replay window's mark-reads (each prune can take twice what was added since
 * the last one) and the other mark-reads pay nothing for it (before: a Query on every
 * mark-read, and up to 4 DeleteItems one after the other:
 * test_service.c test_mark_read_prunes_now_and_then).  The oldest rows come first (stamped
 * keys "<stamp>#<group>" written before the numbers, then the numbered ones, whose stamps
 * rise with their numbers; a "~" key among them that is not a number, written by hand, is
 * removed with them (read_log_note), whatever its age: before session 28 it was passed over
 * and kept, and past MARK_PRUNE_PAGES pages of them at the oldest end every prune stopped
 * there and the log grew for good, test_service.c
 * test_prune_past_a_page_of_malformed_log_rows); the newest row is never old (the caller's
 * mark-read just wrote it), so the numbering goes on from it.  Best effort: a failure, or
 * rows left unprocessed, wait for the next prune. */
#define MARK_PRUNE_EVERY 8
#define MARK_PRUNE 16
#define MARK_PRUNE_PAGES 4 /* of MARK_PRUNE rows: past rows that are not numbers */
/* msgi_query_pages's page for log_prune: the page's old rows, and rows among the numbers
 * that are not one, into dels; stop at a young row, MARK_PRUNE rows or MARK_PRUNE_PAGES
 * pages. */
typedef struct prune_ctx {
    const char *pk, *before;
    json_t *dels;
    int pages;
    long skipped;
} prune_ctx;

static int prune_page(void *ctx, const json_t *resp)
{
    prune_ctx *c = ctx;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(resp, "Items"), i, item)
    {
        const char *sk = msgi_item_s(item, "sk");
        int64_t seq;
        bool numbered = sk && msgi_read_sk_seq(sk, &seq);
        bool junk = !numbered && sk && sk[0] == '~'; /* among the numbers, not one (by hand) */
        const char *stamp = numbered ? msgi_item_s(item, "stamp") : sk;
        if (json_array_size(c->dels) >= MARK_PRUNE)
            return 1; /* enough for one prune */
        if (!junk && (!sk || !stamp || strncmp(stamp, c->before, MSG_TS_LEN) >= 0))
            return 1; /* young: so are the rows after it */
        c->skipped += junk;
        json_array_append_new(c->dels, msgi_key2(c->pk, sk));
    }
    return ++c->pages >= MARK_PRUNE_PAGES || json_array_size(c->dels) >= MARK_PRUNE;
}

static void log_prune(msg_service *s, const char *me)
{
    char pk[64], before[MSG_TS_LEN + 1];
    snprintf(pk, sizeof pk, "READ#%s", me);
    msg_ts_format(msg_now_usec() - (long long)MSG_EVENTS_REPLAY_MAX_S * 1000000, before);
    json_t *dels = json_array();
    prune_ctx c = {.pk = pk, .before = before, .dels = dels};
    /* the oldest rows a page at a time, on while a page was old but for rows passed over:
     * a page of only those (16 or more, at the oldest end) must not stop every prune; a
     * failure keeps what was found (best effort) */
    if (dels) {
        err_t ignored = {0};
        msgi_query_pages(s,
                         json_pack("{s:s,s:s,s:{s:{s:s}},s:i}", "TableName", s->table,
                                   "KeyConditionExpression", "pk = :pk",
                                   "ExpressionAttributeValues", ":pk", "S", pk, "Limit",
                                   MARK_PRUNE),
                         prune_page, &c, &ignored);
    }
    if (c.skipped)
        read_log_note(s, me, c.skipped, "removed by a prune");
    log_delete(s, dels);
    json_decref(dels);
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
        json_t *old_n = json_incref(json_object_get(row, "unread")); /* as stored */
        json_decref(row);
        if (!ok) {
            json_decref(old_n);
            return msg_failf(e, MSG_E_STORAGE, "a conversation row without its sort key");
        }
        /* read up to the last message at most; never back */
        const char *want = strcmp(want_in, at) > 0 ? at : want_in;
        if (cur[0] && strcmp(want, cur) <= 0) { /* (old is NULL) */
            json_decref(old_n);
            memcpy(out_read_to, cur, sizeof cur);
            *out_unread = cur_n;
            return 0;
        }
        long long n = 0;
        if (strcmp(want, at) < 0 && (rc = count_after(s, lower, viewer_uuid, want, &n, e))) {
            json_decref(old);
            json_decref(old_n);
            return rc;
        }
        bool moved;
        int64_t seq = 0;
        rc = mark_update(s, viewer_uuid, at, lower, want, n, old, old_n, &moved, &seq, e);
        json_decref(old);
        json_decref(old_n);
        if (rc)
            return rc;
        if (!moved) {
            memcpy(out_read_to, want, MSG_TS_LEN + 1);
            *out_unread = n;
            msgi_unread_forget(s, viewer_uuid);
            msg_events_hint(s->events, viewer_uuid, true); /* this server's streams: at once */
            if (seq % MARK_PRUNE_EVERY == 0)
                log_prune(s, viewer_uuid);
            return 0;
        }
    }
}
