/*
 * messaging_int — helpers the messaging layer shares between its files.  Layer: messaging
 * (private).
 */
#ifndef DDB_MESSAGING_MESSAGING_INT_H
#define DDB_MESSAGING_MESSAGING_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "messaging/events.h"
#include "messaging/msg_err.h"
#include "messaging/service.h"

#define MSGI_USER_SETS 16
#define MSGI_USER_WAYS 16
#define MSGI_UNREAD_SLOTS 4096 /* MSGI_UNREAD_WAYS to a set */
#define MSGI_UNREAD_WAYS 4
struct msgi_user_entry;
struct msg_service {
    msg_backend *backend; /* borrowed */
    msg_config cfg;       /* pointers below point into this struct's own copies */
    char *table;
    unsigned char *jwt_secret;
    char *jwt_public_key_pem;
    char *jwt_claim;
    char *cors_origin;
    char *jwt_issuer;   /* copies of cfg.jwt_issuer / jwt_audience */
    char *jwt_audience;
    msg_events *events; /* live delivery (events.h), set once before serving; NULL = none */
    struct msg_jwt_cache *jwt_cache; /* verified bearer tokens (auth.h); owned */
    /* users looked up by uuid, each with the backend's version it was read at (service_users.c
     * msg_user_by_uuid); only with a backend that has a version */
    pthread_mutex_t users_mu;
    bool users_init;             /* users_mu initialised */
    pthread_mutex_t fold_mu;     /* one handles_fold at a time (service_users.c) */
    _Atomic bool handles_folded; /* the table's handle rows are case-folded (service_users.c
                                    handles_fold): seen once, never checked again */
    _Atomic bool fold_stop;      /* msg_service_free: the start-up fold stops at its next page */
    bool fold_thread_on;     /* fold_thread was started (msg_service_start) */
    pthread_t fold_thread;
    unsigned char users_key[16]; /* siphash key */
    unsigned long long users_hits;
    struct msgi_user_entry *users[MSGI_USER_SETS * MSGI_USER_WAYS];
    unsigned users_next[MSGI_USER_SETS]; /* the way replaced next in each set */
    /* users' unread totals (service_read.c msg_list_conversations_total), each with the
     * version of their GRP# partition it was counted at; without versions (remote backend),
     * with the time it holds until (cfg.unread_total_cache_ms after the count began) and the
     * time of this process's last write to the user's rows (msgi_unread_forget); a set of
     * ways per user hash, guarded by unread_mu (initialised with users_mu) */
    pthread_mutex_t unread_mu;
    struct msgi_unread_entry {
        char user[MSG_UUID_LEN + 1]; /* "" = empty */
        uint64_t version;            /* 0: a time-bounded entry */
        long long total;
        int64_t until_ms;   /* version 0: base_mono_ms before which total holds; 0 = none */
        int64_t dropped_ms; /* version 0: base_mono_ms of the last msgi_unread_forget */
        char edge[MSG_TS_LEN + 1]; /* version 0: the sk of the first page's last row: total
                                    * is the rows' after it, kept while the page ends there */
    } unread[MSGI_UNREAD_SLOTS];
    /* read-log rows that are not numbers (service_mark.c read_log_note): when the last line
     * about them was logged (base_mono_ms; 0: never), the lines not logged since, and the
     * lines logged (tests) */
    _Atomic int64_t readlog_said_ms;
    atomic_long readlog_unsaid, readlog_said;
};

/* The environment variable name as a whole decimal number from lo to hi into *out: true; unset,
 * empty, not all digits (an end-checked strtol) or out of the range: false, *out untouched
 * (the test aids' and tunables' one reading). */
bool msgi_env_long(const char *name, long lo, long hi, long *out);
/* The version of partition pk now (backend.h partition_version, else the whole data's
 * version, which moves with every commit); 0: the backend has none (cannot tell). */
uint64_t msgi_pk_version(msg_service *s, const char *pk);

/* {"S": s}; NULL on OOM. */
json_t *msgi_s(const char *s);
/* item[name]["S"] or NULL. */
const char *msgi_item_s(const json_t *item, const char *name);
/* Copies item[name]["S"] into out (size n); false when absent or too long. */
bool msgi_copy_s(const json_t *item, const char *name, char *out, size_t n);

/* A new random v4 uuid, lowercase, into out (MSG_UUID_LEN + 1). */
void msgi_uuid(char out[MSG_UUID_LEN + 1]);
/* True when s is 36 characters of lowercase/uppercase hex with dashes at 8,13,18,23. */
bool msgi_is_uuid(const char *s);
/* What a caller sent, for an error text: its first 64 bytes, every byte that is not
 * printable ASCII as '?', "..." when cut (out: at least MSGI_ECHO_MAX bytes).  Always valid
 * UTF-8 (a JSON text can hold it) and harmless to a terminal or a page (no controls, no bidi
 * overrides). */
