/*
 * service — direct messages between users, stored in one DynamoDB table.  Layer: messaging.
 *
 * Everything goes through a msg_backend (backend.h) in DynamoDB's own JSON shapes, so the
 * same code runs on the embedded engine and on a remote DynamoDB-compatible endpoint.
 *
 * Table layout (table "cruddur-messages", PAY_PER_REQUEST):
 *   key: pk S HASH, sk S RANGE.
 *   GSI "message-group-sk-index": message_group_uuid HASH, sk RANGE, projection ALL.
 *
 *   row            pk                          sk                attributes
 *   message        MSG#<message_group_uuid>    <created_at>      message_uuid, message,
 *                                                                user_uuid, user_display_name,
 *                                                                user_handle (the sender)
 *   conversation   GRP#<user_uuid>             <last_message_at> message_group_uuid, message
 *                  (one per participant)                         (the last one), user_uuid,
 *                                                                user_display_name,
 *                                                                user_handle (the OTHER one),
 *                                                                read_to, unread (the owner's
 *                                                                read marker: msg_mark_read)
 *   user           USER#<uuid>                 USER              uuid, handle, display_name
 *   handle         HANDLE#<handle>             HANDLE            uuid
 *   pair           PAIR#<min uuid>#<max uuid>  PAIR              group_uuid, last_message_at,
 *                                                                idem_<sender uuid> (a sender's
 *                                                                last idempotency keys:
 *                                                                msg_send_keyed)
 *   idem. key      IDEM#<sender uuid>          <key>             group_uuid, created_at,
 *                                                                message_uuid (one per key a
 *                                                                pair row keeps: msg_send_keyed)
 *
 * Only conversation rows carry message_group_uuid, so the GSI holds exactly the two
 * conversation rows of every conversation.  The pair row maps a pair of users to their one
 * conversation and is the guard that serialises writers: every message is written in ONE
 * TransactWriteItems that (1) puts the message row (attribute_not_exists(pk)), (2) moves the
 * pair row's last_message_at from the value read to the new time (condition: unchanged),
 * (3) deletes both participants' old conversation rows (condition: they exist and belong to
 * this group) and (4) puts both new conversation rows (attribute_not_exists(pk): the key is
 * shared by all of a user's conversations, so a same-microsecond message in another one
 * cancels instead of overwriting its row).  A first message instead creates the
 * pair row with attribute_not_exists(pk), so two users writing each other a first message at
 * the same moment end up in one conversation (the loser re-reads the pair row and retries).
 * A cancelled/conflicting transaction is retried after a fresh read.
 *
 * Timestamps: ISO-8601 UTC, fixed width with microseconds, "2026-11-26T12:34:56.123456Z"
 * (MSG_TS_LEN characters; string order = time order).  Within a conversation created_at is
 * strictly increasing: a new message gets max(now, last_message_at + 1 µs), so two messages
 * in the same microsecond are both kept and an older message never replaces a newer one.
 *
 * Invariants (tests/e2e/test_messaging_concurrency.py checks them on the whole table):
 * exactly one conversation row per participant per conversation, both with sk = the pair
 * row's last_message_at = the newest message's created_at, holding that message's text.
 *
 * Errors: functions return 0 or a negative ERR_* with e set.  Every error this module raises
 * itself is a row of the messaging error table (msg_err.def: wire code, HTTP status,
 * generic ERR_* code, text); msg_err_of(e) names the row, e->msg holds its text (or a more
 * precise one).  Rows raised here: invalid_handle, invalid_display_name, handle_taken,
 * unknown_handle, unknown_user, not_found (conversation missing or caller not a participant),
 * self_message, message_blank, message_too_long, invalid_utf8, missing_field, bad_cursor,
 * bad_limit, conflict (retries exhausted), no_table (the table does not exist),
 * table_exists, storage (any other backend failure; message "<DynamoDB type>: <text>").
 *
 * Thread-safety: a msg_service is immutable after msg_service_new (and
 * msg_service_set_events); any number of threads
 * may call the functions below at once (the backend must be thread-safe, as both are).
 */
