/*
 * Unit tests for base/arena and base/buf: alignment, growth, reset, hard maxima.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

static void test_alloc_align_and_grow(void **state)
{
    arena_t a;
    arena_init(&a);
    char *prev = NULL;
    for (int i = 1; i < 5000; i++) {
        char *p = arena_alloc(&a, (size_t)(i % 97) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, (size_t)(i % 97) + 1);
        assert_true(p != prev);
        prev = p;
    }
    char *big = arena_alloc(&a, (size_t)10 << 20); /* larger than any block */
    assert_non_null(big);
    memset(big, 1, (size_t)10 << 20);
    char *s = arena_printf(&a, "%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    char *d = arena_strndup(&a, "hello world", 5);
    assert_string_equal(d, "hello");
    int *g = arena_grow(&a, NULL, 0, 4, sizeof(int));
    for (int i = 0; i < 4; i++)
        g[i] = i;
    g = arena_grow(&a, g, 4, 8, sizeof(int));
    assert_int_equal(g[3], 3);
    arena_reset(&a);
    assert_non_null(arena_alloc(&a, 100));
    arena_fini(&a);
    arena_fini(NULL);
}

/* arena_alloc's inline path (room in the current block) and its slow path (a new block, a
 * big allocation of its own, n == 0) keep one account of the block: every allocation in
 * place, 16-aligned, none overlapping another, across a big one between small ones, a block
 * filled exactly, and after a reset the kept block served again from its start (perf18). */
static void test_inline_and_slow_paths(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    enum { N = 3000 };
    static unsigned char *ps[N];
    static size_t ns[N];
    for (int round = 0; round < 2; round++) {
        unsigned char *first = NULL;
        for (int i = 0; i < N; i++) {
            size_t n = i % 500 == 7 ? ARENA_BIG + (size_t)i : (size_t)(i * 7919 % 300);
            unsigned char *p = arena_alloc(&a, n);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            memset(p, (unsigned char)i, n);
            ps[i] = p;
            ns[i] = n;
            if (!first)
                first = p;
        }
        for (int i = 0; i < N; i++) /* nothing written later landed on an earlier one */
            for (size_t k = 0; k < ns[i]; k += 61)
                assert_int_equal(ps[i][k], (unsigned char)i);
        if (round == 0) {
            arena_reset(&a);
            /* the kept block (the oldest) serves again from its start */
            unsigned char *again = arena_alloc(&a, 16);
            assert_non_null(again);
            arena_reset(&a);
        } else {
            assert_non_null(first);
        }
    }
    arena_fini(&a);
    /* zero-initialised (no arena_init): the slow path's first block */
    arena_t z;
    memset(&z, 0, sizeof z);
    z.max = ARENA_DEFAULT_MAX;
    assert_non_null(arena_alloc(&z, 1));
    assert_non_null(arena_alloc(&z, 0));
    arena_fini(&z);
}

static void test_arena_max(void **state)
{
    arena_t a;
    arena_init(&a);
    a.max = 64 * 1024;
    assert_non_null(arena_alloc(&a, 1000));
    assert_null(arena_alloc(&a, 1 << 20));
    arena_fini(&a);
}

/* A size whose rounding, block header or total would wrap past SIZE_MAX is refused (it came
 * back as a 16-byte block: final18 F3, F7), inline or slow, whatever the maximum; the arena's
 * total is untouched and it goes on serving. */
static void test_arena_size_max_wrap(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    for (size_t d = 0; d < 48; d++)
        assert_null(arena_alloc(&a, SIZE_MAX - d));
    assert_null(arena_alloc(&a, SIZE_MAX / 2 + 1));
    size_t total = a.total;
    a.max = SIZE_MAX; /* no maximum to catch it: the sizes themselves are refused */
    assert_null(arena_alloc(&a, SIZE_MAX - 20));
    assert_null(arena_alloc(&a, SIZE_MAX - 31));
    assert_int_equal(a.total, total);
    assert_null(arena_alloc_slow(&a, SIZE_MAX - 7));
    assert_non_null(arena_alloc(&a, 32));
    arena_fini(&a);
}

