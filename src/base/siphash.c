/*
 * siphash — SipHash-2-4, 64- and 128-bit outputs.  Layer: base.  See siphash.h.
 */
#include "base/siphash.h"

#include <endian.h>
#include <string.h>

#define SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND                                                                               \
    do {                                                                                        \
        v0 += v1;                                                                               \
        v1 = SIP_ROTL(v1, 13);                                                                  \
        v1 ^= v0;                                                                               \
        v0 = SIP_ROTL(v0, 32);                                                                  \
        v2 += v3;                                                                               \
        v3 = SIP_ROTL(v3, 16);                                                                  \
        v3 ^= v2;                                                                               \
        v0 += v3;                                                                               \
        v3 = SIP_ROTL(v3, 21);                                                                  \
        v3 ^= v0;                                                                               \
        v2 += v1;                                                                               \
        v1 = SIP_ROTL(v1, 17);                                                                  \
        v1 ^= v2;                                                                               \
        v2 = SIP_ROTL(v2, 32);                                                                  \
    } while (0)

/* A little-endian word at any alignment: one load (memcpy), swapped only on a big-endian
 * host.  The byte-by-byte loop this replaces was not merged into a load by the compiler and
 * cost half of the hash (a TransactWriteItems token's digest: ~50k instructions). */
static uint64_t sip_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return le64toh(v);
}

/* The keyed state, then every message word and the last (length) word, two rounds each. */
static inline void sip_absorb(uint64_t v[4], const unsigned char key[16], uint64_t v1_tweak,
                              const unsigned char *m, size_t n)
{
    uint64_t k0 = sip_le64(key), k1 = sip_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1 ^ v1_tweak;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t end = n - n % 8;
    for (size_t i = 0; i < end; i += 8) {
        uint64_t w = sip_le64(m + i);
        v3 ^= w;
        SIP_ROUND;
        SIP_ROUND;
        v0 ^= w;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = 0; i < n % 8; i++)
        b |= (uint64_t)m[end + i] << (8 * i);
    v3 ^= b;
    SIP_ROUND;
    SIP_ROUND;
    v0 ^= b;
    v[0] = v0, v[1] = v1, v[2] = v2, v[3] = v3;
}

/* Four finalization rounds after v2 ^= x; the output word. */
static inline uint64_t sip_final(uint64_t v[4], uint64_t x)
{
    uint64_t v0 = v[0], v1 = v[1], v2 = v[2] ^ x, v3 = v[3];
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    v[0] = v0, v[1] = v1, v[2] = v2, v[3] = v3;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t siphash24(const unsigned char key[16], const unsigned char *m, size_t n)
{
    uint64_t v[4];
    sip_absorb(v, key, 0, m, n);
    return sip_final(v, 0xff);
}

void siphash24_128(const unsigned char key[16], const unsigned char *m, size_t n,
                   uint64_t out[2])
{
    uint64_t v[4];
    sip_absorb(v, key, 0xee, m, n);
    out[0] = sip_final(v, 0xee);
    v[1] ^= 0xdd;
    out[1] = sip_final(v, 0);
}
