/*
 * test_op_item — PutItem / GetItem / UpdateItem / DeleteItem through api_call.
 *
 * Every expectation (texts, shapes, capacity numbers) was recorded from DynamoDB Local
 * 2026-01-16; each test names the behaviour it pins.
 */
#include "item_test.h"

#include "api/api_item.h"
#include "expr/expr.h"

/* Put then Get returns the item as written; a missing key returns no "Item". */
static void put_get_roundtrip(void **state)
{
    it_fix *f = *state;
    json_t *r = it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'n':{'N':'1.50'},"
                      "'m':{'M':{'x':{'L':[{'BOOL':true},{'NULL':true}]}}}}}");
    assert_true(it_eq(r, "{}"));
    json_decref(r);
    r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}}}");
    it_member(r, "Item",
              "{'pk':{'S':'a'},'n':{'N':'1.5'},'m':{'M':{'x':{'L':[{'BOOL':true},{'NULL':true}]}}}}");
    json_decref(r);
    r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'zz'}}}");
    assert_true(it_eq(r, "{}"));
    json_decref(r);
}

/* Key validation texts of the service for items and Key parameters (conformance tier3
 * error-messages; DynamoDB Local words them differently, tests/e2e/test_items.py). */
static void key_validation(void **state)
{
    it_fix *f = *state;
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'x':{'N':'1'}}}", ERR_VALIDATION,
           "One or more parameter values were invalid: Missing the key pk in the item");
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'N':'1'}}}", ERR_VALIDATION,
           "One or more parameter values were invalid: Type mismatch for key pk expected: S "
           "actual: N");
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':''}}}", ERR_VALIDATION,
           "One or more parameter values are not valid. The AttributeValue for a key attribute "
           "cannot contain an empty string value. Key: pk");
    it_err(f, "PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'}}}", ERR_VALIDATION,
           "One or more parameter values were invalid: Missing the key sk in the item");
    it_err(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'},'x':{'N':'1'}}}",
           ERR_VALIDATION, "The provided key element does not match the schema");
    it_err(f, "GetItem", "{'TableName':'tab1','Key':{}}", ERR_VALIDATION,
           "The provided key element does not match the schema");
    it_err(f, "GetItem", "{'TableName':'tab1','Key':{'zz':{'S':'a'}}}", ERR_VALIDATION,
           "The provided key element does not match the schema");
    it_err(f, "GetItem", "{'TableName':'tab2','Key':{'pk':{'S':'a'}}}", ERR_VALIDATION,
           "The provided key element does not match the schema");
    it_err(f, "GetItem", "{'TableName':'tab1'}", ERR_VALIDATION,
           "1 validation error detected: Value null at 'key' failed to satisfy constraint: "
           "Member must not be null");
    it_err(f, "PutItem", "{'TableName':'tab1'}", ERR_VALIDATION,
           "1 validation error detected: Value null at 'item' failed to satisfy constraint: "
           "Member must not be null");
    /* the table is looked up after the request's own checks, before the key's schema */
    it_err(f, "GetItem", "{'TableName':'nope','Key':{'pk':{'S':''}}}", ERR_RESOURCE_NOT_FOUND,
           "Requested resource not found");
    /* hash key of 2049 bytes */
    char big[2200];
    int n = snprintf(big, sizeof big, "{'TableName':'tab1','Item':{'pk':{'S':'");
    memset(big + n, 'x', 2049);
    snprintf(big + n + 2049, sizeof big - (size_t)n - 2049, "'}}}");
    it_err(f, "PutItem", big, ERR_VALIDATION,
           "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
           "size limit of2048 bytes");
}

/* "{'TableName':'mkt','Item':{'pk':{'S':'p'},'a':{'S':'<na x a>'},'b':...,'c':...,'d':...}}"
 * in buf: a, b, c, d the given sizes of 'x' (n[i] == 0: the attribute left out). */
static const char *mk_item(char *buf, size_t cap, const size_t n[4])
{
    size_t o = (size_t)snprintf(buf, cap, "{'TableName':'mkt','Item':{'pk':{'S':'p'}");
    for (int i = 0; i < 4 && n[i]; i++) {
        o += (size_t)snprintf(buf + o, cap - o, ",'%c':{'S':'", "abcd"[i]);
        memset(buf + o, 'x', n[i]);
        o += n[i];
        o += (size_t)snprintf(buf + o, cap - o, "'}");
    }
    snprintf(buf + o, cap - o, "}}");
    return buf;
}

