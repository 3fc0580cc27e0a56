/*
 * test_api_schema — api_schema_knows (src/api/api_schema.c): whether a name is a top-level
 * member of any operation's model.  The item operations' fast paths skip a member no model
 * has and hand one that some model has to the jansson path, so a wrong answer either builds
 * a tree for junk or drops a member a handler reads.  Checked against a linear scan of the
 * models: every member name, every proper prefix of one and every name one byte longer, in
 * and out; a name bounded by its length (not by a NUL); a NUL inside (true: left to the
 * jansson path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/api_schema.h"


/* The reference: a linear scan of every operation's model (the dispatcher's operations;
 * some have none). */
static bool knows_ref(const char *key, size_t len)
{
    for (int i = 0; i < api_op_count(); i++) {
        const api_shape *in = api_schema_input(api_op_name(i));
        for (const api_member *m = in ? in->members : NULL; m && m->name; m++)
            if (strlen(m->name) == len && memcmp(m->name, key, len) == 0)
                return true;
    }
    return false;
}

static void test_knows_every_member_and_its_neighbours(void **state)
{
    (void)state;
    size_t names = 0;
    char buf[256];
    for (int i = 0; i < api_op_count(); i++) {
        const api_shape *in = api_schema_input(api_op_name(i));
        for (const api_member *m = in ? in->members : NULL; m && m->name; m++, names++) {
            size_t n = strlen(m->name);
            assert_true(n + 2 < sizeof buf);
            assert_true(api_schema_knows(m->name, n));
            /* bounded by len: the same name inside a longer buffer */
            snprintf(buf, sizeof buf, "%sXYZ", m->name);
            assert_true(api_schema_knows(buf, n));
            for (size_t k = 0; k < n; k++) /* proper prefixes */
                assert_int_equal(api_schema_knows(m->name, k), knows_ref(m->name, k));
            for (int c = 'A'; c <= 'z'; c += 7) { /* one byte longer */
                memcpy(buf, m->name, n);
                buf[n] = (char)c;
                assert_int_equal(api_schema_knows(buf, n + 1), knows_ref(buf, n + 1));
            }
        }
    }
    assert_true(names > 100);
}

static void test_knows_by_hand(void **state)
{
    (void)state;
    assert_true(api_schema_knows("TableName", 9));
    assert_true(api_schema_knows("ScanIndexForward", 16)); /* Query's, read by Scan too */
    assert_false(api_schema_knows("TableNam", 8));
    assert_false(api_schema_knows("TableNameX", 10));
    assert_false(api_schema_knows("tablename", 9));
    assert_false(api_schema_knows("", 0));
    assert_false(api_schema_knows("Zzzz", 4));  /* after the last name */
    assert_false(api_schema_knows("AAAA", 4));  /* before the first */
    assert_true(api_schema_knows("Table\0Name", 10)); /* a NUL: the jansson path's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_knows_every_member_and_its_neighbours),
        cmocka_unit_test(test_knows_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
