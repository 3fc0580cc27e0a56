/*
 * bytes — fixed-width integers in a byte string, big- or little-endian.  Layer: base.  Header
 * only (static inline: the store writes its keys and counter records with it on every write).
 *
 * Big-endian where the bytes are a key and must sort as the number does (a table id, a
 * sequence number, a time: store_int.h's layout); little-endian in record values and tokens
 * (counter records, PITR state, stream record headers, dump files, shard iterators).  No
 * alignment is assumed and nothing is checked: the caller has the room and the bytes.
 * Tests: tests/unit/base/test_bytes.c.
 */
#ifndef DDB_BASE_BYTES_H
#define DDB_BASE_BYTES_H

#include <stdint.h>

/* v at p[0..4), most significant byte first. */
static inline void base_be32_put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The number base_be32_put wrote at p. */
static inline uint32_t base_be32_get(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* v at p[0..8), most significant byte first. */
static inline void base_be64_put(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (56 - 8 * i));
}

/* The number base_be64_put wrote at p. */
static inline uint64_t base_be64_get(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The low n bytes of v (n from 1 to 8) at p[0..n), least significant byte first. */
static inline void base_le_put(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The n-byte (1 to 8) number base_le_put wrote at p. */
static inline uint64_t base_le_get(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif
