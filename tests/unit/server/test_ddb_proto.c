/*
 * test_ddb_proto — the DynamoDB protocol layer without sockets: health check, auth
 * (DynamoDB Local mode and SigV4 mode), routing, the error reply writer (types, namespaces,
 * merged extra fields), CRC32, request ids, the 16 MB flag and table namespaces, over a real
 * store in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "base/mem.h"
#include "server/ddb_proto.h"

#define DUMMY_AUTH                                                                                 \
    "AWS4-HMAC-SHA256 Credential=%s/20260101/%s/dynamodb/aws4_request, SignedHeaders=host, "       \
    "Signature=0000000000000000000000000000000000000000000000000000000000000000"

typedef struct fixture {
    char dir[64];
    store_t *store;
    api_t *api;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_ddb_protoXXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    store_opts so;
    store_opts_default(&so);
    so.durable = false;
    so.ttl_thread = false;
    err_t e = {0};
    if (store_open(f->dir, &so, &f->store, &e) || api_new(f->store, NULL, &f->api, &e)) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    api_free(f->api);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* One request through ddb_proto_handle; returns the parsed body (NULL for non-JSON). */
static json_t *call(const ddb_proto *p, const char *method, const char *target, const char *auth,
                    const char *body, bool too_large, ddb_proto_resp *resp)
{
    sigv4_header h[4];
    size_t n = 0;
    h[n++] = (sigv4_header){"Host", "127.0.0.1:8000"};
    h[n++] = (sigv4_header){"Content-Type", "application/x-amz-json-1.0"};
    if (target)
        h[n++] = (sigv4_header){"X-Amz-Target", target};
    if (auth)
        h[n++] = (sigv4_header){"Authorization", auth};
    ddb_proto_req req = {.method = method,
                         .path = "/",
                         .headers = h,
                         .n_headers = n,
                         .body = body,
                         .body_len = body ? strlen(body) : 0,
                         .too_large = too_large,
                         .now = (long long)time(NULL)};
    ddb_proto_handle(p, &req, resp);
    /* every reply: CRC32 of the body, AWS's 52-character request id */
    assert_int_equal(resp->crc32,
                     (uint32_t)crc32(0L, (const Bytef *)resp->body, (uInt)resp->body_len));
    assert_int_equal(strlen(resp->request_id), 52);
    return json_loadb(resp->body, resp->body_len, 0, NULL);
}

static char *auth_for(const char *key, const char *region)
{
    static __thread char buf[512];
    snprintf(buf, sizeof buf, DUMMY_AUTH, key, region);
    return buf;
}

static void assert_error(json_t *doc, const char *full_type, const char *msg)
{
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "__type")), full_type);
    if (msg) {
        /* "Message" (a SerializationException, a cancel, a condition failure with its Item)
         * or "message" */
        json_t *m = json_object_get(doc, "message");
        assert_string_equal(json_string_value(m ? m : json_object_get(doc, "Message")), msg);
    }
}

static void test_health(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api};
    ddb_proto_resp r;
    json_t *doc = call(&p, "GET", NULL, NULL, NULL, false, &r);
    assert_null(doc);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, strlen("healthy: dynamodb.us-east-1.amazonaws.com "));
    assert_memory_equal(r.body, "healthy: dynamodb.us-east-1.amazonaws.com ", r.body_len);
    ddb_proto_resp_fini(&r);
}

/* The request ids' characters (x-amzn-RequestId): every one of the 52 places takes many of
 * the 36 characters, and neighbouring pairs differ as independent draws would (they are
 * equal about once in 1,296): a generator that ran out of bits (a place stuck on one
 * character) or kept the same pair (v not advanced) fails. */
