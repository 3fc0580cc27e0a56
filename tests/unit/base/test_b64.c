/*
 * test_b64 — base64 (base/b64.h): RFC 4648's test vectors in the standard alphabet, padded,
 * and in the URL alphabet, unpadded; base_b64_len against what is written; every byte's
 * value in each alphabet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/b64.h"

static void check(const char *alphabet, bool pad, const char *in, size_t len, const char *want)
{
    char out[64];
    memset(out, '#', sizeof out);
    size_t n = base_b64_encode(alphabet, pad, (const unsigned char *)in, len, out);
    assert_int_equal(n, strlen(want));
    assert_int_equal(n, base_b64_len(len, pad));
    assert_memory_equal(out, want, n);
    assert_int_equal(out[n], '#'); /* nothing past it */
}

/* RFC 4648 section 10 */
static void test_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                         "Zm9vYmFy"};
    static const char *const bare[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        check(BASE_B64_STD, true, in[i], strlen(in[i]), padded[i]);
        check(BASE_B64_URL, false, in[i], strlen(in[i]), bare[i]);
    }
}

/* The two alphabets differ in 62 and 63 only: 0xfb 0xff 0xbf is "+/+/" and "-_-_". */
static void test_alphabets(void **state)
{
    (void)state;
    check(BASE_B64_STD, true, "\xfb\xff\xbf", 3, "+/+/");
    check(BASE_B64_URL, false, "\xfb\xff\xbf", 3, "-_-_");
    check(BASE_B64_STD, true, "\0\0", 2, "AAA=");
}

static void test_values(void **state)
{
    (void)state;
    for (int url = 0; url < 2; url++) {
        const char *alphabet = url ? BASE_B64_URL : BASE_B64_STD;
        int seen = 0;
        for (int c = 0; c < 256; c++) {
            const char *at = c ? memchr(alphabet, c, 64) : NULL;
            int want = at ? (int)(at - alphabet) : -1;
            if (base_b64_val((unsigned char)c, url) != want)
                fail_msg("url %d byte 0x%02x: want %d, got %d", url, c, want,
                         base_b64_val((unsigned char)c, url));
            seen += want >= 0;
        }
        assert_int_equal(seen, 64);
        assert_int_equal(base_b64_val('=', url), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_alphabets),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