#ifndef DDB_MESSAGING_SERVICE_H
#define DDB_MESSAGING_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "messaging/backend.h"
#include "messaging/msg_err.h"

#define MSG_TABLE_DEFAULT "cruddur-messages"
#define MSG_GSI_NAME "message-group-sk-index"
#define MSG_UUID_LEN 36
#define MSG_TS_LEN 27     /* "2026-11-26T12:34:56.123456Z" */
#define MSG_HANDLE_MAX 32 /* bytes; [A-Za-z0-9_.-] */
#define MSG_NAME_MAX 64   /* display name, in characters (code points) */
#define MSG_NAME_BYTES (MSG_NAME_MAX * 4)
#define MSG_TEXT_MAX 1024 /* message, in characters (UTF-8 code points) */
#define MSG_PAGE_MESSAGES 40
#define MSG_PAGE_CONVERSATIONS 20
#define MSG_PAGE_MAX 100
/* A REST request's backend calls, all their attempts and backoffs, end within this (then
 * 503 unavailable): under API Gateway's 29 s integration timeout and nginx's 60 s read
 * timeout, room for two attempts of the remote client's 10 s. */
#define MSG_REST_DEADLINE_MS 20000
/* msg_config.unread_total_cache_ms's default: a page load or reconnect within it reads no
 * older conversation rows for the unread total (remote backend) */
#define MSG_UNREAD_TOTAL_CACHE_MS 5000

typedef struct msg_service msg_service;

typedef struct msg_config {
    const char *table;      /* default MSG_TABLE_DEFAULT */
    int page_messages;      /* pattern A default page size, default 40 */
    int page_conversations; /* pattern B default page size, default 20 */
    int max_retries;        /* send: transaction retries, default 200 */
    long rest_deadline_ms;  /* a REST request's backend calls end within this, default
                               MSG_REST_DEADLINE_MS (remote backend only) */
    long unread_total_cache_ms; /* a backend without versions (remote): the unread of a user's
                                   conversation rows past a first page
                                   (msg_list_conversations_total) is counted again after this
                                   many ms, or after this process's own write to their rows;
                                   default MSG_UNREAD_TOTAL_CACHE_MS; 0 = every listing */
    int rename_batch; /* msg_user_rename: conversations per TransactWriteItems, 1 to
                         MSG_RENAME_BATCH_MAX (the default; DDBCHAT_RENAME_BATCH) */
    /* REST auth (see auth.h).  At least one of the two keys for REST to accept anyone. */
    const unsigned char *jwt_secret; /* HS256 secret bytes (copied), or NULL */
    size_t jwt_secret_len;
    const char *jwt_public_key_pem;  /* RS256 public key PEM text (copied), or NULL */
    const char *jwt_public_key_file; /* or a PEM file read by msg_service_new (when
                                        jwt_public_key_pem is NULL); ERR_IO if unreadable */
    const char *jwt_claim;           /* claim naming the user, default "sub" (a user uuid; a
                                        value that is no uuid of a user is tried as a handle) */
    long long jwt_max_lifetime;      /* seconds a token may live (exp - now, exp - iat);
                                        0 = MSG_JWT_MAX_LIFETIME_DEFAULT (auth.h) */
    const char *cors_origin;         /* allowed frontend origin ("*" allowed), NULL = no CORS */
    const char *jwt_issuer;   /* a token's "iss" must be this (then required); NULL: when
                                 present, MSG_JWT_ISSUER_DEFAULT (auth.h) */
    const char *jwt_audience; /* a token's "aud" (or, without aud, Cognito's "client_id") must
                                 name this (then required); NULL: an aud, when present, must
                                 name MSG_JWT_AUDIENCE_DEFAULT */
} msg_config;

