/*
 * events — live delivery by Server-Sent Events: streams, per-user feeds, the watcher and
 * hub threads, and the hub's ticket calls (the ticket table itself: tickets.c).  Layer:
 * messaging.  See events.h (the design and the event ids).
 *
 * Locks: hub->mu guards the feed list, each feed's stream list, the joining list, the ticket
 * table, counters and flags; st->mu guards a stream's buffer, state and suspended/ended flags.
 * Order: hub->mu before st->mu.  A stream's reader is resumed only after both are released
 * (ev_flush_wakes; the connection cannot go away while it is suspended, so the context stays
 * valid), so the transport's resume may take its own locks freely.
 * Feeds and their positions are touched by the hub thread only (scans run unlocked).
 */
#include "messaging/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "messaging/messaging_int.h"
#include "messaging/tickets.h"

#define EV_CONV_PAGE 200  /* messages read per conversation per scan */
#define EV_SCAN_MAX 1000  /* events delivered per scan (the rest in the next one) */
#define EV_GRP_PAGE 100   /* conversation rows per Query page */
#define EV_MIN_PASS_MS 20 /* between two scans of everything after commits */
#define EV_WATCH_MS 250   /* the watcher's wait, so that it notices a stop */
#define EV_RETRY_MS 2000  /* the reconnection delay suggested to EventSource */
#define EV_READS_EVERY 4  /* without a change feed: a feed reads the read log every Nth poll */
#define EV_RESOLVE_PAGE 16   /* read-log rows per page when a read position is a stamp ... */
#define EV_RESOLVE_PAGES 64  /* ... and at most this many pages back */
/* rename and delete events delivered, kept so that one that comes back through the change
 * feed is not delivered again: slots of a direct-mapped table (a collision forgets the older
 * one, which is then delivered once more: harmless, the page puts the same name or drops a
 * message it no longer shows) */
#define EV_SEEN_SLOTS 4096
/* This process's own rename is dropped as delivered only when the change feed delivered the
 * same name this recently (its record read before the renaming request told the hub) */
#define EV_OWN_ECHO_MS 5000
/* Side reads queued at most (ev_changed_row): beyond, a record is left out (its change shows
 * at the page's next listing or reconnection) */
#define EV_SIDE_MAX 1024
/* A side read's deadline (ev_side_main) */
#define EV_SIDE_DEADLINE_MS 2000

typedef struct ev_event {
    char group[MSG_UUID_LEN + 1];
    int64_t t;      /* message: created_at; read: the read-log row's stamp */
    bool read;      /* a read event from the read log (else a message) */
    int64_t seq;    /* read: the read-log row's number (rises with t) */
    char *data;     /* the "data:" JSON */
    char *read_data; /* a message the user sent: the read event it implies (or NULL) */
} ev_event;

typedef struct ev_list {
    ev_event *v;
    size_t n, cap;
} ev_list;

typedef struct ev_feed ev_feed;

struct msg_stream {
    pthread_mutex_t mu;
    msg_events *hub;
    char user[MSG_UUID_LEN + 1];
    msg_stream_io io;
    /* under mu */
    msg_event_state st;
    char *buf;
    size_t off, len, cap;
    bool suspended; /* io.suspend called, io.resume not yet */
    bool ended;
    long long until_s; /* the stream ends then (its token's exp; 0: never); set at open */
    /* under hub->mu */
    ev_feed *feed;             /* NULL while joining */
    msg_stream *prev, *next;   /* in feed->streams, or in hub->joining (next only) */
    bool in_hub;               /* the hub holds a reference (joining, replaying or in a feed) */
    bool reader_gone;          /* msg_stream_close was called */
};

struct ev_feed {
    char user[MSG_UUID_LEN + 1];
    msg_event_state st; /* the hub thread's position for this user */
    msg_stream *streams;
    long n_streams;
    bool dirty;
    bool reads_dirty; /* its next scan reads the read log too (a READ# change, a mark-read) */
    /* READ#<user>'s partition version (backend.h partition_version) taken before its last
     * read of the log that worked; 0: none (or none to take).  A commit that leaves it as it
     * was wrote no row of the log (ev_reads_moved). */
    uint64_t reads_v;
    /* GRP#<user>'s partition version taken before its last scan that worked and read all
     * there was; 0: none.  A commit that leaves it wrote no conversation row of the user, so
     * no message to or from them (ev_hub_pass does not mark the feed for it) */
    uint64_t grp_v;
    bool grp_moved, reads_moved; /* ev_hub_pass's, between its two loops (hub thread only) */
    int polls;        /* polls since it last read the read log (no change feed) */
    int poll_ms;
    int64_t next_poll_ms;
    bool failing; /* its last scan failed (counted in the hub's n_failing), under hub->mu */
    ev_feed *next;
};

typedef struct ev_wake {
    void (*resume)(void *ctx);
    void *ctx;
} ev_wake;

struct msg_events {
    msg_service *svc;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t watch_cv; /* the watcher's, while no stream is open (ev_watch_idle) */
    bool stopping;
    bool any_change;
    bool has_feed; /* the backend has a change feed (no polling) */
    ev_feed *feeds;
    msg_stream *joining; /* streams waiting for their replay */
    char replaying_user[MSG_UUID_LEN + 1]; /* the stream the hub replays now: its user, or "" */
    long n_streams, n_feeds, scans, changes;
    long streams_max; /* msg_events_set_streams_max */
    atomic_long buffered; /* unread bytes of every stream (st_append, msg_stream_read, st_free) */
    long buffered_max;    /* MSG_EVENTS_BUFFERS_MAX, or DDBCHAT_EVENTS_BUFFERS_MB's */
    msg_tickets tickets;
    int64_t next_heartbeat_ms;
    long long next_until_s; /* the earliest until_s of the hub's streams (0: none), under mu */
    int64_t last_pass_ms;
    int64_t heartbeat_ms;
    int poll_max_ms; /* MSG_EVENTS_POLL_MAX_MS, or DDBCHAT_EVENTS_POLL_MAX_MS's (lower) */
    int poll_min_ms; /* MSG_EVENTS_POLL_MIN_MS, or DDBCHAT_EVENTS_POLL_MIN_MS's (longer, up to
                        poll_max_ms: a test tells a polled message from a streamed one) */
    pthread_t hub_th, watch_th, side_th;
    bool hub_started, watch_started, side_started;
    /* the side reads of another process's renames and deletes (ev_changed_row queues them,
     * ev_side_main reads them), under mu: off the watcher, so a slow or throttled read never
     * holds a batch's message events */
    pthread_cond_t side_cv;
    struct ev_side {
        char *event_name, *pk, *sk;
        char *image; /* the record's NewImage as text (NULL: none, the row is read) */
    } side[EV_SIDE_MAX];
    size_t side_head, side_n;
    long side_dropped; /* records left out because the queue was full */
    ev_wake *wakes; /* hub thread: resumes to call once unlocked */
    size_t n_wakes, cap_wakes;
    /* failing scans, said once an outage (ev_scan_feed), under mu */
    long n_failing;        /* feeds whose last scan failed */
    bool fail_said;        /* "scan failed" said, "scans work again" not yet */
    bool fail_ever_said;
    int64_t fail_said_ms;  /* when "scan failed" was last said */
    long fails_unsaid;     /* failed scans since it was said */
    /* the rename and delete events delivered (ev_seen_put), under mu */
    struct {
        uint64_t key, val;
        int64_t feed_ms; /* when the change feed delivered it; 0: this process's own tell */
    } seen[EV_SEEN_SLOTS];
};

/* "scan failed" is said at most this often: a flapping endpoint is not a line per failure */
#define EV_FAIL_SAY_MS 60000

static void ev_deadline(struct timespec *ts, int64_t mono_ms)
{
    ts->tv_sec = (time_t)(mono_ms / 1000);
    ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* ---- scanning the table --------------------------------------------------------------- */

static void ev_list_fini(ev_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].data);
        free(l->v[i].read_data);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int ev_list_push(ev_list *l, const char *group, int64_t t, bool read, char *data,
                        char *read_data)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        ev_event *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    ev_event *ev = &l->v[l->n++];
    snprintf(ev->group, sizeof ev->group, "%s", group);
    ev->t = t;
    ev->read = read;
    ev->seq = 0;
    ev->data = data;
    ev->read_data = read_data;
    return 0;
}

static int ev_cmp(const void *a, const void *b)
{
    const ev_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->read != y->read)
        return x->read ? 1 : -1;
    return strcmp(x->group, y->group);
}

/* A read event's data: {"message_group_uuid","read_to","unread"}; malloc'ed, NULL on OOM. */
static char *ev_read_data(const char *group, const char *read_to, long long unread)
{
    json_t *d = json_pack("{s:s,s:s,s:I}", "message_group_uuid", group, "read_to", read_to,
                          "unread", (json_int_t)unread);
    char *txt = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return txt;
}

/* Records in state s that event ev is delivered; false when s has it already. */
static bool ev_state_take(msg_event_state *s, const ev_event *ev)
{
    if (ev->read) { /* by its number; while that is not known, by its stamp (events.h) */
        bool has = s->rseq >= 0 ? ev->seq <= s->rseq
                                : ev->t <= (s->rd > s->floor ? s->rd : s->floor);
        if (ev->seq > s->rseq)
            s->rseq = ev->seq;
        return !has;
    }
    if (ev->t <= msg_event_state_start(s, ev->group))
        return false;
    msg_event_state_apply(s, ev->group, ev->t);
    return true;
}

/* Appends ev to the stream as it was delivered (st->mu held): the message and the read it
 * implies (its sender's own message), or the read. */
static void st_append_event(msg_stream *st, const char *type, const char *data);
static void st_append_ev(msg_stream *st, const ev_event *ev)
{
    st_append_event(st, ev->read ? "read" : "message", ev->data);
    if (ev->read_data)
        st_append_event(st, "read", ev->read_data);
}

/* A partition's rows whose sk sorts after `from`, ascending, one consistent page of at most
 * limit: *resp (the caller's to free), or the storage error. */
