/*
 * test_api_jread — a request handed to the API as our reader's tree (api_call_out_jr; GetItem
 * reads its common form straight into values, issue 13.1) gets exactly the answer it gets as
 * jansson's tree (api_call_out): the same code, the same message, the same extra fields, the
 * same reply bytes.  GetItem over found / missing items, S and N keys (canonical and not),
 * ConsistentRead, ReturnConsumedCapacity, every error before and after the table (model,
 * serialization, unknown table, key schema, types, empty values, invalid numbers), the
 * requests the fast path leaves to jansson's (expressions, legacy parameters, binary keys,
 * nulls, repeated members, names with U+0000), and a few other operations through the
 * jread entry.
 *
 * PutItem, UpdateItem and DeleteItem the same way (their common requests are read straight
 * into values too): each request runs twice from the same table contents (reset_items), once
 * per entry, and besides the answer the tables' contents after it must be the same.  The
 * common requests that need no jansson tree for their reply make no jansson allocation at all
 * through the jread entry (count_jansson).
 */
#include "item_test.h"

/* Both ways; returns the rc (they are equal). */
static int same(it_fix *f, const char *op, const char *req)
{
    char *t = it_quoted(req);
    it_answer a, b;
    it_via_jansson(f, op, t, &a, NULL);
    it_via_jread(f, op, t, &b, NULL);
    it_same_answer(op, t, &a, &b);
    int rc = a.rc;
    it_answer_fini(&a);
    it_answer_fini(&b);
    free(t);
    return rc;
}

/* ---- the writes: both entries from the same starting contents ---- */

static json_t *call_tree(it_fix *f, const char *op, json_t *req)
{
    err_t e = {0};
    json_t *out = NULL;
    int rc = api_call(f->api, op, req, NULL, &out, &e);
    if (rc)
        fail_msg("%s: %s", op, e.msg);
    return out;
}

static const char *const tables[] = {"tab1", "tab2", "gtab"};

/* Every table's items, in key order, as text (caller frees). */
static char *contents(it_fix *f)
{
    json_t *all = json_object();
    for (size_t t = 0; t < 3; t++) {
        json_t *req = json_pack("{s:s, s:b}", "TableName", tables[t], "ConsistentRead", 1);
        json_t *resp = call_tree(f, "Scan", req);
        json_object_set(all, tables[t], json_object_get(resp, "Items"));
        json_decref(resp);
        json_decref(req);
    }
    char *d = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    return d;
}

/* The same starting contents for both runs of a write. */
static void reset_items(it_fix *f)
{
    for (size_t t = 0; t < 3; t++) {
        json_t *req = json_pack("{s:s}", "TableName", tables[t]);
        json_t *resp = call_tree(f, "Scan", req);
        json_decref(req);
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(resp, "Items"), i, item)
        {
            json_t *key = json_object();
            json_object_set(key, "pk", json_object_get(item, "pk"));
            if (t > 0)
                json_object_set(key, "sk", json_object_get(item, "sk"));
            json_t *del = json_pack("{s:s, s:o}", "TableName", tables[t], "Key", key);
            json_decref(call_tree(f, "DeleteItem", del));
            json_decref(del);
        }
        json_decref(resp);
    }
    json_decref(it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'x'},'n':{'N':'1.50'},"
                      "'m':{'M':{'k':{'L':[{'BOOL':true},{'NULL':true}]}}},'ss':{'SS':['b','a']},"
                      "'cnt':{'N':'7'}}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'15'},"
                                    "'v':{'B':'AAEC'}}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'b'},"
                                    "'g':{'S':'x'},'l':{'S':'y'}}}"));
}

/* A write through both entries from the same contents: the same answer and the same contents
 * after.  Returns the rc; *jansson_allocs (may be NULL): jansson allocations of the jread run. */
static int same_w(it_fix *f, const char *op, const char *req, size_t *jansson_allocs)
{
    char *t = it_quoted(req);
    it_answer a, b;
    reset_items(f);
    it_via_jansson(f, op, t, &a, NULL);
    char *ca = contents(f);
    reset_items(f);
    it_via_jread(f, op, t, &b, jansson_allocs);
    char *cb = contents(f);
    it_same_answer(op, t, &a, &b);
    if (strcmp(ca, cb) != 0)
        fail_msg("%s %s: the tables differ after it\n jansson %s\n jread   %s", op, t, ca, cb);
    int rc = a.rc;
    free(ca);
    free(cb);
    it_answer_fini(&a);
    it_answer_fini(&b);
    free(t);
    return rc;
}

typedef struct wcase {
    const char *op;
    const char *req;
} wcase;

/* Succeed through both entries; the first `fast` ones without any jansson allocation. */
static void writes_ok(it_fix *f, const wcase *c, size_t n, size_t fast)
{
    for (size_t i = 0; i < n; i++) {
        size_t allocs = 0;
        if (same_w(f, c[i].op, c[i].req, &allocs) != 0)
            fail_msg("failed: %s %s", c[i].op, c[i].req);
        if (i < fast && allocs != 0)
            fail_msg("%zu jansson allocations: %s %s", allocs, c[i].op, c[i].req);
    }
}

static void writes_bad(it_fix *f, const wcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (same_w(f, c[i].op, c[i].req, NULL) == 0)
            fail_msg("succeeded: %s %s", c[i].op, c[i].req);
}

