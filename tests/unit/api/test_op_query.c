/*
 * test_op_query — Query and Scan through api_call.
 *
 * Expectations recorded from DynamoDB Local 2026-01-16; each test names what it pins.
 */
#include "item_test.h"

/* Five items pk=q, sk=0..4 (v = i, g = G, l = 9-i) and one other partition, in gtab. */
static void load(it_fix *f)
{
    for (int i = 0; i < 5; i++) {
        char req[256];
        snprintf(req, sizeof req,
                 "{'TableName':'gtab','Item':{'pk':{'S':'q'},'sk':{'S':'%d'},'g':{'S':'G'},"
                 "'v':{'N':'%d'},'l':{'S':'%d'}}}",
                 i, i, 9 - i);
        json_decref(it_ok(f, "PutItem", req));
    }
    json_decref(it_ok(f, "PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'o'},'sk':{'S':'0'}}}"));
}

#define QBASE "'TableName':'gtab','KeyConditionExpression':'pk = :p'"

/* Limit counts items read; LastEvaluatedKey is the last item's table key; paging resumes
 * after it. */
static void query_limit_paging(void **state)
{
    it_fix *f = *state;
    load(f);
    json_t *r = it_ok(f, "Query",
                      "{" QBASE ",'ExpressionAttributeValues':{':p':{'S':'q'}},'Limit':2,"
                      "'ProjectionExpression':'sk'}");
    it_member(r, "Items", "[{'sk':{'S':'0'}},{'sk':{'S':'1'}}]");
    it_member(r, "Count", "2");
    it_member(r, "ScannedCount", "2");
    it_member(r, "LastEvaluatedKey", "{'pk':{'S':'q'},'sk':{'S':'1'}}");
    json_decref(r);
    r = it_ok(f, "Query",
              "{" QBASE ",'ExpressionAttributeValues':{':p':{'S':'q'}},'ProjectionExpression':'sk',"
              "'ExclusiveStartKey':{'pk':{'S':'q'},'sk':{'S':'3'}}}");
    it_member(r, "Items", "[{'sk':{'S':'4'}}]");
    it_member(r, "LastEvaluatedKey", NULL);
    json_decref(r);
    r = it_ok(f, "Query",
              "{" QBASE ",'ExpressionAttributeValues':{':p':{'S':'q'}},'ScanIndexForward':false,"
              "'Limit':2,'ProjectionExpression':'sk'}");
    it_member(r, "Items", "[{'sk':{'S':'4'}},{'sk':{'S':'3'}}]");
    json_decref(r);
}

/* The filter runs after Limit: Count 0 of ScannedCount 3, with a LastEvaluatedKey. */
static void query_filter_after_limit(void **state)
{
    it_fix *f = *state;
    load(f);
    json_t *r = it_ok(f, "Query",
                      "{" QBASE ",'FilterExpression':'v > :two','ExpressionAttributeValues':{"
                      "':p':{'S':'q'},':two':{'N':'2'}},'Limit':3}");
    it_member(r, "Items", "[]");
    it_member(r, "Count", "0");
    it_member(r, "ScannedCount", "3");
    it_member(r, "LastEvaluatedKey", "{'pk':{'S':'q'},'sk':{'S':'2'}}");
    json_decref(r);
    r = it_ok(f, "Query",
              "{'TableName':'gtab','KeyConditionExpression':'pk = :p AND sk BETWEEN :a AND :b',"
              "'Select':'COUNT','ExpressionAttributeValues':{"
              "':p':{'S':'q'},':a':{'S':'1'},':b':{'S':'3'}}}");
    assert_true(it_eq(r, "{'Count':3,'ScannedCount':3}"));
    json_decref(r);
}

