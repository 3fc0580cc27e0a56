/*
 * events — live delivery: Server-Sent Event streams of a user's new messages, and the
 * one-time tickets that open them.  Layer: messaging (transport-free; server/ moves the
 * bytes).
 *
 * A stream carries every message of every conversation of its user, as
 *     id: <event id>\nevent: message\ndata: {"uuid","message_group_uuid","display_name",
 *         "handle","message","created_at","with":{"handle","display_name"}}\n\n
 * ("display_name"/"handle": the sender, as in GET /api/messages; "with": the other person of
 * the conversation, as in GET /api/message_groups), after a first
 *     retry: 2000\n\n   and   id: <event id>\nevent: ready\ndata: {}\n\n
 * and a heartbeat event "event: ping\ndata: {}\n\n" (no id) every MSG_EVENTS_HEARTBEAT_S
 * seconds.
 * When the stream's user's read marker of a conversation moves (a mark-read, service_mark.c;
 * or a message they sent, which reads everything before it), the stream carries
 *     id: <event id>\nevent: read\ndata: {"message_group_uuid","read_to","unread"}\n\n
 * (the marker as stored; right after the message event for a message they sent).  Only the
 * owner of the conversation row gets it, never the other participant.  A mark-read logs the
 * new marker in the user's read log (READ#<user>, sort key "~<n>", n numbering the user's
 * log rows in commit order: service_mark.c), which a scan reads after the event id's read
 * position ";s<n>"; so a reconnection replays exactly the read events it missed, also one
 * that committed after a later-stamped one was delivered.
 *
 * When the other participant of one of the user's conversations is renamed (msg_user_rename,
 * in this process or, through a table stream, another), the stream carries an event without
 * an id,
 *     event: rename\ndata: {"message_group_uuid","uuid","handle","display_name"}\n\n
 * and when the user is the one renamed, one event for all their conversations,
 *     event: rename\ndata: {"you":true,"uuid","handle","display_name"}\n\n
 * (msg_events_renamed); it is not replayed (a page that was away loads the listing).
 *
 * Event ids are positions in the table, so a reconnection is replayed from the table itself:
 * "v1:<floor>" followed by ",<message_group_uuid>:<created_at>" for each conversation
 * that got a message within MSG_EVENTS_LATE_S seconds of the newest one delivered (times in
 * microseconds since the epoch).  A stream delivers, per conversation, the messages after its
 * position; a conversation not listed starts at max(floor, newest - MSG_EVENTS_LATE_S).
 * Messages of one conversation commit in created_at order (the pair row serialises its
 * writers), so per-conversation positions are exact; across conversations a message may
 * commit a little after a later-stamped one, which the look-back window covers.  So a
 * reconnection with Last-Event-ID (or ?last_event_id=, which the page sends since a new
 * EventSource cannot set the header) loses nothing and repeats nothing, provided every
 * message commits within MSG_EVENTS_LATE_S of its created_at and at most MSG_EVENTS_POS_MAX
 * conversations get messages within that window (beyond that the oldest position is dropped
 * and the floor raised to it).  A fresh stream's floor is the time it opened.  An id older
 * than MSG_EVENTS_REPLAY_MAX_S is replayed from that far back only.
 *
 * How streams learn of new messages: one watcher thread waits on the backend's change feed
 * (backend.h wait_change: the engine's commit notification, embedded; the table's DynamoDB
 * stream, remote, which names the changed users) and one hub thread
 * scans, per user with open streams (a "feed"), the user's conversation rows changed since
 * its position (pattern B: Query GRP#<user>, sk > position - look-back) and those
 * conversations' new messages (pattern A, ascending), then hands the events to each of the
 * user's streams.  Without a change feed (remote backend while the table has no stream)
 * each feed polls with back-off
 * (MSG_EVENTS_POLL_MIN_MS doubling to MSG_EVENTS_POLL_MAX_MS while nothing arrives); a
 * message sent through this service wakes its two users' feeds at once (msg_events_hint).
 * A new stream's replay (from its Last-Event-ID) runs in the hub thread too, before it joins
 * its user's feed, so nothing falls between the two.
 *
 * Tickets: msg_events_ticket gives a random 256-bit ticket (base64url) for a user, valid
 * MSG_TICKET_TTL_S seconds, for one msg_stream_open.  Tickets and tokens are never logged.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef DDB_MESSAGING_EVENTS_H
#define DDB_MESSAGING_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/err.h"

#define MSG_EVENTS_LATE_S 60         /* look-back: a message commits within this of created_at */
#define MSG_EVENTS_LATE_US ((int64_t)MSG_EVENTS_LATE_S * 1000000)
#define MSG_EVENTS_POS_MAX 16        /* conversation positions an event id carries */
#define MSG_EVENTS_REPLAY_MAX_S 86400 /* a reconnection replays at most this far back */
#define MSG_EVENTS_HEARTBEAT_S 15
#define MSG_EVENTS_POLL_MIN_MS 250 /* without a change feed: a feed's polling interval ... */
#define MSG_EVENTS_POLL_MAX_MS 5000 /* ... doubling while nothing arrives */
#define MSG_EVENTS_STREAMS_MAX 20000 /* open streams; more: overloaded */
#define MSG_EVENTS_STREAMS_PER_USER 64 /* open streams of one user; more: overloaded */
/* Of the REST listener's connection slots, streams may hold at most this share (numerator
 * over 4): the rest stay for requests, so open streams never lock other users out */