/* A GSI with a multi-attribute key (partition a + b, sort c + d): every attribute against its
 * own limit (the service's texts), then the partition attributes together against 2048 bytes
 * and the sort attributes together against 1024 (DynamoDB Local 3.3's text and ways: the
 * attributes an item has, also when it lacks one and is not in the index). */
static void multi_key_sizes(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "CreateTable",
                      "{'TableName':'mkt','BillingMode':'PAY_PER_REQUEST',"
                      "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
                      "{'AttributeName':'a','AttributeType':'S'},{'AttributeName':'b',"
                      "'AttributeType':'S'},{'AttributeName':'c','AttributeType':'S'},"
                      "{'AttributeName':'d','AttributeType':'S'}],"
                      "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                      "'GlobalSecondaryIndexes':[{'IndexName':'mki','KeySchema':["
                      "{'AttributeName':'a','KeyType':'HASH'},{'AttributeName':'b','KeyType':"
                      "'HASH'},{'AttributeName':'c','KeyType':'RANGE'},{'AttributeName':'d',"
                      "'KeyType':'RANGE'}],'Projection':{'ProjectionType':'ALL'}}]}"));
    static char buf[8192];
    const char *hash = "One or more parameter values were invalid: Size of hashkey has exceeded "
                       "the maximum size limit of2048 bytes";
    const char *range = "One or more parameter values were invalid: Aggregated size of all range "
                        "keys has exceeded the size limit of 1024 bytes";
    struct {
        size_t n[4];
        const char *msg; /* NULL: stored */
    } cases[] = {
        {{1, 2049, 1, 1}, hash},
        {{1, 1, 1, 1025}, range},
        {{1, 2049, 600, 600}, hash}, /* each attribute before the aggregates */
        {{1, 1, 600, 600},
         "Aggregate size for RANGE key attributes c, d of index mki has exceeded limit 1024 "
         "bytes, with actual size 1200 bytes"},
        {{1500, 1500, 600, 600},
         "Aggregate size for HASH key attributes a, b of index mki has exceeded limit 2048 "
         "bytes, with actual size 3000 bytes"},
        {{1024, 1024, 512, 512}, NULL},
        /* no d (not in the index): the attributes the item has are measured all the same */
        {{1500, 1500, 600, 0},
         "Aggregate size for HASH key attributes a, b of index mki has exceeded limit 2048 "
         "bytes, with actual size 3000 bytes"},
        {{1, 1, 1000, 0}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mk_item(buf, sizeof buf, cases[i].n);
        if (cases[i].msg)
            it_err(f, "PutItem", buf, ERR_VALIDATION, cases[i].msg);
        else
            json_decref(it_ok(f, "PutItem", buf));
    }
    /* an update that makes the sort attributes too long together */
    it_err(f, "UpdateItem",
           "{'TableName':'mkt','Key':{'pk':{'S':'u'}},'UpdateExpression':'SET a = :s, b = :s, "
           "c = :l, d = :l','ExpressionAttributeValues':{':s':{'S':'s'},':l':{'S':'"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
           "'}}}",
           ERR_VALIDATION,
           "Aggregate size for RANGE key attributes c, d of index mki has exceeded limit 1024 "
           "bytes, with actual size 1056 bytes");
}

/* Items over 400 KB are rejected with DynamoDB's text. */
static void item_too_big(void **state)
{
    it_fix *f = *state;
    size_t n = 400 * 1024 + 100;
    char *req = malloc(n + 100);
    int k = snprintf(req, n + 100, "{'TableName':'tab1','Item':{'pk':{'S':'a'},'b':{'S':'");
    memset(req + k, 'x', 400 * 1024);
    snprintf(req + k + 400 * 1024, 20, "'}}}");
    it_err(f, "PutItem", req, ERR_VALIDATION, "Item size has exceeded the maximum allowed size");
    free(req);
}

/* ReturnValues: ALL_OLD on Put/Delete; other values are "ReturnValues can only be ALL_OLD or
 * NONE" (the service). */
static void return_values_put_delete(void **state)
{
    it_fix *f = *state;
    json_t *r = it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'x':{'N':'1'}},"
                      "'ReturnValues':'ALL_OLD'}");
    it_member(r, "Attributes", NULL);
    json_decref(r);
    r = it_ok(f, "PutItem",
              "{'TableName':'tab1','Item':{'pk':{'S':'a'},'y':{'S':'q'}},'ReturnValues':'ALL_OLD'}");
    it_member(r, "Attributes", "{'pk':{'S':'a'},'x':{'N':'1'}}");
    json_decref(r);
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':'ALL_NEW'}",
           ERR_VALIDATION, "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
    it_err(f, "DeleteItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'UPDATED_OLD'}",
           ERR_VALIDATION, "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
    r = it_ok(f, "DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'ALL_OLD'}");
    it_member(r, "Attributes", "{'pk':{'S':'a'},'y':{'S':'q'}}");
    json_decref(r);
    r = it_ok(f, "DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'ALL_OLD'}");
    it_member(r, "Attributes", NULL);
    json_decref(r);
}

/* ConditionExpression failure: ConditionalCheckFailedException, "Item" only with
 * ReturnValuesOnConditionCheckFailure=ALL_OLD; the item is unchanged. */
static void condition_failed(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}}}"));
    json_t *x = it_err(f, "PutItem",
                       "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                       "'ConditionExpression':'attribute_not_exists(pk)'}",
                       ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
    assert_null(x);
    x = it_err(f, "PutItem",
               "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
               "'ConditionExpression':'attribute_not_exists(pk)',"
               "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}",
               ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
    assert_non_null(x);
    it_member(x, "Item", "{'pk':{'S':'a'},'v':{'N':'5'}}");
    json_decref(x);
    json_decref(it_ok(f, "DeleteItem",
                      "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                      "'ExpressionAttributeValues':{':v':{'N':'5'}}}"));
    /* absent item: condition on it fails, no Item even with ALL_OLD */
    x = it_err(f, "DeleteItem",
               "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':'attribute_exists(v)',"
               "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}",
               ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
    assert_null(x);
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'attribute_not_exists(pk)',"
           "'ReturnValuesOnConditionCheckFailure':'ALL_NEW'}",
           ERR_VALIDATION,
           "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' "
           "failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]");
}

/* Expression parameter rules: mixing legacy and expression parameters, placeholders without
 * expressions, empty maps, unused placeholders. */
static void expression_parameter_rules(void **state)
{
    it_fix *f = *state;
    it_err(f, "GetItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['x'],"
           "'ProjectionExpression':'x'}",
           ERR_VALIDATION,
           "Can not use both expression and non-expression parameters in the same request: "
           "Non-expression parameters: {AttributesToGet} Expression parameters: "
           "{ProjectionExpression}");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'attribute_exists(pk)',"
           "'Expected':{'pk':{'Exists':true,'Value':{'S':'a'}}}}",
           ERR_VALIDATION,
           "1 validation error detected: Can not use both expression and non-expression "
           "parameters in the same request: Non-expression parameters: {Expected} Expression "
           "parameters: {ConditionExpression}");
    it_err(f, "GetItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ExpressionAttributeNames':{'#a':'b'}}",
           ERR_VALIDATION, "ExpressionAttributeNames can only be specified when using expressions");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ExpressionAttributeValues':{':a':{'S':'b'}}}",
           ERR_VALIDATION,
           "1 validation error detected: ExpressionAttributeValues can only be specified when "
           "using expressions");
    it_err(f, "UpdateItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ExpressionAttributeValues':{':a':{'S':'b'}}}",
           ERR_VALIDATION,
           "1 validation error detected: ExpressionAttributeValues can only be specified when "
           "using expressions");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'attribute_exists(pk)',"
           "'ExpressionAttributeValues':{}}",
           ERR_VALIDATION, "1 validation error detected: ExpressionAttributeValues must not be empty");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'attribute_exists(pk)',"
           "'ExpressionAttributeValues':{':a':{'S':'b'}}}",
           ERR_VALIDATION,
           "1 validation error detected: Value provided in ExpressionAttributeValues unused in "
           "expressions: keys: {:a}");
    it_err(f, "GetItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'x',"
           "'ExpressionAttributeNames':{'#a':'b'}}",
           ERR_VALIDATION,
           "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}");
}