/* Fills defaults: table, page sizes, retries, jwt_claim "sub"; and from the environment
 * DDBCHAT_JWT_PUBLIC_KEY_FILE -> jwt_public_key_file, DDBCHAT_JWT_CLAIM -> jwt_claim,
 * DDBCHAT_JWT_MAX_LIFETIME -> jwt_max_lifetime (seconds; ignored unless a positive integer),
 * DDBCHAT_CORS_ORIGIN -> cors_origin, DDBCHAT_JWT_ISSUER -> jwt_issuer, DDBCHAT_JWT_AUDIENCE ->
 * jwt_audience (pointers into the environment), DDBCHAT_REST_DEADLINE_MS -> rest_deadline_ms
 * (1..3600000; else ignored), DDBCHAT_RENAME_BATCH -> rename_batch (1..MSG_RENAME_BATCH_MAX).
 * Other pointers NULL. */
void msg_config_default(msg_config *c);

/* Creates the service over a backend (borrowed; must outlive the service).  cfg copied;
 * NULL = defaults.  ERR_NOMEM, ERR_VALIDATION (bad PEM key). */
int msg_service_new(msg_backend *b, const msg_config *cfg, msg_service **out, err_t *e);
/* Starts the service's background work, for a long-running process (`serve`): one thread
 * that folds the table's handle rows now (service_users.c, "handles"), so that the first lookup
 * that misses does not pay for the Scan.  Optional: without it the first such lookup folds.
 * ERR_INTERNAL (no thread). */
int msg_service_start(msg_service *s, err_t *e);
/* Asks msg_service_start's work to stop, without waiting (msg_service_free waits): it stops
 * at its next page, and says nothing of a call that fails from now on (a stopping process
 * aborts its backend's calls: msg_backend_abort).  Accepts NULL. */
void msg_service_stop(msg_service *s);
/* Folds the table's handle rows now, whether or not it was folded before (service_users.c,
 * "handles"): the repair for mixed-case handle rows an older version or an import wrote
 * after the fold (doctor reports them).  A Scan of the whole table.  *out_rows: handle rows
 * seen; *out_twins: lower-case twins written.  The backend's errors (storage, no_table). */
int msg_handles_fold(msg_service *s, size_t *out_rows, size_t *out_twins, err_t *e);
/* Accepts NULL.  Waits for msg_service_start's thread (it stops at its next page).  Does not
 * free the backend. */
void msg_service_free(msg_service *s);
/* Live delivery (events.h): the hub the REST API's event routes and msg_send use.  Set once,
 * before the service is shared between threads; NULL (the default) = no event streams (the
 * routes answer unavailable).  The hub is borrowed. */
typedef struct msg_events msg_events;
void msg_service_set_events(msg_service *s, msg_events *h);
msg_events *msg_service_events(msg_service *s);
/* The backend / table name / config the service runs on (borrowed). */
msg_backend *msg_service_backend(msg_service *s);
const char *msg_service_table(msg_service *s);
const msg_config *msg_service_config(msg_service *s);

/* ---- schema ---------------------------------------------------------------------- */

/* CreateTable with the layout above.  ERR_RESOURCE_IN_USE when it exists. */
int msg_schema_load(msg_service *s, err_t *e);
/* True when the table exists (DescribeTable). */
int msg_schema_exists(msg_service *s, bool *out_exists, err_t *e);
/* DeleteTable.  ERR_RESOURCE_NOT_FOUND when absent. */
int msg_schema_drop(msg_service *s, err_t *e);

/* ---- users ----------------------------------------------------------------------- */

#define MSG_NAME_ODD_LONG 1
#define MSG_NAME_ODD_NUL 2
typedef struct msg_user {
    char uuid[MSG_UUID_LEN + 1];
    char handle[MSG_HANDLE_MAX + 1];
    char display_name[MSG_NAME_BYTES + 1];
    /* the user row's display_name is missing or not an S (display_name is then ""): a
     * first message's check of the row holds that, not "" (service_send.c w_user_check) */
    bool name_not_s;
    /* the user row's display_name is an S no rename writes, which display_name holds only in
     * part: MSG_NAME_ODD_LONG, longer than MSG_NAME_BYTES bytes (display_name: its first
     * MSG_NAME_MAX characters), MSG_NAME_ODD_NUL, holding U+0000 (display_name: what is
     * before it, at most MSG_NAME_MAX characters); 0 otherwise.  A first message's check of
     * the row holds that (service_send.c w_user_check) */
    unsigned char name_odd;
    /* the user row has rename_before: a display-name change left conversations with the old
     * name (PUT /api/me's conversations_left, or a server stopped mid-walk); the same name
     * again goes on (GET /api/me's "rename_unfinished", for a page reloaded meanwhile) */
    bool rename_unfinished;
} msg_user;

