/*
 * test_util — timestamps (fixed width, order = time order, round trip), base64url cursors,
 * UTF-8 code point counting, uuids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "messaging/messaging_int.h"

static void test_ts(void **state)
{
    char a[MSG_TS_LEN + 1], b[MSG_TS_LEN + 1];
    msg_ts_format(0, a);
    assert_string_equal(a, "1970-01-01T00:00:00.000000Z");
    long long t = 1795696496123456LL; /* 2026-11-26T12:34:56.123456Z */
    msg_ts_format(t, a);
    assert_string_equal(a, "2026-11-26T12:34:56.123456Z");
    long long back;
    assert_int_equal(msg_ts_parse(a, &back, NULL), 0);
    assert_true(back == t);
    msg_ts_format(t + 1, b);
    assert_string_equal(b, "2026-11-26T12:34:56.123457Z");
    assert_true(strcmp(a, b) < 0);
    msg_ts_format(t + 999999, b); /* carries into the second */
    assert_string_equal(b, "2026-11-26T12:34:57.123455Z");
    long long now = msg_now_usec();
    msg_ts_format(now, a);
    assert_int_equal(strlen(a), MSG_TS_LEN);
    err_t e = {0};
    const char *bad[] = {"", "2026-11-26T12:34:56Z", "2026-11-26 12:34:56.123456Z",
                         "2026-13-26T12:34:56.123456Z", "2026-11-26T12:34:56.12345xZ",
                         /* days the month does not have (timegm would roll them over) */
                         "2026-02-29T00:00:00.000000Z", "2026-04-31T00:00:00.000000Z",
                         "2100-02-29T00:00:00.000000Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (msg_ts_parse(bad[i], &back, &e) != ERR_VALIDATION)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(msg_ts_parse("2028-02-29T00:00:00.000000Z", &back, NULL), 0); /* leap */
    assert_int_equal(msg_ts_parse("2000-02-29T23:59:59.999999Z", &back, NULL), 0);
    /* the parse is the format's inverse from 1970 to 9999 (arithmetic, no timegm): a step
     * of ~3.1 days and a few odd seconds walks every month, leap days included */
    for (long long u = 0; u < 253402300800000000LL; u += 271828182845LL) {
        msg_ts_format(u, a);
        if (msg_ts_parse(a, &back, NULL) || back != u)
            fail_msg("%s: %lld, not %lld", a, back, u);
    }
    assert_int_equal(msg_ts_parse("9999-12-31T23:59:59.999999Z", &back, NULL), 0);
    assert_true(back == 253402300799999999LL);
}

