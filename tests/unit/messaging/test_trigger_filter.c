/*
 * test_trigger_filter — Lambda's event filter patterns (messaging/trigger_filter.c) over a
 * DynamoDB stream record: each matcher, AND across members, OR within a list, across filters
 * and with "$or", and the patterns refused.  Cases from the Lambda Developer Guide's filter
 * rule syntax ("Control which events Lambda sends to your function") and its DynamoDB page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "messaging/stream_reader.h"
#include "messaging/trigger_filter.h"

static const char *const REC =
    "{\"eventID\":\"1\",\"eventName\":\"INSERT\",\"eventSource\":\"aws:dynamodb\","
    "\"dynamodb\":{\"ApproximateCreationDateTime\":1796000000,"
    "\"Keys\":{\"CustomerName\":{\"S\":\"AnyCompany Industries\"}},"
    "\"NewImage\":{\"CustomerName\":{\"S\":\"AnyCompany Industries\"},"
    "\"AccountManager\":{\"S\":\"Pat Candella\"},\"PaymentTerms\":{\"S\":\"60 days\"},"
    "\"Amount\":{\"N\":\"150.5\"},\"Qty\":{\"N\":\"300.0\"},\"Paid\":{\"BOOL\":false},\"Note\":{\"NULL\":true},"
    "\"Tags\":{\"SS\":[\"blue\",\"red\"]}},"
    "\"SequenceNumber\":\"111\",\"SizeBytes\":26,\"StreamViewType\":\"NEW_IMAGE\"}}";

static const struct {
    const char *name, *pattern;
    bool match;
} CASES[] = {
    {"key equals", "{\"dynamodb\":{\"Keys\":{\"CustomerName\":{\"S\":[\"AnyCompany Industries\"]}}}}", true},
    {"key differs", "{\"dynamodb\":{\"Keys\":{\"CustomerName\":{\"S\":[\"Other\"]}}}}", false},
    {"or within a list", "{\"eventName\":[\"MODIFY\",\"INSERT\"]}", true},
    {"and across members",
     "{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"PaymentTerms\":{\"S\":[\"30 days\"]}}}}",
     false},
    {"prefix", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":{\"S\":[{\"prefix\":\"Pat\"}]}}}}", true},
    {"prefix not", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":{\"S\":[{\"prefix\":\"Sam\"}]}}}}", false},
    {"suffix", "{\"dynamodb\":{\"NewImage\":{\"PaymentTerms\":{\"S\":[{\"suffix\":\"days\"}]}}}}", true},
    {"equals-ignore-case", "{\"eventName\":[{\"equals-ignore-case\":\"insert\"}]}", true},
    {"anything-but a value", "{\"eventName\":[{\"anything-but\":\"REMOVE\"}]}", true},
    {"anything-but a list", "{\"eventName\":[{\"anything-but\":[\"REMOVE\",\"INSERT\"]}]}", false},
    {"anything-but prefix", "{\"eventName\":[{\"anything-but\":{\"prefix\":\"INS\"}}]}", false},
    {"numeric range of an N", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{\"numeric\":[\">\",100,\"<=\",150.5]}]}}}}", true},
    {"numeric range misses", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{\"numeric\":[\">\",150.5]}]}}}}", false},
    {"numeric equals, exactly", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{\"numeric\":[\"=\",150.50]}]}}}}", true},
    {"a decimal pattern number is its text", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{\"numeric\":[\">\",150.4,\"<\",150.6]}]}}}}", true},
    /* numbers by their string representation (Lambda: 300, 300.0 and 3.0e2 are not equal);
     * an N is a string, so a number literal never equals it, its text does */
    {"an N is not a number literal", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[150.5]}}}}", false},
    {"an N equals its text", "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[\"150.5\"]}}}}", true},
    {"300 is not 300.0", "{\"dynamodb\":{\"NewImage\":{\"Qty\":{\"N\":[300]}}}}", false},
    {"\"300\" is not 300.0", "{\"dynamodb\":{\"NewImage\":{\"Qty\":{\"N\":[\"300\"]}}}}", false},
    {"numeric = 300 of 300.0", "{\"dynamodb\":{\"NewImage\":{\"Qty\":{\"N\":[{\"numeric\":[\"=\",300]}]}}}}", true},
    {"a JSON integer is not a decimal literal", "{\"dynamodb\":{\"SizeBytes\":[26.0]}}", false},
    {"numeric of a JSON number", "{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">=\",26]}]}}", true},
    {"number literal", "{\"dynamodb\":{\"SizeBytes\":[26]}}", true},
    {"numeric of a string that is not N", "{\"dynamodb\":{\"SequenceNumber\":[{\"numeric\":[\">\",1]}]}}", false},
    /* exists works on leaf nodes only (EventBridge's rule, which Lambda's is): an attribute is
     * an object ({"S":...}), its type member the leaf */
    {"exists", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":{\"S\":[{\"exists\":true}]}}}}", true},
    {"exists of an attribute (an object)", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":[{\"exists\":true}]}}}", false},
    {"exists of a map", "{\"dynamodb\":{\"NewImage\":[{\"exists\":true}]}}", false},
    {"no leaf at an attribute", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":[{\"exists\":false}]}}}", true},
    {"exists of a list of strings", "{\"dynamodb\":{\"NewImage\":{\"Tags\":{\"SS\":[{\"exists\":true}]}}}}", true},
    {"exists of an absent member", "{\"dynamodb\":{\"OldImage\":[{\"exists\":true}]}}", false},
    {"does not exist", "{\"dynamodb\":{\"OldImage\":[{\"exists\":false}]}}", true},
    {"does not exist, nested", "{\"dynamodb\":{\"OldImage\":{\"x\":[{\"exists\":false}]}}}", true},
    /* every matcher, not only exists, matches leaves: anything-but of an attribute (an
     * object) or of a map matches nothing, as in Lambda */
    {"anything-but of an attribute (an object)", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":[{\"anything-but\":\"zzz\"}]}}}", false},
    {"anything-but a list, of an attribute", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":[{\"anything-but\":[\"zzz\"]}]}}}", false},
    {"anything-but of a map", "{\"dynamodb\":{\"NewImage\":[{\"anything-but\":\"zzz\"}]}}", false},
    {"anything-but of the attribute's leaf", "{\"dynamodb\":{\"NewImage\":{\"AccountManager\":{\"S\":[{\"anything-but\":\"zzz\"}]}}}}", true},
    {"boolean", "{\"dynamodb\":{\"NewImage\":{\"Paid\":{\"BOOL\":[false]}}}}", true},
    {"boolean differs", "{\"dynamodb\":{\"NewImage\":{\"Paid\":{\"BOOL\":[true]}}}}", false},
    {"a list in the record: any element", "{\"dynamodb\":{\"NewImage\":{\"Tags\":{\"SS\":[\"red\"]}}}}", true},
    {"$or", "{\"$or\":[{\"eventName\":[\"REMOVE\"]},{\"dynamodb\":{\"SizeBytes\":[26]}}]}", true},
    {"$or none", "{\"$or\":[{\"eventName\":[\"REMOVE\"]},{\"dynamodb\":{\"SizeBytes\":[27]}}]}", false},
    {"a leaf under a scalar", "{\"eventName\":{\"x\":[\"INSERT\"]}}", false},
};

