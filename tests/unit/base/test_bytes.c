/*
 * test_bytes — fixed-width integers in byte strings (base/bytes.h): the bytes each writer puts
 * down for known numbers, in the order the stored formats name (store_int.h's layout: keys
 * big-endian so they sort as numbers; values little-endian), and each reader giving them back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/bytes.h"

static void test_be32(void **state)
{
    (void)state;
    unsigned char b[6] = {0xAA, 0, 0, 0, 0, 0xAA};
    base_be32_put(b + 1, 0x01020304u);
    const unsigned char want[6] = {0xAA, 1, 2, 3, 4, 0xAA}; /* nothing written outside */
    assert_memory_equal(b, want, sizeof want);
    assert_int_equal(base_be32_get(b + 1), 0x01020304u);
    base_be32_put(b + 1, 0xFFFFFFFEu); /* the top bit comes back unsigned */
    assert_true(base_be32_get(b + 1) == 0xFFFFFFFEu);
}

static void test_be64(void **state)
{
    (void)state;
    unsigned char b[8];
    base_be64_put(b, 0x0102030405060708ull);
    const unsigned char want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b, want, sizeof want);
    assert_true(base_be64_get(b) == 0x0102030405060708ull);
    base_be64_put(b, UINT64_MAX - 1);
    assert_true(base_be64_get(b) == UINT64_MAX - 1);
}

/* Keys compare with memcmp: big-endian bytes must sort as the numbers do. */
static void test_be_sorts_as_numbers(void **state)
{
    (void)state;
    const uint64_t v[] = {0, 1, 255, 256, 65535, 65536, 1ull << 32, (1ull << 32) + 1,
                          UINT64_MAX};
    for (size_t i = 0; i + 1 < sizeof v / sizeof v[0]; i++) {
        unsigned char a[8], b[8];
        base_be64_put(a, v[i]);
        base_be64_put(b, v[i + 1]);
        if (memcmp(a, b, 8) >= 0)
            fail_msg("%zu: the bytes of %llu do not sort before those of %llu", i,
                     (unsigned long long)v[i], (unsigned long long)v[i + 1]);
        if (v[i + 1] <= UINT32_MAX) {
            unsigned char c[4], d[4];
            base_be32_put(c, (uint32_t)v[i]);
            base_be32_put(d, (uint32_t)v[i + 1]);
            assert_true(memcmp(c, d, 4) < 0);
        }
    }
}

static void test_le_widths(void **state)
{
    (void)state;
    unsigned char b[10];
    memset(b, 0xAA, sizeof b);
    base_le_put(b + 1, 0x0102030405060708ull, 8);
    const unsigned char want8[10] = {0xAA, 8, 7, 6, 5, 4, 3, 2, 1, 0xAA};
    assert_memory_equal(b, want8, sizeof want8);
    assert_true(base_le_get(b + 1, 8) == 0x0102030405060708ull);
    /* n bytes: the low ones, the rest of the buffer untouched */
    memset(b, 0xAA, sizeof b);
    base_le_put(b + 1, 0x0102030405060708ull, 4);
    const unsigned char want4[10] = {0xAA, 8, 7, 6, 5, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
    assert_memory_equal(b, want4, sizeof want4);
    assert_true(base_le_get(b + 1, 4) == 0x05060708ull);
    /* a short read is zero-extended, never sign-extended */
    const unsigned char hi[3] = {0xFF, 0xFF, 0x80};
    assert_true(base_le_get(hi, 3) == 0x80FFFFull);
    assert_true(base_le_get(hi, 1) == 0xFFull);
    assert_true(base_le_get(hi, 0) == 0);
}

static void test_le_round_trip(void **state)
{
    (void)state;
    const uint64_t v[] = {0, 1, 0x80, 0xFFFFFFFFull, 0x8000000000000000ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned char b[8];
        base_le_put(b, v[i], 8);
        assert_true(base_le_get(b, 8) == v[i]);
        base_le_put(b, v[i], 4);
        assert_true(base_le_get(b, 4) == (v[i] & 0xFFFFFFFFull));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_be32),
        cmocka_unit_test(test_be64),
        cmocka_unit_test(test_be_sorts_as_numbers),
        cmocka_unit_test(test_le_widths),
        cmocka_unit_test(test_le_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
