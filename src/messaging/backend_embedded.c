/*
 * backend_embedded — the messaging backend on the embedded engine: every call is api_call
 * on the shared (un-namespaced) tables.  Layer: messaging.  See backend.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/arena.h"
#include "messaging/backend.h"
#include "value/jout.h"
#include "value/jread.h"

typedef struct embedded_backend {
    msg_backend base; /* first: a msg_backend* is an embedded_backend* */
    api_t *api;       /* borrowed */
} embedded_backend;

static int embedded_call(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_call(eb->api, op, req, NULL, out_resp, e);
}

/* The reply's items as the engine's values (api_call_sink: no JSON text, no tree). */
static int embedded_call_items(msg_backend *b, const char *op, json_t *req, const api_sink *sink,
                               json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_call_sink(eb->api, op, req, NULL, sink, out_err_extra, e);
}

/* The request as text: read with jread into an arena of this call, then the engine's path
 * for our reader's tree (the DynamoDB endpoint's); the reply's items to sink, or (sink NULL)
 * its text written and dropped. */
static int embedded_call_req_text(msg_backend *b, const char *op, const char *req, size_t len,
                                  const api_sink *sink, json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    *out_err_extra = NULL;
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error je;
    int rc;
    if (jread_parse(req, len, &a, &v, &je))
        rc = je.nomem ? err_set(e, ERR_NOMEM, "out of memory")
                      : err_set(e, ERR_INTERNAL, "unreadable %s request: %s", op, je.text);
    else if (sink)
        rc = api_call_sink_jr(eb->api, op, v, NULL, sink, out_err_extra, e);
    else {
        jout w;
        jout_init(&w, 0);
        rc = api_call_out_jr(eb->api, op, v, NULL, &w, out_err_extra, e);
        jout_fini(&w);
    }
    arena_fini(&a);
    return rc;
}

/* The reply's text as the endpoint writes it (api_call_out: from the values, no tree). */
static int embedded_call_text(msg_backend *b, const char *op, json_t *req, char **out_text,
                              size_t *out_len, json_t **out_err_extra, err_t *e)
{
    embedded_backend *eb = (embedded_backend *)b;
    *out_text = NULL;
    *out_len = 0;
    jout w;
    jout_init(&w, 0);
    int rc = api_call_out(eb->api, op, req, NULL, &w, out_err_extra, e);
    if (rc == 0 && !(*out_text = jout_take(&w, out_len)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    jout_fini(&w);
    return rc;
}

/* The engine's commit notification: any commit to the data dir (this process or another
 * one, e.g. `ddbchat send` while the server runs) may have added messages. */
static int embedded_wait_change(msg_backend *b, uint64_t *seq, int timeout_ms,
                                const msg_change_keys *keys)
{
    embedded_backend *eb = (embedded_backend *)b;
    (void)keys;
    uint64_t cur = api_change_wait(eb->api, *seq, timeout_ms);
    if (cur == *seq)
        return MSG_CHANGE_NONE;
    *seq = cur;
    return MSG_CHANGE_ANY;
}

static uint64_t embedded_version(msg_backend *b)
{
    embedded_backend *eb = (embedded_backend *)b;
    return api_change_wait(eb->api, 0, 0); /* no wait: the current commit id */
}

static uint64_t embedded_partition_version(msg_backend *b, const char *table, const char *pk)
{
    embedded_backend *eb = (embedded_backend *)b;
    av_t h = {.type = AV_S, .u.str = {pk, strlen(pk)}};
    return api_partition_version(eb->api, table, &h);
}

static void embedded_free(msg_backend *b)
{
    free(b);
}

static const msg_backend_ops embedded_ops = {
    .call = embedded_call,
    .free = embedded_free,
    .name = "embedded",
    .wait_change = embedded_wait_change,
    .wait_change_idle = true,
    .call_items = embedded_call_items,
    .version = embedded_version,
    .partition_version = embedded_partition_version,
    .call_text = embedded_call_text,
    .call_req_text = embedded_call_req_text,
};

int msg_backend_embedded_new(api_t *api, msg_backend **out, err_t *e)
{
    embedded_backend *eb = calloc(1, sizeof *eb);
    if (!eb)
        return err_set(e, ERR_NOMEM, "out of memory");
    eb->base.ops = &embedded_ops;
    eb->api = api;
    *out = &eb->base;
    return 0;
}
