/*
 * test_msg_err — the messaging error table: the first rows' indices, codes and statuses are
 * pinned (rows are appended only; a shifted row would change every code after it), every
 * row is complete and its code unique, raising records the row and the generic code, and
 * the sticky rule keeps the first error with its row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "messaging/msg_err.h"

static void test_first_rows_pinned(void **state)
{
    assert_int_equal(MSG_E_INTERNAL, 0);
    assert_int_equal(MSG_E_STORAGE, 1);
    assert_int_equal(MSG_E_UNAUTHORIZED, 2);
    assert_int_equal(MSG_E_NOT_FOUND, 3);
    assert_int_equal(MSG_E_UNKNOWN_HANDLE, 4);
    assert_string_equal(msg_err_code(0), "internal");
    assert_string_equal(msg_err_code(1), "storage");
    assert_string_equal(msg_err_code(2), "unauthorized");
    assert_string_equal(msg_err_code(3), "not_found");
    assert_string_equal(msg_err_code(4), "unknown_handle");
    assert_int_equal(msg_err_status(MSG_E_INTERNAL), 500);
    assert_int_equal(msg_err_status(MSG_E_UNAUTHORIZED), 401);
    assert_int_equal(msg_err_status(MSG_E_NOT_FOUND), 404);
    assert_int_equal(msg_err_status(MSG_E_MESSAGE_TOO_LONG), 400);
    assert_int_equal(msg_err_status(MSG_E_PAYLOAD_TOO_LARGE), 413);
    assert_int_equal(msg_err_status(MSG_E_NO_TABLE), 503);
    assert_int_equal(msg_err_base(MSG_E_NOT_FOUND), ERR_NOT_FOUND);
    assert_int_equal(msg_err_base(MSG_E_HANDLE_TAKEN), ERR_RESOURCE_IN_USE);
}

static void test_rows_complete_and_unique(void **state)
{
    for (int i = 0; i < MSG_E__COUNT; i++) {
        const char *c = msg_err_code((msg_errc)i);
        assert_non_null(c);
        assert_true(c[0]);
        for (const char *p = c; *p; p++) /* snake_case: what the page and scripts match on */
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        assert_true(msg_err_status((msg_errc)i) >= 400 && msg_err_status((msg_errc)i) < 600);
        assert_true(msg_err_base((msg_errc)i) < 0);
        assert_true(msg_err_text((msg_errc)i)[0]);
        assert_int_equal(msg_err_by_code(c), i);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(c, msg_err_code((msg_errc)j));
    }
    assert_int_equal(msg_err_by_code("no_such_code"), MSG_E__COUNT);
    assert_int_equal(msg_err_by_code(NULL), MSG_E__COUNT);
    assert_string_equal(msg_err_code((msg_errc)MSG_E__COUNT), "internal"); /* out of range */
    assert_string_equal(msg_err_code((msg_errc)-1), "internal");
}

static void test_raise(void **state)
{
    err_t e = {0};
    assert_int_equal(msg_err_of(&e), MSG_E_INTERNAL); /* unset */
    assert_int_equal(msg_err_of(NULL), MSG_E_INTERNAL);
    assert_int_equal(msg_fail(&e, MSG_E_NOT_FOUND), ERR_NOT_FOUND);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_int_equal(msg_err_of(&e), MSG_E_NOT_FOUND);
    assert_string_equal(e.msg, "no such conversation");
    /* sticky: the first error and its row stay */
    assert_int_equal(msg_failf(&e, MSG_E_SELF_MESSAGE, "x %d", 1), ERR_VALIDATION);
    assert_int_equal(msg_err_of(&e), MSG_E_NOT_FOUND);
    err_set(&e, ERR_IO, "ignored");
    assert_int_equal(msg_err_of(&e), MSG_E_NOT_FOUND);

    err_clear(&e);
    assert_int_equal(msg_err_of(&e), MSG_E_INTERNAL);
    assert_int_equal(msg_failf(&e, MSG_E_UNKNOWN_HANDLE, "no user has the handle %s", "zed"),
                     ERR_NOT_FOUND);
    assert_string_equal(e.msg, "no user has the handle zed");
    err_clear(&e);
    assert_int_equal(msg_fail_rc(&e, MSG_E_STORAGE, ERR_THROTTLING, "%s", "slow down"),
                     ERR_THROTTLING);
    assert_int_equal(msg_err_of(&e), MSG_E_STORAGE);

    /* a plain err_set (not from the table) reads as internal, even over a stale detail */
    err_t f;
    memset(&f, 0x55, sizeof f);
    f.code = 0;
    err_set(&f, ERR_NOMEM, "out of memory");
    assert_int_equal(msg_err_of(&f), MSG_E_INTERNAL);

    /* passing on keeps the row; an empty inner record still reports rc */
    err_t in = {0}, out = {0};
    msg_fail(&in, MSG_E_CONFLICT);
    assert_int_equal(msg_err_pass(&out, in.code, &in), ERR_TRANSACTION_CONFLICT);
    assert_int_equal(msg_err_of(&out), MSG_E_CONFLICT);
    err_t empty = {0}, out2 = {0};
    assert_int_equal(msg_err_pass(&out2, ERR_IO, &empty), ERR_IO);
    assert_int_equal(out2.code, ERR_IO);
    assert_int_equal(msg_err_of(&out2), MSG_E_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_rows_pinned),
        cmocka_unit_test(test_rows_complete_and_unique),
        cmocka_unit_test(test_raise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