#define MSGI_ECHO_MAX 68
void msgi_echo(const char *in, char *out);
/* s (msgi_is_uuid) in lower case into out: the form every stored uuid has (RFC 4122 3: case-
 * insensitive on input, written in lower case). */
void msgi_uuid_lower(const char *s, char out[MSG_UUID_LEN + 1]);

/* base64url without padding.  Encode: malloc'ed NUL-terminated string (NULL on OOM).
 * Decode: malloc'ed bytes + NUL, *out_len; -1 on bad input. */
char *msgi_b64url_encode(const unsigned char *p, size_t n);
int msgi_b64url_decode(const char *s, unsigned char **out, size_t *out_len);

/* Number of code points of valid UTF-8 text, or -1 when not valid UTF-8. */
long msgi_utf8_len(const char *s, size_t n);

/* Calls the backend; req is consumed (decref'ed) and may be NULL (then ERR_NOMEM).  The
 * backend's error (code, DynamoDB message) lands in *inner, which the caller inspects;
 * *out_resp as in msg_backend_call (the caller owns it, also on failure). */
int msgi_call(msg_service *s, const char *op, json_t *req, json_t **out_resp, err_t *inner);
/* msgi_call whose failure is the service's (msgi_storage): *out_resp the answer (caller
 * owns), NULL on failure (the error body's fields are dropped).  req consumed as msgi_call's. */
int msgi_request(msg_service *s, const char *op, json_t *req, json_t **out_resp, err_t *e);
/* msgi_call with the successful response's items (Items' elements, Item, Attributes,
 * LastEvaluatedKey, in that order) handed to sink as values instead of a tree: the backend's
 * call_items when it has one (the embedded engine: no JSON at all), else call's tree converted
 * (ddbjson_to_item).  A sink callback's nonzero return fails the call (ERR_NOMEM); an item the
 * converter cannot read, ERR_INTERNAL.  req consumed; *out_err_extra as msgi_call's response
 * on failure (caller owns). */
struct api_sink;
int msgi_call_items(msg_service *s, const char *op, json_t *req, const struct api_sink *sink,
                    json_t **out_err_extra, err_t *inner);
/* A request's members written as JSON text (jout, value/jout.h; its failure is sticky):
 * "name":"v" and "name":{"S":"v"} (with a comma before it when `comma`), and
 * ,"Key":{"pk":{"S":pk},"sk":{"S":sk}} (msgi_key2's); what json_dumps writes for the
 * json_pack trees they replace. */
struct jout;
void msgi_jw_str(struct jout *w, bool comma, const char *name, const char *v);
void msgi_jw_attr(struct jout *w, bool comma, const char *name, const char *v);
void msgi_jw_key(struct jout *w, const char *pk, const char *sk);
/* msgi_call_items (sink not NULL) or msgi_call without the reply (sink NULL: the writes, whose
 * caller reads only the outcome) with the request as JSON text: req's text (borrowed; a
 * failed writer is ERR_NOMEM), written with jout instead of built as a jansson tree.  The
 * backend's call_req_text when it has one (the embedded engine reads it as the DynamoDB
 * endpoint reads a body), else call_items / call on jansson's tree of the text.
 * *out_err_extra as msgi_call_items's (caller owns). */
struct jout;
int msgi_call_text(msg_service *s, const char *op, const struct jout *req,
                   const struct api_sink *sink, json_t **out_err_extra, err_t *inner);
/* msgi_item_s / msgi_copy_s over a value item (an M): the string the jansson accessors would
 * give (up to a U+0000, as json_string_value's C string ends there). */
struct av;
const char *msgi_av_item_s(const struct av *item, const char *name, size_t *len);
bool msgi_av_copy_s(const struct av *item, const char *name, char *out, size_t n);
/* Records a backend failure in e: row no_table for ResourceNotFoundException, else storage
 * with the message "<DynamoDB type>: <message>"; returns rc (the backend's code). */
int msgi_storage(err_t *e, int rc, const err_t *inner);


/* The parts of the service (service.c and service_*.c) share these row helpers.
 * {"pk": {"S": pk}, "sk": {"S": sk}}; NULL on OOM. */
json_t *msgi_key2(const char *pk, const char *sk);
/* GetItem (strongly consistent) of (pk, sk) in the service's table: *out_item a new reference,
 * NULL when absent.  The backend's errors (msgi_storage). */
int msgi_get_item(msg_service *s, const char *pk, const char *sk, json_t **out_item, err_t *e);
/* msgi_get_item with the item handed to sink as values (sink->item with key "Item", called
 * only when the row is there): no tree.  The backend's errors (msgi_storage). */