static void test_request_id_characters(void **state)
{
    (void)state;
    enum { N = 600 };
    uint64_t seen[DDB_PROTO_REQUEST_ID_LEN] = {0};
    int same_pairs = 0;
    for (int i = 0; i < N; i++) {
        ddb_proto_resp r;
        ddb_proto_not_found(&r);
        assert_int_equal(strlen(r.request_id), DDB_PROTO_REQUEST_ID_LEN);
        for (int k = 0; k < DDB_PROTO_REQUEST_ID_LEN; k++) {
            char c = r.request_id[k];
            assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
            seen[k] |= 1ULL << (c <= '9' ? c - '0' : c - 'A' + 10);
        }
        for (int k = 0; k + 4 <= DDB_PROTO_REQUEST_ID_LEN; k += 2)
            same_pairs += memcmp(r.request_id + k, r.request_id + k + 2, 2) == 0;
        ddb_proto_resp_fini(&r);
    }
    for (int k = 0; k < DDB_PROTO_REQUEST_ID_LEN; k++)
        assert_true(__builtin_popcountll(seen[k]) >= 30); /* expected ~36 */
    assert_true(same_pairs < 60); /* expected 600 * 25 / 1296 ~ 12 */
}

static void test_routing_and_bodies(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api};
    const char *a = auth_for("x", "us-east-1");
    static const struct {
        const char *name, *target, *auth, *body;
        bool too_large;
        int status;
        const char *type, *msg;
    } cases[] = {
        {"list tables", "DynamoDB_20120810.ListTables", "a", "{}", false, 200, NULL, NULL},
        {"no body", "DynamoDB_20120810.ListTables", "a", NULL, false, 400,
         "com.amazon.coral.service#SerializationException", NULL},
        {"no auth", "DynamoDB_20120810.ListTables", NULL, "{}", false, 400,
         "com.amazon.coral.service#MissingAuthenticationTokenException",
         "Request is missing Authentication Token"},
        /* AWS reads the body, then the target, then the signature */
        {"no auth, not JSON, no target", NULL, NULL, "hi", false, 400,
         "com.amazon.coral.service#SerializationException", NULL},
        {"no auth, not JSON", "DynamoDB_20120810.ListTables", NULL, "{", false, 400,
         "com.amazon.coral.service#SerializationException", NULL},
        {"no auth, unknown op", "DynamoDB_20120810.ListTable", NULL, "{}", false, 400,
         "com.amazon.coral.service#UnknownOperationException", NULL},
        {"unknown op", "DynamoDB_20120810.Nope", "a", "{}", false, 400,
         "com.amazon.coral.service#UnknownOperationException", NULL},
        {"no target", NULL, "a", "{}", false, 400,
         "com.amazon.coral.service#UnknownOperationException", NULL},
        {"other prefix", "DynamoDB_20111205.ListTables", "a", "{}", false, 400,
         "com.amazon.coral.service#UnknownOperationException", NULL},
        {"malformed", "DynamoDB_20120810.ListTables", "a", "{", false, 400,
         "com.amazon.coral.service#SerializationException", NULL},
        {"array", "DynamoDB_20120810.ListTables", "a", "[1]", false, 400,
         "com.amazon.coral.service#SerializationException",
         "Start of list found where not expected"},
        {"too large", "DynamoDB_20120810.PutItem", "a", "", true, 413,
         "com.amazonaws.dynamodb.v20120810#RequestEntityTooLarge", NULL},
        {"validation namespace", "DynamoDB_20120810.DescribeTable", "a", "{\"TableName\":\"x\"}",
         false, 400, "com.amazon.coral.validate#ValidationException", NULL},
        {"not found", "DynamoDB_20120810.DescribeTable", "a", "{\"TableName\":\"nothere\"}", false,
         400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", NULL},
    };
    char last_id[DDB_PROTO_REQUEST_ID_LEN + 1] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_proto_resp r;
        json_t *doc = call(&p, "POST", cases[i].target, cases[i].auth ? a : NULL, cases[i].body,
                           cases[i].too_large, &r);
        if (r.status != cases[i].status)
            fail_msg("%s: status %d (%.*s)", cases[i].name, r.status, (int)r.body_len, r.body);
        if (cases[i].type)
            assert_error(doc, cases[i].type, cases[i].msg);
        else
            assert_non_null(json_object_get(doc, "TableNames"));
        assert_string_equal(r.content_type, "application/x-amz-json-1.0");
        assert_string_not_equal(r.request_id, last_id);
        memcpy(last_id, r.request_id, sizeof last_id);
        json_decref(doc);
        ddb_proto_resp_fini(&r);
    }
}

