/*
 * defer — a thread's calls put off to the end of a scope (defer.h).  Layer: base.
 *
 * The queue is thread-local: DEFER_INLINE calls in place (a round of writes at 64
 * connections carries ~20), more on the heap, released at the scope's end so that a thread
 * that exits holds nothing.
 */
#include "base/defer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFER_INLINE 32

typedef struct defer_ent {
    defer_fn fn;
    void *arg;
} defer_ent;

typedef struct defer_q {
    unsigned depth; /* open scopes */
    size_t n, cap;  /* queued; room in v */
    defer_ent *v;   /* in, or a heap copy grown past DEFER_INLINE */
    defer_ent in[DEFER_INLINE];
} defer_q;

static _Thread_local defer_q defer_tq;

void defer_scope_begin(void)
{
    defer_tq.depth++;
}

void defer_scope_end(void)
{
    defer_q *q = &defer_tq;
    if (q->depth == 0)
        return;
    if (q->depth > 1) {
        q->depth--;
        return;
    }
    /* still open while the calls run: what they queue joins this loop */
    for (size_t i = 0; i < q->n; i++) {
        defer_ent e = q->v[i];
        e.fn(e.arg);
    }
    if (q->v != q->in)
        free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
    q->depth = 0;
}

bool defer_call(defer_fn fn, void *arg)
{
    defer_q *q = &defer_tq;
    if (q->depth == 0)
        return false;
    if (!q->v) {
        q->v = q->in;
        q->cap = DEFER_INLINE;
    }
    if (q->n == q->cap) {
        if (q->cap > SIZE_MAX / 2 / sizeof *q->v)
            return false;
        size_t cap = q->cap * 2;
        defer_ent *v = q->v == q->in ? malloc(cap * sizeof *v) : realloc(q->v, cap * sizeof *v);
        if (!v)
            return false;
        if (q->v == q->in)
            memcpy(v, q->in, q->n * sizeof *v);
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (defer_ent){fn, arg};
    return true;
}