int msgi_get_item_sink(msg_service *s, const char *pk, const char *sk,
                       const struct api_sink *sink, err_t *e);
/* TransactionInProgressException's wait: the copy of the request that is still being
 * applied is the endpoint's, a remote DynamoDB (a transaction there takes tens of ms), so
 * the same request is sent again as the SDKs do it (botocore: exponential, from 50 ms):
 * after MSG_IN_PROGRESS_FIRST_MS doubling to MSG_IN_PROGRESS_MAX_MS, each drawn in [d/2, d],
 * for MSG_IN_PROGRESS_WAIT_MS in all.  Before, the conflicts' back-off of at most 2.5 ms, up
 * to 1,000 times: ~750 requests a second at the endpoint while it applied the first copy
 * (test_service test_in_progress_backs_off). */
#define MSG_IN_PROGRESS_FIRST_MS 10
#define MSG_IN_PROGRESS_MAX_MS 1000
#define MSG_IN_PROGRESS_WAIT_MS 15000

/* Sleeps before the (n+1)th resend of a request answered TransactionInProgressException;
 * returns the ms slept.  seed: the caller's rand_r state. */
long msgi_in_progress_wait(int n, unsigned *seed);
/* A consistent Query's every page (service_read.c): req (consumed; NULL: ERR_NOMEM) is sent,
 * each response handed to page (borrowed, valid during the call), and sent again from the
 * page's LastEvaluatedKey until a page has none or page returns nonzero (stop: found what it
 * wanted).  0, or the backend's error (msgi_storage); storage (ERR_INTERNAL) when a page
 * answers the key it was sent or there would be more than MSG_QUERY_PAGES_MAX pages (an
 * endpoint that always answers a LastEvaluatedKey looped forever: attack25); ERR_NOMEM when
 * the next page's start key cannot be added (never the end as success).  The paged
 * readers that need every page or the first match: the mark-read's count, the keyed row
 * lookup's last resort. */
#define MSG_QUERY_PAGES_MAX 10000 /* 1 MB pages: 10 GB, a partition past any conversation */
int msgi_query_pages(msg_service *s, json_t *req, int (*page)(void *ctx, const json_t *resp),
                     void *ctx, err_t *e);
/* The conversation row of (user, group) (service_read.c): *out a new reference, or NULL when
 * the user has none.  The backend's errors. */
int msgi_find_my_row(msg_service *s, const char *user, const char *group, json_t **out,
                     err_t *e);
/* The users whose conversation rows the GSI shows for `group` (at most 2, *n of them, into
 * out): one GSI Query (eventually consistent on AWS: a conversation's first moments may show
 * fewer).  The live delete event of another process's delete (events.c).  The backend's
 * errors. */
int msgi_group_users(msg_service *s, const char *group, char out[2][MSG_UUID_LEN + 1], int *n,
                     err_t *e);
/* The other participant of the user's conversation `group`: msgi_find_my_row's row's
 * user_uuid, copied into out (n bytes) without the row's tree.  *out_found: the row exists
 * and its user_uuid is an S that fits (msgi_copy_s); out is "" otherwise.  The backend's
 * errors. */
int msgi_find_partner(msg_service *s, const char *user, const char *group, char *out, size_t n,
                      bool *out_found, err_t *e);
/* msgi_find_my_row without the GSI: the conversation's newest message time and sender (a
 * consistent Query) and the user's row at it (a consistent GetItem), on a miss the pair row
 * of (sender, user) by its key (no pair row of this group: not a participant), read again
 * while a message moves them; what a write that needs the row's current key uses
 * (service_mark.c). */
int msgi_find_my_row_keyed(msg_service *s, const char *user, const char *group, json_t **out,
                           err_t *e);
/* A conversation row's read marker, by the one rule every reader of it takes (the listing's
 * row_mark, the mark-read's msgi_conv_mark, the send's mark_item; service_read.c): read_to
 * counts only when it is a string of exactly MSG_TS_LEN bytes that msg_ts_parse takes ("" in
 * read_to otherwise), unread only when it is a number written as 1 to MSG_UNREAD_DIGITS
 * decimal digits and nothing else (0 otherwise: "-3", "1E+2", "0.5", an S).  (rp, rn) and
 * (up, un): the read_to string's and the unread number's bytes, rp / up NULL when absent or
 * not of that type.  A row written otherwise (by hand, imported) reads the same everywhere:
 * tests/e2e/test_messaging_read.py::test_malformed_marker_read_alike. */
#define MSG_UNREAD_DIGITS 18
void msgi_mark_parse(const char *rp, size_t rn, const char *up, size_t un,
                     char read_to[MSG_TS_LEN + 1], long long *unread);