static int ev_query_after(msg_service *s, const char *pk, const char *from, int limit,
                          json_t **resp, err_t *e)
{
    return msgi_request(
        s, "Query",
        json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s}},s:b,s:b,s:i}", "TableName", s->table,
                  "KeyConditionExpression", "pk = :pk AND sk > :from",
                  "ExpressionAttributeValues", ":pk", "S", pk, ":from", "S", from,
                  "ConsistentRead", 1, "ScanIndexForward", 1, "Limit", limit),
        resp, e);
}

/* One conversation's messages after `start`, ascending, into out.  A page that does not reach
 * the end lowers *cutoff to its last message (nothing later may be delivered from this scan). */
static int ev_scan_conv(msg_service *s, const char *user, const char *group, int64_t start,
                        const char *with_handle, const char *with_name, ev_list *out,
                        int64_t *cutoff, err_t *e)
{
    char pk[8 + MSG_UUID_LEN], from[MSG_TS_LEN + 1];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    msg_ts_format(start, from);
    json_t *resp, *item;
    int rc = ev_query_after(s, pk, from, EV_CONV_PAGE, &resp, e);
    if (rc)
        return rc;
    size_t i;
    int64_t last = 0;
    json_array_foreach(json_object_get(resp, "Items"), i, item)
    {
        const char *sk = msgi_item_s(item, "sk"), *text = msgi_item_s(item, "message");
        long long t;
        if (!sk || !text || msg_ts_parse(sk, &t, NULL))
            continue; /* not a message row this service wrote */
        last = t;
        json_t *d = json_pack("{s:s?,s:s,s:s?,s:s?,s:s,s:s,s:{s:s?,s:s?}}", "uuid",
                              msgi_item_s(item, "message_uuid"), "message_group_uuid", group,
                              "display_name", msgi_item_s(item, "user_display_name"), "handle",
                              msgi_item_s(item, "user_handle"), "message", text, "created_at", sk,
                              "with", "handle", with_handle, "display_name", with_name);
        char *txt = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        /* the user's own message: their marker moved to it (service_send.c: the sender's
         * new row reads to its message, unread 0), so their other streams learn it too */
        const char *from = msgi_item_s(item, "user_uuid");
        char *rd = from && strcmp(from, user) == 0 ? ev_read_data(group, sk, 0) : NULL;
        if (!txt || (from && strcmp(from, user) == 0 && !rd) ||
            ev_list_push(out, group, t, false, txt, rd)) {
            free(txt);
            free(rd);
            json_decref(resp);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
    }
    if (json_object_get(resp, "LastEvaluatedKey") && last && last < *cutoff)
        *cutoff = last;
    json_decref(resp);
    return 0;
}

/* A read-log row (service_mark.c: READ#<user>, "~<n>"; messaging_int.h): its number, stamp
 * (µs), conversation and marker; false for a row this service did not write so. */
static bool ev_read_row(const json_t *item, int64_t *seq, long long *stamp, const char **group,
                        char read_to[MSG_TS_LEN + 1], long long *unread)
{
    const char *st = msgi_item_s(item, "stamp");
    *group = msgi_item_s(item, "group_uuid");
    if (!msgi_read_sk_seq(msgi_item_s(item, "sk"), seq) || !st || msg_ts_parse(st, stamp, NULL) ||
        !*group || !msgi_is_uuid(*group))
        return false;
    msgi_conv_mark(item, read_to, unread);
    long long rt;
    return read_to[0] && !msg_ts_parse(read_to, &rt, NULL);
}

/* Makes st's read position a number when it is still a stamp (rseq -1, events.h): the
 * newest read-log row stamped at or before max(floor, rd) (stamps rise with the numbers), 0
 * when there is none, and one before the oldest row read when more than EV_RESOLVE_PAGES
 * pages back are all newer (a day's mark-reads past EV_SCAN_MAX: they are delivered from
 * there).  Consistent Queries from the newest row down.  *out_newest: it is the newest row
 * (a fresh stream's usual case: nothing after it to read now). */
static int ev_reads_resolve(msg_service *s, const char *user, msg_event_state *st,
                            bool *out_newest, err_t *e)
{
    *out_newest = false;
    int64_t at = st->rd > st->floor ? st->rd : st->floor, oldest = 0;
    char pk[8 + MSG_UUID_LEN];
    snprintf(pk, sizeof pk, "READ#%s", user);
    json_t *start = NULL;
    for (int page = 0; page < EV_RESOLVE_PAGES; page++) {
        json_t *req = json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s},s:{s:s}},s:b,s:b,s:i}",
                                "TableName", s->table, "KeyConditionExpression",
                                "pk = :pk AND sk BETWEEN :lo AND :hi",
                                "ExpressionAttributeValues", ":pk", "S", pk, ":lo", "S",
                                MSGI_READ_SK_MIN, ":hi", "S", MSGI_READ_SK_MAX,
                                "ConsistentRead", 1, "ScanIndexForward", 0, "Limit",
                                EV_RESOLVE_PAGE);
        if (req && start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        else
            json_decref(start);
        start = NULL;
        json_t *resp, *item;
        int rc = msgi_request(s, "Query", req, &resp, e);
        if (rc)
            return rc;
        size_t i;
        json_array_foreach(json_object_get(resp, "Items"), i, item)
        {
            int64_t seq;
            long long t = 0;
            const char *stamp = msgi_item_s(item, "stamp");
            if (!msgi_read_sk_seq(msgi_item_s(item, "sk"), &seq))
                continue;
            oldest = seq;
            if (stamp && !msg_ts_parse(stamp, &t, NULL) && t <= at) {
                json_decref(resp);
                *out_newest = page == 0 && i == 0;
                st->rseq = seq;
                return 0;
            }
        }
        start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (!start)
            break;
    }
    json_decref(start);
    st->rseq = oldest > 0 ? oldest - 1 : 0;
    *out_newest = oldest == 0; /* an empty log */
    return 0;
}

/* The user's read-log rows after state st's read position (a number: made one first when it
 * is a stamp), ascending, as read events into out; a page that does not reach the end lowers
 * *cutoff to its last stamp.  Numbered in commit order, so a row that committed late is
 * still after the position of a stream that got a later-stamped one: nothing to look back
 * for, nothing to remember. */
