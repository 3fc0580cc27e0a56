/*
 * siphash — SipHash-2-4.  Layer: base.  See siphash.h.
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

uint64_t siphash24(const unsigned char key[16], const unsigned char *m, size_t n)
{
    uint64_t k0 = sip_le64(key), k1 = sip_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
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
    v2 ^= 0xff;
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    SIP_ROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
