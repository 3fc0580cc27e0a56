/*
 * arena — a region allocator: many small allocations, one release.  Layer: base.
 *
 * One arena per request: the parsed request, expression ASTs, resolved values and the
 * response live in it; nothing is freed piecemeal.  Memory is 16-byte aligned.  Blocks are
 * malloc'ed as needed; arena_reset keeps the first block for reuse (hot path: no malloc per
 * request after warm-up).  An allocation of ARENA_BIG or more that does not fit the current
 * block gets a block of its own, exactly its size, on a second list: the current block goes on
 * serving the small ones (a big one used to end it, its rest unused, and the next small one
 * got a block twice the big one's size, up to 4 MB: review12 F5, the decoded items of a wide
 * transaction).  An arena has a hard maximum of block bytes (ARENA_DEFAULT_MAX unless set):
 * past it, allocation returns NULL and callers return ERR_NOMEM.  Not thread-safe.
 */
#ifndef DDB_BASE_ARENA_H
#define DDB_BASE_ARENA_H

#include <stddef.h>

#define ARENA_DEFAULT_MAX ((size_t)256 << 20) /* 256 MB per request */
/* An allocation this big may get a block of its own: at least mem.h's MEM_MMAP_THRESHOLD, so
 * that block is mapped on its own and unmapped when freed (a smaller one would come from a
 * heap, where small allocations made meanwhile could pin it: tests/unit/base/test_mem.c). */
#define ARENA_BIG ((size_t)256 << 10)

typedef struct arena_block arena_block;
typedef struct arena arena_t;
typedef struct arena {
    arena_block *head; /* current block */
    arena_block *big;  /* blocks of one big allocation each */
    /* the current block's free bytes, `left` from `next` (0 and NULL: no block): arena_alloc's
     * inline path takes from them; arena.c keeps them and the block's offset in step */
    unsigned char *next;
    size_t left;
    size_t max;   /* hard maximum of block bytes */
    size_t total; /* bytes currently held in blocks (both lists) */
    /* NULL, or called when a block would take the arena past max (need: the total it would
     * make): it may raise a->max to at least need and return 0, or return nonzero (the
     * allocation fails).  Its owner's: arena_init sets NULL, the owner clears it. */
    int (*grow)(arena_t *a, size_t need, void *ctx);
    void *grow_ctx;
    /* allocations the maximum refused (past max, a->grow declined or absent), never reset: a
     * caller compares it before and after a piece of work to tell that refusal from a failed
     * malloc (store_write.arena_refused) */
    size_t refused;
} arena_t;

/* Prepares caller storage; no memory is taken until the first allocation. */
void arena_init(arena_t *a);
/* Releases every block.  Accepts NULL. */
void arena_fini(arena_t *a);
/* Forgets all allocations; keeps one block for reuse (never a big allocation's). */
void arena_reset(arena_t *a);
/* n bytes, 16-aligned, uninitialised; NULL when out of memory or past the maximum.  Inline
 * while the current block has room (most of a request's allocations: no call); a new block,
 * a big allocation or n == 0 go to arena_alloc_slow. */
void *arena_alloc_slow(arena_t *a, size_t n);
static inline void *arena_alloc(arena_t *a, size_t n)
{
    size_t m = (n + 15) & ~(size_t)15; /* 0: n was 0 or past SIZE_MAX - 15 */
    if (m - 1 < a->left) {
        void *p = a->next;
        a->next += m;
        a->left -= m;
        return p;
    }
    return arena_alloc_slow(a, n);
}
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
