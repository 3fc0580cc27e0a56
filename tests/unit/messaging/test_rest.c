/*
 * test_rest — the REST handler without HTTP: routes, auth (401s), response shapes as the
 * Cruddur UI reads them, ordering, the X-Next-Cursor paging, validation codes and statuses,
 * non-participants' 404, CORS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include <jwt.h>

#include "messaging/auth.h"
#include "messaging/msg_test_env.h"
#include "messaging/messaging_int.h"
#include "messaging/rest.h"

static msg_env ENV;
static const unsigned char SECRET[] = "rest-secret";
static msg_user A, B, C;
static char *TA, *TB, *TC; /* tokens */

static char *token_for(const char *uuid)
{
    char *t = NULL;
    err_t e = {0};
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", uuid, 600, &t, &e), 0);
    return t;
}

static int setup(void **state)
{
    msg_config c;
    msg_config_default(&c);
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    c.cors_origin = "http://localhost:3000";
    if (msg_env_open_with(&ENV, &c))
        return -1;
    err_t e = {0};
    if (msg_user_add(ENV.svc, "ra", "Rest A", NULL, &A, &e) ||
        msg_user_add(ENV.svc, "rb", "Rest B", NULL, &B, &e) ||
        msg_user_add(ENV.svc, "rc", "Rest C", NULL, &C, &e))
        return -1;
    TA = token_for(A.uuid);
    TB = token_for(B.uuid);
    TC = token_for(C.uuid);
    return 0;
}

static int teardown(void **state)
{
    free(TA);
    free(TB);
    free(TC);
    msg_env_close(&ENV);
    return 0;
}

typedef struct reply {
    int status;
    json_t *body;
    msg_http_resp raw;
} reply;

static const char *hdr(const reply *r, const char *name)
{
    for (int i = 0; i < r->raw.n_headers; i++)
        if (strcasecmp(r->raw.headers[i].name, name) == 0)
            return r->raw.headers[i].value;
    return NULL;
}

static reply call(const char *method, const char *path, const char *query, const char *token,
                  const char *body)
{
    char auth[4096];
    if (token)
        snprintf(auth, sizeof auth, "Bearer %s", token);
    msg_http_req req = {.method = method,
                        .path = path,
                        .query = query,
                        .authorization = token ? auth : NULL,
                        .origin = NULL,
                        .body = body,
                        .body_len = body ? strlen(body) : 0};
    reply r;
    msg_rest_handle(ENV.svc, &req, &r.raw);
    r.status = r.raw.status;
    r.body = r.raw.body ? json_loadb(r.raw.body, r.raw.body_len, 0, NULL) : NULL;
    free(r.raw.body);
    r.raw.body = NULL;
    return r;
}

static void done(reply *r)
{
    json_decref(r->body);
}

static void expect_error(reply r, int status, const char *code)
{
    if (r.status != status)
        fail_msg("want %d, got %d", status, r.status);
    const char *c = json_string_value(json_object_get(json_object_get(r.body, "error"), "code"));
    assert_non_null(c);
    assert_string_equal(c, code);
    assert_non_null(
        json_string_value(json_object_get(json_object_get(r.body, "error"), "message")));
    done(&r);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    if (!v)
        fail_msg("no string field %s", k);
    return v;
}

static void test_health_and_routes(void **state)
{
    reply r = call("GET", "/api/health", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "success")));
    done(&r);
    expect_error(call("GET", "/api/nothing", NULL, TA, NULL), 404, "route_not_found");
    expect_error(call("DELETE", "/api/messages", NULL, TA, NULL), 405, "method_not_allowed");
    expect_error(call("POST", "/api/message_groups", NULL, TA, "{}"), 405, "method_not_allowed");
}

