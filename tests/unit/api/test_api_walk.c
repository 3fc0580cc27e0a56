/*
 * test_api_walk — the request walker (api_walk.c, api_validate_request) gives the same verdicts and
 * the same texts over our reader's tree (api_jview_jread) as over jansson's (api_jview_jansson):
 * every body of the api and jread fuzz corpora (tests/fuzz/corpus/{api,jread}, whole and
 * without the api corpus' selector byte) against every operation's model, plus hand-written
 * requests with many violations, arrays, nested structures and repeated keys.  The step that
 * lets a hot operation validate its request without a jansson tree (issue 13.1).  Also the
 * same verdicts and texts whether the request's top-level members are found in one pass over
 * its keys and the loops visit the members by the shape's masks (the default), or each member
 * is looked up by name and every loop visits every member (api_jview.lookup_only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_schema.h"
#include "api/api_validate.h"
#include "api/api_walk.h"
#include "value/jread.h"

static const char *const ops[] = {
    "BatchGetItem", "BatchWriteItem", "CreateTable", "DeleteItem", "DeleteTable",
    "DescribeTable", "DescribeTimeToLive", "GetItem", "ListTables", "ListTagsOfResource",
    "PutItem", "Query", "Scan", "TagResource", "TransactGetItems", "TransactWriteItems",
    "UntagResource", "UpdateItem", "UpdateTable", "UpdateTimeToLive", "ExecuteStatement",
    "BatchExecuteStatement", "ExecuteTransaction", "CreateBackup", "DescribeContinuousBackups",
    "UpdateContinuousBackups", "RestoreTableToPointInTime", "ListStreams", "GetRecords",
    "SearchVectors",
};

static api_jview lookup_view; /* api_jview_jansson with lookup_only (set in main) */

typedef struct counts {
    size_t bodies, checks, refused;
} counts;

static void same_verdicts(const char *buf, size_t n, counts *c)
{
    json_t *j = json_loadb(buf, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error je;
    int prc = jread_parse(buf, n, &a, &v, &je);
    if (j && prc == 0 && json_is_object(j)) {
        c->bodies++;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            err_t e1 = {0}, e2 = {0};
            int r1 = api_validate_request(&api_jview_jansson, j, ops[i], &e1);
            int r2 = api_validate_request(&api_jview_jread, v, ops[i], &e2);
            if (r1 != r2 || strcmp(e1.msg, e2.msg) != 0)
                fail_msg("%s on %.*s:\n jansson %d %s\n jread   %d %s", ops[i],
                         (int)(n > 300 ? 300 : n), buf, r1, e1.msg, r2, e2.msg);
            /* the top-level members found by one pass over the keys, or looked up per name */
            err_t e3 = {0};
            int r3 = api_validate_request(&lookup_view, j, ops[i], &e3);
            if (r1 != r3 || strcmp(e1.msg, e3.msg) != 0)
                fail_msg("%s on %.*s:\n one pass %d %s\n lookups  %d %s", ops[i],
                         (int)(n > 300 ? 300 : n), buf, r1, e1.msg, r3, e3.msg);
            c->checks++;
            c->refused += r1 != 0;
        }
    }
    json_decref(j);
    arena_fini(&a);
}

static size_t walk_dir(const char *dir, counts *c)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *buf = malloc(1 << 20);
        size_t n = fread(buf, 1, 1 << 20, f);
        fclose(f);
        same_verdicts(buf, n, c);
        if (n > 1)
            same_verdicts(buf + 1, n - 1, c);
        free(buf);
        files++;
    }
    closedir(d);
    return files;
}

static void test_corpus_same_verdicts(void **state)
{
    (void)state;
    counts c = {0};
    size_t files = walk_dir(DDB_SOURCE_DIR "/tests/fuzz/corpus/api", &c);
    files += walk_dir(DDB_SOURCE_DIR "/tests/fuzz/corpus/jread", &c);
    printf("api_validate_request, jansson view vs jread view: %zu files, %zu bodies, %zu checks "
           "(%zu refused), all alike\n",
           files, c.bodies, c.checks, c.refused);
    assert_true(c.bodies > 50);
    assert_true(c.refused > 500);
    assert_true(c.checks - c.refused > 100);
}