static void test_matchers(void **state)
{
    (void)state;
    json_t *rec = json_loads(REC, 0, NULL);
    assert_non_null(rec);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        msg_trigger_filter *f = msg_trigger_filter_new();
        err_t e = {0};
        int rc = msg_trigger_filter_add(f, CASES[i].pattern, &e);
        if (rc)
            fail_msg("%s: refused: %s", CASES[i].name, e.msg);
        if (msg_trigger_filter_match(f, rec) != CASES[i].match)
            fail_msg("%s: %s", CASES[i].name, CASES[i].match ? "no match" : "matched");
        msg_trigger_filter_free(f);
    }
    json_decref(rec);
}

/* Several filters: a record passing any of them is delivered; an empty set passes all. */
static void test_filters_or(void **state)
{
    (void)state;
    json_t *rec = json_loads(REC, 0, NULL);
    msg_trigger_filter *f = msg_trigger_filter_new();
    err_t e = {0};
    assert_true(msg_trigger_filter_match(f, rec));
    assert_int_equal(msg_trigger_filter_add(f, "{\"eventName\":[\"REMOVE\"]}", &e), 0);
    assert_false(msg_trigger_filter_match(f, rec));
    assert_int_equal(msg_trigger_filter_add(f, "{\"eventName\":[\"INSERT\"]}", &e), 0);
    assert_true(msg_trigger_filter_match(f, rec));
    assert_int_equal(msg_trigger_filter_count(f), 2);
    for (int i = 2; i < MSG_TRIGGER_FILTERS_MAX; i++)
        assert_int_equal(msg_trigger_filter_add(f, "{\"eventName\":[\"X\"]}", &e), 0);
    assert_int_equal(msg_trigger_filter_add(f, "{\"eventName\":[\"X\"]}", &e), ERR_VALIDATION);
    msg_trigger_filter_free(f);
    json_decref(rec);
}