static void test_put_item_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        /* read without a jansson tree, and the reply needs none */
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'new'},'v':{'S':'y'}}}"},
        {"PutItem", "{'Item':{'pk':{'S':'a'},'v':{'S':'z'}},'TableName':'tab1'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'z'}},"
                    "'ReturnValues':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'new'}},'ReturnValues':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':'NONE',"
                    "'ReturnConsumedCapacity':'NONE','ReturnItemCollectionMetrics':'NONE',"
                    "'ReturnValuesOnConditionCheckFailure':'NONE'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'b'},'s':{'S':''},'n':{'N':'-0.0100'},"
                    "'b':{'B':'AAEC'},'t':{'BOOL':false},'z':{'NULL':true},"
                    "'l':{'L':[{'S':'x'},{'N':'1'},{'M':{}}]},'m':{'M':{'q':{'SS':['b','a']},"
                    "'r':{'NS':['1','01.0e1']},'s':{'BS':['AA==','AQ==']}}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'n\\u0000ul'},'a\\u0000b':{'S':'y'},"
                    "'esc\\\"\\n':{'S':'\\u00e9\\ud83d\\ude00'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'new'}},"
                    "'ConditionExpression':'attribute_not_exists(pk)'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'cnt':{'N':'8'}},"
                    "'ConditionExpression':'#c < :m AND v = :x','ExpressionAttributeNames':"
                    "{'#c':'cnt'},'ExpressionAttributeValues':{':m':{'N':'10'},':x':{'S':'x'}},"
                    "'ReturnValues':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'015.000'}}}"},
        {"PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'c'},'g':{'S':'x'},"
                    "'l':{'S':'z'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'pk':{'S':'c'}}}"},
        /* the same path; capacity and metrics written without a tree too */
        {"PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'b'},'g':{'S':'w'}},"
                    "'ReturnConsumedCapacity':'INDEXES','ReturnItemCollectionMetrics':'SIZE',"
                    "'ReturnValues':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'TOTAL'}"},
        /* the legacy parameters, read from our reader's tree too (api_legacy.c) */
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                    "{'S':'x'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Exists':"
                    "true,'Value':{'S':'x'}},'q':{'Exists':false}},'ConditionalOperator':'AND'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'ComparisonOperator':'IN','AttributeValueList':[{'S':'y'},{'S':'x'}]},"
                    "'a\\u0000b':{'ComparisonOperator':'NULL'},'cnt':{'ComparisonOperator':'BETWEEN',"
                    "'AttributeValueList':[{'N':'1'},{'N':'7.0'}]}},'ConditionalOperator':'AND',"
                    "'ReturnValues':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                    "{'S':'no'}},'cnt':{'ComparisonOperator':'GT','AttributeValueList':"
                    "[{'N':'1'}]}},'ConditionalOperator':'OR'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'new'}},'Expected':{}}"},
        /* left to the jansson path */
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':null}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'x':{'S':'5'},'y':{'BOOL':true}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'z':{'NULL':true}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':null}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Unknown':1}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], 19);
    static const wcase bad[] = {
        /* a wrong JSON token: AWS's SerializationException ("NUMBER_VALUE cannot be ...") */
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'x':{'S':5}}}"},
        /* the legacy parameters' refusals (api_legacy.c's texts, the jansson path answers) */
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                    "{'S':'no'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionalOperator':'AND'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                    "{'S':'x'}}},'ConditionalOperator':'OR'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Exists':false,"
                    "'Value':{'S':'x'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'ComparisonOperator':'EQ'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'ComparisonOperator':'EQ','Exists':true,'Value':{'S':'x'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'ComparisonOperator':'EQ\\u0000','Value':{'S':'x'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'ComparisonOperator':'LT','AttributeValueList':[{'SS':['x']}]}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'Value':{'N':'x'}}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'Value':{'S':'x'}},'w':7}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{"
                    "'Value':{'S':'x'}}},'ExpressionAttributeNames':{'#n':'v'}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'y':{'BOOL':'TRUE'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'z':{'NULL':'true'}}}"},
        {"PutItem", "{}"},
        {"PutItem", "{'TableName':'tab1'}"},
        {"PutItem", "{'Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':[]}"},
        {"PutItem", "{'TableName':'tab1','Item':{}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'v':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'N':'1'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':''}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'n':{'N':'abc'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'s':{'SS':['x','x']}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'z':{'NULL':false}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'s':{'SS':[]},'n':{'N':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'n':{'N':'x'},'s':{'SS':1.5}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':null}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'},'b':{'B':'A'}}}"},
        {"PutItem", "{'TableName':'nosuchtable','Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'t','Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'tab\\u0000','Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':7,'Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'}}}"},
        {"PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'S':'1'}}}"},
        {"PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'c'},'g':{'N':'1'}}}"},
        {"PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'c'},'l':{'S':''}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':'ALL_NEW'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':'SOME'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnValues':'NONE\\u0000'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'ALL'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                    "'ReturnItemCollectionMetrics':'ALL'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                    "'ReturnValuesOnConditionCheckFailure':'ALL_NEW'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                    "'ConditionExpression':'attribute_not_exists(pk)'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'no'}},"
                    "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v'}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'x'},':w':{'S':'y'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'#q = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':''}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':5}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                    "'ExpressionAttributeNames':{'#n':'v'}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},"
                    "'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeNames':{},'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeValues':{}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeValues':{':v':{'N':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'#n = :v',"
                    "'ExpressionAttributeNames':{'#n':7},'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'#n = :v',"
                    "'ExpressionAttributeNames':{'#n':''},'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'pk.x = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'x'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':'v = :v',"
                    "'ExpressionAttributeValues':{':v':{'S':'x'}},'Expected':{'v':{'Exists':false}}}"},
        {"PutItem", "{'TableName':'nosuchtable','Item':{'pk':{'S':'a'}},'ConditionExpression':"
                    "'v = :v','ExpressionAttributeValues':{':v':{'S':'x'},':u':{'S':'y'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'Expected':{'v':{'Exists':true}}}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}

static void test_update_item_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'new'}},"
                       "'UpdateExpression':'SET v = :v','ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET #m.k[0] = :v, cnt = cnt + :one REMOVE n ADD ss :s',"
                       "'ExpressionAttributeNames':{'#m':'m'},'ExpressionAttributeValues':{"
                       "':v':{'S':'q'},':one':{'N':'1'},':s':{'SS':['c']}},"
                       "'ReturnValues':'ALL_NEW'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}},'ReturnValues':'UPDATED_OLD'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}},'ReturnValues':'UPDATED_NEW'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'REMOVE v',"
                       "'ReturnValues':'ALL_OLD'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'new'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                       "'ConditionExpression':'attribute_exists(pk)'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ConditionExpression':'cnt > :v0','ExpressionAttributeValues':"
                       "{':v':{'S':'q'},':v0':{'N':'1'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'DELETE ss :d','ExpressionAttributeValues':{':d':{'SS':['a','q']}},"
                       "'ReturnValues':'UPDATED_NEW'}"},
        {"UpdateItem", "{'TableName':'tab2','Key':{'sk':{'N':'1.5e1'},'pk':{'S':'a'}},"
                       "'UpdateExpression':'SET w = v'}"},
        {"UpdateItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
                       "'UpdateExpression':'SET g = :g','ExpressionAttributeValues':{':g':{'S':'h'}},"
                       "'ReturnValues':'ALL_NEW'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'n\\u0000ul'}},'UpdateExpression':"
                       "'SET #a = :v','ExpressionAttributeNames':{'#a':'a\\u0000b'},"
                       "'ExpressionAttributeValues':{':v':{'S':'\\u0000'}}}"},
        /* the same path; capacity and metrics written without a tree too */
        {"UpdateItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
                       "'UpdateExpression':'SET g = :g','ExpressionAttributeValues':{':g':{'S':'h'}},"
                       "'ReturnConsumedCapacity':'INDEXES','ReturnItemCollectionMetrics':'SIZE'}"},
        /* the legacy parameters, read from our reader's tree too (api_legacy.c) */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT','Value':{'S':'q'}}},'ReturnValues':'ALL_NEW'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'cnt':"
                       "{'Action':'ADD','Value':{'N':'2'}}},'Expected':{'v':{'Value':{'S':'x'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'ss':"
                       "{'Action':'DELETE','Value':{'SS':['a']}},'n':{'Action':'DELETE'},"
                       "'a\\u0000b':{'Value':{'L':[{'N':'1'}]}},'new':{'Action':'ADD','Value':"
                       "{'NS':['3']}}},'ReturnValues':'UPDATED_NEW'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'new'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT','Value':{'S':'q'}}},'Expected':{'v':{'Exists':false}},"
                       "'ReturnValues':'ALL_OLD'}"},
        /* left to the jansson path */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':null}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'5'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], 18);
    static const wcase bad[] = {
        /* a wrong JSON token: AWS's SerializationException ("NUMBER_VALUE cannot be ...") */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':5}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        /* the legacy parameters' refusals (api_legacy.c's texts, the jansson path answers) */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'ADD','Value':{'S':'q'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'DELETE','Value':{'S':'q'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT\\u0000','Value':{'S':'q'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'pk':"
                       "{'Action':'PUT','Value':{'S':'q'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT','Value':{'S':'q'}}},'UpdateExpression':'SET w = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':"
                       "{'Action':'PUT','Value':{'S':'q'}}},'Expected':{'v':{'Value':{'S':'no'}}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributeUpdates':{'v':5}}"},
        {"UpdateItem", "{'TableName':'tab1'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'},'x':{'S':'b'}}}"},
        {"UpdateItem", "{'TableName':'tab2','Key':{'pk':{'S':'a'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET pk = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET pk.x = :v','ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'},':w':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = ',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET v = :v REMOVE v','ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET v = :v','ConditionExpression':'v = :w','ExpressionAttributeValues':"
                       "{':v':{'S':'q'},':w':{'S':'no'}},'ReturnValuesOnConditionCheckFailure':"
                       "'ALL_OLD'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'ADD v :one','ExpressionAttributeValues':{':one':{'N':'1'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET v = :v','ExpressionAttributeValues':{':v':{'S':'q'}},"
                       "'AttributeUpdates':{'v':{'Action':'DELETE'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ExpressionAttributeValues':"
                       "{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}},'ReturnValues':'ALL'}"},
        {"UpdateItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
                       "'UpdateExpression':'SET g = :g','ExpressionAttributeValues':{':g':{'N':'1'}}}"},
        {"UpdateItem", "{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}},"
                       "'UpdateExpression':'SET v = :v','ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET #m.#m.#m = :v','ExpressionAttributeNames':{'#m':'m'},"
                       "'ExpressionAttributeValues':{':v':{'S':'q'}}}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}

static void test_delete_item_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'zz'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'ALL_OLD'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':"
                       "'#v = :v AND size(ss) = :two','ExpressionAttributeNames':{'#v':'v'},"
                       "'ExpressionAttributeValues':{':v':{'S':'x'},':two':{'N':'2'}}}"},
        {"DeleteItem", "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'015.000'}},"
                       "'ReturnValues':'ALL_OLD'}"},
        {"DeleteItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}}}"},
        /* capacity and metrics written without a tree too */
        {"DeleteItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
                       "'ReturnConsumedCapacity':'TOTAL','ReturnItemCollectionMetrics':'SIZE'}"},
        /* the legacy parameters, read from our reader's tree too (api_legacy.c) */
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                       "{'S':'x'}}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                       "{'S':'x'}},'w':{'Exists':false}},'ConditionalOperator':'AND',"
                       "'ReturnValues':'ALL_OLD'}"},
        /* left to the jansson path */
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':null}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], 9);
    static const wcase bad[] = {
        {"DeleteItem", "{'TableName':'tab1'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                       "{'S':'no'}}},'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Expected':{'v':{'Value':"
                       "{'S':'x'}}},'ConditionExpression':'attribute_exists(v)'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'N':'1'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':''}}}"},
        {"DeleteItem", "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'1e999'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnValues':'ALL_NEW'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                       "'ConditionExpression':'attribute_not_exists(pk)'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':"
                       "'v = :v','ExpressionAttributeValues':{':v':{'S':'no'}},"
                       "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':"
                       "'v = :v'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET v = :v','ExpressionAttributeValues':{':v':{'S':'q'}}}"},
        {"DeleteItem", "{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':"
                       "'pk.a = :v','ExpressionAttributeValues':{':v':{'S':'no'}}}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}


/* Succeed through both entries; the first `fast` ones with at most max_allocs jansson
 * allocations through the jread entry (TransactWriteItems' reply is still a tree). */
static void writes_ok_max(it_fix *f, const wcase *c, size_t n, size_t fast, size_t max_allocs)
{
    for (size_t i = 0; i < n; i++) {
        size_t allocs = 0;
        if (same_w(f, c[i].op, c[i].req, &allocs) != 0)
            fail_msg("failed: %s %s", c[i].op, c[i].req);
        if (i < fast && allocs > max_allocs)
            fail_msg("%zu jansson allocations: %s %s", allocs, c[i].op, c[i].req);
    }
}

static void test_transact_write_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'new'},'v':{'S':'y'}}}}]}"},
        {"TransactWriteItems",
         "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'new'}},"
         "'ConditionExpression':'attribute_not_exists(pk)'}},{'Delete':{'TableName':'tab2',"
         "'Key':{'pk':{'S':'a'},'sk':{'N':'015.0'}},'ConditionExpression':'attribute_exists(v)'}},"
         "{'Update':{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':"
         "'SET #c = #c + :one REMOVE v','ExpressionAttributeNames':{'#c':'cnt'},"
         "'ExpressionAttributeValues':{':one':{'N':'1'}}}},{'ConditionCheck':{'TableName':'gtab',"
         "'Key':{'pk':{'S':'a'},'sk':{'S':'b'}},'ConditionExpression':'g = :g',"
         "'ExpressionAttributeValues':{':g':{'S':'x'}},"
         "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Update':{'TableName':'tab1','Key':{'pk':"
                               "{'S':'n\\u0000ul'}},'UpdateExpression':'SET #a = :v',"
                               "'ExpressionAttributeNames':{'#a':'a\\u0000b'},"
                               "'ExpressionAttributeValues':{':v':{'S':'\\u0000'}}}}],"
                               "'ReturnConsumedCapacity':'NONE','ReturnItemCollectionMetrics':'NONE'}"},
        /* the same path; capacity and metrics in the reply (written without a tree too) */
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'gtab','Item':{'pk':{'S':'a'},"
                               "'sk':{'S':'q'},'g':{'S':'w'}}}},{'Delete':{'TableName':'tab1',"
                               "'Key':{'pk':{'S':'a'}}}}],'ReturnConsumedCapacity':'INDEXES',"
                               "'ReturnItemCollectionMetrics':'SIZE'}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'b'}}}}],'ReturnConsumedCapacity':'TOTAL'}"},
        /* left to the jansson path */
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'new'}},'ConditionExpression':null}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'new'},'x':{'S':'5'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v'}}]}"},
    };
    writes_ok_max(f, ok, sizeof ok / sizeof ok[0], 5, 0);
    /* a ClientRequestToken (its cache keys the request's digest, value/jdigest.h): the second
     * entry gets the first's answer replayed */
    reset_items(f);
    assert_int_equal(same(f, "TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':"
                                                   "'tab1','Item':{'pk':{'S':'new'}}}}],"
                                                   "'ClientRequestToken':'tok1'}"),
                     0);
    static const wcase bad[] = {
        /* a wrong JSON token: AWS's SerializationException ("NUMBER_VALUE cannot be ...") */
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'new'},'x':{'S':5}}}}]}"},
        {"TransactWriteItems", "{}"},
        {"TransactWriteItems", "{'TransactItems':[]}"},
        {"TransactWriteItems", "{'TransactItems':[{}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'}}},'Delete':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'}}}},{'Delete':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'N':'1'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':''}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Delete':{'TableName':'tab2','Key':"
                               "{'pk':{'S':'a'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'nosuchtable','Item':"
                               "{'pk':{'S':'a'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'},'n':{'N':'x'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'}},'ConditionExpression':'attribute_not_exists(pk)',"
                               "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}},{'Update':"
                               "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'15'}},"
                               "'UpdateExpression':'SET w = :w','ExpressionAttributeValues':"
                               "{':w':{'N':'1'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'ConditionCheck':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Update':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v'}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Update':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}},'UpdateExpression':'SET v = :v',"
                               "'ExpressionAttributeValues':{':v':{'S':'q'},':w':{'S':'q'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Update':{'TableName':'tab1','Key':"
                               "{'pk':{'S':'a'}},'UpdateExpression':'SET pk = :v',"
                               "'ExpressionAttributeValues':{':v':{'S':'q'}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'gtab','Item':{'pk':"
                               "{'S':'a'},'sk':{'S':'q'},'g':{'N':'1'}}}},{'Put':{'TableName':"
                               "'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'r'},'l':{'S':''}}}}]}"},
        {"TransactWriteItems", "{'TransactItems':[{'Put':{'TableName':'tab1','Item':"
                               "{'pk':{'S':'a'}}}}],'ReturnConsumedCapacity':'ALL'}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}


/* A ClientRequestToken on the common path (issue 13.1): the cache keeps the request's digest
 * (value/jdigest.h), walked from our reader's tree, and the answer kept is the reply's text.  Each
 * request runs once per entry under its own token from the same contents (same answer, same
 * contents, no jansson allocation through the jread entry); then each entry replays the entry
 * the other one made: found (not IdempotentParameterMismatch, so the digests of the two trees
 * are the same) and replayed alike (so the kept answers are). */
static void test_transact_write_token_same(void **state)
{
    it_fix *f = *state;
    static const char *const reqs[] = {
        "{'TransactItems':[{'Put':{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'q'},"
        "'g':{'S':'w'},'a\\u0000b':{'S':'\\u00e9'},'a':{'N':'1'}}}},{'Delete':{'TableName':"
        "'tab1','Key':{'pk':{'S':'a'}}}},{'ConditionCheck':{'TableName':'tab2','Key':{'pk':"
        "{'S':'a'},'sk':{'N':'15'}},'ConditionExpression':'attribute_exists(v)'}}],"
        "'ReturnConsumedCapacity':'INDEXES','ReturnItemCollectionMetrics':'SIZE',"
        "'ClientRequestToken':'%s'}",
        "{'ClientRequestToken':'%s','TransactItems':[{'Update':{'TableName':'tab1','Key':{'pk':"
        "{'S':'a'}},'UpdateExpression':'SET #c = #c + :one','ExpressionAttributeNames':"
        "{'#c':'cnt'},'ExpressionAttributeValues':{':one':{'N':'1'}}}}]}",
        "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'t'}}}},{'Update':"
        "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},'UpdateExpression':"
        "'SET l = :l','ExpressionAttributeValues':{':l':{'S':'m'}}}}],"
        "'ClientRequestToken':'%s','ReturnConsumedCapacity':'TOTAL',"
        "'ReturnItemCollectionMetrics':'SIZE'}",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        char ra[1024], rb[1024], ta[32], tb[32];
        snprintf(ta, sizeof ta, "js-%zu\\u0000x", i);
        snprintf(tb, sizeof tb, "jr-%zu", i);
        snprintf(ra, sizeof ra, reqs[i], ta);
        snprintf(rb, sizeof rb, reqs[i], tb);
        char *qa = it_quoted(ra), *qb = it_quoted(rb);
        it_answer a, b, replay_a, replay_b;
        size_t n_jansson;
        reset_items(f);
        it_via_jansson(f, "TransactWriteItems", qa, &a, NULL);
        char *ca = contents(f);
        reset_items(f);
        it_via_jread(f, "TransactWriteItems", qb, &b, &n_jansson);
        char *cb = contents(f);
        if (a.rc || b.rc || strcmp(a.text, b.text) != 0 || strcmp(ca, cb) != 0)
            fail_msg("%s\n jansson %d %s %s\n jread   %d %s %s", qa, a.rc, a.msg,
                     a.text ? a.text : "-", b.rc, b.msg, b.text ? b.text : "-");
        if (n_jansson != 0)
            fail_msg("%zu jansson allocations: %s", n_jansson, qb);
        it_via_jread(f, "TransactWriteItems", qa, &replay_a, NULL);   /* jansson's entry */
        it_via_jansson(f, "TransactWriteItems", qb, &replay_b, NULL); /* ours */
        if (replay_a.rc || replay_b.rc || strcmp(replay_a.text, replay_b.text) != 0)
            fail_msg("replays differ\n of jansson's %d %s %s\n of ours      %d %s %s",
                     replay_a.rc, replay_a.msg, replay_a.text ? replay_a.text : "-", replay_b.rc,
                     replay_b.msg, replay_b.text ? replay_b.text : "-");
        char *cr = contents(f);
        assert_string_equal(cr, cb); /* a replay writes nothing */
        free(cr);
        free(ca);
        free(cb);
        it_answer_fini(&a);
        it_answer_fini(&b);
        it_answer_fini(&replay_a);
        it_answer_fini(&replay_b);
        free(qa);
        free(qb);
    }
}

static void test_transact_get_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}},"
                             "{'Get':{'TableName':'tab1','Key':{'pk':{'S':'zz'}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'Key':{'pk':{'S':'a'}},'TableName':'tab1',"
                             "'ProjectionExpression':'#m.k[1], v, ss','ExpressionAttributeNames':"
                             "{'#m':'m'}}},{'Get':{'TableName':'tab2','Key':{'sk':{'N':'015.0'},"
                             "'pk':{'S':'a'}}}},{'Get':{'TableName':'gtab','Key':{'pk':{'S':'a'},"
                             "'sk':{'S':'b'}},'ProjectionExpression':'nothere'}}],"
                             "'ReturnConsumedCapacity':'INDEXES'}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':"
                             "'n\\u0000ul'}}}}],'ReturnConsumedCapacity':'TOTAL'}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}],"
                             "'ReturnConsumedCapacity':'NONE'}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}},"
                             "{'Get':{'TableName':'tab2','Key':{'pk':{'S':'a'}}}}]}"}, /* cancelled */
        /* left to the jansson path */
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':null}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ExpressionAttributeValues':{':v':{'S':'x'}}}}]}"},
        /* names without a ProjectionExpression: taken, unused (AWS; test_transact
         * test_transact_names_values_without_expression) */
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ExpressionAttributeNames':{'#n':'v'}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a',"
                             "'N':null}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}},"
                             "'Put':{'TableName':'tab1','Item':{'pk':{'S':'a'}}}}]}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t allocs = 0;
        int rc = same_w(f, ok[i].op, ok[i].req, &allocs);
        if (i < 4 && allocs != 0) /* (a cancellation's reasons are a tree: api_canceled) */
            fail_msg("%zu jansson allocations: %s", allocs, ok[i].req);
        if (rc != (i == 4 ? ERR_TRANSACTION_CANCELED : 0))
            fail_msg("rc %d: %s", rc, ok[i].req);
    }
    static const wcase bad[] = {
        {"TransactGetItems", "{}"},
        {"TransactGetItems", "{'TransactItems':[]}"},
        {"TransactGetItems", "{'TransactItems':[{}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1'}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'nosuchtable','Key':{'pk':"
                             "{'S':'a'}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}},"
                             "{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':''}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'N':'1'}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab2','Key':{'pk':{'S':'a'},"
                             "'sk':{'N':'x'}}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':'v','ExpressionAttributeNames':{'#n':'v'}}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':'#n'}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':'v,'}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':'pk.x'}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}},"
                             "{'Get':{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}},"
                             "'ProjectionExpression':'v,'}}]}"},
        {"TransactGetItems", "{'TransactItems':[{'Get':{'TableName':'tab1','Key':{'pk':{'S':'a'}}}}],"
                             "'ReturnConsumedCapacity':'ALL'}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}

static void test_batch_get_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'zz'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],'ConsistentRead':true,"
                         "'ProjectionExpression':'#m.k[1], v, ss','ExpressionAttributeNames':"
                         "{'#m':'m'}},'tab2':{'Keys':[{'pk':{'S':'a'},'sk':{'N':'015.0'}},"
                         "{'sk':{'N':'16'},'pk':{'S':'a'}}],'ConsistentRead':false},"
                         "'gtab':{'Keys':[{'pk':{'S':'a'},'sk':{'S':'b'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'n\\u0000ul'}}]}},"
                         "'ReturnConsumedCapacity':'NONE'}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'5'}}]}}}"},
        /* the same path; capacity in the reply */
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}]},'gtab':{'Keys':"
                         "[{'pk':{'S':'a'},'sk':{'S':'b'}}]}},'ReturnConsumedCapacity':'INDEXES'}"},
        /* AttributesToGet, read from our reader's tree too (api_legacy.c) */
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'AttributesToGet':['v']}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'zz'}}],"
                         "'AttributesToGet':['ss','m','nope'],'ConsistentRead':true},'tab2':"
                         "{'Keys':[{'pk':{'S':'a'},'sk':{'N':'15'}}],'AttributesToGet':['sk']}}}"},
        /* left to the jansson path */
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ConsistentRead':null}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ExpressionAttributeValues':{':v':{'S':'x'}}}}}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], 7);
    static const wcase bad[] = {
        /* a wrong JSON token: AWS's SerializationException ("NUMBER_VALUE cannot be ...") */
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':5}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'AttributesToGet':['v','v']}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'AttributesToGet':['v'],'ProjectionExpression':'v'}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'AttributesToGet':['v']},'tab2':{'Keys':[{'pk':{'S':'a'},"
                         "'sk':{'N':'15'}}],'ProjectionExpression':'v'}}}"},
        {"BatchGetItem", "{}"},
        {"BatchGetItem", "{'RequestItems':{}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'a'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab2':{'Keys':[{'pk':{'S':'a'},'sk':{'N':'15'}},"
                         "{'pk':{'S':'b'},'sk':{'N':'15'}},{'sk':{'N':'1.5E1'},'pk':{'S':'a'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab2':{'Keys':[{'pk':{'S':'a'},'sk':{'N':'-0'}},"
                         "{'pk':{'S':'a'},'sk':{'N':'0.00'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'N':'1'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':''}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'},'x':{'S':'b'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab2':{'Keys':[{'pk':{'S':'a'},'sk':{'N':'x'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'nosuchtable':{'Keys':[{'pk':{'S':'a'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}]},'tab\\u0000':"
                         "{'Keys':[{'pk':{'S':'a'}}]}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ExpressionAttributeNames':{'#n':'v'}}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ProjectionExpression':'#n'}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ProjectionExpression':'pk.x'}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ProjectionExpression':'v,'}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}],"
                         "'ProjectionExpression':'v'},'tab2':{'Keys':[{'pk':{'S':'a'},"
                         "'sk':{'N':'15'}}],'AttributesToGet':['v']}}}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}}]}},"
                         "'ReturnConsumedCapacity':'ALL'}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
}


