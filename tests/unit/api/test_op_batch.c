/*
 * test_op_batch — BatchGetItem and BatchWriteItem through api_call.
 *
 * Expectations recorded from DynamoDB Local 2026-01-16; each test names what it pins.
 */
#include "item_test.h"

/* BatchWriteItem puts and deletes across tables in one call; BatchGetItem returns what
 * exists, per table, with per-table projection; UnprocessedKeys/Items are {}. */
static void write_then_get(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'old'}}}"));
    json_t *r = it_ok(f, "BatchWriteItem",
                      "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'},'v':{'N':'1'}}}},"
                      "{'PutRequest':{'Item':{'pk':{'S':'b'},'v':{'N':'2'}}}},"
                      "{'DeleteRequest':{'Key':{'pk':{'S':'old'}}}}],"
                      "'tab2':[{'PutRequest':{'Item':{'pk':{'S':'x'},'sk':{'N':'1'}}}}]},"
                      "'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "UnprocessedItems", "{}");
    it_member(r, "ConsumedCapacity",
              "[{'TableName':'tab1','CapacityUnits':3.0},{'TableName':'tab2','CapacityUnits':1.0}]");
    json_decref(r);
    r = it_ok(f, "BatchGetItem",
              "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'old'}},{'pk':{'S':'b'}}],"
              "'ProjectionExpression':'v'},'tab2':{'Keys':[{'pk':{'S':'x'},'sk':{'N':'1'}}],"
              "'ConsistentRead':true}},'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "Responses",
              "{'tab1':[{'v':{'N':'1'}},{'v':{'N':'2'}}],'tab2':[{'pk':{'S':'x'},'sk':{'N':'1'}}]}");
    it_member(r, "UnprocessedKeys", "{}");
    it_member(r, "ConsumedCapacity",
              "[{'TableName':'tab1','CapacityUnits':1.0},{'TableName':'tab2','CapacityUnits':1.0}]");
    json_decref(r);
}

/* DynamoDB Local charges 2 units for a batch delete of an absent item. */
static void delete_absent_capacity(void **state)
{
    it_fix *f = *state;
    json_t *r = it_ok(f, "BatchWriteItem",
                      "{'RequestItems':{'tab1':[{'DeleteRequest':{'Key':{'pk':{'S':'zz'}}}}]},"
                      "'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "[{'TableName':'tab1','CapacityUnits':2.0}]");
    json_decref(r);
}

/* Validation texts; a rejected batch writes nothing. */
static void validation(void **state)
{
    it_fix *f = *state;
    it_err(f, "BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'a'}}]}}}",
           ERR_VALIDATION, "Provided list of item keys contains duplicates");
    it_err(f, "BatchGetItem", "{'RequestItems':{}}", ERR_VALIDATION,
           "1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: "
           "Member must have length greater than or equal to 1");
    it_err(f, "BatchGetItem", "{}", ERR_VALIDATION,
           "The requestItems parameter is required for BatchGetItem");
    it_err(f, "BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[]}}}", ERR_VALIDATION,
           "1 validation error detected: Value at 'RequestItems.tab1.member.Keys' failed to "
           "satisfy constraint: Member must have length greater than or equal to 1");
    it_err(f, "BatchGetItem", "{'RequestItems':{'nope':{'Keys':[{'pk':{'S':'a'}}]}}}",
           ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
    it_err(f, "BatchWriteItem",
           "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'d'}}}},"
           "{'DeleteRequest':{'Key':{'pk':{'S':'d'}}}}]}}",
           ERR_VALIDATION, "Provided list of item keys contains duplicates");
    it_err(f, "BatchWriteItem", "{'RequestItems':{}}", ERR_VALIDATION,
           "The requestItems parameter is required for BatchWriteItem");
    it_err(f, "BatchWriteItem", "{'RequestItems':{'tab1':[]}}", ERR_VALIDATION,
           "1 validation error detected: Value '{tab1=[]}' at 'requestItems' failed to satisfy "
           "constraint: Map value must satisfy constraint: [Member must have length less than or "
           "equal to 25, Member must have length greater than or equal to 1]");
    it_err(f, "BatchWriteItem",
           "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'ok'}}}},"
           "{'DeleteRequest':{'Key':{'pk':{'S':'1'},'x':{'S':'1'}}}}]}}",
           ERR_VALIDATION, "The provided key element does not match the schema");
    json_t *r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'ok'}}}");
    it_member(r, "Item", NULL);
    json_decref(r);
    /* 26 requests / 101 keys over two tables (each table's list within the model's bounds) */
    char req[8192];
    size_t n = (size_t)snprintf(req, sizeof req, "{'RequestItems':{'tab1':[");
    for (int i = 0; i < 26; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "%s{'PutRequest':{'Item':{'pk':{'S':'%d'}}}}",
                              i == 13 ? "],'tab3':[" : i ? "," : "", i);
    snprintf(req + n, sizeof req - n, "]}}");
    it_err(f, "BatchWriteItem", req, ERR_VALIDATION,
           "Too many items requested for the BatchWriteItem call");
    n = (size_t)snprintf(req, sizeof req, "{'RequestItems':{'tab1':{'Keys':[");
    for (int i = 0; i < 101; i++)
        n += (size_t)snprintf(req + n, sizeof req - n, "%s{'pk':{'S':'%d'}}",
                              i == 50 ? "]},'tab3':{'Keys':[" : i ? "," : "", i);
    snprintf(req + n, sizeof req - n, "]}}}");
    it_err(f, "BatchGetItem", req, ERR_VALIDATION, "Too many items requested for the BatchGetItem call");
}

/* ReturnItemCollectionMetrics=SIZE: one entry per write to a table with an LSI (the
 * service's shape; DynamoDB Local never returns it); none for tables without LSIs. */
static void item_collection_metrics(void **state)
{
    it_fix *f = *state;
    json_t *r = it_ok(f, "BatchWriteItem",
                      "{'RequestItems':{'gtab':[{'PutRequest':{'Item':{'pk':{'S':'a'},'sk':{'S':'1'}}}},"
                      "{'DeleteRequest':{'Key':{'pk':{'S':'b'},'sk':{'S':'1'}}}}],"
                      "'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
                      "'ReturnItemCollectionMetrics':'SIZE'}");
    it_member(r, "ItemCollectionMetrics",
              "{'gtab':[{'ItemCollectionKey':{'pk':{'S':'a'}},'SizeEstimateRangeGB':[0.0,1.0]},"
              "{'ItemCollectionKey':{'pk':{'S':'b'}},'SizeEstimateRangeGB':[0.0,1.0]}]}");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(write_then_get),
        IT_TEST(delete_absent_capacity),
        IT_TEST(validation),
        IT_TEST(item_collection_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
