/*
 * arena — a region allocator: many small allocations, one release.  Layer: base.
 *
 * One arena per request: the parsed request, expression ASTs, resolved values and the
 * response live in it; nothing is freed piecemeal.  Memory is 16-byte aligned.  Blocks are
 * malloc'ed as needed; arena_reset keeps the first block for reuse (hot path: no malloc per
 * request after warm-up).  An arena has a hard maximum (ARENA_DEFAULT_MAX unless set): past
 * it, allocation returns NULL and callers return ERR_NOMEM.  Not thread-safe.
 */
#ifndef DDB_BASE_ARENA_H
#define DDB_BASE_ARENA_H

#include <stddef.h>

#define ARENA_DEFAULT_MAX ((size_t)256 << 20) /* 256 MB per request */

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head; /* current block */
    size_t used;       /* total bytes handed out by blocks beyond the first, plus first */
    size_t max;        /* hard maximum of block bytes */
    size_t total;      /* bytes currently held in blocks */
} arena_t;

/* Prepares caller storage; no memory is taken until the first allocation. */
void arena_init(arena_t *a);
/* Releases every block.  Accepts NULL. */
void arena_fini(arena_t *a);
/* Forgets all allocations; keeps one block for reuse. */
void arena_reset(arena_t *a);
/* n bytes, 16-aligned, uninitialised; NULL when out of memory or past the maximum. */
void *arena_alloc(arena_t *a, size_t n);
/* n zeroed bytes. */
void *arena_zalloc(arena_t *a, size_t n);
/* Copy of n bytes plus a NUL terminator. */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_strdup(arena_t *a, const char *s);
void *arena_memdup(arena_t *a, const void *p, size_t n);
/* printf into the arena. */
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grows an arena array: returns a new array of new_n elements holding the first old_n of p. */
void *arena_grow(arena_t *a, void *p, size_t old_n, size_t new_n, size_t elem);

#endif