/* BatchWriteItem's common requests (PutRequest{Item} / DeleteRequest{Key} only) are read
 * from our reader's tree and answered without any jansson allocation, capacity and metrics
 * included; everything else takes the jansson path from the start.  Same answers, same
 * contents after, either way. */
static void test_batch_write_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'new'},"
                           "'v':{'S':'y'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'b'},"
                           "'n':{'N':'2.50'}}}},{'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}],"
                           "'tab2':[{'DeleteRequest':{'Key':{'sk':{'N':'015.0'},'pk':{'S':'a'}}}},"
                           "{'PutRequest':{'Item':{'pk':{'S':'a'},'sk':{'N':'16'},'b':{'B':'AAEC'}}}}],"
                           "'gtab':[{'PutRequest':{'Item':{'pk':{'S':'a'},'sk':{'S':'q'},"
                           "'g':{'S':'w'},'l':{'S':'z'}}}},{'DeleteRequest':{'Key':{'pk':{'S':'a'},"
                           "'sk':{'S':'b'}}}}]},'ReturnConsumedCapacity':'INDEXES',"
                           "'ReturnItemCollectionMetrics':'SIZE'}"},
        {"BatchWriteItem", "{'ReturnConsumedCapacity':'TOTAL','RequestItems':{'tab1':["
                           "{'DeleteRequest':{'Key':{'pk':{'S':'absent'}}}}]},"
                           "'ReturnItemCollectionMetrics':'SIZE'}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'n\\u0000ul'},"
                           "'a\\u0000b':{'S':'\\u0000'}}}}]},'ReturnConsumedCapacity':'NONE',"
                           "'ReturnItemCollectionMetrics':'NONE'}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'5'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'},"
                           "'pk':{'S':'c'}}}}]}}"}, /* a repeated attribute: the last value */
        /* left to the jansson path */
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
                           "'ReturnConsumedCapacity':null}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}},"
                           "'DeleteRequest':null}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}],"
                           "'tab1':[{'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
                           "'Other':1}"}, /* a member of no operation: ignored (the model) */
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}},"
                           "'Other':1}}]}}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], 6);
    static const wcase bad[] = {
        /* a wrong JSON token: AWS's SerializationException ("NUMBER_VALUE cannot be ...") */
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':5}}}}]}}"},
        {"BatchWriteItem", "{}"},
        {"BatchWriteItem", "{'RequestItems':{}}"},
        {"BatchWriteItem", "{'RequestItems':null}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':{}}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[7]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}},"
                           "'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':null}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Key':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'DeleteRequest':{'Item':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':[]}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'N':'1'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':''}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'v':{'S':'x'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'DeleteRequest':{'Key':{'pk':{'S':'a'},"
                           "'x':{'S':'b'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab2':[{'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}},"
                           "{'DeleteRequest':{'Key':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab2':[{'DeleteRequest':{'Key':{'pk':{'S':'a'},"
                           "'sk':{'N':'15'}}}},{'PutRequest':{'Item':{'sk':{'N':'015.0'},"
                           "'v':{'S':'x'},'pk':{'S':'a'}}}}]}}"}, /* the same number */
        {"BatchWriteItem", "{'RequestItems':{'nosuchtable':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'nosuchtable':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}],"
                           "'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'},'n':{'N':'x'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}],"
                           "'tab\\u0000':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'},"
                           "'n':{'N':'1e999'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'},"
                           "'v':{'S':'x','N':'1'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'gtab':[{'PutRequest':{'Item':{'pk':{'S':'a'},"
                           "'sk':{'S':'q'},'g':{'N':'1'}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'gtab':[{'PutRequest':{'Item':{'pk':{'S':'a'},"
                           "'sk':{'S':'q'},'l':{'S':''}}}}]}}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
                           "'ReturnConsumedCapacity':'ALL'}"},
        {"BatchWriteItem", "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
                           "'ReturnItemCollectionMetrics':'ALL'}"},
    };
    writes_bad(f, bad, sizeof bad / sizeof bad[0]);
    /* 26 requests (too many), and an item past 400 KB: refused before any table */
    char *req = malloc(500 * 1024);
    size_t n = (size_t)snprintf(req, 64, "{'RequestItems':{'tab1':[");
    for (int i = 0; i < 26; i++)
        n += (size_t)snprintf(req + n, 128, "%s{'PutRequest':{'Item':{'pk':{'S':'k%02d'}}}}",
                              i ? "," : "", i);
    snprintf(req + n, 8, "]}}");
    assert_int_not_equal(same_w(f, "BatchWriteItem", req, NULL), 0);
    size_t big = 401 * 1024;
    n = (size_t)snprintf(req, 128, "{'RequestItems':{'nosuchtable':[{'PutRequest':{'Item':"
                                   "{'pk':{'S':'a'},'v':{'S':'");
    memset(req + n, 'x', big);
    snprintf(req + n + big, 16, "'}}}}]}}");
    assert_int_not_equal(same_w(f, "BatchWriteItem", req, NULL), 0);
    free(req);
}

