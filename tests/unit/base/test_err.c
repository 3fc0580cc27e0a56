/*
 * Unit tests for base/err: codes map to DynamoDB types and statuses, records are sticky.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"

static void test_table_rows(void **state)
{
    static const struct {
        int code;
        const char *type;
        int status;
        const char *name;
    } rows[] = {
        {ERR_VALIDATION, "ValidationException", 400, "VALIDATION"},
        {ERR_RESOURCE_NOT_FOUND, "ResourceNotFoundException", 400, "RESOURCE_NOT_FOUND"},
        {ERR_CONDITIONAL_CHECK_FAILED, "ConditionalCheckFailedException", 400,
         "CONDITIONAL_CHECK_FAILED"},
        {ERR_TRANSACTION_CANCELED, "TransactionCanceledException", 400, "TRANSACTION_CANCELED"},
        {ERR_SERIALIZATION, "SerializationException", 400, "SERIALIZATION"},
        {ERR_INTERNAL, "InternalServerError", 500, "INTERNAL"},
        {ERR_NOMEM, "InternalServerError", 500, "NOMEM"},
        {ERR_REQUEST_TOO_LARGE, "RequestEntityTooLarge", 413, "REQUEST_TOO_LARGE"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_true(rows[i].code < 0);
        assert_string_equal(err_type(rows[i].code), rows[i].type);
        assert_int_equal(err_status(rows[i].code), rows[i].status);
        assert_string_equal(err_name(rows[i].code), rows[i].name);
    }
    assert_string_equal(err_name(0), "OK");
    assert_string_equal(err_type(-100000), "InternalServerError");
    assert_int_equal(err_status(-100000), 500);
}

static void test_codes_stable(void **state)
{
    /* codes are part of the ABI between layers: the first rows never move */
    assert_int_equal(ERR_VALIDATION, -1);
    assert_int_equal(ERR_RESOURCE_NOT_FOUND, -2);
    assert_int_equal(ERR_RESOURCE_IN_USE, -3);
    assert_int_equal(ERR_CONDITIONAL_CHECK_FAILED, -4);
}

static void test_from_type(void **state)
{
    assert_int_equal(err_code_from_type("ValidationException"), ERR_VALIDATION);
    assert_int_equal(err_code_from_type("com.amazon.coral.validate#ValidationException"),
                     ERR_VALIDATION);
    assert_int_equal(
        err_code_from_type("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
        ERR_RESOURCE_NOT_FOUND);
    assert_int_equal(err_code_from_type("InternalServerError"), ERR_INTERNAL);
    assert_int_equal(err_code_from_type("NoSuchThing"), 0);
    assert_int_equal(err_code_from_type(NULL), 0);
}

static void test_sticky(void **state)
{
    err_t e;
    err_clear(&e);
    assert_int_equal(err_set(&e, ERR_VALIDATION, "first %d", 1), ERR_VALIDATION);
    assert_int_equal(err_set(&e, ERR_INTERNAL, "second"), ERR_INTERNAL);
    assert_int_equal(e.code, ERR_VALIDATION);
    assert_string_equal(e.msg, "first 1");
    err_clear(&e);
    assert_int_equal(e.code, 0);
    assert_int_equal(err_set(NULL, ERR_IO, "x"), ERR_IO);
    /* long messages are truncated, never overflow */
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    err_set(&e, ERR_VALIDATION, "%s", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
    /* a cut never splits a UTF-8 character: two-byte characters up to the limit leave half a
     * character at byte ERR_MSG_MAX - 2 (ERR_MSG_MAX is even), which goes */
    err_clear(&e);
    size_t k = 0;
    while (k + 2 < sizeof big) {
        big[k++] = (char)0xC3;
        big[k++] = (char)0xA9;
    }
    big[k] = '\0';
    err_set(&e, ERR_VALIDATION, "%s", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 2);
    assert_true(((unsigned char)e.msg[strlen(e.msg) - 1]) == 0xA9);
    assert_int_equal(err_utf8_whole("ab\xc3", 3), 2);
    assert_int_equal(err_utf8_whole("ab\xc3\xa9", 4), 4);
    assert_int_equal(err_utf8_whole("\xe2\x82", 2), 0);
    assert_int_equal(err_utf8_whole("\xe2\x82\xac", 3), 3);
    assert_int_equal(err_utf8_whole("\xf0\x9f\x98", 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_codes_stable),
        cmocka_unit_test(test_from_type),
        cmocka_unit_test(test_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