static int ev_scan_reads(msg_service *s, const char *user, msg_event_state *st, ev_list *out,
                         int64_t *cutoff, err_t *e)
{
    int rc;
    bool newest = false;
    if (st->rseq < 0 && (rc = ev_reads_resolve(s, user, st, &newest, e)))
        return rc;
    if (newest) /* nothing after it (a row that commits now is the next scan's) */
        return 0;
    char pk[8 + MSG_UUID_LEN], from[MSGI_READ_SK_LEN + 1];
    snprintf(pk, sizeof pk, "READ#%s", user);
    msgi_read_sk(st->rseq, from);
    json_t *resp, *item;
    if ((rc = ev_query_after(s, pk, from, EV_SCAN_MAX, &resp, e)))
        return rc;
    size_t i;
    int64_t last = 0;
    json_array_foreach(json_object_get(resp, "Items"), i, item)
    {
        const char *g;
        char read_to[MSG_TS_LEN + 1];
        long long t, unread;
        int64_t seq;
        if (!ev_read_row(item, &seq, &t, &g, read_to, &unread))
            continue; /* not a row this service wrote */
        last = t;
        char *txt = ev_read_data(g, read_to, unread);
        if (!txt || ev_list_push(out, g, t, true, txt, NULL)) {
            free(txt);
            json_decref(resp);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        out->v[out->n - 1].seq = seq;
    }
    if (json_object_get(resp, "LastEvaluatedKey") && last && last < *cutoff)
        *cutoff = last;
    json_decref(resp);
    return 0;
}

/* Pattern B, one page: for each conversation row that moved after state st's position in
 * that conversation, pattern A (ev_scan_conv) into out. */
static int ev_scan_groups_page(msg_service *s, const char *user, const msg_event_state *st,
                               json_t *resp, ev_list *out, int64_t *cutoff, err_t *e)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(resp, "Items"), i, item)
    {
        const char *g = msgi_item_s(item, "message_group_uuid"), *sk = msgi_item_s(item, "sk");
        long long t;
        if (!g || !msgi_is_uuid(g) || !sk || msg_ts_parse(sk, &t, NULL))
            continue;
        int64_t from = msg_event_state_start(st, g);
        if (t <= from)
            continue;
        int rc = ev_scan_conv(s, user, g, from, msgi_item_s(item, "user_handle"),
                              msgi_item_s(item, "user_display_name"), out, cutoff, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Pattern B since state st's low mark, every page, each page's moved conversations scanned
 * (ev_scan_groups_page) into out. */
static int ev_scan_groups(msg_service *s, const char *user, const msg_event_state *st,
                          ev_list *out, int64_t *cutoff, err_t *e)
{
    char pk[8 + MSG_UUID_LEN], lo_ts[MSG_TS_LEN + 1];
    snprintf(pk, sizeof pk, "GRP#%s", user);
    msg_ts_format(msgi_event_state_lo(st), lo_ts);
    json_t *start = NULL;
    int rc = 0;
    do {
        json_t *req = json_pack("{s:s,s:s,s:{s:{s:s},s:{s:s}},s:b,s:i}", "TableName", s->table,
                                "KeyConditionExpression", "pk = :pk AND sk > :lo",
                                "ExpressionAttributeValues", ":pk", "S", pk, ":lo", "S", lo_ts,
                                "ConsistentRead", 1, "Limit", EV_GRP_PAGE);
        if (req && start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        else
            json_decref(start);
        start = NULL;
        json_t *resp;
        if ((rc = msgi_request(s, "Query", req, &resp, e)))
            break;
        rc = ev_scan_groups_page(s, user, st, resp, out, cutoff, e);
        start = rc ? NULL : json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
    } while (!rc && start);
    json_decref(start);
    return rc;
}

/* Puts a scan's events in (time, group) order and keeps at most EV_SCAN_MAX of them, none
 * after cutoff (a page that did not reach its end: what follows it is the next scan's). */
static void ev_list_trim(ev_list *out, int64_t cutoff)
{
    if (out->n) /* (qsort of a NULL array is undefined, even empty) */
        qsort(out->v, out->n, sizeof out->v[0], ev_cmp);
    size_t keep = 0;
    while (keep < out->n && keep < EV_SCAN_MAX && out->v[keep].t <= cutoff)
        keep++;
    for (size_t i = keep; i < out->n; i++) {
        free(out->v[i].data);
        free(out->v[i].read_data);
    }
    out->n = keep;
}

/* The events of user's conversations that state `st` has not delivered yet, in (time, group)
 * order, at most EV_SCAN_MAX: pattern B since the state's low mark, then pattern A for each
 * conversation that moved; and the read log after the state's read position (which it makes
 * a number when it is still a stamp: ev_scan_reads). */
static int ev_scan(msg_events *h, const char *user, msg_event_state *st, bool reads,
                   ev_list *out, bool *out_whole, err_t *e)
{
    int64_t cutoff = INT64_MAX;
    pthread_mutex_lock(&h->mu);
    h->scans++;
    pthread_mutex_unlock(&h->mu);
    int rc = ev_scan_groups(h->svc, user, st, out, &cutoff, e);
    if (!rc && reads)
        rc = ev_scan_reads(h->svc, user, st, out, &cutoff, e);
    if (rc) {
        ev_list_fini(out);
        return rc;
    }
    if (out_whole) /* every page read to its end, nothing left for the next scan */
        *out_whole = cutoff == INT64_MAX && out->n < EV_SCAN_MAX;
    ev_list_trim(out, cutoff);
    return 0;
}

/* ---- streams: output ----------------------------------------------------------------- */

/* Appends to the stream (st->mu held).  Over MSG_EVENTS_BUFFER_MAX unread bytes, or over
 * MSG_EVENTS_BUFFER_FAIR once the streams' unread bytes together pass the hub's buffered_max,
 * the stream ends: the client reconnects from its last id and the replay catches up. */
static void st_append(msg_stream *st, const char *p, size_t n)
{
    if (st->ended)
        return;
    size_t unread = st->len - st->off;
    if (unread + n > MSG_EVENTS_BUFFER_MAX ||
        (unread + n > MSG_EVENTS_BUFFER_FAIR &&
         atomic_load(&st->hub->buffered) + (long)n > st->hub->buffered_max)) {
        st->ended = true;
        return;
    }
    if (st->off && st->off == st->len)
        st->off = st->len = 0;
    if (st->len + n > st->cap) {
        if (st->off) { /* reclaim what was read */
            memmove(st->buf, st->buf + st->off, st->len - st->off);
            st->len -= st->off;
            st->off = 0;
        }
        size_t nc = st->cap ? st->cap : 512;
        while (nc < st->len + n)
            nc *= 2;
        if (nc != st->cap) {
            char *nb = realloc(st->buf, nc);
            if (!nb) {
                st->ended = true; /* the client reconnects and replays */
                return;
            }
            st->buf = nb;
            st->cap = nc;
        }
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    atomic_fetch_add(&st->hub->buffered, (long)n);
}

static void st_append_event(msg_stream *st, const char *type, const char *data)
{
    char id[MSG_EVENT_ID_MAX];
    msg_event_id_format(&st->st, id, sizeof id);
    st_append(st, "id: ", 4);
    st_append(st, id, strlen(id));
    st_append(st, "\nevent: ", 8);
    st_append(st, type, strlen(type));
    st_append(st, "\ndata: ", 7);
    st_append(st, data, strlen(data));
    st_append(st, "\n\n", 2);
}

/* After appending or ending (st->mu held): the reader is to be resumed once both locks are
 * released (hub thread: ev_flush_wakes). */
static void st_wake_later(msg_events *h, msg_stream *st)
{
    if (!st->suspended || (st->len == st->off && !st->ended))
        return;
    if (h->n_wakes == h->cap_wakes) {
        size_t nc = h->cap_wakes ? h->cap_wakes * 2 : 64;
        ev_wake *nw = realloc(h->wakes, nc * sizeof *nw);
        if (!nw)
            return; /* stays suspended until the next append: the heartbeat retries */
        h->wakes = nw;
        h->cap_wakes = nc;
    }
    st->suspended = false;
    h->wakes[h->n_wakes++] = (ev_wake){st->io.resume, st->io.ctx};
}

static void ev_flush_wakes(msg_events *h)
{
    for (size_t i = 0; i < h->n_wakes; i++)
        h->wakes[i].resume(h->wakes[i].ctx);
    h->n_wakes = 0;
}

static void st_free(msg_stream *st)
{
    atomic_fetch_sub(&st->hub->buffered, (long)(st->len - st->off));
    pthread_mutex_destroy(&st->mu);
    free(st->buf);
    free(st);
}

/* Drops the hub's reference (hub->mu held).  True when the stream was freed. */
static bool st_hub_release(msg_events *h, msg_stream *st)
{
    st->in_hub = false;
    h->n_streams--;
    if (st->reader_gone) {
        st_free(st);
        return true;
    }
    return false;
}

static void feed_unlink(ev_feed *f, msg_stream *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        f->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
    st->feed = NULL;
    f->n_streams--;
}

/* Ends a stream held in a feed (hub->mu held): the reader sees the end, the hub lets go. */
static void st_end(msg_events *h, msg_stream *st)
{
    pthread_mutex_lock(&st->mu);
    st->ended = true;
    st_wake_later(h, st);
    pthread_mutex_unlock(&st->mu);
    if (st->feed)
        feed_unlink(st->feed, st);
    st_hub_release(h, st);
}

/* ---- the hub thread ------------------------------------------------------------------- */

static ev_feed *feed_find(msg_events *h, const char *user)
{
    for (ev_feed *f = h->feeds; f; f = f->next)
        if (strcmp(f->user, user) == 0)
            return f;
    return NULL;
}

/* Hands a scan's events to every stream of the feed (hub->mu held). */
static void feed_fanout(msg_events *h, ev_feed *f, const ev_list *evs)
{
    for (msg_stream *st = f->streams, *nx; st; st = nx) {
        nx = st->next;
        pthread_mutex_lock(&st->mu);
        for (size_t i = 0; i < evs->n; i++) {
            const ev_event *ev = &evs->v[i];
            if (!ev_state_take(&st->st, ev))
                continue; /* this stream has it (its replay got there first) */
            st_append_ev(st, ev);
        }
        bool ended = st->ended;
        st_wake_later(h, st);
        pthread_mutex_unlock(&st->mu);
        if (ended)
            st_end(h, st);
    }
}

/* The feed of user's streams, made when it has none (NULL: out of memory), its read position
 * the number rseq that the joining stream's replay read to; hub->mu held. */
static ev_feed *ev_join_feed(msg_events *h, const char *user, int64_t rseq)
{
    ev_feed *f = feed_find(h, user);
    if (f)
        return f;
    if (!(f = calloc(1, sizeof *f)))
        return NULL;
    snprintf(f->user, sizeof f->user, "%s", user);
    /* the feed looks back one window, so a message that commits late is still found */
    f->st.floor = f->st.rd = msg_now_usec() - MSG_EVENTS_LATE_US;
    f->st.rseq = rseq; /* the replay read the log to it: the feed goes on from there */
    f->poll_ms = h->poll_min_ms;
    f->next_poll_ms = base_mono_ms() + f->poll_ms;
    f->dirty = f->reads_dirty = true;
    f->next = h->feeds;
    h->feeds = f;
    h->n_feeds++;
    return f;
}

/* A new stream's replay from its own position, then it joins its user's feed (hub thread,
 * hub->mu not held). */
static void ev_join(msg_events *h, msg_stream *st)
{
    msg_event_state from;
    pthread_mutex_lock(&st->mu);
    from = st->st;
    pthread_mutex_unlock(&st->mu);
    ev_list evs = {0};
    err_t e = {0};
    int rc = 0;
    if (from.rseq >= 0) { /* a number past the log's newest (a table made again since, or
                           * made up) would hide the rows to come until they pass it */
        int64_t newest, stamp;
        if (!(rc = msgi_read_log_newest(h->svc, st->user, &newest, &stamp, &e)) &&
            from.rseq > newest)
            from.rseq = newest;
    }
    if (!rc)
        rc = ev_scan(h, st->user, &from, true, &evs, NULL, &e);
    if (rc)
        log_error("events: replay for a stream failed: %s", e.msg);

    pthread_mutex_lock(&h->mu);
    /* from here (h->mu held throughout) the stream is counted by its feed or is gone: it must
     * not count twice for its user (the hub used to clear this only after the flush below,
     * so a user's 64th stream opened meanwhile was refused as overloaded) */
    h->replaying_user[0] = 0;
    ev_feed *f = NULL;
    if (st->reader_gone || h->stopping || rc || !(f = ev_join_feed(h, st->user, from.rseq))) {
        if (!st->reader_gone) {
            pthread_mutex_lock(&st->mu);
            st->ended = true; /* the client reconnects and replays again */
            st_wake_later(h, st);
            pthread_mutex_unlock(&st->mu);
        }
        st_hub_release(h, st);
        pthread_mutex_unlock(&h->mu);
        ev_list_fini(&evs);
        return;
    }
    pthread_mutex_lock(&st->mu);
    st->st.rseq = from.rseq; /* a number now (ev_reads_resolve), not past the newest row */
    st_append_event(st, "ready", "{}");
    for (size_t i = 0; i < evs.n; i++)
        if (ev_state_take(&st->st, &evs.v[i]))
            st_append_ev(st, &evs.v[i]);
    if (evs.n == EV_SCAN_MAX) /* more to replay: the feed's next scan is not enough */
        st->ended = true;    /* (the client reconnects from its new position at once) */
    bool ended = st->ended;
    st_wake_later(h, st);
    pthread_mutex_unlock(&st->mu);
    st->feed = f;
    st->prev = NULL;
    st->next = f->streams;
    if (f->streams)
        f->streams->prev = st;
    f->streams = st;
    f->n_streams++;
    if (ended)
        st_end(h, st);
    pthread_mutex_unlock(&h->mu);
    ev_list_fini(&evs);
}

/* What a scan's outcome has the hub log once it is unlocked (ev_fail_note). */
typedef struct ev_fail_say {
    bool fail, back; /* "scan failed", "scans work again" */
    long unsaid;     /* failed scans not logged before this line */
    int poll_ms;     /* a failing feed's polling interval (hub->poll_max_ms) */
} ev_fail_say;

/* Counts feed f's scan outcome rc into the hub's failing feeds and decides what is logged
 * (hub->mu held).  A failing scan is said when scans start failing (no feed's last scan
 * failed before) and once when every feed's works again, not for every feed at every poll (a
 * remote endpoint down: a line per user with an open stream every 5 s), and at most once a
 * minute with the failures in between counted (an endpoint failing one request in two: a
 * line per failure; test_remote_backend test_scan_failures_logged_once,
 * test_intermittent_scan_failures_logged_once). */
static ev_fail_say ev_fail_note(msg_events *h, ev_feed *f, int rc)
{
    ev_fail_say say = {.poll_ms = h->poll_max_ms};
    if (f->failing != (rc != 0))
        h->n_failing += rc ? 1 : -1;
    f->failing = rc != 0;
    int64_t now_ms = base_mono_ms();
    if (rc) {
        if (!h->fail_said &&
            (!h->fail_ever_said || now_ms - h->fail_said_ms >= EV_FAIL_SAY_MS)) {
            say.fail = h->fail_said = h->fail_ever_said = true;
            h->fail_said_ms = now_ms;
            say.unsaid = h->fails_unsaid;
            h->fails_unsaid = 0;
        } else {
            h->fails_unsaid++;
        }
    } else if (h->n_failing == 0 && h->fail_said) {
        say.back = true;
        h->fail_said = false;
        say.unsaid = h->fails_unsaid;
        h->fails_unsaid = 0;
    }
    return say;
}

/* Logs what ev_fail_note decided (hub->mu not held); why: the failed scan's message. */
static void ev_fail_log(const ev_fail_say *say, const char *why)
{
    if (say->fail)
        log_error("events: scan failed: %s (%ld failed scans before, not logged; logged once "
                  "until every feed's scan works, at most once a minute; a failing feed polls "
                  "every %d ms meanwhile)",
                  why, say->unsaid, say->poll_ms);
    if (say->back)
        log_info("events: scans work again (%ld more failed scans)", say->unsaid);
}

/* The partition version of user's partition `kind` ("READ#": the read log, "GRP#": the
 * conversation rows) now (msgi_pk_version: it moves with any commit that may have written
 * the partition, and now and then with others); 0 when the backend has none or gives none
 * now. */
static uint64_t ev_version(msg_events *h, const char *kind, const char *user)
{
    char pk[8 + MSG_UUID_LEN];
    snprintf(pk, sizeof pk, "%s%s", kind, user);
    return msgi_pk_version(h->svc, pk);
}

/* Whether user's partition `kind` may have changed since version v was taken (0: cannot
 * tell, so it may have) (embedded: the commit notification names no key, so every commit's
 * pass scanned every feed, a Query of its GRP# and one of its READ# each). */
static bool ev_moved(msg_events *h, const char *kind, const char *user, uint64_t v)
{
    return !v || ev_version(h, kind, user) != v;
}

/* Moves feed f past a scan's outcome (hub->mu held): on success its events go to its streams;
 * either way its next poll is set (sooner after events, backing off while quiet or failing),
 * and what the scan could not finish is marked for the next one.  reads_v: the read log's
 * version taken before a scan that read it. */
static void ev_feed_advance(msg_events *h, ev_feed *f, int rc, bool reads, uint64_t reads_v,
                            uint64_t grp_v, const ev_list *evs)
{
    if (reads)
        f->reads_v = rc ? 0 : reads_v;
    f->grp_v = rc ? 0 : grp_v;
    if (rc && reads)
        f->reads_dirty = true; /* the next scan reads it again */
    if (rc) {
        f->poll_ms = h->poll_max_ms;
    } else {
        for (size_t i = 0; i < evs->n; i++)
            ev_state_take(&f->st, &evs->v[i]);
        feed_fanout(h, f, evs);
        if (evs->n == EV_SCAN_MAX) {
            f->dirty = true; /* more */
            f->reads_dirty |= reads;
        }
        f->poll_ms = evs->n ? h->poll_min_ms
                            : (f->poll_ms * 2 < h->poll_max_ms ? f->poll_ms * 2 : h->poll_max_ms);
    }
    f->next_poll_ms = base_mono_ms() + f->poll_ms;
}

/* One scan of feed f (hub thread, hub->mu not held): what its user's streams have not had,
 * handed to them; a failure counted and logged as ev_fail_note says. */
static void ev_scan_feed(msg_events *h, ev_feed *f, bool reads, uint64_t reads_v,
                         uint64_t grp_v)
{
    ev_list evs = {0};
    err_t e = {0};
    bool whole = false;
    int rc = ev_scan(h, f->user, &f->st, reads, &evs, &whole, &e);
    pthread_mutex_lock(&h->mu);
    ev_fail_say say = ev_fail_note(h, f, rc);
    ev_feed_advance(h, f, rc, reads, reads_v, whole ? grp_v : 0, &evs);
    pthread_mutex_unlock(&h->mu);
    ev_fail_log(&say, e.msg);
    ev_list_fini(&evs);
}

/* Ends the streams whose token has expired and, with ping, sends the others a heartbeat;
 * h->next_until_s becomes the earliest expiry left (the hub wakes for it: a stream ends
 * within about a second of its token's exp, not at the next heartbeat, up to 15 s later).
 * Caller holds h->mu. */
static void ev_heartbeat(msg_events *h, bool ping_them)
{
    /* a named event, no id: a page's EventSource sees it (a comment it never shows) and
     * can tell a half-open stream from a quiet one; the position stays the last message's */
    static const char ping[] = "event: ping\ndata: {}\n\n";
    long long now_s = (long long)time(NULL), next = 0;
    for (ev_feed *f = h->feeds; f; f = f->next)
        for (msg_stream *st = f->streams, *nx; st; st = nx) {
            nx = st->next;
            pthread_mutex_lock(&st->mu);
            if (st->until_s && now_s >= st->until_s)
                st->ended = true; /* its token expired */
            if (ping_them || st->ended)
                st_append(st, ping, sizeof ping - 1);
            bool ended = st->ended;
            if (!ended && st->until_s && (!next || st->until_s < next))
                next = st->until_s;
            if (ping_them || ended)
                st_wake_later(h, st);
            pthread_mutex_unlock(&st->mu);
            if (ended)
                st_end(h, st);
        }
    for (msg_stream *st = h->joining; st; st = st->next) { /* not in a feed yet: */
        long long u = st->until_s && st->until_s <= now_s ? now_s + 1 : st->until_s;
        if (u && (!next || u < next)) /* an expired one is looked at again in a second */
            next = u;
    }
    h->next_until_s = next;
}

static void ev_free_idle_feeds(msg_events *h)
{
    for (ev_feed **pp = &h->feeds; *pp;) {
        ev_feed *f = *pp;
        if (f->n_streams == 0) {
            *pp = f->next;
            if (f->failing)
                h->n_failing--;
            free(f);
            h->n_feeds--;
        } else {
            pp = &f->next;
        }
    }
}

/* Feed f is due a scan at mono time now: something changed for it, or (no change feed) its
 * poll is due. */
static bool ev_feed_due(const msg_events *h, const ev_feed *f, int64_t now)
{
    return f->dirty || (!h->has_feed && now >= f->next_poll_ms);
}

/* Whether the hub has work at mono time now (hub->mu held): a change, a stream joining, a
 * heartbeat, a token expiring (*expiring), a feed due; else *wake_at is when to look again.
 * After commits, a pass waits until EV_MIN_PASS_MS after the last one. */
static bool ev_hub_due(const msg_events *h, int64_t now, int64_t *wake_at, bool *expiring)
{
    bool due = h->any_change || h->joining || now >= h->next_heartbeat_ms;
    *wake_at = h->next_heartbeat_ms;
    long long now_s = (long long)time(NULL);
    *expiring = h->next_until_s && now_s >= h->next_until_s;
    due |= *expiring;
    if (h->next_until_s && !*expiring && now + (h->next_until_s - now_s) * 1000 < *wake_at)
        *wake_at = now + (h->next_until_s - now_s) * 1000;
    for (ev_feed *f = h->feeds; f; f = f->next) {
        if (ev_feed_due(h, f, now))
            due = true;
        if (!h->has_feed && f->next_poll_ms < *wake_at)
            *wake_at = f->next_poll_ms;
    }
    if (h->any_change && !h->joining && now < h->last_pass_ms + EV_MIN_PASS_MS) {
        *wake_at = h->last_pass_ms + EV_MIN_PASS_MS;
        return false; /* commits keep coming: scan at most every EV_MIN_PASS_MS */
    }
    return due;
}

/* Replays every joining stream and adds it to its feed (hub->mu held, released around each
 * replay). */
static void ev_hub_join_all(msg_events *h)
{
    while (h->joining && !h->stopping) {
        msg_stream *st = h->joining;
        h->joining = st->next;
        st->next = NULL;
        memcpy(h->replaying_user, st->user, sizeof h->replaying_user);
        pthread_mutex_unlock(&h->mu);
        ev_join(h, st);
        ev_flush_wakes(h);
        pthread_mutex_lock(&h->mu);
        h->replaying_user[0] = 0;
    }
}

/* Scans every feed that is due at mono time now and has streams (hub->mu held, released
 * around each scan). */
static void ev_hub_scan_feeds(msg_events *h, int64_t now)
{
    for (ev_feed *f = h->feeds; f && !h->stopping; f = f->next) {
        if (!ev_feed_due(h, f, now) || f->n_streams == 0)
            continue;
        f->dirty = false;
        /* the read log: when it changed, and every EV_READS_EVERY polls without a change
         * feed (another server's mark-read wakes no one here) */
        bool reads = f->reads_dirty || (!h->has_feed && ++f->polls >= EV_READS_EVERY);
        if (reads) {
            f->reads_dirty = false;
            f->polls = 0;
        }
        pthread_mutex_unlock(&h->mu);
        /* feeds are freed by this thread only: f stays valid; the versions before the reads */
        uint64_t reads_v = reads ? ev_version(h, "READ#", f->user) : 0,
                 grp_v = ev_version(h, "GRP#", f->user);
        ev_scan_feed(h, f, reads, reads_v, grp_v);
        ev_flush_wakes(h);
        pthread_mutex_lock(&h->mu);
    }
}

/* One pass of the hub at mono time now (hub->mu held, released around the scans): a change
 * marks every feed, joining streams are replayed, due feeds scanned, heartbeats and expired
 * tokens handled, idle feeds freed. */
static void ev_hub_pass(msg_events *h, int64_t now, bool expiring)
{
    if (h->any_change) {
        h->any_change = false;
        h->last_pass_ms = now;
        /* (embedded: any commit) the feeds whose partitions it may have written, by their
         * versions, taken without h->mu (the feed list changes on this thread only, user and
         * the versions too): 2,000 feeds held it ~0.4 ms a pass, the sends' hints waiting */
        pthread_mutex_unlock(&h->mu);
        for (ev_feed *f = h->feeds; f; f = f->next) {
            f->grp_moved = ev_moved(h, "GRP#", f->user, f->grp_v);
            f->reads_moved = ev_moved(h, "READ#", f->user, f->reads_v);
        }
        pthread_mutex_lock(&h->mu);
        for (ev_feed *f = h->feeds; f; f = f->next) {
            f->dirty |= f->grp_moved;          /* a conversation row, or cannot tell */
            f->reads_dirty |= f->reads_moved;  /* a READ# row, or cannot tell */
            f->dirty |= f->reads_dirty;
        }
    }
    ev_hub_join_all(h);
    ev_hub_scan_feeds(h, now);
    if (base_mono_ms() >= h->next_heartbeat_ms) {
        ev_heartbeat(h, true);
        h->next_heartbeat_ms = base_mono_ms() + h->heartbeat_ms;
    } else if (expiring) {
        ev_heartbeat(h, false);
    }
    ev_free_idle_feeds(h);
    pthread_mutex_unlock(&h->mu);
    ev_flush_wakes(h);
    pthread_mutex_lock(&h->mu);
}

static void *ev_hub_main(void *arg)
{
    msg_events *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        int64_t now = base_mono_ms(), wake_at;
        bool expiring;
        if (ev_hub_due(h, now, &wake_at, &expiring)) {
            ev_hub_pass(h, now, expiring);
        } else {
            struct timespec ts;
            ev_deadline(&ts, wake_at);
            pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* ---- the watcher thread: the backend's change feed ---------------------------------------- */

static void ev_changed_key(void *ctx, const char *pk)
{
    msg_events *h = ctx;
    /* a conversation row moved, or a read marker was logged (service_mark.c) */
    size_t skip = !pk ? 0 : strncmp(pk, "GRP#", 4) == 0 ? 4 : strncmp(pk, "READ#", 5) == 0 ? 5 : 0;
    if (!skip)
        return;
    /* a conversation row of the user moved (perhaps another process's mark-read of an older
     * conversation): a kept count of the unread total's older rows is dropped (service_read.c;
     * before, it was up to msg_config.unread_total_cache_ms late:
     * test_events.c::test_a_changed_grp_drops_the_kept_unread_total) */
    if (skip == 4)
        msgi_unread_forget(h->svc, pk + 4);
    pthread_mutex_lock(&h->mu);
    ev_feed *f = feed_find(h, pk + skip);
    if (f) {
        f->dirty = true;
        f->reads_dirty |= skip == 5;
    }
    pthread_mutex_unlock(&h->mu);
}

static void ev_rename(msg_events *h, const char *user_uuid, const char *group, const char *uuid,
                      const char *handle, const char *name, bool own);
static void ev_delete(msg_events *h, const char *user_uuid, const char *group, const char *ts);
static bool ev_seen_has(msg_events *h, uint64_t key);
static bool ev_seen_get(msg_events *h, uint64_t key, uint64_t *out_val);
static bool ev_seen_put(msg_events *h, uint64_t key, uint64_t val);
static uint64_t ev_rename_key(const char *user_uuid, const char *group);
static uint64_t ev_rename_val(const char *uuid, const char *handle, const char *name);

/* Whether a rename ever reached conversation `group` of users a and b for b: its pair row has
 * name_<b> (a rename writes it there, with the other participant's row; service_users.c).
 * 1 when it has, or unsure (no pair row, or one of another conversation); 0 when not; else
 * the read's error (e): the caller leaves the event out, as for any side read that fails.
 * A failed read counted as "unsure" gave a mark-read a rename event with the unchanged name
 * when its row was read just before a throttle and its pair row just after
 * (test_messaging_stream_feed.py::test_side_reads_do_not_hold_messages, on DynamoDB Local in
 * a clean-clone make test). */
static int ev_ever_renamed(msg_service *s, const char *a, const char *b, const char *group,
                           err_t *e)
{
    const char *lo = strcmp(a, b) < 0 ? a : b, *hi = lo == a ? b : a;
    char pk[16 + 2 * MSG_UUID_LEN], attr[8 + MSG_UUID_LEN];
    snprintf(pk, sizeof pk, "PAIR#%s#%s", lo, hi);
    snprintf(attr, sizeof attr, "name_%s", b);
    json_t *row = NULL;
    int rc = msgi_get_item(s, pk, "PAIR", &row, e);
    if (rc) {
        json_decref(row);
        return rc < 0 ? rc : -rc;
    }
    int ever = !row || !msgi_item_s(row, "group_uuid") ||
               strcmp(msgi_item_s(row, "group_uuid"), group) != 0 ||
               json_object_get(row, attr) != NULL;
    json_decref(row);
    return ever;
}

/* Whether user (NULL: anybody) has a feed here. */
static bool ev_has_feed(msg_events *h, const char *user)
{
    pthread_mutex_lock(&h->mu);
    bool has = user ? feed_find(h, user) != NULL : h->feeds != NULL;
    pthread_mutex_unlock(&h->mu);
    return has;
}

/* Another process's delete, rename or mark-read, seen in the change feed's records
 * (backend.h msg_change_keys.row, queued by ev_changed_row; read here on the side-read
 * thread, no lock held): the events this
 * process's own changes gave at once (msg_events_deleted, msg_events_renamed), for users with
 * a stream here, each read by its key; one this process delivered already (its own change,
 * back through the stream) is not delivered again (ev_seen_put).
 * - REMOVE of a message row MSG#<g>, <created_at>: the delete event to the conversation's two
 *   participants (the GSI Query of g: msgi_group_users).
 * - MODIFY of a conversation row GRP#<u>, <sk>: a rename writes the other participant's name
 *   there (so do a mark-read and a delete, which leave it): the row read by its key (taken
 *   from the record's new image instead when the stream's view has one and its name is the
 *   one last delivered, or none was: an image is the row as of its record, not now), and the
 *   rename event to u when its name is not the one last delivered for that conversation.  A
 *   conversation this process has delivered no name of: its pair row read too, and no event
 *   when no rename ever reached it (no name_<other>); else one with the name as it is (after
 *   a rename long ago, a mark-read's MODIFY gives one more event with the same name:
 *   harmless, the page puts the name it shows), the first time only.
 * - MODIFY of a user row USER#<x>: the "you" event to x's streams, as above.
 * A read that fails leaves the event out (logged at debug): the page's next listing or
 * reconnection shows the change, as before session 31. */
static void ev_side_read(msg_events *h, const char *event_name, const char *pk, const char *sk,
                         const char *image)
{
    if (!ev_has_feed(h, NULL))
        return;
    msg_service *s = h->svc;
    err_t e = {0};
    int rc = 0;
    if (strcmp(event_name, "REMOVE") == 0 && strncmp(pk, "MSG#", 4) == 0 &&
        msgi_is_uuid(pk + 4)) {
        char users[2][MSG_UUID_LEN + 1];
        int n = 0;
        rc = msgi_group_users(s, pk + 4, users, &n, &e);
        for (int i = 0; !rc && i < n; i++)
            if (ev_has_feed(h, users[i]))
                ev_delete(h, users[i], pk + 4, sk);
    } else if (strcmp(event_name, "MODIFY") == 0 &&
               ((strncmp(pk, "GRP#", 4) == 0 && ev_has_feed(h, pk + 4)) ||
                (strncmp(pk, "USER#", 5) == 0 && strcmp(sk, "USER") == 0 &&
                 ev_has_feed(h, pk + 5)))) {
        json_t *row = NULL;
        bool you = pk[0] == 'U';
        if (image) /* the row as the record's commit left it */
            row = json_loads(image, 0, NULL);
        if (row) {
            /* the image is the row as of that record, not now: a late record of an older
             * rename after a newer one was delivered (the own tell is at once, records come
             * later) would replay the older name.  So the image only spares the GetItem when
             * it can give nothing older: its name is the one last delivered (a mark-read's or
             * a message's MODIFY), or none was delivered for that key; else the row is read
             * as it is now, as without images */
            const char *g = msgi_item_s(row, "message_group_uuid"),
                       *uuid = msgi_item_s(row, you ? "uuid" : "user_uuid"),
                       *handle = msgi_item_s(row, you ? "handle" : "user_handle"),
                       *name = msgi_item_s(row, you ? "display_name" : "user_display_name");
            uint64_t last = 0;
            if (!(you || g) || !uuid || !handle || !name ||
                (ev_seen_get(h, ev_rename_key(pk + (you ? 5 : 4), you ? NULL : g), &last) &&
                 last != ev_rename_val(uuid, handle, name))) {
                json_decref(row);
                row = NULL;
            }
        }
        if (!row)
            rc = msgi_get_item(s, pk, sk, &row, &e);
        const char *g = msgi_item_s(row, "message_group_uuid"),
                   *uuid = msgi_item_s(row, you ? "uuid" : "user_uuid"),
                   *handle = msgi_item_s(row, you ? "handle" : "user_handle"),
                   *name = msgi_item_s(row, you ? "display_name" : "user_display_name");
        const char *user = pk + (you ? 5 : 4);
        if (!rc && row && uuid && handle && name && (you || (g && msgi_is_uuid(g)))) {
            /* a conversation none of whose names this process delivered: a rename only if
             * one ever reached it (its pair row says); else noted, no event (the MODIFY of a
             * mark-read or a delete) */
            int ever = !you && !ev_seen_has(h, ev_rename_key(user, g)) && msgi_is_uuid(uuid)
                           ? ev_ever_renamed(s, user, uuid, g, &e)
                           : 1;
            if (ever < 0)
                rc = ever;
            else if (!ever)
                ev_seen_put(h, ev_rename_key(user, g), ev_rename_val(uuid, handle, name));
            else
                ev_rename(h, user, you ? NULL : g, uuid, handle, name, false);
        }
        json_decref(row);
    }
    if (rc)
        log_debug("live delivery: %s %s %s not delivered: %s", event_name, pk, sk, e.msg);
}

static void ev_side_fini(struct ev_side *q)
{
    free(q->event_name);
    free(q->pk);
    free(q->sk);
    free(q->image);
}

/* Whether a change feed record may give a rename or delete event here (ev_side_read's cases,
 * without reading anything): a message row's REMOVE while any stream is open; a MODIFY of a
 * conversation row or a user row of a user with a stream here. */
static bool ev_side_wanted(msg_events *h, const char *event_name, const char *pk, const char *sk)
{
    if (strcmp(event_name, "REMOVE") == 0)
        return strncmp(pk, "MSG#", 4) == 0 && msgi_is_uuid(pk + 4) && ev_has_feed(h, NULL);
    if (strcmp(event_name, "MODIFY") != 0)
        return false;
    if (strncmp(pk, "GRP#", 4) == 0)
        return ev_has_feed(h, pk + 4);
    return strncmp(pk, "USER#", 5) == 0 && strcmp(sk, "USER") == 0 && ev_has_feed(h, pk + 5);
}

/* The change feed's record of another process's possible rename or delete (backend.h
 * msg_change_keys.row; the watcher thread, no lock held): queued for the side-read thread
 * (ev_side_main), not read here.  Before, the watcher read the rows itself (1-2 consistent
 * GetItems per mark-read's MODIFY, each retried with back-off when throttled) before it
 * handed over the batch's keys, so a batch's message events waited for them: 40 mark-reads
 * with GetItems 30 ms slower held the next message 3.8 s, and throttled GetItems 12.8 s
 * (test_messaging_stream_feed.py test_side_reads_do_not_hold_messages).  A record already
 * queued is not queued again; one that finds the queue full is left out (counted, logged at
 * debug). */
static void ev_changed_row(void *ctx, const char *event_name, const char *pk, const char *sk,
                           const json_t *new_image)
{
    msg_events *h = ctx;
    if (!event_name || !pk || !sk || !ev_side_wanted(h, event_name, pk, sk))
        return;
    /* a MODIFY's new image (the stream's view has it): the side read takes the row from it
     * instead of a GetItem (a mark-read, this process's own too, cost one) */
    char *image = strcmp(event_name, "MODIFY") == 0 && json_is_object(new_image)
                      ? json_dumps(new_image, JSON_COMPACT)
                      : NULL;
    pthread_mutex_lock(&h->mu);
    bool queued = false;
    for (size_t i = 0; i < h->side_n && !queued; i++) {
        struct ev_side *q = &h->side[(h->side_head + i) % EV_SIDE_MAX];
        queued = strcmp(q->pk, pk) == 0 && strcmp(q->sk, sk) == 0 &&
                 strcmp(q->event_name, event_name) == 0;
        if (queued) { /* the queued read takes the newest record's image (none: read it) */
            free(q->image);
            q->image = image;
            image = NULL;
        }
    }
    bool full = !queued && h->side_n == EV_SIDE_MAX;
    if (!queued && !full) {
        struct ev_side *q = &h->side[(h->side_head + h->side_n) % EV_SIDE_MAX];
        q->event_name = strdup(event_name);
        q->pk = strdup(pk);
        q->sk = strdup(sk);
        q->image = image; /* (NULL when the dump failed: the row is read) */
        image = NULL;
        if (q->event_name && q->pk && q->sk) {
            h->side_n++;
            pthread_cond_signal(&h->side_cv);
        } else {
            ev_side_fini(q);
            full = true; /* no memory: left out as well */
        }
    }
    if (full)
        h->side_dropped++;
    long dropped = h->side_dropped;
    pthread_mutex_unlock(&h->mu);
    free(image);
    if (full)
        log_debug("live delivery: %s %s %s not delivered: %d side reads queued already (%ld "
                  "records left out so far)",
                  event_name, pk, sk, EV_SIDE_MAX, dropped);
}

/* The side-read thread: reads the records ev_changed_row queued, oldest first, while the
 * watcher goes on handing over the stream's batches.  Each call is tried once (no retry, no
 * back-off: a throttled or failing table empties the queue instead of holding it) and within
 * EV_SIDE_DEADLINE_MS.  At worst a rename or delete event is left out (logged at debug); the
 * page's next listing or reconnection shows the change. */
static void *ev_side_main(void *arg)
{
    msg_events *h = arg;
    msg_backend *b = h->svc->backend;
    msg_backend_attempts_max(b, 1);
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        if (!h->side_n) {
            pthread_cond_wait(&h->side_cv, &h->mu);
            continue;
        }
        struct ev_side q = h->side[h->side_head];
        h->side_head = (h->side_head + 1) % EV_SIDE_MAX;
        h->side_n--;
        pthread_mutex_unlock(&h->mu);
        msg_backend_deadline(b, EV_SIDE_DEADLINE_MS);
        ev_side_read(h, q.event_name, q.pk, q.sk, q.image);
        msg_backend_deadline(b, 0);
        ev_side_fini(&q);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* While no stream is open, joining or being replayed, the watcher does not follow a change
 * feed that may go unread (backend.h wait_change_idle: the embedded engine's): it sleeps here
 * (h->mu held) until a stream opens (msg_stream_open signals watch_cv) or the hub stops.  What a stream missed meanwhile is its replay's (the hub scans the table
 * from the stream's position before it joins a feed), and the first wait_change after this
 * sees the changes made while it slept (MSG_CHANGE_ANY: every feed is scanned once).  Before,
 * the watcher and the hub woke after every commit with no one to tell: two context switches
 * and a futex wake in the committing thread per round of writes (BENCHMARKS.md, "Session 10:
 * writes"). */
static void ev_watch_idle(msg_events *h)
{
    if (!h->svc->backend->ops->wait_change_idle)
        return;
    while (!h->stopping && !h->feeds && !h->joining && !h->replaying_user[0]) {
        struct timespec ts;
        ev_deadline(&ts, base_mono_ms() + EV_WATCH_MS);
        pthread_cond_timedwait(&h->watch_cv, &h->mu, &ts);
    }
}

static void *ev_watch_main(void *arg)
{
    msg_events *h = arg;
    msg_backend *b = h->svc->backend;
    msg_change_keys keys = {ev_changed_key, h, ev_changed_row};
    uint64_t seq = 0;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        ev_watch_idle(h);
        bool stop = h->stopping;
        pthread_mutex_unlock(&h->mu);
        if (stop)
            break;
        int r = b->ops->wait_change(b, &seq, EV_WATCH_MS, &keys);
        pthread_mutex_lock(&h->mu);
        bool had_feed = h->has_feed;
        h->has_feed = r != MSG_CHANGE_POLL; /* POLL: no feed for now (remote, no stream) */
        bool switched = had_feed != h->has_feed;
        if (r == MSG_CHANGE_ANY || r == MSG_CHANGE_KEYS)
            h->changes++;
        if (switched || r == MSG_CHANGE_ANY)
            h->any_change = true; /* a switch: one look at every feed */
        if (had_feed && !h->has_feed) /* the feed is lost: poll from the shortest interval */
            for (ev_feed *f = h->feeds; f; f = f->next)
                f->poll_ms = h->poll_min_ms;
        if (switched || r == MSG_CHANGE_ANY || r == MSG_CHANGE_KEYS)
            pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

/* ---- public --------------------------------------------------------------------------- */

void msg_events_set_streams_max(msg_events *h, long max)
{
    pthread_mutex_lock(&h->mu);
    h->streams_max = max < 1 ? 1 : max > MSG_EVENTS_STREAMS_MAX ? MSG_EVENTS_STREAMS_MAX : max;
    pthread_mutex_unlock(&h->mu);
}

int msg_events_new(msg_service *svc, msg_events **out, err_t *e)
{
    *out = NULL;
    msg_events *h = calloc(1, sizeof *h);
    if (!h)
        return err_set(e, ERR_NOMEM, "out of memory");
    h->svc = svc;
    h->has_feed = svc->backend->ops->wait_change != NULL;
    h->streams_max = MSG_EVENTS_STREAMS_MAX;
    atomic_init(&h->buffered, 0);
    h->buffered_max = MSG_EVENTS_BUFFERS_MAX;
    long v;
    if (msgi_env_long("DDBCHAT_EVENTS_BUFFERS_MB", 1, (MSG_EVENTS_BUFFERS_MAX >> 20) - 1, &v))
        h->buffered_max = v << 20; /* tests: lower only */
    pthread_mutex_init(&h->mu, NULL);
    base_cond_init_mono(&h->cv);
    base_cond_init_mono(&h->watch_cv);
    base_cond_init_mono(&h->side_cv);
    h->heartbeat_ms = (int64_t)MSG_EVENTS_HEARTBEAT_S * 1000;
    /* tests: token expiry at once */
    if (msgi_env_long("DDBCHAT_EVENTS_HEARTBEAT_MS", 10, (long)MSG_EVENTS_HEARTBEAT_S * 1000, &v))
        h->heartbeat_ms = v;
    h->next_heartbeat_ms = base_mono_ms() + h->heartbeat_ms;
    h->poll_max_ms = MSG_EVENTS_POLL_MAX_MS;
    /* tests: failing polls sooner */
    if (msgi_env_long("DDBCHAT_EVENTS_POLL_MAX_MS", MSG_EVENTS_POLL_MIN_MS,
                      MSG_EVENTS_POLL_MAX_MS - 1, &v))
        h->poll_max_ms = (int)v;
    h->poll_min_ms = MSG_EVENTS_POLL_MIN_MS;
    /* tests: polled messages late */
    if (msgi_env_long("DDBCHAT_EVENTS_POLL_MIN_MS", MSG_EVENTS_POLL_MIN_MS + 1, h->poll_max_ms,
                      &v))
        h->poll_min_ms = (int)v;
    msg_tickets_init(&h->tickets);
    int rc = 0;
    if (pthread_create(&h->hub_th, NULL, ev_hub_main, h) != 0) {
        rc = err_set(e, ERR_INTERNAL, "cannot start the event hub thread");
        goto fail;
    }
    h->hub_started = true;
    if (h->has_feed) {
        if (pthread_create(&h->watch_th, NULL, ev_watch_main, h) != 0) {
            rc = err_set(e, ERR_INTERNAL, "cannot start the change watcher thread");
            goto fail;
        }
        h->watch_started = true;
        if (pthread_create(&h->side_th, NULL, ev_side_main, h) != 0) {
            rc = err_set(e, ERR_INTERNAL, "cannot start the side-read thread");
            goto fail;
        }
        h->side_started = true;
    }
    *out = h;
    return 0;
fail:
    msg_events_free(h);
    return rc;
}

void msg_events_stop(msg_events *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_broadcast(&h->cv);
    pthread_cond_broadcast(&h->watch_cv);
    pthread_cond_broadcast(&h->side_cv);
    pthread_mutex_unlock(&h->mu);
    /* the hub thread no longer touches feeds or wakes once it has stopped */
    if (h->hub_started) {
        pthread_join(h->hub_th, NULL);
        h->hub_started = false;
    }
    if (h->watch_started) {
        pthread_join(h->watch_th, NULL);
        h->watch_started = false;
    }
    if (h->side_started) { /* after the watcher: nothing is queued any more */
        pthread_join(h->side_th, NULL);
        h->side_started = false;
    }
    pthread_mutex_lock(&h->mu);
    for (ev_feed *f = h->feeds; f; f = f->next)
        while (f->streams)
            st_end(h, f->streams);
    while (h->joining) {
        msg_stream *st = h->joining;
        h->joining = st->next;
        pthread_mutex_lock(&st->mu);
        st->ended = true;
        st_wake_later(h, st);
        pthread_mutex_unlock(&st->mu);
        st_hub_release(h, st);
    }
    ev_free_idle_feeds(h);
    msg_tickets_clear(&h->tickets);
    pthread_mutex_unlock(&h->mu);
    ev_flush_wakes(h);
}

void msg_events_free(msg_events *h)
{
    if (!h)
        return;
    msg_events_stop(h);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    pthread_cond_destroy(&h->watch_cv);
    pthread_cond_destroy(&h->side_cv);
    for (; h->side_n; h->side_n--, h->side_head = (h->side_head + 1) % EV_SIDE_MAX)
        ev_side_fini(&h->side[h->side_head]);
    msg_tickets_fini(&h->tickets);
    free(h->wakes);
    free(h);
}

void msg_events_stats_get(msg_events *h, msg_events_stats *out)
{
    pthread_mutex_lock(&h->mu);
    out->streams = h->n_streams;
    out->feeds = h->n_feeds;
    out->tickets = (long)msg_tickets_count(&h->tickets);
    out->scans = h->scans;
    out->changes = h->changes;
    pthread_mutex_unlock(&h->mu);
}

void msg_events_metrics(void *ctx, buf_t *b)
{
    msg_events_stats st;
    msg_events_stats_get(ctx, &st);
    met_prom_header(b, "ddbchat_events_streams", "gauge",
                    "Live event streams open (GET /api/events), one REST connection each.");
    buf_printf(b, "ddbchat_events_streams %ld\n", st.streams);
}

/* Streams open, joining or being replayed for user (hub->mu held). */
static long ev_user_streams(msg_events *h, const char *user)
{
    long n = strcmp(h->replaying_user, user) == 0;
    ev_feed *f = feed_find(h, user);
    if (f)
        n += f->n_streams;
    for (msg_stream *s = h->joining; s; s = s->next)
        n += strcmp(s->user, user) == 0;
    return n;
}

int msg_events_ticket(msg_events *h, const char *user_uuid, char out[MSG_TICKET_LEN + 1],
                      err_t *e)
{
    return msg_events_ticket_until(h, user_uuid, 0, out, e);
}

int msg_events_ticket_until(msg_events *h, const char *user_uuid, long long until_s,
                            char out[MSG_TICKET_LEN + 1], err_t *e)
{
    char tok[MSG_TICKET_LEN + 1];
    int rc = msg_tickets_draw(tok, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&h->mu);
    int64_t now = base_mono_ms();
    msg_tickets_make_room(&h->tickets, user_uuid, now);
    if (h->stopping)
        rc = msg_fail(e, MSG_E_UNAVAILABLE);
    else if (msg_tickets_full(&h->tickets))
        rc = msg_fail(e, MSG_E_OVERLOADED);
    else if (!(rc = msg_tickets_add(&h->tickets, tok, user_uuid, until_s, now, e)))
        memcpy(out, tok, MSG_TICKET_LEN + 1);
    pthread_mutex_unlock(&h->mu);
    explicit_bzero(tok, sizeof tok);
    return rc;
}

int msg_events_ticket_ttl_s(msg_events *h)
{
    return msg_tickets_ttl_s(&h->tickets);
}

void msg_events_hint(msg_events *h, const char *user_uuid, bool read)
{
    if (!h || !user_uuid)
        return;
    pthread_mutex_lock(&h->mu);
    ev_feed *f = feed_find(h, user_uuid);
    if (f) {
        f->dirty = true;
        f->reads_dirty |= read;
        f->poll_ms = h->poll_min_ms;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
}

/* An event without an id to each of the user's streams in this process, at once
 * (msg_events_renamed, msg_events_deleted, and the same from the change feed). */
static void ev_push(msg_events *h, const char *user_uuid, const char *name, const char *data)
{
    if (!h || !user_uuid || !data)
        return;
    /* the whole event in one append: a stream that cannot take it ends without half of it */
    size_t n = strlen(data) + strlen(name) + 24;
    char *ev = malloc(n);
    if (!ev)
        return; /* not delivered: the page's next listing shows the change */
    int len = snprintf(ev, n, "event: %s\ndata: %s\n\n", name, data);
    /* readers resumed after both locks are released (as ev_flush_wakes does), from a list of
     * this call's own: h->wakes is the hub thread's */
    ev_wake wk[MSG_EVENTS_STREAMS_PER_USER];
    size_t nw = 0;
    pthread_mutex_lock(&h->mu);
    ev_feed *f = feed_find(h, user_uuid);
    for (msg_stream *st = f ? f->streams : NULL; st; st = st->next) {
        pthread_mutex_lock(&st->mu);
        st_append(st, ev, (size_t)len);
        if (st->suspended && (st->len != st->off || st->ended) &&
            nw < MSG_EVENTS_STREAMS_PER_USER) { /* else the next heartbeat wakes it */
            st->suspended = false;
            wk[nw++] = (ev_wake){st->io.resume, st->io.ctx};
        }
        pthread_mutex_unlock(&st->mu);
    }
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < nw; i++)
        wk[i].resume(wk[i].ctx);
    free(ev);
}

/* FNV-1a over the strings given, each ended by a byte no string holds (0xff) */
static uint64_t ev_hash(int n, const char *const *v)
{
    uint64_t x = 14695981039346656037ULL;
    for (int i = 0; i < n; i++) {
        for (const char *p = v[i] ? v[i] : ""; *p; p++)
            x = (x ^ (unsigned char)*p) * 1099511628211ULL;
        x = (x ^ 0xff) * 1099511628211ULL;
    }
    return x;
}

/* The slot of `key` now holds val; false when it did already (the event was delivered). */
static bool ev_seen_put(msg_events *h, uint64_t key, uint64_t val)
{
    size_t i = (key >> 1) % EV_SEEN_SLOTS; /* before the tag: every slot, not the odd half */
    key |= 1;                               /* 0: an empty slot */
    pthread_mutex_lock(&h->mu);
    bool fresh = h->seen[i].key != key || h->seen[i].val != val;
    h->seen[i].key = key;
    h->seen[i].val = val;
    h->seen[i].feed_ms = 0;
    pthread_mutex_unlock(&h->mu);
    return fresh;
}

/* Whether the slot of `key` holds it; its value in *out_val when it does. */
static bool ev_seen_get(msg_events *h, uint64_t key, uint64_t *out_val)
{
    size_t i = (key >> 1) % EV_SEEN_SLOTS;
    key |= 1;
    pthread_mutex_lock(&h->mu);
    bool has = h->seen[i].key == key;
    if (has)
        *out_val = h->seen[i].val;
    pthread_mutex_unlock(&h->mu);
    return has;
}

/* Whether the rename (key, val) is to be delivered, noting it when it is.  One from the change
 * feed (own false) is not when it was the last delivered (this process's own tell, or the
 * feed's).  This process's own (own true) is not only when the feed delivered that same name
 * in the last EV_OWN_ECHO_MS (its record read first): the hub hears every rename only while a
 * feed carries them all, so a name equal to the last delivered one may still be news (X here,
 * Y by a process the hub does not hear, X here again). */
static bool ev_seen_rename(msg_events *h, uint64_t key, uint64_t val, bool own)
{
    size_t i = (key >> 1) % EV_SEEN_SLOTS;
    key |= 1;
    int64_t now = base_mono_ms();
    pthread_mutex_lock(&h->mu);
    bool same = h->seen[i].key == key && h->seen[i].val == val;
    bool deliver = own ? !(same && h->seen[i].feed_ms &&
                           now - h->seen[i].feed_ms < EV_OWN_ECHO_MS)
                       : !same;
    if (deliver || own) { /* an own tell dropped: the feed's echo is spent */
        h->seen[i].key = key;
        h->seen[i].val = val;
        h->seen[i].feed_ms = deliver && !own ? (now ? now : 1) : 0;
    }
    pthread_mutex_unlock(&h->mu);
    return deliver;
}

/* Whether the slot of `key` holds it (something of it was delivered). */
static bool ev_seen_has(msg_events *h, uint64_t key)
{
    size_t i = (key >> 1) % EV_SEEN_SLOTS;
    key |= 1;
    pthread_mutex_lock(&h->mu);
    bool has = h->seen[i].key == key;
    pthread_mutex_unlock(&h->mu);
    return has;
}

static uint64_t ev_rename_key(const char *user_uuid, const char *group)
{
    return ev_hash(3, (const char *[]){group ? "r" : "y", user_uuid, group});
}

static uint64_t ev_rename_val(const char *uuid, const char *handle, const char *name)
{
    return ev_hash(3, (const char *[]){uuid, handle, name});
}

/* The rename event to user_uuid's streams (msg_events_renamed's form), unless ev_seen_rename
 * says it was delivered: this process's own rename (own) and its records back through the
 * change feed give one event, whichever comes first (the embedded engine's feed reads a
 * record before the renaming request thread has told the hub: before, both delivered it;
 * test_messaging_stream_feed.py::test_embedded_delete_and_rename_from_another_process_arrive),
 * and an own rename back to a name delivered earlier is delivered
 * (test_an_own_rename_back_to_an_earlier_name_arrives). */
static void ev_rename(msg_events *h, const char *user_uuid, const char *group, const char *uuid,
                      const char *handle, const char *name, bool own)
{
    if (!ev_seen_rename(h, ev_rename_key(user_uuid, group), ev_rename_val(uuid, handle, name),
                        own))
        return;
    json_t *d = group ? json_pack("{s:s,s:s,s:s,s:s}", "message_group_uuid", group, "uuid",
                                  uuid, "handle", handle, "display_name", name)
                      : json_pack("{s:b,s:s,s:s,s:s}", "you", 1, "uuid", uuid, "handle",
                                  handle, "display_name", name);
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(d);
    ev_push(h, user_uuid, "rename", text); /* NULL (no memory): not sent */
    free(text);
}

/* The delete event to user_uuid's streams, once (as ev_rename). */
static void ev_delete(msg_events *h, const char *user_uuid, const char *group, const char *ts)
{
    if (!ev_seen_put(h, ev_hash(4, (const char *[]){"d", user_uuid, group, ts}), 1))
        return;
    json_t *d = json_pack("{s:s,s:s}", "message_group_uuid", group, "created_at", ts);
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(d);
    ev_push(h, user_uuid, "delete", text); /* NULL (no memory): not sent */
    free(text);
}

void msg_events_renamed(msg_events *h, const char *user_uuid, const char *group,
                        const char *uuid, const char *handle, const char *display_name)
{
    if (h && user_uuid && uuid && handle && display_name)
        ev_rename(h, user_uuid, group, uuid, handle, display_name, true);
}

void msg_events_deleted(msg_events *h, const char *user_uuid, const char *group,
                        const char *created_at)
{
    if (h && user_uuid && group && created_at)
        ev_delete(h, user_uuid, group, created_at);
}

/* The ticket taken (once) for its user and its token's expiry (until_s, 0 for none): a hub
 * stopping is unavailable; an unknown ticket, or one whose token has expired, bad_ticket. */
static int ev_stream_ticket(msg_events *h, const char *ticket, char *user, long long *until_s,
                            err_t *e)
{
    pthread_mutex_lock(&h->mu);
    bool ok = !h->stopping && msg_tickets_take(&h->tickets, ticket, base_mono_ms(), user, until_s);
    bool stopping = h->stopping;
    pthread_mutex_unlock(&h->mu);
    if (stopping)
        return msg_fail(e, MSG_E_UNAVAILABLE);
    if (!ok)
        return msg_fail(e, MSG_E_BAD_TICKET);
    /* a ticket outlives its token by up to its 30 s: the stream would open (200, ready) only
     * to end at once, and the page took that as live and reset its back-off
     * (test_messaging_sse.py::test_ticket_of_an_expired_token_is_refused) */
    if (*until_s && (long long)time(NULL) >= *until_s)
        return msg_failf(e, MSG_E_BAD_TICKET,
                         "the sign-in that asked for this ticket has expired: sign in again");
    return 0;
}

/* Where a new stream starts: from Last-Event-ID (kept within now and the replay window), or
 * now without one. */
static int ev_stream_start(const char *last_event_id, msg_event_state *st, err_t *e)
{
    int64_t now = msg_now_usec();
    if (!last_event_id || !*last_event_id) {
        memset(st, 0, sizeof *st);
        st->floor = st->rd = now;
        st->rseq = -1; /* the replay takes the newest read-log row stamped before now */
        return 0;
    }
    int rc = msg_event_id_parse(last_event_id, st, e);
    if (rc)
        return rc;
    /* positions ahead of this clock (another server's clock, or made up) are taken as
     * now: a floor in the future skipped every message of an unlisted conversation until
     * then (a day ahead: a day of silence).  At most what came in the skew is sent again;
     * clients drop what they have by uuid (the page does). */
    if (st->floor > now)
        st->floor = now;
    if (st->rd > now)
        st->rd = now;
    for (int i = 0; i < st->n; i++)
        if (st->pos[i].t > now)
            st->pos[i].t = now;
    int64_t oldest = now - (int64_t)MSG_EVENTS_REPLAY_MAX_S * 1000000;
    if (st->rd < oldest)
        st->rd = oldest;
    if (st->floor < oldest) { /* replay at most MSG_EVENTS_REPLAY_MAX_S back */
        st->floor = oldest;
        for (int i = st->n - 1; i >= 0; i--)
            if (st->pos[i].t < oldest)
                msgi_event_state_remove(st, i);
    }
    return 0;
}

/* Hands stream s to the hub, which replays it (in arrival order) and then adds it to its
 * user's feed; refused when the hub is stopping or the streams (all, or its user's) are at
 * their maximum. */
static int ev_stream_join(msg_events *h, msg_stream *s, err_t *e)
{
    int rc = 0;
    pthread_mutex_lock(&h->mu);
    if (h->stopping) {
        rc = msg_fail(e, MSG_E_UNAVAILABLE);
    } else if (h->n_streams >= h->streams_max ||
               ev_user_streams(h, s->user) >= MSG_EVENTS_STREAMS_PER_USER) {
        rc = msg_fail(e, MSG_E_OVERLOADED);
    } else {
        s->in_hub = true;
        h->n_streams++;
        if (s->until_s && (!h->next_until_s || s->until_s < h->next_until_s))
            h->next_until_s = s->until_s; /* the hub wakes for it */
        msg_stream **pp = &h->joining;
        while (*pp)
            pp = &(*pp)->next;
        *pp = s;
        pthread_cond_signal(&h->cv);
        pthread_cond_signal(&h->watch_cv); /* the watcher follows the change feed again */
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int msg_stream_open(msg_events *h, const char *ticket, const char *last_event_id,
                    const msg_stream_io *io, msg_stream **out, err_t *e)
{
    *out = NULL;
    char user[MSG_UUID_LEN + 1];
    long long until_s = 0;
    msg_event_state st;
    int rc;
    if ((rc = ev_stream_ticket(h, ticket, user, &until_s, e)) ||
        (rc = ev_stream_start(last_event_id, &st, e)))
        return rc;
    msg_stream *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->mu, NULL);
    s->hub = h;
    s->io = *io;
    s->st = st;
    s->until_s = until_s;
    memcpy(s->user, user, sizeof s->user);
    char retry[32];
    int rn = snprintf(retry, sizeof retry, "retry: %d\n\n", EV_RETRY_MS);
    st_append(s, retry, (size_t)rn);
    if (s->ended) { /* could not allocate the first bytes */
        st_free(s);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if ((rc = ev_stream_join(h, s, e))) {
        st_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

ssize_t msg_stream_read(msg_stream *st, char *buf, size_t n)
{
    pthread_mutex_lock(&st->mu);
    ssize_t got;
    if (st->len > st->off) {
        size_t k = st->len - st->off < n ? st->len - st->off : n;
        memcpy(buf, st->buf + st->off, k);
        st->off += k;
        atomic_fetch_sub(&st->hub->buffered, (long)k);
        if (st->off == st->len) { /* all read: an idle stream holds no buffer */
            free(st->buf);
            st->buf = NULL;
            st->off = st->len = st->cap = 0;
        }
        got = (ssize_t)k;
    } else if (st->ended) {
        got = -1;
    } else {
        st->suspended = true;
        st->io.suspend(st->io.ctx);
        got = 0;
    }
    pthread_mutex_unlock(&st->mu);
    return got;
}

void msg_stream_end(msg_stream *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->mu);
    st->ended = true;
    bool wake = st->suspended;
    st->suspended = false;
    pthread_mutex_unlock(&st->mu);
    /* still suspended here (only this call resumes it now): its connection stays, so does
     * io.ctx */
    if (wake)
        st->io.resume(st->io.ctx);
}

void msg_stream_close(msg_stream *st)
{
    if (!st)
        return;
    msg_events *h = st->hub;
    pthread_mutex_lock(&h->mu);
    st->reader_gone = true;
    if (!st->in_hub) {
        pthread_mutex_unlock(&h->mu);
        st_free(st);
        return;
    }
    if (st->feed) { /* in a feed: the hub lets go now */
        feed_unlink(st->feed, st);
        st_hub_release(h, st);
    } else { /* joining or replaying: the hub thread lets go when it gets to it */
        for (msg_stream **pp = &h->joining; *pp; pp = &(*pp)->next)
            if (*pp == st) {
                *pp = st->next;
                st_hub_release(h, st);
                break;
            }
    }
    pthread_mutex_unlock(&h->mu);
}
