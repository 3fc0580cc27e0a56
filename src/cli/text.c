/*
 * text — user text on a terminal: the CLI's one escaping rule.  Layer: cli.  See text.h.
 */
#include "cli/text.h"

#include <stdlib.h>
#include <string.h>

/* The escape of the character at p (n bytes of it), into esc; its length, 0 when it is
 * written as it is. */
static size_t escape_at(const unsigned char *p, size_t *n, char esc[8])
{
    *n = 1;
    if (p[0] == '\n')
        return (size_t)snprintf(esc, 8, "\\n");
    if (p[0] == '\r')
        return (size_t)snprintf(esc, 8, "\\r");
    if (p[0] == '\t')
        return (size_t)snprintf(esc, 8, "\\t");
    if (p[0] < 0x20 || p[0] == 0x7f)
        return (size_t)snprintf(esc, 8, "\\x%02x", p[0]);
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *n = 2;
        return (size_t)snprintf(esc, 8, "\\u%04x", p[1]);
    }
    return 0;
}

char *cli_text_escape(const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    char *out = malloc(len * 6 + 4); /* a byte's escape is at most 6 ("\u009b" for 2) */
    if (!out)
        return NULL;
    size_t o = 0, chars = 0;
    while (*p) {
        char esc[8];
        size_t n, el = escape_at(p, &n, esc);
        if (el == 0)
            while (p[n] && (p[n] & 0xC0) == 0x80) /* the rest of this UTF-8 character */
                n++;
        size_t w = el ? el : 1;
        if (max_chars > 3 && chars + w > max_chars - 3) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (el) {
            memcpy(out + o, esc, el);
            o += el;
        } else {
            memcpy(out + o, p, n);
            o += n;
        }
        chars += w;
        p += n;
    }
    out[o] = '\0';
    return out;
}

void cli_text_arg_error(const char *before, const char *s, const char *after)
{
    char *shown = cli_text_escape(s, CLI_ARG_SHOWN_MAX);
    fprintf(stderr, "%s%s%s", before, shown ? shown : "", after);
    free(shown);
}

void cli_text_print(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        char esc[8];
        size_t n, el = escape_at(p, &n, esc);
        if (el)
            fwrite(esc, 1, el, f);
        else
            fputc(*p, f);
        p += n;
    }
}
