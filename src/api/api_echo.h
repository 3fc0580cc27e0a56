/*
 * api_echo — a request value as the service's messages quote it, and the bounded text buffer
 * those messages are written into.  Layer: api (private).  See api_echo.c.
 */
#ifndef DDB_API_API_ECHO_H
#define DDB_API_API_ECHO_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api_jview.h"

struct api_shape;

/* A bounded text buffer.  Content stops at `soft` (then `cut` is set); the closing
 * brackets of an echo are written up to the hard capacity, so a cut echo still ends with
 * its closers (the room between soft and cap is kept for them). */
typedef struct sbuf {
    char *p;
    size_t len, cap, soft; /* cap includes the terminating NUL */
    bool cut;
    bool heap;    /* p is mem_malloc'ed and grows on demand (sb_heap), up to cap */
    size_t alloc; /* bytes at p (a fixed buffer: cap) */
} sbuf;

/* A buffer over the caller's p of cap bytes (NUL included; p[0] set to NUL when cap > 0). */
sbuf api_sb_make(char *p, size_t cap);
/* A buffer on the heap of at most cap bytes (NUL included), grown as it fills: its p is the
 * caller's to free (NULL when even the first block could not be had: cut, empty, the failure
 * counted). */
sbuf api_sb_heap(size_t cap);
/* n bytes of s (cut on a whole UTF-8 character at the soft limit, then b->cut is set). */
void api_sb_put(sbuf *b, const char *s, size_t n);
/* The C string s (api_sb_put). */
void api_sb_str(sbuf *b, const char *s);
/* printf's text of fmt (at most 127 bytes of it). */
void api_sb_fmt(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* name with its first letter lower-cased ("TableName" -> "tableName"): the service's member
 * spelling in paths and echoes. */
void api_sb_lower_first(sbuf *b, const char *name);
/* Raw string bytes; a NUL is written as the six characters \u0000. */
void api_sb_raw(sbuf *b, const char *s, size_t len);

/* Node n (of view jv; NULL or JSON null: "null") of shape sh as the service's Java toString
 * prints it, into b. */
void api_echo(const api_jview *jv, const struct api_shape *sh, const void *n, sbuf *b);
/* Node n as compact JSON in the request's member order, into b: the echo of an
 * API_MF_ECHO_JSON member. */
void api_echo_json(const api_jview *jv, const void *n, sbuf *b);

#endif
