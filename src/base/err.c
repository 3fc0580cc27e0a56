/*
 * err — the error table and sticky error records.  Layer: base.  See err.h.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *type;
    int status;
} err_rows[] = {
#define ERR(name, type, status) {#name, type, status},
#include "err_table.def"
#undef ERR
};

size_t err_utf8_whole(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes of the last character */
    if (i == 0)
        return len; /* no lead byte: not UTF-8 we can judge */
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return len - (i - 1) >= need ? len : i - 1;
}

int err_setv(err_t *e, int code, const char *fmt, va_list ap)
{
    if (e && e->code == 0) {
        e->code = code;
        e->detail = 0;
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        /* cut to fit: end on a whole UTF-8 character (an echoed value may be multi-byte) */
        if (n >= (int)sizeof e->msg)
            e->msg[err_utf8_whole(e->msg, sizeof e->msg - 1)] = '\0';
    }
    return code;
}

int err_set(err_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(err_t *e)
{
    if (e) {
        e->code = 0;
        e->detail = 0;
        e->msg[0] = '\0';
    }
}

static int err_row(int code)
{
    int idx = -code - 1;
    return (code < 0 && idx < ERR__COUNT) ? idx : -1;
}

const char *err_type(int code)
{
    int r = err_row(code);
    return (r >= 0 && err_rows[r].type) ? err_rows[r].type : "InternalServerError";
}

int err_status(int code)
{
    int r = err_row(code);
    return r >= 0 ? err_rows[r].status : 500;
}

const char *err_name(int code)
{
    int r = err_row(code);
    return code == 0 ? "OK" : r >= 0 ? err_rows[r].name : "UNKNOWN";
}

int err_code_from_type(const char *type)
{
    if (!type)
        return 0;
    const char *hash = strrchr(type, '#');
    if (hash)
        type = hash + 1;
    for (int i = 0; i < ERR__COUNT; i++)
        if (err_rows[i].type && strcmp(err_rows[i].type, type) == 0)
            return -(i + 1);
    return 0;
}
