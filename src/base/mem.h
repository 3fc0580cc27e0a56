/*
 * mem — out-of-memory accounting per thread.  Layer: base.
 *
 * Library code reports some allocation failures only by leaving something out: jansson's
 * constructors return NULL and json_object_set_new(o, k, NULL) just fails, so a reply whose
 * member could not be built still looks like a valid, smaller reply (a GetItem without its
 * "Item" reads as "not found").  To make such failures visible, every allocation routed
 * through mem_malloc / mem_realloc that returns NULL (jansson's, installed by value/ddbjson.c,
 * arena blocks, buf growth) counts one failure for the calling thread, and the request dispatchers
 * (api_call, ddb_proto_handle, msg_rest_handle) compare the count before and after a request: any
 * failure turns the answer into an InternalServerError.  Code still checks its own
 * allocations; this is the net under what it cannot check.  (A group-commit round runs other
 * requests' writes in the leader's thread: a failure there counts for the leader's request
 * too, whose answer then is a 500 as well; a 500 says only "outcome unknown", so that is
 * safe.)
 *
 * The count is the one piece of per-thread mutable state in the program (it must follow a
 * request through library callbacks that carry no context).  Thread-safe.
 */
#ifndef DDB_BASE_MEM_H
#define DDB_BASE_MEM_H

#include <stddef.h>

/* malloc(n); a NULL result counts one failure for this thread. */
void *mem_malloc(size_t n);
/* realloc(p, n); a NULL result for n > 0 counts one failure for this thread. */
void *mem_realloc(void *p, size_t n);
/* free(p), the partner of mem_malloc (jansson wants a function). */
void mem_free(void *p);
/* Counts one allocation failure for this thread (for code that allocates some other way). */
void mem_note_failure(void);
/* This thread's failure count since it started (wraps; compare with !=). */
unsigned long mem_failures(void);

/* Gives the heaps' free memory back to the system, the free pages inside a heap too, not only
 * its top (glibc: malloc_trim(0)).  For after a big request: a tree of small blocks freed in
 * the middle of a heap otherwise stays resident (a 15.8 MB body's jansson tree left 240 MB
 * behind, and each such request left more).  Costs a walk of the heaps' free blocks. */
void mem_release_free(void);

/* Tunes glibc's malloc for a long-running server with many threads; call before the first
 * thread starts.  Without it, freeing one large block (a big request's arena blocks, 1-4 MB)
 * makes glibc raise its mmap threshold to that size, so later blocks of that size come from
 * the heaps and, once freed below a live allocation, stay resident; and each thread may get
 * its own heap (up to 8 per CPU), each keeping its freed memory.  After the whole bench load
 * (bench/peers/run.py) that was 86 MiB of RssAnon, 75 MB of it free inside 16 heaps.
 * Sets: blocks of MEM_MMAP_THRESHOLD or more are mapped on their own (and unmapped when
 * freed); a heap gives back its free top beyond MEM_TRIM_THRESHOLD; at most
 * MEM_ARENAS_PER_CPU heaps per CPU (ncpu; 0 = one CPU).  Settings the operator made in the
 * environment (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, or any
 * glibc.malloc tunable in GLIBC_TUNABLES) win: then nothing is changed.
 * Returns 1 when the settings were applied, 0 when the environment's were kept. */
#define MEM_MMAP_THRESHOLD (256 << 10)
#define MEM_TRIM_THRESHOLD (1 << 20)
#define MEM_ARENAS_PER_CPU 2
int mem_tune_server(unsigned ncpu);

#endif
