/*
 * msg_test_env — a messaging service on a fresh backend for the messaging unit tests.
 *
 * Default: the embedded engine on a temporary data dir (store + api + embedded backend).
 * With MSG_TEST_ENDPOINT=http://127.0.0.1:PORT set: the remote backend on that endpoint
 * (used to run the very same tests against AWS's DynamoDB Local), with a unique table name.
 */
#ifndef MSG_TEST_ENV_H
#define MSG_TEST_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "messaging/backend_remote.h"
#include "messaging/service.h"
#include "store/store.h"

typedef struct msg_env {
    char dir[256];
    char table[128];
    store_t *store;
    api_t *api;
    msg_backend *backend;
    msg_service *svc;
} msg_env;

static int msg_env_counter;

static int msg_env_open_with(msg_env *env, const msg_config *cfg_in)
{
    memset(env, 0, sizeof *env);
    err_t e = {0};
    const char *endpoint = getenv("MSG_TEST_ENDPOINT");
    if (endpoint && *endpoint) {
        ddbc_config dc;
        if (ddbc_config_load(&dc, endpoint, "us-east-1", &e) ||
            msg_backend_remote_new(&dc, &env->backend, &e)) {
            fprintf(stderr, "remote backend: %s\n", e.msg);
            return -1;
        }
    } else {
        snprintf(env->dir, sizeof env->dir, "/tmp/msgtest-XXXXXX");
        if (!mkdtemp(env->dir))
            return -1;
        store_opts o;
        store_opts_default(&o);
        o.durable = false;
        o.ttl_thread = false;
        if (store_open(env->dir, &o, &env->store, &e) || api_new(env->store, NULL, &env->api, &e) ||
            msg_backend_embedded_new(env->api, &env->backend, &e)) {
            fprintf(stderr, "embedded backend: %s\n", e.msg);
            return -1;
        }
    }
    msg_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        msg_config_default(&cfg);
    snprintf(env->table, sizeof env->table, "cruddur-messages-t%ld-%d", (long)getpid(),
             ++msg_env_counter);
    cfg.table = env->table;
    if (msg_service_new(env->backend, &cfg, &env->svc, &e)) {
        fprintf(stderr, "service: %s\n", e.msg);
        return -1;
    }
    if (msg_schema_load(env->svc, &e)) {
        fprintf(stderr, "schema: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void msg_env_close(msg_env *env)
{
    if (getenv("MSG_TEST_ENDPOINT") && env->svc) {
        err_t e = {0};
        msg_schema_drop(env->svc, &e);
    }
    msg_service_free(env->svc);
    msg_backend_free(env->backend);
    api_free(env->api);
    store_close(env->store);
    if (env->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", env->dir);
    }
}

#endif
