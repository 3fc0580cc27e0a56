/*
 * err — the one error table and a sticky error record.  Layer: base.
 *
 * Every fallible function returns int: 0 on success, a negative ERR_* code on failure.
 * The first failure records its message in an err_t (sticky: later err_set calls on an
 * already-set record keep the first message); callers propagate the code.  Only the reply
 * writer turns an err_t into wire JSON: {"__type":"com.amazonaws.dynamodb.v20120810#<Type>",
 * "message":"..."}.
 */
#ifndef DDB_BASE_ERR_H
#define DDB_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* How an error goes on the wire (err_table.def's fourth column; the reply writer's choice):
 * {"__type":"<namespace>#<Type>","message"|"Message":...} */
typedef enum err_wire_kind {
    ERR_WIRE_SERVICE,       /* com.amazonaws.dynamodb.v20120810#, "message" */
    ERR_WIRE_VALIDATE,      /* com.amazon.coral.validate#, "message" */
    ERR_WIRE_FRAMEWORK,     /* com.amazon.coral.service#, "message" */
    ERR_WIRE_FRAMEWORK_CAP, /* com.amazon.coral.service#, "Message" */
    ERR_WIRE_AVAILABILITY,  /* com.amazon.coral.availability#, "message" */
    ERR_WIRE_SERVICE_CAP,   /* com.amazonaws.dynamodb.v20120810#, "Message" (the type's model
                               names its member so: TransactionCanceledException) */
} err_wire_kind;

enum {
#define ERR(name, type, status, wire) ERR__IDX_##name,
#include "err_table.def"
#undef ERR
    ERR__COUNT
};
enum {
    ERR_OK = 0,
#define ERR(name, type, status, wire) ERR_##name = -(ERR__IDX_##name + 1),
#include "err_table.def"
#undef ERR
};

#define ERR_MSG_MAX 1024

typedef struct err {
    int code;              /* 0 while unset */
    int detail;            /* a boundary's own error row + 1 (messaging: msg_err.h); 0 = none.
                              Reset by err_set when it records, so only that boundary's raise
                              function sets it (right after its err_set) */
    char msg[ERR_MSG_MAX]; /* NUL-terminated */
    size_t len;            /* msg's length when it holds a U+0000 (err_set_text: an echoed
                              value), else 0 or strlen(msg); read it with err_msg_len.  Code
                              that writes msg itself sets len to 0 */
} err_t;

/* Records code and a printf-style message unless `e` already holds an error (sticky).
 * `e` may be NULL.  Returns `code` so call sites can `return err_set(...)`.  A message longer
 * than ERR_MSG_MAX - 1 bytes is cut, on a whole UTF-8 character. */
int err_set(err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_setv(err_t *e, int code, const char *fmt, va_list ap);
/* The length of the longest prefix of s[0..len) that does not end inside a UTF-8 character
 * (len itself when s ends on a whole one). */
size_t err_utf8_whole(const char *s, size_t len);
/* Clears the record (also one never set: it initialises).  When e is the record of this
 * thread's attached err_whole (below), that whole text is forgotten too. */
void err_clear(err_t *e);

/* ---- whole messages ------------------------------------------------------------------------
 * An err_t holds ERR_MSG_MAX - 1 bytes of text; a longer message is cut.  AWS echoes an
 * offending value whole in its texts (a 7 KB echo in the conformance suite's capture of
 * 2026-09-06, c_bw_over25), so the one record whose text goes on the wire can keep its whole
 * message in an err_whole its owner attaches to it, on the calling thread, for as long as the
 * request runs there (a thread's attachments nest).  While attached, a message set on that
 * record longer than its msg keeps its first ERR_MSG_MAX - 1 bytes in msg (as without) and
 * the whole of it, up to max bytes (then cut on a whole UTF-8 character), in the err_whole's
 * heap text.  Records never attached (every other err_t) are cut as before; err_t's size is
 * unchanged.  A failed allocation of the whole text keeps the cut one and counts one failure
 * for the thread (base/mem.h), so the request's answer becomes an InternalServerError. */
typedef struct err_whole {
    const err_t *e;          /* the record (borrowed) */
    size_t max;              /* the longest whole message kept, in bytes */
    char *text;              /* heap, NUL-terminated: e's message when longer than e->msg */
    size_t len;              /* its length (0: none) */
    int code;                /* e->code when text was recorded */
    struct err_whole *prev;  /* the thread's previous attachment */
} err_whole;

/* Attaches w (the caller's storage, NULL text) to e on this thread; max is the longest whole
 * message to keep (at least ERR_MSG_MAX - 1 is always kept).  Pair with err_whole_detach on
 * the same thread, innermost first. */
void err_whole_attach(err_whole *w, err_t *e, size_t max);
/* Detaches w (the thread's innermost attachment); its text stays until err_whole_fini. */
void err_whole_detach(err_whole *w);
/* Frees w's text (accepts NULL). */
void err_whole_fini(err_whole *w);
/* e's whole message: w's text when w holds e's current message (same code, e->msg its cut
 * prefix), else e->msg.  w may be NULL.  Valid while both are unchanged. */
const char *err_text(const err_t *e, const err_whole *w);
/* err_text with its length: *out_len counts every byte, a U+0000 inside too (CONVENTIONS 9:
 * strings carry their length; an echoed "a\u0000b" reaches the wire whole). */
const char *err_text_n(const err_t *e, const err_whole *w, size_t *out_len);
/* The length of e->msg, a U+0000 inside counted. */
size_t err_msg_len(const err_t *e);
/* The longest message e can keep whole: the attached err_whole's max, or ERR_MSG_MAX - 1. */
size_t err_room(const err_t *e);
/* Records code and the text s[0..len) as the message, whole when e has an err_whole attached
 * (up to its max), else cut as err_set cuts.  Sticky as err_set.  Returns code. */
int err_set_text(err_t *e, int code, const char *s, size_t len);
/* Records code and the text head + v[0..vlen) + tail as err_set_text does: an echoed value
 * whole, a U+0000 inside it too (printf's %.*s stops at one).  head and tail are C strings
 * (tail may be NULL).  Sticky as err_set; a failed allocation records ERR_NOMEM.  Returns
 * code (ERR_NOMEM when the text could not be built). */
int err_set_echo(err_t *e, int code, const char *head, const char *v, size_t vlen,
                 const char *tail);
/* Puts pre in front of e's message (the whole one too); no-op when e holds no error. */
void err_prefix(err_t *e, const char *pre);
/* DynamoDB type name for a code ("ValidationException"); "InternalServerError" for unknown
 * or internal codes.  Static storage. */
const char *err_type(int code);
/* HTTP status for a code (400 for most); 500 for unknown codes. */
int err_status(int code);
/* How a code goes on the wire (ERR_WIRE_SERVICE for unknown codes). */
err_wire_kind err_wire(int code);
/* The code whose DynamoDB type is `type` (a bare name like "ValidationException" or with
 * the "com.amazonaws.dynamodb.v20120810#" prefix); 0 when no row has that type. */
int err_code_from_type(const char *type);
/* Symbolic name ("VALIDATION") for logs and tests.  Static storage. */
const char *err_name(int code);

#endif
