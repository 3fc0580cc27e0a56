/*
 * fuzz_api — the request validation of every DynamoDB operation, end to end without
 * sockets: ddb_proto_handle (JSON parsing, dispatch, api_call on an embedded store in a
 * temporary directory, the reply writer).
 *
 * Input: one byte choosing the operation (every operation api_has_operation knows, the
 * Streams ones under their own target, plus an unknown one), then the JSON body, where "@S@"
 * stands for fz_r's stream ARN, "@D@" its first shard's id, "@I@" a TRIM_HORIZON iterator
 * on it and "@B@" a backup of fz_h (made at set-up: they hold random parts).  The store
 * starts with four tables (hash S; hash S + range N with a GSI, an LSI and a stream; hash N
 * + range B; hash S with two vector indexes, one with a SearchSchema) holding a few items,
 * and is made afresh every FZ_API_RESET inputs so what earlier inputs wrote cannot grow
 * without bound.  Every answer must be 200 or 4xx with a JSON body carrying __type (a 500
 * is a finding), and must carry a body CRC equal to its body's.  FZ_VERBOSE=1 prints each
 * answer (what the seeds reach).
 */
#include <jansson.h>
#include <time.h>
#include <zlib.h>

#include "base/log.h"
#include "fuzz_common.h"
#include "server/ddb_proto.h"
#include "store/store.h"

#define FZ_API_RESET 2000
#define STREAMS "DynamoDBStreams_20120810." /* a whole target: the Streams operations */

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
                                  "SearchVectors",
                                  /* session 20: the rest of api.c's table, Streams too */
                                  "CreateBackup",
                                  "DeleteBackup",
                                  "DeleteResourcePolicy",
                                  "DescribeBackup",
                                  "DescribeContinuousBackups",
                                  "DescribeContributorInsights",
                                  "DescribeExport",
                                  "DescribeGlobalTable",
                                  "DescribeGlobalTableSettings",
                                  "DescribeImport",
                                  "DescribeKinesisStreamingDestination",
                                  "DisableKinesisStreamingDestination",
                                  "EnableKinesisStreamingDestination",
                                  "ExecuteTransaction",
                                  "GetResourcePolicy",
                                  "ListBackups",
                                  "ListContributorInsights",
                                  "ListExports",
                                  "ListGlobalTables",
                                  "ListImports",
                                  "PutResourcePolicy",
                                  "RestoreTableFromBackup",
                                  "RestoreTableToPointInTime",
                                  "UpdateContinuousBackups",
                                  "UpdateContributorInsights",
                                  "UpdateKinesisStreamingDestination",
                                  STREAMS "DescribeStream",
                                  STREAMS "GetRecords",
                                  STREAMS "GetShardIterator",
                                  STREAMS "ListStreams"};
#define N_OPS (sizeof OPS / sizeof OPS[0])

static struct {
    char dir[128];
    store_t *store;
    api_t *api;
    ddb_proto proto;
    unsigned long runs;
    /* what a body's placeholders stand for (subst): made at set-up */
    char stream_arn[256], shard_id[128], iterator[512], backup_arn[256];
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
     "\"l\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
     "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}"},
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
    snprintf(target, sizeof target, "%s%s", strncmp(op, STREAMS, strlen(STREAMS)) == 0 ? "" :
             "DynamoDB_20120810.", op);
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

static void setup_names(void);

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
    setup_names();
}

/* A set-up call whose answer's string at the path key1[.key2][0].key3 goes to out. */
static void setup_get(const char *op, const char *body, const char *k1, const char *k2,
                      const char *k3, char *out, size_t n)
{
    ddb_proto_resp r;
    call(op, body, strlen(body), &r);
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL), *v = json_object_get(j, k1);
    if (k2)
        v = json_object_get(v, k2);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (k3)
        v = json_object_get(v, k3);
    if (r.status != 200 || !json_is_string(v) || json_string_length(v) >= n)
        fz_fail("set-up %s: %d %.*s", op, r.status, (int)r.body_len, r.body);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    json_decref(j);
    ddb_proto_resp_fini(&r);
}

/* The stream of fz_r, its first shard and an iterator on it, and a backup of fz_h: what
 * "@S@", "@D@", "@I@" and "@B@" in a body stand for. */
static void setup_names(void)
{
    char body[1024];
    setup_get("DescribeTable", "{\"TableName\":\"fz_r\"}", "Table", "LatestStreamArn", NULL,
              F.stream_arn, sizeof F.stream_arn);
    snprintf(body, sizeof body, "{\"StreamArn\":\"%s\"}", F.stream_arn);
    setup_get(STREAMS "DescribeStream", body, "StreamDescription", "Shards", "ShardId",
              F.shard_id, sizeof F.shard_id);
    snprintf(body, sizeof body,
             "{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
             F.stream_arn, F.shard_id);
    setup_get(STREAMS "GetShardIterator", body, "ShardIterator", NULL, NULL, F.iterator,
              sizeof F.iterator);
    setup_get("CreateBackup", "{\"TableName\":\"fz_h\",\"BackupName\":\"fz_b\"}",
              "BackupDetails", "BackupArn", NULL, F.backup_arn, sizeof F.backup_arn);
}

/* body with every "@S@", "@D@", "@I@", "@B@" replaced (setup_names); malloc'ed, *out_len. */
static char *subst(const char *body, size_t len, size_t *out_len)
{
    size_t cap = len + 1, o = 0;
    for (size_t i = 0; i + 2 < len; i++)
        if (body[i] == '@' && body[i + 2] == '@')
            cap += sizeof F.iterator;
    char *out = malloc(cap);
    if (!out)
        abort();
    for (size_t i = 0; i < len;) {
        const char *with = NULL;
        if (i + 2 < len && body[i] == '@' && body[i + 2] == '@')
            switch (body[i + 1]) {
            case 'S': with = F.stream_arn; break;
            case 'D': with = F.shard_id; break;
            case 'I': with = F.iterator; break;
            case 'B': with = F.backup_arn; break;
            }
        if (with) {
            size_t wl = strlen(with);
            memcpy(out + o, with, wl);
            o += wl;
            i += 3;
        } else {
            out[o++] = body[i++];
        }
    }
    *out_len = o;
    return out;
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
    size_t blen;
    char *body = subst((const char *)data + 1, size - 1, &blen);
    call(op, body, blen, &r);
    free(body);
    if (getenv("FZ_VERBOSE")) /* what each seed reaches: FZ_VERBOSE=1 replay_api DIR */
        fprintf(stderr, "%s %d %.*s\n", op, r.status, (int)(r.body_len < 160 ? r.body_len : 160),
                r.body);
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