/* Under `serve --throttle` the common path is taken too; the writes its table has no
 * capacity for come back in UnprocessedItems as sent (built from our reader's tree only
 * then).  A provisioned table at 1 WCU starts with one second's credit: the first write
 * runs, the others come back; a second batch gets the throttling error.  Each entry runs on a
 * fresh store and api, so both start from the same credit. */
static void batch_write_throttled(bool jread, it_answer out[2])
{
    void *st = NULL;
    assert_int_equal(it_setup(&st), 0);
    it_fix *f = st;
    api_free(f->api);
    api_opts o = {.throttle = true};
    err_t e = {0};
    assert_int_equal(api_new(f->s, &o, &f->api, &e), 0);
    json_decref(it_ok(f, "CreateTable",
                      "{'TableName':'ptab','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'}],"
                      "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'}],"
                      "'ProvisionedThroughput':{'ReadCapacityUnits':1,'WriteCapacityUnits':1}}"));
    static const char *const reqs[2] = {
        "{'RequestItems':{'ptab':[{'PutRequest':{'Item':{'pk':{'S':'k1'}}}},{'PutRequest':"
        "{'Item':{'pk':{'S':'k2'},'v':{'L':[{'S':'x'},{'NULL':true}]}}}},{'DeleteRequest':{'Key':"
        "{'pk':{'S':'k3'}}}}],'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}}]},"
        "'ReturnConsumedCapacity':'TOTAL'}",
        "{'RequestItems':{'ptab':[{'PutRequest':{'Item':{'pk':{'S':'k4'}}}}]}}",
    };
    for (int i = 0; i < 2; i++) {
        char *t = it_quoted(reqs[i]);
        it_via(f, jread, "BatchWriteItem", t, &out[i], NULL);
        free(t);
    }
    it_teardown(&st);
}