static void test_access_log_fields(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api};
    ddb_proto_resp r;
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.DescribeTable", auth_for("x", "r"),
                       "{\"TableName\":\"nothere\"}", false, &r);
    assert_string_equal(r.op, "DescribeTable");
    assert_string_equal(r.table, "nothere");
    assert_string_equal(r.error_type, "ResourceNotFoundException");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* control characters and spaces cannot forge log lines or columns */
    doc = call(&p, "POST", "DynamoDB_20120810.DescribeTable", auth_for("x", "r"),
               "{\"TableName\":\"a b\\nc\"}", false, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.table, "a?b?c");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* past the first 8 bytes too (the copy checks 8 at a time), DEL, a space, HTAB; an
     * operation's name the same way; a name longer than the field cut at its size */
    doc = call(&p, "POST", "DynamoDB_20120810.Describe Table\x7f", auth_for("x", "r"), "{}",
               false, &r);
    assert_string_equal(r.op, "Describe?Table?");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    static const char *const names[][2] = {
        {"abcdefghijk\\tmnopqrs\\u007fuvwxyz0123 56789", "abcdefghijk?mnopqrs?uvwxyz0123?56789"},
        {"abcdefghijklmnopqrstuvw yz", "abcdefghijklmnopqrstuvw?yz"}, /* the first in word 3 */
        {"abcdefgh\\u007fjklmnopq", "abcdefgh?jklmnopq"},             /* DEL alone in word 2 */
        {"abcdefgh\\u0001jklmnopq", "abcdefgh?jklmnopq"},
        {"abcdefgh\\u00e9jklmnopq!", "abcdefgh\u00e9jklmnopq!"}, /* UTF-8 kept */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char b[200];
        snprintf(b, sizeof b, "{\"TableName\":\"%s\"}", names[i][0]);
        doc = call(&p, "POST", "DynamoDB_20120810.DescribeTable", auth_for("x", "r"), b, false,
                   &r);
        assert_string_equal(r.table, names[i][1]);
        json_decref(doc);
        ddb_proto_resp_fini(&r);
    }
    char body[400];
    snprintf(body, sizeof body, "{\"TableName\":\"%0300d\"}", 7);
    doc = call(&p, "POST", "DynamoDB_20120810.DescribeTable", auth_for("x", "r"), body, false,
               &r);
    assert_int_equal(strlen(r.table), sizeof r.table - 1);
    assert_int_equal(strspn(r.table, "0"), sizeof r.table - 1);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

static const char *CREATE =
    "{\"TableName\":\"nst\",\"BillingMode\":\"PAY_PER_REQUEST\","
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}";

static size_t count_tables(const ddb_proto *p, const char *key, const char *region)
{
    ddb_proto_resp r;
    json_t *doc =
        call(p, "POST", "DynamoDB_20120810.ListTables", auth_for(key, region), "{}", false, &r);
    assert_int_equal(r.status, 200);
    size_t n = json_array_size(json_object_get(doc, "TableNames"));
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    return n;
}

static void test_namespaces(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .namespace_tables = true};
    ddb_proto_resp r;
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.CreateTable", auth_for("keyA", "us-east-1"),
                       CREATE, false, &r);
    assert_int_equal(r.status, 200);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    assert_int_equal(count_tables(&p, "keyA", "us-east-1"), 1);
    assert_int_equal(count_tables(&p, "keyB", "us-east-1"), 0);
    assert_int_equal(count_tables(&p, "keyA", "eu-west-1"), 0);
    /* without namespaces the shared namespace does not see keyA's table */
    ddb_proto shared = {.api = f->api};
    assert_int_equal(count_tables(&shared, "keyA", "us-east-1"), 0);
}