static void test_auth(void **state)
{
    expect_error(call("GET", "/api/message_groups", NULL, NULL, NULL), 401, "unauthorized");
    expect_error(call("GET", "/api/message_groups", NULL, "garbage", NULL), 401, "unauthorized");
    char *other = NULL;
    err_t e = {0};
    assert_int_equal(
        msg_jwt_mint_hs256((const unsigned char *)"x", 1, "sub", A.uuid, 600, &other, &e), 0);
    expect_error(call("GET", "/api/message_groups", NULL, other, NULL), 401, "unauthorized");
    free(other);
    /* a token without exp (issue 9.3): the minter refuses to make one; one made by hand
     * (header and payload signed with the secret) is refused */
    char *noexp = NULL;
    assert_int_equal(msg_jwt_mint_hs256(SECRET, sizeof SECRET - 1, "sub", A.uuid, 0, &noexp, &e),
                     ERR_VALIDATION);
    assert_null(noexp);
    {
        jwt_t *j = NULL;
        assert_int_equal(jwt_new(&j), 0);
        assert_int_equal(jwt_add_grant(j, "sub", A.uuid), 0);
        assert_int_equal(jwt_set_alg(j, JWT_ALG_HS256, SECRET, (int)sizeof SECRET - 1), 0);
        noexp = jwt_encode_str(j);
        jwt_free(j);
        assert_non_null(noexp);
    }
    expect_error(call("GET", "/api/message_groups", NULL, noexp, NULL), 401, "unauthorized");
    free(noexp);
    reply ok;
    /* a token for no known user */
    char *ghost = token_for("00000000-0000-4000-8000-00000000dead");
    expect_error(call("GET", "/api/message_groups", NULL, ghost, NULL), 401, "unauthorized");
    free(ghost);
    /* a token naming the user by handle */
    char *byh = token_for("ra");
    ok = call("GET", "/api/message_groups", NULL, byh, NULL);
    assert_int_equal(ok.status, 200);
    done(&ok);
    free(byh);
}

/* A sent message's answer, byte for byte: json_dumps(JSON_COMPACT)'s text of the object
 * {uuid, display_name, handle, message, created_at, message_group_uuid} (written with jout
 * since perf22, where json_pack built the tree): escapes as json_dumps writes them. */
static void test_post_answer_text(void **state)
{
    (void)state;
    const char *body = "{\"message\":\"say \\\"hi\\\"\\n\\u00e9\\u0001/\",\"handle\":\"rc\"}";
    msg_http_req req = {.method = "POST", .path = "/api/messages", .body = body,
                        .body_len = strlen(body)};
    char auth[4096];
    snprintf(auth, sizeof auth, "Bearer %s", TA);
    req.authorization = auth;
    msg_http_resp raw;
    msg_rest_handle(ENV.svc, &req, &raw);
    assert_int_equal(raw.status, 200);
    json_t *j = json_loadb(raw.body, raw.body_len, 0, NULL);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"uuid\":\"%s\",\"display_name\":\"Rest A\",\"handle\":\"ra\",\"message\":"
             "\"say \\\"hi\\\"\\n\xc3\xa9\\u0001/\",\"created_at\":\"%s\",\"message_group_uuid\":\"%s\"}",
             str(j, "uuid"), str(j, "created_at"), str(j, "message_group_uuid"));
    assert_int_equal(raw.body_len, strlen(want));
    assert_string_equal(raw.body, want);
    json_decref(j);
    free(raw.body);
}