static void test_batch_write_throttled_same(void **state)
{
    (void)state;
    it_answer a[2], b[2];
    batch_write_throttled(false, a);
    batch_write_throttled(true, b);
    for (int i = 0; i < 2; i++)
        it_same_answer("BatchWriteItem", i ? "(the second batch)" : "(the first batch)", &a[i],
                       &b[i]);
    /* the first batch: k2 and k3 back as sent; the second refused */
    assert_int_equal(a[0].rc, 0);
    assert_non_null(strstr(a[0].text, "\"UnprocessedItems\":{\"ptab\":[{\"PutRequest\":{\"Item\":"
                                      "{\"pk\":{\"S\":\"k2\"},\"v\":{\"L\":[{\"S\":\"x\"},"
                                      "{\"NULL\":true}]}}}},{\"DeleteRequest\":{\"Key\":{\"pk\":"
                                      "{\"S\":\"k3\"}}}}]}"));
    assert_int_equal(a[1].rc, ERR_PROVISIONED_THROUGHPUT);
    for (int i = 0; i < 2; i++) {
        it_answer_fini(&a[i]);
        it_answer_fini(&b[i]);
    }
}

/* Past 16 MB of answer the rest goes back as UnprocessedKeys with the table's parameters: the
 * common path builds them from the request's jansson tree only then (bg_spec). */
