/*
 * hex — the value of one hexadecimal digit.  Layer: base.  Header only (static inline: the
 * JSON reader's \uXXXX escapes and the percent-decoders call it per byte).
 *
 * Two readings, because the callers differ on purpose: text from outside (percent-encoding,
 * RFC 3986 2.1; JSON's \u escapes, RFC 8259 7) takes a digit in either case; the tokens this
 * program writes in lowercase hex and reads back (PartiQL's NextToken, a stream's shard
 * iterator) take lowercase only, so a token changed in case is refused.
 * Tests: tests/unit/base/test_hex.c.
 */
#ifndef DDB_BASE_HEX_H
#define DDB_BASE_HEX_H

/* A hex digit's value ('0'-'9', 'a'-'f', 'A'-'F' -> 0..15), or -1 for any other byte. */
static inline int base_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A lowercase hex digit's value ('0'-'9', 'a'-'f' -> 0..15), or -1 (an uppercase digit too). */
static inline int base_hex_digit_lower(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

#endif