static void test_conversation(void **state)
{
    reply r = call("POST", "/api/messages", NULL, TA, "{\"message\":\"hi B\",\"handle\":\"rb\"}");
    assert_int_equal(r.status, 200);
    char group[64];
    snprintf(group, sizeof group, "%s", str(r.body, "message_group_uuid"));
    assert_true(msgi_is_uuid(group));
    assert_string_equal(str(r.body, "handle"), "ra");
    assert_string_equal(str(r.body, "display_name"), "Rest A");
    assert_string_equal(str(r.body, "message"), "hi B");
    assert_true(msgi_is_uuid(str(r.body, "uuid")));
    assert_int_equal(strlen(str(r.body, "created_at")), MSG_TS_LEN);
    done(&r);
    char body[256];
    snprintf(body, sizeof body, "{\"message\":\"hi A\",\"message_group_uuid\":\"%s\"}", group);
    r = call("POST", "/api/messages", NULL, TB, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(str(r.body, "message_group_uuid"), group);
    done(&r);

    /* B's conversations: uuid is the group, the other person is A */
    r = call("GET", "/api/message_groups", NULL, TB, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_array(r.body));
    assert_int_equal(json_array_size(r.body), 1);
    json_t *c0 = json_array_get(r.body, 0);
    assert_string_equal(str(c0, "uuid"), group);
    assert_string_equal(str(c0, "handle"), "ra");
    assert_string_equal(str(c0, "display_name"), "Rest A");
    assert_string_equal(str(c0, "message"), "hi A");
    assert_int_equal(strlen(str(c0, "created_at")), MSG_TS_LEN);
    assert_null(hdr(&r, "X-Next-Cursor"));
    done(&r);

    /* messages listed oldest -> newest */
    char path[128];
    snprintf(path, sizeof path, "/api/messages/%s", group);
    r = call("GET", path, NULL, TA, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(r.body), 2);
    assert_string_equal(str(json_array_get(r.body, 0), "message"), "hi B");
    assert_string_equal(str(json_array_get(r.body, 1), "message"), "hi A");
    assert_string_equal(str(json_array_get(r.body, 1), "handle"), "rb");
    done(&r);

    /* a non-participant: same 404 as a missing conversation, for reading and writing */
    expect_error(call("GET", path, NULL, TC, NULL), 404, "not_found");
    expect_error(call("GET", "/api/messages/11111111-1111-4111-8111-111111111111", NULL, TA, NULL),
                 404, "not_found");
    expect_error(call("POST", "/api/messages", NULL, TC, body), 404, "not_found");

    /* paging: 3 more messages, limit 2 */
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "{\"message\":\"p%d\",\"message_group_uuid\":\"%s\"}", i,
                 group);
        r = call("POST", "/api/messages", NULL, TA, body);
        assert_int_equal(r.status, 200);
        done(&r);
    }
    r = call("GET", path, "limit=2", TA, NULL);
    assert_int_equal(json_array_size(r.body), 2);
    assert_string_equal(str(json_array_get(r.body, 0), "message"), "p1");
    assert_string_equal(str(json_array_get(r.body, 1), "message"), "p2");
    const char *cur = hdr(&r, "X-Next-Cursor");
    assert_non_null(cur);
    /* the cursor: the page's last (oldest) key as json_dumps(JSON_COMPACT | JSON_SORT_KEYS)
     * writes its DynamoDB JSON, base64url (written from the values since issue 13) */
    unsigned char *raw = NULL;
    size_t rn = 0;
    assert_int_equal(msgi_b64url_decode(cur, &raw, &rn), 0);
    char want_cur[256];
    snprintf(want_cur, sizeof want_cur, "{\"pk\":{\"S\":\"MSG#%s\"},\"sk\":{\"S\":\"%s\"}}", group,
             str(json_array_get(r.body, 0), "created_at"));
    assert_int_equal(rn, strlen(want_cur));
    assert_memory_equal(raw, want_cur, rn);
    free(raw);
    char q[512];
    snprintf(q, sizeof q, "limit=2&cursor=%s", cur);
    done(&r);
    reply r2 = call("GET", path, q, TA, NULL);
    assert_int_equal(r2.status, 200);
    assert_int_equal(json_array_size(r2.body), 2);
    assert_string_equal(str(json_array_get(r2.body, 0), "message"), "hi A");
    assert_string_equal(str(json_array_get(r2.body, 1), "message"), "p0");
    done(&r2);
    expect_error(call("GET", path, "limit=0", TA, NULL), 400, "bad_limit");
    expect_error(call("GET", path, "limit=abc", TA, NULL), 400, "bad_limit");
    expect_error(call("GET", path, "cursor=%%%", TA, NULL), 400, "bad_cursor");
    /* issue 9.1: a NUL in a query value is not cut short: "5%00junk" is not 5 */
    expect_error(call("GET", path, "limit=5%00junk", TA, NULL), 400, "bad_limit");
    expect_error(call("GET", path, "limit=2%00", TA, NULL), 400, "bad_limit");
    expect_error(call("GET", path, "cursor=abc%00def", TA, NULL), 400, "bad_cursor");
    /* names are form-decoded too, a hex digit in either case ("%6C%69mit" is limit) */
    expect_error(call("GET", path, "%6C%69mit=0", TA, NULL), 400, "bad_limit");
    expect_error(call("GET", path, "%6c%69mit=0", TA, NULL), 400, "bad_limit");
    /* the query is taken with its length: bytes after query_len are not part of it */
    msg_http_req req = {.method = "GET",
                        .path = path,
                        .query = "limit=2#limit=junk",
                        .query_len = 7,
                        .authorization = NULL};
    char auth[4096];
    snprintf(auth, sizeof auth, "Bearer %s", TA);
    req.authorization = auth;
    reply r3;
    msg_rest_handle(ENV.svc, &req, &r3.raw);
    assert_int_equal(r3.raw.status, 200);
    free(r3.raw.body);
}