static void test_batch_get_unprocessed_same(void **state)
{
    it_fix *f = *state;
    size_t big = 390 * 1024;
    char *v = malloc(big + 1);
    memset(v, 'x', big);
    v[big] = 0;
    char *req = malloc(big + 200);
    for (int i = 0; i < 45; i++) {
        snprintf(req, big + 200, "{'TableName':'tab1','Item':{'pk':{'S':'k%02d'},'v':{'S':'%s'}}}",
                 i, v);
        json_decref(it_ok(f, "PutItem", req));
    }
    char keys[45 * 24] = "";
    for (int i = 0; i < 45; i++) {
        char one[24];
        snprintf(one, sizeof one, "%s{'pk':{'S':'k%02d'}}", i ? "," : "", i);
        strcat(keys, one);
    }
    snprintf(req, big + 200, "{'RequestItems':{'tab1':{'Keys':[%s],'ConsistentRead':true}}}", keys);
    assert_int_equal(same(f, "BatchGetItem", req), 0);
    json_t *resp = it_ok(f, "BatchGetItem", req);
    assert_true(json_array_size(json_object_get(
                    json_object_get(json_object_get(resp, "UnprocessedKeys"), "tab1"), "Keys")) > 0);
    json_decref(resp);
    free(req);
    free(v);
}

static void test_get_item_same_answers(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem",
                      "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'x'},'n':{'N':'1.50'},"
                      "'m':{'M':{'k':{'L':[{'BOOL':true},{'NULL':true}]}}},'ss':{'SS':['b','a']}}}"));
    assert_int_equal(
        same(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'n\\u0000ul'},'a\\u0000b':{'S':'y'}}}"),
        0);
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab2','Item':{'pk':{'S':'a'},'sk':{'N':'15'},"
                                    "'v':{'B':'AAEC'}}}"));
    json_decref(it_ok(f, "PutItem", "{'TableName':'gtab','Item':{'pk':{'S':'a'},'sk':{'S':'b'},"
                                    "'g':{'S':'x'},'l':{'S':'y'}}}"));
    static const char *const ok[] = {
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}}}",
        "{'Key':{'pk':{'S':'a'}},'TableName':'tab1'}",
        "{'TableName':'tab1','Key':{'pk':{'S':'zz'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'n\\u0000ul'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'n'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConsistentRead':true}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConsistentRead':false}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'TOTAL'}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'INDEXES',"
        "'ConsistentRead':true}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'NONE'}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'15'}}}",
        "{'TableName':'tab2','Key':{'sk':{'N':'1.5e1'},'pk':{'S':'a'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'015.000'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'16'}}}",
        "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
        "'ReturnConsumedCapacity':'INDEXES'}",
        /* left to the jansson path */
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'v, m.k[1]'}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'#n',"
        "'ExpressionAttributeNames':{'#n':'ss'}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'n\\u0000ul'}},'ProjectionExpression':'#n',"
        "'ExpressionAttributeNames':{'#n':'a\\u0000b'}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['v','n']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['m','zz','pk']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'n\\u0000ul'}},'AttributesToGet':['a\\u0000b']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'zz'}},'AttributesToGet':['v']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConsistentRead':null}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a','S':'a'}}}",
        "{'TableName':'tab1','TableName':'tab1','Key':{'pk':{'S':'a'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'},'pk':{'S':'zz'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a','N':null}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'5'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Select':'ALL_ATTRIBUTES'}", /* not GetItem's */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(same(f, "GetItem", ok[i]), 0);
    static const char *const bad[] = {
        "{'TableName':'tab1','Key':{'pk':{'S':5}}}", /* AWS: NUMBER_VALUE cannot be ... */
        "{}",
        "{'TableName':'tab1'}",
        "{'Key':{'pk':{'S':'a'}}}",
        "{'TableName':'t','Key':{'pk':{'S':'a'}}}",
        "{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}}}",
        "{'TableName':'tab\\u0000','Key':{'pk':{'S':'a'}}}",
        "{'TableName':7,'Key':{'pk':{'S':'a'}}}",
        "{'TableName':'tab1','Key':[]}",
        "{'TableName':'tab1','Key':{}}",
        "{'TableName':'tab1','Key':{'pk':{'N':'1'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':''}}}",
        "{'TableName':'tab1','Key':{'pk\\u0000':{'S':'a'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'},'x':{'S':'b'}}}",
        "{'TableName':'tab1','Key':{'':{'S':'a'}}}",
        "{'TableName':'tab1','Key':{'pk':{'B':'AAEC'}}}",
        "{'TableName':'tab1','Key':{'pk':{'s':'a'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a','N':'1'}}}",
        "{'TableName':'tab1','Key':{'pk':null}}",
        "{'TableName':'tab1','Key':{'pk':{}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'abc'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'1e999'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':''}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'S':'1'}}}",
        "{'TableName':'tab2','Key':{'pk':{'S':'a'},'sk':{'N':'1'},'x':{'N':'1'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConsistentRead':'yes'}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'ALL'}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'v',"
        "'AttributesToGet':['v']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['v','v']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['v',5]}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':[]}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'AttributesToGet':['v'],"
        "'ExpressionAttributeNames':{'#n':'v'}}",
        "{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}},'AttributesToGet':['v']}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ExpressionAttributeNames':{'#n':'v'}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'#n'}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (same(f, "GetItem", bad[i]) == 0)
            fail_msg("succeeded: %s", bad[i]);
}

/* ConsumedCapacity of the reads is written into the reply without a jansson tree (api_cap_out):
 * GetItem, BatchGetItem and Query with TOTAL and INDEXES make no jansson allocation through the
 * jread entry, and answer as through jansson's. */
static void test_read_capacity_without_tree(void **state)
{
    it_fix *f = *state;
    static const wcase ok[] = {
        {"GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ReturnConsumedCapacity':'TOTAL'}"},
        {"GetItem", "{'TableName':'gtab','Key':{'pk':{'S':'a'},'sk':{'S':'b'}},"
                    "'ReturnConsumedCapacity':'INDEXES','ConsistentRead':true}"},
        {"GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'zz'}},'ReturnConsumedCapacity':'TOTAL'}"},
        {"BatchGetItem", "{'RequestItems':{'tab1':{'Keys':[{'pk':{'S':'a'}},{'pk':{'S':'zz'}}]},"
                         "'tab2':{'Keys':[{'pk':{'S':'a'},'sk':{'N':'15'}}],'ConsistentRead':true}},"
                         "'ReturnConsumedCapacity':'TOTAL'}"},
        {"Query", "{'TableName':'tab2','KeyConditionExpression':'pk = :p',"
                  "'ExpressionAttributeValues':{':p':{'S':'a'}},'ReturnConsumedCapacity':'INDEXES'}"},
    };
    writes_ok(f, ok, sizeof ok / sizeof ok[0], sizeof ok / sizeof ok[0]);
}

/* The operations without a reader of their own go through jansson's tree, built from ours. */
/* An item over 400 KB is refused straight from our reader's tree (its jansson tree was ~4x the
 * memory): the same answer as the jansson path's, also beside other refusals that come before
 * or after it there, and no jansson allocation when it is the first refusal. */