static void test_extra_error_fields_merged(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api};
    const char *a = auth_for("x", "us-east-1");
    ddb_proto_resp r;
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.CreateTable", a,
                       "{\"TableName\":\"ccf\",\"BillingMode\":\"PAY_PER_REQUEST\","
                       "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":"
                       "\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}",
                       false, &r);
    assert_int_equal(r.status, 200);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call(&p, "POST", "DynamoDB_20120810.PutItem", a,
               "{\"TableName\":\"ccf\",\"Item\":{\"pk\":{\"S\":\"k\"},\"v\":{\"N\":\"1\"}}}", false,
               &r);
    assert_int_equal(r.status, 200);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call(&p, "POST", "DynamoDB_20120810.PutItem", a,
               "{\"TableName\":\"ccf\",\"Item\":{\"pk\":{\"S\":\"k\"}},"
               "\"ConditionExpression\":\"attribute_not_exists(pk)\","
               "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
               false, &r);
    assert_int_equal(r.status, 400);
    assert_error(doc, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", NULL);
    json_t *item = json_object_get(doc, "Item");
    assert_non_null(item);
    assert_string_equal(json_string_value(json_object_get(json_object_get(item, "v"), "N")), "1");
    /* the Item is written as text after __type and Message (api_err_open, mem13), the bytes
     * json_dumps gave the tree it once was, the CRC of what is sent; with an Item the text is
     * under "Message", as AWS (test_protocol test_message_key_of_cancel_and_condition_item_errors) */
    static const char want[] =
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
        "\"Message\":\"The conditional request failed\",\"Item\":{\"pk\":{\"S\":\"k\"},"
        "\"v\":{\"N\":\"1\"}}}";
    assert_int_equal(r.body_len, sizeof want - 1);
    assert_memory_equal(r.body, want, sizeof want - 1);
    assert_int_equal(r.crc32, (uint32_t)crc32(0L, (const Bytef *)want, sizeof want - 1));
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

static void test_sigv4_mode(void **state)
{
    fixture *f = *state;
    sigv4_creds *c;
    err_t e = {0};
    assert_int_equal(sigv4_creds_new(&c, &e), 0);
    assert_int_equal(sigv4_creds_add(c, "AKID", "secret", &e), 0);
    ddb_proto p = {.api = f->api, .creds = c};
    ddb_proto_resp r;
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.ListTables", NULL, "{}", false, &r);
    assert_int_equal(r.status, 400);
    assert_error(doc, "com.amazon.coral.service#MissingAuthenticationTokenException",
                 "Request is missing Authentication Token");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* unknown key (the request has no X-Amz-Date: the date check comes first) */
    doc = call(&p, "POST", "DynamoDB_20120810.ListTables", auth_for("AKID", "us-east-1"), "{}",
               false, &r);
    assert_int_equal(r.status, 400);
    assert_error(doc, "com.amazon.coral.service#IncompleteSignatureException", NULL);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    sigv4_creds_free(c);
}

/* The reply writer is byte-for-byte json_dumps(JSON_COMPACT): escapes, control bytes, NUL,
 * non-ASCII, DEL, nesting, numbers, booleans, lists, empty containers, reals (DescribeTable). */
static void test_reply_bytes_equal_json_dumps(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .region = "us-east-1"};
    ddb_proto_resp r;
    const char *auth = auth_for("AKID", "us-east-1");
    json_t *d = call(&p, "POST", "DynamoDB_20120810.CreateTable", auth,
                     "{\"TableName\":\"wdump\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                     "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
                     "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
                     false, &r);
    assert_int_equal(r.status, 200);
    json_decref(d);
    ddb_proto_resp_fini(&r);
    const char *put =
        "{\"TableName\":\"wdump\",\"Item\":{\"pk\":{\"S\":\"k\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f"
        "\\u0000\\u007f\u00e9\u20ac\\ud83d\\ude00 end\"},\"n\":{\"N\":\"-12.50\"},"
        "\"b\":{\"B\":\"AAEC\"},\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
        "\"l\":{\"L\":[{\"S\":\"\"},{\"M\":{}},{\"L\":[]},{\"NS\":[\"1\",\"2\"]}]},"
        "\"m\":{\"M\":{\"k\\u0002\":{\"SS\":[\"a\",\"b\"]},\"\u00fc\":{\"BS\":[\"AQ==\"]}}}},"
        "\"ReturnValues\":\"NONE\"}";
    d = call(&p, "POST", "DynamoDB_20120810.PutItem", auth, put, false, &r);
    assert_int_equal(r.status, 200);
    json_decref(d);
    ddb_proto_resp_fini(&r);
    const char *reqs[][2] = {
        {"DynamoDB_20120810.GetItem",
         "{\"TableName\":\"wdump\",\"Key\":{\"pk\":{\"S\":\"k\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f"
         "\\u0000\\u007f\u00e9\u20ac\\ud83d\\ude00 end\"}}}"},
        {"DynamoDB_20120810.Scan", "{\"TableName\":\"wdump\"}"},
        {"DynamoDB_20120810.DescribeTable", "{\"TableName\":\"wdump\"}"},
        {"DynamoDB_20120810.ListTables", "{}"},
    };
    char *ids[4];
    for (size_t i = 0; i < 4; i++) {
        json_decref(call(&p, "POST", reqs[i][0], auth, reqs[i][1], false, &r));
        assert_int_equal(r.status, 200);
        d = json_loadb(r.body, r.body_len, JSON_ALLOW_NUL, NULL);
        assert_non_null(d);
        char *want = json_dumps(d, JSON_COMPACT);
        assert_non_null(want);
        assert_int_equal(r.body_len, strlen(want));
        assert_memory_equal(r.body, want, r.body_len);
        if (i == 0) /* the item really came back, NUL and all */
            assert_non_null(strstr(want, "\\u0000\x7f\u00e9"));
        free(want);
        json_decref(d);
        /* request ids: AWS's look, 52 characters of [0-9A-Z], distinct */
        assert_int_equal(strlen(r.request_id), 52);
        for (int k = 0; k < 52; k++) {
            char c = r.request_id[k];
            assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
        }
        ids[i] = strdup(r.request_id);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(ids[k], ids[i]);
        ddb_proto_resp_fini(&r);
    }
    for (size_t i = 0; i < 4; i++)
        free(ids[i]);
}

