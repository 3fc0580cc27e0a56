/*
 * fuzz_api — the request validation of every DynamoDB operation, end to end without
 * sockets: ddb_proto_handle (JSON parsing, dispatch, api_call on an embedded store in a
 * temporary directory, the reply writer).
 *
 * Input: one byte choosing the operation (every operation api_has_operation knows, plus an
 * unknown one), then the JSON body.  The store starts with four tables (hash S; hash S +
 * range N with a GSI and an LSI; hash N + range B; hash S with two vector indexes, one with a
 * SearchSchema) holding a few items, and is made afresh
 * every FZ_API_RESET inputs so what earlier inputs wrote cannot grow without bound.  Every
 * answer must be 200 or 4xx with a JSON body carrying __type (a 500 is a finding), and must
 * carry a body CRC equal to its body's.
 */
#include <jansson.h>
#include <time.h>
#include <zlib.h>

#include "base/log.h"
#include "fuzz_common.h"
#include "server/ddb_proto.h"
#include "store/store.h"

#define FZ_API_RESET 2000

static const char *const OPS[] = {"BatchGetItem",
                                  "BatchWriteItem",
                                  "CreateTable",
                                  "DeleteItem",
                                  "DeleteTable",
                                  "DescribeEndpoints",
                                  "DescribeLimits",
                                  "DescribeTable",
                                  "DescribeTimeToLive",
                                  "GetItem",
                                  "ListTables",
                                  "ListTagsOfResource",
                                  "PutItem",
                                  "Query",
                                  "Scan",
                                  "TagResource",
                                  "TransactGetItems",
                                  "TransactWriteItems",
                                  "UntagResource",
                                  "UpdateItem",
                                  "UpdateTable",
                                  "UpdateTimeToLive",
                                  "ExecuteStatement",
                                  "BatchExecuteStatement",
                                  "NoSuchOperation",
                                  "SearchVectors"};
#define N_OPS (sizeof OPS / sizeof OPS[0])

static struct {
    char dir[128];
    store_t *store;
    api_t *api;
    ddb_proto proto;
    unsigned long runs;
} F;

static const char *const SETUP[][2] = {
    {"CreateTable",
     "{\"TableName\":\"fz_h\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
     "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
     "\"pk\",\"KeyType\":\"HASH\"}]}"},
    {"CreateTable",
     "{\"TableName\":\"fz_r\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
     "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
     "\"AttributeType\":\"N\"},{\"AttributeName\":\"g\",\"AttributeType\":\"S\"},"
     "{\"AttributeName\":\"l\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
     "\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
     "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gsi\",\"KeySchema\":[{\"AttributeName\":"
     "\"g\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
     "\"Projection\":{\"ProjectionType\":\"ALL\"}}],\"LocalSecondaryIndexes\":[{\"IndexName\":"
     "\"lsi\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":"
     "\"l\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}"},
    {"CreateTable",
     "{\"TableName\":\"fz_n\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
     "{\"AttributeName\":\"pk\",\"AttributeType\":\"N\"},{\"AttributeName\":\"sk\","
     "\"AttributeType\":\"B\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
     "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]}"},
    {"CreateTable",
     "{\"TableName\":\"fz_v\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
     "{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},{\"AttributeName\":\"shop\","
     "\"AttributeType\":\"S\"},{\"AttributeName\":\"colour\",\"AttributeType\":\"S\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"VectorIndexes\":[{"
     "\"IndexName\":\"vec\",\"VectorAttribute\":{\"AttributeName\":\"v\"},\"Dimensions\":4,"
     "\"DistanceFunction\":\"COSINE\",\"Projection\":{\"ProjectionType\":\"ALL\"},"
     "\"SearchSchema\":[{\"AttributeName\":\"shop\",\"SearchSchemaElementType\":\"HASH\"},"
     "{\"AttributeName\":\"colour\",\"SearchSchemaElementType\":\"INLINE_FILTER\"}]},{"
     "\"IndexName\":\"flat\",\"VectorAttribute\":{\"AttributeName\":\"v\"},\"Dimensions\":4,"
     "\"DistanceFunction\":\"DOT_PRODUCT\",\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}"},
    {"PutItem", "{\"TableName\":\"fz_v\",\"Item\":{\"id\":{\"S\":\"p1\"},\"shop\":{\"S\":"
                "\"north\"},\"colour\":{\"S\":\"red\"},\"v\":{\"L\":[{\"N\":\"1\"},{\"N\":"
                "\"2\"},{\"N\":\"3\"},{\"N\":\"4\"}]}}}"},
    {"PutItem", "{\"TableName\":\"fz_v\",\"Item\":{\"id\":{\"S\":\"p2\"},\"v\":{\"L\":["
                "{\"N\":\"-1\"},{\"N\":\"0.5\"},{\"N\":\"0\"},{\"N\":\"2\"}]}}}"},
    {"PutItem", "{\"TableName\":\"fz_h\",\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},"
                "\"m\":{\"M\":{\"x\":{\"L\":[{\"S\":\"y\"}]}}},\"ss\":{\"SS\":[\"p\",\"q\"]}}}"},
    {"PutItem", "{\"TableName\":\"fz_r\",\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},"
                "\"g\":{\"S\":\"g1\"},\"l\":{\"S\":\"l1\"},\"v\":{\"B\":\"AAE=\"}}}"},
    {"PutItem", "{\"TableName\":\"fz_r\",\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"2\"},"
                "\"g\":{\"S\":\"g1\"},\"bool\":{\"BOOL\":true},\"nul\":{\"NULL\":true}}}"},
    {"PutItem", "{\"TableName\":\"fz_n\",\"Item\":{\"pk\":{\"N\":\"5\"},\"sk\":{\"B\":\"AA==\"},"
                "\"ns\":{\"NS\":[\"1\",\"2.5\"]}}}"},
};

