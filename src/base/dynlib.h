/*
 * dynlib — shared libraries loaded on first use instead of at start-up.  Layer: base.
 *
 * Every library in the executable's NEEDED list is mapped and relocated before main runs;
 * libraries only some commands or modes use (libcurl for --endpoint, OpenSSL for SigV4 with
 * credentials, libjwt for REST tokens, libedit for the SQL prompt) are opened here when first
 * needed, so the server starts in a few milliseconds (issue 13.4, BENCHMARKS.md).
 *
 * Usage: a module keeps a struct of function pointers and calls dynlib_open once (under
 * pthread_once) with a table naming each symbol and the pointer to fill.  Thread-safe.
 */
#ifndef DDB_BASE_DYNLIB_H
#define DDB_BASE_DYNLIB_H

#include <stddef.h>

typedef struct dynlib_sym {
    const char *name; /* symbol name */
    void *slot;       /* address of the function pointer to fill */
} dynlib_sym;

/* Opens `soname` (e.g. "libcurl.so.4") and resolves every symbol into its slot.  0, or -1
 * with a one-line reason in err (cap bytes); on failure no slot is filled. */
int dynlib_open(const char *soname, const dynlib_sym *syms, size_t n, char *err, size_t cap);

#endif