/* Validation used by msg_user_add: 0 or ERR_VALIDATION (row invalid_handle) /
 * (row invalid_display_name). */
int msg_validate_handle(const char *handle, err_t *e);
int msg_validate_display_name(const char *name, err_t *e);
/* Adds a user (uuid NULL = a new random v4 uuid) with the user row and the handle row in one
 * TransactWriteItems, both attribute_not_exists.  ERR_VALIDATION (invalid_*),
 * ERR_RESOURCE_IN_USE (row handle_taken: the handle exists, in any case; row uuid_taken: the
 * uuid exists, the handle does not).  *out may be NULL. */
int msg_user_add(msg_service *s, const char *handle, const char *display_name, const char *uuid,
                 msg_user *out, err_t *e);
/* Changes user uuid's display name (a user's profile: REST PUT /api/me, `ddbchat user rename`):
 * the user row (one UpdateItem, which also sets the resume mark rename_before; no read
 * before it), then the name in each of the user's conversations, newest first: the other
 * participant's conversation row (their listing shows it) and the pair row's name_<uuid>
 * (which a send's condition holds: a send that read the old name and commits after the
 * rename reached its conversation is cancelled and sent again with the new name), in
 * TransactWriteItems of up to cfg.rename_batch conversations (service_users.c).  The same
 * name again goes on from the mark, or does nothing when the mark is gone (every conversation
 * has the name).  Messages keep the name they were sent under.  *out (may be NULL): the user
 * as stored.  With pr, a walk cut short by the budget or by an error (storage, conflict)
 * still answers 0 (the name did change): pr says what is left (and `stopped` on an error);
 * without pr, such an error is the answer (the mark kept: the same call goes on).
 * ERR_VALIDATION (invalid_display_name), ERR_NOT_FOUND (row unknown_user), storage. */
#define MSG_RENAME_BATCH_MAX 49 /* 2 items a conversation + the user row's check: 99 of 100 */
typedef struct msg_rename_progress {
    long budget_ms; /* in: > 0: no conversation batch starts this long after the call began
                     * (the first always does); the next call with the same name goes on
                     * where this one stopped (the user row's rename_before) */
    size_t renamed; /* out: conversations renamed by this call */
    size_t left;    /* out: conversations left for the next call with the same name */
    bool stopped;   /* out: an error (storage, conflict) stopped the walk: try again later */
} msg_rename_progress;
int msg_user_rename(msg_service *s, const char *uuid, const char *display_name,
                    msg_rename_progress *pr, msg_user *out, err_t *e);
/* Looks a user up.  ERR_NOT_FOUND (row unknown_handle) / (row unknown_user); by handle,
 * a string that is no handle (msg_validate_handle) is ERR_VALIDATION (row invalid_handle)
 * before any lookup. */
int msg_user_by_handle(msg_service *s, const char *handle, msg_user *out, err_t *e);
int msg_user_by_uuid(msg_service *s, const char *uuid, msg_user *out, err_t *e);
/* Lookups msg_user_by_uuid answered from its cache so far: a user found at the backend's
 * version v (backend.h) is kept and answers again while the version is still v (no commit
 * since); a backend without a version (remote) is never cached. */
unsigned long long msg_user_cache_hits(msg_service *s);

/* ---- messages and conversations --------------------------------------------------- */

typedef struct msg_message {
    char uuid[MSG_UUID_LEN + 1]; /* message_uuid */
    char message_group_uuid[MSG_UUID_LEN + 1];
    char created_at[MSG_TS_LEN + 1];
    msg_user sender; /* uuid, handle, display_name */
    char *message;   /* heap, owned by the page / caller */
} msg_message;

