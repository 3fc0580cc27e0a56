/*
 * backend_remote — msg_backend over client/ddbc.  Layer: messaging.  See backend_remote.h.
 */
#include "messaging/backend_remote.h"

#include <stdlib.h>
#include <string.h>

#include "messaging/messaging_int.h"

typedef struct remote_backend {
    msg_backend base;
    ddbc_t *client;
    char endpoint[512];
} remote_backend;

static int remote_call(msg_backend *b, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    remote_backend *r = (remote_backend *)b;
    /* A TransactWriteItems whose answer is lost (the endpoint applied it, the connection
     * broke) is resent by ddbc; with the same ClientRequestToken the endpoint replays the
     * first answer instead of applying it again.  One fresh token per call (= per attempt
     * of the service's own retry loop, which builds a new request each time). */
    if (strcmp(op, "TransactWriteItems") == 0 && json_is_object(req) &&
        !json_object_get(req, "ClientRequestToken")) {
        json_t *copy = json_copy(req); /* shallow: req is borrowed */
        char token[MSG_UUID_LEN + 1];
        msgi_uuid(token);
        if (!copy || json_object_set_new(copy, "ClientRequestToken", json_string(token))) {
            json_decref(copy);
            *out_resp = NULL;
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        int rc = ddbc_call(r->client, op, copy, out_resp, e);
        json_decref(copy);
        return rc;
    }
    return ddbc_call(r->client, op, req, out_resp, e);
}

static void remote_free(msg_backend *b)
{
    remote_backend *r = (remote_backend *)b;
    ddbc_free(r->client);
    free(r);
}

/* No wait_change yet: the event streams poll pattern B with back-off (events.c).  When the
 * table has a DynamoDB stream, wait_change is the place to read it (DescribeStream /
 * GetShardIterator / GetRecords, position in *seq's state) and report the changed "GRP#<user>"
 * keys with MSG_CHANGE_KEYS, so that only those users' streams are scanned. */
static const msg_backend_ops remote_ops = {
    .call = remote_call,
    .free = remote_free,
    .name = "remote",
    .wait_change = NULL,
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
 * UnknownOperationException (dynalite, ScyllaDB Alternator: "Unsupported operation ...") or
 * another "not implemented".  Only the operations the messaging service calls are probed
 * (TransactGetItems is not one of them). */
static const struct remote_probe {
    const char *op;
    const char *req;
    const char *why;
} remote_probes[] = {
    {"ListTables", "{\"Limit\":1}", "to list tables"},
    {"TransactWriteItems", "{\"TransactItems\":[]}",
     "to write a message and its conversation rows atomically"},
    {"Query", "{}", "to read conversations and messages"},
    {"GetItem", "{}", "to read users"},
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
        int rc = req ? ddbc_call(r->client, p->op, req, &resp, &pe)
                     : err_set(&pe, ERR_NOMEM, "out of memory");
        json_decref(req);
        json_decref(resp);
        if (rc == 0 || rc == ERR_VALIDATION || rc == ERR_ACCESS_DENIED)
            continue; /* implemented: it answered, validated our empty request, or an IAM
                       * policy without this action refused it (reachable, signature good) */
        if (rc == ERR_TRANSPORT || rc == ERR_NOMEM)
            return err_set(e, rc, "%s", pe.msg);
        if (rc == ERR_UNKNOWN_OPERATION || strstr(pe.msg, "not implemented") ||
            strstr(pe.msg, "Unknown operation") || strstr(pe.msg, "UnknownOperation") ||
            strstr(pe.msg, "Unsupported operation"))
            return err_set(e, ERR_UNSUPPORTED,
                           "the endpoint %s does not implement %s, which ddbchat needs %s "
                           "(%s%s%s)",
                           r->endpoint, p->op, p->why, err_type(rc) ? err_type(rc) : "error",
                           pe.msg[0] ? ": " : "", pe.msg);
        if (strcmp(p->op, "ListTables") == 0)
            return err_set(e, rc, "the endpoint %s refused ListTables: %s: %s", r->endpoint,
                           err_type(rc) ? err_type(rc) : "error", pe.msg);
        /* anything else (e.g. AccessDeniedException for one operation) is left to the
         * operation itself, which reports it when it runs */
    }
    return 0;
}