/* RFC 3339 as clients write it (?after=, --after): the same instant as the fixed form. */
static void test_ts_rfc3339(void **state)
{
    (void)state;
    const long long t = 1795696496123456LL; /* 2026-11-26T12:34:56.123456Z */
    static const struct {
        const char *s;
        long long want;
    } ok[] = {
        {"2026-11-26T12:34:56.123456Z", t},
        {"2026-11-26t12:34:56.123456z", t},
        {"2026-11-26T12:34:56.123456789Z", t},      /* below a microsecond: dropped */
        {"2026-11-26T12:34:56.123Z", t - 456},      /* Date.toISOString() */
        {"2026-11-26T12:34:56Z", t - 123456},
        {"2026-11-26T12:34:56.1Z", t - 23456},
        {"2026-11-26T12:34:56.123456+00:00", t},
        {"2026-11-26T14:34:56.123456+02:00", t},
        {"2026-11-26T11:04:56.123456-01:30", t},
        {"2026-11-27T00:04:56.123456+11:30", t},     /* the day before in UTC */
        {"9999-12-31T23:59:59.999999Z", 253402300799999999LL}, /* the last time a key holds */
        /* before 1970: before every key, the epoch; past 9999 in UTC: after every key, the
         * last instant (both were refused) */
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:30:00+01:00", 0},
        {"1969-12-31T23:59:59.999999Z", 0},
        {"0001-01-01T00:00:00Z", 0},         /* Go's zero time, .NET's DateTime.MinValue */
        {"0000-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:01+00:00", 1000000},
        {"2000-02-29T00:00:00Z", 951782400000000LL},
        {"9999-12-31T23:59:59-01:00", 253402300799999999LL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long long got = -1;
        if (msg_ts_parse_rfc3339(ok[i].s, &got, NULL) != 0 || got != ok[i].want)
            fail_msg("%s: got %lld, want %lld", ok[i].s, got, ok[i].want);
    }
    const char *bad[] = {"", "yesterday", "2026-11-26", "2026-11-26T12:34Z",
                         "2026-11-26T12:34:56", "2026-11-26T12:34:56.Z",
                         "2026-11-26T12:34:56.1234567890Z", "2026-11-26 12:34:56Z",
                         "2026-11-26T12:34:56+0200", "2026-11-26T12:34:56+24:00",
                         "2026-11-26T12:34:56+02:60", "2026-02-30T00:00:00Z",
                         "2026-11-26T12:34:56Z ", "1900-02-29T00:00:00Z",
                         "-001-01-01T00:00:00Z", "2026-11-26T24:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long got;
        err_t e = {0};
        if (msg_ts_parse_rfc3339(bad[i], &got, &e) != ERR_VALIDATION)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_b64url(void **state)
{
    const char *samples[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"};
    const char *want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", "__79"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char *enc = msgi_b64url_encode((const unsigned char *)samples[i], strlen(samples[i]));
        assert_string_equal(enc, want[i]);
        unsigned char *dec;
        size_t n;
        assert_int_equal(msgi_b64url_decode(enc, &dec, &n), 0);
        assert_int_equal(n, strlen(samples[i]));
        assert_memory_equal(dec, samples[i], n);
        free(dec);
        free(enc);
    }
    unsigned char *dec;
    size_t n;
    assert_int_equal(msgi_b64url_decode("ab+c", &dec, &n), -1);
    assert_int_equal(msgi_b64url_decode("abcde", &dec, &n), -1);
}

static void test_utf8(void **state)
{
    const struct {
        const char *s;
        long want;
    } cases[] = {
        {"", 0},
        {"abc", 3},
        {"\xc3\xa9", 1},         /* é */
        {"\xe2\x82\xac", 1},     /* € */
        {"\xf0\x9f\x98\x80", 1}, /* emoji */
        {"a\xf0\x9f\x98\x80z", 3},
        {"\xc3", -1},             /* truncated */
        {"\xc0\xaf", -1},         /* overlong */
        {"\xed\xa0\x80", -1},     /* surrogate */
        {"\xf4\x90\x80\x80", -1}, /* > U+10FFFF */
        {"\x80", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(msgi_utf8_len(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

static void test_uuid(void **state)
{
    char a[MSG_UUID_LEN + 1], b[MSG_UUID_LEN + 1];
    msgi_uuid(a);
    msgi_uuid(b);
    assert_true(msgi_is_uuid(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    /* version 4 and RFC 4122's variant in every one, lower-case hex (msgi_uuid takes the
     * kernel's bytes itself since perf22, where libuuid set those bits) */
    for (int i = 0; i < 1000; i++) {
        msgi_uuid(a);
        assert_true(msgi_is_uuid(a));
        assert_int_equal(a[14], '4');
        assert_non_null(strchr("89ab", a[19]));
        for (int j = 0; j < MSG_UUID_LEN; j++)
            assert_true(a[j] == '-' || (a[j] >= '0' && a[j] <= '9') || (a[j] >= 'a' && a[j] <= 'f'));
    }
    assert_false(msgi_is_uuid("not-a-uuid"));
    assert_false(msgi_is_uuid("0000000000000000000000000000000000000"));
    assert_false(msgi_is_uuid(NULL));
}

/* msgi_echo: printable ASCII kept, every other byte '?', cut at 64 bytes with "..." */
static void test_echo(void **state)
{
    (void)state;
    char out[MSGI_ECHO_MAX], a64[70], want[70];
    msgi_echo("abc-1", out);
    assert_string_equal(out, "abc-1");
    msgi_echo("\xff\xfe\x1b[2J\xe2\x80\xae", out);
    assert_string_equal(out, "???[2J???");
    msgi_echo(NULL, out);
    assert_string_equal(out, "");
    memset(a64, 'a', 63);
    memcpy(a64 + 63, "\xc3\xa9", 3); /* a 2-byte character across the bound */
    msgi_echo(a64, out);
    memset(want, 'a', 63);
    memcpy(want + 63, "?...", 5);
    assert_string_equal(out, want);
}

/* msgi_env_long: the one reading of the numeric environment variables (test aids, the REST
 * deadline): a whole decimal number within the bounds, else the default stays. */
static void test_env_long(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value; /* NULL: unset */
        bool taken;
        long want;
    } cases[] = {
        {"unset", NULL, false, 0},        {"empty", "", false, 0},
        {"low bound", "10", true, 10},    {"high bound", "20", true, 20},
        {"below", "9", false, 0},         {"above", "21", false, 0},
        {"trailing", "15ms", false, 0},   {"space", " 15", true, 15}, /* strtol skips it */
        {"sign", "-15", false, 0},        {"overflow", "99999999999999999999", false, 0},
        {"not a number", "x", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].value)
            setenv("MSG_TEST_ENV_LONG", cases[i].value, 1);
        else
            unsetenv("MSG_TEST_ENV_LONG");
        long v = -1;
        bool taken = msgi_env_long("MSG_TEST_ENV_LONG", 10, 20, &v);
        if (taken != cases[i].taken || (taken && v != cases[i].want) || (!taken && v != -1))
            fail_msg("%s: taken %d, %ld", cases[i].name, taken, v);
    }
    unsetenv("MSG_TEST_ENV_LONG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts),
        cmocka_unit_test(test_ts_rfc3339),
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_env_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
