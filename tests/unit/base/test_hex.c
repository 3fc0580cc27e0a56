/*
 * test_hex — one hex digit's value (base/hex.h): every byte 0..255 against the digits it
 * stands for, in either case (base_hex_digit) and in lowercase only (base_hex_digit_lower).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/hex.h"

static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";

/* The value a byte should have, from the two digit strings; -1 for every other byte (NUL,
 * 'g', 'G', '/', ':', '`', '@', bytes from 0x80 on). */
static int want_of(int c, bool upper_too)
{
    for (int v = 0; v < 16; v++)
        if (c == lower[v] || (upper_too && c == upper[v]))
            return v;
    return -1;
}

static void test_every_byte_either_case(void **state)
{
    (void)state;
    int digits = 0;
    for (int c = 0; c < 256; c++) {
        int want = want_of(c, true);
        if (base_hex_digit((unsigned char)c) != want)
            fail_msg("byte 0x%02x: want %d, got %d", c, want, base_hex_digit((unsigned char)c));
        digits += want >= 0;
    }
    assert_int_equal(digits, 22);
    assert_int_equal(base_hex_digit('F'), 15);
    assert_int_equal(base_hex_digit('f'), 15);
    assert_int_equal(base_hex_digit('G'), -1);
}

static void test_every_byte_lowercase_only(void **state)
{
    (void)state;
    int digits = 0;
    for (int c = 0; c < 256; c++) {
        int want = want_of(c, false);
        if (base_hex_digit_lower((unsigned char)c) != want)
            fail_msg("byte 0x%02x: want %d, got %d", c, want,
                     base_hex_digit_lower((unsigned char)c));
        digits += want >= 0;
    }
    assert_int_equal(digits, 16);
    assert_int_equal(base_hex_digit_lower('a'), 10);
    assert_int_equal(base_hex_digit_lower('A'), -1);
    assert_int_equal(base_hex_digit_lower('9'), 9);
}

/* A plain char from 0x80 on (negative where char is signed) is no digit either way. */
static void test_high_bytes_from_char(void **state)
{
    (void)state;
    const char s[] = "\x80\xc1\xe6\xff";
    for (size_t i = 0; i < sizeof s - 1; i++) {
        assert_int_equal(base_hex_digit(s[i]), -1);
        assert_int_equal(base_hex_digit_lower(s[i]), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_either_case),
        cmocka_unit_test(test_every_byte_lowercase_only),
        cmocka_unit_test(test_high_bytes_from_char),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
