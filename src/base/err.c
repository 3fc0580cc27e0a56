/*
 * err — the error table and sticky error records.  Layer: base.  See err.h.
 */
#include "err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const struct {
    const char *name;
    const char *type;
    int status;
    err_wire_kind wire;
} err_rows[] = {
#define ERR(name, type, status, wire) {#name, type, status, wire},
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

/* ---- whole messages (err.h) ---- */

/* The thread's innermost attachment; each links to the one before. */
static _Thread_local err_whole *ew_cur;

static err_whole *ew_find(const err_t *e)
{
    for (err_whole *w = ew_cur; w; w = w->prev)
        if (w->e == e)
            return w;
    return NULL;
}

static void ew_drop(err_whole *w)
{
    free(w->text);
    w->text = NULL;
    w->len = 0;
    w->code = 0;
}

/* Takes t (heap, its first n bytes written, room for one more) as e's whole message; cut
 * (on a whole UTF-8 character) when the message was longer than those n bytes. */
static void ew_keep(err_whole *w, const err_t *e, char *t, size_t n, bool cut)
{
    if (cut)
        n = err_utf8_whole(t, n);
    t[n] = '\0';
    ew_drop(w);
    w->text = t;
    w->len = n;
    w->code = e->code;
}

/* The bytes to allocate for a whole message of len bytes kept by w. */
static size_t ew_room(const err_whole *w, size_t len)
{
    return len < w->max ? len : w->max;
}

void err_whole_attach(err_whole *w, err_t *e, size_t max)
{
    w->e = e;
    w->max = max < ERR_MSG_MAX - 1 ? ERR_MSG_MAX - 1 : max;
    w->text = NULL;
    w->len = 0;
    w->code = 0;
    w->prev = ew_cur;
    ew_cur = w;
}

void err_whole_detach(err_whole *w)
{
    if (ew_cur == w)
        ew_cur = w->prev;
}

void err_whole_fini(err_whole *w)
{
    if (w)
        ew_drop(w);
}

size_t err_msg_len(const err_t *e)
{
    size_t sl = strlen(e->msg);
    /* len counts past a U+0000 only as err_msg_cut set it: msg[len] is the terminator; a
     * text written into msg directly since (shorter or longer) is read up to its NUL */
    return e->len > sl && e->len < sizeof e->msg && e->msg[e->len] == '\0' ? e->len : sl;
}

const char *err_text_n(const err_t *e, const err_whole *w, size_t *out_len)
{
    size_t ml = err_msg_len(e);
    *out_len = ml;
    if (!w || w->e != e || !w->text || e->code == 0 || e->code != w->code)
        return e->msg;
    if (ml <= w->len && memcmp(w->text, e->msg, ml) == 0) {
        *out_len = w->len;
        return w->text;
    }
    return e->msg;
}

const char *err_text(const err_t *e, const err_whole *w)
{
    size_t len;
    return err_text_n(e, w, &len);
}

size_t err_room(const err_t *e)
{
    const err_whole *w = ew_find(e);
    return w ? w->max : ERR_MSG_MAX - 1;
}

/* msg <- the first bytes of s[0..len), cut on a whole UTF-8 character to fit. */
static void err_msg_cut(err_t *e, const char *s, size_t len)
{
    if (len >= sizeof e->msg)
        len = err_utf8_whole(s, sizeof e->msg - 1);
    memmove(e->msg, s, len);
    e->msg[len] = '\0';
    e->len = len;
}

int err_setv(err_t *e, int code, const char *fmt, va_list ap)
{
    if (e && e->code == 0) {
        e->code = code;
        e->detail = 0;
        err_whole *w = ew_find(e);
        va_list again;
        va_copy(again, ap);
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        e->len = 0; /* a formatted text ends at its first NUL (err_msg_len) */
        if (w)
            ew_drop(w);
        if (w && n >= (int)sizeof e->msg) { /* keep it whole: format it again, at its size */
            size_t room = ew_room(w, (size_t)n);
            char *t = mem_malloc(room + 1);
            if (t) {
                vsnprintf(t, room + 1, fmt, again);
                ew_keep(w, e, t, room, room < (size_t)n);
            }
        }
        va_end(again);
        /* cut to fit: end on a whole UTF-8 character (an echoed value may be multi-byte) */
        if (n >= (int)sizeof e->msg)
            e->msg[err_utf8_whole(e->msg, sizeof e->msg - 1)] = '\0';
    }
    return code;
}

int err_set_text(err_t *e, int code, const char *s, size_t len)
{
    if (e && e->code == 0) {
        e->code = code;
        e->detail = 0;
        err_whole *w = ew_find(e);
        if (w)
            ew_drop(w);
        if (w && len >= sizeof e->msg) {
            size_t room = ew_room(w, len);
            char *t = mem_malloc(room + 1);
            if (t) {
                memcpy(t, s, room);
                ew_keep(w, e, t, room, room < len);
            }
        }
        err_msg_cut(e, s, len);
    }
    return code;
}

int err_set_echo(err_t *e, int code, const char *head, const char *v, size_t vlen,
                 const char *tail)
{
    if (!e || e->code != 0)
        return code;
    size_t hl = strlen(head), tl = tail ? strlen(tail) : 0;
    char small[ERR_MSG_MAX];
    size_t total = hl + vlen + tl;
    char *t = total < sizeof small ? small : mem_malloc(total + 1);
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(t, head, hl);
    if (vlen)
        memcpy(t + hl, v, vlen);
    if (tl)
        memcpy(t + hl + vlen, tail, tl);
    t[total] = '\0';
    err_set_text(e, code, t, total);
    if (t != small)
        free(t);
    return code;
}

void err_prefix(err_t *e, const char *pre)
{
    if (!e || e->code == 0)
        return;
    err_whole *w = ew_find(e);
    size_t cl;
    const char *cur = err_text_n(e, w, &cl);
    size_t pl = strlen(pre);
    if (w && pl + cl >= sizeof e->msg) {
        size_t room = ew_room(w, pl + cl);
        char *t = mem_malloc(room + 1);
        if (t) {
            size_t k = pl < room ? pl : room;
            memcpy(t, pre, k);
            memcpy(t + k, cur, room - k);
            ew_keep(w, e, t, room, room < pl + cl); /* frees cur when it was w's */
            err_msg_cut(e, t, w->len);
            return;
        }
    }
    /* in msg alone: pre, then as much of the text as fits */
    char tmp[ERR_MSG_MAX];
    size_t k = pl < sizeof tmp - 1 ? pl : sizeof tmp - 1;
    memcpy(tmp, pre, k);
    size_t ml = err_msg_len(e);
    if (k + ml > sizeof tmp - 1)
        ml = err_utf8_whole(e->msg, sizeof tmp - 1 - k); /* on a whole UTF-8 character */
    memcpy(tmp + k, e->msg, ml);
    if (w)
        ew_drop(w);
    err_msg_cut(e, tmp, k + ml);
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
        e->len = 0;
        err_whole *w = ew_find(e);
        if (w)
            ew_drop(w);
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

err_wire_kind err_wire(int code)
{
    int r = err_row(code);
    return r >= 0 ? err_rows[r].wire : ERR_WIRE_SERVICE;
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
