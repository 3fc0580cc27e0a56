/*
 * conn — the messaging backend a command works through.  Layer: cli.  See conn.c.
 */
#ifndef DDB_CLI_CONN_H
#define DDB_CLI_CONN_H

#include "api/api.h"
#include "base/err.h"
#include "messaging/backend.h"
#include "store/store.h"

typedef struct cli_conn {
    store_t *store;       /* the embedded engine (NULL with an endpoint) */
    api_t *api;           /* its operations (likewise) */
    msg_backend *backend; /* the one every command calls */
} cli_conn;

/* Opens c: with endpoint (not NULL), that DynamoDB-compatible endpoint's backend in region
 * (NULL: the AWS config's); else the embedded engine on data_dir, without its TTL thread (a
 * server on the same dir reaps).  Without create, a data_dir that holds no data.mdb is
 * ERR_NOT_FOUND (a command that only works on existing tables, run in the wrong directory or
 * with a mistyped --data-dir, must not leave a new data dir there).  0, or the failure's code
 * with e set (c is then closed). */
int cli_conn_open(cli_conn *c, const char *data_dir, bool create, const char *endpoint,
                  const char *region, err_t *e);
/* Closes what c holds and zeroes it (a zeroed or closed c: nothing). */
void cli_conn_close(cli_conn *c);

#endif
