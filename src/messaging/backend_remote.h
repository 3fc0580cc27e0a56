/*
 * backend_remote — the messaging backend on a remote DynamoDB-compatible endpoint (AWS
 * DynamoDB, ScyllaDB Alternator, DynamoDB Local, ddbchat's endpoint).  Layer: messaging.
 */
#ifndef DDB_MESSAGING_BACKEND_REMOTE_H
#define DDB_MESSAGING_BACKEND_REMOTE_H

#include "client/ddbc.h"
#include "messaging/backend.h"

/* A backend whose every call is ddbc_call over a new client made from cfg (retries with
 * backoff, see ddbc.h).  Every TransactWriteItems that carries no ClientRequestToken gets a
 * fresh one (a uuid per call), so that ddbc's resends of a transaction whose answer was lost
 * are replayed by the endpoint rather than applied twice (DynamoDB keeps tokens 10 minutes).
 * Callers that need the endpoint to support the messaging writes call
 * msg_backend_remote_check first (serve and the writing CLI commands do). */
int msg_backend_remote_new(const ddbc_config *cfg, msg_backend **out, err_t *e);

/* Verifies that the endpoint answers and implements every operation the messaging service
 * uses (DescribeTable, Query, GetItem, TransactWriteItems, ...).  ERR_UNSUPPORTED with a
 * message naming the missing operation ("the endpoint http://... does not implement
 * TransactWriteItems, which ddbchat needs to write a message and its conversation rows
 * atomically"); ERR_TRANSPORT when unreachable. */
int msg_backend_remote_check(msg_backend *b, err_t *e);

#endif