/* ddb_proto_handle_later (issue 13.3 design (a)): a PutItem (UpdateItem, DeleteItem) is
 * parsed and checked at once,
 * then suspend is called and the write queued; done comes once, from the store's thread,
 * with the reply built after the write (Attributes of the old item, ConsumedCapacity) or
 * with the write's own error (a failed condition).  A request that fails its checks, and any
 * other operation, is answered at once without suspend. */
typedef struct later_rec {
    _Atomic int suspends, dones;
    int order_bad; /* done before suspend */
    pthread_t caller;
    int done_inline; /* done on the caller's thread */
} later_rec;

static void rec_suspend(void *ctx)
{
    later_rec *l = ctx;
    atomic_fetch_add(&l->suspends, 1);
}

static void rec_done(void *ctx)
{
    later_rec *l = ctx;
    if (atomic_load(&l->suspends) != 1)
        l->order_bad = 1;
    if (pthread_equal(pthread_self(), l->caller))
        l->done_inline = 1;
    atomic_fetch_add(&l->dones, 1);
}

/* One request through ddb_proto_handle_later under access key `key`; waits for done when
 * answered later. */
static json_t *call_later_k(const ddb_proto *p, const char *key, const char *target,
                            const char *body, ddb_proto_resp *resp, bool *later)
{
    sigv4_header h[4] = {{"Host", "127.0.0.1:8000"},
                         {"Content-Type", "application/x-amz-json-1.0"},
                         {"X-Amz-Target", target},
                         {"Authorization", auth_for(key, "us-east-1")}};
    ddb_proto_req req = {.method = "POST",
                         .path = "/",
                         .headers = h,
                         .n_headers = 4,
                         .body = body,
                         .body_len = strlen(body),
                         .now = (long long)time(NULL)};
    later_rec l = {.caller = pthread_self()};
    ddb_proto_later dl = {rec_suspend, rec_done, &l};
    *later = ddb_proto_handle_later(p, &req, resp, &dl);
    if (*later) {
        for (int i = 0; i < 5000 && !atomic_load(&l.dones); i++)
            usleep(1000);
        assert_int_equal(atomic_load(&l.dones), 1);
        assert_int_equal(atomic_load(&l.suspends), 1);
        assert_int_equal(l.order_bad, 0);
        assert_int_equal(l.done_inline, 0);
    } else {
        assert_int_equal(atomic_load(&l.suspends), 0);
        assert_int_equal(atomic_load(&l.dones), 0);
    }
    assert_int_equal(resp->crc32,
                     (uint32_t)crc32(0L, (const Bytef *)resp->body, (uInt)resp->body_len));
    return json_loadb(resp->body, resp->body_len, 0, NULL);
}

