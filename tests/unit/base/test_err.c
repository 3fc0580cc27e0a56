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

/* err_whole (err.h): a record with one attached keeps its long messages whole (up to max, then
 * cut on a whole character) beside the cut msg; other records are cut as before; a clear
 * forgets the whole text; err_prefix and err_set_text keep it whole too. */
static void test_whole(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    err_t e, other;
    err_clear(&e);
    err_clear(&other);
    err_whole w;
    err_whole_attach(&w, &e, 4000);
    assert_int_equal(err_room(&e), 4000);
    assert_int_equal(err_room(&other), ERR_MSG_MAX - 1);
    big[3000] = '\0';
    err_set(&e, ERR_VALIDATION, "<%s>", big);
    err_set(&other, ERR_VALIDATION, "<%s>", big);
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1); /* the record itself: cut as always */
    assert_int_equal(strlen(err_text(&e, &w)), 3002);
    assert_int_equal(err_text(&e, &w)[3001], '>');
    assert_ptr_equal(err_text(&other, &w), other.msg); /* not w's record */
    assert_ptr_equal(err_text(&e, NULL), e.msg);
    /* err_prefix: the whole text too */
    err_prefix(&e, "1 validation error detected: ");
    assert_int_equal(strlen(err_text(&e, &w)), 3002 + 29);
    assert_memory_equal(err_text(&e, &w), "1 validation error detected: <aaa", 33);
    assert_memory_equal(e.msg, "1 validation error detected: <aaa", 33);
    /* a clear forgets it: a short message after it is not mistaken for the long one */
    err_clear(&e);
    assert_null(w.text);
    err_set(&e, ERR_VALIDATION, "short");
    assert_string_equal(err_text(&e, &w), "short");
    /* beyond max: cut on a whole character (two-byte characters from byte 1) */
    err_clear(&e);
    size_t k = 1;
    big[0] = 'x';
    while (k + 2 < sizeof big) {
        big[k++] = (char)0xC3;
        big[k++] = (char)0xA9;
    }
    big[k] = '\0';
    err_set_text(&e, ERR_VALIDATION, big, k);
    assert_int_equal(strlen(err_text(&e, &w)), 3999); /* 4000 would end inside a character */
    assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);  /* 1023 = 'x' + 511 characters */
    err_clear(&e);
    err_set(&e, ERR_VALIDATION, "%s", big);
    assert_int_equal(strlen(err_text(&e, &w)), 3999);
    /* a message that fits: no whole text */
    err_clear(&e);
    err_set_text(&e, ERR_VALIDATION, "fits", 4);
    assert_null(w.text);
    assert_string_equal(err_text(&e, &w), "fits");
    /* sticky: a second message changes nothing */
    err_set(&e, ERR_INTERNAL, "%s", big);
    assert_string_equal(err_text(&e, &w), "fits");
    /* detached: the record's messages are cut again, the text stays until fini */
    err_clear(&e);
    err_set(&e, ERR_VALIDATION, "%s", big);
    err_whole_detach(&w);
    assert_int_equal(err_room(&e), ERR_MSG_MAX - 1);
    assert_int_equal(strlen(err_text(&e, &w)), 3999);
    err_t e2;
    err_clear(&e2);
    err_set(&e2, ERR_VALIDATION, "%s", big);
    assert_int_equal(strlen(e2.msg), ERR_MSG_MAX - 1);
    err_whole_fini(&w);
    assert_ptr_equal(err_text(&e, &w), e.msg);
    err_whole_fini(NULL);
}

/* A message holding U+0000 keeps its length (final18 F5): err_set_text and err_set_echo record
 * every byte, err_text_n and err_msg_len give them back, err_prefix keeps them (short and
 * whole texts); a formatted message ends at its first NUL. */
static void test_nul_inside(void **state)
{
    (void)state;
    err_t e;
    err_clear(&e);
    size_t n;
    err_set_text(&e, ERR_VALIDATION, "Key: a\0bc", 9);
    assert_int_equal(err_msg_len(&e), 9);
    assert_memory_equal(err_text_n(&e, NULL, &n), "Key: a\0bc", 9);
    assert_int_equal(n, 9);
    err_prefix(&e, "1 validation error detected: ");
    assert_int_equal(err_msg_len(&e), 38);
    assert_memory_equal(e.msg + 29, "Key: a\0bc", 9);
    e.len = 0; /* written directly (err.h: len set to 0): up to its first NUL */
    assert_int_equal(err_msg_len(&e), 29 + 6);
    err_clear(&e);
    assert_int_equal(err_set_echo(&e, ERR_VALIDATION, "head ", "v\0w", 3, " tail"),
                     ERR_VALIDATION);
    assert_int_equal(err_msg_len(&e), 13);
    assert_memory_equal(e.msg, "head v\0w tail", 13);
    err_set_echo(&e, ERR_INTERNAL, "no", "x", 1, NULL); /* sticky */
    assert_int_equal(err_msg_len(&e), 13);
    err_clear(&e);
    err_set(&e, ERR_VALIDATION, "%s|%.*s", "a", 3, "b\0c");
    assert_int_equal(err_msg_len(&e), 3); /* "a|b": printf stops at the NUL */
    /* whole (attached) texts keep the NUL too, with err_prefix */
    err_clear(&e);
    err_whole w;
    err_whole_attach(&w, &e, 4000);
    char big[2000];
    memset(big, 'a', sizeof big);
    big[10] = '\0';
    err_set_echo(&e, ERR_VALIDATION, "v: ", big, sizeof big, NULL);
    assert_int_equal(err_text_n(&e, &w, &n)[13], '\0');
    assert_int_equal(n, 2003);
    err_prefix(&e, "P ");
    assert_int_equal(err_text_n(&e, &w, &n)[15], '\0');
    assert_int_equal(n, 2005);
    err_whole_detach(&w);
    err_whole_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_codes_stable),
        cmocka_unit_test(test_from_type),
        cmocka_unit_test(test_sticky),
        cmocka_unit_test(test_whole),
        cmocka_unit_test(test_nul_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