static void test_item_too_big_same(void **state)
{
    it_fix *f = *state;
    size_t big = 410 * 1024;
    char *v = malloc(big + 1);
    assert_non_null(v);
    memset(v, 'x', big);
    v[big] = '\0';
    static const char *const fmts[] = {
        /* answered from our reader's tree */
        "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'%s'}}}",
        "{'TableName':'nosuchtable','Item':{'pk':{'S':'a'},'v':{'S':'%s'}}}",
        "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'%s'}},'ConditionExpression':'v = '}",
        "{'TableName':'tab1','Item':{'pk':{'N':'1'},'v':{'S':'%s'}},'ReturnValues':'ALL_OLD'}",
        "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'a'}}}},{'PutRequest':"
        "{'Item':{'pk':{'S':'b'},'v':{'S':'%s'}}}}],'nosuchtable':[{'DeleteRequest':{'Key':"
        "{'pk':{'S':'c'}}}}]}}",
        /* refused earlier by the jansson path */
        "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'%s'}},'ReturnValues':'ALL_NEW'}",
        "{'TableName':'tab1','Item':{'pk':{'S':'a'},'v':{'S':'%s'},'n':{'N':'x'}}}",
        "{'RequestItems':{'tab1':[{'PutRequest':{'Item':{'pk':{'S':'b'},'v':{'S':'%s'}}}},"
        "{'PutRequest':{'Item':{'pk':{'S':'c'},'n':{'N':'x'}}}}]}}",
    };
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        size_t n = strlen(fmts[i]) + big;
        char *req = malloc(n);
        assert_non_null(req);
        snprintf(req, n, fmts[i], v);
        const char *op = req[2] == 'R' ? "BatchWriteItem" : "PutItem";
        size_t allocs = 0;
        if (same_w(f, op, req, &allocs) == 0)
            fail_msg("succeeded: %s", fmts[i]);
        if (i < 5 && allocs != 0)
            fail_msg("%zu jansson allocations: %s", allocs, fmts[i]);
        free(req);
    }
    free(v);
}

/* Placeholder maps the env refuses (a key's syntax, over 2 MB of values) and a transaction's
 * Put item over 400 KB are refused straight from our reader's tree (through the jansson path
 * such a 14 MB request took ~500 MB: both trees of the body): the same answers as the jansson
 * path's, beside refusals that come before or after them there, and no jansson allocation
 * when they are the first refusal. */
static void test_env_refusal_same(void **state)
{
    it_fix *f = *state;
    size_t big = 2 * 1024 * 1024 + 16;
    char *v = malloc(big + 1);
    assert_non_null(v);
    memset(v, 'x', big);
    v[big] = '\0';
    static const wcase cases[] = {
        /* answered from our reader's tree */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = "
                       ":a','ExpressionAttributeValues':{':a':{'S':'x'},':b':{'S':'%s'}}}"},
        {"UpdateItem", "{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}},'UpdateExpression':"
                       "'SET v = :a','ExpressionAttributeValues':{':a':{'S':'%s'}}}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'N':'1'}},'UpdateExpression':'SET #a = "
                       ":a','ExpressionAttributeNames':{'#a':'v','#b-c':'w'},"
                       "'ExpressionAttributeValues':{':a':{'S':'%s'}}}"},
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'a'}},'ConditionExpression':"
                    "'attribute_not_exists(v) OR v = :a','ExpressionAttributeValues':{':a':"
                    "{'S':'%s'}}}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConditionExpression':'v = :a',"
                       "'ExpressionAttributeValues':{':a':{'S':'%s'}},'ReturnValues':'ALL_OLD'}"},
        {"TransactWriteItems",
         "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'a'}}}},{'Update':{"
         "'TableName':'tab1','Key':{'pk':{'S':'b'}},'UpdateExpression':'SET v = :a',"
         "'ExpressionAttributeValues':{':a':{'S':'%s'}}}},{'Delete':{'TableName':'nosuchtable',"
         "'Key':{'pk':{'S':'c'}}}}]}"},
        {"TransactWriteItems",
         "{'TransactItems':[{'ConditionCheck':{'TableName':'nosuchtable','Key':{'pk':{'S':'a'}},"
         "'ConditionExpression':'attribute_exists(pk)'}},{'Put':{'TableName':'tab1','Item':{"
         "'pk':{'S':'b'},'v':{'S':'%s'}}}}]}"},
        /* refused earlier by the jansson path */
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'UpdateExpression':'SET v = "
                       ":a','ExpressionAttributeValues':{':a':{'S':'%s'},':c':{'N':'x'}}}"},
        {"TransactWriteItems",
         "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'a'},'n':{'N':'x'}}}},"
         "{'Put':{'TableName':'tab1','Item':{'pk':{'S':'b'},'v':{'S':'%s'}}}}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].req) + big;
        char *req = malloc(n);
        assert_non_null(req);
        snprintf(req, n, cases[i].req, v);
        size_t allocs = 0;
        if (same_w(f, cases[i].op, req, &allocs) == 0)
            fail_msg("succeeded: %s %s", cases[i].op, cases[i].req);
        if (i < 7 && allocs != 0)
            fail_msg("%zu jansson allocations: %s %s", allocs, cases[i].op, cases[i].req);
        free(req);
    }
    free(v);
}

/* ExecuteStatement reads its Parameters from our reader's tree and the other members from a
 * jansson tree of them alone (api_partiql.c api_pq_body; 1.4 million parameters took ~590 MB as
 * jansson's tree): the same answers as from jansson's tree of the whole request. */