/* UpdateItem: SET/REMOVE/arithmetic, ReturnValues UPDATED_NEW/UPDATED_OLD/ALL_NEW; creates
 * the item when absent (even with no UpdateExpression); key attributes cannot be updated. */
static void update_item(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}}}"));
    json_t *r = it_ok(f, "UpdateItem",
                      "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                      "'SET w = :w, v = v + :one','ExpressionAttributeValues':{':w':{'S':'w'},"
                      "':one':{'N':'1'}},'ReturnValues':'UPDATED_NEW'}");
    it_member(r, "Attributes", "{'v':{'N':'6'},'w':{'S':'w'}}");
    json_decref(r);
    r = it_ok(f, "UpdateItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET w = :w REMOVE v',"
              "'ExpressionAttributeValues':{':w':{'S':'w2'}},'ReturnValues':'UPDATED_OLD'}");
    it_member(r, "Attributes", "{'v':{'N':'6'},'w':{'S':'w'}}");
    json_decref(r);
    r = it_ok(f, "UpdateItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'new1'}},'UpdateExpression':'SET w = :w',"
              "'ExpressionAttributeValues':{':w':{'S':'w'}},'ReturnValues':'ALL_NEW'}");
    it_member(r, "Attributes", "{'pk':{'S':'new1'},'w':{'S':'w'}}");
    json_decref(r);
    r = it_ok(f, "UpdateItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'new2'}},'ReturnValues':'ALL_NEW'}");
    it_member(r, "Attributes", "{'pk':{'S':'new2'}}");
    json_decref(r);
    r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'new2'}}}");
    it_member(r, "Item", "{'pk':{'S':'new2'}}");
    json_decref(r);
    it_err(f, "UpdateItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET pk = :w',"
           "'ExpressionAttributeValues':{':w':{'S':'w'}}}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Cannot update attribute pk. This "
           "attribute is part of the key");
    it_err(f, "UpdateItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET w = :w',"
           "'AttributeUpdates':{'x':{'Action':'PUT','Value':{'S':'1'}}},"
           "'ExpressionAttributeValues':{':w':{'S':'w2'}}}",
           ERR_VALIDATION,
           "1 validation error detected: Can not use both expression and non-expression "
           "parameters in the same request: Non-expression parameters: {AttributeUpdates} "
           "Expression parameters: {UpdateExpression}");
    it_err(f, "UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'XX'}",
           ERR_VALIDATION,
           "1 validation error detected: Failed to satisfy constraint: Member must satisfy enum "
           "value set: [ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATE_NEW, NONE]");
}