#define MSG_EVENTS_SLOTS_SHARE_4 3
#define MSG_EVENTS_BUFFER_MAX (1 << 20) /* unread bytes per stream; more: the stream ends */
/* Unread bytes of all streams together: past this, a stream holding more than its fair share
 * ends instead of growing (clients that stop reading cannot hold a MB each: 3,072 such
 * streams held 3.4 GB); the test aid DDBCHAT_EVENTS_BUFFERS_MB lowers it, never raises it */
#define MSG_EVENTS_BUFFERS_MAX (64L << 20)
#define MSG_EVENTS_BUFFER_FAIR (64 << 10) /* a stream may always hold this much unread */
#define MSG_TICKET_TTL_S 30
#define MSG_TICKETS_MAX 4096
#define MSG_TICKETS_PER_USER 8 /* unexpired tickets of one user: a new one replaces the oldest */
#define MSG_TICKET_LEN 43 /* base64url of 32 random bytes */
#define MSG_EVENT_ID_MAX (44 + MSG_EVENTS_POS_MAX * 56) /* bytes, with the NUL */

typedef struct msg_service msg_service;
typedef struct msg_events msg_events;
typedef struct msg_stream msg_stream;

/* Creates the hub over a service (borrowed; must outlive the hub) and starts its threads.
 * The service's REST handler and msg_send use it once msg_service_set_events(svc, hub).
 * ERR_NOMEM, ERR_INTERNAL (threads). */
int msg_events_new(msg_service *svc, msg_events **out, err_t *e);
/* Ends every stream (their readers see the end), refuses new ones and tickets.  Call before
 * stopping the HTTP server, so that its drain does not wait for open streams. */
void msg_events_stop(msg_events *h);
/* msg_events_stop, then joins the threads and frees the hub; streams still held by a reader
 * stay valid until msg_stream_close.  Accepts NULL. */
void msg_events_free(msg_events *h);
/* Caps the streams open at once at max (clamped to 1 .. MSG_EVENTS_STREAMS_MAX, the default):
 * the server passes MSG_EVENTS_SLOTS_SHARE_4 quarters of its REST listener's connection slots,
 * so that streams (suspended connections that never give way to a new client) leave room for
 * every user's requests.  Call before the first stream opens. */
void msg_events_set_streams_max(msg_events *h, long max);

/* A new ticket for user_uuid into out.  A user holds at most MSG_TICKETS_PER_USER unexpired
 * tickets (the oldest of theirs is given up for the new one).  Row overloaded when
 * MSG_TICKETS_MAX unexpired tickets exist; unavailable once stopped. */
/* The same for a user whose token expires at until_s (seconds since the epoch; 0: never):
 * the stream opened with the ticket ends then (within a heartbeat), so a stream does not
 * outlive the sign-in; the page's reconnection then meets the expired token's 401. */
int msg_events_ticket_until(msg_events *h, const char *user_uuid, long long until_s,
                            char out[MSG_TICKET_LEN + 1], err_t *e);
int msg_events_ticket(msg_events *h, const char *user_uuid, char out[MSG_TICKET_LEN + 1],
                      err_t *e);

/* How long a ticket is valid, in seconds (rounded up): MSG_TICKET_TTL_S, or less with the
 * environment variable DDBCHAT_TICKET_TTL_MS (for tests; 1 .. MSG_TICKET_TTL_S * 1000). */
int msg_events_ticket_ttl_s(msg_events *h);

/* The message from sender to the conversation's other participant was just committed
 * through this service, or (read) the user's mark-read: wakes that user's feed now (matters
 * without a change feed); read: its next scan reads the read log too (a feed reads it only
 * on its replay, after a READ# change or such a hint, and every 4th poll without a change
 * feed). */
void msg_events_hint(msg_events *h, const char *user_uuid, bool read);

/* A rename reached a conversation of user_uuid (msg_user_rename, after its batch committed):
 * each of that user's streams in a feed gets at once
 *     event: rename\ndata: {"message_group_uuid","uuid","handle","display_name"}\n\n
 * (no id: the position stays the last message's; group, uuid, handle, display_name: the
 * conversation and the renamed user as now); to the renamed user's own streams, once the
 * user row changed (group NULL): {"you":true,"uuid","handle","display_name"}.  Another
 * process's rename reaches them through the change feed's records when the backend reports
 * them (backend.h msg_change_keys.row: a table's stream, remote or embedded): the MODIFY of
 * a conversation row of a user with a stream here, or of the user row of one, read by its
 * key.  The hub keeps what it delivered (user, conversation: the name; EV_SEEN_SLOTS), so
 * this process's own rename, whose records come back through the stream (before or after
 * this call), is delivered once.  Not
 * replayed: a page that was away (a reconnection, a stream still in its replay) loads the
 * listing.  The strings are copied. */
