/*
 * expr_cache — a thread-safe cache of parsed expressions.  Layer: expr.
 *
 * Parsing is about half of the cost of a condition (bench/expr); the parsed tree holds no
 * request data, so requests repeating the same expression text can share it.  Entries live
 * in their own arenas; lookups take a read lock and resolve straight from the shared tree
 * (expr_resolve never modifies its input), so hits run in parallel.  A miss parses outside
 * any lock, then inserts under the write lock, evicting by a clock sweep over a fixed slot
 * array when full.  Invariant: a tree is freed only under the write lock, and every reader
 * holds the read lock while it resolves from a tree.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"

typedef struct centry {
    bool used;
    atomic_bool recent; /* second chance for the clock sweep */
    expr_kind kind;
    uint64_t hash;
    char *text; /* in the entry's arena */
    size_t len;
    expr_t *parsed; /* in the entry's arena */
    arena_t arena;
    struct centry *next; /* hash chain */
} centry;

struct expr_cache {
    pthread_rwlock_t lock;
    centry *slots; /* max entries */
    size_t max, hand;
    centry **buckets;
    size_t nbuckets; /* power of two */
    atomic_uint_fast64_t hits, misses;
};

static uint64_t fnv(expr_kind kind, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

expr_cache *expr_cache_new(size_t max_entries)
{
    if (max_entries == 0)
        return NULL;
    expr_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t nb = 16;
    while (nb < max_entries * 2)
        nb *= 2;
    c->slots = calloc(max_entries, sizeof *c->slots);
    c->buckets = calloc(nb, sizeof *c->buckets);
    if (!c->slots || !c->buckets || pthread_rwlock_init(&c->lock, NULL) != 0) {
        free(c->slots);
        free(c->buckets);
        free(c);
        return NULL;
    }
    c->max = max_entries;
    c->nbuckets = nb;
    return c;
}

void expr_cache_free(expr_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->max; i++)
        if (c->slots[i].used)
            arena_fini(&c->slots[i].arena);
    free(c->slots);
    free(c->buckets);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

void expr_cache_stats(const expr_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c ? atomic_load(&((expr_cache *)c)->hits) : 0;
    *misses = c ? atomic_load(&((expr_cache *)c)->misses) : 0;
}

/* Caller holds the lock (read or write). */
static centry *find(expr_cache *c, expr_kind kind, uint64_t h, const char *text, size_t len)
{
    for (centry *x = c->buckets[h & (c->nbuckets - 1)]; x; x = x->next)
        if (x->hash == h && x->kind == kind && x->len == len && memcmp(x->text, text, len) == 0)
            return x;
    return NULL;
}

static void unlink_entry(expr_cache *c, centry *x)
{
    centry **pp = &c->buckets[x->hash & (c->nbuckets - 1)];
    while (*pp && *pp != x)
        pp = &(*pp)->next;
    if (*pp)
        *pp = x->next;
}

/* Caller holds the write lock.  Takes ownership of the arena `ar` holding parsed/text. */
static void insert(expr_cache *c, expr_kind kind, uint64_t h, char *text, size_t len,
                   expr_t *parsed, arena_t *ar)
{
    centry *slot = NULL;
    for (size_t i = 0; i < 2 * c->max && !slot; i++) {
        centry *x = &c->slots[c->hand];
        c->hand = (c->hand + 1) % c->max;
        if (!x->used || !atomic_exchange(&x->recent, false))
            slot = x;
    }
    if (!slot) /* everything was recent twice over: take the hand's slot */
        slot = &c->slots[c->hand];
    if (slot->used) {
        unlink_entry(c, slot);
        arena_fini(&slot->arena);
    }
    slot->used = true;
    atomic_store(&slot->recent, true);
    slot->kind = kind;
    slot->hash = h;
    slot->text = text;
    slot->len = len;
    slot->parsed = parsed;
    slot->arena = *ar;
    size_t b = h & (c->nbuckets - 1);
    slot->next = c->buckets[b];
    c->buckets[b] = slot;
}

int expr_cache_resolve(expr_cache *c, arena_t *a, expr_kind kind, const char *text, size_t len,
                       expr_env *env, expr_t **out, err_t *e)
{
    *out = NULL;
    if (!c) {
        expr_t *p;
        int rc = expr_parse(a, kind, text, len, &p, e);
        return rc < 0 ? rc : expr_resolve(a, p, env, out, e);
    }
    uint64_t h = fnv(kind, text, len);
    pthread_rwlock_rdlock(&c->lock);
    centry *x = find(c, kind, h, text, len);
    if (x) {
        atomic_store(&x->recent, true);
        atomic_fetch_add(&c->hits, 1);
        int rc = expr_resolve(a, x->parsed, env, out, e);
        pthread_rwlock_unlock(&c->lock);
        return rc;
    }
    pthread_rwlock_unlock(&c->lock);
    atomic_fetch_add(&c->misses, 1);
    /* parse into an arena of its own, outside any lock */
    arena_t ar;
    arena_init(&ar);
    expr_t *p;
    char *copy = arena_strndup(&ar, text, len);
    if (!copy) {
        arena_fini(&ar);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    int rc = expr_parse(&ar, kind, copy, len, &p, e);
    if (rc < 0) {
        arena_fini(&ar);
        return rc;
    }
    /* resolve before publishing: the tree is ours until insert */
    rc = expr_resolve(a, p, env, out, e);
    pthread_rwlock_wrlock(&c->lock);
    if (find(c, kind, h, text, len))
        arena_fini(&ar); /* another thread cached it meanwhile */
    else
        insert(c, kind, h, copy, len, p, &ar);
    pthread_rwlock_unlock(&c->lock);
    return rc;
}