static json_t *call_later(const ddb_proto *p, const char *target, const char *body,
                          ddb_proto_resp *resp, bool *later)
{
    return call_later_k(p, "keyL", target, body, resp, later);
}

static void test_put_answered_later(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .namespace_tables = true};
    ddb_proto_resp r;
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.CreateTable", auth_for("keyL", "us-east-1"),
                       CREATE, false, &r);
    assert_int_equal(r.status, 200);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    bool later;
    const char *put = "{\"TableName\":\"nst\",\"Item\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"%d\"}},"
                      "\"ReturnValues\":\"ALL_OLD\",\"ReturnConsumedCapacity\":\"TOTAL\"}";
    char body[256];
    snprintf(body, sizeof body, put, 1);
    doc = call_later(&p, "DynamoDB_20120810.PutItem", body, &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.op, "PutItem");
    assert_null(json_object_get(doc, "Attributes"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "ConsumedCapacity"), "TableName")),
        "nst");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    snprintf(body, sizeof body, put, 2);
    doc = call_later(&p, "DynamoDB_20120810.PutItem", body, &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 200);
    json_t *old = json_object_get(json_object_get(doc, "Attributes"), "v");
    assert_string_equal(json_string_value(json_object_get(old, "N")), "1");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* the write's own error comes through done */
    doc = call_later(&p, "DynamoDB_20120810.PutItem",
                     "{\"TableName\":\"nst\",\"Item\":{\"pk\":{\"S\":\"a\"}},"
                     "\"ConditionExpression\":\"attribute_not_exists(pk)\"}",
                     &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 400);
    assert_error(doc, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                 "The conditional request failed");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* UpdateItem and DeleteItem the same way: their replies built after the write */
    doc = call_later(&p, "DynamoDB_20120810.UpdateItem",
                     "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"a\"}},"
                     "\"UpdateExpression\":\"ADD v :one\",\"ExpressionAttributeValues\":"
                     "{\":one\":{\"N\":\"1\"}},\"ReturnValues\":\"UPDATED_NEW\"}",
                     &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(doc, "Attributes"), "v"), "N")),
                        "3");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call_later(&p, "DynamoDB_20120810.DeleteItem",
                     "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"b\"}},"
                     "\"ReturnValues\":\"ALL_OLD\"}",
                     &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 200);
    assert_null(json_object_get(doc, "Attributes")); /* there was no item b */
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* BatchWriteItem too: its ConsumedCapacity built after the writes; a request with a
     * duplicate key is refused at once */
    doc =
        call_later(&p, "DynamoDB_20120810.BatchWriteItem",
                   "{\"RequestItems\":{\"nst\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"c\"}}}},"
                   "{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"d\"}}}}]},"
                   "\"ReturnConsumedCapacity\":\"TOTAL\"}",
                   &r, &later);
    assert_true(later);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_size(json_object_get(doc, "UnprocessedItems")), 0);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(doc, "ConsumedCapacity"), 0), "TableName")),
        "nst");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc =
        call_later(&p, "DynamoDB_20120810.BatchWriteItem",
                   "{\"RequestItems\":{\"nst\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"c\"}}}},"
                   "{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"c\"}}}}]}}",
                   &r, &later);
    assert_false(later);
    assert_int_equal(r.status, 400);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call_later(&p, "DynamoDB_20120810.GetItem",
                     "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"c\"}}}", &r, &later);
    assert_false(later);
    assert_non_null(json_object_get(doc, "Item"));
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    /* answered at once: a request that fails its checks, another operation */
    doc = call_later(&p, "DynamoDB_20120810.PutItem", "{\"TableName\":\"nst\"}", &r, &later);
    assert_false(later);
    assert_int_equal(r.status, 400);
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call_later(&p, "DynamoDB_20120810.GetItem",
                     "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"a\"}}}", &r, &later);
    assert_false(later);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(doc, "Item"), "v"), "N")),
        "3");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

/* The allocation failure counter is per thread (base/mem.h): a request answered later began on
 * the calling thread and ends on the store's, so neither thread's count alone says whether it
 * failed.  An allocation failure counted on the calling thread before the request (another
 * request's, e.g. a huge GetItem refused with "out of memory") must not turn this write's
 * answer into a 500 after it committed (clients retry a 500: an ADD applied again).  Before
 * (review8 1): every later write from that thread was answered 500 and applied. */
