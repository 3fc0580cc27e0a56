/*
 * test_crc — crc_ieee (value/crc.h) answers what zlib's crc32_z answers: every length from 0
 * to 1,100 at every alignment 0-15, from several starting CRCs, over random bytes and over
 * runs of 0x00 and 0xFF (the folding's worst cases); long inputs of 1 MB; a CRC continued
 * piece by piece in uneven pieces equals the CRC of the whole; the known check value of
 * "123456789" (0xCBF43926).  On a CPU with PCLMULQDQ these exercise libdeflate's folding
 * path, as the server runs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "value/crc.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned char next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned char)(rng >> 24);
}

static uint32_t zcrc(uint32_t c, const unsigned char *p, size_t n)
{
    return (uint32_t)crc32_z(c, p, n); /* p is never NULL here */
}

/* The standard check value, and the empty input keeps the CRC as it is. */
static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(crc_ieee(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(crc_ieee(0, NULL, 0), 0);
    assert_int_equal(crc_ieee(0x12345678u, NULL, 0), 0x12345678u);
}

/* Every length 0..1,100 at alignments 0..15, three starting CRCs, three kinds of content. */
static void test_lengths_and_alignments(void **state)
{
    (void)state;
    enum { MAXN = 1100 };
    static unsigned char buf[MAXN + 64];
    const uint32_t starts[] = {0, 0xFFFFFFFFu, 0xDEADBEEFu};
    size_t checked = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = kind == 0 ? next_byte() : kind == 1 ? 0x00 : 0xFF;
        for (size_t off = 0; off < 16; off++)
            for (size_t n = 0; n <= MAXN; n++)
                for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
                    uint32_t want = zcrc(starts[s], buf + off, n);
                    uint32_t got = crc_ieee(starts[s], buf + off, n);
                    if (got != want)
                        fail_msg("kind %d off %zu len %zu start %08x: got %08x want %08x", kind,
                                 off, n, starts[s], got, want);
                    checked++;
                }
    }
    assert_int_equal(checked, 3 * 16 * (MAXN + 1) * 3);
}

/* 1 MB of random bytes, whole and continued in uneven pieces. */
static void test_long_and_continued(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 20;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = next_byte();
    uint32_t want = zcrc(0, p, n);
    assert_int_equal(crc_ieee(0, p, n), want);
    uint32_t c = 0;
    size_t pos = 0, step = 1;
    while (pos < n) {
        size_t k = step < n - pos ? step : n - pos;
        c = crc_ieee(c, p + pos, k);
        pos += k;
        step = step * 3 % 4099 + 1; /* 1, 4, 13, 40, ... uneven, some past 64 */
    }
    assert_int_equal(c, want);
    /* a CRC zlib started, continued by crc_ieee, and the other way round */
    uint32_t half = zcrc(0, p, n / 2 + 7);
    assert_int_equal(crc_ieee(half, p + n / 2 + 7, n - n / 2 - 7), want);
    half = crc_ieee(0, p, n / 2 + 7);
    assert_int_equal(zcrc(half, p + n / 2 + 7, n - n / 2 - 7), want);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_lengths_and_alignments),
        cmocka_unit_test(test_long_and_continued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
