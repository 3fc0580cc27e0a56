/*
 * test_api_txn_token — the ClientRequestToken cache (src/api/api_txn_token.c), through
 * TransactWriteItems on api_call: replay, mismatch, the byte bound, the digest, concurrent
 * callers.  ExecuteTransaction's use of it is pinned in test_op_partiql.c.
 *
 * Expectations recorded from DynamoDB Local 2026-01-16; each test names what it pins.
 */
#include <pthread.h>

#include "item_test.h"

#define INC_T1(tok)                                                                              \
    "{'TransactItems':[{'Update':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},"                   \
    "'UpdateExpression':'SET v = v + :o','ExpressionAttributeValues':{':o':{'N':'1'}}}}],"     \
    "'ClientRequestToken':'" tok "'}"

static long v_of_t1(it_fix *f)
{
    json_t *r = it_ok(f, "GetItem", "{'TableName':'tab1','Key':{'pk':{'S':'t1'}}}");
    json_t *v = json_object_get(json_object_get(json_object_get(r, "Item"), "v"), "N");
    long n = v ? strtol(json_string_value(v), NULL, 10) : -1;
    json_decref(r);
    return n;
}

/* ClientRequestToken: same request -> same answer, applied once; different request ->
 * IdempotentParameterMismatchException. */
static void idempotency(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a")));
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a")));
    assert_int_equal(v_of_t1(f), 2);
    it_err(f, "TransactWriteItems",
           "{'TransactItems':[{'Delete':{'TableName':'tab1','Key':{'pk':{'S':'t1'}}}}],"
           "'ClientRequestToken':'tok-a'}",
           ERR_IDEMPOTENT_PARAMETER_MISMATCH, NULL);
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-b")));
    assert_int_equal(v_of_t1(f), 3);
    /* a cancelled transaction is not remembered: the same token may be retried */
    json_decref(it_err(f, "TransactWriteItems",
                       "{'TransactItems':[{'ConditionCheck':{'TableName':'tab1','Key':{'pk':{'S':"
                       "'t1'}},'ConditionExpression':'attribute_not_exists(pk)'}}],"
                       "'ClientRequestToken':'tok-c'}",
                       ERR_TRANSACTION_CANCELED, NULL));
    json_decref(it_err(f, "TransactWriteItems",
                       "{'TransactItems':[{'ConditionCheck':{'TableName':'tab1','Key':{'pk':{'S':"
                       "'t1'}},'ConditionExpression':'attribute_not_exists(pk)'}}],"
                       "'ClientRequestToken':'tok-c'}",
                       ERR_TRANSACTION_CANCELED, NULL));
}

/* The token cache is bounded in bytes: with a 2 KB bound, enough other tokens' transactions
 * (an entry costs ~80 bytes: the token, the request's digest, the answer) make it forget tok-a, which then applies again; within the bound tok-a is still
 * remembered (applied once). */
static void idempotency_bounded(void **state)
{
    it_fix *f = *state;
    err_t e;
    err_clear(&e);
    api_free(f->api);
    api_opts o = {.txn_token_max_bytes = 2048};
    assert_int_equal(api_new(f->s, &o, &f->api, &e), 0);
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a")));
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a")));
    assert_int_equal(v_of_t1(f), 2);
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-b")));
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a"))); /* still remembered */
    assert_int_equal(v_of_t1(f), 3);
    for (int i = 0; i < 40; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'k%d'},"
                 "'pad':{'S':'%0200d'}}}}],'ClientRequestToken':'tok-%d'}",
                 i, 0, i);
        json_decref(it_ok(f, "TransactWriteItems", req));
    }
    json_decref(it_ok(f, "TransactWriteItems", INC_T1("tok-a"))); /* forgotten: applies */
    assert_int_equal(v_of_t1(f), 4);
}

/* The cache keeps a 128-bit digest of the request, not its text: an entry costs the same for a
 * 4 KB request as for a small one, so within a 2 KB bound a big request's token is still
 * remembered after another token's transaction (before, its ~4 KB text alone filled the bound
 * and the next token pushed it out: the replay applied a second time).  A request differing
 * only in its last byte is still refused under the same token. */
static void idempotency_digest(void **state)
{
    it_fix *f = *state;
    err_t e;
    err_clear(&e);
    api_free(f->api);
    api_opts o = {.txn_token_max_bytes = 2048};
    assert_int_equal(api_new(f->s, &o, &f->api, &e), 0);
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    static char big[5000], other[5000];
    const char *fmt =
        "{'TransactItems':[{'Update':{'TableName':'tab1','Key':{'pk':{'S':'t1'}},"
        "'UpdateExpression':'SET v = v + :o, padding = :p','ExpressionAttributeValues':"
        "{':o':{'N':'1'},':p':{'S':'%04000d%c'}}}}],'ClientRequestToken':'tok-big'}";
    snprintf(big, sizeof big, fmt, 0, 'a');
    snprintf(other, sizeof other, fmt, 0, 'b');
    json_decref(it_ok(f, "TransactWriteItems", big));
    assert_int_equal(v_of_t1(f), 2);
    json_decref(it_ok(f, "TransactWriteItems",
                      "{'TransactItems':[{'Put':{'TableName':'tab1','Item':{'pk':{'S':'t9'}}}}],"
                      "'ClientRequestToken':'tok-small'}"));
    json_decref(it_ok(f, "TransactWriteItems", big)); /* replayed, not applied */
    assert_int_equal(v_of_t1(f), 2);
    it_err(f, "TransactWriteItems", other, ERR_IDEMPOTENT_PARAMETER_MISMATCH, NULL);
    assert_int_equal(v_of_t1(f), 2);
}

typedef struct racer {
    it_fix *f;
    int rc;
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    err_t e;
    x->rc = it_call(x->f, "TransactWriteItems", INC_T1("tok-race"), NULL, &e);
    return NULL;
}

/* Eight threads send the same token at once: the update applies exactly once; every caller
 * gets success or TransactionInProgressException. */
static void idempotency_concurrent(void **state)
{
    it_fix *f = *state;
    json_decref(it_ok(f, "PutItem", "{'TableName':'tab1','Item':{'pk':{'S':'t1'},'v':{'N':'1'}}}"));
    pthread_t th[8];
    racer rs[8];
    for (int i = 0; i < 8; i++) {
        rs[i].f = f;
        pthread_create(&th[i], NULL, race, &rs[i]);
    }
    int okn = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_true(rs[i].rc == 0 || rs[i].rc == ERR_TRANSACTION_IN_PROGRESS);
        okn += rs[i].rc == 0;
    }
    assert_true(okn >= 1);
    assert_int_equal(v_of_t1(f), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(idempotency),        IT_TEST(idempotency_concurrent),
        IT_TEST(idempotency_bounded), IT_TEST(idempotency_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