/* ConsumedCapacity: writes in 1 KB units of max(old, new); reads in 4 KB units, eventually
 * consistent = half; INDEXES adds a Table entry and per-index write units. */
static void consumed_capacity(void **state)
{
    it_fix *f = *state;
    char req[4200];
    int n = snprintf(req, sizeof req, "{'TableName':'tab1','Item':{'pk':{'S':'big'},'b':{'S':'");
    memset(req + n, 'x', 3000);
    snprintf(req + n + 3000, sizeof req - (size_t)n - 3000, "'}},'ReturnConsumedCapacity':'TOTAL'}");
    json_t *r = it_ok(f, "PutItem", req);
    it_member(r, "ConsumedCapacity", "{'TableName':'tab1','CapacityUnits':3.0}");
    json_decref(r);
    /* small over big: still charged by the old size */
    r = it_ok(f, "PutItem",
              "{'TableName':'tab1','Item':{'pk':{'S':'big'}},'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "{'TableName':'tab1','CapacityUnits':3.0}");
    json_decref(r);
    r = it_ok(f, "GetItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'big'}},'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "{'TableName':'tab1','CapacityUnits':0.5}");
    json_decref(r);
    r = it_ok(f, "GetItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'big'}},'ReturnConsumedCapacity':'INDEXES',"
              "'ConsistentRead':true}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'tab1','CapacityUnits':1.0,'Table':{'CapacityUnits':1.0}}");
    json_decref(r);
    r = it_ok(f, "DeleteItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'nope'}},'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "{'TableName':'tab1','CapacityUnits':1.0}");
    json_decref(r);
    /* GSI / LSI write units */
    r = it_ok(f, "PutItem",
              "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'1'}},"
              "'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'gtab','CapacityUnits':1.0,'Table':{'CapacityUnits':1.0}}");
    json_decref(r);
    r = it_ok(f, "PutItem",
              "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'1'},'g':{'S':'x'}},"
              "'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'gtab','CapacityUnits':3.0,'Table':{'CapacityUnits':1.0},"
              "'GlobalSecondaryIndexes':{'gkey':{'CapacityUnits':1.0},'gidx':{'CapacityUnits':1.0}}}");
    json_decref(r);
    r = it_ok(f, "PutItem",
              "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'1'},'g':{'S':'x'},'l':{'S':'y'}},"
              "'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'gtab','CapacityUnits':3.0,'Table':{'CapacityUnits':1.0},"
              "'LocalSecondaryIndexes':{'lidx':{'CapacityUnits':1.0}},"
              "'GlobalSecondaryIndexes':{'gidx':{'CapacityUnits':1.0}}}");
    json_decref(r);
    r = it_ok(f, "PutItem",
              "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'1'},'g':{'S':'z'},'l':{'S':'y'}},"
              "'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'gtab','CapacityUnits':6.0,'Table':{'CapacityUnits':1.0},"
              "'LocalSecondaryIndexes':{'lidx':{'CapacityUnits':1.0}},"
              "'GlobalSecondaryIndexes':{'gkey':{'CapacityUnits':2.0},'gidx':{'CapacityUnits':2.0}}}");
    json_decref(r);
    r = it_ok(f, "DeleteItem",
              "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'1'}},"
              "'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "{'TableName':'gtab','CapacityUnits':4.0}");
    json_decref(r);
}

/* ReturnItemCollectionMetrics=SIZE on a table with an LSI (the service's shape). */
static void item_collection_metrics(void **state)
{
    it_fix *f = *state;
    json_t *r = it_ok(f, "PutItem",
                      "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'1'}},"
                      "'ReturnItemCollectionMetrics':'SIZE'}");
    it_member(r, "ItemCollectionMetrics",
              "{'ItemCollectionKey':{'pk':{'S':'a'}},'SizeEstimateRangeGB':[0.0,1.0]}");
    json_decref(r);
    r = it_ok(f, "PutItem",
              "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnItemCollectionMetrics':'SIZE'}");
    it_member(r, "ItemCollectionMetrics", NULL);
    json_decref(r);
}

/* GetItem projections: ProjectionExpression and AttributesToGet; a projection matching
 * nothing gives "Item": {}; duplicate AttributesToGet names are rejected. */
static void get_projection(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'x':{'N':'1'},"
                      "'m':{'M':{'a':{'S':'1'},'b':{'S':'2'}}}}}"));
    json_t *r = it_ok(f, "GetItem",
                      "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'#m.b, x',"
                      "'ExpressionAttributeNames':{'#m':'m'}}");
    it_member(r, "Item", "{'x':{'N':'1'},'m':{'M':{'b':{'S':'2'}}}}");
    json_decref(r);
    r = it_ok(f, "GetItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['x']}");
    it_member(r, "Item", "{'x':{'N':'1'}}");
    json_decref(r);
    r = it_ok(f, "GetItem",
              "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'nope'}");
    it_member(r, "Item", "{}");
    json_decref(r);
    it_err(f, "GetItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['x','x']}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Duplicate value in attribute name: x");
}

/* Legacy Expected / ConditionalOperator and AttributeUpdates. */
static void legacy_conditions(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}}}"));
    json_decref(it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}},"
                      "'Expected':{'v':{'Value':{'N':'5'}}}}"));
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}},'Expected':{'v':{'Value':{'N':'6'}}}}",
           ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
    json_decref(it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'N':'5'}},'Expected':{"
                      "'v':{'Value':{'N':'6'}},'pk':{'Value':{'S':'a'}}},'ConditionalOperator':'OR'}"));
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Exists':false,'Value':{'N':'5'}}}}",
           ERR_VALIDATION,
           "1 validation error detected: One or more parameter values were invalid: Value cannot "
           "be used when Exists is false for Attribute: v");
    /* an Expected entry's own error in PutItem's envelope (the service, 2026-10-09) */
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Exists':true}}}",
           ERR_VALIDATION,
           "1 validation error detected: One or more parameter values were invalid: Value must "
           "be provided when Exists is true for Attribute: v");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'ComparisonOperator':'EQ'}}}",
           ERR_VALIDATION,
           "1 validation error detected: One or more parameter values were invalid: Value or "
           "AttributeValueList must be used with ComparisonOperator: EQ for Attribute: v");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'ComparisonOperator':'XX',"
           "'AttributeValueList':[{'N':'5'}]}}}",
           ERR_VALIDATION,
           "1 validation error detected: Value 'XX' at 'expected.v.member.comparisonOperator' "
           "failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, "
           "LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
    it_err(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionalOperator':'OR'}",
           ERR_VALIDATION, "ConditionalOperator cannot be used without Filter or Expected");
    it_err(f, "PutItem",
           "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Value':{'N':'5'}}},"
           "'ConditionalOperator':'OR'}",
           ERR_VALIDATION,
           "ConditionalOperator can only be used when Filter or Expected has two or more elements");
    json_t *r = it_ok(f, "UpdateItem",
                      "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{"
                      "'x':{'Action':'PUT','Value':{'S':'1'}},'v':{'Action':'DELETE'},"
                      "'n':{'Action':'ADD','Value':{'N':'3'}}},'ReturnValues':'ALL_NEW'}");
    it_member(r, "Attributes", "{'pk':{'S':'a'},'x':{'S':'1'},'n':{'N':'3'}}");
    json_decref(r);
    it_err(f, "UpdateItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'q':{'Action':'PUT'}}}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Only DELETE action is allowed when no "
           "attribute value is specified");
    it_err(f, "UpdateItem",
           "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'pk':{'Action':'PUT',"
           "'Value':{'S':'1'}}}}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Cannot update attribute pk. This "
           "attribute is part of the key");
}

