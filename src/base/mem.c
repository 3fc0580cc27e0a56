/*
 * mem — out-of-memory accounting per thread.  Layer: base.  See mem.h.
 */
#include "base/mem.h"

#include <stdlib.h>

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
