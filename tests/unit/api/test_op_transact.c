/*
 * test_op_transact — TransactWriteItems / TransactGetItems through api_call (the
 * ClientRequestToken cache they share with ExecuteTransaction: test_api_txn_token.c).
 *
 * Expectations recorded from DynamoDB Local 2026-01-16; each test names what it pins.
 */
#include "item_test.h"

static long v_of_t1(it_fix *f)
{
    json_t *r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'t1'}}}");
    json_t *v = json_object_get(json_object_get(json_object_get(r, "Item"), "v"), "N");
    long n = v ? strtol(json_string_value(v), NULL, 10) : -1;
    json_decref(r);
    return n;
}

/* All kinds apply together; capacity is the ordinary units doubled, summed per table (the
 * service's rule; DynamoDB Local sums only the DISTINCT per-item unit counts of a table —
 * e.g. two 1-unit puts report 2.0 — a Local quirk we do not copy). */
static void all_kinds(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t3'}}}"));
    json_t *r = it_ok(f, "TransactWriteItems",
                      "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'t2'}}}},"
                      "{'Update':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},'UpdateExpression':"
                      "'SET v = v + :o','ExpressionAttributeValues':{':o':{'N':'1'}}}},"
                      "{'Delete':{'TableName':'tab1','Key':{'pk':{'S':'t3'}}}},"
                      "{'ConditionCheck':{'TableName':'tab2','Key':{'pk':{'S':'x'},'sk':{'N':'1'}},"
                      "'ConditionExpression':'attribute_not_exists(pk)'}}],"
                      "'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "ConsumedCapacity",
              "[{'TableName':'tab1','CapacityUnits':6.0,'WriteCapacityUnits':6.0},"
              "{'TableName':'tab2','CapacityUnits':2.0,'WriteCapacityUnits':2.0}]"); /* a check: a write */
    json_decref(r);
    assert_int_equal(v_of_t1(f), 2);
    r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'t3'}}}");
    it_member(r, "Item", NULL);
    json_decref(r);
}

/* A failed condition cancels all; reasons in order; ConditionCheck's message has a period;
 * Item with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
static void canceled(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    json_t *x = it_err(f, "TransactWriteItems",
                       "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'t2'}}}},"
                       "{'ConditionCheck':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},"
                       "'ConditionExpression':'attribute_not_exists(pk)',"
                       "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}}]}",
                       ERR_TRANSACTION_CANCELED,
                       "Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [None, ConditionalCheckFailed]");
    assert_non_null(x);
    it_member(x, "CancellationReasons",
              "[{'Code':'None'},{'Code':'ConditionalCheckFailed','Message':'The conditional "
              "request failed.','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}]");
    json_decref(x);
    json_t *r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'t2'}}}");
    it_member(r, "Item", NULL);
    json_decref(r);
    x = it_err(f, "TransactWriteItems",
               "{'TransactItems':[{'Update':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},"
               "'UpdateExpression':'SET pk = :o','ExpressionAttributeValues':{':o':{'S':'1'}}}}]}",
               ERR_TRANSACTION_CANCELED,
               "Transaction cancelled, please refer cancellation reasons for specific reasons "
               "[ValidationError]");
    it_member(x, "CancellationReasons",
              "[{'Code':'ValidationError','Message':'One or more parameter values were invalid: "
              "Cannot update attribute pk. This attribute is part of the key'}]");
    json_decref(x);
}

/* Request validation texts. */
static void validation(void **state)
{
    it_fix *f = *state;
    it_err(f, "TransactWriteItems",
           "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'a'}}}},"
           "{'Delete':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}]}",
           ERR_VALIDATION, "Transaction request cannot include multiple operations on one item");
    it_err(f, "TransactWriteItems", "{}", ERR_VALIDATION,
           "1 validation error detected: Value null at 'transactItems' failed to satisfy "
           "constraint: Member must not be null");
    it_err(f, "TransactWriteItems", "{'TransactItems':[{}]}", ERR_VALIDATION,
           "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request");
    it_err(f, "TransactWriteItems",
           "{'TransactItems':[{'ConditionCheck':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}]}",
           ERR_VALIDATION,
           "1 validation error detected: Value null at "
           "'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy "
           "constraint: Member must not be null");
    it_err(f, "TransactGetItems",
           "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}},"
           "{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}]}",
           ERR_VALIDATION, "Transaction request cannot include multiple operations on one item");
}

/* TransactGetItems: Responses in order, {} for missing, projection, 2 units per item. */
static void transact_get(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    json_t *r = it_ok(f, "TransactGetItems",
                      "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},"
                      "'ProjectionExpression':'v'}},{'Get':{'TableName':'tab1','Key':{'pk':{'S':'no'}}}}],"
                      "'ReturnConsumedCapacity':'TOTAL'}");
    it_member(r, "Responses", "[{'Item':{'v':{'N':'1'}}},{}]");
    it_member(r, "ConsumedCapacity", "[{'TableName':'tab1','CapacityUnits':4.0,'ReadCapacityUnits':4.0}]");
    json_decref(r);
    /* INDEXES: the Table arm carries the split as well (the service's answer, conformance
     * suite tier2 transactGet) */
    r = it_ok(f, "TransactGetItems",
              "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'t1'}}}}],"
              "'ReturnConsumedCapacity':'INDEXES'}");
    it_member(r, "ConsumedCapacity",
              "[{'TableName':'tab1','CapacityUnits':2.0,'ReadCapacityUnits':2.0,"
              "'Table':{'CapacityUnits':2.0,'ReadCapacityUnits':2.0}}]");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(all_kinds),  IT_TEST(canceled),
        IT_TEST(validation), IT_TEST(transact_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