void msg_events_renamed(msg_events *h, const char *user_uuid, const char *group,
                        const char *uuid, const char *handle, const char *display_name);

/* A message of a conversation of user_uuid was deleted (msg_delete_message, after its
 * transaction committed): each of that user's streams in this process gets at once
 *     event: delete\ndata: {"message_group_uuid","created_at"}\n\n
 * (no id, not replayed, as rename: a page that was away loads the conversation again).
 * Another process's delete arrives through the change feed's REMOVE record of the message
 * row, its participants read on the GSI, once (the hub keeps the deletes it delivered, as
 * renames).  The strings are copied. */
void msg_events_deleted(msg_events *h, const char *user_uuid, const char *group,
                        const char *created_at);

/* How the stream reaches its reader: suspend is called (under the stream's lock) when a read
 * finds nothing; resume is called once after that (under the same lock), when there is
 * something to read or the stream ended. */
typedef struct msg_stream_io {
    void (*suspend)(void *ctx);
    void (*resume)(void *ctx);
    void *ctx;
} msg_stream_io;

/* Opens a stream for the ticket's user (the ticket is used up, also on failure).
 * last_event_id: NULL/"" = from now on.  Errors (rows): bad_ticket (unknown, used or
 * expired), bad_event_id, overloaded (the streams cap in all: msg_events_set_streams_max, or
 * MSG_EVENTS_STREAMS_PER_USER of this user), unavailable (stopped).  The stream starts with
 * "retry:"; the replay and the "ready" event follow from the hub thread. */
int msg_stream_open(msg_events *h, const char *ticket, const char *last_event_id,
                    const msg_stream_io *io, msg_stream **out, err_t *e);
/* Copies up to n bytes of the stream into buf.  > 0: bytes copied; 0: nothing now (io.suspend
 * was called; io.resume follows); -1: the stream has ended (after its last bytes). */
ssize_t msg_stream_read(msg_stream *st, char *buf, size_t n);
/* Ends the stream from outside the hub: its transport found the client gone, or its writes
 * stuck.  The reader's next read sees the end (-1); a reader waiting (io.suspend called) is
 * resumed now, from the calling thread, after the stream's lock is released.  The hub lets
 * go of it at msg_stream_close.  Any thread, before msg_stream_close. */
void msg_stream_end(msg_stream *st);
/* The reader is done with the stream (connection closed): detaches and frees it. */
void msg_stream_close(msg_stream *st);

/* Counters for tests and logs. */
typedef struct msg_events_stats {
    long streams;  /* open */
    long feeds;    /* users with open streams */
    long tickets;  /* outstanding */
    long scans;    /* feed scans and replays run so far */
    long changes;  /* changes the watcher took from the backend's change feed so far */
} msg_events_stats;
void msg_events_stats_get(msg_events *h, msg_events_stats *out);
/* Appends the hub's families to a GET /metrics text (a base/metrics.h collector; ctx is the
 * hub): ddbchat_events_streams, the live streams open (GET /api/events, each holding one
 * REST connection for as long as it is open).  So an operator (and
 * test_web.py::test_many_tabs_share_one_stream) sees how many connections the streams hold:
 * a page's tabs share one.  Any thread. */
void msg_events_metrics(void *ctx, buf_t *b);

/* Event ids (exposed for tests): parse into floor + positions; format back.  parse: 0 or
 * ERR_VALIDATION (row bad_event_id). */
typedef struct msg_event_pos {
    char group[37]; /* message_group_uuid */
    int64_t t;      /* created_at, microseconds */
} msg_event_pos;
typedef struct msg_event_state {
    int64_t floor;
    int n;
    msg_event_pos pos[MSG_EVENTS_POS_MAX];
    /* read events: the read log's rows are numbered in commit order (service_mark.c), so
     * the read position is the number of the newest row delivered (rseq; the id's
     * ";s<n>"): a row is delivered when its number is past it, whenever it committed.
     * rseq -1: not known yet (a fresh stream, or an id written before the numbers, whose
     * ";r<stamp>" is in rd): the next scan of the log takes the newest row stamped at or
     * before max(floor, rd) for it (row stamps rise with their numbers). */
    int64_t rseq;
    int64_t rd;
} msg_event_state;
int msg_event_id_parse(const char *id, msg_event_state *out, err_t *e);
void msg_event_id_format(const msg_event_state *s, char *out, size_t n);
/* Where a conversation's new messages start for this state (exclusive), and recording that
 * a message (group, t) was delivered. */
int64_t msg_event_state_start(const msg_event_state *s, const char *group);
void msg_event_state_apply(msg_event_state *s, const char *group, int64_t t);

#endif
