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
 */
#include "item_test.h"

#include "value/jout.h"
#include "value/jread.h"

typedef struct answer {
    int rc;
    char msg[ERR_MSG_MAX];
    char *text;  /* reply (success) */
    char *extra; /* error extra fields, dumped */
} answer;

static void answer_fini(answer *a)
{
    free(a->text);
    free(a->extra);
}

static char *quoted(const char *text)
{
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        t[i] = text[i] == '\'' ? '"' : text[i];
    return t;
}

static void finish(answer *a, int rc, err_t *e, jout *w, json_t *extra)
{
    a->rc = rc;
    snprintf(a->msg, sizeof a->msg, "%s", e->msg);
    size_t len = 0;
    a->text = rc ? NULL : jout_take(w, &len);
    a->extra = extra ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(extra);
    jout_fini(w);
}

/* The jansson path, over the tree json_loadb builds (jread_to_jansson's: identical, and it
 * holds keys with U+0000 too: test_jread.c). */
static void via_jansson(it_fix *f, const char *op, const char *t, answer *a)
{
    arena_t ar;
    arena_init(&ar);
    jread_val *v;
    jread_error je;
    assert_int_equal(jread_parse(t, strlen(t), &ar, &v, &je), 0);
    json_t *j = jread_to_jansson(v);
    arena_fini(&ar);
    assert_non_null(j);
    jout w;
    jout_init(&w, 0);
    err_t e = {0};
    json_t *extra = NULL;
    int rc = api_call_out(f->api, op, j, NULL, &w, &extra, &e);
    json_decref(j);
    finish(a, rc, &e, &w, extra);
}

static void via_jread(it_fix *f, const char *op, const char *t, answer *a)
{
    arena_t ar;
    arena_init(&ar);
    jread_val *v;
    jread_error je;
    assert_int_equal(jread_parse(t, strlen(t), &ar, &v, &je), 0);
    jout w;
    jout_init(&w, 0);
    err_t e = {0};
    json_t *extra = NULL;
    int rc = api_call_out_jr(f->api, op, v, NULL, &w, &extra, &e);
    arena_fini(&ar);
    finish(a, rc, &e, &w, extra);
}

/* Both ways; returns the rc (they are equal). */
static int same(it_fix *f, const char *op, const char *req)
{
    char *t = quoted(req);
    answer a, b;
    via_jansson(f, op, t, &a);
    via_jread(f, op, t, &b);
    if (a.rc != b.rc || strcmp(a.msg, b.msg) != 0 ||
        (a.text || b.text ? !a.text || !b.text || strcmp(a.text, b.text) != 0 : false) ||
        (a.extra || b.extra ? !a.extra || !b.extra || strcmp(a.extra, b.extra) != 0 : false))
        fail_msg("%s %s\n jansson %d %s %s %s\n jread   %d %s %s %s", op, t, a.rc, a.msg,
                 a.text ? a.text : "-", a.extra ? a.extra : "-", b.rc, b.msg,
                 b.text ? b.text : "-", b.extra ? b.extra : "-");
    int rc = a.rc;
    answer_fini(&a);
    answer_fini(&b);
    free(t);
    return rc;
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
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ConsistentRead':null}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a','S':'a'}}}",
        "{'TableName':'tab1','TableName':'tab1','Key':{'pk':{'S':'a'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'},'pk':{'S':'zz'}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a','N':null}}}",
        "{'TableName':'tab1','Key':{'pk':{'S':5}}}", /* a number as S's text (as the service) */
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'Select':'ALL_ATTRIBUTES'}", /* not GetItem's */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(same(f, "GetItem", ok[i]), 0);
    static const char *const bad[] = {
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
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ExpressionAttributeNames':{'#n':'v'}}",
        "{'TableName':'tab1','Key':{'pk':{'S':'a'}},'ProjectionExpression':'#n'}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (same(f, "GetItem", bad[i]) == 0)
            fail_msg("succeeded: %s", bad[i]);
}

/* The operations without a reader of their own go through jansson's tree, built from ours. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
