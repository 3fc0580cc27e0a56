/*
 * api_req — one request in flight: what the dispatcher (api.c) hands a handler and takes back.
 * Layer: api (private).  The declarations the handlers use are in api_int.h (api_req, the
 * arena's caps, pins, api_reply, the error extras, the answer-later pair); this header adds
 * what only the dispatcher needs: how a request's arena shares the api's budget, the end of a
 * request, and the state of one answered later.
 */
#ifndef DDB_API_API_REQ_H
#define DDB_API_API_REQ_H

#include "api/api_int.h"
#include "api/api_out.h"

/* A request that may answer later (api_call_out_jr_later): all it needs after its handler
 * returned, in the caller's arena. */
typedef struct api_later_st {
    api_req r;
    api_out out;
    json_t **out_resp;
    unsigned long oom0; /* mem_failures() of the calling thread at the start */
    bool failed;        /* an allocation failed on the calling thread (api_later_suspend) */
    api_later later;
} api_later_st;

/* The request's arena may hold `own` bytes (at least what it holds already: our reader's tree
 * of the body on the later path) and grow up to `cap` by steps of the shared budget
 * (API_ARENA_SHARED_BUDGET). */
void api_arena_share(api_req *r, size_t own, size_t cap);

/* The end of a request, after its handler returned rc (and maybe a tree): the reply (w, sink
 * or *out_resp) or the error (*out_resp: its extra fields); unpins; gives back the arena's
 * share of the budget; the busy reply or out of memory where the arena was refused or an
 * allocation failed (failed: on the thread that began a request answered later; oom0:
 * mem_failures() when this thread's part began).  Returns the result. */
int api_req_finish(api_req *r, int rc, json_t *tree, bool failed, unsigned long oom0,
                   json_t **out_resp);

#endif
