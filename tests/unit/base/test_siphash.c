/*
 * test_siphash — SipHash-2-4 (base/siphash.h): the reference outputs of the paper
 * (key 00 01 .. 0f, message 00 01 .. n-1), the reference implementation's 128-bit tags
 * (vectors.h, vectors_sip128), and the word loads against byte-by-byte loads at every length
 * and alignment, for both outputs; the 128-bit tag given in pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/siphash.h"

static unsigned char key[16], msg[80];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < 16; i++)
        key[i] = (unsigned char)i;
    for (int i = 0; i < 80; i++)
        msg[i] = (unsigned char)i;
    return 0;
}

/* The paper's appendix A (15 bytes) and the first of its test vectors (the empty message). */
static void test_reference_outputs(void **state)
{
    (void)state;
    assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
    assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
}

/* The 128-bit tags of the reference implementation (github.com/veorq/SipHash, vectors.h,
 * vectors_sip128[n]: same key, message 00 01 .. n-1) at lengths around the 8-byte blocks. */
static const struct {
    size_t n;
    unsigned char tag[16];
} sip128_ref[] = {
    {0, {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6, 0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55,
         0x02, 0x93}},
    {1, {0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44, 0x34, 0x76, 0x59, 0x11, 0x9b, 0x22,
         0xfc, 0x45}},
    {7, {0xa1, 0xf1, 0xeb, 0xbe, 0xd8, 0xdb, 0xc1, 0x53, 0xc0, 0xb8, 0x4a, 0xa6, 0x1f, 0xf0,
         0x82, 0x39}},
    {8, {0x3b, 0x62, 0xa9, 0xba, 0x62, 0x58, 0xf5, 0x61, 0x0f, 0x83, 0xe2, 0x64, 0xf3, 0x14,
         0x97, 0xb4}},
    {15, {0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11, 0x7e, 0x08, 0xec, 0x0f, 0x97, 0xcf,
          0xc3, 0xd9}},
    {16, {0x6e, 0xe2, 0xa4, 0xca, 0x67, 0xb0, 0x54, 0xbb, 0xfd, 0x33, 0x15, 0xbf, 0x85, 0x23,
          0x05, 0x77}},
    {63, {0x51, 0x50, 0xd1, 0x77, 0x2f, 0x50, 0x83, 0x4a, 0x50, 0x3e, 0x06, 0x9a, 0x97, 0x3f,
          0xbd, 0x7c}},
};

static void test_reference_outputs_128(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sip128_ref / sizeof sip128_ref[0]; i++) {
        uint64_t out[2];
        siphash24_128(key, msg, sip128_ref[i].n, out);
        unsigned char got[16];
        for (int b = 0; b < 16; b++)
            got[b] = (unsigned char)(out[b / 8] >> (8 * (b % 8)));
        assert_memory_equal(got, sip128_ref[i].tag, 16);
    }
}

/* SipHash-2-4 with each 64-bit word assembled byte by byte (little-endian, as specified). */
static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
static void rounds(uint64_t v[4], int n)
{
    while (n--) {
        v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
        v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
    }
}
static uint64_t bytes_le(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}
/* wide: the 128-bit output (out[1] set too) */
static uint64_t sip_bytewise(const unsigned char *k, const unsigned char *m, size_t n, bool wide,
                             uint64_t *out1)
{
    uint64_t k0 = bytes_le(k, 8), k1 = bytes_le(k + 8, 8);
    uint64_t v[4] = {0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
                     0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1};
    if (wide)
        v[1] ^= 0xee;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = bytes_le(m + i, 8);
        v[3] ^= w;
        rounds(v, 2);
        v[0] ^= w;
    }
    uint64_t b = ((uint64_t)n << 56) | bytes_le(m + i, n - i);
    v[3] ^= b;
    rounds(v, 2);
    v[0] ^= b;
    v[2] ^= wide ? 0xee : 0xff;
    rounds(v, 4);
    uint64_t out0 = v[0] ^ v[1] ^ v[2] ^ v[3];
    if (wide) {
        v[1] ^= 0xdd;
        rounds(v, 4);
        *out1 = v[0] ^ v[1] ^ v[2] ^ v[3];
    }
    return out0;
}

/* Every length 0..64 at every alignment 0..7 gives the byte-by-byte answer, both outputs. */
static void test_word_loads_match_bytes(void **state)
{
    (void)state;
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= 72; n++) {
            uint64_t out[2], hi;
            assert_true(siphash24(key, msg + off, n) ==
                        sip_bytewise(key, msg + off, n, false, NULL));
            siphash24_128(key, msg + off, n, out);
            assert_true(out[0] == sip_bytewise(key, msg + off, n, true, &hi));
            assert_true(out[1] == hi);
        }
}

/* The 128-bit tag given in pieces (siphash24_128_init / _words / _final): the one-shot tag at
 * every length 0..72, the words split at every 8-byte boundary. */
static void test_incremental_128(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 72; n++) {
        uint64_t want[2];
        siphash24_128(key, msg, n, want);
        size_t end = n - n % 8;
        for (size_t cut = 0; cut <= end; cut += 8) {
            sip128_state s;
            uint64_t got[2];
            siphash24_128_init(&s, key);
            siphash24_128_words(&s, msg, cut);
            siphash24_128_words(&s, msg + cut, end - cut);
            siphash24_128_final(&s, msg + end, n, got);
            assert_true(got[0] == want[0] && got[1] == want[1]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs),
        cmocka_unit_test(test_reference_outputs_128),
        cmocka_unit_test(test_word_loads_match_bytes),
        cmocka_unit_test(test_incremental_128),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