/* Select / Limit / index / filter validation texts. */
static void query_validation(void **state)
{
    it_fix *f = *state;
    static const struct {
        const char *extra, *msg;
    } cases[] = {
        {",'Select':'COUNT','ProjectionExpression':'v'",
         "1 validation error detected: "
         "Cannot specify the ProjectionExpression when choosing to get only the Count"},
        {",'Select':'SPECIFIC_ATTRIBUTES'",
         "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression "
         "when choosing to get SPECIFIC_ATTRIBUTES"},
        {",'Select':'ALL_ATTRIBUTES','ProjectionExpression':'v'",
         "1 validation error detected: "
         "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"},
        {",'Select':'ALL_PROJECTED_ATTRIBUTES'",
         "1 validation error detected: "
         "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"},
        {",'Select':'BOGUS'",
         "1 validation error detected: Value 'BOGUS' at 'select' failed to satisfy constraint: "
         "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
         "ALL_PROJECTED_ATTRIBUTES]"},
        {",'Limit':0",
         "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must "
         "have value greater than or equal to 1"},
        {",'IndexName':'nope'", "The table does not have the specified index: nope"},
        {",'FilterExpression':'sk > :p'",
         "Filter Expression can only contain non-primary key attributes: Primary key "
         "attribute: sk"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[512];
        snprintf(req, sizeof req, "{" QBASE ",'ExpressionAttributeValues':{':p':{'S':'q'}}%s}",
                 cases[i].extra);
        it_err(f, "Query", req, ERR_VALIDATION, cases[i].msg);
    }
    it_err(f, "Query", "{'TableName':'gtab'}", ERR_VALIDATION,
           "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
           "the request.");
}

/* GSI rules: KEYS_ONLY projection by default; ALL_ATTRIBUTES and non-projected attributes
 * are errors; ConsistentRead refused.  LSI: ALL_ATTRIBUTES allowed. */
static void query_indexes(void **state)
{
    it_fix *f = *state;
    load(f);
    json_t *r = it_ok(f, "Query",
                      "{'TableName':'gtab','IndexName':'gkey','KeyConditionExpression':'g = :g',"
                      "'ExpressionAttributeValues':{':g':{'S':'G'}},'Select':'COUNT'}");
    assert_true(it_eq(r, "{'Count':5,'ScannedCount':5}"));
    json_decref(r);
    it_err(f, "Query",
           "{'TableName':'gtab','IndexName':'gkey','KeyConditionExpression':'g = :g',"
           "'ExpressionAttributeValues':{':g':{'S':'G'}},'Select':'ALL_ATTRIBUTES'}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
           "supported for global secondary index gkey because its projection type is not ALL");
    it_err(f, "Query",
           "{'TableName':'gtab','IndexName':'gkey','KeyConditionExpression':'g = :g',"
           "'ExpressionAttributeValues':{':g':{'S':'G'}},'ProjectionExpression':'v'}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Global secondary index gkey does not "
           "project [v]");
    /* the key condition and the filter's key attributes are read first (dynalite's Query,
     * checked against AWS; DynamoDB Local) */
    it_err(f, "Query",
           "{'TableName':'gtab','IndexName':'gkey','KeyConditionExpression':'g = :g',"
           "'ExpressionAttributeValues':{':g':{'N':'1'}},'Select':'ALL_ATTRIBUTES'}",
           ERR_VALIDATION,
           "One or more parameter values were invalid: Condition parameter type does not match "
           "schema type");
    it_err(f, "Query",
           "{'TableName':'gtab','IndexName':'gkey','KeyConditionExpression':'g = :g',"
           "'FilterExpression':'g = :g','ExpressionAttributeValues':{':g':{'S':'G'}},"
           "'ProjectionExpression':'v'}",
           ERR_VALIDATION,
           "Filter Expression can only contain non-primary key attributes: Primary key "
           "attribute: g");
    it_err(f, "Query",
           "{'TableName':'gtab','IndexName':'gidx','KeyConditionExpression':'g = :g',"
           "'ExpressionAttributeValues':{':g':{'S':'G'}},'ConsistentRead':true}",
           ERR_VALIDATION, "Consistent reads are not supported on global secondary indexes");
    r = it_ok(f, "Query",
              "{'TableName':'gtab','IndexName':'lidx','KeyConditionExpression':'pk = :p',"
              "'ExpressionAttributeValues':{':p':{'S':'q'}},'Limit':1,'ProjectionExpression':'l'}");
    it_member(r, "Items", "[{'l':{'S':'5'}}]");
    it_member(r, "LastEvaluatedKey", "{'pk':{'S':'q'},'sk':{'S':'4'},'l':{'S':'5'}}");
    json_decref(r);
}

/* Legacy KeyConditions + QueryFilter; ScanFilter. */
static void legacy_query_scan(void **state)
{
    it_fix *f = *state;
    load(f);
    json_t *r = it_ok(f, "Query",
                      "{'TableName':'gtab','KeyConditions':{'pk':{'ComparisonOperator':'EQ',"
                      "'AttributeValueList':[{'S':'q'}]},'sk':{'ComparisonOperator':'GE',"
                      "'AttributeValueList':[{'S':'3'}]}},'QueryFilter':{'v':{'ComparisonOperator':"
                      "'GT','AttributeValueList':[{'N':'3'}]}},'AttributesToGet':['sk']}");
    it_member(r, "Items", "[{'sk':{'S':'4'}}]");
    it_member(r, "ScannedCount", "2");
    json_decref(r);
    r = it_ok(f, "Scan",
              "{'TableName':'gtab','ScanFilter':{'v':{'ComparisonOperator':'BETWEEN',"
              "'AttributeValueList':[{'N':'1'},{'N':'2'}]}},'Select':'COUNT'}");
    assert_true(it_eq(r, "{'Count':2,'ScannedCount':6}"));
    json_decref(r);
}

/* Scan: segments partition the table; Segment/TotalSegments validation texts. */
static void scan_segments(void **state)
{
    it_fix *f = *state;
    load(f);
    long total = 0;
    for (int s = 0; s < 3; s++) {
        char req[128];
        snprintf(req, sizeof req, "{'TableName':'gtab','Segment':%d,'TotalSegments':3}", s);
        json_t *r = it_ok(f, "Scan", req);
        total += (long)json_integer_value(json_object_get(r, "Count"));
        json_decref(r);
    }
    assert_int_equal(total, 6);
    it_err(f, "Scan", "{'TableName':'gtab','Segment':1}", ERR_VALIDATION,
           "The TotalSegments parameter is required but was not present in the request when "
           "Segment parameter is present");
    it_err(f, "Scan", "{'TableName':'gtab','TotalSegments':2}", ERR_VALIDATION,
           "The Segment parameter is required but was not present in the request when "
           "parameter TotalSegments is present");
    it_err(f, "Scan", "{'TableName':'gtab','TotalSegments':2,'Segment':2}", ERR_VALIDATION,
           "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
           "Segment: 2 is not less than TotalSegments: 2");
    it_err(f, "Scan", "{'TableName':'gtab','TotalSegments':2,'Segment':-1}", ERR_VALIDATION,
           "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: "
           "Member must have value greater than or equal to 0");
    it_err(f, "Scan", "{'TableName':'gtab','TotalSegments':1000001,'Segment':0}", ERR_VALIDATION,
           "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy "
           "constraint: Member must have value less than or equal to 1000000");
}

/* Capacity: sizes summed then 4 KB units, eventual = half, charged to the queried index. */
static void capacity(void **state)
{
    it_fix *f = *state;
    load(f);
    json_t *r = it_ok(f, "Query",
                      "{" QBASE ",'ExpressionAttributeValues':{':p':{'S':'q'}},"
                      "'ReturnConsumedCapacity':'TOTAL','ConsistentRead':true}");
    it_member(r, "ConsumedCapacity", "{'TableName':'gtab','CapacityUnits':1.0}");
    json_decref(r);
    r = it_ok(f, "Query",
              "{'TableName':'gtab','IndexName':'gidx','KeyConditionExpression':'g = :g',"
              "'ExpressionAttributeValues':{':g':{'S':'G'}},'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "{'TableName':'gtab','CapacityUnits':0.5,'Table':{'CapacityUnits':0.0},"
              "'GlobalSecondaryIndexes':{'gidx':{'CapacityUnits':0.5}}}");
    json_decref(r);
    /* 10 items of 3001 bytes = 30010 bytes -> 8 units -> 4.0 eventually consistent */
    char req[3200];
    for (int i = 0; i < 10; i++) {
        int n = snprintf(req, sizeof req, "{'TableName':'tab1','Item':{'pk':{'S':'k%d'},'b':{'S':'", i);
        memset(req + n, 'x', 2996);
        snprintf(req + n + 2996, sizeof req - (size_t)n - 2996, "'}}}");
        json_decref(it_ok(f, "PutItem", req));
    }
    r = it_ok(f, "Scan", "{'TableName':'tab1','Select':'COUNT','ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity", "{'TableName':'tab1','CapacityUnits':4.0}");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(query_limit_paging), IT_TEST(query_filter_after_limit),
        IT_TEST(query_validation),   IT_TEST(query_indexes),
        IT_TEST(legacy_query_scan),  IT_TEST(scan_segments),
        IT_TEST(capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