static void test_later_answer_ignores_earlier_failures(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .namespace_tables = true};
    ddb_proto_resp r;
    json_decref(call(&p, "POST", "DynamoDB_20120810.CreateTable", auth_for("keyM", "us-east-1"),
                     CREATE, false, &r));
    assert_int_equal(r.status, 200);
    ddb_proto_resp_fini(&r);
    mem_note_failure(); /* an earlier request's, on this thread */
    static const struct {
        const char *target, *body;
    } reqs[] = {
        {"DynamoDB_20120810.UpdateItem",
         "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"m\"}},\"UpdateExpression\":\"ADD v :one\","
         "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},\"ReturnValues\":\"UPDATED_NEW\"}"},
        {"DynamoDB_20120810.PutItem",
         "{\"TableName\":\"nst\",\"Item\":{\"pk\":{\"S\":\"p\"}}}"},
        {"DynamoDB_20120810.BatchWriteItem",
         "{\"RequestItems\":{\"nst\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"b\"}}}}]}}"},
        {"DynamoDB_20120810.TransactWriteItems",
         "{\"TransactItems\":[{\"Update\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"m\"}},"
         "\"UpdateExpression\":\"ADD v :one\",\"ExpressionAttributeValues\":"
         "{\":one\":{\"N\":\"1\"}}}}]}"},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        bool later;
        json_t *doc = call_later_k(&p, "keyM", reqs[i].target, reqs[i].body, &r, &later);
        assert_true(later);
        assert_int_equal(r.status, 200);
        json_decref(doc);
        ddb_proto_resp_fini(&r);
    }
    /* each ADD applied once */
    json_t *doc = call(&p, "POST", "DynamoDB_20120810.GetItem", auth_for("keyM", "us-east-1"),
                       "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"m\"}}}", false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(doc, "Item"), "v"), "N")),
        "2");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

/* TransactWriteItems answered later (issue 13.3 design (a)): a transaction that reaches the
 * store is parsed and checked at once, suspended and queued (store_write_atomic_later); done
 * comes once, from the store's thread, with the reply or the cancellation (reasons, the old
 * item of ReturnValuesOnConditionCheckFailure) built after the writes.  Every reply is the
 * same bytes as the same request's through ddb_proto_handle (on a second namespace's table
 * of the same name, in the same state).  A token's replay and mismatch, and a request that
 * fails its checks, are answered at once.  Before: TransactWriteItems was always answered at
 * once (a pool thread waited for its commit). */
static void twi_both(const ddb_proto *p, const char *body, bool want_later, int status,
                     json_t **out_doc)
{
    ddb_proto_resp rl, rn;
    bool later;
    json_t *doc = call_later_k(p, "keyT", "DynamoDB_20120810.TransactWriteItems", body, &rl,
                               &later);
    assert_int_equal(later, want_later);
    assert_int_equal(rl.status, status);
    assert_string_equal(rl.op, "TransactWriteItems");
    /* the same token in the other namespace is another request (as in another AWS account):
     * the first call there too, not a replay of this one */
    json_decref(call(p, "POST", "DynamoDB_20120810.TransactWriteItems",
                     auth_for("keyU", "us-east-1"), body, false, &rn));
    assert_int_equal(rn.status, status);
    assert_int_equal(rl.body_len, rn.body_len);
    assert_memory_equal(rl.body, rn.body, rl.body_len);
    ddb_proto_resp_fini(&rl);
    ddb_proto_resp_fini(&rn);
    *out_doc = doc;
}

