/*
 * test_siphash — SipHash-2-4 (base/siphash.h): the reference outputs of the paper
 * (key 00 01 .. 0f, message 00 01 .. n-1), and the word loads against byte-by-byte loads at
 * every length and alignment.
 */
#include <setjmp.h>
#include <stdarg.h>
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
static uint64_t sip_bytewise(const unsigned char *k, const unsigned char *m, size_t n)
{
    uint64_t k0 = bytes_le(k, 8), k1 = bytes_le(k + 8, 8);
    uint64_t v[4] = {0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
                     0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1};
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
    v[2] ^= 0xff;
    rounds(v, 4);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Every length 0..64 at every alignment 0..7 gives the byte-by-byte answer. */
static void test_word_loads_match_bytes(void **state)
{
    (void)state;
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= 72; n++)
            assert_true(siphash24(key, msg + off, n) == sip_bytewise(key, msg + off, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs),
        cmocka_unit_test(test_word_loads_match_bytes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