/* What one Update costs the request's arena on a wide item (review12 F5: a TransactWriteItems
 * of 50 Updates of items of 30,000 numbers ran out of its 256 MB, ~5 MB an action): the store
 * decodes the old item (its bytes and its member array, 40 B a member), then
 * api_write_apply's update makes the new member array, sharing every unchanged value, and a
 * few small arrays besides.  It used to deep-copy the new item too (another member array and
 * two 16-byte copies a member: ~2.2 MB here), and the arena's next block after the member
 * array was twice its size (a 2.4 MB block for ~30 KB).  api_write_apply alone, on an old item
 * built in another arena: 1.2 MB of member array and under 256 KB more. */
static void wide_update_cost(void **state)
{
    (void)state;
    enum { N = 30000 };
    arena_t ia, a;
    arena_init(&ia);
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_kv *kv = arena_alloc(&ia, (N + 1) * sizeof *kv);
    char *names = arena_alloc(&ia, (size_t)N * 8);
    assert_non_null(kv);
    assert_non_null(names);
    kv[0] = (av_kv){"pk", 2, av_make_s("k", 1)};
    for (int i = 0; i < N; i++) {
        int len = snprintf(names + 8 * i, 8, "a%d", i);
        kv[i + 1] = (av_kv){names + 8 * i, (size_t)len, av_make_n_canonical("1", 1)};
    }
    av_t old = av_make_m(kv, N + 1);
    av_kv kk = {"pk", 2, av_make_s("k", 1)}, vk = {":v", 2, av_make_n_canonical("2", 1)};
    av_t key = av_make_m(&kk, 1), values = av_make_m(&vk, 1);
    expr_t *parsed = NULL, *upd = NULL;
    expr_env env;
    assert_int_equal(expr_parse(&ia, EXPR_UPDATE, "SET x = :v", 10, &parsed, &e), 0);
    assert_int_equal(expr_env_init(&env, &ia, NULL, &values, &e), 0);
    assert_int_equal(expr_resolve(&ia, parsed, &env, &upd, &e), 0);
    store_table t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "t");
    snprintf(t.key.hash, sizeof t.key.hash, "pk");
    t.key.hash_type = AV_S;
    api_wctx w = {.kind = API_W_UPDATE, .t = &t, .key = &key, .upd = upd};
    const av_t *nw = NULL;
    uint64_t size = UINT64_MAX;
    assert_int_equal(api_write_apply(&w, &old, &a, &nw, &size, &e), 0);
    assert_non_null(nw);
    assert_int_equal(size, av_item_size(nw)); /* handed to the store, which does not measure */
    assert_int_equal(nw->u.map.n, N + 2);
    assert_true(av_equal(av_map_gets(nw, "x"), &vk.val));
    assert_true(av_equal(av_map_gets(nw, "a29999"), &kv[N].val));
    size_t members = (N + 2) * sizeof(av_kv);
    print_message("arena after one SET on %d members: %zu bytes (%zu of member array)\n", N,
                  a.total, members);
    assert_true(a.total <= members + ((size_t)256 << 10));
    arena_fini(&a);
    arena_fini(&ia);
}