static void test_transact_answered_later(void **state)
{
    fixture *f = *state;
    ddb_proto p = {.api = f->api, .namespace_tables = true};
    ddb_proto_resp r;
    const char *keys[] = {"keyT", "keyU"};
    for (int i = 0; i < 2; i++) {
        json_decref(call(&p, "POST", "DynamoDB_20120810.CreateTable",
                         auth_for(keys[i], "us-east-1"), CREATE, false, &r));
        assert_int_equal(r.status, 200);
        ddb_proto_resp_fini(&r);
    }
    json_t *doc;
    /* a Put, an Update and a Delete with ConsumedCapacity */
    const char *ok =
        "{\"TransactItems\":[{\"Put\":{\"TableName\":\"nst\",\"Item\":{\"pk\":{\"S\":\"t1\"},"
        "\"v\":{\"N\":\"1\"}}}},{\"Update\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t2\"}},"
        "\"UpdateExpression\":\"ADD v :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}},"
        "{\"Delete\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t3\"}}}}],"
        "\"ReturnConsumedCapacity\":\"TOTAL\"}";
    twi_both(&p, ok, true, 200, &doc);
    json_t *cc = json_array_get(json_object_get(doc, "ConsumedCapacity"), 0);
    assert_string_equal(json_string_value(json_object_get(cc, "TableName")), "nst");
    assert_true(json_number_value(json_object_get(cc, "CapacityUnits")) == 6.0);
    json_decref(doc);
    /* cancelled: the failed check's reason with the old item, None for the other */
    const char *no =
        "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":"
        "\"t1\"}},\"ConditionExpression\":\"attribute_not_exists(pk)\","
        "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}},{\"Put\":{\"TableName\":\"nst\","
        "\"Item\":{\"pk\":{\"S\":\"t4\"}}}}]}";
    twi_both(&p, no, true, 400, &doc);
    assert_error(doc, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                 "Transaction cancelled, please refer cancellation reasons for specific reasons "
                 "[ConditionalCheckFailed, None]");
    json_t *rs = json_object_get(doc, "CancellationReasons");
    assert_int_equal(json_array_size(rs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 0), "Code")),
                        "ConditionalCheckFailed");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(json_array_get(rs, 0), "Item"), "v"), "N")),
        "1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "Code")),
                        "None");
    json_decref(doc);
    /* a token: the first call answered later, its replay and a mismatch at once */
    const char *tok =
        "{\"TransactItems\":[{\"Update\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t2\"}},"
        "\"UpdateExpression\":\"ADD v :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":"
        "\"%d\"}}}}],\"ClientRequestToken\":\"tok-1\",\"ReturnConsumedCapacity\":\"TOTAL\"}";
    char body[512];
    snprintf(body, sizeof body, tok, 1);
    twi_both(&p, body, true, 200, &doc);
    json_decref(doc);
    twi_both(&p, body, false, 200, &doc); /* the replay: read units, nothing applied */
    cc = json_array_get(json_object_get(doc, "ConsumedCapacity"), 0);
    assert_true(json_number_value(json_object_get(cc, "ReadCapacityUnits")) == 2.0);
    json_decref(doc);
    snprintf(body, sizeof body, tok, 5);
    twi_both(&p, body, false, 400, &doc);
    assert_error(doc, "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                 NULL);
    json_decref(doc);
    /* refused before the store: two actions on one item */
    twi_both(&p,
             "{\"TransactItems\":[{\"Delete\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":"
             "\"t1\"}}}},{\"Delete\":{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t1\"}}}}]}",
             false, 400, &doc);
    json_decref(doc);
    /* what the later calls wrote: t2 updated twice (the replay applied nothing), no t4 */
    bool later;
    doc = call_later_k(&p, "keyT", "DynamoDB_20120810.GetItem",
                       "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t2\"}}}", &r, &later);
    assert_false(later);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(doc, "Item"), "v"), "N")),
        "2");
    json_decref(doc);
    ddb_proto_resp_fini(&r);
    doc = call_later_k(&p, "keyT", "DynamoDB_20120810.GetItem",
                       "{\"TableName\":\"nst\",\"Key\":{\"pk\":{\"S\":\"t4\"}}}", &r, &later);
    assert_null(json_object_get(doc, "Item"));
    json_decref(doc);
    ddb_proto_resp_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_request_id_characters),
        cmocka_unit_test(test_routing_and_bodies),
        cmocka_unit_test(test_access_log_fields),
        cmocka_unit_test(test_namespaces),
        cmocka_unit_test(test_extra_error_fields_merged),
        cmocka_unit_test(test_sigv4_mode),
        cmocka_unit_test(test_reply_bytes_equal_json_dumps),
        cmocka_unit_test(test_put_answered_later),
        cmocka_unit_test(test_transact_answered_later),
        cmocka_unit_test(test_later_answer_ignores_earlier_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