typedef struct msg_conversation {
    char message_group_uuid[MSG_UUID_LEN + 1];
    char last_message_at[MSG_TS_LEN + 1];
    msg_user other; /* the other participant */
    char *message;  /* last message text, heap */
    /* the reader's read marker (msg_mark_read): the time read up to, "" when never marked
     * (a row from before read markers, or a conversation the reader has not read since its
     * first message), and the other person's messages after it */
    char read_to[MSG_TS_LEN + 1];
    long long unread;
} msg_conversation;

/* A page of results plus the opaque cursor for the next page (NULL on the last page):
 * base64url (no padding) of the JSON text of the Query's LastEvaluatedKey. */
typedef struct msg_message_page {
    msg_message *items; /* newest first */
    size_t n;
    char *next_cursor;
} msg_message_page;

typedef struct msg_conversation_page {
    msg_conversation *items; /* newest first */
    size_t n;
    char *next_cursor;
} msg_conversation_page;

void msg_message_page_free(msg_message_page *p);           /* frees contents; accepts NULL */
void msg_conversation_page_free(msg_conversation_page *p); /* frees contents; accepts NULL */
void msg_message_fini(msg_message *m);                     /* frees m->message; accepts NULL */

/* Message text rules: 0, or ERR_VALIDATION (row message_blank) (NULL, empty or only
 * whitespace), (row message_too_long) (> MSG_TEXT_MAX code points), (row invalid_utf8). */
int msg_validate_text(const char *text, err_t *e);

/* Pattern A: messages of a conversation, newest first.  viewer_uuid non-NULL: must be a
 * participant, else ERR_NOT_FOUND (row not_found) (same as a missing conversation);
 * NULL = no check (CLI).  limit 0 = default; cursor NULL = first page.
 * ERR_VALIDATION (row bad_cursor)/(row bad_limit). */
int msg_list_messages(msg_service *s, const char *viewer_uuid, const char *message_group_uuid,
                      int limit, const char *cursor, msg_message_page *out, err_t *e);

/* Pattern B: a user's conversations, newest first, with the other person and the last
 * message.  limit 0 = default. */
int msg_list_conversations(msg_service *s, const char *user_uuid, int limit, const char *cursor,
                           msg_conversation_page *out, err_t *e);
/* msg_list_conversations' first page, and *out_unread_total: the user's unread messages
 * over ALL their conversations (the sum of every conversation row's `unread`, by the marker
 * rule), not only the page's: when more conversations follow the page, one Query of the
 * older rows from the page's end projecting `unread` alone (every 1 MB page of it; billed by
 * the rows' whole size all the same); none when the page holds them all.  Kept per user:
 * with the backend's partition versions until the user's GRP# partition moves; without
 * (remote) only the older rows' count, for cfg.unread_total_cache_ms while the page ends at
 * the same row, or until this process writes the user's rows (the page's own part is always
 * read fresh).  Errors as msg_list_conversations. */
int msg_list_conversations_total(msg_service *s, const char *user_uuid, int limit,
                                 msg_conversation_page *out, long long *out_unread_total,
                                 err_t *e);

/* Paging forward (a client that polls, or catches up after being away): the messages of a
 * conversation created after `after`, and the conversations that got a message after it (a
 * timestamp of the fixed format: a message's created_at, a conversation's last one).  The
 * page holds the OLDEST `limit` of them (Query sk > after, ascending), still listed newest
 * first in items; next_cursor is then not a cursor but the `after` of the next page (the
 * newest item's time) when more follow, NULL when none do.  ERR_VALIDATION
 * (row bad_timestamp) for an after that is no timestamp; otherwise as the two above. */
int msg_list_messages_after(msg_service *s, const char *viewer_uuid, const char *group,
                            int limit, const char *after, msg_message_page *out, err_t *e);
int msg_list_conversations_after(msg_service *s, const char *user_uuid, int limit,
                                 const char *after, msg_conversation_page *out, err_t *e);

/* One conversation of the reader's (the row pattern B lists, *out as one item of
 * msg_list_conversations): whom it is with and its last message, by its uuid, in either case.
 * (row invalid_uuid) for a group that is no uuid; ERR_NOT_FOUND (row not_found) for a
 * conversation nobody has or the reader is not in.  Free *out's message with free(). */