/* The record as the command gets it (msg_stream_lambda_record: userIdentity spelled
 * type/principalId, eventSourceARN added), which the trigger matches: the Developer Guide's
 * pattern for TTL deletions matches a TTL REMOVE and not a user's, and eventSourceARN is there
 * to match. */
static void test_lambda_record(void **state)
{
    (void)state;
    static const char *const ARN =
        "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026-12-07T00:00:00.000";
    json_t *ttl = json_loads("{\"eventName\":\"REMOVE\",\"userIdentity\":{\"PrincipalId\":"
                             "\"dynamodb.amazonaws.com\",\"Type\":\"Service\"},\"dynamodb\":"
                             "{\"Keys\":{\"pk\":{\"S\":\"a\"}}}}",
                             0, NULL);
    json_t *del = json_loads("{\"eventName\":\"REMOVE\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":"
                             "\"b\"}}}}",
                             0, NULL);
    assert_non_null(ttl);
    assert_non_null(del);
    json_t *lttl = msg_stream_lambda_record(ttl, ARN), *ldel = msg_stream_lambda_record(del, ARN);
    json_t *want = json_pack("{s:s,s:{s:s,s:s},s:{s:{s:{s:s}}},s:s}", "eventName", "REMOVE",
                             "userIdentity", "type", "Service", "principalId",
                             "dynamodb.amazonaws.com", "dynamodb", "Keys", "pk", "S", "a",
                             "eventSourceARN", ARN);
    assert_true(json_equal(want, lttl));
    json_decref(want);
    msg_trigger_filter *f = msg_trigger_filter_new();
    err_t e = {0};
    assert_int_equal(msg_trigger_filter_add(f, "{\"userIdentity\":{\"type\":[\"Service\"],"
                                               "\"principalId\":[\"dynamodb.amazonaws.com\"]}}",
                                            &e),
                     0);
    assert_true(msg_trigger_filter_match(f, lttl));
    assert_false(msg_trigger_filter_match(f, ldel));
    msg_trigger_filter_free(f);
    f = msg_trigger_filter_new();
    assert_int_equal(msg_trigger_filter_add(f, "{\"eventSourceARN\":[{\"suffix\":"
                                               "\"/stream/2026-12-07T00:00:00.000\"}]}",
                                            &e),
                     0);
    assert_true(msg_trigger_filter_match(f, ldel));
    assert_false(msg_trigger_filter_match(f, del)); /* GetRecords' record has none */
    msg_trigger_filter_free(f);
    json_decref(lttl);
    json_decref(ldel);
    json_decref(ttl);
    json_decref(del);
}

/* Many "numeric" matchers in one set (their bounds are parsed once, when a pattern is added,
 * and found again per record): each keeps its own bounds, across "$or" alternatives and
 * filters, and a refused pattern's bounds are not left behind for the next one. */
