/*
 * calloc_small — calloc for small blocks through malloc's per-thread cache.  Layer: base
 * (linked into the ddbchat executable only, with -Wl,--wrap=calloc: CMakeLists.txt).
 *
 * glibc 2.36's calloc never takes a block from the per-thread cache (tcache) that malloc and
 * free use: each call locks the arena and runs _int_malloc, ~200 instructions where a cached
 * malloc takes ~40.  libmicrohttpd calloc()s four blocks for every reply (the response and one
 * entry per header, freed when the reply is sent) and one for every poll round, so a request
 * paid ~1,000 instructions for them, the same on every route (callgrind; perf31,
 * BENCHMARKS.md).  Here a block of at most CALLOC_SMALL_MAX bytes is malloc()ed and cleared;
 * a larger one, or a count whose product overflows, goes to glibc's calloc (which can skip the
 * clearing of fresh pages and sets errno on overflow).  The block is the same a calloc would
 * give: zeroed, freed with free(), the same alignment.  libmicrohttpd's calls are wrapped
 * only when it is linked from its static archive (CMakeLists.txt: DDB_STATIC_DEPS, with
 * libmicrohttpd.a and the GnuTLS headers present, as scripts/deps.sh installs them); with the
 * shared library's fallback only our own calloc()s come here.
 *
 * The name is the linker's (--wrap turns every call to calloc in the link's objects into
 * __wrap_calloc and __real_calloc into glibc's); not exported from the binary.
 * tests/unit/base/test_calloc_small.c.
 */
#include <stdlib.h>
#include <string.h>

/* the largest block cleared here: libmicrohttpd's are 40-300 bytes */
#define CALLOC_SMALL_MAX 1024

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total) || total > CALLOC_SMALL_MAX)
        return __real_calloc(n, size);
    void *p = malloc(total);
    /* GCC folds a malloc followed by a memset of zero into a call to calloc, which --wrap
     * would send back here for good (the unit test's hang): p goes through an empty asm, so
     * the compiler no longer knows it is malloc's */
    __asm__("" : "+r"(p));
    if (p)
        memset(p, 0, total);
    return p;
}
