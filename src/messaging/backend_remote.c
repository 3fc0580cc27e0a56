/*
 * backend_remote — msg_backend over client/ddbc.  Layer: messaging.  See backend_remote.h.
 */
#include "messaging/backend_remote.h"

#include <stdlib.h>
#include <string.h>

typedef struct remote_backend {
    msg_backend base;
    ddbc_t *client;
    char endpoint[512];
} remote_backend;

static int remote_call(msg_backend *b, const char *op, json_t *req, json_t **out_resp,
                       err_t *e)
{
    remote_backend *r = (remote_backend *)b;
    return ddbc_call(r->client, op, req, out_resp, e);
}

static void remote_free(msg_backend *b)
{
    remote_backend *r = (remote_backend *)b;
    ddbc_free(r->client);
    free(r);
}

static const msg_backend_ops remote_ops = {
    .call = remote_call,
    .free = remote_free,
    .name = "remote",
};

int msg_backend_remote_new(const ddbc_config *cfg, msg_backend **out, err_t *e)
{
    remote_backend *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = ddbc_new(cfg, &r->client, e);
    if (rc) {
        free(r);
        return rc;
    }
    r->base.ops = &remote_ops;
    snprintf(r->endpoint, sizeof r->endpoint, "%s", cfg->endpoint);
    *out = &r->base;
    return 0;
}

/* Each probe is a request every real DynamoDB rejects with a ValidationException (so it
 * changes nothing), while an endpoint that lacks the operation answers
 * UnknownOperationException (dynalite, older emulators) or another "not implemented". */
static const struct remote_probe {
    const char *op;
    const char *req;
} remote_probes[] = {
    {"ListTables", "{\"Limit\":1}"},
    {"TransactWriteItems", "{\"TransactItems\":[]}"},
    {"TransactGetItems", "{\"TransactItems\":[]}"},
};

int msg_backend_remote_check(msg_backend *b, err_t *e)
{
    remote_backend *r = (remote_backend *)b;
    for (size_t i = 0; i < sizeof remote_probes / sizeof remote_probes[0]; i++) {
        const struct remote_probe *p = &remote_probes[i];
        json_t *req = json_loads(p->req, 0, NULL);
        json_t *resp = NULL;
        err_t pe;
        err_clear(&pe);
        int rc = ddbc_call(r->client, p->op, req, &resp, &pe);
        json_decref(req);
        json_decref(resp);
        if (rc == 0 || rc == ERR_VALIDATION)
            continue; /* implemented: it answered or validated our empty request */
        if (rc == ERR_TRANSPORT)
            return err_set(e, rc, "%s", pe.msg);
        if (rc == ERR_UNKNOWN_OPERATION || strstr(pe.msg, "not implemented") ||
            strstr(pe.msg, "Unknown operation") || strstr(pe.msg, "UnknownOperation"))
            return err_set(e, ERR_UNSUPPORTED,
                           "the endpoint %s does not implement %s, which ddbchat needs to "
                           "write a message and its conversation rows atomically",
                           r->endpoint, p->op);
        if (strcmp(p->op, "ListTables") == 0)
            return err_set(e, rc, "the endpoint %s refused ListTables: %s", r->endpoint,
                           pe.msg);
    }
    return 0;
}
