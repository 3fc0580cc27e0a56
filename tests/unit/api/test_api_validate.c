/*
 * test_api_validate — the helpers of src/api/api_validate.c: the violation collector
 * (api_vld_*) in DynamoDB Local's form and the service's, the typed JSON members
 * (api_json_*), the name checks (api_name_valid; api_name_chars of api_schema.c, the name
 * pattern's matcher, against the byte rule) and the ResourceArn classifier (api_arn_parse).
 * The request walker's tests are test_api_walk.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "api/api_schema.h"
#include "api/api_validate.h"

/* api_name_chars (16 bytes a step, the last block overlapping) against the byte rule, for
 * every byte value at every position of names of 1 to 40 bytes, unaligned: the table and
 * index names of every request go through it (the model's TableName pattern, tbl_find). */
static bool name_byte_ref(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static void test_name_chars(void **state)
{
    (void)state;
    char buf[64];
    assert_true(api_name_chars("", 0));
    for (size_t len = 1; len <= 40; len++) {
        char *s = buf + 1; /* unaligned */
        for (size_t i = 0; i < len; i++)
            s[i] = "aZ09_-.q"[i % 8];
        assert_true(api_name_chars(s, len));
        for (size_t pos = 0; pos < len; pos++) {
            char keep = s[pos];
            for (int c = 0; c < 256; c++) {
                s[pos] = (char)c;
                assert_int_equal(api_name_chars(s, len), name_byte_ref((unsigned char)c));
            }
            s[pos] = keep;
        }
    }
    assert_true(api_name_valid("cruddur-messages"));
    assert_false(api_name_valid("cruddur-messages/"));
    assert_false(api_name_valid("ab"));
}

/* api_arn_parse: one row per class, and the region / account flags (the tag and policy
 * APIs map these to their texts: test_ttl_tags, test_resource_policy). */
static void test_arn_parse(void **state)
{
    (void)state;
    static const char R[] = "us-east-1", A[] = "123456789012";
    static const struct {
        const char *arn;
        size_t len; /* 0: strlen */
        api_arn_class cls;
        bool other_region, other_account;
        const char *name, *sub;
    } rows[] = {
        {"", 0, API_ARN_BARE, false, false, NULL, NULL},
        {"tab1", 0, API_ARN_BARE, false, false, NULL, NULL},
        {"ARN:aws:dynamodb:us-east-1:123456789012:table/tab1", 0, API_ARN_BARE, false, false,
         NULL, NULL},
        {"a:b:c:d:e:f/g", 0, API_ARN_BARE, false, false, NULL, NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012", 0, API_ARN_BAD, false, false, NULL, NULL},
        {"arn:aws-cn:dynamodb:us-east-1:123456789012:table/tab1", 0, API_ARN_BAD, false, false,
         NULL, NULL},
        {"arn:aws:s3:::bucket", 0, API_ARN_BAD, false, false, NULL, NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1", 0, API_ARN_TABLE, false, false,
         "tab1", NULL},
        {"arn:aws:dynamodb:eu-west-1:123456789012:table/tab1", 0, API_ARN_TABLE, true, false,
         "tab1", NULL},
        {"arn:aws:dynamodb:us-east-1:000000000000:table/tab1", 0, API_ARN_TABLE, false, true,
         "tab1", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/a:b", 0, API_ARN_TABLE, false, false,
         "a:b", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/t\0x", 49, API_ARN_TABLE, false, false,
         "t\0x", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/stream/2026-01-01T00:00:00.000", 0,
         API_ARN_STREAM, false, false, "tab1", "2026-01-01T00:00:00.000"},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/index/gix", 0, API_ARN_INDEX, false,
         false, "tab1", "gix"},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/backup/01234-abc", 0,
         API_ARN_BACKUP, false, false, "tab1", "01234-abc"},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/index/gix/x", 0, API_ARN_OTHER,
         false, false, "tab1", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/stream/", 0, API_ARN_OTHER, false,
         false, "tab1", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/tab1/backup/", 0, API_ARN_OTHER, false,
         false, "tab1", NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table/", 0, API_ARN_OTHER, false, false, NULL,
         NULL},
        {"arn:aws:dynamodb:us-east-1:123456789012:table//index/gix", 0, API_ARN_OTHER, false,
         false, NULL, NULL},
        {"arn:aws:dynamodb:us-west-2:123456789012:global-table/g1", 0, API_ARN_OTHER, true,
         false, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].arn);
        api_arn a;
        api_arn_parse(rows[i].arn, len, R, A, &a);
        print_message("row %zu: %s\n", i, rows[i].arn);
        assert_int_equal(a.cls, rows[i].cls);
        assert_int_equal(a.other_region, rows[i].other_region);
        assert_int_equal(a.other_account, rows[i].other_account);
        if (rows[i].name) {
            size_t nl = rows[i].len ? 3 : strlen(rows[i].name);
            assert_int_equal(a.name_len, nl);
            assert_memory_equal(a.name, rows[i].name, nl);
        } else if (a.cls != API_ARN_OTHER) {
            assert_null(a.name);
        }
        if (rows[i].sub) {
            assert_int_equal(a.sub_len, strlen(rows[i].sub));
            assert_memory_equal(a.sub, rows[i].sub, a.sub_len);
        } else {
            assert_null(a.sub);
        }
    }
    api_arn a;
    api_arn_parse(NULL, 0, R, A, &a);
    assert_int_equal(a.cls, API_ARN_BARE);
}

/* The violation collector in both forms, the name check, the typed JSON members. */
static void test_validate_helper(void **state)
{
    (void)state;
    api_vld v;
    err_t e = {0};
    api_vld_init(&v);
    assert_true(api_vld_ok(&v));
    assert_int_equal(api_vld_finish(&v, &e), 0);
    api_vld_null(&v, "tableName");
    api_vld_enum(&v, "FOO", "keySchema.1.member.keyType", "HASH, RANGE");
    assert_int_equal(api_vld_finish(&v, &e), ERR_VALIDATION);
    assert_string_equal(
        e.msg, "Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    err_clear(&e);
    assert_int_equal(api_vld_finish_aws(&v, &e), ERR_VALIDATION);
    assert_string_equal(
        e.msg, "2 validation errors detected: Value null at 'tableName' failed to satisfy "
               "constraint: Member must not be null; Value 'FOO' at 'keySchema.1.member.keyType' "
               "failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");
    assert_true(api_name_valid("a.b-c_D9"));
    assert_false(api_name_valid("ab"));
    assert_false(api_name_valid("a b"));
    json_t *o = json_pack("{s:i,s:s}", "n", 5, "s", "x");
    const char *s;
    bool present;
    long long n;
    err_clear(&e);
    assert_int_equal(api_json_str(o, "n", &s, &e), ERR_SERIALIZATION);
    err_clear(&e);
    assert_int_equal(api_json_int(o, "n", &present, &n, &e), 0);
    assert_true(present);
    assert_int_equal(n, 5);
    assert_int_equal(api_json_str(o, "absent", &s, &e), 0);
    assert_null(s);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_chars),
        cmocka_unit_test(test_arn_parse),
        cmocka_unit_test(test_validate_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
