/*
 * buf — a growable byte buffer with a hard maximum.  Layer: base.
 *
 * Heap-backed (malloc/realloc); for encoding keys, items and responses.  Every append
 * fails with ERR_NOMEM (and leaves the buffer unchanged) past `max`.
 */
#ifndef DDB_BASE_BUF_H
#define DDB_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    size_t max;
} buf_t;

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void buf_init(buf_t *b, size_t max); /* max 0 = BUF_DEFAULT_MAX */
void buf_fini(buf_t *b);             /* accepts NULL */
void buf_reset(buf_t *b);            /* len = 0, keeps memory */
int buf_reserve(buf_t *b, size_t extra);
int buf_append(buf_t *b, const void *p, size_t n);
int buf_putc(buf_t *b, unsigned char c);
int buf_put_u32be(buf_t *b, uint32_t v);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
