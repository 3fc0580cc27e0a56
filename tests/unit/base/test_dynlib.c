/*
 * test_dynlib — libraries opened on first use (base/dynlib.h): symbols resolve into their
 * slots; a missing library or symbol is a one-line reason and fills no slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/dynlib.h"

static void test_resolves(void **state)
{
    (void)state;
    size_t (*my_strlen)(const char *) = NULL;
    int (*my_abs)(int) = NULL;
    const dynlib_sym syms[] = {{"strlen", &my_strlen}, {"abs", &my_abs}};
    char err[256] = "";
    assert_int_equal(dynlib_open("libc.so.6", syms, 2, err, sizeof err), 0);
    assert_non_null(my_strlen);
    assert_int_equal(my_strlen("four"), 4);
    assert_int_equal(my_abs(-3), 3);
}

static void test_missing_library(void **state)
{
    (void)state;
    void (*f)(void) = NULL;
    const dynlib_sym syms[] = {{"f", &f}};
    char err[256] = "";
    assert_int_equal(dynlib_open("libddbchat-no-such.so.9", syms, 1, err, sizeof err), -1);
    assert_null(f);
    assert_non_null(strstr(err, "cannot load libddbchat-no-such.so.9"));
}

static void test_missing_symbol_fills_nothing(void **state)
{
    (void)state;
    size_t (*my_strlen)(const char *) = NULL;
    void (*nope)(void) = NULL;
    const dynlib_sym syms[] = {{"strlen", &my_strlen}, {"ddbchat_no_such_symbol", &nope}};
    char err[256] = "";
    assert_int_equal(dynlib_open("libc.so.6", syms, 2, err, sizeof err), -1);
    assert_null(my_strlen); /* not half-filled */
    assert_null(nope);
    assert_string_equal(err, "libc.so.6 lacks ddbchat_no_such_symbol");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolves),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_missing_symbol_fills_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
