/*
 * conn — the messaging backend a command works through: the embedded engine on --data-dir
 * (its store, its operations, the embedded backend) or --endpoint's remote backend.  Layer:
 * cli (wiring only).  The one opening of the commands of cmd_msg.c, cmd_sql.c, cmd_ops.c and
 * cmd_streams.c, which had four copies of it; serve.c opens its own (a server's engine runs
 * its TTL thread, and it checks the endpoint first).  Tests: tests/e2e/test_cli.py,
 * test_export_import.py, test_streams_cli.py, test_remote_backend.py.
 */
#include "cli/conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "client/ddbc.h"
#include "messaging/backend_remote.h"

int cli_conn_open(cli_conn *c, const char *data_dir, bool create, const char *endpoint,
                  const char *region, err_t *e)
{
    memset(c, 0, sizeof *c);
    if (!endpoint && !create) {
        char path[4096];
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/data.mdb", data_dir);
        if (n > 0 && (size_t)n < sizeof path && stat(path, &st) != 0 && errno == ENOENT)
            return err_set(e, ERR_NOT_FOUND,
                           "no ddbchat data dir at %s (no data.mdb): run this where `make run` "
                           "serves ./data, or give --data-dir DIR (`ddbchat schema-load` "
                           "makes one)",
                           data_dir);
    }
    if (endpoint) {
        ddbc_config dc;
        if (ddbc_config_load(&dc, endpoint, region, e) ||
            msg_backend_remote_new(&dc, &c->backend, e))
            goto fail;
        return 0;
    }
    store_opts so;
    store_opts_default(&so);
    so.ttl_thread = false; /* a server on the same dir reaps */
    api_store_opts(&so);
    if (store_open(data_dir, &so, &c->store, e) || api_new(c->store, NULL, &c->api, e) ||
        msg_backend_embedded_new(c->api, &c->backend, e))
        goto fail;
    return 0;
fail:
    cli_conn_close(c);
    return e->code ? e->code : ERR_INTERNAL;
}

void cli_conn_close(cli_conn *c)
{
    msg_backend_free(c->backend);
    api_free(c->api);
    store_close(c->store);
    memset(c, 0, sizeof *c);
}
