/*
 * msg_err — the messaging layer's one error table (msg_err.def): wire code, HTTP status,
 * generic err_t code and text of every error the REST API, the event stream and the CLI
 * report.  Layer: messaging.
 *
 * A messaging function raises with msg_fail (messaging_int.h), which records the generic
 * code (e->code, e.g. ERR_NOT_FOUND, what callers compare) and the row (e->detail = row + 1,
 * so 0 stays "none").  Readers ask msg_err_of(e) for the row; an error that did not come
 * from this table (out of memory, a bug) reads as MSG_E_INTERNAL.
 */
#ifndef DDB_MESSAGING_MSG_ERR_H
#define DDB_MESSAGING_MSG_ERR_H

#include "base/err.h"

/* Row indices, in their own enum (not mixed with any "ok" value). */
typedef enum msg_errc {
#define MSG_ERR(name, code, status, base, text) MSG_E_##name,
#include "messaging/msg_err.def"
#undef MSG_ERR
    MSG_E__COUNT
} msg_errc;

/* The row recorded in e (MSG_E_INTERNAL when none or e is unset/NULL). */
msg_errc msg_err_of(const err_t *e);
/* The row's wire code ("not_found"), HTTP status, generic ERR_* code and default text.
 * Out-of-range values read as MSG_E_INTERNAL.  Static storage. */
const char *msg_err_code(msg_errc c);
int msg_err_status(msg_errc c);
int msg_err_base(msg_errc c);
const char *msg_err_text(msg_errc c);
/* The row whose wire code is `code`; MSG_E__COUNT when none. */
msg_errc msg_err_by_code(const char *code);

/* Raises row c of msg_err.def: e->code = the row's generic code (returned), e->detail = the
 * row; the message is the row's text (msg_fail) or the format (msg_failf).  msg_fail_rc
 * records `rc` as the generic code instead (e.g. a backend's code under "storage").  Sticky
 * like err_set. */
int msg_fail(err_t *e, msg_errc c);
int msg_failf(err_t *e, msg_errc c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int msg_fail_rc(err_t *e, msg_errc c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Passes a callee's failure rc on: copies the whole record `in` (row included) into e unless
 * e is already set (when `in` is empty, records rc with its name); returns rc. */
int msg_err_pass(err_t *e, int rc, const err_t *in);

#endif
