/*
 * service_schema — the messaging table itself: create it with its layout (service.h), tell
 * whether it exists, drop it, waiting on a remote DynamoDB until it is ACTIVE or gone.
 * Layer: messaging (part of the service, service.h).
 * DynamoDB documents used: CreateTable
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html),
 * DescribeTable (.../API_DescribeTable.html), DeleteTable (.../API_DeleteTable.html).
 */
#include "messaging/messaging_int.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

/* A remote DynamoDB (AWS, dynalite) answers CreateTable with CREATING and refuses
 * reads/writes of the table until it is ACTIVE, GSI included, and DeleteTable with
 * DELETING (a new CreateTable is ResourceInUse until it is gone): poll DescribeTable (at
 * most MSG_ACTIVE_WAIT_S seconds) until the table is ACTIVE, or with `gone` absent.  The
 * embedded engine and DynamoDB Local are there at once.
 * (tests/e2e/test_remote_backend.py::test_schema_load_waits_until_active) */
#define MSG_ACTIVE_WAIT_S 600
static int wait_table(msg_service *s, bool gone, err_t *e)
{
    long long deadline = msg_now_usec() + (long long)MSG_ACTIVE_WAIT_S * 1000000;
    for (long delay_ms = 50;; delay_ms = delay_ms < 1000 ? delay_ms * 2 : 1000) {
        json_t *resp;
        err_t in;
        int rc =
            msgi_call(s, "DescribeTable", json_pack("{s:s}", "TableName", s->table), &resp, &in);
        if (rc && rc != ERR_RESOURCE_NOT_FOUND) { /* (not found = not visible yet: wait) */
            json_decref(resp);
            return msgi_storage(e, rc, &in);
        }
        if (gone && rc == ERR_RESOURCE_NOT_FOUND) {
            json_decref(resp);
            return 0;
        }
        json_t *t = json_object_get(resp, "Table");
        const char *st = json_string_value(json_object_get(t, "TableStatus"));
        bool active = !gone && !rc && st && strcmp(st, "ACTIVE") == 0;
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(t, "GlobalSecondaryIndexes"), i, g)
        {
            const char *gs = json_string_value(json_object_get(g, "IndexStatus"));
            if (gs && strcmp(gs, "ACTIVE") != 0)
                active = false;
        }
        json_decref(resp);
        if (active)
            return 0;
        if (msg_now_usec() > deadline)
            return msg_failf(e, MSG_E_STORAGE, "table %s not %s after %d s", s->table,
                           gone ? "deleted" : "ACTIVE", MSG_ACTIVE_WAIT_S);
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int msg_schema_load(msg_service *s, err_t *e)
{
    json_t *req = json_pack(
        "{s:s, s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}], s:[{s:s,s:s},{s:s,s:s}],"
        " s:[{s:s, s:[{s:s,s:s},{s:s,s:s}], s:{s:s}}], s:s}",
        "TableName", s->table, "AttributeDefinitions", "AttributeName", "pk", "AttributeType", "S",
        "AttributeName", "sk", "AttributeType", "S", "AttributeName", "message_group_uuid",
        "AttributeType", "S", "KeySchema", "AttributeName", "pk", "KeyType", "HASH",
        "AttributeName", "sk", "KeyType", "RANGE", "GlobalSecondaryIndexes", "IndexName",
        MSG_GSI_NAME, "KeySchema", "AttributeName", "message_group_uuid", "KeyType", "HASH",
        "AttributeName", "sk", "KeyType", "RANGE", "Projection", "ProjectionType", "ALL",
        "BillingMode", "PAY_PER_REQUEST");
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "CreateTable", req, &resp, &in);
    json_decref(resp);
    if (rc == ERR_RESOURCE_IN_USE)
        return msg_fail_rc(e, MSG_E_TABLE_EXISTS, rc, "table %s already exists", s->table);
    if (rc)
        return msgi_storage(e, rc, &in);
    return wait_table(s, false, e);
}

int msg_schema_exists(msg_service *s, bool *out_exists, err_t *e)
{
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "DescribeTable", json_pack("{s:s}", "TableName", s->table), &resp, &in);
    json_decref(resp);
    *out_exists = rc == 0;
    if (rc == ERR_RESOURCE_NOT_FOUND)
        return 0;
    if (rc)
        return msgi_storage(e, rc, &in);
    return 0;
}

int msg_schema_drop(msg_service *s, err_t *e)
{
    json_t *resp;
    err_t in;
    int rc = msgi_call(s, "DeleteTable", json_pack("{s:s}", "TableName", s->table), &resp, &in);
    json_decref(resp);
    if (rc == ERR_RESOURCE_NOT_FOUND)
        return msg_fail_rc(e, MSG_E_NO_TABLE, rc, "table %s does not exist", s->table);
    if (rc)
        return msgi_storage(e, rc, &in);
    return wait_table(s, true, e);
}