static void test_hand_written(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"TableName\":\"x\",\"Key\":{},\"ReturnConsumedCapacity\":\"SOME\",\"Select\":\"ALL\","
        "\"Limit\":0,\"AttributesToGet\":[],\"ConsistentRead\":\"yes\"}",
        "{\"TableName\":\"ok_table\",\"TableName\":\"a\",\"Limit\":-1,\"Segment\":5}",
        "{\"RequestItems\":{\"t\":{\"Keys\":[{},{},{}]},\"ok_table\":[{\"PutRequest\":{}}]}}",
        "{\"TransactItems\":[{\"Put\":{\"TableName\":\"a\"}},{\"Get\":{}},{},"
        "{\"Update\":{\"TableName\":\"abc\",\"Key\":{},\"UpdateExpression\":\"\"}}]}",
        "{\"TableName\":\"t\\u0000x\",\"AttributeDefinitions\":[{\"AttributeName\":\"\","
        "\"AttributeType\":\"Q\"}],\"KeySchema\":[{\"AttributeName\":\"a\",\"KeyType\":\"X\"},"
        "{},{},{}],\"BillingMode\":\"FREE\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":0}}",
        "{\"TableName\":\"abc\",\"Limit\":1.5,\"ExclusiveStartKey\":[1,2],\"ScanFilter\":7}",
        "{\"Statement\":\"\",\"Parameters\":[{\"S\":\"a\"},{}],\"Limit\":100000}",
        "{\"TableName\":\"abc\",\"Tags\":[{\"Key\":\"\",\"Value\":\"v\"},{\"Key\":\"k\"}]}",
        /* a scalar of the wrong JSON kind and nothing else wrong: pass 1's own finding (the
         * one-pass walk passes over a scalar of the right kind: walk_top) */
        "{\"TableName\":\"abc\",\"ConsistentRead\":\"yes\"}",
        "{\"TableName\":5,\"Key\":{\"pk\":{\"S\":\"a\"}}}",
        "{\"TableName\":\"abc\",\"Limit\":\"5\",\"IndexName\":\"ix\"}",
        "{\"TableName\":\"abc\",\"Select\":[],\"KeyConditionExpression\":\"a = :a\"}",
        /* required members absent, a NOT_NULL member null, a member repeated with null last */
        "{\"Key\":{\"pk\":{\"S\":\"a\"}}}",
        "{\"TableName\":null,\"Key\":{\"pk\":{\"S\":\"a\"}}}",
        "{\"TableName\":\"abc\",\"TableName\":null,\"Limit\":5}",
        "{\"TableName\":null,\"TableName\":\"abc\",\"RequestItems\":{}}",
        /* Query's ConditionalOperator (reported alone): wrong, and with another violation */
        "{\"TableName\":\"abc\",\"ConditionalOperator\":\"XOR\"}",
        "{\"TableName\":\"ab\",\"ConditionalOperator\":\"NAND\",\"Limit\":0}",
        /* scalars that break only a constraint, one each, and all within theirs */
        "{\"TableName\":\"ab\",\"Key\":{\"pk\":{\"S\":\"a\"}}}",
        "{\"TableName\":\"abc\",\"IndexName\":\"i/x\",\"KeyConditionExpression\":\"a = :a\"}",
        "{\"TableName\":\"abc\",\"Limit\":0}",
        "{\"TableName\":\"abc\",\"Select\":\"SOME\"}",
        "{\"TableName\":\"abc\",\"ReturnConsumedCapacity\":\"ALL\"}",
        "{\"TableName\":\"abc\",\"IndexName\":\"ixx\",\"Limit\":5,\"Select\":\"COUNT\","
        "\"ConsistentRead\":false,\"KeyConditionExpression\":\"a = :a\","
        "\"ExpressionAttributeValues\":{\":a\":{\"S\":\"x\"}}}",
        /* a nested structure's members (found by one pass over its keys): null, repeated,
         * unknown, a key one byte longer or shorter than a member's name or another case, of
         * the wrong kind, broken constraints at several depths (jansson refuses a NUL inside
         * a key, so no such key here) */
        "{\"TransactItems\":[{\"Put\":{\"TableName\":null,\"Item\":{}}},"
        "{\"Delete\":null,\"Update\":{\"TableName\":\"ab\",\"Key\":null}}]}",
        "{\"TransactItems\":[{\"Put\":{\"TableName\":\"abc\",\"Item\":{\"a\":{\"S\":\"x\"}},"
        "\"ConditionExpression\":null,\"ConditionExpression\":\"\"}}]}",
        "{\"TransactItems\":[{\"Put\":{\"TableNames\":\"ab\",\"Table\":\"ab\","
        "\"Tablename\":\"ab\",\"Item\":{}}},{\"Putx\":{},\"Pu\":{}}]}",
        "{\"TransactItems\":[{\"ConditionCheck\":{\"TableName\":5,\"Key\":{}}}]}",
        "{\"TransactItems\":[{\"Update\":{\"TableName\":\"a\",\"Key\":{},"
        "\"UpdateExpression\":\"SET a = :a\",\"ReturnValuesOnConditionCheckFailure\":\"X\"}},"
        "{\"Delete\":{\"TableName\":\"abc\",\"Key\":{}},\"Put\":{\"Item\":{}}}]}",
        "{\"RequestItems\":{\"abc\":[{\"PutRequest\":{\"Item\":null}},"
        "{\"DeleteRequest\":{\"Key\":{},\"Key\":null}},{\"PutRequest\":null}]}}",
        "{\"TableName\":\"abc\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":null,"
        "\"WriteCapacityUnits\":0},\"GlobalSecondaryIndexUpdates\":[{\"Create\":"
        "{\"IndexName\":\"i\",\"KeySchema\":null,\"Projection\":{\"ProjectionType\":\"Q\"}}}]}",
    };
    counts c = {0};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        same_verdicts(bodies[i], strlen(bodies[i]), &c);
    assert_int_equal(c.bodies, sizeof bodies / sizeof bodies[0]);
    assert_true(c.refused > 20);
}

int main(void)
{
    lookup_view = api_jview_jansson;
    lookup_view.lookup_only = true;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_written),
        cmocka_unit_test(test_corpus_same_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
