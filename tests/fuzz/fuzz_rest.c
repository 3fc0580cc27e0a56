/*
 * fuzz_rest — the messaging REST API without HTTP (src/messaging/rest.c): routing, query
 * strings (limit, cursor, after), JSON bodies, the service behind them, over the embedded engine in
 * a temporary directory.
 *
 * Input: [flags byte] [request line: "METHOD /path?query"] '\n' [body].  The flags pick the
 * Authorization header: alice's valid token (most inputs, so the handlers are reached), the
 * body's first line as a raw header value, or none; an Origin header; an Idempotency-Key (one
 * of two, so that retries and a key sent with another text happen).  Alice and bob
 * share a conversation: "@G@" in the path stands for its uuid (random), so
 * "/api/messages/@G@" reaches pattern A (and "@G@" in the body is replaced too).
 * Every answer must be a status 200..599 other than 5xx; an application/json one must be JSON
 * (the page's own files, GET / and its assets, are HTML, JS and CSS).
 * The store is made afresh every FZ_REST_RESET inputs (messages accumulate).
 */
#include <jansson.h>

#include "base/log.h"
#include "api/api.h"
#include "fuzz_common.h"
#include "messaging/auth.h"
#include "messaging/backend.h"
#include "messaging/rest.h"
#include "messaging/service.h"
#include "store/store.h"

#define FZ_REST_RESET 2000

static const unsigned char SECRET[] = "fuzz-rest-secret";

static struct {
    char dir[128];
    store_t *store;
    api_t *api;
    msg_backend *backend;
    msg_service *svc;
    char *token;
    char group[64];
    unsigned long runs;
} F;

static void open_env(void)
{
    fz_tmpdir(F.dir, sizeof F.dir, "rest");
    store_opts so;
    store_opts_default(&so);
    so.durable = false;
    so.ttl_thread = false;
    err_t e = {0};
    msg_config c;
    msg_config_default(&c);
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    c.cors_origin = "http://localhost:3000";
    msg_user alice, bob;
    if (store_open(F.dir, &so, &F.store, &e) || api_new(F.store, NULL, &F.api, &e) ||
        msg_backend_embedded_new(F.api, &F.backend, &e) ||
        msg_service_new(F.backend, &c, &F.svc, &e) || msg_schema_load(F.svc, &e) ||
        msg_user_add(F.svc, "alice", "Alice A", "00000000-0000-4000-8000-00000000000a", &alice,
                     &e) ||
        msg_user_add(F.svc, "bob", "Bob B", "00000000-0000-4000-8000-00000000000b", &bob, &e)) {
        fprintf(stderr, "fuzz_rest: %s\n", e.msg);
        abort();
    }
    if (!F.token &&
        msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", alice.uuid, 3600, &F.token, &e))
        abort();
    msg_message m;
    if (msg_send(F.svc, alice.uuid, NULL, "bob", "hello", NULL, &m, &e)) {
        fprintf(stderr, "fuzz_rest: first message: %s\n", e.msg);
        abort();
    }
    snprintf(F.group, sizeof F.group, "%s", m.message_group_uuid);
    msg_message_fini(&m);
}

static void close_env(void)
{
    msg_service_free(F.svc);
    msg_backend_free(F.backend);
    api_free(F.api);
    store_close(F.store);
    fz_rmdir(F.dir);
}

static void at_exit(void)
{
    close_env();
    free(F.token);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    log_set_level(-1);
    open_env();
    atexit(at_exit);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (++F.runs % FZ_REST_RESET == 0) {
        close_env();
        open_env();
    }
    uint8_t flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    char *line = fz_strndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
    const char *body = nl ? nl + 1 : end;
    size_t body_len = (size_t)(end - body);
    char *method = line, *path = strchr(line, ' ');
    if (path)
        *path++ = 0;
    else
        path = "/api/messages";
    char *query = strchr(path, '?');
    if (query)
        *query++ = 0;
    char full[2048];
    const char *g = strstr(path, "@G@");
    if (g && strlen(path) + strlen(F.group) < sizeof full) {
        snprintf(full, sizeof full, "%.*s%s%s", (int)(g - path), path, F.group, g + 3);
        path = full;
    }
    char auth[1024], *raw = NULL;
    const char *authorization = NULL;
    switch (flags & 3) {
    case 0:
    case 1:
        snprintf(auth, sizeof auth, "Bearer %s", F.token);
        authorization = auth;
        break;
    case 2: { /* the body's first line is the header */
        const char *bl = memchr(body, '\n', body_len);
        size_t n = bl ? (size_t)(bl - body) : body_len;
        raw = fz_strndup(body, n);
        authorization = raw;
        body += bl ? n + 1 : n;
        body_len -= bl ? n + 1 : n;
        break;
    }
    default:
        break;
    }
    char *body_copy = NULL; /* "@G@" in the body too */
    const char *bg = body_len >= 3 ? memmem(body, body_len, "@G@", 3) : NULL;
    if (bg) {
        size_t gl = strlen(F.group), pre = (size_t)(bg - body);
        body_copy = malloc(body_len - 3 + gl);
        if (!body_copy)
            abort();
        memcpy(body_copy, body, pre);
        memcpy(body_copy + pre, F.group, gl);
        memcpy(body_copy + pre + gl, bg + 3, body_len - pre - 3);
        body = body_copy;
        body_len = body_len - 3 + gl;
    }
    msg_http_req req = {.method = method,
                        .path = path,
                        .query = query,
                        .authorization = authorization,
                        .origin = (flags & 4) ? "http://localhost:3000" : NULL,
                        /* a few keys, so retries (and a key's other text) happen */
                        .idempotency_key = !(flags & 8) ? NULL : (flags & 16) ? "fz-k1" : "fz-k2",
                        .body = body,
                        .body_len = body_len};
    msg_http_resp r;
    msg_rest_handle(F.svc, &req, &r);
    /* GET /api/events is the transport's to route to msg_rest_events: msg_rest_handle
     * answers it 503 unavailable by design (rest.h), as a transport without streams does */
    bool events_route = msg_rest_is_events(&req) && r.status == 503;
    if (r.status < 200 || (r.status >= 500 && !events_route))
        fz_fail("%s %s answered %d: %.*s", method, path, r.status, (int)r.body_len,
                r.body ? r.body : "");
    /* the API answers JSON; the page's files (GET /, /app.js, ...) and the others say what
     * they are in content_type */
    if (r.body_len && r.content_type && !strcmp(r.content_type, "application/json")) {
        json_t *j = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL);
        if (!j)
            fz_fail("%s %s answered %d with a body that is no JSON", method, path, r.status);
        json_decref(j);
    }
    free(r.body);
    free(line);
    free(raw);
    free(body_copy);
    return 0;
}
