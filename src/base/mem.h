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

#endif