static void call(const char *op, const char *body, size_t len, ddb_proto_resp *resp)
{
    char target[128];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    sigv4_header h[] = {{"Host", "127.0.0.1:8000"},
                        {"Content-Type", "application/x-amz-json-1.0"},
                        {"X-Amz-Target", target},
                        {"Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/"
                                          "dynamodb/aws4_request, SignedHeaders=host, "
                                          "Signature=00"}};
    ddb_proto_req req = {.method = "POST",
                         .path = "/",
                         .headers = h,
                         .n_headers = 4,
                         .body = body,
                         .body_len = len,
                         .now = time(NULL)};
    ddb_proto_handle(&F.proto, &req, resp);
}

static void open_store(void)
{
    fz_tmpdir(F.dir, sizeof F.dir, "api");
    store_opts so;
    store_opts_default(&so);
    so.durable = false;
    so.ttl_thread = false;
    err_t e = {0};
    if (store_open(F.dir, &so, &F.store, &e) || api_new(F.store, NULL, &F.api, &e)) {
        fprintf(stderr, "fuzz_api: %s\n", e.msg);
        abort();
    }
    F.proto.api = F.api;
    for (size_t i = 0; i < sizeof SETUP / sizeof SETUP[0]; i++) {
        ddb_proto_resp r;
        call(SETUP[i][0], SETUP[i][1], strlen(SETUP[i][1]), &r);
        if (r.status != 200)
            fz_fail("set-up %s: %d %.*s", SETUP[i][0], r.status, (int)r.body_len, r.body);
        ddb_proto_resp_fini(&r);
    }
}

static void close_store(void)
{
    api_free(F.api);
    store_close(F.store);
    fz_rmdir(F.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    log_set_level(-1);
    open_store();
    atexit(close_store);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (++F.runs % FZ_API_RESET == 0) {
        close_store();
        open_store();
    }
    const char *op = OPS[data[0] % N_OPS];
    ddb_proto_resp r;
    call(op, (const char *)data + 1, size - 1, &r);
    if (r.status >= 500)
        fz_fail("%s answered %d: %.*s", op, r.status, (int)r.body_len, r.body);
    if (r.crc32 != (uint32_t)crc32(0L, (const Bytef *)(r.body ? r.body : ""), (uInt)r.body_len))
        fz_fail("x-amz-crc32 does not match the body");
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    if (!json_is_object(j) || (r.status != 200 && !json_is_string(json_object_get(j, "__type"))))
        fz_fail("%s answered %d with %.*s", op, r.status, (int)r.body_len, r.body);
    json_decref(j);
    ddb_proto_resp_fini(&r);
    return 0;
}
