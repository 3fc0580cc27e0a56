/*
 * arena — region allocator.  Layer: base.  See arena.h.
 */
#include "arena.h"
#include "mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_MIN 8192

_Static_assert(ARENA_BIG >= MEM_MMAP_THRESHOLD, "a big allocation's own block is mapped alone");

struct arena_block {
    arena_block *next;
    size_t cap;
    size_t off;
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a)
{
    a->head = NULL;
    a->big = NULL;
    a->next = NULL;
    a->left = 0;
    a->max = ARENA_DEFAULT_MAX;
    a->total = 0;
    a->grow = NULL;
    a->grow_ctx = NULL;
    a->refused = 0;
}

/* Whether n more bytes of blocks stay within the maximum (which a->grow may raise). */
static int arena_room(arena_t *a, size_t n)
{
    if (n > SIZE_MAX - a->total) { /* the sum would wrap (final18 F7) */
        a->refused++;
        return 0;
    }
    if (a->total + n <= a->max)
        return 1;
    if (a->grow && a->grow(a, a->total + n, a->grow_ctx) == 0 && a->total + n <= a->max)
        return 1;
    a->refused++;
    return 0;
}

static void blocks_free(arena_block *b)
{
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
}

void arena_fini(arena_t *a)
{
    if (!a)
        return;
    blocks_free(a->head);
    blocks_free(a->big);
    a->head = NULL;
    a->big = NULL;
    a->next = NULL;
    a->left = 0;
    a->total = 0;
}

void arena_reset(arena_t *a)
{
    for (arena_block *b = a->big; b; b = b->next)
        a->total -= b->cap;
    blocks_free(a->big);
    a->big = NULL;
    arena_block *b = a->head;
    if (!b)
        return;
    /* keep the last (oldest, usually the smallest) block; free the rest */
    while (b->next) {
        arena_block *n = b->next;
        a->total -= b->cap;
        free(b);
        b = n;
    }
    b->off = 0;
    a->head = b;
    a->next = b->data;
    a->left = b->cap;
}

/* a->next and a->left from the current block's offset (after the slow path moved it). */
static void *arena_take(arena_t *a, arena_block *b, size_t n)
{
    void *p = b->data + b->off;
    b->off += n;
    a->next = b->data + b->off;
    a->left = b->cap - b->off;
    return p;
}

void *arena_alloc_slow(arena_t *a, size_t n)
{
    /* no arena holds half the address space: past that its rounding, a block's header and
     * the arena's total could wrap (a 16-byte block served: final18 F3, F7) */
    if (n > SIZE_MAX / 2) {
        a->refused++;
        return NULL;
    }
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    arena_block *b = a->head;
    if (b) /* the inline path moved a->next only */
        b->off = b->cap - a->left;
    if (n >= ARENA_BIG && (!b || b->cap - b->off < n)) { /* its own block; b stays current */
        if (!arena_room(a, n))
            return NULL;
        arena_block *nb = mem_malloc(sizeof *nb + n);
        if (!nb)
            return NULL;
        nb->cap = nb->off = n;
        nb->next = a->big;
        a->big = nb;
        a->total += n;
        return nb->data;
    }
    if (!b || b->cap - b->off < n) {
        size_t cap = b ? b->cap * 2 : ARENA_BLOCK_MIN;
        if (cap > ((size_t)4 << 20))
            cap = (size_t)4 << 20;
        if (cap < n)
            cap = n;
        if (!arena_room(a, cap))
            return NULL;
        arena_block *nb = mem_malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
        nb->off = 0;
        nb->next = b;
        a->head = nb;
        a->total += cap;
        b = nb;
    }
    return arena_take(a, b, n);
}

void *arena_zalloc(arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_memdup(arena_t *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_grow(arena_t *a, void *p, size_t old_n, size_t new_n, size_t elem)
{
    if (new_n && elem > SIZE_MAX / new_n)
        return NULL;
    void *q = arena_alloc(a, new_n * elem);
    if (q && p && old_n)
        memcpy(q, p, (old_n < new_n ? old_n : new_n) * elem);
    return q;
}
