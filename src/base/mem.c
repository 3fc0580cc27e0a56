/*
 * mem — out-of-memory accounting per thread.  Layer: base.  See mem.h.
 */
#include "base/mem.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local unsigned long mem_failed;

void *mem_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        mem_failed++;
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q && n)
        mem_failed++;
    return q;
}

void mem_free(void *p)
{
    free(p);
}

void mem_note_failure(void)
{
    mem_failed++;
}

unsigned long mem_failures(void)
{
    return mem_failed;
}

void mem_release_free(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

int mem_tune_server(unsigned ncpu)
{
    const char *tun = getenv("GLIBC_TUNABLES");
    if (getenv("MALLOC_ARENA_MAX") || getenv("MALLOC_MMAP_THRESHOLD_") ||
        getenv("MALLOC_TRIM_THRESHOLD_") || (tun && strstr(tun, "glibc.malloc.")))
        return 0;
    /* a fixed threshold also turns off glibc's raising of it (mallopt(3)) */
    mallopt(M_MMAP_THRESHOLD, MEM_MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, MEM_TRIM_THRESHOLD);
    mallopt(M_ARENA_MAX, (int)((ncpu ? ncpu : 1) * MEM_ARENAS_PER_CPU));
    return 1;
}
