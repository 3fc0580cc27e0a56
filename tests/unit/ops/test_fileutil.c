/*
 * test_fileutil — the ops layer's shared helpers (ops/fileutil.c): ops_grow, the one growth
 * step of the export's file list, import's walk of a plain directory and the backup's list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops/ops_int.h"

typedef struct pair {
    int a;
    char b[12];
} pair;

/* From NULL to `first`, then twice as many each time it is full, the elements kept; no
 * change while there is room. */
static void test_grow_doubles_and_keeps(void **state)
{
    (void)state;
    err_t e;
    err_clear(&e);
    pair *v = NULL;
    size_t cap = 0;
    const size_t want[] = {3, 3, 3, 6, 6, 6, 12, 12, 12, 12, 12, 12, 24};
    for (size_t n = 0; n < sizeof want / sizeof want[0]; n++) {
        assert_int_equal(ops_grow(&v, n, &cap, sizeof *v, 3, &e), 0);
        assert_int_equal(cap, want[n]);
        v[n].a = (int)n;
        snprintf(v[n].b, sizeof v[n].b, "e%zu", n);
        for (size_t i = 0; i <= n; i++) {
            char t[12];
            snprintf(t, sizeof t, "e%zu", i);
            assert_int_equal(v[i].a, (int)i);
            assert_string_equal(v[i].b, t);
        }
    }
    free(v);
}

/* A size that cannot be allocated: ERR_NOMEM, the array and its cap as they were. */
static void test_grow_failure_keeps_the_array(void **state)
{
    (void)state;
    err_t e;
    err_clear(&e);
    char *v = malloc(4);
    assert_non_null(v);
    memcpy(v, "abc", 4);
    char *const before = v;
    size_t cap = 4;
    assert_int_equal(ops_grow(&v, 4, &cap, SIZE_MAX / 4, 1, &e), ERR_NOMEM);
    assert_string_equal(e.msg, "out of memory");
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 4);
    assert_string_equal(v, "abc");
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_doubles_and_keeps),
        cmocka_unit_test(test_grow_failure_keeps_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