static void test_validation(void **state)
{
    char big[1100];
    memset(big, 'x', 1025);
    big[1025] = 0;
    char body[1300];
    snprintf(body, sizeof body, "{\"message\":\"%s\",\"handle\":\"rb\"}", big);
    const struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"{\"message\":\"\",\"handle\":\"rb\"}", 400, "message_blank"},
        {"{\"message\":\"   \",\"handle\":\"rb\"}", 400, "message_blank"},
        {body, 400, "message_too_long"},
        {"{\"message\":\"hi\",\"handle\":\"nobody\"}", 404, "unknown_handle"},
        /* a string that cannot be a handle: its syntax is refused before any lookup */
        {"{\"message\":\"hi\",\"handle\":\"bad handle!\"}", 400, "invalid_handle"},
        {"{\"message\":\"hi\",\"handle\":\"\"}", 400, "invalid_handle"},
        {"{\"message\":\"hi\",\"handle\":\"a23456789012345678901234567890123\"}", 400,
         "invalid_handle"},
        {"{\"message\":\"hi\",\"handle\":\"ra\"}", 400, "self_message"},
        {"{\"message\":\"hi\"", 400, "malformed_json"},
        {"[1,2]", 400, "malformed_json"},
        {"", 400, "malformed_json"},
        {"{\"handle\":\"rb\"}", 400, "missing_field"},
        {"{\"message\":\"hi\"}", 400, "missing_field"},
        {"{\"message\":5,\"handle\":\"rb\"}", 400, "invalid_field"},
        {"{\"message\":\"hi\",\"handle\":\"rb\",\"message_group_uuid\":\"x\"}", 400,
         "invalid_field"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(call("POST", "/api/messages", NULL, TA, cases[i].body), cases[i].status,
                     cases[i].code);
    /* malformed_json says which of its three cases it is (before: "the body must be a JSON
     * object" for all three, also for invalid UTF-8 or a lone surrogate inside one) */
    const struct {
        const char *body, *words;
    } words[] = {
        {"", "the request body is empty: send a JSON object "
             "{\"message\", \"handle\" or \"message_group_uuid\"}"},
        {"{\"message\":\"hi\"", "not valid JSON: "},
        {"{\"message\":\"hi\"", "the body is not valid JSON: '}' expected near end of file at line 1 "
                              "column 15"},
        {"{\"message\":\"\\ud800\",\"handle\":\"rb\"}", "not valid JSON: invalid Unicode"},
        {"{\"message\":\"\xff\",\"handle\":\"rb\"}", "not valid JSON: unable to decode byte 0xff"},
        {"[1,2]", "the body must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        reply w = call("POST", "/api/messages", NULL, TA, words[i].body);
        assert_int_equal(w.status, 400);
        const char *m =
            json_string_value(json_object_get(json_object_get(w.body, "error"), "message"));
        if (!m || !strstr(m, words[i].words))
            fail_msg("body %zu: want '%s' in the message, got '%s'", i, words[i].words,
                     m ? m : "(none)");
        done(&w);
    }
    /* exactly 1024 multi-byte characters are fine */
    char ok[1024 * 2 + 64];
    size_t o = 0;
    o += (size_t)snprintf(ok, sizeof ok, "{\"message\":\"");
    for (int i = 0; i < 1024; i++) {
        memcpy(ok + o, "\xc3\xa9", 2);
        o += 2;
    }
    snprintf(ok + o, sizeof ok - o, "\",\"handle\":\"rb\"}");
    reply r = call("POST", "/api/messages", NULL, TA, ok);
    assert_int_equal(r.status, 200);
    done(&r);
}

static void test_cors(void **state)
{
    msg_http_req req = {
        .method = "OPTIONS", .path = "/api/messages", .origin = "http://localhost:3000"};
    msg_http_resp resp;
    msg_rest_handle(ENV.svc, &req, &resp);
    assert_int_equal(resp.status, 204);
    reply r = {.raw = resp};
    assert_string_equal(hdr(&r, "Access-Control-Allow-Origin"), "http://localhost:3000");
    assert_non_null(strstr(hdr(&r, "Access-Control-Allow-Headers"), "Authorization"));
    assert_non_null(strstr(hdr(&r, "Access-Control-Allow-Methods"), "POST"));
    free(resp.body);
    /* a foreign origin gets no CORS headers */
    req.origin = "http://evil.example";
    msg_rest_handle(ENV.svc, &req, &resp);
    r.raw = resp;
    assert_null(hdr(&r, "Access-Control-Allow-Origin"));
    free(resp.body);
    /* simple requests carry the allow-origin and expose the cursor header */
    msg_http_req get = {.method = "GET", .path = "/api/health", .origin = "http://localhost:3000"};
    msg_rest_handle(ENV.svc, &get, &resp);
    r.raw = resp;
    assert_string_equal(hdr(&r, "Access-Control-Allow-Origin"), "http://localhost:3000");
    assert_non_null(strstr(hdr(&r, "Access-Control-Expose-Headers"), "X-Next-Cursor"));
    free(resp.body);
    /* a 401 exposes its challenge too (a page on another origin can read why) */
    msg_http_req me = {.method = "GET", .path = "/api/me", .origin = "http://localhost:3000"};
    msg_rest_handle(ENV.svc, &me, &resp);
    r.raw = resp;
    assert_int_equal(resp.status, 401);
    assert_string_equal(hdr(&r, "WWW-Authenticate"), "Bearer realm=\"ddbchat\"");
    assert_non_null(strstr(hdr(&r, "Access-Control-Expose-Headers"), "WWW-Authenticate"));
    free(resp.body);
}

/* The messaging service over a backend without call_items (as the remote one): the listings
 * read call's tree, converted to values (msgi_call_items' fallback). */
typedef struct tree_backend {
    msg_backend base;
    msg_backend *inner;
} tree_backend;

static int tree_call(msg_backend *b, const char *op, json_t *req, json_t **out, err_t *e)
{
    msg_backend *in = ((tree_backend *)b)->inner;
    return in->ops->call(in, op, req, out, e);
}

static void tree_free(msg_backend *b)
{
    (void)b;
}

static const msg_backend_ops tree_ops = {.call = tree_call, .free = tree_free, .name = "embedded"};

/* The embedded backend with a commit between every two reads (version moves at each call, as
 * under a load of other writers) that counts the GetItems of one user row. */
typedef struct busy_backend {
    msg_backend base;
    msg_backend *inner;
    const char *pk; /* "USER#<uuid>" */
    int reads;
    uint64_t v;
} busy_backend;

static int busy_req_text(msg_backend *b, const char *op, const char *req, size_t len,
                         const struct api_sink *sink, json_t **out_err_extra, err_t *e)
{
    busy_backend *bb = (busy_backend *)b;
    if (strcmp(op, "GetItem") == 0 && memmem(req, len, bb->pk, strlen(bb->pk)))
        bb->reads++;
    return bb->inner->ops->call_req_text(bb->inner, op, req, len, sink, out_err_extra, e);
}

static int busy_items(msg_backend *b, const char *op, json_t *req, const struct api_sink *sink,
                      json_t **out_err_extra, err_t *e)
{
    msg_backend *in = ((busy_backend *)b)->inner;
    return in->ops->call_items(in, op, req, sink, out_err_extra, e);
}

static uint64_t busy_version(msg_backend *b)
{
    return ++((busy_backend *)b)->v;
}

static const msg_backend_ops busy_ops = {.call = tree_call,
                                         .free = tree_free,
                                         .name = "embedded",
                                         .call_items = busy_items,
                                         .call_req_text = busy_req_text,
                                         .version = busy_version};

/* A POST reads its sender's user row once: the token's check reads it, and the send takes that
 * user instead of reading the row again (perf23: the second read was a cache hit only while no
 * other commit landed between the two, a GetItem under any load of writers). */
static void test_post_reads_the_sender_once(void **state)
{
    (void)state;
    if (!ENV.backend->ops->call_req_text || !ENV.backend->ops->call_items) {
        skip(); /* the embedded backend's value calls, counted (MSG_TEST_ENDPOINT: none) */
        return;
    }
    char pk[64];
    snprintf(pk, sizeof pk, "USER#%s", B.uuid);
    busy_backend bb = {.base = {.ops = &busy_ops}, .inner = ENV.backend, .pk = pk};
    _Static_assert(offsetof(busy_backend, inner) == offsetof(tree_backend, inner),
                   "tree_call reads inner");
    msg_config c;
    msg_config_default(&c);
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    c.table = ENV.table;
    msg_service *svc = NULL;
    err_t e = {0};
    assert_int_equal(msg_service_new(&bb.base, &c, &svc, &e), 0);
    const char *body = "{\"message\":\"once\",\"handle\":\"rc\"}";
    char auth[4096];
    snprintf(auth, sizeof auth, "Bearer %s", TB);
    msg_http_req req = {.method = "POST", .path = "/api/messages", .body = body,
                        .body_len = strlen(body), .authorization = auth};
    msg_http_resp raw;
    msg_rest_handle(svc, &req, &raw);
    if (raw.status != 200)
        fail_msg("POST: %d %.*s", raw.status, (int)raw.body_len, raw.body);
    free(raw.body);
    assert_int_equal(bb.reads, 1);
    msg_service_free(svc);
}

/* One GET on service s: status, body bytes and X-Next-Cursor (copied into cur, "" when none). */
static char *get_raw(msg_service *s, const char *path, const char *query, const char *token,
                     int *status, size_t *len, char *cur, size_t curn)
{
    char auth[4096];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    msg_http_req req = {.method = "GET", .path = path, .query = query, .authorization = auth};
    reply r;
    msg_rest_handle(s, &req, &r.raw);
    *status = r.raw.status;
    *len = r.raw.body_len;
    const char *h = hdr(&r, "X-Next-Cursor");
    snprintf(cur, curn, "%s", h ? h : "");
    return r.raw.body;
}

/* The listings (message_groups, messages/<g>, with limits and each page's cursor) answer the
 * same bytes and X-Next-Cursor whether the service reads the engine's values (call_items) or
 * a backend's JSON tree (the remote backend's path); and one page is byte for byte the
 * json_dumps(JSON_COMPACT) of the objects the UI reads (the shape before values, issue 13). */
static void test_same_answers(void **state)
{
    (void)state;
    msg_config c;
    msg_config_default(&c);
    c.jwt_secret = SECRET;
    c.jwt_secret_len = sizeof SECRET - 1;
    c.table = ENV.table;
    tree_backend tb = {.base = {.ops = &tree_ops}, .inner = ENV.backend};
    msg_service *tree = NULL;
    err_t e = {0};
    assert_int_equal(msg_service_new(&tb.base, &c, &tree, &e), 0);

    /* texts that need escaping, and three conversations for C */
    const char *texts[] = {"plain", "quote \\\" back\\\\slash \\u00e9 \\u2028 \\ud83d\\ude00 \\t <b>&",
                           "x"};
    const char *who[] = {"ra", "rb", "ra"};
    char *tok[] = {TC, TC, TB};
    msg_message sent[3];
    for (int i = 0; i < 3; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"message\":\"%s\",\"handle\":\"%s\"}", texts[i], who[i]);
        reply r = call("POST", "/api/messages", NULL, tok[i], body);
        assert_int_equal(r.status, 200);
        msg_message *m = &sent[i];
        snprintf(m->uuid, sizeof m->uuid, "%s", str(r.body, "uuid"));
        snprintf(m->created_at, sizeof m->created_at, "%s", str(r.body, "created_at"));
        snprintf(m->message_group_uuid, sizeof m->message_group_uuid, "%s",
                 str(r.body, "message_group_uuid"));
        m->message = strdup(str(r.body, "message"));
        done(&r);
    }

    /* C's conversations, newest first: with B ("quote ..."), then with A ("plain"); C sent
     * both last messages, so C has read both (read_to at them, unread 0) */
    json_t *want = json_pack(
        "[{s:s,s:s,s:s,s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:s,s:s,s:s,s:i}]", "uuid",
        sent[1].message_group_uuid, "display_name", "Rest B", "handle", "rb", "message",
        sent[1].message, "created_at", sent[1].created_at, "read_to", sent[1].created_at,
        "unread", 0, "uuid", sent[0].message_group_uuid, "display_name", "Rest A", "handle",
        "ra", "message", sent[0].message, "created_at", sent[0].created_at, "read_to",
        sent[0].created_at, "unread", 0);
    char *want_text = json_dumps(want, JSON_COMPACT);
    json_decref(want);

    struct {
        const char *token;
        int group; /* -1: /api/message_groups, else sent[group]'s group */
        const char *query;
    } cases[] = {{TC, -1, NULL}, {TC, -1, "limit=1"}, {TA, -1, NULL}, {TB, -1, "limit=1"},
                 {TC, 1, NULL},  {TC, 1, "limit=1"},  {TB, 1, NULL},  {TA, 0, "limit=1"}};
    int pages = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[128], query[4300], cur_a[4200] = "", cur_b[4200];
        if (cases[k].group < 0)
            snprintf(path, sizeof path, "/api/message_groups");
        else
            snprintf(path, sizeof path, "/api/messages/%s",
                     sent[cases[k].group].message_group_uuid);
        snprintf(query, sizeof query, "%s", cases[k].query ? cases[k].query : "");
        for (int page = 0; page < 4; page++) {
            pages++;
            int st_a, st_b;
            size_t len_a, len_b;
            char *a = get_raw(ENV.svc, path, query, cases[k].token, &st_a, &len_a, cur_a,
                              sizeof cur_a);
            char *b = get_raw(tree, path, query, cases[k].token, &st_b, &len_b, cur_b,
                              sizeof cur_b);
            assert_int_equal(st_a, 200);
            assert_int_equal(st_b, 200);
            if (len_a != len_b || memcmp(a, b, len_a))
                fail_msg("%s?%s: values %.*s, tree %.*s", path, query, (int)len_a, a, (int)len_b,
                         b);
            assert_string_equal(cur_a, cur_b);
            if (k == 0 && page == 0) {
                assert_int_equal(len_a, strlen(want_text));
                assert_memory_equal(a, want_text, len_a);
            }
            free(a);
            free(b);
            if (!cur_a[0])
                break;
            snprintf(query, sizeof query, "limit=1&cursor=%s", cur_a);
        }
    }
    assert_true(pages >= 10); /* the limit=1 cases paged on */
    free(want_text);
    for (int i = 0; i < 3; i++)
        free(sent[i].message);
    msg_service_free(tree);
}

/* Without the table: 503 no_table, with a hint, not a 500, on /api/health too (runs last:
 * drops the table). */
static void test_no_table(void **state)
{
    err_t e = {0};
    assert_int_equal(msg_schema_drop(ENV.svc, &e), 0);
    expect_error(call("GET", "/api/message_groups", NULL, TA, NULL), 503, "no_table");
    /* health says so too, with the 503 a load balancer needs (it said 200 success:true) */
    expect_error(call("GET", "/api/health", NULL, NULL, NULL), 503, "no_table");
    assert_int_equal(msg_schema_load(ENV.svc, &e), 0);
    reply r = call("GET", "/api/health", NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_routes),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_conversation),
        cmocka_unit_test(test_post_answer_text),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_same_answers),
        cmocka_unit_test(test_post_reads_the_sender_once),
        cmocka_unit_test(test_no_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
