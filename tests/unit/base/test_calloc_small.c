/*
 * test_calloc_small — calloc through malloc's per-thread cache for small blocks
 * (src/base/ddbchat_only/calloc_small.c; this executable is linked with --wrap=calloc like
 * ddbchat, so calloc below is __wrap_calloc): a recycled block comes back zeroed, large
 * blocks and overflowing counts are glibc's, and the call returns at all (GCC folds a malloc
 * and a memset of zero into calloc, which --wrap sent back into itself: the first build hung
 * in sigv4_creds_new's calloc at start-up).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void assert_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            fail_msg("byte %zu of %zu is 0x%02x, not 0", i, n, p[i]);
}

/* A block malloc hands back from its cache holds what its last user wrote: every size up to
 * the small bound and past it, written full, freed, asked for again by calloc. */
static void test_recycled_blocks_come_back_zeroed(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 8, 24, 40, 48, 64, 200, 1000, 1024, 1025, 4096, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (int round = 0; round < 3; round++) {
            unsigned char *dirty = malloc(n);
            assert_non_null(dirty);
            memset(dirty, 0xa5, n);
            free(dirty);
            unsigned char *p = calloc(n, 1);
            assert_non_null(p);
            assert_zero(p, n);
            memset(p, 0x5a, n);
            free(p);
            unsigned char *q = calloc(1, n); /* count and size the other way round */
            assert_non_null(q);
            assert_zero(q, n);
            free(q);
        }
    }
}

/* calloc(n, size) is n * size bytes: many small elements, and an array of structs. */
static void test_count_times_size(void **state)
{
    (void)state;
    uint64_t *a = calloc(128, sizeof *a); /* 1,024 bytes: the last small one */
    assert_non_null(a);
    assert_zero((const unsigned char *)a, 128 * sizeof *a);
    a[127] = 1; /* the whole block is ours (ASan would say otherwise) */
    free(a);
    uint64_t *b = calloc(129, sizeof *b); /* glibc's */
    assert_non_null(b);
    assert_zero((const unsigned char *)b, 129 * sizeof *b);
    b[128] = 1;
    free(b);
}

/* A product past SIZE_MAX is glibc's answer: NULL with ENOMEM, not a small block. */
static void test_overflow_is_enomem(void **state)
{
    (void)state;
#ifdef __SANITIZE_ADDRESS__
    skip(); /* ASan's calloc reports an overflow and stops the process */
#endif
    /* volatile: not known to the compiler, which refuses such a call it can see */
    volatile size_t half = SIZE_MAX / 2 + 2, two = 2, big = (size_t)1 << 33,
                    bigger = (size_t)1 << 32;
    errno = 0;
    void *p = calloc(half, two);
    assert_null(p);
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    p = calloc(big, bigger);
    assert_null(p);
    assert_int_equal(errno, ENOMEM);
}

/* Zero bytes: a block free() takes, as glibc's calloc gives. */
static void test_zero_bytes(void **state)
{
    (void)state;
    void *p = calloc(0, 16), *q = calloc(16, 0);
    assert_non_null(p);
    assert_non_null(q);
    free(p);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recycled_blocks_come_back_zeroed),
        cmocka_unit_test(test_count_times_size),
        cmocka_unit_test(test_overflow_is_enomem),
        cmocka_unit_test(test_zero_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
