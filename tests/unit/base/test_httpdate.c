/*
 * test_httpdate — base/httpdate.h: RFC 9110's three HTTP-date forms (its own example,
 * Sun, 06 Nov 1994 08:49:37 GMT = 784111777), the IMF-only reading SigV4's Date takes, and
 * the texts refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/httpdate.h"

#define EXAMPLE 784111777LL

static long long parse(const char *s, bool imf_only)
{
    return httpdate_parse(s, strlen(s), imf_only);
}

static void test_three_forms(void **state)
{
    (void)state;
    assert_int_equal(parse("Sun, 06 Nov 1994 08:49:37 GMT", false), EXAMPLE);
    assert_int_equal(parse("Sunday, 06-Nov-94 08:49:37 GMT", false), EXAMPLE);
    assert_int_equal(parse("Sun Nov  6 08:49:37 1994", false), EXAMPLE);
    assert_int_equal(parse("Thu, 01 Jan 1970 00:00:00 GMT", false), 0);
}

/* SigV4's Date header: IMF-fixdate only */
static void test_imf_only(void **state)
{
    (void)state;
    assert_int_equal(parse("Sun, 06 Nov 1994 08:49:37 GMT", true), EXAMPLE);
    assert_int_equal(parse("Sunday, 06-Nov-94 08:49:37 GMT", true), -1);
    assert_int_equal(parse("Sun Nov  6 08:49:37 1994", true), -1);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "Sun, 06 Nov 1994 08:49:37 GMT x",  /* trailing bytes */
        "Sun, 06 Nov 1994 08:49:37 UTC",    /* not GMT */
        "Sun, 06 Nov 1994 08:49 GMT",       /* no seconds */
        "120",                              /* delay-seconds: the caller's, not a date */
        "Sun, 06 Nov 1994 08:49:37 GMT                    ", /* longer than HTTPDATE_MAX */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], false) != -1)
            fail_msg("\"%s\" was taken", bad[i]);
    /* the length is the caller's: bytes after n are not read */
    const char *s = "Sun, 06 Nov 1994 08:49:37 GMTjunk";
    assert_int_equal(httpdate_parse(s, 29, true), EXAMPLE);
    assert_int_equal(httpdate_parse(s, 28, true), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_forms),
        cmocka_unit_test(test_imf_only),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