static void test_execute_statement_same(void **state)
{
    it_fix *f = *state;
    static const wcase cases[] = {
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[{'S':"
                             "'a'}],'ConsistentRead':true,'ReturnConsumedCapacity':'TOTAL'}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1','Limit':1}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[{'S':"
                             "'a'},{'N':'1'},{'L':[{'N':'2'}]}]}"},
        {"ExecuteStatement", "{'Statement':'INSERT INTO tab1 VALUE {\\'pk\\': ?, \\'n\\': ?}',"
                             "'Parameters':[{'S':'new'},{'N':'1.50'}]}"},
        {"ExecuteStatement", "{'Statement':'UPDATE tab1 SET v = ? WHERE pk = ?','Parameters':["
                             "{'SS':['x','y']},{'S':'a'}],'ReturnValuesOnConditionCheckFailure':"
                             "'ALL_OLD'}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ? AND v = ?',"
                             "'Parameters':[{'S':'a'}]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[{'N':"
                             "'x'}]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[null]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[1]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':null}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':{'a':"
                             "1}}"},
        {"ExecuteStatement", "{'Parameters':[{'S':'a'}],'Statement':'SELECT * FROM nosuchtable "
                             "WHERE pk = ?','Junk':[1,2]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[{'S':"
                             "'a'}],'Parameters':[{'S':'b'}]}"},
        {"ExecuteStatement", "{'Statement':'SELECT * FROM tab1 WHERE pk = ?','Parameters':[{'S':"
                             "'a'}],'NextToken':'abc'}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        (void)same_w(f, cases[i].op, cases[i].req, NULL);
}

/* BatchExecuteStatement and ExecuteTransaction read their members' Parameters from our reader's
 * tree too (api_pq_body): the same answers as from jansson's tree of the whole request; and an
 * ExecuteTransaction's ClientRequestToken digests the whole request, Parameters included, the
 * same through both entries (a replay through the other entry, a mismatch on other
 * Parameters). */
static void test_partiql_members_same(void **state)
{
    it_fix *f = *state;
    static const wcase cases[] = {
        {"BatchExecuteStatement", "{'Statements':[{'Statement':'SELECT * FROM tab1 WHERE pk = ?',"
                                  "'Parameters':[{'S':'a'}]},{'Statement':'UPDATE tab1 SET v = ? "
                                  "WHERE pk = ?','Parameters':[{'N':'7'},{'S':'a'}]}]}"},
        {"BatchExecuteStatement", "{'Statements':[{'Statement':'SELECT * FROM tab1 WHERE pk = ?',"
                                  "'Parameters':[{'N':'x'}]},{'Statement':'SELECT * FROM tab1 "
                                  "WHERE pk = ?','Parameters':null}]}"},
        {"BatchExecuteStatement", "{'Statements':[{'Statement':'SELECT * FROM tab1 WHERE pk = ?',"
                                  "'Parameters':[1]}],'ReturnConsumedCapacity':'TOTAL'}"},
        {"BatchExecuteStatement", "{'Statements':[{'Statement':'SELECT * FROM tab1 WHERE pk = ?',"
                                  "'Parameters':{'a':1}}]}"},
        {"BatchExecuteStatement", "{'Statements':[3]}"},
        {"ExecuteTransaction", "{'TransactStatements':[{'Statement':'UPDATE tab1 SET v = ? WHERE "
                               "pk = ?','Parameters':[{'S':'t'},{'S':'a'}]},{'Statement':'INSERT "
                               "INTO tab1 VALUE {\\'pk\\': ?}','Parameters':[{'S':'tx'}]}]}"},
        {"ExecuteTransaction", "{'TransactStatements':[{'Statement':'SELECT * FROM tab1 WHERE pk "
                               "= ?','Parameters':[{'S':'a'},{'S':'more'}]}]}"},
        {"ExecuteTransaction", "{'TransactStatements':[{'Statement':'SELECT * FROM tab1 WHERE pk "
                               "= ? AND v = ?','Parameters':[{'S':'a'}]}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        (void)same_w(f, cases[i].op, cases[i].req, NULL);
    /* the token: registered through jansson's entry, replayed through ours, refused with other
     * Parameters (both entries) */
    static const char *const tok[] = {
        "{'ClientRequestToken':'t14','TransactStatements':[{'Statement':'UPDATE tab1 SET v = ? "
        "WHERE pk = ?','Parameters':[{'S':'p1'},{'S':'a'}]}]}",
        "{'ClientRequestToken':'t14','TransactStatements':[{'Statement':'UPDATE tab1 SET v = ? "
        "WHERE pk = ?','Parameters':[{'S':'p2'},{'S':'a'}]}]}"};
    char *t0 = it_quoted(tok[0]), *t1 = it_quoted(tok[1]);
    it_answer a, b, c, d;
    it_via_jansson(f, "ExecuteTransaction", t0, &a, NULL);
    it_via_jread(f, "ExecuteTransaction", t0, &b, NULL);
    it_via_jread(f, "ExecuteTransaction", t1, &c, NULL);
    it_via_jansson(f, "ExecuteTransaction", t1, &d, NULL);
    assert_int_equal(a.rc, 0);
    it_same_answer("ExecuteTransaction", t0, &a, &b);
    assert_int_equal(c.rc, ERR_IDEMPOTENT_PARAMETER_MISMATCH);
    it_same_answer("ExecuteTransaction", t1, &c, &d);
    it_answer_fini(&a);
    it_answer_fini(&b);
    it_answer_fini(&c);
    it_answer_fini(&d);
    free(t0);
    free(t1);
}

/* op's request t through the entry a transport uses once it has looked the operation up
 * (api_call_out_at with op_index; jread: our reader's tree, else jansson's). */
static void via_index(it_fix *f, bool jread, int op_index, const char *t, it_answer *a)
{
    arena_t ar;
    arena_init(&ar);
    jread_val *v;
    jread_error je;
    assert_int_equal(jread_parse(t, strlen(t), &ar, &v, &je), 0);
    json_t *j = jread ? NULL : jread_to_jansson(v);
    jout w;
    jout_init(&w, 0);
    err_t e = {0};
    json_t *extra = NULL;
    int rc = api_call_out_at(f->api, op_index, j, jread ? v : NULL, NULL, &w, &extra, &e);
    json_decref(j);
    arena_fini(&ar);
    it_answer_take(a, rc, &e, &w, extra);
}

/* The server looks an operation up once and calls by its index (ddb_proto.c dp_handle):
 * the same answers as by name through both trees, successes and refusals; an index that
 * is no operation's answers as an unknown name does; api_op_reads_jread_at agrees with
 * the by-name api_op_reads_jread for every operation. */
static void test_by_index_same_answers(void **state)
{
    it_fix *f = *state;
    static const wcase cases[] = {
        {"PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'ix'},'v':{'N':'2'}}}"},
        {"GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'ix'}}}"},
        {"GetItem", "{'TableName':'tab1','Key':{'pk':{'N':'1'}}}"},
        {"GetItem", "{'TableName':'nope','Key':{'pk':{'S':'ix'}}}"},
        {"Query", "{'TableName':'tab1','KeyConditionExpression':'pk = :p',"
                  "'ExpressionAttributeValues':{':p':{'S':'ix'}}}"},
        {"DescribeTable", "{'TableName':'tab2'}"},
        {"DeleteItem", "{'TableName':'tab1','Key':{'pk':{'S':'none'}},'ReturnValues':'ALL_OLD'}"},
        {"UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'ix'}},"
                       "'UpdateExpression':'SET v = :v',"
                       "'ExpressionAttributeValues':{':v':{'N':'3'}},'ReturnValues':'ALL_NEW'}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = it_quoted(cases[i].req);
        int ix = api_op_index(cases[i].op);
        assert_true(ix >= 0);
        for (int jr = 0; jr < 2; jr++) {
            it_answer a, b;
            it_via(f, jr, cases[i].op, t, &a, NULL);
            via_index(f, jr, ix, t, &b);
            it_same_answer(cases[i].op, t, &a, &b);
            it_answer_fini(&a);
            it_answer_fini(&b);
        }
        free(t);
    }
    const int bad[] = {-1, api_op_count(), api_op_count() + 7};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        it_answer a, b;
        it_via(f, true, "NoSuchOperation", "{}", &a, NULL);
        via_index(f, true, bad[i], "{}", &b);
        assert_int_not_equal(a.rc, 0);
        it_same_answer("NoSuchOperation", "{}", &a, &b);
        it_answer_fini(&a);
        it_answer_fini(&b);
        assert_false(api_op_reads_jread_at(bad[i]));
    }
    int n_jread = 0;
    for (int i = 0; i < api_op_count(); i++) {
        assert_int_equal(api_op_reads_jread_at(i), api_op_reads_jread(api_op_name(i)));
        n_jread += api_op_reads_jread_at(i);
    }
    assert_true(n_jread > 0 && n_jread < api_op_count());
}

static void test_other_operations(void **state)
{
    it_fix *f = *state;
    assert_int_equal(same(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'q'},"
                                        "'a\\u0000b':{'N':'2'}}}"),
                     0);
    assert_int_equal(same(f, "Query", "{'TableName':'tab1','KeyConditionExpression':'pk = :p',"
                                      "'ExpressionAttributeValues':{':p':{'S':'q'}}}"),
                     0);
    assert_int_equal(same(f, "DescribeTable", "{'TableName':'tab2'}"), 0);
    assert_int_not_equal(same(f, "UpdateItem", "{'TableName':'tab1','Key':{'pk':{'S':'q'}},"
                                               "'UpdateExpression':'SET #n = :v'}"),
                         0);
    assert_int_not_equal(same(f, "NoSuchOperation", "{}"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_get_item_same_answers),
        IT_TEST(test_other_operations),
        IT_TEST(test_by_index_same_answers),
        IT_TEST(test_put_item_same_answers),
        IT_TEST(test_update_item_same_answers),
        IT_TEST(test_delete_item_same_answers),
        IT_TEST(test_transact_write_same_answers),
        IT_TEST(test_transact_write_token_same),
        IT_TEST(test_transact_get_same_answers),
        IT_TEST(test_batch_get_same_answers),
        IT_TEST(test_batch_get_unprocessed_same),
        IT_TEST(test_batch_write_same_answers),
        IT_TEST(test_read_capacity_without_tree),
        IT_TEST(test_item_too_big_same),
        IT_TEST(test_env_refusal_same),
        IT_TEST(test_execute_statement_same),
        IT_TEST(test_partiql_members_same),
        cmocka_unit_test(test_batch_write_throttled_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
