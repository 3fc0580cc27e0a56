/*
 * backend — the one seam between the messaging service and storage.  Layer: messaging.
 *
 * call(operation, request) -> response | error, in DynamoDB's own request/response JSON
 * shapes.  Two implementations: the embedded engine (backend_embedded.c, dispatching to
 * api/) and a remote DynamoDB-compatible endpoint (backend_remote.c, over client/).  The
 * messaging code never knows which one it talks to.
 */
#ifndef DDB_MESSAGING_BACKEND_H
#define DDB_MESSAGING_BACKEND_H

#include <jansson.h>

#include "base/err.h"

typedef struct msg_backend msg_backend;

typedef struct msg_backend_ops {
    /* Runs one DynamoDB operation ("PutItem").  req borrowed.  Success: 0 and *out_resp (new
     * reference, caller owns).  Failure: negative ERR_* with the DynamoDB type (err_type) and
     * message in e; *out_resp NULL or the error body's extra fields (e.g.
     * "CancellationReasons"), caller owns. */
    int (*call)(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e);
    /* Releases the backend.  Accepts NULL via msg_backend_free. */
    void (*free)(msg_backend *b);
    const char *name; /* "embedded", "remote" */
} msg_backend_ops;

struct msg_backend {
    const msg_backend_ops *ops;
};

static inline int msg_backend_call(msg_backend *b, const char *op, json_t *req,
                                   json_t **out_resp, err_t *e)
{
    return b->ops->call(b, op, req, out_resp, e);
}

static inline void msg_backend_free(msg_backend *b)
{
    if (b)
        b->ops->free(b);
}

typedef struct api api_t;

/* The embedded backend (backend_embedded.c): each call is api_call(api, op, req) with no
 * caller namespace (the shared tables the DynamoDB endpoint's default namespace sees).  api
 * borrowed; must outlive the backend.  ERR_NOMEM. */
int msg_backend_embedded_new(api_t *api, msg_backend **out, err_t *e);

#endif