/* The same from a row as DynamoDB JSON (a tree: msg_get_conversation, service_mark.c). */
void msgi_conv_mark(const json_t *row, char read_to[MSG_TS_LEN + 1], long long *unread);
/* The same from a row as values (an AV_M item: the send's read of the recipient's row). */
void msgi_conv_mark_av(const struct av *item, char read_to[MSG_TS_LEN + 1], long long *unread);
/* The wait before the (attempt+1)th try of a write that lost a race with another writer
 * (a cancelled transaction, a failed condition): up to ~2.5 ms, random.  seed: the caller's
 * rand_r state.  The send's and the mark-read's retries (service_send.c, service_mark.c). */
void msgi_race_backoff(int attempt, unsigned *seed);
/* What a write's failure means, one rule for the send's and the mark-read's transactions:
 * MSGI_RACED when it lost a race with another writer (ConditionalCheckFailed,
 * TransactionConflict, TransactionInProgress; a TransactionCanceledException whose
 * CancellationReasons name only ConditionalCheckFailed / TransactionConflict, or that has
 * none): read again and retry after msgi_race_backoff.  A cancellation with a throttled
 * reason (ProvisionedThroughputExceeded, ThrottlingError, RequestLimitExceeded): that
 * throttle's ERR_* code, which msgi_storage answers unavailable (503 + Retry-After); DynamoDB
 * cancels a throttled transaction with these reasons.  Anything else: rc, the error.  rc 0:
 * 0.  extra: the failure's body fields (msgi_call's response on failure; borrowed, may be
 * NULL).  tests/unit/messaging/test_service.c test_throttled_transaction_is_not_a_race. */
#define MSGI_RACED 1
int msgi_write_outcome(int rc, const json_t *extra);
/* Whether item i of a cancelled TransactWriteItems failed its condition: the answer's
 * CancellationReasons[i].Code is ConditionalCheckFailed (the reasons follow TransactItems'
 * order).  An answer without reasons (a conflict of the whole request, a backend that gives
 * none) is `unknown`.  extra: the failure's body fields (msgi_call's response on failure;
 * borrowed, may be NULL).  The one reading of it for the send (which item cancelled it), the
 * rename's batches and user add. */
bool msgi_failed_at(const json_t *extra, size_t i, bool unknown);
/* Records 400 invalid_uuid for a conversation id that cannot be a uuid; returns its code. */
int msgi_bad_group_id(err_t *e, const char *group);
/* The read log (service_mark.c writes it, events.c reads it): READ#<user> rows whose sort
 * key is "~" and the row's number, MSGI_READ_SEQ_DIGITS decimal digits (so string order is
 * number order, and every such key sorts after the stamped keys "<stamp>#<group>" written
 * before the numbers); a mark-read numbers its row one past the newest, Put only if that key
 * is free, so numbers rise in commit order (the newest: read within MSGI_READ_SK_MIN ..
 * MSGI_READ_SK_MAX).  msgi_read_sk formats n (0 <= n <
 * 10^MSGI_READ_SEQ_DIGITS); msgi_read_sk_seq parses one (false: not a numbered row). */
#define MSGI_READ_SEQ_DIGITS 16
#define MSGI_READ_SK_LEN (1 + MSGI_READ_SEQ_DIGITS)
/* the range every numbered key is in (a row written by hand as "~zzz" is not) */
#define MSGI_READ_SK_MIN "~0000000000000000"
#define MSGI_READ_SK_MAX "~9999999999999999"
void msgi_read_sk(int64_t n, char out[MSGI_READ_SK_LEN + 1]);
bool msgi_read_sk_seq(const char *sk, int64_t *out);
/* This process wrote the user's conversation rows (a send to or by them, their mark-read):
 * their time-bounded unread total (service_read.c, backends without versions) is dropped,
 * and a count that began before now is not kept.  Nothing with versions (they move). */
void msgi_unread_forget(msg_service *s, const char *user);
/* The user's newest numbered read-log row: its number (0: none) and stamp (µs; 0: none or
 * not a time), a consistent Query of one row from the end of the numbers' range.  A row in
 * that range whose key is not a number (written by hand or by another program:
 * "~000000000000001x") is looked past, with a log line at most once a minute (before, it
 * failed every mark-read of its user with storage); the user's next mark-read removes it
 * (service_mark.c).  Past 1 + 16 + 128 + 1000 such rows, storage.  The backend's errors. */
int msgi_read_log_newest(msg_service *s, const char *user, int64_t *out_n, int64_t *out_stamp,
                         err_t *e);

/* event_id.c: where conversations a state does not list start: max(floor, newest - look-back);
 * and removing position i (the last one takes its place). */
int64_t msgi_event_state_lo(const msg_event_state *s);
void msgi_event_state_remove(msg_event_state *s, int i);

#endif
