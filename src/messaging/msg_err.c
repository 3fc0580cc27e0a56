/*
 * msg_err — the messaging error table's accessors and msg_fail.  Layer: messaging.  See
 * msg_err.h and msg_err.def.
 */
#include "messaging/msg_err.h"

#include <stdio.h>
#include <string.h>

#include "messaging/messaging_int.h"

static const struct {
    const char *code;
    int status;
    int base;
    const char *text;
} msg_err_rows[] = {
#define MSG_ERR(name, code, status, base, text) {code, status, ERR_##base, text},
#include "messaging/msg_err.def"
#undef MSG_ERR
};

_Static_assert(sizeof msg_err_rows / sizeof msg_err_rows[0] == MSG_E__COUNT, "one row per code");

static msg_errc msg_err_row(msg_errc c)
{
    return (unsigned)c < MSG_E__COUNT ? c : MSG_E_INTERNAL;
}

msg_errc msg_err_of(const err_t *e)
{
    if (!e || e->code == 0 || e->detail <= 0 || e->detail > MSG_E__COUNT)
        return MSG_E_INTERNAL;
    return (msg_errc)(e->detail - 1);
}

const char *msg_err_code(msg_errc c)
{
    return msg_err_rows[msg_err_row(c)].code;
}

int msg_err_status(msg_errc c)
{
    return msg_err_rows[msg_err_row(c)].status;
}

int msg_err_base(msg_errc c)
{
    return msg_err_rows[msg_err_row(c)].base;
}

const char *msg_err_text(msg_errc c)
{
    return msg_err_rows[msg_err_row(c)].text;
}

msg_errc msg_err_by_code(const char *code)
{
    for (int i = 0; code && i < MSG_E__COUNT; i++)
        if (strcmp(msg_err_rows[i].code, code) == 0)
            return (msg_errc)i;
    return MSG_E__COUNT;
}

/* Records row c with generic code rc and the formatted message, unless e already holds an
 * error (sticky like err_set: the first error is kept, row included). */
static int msg_failv(err_t *e, msg_errc c, int rc, const char *fmt, va_list ap)
{
    if (e && e->code == 0) {
        err_setv(e, rc, fmt, ap);
        e->detail = (int)msg_err_row(c) + 1;
    }
    return rc;
}

int msg_fail(err_t *e, msg_errc c)
{
    return msg_fail_rc(e, c, msg_err_base(c), "%s", msg_err_text(c));
}

int msg_failf(err_t *e, msg_errc c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = msg_failv(e, c, msg_err_base(c), fmt, ap);
    va_end(ap);
    return rc;
}

int msg_fail_rc(err_t *e, msg_errc c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_failv(e, c, rc, fmt, ap);
    va_end(ap);
    return rc;
}

int msg_err_pass(err_t *e, int rc, const err_t *in)
{
    if (e && e->code == 0 && in && in->code != 0)
        *e = *in;
    else if (rc)
        err_set(e, rc, "%s", err_name(rc));
    return rc;
}