int msg_get_conversation(msg_service *s, const char *viewer_uuid, const char *group,
                         msg_conversation *out, err_t *e);

/* Read markers.  The reader's conversation row carries read_to (the created_at read up to)
 * and unread (the other person's messages after it), so pattern B lists them at no extra
 * read.  The send keeps them (service_send.c: the sender's row read to the new message,
 * unread 0; the recipient's read_to carried over, unread + 1, its old row's Delete
 * conditioned on the values read, so a concurrent mark-read cancels the send, which retries).
 * msg_mark_read moves the reader's marker forward to `read_to` (an RFC 3339 time, as
 * msg_ts_parse_rfc3339 reads; past the conversation's last message it is that message's
 * time), never back: an older time changes nothing.  One TransactWriteItems: a conditional
 * Update of the row at its current key (read_to older than the new one) and the Put of the
 * user's read-log row (READ#<user>: the live `read` event, events.h), after a consistent count
 * of the other person's messages after it; a row moved meanwhile by a send is read again.  *out_read_to
 * (MSG_TS_LEN + 1) and *out_unread: the marker as stored after the call.  Rows:
 * invalid_uuid, bad_timestamp, not_found (not the reader's conversation), conflict (retries
 * exhausted), and the backend's. */
int msg_mark_read(msg_service *s, const char *viewer_uuid, const char *group,
                  const char *read_to, char *out_read_to, long long *out_unread, err_t *e);

/* Deletes the caller's own message (group, created_at: any RFC 3339 time, read as
 * msg_ts_parse_rfc3339) in one TransactWriteItems with what the write protocol keeps about
 * it: the recipient's unread count when they had not read it; when it is the conversation's
 * last message, the pair row's last_message_at / last_from and both conversation rows moved
 * back to the previous message (their read markers capped at it), or, with no previous
 * message, both conversation rows kept at their time and emptied in place ("message": "",
 * unread 0) and the pair row's last_from removed (a later send, by uuid or handle, continues
 * the same conversation).  Guarded by the pair row and the rows as read,
 * retried on a race (service_delete.c).  A message that is not there (deleted already) is no
 * error: *out_deleted (may be NULL) false.  Rows: invalid_uuid, bad_timestamp, not_found (not
 * the caller's conversation), not_your_message (another sender's), conflict (retries
 * exhausted), and the backend's. */
int msg_delete_message(msg_service *s, const char *me_uuid, const char *message_group_uuid,
                       const char *created_at, bool *out_deleted, err_t *e);

/* Patterns C + D: sends `text` from sender_uuid either into an existing conversation
 * (message_group_uuid non-NULL; the sender must be a participant, else ERR_NOT_FOUND
 * (row not_found)) or to a user by handle (to_handle non-NULL; starts the pair's conversation or
 * continues the one they have; (row invalid_handle) before any lookup, (row unknown_handle),
 * (row self_message)).  Exactly one of the two.
 * at: NULL = now; else a timestamp in the fixed format used as the earliest created_at
 * (seeding).  *out (may be NULL) receives the stored message including message_group_uuid;
 * free with msg_message_fini. */
int msg_send(msg_service *s, const char *sender_uuid, const char *message_group_uuid,
             const char *to_handle, const char *text, const char *at, msg_message *out, err_t *e);

/* msg_send with the client's idempotency key (NULL = none, as msg_send): a retry of a send
 * whose answer was lost (the REST header Idempotency-Key) gives the message stored the first
 * time, *out as then, instead of a second message.  The pair row keeps each sender's last
 * MSG_IDEM_KEEP keys of the conversation (attribute idem_<sender uuid>, a list of
 * "<key>\t<created_at>\t<message_uuid>", newest first), written in the message's own
 * transaction, so a key is either stored with its message or not at all.  A key is 1 to
 * MSG_IDEM_KEY_MAX visible ASCII characters (else ERR_VALIDATION (row invalid_field));
 * the same key with another text, or for another conversation, is ERR_VALIDATION (row
 * idempotency_key_reused): each kept key has a row IDEM#<sender uuid> / <key> (its
 * conversation), Put in the same transaction, attribute_not_exists(pk), and deleted by the
 * transaction whose key drops it from the pair row's list. */
