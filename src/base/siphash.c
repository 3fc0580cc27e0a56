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

/* The keyed state (v1 ^= v1_tweak: 0xee for the 128-bit output). */
static inline void sip_init(uint64_t v[4], const unsigned char key[16], uint64_t v1_tweak)
{
    uint64_t k0 = sip_le64(key), k1 = sip_le64(key + 8);
    v[0] = 0x736f6d6570736575ull ^ k0, v[1] = 0x646f72616e646f6dull ^ k1 ^ v1_tweak;
    v[2] = 0x6c7967656e657261ull ^ k0, v[3] = 0x7465646279746573ull ^ k1;
}

/* Message words m[0 .. n), n a multiple of 8, two rounds each. */
static inline void sip_words(uint64_t v[4], const unsigned char *m, size_t n)
{
    uint64_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = sip_le64(m + i);
        v3 ^= w;
        SIP_ROUND;
        SIP_ROUND;
        v0 ^= w;
    }
    v[0] = v0, v[1] = v1, v[2] = v2, v[3] = v3;
}

/* The last word: the message's last total % 8 bytes (tail) and its length's low byte. */
static inline void sip_last(uint64_t v[4], const unsigned char *tail, uint64_t total)
{
    uint64_t v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
    uint64_t b = total << 56;
    for (size_t i = 0; i < total % 8; i++)
        b |= (uint64_t)tail[i] << (8 * i);
    v3 ^= b;
    SIP_ROUND;
    SIP_ROUND;
    v0 ^= b;
    v[0] = v0, v[1] = v1, v[2] = v2, v[3] = v3;
}

/* The keyed state, then every message word and the last (length) word, two rounds each. */
static inline void sip_absorb(uint64_t v[4], const unsigned char key[16], uint64_t v1_tweak,
                              const unsigned char *m, size_t n)
{
    size_t end = n - n % 8;
    sip_init(v, key, v1_tweak);
    sip_words(v, m, end);
    sip_last(v, m + end, n);
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

void siphash24_128_init(sip128_state *s, const unsigned char key[16])
{
    sip_init(s->v, key, 0xee);
}

void siphash24_128_words(sip128_state *s, const unsigned char *m, size_t n)
{
    sip_words(s->v, m, n);
}

void siphash24_128_final(sip128_state *s, const unsigned char *tail, uint64_t total,
                         uint64_t out[2])
{
    sip_last(s->v, tail, total);
    out[0] = sip_final(s->v, 0xee);
    s->v[1] ^= 0xdd;
    out[1] = sip_final(s->v, 0);
}
