/*
 * value_int — what the value layer's modules share of the stored item format and keep to
 * themselves.  Layer: value (private).
 *
 * The stored format's unsigned varints (LEB128, av_encode's put_varint), read by av.c's
 * decoders (av_decode, av_stored_scan) and by jout.c's writer of replies straight from the
 * stored bytes (jout_item_stored): one reader, so the two cannot disagree on what is corrupt.
 * Each reads at p[*pos .. len) and moves *pos past what it took; -1 when the bytes are cut
 * short or the value does not fit (corrupt), *pos then unspecified.
 */
#ifndef DDB_VALUE_VALUE_INT_H
#define DDB_VALUE_VALUE_INT_H

#include <stddef.h>
#include <stdint.h>

/* A varint of two bytes or more (av_varint's slow path; also one byte). */
int av_varint_long(const unsigned char *p, size_t len, size_t *pos, uint64_t *out);

/* A varint; one byte (lengths under 128, counts: nearly all) here, longer ones apart. */
static inline int av_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *out)
{
    if (*pos < len && p[*pos] < 0x80) {
        *out = p[(*pos)++];
        return 0;
    }
    return av_varint_long(p, len, pos, out);
}

/* A length-prefixed byte string: *out points into p, *out_len its bytes. */
static inline int av_varint_bytes(const unsigned char *p, size_t len, size_t *pos,
                                  const char **out, size_t *out_len)
{
    uint64_t n;
    if (av_varint(p, len, pos, &n) || n > len - *pos)
        return -1;
    *out = (const char *)p + *pos;
    *out_len = (size_t)n;
    *pos += (size_t)n;
    return 0;
}

/* An element count: each element takes at least one byte, so a count larger than the bytes
 * left is corrupt (and never drives a huge allocation). */
static inline int av_varint_count(const unsigned char *p, size_t len, size_t *pos, size_t *out)
{
    uint64_t n;
    if (av_varint(p, len, pos, &n) || n > len - *pos)
        return -1;
    *out = (size_t)n;
    return 0;
}

#endif