#define MSG_IDEM_KEY_MAX 64
#define MSG_IDEM_KEEP 8
int msg_send_keyed(msg_service *s, const char *sender_uuid, const char *message_group_uuid,
                   const char *to_handle, const char *text, const char *at, const char *idem_key,
                   msg_message *out, err_t *e);
/* msg_send_keyed from a sender whose user row the caller has just read (msg_user_by_uuid or
 * msg_user_by_handle: the REST handler's check of the token's user), so it is not read a
 * second time; borrowed for the call. */
int msg_send_keyed_as(msg_service *s, const msg_user *sender, const char *message_group_uuid,
                      const char *to_handle, const char *text, const char *at,
                      const char *idem_key, msg_message *out, err_t *e);

/* ---- seeding ------------------------------------------------------------------------ */

typedef struct msg_seed_opts {
    bool demo;         /* the demo users and a long demo conversation */
    int users;         /* synthetic users "user<N>" (0 = none) */
    int conversations; /* synthetic conversations between random synthetic users */
    int messages;      /* messages per synthetic conversation */
    unsigned seed;     /* PRNG seed for the synthetic data */
    int threads;       /* writer threads for the synthetic conversations (0 = 8); each
                          conversation is written by one thread, in order */
    /* Progress callback (may be NULL): done out of total units of work.  Called from one
     * thread at a time (serialised by msg_seed). */
    void (*progress)(void *ctx, long done, long total);
    void *progress_ctx;
} msg_seed_opts;

#define MSG_DEMO_HANDLE "andrewbrown"

/* Writes seed data (table must exist).  Existing users are reused, not duplicated; the demo
 * conversations are written only when the demo user has none yet (seeding twice does not
 * repeat them; synthetic conversations are added again). */
int msg_seed(msg_service *s, const msg_seed_opts *o, err_t *e);

/* What msg_demo_ensure found. */
typedef enum msg_demo_outcome {
    MSG_DEMO_PRESENT = 0,    /* the table was there before (nothing seeded) */
    MSG_DEMO_CREATED,        /* created now, the demo data seeded by this call */
    MSG_DEMO_MADE_ELSEWHERE, /* created since since_ms by someone else (another serve --demo on
                                the data dir): its demo data is theirs, maybe still coming */
} msg_demo_outcome;

/* For `serve --demo`: when the table does not exist, creates it and seeds the demo data.
 * Always returns the demo user (MSG_DEMO_HANDLE) in *out_user (creating it if missing).
 * *out_how (may be NULL) tells who made the table; since_ms (ms since the epoch, 0: not
 * told) is when the caller started: a table created at or after it, or by someone else
 * between this call's DescribeTable and its CreateTable, is MSG_DEMO_MADE_ELSEWHERE. */
int msg_demo_ensure(msg_service *s, long long since_ms, msg_user *out_user,
                    msg_demo_outcome *out_how, err_t *e);

/* ---- time --------------------------------------------------------------------------- */

/* Formats microseconds since the epoch into out (MSG_TS_LEN + 1 bytes). */
void msg_ts_format(long long usec, char out[MSG_TS_LEN + 1]);
/* Parses the fixed format; ERR_VALIDATION when malformed. */
int msg_ts_parse(const char *ts, long long *out_usec, err_t *e);
/* Parses an RFC 3339 time as clients write them: YYYY-MM-DDTHH:MM:SS, an optional fraction of
 * 1 to 9 digits (below a microsecond dropped), then Z (z) or an offset +HH:MM / -HH:MM; the
 * fixed format is one of them.  ERR_VALIDATION (bad_timestamp) when malformed. */
int msg_ts_parse_rfc3339(const char *ts, long long *out_usec, err_t *e);
/* Now, in microseconds since the epoch. */
long long msg_now_usec(void);

#endif
