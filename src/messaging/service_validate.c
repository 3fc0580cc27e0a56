/*
 * service_validate — what a handle, a display name and a message text may be (service.h's
 * limits: MSG_HANDLE_MAX, MSG_TEXT_MAX, ...), for the REST API and the CLI alike.  Layer:
 * messaging (part of the service, service.h).  Pure functions, no storage.
 */
#include "messaging/messaging_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

int msg_validate_handle(const char *h, err_t *e)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > MSG_HANDLE_MAX)
        return msg_failf(e, MSG_E_INVALID_HANDLE, "a handle has 1 to %d characters",
                       MSG_HANDLE_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-')) {
            /* "@bob", as listings and the CLI show a handle: say how to write it (the rest
             * is a handle's characters only, safe to echo;
             * test_messaging.py::test_handle_typed_with_its_at_sign) */
            err_t rest = {0};
            if (i == 0 && c == '@' && msg_validate_handle(h + 1, &rest) == 0)
                return msg_failf(e, MSG_E_INVALID_HANDLE,
                                 "a handle is written without its '@': %s", h + 1);
            return msg_failf(e, MSG_E_INVALID_HANDLE,
                              "a handle may hold only letters, digits, '_', '.' "
                           "and '-'");
        }
    }
    return 0;
}

/* Code points that show nothing: Unicode's White_Space, the default-ignorable and
 * format characters (zero-width space/joiners, bidi marks, word joiner, BOM, variation
 * selectors, tags), C0/C1 controls, and the blank-looking fillers (Hangul fillers, braille
 * blank).  Sorted, inclusive ranges. */
static const struct {
    unsigned lo, hi;
} invisible[] = {
    {0x0000, 0x0020},   {0x007F, 0x00A0},   {0x00AD, 0x00AD},   {0x034F, 0x034F},
    {0x061C, 0x061C},   {0x115F, 0x1160},   {0x1680, 0x1680},   {0x17B4, 0x17B5},
    {0x180B, 0x180F},   {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F},
    {0x2800, 0x2800},   {0x3000, 0x3000},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},
    {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF9, 0xFFFB},   {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

/* True when s shows nothing: empty, or only invisible code points (above).  Invalid UTF-8
 * is not blank (the UTF-8 check reports it). */
static bool blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp, n;
        if (p[0] < 0x80) {
            cp = p[0];
            n = 1;
        } else if ((p[0] & 0xE0) == 0xC0) {
            cp = p[0] & 0x1Fu;
            n = 2;
        } else if ((p[0] & 0xF0) == 0xE0) {
            cp = p[0] & 0x0Fu;
            n = 3;
        } else if ((p[0] & 0xF8) == 0xF0) {
            cp = p[0] & 0x07u;
            n = 4;
        } else {
            return false;
        }
        for (unsigned i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        bool hidden = false;
        for (size_t i = 0; i < sizeof invisible / sizeof invisible[0] && cp >= invisible[i].lo;
             i++)
            if (cp <= invisible[i].hi)
                hidden = true;
        if (!hidden)
            return false;
        p += n;
    }
    return true;
}

int msg_validate_display_name(const char *name, err_t *e)
{
    if (!name || blank(name))
        return msg_failf(e, MSG_E_INVALID_DISPLAY_NAME, "a display name is required");
    long n = msgi_utf8_len(name, strlen(name));
    if (n < 0)
        return msg_failf(e, MSG_E_INVALID_DISPLAY_NAME, "the display name is not valid UTF-8");
    if (n > MSG_NAME_MAX)
        return msg_failf(e, MSG_E_INVALID_DISPLAY_NAME,
                          "a display name has at most %d characters",
                       MSG_NAME_MAX);
    /* A name is one line shown beside every message: a C0 control (line ends and tabs
     * included), DEL, a C1 control (NEL, the 8-bit CSI) or a line/paragraph separator forged
     * lines of listings and reached terminals as commands
     * (test_messaging.py::test_display_name_control_characters_refused).  Messages keep
     * theirs (line ends are text there).  The name is valid UTF-8 (checked above). */
    long at = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; at++) {
        unsigned cp = *p, n = 1;
        if (*p >= 0xF0)
            cp = *p & 0x07u, n = 4;
        else if (*p >= 0xE0)
            cp = *p & 0x0Fu, n = 3;
        else if (*p >= 0xC0)
            cp = *p & 0x1Fu, n = 2;
        for (unsigned i = 1; i < n; i++)
            cp = (cp << 6) | (p[i] & 0x3Fu);
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029)
            return msg_failf(e, MSG_E_INVALID_DISPLAY_NAME,
                             "a display name may not contain control characters (U+%04X at "
                             "character %ld)",
                             cp, at + 1);
        p += n;
    }
    return 0;
}

int msg_validate_text(const char *text, err_t *e)
{
    if (!text || blank(text))
        return msg_fail(e, MSG_E_MESSAGE_BLANK);
    long n = msgi_utf8_len(text, strlen(text));
    if (n < 0)
        return msg_fail(e, MSG_E_INVALID_UTF8);
    if (n > MSG_TEXT_MAX)
        return msg_failf(e, MSG_E_MESSAGE_TOO_LONG,
                          "the message has %ld characters, at most %d are "
                       "allowed",
                       n, MSG_TEXT_MAX);
    return 0;
}