/* An allocation of ARENA_BIG or more that does not fit gets a block of its own, and the
 * current block goes on serving the small ones: a small allocation after a big one is the
 * next in the first block, and the arena holds the first block and the big one's bytes only
 * (it used to end the first block, and the small one got a new block of twice the big one's
 * size: review12 F5).  A reset frees the big blocks and keeps the first. */
/* The grow hook (api_arena_for_writes' shared budget): called only past the maximum, with the
 * total the block would make; it may raise the maximum (the allocation goes on) or refuse. */
static int grow_calls;
static size_t grow_allow; /* the hook raises max up to this, then refuses */

static int grow_hook(arena_t *a, size_t need, void *ctx)
{
    assert_ptr_equal(ctx, &grow_calls);
    grow_calls++;
    if (need > grow_allow)
        return -1;
    a->max = need;
    return 0;
}

static void test_arena_grow_hook(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    assert_null(a.grow);
    a.max = (size_t)1 << 20;
    a.grow = grow_hook;
    a.grow_ctx = &grow_calls;
    grow_calls = 0;
    grow_allow = (size_t)3 << 20;
    assert_non_null(arena_alloc(&a, (size_t)512 << 10)); /* within the maximum: no call */
    assert_int_equal(grow_calls, 0);
    assert_non_null(arena_alloc(&a, (size_t)1 << 20)); /* past it: raised */
    assert_int_equal(grow_calls, 1);
    assert_true(a.max >= a.total);
    assert_non_null(arena_alloc(&a, (size_t)1 << 20));
    assert_null(arena_alloc(&a, (size_t)2 << 20)); /* refused: past what it allows */
    assert_true(a.total <= grow_allow);
    a.grow = NULL; /* no hook: the maximum is hard */
    assert_null(arena_alloc(&a, (size_t)2 << 20));
    arena_fini(&a);
}

static void test_big_alloc_own_block(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char *p = arena_alloc(&a, 100);
    assert_non_null(p);
    size_t first = a.total;
    char *big = arena_alloc(&a, (size_t)1 << 20);
    assert_non_null(big);
    memset(big, 1, (size_t)1 << 20);
    char *q = arena_alloc(&a, 100);
    assert_ptr_equal(q, p + 112);
    assert_int_equal(a.total, first + ((size_t)1 << 20));
    char *big2 = arena_alloc(&a, ARENA_BIG);
    assert_non_null(big2);
    assert_int_equal(a.total, first + ((size_t)1 << 20) + ARENA_BIG);
    arena_reset(&a);
    assert_int_equal(a.total, first);
    assert_ptr_equal(arena_alloc(&a, 100), p);
    /* the maximum counts the big blocks too */
    a.max = first + ARENA_BIG;
    assert_non_null(arena_alloc(&a, ARENA_BIG));
    assert_null(arena_alloc(&a, ARENA_BIG));
    /* a big first allocation leaves the first block to the small ones */
    arena_t b;
    arena_init(&b);
    assert_non_null(arena_alloc(&b, (size_t)1 << 20));
    assert_non_null(arena_alloc(&b, 100));
    assert_true(b.total < ((size_t)1 << 20) + 64 * 1024);
    arena_reset(&b);
    assert_true(b.total < 64 * 1024);
    arena_fini(&b);
    arena_fini(&a);
}

static void test_buf(void **state)
{
    buf_t b;
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, "abc", 3), 0);
    assert_int_equal(buf_put_u32be(&b, 0x01020304), 0);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data + 3, "\x01\x02\x03\x04", 4);
    assert_int_equal(buf_printf(&b, "%d", 12345), 0);
    assert_int_equal(b.len, 12);
    char big[200] = {0};
    assert_int_equal(buf_append(&b, big, sizeof big), ERR_NOMEM);
    assert_int_equal(b.len, 12); /* unchanged on failure */
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    buf_fini(&b);
    buf_fini(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_align_and_grow),
        cmocka_unit_test(test_inline_and_slow_paths),
        cmocka_unit_test(test_arena_max),
        cmocka_unit_test(test_arena_size_max_wrap),
        cmocka_unit_test(test_arena_grow_hook),
        cmocka_unit_test(test_big_alloc_own_block),
        cmocka_unit_test(test_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