/* A failed in-place ConditionCheck's old item kept for its reason (op_item.c keep_old): apply
 * may run again for one write (a round re-run after the map grew: store.h), and the Items'
 * text it counts toward API_REPLY_ITEMS_TEXT counted the item once per run (review17 F6). */
static void keep_old_counts_once(void **state)
{
    (void)state;
    arena_t ia, a;
    arena_init(&ia);
    arena_init(&a);
    err_t e;
    err_clear(&e);
    av_kv kv[2] = {{"pk", 2, av_make_s("k", 1)}, {"x", 1, av_make_s("abc", 3)}};
    av_t old = av_make_m(kv, 2), key = av_make_m(kv, 1);
    expr_t *parsed = NULL, *cond = NULL;
    expr_env env;
    assert_int_equal(expr_parse(&ia, EXPR_CONDITION, "attribute_not_exists(pk)", 24, &parsed, &e),
                     0);
    assert_int_equal(expr_env_init(&env, &ia, NULL, NULL, &e), 0);
    assert_int_equal(expr_resolve(&ia, parsed, &env, &cond, &e), 0);
    store_table t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "t");
    snprintf(t.key.hash, sizeof t.key.hash, "pk");
    t.key.hash_type = AV_S;
    size_t kept = 0;
    api_wctx w = {.kind = API_W_CHECK, .t = &t, .key = &key, .cond = cond, .kept_text = &kept,
                  .kept_max = API_REPLY_ITEMS_TEXT};
    size_t slack = 0, text = jout_item_len(&old, &slack);
    for (int run = 0; run < 2; run++) {
        const av_t *nw = NULL;
        uint64_t size = UINT64_MAX;
        err_clear(&e);
        assert_int_equal(api_write_apply(&w, &old, &a, &nw, &size, &e),
                         ERR_CONDITIONAL_CHECK_FAILED);
        assert_true(av_equal(&w.kept_old, &old));
        assert_int_equal(kept, text); /* once, whatever the runs */
    }
    /* a re-run that now passes (the item gone: the round re-run after a half-written
     * direct write) takes back what the failed runs kept (final17 F7) */
    const av_t *nw = NULL;
    uint64_t size = UINT64_MAX;
    err_clear(&e);
    assert_int_equal(api_write_apply(&w, NULL, &a, &nw, &size, &e), 0);
    assert_int_equal(kept, 0);
    assert_int_equal(w.kept_old.type, AV_NONE);
    arena_fini(&a);
    arena_fini(&ia);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(put_get_roundtrip),       IT_TEST(key_validation),
        IT_TEST(multi_key_sizes),
        IT_TEST(item_too_big),            IT_TEST(return_values_put_delete),
        IT_TEST(condition_failed),        IT_TEST(expression_parameter_rules),
        IT_TEST(update_item),             IT_TEST(consumed_capacity),
        IT_TEST(item_collection_metrics), IT_TEST(get_projection),
        IT_TEST(legacy_conditions),       cmocka_unit_test(wide_update_cost),
        cmocka_unit_test(keep_old_counts_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