static void test_numeric_bounds(void **state)
{
    (void)state;
    json_t *rec = json_loads(REC, 0, NULL);
    assert_non_null(rec);
    /* Amount is 150.5: of the ranges [10i, 10i+10), only i = 15 holds it */
    for (int skip = 14; skip <= 16; skip++) {
        char pat[MSG_TRIGGER_FILTER_LEN_MAX];
        size_t n = (size_t)snprintf(pat, sizeof pat, "{\"$or\":[");
        for (int i = 0; i <= 20; i++)
            if (i != skip)
                n += (size_t)snprintf(pat + n, sizeof pat - n,
                                      "%s{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{"
                                      "\"numeric\":[\">=\",%d,\"<\",%d]}]}}}}",
                                      n > 8 ? "," : "", 10 * i, 10 * i + 10);
        n += (size_t)snprintf(pat + n, sizeof pat - n, "]}");
        assert_true(n < sizeof pat);
        msg_trigger_filter *f = msg_trigger_filter_new();
        err_t e = {0};
        if (msg_trigger_filter_add(f, pat, &e))
            fail_msg("refused: %s", e.msg);
        if (msg_trigger_filter_match(f, rec) != (skip != 15))
            fail_msg("without [%d, %d): %s", 10 * skip, 10 * skip + 10,
                     skip != 15 ? "no match" : "matched");
        msg_trigger_filter_free(f);
    }
    /* one range per filter, the matching one last */
    msg_trigger_filter *f = msg_trigger_filter_new();
    err_t e = {0};
    static const char *const one[] = {"[\"<\",150.5]", "[\">\",150.5]", "[\"=\",150.4]",
                                      "[\"<=\",150.49,\">=\",0]", "[\">=\",150.5,\"<=\",150.5]"};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        char pat[256];
        snprintf(pat, sizeof pat,
                 "{\"dynamodb\":{\"NewImage\":{\"Amount\":{\"N\":[{\"numeric\":%s}]}}}}", one[i]);
        assert_int_equal(msg_trigger_filter_add(f, pat, &e), 0);
        assert_int_equal(msg_trigger_filter_match(f, rec), i == 4);
    }
    msg_trigger_filter_free(f);
    /* a pattern refused after its first numeric matcher was read, then one that does not
     * match (the refused one's bounds would) */
    f = msg_trigger_filter_new();
    assert_int_equal(msg_trigger_filter_add(f,
                                            "{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\">\",1]}]"
                                            ",\"Keys\":[{\"numeric\":[\"!=\",1]}]}}",
                                            &e),
                     ERR_VALIDATION);
    assert_int_equal(
        msg_trigger_filter_add(f, "{\"dynamodb\":{\"SizeBytes\":[{\"numeric\":[\"<\",1]}]}}", &e),
        0);
    assert_false(msg_trigger_filter_match(f, rec));
    msg_trigger_filter_free(f);
    json_decref(rec);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "not json",
        "[\"INSERT\"]",
        "{\"eventName\":\"INSERT\"}",
        "{\"eventName\":[]}",
        "{\"eventName\":[{\"prefix\":1}]}",
        "{\"eventName\":[{\"exists\":\"yes\"}]}",
        "{\"eventName\":[{\"numeric\":[\">\"]}]}",
        "{\"eventName\":[{\"numeric\":[\"!=\",1]}]}",
        "{\"eventName\":[{\"wildcard\":\"x*\"}]}",
        "{\"eventName\":[{\"prefix\":\"a\",\"suffix\":\"b\"}]}",
        "{\"eventName\":[{\"anything-but\":[]}]}",
        "{\"$or\":[{\"eventName\":[\"A\"]}]}",
        "{\"eventName\":[\"A\"],\"eventName\":[\"B\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg_trigger_filter *f = msg_trigger_filter_new();
        err_t e = {0};
        if (msg_trigger_filter_add(f, bad[i], &e) != ERR_VALIDATION)
            fail_msg("accepted: %s", bad[i]);
        assert_true(strstr(e.msg, "filter") != NULL);
        assert_int_equal(msg_trigger_filter_count(f), 0);
        msg_trigger_filter_free(f);
    }
    /* nesting past the bound */
    char deep[512];
    size_t n = 0;
    for (int i = 0; i <= MSG_TRIGGER_FILTER_DEPTH_MAX + 1; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"a\":");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "[1]");
    for (int i = 0; i <= MSG_TRIGGER_FILTER_DEPTH_MAX + 1; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "}");
    assert_true(n < sizeof deep);
    msg_trigger_filter *f = msg_trigger_filter_new();
    err_t e = {0};
    assert_int_equal(msg_trigger_filter_add(f, deep, &e), ERR_VALIDATION);
    msg_trigger_filter_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matchers),
        cmocka_unit_test(test_filters_or),
        cmocka_unit_test(test_lambda_record),
        cmocka_unit_test(test_numeric_bounds),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
